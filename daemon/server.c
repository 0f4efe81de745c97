#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>
#include <bsd/sys/queue.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "daemon/daemon.h"
#include "daemon/log.h"
#include "daemon/server.h"
#include "daemon/systemd.h"
#include "proto/json-line.h"
#include "proto/mem.h"
#include "proto/message.h"

/* Past this much unsent output a client stops being read until it catches
 * up: it cannot make the daemon buffer without bound. */
#define CONN_OUTPUT_LIMIT (4 * 1024 * 1024)
/* Lines handled per readiness callback, so one busy client cannot starve
 * the others. */
#define CONN_LINES_PER_TURN 256
/* Closing a socket that still has unread input makes the kernel send a
 * reset, which can destroy the error line we just sent: say goodbye with
 * a half-close, swallow what the client still sends for at most this
 * long, then close. */
#define CONN_LINGER_SECONDS 2
/* After accept() ran out of fds: how long the listeners rest. */
#define SERVER_BACKOFF_MS 500

struct listener {
	const char *path;
	bool read_only;
	int fd;
	struct event *event;
	unsigned count;			/* its connections */
	int limit;
	bool adopted;			/* passed by systemd, which owns the file */
};

struct conn {
	uint64_t id;
	int fd;
	struct listener *listener;
	bool read_only;
	struct ucred peer;
	/* the peer shut its side down while we were not reading: its input
	 * ends there (what it sent before is still processed) */
	struct event *closed_event;
	/* a line begun and not finished by then closes the connection */
	struct event *line_timer;
	size_t inflight_bytes;		/* of the requests in flight */
	struct event *read_event;
	struct event *write_event;
	struct event *resume_event;	/* lines left buffered after a turn */
	struct line_reader reader;
	struct evbuffer *output;
	int inflight;
	bool reading;			/* read_event is armed */
	bool eof;			/* the client closed its side */
	bool closing;			/* close once output is flushed */
	bool stalled;			/* complete lines may wait in reader */
	bool linger;			/* drain input before closing */
	bool peer_shut;			/* closed_event has fired */
	bool hung_up;			/* the peer is gone for good */
	struct event *linger_timer;	/* the whole linger, not per read */
	void *data;			/* the owner's */
	size_t drain_low;
	void (*drain_fn)(struct conn *, void *);
	void *drain_arg;
	TAILQ_ENTRY(conn) entry;
};

static struct listener listeners[2];
static const struct server_callbacks *server_callbacks;
static TAILQ_HEAD(, conn) conns = TAILQ_HEAD_INITIALIZER(conns);
static unsigned conn_count;
/* An fd kept free for the moment accept() runs out of them: the client
 * then still hears why it is refused. */
static int spare_fd = -1;
static struct event *backoff_timer;
static bool fds_exhausted_logged;
static uint64_t conn_next_id = 1;

static void conn_close(struct conn *c);
static void conn_update_reading(struct conn *c);
static void conn_linger(struct conn *c);

/* ------------------------------------------------------------------------
 * Output */

static void conn_flush(struct conn *c)
{
	while (evbuffer_get_length(c->output) > 0) {
		int n = evbuffer_write(c->output, c->fd);

		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			log_debug("client %llu: write: %s",
			    (unsigned long long)c->id, strerror(errno));
			conn_close(c);
			return;
		}
		if (n == 0)
			break;
	}
	if (c->drain_fn != NULL &&
	    evbuffer_get_length(c->output) < c->drain_low) {
		void (*fn)(struct conn *, void *) = c->drain_fn;

		c->drain_fn = NULL;
		fn(c, c->drain_arg);	/* may queue more */
	}
	if (evbuffer_get_length(c->output) > 0) {
		event_add(c->write_event, NULL);
		conn_update_reading(c);
		return;
	}
	event_del(c->write_event);
	if (c->closing && c->linger) {
		conn_linger(c);
		return;
	}
	if (c->closing) {
		conn_close(c);
		return;
	}
	conn_update_reading(c);
}

static void conn_writable(evutil_socket_t fd, short what, void *arg)
{
	conn_flush(arg);
}

void conn_send_text(struct conn *c, const char *text, size_t len)
{
	if (c == NULL || c->fd < 0)
		return;
	evbuffer_add(c->output, text, len);
	evbuffer_add(c->output, "\n", 1);
	/* written when the loop comes back: replies to pipelined requests
	 * leave in one write */
	event_add(c->write_event, NULL);
}

void conn_send_parts(struct conn *c, const struct iovec *parts, int count)
{
	if (c == NULL || c->fd < 0)
		return;
	for (int i = 0; i < count; i++)
		evbuffer_add(c->output, parts[i].iov_base, parts[i].iov_len);
	evbuffer_add(c->output, "\n", 1);
	event_add(c->write_event, NULL);
}

void conn_send(struct conn *c, json_object *msg)
{
	const char *text;
	size_t len;

	if (c == NULL || c->fd < 0)
		return;
	text = json_line_format(msg, &len);
	conn_send_text(c, text, len);
}

size_t conn_output_size(const struct conn *c)
{
	return evbuffer_get_length(c->output);
}

void conn_notify_drained(struct conn *c, size_t low,
    void (*fn)(struct conn *, void *), void *arg)
{
	c->drain_low = low;
	c->drain_fn = fn;
	c->drain_arg = arg;
	event_add(c->write_event, NULL);
}

bool conn_is_read_only(const struct conn *c)
{
	return c->read_only;
}

uint64_t conn_id(const struct conn *c)
{
	return c->id;
}

uid_t conn_peer_uid(const struct conn *c)
{
	return c->peer.uid;
}

pid_t conn_peer_pid(const struct conn *c)
{
	return c->peer.pid;
}

void conn_set_data(struct conn *c, void *data)
{
	c->data = data;
}

void *conn_data(const struct conn *c)
{
	return c->data;
}

void conn_request_started(struct conn *c, size_t bytes)
{
	c->inflight++;
	c->inflight_bytes += bytes;
}

static void conn_check_finished(struct conn *c)
{
	/* After end of file, the client still gets the replies to what it
	 * sent (a half-closed socket, as `socat` does); a client that closed
	 * completely is noticed when writing to it fails. */
	if (c->eof && !c->closing && c->inflight == 0 && !c->stalled) {
		c->closing = true;
		event_add(c->write_event, NULL);
	}
}

void conn_request_done(struct conn *c, size_t bytes)
{
	c->inflight--;
	c->inflight_bytes -= bytes < c->inflight_bytes ? bytes :
	    c->inflight_bytes;
	conn_check_finished(c);
	conn_update_reading(c);
}

/* ------------------------------------------------------------------------
 * Input */

static bool conn_may_process(const struct conn *c)
{
	/* what parked requests pin is bounded too: a client cannot hold
	 * the daemon's memory with huge ids it never collects */
	return !c->closing && c->inflight < options.max_inflight &&
	    c->inflight_bytes < options.max_inflight_bytes &&
	    evbuffer_get_length(c->output) < CONN_OUTPUT_LIMIT;
}

static bool conn_may_read(const struct conn *c)
{
	return !c->eof && conn_may_process(c);
}

/* A line begun must end within --client-timeout: the deadline runs from
 * the moment the line began, not from its last byte, so a client trickling
 * bytes cannot hold its connection. */
static void conn_watch_partial_line(struct conn *c, bool line_completed)
{
	struct timeval tv = { options.client_timeout_ms / 1000,
		(options.client_timeout_ms % 1000) * 1000 };
	bool partial = !c->stalled && !c->eof && !c->closing &&
	    line_reader_pending(&c->reader) > 0;

	if (line_completed || !partial)
		event_del(c->line_timer);
	if (partial && !evtimer_pending(c->line_timer, NULL))
		evtimer_add(c->line_timer, &tv);
}

static void conn_refuse_line(struct conn *c, const char *why)
{
	struct err *e = err_new(ERR_INVALID_MESSAGE, "%s", why);
	json_object *reply = proto_reply_error(NULL, e);

	conn_send(c, reply);
	json_object_put(reply);
	err_free(e);
	log_info("client %llu: %s, closing", (unsigned long long)c->id, why);
	c->closing = true;
	c->linger = true;
	c->stalled = false;
	event_del(c->line_timer);
}

static void conn_line_too_slow(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	char why[64];

	snprintf(why, sizeof why, "line not completed within %d ms",
	    options.client_timeout_ms);
	conn_refuse_line(c, why);
	conn_flush(c);
}

static void conn_process_lines(struct conn *c)
{
	bool completed = false;

	c->stalled = true;
	for (int n = 0; n < CONN_LINES_PER_TURN; n++) {
		const char *line;
		size_t len;

		if (!conn_may_process(c))
			break;
		switch (line_reader_next(&c->reader, &line, &len)) {
		case LINE_PARTIAL:
			/* at end of file an unterminated last line is dropped */
			c->stalled = false;
			conn_watch_partial_line(c, completed);
			return;
		case LINE_TOO_LONG: {
			char why[64];

			snprintf(why, sizeof why, "line longer than %zu bytes",
			    options.max_line);
			conn_refuse_line(c, why);
			return;
		}
		case LINE_READY:
			completed = true;
			if (len == 0)
				continue;	/* blank lines are not messages */
			server_callbacks->line(c, line, len);
			break;
		}
	}
	/* more may be buffered: conn_update_reading continues next turn */
	conn_watch_partial_line(c, completed);
}

static void conn_readable(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	ssize_t n;

	n = line_reader_fill(&c->reader, c->fd);
	if (n == 0) {
		c->eof = true;
	} else if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return;
		log_debug("client %llu: read: %s", (unsigned long long)c->id,
		    strerror(errno));
		conn_close(c);
		return;
	}
	conn_process_lines(c);
	conn_check_finished(c);
	/* replies leave now, not one poll() later: one write for the batch */
	conn_flush(c);
}

static void conn_resume(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;

	conn_process_lines(c);
	conn_check_finished(c);
	conn_flush(c);
}

static void conn_update_reading(struct conn *c)
{
	bool want = conn_may_read(c);

	/* lines buffered while we were not processing */
	if (conn_may_process(c) && c->stalled)
		event_active(c->resume_event, EV_TIMEOUT, 0);
	if (want && !c->reading) {
		event_add(c->read_event, NULL);
		c->reading = true;
	} else if (!want && c->reading) {
		event_del(c->read_event);
		c->reading = false;
	}
	/* not reading, we would not see the client go: watch for that */
	if (!c->reading && !c->eof && !c->closing && !c->peer_shut)
		event_add(c->closed_event, NULL);
	else
		event_del(c->closed_event);
}

/* The client shut its side while we were not reading it.  Gone for good
 * (POLLHUP: nobody will read a reply), its requests parked on jobs are
 * dropped, which frees their slots; what it sent before is still read
 * and run, in order.  Only half-closed, it still wants its replies. */
static void conn_peer_closed(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	c->peer_shut = true;
	event_del(c->closed_event);
	if (poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLHUP)) {
		c->hung_up = true;
		log_debug("client %llu: hung up", (unsigned long long)c->id);
		server_callbacks->hung_up(c);
	}
}

bool conn_is_hung_up(const struct conn *c)
{
	return c->hung_up;
}

/* ------------------------------------------------------------------------
 * Connections */

static void conn_linger_read(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	char scratch[65536];
	ssize_t n;

	do {
		n = read(fd, scratch, sizeof scratch);
	} while (n > 0);
	if (n == 0 || (errno != EAGAIN && errno != EINTR))
		conn_close(c);
}

static void conn_linger_over(evutil_socket_t fd, short what, void *arg)
{
	conn_close(arg);
}

static void conn_linger(struct conn *c)
{
	struct timeval tv = { CONN_LINGER_SECONDS, 0 };

	if (c->linger_timer != NULL)
		return;
	shutdown(c->fd, SHUT_WR);
	event_del(c->read_event);
	event_del(c->closed_event);
	event_del(c->line_timer);
	c->reading = false;
	/* the read event has no timeout of its own: a client trickling
	 * bytes cannot push the end further away */
	event_assign(c->read_event, daemon_base, c->fd, EV_READ | EV_PERSIST,
	    conn_linger_read, c);
	event_add(c->read_event, NULL);
	c->linger_timer = xcheck(evtimer_new(daemon_base, conn_linger_over, c));
	evtimer_add(c->linger_timer, &tv);
}

static void conn_close(struct conn *c)
{
	if (c->drain_fn != NULL) {
		/* let the owner of the callback forget c too */
		c->drain_fn = NULL;
	}
	server_callbacks->closed(c);
	event_free(c->read_event);
	event_free(c->write_event);
	event_free(c->resume_event);
	event_free(c->closed_event);
	event_free(c->line_timer);
	if (c->linger_timer != NULL)
		event_free(c->linger_timer);
	evbuffer_free(c->output);
	line_reader_free(&c->reader);
	close(c->fd);
	c->fd = -1;
	TAILQ_REMOVE(&conns, c, entry);
	conn_count--;
	c->listener->count--;
	log_debug("client %llu: closed", (unsigned long long)c->id);
	free(c);
}

/* A client the daemon cannot take gets one error line, then is closed:
 * never a silent hang. */
static void server_refuse(int fd, const char *why)
{
	struct err *e = err_new(ERR_RESOURCE_LIMIT, "%s", why);
	json_object *reply = proto_reply_error(NULL, e);
	size_t len;
	const char *text = json_line_format(reply, &len);
	struct iovec iov[2] = {
		{ (void *)text, len }, { "\n", 1 },
	};

	/* a fresh socket's buffer takes one short line */
	if (writev(fd, iov, 2) < 0)
		log_debug("refusing client: %s", strerror(errno));
	json_object_put(reply);
	err_free(e);
	shutdown(fd, SHUT_WR);
	close(fd);
}

static unsigned server_count_uid(uid_t uid, const struct listener *l)
{
	unsigned n = 0;
	struct conn *c;

	TAILQ_FOREACH(c, &conns, entry)
		if (c->listener == l && c->peer.uid == uid)
			n++;
	return n;
}

/* Why a new client on l cannot be taken, or NULL.  The sockets have their
 * own pools: the read-only one (mode 0666, any local user) can never use
 * up the full-access socket's room, and one user cannot take all of it. */
static const char *server_full(const struct listener *l,
    const struct ucred *peer, char *why, size_t len)
{
	if (l->count >= (unsigned)l->limit) {
		snprintf(why, len, "too many clients (limit %d)", l->limit);
		return why;
	}
	if (l->read_only && peer->uid != 0 &&
	    server_count_uid(peer->uid, l) >=
	    (unsigned)options.max_ro_clients_per_uid) {
		snprintf(why, len, "too many clients of uid %d on the "
		    "read-only socket (limit %d)", (int)peer->uid,
		    options.max_ro_clients_per_uid);
		return why;
	}
	return NULL;
}

static void server_resume_listening(evutil_socket_t fd, short what,
    void *arg)
{
	for (int i = 0; i < 2; i++)
		if (listeners[i].event != NULL)
			event_add(listeners[i].event, NULL);
}

/* accept() ran out of fds: the pending client hears why (the spare fd
 * makes room for it), and the listeners rest a moment instead of spinning
 * on a socket that stays readable. */
static void server_out_of_fds(struct listener *l)
{
	struct timeval rest = { SERVER_BACKOFF_MS / 1000,
		(SERVER_BACKOFF_MS % 1000) * 1000 };
	int fd;

	if (!fds_exhausted_logged)
		log_error("out of file descriptors (%s): refusing clients until "
		    "some close; raise LimitNOFILE or lower --max-clients",
		    strerror(errno));
	fds_exhausted_logged = true;
	if (spare_fd >= 0) {
		close(spare_fd);
		spare_fd = -1;
		fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd >= 0)
			server_refuse(fd, "the daemon is out of file "
			    "descriptors");
		spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	}
	for (int i = 0; i < 2; i++)
		if (listeners[i].event != NULL)
			event_del(listeners[i].event);
	evtimer_add(backoff_timer, &rest);
}

static void server_accept(evutil_socket_t lfd, short what, void *arg)
{
	struct listener *l = arg;

	for (int i = 0; i < 64; i++) {
		struct conn *c;
		struct ucred peer;
		socklen_t len = sizeof peer;
		char why[128];
		int fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE)
				server_out_of_fds(l);
			else if (errno != EAGAIN && errno != EINTR &&
			    errno != ECONNABORTED)
				log_warning("accept on %s: %s", l->path,
				    strerror(errno));
			return;
		}
		fds_exhausted_logged = false;
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &len) < 0)
			peer.uid = (uid_t)-1;
		if (server_full(l, &peer, why, sizeof why) != NULL) {
			log_notice("refusing a client on %s (uid %d): %s",
			    l->path, (int)peer.uid, why);
			server_refuse(fd, why);
			continue;
		}
		c = xcalloc(1, sizeof *c);
		c->id = conn_next_id++;
		c->fd = fd;
		c->listener = l;
		c->read_only = l->read_only;
		c->peer = peer;
		line_reader_init(&c->reader, options.max_line);
		c->output = xcheck(evbuffer_new());
		c->read_event = xcheck(event_new(daemon_base, fd,
		    EV_READ | EV_PERSIST, conn_readable, c));
		c->write_event = xcheck(event_new(daemon_base, fd, EV_WRITE,
		    conn_writable, c));
		c->resume_event = xcheck(event_new(daemon_base, -1, 0,
		    conn_resume, c));
		c->closed_event = xcheck(event_new(daemon_base, fd,
		    EV_CLOSED | EV_PERSIST, conn_peer_closed, c));
		c->line_timer = xcheck(evtimer_new(daemon_base,
		    conn_line_too_slow, c));
		TAILQ_INSERT_TAIL(&conns, c, entry);
		conn_count++;
		l->count++;
		log_debug("client %llu: connected on %s (uid %d, pid %d)",
		    (unsigned long long)c->id, l->path, (int)c->peer.uid,
		    (int)c->peer.pid);
		server_callbacks->accepted(c);
		conn_update_reading(c);
	}
}

/* ------------------------------------------------------------------------
 * Listeners */

static int server_watch(struct listener *l)
{
	l->event = event_new(daemon_base, l->fd, EV_READ | EV_PERSIST,
	    server_accept, l);
	if (l->event == NULL || event_add(l->event, NULL) < 0) {
		close(l->fd);
		l->fd = -1;
		return -1;
	}
	log_info("listening on %s (%s%s)", l->path,
	    l->read_only ? "read-only" : "full access",
	    l->adopted ? ", passed by systemd" : "");
	return 0;
}

/* Serves a socket that socket activation passed: systemd created the file
 * with the unit's SocketMode=/SocketGroup= and keeps listening when the
 * daemon stops, so the daemon never unlinks, rebinds or chmods it. */
static bool server_adopt(struct listener *l, gid_t group)
{
	const char *path;
	int fd = systemd_listen_take(l->read_only ? SYSTEMD_FDNAME_READ_ONLY :
	    SYSTEMD_FDNAME_FULL, &path);

	if (fd < 0)
		return false;
	if (strcmp(path, l->path) != 0)
		log_notice("systemd passed %s for %s: serving on it", path,
		    l->path);
	if (group != (gid_t)-1)
		log_warning("--group is not applied to %s, which systemd "
		    "passed: set SocketGroup= and SocketMode=0660 in the "
		    "socket unit", path);
	l->path = path;
	l->fd = fd;
	l->adopted = true;
	return true;
}

static int server_listen_one(struct listener *l, mode_t mode, gid_t group)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	if (server_adopt(l, group))
		return server_watch(l);
	if (strlen(l->path) >= sizeof sun.sun_path) {
		log_critical("socket path too long: %s", l->path);
		return -1;
	}
	strcpy(sun.sun_path, l->path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		log_critical("socket: %s", strerror(errno));
		return -1;
	}
	/* a socket file left by a daemon that died; the run directory lock
	 * (main.c) guarantees that no live daemon owns it */
	unlink(l->path);
	if (bind(fd, (struct sockaddr *)&sun, sizeof sun) < 0 ||
	    chmod(l->path, mode) < 0 ||
	    (group != (gid_t)-1 && chown(l->path, (uid_t)-1, group) < 0) ||
	    listen(fd, 128) < 0) {
		log_critical("cannot listen on %s: %s", l->path, strerror(errno));
		close(fd);
		return -1;
	}
	l->fd = fd;
	return server_watch(l);
}

int server_listen(const struct server_callbacks *callbacks)
{
	bool grouped = options.group != NULL;

	server_callbacks = callbacks;
	listeners[0] = (struct listener){ options.socket_path, false, -1, NULL,
		0, options.max_clients, false };
	listeners[1] = (struct listener){ options.ro_socket_path, true, -1, NULL,
		0, options.max_ro_clients, false };
	spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	backoff_timer = xcheck(evtimer_new(daemon_base,
	    server_resume_listening, NULL));
	if (server_listen_one(&listeners[0], grouped ? 0660 : 0600,
	    grouped ? options.group_id : (gid_t)-1) < 0)
		return -1;
	if (server_listen_one(&listeners[1], 0666, (gid_t)-1) < 0)
		return -1;
	return 0;
}

void server_stop_listening(void)
{
	for (int i = 0; i < 2; i++) {
		struct listener *l = &listeners[i];

		if (l->fd < 0)
			continue;
		event_free(l->event);
		l->event = NULL;
		close(l->fd);
		l->fd = -1;
		if (!l->adopted)
			unlink(l->path);
	}
	if (backoff_timer != NULL)
		event_free(backoff_timer);
	backoff_timer = NULL;
	if (spare_fd >= 0)
		close(spare_fd);
	spare_fd = -1;
}

void server_close_all(void)
{
	struct conn *c;

	while ((c = TAILQ_FIRST(&conns)) != NULL) {
		/* one last non-blocking attempt at what is queued */
		if (evbuffer_get_length(c->output) > 0)
			evbuffer_write(c->output, c->fd);
		conn_close(c);
	}
}

unsigned server_client_count(void)
{
	return conn_count;
}
