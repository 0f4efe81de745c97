/* Starting domains: domain-create (transient), domain-start (defined, from
 * its managed save image if it has one), and the daemon's own
 * domain-restart (on_reboot=restart and friends).  The building is the
 * create engine's (create.h). */
#include "config.h"

#include <stdlib.h>

#include "daemon/command.h"
#include "daemon/create.h"
#include "daemon/daemon.h"
#include "daemon/domain.h"
#include "daemon/job.h"
#include "daemon/request.h"
#include "proto/mem.h"

static const struct arg_spec domain_create_args[] = {
	{ "config", ARG_OBJECT, false, 0, 0, NULL,
	  "libxl's JSON domain configuration" },
	{ "xl_config", ARG_STRING, false, 0, 1024 * 1024, NULL,
	  "the text of an xl domain config file" },
	{ "paused", ARG_BOOL, false, 0, 0, NULL, "leave the domain paused" },
	ARG_END
};

static void create_run(struct request *req)
{
	libxl_domain_config config;
	struct create_job *c;
	struct domain *d;
	struct err *e;

	libxl_domain_config_init(&config);
	e = create_parse_config(req->args, &config);
	if (e == NULL)
		e = create_claim_identity(&config);
	if (e != NULL) {
		libxl_domain_config_dispose(&config);
		request_fail(req, e);
		return;
	}
	c = create_job_new(&config, arg_bool(req->args, "paused", false));
	d = domain_add(config.c_info.name, &config.c_info.uuid);
	domain_set_config(d, xmalloc(sizeof(libxl_domain_config)));
	libxl_domain_config_init(d->config);
	libxl_domain_config_copy(daemon_ctx, d->config, &config);
	libxl_domain_config_dispose(&config);
	d->ours = true;
	req->domain = d;
	domain_ref(d);
	if (request_submit(req, c) == NULL)
		domain_forget_if_unused(d);
}

/* A failed or aborted create leaves nothing: abort kills the build helper
 * (or aborts the libxl operation in flight), then what it half-built is
 * destroyed. */
const struct command cmd_domain_create = {
	.name = "domain-create",
	.kind = COMMAND_ASYNC,
	.args = domain_create_args,
	.run = create_run,
	.help = "create and start a transient domain",
	.abortable = true,
	.start = create_job_start,
	.abort = create_job_abort,
	.free_data = create_job_free,
	.recover = create_job_recover,
};

static const struct arg_spec domain_start_args[] = {
	{ "domain", ARG_DOMAIN, true, 0, 0, NULL, "a defined domain" },
	{ "paused", ARG_BOOL, false, 0, 0, NULL, "leave the domain paused" },
	ARG_END
};

static void start_run(struct request *req)
{
	struct domain *d = req->domain;
	bool paused = arg_bool(req->args, "paused", false);
	struct create_job *c;

	if (!d->persistent || d->config == NULL) {
		request_fail(req, err_new(ERR_OPERATION_INVALID,
		    "domain '%s' is not defined (use domain-create for a "
		    "transient domain)", d->name));
		return;
	}
	if (domain_is_running(d) && d->lock.holder == NULL) {
		request_fail(req, err_new(ERR_OPERATION_INVALID,
		    "domain '%s' is already running", d->name));
		return;
	}
	d->ours = true;
	if (d->managed_save) {
		char *image = domain_managed_save_path(d);

		c = create_job_new_restore(image, paused, true);
		free(image);
	} else {
		c = create_job_new(d->config, paused);
	}
	request_submit(req, c);
}

const struct command cmd_domain_start = {
	.name = "domain-start",
	.kind = COMMAND_ASYNC,
	.args = domain_start_args,
	.target = TARGET_DOMAIN,
	.target_flags = TARGET_NOT_DOM0,
	.verb = "start",
	.run = start_run,
	.help = "start a defined domain (from its managed save if it has one)",
	.abortable = true,
	.start = create_job_start,
	.abort = create_job_abort,
	.free_data = create_job_free,
	.recover = create_job_recover,
};

static const struct arg_spec domain_args[] = {
	{ "domain", ARG_DOMAIN, true, 0, 0, NULL, "name, UUID or domid" },
	ARG_END
};

static void restart_run(struct request *req)
{
	struct create_job *c = create_job_new(req->domain->config, false);

	c->destroy_first = true;
	request_submit(req, c);
}

const struct command cmd_domain_restart = {
	.name = "domain-restart",
	.kind = COMMAND_ASYNC,
	.internal = true,
	.args = domain_args,
	.target = TARGET_DOMAIN,
	.target_flags = TARGET_NOT_DOM0,
	.verb = "restart",
	.run = restart_run,
	.help = "destroy a domain if it runs, and start it again from its "
	    "configuration",
	.abortable = true,
	.start = create_job_start,
	.abort = create_job_abort,
	.free_data = create_job_free,
	.recover = create_job_recover,
};
