/* Queries of a domain's resources: domain-vcpu-list (libxl_list_vcpu: where
 * each vcpu runs, its time, its hard and soft affinity) and
 * domain-block-info (a disk's capacity, allocation and size on the host,
 * libvirt's GetBlockInfo).  A disk's file is looked at by a file worker
 * (fileio.h), never on the loop: a stat or a header read on a dead NFS
 * server would stop the daemon. */
#include "config.h"

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/command.h"
#include "daemon/cpu-set.h"
#include "daemon/daemon.h"
#include "daemon/domain.h"
#include "daemon/fileio.h"
#include "daemon/request.h"
#include "proto/mem.h"

static const struct arg_spec domain_args[] = {
	{ "domain", ARG_DOMAIN, true, 0, 0, NULL, "name, UUID or domid" },
	ARG_END
};

/* ------------------------------------------------------------------------
 * domain-vcpu-list */

static json_object *vcpu_json(const libxl_vcpuinfo *v, int nr_cpus)
{
	json_object *obj = json_object_new_object();
	char *hard = cpu_set_format(&v->cpumap, nr_cpus);
	char *soft = cpu_set_format(&v->cpumap_soft, nr_cpus);

	json_object_object_add(obj, "vcpu", json_object_new_int64(v->vcpuid));
	json_object_object_add(obj, "online", json_object_new_boolean(v->online));
	json_object_object_add(obj, "state", json_object_new_string(
	    !v->online ? "offline" : v->running ? "running" :
	    v->blocked ? "blocked" : "runnable"));
	json_object_object_add(obj, "cpu", v->online ?
	    json_object_new_int64(v->cpu) : NULL);
	json_object_object_add(obj, "cpu_time_ns",
	    json_object_new_int64((int64_t)v->vcpu_time));
	json_object_object_add(obj, "affinity", json_object_new_string(hard));
	json_object_object_add(obj, "soft_affinity",
	    json_object_new_string(soft));
	free(hard);
	free(soft);
	return obj;
}

static void cmd_domain_vcpu_list_run(struct request *req)
{
	libxl_vcpuinfo *list;
	json_object *arr;
	int n = 0, nr_cpus = 0;

	list = libxl_list_vcpu(daemon_ctx, req->domain->domid, &n, &nr_cpus);
	if (list == NULL) {
		request_fail(req, err_new(ERR_HYPERVISOR, "cannot list the "
		    "vcpus of domain '%s'", req->domain->name));
		return;
	}
	arr = json_object_new_array();
	for (int i = 0; i < n; i++)
		json_object_array_add(arr, vcpu_json(&list[i], nr_cpus));
	libxl_vcpuinfo_list_free(list, n);
	request_reply(req, arr);
}

const struct command cmd_domain_vcpu_list = {
	.name = "domain-vcpu-list",
	.kind = COMMAND_QUERY,
	.args = domain_args,
	.target = TARGET_DOMAIN,
	.target_flags = TARGET_RUNNING_NOW,
	.verb = "list the vcpus of",
	.run = cmd_domain_vcpu_list_run,
	.help = "a running domain's vcpus: state, cpu, time, hard and soft "
	    "affinity",
};

/* ------------------------------------------------------------------------
 * domain-block-info */

struct block_info {
	struct request *req;
	char *vdev;
	char *path;
	libxl_disk_format format;
	/* the worker's findings */
	int error;			/* errno, 0 when fine */
	const char *failed;		/* what failed */
	bool is_block;
	uint64_t capacity, allocation, physical;
};

static uint64_t be64_at(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof v);
	return be64toh(v);
}

static uint64_t le64_at(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof v);
	return le64toh(v);
}

/* The guest's size of an image file: from its header for the formats
 * that have one, its length for raw.  0, or an errno. */
static int image_capacity(int fd, const struct stat *st,
    libxl_disk_format format, uint64_t *capacity)
{
	unsigned char h[512];
	ssize_t n;

	*capacity = (uint64_t)st->st_size;
	switch (format) {
	case LIBXL_DISK_FORMAT_QCOW:
	case LIBXL_DISK_FORMAT_QCOW2:
		/* "QFI\xfb", then the size at 24 (qcow 1 and 2) */
		n = pread(fd, h, 32, 0);
		if (n != 32 || memcmp(h, "QFI\xfb", 4) != 0)
			return EINVAL;
		*capacity = be64_at(h + 24);
		return 0;
	case LIBXL_DISK_FORMAT_QED:
		n = pread(fd, h, 56, 0);
		if (n != 56 || memcmp(h, "QED\0", 4) != 0)
			return EINVAL;
		*capacity = le64_at(h + 48);
		return 0;
	case LIBXL_DISK_FORMAT_VHD:
		/* the footer: "conectix", the current size at 48 */
		if (st->st_size < 512)
			return EINVAL;
		n = pread(fd, h, 512, st->st_size - 512);
		if (n != 512 || memcmp(h, "conectix", 8) != 0)
			return EINVAL;
		*capacity = be64_at(h + 48);
		return 0;
	default:
		return 0;
	}
}

static void block_info_work(void *arg)
{
	struct block_info *bi = arg;
	struct stat st;
	int fd;

	fd = open(bi->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0 || fstat(fd, &st) < 0) {
		bi->error = errno;
		bi->failed = "open";
		if (fd >= 0)
			close(fd);
		return;
	}
	if (S_ISBLK(st.st_mode)) {
		bi->is_block = true;
		if (ioctl(fd, BLKGETSIZE64, &bi->capacity) < 0) {
			bi->error = errno;
			bi->failed = "BLKGETSIZE64 on";
		}
		bi->allocation = bi->physical = bi->capacity;
	} else if (S_ISREG(st.st_mode)) {
		bi->physical = (uint64_t)st.st_size;
		bi->allocation = (uint64_t)st.st_blocks * 512;
		if ((bi->error = image_capacity(fd, &st, bi->format,
		    &bi->capacity)) != 0)
			bi->failed = "read the image header of";
	} else {
		bi->error = ENOTSUP;
		bi->failed = "size";
	}
	close(fd);
}

static void block_info_free(struct block_info *bi)
{
	free(bi->vdev);
	free(bi->path);
	free(bi);
}

static void block_info_done(void *arg)
{
	struct block_info *bi = arg;
	json_object *ret;

	if (bi->error != 0) {
		request_fail(bi->req, err_new(bi->error == ENOTSUP ?
		    ERR_NOT_SUPPORTED : ERR_IO, "cannot %s %s: %s", bi->failed,
		    bi->path, bi->error == ENOTSUP ? "neither a file nor a "
		    "block device" : strerror(bi->error)));
		block_info_free(bi);
		return;
	}
	ret = json_object_new_object();
	json_object_object_add(ret, "device", json_object_new_string(bi->vdev));
	json_object_object_add(ret, "target", json_object_new_string(bi->path));
	json_object_object_add(ret, "format", json_object_new_string(
	    libxl_disk_format_to_string(bi->format) != NULL ?
	    libxl_disk_format_to_string(bi->format) : "unknown"));
	json_object_object_add(ret, "type", json_object_new_string(
	    bi->is_block ? "block" : "file"));
	json_object_object_add(ret, "capacity",
	    json_object_new_int64((int64_t)bi->capacity));
	json_object_object_add(ret, "allocation",
	    json_object_new_int64((int64_t)bi->allocation));
	json_object_object_add(ret, "physical",
	    json_object_new_int64((int64_t)bi->physical));
	request_reply(bi->req, ret);
	block_info_free(bi);
}

static const struct arg_spec block_info_args[] = {
	{ "domain", ARG_DOMAIN, true, 0, 0, NULL, "name, UUID or domid" },
	{ "device", ARG_STRING, true, 1, 4096, NULL,
	  "the disk's vdev (xvda) or its target path" },
	ARG_END
};

static bool disk_is(const libxl_device_disk *disk, const char *device)
{
	return (disk->vdev != NULL && strcmp(disk->vdev, device) == 0) ||
	    (disk->pdev_path != NULL && strcmp(disk->pdev_path, device) == 0);
}

static void cmd_domain_block_info_run(struct request *req)
{
	struct domain *d = req->domain;
	const char *device = arg_string(req->args, "device");
	libxl_device_disk *list = NULL, *disks, *disk = NULL;
	int n = 0;
	struct block_info *bi;

	if (domain_is_running(d)) {
		list = libxl_device_disk_list(daemon_ctx, d->domid, &n);
		disks = list;
	} else {
		disks = d->config != NULL ? d->config->disks : NULL;
		n = d->config != NULL ? d->config->num_disks : 0;
	}
	for (int i = 0; i < n && disk == NULL; i++)
		if (disk_is(&disks[i], device))
			disk = &disks[i];
	if (disk == NULL || disk->pdev_path == NULL ||
	    disk->pdev_path[0] != '/' ||
	    disk->format == LIBXL_DISK_FORMAT_EMPTY) {
		request_fail(req, err_new(disk == NULL ? ERR_INVALID_ARGUMENT :
		    ERR_NOT_SUPPORTED, disk == NULL ? "domain '%s' has no disk "
		    "'%s'" : "disk '%s' of domain '%s' has no file or device "
		    "on this host (empty, or a script's target)",
		    disk == NULL ? d->name : device,
		    disk == NULL ? device : d->name));
		if (list != NULL)
			libxl_device_disk_list_free(list, n);
		return;
	}
	bi = xcalloc(1, sizeof *bi);
	bi->req = req;
	bi->vdev = xstrdup(disk->vdev != NULL ? disk->vdev : device);
	bi->path = xstrdup(disk->pdev_path);
	bi->format = disk->format;
	if (list != NULL)
		libxl_device_disk_list_free(list, n);
	fileio_submit(block_info_work, block_info_done, bi);
}

const struct command cmd_domain_block_info = {
	.name = "domain-block-info",
	.kind = COMMAND_QUERY,
	.args = block_info_args,
	.target = TARGET_DOMAIN,
	.target_flags = TARGET_NOT_DOM0,
	.verb = "look at the disks of",
	.run = cmd_domain_block_info_run,
	.help = "a disk's capacity (the guest's size), allocation (bytes "
	    "the host gave it) and physical size",
};
