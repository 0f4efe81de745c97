#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <sys/uio.h>

#include <event2/event.h>

#include "daemon/daemon.h"
#include "daemon/domain.h"
#include "daemon/log.h"
#include "daemon/request.h"
#include "daemon/server.h"
#include "proto/json-line.h"
#include "proto/mem.h"

/* A client's connection, as requests see it: its requests in flight. */
struct session {
	struct conn *conn;
	struct request_list pending;
};

struct session *session_new(struct conn *c)
{
	struct session *s = xcalloc(1, sizeof *s);

	s->conn = c;
	TAILQ_INIT(&s->pending);
	return s;
}

void session_add(struct session *s, struct request *req)
{
	req->conn = s->conn;
	req->session = s;
	conn_request_started(s->conn, req->size);
	TAILQ_INSERT_TAIL(&s->pending, req, session_entry);
}

void session_hung_up(struct session *s)
{
	struct request *req, *next;

	TAILQ_FOREACH_SAFE(req, &s->pending, session_entry, next)
		if (req->waiting_for != NULL)
			request_free(req);
}

void session_close(struct session *s)
{
	struct request *req, *next;

	/* a client that disconnects does not cancel its jobs */
	TAILQ_FOREACH_SAFE(req, &s->pending, session_entry, next) {
		TAILQ_REMOVE(&s->pending, req, session_entry);
		request_orphan(req);
	}
	free(s);
}

void request_free(struct request *req)
{
	if (req->waiting_for != NULL)
		job_unwait(req->waiting_for, &req->waiter);
	if (req->session != NULL) {
		TAILQ_REMOVE(&req->session->pending, req, session_entry);
		conn_request_done(req->session->conn, req->size);
	}
	if (req->wait_timeout != NULL)
		event_free(req->wait_timeout);
	if (req->domain != NULL)
		domain_unref(req->domain);
	proto_request_clear(&req->msg);
	free(req);
}

void request_reply(struct request *req, json_object *ret)
{
	if (req->conn != NULL) {
		json_object *reply = proto_reply_return(&req->msg, ret);

		conn_send(req->conn, reply);
		json_object_put(reply);
	} else {
		json_object_put(ret);
	}
	request_free(req);
}

void request_reply_text(struct request *req, const char *text, size_t len)
{
	if (req->conn != NULL) {
		struct iovec parts[5];
		int n = 0;

		parts[n++] = (struct iovec){ "{\"return\":", 10 };
		parts[n++] = (struct iovec){ (void *)text, len };
		if (req->msg.has_id) {
			size_t id_len = 4;
			const char *id = req->msg.id != NULL ?
			    json_line_format(req->msg.id, &id_len) : "null";

			parts[n++] = (struct iovec){ ",\"id\":", 6 };
			parts[n++] = (struct iovec){ (void *)id, id_len };
		}
		parts[n++] = (struct iovec){ "}", 1 };
		conn_send_parts(req->conn, parts, n);
	}
	request_free(req);
}

void request_fail(struct request *req, struct err *e)
{
	if (e->class == ERR_INTERNAL)
		log_error("%s: internal error: %s", req->command->name, e->desc);
	else if (req->internal)
		log_error("%s: %s", req->command->name, e->desc);
	if (req->conn != NULL) {
		json_object *reply = proto_reply_error(&req->msg, e);

		conn_send(req->conn, reply);
		json_object_put(reply);
	}
	err_free(e);
	request_free(req);
}

/* ------------------------------------------------------------------------
 * Waiting for jobs */

static void request_job_done(struct job_waiter *w, struct job *job)
{
	struct request *req = (struct request *)((char *)w -
	    offsetof(struct request, waiter));

	req->waiting_for = NULL;
	if (!job_is_finished(job))
		request_fail(req, err_new(ERR_ABORTED, "the daemon stopped"));
	else if (req->command->kind == COMMAND_QUERY)	/* job-wait */
		request_reply(req, job_to_json(job));
	else if (job->error != NULL)
		request_fail(req, err_add_data(err_copy(job->error), "job",
		    json_object_new_int64((int64_t)job->id)));
	else
		request_reply(req, job_result_json(job));
}

static void request_wait(struct request *req, struct job *job)
{
	/* nobody would read the reply: the job goes on without a waiter */
	if (req->conn != NULL && conn_is_hung_up(req->conn)) {
		request_free(req);
		return;
	}
	req->waiter.done = request_job_done;
	req->waiting_for = job;
	job_wait(job, &req->waiter);
}

struct job *request_submit(struct request *req, void *data)
{
	struct job_submit how = {
		.lock_wait_ms = req->lock_wait_ms,
		.internal = req->internal,
		.args = req->args,
	};
	struct err *e = NULL;
	struct job *job;

	job = job_submit(req->command, req->domain, data, &how, &e);
	if (job == NULL) {
		request_fail(req, e);
		return NULL;
	}
	if (req->msg.detach || req->internal) {
		json_object *ret = json_object_new_object();

		json_object_object_add(ret, "job",
		    json_object_new_int64((int64_t)job->id));
		request_reply(req, ret);
	} else {
		request_wait(req, job);
	}
	return job;
}

static void request_wait_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct request *req = arg;
	struct job *job = req->waiting_for;

	job_unwait(job, &req->waiter);
	req->waiting_for = NULL;
	request_reply(req, job_to_json(job));
}

void request_wait_job(struct request *req, struct job *job,
    int64_t timeout_ms)
{
	if (job_is_finished(job)) {
		request_reply(req, job_to_json(job));
		return;
	}
	request_wait(req, job);
	if (timeout_ms >= 0) {
		struct timeval tv = { timeout_ms / 1000,
			(timeout_ms % 1000) * 1000 };

		req->wait_timeout = xcheck(evtimer_new(daemon_base,
		    request_wait_timeout, req));
		evtimer_add(req->wait_timeout, &tv);
	}
}

void request_orphan(struct request *req)
{
	req->conn = NULL;
	req->session = NULL;
	/* nobody is left to hear the reply: the job goes on, unwatched */
	if (req->waiting_for != NULL)
		request_free(req);
}
