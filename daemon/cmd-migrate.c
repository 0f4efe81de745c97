/* migration-prepare (the destination's token) and domain-migrate (the
 * source's job).  doc/migration.md has the protocol and its state diagram.
 *
 * The source connects without blocking the loop, sends the header (the
 * domain's configuration), and on "accept" lends the socket to
 * libxl_domain_suspend (live by default).  Once libxl's stream has ended
 * it waits for "ready", releases its leases, says "go" and waits for
 * "done"; then its suspended copy goes.  Until "go" every failure resumes
 * the guest here.  After "go", a lost "done" is settled by the leases:
 * if this host can take them back the destination does not run the guest
 * and it is resumed here; if it cannot, the destination holds it and the
 * copy here goes.  The job's error names the host that keeps the guest. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>

#include "daemon/command.h"
#include "daemon/daemon.h"
#include "daemon/dispatch.h"
#include "daemon/domain.h"
#include "daemon/fileio.h"
#include "daemon/job.h"
#include "daemon/lease.h"
#include "daemon/lifecycle.h"
#include "daemon/log.h"
#include "daemon/migrate-conn.h"
#include "daemon/migrate-lease.h"
#include "daemon/migrate-listen.h"
#include "daemon/migrate-recover.h"
#include "daemon/migrate-wire.h"
#include "daemon/request.h"
#include "proto/mem.h"

#define MIGRATE_CONNECT_TIMEOUT_MS 10000
/* the destination checks the header and claims the name: quick */
#define MIGRATE_ANSWER_TIMEOUT_MS 30000
/* from the stream's end to "ready": the build helper finishing */
#define MIGRATE_READY_TIMEOUT_MS 60000
/* from "go" to "done": the destination takes the leases (sanlock: up to
 * 120 s) and unpauses */
#define MIGRATE_DONE_TIMEOUT_MS 150000

enum migrate_stage {
	MIGRATE_PREPARING,	/* config, name resolution, connect, answer */
	MIGRATE_STREAMING,	/* libxl's stream */
	MIGRATE_SENT,		/* waiting for "ready" */
	MIGRATE_HANDOVER,	/* releasing, "go" sent: no way back */
};

struct migrate_job {
	char *host;
	char *port;
	char token[MIGRATE_TOKEN_HEX + 1];
	bool live;
	enum migrate_stage stage;
	uint32_t domid;
	bool was_paused;
	uint64_t memory_kib;
	libxl_domain_config config;
	char *config_json;
	struct lease_disks leases;
	struct addrinfo *addrs;
	int resolve_error;
	int connect_fd;
	struct event *connect_event;
	struct migrate_conn *conn;
	struct timeval started, suspended;
	uint64_t bytes;
};

static void migrate_job_free(void *data)
{
	struct migrate_job *m = data;

	if (m->connect_event != NULL)
		event_free(m->connect_event);
	if (m->connect_fd >= 0)
		close(m->connect_fd);
	migrate_conn_free(m->conn);
	if (m->addrs != NULL)
		freeaddrinfo(m->addrs);
	lease_disks_clear(&m->leases);
	libxl_domain_config_dispose(&m->config);
	free(m->config_json);
	free(m->host);
	free(m->port);
	free(m);
}

static int64_t migrate_ms_since(const struct timeval *t)
{
	struct timeval now, d;

	gettimeofday(&now, NULL);
	timersub(&now, t, &d);
	return (int64_t)d.tv_sec * 1000 + d.tv_usec / 1000;
}

/* ------------------------------------------------------------------------
 * Failure before "go": the guest stays here, as it was */

static void migrate_repaused(struct job *job, int rc)
{
	if (rc != 0)
		log_error("domain %s: cannot pause it again after the failed "
		    "migration: libxl error %d", job->domain_name, rc);
	job_fail_taking(job, &job->pending_error);
}

static void migrate_fail(struct job *job, struct err *e)
{
	struct migrate_job *m = job->data;
	libxl_dominfo info;
	bool suspended = false, paused = false;

	job_stop_progress(job, 0);
	if (m->connect_event != NULL)
		event_del(m->connect_event);
	if (m->conn != NULL) {
		/* the destination destroys its copy when it sees this */
		migrate_conn_cancel(m->conn);
		migrate_conn_shutdown(m->conn);
	}
	if (domain_fresh_info(job->domain, &info)) {
		suspended = info.shutdown &&
		    info.shutdown_reason == LIBXL_SHUTDOWN_REASON_SUSPEND;
		paused = info.paused;
		libxl_dominfo_dispose(&info);
	}
	err_append(e, "the guest stays on this host");
	if (!suspended && m->was_paused && !paused &&
	    job->domain->destroyer == NULL) {
		/* unpaused for the migration, never suspended */
		job->pending_error = e;
		job_ao_started(job, libxl_domain_pause(daemon_ctx, m->domid,
		    job_ao(job, migrate_repaused)));
		return;
	}
	lifecycle_fail_resuming(job, e, m->was_paused);
}

/* ------------------------------------------------------------------------
 * After "go" */

static void migrate_result(struct job *job)
{
	struct migrate_job *m = job->data;
	json_object *r = json_object_new_object();

	json_object_object_add(r, "domain",
	    json_object_new_string(job->domain_name));
	json_object_object_add(r, "host", json_object_new_string(m->host));
	json_object_object_add(r, "bytes",
	    json_object_new_int64((int64_t)m->bytes));
	json_object_object_add(r, "duration_ms",
	    json_object_new_int64(migrate_ms_since(&m->started)));
	json_object_object_add(r, "downtime_ms",
	    json_object_new_int64(migrate_ms_since(&m->suspended)));
	job_complete(job, r);
}

static void migrate_source_destroyed(struct job *job, int rc)
{
	struct migrate_job *m = job->data;

	if (rc != 0)
		log_error("domain %s: migrated, but destroying the suspended "
		    "copy here failed: libxl error %d", job->domain_name, rc);
	else
		lifecycle_domain_gone(job->domain);
	if (job->pending_error != NULL) {
		job_fail_taking(job, &job->pending_error);
		return;
	}
	log_notice("domain %s: migrated to %s", job->domain_name, m->host);
	migrate_result(job);
}

static void migrate_destroy_here(struct job *job)
{
	struct migrate_job *m = job->data;

	job_ao_started(job, libxl_domain_destroy(daemon_ctx, m->domid,
	    job_ao(job, migrate_source_destroyed)));
}

/* The leases tell who has the guest. */
static void migrate_settled(struct err *e, void *arg)
{
	struct job *job = arg;
	struct migrate_job *m = job->data;
	struct err *why = job->pending_error;

	job->pending_error = NULL;
	if (e == NULL) {
		log_notice("domain %s: the leases came back: the destination "
		    "does not run it; resuming it here", job->domain_name);
		err_append(why, "this host (%s) took the leases back and "
		    "keeps the guest", daemon_hostname);
		lifecycle_fail_resuming(job, why, m->was_paused);
	} else if (e->class == ERR_LEASE_CONFLICT) {
		log_notice("domain %s: the destination %s holds the leases: "
		    "destroying the copy here", job->domain_name, m->host);
		err_append(why, "the destination %s holds the leases and keeps "
		    "the guest; the suspended copy here is destroyed", m->host);
		job->pending_error = why;
		migrate_destroy_here(job);
	} else {
		err_append(why, "the leases cannot say where the guest runs "
		    "(%s): it is left suspended here; check %s", e->desc,
		    m->host);
		job_fail(job, why);
	}
	err_free(e);
}

static void migrate_settle(struct job *job, struct err *why)
{
	struct migrate_job *m = job->data;

	migrate_conn_cancel(m->conn);
	err_prefix(why, "after the hand-over");
	if (!lease_enabled()) {
		err_append(why, "without leases (--lease-backend none) the "
		    "guest's state is unknown: it is left suspended here; "
		    "check %s", m->host);
		job_fail(job, why);
		return;
	}
	job->pending_error = why;
	lease_acquire(job->domain->uuid_text, job->domain_name, &m->leases,
	    migrate_settled, job);
}

static void migrate_got_done(void *arg, const char *line, size_t len,
    struct err *e)
{
	struct job *job = arg;

	e = migrate_expect(line, len, e, MIGRATE_MSG_DONE, false,
	    "destination");
	if (e != NULL) {
		migrate_settle(job, e);
		return;
	}
	job_set_journal(job, "stage", json_object_new_string("done"));
	migrate_destroy_here(job);
}

static void migrate_released(struct err *e, void *arg)
{
	struct job *job = arg;
	struct migrate_job *m = job->data;
	size_t len;
	char *line;

	if (e != NULL) {
		/* still held here: the destination could not take them */
		m->stage = MIGRATE_SENT;
		migrate_fail(job, err_prefix(e, "releasing the leases"));
		return;
	}
	/* journaled first: a restart after this line settles by leases */
	job_set_journal(job, "leases", lease_disks_to_json(&m->leases));
	job_set_journal(job, "stage", json_object_new_string("go-sent"));
	line = migrate_msg_build(MIGRATE_MSG_GO, NULL, &len);
	migrate_conn_send(m->conn, line, len);
	free(line);
	migrate_conn_read_line(m->conn, MIGRATE_LINE_MAX,
	    MIGRATE_DONE_TIMEOUT_MS, migrate_got_done, job);
}

/* ------------------------------------------------------------------------
 * The stream and "ready" */

static void migrate_got_ready(void *arg, const char *line, size_t len,
    struct err *e)
{
	struct job *job = arg;
	struct migrate_job *m = job->data;

	e = migrate_expect(line, len, e, MIGRATE_MSG_READY, false,
	    "destination");
	if (e == NULL && job->abort_requested)
		e = err_new(ERR_ABORTED, "aborted");
	if (e != NULL) {
		migrate_fail(job, e);
		return;
	}
	/* the destination has read the whole stream: now every byte of it
	 * is acknowledged (at the stream's end, the tail could still sit in
	 * our send buffer on a busy machine) */
	m->bytes = migrate_conn_bytes_sent(m->conn);
	m->stage = MIGRATE_HANDOVER;
	job_set_journal(job, "stage", json_object_new_string("releasing"));
	lease_release(job->domain->uuid_text, migrate_released, job);
}

static void migrate_streamed(struct job *job, int rc)
{
	struct migrate_job *m = job->data;

	m->bytes = migrate_conn_bytes_sent(m->conn);
	job_stop_progress(job, 0);
	migrate_conn_resume(m->conn);
	if (rc != 0) {
		migrate_fail(job, job_libxl_error(job, rc, "sending the "
		    "domain"));
		return;
	}
	if (!timerisset(&m->suspended))
		gettimeofday(&m->suspended, NULL);
	job_set_progress(job, m->memory_kib * 1024, m->memory_kib * 1024);
	m->stage = MIGRATE_SENT;
	job_set_journal(job, "stage", json_object_new_string("sent"));
	migrate_conn_read_line(m->conn, MIGRATE_LINE_MAX,
	    MIGRATE_READY_TIMEOUT_MS, migrate_got_ready, job);
}

static bool migrate_measure(struct job *job, uint64_t *current)
{
	struct migrate_job *m = job->data;

	*current = migrate_conn_bytes_sent(m->conn);
	return *current > 0;
}

static void migrate_got_answer(void *arg, const char *line, size_t len,
    struct err *e)
{
	struct job *job = arg;
	struct migrate_job *m = job->data;

	e = migrate_expect(line, len, e, MIGRATE_MSG_READY, true,
	    "destination");
	if (e == NULL && job->abort_requested)
		e = err_new(ERR_ABORTED, "aborted");
	if (e == NULL && !migrate_conn_lend(m->conn))
		e = err_new(ERR_INVALID_MESSAGE, "the destination sent more "
		    "than its answer");
	if (e != NULL) {
		migrate_fail(job, e);
		return;
	}
	m->stage = MIGRATE_STREAMING;
	job_set_journal(job, "stage", json_object_new_string("streaming"));
	job_poll_progress(job, migrate_measure, m->memory_kib * 1024);
	log_info("domain %s: sending it to %s", job->domain_name, m->host);
	job_ao_started(job, libxl_domain_suspend(daemon_ctx, m->domid,
	    migrate_conn_fd(m->conn), m->live ? LIBXL_SUSPEND_LIVE : 0,
	    job_ao(job, migrate_streamed)));
}

/* ------------------------------------------------------------------------
 * Connecting */

static void migrate_send_header(struct job *job)
{
	struct migrate_job *m = job->data;
	struct migrate_header h;
	json_object *config;
	struct err *e = NULL;
	size_t len;
	char *line;

	memset(&h, 0, sizeof h);
	memcpy(h.token, m->token, sizeof h.token);
	snprintf(h.name, sizeof h.name, "%s", job->domain_name);
	snprintf(h.uuid, sizeof h.uuid, "%s", job->domain->uuid_text);
	h.memory_kib = m->memory_kib;
	h.paused = m->was_paused;
	config = json_tokener_parse(m->config_json);
	if (config == NULL) {
		migrate_fail(job, err_new(ERR_INTERNAL, "the domain's "
		    "configuration does not parse back"));
		return;
	}
	h.config = config;
	line = migrate_header_build(&h, &len);
	json_object_put(config);
	if (len > MIGRATE_HEADER_MAX)
		e = err_new(ERR_INVALID_ARGUMENT, "the domain's configuration "
		    "is too large to migrate");
	if (e != NULL) {
		free(line);
		migrate_fail(job, e);
		return;
	}
	migrate_conn_send(m->conn, line, len);
	free(line);
	migrate_conn_read_line(m->conn, MIGRATE_LINE_MAX,
	    MIGRATE_ANSWER_TIMEOUT_MS, migrate_got_answer, job);
}

static void migrate_connected(evutil_socket_t fd, short what, void *arg)
{
	struct job *job = arg;
	struct migrate_job *m = job->data;
	int error = 0;
	socklen_t len = sizeof error;
	char *peer;

	if (what & EV_TIMEOUT)
		error = ETIMEDOUT;
	else if (getsockopt(m->connect_fd, SOL_SOCKET, SO_ERROR, &error,
	    &len) < 0)
		error = errno;
	event_free(m->connect_event);
	m->connect_event = NULL;
	if (error != 0) {
		migrate_fail(job, err_new(ERR_IO, "cannot connect to %s port "
		    "%s: %s", m->host, m->port, strerror(error)));
		return;
	}
	xasprintf(&peer, "%s port %s", m->host, m->port);
	m->conn = migrate_conn_new(m->connect_fd, peer);
	m->connect_fd = -1;
	free(peer);
	migrate_send_header(job);
}

static void migrate_connect(struct job *job)
{
	struct migrate_job *m = job->data;
	struct timeval tv = { MIGRATE_CONNECT_TIMEOUT_MS / 1000, 0 };
	struct addrinfo *ai = m->addrs;

	m->connect_fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, ai->ai_protocol);
	if (m->connect_fd < 0 || (connect(m->connect_fd, ai->ai_addr,
	    ai->ai_addrlen) < 0 && errno != EINPROGRESS)) {
		migrate_fail(job, err_new(ERR_IO, "cannot connect to %s port "
		    "%s: %s", m->host, m->port, strerror(errno)));
		return;
	}
	m->connect_event = xcheck(event_new(daemon_base, m->connect_fd,
	    EV_WRITE, migrate_connected, job));
	event_add(m->connect_event, &tv);
}

/* On a file worker: a name may need DNS, which blocks. */
static void migrate_resolve(void *arg)
{
	struct job *job = arg;
	struct migrate_job *m = job->data;
	struct addrinfo hints = {
		.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
		.ai_flags = AI_NUMERICSERV,
	};

	m->resolve_error = getaddrinfo(m->host, m->port, &hints, &m->addrs);
}

static void migrate_resolved(void *arg)
{
	struct job *job = arg;
	struct migrate_job *m = job->data;

	if (job->abort_requested) {
		migrate_fail(job, err_new(ERR_ABORTED, "aborted"));
		return;
	}
	if (m->resolve_error != 0 || m->addrs == NULL) {
		migrate_fail(job, err_new(ERR_INVALID_ARGUMENT, "cannot "
		    "resolve %s: %s", m->host,
		    gai_strerror(m->resolve_error)));
		return;
	}
	migrate_connect(job);
}

static void migrate_have_config(struct job *job, int rc)
{
	struct migrate_job *m = job->data;
	struct err *e;

	if (rc != 0) {
		migrate_fail(job, job_libxl_error(job, rc, "retrieving the "
		    "domain's configuration"));
		return;
	}
	if (job->abort_requested) {
		migrate_fail(job, err_new(ERR_ABORTED, "aborted"));
		return;
	}
	m->config.c_info.domid = 0;
	m->config_json = libxl_domain_config_to_json(daemon_ctx, &m->config);
	if (m->config_json == NULL) {
		migrate_fail(job, err_new(ERR_INTERNAL, "cannot serialise the "
		    "domain's configuration"));
		return;
	}
	e = migrate_leases(&m->config, job->domain->uuid_text, &m->leases);
	if (e != NULL) {
		migrate_fail(job, e);
		return;
	}
	fileio_submit(migrate_resolve, migrate_resolved, job);
}

static void migrate_retrieve_config(struct job *job, int rc)
{
	struct migrate_job *m = job->data;

	if (rc != 0) {
		migrate_fail(job, job_libxl_error(job, rc, "unpausing the "
		    "domain so that it can suspend"));
		return;
	}
	job_ao_started(job, libxl_retrieve_domain_configuration(daemon_ctx,
	    m->domid, &m->config, job_ao(job, migrate_have_config)));
}

static void migrate_start(struct job *job)
{
	struct migrate_job *m = job->data;
	libxl_dominfo info;

	if (!job_domain_running(job))
		return;
	gettimeofday(&m->started, NULL);
	m->domid = job->domain->domid;
	if (domain_fresh_info(job->domain, &info)) {
		m->was_paused = info.paused;
		m->memory_kib = info.current_memkb;
		libxl_dominfo_dispose(&info);
	}
	if (m->memory_kib == 0)
		m->memory_kib = 1;
	job_set_journal(job, "domid", json_object_new_int64(m->domid));
	job_set_journal(job, "was_paused",
	    json_object_new_boolean(m->was_paused));
	job_set_journal(job, "stage", json_object_new_string("preparing"));
	/* a paused guest cannot answer the suspend request: it runs for the
	 * migration, and is paused on arrival (or here again on failure) */
	if (m->was_paused) {
		job_ao_started(job, libxl_domain_unpause(daemon_ctx, m->domid,
		    job_ao(job, migrate_retrieve_config)));
		return;
	}
	migrate_retrieve_config(job, 0);
}

/* Until the hand-over an abort brings the guest back; afterwards the
 * migration completes (or the leases settle it). */
static void migrate_abort(struct job *job)
{
	struct migrate_job *m = job->data;

	switch (m->stage) {
	case MIGRATE_PREPARING:
		if (m->connect_event != NULL) {
			event_free(m->connect_event);
			m->connect_event = NULL;
			migrate_fail(job, err_new(ERR_ABORTED, "aborted"));
		} else if (m->conn != NULL) {
			migrate_fail(job, err_new(ERR_ABORTED, "aborted"));
		} else {
			/* libxl's step or the name resolution sees it */
			job_abort_libxl(job);
		}
		break;
	case MIGRATE_STREAMING:
		job_abort_libxl(job);
		break;
	case MIGRATE_SENT:
		migrate_fail(job, err_new(ERR_ABORTED, "aborted"));
		break;
	case MIGRATE_HANDOVER:
		log_notice("domain %s: the hand-over is under way: the "
		    "migration completes", job->domain_name);
		break;
	}
}

/* The guest's suspend starts the downtime. */
static void migrate_domain_changed(struct job *job)
{
	struct migrate_job *m = job->data;

	if (m->stage == MIGRATE_STREAMING && !timerisset(&m->suspended) &&
	    job->domain->shutdown_reason == LIBXL_SHUTDOWN_REASON_SUSPEND)
		gettimeofday(&m->suspended, NULL);
}

/* ------------------------------------------------------------------------
 * The entries */

static const struct arg_spec domain_migrate_args[] = {
	{ "domain", ARG_DOMAIN, true, 0, 0, NULL, "name, UUID or domid" },
	{ "host", ARG_STRING, true, 0, 255, NULL,
	  "the destination daemon's host (migration-prepare's host)" },
	{ "port", ARG_INT, true, 1, 65535, NULL, "its migration port" },
	{ "token", ARG_STRING, true, 0, MIGRATE_TOKEN_HEX, NULL,
	  "the token from the destination's migration-prepare" },
	{ "live", ARG_BOOL, false, 0, 0, NULL,
	  "copy memory while the guest runs (default true)" },
	ARG_END
};

static void migrate_run(struct request *req)
{
	const char *host = arg_string(req->args, "host");
	const char *token = arg_string(req->args, "token");
	struct migrate_job *m;

	if (*host == '\0' || strlen(token) != MIGRATE_TOKEN_HEX) {
		request_fail(req, err_new(ERR_INVALID_ARGUMENT, "give the host "
		    "and the token migration-prepare answered"));
		return;
	}
	m = xcalloc(1, sizeof *m);
	m->connect_fd = -1;
	libxl_domain_config_init(&m->config);
	m->host = xstrdup(host);
	xasprintf(&m->port, "%d", (int)arg_int(req->args, "port", 0));
	memcpy(m->token, token, sizeof m->token);
	m->live = arg_bool(req->args, "live", true);
	request_submit(req, m);
}

const struct command cmd_domain_migrate = {
	.name = "domain-migrate",
	.kind = COMMAND_ASYNC,
	.args = domain_migrate_args,
	.target = TARGET_DOMAIN,
	.target_flags = TARGET_RUNNING | TARGET_NOT_DOM0,
	.verb = "migrate",
	.run = migrate_run,
	.help = "move a domain to another host's xenlightd",
	.abortable = true,
	.start = migrate_start,
	.abort = migrate_abort,
	.domain_changed = migrate_domain_changed,
	.free_data = migrate_job_free,
	.recover = migrate_recover_source,
};

static const struct arg_spec migration_prepare_args[] = {
	{ "expires_ms", ARG_INT, false, 1000, MIGRATE_TOKEN_MAX_MS, NULL,
	  "how long the token admits a migration (default 60000)" },
	ARG_END
};

static void migration_prepare_run(struct request *req)
{
	int64_t expires = arg_int(req->args, "expires_ms",
	    MIGRATE_TOKEN_DEFAULT_MS);
	char token[MIGRATE_TOKEN_HEX + 1];
	struct err *e = migrate_token_new(expires, token);
	json_object *ret;

	if (e != NULL) {
		request_fail(req, e);
		return;
	}
	ret = json_object_new_object();
	json_object_object_add(ret, "host",
	    json_object_new_string(migrate_listen_host()));
	json_object_object_add(ret, "port",
	    json_object_new_int(migrate_listen_port()));
	json_object_object_add(ret, "token", json_object_new_string(token));
	json_object_object_add(ret, "expires_ms",
	    json_object_new_int64(expires));
	explicit_bzero(token, sizeof token);
	request_reply(req, ret);
}

const struct command cmd_migration_prepare = {
	.name = "migration-prepare",
	.kind = COMMAND_CONTROL,
	.args = migration_prepare_args,
	.run = migration_prepare_run,
	.help = "a one-time token admitting one incoming migration",
};
