#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "daemon/lease-wire.h"
#include "proto/json-line.h"
#include "proto/mem.h"
#include "proto/schema.h"

static const char *const lease_op_names[LEASE_OP_COUNT] = {
	[LEASE_OP_SET] = "set",
	[LEASE_OP_ADD] = "add",
	[LEASE_OP_REMOVE] = "remove",
	[LEASE_OP_LIST] = "list",
	[LEASE_OP_RELEASE] = "release",
	[LEASE_OP_DOMAIN] = "domain",
};

const char *lease_op_name(enum lease_op op)
{
	return (unsigned)op < LEASE_OP_COUNT ? lease_op_names[op] : "?";
}

static bool op_takes_disks(enum lease_op op)
{
	return op == LEASE_OP_SET || op == LEASE_OP_ADD ||
	    op == LEASE_OP_REMOVE;
}

static json_object *parse_line(const char *line, size_t len, struct err **e)
{
	if (len > LEASE_WIRE_MAX_LINE) {
		*e = err_new(ERR_INVALID_MESSAGE, "line longer than %d bytes",
		    LEASE_WIRE_MAX_LINE);
		return NULL;
	}
	return json_line_parse(line, len, e);
}

struct err *lease_request_parse(const char *line, size_t len,
    struct lease_request *out)
{
	json_object *root, *op, *value;
	struct err *e = NULL;
	int i;

	memset(out, 0, sizeof *out);
	root = parse_line(line, len, &e);
	if (root == NULL)
		return e;
	if (!json_object_object_get_ex(root, "op", &op) ||
	    !json_object_is_type(op, json_type_string)) {
		e = err_new(ERR_INVALID_MESSAGE, "no 'op'");
		goto out;
	}
	for (i = 0; i < LEASE_OP_COUNT; i++)
		if (strcmp(json_object_get_string(op), lease_op_names[i]) == 0)
			break;
	if (i == LEASE_OP_COUNT) {
		e = err_new(ERR_COMMAND_NOT_FOUND, "unknown op '%.*s'",
		    err_quote_len(json_object_get_string(op), 40),
		    json_object_get_string(op));
		goto out;
	}
	out->op = (enum lease_op)i;
	json_object_object_foreach(root, key, v) {
		(void)v;
		if (strcmp(key, "op") != 0 &&
		    !(strcmp(key, "disks") == 0 && op_takes_disks(out->op)) &&
		    !(strcmp(key, "domain") == 0 &&
		    out->op == LEASE_OP_DOMAIN)) {
			e = err_new(ERR_INVALID_ARGUMENT,
			    "'%.*s' is not an argument of %s",
			    err_quote_len(key, 40), key,
			    lease_op_names[out->op]);
			goto out;
		}
	}
	if (op_takes_disks(out->op)) {
		if (!json_object_object_get_ex(root, "disks", &value)) {
			e = err_new(ERR_INVALID_ARGUMENT, "no 'disks'");
			goto out;
		}
		e = lease_disks_from_json(value, &out->disks);
	}
	if (out->op == LEASE_OP_DOMAIN) {
		if (!json_object_object_get_ex(root, "domain", &value) ||
		    !json_object_is_type(value, json_type_string) ||
		    !schema_valid_domain_name(json_object_get_string(value))) {
			e = err_new(ERR_INVALID_ARGUMENT,
			    "'domain' must be a domain name");
			goto out;
		}
		out->domain = xstrdup(json_object_get_string(value));
	}
out:
	json_object_put(root);
	if (e != NULL)
		lease_request_clear(out);
	return e;
}

struct err *lease_reply_parse(const char *line, size_t len,
    struct lease_reply *out)
{
	json_object *root, *value;
	struct err *e = NULL;

	memset(out, 0, sizeof *out);
	root = parse_line(line, len, &e);
	if (root == NULL)
		return e;
	if (json_object_object_get_ex(root, "error", &value)) {
		out->error = err_from_json(value);
		if (out->error == NULL) {
			e = err_new(ERR_INVALID_MESSAGE, "a bad 'error'");
			goto out;
		}
	} else if (!json_object_object_get_ex(root, "ok", &value) ||
	    !json_object_is_type(value, json_type_boolean) ||
	    !json_object_get_boolean(value)) {
		e = err_new(ERR_INVALID_MESSAGE, "neither 'ok' nor 'error'");
		goto out;
	}
	if (!json_object_object_get_ex(root, "disks", &value)) {
		e = err_new(ERR_INVALID_MESSAGE, "no 'disks'");
		goto out;
	}
	e = lease_disks_from_json(value, &out->disks);
	if (e == NULL) {
		for (size_t i = 0; i < out->disks.n; i++) {
			if (out->disks.v[i].disk == NULL) {
				e = err_new(ERR_INVALID_MESSAGE, "a held disk "
				    "without its canonical name");
				break;
			}
		}
	}
out:
	json_object_put(root);
	if (e != NULL)
		lease_reply_clear(out);
	return e;
}

void lease_request_clear(struct lease_request *req)
{
	lease_disks_clear(&req->disks);
	free(req->domain);
	req->domain = NULL;
}

void lease_reply_clear(struct lease_reply *reply)
{
	if (reply->error != NULL)
		err_free(reply->error);
	reply->error = NULL;
	lease_disks_clear(&reply->disks);
}

char *lease_request_format(const struct lease_request *req, size_t *len)
{
	json_object *root = json_object_new_object();

	json_object_object_add(root, "op",
	    json_object_new_string(lease_op_name(req->op)));
	if (op_takes_disks(req->op))
		json_object_object_add(root, "disks",
		    lease_disks_to_json(&req->disks));
	if (req->op == LEASE_OP_DOMAIN)
		json_object_object_add(root, "domain",
		    json_object_new_string(req->domain));
	return lease_json_line(root, len);
}

char *lease_reply_format(const struct err *error,
    const struct lease_disks *held, size_t *len)
{
	json_object *root = json_object_new_object();

	if (error != NULL)
		json_object_object_add(root, "error", err_to_json(error));
	else
		json_object_object_add(root, "ok",
		    json_object_new_boolean(true));
	json_object_object_add(root, "disks", lease_disks_to_json(held));
	return lease_json_line(root, len);
}
