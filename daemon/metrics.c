/* The metrics endpoint (metrics.h): metrics-http.c serves HTTP (evhttp,
 * its bounds, 404 and 405); this file starts it with the options and
 * gathers a scrape's data from the registry, the cached statistics and the
 * daemon's counters.  A scrape runs on the loop from cached data: it never
 * waits for a job, and takes no lock. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "daemon/daemon.h"
#include "daemon/domain.h"
#include "daemon/event.h"
#include "daemon/job.h"
#include "daemon/log.h"
#include "daemon/metrics-count.h"
#include "daemon/metrics-http.h"
#include "daemon/metrics-text.h"
#include "daemon/metrics.h"
#include "daemon/server.h"
#include "daemon/stats.h"
#include "proto/mem.h"

/* Scrapes closer together than this share one collection of libxenstat
 * (two Prometheus servers scraping the same host, a dashboard). */
#define METRICS_STATS_MAX_AGE_MS 1000

static struct metrics_http *metrics_endpoint;

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

/* The endpoint's scrape callback. */
static void metrics_gather(struct evbuffer *out, void *arg)
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

/* ------------------------------------------------------------------------
 * Start and stop */

int metrics_listen(void)
{
	const struct metrics_http_limits limits = {
		.max_headers = METRICS_HTTP_MAX_HEADERS,
		.max_body = METRICS_HTTP_MAX_BODY,
		.timeout_ms = options.metrics_timeout_ms,
		.max_clients = (unsigned)options.metrics_max_clients,
	};

	if (options.metrics_listen == NULL)
		return 0;
	metrics_endpoint = metrics_http_new(daemon_base, &limits,
	    metrics_gather, NULL);
	if (metrics_endpoint == NULL) {
		log_critical("metrics: cannot create the HTTP server");
		return -1;
	}
	if (metrics_http_bind(metrics_endpoint, options.metrics_address,
	    (uint16_t)options.metrics_port) < 0) {
		log_critical("metrics: cannot listen on %s", options.metrics_listen);
		metrics_http_free(metrics_endpoint);
		metrics_endpoint = NULL;
		return -1;
	}
	log_notice("metrics on http://%s/metrics", options.metrics_listen);
	return 0;
}

void metrics_stop(void)
{
	metrics_http_free(metrics_endpoint);	/* closes its connections */
	metrics_endpoint = NULL;
}
