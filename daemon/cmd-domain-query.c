/* Domain queries: domain-list, domain-info, domain-config.  Always answered
 * at once, whatever jobs run. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "daemon/command.h"
#include "daemon/daemon.h"
#include "daemon/domain-config.h"
#include "daemon/domain-json.h"
#include "daemon/domain.h"
#include "daemon/job.h"
#include "daemon/log.h"
#include "daemon/request.h"
#include "daemon/server.h"
#include "proto/json-line.h"
#include "proto/json-text.h"
#include "proto/mem.h"

static const char *const domain_states[] = {
	"running", "blocked", "paused", "shutdown", "crashed", "dying",
	"shutoff", NULL
};

static const struct arg_spec domain_list_args[] = {
	{ "state", ARG_ENUM, false, 0, 0, domain_states,
	  "only domains in this state" },
	ARG_END
};

static void cmd_domain_list_run(struct request *req)
{
	const char *state = arg_string(req->args, "state");
	int n = 0;
	libxl_dominfo *list = libxl_list_domain(daemon_ctx, &n);
	const unsigned char *text;
	struct domain *d;
	size_t len;
	yajl_gen g;

	if (list == NULL) {
		request_fail(req, err_new(ERR_HYPERVISOR,
		    "cannot list the hypervisor's domains"));
		return;
	}
	domain_registry_sync(list, n);
	g = json_text_writer();
	yajl_gen_array_open(g);
	TAILQ_FOREACH(d, &domain_registry, entry) {
		const libxl_dominfo *info = NULL;

		if (domain_is_running(d)) {
			/* the list is sorted by domid */
			int lo = 0, hi = n - 1;

			while (lo <= hi) {
				int mid = (lo + hi) / 2;

				if (list[mid].domid == d->domid) {
					info = &list[mid];
					break;
				}
				if (list[mid].domid < d->domid)
					lo = mid + 1;
				else
					hi = mid - 1;
			}
		}
		if (state != NULL && strcmp(state, info ?
		    domain_state_name(info) : "shutoff") != 0)
			continue;
		domain_write_json(g, d, info);
	}
	yajl_gen_array_close(g);
	libxl_dominfo_list_free(list, n);
	yajl_gen_get_buf(g, &text, &len);
	request_reply_text(req, (const char *)text, len);
}

const struct command cmd_domain_list = {
	.name = "domain-list",
	.kind = COMMAND_QUERY,
	.args = domain_list_args,
	.run = cmd_domain_list_run,
	.help = "every domain, running or defined",
};

static const struct arg_spec domain_args[] = {
	{ "domain", ARG_DOMAIN, true, 0, 0, NULL, "name, UUID or domid" },
	ARG_END
};

static void cmd_domain_info_run(struct request *req)
{
	struct domain *d = req->domain;
	libxl_dominfo info;
	const unsigned char *text;
	size_t len;
	yajl_gen g;
	bool running;

	running = domain_fresh_info(d, &info);
	g = json_text_writer();
	domain_write_json(g, d, running ? &info : NULL);
	if (running)
		libxl_dominfo_dispose(&info);
	yajl_gen_get_buf(g, &text, &len);
	request_reply_text(req, (const char *)text, len);
}

const struct command cmd_domain_info = {
	.name = "domain-info",
	.kind = COMMAND_QUERY,
	.args = domain_args,
	.target = TARGET_DOMAIN,
	.run = cmd_domain_info_run,
	.help = "one domain's state, memory, vcpus and current job",
};

/* ------------------------------------------------------------------------
 * domain-config: the configuration libxl keeps for a running domain
 * (libxl_retrieve_domain_configuration, an asynchronous call that takes no
 * lock of ours), else the definition. */

struct config_query {
	struct request *req;
	struct domain *domain;
	libxl_domain_config config;
	libxl_asyncop_how how;
	struct event *done;
	int rc;
};

static json_object *config_to_json(libxl_domain_config *config,
    struct err **e)
{
	char *text = domain_config_to_json_line(daemon_ctx, config);
	json_object *obj;

	if (text == NULL) {
		*e = err_new(ERR_INTERNAL, "cannot serialise the configuration");
		return NULL;
	}
	obj = json_line_parse(text, strlen(text), e);
	free(text);
	return obj;
}

/* libxl's secrets in a configuration: the VNC and SPICE passwords
 * (libxl_vnc_info.passwd, libxl_spice_info.passwd). */
static bool config_key_is_secret(const char *key)
{
	return strcmp(key, "passwd") == 0 || strcmp(key, "password") == 0;
}

/* A read-only client (any local user) does not see them. */
static void config_redact(json_object *obj)
{
	if (json_object_is_type(obj, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(obj); i++)
			config_redact(json_object_array_get_idx(obj, i));
		return;
	}
	if (!json_object_is_type(obj, json_type_object))
		return;
	json_object_object_foreach(obj, key, value) {
		if (config_key_is_secret(key) && value != NULL)
			json_object_object_add(obj, key,
			    json_object_new_string("(redacted)"));
		else
			config_redact(value);
	}
}

static void config_reply(struct request *req, libxl_domain_config *config)
{
	struct err *e = NULL;
	json_object *obj = config_to_json(config, &e);

	if (obj == NULL) {
		request_fail(req, e);
		return;
	}
	if (req->conn != NULL && conn_is_read_only(req->conn))
		config_redact(obj);
	request_reply(req, obj);
}

static void config_query_finish(evutil_socket_t fd, short what, void *arg)
{
	struct config_query *q = arg;

	if (q->rc == 0)
		config_reply(q->req, &q->config);
	else if (q->domain->config != NULL)
		config_reply(q->req, q->domain->config);
	else
		request_fail(q->req, err_add_data(err_new(ERR_HYPERVISOR,
		    "cannot retrieve the configuration of '%s': libxl error %d",
		    q->domain->name, q->rc), "libxl_error",
		    json_object_new_int(q->rc)));
	libxl_domain_config_dispose(&q->config);
	event_free(q->done);
	domain_unref(q->domain);
	free(q);
}

static void config_query_done(libxl_ctx *ctx, int rc, void *for_callback)
{
	struct config_query *q = for_callback;

	/* possibly inside the initiator: finish from the loop */
	q->rc = rc;
	event_active(q->done, EV_TIMEOUT, 0);
}

static void cmd_domain_config_run(struct request *req)
{
	struct domain *d = req->domain;
	struct job *holder = job_holding(d);
	struct config_query *q;
	int rc;

	/* A long job may hold libxl's userdata lock for the domain; its
	 * configuration cannot change meanwhile, so ours is current. */
	if (!domain_is_running(d) || (d->config != NULL && holder != NULL &&
	    holder->command->kind == COMMAND_ASYNC)) {
		if (d->config == NULL)
			request_fail(req, err_new(ERR_OPERATION_INVALID,
			    "no configuration known for '%s'", d->name));
		else
			config_reply(req, d->config);
		return;
	}
	q = xcalloc(1, sizeof *q);
	q->req = req;
	q->domain = d;
	domain_ref(d);
	libxl_domain_config_init(&q->config);
	q->done = xcheck(event_new(daemon_base, -1, 0, config_query_finish, q));
	q->how.callback = config_query_done;
	q->how.u.for_callback = q;
	rc = libxl_retrieve_domain_configuration(daemon_ctx, d->domid,
	    &q->config, &q->how);
	if (rc != 0)
		config_query_done(daemon_ctx, rc, q);
}

const struct command cmd_domain_config = {
	.name = "domain-config",
	.kind = COMMAND_QUERY,
	.args = domain_args,
	.target = TARGET_DOMAIN,
	.run = cmd_domain_config_run,
	.help = "the libxl configuration of a domain, as JSON",
};
