#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/dispatch.h"
#include "daemon/domain.h"
#include "daemon/lease.h"
#include "daemon/log.h"
#include "daemon/migrate-lease.h"
#include "daemon/migrate-recover.h"
#include "proto/mem.h"
#include "proto/schema.h"

/* ------------------------------------------------------------------------
 * The source: domain-migrate */

/* What a lease answer settles: the domain (it may be gone meanwhile) and
 * whether it was paused before the migration. */
struct migrate_settle {
	char uuid[37];
	bool was_paused;
};

static struct domain *migrate_find(const char *uuid_text)
{
	libxl_uuid uuid;
	struct domain *d;

	if (uuid_text == NULL || libxl_uuid_from_string(&uuid, uuid_text) != 0)
		return NULL;
	d = domain_find_uuid(&uuid);
	return d != NULL && domain_is_running(d) ? d : NULL;
}

/* Back as it was: resumed if suspended, paused if it was. */
static void migrate_recover_here(struct domain *d, bool was_paused)
{
	libxl_dominfo info;
	bool suspended = false, paused = false;

	if (domain_fresh_info(d, &info)) {
		suspended = info.shutdown &&
		    info.shutdown_reason == LIBXL_SHUTDOWN_REASON_SUSPEND;
		paused = info.paused;
		libxl_dominfo_dispose(&info);
	}
	if (suspended)
		dispatch_internal_domain("domain-resume", d, NULL);
	if (was_paused && !paused)
		dispatch_internal_domain("domain-pause", d, NULL);
}

static void migrate_recover_settled(struct err *e, void *arg)
{
	struct migrate_settle *s = arg;
	struct domain *d = migrate_find(s->uuid);

	if (d != NULL && e == NULL) {
		log_notice("domain %s: the leases came back after the "
		    "interrupted migration: it stays here", d->name);
		migrate_recover_here(d, s->was_paused);
	} else if (d != NULL && e->class == ERR_LEASE_CONFLICT) {
		log_notice("domain %s: the destination holds the leases after "
		    "the interrupted migration: destroying the copy here",
		    d->name);
		dispatch_internal_domain("domain-destroy", d, NULL);
	} else if (d != NULL) {
		log_error("domain %s: after the interrupted migration the "
		    "leases cannot tell where it runs (%s): left suspended",
		    d->name, e->desc);
	}
	err_free(e);
	free(s);
}

void migrate_recover_source(json_object *record, struct err *error)
{
	json_object *extra = json_object_object_get(record, "extra");
	const char *stage = arg_string(extra, "stage");
	const char *uuid = arg_string(record, "uuid");
	bool was_paused = arg_bool(extra, "was_paused", false);
	struct domain *d = migrate_find(uuid);
	struct migrate_settle *s;
	struct lease_disks leases = { 0 };

	if (d == NULL) {
		err_append(error, "the domain is not here any more");
		return;
	}
	if (stage != NULL && strcmp(stage, "done") == 0) {
		err_append(error, "the destination had confirmed: the copy "
		    "here is destroyed");
		dispatch_internal_domain("domain-destroy", d, NULL);
		return;
	}
	if (stage == NULL || strcmp(stage, "go-sent") != 0) {
		err_append(error, "before the hand-over: the guest stays here");
		migrate_recover_here(d, was_paused);
		return;
	}
	if (!lease_enabled()) {
		err_append(error, "after the hand-over, without leases: the "
		    "guest is left suspended here; check the destination");
		return;
	}
	err_append(error, "after the hand-over: the leases decide");
	s = xcalloc(1, sizeof *s);
	snprintf(s->uuid, sizeof s->uuid, "%s", uuid);
	s->was_paused = was_paused;
	migrate_leases_from_journal(extra, uuid, &leases);
	lease_acquire(uuid, d->name, &leases, migrate_recover_settled, s);
	lease_disks_clear(&leases);
}

/* ------------------------------------------------------------------------
 * The destination: domain-migrate-in */

static void migrate_in_settled(struct err *e, void *arg)
{
	struct migrate_settle *s = arg;
	struct domain *d;
	libxl_uuid uuid;

	if (libxl_uuid_from_string(&uuid, s->uuid) == 0 &&
	    (d = domain_find_uuid(&uuid)) != NULL && domain_is_running(d)) {
		if (e == NULL && !s->was_paused) {
			log_notice("domain %s: the leases are ours: the "
			    "migration completes here", d->name);
			dispatch_internal_domain("domain-unpause", d, NULL);
		} else if (e != NULL) {
			log_notice("domain %s: the leases are not ours (%s): "
			    "destroying the incoming copy", d->name, e->desc);
			dispatch_internal_domain("domain-destroy", d, NULL);
		}
	}
	err_free(e);
	free(s);
}

void migrate_recover_incoming(json_object *record, struct err *error)
{
	json_object *extra = json_object_object_get(record, "extra");
	const char *stage = arg_string(extra, "stage");
	const char *uuid_text = arg_string(record, "uuid");
	struct migrate_settle *s;
	struct lease_disks leases = { 0 };
	libxl_uuid uuid;
	struct domain *d;

	if (uuid_text == NULL || libxl_uuid_from_string(&uuid, uuid_text) != 0)
		return;
	d = domain_find_uuid(&uuid);
	if (d == NULL || !domain_is_running(d)) {
		err_append(error, "nothing was received");
		return;
	}
	d->ours = true;
	if (stage == NULL || (strcmp(stage, "go-received") != 0 &&
	    strcmp(stage, "done") != 0)) {
		log_notice("domain %s: received before the hand-over when the "
		    "daemon stopped: destroying the copy", d->name);
		err_append(error, "the incoming copy is destroyed; the guest "
		    "stays on the source");
		dispatch_internal_domain("domain-destroy", d, NULL);
		return;
	}
	err_append(error, "after the hand-over: the leases decide");
	s = xcalloc(1, sizeof *s);
	snprintf(s->uuid, sizeof s->uuid, "%s", uuid_text);
	s->was_paused = arg_bool(extra, "paused", false);
	migrate_leases_from_journal(extra, uuid_text, &leases);
	lease_acquire(uuid_text, d->name, &leases, migrate_in_settled, s);
	lease_disks_clear(&leases);
}

