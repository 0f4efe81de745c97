/* Event subscription: subscribe, unsubscribe. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "daemon/command.h"
#include "daemon/domain-json.h"
#include "daemon/domain.h"
#include "daemon/event.h"
#include "daemon/job.h"
#include "daemon/request.h"
#include "proto/mem.h"

/* What a subscriber that lost events carries on from: the state of every
 * domain it watches, and the jobs that hold them. */
static void subscribe_snapshot(struct conn *c, json_object *data)
{
	json_object *domains = json_object_new_array();
	json_object *jobs = json_object_new_array();
	struct domain *d;

	TAILQ_FOREACH(d, &domain_registry, entry) {
		struct job *holder;

		if (!event_wants_domain(c, d->name))
			continue;
		json_object_array_add(domains, domain_info_json(d));
		if ((holder = job_holding(d)) != NULL)
			json_object_array_add(jobs, job_to_json(holder));
	}
	json_object_object_add(data, "domains", domains);
	json_object_object_add(data, "jobs", jobs);
}

/* A domain filter as a name glob: a domid (integer or decimal string) or
 * a UUID means that domain, by its current name. */
static char *subscribe_domain_filter(json_object *item)
{
	const char *text = json_object_get_string(item);
	struct domain *d = NULL;
	libxl_uuid uuid;

	if (json_object_is_type(item, json_type_string) &&
	    strspn(text, "0123456789") != strlen(text)) {
		if (libxl_uuid_from_string(&uuid, text) == 0)
			d = domain_find_uuid(&uuid);
		return xstrdup(d != NULL ? d->name : text);
	}
	d = domain_find_domid((uint32_t)strtoul(text, NULL, 10));
	return xstrdup(d != NULL ? d->name : "");
}

static const struct arg_spec subscribe_args[] = {
	{ "events", ARG_STRING_LIST, false, 0, 0, NULL,
	  "event name globs, e.g. [\"DOMAIN_*\"] (default: all)" },
	{ "domains", ARG_ARRAY, false, 0, 0, NULL,
	  "domain names (globs), UUIDs or domids (default: all)" },
	ARG_END
};

static void subscribe_run(struct request *req)
{
	json_object *events = json_object_object_get(req->args, "events");
	json_object *domains = json_object_object_get(req->args, "domains");
	size_t nevents = events ? json_object_array_length(events) : 0;
	size_t ndomains = domains ? json_object_array_length(domains) : 0;
	const char **event_list = NULL;
	char **domain_list = NULL;
	struct err *e = NULL;

	for (size_t i = 0; i < ndomains && e == NULL; i++) {
		json_object *item = json_object_array_get_idx(domains, i);

		if (!json_object_is_type(item, json_type_string) &&
		    !json_object_is_type(item, json_type_int))
			e = err_new(ERR_INVALID_ARGUMENT,
			    "'domains' holds names, UUIDs or domids");
	}
	if (e == NULL && events != NULL) {
		event_list = xcalloc(nevents + 1, sizeof *event_list);
		for (size_t i = 0; i < nevents; i++)
			event_list[i] = json_object_get_string(
			    json_object_array_get_idx(events, i));
	}
	if (e == NULL && domains != NULL) {
		domain_list = xcalloc(ndomains + 1, sizeof *domain_list);
		for (size_t i = 0; i < ndomains; i++)
			domain_list[i] = subscribe_domain_filter(
			    json_object_array_get_idx(domains, i));
	}
	if (e == NULL)
		e = event_subscribe(req->conn, event_list, nevents,
		    (const char *const *)domain_list, ndomains,
		    subscribe_snapshot);
	for (size_t i = 0; domain_list != NULL && i < ndomains; i++)
		free(domain_list[i]);
	free(domain_list);
	free(event_list);
	if (e != NULL)
		request_fail(req, e);
	else
		request_reply(req, NULL);
}

const struct command cmd_subscribe = {
	.name = "subscribe",
	.kind = COMMAND_QUERY,
	.args = subscribe_args,
	.run = subscribe_run,
	.help = "start receiving events on this connection",
};

static const struct arg_spec no_args[] = { ARG_END };

static void unsubscribe_run(struct request *req)
{
	event_unsubscribe(req->conn);
	request_reply(req, NULL);
}

const struct command cmd_unsubscribe = {
	.name = "unsubscribe",
	.kind = COMMAND_QUERY,
	.args = no_args,
	.run = unsubscribe_run,
	.help = "stop receiving events",
};
