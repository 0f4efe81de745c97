/* libxlctl against a scripted fake server: framing, matching replies by
 * id, events, local failures. */
#include "config.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "client/xlctl.h"
#include "tests/unit/test-client-fake.c"

static struct fake_server server;

static struct xlctl *start(fake_script script, void *arg)
{
	struct xlctl_error err;
	struct xlctl *c;

	fake_server_start(&server, script, arg);
	c = xlctl_connect(server.path, &err);
	cr_assert_not_null(c, "connect: %s: %s", err.class_name, err.desc);
	return c;
}

/* Closes the client, then checks the script's verdict. */
static void finish(struct xlctl *c)
{
	xlctl_close(c);
	cr_assert_eq(fake_server_finish(&server), 0, "the fake server failed");
}

static int64_t int_of(json_object *obj, const char *key)
{
	json_object *value;

	cr_assert(json_object_object_get_ex(obj, key, &value), "no %s", key);
	return json_object_get_int64(value);
}

/* ------------------------------------------------------------------------ */

static void script_greet_only(int fd, void *arg)
{
	fake_greet(fd);
	fake_read_request(fd);		/* until the client closes */
}

Test(client_lib, greeting_kept)
{
	struct xlctl *c = start(script_greet_only, NULL);
	json_object *greeting = xlctl_greeting(c);
	json_object *server_name;

	cr_assert(json_object_object_get_ex(greeting, "server", &server_name));
	cr_assert_str_eq(json_object_get_string(server_name), "xenlightd");
	cr_assert_eq(int_of(greeting, "protocol"), 1);
	cr_assert(fcntl(xlctl_fd(c), F_GETFD) & FD_CLOEXEC);
	finish(c);
}

static void script_check_requests(int fd, void *arg)
{
	json_object *req, *args, *value;

	fake_greet(fd);
	req = fake_read_request(fd);
	FAKE_CHECK(strcmp(fake_execute(req), "domain-info") == 0);
	FAKE_CHECK(fake_id(req) == 1);
	FAKE_CHECK(json_object_object_get_ex(req, "arguments", &args));
	FAKE_CHECK(strcmp(json_object_get_string(
	    json_object_object_get(args, "domain")), "web1") == 0);
	FAKE_CHECK(!json_object_object_get_ex(req, "detach", NULL));
	FAKE_CHECK(!json_object_object_get_ex(req, "lock_wait_ms", NULL));
	fake_reply(fd, req, "{\"name\":\"web1\",\"domid\":3}");
	json_object_put(req);

	req = fake_read_request(fd);
	FAKE_CHECK(strcmp(fake_execute(req), "domain-save") == 0);
	FAKE_CHECK(fake_id(req) == 2);
	FAKE_CHECK(json_object_object_get_ex(req, "detach", &value) &&
	    json_object_get_boolean(value));
	FAKE_CHECK(json_object_object_get_ex(req, "lock_wait_ms", &value) &&
	    json_object_get_int64(value) == 0);
	fake_reply(fd, req, "{\"job\":12}");
	json_object_put(req);

	req = fake_read_request(fd);
	FAKE_CHECK(strcmp(fake_execute(req), "version") == 0);
	FAKE_CHECK(!json_object_object_get_ex(req, "arguments", NULL));
	fake_reply(fd, req, "null");
	json_object_put(req);
	fake_read_request(fd);
}

Test(client_lib, call_sends_envelope_and_returns_value)
{
	struct xlctl *c = start(script_check_requests, NULL);
	struct xlctl_options options = { .detach = true,
		.has_lock_wait_ms = true, .lock_wait_ms = 0 };
	json_object *args = json_object_new_object(), *ret;
	struct xlctl_error err;

	json_object_object_add(args, "domain", json_object_new_string("web1"));
	ret = xlctl_call(c, "domain-info", args, NULL, -1, &err);
	cr_assert_not_null(ret, "%s: %s", err.class_name, err.desc);
	cr_assert_eq(int_of(ret, "domid"), 3);
	json_object_put(ret);

	ret = xlctl_call(c, "domain-save", args, &options, -1, &err);
	cr_assert_not_null(ret, "%s: %s", err.class_name, err.desc);
	cr_assert_eq(int_of(ret, "job"), 12);
	json_object_put(ret);
	/* arguments are borrowed: still ours */
	cr_assert_eq(json_object_object_length(args), 1);
	json_object_put(args);

	/* a null return is an empty object, not a failure */
	ret = xlctl_call(c, "version", NULL, NULL, -1, &err);
	cr_assert_not_null(ret);
	cr_assert(json_object_is_type(ret, json_type_object));
	json_object_put(ret);
	finish(c);
}

static void script_out_of_order(int fd, void *arg)
{
	json_object *req[3];

	fake_greet(fd);
	for (int i = 0; i < 3; i++)
		req[i] = fake_read_request(fd);
	fake_reply(fd, req[2], "{\"n\":3}");
	fake_reply(fd, req[0], "{\"n\":1}");
	fake_reply(fd, req[1], "{\"n\":2}");
	for (int i = 0; i < 3; i++)
		json_object_put(req[i]);
	fake_read_request(fd);
}

Test(client_lib, replies_out_of_order)
{
	struct xlctl *c = start(script_out_of_order, NULL);
	struct xlctl_error err;
	int64_t id[3];

	for (int i = 0; i < 3; i++) {
		id[i] = xlctl_send(c, "version", NULL, NULL);
		cr_assert_gt(id[i], 0);
	}
	cr_assert(id[0] != id[1] && id[1] != id[2]);
	/* wait in request order; the replies come 3, 1, 2 */
	for (int i = 0; i < 3; i++) {
		json_object *ret = xlctl_wait_reply(c, id[i], -1, &err);

		cr_assert_not_null(ret, "%s: %s", err.class_name, err.desc);
		cr_assert_eq(int_of(ret, "n"), i + 1);
		json_object_put(ret);
	}
	finish(c);
}

static void script_events(int fd, void *arg)
{
	json_object *req;

	fake_greet(fd);
	req = fake_read_request(fd);
	fake_event(fd, "DOMAIN_PAUSED", "{\"domain\":\"web1\"}");
	fake_reply(fd, req, "{\"ok\":true}");
	fake_event(fd, "DOMAIN_RESUMED", "{\"domain\":\"web1\"}");
	json_object_put(req);
	fake_read_request(fd);
}

static const char *event_name(json_object *event)
{
	json_object *name;

	cr_assert(json_object_object_get_ex(event, "event", &name));
	return json_object_get_string(name);
}

Test(client_lib, events_interleaved_with_replies)
{
	struct xlctl *c = start(script_events, NULL);
	struct xlctl_error err;
	json_object *ret, *event;

	ret = xlctl_call(c, "subscribe", NULL, NULL, -1, &err);
	cr_assert_not_null(ret, "%s: %s", err.class_name, err.desc);
	json_object_put(ret);
	event = xlctl_next_event(c, -1, &err);
	cr_assert_not_null(event);
	cr_assert_str_eq(event_name(event), "DOMAIN_PAUSED");
	json_object_put(event);
	event = xlctl_next_event(c, -1, &err);
	cr_assert_not_null(event);
	cr_assert_str_eq(event_name(event), "DOMAIN_RESUMED");
	json_object_put(event);
	/* nothing more: a zero timeout says so at once */
	cr_assert_null(xlctl_next_event(c, 0, &err));
	cr_assert_str_eq(err.class_name, "Timeout");
	finish(c);
}

static void script_read_order(int fd, void *arg)
{
	json_object *a, *b;

	fake_greet(fd);
	a = fake_read_request(fd);
	b = fake_read_request(fd);
	fake_reply(fd, b, "{\"n\":2}");
	fake_event(fd, "E1", "{}");
	fake_reply(fd, a, "{\"n\":1}");
	fake_event(fd, "E2", "{}");
	json_object_put(a);
	json_object_put(b);
	fake_read_request(fd);
}

Test(client_lib, read_message_keeps_arrival_order)
{
	struct xlctl *c = start(script_read_order, NULL);
	struct xlctl_error err;
	json_object *ret, *msg;
	int64_t a, b;

	a = xlctl_send(c, "version", NULL, NULL);
	b = xlctl_send(c, "version", NULL, NULL);
	ret = xlctl_wait_reply(c, a, -1, &err);
	cr_assert_not_null(ret);
	json_object_put(ret);
	/* kept while waiting for a: the reply to b, then E1; E2 is next */
	msg = xlctl_read_message(c, -1, &err);
	cr_assert_eq(int_of(msg, "id"), b);
	json_object_put(msg);
	msg = xlctl_read_message(c, -1, &err);
	cr_assert_str_eq(event_name(msg), "E1");
	json_object_put(msg);
	msg = xlctl_read_message(c, -1, &err);
	cr_assert_str_eq(event_name(msg), "E2");
	json_object_put(msg);
	finish(c);
}

static void script_split(int fd, void *arg)
{
	json_object *req;
	char reply[256];

	fake_greet(fd);
	req = fake_read_request(fd);
	snprintf(reply, sizeof reply, "{\"return\":{\"text\":\"split in "
	    "pieces\",\"n\":42},\"id\":%lld}\r\n", (long long)fake_id(req));
	/* a byte at a time, with pauses, then the rest */
	for (int i = 0; i < 20; i++) {
		char byte[2] = { reply[i], '\0' };

		fake_send(fd, byte);
		usleep(2000);
	}
	fake_send(fd, reply + 20);
	json_object_put(req);
	fake_read_request(fd);
}

Test(client_lib, reply_split_across_reads)
{
	struct xlctl *c = start(script_split, NULL);
	struct xlctl_error err;
	json_object *ret = xlctl_call(c, "version", NULL, NULL, -1, &err);

	cr_assert_not_null(ret, "%s: %s", err.class_name, err.desc);
	cr_assert_eq(int_of(ret, "n"), 42);
	json_object_put(ret);
	finish(c);
}

#define BIG_STRING (5 * 1024 * 1024)

static void script_big(int fd, void *arg)
{
	json_object *req;
	char *pad = malloc(BIG_STRING + 1);

	memset(pad, 'x', BIG_STRING);
	pad[BIG_STRING] = '\0';
	fake_greet(fd);
	req = fake_read_request(fd);
	fake_sendf(fd, "{\"return\":{\"pad\":\"%s\"},\"id\":%lld}\n", pad,
	    (long long)fake_id(req));
	free(pad);
	json_object_put(req);
	fake_read_request(fd);
}

Test(client_lib, large_reply_under_the_limit)
{
	struct xlctl *c = start(script_big, NULL);
	struct xlctl_error err;
	json_object *ret = xlctl_call(c, "domain-list", NULL, NULL, -1, &err);
	json_object *pad;

	cr_assert_not_null(ret, "%s: %s", err.class_name, err.desc);
	cr_assert(json_object_object_get_ex(ret, "pad", &pad));
	cr_assert_eq(json_object_get_string_len(pad), BIG_STRING);
	json_object_put(ret);
	finish(c);
}

static void script_too_long(int fd, void *arg)
{
	size_t chunk = 1024 * 1024;
	char *block = malloc(chunk + 1);

	memset(block, 'x', chunk);
	block[chunk] = '\0';
	fake_greet(fd);
	fake_send(fd, "{\"return\":{\"pad\":\"");
	/* past XLCTL_MAX_LINE without a newline; stops when the client
	 * hangs up */
	for (size_t sent = 0; sent <= XLCTL_MAX_LINE; sent += chunk) {
		if (fake_send(fd, block) < 0)
			break;
	}
	free(block);
}

Test(client_lib, line_over_the_limit_breaks_the_connection, .timeout = 60)
{
	struct xlctl *c = start(script_too_long, NULL);
	struct xlctl_error err;
	int64_t id = xlctl_send(c, "domain-list", NULL, NULL);

	cr_assert_gt(id, 0);
	cr_assert_null(xlctl_wait_reply(c, id, -1, &err));
	cr_assert_str_eq(err.class_name, "InvalidMessage");
	cr_assert_not_null(strstr(err.desc, "longer than"), "%s", err.desc);
	/* the framing is lost: everything fails from now on */
	cr_assert_eq(xlctl_send(c, "version", NULL, NULL), -1);
	cr_assert_null(xlctl_call(c, "version", NULL, NULL, -1, &err));
	cr_assert_str_eq(err.class_name, "InvalidMessage");
	finish(c);
}

static void script_close_mid_reply(int fd, void *arg)
{
	json_object *req;

	fake_greet(fd);
	req = fake_read_request(fd);
	fake_sendf(fd, "{\"return\":{\"n\":1},\"id\":%lld",
	    (long long)fake_id(req));
	json_object_put(req);
}

Test(client_lib, server_closes_mid_reply)
{
	struct xlctl *c = start(script_close_mid_reply, NULL);
	struct xlctl_error err;

	cr_assert_null(xlctl_call(c, "version", NULL, NULL, -1, &err));
	cr_assert_str_eq(err.class_name, "Disconnected");
	cr_assert_not_null(strstr(err.desc, "middle"), "%s", err.desc);
	cr_assert_null(xlctl_call(c, "version", NULL, NULL, -1, &err));
	cr_assert_str_eq(err.class_name, "Disconnected");
	finish(c);
}

static void script_orphan_error(int fd, void *arg)
{
	fake_greet(fd);
	json_object_put(fake_read_request(fd));
	/* what the daemon does with a line too long: an error without id,
	 * then it closes */
	fake_send(fd, "{\"error\":{\"class\":\"InvalidMessage\",\"desc\":"
	    "\"line too long\"}}\n");
}

Test(client_lib, disconnection_explained_by_error_without_id)
{
	struct xlctl *c = start(script_orphan_error, NULL);
	struct xlctl_error err;

	cr_assert_null(xlctl_call(c, "version", NULL, NULL, -1, &err));
	cr_assert_str_eq(err.class_name, "Disconnected");
	cr_assert_not_null(strstr(err.desc, "line too long"), "%s", err.desc);
	cr_assert_not_null(err.data);
	xlctl_error_clear(&err);
	cr_assert_null(err.data);
	finish(c);
}

static void script_timeout(int fd, void *arg)
{
	json_object *first, *second;

	fake_greet(fd);
	first = fake_read_request(fd);
	/* the second request is only sent once the client timed out */
	second = fake_read_request(fd);
	fake_reply(fd, second, "{\"n\":2}");
	fake_reply(fd, first, "{\"n\":1}");
	json_object_put(first);
	json_object_put(second);
	fake_read_request(fd);
}

Test(client_lib, timeout_then_late_reply_kept)
{
	struct xlctl *c = start(script_timeout, NULL);
	struct xlctl_error err;
	int64_t first, second;
	json_object *ret;

	first = xlctl_send(c, "version", NULL, NULL);
	cr_assert_null(xlctl_wait_reply(c, first, 50, &err));
	cr_assert_str_eq(err.class_name, "Timeout");
	second = xlctl_send(c, "version", NULL, NULL);
	cr_assert_gt(second, 0, "a timeout must not break the connection");
	ret = xlctl_wait_reply(c, second, -1, &err);
	cr_assert_not_null(ret);
	cr_assert_eq(int_of(ret, "n"), 2);
	json_object_put(ret);
	ret = xlctl_wait_reply(c, first, -1, &err);
	cr_assert_not_null(ret);
	cr_assert_eq(int_of(ret, "n"), 1);
	json_object_put(ret);
	finish(c);
}

static void script_error_reply(int fd, void *arg)
{
	json_object *req;

	fake_greet(fd);
	req = fake_read_request(fd);
	fake_sendf(fd, "{\"error\":{\"class\":\"Busy\",\"desc\":\"cannot acquire "
	    "state change lock on 'web1'\",\"data\":{\"holder\":11}},"
	    "\"id\":%lld}\n", (long long)fake_id(req));
	json_object_put(req);
	fake_read_request(fd);
}

Test(client_lib, error_reply_fills_error)
{
	struct xlctl *c = start(script_error_reply, NULL);
	struct xlctl_error err;

	cr_assert_null(xlctl_call(c, "domain-pause", NULL, NULL, -1, &err));
	cr_assert_str_eq(err.class_name, "Busy");
	cr_assert_str_eq(err.desc, "cannot acquire state change lock on 'web1'");
	cr_assert_not_null(err.data);
	cr_assert_eq(int_of(err.data, "holder"), 11);
	xlctl_error_clear(&err);
	finish(c);
}

static void script_malformed(int fd, void *arg)
{
	json_object *req;

	fake_greet(fd);
	req = fake_read_request(fd);
	fake_send(fd, "this is not json\n");
	fake_reply(fd, req, "{\"n\":7}");
	json_object_put(req);
	fake_read_request(fd);
}

Test(client_lib, malformed_line_is_skipped)
{
	struct xlctl *c = start(script_malformed, NULL);
	struct xlctl_error err;
	int64_t id = xlctl_send(c, "version", NULL, NULL);
	json_object *ret;

	cr_assert_null(xlctl_wait_reply(c, id, -1, &err));
	cr_assert_str_eq(err.class_name, "InvalidMessage");
	ret = xlctl_wait_reply(c, id, -1, &err);
	cr_assert_not_null(ret, "%s: %s", err.class_name, err.desc);
	cr_assert_eq(int_of(ret, "n"), 7);
	json_object_put(ret);
	finish(c);
}

Test(client_lib, wait_for_unsent_id)
{
	struct xlctl *c = start(script_greet_only, NULL);
	struct xlctl_error err;

	cr_assert_null(xlctl_wait_reply(c, 5, -1, &err));
	cr_assert_str_eq(err.class_name, "InvalidArgument");
	finish(c);
}

Test(client_lib, connect_to_nothing)
{
	struct xlctl_error err;

	cr_assert_null(xlctl_connect("/nonexistent/xenlightd.sock", &err));
	cr_assert_str_eq(err.class_name, "Disconnected");
	cr_assert_not_null(strstr(err.desc, "/nonexistent/xenlightd.sock"));
}

static void script_refuse(int fd, void *arg)
{
	fake_send(fd, "{\"error\":{\"class\":\"ResourceLimit\",\"desc\":"
	    "\"too many connections\"}}\n");
}

Test(client_lib, refused_before_greeting)
{
	struct xlctl_error err;

	fake_server_start(&server, script_refuse, NULL);
	cr_assert_null(xlctl_connect(server.path, &err));
	cr_assert_str_eq(err.class_name, "ResourceLimit");
	cr_assert_str_eq(err.desc, "too many connections");
	cr_assert_eq(fake_server_finish(&server), 0);
}

static void script_not_xenlightd(int fd, void *arg)
{
	fake_send(fd, "{\"QMP\":{}}\n");
	fake_read_request(fd);
}

Test(client_lib, no_greeting)
{
	struct xlctl_error err;

	fake_server_start(&server, script_not_xenlightd, NULL);
	cr_assert_null(xlctl_connect(server.path, &err));
	cr_assert_str_eq(err.class_name, "InvalidMessage");
	cr_assert_eq(fake_server_finish(&server), 0);
}

static void script_hang_up(int fd, void *arg)
{
	fake_greet(fd);
}

/* Writing to a closed connection is an error, not a SIGPIPE. */
Test(client_lib, send_after_server_left)
{
	struct xlctl *c = start(script_hang_up, NULL);
	json_object *args = json_object_new_object();
	char *pad = malloc(1024 * 1024);
	int64_t id = 0;

	signal(SIGPIPE, SIG_DFL);
	cr_assert_eq(fake_server_finish(&server), 0);
	memset(pad, 'x', 1024 * 1024 - 1);
	pad[1024 * 1024 - 1] = '\0';
	json_object_object_add(args, "pad", json_object_new_string(pad));
	for (int i = 0; i < 8 && id >= 0; i++)
		id = xlctl_send(c, "version", args, NULL);
	cr_assert_eq(id, -1);
	free(pad);
	json_object_put(args);
	xlctl_close(c);
}

#define PIPELINE 20000

static void script_echo(int fd, void *arg)
{
	char pad[1025];
	json_object *req;

	memset(pad, 'p', 1024);
	pad[1024] = '\0';
	fake_greet(fd);
	/* replies as it reads: a client that only writes would fill both
	 * socket buffers and deadlock with us */
	for (int i = 0; i < PIPELINE; i++) {
		FAKE_CHECK((req = fake_read_request(fd)) != NULL);
		fake_sendf(fd, "{\"return\":{\"echo\":%lld,\"pad\":\"%s\"},"
		    "\"id\":%lld}\n", (long long)fake_id(req), pad,
		    (long long)fake_id(req));
		json_object_put(req);
	}
	fake_read_request(fd);
}

Test(client_lib, long_pipeline_does_not_deadlock, .timeout = 60)
{
	struct xlctl *c = start(script_echo, NULL);
	struct xlctl_error err;
	int64_t *ids = calloc(PIPELINE, sizeof *ids);

	for (int i = 0; i < PIPELINE; i++) {
		ids[i] = xlctl_send(c, "version", NULL, NULL);
		cr_assert_gt(ids[i], 0);
	}
	for (int i = 0; i < PIPELINE; i++) {
		json_object *ret = xlctl_wait_reply(c, ids[i], -1, &err);

		cr_assert_not_null(ret, "%s: %s", err.class_name, err.desc);
		cr_assert_eq(int_of(ret, "echo"), ids[i]);
		json_object_put(ret);
	}
	free(ids);
	finish(c);
}
