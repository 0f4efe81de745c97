/* What the toolstack must do itself because libxl leaves it to us: act on
 * a guest's shutdown (on_poweroff, on_reboot, on_crash, on_watchdog),
 * notice a domain's end, start autostart domains. */
#ifndef DAEMON_LIFECYCLE_H
#define DAEMON_LIFECYCLE_H

#include <stdbool.h>
#include <json-c/json.h>

#include "daemon/xl-compat.h"
#include "proto/err.h"

struct domain;
struct request;

/* DOMAIN_SHUTDOWN from libxl: carry out the configured action. */
void lifecycle_domain_shutdown(struct domain *d, int reason);
/* The domain no longer exists (death event, destroy done, or vanished):
 * mark it stopped, tell subscribers and waiting jobs, once. */
void lifecycle_domain_gone(struct domain *d);
/* Daemon start: every persistent autostart domain that is not running. */
void lifecycle_autostart(void);
/* Destroys (if needed) and starts d again from its configuration. */
void lifecycle_restart(struct domain *d);

/* The end of a job that suspended its domain (a save, a migration) and
 * failed: libxl leaves the guest suspended, so it is resumed (and paused
 * again when repause, as it was before), then the job fails with e.  A
 * domain that is gone, not suspended, or being destroyed is left alone. */
struct job;
void lifecycle_fail_resuming(struct job *job, struct err *e, bool repause);

/* Shared by the commands that make domains (before any side effect): */
/* the "config" or "xl_config" argument, exactly one */
struct err *lifecycle_parse_config(json_object *args, libxl_domain_config *out);
/* the new domain's name and UUID are free (a nil UUID gets generated) */
struct err *lifecycle_claim_identity(libxl_domain_config *config);
/* the host has the memory the domain needs */
struct err *lifecycle_check_memory(libxl_domain_config *config);

/* Restart recovery of an interrupted create/start/restore: a half-built
 * domain is destroyed. */
void lifecycle_recover_create(json_object *record, struct err *error);
/* ... of an interrupted save or dump: a domain left suspended or paused by
 * it is resumed (unpaused). */
void lifecycle_recover_suspended(json_object *record);
/* Adds to an interrupted job's error what recovery did or found. */
void lifecycle_recover_note(struct err *error, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
