/* CPU pools.  Until something changes them the host has one pool, Pool-0
 * (poolid 0, credit), with every cpu; afterwards the pools are
 * sim_host.cpupools in host.json: [{"poolid","name","sched","cpus":[..]}].
 * A cpu in no pool is free (libxl_get_freecpus); cpus the host gained
 * later (sim-set host_cpus) are free too.  A domain's pool is its stored
 * configuration's c_info.poolid.
 *
 * As Xen and libxl 4.17: all synchronous; a cpu joins a pool only when
 * free; Pool-0 cannot be destroyed and keeps at least one cpu; a pool with
 * domains cannot be destroyed nor lose its last cpu; a domain moves only
 * to a pool with cpus.  Pool names are unique here (xl checks that, libxl
 * does not). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim.h"

static int host_cpus(void)
{
	return (int)sim_host.settings.host_cpus;
}

/* The pools (a new reference): the stored ones, or Pool-0 with every
 * cpu. */
static json_object *pools_view(void)
{
	json_object *pool0, *cpus, *a;

	if (sim_host.cpupools != NULL)
		return json_object_get(sim_host.cpupools);
	pool0 = json_object_new_object();
	cpus = json_object_new_array();
	for (int cpu = 0; cpu < host_cpus(); cpu++)
		json_object_array_add(cpus, json_object_new_int(cpu));
	json_object_object_add(pool0, "poolid", json_object_new_int(0));
	json_object_object_add(pool0, "name", json_object_new_string("Pool-0"));
	json_object_object_add(pool0, "sched", json_object_new_string("credit"));
	json_object_object_add(pool0, "cpus", cpus);
	a = json_object_new_array();
	json_object_array_add(a, pool0);
	return a;
}

/* The pools, made explicit: under the lock, before a change. */
static json_object *pools(void)
{
	if (sim_host.cpupools == NULL)
		sim_host.cpupools = pools_view();
	return sim_host.cpupools;
}

static json_object *pool_in(json_object *a, uint32_t poolid)
{
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		json_object *p = json_object_array_get_idx(a, i);

		if (arg_int(p, "poolid", -1) == (int64_t)poolid)
			return p;
	}
	return NULL;
}

static json_object *pool_cpus(json_object *pool)
{
	json_object *cpus;

	json_object_object_get_ex(pool, "cpus", &cpus);
	return cpus;
}

static json_object *pool_find(uint32_t poolid)
{
	return pool_in(pools(), poolid);
}

static int pool_of_cpu(json_object *a, int cpu)
{
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		json_object *p = json_object_array_get_idx(a, i);
		json_object *cpus = pool_cpus(p);

		for (size_t j = 0; j < json_object_array_length(cpus); j++)
			if (json_object_get_int(json_object_array_get_idx(cpus,
			    j)) == cpu)
				return (int)arg_int(p, "poolid", 0);
	}
	return -1;
}

static int pool_domains(uint32_t poolid)
{
	int n = 0;

	for (struct sim_domain *d = sim_domain_first(); d != NULL;
	    d = d->hh.next)
		if (d->poolid == poolid && !d->dying)
			n++;
	return n;
}

static void fill_info(libxl_ctx *ctx, libxl_cpupoolinfo *info,
    json_object *pool)
{
	json_object *cpus = pool_cpus(pool);
	libxl_scheduler sched = LIBXL_SCHEDULER_CREDIT;

	libxl_cpupoolinfo_init(info);
	info->poolid = (uint32_t)arg_int(pool, "poolid", 0);
	info->pool_name = strdup(arg_string(pool, "name"));
	libxl_scheduler_from_string(arg_string(pool, "sched"), &sched);
	info->sched = sched;
	info->n_dom = (uint32_t)pool_domains(info->poolid);
	libxl_cpu_bitmap_alloc(ctx, &info->cpumap, 0);
	for (size_t j = 0; j < json_object_array_length(cpus); j++) {
		int cpu = json_object_get_int(json_object_array_get_idx(cpus,
		    j));

		if (cpu < host_cpus())
			libxl_bitmap_set(&info->cpumap, cpu);
	}
}

/* ---- queries ---- */

libxl_cpupoolinfo *libxl_list_cpupool(libxl_ctx *ctx, int *nb_pool_out)
{
	libxl_cpupoolinfo *list;
	json_object *a;
	size_t n;

	sim_sync();
	a = pools_view();
	n = json_object_array_length(a);
	list = calloc(n + 1, sizeof *list);
	for (size_t i = 0; i < n; i++)
		fill_info(ctx, &list[i], json_object_array_get_idx(a, i));
	json_object_put(a);
	*nb_pool_out = (int)n;
	return list;
}

int libxl_cpupool_info(libxl_ctx *ctx, libxl_cpupoolinfo *info,
    uint32_t poolid)
{
	json_object *a, *pool;

	sim_sync();
	a = pools_view();
	if ((pool = pool_in(a, poolid)) == NULL) {
		json_object_put(a);
		sim_log(XTL_ERROR, ENOENT, INVALID_DOMID, "failed to get info "
		    "for cpupool%d", poolid);
		return ERROR_FAIL;
	}
	fill_info(ctx, info, pool);
	json_object_put(a);
	return 0;
}

int libxl_get_freecpus(libxl_ctx *ctx, libxl_bitmap *cpumap)
{
	json_object *a;
	int rc;

	sim_sync();
	if ((rc = libxl_cpu_bitmap_alloc(ctx, cpumap, 0)) != 0)
		return rc;
	a = pools_view();
	for (int cpu = 0; cpu < host_cpus(); cpu++)
		if (pool_of_cpu(a, cpu) < 0)
			libxl_bitmap_set(cpumap, cpu);
	json_object_put(a);
	return 0;
}

/* ---- changes: the owner's, under the lock ---- */

static int change_begin(const char *what)
{
	int rc = sim_require_owner(INVALID_DOMID, what);

	if (rc == 0)
		sim_lock();
	return rc;
}

static int change_end(int rc)
{
	if (rc == 0)
		sim_host_save();
	sim_unlock();
	return rc;
}

static int cpu_add(json_object *pool, int cpu)
{
	int owner = cpu >= 0 && cpu < host_cpus() ? pool_of_cpu(pools(), cpu) :
	    -2;

	if (owner != -1) {
		sim_log(XTL_ERROR, owner == -2 ? EINVAL : EBUSY, INVALID_DOMID,
		    "Error moving cpu %d to cpupool", cpu);
		return ERROR_FAIL;
	}
	json_object_array_add(pool_cpus(pool), json_object_new_int(cpu));
	return 0;
}

static int cpu_remove(json_object *pool, int cpu)
{
	json_object *cpus = pool_cpus(pool);
	uint32_t poolid = (uint32_t)arg_int(pool, "poolid", 0);
	size_t n = json_object_array_length(cpus);

	for (size_t j = 0; j < n; j++) {
		if (json_object_get_int(json_object_array_get_idx(cpus, j)) !=
		    cpu)
			continue;
		if (n == 1 && (poolid == 0 || pool_domains(poolid) > 0)) {
			sim_log(XTL_ERROR, EBUSY, INVALID_DOMID, "Error removing "
			    "cpu %d from cpupool", cpu);
			return ERROR_FAIL;
		}
		json_object_array_del_idx(cpus, j, 1);
		return 0;
	}
	sim_log(XTL_ERROR, EINVAL, INVALID_DOMID, "Error removing cpu %d from "
	    "cpupool", cpu);
	return ERROR_FAIL;
}

int libxl_cpupool_create(libxl_ctx *ctx, const char *name,
    libxl_scheduler sched, libxl_bitmap cpumap, libxl_uuid *uuid,
    uint32_t *poolid)
{
	json_object *a, *pool;
	uint32_t id = *poolid;
	int rc;

	if ((rc = change_begin("cpupool create")) != 0)
		return rc;
	a = pools();
	if (id == LIBXL_CPUPOOL_POOLID_ANY)
		for (id = 1; pool_find(id) != NULL; id++)
			;
	if (name == NULL || pool_find(id) != NULL ||
	    libxl_scheduler_to_string(sched) == NULL ||
	    sched == LIBXL_SCHEDULER_UNKNOWN) {
		sim_log(XTL_ERROR, EINVAL, INVALID_DOMID, "Could not create "
		    "cpupool");
		return change_end(ERROR_FAIL);
	}
	for (size_t i = 0; i < json_object_array_length(a); i++)
		if (strcmp(arg_string(json_object_array_get_idx(a, i),
		    "name"), name) == 0) {
			sim_log(XTL_ERROR, EEXIST, INVALID_DOMID, "cpupool "
			    "name %s already exists", name);
			return change_end(ERROR_FAIL);
		}
	pool = json_object_new_object();
	json_object_object_add(pool, "poolid", json_object_new_int64(id));
	json_object_object_add(pool, "name", json_object_new_string(name));
	json_object_object_add(pool, "sched",
	    json_object_new_string(libxl_scheduler_to_string(sched)));
	json_object_object_add(pool, "cpus", json_object_new_array());
	for (int cpu = 0; cpu < host_cpus(); cpu++) {
		if (!libxl_bitmap_test(&cpumap, cpu))
			continue;
		if (cpu_add(pool, cpu) != 0) {
			/* libxl destroys the half-made pool */
			json_object_put(pool);
			return change_end(ERROR_FAIL);
		}
	}
	json_object_array_add(a, pool);
	*poolid = id;
	return change_end(0);
}

int libxl_cpupool_destroy(libxl_ctx *ctx, uint32_t poolid)
{
	json_object *a;
	int rc;

	if ((rc = change_begin("cpupool destroy")) != 0)
		return rc;
	a = pools();
	if (poolid == 0 || pool_find(poolid) == NULL ||
	    pool_domains(poolid) > 0) {
		sim_log(XTL_ERROR, poolid == 0 || pool_find(poolid) == NULL ?
		    EINVAL : EBUSY, INVALID_DOMID, "Could not destroy "
		    "cpupool");
		return change_end(ERROR_FAIL);
	}
	for (size_t i = 0; i < json_object_array_length(a); i++)
		if (arg_int(json_object_array_get_idx(a, i), "poolid", -1) ==
		    (int64_t)poolid)
			json_object_array_del_idx(a, i, 1);
	return change_end(0);
}

int libxl_cpupool_rename(libxl_ctx *ctx, const char *name, uint32_t poolid)
{
	json_object *pool;
	int rc;

	if ((rc = change_begin("cpupool rename")) != 0)
		return rc;
	if (name == NULL || (pool = pool_find(poolid)) == NULL)
		return change_end(ERROR_FAIL);
	json_object_object_add(pool, "name", json_object_new_string(name));
	return change_end(0);
}

int libxl_cpupool_cpuadd(libxl_ctx *ctx, uint32_t poolid, int cpu)
{
	json_object *pool;
	int rc;

	if ((rc = change_begin("cpupool cpu add")) != 0)
		return rc;
	if ((pool = pool_find(poolid)) == NULL)
		return change_end(ERROR_FAIL);
	return change_end(cpu_add(pool, cpu));
}

int libxl_cpupool_cpuremove(libxl_ctx *ctx, uint32_t poolid, int cpu)
{
	json_object *pool;
	int rc;

	if ((rc = change_begin("cpupool cpu remove")) != 0)
		return rc;
	if ((pool = pool_find(poolid)) == NULL)
		return change_end(ERROR_FAIL);
	return change_end(cpu_remove(pool, cpu));
}

/* libxl adds or removes cpu by cpu and stops at the first failure,
 * keeping what it did. */
int libxl_cpupool_cpuadd_cpumap(libxl_ctx *ctx, uint32_t poolid,
    const libxl_bitmap *cpumap)
{
	int rc = 0;

	for (int cpu = 0; rc == 0 && cpu < host_cpus(); cpu++)
		if (libxl_bitmap_test(cpumap, cpu))
			rc = libxl_cpupool_cpuadd(ctx, poolid, cpu);
	return rc;
}

int libxl_cpupool_cpuremove_cpumap(libxl_ctx *ctx, uint32_t poolid,
    const libxl_bitmap *cpumap)
{
	int rc = 0;

	for (int cpu = 0; rc == 0 && cpu < host_cpus(); cpu++)
		if (libxl_bitmap_test(cpumap, cpu))
			rc = libxl_cpupool_cpuremove(ctx, poolid, cpu);
	return rc;
}

int libxl_cpupool_movedomain(libxl_ctx *ctx, uint32_t poolid, uint32_t domid)
{
	struct sim_domain *d;
	json_object *pool, *cfg, *c_info;
	int rc;

	if ((rc = change_begin("cpupool move domain")) != 0)
		return rc;
	d = domid == 0 ? NULL : sim_domain_find(domid);
	pool = pool_find(poolid);
	if (d == NULL || d->dying || pool == NULL ||
	    json_object_array_length(pool_cpus(pool)) == 0 ||
	    (cfg = json_tokener_parse(d->config)) == NULL) {
		sim_log(XTL_ERROR, EINVAL, domid, "Error moving domain to "
		    "cpupool");
		return change_end(ERROR_FAIL);
	}
	if (!json_object_object_get_ex(cfg, "c_info", &c_info) ||
	    !json_object_is_type(c_info, json_type_object)) {
		c_info = json_object_new_object();
		json_object_object_add(cfg, "c_info", c_info);
	}
	json_object_object_add(c_info, "poolid", json_object_new_int64(poolid));
	json_object_object_add(c_info, "pool_name",
	    json_object_new_string(arg_string(pool, "name")));
	sim_domain_set_config(d, json_object_to_json_string_ext(cfg,
	    JSON_C_TO_STRING_PLAIN));
	json_object_put(cfg);
	sim_domain_save(d);
	return change_end(0);
}

/* ---- creation, and libxl_utils.c's lookups ---- */

int sim_cpupool_check_config(const char *config_json)
{
	json_object *cfg = json_tokener_parse(config_json), *c_info, *a;
	uint32_t poolid = 0;
	int rc = 0;

	if (cfg != NULL && json_object_object_get_ex(cfg, "c_info", &c_info))
		poolid = (uint32_t)arg_int(c_info, "poolid", 0);
	json_object_put(cfg);
	a = pools_view();
	if (pool_in(a, poolid) == NULL) {
		/* Xen: XEN_DOMCTL_createdomain fails, ENOENT */
		sim_log(XTL_ERROR, ENOENT, INVALID_DOMID, "domain creation "
		    "fail: no cpupool %u", poolid);
		rc = ERROR_FAIL;
	}
	json_object_put(a);
	return rc;
}

int libxl_name_to_cpupoolid(libxl_ctx *ctx, const char *name,
    uint32_t *poolid)
{
	json_object *a;
	int rc = ERROR_INVAL;

	sim_sync();
	a = pools_view();
	for (size_t i = 0; name != NULL && i < json_object_array_length(a);
	    i++) {
		json_object *p = json_object_array_get_idx(a, i);

		if (strcmp(arg_string(p, "name"), name) == 0) {
			if (poolid != NULL)
				*poolid = (uint32_t)arg_int(p, "poolid", 0);
			rc = 0;
		}
	}
	json_object_put(a);
	return rc;
}

char *libxl_cpupoolid_to_name(libxl_ctx *ctx, uint32_t poolid)
{
	json_object *a, *p;
	char *name = NULL;

	sim_sync();
	a = pools_view();
	if ((p = pool_in(a, poolid)) != NULL)
		name = strdup(arg_string(p, "name"));
	json_object_put(a);
	return name;
}

int libxl_cpupoolid_is_valid(libxl_ctx *ctx, uint32_t poolid)
{
	char *name = libxl_cpupoolid_to_name(ctx, poolid);

	free(name);
	return name != NULL;
}

/* xl's "name or number" (libxl_utils.c:115-130). */
int libxl_cpupool_qualifier_to_cpupoolid(libxl_ctx *ctx, const char *p,
    uint32_t *poolid_r, int *was_name_r)
{
	char *end;
	unsigned long id = strtoul(p, &end, 10);
	bool was_name = end == p || *end != '\0';

	if (was_name_r != NULL)
		*was_name_r = was_name;
	if (!was_name) {
		*poolid_r = (uint32_t)id;
		return 0;
	}
	return libxl_name_to_cpupoolid(ctx, p, poolid_r);
}
