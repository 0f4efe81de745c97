/* Running-state changes: domain-pause, domain-unpause, domain-shutdown,
 * domain-reboot.  Each is a short job on the domain's lock; a shutdown with
 * "wait" gives the lock back once the request is sent, so that the daemon's
 * own on_poweroff handling can run while it waits. */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>

#include "daemon/command.h"
#include "daemon/commands.h"
#include "daemon/daemon.h"
#include "daemon/domain.h"
#include "daemon/event.h"
#include "daemon/job.h"
#include "daemon/log.h"

static const struct arg_spec domain_args[] = {
	{ "domain", ARG_DOMAIN, true, 0, 0, NULL, "name, UUID or domid" },
	ARG_END
};

/* The domain of a command that acts on a running domain other than
 * Domain-0; NULL after failing req. */
struct domain *power_running_domain(struct request *req, const char *verb)
{
	struct err *e = NULL;
	struct domain *d = domain_lookup(json_object_object_get(req->args,
	    "domain"), &e);

	if (d == NULL) {
		request_fail(req, e);
		return NULL;
	}
	if (d->domid == 0) {
		request_fail(req, err_new(ERR_OPERATION_INVALID,
		    "cannot %s Domain-0", verb));
		return NULL;
	}
	/* a job on its way may start it: let it queue and re-check then */
	if (!domain_is_running(d) && d->holder == NULL) {
		request_fail(req, err_new(ERR_OPERATION_INVALID,
		    "cannot %s '%s': it is not running", verb, d->name));
		return NULL;
	}
	return d;
}

/* Checked again when the job starts: the domain may have stopped while
 * the job waited for the lock. */
bool power_still_running(struct job *job)
{
	if (domain_is_running(job->domain))
		return true;
	job_fail(job, err_new(ERR_OPERATION_INVALID, "'%s' is not running",
	    job->domain_name));
	return false;
}

/* ------------------------------------------------------------------------
 * pause, unpause */

static void pause_done(struct job *job, int rc)
{
	bool pausing = (job->type == &domain_pause_job);

	if (rc != 0) {
		job_fail(job, job_libxl_error(job, rc, pausing ? "pausing" :
		    "unpausing"));
		return;
	}
	event_emit_domain(pausing ? "DOMAIN_PAUSED" : "DOMAIN_RESUMED",
	    job->domain, NULL);
	job_complete(job, domain_info_json(job->domain));
}

static void pause_start(struct job *job)
{
	uint32_t domid = job->domain->domid;

	if (!power_still_running(job))
		return;
	if (job->type == &domain_pause_job)
		job_ao_started(job, libxl_domain_pause(daemon_ctx, domid,
		    job_ao(job, pause_done)));
	else
		job_ao_started(job, libxl_domain_unpause(daemon_ctx, domid,
		    job_ao(job, pause_done)));
}

const struct job_type domain_pause_job = {
	.name = "domain-pause",
	.kind = JOB_MODIFY,
	.start = pause_start,
};

const struct job_type domain_unpause_job = {
	.name = "domain-unpause",
	.kind = JOB_MODIFY,
	.start = pause_start,
};

static void cmd_domain_pause_run(struct request *req)
{
	struct domain *d = power_running_domain(req, "pause");

	if (d != NULL)
		job_submit(req, &domain_pause_job, d, NULL);
}

const struct command cmd_domain_pause = {
	.name = "domain-pause",
	.kind = COMMAND_MODIFY,
	.args = domain_args,
	.handler = cmd_domain_pause_run,
	.help = "pause a domain's vcpus",
};

static void cmd_domain_unpause_run(struct request *req)
{
	struct domain *d = power_running_domain(req, "unpause");

	if (d != NULL)
		job_submit(req, &domain_unpause_job, d, NULL);
}

const struct command cmd_domain_unpause = {
	.name = "domain-unpause",
	.kind = COMMAND_MODIFY,
	.args = domain_args,
	.handler = cmd_domain_unpause_run,
	.help = "let a paused domain run again",
};

/* ------------------------------------------------------------------------
 * shutdown, reboot */

struct shutdown_job {
	bool wait;
	int64_t timeout_ms;
};

static bool shutdown_finished(struct job *job)
{
	const struct domain *d = job->domain;
	const libxl_domain_config *c = d->config;

	/* gone, and our on_poweroff destroy (if any) done with it */
	if (!domain_is_running(d))
		return d->destroyer == NULL;
	/* with on_poweroff=preserve the domain stays, shut down */
	return d->shutdown_reason == LIBXL_SHUTDOWN_REASON_POWEROFF &&
	    (!d->ours || (c != NULL &&
	    c->on_poweroff == LIBXL_ACTION_ON_SHUTDOWN_PRESERVE));
}

static void shutdown_domain_changed(struct job *job)
{
	struct shutdown_job *s = job->data;

	if (!job->watching)
		return;
	if (shutdown_finished(job)) {
		job_unwatch_domain(job);
		job_complete(job, domain_info_json(job->domain));
	} else if (job_watch_expired(job)) {
		job_unwatch_domain(job);
		job_fail(job, err_new(ERR_OPERATION_INVALID,
		    "domain '%s' did not shut down within %.1f s (is the guest "
		    "ignoring the request?); it is still running",
		    job->domain_name, s->timeout_ms / 1000.0));
	}
}

static void shutdown_sent(struct job *job, int rc)
{
	struct shutdown_job *s = job->data;
	bool rebooting = (job->type == &domain_reboot_job);

	if (rc != 0) {
		job_fail(job, job_libxl_error(job, rc, rebooting ?
		    "asking the guest to reboot" :
		    "asking the guest to shut down"));
		return;
	}
	if (s == NULL || !s->wait || shutdown_finished(job)) {
		job_complete(job, domain_info_json(job->domain));
		return;
	}
	/* the guest takes its time: let other jobs (our on_poweroff
	 * destroy among them) have the lock meanwhile */
	job_release_lock(job);
	job_watch_domain(job, s->timeout_ms);
}

static void shutdown_start(struct job *job)
{
	uint32_t domid = job->domain->domid;

	if (!power_still_running(job))
		return;
	if (job->type == &domain_reboot_job)
		job_ao_started(job, libxl_domain_reboot(daemon_ctx, domid,
		    job_ao(job, shutdown_sent)));
	else
		job_ao_started(job, libxl_domain_shutdown(daemon_ctx, domid,
		    job_ao(job, shutdown_sent)));
}

static void shutdown_abort(struct job *job)
{
	if (job->watching) {
		job_unwatch_domain(job);
		job_fail(job, err_new(ERR_ABORTED,
		    "stopped waiting for '%s' to shut down", job->domain_name));
	} else if (job->ao_pending) {
		libxl_asyncop_how how = job->how;

		libxl_ao_abort(daemon_ctx, &how);
	}
}

const struct job_type domain_shutdown_job = {
	.name = "domain-shutdown",
	.kind = JOB_MODIFY,
	.abortable = true,
	.start = shutdown_start,
	.abort = shutdown_abort,
	.domain_changed = shutdown_domain_changed,
	.free_data = free,
};

const struct job_type domain_reboot_job = {
	.name = "domain-reboot",
	.kind = JOB_MODIFY,
	.start = shutdown_start,
	.free_data = free,
};

static const struct arg_spec domain_shutdown_args[] = {
	{ "domain", ARG_DOMAIN, true, 0, 0, NULL, "name, UUID or domid" },
	{ "wait", ARG_BOOL, false, 0, 0, NULL,
	  "reply once the domain has shut down" },
	{ "timeout_ms", ARG_INT, false, 1, INT64_MAX, NULL,
	  "with wait: give up after this long [60000]" },
	ARG_END
};

static void cmd_domain_shutdown_run(struct request *req)
{
	struct domain *d = power_running_domain(req, "shut down");
	struct shutdown_job *s;

	if (d == NULL)
		return;
	s = calloc(1, sizeof *s);
	if (s == NULL)
		abort();
	s->wait = arg_bool(req->args, "wait", false);
	s->timeout_ms = arg_int(req->args, "timeout_ms",
	    options.shutdown_timeout_ms);
	job_submit(req, &domain_shutdown_job, d, s);
}

const struct command cmd_domain_shutdown = {
	.name = "domain-shutdown",
	.kind = COMMAND_MODIFY,
	.args = domain_shutdown_args,
	.handler = cmd_domain_shutdown_run,
	.help = "ask the guest to shut down (wait: until it has)",
};

static void cmd_domain_reboot_run(struct request *req)
{
	struct domain *d = power_running_domain(req, "reboot");

	if (d != NULL)
		job_submit(req, &domain_reboot_job, d, NULL);
}

const struct command cmd_domain_reboot = {
	.name = "domain-reboot",
	.kind = COMMAND_MODIFY,
	.args = domain_args,
	.handler = cmd_domain_reboot_run,
	.help = "ask the guest to reboot",
};

/* ------------------------------------------------------------------------
 * The daemon's own: cancel a suspend that nobody will finish (restart
 * recovery of an interrupted save). */

static void resume_done(struct job *job, int rc)
{
	if (rc != 0) {
		job_fail(job, job_libxl_error(job, rc, "resuming the domain"));
		return;
	}
	domain_rearm_death_watch(job->domain);
	event_emit_domain("DOMAIN_RESUMED", job->domain, NULL);
	job_complete(job, domain_info_json(job->domain));
}

static void resume_start(struct job *job)
{
	if (!power_still_running(job))
		return;
	job_ao_started(job, libxl_domain_resume(daemon_ctx, job->domain->domid,
	    1, job_ao(job, resume_done)));
}

const struct job_type domain_resume_job = {
	.name = "domain-resume",
	.kind = JOB_MODIFY,
	.start = resume_start,
};
