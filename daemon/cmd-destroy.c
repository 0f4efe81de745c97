/* domain-destroy: never waits.  It aborts the job holding the domain's
 * lock, fails the queued ones, and destroys the domain as soon as the
 * aborted job has let go (job.c, job_start_destroy). */
#include "config.h"

#include <inttypes.h>

#include "daemon/command.h"
#include "daemon/daemon.h"
#include "daemon/domain.h"
#include "daemon/job.h"
#include "daemon/lifecycle.h"
#include "daemon/log.h"

static void destroy_finished(struct job *job, int rc)
{
	job_complete(job, NULL);
}

static void destroy_done(struct job *job, int rc)
{
	if (rc != 0 && rc != ERROR_DOMAIN_NOTFOUND) {
		job_fail(job, job_libxl_error(job, rc, "destroying the domain"));
		return;
	}
	/* done when its disks are free for others */
	lifecycle_domain_gone_job(job, destroy_finished);
}

static void destroy_start(struct job *job)
{
	struct domain *d = job->domain;

	/* the aborted job may have destroyed it already (a create's
	 * clean-up): the destroy's purpose is met */
	if (!domain_is_running(d)) {
		job_complete(job, NULL);
		return;
	}
	log_info("domain %s (%" PRIu32 "): destroying", d->name, d->domid);
	job_ao_started(job, libxl_domain_destroy(daemon_ctx, d->domid,
	    job_ao(job, destroy_done)));
}

static const struct arg_spec domain_args[] = {
	{ "domain", ARG_DOMAIN, true, 0, 0, NULL, "name, UUID or domid" },
	ARG_END
};

const struct command cmd_domain_destroy = {
	.name = "domain-destroy",
	.kind = COMMAND_DESTROY,
	.args = domain_args,
	.target = TARGET_DOMAIN,
	.target_flags = TARGET_RUNNING | TARGET_NOT_DOM0,
	.verb = "destroy",
	.help = "destroy a domain at once, aborting whatever it is doing",
	.start = destroy_start,
};
