/* What the toolstack must do itself because libxl leaves it to us: act on
 * a guest's shutdown (on_poweroff, on_reboot, on_crash, on_watchdog),
 * notice a domain's end, start autostart domains, resume a guest that a
 * failed save or migration left suspended.  The actions are the daemon's
 * own requests through the command table (dispatch_internal). */
#ifndef DAEMON_LIFECYCLE_H
#define DAEMON_LIFECYCLE_H

#include <stdbool.h>
#include <json-c/json.h>

#include "proto/err.h"

struct domain;
struct job;

/* DOMAIN_SHUTDOWN from libxl: carry out the configured action. */
void lifecycle_domain_shutdown(struct domain *d, int reason);
/* The domain no longer exists (death event, destroy done, or vanished):
 * mark it stopped, tell subscribers and waiting jobs, once. */
void lifecycle_domain_gone(struct domain *d);
/* Daemon start, once the running domains are known and before the jobs'
 * recovery: their disk leases are adopted (or taken again), and those of
 * domains that are gone released (lease_recover). */
void lifecycle_recover_leases(void);
/* lifecycle_domain_gone for a job that ended the domain (destroy, save,
 * crash dump): next(job, 0) runs once its disk leases are free, so that
 * whoever hears that the job ended may use the disks, here or on another
 * host. */
void lifecycle_domain_gone_job(struct job *job, void (*next)(struct job *,
    int));
/* Daemon start: every persistent autostart domain that is not running. */
void lifecycle_autostart(void);
/* Destroys (if needed) and starts d again from its configuration. */
void lifecycle_restart(struct domain *d);

/* The end of a job that suspended its domain (a save, a migration) and
 * failed: libxl leaves the guest suspended, so it is resumed (and paused
 * again when repause, as it was before), then the job fails with e.  A
 * domain that is gone, not suspended, or being destroyed is left alone. */
void lifecycle_fail_resuming(struct job *job, struct err *e, bool repause);

/* Restart recovery of an interrupted save or dump: a domain left
 * suspended or paused by it is resumed (unpaused). */
void lifecycle_recover_suspended(json_object *record);

#endif
