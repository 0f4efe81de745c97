/* PCI passthrough.  The host has settings.pci_devices fake devices,
 * 0000:0b:DD.F numbered from 00.0 (eight functions per device).  A device
 * is assignable once libxl_device_pci_assignable_add bound it to
 * "pciback" (sim_host.pci_assignable, in host.json); it is assigned while
 * a domain's stored configuration lists it in "pcidevs" (what
 * libxl_device_pci_list and libxl_retrieve_domain_configuration return),
 * so a destroyed domain gives its devices back by itself, as in Xen.
 *
 * As libxl 4.17 (libxl_pci.c): assignable add/remove are synchronous and
 * idempotent (a warning, success); the assignable list leaves out devices
 * assigned to a domain; hot-plug needs an assignable device that no domain
 * has; removing a device the domain lacks is ERROR_INVAL.  Hot-plug is a
 * quick op that takes "device" faults. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim.h"

#define PCI_SIM_BUS	0x0b

static void bdf_text(const libxl_device_pci *pci, char out[16])
{
	snprintf(out, 16, "%04x:%02x:%02x.%x", (unsigned)pci->domain & 0xffff,
	    pci->bus, pci->dev, pci->func);
}

static bool pci_exists(const libxl_device_pci *pci)
{
	int index = pci->dev * 8 + pci->func;

	return pci->domain == 0 && pci->bus == PCI_SIM_BUS && pci->func < 8 &&
	    index < sim_host.settings.pci_devices;
}

static bool same_device(const libxl_device_pci *a, const libxl_device_pci *b)
{
	return a->domain == b->domain && a->bus == b->bus && a->dev == b->dev &&
	    a->func == b->func;
}

static int assignable_index(const char *bdf)
{
	json_object *a = sim_host.pci_assignable;

	for (size_t i = 0; a != NULL && i < json_object_array_length(a); i++)
		if (strcmp(json_object_get_string(json_object_array_get_idx(a,
		    i)), bdf) == 0)
			return (int)i;
	return -1;
}

/* The domain's "pcidevs", as JSON objects; NULL when it has none. */
static json_object *domain_pcidevs(const struct sim_domain *d,
    json_object **cfg_out)
{
	json_object *arr;

	*cfg_out = json_tokener_parse(d->config);
	if (*cfg_out == NULL ||
	    !json_object_object_get_ex(*cfg_out, "pcidevs", &arr) ||
	    !json_object_is_type(arr, json_type_array))
		return NULL;
	return arr;
}

static bool pci_json_is(libxl_ctx *ctx, json_object *el,
    const libxl_device_pci *pci)
{
	libxl_device_pci other;
	bool same;

	libxl_device_pci_init(&other);
	same = libxl_device_pci_from_json(ctx, &other,
	    json_object_to_json_string_ext(el, JSON_C_TO_STRING_PLAIN)) == 0 &&
	    same_device(&other, pci);
	libxl_device_pci_dispose(&other);
	return same;
}

/* The domain that has pci, or NULL. */
static struct sim_domain *pci_owner(libxl_ctx *ctx,
    const libxl_device_pci *pci)
{
	for (struct sim_domain *d = sim_domain_first(); d != NULL;
	    d = d->hh.next) {
		json_object *cfg, *arr = domain_pcidevs(d, &cfg);
		bool found = false;

		for (size_t i = 0; arr != NULL && !found &&
		    i < json_object_array_length(arr); i++)
			found = pci_json_is(ctx, json_object_array_get_idx(arr,
			    i), pci);
		json_object_put(cfg);
		if (found)
			return d;
	}
	return NULL;
}

/* ---- the host's assignable devices (synchronous) ---- */

int libxl_device_pci_assignable_add(libxl_ctx *ctx, libxl_device_pci *pci,
    int rebind)
{
	char bdf[16];

	sim_sync();
	bdf_text(pci, bdf);
	if (!pci_exists(pci)) {
		sim_log(XTL_ERROR, 0, INVALID_DOMID, "Couldn't find device %s",
		    bdf);
		return ERROR_FAIL;
	}
	sim_lock();
	if (assignable_index(bdf) >= 0) {
		sim_unlock();
		sim_log(XTL_WARN, 0, INVALID_DOMID, "%s already assigned to "
		    "pciback", bdf);
		return 0;
	}
	if (sim_host.pci_assignable == NULL)
		sim_host.pci_assignable = json_object_new_array();
	json_object_array_add(sim_host.pci_assignable,
	    json_object_new_string(bdf));
	sim_host_save();
	sim_unlock();
	return 0;
}

int libxl_device_pci_assignable_remove(libxl_ctx *ctx, libxl_device_pci *pci,
    int rebind)
{
	struct sim_domain *owner;
	char bdf[16];
	int i;

	sim_sync();
	bdf_text(pci, bdf);
	if ((owner = pci_owner(ctx, pci)) != NULL) {
		sim_log(XTL_ERROR, 0, owner->domid, "PCI device %s is assigned "
		    "to this domain", bdf);
		return ERROR_FAIL;
	}
	sim_lock();
	if ((i = assignable_index(bdf)) < 0) {
		sim_unlock();
		sim_log(XTL_WARN, 0, INVALID_DOMID, "Not bound to pciback");
		return 0;
	}
	json_object_array_del_idx(sim_host.pci_assignable, (size_t)i, 1);
	sim_host_save();
	sim_unlock();
	return 0;
}

libxl_device_pci *libxl_device_pci_assignable_list(libxl_ctx *ctx, int *num)
{
	libxl_device_pci *list;
	json_object *a;
	int n = 0;

	sim_sync();
	a = sim_host.pci_assignable;
	*num = 0;
	list = calloc(a != NULL ? json_object_array_length(a) + 1 : 1,
	    sizeof *list);
	for (size_t i = 0; a != NULL && i < json_object_array_length(a); i++) {
		libxl_device_pci *p = &list[n];
		unsigned dom, bus, dev, func;

		libxl_device_pci_init(p);
		if (sscanf(json_object_get_string(json_object_array_get_idx(a,
		    i)), "%x:%x:%x.%x", &dom, &bus, &dev, &func) != 4)
			continue;
		p->domain = (int)dom;
		p->bus = (uint8_t)bus;
		p->dev = (uint8_t)dev;
		p->func = (uint8_t)func;
		if (pci_exists(p) && pci_owner(ctx, p) == NULL)
			n++;
		else
			libxl_device_pci_dispose(p);
	}
	*num = n;
	return list;
}

/* ---- hot-plug ---- */

struct pci_change {
	bool add;
	libxl_device_pci pci;
};

static void change_free(void *p)
{
	struct pci_change *c = p;

	libxl_device_pci_dispose(&c->pci);
	free(c);
}

/* Returns a libxl error, 0 when done. */
static int apply(struct sim_op *op, struct sim_domain *d,
    struct pci_change *c)
{
	json_object *cfg, *arr = domain_pcidevs(d, &cfg), *keep;
	bool found = false;
	char bdf[16], *json;

	if (cfg == NULL)
		return ERROR_FAIL;
	bdf_text(&c->pci, bdf);
	keep = json_object_new_array();
	for (size_t i = 0; arr != NULL && i < json_object_array_length(arr);
	    i++) {
		json_object *el = json_object_array_get_idx(arr, i);

		if (pci_json_is(op->ctx, el, &c->pci)) {
			found = true;
			if (!c->add)
				continue;
		}
		json_object_array_add(keep, json_object_get(el));
	}
	if (!c->add && !found) {
		sim_log(XTL_ERROR, 0, d->domid, "PCI device not attached to "
		    "this domain");
		goto fail;
	}
	if (c->add) {
		struct sim_domain *owner = pci_owner(op->ctx, &c->pci);

		if (owner != NULL) {
			sim_log(XTL_ERROR, 0, d->domid, "PCI device %s is "
			    "already assigned to domain %u", bdf,
			    owner->domid);
			goto fail;
		}
		if (!pci_exists(&c->pci) || assignable_index(bdf) < 0) {
			sim_log(XTL_ERROR, 0, d->domid, "PCI device %s is not "
			    "assignable", bdf);
			goto fail;
		}
		json = libxl_device_pci_to_json(op->ctx, &c->pci);
		json_object_array_add(keep, json_tokener_parse(json));
		free(json);
	}
	json_object_object_add(cfg, "pcidevs", keep);
	sim_domain_set_config(d, json_object_to_json_string_ext(cfg,
	    JSON_C_TO_STRING_PLAIN));
	sim_domain_save(d);
	json_object_put(cfg);
	return 0;
fail:
	json_object_put(keep);
	json_object_put(cfg);
	return c->add ? ERROR_FAIL : ERROR_INVAL;
}

static void pci_done(struct sim_op *op)
{
	struct sim_domain *d = sim_domain_find(op->domid);

	if (d == NULL || d->dying || op->domid == 0) {
		sim_log(XTL_ERROR, 0, op->domid, "unable to get info for domain");
		sim_op_complete(op, ERROR_FAIL);
		return;
	}
	sim_op_complete(op, apply(op, d, op->data));
}

static void pci_fault_fail(struct sim_op *op)
{
	sim_log(XTL_ERROR, 0, op->domid, "pci %s: injected failure",
	    ((struct pci_change *)op->data)->add ? "add" : "remove");
	sim_op_complete(op, ERROR_FAIL);
}

static void pci_start(struct sim_op *op)
{
	struct sim_domain *d = sim_domain_find(op->domid);

	if (d == NULL || d->dying)
		pci_done(op);	/* fails inside the initiator */
	else if (op->fault.kind == SIM_FAULT_HANG)
		sim_op_wait_forever(op);
	else if (op->fault.kind != SIM_FAULT_NONE)
		sim_op_quick(op, pci_fault_fail);
	else
		sim_op_quick(op, pci_done);
}

static int pci_change(libxl_ctx *ctx, uint32_t domid, libxl_device_pci *pci,
    bool add, const char *what, const libxl_asyncop_how *ao_how)
{
	struct pci_change *c;
	struct sim_op *op;
	int rc;

	if (pci == NULL)
		return ERROR_INVAL;
	if ((rc = sim_require_owner(domid, what)) != 0)
		return rc;
	c = calloc(1, sizeof *c);
	c->add = add;
	libxl_device_pci_init(&c->pci);
	libxl_device_pci_copy(ctx, &c->pci, pci);
	SIM_ENTER();
	op = sim_op_new(ctx, what, domid, ao_how);
	op->data = c;
	op->free_data = change_free;
	op->fault = sim_fault_take(SIM_FAULT_DEVICE, sim_domain_find(domid));
	rc = sim_op_launch(op, pci_start);
	SIM_LEAVE();
	return rc;
}

int libxl_device_pci_add(libxl_ctx *ctx, uint32_t domid,
    libxl_device_pci *pci, const libxl_asyncop_how *ao_how)
{
	return pci_change(ctx, domid, pci, true, "pci-add", ao_how);
}

int libxl_device_pci_remove(libxl_ctx *ctx, uint32_t domid,
    libxl_device_pci *pci, const libxl_asyncop_how *ao_how)
{
	return pci_change(ctx, domid, pci, false, "pci-remove", ao_how);
}

int libxl_device_pci_destroy(libxl_ctx *ctx, uint32_t domid,
    libxl_device_pci *pci, const libxl_asyncop_how *ao_how)
{
	return pci_change(ctx, domid, pci, false, "pci-destroy", ao_how);
}

libxl_device_pci *libxl_device_pci_list(libxl_ctx *ctx, uint32_t domid,
    int *num)
{
	struct sim_domain *d;
	json_object *cfg = NULL, *arr;
	libxl_device_pci *list = NULL;
	int n;

	sim_sync();
	*num = 0;
	if ((d = sim_domain_find(domid)) == NULL)
		return NULL;
	arr = domain_pcidevs(d, &cfg);
	n = arr != NULL ? (int)json_object_array_length(arr) : 0;
	if (n > 0) {
		list = calloc(n, sizeof *list);
		for (int i = 0; i < n; i++) {
			libxl_device_pci_init(&list[i]);
			libxl_device_pci_from_json(ctx, &list[i],
			    json_object_to_json_string_ext(
			    json_object_array_get_idx(arr, i),
			    JSON_C_TO_STRING_PLAIN));
		}
		*num = n;
	}
	json_object_put(cfg);
	return list;
}

/* ---- creation ---- */

int sim_pci_check_config(libxl_ctx *ctx, const char *config_json)
{
	json_object *cfg = json_tokener_parse(config_json), *arr;
	int rc = 0;

	if (cfg == NULL || !json_object_object_get_ex(cfg, "pcidevs", &arr) ||
	    !json_object_is_type(arr, json_type_array)) {
		json_object_put(cfg);
		return 0;
	}
	for (size_t i = 0; i < json_object_array_length(arr) && rc == 0; i++) {
		libxl_device_pci pci;
		char bdf[16];

		libxl_device_pci_init(&pci);
		if (libxl_device_pci_from_json(ctx, &pci,
		    json_object_to_json_string_ext(json_object_array_get_idx(
		    arr, i), JSON_C_TO_STRING_PLAIN)) != 0) {
			rc = ERROR_INVAL;
		} else {
			bdf_text(&pci, bdf);
			if (!pci_exists(&pci) || assignable_index(bdf) < 0 ||
			    pci_owner(ctx, &pci) != NULL) {
				/* libxl__device_pci_add's check */
				sim_log(XTL_ERROR, 0, INVALID_DOMID, "PCI device "
				    "%s is not assignable", bdf);
				rc = ERROR_FAIL;
			}
		}
		libxl_device_pci_dispose(&pci);
	}
	json_object_put(cfg);
	return rc;
}
