/* Clients that cost others, and what they may not see or touch: the
 * sockets' separate pools, a line that never ends, a linger that cannot be
 * stretched, running out of fds, clients that leave with requests parked,
 * bounded subscription filters, secrets on the read-only socket, Domain-0,
 * and user paths that could block the loop. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <criterion/criterion.h>

#include "tests/func/harness.h"

static bool has(json_object *msg, const char *key)
{
	return msg != NULL && json_object_object_get_ex(msg, key, NULL);
}

static const char *error_class(json_object *msg)
{
	return json_str(json_get(msg, "error"), "class");
}

static const char *error_desc(json_object *msg)
{
	return json_str(json_get(msg, "error"), "desc");
}

/* Reads lines until end of file; true if it came within timeout_ms. */
static bool reaches_eof(int fd, int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;
	char buf[4096];

	while (now_ms() < deadline) {
		struct pollfd p = { fd, POLLIN, 0 };
		ssize_t n;

		if (poll(&p, 1, 100) <= 0)
			continue;
		n = read(fd, buf, sizeof buf);
		if (n == 0 || (n < 0 && errno == ECONNRESET))
			return true;
	}
	return false;
}

/* A client of the read-only socket as another user: the child reports
 * 'g' (greeted), 'r' (refused) or '?' on the pipe, then stays. */
static pid_t connect_as(uid_t uid, const char *path, int *result_pipe)
{
	int p[2];
	pid_t pid;

	cr_assert_eq(pipe(p), 0);
	pid = fork();
	cr_assert_neq(pid, -1);
	if (pid == 0) {
		struct sockaddr_un sun = { .sun_family = AF_UNIX };
		char buf[512], verdict = '?';
		ssize_t n;
		int fd;

		close(p[0]);
		snprintf(sun.sun_path, sizeof sun.sun_path, "%s", path);
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		if (setgid(uid) == 0 && setuid(uid) == 0 &&
		    connect(fd, (struct sockaddr *)&sun, sizeof sun) == 0 &&
		    (n = read(fd, buf, sizeof buf - 1)) > 0) {
			buf[n] = '\0';
			verdict = strstr(buf, "\"greeting\"") ? 'g' :
			    strstr(buf, "\"error\"") ? 'r' : '?';
		}
		(void)!write(p[1], &verdict, 1);
		/* stays connected until killed */
		pause();
		_exit(0);
	}
	close(p[1]);
	*result_pipe = p[0];
	return pid;
}

static char verdict_of(int pipe_fd)
{
	char v = 0;

	cr_assert_eq(read(pipe_fd, &v, 1), 1);
	close(pipe_fd);
	return v;
}

Test(limits, read_only_clients_cannot_take_the_full_sockets_room,
    .timeout = 120)
{
	struct dut *d = dut_start("--max-clients", "2", "--max-ro-clients", "3",
	    NULL);
	int ro[4];
	json_object *msg;
	struct xlctl *a, *b;

	for (int i = 0; i < 3; i++) {
		ro[i] = raw_connect(d->ro_socket);
		msg = raw_read(ro[i], 10000);
		cr_assert(has(msg, "greeting"));
		json_object_put(msg);
	}
	ro[3] = raw_connect(d->ro_socket);
	msg = raw_read(ro[3], 10000);
	cr_assert_str_eq(error_class(msg), "ResourceLimit");
	json_object_put(msg);
	/* root still gets in, twice */
	a = dut_connect(d);
	b = dut_connect(d);
	json_object_put(call_ok(a, "version", NULL));
	json_object_put(call_ok(b, "version", NULL));
	for (int i = 0; i < 4; i++)
		close(ro[i]);
	xlctl_close(a);
	xlctl_close(b);
	dut_stop(d);
	dut_free(d);
}

Test(limits, one_user_cannot_take_the_read_only_socket, .timeout = 120)
{
	struct dut *d = dut_start("--max-ro-clients-per-uid", "2", NULL);
	struct passwd *nobody = getpwnam("nobody");
	pid_t pids[3];
	int pipes[3];
	char verdicts[3];
	struct xlctl *ro;

	cr_assert_not_null(nobody);
	/* the test directory is private: let nobody reach the socket */
	cr_assert_eq(chmod(d->dir, 0755), 0);
	cr_assert_eq(chmod(d->rundir, 0755), 0);
	for (int i = 0; i < 3; i++) {
		pids[i] = connect_as(nobody->pw_uid, d->ro_socket, &pipes[i]);
		verdicts[i] = verdict_of(pipes[i]);
	}
	cr_assert_eq(verdicts[0], 'g');
	cr_assert_eq(verdicts[1], 'g');
	cr_assert_eq(verdicts[2], 'r', "the third of one uid is refused");
	/* root is not counted against it */
	ro = dut_connect_ro(d);
	json_object_put(call_ok(ro, "version", NULL));
	xlctl_close(ro);
	for (int i = 0; i < 3; i++) {
		kill(pids[i], SIGKILL);
		waitpid(pids[i], NULL, 0);
	}
	dut_stop(d);
	dut_free(d);
}

Test(limits, a_line_begun_must_end, .timeout = 120)
{
	struct dut *d = dut_start("--client-timeout", "300", NULL);
	int fd = raw_connect(d->ro_socket);
	json_object *msg = raw_read(fd, 10000);	/* greeting */
	const char *half = "{\"execute\":\"ver";
	struct xlctl *c;

	json_object_put(msg);
	raw_send(fd, half, strlen(half));
	msg = raw_read(fd, 10000);
	cr_assert_not_null(msg);
	cr_assert_str_eq(error_class(msg), "InvalidMessage");
	cr_assert(strstr(error_desc(msg), "not completed") != NULL, "%s",
	    error_desc(msg));
	json_object_put(msg);
	cr_assert(reaches_eof(fd, 10000));
	close(fd);

	/* trickling does not push the deadline away: it runs from the
	 * line's first byte */
	fd = raw_connect(d->ro_socket);
	json_object_put(raw_read(fd, 10000));
	{
		bool closed = false;

		for (int i = 0; i < 200 && !closed; i++) {
			struct pollfd p = { fd, POLLIN, 0 };

			if (send(fd, "x", 1, MSG_NOSIGNAL) < 0)
				closed = true;
			else if (poll(&p, 1, 100) == 1 && reaches_eof(fd, 100))
				closed = true;
		}
		cr_assert(closed, "a client trickling one byte every 100 ms "
		    "kept its connection for 20 s");
	}
	close(fd);
	/* complete lines sent slowly, each within the limit, are fine */
	c = dut_connect(d);
	json_object_put(call_ok(c, "version", NULL));
	xlctl_close(c);
	dut_stop(d);
	dut_free(d);
}

Test(limits, linger_after_a_refusal_cannot_be_stretched, .timeout = 120)
{
	struct dut *d = dut_start("--max-line", "1024", NULL);
	int fd = raw_connect(d->socket);
	char big[2048];
	json_object *msg;
	bool closed = false;

	json_object_put(raw_read(fd, 10000));
	memset(big, 'x', sizeof big);
	raw_send(fd, big, sizeof big);
	msg = raw_read(fd, 10000);
	cr_assert_str_eq(error_class(msg), "InvalidMessage");
	json_object_put(msg);
	/* the daemon swallows what still comes for 2 s in all: a byte every
	 * 100 ms must not keep the connection for 20 s */
	for (int i = 0; i < 200 && !closed; i++) {
		if (send(fd, "y", 1, MSG_NOSIGNAL) < 0)
			closed = true;
		else
			closed = reaches_eof(fd, 100);
	}
	cr_assert(closed);
	close(fd);
	dut_stop(d);
	dut_free(d);
}

static long process_cpu_ticks(pid_t pid)
{
	char path[64], buf[1024];
	unsigned long utime = 0, stime = 0;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	cr_assert_not_null(f);
	cr_assert_not_null(fgets(buf, sizeof buf, f));
	fclose(f);
	/* fields 14 and 15, after the ")" that ends the name */
	cr_assert_eq(sscanf(strrchr(buf, ')') + 2, "%*c %*d %*d %*d %*d %*d "
	    "%*u %*u %*u %*u %*u %lu %lu", &utime, &stime), 2);
	return (long)(utime + stime);
}

Test(limits, out_of_fds_refuses_clearly_and_does_not_spin, .timeout = 180)
{
	struct dut *d = dut_start(NULL);
	struct rlimit low;
	int fds[48], n = 0, refused = 0;
	long before, after;
	struct xlctl *c;

	/* the daemon's own limit, lowered under it */
	low.rlim_cur = low.rlim_max = (rlim_t)(process_fd_count(d->pid) + 8);
	cr_assert_eq(prlimit(d->pid, RLIMIT_NOFILE, &low, NULL), 0);
	for (int i = 0; i < 48; i++) {
		json_object *msg;

		fds[n++] = raw_connect(d->ro_socket);
		msg = raw_read(fds[n - 1], 10000);
		if (has(msg, "error")) {
			cr_assert_str_eq(error_class(msg), "ResourceLimit");
			refused++;
		}
		json_object_put(msg);
	}
	cr_assert_gt(refused, 0, "past its fd limit, clients hear why");
	/* with clients waiting in the backlog, the daemon rests instead of
	 * spinning on a readable listener: well under a second of CPU in
	 * two seconds */
	for (int i = 0; i < 8; i++)
		(void)raw_connect(d->ro_socket);
	before = process_cpu_ticks(d->pid);
	sleep(2);
	after = process_cpu_ticks(d->pid);
	cr_assert_lt(after - before, sysconf(_SC_CLK_TCK) / 2,
	    "%ld ticks of CPU in 2 s", after - before);
	/* once clients leave, it serves again */
	for (int i = 0; i < n; i++)
		close(fds[i]);
	low.rlim_cur = low.rlim_max = 4096;
	prlimit(d->pid, RLIMIT_NOFILE, &low, NULL);
	c = dut_connect(d);
	json_object_put(call_ok(c, "version", NULL));
	xlctl_close(c);
	dut_kill(d);
	dut_free(d);
}

Test(limits, a_client_that_leaves_frees_its_parked_requests, .timeout = 180)
{
	struct dut *d = dut_start("--max-inflight", "4", NULL);
	struct xlctl *c = dut_connect(d);
	int64_t job;
	int baseline, fd;
	char line[256];
	json_object *msg;

	json_object_put(create_domain(c, "slow", 256));
	sim_ok(d, "sim-set", "{\"save_mib_s\":1}");
	job = call_detached(c, "domain-save", "{\"domain\":\"slow\","
	    "\"file\":\"%s/slow.save\"}", d->dir);
	/* the save has its image open: its fds are counted from now */
	for (int64_t deadline = now_ms() + 20000;;) {
		msg = job_info(c, job);
		if (has(msg, "progress") &&
		    json_object_get_type(json_get(msg, "progress")) ==
		    json_type_object) {
			json_object_put(msg);
			break;
		}
		json_object_put(msg);
		cr_assert_lt(now_ms(), deadline);
		usleep(50000);
	}
	baseline = process_fd_count(d->pid);
	fd = raw_connect(d->socket);
	json_object_put(raw_read(fd, 10000));
	/* four job-waits park; the fifth line is not even read */
	for (int i = 0; i < 5; i++) {
		int n = snprintf(line, sizeof line, "{\"execute\":\"job-wait\","
		    "\"arguments\":{\"job\":%lld},\"id\":%d}\n",
		    (long long)job, i);

		raw_send(fd, line, (size_t)n);
	}
	usleep(300000);
	cr_assert_gt(process_fd_count(d->pid), baseline);
	close(fd);
	/* gone for good: noticed although the daemon was not reading it */
	for (int64_t deadline = now_ms() + 20000;;) {
		if (process_fd_count(d->pid) <= baseline)
			break;
		cr_assert_lt(now_ms(), deadline, "the daemon still holds the "
		    "connection of a client that left");
		usleep(50000);
	}
	/* the job went on */
	msg = job_info(c, job);
	cr_assert_str_eq(json_str(msg, "state"), "running");
	json_object_put(msg);
	call_ok(c, "job-abort", "{\"job\":%lld}", (long long)job);
	json_object_put(wait_job(c, job, 30000));
	xlctl_close(c);
	dut_stop(d);
	dut_free(d);
}

Test(limits, a_half_closed_client_still_gets_its_replies, .timeout = 120)
{
	struct dut *d = dut_start("--max-inflight", "1", NULL);
	struct xlctl *c = dut_connect(d);
	int64_t job;
	int fd;
	char line[512];
	json_object *msg;
	int n;

	json_object_put(create_domain(c, "g", 256));
	job = call_detached(c, "domain-pause", "{\"domain\":\"g\"}");
	json_object_put(wait_job(c, job, 30000));
	fd = raw_connect(d->socket);
	json_object_put(raw_read(fd, 10000));
	n = snprintf(line, sizeof line, "{\"execute\":\"domain-unpause\","
	    "\"arguments\":{\"domain\":\"g\"},\"id\":1}\n"
	    "{\"execute\":\"version\",\"id\":2}\n");
	raw_send(fd, line, (size_t)n);
	shutdown(fd, SHUT_WR);
	msg = raw_read(fd, 30000);
	cr_assert_eq(json_int(msg, "id"), 1);
	json_object_put(msg);
	msg = raw_read(fd, 30000);
	cr_assert_eq(json_int(msg, "id"), 2);
	json_object_put(msg);
	cr_assert(reaches_eof(fd, 10000));
	close(fd);
	xlctl_close(c);
	dut_stop(d);
	dut_free(d);
}

Test(limits, parked_requests_pin_bounded_memory, .timeout = 120)
{
	struct dut *d = dut_start("--max-inflight-bytes", "4096", NULL);
	struct xlctl *c = dut_connect(d);
	char id[3000], line[4096];
	json_object *msg;
	int64_t job;
	int fd, n;

	json_object_put(create_domain(c, "g", 256));
	sim_ok(d, "sim-set", "{\"save_mib_s\":1}");
	job = call_detached(c, "domain-save", "{\"domain\":\"g\","
	    "\"file\":\"%s/g.save\"}", d->dir);
	memset(id, 'i', sizeof id - 1);
	id[sizeof id - 1] = '\0';
	fd = raw_connect(d->socket);
	json_object_put(raw_read(fd, 10000));
	/* two job-waits with 3000-byte ids pass 4096 bytes: the version
	 * request after them waits until one of them is answered */
	for (int i = 0; i < 2; i++) {
		n = snprintf(line, sizeof line, "{\"execute\":\"job-wait\","
		    "\"arguments\":{\"job\":%lld,\"timeout_ms\":1500},"
		    "\"id\":\"%s%d\"}\n", (long long)job, id, i);
		raw_send(fd, line, (size_t)n);
	}
	raw_send(fd, "{\"execute\":\"version\",\"id\":\"v\"}\n", 32);
	msg = raw_read(fd, 30000);
	cr_assert(json_object_is_type(json_get(msg, "id"), json_type_string));
	cr_assert_str_neq(json_str(msg, "id"), "v",
	    "the version request ran past the bound");
	json_object_put(msg);
	/* then the version request and the other job-wait, in either order:
	 * once the first is answered the line is read while the second
	 * job-wait's timer may or may not have fired yet */
	for (int i = 0, seen_version = 0; i < 2; i++) {
		msg = raw_read(fd, 30000);
		cr_assert(json_object_is_type(json_get(msg, "id"),
		    json_type_string));
		seen_version += strcmp(json_str(msg, "id"), "v") == 0;
		json_object_put(msg);
		if (i == 1)
			cr_assert_eq(seen_version, 1, "no answer to version");
	}
	close(fd);
	call_ok(c, "job-abort", "{\"job\":%lld}", (long long)job);
	json_object_put(wait_job(c, job, 30000));
	xlctl_close(c);
	dut_stop(d);
	dut_free(d);
}

Test(limits, subscription_filters_are_bounded, .timeout = 120)
{
	struct dut *d = dut_start(NULL);
	struct xlctl *ro = dut_connect_ro(d);
	char pattern[300];

	memset(pattern, 'a', sizeof pattern - 1);
	pattern[sizeof pattern - 1] = '\0';
	call_fails(ro, "InvalidArgument", "subscribe", "{\"events\":[\"%s\"]}",
	    pattern);
	call_fails(ro, "InvalidArgument", "subscribe",
	    "{\"domains\":[\"*[ab]*?*[cd]*?*[ef]*\"]}");
	json_object_put(call_ok(ro, "subscribe",
	    "{\"events\":[\"DOMAIN_*\"],\"domains\":[\"web*\"]}"));
	xlctl_close(ro);
	dut_stop(d);
	dut_free(d);
}

Test(limits, secrets_are_not_for_the_read_only_socket, .timeout = 120)
{
	struct dut *d = dut_start(NULL);
	struct xlctl *c = dut_connect(d), *ro = dut_connect_ro(d);
	json_object *full, *seen;
	const char *config = "{\"c_info\":{\"type\":\"hvm\",\"name\":\"win\"},"
	    "\"b_info\":{\"max_memkb\":262144,\"target_memkb\":262144,"
	    "\"type.hvm\":{\"vnc\":{\"enable\":\"True\",\"passwd\":\"s3cret\"}}}}";

	json_object_put(call_ok(c, "domain-define", "{\"config\":%s}", config));
	full = call_ok(c, "domain-config", "{\"domain\":\"win\"}");
	seen = call_ok(ro, "domain-config", "{\"domain\":\"win\"}");
	cr_assert(strstr(json_object_to_json_string(full), "s3cret") != NULL);
	cr_assert(strstr(json_object_to_json_string(seen), "s3cret") == NULL);
	cr_assert(strstr(json_object_to_json_string(seen), "(redacted)") != NULL);
	json_object_put(full);
	json_object_put(seen);
	xlctl_close(ro);
	xlctl_close(c);
	dut_stop(d);
	dut_free(d);
}

Test(limits, domain_0_is_the_hosts, .timeout = 120)
{
	struct dut *d = dut_start(NULL);
	struct xlctl *c = dut_connect(d);
	json_object *info;

	call_fails(c, "OperationInvalid", "domain-define", "{\"xl_config\":"
	    "\"name=\\\"Domain-0\\\"\\nmemory=128\\nkernel=\\\"/k\\\"\\n\"}");
	call_fails(c, "OperationInvalid", "domain-undefine",
	    "{\"domain\":\"Domain-0\"}");
	call_fails(c, "OperationInvalid", "domain-start",
	    "{\"domain\":\"Domain-0\"}");
	call_fails(c, "OperationInvalid", "domain-save",
	    "{\"domain\":0,\"file\":\"%s/d0.save\"}", d->dir);
	call_fails(c, "OperationInvalid", "domain-destroy",
	    "{\"domain\":\"Domain-0\"}");
	call_fails(c, "OperationInvalid", "domain-autostart",
	    "{\"domain\":0,\"enable\":true}");
	info = call_ok(c, "domain-info", "{\"domain\":0}");
	cr_assert_not(json_flag(info, "persistent"));
	cr_assert_str_eq(json_str(info, "state"), "running");
	json_object_put(info);
	xlctl_close(c);
	dut_stop(d);
	dut_free(d);
}

/* A path that turns into a FIFO must not stop the loop: the image of a
 * managed save replaced by one, then started. */
Test(limits, a_fifo_in_place_of_an_image_blocks_nothing, .timeout = 180)
{
	struct dut *d = dut_start(NULL);
	struct xlctl *c = dut_connect(d), *q = dut_connect(d);
	json_object *info, *job;
	char *image;
	const char *uuid;

	json_object_put(call_ok(c, "domain-define", "{\"xl_config\":"
	    "\"name=\\\"m\\\"\\nmemory=128\\nkernel=\\\"/k\\\"\\n\"}"));
	json_object_put(call_ok(c, "domain-start", "{\"domain\":\"m\"}"));
	json_object_put(call_ok(c, "domain-managed-save", "{\"domain\":\"m\"}"));
	info = call_ok(c, "domain-info", "{\"domain\":\"m\"}");
	uuid = json_str(info, "uuid");
	cr_assert(asprintf(&image, "%s/save/%s.save", d->statedir, uuid) > 0);
	json_object_put(info);
	cr_assert_eq(unlink(image), 0);
	cr_assert_eq(mkfifo(image, 0600), 0);
	{
		struct xlctl_error err = { 0 };

		job = call(c, &err, "domain-start", "{\"domain\":\"m\"}");
		cr_assert_null(job, "a FIFO is not a save image");
		xlctl_error_clear(&err);
	}
	/* whatever the start did, the loop still answers */
	json_object_put(call_ok(q, "version", NULL));
	info = call_ok(q, "domain-info", "{\"domain\":\"m\"}");
	cr_assert_str_eq(json_str(info, "state"), "shutoff");
	json_object_put(info);
	free(image);
	xlctl_close(q);
	xlctl_close(c);
	dut_stop(d);
	dut_free(d);
}
