#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proto/json-line.h"
#include "proto/mem.h"

/* ------------------------------------------------------------------------
 * Strict validation.  A recursive-descent walk would put the depth limit on
 * the C stack; an explicit stack of container kinds keeps it flat. */

/* The keys of the objects still open, decoded, to find a key given twice
 * (json-c would keep the last one: a request could say one thing to a
 * check and another to the code that acts).  Each object's keys are
 * sorted and compared when it closes, then dropped: O(n log n) in the
 * line's length whatever the input, and memory within a few times it. */
struct key_ref {
	size_t off, len;		/* in keys.bytes */
};

struct key_stack {
	char *bytes;
	size_t used, cap;
	struct key_ref *refs;
	size_t n, refs_cap;
	size_t first_ref[PROTO_MAX_DEPTH + 1];	/* per open container */
	size_t first_byte[PROTO_MAX_DEPTH + 1];
};

struct validator {
	const unsigned char *p;
	const unsigned char *end;
	const char *why;
	struct key_stack keys;
};

static void skip_space(struct validator *v)
{
	while (v->p < v->end &&
	    (*v->p == ' ' || *v->p == '\t' || *v->p == '\n' || *v->p == '\r'))
		v->p++;
}

static bool fail(struct validator *v, const char *why)
{
	v->why = why;
	return false;
}

/* One UTF-8 sequence starting at v->p (first byte >= 0x80). */
static bool utf8_sequence(struct validator *v)
{
	const unsigned char *p = v->p;
	size_t avail = (size_t)(v->end - p);
	uint32_t cp;
	size_t n;

	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		n = 2;
		cp = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		n = 3;
		cp = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 4;
		cp = p[0] & 0x07;
	} else {
		return fail(v, "invalid UTF-8");
	}
	if (avail < n)
		return fail(v, "invalid UTF-8");
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return fail(v, "invalid UTF-8");
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return fail(v, "invalid UTF-8");
	v->p += n;
	return true;
}

static int hex4(const unsigned char *p)
{
	int value = 0;

	for (int i = 0; i < 4; i++) {
		int c = p[i], d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return -1;
		value = value * 16 + d;
	}
	return value;
}

static bool string_token(struct validator *v)
{
	v->p++;			/* opening quote */
	while (v->p < v->end) {
		unsigned char c = *v->p;

		if (c == '"') {
			v->p++;
			return true;
		}
		if (c < 0x20)
			return fail(v, "control character in string");
		if (c >= 0x80) {
			if (!utf8_sequence(v))
				return false;
			continue;
		}
		if (c != '\\') {
			v->p++;
			continue;
		}
		if (v->end - v->p < 2)
			break;
		c = v->p[1];
		if (strchr("\"\\/bfnrt", c) != NULL && c != '\0') {
			v->p += 2;
			continue;
		}
		if (c != 'u')
			return fail(v, "invalid escape in string");
		if (v->end - v->p < 6)
			break;
		int unit = hex4(v->p + 2);
		if (unit < 0)
			return fail(v, "invalid \\u escape");
		v->p += 6;
		/* C strings end at a NUL: "a\u0000b" would be read as "a" */
		if (unit == 0)
			return fail(v, "NUL (\\u0000) in a string");
		if (unit >= 0xdc00 && unit <= 0xdfff)
			return fail(v, "lone surrogate in \\u escape");
		if (unit >= 0xd800 && unit <= 0xdbff) {
			if (v->end - v->p < 6 || v->p[0] != '\\' || v->p[1] != 'u')
				return fail(v, "lone surrogate in \\u escape");
			int low = hex4(v->p + 2);
			if (low < 0xdc00 || low > 0xdfff)
				return fail(v, "lone surrogate in \\u escape");
			v->p += 6;
		}
	}
	return fail(v, "unterminated string");
}

/* ------------------------------------------------------------------------
 * Keys given twice */

static void keys_open(struct key_stack *k, int depth)
{
	k->first_ref[depth] = k->n;
	k->first_byte[depth] = k->used;
}

static char unescaped(unsigned char c)
{
	switch (c) {
	case 'b': return '\b';
	case 'f': return '\f';
	case 'n': return '\n';
	case 'r': return '\r';
	case 't': return '\t';
	default: return (char)c;	/* " \\ / */
	}
}

static size_t utf8_put(char *out, uint32_t cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Adds the key whose (validated) string token, quotes included, is
 * [start, end), decoded: "a" and "\\u0061" are the same key.  The decoded
 * form is never longer than the token. */
static void keys_add(struct key_stack *k, const unsigned char *start,
    const unsigned char *end)
{
	const unsigned char *p = start + 1, *stop = end - 1;
	size_t need = (size_t)(stop - p);
	struct key_ref *ref;

	if (k->n == k->refs_cap) {
		k->refs_cap = k->refs_cap != 0 ? 2 * k->refs_cap : 16;
		k->refs = xrealloc(k->refs, k->refs_cap * sizeof *k->refs);
	}
	/* never NULL, even for empty keys: memcmp wants a pointer */
	if (k->cap - k->used < need || k->bytes == NULL) {
		k->cap = k->cap != 0 ? 2 * k->cap : 256;
		if (k->cap - k->used < need)
			k->cap = k->used + need + 256;
		k->bytes = xrealloc(k->bytes, k->cap);
	}
	ref = &k->refs[k->n++];
	ref->off = k->used;
	while (p < stop) {
		uint32_t cp;

		if (*p != '\\') {
			k->bytes[k->used++] = (char)*p++;
			continue;
		}
		if (p[1] != 'u') {
			k->bytes[k->used++] = unescaped(p[1]);
			p += 2;
			continue;
		}
		cp = (uint32_t)hex4(p + 2);
		p += 6;
		if (cp >= 0xd800 && cp <= 0xdbff) {
			cp = 0x10000 + ((cp - 0xd800) << 10) +
			    ((uint32_t)hex4(p + 2) - 0xdc00);
			p += 6;
		}
		k->used += utf8_put(k->bytes + k->used, cp);
	}
	ref->len = k->used - ref->off;
}

static int key_compare(const void *a, const void *b, void *arg)
{
	const struct key_ref *x = a, *y = b;
	const char *bytes = arg;
	int c = memcmp(bytes + x->off, bytes + y->off,
	    x->len < y->len ? x->len : y->len);

	if (c != 0)
		return c;
	return x->len < y->len ? -1 : x->len > y->len;
}

/* The object open at depth closes: false if a key of it came twice. */
static bool keys_close(struct key_stack *k, int depth)
{
	size_t count = k->n - k->first_ref[depth];
	bool unique = true;

	if (count > 1) {
		struct key_ref *first = k->refs + k->first_ref[depth];

		qsort_r(first, count, sizeof *first, key_compare, k->bytes);
		for (size_t i = 1; i < count && unique; i++)
			unique = key_compare(&first[i - 1], &first[i],
			    k->bytes) != 0;
	}
	k->n = k->first_ref[depth];
	k->used = k->first_byte[depth];
	return unique;
}

static void keys_free(struct key_stack *k)
{
	free(k->bytes);
	free(k->refs);
}

/* Integers must fit in int64_t or uint64_t: json-c would saturate them. */
static bool number_token(struct validator *v)
{
	const unsigned char *start = v->p;
	bool negative = false, integral = true;
	size_t digits = 0;

	if (*v->p == '-') {
		negative = true;
		v->p++;
	}
	if (v->p >= v->end || *v->p < '0' || *v->p > '9')
		return fail(v, "invalid number");
	if (*v->p == '0') {
		v->p++;
		digits = 1;
		if (v->p < v->end && *v->p >= '0' && *v->p <= '9')
			return fail(v, "invalid number (leading zero)");
	} else {
		while (v->p < v->end && *v->p >= '0' && *v->p <= '9') {
			v->p++;
			digits++;
		}
	}
	if (v->p < v->end && *v->p == '.') {
		integral = false;
		v->p++;
		if (v->p >= v->end || *v->p < '0' || *v->p > '9')
			return fail(v, "invalid number");
		while (v->p < v->end && *v->p >= '0' && *v->p <= '9')
			v->p++;
	}
	if (v->p < v->end && (*v->p == 'e' || *v->p == 'E')) {
		integral = false;
		v->p++;
		if (v->p < v->end && (*v->p == '+' || *v->p == '-'))
			v->p++;
		if (v->p >= v->end || *v->p < '0' || *v->p > '9')
			return fail(v, "invalid number");
		while (v->p < v->end && *v->p >= '0' && *v->p <= '9')
			v->p++;
	}
	if (integral && digits >= 19) {
		/* compare the digits with the limits as strings */
		const char *limit = negative ? "9223372036854775808" :
		    "18446744073709551615";
		const char *d = (const char *)start + (negative ? 1 : 0);

		if (digits > strlen(limit) ||
		    (digits == strlen(limit) && strncmp(d, limit, digits) > 0))
			return fail(v, "integer out of range");
	}
	return true;
}

static bool literal_token(struct validator *v, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(v->end - v->p) < n || memcmp(v->p, word, n) != 0)
		return fail(v, "invalid JSON token");
	v->p += n;
	return true;
}

/* Scalar or the opening of a container. */
static bool value_start(struct validator *v, char *stack, int *depth,
    int max_depth, bool *opened)
{
	*opened = false;
	if (v->p >= v->end)
		return fail(v, "unexpected end of JSON");
	switch (*v->p) {
	case '{':
	case '[':
		if (*depth >= max_depth)
			return fail(v, "JSON nested too deeply");
		if (*v->p == '{')
			keys_open(&v->keys, *depth);
		stack[(*depth)++] = (char)*v->p;
		v->p++;
		*opened = true;
		return true;
	case '"':
		return string_token(v);
	case 't':
		return literal_token(v, "true");
	case 'f':
		return literal_token(v, "false");
	case 'n':
		return literal_token(v, "null");
	default:
		if (*v->p == '-' || (*v->p >= '0' && *v->p <= '9'))
			return number_token(v);
		return fail(v, "invalid JSON token");
	}
}

bool json_validate(const char *buf, size_t len, int max_depth, const char **why)
{
	struct validator v = { (const unsigned char *)buf,
		(const unsigned char *)buf + len, NULL, { 0 } };
	char stack[PROTO_MAX_DEPTH + 1];
	int depth = 0;
	bool opened;

	if (max_depth > PROTO_MAX_DEPTH)
		max_depth = PROTO_MAX_DEPTH;
	skip_space(&v);
	if (!value_start(&v, stack, &depth, max_depth, &opened))
		goto bad;
	/* After each value: close containers, or expect the next member. */
	while (depth > 0) {
		char kind = stack[depth - 1];

		skip_space(&v);
		if (v.p >= v.end) {
			fail(&v, "unexpected end of JSON");
			goto bad;
		}
		if (opened) {
			/* first element, or an empty container */
			if ((kind == '{' && *v.p == '}') ||
			    (kind == '[' && *v.p == ']')) {
				v.p++;
				depth--;
				if (kind == '{')
					keys_close(&v.keys, depth);
				opened = false;
				continue;
			}
		} else if (*v.p == ',') {
			v.p++;
			skip_space(&v);
		} else if ((kind == '{' && *v.p == '}') ||
		    (kind == '[' && *v.p == ']')) {
			v.p++;
			depth--;
			if (kind == '{' && !keys_close(&v.keys, depth)) {
				fail(&v, "duplicate key in an object");
				goto bad;
			}
			continue;
		} else {
			fail(&v, kind == '{' ? "expected ',' or '}'" :
			    "expected ',' or ']'");
			goto bad;
		}
		if (kind == '{') {
			if (v.p >= v.end || *v.p != '"') {
				fail(&v, "expected a string key");
				goto bad;
			}
			{
				const unsigned char *key = v.p;

				if (!string_token(&v))
					goto bad;
				keys_add(&v.keys, key, v.p);
			}
			skip_space(&v);
			if (v.p >= v.end || *v.p != ':') {
				fail(&v, "expected ':'");
				goto bad;
			}
			v.p++;
			skip_space(&v);
		}
		if (!value_start(&v, stack, &depth, max_depth, &opened))
			goto bad;
	}
	skip_space(&v);
	if (v.p != v.end) {
		fail(&v, "trailing data after the JSON value");
		goto bad;
	}
	keys_free(&v.keys);
	return true;
bad:
	keys_free(&v.keys);
	if (why != NULL)
		*why = v.why;
	return false;
}

json_object *json_line_parse(const char *line, size_t len, struct err **err)
{
	struct json_tokener *tok;
	json_object *obj;
	const char *why;

	if (!json_validate(line, len, PROTO_MAX_DEPTH, &why)) {
		*err = err_new(ERR_INVALID_MESSAGE, "malformed JSON: %s", why);
		return NULL;
	}
	tok = xcheck(json_tokener_new_ex(PROTO_MAX_DEPTH + 1));
	/* validated already: json-c only builds the object */
	obj = json_tokener_parse_ex(tok, line, (int)len);
	if (obj == NULL && json_tokener_get_error(tok) == json_tokener_continue)
		obj = json_tokener_parse_ex(tok, "", 1);	/* a bare number */
	json_tokener_free(tok);
	if (obj == NULL) {
		*err = err_new(ERR_INVALID_MESSAGE, "malformed JSON");
		return NULL;
	}
	if (!json_object_is_type(obj, json_type_object)) {
		json_object_put(obj);
		*err = err_new(ERR_INVALID_MESSAGE, "a message must be a JSON object");
		return NULL;
	}
	return obj;
}

bool json_int64_exact(json_object *value, int64_t *out)
{
	int64_t v = json_object_get_int64(value);

	/* json-c gives INT64_MAX for any larger integer (up to 2^64-1,
	 * which the validator lets through): those are out of range, not
	 * INT64_MAX */
	if (v == INT64_MAX &&
	    json_object_get_uint64(value) > (uint64_t)INT64_MAX)
		return false;
	*out = v;
	return true;
}

const char *json_line_format(json_object *obj, size_t *len)
{
	return json_object_to_json_string_length(obj,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, len);
}

/* ------------------------------------------------------------------------
 * Framing */

#define LINE_READ_CHUNK 65536

void line_reader_init(struct line_reader *lr, size_t max_line)
{
	memset(lr, 0, sizeof *lr);
	lr->max_line = max_line;
}

void line_reader_free(struct line_reader *lr)
{
	free(lr->buf);
	memset(lr, 0, sizeof *lr);
}

/* Makes room for want more bytes, first by sliding consumed bytes out. */
static void reserve(struct line_reader *lr, size_t want)
{
	if (lr->start > 0 && (lr->start == lr->len || lr->cap - lr->len < want)) {
		memmove(lr->buf, lr->buf + lr->start, lr->len - lr->start);
		lr->len -= lr->start;
		lr->start = 0;
	}
	if (lr->cap - lr->len < want) {
		size_t cap = lr->cap ? lr->cap : 4096;

		while (cap - lr->len < want)
			cap *= 2;
		lr->buf = xrealloc(lr->buf, cap);
		lr->cap = cap;
	}
}

void line_reader_append(struct line_reader *lr, const void *data, size_t len)
{
	if (len == 0)
		return;		/* the buffer may not exist yet */
	reserve(lr, len);
	memcpy(lr->buf + lr->len, data, len);
	lr->len += len;
}

ssize_t line_reader_fill(struct line_reader *lr, int fd)
{
	/* Never buffer much past one maximal line: the rest can wait in the
	 * kernel, which is what makes back-pressure work. */
	size_t pending = lr->len - lr->start;
	size_t room = lr->max_line + 2 > pending ? lr->max_line + 2 - pending : 1;
	ssize_t n;

	if (room > LINE_READ_CHUNK)
		room = LINE_READ_CHUNK;
	reserve(lr, room);
	n = read(fd, lr->buf + lr->len, room);
	if (n > 0)
		lr->len += (size_t)n;
	return n;
}

enum line_status line_reader_next(struct line_reader *lr, const char **line,
    size_t *len)
{
	size_t avail = lr->len - lr->start;
	char *begin, *nl;
	size_t n;

	if (avail == 0)
		return LINE_PARTIAL;
	begin = lr->buf + lr->start;
	nl = memchr(begin + lr->scanned, '\n', avail - lr->scanned);
	if (nl == NULL) {
		lr->scanned = avail;
		/* a line with a CR before its LF may be one byte longer */
		if (avail > lr->max_line + 1)
			return LINE_TOO_LONG;
		return LINE_PARTIAL;
	}
	n = (size_t)(nl - begin);
	lr->start += n + 1;
	lr->scanned = 0;
	if (n > 0 && begin[n - 1] == '\r')
		n--;
	if (n > lr->max_line)
		return LINE_TOO_LONG;
	begin[n] = '\0';
	*line = begin;
	*len = n;
	return LINE_READY;
}

size_t line_reader_pending(const struct line_reader *lr)
{
	return lr->len - lr->start;
}
