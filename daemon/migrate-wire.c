#include "config.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "daemon/migrate-wire.h"
#include "proto/json-line.h"
#include "proto/mem.h"
#include "proto/schema.h"

static const char *const migrate_msg_names[] = {
	[MIGRATE_MSG_READY] = "ready",
	[MIGRATE_MSG_GO] = "go",
	[MIGRATE_MSG_DONE] = "done",
};

static char *migrate_line(json_object *obj, size_t *len)
{
	size_t n;
	const char *text = json_line_format(obj, &n);
	char *line = xmalloc(n + 2);

	memcpy(line, text, n);
	line[n] = '\n';
	line[n + 1] = '\0';
	*len = n + 1;
	json_object_put(obj);
	return line;
}

char *migrate_header_build(const struct migrate_header *h, size_t *len)
{
	json_object *obj = json_object_new_object();

	json_object_object_add(obj, "xenlightd-migration",
	    json_object_new_int(MIGRATE_WIRE_VERSION));
	json_object_object_add(obj, "token", json_object_new_string(h->token));
	json_object_object_add(obj, "name", json_object_new_string(h->name));
	json_object_object_add(obj, "uuid", json_object_new_string(h->uuid));
	json_object_object_add(obj, "config", json_object_get(h->config));
	json_object_object_add(obj, "memory_kib",
	    json_object_new_int64((int64_t)h->memory_kib));
	json_object_object_add(obj, "paused",
	    json_object_new_boolean(h->paused));
	return migrate_line(obj, len);
}

static bool migrate_token_valid(const char *token)
{
	size_t n = strlen(token);

	if (n != MIGRATE_TOKEN_HEX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)token[i]) ||
		    isupper((unsigned char)token[i]))
			return false;
	return true;
}

static json_object *migrate_field(json_object *obj, const char *key,
    json_type type)
{
	json_object *v;

	if (!json_object_object_get_ex(obj, key, &v) ||
	    !json_object_is_type(v, type))
		return NULL;
	return v;
}

static struct err *migrate_header_check(json_object *obj,
    struct migrate_header *h)
{
	json_object *v;
	const char *s;
	int64_t n;

	v = migrate_field(obj, "xenlightd-migration", json_type_int);
	if (v == NULL)
		return err_new(ERR_INVALID_ARGUMENT, "not a xenlightd "
		    "migration stream");
	if (json_object_get_int64(v) != MIGRATE_WIRE_VERSION)
		return err_new(ERR_NOT_SUPPORTED, "migration stream version "
		    "%" PRId64 " is not supported (this daemon speaks %d)",
		    json_object_get_int64(v), MIGRATE_WIRE_VERSION);
	v = migrate_field(obj, "token", json_type_string);
	if (v == NULL || !migrate_token_valid(json_object_get_string(v)))
		return err_new(ERR_PERMISSION_DENIED, "no valid token");
	memcpy(h->token, json_object_get_string(v), MIGRATE_TOKEN_HEX + 1);
	v = migrate_field(obj, "name", json_type_string);
	s = v != NULL ? json_object_get_string(v) : NULL;
	if (s == NULL || !schema_valid_domain_name(s))
		return err_new(ERR_INVALID_ARGUMENT, "no valid domain name");
	snprintf(h->name, sizeof h->name, "%s", s);
	v = migrate_field(obj, "uuid", json_type_string);
	s = v != NULL ? json_object_get_string(v) : NULL;
	if (s == NULL || !schema_valid_uuid(s))
		return err_new(ERR_INVALID_ARGUMENT, "no valid domain UUID");
	snprintf(h->uuid, sizeof h->uuid, "%s", s);
	v = migrate_field(obj, "memory_kib", json_type_int);
	n = v != NULL ? json_object_get_int64(v) : -1;
	if (n <= 0 || (uint64_t)n > MIGRATE_MEMORY_KIB_MAX)
		return err_new(ERR_INVALID_ARGUMENT, "no valid memory size");
	h->memory_kib = (uint64_t)n;
	v = migrate_field(obj, "paused", json_type_boolean);
	if (v == NULL)
		return err_new(ERR_INVALID_ARGUMENT, "no paused flag");
	h->paused = json_object_get_boolean(v);
	v = migrate_field(obj, "config", json_type_object);
	if (v == NULL)
		return err_new(ERR_INVALID_ARGUMENT, "no domain configuration");
	h->config = json_object_get(v);
	return NULL;
}

struct err *migrate_header_parse(const char *line, size_t len,
    struct migrate_header *h)
{
	struct err *e = NULL;
	json_object *obj;

	memset(h, 0, sizeof *h);
	if (len > MIGRATE_HEADER_MAX)
		return err_new(ERR_INVALID_ARGUMENT, "migration header too "
		    "long");
	obj = json_line_parse(line, len, &e);
	if (obj == NULL) {
		e->class = ERR_INVALID_ARGUMENT;
		return err_prefix(e, "migration header");
	}
	e = migrate_header_check(obj, h);
	json_object_put(obj);
	if (e != NULL)
		migrate_header_dispose(h);
	return e;
}

void migrate_header_dispose(struct migrate_header *h)
{
	json_object_put(h->config);
	memset(h, 0, sizeof *h);
}

char *migrate_msg_build(enum migrate_msg msg, const struct err *e,
    size_t *len)
{
	json_object *obj = json_object_new_object();

	if (msg == MIGRATE_MSG_ERROR)
		json_object_object_add(obj, "error", err_to_json(e));
	else
		json_object_object_add(obj, "handover",
		    json_object_new_string(migrate_msg_names[msg]));
	return migrate_line(obj, len);
}

char *migrate_accept_build(size_t *len)
{
	json_object *obj = json_object_new_object();

	json_object_object_add(obj, "accept", json_object_new_boolean(true));
	return migrate_line(obj, len);
}

struct err *migrate_msg_parse(const char *line, size_t len, bool accept,
    enum migrate_msg *msg, struct err **peer)
{
	struct err *e = NULL;
	json_object *obj = json_line_parse(line, len, &e), *v;

	*peer = NULL;
	if (obj == NULL)
		return err_prefix(e, "migration peer");
	if (json_object_object_length(obj) != 1) {
		e = err_new(ERR_INVALID_MESSAGE, "migration peer: not one "
		    "message");
	} else if ((v = migrate_field(obj, "error", json_type_object))) {
		*peer = err_from_json(v);
		if (*peer == NULL)
			e = err_new(ERR_INVALID_MESSAGE, "migration peer: an "
			    "error that is none");
		*msg = MIGRATE_MSG_ERROR;
	} else if (accept) {
		v = migrate_field(obj, "accept", json_type_boolean);
		if (v == NULL || !json_object_get_boolean(v))
			e = err_new(ERR_INVALID_MESSAGE, "migration peer: "
			    "neither accepted nor refused");
		*msg = MIGRATE_MSG_READY;
	} else if ((v = migrate_field(obj, "handover", json_type_string))) {
		const char *name = json_object_get_string(v);

		e = err_new(ERR_INVALID_MESSAGE, "migration peer: unknown "
		    "hand-over message");
		for (int i = MIGRATE_MSG_READY; i <= MIGRATE_MSG_DONE; i++) {
			if (strcmp(name, migrate_msg_names[i]) == 0) {
				*msg = (enum migrate_msg)i;
				err_free(e);
				e = NULL;
			}
		}
	} else {
		e = err_new(ERR_INVALID_MESSAGE, "migration peer: not a "
		    "hand-over message");
	}
	json_object_put(obj);
	return e;
}

char *migrate_identity_lease(const char *uuid)
{
	char *name;

	xasprintf(&name, "xenlightd:domain:%s", uuid);
	return name;
}
