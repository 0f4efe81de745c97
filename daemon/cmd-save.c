/* domain-save, domain-managed-save, domain-managed-save-remove.
 *
 * A save writes xl's format (header, JSON config, libxl stream v2) to a
 * temporary name in the target directory, fsyncs it and renames it into
 * place only on success.  If the save fails or is aborted, the temporary
 * file goes and the domain is resumed as it was: never lost. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>

#include "daemon/command.h"
#include "daemon/commands.h"
#include "daemon/daemon.h"
#include "daemon/domain.h"
#include "daemon/event.h"
#include "daemon/fileio.h"
#include "daemon/fsutil.h"
#include "daemon/image.h"
#include "daemon/job.h"
#include "daemon/lifecycle.h"
#include "daemon/log.h"
#include "daemon/savefile.h"
#include "daemon/store.h"

enum save_leave {
	SAVE_LEAVE_DESTROYED,		/* like xl save */
	SAVE_LEAVE_RUNNING,		/* like xl save -c */
	SAVE_LEAVE_PAUSED,		/* like xl save -p */
};

struct save_job {
	char *path;
	char *temp_path;		/* until renamed into place */
	int fd;
	enum save_leave leave;
	bool overwrite;
	bool managed;
	bool was_paused;
	uint32_t domid;
	libxl_domain_config config;
	uint64_t header_bytes;
	uint64_t memory_bytes;
	uint64_t file_bytes;
	struct event *progress_timer;
};

static void save_job_free(void *data)
{
	struct save_job *s = data;

	if (s->progress_timer != NULL)
		event_free(s->progress_timer);
	if (s->fd >= 0)
		close(s->fd);
	if (s->temp_path != NULL)
		unlink(s->temp_path);	/* never a complete-looking leftover */
	libxl_domain_config_dispose(&s->config);
	free(s->temp_path);
	free(s->path);
	free(s);
}

static void save_progress(evutil_socket_t fd, short what, void *arg)
{
	struct job *job = arg;
	struct save_job *s = job->data;
	struct stat st;

	if (fstat(s->fd, &st) == 0 && (uint64_t)st.st_size > s->header_bytes) {
		uint64_t done = (uint64_t)st.st_size - s->header_bytes;

		job_set_progress(job, done, done > s->memory_bytes ? done :
		    s->memory_bytes);
	}
}

static void save_stop_progress(struct save_job *s)
{
	if (s->progress_timer != NULL) {
		event_free(s->progress_timer);
		s->progress_timer = NULL;
	}
}

/* ------------------------------------------------------------------------
 * Failure: resume the domain as it was */

static void save_fail(struct job *job, struct err *e)
{
	struct save_job *s = job->data;

	save_stop_progress(s);
	if (s->fd >= 0) {
		close(s->fd);
		s->fd = -1;
	}
	if (s->temp_path != NULL) {
		unlink(s->temp_path);
		free(s->temp_path);
		s->temp_path = NULL;
	}
	lifecycle_fail_resuming(job, e, s->was_paused);
}

/* ------------------------------------------------------------------------
 * Success: the image is in place; leave the domain as asked */

static json_object *save_result(struct save_job *s)
{
	json_object *ret = json_object_new_object();

	json_object_object_add(ret, "file", json_object_new_string(s->path));
	json_object_object_add(ret, "bytes",
	    json_object_new_int64((int64_t)s->file_bytes));
	return ret;
}

static void save_left(struct job *job, int rc)
{
	struct save_job *s = job->data;
	struct domain *d = job->domain;

	if (rc != 0) {
		job_fail(job, err_add_data(job_libxl_error(job, rc,
		    s->leave == SAVE_LEAVE_DESTROYED ?
		    "the domain is saved, but destroying it" :
		    "the domain is saved, but resuming it"),
		    "file", json_object_new_string(s->path)));
		return;
	}
	if (s->leave == SAVE_LEAVE_DESTROYED) {
		lifecycle_domain_gone(d);
	} else {
		domain_rearm_death_watch(d);
		event_emit_domain(s->leave == SAVE_LEAVE_PAUSED ?
		    "DOMAIN_PAUSED" : "DOMAIN_RESUMED", d, NULL);
	}
	job_complete(job, save_result(s));
}

static void save_paused_to_leave(struct job *job, int rc)
{
	struct save_job *s = job->data;

	if (rc != 0) {
		save_left(job, rc);
		return;
	}
	/* pause first, then cancel the suspend: the vcpus stay stopped */
	job_ao_started(job, libxl_domain_resume(daemon_ctx, s->domid, 1,
	    job_ao(job, save_left)));
}

static void save_committed(struct job *job, struct err *e, uint64_t bytes)
{
	struct save_job *s = job->data;

	free(s->temp_path);		/* renamed, or removed */
	s->temp_path = NULL;
	if (e != NULL) {
		save_fail(job, e);
		return;
	}
	s->file_bytes = bytes;
	job_set_progress(job, s->file_bytes - s->header_bytes,
	    s->file_bytes - s->header_bytes);
	if (s->managed)
		job->domain->managed_save = true;
	log_info("domain %s: saved to %s (%" PRIu64 " bytes)",
	    job->domain_name, s->path, s->file_bytes);
	switch (s->leave) {
	case SAVE_LEAVE_DESTROYED:
		job_ao_started(job, libxl_domain_destroy(daemon_ctx, s->domid,
		    job_ao(job, save_left)));
		break;
	case SAVE_LEAVE_PAUSED:
		job_ao_started(job, libxl_domain_pause(daemon_ctx, s->domid,
		    job_ao(job, save_paused_to_leave)));
		break;
	case SAVE_LEAVE_RUNNING:
		job_ao_started(job, libxl_domain_resume(daemon_ctx, s->domid, 1,
		    job_ao(job, save_left)));
		break;
	}
}

static void save_suspended(struct job *job, int rc)
{
	struct save_job *s = job->data;

	save_stop_progress(s);
	if (rc != 0) {
		save_fail(job, job_libxl_error(job, rc, "saving the domain"));
		return;
	}
	/* the stream is complete but not yet on disk */
	image_commit(job, s->fd, s->temp_path, s->path, s->overwrite,
	    save_committed);
	s->fd = -1;			/* image_commit closes it */
}

static void save_have_config(struct job *job, int rc)
{
	struct save_job *s = job->data;
	struct timeval second = { 1, 0 };
	char *json;
	struct err *e;
	int fd;

	if (rc != 0) {
		save_fail(job, job_libxl_error(job, rc,
		    "retrieving the domain's configuration"));
		return;
	}
	if (job->abort_requested) {
		save_fail(job, err_new(ERR_ABORTED, "aborted"));
		return;
	}
	/* like xl: the image does not ask for this domid back */
	s->config.c_info.domid = 0;
	json = libxl_domain_config_to_json(daemon_ctx, &s->config);
	if (json == NULL) {
		save_fail(job, err_new(ERR_INTERNAL,
		    "cannot serialise the domain's configuration"));
		return;
	}
	fd = fsutil_create_partial(s->path, 0600, &s->temp_path);
	if (fd < 0) {
		free(json);
		save_fail(job, err_new(ERR_IO, "cannot create a file next to "
		    "%s: %s", s->path, strerror(-fd)));
		return;
	}
	s->fd = fd;
	job_set_journal(job, "temp", json_object_new_string(s->temp_path));
	e = savefile_write_header(fd, json, &s->header_bytes);
	free(json);
	if (e != NULL) {
		save_fail(job, e);
		return;
	}
	s->progress_timer = event_new(daemon_base, -1, EV_PERSIST,
	    save_progress, job);
	evtimer_add(s->progress_timer, &second);
	job_set_progress(job, 0, s->memory_bytes);
	log_info("domain %s: saving to %s", job->domain_name, s->path);
	job_ao_started(job, libxl_domain_suspend(daemon_ctx, s->domid, fd, 0,
	    job_ao(job, save_suspended)));
}

static void save_retrieve_config(struct job *job, int rc)
{
	struct save_job *s = job->data;

	if (rc != 0) {
		save_fail(job, job_libxl_error(job, rc, "unpausing the domain "
		    "so that it can suspend"));
		return;
	}
	job_ao_started(job, libxl_retrieve_domain_configuration(daemon_ctx,
	    s->domid, &s->config, job_ao(job, save_have_config)));
}

static void save_start(struct job *job)
{
	struct save_job *s = job->data;
	libxl_dominfo info;

	if (!power_still_running(job))
		return;
	s->domid = job->domain->domid;
	job_set_journal(job, "domid", json_object_new_int64(s->domid));
	libxl_dominfo_init(&info);
	if (libxl_domain_info(daemon_ctx, &info, s->domid) == 0) {
		s->was_paused = info.paused;
		s->memory_bytes = info.current_memkb * 1024;
	}
	libxl_dominfo_dispose(&info);
	/* a paused guest cannot answer the suspend request: let it run for
	 * the save (a failure pauses it again) */
	if (s->was_paused) {
		job_ao_started(job, libxl_domain_unpause(daemon_ctx, s->domid,
		    job_ao(job, save_retrieve_config)));
		return;
	}
	save_retrieve_config(job, 0);
}

/* A save interrupted by a daemon restart.  Before its image was complete:
 * the temporary file goes and a domain left suspended is resumed.  After:
 * the image stands, and the save's intent is carried out (the domain is
 * destroyed, or resumed for leave running/paused). */
static void save_recover(json_object *record, struct err *error)
{
	json_object *extra = json_object_object_get(record, "extra");
	json_object *args = json_object_object_get(record, "args");
	const char *temp = arg_string(extra, "temp");
	const char *file = arg_string(args, "file");
	const char *leave = arg_string(args, "leave");
	const char *uuid_text = arg_string(record, "uuid");
	struct domain *d = NULL;
	libxl_uuid uuid;

	if (uuid_text != NULL && libxl_uuid_from_string(&uuid, uuid_text) == 0)
		d = domain_find_uuid(&uuid);
	if (!arg_bool(extra, "committed", false)) {
		char *managed = file == NULL && d != NULL ?
		    store_managed_save_path(d) : NULL;
		const char *target = file != NULL ? file : managed;

		if (temp != NULL && unlink(temp) == 0)
			log_notice("removed %s, left by an interrupted save",
			    temp);
		if (target != NULL && fsutil_remove_partials(target) > 0)
			log_notice("removed what an interrupted save left of %s",
			    target);
		free(managed);
		lifecycle_recover_note(error, "no image was written");
		lifecycle_recover_suspended(record);
		return;
	}
	if (file == NULL && job_record_is(record, &domain_managed_save_job))
		lifecycle_recover_note(error, "the managed save image is "
		    "complete");
	else
		lifecycle_recover_note(error, "the image %s is complete",
		    file ? file : "");
	if (d == NULL)
		return;
	if (job_record_is(record, &domain_managed_save_job)) {
		char *image = store_managed_save_path(d);

		d->managed_save = (access(image, F_OK) == 0);
		free(image);
	}
	if (!domain_is_running(d))
		return;
	if (leave == NULL) {
		log_notice("domain %s: saved before the restart; destroying it "
		    "as the save meant to", d->name);
		job_submit_internal(&domain_destroy_job, d, NULL);
		return;
	}
	lifecycle_recover_suspended(record);
	if (strcmp(leave, "paused") == 0)
		job_submit_internal(&domain_pause_job, d, NULL);
}

const struct job_type domain_save_job = {
	.name = "domain-save",
	.kind = JOB_ASYNC,
	.abortable = true,
	.start = save_start,
	.free_data = save_job_free,
	.recover = save_recover,
};

const struct job_type domain_managed_save_job = {
	.name = "domain-managed-save",
	.kind = JOB_ASYNC,
	.abortable = true,
	.start = save_start,
	.free_data = save_job_free,
	.recover = save_recover,
};

static struct save_job *save_job_new(const char *path)
{
	struct save_job *s = calloc(1, sizeof *s);

	if (s == NULL)
		abort();
	s->fd = -1;
	s->path = strdup(path);
	libxl_domain_config_init(&s->config);
	return s;
}

static const char *const save_leave_choices[] = { "running", "paused", NULL };

static const struct arg_spec domain_save_args[] = {
	{ "domain", ARG_DOMAIN, true, 0, 0, NULL, "name, UUID or domid" },
	{ "file", ARG_PATH, true, 0, 0, NULL, "where to write the image" },
	{ "leave", ARG_ENUM, false, 0, 0, save_leave_choices,
	  "keep the domain, running or paused (default: destroy it, like "
	  "xl save)" },
	{ "overwrite", ARG_BOOL, false, 0, 0, NULL,
	  "replace an existing file" },
	ARG_END
};

static void cmd_domain_save_run(struct request *req)
{
	const char *file = arg_string(req->args, "file");
	const char *leave = arg_string(req->args, "leave");
	bool overwrite = arg_bool(req->args, "overwrite", false);
	struct domain *d;
	struct save_job *s;
	struct stat st;
	struct err *e;

	if (!overwrite && lstat(file, &st) == 0) {
		request_fail(req, err_new(ERR_INVALID_ARGUMENT, "%s exists "
		    "(overwrite: true replaces it)", file));
		return;
	}
	if ((e = fsutil_check_parent_dir(file)) != NULL) {
		request_fail(req, e);
		return;
	}
	d = power_running_domain(req, "save");
	if (d == NULL)
		return;
	s = save_job_new(file);
	s->overwrite = overwrite;
	s->leave = leave == NULL ? SAVE_LEAVE_DESTROYED :
	    strcmp(leave, "paused") == 0 ? SAVE_LEAVE_PAUSED : SAVE_LEAVE_RUNNING;
	job_submit(req, &domain_save_job, d, s);
}

const struct command cmd_domain_save = {
	.name = "domain-save",
	.kind = COMMAND_ASYNC,
	.args = domain_save_args,
	.handler = cmd_domain_save_run,
	.help = "save a domain to a file in xl's format",
};

static const struct arg_spec domain_args[] = {
	{ "domain", ARG_DOMAIN, true, 0, 0, NULL, "name, UUID or domid" },
	ARG_END
};

static void cmd_domain_managed_save_run(struct request *req)
{
	struct domain *d = power_running_domain(req, "save");
	struct save_job *s;
	char *path;

	if (d == NULL)
		return;
	if (!d->persistent) {
		request_fail(req, err_new(ERR_OPERATION_INVALID, "domain '%s' "
		    "is transient: a managed save needs a definition to start "
		    "it from (use domain-save)", d->name));
		return;
	}
	path = store_managed_save_path(d);
	s = save_job_new(path);
	free(path);
	s->overwrite = true;
	s->managed = true;
	job_submit(req, &domain_managed_save_job, d, s);
}

const struct command cmd_domain_managed_save = {
	.name = "domain-managed-save",
	.kind = COMMAND_ASYNC,
	.args = domain_args,
	.handler = cmd_domain_managed_save_run,
	.help = "save a defined domain into the state directory; "
	    "domain-start restores it",
};

/* ------------------------------------------------------------------------
 * domain-managed-save-remove */

struct remove_job {
	char *path;
	int error;
};

static void remove_job_free(void *data)
{
	struct remove_job *r = data;

	free(r->path);
	free(r);
}

static void remove_work(void *arg)
{
	struct job *job = arg;
	struct remove_job *r = job->data;

	r->error = 0;
	if (unlink(r->path) < 0 && errno != ENOENT)
		r->error = errno;
	else
		r->error = -fsutil_fsync_parent(r->path);
}

static void remove_done(void *arg)
{
	struct job *job = arg;
	struct remove_job *r = job->data;

	if (r->error != 0) {
		job_fail(job, err_new(ERR_IO, "cannot remove %s: %s", r->path,
		    strerror(r->error)));
		return;
	}
	job->domain->managed_save = false;
	job_complete(job, domain_info_json(job->domain));
}

static void remove_start(struct job *job)
{
	struct remove_job *r = job->data;

	if (!job->domain->managed_save) {
		job_fail(job, err_new(ERR_OPERATION_INVALID, "domain '%s' has "
		    "no managed save image", job->domain_name));
		return;
	}
	r->path = store_managed_save_path(job->domain);
	fileio_submit(remove_work, remove_done, job);
}

const struct job_type domain_managed_save_remove_job = {
	.name = "domain-managed-save-remove",
	.kind = JOB_MODIFY,
	.start = remove_start,
	.free_data = remove_job_free,
};

static void cmd_domain_managed_save_remove_run(struct request *req)
{
	struct err *e = NULL;
	struct domain *d = domain_lookup(json_object_object_get(req->args,
	    "domain"), &e);
	struct remove_job *r;

	if (d == NULL) {
		request_fail(req, e);
		return;
	}
	r = calloc(1, sizeof *r);
	if (r == NULL)
		abort();
	job_submit(req, &domain_managed_save_remove_job, d, r);
}

const struct command cmd_domain_managed_save_remove = {
	.name = "domain-managed-save-remove",
	.kind = COMMAND_MODIFY,
	.args = domain_args,
	.handler = cmd_domain_managed_save_remove_run,
	.help = "discard a domain's managed save image",
};
