/* The exposition text (metrics-text.h).  Every family is written whole,
 * HELP and TYPE first, then its samples: the format wants a family's
 * samples together, so the loops go family by family, domain by domain. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "daemon/metrics-text.h"
#include "proto/mem.h"

const char *const metrics_state_names[METRICS_STATES] = {
	"running", "blocked", "paused", "shutdown", "crashed", "dying",
	"stopped",
};

int metrics_state_index(const char *state)
{
	for (int i = 0; i < METRICS_STATES - 1; i++)
		if (strcmp(metrics_state_names[i], state) == 0)
			return i;
	return METRICS_STATES - 1;
}

/* A label value: backslash, double quote and newline escaped. */
static void metrics_label_value(struct evbuffer *out, const char *value)
{
	const char *p = value;

	for (;;) {
		size_t n = strcspn(p, "\\\"\n");

		evbuffer_add(out, p, n);
		p += n;
		if (*p == '\0')
			return;
		evbuffer_add(out, *p == '\n' ? "\\n" : *p == '"' ? "\\\"" :
		    "\\\\", 2);
		p++;
	}
}

static void metrics_family(struct evbuffer *out, const char *name,
    const char *type, const char *help)
{
	evbuffer_add_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help,
	    name, type);
}

/* name{domain="..",uuid=".." (the caller's labels follow: a comma is
 * added when more is given) */
static void metrics_domain_labels(struct evbuffer *out, const char *name,
    const struct metrics_domain *d)
{
	evbuffer_add_printf(out, "%s{domain=\"", name);
	metrics_label_value(out, d->name);
	evbuffer_add_printf(out, "\",uuid=\"%s\"", d->uuid);
}

static void metrics_ns_seconds(struct evbuffer *out, uint64_t ns)
{
	evbuffer_add_printf(out, " %" PRIu64 ".%09" PRIu64 "\n",
	    ns / 1000000000, ns % 1000000000);
}

/* ------------------------------------------------------------------------
 * Per domain */

typedef uint64_t metrics_domain_value_fn(const struct stats_domain *s);

static uint64_t domain_memory(const struct stats_domain *s)
{
	return s->memory_kib * 1024;
}

static uint64_t domain_memory_max(const struct stats_domain *s)
{
	return s->max_memory_kib * 1024;
}

static void metrics_domain_simple(struct evbuffer *out,
    const struct metrics_input *in, const char *name, const char *type,
    const char *help, metrics_domain_value_fn *value)
{
	metrics_family(out, name, type, help);
	for (size_t i = 0; i < in->nr_domains; i++) {
		metrics_domain_labels(out, name, &in->domains[i]);
		evbuffer_add_printf(out, "} %" PRIu64 "\n",
		    value(in->domains[i].stats));
	}
}

/* A memory figure that may be unknown (-1): no sample then. */
static void metrics_domain_known_kib(struct evbuffer *out,
    const struct metrics_input *in, const char *name, const char *help,
    size_t offset)
{
	metrics_family(out, name, "gauge", help);
	for (size_t i = 0; i < in->nr_domains; i++) {
		const struct stats_domain *s = in->domains[i].stats;
		int64_t kib = *(const int64_t *)(const void *)
		    ((const char *)s + offset);

		if (kib < 0)
			continue;
		metrics_domain_labels(out, name, &in->domains[i]);
		evbuffer_add_printf(out, "} %" PRId64 "\n", kib * 1024);
	}
}

static void metrics_domain_cpu(struct evbuffer *out,
    const struct metrics_input *in)
{
	const char *name = "xenlightd_domain_cpu_seconds_total";

	metrics_family(out, name, "counter",
	    "CPU time the domain used, all its vCPUs together");
	for (size_t i = 0; i < in->nr_domains; i++) {
		metrics_domain_labels(out, name, &in->domains[i]);
		evbuffer_add(out, "}", 1);
		metrics_ns_seconds(out, in->domains[i].stats->cpu_time_ns);
	}
	name = "xenlightd_domain_vcpu_seconds_total";
	metrics_family(out, name, "counter", "CPU time of one vCPU");
	for (size_t i = 0; i < in->nr_domains; i++) {
		const struct stats_domain *s = in->domains[i].stats;

		for (unsigned v = 0; v < s->nr_vcpus; v++) {
			metrics_domain_labels(out, name, &in->domains[i]);
			evbuffer_add_printf(out, ",vcpu=\"%u\"}", v);
			metrics_ns_seconds(out, s->vcpus[v].time_ns);
		}
	}
	name = "xenlightd_domain_vcpu_online";
	metrics_family(out, name, "gauge", "1 if the vCPU is online");
	for (size_t i = 0; i < in->nr_domains; i++) {
		const struct stats_domain *s = in->domains[i].stats;

		for (unsigned v = 0; v < s->nr_vcpus; v++) {
			metrics_domain_labels(out, name, &in->domains[i]);
			evbuffer_add_printf(out, ",vcpu=\"%u\"} %d\n", v,
			    s->vcpus[v].online ? 1 : 0);
		}
	}
}

static void metrics_domain_memory(struct evbuffer *out,
    const struct metrics_input *in)
{
	metrics_domain_simple(out, in, "xenlightd_domain_memory_bytes",
	    "gauge", "memory the domain has now", domain_memory);
	metrics_domain_simple(out, in, "xenlightd_domain_memory_max_bytes",
	    "gauge", "memory the domain may have at most", domain_memory_max);
	metrics_domain_known_kib(out, in,
	    "xenlightd_domain_memory_target_bytes",
	    "the balloon target (memory/target)",
	    offsetof(struct stats_domain, target_kib));
	metrics_domain_known_kib(out, in,
	    "xenlightd_domain_guest_memory_total_bytes",
	    "memory the guest reports it has (data/meminfo_total)",
	    offsetof(struct stats_domain, guest_total_kib));
	metrics_domain_known_kib(out, in,
	    "xenlightd_domain_guest_memory_free_bytes",
	    "memory the guest reports free (data/meminfo_free)",
	    offsetof(struct stats_domain, guest_free_kib));
}

/* One block device counter: offset of a uint64_t in stats_block, times
 * scale (512 for sectors). */
static void metrics_domain_block(struct evbuffer *out,
    const struct metrics_input *in, const char *name, const char *help,
    size_t offset, uint64_t scale)
{
	metrics_family(out, name, "counter", help);
	for (size_t i = 0; i < in->nr_domains; i++) {
		const struct stats_domain *s = in->domains[i].stats;

		for (unsigned b = 0; b < s->nr_block; b++) {
			const struct stats_block *blk = &s->block[b];
			uint64_t v = *(const uint64_t *)(const void *)
			    ((const char *)blk + offset);

			metrics_domain_labels(out, name, &in->domains[i]);
			if (blk->vdev[0] != '\0')
				evbuffer_add_printf(out, ",device=\"%s\"}",
				    blk->vdev);
			else
				evbuffer_add_printf(out, ",device=\"%u\"}",
				    blk->devid);
			evbuffer_add_printf(out, " %" PRIu64 "\n", v * scale);
		}
	}
}

static void metrics_domain_net(struct evbuffer *out,
    const struct metrics_input *in, const char *name, const char *help,
    size_t offset)
{
	metrics_family(out, name, "counter", help);
	for (size_t i = 0; i < in->nr_domains; i++) {
		const struct stats_domain *s = in->domains[i].stats;

		for (unsigned n = 0; n < s->nr_net; n++) {
			uint64_t v = *(const uint64_t *)(const void *)
			    ((const char *)&s->net[n] + offset);

			metrics_domain_labels(out, name, &in->domains[i]);
			evbuffer_add_printf(out, ",device=\"net%u\"} %" PRIu64
			    "\n", s->net[n].devid, v);
		}
	}
}

#define BLOCK(f) offsetof(struct stats_block, f)
#define NET(f) offsetof(struct stats_net, f)

static void metrics_domains(struct evbuffer *out,
    const struct metrics_input *in)
{
	metrics_domain_cpu(out, in);
	metrics_domain_memory(out, in);
	metrics_domain_block(out, in, "xenlightd_domain_block_read_bytes_total",
	    "bytes read from a virtual disk", BLOCK(rd_sectors), 512);
	metrics_domain_block(out, in,
	    "xenlightd_domain_block_write_bytes_total",
	    "bytes written to a virtual disk", BLOCK(wr_sectors), 512);
	metrics_domain_block(out, in,
	    "xenlightd_domain_block_read_requests_total",
	    "read requests to a virtual disk", BLOCK(rd_reqs), 1);
	metrics_domain_block(out, in,
	    "xenlightd_domain_block_write_requests_total",
	    "write requests to a virtual disk", BLOCK(wr_reqs), 1);
	metrics_domain_net(out, in, "xenlightd_domain_net_receive_bytes_total",
	    "bytes the guest received", NET(rx_bytes));
	metrics_domain_net(out, in,
	    "xenlightd_domain_net_receive_packets_total",
	    "packets the guest received", NET(rx_packets));
	metrics_domain_net(out, in, "xenlightd_domain_net_receive_drops_total",
	    "packets to the guest dropped", NET(rx_drops));
	metrics_domain_net(out, in,
	    "xenlightd_domain_net_receive_errors_total",
	    "errors receiving for the guest", NET(rx_errors));
	metrics_domain_net(out, in, "xenlightd_domain_net_transmit_bytes_total",
	    "bytes the guest sent", NET(tx_bytes));
	metrics_domain_net(out, in,
	    "xenlightd_domain_net_transmit_packets_total",
	    "packets the guest sent", NET(tx_packets));
	metrics_domain_net(out, in,
	    "xenlightd_domain_net_transmit_drops_total",
	    "packets from the guest dropped", NET(tx_drops));
	metrics_domain_net(out, in,
	    "xenlightd_domain_net_transmit_errors_total",
	    "errors sending for the guest", NET(tx_errors));
}

/* ------------------------------------------------------------------------
 * The host */

static void metrics_gauge(struct evbuffer *out, const char *name,
    const char *help, uint64_t value)
{
	metrics_family(out, name, "gauge", help);
	evbuffer_add_printf(out, "%s %" PRIu64 "\n", name, value);
}

static void metrics_counter(struct evbuffer *out, const char *name,
    const char *help, uint64_t value)
{
	metrics_family(out, name, "counter", help);
	evbuffer_add_printf(out, "%s %" PRIu64 "\n", name, value);
}

static void metrics_host(struct evbuffer *out, const struct metrics_input *in)
{
	const struct stats_host *h = in->host;
	const char *name = "xenlightd_host_domains";

	metrics_family(out, name, "gauge", "domains the daemon knows, by state");
	for (int i = 0; i < METRICS_STATES; i++)
		evbuffer_add_printf(out, "%s{state=\"%s\"} %u\n", name,
		    metrics_state_names[i], in->domains_by_state[i]);
	if (h == NULL)
		return;
	metrics_gauge(out, "xenlightd_host_memory_bytes",
	    "the host's memory", h->total_kib * 1024);
	metrics_gauge(out, "xenlightd_host_memory_free_bytes",
	    "memory no domain has", h->free_kib * 1024);
	metrics_gauge(out, "xenlightd_host_memory_scrub_bytes",
	    "freed memory Xen has yet to scrub", h->scrub_kib * 1024);
	metrics_gauge(out, "xenlightd_host_memory_outstanding_claims_bytes",
	    "memory claimed for domains being built, not yet theirs",
	    h->outstanding_kib * 1024);
	metrics_gauge(out, "xenlightd_host_cpus", "physical CPUs online",
	    h->nr_cpus);
	if (h->cpu_idle_ns == NULL)
		return;
	name = "xenlightd_host_cpu_idle_seconds_total";
	metrics_family(out, name, "counter",
	    "time a physical CPU was idle");
	for (unsigned c = 0; c < h->nr_cpu_idle; c++) {
		evbuffer_add_printf(out, "%s{cpu=\"%u\"}", name, c);
		metrics_ns_seconds(out, h->cpu_idle_ns[c]);
	}
}

/* ------------------------------------------------------------------------
 * The daemon */

static void metrics_job_families(struct evbuffer *out,
    const struct metrics_input *in)
{
	const char *name = "xenlightd_jobs_total";

	metrics_family(out, name, "counter", "jobs finished, by type and outcome");
	for (size_t i = 0; i < in->nr_jobs; i++)
		for (int o = 0; o < METRICS_JOB_OUTCOMES; o++)
			evbuffer_add_printf(out, "%s{type=\"%s\",outcome=\"%s\"} "
			    "%" PRIu64 "\n", name, in->jobs[i].type,
			    metrics_job_outcome_names[o],
			    in->jobs[i].outcomes[o]);
	name = "xenlightd_job_duration_seconds";
	metrics_family(out, name, "histogram",
	    "time from a job's submission to its end, lock wait included");
	for (size_t i = 0; i < in->nr_jobs; i++) {
		const struct metrics_job_count *j = &in->jobs[i];
		uint64_t below = 0;

		for (int b = 0; b < METRICS_JOB_BUCKETS; b++) {
			below += j->buckets[b];
			evbuffer_add_printf(out, "%s_bucket{type=\"%s\",le=\"%g\"}"
			    " %" PRIu64 "\n", name, j->type,
			    metrics_job_buckets[b], below);
		}
		evbuffer_add_printf(out, "%s_bucket{type=\"%s\",le=\"+Inf\"} "
		    "%" PRIu64 "\n%s_sum{type=\"%s\"} %.9f\n"
		    "%s_count{type=\"%s\"} %" PRIu64 "\n", name, j->type,
		    j->count, name, j->type, j->seconds, name, j->type,
		    j->count);
	}
	metrics_gauge(out, "xenlightd_jobs_active",
	    "jobs queued or running", in->jobs_active);
}

static void metrics_daemon(struct evbuffer *out,
    const struct metrics_input *in)
{
	const char *name = "xenlightd_requests_total";

	metrics_family(out, name, "counter", "requests accepted, by command");
	for (size_t i = 0; i < in->nr_requests; i++)
		evbuffer_add_printf(out, "%s{command=\"%s\"} %" PRIu64 "\n",
		    name, in->requests[i].command, in->requests[i].count);
	metrics_job_families(out, in);
	name = "xenlightd_clients";
	metrics_family(out, name, "gauge", "connected clients, by socket");
	evbuffer_add_printf(out, "%s{socket=\"full\"} %u\n"
	    "%s{socket=\"read-only\"} %u\n", name, in->clients_full, name,
	    in->clients_read_only);
	metrics_gauge(out, "xenlightd_event_subscribers",
	    "clients subscribed to events", in->subscribers);
	metrics_counter(out, "xenlightd_events_dropped_total",
	    "events not delivered to subscribers that could not keep up",
	    in->events_dropped);
	name = "xenlightd_build_info";
	metrics_family(out, name, "gauge", "the daemon's version, 1");
	evbuffer_add_printf(out, "%s{version=\"", name);
	metrics_label_value(out, in->version);
	evbuffer_add(out, "\",hypervisor=\"", 14);
	metrics_label_value(out, in->hypervisor);
	evbuffer_add(out, "\",xen_version=\"", 15);
	metrics_label_value(out, in->xen_version);
	evbuffer_add(out, "\"} 1\n", 5);
}

void metrics_text(struct evbuffer *out, const struct metrics_input *in)
{
	metrics_domains(out, in);
	metrics_host(out, in);
	metrics_daemon(out, in);
}
