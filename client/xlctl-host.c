/* xlctl: the host: version, host-info, host-numa, leases. */
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

/* A lost lease names who holds the disk now, when it is known. */
static const char *xlctl_lease_holder_cell(json_object *holder, char *buf,
    size_t size)
{
	const char *host = xlctl_get_string(holder, "host");
	const char *domain = xlctl_get_string(holder, "domain");

	if (host == NULL && domain == NULL)
		return "-";
	snprintf(buf, size, "%s%s%s", domain != NULL ? domain : "?",
	    host != NULL ? "@" : "", host != NULL ? host : "");
	return buf;
}

static int xlctl_leases_print(struct xlctl_cli *cli,
    const struct xlctl_request *req, json_object *ret)
{
	struct xlctl_table *t;

	if (!json_object_is_type(ret, json_type_array)) {
		xlctl_print_tree(stdout, ret, 0);
		return XLCTL_EXIT_OK;
	}
	t = xlctl_table_new(5, "lllll");
	xlctl_table_row(t, "Disk", "Mode", "Domain", "State", "Held by");
	for (size_t i = 0; i < json_object_array_length(ret); i++) {
		json_object *lease = json_object_array_get_idx(ret, i);
		char holder[320];

		xlctl_table_row(t, xlctl_get_string(lease, "disk"),
		    xlctl_get_string(lease, "mode"),
		    xlctl_get_string(lease, "domain"),
		    xlctl_get_string(lease, "state"),
		    xlctl_lease_holder_cell(xlctl_get(lease, "holder"), holder,
		    sizeof holder));
	}
	xlctl_table_print(t, stdout);
	xlctl_table_free(t);
	return XLCTL_EXIT_OK;
}

static const struct xlctl_cmd xlctl_cmd_leases = {
	.name = "leases",
	.execute = "lease-list",
	.help = "list the disk leases of this host's domains",
	.min_args = 0, .max_args = 0,
	.kind = XLCTL_CMD_QUERY,
	.print = xlctl_leases_print,
};

static const struct xlctl_cmd *const xlctl_host_cmds[] = {
	&xlctl_cmd_version,
	&xlctl_cmd_host_info,
	&xlctl_cmd_host_numa,
	&xlctl_cmd_leases,
	NULL
};

const struct xlctl_family xlctl_host_family = {
	"Host", xlctl_host_cmds
};
