/* xlctl: the top.  The table of command families, the global options, and
 * one run of a command line: parse, build the request, send it, print the
 * reply, report an error once.  Everything below knows nothing of this
 * file: the families are handed down as a table. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "client/xlctl-cli.h"
#include "client/xlctl-complete.h"
#include "client/xlctl-connect.h"
#include "client/xlctl-follow.h"
#include "client/xlctl-help.h"
#include "client/xlctl-output.h"

static const struct xlctl_flag xlctl_global_flags[] = {
	{ "socket", 'c', "SOCKET", "connect to SOCKET" },
	{ "read-only", 'r', NULL, "use the read-only socket" },
	{ "json", 0, NULL, "print return values and errors as JSON" },
	{ "quiet", 'q', NULL, "say nothing on success but what was asked for" },
	{ "timeout", 0, "MS", "wait at most MS ms for each reply" },
	{ "help", 'h', NULL, "show this help" },
	XLCTL_FLAG_END
};

#define XLCTL_USAGE "usage: xlctl [-c SOCKET] [-r] [--json] [-q] " \
	"[--timeout MS] COMMAND [ARGS]"

static int xlctl_help_run(struct xlctl_cli *, const struct xlctl_args *,
    struct xlctl_request *, struct xlctl_error *);

static const struct xlctl_cmd xlctl_cmd_help = {
	.name = "help",
	.args = "[COMMAND]",
	.help = "list the commands, or show one command's usage",
	.min_args = 0, .max_args = 1,
	.kind = XLCTL_CMD_OWN,
	.run = xlctl_help_run,
};

static const struct xlctl_cmd *const xlctl_help_cmds[] = {
	&xlctl_cmd_help,
	NULL
};

static const struct xlctl_family xlctl_help_family = {
	"Help", xlctl_help_cmds
};

/* The order of `xlctl help`. */
const struct xlctl_family *const xlctl_families[] = {
	&xlctl_host_family,
	&xlctl_domain_family,
	&xlctl_lifecycle_family,
	&xlctl_resources_family,
	&xlctl_pci_family,
	&xlctl_cpupool_family,
	&xlctl_save_family,
	&xlctl_migrate_family,
	&xlctl_jobs_family,
	&xlctl_events_family,
	&xlctl_help_family,
	NULL
};

const struct xlctl_cmd *xlctl_cmd_find(const char *name)
{
	return xlctl_cmd_lookup(xlctl_families, name);
}

static int xlctl_help_run(struct xlctl_cli *cli, const struct xlctl_args *args,
    struct xlctl_request *req, struct xlctl_error *err)
{
	if (args->argc == 0)
		return xlctl_help_all(cli, xlctl_families, XLCTL_USAGE,
		    xlctl_global_flags);
	return xlctl_help_command(cli, xlctl_cmd_find(args->argv[0]),
	    args->argv[0], err);
}

/* ------------------------------------------------------------------------
 * One command */

/* "unknown option --json" after the command: say where it belongs. */
static void xlctl_hint_global(const struct xlctl_cmd *cmd, int argc,
    char **argv, struct xlctl_error *err)
{
	const struct xlctl_flag *lists[XLCTL_CMD_FLAG_LISTS];
	const struct xlctl_flag *globals[] = { xlctl_global_flags, NULL };
	size_t used = strlen(err->desc);

	xlctl_cmd_flag_lists(cmd, lists);
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		const char *name = argv[i] + 2;
		size_t len = strcspn(name, "=");

		if (strncmp(argv[i], "--", 2) != 0 ||
		    xlctl_flag_find(lists, name, len, 0) != NULL ||
		    xlctl_flag_find(globals, name, len, 0) == NULL)
			continue;
		snprintf(err->desc + used, sizeof err->desc - used,
		    " (a global option: it goes before the command, as in "
		    "'xlctl --%.*s %s ...')", (int)len, name, cmd->name);
		return;
	}
}

static int xlctl_cmd_run(struct xlctl_cli *cli, const struct xlctl_args *args,
    struct xlctl_error *err)
{
	const struct xlctl_cmd *cmd = cli->cmd;
	struct xlctl_request req;
	json_object *ret;
	int rc;

	if ((rc = xlctl_cmd_build(cmd, args, &req, err)) != XLCTL_EXIT_OK)
		return rc;
	if (cmd->kind == XLCTL_CMD_OWN) {
		rc = cmd->run(cli, args, &req, err);
		goto out;
	}
	if ((rc = xlctl_cli_connect(cli, err)) != XLCTL_EXIT_OK)
		goto out;
	if (cmd->kind == XLCTL_CMD_LONG_JOB && !req.options.detach) {
		rc = xlctl_job_follow(cli, &req, err);
		goto out;
	}
	ret = xlctl_call(cli->conn, req.execute, req.arguments, &req.options,
	    cli->timeout_ms, err);
	if (ret == NULL) {
		rc = XLCTL_EXIT_ERROR;
		goto out;
	}
	rc = xlctl_output(cli, &req, ret);
	json_object_put(ret);
out:
	xlctl_request_clear(&req);
	return rc;
}

int xlctl_cli_build(int argc, char **argv, struct xlctl_request *req)
{
	struct xlctl_error err = { 0 };
	const struct xlctl_cmd *cmd;
	struct xlctl_args args;
	bool help;
	int rc;

	memset(req, 0, sizeof *req);
	if (argc < 1 || (cmd = xlctl_cmd_find(argv[0])) == NULL)
		rc = xlctl_fail(&err, XLCTL_EXIT_USAGE, XLCTL_CLASS_NO_COMMAND,
		    "unknown command '%s'", argc < 1 ? "" : argv[0]);
	else if (cmd->build == NULL && cmd->execute == NULL)
		rc = xlctl_usage(&err, "%s sends no request", cmd->name);
	else if ((rc = xlctl_cmd_parse(cmd, argc, argv, &args, &help,
	    &err)) == XLCTL_EXIT_OK) {
		if (help)
			rc = xlctl_usage(&err, "%s --help sends no request",
			    cmd->name);
		else
			rc = xlctl_cmd_build(cmd, &args, req, &err);
		xlctl_args_free(&args);
	}
	return rc == XLCTL_EXIT_OK ? rc : xlctl_error_report(&err, rc, false);
}

/* ------------------------------------------------------------------------
 * The command line */

/* --json among the global options, even if they do not parse: the error
 * that says so must be JSON too. */
static bool xlctl_wants_json(int argc, char **argv)
{
	for (int i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "--json") == 0)
			return true;
	}
	return false;
}

static int xlctl_cli_run(struct xlctl_cli *cli, int argc, char **argv,
    struct xlctl_error *err)
{
	const struct xlctl_flag *globals[] = { xlctl_global_flags, NULL };
	struct xlctl_args global, args;
	const char *timeout;
	bool help;
	int64_t ms;
	int rc;

	if ((rc = xlctl_args_parse(&global, globals, argc - 1, argv + 1, true,
	    err)) != XLCTL_EXIT_OK) {
		xlctl_error_add(err, "usage", json_object_new_string(
		    XLCTL_USAGE));
		return rc;
	}
	cli->socket_path = xlctl_args_get(&global, "socket");
	cli->read_only = xlctl_args_has(&global, "read-only");
	if (cli->socket_path == NULL)
		cli->socket_path = cli->read_only ? XLCTL_RO_SOCKET_PATH :
		    XLCTL_SOCKET_PATH;
	cli->json = xlctl_args_has(&global, "json");
	cli->quiet = xlctl_args_has(&global, "quiet");
	if ((timeout = xlctl_args_get(&global, "timeout")) != NULL) {
		if (xlctl_parse_int(timeout, 0, INT32_MAX, &ms) < 0) {
			rc = xlctl_usage(err, "invalid --timeout '%s': "
			    "a number of milliseconds", timeout);
			goto out;
		}
		cli->timeout_ms = (int)ms;
	}
	if (xlctl_args_has(&global, "help")) {
		cli->cmd = &xlctl_cmd_help;
		args = (struct xlctl_args){ .argc = global.argc,
		    .argv = global.argv };
		rc = xlctl_help_run(cli, &args, NULL, err);
		goto out;
	}
	if (global.argc == 0) {
		rc = xlctl_usage(err, "no command (see 'xlctl help')");
		xlctl_error_add(err, "usage", json_object_new_string(
		    XLCTL_USAGE));
		goto out;
	}
	if ((cli->cmd = xlctl_cmd_find(global.argv[0])) == NULL) {
		rc = xlctl_fail(err, XLCTL_EXIT_USAGE, XLCTL_CLASS_NO_COMMAND,
		    "unknown command '%s' (see 'xlctl help')", global.argv[0]);
		goto out;
	}
	if ((rc = xlctl_cmd_parse(cli->cmd, global.argc, global.argv, &args,
	    &help, err)) != XLCTL_EXIT_OK) {
		xlctl_hint_global(cli->cmd, global.argc, global.argv, err);
		goto out;
	}
	if (help)
		rc = xlctl_help_command(cli, cli->cmd, cli->cmd->name, err);
	else
		rc = xlctl_cmd_run(cli, &args, err);
	xlctl_args_free(&args);
out:
	xlctl_args_free(&global);
	return rc;
}

int xlctl_cli_main(int argc, char **argv)
{
	struct xlctl_cli cli = { .timeout_ms = -1 };
	struct xlctl_error err = { 0 };
	int rc;

	/* the shell's completion function asks; not a command of its own */
	if (argc >= 2 && strcmp(argv[1], "__complete") == 0)
		return xlctl_complete(xlctl_families, xlctl_global_flags,
		    argc - 2, argv + 2);
	cli.json = xlctl_wants_json(argc, argv);
	rc = xlctl_cli_run(&cli, argc, argv, &err);
	if (rc != XLCTL_EXIT_OK)
		xlctl_error_report(&err, rc, cli.json);
	xlctl_error_clear(&err);
	fflush(stdout);
	xlctl_close(cli.conn);
	return rc;
}
