/* xlctl: help for people, from the tables. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "client/xlctl-format.h"
#include "client/xlctl-help.h"

static void xlctl_help_flags(FILE *f, const struct xlctl_flag *const *lists)
{
	for (; *lists != NULL; lists++) {
		for (const struct xlctl_flag *flag = *lists; flag->name != NULL;
		    flag++) {
			char left[64];

			if (flag->letter != 0)
				snprintf(left, sizeof left, "-%c, --%s%s%s",
				    flag->letter, flag->name,
				    flag->value ? " " : "",
				    flag->value ? flag->value : "");
			else
				snprintf(left, sizeof left, "--%s%s%s",
				    flag->name, flag->value ? " " : "",
				    flag->value ? flag->value : "");
			fprintf(f, "  %-22s %s\n", left, flag->help);
		}
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

int xlctl_help_all(struct xlctl_cli *cli,
    const struct xlctl_family *const *families, const char *usage,
    const struct xlctl_flag *global_flags)
{
	const struct xlctl_flag *lists[] = { global_flags, NULL };
	json_object *list;

	printf("%s\n\nOptions:\n", usage);
	xlctl_help_flags(stdout, lists);
	printf("Sockets: %s (full access)\n"
	    "         %s (read-only, with -r)\n", XLCTL_SOCKET_PATH,
	    XLCTL_RO_SOCKET_PATH);
	for (; *families != NULL; families++) {
		printf("\n%s:\n", (*families)->title);
		for (const struct xlctl_cmd *const *cmd = (*families)->cmds;
		    *cmd != NULL; cmd++) {
			char name[48];

			snprintf(name, sizeof name, "%s%s%s", (*cmd)->name,
			    (*cmd)->alias ? ", " : "",
			    (*cmd)->alias ? (*cmd)->alias : "");
			printf("  %-20s %s\n", name, (*cmd)->help);
		}
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
	printf("\nSee 'xlctl help COMMAND' or 'xlctl COMMAND --help' for one "
	    "command.\n");
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

/* How the command runs, after the protocol command it sends. */
static const char *xlctl_help_kind(const struct xlctl_cmd *cmd)
{
	switch (cmd->kind) {
	case XLCTL_CMD_JOB:
		return " (a job; --detach returns at once)";
	case XLCTL_CMD_LONG_JOB:
		return " (a long job, followed to its end with progress; "
		    "Ctrl-C aborts it)";
	default:
		return "";
	}
}

int xlctl_help_command(struct xlctl_cli *cli, const struct xlctl_cmd *cmd,
    const char *name, struct xlctl_error *err)
{
	const struct xlctl_flag *lists[XLCTL_CMD_FLAG_LISTS];
	const char *sends[2] = { name, NULL };
	json_object *list;
	bool known = cmd != NULL;
	char usage[512];

	if (cmd != NULL) {
		xlctl_cmd_usage(cmd, usage, sizeof usage);
		printf("%s\n%s%s%s\n", usage, cmd->help,
		    cmd->alias ? "; alias " : "", cmd->alias ? cmd->alias : "");
		printf("\nOptions:\n");
		xlctl_cmd_flag_lists(cmd, lists);
		xlctl_help_flags(stdout, lists);
		if (cmd->execute == NULL)
			return XLCTL_EXIT_OK;
		printf("\nSends: %s%s%s%s\n", cmd->execute,
		    cmd->execute_too != NULL ? ", or " : "",
		    cmd->execute_too != NULL ? cmd->execute_too : "",
		    xlctl_help_kind(cmd));
		sends[0] = cmd->execute;
		sends[1] = cmd->execute_too;
	}
	if ((list = xlctl_query_commands(cli)) != NULL) {
		for (int i = 0; i < 2 && sends[i] != NULL; i++) {
			json_object *entry = xlctl_commands_find(list,
			    sends[i]);

			if (entry != NULL) {
				xlctl_print_schema(entry);
				known = true;
			}
		}
	}
	json_object_put(list);
	if (!known)
		return xlctl_fail(err, XLCTL_EXIT_USAGE, XLCTL_CLASS_NO_COMMAND,
		    "unknown command '%s'", name);
	return XLCTL_EXIT_OK;
}
