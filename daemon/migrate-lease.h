/* The leases a migration hands over (doc/migration.md): every disk's, as
 * for any running domain, and the domain's identity lease
 * (migrate_identity_lease), so that a guest without disks is decided by
 * the leases too.  Shared by both ends and by their restart recovery. */
#ifndef DAEMON_MIGRATE_LEASE_H
#define DAEMON_MIGRATE_LEASE_H

#include <json-c/json.h>

#include "daemon/lease-disk.h"
#include "daemon/xl-compat.h"
#include "proto/err.h"

struct err *migrate_leases(const libxl_domain_config *config,
    const char *uuid, struct lease_disks *out);
/* From a journal record's "leases" (written with lease_disks_to_json);
 * the identity lease alone when there is none. */
void migrate_leases_from_journal(json_object *extra, const char *uuid,
    struct lease_disks *out);

#endif
