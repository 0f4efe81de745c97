/* The xl config parser's driver: a parse, in the order of the key table,
 * and single device specs.  It hands the syntax check the table's key
 * check, so that the syntax check calls up to no parser of keys. */
#include "config.h"

#include "daemon/xl-config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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

	if ((e = xlc_check_syntax(&p, data, len, xlc_key_check)) != NULL)
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
