/* The lease backends, as the holder (lease-holder-state.c) drives them.  A
 * backend takes, converts and drops one disk's lease for the holder's
 * domain; the holder process owns whatever the backend holds (a locked
 * file description, a sanlock registration), so the leases live exactly
 * as long as the holder.  The daemon never calls a backend: it talks to
 * holders.  See doc/leases.md. */
#ifndef DAEMON_LEASE_BACKEND_H
#define DAEMON_LEASE_BACKEND_H

#include <stdbool.h>
#include <stddef.h>

#include "daemon/lease-disk.h"
#include "proto/err.h"

/* The identity a holder acts for, and where the leases live. */
struct lease_holder_id {
	const char *lockspace;		/* --lockspace DIR */
	const char *host;		/* this host's name, in owner notes */
	const char *uuid;		/* the domain's */
	char *domain;			/* its name (may change: rename) */
	int host_id;			/* sanlock: 1..2000 */
	int io_timeout;			/* sanlock: seconds; 0 its default */
	void *backend_state;		/* the backend's, for this holder */
};

/* One disk's lease in a holder. */
struct lease_held {
	char *disk;			/* canonical name */
	char key[LEASE_KEY_SIZE];
	enum lease_mode mode;
	int fd;				/* lockspace: the locked lease file */
	void *backend_data;		/* sanlock: its resource */
};

struct lease_backend {
	const char *name;
	/* Takes l->disk in l->mode.  LeaseConflict when another domain
	 * holds it; nothing is held after an error. */
	struct err *(*acquire)(struct lease_holder_id *id,
	    struct lease_held *l);
	/* Changes a held lease's mode; on error it stays held as it was. */
	struct err *(*convert)(struct lease_holder_id *id,
	    struct lease_held *l, enum lease_mode mode);
	/* Rewrites the owner note of an exclusive lease (a rename). */
	void (*note)(struct lease_holder_id *id, struct lease_held *l);
	void (*release)(struct lease_holder_id *id, struct lease_held *l);
};

extern const struct lease_backend lease_backend_lockspace;
extern const struct lease_backend lease_backend_sanlock;

/* What a backend or the holder has to say (lease-warn.c): the holder's
 * standard error, which it inherits from the daemon (a terminal, the
 * journal), and syslog, since what a holder says about leases outlives
 * the daemon.  Each line names the domain given to lease_warn_as. */
void lease_warn_as(const char *uuid);
void lease_holder_warn(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

/* By name ("lockspace", "sanlock"); NULL for any other. */
const struct lease_backend *lease_backend_find(const char *name);

/* sanlock: makes the lockspace DIR/xenlightd.lockspace if it does not
 * exist, and joins it with host_id (takes 2 io_timeouts, or more when the
 * host id was used before).  io_timeout: seconds, 0 for sanlock's 10.
 * Blocks: the holder program runs it (--join), never the daemon. */
struct err *lease_sanlock_join(const char *lockspace, int host_id,
    int io_timeout);

/* The owner note of an exclusive lease (both backends): what a
 * LeaseConflict names as the holder. */
char *lease_owner_note(struct lease_holder_id *id, struct lease_held *l,
    size_t *len);
/* LeaseConflict for l, naming the owner written in note (text, len) when
 * it is about the same disk; note may be NULL. */
struct err *lease_conflict_from_note(const struct lease_held *l,
    const char *note, size_t len, const char *held_mode);

#endif
