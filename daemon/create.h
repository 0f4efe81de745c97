/* The engine that builds a domain, shared by domain-create, domain-start,
 * the daemon's restarts and domain-restore: libxl builds it paused (from a
 * configuration, or from a save stream), the toolstack unpauses it, and a
 * failure or an abort destroys whatever libxl half-built. */
#ifndef DAEMON_CREATE_H
#define DAEMON_CREATE_H

#include <stdbool.h>
#include <stdint.h>

#include "daemon/xl-compat.h"
#include "proto/err.h"

struct job;
struct event;

struct create_job {
	libxl_domain_config config;	/* the copy libxl works on */
	uint32_t domid;			/* written by libxl, early */
	bool paused;
	bool destroy_first;		/* a restart: the old one goes first */
	struct err *failure;		/* kept while cleaning up */
	/* restore: the save image, positioned at the libxl stream */
	int restore_fd;
	char *restore_path;
	uint64_t restore_size;
	bool managed;			/* a managed-save image: removed after */
	struct event *progress_timer;
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

#endif
