/* Checks the harnesses share: an error goes back to a client, so its
 * message must be valid JSON once quoted (no UTF-8 sequence cut short). */
#ifndef FUZZ_CHECK_ERROR_H
#define FUZZ_CHECK_ERROR_H

#include <stdio.h>
#include <stdlib.h>

#include <json-c/json.h>

#include "proto/err.h"
#include "proto/json-line.h"

static inline void fuzz_check_error(const struct err *e)
{
	json_object *s = json_object_new_string(e->desc);
	size_t len;
	const char *text = json_line_format(s, &len);
	const char *why;

	if (!json_validate(text, len, 2, &why)) {
		fprintf(stderr, "an error message is not valid once quoted "
		    "(%s): %s\n", why, e->desc);
		abort();
	}
	json_object_put(s);
}

#endif
