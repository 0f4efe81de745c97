/* xlctl: CPU pools and vCPU placement: cpupool-list, cpupool-create,
 * cpupool-destroy, cpupool-cpu-add, cpupool-cpu-remove, cpupool-migrate,
 * vcpu-list (xl's names). */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/xlctl-cmd.h"
#include "client/xlctl-format.h"
#include "client/xlctl-output.h"
#include "proto/mem.h"

/* ------------------------------------------------------------------------
 * cpupool-list */

static int xlctl_cpupool_list_build(const struct xlctl_args *args,
    struct xlctl_request *req, struct xlctl_error *err)
{
	if (args->argc > 0)
		xlctl_req_string(req, "pool", args->argv[0]);
	return XLCTL_EXIT_OK;
}

static int xlctl_cpupool_list_print(struct xlctl_cli *cli,
    const struct xlctl_request *req, json_object *ret)
{
	struct xlctl_table *t = xlctl_table_new(5, "lrlll");

	xlctl_table_row(t, "Name", "ID", "CPUs", "Sched", "Domains");
	for (size_t i = 0; i < json_object_array_length(ret); i++) {
		json_object *p = json_object_array_get_idx(ret, i);
		json_object *doms = xlctl_get(p, "domains");
		char id[24], names[4096] = "";
		size_t len = 0;

		snprintf(id, sizeof id, "%lld",
		    (long long)xlctl_get_int(p, "poolid", 0));
		for (size_t j = 0; j < json_object_array_length(doms) &&
		    len + 2 < sizeof names; j++)
			len += (size_t)snprintf(names + len, sizeof names - len,
			    "%s%s", j > 0 ? "," : "", json_object_get_string(
			    json_object_array_get_idx(doms, j)));
		xlctl_table_row(t, xlctl_get_string(p, "name"), id,
		    xlctl_get_string(p, "cpus")[0] != '\0' ?
		    xlctl_get_string(p, "cpus") : "-",
		    xlctl_get_string(p, "sched"), names[0] != '\0' ? names :
		    "-");
	}
	xlctl_table_print(t, stdout);
	xlctl_table_free(t);
	return XLCTL_EXIT_OK;
}

static const struct xlctl_cmd xlctl_cmd_cpupool_list = {
	.name = "cpupool-list",
	.execute = "cpupool-list",
	.args = "[POOL]",
	.help = "the host's CPU pools",
	.min_args = 0, .max_args = 1,
	.kind = XLCTL_CMD_QUERY,
	.build = xlctl_cpupool_list_build,
	.print = xlctl_cpupool_list_print,
};

/* ------------------------------------------------------------------------
 * cpupool-create [-f FILE] [KEY=VALUE...] */

static char *xlctl_trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

/* A value of xl's config syntax as the daemon wants it: "text" or 'text'
 * unquoted, a list ["2", "3"] joined with commas, a number as it is. */
static int xlctl_pool_value(char *value, char *out, size_t size)
{
	size_t len = 0;
	bool list = value[0] == '[';
	char *p = value + list;

	out[0] = '\0';
	for (;;) {
		char quote, *end;

		while (isspace((unsigned char)*p) || (list && *p == ','))
			p++;
		if (list && *p == ']')
			return xlctl_trim(p + 1)[0] == '\0' ? 0 : -1;
		if (*p == '\0')
			return list ? -1 : 0;
		if (*p == '"' || *p == '\'') {
			quote = *p++;
			if ((end = strchr(p, quote)) == NULL)
				return -1;
		} else {
			quote = 0;
			end = p + strcspn(p, list ? ",]" : "");
		}
		if (len + (size_t)(end - p) + 2 > size)
			return -1;
		len += (size_t)snprintf(out + len, size - len, "%s%.*s",
		    len > 0 ? "," : "", (int)(end - p), p);
		p = end + (quote != 0);
		if (!list)
			return xlctl_trim(p)[0] == '\0' ? 0 : -1;
	}
}

/* One "key = value" (a line of the file, or an argument) into req. */
static int xlctl_pool_setting(char *line, struct xlctl_request *req,
    struct xlctl_error *err)
{
	char *eq = strchr(line, '='), *key, value[4096];

	if (strchr(line, '#') != NULL)
		*strchr(line, '#') = '\0';
	if (xlctl_trim(line)[0] == '\0')
		return XLCTL_EXIT_OK;
	if (eq == NULL)
		return xlctl_usage(err, "'%s' is not KEY=VALUE", xlctl_trim(line));
	*eq = '\0';
	key = xlctl_trim(line);
	if (strcmp(key, "name") != 0 && strcmp(key, "sched") != 0 &&
	    strcmp(key, "cpus") != 0)
		return xlctl_usage(err, "unsupported CPU pool key '%s' (name, "
		    "sched and cpus are)", key);
	if (xlctl_pool_value(xlctl_trim(eq + 1), value, sizeof value) != 0)
		return xlctl_usage(err, "bad value for '%s'", key);
	xlctl_req_string(req, key, value);
	return XLCTL_EXIT_OK;
}

static const struct xlctl_flag xlctl_cpupool_create_flags[] = {
	{ "file", 'f', "FILE", "an xl CPU pool config file (name, sched, cpus)" },
	XLCTL_FLAG_END
};

static int xlctl_cpupool_create_build(const struct xlctl_args *args,
    struct xlctl_request *req, struct xlctl_error *err)
{
	const char *file = xlctl_args_get(args, "file");
	int rc = XLCTL_EXIT_OK;

	if (file != NULL) {
		size_t len;
		char *text = xlctl_read_file(file, &len, err), *line, *save;

		if (text == NULL)
			return XLCTL_EXIT_USAGE;
		for (line = strtok_r(text, "\n;", &save); line != NULL &&
		    rc == XLCTL_EXIT_OK; line = strtok_r(NULL, "\n;", &save))
			rc = xlctl_pool_setting(line, req, err);
		free(text);
	}
	for (int i = 0; i < args->argc && rc == XLCTL_EXIT_OK; i++) {
		char *copy = xstrdup(args->argv[i]);

		rc = xlctl_pool_setting(copy, req, err);
		free(copy);
	}
	return rc;
}

/* "CPU pool batch created (id 1, cpus 6-7, credit2)." */
static int xlctl_cpupool_print(struct xlctl_cli *cli,
    const struct xlctl_request *req, json_object *ret)
{
	const char *name = xlctl_get_string(ret, "name");
	const char *what = strcmp(req->execute, "cpupool-create") == 0 ?
	    "created" : strcmp(req->execute, "cpupool-destroy") == 0 ?
	    "destroyed" : "changed";

	if (strcmp(req->execute, "cpupool-migrate") == 0)
		return xlctl_done(cli, "Domain %s moved to CPU pool %s.",
		    xlctl_req_get_domain(req), name != NULL ? name :
		    xlctl_get_string(req->arguments, "pool"));
	if (name == NULL)
		name = xlctl_get_string(req->arguments, "pool");
	if (xlctl_get_string(ret, "cpus") == NULL)
		return xlctl_done(cli, "CPU pool %s %s.", name, what);
	return xlctl_done(cli, "CPU pool %s %s (id %lld, cpus %s, %s).", name,
	    what, (long long)xlctl_get_int(ret, "poolid", 0),
	    xlctl_get_string(ret, "cpus"), xlctl_get_string(ret, "sched"));
}

static const struct xlctl_cmd xlctl_cmd_cpupool_create = {
	.name = "cpupool-create",
	.execute = "cpupool-create",
	.args = "[KEY=VALUE...]",
	.help = "create a CPU pool of free cpus (name=, sched=, cpus=)",
	.min_args = 0, .max_args = -1,
	.kind = XLCTL_CMD_JOB,
	.flags = xlctl_cpupool_create_flags,
	.build = xlctl_cpupool_create_build,
	.print = xlctl_cpupool_print,
};

static int xlctl_pool_build(const struct xlctl_args *args,
    struct xlctl_request *req, struct xlctl_error *err)
{
	xlctl_req_string(req, "pool", args->argv[0]);
	if (args->argc > 1)
		xlctl_req_string(req, "cpus", args->argv[1]);
	return XLCTL_EXIT_OK;
}

static const struct xlctl_cmd xlctl_cmd_cpupool_destroy = {
	.name = "cpupool-destroy",
	.execute = "cpupool-destroy",
	.args = "POOL",
	.help = "destroy an empty CPU pool",
	.min_args = 1, .max_args = 1,
	.kind = XLCTL_CMD_JOB,
	.build = xlctl_pool_build,
	.print = xlctl_cpupool_print,
};

static const struct xlctl_cmd xlctl_cmd_cpupool_cpu_add = {
	.name = "cpupool-cpu-add",
	.execute = "cpupool-cpu-add",
	.args = "POOL CPUS",
	.help = "give free cpus (e.g. 2-3,6) to a CPU pool",
	.min_args = 2, .max_args = 2,
	.kind = XLCTL_CMD_JOB,
	.build = xlctl_pool_build,
	.print = xlctl_cpupool_print,
};

static const struct xlctl_cmd xlctl_cmd_cpupool_cpu_remove = {
	.name = "cpupool-cpu-remove",
	.execute = "cpupool-cpu-remove",
	.args = "POOL CPUS",
	.help = "take cpus from a CPU pool",
	.min_args = 2, .max_args = 2,
	.kind = XLCTL_CMD_JOB,
	.build = xlctl_pool_build,
	.print = xlctl_cpupool_print,
};

static int xlctl_cpupool_migrate_build(const struct xlctl_args *args,
    struct xlctl_request *req, struct xlctl_error *err)
{
	xlctl_req_domain(req, args->argv[0]);
	xlctl_req_string(req, "pool", args->argv[1]);
	return XLCTL_EXIT_OK;
}

static const struct xlctl_cmd xlctl_cmd_cpupool_migrate = {
	.name = "cpupool-migrate",
	.execute = "cpupool-migrate",
	.args = "DOMAIN POOL",
	.help = "move a running domain to another CPU pool",
	.min_args = 2, .max_args = 2,
	.kind = XLCTL_CMD_JOB,
	.build = xlctl_cpupool_migrate_build,
	.print = xlctl_cpupool_print,
};

/* ------------------------------------------------------------------------
 * vcpu-list */

static int xlctl_vcpu_list_print(struct xlctl_cli *cli,
    const struct xlctl_request *req, json_object *ret)
{
	struct xlctl_table *t = xlctl_table_new(7, "lrrlrll");

	xlctl_table_row(t, "Name", "VCPU", "CPU", "State", "Time(s)",
	    "Affinity", "Soft");
	for (size_t i = 0; i < json_object_array_length(ret); i++) {
		json_object *v = json_object_array_get_idx(ret, i);
		json_object *cpu = xlctl_get(v, "cpu");
		char id[24], where[24] = "-", time[32];

		snprintf(id, sizeof id, "%lld",
		    (long long)xlctl_get_int(v, "vcpu", 0));
		if (json_object_is_type(cpu, json_type_int))
			snprintf(where, sizeof where, "%lld",
			    (long long)json_object_get_int64(cpu));
		snprintf(time, sizeof time, "%.1f",
		    (double)xlctl_get_int(v, "cpu_time_ns", 0) / 1e9);
		xlctl_table_row(t, xlctl_req_get_domain(req), id, where,
		    xlctl_get_string(v, "state"), time,
		    xlctl_get_string(v, "affinity"),
		    xlctl_get_string(v, "soft_affinity"));
	}
	xlctl_table_print(t, stdout);
	xlctl_table_free(t);
	return XLCTL_EXIT_OK;
}

static const struct xlctl_cmd xlctl_cmd_vcpu_list = {
	.name = "vcpu-list",
	.execute = "domain-vcpu-list",
	.args = "DOMAIN",
	.help = "a domain's VCPUs: where they run, hard and soft affinity",
	.min_args = 1, .max_args = 1,
	.kind = XLCTL_CMD_QUERY,
	.build = xlctl_build_domain,
	.print = xlctl_vcpu_list_print,
};

static const struct xlctl_cmd *const xlctl_cpupool_cmds[] = {
	&xlctl_cmd_cpupool_list,
	&xlctl_cmd_cpupool_create,
	&xlctl_cmd_cpupool_destroy,
	&xlctl_cmd_cpupool_cpu_add,
	&xlctl_cmd_cpupool_cpu_remove,
	&xlctl_cmd_cpupool_migrate,
	&xlctl_cmd_vcpu_list,
	NULL
};

const struct xlctl_family xlctl_cpupool_family = {
	"CPU pools and VCPU placement", xlctl_cpupool_cmds
};
