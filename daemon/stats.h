/* Statistics of running domains, from libxenstat: shared by domain-stats
 * and the metrics endpoint. */
#ifndef DAEMON_STATS_H
#define DAEMON_STATS_H

#include <json-c/json.h>
#include <xenstat.h>

#include "proto/err.h"

struct domain;

/* A snapshot of every domain's counters (xenstat_free_node it), or NULL
 * with *e set. */
xenstat_node *stats_collect(struct err **e);
/* One domain's counters as domain-stats reports them. */
json_object *stats_domain_json(struct domain *d, xenstat_domain *xd);
/* Daemon teardown. */
void stats_close(void);

#endif
