/* The daemon's side of disk leases (lease.h), its core: the
 * configuration, start and stop, the table of domains with leases, and
 * the completions of their requests, which the other lease files share
 * (lease-int.h).  It calls none of them: the loop runs the completions,
 * lease-queue.c the queues. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <bsd/sys/queue.h>

#include <event2/bufferevent.h>
#include <event2/event.h>

#include "daemon/fsutil.h"
#include "daemon/lease-int.h"
#include "daemon/log.h"
#include "proto/mem.h"

struct lease_config lease_config;
static bool lease_ready;
struct lease_dom_list lease_doms = TAILQ_HEAD_INITIALIZER(lease_doms);
/* finished requests, whose callbacks run from complete_event */
static struct lease_req_list completed = TAILQ_HEAD_INITIALIZER(completed);
static struct event *complete_event;
struct lease_recovery lease_recovery;

static const char *const lease_backend_kind_names[] = {
	[LEASE_BACKEND_NONE] = "none",
	[LEASE_BACKEND_LOCKSPACE] = "lockspace",
	[LEASE_BACKEND_SANLOCK] = "sanlock",
};

bool lease_backend_kind_parse(const char *name, enum lease_backend_kind *out)
{
	for (int i = LEASE_BACKEND_NONE; i <= LEASE_BACKEND_SANLOCK; i++) {
		if (strcmp(name, lease_backend_kind_names[i]) == 0) {
			*out = (enum lease_backend_kind)i;
			return true;
		}
	}
	return false;
}

const char *lease_backend_kind_name(enum lease_backend_kind kind)
{
	return lease_backend_kind_names[kind];
}

bool lease_enabled(void)
{
	return lease_ready && lease_config.backend != LEASE_BACKEND_NONE;
}

/* ------------------------------------------------------------------------
 * Completions: always from the loop, never inside the caller's call */

static void complete_run(evutil_socket_t fd, short what, void *arg)
{
	struct lease_req *r;

	while ((r = TAILQ_FIRST(&completed)) != NULL) {
		TAILQ_REMOVE(&completed, r, entry);
		if (r->done != NULL)
			r->done(r->result, r->arg);
		else if (r->result != NULL)
			err_free(r->result);
		lease_request_clear(&r->wire);
		free(r);
	}
}

void lease_req_complete(struct lease_req *r, struct err *e)
{
	r->result = e;
	r->dom = NULL;
	TAILQ_INSERT_TAIL(&completed, r, entry);
	event_active(complete_event, EV_TIMEOUT, 0);
}

struct lease_req *lease_req_new(enum lease_op op, lease_done_fn *done,
    void *arg)
{
	struct lease_req *r = xcalloc(1, sizeof *r);

	r->wire.op = op;
	r->done = done;
	r->arg = arg;
	return r;
}

/* ------------------------------------------------------------------------
 * Domains */

struct lease_dom *lease_dom_find(const char *uuid)
{
	struct lease_dom *d;

	TAILQ_FOREACH(d, &lease_doms, entry)
		if (strcmp(d->uuid, uuid) == 0)
			return d;
	return NULL;
}

void lease_dom_disconnect(struct lease_dom *d)
{
	if (d->conn != NULL) {
		bufferevent_free(d->conn);
		d->conn = NULL;
	}
}

static void dom_free(struct lease_dom *d)
{
	TAILQ_REMOVE(&lease_doms, d, entry);
	lease_dom_disconnect(d);
	event_free(d->timer);
	event_free(d->retry);
	lease_disks_clear(&d->held);
	lease_disks_clear(&d->wanted);
	if (d->lost != NULL)
		err_free(d->lost);
	free(d->name);
	free(d);
}

/* Nothing held, nothing wanted, nothing to do: forgotten. */
void lease_dom_maybe_free(struct lease_dom *d)
{
	if (d->busy || !TAILQ_EMPTY(&d->queue) || d->held.n > 0 ||
	    d->wanted.n > 0 || d->pid != 0 || evtimer_pending(d->retry, NULL))
		return;
	dom_free(d);
}

bool lease_dom_holds(const struct lease_dom *d, const char *path)
{
	return lease_disks_find(&d->held, path) != NULL;
}

void lease_recover_progress(void)
{
	if (lease_recovery.pending == 0 || --lease_recovery.pending > 0 ||
	    !lease_recovery.running)
		return;
	lease_recovery.running = false;
	lease_req_complete(lease_req_new(LEASE_OP_LIST, lease_recovery.done,
	    lease_recovery.arg), NULL);
}

/* ------------------------------------------------------------------------
 * Start and stop */

static void join_exited(pid_t pid, int status, void *arg)
{
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		log_notice("sanlock: this host (id %d) joined the lockspace in "
		    "%s", lease_config.host_id, lease_config.lockspace);
	else
		log_error("sanlock: joining the lockspace in %s failed; every "
		    "holder tries again when it needs a lease",
		    lease_config.lockspace);
}

static void start_join(void)
{
	char host_id[16], io_timeout[16], *args[8];
	pid_t pid;
	int error, n = 0;

	snprintf(host_id, sizeof host_id, "%d", lease_config.host_id);
	snprintf(io_timeout, sizeof io_timeout, "%d",
	    lease_config.sanlock_io_timeout);
	args[n++] = "--join";
	args[n++] = "--lockspace";
	args[n++] = (char *)lease_config.lockspace;
	args[n++] = "--host-id";
	args[n++] = host_id;
	if (lease_config.sanlock_io_timeout > 0) {
		args[n++] = "--io-timeout";
		args[n++] = io_timeout;
	}
	args[n] = NULL;
	error = lease_config.spawn(args, NULL, &pid);
	if (error != 0) {
		log_error("sanlock: cannot start joining the lockspace: %s",
		    strerror(error));
		return;
	}
	lease_config.watch_child(pid, join_exited, NULL);
}

static char *config_strdup(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

struct err *lease_init(const struct lease_config *cfg)
{
	int rc;

	if (lease_ready)
		return err_new(ERR_INTERNAL, "lease: initialised twice");
	lease_config = *cfg;
	lease_config.records_dir = config_strdup(cfg->records_dir);
	lease_config.lockspace = config_strdup(cfg->lockspace);
	lease_config.host = config_strdup(cfg->host);
	complete_event = xcheck(event_new(lease_config.base, -1, 0,
	    complete_run, NULL));
	lease_ready = true;
	if (lease_config.backend == LEASE_BACKEND_NONE)
		return NULL;
	if (lease_config.backend == LEASE_BACKEND_SANLOCK &&
	    (lease_config.host_id < 1 || lease_config.host_id > 2000)) {
		lease_shutdown();
		return err_new(ERR_INVALID_ARGUMENT, "the sanlock lease backend "
		    "needs --host-id 1..2000, unique among the hosts");
	}
	if (lease_config.records_dir == NULL ||
	    lease_config.lockspace == NULL ||
	    lease_config.host == NULL || lease_config.host[0] == '\0' ||
	    lease_config.spawn == NULL || lease_config.watch_child == NULL) {
		lease_shutdown();
		return err_new(ERR_INTERNAL, "lease: incomplete configuration");
	}
	rc = fsutil_mkdirs(lease_config.records_dir, 0700);
	if (rc < 0) {
		struct err *e = err_new(ERR_IO, "cannot create %s: %s",
		    lease_config.records_dir, strerror(-rc));

		lease_shutdown();
		return e;
	}
	if (lease_config.backend == LEASE_BACKEND_SANLOCK)
		start_join();
	return NULL;
}

void lease_shutdown(void)
{
	struct lease_dom *d;
	struct lease_req *r;

	if (!lease_ready)
		return;
	while ((d = TAILQ_FIRST(&lease_doms)) != NULL) {
		while ((r = TAILQ_FIRST(&d->queue)) != NULL) {
			TAILQ_REMOVE(&d->queue, r, entry);
			r->recovery = false;
			lease_req_complete(r, err_new(ERR_ABORTED,
			    "the daemon stops"));
		}
		dom_free(d);
	}
	complete_run(-1, 0, NULL);
	event_free(complete_event);
	complete_event = NULL;
	free((char *)lease_config.records_dir);
	free((char *)lease_config.lockspace);
	free((char *)lease_config.host);
	memset(&lease_config, 0, sizeof lease_config);
	lease_recovery.pending = 0;
	lease_recovery.running = false;
	lease_ready = false;
}
