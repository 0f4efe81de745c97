#include "config.h"

#include <ctype.h>
#include <string.h>

#include "proto/json-line.h"
#include "proto/schema.h"

#define DEFAULT_STRING_MAX 4096

static const char *const arg_type_names[] = {
	[ARG_STRING] = "string",
	[ARG_INT] = "integer",
	[ARG_BOOL] = "boolean",
	[ARG_OBJECT] = "object",
	[ARG_ARRAY] = "array",
	[ARG_STRING_LIST] = "array of strings",
	[ARG_ENUM] = "enum",
	[ARG_DOMAIN] = "domain",
	[ARG_PATH] = "path",
	[ARG_NAME] = "name",
	[ARG_ANY] = "any",
};

const char *arg_type_name(enum arg_type type)
{
	return arg_type_names[type];
}

bool schema_valid_domain_name(const char *name)
{
	size_t n = strlen(name);
	bool all_digits = true;

	if (n == 0 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];

		if (!isascii(c) || !(isalnum(c) || strchr("_.+-", c) != NULL))
			return false;
		if (!isdigit(c))
			all_digits = false;
	}
	return !all_digits;
}

bool schema_valid_uuid(const char *text)
{
	static const int dash_at[] = { 8, 13, 18, 23 };

	if (strlen(text) != 36)
		return false;
	for (int i = 0; i < 36; i++) {
		bool dash = false;

		for (int j = 0; j < 4; j++)
			dash |= (i == dash_at[j]);
		if (dash ? text[i] != '-' : !isxdigit((unsigned char)text[i]))
			return false;
	}
	return true;
}

bool schema_valid_path(const char *path)
{
	const char *p = path;

	if (path[0] != '/' || strlen(path) >= 4096)
		return false;
	while ((p = strstr(p, "..")) != NULL) {
		bool at_start = (p == path || p[-1] == '/');
		bool at_end = (p[2] == '\0' || p[2] == '/');

		if (at_start && at_end)
			return false;
		p += 2;
	}
	return true;
}

#define DOMID_MAX 0x7fff

static bool is_decimal(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

/* A decimal domid string, whole: "4294967297" is no domid (it is not 1). */
static bool decimal_domid_in_range(const char *s)
{
	uint32_t value = 0;

	for (; *s != '\0'; s++) {
		value = value * 10 + (uint32_t)(*s - '0');
		if (value > DOMID_MAX)
			return false;
	}
	return true;
}

static struct err *type_error(const struct arg_spec *spec, const char *what)
{
	return err_new(ERR_INVALID_ARGUMENT, "argument '%s' must be %s",
	    spec->name, what);
}

static struct err *check_one(const struct arg_spec *spec, json_object *value)
{
	enum json_type type = json_object_get_type(value);
	const char *s;

	switch (spec->type) {
	case ARG_STRING:
		if (type != json_type_string)
			return type_error(spec, "a string");
		if (json_object_get_string_len(value) >
		    (spec->max > 0 ? spec->max : DEFAULT_STRING_MAX))
			return err_new(ERR_INVALID_ARGUMENT,
			    "argument '%s' is too long", spec->name);
		return NULL;
	case ARG_INT: {
		int64_t v;

		if (type != json_type_int)
			return type_error(spec, "an integer");
		if (!json_int64_exact(value, &v))
			return err_new(ERR_INVALID_ARGUMENT,
			    "argument '%s' is out of range", spec->name);
		if ((spec->min != 0 || spec->max != 0) &&
		    (v < spec->min || v > spec->max))
			return err_new(ERR_INVALID_ARGUMENT,
			    "argument '%s' must be between %lld and %lld",
			    spec->name, (long long)spec->min,
			    (long long)spec->max);
		return NULL;
	}
	case ARG_BOOL:
		return type == json_type_boolean ? NULL :
		    type_error(spec, "a boolean");
	case ARG_OBJECT:
		return type == json_type_object ? NULL :
		    type_error(spec, "an object");
	case ARG_ARRAY:
		return type == json_type_array ? NULL :
		    type_error(spec, "an array");
	case ARG_STRING_LIST:
		if (type != json_type_array)
			return type_error(spec, "an array of strings");
		for (size_t i = 0; i < json_object_array_length(value); i++) {
			json_object *item = json_object_array_get_idx(value, i);

			if (!json_object_is_type(item, json_type_string) ||
			    json_object_get_string_len(item) > DEFAULT_STRING_MAX)
				return type_error(spec, "an array of strings");
		}
		return NULL;
	case ARG_ENUM:
		if (type == json_type_string) {
			s = json_object_get_string(value);
			for (int i = 0; spec->choices[i] != NULL; i++)
				if (strcmp(s, spec->choices[i]) == 0)
					return NULL;
		}
		{
			char list[512] = "";

			for (int i = 0; spec->choices[i] != NULL; i++) {
				if (i > 0)
					strncat(list, ", ", sizeof list - strlen(list) - 1);
				strncat(list, spec->choices[i],
				    sizeof list - strlen(list) - 1);
			}
			return err_new(ERR_INVALID_ARGUMENT,
			    "argument '%s' must be one of: %s", spec->name, list);
		}
	case ARG_DOMAIN:
		if (type == json_type_int) {
			int64_t v;

			if (!json_int64_exact(value, &v) || v < 0 ||
			    v > DOMID_MAX)
				return err_new(ERR_INVALID_ARGUMENT,
				    "argument '%s': domain id out of range",
				    spec->name);
			return NULL;
		}
		if (type != json_type_string)
			return type_error(spec,
			    "a domain name, UUID or domain id");
		s = json_object_get_string(value);
		if (is_decimal(s))
			return decimal_domid_in_range(s) ? NULL :
			    err_new(ERR_INVALID_ARGUMENT, "argument '%s': "
			    "domain id out of range", spec->name);
		if (schema_valid_domain_name(s) || schema_valid_uuid(s))
			return NULL;
		return err_new(ERR_INVALID_ARGUMENT,
		    "argument '%s': '%.*s' is not a domain name, UUID or id",
		    spec->name, err_quote_len(s, 80), s);
	case ARG_PATH:
		if (type != json_type_string)
			return type_error(spec, "a path");
		if (!schema_valid_path(json_object_get_string(value)))
			return err_new(ERR_INVALID_ARGUMENT,
			    "argument '%s' must be an absolute path without "
			    "'..' components", spec->name);
		return NULL;
	case ARG_NAME:
		if (type != json_type_string ||
		    !schema_valid_domain_name(json_object_get_string(value)))
			return type_error(spec,
			    "a domain name ([A-Za-z0-9_.+-]{1,64}, not all digits)");
		return NULL;
	case ARG_ANY:
		return NULL;
	}
	return err_new(ERR_INTERNAL, "argument '%s' has no known type",
	    spec->name);
}

struct err *schema_check(const struct arg_spec *specs, json_object *args)
{
	json_object_object_foreach(args, key, value) {
		const struct arg_spec *spec;
		struct err *e;

		for (spec = specs; spec->name != NULL; spec++)
			if (strcmp(spec->name, key) == 0)
				break;
		if (spec->name == NULL)
			return err_new(ERR_INVALID_ARGUMENT,
			    "unknown argument '%.*s'", err_quote_len(key, 80),
			    key);
		if ((e = check_one(spec, value)) != NULL)
			return e;
	}
	for (const struct arg_spec *spec = specs; spec->name != NULL; spec++)
		if (spec->required &&
		    !json_object_object_get_ex(args, spec->name, NULL))
			return err_new(ERR_INVALID_ARGUMENT,
			    "missing required argument '%s'", spec->name);
	return NULL;
}

json_object *schema_to_json(const struct arg_spec *specs)
{
	json_object *list = json_object_new_array();

	for (const struct arg_spec *spec = specs; spec->name != NULL; spec++) {
		json_object *arg = json_object_new_object();

		json_object_object_add(arg, "name",
		    json_object_new_string(spec->name));
		json_object_object_add(arg, "type",
		    json_object_new_string(arg_type_name(spec->type)));
		json_object_object_add(arg, "required",
		    json_object_new_boolean(spec->required));
		if (spec->type == ARG_INT && (spec->min != 0 || spec->max != 0)) {
			json_object_object_add(arg, "min",
			    json_object_new_int64(spec->min));
			json_object_object_add(arg, "max",
			    json_object_new_int64(spec->max));
		}
		if (spec->type == ARG_ENUM) {
			json_object *choices = json_object_new_array();

			for (int i = 0; spec->choices[i] != NULL; i++)
				json_object_array_add(choices,
				    json_object_new_string(spec->choices[i]));
			json_object_object_add(arg, "choices", choices);
		}
		if (spec->help != NULL)
			json_object_object_add(arg, "help",
			    json_object_new_string(spec->help));
		json_object_array_add(list, arg);
	}
	return list;
}

const char *arg_string(json_object *args, const char *name)
{
	json_object *v;

	if (!json_object_object_get_ex(args, name, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

int64_t arg_int(json_object *args, const char *name, int64_t dflt)
{
	json_object *v;

	if (!json_object_object_get_ex(args, name, &v) ||
	    !json_object_is_type(v, json_type_int))
		return dflt;
	return json_object_get_int64(v);
}

bool arg_bool(json_object *args, const char *name, bool dflt)
{
	json_object *v;

	if (!json_object_object_get_ex(args, name, &v) ||
	    !json_object_is_type(v, json_type_boolean))
		return dflt;
	return json_object_get_boolean(v);
}

bool arg_present(json_object *args, const char *name)
{
	return json_object_object_get_ex(args, name, NULL);
}
