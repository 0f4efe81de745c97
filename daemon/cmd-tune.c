/* Resource tuning: domain-set-memory, domain-set-maxmem, domain-set-vcpus,
 * domain-pin-vcpu, domain-sched-get, domain-sched-set.  On a running
 * domain they act live (and a transient domain's configuration follows);
 * on a defined, shut-off domain they change its definition. */
#include "config.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/command.h"
#include "daemon/commands.h"
#include "daemon/daemon.h"
#include "daemon/domain.h"
#include "daemon/job.h"
#include "daemon/log.h"
#include "daemon/store.h"

#define MEMORY_MIN_KIB 1024

struct tune_job {
	int64_t value;			/* memory KiB, vcpu count */
	int64_t vcpu;			/* pin: -1 for all */
	char *cpus;
	bool soft;
	bool has_weight, has_cap;
	int weight, cap;
	libxl_bitmap map;		/* lives until libxl's callback */
};

static void tune_job_free(void *data)
{
	struct tune_job *t = data;

	libxl_bitmap_dispose(&t->map);
	free(t->cpus);
	free(t);
}

static struct tune_job *tune_job_new(void)
{
	struct tune_job *t = calloc(1, sizeof *t);

	if (t == NULL)
		abort();
	libxl_bitmap_init(&t->map);
	return t;
}

/* The domain of a tuning command: running, or defined. */
static struct domain *tune_domain(struct request *req)
{
	struct err *e = NULL;
	struct domain *d = domain_lookup(json_object_object_get(req->args,
	    "domain"), &e);

	if (d == NULL) {
		request_fail(req, e);
		return NULL;
	}
	if (!domain_is_running(d) && !d->persistent && d->holder == NULL) {
		request_fail(req, err_new(ERR_OPERATION_INVALID,
		    "domain '%s' is neither running nor defined", d->name));
		return NULL;
	}
	return d;
}

/* A shut-off defined domain: the change goes into its definition. */
static void tune_definition_written(void *arg, struct err *e)
{
	struct job *job = arg;

	if (e != NULL)
		job_fail(job, e);
	else
		job_complete(job, domain_info_json(job->domain));
}

enum tune_target {
	TUNE_LIVE,		/* the running domain */
	TUNE_DEFINITION,	/* a shut-off domain's definition */
	TUNE_NOTHING,		/* neither: the job has failed */
};

static enum tune_target tune_target(struct job *job)
{
	if (domain_is_running(job->domain))
		return TUNE_LIVE;
	if (job->domain->persistent && job->domain->config != NULL)
		return TUNE_DEFINITION;
	job_fail(job, err_new(ERR_OPERATION_INVALID, "'%s' is not running",
	    job->domain_name));
	return TUNE_NOTHING;
}

static void tune_save_definition(struct job *job)
{
	store_save_definition(job->domain, tune_definition_written, job);
}

/* ------------------------------------------------------------------------
 * Memory */

static uint64_t tune_max_memkb(struct domain *d)
{
	libxl_dominfo info;
	uint64_t max = 0;

	if (domain_is_running(d)) {
		libxl_dominfo_init(&info);
		if (libxl_domain_info(daemon_ctx, &info, d->domid) == 0)
			max = info.max_memkb;
		libxl_dominfo_dispose(&info);
	} else if (d->config != NULL) {
		max = d->config->b_info.max_memkb;
	}
	return max;
}

/* Checked when the request arrives, and again when the job starts: the
 * domain may change while the job waits for its lock. */
static struct err *tune_check_memory(struct domain *d, int64_t kib)
{
	uint64_t max = tune_max_memkb(d);

	if (max != 0 && max != LIBXL_MEMKB_DEFAULT && (uint64_t)kib > max)
		return err_new(ERR_INVALID_ARGUMENT, "%" PRId64 " KiB is above "
		    "the domain's maximum (%" PRIu64 " KiB; raise it with "
		    "domain-set-maxmem)", kib, max);
	return NULL;
}

static int tune_max_vcpus(struct domain *d)
{
	libxl_dominfo info;
	int max = 0;

	if (domain_is_running(d)) {
		libxl_dominfo_init(&info);
		if (libxl_domain_info(daemon_ctx, &info, d->domid) == 0)
			max = (int)info.vcpu_max_id + 1;
		libxl_dominfo_dispose(&info);
	} else if (d->config != NULL) {
		/* libxl's default for an unset max_vcpus is one */
		max = d->config->b_info.max_vcpus > 0 ?
		    d->config->b_info.max_vcpus : 1;
	}
	return max;
}

static struct err *tune_check_vcpus(struct domain *d, int64_t count)
{
	int max = tune_max_vcpus(d);

	if (count > max)
		return err_new(ERR_INVALID_ARGUMENT, "the domain has at most %d "
		    "vcpus", max);
	return NULL;
}

/* vcpu (-1: all) exists and cpus parses into map (allocated here). */
static struct err *tune_check_pin(struct domain *d, int64_t vcpu,
    const char *cpus, libxl_bitmap *map)
{
	int max_cpus = libxl_get_max_cpus(daemon_ctx);
	int vcpus = tune_max_vcpus(d);

	if (vcpu >= vcpus)
		return err_new(ERR_INVALID_ARGUMENT, "the domain has vcpus "
		    "0-%d", vcpus - 1);
	if (max_cpus <= 0 || libxl_cpu_bitmap_alloc(daemon_ctx, map, 0) != 0)
		return err_new(ERR_HYPERVISOR, "cannot read the host's cpus");
	return tune_parse_cpus(cpus, max_cpus, map);
}

static void set_memory_start(struct job *job)
{
	struct tune_job *t = job->data;
	struct domain *d = job->domain;
	struct err *e = tune_check_memory(d, t->value);
	int rc;

	if (e != NULL) {
		job_fail(job, e);
		return;
	}
	switch (tune_target(job)) {
	case TUNE_NOTHING:
		return;
	case TUNE_DEFINITION:
		d->config->b_info.target_memkb = (uint64_t)t->value;
		tune_save_definition(job);
		return;
	case TUNE_LIVE:
		break;
	}
	/* synchronous and quick: a xenstore write and a hypercall */
	rc = libxl_set_memory_target(daemon_ctx, d->domid, t->value, 0, 1);
	if (rc != 0) {
		job_fail(job, job_libxl_error(job, rc, "setting the memory"));
		return;
	}
	if (!d->persistent && d->config != NULL)
		d->config->b_info.target_memkb = (uint64_t)t->value;
	job_complete(job, domain_info_json(d));
}

const struct job_type domain_set_memory_job = {
	.name = "domain-set-memory",
	.kind = JOB_MODIFY,
	.start = set_memory_start,
	.free_data = tune_job_free,
};

static void set_maxmem_start(struct job *job)
{
	struct tune_job *t = job->data;
	struct domain *d = job->domain;
	int rc;

	switch (tune_target(job)) {
	case TUNE_NOTHING:
		return;
	case TUNE_DEFINITION: {
		libxl_domain_build_info *b = &d->config->b_info;

		if (b->target_memkb != LIBXL_MEMKB_DEFAULT &&
		    b->target_memkb > (uint64_t)t->value) {
			job_fail(job, err_new(ERR_INVALID_ARGUMENT, "the maximum "
			    "cannot be below the memory (%" PRIu64 " KiB)",
			    b->target_memkb));
			return;
		}
		b->max_memkb = (uint64_t)t->value;
		tune_save_definition(job);
		return;
	}
	case TUNE_LIVE:
		break;
	}
	rc = libxl_domain_setmaxmem(daemon_ctx, d->domid, (uint64_t)t->value);
	if (rc != 0) {
		job_fail(job, job_libxl_error(job, rc, "setting the maximum "
		    "memory"));
		return;
	}
	if (!d->persistent && d->config != NULL)
		d->config->b_info.max_memkb = (uint64_t)t->value;
	job_complete(job, domain_info_json(d));
}

const struct job_type domain_set_maxmem_job = {
	.name = "domain-set-maxmem",
	.kind = JOB_MODIFY,
	.start = set_maxmem_start,
	.free_data = tune_job_free,
};

static const struct arg_spec set_memory_args[] = {
	{ "domain", ARG_DOMAIN, true, 0, 0, NULL, "name, UUID or domid" },
	{ "memory_kib", ARG_INT, true, MEMORY_MIN_KIB, INT64_C(1) << 42, NULL,
	  "memory in KiB" },
	ARG_END
};

static void tune_submit_memory(struct request *req,
    const struct job_type *type)
{
	struct domain *d = tune_domain(req);
	struct tune_job *t;

	if (d == NULL)
		return;
	if (d->domid == 0) {
		request_fail(req, err_new(ERR_OPERATION_INVALID, "Domain-0's "
		    "memory is the host's business (xl mem-set)"));
		return;
	}
	if (type == &domain_set_memory_job) {
		struct err *e = tune_check_memory(d, arg_int(req->args,
		    "memory_kib", 0));

		if (e != NULL) {
			request_fail(req, e);
			return;
		}
	}
	t = tune_job_new();
	t->value = arg_int(req->args, "memory_kib", 0);
	job_submit(req, type, d, t);
}

static void cmd_domain_set_memory_run(struct request *req)
{
	tune_submit_memory(req, &domain_set_memory_job);
}

const struct command cmd_domain_set_memory = {
	.name = "domain-set-memory",
	.kind = COMMAND_MODIFY,
	.args = set_memory_args,
	.handler = cmd_domain_set_memory_run,
	.help = "set a domain's memory (balloon target)",
};

static void cmd_domain_set_maxmem_run(struct request *req)
{
	tune_submit_memory(req, &domain_set_maxmem_job);
}

const struct command cmd_domain_set_maxmem = {
	.name = "domain-set-maxmem",
	.kind = COMMAND_MODIFY,
	.args = set_memory_args,
	.handler = cmd_domain_set_maxmem_run,
	.help = "set a domain's maximum memory",
};

/* ------------------------------------------------------------------------
 * vcpus */

static void set_vcpus_done(struct job *job, int rc)
{
	struct tune_job *t = job->data;
	struct domain *d = job->domain;

	if (rc != 0) {
		job_fail(job, job_libxl_error(job, rc, "setting the vcpus"));
		return;
	}
	if (!d->persistent && d->config != NULL) {
		libxl_bitmap *avail = &d->config->b_info.avail_vcpus;

		libxl_bitmap_set_none(avail);
		for (int i = 0; i < t->value && i < (int)avail->size * 8; i++)
			libxl_bitmap_set(avail, i);
	}
	job_complete(job, domain_info_json(d));
}

static void set_vcpus_start(struct job *job)
{
	struct tune_job *t = job->data;
	struct domain *d = job->domain;
	struct err *e = tune_check_vcpus(d, t->value);
	libxl_domain_build_info *b;
	int max;

	if (e != NULL) {
		job_fail(job, e);
		return;
	}
	switch (tune_target(job)) {
	case TUNE_NOTHING:
		return;
	case TUNE_DEFINITION:
		b = &d->config->b_info;
		if (b->max_vcpus == 0)
			b->max_vcpus = 1;	/* libxl's default */
		libxl_bitmap_dispose(&b->avail_vcpus);
		libxl_bitmap_init(&b->avail_vcpus);
		if (libxl_bitmap_alloc(daemon_ctx, &b->avail_vcpus,
		    b->max_vcpus) != 0) {
			job_fail(job, err_new(ERR_INTERNAL, "out of memory"));
			return;
		}
		for (int i = 0; i < t->value; i++)
			libxl_bitmap_set(&b->avail_vcpus, i);
		tune_save_definition(job);
		return;
	case TUNE_LIVE:
		break;
	}
	max = tune_max_vcpus(d);
	if (libxl_bitmap_alloc(daemon_ctx, &t->map, max) != 0) {
		job_fail(job, err_new(ERR_INTERNAL, "out of memory"));
		return;
	}
	for (int i = 0; i < t->value; i++)
		libxl_bitmap_set(&t->map, i);
	/* an ao's arguments must outlive the call: the job owns the map */
	job_ao_started(job, libxl_set_vcpuonline(daemon_ctx, d->domid, &t->map,
	    job_ao(job, set_vcpus_done)));
}

const struct job_type domain_set_vcpus_job = {
	.name = "domain-set-vcpus",
	.kind = JOB_MODIFY,
	.start = set_vcpus_start,
	.free_data = tune_job_free,
};

static const struct arg_spec set_vcpus_args[] = {
	{ "domain", ARG_DOMAIN, true, 0, 0, NULL, "name, UUID or domid" },
	{ "count", ARG_INT, true, 1, 4096, NULL, "vcpus online" },
	ARG_END
};

static void cmd_domain_set_vcpus_run(struct request *req)
{
	struct domain *d = tune_domain(req);
	struct tune_job *t;

	if (d == NULL)
		return;
	if (d->domid == 0) {
		request_fail(req, err_new(ERR_OPERATION_INVALID, "Domain-0's "
		    "vcpus are the host's business (xl vcpu-set)"));
		return;
	}
	{
		struct err *e = tune_check_vcpus(d, arg_int(req->args, "count",
		    1));

		if (e != NULL) {
			request_fail(req, e);
			return;
		}
	}
	t = tune_job_new();
	t->value = arg_int(req->args, "count", 1);
	job_submit(req, &domain_set_vcpus_job, d, t);
}

const struct command cmd_domain_set_vcpus = {
	.name = "domain-set-vcpus",
	.kind = COMMAND_MODIFY,
	.args = set_vcpus_args,
	.handler = cmd_domain_set_vcpus_run,
	.help = "set how many of a domain's vcpus are online",
};

/* "0-3,5", "all", "all,^1": xl's syntax for a set of cpus. */
struct err *tune_parse_cpus(const char *text, int max_cpus, libxl_bitmap *map)
{
	char *copy = strdup(text), *item, *save = NULL;
	struct err *e = NULL;

	if (copy == NULL)
		abort();
	libxl_bitmap_set_none(map);
	for (item = strtok_r(copy, ",", &save); item != NULL && e == NULL;
	    item = strtok_r(NULL, ",", &save)) {
		bool exclude = (*item == '^');
		char *p = item + exclude, *end;
		long first, last;

		while (isspace((unsigned char)*p))
			p++;
		if (strcmp(p, "all") == 0) {
			first = 0;
			last = max_cpus - 1;
		} else {
			first = strtol(p, &end, 10);
			if (end == p) {
				e = err_new(ERR_INVALID_ARGUMENT, "bad cpu list "
				    "'%s'", text);
				break;
			}
			last = first;
			if (*end == '-') {
				p = end + 1;
				last = strtol(p, &end, 10);
				if (end == p)
					e = err_new(ERR_INVALID_ARGUMENT, "bad cpu "
					    "range in '%s'", text);
			}
			while (isspace((unsigned char)*end))
				end++;
			if (e == NULL && *end != '\0')
				e = err_new(ERR_INVALID_ARGUMENT, "bad cpu list "
				    "'%s'", text);
			if (e == NULL && (first < 0 || last < first ||
			    last >= max_cpus))
				e = err_new(ERR_INVALID_ARGUMENT, "cpus %ld-%ld "
				    "are outside the host's 0-%d", first, last,
				    max_cpus - 1);
		}
		for (long c = first; e == NULL && c <= last; c++) {
			if (exclude)
				libxl_bitmap_reset(map, (int)c);
			else
				libxl_bitmap_set(map, (int)c);
		}
	}
	free(copy);
	if (e == NULL && libxl_bitmap_is_empty(map))
		e = err_new(ERR_INVALID_ARGUMENT, "'%s' selects no cpu", text);
	return e;
}

static void pin_vcpu_start(struct job *job)
{
	struct tune_job *t = job->data;
	struct domain *d = job->domain;
	libxl_bitmap map;
	int vcpus, rc;
	struct err *e;

	if (!domain_is_running(d)) {
		job_fail(job, err_new(ERR_OPERATION_INVALID, "'%s' is not "
		    "running", job->domain_name));
		return;
	}
	vcpus = tune_max_vcpus(d);
	libxl_bitmap_init(&map);
	e = tune_check_pin(d, t->vcpu, t->cpus, &map);
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

const struct job_type domain_pin_vcpu_job = {
	.name = "domain-pin-vcpu",
	.kind = JOB_MODIFY,
	.start = pin_vcpu_start,
	.free_data = tune_job_free,
};

static const struct arg_spec pin_vcpu_args[] = {
	{ "domain", ARG_DOMAIN, true, 0, 0, NULL, "name, UUID or domid" },
	{ "vcpu", ARG_ANY, true, 0, 0, NULL, "a vcpu number, or \"all\"" },
	{ "cpus", ARG_STRING, true, 0, 1024, NULL,
	  "host cpus: \"0-3,6\", \"all\", \"all,^1\"" },
	{ "soft", ARG_BOOL, false, 0, 0, NULL,
	  "set the soft affinity instead of the hard one" },
	ARG_END
};

static void cmd_domain_pin_vcpu_run(struct request *req)
{
	json_object *vcpu = json_object_object_get(req->args, "vcpu");
	struct tune_job *t;
	struct domain *d;
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
	d = power_running_domain(req, "pin vcpus of");
	if (d == NULL)
		return;
	if (domain_is_running(d)) {
		libxl_bitmap map;
		struct err *e;

		libxl_bitmap_init(&map);
		e = tune_check_pin(d, n, arg_string(req->args, "cpus"), &map);
		libxl_bitmap_dispose(&map);
		if (e != NULL) {
			request_fail(req, e);
			return;
		}
	}
	t = tune_job_new();
	t->vcpu = n;
	t->cpus = strdup(arg_string(req->args, "cpus"));
	t->soft = arg_bool(req->args, "soft", false);
	job_submit(req, &domain_pin_vcpu_job, d, t);
}

const struct command cmd_domain_pin_vcpu = {
	.name = "domain-pin-vcpu",
	.kind = COMMAND_MODIFY,
	.args = pin_vcpu_args,
	.handler = cmd_domain_pin_vcpu_run,
	.help = "pin a domain's vcpu (or all) to host cpus",
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

static void cmd_domain_sched_get_run(struct request *req)
{
	struct err *e = NULL;
	struct domain *d = domain_lookup(json_object_object_get(req->args,
	    "domain"), &e);
	libxl_domain_sched_params params;
	int rc;

	if (d == NULL) {
		request_fail(req, e);
		return;
	}
	if (!domain_is_running(d)) {
		request_fail(req, err_new(ERR_OPERATION_INVALID, "'%s' is not "
		    "running", d->name));
		return;
	}
	libxl_domain_sched_params_init(&params);
	rc = libxl_domain_sched_params_get(daemon_ctx, d->domid, &params);
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
	.handler = cmd_domain_sched_get_run,
	.help = "a domain's scheduler weight and cap",
};

static void sched_set_start(struct job *job)
{
	struct tune_job *t = job->data;
	struct domain *d = job->domain;
	libxl_domain_sched_params params;
	int rc;

	if (!domain_is_running(d)) {
		job_fail(job, err_new(ERR_OPERATION_INVALID, "'%s' is not "
		    "running", job->domain_name));
		return;
	}
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

const struct job_type domain_sched_set_job = {
	.name = "domain-sched-set",
	.kind = JOB_MODIFY,
	.start = sched_set_start,
	.free_data = tune_job_free,
};

static const struct arg_spec sched_set_args[] = {
	{ "domain", ARG_DOMAIN, true, 0, 0, NULL, "name, UUID or domid" },
	{ "weight", ARG_INT, false, 1, 65535, NULL, "credit scheduler weight" },
	{ "cap", ARG_INT, false, 0, 65535, NULL,
	  "cap in percent of one cpu (0: none)" },
	ARG_END
};

static void cmd_domain_sched_set_run(struct request *req)
{
	struct domain *d;
	struct tune_job *t;

	if (!arg_present(req->args, "weight") && !arg_present(req->args, "cap")) {
		request_fail(req, err_new(ERR_INVALID_ARGUMENT,
		    "give 'weight', 'cap' or both"));
		return;
	}
	d = power_running_domain(req, "schedule");
	if (d == NULL)
		return;
	t = tune_job_new();
	t->has_weight = arg_present(req->args, "weight");
	t->weight = (int)arg_int(req->args, "weight", 0);
	t->has_cap = arg_present(req->args, "cap");
	t->cap = (int)arg_int(req->args, "cap", 0);
	job_submit(req, &domain_sched_set_job, d, t);
}

const struct command cmd_domain_sched_set = {
	.name = "domain-sched-set",
	.kind = COMMAND_MODIFY,
	.args = sched_set_args,
	.handler = cmd_domain_sched_set_run,
	.help = "set a domain's scheduler weight and cap",
};
