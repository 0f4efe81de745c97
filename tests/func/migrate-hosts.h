/* Two daemons on the simulator as two hosts, for the migration tests
 * (test-migrate.c, test-migrate-kill.c): their own run and state
 * directories, one shared lockspace, --migrate-listen on free ports; what
 * each host has, and where a guest settled. */
#ifndef TESTS_FUNC_MIGRATE_HOSTS_H
#define TESTS_FUNC_MIGRATE_HOSTS_H

#include <stdbool.h>
#include <stdint.h>
#include <json-c/json.h>

#include "tests/func/harness.h"

struct hosts {
	struct dut *a, *b;
	struct xlctl *ca, *cb;
	char *lockspace;
	int port_a, port_b;
};

/* max_incoming: --migrate-max-incoming ("4" by hosts_start) */
void hosts_start_max(struct hosts *h, const char *max_incoming);
void hosts_start(struct hosts *h);
/* New clients (after a daemon restarted). */
void hosts_reconnect(struct hosts *h);
/* Both daemons stopped (asserting a clean exit), everything removed. */
void hosts_free(struct hosts *h);

/* The guest's simulator entry on d (NULL: none), a new reference. */
json_object *sim_guest(struct dut *d, const char *name);
char *guest_digest(struct dut *d, const char *name);
/* The daemon's state of name, or NULL when it does not know it. */
char *daemon_state(struct xlctl *c, const char *name);
bool is_running(const char *state);
/* Jobs of c queued, running or aborting. */
int active_jobs(struct xlctl *c);
/* The latest job of type on c (a new reference), or NULL. */
json_object *last_job(struct xlctl *c, const char *type);
/* Waits until no job runs on either host and the guest is on exactly one
 * of them, running (or paused), unknown or shut off on the other:
 * returns 'a' or 'b', or fails saying what each host has. */
char settled_on(struct hosts *h, const char *name, bool paused,
    int timeout_ms);

/* migration-prepare on the destination (expires_ms 0: its default). */
json_object *prepare(struct xlctl *c, int64_t expires_ms);
/* domain-migrate with t's host, port (or port > 0) and token, detached:
 * the source's job id. */
int64_t migrate_start(struct xlctl *src, const char *name, json_object *t,
    int port, bool live);
/* A whole migration: the source's job once it has finished. */
json_object *migrate(struct xlctl *src, struct xlctl *dst, const char *name);
/* Until job shows progress (fails if it ends first). */
void wait_progress(struct xlctl *c, int64_t job);

#endif
