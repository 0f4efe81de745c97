/* xlctl: save, restore, dump-core, managedsave, managedsave-remove: the
 * long jobs that move a domain's memory to files (migrate is
 * xlctl-migrate.c). */
#include "config.h"

#include <stdio.h>

#include "client/xlctl-cmd.h"
#include "client/xlctl-format.h"
#include "client/xlctl-output.h"

static const struct xlctl_flag xlctl_save_flags[] = {
	{ "leave-running", 'c', NULL, "leave the domain running (a checkpoint)" },
	{ "leave-paused", 'p', NULL, "leave the domain paused" },
	{ "overwrite", 0, NULL, "replace FILE if it exists" },
	XLCTL_FLAG_END
};

static int xlctl_save_build(const struct xlctl_args *args,
    struct xlctl_request *req, struct xlctl_error *err)
{
	bool running = xlctl_args_has(args, "leave-running");
	bool paused = xlctl_args_has(args, "leave-paused");

	if (running && paused)
		return xlctl_usage(err, "save: -c and -p exclude each other");
	xlctl_req_domain(req, args->argv[0]);
	xlctl_req_path(req, "file", args->argv[1]);
	if (running || paused)
		xlctl_req_string(req, "leave", running ? "running" : "paused");
	if (xlctl_args_has(args, "overwrite"))
		xlctl_req_bool(req, "overwrite", true);
	return XLCTL_EXIT_OK;
}

/* The file a job wrote: from its result, else from the request. */
static const char *xlctl_result_file(const struct xlctl_request *req,
    json_object *ret)
{
	const char *file = xlctl_get_string(ret, "file");

	return file != NULL ? file : xlctl_get_string(req->arguments, "file");
}

static int xlctl_save_print(struct xlctl_cli *cli,
    const struct xlctl_request *req, json_object *ret)
{
	char size[32], bytes[40] = "";

	if (xlctl_get(ret, "bytes") != NULL)
		snprintf(bytes, sizeof bytes, " (%s)", xlctl_format_bytes(size,
		    sizeof size, (double)xlctl_get_int(ret, "bytes", 0)));
	return xlctl_done(cli, "Domain %s saved to %s%s.",
	    xlctl_req_get_domain(req), xlctl_result_file(req, ret), bytes);
}

static const struct xlctl_cmd xlctl_cmd_save = {
	.name = "save",
	.execute = "domain-save",
	.args = "DOMAIN FILE",
	.help = "save a domain to FILE (it stops, unless -c or -p)",
	.min_args = 2, .max_args = 2,
	.kind = XLCTL_CMD_LONG_JOB,
	.flags = xlctl_save_flags,
	.build = xlctl_save_build,
	.print = xlctl_save_print,
};

static const struct xlctl_flag xlctl_restore_flags[] = {
	{ "paused", 'p', NULL, "leave the restored domain paused" },
	XLCTL_FLAG_END
};

static int xlctl_restore_build(const struct xlctl_args *args,
    struct xlctl_request *req, struct xlctl_error *err)
{
	xlctl_req_path(req, "file", args->argv[0]);
	if (xlctl_args_has(args, "paused"))
		xlctl_req_bool(req, "paused", true);
	xlctl_req_label(req, "restore %s", args->argv[0]);
	return XLCTL_EXIT_OK;
}

static int xlctl_restore_print(struct xlctl_cli *cli,
    const struct xlctl_request *req, json_object *ret)
{
	const char *name = xlctl_get_string(ret, "name");
	int64_t domid = xlctl_get_int(ret, "domid", -1);
	char id[32] = "";

	if (domid >= 0)
		snprintf(id, sizeof id, " (id %lld)", (long long)domid);
	return xlctl_done(cli, "Domain %s restored%s.",
	    name != NULL ? name : "", id);
}

static const struct xlctl_cmd xlctl_cmd_restore = {
	.name = "restore",
	.execute = "domain-restore",
	.args = "FILE",
	.help = "restore a domain from a save file",
	.min_args = 1, .max_args = 1,
	.kind = XLCTL_CMD_LONG_JOB,
	.flags = xlctl_restore_flags,
	.build = xlctl_restore_build,
	.print = xlctl_restore_print,
};

static const struct xlctl_flag xlctl_dump_flags[] = {
	{ "live", 0, NULL, "do not pause the domain during the dump" },
	{ "crash", 0, NULL, "destroy the domain after the dump" },
	{ "overwrite", 0, NULL, "replace FILE if it exists" },
	XLCTL_FLAG_END
};

static int xlctl_dump_build(const struct xlctl_args *args,
    struct xlctl_request *req, struct xlctl_error *err)
{
	xlctl_req_domain(req, args->argv[0]);
	xlctl_req_path(req, "file", args->argv[1]);
	if (xlctl_args_has(args, "live"))
		xlctl_req_bool(req, "live", true);
	if (xlctl_args_has(args, "crash"))
		xlctl_req_bool(req, "crash", true);
	if (xlctl_args_has(args, "overwrite"))
		xlctl_req_bool(req, "overwrite", true);
	return XLCTL_EXIT_OK;
}

static int xlctl_dump_print(struct xlctl_cli *cli,
    const struct xlctl_request *req, json_object *ret)
{
	return xlctl_done(cli, "Domain %s dumped to %s.",
	    xlctl_req_get_domain(req), xlctl_result_file(req, ret));
}

static const struct xlctl_cmd xlctl_cmd_dump_core = {
	.name = "dump-core",
	.execute = "domain-dump",
	.args = "DOMAIN FILE",
	.help = "write a core dump of a domain's memory to FILE",
	.min_args = 2, .max_args = 2,
	.kind = XLCTL_CMD_LONG_JOB,
	.flags = xlctl_dump_flags,
	.build = xlctl_dump_build,
	.print = xlctl_dump_print,
};

static int xlctl_managedsave_print(struct xlctl_cli *cli,
    const struct xlctl_request *req, json_object *ret)
{
	return xlctl_done(cli, "Domain %s saved; 'xlctl start' restores it.",
	    xlctl_req_get_domain(req));
}

static const struct xlctl_cmd xlctl_cmd_managedsave = {
	.name = "managedsave",
	.execute = "domain-managed-save",
	.args = "DOMAIN",
	.help = "save a domain for its next start to restore",
	.min_args = 1, .max_args = 1,
	.kind = XLCTL_CMD_LONG_JOB,
	.build = xlctl_build_domain,
	.print = xlctl_managedsave_print,
};

static int xlctl_managedsave_remove_print(struct xlctl_cli *cli,
    const struct xlctl_request *req, json_object *ret)
{
	return xlctl_done(cli, "Domain %s has no managed save image any more.",
	    xlctl_reply_domain(req, ret));
}

static const struct xlctl_cmd xlctl_cmd_managedsave_remove = {
	.name = "managedsave-remove",
	.execute = "domain-managed-save-remove",
	.args = "DOMAIN",
	.help = "delete a domain's managed save image",
	.min_args = 1, .max_args = 1,
	.kind = XLCTL_CMD_JOB,
	.build = xlctl_build_domain,
	.print = xlctl_managedsave_remove_print,
};

static const struct xlctl_cmd *const xlctl_save_cmds[] = {
	&xlctl_cmd_save,
	&xlctl_cmd_restore,
	&xlctl_cmd_dump_core,
	&xlctl_cmd_managedsave,
	&xlctl_cmd_managedsave_remove,
	NULL
};

const struct xlctl_family xlctl_save_family = {
	"Saving, dumping", xlctl_save_cmds
};
