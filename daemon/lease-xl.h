/* The disks a libxl domain configuration needs leases for: every disk
 * with a target (an empty cdrom drive has none), exclusive when it is
 * writable, shared for read-only disks and cdroms, each path once (the
 * stronger mode wins).  Paths are as the configuration names them: the
 * holder resolves them (lease_canonical_path), since resolving may block
 * on a slow file system and the loop must not. */
#ifndef DAEMON_LEASE_XL_H
#define DAEMON_LEASE_XL_H

#include <stdbool.h>

#include "daemon/xl-compat.h"

#include "daemon/lease-disk.h"
#include "proto/err.h"

struct err *lease_disks_from_config(const libxl_domain_config *c,
    struct lease_disks *out);
/* The same for a list of disks (libxl_device_disk_list's). */
struct err *lease_disks_from_devices(const libxl_device_disk *disks, int n,
    struct lease_disks *out);
/* One disk (hot-plug): false when it needs no lease (an empty drive).
 * out->path points into disk; *e is set for a target that cannot be
 * leased. */
bool lease_disk_from_device(const libxl_device_disk *disk,
    struct lease_disk *out, struct err **e);

#endif
