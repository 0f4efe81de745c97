#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/fileio.h"
#include "daemon/fsutil.h"
#include "daemon/image.h"
#include "daemon/job.h"
#include "daemon/log.h"
#include "proto/mem.h"
#include "proto/schema.h"

struct image_commit {
	struct job *job;
	struct image_file *file;
	int fd;
	int dir_fd;			/* the file's (it outlives us) */
	char *temp;
	char *path;
	bool overwrite;
	image_committed_fn *done;
	int error;			/* errno from the worker */
	uint64_t bytes;
};

static void image_commit_finish(struct image_commit *ic, struct err *e)
{
	struct image_file *f = ic->file;

	if (e != NULL)
		unlinkat(ic->dir_fd, fsutil_base(ic->temp), 0);
	/* renamed, or removed */
	free(f->temp_path);
	f->temp_path = NULL;
	f->bytes = e == NULL ? ic->bytes : 0;
	ic->done(ic->job, e);
	free(ic->temp);
	free(ic->path);
	free(ic);
}

static void image_dir_synced(void *arg)
{
	struct image_commit *ic = arg;

	/* the file is complete and renamed: a directory that could not be
	 * synced is worth a warning, not a failure */
	if (ic->error != 0)
		log_warning("fsync of the directory of %s: %s", ic->path,
		    strerror(ic->error));
	image_commit_finish(ic, NULL);
}

static void image_dir_sync_work(void *arg)
{
	struct image_commit *ic = arg;

	ic->error = fsync(ic->dir_fd) < 0 ? errno : 0;
}

static void image_synced(void *arg)
{
	struct image_commit *ic = arg;
	int rc;

	if (ic->error != 0) {
		image_commit_finish(ic, err_new(ERR_IO, "cannot write %s: %s",
		    ic->temp, strerror(ic->error)));
		return;
	}
	if (ic->job->abort_requested) {
		image_commit_finish(ic, err_new(ERR_ABORTED, "aborted"));
		return;
	}
	/* in the directory opened when the file was created, whatever
	 * happened to its path since */
	rc = renameat2(ic->dir_fd, fsutil_base(ic->temp), ic->dir_fd,
	    fsutil_base(ic->path), ic->overwrite ? 0 : RENAME_NOREPLACE);
	if (rc < 0) {
		image_commit_finish(ic, err_new(ERR_IO, "cannot rename %s to %s: "
		    "%s", ic->temp, ic->path, errno == EEXIST ?
		    "the file appeared meanwhile" : strerror(errno)));
		return;
	}
	job_set_journal(ic->job, "committed", json_object_new_boolean(true));
	fileio_submit(image_dir_sync_work, image_dir_synced, ic);
}

static void image_sync_work(void *arg)
{
	struct image_commit *ic = arg;
	struct stat st;

	ic->error = 0;
	if (ic->fd < 0)
		ic->fd = openat(ic->dir_fd, fsutil_base(ic->temp), O_RDONLY |
		    O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (ic->fd < 0 || fsync(ic->fd) < 0 || fstat(ic->fd, &st) < 0)
		ic->error = errno;
	else
		ic->bytes = (uint64_t)st.st_size;
	if (ic->fd >= 0 && close(ic->fd) < 0 && ic->error == 0)
		ic->error = errno;
	ic->fd = -1;
}

void image_file_commit(struct image_file *f, struct job *job,
    image_committed_fn *done)
{
	struct image_commit *ic = xcalloc(1, sizeof *ic);

	ic->job = job;
	ic->file = f;
	ic->fd = f->fd;
	f->fd = -1;			/* the worker closes it */
	ic->dir_fd = f->dir_fd;
	ic->temp = xstrdup(f->temp_path);
	ic->path = xstrdup(f->path);
	ic->overwrite = f->overwrite;
	ic->done = done;
	fileio_submit(image_sync_work, image_synced, ic);
}

/* ------------------------------------------------------------------------
 * Write-back while the stream runs */

/* At most this many write-backs queued on the file workers at once: they
 * are a head start for the final fsync, never worth waiting for. */
#define IMAGE_WRITEBACKS_MAX 2

static unsigned image_writebacks;

static void image_writeback_work(void *arg)
{
	int *fd = arg;

	/* starts write-out of what is dirty, without waiting for it */
	sync_file_range(*fd, 0, 0, SYNC_FILE_RANGE_WRITE);
}

static void image_writeback_done(void *arg)
{
	int *fd = arg;

	close(*fd);
	free(fd);
	image_writebacks--;
}

void image_file_writeback(struct image_file *f)
{
	int *fd;

	if (f->fd < 0 || image_writebacks >= IMAGE_WRITEBACKS_MAX)
		return;
	fd = xmalloc(sizeof *fd);
	/* a duplicate: the job may close f->fd while a worker holds this */
	if ((*fd = fcntl(f->fd, F_DUPFD_CLOEXEC, 0)) < 0) {
		free(fd);
		return;
	}
	image_writebacks++;
	fileio_submit(image_writeback_work, image_writeback_done, fd);
}

/* ------------------------------------------------------------------------
 * The image file of a job */

struct err *image_check_target(const char *path, bool overwrite)
{
	struct stat st;

	if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode))
		return err_new(ERR_INVALID_ARGUMENT, "%s exists and is not a "
		    "regular file (%s): it is never replaced", path,
		    S_ISLNK(st.st_mode) ? "a symbolic link" :
		    S_ISFIFO(st.st_mode) ? "a FIFO" :
		    S_ISDIR(st.st_mode) ? "a directory" : "a special file");
	if (!overwrite && lstat(path, &st) == 0)
		return err_new(ERR_INVALID_ARGUMENT, "%s exists (overwrite: "
		    "true replaces it)", path);
	return fsutil_check_parent_dir(path);
}

void image_file_init(struct image_file *f, const char *path, bool overwrite)
{
	f->path = xstrdup(path);
	f->temp_path = NULL;
	f->fd = -1;
	f->dir_fd = -1;
	f->overwrite = overwrite;
	f->bytes = 0;
}

void image_file_discard(struct image_file *f)
{
	if (f->fd >= 0) {
		close(f->fd);
		f->fd = -1;
	}
	if (f->temp_path != NULL) {
		/* never a complete-looking leftover */
		unlinkat(f->dir_fd, fsutil_base(f->temp_path), 0);
		free(f->temp_path);
		f->temp_path = NULL;
	}
}

void image_file_dispose(struct image_file *f)
{
	image_file_discard(f);
	if (f->dir_fd >= 0)
		close(f->dir_fd);
	f->dir_fd = -1;
	free(f->path);
	f->path = NULL;
}

struct err *image_file_create(struct image_file *f, struct job *job)
{
	int fd = -EEXIST;

	if (f->dir_fd < 0)
		f->dir_fd = fsutil_open_parent(f->path);
	if (f->dir_fd < 0) {
		fd = f->dir_fd;
		f->dir_fd = -1;
		return err_new(ERR_IO, "cannot open the directory of %s: %s",
		    f->path, strerror(-fd));
	}
	for (int attempt = 0; attempt < 100 && fd == -EEXIST; attempt++) {
		char *temp = fsutil_partial_name(f->path);

		/* the name is in the journal before the file exists: a
		 * daemon killed in between leaves nothing unaccounted for */
		job_set_journal(job, "temp", json_object_new_string(temp));
		fd = fsutil_create_at(f->dir_fd, temp, 0600);
		if (fd >= 0)
			f->temp_path = temp;
		else
			free(temp);
	}
	if (fd < 0)
		return err_new(ERR_IO, "cannot create a file next to %s: %s",
		    f->path, strerror(-fd));
	/* writes to a regular file block as they should */
	fcntl(fd, F_SETFL, 0);
	f->fd = fd;
	return NULL;
}

json_object *image_file_result(const struct image_file *f)
{
	json_object *ret = json_object_new_object();

	json_object_object_add(ret, "file", json_object_new_string(f->path));
	json_object_object_add(ret, "bytes",
	    json_object_new_int64((int64_t)f->bytes));
	return ret;
}

void image_recover_uncommitted(json_object *record, const char *target,
    const char *what)
{
	const char *temp = arg_string(json_object_object_get(record, "extra"),
	    "temp");

	if (temp != NULL && unlink(temp) == 0)
		log_notice("removed %s, left by an interrupted %s", temp, what);
	if (target != NULL && fsutil_remove_partials(target) > 0)
		log_notice("removed what an interrupted %s left of %s", what,
		    target);
}
