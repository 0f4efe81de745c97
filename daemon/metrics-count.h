/* The daemon's own counters for the metrics endpoint: requests by command,
 * jobs by type and outcome with their durations, dropped events.  A base
 * module: the core counts here, metrics.c reads; it knows nothing else. */
#ifndef DAEMON_METRICS_COUNT_H
#define DAEMON_METRICS_COUNT_H

#include <stddef.h>
#include <stdint.h>

enum metrics_job_outcome {
	METRICS_JOB_COMPLETED,
	METRICS_JOB_FAILED,
	METRICS_JOB_ABORTED,
	METRICS_JOB_OUTCOMES,
};

/* Upper bounds (seconds) of the job duration histogram's buckets; +Inf is
 * implied. */
#define METRICS_JOB_BUCKETS 10
extern const double metrics_job_buckets[METRICS_JOB_BUCKETS];
extern const char *const metrics_job_outcome_names[METRICS_JOB_OUTCOMES];

struct metrics_job_count {
	const char *type;		/* the command's name (static) */
	uint64_t outcomes[METRICS_JOB_OUTCOMES];
	uint64_t buckets[METRICS_JOB_BUCKETS];	/* not cumulative */
	uint64_t count;
	double seconds;			/* the sum of durations */
};

struct metrics_request_count {
	const char *command;		/* the command's name (static) */
	uint64_t count;
};

/* command and type are names from the command table: they live as long
 * as the daemon, and there are only so many of them. */
void metrics_count_request(const char *command);
void metrics_count_job(const char *type, enum metrics_job_outcome outcome,
    double seconds);
void metrics_count_events_dropped(uint64_t n);

const struct metrics_request_count *metrics_requests(size_t *n);
const struct metrics_job_count *metrics_jobs(size_t *n);
uint64_t metrics_events_dropped(void);
/* Daemon teardown. */
void metrics_count_free(void);

#endif
