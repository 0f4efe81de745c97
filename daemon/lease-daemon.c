/* Disk leases in xenlightd: the lease module configured from the daemon's
 * options, its holders started as helpers and reaped by the loop. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "daemon/daemon.h"
#include "daemon/helper.h"
#include "daemon/lease-daemon.h"
#include "daemon/lease.h"
#include "daemon/loop.h"
#include "proto/mem.h"

static int lease_daemon_spawn(char *const args[],
    const posix_spawn_file_actions_t *actions, pid_t *pid)
{
	return helper_spawn("xenlightd-lease-holder", args, actions, pid);
}

struct err *lease_daemon_init(void)
{
	struct lease_config cfg = {
		.base = daemon_base,
		.backend = (enum lease_backend_kind)options.lease_backend,
		.lockspace = options.lockspace,
		.host = daemon_hostname,
		.host_id = options.host_id,
		.spawn = lease_daemon_spawn,
		.watch_child = loop_child_watch,
	};
	char *records;
	struct err *e;

	xasprintf(&records, "%s/leases", options.rundir);
	cfg.records_dir = records;
	e = lease_init(&cfg);
	free(records);
	return e;
}
