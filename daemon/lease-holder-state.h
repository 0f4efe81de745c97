/* What a lease holder holds (lease-holder-state.c), for its program
 * (lease-holder.c): the requests that change it, and its record.  The
 * program parses its options into holder_id and holder_backend and sets
 * holder_record_path; after that, only the requests change them. */
#ifndef DAEMON_LEASE_HOLDER_STATE_H
#define DAEMON_LEASE_HOLDER_STATE_H

#include <stdbool.h>
#include <stddef.h>

#include "daemon/lease-backend.h"
#include "daemon/lease-disk.h"
#include "proto/err.h"

extern const struct lease_backend *holder_backend;
extern struct lease_holder_id holder_id;
extern char *holder_record_path;
/* The domain's disks as it names them, each with its canonical disk and
 * the mode of that disk's lease: what every answer lists */
extern struct lease_disks holder_names;
/* how many disks' leases are held: none, and the holder exits */
extern size_t holder_nheld;

/* Runs one request line, rewriting the record when it changed what is
 * held.  started: the daemon that started us has had our first answer;
 * before that, a request that fails leaves nothing held. */
struct err *holder_run(const char *line, size_t len, bool started);
void holder_release_all(void);

#endif
