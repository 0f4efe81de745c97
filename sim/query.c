/* Queries: the host (version, physinfo, NUMA, topology, memory) and the
 * domains (list, info, names, vcpus).  libxl_domain_info is a hash lookup
 * (after sim_sync, one memory load when no other process changed the
 * host): it is called at high rates. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "sim/sim.h"

#define CPU_KHZ		2400000

static int host_cpus(void)
{
	sim_state_load();
	return (int)sim_host.settings.host_cpus;
}

/* cpus [0, n/2) on node 0, the rest on node 1; one socket per node. */
static int cpu_node(int cpu)
{
	return cpu < (host_cpus() + 1) / 2 ? 0 : 1;
}

const libxl_version_info *libxl_get_version_info(libxl_ctx *ctx)
{
	static libxl_version_info info;

	if (info.xen_version_extra == NULL) {
		info.xen_version_major = 4;
		info.xen_version_minor = 17;
		info.xen_version_extra = strdup(".0-sim");
		info.compiler = strdup("gcc (libxenlight-sim)");
		info.compile_by = strdup("xenlightd");
		info.compile_domain = strdup("sim");
		info.compile_date = strdup("Thu Jan  1 00:00:00 UTC 1970");
		info.capabilities = strdup("xen-3.0-x86_64 hvm-3.0-x86_64");
		info.changeset = strdup("");
		info.virt_start = 0xffff800000000000ULL;
		info.pagesize = 4096;
		info.commandline = strdup("");
		info.build_id = strdup("");
	}
	return &info;
}

int libxl_get_physinfo(libxl_ctx *ctx, libxl_physinfo *physinfo)
{
	int cpus;

	sim_sync();
	cpus = host_cpus();

	physinfo->threads_per_core = 1;
	physinfo->cores_per_socket = (uint32_t)(cpus + 1) / 2;
	physinfo->max_cpu_id = (uint32_t)cpus - 1;
	physinfo->nr_cpus = (uint32_t)cpus;
	physinfo->cpu_khz = CPU_KHZ;
	physinfo->total_pages = sim_host_memkb() / 4;
	physinfo->free_pages = sim_free_memkb() / 4;
	physinfo->scrub_pages = 0;
	physinfo->outstanding_pages = 0;
	physinfo->sharing_freed_pages = 0;
	physinfo->sharing_used_frames = 0;
	physinfo->max_possible_mfn = physinfo->total_pages;
	physinfo->nr_nodes = SIM_NODES;
	memset(physinfo->hw_cap, 0, sizeof physinfo->hw_cap);
	physinfo->cap_hvm = true;
	physinfo->cap_pv = true;
	physinfo->cap_hvm_directio = false;
	physinfo->cap_hap = true;
	physinfo->cap_shadow = true;
	physinfo->cap_iommu_hap_pt_share = false;
	physinfo->cap_vmtrace = false;
	physinfo->cap_vpmu = false;
	physinfo->cap_gnttab_v1 = true;
	physinfo->cap_gnttab_v2 = false;
	return 0;
}

int libxl_get_max_cpus(libxl_ctx *ctx)
{
	return host_cpus();
}

int libxl_get_online_cpus(libxl_ctx *ctx)
{
	return host_cpus();
}

int libxl_get_max_nodes(libxl_ctx *ctx)
{
	return SIM_NODES;
}

int libxl_get_free_memory(libxl_ctx *ctx, uint64_t *memkb)
{
	sim_sync();
	*memkb = sim_free_memkb();
	return 0;
}

int libxl_get_scheduler(libxl_ctx *ctx)
{
	return LIBXL_SCHEDULER_CREDIT;
}

/* Memory is split evenly between the nodes; so is what is in use. */
libxl_numainfo *libxl_get_numainfo(libxl_ctx *ctx, int *nr)
{
	libxl_numainfo *info = calloc(SIM_NODES, sizeof *info);
	uint64_t size, free_bytes;

	sim_sync();
	size = sim_host_memkb() * 1024 / SIM_NODES;
	free_bytes = sim_free_memkb() * 1024 / SIM_NODES;

	for (int i = 0; i < SIM_NODES; i++) {
		info[i].size = size;
		info[i].free = free_bytes;
		info[i].num_dists = SIM_NODES;
		info[i].dists = calloc(SIM_NODES, sizeof(uint32_t));
		for (int j = 0; j < SIM_NODES; j++)
			info[i].dists[j] = i == j ? 10 : 20;
	}
	*nr = SIM_NODES;
	return info;
}

libxl_cputopology *libxl_get_cpu_topology(libxl_ctx *ctx, int *nb_cpu_out)
{
	int cpus = host_cpus(), per_socket = (cpus + 1) / 2;
	libxl_cputopology *topo = calloc(cpus, sizeof *topo);

	for (int i = 0; i < cpus; i++) {
		topo[i].node = (uint32_t)cpu_node(i);
		topo[i].socket = topo[i].node;
		topo[i].core = (uint32_t)(i % per_socket);
	}
	*nb_cpu_out = cpus;
	return topo;
}

/* ---- domains ---- */

static void fill_dominfo(libxl_dominfo *info, const struct sim_domain *d,
    int64_t now)
{
	memset(info, 0, sizeof *info);
	info->uuid = d->uuid;
	info->domid = d->domid;
	info->ssid_label = NULL;	/* no XSM policy */
	info->dying = d->dying;
	info->shutdown = d->shutdown;
	info->paused = d->pause_count > 0;
	info->running = sim_domain_running(d);
	info->blocked = false;
	info->never_stop = false;
	info->shutdown_reason = d->shutdown ? d->shutdown_reason :
	    LIBXL_SHUTDOWN_REASON_UNKNOWN;
	info->current_memkb = d->target_memkb;
	info->max_memkb = d->max_memkb;
	info->cpu_time = sim_domain_cpu_ns(d, now);
	info->vcpu_max_id = (uint32_t)d->max_vcpus - 1;
	info->vcpu_online = (uint32_t)sim_domain_online_count(d);
	info->cpupool = d->poolid;
	info->gpaddr_bits = 52;
	/* Xen flags PVH guests as HVM (libxl_domain.c:308). */
	info->domain_type = d->type == LIBXL_DOMAIN_TYPE_PV ?
	    LIBXL_DOMAIN_TYPE_PV : LIBXL_DOMAIN_TYPE_HVM;
}

int libxl_domain_info(libxl_ctx *ctx, libxl_dominfo *info_r, uint32_t domid)
{
	struct sim_domain *d;

	sim_sync();
	d = sim_domain_find(domid);

	if (d == NULL)
		return ERROR_DOMAIN_NOTFOUND;
	if (info_r != NULL)
		fill_dominfo(info_r, d, sim_now_ms());
	return 0;
}

libxl_dominfo *libxl_list_domain(libxl_ctx *ctx, int *nb_domain_out)
{
	int n, i = 0;
	libxl_dominfo *list;
	int64_t now = sim_now_ms();

	sim_sync();
	n = sim_domain_count();
	list = calloc(n > 0 ? n : 1, sizeof *list);

	for (struct sim_domain *d = sim_domain_first(); d != NULL;
	    d = d->hh.next) {
		if (d->pending_reason >= 0)
			sim_domain_refresh(d, now);
		fill_dominfo(&list[i++], d, now);
	}
	*nb_domain_out = i;
	return list;
}

char *libxl_domid_to_name(libxl_ctx *ctx, uint32_t domid)
{
	struct sim_domain *d;

	sim_sync();
	d = sim_domain_find(domid);

	return d != NULL ? strdup(d->name) : NULL;
}

int libxl_name_to_domid(libxl_ctx *ctx, const char *name, uint32_t *domid)
{
	struct sim_domain *d;

	sim_sync();
	d = sim_domain_by_name(name);

	if (d == NULL)
		return ERROR_INVAL;	/* libxl_utils.c:69 */
	*domid = d->domid;
	return 0;
}

libxl_vcpuinfo *libxl_list_vcpu(libxl_ctx *ctx, uint32_t domid, int *nb_vcpu,
    int *nr_cpus_out)
{
	struct sim_domain *d;
	int cpus = host_cpus();
	int64_t now = sim_now_ms();
	libxl_vcpuinfo *list;

	sim_sync();
	d = sim_domain_find(domid);

	if (d == NULL) {
		sim_log(XTL_ERROR, 0, domid, "Getting infolist");
		return NULL;
	}
	list = calloc(d->max_vcpus, sizeof *list);
	for (int i = 0; i < d->max_vcpus; i++) {
		libxl_vcpuinfo *v = &list[i];
		const uint8_t *map = d->affinity + i * SIM_CPUMAP_BYTES;
		const uint8_t *soft = d->soft_affinity + i * SIM_CPUMAP_BYTES;
		bool online = sim_domain_vcpu_online(d, i);
		int first = -1, placed = 0;

		libxl_vcpuinfo_init(v);
		v->vcpuid = (uint32_t)i;
		v->online = online;
		v->running = online && sim_domain_running(d);
		v->blocked = online && !v->running;
		v->vcpu_time = sim_domain_vcpu_ns(d, i, now);
		libxl_cpu_bitmap_alloc(ctx, &v->cpumap, 0);
		libxl_cpu_bitmap_alloc(ctx, &v->cpumap_soft, 0);
		for (int cpu = 0; cpu < cpus; cpu++) {
			if (soft[cpu / 8] & (1u << (cpu % 8)))
				libxl_bitmap_set(&v->cpumap_soft, cpu);
			if (map[cpu / 8] & (1u << (cpu % 8))) {
				libxl_bitmap_set(&v->cpumap, cpu);
				if (first < 0)
					first = cpu;
				placed++;
			}
		}
		/* Spread vcpus over their affinity. */
		v->cpu = placed > 0 ? (uint32_t)(first + (i % placed)) : 0;
		while (placed > 0 && !(map[v->cpu / 8] & (1u << (v->cpu % 8))))
			v->cpu = (v->cpu + 1) % (uint32_t)cpus;
	}
	*nb_vcpu = d->max_vcpus;
	*nr_cpus_out = cpus;
	return list;
}
