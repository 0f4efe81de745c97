/* Restart recovery of both halves of a migration (doc/migration.md): the
 * .recover handlers of domain-migrate and domain-migrate-in.  Before the
 * hand-over the source keeps the guest (resumed, paused again if it was)
 * and the destination destroys its copy; after it ("go-sent",
 * "go-received", "done") the leases decide, taken again here. */
#ifndef DAEMON_MIGRATE_RECOVER_H
#define DAEMON_MIGRATE_RECOVER_H

#include <json-c/json.h>

#include "proto/err.h"

void migrate_recover_source(json_object *record, struct err *error);
void migrate_recover_incoming(json_object *record, struct err *error);

#endif
