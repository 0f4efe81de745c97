/* Tuning a domain: memory, vcpus, affinity, scheduler parameters, name.
 * All synchronous in libxl except libxl_set_vcpuonline.  Changes that
 * libxl_retrieve_domain_configuration would report (memory, online vcpus,
 * name) are written into the stored configuration too. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim.h"

/* Sets config[section][key] in the stored libxl JSON. */
static void config_set(struct sim_domain *d, const char *section,
    const char *key, json_object *value)
{
	json_object *cfg = json_tokener_parse(d->config), *sec;

	if (cfg == NULL || !json_object_is_type(cfg, json_type_object)) {
		json_object_put(cfg);
		json_object_put(value);
		return;
	}
	if (!json_object_object_get_ex(cfg, section, &sec) ||
	    !json_object_is_type(sec, json_type_object)) {
		sec = json_object_new_object();
		json_object_object_add(cfg, section, sec);
	}
	json_object_object_add(sec, key, value);
	sim_domain_set_config(d, json_object_to_json_string_ext(cfg,
	    JSON_C_TO_STRING_PLAIN));
	json_object_put(cfg);
}

static struct sim_domain *guest(uint32_t domid)
{
	struct sim_domain *d = domid == 0 ? NULL : sim_domain_find(domid);

	return d != NULL && !d->dying ? d : NULL;
}

/* ---- memory ---- */

int libxl_set_memory_target(libxl_ctx *ctx, uint32_t domid,
    int64_t target_memkb, int relative, int enforce)
{
	struct sim_domain *d;
	int64_t target;
	int rc;

	if (domid == 0)
		return ERROR_INVAL;	/* dom0's memory is fixed here */
	if ((rc = sim_require_owner(domid, "set memory target")) != 0)
		return rc;
	if ((d = guest(domid)) == NULL) {
		sim_log(XTL_ERROR, ENOENT, domid, "Cannot get target memory "
		    "info from /local/domain/%u/memory/target", domid);
		return ERROR_FAIL;
	}
	target = relative ? (int64_t)d->target_memkb + target_memkb :
	    target_memkb;
	if (target < 0)
		target = 0;
	if ((uint64_t)target > d->max_memkb && !enforce) {
		sim_log(XTL_ERROR, 0, domid, "memory_dynamic_max must be less "
		    "than or equal to memory_static_max");
		return ERROR_INVAL;
	}
	if (enforce) {
		d->max_memkb = (uint64_t)target;
		config_set(d, "b_info", "max_memkb",
		    json_object_new_int64(target));
	}
	sim_domain_set_target(d, (uint64_t)target);
	config_set(d, "b_info", "target_memkb", json_object_new_int64(target));
	sim_domain_save(d);
	return 0;
}

int libxl_domain_setmaxmem(libxl_ctx *ctx, uint32_t domid, uint64_t max_memkb)
{
	struct sim_domain *d;
	int rc;

	if (domid == 0)
		return ERROR_INVAL;
	if ((rc = sim_require_owner(domid, "set maximum memory")) != 0)
		return rc;
	if ((d = guest(domid)) == NULL) {
		sim_log(XTL_ERROR, ENOENT, domid, "Cannot get memory info from "
		    "/local/domain/%u/memory/target", domid);
		return ERROR_FAIL;
	}
	if (max_memkb < d->target_memkb) {
		sim_log(XTL_ERROR, 0, domid, "memory_static_max must be greater "
		    "than or or equal to memory_dynamic_max");
		return ERROR_INVAL;
	}
	d->max_memkb = max_memkb;
	config_set(d, "b_info", "max_memkb",
	    json_object_new_int64((int64_t)max_memkb));
	sim_domain_save(d);
	return 0;
}

int libxl_get_memory_target(libxl_ctx *ctx, uint32_t domid,
    uint64_t *out_target)
{
	struct sim_domain *d;

	sim_sync();
	d = sim_domain_find(domid);

	if (d == NULL || d->dying) {
		sim_log(XTL_ERROR, ENOENT, domid, "Cannot get target memory "
		    "info from /local/domain/%u/memory/target", domid);
		return ERROR_FAIL;
	}
	*out_target = d->target_memkb;
	return 0;
}

/* libxl__domain_need_memory_calculate, simplified: the target plus the
 * paging overhead (1 MiB per vcpu, plus 1 page per MiB for HVM/PVH) and
 * libxl's constant extra. */
int libxl_domain_need_memory(libxl_ctx *ctx, libxl_domain_config *config,
    uint32_t domid_for_logging, uint64_t *need_memkb)
{
	libxl_domain_build_info *b = &config->b_info;
	uint64_t paging;
	int vcpus;

	if (b->max_memkb == LIBXL_MEMKB_DEFAULT)
		b->max_memkb = 32 * 1024;
	if (b->target_memkb == LIBXL_MEMKB_DEFAULT)
		b->target_memkb = b->max_memkb;
	vcpus = b->max_vcpus > 0 ? b->max_vcpus : 1;
	paging = 4 * (256ULL * (uint64_t)vcpus +
	    (config->c_info.type != LIBXL_DOMAIN_TYPE_PV) *
	    (b->max_memkb / 1024));
	if (b->shadow_memkb == LIBXL_MEMKB_DEFAULT)
		b->shadow_memkb = paging;
	*need_memkb = b->target_memkb + b->shadow_memkb +
	    (config->c_info.type == LIBXL_DOMAIN_TYPE_PV ? 1024 : 2048);
	return 0;
}

/* ---- vcpus ---- */

struct vcpu_request {
	uint8_t online[SIM_MAX_VCPUS / 8];
};

static void vcpuonline_done(struct sim_op *op)
{
	struct sim_domain *d = guest(op->domid);
	struct vcpu_request *req = op->data;
	json_object *avail;

	if (d == NULL) {
		sim_op_complete(op, ERROR_FAIL);
		return;
	}
	sim_domain_set_vcpus(d, req->online);
	avail = json_object_new_array();
	for (int i = 0; i < d->max_vcpus; i++)
		if (sim_domain_vcpu_online(d, i))
			json_object_array_add(avail, json_object_new_int(i));
	config_set(d, "b_info", "avail_vcpus", avail);
	sim_domain_save(d);
	sim_op_complete(op, 0);
}

static void vcpuonline_start(struct sim_op *op)
{
	sim_op_quick(op, vcpuonline_done);
}

int libxl_set_vcpuonline(libxl_ctx *ctx, uint32_t domid, libxl_bitmap *cpumap,
    const libxl_asyncop_how *ao_how)
{
	struct sim_domain *d;
	struct vcpu_request *req;
	struct sim_op *op;
	int count, rc;

	if ((rc = sim_require_owner(domid, "set vcpus")) != 0)
		return rc;
	if ((d = sim_domain_find(domid)) == NULL) {
		sim_log(XTL_ERROR, 0, domid, "Getting domain info list");
		return ERROR_DOMAIN_NOTFOUND;
	}
	if (domid == 0 || cpumap == NULL)
		return ERROR_INVAL;
	/* libxl_domain.c:1860-1873 */
	count = libxl_bitmap_count_set(cpumap);
	if (count == 0) {
		sim_log(XTL_ERROR, 0, domid, "Requested 0 VCPUs!");
		return ERROR_FAIL;
	}
	if (count > d->max_vcpus) {
		sim_log(XTL_ERROR, 0, domid, "Requested %d VCPUs, however "
		    "maxcpus is %d!", count, d->max_vcpus);
		return ERROR_FAIL;
	}
	req = calloc(1, sizeof *req);
	for (int i = 0; i < d->max_vcpus; i++)
		if (libxl_bitmap_test(cpumap, i))
			req->online[i / 8] |= 1u << (i % 8);
	SIM_ENTER();
	op = sim_op_new(ctx, "set-vcpus", domid, ao_how);
	op->data = req;
	op->free_data = free;
	rc = sim_op_launch(op, vcpuonline_start);
	SIM_LEAVE();
	return rc;
}

/* One map into out; false when it selects no cpu of the host. */
static bool affinity_map(const libxl_bitmap *map, uint8_t *out)
{
	bool any = false;

	memset(out, 0, SIM_CPUMAP_BYTES);
	for (int cpu = 0; cpu < sim_host.settings.host_cpus; cpu++) {
		if (libxl_bitmap_test(map, cpu)) {
			out[cpu / 8] |= 1u << (cpu % 8);
			any = true;
		}
	}
	return any;
}

static int set_affinity(uint32_t domid, uint32_t vcpuid,
    const libxl_bitmap *hard, const libxl_bitmap *soft)
{
	struct sim_domain *d;
	uint8_t map[SIM_CPUMAP_BYTES], soft_map[SIM_CPUMAP_BYTES];

	if ((d = sim_domain_find(domid)) == NULL || d->dying ||
	    vcpuid >= (uint32_t)d->max_vcpus) {
		sim_log(XTL_ERROR, EINVAL, domid, "Setting vcpu affinity");
		return ERROR_FAIL;
	}
	/* Xen refuses an affinity with no online cpu (EINVAL). */
	if ((hard != NULL && !affinity_map(hard, map)) ||
	    (soft != NULL && !affinity_map(soft, soft_map))) {
		sim_log(XTL_ERROR, EINVAL, domid, "Setting vcpu affinity");
		return ERROR_FAIL;
	}
	if (hard != NULL)
		memcpy(d->affinity + vcpuid * SIM_CPUMAP_BYTES, map,
		    sizeof map);
	if (soft != NULL)
		memcpy(d->soft_affinity + vcpuid * SIM_CPUMAP_BYTES, soft_map,
		    sizeof soft_map);
	if (hard != NULL || soft != NULL)
		sim_domain_save(d);
	return 0;
}

int libxl_set_vcpuaffinity(libxl_ctx *ctx, uint32_t domid, uint32_t vcpuid,
    const libxl_bitmap *cpumap_hard, const libxl_bitmap *cpumap_soft)
{
	int rc;

	if ((rc = sim_require_owner(domid, "set vcpu affinity")) != 0)
		return rc;
	return set_affinity(domid, vcpuid, cpumap_hard, cpumap_soft);
}

int libxl_set_vcpuaffinity_force(libxl_ctx *ctx, uint32_t domid,
    uint32_t vcpuid,
    const libxl_bitmap *cpumap_hard, const libxl_bitmap *cpumap_soft)
{
	return libxl_set_vcpuaffinity(ctx, domid, vcpuid, cpumap_hard,
	    cpumap_soft);
}

int libxl_set_vcpuaffinity_all(libxl_ctx *ctx, uint32_t domid,
    unsigned int max_vcpus, const libxl_bitmap *cpumap_hard,
    const libxl_bitmap *cpumap_soft)
{
	int rc = 0;

	for (unsigned i = 0; i < max_vcpus; i++) {
		if (libxl_set_vcpuaffinity(ctx, domid, i, cpumap_hard,
		    cpumap_soft) != 0) {
			sim_log(XTL_WARN, 0, domid,
			    "Failed to set affinity for %u", i);
			rc = ERROR_FAIL;
		}
	}
	return rc;
}

/* ---- scheduler: credit ---- */

int libxl_domain_sched_params_get(libxl_ctx *ctx, uint32_t domid,
    libxl_domain_sched_params *params)
{
	struct sim_domain *d;

	sim_sync();
	d = sim_domain_find(domid);

	libxl_domain_sched_params_init(params);
	if (d == NULL) {
		sim_log(XTL_ERROR, 0, domid, "Unknown scheduler");
		return ERROR_INVAL;
	}
	params->sched = LIBXL_SCHEDULER_CREDIT;
	params->weight = d->sched_weight;
	params->cap = d->sched_cap;
	return 0;
}

int libxl_domain_sched_params_set(libxl_ctx *ctx, uint32_t domid,
    const libxl_domain_sched_params *params)
{
	struct sim_domain *d;
	int rc;

	if ((rc = sim_require_owner(domid, "set scheduler parameters")) != 0)
		return rc;
	if ((d = sim_domain_find(domid)) == NULL) {
		sim_log(XTL_ERROR, 0, domid, "Unknown scheduler");
		return ERROR_INVAL;
	}
	if (params->sched != LIBXL_SCHEDULER_UNKNOWN &&
	    params->sched != LIBXL_SCHEDULER_CREDIT) {
		sim_log(XTL_ERROR, EINVAL, domid, "Setting domain sched %s",
		    libxl_scheduler_to_string(params->sched));
		return ERROR_FAIL;
	}
	/* libxl_sched.c:236-254 */
	if (params->weight != LIBXL_DOMAIN_SCHED_PARAM_WEIGHT_DEFAULT &&
	    (params->weight < 1 || params->weight > 65535)) {
		sim_log(XTL_ERROR, 0, domid, "Cpu weight out of range, valid "
		    "values are within range from 1 to 65535");
		return ERROR_INVAL;
	}
	if (params->cap != LIBXL_DOMAIN_SCHED_PARAM_CAP_DEFAULT &&
	    (params->cap < 0 || params->cap > d->max_vcpus * 100)) {
		sim_log(XTL_ERROR, 0, domid, "Cpu cap out of range, valid range "
		    "is from 0 to %d for specified number of vcpus",
		    d->max_vcpus * 100);
		return ERROR_INVAL;
	}
	if (params->weight != LIBXL_DOMAIN_SCHED_PARAM_WEIGHT_DEFAULT)
		d->sched_weight = params->weight;
	if (params->cap != LIBXL_DOMAIN_SCHED_PARAM_CAP_DEFAULT)
		d->sched_cap = params->cap;
	sim_domain_save(d);
	return 0;
}

/* ---- name ---- */

int libxl_domain_rename(libxl_ctx *ctx, uint32_t domid, const char *old_name,
    const char *new_name)
{
	struct sim_domain *d, *other;
	int rc;

	if ((rc = sim_require_owner(domid, "rename")) != 0)
		return rc;
	if ((d = sim_domain_find(domid)) == NULL || domid == 0) {
		sim_log(XTL_ERROR, ENOENT, domid, "Check old name for domain "
		    "allegedly named `%s'", old_name != NULL ? old_name : "");
		return ERROR_FAIL;
	}
	/* libxl_domain.c:59-108 */
	if (new_name == NULL) {
		sim_log(XTL_ERROR, 0, domid, "New domain name not specified");
		return ERROR_INVAL;
	}
	if (new_name[0] != '\0' && (other = sim_domain_by_name(new_name)) !=
	    NULL && other != d) {
		sim_log(XTL_ERROR, 0, domid, "Domain with name \"%s\" already "
		    "exists.", new_name);
		return ERROR_INVAL;
	}
	if (old_name != NULL && strcmp(old_name, d->name) != 0) {
		sim_log(XTL_ERROR, 0, domid, "Allegedly named `%s' is actually "
		    "named `%s' - racing ?", old_name, d->name);
		return ERROR_FAIL;
	}
	sim_domain_rename(d, new_name);
	config_set(d, "c_info", "name", json_object_new_string(new_name));
	sim_domain_save(d);
	return 0;
}

/* Keeps a shut-down domain under another name so that a new one can take
 * its place (on_*=rename-restart).  libxl renames it and moves its
 * xenstore /vm path to new_uuid, but Xen's handle, which
 * libxl_domain_info reports, keeps the old UUID (libxl_domain.c:206-264). */
int libxl_domain_preserve(libxl_ctx *ctx, uint32_t domid,
    libxl_domain_create_info *info, const char *name_suffix,
    libxl_uuid new_uuid)
{
	char *name;
	int rc;

	if (domid == 0 || info == NULL || info->name == NULL ||
	    name_suffix == NULL)
		return ERROR_INVAL;
	if (asprintf(&name, "%s%s", info->name, name_suffix) < 0)
		return ERROR_NOMEM;
	rc = libxl_domain_rename(ctx, domid, info->name, name);
	free(name);
	return rc;
}
