#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <linux/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>

#include "daemon/daemon.h"
#include "daemon/migrate-conn.h"
#include "proto/json-line.h"
#include "proto/mem.h"

/* A peer silent this long with data unacknowledged is gone (TCP). */
#define MIGRATE_USER_TIMEOUT_MS 30000

struct migrate_conn {
	int fd;
	char *peer;
	struct line_reader reader;
	bool reader_ready;
	struct event *read_event;
	struct event *write_event;
	struct event *timer;
	char *out;
	size_t out_len, out_done;
	bool write_failed;
	int write_errno;
	migrate_line_fn *fn;
	void *arg;
	size_t max;
	bool lent;
};

static void conn_set_blocking(int fd, bool blocking)
{
	int flags = fcntl(fd, F_GETFL);

	if (flags < 0)
		return;
	flags = blocking ? flags & ~O_NONBLOCK : flags | O_NONBLOCK;
	fcntl(fd, F_SETFL, flags);
}

static void conn_read_ready(evutil_socket_t fd, short what, void *arg);
static void conn_write_ready(evutil_socket_t fd, short what, void *arg);
static void conn_deadline(evutil_socket_t fd, short what, void *arg);

struct migrate_conn *migrate_conn_new(int fd, const char *peer)
{
	struct migrate_conn *c = xcalloc(1, sizeof *c);
	int one = 1, idle = 10, interval = 5, count = 3;
	unsigned timeout = MIGRATE_USER_TIMEOUT_MS;

	c->fd = fd;
	c->peer = xstrdup(peer);
	conn_set_blocking(fd, false);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof interval);
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof count);
	setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &timeout,
	    sizeof timeout);
	c->read_event = xcheck(event_new(daemon_base, fd, EV_READ | EV_PERSIST,
	    conn_read_ready, c));
	c->write_event = xcheck(event_new(daemon_base, fd,
	    EV_WRITE | EV_PERSIST, conn_write_ready, c));
	c->timer = xcheck(evtimer_new(daemon_base, conn_deadline, c));
	return c;
}

void migrate_conn_free(struct migrate_conn *c)
{
	if (c == NULL)
		return;
	event_free(c->read_event);
	event_free(c->write_event);
	event_free(c->timer);
	if (c->reader_ready)
		line_reader_free(&c->reader);
	close(c->fd);
	free(c->out);
	free(c->peer);
	free(c);
}

int migrate_conn_fd(const struct migrate_conn *c)
{
	return c->fd;
}

const char *migrate_conn_peer(const struct migrate_conn *c)
{
	return c->peer;
}

/* The one callback of a read, with everything stopped first. */
static void conn_deliver(struct migrate_conn *c, const char *line,
    size_t len, struct err *e)
{
	migrate_line_fn *fn = c->fn;
	void *arg = c->arg;

	migrate_conn_cancel(c);
	if (fn != NULL)
		fn(arg, line, len, e);
	else
		err_free(e);
}

static void conn_flush(struct migrate_conn *c)
{
	while (c->out_done < c->out_len && !c->write_failed) {
		ssize_t n = send(c->fd, c->out + c->out_done,
		    c->out_len - c->out_done, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			event_add(c->write_event, NULL);
			return;
		}
		if (n <= 0) {
			c->write_failed = true;
			c->write_errno = n < 0 ? errno : EPIPE;
			break;
		}
		c->out_done += (size_t)n;
	}
	event_del(c->write_event);
	free(c->out);
	c->out = NULL;
	c->out_len = c->out_done = 0;
	if (c->write_failed && c->fn != NULL)
		conn_deliver(c, NULL, 0, err_new(ERR_IO, "cannot write to %s: "
		    "%s", c->peer, strerror(c->write_errno)));
}

static void conn_write_ready(evutil_socket_t fd, short what, void *arg)
{
	conn_flush(arg);
}

void migrate_conn_send(struct migrate_conn *c, const char *line, size_t len)
{
	if (c->write_failed || c->lent)
		return;
	c->out = xrealloc(c->out, c->out_len + len);
	memcpy(c->out + c->out_len, line, len);
	c->out_len += len;
	conn_flush(c);
}

static bool conn_next(struct migrate_conn *c)
{
	const char *line;
	size_t len;

	switch (line_reader_next(&c->reader, &line, &len)) {
	case LINE_READY:
		conn_deliver(c, line, len, NULL);
		return true;
	case LINE_TOO_LONG:
		conn_deliver(c, NULL, 0, err_new(ERR_INVALID_MESSAGE, "%s sent "
		    "a line longer than %zu bytes", c->peer, c->max));
		return true;
	case LINE_PARTIAL:
	default:
		return false;
	}
}

static void conn_read_ready(evutil_socket_t fd, short what, void *arg)
{
	struct migrate_conn *c = arg;
	ssize_t n = line_reader_fill(&c->reader, c->fd);

	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK ||
	    errno == EINTR))
		return;
	if (n == 0) {
		conn_deliver(c, NULL, 0, err_new(ERR_IO, "%s closed the "
		    "connection", c->peer));
		return;
	}
	if (n < 0) {
		conn_deliver(c, NULL, 0, err_new(ERR_IO, "connection to %s "
		    "lost: %s", c->peer, strerror(errno)));
		return;
	}
	conn_next(c);
}

static void conn_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct migrate_conn *c = arg;

	conn_deliver(c, NULL, 0, err_new(ERR_IO, "%s did not answer in time",
	    c->peer));
}

void migrate_conn_read_line(struct migrate_conn *c, size_t max,
    int timeout_ms, migrate_line_fn *fn, void *arg)
{
	c->fn = fn;
	c->arg = arg;
	if (!c->reader_ready || c->max != max) {
		struct line_reader old = c->reader;
		bool had = c->reader_ready;

		line_reader_init(&c->reader, max);
		if (had) {
			line_reader_append(&c->reader, old.buf + old.start,
			    old.len - old.start);
			line_reader_free(&old);
		}
		c->reader_ready = true;
		c->max = max;
	}
	if (c->write_failed) {
		conn_deliver(c, NULL, 0, err_new(ERR_IO, "cannot write to %s: "
		    "%s", c->peer, strerror(c->write_errno)));
		return;
	}
	if (conn_next(c))
		return;
	event_add(c->read_event, NULL);
	if (timeout_ms >= 0) {
		struct timeval tv = { timeout_ms / 1000,
			(timeout_ms % 1000) * 1000 };

		evtimer_add(c->timer, &tv);
	}
}

void migrate_conn_cancel(struct migrate_conn *c)
{
	c->fn = NULL;
	c->arg = NULL;
	event_del(c->read_event);
	evtimer_del(c->timer);
}

bool migrate_conn_lend(struct migrate_conn *c)
{
	migrate_conn_cancel(c);
	event_del(c->write_event);
	if (c->out_len > c->out_done || c->write_failed ||
	    (c->reader_ready && line_reader_pending(&c->reader) > 0))
		return false;
	c->lent = true;
	conn_set_blocking(c->fd, true);
	return true;
}

void migrate_conn_resume(struct migrate_conn *c)
{
	c->lent = false;
	conn_set_blocking(c->fd, false);
}

void migrate_conn_shutdown(struct migrate_conn *c)
{
	shutdown(c->fd, SHUT_RDWR);
}

uint64_t migrate_conn_bytes_sent(const struct migrate_conn *c)
{
	struct tcp_info info;
	socklen_t len = sizeof info;

	memset(&info, 0, sizeof info);
	if (getsockopt(c->fd, IPPROTO_TCP, TCP_INFO, &info, &len) < 0)
		return 0;
	return info.tcpi_bytes_acked;
}

uint64_t migrate_conn_bytes_received(const struct migrate_conn *c)
{
	struct tcp_info info;
	socklen_t len = sizeof info;

	memset(&info, 0, sizeof info);
	if (getsockopt(c->fd, IPPROTO_TCP, TCP_INFO, &info, &len) < 0)
		return 0;
	return info.tcpi_bytes_received;
}
