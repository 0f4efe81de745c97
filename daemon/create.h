/* The engine that builds a domain, shared by domain-create, domain-start,
 * the daemon's restarts and domain-restore: libxl builds it paused (from a
 * configuration, or from a save stream), the toolstack unpauses it, and a
 * failure or an abort destroys whatever libxl half-built.
 *
 * libxl builds a PV domain synchronously inside its callbacks, which would
 * stop the loop for seconds, so the build runs in xenlightd-build-helper
 * (build-helper.c), a child the loop watches and kills to abort. */
#ifndef DAEMON_CREATE_H
#define DAEMON_CREATE_H

#include <stdbool.h>
#include <stdint.h>

#include "daemon/xl-compat.h"
#include "proto/err.h"

struct job;
struct event;
struct build_run;

/* xenlightd-build-helper --parent PID [--restore]: the configuration on
 * stdin, the save image (--restore) on this fd, one JSON line on stdout */
#define BUILD_HELPER_RESTORE_FD 3
#define BUILD_HELPER_OK 0
#define BUILD_HELPER_FAILED 1
#define BUILD_HELPER_USAGE 2

struct create_job {
	libxl_domain_config config;	/* the copy libxl works on */
	uint32_t domid;			/* from the build helper */
	bool paused;
	bool destroy_first;		/* a restart: the old one goes first */
	struct err *failure;		/* kept while cleaning up */
	/* restore: the save image, positioned at the libxl stream */
	int restore_fd;
	char *restore_path;
	uint64_t restore_size;
	bool managed;			/* a managed-save image: removed after */
	struct event *progress_timer;
	struct build_run *build;	/* while the build helper runs */
};

struct create_job *create_job_new(const libxl_domain_config *config,
    bool paused);
void create_job_free(void *data);
/* Builds job->domain (whose lock the job holds) from c->config, or from
 * c->restore_fd when it is >= 0. */
void create_build(struct job *job, int rc);
/* A failure after libxl made a domain: destroy it, then fail the job. */
void create_fail(struct job *job, struct err *e);
void create_start(struct job *job);
/* Kills the build helper, or aborts the libxl operation in flight. */
void create_abort(struct job *job);

#endif
