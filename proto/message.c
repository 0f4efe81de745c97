#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "proto/json-line.h"
#include "proto/message.h"

/* The first thing wrong with an envelope is the one reported. */
static void first_error(struct err **e, const char *desc)
{
	if (*e == NULL)
		*e = err_new(ERR_INVALID_MESSAGE, "%s", desc);
}

struct err *proto_request_parse(json_object *root, struct proto_request *out)
{
	struct err *e = NULL;

	memset(out, 0, sizeof *out);
	out->root = root;

	json_object_object_foreach(root, key, value) {
		if (strcmp(key, "execute") == 0) {
			if (!json_object_is_type(value, json_type_string)) {
				first_error(&e, "'execute' must be a string");
				continue;
			}
			out->execute = json_object_get_string(value);
		} else if (strcmp(key, "arguments") == 0) {
			if (!json_object_is_type(value, json_type_object)) {
				first_error(&e, "'arguments' must be an object");
				continue;
			}
			out->arguments = value;
		} else if (strcmp(key, "id") == 0) {
			out->id = value;
			out->has_id = true;
		} else if (strcmp(key, "detach") == 0) {
			if (!json_object_is_type(value, json_type_boolean)) {
				first_error(&e, "'detach' must be a boolean");
				continue;
			}
			out->detach = json_object_get_boolean(value);
		} else if (strcmp(key, "lock_wait_ms") == 0) {
			int64_t ms;

			if (!json_object_is_type(value, json_type_int) ||
			    !json_int64_exact(value, &ms) || ms < 0) {
				first_error(&e, "'lock_wait_ms' must be an integer "
				    "from 0 to 2^63-1");
				continue;
			}
			out->has_lock_wait = true;
			out->lock_wait_ms = ms;
		} else if (e == NULL) {
			e = err_new(ERR_INVALID_MESSAGE,
			    "unknown top-level key '%.*s'",
			    err_quote_len(key, 64), key);
		}
	}
	if (e == NULL && out->execute == NULL)
		e = err_new(ERR_INVALID_MESSAGE, "missing 'execute'");
	if (e != NULL)
		return e;
	if (out->arguments == NULL) {
		out->arguments = json_object_new_object();
		json_object_object_add(root, "arguments", out->arguments);
	}
	return NULL;
}

void proto_request_clear(struct proto_request *req)
{
	json_object_put(req->root);
	memset(req, 0, sizeof *req);
}

json_object *proto_reply_return(const struct proto_request *req,
    json_object *ret)
{
	json_object *reply = json_object_new_object();

	json_object_object_add(reply, "return",
	    ret != NULL ? ret : json_object_new_object());
	if (req != NULL && req->has_id)
		json_object_object_add(reply, "id", json_object_get(req->id));
	return reply;
}

json_object *proto_reply_error(const struct proto_request *req,
    const struct err *e)
{
	json_object *reply = json_object_new_object();

	json_object_object_add(reply, "error", err_to_json(e));
	if (req != NULL && req->has_id)
		json_object_object_add(reply, "id", json_object_get(req->id));
	return reply;
}

json_object *proto_event_new(const char *name, json_object *data,
    const struct timeval *when)
{
	json_object *event = json_object_new_object();
	json_object *stamp = json_object_new_object();

	json_object_object_add(event, "event", json_object_new_string(name));
	json_object_object_add(event, "data",
	    data != NULL ? data : json_object_new_object());
	json_object_object_add(stamp, "seconds",
	    json_object_new_int64(when->tv_sec));
	json_object_object_add(stamp, "microseconds",
	    json_object_new_int64(when->tv_usec));
	json_object_object_add(event, "timestamp", stamp);
	return event;
}

enum proto_message_kind proto_message_kind(json_object *msg)
{
	if (json_object_object_get_ex(msg, "return", NULL))
		return PROTO_MSG_RETURN;
	if (json_object_object_get_ex(msg, "error", NULL))
		return PROTO_MSG_ERROR;
	if (json_object_object_get_ex(msg, "event", NULL))
		return PROTO_MSG_EVENT;
	if (json_object_object_get_ex(msg, "greeting", NULL))
		return PROTO_MSG_GREETING;
	return PROTO_MSG_UNKNOWN;
}

void proto_format_time(const struct timeval *tv, char *buf)
{
	struct tm tm;
	time_t seconds = tv->tv_sec;

	gmtime_r(&seconds, &tm);
	strftime(buf, 24, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + strlen(buf), 8, ".%03uZ",
	    (unsigned)(tv->tv_usec / 1000) % 1000);
}

json_object *proto_time_json(const struct timeval *tv)
{
	char buf[32];

	if (tv == NULL || (tv->tv_sec == 0 && tv->tv_usec == 0))
		return NULL;
	proto_format_time(tv, buf);
	return json_object_new_string(buf);
}
