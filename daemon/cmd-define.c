/* Persistent definitions: domain-define, domain-undefine, domain-autostart.
 * A definition is on disk (durably) before the reply says so. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/command.h"
#include "daemon/commands.h"
#include "daemon/daemon.h"
#include "daemon/domain-config.h"
#include "daemon/domain.h"
#include "daemon/event.h"
#include "daemon/job.h"
#include "daemon/lifecycle.h"
#include "daemon/log.h"
#include "daemon/store.h"

struct define_job {
	libxl_domain_config *config;	/* the new definition; NULL: keep */
	bool autostart;
	bool undefine;
	/* what to restore if the disk says no */
	bool was_persistent;
	bool was_autostart;
	libxl_domain_config *old_config;
};

static void define_job_free(void *data)
{
	struct define_job *def = data;

	if (def->config != NULL) {
		libxl_domain_config_dispose(def->config);
		free(def->config);
	}
	if (def->old_config != NULL) {
		libxl_domain_config_dispose(def->old_config);
		free(def->old_config);
	}
	free(def);
}

static void define_written(void *arg, struct err *e)
{
	struct job *job = arg;
	struct define_job *def = job->data;
	struct domain *d = job->domain;

	if (e != NULL) {
		/* nothing changed after all */
		d->persistent = def->was_persistent;
		d->autostart = def->was_autostart;
		if (def->old_config != NULL) {
			domain_set_config(d, def->old_config);
			def->old_config = NULL;
		}
		job_fail(job, e);
		return;
	}
	/* a running domain keeps its on_* actions ours across a restart:
	 * by its definition, or as a transient domain */
	if (domain_is_running(d) && d->ours) {
		if (d->persistent)
			store_transient_remove(d);
		else
			store_transient_write(d);
	}
	if (job->type == &domain_define_job)
		event_emit_domain("DOMAIN_DEFINED", d, NULL);
	else if (def->undefine)
		event_emit_domain("DOMAIN_UNDEFINED", d, NULL);
	job_complete(job, domain_info_json(d));
}

static void define_start(struct job *job)
{
	struct define_job *def = job->data;
	struct domain *d = job->domain;

	def->was_persistent = d->persistent;
	def->was_autostart = d->autostart;
	if (def->undefine) {
		if (!d->persistent) {
			job_fail(job, err_new(ERR_OPERATION_INVALID,
			    "domain '%s' is not defined", d->name));
			return;
		}
		if (d->managed_save) {
			job_fail(job, err_new(ERR_OPERATION_INVALID,
			    "domain '%s' has a managed save image: remove it "
			    "first (domain-managed-save-remove)", d->name));
			return;
		}
		d->persistent = false;
		d->autostart = false;
		store_remove_definition(d, define_written, job);
		return;
	}
	if (def->config != NULL) {
		def->old_config = d->config;
		d->config = def->config;
		def->config = NULL;
	} else if (!d->persistent) {
		job_fail(job, err_new(ERR_OPERATION_INVALID,
		    "domain '%s' is not defined", d->name));
		return;
	} else {
		/* keep the old one for the rollback path only */
		def->old_config = NULL;
		d->autostart = def->autostart;
	}
	d->persistent = true;
	store_save_definition(d, define_written, job);
}

const struct job_type domain_define_job = {
	.name = "domain-define",
	.kind = JOB_MODIFY,
	.start = define_start,
	.free_data = define_job_free,
};

const struct job_type domain_undefine_job = {
	.name = "domain-undefine",
	.kind = JOB_MODIFY,
	.start = define_start,
	.free_data = define_job_free,
};

const struct job_type domain_autostart_job = {
	.name = "domain-autostart",
	.kind = JOB_MODIFY,
	.start = define_start,
	.free_data = define_job_free,
};

static const struct arg_spec domain_define_args[] = {
	{ "config", ARG_OBJECT, false, 0, 0, NULL,
	  "libxl's JSON domain configuration" },
	{ "xl_config", ARG_STRING, false, 0, 1024 * 1024, NULL,
	  "the text of an xl domain config file" },
	ARG_END
};

static void cmd_domain_define_run(struct request *req)
{
	struct define_job *def = calloc(1, sizeof *def);
	libxl_domain_config *config = malloc(sizeof *config);
	struct domain *by_name, *by_uuid = NULL, *d;
	struct err *e;

	if (def == NULL || config == NULL)
		abort();
	libxl_domain_config_init(config);
	def->config = config;
	e = lifecycle_parse_config(req->args, config);
	if (e != NULL)
		goto fail;
	by_name = domain_find_name(config->c_info.name);
	if (!libxl_uuid_is_nil(&config->c_info.uuid))
		by_uuid = domain_find_uuid(&config->c_info.uuid);
	/* a new definition, or a new version of a domain's definition
	 * (same name, and the same UUID when one is given) */
	if (by_name != NULL && by_uuid != NULL && by_name != by_uuid) {
		e = err_new(ERR_DOMAIN_EXISTS, "the name and the UUID belong to "
		    "two different domains ('%s' and '%s')", by_name->name,
		    by_uuid->name);
		goto fail;
	}
	if (by_name == NULL && by_uuid != NULL) {
		e = err_new(ERR_DOMAIN_EXISTS, "UUID " LIBXL_UUID_FMT " belongs "
		    "to domain '%s'", LIBXL_UUID_BYTES(config->c_info.uuid),
		    by_uuid->name);
		goto fail;
	}
	d = by_name;
	if (d != NULL) {
		libxl_uuid_copy(daemon_ctx, &config->c_info.uuid, &d->uuid);
	} else {
		if (libxl_uuid_is_nil(&config->c_info.uuid))
			libxl_uuid_generate(&config->c_info.uuid);
		d = domain_add(config->c_info.name, &config->c_info.uuid);
	}
	def->autostart = d->autostart;
	if (job_submit(req, &domain_define_job, d, def) == NULL)
		domain_forget_if_unused(d);
	return;
fail:
	define_job_free(def);
	request_fail(req, e);
}

const struct command cmd_domain_define = {
	.name = "domain-define",
	.kind = COMMAND_MODIFY,
	.args = domain_define_args,
	.handler = cmd_domain_define_run,
	.help = "define (or redefine) a persistent domain",
};

static const struct arg_spec domain_args[] = {
	{ "domain", ARG_DOMAIN, true, 0, 0, NULL, "name, UUID or domid" },
	ARG_END
};

static struct domain *define_domain_argument(struct request *req)
{
	struct err *e = NULL;
	struct domain *d = domain_lookup(json_object_object_get(req->args,
	    "domain"), &e);

	if (d == NULL)
		request_fail(req, e);
	else if (!d->persistent && d->holder == NULL) {
		request_fail(req, err_new(ERR_OPERATION_INVALID,
		    "domain '%s' is not defined", d->name));
		d = NULL;
	}
	return d;
}

static void cmd_domain_undefine_run(struct request *req)
{
	struct domain *d = define_domain_argument(req);
	struct define_job *def;

	if (d == NULL)
		return;
	def = calloc(1, sizeof *def);
	if (def == NULL)
		abort();
	def->undefine = true;
	job_submit(req, &domain_undefine_job, d, def);
}

const struct command cmd_domain_undefine = {
	.name = "domain-undefine",
	.kind = COMMAND_MODIFY,
	.args = domain_args,
	.handler = cmd_domain_undefine_run,
	.help = "remove a domain's persistent definition (a running domain "
	    "keeps running, transient)",
};

static const struct arg_spec domain_autostart_args[] = {
	{ "domain", ARG_DOMAIN, true, 0, 0, NULL, "name, UUID or domid" },
	{ "enable", ARG_BOOL, true, 0, 0, NULL,
	  "start the domain when the daemon starts" },
	ARG_END
};

static void cmd_domain_autostart_run(struct request *req)
{
	struct domain *d = define_domain_argument(req);
	struct define_job *def;

	if (d == NULL)
		return;
	def = calloc(1, sizeof *def);
	if (def == NULL)
		abort();
	def->autostart = arg_bool(req->args, "enable", true);
	job_submit(req, &domain_autostart_job, d, def);
}

const struct command cmd_domain_autostart = {
	.name = "domain-autostart",
	.kind = COMMAND_MODIFY,
	.args = domain_autostart_args,
	.handler = cmd_domain_autostart_run,
	.help = "mark a defined domain to start with the daemon, or not",
};
