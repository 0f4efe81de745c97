/* Domain objects of PROTOCOL.md ("name", "uuid", "state", ..., "job"): one
 * writer, whose text domain-list and domain-info send as it is (10,000
 * domains in one reply); everything else parses it. */
#ifndef DAEMON_DOMAIN_JSON_H
#define DAEMON_DOMAIN_JSON_H

#include <json-c/json.h>
#include <yajl/yajl_gen.h>

#include "daemon/xl-compat.h"

struct domain;

/* info may be NULL (not running). */
void domain_write_json(yajl_gen g, struct domain *d, const libxl_dominfo *info);
/* With fresh state from the hypervisor. */
json_object *domain_info_json(struct domain *d);

#endif
