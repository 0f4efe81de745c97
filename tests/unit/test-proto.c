/* proto/: framing, strict JSON, the envelope, schemas, error values. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <criterion/criterion.h>

#include "proto/err.h"
#include "proto/json-line.h"
#include "proto/message.h"
#include "proto/schema.h"

/* ------------------------------------------------------------------------
 * json_validate / json_line_parse */

static void assert_valid(const char *text)
{
	const char *why = NULL;

	cr_assert(json_validate(text, strlen(text), PROTO_MAX_DEPTH, &why),
	    "'%s' should be valid JSON (%s)", text, why ? why : "");
}

static void assert_invalid(const char *text, size_t len, const char *why_part)
{
	const char *why = NULL;

	cr_assert_not(json_validate(text, len, PROTO_MAX_DEPTH, &why),
	    "'%.*s' should be refused", (int)len, text);
	cr_assert_not_null(why);
	if (why_part != NULL)
		cr_assert(strstr(why, why_part) != NULL, "reason '%s' lacks '%s'",
		    why, why_part);
}

Test(json_validate, accepts_json)
{
	assert_valid("{}");
	assert_valid("[]");
	assert_valid(" {\"a\" : [1, -2.5e3, true, false, null, \"x\"]} ");
	assert_valid("{\"a\":{\"b\":{\"c\":[]}}}");
	assert_valid("\"\\u00e9\\ud83d\\ude00\\n\\\"\"");
	assert_valid("\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"");
	assert_valid("9223372036854775807");
	assert_valid("-9223372036854775808");
	assert_valid("18446744073709551615");
	assert_valid("0");
	assert_valid("1e400");
}

Test(json_validate, refuses_what_json_c_would_take)
{
	assert_invalid("{'a':1}", 7, NULL);
	assert_invalid("{\"a\":NaN}", 9, NULL);
	assert_invalid("{\"a\":Infinity}", 14, NULL);
	assert_invalid("{\"a\":1,}", 8, NULL);
	assert_invalid("[1,]", 4, NULL);
	assert_invalid("{\"a\":01}", 8, "leading zero");
	assert_invalid("18446744073709551616", 20, "out of range");
	assert_invalid("-9223372036854775809", 20, "out of range");
}

Test(json_validate, refuses_bad_utf8)
{
	assert_invalid("\"\xff\"", 3, "UTF-8");
	assert_invalid("\"\xc0\xaf\"", 4, "UTF-8");		/* overlong */
	assert_invalid("\"\xe0\x80\xaf\"", 5, "UTF-8");	/* overlong */
	assert_invalid("\"\xed\xa0\x80\"", 5, "UTF-8");	/* surrogate */
	assert_invalid("\"\xf4\x90\x80\x80\"", 6, "UTF-8");	/* > U+10FFFF */
	assert_invalid("\"\xc3\"", 3, "UTF-8");		/* truncated */
	assert_invalid("\"\\ud800\"", 8, "surrogate");
	assert_invalid("\"\\udc00\"", 8, "surrogate");
	assert_invalid("\"a\x01\"", 4, "control");
}

Test(json_validate, refuses_nul_and_trailing_data)
{
	assert_invalid("{}\0", 3, "trailing");
	assert_invalid("{\"a\":\"x\0y\"}", 11, "control");
	assert_invalid("{} {}", 5, "trailing");
	assert_invalid("{} x", 4, "trailing");
	assert_invalid("", 0, "end");
	assert_invalid("{\"a\":", 5, "end");
	assert_invalid("\"abc", 4, "unterminated");
}

Test(json_validate, depth_limit_is_64)
{
	char deep[200];
	int n = 0;

	for (int i = 0; i < 64; i++)
		deep[n++] = '[';
	for (int i = 0; i < 64; i++)
		deep[n++] = ']';
	cr_assert(json_validate(deep, (size_t)n, PROTO_MAX_DEPTH, NULL));
	n = 0;
	for (int i = 0; i < 65; i++)
		deep[n++] = '[';
	for (int i = 0; i < 65; i++)
		deep[n++] = ']';
	assert_invalid(deep, (size_t)n, "deep");
}

Test(json_line_parse, objects_only)
{
	struct err *e = NULL;
	json_object *obj = json_line_parse("{\"a\":1}", 7, &e);

	cr_assert_not_null(obj);
	json_object_put(obj);
	cr_assert_null(json_line_parse("[1]", 3, &e));
	cr_assert_eq(e->class, ERR_INVALID_MESSAGE);
	cr_assert(strstr(e->desc, "object") != NULL);
	err_free(e);
	e = NULL;
	cr_assert_null(json_line_parse("42", 2, &e));
	cr_assert_eq(e->class, ERR_INVALID_MESSAGE);
	err_free(e);
}

Test(json_line_format, is_one_line)
{
	json_object *obj = json_object_new_object();
	size_t len;
	const char *text;

	json_object_object_add(obj, "path", json_object_new_string("/a/b\nc"));
	text = json_line_format(obj, &len);
	cr_assert_eq(strchr(text, '\n'), NULL);
	cr_assert_str_eq(text, "{\"path\":\"/a/b\\nc\"}");
	json_object_put(obj);
}

/* ------------------------------------------------------------------------
 * Framing */

Test(line_reader, splits_lines_and_crlf)
{
	struct line_reader lr;
	const char *line;
	size_t len;

	line_reader_init(&lr, 100);
	line_reader_append(&lr, "ab\ncd\r\nef", 9);
	cr_assert_eq(line_reader_next(&lr, &line, &len), LINE_READY);
	cr_assert_eq(len, 2);
	cr_assert_eq(memcmp(line, "ab", 2), 0);
	cr_assert_eq(line_reader_next(&lr, &line, &len), LINE_READY);
	cr_assert_eq(len, 2);
	cr_assert_eq(memcmp(line, "cd", 2), 0);
	cr_assert_eq(line_reader_next(&lr, &line, &len), LINE_PARTIAL);
	line_reader_append(&lr, "g\n", 2);
	cr_assert_eq(line_reader_next(&lr, &line, &len), LINE_READY);
	cr_assert_eq(len, 3);
	cr_assert_eq(memcmp(line, "efg", 3), 0);
	cr_assert_eq(line_reader_pending(&lr), 0);
	line_reader_free(&lr);
}

Test(line_reader, limit_exact_and_over)
{
	struct line_reader lr;
	char buf[130];
	const char *line;
	size_t len;

	line_reader_init(&lr, 100);
	memset(buf, 'x', 100);
	buf[100] = '\n';
	line_reader_append(&lr, buf, 101);
	cr_assert_eq(line_reader_next(&lr, &line, &len), LINE_READY);
	cr_assert_eq(len, 100);
	/* 100 bytes and a CR LF is still a 100-byte line */
	buf[100] = '\r';
	buf[101] = '\n';
	line_reader_append(&lr, buf, 102);
	cr_assert_eq(line_reader_next(&lr, &line, &len), LINE_READY);
	cr_assert_eq(len, 100);
	/* 101 bytes, terminated */
	memset(buf, 'y', 101);
	buf[101] = '\n';
	line_reader_append(&lr, buf, 102);
	cr_assert_eq(line_reader_next(&lr, &line, &len), LINE_TOO_LONG);
	line_reader_free(&lr);

	/* unterminated and already too long: no need to wait for the end */
	line_reader_init(&lr, 100);
	memset(buf, 'z', 120);
	line_reader_append(&lr, buf, 120);
	cr_assert_eq(line_reader_next(&lr, &line, &len), LINE_TOO_LONG);
	line_reader_free(&lr);
}

Test(line_reader, fill_reads_a_pipe)
{
	struct line_reader lr;
	const char *line;
	size_t len;
	int fds[2];

	cr_assert_eq(pipe(fds), 0);
	cr_assert_eq(write(fds[1], "{\"x\":1}\n", 8), 8);
	close(fds[1]);
	line_reader_init(&lr, 1024);
	cr_assert_eq(line_reader_fill(&lr, fds[0]), 8);
	cr_assert_eq(line_reader_next(&lr, &line, &len), LINE_READY);
	cr_assert_eq(len, 7);
	cr_assert_eq(line_reader_fill(&lr, fds[0]), 0);	/* end of file */
	close(fds[0]);
	line_reader_free(&lr);
}

/* ------------------------------------------------------------------------
 * Envelope */

static struct err *parse_request(const char *text, struct proto_request *req)
{
	struct err *e = NULL;
	json_object *root = json_line_parse(text, strlen(text), &e);

	cr_assert_not_null(root, "test input must parse: %s", text);
	return proto_request_parse(root, req);
}

Test(proto_request, good_envelope)
{
	struct proto_request req;
	struct err *e = parse_request("{\"execute\":\"domain-save\","
	    "\"arguments\":{\"domain\":\"web1\"},\"id\":[7,\"x\"],"
	    "\"detach\":true,\"lock_wait_ms\":0}", &req);

	cr_assert_null(e);
	cr_assert_str_eq(req.execute, "domain-save");
	cr_assert(req.detach);
	cr_assert(req.has_lock_wait);
	cr_assert_eq(req.lock_wait_ms, 0);
	cr_assert(json_object_is_type(req.id, json_type_array));
	cr_assert_not_null(req.arguments);
	cr_assert(req.has_id);
	proto_request_clear(&req);
}

Test(proto_request, missing_arguments_become_empty_object)
{
	struct proto_request req;
	struct err *e = parse_request("{\"execute\":\"version\"}", &req);

	cr_assert_null(e);
	cr_assert(json_object_is_type(req.arguments, json_type_object));
	cr_assert_not(req.has_id);
	proto_request_clear(&req);
}

Test(proto_request, bad_envelopes)
{
	const char *cases[] = {
		"{}",
		"{\"execute\":5}",
		"{\"execute\":\"x\",\"arguments\":[]}",
		"{\"execute\":\"x\",\"detach\":\"yes\"}",
		"{\"execute\":\"x\",\"lock_wait_ms\":-1}",
		"{\"execute\":\"x\",\"lock_wait_ms\":1.5}",
		"{\"execute\":\"x\",\"bogus\":1}",
		/* several faults: one error (the fuzzer found a leak here) */
		"{\"execute\":5,\"detach\":\"x\",\"arguments\":1,\"b\":1}",
	};

	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct proto_request req;
		struct err *e = parse_request(cases[i], &req);

		cr_assert_not_null(e, "%s must be refused", cases[i]);
		cr_assert_eq(e->class, ERR_INVALID_MESSAGE, "%s", cases[i]);
		err_free(e);
		proto_request_clear(&req);
	}
}

Test(proto_request, id_survives_a_bad_envelope)
{
	struct proto_request req;
	struct err *e = parse_request("{\"id\":42,\"bogus\":1,\"execute\":\"x\"}",
	    &req);
	json_object *reply = proto_reply_error(&req, e);
	size_t len;

	cr_assert_not_null(e);
	cr_assert(req.has_id);
	cr_assert_eq(json_object_get_int(req.id), 42);
	cr_assert(strstr(json_line_format(reply, &len), "\"id\":42") != NULL);
	json_object_put(reply);
	err_free(e);
	proto_request_clear(&req);
}

Test(proto_request, null_id_is_echoed)
{
	struct proto_request req;
	struct err *e = parse_request("{\"execute\":\"x\",\"id\":null}", &req);
	json_object *reply = proto_reply_return(&req, NULL);
	size_t len;

	cr_assert_null(e);
	cr_assert(req.has_id);
	cr_assert_str_eq(json_line_format(reply, &len),
	    "{\"return\":{},\"id\":null}");
	json_object_put(reply);
	proto_request_clear(&req);
}

Test(proto_reply, shapes)
{
	struct proto_request req = { .has_id = true,
		.id = json_object_new_int(3) };
	json_object *ok = proto_reply_return(&req, NULL);
	struct err *e = err_add_data(err_new(ERR_BUSY, "held by job %d", 11),
	    "holder", json_object_new_int(11));
	json_object *bad = proto_reply_error(&req, e);
	struct timeval tv = { 1795860000, 123456 };
	json_object *ev = proto_event_new("DOMAIN_SHUTDOWN", NULL, &tv);
	size_t len;

	cr_assert_str_eq(json_line_format(ok, &len), "{\"return\":{},\"id\":3}");
	cr_assert_str_eq(json_line_format(bad, &len),
	    "{\"error\":{\"class\":\"Busy\",\"desc\":\"held by job 11\","
	    "\"data\":{\"holder\":11}},\"id\":3}");
	cr_assert_str_eq(json_line_format(ev, &len),
	    "{\"event\":\"DOMAIN_SHUTDOWN\",\"data\":{},\"timestamp\":"
	    "{\"seconds\":1795860000,\"microseconds\":123456}}");
	cr_assert_eq(proto_message_kind(ok), PROTO_MSG_RETURN);
	cr_assert_eq(proto_message_kind(bad), PROTO_MSG_ERROR);
	cr_assert_eq(proto_message_kind(ev), PROTO_MSG_EVENT);
	json_object_put(ok);
	json_object_put(bad);
	json_object_put(ev);
	json_object_put(req.id);
	err_free(e);
}

Test(proto_time, iso8601_utc)
{
	struct timeval tv = { 1795860000, 123999 };
	char buf[32];

	proto_format_time(&tv, buf);
	cr_assert_str_eq(buf, "2026-11-28T10:00:00.123Z");
}

/* ------------------------------------------------------------------------
 * Errors */

Test(err, every_class_has_its_protocol_name)
{
	static const char *const names[] = {
		"InvalidMessage", "CommandNotFound", "InvalidArgument",
		"PermissionDenied", "DomainNotFound", "DomainExists",
		"OperationInvalid", "Busy", "JobNotFound", "NotSupported",
		"Aborted", "HypervisorError", "IOError", "ResourceLimit",
		"LeaseConflict", "Internal",
	};

	cr_assert_eq(sizeof names / sizeof *names, ERR_CLASS_COUNT);
	for (int i = 0; i < ERR_CLASS_COUNT; i++) {
		enum err_class back;

		cr_assert_str_eq(err_class_name((enum err_class)i), names[i]);
		cr_assert(err_class_from_name(names[i], &back));
		cr_assert_eq(back, (enum err_class)i);
	}
	cr_assert_not(err_class_from_name("NoSuchClass", &(enum err_class){0}));
}

Test(err, round_trip)
{
	struct err *e = err_add_data(err_new(ERR_IO, "disk %s", "full"),
	    "errno", json_object_new_int(28));
	json_object *obj = err_to_json(e);
	struct err *back = err_from_json(obj);

	cr_assert_eq(back->class, ERR_IO);
	cr_assert_str_eq(back->desc, "disk full");
	cr_assert_eq(json_object_get_int(json_object_object_get(back->data,
	    "errno")), 28);
	err_free(e);
	err_free(back);
	json_object_put(obj);
}

/* ------------------------------------------------------------------------
 * Schemas */

static const char *const leave_choices[] = { "running", "paused", NULL };

static const struct arg_spec save_args[] = {
	{ "domain", ARG_DOMAIN, true, 0, 0, NULL, NULL },
	{ "file", ARG_PATH, true, 0, 0, NULL, NULL },
	{ "leave", ARG_ENUM, false, 0, 0, leave_choices, NULL },
	{ "overwrite", ARG_BOOL, false, 0, 0, NULL, NULL },
	{ "count", ARG_INT, false, 1, 8, NULL, NULL },
	{ "name", ARG_NAME, false, 0, 0, NULL, NULL },
	{ "tags", ARG_STRING_LIST, false, 0, 0, NULL, NULL },
	ARG_END
};

static struct err *check(const char *args)
{
	struct err *e = NULL;
	json_object *obj = json_line_parse(args, strlen(args), &e);
	struct err *result;

	cr_assert_not_null(obj);
	result = schema_check(save_args, obj);
	json_object_put(obj);
	return result;
}

static void assert_refused(const char *args, const char *mentions)
{
	struct err *e = check(args);

	cr_assert_not_null(e, "%s should be refused", args);
	cr_assert_eq(e->class, ERR_INVALID_ARGUMENT, "%s", args);
	cr_assert(strstr(e->desc, mentions) != NULL, "'%s' should mention '%s'",
	    e->desc, mentions);
	err_free(e);
}

Test(schema, accepts_good_arguments)
{
	cr_assert_null(check("{\"domain\":\"web1\",\"file\":\"/var/save/web1\"}"));
	cr_assert_null(check("{\"domain\":3,\"file\":\"/x\",\"leave\":\"paused\","
	    "\"overwrite\":true,\"count\":8,\"name\":\"a.b-c_d+1\","
	    "\"tags\":[\"a\",\"b\"]}"));
	cr_assert_null(check("{\"domain\":\"12\",\"file\":\"/x..y/z\"}"));
	cr_assert_null(check("{\"domain\":\"6b1c3f5e-0a6c-4a4e-9f43-2d3c1a5b6e7f\","
	    "\"file\":\"/x\"}"));
}

Test(schema, refuses_bad_arguments)
{
	assert_refused("{\"file\":\"/x\"}", "missing required argument 'domain'");
	assert_refused("{\"domain\":\"a\",\"file\":\"/x\",\"color\":1}",
	    "unknown argument 'color'");
	assert_refused("{\"domain\":\"a\",\"file\":\"relative\"}", "'file'");
	assert_refused("{\"domain\":\"a\",\"file\":\"/a/../etc\"}", "'..'");
	assert_refused("{\"domain\":\"a\",\"file\":\"/a/..\"}", "'..'");
	assert_refused("{\"domain\":\"a\",\"file\":\"/x\",\"leave\":\"gone\"}",
	    "running, paused");
	assert_refused("{\"domain\":\"a\",\"file\":\"/x\",\"overwrite\":1}",
	    "boolean");
	assert_refused("{\"domain\":\"a\",\"file\":\"/x\",\"count\":9}",
	    "between 1 and 8");
	assert_refused("{\"domain\":\"a\",\"file\":\"/x\",\"count\":\"2\"}",
	    "integer");
	assert_refused("{\"domain\":-1,\"file\":\"/x\"}", "out of range");
	assert_refused("{\"domain\":\"bad name\",\"file\":\"/x\"}", "domain");
	assert_refused("{\"domain\":\"a\",\"file\":\"/x\",\"name\":\"123\"}",
	    "name");
	assert_refused("{\"domain\":\"a\",\"file\":\"/x\",\"tags\":[1]}",
	    "array of strings");
	assert_refused("{\"domain\":true,\"file\":\"/x\"}", "domain");
}

Test(schema, names_and_uuids)
{
	cr_assert(schema_valid_domain_name("web1"));
	cr_assert(schema_valid_domain_name("a"));
	cr_assert_not(schema_valid_domain_name(""));
	cr_assert_not(schema_valid_domain_name("42"));
	cr_assert_not(schema_valid_domain_name("a/b"));
	cr_assert_not(schema_valid_domain_name("\xc3\xa9t\xc3\xa9"));
	cr_assert_not(schema_valid_domain_name(
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
	cr_assert(schema_valid_uuid("6b1c3f5e-0a6c-4a4e-9f43-2d3c1a5b6e7f"));
	cr_assert_not(schema_valid_uuid("6b1c3f5e0a6c4a4e9f432d3c1a5b6e7f"));
	cr_assert_not(schema_valid_uuid("6b1c3f5e-0a6c-4a4e-9f43-2d3c1a5b6e7g"));
}

Test(schema, publishes_itself)
{
	json_object *list = schema_to_json(save_args);
	json_object *leave = json_object_array_get_idx(list, 2);
	json_object *count = json_object_array_get_idx(list, 4);

	cr_assert_eq(json_object_array_length(list), 7);
	cr_assert_str_eq(json_object_get_string(json_object_object_get(leave,
	    "type")), "enum");
	cr_assert_eq(json_object_array_length(json_object_object_get(leave,
	    "choices")), 2);
	cr_assert_eq(json_object_get_int(json_object_object_get(count, "max")), 8);
	cr_assert(json_object_get_boolean(json_object_object_get(
	    json_object_array_get_idx(list, 0), "required")));
	json_object_put(list);
}

/* ------------------------------------------------------------------------
 * Issue 12: NUL, keys twice, numbers out of range */

Test(json_validate, refuses_an_escaped_nul)
{
	assert_invalid("\"a\\u0000b\"", 10, "NUL");
	assert_invalid("{\"a\\u0000\":1}", 13, "NUL");
	assert_valid("\"\\u0001\"");
}

Test(json_validate, refuses_a_key_twice_at_any_level)
{
	static const char *const dup[] = {
		"{\"a\":1,\"a\":2}",
		"{\"a\":1,\"b\":{},\"a\":1}",
		"{\"x\":{\"a\":1,\"a\":2}}",
		"[{\"a\":1},{\"b\":1,\"b\":1}]",
		"{\"a\":1,\"\\u0061\":2}",
		"{\"/\":1,\"\\/\":2}",
		"{\"\\n\":1,\"\\u000a\":2}",
		"{\"\xc3\xa9\":1,\"\\u00e9\":2}",
		"{\"\xf0\x9f\x98\x80\":1,\"\\ud83d\\ude00\":2}",
		"{\"\":1,\"\":2}",
	};
	static const char *const fine[] = {
		"{\"a\":1,\"A\":2,\"a \":3,\"\":4}",
		"[{\"a\":1},{\"a\":1}]",
		"{\"a\":{\"a\":{\"a\":1}}}",
		"{\"ab\":1,\"a\":2,\"abc\":3,\"b\":{\"ab\":1}}",
	};

	for (size_t i = 0; i < sizeof dup / sizeof *dup; i++)
		assert_invalid(dup[i], strlen(dup[i]), "duplicate");
	for (size_t i = 0; i < sizeof fine / sizeof *fine; i++)
		assert_valid(fine[i]);
}

/* Many keys, all different but for the last: found, and in time. */
Test(json_validate, many_keys)
{
	size_t cap = 20 * 100000 + 16, n = 0;
	char *text = malloc(cap);

	text[n++] = '{';
	for (int i = 0; i < 100000; i++)
		n += (size_t)snprintf(text + n, cap - n, "%s\"k%d\":1",
		    i > 0 ? "," : "", i);
	text[n++] = '}';
	cr_assert(json_validate(text, n, PROTO_MAX_DEPTH, NULL));
	n--;
	n += (size_t)snprintf(text + n, cap - n, ",\"k77\":2}");
	assert_invalid(text, n, "duplicate");
	free(text);
}

Test(schema, numbers_out_of_range)
{
	assert_refused("{\"domain\":\"a\",\"file\":\"/x\","
	    "\"count\":9223372036854775808}", "out of range");
	assert_refused("{\"domain\":\"a\",\"file\":\"/x\","
	    "\"count\":18446744073709551615}", "out of range");
	assert_refused("{\"domain\":4294967297,\"file\":\"/x\"}", "out of range");
	assert_refused("{\"domain\":\"4294967297\",\"file\":\"/x\"}",
	    "out of range");
	assert_refused("{\"domain\":\"32768\",\"file\":\"/x\"}", "out of range");
	assert_refused("{\"domain\":\"000000000000000000032768\",\"file\":"
	    "\"/x\"}", "out of range");
	assert_refused("{\"domain\":9223372036854775808,\"file\":\"/x\"}",
	    "out of range");
	cr_assert_null(check("{\"domain\":\"32767\",\"file\":\"/x\"}"));
	cr_assert_null(check("{\"domain\":\"0\",\"file\":\"/x\"}"));
}

Test(schema, int64_exact)
{
	json_object *big = json_object_new_uint64(UINT64_C(9223372036854775808));
	json_object *max = json_object_new_int64(INT64_MAX);
	int64_t v = 0;

	cr_assert_not(json_int64_exact(big, &v));
	cr_assert(json_int64_exact(max, &v));
	cr_assert_eq(v, INT64_MAX);
	json_object_put(big);
	json_object_put(max);
}

/* A quote in an error message never ends inside a UTF-8 sequence. */
Test(err, quote_ends_on_a_character)
{
	/* "ab" then U+00E9 (2 bytes) then U+10F688 (4 bytes) */
	const char *s = "ab\xc3\xa9\xf4\x8f\x9a\x88z";
	const char *why;

	cr_assert_eq(err_quote_len(s, 100), (int)strlen(s));
	cr_assert_eq(err_quote_len(s, 2), 2);
	cr_assert_eq(err_quote_len(s, 3), 2, "cut inside the 2-byte sequence");
	cr_assert_eq(err_quote_len(s, 4), 4);
	cr_assert_eq(err_quote_len(s, 6), 4, "cut inside the 4-byte sequence");
	cr_assert_eq(err_quote_len(s, 8), 8);
	for (size_t max = 0; max < strlen(s); max++) {
		int n = err_quote_len(s, max);
		char quoted[64];

		snprintf(quoted, sizeof quoted, "\"%.*s\"", n, s);
		cr_assert(json_validate(quoted, strlen(quoted), 4, &why),
		    "max %zu: %s", max, why);
	}
}

static void assert_valid_utf8(const char *s)
{
	char quoted[512];
	const char *why;

	snprintf(quoted, sizeof quoted, "\"%s\"", s);
	cr_assert(json_validate(quoted, strlen(quoted), 4, &why), "%s: %s",
	    s, why);
}

/* The class of the finding above, where the parsers quote what a client
 * sent: an odd prefix puts every fixed cut inside a 2-byte character. */
Test(err, parsers_quote_whole_characters)
{
	char key[300] = "x", line[700];
	struct proto_request req;
	struct err *e;

	for (size_t i = 1; i + 2 < sizeof key - 1 && i < 250; i += 2)
		memcpy(key + i, "\xc3\xa9", 3);
	snprintf(line, sizeof line, "{\"domain\":\"a\",\"file\":\"/x\","
	    "\"%s\":1}", key);
	e = check(line);
	cr_assert_not_null(e);
	cr_assert(strstr(e->desc, "unknown argument 'x\xc3\xa9") != NULL,
	    "%s", e->desc);
	assert_valid_utf8(e->desc);
	err_free(e);
	snprintf(line, sizeof line, "{\"domain\":\"%s\",\"file\":\"/x\"}", key);
	e = check(line);
	cr_assert_not_null(e);
	assert_valid_utf8(e->desc);
	err_free(e);
	snprintf(line, sizeof line, "{\"execute\":\"version\",\"%s\":1}", key);
	e = parse_request(line, &req);
	cr_assert_not_null(e);
	cr_assert_eq(e->class, ERR_INVALID_MESSAGE);
	assert_valid_utf8(e->desc);
	err_free(e);
	proto_request_clear(&req);
}
