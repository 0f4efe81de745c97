/* Jobs: every command that changes a domain runs as a job with a daemon-wide
 * id.  Jobs of one domain are serialised by its state-change lock
 * (state-lock.h): a job that finds the lock taken waits in the domain's FIFO
 * queue with a deadline, and starts when the lock comes to it.  Nothing
 * blocks.
 *
 * A job advances in steps.  A step that calls libxl passes job_ao(job,
 * next) as the ao_how and hands the initiator's return code to
 * job_ao_started(); next(job, rc) then runs from the loop — never from
 * inside libxl — whether libxl completed the operation inside the
 * initiator, inside libxl_ao_abort, inside SIGCHLD handling or later.
 *
 * The job core knows nothing of requests: whoever waits for a job (the
 * client that asked for it, a job-wait) registers a job_waiter and is
 * called back when the job ends. */
#ifndef DAEMON_JOB_H
#define DAEMON_JOB_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/time.h>
#include <bsd/sys/queue.h>
#include <json-c/json.h>
#include <uthash.h>

#include "daemon/command.h"
#include "daemon/state-lock.h"
#include "daemon/xl-compat.h"
#include "proto/err.h"

struct domain;
struct job;

enum job_state {
	JOB_QUEUED,
	JOB_RUNNING,
	JOB_ABORTING,
	JOB_COMPLETED,
	JOB_FAILED,
	JOB_ABORTED,
};

typedef void job_step_fn(struct job *job, int rc);
/* Measures a job's progress (current bytes) for the progress poller. */
typedef bool job_measure_fn(struct job *job, uint64_t *current);

/* Someone waiting for a job to end.  done() is called once: when the job
 * has finished, or when the daemon stops with the job unfinished. */
struct job_waiter {
	void (*done)(struct job_waiter *w, struct job *job);
	TAILQ_ENTRY(job_waiter) entry;
};
TAILQ_HEAD(job_waiter_list, job_waiter);

struct job {
	uint64_t id;
	const struct command *command;	/* what kind of job: its handlers */
	enum job_state state;
	struct domain *domain;		/* holds a reference; may be NULL */
	char domain_name[65];
	struct timeval created, started, finished;
	bool has_progress;
	uint64_t progress_current, progress_total;
	struct timeval progress_event_at;
	struct event *progress_timer;	/* job_poll_progress */
	job_measure_fn *progress_measure;
	struct err *error;		/* failed or aborted */
	struct err *pending_error;	/* failing, after a clean-up step */
	bool repause;			/* lifecycle_fail_resuming */
	/* completed: the result as compact JSON text (history is kept for
	 * minutes, for thousands of jobs: text is a tenth of a json-c tree) */
	char *result;
	json_object *args;		/* the request's arguments */
	void *data;			/* the command's own state */
	bool abort_requested;
	bool internal;			/* the daemon's own work */
	int io_errno;			/* errno libxl logged for our domain */
	/* journal: what restart recovery needs (temp files, uuid, domid) */
	json_object *journal_extra;

	/* the libxl operation in flight (at most one) */
	libxl_asyncop_how how;
	bool ao_pending;
	int ao_rc;
	job_step_fn *step_next;
	struct event *step_event;

	struct lock_waiter lock;	/* its place at the domain's lock */
	bool holds_lock;
	struct event *watch_timer;	/* while watching the domain */
	bool watching;
	bool watch_expired;
	struct job_waiter_list waiters;
	TAILQ_ENTRY(job) watch_entry;	/* the domain's watchers */
	TAILQ_ENTRY(job) list_entry;	/* active or finished list */
	UT_hash_handle hh;
};

int job_init(void);
/* Daemon teardown: every job is forgotten (unfinished ones stay in the
 * journal for the next daemon). */
void job_detach(void);

/* How a job is asked for. */
struct job_submit {
	int64_t lock_wait_ms;		/* in the domain's queue, at most */
	bool internal;			/* the daemon's own work: no job limit */
	json_object *args;		/* kept for the journal (a reference) */
};

/* Creates a job of command on dom (NULL for none yet) with data (which the
 * job owns from now on, failure included) and starts it or queues it.
 * Returns the job, or NULL with *e set.  A destroy of a domain that is
 * being destroyed returns the destroy job that runs. */
struct job *job_submit(const struct command *command, struct domain *dom,
    void *data, const struct job_submit *how, struct err **e);
/* w->done is called when job ends (at once if it has). */
void job_wait(struct job *job, struct job_waiter *w);
/* w no longer waits (its own deadline passed, its client left). */
void job_unwait(struct job *job, struct job_waiter *w);

/* Steps */
const libxl_asyncop_how *job_ao(struct job *job, job_step_fn *next);
void job_ao_started(struct job *job, int rc);
/* Runs next(job, rc) from the loop (after work done elsewhere). */
void job_continue(struct job *job, job_step_fn *next, int rc);
void job_set_progress(struct job *job, uint64_t current, uint64_t total);
/* Every second until job_stop_progress or the job's end: measure(job) and
 * job_set_progress against total (raised to what was done, if above). */
void job_poll_progress(struct job *job, job_measure_fn *measure,
    uint64_t total);
/* Stops polling; the progress becomes done of done (when done > 0). */
void job_stop_progress(struct job *job, uint64_t done);
/* Attaches the domain a job created (restore, create). */
void job_attach_domain(struct job *job, struct domain *dom);
/* A job started without a domain (restore) takes the lock of the domain it
 * found; the caller checked that the lock is free. */
void job_hold_lock(struct job *job);
/* Gives the lock back early; the job goes on watching (shutdown --wait). */
void job_release_lock(struct job *job);
/* The job holding d's lock, or NULL. */
struct job *job_holding(const struct domain *d);
/* job->command->domain_changed is called on the domain's state changes
 * until job_unwatch_domain; timeout_ms > 0 calls it once more at the
 * deadline with job->watch_expired set. */
void job_watch_domain(struct job *job, int64_t timeout_ms);
void job_unwatch_domain(struct job *job);
/* When a job that acts on a running domain starts: it still runs, or the
 * job fails (it may have stopped while the job waited for the lock). */
bool job_domain_running(struct job *job);
/* Called by whoever sees a domain's state change. */
void job_notify_domain_changed(struct domain *d);
void job_set_journal(struct job *job, const char *key, json_object *value);

/* The end.  result/e are taken. */
void job_complete(struct job *job, json_object *result);
void job_fail(struct job *job, struct err *e);
/* job_fail with an error kept in the job's own data: the slot is cleared
 * before job_fail frees that data. */
void job_fail_taking(struct job *job, struct err **slot);
/* libxl's rc as an error value: Aborted for ERROR_ABORTED, IOError when
 * libxl logged an I/O errno for the job's domain, ResourceLimit for
 * ERROR_NOMEM, HypervisorError with data.libxl_error otherwise. */
struct err *job_libxl_error(struct job *job, int rc, const char *what);

/* Queries and control */
struct job *job_find(uint64_t id);
json_object *job_to_json(const struct job *job);
/* The result a job's submitter gets: its result object with "job". */
json_object *job_result_json(const struct job *job);
struct err *job_abort(struct job *job);
/* libxl_ao_abort of the job's operation in flight, if any (the default
 * abort; commands with their own call it for their libxl steps). */
void job_abort_libxl(struct job *job);
struct err *job_dismiss(struct job *job);
/* Jobs of dom (NULL: all) in state (negative: any), oldest first. */
json_object *job_list_json(struct domain *dom, int state_filter);
const char *job_state_name(enum job_state state);
bool job_state_parse(const char *name, enum job_state *out);
bool job_is_finished(const struct job *job);
const char *job_name(const struct job *job);

/* Shutdown of the daemon */
void job_abort_all(void);
unsigned job_active_count(void);
void job_set_idle_callback(void (*fn)(void));

/* Every job, finished ones first (oldest first), then the active ones. */
void job_each(void (*fn)(struct job *job, void *arg), void *arg);

/* Whoever keeps a record of jobs (the journal) hears of every change. */
struct job_recorder {
	void (*write)(struct job *job);
	void (*remove)(uint64_t id);
};
void job_set_recorder(const struct job_recorder *recorder);
/* A job read back from a record joins the history; once all are in,
 * job_sort_history puts it in id order. */
void job_add_finished(struct job *job);
void job_sort_history(void);

/* The journal (job-journal.c): a record per job in the run directory,
 * rewritten at each change of state, so that a restarted daemon knows
 * what was running. */
void job_journal_attach(void);
/* Reloads the journal: finished jobs back into the history, interrupted
 * ones marked failed and repaired by their command's recover handler
 * (needs the domain registry and the command table). */
void job_recover(void);
/* Whether a journal record is of that command. */
bool job_record_is(json_object *record, const char *command_name);

#endif
