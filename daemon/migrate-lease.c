#include "config.h"

#include <stdlib.h>

#include "daemon/lease-xl.h"
#include "daemon/migrate-lease.h"
#include "daemon/migrate-wire.h"

static void migrate_add_identity(const char *uuid, struct lease_disks *out)
{
	char *identity = migrate_identity_lease(uuid);

	lease_disks_add(out, identity, NULL, LEASE_EXCLUSIVE);
	free(identity);
}

struct err *migrate_leases(const libxl_domain_config *config,
    const char *uuid, struct lease_disks *out)
{
	struct err *e = lease_disks_from_config(config, out);

	if (e != NULL)
		return e;
	migrate_add_identity(uuid, out);
	return NULL;
}

void migrate_leases_from_journal(json_object *extra, const char *uuid,
    struct lease_disks *out)
{
	json_object *list = json_object_object_get(extra, "leases");
	struct err *e = list != NULL ? lease_disks_from_json(list, out) : NULL;

	err_free(e);
	migrate_add_identity(uuid, out);	/* added once */
}
