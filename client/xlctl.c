/* xlctl: the command table, option parsing, dispatch and help. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/xlctl-cli.h"

static int xlctl_help_run(struct xlctl_cli *, const struct xlctl_args *,
    struct xlctl_request *);

static const struct xlctl_cmd xlctl_cmd_help = {
	.name = "help",
	.usage = "[COMMAND]",
	.help = "list the commands, or show one command's usage",
	.min_args = 0, .max_args = 1,
	.kind = XLCTL_CMD_OWN,
	.run = xlctl_help_run,
};

/* The order of `xlctl help`. */
static const struct xlctl_cmd *const xlctl_cmds[] = {
	&xlctl_cmd_version, &xlctl_cmd_host_info, &xlctl_cmd_host_numa,
	&xlctl_cmd_list, &xlctl_cmd_dominfo, &xlctl_cmd_config,
	&xlctl_cmd_stats, &xlctl_cmd_define, &xlctl_cmd_undefine,
	&xlctl_cmd_autostart, &xlctl_cmd_create, &xlctl_cmd_start,
	&xlctl_cmd_shutdown, &xlctl_cmd_reboot, &xlctl_cmd_destroy,
	&xlctl_cmd_pause, &xlctl_cmd_unpause, &xlctl_cmd_mem_set,
	&xlctl_cmd_mem_max, &xlctl_cmd_vcpu_set, &xlctl_cmd_vcpu_pin,
	&xlctl_cmd_sched, &xlctl_cmd_block_attach, &xlctl_cmd_block_detach,
	&xlctl_cmd_network_attach, &xlctl_cmd_network_detach, &xlctl_cmd_save,
	&xlctl_cmd_restore, &xlctl_cmd_dump_core, &xlctl_cmd_managedsave,
	&xlctl_cmd_managedsave_remove, &xlctl_cmd_migrate, &xlctl_cmd_jobs,
	&xlctl_cmd_job, &xlctl_cmd_job_wait, &xlctl_cmd_abort,
	&xlctl_cmd_job_dismiss, &xlctl_cmd_events, &xlctl_cmd_raw,
	&xlctl_cmd_help, NULL
};

static const struct xlctl_flag xlctl_global_flags[] = {
	{ "socket", 'c', "SOCKET", "connect to SOCKET" },
	{ "read-only", 'r', NULL, "use the read-only socket" },
	{ "json", 0, NULL, "print the raw JSON return value" },
	{ "timeout", 0, "MS", "wait at most MS ms for each reply" },
	{ "help", 'h', NULL, "show this help" },
	XLCTL_FLAG_END
};

const struct xlctl_flag xlctl_job_flags[] = {
	XLCTL_JOB_FLAGS,
	XLCTL_FLAG_END
};

#define XLCTL_USAGE "usage: xlctl [-c SOCKET] [-r] [--json] [--timeout MS] " \
	"COMMAND [ARGS]\n"

/* ------------------------------------------------------------------------
 * Options */

static const struct xlctl_flag *xlctl_flag_find(const struct xlctl_flag *flags,
    const char *name, size_t len, char letter)
{
	for (; flags != NULL && flags->name != NULL; flags++) {
		if (name != NULL && strlen(flags->name) == len &&
		    strncmp(flags->name, name, len) == 0)
			return flags;
		if (name == NULL && letter != 0 && flags->letter == letter)
			return flags;
	}
	return NULL;
}

static void xlctl_args_add(struct xlctl_args *args,
    const struct xlctl_flag *flag, const char *value)
{
	args->given[args->ngiven].flag = flag;
	args->given[args->ngiven].value = value;
	args->ngiven++;
}

int xlctl_args_parse(struct xlctl_args *args, const struct xlctl_flag *flags,
    int argc, char **argv, bool stop_at_positional)
{
	bool options_ended = false;

	memset(args, 0, sizeof *args);
	args->argv = calloc((size_t)argc + 1, sizeof *args->argv);
	args->given = calloc((size_t)argc + 1, sizeof *args->given);
	if (args->argv == NULL || args->given == NULL)
		abort();
	for (int i = 0; i < argc; i++) {
		char *arg = argv[i];
		const struct xlctl_flag *flag;

		if (options_ended || arg[0] != '-' || arg[1] == '\0') {
			if (!stop_at_positional) {
				args->argv[args->argc++] = arg;
				continue;
			}
			while (i < argc)
				args->argv[args->argc++] = argv[i++];
			break;
		}
		if (strcmp(arg, "--") == 0) {
			options_ended = true;
			continue;
		}
		if (arg[1] == '-') {
			const char *name = arg + 2, *eq = strchr(name, '=');
			size_t len = eq != NULL ? (size_t)(eq - name) :
			    strlen(name);
			const char *value = "";

			flag = xlctl_flag_find(flags, name, len, 0);
			if (flag == NULL) {
				xlctl_usage_error("unknown option --%.*s",
				    (int)len, name);
				goto fail;
			}
			if (flag->value != NULL && eq != NULL)
				value = eq + 1;
			else if (flag->value != NULL && i + 1 < argc)
				value = argv[++i];
			else if (flag->value != NULL) {
				xlctl_usage_error("option --%s needs a value",
				    flag->name);
				goto fail;
			} else if (eq != NULL) {
				xlctl_usage_error("option --%s takes no value",
				    flag->name);
				goto fail;
			}
			xlctl_args_add(args, flag, value);
			continue;
		}
		/* -abc: switches bundled; one taking a value ends the word */
		for (const char *p = arg + 1; *p != '\0'; p++) {
			flag = xlctl_flag_find(flags, NULL, 0, *p);
			if (flag == NULL) {
				xlctl_usage_error("unknown option -%c", *p);
				goto fail;
			}
			if (flag->value == NULL) {
				xlctl_args_add(args, flag, "");
				continue;
			}
			if (p[1] != '\0')
				xlctl_args_add(args, flag, p + 1);
			else if (i + 1 < argc)
				xlctl_args_add(args, flag, argv[++i]);
			else {
				xlctl_usage_error("option -%c needs a value",
				    *p);
				goto fail;
			}
			break;
		}
	}
	return 0;
fail:
	xlctl_args_free(args);
	return -1;
}

void xlctl_args_free(struct xlctl_args *args)
{
	free(args->argv);
	free(args->given);
	memset(args, 0, sizeof *args);
}

const char *xlctl_args_nth(const struct xlctl_args *args, const char *name,
    int i)
{
	for (int n = 0; n < args->ngiven; n++) {
		if (strcmp(args->given[n].flag->name, name) == 0 && i-- == 0)
			return args->given[n].value;
	}
	return NULL;
}

const char *xlctl_args_get(const struct xlctl_args *args, const char *name)
{
	const char *value = NULL;

	for (int n = 0; n < args->ngiven; n++) {
		if (strcmp(args->given[n].flag->name, name) == 0)
			value = args->given[n].value;
	}
	return value;
}

bool xlctl_args_has(const struct xlctl_args *args, const char *name)
{
	return xlctl_args_get(args, name) != NULL;
}

/* ------------------------------------------------------------------------
 * Errors and output */

int xlctl_usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("xlctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return XLCTL_EXIT_USAGE;
}

int xlctl_report(struct xlctl_error *err)
{
	fprintf(stderr, "xlctl: %s: %s\n", err->class_name, err->desc);
	xlctl_error_clear(err);
	return XLCTL_EXIT_ERROR;
}

int xlctl_print_nothing(struct xlctl_cli *cli, const struct xlctl_request *req,
    json_object *ret)
{
	return XLCTL_EXIT_OK;
}

int xlctl_output(struct xlctl_cli *cli, const struct xlctl_request *req,
    json_object *ret)
{
	if (cli->json) {
		xlctl_print_json(stdout, ret, false);
		return XLCTL_EXIT_OK;
	}
	if (req->options.detach) {
		printf("job %lld\n", (long long)xlctl_get_int(ret, "job", -1));
		return XLCTL_EXIT_OK;
	}
	if (cli->cmd != NULL && cli->cmd->print != NULL)
		return cli->cmd->print(cli, req, ret);
	/* changes are silent, as with xl; queries show what they got */
	if (cli->cmd != NULL && cli->cmd->kind != XLCTL_CMD_CALL)
		return XLCTL_EXIT_OK;
	xlctl_print_tree(stdout, ret, 0);
	return XLCTL_EXIT_OK;
}

int xlctl_print_result(struct xlctl_cli *cli, const struct xlctl_request *req,
    json_object *ret)
{
	json_object *copy = NULL;

	if (!json_object_is_type(ret, json_type_object)) {
		xlctl_print_tree(stdout, ret, 0);
		return XLCTL_EXIT_OK;
	}
	/* a job's id says nothing once it is over */
	json_object_deep_copy(ret, &copy, NULL);
	json_object_object_del(copy, "job");
	xlctl_print_tree(stdout, copy, 0);
	json_object_put(copy);
	return XLCTL_EXIT_OK;
}

void xlctl_request_clear(struct xlctl_request *req)
{
	json_object_put(req->arguments);
	memset(req, 0, sizeof *req);
}

int xlctl_cli_connect(struct xlctl_cli *cli)
{
	struct xlctl_error err;

	if (cli->conn != NULL)
		return XLCTL_EXIT_OK;
	cli->conn = xlctl_connect_timeout(cli->socket_path,
	    cli->timeout_ms >= 0 ? cli->timeout_ms : XLCTL_CONNECT_TIMEOUT_MS,
	    &err);
	if (cli->conn != NULL)
		return XLCTL_EXIT_OK;
	/* "Disconnected: cannot connect to ..." says the same thing twice */
	if (strcmp(err.class_name, "Disconnected") == 0)
		fprintf(stderr, "xlctl: %s\n", err.desc);
	else
		fprintf(stderr, "xlctl: %s: %s\n", err.class_name, err.desc);
	xlctl_error_clear(&err);
	return XLCTL_EXIT_CONNECT;
}

/* ------------------------------------------------------------------------
 * Dispatch */

const struct xlctl_cmd *xlctl_cmd_find(const char *name)
{
	const struct xlctl_cmd *const *cmd;

	for (cmd = xlctl_cmds; *cmd != NULL; cmd++) {
		if (strcmp((*cmd)->name, name) == 0 ||
		    ((*cmd)->alias != NULL && strcmp((*cmd)->alias, name) == 0))
			return *cmd;
	}
	/* The protocol's own names work too: `xlctl domain-list`. */
	for (cmd = xlctl_cmds; *cmd != NULL; cmd++) {
		if ((*cmd)->execute != NULL &&
		    strcmp((*cmd)->execute, name) == 0)
			return *cmd;
	}
	return NULL;
}

static bool xlctl_cmd_is_job(const struct xlctl_cmd *cmd)
{
	return cmd->kind == XLCTL_CMD_JOB || cmd->kind == XLCTL_CMD_LONG_JOB;
}

static void xlctl_print_usage(FILE *f, const struct xlctl_cmd *cmd)
{
	fprintf(f, "usage: xlctl %s%s%s%s\n", cmd->name,
	    cmd->usage != NULL ? " " : "", cmd->usage != NULL ? cmd->usage : "",
	    xlctl_cmd_is_job(cmd) ? " [--detach] [--wait MS]" : "");
}

/* Builds the request of a parsed command line. */
static int xlctl_build(const struct xlctl_cmd *cmd,
    const struct xlctl_args *args, struct xlctl_request *req)
{
	const char *wait;
	int64_t ms;
	int rc = XLCTL_EXIT_OK;

	memset(req, 0, sizeof *req);
	req->execute = cmd->execute;
	req->arguments = json_object_new_object();
	snprintf(req->label, sizeof req->label, "%s", cmd->name);
	if (xlctl_cmd_is_job(cmd)) {
		req->options.detach = xlctl_args_has(args, "detach");
		if ((wait = xlctl_args_get(args, "wait")) != NULL) {
			if (xlctl_parse_int(wait, 0, INT64_MAX, &ms) < 0) {
				rc = xlctl_usage_error("invalid --wait '%s': "
				    "a number of milliseconds", wait);
				goto out;
			}
			req->options.has_lock_wait_ms = true;
			req->options.lock_wait_ms = ms;
		}
	}
	if (cmd->build != NULL)
		rc = cmd->build(args, req);
out:
	if (rc != XLCTL_EXIT_OK)
		xlctl_request_clear(req);
	return rc;
}

/* Parses a subcommand's arguments (argv[0] is its name). */
static int xlctl_cmd_parse(const struct xlctl_cmd *cmd, int argc, char **argv,
    struct xlctl_args *args)
{
	if (xlctl_args_parse(args, cmd->flags, argc - 1, argv + 1, false) < 0) {
		xlctl_print_usage(stderr, cmd);
		return XLCTL_EXIT_USAGE;
	}
	if (args->argc < cmd->min_args ||
	    (cmd->max_args >= 0 && args->argc > cmd->max_args)) {
		xlctl_usage_error("%s: %s", cmd->name,
		    args->argc < cmd->min_args ? "missing arguments" :
		    "too many arguments");
		xlctl_print_usage(stderr, cmd);
		xlctl_args_free(args);
		return XLCTL_EXIT_USAGE;
	}
	return XLCTL_EXIT_OK;
}

int xlctl_cli_build(int argc, char **argv, struct xlctl_request *req)
{
	const struct xlctl_cmd *cmd;
	struct xlctl_args args;
	int rc;

	memset(req, 0, sizeof *req);
	if (argc < 1 || (cmd = xlctl_cmd_find(argv[0])) == NULL)
		return xlctl_usage_error("unknown command '%s'",
		    argc < 1 ? "" : argv[0]);
	if (cmd->build == NULL && cmd->execute == NULL)
		return xlctl_usage_error("%s sends no request", cmd->name);
	if ((rc = xlctl_cmd_parse(cmd, argc, argv, &args)) != XLCTL_EXIT_OK)
		return rc;
	rc = xlctl_build(cmd, &args, req);
	xlctl_args_free(&args);
	return rc;
}

static int xlctl_cmd_run(struct xlctl_cli *cli, const struct xlctl_args *args)
{
	const struct xlctl_cmd *cmd = cli->cmd;
	struct xlctl_request req;
	struct xlctl_error err;
	json_object *ret;
	int rc;

	if ((rc = xlctl_build(cmd, args, &req)) != XLCTL_EXIT_OK)
		return rc;
	if (cmd->kind == XLCTL_CMD_OWN) {
		rc = cmd->run(cli, args, &req);
		goto out;
	}
	if ((rc = xlctl_cli_connect(cli)) != XLCTL_EXIT_OK)
		goto out;
	if (cmd->kind == XLCTL_CMD_LONG_JOB && !req.options.detach) {
		rc = xlctl_job_follow(cli, &req);
		goto out;
	}
	ret = xlctl_call(cli->conn, req.execute, req.arguments, &req.options,
	    cli->timeout_ms, &err);
	if (ret == NULL) {
		rc = xlctl_report(&err);
		goto out;
	}
	rc = xlctl_output(cli, &req, ret);
	json_object_put(ret);
out:
	xlctl_request_clear(&req);
	return rc;
}

int xlctl_cli_main(int argc, char **argv)
{
	struct xlctl_cli cli = { .timeout_ms = -1 };
	struct xlctl_args global, args;
	const char *timeout;
	int64_t ms;
	int rc;

	if (xlctl_args_parse(&global, xlctl_global_flags, argc - 1, argv + 1,
	    true) < 0) {
		fputs(XLCTL_USAGE, stderr);
		return XLCTL_EXIT_USAGE;
	}
	cli.socket_path = xlctl_args_get(&global, "socket");
	cli.read_only = xlctl_args_has(&global, "read-only");
	if (cli.socket_path == NULL)
		cli.socket_path = cli.read_only ? XLCTL_RO_SOCKET_PATH :
		    XLCTL_SOCKET_PATH;
	cli.json = xlctl_args_has(&global, "json");
	if ((timeout = xlctl_args_get(&global, "timeout")) != NULL) {
		if (xlctl_parse_int(timeout, 0, INT32_MAX, &ms) < 0) {
			rc = xlctl_usage_error("invalid --timeout '%s': "
			    "a number of milliseconds", timeout);
			goto out;
		}
		cli.timeout_ms = (int)ms;
	}
	if (xlctl_args_has(&global, "help")) {
		cli.cmd = &xlctl_cmd_help;
		args = (struct xlctl_args){ .argc = global.argc,
		    .argv = global.argv };
		rc = xlctl_help_run(&cli, &args, NULL);
		goto out;
	}
	if (global.argc == 0) {
		fputs(XLCTL_USAGE "(see 'xlctl help')\n", stderr);
		rc = XLCTL_EXIT_USAGE;
		goto out;
	}
	if ((cli.cmd = xlctl_cmd_find(global.argv[0])) == NULL) {
		rc = xlctl_usage_error("unknown command '%s' (see 'xlctl help')",
		    global.argv[0]);
		goto out;
	}
	if ((rc = xlctl_cmd_parse(cli.cmd, global.argc, global.argv,
	    &args)) != XLCTL_EXIT_OK)
		goto out;
	rc = xlctl_cmd_run(&cli, &args);
	xlctl_args_free(&args);
out:
	fflush(stdout);
	xlctl_close(cli.conn);
	xlctl_args_free(&global);
	return rc;
}

/* ------------------------------------------------------------------------
 * Help */

static void xlctl_print_flags(FILE *f, const struct xlctl_flag *flags)
{
	for (; flags != NULL && flags->name != NULL; flags++) {
		char left[64];

		if (flags->letter != 0)
			snprintf(left, sizeof left, "-%c, --%s%s%s",
			    flags->letter, flags->name,
			    flags->value ? " " : "",
			    flags->value ? flags->value : "");
		else
			snprintf(left, sizeof left, "--%s%s%s", flags->name,
			    flags->value ? " " : "",
			    flags->value ? flags->value : "");
		fprintf(f, "  %-22s %s\n", left, flags->help);
	}
}

/* query-commands: an array of commands, or {"commands":[...]}. */
static json_object *xlctl_commands_list(json_object *ret)
{
	if (json_object_is_type(ret, json_type_object))
		ret = xlctl_get(ret, "commands");
	return json_object_is_type(ret, json_type_array) ? ret : NULL;
}

static json_object *xlctl_commands_find(json_object *list, const char *name)
{
	size_t n = json_object_array_length(list);

	for (size_t i = 0; i < n; i++) {
		json_object *entry = json_object_array_get_idx(list, i);
		const char *entry_name = xlctl_get_string(entry, "name");

		if (entry_name != NULL && strcmp(entry_name, name) == 0)
			return entry;
	}
	return NULL;
}

/* The daemon's command list, or NULL with a note on why not. */
static json_object *xlctl_query_commands(struct xlctl_cli *cli)
{
	struct xlctl_error err;
	json_object *ret, *list;

	if (cli->conn == NULL) {
		cli->conn = xlctl_connect_timeout(cli->socket_path,
		    cli->timeout_ms >= 0 ? cli->timeout_ms :
		    XLCTL_CONNECT_TIMEOUT_MS, &err);
		if (cli->conn == NULL) {
			printf("\n(xenlightd's own commands: %s)\n", err.desc);
			xlctl_error_clear(&err);
			return NULL;
		}
	}
	ret = xlctl_call(cli->conn, "query-commands", NULL, NULL,
	    cli->timeout_ms, &err);
	if (ret == NULL) {
		printf("\n(xenlightd's own commands: %s: %s)\n",
		    err.class_name, err.desc);
		xlctl_error_clear(&err);
		return NULL;
	}
	if ((list = xlctl_commands_list(ret)) == NULL) {
		printf("\n(xenlightd's own commands: unexpected reply)\n");
		json_object_put(ret);
		return NULL;
	}
	json_object_get(list);
	json_object_put(ret);
	return list;
}

static int xlctl_help_all(struct xlctl_cli *cli)
{
	json_object *list;

	fputs(XLCTL_USAGE "\nOptions:\n", stdout);
	xlctl_print_flags(stdout, xlctl_global_flags);
	printf("Sockets: %s (full access)\n"
	    "         %s (read-only, with -r)\n", XLCTL_SOCKET_PATH,
	    XLCTL_RO_SOCKET_PATH);
	printf("\nCommands:\n");
	for (const struct xlctl_cmd *const *cmd = xlctl_cmds; *cmd; cmd++) {
		char name[48];

		snprintf(name, sizeof name, "%s%s%s", (*cmd)->name,
		    (*cmd)->alias ? ", " : "",
		    (*cmd)->alias ? (*cmd)->alias : "");
		printf("  %-20s %s\n", name, (*cmd)->help);
	}
	if ((list = xlctl_query_commands(cli)) == NULL)
		return XLCTL_EXIT_OK;
	printf("\nxenlightd commands (use with 'xlctl raw'):\n");
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		json_object *entry = json_object_array_get_idx(list, i);
		const char *name = xlctl_get_string(entry, "name");
		const char *kind = xlctl_get_string(entry, "kind");
		const char *help = xlctl_get_string(entry, "help");

		printf("  %-26s %-8s %s\n", name ? name : "?",
		    kind ? kind : "", help ? help : "");
	}
	json_object_put(list);
	printf("\nSee 'xlctl help COMMAND' for one command.\n");
	return XLCTL_EXIT_OK;
}

/* One command's argument schema, as query-commands gives it. */
static void xlctl_print_schema(json_object *entry)
{
	const char *kind = xlctl_get_string(entry, "kind");
	const char *help = xlctl_get_string(entry, "help");
	json_object *schema = xlctl_get(entry, "arguments");
	size_t n;

	if (schema == NULL)
		schema = xlctl_get(entry, "args");
	printf("\nxenlightd command %s%s%s%s\n",
	    xlctl_get_string(entry, "name"), kind ? " (" : "",
	    kind ? kind : "", kind ? ")" : "");
	if (help != NULL)
		printf("  %s\n", help);
	if (!json_object_is_type(schema, json_type_array) ||
	    (n = json_object_array_length(schema)) == 0) {
		printf("  no arguments\n");
		return;
	}
	printf("Arguments:\n");
	for (size_t i = 0; i < n; i++) {
		json_object *arg = json_object_array_get_idx(schema, i);
		json_object *choices = xlctl_get(arg, "choices");
		json_object *required = xlctl_get(arg, "required");
		const char *arg_help = xlctl_get_string(arg, "help");
		const char *type = xlctl_get_string(arg, "type");
		char type_text[256];

		if (json_object_is_type(choices, json_type_array)) {
			size_t used = 0;

			for (size_t j = 0; j < json_object_array_length(choices) &&
			    used < sizeof type_text; j++)
				used += (size_t)snprintf(type_text + used,
				    sizeof type_text - used, "%s%s",
				    j > 0 ? "|" : "", json_object_get_string(
				    json_object_array_get_idx(choices, j)));
		} else if (xlctl_get(arg, "min") != NULL ||
		    xlctl_get(arg, "max") != NULL) {
			snprintf(type_text, sizeof type_text, "%s %lld..%lld",
			    type ? type : "?",
			    (long long)xlctl_get_int(arg, "min", 0),
			    (long long)xlctl_get_int(arg, "max", 0));
		} else {
			snprintf(type_text, sizeof type_text, "%s",
			    type ? type : "?");
		}
		printf("  %-14s %-20s %-9s %s\n",
		    xlctl_get_string(arg, "name"), type_text,
		    json_object_get_boolean(required) ? "required" : "optional",
		    arg_help ? arg_help : "");
	}
}

static int xlctl_help_command(struct xlctl_cli *cli, const char *name)
{
	const struct xlctl_cmd *cmd = xlctl_cmd_find(name);
	json_object *list, *entry = NULL;

	if (cmd != NULL) {
		xlctl_print_usage(stdout, cmd);
		printf("%s%s%s\n", cmd->help, cmd->alias ? "; alias " : "",
		    cmd->alias ? cmd->alias : "");
		if (cmd->flags != NULL && cmd->flags->name != NULL) {
			printf("\nOptions:\n");
			xlctl_print_flags(stdout, cmd->flags);
		}
		if (cmd->execute == NULL)
			return XLCTL_EXIT_OK;
		printf("\nSends: %s\n", cmd->execute);
		name = cmd->execute;
	}
	if ((list = xlctl_query_commands(cli)) != NULL &&
	    (entry = xlctl_commands_find(list, name)) != NULL)
		xlctl_print_schema(entry);
	json_object_put(list);
	if (cmd == NULL && entry == NULL)
		return xlctl_usage_error("unknown command '%s'", name);
	return XLCTL_EXIT_OK;
}

static int xlctl_help_run(struct xlctl_cli *cli, const struct xlctl_args *args,
    struct xlctl_request *req)
{
	if (args->argc == 0)
		return xlctl_help_all(cli);
	return xlctl_help_command(cli, args->argv[0]);
}
