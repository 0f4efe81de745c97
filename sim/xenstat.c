/* libxenstat, simulated: the whole API over the simulator's own opaque
 * structs (a real xenstat function given one of these would misread it,
 * so every function of xenstat.h is here).  A node is a snapshot.
 * Counters grow with the domain's running time, deterministically:
 *   vbd i      rd_reqs = run_ms * (i + 1) / 20,
 *              wr_reqs = run_ms * (i + 1) / 40, 8 sectors per request
 *   network i  the guest receives 150 * (i + 1) bytes per ms and sends half
 *              that; like real xenstat (dom0's vif counters) rbytes is what
 *              the guest sent and tbytes what it received
 *              packets = bytes / 1000 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <xenstat.h>

#include "sim/sim.h"

struct xenstat_handle {
	int unused;
};

struct xenstat_vcpu {
	unsigned int online;
	unsigned long long ns;
};

struct xenstat_network {
	unsigned int id;
	unsigned long long rbytes, rpackets, rerrs, rdrop;
	unsigned long long tbytes, tpackets, terrs, tdrop;
};

struct xenstat_vbd {
	unsigned int back_type;
	unsigned int dev;
	unsigned long long oo_reqs, rd_reqs, wr_reqs, rd_sects, wr_sects;
};

struct xenstat_domain {
	unsigned int id;
	char *name;
	unsigned long long cpu_ns;
	unsigned long long cur_mem, max_mem;
	unsigned int ssid;
	bool dying, crashed, shutdown, paused, blocked, running;
	unsigned int num_vcpus;
	struct xenstat_vcpu *vcpus;
	unsigned int num_networks;
	struct xenstat_network *networks;
	unsigned int num_vbds;
	struct xenstat_vbd *vbds;
};

struct xenstat_node {
	unsigned int flags;
	unsigned int num_cpus;
	unsigned long long cpu_hz;
	unsigned long long tot_mem, free_mem;
	unsigned int num_domains;
	struct xenstat_domain *domains;
};

xenstat_handle *xenstat_init(void)
{
	sim_state_load();
	return calloc(1, sizeof(xenstat_handle));
}

void xenstat_uninit(xenstat_handle *handle)
{
	free(handle);
}

static void fill_domain(struct xenstat_domain *x, const struct sim_domain *d,
    unsigned int flags, int64_t now)
{
	uint64_t run = sim_domain_run_ms(d, now);

	x->id = d->domid;
	x->name = strdup(d->name);
	x->cpu_ns = sim_domain_cpu_ns(d, now);
	x->cur_mem = d->target_memkb * 1024;
	x->max_mem = d->max_memkb * 1024;
	x->dying = d->dying;
	x->shutdown = d->shutdown;
	x->crashed = d->shutdown &&
	    d->shutdown_reason == LIBXL_SHUTDOWN_REASON_CRASH;
	x->paused = d->pause_count > 0;
	x->running = sim_domain_running(d);
	x->num_vcpus = (unsigned)d->max_vcpus;
	if (flags & XENSTAT_VCPU) {
		x->vcpus = calloc(d->max_vcpus, sizeof *x->vcpus);
		for (int i = 0; i < d->max_vcpus; i++) {
			x->vcpus[i].online = sim_domain_vcpu_online(d, i);
			x->vcpus[i].ns = sim_domain_vcpu_ns(d, i, now);
		}
	}
	if ((flags & XENSTAT_NETWORK) && d->num_nics > 0) {
		x->num_networks = (unsigned)d->num_nics;
		x->networks = calloc(d->num_nics, sizeof *x->networks);
		for (int i = 0; i < d->num_nics; i++) {
			struct xenstat_network *n = &x->networks[i];
			uint64_t guest_rx = run * 150 * (uint64_t)(i + 1);
			uint64_t guest_tx = guest_rx / 2;

			n->id = (unsigned)d->nic_devids[i];
			n->rbytes = guest_tx;
			n->rpackets = guest_tx / 1000;
			n->tbytes = guest_rx;
			n->tpackets = guest_rx / 1000;
		}
	}
	if ((flags & XENSTAT_VBD) && d->num_disks > 0) {
		x->num_vbds = (unsigned)d->num_disks;
		x->vbds = calloc(d->num_disks, sizeof *x->vbds);
		for (int i = 0; i < d->num_disks; i++) {
			struct xenstat_vbd *v = &x->vbds[i];

			v->back_type = 1;	/* vbd */
			v->dev = (unsigned)d->disk_devids[i];
			v->rd_reqs = run * (uint64_t)(i + 1) / 20;
			v->wr_reqs = run * (uint64_t)(i + 1) / 40;
			v->rd_sects = v->rd_reqs * 8;
			v->wr_sects = v->wr_reqs * 8;
		}
	}
}

xenstat_node *xenstat_get_node(xenstat_handle *handle, unsigned int flags)
{
	xenstat_node *node = calloc(1, sizeof *node);
	int64_t now = sim_now_ms();
	unsigned i = 0;

	sim_sync();
	node->flags = flags;
	node->num_cpus = (unsigned)sim_host.settings.host_cpus;
	node->cpu_hz = 2400000000ULL;
	node->tot_mem = sim_host_memkb() * 1024;
	node->free_mem = sim_free_memkb() * 1024;
	node->domains = calloc(sim_domain_count() + 1, sizeof *node->domains);
	for (struct sim_domain *d = sim_domain_first(); d != NULL;
	    d = d->hh.next) {
		if (d->pending_reason >= 0)
			sim_domain_refresh(d, now);
		fill_domain(&node->domains[i++], d, flags, now);
	}
	node->num_domains = i;
	return node;
}

void xenstat_free_node(xenstat_node *node)
{
	if (node == NULL)
		return;
	for (unsigned i = 0; i < node->num_domains; i++) {
		free(node->domains[i].name);
		free(node->domains[i].vcpus);
		free(node->domains[i].networks);
		free(node->domains[i].vbds);
	}
	free(node->domains);
	free(node);
}

/* Domains are in ascending domid order. */
xenstat_domain *xenstat_node_domain(xenstat_node *node, unsigned int domid)
{
	unsigned lo = 0, hi = node->num_domains;

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;

		if (node->domains[mid].id == domid)
			return &node->domains[mid];
		if (node->domains[mid].id < domid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

xenstat_domain *xenstat_node_domain_by_index(xenstat_node *node, unsigned index)
{
	return index < node->num_domains ? &node->domains[index] : NULL;
}

const char *xenstat_node_xen_version(xenstat_node *node)
{
	return "4.17.0-sim";
}

unsigned long long xenstat_node_tot_mem(xenstat_node *node)
{
	return node->tot_mem;
}

unsigned long long xenstat_node_free_mem(xenstat_node *node)
{
	return node->free_mem;
}

long xenstat_node_freeable_mb(xenstat_node *node)
{
	return 0;
}

unsigned int xenstat_node_num_domains(xenstat_node *node)
{
	return node->num_domains;
}

unsigned int xenstat_node_num_cpus(xenstat_node *node)
{
	return node->num_cpus;
}

unsigned long long xenstat_node_cpu_hz(xenstat_node *node)
{
	return node->cpu_hz;
}

unsigned xenstat_domain_id(xenstat_domain *domain)
{
	return domain->id;
}

char *xenstat_domain_name(xenstat_domain *domain)
{
	return domain->name;
}

unsigned long long xenstat_domain_cpu_ns(xenstat_domain *domain)
{
	return domain->cpu_ns;
}

unsigned int xenstat_domain_num_vcpus(xenstat_domain *domain)
{
	return domain->num_vcpus;
}

xenstat_vcpu *xenstat_domain_vcpu(xenstat_domain *domain, unsigned int vcpu)
{
	if (domain->vcpus == NULL || vcpu >= domain->num_vcpus)
		return NULL;
	return &domain->vcpus[vcpu];
}

unsigned long long xenstat_domain_cur_mem(xenstat_domain *domain)
{
	return domain->cur_mem;
}

unsigned long long xenstat_domain_max_mem(xenstat_domain *domain)
{
	return domain->max_mem;
}

unsigned int xenstat_domain_ssid(xenstat_domain *domain)
{
	return domain->ssid;
}

unsigned int xenstat_domain_dying(xenstat_domain *domain)
{
	return domain->dying;
}

unsigned int xenstat_domain_crashed(xenstat_domain *domain)
{
	return domain->crashed;
}

unsigned int xenstat_domain_shutdown(xenstat_domain *domain)
{
	return domain->shutdown;
}

unsigned int xenstat_domain_paused(xenstat_domain *domain)
{
	return domain->paused;
}

unsigned int xenstat_domain_blocked(xenstat_domain *domain)
{
	return domain->blocked;
}

unsigned int xenstat_domain_running(xenstat_domain *domain)
{
	return domain->running;
}

unsigned int xenstat_domain_num_networks(xenstat_domain *domain)
{
	return domain->num_networks;
}

xenstat_network *xenstat_domain_network(xenstat_domain *domain,
    unsigned int network)
{
	return network < domain->num_networks ?
	    &domain->networks[network] : NULL;
}

unsigned int xenstat_domain_num_vbds(xenstat_domain *domain)
{
	return domain->num_vbds;
}

xenstat_vbd *xenstat_domain_vbd(xenstat_domain *domain, unsigned int vbd)
{
	return vbd < domain->num_vbds ? &domain->vbds[vbd] : NULL;
}

unsigned int xenstat_vcpu_online(xenstat_vcpu *vcpu)
{
	return vcpu->online;
}

unsigned long long xenstat_vcpu_ns(xenstat_vcpu *vcpu)
{
	return vcpu->ns;
}

unsigned int xenstat_network_id(xenstat_network *network)
{
	return network->id;
}

unsigned long long xenstat_network_rbytes(xenstat_network *network)
{
	return network->rbytes;
}

unsigned long long xenstat_network_rpackets(xenstat_network *network)
{
	return network->rpackets;
}

unsigned long long xenstat_network_rerrs(xenstat_network *network)
{
	return network->rerrs;
}

unsigned long long xenstat_network_rdrop(xenstat_network *network)
{
	return network->rdrop;
}

unsigned long long xenstat_network_tbytes(xenstat_network *network)
{
	return network->tbytes;
}

unsigned long long xenstat_network_tpackets(xenstat_network *network)
{
	return network->tpackets;
}

unsigned long long xenstat_network_terrs(xenstat_network *network)
{
	return network->terrs;
}

unsigned long long xenstat_network_tdrop(xenstat_network *network)
{
	return network->tdrop;
}

unsigned int xenstat_vbd_type(xenstat_vbd *vbd)
{
	return vbd->back_type;
}

unsigned int xenstat_vbd_dev(xenstat_vbd *vbd)
{
	return vbd->dev;
}

unsigned long long xenstat_vbd_oo_reqs(xenstat_vbd *vbd)
{
	return vbd->oo_reqs;
}

unsigned long long xenstat_vbd_rd_reqs(xenstat_vbd *vbd)
{
	return vbd->rd_reqs;
}

unsigned long long xenstat_vbd_wr_reqs(xenstat_vbd *vbd)
{
	return vbd->wr_reqs;
}

unsigned long long xenstat_vbd_rd_sects(xenstat_vbd *vbd)
{
	return vbd->rd_sects;
}

unsigned long long xenstat_vbd_wr_sects(xenstat_vbd *vbd)
{
	return vbd->wr_sects;
}

bool xenstat_vbd_error(xenstat_vbd *vbd)
{
	return false;
}
