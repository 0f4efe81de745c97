/* Requests: one per message a client sent (or per piece of work the daemon
 * gives itself: dispatch_internal), alive until its one reply.  The layer
 * above the job core: a request that runs a job waits for it here and
 * answers from the job's outcome. */
#ifndef DAEMON_REQUEST_H
#define DAEMON_REQUEST_H

#include <stdbool.h>
#include <stdint.h>
#include <bsd/sys/queue.h>
#include <sys/time.h>
#include <json-c/json.h>

#include "daemon/job.h"
#include "proto/err.h"
#include "proto/message.h"

struct conn;
struct domain;
struct session;

struct request {
	struct conn *conn;		/* NULL: internal, or the client left */
	struct session *session;	/* its client's, while it has one */
	bool internal;			/* the daemon's own work */
	const struct command *command;
	struct proto_request msg;	/* execute, arguments, id, detach ... */
	json_object *args;		/* == msg.arguments */
	int64_t lock_wait_ms;		/* msg's, or --lock-wait */
	struct timeval received;
	size_t size;			/* of its line */
	/* the target, resolved by dispatch before the command runs */
	struct domain *domain;		/* holds a reference */
	struct job *job;
	/* waiting for a job: its own submission, or job-wait */
	struct job_waiter waiter;
	struct job *waiting_for;
	struct event *wait_timeout;
	TAILQ_ENTRY(request) session_entry;
};
TAILQ_HEAD(request_list, request);

/* The single reply.  Both free req; reply takes the reference to ret, fail
 * takes the error. */
void request_reply(struct request *req, json_object *ret);
void request_fail(struct request *req, struct err *e);
/* The reply for a result already written as JSON text. */
void request_reply_text(struct request *req, const char *text, size_t len);

/* Runs req's command as a job on req->domain with data (which the job owns
 * from now on, failure included).  The reply comes when the job ends, or
 * at once with {"job": id} for a detached request.  Returns the job, or
 * NULL after failing req. */
struct job *request_submit(struct request *req, void *data);
/* Replies with the job object once job has finished (at once if it has),
 * or with its state as it is after timeout_ms (negative: no limit). */
void request_wait_job(struct request *req, struct job *job,
    int64_t timeout_ms);

/* The request's client is gone: a request parked on a job is dropped
 * (the job goes on); one still being worked on loses its connection. */
void request_orphan(struct request *req);
void request_free(struct request *req);

/* A client connection's requests: req joins s (and counts as in flight
 * on its connection until it is freed); closing s orphans them. */
struct session *session_new(struct conn *c);
void session_add(struct session *s, struct request *req);
/* Its client is gone for good: requests parked on jobs are dropped. */
void session_hung_up(struct session *s);
void session_close(struct session *s);

#endif
