/* Statistics of the host and of running domains: libxenstat (what xentop
 * uses) for the domains' counters, libxl and libxenctrl for the host,
 * xenstore for what a guest reports of its memory.  Shared by
 * domain-stats, host-info and the metrics endpoint, as plain data. */
#ifndef DAEMON_STATS_H
#define DAEMON_STATS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/time.h>
#include <json-c/json.h>

#include "proto/err.h"

struct domain;

struct stats_vcpu {
	bool online;
	uint64_t time_ns;
};

struct stats_block {
	unsigned devid;
	char vdev[16];			/* "xvda"; "" for other families */
	uint64_t rd_reqs, wr_reqs, rd_sectors, wr_sectors, oo_reqs;
	bool error;
};

/* As the guest sees it (xenstat counts at dom0's vif: swapped). */
struct stats_net {
	unsigned devid;
	uint64_t rx_bytes, rx_packets, rx_errors, rx_drops;
	uint64_t tx_bytes, tx_packets, tx_errors, tx_drops;
};

struct stats_domain {
	uint32_t domid;
	const char *state;		/* running, blocked, paused, ... */
	uint64_t cpu_time_ns;
	uint64_t memory_kib, max_memory_kib;
	/* read on demand (stats_domain_memory): xenstore, per domain */
	bool memory_read;
	int64_t target_kib;		/* the balloon target; -1: unknown */
	/* what the guest's agent writes in data/meminfo_*; -1: it does not */
	int64_t guest_total_kib, guest_free_kib;
	unsigned nr_vcpus, nr_block, nr_net;
	struct stats_vcpu *vcpus;
	struct stats_block *block;
	struct stats_net *net;
};

struct stats_host {
	uint64_t total_kib, free_kib, scrub_kib, outstanding_kib;
	unsigned nr_cpus;
	/* idle time per physical CPU (xc_getcpuinfo); NULL when unknown */
	unsigned nr_cpu_idle;
	uint64_t *cpu_idle_ns;
};

struct stats_snapshot {
	struct timeval taken;		/* monotonic */
	struct stats_host host;
	unsigned nr_domains;
	struct stats_domain *domains;	/* by ascending domid */
};

/* A snapshot of the host and every running domain no older than
 * max_age_ms (0: a fresh one), or NULL with *e set.  It stays valid until
 * the next call. */
struct stats_snapshot *stats_snapshot(int max_age_ms, struct err **e);
struct stats_domain *stats_find(struct stats_snapshot *s, uint32_t domid);
/* Reads the balloon target and the guest's memory report of sd once. */
void stats_domain_memory(struct stats_domain *sd);
/* One domain's counters as domain-stats reports them. */
json_object *stats_domain_json(const struct domain *d,
    struct stats_domain *sd);
/* The host alone (host-info), or an error; stats_host_dispose it. */
struct err *stats_host_read(struct stats_host *h);
void stats_host_dispose(struct stats_host *h);
/* The host's CPU times and memory breakdown, as host-info reports them. */
void stats_host_json(const struct stats_host *h, json_object *obj);
/* Daemon teardown. */
void stats_close(void);

#endif
