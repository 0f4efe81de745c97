/* xlctl: migrate and migration-prepare.  migrate gets a one-time token
 * from the destination's daemon -- through its socket (--dest-socket), or
 * by default as xl migrate reaches the other host, over ssh:
 * "ssh HOST xlctl --json migration-prepare" -- then starts domain-migrate
 * on this host's daemon and follows it with a progress bar; Ctrl-C
 * aborts it (until the hand-over). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "client/xlctl-cmd.h"
#include "client/xlctl-connect.h"
#include "client/xlctl-follow.h"
#include "client/xlctl-format.h"
#include "client/xlctl-output.h"

/* A token answer is a few hundred bytes */
#define XLCTL_TOKEN_MAX 4096

static const struct xlctl_flag xlctl_migrate_flags[] = {
	{ "port", 0, "PORT", "connect to this migration port instead of the "
	  "one the destination names" },
	{ "dest-socket", 0, "PATH", "reach the destination daemon through "
	  "this socket (default: ssh HOST xlctl --json migration-prepare)" },
	{ "ssh", 0, "COMMAND", "run COMMAND instead of ssh to ask HOST for the "
	  "token, e.g. \"ssh -i KEY -o BatchMode=yes\" (words split by sh)" },
	{ "no-live", 0, NULL, "suspend the domain first, then copy it" },
	{ "live", 0, NULL, "copy memory while the domain runs (the default)" },
	{ "detach", 0, NULL, "print the job id and return; the migration goes "
	  "on (xlctl job, xlctl abort)" },
	XLCTL_FLAG_END
};

static int xlctl_migrate_build(const struct xlctl_args *args,
    struct xlctl_request *req, struct xlctl_error *err)
{
	const char *port = xlctl_args_get(args, "port");

	if (xlctl_args_has(args, "live") && xlctl_args_has(args, "no-live"))
		return xlctl_usage(err, "migrate: --live and --no-live exclude "
		    "each other");
	xlctl_req_domain(req, args->argv[0]);
	xlctl_req_string(req, "host", args->argv[1]);
	if (port != NULL &&
	    xlctl_req_int_text(req, "port", port, 1, 65535, "port", err) != 0)
		return XLCTL_EXIT_USAGE;
	if (xlctl_args_has(args, "live"))
		xlctl_req_bool(req, "live", true);
	if (xlctl_args_has(args, "no-live"))
		xlctl_req_bool(req, "live", false);
	return XLCTL_EXIT_OK;
}

/* The token through the destination daemon's socket. */
static json_object *xlctl_token_local(struct xlctl_cli *cli,
    const char *path, struct xlctl_error *err)
{
	struct xlctl *dest = xlctl_connect(path, err);
	json_object *ret;

	if (dest == NULL)
		return NULL;
	ret = xlctl_call(dest, "migration-prepare", NULL, NULL,
	    cli->timeout_ms, err);
	xlctl_close(dest);
	return ret;
}

/* The token over ssh, as xl migrate reaches the other host. */
static json_object *xlctl_token_ssh(const char *host, const char *command,
    struct xlctl_error *err)
{
	char *const plain[] = { "ssh", "--", (char *)host, "xlctl", "--json",
	    "migration-prepare", NULL };
	char script[1024];
	/* the operator's command, its words split by sh; HOST stays one word */
	char *const shell[] = { "/bin/sh", "-c", script, "sh", (char *)host,
	    NULL };
	char *const *argv = command != NULL ? shell : plain;
	char buf[XLCTL_TOKEN_MAX];
	size_t len = 0;
	int pipefd[2], status = 0;
	json_object *ret = NULL;
	pid_t pid;

	if (host[0] == '-')
		return xlctl_usage(err, "migrate: '%s' is not a host", host),
		    NULL;
	if (command != NULL && (size_t)snprintf(script, sizeof script,
	    "exec %s -- \"$1\" xlctl --json migration-prepare", command) >=
	    sizeof script)
		return xlctl_usage(err, "migrate: --ssh: command too long"),
		    NULL;
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		xlctl_fail(err, XLCTL_EXIT_ERROR, XLCTL_CLASS_IO, "pipe: %s",
		    strerror(errno));
		return NULL;
	}
	pid = fork();
	if (pid == 0) {
		dup2(pipefd[1], STDOUT_FILENO);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(pipefd[1]);
	while (pid > 0 && len < sizeof buf - 1) {
		ssize_t n = read(pipefd[0], buf + len, sizeof buf - 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(pipefd[0]);
	buf[len] = '\0';
	if (pid > 0)
		waitpid(pid, &status, 0);
	if (pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0)
		ret = json_tokener_parse(buf);
	if (ret == NULL || !json_object_is_type(ret, json_type_object)) {
		json_object *error = ret != NULL ? json_tokener_parse(buf) :
		    NULL;

		json_object_put(ret);
		if (error == NULL || !xlctl_error_from_object(err,
		    json_object_object_get(error, "error")))
			xlctl_fail(err, XLCTL_EXIT_ERROR, "ConnectionFailed",
			    "cannot get a migration token from %s: '%s %s "
			    "xlctl --json migration-prepare' failed (status "
			    "%d)", host, command != NULL ? command : "ssh",
			    host, WIFEXITED(status) ?
			    WEXITSTATUS(status) : -1);
		json_object_put(error);
		return NULL;
	}
	return ret;
}

static int xlctl_migrate_run(struct xlctl_cli *cli,
    const struct xlctl_args *args, struct xlctl_request *req,
    struct xlctl_error *err)
{
	const char *dest = xlctl_args_get(args, "dest-socket");
	json_object *token = dest != NULL ?
	    xlctl_token_local(cli, dest, err) :
	    xlctl_token_ssh(args->argv[1], xlctl_args_get(args, "ssh"), err);
	json_object *ret;
	const char *text;
	int rc;

	if (token == NULL)
		return XLCTL_EXIT_ERROR;
	text = xlctl_get_string(token, "token");
	if (text == NULL || xlctl_get_int(token, "port", 0) <= 0) {
		json_object_put(token);
		return xlctl_fail(err, XLCTL_EXIT_ERROR, "InvalidMessage",
		    "the destination's migration-prepare answered no token");
	}
	xlctl_req_string(req, "token", text);
	if (!json_object_object_get_ex(req->arguments, "port", NULL))
		xlctl_req_int(req, "port", xlctl_get_int(token, "port", 0));
	/* through its socket the destination says how it is reached; over
	 * ssh, HOST is the name that reached it */
	if (dest != NULL && xlctl_get_string(token, "host") != NULL)
		xlctl_req_string(req, "host", xlctl_get_string(token, "host"));
	json_object_put(token);
	if ((rc = xlctl_cli_connect(cli, err)) != XLCTL_EXIT_OK)
		return rc;
	if (!xlctl_args_has(args, "detach"))
		return xlctl_job_follow(cli, req, err);
	req->options.detach = true;
	ret = xlctl_call(cli->conn, req->execute, req->arguments,
	    &req->options, cli->timeout_ms, err);
	if (ret == NULL)
		return XLCTL_EXIT_ERROR;
	rc = xlctl_output(cli, req, ret);
	json_object_put(ret);
	return rc;
}

static int xlctl_migrate_print(struct xlctl_cli *cli,
    const struct xlctl_request *req, json_object *ret)
{
	return xlctl_done(cli, "Domain %s migrated to %s in %lld ms "
	    "(downtime %lld ms).", xlctl_req_get_domain(req),
	    xlctl_get_string(req->arguments, "host"),
	    (long long)xlctl_get_int(ret, "duration_ms", 0),
	    (long long)xlctl_get_int(ret, "downtime_ms", 0));
}

static const struct xlctl_cmd xlctl_cmd_migrate = {
	.name = "migrate",
	.execute = "domain-migrate",
	.args = "DOMAIN HOST",
	.help = "migrate a domain to the xenlightd on HOST (token over ssh, "
	    "or --dest-socket)",
	.min_args = 2, .max_args = 2,
	.kind = XLCTL_CMD_OWN,
	.flags = xlctl_migrate_flags,
	.build = xlctl_migrate_build,
	.print = xlctl_migrate_print,
	.run = xlctl_migrate_run,
};

static const struct xlctl_flag xlctl_prepare_flags[] = {
	{ "expires", 0, "MS", "how long the token is valid [60000]" },
	XLCTL_FLAG_END
};

static int xlctl_prepare_build(const struct xlctl_args *args,
    struct xlctl_request *req, struct xlctl_error *err)
{
	const char *expires = xlctl_args_get(args, "expires");

	if (expires != NULL && xlctl_req_int_text(req, "expires_ms", expires,
	    1000, 86400000, "expiry", err) != 0)
		return XLCTL_EXIT_USAGE;
	return XLCTL_EXIT_OK;
}

static const struct xlctl_cmd xlctl_cmd_migration_prepare = {
	.name = "migration-prepare",
	.execute = "migration-prepare",
	.help = "a one-time token for a migration to this host",
	.min_args = 0, .max_args = 0,
	.kind = XLCTL_CMD_QUERY,
	.flags = xlctl_prepare_flags,
	.build = xlctl_prepare_build,
};

static const struct xlctl_cmd *const xlctl_migrate_cmds[] = {
	&xlctl_cmd_migrate,
	&xlctl_cmd_migration_prepare,
	NULL
};

const struct xlctl_family xlctl_migrate_family = {
	"Migrating", xlctl_migrate_cmds
};
