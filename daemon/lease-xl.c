/* The disks a libxl domain configuration needs leases for. */
#include "config.h"

#include "daemon/xl-compat.h"

#include "daemon/lease-xl.h"

struct err *lease_disks_from_config(const libxl_domain_config *c,
    struct lease_disks *out)
{
	out->v = NULL;
	out->n = 0;
	for (int i = 0; i < c->num_disks; i++) {
		const libxl_device_disk *disk = &c->disks[i];
		enum lease_mode mode;

		/* an empty cdrom drive uses no disk */
		if (disk->pdev_path == NULL || disk->pdev_path[0] == '\0' ||
		    disk->format == LIBXL_DISK_FORMAT_EMPTY)
			continue;
		if (!lease_target_valid(disk->pdev_path)) {
			lease_disks_clear(out);
			return err_new(ERR_INVALID_ARGUMENT, "disk %s: its "
			    "target cannot be leased (empty, longer than %d "
			    "bytes, or with control characters)",
			    disk->vdev != NULL ? disk->vdev : "?",
			    LEASE_TARGET_MAX);
		}
		mode = disk->readwrite && !disk->is_cdrom ? LEASE_EXCLUSIVE :
		    LEASE_SHARED;
		lease_disks_add(out, disk->pdev_path, NULL, mode);
	}
	if (out->n > LEASE_MAX_DISKS) {
		lease_disks_clear(out);
		return err_new(ERR_INVALID_ARGUMENT, "more than %d disks",
		    LEASE_MAX_DISKS);
	}
	return NULL;
}
