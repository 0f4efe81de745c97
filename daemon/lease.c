/* The daemon's side of disk leases: one entry per domain with leases, a
 * queue of requests to that domain's holder (one in flight at a time),
 * and the connection to the holder, watched by the loop. */
#include "config.h"

#include <dirent.h>
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

#include "daemon/fsutil.h"
#include "daemon/lease-record.h"
#include "daemon/lease-wire.h"
#include "daemon/lease.h"
#include "daemon/log.h"
#include "proto/mem.h"
#include "proto/schema.h"

#define LEASE_HOLDER_PROGRAM "xenlightd-lease-holder"
#define LEASE_HOLDER_FD 3

struct lease_dom;

struct lease_req {
	struct lease_request wire;
	lease_done_fn *done;
	void *arg;
	bool recovery;			/* the daemon's own: re-taking */
	bool counted;			/* one of lease_recover's */
	struct lease_dom *dom;
	struct err *result;
	TAILQ_ENTRY(lease_req) entry;
};
TAILQ_HEAD(lease_req_list, lease_req);

struct lease_dom {
	char uuid[37];
	char *name;
	struct lease_req_list queue;	/* the head is in flight when busy */
	bool busy;
	/* the holder, and our connection to it */
	pid_t pid;			/* 0: none known */
	unsigned long long start_time;
	bool child;			/* we started it and it is not reaped */
	struct bufferevent *conn;
	struct event *timer;		/* the request in flight's deadline */
	/* what the holder said it holds, and what the domain needs */
	struct lease_disks held;
	struct lease_disks wanted;
	struct err *lost;		/* why wanted is not all held */
	struct event *retry;
	TAILQ_ENTRY(lease_dom) entry;
};
TAILQ_HEAD(lease_dom_list, lease_dom);

static struct lease_config config;
static bool lease_ready;
static struct lease_dom_list doms = TAILQ_HEAD_INITIALIZER(doms);
/* finished requests, whose callbacks run from complete_event */
static struct lease_req_list completed = TAILQ_HEAD_INITIALIZER(completed);
static struct event *complete_event;

/* lease_recover's progress */
static unsigned recover_pending;
static lease_done_fn *recover_done;
static void *recover_arg;
static bool recover_running;

static void dom_kick(struct lease_dom *d);
static void dom_maybe_free(struct lease_dom *d);

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
	return lease_ready && config.backend != LEASE_BACKEND_NONE;
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

static void req_complete(struct lease_req *r, struct err *e)
{
	r->result = e;
	r->dom = NULL;
	TAILQ_INSERT_TAIL(&completed, r, entry);
	event_active(complete_event, EV_TIMEOUT, 0);
}

static struct lease_req *req_new(enum lease_op op, lease_done_fn *done,
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

static struct lease_dom *dom_find(const char *uuid)
{
	struct lease_dom *d;

	TAILQ_FOREACH(d, &doms, entry)
		if (strcmp(d->uuid, uuid) == 0)
			return d;
	return NULL;
}

static void dom_timeout(evutil_socket_t fd, short what, void *arg);
static void dom_retry(evutil_socket_t fd, short what, void *arg);

static struct lease_dom *dom_get(const char *uuid, const char *name)
{
	struct lease_dom *d = dom_find(uuid);

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
	d->timer = evtimer_new(config.base, dom_timeout, d);
	d->retry = evtimer_new(config.base, dom_retry, d);
	TAILQ_INSERT_TAIL(&doms, d, entry);
	return d;
}

static void dom_disconnect(struct lease_dom *d)
{
	if (d->conn != NULL) {
		bufferevent_free(d->conn);
		d->conn = NULL;
	}
}

static void dom_free(struct lease_dom *d)
{
	TAILQ_REMOVE(&doms, d, entry);
	dom_disconnect(d);
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
static void dom_maybe_free(struct lease_dom *d)
{
	if (d->busy || !TAILQ_EMPTY(&d->queue) || d->held.n > 0 ||
	    d->wanted.n > 0 || d->pid != 0 || evtimer_pending(d->retry, NULL))
		return;
	dom_free(d);
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
static void dom_enqueue(struct lease_dom *d, struct lease_req *r)
{
	dom_queue(d, r, false);
	dom_kick(d);
}

static bool dom_holds(const struct lease_dom *d, const char *path)
{
	return lease_disks_find(&d->held, path) != NULL;
}

static bool dom_has_all(const struct lease_dom *d)
{
	for (size_t i = 0; i < d->wanted.n; i++)
		if (!dom_holds(d, d->wanted.v[i].path))
			return false;
	return true;
}

/* A re-take of what the domain needs, queued first (not kicked). */
static void dom_retake(struct lease_dom *d)
{
	struct lease_req *r;

	if (d->wanted.n == 0)
		return;
	r = req_new(LEASE_OP_ADD, NULL, NULL);
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
		dom_maybe_free(d);
	}
}

static void dom_schedule_retry(struct lease_dom *d)
{
	int ms = config.retry_ms > 0 ? config.retry_ms : LEASE_RETRY_MS;
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
		    (config.retry_ms > 0 ? config.retry_ms : LEASE_RETRY_MS) /
		    1000);
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
	d->conn = xcheck(bufferevent_socket_new(config.base, fd,
	    BEV_OPT_CLOSE_ON_FREE));
	bufferevent_setcb(d->conn, conn_read, NULL, conn_event, d);
	bufferevent_enable(d->conn, EV_READ | EV_WRITE);
}

static void holder_exited(pid_t pid, int status, void *arg)
{
	struct lease_dom *d;

	TAILQ_FOREACH(d, &doms, entry)
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
	snprintf(host_id, sizeof host_id, "%d", config.host_id);
	args[n++] = "--records";
	args[n++] = (char *)config.records_dir;
	args[n++] = "--uuid";
	args[n++] = d->uuid;
	args[n++] = "--domain";
	args[n++] = d->name;
	args[n++] = "--host";
	args[n++] = (char *)config.host;
	args[n++] = "--backend";
	args[n++] = (char *)lease_backend_kind_name(config.backend);
	args[n++] = "--lockspace";
	args[n++] = (char *)config.lockspace;
	if (config.backend == LEASE_BACKEND_SANLOCK) {
		args[n++] = "--host-id";
		args[n++] = host_id;
	}
	if (config.backend == LEASE_BACKEND_SANLOCK &&
	    config.sanlock_io_timeout > 0) {
		snprintf(io_timeout, sizeof io_timeout, "%d",
		    config.sanlock_io_timeout);
		args[n++] = "--io-timeout";
		args[n++] = io_timeout;
	}
	args[n] = NULL;
	posix_spawn_file_actions_init(&actions);
	posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_adddup2(&actions, child_fd, LEASE_HOLDER_FD);
	error = config.spawn(args, &actions, &pid);
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
	config.watch_child(pid, holder_exited, NULL);
	evutil_make_socket_nonblocking(sv[0]);
	dom_attach(d, sv[0]);
	log_info("domain %s: lease holder %d", d->name, (int)pid);
	return NULL;
}

/* A holder we know of, reached again through its socket. */
static bool dom_connect(struct lease_dom *d)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char *path = lease_socket_path(config.records_dir, d->uuid);
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
	dom_disconnect(d);
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
	int ms = config.timeout_ms;
	struct timeval tv;
	size_t len;
	char *line = lease_request_format(&r->wire, &len);

	if (ms <= 0)
		ms = config.backend == LEASE_BACKEND_SANLOCK ?
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
		if (d->conn == NULL && d->pid != 0 && !dom_connect(d)) {
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
	dom_maybe_free(d);
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
		    !dom_holds(d, path));

		if (!drop)
			continue;
		free(d->wanted.v[i].path);
		free(d->wanted.v[i].disk);
		d->wanted.v[i--] = d->wanted.v[--d->wanted.n];
	}
}

static void recover_progress(void)
{
	if (recover_pending == 0 || --recover_pending > 0 || !recover_running)
		return;
	recover_running = false;
	req_complete(req_new(LEASE_OP_LIST, recover_done, recover_arg), NULL);
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
		recover_progress();
	req_complete(r, e);
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
		dom_disconnect(d);
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
	dom_disconnect(d);
	if (first) {
		kill(d->pid, SIGKILL);
		d->pid = 0;
	}
	dom_finish(d, r, err_new(ERR_IO, "the lease holder of domain %s did "
	    "not answer within %d ms", d->name, config.timeout_ms > 0 ?
	    config.timeout_ms : config.backend == LEASE_BACKEND_SANLOCK ?
	    LEASE_TIMEOUT_SANLOCK_MS : LEASE_TIMEOUT_LOCKSPACE_MS), NULL);
	dom_kick(d);
}

/* ------------------------------------------------------------------------
 * The interface */

static void lease_disabled(lease_done_fn *done, void *arg)
{
	req_complete(req_new(LEASE_OP_LIST, done, arg), NULL);
}

/* The holder takes only what these say a domain is. */
static bool check_domain(const char *uuid, const char *domain,
    lease_done_fn *done, void *arg)
{
	if (schema_valid_uuid(uuid) && (domain == NULL ||
	    schema_valid_domain_name(domain)))
		return true;
	req_complete(req_new(LEASE_OP_LIST, done, arg),
	    err_new(ERR_INVALID_ARGUMENT, "lease: '%.40s' '%.80s' is not a "
	    "domain's UUID and name", uuid, domain ? domain : ""));
	return false;
}

/* A change that takes leases: queued behind the domain's others. */
static void lease_take(enum lease_op op, const char *uuid, const char *domain,
    const struct lease_disks *disks, lease_done_fn *done, void *arg)
{
	struct lease_req *r;

	if (!lease_enabled()) {
		lease_disabled(done, arg);
		return;
	}
	if (!check_domain(uuid, domain, done, arg))
		return;
	r = req_new(op, done, arg);
	lease_disks_copy(&r->wire.disks, disks);
	dom_enqueue(dom_get(uuid, domain), r);
}

void lease_acquire(const char *uuid, const char *domain,
    const struct lease_disks *disks, lease_done_fn *done, void *arg)
{
	lease_take(LEASE_OP_SET, uuid, domain, disks, done, arg);
}

void lease_add_disk(const char *uuid, const char *domain,
    const struct lease_disk *disk, lease_done_fn *done, void *arg)
{
	struct lease_disk one = { .path = disk->path, .mode = disk->mode };
	struct lease_disks list = { .v = &one, .n = 1 };

	lease_take(LEASE_OP_ADD, uuid, domain, &list, done, arg);
}

void lease_remove_disk(const char *uuid, const char *path,
    lease_done_fn *done, void *arg)
{
	struct lease_dom *d;
	struct lease_req *r;

	if (!lease_enabled() || (d = dom_find(uuid)) == NULL) {
		lease_disabled(done, arg);
		return;
	}
	r = req_new(LEASE_OP_REMOVE, done, arg);
	lease_disks_add(&r->wire.disks, path, NULL, LEASE_SHARED);
	dom_enqueue(d, r);
}

void lease_release(const char *uuid, lease_done_fn *done, void *arg)
{
	struct lease_dom *d;

	if (!lease_enabled() || (d = dom_find(uuid)) == NULL) {
		lease_disabled(done, arg);
		return;
	}
	dom_enqueue(d, req_new(LEASE_OP_RELEASE, done, arg));
}

void lease_rename(const char *uuid, const char *domain)
{
	struct lease_dom *d;
	struct lease_req *r;

	if (!lease_enabled() || (d = dom_find(uuid)) == NULL ||
	    !schema_valid_domain_name(domain))
		return;
	free(d->name);
	d->name = xstrdup(domain);
	r = req_new(LEASE_OP_DOMAIN, NULL, NULL);
	r->wire.domain = xstrdup(domain);
	dom_enqueue(d, r);
}

/* ------------------------------------------------------------------------
 * Recovery */

static const struct lease_running *running_find(
    const struct lease_running *running, size_t n, const char *uuid)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(running[i].uuid, uuid) == 0)
			return &running[i];
	return NULL;
}

static void recover_queue(struct lease_dom *d, enum lease_op op,
    const struct lease_disks *disks)
{
	struct lease_req *r = req_new(op, NULL, NULL);

	r->recovery = true;
	r->counted = true;
	if (disks != NULL)
		lease_disks_copy(&r->wire.disks, disks);
	recover_pending++;
	dom_enqueue(d, r);
}

static void recover_record(const char *path,
    const struct lease_running *running, size_t n)
{
	struct lease_record rec;
	const struct lease_running *run;
	struct lease_dom *d;
	size_t len;
	int error;
	char *text = fsutil_read_file(path, LEASE_RECORD_MAX, &len, &error);
	struct err *e;

	if (text == NULL) {
		log_warning("cannot read the lease record %s: %s", path,
		    strerror(error));
		return;
	}
	e = lease_record_parse(text, len, &rec);
	free(text);
	if (e != NULL) {
		/* not removed: what we cannot read may still be somebody's */
		log_error("lease record %s: %s", path, e->desc);
		err_free(e);
		return;
	}
	if (!lease_record_alive(&rec)) {
		char *sock = lease_socket_path(config.records_dir, rec.uuid);

		log_info("domain %s: its lease holder %d is gone; removing "
		    "its record", rec.domain, (int)rec.pid);
		unlink(path);
		unlink(sock);
		free(sock);
		lease_record_clear(&rec);
		return;
	}
	run = running_find(running, n, rec.uuid);
	d = dom_get(rec.uuid, run != NULL ? run->domain : rec.domain);
	d->pid = rec.pid;
	d->start_time = rec.start_time;
	d->child = false;
	lease_disks_copy(&d->held, &rec.disks);
	if (run != NULL) {
		/* it keeps what it holds; what the domain needs and it lacks
		 * (a hot-plug the daemon died in) is added */
		log_info("domain %s: adopting lease holder %d", d->name,
		    (int)rec.pid);
		lease_disks_copy(&d->wanted, run->disks);
		recover_queue(d, LEASE_OP_ADD, run->disks);
	} else {
		log_notice("domain %s is gone: its lease holder %d releases",
		    d->name, (int)rec.pid);
		if (!dom_connect(d)) {
			/* it is alive (same pid, same start): SIGTERM makes
			 * it release and exit */
			kill(rec.pid, SIGTERM);
			d->pid = 0;
			lease_disks_clear(&d->held);
		}
		recover_queue(d, LEASE_OP_RELEASE, NULL);
	}
	lease_record_clear(&rec);
}

void lease_recover(const struct lease_running *running, size_t n,
    lease_done_fn *done, void *arg)
{
	DIR *dir;
	struct dirent *ent;

	recover_done = done;
	recover_arg = arg;
	recover_running = true;
	recover_pending++;		/* until the scan is over */
	dir = lease_enabled() ? opendir(config.records_dir) : NULL;
	while (dir != NULL && (ent = readdir(dir)) != NULL) {
		size_t len = strlen(ent->d_name);
		char *path;

		if (ent->d_name[0] == '.' || len != 36 + 5 ||
		    strcmp(ent->d_name + 36, ".json") != 0)
			continue;
		xasprintf(&path, "%s/%s", config.records_dir,
		    ent->d_name);
		recover_record(path, running, n);
		free(path);
	}
	if (dir != NULL)
		closedir(dir);
	for (size_t i = 0; i < n && lease_enabled(); i++) {
		struct lease_dom *d;

		if (!schema_valid_uuid(running[i].uuid) ||
		    !schema_valid_domain_name(running[i].domain)) {
			log_error("lease: not a domain: '%.40s' '%.80s'",
			    running[i].uuid, running[i].domain);
			continue;
		}
		if (dom_find(running[i].uuid) != NULL)
			continue;
		d = dom_get(running[i].uuid, running[i].domain);
		lease_disks_copy(&d->wanted, running[i].disks);
		if (running[i].disks->n > 0) {
			log_notice("domain %s runs without a lease holder: "
			    "taking its leases", d->name);
			recover_queue(d, LEASE_OP_SET, running[i].disks);
		}
		dom_maybe_free(d);
	}
	recover_progress();
}

/* ------------------------------------------------------------------------
 * Lists */

/* The holder a lost lease's conflict named. */
static json_object *holder_json(const struct err *lost)
{
	json_object *holder;

	if (lost == NULL || lost->data == NULL ||
	    !json_object_object_get_ex(lost->data, "holder", &holder))
		return NULL;
	return json_object_get(holder);
}

static json_object *list_entry_json(const struct lease_dom *d,
    const char *disk, enum lease_mode mode, const char *state)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "disk", json_object_new_string(disk));
	json_object_object_add(o, "mode",
	    json_object_new_string(lease_mode_name(mode)));
	json_object_object_add(o, "domain", json_object_new_string(d->name));
	json_object_object_add(o, "host", json_object_new_string(config.host));
	json_object_object_add(o, "state", json_object_new_string(state));
	return o;
}

json_object *lease_list_json(void)
{
	json_object *list = json_object_new_array();
	struct lease_dom *d;

	if (!lease_enabled())
		return list;
	TAILQ_FOREACH(d, &doms, entry) {
		struct lease_disks seen = { 0 };

		for (size_t i = 0; i < d->held.n; i++) {
			const struct lease_disk *l = &d->held.v[i];

			/* one entry per disk, however many names it has */
			if (lease_disks_find(&seen, l->disk) != NULL)
				continue;
			lease_disks_add(&seen, l->disk, NULL, l->mode);
			json_object_array_add(list, list_entry_json(d, l->disk,
			    l->mode, "held"));
		}
		for (size_t i = 0; i < d->wanted.n; i++) {
			const struct lease_disk *w = &d->wanted.v[i];
			json_object *o, *holder;

			if (dom_holds(d, w->path))
				continue;
			o = list_entry_json(d, w->path, w->mode,
			    d->lost != NULL ? "lost" : "pending");
			holder = holder_json(d->lost);
			if (holder != NULL)
				json_object_object_add(o, "holder", holder);
			json_object_array_add(list, o);
		}
		lease_disks_clear(&seen);
	}
	return list;
}

json_object *lease_domain_json(const char *uuid)
{
	json_object *list = json_object_new_array();
	struct lease_dom *d = lease_enabled() ? dom_find(uuid) : NULL;

	if (d == NULL)
		return list;
	for (size_t i = 0; i < d->held.n; i++) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "path",
		    json_object_new_string(d->held.v[i].path));
		json_object_object_add(o, "disk",
		    json_object_new_string(d->held.v[i].disk));
		json_object_object_add(o, "mode", json_object_new_string(
		    lease_mode_name(d->held.v[i].mode)));
		json_object_object_add(o, "state",
		    json_object_new_string("held"));
		json_object_array_add(list, o);
	}
	for (size_t i = 0; i < d->wanted.n; i++) {
		json_object *o;

		if (dom_holds(d, d->wanted.v[i].path))
			continue;
		o = json_object_new_object();
		json_object_object_add(o, "path",
		    json_object_new_string(d->wanted.v[i].path));
		json_object_object_add(o, "mode", json_object_new_string(
		    lease_mode_name(d->wanted.v[i].mode)));
		json_object_object_add(o, "state", json_object_new_string(
		    d->lost != NULL ? "lost" : "pending"));
		json_object_array_add(list, o);
	}
	return list;
}

/* ------------------------------------------------------------------------
 * Start and stop */

static void join_exited(pid_t pid, int status, void *arg)
{
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		log_notice("sanlock: this host (id %d) joined the lockspace in "
		    "%s", config.host_id, config.lockspace);
	else
		log_error("sanlock: joining the lockspace in %s failed; every "
		    "holder tries again when it needs a lease",
		    config.lockspace);
}

static void start_join(void)
{
	char host_id[16], io_timeout[16], *args[8];
	pid_t pid;
	int error, n = 0;

	snprintf(host_id, sizeof host_id, "%d", config.host_id);
	snprintf(io_timeout, sizeof io_timeout, "%d",
	    config.sanlock_io_timeout);
	args[n++] = "--join";
	args[n++] = "--lockspace";
	args[n++] = (char *)config.lockspace;
	args[n++] = "--host-id";
	args[n++] = host_id;
	if (config.sanlock_io_timeout > 0) {
		args[n++] = "--io-timeout";
		args[n++] = io_timeout;
	}
	args[n] = NULL;
	error = config.spawn(args, NULL, &pid);
	if (error != 0) {
		log_error("sanlock: cannot start joining the lockspace: %s",
		    strerror(error));
		return;
	}
	config.watch_child(pid, join_exited, NULL);
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
	config = *cfg;
	config.records_dir = config_strdup(cfg->records_dir);
	config.lockspace = config_strdup(cfg->lockspace);
	config.host = config_strdup(cfg->host);
	complete_event = xcheck(event_new(config.base, -1, 0, complete_run, NULL));
	lease_ready = true;
	if (config.backend == LEASE_BACKEND_NONE)
		return NULL;
	if (config.backend == LEASE_BACKEND_SANLOCK &&
	    (config.host_id < 1 || config.host_id > 2000)) {
		lease_shutdown();
		return err_new(ERR_INVALID_ARGUMENT, "the sanlock lease backend "
		    "needs --host-id 1..2000, unique among the hosts");
	}
	if (config.records_dir == NULL || config.lockspace == NULL ||
	    config.host == NULL || config.host[0] == '\0' ||
	    config.spawn == NULL || config.watch_child == NULL) {
		lease_shutdown();
		return err_new(ERR_INTERNAL, "lease: incomplete configuration");
	}
	rc = fsutil_mkdirs(config.records_dir, 0700);
	if (rc < 0) {
		struct err *e = err_new(ERR_IO, "cannot create %s: %s",
		    config.records_dir, strerror(-rc));

		lease_shutdown();
		return e;
	}
	if (config.backend == LEASE_BACKEND_SANLOCK)
		start_join();
	return NULL;
}

void lease_shutdown(void)
{
	struct lease_dom *d;
	struct lease_req *r;

	if (!lease_ready)
		return;
	while ((d = TAILQ_FIRST(&doms)) != NULL) {
		while ((r = TAILQ_FIRST(&d->queue)) != NULL) {
			TAILQ_REMOVE(&d->queue, r, entry);
			r->recovery = false;
			req_complete(r, err_new(ERR_ABORTED,
			    "the daemon stops"));
		}
		dom_free(d);
	}
	complete_run(-1, 0, NULL);
	event_free(complete_event);
	complete_event = NULL;
	free((char *)config.records_dir);
	free((char *)config.lockspace);
	free((char *)config.host);
	memset(&config, 0, sizeof config);
	recover_pending = 0;
	recover_running = false;
	lease_ready = false;
}
