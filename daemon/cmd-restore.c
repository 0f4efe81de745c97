/* domain-restore, and domain-start from a managed save image.  The image's
 * header and configuration are checked before anything is created; then
 * the create engine (create.h) builds the domain from the stream. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>

#include "daemon/command.h"
#include "daemon/commands.h"
#include "daemon/create.h"
#include "daemon/daemon.h"
#include "daemon/domain-config.h"
#include "daemon/domain.h"
#include "daemon/fileio.h"
#include "daemon/fsutil.h"
#include "daemon/job.h"
#include "daemon/lifecycle.h"
#include "daemon/log.h"
#include "daemon/restore.h"
#include "daemon/savefile.h"
#include "daemon/store.h"
#include "proto/json-line.h"

/* Reading the header happens on a file worker: the image may sit on a
 * slow disk. */
struct restore_read {
	struct job *job;
	struct savefile_header header;
	struct err *error;
};

static void restore_progress(evutil_socket_t fd, short what, void *arg)
{
	struct job *job = arg;
	struct create_job *c = job->data;
	off_t pos = lseek(c->restore_fd, 0, SEEK_CUR);

	/* the build helper (and libxl's restore helper under it) shares
	 * the fd's offset with us */
	if (pos >= 0)
		job_set_progress(job, (uint64_t)pos, c->restore_size);
}

void restore_start_progress(struct job *job)
{
	struct create_job *c = job->data;
	struct timeval second = { 1, 0 };

	c->progress_timer = event_new(daemon_base, -1, EV_PERSIST,
	    restore_progress, job);
	evtimer_add(c->progress_timer, &second);
}

void restore_stop_progress(struct job *job)
{
	struct create_job *c = job->data;

	if (c->progress_timer == NULL)
		return;
	event_free(c->progress_timer);
	c->progress_timer = NULL;
	job_set_progress(job, c->restore_size, c->restore_size);
}

static void restore_unlink_work(void *arg)
{
	char *path = arg;

	if (unlink(path) < 0 && errno != ENOENT)
		log_error("cannot remove %s: %s", path, strerror(errno));
	else
		fsutil_fsync_parent(path);
}

void restore_forget_managed_image(struct domain *d)
{
	d->managed_save = false;
	fileio_submit(restore_unlink_work, free, store_managed_save_path(d));
}

/* The identity in the image: a new domain, or the defined shut-off domain
 * it belongs to. */
static struct err *restore_claim(struct job *job)
{
	struct create_job *c = job->data;
	libxl_domain_create_info *info = &c->config.c_info;
	struct domain *by_name = domain_find_name(info->name);
	struct domain *by_uuid = domain_find_uuid(&info->uuid);
	struct domain *d;

	if (job->domain != NULL) {
		/* a managed image: it must be this domain's */
		if (libxl_uuid_compare(&info->uuid, &job->domain->uuid) != 0)
			return err_new(ERR_INVALID_ARGUMENT, "the managed save "
			    "image of '%s' holds another domain ('%s')",
			    job->domain_name, info->name);
		free(info->name);
		info->name = strdup(job->domain->name);
		return NULL;
	}
	if (by_uuid != NULL && domain_is_running(by_uuid))
		return err_new(ERR_DOMAIN_EXISTS, "domain '%s' with the image's "
		    "UUID is running", by_uuid->name);
	if (by_name != NULL && by_name != by_uuid)
		return err_new(ERR_DOMAIN_EXISTS, "a domain named '%s' exists",
		    info->name);
	if (by_name != NULL && domain_is_running(by_name))
		return err_new(ERR_DOMAIN_EXISTS, "domain '%s' is running",
		    info->name);
	d = by_uuid;
	if (d != NULL && (d->holder != NULL || d->destroyer != NULL))
		return err_add_data(err_new(ERR_BUSY, "domain '%s' is busy with "
		    "job %llu", d->name, d->holder ?
		    (unsigned long long)d->holder->id : 0), "holder",
		    json_object_new_int64(d->holder ? (int64_t)d->holder->id : 0));
	if (d == NULL) {
		d = domain_add(info->name, &info->uuid);
	} else if (strcmp(d->name, info->name) != 0) {
		/* the defined domain it belongs to was renamed: Xen gets the
		 * name the daemon knows it by */
		free(info->name);
		info->name = strdup(d->name);
	}
	d->ours = true;
	if (d->config == NULL) {
		libxl_domain_config *copy = malloc(sizeof *copy);

		if (copy == NULL)
			abort();
		libxl_domain_config_init(copy);
		libxl_domain_config_copy(daemon_ctx, copy, &c->config);
		domain_set_config(d, copy);
	}
	job_attach_domain(job, d);
	job_hold_lock(job);
	return NULL;
}

static void restore_have_header(void *arg)
{
	struct restore_read *r = arg;
	struct job *job = r->job;
	struct create_job *c = job->data;
	json_object *obj;
	struct err *e = r->error;

	if (e == NULL && strcmp(daemon_hypervisor, "xen") == 0)
		e = savefile_check_stream_magic(c->restore_fd,
		    r->header.stream_offset);
	if (e == NULL) {
		obj = json_line_parse(r->header.config_json,
		    r->header.config_len, &e);
		if (obj != NULL) {
			e = domain_config_from_json_object(daemon_ctx, obj,
			    &c->config);
			json_object_put(obj);
		}
		if (e != NULL) {
			char *desc = e->desc;

			e->class = ERR_INVALID_ARGUMENT;
			if (asprintf(&e->desc, "the configuration in %s: %s",
			    c->restore_path, desc) < 0)
				abort();
			free(desc);
		}
	}
	savefile_header_dispose(&r->header);
	free(r);
	/* a fresh domid: an image from xl -D would ask for its old one */
	c->config.c_info.domid = 0;
	if (e == NULL && job->abort_requested)
		e = err_new(ERR_ABORTED, "aborted before it started");
	if (e == NULL)
		e = restore_claim(job);
	if (e != NULL) {
		job_fail(job, e);
		return;
	}
	create_build(job, 0);
}

static void restore_read_work(void *arg)
{
	struct restore_read *r = arg;
	struct create_job *c = r->job->data;

	r->error = savefile_read_header(c->restore_fd, &r->header);
}

static void restore_start(struct job *job)
{
	struct create_job *c = job->data;
	struct restore_read *r;
	struct stat st;

	c->restore_fd = open(c->restore_path, O_RDONLY | O_CLOEXEC);
	if (c->restore_fd < 0 || fstat(c->restore_fd, &st) < 0) {
		job_fail(job, err_new(errno == ENOENT ? ERR_INVALID_ARGUMENT :
		    ERR_IO, "cannot open %s: %s", c->restore_path,
		    strerror(errno)));
		return;
	}
	if (!S_ISREG(st.st_mode)) {
		job_fail(job, err_new(ERR_INVALID_ARGUMENT, "%s is not a "
		    "regular file", c->restore_path));
		return;
	}
	c->restore_size = (uint64_t)st.st_size;
	r = calloc(1, sizeof *r);
	if (r == NULL)
		abort();
	r->job = job;
	fileio_submit(restore_read_work, restore_have_header, r);
}

const struct job_type domain_restore_job = {
	.name = "domain-restore",
	.kind = JOB_ASYNC,
	.abortable = true,
	.start = restore_start,
	.abort = create_abort,
	.free_data = create_job_free,
	.recover = lifecycle_recover_create,
};

/* domain-start of a managed-saved domain: a job named as the command. */
static const struct job_type domain_start_managed_job = {
	.name = "domain-start",
	.kind = JOB_ASYNC,
	.abortable = true,
	.start = restore_start,
	.abort = create_abort,
	.free_data = create_job_free,
	.recover = lifecycle_recover_create,
};

static const struct arg_spec domain_restore_args[] = {
	{ "file", ARG_PATH, true, 0, 0, NULL, "an xl-format save image" },
	{ "paused", ARG_BOOL, false, 0, 0, NULL, "leave the domain paused" },
	ARG_END
};

static void cmd_domain_restore_run(struct request *req)
{
	const char *file = arg_string(req->args, "file");
	struct create_job *c;
	struct stat st;

	/* checked again when the job opens it; this is for a plain error
	 * instead of a failed job */
	if (stat(file, &st) < 0) {
		request_fail(req, err_new(ERR_INVALID_ARGUMENT, "cannot read "
		    "%s: %s", file, strerror(errno)));
		return;
	}
	if (!S_ISREG(st.st_mode)) {
		request_fail(req, err_new(ERR_INVALID_ARGUMENT, "%s is not a "
		    "regular file", file));
		return;
	}
	c = create_job_new(NULL, arg_bool(req->args, "paused", false));
	c->restore_path = strdup(file);
	job_submit(req, &domain_restore_job, NULL, c);
}

const struct command cmd_domain_restore = {
	.name = "domain-restore",
	.kind = COMMAND_ASYNC,
	.args = domain_restore_args,
	.handler = cmd_domain_restore_run,
	.help = "restore a domain from a save image (xl's format)",
};

void restore_submit_managed(struct request *req, struct domain *d,
    bool paused)
{
	struct create_job *c = create_job_new(NULL, paused);

	c->restore_path = store_managed_save_path(d);
	c->managed = true;
	if (req != NULL)
		job_submit(req, &domain_start_managed_job, d, c);
	else
		job_submit_internal(&domain_start_managed_job, d, c);
}
