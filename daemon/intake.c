#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "daemon/daemon.h"
#include "daemon/domain.h"
#include "daemon/intake.h"
#include "daemon/job.h"
#include "daemon/lifecycle.h"
#include "daemon/log.h"

static void intake_shutdown(struct domain *d, int reason)
{
	const char *name = domain_shutdown_reason_name(reason);
	json_object *data = json_object_new_object();

	d->shutdown_reason = reason;
	log_info("domain %s (%u): shut down (%s)", d->name, d->domid, name);
	json_object_object_add(data, "reason", json_object_new_string(name));
	domain_emit(d, "DOMAIN_SHUTDOWN", data);
	job_notify_domain_changed(d);
	lifecycle_domain_shutdown(d, reason);
}

static void intake_event(void *user, libxl_event *ev)
{
	struct domain *d = domain_find_domid(ev->domid);

	switch (ev->type) {
	case LIBXL_EVENT_TYPE_DOMAIN_SHUTDOWN:
		if (d != NULL)
			intake_shutdown(d, ev->u.domain_shutdown.shutdown_reason);
		break;
	case LIBXL_EVENT_TYPE_DOMAIN_DEATH:
		if (d == NULL)
			break;
		log_info("domain %s (%u): gone", d->name, ev->domid);
		lifecycle_domain_gone(d);
		break;
	case LIBXL_EVENT_TYPE_DISK_EJECT:
		log_info("domain %u ejected a disk", ev->domid);
		break;
	default:
		log_debug("libxl event %s for domain %u",
		    libxl_event_type_to_string(ev->type), ev->domid);
		break;
	}
	libxl_event_free(daemon_ctx, ev);
}

static void intake_disaster(void *user, libxl_event_type type,
    const char *msg, int errnoval)
{
	/* libxl cannot go on (e.g. the xenstore connection broke): say so and
	 * let the supervisor restart us; the restart recovers the jobs */
	log_critical("libxl disaster (%s): %s%s%s",
	    libxl_event_type_to_string(type), msg, errnoval > 0 ? ": " : "",
	    errnoval > 0 ? strerror(errnoval) : "");
	exit(70);
}

static const libxl_event_hooks intake_hooks = {
	.event_occurs_mask = LIBXL_EVENTMASK_ALL,
	.event_occurs = intake_event,
	.disaster = intake_disaster,
};

int intake_attach(void)
{
	libxl_event_register_callbacks(daemon_ctx, &intake_hooks, NULL);
	return 0;
}
