/* The metrics endpoint's HTTP side (metrics-http.h): evhttp parses HTTP;
 * this file bounds it (headers, body, time, connections) and answers what
 * is not a scrape.  The scrape itself is the caller's callback (metrics.c
 * gathers it from the daemon).  All state is per endpoint, so that the
 * fuzzer can run one of its own. */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>

#include "daemon/metrics-http.h"
#include "proto/mem.h"

struct metrics_http {
	struct event_base *base;
	struct evhttp *http;
	struct evhttp_bound_socket *socket;	/* the one listener */
	unsigned max_clients;
	unsigned connections;		/* open, counted at accept */
	bool paused;			/* not accepting: at the limit */
	/* accepted connections whose close callback is not set yet */
	struct bufferevent **unadopted;
	size_t nr_unadopted, cap_unadopted;
	struct event *adopt;		/* sets them, on the next turn */
	metrics_http_scrape_fn *scrape;
	void *scrape_arg;
};

/* ------------------------------------------------------------------------
 * The connection limit.  libevent 2.1's evhttp has none, and tells of a
 * new connection only by asking for its bufferevent; it is counted there,
 * and the listener rests at the limit (newcomers wait in the backlog).
 * The connection's close callback counts it out. */

static void metrics_http_update_listener(struct metrics_http *h)
{
	struct evconnlistener *l;
	bool full = h->connections >= h->max_clients;

	if (h->socket == NULL || full == h->paused)
		return;
	l = evhttp_bound_socket_get_listener(h->socket);
	if (full)
		evconnlistener_disable(l);
	else
		evconnlistener_enable(l);
	h->paused = full;
}

static void metrics_http_connection_closed(struct evhttp_connection *evcon,
    void *arg)
{
	struct metrics_http *h = arg;

	if (h->connections > 0)
		h->connections--;
	metrics_http_update_listener(h);
}

/* Right after evhttp made the connections around the unadopted
 * bufferevents: their close callbacks can be set now (evhttp is a
 * bufferevent's callback argument), unless a connection is gone already. */
static void metrics_http_adopt(evutil_socket_t fd, short what, void *arg)
{
	struct metrics_http *h = arg;

	for (size_t i = 0; i < h->nr_unadopted; i++) {
		struct bufferevent *bev = h->unadopted[i];
		bufferevent_event_cb eventcb;
		void *evcon;

		bufferevent_getcb(bev, NULL, NULL, &eventcb, &evcon);
		if (eventcb != NULL && evcon != NULL)
			evhttp_connection_set_closecb(evcon,
			    metrics_http_connection_closed, h);
		else
			metrics_http_connection_closed(NULL, h);
		bufferevent_decref(bev);
	}
	h->nr_unadopted = 0;
}

static struct bufferevent *metrics_http_new_connection(struct event_base *base,
    void *arg)
{
	struct metrics_http *h = arg;
	struct bufferevent *bev = bufferevent_socket_new(base, -1,
	    BEV_OPT_CLOSE_ON_FREE);

	if (bev == NULL)
		return NULL;
	if (h->nr_unadopted == h->cap_unadopted) {
		h->cap_unadopted = h->cap_unadopted * 2 + 4;
		h->unadopted = xreallocarray(h->unadopted, h->cap_unadopted,
		    sizeof *h->unadopted);
	}
	bufferevent_incref(bev);
	h->unadopted[h->nr_unadopted++] = bev;
	event_active(h->adopt, EV_TIMEOUT, 1);
	h->connections++;
	metrics_http_update_listener(h);
	return bev;
}

/* ------------------------------------------------------------------------
 * Requests */

/* Sends body with its length.  evhttp (2.1.12, and since) writes no
 * Content-Length in a reply to a HEAD or a CONNECT, taking them for
 * bodiless, yet sends the body it is given: a client that keeps the
 * connection would read that body as the next response.  So the length is
 * always written here, and a HEAD gets the head alone. */
static void metrics_http_send(struct evhttp_request *req, int code,
    const char *reason, const char *type, struct evbuffer *body)
{
	struct evkeyvalq *headers = evhttp_request_get_output_headers(req);
	char length[24];

	snprintf(length, sizeof length, "%zu", evbuffer_get_length(body));
	evhttp_add_header(headers, "Content-Type", type);
	evhttp_add_header(headers, "Content-Length", length);
	if (evhttp_request_get_command(req) == EVHTTP_REQ_HEAD)
		evbuffer_drain(body, evbuffer_get_length(body));
	evhttp_send_reply(req, code, reason, body);
}

static void metrics_http_reply_text(struct evhttp_request *req, int code,
    const char *reason, const char *text)
{
	struct evbuffer *body = evbuffer_new();

	evbuffer_add_printf(body, "%s\n", text);
	metrics_http_send(req, code, reason, "text/plain; charset=utf-8", body);
	evbuffer_free(body);
}

static void metrics_http_request(struct evhttp_request *req, void *arg)
{
	struct metrics_http *h = arg;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
	enum evhttp_cmd_type method = evhttp_request_get_command(req);
	struct evbuffer *body;

	if (path == NULL || strcmp(path, "/metrics") != 0) {
		metrics_http_reply_text(req, HTTP_NOTFOUND, "Not Found",
		    "not found: the metrics are at /metrics");
		return;
	}
	if (method != EVHTTP_REQ_GET && method != EVHTTP_REQ_HEAD) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Allow", "GET, HEAD");
		metrics_http_reply_text(req, 405, "Method Not Allowed",
		    "method not allowed: GET or HEAD");
		return;
	}
	body = evbuffer_new();
	h->scrape(body, h->scrape_arg);
	metrics_http_send(req, HTTP_OK, "OK",
	    "text/plain; version=0.0.4; charset=utf-8", body);
	evbuffer_free(body);
}

/* ------------------------------------------------------------------------
 * Start and stop */

struct metrics_http *metrics_http_new(struct event_base *base,
    const struct metrics_http_limits *limits, metrics_http_scrape_fn *scrape,
    void *arg)
{
	struct timeval timeout = { limits->timeout_ms / 1000,
		(limits->timeout_ms % 1000) * 1000 };
	struct metrics_http *h = xcalloc(1, sizeof *h);

	h->base = base;
	h->max_clients = limits->max_clients;
	h->scrape = scrape;
	h->scrape_arg = arg;
	h->http = evhttp_new(base);
	h->adopt = event_new(base, -1, 0, metrics_http_adopt, h);
	if (h->http == NULL || h->adopt == NULL) {
		metrics_http_free(h);
		return NULL;
	}
	evhttp_set_max_headers_size(h->http, (ev_ssize_t)limits->max_headers);
	evhttp_set_max_body_size(h->http, (ev_ssize_t)limits->max_body);
	evhttp_set_timeout_tv(h->http, &timeout);
	/* a refused client reads its 413 before the close (unread input
	 * would make the close a reset that loses it) */
	evhttp_set_flags(h->http, EVHTTP_SERVER_LINGERING_CLOSE);
	/* every method reaches metrics_http_request, which answers 405
	 * itself (evhttp would answer 501 for the ones it is not told of) */
	evhttp_set_allowed_methods(h->http, EVHTTP_REQ_GET |
	    EVHTTP_REQ_POST | EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT |
	    EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE |
	    EVHTTP_REQ_CONNECT | EVHTTP_REQ_PATCH);
	evhttp_set_bevcb(h->http, metrics_http_new_connection, h);
	evhttp_set_gencb(h->http, metrics_http_request, h);
	return h;
}

int metrics_http_bind(struct metrics_http *h, const char *address,
    uint16_t port)
{
	if (h->socket != NULL)
		return -1;
	h->socket = evhttp_bind_socket_with_handle(h->http, address, port);
	return h->socket != NULL ? 0 : -1;
}

int metrics_http_accept_socket(struct metrics_http *h, evutil_socket_t fd)
{
	if (h->socket != NULL)
		return -1;
	h->socket = evhttp_accept_socket_with_handle(h->http, fd);
	return h->socket != NULL ? 0 : -1;
}

unsigned metrics_http_connections(const struct metrics_http *h)
{
	return h->connections;
}

void metrics_http_free(struct metrics_http *h)
{
	if (h == NULL)
		return;
	h->socket = NULL;	/* freed with the evhttp: not to be resumed */
	if (h->http != NULL)
		evhttp_free(h->http);	/* its connections' close callbacks */
	/* their connections are gone: only the references are left */
	for (size_t i = 0; i < h->nr_unadopted; i++)
		bufferevent_decref(h->unadopted[i]);
	free(h->unadopted);
	if (h->adopt != NULL)
		event_free(h->adopt);
	free(h);
}
