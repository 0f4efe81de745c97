/* Argument schemas: one table per command, checked before any side effect,
 * and published through query-commands. */
#ifndef PROTO_SCHEMA_H
#define PROTO_SCHEMA_H

#include <stdbool.h>
#include <stdint.h>
#include <json-c/json.h>

#include "proto/err.h"

enum arg_type {
	ARG_STRING,		/* any string up to max (default 4096) bytes */
	ARG_INT,		/* integer in [min, max] */
	ARG_BOOL,
	ARG_OBJECT,
	ARG_ARRAY,
	ARG_STRING_LIST,	/* array of strings */
	ARG_ENUM,		/* one of choices */
	ARG_DOMAIN,		/* name, UUID, or domid (integer or decimal string) */
	ARG_PATH,		/* absolute path without '..' components */
	ARG_NAME,		/* a domain name: [A-Za-z0-9_.+-]{1,64}, not all digits */
	ARG_ANY,
};

struct arg_spec {
	const char *name;	/* NULL ends a table */
	enum arg_type type;
	bool required;
	int64_t min, max;	/* ARG_INT: bounds (min == max == 0: any);
				   ARG_STRING: max length (0: default) */
	const char *const *choices;	/* ARG_ENUM, NULL-terminated */
	const char *help;
};

#define ARG_END { NULL, 0, false, 0, 0, NULL, NULL }

/* Checks args (an object) against specs: unknown keys, missing required
 * ones and ill-typed values are InvalidArgument errors naming the key. */
struct err *schema_check(const struct arg_spec *specs, json_object *args);

/* [{"name","type","required","help",...}] for query-commands. */
json_object *schema_to_json(const struct arg_spec *specs);
const char *arg_type_name(enum arg_type type);

bool schema_valid_domain_name(const char *name);
bool schema_valid_uuid(const char *text);
bool schema_valid_path(const char *path);

/* Typed getters for checked arguments (absent: the default). */
const char *arg_string(json_object *args, const char *name);
int64_t arg_int(json_object *args, const char *name, int64_t dflt);
bool arg_bool(json_object *args, const char *name, bool dflt);
bool arg_present(json_object *args, const char *name);

#endif
