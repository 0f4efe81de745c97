/* libxl domain configurations as JSON: the persistent and wire form.
 *
 * libxl's own JSON (libxl_domain_config_to_json/_from_json) is the format:
 * xl embeds it in save files and libxl keeps it for running domains.  Its
 * output is pretty-printed, so it is compacted before it goes on a line. */
#ifndef DAEMON_DOMAIN_CONFIG_H
#define DAEMON_DOMAIN_CONFIG_H

#include "daemon/xl-compat.h"

#include <stdbool.h>
#include <json-c/json.h>

#include "proto/err.h"

/* Bounds shared by the xl config parser and the JSON checks. */
#define DOMAIN_NAME_MAX 64
#define DOMAIN_MAX_MEMORY_MIB (UINT64_C(1) << 32)	/* 4 PiB */
#define DOMAIN_MAX_VCPUS 4096

/* [A-Za-z0-9_.+-]{1,64}, not all digits (it would read as a domid), and
 * not "." or ".." (names become file names in the state directory). */
bool domain_config_name_valid(const char *name);

/* The checks every configuration passes before the daemon uses it: a valid
 * name; c_info.type and b_info.type set and equal (pv, pvh or hvm); memory,
 * when set, in 1 KiB..4 PiB with max_memkb >= target_memkb; at most 4096
 * vcpus, at least one available, no more available than max_vcpus.
 * InvalidArgument on failure. */
struct err *domain_config_validate(const libxl_domain_config *c);

/* libxl's JSON for c on one line (compact), malloc'd; NULL if libxl cannot
 * serialise it. */
char *domain_config_to_json_line(libxl_ctx *ctx, libxl_domain_config *c);

/* Fills out (fresh from libxl_domain_config_init) from a JSON object in
 * libxl's format, then runs domain_config_validate.  Note that libxl's
 * parser ignores members of the wrong type rather than failing.  On error
 * out may be partly filled: the caller disposes of it either way. */
struct err *domain_config_from_json_object(libxl_ctx *ctx, json_object *obj,
    libxl_domain_config *out);

#endif
