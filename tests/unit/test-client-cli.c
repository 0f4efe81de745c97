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
#include "client/xlctl-format.h"
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

/* Found by fuzz-xlctl-args: bundled switches are more options than words. */
Test(client_cli, bundled_switches_beyond_the_words)
{
	struct xlctl_request req;

	cr_assert_eq(build(&req, "save", "web1", "/s",
	    "-pppppppppppppppppppppppppppppppppppppppppppppppp", NULL), 0);
	expect(&req, "domain-save", "{\"domain\":\"web1\",\"file\":\"/s\","
	    "\"leave\":\"paused\"}");
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

/* ------------------------------------------------------------------------
 * The table: every command, as help, completion and the man page see it */

/* Calls fn for every command of the table. */
static void each_command(void (*fn)(const struct xlctl_cmd *, void *),
    void *arg)
{
	for (const struct xlctl_family *const *f = xlctl_families; *f != NULL;
	    f++)
		for (const struct xlctl_cmd *const *cmd = (*f)->cmds;
		    *cmd != NULL; cmd++)
			fn(*cmd, arg);
}

struct names {
	const char *seen[256];
	int n;
};

static void check_name_unique(struct names *names, const char *name)
{
	for (int i = 0; i < names->n; i++)
		cr_expect_neq(strcmp(names->seen[i], name), 0,
		    "two commands are called '%s'", name);
	cr_assert_lt(names->n, 256);
	names->seen[names->n++] = name;
}

static void check_entry(const struct xlctl_cmd *cmd, void *arg)
{
	const struct xlctl_flag *lists[XLCTL_CMD_FLAG_LISTS];
	const struct xlctl_flag *flag, *other;
	struct names *names = arg;

	check_name_unique(names, cmd->name);
	if (cmd->alias != NULL)
		check_name_unique(names, cmd->alias);
	cr_expect(cmd->help != NULL && cmd->help[0] != '\0', "%s: no help",
	    cmd->name);
	/* the names xlctl finds it by lead to it */
	cr_expect_eq(xlctl_cmd_find(cmd->name), cmd, "%s", cmd->name);
	if (cmd->execute != NULL)
		cr_expect_eq(xlctl_cmd_find(cmd->execute), cmd, "%s: %s is "
		    "another command's", cmd->name, cmd->execute);
	cr_expect(cmd->kind == XLCTL_CMD_OWN ? cmd->run != NULL :
	    cmd->execute != NULL, "%s: nothing to run", cmd->name);
	/* a change says what it did: done or print, not both */
	if (xlctl_cmd_changes(cmd))
		cr_expect((cmd->done != NULL) != (cmd->print != NULL),
		    "%s changes something but says nothing", cmd->name);
	else
		cr_expect_null(cmd->done, "%s", cmd->name);
	cr_expect(cmd->max_args < 0 || cmd->min_args <= cmd->max_args,
	    "%s", cmd->name);
	cr_expect((cmd->args == NULL) == (cmd->max_args == 0),
	    "%s: positional arguments and usage disagree", cmd->name);
	/* options: no two alike, among its own, a job's and --help */
	xlctl_cmd_flag_lists(cmd, lists);
	for (int i = 0; lists[i] != NULL; i++) {
		for (flag = lists[i]; flag->name != NULL; flag++) {
			cr_expect(flag->help != NULL, "%s --%s", cmd->name,
			    flag->name);
			other = xlctl_flag_find(lists, flag->name,
			    strlen(flag->name), 0);
			cr_expect_eq(other, flag, "%s: two options --%s",
			    cmd->name, flag->name);
			if (flag->letter != 0)
				cr_expect_eq(xlctl_flag_find(lists, NULL, 0,
				    flag->letter), flag, "%s: two options -%c",
				    cmd->name, flag->letter);
		}
	}
}

Test(client_table, entries_are_consistent)
{
	struct names names = { .n = 0 };

	each_command(check_entry, &names);
	cr_assert_gt(names.n, 40);
	/* the completion helper is no command */
	cr_assert_null(xlctl_cmd_find("__complete"));
}

/* `xlctl CMD --help`: exit 0, nothing sent, the usage, every option, the
 * protocol command; the same as `xlctl help CMD`. */
static void check_help(const struct xlctl_cmd *cmd, void *arg)
{
	const struct xlctl_flag *lists[XLCTL_CMD_FLAG_LISTS];
	static struct run r, h;
	char want[128];

	run_cli(&r, "-c", "/nonexistent/xlcli.sock", (char *)cmd->name,
	    "--help", NULL);
	cr_expect_eq(r.rc, 0, "%s --help: %d %s", cmd->name, r.rc, r.err);
	snprintf(want, sizeof want, "usage: xlctl %s", cmd->name);
	cr_expect_eq(strncmp(r.out, want, strlen(want)), 0, "%s --help: %s",
	    cmd->name, r.out);
	xlctl_cmd_flag_lists(cmd, lists);
	for (int i = 0; lists[i] != NULL; i++) {
		for (const struct xlctl_flag *flag = lists[i];
		    flag->name != NULL; flag++) {
			snprintf(want, sizeof want, "--%s", flag->name);
			cr_expect_not_null(strstr(r.out, want),
			    "%s --help lacks %s", cmd->name, want);
		}
	}
	if (cmd->execute != NULL) {
		snprintf(want, sizeof want, "Sends: %s", cmd->execute);
		cr_expect_not_null(strstr(r.out, want), "%s --help: %s",
		    cmd->name, r.out);
	}
	run_cli(&h, "-c", "/nonexistent/xlcli.sock", "help", (char *)cmd->name,
	    NULL);
	cr_expect_eq(h.rc, 0);
	cr_expect_str_eq(h.out, r.out, "help %s differs from %s --help",
	    cmd->name, cmd->name);
}

Test(client_table, every_command_has_help)
{
	struct run r;

	each_command(check_help, NULL);
	/* as the issue found it */
	run_cli(&r, "-c", "/nonexistent/xlcli.sock", "jobs", "--help", NULL);
	cr_assert_eq(r.rc, 0, "%s", r.err);
	cr_assert_not_null(strstr(r.out, "--state STATE"), "%s", r.out);
	run_cli(&r, "jobs", "-h", NULL);
	cr_assert_eq(r.rc, 0, "%s", r.err);
}

/* A daemon that says yes to everything: jobs complete at once, and every
 * reply carries whatever any command's output might look for. */
#define YES "{\"name\":\"web1\",\"domid\":3,\"state\":\"running\"," \
	"\"file\":\"/s\",\"bytes\":100,\"vdev\":\"xvdb\",\"target\":\"/img\"," \
	"\"readonly\":false,\"devid\":1,\"mac\":\"00:16:3e:00:00:01\"," \
	"\"scheduler\":\"credit\",\"weight\":256,\"cap\":0,\"aborting\":true," \
	"\"job\":1}"

static void script_yes(int fd, void *arg)
{
	json_object *req, *value;

	fake_greet(fd);
	while ((req = fake_read_request(fd)) != NULL) {
		if (strcmp(fake_execute(req), "subscribe") == 0)
			fake_reply(fd, req, "{}");
		else if (json_object_object_get_ex(req, "detach", &value) &&
		    json_object_get_boolean(value))
			fake_reply(fd, req, "{\"job\":1}");
		else if (strcmp(fake_execute(req), "job-info") == 0)
			fake_reply(fd, req, "{\"id\":1,\"state\":\"completed\","
			    "\"error\":null,\"result\":" YES "}");
		else
			fake_reply(fd, req, YES);
		json_object_put(req);
	}
}

/* A value for each metavariable of the table's positional arguments. */
static const char *sample(const char *meta, const char *file)
{
	static const struct { const char *meta, *value; } samples[] = {
		{ "DOMAIN", "web1" }, { "SIZE", "512" }, { "COUNT", "2" },
		{ "VCPU", "1" }, { "CPUS", "0-3" }, { "VDEV", "xvdb" },
		{ "DISKSPEC...", "phy:/dev/vg/d1,xvdb,w" },
		{ "[VIFSPEC...]", "bridge=xenbr0" }, { "MAC|DEVID", "1" },
		{ "HOST", "host2" }, { "ID", "7" },
		{ "BDF[,OPTIONS]", "0b:00.0,permissive=1" }, { "BDF", "0b:00.0" },
		{ "POOL", "batch" }, { "[KEY=VALUE...]", "name=batch" },
	};

	if (strcmp(meta, "FILE") == 0)
		return file;
	for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++)
		if (strcmp(samples[i].meta, meta) == 0)
			return samples[i].value;
	cr_assert_fail("no sample for %s", meta);
	return NULL;
}

/* Runs a change with sample arguments against the yes-daemon. */
static void run_change(struct run *r, const struct xlctl_cmd *cmd,
    const char *file, bool quiet)
{
	struct fake_server yes;
	char *argv[16] = { NULL }, args[128], *word, *save = NULL;
	int argc = 0;

	fake_server_start(&yes, script_yes, NULL);
	argv[argc++] = "-c";
	argv[argc++] = yes.path;
	if (quiet)
		argv[argc++] = "-q";
	argv[argc++] = (char *)cmd->name;
	snprintf(args, sizeof args, "%s", cmd->args != NULL ? cmd->args : "");
	for (word = strtok_r(args, " ", &save); word != NULL;
	    word = strtok_r(NULL, " ", &save))
		argv[argc++] = (char *)sample(word, file);
	if (strcmp(cmd->name, "sched") == 0) {
		/* without options it shows, it does not change */
		argv[argc++] = "--weight";
		argv[argc++] = "256";
	}
	argv[argc] = NULL;
	run_cli(r, argv[0], argv[1], argv[2], argv[3], argv[4], argv[5],
	    argv[6], argv[7], argv[8], NULL);
	cr_expect_eq(fake_server_finish(&yes), 0, "%s", cmd->name);
}

static void check_change(const struct xlctl_cmd *cmd, void *arg)
{
	static struct run r;
	const char *newline;

	if (!xlctl_cmd_changes(cmd))
		return;
	run_change(&r, cmd, arg, false);
	cr_expect_eq(r.rc, 0, "%s: %s", cmd->name, r.err);
	newline = strchr(r.out, '\n');
	cr_expect(newline != NULL && newline > r.out && newline[1] == '\0',
	    "%s says '%s', not one line", cmd->name, r.out);
	cr_expect_str_empty(r.err, "%s: %s", cmd->name, r.err);
	run_change(&r, cmd, arg, true);
	cr_expect_eq(r.rc, 0, "%s -q: %s", cmd->name, r.err);
	cr_expect_str_empty(r.out, "%s -q says '%s'", cmd->name, r.out);
	cr_expect_str_empty(r.err, "%s -q: %s", cmd->name, r.err);
}

Test(client_table, every_change_says_what_it_did, .timeout = 120)
{
	char *file = temp_file("name = \"web1\"\nmemory = 512\n");
	struct run r;

	each_command(check_change, file);
	/* the ones the issue named */
	fake_server_start(&server, script_yes, NULL);
	run_cli(&r, "-c", server.path, "pause", "web1", NULL);
	cr_assert_eq(fake_server_finish(&server), 0);
	cr_assert_str_eq(r.out, "Domain web1 paused.\n");
	fake_server_start(&server, script_yes, NULL);
	run_cli(&r, "-c", server.path, "mem-set", "web1", "1g", NULL);
	cr_assert_eq(fake_server_finish(&server), 0);
	cr_assert_str_eq(r.out, "Domain web1: memory target set to 1.0 GiB.\n");
	unlink(file);
	free(file);
}

/* ------------------------------------------------------------------------
 * --json: errors are the protocol's error object on standard output */

/* The one JSON document r printed on stdout: its error object. */
static json_object *json_error(struct run *r, const char *class_name)
{
	struct err *e = NULL;
	json_object *doc, *error;
	size_t len = strlen(r->out);

	cr_assert(len > 0 && r->out[len - 1] == '\n', "stdout: '%s'", r->out);
	doc = json_line_parse(r->out, len - 1, &e);
	cr_assert_not_null(doc, "stdout is no JSON document: '%s'", r->out);
	cr_assert(json_object_object_get_ex(doc, "error", &error), "%s",
	    r->out);
	cr_assert_eq(json_object_object_length(doc), 1, "%s", r->out);
	cr_assert_str_eq(xlctl_get_string(error, "class"), class_name, "%s",
	    r->out);
	cr_assert_not_null(xlctl_get_string(error, "desc"), "%s", r->out);
	cr_assert_str_empty(r->err, "stderr: %s", r->err);
	json_object_get(error);
	json_object_put(doc);
	return error;
}

Test(client_json, errors_are_objects_and_exit_codes_stay)
{
	struct run r;
	json_object *error;

	run_cli(&r, "--json", "list", "--bogus", NULL);
	cr_assert_eq(r.rc, 2);
	error = json_error(&r, "InvalidArgument");
	cr_assert_not_null(strstr(xlctl_get_string(xlctl_get(error, "data"),
	    "usage"), "xlctl list"));
	json_object_put(error);

	run_cli(&r, "--json", "mem-set", "web1", "lots", NULL);
	cr_assert_eq(r.rc, 2);
	json_object_put(json_error(&r, "InvalidArgument"));
	run_cli(&r, "--json", "--timeout", "soon", "list", NULL);
	cr_assert_eq(r.rc, 2);
	json_object_put(json_error(&r, "InvalidArgument"));
	run_cli(&r, "--json", NULL);
	cr_assert_eq(r.rc, 2);
	json_object_put(json_error(&r, "InvalidArgument"));
	run_cli(&r, "--json", "frobnicate", NULL);
	cr_assert_eq(r.rc, 2);
	json_object_put(json_error(&r, "CommandNotFound"));

	run_cli(&r, "--json", "-c", "/nonexistent/xlcli.sock", "list", NULL);
	cr_assert_eq(r.rc, 3);
	error = json_error(&r, "ConnectionFailed");
	cr_assert_str_eq(xlctl_get_string(xlctl_get(error, "data"), "socket"),
	    "/nonexistent/xlcli.sock");
	cr_assert_str_eq(xlctl_get_string(xlctl_get(error, "data"), "cause"),
	    "Disconnected");
	json_object_put(error);

	run_cli(&r, "--json", "define", "/nonexistent/xlcli.cfg", NULL);
	cr_assert_eq(r.rc, 1);
	json_object_put(json_error(&r, "IOError"));

	fake_server_start(&server, script_error, NULL);
	run_cli(&r, "-c", server.path, "--json", "pause", "nope", NULL);
	cr_assert_eq(fake_server_finish(&server), 0);
	cr_assert_eq(r.rc, 1);
	error = json_error(&r, "DomainNotFound");
	cr_assert_str_eq(xlctl_get_string(error, "desc"), "no domain 'nope'");
	json_object_put(error);

	/* a followed job that fails: its error, and which job it was */
	fake_server_start(&server, script_save, "failed");
	run_cli(&r, "-c", server.path, "--json", "save", "web1", "/s", NULL);
	cr_assert_eq(fake_server_finish(&server), 0);
	cr_assert_eq(r.rc, 1);
	error = json_error(&r, "IOError");
	cr_assert_str_eq(xlctl_get_string(error, "desc"), "disk full");
	cr_assert_eq(xlctl_get_int(xlctl_get(error, "data"), "job", -1), 7);
	json_object_put(error);
}

Test(client_json, global_option_after_the_command_says_where_it_goes)
{
	struct run r;

	run_cli(&r, "list", "--json", NULL);
	cr_assert_eq(r.rc, 2);
	cr_assert_not_null(strstr(r.err, "xlctl --json list"), "%s", r.err);
}

/* ------------------------------------------------------------------------
 * The completion helper, without a daemon */

static void expect_completion(const char *want, ...)
{
	char *argv[16] = { "__complete" };
	int argc = 1;
	struct run r;
	va_list ap;

	va_start(ap, want);
	while ((argv[argc] = va_arg(ap, char *)) != NULL)
		argc++;
	va_end(ap);
	run_cli(&r, argv[0], argv[1], argv[2], argv[3], argv[4], argv[5],
	    argv[6], argv[7], NULL);
	cr_assert_eq(r.rc, 0);
	cr_assert_str_eq(r.out, want, "__complete %s ... %s", argv[1],
	    argv[argc - 1]);
	cr_assert_str_empty(r.err);
}

Test(client_complete, words_from_the_table)
{
	expect_completion("words\nsave\n", "sa", NULL);
	expect_completion("words\nmem-set\nmem-max\n", "-q", "mem", NULL);
	expect_completion("words\n--json\n", "--js", NULL);
	expect_completion("words\n--leave-running\n--leave-paused\n",
	    "save", "--leave", NULL);
	expect_completion("words\n--wait\n", "pause", "x", "--wa", NULL);
	expect_completion("files\n", "save", "web1", "", NULL);
	expect_completion("files\n", "-c", "", NULL);
	expect_completion("files\n", "--socket", "=", "", NULL);
	expect_completion("files\n", "define", "", NULL);
	expect_completion("hosts\n", "migrate", "web1", "", NULL);
	expect_completion("none\n", "mem-set", "web1", "", NULL);
	expect_completion("none\n", "frobnicate", "", NULL);
	expect_completion("none\n", "dominfo", "web1", "", NULL);
	expect_completion("words\nsched\n", "help", "sch", NULL);
	/* the daemon is away: domain names, none */
	expect_completion("words\n", "-c", "/nonexistent/xlcli.sock",
	    "dominfo", "", NULL);
}

/* ------------------------------------------------------------------------
 * The man page documents every command and each of its options */

static char *man_page(void)
{
	FILE *f = fopen(TOP_SRCDIR "/doc/xlctl.1", "re");
	char *text = NULL;
	size_t len = 0;

	cr_assert_not_null(f, "%s/doc/xlctl.1", TOP_SRCDIR);
	cr_assert_eq(getdelim(&text, &len, '\0', f) > 0, 1);
	fclose(f);
	return text;
}

/* The .TP paragraph whose tag names cmd: from its tag to the next
 * paragraph or section. */
static char *man_paragraph(const char *man, const char *name, size_t *len)
{
	const char *p = man;

	while ((p = strstr(p, ".TP\n")) != NULL) {
		const char *tag = p + 4, *word = tag;
		const char *end;

		p = tag;
		if (*word != '.')
			continue;
		word += strcspn(word, " ");
		word += strspn(word, " ");
		if (strncmp(word, name, strlen(name)) != 0 ||
		    (word[strlen(name)] != ' ' && word[strlen(name)] != '\n'))
			continue;
		for (end = tag; *end != '\0'; end++)
			if (end[0] == '\n' && end[1] == '.' &&
			    (strncmp(end + 1, ".TP", 3) == 0 ||
			    strncmp(end + 1, ".SS", 3) == 0 ||
			    strncmp(end + 1, ".SH", 3) == 0))
				break;
		*len = (size_t)(end - tag);
		return (char *)tag;
	}
	return NULL;
}

static void check_man(const struct xlctl_cmd *cmd, void *arg)
{
	const char *man = arg;
	size_t len;
	char *para = man_paragraph(man, cmd->name, &len), *copy, want[64];

	cr_expect_not_null(para, "doc/xlctl.1 has no paragraph for %s",
	    cmd->name);
	if (para == NULL)
		return;
	copy = strndup(para, len);
	for (const struct xlctl_flag *flag = cmd->flags;
	    flag != NULL && flag->name != NULL; flag++) {
		snprintf(want, sizeof want, "\\-\\-%s", flag->name);
		cr_expect_not_null(strstr(copy, want),
		    "doc/xlctl.1: %s does not document --%s", cmd->name,
		    flag->name);
	}
	free(copy);
}

Test(client_table, the_man_page_documents_every_option)
{
	char *man = man_page();

	each_command(check_man, man);
	cr_assert_not_null(strstr(man, "\\-\\-quiet"));
	cr_assert_not_null(strstr(man, "ConnectionFailed"));
	cr_assert_not_null(strstr(man, "\\-\\-help"));
	free(man);
}

Test(client_cli, pci_cpupool_vcpu_requests)
{
	struct xlctl_request req;
	char path[] = "/tmp/xlctl-cpupool-XXXXXX";
	const char *text = "# an xl CPU pool config\nname = \"batch\"\n"
	    "sched='credit2'\ncpus = [\"6\", \"7\"]\n";
	int fd = mkstemp(path);

	cr_assert(fd >= 0);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	cr_assert_eq(build(&req, "pci-attach", "web1", "0b:00.0", NULL), 0);
	expect(&req, "domain-pci-attach",
	    "{\"domain\":\"web1\",\"bdf\":\"0b:00.0\"}");
	cr_assert_eq(build(&req, "pci-attach", "web1",
	    "0000:0b:00.1,permissive=1,seize=1", NULL), 0);
	expect(&req, "domain-pci-attach", "{\"domain\":\"web1\","
	    "\"bdf\":\"0000:0b:00.1\",\"options\":\"permissive=1,seize=1\"}");
	cr_assert_eq(build(&req, "pci-detach", "web1", "0b:00.0", "-f", NULL),
	    0);
	expect(&req, "domain-pci-detach",
	    "{\"domain\":\"web1\",\"bdf\":\"0b:00.0\",\"force\":true}");
	cr_assert_eq(build(&req, "pci-list", "web1", NULL), 0);
	expect(&req, "domain-pci-list", "{\"domain\":\"web1\"}");
	cr_assert_eq(build(&req, "pci-assignable-list", NULL), 0);
	expect(&req, "pci-assignable-list", "{}");
	cr_assert_eq(build(&req, "pci-assignable-add", "-r", "0b:00.0", NULL),
	    0);
	expect(&req, "pci-assignable-add",
	    "{\"bdf\":\"0b:00.0\",\"rebind\":true}");
	cr_assert_eq(build(&req, "pci-assignable-remove", "0b:00.0", NULL), 0);
	expect(&req, "pci-assignable-remove", "{\"bdf\":\"0b:00.0\"}");
	cr_assert_eq(build(&req, "block-info", "web1", "xvda", NULL), 0);
	expect(&req, "domain-block-info",
	    "{\"domain\":\"web1\",\"device\":\"xvda\"}");

	cr_assert_eq(build(&req, "cpupool-list", NULL), 0);
	expect(&req, "cpupool-list", "{}");
	cr_assert_eq(build(&req, "cpupool-list", "batch", NULL), 0);
	expect(&req, "cpupool-list", "{\"pool\":\"batch\"}");
	cr_assert_eq(build(&req, "cpupool-create", "-f", path, NULL), 0);
	expect(&req, "cpupool-create",
	    "{\"name\":\"batch\",\"sched\":\"credit2\",\"cpus\":\"6,7\"}");
	/* the command line's settings come after the file's */
	cr_assert_eq(build(&req, "cpupool-create", "-f", path, "cpus=4-5",
	    NULL), 0);
	expect(&req, "cpupool-create",
	    "{\"name\":\"batch\",\"sched\":\"credit2\",\"cpus\":\"4-5\"}");
	cr_assert_eq(build(&req, "cpupool-create", "name=p2", "cpus=3", NULL),
	    0);
	expect(&req, "cpupool-create", "{\"name\":\"p2\",\"cpus\":\"3\"}");
	cr_assert_neq(build(&req, "cpupool-create", "nodes=1", NULL), 0);
	cr_assert_neq(build(&req, "cpupool-create", "name", NULL), 0);
	cr_assert_neq(build(&req, "cpupool-create", "cpus=[\"1\"", NULL), 0);
	cr_assert_eq(build(&req, "cpupool-destroy", "batch", NULL), 0);
	expect(&req, "cpupool-destroy", "{\"pool\":\"batch\"}");
	cr_assert_eq(build(&req, "cpupool-cpu-add", "batch", "2-3", NULL), 0);
	expect(&req, "cpupool-cpu-add", "{\"pool\":\"batch\",\"cpus\":\"2-3\"}");
	cr_assert_eq(build(&req, "cpupool-cpu-remove", "0", "7", NULL), 0);
	expect(&req, "cpupool-cpu-remove", "{\"pool\":\"0\",\"cpus\":\"7\"}");
	cr_assert_eq(build(&req, "cpupool-migrate", "web1", "batch", NULL), 0);
	expect(&req, "cpupool-migrate",
	    "{\"domain\":\"web1\",\"pool\":\"batch\"}");
	cr_assert_eq(build(&req, "vcpu-list", "web1", NULL), 0);
	expect(&req, "domain-vcpu-list", "{\"domain\":\"web1\"}");
	unlink(path);
}
