/* The metrics endpoint (metrics.h): evhttp parses HTTP; this file bounds
 * it (headers, body, time, connections), answers what is not a scrape,
 * and gathers a scrape's data from the registry, the cached statistics
 * and the daemon's counters.  A scrape runs on the loop from cached data:
 * it never waits for a job, and takes no lock. */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>

#include "daemon/daemon.h"
#include "daemon/domain.h"
#include "daemon/event.h"
#include "daemon/job.h"
#include "daemon/log.h"
#include "daemon/metrics-count.h"
#include "daemon/metrics-text.h"
#include "daemon/metrics.h"
#include "daemon/server.h"
#include "daemon/stats.h"
#include "proto/mem.h"

/* Scrapes closer together than this share one collection of libxenstat
 * (two Prometheus servers scraping the same host, a dashboard). */
#define METRICS_STATS_MAX_AGE_MS 1000
#define METRICS_MAX_HEADERS 8192
#define METRICS_MAX_BODY 1024

static struct evhttp *metrics_http;
static struct evhttp_bound_socket *metrics_socket;
static unsigned metrics_connections;	/* open, counted at accept */
static bool metrics_paused;		/* not accepting: at the limit */

/* ------------------------------------------------------------------------
 * The connection limit.  libevent 2.1's evhttp has none, and tells of a
 * new connection only by asking for its bufferevent; it is counted there,
 * and the listener rests at the limit (newcomers wait in the backlog).
 * The connection's close callback counts it out. */

static void metrics_update_listener(void)
{
	struct evconnlistener *l;
	bool full = metrics_connections >= (unsigned)options.metrics_max_clients;

	if (metrics_socket == NULL || full == metrics_paused)
		return;
	l = evhttp_bound_socket_get_listener(metrics_socket);
	if (full)
		evconnlistener_disable(l);
	else
		evconnlistener_enable(l);
	metrics_paused = full;
}

static void metrics_connection_closed(struct evhttp_connection *evcon,
    void *arg)
{
	if (metrics_connections > 0)
		metrics_connections--;
	metrics_update_listener();
}

/* Right after evhttp made the connection around bev: its close callback
 * can be set now (evhttp is bev's callback argument), unless it is gone
 * already. */
static void metrics_adopt(evutil_socket_t fd, short what, void *arg)
{
	struct bufferevent *bev = arg;
	bufferevent_event_cb eventcb;
	void *evcon;

	bufferevent_getcb(bev, NULL, NULL, &eventcb, &evcon);
	if (eventcb != NULL && evcon != NULL)
		evhttp_connection_set_closecb(evcon, metrics_connection_closed,
		    NULL);
	else
		metrics_connection_closed(NULL, NULL);
	bufferevent_decref(bev);
}

static struct bufferevent *metrics_new_connection(struct event_base *base,
    void *arg)
{
	const struct timeval now = { 0, 0 };
	struct bufferevent *bev = bufferevent_socket_new(base, -1,
	    BEV_OPT_CLOSE_ON_FREE);

	if (bev == NULL)
		return NULL;
	bufferevent_incref(bev);
	if (event_base_once(base, -1, EV_TIMEOUT, metrics_adopt, bev,
	    &now) < 0) {
		bufferevent_decref(bev);
		return bev;	/* served, not counted */
	}
	metrics_connections++;
	metrics_update_listener();
	return bev;
}

/* ------------------------------------------------------------------------
 * A scrape */

static const char *metrics_xen_version(char *buf, size_t len)
{
	const libxl_version_info *v = libxl_get_version_info(daemon_ctx);

	if (v == NULL)
		return "unknown";
	snprintf(buf, len, "%d.%d%s", v->xen_version_major,
	    v->xen_version_minor, v->xen_version_extra ?
	    v->xen_version_extra : "");
	return buf;
}

static void metrics_gather(struct evbuffer *out)
{
	struct metrics_input in = { 0 };
	struct metrics_domain *rows;
	struct stats_snapshot *snap;
	struct domain *d;
	struct err *e = NULL;
	char xen[64];

	snap = stats_snapshot(METRICS_STATS_MAX_AGE_MS, &e);
	if (snap == NULL) {
		log_debug("metrics: no statistics: %s", e->desc);
		err_free(e);
	}
	rows = xcalloc(domain_count() + 1, sizeof *rows);
	TAILQ_FOREACH(d, &domain_registry, entry) {
		struct stats_domain *sd;

		if (!domain_is_running(d)) {
			in.domains_by_state[metrics_state_index("stopped")]++;
			continue;
		}
		sd = snap != NULL ? stats_find(snap, d->domid) : NULL;
		if (sd == NULL)
			continue;	/* gone since the snapshot */
		in.domains_by_state[metrics_state_index(sd->state)]++;
		stats_domain_memory(sd);
		rows[in.nr_domains++] = (struct metrics_domain){
			d->name, d->uuid_text, sd };
	}
	in.domains = rows;
	in.host = snap != NULL ? &snap->host : NULL;
	in.version = PACKAGE_VERSION;
	in.hypervisor = daemon_hypervisor;
	in.xen_version = metrics_xen_version(xen, sizeof xen);
	in.requests = metrics_requests(&in.nr_requests);
	in.jobs = metrics_jobs(&in.nr_jobs);
	in.jobs_active = job_active_count();
	in.clients_full = server_client_count_of(false);
	in.clients_read_only = server_client_count_of(true);
	in.subscribers = event_subscriber_count();
	in.events_dropped = metrics_events_dropped();
	metrics_text(out, &in);
	free(rows);
}

static void metrics_reply_text(struct evhttp_request *req, int code,
    const char *reason, const char *text)
{
	struct evbuffer *body = evbuffer_new();

	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "text/plain; charset=utf-8");
	evbuffer_add_printf(body, "%s\n", text);
	evhttp_send_reply(req, code, reason, body);
	evbuffer_free(body);
}

static void metrics_request(struct evhttp_request *req, void *arg)
{
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
	enum evhttp_cmd_type method = evhttp_request_get_command(req);
	struct evbuffer *body;

	if (path == NULL || strcmp(path, "/metrics") != 0) {
		metrics_reply_text(req, HTTP_NOTFOUND, "Not Found",
		    "not found: the metrics are at /metrics");
		return;
	}
	if (method != EVHTTP_REQ_GET && method != EVHTTP_REQ_HEAD) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Allow", "GET, HEAD");
		metrics_reply_text(req, 405, "Method Not Allowed",
		    "method not allowed: GET or HEAD");
		return;
	}
	body = evbuffer_new();
	metrics_gather(body);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
	evhttp_send_reply(req, HTTP_OK, "OK", body);
	evbuffer_free(body);
}

/* ------------------------------------------------------------------------
 * Start and stop */

int metrics_listen(void)
{
	struct timeval timeout = { options.metrics_timeout_ms / 1000,
		(options.metrics_timeout_ms % 1000) * 1000 };

	if (options.metrics_listen == NULL)
		return 0;
	metrics_http = evhttp_new(daemon_base);
	if (metrics_http == NULL) {
		log_critical("metrics: cannot create the HTTP server");
		return -1;
	}
	evhttp_set_max_headers_size(metrics_http, METRICS_MAX_HEADERS);
	evhttp_set_max_body_size(metrics_http, METRICS_MAX_BODY);
	evhttp_set_timeout_tv(metrics_http, &timeout);
	/* a refused client reads its 413 before the close (unread input
	 * would make the close a reset that loses it) */
	evhttp_set_flags(metrics_http, EVHTTP_SERVER_LINGERING_CLOSE);
	/* every method reaches metrics_request, which answers 405 itself
	 * (evhttp would answer 501 for the ones it is not told of) */
	evhttp_set_allowed_methods(metrics_http, EVHTTP_REQ_GET |
	    EVHTTP_REQ_POST | EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT |
	    EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE |
	    EVHTTP_REQ_CONNECT | EVHTTP_REQ_PATCH);
	evhttp_set_bevcb(metrics_http, metrics_new_connection, NULL);
	evhttp_set_gencb(metrics_http, metrics_request, NULL);
	metrics_socket = evhttp_bind_socket_with_handle(metrics_http,
	    options.metrics_address, (ev_uint16_t)options.metrics_port);
	if (metrics_socket == NULL) {
		log_critical("metrics: cannot listen on %s", options.metrics_listen);
		evhttp_free(metrics_http);
		metrics_http = NULL;
		return -1;
	}
	log_notice("metrics on http://%s/metrics", options.metrics_listen);
	return 0;
}

void metrics_stop(void)
{
	if (metrics_http == NULL)
		return;
	metrics_socket = NULL;
	evhttp_free(metrics_http);	/* its connections' close callbacks */
	metrics_http = NULL;
}
