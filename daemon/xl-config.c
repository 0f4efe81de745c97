/* The xl config parser's driver: a parse, in the order of the key table,
 * and typed access to the values libxlutil read. */
#include "config.h"

#include "daemon/xl-config.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "daemon/domain-config.h"
#include "daemon/xl-config-int.h"
#include "proto/mem.h"

/* ------------------------------------------------------------------------
 * libxlutil */

static void xlu_open(struct xlc_xlu *x)
{
	memset(x, 0, sizeof *x);
	x->report = xcheck(open_memstream(&x->report_buf, &x->report_size));
	x->cfg = xcheck(xlu_cfg_init(x->report, XLC_SOURCE));
}

static void xlu_close(struct xlc_xlu *x)
{
	xlu_cfg_destroy(x->cfg);
	fclose(x->report);
	free(x->report_buf);
}

/* The first line libxlutil printed since the last call, without the
 * "xl_config: " it starts some messages with; fallback if none.  Its disk
 * messages quote bytes, so they are sanitised. */
void xlc_take_report(struct xlc_xlu *x, char *buf, size_t size,
    const char *fallback)
{
	const char *msg = "";
	size_t len;

	fflush(x->report);
	if (x->report_buf != NULL && x->report_used < x->report_size)
		msg = x->report_buf + x->report_used;
	x->report_used = x->report_size;
	if (strncmp(msg, XLC_SOURCE ": ", strlen(XLC_SOURCE ": ")) == 0)
		msg += strlen(XLC_SOURCE ": ");
	len = strcspn(msg, "\n");
	if (len == 0) {
		msg = fallback;
		len = strlen(fallback);
	}
	snprintf(buf, size, "%.*s", (int)xlc_utf8_cut(msg, len, size - 1), msg);
	xlc_sanitize(buf);
}

/* ------------------------------------------------------------------------
 * Errors quote the config, which is valid UTF-8 of any length: quotes are
 * shortened, never inside a UTF-8 sequence. */

#define QUOTE_MAX 200

struct err *xlc_bad_value(const struct xlc *p, const char *key,
    const char *fmt, ...)
{
	const struct xlc_seen *seen = xlc_seen(p, key);
	struct err *e;
	va_list ap;
	char *why;
	size_t len, cut;

	va_start(ap, fmt);
	why = xvformat(fmt, ap);
	va_end(ap);
	len = strlen(why);
	cut = xlc_utf8_cut(why, len, QUOTE_MAX);
	e = err_new(ERR_INVALID_ARGUMENT, "invalid value for '%s' in "
	    XLC_SOURCE " line %d: %.*s%s", key, seen ? seen->line : 0,
	    (int)cut, why, cut < len ? "..." : "");
	free(why);
	return e;
}

/* ------------------------------------------------------------------------
 * Typed access */

bool xlc_has(const struct xlc *p, const char *key)
{
	return xlu_cfg_get_list(p->xlu.cfg, key, NULL, NULL, 1) != ESRCH;
}

bool xlc_is_list(const struct xlc *p, const char *key)
{
	return xlu_cfg_get_list(p->xlu.cfg, key, NULL, NULL, 1) == 0;
}

struct err *xlc_string(const struct xlc *p, const char *key,
    const char **value)
{
	int rc;

	*value = NULL;
	rc = xlu_cfg_get_string(p->xlu.cfg, key, value, 1);
	if (rc == ESRCH)
		return NULL;
	if (rc != 0) {
		*value = NULL;
		return xlc_bad_value(p, key, "expected a string, not a list");
	}
	return NULL;
}

struct err *xlc_long(const struct xlc *p, const char *key, long min,
    long max, long *value)
{
	int rc = xlu_cfg_get_long(p->xlu.cfg, key, value, 1);

	if (rc == ERANGE)
		return xlc_bad_value(p, key, "number out of range");
	if (rc != 0)
		return xlc_bad_value(p, key, "expected one integer");
	if (*value < min || *value > max)
		return xlc_bad_value(p, key, "%ld is not between %ld and %ld",
		    *value, min, max);
	return NULL;
}

struct err *xlc_bool(const struct xlc *p, const char *key,
    libxl_defbool *value)
{
	struct err *e;
	long l;

	if (!xlc_has(p, key))
		return NULL;
	if ((e = xlc_long(p, key, LONG_MIN, LONG_MAX, &l)) != NULL)
		return e;
	libxl_defbool_set(value, l != 0);
	return NULL;
}

struct err *xlc_list(const struct xlc *p, const char *key,
    XLU_ConfigList **list, int *n)
{
	if (xlu_cfg_get_list(p->xlu.cfg, key, list, n, 1) != 0)
		return xlc_bad_value(p, key, "expected a list");
	return NULL;
}

struct err *xlc_list_string(const struct xlc *p, const char *key,
    XLU_ConfigList *list, int i, const char **value)
{
	XLU_ConfigValue *item = xlu_cfg_get_listitem2(list, i);

	if (item == NULL || xlu_cfg_value_type(item) != XLU_STRING)
		return xlc_bad_value(p, key, "entry %d is not a string", i + 1);
	*value = xlu_cfg_get_listitem(list, i);
	return NULL;
}

struct err *xlc_strings(const struct xlc *p, const char *key,
    libxl_string_list *out)
{
	XLU_ConfigList *list;
	libxl_string_list sl;
	const char *s;
	struct err *e;
	int n;

	if ((e = xlc_list(p, key, &list, &n)) != NULL)
		return e;
	sl = xcalloc((size_t)n + 1, sizeof *sl);
	for (int i = 0; i < n; i++) {
		if ((e = xlc_list_string(p, key, list, i, &s)) != NULL) {
			libxl_string_list_dispose(&sl);
			return e;
		}
		sl[i] = xstrdup(s);
	}
	libxl_string_list_dispose(out);
	*out = sl;
	return NULL;
}

/* libxl's own name tables, compared as libxl does (ignoring case). */
struct err *xlc_enum(const struct xlc *p, const char *key,
    const libxl_enum_string_table *table, const char *s, int *value)
{
	for (; table->s != NULL; table++)
		if (strcasecmp(table->s, s) == 0) {
			*value = table->v;
			return NULL;
		}
	return xlc_bad_value(p, key, "unknown value '%s'", s);
}

void *xlc_field(const struct xlc *p, const struct xlc_key *k)
{
	return (char *)p->d + k->offset;
}

char *xlc_trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	*end = '\0';
	return s;
}

bool xlc_options(struct xlc *p, const char *spec, void *dev,
    xlc_option_fn *option, char *why, size_t whylen)
{
	char *copy = xstrdup(spec), *item, *value, *save = NULL;
	bool ok = true;

	for (item = strtok_r(copy, ",", &save); item != NULL && ok;
	    item = strtok_r(NULL, ",", &save)) {
		item = xlc_trim(item);
		if (*item == '\0')
			continue;
		value = strchr(item, '=');
		if (value != NULL)
			*value++ = '\0';
		ok = option(p, dev, item, value, why, whylen);
	}
	free(copy);
	return ok;
}

bool xlc_option_ulong(const char *name, const char *value, unsigned long max,
    unsigned long *out, char *why, size_t whylen)
{
	char *end;

	errno = 0;
	if (value != NULL && *value >= '0' && *value <= '9') {
		*out = strtoul(value, &end, 0);
		if (*end == '\0' && errno == 0 && *out <= max)
			return true;
	}
	snprintf(why, whylen, "%s: '%.*s' is not a number from 0 to %lu", name,
	    value ? (int)xlc_utf8_cut(value, strlen(value), 64) : 0,
	    value ? value : "", max);
	return false;
}

/* ------------------------------------------------------------------------
 * Device specs */

/* true if name is one of opts (then its field is value). */
bool xlc_string_option(const struct xlc_string_option *opts, size_t n,
    void *dev, const char *name, const char *value)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(opts[i].name, name) == 0) {
			xreplace((char **)((char *)dev + opts[i].offset), value);
			return true;
		}
	return false;
}

/* A value is required unless noted. */
bool xlc_need_value(const char *name, const char *value, char *why,
    size_t whylen)
{
	return value != NULL ? true : XLC_WHY("option '%.*s' has no value",
	    XLC_QUOTE(name));
}

bool xlc_bool_option(const char *name, const char *value, bool *out,
    char *why, size_t whylen)
{
	unsigned long v;

	if (!xlc_option_ulong(name, value, 1, &v, why, whylen))
		return false;
	*out = v != 0;
	return true;
}

bool xlc_unknown(const char *name, char *why, size_t whylen)
{
	return XLC_WHY("unsupported option '%.*s'", XLC_QUOTE(name));
}

/* Calls entry() for each spec of the list key. */
struct err *xlc_each_spec(struct xlc *p, const char *key,
    xlc_entry_fn *entry)
{
	XLU_ConfigList *list;
	const char *spec;
	struct err *e;
	int n;

	if ((e = xlc_list(p, key, &list, &n)) != NULL)
		return e;
	for (int i = 0; i < n; i++)
		if ((e = xlc_list_string(p, key, list, i, &spec)) != NULL ||
		    (e = entry(p, key, i, spec)) != NULL)
			return e;
	return NULL;
}

/* Parses spec into dev with option(); the error names entry i. */
struct err *xlc_spec_options(struct xlc *p, const char *key, int i,
    const char *spec, void *dev, xlc_option_fn *option)
{
	char why[512];

	if (xlc_options(p, spec, dev, option, why, sizeof why))
		return NULL;
	return xlc_bad_value(p, key, "entry %d: %s", i + 1, why);
}

/* ------------------------------------------------------------------------
 * The generic kinds */

static void store(void *field, size_t size, int64_t v)
{
	if (size == sizeof(int32_t)) {
		int32_t v32 = (int32_t)v;

		memcpy(field, &v32, size);
	} else {
		memcpy(field, &v, sizeof v);
	}
}

static struct err *parse_key(struct xlc *p, const struct xlc_key *k)
{
	void *field = xlc_field(p, k);
	const char *s;
	struct err *e;
	long l;
	int v;

	switch (k->kind) {
	case XLC_BOOL:
		return xlc_bool(p, k->name, field);
	case XLC_STRING:
		if ((e = xlc_string(p, k->name, &s)) == NULL)
			xreplace(field, s);
		return e;
	case XLC_LONG:
		if ((e = xlc_long(p, k->name, k->min, k->max, &l)) == NULL)
			store(field, k->size, (int64_t)l * k->scale);
		return e;
	case XLC_ENUM:
		if (k->min < k->max && !xlc_is_list(p, k->name) &&
		    xlu_cfg_get_long(p->xlu.cfg, k->name, &l, 1) == 0) {
			/* The old numeric form. */
			if ((e = xlc_long(p, k->name, k->min, k->max, &l)))
				return e;
			store(field, k->size, l);
			return NULL;
		}
		if ((e = xlc_string(p, k->name, &s)) != NULL ||
		    (e = xlc_enum(p, k->name, k->table, s, &v)) != NULL)
			return e;
		store(field, k->size, v);
		return NULL;
	case XLC_STRINGS:
		return xlc_strings(p, k->name, field);
	case XLC_CUSTOM:
		return k->parse(p, k);
	}
	return err_new(ERR_INTERNAL, "key '%s' has no kind", k->name);
}

static struct err *check_type(const struct xlc *p, const struct xlc_key *k)
{
	libxl_domain_type type = p->d->c_info.type;

	if (k->types & (1u << type))
		return NULL;
	if (k->types == XLC_HVM || k->types == XLC_PV || k->types == XLC_PVH)
		return err_new(ERR_INVALID_ARGUMENT, "key '%s' in " XLC_SOURCE
		    " line %d is only valid for type %s", k->name,
		    xlc_seen(p, k->name)->line,
		    k->types == XLC_HVM ? "hvm" : k->types == XLC_PV ? "pv" :
		    "pvh");
	return err_new(ERR_INVALID_ARGUMENT, "key '%s' in " XLC_SOURCE
	    " line %d is not valid for type %s", k->name,
	    xlc_seen(p, k->name)->line, libxl_domain_type_to_string(type));
}

static struct err *parse_all(struct xlc *p)
{
	const struct xlc_key *k;
	struct err *e;

	/* A key the syntax check missed would be ignored silently. */
	for (size_t i = 0; i < xlc_nkeys; i++)
		if (xlc_has(p, xlc_keys[i].name) &&
		    xlc_seen(p, xlc_keys[i].name) == NULL)
			return err_new(ERR_INTERNAL, XLC_SOURCE " syntax check "
			    "missed key '%s'", xlc_keys[i].name);
	for (size_t i = 0; i < xlc_nkeys; i++) {
		k = &xlc_keys[i];
		if (xlc_has(p, k->name)) {
			/* The type is known after the first entries. */
			if (p->d->c_info.type != LIBXL_DOMAIN_TYPE_INVALID &&
			    (e = check_type(p, k)) != NULL)
				return e;
		} else if (k->kind != XLC_CUSTOM || !k->always) {
			continue;
		}
		if ((e = parse_key(p, k)) != NULL)
			return e;
	}
	return domain_config_validate(p->d);
}

struct err *xl_config_parse(libxl_ctx *ctx, const char *text, size_t len,
    libxl_domain_config *out)
{
	struct xlc p = { .ctx = ctx, .d = out };
	const char *problem;
	char *data, why[512];
	struct err *e;
	int line;

	if (out->c_info.type != LIBXL_DOMAIN_TYPE_INVALID ||
	    out->b_info.type != LIBXL_DOMAIN_TYPE_INVALID)
		return err_new(ERR_INTERNAL,
		    "xl_config_parse needs a freshly initialised config");
	if (len > XL_CONFIG_MAX_LEN)
		return err_new(ERR_INVALID_ARGUMENT, XLC_SOURCE " is too long "
		    "(%zu bytes, at most %d)", len, XL_CONFIG_MAX_LEN);
	if ((problem = xlc_text_problem(text, len, &line)) != NULL)
		return err_new(ERR_INVALID_ARGUMENT, XLC_SOURCE " line %d %s",
		    line, problem);

	/* libxlutil's grammar wants a newline after a final comment. */
	data = xmalloc(len + 2);
	memcpy(data, text, len);
	if (len == 0 || data[len - 1] != '\n')
		data[len++] = '\n';
	data[len] = '\0';

	if ((e = xlc_check_syntax(&p, data, len)) != NULL)
		goto out;
	xlu_open(&p.xlu);
	if (xlu_cfg_readdata(p.xlu.cfg, data, (int)len) == 0) {
		e = parse_all(&p);
	} else {
		xlc_take_report(&p.xlu, why, sizeof why, "no message");
		e = err_new(ERR_INTERNAL, "libxlutil refused an xl config that "
		    "passed the syntax check: %s", why);
	}
	xlu_close(&p.xlu);
out:
	for (size_t i = 0; i < p.nkeys; i++)
		free(p.keys[i].name);
	free(p.keys);
	free(data);
	return e;
}

/* ------------------------------------------------------------------------
 * Single device specs (device attach) */

/* A spec is one line of UTF-8, at most XL_SPEC_MAX_LEN bytes. */
static struct err *check_spec(const char *what, const char *spec)
{
	const char *problem;
	size_t len = strlen(spec);
	int line;

	if (len > XL_SPEC_MAX_LEN)
		return err_new(ERR_INVALID_ARGUMENT, "invalid %s spec: longer "
		    "than %d bytes", what, XL_SPEC_MAX_LEN);
	if ((problem = xlc_text_problem(spec, len, &line)) != NULL)
		return err_new(ERR_INVALID_ARGUMENT, "invalid %s spec: it %s",
		    what, problem);
	if (line > 1)
		return err_new(ERR_INVALID_ARGUMENT, "invalid %s spec: it "
		    "contains a newline", what);
	return NULL;
}

struct err *xl_config_parse_disk(const char *spec, libxl_device_disk *disk)
{
	struct err *e;
	struct xlc p = { 0 };
	char why[512];

	if ((e = check_spec("disk", spec)) != NULL)
		return e;
	xlu_open(&p.xlu);
	if (!xlc_disk_from_spec(&p.xlu, spec, disk, why, sizeof why))
		e = err_new(ERR_INVALID_ARGUMENT, "invalid disk spec: %s", why);
	xlu_close(&p.xlu);
	return e;
}

struct err *xl_config_parse_nic(const char *spec, libxl_device_nic *nic)
{
	struct err *e;
	struct xlc p = { 0 };
	char why[512];

	if ((e = check_spec("vif", spec)) != NULL)
		return e;
	xlu_open(&p.xlu);
	if (!xlc_nic_from_spec(&p, spec, nic, why, sizeof why))
		e = err_new(ERR_INVALID_ARGUMENT, "invalid vif spec: %s", why);
	xlu_close(&p.xlu);
	return e;
}
