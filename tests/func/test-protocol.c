/* The protocol server on the simulator: greeting, framing, error classes,
 * the read-only socket, pipelining, limits, clean shutdown. */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <criterion/criterion.h>

#include "tests/func/harness.h"

static const char *error_class(json_object *reply)
{
	json_object *error = json_get(reply, "error");

	return json_str(error, "class");
}

Test(protocol, greeting, .timeout = 120)
{
	struct dut *d = dut_start(NULL);
	struct xlctl *full = dut_connect(d), *ro = dut_connect_ro(d);
	json_object *g = xlctl_greeting(full);

	cr_assert_str_eq(json_str(g, "server"), "xenlightd");
	cr_assert_eq(json_int(g, "protocol"), 1);
	cr_assert_str_eq(json_str(g, "hypervisor"), "sim");
	cr_assert_str_eq(json_str(g, "access"), "full");
	cr_assert_not_null(json_str(g, "version"));
	cr_assert_not_null(json_str(g, "xen_version"));
	cr_assert_not_null(json_str(g, "host"));
	cr_assert_str_eq(json_str(xlctl_greeting(ro), "access"), "read-only");
	xlctl_close(full);
	xlctl_close(ro);
	dut_stop(d);
	dut_free(d);
}

Test(protocol, malformed_messages_keep_the_connection, .timeout = 120)
{
	struct dut *d = dut_start(NULL);
	int fd = raw_connect(d->socket);
	json_object *reply = raw_read(fd, 10000);	/* greeting */
	static const char *const bad[] = {
		"not json\n",
		"[1,2]\n",
		"{\"execute\":\"version\"} trailing\n",
		"{\"execute\":\"version\",\"id\":\"\xff\"}\n",
		"{\"execute\":\"version\",\"id\":'x'}\n",
		"{\"arguments\":{}}\n",
		"{\"execute\":\"version\",\"extra\":1}\n",
	};
	char deep[200];
	int n = 0;

	json_object_put(reply);
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		raw_send(fd, bad[i], strlen(bad[i]));
		reply = raw_read(fd, 10000);
		cr_assert_not_null(reply, "connection closed after %s", bad[i]);
		cr_assert_str_eq(error_class(reply), "InvalidMessage", "%s", bad[i]);
		json_object_put(reply);
	}
	/* nesting 65 deep */
	n += snprintf(deep, sizeof deep, "{\"execute\":\"version\",\"id\":");
	for (int i = 0; i < 64; i++)
		deep[n++] = '[';
	for (int i = 0; i < 64; i++)
		deep[n++] = ']';
	deep[n++] = '}';
	deep[n++] = '\n';
	raw_send(fd, deep, (size_t)n);
	reply = raw_read(fd, 10000);
	cr_assert_str_eq(error_class(reply), "InvalidMessage");
	json_object_put(reply);
	/* the id of a bad envelope still comes back */
	raw_send(fd, "{\"id\":77,\"execute\":\"version\",\"bad\":1}\n", 38);
	reply = raw_read(fd, 10000);
	cr_assert_eq(json_int(reply, "id"), 77);
	json_object_put(reply);
	/* and the connection still works, CR LF included */
	raw_send(fd, "{\"execute\":\"version\",\"id\":\"v\"}\r\n", 32);
	reply = raw_read(fd, 10000);
	cr_assert_str_eq(json_str(reply, "id"), "v");
	cr_assert_str_eq(json_str(json_get(reply, "return"), "server"),
	    "xenlightd");
	json_object_put(reply);
	close(fd);
	dut_stop(d);
	dut_free(d);
}

Test(protocol, long_line_closes_the_connection, .timeout = 120)
{
	struct dut *d = dut_start("--max-line", "1024", NULL);
	int fd = raw_connect(d->socket);
	char line[2100];
	json_object *reply = raw_read(fd, 10000);

	json_object_put(reply);
	memset(line, ' ', sizeof line);
	memcpy(line, "{\"execute\":\"version\"", 20);
	line[sizeof line - 2] = '}';
	line[sizeof line - 1] = '\n';
	raw_send(fd, line, sizeof line);
	reply = raw_read(fd, 10000);
	cr_assert_not_null(reply);
	cr_assert_str_eq(error_class(reply), "InvalidMessage");
	cr_assert(strstr(json_str(json_get(reply, "error"), "desc"), "1024"));
	json_object_put(reply);
	cr_assert_null(raw_read(fd, 10000), "the connection should be closed");
	close(fd);
	dut_stop(d);
	dut_free(d);
}

Test(protocol, error_classes, .timeout = 120)
{
	struct dut *d = dut_start(NULL);
	struct xlctl *c = dut_connect(d);
	json_object *dom;

	call_fails(c, "CommandNotFound", "domain-frobnicate", NULL);
	call_fails(c, "InvalidArgument", "domain-info", "{}");
	call_fails(c, "InvalidArgument", "domain-info", "{\"domain\":true}");
	call_fails(c, "InvalidArgument", "domain-info",
	    "{\"domain\":\"a\",\"color\":\"red\"}");
	call_fails(c, "DomainNotFound", "domain-info", "{\"domain\":\"nosuch\"}");
	call_fails(c, "JobNotFound", "job-info", "{\"job\":987654}");
	call_fails(c, "OperationInvalid", "domain-pause",
	    "{\"domain\":\"Domain-0\"}");
	dom = create_domain(c, "dup", 64);
	json_object_put(dom);
	call_fails(c, "DomainExists", "domain-create",
	    "{\"xl_config\":\"name=\\\"dup\\\"\\nmemory=64\\n\"}");
	call_fails(c, "InvalidArgument", "domain-create",
	    "{\"xl_config\":\"name=\\\"x\\\"\\nmemory=64\\ncolour=1\\n\"}");
	call_fails(c, "InvalidArgument", "domain-save",
	    "{\"domain\":\"dup\",\"file\":\"relative/path\"}");
	call_fails(c, "IOError", "domain-save",
	    "{\"domain\":\"dup\",\"file\":\"/nonexistent-dir/dup.save\"}");
	call_fails(c, "ResourceLimit", "domain-create",
	    "{\"xl_config\":\"name=\\\"huge\\\"\\nmemory=100000000\\n\"}");
	xlctl_close(c);
	dut_stop(d);
	dut_free(d);
}

Test(protocol, read_only_socket, .timeout = 120)
{
	struct dut *d = dut_start(NULL);
	struct xlctl *ro = dut_connect_ro(d), *full = dut_connect(d);
	json_object *list;
	char *text = xl_config_text("rodom", 64);
	json_object *args = json_object_new_object();
	struct xlctl_error err = { 0 };

	json_object_object_add(args, "xl_config", json_object_new_string(text));
	cr_assert_null(xlctl_call(ro, "domain-create", args, NULL, 30000, &err));
	cr_assert_str_eq(err.class_name, "PermissionDenied");
	xlctl_error_clear(&err);
	/* nothing was done */
	call_fails(full, "DomainNotFound", "domain-info", "{\"domain\":\"rodom\"}");
	/* queries and subscriptions are fine */
	list = call_ok(ro, "domain-list", NULL);
	cr_assert_geq(json_object_array_length(list), 1);
	json_object_put(list);
	json_object_put(call_ok(ro, "host-info", NULL));
	json_object_put(call_ok(ro, "subscribe", NULL));
	call_fails(ro, "PermissionDenied", "job-abort", "{\"job\":1}");
	json_object_put(args);
	free(text);
	xlctl_close(ro);
	xlctl_close(full);
	dut_stop(d);
	dut_free(d);
}

Test(protocol, pipelining_1000, .timeout = 180)
{
	struct dut *d = dut_start(NULL);
	struct xlctl *c = dut_connect(d);
	json_object *args = json_parse("{\"domain\":\"Domain-0\"}");
	int64_t ids[1000];

	for (int i = 0; i < 1000; i++) {
		ids[i] = xlctl_send(c, i % 2 ? "domain-info" : "version",
		    i % 2 ? args : NULL, NULL);
		cr_assert_gt(ids[i], 0);
	}
	/* in reverse order: the library matches by id */
	for (int i = 999; i >= 0; i--) {
		struct xlctl_error err = { 0 };
		json_object *ret = xlctl_wait_reply(c, ids[i], 60000, &err);

		cr_assert_not_null(ret, "reply %d: %s %s", i, err.class_name,
		    err.desc);
		if (i % 2)
			cr_assert_str_eq(json_str(ret, "name"), "Domain-0");
		else
			cr_assert_str_eq(json_str(ret, "server"), "xenlightd");
		json_object_put(ret);
	}
	json_object_put(args);
	xlctl_close(c);
	dut_stop(d);
	dut_free(d);
}

Test(protocol, pipelined_raw_ids_match, .timeout = 120)
{
	struct dut *d = dut_start("--max-inflight", "4", NULL);
	int fd = raw_connect(d->socket);
	char *burst = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&burst, &len);
	bool seen[1000] = { false };

	json_object_put(raw_read(fd, 10000));
	for (int i = 0; i < 1000; i++)
		fprintf(out, "{\"execute\":\"host-info\",\"id\":%d}\n", i);
	fclose(out);
	raw_send(fd, burst, len);
	for (int i = 0; i < 1000; i++) {
		json_object *reply = raw_read(fd, 30000);
		int64_t id;

		cr_assert_not_null(reply);
		id = json_int(reply, "id");
		cr_assert(id >= 0 && id < 1000 && !seen[id], "id %lld",
		    (long long)id);
		seen[id] = true;
		cr_assert(json_object_object_get_ex(reply, "return", NULL));
		json_object_put(reply);
	}
	free(burst);
	close(fd);
	dut_stop(d);
	dut_free(d);
}

/* --max-clients is the full-access socket's own pool: read-only clients
 * (tests/func/test-limits.c) do not count against it. */
Test(protocol, max_clients, .timeout = 120)
{
	struct dut *d = dut_start("--max-clients", "2", NULL);
	struct xlctl *a = dut_connect(d), *b = dut_connect(d);
	struct xlctl *ro = dut_connect_ro(d);
	int fd = raw_connect(d->socket);
	json_object *reply = raw_read(fd, 10000);

	cr_assert_not_null(reply, "the refused client must get a line");
	cr_assert_str_eq(error_class(reply), "ResourceLimit");
	json_object_put(reply);
	cr_assert_null(raw_read(fd, 10000), "then the connection is closed");
	close(fd);
	/* the first two still work, and a slot frees when one leaves */
	json_object_put(call_ok(a, "version", NULL));
	json_object_put(call_ok(ro, "version", NULL));
	xlctl_close(ro);
	xlctl_close(b);
	for (int64_t deadline = now_ms() + 10000;;) {
		struct xlctl_error err = { 0 };
		struct xlctl *c = xlctl_connect(d->socket, &err);

		if (c != NULL) {
			xlctl_close(c);
			break;
		}
		xlctl_error_clear(&err);
		cr_assert_lt(now_ms(), deadline);
		usleep(20000);
	}
	xlctl_close(a);
	dut_stop(d);
	dut_free(d);
}

Test(protocol, query_commands_describes_the_table, .timeout = 120)
{
	struct dut *d = dut_start(NULL);
	struct xlctl *c = dut_connect(d);
	json_object *list = call_ok(c, "query-commands", NULL);
	bool saw_save = false;

	for (size_t i = 0; i < json_object_array_length(list); i++) {
		json_object *cmd = json_object_array_get_idx(list, i);

		cr_assert_not_null(json_str(cmd, "help"));
		cr_assert(json_object_is_type(json_get(cmd, "arguments"),
		    json_type_array));
		if (strcmp(json_str(cmd, "name"), "domain-save") == 0) {
			saw_save = true;
			cr_assert_str_eq(json_str(cmd, "kind"), "async");
			cr_assert_str_eq(json_str(cmd, "access"), "full");
		}
		if (strcmp(json_str(cmd, "name"), "domain-info") == 0)
			cr_assert_str_eq(json_str(cmd, "access"), "read-only");
		/* one entry per name */
		for (size_t k = 0; k < i; k++)
			cr_assert_str_neq(json_str(json_object_array_get_idx(
			    list, k), "name"), json_str(cmd, "name"));
	}
	cr_assert(saw_save);
	json_object_put(list);
	/* the daemon's own commands are not a client's */
	call_fails(c, "CommandNotFound", "domain-restart",
	    "{\"domain\":\"Domain-0\"}");
	call_fails(c, "CommandNotFound", "domain-crash-dump",
	    "{\"domain\":\"Domain-0\"}");
	xlctl_close(c);
	dut_stop(d);
	dut_free(d);
}

Test(protocol, clean_shutdown_leaks_nothing, .timeout = 180)
{
	struct dut *d = dut_start(NULL);
	struct xlctl *c = dut_connect(d);
	json_object *info, *dom;

	dom = create_domain(c, "s1", 64);
	json_object_put(dom);
	json_object_put(call_ok(c, "domain-pause", "{\"domain\":\"s1\"}"));
	json_object_put(call_ok(c, "domain-unpause", "{\"domain\":\"s1\"}"));
	json_object_put(call_ok(c, "domain-destroy", "{\"domain\":\"s1\"}"));
	info = sim_info(d);
	cr_assert_eq(json_int(info, "children"), 0);
	cr_assert_eq(json_int(info, "ops_in_flight"), 0);
	cr_assert_eq(json_int(info, "timers"), 0);
	json_object_put(info);
	xlctl_close(c);
	dut_stop(d);
	/* the simulated host outlives the daemon, as Xen does */
	cr_assert_eq(access(d->sim_socket, F_OK), -1,
	    "the simulator's socket goes with the daemon");
	dut_free(d);
}
