/* Errors are values: a class from PROTOCOL.md's table and a message.
 * Functions that can fail return a struct err * (NULL on success); the
 * error is reported once, at the edge (the reply to the client). */
#ifndef PROTO_ERR_H
#define PROTO_ERR_H

#include <stdbool.h>
#include <json-c/json.h>

enum err_class {
	ERR_INVALID_MESSAGE,
	ERR_COMMAND_NOT_FOUND,
	ERR_INVALID_ARGUMENT,
	ERR_PERMISSION_DENIED,
	ERR_DOMAIN_NOT_FOUND,
	ERR_DOMAIN_EXISTS,
	ERR_OPERATION_INVALID,
	ERR_BUSY,
	ERR_JOB_NOT_FOUND,
	ERR_NOT_SUPPORTED,
	ERR_ABORTED,
	ERR_HYPERVISOR,
	ERR_IO,
	ERR_RESOURCE_LIMIT,
	ERR_LEASE_CONFLICT,
	ERR_INTERNAL,
	ERR_CLASS_COUNT
};

struct err {
	enum err_class class;
	char *desc;
	json_object *data;	/* optional object with details, owned */
};

/* How many of the len bytes of s fit in max without ending inside a UTF-8
 * sequence: a message that quotes them must stay valid UTF-8. */
size_t err_utf8_cut(const char *s, size_t len, size_t max);
/* The same for a string, as the length of a "%.*s". */
int err_quote_len(const char *s, size_t max);
struct err *err_new(enum err_class class, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Adds data[key] = value (takes the reference to value). Returns e. */
struct err *err_add_data(struct err *e, const char *key, json_object *value);
struct err *err_copy(const struct err *e);
/* Adds "; <note>" to e's description (what a clean-up did or found).
 * Returns e. */
struct err *err_append(struct err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Puts "<context>: " in front of e's description.  Returns e. */
struct err *err_prefix(struct err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void err_free(struct err *e);

const char *err_class_name(enum err_class class);
bool err_class_from_name(const char *name, enum err_class *out);

/* {"class":..., "desc":..., "data":...} */
json_object *err_to_json(const struct err *e);
/* Parses the error object of a reply; NULL if it is not one. */
struct err *err_from_json(json_object *obj);

#endif
