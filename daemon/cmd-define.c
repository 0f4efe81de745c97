/* Persistent definitions: domain-define, domain-undefine, domain-autostart.
 * A definition is on disk (durably) before the reply says so. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/command.h"
#include "daemon/create.h"
#include "daemon/daemon.h"
#include "daemon/domain-json.h"
#include "daemon/domain.h"
#include "daemon/job.h"
#include "daemon/log.h"
#include "daemon/request.h"
#include "daemon/store.h"
#include "proto/mem.h"

extern const struct command cmd_domain_define;

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
			store_transient_remove(d->uuid_text);
		else
			store_transient_write(d->uuid_text, d->name, d->config);
	}
	if (job->command == &cmd_domain_define)
		domain_emit(d, "DOMAIN_DEFINED", NULL);
	else if (def->undefine)
		domain_emit(d, "DOMAIN_UNDEFINED", NULL);
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
		domain_remove_definition(d, define_written, job);
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
	domain_save_definition(d, define_written, job);
}

static const struct arg_spec domain_define_args[] = {
	{ "config", ARG_OBJECT, false, 0, 0, NULL,
	  "libxl's JSON domain configuration" },
	{ "xl_config", ARG_STRING, false, 0, 1024 * 1024, NULL,
	  "the text of an xl domain config file" },
	ARG_END
};

static void define_run(struct request *req)
{
	struct define_job *def = xcalloc(1, sizeof *def);
	libxl_domain_config *config = xmalloc(sizeof *config);
	struct domain *by_name, *by_uuid = NULL, *d;
	struct err *e;

	libxl_domain_config_init(config);
	def->config = config;
	e = create_parse_config(req->args, config);
	if (e != NULL)
		goto fail;
	if (strcmp(config->c_info.name, "Domain-0") == 0) {
		e = err_new(ERR_OPERATION_INVALID, "Domain-0 is the host's "
		    "control domain: it cannot be defined");
		goto fail;
	}
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
	if (d->domid == 0) {
		e = err_new(ERR_OPERATION_INVALID, "Domain-0 is the host's "
		    "control domain: it cannot be defined");
		goto fail;
	}
	def->autostart = d->autostart;
	req->domain = d;
	domain_ref(d);
	if (request_submit(req, def) == NULL)
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
	.run = define_run,
	.help = "define (or redefine) a persistent domain",
	.start = define_start,
	.free_data = define_job_free,
};

static const struct arg_spec domain_args[] = {
	{ "domain", ARG_DOMAIN, true, 0, 0, NULL, "name, UUID or domid" },
	ARG_END
};

static void undefine_run(struct request *req)
{
	struct define_job *def = xcalloc(1, sizeof *def);

	def->undefine = true;
	request_submit(req, def);
}

const struct command cmd_domain_undefine = {
	.name = "domain-undefine",
	.kind = COMMAND_MODIFY,
	.args = domain_args,
	.target = TARGET_DOMAIN,
	.target_flags = TARGET_DEFINED | TARGET_NOT_DOM0,
	.verb = "undefine",
	.run = undefine_run,
	.help = "remove a domain's persistent definition (a running domain "
	    "keeps running, transient)",
	.start = define_start,
	.free_data = define_job_free,
};

static const struct arg_spec domain_autostart_args[] = {
	{ "domain", ARG_DOMAIN, true, 0, 0, NULL, "name, UUID or domid" },
	{ "enable", ARG_BOOL, true, 0, 0, NULL,
	  "start the domain when the daemon starts" },
	ARG_END
};

static void autostart_run(struct request *req)
{
	struct define_job *def = xcalloc(1, sizeof *def);

	def->autostart = arg_bool(req->args, "enable", true);
	request_submit(req, def);
}

const struct command cmd_domain_autostart = {
	.name = "domain-autostart",
	.kind = COMMAND_MODIFY,
	.args = domain_autostart_args,
	.target = TARGET_DOMAIN,
	.target_flags = TARGET_DEFINED | TARGET_NOT_DOM0,
	.verb = "autostart",
	.run = autostart_run,
	.help = "mark a defined domain to start with the daemon, or not",
	.start = define_start,
	.free_data = define_job_free,
};
