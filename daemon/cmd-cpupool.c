/* CPU pools: cpupool-list; cpupool-create, -destroy, -cpu-add, -cpu-remove
 * (jobs without a domain); cpupool-migrate (a job holding the domain's
 * lock).  libxl's pool calls are synchronous hypercalls and xenstore
 * writes that wait for nothing (no ao, no child, no guest), so they run on
 * the loop, from the job's start.  What Xen would refuse (a busy cpu, a
 * pool with domains, the last cpu of a pool that runs domains) is checked
 * first, so that the error says why and nothing changes. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/command.h"
#include "daemon/cpu-set.h"
#include "daemon/daemon.h"
#include "daemon/domain.h"
#include "daemon/job.h"
#include "daemon/log.h"
#include "daemon/request.h"
#include "proto/mem.h"

static const char *const pool_schedulers[] = {
	"credit", "credit2", "rtds", "arinc653", "null", NULL
};

struct pool_job {
	char *name;			/* create */
	libxl_scheduler sched;
	uint32_t poolid;		/* the others */
	libxl_bitmap cpus;
};

static void pool_job_free(void *data)
{
	struct pool_job *pj = data;

	free(pj->name);
	libxl_bitmap_dispose(&pj->cpus);
	free(pj);
}

static struct pool_job *pool_job_new(void)
{
	struct pool_job *pj = xcalloc(1, sizeof *pj);

	libxl_bitmap_init(&pj->cpus);
	return pj;
}

static int host_cpus(void)
{
	int n = libxl_get_max_cpus(daemon_ctx);

	return n > 0 ? n : 1;
}

/* A pool by name or decimal id, into info (disposed of by the caller). */
static struct err *pool_find(const char *text, libxl_cpupoolinfo *info)
{
	libxl_cpupoolinfo *pools;
	int n = 0, found = -1;
	char *end;
	unsigned long id = strtoul(text, &end, 10);
	bool numeric = end != text && *end == '\0';

	pools = libxl_list_cpupool(daemon_ctx, &n);
	for (int i = 0; i < n && found < 0; i++)
		if ((numeric && pools[i].poolid == id) ||
		    (pools[i].pool_name != NULL &&
		    strcmp(pools[i].pool_name, text) == 0))
			found = i;
	if (found >= 0)
		libxl_cpupoolinfo_copy(daemon_ctx, info, &pools[found]);
	if (pools != NULL)
		libxl_cpupoolinfo_list_free(pools, n);
	if (found < 0)
		return err_new(ERR_INVALID_ARGUMENT, "no CPU pool '%s'", text);
	return NULL;
}

/* The name of the pool that has cpu, or NULL (free). */
static char *pool_of_cpu(int cpu)
{
	libxl_cpupoolinfo *pools;
	char *name = NULL;
	int n = 0;

	pools = libxl_list_cpupool(daemon_ctx, &n);
	for (int i = 0; i < n && name == NULL; i++)
		if (libxl_bitmap_test(&pools[i].cpumap, cpu))
			name = xstrdup(pools[i].pool_name != NULL ?
			    pools[i].pool_name : "?");
	if (pools != NULL)
		libxl_cpupoolinfo_list_free(pools, n);
	return name;
}

/* Every cpu of map is free: in no pool. */
static struct err *cpus_free(const libxl_bitmap *map)
{
	for (int cpu = 0; cpu < host_cpus(); cpu++) {
		char *owner;
		struct err *e;

		if (!libxl_bitmap_test(map, cpu) ||
		    (owner = pool_of_cpu(cpu)) == NULL)
			continue;
		e = err_new(ERR_OPERATION_INVALID, "cpu %d is in CPU pool "
		    "'%s' (remove it from there first)", cpu, owner);
		free(owner);
		return e;
	}
	return NULL;
}

static struct err *cpus_parse(const char *text, libxl_bitmap *map)
{
	struct err *e = cpu_set_parse(daemon_ctx, text, map);

	return e != NULL ? err_prefix(e, "argument 'cpus': ") : NULL;
}

static json_object *pool_json(libxl_cpupoolinfo *pool,
    const libxl_dominfo *doms, int ndoms)
{
	json_object *obj = json_object_new_object(), *names, *cpus;
	char *set = cpu_set_format(&pool->cpumap, host_cpus());
	int count = 0;

	cpus = json_object_new_array();
	for (int cpu = 0; cpu < host_cpus(); cpu++)
		if (libxl_bitmap_test(&pool->cpumap, cpu)) {
			json_object_array_add(cpus, json_object_new_int(cpu));
			count++;
		}
	names = json_object_new_array();
	for (int i = 0; i < ndoms; i++) {
		struct domain *d;

		if (doms[i].cpupool != pool->poolid)
			continue;
		d = domain_find_domid(doms[i].domid);
		json_object_array_add(names, d != NULL ?
		    json_object_new_string(d->name) :
		    json_object_new_int64(doms[i].domid));
	}
	json_object_object_add(obj, "poolid", json_object_new_int64(
	    pool->poolid));
	json_object_object_add(obj, "name", json_object_new_string(
	    pool->pool_name != NULL ? pool->pool_name : ""));
	json_object_object_add(obj, "sched", json_object_new_string(
	    libxl_scheduler_to_string(pool->sched) != NULL ?
	    libxl_scheduler_to_string(pool->sched) : "unknown"));
	json_object_object_add(obj, "cpus", json_object_new_string(set));
	json_object_object_add(obj, "cpu_list", cpus);
	json_object_object_add(obj, "cpu_count", json_object_new_int(count));
	json_object_object_add(obj, "domains", names);
	free(set);
	return obj;
}

/* ------------------------------------------------------------------------
 * cpupool-list */

static const struct arg_spec list_args[] = {
	{ "pool", ARG_STRING, false, 0, 64, NULL, "only this pool (name or id)" },
	ARG_END
};

static void cmd_cpupool_list_run(struct request *req)
{
	const char *only = arg_string(req->args, "pool");
	libxl_cpupoolinfo *pools, one;
	libxl_dominfo *doms;
	json_object *arr = json_object_new_array();
	int n = 0, ndoms = 0;
	struct err *e;

	libxl_cpupoolinfo_init(&one);
	if (only != NULL && (e = pool_find(only, &one)) != NULL) {
		json_object_put(arr);
		request_fail(req, e);
		return;
	}
	doms = libxl_list_domain(daemon_ctx, &ndoms);
	pools = libxl_list_cpupool(daemon_ctx, &n);
	for (int i = 0; i < n; i++)
		if (only == NULL || pools[i].poolid == one.poolid)
			json_object_array_add(arr, pool_json(&pools[i], doms,
			    ndoms));
	if (pools != NULL)
		libxl_cpupoolinfo_list_free(pools, n);
	if (doms != NULL)
		libxl_dominfo_list_free(doms, ndoms);
	libxl_cpupoolinfo_dispose(&one);
	request_reply(req, arr);
}

const struct command cmd_cpupool_list = {
	.name = "cpupool-list",
	.kind = COMMAND_QUERY,
	.args = list_args,
	.run = cmd_cpupool_list_run,
	.help = "the host's CPU pools: cpus, scheduler, domains",
};

/* ------------------------------------------------------------------------
 * The changes */

/* The result of a pool change: the pool as it is now. */
static void pool_done(struct job *job, uint32_t poolid, int rc,
    const char *what)
{
	libxl_cpupoolinfo info;

	if (rc != 0) {
		job_fail(job, job_libxl_error(job, rc, what));
		return;
	}
	libxl_cpupoolinfo_init(&info);
	if (libxl_cpupool_info(daemon_ctx, &info, poolid) != 0) {
		json_object *ret = json_object_new_object();

		json_object_object_add(ret, "poolid",
		    json_object_new_int64(poolid));
		job_complete(job, ret);
	} else {
		job_complete(job, pool_json(&info, NULL, 0));
	}
	libxl_cpupoolinfo_dispose(&info);
}

static void create_start(struct job *job)
{
	struct pool_job *pj = job->data;
	libxl_cpupoolinfo other;
	libxl_uuid uuid;
	uint32_t poolid = LIBXL_CPUPOOL_POOLID_ANY;
	struct err *e;
	int rc;

	libxl_cpupoolinfo_init(&other);
	e = pool_find(pj->name, &other);
	libxl_cpupoolinfo_dispose(&other);
	if (e == NULL) {
		job_fail(job, err_new(ERR_INVALID_ARGUMENT, "a CPU pool named "
		    "'%s' exists", pj->name));
		return;
	}
	err_free(e);
	if ((e = cpus_free(&pj->cpus)) != NULL) {
		job_fail(job, e);
		return;
	}
	libxl_uuid_generate(&uuid);
	rc = libxl_cpupool_create(daemon_ctx, pj->name, pj->sched, pj->cpus,
	    &uuid, &poolid);
	if (rc == 0)
		log_info("CPU pool %s created (id %u)", pj->name, poolid);
	pool_done(job, poolid, rc, "creating the CPU pool");
}

static const struct arg_spec create_args[] = {
	{ "name", ARG_NAME, true, 0, 0, NULL, "the new pool's name" },
	{ "sched", ARG_ENUM, false, 0, 0, pool_schedulers,
	  "its scheduler (default: the host's)" },
	{ "cpus", ARG_STRING, true, 0, 4096, NULL,
	  "its cpus, free ones, in xl's syntax: \"2-3\", \"4,6\"" },
	ARG_END
};

static void cmd_cpupool_create_run(struct request *req)
{
	struct pool_job *pj = pool_job_new();
	const char *sched = arg_string(req->args, "sched");
	struct err *e;

	pj->name = xstrdup(arg_string(req->args, "name"));
	pj->sched = (libxl_scheduler)libxl_get_scheduler(daemon_ctx);
	if (sched != NULL)
		libxl_scheduler_from_string(sched, &pj->sched);
	if ((e = cpus_parse(arg_string(req->args, "cpus"), &pj->cpus)) !=
	    NULL) {
		pool_job_free(pj);
		request_fail(req, e);
		return;
	}
	request_submit(req, pj);
}

const struct command cmd_cpupool_create = {
	.name = "cpupool-create",
	.kind = COMMAND_MODIFY,
	.args = create_args,
	.run = cmd_cpupool_create_run,
	.help = "create a CPU pool from free cpus",
	.start = create_start,
	.free_data = pool_job_free,
};

static const struct arg_spec pool_args[] = {
	{ "pool", ARG_STRING, true, 0, 64, NULL, "name or id" },
	ARG_END
};

static const struct arg_spec pool_cpus_args[] = {
	{ "pool", ARG_STRING, true, 0, 64, NULL, "name or id" },
	{ "cpus", ARG_STRING, true, 0, 4096, NULL,
	  "cpus in xl's syntax: \"2-3\", \"4,6\"" },
	ARG_END
};

/* The pool of the request into pj (and its cpus, when given). */
static struct pool_job *pool_job_from(struct request *req,
    libxl_cpupoolinfo *info)
{
	struct pool_job *pj;
	struct err *e;

	if ((e = pool_find(arg_string(req->args, "pool"), info)) != NULL) {
		request_fail(req, e);
		return NULL;
	}
	pj = pool_job_new();
	pj->poolid = info->poolid;
	pj->name = xstrdup(info->pool_name != NULL ? info->pool_name : "");
	if (arg_present(req->args, "cpus") &&
	    (e = cpus_parse(arg_string(req->args, "cpus"), &pj->cpus)) !=
	    NULL) {
		pool_job_free(pj);
		request_fail(req, e);
		return NULL;
	}
	return pj;
}

/* How many domains the pool runs, by libxl's domain list. */
static int pool_domains(uint32_t poolid)
{
	libxl_dominfo *doms;
	int n = 0, count = 0;

	doms = libxl_list_domain(daemon_ctx, &n);
	for (int i = 0; i < n; i++)
		if (doms[i].cpupool == poolid)
			count++;
	if (doms != NULL)
		libxl_dominfo_list_free(doms, n);
	return count;
}

static void destroy_start(struct job *job)
{
	struct pool_job *pj = job->data;
	int rc, n;

	if ((n = pool_domains(pj->poolid)) > 0) {
		job_fail(job, err_new(ERR_OPERATION_INVALID, "CPU pool '%s' has "
		    "%d domain(s): move them away first (cpupool-migrate)",
		    pj->name, n));
		return;
	}
	rc = libxl_cpupool_destroy(daemon_ctx, pj->poolid);
	if (rc != 0) {
		job_fail(job, job_libxl_error(job, rc, "destroying the CPU "
		    "pool"));
		return;
	}
	log_info("CPU pool %s destroyed", pj->name);
	job_complete(job, NULL);
}

static void cmd_cpupool_destroy_run(struct request *req)
{
	libxl_cpupoolinfo info;
	struct pool_job *pj;

	libxl_cpupoolinfo_init(&info);
	pj = pool_job_from(req, &info);
	libxl_cpupoolinfo_dispose(&info);
	if (pj == NULL)
		return;
	if (pj->poolid == 0) {
		pool_job_free(pj);
		request_fail(req, err_new(ERR_OPERATION_INVALID, "cannot "
		    "destroy CPU pool 0 (the host's first pool)"));
		return;
	}
	request_submit(req, pj);
}

const struct command cmd_cpupool_destroy = {
	.name = "cpupool-destroy",
	.kind = COMMAND_MODIFY,
	.args = pool_args,
	.run = cmd_cpupool_destroy_run,
	.help = "destroy an empty CPU pool; its cpus become free",
	.start = destroy_start,
	.free_data = pool_job_free,
};

static void cpu_add_start(struct job *job)
{
	struct pool_job *pj = job->data;
	struct err *e;

	if ((e = cpus_free(&pj->cpus)) != NULL) {
		job_fail(job, e);
		return;
	}
	pool_done(job, pj->poolid, libxl_cpupool_cpuadd_cpumap(daemon_ctx,
	    pj->poolid, &pj->cpus), "adding cpus to the CPU pool");
}

/* cpupool-cpu-add, -cpu-remove, cpupool-migrate: the pool (and cpus) into
 * the job. */
static void pool_submit_run(struct request *req)
{
	libxl_cpupoolinfo info;
	struct pool_job *pj;

	libxl_cpupoolinfo_init(&info);
	pj = pool_job_from(req, &info);
	libxl_cpupoolinfo_dispose(&info);
	if (pj != NULL)
		request_submit(req, pj);
}

const struct command cmd_cpupool_cpu_add = {
	.name = "cpupool-cpu-add",
	.kind = COMMAND_MODIFY,
	.args = pool_cpus_args,
	.run = pool_submit_run,
	.help = "give free cpus to a CPU pool",
	.start = cpu_add_start,
	.free_data = pool_job_free,
};

static void cpu_remove_start(struct job *job)
{
	struct pool_job *pj = job->data;
	libxl_cpupoolinfo info;
	int left = 0, cpu;
	struct err *e = NULL;

	libxl_cpupoolinfo_init(&info);
	if (libxl_cpupool_info(daemon_ctx, &info, pj->poolid) != 0) {
		libxl_cpupoolinfo_dispose(&info);
		job_fail(job, err_new(ERR_OPERATION_INVALID, "CPU pool '%s' is "
		    "gone", pj->name));
		return;
	}
	for (cpu = 0; cpu < host_cpus() && e == NULL; cpu++) {
		bool in = libxl_bitmap_test(&info.cpumap, cpu);

		if (libxl_bitmap_test(&pj->cpus, cpu) && !in)
			e = err_new(ERR_OPERATION_INVALID, "cpu %d is not in "
			    "CPU pool '%s'", cpu, pj->name);
		else if (in && !libxl_bitmap_test(&pj->cpus, cpu))
			left++;
	}
	libxl_cpupoolinfo_dispose(&info);
	if (e == NULL && left == 0 && (pj->poolid == 0 ||
	    pool_domains(pj->poolid) > 0))
		e = err_new(ERR_OPERATION_INVALID, "CPU pool '%s' would have "
		    "no cpu left to run its domains", pj->name);
	if (e != NULL) {
		job_fail(job, e);
		return;
	}
	pool_done(job, pj->poolid, libxl_cpupool_cpuremove_cpumap(daemon_ctx,
	    pj->poolid, &pj->cpus), "removing cpus from the CPU pool");
}

const struct command cmd_cpupool_cpu_remove = {
	.name = "cpupool-cpu-remove",
	.kind = COMMAND_MODIFY,
	.args = pool_cpus_args,
	.run = pool_submit_run,
	.help = "take cpus from a CPU pool; they become free",
	.start = cpu_remove_start,
	.free_data = pool_job_free,
};

/* ------------------------------------------------------------------------
 * cpupool-migrate */

static void migrate_start(struct job *job)
{
	struct pool_job *pj = job->data;
	libxl_domain_config *c = job->domain->config;
	libxl_cpupoolinfo info;
	bool has_cpus;
	int rc;

	if (!job_domain_running(job))
		return;
	libxl_cpupoolinfo_init(&info);
	rc = libxl_cpupool_info(daemon_ctx, &info, pj->poolid);
	has_cpus = rc == 0 && !libxl_bitmap_is_empty(&info.cpumap);
	libxl_cpupoolinfo_dispose(&info);
	if (!has_cpus) {
		job_fail(job, err_new(ERR_OPERATION_INVALID, "CPU pool '%s' %s",
		    pj->name, rc != 0 ? "is gone" : "has no cpu"));
		return;
	}
	rc = libxl_cpupool_movedomain(daemon_ctx, pj->poolid,
	    job->domain->domid);
	if (rc != 0) {
		job_fail(job, job_libxl_error(job, rc, "moving the domain to "
		    "the CPU pool"));
		return;
	}
	/* a transient domain restarts where it was moved to */
	if (!job->domain->persistent && c != NULL) {
		free(c->c_info.pool_name);
		c->c_info.pool_name = xstrdup(pj->name);
		c->c_info.poolid = pj->poolid;
	}
	log_info("domain %s: moved to CPU pool %s", job->domain_name, pj->name);
	pool_done(job, pj->poolid, 0, NULL);
}

static const struct arg_spec migrate_args[] = {
	{ "domain", ARG_DOMAIN, true, 0, 0, NULL, "name, UUID or domid" },
	{ "pool", ARG_STRING, true, 0, 64, NULL, "name or id" },
	ARG_END
};

const struct command cmd_cpupool_migrate = {
	.name = "cpupool-migrate",
	.kind = COMMAND_MODIFY,
	.args = migrate_args,
	.target = TARGET_DOMAIN,
	.target_flags = TARGET_RUNNING | TARGET_NOT_DOM0,
	.verb = "move",
	.run = pool_submit_run,
	.help = "move a running domain to another CPU pool",
	.start = migrate_start,
	.free_data = pool_job_free,
};
