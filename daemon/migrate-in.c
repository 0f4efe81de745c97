/* domain-migrate-in: the destination's job (doc/migration.md).
 *
 * The admitted header's configuration is checked as a restore's is and
 * its name and UUID must be free; the answer goes back, and libxl's
 * stream is read by the build engine (create.h) in a build helper, as a
 * restore from a socket: the domain is left paused.  Then the hand-over:
 * "ready" to the source, "go" back, the leases taken, the guest unpaused
 * (unless it was paused on the source), "done".  Until "go" anything that
 * fails destroys the copy here; after "go" the guest is ours unless the
 * leases cannot be had. */
#include "config.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/create.h"
#include "daemon/daemon.h"
#include "daemon/dispatch.h"
#include "daemon/domain-config.h"
#include "daemon/domain-json.h"
#include "daemon/domain.h"
#include "daemon/job.h"
#include "daemon/lease.h"
#include "daemon/lifecycle.h"
#include "daemon/log.h"
#include "daemon/migrate-in.h"
#include "daemon/migrate-lease.h"
#include "daemon/migrate-listen.h"
#include "proto/mem.h"

/* From "ready" to "go": the source releases its leases meanwhile (up to
 * the lease timeout, 120 s with sanlock). */
#define MIGRATE_GO_TIMEOUT_MS 150000

struct migrate_in {
	struct migrate_conn *conn;
	struct migrate_header header;
	struct lease_disks leases;
	bool go;			/* received: the migration completes */
	bool failing;			/* destroying the copy */
	struct err *failure;
};

static void migrate_in_free(void *owner)
{
	struct migrate_in *m = owner;

	migrate_conn_free(m->conn);
	migrate_header_dispose(&m->header);
	lease_disks_clear(&m->leases);
	err_free(m->failure);
	free(m);
	migrate_listen_release();
}

static struct migrate_in *migrate_in_of(struct job *job)
{
	struct create_job *c = job->data;

	return c->owner;
}

static void migrate_in_tell(struct migrate_in *m, enum migrate_msg msg,
    const struct err *e)
{
	size_t len;
	char *line = migrate_msg_build(msg, e, &len);

	migrate_conn_send(m->conn, line, len);
	free(line);
}

/* Before "go": the source is told (if it still listens), the copy goes. */
static void migrate_in_fail(struct job *job, struct err *e)
{
	struct migrate_in *m = migrate_in_of(job);

	m->failing = true;
	migrate_conn_cancel(m->conn);
	migrate_in_tell(m, MIGRATE_MSG_ERROR, e);
	migrate_conn_shutdown(m->conn);
	if (job->domain == NULL)
		job_fail(job, e);
	else
		create_job_fail(job, e);
}

/* ------------------------------------------------------------------------
 * After "go" */

static void migrate_in_finish(struct job *job)
{
	struct migrate_in *m = migrate_in_of(job);
	struct domain *d = job->domain;
	json_object *data = json_object_new_object();

	job_set_journal(job, "stage", json_object_new_string("done"));
	migrate_in_tell(m, MIGRATE_MSG_DONE, NULL);
	log_notice("domain %s: migrated in from %s", d->name,
	    migrate_conn_peer(m->conn));
	json_object_object_add(data, "migrated_from",
	    json_object_new_string(migrate_conn_peer(m->conn)));
	if (m->header.paused)
		json_object_object_add(data, "paused",
		    json_object_new_boolean(true));
	domain_emit(d, "DOMAIN_STARTED", data);
	job_complete(job, domain_info_json(d));
}

/* The leases are free again: only now may the source take them. */
static void migrate_in_released(struct err *e, void *arg)
{
	struct job *job = arg;
	struct migrate_in *m = migrate_in_of(job);

	if (e != NULL) {
		log_error("domain %s: releasing the leases after the failed "
		    "migration: %s", job->domain_name, e->desc);
		err_free(e);
	}
	migrate_in_tell(m, MIGRATE_MSG_ERROR, m->failure);
	job_fail_taking(job, &m->failure);
}

static void migrate_in_destroyed(struct job *job, int rc)
{
	struct migrate_in *m = migrate_in_of(job);

	if (rc != 0) {
		/* still here, paused, holding nothing: the source decides */
		log_error("domain %s: cannot destroy the copy that failed to "
		    "take over: libxl error %d", job->domain_name, rc);
	} else {
		lifecycle_domain_gone(job->domain);
	}
	lease_release(m->header.uuid, migrate_in_released, job);
}

/* After "go", failing: the copy goes and its leases with it, then the
 * source hears of it and takes them back. */
static void migrate_in_fail_after_go(struct job *job, struct err *e)
{
	struct migrate_in *m = migrate_in_of(job);
	struct create_job *c = job->data;

	m->failure = err_append(e, "the guest stays on the source");
	log_error("domain %s: cannot take over after the hand-over: %s",
	    job->domain_name, e->desc);
	job_ao_started(job, libxl_domain_destroy(daemon_ctx, c->domid,
	    job_ao(job, migrate_in_destroyed)));
}

static void migrate_in_unpaused(struct job *job, int rc)
{
	if (rc != 0) {
		migrate_in_fail_after_go(job, job_libxl_error(job, rc,
		    "unpausing the migrated domain"));
		return;
	}
	migrate_in_finish(job);
}

static void migrate_in_leased(struct err *e, void *arg)
{
	struct job *job = arg;
	struct migrate_in *m = migrate_in_of(job);
	struct create_job *c = job->data;

	if (e != NULL) {
		migrate_in_fail_after_go(job, err_prefix(e, "taking the "
		    "leases"));
		return;
	}
	if (m->header.paused) {
		migrate_in_finish(job);
		return;
	}
	job_ao_started(job, libxl_domain_unpause(daemon_ctx, c->domid,
	    job_ao(job, migrate_in_unpaused)));
}

static void migrate_in_got_go(void *arg, const char *line, size_t len,
    struct err *e)
{
	struct job *job = arg;
	struct migrate_in *m = migrate_in_of(job);
	struct err *peer = NULL;
	enum migrate_msg msg = MIGRATE_MSG_ERROR;

	if (e == NULL)
		e = migrate_msg_parse(line, len, false, &msg, &peer);
	if (e == NULL && msg == MIGRATE_MSG_ERROR)
		e = err_prefix(peer, "the source gave up");
	else
		err_free(peer);
	if (e == NULL && msg != MIGRATE_MSG_GO)
		e = err_new(ERR_INVALID_MESSAGE, "the source sent another "
		    "message than go");
	if (e != NULL) {
		migrate_in_fail(job, err_append(e, "the incoming copy is "
		    "destroyed"));
		return;
	}
	/* from here on the source has let go: whatever happens to the
	 * connection, we take over */
	m->go = true;
	job_set_journal(job, "leases", lease_disks_to_json(&m->leases));
	job_set_journal(job, "stage", json_object_new_string("go-received"));
	lease_acquire(m->header.uuid, m->header.name, &m->leases,
	    migrate_in_leased, job);
}

/* ------------------------------------------------------------------------
 * The stream */

/* create_job's built hook: the domain is here, paused. */
static void migrate_in_built(struct job *job)
{
	struct migrate_in *m = migrate_in_of(job);

	migrate_conn_resume(m->conn);
	job_set_journal(job, "stage", json_object_new_string("ready"));
	migrate_in_tell(m, MIGRATE_MSG_READY, NULL);
	migrate_conn_read_line(m->conn, MIGRATE_LINE_MAX,
	    MIGRATE_GO_TIMEOUT_MS, migrate_in_got_go, job);
}

static bool migrate_in_measure(struct job *job, uint64_t *current)
{
	*current = migrate_conn_bytes_received(migrate_in_of(job)->conn);
	return *current > 0;
}

/* The header's configuration, as a restore checks an image's. */
static struct err *migrate_in_config(struct job *job)
{
	struct create_job *c = job->data;
	struct migrate_in *m = c->owner;
	libxl_uuid uuid;
	struct err *e;

	e = domain_config_from_json_object(daemon_ctx, m->header.config,
	    &c->config);
	if (e != NULL) {
		e->class = ERR_INVALID_ARGUMENT;
		return err_prefix(e, "the configuration from %s",
		    migrate_conn_peer(m->conn));
	}
	if (c->config.c_info.name == NULL ||
	    strcmp(c->config.c_info.name, m->header.name) != 0 ||
	    libxl_uuid_from_string(&uuid, m->header.uuid) != 0 ||
	    libxl_uuid_compare(&uuid, &c->config.c_info.uuid) != 0)
		return err_new(ERR_INVALID_ARGUMENT, "the configuration names "
		    "another domain than the header");
	/* a fresh domid here */
	c->config.c_info.domid = 0;
	e = create_claim_identity(&c->config);
	if (e == NULL)
		e = migrate_leases(&c->config, m->header.uuid, &m->leases);
	return e;
}

static void migrate_in_start(struct job *job)
{
	struct create_job *c = job->data;
	struct migrate_in *m = c->owner;
	libxl_domain_config *copy;
	size_t len;
	char *line;
	struct domain *d;
	struct err *e = migrate_in_config(job);

	if (e == NULL && job->abort_requested)
		e = err_new(ERR_ABORTED, "aborted before it started");
	if (e != NULL) {
		migrate_in_fail(job, e);
		return;
	}
	d = domain_add(m->header.name, &c->config.c_info.uuid);
	d->ours = true;
	copy = xmalloc(sizeof *copy);
	libxl_domain_config_init(copy);
	libxl_domain_config_copy(daemon_ctx, copy, &c->config);
	domain_set_config(d, copy);
	job_attach_domain(job, d);
	job_hold_lock(job);
	job_set_journal(job, "from", json_object_new_string(
	    migrate_conn_peer(m->conn)));
	job_set_journal(job, "paused", json_object_new_boolean(
	    m->header.paused));
	job_set_journal(job, "stage", json_object_new_string("streaming"));
	line = migrate_accept_build(&len);
	migrate_conn_send(m->conn, line, len);
	free(line);
	if (!migrate_conn_lend(m->conn)) {
		migrate_in_fail(job, err_new(ERR_INVALID_MESSAGE, "%s sent "
		    "more than its header before the answer",
		    migrate_conn_peer(m->conn)));
		return;
	}
	/* the helper reads the stream from its own descriptor of it */
	c->restore_fd = fcntl(migrate_conn_fd(m->conn), F_DUPFD_CLOEXEC, 3);
	if (c->restore_fd < 0) {
		migrate_in_fail(job, err_new(ERR_RESOURCE_LIMIT, "no file "
		    "descriptor for the stream"));
		return;
	}
	c->restore_size = m->header.memory_kib * 1024;
	log_info("domain %s: receiving it from %s", d->name,
	    migrate_conn_peer(m->conn));
	create_job_build(job);
}

/* Until "go", an abort destroys the copy; after it, nothing stops the
 * migration. */
static void migrate_in_abort(struct job *job)
{
	struct migrate_in *m = migrate_in_of(job);
	struct create_job *c = job->data;

	if (m->go || m->failing) {
		log_notice("domain %s: the hand-over is under way: the "
		    "migration completes", job->domain_name);
		return;
	}
	/* the source sees the end of the stream at once */
	migrate_conn_shutdown(m->conn);
	if (c->build != NULL) {
		create_job_abort(job);	/* the build fails, and cleans up */
		return;
	}
	migrate_in_fail(job, err_new(ERR_ABORTED, "aborted; the incoming "
	    "copy is destroyed"));
}

void migrate_in_admit(struct migrate_conn *conn, struct migrate_header *h)
{
	struct create_job *c = create_job_new(NULL, true);
	struct migrate_in *m = xcalloc(1, sizeof *m);
	json_object *args = json_object_new_object();
	struct job_submit how = { .lock_wait_ms = 0, .args = args };
	struct err *e = NULL;

	m->conn = conn;
	m->header = *h;
	c->owner = m;
	c->owner_free = migrate_in_free;
	c->built = migrate_in_built;
	c->restore_measure = migrate_in_measure;
	xasprintf(&c->restore_path, "the migration stream from %s",
	    migrate_conn_peer(conn));
	json_object_object_add(args, "domain",
	    json_object_new_string(h->name));
	json_object_object_add(args, "uuid", json_object_new_string(h->uuid));
	json_object_object_add(args, "from",
	    json_object_new_string(migrate_conn_peer(conn)));
	if (job_submit(&cmd_domain_migrate_in, NULL, c, &how, &e) == NULL) {
		log_notice("migration of %s refused: %s", h->name, e->desc);
		err_free(e);
	}
	json_object_put(args);
}

/* ------------------------------------------------------------------------
 * Restart recovery */

struct migrate_in_settle {
	char uuid[37];
	bool paused;
};

static void migrate_in_settled(struct err *e, void *arg)
{
	struct migrate_in_settle *s = arg;
	struct domain *d;
	libxl_uuid uuid;

	if (libxl_uuid_from_string(&uuid, s->uuid) == 0 &&
	    (d = domain_find_uuid(&uuid)) != NULL && domain_is_running(d)) {
		if (e == NULL && !s->paused) {
			log_notice("domain %s: the leases are ours: the "
			    "migration completes here", d->name);
			dispatch_internal_domain("domain-unpause", d, NULL);
		} else if (e != NULL) {
			log_notice("domain %s: the leases are not ours (%s): "
			    "destroying the incoming copy", d->name, e->desc);
			dispatch_internal_domain("domain-destroy", d, NULL);
		}
	}
	err_free(e);
	free(s);
}

static void migrate_in_recover(json_object *record, struct err *error)
{
	json_object *extra = json_object_object_get(record, "extra");
	const char *stage = arg_string(extra, "stage");
	const char *uuid_text = arg_string(record, "uuid");
	struct migrate_in_settle *s;
	struct lease_disks leases = { 0 };
	libxl_uuid uuid;
	struct domain *d;

	if (uuid_text == NULL || libxl_uuid_from_string(&uuid, uuid_text) != 0)
		return;
	d = domain_find_uuid(&uuid);
	if (d == NULL || !domain_is_running(d)) {
		err_append(error, "nothing was received");
		return;
	}
	d->ours = true;
	if (stage == NULL || strcmp(stage, "go-received") != 0) {
		log_notice("domain %s: received before the hand-over when the "
		    "daemon stopped: destroying the copy", d->name);
		err_append(error, "the incoming copy is destroyed; the guest "
		    "stays on the source");
		dispatch_internal_domain("domain-destroy", d, NULL);
		return;
	}
	err_append(error, "after the hand-over: the leases decide");
	s = xcalloc(1, sizeof *s);
	snprintf(s->uuid, sizeof s->uuid, "%s", uuid_text);
	s->paused = arg_bool(extra, "paused", false);
	migrate_leases_from_journal(extra, uuid_text, &leases);
	lease_acquire(uuid_text, d->name, &leases, migrate_in_settled, s);
	lease_disks_clear(&leases);
}

static const struct arg_spec migrate_in_args[] = {
	{ "domain", ARG_STRING, true, 0, 0, NULL, "the incoming domain" },
	{ "uuid", ARG_STRING, true, 0, 0, NULL, "its UUID" },
	{ "from", ARG_STRING, true, 0, 0, NULL, "the source's address" },
	ARG_END
};

const struct command cmd_domain_migrate_in = {
	.name = "domain-migrate-in",
	.kind = COMMAND_ASYNC,
	.internal = true,
	.args = migrate_in_args,
	.help = "a domain migrating in from another host (the daemon's own)",
	.abortable = true,
	.start = migrate_in_start,
	.abort = migrate_in_abort,
	.free_data = create_job_free,
	.recover = migrate_in_recover,
};
