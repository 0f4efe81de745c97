/* libFuzzer harness: bytes from a socket through the whole request path
 * short of a handler: framing, strict JSON, the envelope, a schema. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/json-line.h"
#include "proto/message.h"
#include "proto/schema.h"
#include "tests/fuzz/check-error.h"

static const char *const leave_choices[] = { "running", "paused", NULL };

static const struct arg_spec specs[] = {
	{ "domain", ARG_DOMAIN, true, 0, 0, NULL, NULL },
	{ "file", ARG_PATH, false, 0, 0, NULL, NULL },
	{ "leave", ARG_ENUM, false, 0, 0, leave_choices, NULL },
	{ "count", ARG_INT, false, 1, 4096, NULL, NULL },
	{ "name", ARG_NAME, false, 0, 0, NULL, NULL },
	{ "tags", ARG_STRING_LIST, false, 0, 0, NULL, NULL },
	{ "flag", ARG_BOOL, false, 0, 0, NULL, NULL },
	{ "config", ARG_OBJECT, false, 0, 0, NULL, NULL },
	ARG_END
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct line_reader lr;
	const char *line;
	size_t len;
	enum line_status status;

	line_reader_init(&lr, 4096);
	/* in two pieces, as a socket may deliver it */
	line_reader_append(&lr, data, size / 2);
	while ((status = line_reader_next(&lr, &line, &len)) != LINE_PARTIAL) {
		if (status == LINE_TOO_LONG)
			goto out;
		goto parse;
	}
	line_reader_append(&lr, data + size / 2, size - size / 2);
	for (;;) {
		struct proto_request req;
		struct err *e = NULL;
		json_object *root;

		status = line_reader_next(&lr, &line, &len);
		if (status != LINE_READY)
			break;
parse:
		root = json_line_parse(line, len, &e);
		if (root == NULL) {
			fuzz_check_error(e);
			err_free(e);
			continue;
		}
		/* what json-c built must serialise to JSON we accept */
		{
			size_t out_len;
			const char *out = json_line_format(root, &out_len);

			if (!json_validate(out, out_len, PROTO_MAX_DEPTH + 1, NULL))
				abort();
		}
		e = proto_request_parse(root, &req);
		if (e == NULL)
			e = schema_check(specs, req.arguments);
		if (e != NULL)
			fuzz_check_error(e);
		err_free(e);
		proto_request_clear(&req);
	}
out:
	line_reader_free(&lr);
	return 0;
}
