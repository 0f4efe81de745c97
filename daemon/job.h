/* Jobs: every command that changes a domain runs as a job with a daemon-wide
 * id.  Jobs of one domain are serialised by its state-change lock: a job
 * that finds the lock taken waits on the domain's FIFO queue with a
 * deadline, and the loop starts it when the lock frees.  Nothing blocks.
 *
 * A job advances in steps.  A step that calls libxl passes job_ao(job,
 * next) as the ao_how and hands the initiator's return code to
 * job_ao_started(); next(job, rc) then runs from the loop — never from
 * inside libxl — whether libxl completed the operation inside the
 * initiator, inside libxl_ao_abort, inside SIGCHLD handling or later. */
#ifndef DAEMON_JOB_H
#define DAEMON_JOB_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/time.h>
#include <bsd/sys/queue.h>
#include <json-c/json.h>
#include <uthash.h>

#include "daemon/command.h"
#include "daemon/xl-compat.h"
#include "proto/err.h"

struct domain;
struct job;

enum job_kind {
	JOB_MODIFY,
	JOB_ASYNC,
	JOB_DESTROY,
};

enum job_state {
	JOB_QUEUED,
	JOB_RUNNING,
	JOB_ABORTING,
	JOB_COMPLETED,
	JOB_FAILED,
	JOB_ABORTED,
};

typedef void job_step_fn(struct job *job, int rc);

struct job_type {
	const char *name;		/* the command's name */
	enum job_kind kind;
	bool abortable;
	/* Runs from the loop once the job holds the domain's lock (or at
	 * once for a job without a domain). */
	void (*start)(struct job *job);
	/* Cuts the job short.  NULL: libxl_ao_abort of the operation in
	 * flight; steps check job->abort_requested between operations. */
	void (*abort)(struct job *job);
	/* The domain changed state (shutdown, death) while the job watches
	 * it (job_watch_domain). */
	void (*domain_changed)(struct job *job);
	/* Frees job->data. */
	void (*free_data)(void *data);
	/* After a daemon restart, repairs what an interrupted job of this
	 * type left behind, from its journal record; it may add to the
	 * job's "interrupted" error what it found. */
	void (*recover)(json_object *record, struct err *error);
};

struct job {
	uint64_t id;
	const struct job_type *type;
	enum job_state state;
	struct domain *domain;		/* holds a reference; may be NULL */
	char domain_name[65];
	struct timeval created, started, finished;
	bool has_progress;
	uint64_t progress_current, progress_total;
	struct timeval progress_event_at;
	struct err *error;		/* failed or aborted */
	struct err *pending_error;	/* failing, after a clean-up step */
	bool repause;			/* lifecycle_fail_resuming */
	/* completed: the result as compact JSON text (history is kept for
	 * minutes, for thousands of jobs: text is a tenth of a json-c tree) */
	char *result;
	json_object *args;		/* the request's arguments */
	void *data;			/* the type's own state */
	bool abort_requested;
	bool holds_lock;
	bool internal;			/* started by the daemon, not a client */
	int io_errno;			/* errno libxl logged for our domain */
	/* journal: what restart recovery needs (temp files, uuid, domid) */
	json_object *journal_extra;

	/* the libxl operation in flight (at most one) */
	libxl_asyncop_how how;
	bool ao_pending;
	int ao_rc;
	job_step_fn *step_next;
	struct event *step_event;

	struct event *deadline;		/* while queued for the lock */
	struct event *watch_timer;	/* while watching the domain */
	bool watching;
	bool watch_expired;
	struct request_list waiters;	/* the submitter, job-wait callers */
	TAILQ_ENTRY(job) queue_entry;	/* domain's lock queue or watchers */
	TAILQ_ENTRY(job) list_entry;	/* active or finished list */
	UT_hash_handle hh;
};

int job_init(void);
/* Reloads the journal: finished jobs back into the history, interrupted
 * ones marked failed and repaired (needs the domain registry). */
void job_recover(void);
void job_free_all(void);
/* Whether a journal record is of that job type. */
bool job_record_is(json_object *record, const struct job_type *type);
/* Every job type, NULL-terminated (dispatch.c), for recovery by name. */
extern const struct job_type *const job_type_table[];

/* Creates a job of type for req on dom (NULL for none yet) and starts it,
 * queues it, or fails req.  Detached requests get {"job": id} at once; the
 * others get the job's outcome when it ends.  data belongs to the job. */
struct job *job_submit(struct request *req, const struct job_type *type,
    struct domain *dom, void *data);
/* The same for work the daemon starts itself (on_poweroff, autostart). */
struct job *job_submit_internal(const struct job_type *type,
    struct domain *dom, void *data);

/* Steps */
const libxl_asyncop_how *job_ao(struct job *job, job_step_fn *next);
void job_ao_started(struct job *job, int rc);
/* Runs next(job, rc) from the loop (after work done elsewhere). */
void job_continue(struct job *job, job_step_fn *next, int rc);
void job_set_progress(struct job *job, uint64_t current, uint64_t total);
/* Attaches the domain a job created (restore, create). */
void job_attach_domain(struct job *job, struct domain *dom);
/* A job started without a domain (restore) takes the lock of the domain it
 * found; the caller checked that the lock is free. */
void job_hold_lock(struct job *job);
/* Gives the lock back early; the job goes on watching (shutdown --wait). */
void job_release_lock(struct job *job);
/* job->type->domain_changed is called on the domain's state changes
 * until job_unwatch_domain; timeout_ms > 0 calls it once more at the
 * deadline with job->watch_expired set. */
void job_watch_domain(struct job *job, int64_t timeout_ms);
void job_unwatch_domain(struct job *job);
bool job_watch_expired(const struct job *job);
/* Called by the event module when a domain's state changes. */
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
struct err *job_abort(struct job *job);
/* libxl_ao_abort of the job's operation in flight, if any (the default
 * abort; job types with their own call it for their libxl steps). */
void job_abort_libxl(struct job *job);
struct err *job_dismiss(struct job *job);
/* Replies to req with the job object once the job has finished (at
 * once if it has), or with its current state after timeout_ms. */
void job_wait(struct request *req, struct job *job, int64_t timeout_ms);
json_object *job_list_json(struct domain *dom, int state_filter);
const char *job_state_name(enum job_state state);
bool job_state_parse(const char *name, enum job_state *out);
bool job_is_finished(const struct job *job);

/* Shutdown of the daemon */
void job_abort_all(void);
unsigned job_active_count(void);
void job_set_idle_callback(void (*fn)(void));

/* Domain destroy support: fails every queued job of dom. */
void job_fail_queued(struct domain *dom, struct err *e);

#endif
