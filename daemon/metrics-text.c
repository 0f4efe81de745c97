/* The exposition text (metrics-text.h).  Every family is written whole,
 * HELP and TYPE first, then its samples: the format wants a family's
 * samples together, so the loops go family by family, domain by domain.
 * 10,000 domains make some 300,000 lines: they are formatted by hand into
 * a local buffer handed to the evbuffer in large pieces (a printf per
 * line cost most of a scrape), and each domain's labels are escaped once. */
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

/* ------------------------------------------------------------------------
 * The writer */

#define WRITER_SIZE 65536

struct writer {
	struct evbuffer *out;
	size_t len;
	char buf[WRITER_SIZE];
};

static void w_flush(struct writer *w)
{
	evbuffer_add(w->out, w->buf, w->len);
	w->len = 0;
}

static void w_add(struct writer *w, const char *s, size_t n)
{
	if (w->len + n > WRITER_SIZE) {
		w_flush(w);
		if (n > WRITER_SIZE) {
			evbuffer_add(w->out, s, n);
			return;
		}
	}
	memcpy(w->buf + w->len, s, n);
	w->len += n;
}

static void w_str(struct writer *w, const char *s)
{
	w_add(w, s, strlen(s));
}

static void w_u64(struct writer *w, uint64_t v)
{
	char digits[24];
	size_t i = sizeof digits;

	do {
		digits[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	w_add(w, digits + i, sizeof digits - i);
}

static void w_i64(struct writer *w, int64_t v)
{
	if (v < 0) {
		w_add(w, "-", 1);
		w_u64(w, (uint64_t)0 - (uint64_t)v);
	} else {
		w_u64(w, (uint64_t)v);
	}
}

/* " <seconds>.<nanoseconds>\n" */
static void w_seconds(struct writer *w, uint64_t ns)
{
	char frac[11];
	uint64_t rest = ns % 1000000000;

	w_add(w, " ", 1);
	w_u64(w, ns / 1000000000);
	frac[0] = '.';
	for (int i = 9; i >= 1; i--) {
		frac[i] = (char)('0' + rest % 10);
		rest /= 10;
	}
	frac[10] = '\n';
	w_add(w, frac, sizeof frac);
}

/* A label value: backslash, double quote and newline escaped. */
static void w_label_value(struct writer *w, const char *value)
{
	const char *p = value;

	for (;;) {
		size_t n = strcspn(p, "\\\"\n");

		w_add(w, p, n);
		p += n;
		if (*p == '\0')
			return;
		w_add(w, *p == '\n' ? "\\n" : *p == '"' ? "\\\"" : "\\\\", 2);
		p++;
	}
}

static void w_family(struct writer *w, const char *name, const char *type,
    const char *help)
{
	w_str(w, "# HELP ");
	w_str(w, name);
	w_add(w, " ", 1);
	w_str(w, help);
	w_str(w, "\n# TYPE ");
	w_str(w, name);
	w_add(w, " ", 1);
	w_str(w, type);
	w_add(w, "\n", 1);
}

/* ------------------------------------------------------------------------
 * Per domain */

/* Each domain's '{domain="..",uuid=".."', escaped once per scrape. */
struct domain_labels {
	char *text;
	size_t len;
};

static struct domain_labels *labels_make(const struct metrics_input *in)
{
	struct domain_labels *l = xcalloc(in->nr_domains + 1, sizeof *l);
	struct writer *w = xmalloc(sizeof *w);
	struct evbuffer *tmp = evbuffer_new();

	w->out = tmp;
	for (size_t i = 0; i < in->nr_domains; i++) {
		w->len = 0;
		w_str(w, "{domain=\"");
		w_label_value(w, in->domains[i].name);
		w_str(w, "\",uuid=\"");
		w_label_value(w, in->domains[i].uuid);
		w_add(w, "\"", 1);
		if (evbuffer_get_length(tmp) > 0) {
			/* a name longer than the buffer: rare, and slow */
			w_flush(w);
			l[i].len = evbuffer_get_length(tmp);
			l[i].text = xmalloc(l[i].len);
			evbuffer_remove(tmp, l[i].text, l[i].len);
			continue;
		}
		l[i].len = w->len;
		l[i].text = xmalloc(w->len);
		memcpy(l[i].text, w->buf, w->len);
	}
	evbuffer_free(tmp);
	free(w);
	return l;
}

static void labels_free(struct domain_labels *l, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(l[i].text);
	free(l);
}

struct text {
	struct writer *w;
	const struct metrics_input *in;
	struct domain_labels *labels;
};

/* name{domain="..",uuid=".." (the caller closes the braces) */
static void w_domain_series(struct text *t, const char *name, size_t i)
{
	w_str(t->w, name);
	w_add(t->w, t->labels[i].text, t->labels[i].len);
}

/* A uint64_t member of stats_domain, at offset, times scale (KiB). */
static void metrics_domain_u64(struct text *t, const char *name,
    const char *type, const char *help, size_t offset, uint64_t scale)
{
	w_family(t->w, name, type, help);
	for (size_t i = 0; i < t->in->nr_domains; i++) {
		const struct stats_domain *s = t->in->domains[i].stats;

		w_domain_series(t, name, i);
		w_add(t->w, "} ", 2);
		w_u64(t->w, *(const uint64_t *)(const void *)
		    ((const char *)s + offset) * scale);
		w_add(t->w, "\n", 1);
	}
}

/* A memory figure in KiB that may be unknown (-1): no sample then. */
static void metrics_domain_known_kib(struct text *t, const char *name,
    const char *help, size_t offset)
{
	w_family(t->w, name, "gauge", help);
	for (size_t i = 0; i < t->in->nr_domains; i++) {
		const struct stats_domain *s = t->in->domains[i].stats;
		int64_t kib = *(const int64_t *)(const void *)
		    ((const char *)s + offset);

		if (kib < 0)
			continue;
		w_domain_series(t, name, i);
		w_add(t->w, "} ", 2);
		w_i64(t->w, kib * 1024);
		w_add(t->w, "\n", 1);
	}
}

static void metrics_domain_cpu(struct text *t)
{
	const char *name = "xenlightd_domain_cpu_seconds_total";

	w_family(t->w, name, "counter",
	    "CPU time the domain used, all its vCPUs together");
	for (size_t i = 0; i < t->in->nr_domains; i++) {
		w_domain_series(t, name, i);
		w_add(t->w, "}", 1);
		w_seconds(t->w, t->in->domains[i].stats->cpu_time_ns);
	}
	name = "xenlightd_domain_vcpu_seconds_total";
	w_family(t->w, name, "counter", "CPU time of one vCPU");
	for (size_t i = 0; i < t->in->nr_domains; i++) {
		const struct stats_domain *s = t->in->domains[i].stats;

		for (unsigned v = 0; v < s->nr_vcpus; v++) {
			w_domain_series(t, name, i);
			w_str(t->w, ",vcpu=\"");
			w_u64(t->w, v);
			w_add(t->w, "\"}", 2);
			w_seconds(t->w, s->vcpus[v].time_ns);
		}
	}
	name = "xenlightd_domain_vcpu_online";
	w_family(t->w, name, "gauge", "1 if the vCPU is online");
	for (size_t i = 0; i < t->in->nr_domains; i++) {
		const struct stats_domain *s = t->in->domains[i].stats;

		for (unsigned v = 0; v < s->nr_vcpus; v++) {
			w_domain_series(t, name, i);
			w_str(t->w, ",vcpu=\"");
			w_u64(t->w, v);
			w_str(t->w, s->vcpus[v].online ? "\"} 1\n" : "\"} 0\n");
		}
	}
}

#define DOMAIN(f) offsetof(struct stats_domain, f)
#define BLOCK(f) offsetof(struct stats_block, f)
#define NET(f) offsetof(struct stats_net, f)

static void metrics_domain_memory(struct text *t)
{
	metrics_domain_u64(t, "xenlightd_domain_memory_bytes", "gauge",
	    "memory the domain has now", DOMAIN(memory_kib), 1024);
	metrics_domain_u64(t, "xenlightd_domain_memory_max_bytes", "gauge",
	    "memory the domain may have at most", DOMAIN(max_memory_kib),
	    1024);
	metrics_domain_known_kib(t, "xenlightd_domain_memory_target_bytes",
	    "the balloon target (memory/target)", DOMAIN(target_kib));
	metrics_domain_known_kib(t,
	    "xenlightd_domain_guest_memory_total_bytes",
	    "memory the guest reports it has (data/meminfo_total)",
	    DOMAIN(guest_total_kib));
	metrics_domain_known_kib(t,
	    "xenlightd_domain_guest_memory_free_bytes",
	    "memory the guest reports free (data/meminfo_free)",
	    DOMAIN(guest_free_kib));
}

/* One block device counter: offset of a uint64_t in stats_block, times
 * scale (512 for sectors). */
static void metrics_domain_block(struct text *t, const char *name,
    const char *help, size_t offset, uint64_t scale)
{
	w_family(t->w, name, "counter", help);
	for (size_t i = 0; i < t->in->nr_domains; i++) {
		const struct stats_domain *s = t->in->domains[i].stats;

		for (unsigned b = 0; b < s->nr_block; b++) {
			const struct stats_block *blk = &s->block[b];

			w_domain_series(t, name, i);
			w_str(t->w, ",device=\"");
			if (blk->vdev[0] != '\0')
				w_str(t->w, blk->vdev);
			else
				w_u64(t->w, blk->devid);
			w_add(t->w, "\"} ", 3);
			w_u64(t->w, *(const uint64_t *)(const void *)
			    ((const char *)blk + offset) * scale);
			w_add(t->w, "\n", 1);
		}
	}
}

static void metrics_domain_net(struct text *t, const char *name,
    const char *help, size_t offset)
{
	w_family(t->w, name, "counter", help);
	for (size_t i = 0; i < t->in->nr_domains; i++) {
		const struct stats_domain *s = t->in->domains[i].stats;

		for (unsigned n = 0; n < s->nr_net; n++) {
			w_domain_series(t, name, i);
			w_str(t->w, ",device=\"net");
			w_u64(t->w, s->net[n].devid);
			w_add(t->w, "\"} ", 3);
			w_u64(t->w, *(const uint64_t *)(const void *)
			    ((const char *)&s->net[n] + offset));
			w_add(t->w, "\n", 1);
		}
	}
}

static void metrics_domains(struct text *t)
{
	metrics_domain_cpu(t);
	metrics_domain_memory(t);
	metrics_domain_block(t, "xenlightd_domain_block_read_bytes_total",
	    "bytes read from a virtual disk", BLOCK(rd_sectors), 512);
	metrics_domain_block(t, "xenlightd_domain_block_write_bytes_total",
	    "bytes written to a virtual disk", BLOCK(wr_sectors), 512);
	metrics_domain_block(t, "xenlightd_domain_block_read_requests_total",
	    "read requests to a virtual disk", BLOCK(rd_reqs), 1);
	metrics_domain_block(t, "xenlightd_domain_block_write_requests_total",
	    "write requests to a virtual disk", BLOCK(wr_reqs), 1);
	metrics_domain_net(t, "xenlightd_domain_net_receive_bytes_total",
	    "bytes the guest received", NET(rx_bytes));
	metrics_domain_net(t, "xenlightd_domain_net_receive_packets_total",
	    "packets the guest received", NET(rx_packets));
	metrics_domain_net(t, "xenlightd_domain_net_receive_drops_total",
	    "packets to the guest dropped", NET(rx_drops));
	metrics_domain_net(t, "xenlightd_domain_net_receive_errors_total",
	    "errors receiving for the guest", NET(rx_errors));
	metrics_domain_net(t, "xenlightd_domain_net_transmit_bytes_total",
	    "bytes the guest sent", NET(tx_bytes));
	metrics_domain_net(t, "xenlightd_domain_net_transmit_packets_total",
	    "packets the guest sent", NET(tx_packets));
	metrics_domain_net(t, "xenlightd_domain_net_transmit_drops_total",
	    "packets from the guest dropped", NET(tx_drops));
	metrics_domain_net(t, "xenlightd_domain_net_transmit_errors_total",
	    "errors sending for the guest", NET(tx_errors));
}

/* ------------------------------------------------------------------------
 * The host */

/* A family of one sample without labels. */
static void metrics_single(struct writer *w, const char *name,
    const char *type, const char *help, uint64_t value)
{
	w_family(w, name, type, help);
	w_str(w, name);
	w_add(w, " ", 1);
	w_u64(w, value);
	w_add(w, "\n", 1);
}

static void metrics_host(struct writer *w, const struct metrics_input *in)
{
	const struct stats_host *h = in->host;
	const char *name = "xenlightd_host_domains";

	w_family(w, name, "gauge", "domains the daemon knows, by state");
	for (int i = 0; i < METRICS_STATES; i++) {
		w_str(w, name);
		w_str(w, "{state=\"");
		w_str(w, metrics_state_names[i]);
		w_add(w, "\"} ", 3);
		w_u64(w, in->domains_by_state[i]);
		w_add(w, "\n", 1);
	}
	if (h == NULL)
		return;
	metrics_single(w, "xenlightd_host_memory_bytes", "gauge",
	    "the host's memory", h->total_kib * 1024);
	metrics_single(w, "xenlightd_host_memory_free_bytes", "gauge",
	    "memory no domain has", h->free_kib * 1024);
	metrics_single(w, "xenlightd_host_memory_scrub_bytes", "gauge",
	    "freed memory Xen has yet to scrub", h->scrub_kib * 1024);
	metrics_single(w, "xenlightd_host_memory_outstanding_claims_bytes",
	    "gauge", "memory claimed for domains being built, not yet theirs",
	    h->outstanding_kib * 1024);
	metrics_single(w, "xenlightd_host_cpus", "gauge",
	    "physical CPUs online", h->nr_cpus);
	if (h->cpu_idle_ns == NULL)
		return;
	name = "xenlightd_host_cpu_idle_seconds_total";
	w_family(w, name, "counter", "time a physical CPU was idle");
	for (unsigned c = 0; c < h->nr_cpu_idle; c++) {
		w_str(w, name);
		w_str(w, "{cpu=\"");
		w_u64(w, c);
		w_add(w, "\"}", 2);
		w_seconds(w, h->cpu_idle_ns[c]);
	}
}

/* ------------------------------------------------------------------------
 * The daemon (a few hundred lines at most: printf will do) */

static void metrics_job_families(struct evbuffer *out,
    const struct metrics_input *in)
{
	const char *name = "xenlightd_jobs_total";

	evbuffer_add_printf(out, "# HELP %s jobs finished, by type and outcome\n"
	    "# TYPE %s counter\n", name, name);
	for (size_t i = 0; i < in->nr_jobs; i++)
		for (int o = 0; o < METRICS_JOB_OUTCOMES; o++)
			evbuffer_add_printf(out, "%s{type=\"%s\",outcome=\"%s\"} "
			    "%" PRIu64 "\n", name, in->jobs[i].type,
			    metrics_job_outcome_names[o],
			    in->jobs[i].outcomes[o]);
	name = "xenlightd_job_duration_seconds";
	evbuffer_add_printf(out, "# HELP %s time from a job's submission to its "
	    "end, lock wait included\n# TYPE %s histogram\n", name, name);
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
}

static void metrics_daemon(struct writer *w, const struct metrics_input *in)
{
	const char *name = "xenlightd_requests_total";

	w_family(w, name, "counter", "requests accepted, by command");
	for (size_t i = 0; i < in->nr_requests; i++) {
		w_str(w, name);
		w_str(w, "{command=\"");
		w_str(w, in->requests[i].command);
		w_add(w, "\"} ", 3);
		w_u64(w, in->requests[i].count);
		w_add(w, "\n", 1);
	}
	w_flush(w);
	metrics_job_families(w->out, in);
	metrics_single(w, "xenlightd_jobs_active", "gauge",
	    "jobs queued or running", in->jobs_active);
	name = "xenlightd_clients";
	w_family(w, name, "gauge", "connected clients, by socket");
	w_str(w, "xenlightd_clients{socket=\"full\"} ");
	w_u64(w, in->clients_full);
	w_str(w, "\nxenlightd_clients{socket=\"read-only\"} ");
	w_u64(w, in->clients_read_only);
	w_add(w, "\n", 1);
	metrics_single(w, "xenlightd_event_subscribers", "gauge",
	    "clients subscribed to events", in->subscribers);
	metrics_single(w, "xenlightd_events_dropped_total", "counter",
	    "events not delivered to subscribers that could not keep up",
	    in->events_dropped);
	name = "xenlightd_build_info";
	w_family(w, name, "gauge", "the daemon's version, 1");
	w_str(w, "xenlightd_build_info{version=\"");
	w_label_value(w, in->version);
	w_str(w, "\",hypervisor=\"");
	w_label_value(w, in->hypervisor);
	w_str(w, "\",xen_version=\"");
	w_label_value(w, in->xen_version);
	w_str(w, "\"} 1\n");
}

void metrics_text(struct evbuffer *out, const struct metrics_input *in)
{
	struct writer *w = xmalloc(sizeof *w);
	struct text t = { w, in, labels_make(in) };

	w->out = out;
	w->len = 0;
	metrics_domains(&t);
	metrics_host(w, in);
	metrics_daemon(w, in);
	w_flush(w);
	labels_free(t.labels, in->nr_domains);
	free(w);
}
