/* xlctl: making errors where they happen, reporting them once at the top. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "client/xlctl-error.h"
#include "client/xlctl-format.h"

static void xlctl_error_vset(struct xlctl_error *err, const char *class_name,
    const char *fmt, va_list ap) __attribute__((format(printf, 3, 0)));

static void xlctl_error_vset(struct xlctl_error *err, const char *class_name,
    const char *fmt, va_list ap)
{
	xlctl_error_clear(err);
	snprintf(err->class_name, sizeof err->class_name, "%s", class_name);
	vsnprintf(err->desc, sizeof err->desc, fmt, ap);
}

int xlctl_fail(struct xlctl_error *err, int rc, const char *class_name,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	xlctl_error_vset(err, class_name, fmt, ap);
	va_end(ap);
	return rc;
}

int xlctl_usage(struct xlctl_error *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	xlctl_error_vset(err, XLCTL_CLASS_USAGE, fmt, ap);
	va_end(ap);
	return XLCTL_EXIT_USAGE;
}

void xlctl_error_add(struct xlctl_error *err, const char *key,
    json_object *value)
{
	if (!json_object_is_type(err->data, json_type_object)) {
		json_object_put(err->data);
		err->data = json_object_new_object();
	}
	json_object_object_add(err->data, key, value);
}

bool xlctl_error_from_object(struct xlctl_error *err, json_object *obj)
{
	const char *class_name = xlctl_get_string(obj, "class");
	const char *desc = xlctl_get_string(obj, "desc");
	json_object *data = xlctl_get(obj, "data");

	if (class_name == NULL)
		return false;
	xlctl_fail(err, XLCTL_EXIT_ERROR, class_name, "%s",
	    desc != NULL ? desc : class_name);
	if (json_object_is_type(data, json_type_object))
		err->data = json_object_get(data);
	return true;
}

int xlctl_error_report(struct xlctl_error *err, int rc, bool json)
{
	const char *usage = xlctl_get_string(err->data, "usage");
	json_object *report, *inner;

	if (err->class_name[0] == '\0' && err->desc[0] == '\0')
		goto out;
	if (json) {
		inner = json_object_new_object();
		json_object_object_add(inner, "class", json_object_new_string(
		    err->class_name[0] != '\0' ? err->class_name : "Internal"));
		json_object_object_add(inner, "desc",
		    json_object_new_string(err->desc));
		if (err->data != NULL)
			json_object_object_add(inner, "data",
			    json_object_get(err->data));
		report = json_object_new_object();
		json_object_object_add(report, "error", inner);
		xlctl_print_json(stdout, report, false);
		json_object_put(report);
		goto out;
	}
	if (rc == XLCTL_EXIT_ERROR && err->class_name[0] != '\0')
		fprintf(stderr, "xlctl: %s: %s\n", err->class_name, err->desc);
	else
		fprintf(stderr, "xlctl: %s\n", err->desc);
	if (usage != NULL)
		fprintf(stderr, "%s\n", usage);
out:
	xlctl_error_clear(err);
	return rc;
}
