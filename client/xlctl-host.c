/* xlctl: the host: version, host-info, host-numa. */
#include "config.h"

#include <stdio.h>

#include "client/xlctl-cmd.h"
#include "client/xlctl-format.h"

static int xlctl_version_print(struct xlctl_cli *cli,
    const struct xlctl_request *req, json_object *ret)
{
	printf("xlctl %s\n", PACKAGE_VERSION);
	xlctl_print_tree(stdout, ret, 0);
	return XLCTL_EXIT_OK;
}

static const struct xlctl_cmd xlctl_cmd_version = {
	.name = "version",
	.execute = "version",
	.help = "show the versions of xlctl, xenlightd, libxl and Xen",
	.min_args = 0, .max_args = 0,
	.kind = XLCTL_CMD_QUERY,
	.print = xlctl_version_print,
};

static const struct xlctl_cmd xlctl_cmd_host_info = {
	.name = "host-info",
	.alias = "info",
	.execute = "host-info",
	.help = "show the host's CPUs, memory and Xen version",
	.min_args = 0, .max_args = 0,
	.kind = XLCTL_CMD_QUERY,
};

static const struct xlctl_cmd xlctl_cmd_host_numa = {
	.name = "host-numa",
	.execute = "host-numa",
	.help = "show the host's NUMA nodes: memory and CPUs",
	.min_args = 0, .max_args = 0,
	.kind = XLCTL_CMD_QUERY,
};

static const struct xlctl_cmd *const xlctl_host_cmds[] = {
	&xlctl_cmd_version,
	&xlctl_cmd_host_info,
	&xlctl_cmd_host_numa,
	NULL
};

const struct xlctl_family xlctl_host_family = {
	"Host", xlctl_host_cmds
};
