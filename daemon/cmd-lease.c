/* Disk leases: lease-list, the leases this host's domains hold or miss
 * (doc/leases.md).  Taking and releasing them is the engines' work
 * (create.c, lifecycle.c) and the hot-plug commands'. */
#include "config.h"

#include "daemon/command.h"
#include "daemon/lease.h"
#include "daemon/request.h"

static const struct arg_spec no_args[] = { ARG_END };

static void cmd_lease_list_run(struct request *req)
{
	request_reply(req, lease_list_json());
}

const struct command cmd_lease_list = {
	.name = "lease-list",
	.kind = COMMAND_QUERY,
	.args = no_args,
	.run = cmd_lease_list_run,
	.help = "the disk leases of this host's domains: held, pending or lost",
};
