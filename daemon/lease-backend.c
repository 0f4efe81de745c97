/* What the backends share: the table, and the owner notes that let a
 * LeaseConflict name the domain and host holding a disk. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/lease-backend.h"
#include "daemon/lease-record.h"

static const struct lease_backend *const lease_backends[] = {
	&lease_backend_lockspace,
	&lease_backend_sanlock,
};

const struct lease_backend *lease_backend_find(const char *name)
{
	for (size_t i = 0; i < sizeof lease_backends / sizeof *lease_backends;
	    i++)
		if (strcmp(lease_backends[i]->name, name) == 0)
			return lease_backends[i];
	return NULL;
}

char *lease_owner_note(struct lease_holder_id *id, struct lease_held *l,
    size_t *len)
{
	struct lease_owner owner = {
		.disk = l->disk,
		.host = (char *)id->host,
		.domain = id->domain,
		.uuid = (char *)id->uuid,
		.pid = getpid(),
	};

	return lease_owner_format(&owner, len);
}

struct err *lease_conflict_from_note(const struct lease_held *l,
    const char *note, size_t len, const char *held_mode)
{
	struct lease_owner owner;
	struct err *e;

	if (note == NULL)
		return lease_conflict_new(l->disk, NULL, NULL, held_mode);
	e = lease_owner_parse(note, len, &owner);
	if (e != NULL) {
		/* being written, or not ours: the holder is unknown */
		err_free(e);
		return lease_conflict_new(l->disk, NULL, NULL, held_mode);
	}
	/* a note about another disk (a file copied or edited by hand) says
	 * nothing about who holds this one */
	if (strcmp(owner.disk, l->disk) != 0)
		e = lease_conflict_new(l->disk, NULL, NULL, held_mode);
	else
		e = lease_conflict_new(l->disk, owner.host, owner.domain,
		    held_mode);
	lease_owner_clear(&owner);
	return e;
}
