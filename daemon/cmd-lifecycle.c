/* Starting domains: domain-create (transient), domain-start (defined), and
 * the daemon's own restarts (on_reboot=restart and friends).  libxl builds
 * domains paused and leaves unpausing to the toolstack; a create that fails
 * or is aborted leaves no half-built domain behind. */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include <event2/event.h>

#include "daemon/command.h"
#include "daemon/commands.h"
#include "daemon/create.h"
#include "daemon/daemon.h"
#include "daemon/domain-config.h"
#include "daemon/domain.h"
#include "daemon/event.h"
#include "daemon/job.h"
#include "daemon/lifecycle.h"
#include "daemon/log.h"
#include "daemon/restore.h"
#include "daemon/xl-config.h"

void create_job_free(void *data)
{
	struct create_job *c = data;

	if (c->progress_timer != NULL)
		event_free(c->progress_timer);
	if (c->restore_fd >= 0)
		close(c->restore_fd);
	free(c->restore_path);
	libxl_domain_config_dispose(&c->config);
	err_free(c->failure);
	free(c);
}

struct create_job *create_job_new(const libxl_domain_config *config,
    bool paused)
{
	struct create_job *c = calloc(1, sizeof *c);

	if (c == NULL)
		abort();
	libxl_domain_config_init(&c->config);
	if (config != NULL)
		libxl_domain_config_copy(daemon_ctx, &c->config,
		    (libxl_domain_config *)config);
	c->domid = DOMID_NONE;
	c->paused = paused;
	c->restore_fd = -1;
	return c;
}

struct err *lifecycle_check_memory(libxl_domain_config *config)
{
	uint64_t need = 0, free_kib = 0;
	int rc;

	rc = libxl_domain_need_memory(daemon_ctx, config, DOMID_NONE, &need);
	if (rc != 0)
		return err_add_data(err_new(ERR_HYPERVISOR, "cannot compute the "
		    "memory the domain needs: libxl error %d", rc),
		    "libxl_error", json_object_new_int(rc));
	rc = libxl_get_free_memory(daemon_ctx, &free_kib);
	if (rc != 0)
		return err_add_data(err_new(ERR_HYPERVISOR, "cannot read the "
		    "host's free memory: libxl error %d", rc),
		    "libxl_error", json_object_new_int(rc));
	if (need > free_kib)
		return err_add_data(err_new(ERR_RESOURCE_LIMIT, "not enough "
		    "host memory: the domain needs %" PRIu64 " KiB, %" PRIu64
		    " KiB are free", need, free_kib), "free_memory_kib",
		    json_object_new_int64((int64_t)free_kib));
	return NULL;
}

/* ------------------------------------------------------------------------
 * The steps */

static void create_cleaned(struct job *job, int rc)
{
	struct create_job *c = job->data;

	if (rc != 0)
		log_error("domain %s: cannot destroy the half-built domain %"
		    PRIu32 ": libxl error %d", job->domain_name, c->domid, rc);
	lifecycle_domain_gone(job->domain);
	job_fail_taking(job, &c->failure);
}

void create_fail(struct job *job, struct err *e)
{
	struct create_job *c = job->data;

	if (c->domid == DOMID_NONE || c->domid == 0) {
		lifecycle_domain_gone(job->domain);
		job_fail(job, e);
		return;
	}
	c->failure = e;
	log_info("domain %s: destroying half-built domain %" PRIu32,
	    job->domain_name, c->domid);
	job_ao_started(job, libxl_domain_destroy(daemon_ctx, c->domid,
	    job_ao(job, create_cleaned)));
}

static void create_done(struct job *job)
{
	struct create_job *c = job->data;
	json_object *data = json_object_new_object();

	if (c->paused)
		json_object_object_add(data, "paused",
		    json_object_new_boolean(true));
	if (c->restore_path != NULL)
		json_object_object_add(data, "restored_from",
		    json_object_new_string(c->restore_path));
	event_emit_domain("DOMAIN_STARTED", job->domain, data);
	if (c->managed)
		restore_forget_managed_image(job->domain);
	job_complete(job, domain_info_json(job->domain));
}

static void create_unpaused(struct job *job, int rc)
{
	if (rc != 0) {
		create_fail(job, job_libxl_error(job, rc, "unpausing the domain"));
		return;
	}
	create_done(job);
}

static void create_built(struct job *job, int rc)
{
	struct create_job *c = job->data;

	restore_stop_progress(job);
	if (rc != 0) {
		create_fail(job, job_libxl_error(job, rc, c->restore_fd >= 0 ?
		    "restoring the domain" : "creating the domain"));
		return;
	}
	domain_set_running(job->domain, c->domid);
	job_set_journal(job, "domid", json_object_new_int64(c->domid));
	if (job->abort_requested) {
		create_fail(job, err_new(ERR_ABORTED, "aborted"));
		return;
	}
	if (c->paused) {
		create_done(job);
		return;
	}
	job_ao_started(job, libxl_domain_unpause(daemon_ctx, c->domid,
	    job_ao(job, create_unpaused)));
}

void create_build(struct job *job, int rc)
{
	struct create_job *c = job->data;
	struct err *e;

	if (job->abort_requested) {
		job_fail(job, err_new(ERR_ABORTED, "aborted before it started"));
		return;
	}
	e = lifecycle_check_memory(&c->config);
	if (e != NULL) {
		job_fail(job, e);
		return;
	}
	job_set_journal(job, "uuid", json_object_new_string(
	    job->domain->uuid_text));
	if (c->restore_fd >= 0) {
		libxl_domain_restore_params params;
		int r;

		log_info("domain %s: restoring from %s", job->domain_name,
		    c->restore_path);
		libxl_domain_restore_params_init(&params);
		/* 4.17 writes v2 streams; the IDL default (1) would make
		 * libxl misread them as legacy ones */
		params.stream_version = 2;
		restore_start_progress(job);
		r = libxl_domain_create_restore(daemon_ctx, &c->config,
		    &c->domid, c->restore_fd, -1, &params,
		    job_ao(job, create_built), NULL);
		libxl_domain_restore_params_dispose(&params);
		job_ao_started(job, r);
		return;
	}
	log_info("domain %s: creating", job->domain_name);
	job_ao_started(job, libxl_domain_create_new(daemon_ctx, &c->config,
	    &c->domid, job_ao(job, create_built), NULL));
}

static void create_old_destroyed(struct job *job, int rc)
{
	if (rc != 0 && domain_is_running(job->domain)) {
		job_fail(job, job_libxl_error(job, rc, "destroying the old "
		    "domain"));
		return;
	}
	lifecycle_domain_gone(job->domain);
	create_build(job, 0);
}

void create_start(struct job *job)
{
	struct create_job *c = job->data;
	struct domain *d = job->domain;

	if (c->destroy_first && domain_is_running(d)) {
		job_ao_started(job, libxl_domain_destroy(daemon_ctx, d->domid,
		    job_ao(job, create_old_destroyed)));
		return;
	}
	if (domain_is_running(d)) {
		job_fail(job, err_new(ERR_OPERATION_INVALID,
		    "domain '%s' is already running", d->name));
		return;
	}
	create_build(job, 0);
}

/* A failed or aborted create leaves nothing; while libxl works, aborting
 * is libxl_ao_abort (the default). */
const struct job_type domain_create_job = {
	.name = "domain-create",
	.kind = JOB_ASYNC,
	.abortable = true,
	.start = create_start,
	.free_data = create_job_free,
	.recover = lifecycle_recover_create,
};

const struct job_type domain_start_job = {
	.name = "domain-start",
	.kind = JOB_ASYNC,
	.abortable = true,
	.start = create_start,
	.free_data = create_job_free,
	.recover = lifecycle_recover_create,
};

const struct job_type domain_restart_job = {
	.name = "domain-restart",
	.kind = JOB_ASYNC,
	.abortable = true,
	.start = create_start,
	.free_data = create_job_free,
	.recover = lifecycle_recover_create,
};

/* ------------------------------------------------------------------------
 * Commands */

/* The config or xl_config argument, checked: exactly one of them. */
struct err *lifecycle_parse_config(json_object *args, libxl_domain_config *out)
{
	json_object *config = json_object_object_get(args, "config");
	const char *xl = arg_string(args, "xl_config");

	if ((config == NULL) == (xl == NULL))
		return err_new(ERR_INVALID_ARGUMENT,
		    "give exactly one of 'config' and 'xl_config'");
	if (config != NULL)
		return domain_config_from_json_object(daemon_ctx, config, out);
	return xl_config_parse(daemon_ctx, xl, strlen(xl), out);
}

/* Name and UUID of a new domain must be free; a missing UUID is made. */
struct err *lifecycle_claim_identity(libxl_domain_config *config)
{
	struct domain *by_name = domain_find_name(config->c_info.name);

	if (by_name != NULL)
		return err_new(ERR_DOMAIN_EXISTS, "a domain named '%s' exists",
		    config->c_info.name);
	if (libxl_uuid_is_nil(&config->c_info.uuid))
		libxl_uuid_generate(&config->c_info.uuid);
	else if (domain_find_uuid(&config->c_info.uuid) != NULL)
		return err_new(ERR_DOMAIN_EXISTS, "a domain with UUID "
		    LIBXL_UUID_FMT " exists",
		    LIBXL_UUID_BYTES(config->c_info.uuid));
	return NULL;
}

static const struct arg_spec domain_create_args[] = {
	{ "config", ARG_OBJECT, false, 0, 0, NULL,
	  "libxl's JSON domain configuration" },
	{ "xl_config", ARG_STRING, false, 0, 1024 * 1024, NULL,
	  "the text of an xl domain config file" },
	{ "paused", ARG_BOOL, false, 0, 0, NULL, "leave the domain paused" },
	ARG_END
};

static void cmd_domain_create_run(struct request *req)
{
	libxl_domain_config config;
	struct create_job *c;
	struct domain *d;
	struct err *e;

	libxl_domain_config_init(&config);
	e = lifecycle_parse_config(req->args, &config);
	if (e == NULL)
		e = lifecycle_claim_identity(&config);
	if (e != NULL) {
		libxl_domain_config_dispose(&config);
		request_fail(req, e);
		return;
	}
	c = create_job_new(&config, arg_bool(req->args, "paused", false));
	d = domain_add(config.c_info.name, &config.c_info.uuid);
	domain_set_config(d, malloc(sizeof(libxl_domain_config)));
	libxl_domain_config_init(d->config);
	libxl_domain_config_copy(daemon_ctx, d->config, &config);
	libxl_domain_config_dispose(&config);
	d->ours = true;
	if (job_submit(req, &domain_create_job, d, c) == NULL)
		domain_forget_if_unused(d);
}

const struct command cmd_domain_create = {
	.name = "domain-create",
	.kind = COMMAND_ASYNC,
	.args = domain_create_args,
	.handler = cmd_domain_create_run,
	.help = "create and start a transient domain",
};

static const struct arg_spec domain_start_args[] = {
	{ "domain", ARG_DOMAIN, true, 0, 0, NULL, "a defined domain" },
	{ "paused", ARG_BOOL, false, 0, 0, NULL, "leave the domain paused" },
	ARG_END
};

static void cmd_domain_start_run(struct request *req)
{
	struct err *e = NULL;
	struct domain *d = domain_lookup(json_object_object_get(req->args,
	    "domain"), &e);
	bool paused = arg_bool(req->args, "paused", false);

	if (d == NULL) {
		request_fail(req, e);
		return;
	}
	if (!d->persistent || d->config == NULL) {
		request_fail(req, err_new(ERR_OPERATION_INVALID,
		    "domain '%s' is not defined (use domain-create for a "
		    "transient domain)", d->name));
		return;
	}
	if (domain_is_running(d) && d->holder == NULL) {
		request_fail(req, err_new(ERR_OPERATION_INVALID,
		    "domain '%s' is already running", d->name));
		return;
	}
	d->ours = true;
	if (d->managed_save) {
		restore_submit_managed(req, d, paused);
		return;
	}
	job_submit(req, &domain_start_job, d, create_job_new(d->config, paused));
}

const struct command cmd_domain_start = {
	.name = "domain-start",
	.kind = COMMAND_ASYNC,
	.args = domain_start_args,
	.handler = cmd_domain_start_run,
	.help = "start a defined domain (from its managed save if it has one)",
};

/* ------------------------------------------------------------------------
 * The daemon's own starts */

void lifecycle_restart(struct domain *d)
{
	struct create_job *c;

	if (d->config == NULL) {
		log_error("domain %s: cannot restart: no configuration known",
		    d->name);
		return;
	}
	c = create_job_new(d->config, false);
	c->destroy_first = true;
	job_submit_internal(&domain_restart_job, d, c);
}

void lifecycle_autostart(void)
{
	struct domain *d;

	TAILQ_FOREACH(d, &domain_registry, entry) {
		if (!d->persistent || !d->autostart || domain_is_running(d) ||
		    d->config == NULL || d->holder != NULL)
			continue;
		log_notice("domain %s: autostart", d->name);
		d->ours = true;
		if (d->managed_save)
			restore_submit_managed(NULL, d, false);
		else
			job_submit_internal(&domain_start_job, d,
			    create_job_new(d->config, false));
	}
}
