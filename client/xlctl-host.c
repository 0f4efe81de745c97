/* xlctl: host and protocol-level commands: version, host-info, host-numa,
 * raw. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/xlctl-cli.h"
#include "proto/json-line.h"
#include "proto/message.h"

static int xlctl_version_print(struct xlctl_cli *cli,
    const struct xlctl_request *req, json_object *ret)
{
	printf("xlctl %s\n", PACKAGE_VERSION);
	xlctl_print_tree(stdout, ret, 0);
	return XLCTL_EXIT_OK;
}

const struct xlctl_cmd xlctl_cmd_version = {
	.name = "version",
	.execute = "version",
	.help = "show the versions of xlctl, xenlightd, libxl and Xen",
	.min_args = 0, .max_args = 0,
	.kind = XLCTL_CMD_CALL,
	.print = xlctl_version_print,
};

const struct xlctl_cmd xlctl_cmd_host_info = {
	.name = "host-info",
	.alias = "info",
	.execute = "host-info",
	.help = "show the host's CPUs, memory and Xen version",
	.min_args = 0, .max_args = 0,
	.kind = XLCTL_CMD_CALL,
};

const struct xlctl_cmd xlctl_cmd_host_numa = {
	.name = "host-numa",
	.execute = "host-numa",
	.help = "show the host's NUMA nodes: memory and CPUs",
	.min_args = 0, .max_args = 0,
	.kind = XLCTL_CMD_CALL,
};

/* raw: the request as given, for commands xlctl has no subcommand for and
 * for trying the protocol by hand. */
static int xlctl_raw_run(struct xlctl_cli *cli, const struct xlctl_args *args,
    struct xlctl_request *req)
{
	const char *text = args->argv[0];
	char *file_text = NULL;
	struct xlctl_error err;
	struct err *e = NULL;
	json_object *request, *id, *msg;
	size_t len;
	int rc;

	if (strcmp(text, "-") == 0) {
		if ((file_text = xlctl_read_file("-", &len)) == NULL)
			return XLCTL_EXIT_ERROR;
		text = file_text;
	}
	request = json_line_parse(text, strlen(text), &e);
	free(file_text);
	if (request == NULL) {
		rc = xlctl_usage_error("raw: %s", e->desc);
		err_free(e);
		return rc;
	}
	if (!json_object_object_get_ex(request, "id", &id)) {
		id = json_object_new_int(1);
		json_object_object_add(request, "id", id);
	}
	if ((rc = xlctl_cli_connect(cli)) != XLCTL_EXIT_OK)
		goto out;
	if (xlctl_send_object(cli->conn, request) < 0) {
		xlctl_wait_reply(cli->conn, -1, 0, &err);
		rc = xlctl_report(&err);
		goto out;
	}
	for (;;) {
		enum proto_message_kind kind;
		json_object *msg_id;

		if ((msg = xlctl_read_message(cli->conn, cli->timeout_ms,
		    &err)) == NULL) {
			rc = xlctl_report(&err);
			goto out;
		}
		kind = proto_message_kind(msg);
		if ((kind == PROTO_MSG_RETURN || kind == PROTO_MSG_ERROR) &&
		    json_object_object_get_ex(msg, "id", &msg_id) &&
		    json_object_equal(msg_id, id))
			break;
		json_object_put(msg);
	}
	printf("%s\n", json_line_format(msg, &len));
	rc = proto_message_kind(msg) == PROTO_MSG_ERROR ? XLCTL_EXIT_ERROR :
	    XLCTL_EXIT_OK;
	json_object_put(msg);
out:
	json_object_put(request);
	return rc;
}

const struct xlctl_cmd xlctl_cmd_raw = {
	.name = "raw",
	.usage = "JSON",
	.help = "send a request object as is, print the reply line",
	.min_args = 1, .max_args = 1,
	.kind = XLCTL_CMD_OWN,
	.run = xlctl_raw_run,
};
