#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "daemon/daemon.h"
#include "daemon/domain.h"
#include "daemon/fsutil.h"
#include "daemon/job-registry.h"
#include "daemon/log.h"
#include "daemon/metrics-count.h"
#include "proto/mem.h"

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
static struct event *prune_timer;

static const struct job_recorder *job_recorder;

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

const char *job_name(const struct job *job)
{
	return job->command->name;
}

struct job *job_find(uint64_t id)
{
	struct job *job;

	HASH_FIND(hh, jobs_by_id, &id, sizeof id, job);
	return job;
}

void job_each(void (*fn)(struct job *job, void *arg), void *arg)
{
	struct job *job;

	TAILQ_FOREACH(job, &finished_jobs, list_entry)
		fn(job, arg);
	TAILQ_FOREACH(job, &active_jobs, list_entry)
		fn(job, arg);
}

unsigned job_active_count(void)
{
	return active_count;
}

static char *job_id_file(void)
{
	char *path;

	xasprintf(&path, "%s/jobs/next-id", options.rundir);
	return path;
}

static uint64_t job_registry_next_id(void)
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

void job_record(struct job *job)
{
	if (job_recorder != NULL)
		job_recorder->write(job);
}

void job_set_recorder(const struct job_recorder *recorder)
{
	job_recorder = recorder;
}

void job_registry_add(struct job *job)
{
	job->id = job_registry_next_id();
	HASH_ADD(hh, jobs_by_id, id, sizeof job->id, job);
	TAILQ_INSERT_TAIL(&active_jobs, job, list_entry);
	active_count++;
}

void job_tell_waiters(struct job *job)
{
	struct job_waiter *w;

	while ((w = TAILQ_FIRST(&job->waiters)) != NULL) {
		TAILQ_REMOVE(&job->waiters, w, entry);
		w->done(w, job);
	}
}

void job_registry_prune(void)
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
	job_registry_prune();
}

static void job_free(struct job *job)
{
	if (job->domain != NULL)
		domain_unref(job->domain);
	if (job->lock.deadline != NULL)
		event_free(job->lock.deadline);
	if (job->watch_timer != NULL)
		event_free(job->watch_timer);
	if (job->progress_timer != NULL)
		event_free(job->progress_timer);
	if (job->step_event != NULL)
		event_free(job->step_event);
	if (job->data != NULL && job->command->free_data != NULL)
		job->command->free_data(job->data);
	json_object_put(job->args);
	free(job->result);
	json_object_put(job->journal_extra);
	err_free(job->error);
	err_free(job->pending_error);
	free(job);
}

struct err *job_dismiss(struct job *job)
{
	if (!job_is_finished(job))
		return err_new(ERR_OPERATION_INVALID, "job %" PRIu64 " is still "
		    "%s", job->id, job_state_name(job->state));
	HASH_DELETE(hh, jobs_by_id, job);
	TAILQ_REMOVE(&finished_jobs, job, list_entry);
	finished_count--;
	if (job_recorder != NULL)
		job_recorder->remove(job->id);
	job_free(job);
	return NULL;
}

void job_registry_finished(struct job *job)
{
	struct timeval took;

	timersub(&job->finished, &job->created, &took);
	metrics_count_job(job->command->name,
	    job->state == JOB_COMPLETED ? METRICS_JOB_COMPLETED :
	    job->state == JOB_ABORTED ? METRICS_JOB_ABORTED :
	    METRICS_JOB_FAILED, (double)took.tv_sec + took.tv_usec / 1e6);
	TAILQ_REMOVE(&active_jobs, job, list_entry);
	active_count--;
	TAILQ_INSERT_TAIL(&finished_jobs, job, list_entry);
	finished_count++;
}

void job_each_active(void (*fn)(struct job *job, void *arg), void *arg)
{
	struct job *job, *next;

	TAILQ_FOREACH_SAFE(job, &active_jobs, list_entry, next)
		fn(job, arg);
}

static int job_compare_id(const void *a, const void *b)
{
	const struct job *x = *(const struct job *const *)a;
	const struct job *y = *(const struct job *const *)b;

	return x->id < y->id ? -1 : x->id > y->id;
}

void job_add_finished(struct job *job)
{
	if (job->id >= next_job_id)
		next_job_id = job->id + 1;
	/* the next id comes from a new block */
	reserved_job_id = 0;
	TAILQ_INIT(&job->waiters);
	HASH_ADD(hh, jobs_by_id, id, sizeof job->id, job);
	TAILQ_INSERT_TAIL(&finished_jobs, job, list_entry);
	finished_count++;
}

/* The history in id order, oldest first (the journal is read in any). */
void job_sort_history(void)
{
	struct job **all;
	unsigned n = 0;
	struct job *job;

	if (finished_count < 2)
		return;
	all = xcalloc(finished_count, sizeof *all);
	while ((job = TAILQ_FIRST(&finished_jobs)) != NULL) {
		TAILQ_REMOVE(&finished_jobs, job, list_entry);
		all[n++] = job;
	}
	qsort(all, n, sizeof *all, job_compare_id);
	for (unsigned i = 0; i < n; i++)
		TAILQ_INSERT_TAIL(&finished_jobs, all[i], list_entry);
	free(all);
}

int job_registry_init(void)
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
	prune_timer = xcheck(event_new(daemon_base, -1, EV_PERSIST,
	    job_prune_tick, NULL));
	evtimer_add(prune_timer, &tick);
	return 0;
}

void job_registry_free(void)
{
	struct job *job;

	while ((job = TAILQ_FIRST(&active_jobs)) != NULL) {
		/* still running at exit: the next daemon recovers it from the
		 * journal, so its record stays; its waiters hear that it did
		 * not finish */
		job_tell_waiters(job);
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
