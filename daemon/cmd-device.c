/* Hot-plug: domain-disk-attach/-detach, domain-nic-attach/-detach.  Device
 * specs are xl's (the same parser as xl_config).  Changes are live; a
 * transient domain's configuration follows them so that a restart keeps
 * them, a defined domain's definition does not change. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "daemon/command.h"
#include "daemon/daemon.h"
#include "daemon/domain.h"
#include "daemon/job.h"
#include "daemon/lease-xl.h"
#include "daemon/lease.h"
#include "daemon/log.h"
#include "daemon/request.h"
#include "daemon/xl-config.h"
#include "proto/mem.h"

struct device_job {
	libxl_device_disk disk;		/* must outlive the ao */
	libxl_device_nic nic;
	char *vdev;			/* detach by */
	char *mac;
	int64_t devid;
	bool leased;			/* attach: its lease was taken for it */
};

static void device_job_free(void *data)
{
	struct device_job *dev = data;

	libxl_device_disk_dispose(&dev->disk);
	libxl_device_nic_dispose(&dev->nic);
	free(dev->vdev);
	free(dev->mac);
	free(dev);
}

static struct device_job *device_job_new(void)
{
	struct device_job *dev = xcalloc(1, sizeof *dev);

	libxl_device_disk_init(&dev->disk);
	libxl_device_nic_init(&dev->nic);
	dev->devid = -1;
	return dev;
}

/* The transient domain's configuration keeps what is attached. */
static void device_config_add_disk(struct domain *d, libxl_device_disk *disk)
{
	libxl_domain_config *c = d->config;
	libxl_device_disk *disks;

	if (d->persistent || c == NULL)
		return;
	disks = xrealloc(c->disks, (size_t)(c->num_disks + 1) * sizeof *disks);
	c->disks = disks;
	libxl_device_disk_init(&disks[c->num_disks]);
	libxl_device_disk_copy(daemon_ctx, &disks[c->num_disks], disk);
	c->num_disks++;
}

static void device_config_remove_disk(struct domain *d, const char *vdev)
{
	libxl_domain_config *c = d->config;

	if (d->persistent || c == NULL)
		return;
	for (int i = 0; i < c->num_disks; i++) {
		if (c->disks[i].vdev == NULL || strcmp(c->disks[i].vdev, vdev) != 0)
			continue;
		libxl_device_disk_dispose(&c->disks[i]);
		memmove(&c->disks[i], &c->disks[i + 1],
		    (size_t)(c->num_disks - i - 1) * sizeof *c->disks);
		c->num_disks--;
		return;
	}
}

static void device_config_add_nic(struct domain *d, libxl_device_nic *nic)
{
	libxl_domain_config *c = d->config;
	libxl_device_nic *nics;

	if (d->persistent || c == NULL)
		return;
	nics = xrealloc(c->nics, (size_t)(c->num_nics + 1) * sizeof *nics);
	c->nics = nics;
	libxl_device_nic_init(&nics[c->num_nics]);
	libxl_device_nic_copy(daemon_ctx, &nics[c->num_nics], nic);
	c->num_nics++;
}

static void device_config_remove_nic(struct domain *d, int devid)
{
	libxl_domain_config *c = d->config;

	if (d->persistent || c == NULL)
		return;
	for (int i = 0; i < c->num_nics; i++) {
		if (c->nics[i].devid != devid)
			continue;
		libxl_device_nic_dispose(&c->nics[i]);
		memmove(&c->nics[i], &c->nics[i + 1],
		    (size_t)(c->num_nics - i - 1) * sizeof *c->nics);
		c->num_nics--;
		return;
	}
}

static json_object *device_disk_json(const libxl_device_disk *disk)
{
	json_object *obj = json_object_new_object();

	json_object_object_add(obj, "vdev", disk->vdev ?
	    json_object_new_string(disk->vdev) : NULL);
	json_object_object_add(obj, "target", disk->pdev_path ?
	    json_object_new_string(disk->pdev_path) : NULL);
	json_object_object_add(obj, "readonly",
	    json_object_new_boolean(disk->readwrite == 0));
	return obj;
}

static json_object *device_nic_json(const libxl_device_nic *nic)
{
	json_object *obj = json_object_new_object();
	char mac[18];

	snprintf(mac, sizeof mac, LIBXL_MAC_FMT, LIBXL_MAC_BYTES(nic->mac));
	json_object_object_add(obj, "devid", json_object_new_int(nic->devid));
	json_object_object_add(obj, "mac", json_object_new_string(mac));
	json_object_object_add(obj, "bridge", nic->bridge ?
	    json_object_new_string(nic->bridge) : NULL);
	return obj;
}

/* ------------------------------------------------------------------------
 * Disks */

/* Whether another disk of the running domain than skip_vdev has target
 * path: its lease is still needed. */
static bool disk_path_in_use(struct job *job, const char *path,
    const char *skip_vdev)
{
	libxl_device_disk *disks;
	int n = 0;
	bool used = false;

	disks = libxl_device_disk_list(daemon_ctx, job->domain->domid, &n);
	for (int i = 0; i < n && !used; i++)
		used = disks[i].pdev_path != NULL &&
		    strcmp(disks[i].pdev_path, path) == 0 &&
		    (skip_vdev == NULL || disks[i].vdev == NULL ||
		    strcmp(disks[i].vdev, skip_vdev) != 0);
	if (disks != NULL)
		libxl_device_disk_list_free(disks, n);
	return used;
}

static void disk_attach_failed(struct job *job, struct err *e)
{
	struct device_job *dev = job->data;

	if (dev->leased)
		lease_remove_disk(job->domain->uuid_text, dev->disk.pdev_path,
		    NULL, NULL);
	job_fail(job, e);
}

static void disk_attached(struct job *job, int rc)
{
	struct device_job *dev = job->data;

	if (rc != 0) {
		disk_attach_failed(job, job_libxl_error(job, rc,
		    "attaching the disk"));
		return;
	}
	device_config_add_disk(job->domain, &dev->disk);
	job_complete(job, device_disk_json(&dev->disk));
}

static void disk_attach_leased(struct err *e, void *arg)
{
	struct job *job = arg;
	struct device_job *dev = job->data;

	if (e == NULL && job->abort_requested)
		e = err_new(ERR_ABORTED, "aborted");
	if (e == NULL && !domain_is_running(job->domain))
		e = err_new(ERR_OPERATION_INVALID, "domain '%s' is not running",
		    job->domain_name);
	if (e != NULL) {
		disk_attach_failed(job, e);
		return;
	}
	job_ao_started(job, libxl_device_disk_add(daemon_ctx, job->domain->domid,
	    &dev->disk, job_ao(job, disk_attached)));
}

/* The new disk's lease first (shared when read-only): a LeaseConflict
 * attaches nothing. */
static void disk_attach_start(struct job *job)
{
	struct device_job *dev = job->data;
	struct lease_disk lease;
	struct err *e;

	if (!job_domain_running(job))
		return;
	if (!lease_disk_from_device(&dev->disk, &lease, &e)) {
		if (e != NULL)
			job_fail(job, e);
		else
			disk_attach_leased(NULL, job);
		return;
	}
	/* a target it uses already keeps its lease if the attach fails */
	dev->leased = !disk_path_in_use(job, lease.path, NULL);
	lease_add_disk(job->domain->uuid_text, job->domain->name, &lease,
	    disk_attach_leased, job);
}

static void disk_unleased(struct err *e, void *arg)
{
	struct job *job = arg;
	struct device_job *dev = job->data;

	if (e != NULL) {
		log_error("domain %s: releasing the lease of %s: %s",
		    job->domain_name, dev->disk.pdev_path, e->desc);
		err_free(e);
	}
	job_complete(job, device_disk_json(&dev->disk));
}

static void disk_detached(struct job *job, int rc)
{
	struct device_job *dev = job->data;

	if (rc != 0) {
		job_fail(job, job_libxl_error(job, rc, "detaching the disk"));
		return;
	}
	device_config_remove_disk(job->domain, dev->vdev);
	if (dev->disk.pdev_path == NULL ||
	    disk_path_in_use(job, dev->disk.pdev_path, dev->vdev)) {
		disk_unleased(NULL, job);
		return;
	}
	/* done when the disk is free for others */
	lease_remove_disk(job->domain->uuid_text, dev->disk.pdev_path,
	    disk_unleased, job);
}

static void disk_detach_start(struct job *job)
{
	struct device_job *dev = job->data;
	libxl_device_disk *disks;
	int n = 0, found = -1;

	if (!job_domain_running(job))
		return;
	disks = libxl_device_disk_list(daemon_ctx, job->domain->domid, &n);
	for (int i = 0; i < n && found < 0; i++)
		if (disks[i].vdev != NULL && strcmp(disks[i].vdev, dev->vdev) == 0)
			found = i;
	if (found >= 0)
		libxl_device_disk_copy(daemon_ctx, &dev->disk, &disks[found]);
	if (disks != NULL)
		libxl_device_disk_list_free(disks, n);
	if (found < 0) {
		job_fail(job, err_new(ERR_INVALID_ARGUMENT, "domain '%s' has no "
		    "disk '%s'", job->domain_name, dev->vdev));
		return;
	}
	job_ao_started(job, libxl_device_disk_remove(daemon_ctx,
	    job->domain->domid, &dev->disk, job_ao(job, disk_detached)));
}

static const struct arg_spec disk_attach_args[] = {
	{ "domain", ARG_DOMAIN, true, 0, 0, NULL, "name, UUID or domid" },
	{ "disk", ARG_STRING, true, 0, 4096, NULL,
	  "an xl disk spec, e.g. \"format=raw, vdev=xvdb, target=/img\"" },
	ARG_END
};

static void cmd_domain_disk_attach_run(struct request *req)
{
	struct device_job *dev = device_job_new();
	struct err *e;

	e = xl_config_parse_disk(arg_string(req->args, "disk"), &dev->disk);
	if (e != NULL) {
		device_job_free(dev);
		request_fail(req, e);
		return;
	}
	request_submit(req, dev);
}

const struct command cmd_domain_disk_attach = {
	.name = "domain-disk-attach",
	.kind = COMMAND_MODIFY,
	.args = disk_attach_args,
	.target = TARGET_DOMAIN,
	.target_flags = TARGET_RUNNING | TARGET_NOT_DOM0,
	.verb = "attach a disk to",
	.run = cmd_domain_disk_attach_run,
	.help = "hot-plug a disk",
	.abortable = true,
	.start = disk_attach_start,
	.free_data = device_job_free,
};

static const struct arg_spec disk_detach_args[] = {
	{ "domain", ARG_DOMAIN, true, 0, 0, NULL, "name, UUID or domid" },
	{ "vdev", ARG_STRING, true, 0, 64, NULL, "the disk's vdev, e.g. xvdb" },
	ARG_END
};

static void cmd_domain_disk_detach_run(struct request *req)
{
	struct device_job *dev = device_job_new();

	dev->vdev = xstrdup(arg_string(req->args, "vdev"));
	request_submit(req, dev);
}

const struct command cmd_domain_disk_detach = {
	.name = "domain-disk-detach",
	.kind = COMMAND_MODIFY,
	.args = disk_detach_args,
	.target = TARGET_DOMAIN,
	.target_flags = TARGET_RUNNING | TARGET_NOT_DOM0,
	.verb = "detach a disk from",
	.run = cmd_domain_disk_detach_run,
	.help = "hot-unplug a disk",
	.abortable = true,
	.start = disk_detach_start,
	.free_data = device_job_free,
};

/* ------------------------------------------------------------------------
 * Network interfaces */

static void nic_attached(struct job *job, int rc)
{
	struct device_job *dev = job->data;

	if (rc != 0) {
		job_fail(job, job_libxl_error(job, rc, "attaching the network "
		    "interface"));
		return;
	}
	device_config_add_nic(job->domain, &dev->nic);
	job_complete(job, device_nic_json(&dev->nic));
}

static void nic_attach_start(struct job *job)
{
	struct device_job *dev = job->data;

	if (!job_domain_running(job))
		return;
	job_ao_started(job, libxl_device_nic_add(daemon_ctx, job->domain->domid,
	    &dev->nic, job_ao(job, nic_attached)));
}

static void nic_detached(struct job *job, int rc)
{
	struct device_job *dev = job->data;

	if (rc != 0) {
		job_fail(job, job_libxl_error(job, rc, "detaching the network "
		    "interface"));
		return;
	}
	device_config_remove_nic(job->domain, dev->nic.devid);
	job_complete(job, device_nic_json(&dev->nic));
}

static void nic_detach_start(struct job *job)
{
	struct device_job *dev = job->data;
	libxl_device_nic *nics;
	int n = 0, found = -1;

	if (!job_domain_running(job))
		return;
	nics = libxl_device_nic_list(daemon_ctx, job->domain->domid, &n);
	for (int i = 0; i < n && found < 0; i++) {
		char mac[18];

		snprintf(mac, sizeof mac, LIBXL_MAC_FMT,
		    LIBXL_MAC_BYTES(nics[i].mac));
		if ((dev->mac != NULL && strcasecmp(mac, dev->mac) == 0) ||
		    (dev->mac == NULL && nics[i].devid == dev->devid))
			found = i;
	}
	if (found >= 0)
		libxl_device_nic_copy(daemon_ctx, &dev->nic, &nics[found]);
	if (nics != NULL)
		libxl_device_nic_list_free(nics, n);
	if (found < 0) {
		job_fail(job, err_new(ERR_INVALID_ARGUMENT, "domain '%s' has no "
		    "such network interface", job->domain_name));
		return;
	}
	job_ao_started(job, libxl_device_nic_remove(daemon_ctx,
	    job->domain->domid, &dev->nic, job_ao(job, nic_detached)));
}

static const struct arg_spec nic_attach_args[] = {
	{ "domain", ARG_DOMAIN, true, 0, 0, NULL, "name, UUID or domid" },
	{ "nic", ARG_STRING, false, 0, 4096, NULL,
	  "an xl vif spec, e.g. \"bridge=xenbr0,mac=00:16:3e:00:00:01\"" },
	ARG_END
};

static void cmd_domain_nic_attach_run(struct request *req)
{
	const char *spec = arg_string(req->args, "nic");
	struct device_job *dev = device_job_new();
	struct err *e;

	e = xl_config_parse_nic(spec != NULL ? spec : "", &dev->nic);
	if (e != NULL) {
		device_job_free(dev);
		request_fail(req, e);
		return;
	}
	request_submit(req, dev);
}

const struct command cmd_domain_nic_attach = {
	.name = "domain-nic-attach",
	.kind = COMMAND_MODIFY,
	.args = nic_attach_args,
	.target = TARGET_DOMAIN,
	.target_flags = TARGET_RUNNING | TARGET_NOT_DOM0,
	.verb = "attach a network interface to",
	.run = cmd_domain_nic_attach_run,
	.help = "hot-plug a network interface",
	.abortable = true,
	.start = nic_attach_start,
	.free_data = device_job_free,
};

static const struct arg_spec nic_detach_args[] = {
	{ "domain", ARG_DOMAIN, true, 0, 0, NULL, "name, UUID or domid" },
	{ "mac", ARG_STRING, false, 0, 17, NULL, "the interface's MAC" },
	{ "devid", ARG_INT, false, 0, 65535, NULL, "the interface's devid" },
	ARG_END
};

static void cmd_domain_nic_detach_run(struct request *req)
{
	const char *mac = arg_string(req->args, "mac");
	bool has_devid = arg_present(req->args, "devid");
	struct device_job *dev;

	if ((mac == NULL) == !has_devid) {
		request_fail(req, err_new(ERR_INVALID_ARGUMENT,
		    "give exactly one of 'mac' and 'devid'"));
		return;
	}
	dev = device_job_new();
	dev->mac = mac ? xstrdup(mac) : NULL;
	dev->devid = arg_int(req->args, "devid", -1);
	request_submit(req, dev);
}

const struct command cmd_domain_nic_detach = {
	.name = "domain-nic-detach",
	.kind = COMMAND_MODIFY,
	.args = nic_detach_args,
	.target = TARGET_DOMAIN,
	.target_flags = TARGET_RUNNING | TARGET_NOT_DOM0,
	.verb = "detach a network interface from",
	.run = cmd_domain_nic_detach_run,
	.help = "hot-unplug a network interface",
	.abortable = true,
	.start = nic_detach_start,
	.free_data = device_job_free,
};
