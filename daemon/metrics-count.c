/* The daemon's own counters (metrics-count.h).  A few dozen commands at
 * most: a linear search costs less than hashing would. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "daemon/metrics-count.h"
#include "proto/mem.h"

const double metrics_job_buckets[METRICS_JOB_BUCKETS] = {
	0.01, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 1800,
};
const char *const metrics_job_outcome_names[METRICS_JOB_OUTCOMES] = {
	"completed", "failed", "aborted",
};

static struct metrics_request_count *requests;
static size_t requests_len, requests_cap;
static struct metrics_job_count *jobs;
static size_t jobs_len, jobs_cap;
static uint64_t events_dropped;

void metrics_count_request(const char *command)
{
	for (size_t i = 0; i < requests_len; i++)
		if (strcmp(requests[i].command, command) == 0) {
			requests[i].count++;
			return;
		}
	if (requests_len == requests_cap) {
		requests_cap = requests_cap ? requests_cap * 2 : 32;
		requests = xrealloc(requests, requests_cap * sizeof *requests);
	}
	requests[requests_len++] = (struct metrics_request_count){
		command, 1 };
}

static struct metrics_job_count *metrics_job_type(const char *type)
{
	for (size_t i = 0; i < jobs_len; i++)
		if (strcmp(jobs[i].type, type) == 0)
			return &jobs[i];
	if (jobs_len == jobs_cap) {
		jobs_cap = jobs_cap ? jobs_cap * 2 : 16;
		jobs = xrealloc(jobs, jobs_cap * sizeof *jobs);
	}
	memset(&jobs[jobs_len], 0, sizeof *jobs);
	jobs[jobs_len].type = type;
	return &jobs[jobs_len++];
}

void metrics_count_job(const char *type, enum metrics_job_outcome outcome,
    double seconds)
{
	struct metrics_job_count *j = metrics_job_type(type);

	if (seconds < 0)
		seconds = 0;	/* the wall clock stepped back */
	j->outcomes[outcome]++;
	j->count++;
	j->seconds += seconds;
	for (int b = 0; b < METRICS_JOB_BUCKETS; b++)
		if (seconds <= metrics_job_buckets[b]) {
			j->buckets[b]++;
			break;
		}
}

void metrics_count_events_dropped(uint64_t n)
{
	events_dropped += n;
}

const struct metrics_request_count *metrics_requests(size_t *n)
{
	*n = requests_len;
	return requests;
}

const struct metrics_job_count *metrics_jobs(size_t *n)
{
	*n = jobs_len;
	return jobs;
}

uint64_t metrics_events_dropped(void)
{
	return events_dropped;
}

void metrics_count_free(void)
{
	free(requests);
	free(jobs);
	requests = NULL;
	jobs = NULL;
	requests_len = requests_cap = jobs_len = jobs_cap = 0;
}
