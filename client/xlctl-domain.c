/* xlctl: domains: list, dominfo, config, stats, define, undefine,
 * autostart. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "client/xlctl-cmd.h"
#include "client/xlctl-format.h"
#include "client/xlctl-output.h"

/* ------------------------------------------------------------------------
 * list */

static const struct xlctl_flag xlctl_list_flags[] = {
	{ "state", 's', "STATE",
	  "only domains in STATE (running, paused, shutoff, ...)" },
	XLCTL_FLAG_END
};

static int xlctl_list_build(const struct xlctl_args *args,
    struct xlctl_request *req, struct xlctl_error *err)
{
	const char *state = xlctl_args_get(args, "state");

	if (state != NULL)
		xlctl_req_string(req, "state", state);
	return XLCTL_EXIT_OK;
}

/* "#12 domain-save" for a domain's or a list's job column. */
static const char *xlctl_job_cell(json_object *job, char *buf, size_t size)
{
	const char *type = xlctl_get_string(job, "type");

	if (!json_object_is_type(job, json_type_object))
		return "-";
	snprintf(buf, size, "#%lld %s", (long long)xlctl_get_int(job, "id", 0),
	    type != NULL ? type : "?");
	return buf;
}

static int xlctl_list_print(struct xlctl_cli *cli,
    const struct xlctl_request *req, json_object *ret)
{
	json_object *domains = ret;
	struct xlctl_table *t;

	if (json_object_is_type(ret, json_type_object))
		domains = xlctl_get(ret, "domains");
	if (!json_object_is_type(domains, json_type_array)) {
		xlctl_print_tree(stdout, ret, 0);
		return XLCTL_EXIT_OK;
	}
	t = xlctl_table_new(7, "lrrrlrl");
	xlctl_table_row(t, "Name", "ID", "Mem(MiB)", "VCPUs", "State",
	    "Time(s)", "Job");
	for (size_t i = 0; i < json_object_array_length(domains); i++) {
		json_object *d = json_object_array_get_idx(domains, i);
		char id[24] = "-", mem[24], vcpus[24], cpu[32], job[96];
		int64_t domid = xlctl_get_int(d, "domid", -1);
		int64_t online = xlctl_get_int(d, "vcpus_online", -1);

		if (domid >= 0)
			snprintf(id, sizeof id, "%lld", (long long)domid);
		snprintf(mem, sizeof mem, "%lld",
		    (long long)(xlctl_get_int(d, "memory_kib", 0) / 1024));
		snprintf(vcpus, sizeof vcpus, "%lld", (long long)(online >= 0 ?
		    online : xlctl_get_int(d, "vcpus", 0)));
		snprintf(cpu, sizeof cpu, "%.1f",
		    (double)xlctl_get_int(d, "cpu_time_ns", 0) / 1e9);
		xlctl_table_row(t, xlctl_get_string(d, "name"), id, mem, vcpus,
		    xlctl_get_string(d, "state"), cpu,
		    xlctl_job_cell(xlctl_get(d, "job"), job, sizeof job));
	}
	xlctl_table_print(t, stdout);
	xlctl_table_free(t);
	return XLCTL_EXIT_OK;
}

static const struct xlctl_cmd xlctl_cmd_list = {
	.name = "list",
	.alias = "ls",
	.execute = "domain-list",
	.help = "list running and defined domains",
	.min_args = 0, .max_args = 0,
	.kind = XLCTL_CMD_QUERY,
	.flags = xlctl_list_flags,
	.build = xlctl_list_build,
	.print = xlctl_list_print,
};

/* ------------------------------------------------------------------------
 * dominfo, config, stats */

static int xlctl_dominfo_print(struct xlctl_cli *cli,
    const struct xlctl_request *req, json_object *d)
{
	static const char *const known[] = { "name", "uuid", "domid", "state",
		"reason", "type", "persistent", "autostart", "memory_kib",
		"max_memory_kib", "vcpus", "vcpus_online", "cpu_time_ns", "job",
		NULL };
	char buf[64], size[32], job[96];
	const char *reason = xlctl_get_string(d, "reason");

	printf("%-12s %s\n", "Name:", xlctl_get_string(d, "name"));
	printf("%-12s %s\n", "UUID:",
	    xlctl_format_value(xlctl_get(d, "uuid"), buf, sizeof buf));
	printf("%-12s %s\n", "ID:",
	    xlctl_format_value(xlctl_get(d, "domid"), buf, sizeof buf));
	printf("%-12s %s%s%s%s\n", "State:",
	    xlctl_format_value(xlctl_get(d, "state"), buf, sizeof buf),
	    reason ? " (" : "", reason ? reason : "", reason ? ")" : "");
	printf("%-12s %s\n", "Type:",
	    xlctl_format_value(xlctl_get(d, "type"), buf, sizeof buf));
	printf("%-12s %s\n", "Persistent:",
	    xlctl_format_value(xlctl_get(d, "persistent"), buf, sizeof buf));
	printf("%-12s %s\n", "Autostart:",
	    xlctl_format_value(xlctl_get(d, "autostart"), buf, sizeof buf));
	printf("%-12s %s\n", "Memory:", xlctl_format_bytes(size, sizeof size,
	    (double)xlctl_get_int(d, "memory_kib", 0) * 1024));
	printf("%-12s %s\n", "Max memory:", xlctl_format_bytes(size,
	    sizeof size, (double)xlctl_get_int(d, "max_memory_kib", 0) * 1024));
	printf("%-12s %lld (%lld online)\n", "VCPUs:",
	    (long long)xlctl_get_int(d, "vcpus", 0),
	    (long long)xlctl_get_int(d, "vcpus_online", 0));
	printf("%-12s %.1f s\n", "CPU time:",
	    (double)xlctl_get_int(d, "cpu_time_ns", 0) / 1e9);
	printf("%-12s %s", "Job:",
	    xlctl_job_cell(xlctl_get(d, "job"), job, sizeof job));
	if (xlctl_get_string(xlctl_get(d, "job"), "state") != NULL)
		printf(" (%s)", xlctl_get_string(xlctl_get(d, "job"), "state"));
	printf("\n");
	/* whatever else the daemon reports */
	json_object_object_foreach(d, key, value) {
		int i;

		for (i = 0; known[i] != NULL && strcmp(known[i], key) != 0; i++)
			;
		if (known[i] == NULL) {
			char label[80];

			snprintf(label, sizeof label, "%s:", key);
			printf("%-12s %s\n", label,
			    xlctl_format_value(value, buf, sizeof buf));
		}
	}
	return XLCTL_EXIT_OK;
}

static const struct xlctl_cmd xlctl_cmd_dominfo = {
	.name = "dominfo",
	.execute = "domain-info",
	.args = "DOMAIN",
	.help = "show a domain's state, memory, VCPUs and current job",
	.min_args = 1, .max_args = 1,
	.kind = XLCTL_CMD_QUERY,
	.build = xlctl_build_domain,
	.print = xlctl_dominfo_print,
};

static int xlctl_config_print(struct xlctl_cli *cli,
    const struct xlctl_request *req, json_object *ret)
{
	xlctl_print_json(stdout, ret, true);
	return XLCTL_EXIT_OK;
}

static const struct xlctl_cmd xlctl_cmd_config = {
	.name = "config",
	.execute = "domain-config",
	.args = "DOMAIN",
	.help = "show a domain's libxl configuration as JSON",
	.min_args = 1, .max_args = 1,
	.kind = XLCTL_CMD_QUERY,
	.build = xlctl_build_domain,
	.print = xlctl_config_print,
};

static int xlctl_stats_build(const struct xlctl_args *args,
    struct xlctl_request *req, struct xlctl_error *err)
{
	if (args->argc > 0)
		xlctl_req_domain(req, args->argv[0]);
	return XLCTL_EXIT_OK;
}

static const struct xlctl_cmd xlctl_cmd_stats = {
	.name = "stats",
	.execute = "domain-stats",
	.args = "[DOMAIN]",
	.help = "show a domain's counters (all domains without DOMAIN)",
	.min_args = 0, .max_args = 1,
	.kind = XLCTL_CMD_QUERY,
	.build = xlctl_stats_build,
};

/* ------------------------------------------------------------------------
 * define, undefine, autostart */

static int xlctl_define_build(const struct xlctl_args *args,
    struct xlctl_request *req, struct xlctl_error *err)
{
	return xlctl_build_config_file(args->argv[0], req, err);
}

static int xlctl_define_print(struct xlctl_cli *cli,
    const struct xlctl_request *req, json_object *ret)
{
	const char *name = xlctl_get_string(ret, "name");

	return xlctl_done(cli, "Domain %s defined.", name != NULL ? name : "");
}

static const struct xlctl_cmd xlctl_cmd_define = {
	.name = "define",
	.execute = "domain-define",
	.args = "FILE",
	.help = "define a persistent domain from a config file",
	.min_args = 1, .max_args = 1,
	.kind = XLCTL_CMD_JOB,
	.build = xlctl_define_build,
	.print = xlctl_define_print,
};

static const struct xlctl_cmd xlctl_cmd_undefine = {
	.name = "undefine",
	.execute = "domain-undefine",
	.args = "DOMAIN",
	.help = "remove a domain's persistent definition",
	.min_args = 1, .max_args = 1,
	.kind = XLCTL_CMD_JOB,
	.build = xlctl_build_domain,
	.done = "undefined",
};

static const struct xlctl_flag xlctl_autostart_flags[] = {
	{ "disable", 0, NULL, "do not start the domain with the daemon" },
	XLCTL_FLAG_END
};

static int xlctl_autostart_build(const struct xlctl_args *args,
    struct xlctl_request *req, struct xlctl_error *err)
{
	xlctl_req_domain(req, args->argv[0]);
	xlctl_req_bool(req, "enable", !xlctl_args_has(args, "disable"));
	return XLCTL_EXIT_OK;
}

static int xlctl_autostart_print(struct xlctl_cli *cli,
    const struct xlctl_request *req, json_object *ret)
{
	bool enable = json_object_get_boolean(xlctl_get(req->arguments,
	    "enable"));

	return xlctl_done(cli, "Domain %s will %sstart with the daemon.",
	    xlctl_reply_domain(req, ret), enable ? "" : "not ");
}

static const struct xlctl_cmd xlctl_cmd_autostart = {
	.name = "autostart",
	.execute = "domain-autostart",
	.args = "DOMAIN",
	.help = "start a defined domain with the daemon (or not)",
	.min_args = 1, .max_args = 1,
	.kind = XLCTL_CMD_JOB,
	.flags = xlctl_autostart_flags,
	.build = xlctl_autostart_build,
	.print = xlctl_autostart_print,
};

static const struct xlctl_cmd *const xlctl_domain_cmds[] = {
	&xlctl_cmd_list,
	&xlctl_cmd_dominfo,
	&xlctl_cmd_config,
	&xlctl_cmd_stats,
	&xlctl_cmd_define,
	&xlctl_cmd_undefine,
	&xlctl_cmd_autostart,
	NULL
};

const struct xlctl_family xlctl_domain_family = {
	"Domains", xlctl_domain_cmds
};
