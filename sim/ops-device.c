/* Disks and network interfaces.  A device lives in the stored libxl JSON
 * configuration of its domain ("disks", "nics"): what
 * libxl_retrieve_domain_configuration and the _list functions return.
 * Hot-plug is a quick op; removing a device that is not there succeeds, as
 * libxl's generic remove does when the backend is already gone
 * (libxl_device.c:1063-1068). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "sim/sim.h"

enum device_kind { DEV_DISK, DEV_NIC };

struct device_change {
	enum device_kind kind;
	bool add;
	int devid;
	char *json;		/* the device, for add */
};

static void change_free(void *p)
{
	struct device_change *c = p;

	free(c->json);
	free(c);
}

static const char *array_name(enum device_kind kind)
{
	return kind == DEV_DISK ? "disks" : "nics";
}

static int element_devid(enum device_kind kind, json_object *el)
{
	json_object *v;

	if (kind == DEV_DISK)
		return json_object_object_get_ex(el, "vdev", &v) ?
		    sim_vdev_devid(json_object_get_string(v)) : -1;
	return json_object_object_get_ex(el, "devid", &v) ?
	    json_object_get_int(v) : -1;
}

/* Returns a libxl error, 0 when done. */
static int apply(struct sim_domain *d, struct device_change *c)
{
	json_object *cfg = json_tokener_parse(d->config), *arr, *keep;
	bool found = false;
	int rc = 0;

	if (cfg == NULL)
		return ERROR_FAIL;
	if (!json_object_object_get_ex(cfg, array_name(c->kind), &arr) ||
	    !json_object_is_type(arr, json_type_array)) {
		arr = json_object_new_array();
		json_object_object_add(cfg, array_name(c->kind), arr);
	}
	keep = json_object_new_array();
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		json_object *el = json_object_array_get_idx(arr, i);

		if (element_devid(c->kind, el) == c->devid) {
			found = true;
			if (!c->add)
				continue;
		}
		json_object_array_add(keep, json_object_get(el));
	}
	if (c->add && found) {
		rc = ERROR_DEVICE_EXISTS;
	} else if (c->add) {
		json_object *el = json_tokener_parse(c->json);

		if (el == NULL)
			rc = ERROR_FAIL;
		else
			json_object_array_add(keep, el);
	}
	if (rc == 0) {
		json_object_object_add(cfg, array_name(c->kind), keep);
		sim_domain_set_config(d, json_object_to_json_string_ext(cfg,
		    JSON_C_TO_STRING_PLAIN));
		sim_domain_save(d);
	} else {
		json_object_put(keep);
	}
	json_object_put(cfg);
	return rc;
}

static void device_done(struct sim_op *op)
{
	struct sim_domain *d = sim_domain_find(op->domid);
	struct device_change *c = op->data;
	int rc;

	if (d == NULL || d->dying) {
		sim_log(XTL_ERROR, 0, op->domid, "unable to get info for domain");
		sim_op_complete(op, ERROR_FAIL);
		return;
	}
	rc = apply(d, c);
	if (rc == ERROR_DEVICE_EXISTS)
		sim_log(XTL_ERROR, 0, op->domid, "device already exists in "
		    "xenstore");
	sim_op_complete(op, rc);
}

static void device_fault_fail(struct sim_op *op)
{
	sim_log(XTL_ERROR, 0, op->domid, "device %s: injected failure",
	    ((struct device_change *)op->data)->add ? "add" : "remove");
	sim_op_complete(op, ERROR_FAIL);
}

static void device_start(struct sim_op *op)
{
	struct sim_domain *d = sim_domain_find(op->domid);

	if (d == NULL || d->dying) {
		device_done(op);	/* fails inside the initiator */
		return;
	}
	if (op->fault.kind == SIM_FAULT_HANG)
		sim_op_wait_forever(op);
	else if (op->fault.kind != SIM_FAULT_NONE)
		sim_op_quick(op, device_fault_fail);
	else
		sim_op_quick(op, device_done);
}

static int device_op(libxl_ctx *ctx, uint32_t domid, struct device_change *c,
    const char *what, const libxl_asyncop_how *ao_how)
{
	struct sim_op *op;
	int rc;

	if ((rc = sim_require_owner(domid, what)) != 0) {
		change_free(c);
		return rc;
	}
	SIM_ENTER();
	op = sim_op_new(ctx, what, domid, ao_how);
	op->data = c;
	op->free_data = change_free;
	op->fault = sim_fault_take(SIM_FAULT_DEVICE, sim_domain_find(domid));
	rc = sim_op_launch(op, device_start);
	SIM_LEAVE();
	return rc;
}

/* ---- disks ---- */

static int disk_change(libxl_ctx *ctx, uint32_t domid, libxl_device_disk *disk,
    bool add, const char *what, const libxl_asyncop_how *ao_how)
{
	struct device_change *c;
	int devid = disk != NULL ? sim_vdev_devid(disk->vdev) : -1;

	if (devid < 0) {
		sim_log(XTL_ERROR, 0, domid, "Invalid or unsupported virtual "
		    "disk identifier %s",
		    disk != NULL && disk->vdev != NULL ? disk->vdev : "");
		return ERROR_INVAL;
	}
	c = calloc(1, sizeof *c);
	c->kind = DEV_DISK;
	c->add = add;
	c->devid = devid;
	if (add)
		c->json = libxl_device_disk_to_json(ctx, disk);
	return device_op(ctx, domid, c, what, ao_how);
}

int libxl_device_disk_add(libxl_ctx *ctx, uint32_t domid,
    libxl_device_disk *disk, const libxl_asyncop_how *ao_how)
{
	return disk_change(ctx, domid, disk, true, "disk-add", ao_how);
}

int libxl_device_disk_remove(libxl_ctx *ctx, uint32_t domid,
    libxl_device_disk *disk, const libxl_asyncop_how *ao_how)
{
	return disk_change(ctx, domid, disk, false, "disk-remove", ao_how);
}

int libxl_device_disk_destroy(libxl_ctx *ctx, uint32_t domid,
    libxl_device_disk *disk, const libxl_asyncop_how *ao_how)
{
	return disk_change(ctx, domid, disk, false, "disk-destroy", ao_how);
}

int libxl_device_disk_safe_remove(libxl_ctx *ctx, uint32_t domid,
    libxl_device_disk *disk, const libxl_asyncop_how *ao_how)
{
	return disk_change(ctx, domid, disk, false, "disk-safe-remove", ao_how);
}

/* ---- nics ---- */

static int next_nic_devid(uint32_t domid)
{
	struct sim_domain *d = sim_domain_find(domid);
	int next = 0;

	for (int i = 0; d != NULL && i < d->num_nics; i++)
		if (d->nic_devids[i] >= next)
			next = d->nic_devids[i] + 1;
	return next;
}

static int nic_change(libxl_ctx *ctx, uint32_t domid, libxl_device_nic *nic,
    bool add, const char *what, const libxl_asyncop_how *ao_how)
{
	struct device_change *c;
	static const libxl_mac zero_mac;

	if (nic == NULL)
		return ERROR_INVAL;
	if (add) {
		/* libxl__device_nic_setdefault fills these in the caller's
		 * struct. */
		if (nic->devid < 0)
			nic->devid = next_nic_devid(domid);
		if (memcmp(nic->mac, zero_mac, sizeof zero_mac) == 0) {
			uint64_t r = sim_random64();

			nic->mac[0] = 0x00;
			nic->mac[1] = 0x16;
			nic->mac[2] = 0x3e;
			nic->mac[3] = (r >> 8) & 0x7f;
			nic->mac[4] = (r >> 16) & 0xff;
			nic->mac[5] = (r >> 24) & 0xff;
		}
	} else if (nic->devid < 0) {
		return ERROR_INVAL;
	}
	c = calloc(1, sizeof *c);
	c->kind = DEV_NIC;
	c->add = add;
	c->devid = nic->devid;
	if (add)
		c->json = libxl_device_nic_to_json(ctx, nic);
	return device_op(ctx, domid, c, what, ao_how);
}

int libxl_device_nic_add(libxl_ctx *ctx, uint32_t domid, libxl_device_nic *nic,
    const libxl_asyncop_how *ao_how)
{
	return nic_change(ctx, domid, nic, true, "nic-add", ao_how);
}

int libxl_device_nic_remove(libxl_ctx *ctx, uint32_t domid,
    libxl_device_nic *nic, const libxl_asyncop_how *ao_how)
{
	return nic_change(ctx, domid, nic, false, "nic-remove", ao_how);
}

int libxl_device_nic_destroy(libxl_ctx *ctx, uint32_t domid,
    libxl_device_nic *nic, const libxl_asyncop_how *ao_how)
{
	return nic_change(ctx, domid, nic, false, "nic-destroy", ao_how);
}

/* ---- lists ---- */

static json_object *device_array(uint32_t domid, enum device_kind kind,
    json_object **cfg_out)
{
	struct sim_domain *d;
	json_object *cfg, *arr;

	sim_sync();
	d = sim_domain_find(domid);
	*cfg_out = NULL;
	if (d == NULL || (cfg = json_tokener_parse(d->config)) == NULL)
		return NULL;
	*cfg_out = cfg;
	if (!json_object_object_get_ex(cfg, array_name(kind), &arr) ||
	    !json_object_is_type(arr, json_type_array))
		return NULL;
	return arr;
}

libxl_device_disk *libxl_device_disk_list(libxl_ctx *ctx, uint32_t domid,
    int *num)
{
	json_object *cfg, *arr = device_array(domid, DEV_DISK, &cfg);
	libxl_device_disk *list = NULL;
	int n = arr != NULL ? (int)json_object_array_length(arr) : 0;

	*num = 0;
	if (n > 0) {
		list = calloc(n, sizeof *list);
		for (int i = 0; i < n; i++) {
			libxl_device_disk_init(&list[i]);
			libxl_device_disk_from_json(ctx, &list[i],
			    json_object_to_json_string_ext(
			    json_object_array_get_idx(arr, i),
			    JSON_C_TO_STRING_PLAIN));
		}
		*num = n;
	}
	json_object_put(cfg);
	return list;
}

libxl_device_nic *libxl_device_nic_list(libxl_ctx *ctx, uint32_t domid,
    int *num)
{
	json_object *cfg, *arr = device_array(domid, DEV_NIC, &cfg);
	libxl_device_nic *list = NULL;
	int n = arr != NULL ? (int)json_object_array_length(arr) : 0;

	*num = 0;
	if (n > 0) {
		list = calloc(n, sizeof *list);
		for (int i = 0; i < n; i++) {
			libxl_device_nic_init(&list[i]);
			libxl_device_nic_from_json(ctx, &list[i],
			    json_object_to_json_string_ext(
			    json_object_array_get_idx(arr, i),
			    JSON_C_TO_STRING_PLAIN));
		}
		*num = n;
	}
	json_object_put(cfg);
	return list;
}
