/* xlctl: what every command shares: its option tables, its usage line, the
 * parse of its words and the generic part of its request. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "client/xlctl-cmd.h"

/* Every command that runs a job takes these. */
static const struct xlctl_flag xlctl_job_flags[] = {
	{ "detach", 0, NULL, "print the job id and return; the job goes on" },
	{ "wait", 0, "MS", "wait at most MS ms for the domain's lock" },
	XLCTL_FLAG_END
};

/* And every command this. */
static const struct xlctl_flag xlctl_help_flags[] = {
	{ "help", 'h', NULL, "show this help" },
	XLCTL_FLAG_END
};

const struct xlctl_cmd *xlctl_cmd_lookup(
    const struct xlctl_family *const *families, const char *name)
{
	const struct xlctl_family *const *f;
	const struct xlctl_cmd *const *cmd;

	for (f = families; *f != NULL; f++) {
		for (cmd = (*f)->cmds; *cmd != NULL; cmd++) {
			if (strcmp((*cmd)->name, name) == 0 ||
			    ((*cmd)->alias != NULL &&
			    strcmp((*cmd)->alias, name) == 0))
				return *cmd;
		}
	}
	/* The protocol's own names work too: `xlctl domain-list`. */
	for (f = families; *f != NULL; f++) {
		for (cmd = (*f)->cmds; *cmd != NULL; cmd++) {
			if (((*cmd)->execute != NULL &&
			    strcmp((*cmd)->execute, name) == 0) ||
			    ((*cmd)->execute_too != NULL &&
			    strcmp((*cmd)->execute_too, name) == 0))
				return *cmd;
		}
	}
	return NULL;
}

bool xlctl_cmd_is_job(const struct xlctl_cmd *cmd)
{
	return cmd->kind == XLCTL_CMD_JOB || cmd->kind == XLCTL_CMD_LONG_JOB;
}

bool xlctl_cmd_changes(const struct xlctl_cmd *cmd)
{
	return cmd->kind == XLCTL_CMD_CHANGE || xlctl_cmd_is_job(cmd);
}

void xlctl_cmd_flag_lists(const struct xlctl_cmd *cmd,
    const struct xlctl_flag *lists[XLCTL_CMD_FLAG_LISTS])
{
	int n = 0;

	if (cmd->flags != NULL)
		lists[n++] = cmd->flags;
	if (xlctl_cmd_is_job(cmd))
		lists[n++] = xlctl_job_flags;
	lists[n++] = xlctl_help_flags;
	lists[n] = NULL;
}

void xlctl_cmd_usage(const struct xlctl_cmd *cmd, char *buf, size_t size)
{
	const struct xlctl_flag *lists[XLCTL_CMD_FLAG_LISTS];
	size_t used;

	used = (size_t)snprintf(buf, size, "usage: xlctl %s%s%s", cmd->name,
	    cmd->args != NULL ? " " : "", cmd->args != NULL ? cmd->args : "");
	xlctl_cmd_flag_lists(cmd, lists);
	for (int i = 0; lists[i] != NULL; i++) {
		/* --help goes without saying in a usage line */
		if (lists[i][0].name != NULL &&
		    strcmp(lists[i][0].name, "help") == 0)
			continue;
		for (const struct xlctl_flag *flag = lists[i];
		    flag->name != NULL && used < size; flag++) {
			char name[64];

			if (flag->letter != 0)
				snprintf(name, sizeof name, "-%c", flag->letter);
			else
				snprintf(name, sizeof name, "--%s", flag->name);
			used += (size_t)snprintf(buf + used, size - used,
			    " [%s%s%s]", name, flag->value != NULL ? " " : "",
			    flag->value != NULL ? flag->value : "");
		}
	}
}

/* A usage error of cmd, with its usage line for the report. */
static int xlctl_cmd_usage_error(const struct xlctl_cmd *cmd,
    struct xlctl_error *err)
{
	char usage[512];

	xlctl_cmd_usage(cmd, usage, sizeof usage);
	xlctl_error_add(err, "usage", json_object_new_string(usage));
	return XLCTL_EXIT_USAGE;
}

int xlctl_cmd_parse(const struct xlctl_cmd *cmd, int argc, char **argv,
    struct xlctl_args *args, bool *help, struct xlctl_error *err)
{
	const struct xlctl_flag *lists[XLCTL_CMD_FLAG_LISTS];

	*help = false;
	xlctl_cmd_flag_lists(cmd, lists);
	if (xlctl_args_parse(args, lists, argc - 1, argv + 1, false,
	    err) != XLCTL_EXIT_OK)
		return xlctl_cmd_usage_error(cmd, err);
	if (xlctl_args_has(args, "help")) {
		*help = true;
		return XLCTL_EXIT_OK;
	}
	if (args->argc < cmd->min_args ||
	    (cmd->max_args >= 0 && args->argc > cmd->max_args)) {
		xlctl_usage(err, "%s: %s", cmd->name,
		    args->argc < cmd->min_args ? "missing arguments" :
		    "too many arguments");
		xlctl_args_free(args);
		return xlctl_cmd_usage_error(cmd, err);
	}
	return XLCTL_EXIT_OK;
}

int xlctl_cmd_build(const struct xlctl_cmd *cmd, const struct xlctl_args *args,
    struct xlctl_request *req, struct xlctl_error *err)
{
	const char *wait;
	int64_t ms;
	int rc = XLCTL_EXIT_OK;

	xlctl_request_init(req, cmd->execute, cmd->name);
	if (xlctl_cmd_is_job(cmd)) {
		req->options.detach = xlctl_args_has(args, "detach");
		if ((wait = xlctl_args_get(args, "wait")) != NULL) {
			if (xlctl_parse_int(wait, 0, INT64_MAX, &ms) < 0) {
				rc = xlctl_usage(err, "invalid --wait '%s': "
				    "a number of milliseconds", wait);
				goto out;
			}
			req->options.has_lock_wait_ms = true;
			req->options.lock_wait_ms = ms;
		}
	}
	if (cmd->build != NULL)
		rc = cmd->build(args, req, err);
out:
	if (rc != XLCTL_EXIT_OK)
		xlctl_request_clear(req);
	return rc;
}
