/* A run of xenlightd-build-helper (build-helper.c): libxl builds a PV
 * domain synchronously inside its callbacks, which would stop the loop for
 * seconds, so the build runs in a child the loop watches.  The
 * configuration goes to its stdin, a restore's image on fd 3, and one JSON
 * line comes back on its stdout: {"domid":N} or {"error":{...}}. */
#ifndef DAEMON_BUILD_RUN_H
#define DAEMON_BUILD_RUN_H

#include <stddef.h>
#include <sys/types.h>

#include "daemon/xl-compat.h"
#include "proto/err.h"

/* xenlightd-build-helper --parent PID [--restore]: the configuration on
 * stdin, the save image (--restore) on this fd, one JSON line on stdout */
#define BUILD_HELPER_RESTORE_FD 3
#define BUILD_HELPER_OK 0
#define BUILD_HELPER_FAILED 1
#define BUILD_HELPER_USAGE 2

struct build_run;

/* How the helper ended: its exit status and what it wrote (its result line
 * is the text up to the first newline, if there is one). */
struct build_outcome {
	int status;
	const char *output;
	size_t output_len;
};

typedef void build_done_fn(void *arg, const struct build_outcome *outcome);

/* Starts the helper on config (restore_fd >= 0: a restore from that fd);
 * done(arg, outcome) runs on the loop once it has exited. */
struct build_run *build_run_start(libxl_ctx *ctx,
    const libxl_domain_config *config, int restore_fd, build_done_fn *done,
    void *arg, struct err **e);
pid_t build_run_pid(const struct build_run *r);
/* Kills the helper; done follows when it has been reaped. */
void build_run_kill(struct build_run *r);
/* Frees r (after done, or to forget a helper at exit: it is killed). */
void build_run_free(struct build_run *r);

#endif
