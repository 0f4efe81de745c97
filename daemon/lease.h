/* Disk leases, the daemon's side (doc/leases.md).  Each running domain's
 * leases are held by a process of its own, xenlightd-lease-holder, which
 * outlives the daemon; this module starts holders, talks to them over
 * their control sockets from the loop (never blocking: every answer comes
 * back through an event, with a timeout), finds them again after a
 * restart, and keeps the table that lease-list and domain-info show.
 *
 * Every function that takes a done callback calls it later, from the
 * loop, never from inside the call; done gets NULL or an error it owns:
 * LeaseConflict (data: disk, holder {host, domain}), InvalidArgument (a
 * disk that cannot be resolved), IOError (the lease storage failed, or a
 * holder did not answer in time), Internal (a holder could not start).
 *
 * Wiring: main.c calls lease_daemon_init() (lease-daemon.c) after the
 * loop exists and lease_recover() once the running domains are known;
 * every build takes lease_acquire() first and releases on failure; a
 * domain that goes calls lease_release(); hot-plug calls
 * lease_add_disk() / lease_remove_disk(). */
#ifndef DAEMON_LEASE_H
#define DAEMON_LEASE_H

#include <spawn.h>
#include <stdbool.h>
#include <sys/types.h>

#include <json-c/json.h>

#include "daemon/lease-disk.h"
#include "proto/err.h"

struct event_base;

enum lease_backend_kind {
	LEASE_BACKEND_NONE,
	LEASE_BACKEND_LOCKSPACE,
	LEASE_BACKEND_SANLOCK,
};

bool lease_backend_kind_parse(const char *name, enum lease_backend_kind *out);
const char *lease_backend_kind_name(enum lease_backend_kind kind);

/* How holders are started and reaped: in the daemon, helper_spawn() and
 * loop_child_watch(); a test brings its own. */
typedef int lease_spawn_fn(char *const args[],
    const posix_spawn_file_actions_t *actions, pid_t *pid);
typedef void lease_child_fn(pid_t pid, int status, void *arg);
typedef void lease_watch_fn(pid_t pid, lease_child_fn *fn, void *arg);

struct lease_config {
	struct event_base *base;
	enum lease_backend_kind backend;
	const char *records_dir;	/* <rundir>/leases: holders' records */
	const char *lockspace;		/* --lockspace DIR */
	const char *host;		/* this host's name */
	int host_id;			/* sanlock: --host-id, 1..2000 */
	int sanlock_io_timeout;		/* seconds, 1..255; 0: sanlock's */
	int timeout_ms;			/* one holder request; 0: default */
	int retry_ms;			/* re-taking lost leases; 0: default */
	lease_spawn_fn *spawn;
	lease_watch_fn *watch_child;
};

/* The default time a holder has to answer: the lockspace's locks are
 * quick, unless its file system hangs; sanlock's first acquire waits for
 * the host to join the lockspace (~20 s). */
#define LEASE_TIMEOUT_LOCKSPACE_MS 30000
#define LEASE_TIMEOUT_SANLOCK_MS 120000
#define LEASE_RETRY_MS 30000

/* Copies cfg; makes records_dir.  With sanlock, starts joining the
 * lockspace in the background. */
struct err *lease_init(const struct lease_config *cfg);
/* Forgets every holder without touching it: their leases stay held (the
 * next daemon adopts them).  Callbacks still pending get Aborted. */
void lease_shutdown(void);
bool lease_enabled(void);

typedef void lease_done_fn(struct err *e, void *arg);

/* Makes domain uuid hold exactly the leases disks need (paths as the
 * domain's configuration names them): the missing ones are taken, all or
 * nothing, before any build; leases it held and no longer needs are then
 * dropped.  Nothing changes on error. */
void lease_acquire(const char *uuid, const char *domain,
    const struct lease_disks *disks, lease_done_fn *done, void *arg);
/* Hot-plug: one more disk, or one fewer (done may be NULL). */
void lease_add_disk(const char *uuid, const char *domain,
    const struct lease_disk *disk, lease_done_fn *done, void *arg);
void lease_remove_disk(const char *uuid, const char *path,
    lease_done_fn *done, void *arg);
/* The domain went (destroyed, shut down, saved, migrated away): its
 * leases are dropped.  done may be NULL. */
void lease_release(const char *uuid, lease_done_fn *done, void *arg);
/* The domain was renamed: the owner notes follow. */
void lease_rename(const char *uuid, const char *domain);

/* A running domain, as lease_recover() needs it. */
struct lease_running {
	const char *uuid;
	const char *domain;
	const struct lease_disks *disks;
};

/* At daemon start: the holders of running domains are adopted and take
 * what their domain needs and they miss; holders of domains that are gone
 * release and exit; stale records are removed; a running domain without a
 * holder gets one.  A running domain whose lease cannot be had (held
 * elsewhere now) is never stopped: it is logged critically, shown as
 * "lost" by lease-list, and retried every retry_ms.  done (may be NULL)
 * runs when all of that was tried. */
void lease_recover(const struct lease_running *running, size_t n,
    lease_done_fn *done, void *arg);

/* lease-list: [{"disk","mode","domain","host","state"}] ("state": "held",
 * or "lost" with "holder" when known), one per disk and domain. */
json_object *lease_list_json(void);
/* domain-info: [{"path","disk","mode","state"}] for domain uuid, one per
 * disk path it leases or needs. */
json_object *lease_domain_json(const char *uuid);

#endif
