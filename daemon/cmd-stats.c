/* domain-stats: cpu, per-vcpu, memory, block and network counters of one
 * domain or all (stats.h). */
#include "config.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xenstat.h>

#include "daemon/command.h"
#include "daemon/daemon.h"
#include "daemon/domain.h"
#include "daemon/log.h"
#include "daemon/request.h"
#include "daemon/stats.h"

static const struct arg_spec domain_stats_args[] = {
	{ "domain", ARG_DOMAIN, false, 0, 0, NULL,
	  "one domain (default: every running domain)" },
	ARG_END
};

static void cmd_domain_stats_run(struct request *req)
{
	struct domain *only = req->domain, *d;
	xenstat_node *node;
	json_object *ret;
	struct err *e = NULL;

	node = stats_collect(&e);
	if (node == NULL) {
		request_fail(req, e);
		return;
	}
	if (only != NULL) {
		xenstat_domain *xd = xenstat_node_domain(node, only->domid);

		if (xd == NULL)
			request_fail(req, err_new(ERR_DOMAIN_NOT_FOUND,
			    "'%s' is gone", only->name));
		else
			request_reply(req, stats_domain_json(only, xd));
		xenstat_free_node(node);
		return;
	}
	ret = json_object_new_array();
	TAILQ_FOREACH(d, &domain_registry, entry) {
		xenstat_domain *xd;

		if (!domain_is_running(d))
			continue;
		xd = xenstat_node_domain(node, d->domid);
		if (xd != NULL)
			json_object_array_add(ret, stats_domain_json(d, xd));
	}
	xenstat_free_node(node);
	request_reply(req, ret);
}

const struct command cmd_domain_stats = {
	.name = "domain-stats",
	.kind = COMMAND_QUERY,
	.args = domain_stats_args,
	.target = TARGET_DOMAIN_OPTIONAL,
	.target_flags = TARGET_RUNNING_NOW,
	.run = cmd_domain_stats_run,
	.help = "cpu, vcpu, memory, block and network counters",
};

