/* The xl.cfg(5) keys of Xen 4.17, one table entry each, in the order of
 * xl's parse_config_data (tools/xl/xl_parse.c): name, the guest types it
 * applies to, its kind and where it goes in libxl_domain_config.  The
 * defaults are xl's.  doc/xl-config.md lists the keys and the refused
 * ones with why. */
#include "config.h"

#include <inttypes.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/cpu-set.h"
#include "daemon/domain-config.h"
#include "daemon/xl-config-int.h"
#include "proto/mem.h"

/* Where Debian's Xen 4.17 keeps pvgrub (xl's XENFIRMWAREDIR). */
#define XEN_FIRMWARE_DIR "/usr/lib/xen-4.17/boot"

/* ------------------------------------------------------------------------
 * Keys that need code */

/* A key read by the parser of another key. */
static struct err *read_elsewhere(struct xlc *p, const struct xlc_key *k)
{
	(void)p;
	(void)k;
	return NULL;
}

static struct err *parse_seclabel(struct xlc *p, const struct xlc_key *k)
{
	libxl_domain_config *d = p->d;
	const char *s;
	struct err *e;

	if ((e = xlc_string(p, k->name, &s)) != NULL)
		return e;
	/* With init_seclabel, seclabel is the label after the build. */
	xreplace(d->c_info.ssid_label != NULL ? &d->b_info.exec_ssid_label :
	    &d->c_info.ssid_label, s);
	return NULL;
}

static struct err *parse_type(struct xlc *p, const struct xlc_key *k)
{
	libxl_domain_type type = LIBXL_DOMAIN_TYPE_INVALID, builder;
	libxl_domain_config *d = p->d;
	const char *s;
	struct err *e;
	int v;

	if ((e = xlc_string(p, k->name, &s)) != NULL)
		return e;
	if (s != NULL) {
		if (strcmp(s, "pv") != 0 && strcmp(s, "pvh") != 0 &&
		    strcmp(s, "hvm") != 0)
			return xlc_bad_value(p, k->name, "'%s' is not pv, pvh "
			    "or hvm", s);
		xlc_enum(p, k->name, libxl_domain_type_string_table, s, &v);
		type = (libxl_domain_type)v;
	}
	if ((e = xlc_string(p, "builder", &s)) != NULL)
		return e;
	if (s != NULL) {
		if (strcmp(s, "generic") == 0)
			builder = LIBXL_DOMAIN_TYPE_PV;
		else if (strcmp(s, "hvm") == 0)
			builder = LIBXL_DOMAIN_TYPE_HVM;
		else
			return xlc_bad_value(p, "builder", "'%s' is not generic "
			    "or hvm", s);
		if (type != LIBXL_DOMAIN_TYPE_INVALID && type != builder)
			return xlc_bad_value(p, "builder", "'%s' contradicts "
			    "type", s);
		type = builder;
	}
	d->c_info.type = type != LIBXL_DOMAIN_TYPE_INVALID ? type :
	    LIBXL_DOMAIN_TYPE_PV;
	libxl_domain_build_info_init_type(&d->b_info, d->c_info.type);
	/* xl's settings from xl.conf, at their defaults. */
	libxl_defbool_set(&d->c_info.run_hotplug_scripts, true);
	libxl_defbool_set(&d->b_info.claim_mode, true);
	return NULL;
}

static struct err *parse_name(struct xlc *p, const struct xlc_key *k)
{
	const char *s;
	struct err *e;

	if ((e = xlc_string(p, k->name, &s)) != NULL)
		return e;
	if (s == NULL)
		return err_new(ERR_INVALID_ARGUMENT, XLC_SOURCE " has no "
		    "'name'");
	if (!domain_config_name_valid(s))
		return xlc_bad_value(p, k->name, "'%s' is not 1 to %d "
		    "characters from [A-Za-z0-9_.+-], not all digits", s,
		    DOMAIN_NAME_MAX);
	xreplace(&p->d->c_info.name, s);
	return NULL;
}

static struct err *parse_uuid(struct xlc *p, const struct xlc_key *k)
{
	libxl_uuid *uuid = &p->d->c_info.uuid;
	const char *s;
	struct err *e;

	if ((e = xlc_string(p, k->name, &s)) != NULL)
		return e;
	if (s == NULL)
		libxl_uuid_generate(uuid);
	else if (libxl_uuid_from_string(uuid, s) != 0)
		return xlc_bad_value(p, k->name, "'%s' is not a UUID", s);
	return NULL;
}

static struct err *parse_vcpus(struct xlc *p, const struct xlc_key *k)
{
	libxl_bitmap *avail = &p->d->b_info.avail_vcpus;
	struct err *e;
	long vcpus;

	if ((e = xlc_long(p, k->name, 1, DOMAIN_MAX_VCPUS, &vcpus)) != NULL)
		return e;
	if (libxl_cpu_bitmap_alloc(p->ctx, avail, (int)vcpus) != 0)
		return err_new(ERR_INTERNAL, "cannot allocate a bitmap");
	libxl_bitmap_set_none(avail);
	for (int i = 0; i < vcpus; i++)
		libxl_bitmap_set(avail, i);
	return NULL;
}

/* Always: maxvcpus, then xl's defaults (maxmem = memory, maxvcpus =
 * vcpus), which the keys after it (cpus) depend on. */
static struct err *parse_maxvcpus(struct xlc *p, const struct xlc_key *k)
{
	libxl_domain_build_info *b = &p->d->b_info;
	int vcpus = b->avail_vcpus.size > 0 ?
	    libxl_bitmap_count_set(&b->avail_vcpus) : 0;
	struct err *e;
	long l;

	if (xlc_has(p, k->name)) {
		if ((e = xlc_long(p, k->name, 1, DOMAIN_MAX_VCPUS, &l)))
			return e;
		b->max_vcpus = (int)l;
	}
	/* As xl: vnuma between maxvcpus and the defaults it can set. */
	if ((e = xlc_vnuma(p)) != NULL)
		return e;
	if (b->max_memkb == LIBXL_MEMKB_DEFAULT)
		b->max_memkb = b->target_memkb;
	else if (b->target_memkb != LIBXL_MEMKB_DEFAULT &&
	    b->max_memkb < b->target_memkb)
		return xlc_bad_value(p, "maxmem", "%" PRIu64 " MiB is less "
		    "than memory (%" PRIu64 " MiB)", b->max_memkb / 1024,
		    b->target_memkb / 1024);
	if (b->max_vcpus == 0)
		b->max_vcpus = vcpus;
	if (b->max_vcpus < vcpus)
		return xlc_bad_value(p, k->name, "%d is less than vcpus (%d)",
		    b->max_vcpus, vcpus);
	return NULL;
}

/* cpus and cpus_soft: a string applies to every vcpu; a list gives one
 * set per vcpu (entries past maxvcpus ignored), and then libxl's NUMA
 * placement is off, as it is for any soft affinity (as in xl). */
static struct err *parse_affinity(struct xlc *p, const struct xlc_key *k)
{
	libxl_domain_build_info *b = &p->d->b_info;
	bool hard = strcmp(k->name, "cpus") == 0;
	XLU_ConfigList *list = NULL;
	const char *item = NULL;
	int n, nvcpus = b->max_vcpus > 0 ? b->max_vcpus : 1;
	libxl_bitmap *maps;
	struct err *e;

	if (xlc_is_list(p, k->name)) {
		xlc_list(p, k->name, &list, &n);
		if (n == 0)
			return xlc_bad_value(p, k->name, "empty list");
		n = n < nvcpus ? n : nvcpus;
	} else {
		if ((e = xlc_string(p, k->name, &item)) != NULL)
			return e;
		n = nvcpus;
	}
	maps = xcalloc((size_t)n, sizeof *maps);
	if (hard) {
		b->vcpu_hard_affinity = maps;
		b->num_vcpu_hard_affinity = n;
	} else {
		b->vcpu_soft_affinity = maps;
		b->num_vcpu_soft_affinity = n;
	}
	for (int i = 0; i < n; i++) {
		libxl_bitmap_init(&maps[i]);
		if (list == NULL && i > 0) {
			libxl_bitmap_copy_alloc(p->ctx, &maps[i], &maps[0]);
			continue;
		}
		if (list != NULL &&
		    (e = xlc_list_string(p, k->name, list, i, &item)) != NULL)
			return e;
		if ((e = cpu_set_parse(p->ctx, item, &maps[i])) != NULL) {
			struct err *bad = list != NULL ?
			    xlc_bad_value(p, k->name, "entry %d: %s", i + 1,
			    e->desc) : xlc_bad_value(p, k->name, "%s", e->desc);

			err_free(e);
			return bad;
		}
	}
	if (list != NULL || !hard)
		libxl_defbool_set(&b->numa_placement, false);
	return NULL;
}

static const char *const action_names[] = {
	[LIBXL_ACTION_ON_SHUTDOWN_DESTROY] = "destroy",
	[LIBXL_ACTION_ON_SHUTDOWN_RESTART] = "restart",
	[LIBXL_ACTION_ON_SHUTDOWN_RESTART_RENAME] = "rename-restart",
	[LIBXL_ACTION_ON_SHUTDOWN_PRESERVE] = "preserve",
	[LIBXL_ACTION_ON_SHUTDOWN_COREDUMP_DESTROY] = "coredump-destroy",
	[LIBXL_ACTION_ON_SHUTDOWN_COREDUMP_RESTART] = "coredump-restart",
	[LIBXL_ACTION_ON_SHUTDOWN_SOFT_RESET] = "soft-reset",
};
#define NACTIONS (sizeof action_names / sizeof action_names[0])

/* Always: absent, on_reboot is restart, on_soft_reset soft-reset, the
 * others destroy. */
static struct err *parse_action(struct xlc *p, const struct xlc_key *k)
{
	libxl_action_on_shutdown *field = xlc_field(p, k);
	const char *s;
	struct err *e;
	size_t j;

	if ((e = xlc_string(p, k->name, &s)) != NULL)
		return e;
	if (s == NULL)
		s = strcmp(k->name, "on_reboot") == 0 ? "restart" :
		    strcmp(k->name, "on_soft_reset") == 0 ? "soft-reset" :
		    "destroy";
	for (j = 0; j < NACTIONS; j++)
		if (action_names[j] != NULL && strcmp(action_names[j], s) == 0)
			break;
	if (j == NACTIONS)
		return xlc_bad_value(p, k->name, "unknown action '%s'", s);
	*field = (libxl_action_on_shutdown)j;
	return NULL;
}

static struct err *parse_kernel(struct xlc *p, const struct xlc_key *k)
{
	libxl_domain_build_info *b = &p->d->b_info;
	const char *s, *base;
	struct err *e;

	if ((e = xlc_string(p, k->name, &s)) != NULL)
		return e;
	base = strrchr(s, '/');
	base = base != NULL ? base + 1 : s;
	/* xl drops an HVM "kernel" naming the firmware. */
	if (b->type != LIBXL_DOMAIN_TYPE_HVM || strcmp(base, "hvmloader") != 0)
		xreplace(&b->kernel, s);
	return NULL;
}

/* Always: cmdline, else "root=<root> <extra>", "root=<root>" or "<extra>"
 * (xl ignores root and extra beside cmdline, with a warning). */
static struct err *parse_cmdline(struct xlc *p, const struct xlc_key *k)
{
	libxl_domain_build_info *b = &p->d->b_info;
	const char *cmdline, *root, *extra;
	struct err *e;

	if ((e = xlc_string(p, k->name, &cmdline)) != NULL ||
	    (e = xlc_string(p, "root", &root)) != NULL ||
	    (e = xlc_string(p, "extra", &extra)) != NULL)
		return e;
	free(b->cmdline);
	b->cmdline = NULL;
	if (cmdline != NULL)
		b->cmdline = xstrdup(cmdline);
	else if (root != NULL && extra != NULL)
		xasprintf(&b->cmdline, "root=%s %s", root, extra);
	else if (root != NULL)
		xasprintf(&b->cmdline, "root=%s", root);
	else if (extra != NULL)
		b->cmdline = xstrdup(extra);
	return NULL;
}

/* A list, or the old form: one string split at blanks. */
static struct err *parse_bootloader_args(struct xlc *p,
    const struct xlc_key *k)
{
	libxl_string_list *args = &p->d->b_info.bootloader_args;
	char *copy, *arg, *save = NULL;
	const char *s;
	struct err *e;
	int count = 0;

	if (xlc_is_list(p, k->name))
		return xlc_strings(p, k->name, args);
	if ((e = xlc_string(p, k->name, &s)) != NULL)
		return e;
	libxl_string_list_dispose(args);
	*args = xcalloc(strlen(s) / 2 + 2, sizeof **args);
	copy = xstrdup(s);
	for (arg = strtok_r(copy, " \t\n", &save); arg != NULL;
	    arg = strtok_r(NULL, " \t\n", &save))
		(*args)[count++] = xstrdup(arg);
	free(copy);
	return NULL;
}

static struct err *parse_vmtrace(struct xlc *p, const struct xlc_key *k)
{
	struct err *e;
	long l;

	if ((e = xlc_long(p, k->name, 0, INT_MAX, &l)) != NULL)
		return e;
	if (l != 0)	/* as xl: 0 leaves libxl's default */
		p->d->b_info.vmtrace_buf_kb = (int)l;
	return NULL;
}

static struct err *parse_dm_version(struct xlc *p, const struct xlc_key *k)
{
	libxl_domain_build_info *b = &p->d->b_info;
	const char *s;
	struct err *e;

	if ((e = xlc_string(p, k->name, &s)) != NULL)
		return e;
	if (strcmp(s, "qemu-xen") == 0)
		b->device_model_version = LIBXL_DEVICE_MODEL_VERSION_QEMU_XEN;
	else if (strcmp(s, "qemu-xen-traditional") == 0)
		b->device_model_version =
		    LIBXL_DEVICE_MODEL_VERSION_QEMU_XEN_TRADITIONAL;
	else
		return xlc_bad_value(p, k->name, "'%s' is not qemu-xen or "
		    "qemu-xen-traditional", s);
	return NULL;
}

/* pv and pvh: "pvgrub32" or "pvgrub64", the kernel from Xen's firmware
 * directory.  hvm: xl-config-hvm.c. */
static struct err *parse_firmware(struct xlc *p, const struct xlc_key *k)
{
	libxl_domain_build_info *b = &p->d->b_info;
	const char *s;
	struct err *e;

	if (b->type == LIBXL_DOMAIN_TYPE_HVM)
		return xlc_hvm_firmware(p, k);
	if ((e = xlc_string(p, k->name, &s)) != NULL)
		return e;
	if (b->kernel != NULL)
		return xlc_bad_value(p, k->name, "both kernel and firmware "
		    "given");
	if (strcmp(s, "pvgrub32") != 0 && strcmp(s, "pvgrub64") != 0)
		return xlc_bad_value(p, k->name, "only pvgrub32 and pvgrub64 "
		    "for a %s guest", libxl_domain_type_to_string(b->type));
	xasprintf(&b->kernel, XEN_FIRMWARE_DIR "/%s.bin", s);
	return NULL;
}

/* ------------------------------------------------------------------------
 * The table */

#define OFF(f) offsetof(libxl_domain_config, f)
#define SIZE(f) sizeof(((libxl_domain_config *)0)->f)
#define BOOL(n, t, f) { .name = n, .types = t, .kind = XLC_BOOL, \
	.offset = OFF(f) }
#define STRING(n, t, f) { .name = n, .types = t, .kind = XLC_STRING, \
	.offset = OFF(f) }
#define STRINGS(n, t, f) { .name = n, .types = t, .kind = XLC_STRINGS, \
	.offset = OFF(f) }
#define LONG(n, t, f, lo, hi, sc) { .name = n, .types = t, \
	.kind = XLC_LONG, .offset = OFF(f), .size = SIZE(f), .min = lo, \
	.max = hi, .scale = sc }
/* lo < hi: xl also takes the enum's number (deprecated). */
#define ENUM(n, t, f, tab, lo, hi) { .name = n, .types = t, \
	.kind = XLC_ENUM, .offset = OFF(f), .size = SIZE(f), .table = tab, \
	.min = lo, .max = hi }
#define CUSTOM(n, t, fn) { .name = n, .types = t, .kind = XLC_CUSTOM, \
	.parse = fn }
#define ALWAYS(n, t, fn) { .name = n, .types = t, .kind = XLC_CUSTOM, \
	.parse = fn, .always = true }
#define FIELD(n, t, f, fn) { .name = n, .types = t, .kind = XLC_CUSTOM, \
	.offset = OFF(f), .parse = fn, .always = true }

#define PV XLC_PV
#define PVH XLC_PVH
#define HVM XLC_HVM
#define ALL XLC_ALL
#define MIB_MAX ((long)DOMAIN_MAX_MEMORY_MIB)

const struct xlc_key xlc_keys[] = {
	STRING("init_seclabel", ALL, c_info.ssid_label),
	CUSTOM("seclabel", ALL, parse_seclabel),
	ALWAYS("type", ALL, parse_type),
	CUSTOM("builder", ALL, read_elsewhere),
	BOOL("hap", ALL, c_info.hap),
	ALWAYS("name", ALL, parse_name),
	ALWAYS("uuid", ALL, parse_uuid),
	BOOL("oos", ALL, c_info.oos),
	STRING("pool", ALL, c_info.pool_name),
	BOOL("pvshim", PVH, b_info.u.pvh.pvshim),
	STRING("pvshim_path", PVH, b_info.u.pvh.pvshim_path),
	STRING("pvshim_cmdline", PVH, b_info.u.pvh.pvshim_cmdline),
	STRING("pvshim_extra", PVH, b_info.u.pvh.pvshim_extra),
	LONG("cpu_weight", ALL, b_info.sched_params.weight, 1, 65535, 1),
	LONG("cap", ALL, b_info.sched_params.cap, 0, 65535, 1),
	LONG("period", ALL, b_info.sched_params.period, 0, INT_MAX, 1),
	LONG("slice", ALL, b_info.sched_params.slice, 0, INT_MAX, 1),
	LONG("latency", ALL, b_info.sched_params.latency, 0, INT_MAX, 1),
	LONG("extratime", ALL, b_info.sched_params.extratime, 0, 1, 1),
	LONG("memory", ALL, b_info.target_memkb, 1, MIB_MAX, 1024),
	LONG("maxmem", ALL, b_info.max_memkb, 1, MIB_MAX, 1024),
	CUSTOM("vcpus", ALL, parse_vcpus),
	ALWAYS("maxvcpus", ALL, parse_maxvcpus),
	CUSTOM("vnuma", ALL, read_elsewhere),
	CUSTOM("cpus", ALL, parse_affinity),
	CUSTOM("cpus_soft", ALL, parse_affinity),
	LONG("max_grant_frames", ALL, b_info.max_grant_frames, 0, INT_MAX, 1),
	LONG("max_maptrack_frames", ALL, b_info.max_maptrack_frames, 0,
	    INT_MAX, 1),
	LONG("max_grant_version", ALL, b_info.max_grant_version, 0, INT_MAX,
	    1),
	FIELD("on_poweroff", ALL, on_poweroff, parse_action),
	FIELD("on_reboot", ALL, on_reboot, parse_action),
	FIELD("on_watchdog", ALL, on_watchdog, parse_action),
	FIELD("on_crash", ALL, on_crash, parse_action),
	FIELD("on_soft_reset", ALL, on_soft_reset, parse_action),
	BOOL("e820_host", PV, b_info.u.pv.e820_host),
	CUSTOM("pci_msitranslate", PV | HVM, read_elsewhere),
	CUSTOM("pci_power_mgmt", PV | HVM, read_elsewhere),
	CUSTOM("pci_permissive", PV | HVM, read_elsewhere),
	CUSTOM("pci_seize", PV | HVM, read_elsewhere),
	CUSTOM("rdm", HVM, xlc_rdm),
	CUSTOM("pci", PV | HVM, xlc_pcis),
	ENUM("passthrough", ALL, c_info.passthrough,
	    libxl_passthrough_string_table, 0, 0),
	LONG("shadow_memory", ALL, b_info.shadow_memkb, 0, MIB_MAX, 1024),
	BOOL("nomigrate", ALL, b_info.disable_migrate),
	ENUM("tsc_mode", ALL, b_info.tsc_mode, libxl_tsc_mode_string_table,
	    LIBXL_TSC_MODE_DEFAULT, LIBXL_TSC_MODE_NATIVE_PARAVIRT),
	LONG("rtc_timeoffset", ALL, b_info.rtc_timeoffset, INT_MIN, INT_MAX,
	    1),
	BOOL("localtime", ALL, b_info.localtime),
	LONG("videoram", HVM, b_info.video_memkb, 0, MIB_MAX, 1024),
	LONG("max_event_channels", ALL, b_info.event_channels, 0, INT_MAX, 1),
	CUSTOM("kernel", ALL, parse_kernel),
	STRING("ramdisk", ALL, b_info.ramdisk),
	ALWAYS("cmdline", ALL, parse_cmdline),
	CUSTOM("root", ALL, read_elsewhere),
	CUSTOM("extra", ALL, read_elsewhere),
	BOOL("driver_domain", ALL, c_info.driver_domain),
	BOOL("acpi", ALL, b_info.acpi),
	STRING("bootloader", ALL, b_info.bootloader),
	CUSTOM("bootloader_args", ALL, parse_bootloader_args),
	ENUM("timer_mode", PVH | HVM, b_info.timer_mode,
	    libxl_timer_mode_string_table,
	    LIBXL_TIMER_MODE_DELAY_FOR_MISSED_TICKS,
	    LIBXL_TIMER_MODE_ONE_MISSED_TICK_PENDING),
	BOOL("nestedhvm", HVM, b_info.nested_hvm),
	STRING("firmware_override", HVM, b_info.u.hvm.firmware),
	STRING("bios_path_override", HVM, b_info.u.hvm.system_firmware),
	ENUM("bios", HVM, b_info.u.hvm.bios, libxl_bios_type_string_table,
	    0, 0),
	BOOL("pae", HVM, b_info.u.hvm.pae),
	BOOL("acpi_s3", HVM, b_info.u.hvm.acpi_s3),
	BOOL("acpi_s4", HVM, b_info.u.hvm.acpi_s4),
	BOOL("acpi_laptop_slate", HVM, b_info.u.hvm.acpi_laptop_slate),
	BOOL("nx", HVM, b_info.u.hvm.nx),
	BOOL("hpet", HVM, b_info.u.hvm.hpet),
	BOOL("vpt_align", HVM, b_info.u.hvm.vpt_align),
	BOOL("apic", HVM, b_info.apic),
	CUSTOM("viridian", HVM, xlc_viridian),
	CUSTOM("mmio_hole", HVM, xlc_mmio_hole),
	BOOL("altp2mhvm", HVM, b_info.u.hvm.altp2m),
	STRING("smbios_firmware", HVM, b_info.u.hvm.smbios_firmware),
	STRING("acpi_firmware", HVM, b_info.u.hvm.acpi_firmware),
	CUSTOM("ms_vm_genid", HVM, xlc_ms_vm_genid),
	LONG("rdm_mem_boundary", HVM, b_info.u.hvm.rdm_mem_boundary_memkb, 0,
	    MIB_MAX, 1024),
	CUSTOM("mca_caps", HVM, xlc_mca_caps),
	CUSTOM("firmware", ALL, parse_firmware),
	ENUM("altp2m", ALL, b_info.altp2m, libxl_altp2m_mode_string_table,
	    LIBXL_ALTP2M_MODE_DISABLED, LIBXL_ALTP2M_MODE_LIMITED),
	CUSTOM("vmtrace_buf_kb", ALL, parse_vmtrace),
	CUSTOM("ioports", PV | HVM, xlc_ioports),
	CUSTOM("irqs", PV | HVM, xlc_irqs),
	CUSTOM("iomem", ALL, xlc_iomem),
	CUSTOM("disk", ALL, xlc_disks),
	CUSTOM("p9", ALL, xlc_p9s),
	CUSTOM("vtpm", ALL, xlc_vtpms),
	CUSTOM("vdispl", ALL, xlc_vdispls),
	CUSTOM("vsnd", ALL, xlc_vsnds),
	CUSTOM("pvcalls", ALL, xlc_pvcalls),
	CUSTOM("channel", ALL, xlc_channels),
	CUSTOM("vif", ALL, xlc_vifs),
	CUSTOM("vfb", PV | PVH, xlc_vfbs),
	CUSTOM("usbctrl", ALL, xlc_usbctrls),
	CUSTOM("usbdev", ALL, xlc_usbdevs),
	CUSTOM("cpuid", ALL, xlc_cpuid),
	STRING("device_model_override", PV | HVM, b_info.device_model),
	CUSTOM("device_model_version", ALL, parse_dm_version),
	BOOL("device_model_stubdomain_override", HVM,
	    b_info.device_model_stubdomain),
	STRING("device_model_stubdomain_seclabel", HVM,
	    b_info.device_model_ssid_label),
	STRING("device_model_user", PV | HVM, b_info.device_model_user),
	STRING("stubdomain_kernel", HVM, b_info.stubdomain_kernel),
	STRING("stubdomain_cmdline", HVM, b_info.stubdomain_cmdline),
	STRING("stubdomain_ramdisk", HVM, b_info.stubdomain_ramdisk),
	LONG("stubdomain_memory", HVM, b_info.stubdomain_memkb, 0, MIB_MAX,
	    1024),
	STRINGS("device_model_args", PV | HVM, b_info.extra),
	STRINGS("device_model_args_pv", PV, b_info.extra_pv),
	STRINGS("device_model_args_hvm", HVM, b_info.extra_hvm),
	ALWAYS("vnc", PV | HVM, xlc_vnc_sdl),
	CUSTOM("vnclisten", PV | HVM, read_elsewhere),
	CUSTOM("vncpasswd", PV | HVM, read_elsewhere),
	CUSTOM("vncdisplay", PV | HVM, read_elsewhere),
	CUSTOM("vncunused", PV | HVM, read_elsewhere),
	CUSTOM("sdl", PV | HVM, read_elsewhere),
	CUSTOM("opengl", PV | HVM, read_elsewhere),
	CUSTOM("display", PV | HVM, read_elsewhere),
	CUSTOM("xauthority", PV | HVM, read_elsewhere),
	CUSTOM("keymap", PV | HVM, read_elsewhere),
	BOOL("dm_restrict", ALL, b_info.dm_restrict),
	ALWAYS("vga", HVM, xlc_vga),
	CUSTOM("stdvga", HVM, read_elsewhere),
	ENUM("hdtype", HVM, b_info.u.hvm.hdtype, libxl_hdtype_string_table,
	    0, 0),
	BOOL("spice", HVM, b_info.u.hvm.spice.enable),
	LONG("spiceport", HVM, b_info.u.hvm.spice.port, 0, 65535, 1),
	LONG("spicetls_port", HVM, b_info.u.hvm.spice.tls_port, 0, 65535, 1),
	STRING("spicehost", HVM, b_info.u.hvm.spice.host),
	BOOL("spicedisable_ticketing", HVM,
	    b_info.u.hvm.spice.disable_ticketing),
	STRING("spicepasswd", HVM, b_info.u.hvm.spice.passwd),
	BOOL("spiceagent_mouse", HVM, b_info.u.hvm.spice.agent_mouse),
	BOOL("spicevdagent", HVM, b_info.u.hvm.spice.vdagent),
	BOOL("spice_clipboard_sharing", HVM,
	    b_info.u.hvm.spice.clipboard_sharing),
	LONG("spiceusbredirection", HVM, b_info.u.hvm.spice.usbredirection,
	    0, 16, 1),
	STRING("spice_image_compression", HVM,
	    b_info.u.hvm.spice.image_compression),
	STRING("spice_streaming_video", HVM,
	    b_info.u.hvm.spice.streaming_video),
	BOOL("nographic", HVM, b_info.u.hvm.nographic),
	CUSTOM("gfx_passthru", HVM, xlc_gfx_passthru),
	CUSTOM("serial", HVM, xlc_serial),
	STRING("boot", HVM, b_info.u.hvm.boot),
	BOOL("usb", HVM, b_info.u.hvm.usb),
	LONG("usbversion", HVM, b_info.u.hvm.usbversion, 1, 3, 1),
	CUSTOM("usbdevice", HVM, xlc_usbdevice),
	BOOL("vkb_device", HVM, b_info.u.hvm.vkb_device),
	STRING("soundhw", HVM, b_info.u.hvm.soundhw),
	BOOL("xen_platform_pci", HVM, b_info.u.hvm.xen_platform_pci),
	ENUM("vendor_device", HVM, b_info.u.hvm.vendor_device,
	    libxl_vendor_device_string_table, 0, 0),
	CUSTOM("vkb", ALL, xlc_vkbs),
	BOOL("xend_suspend_evtchn_compat", ALL,
	    c_info.xend_suspend_evtchn_compat),
	BOOL("msr_relaxed", ALL, b_info.arch_x86.msr_relaxed),
	BOOL("vpmu", ALL, b_info.vpmu),
};
const size_t xlc_nkeys = sizeof xlc_keys / sizeof xlc_keys[0];

/* Keys xl knows that a config for xenlightd cannot have, and why. */
static const struct {
	const char *name;
	const char *why;
} refused[] = {
	{ "device_model", "xl ignores it; use device_model_override" },
	{ "vncviewer", "xenlightd starts no viewer (xl create -V does); "
	    "connect one to the guest's VNC display" },
	{ "vif2", "netchannel2 is gone (xl ignores it)" },
	{ "dtdev", "Arm only; xenlightd runs on x86" },
	{ "device_tree", "Arm only; xenlightd runs on x86" },
	{ "gic_version", "Arm only; xenlightd runs on x86" },
	{ "vuart", "Arm only; xenlightd runs on x86" },
	{ "tee", "Arm only; xenlightd runs on x86" },
};

struct err *xlc_key_check(const char *key, size_t len, int line)
{
	for (size_t i = 0; i < xlc_nkeys; i++)
		if (strncmp(xlc_keys[i].name, key, len) == 0 &&
		    xlc_keys[i].name[len] == '\0')
			return NULL;
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
		if (strncmp(refused[i].name, key, len) == 0 &&
		    refused[i].name[len] == '\0')
			return err_new(ERR_INVALID_ARGUMENT, "unsupported key "
			    "'%s' in " XLC_SOURCE " line %d: %s",
			    refused[i].name, line, refused[i].why);
	return err_new(ERR_INVALID_ARGUMENT, "unsupported key '%.*s%s' in "
	    XLC_SOURCE " line %d", (int)(len < 64 ? len : 64), key,
	    len > 64 ? "..." : "", line);
}
