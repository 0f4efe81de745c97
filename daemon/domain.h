/* The domain registry: every domain the daemon knows, running or only
 * defined, by name, UUID and domid; its state-change lock and job queue;
 * its death watch. */
#ifndef DAEMON_DOMAIN_H
#define DAEMON_DOMAIN_H

#include <stdbool.h>
#include <stdint.h>
#include <bsd/sys/queue.h>
#include <json-c/json.h>
#include <uthash.h>

#include "daemon/state-lock.h"
#include "daemon/store.h"
#include "daemon/xl-compat.h"
#include "proto/err.h"

struct job;
TAILQ_HEAD(job_queue, job);

struct domain {
	char name[65];
	libxl_uuid uuid;
	char uuid_text[37];
	uint32_t domid;			/* INVALID_DOMID when not running */
	bool persistent;		/* has a definition in the statedir */
	bool autostart;
	bool managed_save;		/* a managed-save image waits */
	bool registered;		/* in the registry (not yet removed) */
	/* started by this daemon: its on_poweroff/on_reboot/on_crash are
	 * ours to carry out (a domain xl started has xl's monitor for that) */
	bool ours;
	/* a restart destroys it and builds it again: its disk leases stay
	 * held in between (create.c) instead of going with the old domain */
	bool keep_leases;
	/* The definition of a persistent domain, or the configuration a
	 * transient one was started with (NULL for a domain adopted from
	 * another toolstack until it is fetched). */
	libxl_domain_config *config;
	struct state_lock lock;		/* the state-change lock (job.c) */
	struct job_queue watchers;	/* jobs waiting for state changes */
	struct job *destroyer;		/* the destroy job, while one runs */
	libxl_evgen_domain_death *death_watch;
	int shutdown_reason;		/* of the last DOMAIN_SHUTDOWN; -1 none */
	unsigned refs;
	unsigned seen_epoch;		/* domain_registry_refresh's mark */
	UT_hash_handle hh_name;
	UT_hash_handle hh_uuid;
	UT_hash_handle hh_domid;
	TAILQ_ENTRY(domain) entry;
};

TAILQ_HEAD(domain_list, domain);
extern struct domain_list domain_registry;

/* Loads the definitions and adopts what runs.  vanished(d) is called for a
 * running domain that is gone without a death event. */
int domain_registry_init(void (*vanished)(struct domain *d));
void domain_registry_free(void);
/* Adopts domains that appeared behind our back (started by xl) and
 * forgets the ones that vanished. */
void domain_registry_refresh(void);
/* The same from a list the caller already has (domain-list). */
void domain_registry_sync(const libxl_dominfo *list, int n);
unsigned domain_count(void);

struct domain *domain_find_name(const char *name);
struct domain *domain_find_uuid(const libxl_uuid *uuid);
struct domain *domain_find_domid(uint32_t domid);
/* The "domain" argument: a name, a UUID, or a domid (integer or decimal
 * string).  DomainNotFound when nothing matches. */
struct domain *domain_lookup(json_object *arg, struct err **err);

/* A new registry entry (not running).  The caller checked for clashes. */
struct domain *domain_add(const char *name, const libxl_uuid *uuid);
/* Drops a transient domain that stopped, once no job refers to it. */
void domain_forget_if_unused(struct domain *d);
void domain_ref(struct domain *d);
void domain_unref(struct domain *d);

/* The domain runs as domid: index it and watch for its death. */
void domain_set_running(struct domain *d, uint32_t domid);
/* It stopped: unindex the domid, stop watching. */
void domain_set_stopped(struct domain *d);
/* libxl reports a shutdown once per watch: after a guest resumes from a
 * suspend (a save that failed, or that kept it), watch afresh. */
void domain_rearm_death_watch(struct domain *d);
bool domain_is_running(const struct domain *d);
void domain_set_config(struct domain *d, libxl_domain_config *config);
int domain_rename(struct domain *d, const char *name);

/* The hypervisor's current view of a running domain (true), or nothing
 * (false: not running, or gone); info must be disposed of on true. */
bool domain_fresh_info(struct domain *d, libxl_dominfo *info);
const char *domain_state_name(const libxl_dominfo *info);
/* libxl's shutdown reasons as the protocol names them ("poweroff"...). */
const char *domain_shutdown_reason_name(int reason);
const char *domain_type_name(libxl_domain_type type);

/* Sends event name with data (taken, or NULL) to subscribers, with the
 * domain's "domain" and "domid" added. */
void domain_emit(struct domain *d, const char *name, json_object *data);

/* Its definition in the state directory (store.h), durably, off the loop;
 * done runs on the loop. */
void domain_save_definition(struct domain *d, store_done_fn *done, void *arg);
void domain_remove_definition(struct domain *d, store_done_fn *done,
    void *arg);
/* <statedir>/save/<uuid>.save */
char *domain_managed_save_path(const struct domain *d);

#endif
