/* Typed access to the values libxlutil read, the errors that name a key
 * and its line, and the options of device specs: what the parsers of the
 * keys share.  It calls no parser of a key, so calls go one way. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "daemon/xl-config-int.h"
#include "proto/mem.h"

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
	snprintf(buf, size, "%.*s", (int)err_utf8_cut(msg, len, size - 1), msg);
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
	cut = err_utf8_cut(why, len, QUOTE_MAX);
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
	    value ? (int)err_utf8_cut(value, strlen(value), 64) : 0,
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
