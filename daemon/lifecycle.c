/* The toolstack's half of a domain's life that libxl leaves to us (xl does
 * the same in handle_domain_death): actions on shutdown, and the end. */
#include "config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/daemon.h"
#include "daemon/dispatch.h"
#include "daemon/domain.h"
#include "daemon/event.h"
#include "daemon/job.h"
#include "daemon/lease.h"
#include "daemon/lifecycle.h"
#include "daemon/log.h"
#include "proto/mem.h"
#include "proto/schema.h"

void lifecycle_domain_gone(struct domain *d)
{
	json_object *data;
	uint32_t domid = d->domid;

	if (!domain_is_running(d))
		return;
	domain_set_stopped(d);
	/* gone from here: whatever it held may be taken elsewhere */
	lease_release(d->uuid_text, NULL, NULL);
	data = json_object_new_object();
	json_object_object_add(data, "domain", json_object_new_string(d->name));
	json_object_object_add(data, "domid", json_object_new_int64(domid));
	event_emit("DOMAIN_STOPPED", d->name, data);
	job_notify_domain_changed(d);
	domain_forget_if_unused(d);
}

/* xl's defaults for actions a configuration leaves unset */
static libxl_action_on_shutdown lifecycle_action(const struct domain *d,
    int reason)
{
	const libxl_domain_config *c = d->config;
	libxl_action_on_shutdown action = 0, fallback;

	switch (reason) {
	case LIBXL_SHUTDOWN_REASON_POWEROFF:
		action = c ? c->on_poweroff : 0;
		fallback = LIBXL_ACTION_ON_SHUTDOWN_DESTROY;
		break;
	case LIBXL_SHUTDOWN_REASON_REBOOT:
		action = c ? c->on_reboot : 0;
		fallback = LIBXL_ACTION_ON_SHUTDOWN_RESTART;
		break;
	case LIBXL_SHUTDOWN_REASON_CRASH:
		action = c ? c->on_crash : 0;
		fallback = LIBXL_ACTION_ON_SHUTDOWN_DESTROY;
		break;
	case LIBXL_SHUTDOWN_REASON_WATCHDOG:
		action = c ? c->on_watchdog : 0;
		fallback = LIBXL_ACTION_ON_SHUTDOWN_DESTROY;
		break;
	case LIBXL_SHUTDOWN_REASON_SOFT_RESET:
		action = c ? c->on_soft_reset : 0;
		fallback = LIBXL_ACTION_ON_SHUTDOWN_SOFT_RESET;
		break;
	default:
		fallback = LIBXL_ACTION_ON_SHUTDOWN_DESTROY;
		break;
	}
	return action != 0 ? action : fallback;
}

void lifecycle_restart(struct domain *d)
{
	if (d->config == NULL) {
		log_error("domain %s: cannot restart: no configuration known",
		    d->name);
		return;
	}
	dispatch_internal_domain("domain-restart", d, NULL);
}

void lifecycle_autostart(void)
{
	struct domain *d;

	TAILQ_FOREACH(d, &domain_registry, entry) {
		if (!d->persistent || !d->autostart || domain_is_running(d) ||
		    d->config == NULL || state_lock_busy(&d->lock))
			continue;
		log_notice("domain %s: autostart", d->name);
		dispatch_internal_domain("domain-start", d, NULL);
	}
}

/* rename-restart: the dead domain is kept under a new name and UUID for
 * inspection, and a fresh one starts under the old identity. */
static void lifecycle_rename_restart(struct domain *d)
{
	char name[128], stamp[32], suffix[40];
	time_t now = time(NULL);
	struct tm tm;
	libxl_domain_create_info info;
	libxl_uuid fresh;
	struct domain *kept;
	uint32_t domid = d->domid;
	int rc;

	localtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%d%H%M%S", &tm);
	snprintf(suffix, sizeof suffix, "-%s", stamp);
	snprintf(name, sizeof name, "%s%s", d->name, suffix);
	if (!schema_valid_domain_name(name) || domain_find_name(name) != NULL) {
		log_error("domain %s: cannot rename it to %s; restarting it "
		    "instead", d->name, name);
		lifecycle_restart(d);
		return;
	}
	libxl_domain_create_info_init(&info);
	info.name = xstrdup(d->name);
	libxl_uuid_generate(&fresh);
	/* libxl_domain_preserve appends the suffix to the name and records
	 * the new UUID in xenstore (the hypervisor keeps reporting the old
	 * one: our registry knows the kept domain by its domid) */
	rc = libxl_domain_preserve(daemon_ctx, domid, &info, suffix, fresh);
	libxl_domain_create_info_dispose(&info);
	if (rc != 0) {
		log_error("domain %s: cannot preserve it (libxl error %d); "
		    "restarting it instead", d->name, rc);
		lifecycle_restart(d);
		return;
	}
	/* the registry follows: the running domid belongs to the kept one */
	domain_set_stopped(d);
	kept = domain_add(name, &fresh);
	domain_set_running(kept, domid);
	log_notice("domain %s: kept as %s, starting a new one", d->name, name);
	lifecycle_restart(d);
}

void lifecycle_domain_shutdown(struct domain *d, int reason)
{
	libxl_action_on_shutdown action;

	if (reason == LIBXL_SHUTDOWN_REASON_SUSPEND)
		return;		/* a save suspends guests; not an ending */
	if (!d->ours) {
		log_info("domain %s: not started by us; its toolstack acts on "
		    "its shutdown", d->name);
		return;
	}
	action = lifecycle_action(d, reason);
	log_info("domain %s: shut down (%s): %s", d->name,
	    libxl_shutdown_reason_to_string(reason),
	    libxl_action_on_shutdown_to_string(action));
	switch (action) {
	case LIBXL_ACTION_ON_SHUTDOWN_PRESERVE:
		break;
	case LIBXL_ACTION_ON_SHUTDOWN_RESTART:
		lifecycle_restart(d);
		break;
	case LIBXL_ACTION_ON_SHUTDOWN_RESTART_RENAME:
		lifecycle_rename_restart(d);
		break;
	case LIBXL_ACTION_ON_SHUTDOWN_COREDUMP_DESTROY:
	case LIBXL_ACTION_ON_SHUTDOWN_COREDUMP_RESTART: {
		json_object *args = json_object_new_object();

		json_object_object_add(args, "restart", json_object_new_boolean(
		    action == LIBXL_ACTION_ON_SHUTDOWN_COREDUMP_RESTART));
		dispatch_internal_domain("domain-crash-dump", d, args);
		break;
	}
	case LIBXL_ACTION_ON_SHUTDOWN_SOFT_RESET:
		/* a soft reset re-uses the domain for a kexec'd kernel; we
		 * give the guest a fresh domain instead */
		log_notice("domain %s: soft reset done as a restart", d->name);
		lifecycle_restart(d);
		break;
	case LIBXL_ACTION_ON_SHUTDOWN_DESTROY:
	default:
		dispatch_internal_domain("domain-destroy", d, NULL);
		break;
	}
}

void lifecycle_recover_suspended(json_object *record)
{
	json_object *extra = json_object_object_get(record, "extra");
	const char *uuid_text = arg_string(record, "uuid");
	libxl_dominfo info;
	libxl_uuid uuid;
	struct domain *d;
	bool suspended, paused;

	if (uuid_text == NULL || libxl_uuid_from_string(&uuid, uuid_text) != 0)
		return;
	d = domain_find_uuid(&uuid);
	if (d == NULL || !domain_is_running(d))
		return;		/* saved and destroyed: nothing left to do */
	if (!domain_fresh_info(d, &info))
		return;
	suspended = info.shutdown &&
	    info.shutdown_reason == LIBXL_SHUTDOWN_REASON_SUSPEND;
	paused = info.paused;
	libxl_dominfo_dispose(&info);
	if (suspended) {
		log_notice("domain %s: left suspended by an interrupted job; "
		    "resuming it", d->name);
		dispatch_internal_domain("domain-resume", d, NULL);
	} else if (paused && arg_bool(extra, "paused_by_us", false)) {
		log_notice("domain %s: left paused by an interrupted dump; "
		    "unpausing it", d->name);
		dispatch_internal_domain("domain-unpause", d, NULL);
	}
}

/* ------------------------------------------------------------------------
 * Failing a job that suspended its domain */

static void lifecycle_resume_finished(struct job *job, int rc)
{
	if (rc != 0)
		log_error("domain %s: cannot pause it again after the failure: "
		    "libxl error %d", job->domain_name, rc);
	job_fail_taking(job, &job->pending_error);
}

static void lifecycle_resumed(struct job *job, int rc)
{
	if (rc != 0) {
		log_error("domain %s: cannot resume it after the failure: libxl "
		    "error %d", job->domain_name, rc);
		err_append(job->pending_error, "the domain could not be resumed "
		    "(libxl error %d) and stays suspended", rc);
		job_fail_taking(job, &job->pending_error);
		return;
	}
	domain_rearm_death_watch(job->domain);
	domain_emit(job->domain, "DOMAIN_RESUMED", NULL);
	if (job->repause && domain_is_running(job->domain)) {
		job_ao_started(job, libxl_domain_pause(daemon_ctx,
		    job->domain->domid, job_ao(job, lifecycle_resume_finished)));
		return;
	}
	job_fail_taking(job, &job->pending_error);
}

void lifecycle_fail_resuming(struct job *job, struct err *e, bool repause)
{
	struct domain *d = job->domain;
	libxl_dominfo info;
	bool suspended = false;

	job->pending_error = e;
	job->repause = repause;
	if (domain_fresh_info(d, &info)) {
		suspended = info.shutdown &&
		    info.shutdown_reason == LIBXL_SHUTDOWN_REASON_SUSPEND;
		libxl_dominfo_dispose(&info);
	}
	/* a domain being destroyed is not worth resuming */
	if (!suspended || d->destroyer != NULL) {
		job_fail_taking(job, &job->pending_error);
		return;
	}
	log_info("domain %s: resuming it after the failure", d->name);
	job_ao_started(job, libxl_domain_resume(daemon_ctx, d->domid, 1,
	    job_ao(job, lifecycle_resumed)));
}
