/* Running-state changes: domain-pause, domain-unpause, domain-shutdown,
 * domain-reboot, and the daemon's own domain-resume.  Each is a short job
 * on the domain's lock; a shutdown with "wait" gives the lock back once
 * the request is sent, so that the daemon's own on_poweroff handling can
 * run while it waits. */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>

#include "daemon/command.h"
#include "daemon/daemon.h"
#include "daemon/domain-json.h"
#include "daemon/domain.h"
#include "daemon/job.h"
#include "daemon/log.h"
#include "daemon/request.h"
#include "proto/mem.h"

static const struct arg_spec domain_args[] = {
	{ "domain", ARG_DOMAIN, true, 0, 0, NULL, "name, UUID or domid" },
	ARG_END
};

/* ------------------------------------------------------------------------
 * pause, unpause, and resume (a suspend nobody will finish: restart
 * recovery of an interrupted save) */

extern const struct command cmd_domain_pause, cmd_domain_resume;

static void power_done(struct job *job, int rc)
{
	bool pausing = (job->command == &cmd_domain_pause);
	bool resuming = (job->command == &cmd_domain_resume);

	if (rc != 0) {
		job_fail(job, job_libxl_error(job, rc, pausing ? "pausing" :
		    resuming ? "resuming the domain" : "unpausing"));
		return;
	}
	/* libxl reports a shutdown once per watch: watch afresh */
	if (resuming)
		domain_rearm_death_watch(job->domain);
	domain_emit(job->domain, pausing ? "DOMAIN_PAUSED" : "DOMAIN_RESUMED",
	    NULL);
	job_complete(job, domain_info_json(job->domain));
}

static void pause_start(struct job *job)
{
	if (job_domain_running(job))
		job_ao_started(job, libxl_domain_pause(daemon_ctx,
		    job->domain->domid, job_ao(job, power_done)));
}

static void unpause_start(struct job *job)
{
	if (job_domain_running(job))
		job_ao_started(job, libxl_domain_unpause(daemon_ctx,
		    job->domain->domid, job_ao(job, power_done)));
}

static void resume_start(struct job *job)
{
	if (job_domain_running(job))
		job_ao_started(job, libxl_domain_resume(daemon_ctx,
		    job->domain->domid, 1, job_ao(job, power_done)));
}

const struct command cmd_domain_pause = {
	.name = "domain-pause",
	.kind = COMMAND_MODIFY,
	.args = domain_args,
	.target = TARGET_DOMAIN,
	.target_flags = TARGET_RUNNING | TARGET_NOT_DOM0,
	.verb = "pause",
	.help = "pause a domain's vcpus",
	.start = pause_start,
};

const struct command cmd_domain_unpause = {
	.name = "domain-unpause",
	.kind = COMMAND_MODIFY,
	.args = domain_args,
	.target = TARGET_DOMAIN,
	.target_flags = TARGET_RUNNING | TARGET_NOT_DOM0,
	.verb = "unpause",
	.help = "let a paused domain run again",
	.start = unpause_start,
};

const struct command cmd_domain_resume = {
	.name = "domain-resume",
	.kind = COMMAND_MODIFY,
	.internal = true,
	.args = domain_args,
	.target = TARGET_DOMAIN,
	.target_flags = TARGET_RUNNING | TARGET_NOT_DOM0,
	.verb = "resume",
	.help = "cancel a suspend that nobody will finish",
	.start = resume_start,
};

/* ------------------------------------------------------------------------
 * shutdown, reboot */

extern const struct command cmd_domain_reboot;

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
	} else if (job->watch_expired) {
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
	bool rebooting = (job->command == &cmd_domain_reboot);

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

	if (!job_domain_running(job))
		return;
	if (job->command == &cmd_domain_reboot)
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
	} else {
		job_abort_libxl(job);
	}
}

static const struct arg_spec domain_shutdown_args[] = {
	{ "domain", ARG_DOMAIN, true, 0, 0, NULL, "name, UUID or domid" },
	{ "wait", ARG_BOOL, false, 0, 0, NULL,
	  "reply once the domain has shut down" },
	{ "timeout_ms", ARG_INT, false, 1, INT64_MAX, NULL,
	  "with wait: give up after this long [60000]" },
	ARG_END
};

static void shutdown_run(struct request *req)
{
	struct shutdown_job *s = xcalloc(1, sizeof *s);

	s->wait = arg_bool(req->args, "wait", false);
	s->timeout_ms = arg_int(req->args, "timeout_ms",
	    options.shutdown_timeout_ms);
	request_submit(req, s);
}

const struct command cmd_domain_shutdown = {
	.name = "domain-shutdown",
	.kind = COMMAND_MODIFY,
	.args = domain_shutdown_args,
	.target = TARGET_DOMAIN,
	.target_flags = TARGET_RUNNING | TARGET_NOT_DOM0,
	.verb = "shut down",
	.run = shutdown_run,
	.help = "ask the guest to shut down (wait: until it has)",
	.abortable = true,
	.start = shutdown_start,
	.abort = shutdown_abort,
	.domain_changed = shutdown_domain_changed,
	.free_data = free,
};

const struct command cmd_domain_reboot = {
	.name = "domain-reboot",
	.kind = COMMAND_MODIFY,
	.args = domain_args,
	.target = TARGET_DOMAIN,
	.target_flags = TARGET_RUNNING | TARGET_NOT_DOM0,
	.verb = "reboot",
	.help = "ask the guest to reboot",
	.start = shutdown_start,
	.free_data = free,
};
