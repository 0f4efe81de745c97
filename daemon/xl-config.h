/* The text of an xl domain config file -> libxl_domain_config.
 *
 * Syntax is libxlutil's (the library xl itself uses).  The key mapping
 * follows xl's parse_config_data (tools/xl/xl_parse.c, Xen 4.17);
 * any other key is refused rather than ignored, because a key
 * the daemon dropped silently would be a guest configured differently
 * from what its owner wrote.
 *
 * Every key of xl.cfg(5) for Xen 4.17 that libxl can express, with xl's
 * syntax and defaults: the table is daemon/xl-config-keys.c, the list and
 * the refused keys (with why) doc/xl-config.md.  A key used with a guest
 * type it does not apply to is refused.
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

/* false if libxlutil 4.17 would crash on this PCI spec or BDF (its
 * parse_bdf reads an unset %n when "bus:dev" has no ".func"): check
 * before xlu_pci_parse_spec_string or xlu_pci_parse_bdf. */
bool xl_config_pci_spec_safe(const char *spec);

#endif
