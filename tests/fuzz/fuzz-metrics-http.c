/* libFuzzer harness: the metrics endpoint's HTTP side (daemon/metrics-http.c
 * on libevent's evhttp), the bytes anyone who reaches --metrics-listen
 * sends.
 *
 * One event base and one endpoint, with the daemon's bounds (but
 * --metrics-max-clients=1, so that every input also pauses and resumes the
 * listener), listening on an abstract UNIX socket made once.  Per input: a
 * client connects, writes the input, and shuts its writing half once the
 * endpoint is idle (evhttp drops the pipelined requests it has not read
 * when its input ends: they are read first); it reads until the endpoint
 * closes, while the loop runs.  The loop's turns are bounded, and a
 * watchdog shorter than the endpoint's own timeout fires if nothing
 * happens: an endpoint that neither answers nor closes is a finding
 * (abort).  Oracles: the replies are HTTP responses one after the other,
 * each framed (ours say their length) and with a code the endpoint can
 * give; a 405 says what is allowed, a 200 carries the scrape (or nothing,
 * for a HEAD); the connection is counted out; nothing leaks (the fuzzer's
 * leak check).
 *
 * libevent is the system's, not instrumented: coverage guides the fuzzer
 * through our code only; the dictionary (metrics-http.dict) and the seeds
 * lead it into evhttp's parser. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "daemon/metrics-http.h"

/* No input needs more turns of the loop (a 16 KiB input of pipelined
 * requests takes a few thousand) */
#define FUZZ_MAX_TURNS 200000
/* An input is served in milliseconds; the endpoint itself would give up
 * on a silent client only after its timeout (10 s) */
#define FUZZ_WATCHDOG_S 5
/* Replies kept for the oracle (pipelined requests: many replies) */
#define FUZZ_MAX_REPLY (4u << 20)

static const char scrape_text[] = "# TYPE fuzz_up gauge\nfuzz_up 1\n";

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct event_base *base;
static struct metrics_http *endpoint;
static struct sockaddr_un address;
static socklen_t address_len;

/* The client of one input */
static struct client {
	const uint8_t *data;
	size_t size, sent;
	char *reply;		/* what the endpoint sent, and a NUL */
	size_t len, cap;
	bool closed;		/* the endpoint closed: EOF or reset */
	bool stuck;		/* the watchdog fired */
} client;

static void fail(const char *what) __attribute__((noreturn));

static void fail(const char *what)
{
	fprintf(stderr, "fuzz-metrics-http: %s\n", what);
	if (client.len > 0)
		fprintf(stderr, "reply (%zu bytes): %.*s\n", client.len,
		    (int)(client.len < 2048 ? client.len : 2048), client.reply);
	abort();
}

static void scrape(struct evbuffer *out, void *arg)
{
	evbuffer_add(out, scrape_text, sizeof scrape_text - 1);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	/* the daemon's defaults (--metrics-timeout), but for max_clients */
	const struct metrics_http_limits limits = {
		.max_headers = METRICS_HTTP_MAX_HEADERS,
		.max_body = METRICS_HTTP_MAX_BODY,
		.timeout_ms = 10000,
		.max_clients = 1,
	};
	int fd;

	/* the default (1) for libevent's events and the client's; 2 for
	 * client_idle */
	base = event_base_new();
	if (base == NULL || event_base_priority_init(base, 3) < 0)
		fail("no event base");
	endpoint = metrics_http_new(base, &limits, scrape, NULL);
	if (endpoint == NULL)
		fail("no endpoint");
	/* abstract: nothing to remove, one per process */
	address.sun_family = AF_UNIX;
	snprintf(address.sun_path + 1, sizeof address.sun_path - 1,
	    "xenlightd-fuzz-metrics-http-%ld", (long)getpid());
	address_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
	    strlen(address.sun_path + 1));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&address, address_len) < 0 ||
	    listen(fd, 16) < 0)
		fail("cannot listen");
	if (metrics_http_accept_socket(endpoint, fd) < 0)
		fail("the endpoint does not take the socket");
	return 0;
}

/* ------------------------------------------------------------------------
 * The client, on the loop */

static void client_write(evutil_socket_t fd, short what, void *arg)
{
	struct event *self = arg;
	ssize_t n = 0;

	if (client.sent < client.size) {
		n = send(fd, client.data + client.sent,
		    client.size - client.sent, MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
	}
	if (n < 0) {
		/* closed by the endpoint before taking it all (a refusal):
		 * what it answered is still to be read */
		if (errno != EPIPE && errno != ECONNRESET)
			fail("cannot send");
		client.sent = client.size;
	} else
		client.sent += (size_t)n;
	if (client.sent == client.size)
		event_del(self);
}

/* At the lowest priority, so it runs on a turn that has nothing else to
 * run: the endpoint waits for more of the input (UNIX sockets pass bytes
 * at once, nothing is on the way) */
static void client_idle(evutil_socket_t fd, short what, void *arg)
{
	struct event *self = arg;

	if (client.sent < client.size) {
		event_active(self, EV_TIMEOUT, 1);
		return;
	}
	shutdown((int)event_get_fd(self), SHUT_WR);
}

static void client_read(evutil_socket_t fd, short what, void *arg)
{
	char buf[16384];
	ssize_t n = recv(fd, buf, sizeof buf, 0);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		if (n < 0 && errno != ECONNRESET)
			fail("cannot read");
		client.closed = true;
		event_base_loopbreak(base);
		return;
	}
	if (client.len + (size_t)n > FUZZ_MAX_REPLY)
		fail("replies beyond any input's");
	/* kept a string, for the oracle's sscanf */
	if (client.len + (size_t)n + 1 > client.cap) {
		client.cap = (client.len + (size_t)n + 1) * 2;
		client.reply = realloc(client.reply, client.cap);
		if (client.reply == NULL)
			fail("out of memory");
	}
	memcpy(client.reply + client.len, buf, (size_t)n);
	client.len += (size_t)n;
	client.reply[client.len] = '\0';
}

static void watchdog(evutil_socket_t fd, short what, void *arg)
{
	client.stuck = true;
	event_base_loopbreak(base);
}

/* ------------------------------------------------------------------------
 * The oracle on the replies */

static const char *find(const char *from, const char *to, const char *what)
{
	return memmem(from, (size_t)(to - from), what, strlen(what));
}

static bool starts(const char *p, const char *end, const char *what)
{
	size_t n = strlen(what);

	return (size_t)(end - p) >= n && memcmp(p, what, n) == 0;
}

/* The codes: ours (200, 404, 405) and evhttp's (100 Continue, and the
 * refusals of what never reaches metrics_http_request) */
static bool known_code(int code)
{
	static const int codes[] = { 100, 200, 400, 404, 405, 413, 417, 501 };

	for (size_t i = 0; i < sizeof codes / sizeof *codes; i++)
		if (code == codes[i])
			return true;
	return false;
}

/* One response after the other.  Ours (text/plain) always say their
 * length, and a HEAD's has no body; evhttp's own refusals (its text/html
 * page) say none to a HEAD or a CONNECT, nor on HTTP/1.0, and end at the
 * page's end.  A body never starts with "HTTP/": a response followed at
 * once by another (or by the end) had none. */
static void check_replies(const char *p, const char *end)
{
	static const char page_end[] = "</BODY></HTML>\n";

	while (p < end) {
		const char *sp, *head_end, *cl, *body;
		unsigned long long length;
		int code = 0;

		if (!starts(p, end, "HTTP/"))
			fail("a reply that is not an HTTP response");
		sp = memchr(p, ' ', (size_t)(end - p));
		if (sp == NULL || end - sp < 5 || sp[4] != ' ' ||
		    sscanf(sp + 1, "%3d", &code) != 1 || !known_code(code))
			fail("a status the endpoint cannot give");
		head_end = find(p, end, "\r\n\r\n");
		if (head_end == NULL)
			fail("a response's head cut short");
		head_end += 2;	/* keeps the last header's CRLF */
		body = head_end + 2;
		cl = find(p, head_end, "\r\nContent-Length: ");
		if (code == 405 && find(p, head_end, "\r\nAllow: GET, HEAD\r\n") ==
		    NULL)
			fail("a 405 without Allow");
		if (code == 200 && find(p, head_end, "\r\nContent-Type: "
		    "text/plain; version=0.0.4; charset=utf-8\r\n") == NULL)
			fail("a 200 without the scrape's type");
		if (cl == NULL && code != 100 &&
		    find(p, head_end, "\r\nContent-Type: text/plain") != NULL)
			fail("a reply of ours without its length");
		if (body == end || starts(body, end, "HTTP/")) {
			p = body;
			continue;
		}
		if (cl == NULL) {
			const char *q = find(body, end, page_end);

			if (q == NULL)
				fail("a body without a length that is no page");
			p = q + sizeof page_end - 1;
			continue;
		}
		if (sscanf(cl + 18, "%llu", &length) != 1)
			fail("a Content-Length that is not a number");
		if (length > (unsigned long long)(end - body))
			fail("a response's body cut short");
		if (code == 200 && (length != sizeof scrape_text - 1 ||
		    memcmp(body, scrape_text, length) != 0))
			fail("a 200 that is not the scrape");
		p = body + length;
	}
}

/* ------------------------------------------------------------------------
 * One input */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct timeval limit = { FUZZ_WATCHDOG_S, 0 };
	struct event *writer, *reader, *idle, *dog;
	int fd, turns;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		fail("no client socket");
	/* the endpoint accepted the last client and took it out: the
	 * backlog is empty */
	if (connect(fd, (struct sockaddr *)&address, address_len) < 0)
		fail("cannot connect");
	client = (struct client){ .data = data, .size = size };
	writer = event_new(base, fd, EV_WRITE | EV_PERSIST, client_write,
	    event_self_cbarg());
	reader = event_new(base, fd, EV_READ | EV_PERSIST, client_read, NULL);
	idle = event_new(base, fd, 0, client_idle, event_self_cbarg());
	dog = evtimer_new(base, watchdog, NULL);
	if (writer == NULL || reader == NULL || idle == NULL || dog == NULL ||
	    event_priority_set(idle, 2) < 0)
		fail("no client events");
	event_add(writer, NULL);
	event_add(reader, NULL);
	event_active(idle, EV_TIMEOUT, 1);
	evtimer_add(dog, &limit);
	for (turns = 0; !client.closed; turns++) {
		if (turns == FUZZ_MAX_TURNS)
			fail("the endpoint turns without end");
		if (event_base_loop(base, EVLOOP_ONCE) < 0)
			fail("the loop failed");
		if (client.stuck)
			fail("the endpoint neither answers nor closes");
	}
	event_free(writer);
	event_free(reader);
	event_free(idle);
	event_free(dog);
	close(fd);
	if (client.len > 0)
		check_replies(client.reply, client.reply + client.len);
	/* the connection's last callbacks (counting it out, freeing its
	 * bufferevent) wait on the loop: run them */
	for (turns = 0; metrics_http_connections(endpoint) > 0 ||
	    event_base_get_num_events(base, EVENT_BASE_COUNT_ACTIVE) > 0;
	    turns++) {
		if (turns == 100)
			fail("a closed connection is still counted");
		event_base_loop(base, EVLOOP_NONBLOCK);
	}
	free(client.reply);
	client.reply = NULL;
	return 0;
}
