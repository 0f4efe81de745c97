/* Events: libxl's domain events turned into domain state and actions, and
 * the events of PROTOCOL.md delivered to subscribers without ever letting a
 * slow subscriber slow the daemon. */
#ifndef DAEMON_EVENT_H
#define DAEMON_EVENT_H

#include <json-c/json.h>

#include "proto/err.h"

struct conn;
struct domain;

int event_libxl_attach(void);
void event_libxl_detach(void);

/* Sends event name with data (taken) to every matching subscriber.
 * domain may be NULL (then no domain filter applies). */
void event_emit(const char *name, const char *domain, json_object *data);
/* data gets "domain" and "domid" of d. */
void event_emit_domain(const char *name, struct domain *d, json_object *data);

struct err *event_subscribe(struct conn *c, json_object *events,
    json_object *domains);
void event_unsubscribe(struct conn *c);
/* The server tells us when a connection is gone. */
void event_conn_closed(struct conn *c);
unsigned event_subscriber_count(void);

#endif
