/* Each domain's queue of requests to its lease holder, one in flight at a
 * time: the holder started, or reached again through its socket, the
 * request sent with a deadline, its answer read from the loop, and what
 * it means for the disks the domain needs (a lease lost is retried).  The
 * queue runs the connection and the connection's events run the queue:
 * both are here. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <bsd/sys/queue.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "daemon/lease-int.h"
#include "daemon/lease-record.h"
#include "daemon/lease-wire.h"
#include "daemon/log.h"
#include "proto/mem.h"

#define LEASE_HOLDER_PROGRAM "xenlightd-lease-holder"
#define LEASE_HOLDER_FD 3

static void dom_kick(struct lease_dom *d);
static void dom_timeout(evutil_socket_t fd, short what, void *arg);
static void dom_retry(evutil_socket_t fd, short what, void *arg);

/* ------------------------------------------------------------------------
 * Queues */

struct lease_dom *lease_dom_get(const char *uuid, const char *name)
{
	struct lease_dom *d = lease_dom_find(uuid);

	if (d != NULL) {
		if (name != NULL && strcmp(d->name, name) != 0) {
			free(d->name);
			d->name = xstrdup(name);
		}
		return d;
	}
	d = xcalloc(1, sizeof *d);
	snprintf(d->uuid, sizeof d->uuid, "%s", uuid);
	d->name = xstrdup(name != NULL ? name : uuid);
	TAILQ_INIT(&d->queue);
	d->timer = evtimer_new(lease_config.base, dom_timeout, d);
	d->retry = evtimer_new(lease_config.base, dom_retry, d);
	TAILQ_INSERT_TAIL(&lease_doms, d, entry);
	return d;
}

/* Queues r, first (behind the request in flight) or last; the caller
 * kicks the queue. */
static void dom_queue(struct lease_dom *d, struct lease_req *r, bool first)
{
	r->dom = d;
	if (first && d->busy) {
		struct lease_req *head = TAILQ_FIRST(&d->queue);

		TAILQ_INSERT_AFTER(&d->queue, head, r, entry);
	} else if (first) {
		TAILQ_INSERT_HEAD(&d->queue, r, entry);
	} else {
		TAILQ_INSERT_TAIL(&d->queue, r, entry);
	}
}

/* Queues r last and starts what can start; d may be gone afterwards. */
void lease_dom_enqueue(struct lease_dom *d, struct lease_req *r)
{
	dom_queue(d, r, false);
	dom_kick(d);
}

static bool dom_has_all(const struct lease_dom *d)
{
	for (size_t i = 0; i < d->wanted.n; i++)
		if (!lease_dom_holds(d, d->wanted.v[i].path))
			return false;
	return true;
}

/* A re-take of what the domain needs, queued first (not kicked). */
static void dom_retake(struct lease_dom *d)
{
	struct lease_req *r;

	if (d->wanted.n == 0)
		return;
	r = lease_req_new(LEASE_OP_ADD, NULL, NULL);
	r->recovery = true;
	lease_disks_copy(&r->wire.disks, &d->wanted);
	dom_queue(d, r, true);
}

static void dom_retry(evutil_socket_t fd, short what, void *arg)
{
	struct lease_dom *d = arg;

	if (d->lost != NULL) {
		dom_retake(d);
		dom_kick(d);
	} else {
		lease_dom_maybe_free(d);
	}
}

static void dom_schedule_retry(struct lease_dom *d)
{
	int ms = lease_config.retry_ms > 0 ? lease_config.retry_ms :
	    LEASE_RETRY_MS;
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	evtimer_add(d->retry, &tv);
}

/* A running domain is missing leases it needs: never stopped for it, but
 * said loudly, shown by lease-list, and tried again. */
static void dom_set_lost(struct lease_dom *d, struct err *why)
{
	bool was_lost = d->lost != NULL;

	if (d->lost != NULL)
		err_free(d->lost);
	d->lost = why;
	if (!was_lost)
		log_critical("domain %s runs without all its disk leases: %s; "
		    "it is left running, and its leases are tried again "
		    "every %d s", d->name, why->desc,
		    (lease_config.retry_ms > 0 ? lease_config.retry_ms :
		    LEASE_RETRY_MS) / 1000);
	dom_schedule_retry(d);
}

static void dom_clear_lost(struct lease_dom *d)
{
	if (d->lost == NULL)
		return;
	log_notice("domain %s holds all its disk leases again", d->name);
	err_free(d->lost);
	d->lost = NULL;
	evtimer_del(d->retry);
}

/* ------------------------------------------------------------------------
 * Holders: starting one, finding one, the connection */

static void conn_read(struct bufferevent *bev, void *arg);
static void conn_event(struct bufferevent *bev, short what, void *arg);

static void dom_attach(struct lease_dom *d, int fd)
{
	d->conn = xcheck(bufferevent_socket_new(lease_config.base, fd,
	    BEV_OPT_CLOSE_ON_FREE));
	bufferevent_setcb(d->conn, conn_read, NULL, conn_event, d);
	bufferevent_enable(d->conn, EV_READ | EV_WRITE);
}

static void holder_exited(pid_t pid, int status, void *arg)
{
	struct lease_dom *d;

	TAILQ_FOREACH(d, &lease_doms, entry)
		if (d->pid == pid && d->child)
			d->child = false;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		log_info("lease holder %d: %s %d", (int)pid,
		    WIFSIGNALED(status) ? "signal" : "exit status",
		    WIFSIGNALED(status) ? WTERMSIG(status) :
		    WEXITSTATUS(status));
}

static struct err *dom_spawn(struct lease_dom *d)
{
	posix_spawn_file_actions_t actions;
	char host_id[16], io_timeout[16];
	char *args[18];
	int sv[2], child_fd, error, n = 0;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return err_new(ERR_INTERNAL, "cannot make a socket pair: %s",
		    strerror(errno));
	child_fd = sv[1];
	if (child_fd == LEASE_HOLDER_FD) {
		/* dup2 onto itself would keep close-on-exec */
		child_fd = fcntl(sv[1], F_DUPFD_CLOEXEC, LEASE_HOLDER_FD + 1);
		close(sv[1]);
		sv[1] = child_fd;
	}
	snprintf(host_id, sizeof host_id, "%d", lease_config.host_id);
	args[n++] = "--records";
	args[n++] = (char *)lease_config.records_dir;
	args[n++] = "--uuid";
	args[n++] = d->uuid;
	args[n++] = "--domain";
	args[n++] = d->name;
	args[n++] = "--host";
	args[n++] = (char *)lease_config.host;
	args[n++] = "--backend";
	args[n++] = (char *)lease_backend_kind_name(lease_config.backend);
	args[n++] = "--lockspace";
	args[n++] = (char *)lease_config.lockspace;
	if (lease_config.backend == LEASE_BACKEND_SANLOCK) {
		args[n++] = "--host-id";
		args[n++] = host_id;
	}
	if (lease_config.backend == LEASE_BACKEND_SANLOCK &&
	    lease_config.sanlock_io_timeout > 0) {
		snprintf(io_timeout, sizeof io_timeout, "%d",
		    lease_config.sanlock_io_timeout);
		args[n++] = "--io-timeout";
		args[n++] = io_timeout;
	}
	args[n] = NULL;
	posix_spawn_file_actions_init(&actions);
	posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_adddup2(&actions, child_fd, LEASE_HOLDER_FD);
	error = lease_config.spawn(args, &actions, &pid);
	posix_spawn_file_actions_destroy(&actions);
	close(sv[1]);
	if (error != 0) {
		close(sv[0]);
		return err_new(ERR_INTERNAL, "cannot start the lease holder: "
		    "%s", strerror(error));
	}
	d->pid = pid;
	d->child = true;
	d->start_time = 0;
	lease_process_start_time(pid, &d->start_time);
	lease_config.watch_child(pid, holder_exited, NULL);
	evutil_make_socket_nonblocking(sv[0]);
	dom_attach(d, sv[0]);
	log_info("domain %s: lease holder %d", d->name, (int)pid);
	return NULL;
}

/* A holder we know of, reached again through its socket. */
bool lease_dom_connect(struct lease_dom *d)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char *path = lease_socket_path(lease_config.records_dir, d->uuid);
	int fd;

	if (strlen(path) >= sizeof sa.sun_path) {
		free(path);
		return false;
	}
	strcpy(sa.sun_path, path);
	free(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return false;
	/* a UNIX socket connects at once, or not at all */
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		close(fd);
		return false;
	}
	dom_attach(d, fd);
	return true;
}

/* The domain goes: its leases are not worth taking again. */
static bool dom_releasing(const struct lease_dom *d)
{
	const struct lease_req *r;

	TAILQ_FOREACH(r, &d->queue, entry)
		if (r->wire.op == LEASE_OP_RELEASE)
			return true;
	return false;
}

/* The holder is gone, or out of reach.  If it held leases, a running
 * domain lost them. */
static void dom_holder_gone(struct lease_dom *d, const char *why)
{
	lease_dom_disconnect(d);
	d->pid = 0;
	d->child = false;
	if (d->held.n > 0) {
		lease_disks_clear(&d->held);
		if (!dom_releasing(d)) {
			dom_set_lost(d, err_new(ERR_IO, "its lease holder %s",
			    why));
			dom_retake(d);
		}
	}
}

static void dom_send(struct lease_dom *d, struct lease_req *r)
{
	int ms = lease_config.timeout_ms;
	struct timeval tv;
	size_t len;
	char *line = lease_request_format(&r->wire, &len);

	if (ms <= 0)
		ms = lease_config.backend == LEASE_BACKEND_SANLOCK ?
		    LEASE_TIMEOUT_SANLOCK_MS : LEASE_TIMEOUT_LOCKSPACE_MS;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	bufferevent_write(d->conn, line, len);
	free(line);
	d->busy = true;
	evtimer_add(d->timer, &tv);
}

static bool op_needs_leases(enum lease_op op)
{
	return op == LEASE_OP_SET || op == LEASE_OP_ADD;
}

static void dom_finish(struct lease_dom *d, struct lease_req *r,
    struct err *e, const struct lease_disks *before);

static void dom_kick(struct lease_dom *d)
{
	struct lease_req *r;
	struct err *e;

	while (!d->busy && (r = TAILQ_FIRST(&d->queue)) != NULL) {
		if (d->conn == NULL && d->pid != 0 && !lease_dom_connect(d)) {
			/* it may queue a re-take first: look again */
			dom_holder_gone(d, "does not answer on its socket");
			continue;
		}
		if (d->conn != NULL) {
			dom_send(d, r);
			return;
		}
		if (!op_needs_leases(r->wire.op)) {
			/* no holder: nothing held, nothing to drop */
			TAILQ_REMOVE(&d->queue, r, entry);
			dom_finish(d, r, NULL, NULL);
			continue;
		}
		if (r->wire.disks.n == 0 && r->wire.op == LEASE_OP_SET) {
			/* nothing to hold: no holder needed */
			TAILQ_REMOVE(&d->queue, r, entry);
			dom_finish(d, r, NULL, NULL);
			continue;
		}
		e = dom_spawn(d);
		if (e != NULL) {
			TAILQ_REMOVE(&d->queue, r, entry);
			dom_finish(d, r, e, NULL);
			continue;
		}
		dom_send(d, r);
		return;
	}
	lease_dom_maybe_free(d);
}

/* The disk path names no longer needed after a remove: the ones named,
 * and every other name of the disks the holder dropped. */
static void wanted_remove(struct lease_dom *d, const struct lease_req *r,
    const struct lease_disks *before)
{
	for (size_t i = 0; i < d->wanted.n; i++) {
		const char *path = d->wanted.v[i].path;
		bool drop = lease_disks_find(&r->wire.disks, path) != NULL ||
		    (before != NULL && lease_disks_find(before, path) != NULL &&
		    !lease_dom_holds(d, path));

		if (!drop)
			continue;
		free(d->wanted.v[i].path);
		free(d->wanted.v[i].disk);
		d->wanted.v[i--] = d->wanted.v[--d->wanted.n];
	}
}

/* What a finished request means for the domain's needs, then its
 * caller.  before: what the holder held before it answered. */
static void dom_finish(struct lease_dom *d, struct lease_req *r,
    struct err *e, const struct lease_disks *before)
{
	if (e == NULL) {
		switch (r->wire.op) {
		case LEASE_OP_SET:
			lease_disks_copy(&d->wanted, &r->wire.disks);
			break;
		case LEASE_OP_ADD:
			for (size_t i = 0; i < r->wire.disks.n; i++)
				lease_disks_add(&d->wanted,
				    r->wire.disks.v[i].path, NULL,
				    r->wire.disks.v[i].mode);
			break;
		case LEASE_OP_REMOVE:
			wanted_remove(d, r, before);
			break;
		case LEASE_OP_RELEASE:
			/* gone: nothing is missing any more */
			lease_disks_clear(&d->wanted);
			if (d->lost != NULL) {
				err_free(d->lost);
				d->lost = NULL;
				evtimer_del(d->retry);
			}
			break;
		default:
			break;
		}
		if (dom_has_all(d))
			dom_clear_lost(d);
	} else if (r->recovery) {
		dom_set_lost(d, err_copy(e));
	}
	if (r->counted)
		lease_recover_progress();
	lease_req_complete(r, e);
}

static void dom_reply(struct lease_dom *d, const char *line, size_t len)
{
	struct lease_req *r = TAILQ_FIRST(&d->queue);
	struct lease_reply reply;
	struct lease_disks before;
	struct err *e = lease_reply_parse(line, len, &reply);

	if (!d->busy || r == NULL) {
		log_error("domain %s: lease holder said what nobody asked",
		    d->name);
		if (e != NULL)
			err_free(e);
		else
			lease_reply_clear(&reply);
		return;
	}
	evtimer_del(d->timer);
	d->busy = false;
	TAILQ_REMOVE(&d->queue, r, entry);
	if (e != NULL) {
		log_error("domain %s: a bad answer from the lease holder: %s",
		    d->name, e->desc);
		err_free(e);
		dom_finish(d, r, err_new(ERR_INTERNAL, "the lease holder of "
		    "domain %s answered nonsense", d->name), NULL);
		dom_holder_gone(d, "answered nonsense");
		return;
	}
	/* what it held before, for dom_finish: it keeps its new list */
	before = d->held;
	d->held = reply.disks;
	reply.disks = before;
	if (d->held.n == 0) {
		/* it removed its record and exits */
		lease_dom_disconnect(d);
		d->pid = 0;
	}
	dom_finish(d, r, reply.error, &reply.disks);
	reply.error = NULL;
	lease_reply_clear(&reply);
}

static void conn_read(struct bufferevent *bev, void *arg)
{
	struct lease_dom *d = arg;
	struct evbuffer *in = bufferevent_get_input(bev);

	while (d->conn == bev) {
		size_t len;
		char *line = evbuffer_readln(in, &len, EVBUFFER_EOL_LF);

		if (line == NULL) {
			if (evbuffer_get_length(in) > LEASE_WIRE_MAX_LINE)
				dom_holder_gone(d, "sent too long a line");
			break;
		}
		dom_reply(d, line, len);
		free(line);
	}
	dom_kick(d);
}

static void conn_event(struct bufferevent *bev, short what, void *arg)
{
	struct lease_dom *d = arg;
	struct lease_req *r;

	if (!(what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)))
		return;
	if (d->busy) {
		r = TAILQ_FIRST(&d->queue);
		TAILQ_REMOVE(&d->queue, r, entry);
		d->busy = false;
		evtimer_del(d->timer);
		dom_holder_gone(d, "exited");
		dom_finish(d, r, err_new(ERR_IO, "the lease holder of domain "
		    "%s exited before it answered", d->name), NULL);
	} else {
		dom_holder_gone(d, "exited");
	}
	dom_kick(d);
}

static void dom_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct lease_dom *d = arg;
	struct lease_req *r = TAILQ_FIRST(&d->queue);
	bool first = d->child && d->held.n == 0;

	d->busy = false;
	TAILQ_REMOVE(&d->queue, r, entry);
	log_error("domain %s: the lease holder did not answer %s in time",
	    d->name, lease_op_name(r->wire.op));
	/* a holder that never answered holds nothing anybody relies on:
	 * it goes (it is our child, not reaped: the pid is its own).  One
	 * that holds a running domain's leases keeps them; the next
	 * request reaches it through its socket again. */
	lease_dom_disconnect(d);
	if (first) {
		kill(d->pid, SIGKILL);
		d->pid = 0;
	}
	dom_finish(d, r, err_new(ERR_IO, "the lease holder of domain %s did "
	    "not answer within %d ms", d->name, lease_config.timeout_ms > 0 ?
	    lease_config.timeout_ms :
	    lease_config.backend == LEASE_BACKEND_SANLOCK ?
	    LEASE_TIMEOUT_SANLOCK_MS : LEASE_TIMEOUT_LOCKSPACE_MS), NULL);
	dom_kick(d);
}
