/* The engine that builds a domain, shared by domain-create, domain-start,
 * domain-restore and the daemon's restarts: libxl builds it paused (from a
 * configuration, or from a save image), the toolstack unpauses it, and a
 * failure or an abort destroys whatever libxl half-built.  The build runs
 * in xenlightd-build-helper (build-run.h). */
#ifndef DAEMON_CREATE_H
#define DAEMON_CREATE_H

#include <stdbool.h>
#include <stdint.h>
#include <json-c/json.h>

#include "daemon/job.h"
#include "daemon/xl-compat.h"
#include "proto/err.h"

struct build_run;
struct job;

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
	struct build_run *build;	/* while the build helper runs */
	/* an incoming migration (migrate-in.c): the stream is a socket
	 * (progress is measured on it), and what follows the build is the
	 * hand-over, instead of the unpause */
	job_measure_fn *restore_measure;
	void (*built)(struct job *job);
	void *owner;
	void (*owner_free)(void *owner);
};

/* A build from config (copied). */
struct create_job *create_job_new(const libxl_domain_config *config,
    bool paused);
/* A restore from the save image at path; managed: the domain's managed
 * save image, which is removed once restored. */
struct create_job *create_job_new_restore(const char *path, bool paused,
    bool managed);
void create_job_free(void *data);

/* The job handlers of every command that builds a domain: start builds
 * job->domain (a restore finds or makes its domain from the image), abort
 * kills the build, recover destroys what an interrupted build left, or
 * keeps a domain that was complete. */
void create_job_start(struct job *job);
void create_job_abort(struct job *job);
void create_job_recover(json_object *record, struct err *error);
/* For a job that set job->domain and c->config itself (an incoming
 * migration): the build, and the failure that destroys what was built. */
void create_job_build(struct job *job);
void create_job_fail(struct job *job, struct err *e);

/* For the commands that make domains, before any side effect: */
/* the "config" or "xl_config" argument, exactly one */
struct err *create_parse_config(json_object *args, libxl_domain_config *out);
/* the new domain's name and UUID are free (a nil UUID gets generated) */
struct err *create_claim_identity(libxl_domain_config *config);

#endif
