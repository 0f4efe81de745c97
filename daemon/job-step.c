/* Running a job's steps: libxl operations whose completions come back to
 * the loop, progress, and watching the domain.  Below the job core: it
 * touches a job's own fields, never the registry. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "daemon/daemon.h"
#include "daemon/domain.h"
#include "daemon/event.h"
#include "daemon/job.h"
#include "daemon/log.h"
#include "proto/mem.h"


static void job_ao_done(libxl_ctx *ctx, int rc, void *for_callback)
{
	struct job *job = for_callback;

	/* may run inside the initiator, inside libxl_ao_abort, inside SIGCHLD
	 * handling: only record and let the loop carry on */
	job->ao_pending = false;
	job->ao_rc = rc;
	event_active(job->step_event, EV_TIMEOUT, 0);
}

const libxl_asyncop_how *job_ao(struct job *job, job_step_fn *next)
{
	if (job->ao_pending)
		log_critical("job %" PRIu64 ": two libxl operations at once",
		    job->id);
	job->step_next = next;
	job->ao_pending = true;
	/* for_callback identifies the operation for libxl_ao_abort: the job
	 * pointer is unique while the job lives */
	job->how.callback = job_ao_done;
	job->how.u.for_callback = job;
	return &job->how;
}

void job_ao_started(struct job *job, int rc)
{
	if (rc != 0) {
		/* it never started: no callback will come */
		job->ao_pending = false;
		job->ao_rc = rc;
		event_active(job->step_event, EV_TIMEOUT, 0);
	}
}

void job_continue(struct job *job, job_step_fn *next, int rc)
{
	job->step_next = next;
	job->ao_rc = rc;
	event_active(job->step_event, EV_TIMEOUT, 0);
}

void job_set_progress(struct job *job, uint64_t current, uint64_t total)
{
	struct timeval now, since;
	json_object *data;

	job->has_progress = true;
	job->progress_current = current;
	job->progress_total = total;
	gettimeofday(&now, NULL);
	timersub(&now, &job->progress_event_at, &since);
	if (since.tv_sec < 1 && current != total)
		return;
	job->progress_event_at = now;
	data = json_object_new_object();
	json_object_object_add(data, "job", json_object_new_int64(
	    (int64_t)job->id));
	json_object_object_add(data, "type",
	    json_object_new_string(job->command->name));
	json_object_object_add(data, "domain", job->domain_name[0] ?
	    json_object_new_string(job->domain_name) : NULL);
	json_object_object_add(data, "current",
	    json_object_new_int64((int64_t)current));
	json_object_object_add(data, "total",
	    json_object_new_int64((int64_t)total));
	event_emit("JOB_PROGRESS", job->domain_name[0] ? job->domain_name :
	    NULL, data);
}

static void job_progress_tick(evutil_socket_t fd, short what, void *arg)
{
	struct job *job = arg;
	uint64_t current;

	if (job->progress_measure(job, &current))
		job_set_progress(job, current, current > job->progress_total ?
		    current : job->progress_total);
}

void job_poll_progress(struct job *job, job_measure_fn *measure,
    uint64_t total)
{
	struct timeval second = { 1, 0 };

	job_stop_progress(job, 0);
	job->progress_measure = measure;
	job->progress_timer = xcheck(event_new(daemon_base, -1, EV_PERSIST,
	    job_progress_tick, job));
	evtimer_add(job->progress_timer, &second);
	job_set_progress(job, 0, total);
}

void job_stop_progress(struct job *job, uint64_t done)
{
	if (job->progress_timer != NULL) {
		event_free(job->progress_timer);
		job->progress_timer = NULL;
	}
	if (done > 0)
		job_set_progress(job, done, done);
}

/* ------------------------------------------------------------------------
 * Watching a domain */

static void job_watch_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct job *job = arg;

	job->watch_expired = true;
	job->command->domain_changed(job);
}

void job_watch_domain(struct job *job, int64_t timeout_ms)
{
	TAILQ_INSERT_TAIL(&job->domain->watchers, job, watch_entry);
	job->watching = true;
	job->watch_expired = false;
	if (timeout_ms > 0) {
		struct timeval tv = { timeout_ms / 1000,
			(timeout_ms % 1000) * 1000 };

		job->watch_timer = xcheck(evtimer_new(daemon_base,
		    job_watch_deadline, job));
		evtimer_add(job->watch_timer, &tv);
	}
}

void job_unwatch_domain(struct job *job)
{
	if (!job->watching)
		return;
	TAILQ_REMOVE(&job->domain->watchers, job, watch_entry);
	job->watching = false;
	if (job->watch_timer != NULL) {
		event_free(job->watch_timer);
		job->watch_timer = NULL;
	}
}

struct err *job_libxl_error(struct job *job, int rc, const char *what)
{
	const char *text = libxl_error_to_string(rc);
	struct err *e;

	if (rc == ERROR_ABORTED)
		return err_new(ERR_ABORTED, "%s: aborted", what);
	if (job->io_errno != 0)
		e = err_new(ERR_IO, "%s failed: %s", what,
		    strerror(job->io_errno));
	else if (rc == ERROR_NOMEM)
		e = err_new(ERR_RESOURCE_LIMIT, "%s failed: not enough memory "
		    "on the host", what);
	else if (rc == ERROR_DOMAIN_NOTFOUND)
		e = err_new(ERR_DOMAIN_NOT_FOUND, "%s failed: the domain is "
		    "gone", what);
	else
		e = err_new(ERR_HYPERVISOR, "%s failed: libxl error %d (%s)",
		    what, rc, text != NULL ? text : "unknown");
	return err_add_data(e, "libxl_error", json_object_new_int(rc));
}

void job_abort_libxl(struct job *job)
{
	libxl_asyncop_how how = job->how;
	int rc;

	if (!job->ao_pending)
		return;
	/* the completion callback may run inside this call */
	rc = libxl_ao_abort(daemon_ctx, &how);
	if (rc != 0 && rc != ERROR_NOTFOUND && rc != ERROR_ABORTED)
		log_warning("job %" PRIu64 ": libxl_ao_abort: %d", job->id, rc);
}

