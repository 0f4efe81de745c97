/* domain-save, domain-managed-save, domain-managed-save-remove.
 *
 * A save writes xl's format (header, JSON config, libxl stream v2) to a
 * temporary name in the target directory, fsyncs it and renames it into
 * place only on success (image.h).  If the save fails or is aborted, the
 * temporary file goes and the domain is resumed as it was: never lost. */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/command.h"
#include "daemon/daemon.h"
#include "daemon/dispatch.h"
#include "daemon/domain-json.h"
#include "daemon/domain.h"
#include "daemon/image.h"
#include "daemon/job.h"
#include "daemon/lifecycle.h"
#include "daemon/log.h"
#include "daemon/request.h"
#include "daemon/savefile.h"
#include "daemon/store.h"
#include "proto/mem.h"

extern const struct command cmd_domain_managed_save;

enum save_leave {
	SAVE_LEAVE_DESTROYED,		/* like xl save */
	SAVE_LEAVE_RUNNING,		/* like xl save -c */
	SAVE_LEAVE_PAUSED,		/* like xl save -p */
};

struct save_job {
	struct image_file image;
	enum save_leave leave;
	bool managed;
	bool was_paused;
	uint32_t domid;
	libxl_domain_config config;
	uint64_t header_bytes;
	uint64_t memory_bytes;
};

static struct save_job *save_job_new(const char *path, bool overwrite)
{
	struct save_job *s = xcalloc(1, sizeof *s);

	image_file_init(&s->image, path, overwrite);
	libxl_domain_config_init(&s->config);
	return s;
}

static void save_job_free(void *data)
{
	struct save_job *s = data;

	image_file_dispose(&s->image);
	libxl_domain_config_dispose(&s->config);
	free(s);
}

/* How much of the domain's memory is in the file. */
static bool save_measure(struct job *job, uint64_t *current)
{
	struct save_job *s = job->data;
	struct stat st;

	image_file_writeback(&s->image);
	if (fstat(s->image.fd, &st) < 0 ||
	    (uint64_t)st.st_size <= s->header_bytes)
		return false;
	*current = (uint64_t)st.st_size - s->header_bytes;
	return true;
}

/* Failure: no image, the domain resumed as it was. */
static void save_fail(struct job *job, struct err *e)
{
	struct save_job *s = job->data;

	job_stop_progress(job, 0);
	image_file_discard(&s->image);
	lifecycle_fail_resuming(job, e, s->was_paused);
}

/* ------------------------------------------------------------------------
 * Success: the image is in place; leave the domain as asked */

static void save_finished(struct job *job, int rc)
{
	struct save_job *s = job->data;

	job_complete(job, image_file_result(&s->image));
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
		    "file", json_object_new_string(s->image.path)));
		return;
	}
	if (s->leave == SAVE_LEAVE_DESTROYED) {
		/* done when its disks are free for the restore, here or on
		 * another host */
		lifecycle_domain_gone_job(job, save_finished);
		return;
	}
	domain_rearm_death_watch(d);
	domain_emit(d, s->leave == SAVE_LEAVE_PAUSED ? "DOMAIN_PAUSED" :
	    "DOMAIN_RESUMED", NULL);
	save_finished(job, 0);
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

static void save_committed(struct job *job, struct err *e)
{
	struct save_job *s = job->data;
	uint64_t stream = s->image.bytes - s->header_bytes;

	if (e != NULL) {
		save_fail(job, e);
		return;
	}
	job_set_progress(job, stream, stream);
	if (s->managed)
		job->domain->managed_save = true;
	log_info("domain %s: saved to %s (%" PRIu64 " bytes)",
	    job->domain_name, s->image.path, s->image.bytes);
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

	job_stop_progress(job, 0);
	if (rc != 0) {
		save_fail(job, job_libxl_error(job, rc, "saving the domain"));
		return;
	}
	/* the stream is complete but not yet on disk */
	image_file_commit(&s->image, job, save_committed);
}

static void save_have_config(struct job *job, int rc)
{
	struct save_job *s = job->data;
	char *json;
	struct err *e;

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
	e = image_file_create(&s->image, job);
	if (e == NULL)
		e = savefile_write_header(s->image.fd, json, &s->header_bytes);
	free(json);
	if (e != NULL) {
		save_fail(job, e);
		return;
	}
	job_poll_progress(job, save_measure, s->memory_bytes);
	log_info("domain %s: saving to %s", job->domain_name, s->image.path);
	job_ao_started(job, libxl_domain_suspend(daemon_ctx, s->domid,
	    s->image.fd, 0, job_ao(job, save_suspended)));
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

	if (!job_domain_running(job))
		return;
	s->domid = job->domain->domid;
	job_set_journal(job, "domid", json_object_new_int64(s->domid));
	if (domain_fresh_info(job->domain, &info)) {
		s->was_paused = info.paused;
		s->memory_bytes = info.current_memkb * 1024;
		libxl_dominfo_dispose(&info);
	}
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
	const char *file = arg_string(args, "file");
	const char *leave = arg_string(args, "leave");
	const char *uuid_text = arg_string(record, "uuid");
	bool managed = job_record_is(record, cmd_domain_managed_save.name);
	struct domain *d = NULL;
	libxl_uuid uuid;

	if (uuid_text != NULL && libxl_uuid_from_string(&uuid, uuid_text) == 0)
		d = domain_find_uuid(&uuid);
	if (!arg_bool(extra, "committed", false)) {
		char *image = file == NULL && d != NULL ?
		    domain_managed_save_path(d) : NULL;

		image_recover_uncommitted(record, file != NULL ? file : image,
		    "save");
		free(image);
		err_append(error, "no image was written");
		lifecycle_recover_suspended(record);
		return;
	}
	if (file == NULL && managed)
		err_append(error, "the managed save image is complete");
	else
		err_append(error, "the image %s is complete", file ? file : "");
	if (d == NULL)
		return;
	if (managed) {
		char *image = domain_managed_save_path(d);

		d->managed_save = (access(image, F_OK) == 0);
		free(image);
	}
	if (!domain_is_running(d))
		return;
	if (leave == NULL) {
		log_notice("domain %s: saved before the restart; destroying it "
		    "as the save meant to", d->name);
		dispatch_internal_domain("domain-destroy", d, NULL);
		return;
	}
	lifecycle_recover_suspended(record);
	if (strcmp(leave, "paused") == 0)
		dispatch_internal_domain("domain-pause", d, NULL);
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

static void save_run(struct request *req)
{
	const char *file = arg_string(req->args, "file");
	const char *leave = arg_string(req->args, "leave");
	bool overwrite = arg_bool(req->args, "overwrite", false);
	struct err *e = image_check_target(file, overwrite);
	struct save_job *s;

	if (e != NULL) {
		request_fail(req, e);
		return;
	}
	s = save_job_new(file, overwrite);
	s->leave = leave == NULL ? SAVE_LEAVE_DESTROYED :
	    strcmp(leave, "paused") == 0 ? SAVE_LEAVE_PAUSED : SAVE_LEAVE_RUNNING;
	request_submit(req, s);
}

const struct command cmd_domain_save = {
	.name = "domain-save",
	.kind = COMMAND_ASYNC,
	.args = domain_save_args,
	.target = TARGET_DOMAIN,
	.target_flags = TARGET_RUNNING | TARGET_NOT_DOM0,
	.verb = "save",
	.run = save_run,
	.help = "save a domain to a file in xl's format",
	.abortable = true,
	.start = save_start,
	.free_data = save_job_free,
	.recover = save_recover,
};

static const struct arg_spec domain_args[] = {
	{ "domain", ARG_DOMAIN, true, 0, 0, NULL, "name, UUID or domid" },
	ARG_END
};

static void managed_save_run(struct request *req)
{
	struct domain *d = req->domain;
	struct save_job *s;
	char *path;

	if (!d->persistent) {
		request_fail(req, err_new(ERR_OPERATION_INVALID, "domain '%s' "
		    "is transient: a managed save needs a definition to start "
		    "it from (use domain-save)", d->name));
		return;
	}
	path = domain_managed_save_path(d);
	s = save_job_new(path, true);
	free(path);
	s->managed = true;
	request_submit(req, s);
}

const struct command cmd_domain_managed_save = {
	.name = "domain-managed-save",
	.kind = COMMAND_ASYNC,
	.args = domain_args,
	.target = TARGET_DOMAIN,
	.target_flags = TARGET_RUNNING | TARGET_NOT_DOM0,
	.verb = "save",
	.run = managed_save_run,
	.help = "save a defined domain into the state directory; "
	    "domain-start restores it",
	.abortable = true,
	.start = save_start,
	.free_data = save_job_free,
	.recover = save_recover,
};

/* ------------------------------------------------------------------------
 * domain-managed-save-remove */

static void managed_save_removed(void *arg, struct err *e)
{
	struct job *job = arg;

	if (e != NULL) {
		job_fail(job, e);
		return;
	}
	job->domain->managed_save = false;
	job_complete(job, domain_info_json(job->domain));
}

static void managed_save_remove_start(struct job *job)
{
	char *path;

	if (!job->domain->managed_save) {
		job_fail(job, err_new(ERR_OPERATION_INVALID, "domain '%s' has "
		    "no managed save image", job->domain_name));
		return;
	}
	path = domain_managed_save_path(job->domain);
	store_remove_file(path, managed_save_removed, job);
	free(path);
}

const struct command cmd_domain_managed_save_remove = {
	.name = "domain-managed-save-remove",
	.kind = COMMAND_MODIFY,
	.args = domain_args,
	.target = TARGET_DOMAIN,
	.help = "discard a domain's managed save image",
	.start = managed_save_remove_start,
};
