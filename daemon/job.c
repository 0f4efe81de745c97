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
#include "daemon/job-registry.h"
#include "daemon/job.h"
#include "daemon/log.h"
#include "proto/json-line.h"
#include "proto/mem.h"
#include "proto/message.h"

/* A domain's lock queue is bounded: a client cannot park unbounded work. */
#define JOB_QUEUE_MAX 256
/* How long a destroy lets an aborted job wind down before it goes ahead
 * regardless. */
#define JOB_DESTROY_PATIENCE_MS 10000

static void (*idle_callback)(void);

static void job_finish(struct job *job, json_object *result, struct err *e);

void job_set_idle_callback(void (*fn)(void))
{
	idle_callback = fn;
}

static struct job *job_of_waiter(const struct lock_waiter *w)
{
	return w == NULL ? NULL : (struct job *)((char *)w -
	    offsetof(struct job, lock));
}

struct job *job_holding(const struct domain *d)
{
	return job_of_waiter(d->lock.holder);
}

void job_set_journal(struct job *job, const char *key, json_object *value)
{
	if (job->journal_extra == NULL)
		job->journal_extra = json_object_new_object();
	json_object_object_add(job->journal_extra, key, value);
	job_record(job);
}

static void job_status_changed(struct job *job)
{
	json_object *data = json_object_new_object();

	json_object_object_add(data, "job", json_object_new_int64(
	    (int64_t)job->id));
	json_object_object_add(data, "type",
	    json_object_new_string(job_name(job)));
	json_object_object_add(data, "domain", job->domain_name[0] ?
	    json_object_new_string(job->domain_name) : NULL);
	json_object_object_add(data, "state",
	    json_object_new_string(job_state_name(job->state)));
	if (job->error != NULL)
		json_object_object_add(data, "error", err_to_json(job->error));
	event_emit("JOB_STATUS_CHANGE", job->domain_name[0] ?
	    job->domain_name : NULL, data);
	job_record(job);
}

/* ------------------------------------------------------------------------
 * Creation, the lock, the queue */

/* A job's next step, from the loop (job_ao, job_continue). */
static void job_step_ready(evutil_socket_t fd, short what, void *arg)
{
	struct job *job = arg;
	job_step_fn *next = job->step_next;

	job->step_next = NULL;
	if (next != NULL)
		next(job, job->ao_rc);
}

void job_attach_domain(struct job *job, struct domain *dom)
{
	if (job->domain != NULL)
		domain_unref(job->domain);
	domain_ref(dom);
	job->domain = dom;
	snprintf(job->domain_name, sizeof job->domain_name, "%s", dom->name);
}

static void job_start_step(struct job *job, int rc)
{
	job->command->start(job);
}

static void job_start(struct job *job)
{
	job->state = JOB_RUNNING;
	gettimeofday(&job->started, NULL);
	job_status_changed(job);
	/* from the loop, so that a job never runs inside its submitter */
	job_continue(job, job_start_step, 0);
}

static void job_lock_granted(struct lock_waiter *w)
{
	struct job *job = job_of_waiter(w);

	job->holds_lock = true;
	job_start(job);
}

static struct err *job_busy_error(struct domain *dom)
{
	struct job *h = job_holding(dom);
	struct timeval now, age;

	if (h == NULL)
		h = job_of_waiter(state_lock_first_waiter(&dom->lock));
	if (h == NULL)
		return err_new(ERR_BUSY,
		    "cannot acquire state change lock on '%s'", dom->name);
	gettimeofday(&now, NULL);
	timersub(&now, timerisset(&h->started) ? &h->started : &h->created,
	    &age);
	return err_add_data(err_new(ERR_BUSY,
	    "cannot acquire state change lock on '%s': held by job %" PRIu64
	    " (%s, %s for %.1f s)", dom->name, h->id, job_name(h),
	    h->state == JOB_QUEUED ? "queued" : "running",
	    (double)age.tv_sec + age.tv_usec / 1e6),
	    "holder", json_object_new_int64((int64_t)h->id));
}

static void job_lock_expired(struct lock_waiter *w)
{
	struct job *job = job_of_waiter(w);

	job_finish(job, NULL, job_busy_error(job->domain));
}

/* A destroy waited long enough for the aborted holder: it goes ahead. */
static void job_destroy_impatient(struct lock_waiter *w)
{
	struct job *job = job_of_waiter(w);
	struct job *holder = job_holding(job->domain);

	log_warning("domain %s: job %" PRIu64 " did not wind down within %d "
	    "ms; destroying anyway", job->domain_name,
	    holder != NULL ? holder->id : 0, JOB_DESTROY_PATIENCE_MS);
	job_start(job);
}

static struct job *job_new(const struct command *command, struct domain *dom,
    void *data)
{
	struct job *job = xcalloc(1, sizeof *job);

	job->command = command;
	job->state = JOB_QUEUED;
	job->data = data;
	TAILQ_INIT(&job->waiters);
	job->lock.granted = job_lock_granted;
	job->lock.expired = command->kind == COMMAND_DESTROY ?
	    job_destroy_impatient : job_lock_expired;
	gettimeofday(&job->created, NULL);
	job->step_event = xcheck(event_new(daemon_base, -1, 0, job_step_ready,
	    job));
	if (dom != NULL)
		job_attach_domain(job, dom);
	return job;
}

static void job_fail_queued_one(struct lock_waiter *w)
{
	struct job *job = job_of_waiter(w);
	struct job *destroyer = job->domain->destroyer;

	job_finish(job, NULL, err_new(ERR_OPERATION_INVALID,
	    "domain '%s' is being destroyed (job %" PRIu64 ")",
	    job->domain_name, destroyer != NULL ? destroyer->id : 0));
}

/* Destroy never waits in line: it fails the queued jobs, aborts what holds
 * the lock, and goes next. */
static void job_start_destroy(struct job *job)
{
	struct domain *dom = job->domain;
	struct job *holder;

	dom->destroyer = job;
	state_lock_cancel_all(&dom->lock, NULL, job_fail_queued_one);
	if (state_lock_acquire_first(&dom->lock, &job->lock,
	    JOB_DESTROY_PATIENCE_MS) == LOCK_TAKEN) {
		job->holds_lock = true;
		job_start(job);
		return;
	}
	holder = job_holding(dom);
	if (holder->command->abortable && !holder->abort_requested) {
		struct err *e = job_abort(holder);

		if (e != NULL) {
			log_warning("domain %s: %s", dom->name, e->desc);
			err_free(e);
		}
	}
}

/* Why job cannot be accepted now, or NULL. */
static struct err *job_refusal(const struct command *command,
    struct domain *dom, const struct job_submit *how)
{
	if (daemon_stopping)
		return err_new(ERR_ABORTED, "the daemon is stopping");
	/* destroy always gets through, and so does the daemon's own work
	 * (on_poweroff, recovery): the limit is on what clients pile up */
	if (job_active_count() >= (unsigned)options.max_jobs &&
	    command->kind != COMMAND_DESTROY && !how->internal)
		return err_new(ERR_RESOURCE_LIMIT, "too many jobs in progress "
		    "(limit %d)", options.max_jobs);
	if (dom == NULL)
		return NULL;
	if (dom->destroyer != NULL)
		return err_new(ERR_OPERATION_INVALID,
		    "domain '%s' is being destroyed (job %" PRIu64 ")",
		    dom->name, dom->destroyer->id);
	if (command->kind != COMMAND_DESTROY && dom->lock.holder != NULL &&
	    !how->internal && how->lock_wait_ms == 0)
		return job_busy_error(dom);
	if (command->kind != COMMAND_DESTROY &&
	    state_lock_busy(&dom->lock) && dom->lock.queued >= JOB_QUEUE_MAX)
		return err_new(ERR_RESOURCE_LIMIT,
		    "too many jobs waiting for domain '%s' (limit %d)",
		    dom->name, JOB_QUEUE_MAX);
	return NULL;
}

struct job *job_submit(const struct command *command, struct domain *dom,
    void *data, const struct job_submit *how, struct err **e)
{
	struct job *job;

	if (dom != NULL && command->kind == COMMAND_DESTROY &&
	    dom->destroyer != NULL && !daemon_stopping) {
		/* a destroy already runs: join it */
		if (command->free_data != NULL && data != NULL)
			command->free_data(data);
		return dom->destroyer;
	}
	*e = job_refusal(command, dom, how);
	if (*e != NULL) {
		if (command->free_data != NULL && data != NULL)
			command->free_data(data);
		return NULL;
	}
	job = job_new(command, dom, data);
	job->internal = how->internal;
	job->args = json_object_get(how->args);
	job_registry_add(job);
	job_record(job);
	if (dom != NULL && command->kind == COMMAND_DESTROY) {
		job_start_destroy(job);
		return job;
	}
	if (dom == NULL) {
		job_start(job);
		return job;
	}
	switch (state_lock_acquire(&dom->lock, &job->lock,
	    how->lock_wait_ms)) {
	case LOCK_TAKEN:
		job->holds_lock = true;
		job_start(job);
		break;
	case LOCK_QUEUED:
		job_status_changed(job);
		log_debug("job %" PRIu64 " (%s): queued behind job %" PRIu64,
		    job->id, job_name(job), dom->lock.holder != NULL ?
		    job_holding(dom)->id : 0);
		break;
	case LOCK_FULL:
		/* job_refusal checked the queue: only the daemon's own work
		 * gets here */
		job_finish(job, NULL, err_new(ERR_RESOURCE_LIMIT,
		    "too many jobs waiting for domain '%s'", dom->name));
		break;
	}
	return job;
}

void job_wait(struct job *job, struct job_waiter *w)
{
	if (job_is_finished(job)) {
		w->done(w, job);
		return;
	}
	TAILQ_INSERT_TAIL(&job->waiters, w, entry);
}

void job_unwait(struct job *job, struct job_waiter *w)
{
	TAILQ_REMOVE(&job->waiters, w, entry);
}

void job_hold_lock(struct job *job)
{
	state_lock_take(&job->domain->lock, &job->lock);
	job->holds_lock = true;
}

void job_release_lock(struct job *job)
{
	if (!job->holds_lock)
		return;
	job->holds_lock = false;
	state_lock_release(&job->domain->lock, &job->lock);
}

bool job_domain_running(struct job *job)
{
	if (domain_is_running(job->domain))
		return true;
	job_fail(job, err_new(ERR_OPERATION_INVALID, "'%s' is not running",
	    job->domain_name));
	return false;
}

void job_notify_domain_changed(struct domain *d)
{
	struct job *job, *next, *holder = job_holding(d);

	TAILQ_FOREACH_SAFE(job, &d->watchers, watch_entry, next)
		job->command->domain_changed(job);
	if (holder != NULL && holder->command->domain_changed != NULL &&
	    !holder->watching)
		holder->command->domain_changed(holder);
}

/* ------------------------------------------------------------------------
 * The end */

static void job_idle(evutil_socket_t fd, short what, void *arg)
{
	if (job_active_count() == 0 && idle_callback != NULL)
		idle_callback();
}

/* The job lets go of its domain: the lock to the next in line. */
static void job_leave_domain(struct job *job)
{
	struct domain *dom = job->domain;

	if (dom->destroyer == job)
		dom->destroyer = NULL;
	state_lock_cancel(&dom->lock, &job->lock);
	if (job->holds_lock) {
		job->holds_lock = false;
		state_lock_release(&dom->lock, &job->lock);
	}
	job->domain = NULL;
	/* those waiting for the domain to settle (shutdown --wait) may be
	 * done now that this job is */
	if (!TAILQ_EMPTY(&dom->watchers))
		job_notify_domain_changed(dom);
	domain_forget_if_unused(dom);
	domain_unref(dom);
}

static void job_finish(struct job *job, json_object *result, struct err *e)
{
	if (job_is_finished(job)) {
		log_error("job %" PRIu64 " finished twice", job->id);
		json_object_put(result);
		err_free(e);
		return;
	}
	if (job->ao_pending)
		log_critical("job %" PRIu64 " (%s) finished with a libxl "
		    "operation in flight", job->id, job_name(job));
	job_stop_progress(job, 0);
	job->step_next = NULL;
	if (job->domain != NULL)
		job_unwatch_domain(job);
	if (result != NULL) {
		size_t len;

		job->result = xstrdup(json_line_format(result, &len));
		json_object_put(result);
	}
	job->error = e;
	job->state = e == NULL ? JOB_COMPLETED :
	    e->class == ERR_ABORTED ? JOB_ABORTED : JOB_FAILED;
	gettimeofday(&job->finished, NULL);
	if (!timerisset(&job->started))
		job->started = job->finished;
	if (e != NULL)
		log_message(e->class == ERR_INTERNAL ? LOG_LEVEL_ERROR :
		    LOG_LEVEL_INFO, "job %" PRIu64 " (%s %s): %s: %s", job->id,
		    job_name(job), job->domain_name,
		    job_state_name(job->state), e->desc);
	else
		log_info("job %" PRIu64 " (%s %s): completed", job->id,
		    job_name(job), job->domain_name);
	if (job->data != NULL && job->command->free_data != NULL) {
		job->command->free_data(job->data);
		job->data = NULL;
	}
	/* history keeps what job-info shows, nothing more */
	json_object_put(job->args);
	job->args = NULL;
	event_free(job->step_event);
	job->step_event = NULL;
	job_registry_finished(job);
	job_status_changed(job);	/* and the final journal record */
	json_object_put(job->journal_extra);
	job->journal_extra = NULL;
	job_tell_waiters(job);
	if (job->domain != NULL)
		job_leave_domain(job);
	if (job_active_count() == 0 && idle_callback != NULL)
		event_base_once(daemon_base, -1, EV_TIMEOUT, job_idle, NULL, NULL);
	job_registry_prune();
}

void job_complete(struct job *job, json_object *result)
{
	job_finish(job, result, NULL);
}

void job_fail(struct job *job, struct err *e)
{
	job_finish(job, NULL, e);
}

void job_fail_taking(struct job *job, struct err **slot)
{
	struct err *e = *slot;

	*slot = NULL;
	job_finish(job, NULL, e);
}

/* ------------------------------------------------------------------------
 * Control */

struct err *job_abort(struct job *job)
{
	if (job_is_finished(job) || job->state == JOB_ABORTING)
		return NULL;
	if (!job->command->abortable)
		return err_new(ERR_NOT_SUPPORTED, "job %" PRIu64 " (%s) cannot "
		    "be aborted", job->id, job_name(job));
	job->abort_requested = true;
	if (job->state == JOB_QUEUED) {
		job_finish(job, NULL, err_new(ERR_ABORTED,
		    "aborted before it started"));
		return NULL;
	}
	job->state = JOB_ABORTING;
	job_status_changed(job);
	log_info("job %" PRIu64 " (%s %s): aborting", job->id, job_name(job),
	    job->domain_name);
	if (job->command->abort != NULL)
		job->command->abort(job);
	else
		job_abort_libxl(job);
	return NULL;
}

static void job_abort_one(struct job *job, void *arg)
{
	struct err *e;

	if (job->state == JOB_QUEUED) {
		job_finish(job, NULL, err_new(ERR_ABORTED,
		    "the daemon is stopping"));
		return;
	}
	if (!job->command->abortable)
		return;
	e = job_abort(job);
	err_free(e);
}

void job_abort_all(void)
{
	job_each_active(job_abort_one, NULL);
}

/* ------------------------------------------------------------------------
 * Init and teardown */

static void job_record_io_errno(unsigned int domid, int errnoval)
{
	struct domain *d = domain_find_domid(domid);
	struct job *holder;

	switch (errnoval) {
	case EIO:
	case ENOSPC:
	case EDQUOT:
	case EFBIG:
	case EROFS:
	case EPIPE:
	case ECONNRESET:
		break;
	default:
		return;
	}
	if (d != NULL && (holder = job_holding(d)) != NULL)
		holder->io_errno = errnoval;
}

int job_init(void)
{
	log_libxl_errno_hook = job_record_io_errno;
	return job_registry_init();
}

void job_detach(void)
{
	log_libxl_errno_hook = NULL;
	job_registry_free();
}
