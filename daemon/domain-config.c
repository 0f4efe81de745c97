#include "config.h"

#include "daemon/domain-config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "proto/json-line.h"

#define DOMAIN_MAX_MEMORY_KIB (DOMAIN_MAX_MEMORY_MIB * 1024)

bool domain_config_name_valid(const char *name)
{
	size_t len = strlen(name);
	bool all_digits = true;

	if (len == 0 || len > DOMAIN_NAME_MAX)
		return false;
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return false;
	for (const char *p = name; *p != '\0'; p++) {
		if (*p >= '0' && *p <= '9')
			continue;
		all_digits = false;
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    strchr("_.+-", *p) != NULL)
			continue;
		return false;
	}
	return !all_digits;
}

static bool memkb_valid(uint64_t kib)
{
	return kib == LIBXL_MEMKB_DEFAULT ||
	    (kib > 0 && kib <= DOMAIN_MAX_MEMORY_KIB);
}

struct err *domain_config_validate(const libxl_domain_config *c)
{
	const libxl_domain_build_info *b = &c->b_info;
	int online;

	if (c->c_info.name == NULL)
		return err_new(ERR_INVALID_ARGUMENT, "domain name missing");
	if (!domain_config_name_valid(c->c_info.name))
		return err_new(ERR_INVALID_ARGUMENT, "invalid domain name '%s': "
		    "1 to %d characters from [A-Za-z0-9_.+-], not all digits",
		    c->c_info.name, DOMAIN_NAME_MAX);

	switch (c->c_info.type) {
	case LIBXL_DOMAIN_TYPE_PV:
	case LIBXL_DOMAIN_TYPE_PVH:
	case LIBXL_DOMAIN_TYPE_HVM:
		break;
	default:
		return err_new(ERR_INVALID_ARGUMENT,
		    "domain type missing or invalid (pv, pvh or hvm)");
	}
	if (b->type != c->c_info.type)
		return err_new(ERR_INVALID_ARGUMENT,
		    "build info type does not match domain type '%s'",
		    libxl_domain_type_to_string(c->c_info.type));

	if (!memkb_valid(b->target_memkb) || !memkb_valid(b->max_memkb))
		return err_new(ERR_INVALID_ARGUMENT,
		    "memory out of range (1 KiB to %" PRIu64 " MiB)",
		    DOMAIN_MAX_MEMORY_MIB);
	if (b->target_memkb != LIBXL_MEMKB_DEFAULT &&
	    b->max_memkb != LIBXL_MEMKB_DEFAULT &&
	    b->max_memkb < b->target_memkb)
		return err_new(ERR_INVALID_ARGUMENT,
		    "maximum memory (%" PRIu64 " KiB) below memory (%" PRIu64
		    " KiB)", b->max_memkb, b->target_memkb);

	if (b->max_vcpus < 0 || b->max_vcpus > DOMAIN_MAX_VCPUS)
		return err_new(ERR_INVALID_ARGUMENT,
		    "maximum vcpus out of range (0 to %d)", DOMAIN_MAX_VCPUS);
	if (b->avail_vcpus.size > 0) {
		online = libxl_bitmap_count_set(&b->avail_vcpus);
		if (online < 1)
			return err_new(ERR_INVALID_ARGUMENT, "no vcpu available");
		if (b->max_vcpus > 0 && online > b->max_vcpus)
			return err_new(ERR_INVALID_ARGUMENT,
			    "%d vcpus available but maximum is %d", online,
			    b->max_vcpus);
	}
	return NULL;
}

char *domain_config_to_json_line(libxl_ctx *ctx, libxl_domain_config *c)
{
	char *pretty, *line = NULL;
	json_object *obj;
	struct err *e = NULL;

	pretty = libxl_domain_config_to_json(ctx, c);
	if (pretty == NULL)
		return NULL;
	/* The strict parser, because json-c alone saturates integers past
	 * 64 bits instead of failing. */
	obj = json_line_parse(pretty, strlen(pretty), &e);
	free(pretty);
	if (obj == NULL) {
		err_free(e);
		return NULL;
	}
	line = strdup(json_line_format(obj, NULL));
	json_object_put(obj);
	return line;
}

struct err *domain_config_from_json_object(libxl_ctx *ctx, json_object *obj,
    libxl_domain_config *out)
{
	int rc;

	if (!json_object_is_type(obj, json_type_object))
		return err_new(ERR_INVALID_ARGUMENT,
		    "domain config must be a JSON object");
	rc = libxl_domain_config_from_json(ctx, out,
	    json_line_format(obj, NULL));
	if (rc != 0)
		return err_new(ERR_INVALID_ARGUMENT,
		    "not a valid libxl domain config (libxl error %d)", rc);
	return domain_config_validate(out);
}
