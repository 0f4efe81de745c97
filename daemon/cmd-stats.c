/* domain-stats: cpu, per-vcpu, memory, block and network counters of one
 * domain or all (stats.h). */
#include "config.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
	struct stats_snapshot *snap;
	json_object *ret;
	struct err *e = NULL;

	snap = stats_snapshot(0, &e);
	if (snap == NULL) {
		request_fail(req, e);
		return;
	}
	if (only != NULL) {
		struct stats_domain *sd = stats_find(snap, only->domid);

		if (sd == NULL)
			request_fail(req, err_new(ERR_DOMAIN_NOT_FOUND,
			    "'%s' is gone", only->name));
		else
			request_reply(req, stats_domain_json(only, sd));
		return;
	}
	ret = json_object_new_array();
	TAILQ_FOREACH(d, &domain_registry, entry) {
		struct stats_domain *sd;

		if (!domain_is_running(d))
			continue;
		sd = stats_find(snap, d->domid);
		if (sd != NULL)
			json_object_array_add(ret, stats_domain_json(d, sd));
	}
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

