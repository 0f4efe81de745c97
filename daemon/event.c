#include "config.h"

#include <fnmatch.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bsd/sys/queue.h>

#include "daemon/daemon.h"
#include "daemon/domain.h"
#include "daemon/event.h"
#include "daemon/job.h"
#include "daemon/lifecycle.h"
#include "daemon/log.h"
#include "daemon/server.h"
#include "proto/json-line.h"
#include "proto/message.h"

#define SUBSCRIBE_MAX_FILTERS 256

struct subscription {
	struct conn *conn;
	char **events;			/* globs; NULL: every event */
	size_t nevents;
	char **domains;			/* names or globs; NULL: every domain */
	size_t ndomains;
	bool dropping;
	uint64_t dropped;
	TAILQ_ENTRY(subscription) entry;
};

static TAILQ_HEAD(, subscription) subscriptions =
    TAILQ_HEAD_INITIALIZER(subscriptions);
static unsigned subscription_count;

unsigned event_subscriber_count(void)
{
	return subscription_count;
}

static struct subscription *subscription_find(struct conn *c)
{
	struct subscription *s;

	TAILQ_FOREACH(s, &subscriptions, entry)
		if (s->conn == c)
			return s;
	return NULL;
}

static void subscription_free(struct subscription *s)
{
	for (size_t i = 0; i < s->nevents; i++)
		free(s->events[i]);
	for (size_t i = 0; i < s->ndomains; i++)
		free(s->domains[i]);
	free(s->events);
	free(s->domains);
	free(s);
}

static bool subscription_wants_domain(const struct subscription *s,
    const char *domain)
{
	if (s->domains == NULL)
		return true;
	if (domain == NULL)
		return false;
	for (size_t i = 0; i < s->ndomains; i++)
		if (fnmatch(s->domains[i], domain, 0) == 0)
			return true;
	return false;
}

static bool subscription_matches(const struct subscription *s,
    const char *name, const char *domain)
{
	bool ok = (s->events == NULL);

	for (size_t i = 0; i < s->nevents && !ok; i++)
		ok = (fnmatch(s->events[i], name, 0) == 0);
	return ok && subscription_wants_domain(s, domain);
}

/* ------------------------------------------------------------------------
 * Delivery */

static void event_resync(struct conn *c, void *arg);

static void event_deliver(struct subscription *s, const char *text,
    size_t len)
{
	if (s->dropping) {
		s->dropped++;
		return;
	}
	if (conn_output_size(s->conn) + len > options.max_event_backlog) {
		/* a subscriber that cannot keep up loses events, not the
		 * daemon's memory or anybody else's time */
		s->dropping = true;
		s->dropped = 1;
		log_notice("client %llu: event backlog over %zu bytes; "
		    "dropping events until it catches up",
		    (unsigned long long)conn_id(s->conn),
		    options.max_event_backlog);
		conn_notify_drained(s->conn, options.max_event_backlog / 4,
		    event_resync, s);
		return;
	}
	conn_send_text(s->conn, text, len);
}

void event_emit(const char *name, const char *domain, json_object *data)
{
	struct subscription *s;
	json_object *event = NULL;
	const char *text = NULL;
	size_t len = 0;
	struct timeval now;

	TAILQ_FOREACH(s, &subscriptions, entry) {
		if (!subscription_matches(s, name, domain))
			continue;
		if (event == NULL) {
			/* serialised once for every subscriber */
			gettimeofday(&now, NULL);
			event = proto_event_new(name, json_object_get(data),
			    &now);
			text = json_line_format(event, &len);
		}
		event_deliver(s, text, len);
	}
	json_object_put(event);
	json_object_put(data);
}

void event_emit_domain(const char *name, struct domain *d, json_object *data)
{
	if (data == NULL)
		data = json_object_new_object();
	json_object_object_add(data, "domain", json_object_new_string(d->name));
	json_object_object_add(data, "domid", domain_is_running(d) ?
	    json_object_new_int64(d->domid) : NULL);
	event_emit(name, d->name, data);
}

/* After dropping, one EVENTS_DROPPED carries the count and the current
 * state of everything the subscriber watches, so that it can carry on
 * from a consistent picture. */
static void event_resync(struct conn *c, void *arg)
{
	struct subscription *s = arg;
	json_object *data = json_object_new_object();
	json_object *domains = json_object_new_array();
	json_object *jobs = json_object_new_array();
	json_object *event;
	struct domain *d;
	struct timeval now;

	if (subscription_find(c) != s)
		return;
	TAILQ_FOREACH(d, &domain_registry, entry) {
		json_object *info;

		if (!subscription_wants_domain(s, d->name))
			continue;
		info = domain_info_json(d);
		json_object_array_add(domains, info);
		if (d->holder != NULL)
			json_object_array_add(jobs, job_to_json(d->holder));
	}
	json_object_object_add(data, "count",
	    json_object_new_int64((int64_t)s->dropped));
	json_object_object_add(data, "domains", domains);
	json_object_object_add(data, "jobs", jobs);
	gettimeofday(&now, NULL);
	event = proto_event_new("EVENTS_DROPPED", data, &now);
	log_notice("client %llu: resynchronised after %" PRIu64 " dropped "
	    "events", (unsigned long long)conn_id(c), s->dropped);
	s->dropping = false;
	s->dropped = 0;
	conn_send(c, event);
	json_object_put(event);
}

/* ------------------------------------------------------------------------
 * Subscriptions */

static char **event_copy_filters(json_object *list, size_t *n)
{
	size_t count = json_object_array_length(list);
	char **out = calloc(count + 1, sizeof *out);

	if (out == NULL)
		abort();
	for (size_t i = 0; i < count; i++) {
		json_object *item = json_object_array_get_idx(list, i);

		const char *text = json_object_get_string(item);

		if (json_object_is_type(item, json_type_string) &&
		    strspn(text, "0123456789") != strlen(text)) {
			out[i] = strdup(text);
		} else {
			/* a domid, integer or decimal string: its domain's
			 * current name */
			struct domain *d = domain_find_domid(
			    (uint32_t)strtoul(text, NULL, 10));

			out[i] = strdup(d != NULL ? d->name : "");
		}
		if (out[i] == NULL)
			abort();
	}
	*n = count;
	return out;
}

struct err *event_subscribe(struct conn *c, json_object *events,
    json_object *domains)
{
	struct subscription *s;

	if ((events != NULL &&
	    json_object_array_length(events) > SUBSCRIBE_MAX_FILTERS) ||
	    (domains != NULL &&
	    json_object_array_length(domains) > SUBSCRIBE_MAX_FILTERS))
		return err_new(ERR_INVALID_ARGUMENT,
		    "at most %d event or domain filters",
		    SUBSCRIBE_MAX_FILTERS);
	if (domains != NULL) {
		for (size_t i = 0; i < json_object_array_length(domains); i++) {
			json_object *item = json_object_array_get_idx(domains, i);

			if (!json_object_is_type(item, json_type_string) &&
			    !json_object_is_type(item, json_type_int))
				return err_new(ERR_INVALID_ARGUMENT,
				    "'domains' holds names, UUIDs or domids");
		}
	}
	/* a new subscription replaces the connection's previous one */
	event_unsubscribe(c);
	s = calloc(1, sizeof *s);
	if (s == NULL)
		abort();
	s->conn = c;
	if (events != NULL)
		s->events = event_copy_filters(events, &s->nevents);
	if (domains != NULL) {
		s->domains = event_copy_filters(domains, &s->ndomains);
		/* a UUID filter means that domain, whatever its name */
		for (size_t i = 0; i < s->ndomains; i++) {
			libxl_uuid uuid;
			struct domain *d;

			if (libxl_uuid_from_string(&uuid, s->domains[i]) == 0 &&
			    (d = domain_find_uuid(&uuid)) != NULL) {
				free(s->domains[i]);
				s->domains[i] = strdup(d->name);
			}
		}
	}
	TAILQ_INSERT_TAIL(&subscriptions, s, entry);
	subscription_count++;
	return NULL;
}

void event_unsubscribe(struct conn *c)
{
	struct subscription *s = subscription_find(c);

	if (s == NULL)
		return;
	TAILQ_REMOVE(&subscriptions, s, entry);
	subscription_count--;
	subscription_free(s);
}

void event_conn_closed(struct conn *c)
{
	event_unsubscribe(c);
}

/* ------------------------------------------------------------------------
 * libxl's events */

static const char *event_shutdown_reason(int reason)
{
	const char *name = libxl_shutdown_reason_to_string(
	    (libxl_shutdown_reason)reason);

	return name != NULL ? name : "unknown";
}

static void event_occurs(void *user, libxl_event *ev)
{
	struct domain *d = domain_find_domid(ev->domid);

	switch (ev->type) {
	case LIBXL_EVENT_TYPE_DOMAIN_SHUTDOWN: {
		int reason = ev->u.domain_shutdown.shutdown_reason;
		json_object *data = json_object_new_object();
		char lower[32];

		if (d == NULL)
			break;
		d->shutdown_reason = reason;
		snprintf(lower, sizeof lower, "%s", event_shutdown_reason(reason));
		for (char *p = lower; *p; p++)
			*p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
		log_info("domain %s (%u): shut down (%s)", d->name, ev->domid,
		    lower);
		json_object_object_add(data, "reason",
		    json_object_new_string(lower));
		event_emit_domain("DOMAIN_SHUTDOWN", d, data);
		job_notify_domain_changed(d);
		lifecycle_domain_shutdown(d, reason);
		break;
	}
	case LIBXL_EVENT_TYPE_DOMAIN_DEATH:
		if (d == NULL)
			break;
		log_info("domain %s (%u): gone", d->name, ev->domid);
		lifecycle_domain_gone(d);
		break;
	case LIBXL_EVENT_TYPE_DISK_EJECT:
		log_info("domain %u ejected a disk", ev->domid);
		break;
	default:
		log_debug("libxl event %s for domain %u",
		    libxl_event_type_to_string(ev->type), ev->domid);
		break;
	}
	libxl_event_free(daemon_ctx, ev);
}

static void event_disaster(void *user, libxl_event_type type,
    const char *msg, int errnoval)
{
	/* libxl cannot go on (e.g. the xenstore connection broke): say so and
	 * let the supervisor restart us; the restart recovers the jobs */
	log_critical("libxl disaster (%s): %s%s%s",
	    libxl_event_type_to_string(type), msg, errnoval > 0 ? ": " : "",
	    errnoval > 0 ? strerror(errnoval) : "");
	exit(70);
}

static const libxl_event_hooks event_libxl_hooks = {
	.event_occurs_mask = LIBXL_EVENTMASK_ALL,
	.event_occurs = event_occurs,
	.disaster = event_disaster,
};

int event_libxl_attach(void)
{
	libxl_event_register_callbacks(daemon_ctx, &event_libxl_hooks, NULL);
	return 0;
}

void event_libxl_detach(void)
{
	struct subscription *s;

	while ((s = TAILQ_FIRST(&subscriptions)) != NULL) {
		TAILQ_REMOVE(&subscriptions, s, entry);
		subscription_count--;
		subscription_free(s);
	}
}
