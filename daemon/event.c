#include "config.h"

#include <fnmatch.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bsd/sys/queue.h>

#include "daemon/daemon.h"
#include "daemon/event.h"
#include "daemon/log.h"
#include "daemon/server.h"
#include "proto/json-line.h"
#include "proto/mem.h"
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
	event_snapshot_fn *snapshot;
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

/* After dropping, one EVENTS_DROPPED carries the count and the current
 * state of everything the subscriber watches, so that it can carry on
 * from a consistent picture. */
static void event_resync(struct conn *c, void *arg)
{
	struct subscription *s = arg;
	json_object *data = json_object_new_object();
	json_object *event;
	struct timeval now;

	if (subscription_find(c) != s)
		return;
	json_object_object_add(data, "count",
	    json_object_new_int64((int64_t)s->dropped));
	s->snapshot(c, data);
	gettimeofday(&now, NULL);
	event = proto_event_new("EVENTS_DROPPED", data, &now);
	log_notice("client %llu: resynchronised after %" PRIu64 " dropped "
	    "events", (unsigned long long)conn_id(c), s->dropped);
	s->dropping = false;
	s->dropped = 0;
	conn_send(c, event);
	json_object_put(event);
}

bool event_wants_domain(struct conn *c, const char *domain)
{
	struct subscription *s = subscription_find(c);

	return s != NULL && subscription_wants_domain(s, domain);
}

/* ------------------------------------------------------------------------
 * Subscriptions */

static char **event_copy_filters(const char *const *list, size_t count)
{
	char **out = xcalloc(count + 1, sizeof *out);

	for (size_t i = 0; i < count; i++)
		out[i] = xstrdup(list[i]);
	return out;
}

struct err *event_subscribe(struct conn *c, const char *const *events,
    size_t nevents, const char *const *domains, size_t ndomains,
    event_snapshot_fn *snapshot)
{
	struct subscription *s;

	if (nevents > SUBSCRIBE_MAX_FILTERS || ndomains > SUBSCRIBE_MAX_FILTERS)
		return err_new(ERR_INVALID_ARGUMENT,
		    "at most %d event or domain filters",
		    SUBSCRIBE_MAX_FILTERS);
	/* a new subscription replaces the connection's previous one */
	event_unsubscribe(c);
	s = xcalloc(1, sizeof *s);
	s->conn = c;
	s->snapshot = snapshot;
	if (events != NULL) {
		s->events = event_copy_filters(events, nevents);
		s->nevents = nevents;
	}
	if (domains != NULL) {
		s->domains = event_copy_filters(domains, ndomains);
		s->ndomains = ndomains;
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

void event_detach(void)
{
	struct subscription *s;

	while ((s = TAILQ_FIRST(&subscriptions)) != NULL) {
		TAILQ_REMOVE(&subscriptions, s, entry);
		subscription_count--;
		subscription_free(s);
	}
}
