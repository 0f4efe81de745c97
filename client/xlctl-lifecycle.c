/* xlctl: domain life cycle: create, start, shutdown, reboot, destroy,
 * pause, unpause. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "client/xlctl-cmd.h"
#include "client/xlctl-format.h"
#include "client/xlctl-output.h"

static const struct xlctl_flag xlctl_paused_flags[] = {
	{ "paused", 'p', NULL, "leave the domain paused" },
	XLCTL_FLAG_END
};

/* "Domain web1 started (id 3)." from the domain object a start returns. */
static int xlctl_print_started(struct xlctl_cli *cli, const char *verb,
    json_object *d)
{
	const char *state = xlctl_get_string(d, "state");
	int64_t domid = xlctl_get_int(d, "domid", -1);
	char id[32] = "";

	if (domid >= 0)
		snprintf(id, sizeof id, " (id %lld)", (long long)domid);
	return xlctl_done(cli, "Domain %s %s%s%s.",
	    xlctl_get_string(d, "name") != NULL ?
	    xlctl_get_string(d, "name") : "", verb,
	    state != NULL && strcmp(state, "paused") == 0 ? ", paused" : "",
	    id);
}

static int xlctl_create_build(const struct xlctl_args *args,
    struct xlctl_request *req, struct xlctl_error *err)
{
	int rc = xlctl_build_config_file(args->argv[0], req, err);

	if (rc == XLCTL_EXIT_OK && xlctl_args_has(args, "paused"))
		xlctl_req_bool(req, "paused", true);
	return rc;
}

static int xlctl_create_print(struct xlctl_cli *cli,
    const struct xlctl_request *req, json_object *ret)
{
	return xlctl_print_started(cli, "created", ret);
}

static const struct xlctl_cmd xlctl_cmd_create = {
	.name = "create",
	.execute = "domain-create",
	.args = "FILE",
	.help = "start a transient domain from a config file",
	.min_args = 1, .max_args = 1,
	.kind = XLCTL_CMD_LONG_JOB,
	.flags = xlctl_paused_flags,
	.build = xlctl_create_build,
	.print = xlctl_create_print,
};

static int xlctl_start_build(const struct xlctl_args *args,
    struct xlctl_request *req, struct xlctl_error *err)
{
	xlctl_req_domain(req, args->argv[0]);
	if (xlctl_args_has(args, "paused"))
		xlctl_req_bool(req, "paused", true);
	return XLCTL_EXIT_OK;
}

static int xlctl_start_print(struct xlctl_cli *cli,
    const struct xlctl_request *req, json_object *ret)
{
	return xlctl_print_started(cli, "started", ret);
}

static const struct xlctl_cmd xlctl_cmd_start = {
	.name = "start",
	.execute = "domain-start",
	.args = "DOMAIN",
	.help = "start a defined domain (restores a managed save)",
	.min_args = 1, .max_args = 1,
	.kind = XLCTL_CMD_LONG_JOB,
	.flags = xlctl_paused_flags,
	.build = xlctl_start_build,
	.print = xlctl_start_print,
};

/* -w is xl's; --wait is every job command's lock wait. */
static const struct xlctl_flag xlctl_shutdown_flags[] = {
	{ "wait-shutdown", 'w', NULL, "wait until the domain has shut down" },
	{ "timeout", 0, "MS", "with -w: give up waiting after MS ms" },
	XLCTL_FLAG_END
};

static int xlctl_shutdown_build(const struct xlctl_args *args,
    struct xlctl_request *req, struct xlctl_error *err)
{
	const char *timeout = xlctl_args_get(args, "timeout");

	xlctl_req_domain(req, args->argv[0]);
	if (xlctl_args_has(args, "wait-shutdown"))
		xlctl_req_bool(req, "wait", true);
	if (timeout != NULL)
		return xlctl_req_int_text(req, "timeout_ms", timeout, 1,
		    INT64_MAX, "timeout", err);
	return XLCTL_EXIT_OK;
}

static int xlctl_shutdown_print(struct xlctl_cli *cli,
    const struct xlctl_request *req, json_object *ret)
{
	return xlctl_done(cli, "Domain %s %s.", xlctl_reply_domain(req, ret),
	    xlctl_get(req->arguments, "wait") != NULL ? "has shut down" :
	    "is shutting down");
}

static const struct xlctl_cmd xlctl_cmd_shutdown = {
	.name = "shutdown",
	.execute = "domain-shutdown",
	.args = "DOMAIN",
	.help = "ask a domain to shut down (-w: and wait until it has)",
	.min_args = 1, .max_args = 1,
	.kind = XLCTL_CMD_JOB,
	.flags = xlctl_shutdown_flags,
	.build = xlctl_shutdown_build,
	.print = xlctl_shutdown_print,
};

static const struct xlctl_cmd xlctl_cmd_reboot = {
	.name = "reboot",
	.execute = "domain-reboot",
	.args = "DOMAIN",
	.help = "ask a domain to reboot",
	.min_args = 1, .max_args = 1,
	.kind = XLCTL_CMD_JOB,
	.build = xlctl_build_domain,
	.done = "is rebooting",
};

static const struct xlctl_cmd xlctl_cmd_destroy = {
	.name = "destroy",
	.execute = "domain-destroy",
	.args = "DOMAIN",
	.help = "stop a domain at once (aborts its running job)",
	.min_args = 1, .max_args = 1,
	.kind = XLCTL_CMD_JOB,
	.build = xlctl_build_domain,
	.done = "destroyed",
};

static const struct xlctl_cmd xlctl_cmd_pause = {
	.name = "pause",
	.execute = "domain-pause",
	.args = "DOMAIN",
	.help = "pause a domain",
	.min_args = 1, .max_args = 1,
	.kind = XLCTL_CMD_JOB,
	.build = xlctl_build_domain,
	.done = "paused",
};

static const struct xlctl_cmd xlctl_cmd_unpause = {
	.name = "unpause",
	.alias = "resume",
	.execute = "domain-unpause",
	.args = "DOMAIN",
	.help = "unpause a paused domain",
	.min_args = 1, .max_args = 1,
	.kind = XLCTL_CMD_JOB,
	.build = xlctl_build_domain,
	.done = "unpaused",
};

static const struct xlctl_cmd *const xlctl_lifecycle_cmds[] = {
	&xlctl_cmd_create,
	&xlctl_cmd_start,
	&xlctl_cmd_shutdown,
	&xlctl_cmd_reboot,
	&xlctl_cmd_destroy,
	&xlctl_cmd_pause,
	&xlctl_cmd_unpause,
	NULL
};

const struct xlctl_family xlctl_lifecycle_family = {
	"Life cycle", xlctl_lifecycle_cmds
};
