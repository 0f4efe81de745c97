/* The text of an xl domain config file -> libxl_domain_config.
 *
 * Syntax is libxlutil's (the library xl itself uses).  The key mapping
 * follows xl's parse_config_data (tools/xl/xl_parse.c, Xen 4.17) for the
 * keys below; any other key is refused rather than ignored, because a key
 * the daemon dropped silently would be a guest configured differently
 * from what its owner wrote.
 *
 * Supported keys (xl semantics unless noted):
 *   name            required; [A-Za-z0-9_.+-]{1,64}, not all digits
 *   uuid            generated when absent
 *   type            "pv", "pvh" or "hvm" (exact; default pv)
 *   builder         legacy: "generic" (pv) or "hvm"; must agree with type
 *   memory          MiB -> b_info.target_memkb; 1..2^32
 *   maxmem          MiB -> b_info.max_memkb (default: memory); >= memory
 *   vcpus           1..4096 -> avail_vcpus (vcpus 0..n-1 online)
 *   maxvcpus        1..4096 -> max_vcpus (default: vcpus); >= vcpus
 *   cpus            hard affinity: a string ("0-3,5", "all", "all,^1"),
 *                   applied to every vcpu, or a list with one string per
 *                   vcpu (extra entries ignored, NUMA placement off).
 *                   "node:"/"nodes:" forms are refused; a cpu beyond the
 *                   host's, or a set that selects no cpu, is refused.
 *   cpu_weight      1..65535 -> sched_params.weight
 *   cap             0..65535 -> sched_params.cap
 *   kernel, ramdisk paths (hvm: a kernel named "hvmloader" is dropped)
 *   cmdline         the kernel command line; when set, root and extra are
 *                   ignored (xl warns; we cannot)
 *   root, extra     without cmdline: "root=<root> <extra>", "root=<root>"
 *                   or "<extra>"
 *   bootloader      path
 *   bootloader_args list of strings, or a string split at blanks
 *   disk            list of xl disk specs (xlu_disk_parse)
 *   vif             list of vif specs, comma-separated options: mac, bridge,
 *                   ip, script, backend, vifname, model, type (vif|ioemu),
 *                   rate (xlu_vif_parse_rate), gatewaydev, mtu; any other
 *                   option is refused (xl ignores it)
 *   on_poweroff, on_reboot, on_crash, on_watchdog, on_soft_reset
 *                   destroy, restart, rename-restart, preserve,
 *                   coredump-destroy, coredump-restart, soft-reset
 *                   (defaults: destroy, restart, destroy, destroy,
 *                   soft-reset)
 *   localtime       an integer, non-zero is true (as all booleans here)
 *   device_model_version  "qemu-xen" or "qemu-xen-traditional"
 *   vnc             boolean. hvm: b_info.u.hvm.vnc; pv: a vfb + vkb pair
 *                   with vnc on (when true); refused for pvh
 *   vnclisten, vncdisplay, vncpasswd, vncunused
 *                   hvm: into b_info.u.hvm.vnc; pv: into the vfb, and only
 *                   with vnc true; refused for pvh (vncunused: boolean)
 *   serial          hvm only: a string or a list of strings
 *   boot            hvm only: e.g. "dc"
 *
 * Other differences from xl: wrong-shaped values (a string where a list
 * is expected, list entries that are lists, bad vif options) are errors
 * where xl sometimes ignores them.  The text must be UTF-8 without NUL
 * bytes (libxlutil asserts on NULs in strings; libxl's JSON needs UTF-8),
 * at most XL_CONFIG_MAX_LEN bytes and 1024 assignments.  The syntax is checked here before
 * libxlutil sees the text, because libxlutil leaks memory on text it
 * refuses; that check is libxlutil's grammar except that only the escapes
 * \" \' \\ \a \b \f \n \r \t \v are allowed (libxlutil 4.17 always
 * refuses \x and silently drops octal escapes) and lists nest at most 16
 * deep.  A missing final newline is supplied. */
#ifndef DAEMON_XL_CONFIG_H
#define DAEMON_XL_CONFIG_H

#include "daemon/xl-compat.h"

#include <stddef.h>

#include "proto/err.h"

#define XL_CONFIG_MAX_LEN (1024 * 1024)
#define XL_SPEC_MAX_LEN 4096

/* Parses text[0..len) into out, which must come fresh from
 * libxl_domain_config_init.  Errors are InvalidArgument and name the key
 * and line ("unsupported key 'foo' in xl_config line 7"); syntax errors
 * carry libxlutil's message.  The result has passed
 * domain_config_validate.  On error out may be partly filled: the caller
 * disposes of it either way.  ctx is used for bitmaps and the host's cpu
 * count. */
struct err *xl_config_parse(libxl_ctx *ctx, const char *text, size_t len,
    libxl_domain_config *out);

/* One xl disk spec (an entry of "disk") into disk, or one vif spec (an
 * entry of "vif") into nic, with the same rules as in a config; the
 * device comes fresh from its _init.  For device attach: a vif spec leaves
 * devid alone.  A spec is one line of UTF-8, at most XL_SPEC_MAX_LEN
 * bytes.  InvalidArgument "invalid disk spec: ..." / "invalid vif spec:
 * ..." on error; the device may be partly filled, and is the caller's to
 * dispose of either way. */
struct err *xl_config_parse_disk(const char *spec, libxl_device_disk *disk);
struct err *xl_config_parse_nic(const char *spec, libxl_device_nic *nic);

#endif
