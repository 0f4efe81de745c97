#include "config.h"

#include <fnmatch.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bsd/sys/queue.h>
#include <uthash.h>

#include "daemon/daemon.h"
#include "daemon/event.h"
#include "daemon/log.h"
#include "daemon/metrics-count.h"
#include "daemon/server.h"
#include "proto/json-line.h"
#include "proto/mem.h"
#include "proto/message.h"

/* What one subscriber may ask: filters are matched against events on the
 * loop, so their number, length and wildcards are bounded, and each name
 * is matched once (the answer is remembered). */
#define SUBSCRIBE_MAX_FILTERS 256
#define SUBSCRIBE_MAX_PATTERN 128
#define SUBSCRIBE_MAX_WILDCARDS 8
/* Remembered answers per subscriber, before the memory starts afresh (the
 * names of events are few; domain names come and go) */
#define SUBSCRIBE_MAX_MEMO 4096

/* Whether a name matched a subscriber's filters. */
struct match_memo {
	UT_hash_handle hh;
	bool matched;
	char name[];
};

struct subscription {
	struct conn *conn;
	char **events;			/* globs; NULL: every event */
	size_t nevents;
	char **domains;			/* names or globs; NULL: every domain */
	size_t ndomains;
	struct match_memo *event_memo, *domain_memo;
	unsigned memo_count;
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

static void subscription_forget_memo(struct subscription *s)
{
	struct match_memo *m, *next;

	HASH_ITER(hh, s->event_memo, m, next) {
		HASH_DEL(s->event_memo, m);
		free(m);
	}
	HASH_ITER(hh, s->domain_memo, m, next) {
		HASH_DEL(s->domain_memo, m);
		free(m);
	}
	s->memo_count = 0;
}

static void subscription_free(struct subscription *s)
{
	subscription_forget_memo(s);
	for (size_t i = 0; i < s->nevents; i++)
		free(s->events[i]);
	for (size_t i = 0; i < s->ndomains; i++)
		free(s->domains[i]);
	free(s->events);
	free(s->domains);
	free(s);
}

/* Whether name matches one of globs, remembered in *memo. */
static bool subscription_match(struct subscription *s, char *const *globs,
    size_t count, struct match_memo **memo, const char *name)
{
	size_t len = strlen(name);
	struct match_memo *m;
	bool matched = false;

	HASH_FIND(hh, *memo, name, len, m);
	if (m != NULL)
		return m->matched;
	for (size_t i = 0; i < count && !matched; i++)
		matched = (fnmatch(globs[i], name, 0) == 0);
	if (s->memo_count >= SUBSCRIBE_MAX_MEMO)
		subscription_forget_memo(s);
	m = xmalloc(sizeof *m + len + 1);
	m->matched = matched;
	memcpy(m->name, name, len + 1);
	HASH_ADD(hh, *memo, name[0], len, m);
	s->memo_count++;
	return matched;
}

static bool subscription_wants_domain(struct subscription *s,
    const char *domain)
{
	if (s->domains == NULL)
		return true;
	if (domain == NULL)
		return false;
	return subscription_match(s, s->domains, s->ndomains, &s->domain_memo,
	    domain);
}

static bool subscription_matches(struct subscription *s, const char *name,
    const char *domain)
{
	if (s->events != NULL && !subscription_match(s, s->events, s->nevents,
	    &s->event_memo, name))
		return false;
	return subscription_wants_domain(s, domain);
}

/* ------------------------------------------------------------------------
 * Delivery */

static void event_resync(struct conn *c, void *arg);

static void event_deliver(struct subscription *s, const char *text,
    size_t len)
{
	if (s->dropping) {
		s->dropped++;
		metrics_count_events_dropped(1);
		return;
	}
	if (conn_output_size(s->conn) + len > options.max_event_backlog) {
		/* a subscriber that cannot keep up loses events, not the
		 * daemon's memory or anybody else's time */
		s->dropping = true;
		s->dropped = 1;
		metrics_count_events_dropped(1);
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

static struct err *event_check_filters(const char *const *list,
    size_t count)
{
	if (count > SUBSCRIBE_MAX_FILTERS)
		return err_new(ERR_INVALID_ARGUMENT,
		    "at most %d event or domain filters",
		    SUBSCRIBE_MAX_FILTERS);
	for (size_t i = 0; list != NULL && i < count; i++) {
		size_t wildcards = 0;

		if (strlen(list[i]) > SUBSCRIBE_MAX_PATTERN)
			return err_new(ERR_INVALID_ARGUMENT, "a filter has at "
			    "most %d characters", SUBSCRIBE_MAX_PATTERN);
		for (const char *p = list[i]; *p != '\0'; p++)
			wildcards += (*p == '*' || *p == '?' || *p == '[');
		if (wildcards > SUBSCRIBE_MAX_WILDCARDS)
			return err_new(ERR_INVALID_ARGUMENT, "a filter has at "
			    "most %d wildcards (*, ?, [)",
			    SUBSCRIBE_MAX_WILDCARDS);
	}
	return NULL;
}

struct err *event_subscribe(struct conn *c, const char *const *events,
    size_t nevents, const char *const *domains, size_t ndomains,
    event_snapshot_fn *snapshot)
{
	struct subscription *s;
	struct err *e = event_check_filters(events, nevents);

	if (e == NULL)
		e = event_check_filters(domains, ndomains);
	if (e != NULL)
		return e;
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
