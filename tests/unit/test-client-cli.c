/* xlctl: value parsing, the request each subcommand builds, exit codes,
 * output formatting, and a few whole runs against a fake server. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "client/xlctl-cli.h"
#include "proto/json-line.h"
#include "tests/unit/test-client-fake.c"

/* ------------------------------------------------------------------------
 * Values */

Test(client_cli, size_parsing)
{
	static const struct { const char *text; int64_t kib; } good[] = {
		{ "512", 524288 }, { "1g", 1048576 }, { "1G", 1048576 },
		{ "100k", 100 }, { "100K", 100 }, { "2m", 2048 },
		{ "1t", 1073741824 }, { "0", 0 },
	};
	static const char *const bad[] = {
		"", "abc", "12x", "-5", "+5", " 5", "1.5g", "1gb", "g",
		"99999999999999999999", "9007199254740993t",
	};
	int64_t kib;

	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		cr_assert_eq(xlctl_parse_size_kib(good[i].text, &kib), 0, "%s",
		    good[i].text);
		cr_assert_eq(kib, good[i].kib, "%s", good[i].text);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		cr_assert_eq(xlctl_parse_size_kib(bad[i], &kib), -1, "'%s'",
		    bad[i]);
}

Test(client_cli, int_parsing)
{
	int64_t v;

	cr_assert_eq(xlctl_parse_int("42", 0, 100, &v), 0);
	cr_assert_eq(v, 42);
	cr_assert_eq(xlctl_parse_int("101", 0, 100, &v), -1);
	cr_assert_eq(xlctl_parse_int("-1", 0, 100, &v), -1);
	cr_assert_eq(xlctl_parse_int("4x", 0, 100, &v), -1);
	cr_assert_eq(xlctl_parse_int("", 0, 100, &v), -1);
	cr_assert_eq(xlctl_parse_int(" 4", 0, 100, &v), -1);
}

Test(client_cli, byte_and_progress_formats)
{
	char buf[160];
	double mib = 1024 * 1024;

	cr_assert_str_eq(xlctl_format_bytes(buf, sizeof buf, 134492589),
	    "128.3 MiB");
	cr_assert_str_eq(xlctl_format_bytes(buf, sizeof buf, 512), "512 B");
	cr_assert_str_eq(xlctl_format_duration(buf, sizeof buf, 125), "2m05s");
	xlctl_progress_format(buf, sizeof buf, "save web1",
	    (int64_t)(45 * mib), (int64_t)(100 * mib), 11 * mib, 0);
	cr_assert_str_eq(buf, "save web1: 45% 11.0 MiB/s ETA 5s");
	xlctl_progress_format(buf, sizeof buf, "save web1",
	    (int64_t)(50 * mib), (int64_t)(100 * mib), 0, 10);
	cr_assert_str_eq(buf, "save web1 [#####.....]  50%");
	xlctl_progress_format(buf, sizeof buf, "restore x",
	    (int64_t)(3 * mib), 0, 0, 0);
	cr_assert_str_eq(buf, "restore x: 3.0 MiB");
}

Test(client_cli, event_line)
{
	struct err *e = NULL;
	json_object *event = json_line_parse(
	    "{\"event\":\"DOMAIN_SHUTDOWN\",\"data\":{\"domain\":\"web1\","
	    "\"domid\":3,\"reason\":\"power off\"},\"timestamp\":{\"seconds\":"
	    "1795860000,\"microseconds\":123456}}", strlen(
	    "{\"event\":\"DOMAIN_SHUTDOWN\",\"data\":{\"domain\":\"web1\","
	    "\"domid\":3,\"reason\":\"power off\"},\"timestamp\":{\"seconds\":"
	    "1795860000,\"microseconds\":123456}}"), &e);
	char *text = NULL;
	size_t len;
	FILE *f = open_memstream(&text, &len);

	cr_assert_not_null(event);
	xlctl_print_event(f, event);
	fclose(f);
	cr_assert_str_eq(text, "2026-11-28T10:00:00.123Z DOMAIN_SHUTDOWN "
	    "domain=web1 domid=3 reason=\"power off\"\n");
	free(text);
	json_object_put(event);
}

/* ------------------------------------------------------------------------
 * Requests */

/* Builds the request of an xlctl command line (NULL-terminated words). */
static int build(struct xlctl_request *req, ...)
{
	char *argv[32];
	int argc = 0;
	va_list ap;

	va_start(ap, req);
	while ((argv[argc] = va_arg(ap, char *)) != NULL)
		argc++;
	va_end(ap);
	return xlctl_cli_build(argc, argv, req);
}

/* The request must be execute + exactly these arguments. */
static void expect(struct xlctl_request *req, const char *execute,
    const char *json)
{
	struct err *e = NULL;
	json_object *want = json_line_parse(json, strlen(json), &e);

	cr_assert_not_null(want, "bad expectation %s", json);
	cr_assert_str_eq(req->execute, execute);
	cr_assert(json_object_equal(req->arguments, want),
	    "%s: got %s, want %s", execute,
	    json_object_to_json_string(req->arguments), json);
	json_object_put(want);
	xlctl_request_clear(req);
}

Test(client_cli, domain_requests)
{
	struct xlctl_request req;

	cr_assert_eq(build(&req, "list", "--state", "running", NULL), 0);
	expect(&req, "domain-list", "{\"state\":\"running\"}");
	cr_assert_eq(build(&req, "domain-list", NULL), 0);
	expect(&req, "domain-list", "{}");
	cr_assert_eq(build(&req, "dominfo", "7", NULL), 0);
	expect(&req, "domain-info", "{\"domain\":\"7\"}");
	cr_assert_eq(build(&req, "stats", NULL), 0);
	expect(&req, "domain-stats", "{}");
	cr_assert_eq(build(&req, "mem-set", "web1", "512", NULL), 0);
	expect(&req, "domain-set-memory",
	    "{\"domain\":\"web1\",\"memory_kib\":524288}");
	cr_assert_eq(build(&req, "mem-max", "web1", "1g", NULL), 0);
	expect(&req, "domain-set-maxmem",
	    "{\"domain\":\"web1\",\"memory_kib\":1048576}");
	cr_assert_eq(build(&req, "vcpu-set", "web1", "4", NULL), 0);
	expect(&req, "domain-set-vcpus", "{\"domain\":\"web1\",\"count\":4}");
	cr_assert_eq(build(&req, "vcpu-pin", "web1", "1", "0-3,6", "--soft",
	    NULL), 0);
	expect(&req, "domain-pin-vcpu", "{\"domain\":\"web1\",\"vcpu\":1,"
	    "\"cpus\":\"0-3,6\",\"soft\":true}");
	cr_assert_eq(build(&req, "vcpu-pin", "web1", "all", "2", NULL), 0);
	expect(&req, "domain-pin-vcpu", "{\"domain\":\"web1\",\"vcpu\":\"all\","
	    "\"cpus\":\"2\"}");
	cr_assert_eq(build(&req, "sched", "web1", NULL), 0);
	expect(&req, "domain-sched-get", "{\"domain\":\"web1\"}");
	cr_assert_eq(build(&req, "sched", "web1", "--weight", "512", "--cap",
	    "50", NULL), 0);
	expect(&req, "domain-sched-set",
	    "{\"domain\":\"web1\",\"weight\":512,\"cap\":50}");
	cr_assert_eq(build(&req, "block-attach", "web1", "phy:/dev/vg/d1",
	    "xvdb", "w", NULL), 0);
	expect(&req, "domain-disk-attach",
	    "{\"domain\":\"web1\",\"disk\":\"phy:/dev/vg/d1,xvdb,w\"}");
	cr_assert_eq(build(&req, "block-detach", "web1", "xvdb", NULL), 0);
	expect(&req, "domain-disk-detach",
	    "{\"domain\":\"web1\",\"vdev\":\"xvdb\"}");
	cr_assert_eq(build(&req, "network-attach", "web1", NULL), 0);
	expect(&req, "domain-nic-attach", "{\"domain\":\"web1\"}");
	cr_assert_eq(build(&req, "network-attach", "web1", "bridge=xenbr0",
	    NULL), 0);
	expect(&req, "domain-nic-attach",
	    "{\"domain\":\"web1\",\"nic\":\"bridge=xenbr0\"}");
	cr_assert_eq(build(&req, "network-detach", "web1", "2", NULL), 0);
	expect(&req, "domain-nic-detach", "{\"domain\":\"web1\",\"devid\":2}");
	cr_assert_eq(build(&req, "network-detach", "web1", "00:16:3e:00:00:01",
	    NULL), 0);
	expect(&req, "domain-nic-detach",
	    "{\"domain\":\"web1\",\"mac\":\"00:16:3e:00:00:01\"}");
	cr_assert_eq(build(&req, "autostart", "web1", "--disable", NULL), 0);
	expect(&req, "domain-autostart",
	    "{\"domain\":\"web1\",\"enable\":false}");
	cr_assert_eq(build(&req, "autostart", "web1", NULL), 0);
	expect(&req, "domain-autostart", "{\"domain\":\"web1\",\"enable\":true}");
}

Test(client_cli, lifecycle_and_job_requests)
{
	struct xlctl_request req;

	cr_assert_eq(build(&req, "start", "web1", "-p", NULL), 0);
	expect(&req, "domain-start", "{\"domain\":\"web1\",\"paused\":true}");
	cr_assert_eq(build(&req, "shutdown", "web1", "-w", "--timeout", "5000",
	    NULL), 0);
	expect(&req, "domain-shutdown",
	    "{\"domain\":\"web1\",\"wait\":true,\"timeout_ms\":5000}");
	cr_assert_eq(build(&req, "resume", "web1", NULL), 0);
	expect(&req, "domain-unpause", "{\"domain\":\"web1\"}");
	cr_assert_eq(build(&req, "destroy", "web1", NULL), 0);
	expect(&req, "domain-destroy", "{\"domain\":\"web1\"}");
	cr_assert_eq(build(&req, "jobs", "--domain", "web1", "-s", "running",
	    NULL), 0);
	expect(&req, "job-list", "{\"domain\":\"web1\",\"state\":\"running\"}");
	cr_assert_eq(build(&req, "job", "12", NULL), 0);
	expect(&req, "job-info", "{\"job\":12}");
	cr_assert_eq(build(&req, "job-wait", "12", "--timeout", "100", NULL), 0);
	expect(&req, "job-wait", "{\"job\":12,\"timeout_ms\":100}");
	cr_assert_eq(build(&req, "abort", "12", NULL), 0);
	expect(&req, "job-abort", "{\"job\":12}");
	cr_assert_eq(build(&req, "job-dismiss", "12", NULL), 0);
	expect(&req, "job-dismiss", "{\"job\":12}");
	cr_assert_eq(build(&req, "events", "--event", "JOB_*", "--domain",
	    "web1", "-d", "web2", NULL), 0);
	expect(&req, "subscribe", "{\"events\":[\"JOB_*\"],"
	    "\"domains\":[\"web1\",\"web2\"]}");
	cr_assert_eq(build(&req, "migrate", "web1", "host2", "--port", "8002",
	    "--live", NULL), 0);
	expect(&req, "domain-migrate", "{\"domain\":\"web1\",\"host\":\"host2\","
	    "\"port\":8002,\"live\":true}");
}

Test(client_cli, save_requests)
{
	struct xlctl_request req;
	char *cwd, *want;

	cr_assert_eq(build(&req, "save", "web1", "/var/lib/xen/save/web1", "-c",
	    NULL), 0);
	cr_assert_eq(req.label[0] != '\0', 1);
	cr_assert_str_eq(req.label, "save web1");
	cr_assert(!req.options.detach && !req.options.has_lock_wait_ms);
	expect(&req, "domain-save", "{\"domain\":\"web1\",\"file\":"
	    "\"/var/lib/xen/save/web1\",\"leave\":\"running\"}");
	cr_assert_eq(build(&req, "save", "web1", "/s", "-p", "--overwrite",
	    "--detach", "--wait", "0", NULL), 0);
	cr_assert(req.options.detach);
	cr_assert(req.options.has_lock_wait_ms);
	cr_assert_eq(req.options.lock_wait_ms, 0);
	expect(&req, "domain-save", "{\"domain\":\"web1\",\"file\":\"/s\","
	    "\"leave\":\"paused\",\"overwrite\":true}");
	cr_assert_eq(build(&req, "save", "web1", "/s", "-c", "-p", NULL), 2);

	/* a relative path is the user's current directory's */
	cr_assert_eq(chdir("/tmp"), 0);
	cwd = realpath("/tmp", NULL);
	cr_assert_eq(build(&req, "restore", "web1.save", "-p", NULL), 0);
	cr_assert(asprintf(&want, "{\"file\":\"%s/web1.save\",\"paused\":true}",
	    cwd) > 0);
	expect(&req, "domain-restore", want);
	free(want);
	free(cwd);

	cr_assert_eq(build(&req, "dump-core", "web1", "/d", "--live", "--crash",
	    NULL), 0);
	expect(&req, "domain-dump", "{\"domain\":\"web1\",\"file\":\"/d\","
	    "\"live\":true,\"crash\":true}");
	cr_assert_eq(build(&req, "managedsave", "web1", NULL), 0);
	expect(&req, "domain-managed-save", "{\"domain\":\"web1\"}");
}

static char *temp_file(const char *text)
{
	char *path = strdup("/tmp/xlctl-test-cfg-XXXXXX");
	int fd = mkstemp(path);

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

Test(client_cli, config_files)
{
	const char *xl = "name = \"web1\"\nmemory = 512\nvcpus = 2\n";
	char *xl_path = temp_file(xl);
	char *json_path = temp_file("{\n  \"c_info\": {\"name\": \"web2\"}\n}\n");
	struct xlctl_request req;
	json_object *want;

	cr_assert_eq(build(&req, "define", xl_path, NULL), 0);
	want = json_object_new_object();
	json_object_object_add(want, "xl_config", json_object_new_string(xl));
	cr_assert(json_object_equal(req.arguments, want));
	json_object_put(want);
	xlctl_request_clear(&req);

	cr_assert_eq(build(&req, "create", json_path, "-p", NULL), 0);
	expect(&req, "domain-create", "{\"config\":{\"c_info\":"
	    "{\"name\":\"web2\"}},\"paused\":true}");

	cr_assert_eq(build(&req, "define", "/nonexistent/web1.cfg", NULL),
	    XLCTL_EXIT_ERROR);
	unlink(xl_path);
	unlink(json_path);
	free(xl_path);
	free(json_path);
}

Test(client_cli, usage_errors)
{
	struct xlctl_request req;

	cr_assert_eq(build(&req, "mem-set", "web1", "abc", NULL), 2);
	cr_assert_eq(build(&req, "vcpu-pin", "web1", "x", "0", NULL), 2);
	cr_assert_eq(build(&req, "start", "web1", "--wait", "soon", NULL), 2);
	cr_assert_eq(build(&req, "list", "--bogus", NULL), 2);
	cr_assert_eq(build(&req, "list", "--state", NULL), 2);
	cr_assert_eq(build(&req, "pause", "--detach=yes", "web1", NULL), 2);
	cr_assert_eq(build(&req, "dominfo", NULL), 2);
	cr_assert_eq(build(&req, "dominfo", "a", "b", NULL), 2);
	cr_assert_eq(build(&req, "sched", "web1", "--weight", "0", NULL), 2);
	cr_assert_eq(build(&req, "events", "--count", "0", NULL), 2);
	cr_assert_eq(build(&req, "job", "0", NULL), 2);
	cr_assert_eq(build(&req, "frobnicate", NULL), 2);
	/* "--" ends the options */
	cr_assert_eq(build(&req, "dominfo", "--", "-odd-", NULL), 0);
	expect(&req, "domain-info", "{\"domain\":\"-odd-\"}");
}

/* ------------------------------------------------------------------------
 * Whole runs */

struct run {
	int rc;
	char out[8192];
	char err[8192];
};

static void slurp(FILE *f, char *buf, size_t size)
{
	size_t n;

	rewind(f);
	n = fread(buf, 1, size - 1, f);
	buf[n] = '\0';
	fclose(f);
}

/* Runs xlctl in-process with stdout and stderr captured (stderr is then
 * not a terminal: no prompts, plain progress lines). */
static void run_cli(struct run *r, ...)
{
	char *argv[32] = { "xlctl" };
	int argc = 1, saved_out, saved_err;
	FILE *out = tmpfile(), *err = tmpfile();
	va_list ap;

	va_start(ap, r);
	while ((argv[argc] = va_arg(ap, char *)) != NULL)
		argc++;
	va_end(ap);
	fflush(stdout);
	fflush(stderr);
	saved_out = dup(STDOUT_FILENO);
	saved_err = dup(STDERR_FILENO);
	dup2(fileno(out), STDOUT_FILENO);
	dup2(fileno(err), STDERR_FILENO);
	r->rc = xlctl_cli_main(argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(saved_out, STDOUT_FILENO);
	dup2(saved_err, STDERR_FILENO);
	close(saved_out);
	close(saved_err);
	slurp(out, r->out, sizeof r->out);
	slurp(err, r->err, sizeof r->err);
}

Test(client_cli, exit_codes_without_server)
{
	struct run r;

	run_cli(&r, NULL);
	cr_assert_eq(r.rc, 2);
	cr_assert_not_null(strstr(r.err, "usage:"));
	run_cli(&r, "frobnicate", NULL);
	cr_assert_eq(r.rc, 2);
	run_cli(&r, "--timeout", "soon", "list", NULL);
	cr_assert_eq(r.rc, 2);
	run_cli(&r, "-x", "list", NULL);
	cr_assert_eq(r.rc, 2);
	run_cli(&r, "-c", "/nonexistent/xenlightd.sock", "list", NULL);
	cr_assert_eq(r.rc, 3);
	cr_assert_not_null(strstr(r.err, "cannot connect"), "%s", r.err);
	/* usage errors are found before connecting */
	run_cli(&r, "-c", "/nonexistent/xenlightd.sock", "dominfo", NULL);
	cr_assert_eq(r.rc, 2);
	run_cli(&r, "-c", "/nonexistent/xenlightd.sock", "help", NULL);
	cr_assert_eq(r.rc, 0);
	cr_assert_not_null(strstr(r.out, "dump-core"));
	run_cli(&r, "-c", "/nonexistent/xenlightd.sock", "help", "save", NULL);
	cr_assert_eq(r.rc, 0);
	cr_assert_not_null(strstr(r.out, "--overwrite"));
	cr_assert_not_null(strstr(r.out, "--detach"));
	run_cli(&r, "-c", "/nonexistent/xenlightd.sock", "help", "bogus", NULL);
	cr_assert_eq(r.rc, 2);
}

static struct fake_server server;

static void script_list(int fd, void *arg)
{
	json_object *req;

	fake_greet(fd);
	req = fake_read_request(fd);
	FAKE_CHECK(strcmp(fake_execute(req), "domain-list") == 0);
	fake_reply(fd, req, "[{\"name\":\"web1\",\"domid\":3,\"state\":"
	    "\"running\",\"memory_kib\":524288,\"vcpus\":2,\"vcpus_online\":2,"
	    "\"cpu_time_ns\":123456789000,\"job\":{\"id\":12,\"type\":"
	    "\"domain-save\",\"state\":\"running\"}},{\"name\":\"db\","
	    "\"domid\":null,\"state\":\"shutoff\",\"memory_kib\":2097152,"
	    "\"vcpus\":4,\"cpu_time_ns\":0,\"job\":null}]");
	json_object_put(req);
}

Test(client_cli, list_table)
{
	struct run r;

	fake_server_start(&server, script_list, NULL);
	run_cli(&r, "-c", server.path, "list", NULL);
	cr_assert_eq(fake_server_finish(&server), 0);
	cr_assert_eq(r.rc, 0, "%s", r.err);
	cr_assert_str_eq(r.out,
	    "Name  ID  Mem(MiB)  VCPUs  State    Time(s)  Job\n"
	    "web1   3       512      2  running    123.5  #12 domain-save\n"
	    "db     -      2048      4  shutoff      0.0  -\n");
}

static void script_error(int fd, void *arg)
{
	json_object *req;

	fake_greet(fd);
	req = fake_read_request(fd);
	fake_error(fd, req, "DomainNotFound", "no domain 'nope'");
	json_object_put(req);
}

Test(client_cli, error_reply_exits_1)
{
	struct run r;

	fake_server_start(&server, script_error, NULL);
	run_cli(&r, "-c", server.path, "pause", "nope", NULL);
	cr_assert_eq(fake_server_finish(&server), 0);
	cr_assert_eq(r.rc, 1);
	cr_assert_str_eq(r.err, "xlctl: DomainNotFound: no domain 'nope'\n");
}

static void script_json(int fd, void *arg)
{
	json_object *req;

	fake_greet(fd);
	req = fake_read_request(fd);
	fake_reply(fd, req, "{\"name\":\"web1\",\"domid\":3}");
	json_object_put(req);
}

Test(client_cli, json_output_is_the_return_value)
{
	struct run r;

	fake_server_start(&server, script_json, NULL);
	run_cli(&r, "-c", server.path, "--json", "dominfo", "web1", NULL);
	cr_assert_eq(fake_server_finish(&server), 0);
	cr_assert_eq(r.rc, 0);
	cr_assert_str_eq(r.out, "{\"name\":\"web1\",\"domid\":3}\n");
}

/* A save followed through events: arg is the job's final state. */
static void script_save(int fd, void *arg)
{
	const char *final = arg;
	json_object *req, *value;

	fake_greet(fd);
	req = fake_read_request(fd);
	FAKE_CHECK(strcmp(fake_execute(req), "subscribe") == 0);
	fake_reply(fd, req, "{}");
	json_object_put(req);
	req = fake_read_request(fd);
	FAKE_CHECK(strcmp(fake_execute(req), "domain-save") == 0);
	FAKE_CHECK(json_object_object_get_ex(req, "detach", &value) &&
	    json_object_get_boolean(value));
	fake_reply(fd, req, "{\"job\":7}");
	json_object_put(req);
	fake_event(fd, "JOB_PROGRESS", "{\"job\":6,\"current\":1,\"total\":2}");
	fake_event(fd, "JOB_PROGRESS",
	    "{\"job\":7,\"current\":524288,\"total\":1048576}");
	fake_sendf(fd, "{\"event\":\"JOB_STATUS_CHANGE\",\"data\":{\"job\":7,"
	    "\"state\":\"%s\"},\"timestamp\":{\"seconds\":1,\"microseconds\":"
	    "0}}\n", final);
	while ((req = fake_read_request(fd)) != NULL) {
		FAKE_CHECK(strcmp(fake_execute(req), "job-info") == 0);
		if (strcmp(final, "completed") == 0)
			fake_reply(fd, req, "{\"id\":7,\"state\":\"completed\","
			    "\"progress\":{\"current\":1048576,\"total\":"
			    "1048576},\"error\":null,\"result\":{\"file\":\"/s\","
			    "\"bytes\":1048576}}");
		else
			fake_reply(fd, req, "{\"id\":7,\"state\":\"failed\","
			    "\"progress\":null,\"error\":{\"class\":\"IOError\","
			    "\"desc\":\"disk full\"},\"result\":null}");
		json_object_put(req);
	}
}

Test(client_cli, save_follows_the_job)
{
	struct run r;

	fake_server_start(&server, script_save, "completed");
	run_cli(&r, "-c", server.path, "save", "web1", "/s", NULL);
	cr_assert_eq(fake_server_finish(&server), 0);
	cr_assert_eq(r.rc, 0, "%s", r.err);
	cr_assert_str_eq(r.out, "Domain web1 saved to /s (1.0 MiB).\n");
}

Test(client_cli, failed_job_exits_1)
{
	struct run r;

	fake_server_start(&server, script_save, "failed");
	run_cli(&r, "-c", server.path, "save", "web1", "/s", NULL);
	cr_assert_eq(fake_server_finish(&server), 0);
	cr_assert_eq(r.rc, 1);
	cr_assert_not_null(strstr(r.err, "xlctl: IOError: disk full\n"), "%s",
	    r.err);
}

static void script_detach(int fd, void *arg)
{
	json_object *req, *value;

	fake_greet(fd);
	req = fake_read_request(fd);
	FAKE_CHECK(strcmp(fake_execute(req), "domain-save") == 0);
	FAKE_CHECK(json_object_object_get_ex(req, "detach", &value) &&
	    json_object_get_boolean(value));
	FAKE_CHECK(json_object_object_get_ex(req, "lock_wait_ms", &value) &&
	    json_object_get_int64(value) == 250);
	fake_reply(fd, req, "{\"job\":9}");
	json_object_put(req);
}

Test(client_cli, detach_prints_the_job_id)
{
	struct run r;

	fake_server_start(&server, script_detach, NULL);
	run_cli(&r, "-c", server.path, "save", "web1", "/s", "--detach",
	    "--wait", "250", NULL);
	cr_assert_eq(fake_server_finish(&server), 0);
	cr_assert_eq(r.rc, 0, "%s", r.err);
	cr_assert_str_eq(r.out, "job 9\n");
}

/* Ctrl-C without a terminal aborts the job and follows it to its end. */
static void script_interrupt(int fd, void *arg)
{
	json_object *req;
	bool aborted = false;

	fake_greet(fd);
	req = fake_read_request(fd);
	fake_reply(fd, req, "{}");		/* subscribe */
	json_object_put(req);
	req = fake_read_request(fd);
	fake_reply(fd, req, "{\"job\":7}");
	json_object_put(req);
	kill(getppid(), SIGINT);
	while ((req = fake_read_request(fd)) != NULL) {
		if (strcmp(fake_execute(req), "job-abort") == 0) {
			FAKE_CHECK(json_object_get_int64(json_object_object_get(
			    json_object_object_get(req, "arguments"),
			    "job")) == 7);
			fake_reply(fd, req, "{\"aborting\":true}");
			fake_event(fd, "JOB_STATUS_CHANGE",
			    "{\"job\":7,\"state\":\"aborted\"}");
			aborted = true;
		} else if (aborted) {
			fake_reply(fd, req, "{\"id\":7,\"state\":\"aborted\","
			    "\"error\":{\"class\":\"Aborted\",\"desc\":"
			    "\"aborted by request\"}}");
		} else {
			fake_reply(fd, req, "{\"id\":7,\"state\":\"running\","
			    "\"progress\":null}");
		}
		json_object_put(req);
	}
	FAKE_CHECK(aborted);
}

Test(client_cli, interrupt_aborts_the_job, .timeout = 30)
{
	struct run r;

	fake_server_start(&server, script_interrupt, NULL);
	run_cli(&r, "-c", server.path, "save", "web1", "/s", NULL);
	cr_assert_eq(fake_server_finish(&server), 0);
	cr_assert_eq(r.rc, 1);
	cr_assert_not_null(strstr(r.err, "xlctl: Aborted: aborted by request"),
	    "%s", r.err);
}

static void script_events(int fd, void *arg)
{
	json_object *req;

	fake_greet(fd);
	req = fake_read_request(fd);
	FAKE_CHECK(strcmp(fake_execute(req), "subscribe") == 0);
	fake_reply(fd, req, "{}");
	json_object_put(req);
	fake_event(fd, "DOMAIN_PAUSED", "{\"domain\":\"web1\"}");
	fake_event(fd, "DOMAIN_RESUMED", "{\"domain\":\"web1\"}");
	fake_event(fd, "DOMAIN_STOPPED", "{\"domain\":\"web1\"}");
	fake_read_request(fd);
}

Test(client_cli, events_count)
{
	struct run r;

	fake_server_start(&server, script_events, NULL);
	run_cli(&r, "-c", server.path, "--json", "events", "--count", "2", NULL);
	cr_assert_eq(fake_server_finish(&server), 0);
	cr_assert_eq(r.rc, 0, "%s", r.err);
	cr_assert_str_eq(r.out,
	    "{\"event\":\"DOMAIN_PAUSED\",\"data\":{\"domain\":\"web1\"},"
	    "\"timestamp\":{\"seconds\":1795860000,\"microseconds\":123456}}\n"
	    "{\"event\":\"DOMAIN_RESUMED\",\"data\":{\"domain\":\"web1\"},"
	    "\"timestamp\":{\"seconds\":1795860000,\"microseconds\":123456}}\n");
}

static void script_raw(int fd, void *arg)
{
	json_object *req;

	fake_greet(fd);
	req = fake_read_request(fd);
	FAKE_CHECK(strcmp(fake_execute(req), "version") == 0);
	FAKE_CHECK(json_object_object_get_ex(req, "id", NULL));
	fake_reply(fd, req, "{\"server\":\"xenlightd\"}");
	json_object_put(req);
}

Test(client_cli, raw_adds_an_id_and_prints_the_reply_line)
{
	struct run r;

	fake_server_start(&server, script_raw, NULL);
	run_cli(&r, "-c", server.path, "raw", "{\"execute\":\"version\"}", NULL);
	cr_assert_eq(fake_server_finish(&server), 0);
	cr_assert_eq(r.rc, 0, "%s", r.err);
	cr_assert_str_eq(r.out, "{\"return\":{\"server\":\"xenlightd\"},"
	    "\"id\":1}\n");
	run_cli(&r, "raw", "[1]", NULL);
	cr_assert_eq(r.rc, 2);
}

static void script_commands(int fd, void *arg)
{
	json_object *req;

	fake_greet(fd);
	req = fake_read_request(fd);
	FAKE_CHECK(strcmp(fake_execute(req), "query-commands") == 0);
	fake_reply(fd, req, "[{\"name\":\"domain-save\",\"kind\":\"async\","
	    "\"help\":\"save a domain\",\"arguments\":[{\"name\":\"file\","
	    "\"type\":\"path\",\"required\":true,\"help\":\"where\"},"
	    "{\"name\":\"leave\",\"type\":\"enum\",\"required\":false,"
	    "\"choices\":[\"running\",\"paused\"]}]}]");
	json_object_put(req);
}

Test(client_cli, help_shows_the_daemon_schema)
{
	struct run r;

	fake_server_start(&server, script_commands, NULL);
	run_cli(&r, "-c", server.path, "help", "save", NULL);
	cr_assert_eq(fake_server_finish(&server), 0);
	cr_assert_eq(r.rc, 0, "%s", r.err);
	cr_assert_not_null(strstr(r.out, "xenlightd command domain-save "
	    "(async)"), "%s", r.out);
	cr_assert_not_null(strstr(r.out, "running|paused"), "%s", r.out);
	cr_assert_not_null(strstr(r.out, "required"), "%s", r.out);
}

/* A daemon without events: the job is polled with job-info. */
static void script_poll(int fd, void *arg)
{
	json_object *req;
	int polls = 0;

	fake_greet(fd);
	req = fake_read_request(fd);
	FAKE_CHECK(strcmp(fake_execute(req), "subscribe") == 0);
	fake_error(fd, req, "CommandNotFound", "no command 'subscribe'");
	json_object_put(req);
	req = fake_read_request(fd);
	fake_reply(fd, req, "{\"job\":5}");
	json_object_put(req);
	while ((req = fake_read_request(fd)) != NULL) {
		FAKE_CHECK(strcmp(fake_execute(req), "job-info") == 0);
		if (polls++ == 0)
			fake_reply(fd, req, "{\"id\":5,\"state\":\"running\","
			    "\"progress\":{\"current\":50,\"total\":100}}");
		else
			fake_reply(fd, req, "{\"id\":5,\"state\":\"completed\","
			    "\"progress\":{\"current\":100,\"total\":100},"
			    "\"result\":{\"file\":\"/s\",\"bytes\":100}}");
		json_object_put(req);
	}
	FAKE_CHECK(polls == 2);
}

Test(client_cli, job_polled_without_events)
{
	struct run r;

	fake_server_start(&server, script_poll, NULL);
	run_cli(&r, "-c", server.path, "--json", "save", "web1", "/s", NULL);
	cr_assert_eq(fake_server_finish(&server), 0);
	cr_assert_eq(r.rc, 0, "%s", r.err);
	cr_assert_not_null(strstr(r.err, "save web1: 50%\n"), "%s", r.err);
	/* as the request returns without --detach: the result and the job */
	cr_assert_str_eq(r.out, "{\"file\":\"/s\",\"bytes\":100,\"job\":5}\n");
}

Test(client_cli, tree_output)
{
	struct err *e = NULL;
	const char *json = "{\"name\":\"h\",\"memory_kib\":1024,\"numa\":"
	    "{\"nodes\":2},\"cpus\":[{\"id\":0},{\"id\":1}],\"tags\":[1,2]}";
	json_object *obj = json_line_parse(json, strlen(json), &e);
	char *text = NULL;
	size_t len;
	FILE *f = open_memstream(&text, &len);

	xlctl_print_tree(f, obj, 0);
	fclose(f);
	cr_assert_str_eq(text,
	    "name:       h\n"
	    "memory_kib: 1024 KiB (1.0 MiB)\n"
	    "numa:\n"
	    "  nodes: 2\n"
	    "cpus:\n"
	    "  - id: 0\n"
	    "  - id: 1\n"
	    "tags:       [1,2]\n");
	free(text);
	json_object_put(obj);
}
