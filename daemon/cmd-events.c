/* Event subscription: subscribe, unsubscribe. */
#include "config.h"

#include "daemon/command.h"
#include "daemon/commands.h"
#include "daemon/event.h"

static const struct arg_spec subscribe_args[] = {
	{ "events", ARG_STRING_LIST, false, 0, 0, NULL,
	  "event name globs, e.g. [\"DOMAIN_*\"] (default: all)" },
	{ "domains", ARG_ARRAY, false, 0, 0, NULL,
	  "domain names (globs), UUIDs or domids (default: all)" },
	ARG_END
};

static void cmd_subscribe_run(struct request *req)
{
	struct err *e = event_subscribe(req->conn,
	    json_object_object_get(req->args, "events"),
	    json_object_object_get(req->args, "domains"));

	if (e != NULL)
		request_fail(req, e);
	else
		request_reply(req, NULL);
}

const struct command cmd_subscribe = {
	.name = "subscribe",
	.kind = COMMAND_QUERY,
	.args = subscribe_args,
	.handler = cmd_subscribe_run,
	.help = "start receiving events on this connection",
};

static const struct arg_spec no_args[] = { ARG_END };

static void cmd_unsubscribe_run(struct request *req)
{
	event_unsubscribe(req->conn);
	request_reply(req, NULL);
}

const struct command cmd_unsubscribe = {
	.name = "unsubscribe",
	.kind = COMMAND_QUERY,
	.args = no_args,
	.handler = cmd_unsubscribe_run,
	.help = "stop receiving events",
};
