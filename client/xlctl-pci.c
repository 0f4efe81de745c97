/* xlctl: PCI passthrough and disk sizes: pci-attach, pci-detach, pci-list,
 * pci-assignable-list, pci-assignable-add, pci-assignable-remove,
 * block-info (xl's names). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/xlctl-cmd.h"
#include "client/xlctl-format.h"
#include "client/xlctl-output.h"
#include "proto/mem.h"

/* "Domain web1: PCI device 0000:0b:00.0 attached." */
static int xlctl_pci_print(struct xlctl_cli *cli,
    const struct xlctl_request *req, json_object *ret)
{
	const char *bdf = xlctl_get_string(ret, "bdf");

	if (bdf == NULL)
		bdf = xlctl_get_string(req->arguments, "bdf");
	return xlctl_done(cli, "Domain %s: PCI device %s %s.",
	    xlctl_reply_domain(req, ret), bdf,
	    strcmp(req->execute, "domain-pci-attach") == 0 ? "attached" :
	    "detached");
}

/* DOMAIN BDF[,OPTIONS]: xl's pci= form, split where the options start. */
static int xlctl_pci_attach_build(const struct xlctl_args *args,
    struct xlctl_request *req, struct xlctl_error *err)
{
	const char *spec = args->argv[1], *comma = strchr(spec, ',');
	char *bdf;

	xlctl_req_domain(req, args->argv[0]);
	if (comma == NULL) {
		xlctl_req_string(req, "bdf", spec);
		return XLCTL_EXIT_OK;
	}
	bdf = xstrndup(spec, (size_t)(comma - spec));
	xlctl_req_string(req, "bdf", bdf);
	free(bdf);
	if (comma[1] != '\0')
		xlctl_req_string(req, "options", comma + 1);
	return XLCTL_EXIT_OK;
}

static const struct xlctl_cmd xlctl_cmd_pci_attach = {
	.name = "pci-attach",
	.execute = "domain-pci-attach",
	.args = "DOMAIN BDF[,OPTIONS]",
	.help = "pass an assignable host PCI device through (xl pci= syntax)",
	.min_args = 2, .max_args = 2,
	.kind = XLCTL_CMD_JOB,
	.build = xlctl_pci_attach_build,
	.print = xlctl_pci_print,
};

static const struct xlctl_flag xlctl_pci_detach_flags[] = {
	{ "force", 'f', NULL, "take it without the guest's cooperation" },
	XLCTL_FLAG_END
};

static int xlctl_pci_detach_build(const struct xlctl_args *args,
    struct xlctl_request *req, struct xlctl_error *err)
{
	xlctl_req_domain(req, args->argv[0]);
	xlctl_req_string(req, "bdf", args->argv[1]);
	if (xlctl_args_has(args, "force"))
		xlctl_req_bool(req, "force", true);
	return XLCTL_EXIT_OK;
}

static const struct xlctl_cmd xlctl_cmd_pci_detach = {
	.name = "pci-detach",
	.execute = "domain-pci-detach",
	.args = "DOMAIN BDF",
	.help = "give a passed-through PCI device back to the host",
	.min_args = 2, .max_args = 2,
	.kind = XLCTL_CMD_JOB,
	.flags = xlctl_pci_detach_flags,
	.build = xlctl_pci_detach_build,
	.print = xlctl_pci_print,
};

/* As xl pci-list: "Vdev Device" rows. */
static int xlctl_pci_list_print(struct xlctl_cli *cli,
    const struct xlctl_request *req, json_object *ret)
{
	struct xlctl_table *t = xlctl_table_new(3, "lll");

	xlctl_table_row(t, "Vdev", "Device", "Options");
	for (size_t i = 0; i < json_object_array_length(ret); i++) {
		json_object *dev = json_object_array_get_idx(ret, i);
		json_object *vslot = xlctl_get(dev, "vslot");
		char slot[16] = "-", opts[64];

		if (json_object_is_type(vslot, json_type_int))
			snprintf(slot, sizeof slot, "%02llx.0",
			    (long long)json_object_get_int64(vslot));
		snprintf(opts, sizeof opts, "%s%s%s",
		    json_object_get_boolean(xlctl_get(dev, "permissive")) ?
		    "permissive " : "",
		    json_object_get_boolean(xlctl_get(dev, "seize")) ?
		    "seize " : "",
		    json_object_get_boolean(xlctl_get(dev, "power_mgmt")) ?
		    "power_mgmt" : "");
		xlctl_table_row(t, slot, xlctl_get_string(dev, "bdf"),
		    opts[0] != '\0' ? opts : "-");
	}
	xlctl_table_print(t, stdout);
	xlctl_table_free(t);
	return XLCTL_EXIT_OK;
}

static const struct xlctl_cmd xlctl_cmd_pci_list = {
	.name = "pci-list",
	.execute = "domain-pci-list",
	.args = "DOMAIN",
	.help = "a domain's PCI devices",
	.min_args = 1, .max_args = 1,
	.kind = XLCTL_CMD_QUERY,
	.build = xlctl_build_domain,
	.print = xlctl_pci_list_print,
};

/* One BDF a line, as xl pci-assignable-list. */
static int xlctl_pci_assignable_list_print(struct xlctl_cli *cli,
    const struct xlctl_request *req, json_object *ret)
{
	for (size_t i = 0; i < json_object_array_length(ret); i++)
		printf("%s\n", xlctl_get_string(json_object_array_get_idx(ret,
		    i), "bdf"));
	return XLCTL_EXIT_OK;
}

static const struct xlctl_cmd xlctl_cmd_pci_assignable_list = {
	.name = "pci-assignable-list",
	.execute = "pci-assignable-list",
	.help = "the host's PCI devices ready to be passed through",
	.min_args = 0, .max_args = 0,
	.kind = XLCTL_CMD_QUERY,
	.print = xlctl_pci_assignable_list_print,
};

static const struct xlctl_flag xlctl_pci_assignable_flags[] = {
	{ "rebind", 'r', NULL,
	  "add: remember the driver; remove: bind the device to it again" },
	XLCTL_FLAG_END
};

static int xlctl_pci_assignable_build(const struct xlctl_args *args,
    struct xlctl_request *req, struct xlctl_error *err)
{
	xlctl_req_string(req, "bdf", args->argv[0]);
	if (xlctl_args_has(args, "rebind"))
		xlctl_req_bool(req, "rebind", true);
	return XLCTL_EXIT_OK;
}

/* "PCI device 0000:0b:00.0 is assignable." */
static int xlctl_pci_assignable_print(struct xlctl_cli *cli,
    const struct xlctl_request *req, json_object *ret)
{
	const char *bdf = xlctl_get_string(ret, "bdf");

	return xlctl_done(cli, "PCI device %s %s.", bdf != NULL ? bdf :
	    xlctl_get_string(req->arguments, "bdf"),
	    strcmp(req->execute, "pci-assignable-add") == 0 ?
	    "is assignable" : "is given back to the host");
}

static const struct xlctl_cmd xlctl_cmd_pci_assignable_add = {
	.name = "pci-assignable-add",
	.execute = "pci-assignable-add",
	.args = "BDF",
	.help = "make a host PCI device assignable (bind it to pciback)",
	.min_args = 1, .max_args = 1,
	.kind = XLCTL_CMD_JOB,
	.flags = xlctl_pci_assignable_flags,
	.build = xlctl_pci_assignable_build,
	.print = xlctl_pci_assignable_print,
};

static const struct xlctl_cmd xlctl_cmd_pci_assignable_remove = {
	.name = "pci-assignable-remove",
	.execute = "pci-assignable-remove",
	.args = "BDF",
	.help = "give an assignable PCI device back to dom0",
	.min_args = 1, .max_args = 1,
	.kind = XLCTL_CMD_JOB,
	.flags = xlctl_pci_assignable_flags,
	.build = xlctl_pci_assignable_build,
	.print = xlctl_pci_assignable_print,
};

static int xlctl_block_info_build(const struct xlctl_args *args,
    struct xlctl_request *req, struct xlctl_error *err)
{
	xlctl_req_domain(req, args->argv[0]);
	xlctl_req_string(req, "device", args->argv[1]);
	return XLCTL_EXIT_OK;
}

static const struct xlctl_cmd xlctl_cmd_block_info = {
	.name = "block-info",
	.execute = "domain-block-info",
	.args = "DOMAIN VDEV|PATH",
	.help = "a disk's capacity, allocation and physical size",
	.min_args = 2, .max_args = 2,
	.kind = XLCTL_CMD_QUERY,
	.build = xlctl_block_info_build,
};

static const struct xlctl_cmd *const xlctl_pci_cmds[] = {
	&xlctl_cmd_pci_attach,
	&xlctl_cmd_pci_detach,
	&xlctl_cmd_pci_list,
	&xlctl_cmd_pci_assignable_list,
	&xlctl_cmd_pci_assignable_add,
	&xlctl_cmd_pci_assignable_remove,
	&xlctl_cmd_block_info,
	NULL
};

const struct xlctl_family xlctl_pci_family = {
	"PCI passthrough and disks", xlctl_pci_cmds
};
