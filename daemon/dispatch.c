#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "daemon/command.h"
#include "daemon/daemon.h"
#include "daemon/dispatch.h"
#include "daemon/domain.h"
#include "daemon/event.h"
#include "daemon/job.h"
#include "daemon/log.h"
#include "daemon/metrics-count.h"
#include "daemon/request.h"
#include "proto/json-line.h"
#include "proto/mem.h"

/* ------------------------------------------------------------------------
 * Sessions */

static void dispatch_accepted(struct conn *c)
{
	const libxl_version_info *v = libxl_get_version_info(daemon_ctx);
	json_object *g = json_object_new_object();
	json_object *msg = json_object_new_object();
	char xen_version[64];

	conn_set_data(c, session_new(c));
	snprintf(xen_version, sizeof xen_version, "%d.%d%s",
	    v ? v->xen_version_major : 0, v ? v->xen_version_minor : 0,
	    v && v->xen_version_extra ? v->xen_version_extra : "");
	json_object_object_add(g, "server", json_object_new_string("xenlightd"));
	json_object_object_add(g, "version",
	    json_object_new_string(PACKAGE_VERSION));
	json_object_object_add(g, "protocol", json_object_new_int(PROTO_VERSION));
	json_object_object_add(g, "hypervisor",
	    json_object_new_string(daemon_hypervisor));
	json_object_object_add(g, "xen_version",
	    json_object_new_string(xen_version));
	json_object_object_add(g, "access", json_object_new_string(
	    conn_is_read_only(c) ? "read-only" : "full"));
	json_object_object_add(g, "host", json_object_new_string(daemon_hostname));
	json_object_object_add(msg, "greeting", g);
	conn_send(c, msg);
	json_object_put(msg);
}

static void dispatch_hung_up(struct conn *c)
{
	session_hung_up(conn_data(c));
}

static void dispatch_closed(struct conn *c)
{
	event_conn_closed(c);
	session_close(conn_data(c));
	conn_set_data(c, NULL);
}

/* ------------------------------------------------------------------------
 * Targets */

static bool dispatch_domain_may_start(const struct domain *d)
{
	/* a job on its way may start it: it queues and checks again */
	return d->lock.holder != NULL;
}

static struct err *dispatch_check_domain(const struct command *c,
    struct domain *d)
{
	unsigned needs = c->target_flags;
	const char *verb = c->verb != NULL ? c->verb : c->name;

	if ((needs & TARGET_NOT_DOM0) && d->domid == 0)
		return err_new(ERR_OPERATION_INVALID, "cannot %s Domain-0", verb);
	if ((needs & TARGET_RUNNING_NOW) && !domain_is_running(d))
		return err_new(ERR_OPERATION_INVALID, "'%s' is not running",
		    d->name);
	if ((needs & TARGET_RUNNING) && !domain_is_running(d) &&
	    !dispatch_domain_may_start(d))
		return err_new(ERR_OPERATION_INVALID,
		    "cannot %s '%s': it is not running", verb, d->name);
	if ((needs & TARGET_DEFINED) && !d->persistent &&
	    !dispatch_domain_may_start(d))
		return err_new(ERR_OPERATION_INVALID,
		    "domain '%s' is not defined", d->name);
	if ((needs & TARGET_RUNNING_OR_DEFINED) && !domain_is_running(d) &&
	    !d->persistent && !dispatch_domain_may_start(d))
		return err_new(ERR_OPERATION_INVALID,
		    "domain '%s' is neither running nor defined", d->name);
	return NULL;
}

static struct err *dispatch_resolve(struct request *req)
{
	const struct command *c = req->command;
	json_object *arg;
	struct err *e = NULL;

	switch (c->target) {
	case TARGET_NONE:
		return NULL;
	case TARGET_DOMAIN_OPTIONAL:
	case TARGET_DOMAIN:
		arg = json_object_object_get(req->args, "domain");
		if (arg == NULL)
			return NULL;	/* the schema requires it if needed */
		req->domain = domain_lookup(arg, &e);
		if (req->domain == NULL)
			return e;
		domain_ref(req->domain);
		return dispatch_check_domain(c, req->domain);
	case TARGET_JOB: {
		uint64_t id = (uint64_t)arg_int(req->args, "job", 0);

		req->job = job_find(id);
		if (req->job == NULL)
			return err_new(ERR_JOB_NOT_FOUND, "no job %" PRIu64
			    " (finished jobs are kept for a while, then "
			    "forgotten)", id);
		return NULL;
	}
	}
	return NULL;
}

/* ------------------------------------------------------------------------
 * Running a command */

static void dispatch_run(struct request *req)
{
	struct err *e = dispatch_resolve(req);

	if (e != NULL) {
		request_fail(req, e);
		return;
	}
	if (req->command->run != NULL)
		req->command->run(req);
	else
		request_submit(req, NULL);
}

/* Replies to a message that never became a request. */
static void dispatch_refuse(struct conn *c, const struct proto_request *msg,
    struct err *e)
{
	json_object *reply = proto_reply_error(msg, e);

	log_debug("client %llu: %s: %s", (unsigned long long)conn_id(c),
	    err_class_name(e->class), e->desc);
	conn_send(c, reply);
	json_object_put(reply);
	err_free(e);
}

static struct err *dispatch_check_access(struct conn *c,
    const struct command *command, const char *name)
{
	if (command == NULL || command->internal)
		return err_new(ERR_COMMAND_NOT_FOUND, "unknown command '%.*s'",
		    err_quote_len(name, 64), name);
	if (conn_is_read_only(c) && command->kind != COMMAND_QUERY)
		return err_new(ERR_PERMISSION_DENIED,
		    "'%s' is not allowed on the read-only socket",
		    command->name);
	return NULL;
}

static void dispatch_line(struct conn *c, const char *line, size_t len)
{
	struct session *s = conn_data(c);
	const struct command *command;
	struct request *req;
	json_object *root;
	struct proto_request msg;
	struct err *e = NULL;

	root = json_line_parse(line, len, &e);
	if (root == NULL) {
		dispatch_refuse(c, NULL, e);
		return;
	}
	e = proto_request_parse(root, &msg);
	if (e != NULL) {
		dispatch_refuse(c, &msg, e);
		proto_request_clear(&msg);
		return;
	}
	command = command_find(msg.execute);
	e = dispatch_check_access(c, command, msg.execute);
	if (e == NULL)
		e = schema_check(command->args, msg.arguments);
	if (e != NULL) {
		dispatch_refuse(c, &msg, e);
		proto_request_clear(&msg);
		return;
	}
	req = xcalloc(1, sizeof *req);
	req->command = command;
	req->msg = msg;
	req->args = msg.arguments;
	req->lock_wait_ms = msg.has_lock_wait ? msg.lock_wait_ms :
	    options.lock_wait_ms;
	req->size = len;
	gettimeofday(&req->received, NULL);
	session_add(s, req);
	metrics_count_request(command->name);
	if (command->kind != COMMAND_QUERY)
		log_info("client %llu (uid %d): %s", (unsigned long long)conn_id(c),
		    (int)conn_peer_uid(c), command->name);
	dispatch_run(req);
}

const struct server_callbacks dispatch_callbacks = {
	.accepted = dispatch_accepted,
	.line = dispatch_line,
	.hung_up = dispatch_hung_up,
	.closed = dispatch_closed,
};

void dispatch_internal(const char *name, json_object *args)
{
	const struct command *command = command_find(name);
	struct request *req;
	struct err *e;

	if (args == NULL)
		args = json_object_new_object();
	if (command == NULL) {
		log_critical("no command '%s' for the daemon's own work", name);
		json_object_put(args);
		return;
	}
	e = schema_check(command->args, args);
	if (e != NULL) {
		log_critical("%s: %s", name, e->desc);
		err_free(e);
		json_object_put(args);
		return;
	}
	req = xcalloc(1, sizeof *req);
	req->internal = true;
	req->command = command;
	req->msg.root = args;
	req->msg.arguments = args;
	req->args = args;
	req->lock_wait_ms = options.lock_wait_ms;
	gettimeofday(&req->received, NULL);
	dispatch_run(req);
}

void dispatch_internal_domain(const char *name, struct domain *d,
    json_object *args)
{
	if (args == NULL)
		args = json_object_new_object();
	json_object_object_add(args, "domain",
	    json_object_new_string(d->uuid_text));
	dispatch_internal(name, args);
}
