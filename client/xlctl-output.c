/* xlctl: printing what a command returned. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>

#include "client/xlctl-format.h"
#include "client/xlctl-output.h"

int xlctl_output(struct xlctl_cli *cli, const struct xlctl_request *req,
    json_object *ret)
{
	const struct xlctl_cmd *cmd = cli->cmd;

	if (cli->json) {
		xlctl_print_json(stdout, ret, false);
		return XLCTL_EXIT_OK;
	}
	if (req->options.detach) {
		printf("job %lld\n", (long long)xlctl_get_int(ret, "job", -1));
		return XLCTL_EXIT_OK;
	}
	if (cmd != NULL && cmd->print != NULL)
		return cmd->print(cli, req, ret);
	if (cmd != NULL && cmd->done != NULL)
		return xlctl_done(cli, "Domain %s %s.",
		    xlctl_reply_domain(req, ret), cmd->done);
	if (cmd != NULL && xlctl_cmd_changes(cmd))
		return XLCTL_EXIT_OK;
	xlctl_print_tree(stdout, ret, 0);
	return XLCTL_EXIT_OK;
}

int xlctl_done(struct xlctl_cli *cli, const char *fmt, ...)
{
	va_list ap;

	if (cli->quiet)
		return XLCTL_EXIT_OK;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
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

const char *xlctl_reply_domain(const struct xlctl_request *req,
    json_object *ret)
{
	const char *name = xlctl_get_string(ret, "name");

	return name != NULL ? name : xlctl_req_get_domain(req);
}
