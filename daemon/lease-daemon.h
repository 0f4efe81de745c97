/* Disk leases in xenlightd: lease_init() from the options (--lease-backend,
 * --lockspace, --host-id), holders in <rundir>/leases, started with
 * helper_spawn() and reaped by the loop. */
#ifndef DAEMON_LEASE_DAEMON_H
#define DAEMON_LEASE_DAEMON_H

#include "proto/err.h"

/* After the loop exists (daemon_base) and before any domain is built. */
struct err *lease_daemon_init(void);

#endif
