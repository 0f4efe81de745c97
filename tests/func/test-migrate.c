/* Migration between two daemons on the simulator: two daemons with their
 * own run and state directories are two hosts, sharing one lockspace.
 * Whatever happens (abort on either side, a destroy, a cut connection
 * before or after the hand-over, kill -9 of either daemon), the guest
 * ends on exactly one host, running (or paused if it was), and nothing is
 * left behind on the other. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <criterion/criterion.h>

#include "tests/func/harness.h"

struct hosts {
	struct dut *a, *b;
	struct xlctl *ca, *cb;
	char *lockspace;
	int port_a, port_b;
};

static struct dut *host_start(const char *lockspace, int port,
    const char *max_incoming)
{
	char *listen = test_format("127.0.0.1:%d", port);
	struct dut *d = dut_start("--migrate-listen", listen, "--lockspace",
	    lockspace, "--migrate-max-incoming", max_incoming, NULL);

	free(listen);
	return d;
}

static void hosts_start_max(struct hosts *h, const char *max_incoming)
{
	char template[] = "/tmp/xenlightd-lockspace-XXXXXX";

	memset(h, 0, sizeof *h);
	cr_assert_not_null(mkdtemp(template));
	h->lockspace = strdup(template);
	h->port_a = free_tcp_port();
	h->port_b = free_tcp_port();
	h->a = host_start(h->lockspace, h->port_a, max_incoming);
	h->b = host_start(h->lockspace, h->port_b, max_incoming);
	h->ca = dut_connect(h->a);
	h->cb = dut_connect(h->b);
}

static void hosts_start(struct hosts *h)
{
	hosts_start_max(h, "4");
}

static void hosts_reconnect(struct hosts *h)
{
	if (h->ca != NULL)
		xlctl_close(h->ca);
	if (h->cb != NULL)
		xlctl_close(h->cb);
	h->ca = dut_connect(h->a);
	h->cb = dut_connect(h->b);
}

static void hosts_free(struct hosts *h)
{
	xlctl_close(h->ca);
	xlctl_close(h->cb);
	dut_free(h->a);
	dut_free(h->b);
	if (getenv("XENLIGHTD_TEST_KEEP") == NULL) {
		char *cmd = test_format("rm -rf '%s'", h->lockspace);

		(void)!system(cmd);
		free(cmd);
	}
	free(h->lockspace);
}

/* ------------------------------------------------------------------------
 * What a host has */

/* The guest's simulator entry on d (NULL: none), as a new reference. */
static json_object *sim_guest(struct dut *d, const char *name)
{
	json_object *info = sim_info(d), *dom = sim_domain(info, name);

	if (dom != NULL)
		json_object_get(dom);
	json_object_put(info);
	return dom;
}

static char *guest_digest(struct dut *d, const char *name)
{
	json_object *dom = sim_guest(d, name);
	char *digest;

	cr_assert_not_null(dom, "no domain %s on the host", name);
	digest = strdup(json_str(dom, "guest_state"));
	json_object_put(dom);
	return digest;
}

/* The daemon's state of name, or NULL when it does not know it. */
static char *daemon_state(struct xlctl *c, const char *name)
{
	struct xlctl_error err = { 0 };
	json_object *info = call(c, &err, "domain-info", "{\"domain\":\"%s\"}",
	    name);
	char *state;

	if (info == NULL) {
		cr_assert_str_eq(err.class_name, "DomainNotFound", "%s",
		    err.desc);
		xlctl_error_clear(&err);
		return NULL;
	}
	state = strdup(json_str(info, "state"));
	json_object_put(info);
	return state;
}

static bool is_running(const char *state)
{
	return state != NULL && (strcmp(state, "running") == 0 ||
	    strcmp(state, "blocked") == 0);
}

/* Jobs of c in state running or queued. */
static int active_jobs(struct xlctl *c)
{
	json_object *list = call_ok(c, "job-list", NULL);
	int n = 0;

	for (size_t i = 0; i < json_object_array_length(list); i++) {
		const char *state = json_str(json_object_array_get_idx(list, i),
		    "state");

		if (strcmp(state, "running") == 0 ||
		    strcmp(state, "queued") == 0 ||
		    strcmp(state, "aborting") == 0)
			n++;
	}
	json_object_put(list);
	return n;
}

/* The latest job of type on c (a new reference), or NULL. */
static json_object *last_job(struct xlctl *c, const char *type)
{
	json_object *list = call_ok(c, "job-list", NULL), *found = NULL;

	for (size_t i = 0; i < json_object_array_length(list); i++) {
		json_object *job = json_object_array_get_idx(list, i);

		if (strcmp(json_str(job, "type"), type) == 0)
			found = job;
	}
	if (found != NULL)
		json_object_get(found);
	json_object_put(list);
	return found;
}

/* Where is the guest: waits (up to timeout_ms) until no job runs on
 * either host and the guest exists on exactly one of them, in a settled
 * state; returns 'a' or 'b', or fails saying what is wrong. */
static char settled_on(struct hosts *h, const char *name, bool paused,
    int timeout_ms)
{
	char *why = NULL;

	for (int64_t deadline = now_ms() + timeout_ms;;) {
		json_object *ga = sim_guest(h->a, name);
		json_object *gb = sim_guest(h->b, name);
		char *sa = daemon_state(h->ca, name);
		char *sb = daemon_state(h->cb, name);
		const char *want = paused ? "paused" : "running";
		int jobs = active_jobs(h->ca) + active_jobs(h->cb);
		char where = 0;

		free(why);
		why = test_format("a: sim %s daemon %s; b: sim %s daemon %s; "
		    "%d active jobs", ga ? json_str(ga, "state") : "-",
		    sa ? sa : "-", gb ? json_str(gb, "state") : "-",
		    sb ? sb : "-", jobs);
		if (jobs == 0 && (ga == NULL) != (gb == NULL)) {
			json_object *g = ga != NULL ? ga : gb;
			const char *s = ga != NULL ? sa : sb;
			const char *other = ga != NULL ? sb : sa;
			bool ok = paused ? s != NULL && strcmp(s, want) == 0 :
			    is_running(s);

			if (ok && (other == NULL || strcmp(other, "shutoff") ==
			    0) && strcmp(json_str(g, "state"), paused ?
			    "paused" : "running") == 0)
				where = ga != NULL ? 'a' : 'b';
		}
		json_object_put(ga);
		json_object_put(gb);
		free(sa);
		free(sb);
		if (where != 0) {
			free(why);
			return where;
		}
		cr_assert_lt(now_ms(), deadline, "the guest %s did not settle "
		    "on one host: %s", name, why);
		usleep(50000);
	}
}

static json_object *prepare(struct xlctl *c, int64_t expires_ms)
{
	if (expires_ms > 0)
		return call_ok(c, "migration-prepare", "{\"expires_ms\":%lld}",
		    (long long)expires_ms);
	return call_ok(c, "migration-prepare", NULL);
}

/* domain-migrate of name from src to the destination that answered t,
 * detached: the job id on the source.  port overrides t's port (>0). */
static int64_t migrate_start(struct xlctl *src, const char *name,
    json_object *t, int port, bool live)
{
	return call_detached(src, "domain-migrate", "{\"domain\":\"%s\","
	    "\"host\":\"%s\",\"port\":%d,\"token\":\"%s\",\"live\":%s}", name,
	    json_str(t, "host"), port > 0 ? port : (int)json_int(t, "port"),
	    json_str(t, "token"), live ? "true" : "false");
}

/* Migrates name from src to dst (the hosts' clients) and returns the
 * source job when it has finished. */
static json_object *migrate(struct xlctl *src, struct xlctl *dst,
    const char *name)
{
	json_object *t = prepare(dst, 0);
	int64_t job = migrate_start(src, name, t, 0, true);

	json_object_put(t);
	return wait_job(src, job, 60000);
}

static void wait_progress(struct xlctl *c, int64_t job)
{
	for (int64_t deadline = now_ms() + 20000;;) {
		json_object *info = job_info(c, job), *p;
		bool moving = json_object_object_get_ex(info, "progress", &p) &&
		    p != NULL && json_int(p, "current") > 0;
		bool over = strcmp(json_str(info, "state"), "running") != 0;

		json_object_put(info);
		cr_assert_not(over, "job %lld ended before it made progress",
		    (long long)job);
		if (moving)
			return;
		cr_assert_lt(now_ms(), deadline, "no progress");
		usleep(20000);
	}
}

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
 * A cut connection: a relay between the hosts that cuts both ways when
 * the source says "go", before passing it on or just after */

#define GO_LINE "{\"handover\":\"go\"}"

struct relay {
	int listen_fd;
	int port, to_port;
	bool pass_go;
	bool cut;
	pthread_t thread;
};

static int relay_connect(int port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
		.sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sin, sizeof sin) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static bool relay_write(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n <= 0)
			return false;
		buf += n;
		len -= (size_t)n;
	}
	return true;
}

static void *relay_run(void *arg)
{
	struct relay *r = arg;
	int src = accept(r->listen_fd, NULL, NULL);
	int dst = src >= 0 ? relay_connect(r->to_port) : -1;
	static char buf[256 * 1024];
	char tail[64] = "";

	while (src >= 0 && dst >= 0) {
		struct pollfd p[2] = { { src, POLLIN, 0 }, { dst, POLLIN, 0 } };

		if (poll(p, 2, -1) <= 0)
			break;
		if (p[0].revents) {
			ssize_t n = recv(src, buf, sizeof buf, 0);
			char *window;
			bool go;

			if (n <= 0)
				break;
			/* the line may straddle two reads */
			window = test_format("%s%.*s", tail,
			    (int)(n < 64 ? n : 64), buf);
			go = strstr(window, GO_LINE) != NULL ||
			    memmem(buf, (size_t)n, GO_LINE,
			    strlen(GO_LINE)) != NULL;
			free(window);
			if (go && !r->pass_go) {
				r->cut = true;
				break;
			}
			if (!relay_write(dst, buf, (size_t)n))
				break;
			if (go) {
				r->cut = true;
				break;
			}
			if (n >= 32) {
				memcpy(tail, buf + n - 32, 32);
				tail[32] = '\0';
			}
		}
		if (p[1].revents) {
			ssize_t n = recv(dst, buf, sizeof buf, 0);

			if (n <= 0 || !relay_write(src, buf, (size_t)n))
				break;
		}
	}
	if (src >= 0)
		close(src);
	if (dst >= 0)
		close(dst);
	return NULL;
}

static void relay_start(struct relay *r, int to_port, bool pass_go)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof sin;

	memset(r, 0, sizeof *r);
	r->to_port = to_port;
	r->pass_go = pass_go;
	r->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(bind(r->listen_fd, (struct sockaddr *)&sin, sizeof sin),
	    0);
	cr_assert_eq(listen(r->listen_fd, 1), 0);
	getsockname(r->listen_fd, (struct sockaddr *)&sin, &len);
	r->port = ntohs(sin.sin_port);
	cr_assert_eq(pthread_create(&r->thread, NULL, relay_run, r), 0);
}

static void relay_join(struct relay *r)
{
	pthread_join(r->thread, NULL);
	close(r->listen_fd);
}

static void cut_at_go(bool pass_go, char expect)
{
	struct hosts h;
	struct relay r;
	json_object *t, *job;
	char *before, *after;

	hosts_start(&h);
	json_object_put(create_domain(h.ca, "c", 64));
	before = guest_digest(h.a, "c");
	relay_start(&r, h.port_b, pass_go);
	t = prepare(h.cb, 0);
	job = wait_job(h.ca, migrate_start(h.ca, "c", t, r.port, true),
	    60000);
	json_object_put(t);
	relay_join(&r);
	cr_assert(r.cut, "the relay never saw go");
	/* the job fails, and says where the guest is */
	cr_assert_str_eq(json_str(job, "state"), "failed", "%s",
	    json_object_to_json_string(job));
	cr_assert_not_null(strstr(json_str(json_get(job, "error"), "desc"),
	    expect == 'a' ? "keeps the guest" : "holds the leases"), "%s",
	    json_object_to_json_string(job));
	json_object_put(job);
	cr_assert_eq(settled_on(&h, "c", false, 30000), expect);
	after = guest_digest(expect == 'a' ? h.a : h.b, "c");
	cr_assert_str_eq(before, after);
	free(before);
	free(after);
	hosts_free(&h);
}

Test(migrate, connection_cut_as_go_is_sent, .timeout = 120)
{
	/* the destination never hears go: the source takes the leases
	 * back and resumes */
	cut_at_go(false, 'a');
}

Test(migrate, connection_cut_after_go, .timeout = 120)
{
	/* the destination heard go and took the leases: the source's copy
	 * goes */
	cut_at_go(true, 'b');
}

/* ------------------------------------------------------------------------
 * kill -9 of either daemon at a random point; the restarted daemon settles
 * its half.  XENLIGHTD_MIGRATE_KILLS iterations (default 50), seeded by
 * XENLIGHTD_MIGRATE_SEED (default: the time), printed. */

static void kill_at_random(bool kill_source)
{
	const char *env = getenv("XENLIGHTD_MIGRATE_KILLS");
	const char *seed_env = getenv("XENLIGHTD_MIGRATE_SEED");
	int iterations = env != NULL ? atoi(env) : 50;
	unsigned seed = seed_env != NULL ? (unsigned)strtoul(seed_env, NULL,
	    10) : (unsigned)time(NULL) ^ (unsigned)getpid();
	unsigned rng = seed;
	int moved = 0, stayed = 0;
	struct hosts h;
	char where = 'a';
	char *before;
	json_object *job;
	int64_t duration_ms, delay_ms;

	fprintf(stderr, "kill -9 of the %s: %d iterations, "
	    "XENLIGHTD_MIGRATE_SEED=%u\n", kill_source ? "source" :
	    "destination", iterations, seed);
	hosts_start(&h);
	json_object_put(create_domain(h.ca, "k", 64));
	before = guest_digest(h.a, "k");
	/* one whole migration first: how long one takes here, now */
	sim_ok(h.a, "sim-set", "{\"migrate_mib_s\":128}");
	job = migrate(h.ca, h.cb, "k");
	cr_assert_str_eq(json_str(job, "state"), "completed");
	duration_ms = json_int(json_get(job, "result"), "duration_ms");
	json_object_put(job);
	where = settled_on(&h, "k", false, 30000);
	cr_assert_eq(where, 'b');
	for (int i = 0; i < iterations; i++) {
		struct dut *src = where == 'a' ? h.a : h.b;
		struct dut *dst = where == 'a' ? h.b : h.a;
		struct xlctl *csrc = where == 'a' ? h.ca : h.cb;
		struct xlctl *cdst = where == 'a' ? h.cb : h.ca;
		struct dut *victim = kill_source ? src : dst;
		json_object *t;
		char now, *after;

		/* 64 MiB at 128 MiB/s: half a second of stream, then the
		 * hand-over.  Half of the kills fall anywhere, half around
		 * the end, where the hand-over is */
		sim_ok(src, "sim-set", "{\"migrate_mib_s\":128}");
		t = prepare(cdst, 0);
		migrate_start(csrc, "k", t, 0, true);
		json_object_put(t);
		delay_ms = i % 2 == 0 ?
		    rand_r(&rng) % (duration_ms * 13 / 10 + 1) :
		    duration_ms * 8 / 10 + rand_r(&rng) %
		    (duration_ms * 4 / 10 + 1);
		usleep((useconds_t)delay_ms * 1000);
		dut_kill(victim);
		dut_restart(victim);
		hosts_reconnect(&h);
		now = settled_on(&h, "k", false, 60000);
		after = guest_digest(now == 'a' ? h.a : h.b, "k");
		cr_assert_str_eq(before, after, "seed %u iteration %d", seed, i);
		free(after);
		if (now == where)
			stayed++;
		else
			moved++;
		where = now;
	}
	fprintf(stderr, "kill -9 of the %s: %d iterations: %d moved, %d "
	    "stayed (seed %u)\n", kill_source ? "source" : "destination",
	    iterations, moved, stayed, seed);
	free(before);
	hosts_free(&h);
}

Test(migrate, kill_9_of_the_source_at_random_points, .timeout = 600)
{
	kill_at_random(true);
}

Test(migrate, kill_9_of_the_destination_at_random_points, .timeout = 600)
{
	kill_at_random(false);
}
