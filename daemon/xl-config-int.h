/* Inside the xl config parser: what its files share (xl-config.h is the
 * interface).  xl-config.c drives a parse, xl-config-syntax.c checks the
 * text, xl-config-keys.c is the table of keys, xl-config-hvm.c,
 * xl-config-devices.c, xl-config-vdev.c, xl-config-vsnd.c and
 * xl-config-vnuma.c their longer parsers, xl-config-value.c the typed
 * access they all use.  Calls go that way down, never back. */
#ifndef DAEMON_XL_CONFIG_INT_H
#define DAEMON_XL_CONFIG_INT_H

#include "daemon/xl-compat.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <libxlutil.h>

#include "proto/err.h"

/* The name libxlutil puts in front of its messages. */
#define XLC_SOURCE "xl_config"

/* A statement as the syntax check saw it. */
struct xlc_seen {
	char *name;
	int line;
	bool is_list;		/* the value assigned */
};

/* libxlutil, with what it prints captured for error messages. */
struct xlc_xlu {
	XLU_Config *cfg;
	FILE *report;
	char *report_buf;
	size_t report_size;
	size_t report_used;	/* bytes already turned into errors */
};

/* One parse. */
struct xlc {
	libxl_ctx *ctx;
	libxl_domain_config *d;
	struct xlc_xlu xlu;
	struct xlc_seen *keys;
	size_t nkeys;
};

/* Which guest types a key applies to. */
#define XLC_PV  (1u << LIBXL_DOMAIN_TYPE_PV)
#define XLC_PVH (1u << LIBXL_DOMAIN_TYPE_PVH)
#define XLC_HVM (1u << LIBXL_DOMAIN_TYPE_HVM)
#define XLC_ALL (XLC_PV | XLC_PVH | XLC_HVM)

enum xlc_kind {
	XLC_BOOL,	/* an integer, non-zero true -> libxl_defbool */
	XLC_STRING,	/* -> char * */
	XLC_LONG,	/* an integer in min..max, times scale -> 4 or 8 bytes */
	XLC_ENUM,	/* a name from table (or, with min < max, an integer) */
	XLC_STRINGS,	/* a list of strings -> libxl_string_list */
	XLC_CUSTOM,	/* parse() does it all */
};

struct xlc_key;
typedef struct err *xlc_parse_fn(struct xlc *p, const struct xlc_key *k);

/* One xl.cfg key: where it goes in libxl_domain_config and how. */
struct xlc_key {
	const char *name;
	unsigned types;		/* XLC_PV | ...: refused for other types */
	enum xlc_kind kind;
	size_t offset;		/* of the field in libxl_domain_config */
	size_t size;		/* of the field (XLC_LONG, XLC_ENUM) */
	long min, max;		/* XLC_LONG, XLC_ENUM's integer form */
	long scale;		/* XLC_LONG: stored = value * scale */
	const libxl_enum_string_table *table;	/* XLC_ENUM */
	xlc_parse_fn *parse;	/* XLC_CUSTOM */
	bool always;		/* XLC_CUSTOM: run even when absent */
};

/* The table, in xl's order (parse_config_data, Xen 4.17): some keys
 * depend on others parsed before them. */
extern const struct xlc_key xlc_keys[];
extern const size_t xlc_nkeys;

/* NULL if key[0..len) may appear in a config, else why not. */
typedef struct err *xlc_key_check_fn(const char *key, size_t len, int line);
xlc_key_check_fn xlc_key_check;

/* xl-config-syntax.c */
#define XL_MAX_DEPTH 16
#define XL_MAX_STATEMENTS 1024	/* bounds libxlutil's quadratic lookups */
size_t xlc_utf8_length(const unsigned char *s, size_t left);
const char *xlc_text_problem(const char *text, size_t len, int *line);
/* Each statement's key goes through key_check (xlc_key_check, given by
 * the driver: the syntax check knows no table). */
struct err *xlc_check_syntax(struct xlc *p, const char *text, size_t len,
    xlc_key_check_fn *key_check);
const struct xlc_seen *xlc_seen(const struct xlc *p, const char *key);
void xlc_sanitize(char *msg);

/* xl-config-value.c: typed access.  Keys are looked up with dont_warn
 * set: the errors are ours, with the key and its line. */
bool xlc_has(const struct xlc *p, const char *key);
bool xlc_is_list(const struct xlc *p, const char *key);
struct err *xlc_string(const struct xlc *p, const char *key,
    const char **value);	/* *value NULL if absent */
struct err *xlc_long(const struct xlc *p, const char *key, long min,
    long max, long *value);	/* only for present keys */
struct err *xlc_bool(const struct xlc *p, const char *key,
    libxl_defbool *value);
struct err *xlc_list(const struct xlc *p, const char *key,
    XLU_ConfigList **list, int *n);	/* a list, or an error */
struct err *xlc_list_string(const struct xlc *p, const char *key,
    XLU_ConfigList *list, int i, const char **value);
struct err *xlc_strings(const struct xlc *p, const char *key,
    libxl_string_list *out);	/* a list of strings */
struct err *xlc_bad_value(const struct xlc *p, const char *key,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
struct err *xlc_enum(const struct xlc *p, const char *key,
    const libxl_enum_string_table *table, const char *s, int *value);
void xlc_take_report(struct xlc_xlu *x, char *buf, size_t size,
    const char *fallback);
void *xlc_field(const struct xlc *p, const struct xlc_key *k);
char *xlc_trim(char *s);

/* One spec of "name=value" options separated by commas (vif, vfb, ...):
 * option(dev, name, value, why) for each, value NULL for a bare word. */
typedef bool xlc_option_fn(struct xlc *p, void *dev, const char *name,
    char *value, char *why, size_t whylen);
bool xlc_options(struct xlc *p, const char *spec, void *dev,
    xlc_option_fn *option, char *why, size_t whylen);
bool xlc_option_ulong(const char *name, const char *value, unsigned long max,
    unsigned long *out, char *why, size_t whylen);

/* Appends a device initialised by init to array[0..n), returns it. */
#define XLC_APPEND(array, n, init) \
	((array) = xrealloc((array), (size_t)((n) + 1) * sizeof *(array)), \
	init(&(array)[(n)]), &(array)[(n)++])
/* In an option parser: sets why, returns false. */
#define XLC_WHY(...) (snprintf(why, whylen, __VA_ARGS__), false)
/* For "%.*s": a user's string, at most 64 bytes of it. */
#define XLC_QUOTE(s) (int)err_utf8_cut((s), strlen(s), 64), (s)

/* The string options of a device: name and field. */
struct xlc_string_option {
	const char *name;
	size_t offset;
};
bool xlc_string_option(const struct xlc_string_option *opts, size_t n,
    void *dev, const char *name, const char *value);
bool xlc_need_value(const char *name, const char *value, char *why,
    size_t whylen);
bool xlc_bool_option(const char *name, const char *value, bool *out,
    char *why, size_t whylen);
bool xlc_unknown(const char *name, char *why, size_t whylen);
/* Calls entry() for each spec (entry i) of the list key. */
typedef struct err *xlc_entry_fn(struct xlc *p, const char *key, int i,
    const char *spec);
struct err *xlc_each_spec(struct xlc *p, const char *key,
    xlc_entry_fn *entry);
/* Parses spec into dev with option(); the error names entry i of key. */
struct err *xlc_spec_options(struct xlc *p, const char *key, int i,
    const char *spec, void *dev, xlc_option_fn *option);

/* xl-config-devices.c: the device lists, and single specs. */
xlc_parse_fn xlc_disks, xlc_pcis, xlc_p9s, xlc_vtpms, xlc_vdispls,
    xlc_pvcalls, xlc_channels, xlc_vifs, xlc_vfbs, xlc_usbctrls, xlc_usbdevs,
    xlc_vkbs;
bool xlc_disk_from_spec(struct xlc_xlu *x, const char *spec,
    libxl_device_disk *disk, char *why, size_t whylen);
bool xlc_nic_from_spec(struct xlc *p, const char *spec,
    libxl_device_nic *nic, char *why, size_t whylen);

/* xl-config-vsnd.c: the sound cards. */
xlc_parse_fn xlc_vsnds;

/* xl-config-vnuma.c: the vnodes, read by maxvcpus's parser (as xl reads
 * them between maxvcpus and its defaults); NULL if vnuma is absent. */
struct err *xlc_vnuma(struct xlc *p);

/* xl-config-hvm.c: keys with their own grammar. */
xlc_parse_fn xlc_viridian, xlc_mmio_hole, xlc_ms_vm_genid, xlc_mca_caps,
    xlc_hvm_firmware, xlc_vga, xlc_gfx_passthru, xlc_serial, xlc_usbdevice,
    xlc_ioports, xlc_irqs, xlc_iomem, xlc_cpuid, xlc_rdm, xlc_vnc_sdl;

#endif
