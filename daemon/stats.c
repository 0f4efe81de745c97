/* Statistics of the host and of running domains (stats.h). */
#include "config.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <xenctrl.h>
#include <xenstat.h>
#include <xenstore.h>

#include "daemon/daemon.h"
#include "daemon/domain.h"
#include "daemon/fsutil.h"
#include "daemon/log.h"
#include "daemon/stats.h"
#include "proto/mem.h"

static xenstat_handle *stats_handle;
static xc_interface *stats_xc;
static struct xs_handle *stats_xs;
static bool stats_xc_failed, stats_xs_failed;
static struct stats_snapshot *stats_cached;

/* "xvda", "xvdb3", or false for devids of other families */
static bool stats_vdev_name(unsigned int devid, char *buf, size_t len)
{
	unsigned int disk, part;

	if (devid & (1u << 28)) {	/* extended xvd numbering */
		disk = (devid >> 8) & 0xfffff;
		part = devid & 0xff;
	} else if ((devid >> 8) == 202) {
		disk = (devid >> 4) & 0xf;
		part = devid & 0xf;
	} else {
		return false;
	}
	if (disk < 26)
		snprintf(buf, len, "xvd%c", 'a' + disk);
	else
		snprintf(buf, len, "xvd%c%c", 'a' + disk / 26 - 1,
		    'a' + disk % 26);
	if (part != 0)
		snprintf(buf + strlen(buf), len - strlen(buf), "%u", part);
	return true;
}

/* libxenstat 4.17 stores the read sector count into wr_sects (a slip in
 * xenstat_collect_vbds), so on Xen the sysfs counter is read directly. */
static unsigned long long stats_rd_sectors(uint32_t domid, xenstat_vbd *vbd)
{
	char path[128], buf[32];
	unsigned long long value;

	if (strcmp(daemon_hypervisor, "xen") != 0)
		return xenstat_vbd_rd_sects(vbd);
	snprintf(path, sizeof path, "/sys/bus/xen-backend/devices/%s-%" PRIu32
	    "-%u/statistics/rd_sect", xenstat_vbd_type(vbd) == 2 ? "tap" :
	    "vbd", domid, xenstat_vbd_dev(vbd));
	if (fsutil_read_small(path, buf, sizeof buf) <= 0)
		return 0;
	return sscanf(buf, "%llu", &value) == 1 ? value : 0;
}

/* domain_state_name's words, from xenstat's flags */
static const char *stats_state(xenstat_domain *xd)
{
	if (xenstat_domain_dying(xd))
		return "dying";
	if (xenstat_domain_crashed(xd))
		return "crashed";
	if (xenstat_domain_shutdown(xd))
		return "shutdown";
	if (xenstat_domain_paused(xd))
		return "paused";
	if (xenstat_domain_blocked(xd))
		return "blocked";
	return "running";
}

static void stats_domain_fill(struct stats_domain *sd, xenstat_domain *xd)
{
	sd->domid = xenstat_domain_id(xd);
	sd->state = stats_state(xd);
	sd->cpu_time_ns = xenstat_domain_cpu_ns(xd);
	sd->memory_kib = xenstat_domain_cur_mem(xd) / 1024;
	sd->max_memory_kib = xenstat_domain_max_mem(xd) / 1024;
	sd->target_kib = sd->guest_total_kib = sd->guest_free_kib = -1;
	sd->nr_vcpus = xenstat_domain_num_vcpus(xd);
	sd->vcpus = xcalloc(sd->nr_vcpus + 1, sizeof *sd->vcpus);
	for (unsigned i = 0; i < sd->nr_vcpus; i++) {
		xenstat_vcpu *v = xenstat_domain_vcpu(xd, i);

		if (v == NULL)
			continue;
		sd->vcpus[i].online = xenstat_vcpu_online(v);
		sd->vcpus[i].time_ns = xenstat_vcpu_ns(v);
	}
	sd->nr_block = xenstat_domain_num_vbds(xd);
	sd->block = xcalloc(sd->nr_block + 1, sizeof *sd->block);
	for (unsigned i = 0; i < sd->nr_block; i++) {
		xenstat_vbd *vbd = xenstat_domain_vbd(xd, i);
		struct stats_block *b = &sd->block[i];

		b->devid = xenstat_vbd_dev(vbd);
		if (!stats_vdev_name(b->devid, b->vdev, sizeof b->vdev))
			b->vdev[0] = '\0';
		b->rd_reqs = xenstat_vbd_rd_reqs(vbd);
		b->wr_reqs = xenstat_vbd_wr_reqs(vbd);
		b->rd_sectors = stats_rd_sectors(sd->domid, vbd);
		b->wr_sectors = xenstat_vbd_wr_sects(vbd);
		b->oo_reqs = xenstat_vbd_oo_reqs(vbd);
		b->error = xenstat_vbd_error(vbd);
	}
	sd->nr_net = xenstat_domain_num_networks(xd);
	sd->net = xcalloc(sd->nr_net + 1, sizeof *sd->net);
	for (unsigned i = 0; i < sd->nr_net; i++) {
		xenstat_network *n = xenstat_domain_network(xd, i);
		struct stats_net *o = &sd->net[i];

		/* xenstat counts at the backend (dom0's vif): what it
		 * receives, the guest sent */
		o->devid = xenstat_network_id(n);
		o->rx_bytes = xenstat_network_tbytes(n);
		o->rx_packets = xenstat_network_tpackets(n);
		o->rx_errors = xenstat_network_terrs(n);
		o->rx_drops = xenstat_network_tdrop(n);
		o->tx_bytes = xenstat_network_rbytes(n);
		o->tx_packets = xenstat_network_rpackets(n);
		o->tx_errors = xenstat_network_rerrs(n);
		o->tx_drops = xenstat_network_rdrop(n);
	}
}

/* A number of KiB a guest wrote in xenstore, or -1. */
static int64_t stats_xs_kib(uint32_t domid, const char *key)
{
	char path[96], *text, *end;
	unsigned int len;
	long long value;

	if (stats_xs == NULL && !stats_xs_failed) {
		stats_xs = xs_open(XS_OPEN_READONLY);
		if (stats_xs == NULL) {
			stats_xs_failed = true;
			log_warning("cannot open xenstore: guests' memory "
			    "reports are not read");
		}
	}
	if (stats_xs == NULL)
		return -1;
	snprintf(path, sizeof path, "/local/domain/%" PRIu32 "/data/%s",
	    domid, key);
	text = xs_read(stats_xs, XBT_NULL, path, &len);
	if (text == NULL)
		return -1;
	/* the guest writes it: hostile */
	value = strtoll(text, &end, 10);
	if (end == text || *end != '\0' || value < 0 || len > 20)
		value = -1;
	free(text);
	return value;
}

void stats_domain_memory(struct stats_domain *sd)
{
	uint64_t target;

	if (sd->memory_read)
		return;
	sd->memory_read = true;
	if (libxl_get_memory_target(daemon_ctx, sd->domid, &target) == 0)
		sd->target_kib = (int64_t)target;
	sd->guest_total_kib = stats_xs_kib(sd->domid, "meminfo_total");
	if (sd->guest_total_kib >= 0)
		sd->guest_free_kib = stats_xs_kib(sd->domid, "meminfo_free");
}

/* Idle time per physical CPU: libxl 4.17 has no call for it (and we found
 * no nodeGetCPUStats in libvirt's libxl driver), so it comes from
 * libxenctrl's XEN_SYSCTL_getcpuinfo, the one per-CPU time Xen keeps. */
static void stats_host_cpus(struct stats_host *h, unsigned max_cpus)
{
	xc_cpuinfo_t *info;
	int n = 0;

	if (stats_xc == NULL && !stats_xc_failed) {
		stats_xc = xc_interface_open(log_libxl_logger(), NULL, 0);
		if (stats_xc == NULL) {
			stats_xc_failed = true;
			log_warning("cannot open libxenctrl: no per-CPU times");
		}
	}
	if (stats_xc == NULL || max_cpus == 0)
		return;
	info = xcalloc(max_cpus, sizeof *info);
	if (xc_getcpuinfo(stats_xc, (int)max_cpus, info, &n) != 0 || n <= 0 ||
	    (unsigned)n > max_cpus) {
		free(info);
		return;
	}
	h->nr_cpu_idle = (unsigned)n;
	h->cpu_idle_ns = xcalloc((size_t)n, sizeof *h->cpu_idle_ns);
	for (int i = 0; i < n; i++)
		h->cpu_idle_ns[i] = info[i].idletime;
	free(info);
}

struct err *stats_host_read(struct stats_host *h)
{
	libxl_physinfo phys;
	int rc;

	libxl_physinfo_init(&phys);
	rc = libxl_get_physinfo(daemon_ctx, &phys);
	if (rc != 0) {
		libxl_physinfo_dispose(&phys);
		return err_add_data(err_new(ERR_HYPERVISOR,
		    "cannot read host information: libxl error %d", rc),
		    "libxl_error", json_object_new_int(rc));
	}
	/* Xen's pages are 4 KiB on x86 */
	h->total_kib = phys.total_pages * 4;
	h->free_kib = phys.free_pages * 4;
	h->scrub_kib = phys.scrub_pages * 4;
	h->outstanding_kib = phys.outstanding_pages * 4;
	h->nr_cpus = phys.nr_cpus;
	/* indexed by CPU id: offline CPUs leave holes below max_cpu_id */
	stats_host_cpus(h, phys.max_cpu_id + 1);
	libxl_physinfo_dispose(&phys);
	return NULL;
}

void stats_host_dispose(struct stats_host *h)
{
	free(h->cpu_idle_ns);
	h->cpu_idle_ns = NULL;
}

static void stats_snapshot_free(struct stats_snapshot *s)
{
	if (s == NULL)
		return;
	for (unsigned i = 0; i < s->nr_domains; i++) {
		free(s->domains[i].vcpus);
		free(s->domains[i].block);
		free(s->domains[i].net);
	}
	free(s->domains);
	stats_host_dispose(&s->host);
	free(s);
}

static int64_t stats_age_ms(const struct stats_snapshot *s)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - s->taken.tv_sec) * 1000 +
	    (now.tv_nsec / 1000 - s->taken.tv_usec) / 1000;
}

struct stats_snapshot *stats_snapshot(int max_age_ms, struct err **e)
{
	struct stats_snapshot *s;
	xenstat_node *node;
	struct timespec now;

	if (stats_cached != NULL && max_age_ms > 0 &&
	    stats_age_ms(stats_cached) < max_age_ms)
		return stats_cached;
	if (stats_handle == NULL)
		stats_handle = xenstat_init();
	if (stats_handle == NULL) {
		*e = err_new(ERR_HYPERVISOR, "cannot open libxenstat");
		return NULL;
	}
	node = xenstat_get_node(stats_handle, XENSTAT_VCPU | XENSTAT_NETWORK |
	    XENSTAT_VBD);
	if (node == NULL) {
		*e = err_new(ERR_HYPERVISOR, "cannot collect statistics");
		return NULL;
	}
	s = xcalloc(1, sizeof *s);
	clock_gettime(CLOCK_MONOTONIC, &now);
	s->taken.tv_sec = now.tv_sec;
	s->taken.tv_usec = now.tv_nsec / 1000;
	*e = stats_host_read(&s->host);
	if (*e != NULL) {
		xenstat_free_node(node);
		stats_snapshot_free(s);
		return NULL;
	}
	s->nr_domains = xenstat_node_num_domains(node);
	s->domains = xcalloc(s->nr_domains + 1, sizeof *s->domains);
	for (unsigned i = 0; i < s->nr_domains; i++)
		stats_domain_fill(&s->domains[i],
		    xenstat_node_domain_by_index(node, i));
	xenstat_free_node(node);
	stats_snapshot_free(stats_cached);
	stats_cached = s;
	return s;
}

/* xenstat lists domains by ascending domid (xc_domain_getinfolist). */
struct stats_domain *stats_find(struct stats_snapshot *s, uint32_t domid)
{
	unsigned lo = 0, hi = s->nr_domains;

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;

		if (s->domains[mid].domid == domid)
			return &s->domains[mid];
		if (s->domains[mid].domid < domid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static void json_add_u64(json_object *obj, const char *key, uint64_t value)
{
	json_object_object_add(obj, key, json_object_new_int64((int64_t)value));
}

/* A value a guest or xenstore may not give: null then. */
static void json_add_known(json_object *obj, const char *key, int64_t value)
{
	json_object_object_add(obj, key,
	    value >= 0 ? json_object_new_int64(value) : NULL);
}

json_object *stats_domain_json(const struct domain *d,
    struct stats_domain *sd)
{
	json_object *obj = json_object_new_object();
	json_object *vcpus = json_object_new_array();
	json_object *block = json_object_new_array();
	json_object *net = json_object_new_array();

	stats_domain_memory(sd);
	json_object_object_add(obj, "domain", json_object_new_string(d->name));
	json_object_object_add(obj, "domid", json_object_new_int64(d->domid));
	json_add_u64(obj, "cpu_time_ns", sd->cpu_time_ns);
	json_add_u64(obj, "memory_kib", sd->memory_kib);
	json_add_u64(obj, "max_memory_kib", sd->max_memory_kib);
	json_add_known(obj, "target_memory_kib", sd->target_kib);
	json_add_known(obj, "guest_memory_total_kib", sd->guest_total_kib);
	json_add_known(obj, "guest_memory_free_kib", sd->guest_free_kib);
	for (unsigned i = 0; i < sd->nr_vcpus; i++) {
		json_object *vo = json_object_new_object();

		json_object_object_add(vo, "vcpu", json_object_new_int((int)i));
		json_object_object_add(vo, "online",
		    json_object_new_boolean(sd->vcpus[i].online));
		json_add_u64(vo, "time_ns", sd->vcpus[i].time_ns);
		json_object_array_add(vcpus, vo);
	}
	for (unsigned i = 0; i < sd->nr_block; i++) {
		const struct stats_block *b = &sd->block[i];
		json_object *bo = json_object_new_object();

		json_object_object_add(bo, "devid",
		    json_object_new_int64(b->devid));
		json_object_object_add(bo, "vdev", b->vdev[0] != '\0' ?
		    json_object_new_string(b->vdev) : NULL);
		json_add_u64(bo, "rd_reqs", b->rd_reqs);
		json_add_u64(bo, "wr_reqs", b->wr_reqs);
		json_add_u64(bo, "rd_sectors", b->rd_sectors);
		json_add_u64(bo, "wr_sectors", b->wr_sectors);
		json_add_u64(bo, "oo_reqs", b->oo_reqs);
		json_object_object_add(bo, "error",
		    json_object_new_boolean(b->error));
		json_object_array_add(block, bo);
	}
	for (unsigned i = 0; i < sd->nr_net; i++) {
		const struct stats_net *n = &sd->net[i];
		json_object *no = json_object_new_object();

		json_object_object_add(no, "devid",
		    json_object_new_int64(n->devid));
		json_add_u64(no, "rx_bytes", n->rx_bytes);
		json_add_u64(no, "rx_packets", n->rx_packets);
		json_add_u64(no, "rx_errors", n->rx_errors);
		json_add_u64(no, "rx_drops", n->rx_drops);
		json_add_u64(no, "tx_bytes", n->tx_bytes);
		json_add_u64(no, "tx_packets", n->tx_packets);
		json_add_u64(no, "tx_errors", n->tx_errors);
		json_add_u64(no, "tx_drops", n->tx_drops);
		json_object_array_add(net, no);
	}
	json_object_object_add(obj, "vcpus", vcpus);
	json_object_object_add(obj, "block", block);
	json_object_object_add(obj, "net", net);
	return obj;
}

void stats_host_json(const struct stats_host *h, json_object *obj)
{
	json_object *cpus = NULL;

	json_add_u64(obj, "scrub_memory_kib", h->scrub_kib);
	json_add_u64(obj, "outstanding_claims_kib", h->outstanding_kib);
	if (h->cpu_idle_ns != NULL) {
		cpus = json_object_new_array();
		for (unsigned i = 0; i < h->nr_cpu_idle; i++) {
			json_object *c = json_object_new_object();

			json_object_object_add(c, "cpu",
			    json_object_new_int((int)i));
			json_add_u64(c, "idle_ns", h->cpu_idle_ns[i]);
			json_object_array_add(cpus, c);
		}
	}
	json_object_object_add(obj, "cpu_times", cpus);
}

void stats_close(void)
{
	stats_snapshot_free(stats_cached);
	stats_cached = NULL;
	if (stats_handle != NULL)
		xenstat_uninit(stats_handle);
	stats_handle = NULL;
	if (stats_xc != NULL)
		xc_interface_close(stats_xc);
	stats_xc = NULL;
	if (stats_xs != NULL)
		xs_close(stats_xs);
	stats_xs = NULL;
}
