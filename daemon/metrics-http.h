/* The HTTP side of the metrics endpoint: libevent's evhttp with our bounds
 * (headers, body, time, open connections), answering 404 and 405 itself
 * and a scrape of /metrics through a callback.  A base module: it knows
 * nothing of the daemon, so that the fuzzer (tests/fuzz/fuzz-metrics-http.c)
 * links it alone; metrics.c gives it the options and the scrape. */
#ifndef DAEMON_METRICS_HTTP_H
#define DAEMON_METRICS_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include <event2/util.h>

struct event_base;
struct evbuffer;
struct metrics_http;

/* The endpoint's fixed bounds on a request: larger headers are refused
 * (400), a larger body too (413). */
#define METRICS_HTTP_MAX_HEADERS 8192
#define METRICS_HTTP_MAX_BODY 1024

struct metrics_http_limits {
	size_t max_headers;	/* request line and headers, bytes */
	size_t max_body;	/* bytes */
	int timeout_ms;		/* to send a request, or take a reply */
	unsigned max_clients;	/* open connections; newcomers wait */
};

/* Writes a scrape's text (GET and HEAD of /metrics) to out. */
typedef void metrics_http_scrape_fn(struct evbuffer *out, void *arg);

/* An endpoint on base, listening nowhere yet; NULL if libevent cannot
 * make it. */
struct metrics_http *metrics_http_new(struct event_base *base,
    const struct metrics_http_limits *limits, metrics_http_scrape_fn *scrape,
    void *arg);
/* Listens on address:port (TCP); -1 if it cannot. */
int metrics_http_bind(struct metrics_http *h, const char *address,
    uint16_t port);
/* Serves the listening socket fd, which it then owns (closed by
 * metrics_http_free); -1 if it cannot, and fd stays the caller's. */
int metrics_http_accept_socket(struct metrics_http *h, evutil_socket_t fd);
/* Open connections, as counted against max_clients. */
unsigned metrics_http_connections(const struct metrics_http *h);
/* Closes the listener and every connection; NULL is ignored. */
void metrics_http_free(struct metrics_http *h);

#endif
