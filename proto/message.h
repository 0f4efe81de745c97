/* The message model of PROTOCOL.md: requests, replies, events, greeting. */
#ifndef PROTO_MESSAGE_H
#define PROTO_MESSAGE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/time.h>
#include <json-c/json.h>

#include "proto/err.h"

#define PROTO_VERSION 1

struct proto_request {
	json_object *root;		/* owns everything below */
	const char *execute;
	json_object *arguments;		/* an object; never NULL after parsing */
	bool has_id;			/* "id" is echoed, even "id": null */
	json_object *id;		/* NULL for an absent or a null id */
	bool detach;
	bool has_lock_wait;
	int64_t lock_wait_ms;
};

/* Checks the envelope (execute, arguments, id, detach, lock_wait_ms and
 * nothing else) and takes the reference to root.  Whatever it returns,
 * out holds the id (so that an error reply can carry it) and must be
 * released with proto_request_clear. */
struct err *proto_request_parse(json_object *root, struct proto_request *out);
void proto_request_clear(struct proto_request *req);

/* {"return":ret,"id":id}; takes the reference to ret (NULL means {}).
 * req gives the id; NULL for a reply without one. */
json_object *proto_reply_return(const struct proto_request *req,
    json_object *ret);
/* {"error":{...},"id":id} */
json_object *proto_reply_error(const struct proto_request *req,
    const struct err *e);
/* {"event":name,"data":data,"timestamp":{...}}; takes data. */
json_object *proto_event_new(const char *name, json_object *data,
    const struct timeval *when);

/* Replies and events as seen by a client. */
enum proto_message_kind {
	PROTO_MSG_GREETING,
	PROTO_MSG_RETURN,
	PROTO_MSG_ERROR,
	PROTO_MSG_EVENT,
	PROTO_MSG_UNKNOWN,
};
enum proto_message_kind proto_message_kind(json_object *msg);

/* UTC time as "2026-11-22T10:00:00.123Z". buf must hold 32 bytes. */
void proto_format_time(const struct timeval *tv, char *buf);
json_object *proto_time_json(const struct timeval *tv);	/* NULL tv: null */

#endif
