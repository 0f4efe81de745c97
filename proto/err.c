#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/err.h"
#include "proto/mem.h"

static const char *const err_class_names[ERR_CLASS_COUNT] = {
	[ERR_INVALID_MESSAGE] = "InvalidMessage",
	[ERR_COMMAND_NOT_FOUND] = "CommandNotFound",
	[ERR_INVALID_ARGUMENT] = "InvalidArgument",
	[ERR_PERMISSION_DENIED] = "PermissionDenied",
	[ERR_DOMAIN_NOT_FOUND] = "DomainNotFound",
	[ERR_DOMAIN_EXISTS] = "DomainExists",
	[ERR_OPERATION_INVALID] = "OperationInvalid",
	[ERR_BUSY] = "Busy",
	[ERR_JOB_NOT_FOUND] = "JobNotFound",
	[ERR_NOT_SUPPORTED] = "NotSupported",
	[ERR_ABORTED] = "Aborted",
	[ERR_HYPERVISOR] = "HypervisorError",
	[ERR_IO] = "IOError",
	[ERR_RESOURCE_LIMIT] = "ResourceLimit",
	[ERR_LEASE_CONFLICT] = "LeaseConflict",
	[ERR_INTERNAL] = "Internal",
};

struct err *err_new(enum err_class class, const char *fmt, ...)
{
	struct err *e = xcalloc(1, sizeof *e);
	va_list ap;

	e->class = class;
	va_start(ap, fmt);
	e->desc = xvformat(fmt, ap);
	va_end(ap);
	return e;
}

struct err *err_append(struct err *e, const char *fmt, ...)
{
	char *note, *desc;
	va_list ap;

	va_start(ap, fmt);
	note = xvformat(fmt, ap);
	va_end(ap);
	xasprintf(&desc, "%s; %s", e->desc, note);
	free(note);
	free(e->desc);
	e->desc = desc;
	return e;
}

struct err *err_prefix(struct err *e, const char *fmt, ...)
{
	char *context, *desc;
	va_list ap;

	va_start(ap, fmt);
	context = xvformat(fmt, ap);
	va_end(ap);
	xasprintf(&desc, "%s: %s", context, e->desc);
	free(context);
	free(e->desc);
	e->desc = desc;
	return e;
}

struct err *err_add_data(struct err *e, const char *key, json_object *value)
{
	if (e->data == NULL)
		e->data = json_object_new_object();
	json_object_object_add(e->data, key, value);
	return e;
}

struct err *err_copy(const struct err *e)
{
	struct err *copy = err_new(e->class, "%s", e->desc);

	if (e->data != NULL)
		copy->data = json_object_get(e->data);
	return copy;
}

void err_free(struct err *e)
{
	if (e == NULL)
		return;
	free(e->desc);
	json_object_put(e->data);
	free(e);
}

const char *err_class_name(enum err_class class)
{
	if ((unsigned)class >= ERR_CLASS_COUNT)
		return "Internal";
	return err_class_names[class];
}

bool err_class_from_name(const char *name, enum err_class *out)
{
	for (int i = 0; i < ERR_CLASS_COUNT; i++) {
		if (strcmp(err_class_names[i], name) == 0) {
			*out = (enum err_class)i;
			return true;
		}
	}
	return false;
}

json_object *err_to_json(const struct err *e)
{
	json_object *obj = json_object_new_object();

	json_object_object_add(obj, "class",
	    json_object_new_string(err_class_name(e->class)));
	json_object_object_add(obj, "desc", json_object_new_string(e->desc));
	if (e->data != NULL)
		json_object_object_add(obj, "data", json_object_get(e->data));
	return obj;
}

struct err *err_from_json(json_object *obj)
{
	json_object *class, *desc, *data;
	enum err_class c;
	struct err *e;

	if (!json_object_is_type(obj, json_type_object) ||
	    !json_object_object_get_ex(obj, "class", &class) ||
	    !json_object_is_type(class, json_type_string))
		return NULL;
	if (!err_class_from_name(json_object_get_string(class), &c))
		c = ERR_INTERNAL;
	if (json_object_object_get_ex(obj, "desc", &desc) &&
	    json_object_is_type(desc, json_type_string))
		e = err_new(c, "%s", json_object_get_string(desc));
	else
		e = err_new(c, "%s", json_object_get_string(class));
	if (json_object_object_get_ex(obj, "data", &data) &&
	    json_object_is_type(data, json_type_object))
		e->data = json_object_get(data);
	return e;
}

size_t err_utf8_cut(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	return max;
}

int err_quote_len(const char *s, size_t max)
{
	return (int)err_utf8_cut(s, strnlen(s, max + 1), max);
}
