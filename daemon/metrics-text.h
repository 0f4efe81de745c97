/* The Prometheus text exposition (format 0.0.4) of the daemon's metrics,
 * from plain data: a pure function, testable alone (metrics.c gathers the
 * data and serves it). */
#ifndef DAEMON_METRICS_TEXT_H
#define DAEMON_METRICS_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "daemon/metrics-count.h"
#include "daemon/stats.h"

struct evbuffer;

/* What xenlightd_host_domains{state} counts: stats_domain's states, and
 * "stopped" for a defined domain that does not run. */
#define METRICS_STATES 7
extern const char *const metrics_state_names[METRICS_STATES];
/* Its index; the last ("stopped") for a name it does not know. */
int metrics_state_index(const char *state);

struct metrics_domain {
	const char *name, *uuid;
	struct stats_domain *stats;	/* its memory read (stats_domain_memory) */
};

struct metrics_input {
	const struct stats_host *host;	/* NULL: no statistics */
	size_t nr_domains;		/* running, with statistics */
	const struct metrics_domain *domains;
	unsigned domains_by_state[METRICS_STATES];
	const char *version, *hypervisor, *xen_version;
	size_t nr_requests, nr_jobs;
	const struct metrics_request_count *requests;
	const struct metrics_job_count *jobs;
	unsigned jobs_active;
	unsigned clients_full, clients_read_only, subscribers;
	uint64_t events_dropped;
};

/* Appends the exposition of in to out. */
void metrics_text(struct evbuffer *out, const struct metrics_input *in);

#endif
