/* The job core's registry (job-registry.c): every job by id, the active
 * ones and the history of finished ones, ids that keep growing across
 * restarts, and the recorder that hears of every change.  Private to the
 * job core (job*.c). */
#ifndef DAEMON_JOB_REGISTRY_H
#define DAEMON_JOB_REGISTRY_H

#include "daemon/job.h"

int job_registry_init(void);
/* A new job: it gets its id and joins the active jobs. */
void job_registry_add(struct job *job);
/* It finished: it joins the history. */
void job_registry_finished(struct job *job);
/* Old history goes (--job-history, --job-history-seconds). */
void job_registry_prune(void);
/* Calls fn for every active job; fn may finish it. */
void job_each_active(void (*fn)(struct job *job, void *arg), void *arg);
/* Frees every job (daemon teardown). */
void job_registry_free(void);
/* Tells the recorder (the journal) that job changed. */
void job_record(struct job *job);
/* Calls every waiter of job once, and forgets them. */
void job_tell_waiters(struct job *job);

#endif
