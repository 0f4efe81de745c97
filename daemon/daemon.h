/* Process-wide state of xenlightd: the options, the event base and the one
 * libxl context.  Everything runs on the one loop thread. */
#ifndef DAEMON_DAEMON_H
#define DAEMON_DAEMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "daemon/xl-compat.h"

struct event_base;

#define DAEMON_DEFAULT_RUNDIR "/run/xenlightd"
#define DAEMON_DEFAULT_STATEDIR "/var/lib/xenlightd"

struct options {
	bool foreground;
	char *config_file;
	char *rundir;
	char *statedir;
	char *socket_path;		/* default <rundir>/xenlightd.sock */
	char *ro_socket_path;		/* default <rundir>/xenlightd-ro.sock */
	char *group;			/* full-access socket group (mode 0660) */
	gid_t group_id;
	char *log_file;
	int log_level;			/* enum log_level */
	int64_t lock_wait_ms;
	size_t max_line;
	int max_inflight;
	size_t max_inflight_bytes;	/* of request lines, per client */
	int max_clients;		/* full-access socket */
	int max_ro_clients;		/* read-only socket */
	int max_ro_clients_per_uid;
	int client_timeout_ms;		/* to finish a line begun */
	int helper_nice;		/* streaming helpers' nice value */
	int helper_ioprio;		/* ... and I/O priority (priority.h) */
	int helper_sched;		/* ... and scheduling policy */
	int loop_slice_us;		/* the loop's scheduler slice; 0: kernel's */
	size_t max_event_backlog;
	int max_jobs;			/* running async jobs, daemon-wide */
	int job_history;		/* finished jobs kept at least */
	int job_history_seconds;	/* ... and at least this long */
	int shutdown_timeout_ms;	/* domain-shutdown {wait} default */
	int lease_backend;		/* enum lease_backend_kind (lease.h) */
	char *lockspace;		/* default <statedir>/lockspace */
	int host_id;			/* sanlock's host id, 1..2000; 0 unset */
	bool sim;
	char *metrics_listen;		/* ADDR:PORT; NULL: no endpoint */
	char *metrics_address;		/* ... its address and port */
	int metrics_port;
	int metrics_max_clients;	/* open scrape connections */
	int metrics_timeout_ms;		/* to send a request, read a reply */
	char *migrate_listen;		/* ADDR:PORT, NULL: off */
	int migrate_max_incoming;	/* admitted or being admitted */
};

extern struct options options;
/* From the command line (and the files it names); exits on a bad one. */
void options_parse(int argc, char **argv);
extern struct event_base *daemon_base;
extern libxl_ctx *daemon_ctx;
/* "xen" or "sim": what the greeting and host-info report */
extern const char *daemon_hypervisor;
extern char daemon_hostname[256];
/* true once SIGTERM/SIGINT started the orderly shutdown */
extern bool daemon_stopping;

/* Starts the orderly shutdown from anywhere on the loop. */
void daemon_stop(void);

#endif
