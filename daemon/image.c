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

struct image_commit {
	struct job *job;
	int fd;
	char *temp;
	char *path;
	bool overwrite;
	image_committed_fn *done;
	int error;			/* errno from the worker */
	uint64_t bytes;
};

static void image_commit_finish(struct image_commit *ic, struct err *e)
{
	if (e != NULL)
		unlink(ic->temp);
	ic->done(ic->job, e, e == NULL ? ic->bytes : 0);
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

	ic->error = -fsutil_fsync_parent(ic->path);
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
	if (ic->overwrite)
		rc = rename(ic->temp, ic->path);
	else
		rc = renameat2(AT_FDCWD, ic->temp, AT_FDCWD, ic->path,
		    RENAME_NOREPLACE);
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
		ic->fd = open(ic->temp, O_RDONLY | O_CLOEXEC);
	if (ic->fd < 0 || fsync(ic->fd) < 0 || fstat(ic->fd, &st) < 0)
		ic->error = errno;
	else
		ic->bytes = (uint64_t)st.st_size;
	if (ic->fd >= 0 && close(ic->fd) < 0 && ic->error == 0)
		ic->error = errno;
	ic->fd = -1;
}

void image_commit(struct job *job, int fd, const char *temp, const char *path,
    bool overwrite, image_committed_fn *done)
{
	struct image_commit *ic = calloc(1, sizeof *ic);

	if (ic == NULL)
		abort();
	ic->job = job;
	ic->fd = fd;
	ic->temp = strdup(temp);
	ic->path = strdup(path);
	ic->overwrite = overwrite;
	ic->done = done;
	fileio_submit(image_sync_work, image_synced, ic);
}
