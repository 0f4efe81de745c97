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
#include "daemon/fsutil.h"
#include "daemon/job.h"
#include "daemon/log.h"
#include "daemon/store.h"
#include "proto/json-line.h"
#include "proto/schema.h"

/* A domain's lock queue is bounded: a client cannot park unbounded work. */
#define JOB_QUEUE_MAX 256
/* How long a destroy lets an aborted job wind down before it goes ahead
 * regardless. */
#define JOB_DESTROY_PATIENCE_MS 10000
#define JOB_PRUNE_INTERVAL_S 60
/* Job ids are reserved in blocks recorded in the run directory, so that
 * ids keep growing across daemon restarts without a write per job. */
#define JOB_ID_BLOCK 1000

static const char *const job_state_names[] = {
	[JOB_QUEUED] = "queued",
	[JOB_RUNNING] = "running",
	[JOB_ABORTING] = "aborting",
	[JOB_COMPLETED] = "completed",
	[JOB_FAILED] = "failed",
	[JOB_ABORTED] = "aborted",
};

TAILQ_HEAD(job_list_head, job);
static struct job_list_head active_jobs = TAILQ_HEAD_INITIALIZER(active_jobs);
static struct job_list_head finished_jobs = TAILQ_HEAD_INITIALIZER(finished_jobs);
static struct job *jobs_by_id;
static unsigned active_count, finished_count;
static uint64_t next_job_id = 1, reserved_job_id;
static void (*idle_callback)(void);
static struct event *prune_timer;

static void job_start(struct job *job);
static void job_step_ready(evutil_socket_t fd, short what, void *arg);

static int job_compare_id(const void *a, const void *b)
{
	const struct job *x = *(const struct job *const *)a;
	const struct job *y = *(const struct job *const *)b;

	return x->id < y->id ? -1 : x->id > y->id;
}
static void job_finish(struct job *job, json_object *result, struct err *e);

const char *job_state_name(enum job_state state)
{
	return job_state_names[state];
}

bool job_state_parse(const char *name, enum job_state *out)
{
	for (int i = 0; i <= JOB_ABORTED; i++) {
		if (strcmp(name, job_state_names[i]) == 0) {
			*out = (enum job_state)i;
			return true;
		}
	}
	return false;
}

bool job_is_finished(const struct job *job)
{
	return job->state >= JOB_COMPLETED;
}

struct job *job_find(uint64_t id)
{
	struct job *job;

	HASH_FIND(hh, jobs_by_id, &id, sizeof id, job);
	return job;
}

unsigned job_active_count(void)
{
	return active_count;
}

void job_set_idle_callback(void (*fn)(void))
{
	idle_callback = fn;
}

/* ------------------------------------------------------------------------
 * Ids and journal */

static char *job_id_file(void)
{
	char *path;

	if (asprintf(&path, "%s/jobs/next-id", options.rundir) < 0)
		abort();
	return path;
}

static uint64_t job_allocate_id(void)
{
	if (next_job_id >= reserved_job_id) {
		char *path = job_id_file(), text[32];
		int rc;

		reserved_job_id = next_job_id + JOB_ID_BLOCK;
		snprintf(text, sizeof text, "%" PRIu64 "\n", reserved_job_id);
		rc = fsutil_atomic_write(path, text, strlen(text), 0600, false);
		if (rc < 0)
			log_error("cannot write %s: %s", path, strerror(-rc));
		free(path);
	}
	return next_job_id++;
}

static json_object *job_result_json(const struct job *job)
{
	return json_tokener_parse(job->result);
}

static json_object *job_time_json(const struct timeval *tv)
{
	return proto_time_json(tv);
}

static void job_journal(struct job *job)
{
	json_object *record = json_object_new_object();

	json_object_object_add(record, "id", json_object_new_int64(
	    (int64_t)job->id));
	json_object_object_add(record, "type",
	    json_object_new_string(job->type->name));
	json_object_object_add(record, "domain",
	    json_object_new_string(job->domain_name));
	if (job->domain != NULL)
		json_object_object_add(record, "uuid",
		    json_object_new_string(job->domain->uuid_text));
	json_object_object_add(record, "state",
	    json_object_new_string(job_state_name(job->state)));
	json_object_object_add(record, "created_us", json_object_new_int64(
	    (int64_t)job->created.tv_sec * 1000000 + job->created.tv_usec));
	json_object_object_add(record, "started_us", json_object_new_int64(
	    (int64_t)job->started.tv_sec * 1000000 + job->started.tv_usec));
	json_object_object_add(record, "finished_us", json_object_new_int64(
	    (int64_t)job->finished.tv_sec * 1000000 + job->finished.tv_usec));
	if (job->error != NULL)
		json_object_object_add(record, "error", err_to_json(job->error));
	if (job->result != NULL)
		json_object_object_add(record, "result", job_result_json(job));
	if (job->journal_extra != NULL)
		json_object_object_add(record, "extra",
		    json_object_get(job->journal_extra));
	if (job->args != NULL)
		json_object_object_add(record, "args", json_object_get(job->args));
	store_journal_write(job->id, record);
	json_object_put(record);
}

void job_set_journal(struct job *job, const char *key, json_object *value)
{
	if (job->journal_extra == NULL)
		job->journal_extra = json_object_new_object();
	json_object_object_add(job->journal_extra, key, value);
	job_journal(job);
}

static void job_status_changed(struct job *job)
{
	json_object *data = json_object_new_object();

	json_object_object_add(data, "job", json_object_new_int64(
	    (int64_t)job->id));
	json_object_object_add(data, "type",
	    json_object_new_string(job->type->name));
	json_object_object_add(data, "domain", job->domain_name[0] ?
	    json_object_new_string(job->domain_name) : NULL);
	json_object_object_add(data, "state",
	    json_object_new_string(job_state_name(job->state)));
	if (job->error != NULL)
		json_object_object_add(data, "error", err_to_json(job->error));
	event_emit("JOB_STATUS_CHANGE", job->domain_name[0] ?
	    job->domain_name : NULL, data);
	job_journal(job);
}

/* ------------------------------------------------------------------------
 * Job objects */

json_object *job_to_json(const struct job *job)
{
	json_object *obj = json_object_new_object();
	struct timeval now, end, elapsed;

	json_object_object_add(obj, "id", json_object_new_int64((int64_t)job->id));
	json_object_object_add(obj, "type",
	    json_object_new_string(job->type->name));
	json_object_object_add(obj, "domain", job->domain_name[0] ?
	    json_object_new_string(job->domain_name) : NULL);
	json_object_object_add(obj, "state",
	    json_object_new_string(job_state_name(job->state)));
	json_object_object_add(obj, "created", job_time_json(&job->created));
	json_object_object_add(obj, "started", job_time_json(&job->started));
	json_object_object_add(obj, "finished", job_time_json(&job->finished));
	gettimeofday(&now, NULL);
	end = job_is_finished(job) ? job->finished : now;
	if (timerisset(&job->started) && timercmp(&end, &job->started, >))
		timersub(&end, &job->started, &elapsed);
	else
		timerclear(&elapsed);
	json_object_object_add(obj, "elapsed_ms", json_object_new_int64(
	    (int64_t)elapsed.tv_sec * 1000 + elapsed.tv_usec / 1000));
	if (job->has_progress) {
		json_object *progress = json_object_new_object();

		json_object_object_add(progress, "current",
		    json_object_new_int64((int64_t)job->progress_current));
		json_object_object_add(progress, "total",
		    json_object_new_int64((int64_t)job->progress_total));
		json_object_object_add(obj, "progress", progress);
	} else {
		json_object_object_add(obj, "progress", NULL);
	}
	json_object_object_add(obj, "abortable",
	    json_object_new_boolean(job->type->abortable && !job_is_finished(job)));
	json_object_object_add(obj, "internal",
	    json_object_new_boolean(job->internal));
	json_object_object_add(obj, "error", job->error != NULL ?
	    err_to_json(job->error) : NULL);
	json_object_object_add(obj, "result", job->result != NULL ?
	    job_result_json(job) : NULL);
	return obj;
}

json_object *job_list_json(struct domain *dom, int state_filter)
{
	json_object *list = json_object_new_array();
	struct job_list_head *lists[] = { &finished_jobs, &active_jobs };
	struct job *job;

	for (int i = 0; i < 2; i++) {
		TAILQ_FOREACH(job, lists[i], list_entry) {
			if (dom != NULL && strcmp(job->domain_name, dom->name) != 0)
				continue;
			if (state_filter >= 0 && job->state != (enum job_state)state_filter)
				continue;
			json_object_array_add(list, job_to_json(job));
		}
	}
	return list;
}

/* ------------------------------------------------------------------------
 * Creation, the lock, the queue */

static void job_step_ready(evutil_socket_t fd, short what, void *arg)
{
	struct job *job = arg;
	job_step_fn *next = job->step_next;

	job->step_next = NULL;
	if (next != NULL)
		next(job, job->ao_rc);
}

static struct job *job_new(const struct job_type *type, struct domain *dom,
    void *data)
{
	struct job *job = calloc(1, sizeof *job);

	if (job == NULL)
		abort();
	job->id = job_allocate_id();
	job->type = type;
	job->state = JOB_QUEUED;
	job->data = data;
	TAILQ_INIT(&job->waiters);
	gettimeofday(&job->created, NULL);
	job->step_event = event_new(daemon_base, -1, 0, job_step_ready, job);
	if (job->step_event == NULL)
		abort();
	if (dom != NULL)
		job_attach_domain(job, dom);
	HASH_ADD(hh, jobs_by_id, id, sizeof job->id, job);
	TAILQ_INSERT_TAIL(&active_jobs, job, list_entry);
	active_count++;
	return job;
}

void job_attach_domain(struct job *job, struct domain *dom)
{
	if (job->domain != NULL)
		domain_unref(job->domain);
	domain_ref(dom);
	job->domain = dom;
	snprintf(job->domain_name, sizeof job->domain_name, "%s", dom->name);
}

static void job_acquire_lock(struct job *job)
{
	job->domain->holder = job;
	job->holds_lock = true;
}

static void job_start_now(evutil_socket_t fd, short what, void *arg)
{
	struct job *job = arg;

	job->type->start(job);
}

static void job_start(struct job *job)
{
	if (job->deadline != NULL) {
		event_free(job->deadline);
		job->deadline = NULL;
	}
	job->state = JOB_RUNNING;
	gettimeofday(&job->started, NULL);
	job_status_changed(job);
	/* from the loop, so that a job never runs inside its submitter */
	job->step_next = NULL;
	event_assign(job->step_event, daemon_base, -1, 0, job_start_now, job);
	event_active(job->step_event, EV_TIMEOUT, 0);
}

/* The lock passed to the next job in the domain's queue. */
static void job_lock_handover(struct domain *dom)
{
	struct job *next;

	if (dom->holder != NULL)
		return;
	next = TAILQ_FIRST(&dom->queue);
	if (next == NULL)
		return;
	TAILQ_REMOVE(&dom->queue, next, queue_entry);
	job_acquire_lock(next);
	job_start(next);
}

static struct err *job_busy_error(struct domain *dom)
{
	struct job *h = dom->holder;
	struct timeval now, age;

	if (h == NULL)
		h = TAILQ_FIRST(&dom->queue);
	if (h == NULL)
		return err_new(ERR_BUSY,
		    "cannot acquire state change lock on '%s'", dom->name);
	gettimeofday(&now, NULL);
	timersub(&now, timerisset(&h->started) ? &h->started : &h->created,
	    &age);
	return err_add_data(err_new(ERR_BUSY,
	    "cannot acquire state change lock on '%s': held by job %" PRIu64
	    " (%s, %s for %.1f s)", dom->name, h->id, h->type->name,
	    h->state == JOB_QUEUED ? "queued" : "running",
	    (double)age.tv_sec + age.tv_usec / 1e6),
	    "holder", json_object_new_int64((int64_t)h->id));
}

static void job_lock_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct job *job = arg;
	struct domain *dom = job->domain;

	TAILQ_REMOVE(&dom->queue, job, queue_entry);
	job_finish(job, NULL, job_busy_error(dom));
}

static void job_destroy_impatient(evutil_socket_t fd, short what, void *arg)
{
	struct job *job = arg;

	log_warning("domain %s: job %" PRIu64 " did not wind down within %d "
	    "ms; destroying anyway", job->domain_name,
	    job->domain->holder ? job->domain->holder->id : 0,
	    JOB_DESTROY_PATIENCE_MS);
	TAILQ_REMOVE(&job->domain->queue, job, queue_entry);
	job_start(job);
}

static void job_add_waiter(struct job *job, struct request *req)
{
	TAILQ_INSERT_TAIL(&job->waiters, req, wait_entry);
	req->waiting_for = job;
}

static void job_reply_detached(struct request *req, struct job *job)
{
	json_object *ret = json_object_new_object();

	json_object_object_add(ret, "job", json_object_new_int64((int64_t)job->id));
	request_reply(req, ret);
}

static struct job *job_submit_destroy(struct job *job)
{
	struct domain *dom = job->domain;
	struct timeval patience = { JOB_DESTROY_PATIENCE_MS / 1000,
		(JOB_DESTROY_PATIENCE_MS % 1000) * 1000 };

	dom->destroyer = job;
	job_fail_queued(dom, err_new(ERR_OPERATION_INVALID,
	    "domain '%s' is being destroyed (job %" PRIu64 ")", dom->name,
	    job->id));
	if (dom->holder == NULL) {
		job_acquire_lock(job);
		job_start(job);
		return job;
	}
	/* Destroy never waits in line: it aborts what holds the lock and
	 * goes next. */
	TAILQ_INSERT_HEAD(&dom->queue, job, queue_entry);
	job->deadline = evtimer_new(daemon_base, job_destroy_impatient, job);
	evtimer_add(job->deadline, &patience);
	if (dom->holder->type->abortable && !dom->holder->abort_requested) {
		struct err *e = job_abort(dom->holder);

		if (e != NULL) {
			log_warning("domain %s: %s", dom->name, e->desc);
			err_free(e);
		}
	}
	return job;
}

static struct job *job_submit_common(struct request *req,
    const struct job_type *type, struct domain *dom, void *data)
{
	/* read now: a detached request is answered, and freed, below */
	int64_t lock_wait_ms = req != NULL ? req->lock_wait_ms :
	    options.lock_wait_ms;
	struct job *job;
	struct err *e = NULL;

	if (daemon_stopping)
		e = err_new(ERR_ABORTED, "the daemon is stopping");
	/* destroy always gets through, and so does the daemon's own work
	 * (on_poweroff, recovery): the limit is on what clients pile up */
	else if (active_count >= (unsigned)options.max_jobs &&
	    type->kind != JOB_DESTROY && req != NULL)
		e = err_new(ERR_RESOURCE_LIMIT, "too many jobs in progress "
		    "(limit %d)", options.max_jobs);
	else if (dom != NULL && type->kind == JOB_DESTROY &&
	    dom->destroyer != NULL) {
		/* a destroy already runs: join it */
		job = dom->destroyer;
		if (type->free_data != NULL)
			type->free_data(data);
		if (req != NULL && req->msg.detach)
			job_reply_detached(req, job);
		else if (req != NULL)
			job_add_waiter(job, req);
		return job;
	} else if (dom != NULL && dom->destroyer != NULL)
		e = err_new(ERR_OPERATION_INVALID,
		    "domain '%s' is being destroyed (job %" PRIu64 ")",
		    dom->name, dom->destroyer->id);
	else if (dom != NULL && type->kind != JOB_DESTROY &&
	    dom->holder != NULL && req != NULL && lock_wait_ms == 0)
		e = job_busy_error(dom);
	else if (dom != NULL && dom->holder != NULL) {
		unsigned queued = 0;

		TAILQ_FOREACH(job, &dom->queue, queue_entry)
			queued++;
		if (queued >= JOB_QUEUE_MAX)
			e = err_new(ERR_RESOURCE_LIMIT,
			    "too many jobs waiting for domain '%s' (limit %d)",
			    dom->name, JOB_QUEUE_MAX);
	}
	if (e != NULL) {
		if (type->free_data != NULL)
			type->free_data(data);
		if (req != NULL)
			request_fail(req, e);
		else {
			log_error("%s: %s", type->name, e->desc);
			err_free(e);
		}
		return NULL;
	}

	job = job_new(type, dom, data);
	job->internal = (req == NULL);
	if (req != NULL) {
		json_object *args = req->args;

		job->args = json_object_get(args);
		if (req->msg.detach)
			job_reply_detached(req, job);
		else
			job_add_waiter(job, req);
	}
	job_journal(job);
	if (dom != NULL && type->kind == JOB_DESTROY)
		return job_submit_destroy(job);
	if (dom == NULL) {
		job_start(job);
	} else if (dom->holder == NULL && TAILQ_EMPTY(&dom->queue)) {
		job_acquire_lock(job);
		job_start(job);
	} else {
		struct timeval tv = { lock_wait_ms / 1000,
			(lock_wait_ms % 1000) * 1000 };

		TAILQ_INSERT_TAIL(&dom->queue, job, queue_entry);
		job->deadline = evtimer_new(daemon_base, job_lock_deadline, job);
		evtimer_add(job->deadline, &tv);
		job_status_changed(job);
		log_debug("job %" PRIu64 " (%s): queued behind job %" PRIu64,
		    job->id, type->name, dom->holder ? dom->holder->id : 0);
	}
	return job;
}

struct job *job_submit(struct request *req, const struct job_type *type,
    struct domain *dom, void *data)
{
	return job_submit_common(req, type, dom, data);
}

struct job *job_submit_internal(const struct job_type *type,
    struct domain *dom, void *data)
{
	return job_submit_common(NULL, type, dom, data);
}

void job_fail_queued(struct domain *dom, struct err *e)
{
	struct job *job, *next;

	TAILQ_FOREACH_SAFE(job, &dom->queue, queue_entry, next) {
		if (job == dom->destroyer)
			continue;
		TAILQ_REMOVE(&dom->queue, job, queue_entry);
		job_finish(job, NULL, err_copy(e));
	}
	err_free(e);
}

void job_hold_lock(struct job *job)
{
	job_acquire_lock(job);
}

void job_release_lock(struct job *job)
{
	struct domain *dom = job->domain;

	if (!job->holds_lock)
		return;
	job->holds_lock = false;
	if (dom->holder == job)
		dom->holder = NULL;
	job_lock_handover(dom);
}

/* ------------------------------------------------------------------------
 * Steps */

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
	event_assign(job->step_event, daemon_base, -1, 0, job_step_ready, job);
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
	event_assign(job->step_event, daemon_base, -1, 0, job_step_ready, job);
	job->step_next = next;
	job->ao_rc = rc;
	event_active(job->step_event, EV_TIMEOUT, 0);
}

void job_set_progress(struct job *job, uint64_t current, uint64_t total)
{
	struct timeval now, since;

	job->has_progress = true;
	job->progress_current = current;
	job->progress_total = total;
	gettimeofday(&now, NULL);
	timersub(&now, &job->progress_event_at, &since);
	if (since.tv_sec >= 1 || current == total) {
		json_object *data = json_object_new_object();

		job->progress_event_at = now;
		json_object_object_add(data, "job",
		    json_object_new_int64((int64_t)job->id));
		json_object_object_add(data, "type",
		    json_object_new_string(job->type->name));
		json_object_object_add(data, "domain", job->domain_name[0] ?
		    json_object_new_string(job->domain_name) : NULL);
		json_object_object_add(data, "current",
		    json_object_new_int64((int64_t)current));
		json_object_object_add(data, "total",
		    json_object_new_int64((int64_t)total));
		event_emit("JOB_PROGRESS", job->domain_name[0] ?
		    job->domain_name : NULL, data);
	}
}

/* ------------------------------------------------------------------------
 * Watching a domain */

static void job_watch_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct job *job = arg;

	job->watch_expired = true;
	job->type->domain_changed(job);
}

void job_watch_domain(struct job *job, int64_t timeout_ms)
{
	TAILQ_INSERT_TAIL(&job->domain->watchers, job, queue_entry);
	job->watching = true;
	job->watch_expired = false;
	if (timeout_ms > 0) {
		struct timeval tv = { timeout_ms / 1000,
			(timeout_ms % 1000) * 1000 };

		job->watch_timer = evtimer_new(daemon_base, job_watch_deadline,
		    job);
		evtimer_add(job->watch_timer, &tv);
	}
}

void job_unwatch_domain(struct job *job)
{
	if (!job->watching)
		return;
	TAILQ_REMOVE(&job->domain->watchers, job, queue_entry);
	job->watching = false;
	if (job->watch_timer != NULL) {
		event_free(job->watch_timer);
		job->watch_timer = NULL;
	}
}

bool job_watch_expired(const struct job *job)
{
	return job->watch_expired;
}

void job_notify_domain_changed(struct domain *d)
{
	struct job *job, *next;

	TAILQ_FOREACH_SAFE(job, &d->watchers, queue_entry, next)
		job->type->domain_changed(job);
	if (d->holder != NULL && d->holder->type->domain_changed != NULL &&
	    !d->holder->watching)
		d->holder->type->domain_changed(d->holder);
}

/* ------------------------------------------------------------------------
 * The end */

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

static json_object *job_result_for_submitter(const struct job *job)
{
	json_object *ret = job->result != NULL ? job_result_json(job) : NULL;

	if (!json_object_is_type(ret, json_type_object)) {
		json_object_put(ret);
		ret = json_object_new_object();
	}
	json_object_object_add(ret, "job", json_object_new_int64((int64_t)job->id));
	return ret;
}

static void job_reply_waiters(struct job *job)
{
	struct request *req;

	while ((req = TAILQ_FIRST(&job->waiters)) != NULL) {
		TAILQ_REMOVE(&job->waiters, req, wait_entry);
		req->waiting_for = NULL;
		if (req->command->kind == COMMAND_QUERY)	/* job-wait */
			request_reply(req, job_to_json(job));
		else if (job->error != NULL)
			request_fail(req, err_add_data(err_copy(job->error),
			    "job", json_object_new_int64((int64_t)job->id)));
		else
			request_reply(req, job_result_for_submitter(job));
	}
}

static void job_prune(void)
{
	struct timeval now;
	struct job *job;

	gettimeofday(&now, NULL);
	while ((job = TAILQ_FIRST(&finished_jobs)) != NULL &&
	    finished_count > (unsigned)options.job_history &&
	    now.tv_sec - job->finished.tv_sec >= options.job_history_seconds) {
		struct err *e = job_dismiss(job);

		err_free(e);
	}
}

static void job_prune_tick(evutil_socket_t fd, short what, void *arg)
{
	job_prune();
}

static void job_free(struct job *job)
{
	if (job->domain != NULL)
		domain_unref(job->domain);
	if (job->deadline != NULL)
		event_free(job->deadline);
	if (job->watch_timer != NULL)
		event_free(job->watch_timer);
	if (job->step_event != NULL)
		event_free(job->step_event);
	if (job->data != NULL && job->type->free_data != NULL)
		job->type->free_data(job->data);
	json_object_put(job->args);
	free(job->result);
	json_object_put(job->journal_extra);
	err_free(job->error);
	err_free(job->pending_error);
	free(job);
}

static void job_idle(evutil_socket_t fd, short what, void *arg)
{
	if (active_count == 0 && idle_callback != NULL)
		idle_callback();
}

static void job_finish(struct job *job, json_object *result, struct err *e)
{
	struct domain *dom = job->domain;

	if (job_is_finished(job)) {
		log_error("job %" PRIu64 " finished twice", job->id);
		json_object_put(result);
		err_free(e);
		return;
	}
	if (job->ao_pending)
		log_critical("job %" PRIu64 " (%s) finished with a libxl "
		    "operation in flight", job->id, job->type->name);
	if (job->deadline != NULL) {
		event_free(job->deadline);
		job->deadline = NULL;
	}
	job->step_next = NULL;
	job_unwatch_domain(job);
	if (result != NULL) {
		size_t len;

		job->result = strdup(json_line_format(result, &len));
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
		    job->type->name, job->domain_name,
		    job_state_name(job->state), e->desc);
	else
		log_info("job %" PRIu64 " (%s %s): completed", job->id,
		    job->type->name, job->domain_name);
	if (job->data != NULL && job->type->free_data != NULL) {
		job->type->free_data(job->data);
		job->data = NULL;
	}
	/* history keeps what job-info shows, nothing more */
	json_object_put(job->args);
	job->args = NULL;
	event_free(job->step_event);
	job->step_event = NULL;
	TAILQ_REMOVE(&active_jobs, job, list_entry);
	active_count--;
	TAILQ_INSERT_TAIL(&finished_jobs, job, list_entry);
	finished_count++;
	job_status_changed(job);	/* and the final journal record */
	json_object_put(job->journal_extra);
	job->journal_extra = NULL;
	job_reply_waiters(job);

	if (dom != NULL) {
		if (dom->destroyer == job)
			dom->destroyer = NULL;
		if (job->holds_lock) {
			job->holds_lock = false;
			if (dom->holder == job)
				dom->holder = NULL;
		}
		job_lock_handover(dom);
		job->domain = NULL;
		/* those waiting for the domain to settle (shutdown --wait)
		 * may be done now that this job is */
		if (!TAILQ_EMPTY(&dom->watchers))
			job_notify_domain_changed(dom);
		domain_forget_if_unused(dom);
		domain_unref(dom);
	}
	if (active_count == 0 && idle_callback != NULL)
		event_base_once(daemon_base, -1, EV_TIMEOUT, job_idle, NULL, NULL);
	job_prune();
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
	if (!job->type->abortable)
		return err_new(ERR_NOT_SUPPORTED, "job %" PRIu64 " (%s) cannot "
		    "be aborted", job->id, job->type->name);
	job->abort_requested = true;
	if (job->state == JOB_QUEUED) {
		if (job->domain != NULL)
			TAILQ_REMOVE(&job->domain->queue, job, queue_entry);
		job_finish(job, NULL, err_new(ERR_ABORTED,
		    "aborted before it started"));
		return NULL;
	}
	job->state = JOB_ABORTING;
	job_status_changed(job);
	log_info("job %" PRIu64 " (%s %s): aborting", job->id, job->type->name,
	    job->domain_name);
	if (job->type->abort != NULL)
		job->type->abort(job);
	else
		job_abort_libxl(job);
	return NULL;
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

struct err *job_dismiss(struct job *job)
{
	if (!job_is_finished(job))
		return err_new(ERR_OPERATION_INVALID, "job %" PRIu64 " is still "
		    "%s", job->id, job_state_name(job->state));
	HASH_DELETE(hh, jobs_by_id, job);
	TAILQ_REMOVE(&finished_jobs, job, list_entry);
	finished_count--;
	store_journal_remove(job->id);
	job_free(job);
	return NULL;
}

static void job_wait_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct request *req = arg;
	struct job *job = req->waiting_for;

	TAILQ_REMOVE(&job->waiters, req, wait_entry);
	req->waiting_for = NULL;
	request_reply(req, job_to_json(job));
}

void job_wait(struct request *req, struct job *job, int64_t timeout_ms)
{
	if (job_is_finished(job)) {
		request_reply(req, job_to_json(job));
		return;
	}
	job_add_waiter(job, req);
	if (timeout_ms >= 0) {
		struct timeval tv = { timeout_ms / 1000,
			(timeout_ms % 1000) * 1000 };

		req->wait_timeout = evtimer_new(daemon_base, job_wait_timeout,
		    req);
		evtimer_add(req->wait_timeout, &tv);
	}
}

void job_abort_all(void)
{
	struct job *job, *next;

	TAILQ_FOREACH_SAFE(job, &active_jobs, list_entry, next) {
		struct err *e;

		if (job->state == JOB_QUEUED) {
			if (job->domain != NULL)
				TAILQ_REMOVE(&job->domain->queue, job,
				    queue_entry);
			job_finish(job, NULL, err_new(ERR_ABORTED,
			    "the daemon is stopping"));
			continue;
		}
		if (!job->type->abortable)
			continue;
		e = job_abort(job);
		err_free(e);
	}
}

/* ------------------------------------------------------------------------
 * Restart recovery */

static const struct job_type *job_type_find(const char *name)
{
	for (int i = 0; job_type_table[i] != NULL; i++)
		if (strcmp(job_type_table[i]->name, name) == 0)
			return job_type_table[i];
	return NULL;
}

bool job_record_is(json_object *record, const struct job_type *type)
{
	const char *name = arg_string(record, "type");

	return name != NULL && strcmp(name, type->name) == 0;
}

static void job_timeval_from(json_object *record, const char *key,
    struct timeval *tv)
{
	int64_t us = arg_int(record, key, 0);

	tv->tv_sec = us / 1000000;
	tv->tv_usec = us % 1000000;
}

static void job_recover_one(json_object *record, void *arg)
{
	const char *type_name = arg_string(record, "type");
	const char *state_name = arg_string(record, "state");
	const char *domain = arg_string(record, "domain");
	const struct job_type *type = type_name ? job_type_find(type_name) : NULL;
	uint64_t id = (uint64_t)arg_int(record, "id", 0);
	enum job_state state;
	json_object *value;
	struct job *job;

	if (type == NULL || id == 0 || state_name == NULL ||
	    !job_state_parse(state_name, &state) || job_find(id) != NULL) {
		log_error("job journal: unusable record for job %" PRIu64
		    "; removed", id);
		if (id != 0)
			store_journal_remove(id);
		return;
	}
	job = calloc(1, sizeof *job);
	if (job == NULL)
		abort();
	job->id = id;
	job->type = type;
	job->state = state;
	TAILQ_INIT(&job->waiters);
	snprintf(job->domain_name, sizeof job->domain_name, "%s",
	    domain ? domain : "");
	job_timeval_from(record, "created_us", &job->created);
	job_timeval_from(record, "started_us", &job->started);
	job_timeval_from(record, "finished_us", &job->finished);
	if (json_object_object_get_ex(record, "args", &value))
		job->args = json_object_get(value);
	if (json_object_object_get_ex(record, "extra", &value))
		job->journal_extra = json_object_get(value);
	if (json_object_object_get_ex(record, "result", &value))
		job->result = strdup(json_object_to_json_string_ext(value,
		    JSON_C_TO_STRING_PLAIN));
	if (json_object_object_get_ex(record, "error", &value))
		job->error = err_from_json(value);
	if (!job_is_finished(job)) {
		/* it died with the previous daemon: say so, and repair what
		 * it left half-done */
		job->state = JOB_FAILED;
		err_free(job->error);
		job->error = err_new(ERR_ABORTED, "interrupted by daemon restart");
		gettimeofday(&job->finished, NULL);
		if (!timerisset(&job->started))
			job->started = job->finished;
		log_notice("job %" PRIu64 " (%s %s): interrupted by daemon "
		    "restart", id, type->name, job->domain_name);
		if (type->recover != NULL)
			type->recover(record, job->error);
	}
	HASH_ADD(hh, jobs_by_id, id, sizeof job->id, job);
	TAILQ_INSERT_TAIL(&finished_jobs, job, list_entry);
	finished_count++;
	if (id >= next_job_id)
		next_job_id = id + 1;
	job_journal(job);
}

void job_recover(void)
{
	store_journal_load(job_recover_one, NULL);
	/* oldest first, for the history's order */
	if (finished_count > 1) {
		struct job **all = calloc(finished_count, sizeof *all);
		unsigned n = 0;
		struct job *job;

		if (all == NULL)
			abort();
		while ((job = TAILQ_FIRST(&finished_jobs)) != NULL) {
			TAILQ_REMOVE(&finished_jobs, job, list_entry);
			all[n++] = job;
		}
		qsort(all, n, sizeof *all, job_compare_id);
		for (unsigned i = 0; i < n; i++)
			TAILQ_INSERT_TAIL(&finished_jobs, all[i], list_entry);
		free(all);
	}
	if (next_job_id >= reserved_job_id)
		reserved_job_id = 0;	/* forces a new block */
}

/* ------------------------------------------------------------------------
 * Init and teardown */

static void job_record_io_errno(unsigned int domid, int errnoval)
{
	struct domain *d = domain_find_domid(domid);

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
	if (d != NULL && d->holder != NULL)
		d->holder->io_errno = errnoval;
}

int job_init(void)
{
	struct timeval tick = { JOB_PRUNE_INTERVAL_S, 0 };
	char *path = job_id_file(), *text;
	int error;

	text = fsutil_read_file(path, 64, NULL, &error);
	if (text != NULL) {
		next_job_id = strtoull(text, NULL, 10);
		if (next_job_id == 0)
			next_job_id = 1;
		free(text);
	}
	free(path);
	log_libxl_errno_hook = job_record_io_errno;
	prune_timer = event_new(daemon_base, -1, EV_PERSIST, job_prune_tick,
	    NULL);
	evtimer_add(prune_timer, &tick);
	return 0;
}

void job_free_all(void)
{
	struct job *job;

	log_libxl_errno_hook = NULL;
	while ((job = TAILQ_FIRST(&active_jobs)) != NULL) {
		/* still running at exit: the next daemon recovers it from the
		 * journal, so its record stays */
		struct request *req;

		while ((req = TAILQ_FIRST(&job->waiters)) != NULL) {
			TAILQ_REMOVE(&job->waiters, req, wait_entry);
			req->waiting_for = NULL;
			request_fail(req, err_new(ERR_ABORTED,
			    "the daemon stopped"));
		}
		HASH_DELETE(hh, jobs_by_id, job);
		TAILQ_REMOVE(&active_jobs, job, list_entry);
		active_count--;
		job_free(job);
	}
	while ((job = TAILQ_FIRST(&finished_jobs)) != NULL) {
		HASH_DELETE(hh, jobs_by_id, job);
		TAILQ_REMOVE(&finished_jobs, job, list_entry);
		finished_count--;
		job_free(job);
	}
	if (prune_timer != NULL)
		event_free(prune_timer);
	prune_timer = NULL;
}
