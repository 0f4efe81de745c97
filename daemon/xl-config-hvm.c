/* xl.cfg keys with a grammar of their own: most are HVM's (viridian,
 * vga, firmware, ...), and the platform resources (ioports, irqs, iomem,
 * cpuid).  As in xl_parse.c of Xen 4.17, except that whatever xl would
 * only warn about and skip is an error here. */
#include "config.h"

#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/xl-config-int.h"
#include "proto/mem.h"

/* Xen's public headers (hvm/e820.h, arch-x86/xen-mca.h). */
#define BELOW_4G_MMIO_MIB_MIN 256
#define BELOW_4G_MMIO_MIB_MAX 3840
#define MCA_CAP_LMCE UINT64_C(1)

/* A list of names ("[!]name", "all", "defaults"), or a boolean. */
struct err *xlc_viridian(struct xlc *p, const struct xlc_key *k)
{
	libxl_domain_build_info *b = &p->d->b_info;
	libxl_bitmap *set, *clear;
	XLU_ConfigList *list;
	const char *s;
	struct err *e;
	int n, v;

	if (!xlc_is_list(p, k->name))
		return xlc_bool(p, k->name, &b->u.hvm.viridian);
	xlc_list(p, k->name, &list, &n);
	if (n > 0 &&
	    (libxl_bitmap_alloc(p->ctx, &b->u.hvm.viridian_enable,
	    LIBXL_BUILDINFO_HVM_VIRIDIAN_ENABLE_DISABLE_WIDTH) != 0 ||
	    libxl_bitmap_alloc(p->ctx, &b->u.hvm.viridian_disable,
	    LIBXL_BUILDINFO_HVM_VIRIDIAN_ENABLE_DISABLE_WIDTH) != 0))
		return err_new(ERR_INTERNAL, "cannot allocate a bitmap");
	for (int i = 0; i < n; i++) {
		if ((e = xlc_list_string(p, k->name, list, i, &s)) != NULL)
			return e;
		if (strcmp(s, "all") == 0) {
			libxl_bitmap_set_any(&b->u.hvm.viridian_enable);
			continue;
		}
		if (strcmp(s, "defaults") == 0) {
			libxl_defbool_set(&b->u.hvm.viridian, true);
			continue;
		}
		set = &b->u.hvm.viridian_enable;
		clear = &b->u.hvm.viridian_disable;
		if (*s == '!') {
			set = &b->u.hvm.viridian_disable;
			clear = &b->u.hvm.viridian_enable;
			s++;
		}
		if ((e = xlc_enum(p, k->name,
		    libxl_viridian_enlightenment_string_table, s, &v)) != NULL)
			return e;
		libxl_bitmap_set(set, v);
		libxl_bitmap_reset(clear, v);
	}
	return NULL;
}

struct err *xlc_mmio_hole(struct xlc *p, const struct xlc_key *k)
{
	struct err *e;
	long l;

	if ((e = xlc_long(p, k->name, BELOW_4G_MMIO_MIB_MIN,
	    BELOW_4G_MMIO_MIB_MAX, &l)) != NULL)
		return e;
	p->d->b_info.u.hvm.mmio_hole_memkb = (uint64_t)l * 1024;
	return NULL;
}

struct err *xlc_ms_vm_genid(struct xlc *p, const struct xlc_key *k)
{
	const char *s;
	struct err *e;

	if ((e = xlc_string(p, k->name, &s)) != NULL)
		return e;
	if (strcmp(s, "none") == 0)
		return NULL;
	if (strcmp(s, "generate") != 0)
		return xlc_bad_value(p, k->name, "'%s' is not generate or none",
		    s);
	if (libxl_ms_vm_genid_generate(p->ctx,
	    &p->d->b_info.u.hvm.ms_vm_genid) != 0)
		return err_new(ERR_INTERNAL, "cannot generate a VM generation "
		    "id");
	return NULL;
}

struct err *xlc_mca_caps(struct xlc *p, const struct xlc_key *k)
{
	XLU_ConfigList *list;
	const char *s;
	struct err *e;
	int n;

	if ((e = xlc_list(p, k->name, &list, &n)) != NULL)
		return e;
	for (int i = 0; i < n; i++) {
		if ((e = xlc_list_string(p, k->name, list, i, &s)) != NULL)
			return e;
		if (strcmp(s, "lmce") != 0)
			return xlc_bad_value(p, k->name, "unknown capability "
			    "'%s' (only lmce)", s);
		p->d->b_info.u.hvm.mca_caps |= MCA_CAP_LMCE;
	}
	return NULL;
}

/* "seabios", "rombios", "ovmf" (the bios), "uefi" (ovmf), "bios" (the
 * device model's default) or a path to the firmware. */
struct err *xlc_hvm_firmware(struct xlc *p, const struct xlc_key *k)
{
	libxl_domain_build_info *b = &p->d->b_info;
	const char *s;
	struct err *e;

	if ((e = xlc_string(p, k->name, &s)) != NULL)
		return e;
	if (libxl_bios_type_from_string(s, &b->u.hvm.bios) == 0)
		return NULL;
	if (strcmp(s, "uefi") == 0)
		b->u.hvm.bios = LIBXL_BIOS_TYPE_OVMF;
	else if (strcmp(s, "bios") != 0)
		xreplace(&b->u.hvm.firmware, s);
	return NULL;
}

/* Always (hvm): vga by name, else the old stdvga boolean (false:
 * cirrus). */
struct err *xlc_vga(struct xlc *p, const struct xlc_key *k)
{
	libxl_vga_interface_info *vga = &p->d->b_info.u.hvm.vga;
	static const struct {
		const char *name;
		libxl_vga_interface_type kind;
	} kinds[] = {
		{ "stdvga", LIBXL_VGA_INTERFACE_TYPE_STD },
		{ "cirrus", LIBXL_VGA_INTERFACE_TYPE_CIRRUS },
		{ "none", LIBXL_VGA_INTERFACE_TYPE_NONE },
		{ "qxl", LIBXL_VGA_INTERFACE_TYPE_QXL },
	};
	const char *s;
	struct err *e;
	long l;

	if (p->d->c_info.type != LIBXL_DOMAIN_TYPE_HVM)
		return NULL;
	if (xlc_has(p, k->name)) {
		if ((e = xlc_string(p, k->name, &s)) != NULL)
			return e;
		for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
			if (strcmp(kinds[i].name, s) == 0) {
				vga->kind = kinds[i].kind;
				return NULL;
			}
		return xlc_bad_value(p, k->name, "'%s' is not stdvga, cirrus, "
		    "none or qxl", s);
	}
	if (!xlc_has(p, "stdvga"))
		return NULL;
	if ((e = xlc_long(p, "stdvga", LONG_MIN, LONG_MAX, &l)) != NULL)
		return e;
	vga->kind = l ? LIBXL_VGA_INTERFACE_TYPE_STD :
	    LIBXL_VGA_INTERFACE_TYPE_CIRRUS;
	return NULL;
}

/* A boolean, or the kind of device ("igd"), which turns it on. */
struct err *xlc_gfx_passthru(struct xlc *p, const struct xlc_key *k)
{
	libxl_domain_build_info *b = &p->d->b_info;
	const char *s;
	struct err *e;
	long l;
	int v;

	if (!xlc_is_list(p, k->name) &&
	    xlu_cfg_get_long(p->xlu.cfg, k->name, &l, 1) == 0) {
		libxl_defbool_set(&b->u.hvm.gfx_passthru, l != 0);
		return NULL;
	}
	if ((e = xlc_string(p, k->name, &s)) != NULL ||
	    (e = xlc_enum(p, k->name, libxl_gfx_passthru_kind_string_table, s,
	    &v)) != NULL)
		return e;
	b->u.hvm.gfx_passthru_kind = (libxl_gfx_passthru_kind)v;
	libxl_defbool_set(&b->u.hvm.gfx_passthru, true);
	return NULL;
}

/* A list into list_field, or one string into field. */
static struct err *string_or_list(struct xlc *p, const char *key,
    char **field, libxl_string_list *list_field)
{
	const char *s;
	struct err *e;

	if (xlc_is_list(p, key))
		return xlc_strings(p, key, list_field);
	if ((e = xlc_string(p, key, &s)) == NULL)
		xreplace(field, s);
	return e;
}

struct err *xlc_serial(struct xlc *p, const struct xlc_key *k)
{
	libxl_domain_build_info *b = &p->d->b_info;

	return string_or_list(p, k->name, &b->u.hvm.serial,
	    &b->u.hvm.serial_list);
}

struct err *xlc_usbdevice(struct xlc *p, const struct xlc_key *k)
{
	libxl_domain_build_info *b = &p->d->b_info;

	return string_or_list(p, k->name, &b->u.hvm.usbdevice,
	    &b->u.hvm.usbdevice_list);
}

/* A number in base (16 or 10) below 2^32 - 1, the whole of s..end. */
static bool number(const char *s, const char *end, int base, uint32_t *out)
{
	unsigned long long v;
	char *stop;

	if (s == end || !((*s >= '0' && *s <= '9') ||
	    (base == 16 && strchr("abcdefABCDEF", *s) != NULL)))
		return false;
	v = strtoull(s, &stop, base);
	if (stop != end || v >= UINT32_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

/* "first[-last]" in hex: I/O port ranges. */
struct err *xlc_ioports(struct xlc *p, const struct xlc_key *k)
{
	libxl_domain_build_info *b = &p->d->b_info;
	XLU_ConfigList *list;
	const char *s, *dash;
	uint32_t first, last;
	struct err *e;
	int n;

	if ((e = xlc_list(p, k->name, &list, &n)) != NULL)
		return e;
	b->ioports = xcalloc((size_t)n, sizeof *b->ioports);
	b->num_ioports = n;
	for (int i = 0; i < n; i++) {
		if ((e = xlc_list_string(p, k->name, list, i, &s)) != NULL)
			return e;
		dash = strchr(s, '-');
		if (!number(s, dash ? dash : s + strlen(s), 16, &first) ||
		    !number(dash ? dash + 1 : s, s + strlen(s), 16, &last) ||
		    last < first)
			return xlc_bad_value(p, k->name, "'%s' is not a hex "
			    "port or range", s);
		b->ioports[i].first = first;
		b->ioports[i].number = last - first + 1;
	}
	return NULL;
}

struct err *xlc_irqs(struct xlc *p, const struct xlc_key *k)
{
	libxl_domain_build_info *b = &p->d->b_info;
	XLU_ConfigList *list;
	const char *s;
	struct err *e;
	int n;

	if ((e = xlc_list(p, k->name, &list, &n)) != NULL)
		return e;
	b->irqs = xcalloc((size_t)n, sizeof *b->irqs);
	b->num_irqs = n;
	for (int i = 0; i < n; i++) {
		if ((e = xlc_list_string(p, k->name, list, i, &s)) != NULL)
			return e;
		if (!number(s, s + strlen(s), 10, &b->irqs[i]))
			return xlc_bad_value(p, k->name, "'%s' is not an irq",
			    s);
	}
	return NULL;
}

/* "start,count[@gfn]" in hex pages. */
struct err *xlc_iomem(struct xlc *p, const struct xlc_key *k)
{
	libxl_domain_build_info *b = &p->d->b_info;
	XLU_ConfigList *list;
	const char *s;
	struct err *e;
	int n, used = 0, got;

	if ((e = xlc_list(p, k->name, &list, &n)) != NULL)
		return e;
	b->iomem = xcalloc((size_t)n, sizeof *b->iomem);
	b->num_iomem = n;
	for (int i = 0; i < n; i++) {
		libxl_iomem_range *r = &b->iomem[i];

		libxl_iomem_range_init(r);
		if ((e = xlc_list_string(p, k->name, list, i, &s)) != NULL)
			return e;
		got = sscanf(s, "%" SCNx64 ",%" SCNx64 "%n@%" SCNx64 "%n",
		    &r->start, &r->number, &used, &r->gfn, &used);
		if (got < 2 || s[used] != '\0')
			return xlc_bad_value(p, k->name, "'%s' is not "
			    "start,count[@gfn] in hex", s);
	}
	return NULL;
}

/* A list of xend-style leaf policies, or "host,flag=value,...". */
struct err *xlc_cpuid(struct xlc *p, const struct xlc_key *k)
{
	libxl_cpuid_policy_list *cpuid = &p->d->b_info.cpuid;
	char *copy, *item, *save = NULL;
	XLU_ConfigList *list;
	const char *s;
	struct err *e = NULL;
	int n;

	if (xlc_is_list(p, k->name)) {
		xlc_list(p, k->name, &list, &n);
		for (int i = 0; i < n; i++) {
			if ((e = xlc_list_string(p, k->name, list, i, &s)))
				return e;
			if (libxl_cpuid_parse_config_xend(cpuid, s) != 0)
				return xlc_bad_value(p, k->name, "bad leaf "
				    "policy '%s'", s);
		}
		return NULL;
	}
	if ((e = xlc_string(p, k->name, &s)) != NULL)
		return e;
	copy = xstrdup(s);
	item = strtok_r(copy, ",", &save);
	if (item == NULL || strcmp(item, "host") != 0)
		e = xlc_bad_value(p, k->name, "the first word must be host");
	while (e == NULL && (item = strtok_r(NULL, ",", &save)) != NULL)
		if (libxl_cpuid_parse_config(cpuid, item) != 0)
			e = xlc_bad_value(p, k->name, "bad flag '%s'", item);
	free(copy);
	return e;
}

/* libxlutil parses it.  Its 4.17 parser refuses every valid "policy="
 * (it inverts libxl's return code; xl then ignores the whole key): that
 * refusal is passed on, with a hint. */
struct err *xlc_rdm(struct xlc *p, const struct xlc_key *k)
{
	libxl_domain_build_info *b = &p->d->b_info;
	libxl_rdm_reserve rdm;
	const char *s;
	char why[256];
	struct err *e;

	if ((e = xlc_string(p, k->name, &s)) != NULL)
		return e;
	libxl_rdm_reserve_init(&rdm);
	if (xlu_rdm_parse(p->xlu.cfg, &rdm, s) != 0) {
		xlc_take_report(&p->xlu, why, sizeof why, "bad rdm spec");
		return xlc_bad_value(p, k->name, "%s%s", why,
		    strstr(s, "policy=") != NULL ? " (libxlutil 4.17 refuses "
		    "every policy=; set rdm_policy per pci device)" : "");
	}
	b->u.hvm.rdm.strategy = rdm.strategy;
	b->u.hvm.rdm.policy = rdm.policy;
	return NULL;
}

static const char *const display_keys[] = {
	"vnclisten", "vncpasswd", "vncdisplay", "vncunused", "sdl", "opengl",
	"display", "xauthority", "keymap",
};
#define NDISPLAY (sizeof display_keys / sizeof display_keys[0])

static struct err *vnc_sdl_into(struct xlc *p, libxl_vnc_info *vnc,
    libxl_sdl_info *sdl, char **keymap)
{
	const char *s;
	struct err *e;
	long l;

	if ((e = xlc_bool(p, "vnc", &vnc->enable)) != NULL ||
	    (e = xlc_string(p, "vnclisten", &s)) != NULL)
		return e;
	if (s != NULL)
		xreplace(&vnc->listen, s);
	if ((e = xlc_string(p, "vncpasswd", &s)) != NULL)
		return e;
	if (s != NULL)
		xreplace(&vnc->passwd, s);
	if (xlc_has(p, "vncdisplay")) {
		if ((e = xlc_long(p, "vncdisplay", 0, 65535, &l)) != NULL)
			return e;
		vnc->display = (int)l;
	}
	if ((e = xlc_bool(p, "vncunused", &vnc->findunused)) != NULL ||
	    (e = xlc_bool(p, "sdl", &sdl->enable)) != NULL ||
	    (e = xlc_bool(p, "opengl", &sdl->opengl)) != NULL ||
	    (e = xlc_string(p, "display", &s)) != NULL)
		return e;
	if (s != NULL)
		xreplace(&sdl->display, s);
	if ((e = xlc_string(p, "xauthority", &s)) != NULL)
		return e;
	if (s != NULL)
		xreplace(&sdl->xauthority, s);
	if ((e = xlc_string(p, "keymap", &s)) != NULL)
		return e;
	if (s != NULL)
		xreplace(keymap, s);
	return NULL;
}

/* Always.  hvm: the emulated display.  pv without a vfb list: with vnc
 * true, a vfb and a vkb carrying these keys (as xl); else none of them. */
struct err *xlc_vnc_sdl(struct xlc *p, const struct xlc_key *k)
{
	libxl_domain_config *d = p->d;
	libxl_device_vfb *vfb;
	struct err *e;
	long enable = 0;

	if (d->c_info.type == LIBXL_DOMAIN_TYPE_HVM) {
		libxl_vnc_info *vnc = &d->b_info.u.hvm.vnc;

		if ((e = vnc_sdl_into(p, vnc, &d->b_info.u.hvm.sdl,
		    &d->b_info.u.hvm.keymap)) != NULL)
			return e;
		if (vnc->listen != NULL && vnc->display != 0 &&
		    strchr(vnc->listen, ':') != NULL)
			return xlc_bad_value(p, "vncdisplay", "the display is "
			    "also in vnclisten");
		return NULL;
	}
	if (d->c_info.type != LIBXL_DOMAIN_TYPE_PV)
		return NULL;
	if (xlc_has(p, k->name) &&
	    (e = xlc_long(p, k->name, LONG_MIN, LONG_MAX, &enable)) != NULL)
		return e;
	if (enable == 0 || d->num_vfbs > 0) {
		for (size_t i = 0; i < NDISPLAY; i++)
			if (xlc_has(p, display_keys[i]) ||
			    (d->num_vfbs > 0 && xlc_has(p, k->name)))
				return xlc_bad_value(p, xlc_has(p,
				    display_keys[i]) ? display_keys[i] :
				    k->name, d->num_vfbs > 0 ? "a pv guest "
				    "with vfb takes the display options in vfb" :
				    "needs vnc = 1 for a pv guest");
		return NULL;
	}
	d->vfbs = xcalloc(1, sizeof *d->vfbs);
	libxl_device_vfb_init(&d->vfbs[0]);
	d->vfbs[0].devid = 0;
	d->num_vfbs = 1;
	d->vkbs = xrealloc(d->vkbs, (size_t)(d->num_vkbs + 1) *
	    sizeof *d->vkbs);
	libxl_device_vkb_init(&d->vkbs[d->num_vkbs]);
	d->vkbs[d->num_vkbs].devid = d->num_vkbs;
	d->num_vkbs++;
	vfb = &d->vfbs[0];
	return vnc_sdl_into(p, &vfb->vnc, &vfb->sdl, &vfb->keymap);
}
