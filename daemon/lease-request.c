/* What callers ask of a domain's leases (lease.h): each a request, queued
 * behind the domain's others to its holder (lease-queue.c). */
#include "config.h"

#include <stdlib.h>

#include "daemon/lease-int.h"
#include "proto/mem.h"
#include "proto/schema.h"

static void lease_disabled(lease_done_fn *done, void *arg)
{
	lease_req_complete(lease_req_new(LEASE_OP_LIST, done, arg), NULL);
}

/* The holder takes only what these say a domain is. */
static bool check_domain(const char *uuid, const char *domain,
    lease_done_fn *done, void *arg)
{
	if (schema_valid_uuid(uuid) && (domain == NULL ||
	    schema_valid_domain_name(domain)))
		return true;
	lease_req_complete(lease_req_new(LEASE_OP_LIST, done, arg),
	    err_new(ERR_INVALID_ARGUMENT, "lease: '%.*s' '%.*s' is not a "
	    "domain's UUID and name", err_quote_len(uuid, 40), uuid,
	    err_quote_len(domain ? domain : "", 80), domain ? domain : ""));
	return false;
}

/* A change that takes leases: queued behind the domain's others. */
static void lease_take(enum lease_op op, const char *uuid, const char *domain,
    const struct lease_disks *disks, lease_done_fn *done, void *arg)
{
	struct lease_req *r;

	if (!lease_enabled()) {
		lease_disabled(done, arg);
		return;
	}
	if (!check_domain(uuid, domain, done, arg))
		return;
	r = lease_req_new(op, done, arg);
	lease_disks_copy(&r->wire.disks, disks);
	lease_dom_enqueue(lease_dom_get(uuid, domain), r);
}

void lease_acquire(const char *uuid, const char *domain,
    const struct lease_disks *disks, lease_done_fn *done, void *arg)
{
	lease_take(LEASE_OP_SET, uuid, domain, disks, done, arg);
}

void lease_add_disk(const char *uuid, const char *domain,
    const struct lease_disk *disk, lease_done_fn *done, void *arg)
{
	struct lease_disk one = { .path = disk->path, .mode = disk->mode };
	struct lease_disks list = { .v = &one, .n = 1 };

	lease_take(LEASE_OP_ADD, uuid, domain, &list, done, arg);
}

void lease_remove_disk(const char *uuid, const char *path,
    lease_done_fn *done, void *arg)
{
	struct lease_dom *d;
	struct lease_req *r;

	if (!lease_enabled() || (d = lease_dom_find(uuid)) == NULL) {
		lease_disabled(done, arg);
		return;
	}
	r = lease_req_new(LEASE_OP_REMOVE, done, arg);
	lease_disks_add(&r->wire.disks, path, NULL, LEASE_SHARED);
	lease_dom_enqueue(d, r);
}

void lease_release(const char *uuid, lease_done_fn *done, void *arg)
{
	struct lease_dom *d;

	if (!lease_enabled() || (d = lease_dom_find(uuid)) == NULL) {
		lease_disabled(done, arg);
		return;
	}
	lease_dom_enqueue(d, lease_req_new(LEASE_OP_RELEASE, done, arg));
}

void lease_rename(const char *uuid, const char *domain)
{
	struct lease_dom *d;
	struct lease_req *r;

	if (!lease_enabled() || (d = lease_dom_find(uuid)) == NULL ||
	    !schema_valid_domain_name(domain))
		return;
	free(d->name);
	d->name = xstrdup(domain);
	r = lease_req_new(LEASE_OP_DOMAIN, NULL, NULL);
	r->wire.domain = xstrdup(domain);
	lease_dom_enqueue(d, r);
}
