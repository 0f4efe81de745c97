/* Disk leases, the parts shared by the daemon (lease.c), the holder
 * program (lease-holder.c) and the fuzzers: lease modes, lists of disks,
 * canonical disk names, lease keys and the LeaseConflict error.
 * See doc/leases.md. */
#ifndef DAEMON_LEASE_DISK_H
#define DAEMON_LEASE_DISK_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

#include "proto/err.h"

/* A domain has at most this many disks with leases: more is refused (a
 * request from a socket cannot make the holder open any number of files) */
#define LEASE_MAX_DISKS 256
/* A disk target: a path, or a non-path target (rbd:, iscsi...) */
#define LEASE_TARGET_MAX 4095
/* SHA-256 in hex, and its NUL */
#define LEASE_KEY_SIZE 65

enum lease_mode {
	LEASE_SHARED,		/* read-only disk, cdrom: many readers */
	LEASE_EXCLUSIVE,	/* writable disk: one domain, one host */
};

/* One disk of a domain.  The daemon names it by path, as the domain's
 * configuration does; the holder resolves that to the canonical disk
 * (disk), which names the lease on every host. */
struct lease_disk {
	char *path;
	char *disk;		/* canonical; NULL until the holder resolved it */
	enum lease_mode mode;
};

struct lease_disks {
	struct lease_disk *v;
	size_t n;
};

const char *lease_mode_name(enum lease_mode mode);
bool lease_mode_parse(const char *name, enum lease_mode *out);

/* Adds path (and disk, may be NULL) once: a path named twice keeps the
 * stronger mode.  Returns the entry. */
struct lease_disk *lease_disks_add(struct lease_disks *list, const char *path,
    const char *disk, enum lease_mode mode);
struct lease_disk *lease_disks_find(const struct lease_disks *list,
    const char *path);
void lease_disks_copy(struct lease_disks *to, const struct lease_disks *from);
void lease_disks_clear(struct lease_disks *list);

/* [{"path":..,"disk":..,"mode":..}] ("disk" only when known) */
json_object *lease_disks_to_json(const struct lease_disks *list);
/* The reverse, checking every field and the limits: an InvalidArgument
 * error says what is wrong, and out is left empty. */
struct err *lease_disks_from_json(json_object *array, struct lease_disks *out);

/* root as one line of JSON text, newline-ended (malloc'd; *len without
 * the NUL).  Takes root's reference. */
char *lease_json_line(json_object *root, size_t *len);

/* A target the lease machinery takes: not empty, at most
 * LEASE_TARGET_MAX bytes, no control characters. */
bool lease_target_valid(const char *target);

/* The canonical name of a disk target, the same for every way of naming
 * it: an absolute path is resolved (symlinks, "." and "..") as far as it
 * exists, and the part that does not exist yet is normalised as written;
 * a device-mapper block device is named by its UUID (see below); a target
 * that is not a path (rbd:pool/image) is taken as it is.  May
 * block on a slow file system: the holder calls it, never the daemon's
 * loop.  Returns 0 and a malloc'd name, or -errno. */
int lease_canonical_path(const char *target, char **out);
/* The name every host gives block device major:minor, from sysfs (the
 * root, "/sys"): a device-mapper device's is
 * /dev/disk/by-id/dm-uuid-<its dm UUID>.  0, or -errno (-ENOENT: the
 * device has no such name; its resolved path names it, on this host
 * only). */
int lease_block_device_name(unsigned major_id, unsigned minor_id,
    const char *sysfs, char **out);

/* The lease's key: SHA-256 of the canonical name, in hex. */
void lease_key(const char *canonical, char key[LEASE_KEY_SIZE]);

/* LeaseConflict on disk; the holder's host and domain where known. */
struct err *lease_conflict_new(const char *disk, const char *host,
    const char *domain, const char *held_mode);

#endif
