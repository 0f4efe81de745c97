/* The JSON line codec shared by the daemon, the client library and the
 * simulator: framing of newline-ended lines with a size limit, and strict
 * parsing of one JSON object per line.
 *
 * json-c alone is too lenient for a wire protocol (it takes single quotes,
 * NaN and overlong UTF-8, and saturates huge integers), so every line first
 * goes through json_validate(), a strict RFC 8259 checker that also
 * enforces the nesting limit, and only then through json-c. */
#ifndef PROTO_JSON_LINE_H
#define PROTO_JSON_LINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <json-c/json.h>

#include "proto/err.h"

#define PROTO_MAX_DEPTH 64
#define PROTO_DEFAULT_MAX_LINE (1024 * 1024)

/* Strict RFC 8259 check of buf[0..len) holding exactly one JSON value with
 * optional surrounding whitespace: strict UTF-8 (no overlongs, surrogates or
 * code points past U+10FFFF), no control characters in strings, no lone
 * surrogate escapes, no NUL (\u0000: C strings would end there), no key
 * twice in one object (compared decoded), integers that fit in 64 bits, at
 * most max_depth levels of nesting.  Returns true, or false with *why set to a static message. */
bool json_validate(const char *buf, size_t len, int max_depth, const char **why);

/* Parses one line into a JSON object.  Returns NULL with an InvalidMessage
 * error when the line is not valid JSON, not an object, too deep, or has
 * trailing garbage. */
json_object *json_line_parse(const char *line, size_t len, struct err **err);

/* An integer's value as an int64_t, exactly: false for one past INT64_MAX
 * (json-c would clamp it to INT64_MAX). */
bool json_int64_exact(json_object *value, int64_t *out);

/* Serialises obj compactly (no pretty-printing), without the newline.  The
 * string belongs to obj and lives until obj is freed or changed. */
const char *json_line_format(json_object *obj, size_t *len);

/* Framing: accumulates bytes, hands out complete lines. */
struct line_reader {
	char *buf;
	size_t start;		/* first unconsumed byte */
	size_t len;		/* end of buffered bytes */
	size_t cap;
	size_t max_line;
	size_t scanned;		/* bytes after start known to hold no '\n' */
};

enum line_status {
	LINE_READY,		/* line and len hold a line, without its \n or \r\n */
	LINE_PARTIAL,		/* need more bytes */
	LINE_TOO_LONG,		/* a line passed max_line bytes: close the stream */
};

void line_reader_init(struct line_reader *lr, size_t max_line);
void line_reader_free(struct line_reader *lr);
/* Appends bytes (tests, fuzzing, in-memory use). */
void line_reader_append(struct line_reader *lr, const void *data, size_t len);
/* One read(2) from fd into the buffer: >0 bytes read, 0 end of file, -1 with
 * errno (EAGAIN included).  Reads at most what the line limit can use. */
ssize_t line_reader_fill(struct line_reader *lr, int fd);
/* The line handed out stays valid until the next call on lr. */
enum line_status line_reader_next(struct line_reader *lr, const char **line,
    size_t *len);
/* Bytes buffered and not yet handed out. */
size_t line_reader_pending(const struct line_reader *lr);

#endif
