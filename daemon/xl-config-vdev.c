/* The virtual display, input and USB device lists of an xl config: vfb,
 * vkb, vdispl, usbctrl, usbdev (see xl-config-devices.c for the rules). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "daemon/xl-config-int.h"
#include "proto/mem.h"

#define WHY XLC_WHY
#define QUOTE XLC_QUOTE

/* ------------------------------------------------------------------------
 * vfb: each also gets a vkb, as in xl */

static bool vfb_option(struct xlc *p, void *dev, const char *name,
    char *value, char *why, size_t whylen)
{
	libxl_device_vfb *vfb = dev;
	static const struct xlc_string_option strings[] = {
		{ "vnclisten", offsetof(libxl_device_vfb, vnc.listen) },
		{ "vncpasswd", offsetof(libxl_device_vfb, vnc.passwd) },
		{ "keymap", offsetof(libxl_device_vfb, keymap) },
		{ "display", offsetof(libxl_device_vfb, sdl.display) },
		{ "xauthority", offsetof(libxl_device_vfb, sdl.xauthority) },
	};
	static const struct {
		const char *name;
		size_t offset;
	} bools[] = {
		{ "vnc", offsetof(libxl_device_vfb, vnc.enable) },
		{ "vncunused", offsetof(libxl_device_vfb, vnc.findunused) },
		{ "sdl", offsetof(libxl_device_vfb, sdl.enable) },
		{ "opengl", offsetof(libxl_device_vfb, sdl.opengl) },
	};
	unsigned long ul;
	bool b;

	(void)p;
	if (!xlc_need_value(name, value, why, whylen))
		return false;
	if (xlc_string_option(strings, sizeof strings / sizeof strings[0],
	    vfb, name, value))
		return true;
	for (size_t i = 0; i < sizeof bools / sizeof bools[0]; i++)
		if (strcmp(bools[i].name, name) == 0) {
			if (!xlc_bool_option(name, value, &b, why, whylen))
				return false;
			libxl_defbool_set((libxl_defbool *)((char *)vfb +
			    bools[i].offset), b);
			return true;
		}
	if (strcmp(name, "vncdisplay") == 0) {
		if (!xlc_option_ulong(name, value, 65535, &ul, why, whylen))
			return false;
		vfb->vnc.display = (int)ul;
		return true;
	}
	return xlc_unknown(name, why, whylen);
}

static struct err *vfb_entry(struct xlc *p, const char *key, int i,
    const char *spec)
{
	libxl_domain_config *d = p->d;
	libxl_device_vfb *vfb;
	libxl_device_vkb *vkb;

	vfb = XLC_APPEND(d->vfbs, d->num_vfbs, libxl_device_vfb_init);
	vfb->devid = i;
	vkb = XLC_APPEND(d->vkbs, d->num_vkbs, libxl_device_vkb_init);
	vkb->devid = d->num_vkbs - 1;
	return xlc_spec_options(p, key, i, spec, vfb, vfb_option);
}

struct err *xlc_vfbs(struct xlc *p, const struct xlc_key *k)
{
	return xlc_each_spec(p, k->name, vfb_entry);
}

/* ------------------------------------------------------------------------
 * vkb */

static bool vkb_option(struct xlc *p, void *dev, const char *name,
    char *value, char *why, size_t whylen)
{
	libxl_device_vkb *vkb = dev;
	static const struct {
		const char *name;
		size_t offset;
		bool is_bool;
	} numbers[] = {
		{ "feature-disable-keyboard",
		    offsetof(libxl_device_vkb, feature_disable_keyboard), true },
		{ "feature-disable-pointer",
		    offsetof(libxl_device_vkb, feature_disable_pointer), true },
		{ "feature-abs-pointer",
		    offsetof(libxl_device_vkb, feature_abs_pointer), true },
		{ "feature-raw-pointer",
		    offsetof(libxl_device_vkb, feature_raw_pointer), true },
		{ "feature-multi-touch",
		    offsetof(libxl_device_vkb, feature_multi_touch), true },
		{ "multi-touch-width",
		    offsetof(libxl_device_vkb, multi_touch_width), false },
		{ "multi-touch-height",
		    offsetof(libxl_device_vkb, multi_touch_height), false },
		{ "multi-touch-num-contacts",
		    offsetof(libxl_device_vkb, multi_touch_num_contacts),
		    false },
		{ "width", offsetof(libxl_device_vkb, width), false },
		{ "height", offsetof(libxl_device_vkb, height), false },
	};
	unsigned long ul;

	(void)p;
	if (!xlc_need_value(name, value, why, whylen))
		return false;
	if (strcmp(name, "backend") == 0) {
		xreplace(&vkb->backend_domname, value);
		return true;
	}
	if (strcmp(name, "unique-id") == 0) {
		xreplace(&vkb->unique_id, value);
		return true;
	}
	if (strcmp(name, "backend-type") == 0) {
		if (libxl_vkb_backend_from_string(value, &vkb->backend_type))
			return WHY("backend-type '%.*s' is not qemu or linux",
			    QUOTE(value));
		return true;
	}
	for (size_t i = 0; i < sizeof numbers / sizeof numbers[0]; i++) {
		char *field = (char *)vkb + numbers[i].offset;

		if (strcmp(numbers[i].name, name) != 0)
			continue;
		if (numbers[i].is_bool)
			return xlc_bool_option(name, value, (bool *)field, why,
			    whylen);
		if (!xlc_option_ulong(name, value, UINT32_MAX, &ul, why,
		    whylen))
			return false;
		*(uint32_t *)field = (uint32_t)ul;
		return true;
	}
	return xlc_unknown(name, why, whylen);
}

static struct err *vkb_entry(struct xlc *p, const char *key, int i,
    const char *spec)
{
	libxl_domain_config *d = p->d;
	libxl_device_vkb *vkb;
	struct err *e;
	bool touch_sized;

	vkb = XLC_APPEND(d->vkbs, d->num_vkbs, libxl_device_vkb_init);
	vkb->devid = d->num_vkbs - 1;
	if ((e = xlc_spec_options(p, key, i, spec, vkb, vkb_option)) != NULL)
		return e;
	if (vkb->backend_type == LIBXL_VKB_BACKEND_UNKNOWN)
		return xlc_bad_value(p, key, "entry %d: backend-type is "
		    "required", i + 1);
	touch_sized = vkb->multi_touch_width || vkb->multi_touch_height ||
	    vkb->multi_touch_num_contacts;
	if (touch_sized)
		vkb->feature_multi_touch = true;
	else if (vkb->feature_multi_touch)
		return xlc_bad_value(p, key, "entry %d: multi touch needs "
		    "multi-touch-width, -height and -num-contacts", i + 1);
	return NULL;
}

struct err *xlc_vkbs(struct xlc *p, const struct xlc_key *k)
{
	return xlc_each_spec(p, k->name, vkb_entry);
}

/* ------------------------------------------------------------------------
 * vdispl: connectors=id:WxH;id:WxH */

static bool connectors(libxl_device_vdispl *vdispl, const char *value,
    char *why, size_t whylen)
{
	char *copy = xstrdup(value), *item, *save = NULL, *colon;
	unsigned w, h;
	int used;
	bool ok = true;

	for (item = strtok_r(copy, ";", &save); item != NULL && ok;
	    item = strtok_r(NULL, ";", &save)) {
		libxl_connector_param *c;

		colon = strchr(item, ':');
		used = 0;
		if (colon == NULL || colon == item ||
		    sscanf(colon + 1, "%ux%u%n", &w, &h, &used) != 2 ||
		    colon[1 + used] != '\0') {
			ok = WHY("connector '%.*s' is not id:WIDTHxHEIGHT",
			    QUOTE(item));
			break;
		}
		*colon = '\0';
		c = XLC_APPEND(vdispl->connectors, vdispl->num_connectors,
		    libxl_connector_param_init);
		c->unique_id = xstrdup(item);
		c->width = w;
		c->height = h;
	}
	free(copy);
	return ok;
}

static bool vdispl_option(struct xlc *p, void *dev, const char *name,
    char *value, char *why, size_t whylen)
{
	libxl_device_vdispl *vdispl = dev;

	(void)p;
	if (!xlc_need_value(name, value, why, whylen))
		return false;
	if (strcmp(name, "backend") == 0) {
		xreplace(&vdispl->backend_domname, value);
		return true;
	}
	if (strcmp(name, "be-alloc") == 0)
		return xlc_bool_option(name, value, &vdispl->be_alloc, why,
		    whylen);
	if (strcmp(name, "connectors") == 0)
		return connectors(vdispl, value, why, whylen);
	return xlc_unknown(name, why, whylen);
}

static struct err *vdispl_entry(struct xlc *p, const char *key, int i,
    const char *spec)
{
	libxl_domain_config *d = p->d;
	libxl_device_vdispl *vdispl;
	struct err *e;

	vdispl = XLC_APPEND(d->vdispls, d->num_vdispls,
	    libxl_device_vdispl_init);
	vdispl->devid = i;
	if ((e = xlc_spec_options(p, key, i, spec, vdispl, vdispl_option)))
		return e;
	if (vdispl->num_connectors == 0)
		return xlc_bad_value(p, key, "entry %d: at least one connector "
		    "is required", i + 1);
	return NULL;
}

struct err *xlc_vdispls(struct xlc *p, const struct xlc_key *k)
{
	return xlc_each_spec(p, k->name, vdispl_entry);
}

/* ------------------------------------------------------------------------
 * usbctrl, usbdev */

static bool usbctrl_option(struct xlc *p, void *dev, const char *name,
    char *value, char *why, size_t whylen)
{
	libxl_device_usbctrl *ctrl = dev;
	unsigned long ul;

	(void)p;
	if (!xlc_need_value(name, value, why, whylen))
		return false;
	if (strcmp(name, "type") == 0)
		return libxl_usbctrl_type_from_string(value, &ctrl->type) == 0 ?
		    true : WHY("unknown controller type '%.*s'", QUOTE(value));
	if (strcmp(name, "version") == 0 || strcmp(name, "ports") == 0) {
		if (!xlc_option_ulong(name, value, 31, &ul, why, whylen))
			return false;
		*(name[0] == 'v' ? &ctrl->version : &ctrl->ports) = (int)ul;
		return true;
	}
	return xlc_unknown(name, why, whylen);
}

static struct err *usbctrl_entry(struct xlc *p, const char *key, int i,
    const char *spec)
{
	libxl_domain_config *d = p->d;
	libxl_device_usbctrl *ctrl;

	ctrl = XLC_APPEND(d->usbctrls, d->num_usbctrls,
	    libxl_device_usbctrl_init);
	ctrl->devid = i;
	return xlc_spec_options(p, key, i, spec, ctrl, usbctrl_option);
}

struct err *xlc_usbctrls(struct xlc *p, const struct xlc_key *k)
{
	return xlc_each_spec(p, k->name, usbctrl_entry);
}

static bool usbdev_option(struct xlc *p, void *dev, const char *name,
    char *value, char *why, size_t whylen)
{
	libxl_device_usbdev *usb = dev;
	unsigned long ul;

	(void)p;
	if (!xlc_need_value(name, value, why, whylen))
		return false;
	if (strcmp(name, "type") == 0)
		return libxl_usbdev_type_from_string(value, &usb->type) == 0 ?
		    true : WHY("unknown device type '%.*s'", QUOTE(value));
	if (strcmp(name, "hostbus") == 0 || strcmp(name, "hostaddr") == 0) {
		if (!xlc_option_ulong(name, value, 255, &ul, why, whylen))
			return false;
		*(name[4] == 'b' ? &usb->u.hostdev.hostbus :
		    &usb->u.hostdev.hostaddr) = (uint8_t)ul;
		return true;
	}
	if (strcmp(name, "controller") == 0 || strcmp(name, "port") == 0) {
		if (!xlc_option_ulong(name, value, 65535, &ul, why, whylen))
			return false;
		if (name[0] == 'c')
			usb->ctrl = (libxl_devid)ul;
		else
			usb->port = (int)ul;
		return true;
	}
	return xlc_unknown(name, why, whylen);
}

static struct err *usbdev_entry(struct xlc *p, const char *key, int i,
    const char *spec)
{
	libxl_domain_config *d = p->d;
	libxl_device_usbdev *usb;

	usb = XLC_APPEND(d->usbdevs, d->num_usbdevs, libxl_device_usbdev_init);
	return xlc_spec_options(p, key, i, spec, usb, usbdev_option);
}

struct err *xlc_usbdevs(struct xlc *p, const struct xlc_key *k)
{
	return xlc_each_spec(p, k->name, usbdev_entry);
}
