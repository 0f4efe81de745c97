/* xlctl: domain queries, definitions and settings: list, dominfo, config,
 * stats, define, undefine, autostart, mem-set, mem-max, vcpu-set,
 * vcpu-pin, sched, block-attach/-detach, network-attach/-detach. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/xlctl-cli.h"
#include "proto/json-line.h"

/* Most commands take the domain first, and only it. */
int xlctl_build_domain(const struct xlctl_args *args, struct xlctl_request *req)
{
	xlctl_req_domain(req, args->argv[0]);
	return XLCTL_EXIT_OK;
}

/* xl joins a device spec given in several words with commas. */
static char *xlctl_join(int argc, char **argv)
{
	size_t len = 1;
	char *out;

	for (int i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	if ((out = calloc(1, len)) == NULL)
		abort();
	for (int i = 0; i < argc; i++) {
		if (i > 0)
			strcat(out, ",");
		strcat(out, argv[i]);
	}
	return out;
}

/* ------------------------------------------------------------------------
 * list */

static const struct xlctl_flag xlctl_list_flags[] = {
	{ "state", 's', "STATE",
	  "only domains in STATE (running, paused, shutoff, ...)" },
	XLCTL_FLAG_END
};

static int xlctl_list_build(const struct xlctl_args *args,
    struct xlctl_request *req)
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

const struct xlctl_cmd xlctl_cmd_list = {
	.name = "list",
	.alias = "ls",
	.execute = "domain-list",
	.usage = "[--state STATE]",
	.help = "list running and defined domains",
	.min_args = 0, .max_args = 0,
	.kind = XLCTL_CMD_CALL,
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

const struct xlctl_cmd xlctl_cmd_dominfo = {
	.name = "dominfo",
	.execute = "domain-info",
	.usage = "DOMAIN",
	.help = "show a domain's state, memory, VCPUs and current job",
	.min_args = 1, .max_args = 1,
	.kind = XLCTL_CMD_CALL,
	.build = xlctl_build_domain,
	.print = xlctl_dominfo_print,
};

static int xlctl_config_print(struct xlctl_cli *cli,
    const struct xlctl_request *req, json_object *ret)
{
	xlctl_print_json(stdout, ret, true);
	return XLCTL_EXIT_OK;
}

const struct xlctl_cmd xlctl_cmd_config = {
	.name = "config",
	.execute = "domain-config",
	.usage = "DOMAIN",
	.help = "show a domain's libxl configuration as JSON",
	.min_args = 1, .max_args = 1,
	.kind = XLCTL_CMD_CALL,
	.build = xlctl_build_domain,
	.print = xlctl_config_print,
};

static int xlctl_stats_build(const struct xlctl_args *args,
    struct xlctl_request *req)
{
	if (args->argc > 0)
		xlctl_req_domain(req, args->argv[0]);
	return XLCTL_EXIT_OK;
}

const struct xlctl_cmd xlctl_cmd_stats = {
	.name = "stats",
	.execute = "domain-stats",
	.usage = "[DOMAIN]",
	.help = "show a domain's counters (all domains without DOMAIN)",
	.min_args = 0, .max_args = 1,
	.kind = XLCTL_CMD_CALL,
	.build = xlctl_stats_build,
};

/* ------------------------------------------------------------------------
 * define, undefine, autostart */

/* A configuration file: libxl's JSON if it is a JSON object, else the
 * text of an xl config file, which the daemon parses.  Also for create. */
int xlctl_build_config_file(const char *path, struct xlctl_request *req)
{
	struct err *e = NULL;
	json_object *config;
	size_t len;
	char *text;

	if ((text = xlctl_read_file(path, &len)) == NULL)
		return XLCTL_EXIT_ERROR;
	if (strlen(text) != len) {
		free(text);
		return xlctl_usage_error("%s: not a text file", path);
	}
	config = json_line_parse(text, len, &e);
	if (config != NULL)
		json_object_object_add(req->arguments, "config", config);
	else
		xlctl_req_string(req, "xl_config", text);
	err_free(e);
	free(text);
	xlctl_req_label(req, "%s %s", req->label, path);
	return XLCTL_EXIT_OK;
}

static int xlctl_define_build(const struct xlctl_args *args,
    struct xlctl_request *req)
{
	return xlctl_build_config_file(args->argv[0], req);
}

static int xlctl_define_print(struct xlctl_cli *cli,
    const struct xlctl_request *req, json_object *ret)
{
	const char *name = xlctl_get_string(ret, "name");

	printf("Domain %s defined.\n", name != NULL ? name : "");
	return XLCTL_EXIT_OK;
}

const struct xlctl_cmd xlctl_cmd_define = {
	.name = "define",
	.execute = "domain-define",
	.usage = "FILE",
	.help = "define a persistent domain from a config file",
	.min_args = 1, .max_args = 1,
	.kind = XLCTL_CMD_JOB,
	.flags = xlctl_job_flags,
	.build = xlctl_define_build,
	.print = xlctl_define_print,
};

const struct xlctl_cmd xlctl_cmd_undefine = {
	.name = "undefine",
	.execute = "domain-undefine",
	.usage = "DOMAIN",
	.help = "remove a domain's persistent definition",
	.min_args = 1, .max_args = 1,
	.kind = XLCTL_CMD_JOB,
	.flags = xlctl_job_flags,
	.build = xlctl_build_domain,
};

static const struct xlctl_flag xlctl_autostart_flags[] = {
	{ "disable", 0, NULL, "do not start the domain with the daemon" },
	XLCTL_JOB_FLAGS,
	XLCTL_FLAG_END
};

static int xlctl_autostart_build(const struct xlctl_args *args,
    struct xlctl_request *req)
{
	xlctl_req_domain(req, args->argv[0]);
	xlctl_req_bool(req, "enable", !xlctl_args_has(args, "disable"));
	return XLCTL_EXIT_OK;
}

const struct xlctl_cmd xlctl_cmd_autostart = {
	.name = "autostart",
	.execute = "domain-autostart",
	.usage = "DOMAIN [--disable]",
	.help = "start a defined domain with the daemon (or not)",
	.min_args = 1, .max_args = 1,
	.kind = XLCTL_CMD_JOB,
	.flags = xlctl_autostart_flags,
	.build = xlctl_autostart_build,
};

/* ------------------------------------------------------------------------
 * Memory, VCPUs, scheduler */

static int xlctl_memory_build(const struct xlctl_args *args,
    struct xlctl_request *req)
{
	int64_t kib;

	if (xlctl_parse_size_kib(args->argv[1], &kib) < 0)
		return xlctl_usage_error("invalid size '%s': a number of MiB, "
		    "or with a suffix k, m, g or t", args->argv[1]);
	xlctl_req_domain(req, args->argv[0]);
	xlctl_req_int(req, "memory_kib", kib);
	return XLCTL_EXIT_OK;
}

const struct xlctl_cmd xlctl_cmd_mem_set = {
	.name = "mem-set",
	.execute = "domain-set-memory",
	.usage = "DOMAIN SIZE",
	.help = "set a domain's memory target (MiB, or k/m/g/t)",
	.min_args = 2, .max_args = 2,
	.kind = XLCTL_CMD_JOB,
	.flags = xlctl_job_flags,
	.build = xlctl_memory_build,
};

const struct xlctl_cmd xlctl_cmd_mem_max = {
	.name = "mem-max",
	.execute = "domain-set-maxmem",
	.usage = "DOMAIN SIZE",
	.help = "set a domain's maximum memory (MiB, or k/m/g/t)",
	.min_args = 2, .max_args = 2,
	.kind = XLCTL_CMD_JOB,
	.flags = xlctl_job_flags,
	.build = xlctl_memory_build,
};

static int xlctl_vcpu_set_build(const struct xlctl_args *args,
    struct xlctl_request *req)
{
	xlctl_req_domain(req, args->argv[0]);
	return xlctl_req_int_text(req, "count", args->argv[1], 1, INT32_MAX,
	    "VCPU count");
}

const struct xlctl_cmd xlctl_cmd_vcpu_set = {
	.name = "vcpu-set",
	.execute = "domain-set-vcpus",
	.usage = "DOMAIN COUNT",
	.help = "set the number of a domain's online VCPUs",
	.min_args = 2, .max_args = 2,
	.kind = XLCTL_CMD_JOB,
	.flags = xlctl_job_flags,
	.build = xlctl_vcpu_set_build,
};

static const struct xlctl_flag xlctl_vcpu_pin_flags[] = {
	{ "soft", 0, NULL, "set the soft affinity instead of the hard one" },
	XLCTL_JOB_FLAGS,
	XLCTL_FLAG_END
};

static int xlctl_vcpu_pin_build(const struct xlctl_args *args,
    struct xlctl_request *req)
{
	int rc;

	xlctl_req_domain(req, args->argv[0]);
	if (strcmp(args->argv[1], "all") == 0)
		xlctl_req_string(req, "vcpu", "all");
	else if ((rc = xlctl_req_int_text(req, "vcpu", args->argv[1], 0,
	    INT32_MAX, "VCPU number")) != XLCTL_EXIT_OK)
		return rc;
	xlctl_req_string(req, "cpus", args->argv[2]);
	if (xlctl_args_has(args, "soft"))
		xlctl_req_bool(req, "soft", true);
	return XLCTL_EXIT_OK;
}

const struct xlctl_cmd xlctl_cmd_vcpu_pin = {
	.name = "vcpu-pin",
	.execute = "domain-pin-vcpu",
	.usage = "DOMAIN VCPU CPUS [--soft]",
	.help = "pin a VCPU (or all) to host CPUS (e.g. 0-3,6 or all)",
	.min_args = 3, .max_args = 3,
	.kind = XLCTL_CMD_JOB,
	.flags = xlctl_vcpu_pin_flags,
	.build = xlctl_vcpu_pin_build,
};

static const struct xlctl_flag xlctl_sched_flags[] = {
	{ "weight", 'w', "WEIGHT", "set the credit scheduler weight" },
	{ "cap", 'c', "CAP", "set the cap, in percent of one CPU (0: none)" },
	XLCTL_JOB_FLAGS,
	XLCTL_FLAG_END
};

static int xlctl_sched_build(const struct xlctl_args *args,
    struct xlctl_request *req)
{
	const char *weight = xlctl_args_get(args, "weight");
	const char *cap = xlctl_args_get(args, "cap");
	int rc = XLCTL_EXIT_OK;

	xlctl_req_domain(req, args->argv[0]);
	if (weight == NULL && cap == NULL) {
		req->execute = "domain-sched-get";
		return XLCTL_EXIT_OK;
	}
	req->execute = "domain-sched-set";
	if (weight != NULL)
		rc = xlctl_req_int_text(req, "weight", weight, 1, 65535,
		    "weight");
	if (rc == XLCTL_EXIT_OK && cap != NULL)
		rc = xlctl_req_int_text(req, "cap", cap, 0, 65535, "cap");
	return rc;
}

static int xlctl_sched_print(struct xlctl_cli *cli,
    const struct xlctl_request *req, json_object *ret)
{
	if (strcmp(req->execute, "domain-sched-get") == 0)
		return xlctl_print_result(cli, req, ret);
	return XLCTL_EXIT_OK;
}

const struct xlctl_cmd xlctl_cmd_sched = {
	.name = "sched",
	.execute = "domain-sched-get",
	.usage = "DOMAIN [--weight WEIGHT] [--cap CAP]",
	.help = "show or set a domain's scheduler weight and cap",
	.min_args = 1, .max_args = 1,
	.kind = XLCTL_CMD_JOB,
	.flags = xlctl_sched_flags,
	.build = xlctl_sched_build,
	.print = xlctl_sched_print,
};

/* ------------------------------------------------------------------------
 * Devices */

static int xlctl_block_attach_build(const struct xlctl_args *args,
    struct xlctl_request *req)
{
	char *spec = xlctl_join(args->argc - 1, args->argv + 1);

	xlctl_req_domain(req, args->argv[0]);
	xlctl_req_string(req, "disk", spec);
	free(spec);
	return XLCTL_EXIT_OK;
}

const struct xlctl_cmd xlctl_cmd_block_attach = {
	.name = "block-attach",
	.execute = "domain-disk-attach",
	.usage = "DOMAIN DISKSPEC",
	.help = "attach a disk (an xl disk spec)",
	.min_args = 2, .max_args = -1,
	.kind = XLCTL_CMD_JOB,
	.flags = xlctl_job_flags,
	.build = xlctl_block_attach_build,
	.print = xlctl_print_result,	/* the device as attached */
};

static int xlctl_block_detach_build(const struct xlctl_args *args,
    struct xlctl_request *req)
{
	xlctl_req_domain(req, args->argv[0]);
	xlctl_req_string(req, "vdev", args->argv[1]);
	return XLCTL_EXIT_OK;
}

const struct xlctl_cmd xlctl_cmd_block_detach = {
	.name = "block-detach",
	.execute = "domain-disk-detach",
	.usage = "DOMAIN VDEV",
	.help = "detach the disk VDEV (e.g. xvdb)",
	.min_args = 2, .max_args = 2,
	.kind = XLCTL_CMD_JOB,
	.flags = xlctl_job_flags,
	.build = xlctl_block_detach_build,
};

static int xlctl_network_attach_build(const struct xlctl_args *args,
    struct xlctl_request *req)
{
	xlctl_req_domain(req, args->argv[0]);
	if (args->argc > 1) {
		char *spec = xlctl_join(args->argc - 1, args->argv + 1);

		xlctl_req_string(req, "nic", spec);
		free(spec);
	}
	return XLCTL_EXIT_OK;
}

const struct xlctl_cmd xlctl_cmd_network_attach = {
	.name = "network-attach",
	.execute = "domain-nic-attach",
	.usage = "DOMAIN [VIFSPEC]",
	.help = "attach a network interface (an xl vif spec)",
	.min_args = 1, .max_args = -1,
	.kind = XLCTL_CMD_JOB,
	.flags = xlctl_job_flags,
	.build = xlctl_network_attach_build,
	.print = xlctl_print_result,	/* the device as attached */
};

static int xlctl_network_detach_build(const struct xlctl_args *args,
    struct xlctl_request *req)
{
	const char *which = args->argv[1];
	const char *p = which;

	while (isdigit((unsigned char)*p))
		p++;
	xlctl_req_domain(req, args->argv[0]);
	if (*p == '\0')
		return xlctl_req_int_text(req, "devid", which, 0, INT32_MAX,
		    "device id");
	xlctl_req_string(req, "mac", which);
	return XLCTL_EXIT_OK;
}

const struct xlctl_cmd xlctl_cmd_network_detach = {
	.name = "network-detach",
	.execute = "domain-nic-detach",
	.usage = "DOMAIN MAC|DEVID",
	.help = "detach a network interface by MAC or device id",
	.min_args = 2, .max_args = 2,
	.kind = XLCTL_CMD_JOB,
	.flags = xlctl_job_flags,
	.build = xlctl_network_detach_build,
};
