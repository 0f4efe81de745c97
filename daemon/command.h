/* The command table: one entry per protocol command (name, kind, argument
 * schema, handler, help), exported by the cmd-*.c files and listed in
 * dispatch.c.  It drives dispatch, access checks, argument checking and
 * query-commands (hence xlctl's help). */
#ifndef DAEMON_COMMAND_H
#define DAEMON_COMMAND_H

#include <stdbool.h>
#include <stdint.h>
#include <bsd/sys/queue.h>
#include <sys/time.h>
#include <json-c/json.h>

#include "proto/err.h"
#include "proto/message.h"
#include "proto/schema.h"

struct conn;
struct request;

enum command_kind {
	COMMAND_QUERY,		/* answered at once; allowed read-only */
	COMMAND_MODIFY,		/* a job holding the domain's lock briefly */
	COMMAND_ASYNC,		/* a long job holding the lock throughout */
	COMMAND_DESTROY,	/* a job that preempts whatever holds the lock */
	COMMAND_CONTROL,	/* acts on the daemon or on jobs; full access */
};

struct command {
	const char *name;
	enum command_kind kind;
	const struct arg_spec *args;
	void (*handler)(struct request *req);
	const char *help;
};

/* One request from a client, alive until it gets its one reply. */
struct request {
	struct conn *conn;		/* NULL once the client went away */
	const struct command *command;
	struct proto_request msg;	/* execute, arguments, id, detach ... */
	json_object *args;		/* == msg.arguments */
	int64_t lock_wait_ms;		/* msg's, or --lock-wait */
	struct timeval received;
	TAILQ_ENTRY(request) conn_entry;
	TAILQ_ENTRY(request) wait_entry;	/* waiting on a job */
	struct event *wait_timeout;	/* job-wait's deadline */
	void *waiting_for;		/* the job it waits on */
};

TAILQ_HEAD(request_list, request);

/* The single reply.  Both free req; reply takes the reference to ret, fail
 * takes the error. */
void request_reply(struct request *req, json_object *ret);
void request_fail(struct request *req, struct err *e);
/* The reply for a result already written as JSON text. */
void request_reply_text(struct request *req, const char *text, size_t len);

const struct command *command_find(const char *name);
/* All commands, NULL-terminated, for query-commands. */
extern const struct command *const command_table[];
const char *command_kind_name(enum command_kind kind);

/* Called by the server for each complete line of a connection. */
void dispatch_line(struct conn *c, const char *line, size_t len);
/* The server calls this when a connection closes: its pending requests
 * lose their client but keep running. */
void dispatch_conn_closed(struct conn *c, struct request_list *pending);

#endif
