#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/daemon.h"
#include "daemon/domain.h"
#include "daemon/event.h"
#include "daemon/log.h"
#include "daemon/store.h"
#include "proto/mem.h"
#include "proto/schema.h"

struct domain_list domain_registry = TAILQ_HEAD_INITIALIZER(domain_registry);
static struct domain *by_name, *by_uuid, *by_domid;
static unsigned registry_count;
static void (*registry_vanished)(struct domain *d);

unsigned domain_count(void)
{
	return registry_count;
}

struct domain *domain_find_name(const char *name)
{
	struct domain *d;

	HASH_FIND(hh_name, by_name, name, strlen(name), d);
	return d;
}

struct domain *domain_find_uuid(const libxl_uuid *uuid)
{
	struct domain *d;

	HASH_FIND(hh_uuid, by_uuid, uuid, sizeof *uuid, d);
	return d;
}

struct domain *domain_find_domid(uint32_t domid)
{
	struct domain *d;

	HASH_FIND(hh_domid, by_domid, &domid, sizeof domid, d);
	return d;
}

static struct domain *domain_lookup_once(json_object *arg)
{
	const char *text;
	libxl_uuid uuid;

	if (json_object_is_type(arg, json_type_int))
		return domain_find_domid((uint32_t)json_object_get_int64(arg));
	text = json_object_get_string(arg);
	if (schema_valid_uuid(text)) {
		if (libxl_uuid_from_string(&uuid, text) != 0)
			return NULL;
		return domain_find_uuid(&uuid);
	}
	if (isdigit((unsigned char)text[0]) && strspn(text, "0123456789") ==
	    strlen(text))
		return domain_find_domid((uint32_t)strtoul(text, NULL, 10));
	return domain_find_name(text);
}

struct domain *domain_lookup(json_object *arg, struct err **err)
{
	struct domain *d = domain_lookup_once(arg);

	if (d == NULL) {
		/* maybe started behind our back (xl create) */
		domain_registry_refresh();
		d = domain_lookup_once(arg);
	}
	if (d == NULL)
		*err = err_new(ERR_DOMAIN_NOT_FOUND, "no domain '%.*s'",
		    err_quote_len(json_object_get_string(arg), 80),
		    json_object_get_string(arg));
	return d;
}

struct domain *domain_add(const char *name, const libxl_uuid *uuid)
{
	struct domain *d = xcalloc(1, sizeof *d);

	snprintf(d->name, sizeof d->name, "%s", name);
	libxl_uuid_copy(daemon_ctx, &d->uuid, uuid);
	snprintf(d->uuid_text, sizeof d->uuid_text, LIBXL_UUID_FMT,
	    LIBXL_UUID_BYTES(d->uuid));
	d->domid = DOMID_NONE;
	d->shutdown_reason = -1;
	d->registered = true;
	d->refs = 1;			/* the registry's */
	state_lock_init(&d->lock, daemon_base, UINT_MAX);
	TAILQ_INIT(&d->watchers);
	HASH_ADD(hh_name, by_name, name[0], strlen(d->name), d);
	HASH_ADD(hh_uuid, by_uuid, uuid, sizeof d->uuid, d);
	TAILQ_INSERT_TAIL(&domain_registry, d, entry);
	registry_count++;
	return d;
}

void domain_ref(struct domain *d)
{
	d->refs++;
}

static void domain_free(struct domain *d)
{
	if (d->config != NULL) {
		libxl_domain_config_dispose(d->config);
		free(d->config);
	}
	free(d);
}

void domain_unref(struct domain *d)
{
	if (--d->refs == 0)
		domain_free(d);
}

static void domain_unregister(struct domain *d)
{
	if (domain_is_running(d))
		domain_set_stopped(d);
	HASH_DELETE(hh_name, by_name, d);
	HASH_DELETE(hh_uuid, by_uuid, d);
	TAILQ_REMOVE(&domain_registry, d, entry);
	registry_count--;
	d->registered = false;
	domain_unref(d);
}

void domain_forget_if_unused(struct domain *d)
{
	if (!d->registered || d->persistent || domain_is_running(d) ||
	    state_lock_busy(&d->lock) || !TAILQ_EMPTY(&d->watchers) ||
	    d->destroyer != NULL || d->managed_save)
		return;
	log_debug("domain %s: forgotten (transient, stopped)", d->name);
	domain_unregister(d);
}

bool domain_is_running(const struct domain *d)
{
	return d->domid != DOMID_NONE;
}

void domain_set_running(struct domain *d, uint32_t domid)
{
	int rc;

	if (d->domid == domid)
		return;
	if (domain_is_running(d))
		domain_set_stopped(d);
	d->domid = domid;
	d->shutdown_reason = -1;
	HASH_ADD(hh_domid, by_domid, domid, sizeof d->domid, d);
	if (domid == 0)
		return;		/* Domain-0 does not die while we live */
	if (d->ours && !d->persistent)
		store_transient_write(d->uuid_text, d->name, d->config);
	rc = libxl_evenable_domain_death(daemon_ctx, domid, domid,
	    &d->death_watch);
	if (rc != 0) {
		log_error("domain %s: cannot watch for its death (libxl error "
		    "%d)", d->name, rc);
		d->death_watch = NULL;
	}
}

void domain_set_stopped(struct domain *d)
{
	if (!domain_is_running(d))
		return;
	if (d->death_watch != NULL)
		libxl_evdisable_domain_death(daemon_ctx, d->death_watch);
	d->death_watch = NULL;
	HASH_DELETE(hh_domid, by_domid, d);
	d->domid = DOMID_NONE;
	if (d->ours && !d->persistent)
		store_transient_remove(d->uuid_text);
}

void domain_rearm_death_watch(struct domain *d)
{
	if (!domain_is_running(d) || d->domid == 0)
		return;
	if (d->death_watch != NULL)
		libxl_evdisable_domain_death(daemon_ctx, d->death_watch);
	d->death_watch = NULL;
	d->shutdown_reason = -1;
	if (libxl_evenable_domain_death(daemon_ctx, d->domid, d->domid,
	    &d->death_watch) != 0) {
		log_error("domain %s: cannot watch for its death", d->name);
		d->death_watch = NULL;
	}
}

void domain_set_config(struct domain *d, libxl_domain_config *config)
{
	if (d->config != NULL) {
		libxl_domain_config_dispose(d->config);
		free(d->config);
	}
	d->config = config;
}

int domain_rename(struct domain *d, const char *name)
{
	if (domain_find_name(name) != NULL)
		return -EEXIST;
	HASH_DELETE(hh_name, by_name, d);
	snprintf(d->name, sizeof d->name, "%s", name);
	HASH_ADD(hh_name, by_name, name[0], strlen(d->name), d);
	if (d->config != NULL) {
		free(d->config->c_info.name);
		d->config->c_info.name = xstrdup(name);
	}
	return 0;
}

/* ------------------------------------------------------------------------
 * Domain objects */

const char *domain_state_name(const libxl_dominfo *info)
{
	if (info->dying)
		return "dying";
	if (info->shutdown)
		return info->shutdown_reason == LIBXL_SHUTDOWN_REASON_CRASH ?
		    "crashed" : "shutdown";
	if (info->paused)
		return "paused";
	if (info->blocked)
		return "blocked";
	return "running";
}

const char *domain_shutdown_reason_name(int reason)
{
	switch (reason) {
	case LIBXL_SHUTDOWN_REASON_POWEROFF:
		return "poweroff";
	case LIBXL_SHUTDOWN_REASON_REBOOT:
		return "reboot";
	case LIBXL_SHUTDOWN_REASON_SUSPEND:
		return "suspend";
	case LIBXL_SHUTDOWN_REASON_CRASH:
		return "crash";
	case LIBXL_SHUTDOWN_REASON_WATCHDOG:
		return "watchdog";
	case LIBXL_SHUTDOWN_REASON_SOFT_RESET:
		return "soft_reset";
	default:
		return "unknown";
	}
}

const char *domain_type_name(libxl_domain_type type)
{
	switch (type) {
	case LIBXL_DOMAIN_TYPE_PV:
		return "pv";
	case LIBXL_DOMAIN_TYPE_PVH:
		return "pvh";
	case LIBXL_DOMAIN_TYPE_HVM:
		return "hvm";
	default:
		return NULL;
	}
}

bool domain_fresh_info(struct domain *d, libxl_dominfo *info)
{
	libxl_dominfo_init(info);
	if (domain_is_running(d) &&
	    libxl_domain_info(daemon_ctx, info, d->domid) == 0)
		return true;
	/* not running, or gone: the death event is on its way */
	libxl_dominfo_dispose(info);
	return false;
}

void domain_emit(struct domain *d, const char *name, json_object *data)
{
	if (data == NULL)
		data = json_object_new_object();
	json_object_object_add(data, "domain", json_object_new_string(d->name));
	json_object_object_add(data, "domid", domain_is_running(d) ?
	    json_object_new_int64(d->domid) : NULL);
	event_emit(name, d->name, data);
}

void domain_save_definition(struct domain *d, store_done_fn *done, void *arg)
{
	store_save_definition(d->uuid_text, d->name, d->autostart, d->config,
	    done, arg);
}

void domain_remove_definition(struct domain *d, store_done_fn *done,
    void *arg)
{
	store_remove_definition(d->uuid_text, done, arg);
}

char *domain_managed_save_path(const struct domain *d)
{
	return store_managed_save_path(d->uuid_text);
}

/* ------------------------------------------------------------------------
 * Registry life */

static struct domain *domain_adopt(const libxl_dominfo *info)
{
	char *name = libxl_domid_to_name(daemon_ctx, info->domid);
	char fallback[80];
	struct domain *d;

	if (name == NULL || !schema_valid_domain_name(name) ||
	    domain_find_name(name) != NULL) {
		/* unnamed, or its name is taken by one of our definitions */
		snprintf(fallback, sizeof fallback, "%s-%" PRIu32,
		    name != NULL && strlen(name) < 50 ? name : "domain",
		    info->domid);
		log_warning("domain %" PRIu32 " ('%s') adopted as '%s'",
		    info->domid, name ? name : "", fallback);
		free(name);
		name = xstrdup(fallback);
		if (!schema_valid_domain_name(name) ||
		    domain_find_name(name) != NULL) {
			free(name);
			return NULL;
		}
	}
	d = domain_add(name, &info->uuid);
	free(name);
	domain_set_running(d, info->domid);
	log_info("domain %s (%" PRIu32 "): adopted", d->name, info->domid);
	return d;
}

void domain_registry_refresh(void)
{
	int n = 0;
	libxl_dominfo *list = libxl_list_domain(daemon_ctx, &n);

	if (list == NULL) {
		log_error("cannot list domains");
		return;
	}
	domain_registry_sync(list, n);
	libxl_dominfo_list_free(list, n);
}

void domain_registry_sync(const libxl_dominfo *list, int n)
{
	struct domain *d, *next;
	static unsigned epoch;

	epoch++;
	for (int i = 0; i < n; i++) {
		d = domain_find_domid(list[i].domid);
		if (d != NULL) {
			d->seen_epoch = epoch;
			continue;
		}
		d = domain_find_uuid(&list[i].uuid);
		if (d != NULL) {
			/* one of ours, being built by a job that will set it
			 * running, or started by another toolstack */
			if (d->lock.holder == NULL && !domain_is_running(d))
				domain_set_running(d, list[i].domid);
			d->seen_epoch = epoch;
			continue;
		}
		d = domain_adopt(&list[i]);
		if (d != NULL)
			d->seen_epoch = epoch;
	}
	/* running domains that vanished without a death event */
	TAILQ_FOREACH_SAFE(d, &domain_registry, entry, next) {
		if (!domain_is_running(d) || d->seen_epoch == epoch)
			continue;
		log_notice("domain %s (%" PRIu32 "): gone", d->name, d->domid);
		registry_vanished(d);
	}
}

static void domain_load_definition(const char *name, const libxl_uuid *uuid,
    bool autostart, libxl_domain_config *config, void *arg)
{
	struct domain *d;
	char *image;

	if (domain_find_name(name) != NULL || domain_find_uuid(uuid) != NULL) {
		log_error("definition of '%s' clashes with another; ignored",
		    name);
		libxl_domain_config_dispose(config);
		free(config);
		return;
	}
	d = domain_add(name, uuid);
	d->persistent = true;
	d->autostart = autostart;
	domain_set_config(d, config);
	image = store_managed_save_path(d->uuid_text);
	d->managed_save = (access(image, F_OK) == 0);
	free(image);
}

/* A transient domain this daemon started before a restart: ours again, if
 * it still runs. */
static void domain_load_transient(const libxl_uuid *uuid,
    libxl_domain_config *config, void *arg)
{
	struct domain *d = domain_find_uuid(uuid);

	if (d == NULL || !domain_is_running(d) || d->persistent) {
		char uuid_text[37];

		/* its record outlived it */
		snprintf(uuid_text, sizeof uuid_text, LIBXL_UUID_FMT,
		    LIBXL_UUID_BYTES(*uuid));
		store_transient_remove(uuid_text);
		libxl_domain_config_dispose(config);
		free(config);
		return;
	}
	d->ours = true;
	if (d->config == NULL)
		domain_set_config(d, config);
	else {
		libxl_domain_config_dispose(config);
		free(config);
	}
	log_info("domain %s (%" PRIu32 "): ours, started before the restart",
	    d->name, d->domid);
}

int domain_registry_init(void (*vanished)(struct domain *d))
{
	struct domain *d;

	registry_vanished = vanished;
	store_load_definitions(domain_load_definition, NULL);
	domain_registry_refresh();
	store_transient_load(domain_load_transient, NULL);
	/* our persistent domains are ours whoever started them */
	TAILQ_FOREACH(d, &domain_registry, entry)
		if (d->persistent)
			d->ours = true;
	log_info("%u domain(s) known", registry_count);
	return 0;
}

void domain_registry_free(void)
{
	struct domain *d;

	while ((d = TAILQ_FIRST(&domain_registry)) != NULL)
		domain_unregister(d);
}
