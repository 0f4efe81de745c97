/* What the lease machinery writes down, and reads back from files anybody
 * with access to the directory could have changed:
 *
 * - a holder's record, <rundir>/leases/<uuid>.json, written by the holder
 *   (atomically) whenever what it holds changes, so that a restarted
 *   daemon finds it: {"pid","start_time","uuid","domain","host","backend",
 *   "disks"}.  start_time is the process's start time in clock ticks after
 *   boot (/proc/PID/stat field 22): a pid that was reused does not match.
 * - the owner of an exclusive lease, written into the lease (the lockspace
 *   file, or sanlock's side file): {"disk","host","domain","uuid","pid"},
 *   for the LeaseConflict another domain gets. */
#ifndef DAEMON_LEASE_RECORD_H
#define DAEMON_LEASE_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "daemon/lease-disk.h"
#include "proto/err.h"

/* Records and owner notes are small: anything larger is not ours */
#define LEASE_RECORD_MAX (2 * 1024 * 1024)
#define LEASE_OWNER_MAX 16384

struct lease_record {
	pid_t pid;
	unsigned long long start_time;
	char uuid[37];
	char *domain;
	char *host;
	char *backend;
	struct lease_disks disks;
};

struct err *lease_record_parse(const char *text, size_t len,
    struct lease_record *out);
/* JSON text, newline-ended (malloc'd) */
char *lease_record_format(const struct lease_record *record, size_t *len);
void lease_record_clear(struct lease_record *record);

/* <dir>/<uuid>.json and <dir>/<uuid>.sock (malloc'd) */
char *lease_record_path(const char *dir, const char *uuid);
char *lease_socket_path(const char *dir, const char *uuid);

/* The start time of process pid, from /proc/PID/stat: 0, or -errno
 * (-ESRCH for a process that exited and waits to be reaped). */
int lease_process_start_time(pid_t pid, unsigned long long *out);
/* The state (field 3) and start time (field 22) of a /proc/PID/stat
 * text; false when it is not one. */
bool lease_parse_stat(const char *text, size_t len, char *state,
    unsigned long long *start_time);
/* The process the record names is alive (same pid, same start time). */
bool lease_record_alive(const struct lease_record *record);

struct lease_owner {
	char *disk;
	char *host;
	char *domain;
	char *uuid;
	long long pid;
};

struct err *lease_owner_parse(const char *text, size_t len,
    struct lease_owner *out);
char *lease_owner_format(const struct lease_owner *owner, size_t *len);
void lease_owner_clear(struct lease_owner *owner);

#endif
