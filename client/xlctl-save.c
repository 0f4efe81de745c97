/* xlctl: save, restore, dump-core, managedsave, managedsave-remove,
 * migrate: the long jobs that move a domain's memory. */
#include "config.h"

#include <stdio.h>

#include "client/xlctl-cli.h"

static const struct xlctl_flag xlctl_save_flags[] = {
	{ "leave-running", 'c', NULL, "leave the domain running (a checkpoint)" },
	{ "leave-paused", 'p', NULL, "leave the domain paused" },
	{ "overwrite", 0, NULL, "replace FILE if it exists" },
	XLCTL_JOB_FLAGS,
	XLCTL_FLAG_END
};

static int xlctl_save_build(const struct xlctl_args *args,
    struct xlctl_request *req)
{
	bool running = xlctl_args_has(args, "leave-running");
	bool paused = xlctl_args_has(args, "leave-paused");

	if (running && paused)
		return xlctl_usage_error("save: -c and -p exclude each other");
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

static const char *xlctl_request_domain(const struct xlctl_request *req)
{
	const char *domain = xlctl_get_string(req->arguments, "domain");

	return domain != NULL ? domain : "";
}

static int xlctl_save_print(struct xlctl_cli *cli,
    const struct xlctl_request *req, json_object *ret)
{
	char size[32];

	printf("Domain %s saved to %s", xlctl_request_domain(req),
	    xlctl_result_file(req, ret));
	if (xlctl_get(ret, "bytes") != NULL)
		printf(" (%s)", xlctl_format_bytes(size, sizeof size,
		    (double)xlctl_get_int(ret, "bytes", 0)));
	printf(".\n");
	return XLCTL_EXIT_OK;
}

const struct xlctl_cmd xlctl_cmd_save = {
	.name = "save",
	.execute = "domain-save",
	.usage = "DOMAIN FILE [-c|-p] [--overwrite]",
	.help = "save a domain to FILE (it stops, unless -c or -p)",
	.min_args = 2, .max_args = 2,
	.kind = XLCTL_CMD_LONG_JOB,
	.flags = xlctl_save_flags,
	.build = xlctl_save_build,
	.print = xlctl_save_print,
};

static const struct xlctl_flag xlctl_restore_flags[] = {
	{ "paused", 'p', NULL, "leave the restored domain paused" },
	XLCTL_JOB_FLAGS,
	XLCTL_FLAG_END
};

static int xlctl_restore_build(const struct xlctl_args *args,
    struct xlctl_request *req)
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

	printf("Domain %s restored", name != NULL ? name : "");
	if (domid >= 0)
		printf(" (id %lld)", (long long)domid);
	printf(".\n");
	return XLCTL_EXIT_OK;
}

const struct xlctl_cmd xlctl_cmd_restore = {
	.name = "restore",
	.execute = "domain-restore",
	.usage = "FILE [-p]",
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
	XLCTL_JOB_FLAGS,
	XLCTL_FLAG_END
};

static int xlctl_dump_build(const struct xlctl_args *args,
    struct xlctl_request *req)
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
	printf("Domain %s dumped to %s.\n", xlctl_request_domain(req),
	    xlctl_result_file(req, ret));
	return XLCTL_EXIT_OK;
}

const struct xlctl_cmd xlctl_cmd_dump_core = {
	.name = "dump-core",
	.execute = "domain-dump",
	.usage = "DOMAIN FILE [--live] [--crash] [--overwrite]",
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
	printf("Domain %s saved; 'xlctl start' restores it.\n",
	    xlctl_request_domain(req));
	return XLCTL_EXIT_OK;
}

const struct xlctl_cmd xlctl_cmd_managedsave = {
	.name = "managedsave",
	.execute = "domain-managed-save",
	.usage = "DOMAIN",
	.help = "save a domain for its next start to restore",
	.min_args = 1, .max_args = 1,
	.kind = XLCTL_CMD_LONG_JOB,
	.flags = xlctl_job_flags,
	.build = xlctl_build_domain,
	.print = xlctl_managedsave_print,
};

const struct xlctl_cmd xlctl_cmd_managedsave_remove = {
	.name = "managedsave-remove",
	.execute = "domain-managed-save-remove",
	.usage = "DOMAIN",
	.help = "delete a domain's managed save image",
	.min_args = 1, .max_args = 1,
	.kind = XLCTL_CMD_JOB,
	.flags = xlctl_job_flags,
	.build = xlctl_build_domain,
};

static const struct xlctl_flag xlctl_migrate_flags[] = {
	{ "port", 0, "PORT", "the port of the xenlightd on HOST" },
	{ "live", 0, NULL, "migrate while the domain runs" },
	XLCTL_JOB_FLAGS,
	XLCTL_FLAG_END
};

static int xlctl_migrate_build(const struct xlctl_args *args,
    struct xlctl_request *req)
{
	const char *port = xlctl_args_get(args, "port");

	xlctl_req_domain(req, args->argv[0]);
	xlctl_req_string(req, "host", args->argv[1]);
	if (port != NULL &&
	    xlctl_req_int_text(req, "port", port, 1, 65535, "port") != 0)
		return XLCTL_EXIT_USAGE;
	if (xlctl_args_has(args, "live"))
		xlctl_req_bool(req, "live", true);
	return XLCTL_EXIT_OK;
}

static int xlctl_migrate_print(struct xlctl_cli *cli,
    const struct xlctl_request *req, json_object *ret)
{
	printf("Domain %s migrated to %s.\n", xlctl_request_domain(req),
	    xlctl_get_string(req->arguments, "host"));
	return XLCTL_EXIT_OK;
}

const struct xlctl_cmd xlctl_cmd_migrate = {
	.name = "migrate",
	.execute = "domain-migrate",
	.usage = "DOMAIN HOST [--port PORT] [--live]",
	.help = "migrate a domain to the xenlightd on HOST",
	.min_args = 2, .max_args = 2,
	.kind = XLCTL_CMD_LONG_JOB,
	.flags = xlctl_migrate_flags,
	.build = xlctl_migrate_build,
	.print = xlctl_migrate_print,
};
