/* Migration between two daemons on the simulator when the connection is
 * cut at the hand-over, and when either daemon is killed (kill -9) at a
 * random point: the guest ends on exactly one host, as it was, and the
 * job's error says which. */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <criterion/criterion.h>

#include "tests/func/migrate-hosts.h"

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

/* The job fails and its error says where the guest is; the guest is
 * there.  Cut before go passed, the destination never had it; cut after,
 * whoever takes the leases first keeps it. */
static void cut_at_go(bool pass_go)
{
	struct hosts h;
	struct relay r;
	json_object *t, *job;
	const char *desc;
	char *before, *after, expect;

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
	cr_assert_str_eq(json_str(job, "state"), "failed", "%s",
	    json_object_to_json_string(job));
	desc = json_str(json_get(job, "error"), "desc");
	if (strstr(desc, "keeps the guest") != NULL &&
	    strstr(desc, "took the leases back") != NULL)
		expect = 'a';
	else if (strstr(desc, "holds the leases") != NULL)
		expect = 'b';
	else
		cr_assert_fail("the error does not say where the guest is: %s",
		    desc);
	if (!pass_go)
		cr_assert_eq(expect, 'a', "%s", desc);
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
	cut_at_go(false);
}

Test(migrate, connection_cut_after_go, .timeout = 120)
{
	/* the destination heard go: the leases decide */
	cut_at_go(true);
}

/* ------------------------------------------------------------------------
 * kill -9 of either daemon at a random point; the restarted daemon settles
 * its half.  XENLIGHTD_MIGRATE_KILLS iterations (default 50, 4 under a
 * wrapper), seeded by
 * XENLIGHTD_MIGRATE_SEED (default: the time), printed. */

static void kill_at_random(bool kill_source)
{
	const char *env = getenv("XENLIGHTD_MIGRATE_KILLS");
	const char *seed_env = getenv("XENLIGHTD_MIGRATE_SEED");
	/* under valgrind a few, for its checks of the recovery paths */
	int iterations = env != NULL ? atoi(env) :
	    getenv("XENLIGHTD_TEST_WRAPPER") != NULL ? 4 : 50;
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
