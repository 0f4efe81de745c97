#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <criterion/criterion.h>

#include "tests/func/harness.h"

/* The daemon's own start can be slow under valgrind */
#define START_TIMEOUT_MS 60000

int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

char *test_format(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		abort();
	va_end(ap);
	return s;
}

static const char *builddir(void)
{
	const char *dir = getenv("XENLIGHTD_BUILDDIR");

	return dir != NULL ? dir : ".";
}

static void dut_spawn(struct dut *d)
{
	char *daemon = test_format("%s/daemon/xenlightd", builddir());
	char *simlib = test_format("%s/sim/.libs/libxenlight-sim.so", builddir());
	const char *wrapper = getenv("XENLIGHTD_TEST_WRAPPER");
	char *argv[64];
	int argc = 0;
	pid_t pid;

	/* valgrind and the like go in front of the daemon */
	if (wrapper != NULL && *wrapper != '\0') {
		char *copy = strdup(wrapper), *word, *save = NULL;

		for (word = strtok_r(copy, " ", &save); word != NULL;
		    word = strtok_r(NULL, " ", &save))
			argv[argc++] = word;
	}
	argv[argc++] = daemon;
	argv[argc++] = "--foreground";
	argv[argc++] = "--sim";
	argv[argc++] = "--no-config";	/* never the machine's /etc file */
	argv[argc++] = "--rundir";
	argv[argc++] = d->rundir;
	argv[argc++] = "--statedir";
	argv[argc++] = d->statedir;
	argv[argc++] = "--log-file";
	argv[argc++] = d->log;
	argv[argc++] = "--log-level";
	argv[argc++] = "debug";
	for (int i = 0; i < d->nextra; i++)
		argv[argc++] = d->extra[i];
	argv[argc] = NULL;

	pid = fork();
	cr_assert_neq(pid, -1, "fork: %s", strerror(errno));
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		/* a test that dies (timeout, crash) takes its daemon along */
		prctl(PR_SET_PDEATHSIG, SIGKILL);

		dup2(null, 0);
		/* stderr stays: a crash message belongs in the test output */
		/* Under a wrapper the --sim re-exec would lose it, so preload
		 * the simulator here; otherwise --sim does it itself. */
		if (wrapper != NULL && *wrapper != '\0') {
			setenv("LD_PRELOAD", simlib, 1);
			setenv("XENLIGHTD_SIM_RUNDIR", d->rundir, 1);
		}
		execvp(argv[0], argv);	/* the wrapper is found on PATH */
		_exit(127);
	}
	d->pid = pid;
	free(daemon);
	free(simlib);

	/* serving once a client gets the greeting */
	for (int64_t deadline = now_ms() + START_TIMEOUT_MS;;) {
		struct xlctl_error err = { 0 };
		struct xlctl *c = xlctl_connect_timeout(d->socket, 5000, &err);
		int status;

		if (c != NULL) {
			xlctl_close(c);
			break;
		}
		xlctl_error_clear(&err);
		if (waitpid(d->pid, &status, WNOHANG) == d->pid) {
			d->pid = 0;
			cr_assert_fail("xenlightd exited at start-up (status %d); "
			    "log: %s", status, d->log);
		}
		cr_assert_lt(now_ms(), deadline, "xenlightd did not start");
		usleep(20000);
	}
}

static struct dut *dut_new_v(const char *first_option, va_list ap)
{
	struct dut *d = calloc(1, sizeof *d);
	char template[] = "/tmp/xenlightd-test-XXXXXX";
	const char *option;

	cr_assert_not_null(mkdtemp(template));
	d->dir = strdup(template);
	d->rundir = test_format("%s/run", d->dir);
	d->statedir = test_format("%s/state", d->dir);
	d->socket = test_format("%s/xenlightd.sock", d->rundir);
	d->ro_socket = test_format("%s/xenlightd-ro.sock", d->rundir);
	d->sim_socket = test_format("%s/sim.sock", d->rundir);
	d->log = test_format("%s/xenlightd.log", d->dir);
	for (option = first_option; option != NULL;
	    option = va_arg(ap, const char *)) {
		cr_assert_lt(d->nextra, 16);
		d->extra[d->nextra++] = strdup(option);
	}
	return d;
}

struct dut *dut_new(const char *first_option, ...)
{
	struct dut *d;
	va_list ap;

	va_start(ap, first_option);
	d = dut_new_v(first_option, ap);
	va_end(ap);
	return d;
}

struct dut *dut_start(const char *first_option, ...)
{
	struct dut *d;
	va_list ap;

	va_start(ap, first_option);
	d = dut_new_v(first_option, ap);
	va_end(ap);
	dut_spawn(d);
	return d;
}

void dut_restart(struct dut *d)
{
	cr_assert_eq(d->pid, 0, "the daemon is still running");
	dut_spawn(d);
}

void dut_stop(struct dut *d)
{
	int status;

	if (d->pid == 0)
		return;
	cr_assert_eq(kill(d->pid, SIGTERM), 0);
	cr_assert_eq(waitpid(d->pid, &status, 0), d->pid);
	d->pid = 0;
	cr_assert(WIFEXITED(status), "xenlightd died on signal %d (log %s)",
	    WIFSIGNALED(status) ? WTERMSIG(status) : 0, d->log);
	cr_assert_eq(WEXITSTATUS(status), 0, "xenlightd exit status %d (log %s)",
	    WEXITSTATUS(status), d->log);
}

void dut_kill(struct dut *d)
{
	if (d->pid == 0)
		return;
	kill(d->pid, SIGKILL);
	waitpid(d->pid, NULL, 0);
	d->pid = 0;
}

static void remove_tree(const char *path)
{
	DIR *dir = opendir(path);
	struct dirent *e;

	if (dir == NULL) {
		unlink(path);
		return;
	}
	while ((e = readdir(dir)) != NULL) {
		char *child;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		child = test_format("%s/%s", path, e->d_name);
		remove_tree(child);
		free(child);
	}
	closedir(dir);
	rmdir(path);
}

/* Lease holders outlive their daemon by design (doc/leases.md): the ones
 * a test's daemon started go with the test. */
static void dut_stop_lease_holders(struct dut *d)
{
	char *dir = test_format("%s/leases", d->rundir);
	DIR *leases = opendir(dir);
	struct dirent *e;

	while (leases != NULL && (e = readdir(leases)) != NULL) {
		char *path;
		json_object *rec;

		if (strstr(e->d_name, ".json") == NULL)
			continue;
		path = test_format("%s/%s", dir, e->d_name);
		rec = json_object_from_file(path);
		if (rec != NULL && json_int(rec, "pid") > 1)
			kill((pid_t)json_int(rec, "pid"), SIGTERM);
		json_object_put(rec);
		free(path);
	}
	if (leases != NULL)
		closedir(leases);
	free(dir);
}

int free_tcp_port(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof sin;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), port;

	cr_assert_geq(fd, 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sin, sizeof sin), 0);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

void dut_free(struct dut *d)
{
	if (d == NULL)
		return;
	dut_kill(d);
	dut_stop_lease_holders(d);
	if (getenv("XENLIGHTD_TEST_KEEP") == NULL)
		remove_tree(d->dir);
	for (int i = 0; i < d->nextra; i++)
		free(d->extra[i]);
	free(d->dir);
	free(d->rundir);
	free(d->statedir);
	free(d->socket);
	free(d->ro_socket);
	free(d->sim_socket);
	free(d->log);
	free(d);
}

static struct xlctl *connect_or_fail(const char *path)
{
	struct xlctl_error err = { 0 };
	struct xlctl *c = xlctl_connect(path, &err);

	cr_assert_not_null(c, "cannot connect to %s: %s: %s", path,
	    err.class_name, err.desc);
	return c;
}

struct xlctl *dut_connect(struct dut *d)
{
	return connect_or_fail(d->socket);
}

struct xlctl *dut_connect_ro(struct dut *d)
{
	return connect_or_fail(d->ro_socket);
}

struct xlctl *dut_connect_sim(struct dut *d)
{
	return connect_or_fail(d->sim_socket);
}

/* ------------------------------------------------------------------------
 * Calls */

json_object *json_parse(const char *fmt, ...)
{
	va_list ap;
	char *text;
	json_object *obj;

	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) < 0)
		abort();
	va_end(ap);
	obj = json_tokener_parse(text);
	cr_assert_not_null(obj, "test JSON does not parse: %s", text);
	free(text);
	return obj;
}

/* A request's arguments from a printf format; NULL for no format. */
static json_object *vargs(const char *args_fmt, va_list ap)
{
	json_object *args;
	char *text;

	if (args_fmt == NULL)
		return NULL;
	if (vasprintf(&text, args_fmt, ap) < 0)
		abort();
	args = json_tokener_parse(text);
	cr_assert_not_null(args, "test arguments do not parse: %s", text);
	free(text);
	return args;
}

static json_object *vcall(struct xlctl *c, struct xlctl_error *err,
    const char *execute, const char *args_fmt, va_list ap)
{
	json_object *args = vargs(args_fmt, ap), *ret;

	ret = xlctl_call(c, execute, args, NULL, 120000, err);
	json_object_put(args);
	return ret;
}

json_object *call(struct xlctl *c, struct xlctl_error *err,
    const char *execute, const char *args_fmt, ...)
{
	va_list ap;
	json_object *ret;

	va_start(ap, args_fmt);
	ret = vcall(c, err, execute, args_fmt, ap);
	va_end(ap);
	return ret;
}

json_object *call_ok(struct xlctl *c, const char *execute,
    const char *args_fmt, ...)
{
	struct xlctl_error err = { 0 };
	va_list ap;
	json_object *ret;

	va_start(ap, args_fmt);
	ret = vcall(c, &err, execute, args_fmt, ap);
	va_end(ap);
	cr_assert_not_null(ret, "%s failed: %s: %s", execute, err.class_name,
	    err.desc);
	return ret;
}

const char *call_fails(struct xlctl *c, const char *class_name,
    const char *execute, const char *args_fmt, ...)
{
	static char desc[512];
	struct xlctl_error err = { 0 };
	va_list ap;
	json_object *ret;

	va_start(ap, args_fmt);
	ret = vcall(c, &err, execute, args_fmt, ap);
	va_end(ap);
	cr_assert_null(ret, "%s should fail with %s but returned %s", execute,
	    class_name, ret ? json_object_to_json_string(ret) : "");
	cr_assert_str_eq(err.class_name, class_name, "%s: expected %s, got %s: %s",
	    execute, class_name, err.class_name, err.desc);
	snprintf(desc, sizeof desc, "%s", err.desc);
	xlctl_error_clear(&err);
	return desc;
}

json_object *json_get(json_object *obj, const char *key)
{
	json_object *value = NULL;

	cr_assert(json_object_object_get_ex(obj, key, &value), "no '%s' in %s",
	    key, json_object_to_json_string(obj));
	return value;
}

const char *json_str(json_object *obj, const char *key)
{
	json_object *v = json_get(obj, key);

	return v != NULL ? json_object_get_string(v) : NULL;
}

int64_t json_int(json_object *obj, const char *key)
{
	return json_object_get_int64(json_get(obj, key));
}

bool json_flag(json_object *obj, const char *key)
{
	return json_object_get_boolean(json_get(obj, key));
}

/* ------------------------------------------------------------------------
 * Domains, the simulator, events, jobs */

char *xl_config_text(const char *name, int memory_mib)
{
	return test_format("name = \"%s\"\ntype = \"pv\"\n"
	    "kernel = \"/boot/vmlinuz-sim\"\nmemory = %d\nvcpus = 1\n",
	    name, memory_mib);
}

json_object *create_domain(struct xlctl *c, const char *name, int memory_mib)
{
	char *text = xl_config_text(name, memory_mib);
	json_object *args = json_object_new_object(), *ret;
	struct xlctl_error err = { 0 };

	json_object_object_add(args, "xl_config", json_object_new_string(text));
	free(text);
	ret = xlctl_call(c, "domain-create", args, NULL, 120000, &err);
	json_object_put(args);
	cr_assert_not_null(ret, "domain-create %s: %s: %s", name,
	    err.class_name, err.desc);
	return ret;
}

json_object *sim_info(struct dut *d)
{
	struct xlctl *c = dut_connect_sim(d);
	json_object *info = call_ok(c, "sim-info", NULL);

	xlctl_close(c);
	return info;
}

json_object *sim_domain(json_object *info, const char *name)
{
	json_object *domains = json_get(info, "domains");

	for (size_t i = 0; i < json_object_array_length(domains); i++) {
		json_object *entry = json_object_array_get_idx(domains, i);

		if (strcmp(json_str(entry, "name"), name) == 0)
			return entry;
	}
	return NULL;
}

json_object *wait_event(struct xlctl *c, const char *name, int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;

	for (;;) {
		struct xlctl_error err = { 0 };
		int64_t left = deadline - now_ms();
		json_object *event;

		cr_assert_gt(left, 0, "no %s event within %d ms", name, timeout_ms);
		event = xlctl_next_event(c, (int)left, &err);
		cr_assert_not_null(event, "waiting for %s: %s: %s", name,
		    err.class_name, err.desc);
		if (strcmp(json_str(event, "event"), name) == 0)
			return event;
		json_object_put(event);
	}
}

json_object *wait_job(struct xlctl *c, int64_t job, int timeout_ms)
{
	json_object *ret = call_ok(c, "job-wait", "{\"job\":%lld,"
	    "\"timeout_ms\":%d}", (long long)job, timeout_ms);
	const char *state = json_str(ret, "state");

	cr_assert(strcmp(state, "completed") == 0 || strcmp(state, "failed") == 0 ||
	    strcmp(state, "aborted") == 0, "job %lld still %s after %d ms",
	    (long long)job, state, timeout_ms);
	return ret;
}

int process_fd_count(pid_t pid)
{
	char *path = test_format("/proc/%d/fd", (int)pid);
	DIR *dir = opendir(path);
	struct dirent *e;
	int n = 0;

	free(path);
	if (dir == NULL)
		return -1;
	while ((e = readdir(dir)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(dir);
	return n;
}

/* ------------------------------------------------------------------------
 * Raw sockets */

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

int raw_connect(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	cr_assert_geq(fd, 0);
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s", path);
	cr_assert_eq(connect(fd, (struct sockaddr *)&sun, sizeof sun), 0,
	    "connect %s: %s", path, strerror(errno));
	return fd;
}

void raw_send(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		cr_assert_gt(n, 0, "send: %s", strerror(errno));
		p += n;
		len -= (size_t)n;
	}
}

json_object *raw_read(int fd, int timeout_ms)
{
	char line[65536];
	size_t len = 0;
	int64_t deadline = now_ms() + timeout_ms;

	for (;;) {
		struct pollfd pfd = { fd, POLLIN, 0 };
		int64_t left = deadline - now_ms();
		ssize_t n;

		cr_assert_gt(left, 0, "no line within %d ms", timeout_ms);
		if (poll(&pfd, 1, (int)left) <= 0)
			continue;
		n = recv(fd, line + len, 1, 0);
		if (n == 0)
			return NULL;
		cr_assert_gt(n, 0, "recv: %s", strerror(errno));
		if (line[len] == '\n') {
			line[len] = '\0';
			return json_parse("%s", line);
		}
		len++;
		cr_assert_lt(len, sizeof line - 1, "line too long");
	}
}

void sim_ok(struct dut *d, const char *execute, const char *args_fmt, ...)
{
	struct xlctl *c = dut_connect_sim(d);
	struct xlctl_error err = { 0 };
	va_list ap;
	json_object *ret;

	va_start(ap, args_fmt);
	ret = vcall(c, &err, execute, args_fmt, ap);
	va_end(ap);
	cr_assert_not_null(ret, "sim %s failed: %s: %s", execute, err.class_name,
	    err.desc);
	json_object_put(ret);
	xlctl_close(c);
}

int64_t call_detached(struct xlctl *c, const char *execute,
    const char *args_fmt, ...)
{
	struct xlctl_options opts = { .detach = true };
	struct xlctl_error err = { 0 };
	json_object *args, *ret;
	int64_t job;
	va_list ap;

	va_start(ap, args_fmt);
	args = vargs(args_fmt, ap);
	va_end(ap);
	ret = xlctl_call(c, execute, args, &opts, 60000, &err);
	json_object_put(args);
	cr_assert_not_null(ret, "%s (detached) failed: %s: %s", execute,
	    err.class_name, err.desc);
	job = json_int(ret, "job");
	json_object_put(ret);
	return job;
}

json_object *job_info(struct xlctl *c, int64_t job)
{
	return call_ok(c, "job-info", "{\"job\":%lld}", (long long)job);
}

long process_rss_kib(pid_t pid)
{
	char *path = test_format("/proc/%d/status", (int)pid), line[256];
	FILE *f = fopen(path, "r");
	long rss = -1;

	free(path);
	if (f == NULL)
		return -1;
	while (fgets(line, sizeof line, f) != NULL)
		if (sscanf(line, "VmRSS: %ld kB", &rss) == 1)
			break;
	fclose(f);
	return rss;
}
