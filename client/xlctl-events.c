/* xlctl: events and the protocol itself: events (subscribe, one line per
 * event), raw (a request as given, the reply line as it came). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/xlctl-cmd.h"
#include "client/xlctl-connect.h"
#include "client/xlctl-format.h"
#include "proto/json-line.h"
#include "proto/message.h"

static const struct xlctl_flag xlctl_events_flags[] = {
	{ "event", 'e', "GLOB",
	  "only events named like GLOB (e.g. 'JOB_*'); repeatable" },
	{ "domain", 'd', "DOMAIN", "only events of DOMAIN; repeatable" },
	{ "count", 'n', "N", "exit after N events" },
	XLCTL_FLAG_END
};

/* The values of a repeatable option as a JSON array, NULL if none. */
static json_object *xlctl_string_list(const struct xlctl_args *args,
    const char *name)
{
	json_object *list = NULL;
	const char *value;

	for (int i = 0; (value = xlctl_args_nth(args, name, i)) != NULL; i++) {
		if (list == NULL)
			list = json_object_new_array();
		json_object_array_add(list, json_object_new_string(value));
	}
	return list;
}

static int xlctl_events_build(const struct xlctl_args *args,
    struct xlctl_request *req, struct xlctl_error *err)
{
	const char *count = xlctl_args_get(args, "count");
	json_object *events, *domains;
	int64_t n;

	if (count != NULL && xlctl_parse_int(count, 1, INT64_MAX, &n) < 0)
		return xlctl_usage(err, "invalid --count '%s'", count);
	events = xlctl_string_list(args, "event");
	domains = xlctl_string_list(args, "domain");
	if (events != NULL)
		json_object_object_add(req->arguments, "events", events);
	if (domains != NULL)
		json_object_object_add(req->arguments, "domains", domains);
	return XLCTL_EXIT_OK;
}

static int xlctl_events_run(struct xlctl_cli *cli,
    const struct xlctl_args *args, struct xlctl_request *req,
    struct xlctl_error *err)
{
	const char *count_text = xlctl_args_get(args, "count");
	int64_t count = 0, seen = 0;
	json_object *ret, *event;
	int rc;

	if (count_text != NULL)
		xlctl_parse_int(count_text, 1, INT64_MAX, &count);
	if ((rc = xlctl_cli_connect(cli, err)) != XLCTL_EXIT_OK)
		return rc;
	ret = xlctl_call(cli->conn, req->execute, req->arguments, NULL,
	    cli->timeout_ms, err);
	if (ret == NULL)
		return XLCTL_EXIT_ERROR;
	json_object_put(ret);
	while (count == 0 || seen < count) {
		/* no timeout: events come when they come */
		if ((event = xlctl_next_event(cli->conn, -1, err)) == NULL)
			return XLCTL_EXIT_ERROR;
		if (cli->json) {
			size_t len;

			printf("%s\n", json_line_format(event, &len));
		} else {
			xlctl_print_event(stdout, event);
		}
		fflush(stdout);
		json_object_put(event);
		seen++;
	}
	return XLCTL_EXIT_OK;
}

static const struct xlctl_cmd xlctl_cmd_events = {
	.name = "events",
	.execute = "subscribe",
	.help = "print events as they happen, one line each",
	.min_args = 0, .max_args = 0,
	.kind = XLCTL_CMD_OWN,
	.flags = xlctl_events_flags,
	.build = xlctl_events_build,
	.run = xlctl_events_run,
};

/* raw: the request as given, for commands xlctl has no subcommand for and
 * for trying the protocol by hand. */
static int xlctl_raw_run(struct xlctl_cli *cli, const struct xlctl_args *args,
    struct xlctl_request *req, struct xlctl_error *err)
{
	const char *text = args->argv[0];
	char *file_text = NULL;
	struct err *e = NULL;
	json_object *request, *id, *msg;
	size_t len;
	int rc;

	if (strcmp(text, "-") == 0) {
		if ((file_text = xlctl_read_file("-", &len, err)) == NULL)
			return XLCTL_EXIT_ERROR;
		text = file_text;
	}
	request = json_line_parse(text, strlen(text), &e);
	free(file_text);
	if (request == NULL) {
		rc = xlctl_usage(err, "raw: %s", e->desc);
		err_free(e);
		return rc;
	}
	if (!json_object_object_get_ex(request, "id", &id)) {
		id = json_object_new_int(1);
		json_object_object_add(request, "id", id);
	}
	if ((rc = xlctl_cli_connect(cli, err)) != XLCTL_EXIT_OK)
		goto out;
	if (xlctl_send_object(cli->conn, request) < 0) {
		xlctl_wait_reply(cli->conn, -1, 0, err);
		rc = XLCTL_EXIT_ERROR;
		goto out;
	}
	for (;;) {
		enum proto_message_kind kind;
		json_object *msg_id;

		if ((msg = xlctl_read_message(cli->conn, cli->timeout_ms,
		    err)) == NULL) {
			rc = XLCTL_EXIT_ERROR;
			goto out;
		}
		kind = proto_message_kind(msg);
		if ((kind == PROTO_MSG_RETURN || kind == PROTO_MSG_ERROR) &&
		    json_object_object_get_ex(msg, "id", &msg_id) &&
		    json_object_equal(msg_id, id))
			break;
		json_object_put(msg);
	}
	/* an error reply is the output itself: nothing more to report */
	printf("%s\n", json_line_format(msg, &len));
	rc = proto_message_kind(msg) == PROTO_MSG_ERROR ? XLCTL_EXIT_ERROR :
	    XLCTL_EXIT_OK;
	json_object_put(msg);
out:
	json_object_put(request);
	return rc;
}

static const struct xlctl_cmd xlctl_cmd_raw = {
	.name = "raw",
	.args = "JSON",
	.help = "send a request object as is, print the reply line",
	.min_args = 1, .max_args = 1,
	.kind = XLCTL_CMD_OWN,
	.run = xlctl_raw_run,
};

static const struct xlctl_cmd *const xlctl_events_cmds[] = {
	&xlctl_cmd_events,
	&xlctl_cmd_raw,
	NULL
};

const struct xlctl_family xlctl_events_family = {
	"Events and the protocol", xlctl_events_cmds
};
