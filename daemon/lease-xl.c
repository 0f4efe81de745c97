/* The disks a libxl domain configuration needs leases for. */
#include "config.h"

#include "daemon/xl-compat.h"

#include "daemon/lease-xl.h"

bool lease_disk_from_device(const libxl_device_disk *disk,
    struct lease_disk *out, struct err **e)
{
	*e = NULL;
	/* an empty cdrom drive uses no disk */
	if (disk->pdev_path == NULL || disk->pdev_path[0] == '\0' ||
	    disk->format == LIBXL_DISK_FORMAT_EMPTY)
		return false;
	if (!lease_target_valid(disk->pdev_path)) {
		*e = err_new(ERR_INVALID_ARGUMENT, "disk %s: its target cannot "
		    "be leased (empty, longer than %d bytes, or with control "
		    "characters)", disk->vdev != NULL ? disk->vdev : "?",
		    LEASE_TARGET_MAX);
		return false;
	}
	out->path = disk->pdev_path;
	out->disk = NULL;
	out->mode = disk->readwrite && !disk->is_cdrom ? LEASE_EXCLUSIVE :
	    LEASE_SHARED;
	return true;
}

struct err *lease_disks_from_devices(const libxl_device_disk *disks, int n,
    struct lease_disks *out)
{
	out->v = NULL;
	out->n = 0;
	for (int i = 0; i < n; i++) {
		struct lease_disk one;
		struct err *e;

		if (lease_disk_from_device(&disks[i], &one, &e)) {
			lease_disks_add(out, one.path, NULL, one.mode);
		} else if (e != NULL) {
			lease_disks_clear(out);
			return e;
		}
	}
	if (out->n > LEASE_MAX_DISKS) {
		lease_disks_clear(out);
		return err_new(ERR_INVALID_ARGUMENT, "more than %d disks",
		    LEASE_MAX_DISKS);
	}
	return NULL;
}

struct err *lease_disks_from_config(const libxl_domain_config *c,
    struct lease_disks *out)
{
	return lease_disks_from_devices(c->disks, c->num_disks, out);
}
