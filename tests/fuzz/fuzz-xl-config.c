/* libFuzzer harness: xl config text -> libxl_domain_config -> JSON.
 *
 * Oracles: every refusal is InvalidArgument (an Internal error means our
 * syntax check let through text libxlutil refuses, or missed a key), with
 * a message fit for a JSON reply; every accepted config serialises, parses
 * back through domain_config_from_json_object and serialises to the same
 * line; the same bytes as a single disk or vif spec are parsed or
 * refused with InvalidArgument; ASan/UBSan/LSan watch the rest.
 *
 * With FUZZ_XLU_ORACLE=1 in the environment, text our syntax check
 * refuses must be refused by libxlutil too, but for the escapes and
 * nesting we refuse on purpose.  libxlutil leaks on text it refuses, so
 * that mode runs with ASAN_OPTIONS=detect_leaks=0 -detect_leaks=0. */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxlutil.h>

#include "daemon/domain-config.h"
#include "daemon/xl-config.h"
#include "proto/json-line.h"
#include "tests/unit/fake-xen-handles.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, const struct err *e)
{
	fprintf(stderr, "fuzz-xl-config: %s: %s\n", what, e ? e->desc : "");
	abort();
}

static void round_trip(libxl_ctx *ctx, libxl_domain_config *c)
{
	libxl_domain_config again;
	struct err *e = NULL;
	char *line, *line2;
	json_object *obj;

	line = domain_config_to_json_line(ctx, c);
	if (line == NULL)
		fail("no JSON for an accepted config", NULL);
	obj = json_line_parse(line, strlen(line), &e);
	if (obj == NULL)
		fail("JSON line does not parse", e);
	libxl_domain_config_init(&again);
	if ((e = domain_config_from_json_object(ctx, obj, &again)) != NULL)
		fail("JSON of an accepted config refused", e);
	line2 = domain_config_to_json_line(ctx, &again);
	if (line2 == NULL || strcmp(line, line2) != 0) {
		fprintf(stderr, "%s\n%s\n", line, line2 ? line2 : "(null)");
		fail("JSON round trip changed the config", NULL);
	}
	free(line);
	free(line2);
	json_object_put(obj);
	libxl_domain_config_dispose(&again);
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Errors go back to clients in JSON: valid UTF-8 and short, whatever
 * the config held. */
static void message_fits_a_reply(const struct err *e)
{
	json_object *s = json_object_new_string(e->desc);
	const char *why;
	size_t len;
	const char *text = json_line_format(s, &len);

	if (!json_validate(text, len, 4, &why) || strlen(e->desc) > 1024)
		fail("error message unfit for a reply", e);
	json_object_put(s);
}

/* libxlutil must refuse what our syntax check refused. */
static void libxlutil_agrees(const uint8_t *data, size_t size,
    const struct err *e)
{
	XLU_Config *cfg;
	FILE *devnull;
	char *text;
	int rc;

	const char *rest = strstr(e->desc, ": ");
	static int enabled = -1;

	if (enabled < 0)
		enabled = getenv("FUZZ_XLU_ORACLE") != NULL;
	if (!enabled)
		return;

	/* "xl_config line N: syntax error..." or "...: '+=' cannot add" */
	if (strncmp(e->desc, "xl_config line ", 15) != 0 || rest == NULL ||
	    (strncmp(rest, ": syntax error", 14) != 0 &&
	    strncmp(rest, ": '+=' cannot add", 17) != 0))
		return;
	if (ends_with(e->desc, "unsupported escape in string") ||
	    ends_with(e->desc, "lists nested too deep"))
		return;
	text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\n';
	devnull = fopen("/dev/null", "w");
	cfg = xlu_cfg_init(devnull, "fuzz");
	rc = xlu_cfg_readdata(cfg, text, (int)size + 1);
	xlu_cfg_destroy(cfg);
	fclose(devnull);
	free(text);
	if (rc == 0)
		fail("libxlutil accepts what the syntax check refused", e);
}

/* The same bytes as one disk spec and one vif spec (device attach). */
static void single_specs(const uint8_t *data, size_t size)
{
	char *spec = malloc(size + 1);
	libxl_device_disk disk;
	libxl_device_nic nic;
	struct err *e;

	memcpy(spec, data, size);
	spec[size] = '\0';
	libxl_device_disk_init(&disk);
	if ((e = xl_config_parse_disk(spec, &disk)) != NULL) {
		if (e->class != ERR_INVALID_ARGUMENT)
			fail("disk spec refused with another class", e);
		message_fits_a_reply(e);
		err_free(e);
	}
	libxl_device_disk_dispose(&disk);
	libxl_device_nic_init(&nic);
	if ((e = xl_config_parse_nic(spec, &nic)) != NULL) {
		if (e->class != ERR_INVALID_ARGUMENT)
			fail("vif spec refused with another class", e);
		message_fits_a_reply(e);
		err_free(e);
	}
	libxl_device_nic_dispose(&nic);
	free(spec);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	libxl_ctx *ctx = fake_xen_ctx();
	libxl_domain_config c;
	struct err *e;

	libxl_domain_config_init(&c);
	e = xl_config_parse(ctx, (const char *)data, size, &c);
	if (e == NULL)
		round_trip(ctx, &c);
	else if (e->class != ERR_INVALID_ARGUMENT)
		fail("refused with a class other than InvalidArgument", e);
	else {
		message_fits_a_reply(e);
		libxlutil_agrees(data, size, e);
	}
	err_free(e);
	libxl_domain_config_dispose(&c);
	single_specs(data, size);
	return 0;
}
