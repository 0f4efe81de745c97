/* libxlctl: the blocking client library (see xlctl.h). */
#include "config.h"

#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client/xlctl.h"
#include "proto/json-line.h"
#include "proto/mem.h"
#include "proto/message.h"

/* A message that arrived while the caller was waiting for something else. */
struct xlctl_kept {
	json_object *msg;
	uint64_t seq;		/* arrival order across both lists */
	bool has_id;		/* an integer id, so a reply xlctl_send() made */
	int64_t id;
	TAILQ_ENTRY(xlctl_kept) entry;
};
TAILQ_HEAD(xlctl_kept_list, xlctl_kept);

struct xlctl {
	int fd;
	struct line_reader reader;
	json_object *greeting;		/* the whole greeting message */
	int64_t next_id;
	uint64_t next_seq;
	/* Two lists, so that a client that subscribed and never reads events
	 * does not make every reply lookup walk past them. */
	struct xlctl_kept_list replies;	/* everything that is not an event */
	struct xlctl_kept_list events;
	/* The last error reply without an id: the server sends one before it
	 * closes on a request it could not read (a line too long), and it
	 * explains the disconnection that follows. */
	json_object *orphan_error;
	bool broken;
	struct xlctl_error broken_err;
};

void xlctl_error_clear(struct xlctl_error *err)
{
	if (err == NULL)
		return;
	json_object_put(err->data);
	memset(err, 0, sizeof *err);
}

static void xlctl_set_error(struct xlctl_error *, const char *, const char *,
    ...) __attribute__((format(printf, 3, 4)));
static void xlctl_break(struct xlctl *, const char *, const char *, ...)
	__attribute__((format(printf, 3, 4)));

static void xlctl_set_error(struct xlctl_error *err, const char *class_name,
    const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return;
	snprintf(err->class_name, sizeof err->class_name, "%s", class_name);
	va_start(ap, fmt);
	vsnprintf(err->desc, sizeof err->desc, fmt, ap);
	va_end(ap);
	err->data = NULL;
}

/* Fills err from a reply's "error" object. */
static void xlctl_error_from_json(struct xlctl_error *err, json_object *obj)
{
	json_object *class_name, *desc, *data;

	if (err == NULL)
		return;
	if (!json_object_object_get_ex(obj, "class", &class_name) ||
	    !json_object_is_type(class_name, json_type_string)) {
		xlctl_set_error(err, "InvalidMessage",
		    "the server sent an error reply without a class");
		return;
	}
	if (!json_object_object_get_ex(obj, "desc", &desc) ||
	    !json_object_is_type(desc, json_type_string))
		desc = class_name;
	xlctl_set_error(err, json_object_get_string(class_name), "%s",
	    json_object_get_string(desc));
	if (json_object_object_get_ex(obj, "data", &data) && data != NULL)
		err->data = json_object_get(data);
}

static void xlctl_copy_broken(struct xlctl *c, struct xlctl_error *err)
{
	if (err == NULL)
		return;
	*err = c->broken_err;
	json_object_get(err->data);
}

/* The connection cannot be used any more; every later call says why. */
static void xlctl_break(struct xlctl *c, const char *class_name,
    const char *fmt, ...)
{
	struct xlctl_error *b = &c->broken_err;
	va_list ap;

	if (c->broken)
		return;
	c->broken = true;
	snprintf(b->class_name, sizeof b->class_name, "%s", class_name);
	va_start(ap, fmt);
	vsnprintf(b->desc, sizeof b->desc, fmt, ap);
	va_end(ap);
	if (c->orphan_error != NULL && strcmp(class_name, "Disconnected") == 0) {
		struct xlctl_error why;

		xlctl_error_from_json(&why, c->orphan_error);
		size_t used = strlen(b->desc);
		snprintf(b->desc + used, sizeof b->desc - used,
		    " after an error: %s: %s", why.class_name, why.desc);
		json_object_put(why.data);
		b->data = json_object_get(c->orphan_error);
	}
}

static int64_t xlctl_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t xlctl_deadline(int timeout_ms)
{
	return timeout_ms < 0 ? -1 : xlctl_now_ms() + timeout_ms;
}

/* poll() one fd until deadline (-1: none), restarting after signals with
 * the time left.  Returns revents, 0 on timeout, -1 on error. */
static int xlctl_poll(int fd, short events, int64_t deadline)
{
	struct pollfd pfd = { .fd = fd, .events = events };

	for (;;) {
		int wait_ms = -1, n;

		if (deadline >= 0) {
			int64_t left = deadline - xlctl_now_ms();

			wait_ms = left < 0 ? 0 : left > 1000000 ? 1000000 :
			    (int)left;
		}
		n = poll(&pfd, 1, wait_ms);
		if (n > 0)
			return pfd.revents;
		if (n == 0) {
			if (deadline >= 0 && xlctl_now_ms() >= deadline)
				return 0;
			continue;	/* capped wait_ms ran out */
		}
		if (errno != EINTR)
			return -1;
	}
}

static bool xlctl_message_id(json_object *msg, int64_t *id)
{
	json_object *value;

	if (!json_object_object_get_ex(msg, "id", &value) ||
	    !json_object_is_type(value, json_type_int))
		return false;
	*id = json_object_get_int64(value);
	return true;
}

static void xlctl_keep(struct xlctl *c, json_object *msg)
{
	enum proto_message_kind kind = proto_message_kind(msg);
	struct xlctl_kept *k = xcalloc(1, sizeof *k);
	json_object *value;

	k->msg = msg;
	k->seq = c->next_seq++;
	k->has_id = xlctl_message_id(msg, &k->id);
	if (kind == PROTO_MSG_EVENT) {
		TAILQ_INSERT_TAIL(&c->events, k, entry);
		return;
	}
	TAILQ_INSERT_TAIL(&c->replies, k, entry);
	if (kind == PROTO_MSG_ERROR &&
	    (!json_object_object_get_ex(msg, "id", &value) || value == NULL) &&
	    json_object_object_get_ex(msg, "error", &value)) {
		json_object_put(c->orphan_error);
		c->orphan_error = json_object_get(value);
	}
}

static json_object *xlctl_unkeep(struct xlctl_kept_list *list,
    struct xlctl_kept *k)
{
	json_object *msg = k->msg;

	TAILQ_REMOVE(list, k, entry);
	free(k);
	return msg;
}

/* Parses the next complete buffered line.  1: *msg set; 0: no complete
 * line; -1: err set (a bad line, skipped, or the connection broke). */
static int xlctl_next_line(struct xlctl *c, json_object **msg,
    struct xlctl_error *err)
{
	const char *line;
	size_t len;
	struct err *e = NULL;

	switch (line_reader_next(&c->reader, &line, &len)) {
	case LINE_PARTIAL:
		return 0;
	case LINE_TOO_LONG:
		xlctl_break(c, "InvalidMessage",
		    "a message from the server is longer than %d bytes",
		    XLCTL_MAX_LINE);
		xlctl_copy_broken(c, err);
		return -1;
	case LINE_READY:
		break;
	}
	*msg = json_line_parse(line, len, &e);
	if (*msg == NULL) {
		xlctl_set_error(err, "InvalidMessage",
		    "malformed message from the server: %s", e->desc);
		err_free(e);
		return -1;
	}
	return 1;
}

/* One read into the buffer.  1: got bytes; 0: nothing yet (EAGAIN);
 * -1: the connection broke. */
static int xlctl_fill(struct xlctl *c)
{
	for (;;) {
		ssize_t n = line_reader_fill(&c->reader, c->fd);

		if (n > 0)
			return 1;
		if (n == 0) {
			xlctl_break(c, "Disconnected", "%s",
			    line_reader_pending(&c->reader) > 0 ?
			    "the server closed the connection in the middle "
			    "of a message" :
			    "the server closed the connection");
			return -1;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		xlctl_break(c, "Disconnected", "read: %s", strerror(errno));
		return -1;
	}
}

/* The next message off the wire, waiting until deadline. */
static json_object *xlctl_receive(struct xlctl *c, int64_t deadline,
    struct xlctl_error *err)
{
	json_object *msg;

	for (;;) {
		/* lines that arrived before a disconnection still count */
		int r = xlctl_next_line(c, &msg, err);

		if (r > 0)
			return msg;
		if (r < 0)
			return NULL;
		if (c->broken) {
			xlctl_copy_broken(c, err);
			return NULL;
		}
		r = xlctl_fill(c);
		if (r != 0)
			continue;
		r = xlctl_poll(c->fd, POLLIN, deadline);
		if (r == 0) {
			xlctl_set_error(err, "Timeout",
			    "no answer from the server in time");
			return NULL;
		}
		if (r < 0)
			xlctl_break(c, "Disconnected", "poll: %s",
			    strerror(errno));
	}
}

/* While a send waits for room, take in what the server sends: it may be
 * waiting for us to read before it reads again. */
static void xlctl_drain(struct xlctl *c)
{
	json_object *msg;
	int r;

	/* one read per wake-up: a server that sends without pause must not
	 * keep our request from going out */
	if (xlctl_fill(c) <= 0)
		return;
	/* A malformed line here has nobody to be reported to: it is skipped,
	 * as it would be after being reported. */
	while ((r = xlctl_next_line(c, &msg, NULL)) != 0) {
		if (r > 0)
			xlctl_keep(c, msg);
		else if (c->broken)
			return;
	}
}

int xlctl_send_object(struct xlctl *c, json_object *request)
{
	size_t len;
	const char *text = json_line_format(request, &len);
	struct iovec iov[2] = {
		{ .iov_base = (void *)text, .iov_len = len },
		{ .iov_base = (void *)"\n", .iov_len = 1 },
	};
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2 };

	if (c->broken)
		return -1;
	while (mh.msg_iovlen > 0) {
		/* MSG_NOSIGNAL: a closed connection is an error, not SIGPIPE */
		ssize_t n = sendmsg(c->fd, &mh, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				int ev = xlctl_poll(c->fd, POLLIN | POLLOUT, -1);

				if (ev < 0) {
					xlctl_break(c, "Disconnected",
					    "poll: %s", strerror(errno));
					return -1;
				}
				if (ev & (POLLIN | POLLHUP))
					xlctl_drain(c);
				if (c->broken)
					return -1;
				continue;
			}
			xlctl_break(c, "Disconnected", "write: %s",
			    strerror(errno));
			return -1;
		}
		while (mh.msg_iovlen > 0 && (size_t)n >= mh.msg_iov->iov_len) {
			n -= (ssize_t)mh.msg_iov->iov_len;
			mh.msg_iov++;
			mh.msg_iovlen--;
		}
		if (mh.msg_iovlen > 0) {
			mh.msg_iov->iov_base = (char *)mh.msg_iov->iov_base + n;
			mh.msg_iov->iov_len -= (size_t)n;
		}
	}
	return 0;
}

int64_t xlctl_send(struct xlctl *c, const char *execute, json_object *arguments,
    const struct xlctl_options *options)
{
	json_object *request;
	int64_t id;
	int r;

	if (c->broken)
		return -1;
	id = c->next_id++;
	request = json_object_new_object();
	json_object_object_add(request, "execute",
	    json_object_new_string(execute));
	if (arguments != NULL)
		json_object_object_add(request, "arguments",
		    json_object_get(arguments));
	json_object_object_add(request, "id", json_object_new_int64(id));
	if (options != NULL && options->detach)
		json_object_object_add(request, "detach",
		    json_object_new_boolean(true));
	if (options != NULL && options->has_lock_wait_ms)
		json_object_object_add(request, "lock_wait_ms",
		    json_object_new_int64(options->lock_wait_ms));
	r = xlctl_send_object(c, request);
	json_object_put(request);
	return r < 0 ? -1 : id;
}

/* Takes the reply message; returns its "return" value or fills err. */
static json_object *xlctl_unwrap(json_object *msg, struct xlctl_error *err)
{
	json_object *value;

	if (json_object_object_get_ex(msg, "return", &value)) {
		value = value != NULL ? json_object_get(value) :
		    json_object_new_object();
		json_object_put(msg);
		return value;
	}
	json_object_object_get_ex(msg, "error", &value);
	xlctl_error_from_json(err, value);
	json_object_put(msg);
	return NULL;
}

json_object *xlctl_wait_reply(struct xlctl *c, int64_t id, int timeout_ms,
    struct xlctl_error *err)
{
	struct xlctl_kept *k;
	int64_t deadline;
	json_object *msg;

	TAILQ_FOREACH(k, &c->replies, entry) {
		if (k->has_id && k->id == id)
			return xlctl_unwrap(xlctl_unkeep(&c->replies, k), err);
	}
	if (id <= 0 || id >= c->next_id) {
		/* -1 is what xlctl_send() returned on a broken connection */
		if (c->broken)
			xlctl_copy_broken(c, err);
		else
			xlctl_set_error(err, "InvalidArgument",
			    "no request with id %lld was sent", (long long)id);
		return NULL;
	}
	deadline = xlctl_deadline(timeout_ms);
	for (;;) {
		enum proto_message_kind kind;
		int64_t msg_id;

		msg = xlctl_receive(c, deadline, err);
		if (msg == NULL) {
			if (err != NULL && strcmp(err->class_name, "Timeout") == 0)
				snprintf(err->desc, sizeof err->desc,
				    "no reply to request %lld within %d ms",
				    (long long)id, timeout_ms);
			return NULL;
		}
		kind = proto_message_kind(msg);
		if ((kind == PROTO_MSG_RETURN || kind == PROTO_MSG_ERROR) &&
		    xlctl_message_id(msg, &msg_id) && msg_id == id)
			return xlctl_unwrap(msg, err);
		xlctl_keep(c, msg);
	}
}

json_object *xlctl_call(struct xlctl *c, const char *execute,
    json_object *arguments, const struct xlctl_options *options, int timeout_ms,
    struct xlctl_error *err)
{
	int64_t id = xlctl_send(c, execute, arguments, options);

	if (id < 0) {
		xlctl_copy_broken(c, err);
		return NULL;
	}
	return xlctl_wait_reply(c, id, timeout_ms, err);
}

json_object *xlctl_next_event(struct xlctl *c, int timeout_ms,
    struct xlctl_error *err)
{
	int64_t deadline;
	json_object *msg;

	if (!TAILQ_EMPTY(&c->events))
		return xlctl_unkeep(&c->events, TAILQ_FIRST(&c->events));
	deadline = xlctl_deadline(timeout_ms);
	for (;;) {
		msg = xlctl_receive(c, deadline, err);
		if (msg == NULL)
			return NULL;
		if (proto_message_kind(msg) == PROTO_MSG_EVENT)
			return msg;
		xlctl_keep(c, msg);
	}
}

json_object *xlctl_read_message(struct xlctl *c, int timeout_ms,
    struct xlctl_error *err)
{
	struct xlctl_kept *reply = TAILQ_FIRST(&c->replies);
	struct xlctl_kept *event = TAILQ_FIRST(&c->events);

	if (reply != NULL && (event == NULL || reply->seq < event->seq))
		return xlctl_unkeep(&c->replies, reply);
	if (event != NULL)
		return xlctl_unkeep(&c->events, event);
	return xlctl_receive(c, xlctl_deadline(timeout_ms), err);
}

/* connect(2) that survives a signal: the connection then completes on its
 * own, and poll() says when. */
static int xlctl_connect_fd(int fd, const struct sockaddr_un *sun)
{
	socklen_t len = sizeof(int);
	int error = 0;

	if (connect(fd, (const struct sockaddr *)sun, sizeof *sun) == 0)
		return 0;
	if (errno != EINTR && errno != EINPROGRESS)
		return -1;
	if (xlctl_poll(fd, POLLOUT, -1) < 0)
		return -1;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) < 0)
		return -1;
	if (error != 0) {
		errno = error;
		return -1;
	}
	return 0;
}

struct xlctl *xlctl_connect_timeout(const char *socket_path, int timeout_ms,
    struct xlctl_error *err)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct xlctl *c;
	json_object *msg;
	int fd;

	if (socket_path == NULL)
		socket_path = XLCTL_SOCKET_PATH;
	if (strlen(socket_path) >= sizeof sun.sun_path) {
		xlctl_set_error(err, "Disconnected",
		    "cannot connect to %s: path too long", socket_path);
		return NULL;
	}
	strcpy(sun.sun_path, socket_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || xlctl_connect_fd(fd, &sun) < 0 ||
	    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0) {
		xlctl_set_error(err, "Disconnected", "cannot connect to %s: %s",
		    socket_path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}

	c = xcalloc(1, sizeof *c);
	c->fd = fd;
	c->next_id = 1;
	line_reader_init(&c->reader, XLCTL_MAX_LINE);
	TAILQ_INIT(&c->replies);
	TAILQ_INIT(&c->events);

	msg = xlctl_receive(c, xlctl_deadline(timeout_ms), err);
	if (msg == NULL) {
		if (err != NULL && strcmp(err->class_name, "Timeout") == 0)
			snprintf(err->desc, sizeof err->desc,
			    "no greeting from %s within %d ms", socket_path,
			    timeout_ms);
		xlctl_close(c);
		return NULL;
	}
	switch (proto_message_kind(msg)) {
	case PROTO_MSG_GREETING:
		if (json_object_is_type(json_object_object_get(msg, "greeting"),
		    json_type_object)) {
			c->greeting = msg;
			return c;
		}
		break;
	case PROTO_MSG_ERROR:
		/* refused before the greeting, e.g. too many connections */
		xlctl_unwrap(msg, err);
		xlctl_close(c);
		return NULL;
	default:
		break;
	}
	json_object_put(msg);
	xlctl_set_error(err, "InvalidMessage",
	    "%s did not start with a xenlightd greeting", socket_path);
	xlctl_close(c);
	return NULL;
}

struct xlctl *xlctl_connect(const char *socket_path, struct xlctl_error *err)
{
	return xlctl_connect_timeout(socket_path, XLCTL_CONNECT_TIMEOUT_MS, err);
}

json_object *xlctl_greeting(struct xlctl *c)
{
	return json_object_object_get(c->greeting, "greeting");
}

int xlctl_fd(struct xlctl *c)
{
	return c->fd;
}

static void xlctl_free_list(struct xlctl_kept_list *list)
{
	while (!TAILQ_EMPTY(list))
		json_object_put(xlctl_unkeep(list, TAILQ_FIRST(list)));
}

void xlctl_close(struct xlctl *c)
{
	if (c == NULL)
		return;
	close(c->fd);
	line_reader_free(&c->reader);
	xlctl_free_list(&c->replies);
	xlctl_free_list(&c->events);
	json_object_put(c->greeting);
	json_object_put(c->orphan_error);
	xlctl_error_clear(&c->broken_err);
	free(c);
}
