/* Events: the events of PROTOCOL.md delivered to subscribers, without ever
 * letting a slow subscriber slow the daemon.  Publishing only: what happens
 * in the hypervisor comes in through intake.c. */
#ifndef DAEMON_EVENT_H
#define DAEMON_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <json-c/json.h>

#include "proto/err.h"

struct conn;

/* Sends event name with data (taken) to every matching subscriber.
 * domain may be NULL (then no domain filter applies). */
void event_emit(const char *name, const char *domain, json_object *data);

/* Adds to the data of EVENTS_DROPPED (which carries "count") the state a
 * subscriber that lost events carries on from. */
typedef void event_snapshot_fn(struct conn *c, json_object *data);
/* events: name globs (NULL: all); domains: domain name globs (NULL:
 * all). */
struct err *event_subscribe(struct conn *c, const char *const *events,
    size_t nevents, const char *const *domains, size_t ndomains,
    event_snapshot_fn *snapshot);
void event_unsubscribe(struct conn *c);
/* Whether c's subscription covers domain. */
bool event_wants_domain(struct conn *c, const char *domain);
/* A connection is gone. */
void event_conn_closed(struct conn *c);
unsigned event_subscriber_count(void);
/* Drops every subscription (daemon teardown). */
void event_detach(void);

#endif
