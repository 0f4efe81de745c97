/* xlctl: a domain's resources and devices: mem-set, mem-max, vcpu-set,
 * vcpu-pin, sched, block-attach, block-detach, network-attach,
 * network-detach. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/xlctl-cmd.h"
#include "client/xlctl-format.h"
#include "client/xlctl-output.h"
#include "proto/mem.h"

/* DOMAIN SPEC...: the device spec as arguments[key], its words joined
 * with commas as xl joins them; no key without words. */
static void xlctl_build_device(const struct xlctl_args *args,
    struct xlctl_request *req, const char *key)
{
	size_t len = 1;
	char *spec;

	xlctl_req_domain(req, args->argv[0]);
	if (args->argc < 2)
		return;
	for (int i = 1; i < args->argc; i++)
		len += strlen(args->argv[i]) + 1;
	spec = xcalloc(1, len);
	for (int i = 1; i < args->argc; i++) {
		if (i > 1)
			strcat(spec, ",");
		strcat(spec, args->argv[i]);
	}
	xlctl_req_string(req, key, spec);
	free(spec);
}

/* ------------------------------------------------------------------------
 * Memory, VCPUs, scheduler */

static int xlctl_memory_build(const struct xlctl_args *args,
    struct xlctl_request *req, struct xlctl_error *err)
{
	int64_t kib;

	if (xlctl_parse_size_kib(args->argv[1], &kib) < 0)
		return xlctl_usage(err, "invalid size '%s': a number of MiB, "
		    "or with a suffix k, m, g or t", args->argv[1]);
	xlctl_req_domain(req, args->argv[0]);
	xlctl_req_int(req, "memory_kib", kib);
	return XLCTL_EXIT_OK;
}

/* "Domain web1: memory target set to 512.0 MiB." */
static int xlctl_memory_print(struct xlctl_cli *cli,
    const struct xlctl_request *req, json_object *ret)
{
	char size[32];

	xlctl_format_bytes(size, sizeof size,
	    (double)xlctl_get_int(req->arguments, "memory_kib", 0) * 1024);
	return xlctl_done(cli, "Domain %s: %s set to %s.",
	    xlctl_reply_domain(req, ret),
	    strcmp(req->execute, "domain-set-maxmem") == 0 ?
	    "maximum memory" : "memory target", size);
}

static const struct xlctl_cmd xlctl_cmd_mem_set = {
	.name = "mem-set",
	.execute = "domain-set-memory",
	.args = "DOMAIN SIZE",
	.help = "set a domain's memory target (MiB, or k/m/g/t)",
	.min_args = 2, .max_args = 2,
	.kind = XLCTL_CMD_JOB,
	.build = xlctl_memory_build,
	.print = xlctl_memory_print,
};

static const struct xlctl_cmd xlctl_cmd_mem_max = {
	.name = "mem-max",
	.execute = "domain-set-maxmem",
	.args = "DOMAIN SIZE",
	.help = "set a domain's maximum memory (MiB, or k/m/g/t)",
	.min_args = 2, .max_args = 2,
	.kind = XLCTL_CMD_JOB,
	.build = xlctl_memory_build,
	.print = xlctl_memory_print,
};

static int xlctl_vcpu_set_build(const struct xlctl_args *args,
    struct xlctl_request *req, struct xlctl_error *err)
{
	xlctl_req_domain(req, args->argv[0]);
	return xlctl_req_int_text(req, "count", args->argv[1], 1, INT32_MAX,
	    "VCPU count", err);
}

static int xlctl_vcpu_set_print(struct xlctl_cli *cli,
    const struct xlctl_request *req, json_object *ret)
{
	return xlctl_done(cli, "Domain %s: VCPUs set to %lld.",
	    xlctl_reply_domain(req, ret),
	    (long long)xlctl_get_int(req->arguments, "count", 0));
}

static const struct xlctl_cmd xlctl_cmd_vcpu_set = {
	.name = "vcpu-set",
	.execute = "domain-set-vcpus",
	.args = "DOMAIN COUNT",
	.help = "set the number of a domain's online VCPUs",
	.min_args = 2, .max_args = 2,
	.kind = XLCTL_CMD_JOB,
	.build = xlctl_vcpu_set_build,
	.print = xlctl_vcpu_set_print,
};

static const struct xlctl_flag xlctl_vcpu_pin_flags[] = {
	{ "soft", 0, NULL, "set the soft affinity instead of the hard one" },
	XLCTL_FLAG_END
};

static int xlctl_vcpu_pin_build(const struct xlctl_args *args,
    struct xlctl_request *req, struct xlctl_error *err)
{
	int rc;

	xlctl_req_domain(req, args->argv[0]);
	if (strcmp(args->argv[1], "all") == 0)
		xlctl_req_string(req, "vcpu", "all");
	else if ((rc = xlctl_req_int_text(req, "vcpu", args->argv[1], 0,
	    INT32_MAX, "VCPU number", err)) != XLCTL_EXIT_OK)
		return rc;
	xlctl_req_string(req, "cpus", args->argv[2]);
	if (xlctl_args_has(args, "soft"))
		xlctl_req_bool(req, "soft", true);
	return XLCTL_EXIT_OK;
}

/* "Domain web1: VCPU 1 pinned to CPUs 0-3,6." */
static int xlctl_vcpu_pin_print(struct xlctl_cli *cli,
    const struct xlctl_request *req, json_object *ret)
{
	json_object *vcpu = xlctl_get(req->arguments, "vcpu");
	char which[32] = "every VCPU";

	if (json_object_is_type(vcpu, json_type_int))
		snprintf(which, sizeof which, "VCPU %lld",
		    (long long)json_object_get_int64(vcpu));
	return xlctl_done(cli, "Domain %s: %s pinned to CPUs %s%s.",
	    xlctl_reply_domain(req, ret), which,
	    xlctl_get_string(req->arguments, "cpus"),
	    xlctl_get(req->arguments, "soft") != NULL ? " (soft affinity)" :
	    "");
}

static const struct xlctl_cmd xlctl_cmd_vcpu_pin = {
	.name = "vcpu-pin",
	.execute = "domain-pin-vcpu",
	.args = "DOMAIN VCPU CPUS",
	.help = "pin a VCPU (or all) to host CPUS (e.g. 0-3,6 or all)",
	.min_args = 3, .max_args = 3,
	.kind = XLCTL_CMD_JOB,
	.flags = xlctl_vcpu_pin_flags,
	.build = xlctl_vcpu_pin_build,
	.print = xlctl_vcpu_pin_print,
};

static const struct xlctl_flag xlctl_sched_flags[] = {
	{ "weight", 'w', "WEIGHT", "set the credit scheduler weight" },
	{ "cap", 'c', "CAP", "set the cap, in percent of one CPU (0: none)" },
	XLCTL_FLAG_END
};

static int xlctl_sched_build(const struct xlctl_args *args,
    struct xlctl_request *req, struct xlctl_error *err)
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
		    "weight", err);
	if (rc == XLCTL_EXIT_OK && cap != NULL)
		rc = xlctl_req_int_text(req, "cap", cap, 0, 65535, "cap", err);
	return rc;
}

/* The parameters, or what the change made them. */
static int xlctl_sched_print(struct xlctl_cli *cli,
    const struct xlctl_request *req, json_object *ret)
{
	json_object *weight = xlctl_get(ret, "weight");
	json_object *cap = xlctl_get(ret, "cap");
	char weight_text[32], cap_text[32];

	if (strcmp(req->execute, "domain-sched-get") == 0)
		return xlctl_print_result(cli, req, ret);
	/* the reply says what the scheduler took; the request what we asked */
	if (weight == NULL)
		weight = xlctl_get(req->arguments, "weight");
	if (cap == NULL)
		cap = xlctl_get(req->arguments, "cap");
	return xlctl_done(cli, "Domain %s: scheduler%s%s, weight %s, cap %s.",
	    xlctl_reply_domain(req, ret),
	    xlctl_get_string(ret, "scheduler") != NULL ? " " : "",
	    xlctl_get_string(ret, "scheduler") != NULL ?
	    xlctl_get_string(ret, "scheduler") : "",
	    xlctl_format_value(weight, weight_text, sizeof weight_text),
	    xlctl_format_value(cap, cap_text, sizeof cap_text));
}

static const struct xlctl_cmd xlctl_cmd_sched = {
	.name = "sched",
	.execute = "domain-sched-get",
	.execute_too = "domain-sched-set",
	.args = "DOMAIN",
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
    struct xlctl_request *req, struct xlctl_error *err)
{
	xlctl_build_device(args, req, "disk");
	return XLCTL_EXIT_OK;
}

/* "Disk xvdb (/var/lib/xen/images/data.img, read-only) attached to web1." */
static int xlctl_disk_print(struct xlctl_cli *cli,
    const struct xlctl_request *req, json_object *ret)
{
	const char *vdev = xlctl_get_string(ret, "vdev");
	const char *target = xlctl_get_string(ret, "target");
	bool readonly = json_object_get_boolean(xlctl_get(ret, "readonly"));
	bool attach = strcmp(req->execute, "domain-disk-attach") == 0;
	char detail[4200] = "";

	if (vdev == NULL)
		vdev = xlctl_get_string(req->arguments, attach ? "disk" :
		    "vdev");
	if (target != NULL && target[0] != '\0')
		snprintf(detail, sizeof detail, " (%s%s)", target,
		    readonly ? ", read-only" : "");
	else if (readonly)
		snprintf(detail, sizeof detail, " (read-only)");
	return xlctl_done(cli, "Disk %s%s %s %s.", vdev, detail,
	    attach ? "attached to" : "detached from",
	    xlctl_reply_domain(req, ret));
}

static const struct xlctl_cmd xlctl_cmd_block_attach = {
	.name = "block-attach",
	.execute = "domain-disk-attach",
	.args = "DOMAIN DISKSPEC...",
	.help = "attach a disk (an xl disk spec)",
	.min_args = 2, .max_args = -1,
	.kind = XLCTL_CMD_JOB,
	.build = xlctl_block_attach_build,
	.print = xlctl_disk_print,
};

static int xlctl_block_detach_build(const struct xlctl_args *args,
    struct xlctl_request *req, struct xlctl_error *err)
{
	xlctl_req_domain(req, args->argv[0]);
	xlctl_req_string(req, "vdev", args->argv[1]);
	return XLCTL_EXIT_OK;
}

static const struct xlctl_cmd xlctl_cmd_block_detach = {
	.name = "block-detach",
	.execute = "domain-disk-detach",
	.args = "DOMAIN VDEV",
	.help = "detach the disk VDEV (e.g. xvdb)",
	.min_args = 2, .max_args = 2,
	.kind = XLCTL_CMD_JOB,
	.build = xlctl_block_detach_build,
	.print = xlctl_disk_print,
};

static int xlctl_network_attach_build(const struct xlctl_args *args,
    struct xlctl_request *req, struct xlctl_error *err)
{
	xlctl_build_device(args, req, "nic");
	return XLCTL_EXIT_OK;
}

/* "Network interface 1 (00:16:3e:63:71:06) attached to web1." */
static int xlctl_nic_print(struct xlctl_cli *cli,
    const struct xlctl_request *req, json_object *ret)
{
	json_object *devid = xlctl_get(ret, "devid");
	const char *mac = xlctl_get_string(ret, "mac");
	char id[32] = "";

	if (devid == NULL)
		devid = xlctl_get(req->arguments, "devid");
	if (mac == NULL)
		mac = xlctl_get_string(req->arguments, "mac");
	if (json_object_is_type(devid, json_type_int))
		snprintf(id, sizeof id, " %lld",
		    (long long)json_object_get_int64(devid));
	return xlctl_done(cli, "Network interface%s%s%s%s %s %s.", id,
	    mac != NULL ? " (" : "", mac != NULL ? mac : "",
	    mac != NULL ? ")" : "",
	    strcmp(req->execute, "domain-nic-attach") == 0 ? "attached to" :
	    "detached from", xlctl_reply_domain(req, ret));
}

static const struct xlctl_cmd xlctl_cmd_network_attach = {
	.name = "network-attach",
	.execute = "domain-nic-attach",
	.args = "DOMAIN [VIFSPEC...]",
	.help = "attach a network interface (an xl vif spec)",
	.min_args = 1, .max_args = -1,
	.kind = XLCTL_CMD_JOB,
	.build = xlctl_network_attach_build,
	.print = xlctl_nic_print,
};

static int xlctl_network_detach_build(const struct xlctl_args *args,
    struct xlctl_request *req, struct xlctl_error *err)
{
	const char *which = args->argv[1];
	const char *p = which;

	while (isdigit((unsigned char)*p))
		p++;
	xlctl_req_domain(req, args->argv[0]);
	if (*p == '\0')
		return xlctl_req_int_text(req, "devid", which, 0, INT32_MAX,
		    "device id", err);
	xlctl_req_string(req, "mac", which);
	return XLCTL_EXIT_OK;
}

static const struct xlctl_cmd xlctl_cmd_network_detach = {
	.name = "network-detach",
	.execute = "domain-nic-detach",
	.args = "DOMAIN MAC|DEVID",
	.help = "detach a network interface by MAC or device id",
	.min_args = 2, .max_args = 2,
	.kind = XLCTL_CMD_JOB,
	.build = xlctl_network_detach_build,
	.print = xlctl_nic_print,
};

static const struct xlctl_cmd *const xlctl_resources_cmds[] = {
	&xlctl_cmd_mem_set,
	&xlctl_cmd_mem_max,
	&xlctl_cmd_vcpu_set,
	&xlctl_cmd_vcpu_pin,
	&xlctl_cmd_sched,
	&xlctl_cmd_block_attach,
	&xlctl_cmd_block_detach,
	&xlctl_cmd_network_attach,
	&xlctl_cmd_network_detach,
	NULL
};

const struct xlctl_family xlctl_resources_family = {
	"Resources and devices", xlctl_resources_cmds
};
