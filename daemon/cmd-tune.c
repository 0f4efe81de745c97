/* Resource tuning: domain-set-memory, domain-set-maxmem, domain-set-vcpus,
 * domain-pin-vcpu, domain-sched-get, domain-sched-set.  On a running
 * domain the settings act live (and a transient domain's configuration
 * follows); on a defined, shut-off domain they change its definition.
 * One skeleton serves every setting: a table row says how to check a
 * value, apply it live, and write it into a configuration. */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/command.h"
#include "daemon/cpu-set.h"
#include "daemon/daemon.h"
#include "daemon/domain-json.h"
#include "daemon/domain.h"
#include "daemon/job.h"
#include "daemon/log.h"
#include "daemon/request.h"
#include "proto/mem.h"

#define MEMORY_MIN_KIB 1024

struct tune_job;

/* One setting of the live-or-definition kind. */
struct tune_setting {
	const char *what;		/* "setting the memory" */
	const char *argument;		/* its value's argument */
	/* The value fits the domain as it is now (checked when the request
	 * arrives, and again when the job starts). */
	struct err *(*check)(struct domain *d, int64_t value);
	/* The value into a configuration; an error leaves it unchanged. */
	struct err *(*configure)(libxl_domain_config *c, int64_t value);
	/* Live: a synchronous libxl call (returns rc), or with ao set an
	 * asynchronous one taking it. */
	int (*live)(struct tune_job *t, struct domain *d,
	    const libxl_asyncop_how *ao);
	bool asynchronous;
};

struct tune_job {
	const struct tune_setting *setting;
	int64_t value;			/* memory KiB, vcpu count */
	int64_t vcpu;			/* pin: -1 for all */
	char *cpus;
	bool soft;
	bool has_weight, has_cap;
	int weight, cap;
	libxl_bitmap map;		/* lives until libxl's callback */
};

static struct tune_job *tune_job_new(void)
{
	struct tune_job *t = xcalloc(1, sizeof *t);

	libxl_bitmap_init(&t->map);
	return t;
}

static void tune_job_free(void *data)
{
	struct tune_job *t = data;

	libxl_bitmap_dispose(&t->map);
	free(t->cpus);
	free(t);
}

/* ------------------------------------------------------------------------
 * Limits of a domain, live or defined */

static uint64_t tune_max_memkb(struct domain *d)
{
	libxl_dominfo info;
	uint64_t max = 0;

	if (domain_fresh_info(d, &info)) {
		max = info.max_memkb;
		libxl_dominfo_dispose(&info);
	} else if (d->config != NULL) {
		max = d->config->b_info.max_memkb;
	}
	return max;
}

static int tune_max_vcpus(struct domain *d)
{
	libxl_dominfo info;
	int max = 0;

	if (domain_fresh_info(d, &info)) {
		max = (int)info.vcpu_max_id + 1;
		libxl_dominfo_dispose(&info);
	} else if (d->config != NULL) {
		/* libxl's default for an unset max_vcpus is one */
		max = d->config->b_info.max_vcpus > 0 ?
		    d->config->b_info.max_vcpus : 1;
	}
	return max;
}

/* ------------------------------------------------------------------------
 * The settings */

static struct err *memory_check(struct domain *d, int64_t kib)
{
	uint64_t max = tune_max_memkb(d);

	if (max != 0 && max != LIBXL_MEMKB_DEFAULT && (uint64_t)kib > max)
		return err_new(ERR_INVALID_ARGUMENT, "%" PRId64 " KiB is above "
		    "the domain's maximum (%" PRIu64 " KiB; raise it with "
		    "domain-set-maxmem)", kib, max);
	return NULL;
}

static struct err *memory_configure(libxl_domain_config *c, int64_t kib)
{
	c->b_info.target_memkb = (uint64_t)kib;
	return NULL;
}

static int memory_live(struct tune_job *t, struct domain *d,
    const libxl_asyncop_how *ao)
{
	/* synchronous and quick: a xenstore write and a hypercall */
	return libxl_set_memory_target(daemon_ctx, d->domid, t->value, 0, 1);
}

static const struct tune_setting tune_memory = {
	.what = "setting the memory",
	.argument = "memory_kib",
	.check = memory_check,
	.configure = memory_configure,
	.live = memory_live,
};

static struct err *maxmem_configure(libxl_domain_config *c, int64_t kib)
{
	libxl_domain_build_info *b = &c->b_info;

	if (b->target_memkb != LIBXL_MEMKB_DEFAULT &&
	    b->target_memkb > (uint64_t)kib)
		return err_new(ERR_INVALID_ARGUMENT, "the maximum cannot be "
		    "below the memory (%" PRIu64 " KiB)", b->target_memkb);
	b->max_memkb = (uint64_t)kib;
	return NULL;
}

static int maxmem_live(struct tune_job *t, struct domain *d,
    const libxl_asyncop_how *ao)
{
	return libxl_domain_setmaxmem(daemon_ctx, d->domid,
	    (uint64_t)t->value);
}

static const struct tune_setting tune_maxmem = {
	.what = "setting the maximum memory",
	.argument = "memory_kib",
	.configure = maxmem_configure,
	.live = maxmem_live,
};

static struct err *vcpus_check(struct domain *d, int64_t count)
{
	int max = tune_max_vcpus(d);

	if (count > max)
		return err_new(ERR_INVALID_ARGUMENT, "the domain has at most %d "
		    "vcpus", max);
	return NULL;
}

/* The first count vcpus online, in a map of max. */
static struct err *vcpus_map(libxl_bitmap *map, int max, int64_t count)
{
	libxl_bitmap_dispose(map);
	libxl_bitmap_init(map);
	if (libxl_bitmap_alloc(daemon_ctx, map, max) != 0)
		return err_new(ERR_INTERNAL, "out of memory");
	for (int i = 0; i < count && i < max; i++)
		libxl_bitmap_set(map, i);
	return NULL;
}

static struct err *vcpus_configure(libxl_domain_config *c, int64_t count)
{
	libxl_domain_build_info *b = &c->b_info;

	if (b->max_vcpus == 0)
		b->max_vcpus = 1;	/* libxl's default */
	return vcpus_map(&b->avail_vcpus, b->max_vcpus, count);
}

static int vcpus_live(struct tune_job *t, struct domain *d,
    const libxl_asyncop_how *ao)
{
	struct err *e = vcpus_map(&t->map, tune_max_vcpus(d), t->value);

	if (e != NULL) {
		err_free(e);
		return ERROR_NOMEM;
	}
	/* an ao's arguments must outlive the call: the job owns the map */
	return libxl_set_vcpuonline(daemon_ctx, d->domid, &t->map, ao);
}

static const struct tune_setting tune_vcpus = {
	.what = "setting the vcpus",
	.argument = "count",
	.check = vcpus_check,
	.configure = vcpus_configure,
	.live = vcpus_live,
	.asynchronous = true,
};

/* ------------------------------------------------------------------------
 * The skeleton */

static void tune_definition_written(void *arg, struct err *e)
{
	struct job *job = arg;

	if (e != NULL)
		job_fail(job, e);
	else
		job_complete(job, domain_info_json(job->domain));
}

static void tune_live_done(struct job *job, int rc)
{
	struct tune_job *t = job->data;
	struct domain *d = job->domain;

	if (rc != 0) {
		job_fail(job, job_libxl_error(job, rc, t->setting->what));
		return;
	}
	/* a transient domain's configuration follows, for its restarts */
	if (!d->persistent && d->config != NULL) {
		struct err *e = t->setting->configure(d->config, t->value);

		err_free(e);
	}
	job_complete(job, domain_info_json(d));
}

static void tune_start(struct job *job)
{
	struct tune_job *t = job->data;
	const struct tune_setting *s = t->setting;
	struct domain *d = job->domain;
	struct err *e = s->check != NULL ? s->check(d, t->value) : NULL;

	if (e != NULL) {
		job_fail(job, e);
		return;
	}
	if (domain_is_running(d)) {
		if (s->asynchronous)
			job_ao_started(job, s->live(t, d,
			    job_ao(job, tune_live_done)));
		else
			tune_live_done(job, s->live(t, d, NULL));
		return;
	}
	if (!d->persistent || d->config == NULL) {
		job_fail(job, err_new(ERR_OPERATION_INVALID, "'%s' is not "
		    "running", job->domain_name));
		return;
	}
	/* a shut-off defined domain: the change goes into its definition */
	e = s->configure(d->config, t->value);
	if (e != NULL) {
		job_fail(job, e);
		return;
	}
	domain_save_definition(d, tune_definition_written, job);
}

static void tune_submit(struct request *req, const struct tune_setting *s)
{
	struct tune_job *t;
	struct err *e;

	t = tune_job_new();
	t->setting = s;
	t->value = arg_int(req->args, s->argument, 0);
	e = s->check != NULL ? s->check(req->domain, t->value) : NULL;
	if (e != NULL) {
		tune_job_free(t);
		request_fail(req, e);
		return;
	}
	request_submit(req, t);
}

static void set_memory_run(struct request *req)
{
	tune_submit(req, &tune_memory);
}

static void set_maxmem_run(struct request *req)
{
	tune_submit(req, &tune_maxmem);
}

static void set_vcpus_run(struct request *req)
{
	tune_submit(req, &tune_vcpus);
}

static const struct arg_spec set_memory_args[] = {
	{ "domain", ARG_DOMAIN, true, 0, 0, NULL, "name, UUID or domid" },
	{ "memory_kib", ARG_INT, true, MEMORY_MIN_KIB, INT64_C(1) << 42, NULL,
	  "memory in KiB" },
	ARG_END
};

const struct command cmd_domain_set_memory = {
	.name = "domain-set-memory",
	.kind = COMMAND_MODIFY,
	.args = set_memory_args,
	.target = TARGET_DOMAIN,
	.target_flags = TARGET_RUNNING_OR_DEFINED | TARGET_NOT_DOM0,
	.verb = "set the memory of",
	.run = set_memory_run,
	.help = "set a domain's memory (balloon target)",
	.start = tune_start,
	.free_data = tune_job_free,
};

const struct command cmd_domain_set_maxmem = {
	.name = "domain-set-maxmem",
	.kind = COMMAND_MODIFY,
	.args = set_memory_args,
	.target = TARGET_DOMAIN,
	.target_flags = TARGET_RUNNING_OR_DEFINED | TARGET_NOT_DOM0,
	.verb = "set the maximum memory of",
	.run = set_maxmem_run,
	.help = "set a domain's maximum memory",
	.start = tune_start,
	.free_data = tune_job_free,
};

static const struct arg_spec set_vcpus_args[] = {
	{ "domain", ARG_DOMAIN, true, 0, 0, NULL, "name, UUID or domid" },
	{ "count", ARG_INT, true, 1, 4096, NULL, "vcpus online" },
	ARG_END
};

const struct command cmd_domain_set_vcpus = {
	.name = "domain-set-vcpus",
	.kind = COMMAND_MODIFY,
	.args = set_vcpus_args,
	.target = TARGET_DOMAIN,
	.target_flags = TARGET_RUNNING_OR_DEFINED | TARGET_NOT_DOM0,
	.verb = "set the vcpus of",
	.run = set_vcpus_run,
	.help = "set how many of a domain's vcpus are online (at most its "
	    "maximum, maxvcpus)",
	.start = tune_start,
	.free_data = tune_job_free,
};

/* ------------------------------------------------------------------------
 * Pinning: live only */

/* vcpu (-1: all) exists and cpus parses into map (allocated here). */
static struct err *pin_check(struct domain *d, int64_t vcpu,
    const char *cpus, libxl_bitmap *map)
{
	int vcpus = tune_max_vcpus(d);

	if (vcpu >= vcpus)
		return err_new(ERR_INVALID_ARGUMENT, "the domain has vcpus "
		    "0-%d", vcpus - 1);
	return cpu_set_parse(daemon_ctx, cpus, map);
}

static void pin_start(struct job *job)
{
	struct tune_job *t = job->data;
	struct domain *d = job->domain;
	libxl_bitmap map;
	int vcpus, rc;
	struct err *e;

	if (!job_domain_running(job))
		return;
	vcpus = tune_max_vcpus(d);
	libxl_bitmap_init(&map);
	e = pin_check(d, t->vcpu, t->cpus, &map);
	if (e != NULL) {
		libxl_bitmap_dispose(&map);
		job_fail(job, e);
		return;
	}
	if (t->vcpu < 0)
		rc = libxl_set_vcpuaffinity_all(daemon_ctx, d->domid,
		    (unsigned)vcpus, t->soft ? NULL : &map, t->soft ? &map : NULL);
	else
		rc = libxl_set_vcpuaffinity(daemon_ctx, d->domid,
		    (uint32_t)t->vcpu, t->soft ? NULL : &map,
		    t->soft ? &map : NULL);
	libxl_bitmap_dispose(&map);
	if (rc != 0) {
		job_fail(job, job_libxl_error(job, rc, "pinning the vcpu"));
		return;
	}
	job_complete(job, NULL);
}

static const struct arg_spec pin_vcpu_args[] = {
	{ "domain", ARG_DOMAIN, true, 0, 0, NULL, "name, UUID or domid" },
	{ "vcpu", ARG_ANY, true, 0, 0, NULL, "a vcpu number, or \"all\"" },
	{ "cpus", ARG_STRING, true, 0, 1024, NULL,
	  "host cpus in xl's syntax: \"0-3,6\", \"all\", \"all,^1\", "
	  "\"node:0\"" },
	{ "soft", ARG_BOOL, false, 0, 0, NULL,
	  "set the soft affinity instead of the hard one" },
	ARG_END
};

static void pin_run(struct request *req)
{
	json_object *vcpu = json_object_object_get(req->args, "vcpu");
	struct domain *d = req->domain;
	struct tune_job *t;
	int64_t n = -1;

	if (json_object_is_type(vcpu, json_type_int) &&
	    json_object_get_int64(vcpu) >= 0 &&
	    json_object_get_int64(vcpu) < 4096) {
		n = json_object_get_int64(vcpu);
	} else if (!json_object_is_type(vcpu, json_type_string) ||
	    strcmp(json_object_get_string(vcpu), "all") != 0) {
		request_fail(req, err_new(ERR_INVALID_ARGUMENT, "argument "
		    "'vcpu' must be a vcpu number (0-4095) or \"all\""));
		return;
	}
	if (domain_is_running(d)) {
		libxl_bitmap map;
		struct err *e;

		libxl_bitmap_init(&map);
		e = pin_check(d, n, arg_string(req->args, "cpus"), &map);
		libxl_bitmap_dispose(&map);
		if (e != NULL) {
			request_fail(req, e);
			return;
		}
	}
	t = tune_job_new();
	t->vcpu = n;
	t->cpus = xstrdup(arg_string(req->args, "cpus"));
	t->soft = arg_bool(req->args, "soft", false);
	request_submit(req, t);
}

const struct command cmd_domain_pin_vcpu = {
	.name = "domain-pin-vcpu",
	.kind = COMMAND_MODIFY,
	.args = pin_vcpu_args,
	.target = TARGET_DOMAIN,
	.target_flags = TARGET_RUNNING | TARGET_NOT_DOM0,
	.verb = "pin vcpus of",
	.run = pin_run,
	.help = "pin a domain's vcpu (or all) to host cpus",
	.start = pin_start,
	.free_data = tune_job_free,
};

/* ------------------------------------------------------------------------
 * Scheduler */

static json_object *sched_to_json(const libxl_domain_sched_params *p)
{
	json_object *obj = json_object_new_object();
	const char *name = libxl_scheduler_to_string(p->sched);

	json_object_object_add(obj, "scheduler",
	    json_object_new_string(name ? name : "unknown"));
	json_object_object_add(obj, "weight", p->weight ==
	    LIBXL_DOMAIN_SCHED_PARAM_WEIGHT_DEFAULT ? NULL :
	    json_object_new_int(p->weight));
	json_object_object_add(obj, "cap", p->cap ==
	    LIBXL_DOMAIN_SCHED_PARAM_CAP_DEFAULT ? NULL :
	    json_object_new_int(p->cap));
	return obj;
}

static const struct arg_spec domain_args[] = {
	{ "domain", ARG_DOMAIN, true, 0, 0, NULL, "name, UUID or domid" },
	ARG_END
};

static void sched_get_run(struct request *req)
{
	libxl_domain_sched_params params;
	int rc;

	libxl_domain_sched_params_init(&params);
	rc = libxl_domain_sched_params_get(daemon_ctx, req->domain->domid,
	    &params);
	if (rc != 0) {
		libxl_domain_sched_params_dispose(&params);
		request_fail(req, err_add_data(err_new(ERR_HYPERVISOR, "cannot "
		    "read the scheduling parameters: libxl error %d", rc),
		    "libxl_error", json_object_new_int(rc)));
		return;
	}
	request_reply(req, sched_to_json(&params));
	libxl_domain_sched_params_dispose(&params);
}

const struct command cmd_domain_sched_get = {
	.name = "domain-sched-get",
	.kind = COMMAND_QUERY,
	.args = domain_args,
	.target = TARGET_DOMAIN,
	.target_flags = TARGET_RUNNING_NOW,
	.run = sched_get_run,
	.help = "a domain's scheduler weight and cap",
};

static void sched_set_start(struct job *job)
{
	struct tune_job *t = job->data;
	struct domain *d = job->domain;
	libxl_domain_sched_params params;
	int rc;

	if (!job_domain_running(job))
		return;
	libxl_domain_sched_params_init(&params);
	rc = libxl_domain_sched_params_get(daemon_ctx, d->domid, &params);
	if (rc == 0) {
		if (t->has_weight)
			params.weight = t->weight;
		if (t->has_cap)
			params.cap = t->cap;
		rc = libxl_domain_sched_params_set(daemon_ctx, d->domid, &params);
	}
	if (rc != 0) {
		libxl_domain_sched_params_dispose(&params);
		job_fail(job, job_libxl_error(job, rc, "setting the scheduling "
		    "parameters"));
		return;
	}
	job_complete(job, sched_to_json(&params));
	libxl_domain_sched_params_dispose(&params);
}

static const struct arg_spec sched_set_args[] = {
	{ "domain", ARG_DOMAIN, true, 0, 0, NULL, "name, UUID or domid" },
	{ "weight", ARG_INT, false, 1, 65535, NULL, "credit scheduler weight" },
	{ "cap", ARG_INT, false, 0, 65535, NULL,
	  "cap in percent of one cpu (0: none)" },
	ARG_END
};

static void sched_set_run(struct request *req)
{
	struct tune_job *t;

	if (!arg_present(req->args, "weight") && !arg_present(req->args, "cap")) {
		request_fail(req, err_new(ERR_INVALID_ARGUMENT,
		    "give 'weight', 'cap' or both"));
		return;
	}
	t = tune_job_new();
	t->has_weight = arg_present(req->args, "weight");
	t->weight = (int)arg_int(req->args, "weight", 0);
	t->has_cap = arg_present(req->args, "cap");
	t->cap = (int)arg_int(req->args, "cap", 0);
	request_submit(req, t);
}

const struct command cmd_domain_sched_set = {
	.name = "domain-sched-set",
	.kind = COMMAND_MODIFY,
	.args = sched_set_args,
	.target = TARGET_DOMAIN,
	.target_flags = TARGET_RUNNING | TARGET_NOT_DOM0,
	.verb = "schedule",
	.run = sched_set_run,
	.help = "set a domain's scheduler weight and cap",
	.start = sched_set_start,
	.free_data = tune_job_free,
};
