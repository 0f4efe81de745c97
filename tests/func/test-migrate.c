/* Migration between two daemons on the simulator (migrate-hosts.h): a
 * guest moves with its state, many at once; refusals create nothing; an
 * abort on either side, a destroy, a stream fault before the hand-over
 * leave the guest on the source as it was and nothing on the destination.
 * The hand-over cut and kill -9 are test-migrate-kill.c's. */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <criterion/criterion.h>

#include "tests/func/migrate-hosts.h"

/* ------------------------------------------------------------------------
 * The way it should go */

Test(migrate, running_guest_moves_with_its_state, .timeout = 120)
{
	struct hosts h;
	json_object *job, *result, *in;
	char *before, *after, *state;

	hosts_start(&h);
	json_object_put(create_domain(h.ca, "g", 64));
	before = guest_digest(h.a, "g");
	job = migrate(h.ca, h.cb, "g");
	cr_assert_str_eq(json_str(job, "state"), "completed", "%s",
	    json_object_to_json_string(job));
	result = json_get(job, "result");
	cr_assert_str_eq(json_str(result, "domain"), "g");
	cr_assert_str_eq(json_str(result, "host"), "127.0.0.1");
	cr_assert_gt(json_int(result, "bytes"), 64LL * 1024 * 1024);
	cr_assert_geq(json_int(result, "duration_ms"),
	    json_int(result, "downtime_ms"));
	json_object_put(job);
	cr_assert_eq(settled_on(&h, "g", false, 20000), 'b');
	after = guest_digest(h.b, "g");
	cr_assert_str_eq(before, after, "the guest's state changed");
	state = daemon_state(h.ca, "g");
	cr_assert_null(state, "the source still knows g as %s", state);
	in = last_job(h.cb, "domain-migrate-in");
	cr_assert_not_null(in);
	cr_assert_str_eq(json_str(in, "state"), "completed");
	json_object_put(in);
	/* and back: the leases moved with it */
	job = migrate(h.cb, h.ca, "g");
	cr_assert_str_eq(json_str(job, "state"), "completed", "%s",
	    json_object_to_json_string(job));
	json_object_put(job);
	cr_assert_eq(settled_on(&h, "g", false, 20000), 'a');
	free(after);
	after = guest_digest(h.a, "g");
	cr_assert_str_eq(before, after);
	free(before);
	free(after);
	hosts_free(&h);
}

Test(migrate, paused_guest_arrives_paused, .timeout = 120)
{
	struct hosts h;
	json_object *job;
	char *before, *after;

	hosts_start(&h);
	json_object_put(create_domain(h.ca, "p", 64));
	json_object_put(call_ok(h.ca, "domain-pause", "{\"domain\":\"p\"}"));
	before = guest_digest(h.a, "p");
	job = migrate(h.ca, h.cb, "p");
	cr_assert_str_eq(json_str(job, "state"), "completed", "%s",
	    json_object_to_json_string(job));
	json_object_put(job);
	cr_assert_eq(settled_on(&h, "p", true, 20000), 'b');
	after = guest_digest(h.b, "p");
	cr_assert_str_eq(before, after);
	free(before);
	free(after);
	hosts_free(&h);
}

Test(migrate, non_live_and_eight_at_once, .timeout = 180)
{
	struct hosts h;
	int64_t jobs[8];
	char name[16];

	hosts_start_max(&h, "8");
	for (int i = 0; i < 8; i++) {
		snprintf(name, sizeof name, "m%d", i);
		json_object_put(create_domain(h.ca, name, 32));
	}
	for (int i = 0; i < 8; i++) {
		json_object *t = prepare(h.cb, 0);

		snprintf(name, sizeof name, "m%d", i);
		jobs[i] = migrate_start(h.ca, name, t, 0, i % 2 == 0);
		json_object_put(t);
	}
	/* both daemons answer while the eight run */
	json_object_put(call_ok(h.ca, "domain-list", NULL));
	json_object_put(call_ok(h.cb, "domain-list", NULL));
	for (int i = 0; i < 8; i++) {
		json_object *job = wait_job(h.ca, jobs[i], 120000);

		cr_assert_str_eq(json_str(job, "state"), "completed", "%s",
		    json_object_to_json_string(job));
		json_object_put(job);
	}
	for (int i = 0; i < 8; i++) {
		snprintf(name, sizeof name, "m%d", i);
		cr_assert_eq(settled_on(&h, name, false, 20000), 'b');
	}
	hosts_free(&h);
}

/* ------------------------------------------------------------------------
 * Refusals: nothing is created */

static void assert_nothing_on(struct hosts *h, struct dut *d,
    struct xlctl *c, const char *name)
{
	json_object *g = sim_guest(d, name);
	char *state = daemon_state(c, name);

	cr_assert_null(g, "the simulator has %s", name);
	cr_assert_null(state, "the daemon knows %s", name);
	(void)h;
}

/* A raw connection to the migration port: sends text, returns the answer
 * line (or NULL at end of file). */
static json_object *raw_migration(int port, const char *text)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
		.sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	json_object *answer;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(connect(fd, (struct sockaddr *)&sin, sizeof sin), 0);
	if (text != NULL)
		raw_send(fd, text, strlen(text));
	answer = raw_read(fd, 15000);
	close(fd);
	return answer;
}

Test(migrate, bad_reused_expired_tokens_and_garbage_refused, .timeout = 120)
{
	struct hosts h;
	json_object *t, *job, *answer;
	const char *desc;
	char *header;
	int64_t start;

	hosts_start(&h);
	json_object_put(create_domain(h.ca, "r", 32));
	/* garbage */
	answer = raw_migration(h.port_b, "GET / HTTP/1.0\r\n\r\n");
	cr_assert_not_null(answer);
	cr_assert_not_null(json_get(answer, "error"));
	json_object_put(answer);
	/* a well-formed header with a token never handed out */
	header = test_format("{\"xenlightd-migration\":1,\"token\":"
	    "\"00112233445566778899aabbccddeeff\",\"name\":\"r\",\"uuid\":"
	    "\"6f0e5a3c-1111-2222-3333-444455556666\",\"config\":{},"
	    "\"memory_kib\":32768,\"paused\":false}\n");
	answer = raw_migration(h.port_b, header);
	cr_assert_not_null(answer);
	cr_assert_str_eq(json_str(json_get(answer, "error"), "class"),
	    "PermissionDenied");
	json_object_put(answer);
	free(header);
	/* silence: closed within the admission deadline */
	start = now_ms();
	answer = raw_migration(h.port_b, NULL);
	cr_assert_lt(now_ms() - start, 14000);
	json_object_put(answer);
	/* a bad token through the daemon */
	t = json_parse("{\"host\":\"127.0.0.1\",\"port\":%d,\"token\":"
	    "\"ffffffffffffffffffffffffffffffff\"}", h.port_b);
	job = wait_job(h.ca, migrate_start(h.ca, "r", t, 0, true), 30000);
	json_object_put(t);
	cr_assert_str_eq(json_str(job, "state"), "failed");
	cr_assert_str_eq(json_str(json_get(job, "error"), "class"),
	    "PermissionDenied", "%s", json_object_to_json_string(job));
	json_object_put(job);
	assert_nothing_on(&h, h.b, h.cb, "r");
	cr_assert_eq(settled_on(&h, "r", false, 10000), 'a');
	/* a used token */
	t = prepare(h.cb, 0);
	json_object_put(create_domain(h.ca, "r2", 32));
	job = wait_job(h.ca, migrate_start(h.ca, "r2", t, 0, true), 60000);
	cr_assert_str_eq(json_str(job, "state"), "completed");
	json_object_put(job);
	job = wait_job(h.ca, migrate_start(h.ca, "r", t, 0, true), 30000);
	json_object_put(t);
	cr_assert_str_eq(json_str(job, "state"), "failed");
	cr_assert_str_eq(json_str(json_get(job, "error"), "class"),
	    "PermissionDenied");
	json_object_put(job);
	assert_nothing_on(&h, h.b, h.cb, "r");
	/* an expired one */
	t = prepare(h.cb, 1000);
	usleep(1500 * 1000);
	job = wait_job(h.ca, migrate_start(h.ca, "r", t, 0, true), 30000);
	json_object_put(t);
	cr_assert_str_eq(json_str(json_get(job, "error"), "class"),
	    "PermissionDenied");
	json_object_put(job);
	assert_nothing_on(&h, h.b, h.cb, "r");
	/* a name that exists on the destination */
	json_object_put(create_domain(h.cb, "r", 32));
	t = prepare(h.cb, 0);
	job = wait_job(h.ca, migrate_start(h.ca, "r", t, 0, true), 30000);
	json_object_put(t);
	cr_assert_str_eq(json_str(json_get(job, "error"), "class"),
	    "DomainExists", "%s", json_object_to_json_string(job));
	json_object_put(job);
	desc = call_fails(h.ca, "InvalidArgument", "domain-migrate",
	    "{\"domain\":\"r\",\"host\":\"127.0.0.1\",\"port\":1,"
	    "\"token\":\"short\"}");
	cr_assert_not_null(desc);
	cr_assert(is_running(daemon_state(h.ca, "r")));
	hosts_free(&h);
}

/* ------------------------------------------------------------------------
 * Before the hand-over: the guest stays on the source */

/* A migration slow enough to be caught mid-stream: 256 MiB at 64 MiB/s */
static int64_t slow_migration(struct hosts *h, const char *name)
{
	json_object *t;
	int64_t job;

	sim_ok(h->a, "sim-set", "{\"migrate_mib_s\":64}");
	json_object_put(create_domain(h->ca, name, 256));
	t = prepare(h->cb, 0);
	job = migrate_start(h->ca, name, t, 0, true);
	json_object_put(t);
	wait_progress(h->ca, job);
	return job;
}

static int64_t incoming_job(struct xlctl *c)
{
	for (int64_t deadline = now_ms() + 10000;;) {
		json_object *in = last_job(c, "domain-migrate-in");

		if (in != NULL) {
			int64_t id = json_int(in, "id");

			json_object_put(in);
			return id;
		}
		cr_assert_lt(now_ms(), deadline, "no incoming job");
		usleep(20000);
	}
}

static void assert_stayed(struct hosts *h, const char *name,
    const char *before)
{
	char *after;

	cr_assert_eq(settled_on(h, name, false, 30000), 'a');
	after = guest_digest(h->a, name);
	cr_assert_str_eq(before, after);
	free(after);
}

Test(migrate, abort_from_the_source_keeps_the_guest, .timeout = 120)
{
	struct hosts h;
	json_object *job;
	int64_t id;
	char *before;

	hosts_start(&h);
	id = slow_migration(&h, "s");
	before = guest_digest(h.a, "s");
	json_object_put(call_ok(h.ca, "job-abort", "{\"job\":%lld}",
	    (long long)id));
	job = wait_job(h.ca, id, 30000);
	cr_assert_str_eq(json_str(job, "state"), "aborted", "%s",
	    json_object_to_json_string(job));
	json_object_put(job);
	assert_stayed(&h, "s", before);
	free(before);
	hosts_free(&h);
}

Test(migrate, abort_from_the_destination_keeps_the_guest, .timeout = 120)
{
	struct hosts h;
	json_object *job;
	int64_t id, in;
	char *before;

	hosts_start(&h);
	id = slow_migration(&h, "d");
	before = guest_digest(h.a, "d");
	in = incoming_job(h.cb);
	json_object_put(call_ok(h.cb, "job-abort", "{\"job\":%lld}",
	    (long long)in));
	job = wait_job(h.ca, id, 30000);
	cr_assert_str_eq(json_str(job, "state"), "failed", "%s",
	    json_object_to_json_string(job));
	json_object_put(job);
	job = wait_job(h.cb, in, 30000);
	cr_assert_str_eq(json_str(job, "state"), "aborted", "%s",
	    json_object_to_json_string(job));
	json_object_put(job);
	assert_stayed(&h, "d", before);
	free(before);
	hosts_free(&h);
}

Test(migrate, destroy_of_the_source_during_migration, .timeout = 120)
{
	struct hosts h;
	json_object *job;
	int64_t id;

	hosts_start(&h);
	id = slow_migration(&h, "x");
	json_object_put(call_ok(h.ca, "domain-destroy", "{\"domain\":\"x\"}"));
	job = wait_job(h.ca, id, 30000);
	cr_assert_str_eq(json_str(job, "state"), "aborted", "%s",
	    json_object_to_json_string(job));
	json_object_put(job);
	for (int64_t deadline = now_ms() + 20000; active_jobs(h.cb) > 0;) {
		cr_assert_lt(now_ms(), deadline);
		usleep(50000);
	}
	assert_nothing_on(&h, h.a, h.ca, "x");
	assert_nothing_on(&h, h.b, h.cb, "x");
	hosts_free(&h);
}

Test(migrate, stream_faults_on_either_end_keep_the_guest, .timeout = 120)
{
	static const char *const faults[][2] = {
		{ "a", "io-error" }, { "b", "io-error" }, { "a", "fail" },
		{ "b", "fail" }, { "b", "helper-crash" },
	};
	struct hosts h;
	char *before;

	hosts_start(&h);
	json_object_put(create_domain(h.ca, "f", 64));
	before = guest_digest(h.a, "f");
	for (size_t i = 0; i < sizeof faults / sizeof faults[0]; i++) {
		json_object *job;

		sim_ok(faults[i][0][0] == 'a' ? h.a : h.b, "sim-fault",
		    "{\"op\":\"migrate\",\"kind\":\"%s\",\"after_bytes\":"
		    "1048576,\"once\":true}", faults[i][1]);
		job = migrate(h.ca, h.cb, "f");
		cr_assert_str_eq(json_str(job, "state"), "failed",
		    "fault %s on %s: %s", faults[i][1], faults[i][0],
		    json_object_to_json_string(job));
		json_object_put(job);
		assert_stayed(&h, "f", before);
		assert_nothing_on(&h, h.b, h.cb, "f");
	}
	free(before);
	hosts_free(&h);
}

Test(migrate, queries_answered_on_both_hosts_throughout, .timeout = 120)
{
	struct hosts h;
	struct xlctl *ra, *rb;
	int64_t id;
	int rounds = 0;

	hosts_start(&h);
	ra = dut_connect_ro(h.a);
	rb = dut_connect_ro(h.b);
	id = slow_migration(&h, "q");
	for (;;) {
		json_object *job = job_info(h.ca, id);
		bool over = strcmp(json_str(job, "state"), "running") != 0;

		json_object_put(job);
		json_object_put(call_ok(ra, "domain-list", NULL));
		json_object_put(call_ok(rb, "domain-list", NULL));
		json_object_put(call_ok(rb, "job-list", NULL));
		rounds++;
		if (over)
			break;
		usleep(50000);
	}
	cr_assert_gt(rounds, 3);
	cr_assert_eq(settled_on(&h, "q", false, 20000), 'b');
	xlctl_close(ra);
	xlctl_close(rb);
	hosts_free(&h);
}

/* ------------------------------------------------------------------------
 * xlctl migrate, with the destination reached through its socket */

Test(migrate, xlctl_migrate_with_dest_socket, .timeout = 120)
{
	struct hosts h;
	char *cmd, line[512] = "";
	FILE *out;
	int status;
	const char *dir = getenv("XENLIGHTD_BUILDDIR");

	hosts_start(&h);
	json_object_put(create_domain(h.ca, "x1", 32));
	cmd = test_format("%s/client/xlctl -c %s migrate x1 somewhere "
	    "--dest-socket %s 2>&1", dir != NULL ? dir : ".", h.a->socket,
	    h.b->socket);
	out = popen(cmd, "r");
	cr_assert_not_null(out);
	while (fgets(line, sizeof line, out) != NULL &&
	    strstr(line, "migrated") == NULL)
		;
	status = pclose(out);
	cr_assert_eq(status, 0, "%s: %s", cmd, line);
	cr_assert_not_null(strstr(line, "Domain x1 migrated to 127.0.0.1"),
	    "%s", line);
	cr_assert_eq(settled_on(&h, "x1", false, 20000), 'b');
	free(cmd);
	hosts_free(&h);
}

/* --detach: the job id comes back at once, the migration goes on */
Test(migrate, xlctl_migrate_detached, .timeout = 120)
{
	struct hosts h;
	char *cmd, line[512] = "";
	FILE *out;
	long long job = -1;
	json_object *ended;
	const char *dir = getenv("XENLIGHTD_BUILDDIR");

	hosts_start(&h);
	json_object_put(create_domain(h.ca, "x2", 32));
	cmd = test_format("%s/client/xlctl -c %s --json migrate --detach x2 "
	    "somewhere --dest-socket %s", dir != NULL ? dir : ".",
	    h.a->socket, h.b->socket);
	out = popen(cmd, "r");
	cr_assert_not_null(out);
	if (fgets(line, sizeof line, out) != NULL)
		sscanf(line, "{ \"job\": %lld", &job);
	cr_assert_eq(pclose(out), 0, "%s: %s", cmd, line);
	cr_assert_gt(job, 0, "no job id in '%s'", line);
	ended = wait_job(h.ca, job, 60000);
	cr_assert_str_eq(json_object_get_string(json_object_object_get(ended,
	    "state")), "completed", "%s", json_object_to_json_string(ended));
	json_object_put(ended);
	cr_assert_eq(settled_on(&h, "x2", false, 20000), 'b');
	free(cmd);
	hosts_free(&h);
}
