/* Disk leases without the command layer: daemon/lease.c on a private event
 * base (this process is "the daemon" of host A), real holder processes
 * (daemon/xenlightd-lease-holder), the lockspace backend on a temporary
 * directory.  Host B is a holder driven directly over its control socket,
 * with its own records directory and host name, on the same lockspace.
 * A "daemon" that dies is a forked child of the test, killed with
 * SIGKILL. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <event2/event.h>

#include "daemon/fsutil.h"
#include "daemon/lease-record.h"
#include "daemon/lease-wire.h"
#include "daemon/lease-xl.h"
#include "daemon/lease.h"
#include "daemon/log.h"
#include "tests/unit/lease-hooks.h"

#define UUID1 "11111111-1111-1111-1111-111111111111"
#define UUID2 "22222222-2222-2222-2222-222222222222"
#define UUID3 "33333333-3333-3333-3333-333333333333"
#define UUIDB "bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb"
/* how long any one step may take, on a machine as busy as it gets */
#define WAIT_MS 30000

extern char **environ;

static char top[PATH_MAX];		/* the test's temporary directory */
static char lockspace[PATH_MAX + 32], records_a[PATH_MAX + 32],
    records_b[PATH_MAX + 32], disks[PATH_MAX + 32];
static char holder_program[PATH_MAX];
static struct event_base *base;

static void make_dir(const char *path)
{
	cr_assert(mkdir(path, 0700) == 0 || errno == EEXIST, "mkdir %s: %s",
	    path, strerror(errno));
}

static void lease_start(int retry_ms, int timeout_ms)
{
	struct lease_config cfg = {
		.base = base,
		.backend = LEASE_BACKEND_LOCKSPACE,
		.records_dir = records_a,
		.lockspace = lockspace,
		.host = "hostA",
		.timeout_ms = timeout_ms,
		.retry_ms = retry_ms,
	};
	struct err *e;

	lease_hooks_config(&cfg);
	e = lease_init(&cfg);

	cr_assert_null(e, "lease_init: %s", e ? e->desc : "");
}

static void setup(void)
{
	const char *builddir = getenv("XENLIGHTD_BUILDDIR");
	char tmpl[] = "/tmp/xllease-unit-XXXXXX";

	cr_assert_not_null(builddir, "XENLIGHTD_BUILDDIR is not set");
	snprintf(holder_program, sizeof holder_program,
	    "%s/daemon/xenlightd-lease-holder", builddir);
	cr_assert(access(holder_program, X_OK) == 0, "no %s", holder_program);
	cr_assert_not_null(mkdtemp(tmpl));
	snprintf(top, sizeof top, "%s", tmpl);
	snprintf(lockspace, sizeof lockspace, "%s/lockspace", top);
	snprintf(records_a, sizeof records_a, "%s/a", top);
	snprintf(records_b, sizeof records_b, "%s/b", top);
	snprintf(disks, sizeof disks, "%s/disks", top);
	make_dir(records_b);
	make_dir(disks);
	log_open(true, NULL, LOG_LEVEL_INFO);
	base = event_base_new();
	cr_assert_not_null(base);
	cr_assert(lease_hooks_init(base, holder_program));
}

/* Every holder of either host goes, whatever the test left. */
static void kill_holders(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *ent;

	while (d != NULL && (ent = readdir(d)) != NULL) {
		char path[PATH_MAX * 2];
		struct lease_record rec;
		size_t len;
		int error;
		char *text;

		if (strstr(ent->d_name, ".json") == NULL ||
		    ent->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, ent->d_name);
		text = fsutil_read_file(path, LEASE_RECORD_MAX, &len, &error);
		if (text != NULL && lease_record_parse(text, len, &rec) ==
		    NULL) {
			if (lease_record_alive(&rec))
				kill(rec.pid, SIGKILL);
			lease_record_clear(&rec);
		}
		free(text);
	}
	if (d != NULL)
		closedir(d);
}

static void teardown(void)
{
	char cmd[PATH_MAX + 32];

	lease_shutdown();
	kill_holders(records_a);
	kill_holders(records_b);
	lease_hooks_free();
	if (base != NULL)
		event_base_free(base);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", top);
	if (top[0] != '\0' && system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", top);
}

TestSuite(lease, .init = setup, .fini = teardown, .timeout = 120);

/* ------------------------------------------------------------------------
 * Waiting on the loop */

struct result {
	bool done;
	struct err *e;
};

static void on_done(struct err *e, void *arg)
{
	struct result *r = arg;

	r->done = true;
	r->e = e;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static void run_until(bool *flag)
{
	long long end = now_ms() + WAIT_MS;

	while (!*flag) {
		struct timeval tv = { 0, 50000 };

		cr_assert(now_ms() < end, "nothing happened in %d ms", WAIT_MS);
		event_base_loopexit(base, &tv);
		event_base_loop(base, EVLOOP_ONCE);
	}
}

/* Runs the loop for ms, or until cond() holds. */
static bool run_for(int ms, bool (*cond)(void *), void *arg)
{
	long long end = now_ms() + ms;

	while (now_ms() < end) {
		struct timeval tv = { 0, 50000 };

		if (cond != NULL && cond(arg))
			return true;
		event_base_loopexit(base, &tv);
		event_base_loop(base, EVLOOP_ONCE);
	}
	return cond != NULL && cond(arg);
}

static char *disk_path(const char *name)
{
	char *path;

	cr_assert(asprintf(&path, "%s/%s", disks, name) > 0);
	return path;
}

/* A disk image that exists (resolved through the file system). */
static char *make_disk(const char *name)
{
	char *path = disk_path(name);
	int fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);

	cr_assert(fd >= 0);
	close(fd);
	return path;
}

static struct err *acquire_list(const char *uuid, const char *name,
    const struct lease_disks *list)
{
	struct result r = { 0 };

	lease_acquire(uuid, name, list, on_done, &r);
	cr_assert_not(r.done, "done ran inside lease_acquire");
	run_until(&r.done);
	return r.e;
}

/* acquire(uuid, name, path, mode, path, mode, ..., NULL) */
static struct err *acquire(const char *uuid, const char *name, ...)
{
	struct lease_disks list = { 0 };
	struct err *e;
	const char *path;
	va_list ap;

	va_start(ap, name);
	while ((path = va_arg(ap, const char *)) != NULL)
		lease_disks_add(&list, path, NULL,
		    (enum lease_mode)va_arg(ap, int));
	va_end(ap);
	e = acquire_list(uuid, name, &list);
	lease_disks_clear(&list);
	return e;
}

static void release(const char *uuid)
{
	struct result r = { 0 };

	lease_release(uuid, on_done, &r);
	run_until(&r.done);
	cr_assert_null(r.e, "release: %s", r.e ? r.e->desc : "");
}

/* The next daemon's recovery, with dom1 running on path (exclusive). */
static struct err *recover_dom1(const char *path)
{
	struct lease_disks need = { 0 };
	struct lease_running running = { UUID1, "dom1", &need };
	struct result r = { 0 };

	lease_disks_add(&need, path, NULL, LEASE_EXCLUSIVE);
	lease_recover(&running, 1, on_done, &r);
	cr_assert_not(r.done, "done ran inside lease_recover");
	run_until(&r.done);
	lease_disks_clear(&need);
	return r.e;
}

static void assert_ok(struct err *e, const char *what)
{
	cr_assert_null(e, "%s: %s: %s", what, e ? err_class_name(e->class) :
	    "", e ? e->desc : "");
}

static const char *holder_member(const struct err *e, const char *key)
{
	json_object *holder, *v;

	if (e->data == NULL ||
	    !json_object_object_get_ex(e->data, "holder", &holder) ||
	    !json_object_object_get_ex(holder, key, &v))
		return NULL;
	return json_object_get_string(v);
}

static const char *data_member(const struct err *e, const char *key)
{
	json_object *v;

	if (e->data == NULL || !json_object_object_get_ex(e->data, key, &v))
		return NULL;
	return json_object_get_string(v);
}

static void assert_conflict(struct err *e, const char *disk,
    const char *host, const char *domain)
{
	cr_assert_not_null(e, "expected a LeaseConflict on %s", disk);
	cr_assert_eq(e->class, ERR_LEASE_CONFLICT, "class %s: %s",
	    err_class_name(e->class), e->desc);
	cr_assert_str_eq(data_member(e, "disk"), disk);
	if (host != NULL) {
		cr_assert_not_null(holder_member(e, "host"), "%s", e->desc);
		cr_assert_str_eq(holder_member(e, "host"), host);
		cr_assert_str_eq(holder_member(e, "domain"), domain);
	}
	err_free(e);
}

/* The entry of lease-list for disk and domain; NULL when none. */
static json_object *list_entry(const char *disk, const char *domain)
{
	static json_object *last;
	json_object *list = lease_list_json();

	if (last != NULL)
		json_object_put(last);
	last = list;
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		json_object *o = json_object_array_get_idx(list, i), *v, *w;

		json_object_object_get_ex(o, "disk", &v);
		json_object_object_get_ex(o, "domain", &w);
		if (strcmp(json_object_get_string(v), disk) == 0 &&
		    strcmp(json_object_get_string(w), domain) == 0)
			return o;
	}
	return NULL;
}

static const char *member(json_object *o, const char *key)
{
	json_object *v;

	if (o == NULL || !json_object_object_get_ex(o, key, &v))
		return NULL;
	return json_object_get_string(v);
}

/* ------------------------------------------------------------------------
 * Host B: a holder driven directly */

struct direct {
	pid_t pid;
	int fd;
};

static void direct_start(struct direct *h, const char *records,
    const char *host, const char *uuid, const char *name)
{
	posix_spawn_file_actions_t actions;
	int sv[2];
	char *argv[] = { holder_program, "--records", (char *)records,
		"--uuid", (char *)uuid, "--domain", (char *)name, "--host",
		(char *)host, "--backend", "lockspace", "--lockspace",
		lockspace, NULL };

	cr_assert(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	if (sv[1] == 3) {
		int fd = fcntl(sv[1], F_DUPFD_CLOEXEC, 4);

		close(sv[1]);
		sv[1] = fd;
	}
	posix_spawn_file_actions_init(&actions);
	posix_spawn_file_actions_adddup2(&actions, sv[1], 3);
	cr_assert(posix_spawn(&h->pid, holder_program, &actions, NULL, argv,
	    environ) == 0);
	posix_spawn_file_actions_destroy(&actions);
	close(sv[1]);
	h->fd = sv[0];
}

static void direct_connect(struct direct *h, const char *records,
    const char *uuid)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char *path = lease_socket_path(records, uuid);

	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
	free(path);
	h->pid = 0;
	h->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	cr_assert(h->fd >= 0);
	cr_assert(connect(h->fd, (struct sockaddr *)&sa, sizeof sa) == 0,
	    "connect %s: %s", sa.sun_path, strerror(errno));
}

/* Sends one line, reads one line back: 0, or -1 when the holder closed. */
static int direct_raw(struct direct *h, const char *line, char *buf,
    size_t size)
{
	size_t have = 0;
	long long end = now_ms() + WAIT_MS;
	ssize_t sent = send(h->fd, line, strlen(line), MSG_NOSIGNAL);

	/* a holder that cannot serve answers at once, unasked, and exits:
	 * the line may find it gone, its answer is still there to read */
	cr_assert(sent == (ssize_t)strlen(line) || (sent < 0 && errno == EPIPE),
	    "send: %s", strerror(errno));
	while (have == 0 || buf[have - 1] != '\n') {
		struct pollfd p = { h->fd, POLLIN, 0 };
		ssize_t n;

		cr_assert(now_ms() < end, "the holder did not answer");
		if (poll(&p, 1, 100) <= 0)
			continue;
		n = read(h->fd, buf + have, size - have - 1);
		if (n <= 0)
			return -1;
		have += (size_t)n;
		cr_assert(have < size - 1);
	}
	buf[have - 1] = '\0';
	return 0;
}

static struct err *direct_call(struct direct *h, const char *line,
    struct lease_disks *held)
{
	char buf[65536];
	struct lease_reply reply;
	struct err *e;

	cr_assert(direct_raw(h, line, buf, sizeof buf) == 0,
	    "the holder closed without answering %s", line);
	e = lease_reply_parse(buf, strlen(buf), &reply);
	cr_assert_null(e, "reply %s: %s", buf, e ? e->desc : "");
	if (held != NULL) {
		*held = reply.disks;
		reply.disks = (struct lease_disks){ 0 };
	}
	e = reply.error;
	reply.error = NULL;
	lease_reply_clear(&reply);
	return e;
}

static char *set_line(const char *op, const char *path, const char *mode)
{
	char *line;

	cr_assert(asprintf(&line, "{\"op\":\"%s\",\"disks\":[{\"path\":\"%s\","
	    "\"mode\":\"%s\"}]}\n", op, path, mode) > 0);
	return line;
}

/* Host B's domain takes path (its holder exits when it gets nothing). */
static struct err *b_take(struct direct *h, const char *path,
    const char *mode)
{
	char *line = set_line("set", path, mode);
	struct err *e;

	direct_start(h, records_b, "hostB", UUIDB, "domB");
	e = direct_call(h, line, NULL);
	free(line);
	return e;
}

/* Closes our end; a holder that still holds something outlives that (it
 * must), so it is killed: the kernel drops its locks. */
static void direct_close(struct direct *h)
{
	close(h->fd);
	if (h->pid > 0) {
		kill(h->pid, SIGKILL);
		waitpid(h->pid, NULL, 0);
	}
}

static bool process_gone(void *arg)
{
	pid_t pid = *(pid_t *)arg;

	return kill(pid, 0) < 0 || lease_process_start_time(pid,
	    &(unsigned long long){ 0 }) < 0;
}

static bool read_record(const char *records, const char *uuid,
    struct lease_record *rec)
{
	char *path = lease_record_path(records, uuid);
	size_t len;
	int error;
	char *text = fsutil_read_file(path, LEASE_RECORD_MAX, &len, &error);
	struct err *e;

	free(path);
	if (text == NULL)
		return false;
	e = lease_record_parse(text, len, rec);
	free(text);
	cr_assert_null(e, "record: %s", e ? e->desc : "");
	return true;
}

/* ------------------------------------------------------------------------
 * One host */

Test(lease, exclusive_against_exclusive_is_refused)
{
	char *a = make_disk("a.img");

	lease_start(0, 0);
	assert_ok(acquire(UUID1, "dom1", a, LEASE_EXCLUSIVE, NULL), "dom1");
	assert_conflict(acquire(UUID2, "dom2", a, LEASE_EXCLUSIVE, NULL), a,
	    "hostA", "dom1");
	/* the refused domain got nothing and left nothing */
	cr_assert_null(list_entry(a, "dom2"));
	cr_assert_str_eq(member(list_entry(a, "dom1"), "mode"), "exclusive");
	cr_assert_str_eq(member(list_entry(a, "dom1"), "host"), "hostA");
	free(a);
}

Test(lease, shared_with_shared_is_allowed)
{
	char *iso = make_disk("install.iso");

	lease_start(0, 0);
	assert_ok(acquire(UUID1, "dom1", iso, LEASE_SHARED, NULL), "dom1");
	assert_ok(acquire(UUID2, "dom2", iso, LEASE_SHARED, NULL), "dom2");
	cr_assert_str_eq(member(list_entry(iso, "dom1"), "mode"), "shared");
	cr_assert_str_eq(member(list_entry(iso, "dom2"), "mode"), "shared");
	free(iso);
}

Test(lease, shared_and_exclusive_exclude_each_other)
{
	char *a = make_disk("a.img"), *b = make_disk("b.img");
	struct err *e;

	lease_start(0, 0);
	/* a writer first: no reader */
	assert_ok(acquire(UUID1, "dom1", a, LEASE_EXCLUSIVE, NULL), "dom1");
	assert_conflict(acquire(UUID2, "dom2", a, LEASE_SHARED, NULL), a,
	    "hostA", "dom1");
	/* readers first: no writer, and the error says it is shared */
	assert_ok(acquire(UUID2, "dom2", b, LEASE_SHARED, NULL), "dom2");
	e = acquire(UUID3, "dom3", b, LEASE_EXCLUSIVE, NULL);
	cr_assert_not_null(e);
	cr_assert_str_eq(holder_member(e, "mode"), "shared");
	assert_conflict(e, b, NULL, NULL);
	free(a);
	free(b);
}

Test(lease, symlinks_and_dotdot_reach_the_same_lease)
{
	char *a = make_disk("a.img"), *link = disk_path("link.img");
	char *sub = disk_path("sub"), *dotdot;

	cr_assert(symlink(a, link) == 0);
	make_dir(sub);
	cr_assert(asprintf(&dotdot, "%s/../a.img", sub) > 0);
	lease_start(0, 0);
	assert_ok(acquire(UUID1, "dom1", link, LEASE_EXCLUSIVE, NULL), "dom1");
	/* the lease names the disk itself, not the link */
	cr_assert_not_null(list_entry(a, "dom1"));
	assert_conflict(acquire(UUID2, "dom2", a, LEASE_EXCLUSIVE, NULL), a,
	    "hostA", "dom1");
	assert_conflict(acquire(UUID2, "dom2", dotdot, LEASE_SHARED, NULL), a,
	    "hostA", "dom1");
	free(a);
	free(link);
	free(sub);
	free(dotdot);
}

Test(lease, a_disk_that_does_not_exist_yet_is_named_as_written)
{
	char *sub = disk_path("new"), *later, *dotdot;

	make_dir(sub);
	cr_assert(asprintf(&later, "%s/new/later.img", disks) > 0);
	cr_assert(asprintf(&dotdot, "%s/new/x/../later.img", disks) > 0);
	lease_start(0, 0);
	assert_ok(acquire(UUID1, "dom1", later, LEASE_EXCLUSIVE, NULL), "dom1");
	assert_conflict(acquire(UUID2, "dom2", dotdot, LEASE_EXCLUSIVE, NULL),
	    later, "hostA", "dom1");
	free(sub);
	free(later);
	free(dotdot);
}

Test(lease, release_frees_and_the_holder_goes)
{
	char *a = make_disk("a.img");
	struct lease_record rec;
	char *record = lease_record_path(records_a, UUID1);

	lease_start(0, 0);
	assert_ok(acquire(UUID1, "dom1", a, LEASE_EXCLUSIVE, NULL), "dom1");
	cr_assert(read_record(records_a, UUID1, &rec));
	cr_assert(lease_record_alive(&rec));
	cr_assert_str_eq(rec.domain, "dom1");
	cr_assert_eq(rec.disks.n, 1);
	cr_assert_str_eq(rec.disks.v[0].disk, a);
	release(UUID1);
	cr_assert(run_for(WAIT_MS, process_gone, &rec.pid),
	    "the holder did not exit");
	cr_assert(access(record, F_OK) < 0, "the record stayed");
	cr_assert_null(list_entry(a, "dom1"));
	assert_ok(acquire(UUID2, "dom2", a, LEASE_EXCLUSIVE, NULL), "dom2");
	lease_record_clear(&rec);
	free(record);
	free(a);
}

Test(lease, a_failed_acquire_changes_nothing)
{
	char *a = make_disk("a.img"), *b = make_disk("b.img");
	char *c = make_disk("c.img");

	lease_start(0, 0);
	assert_ok(acquire(UUID1, "dom1", b, LEASE_EXCLUSIVE, NULL), "dom1");
	/* all or nothing: a is not kept when b is refused */
	assert_conflict(acquire(UUID2, "dom2", a, LEASE_EXCLUSIVE, b,
	    LEASE_EXCLUSIVE, NULL), b, "hostA", "dom1");
	assert_ok(acquire(UUID3, "dom3", a, LEASE_EXCLUSIVE, NULL), "dom3");
	/* a domain that holds leases keeps them when a change is refused */
	assert_conflict(acquire(UUID1, "dom1", c, LEASE_EXCLUSIVE, a,
	    LEASE_EXCLUSIVE, NULL), a, "hostA", "dom3");
	cr_assert_not_null(list_entry(b, "dom1"));
	cr_assert_null(list_entry(c, "dom1"));
	assert_ok(acquire(UUID2, "dom2", c, LEASE_EXCLUSIVE, NULL), "dom2");
	free(a);
	free(b);
	free(c);
}

Test(lease, acquire_again_sets_exactly_what_is_needed)
{
	char *a = make_disk("a.img"), *b = make_disk("b.img");

	lease_start(0, 0);
	assert_ok(acquire(UUID1, "dom1", a, LEASE_EXCLUSIVE, b, LEASE_SHARED,
	    NULL), "dom1");
	/* a restart with another configuration: a read-only, b gone */
	assert_ok(acquire(UUID1, "dom1", a, LEASE_SHARED, NULL), "dom1 again");
	cr_assert_str_eq(member(list_entry(a, "dom1"), "mode"), "shared");
	cr_assert_null(list_entry(b, "dom1"));
	assert_ok(acquire(UUID2, "dom2", a, LEASE_SHARED, b, LEASE_EXCLUSIVE,
	    NULL), "dom2");
	free(a);
	free(b);
}

Test(lease, hot_plug_adds_and_removes_a_disk)
{
	char *a = make_disk("a.img"), *b = make_disk("b.img");
	struct lease_disk disk = { .path = b, .mode = LEASE_EXCLUSIVE };
	struct result r = { 0 };
	json_object *info;

	lease_start(0, 0);
	assert_ok(acquire(UUID1, "dom1", a, LEASE_EXCLUSIVE, NULL), "dom1");
	lease_add_disk(UUID1, "dom1", &disk, on_done, &r);
	run_until(&r.done);
	assert_ok(r.e, "add");
	cr_assert_not_null(list_entry(b, "dom1"));
	assert_conflict(acquire(UUID2, "dom2", b, LEASE_SHARED, NULL), b,
	    "hostA", "dom1");
	info = lease_domain_json(UUID1);
	cr_assert_eq(json_object_array_length(info), 2);
	json_object_put(info);

	r = (struct result){ 0 };
	lease_remove_disk(UUID1, b, on_done, &r);
	run_until(&r.done);
	assert_ok(r.e, "remove");
	cr_assert_null(list_entry(b, "dom1"));
	cr_assert_not_null(list_entry(a, "dom1"));
	assert_ok(acquire(UUID2, "dom2", b, LEASE_EXCLUSIVE, NULL), "dom2");
	assert_conflict(acquire(UUID3, "dom3", a, LEASE_SHARED, NULL), a,
	    "hostA", "dom1");
	/* a refused hot-plug leaves the domain as it was */
	r = (struct result){ 0 };
	lease_add_disk(UUID1, "dom1", &disk, on_done, &r);
	run_until(&r.done);
	assert_conflict(r.e, b, "hostA", "dom2");
	cr_assert_not_null(list_entry(a, "dom1"));
	cr_assert_null(list_entry(b, "dom1"));
	free(a);
	free(b);
}

Test(lease, a_bad_disk_name_is_refused_and_changes_nothing)
{
	char *a = make_disk("a.img");
	struct err *e;

	lease_start(0, 0);
	assert_ok(acquire(UUID1, "dom1", a, LEASE_EXCLUSIVE, NULL), "dom1");
	e = acquire(UUID1, "dom1", a, LEASE_EXCLUSIVE, "/bad\001name",
	    LEASE_SHARED, NULL);
	cr_assert_not_null(e);
	cr_assert_eq(e->class, ERR_INVALID_ARGUMENT, "%s", e->desc);
	err_free(e);
	cr_assert_not_null(list_entry(a, "dom1"));
	e = acquire("not-a-uuid", "dom1", a, LEASE_EXCLUSIVE, NULL);
	cr_assert_not_null(e);
	err_free(e);
	free(a);
}

/* ------------------------------------------------------------------------
 * Two hosts on one lockspace */

Test(lease, two_hosts_exclude_each_other)
{
	char *a = make_disk("a.img"), *b = make_disk("b.img");
	struct direct h;
	struct err *e;

	lease_start(0, 0);
	assert_ok(acquire(UUID1, "dom1", a, LEASE_EXCLUSIVE, NULL), "dom1");
	/* host B is refused what host A holds, and told who holds it */
	e = b_take(&h, a, "shared");
	direct_close(&h);
	assert_conflict(e, a, "hostA", "dom1");
	/* and host A what host B holds */
	e = b_take(&h, b, "exclusive");
	assert_ok(e, "host B");
	assert_conflict(acquire(UUID2, "dom2", b, LEASE_EXCLUSIVE, NULL), b,
	    "hostB", "domB");
	/* host B lets go: host A may */
	assert_ok(direct_call(&h, "{\"op\":\"release\"}\n", NULL), "release");
	direct_close(&h);
	assert_ok(acquire(UUID2, "dom2", b, LEASE_EXCLUSIVE, NULL), "dom2");
	free(a);
	free(b);
}

/* ------------------------------------------------------------------------
 * Outliving the daemon */

/* A "daemon" in a child process: takes dom1's lease on path, says so on
 * the pipe, and waits to be killed. */
static pid_t daemon_child(const char *path)
{
	int p[2];
	pid_t pid;
	char c;

	cr_assert(pipe(p) == 0);
	pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		struct err *e;

		close(p[0]);
		lease_hooks_after_fork();
		lease_start(0, 0);
		e = acquire(UUID1, "dom1", path, LEASE_EXCLUSIVE, NULL);
		c = e == NULL ? 'y' : 'n';
		if (write(p[1], &c, 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(p[1]);
	cr_assert(read(p[0], &c, 1) == 1 && c == 'y',
	    "the first daemon could not take the lease");
	close(p[0]);
	return pid;
}

Test(lease, a_killed_daemon_keeps_its_leases_and_the_next_adopts_them)
{
	char *a = make_disk("a.img");
	struct lease_record rec;
	struct direct h;
	pid_t first = daemon_child(a);
	json_object *info;

	cr_assert(read_record(records_a, UUID1, &rec));
	kill(first, SIGKILL);
	waitpid(first, NULL, 0);
	/* the holder lives on, and so does the lease */
	cr_assert(lease_record_alive(&rec), "the holder died with the daemon");
	assert_conflict(b_take(&h, a, "exclusive"), a, "hostA", "dom1");
	direct_close(&h);

	/* the next daemon: dom1 still runs, its holder is adopted */
	lease_start(0, 0);
	assert_ok(recover_dom1(a), "recover");
	cr_assert_str_eq(member(list_entry(a, "dom1"), "state"), "held");
	info = lease_domain_json(UUID1);
	cr_assert_eq(json_object_array_length(info), 1);
	json_object_put(info);
	{
		struct lease_record now;

		cr_assert(read_record(records_a, UUID1, &now));
		cr_assert_eq(now.pid, rec.pid, "a new holder replaced the "
		    "adopted one");
		lease_record_clear(&now);
	}
	/* and the adopted holder obeys: dom1 goes, the disk is free */
	release(UUID1);
	cr_assert(run_for(WAIT_MS, process_gone, &rec.pid));
	cr_assert_null(b_take(&h, a, "exclusive"));
	direct_close(&h);
	lease_record_clear(&rec);
	free(a);
}

Test(lease, recovery_releases_the_leases_of_domains_that_are_gone)
{
	char *a = make_disk("a.img");
	struct lease_record rec;
	struct result r = { 0 };
	struct direct h;
	pid_t first = daemon_child(a);
	char *record = lease_record_path(records_a, UUID1);

	cr_assert(read_record(records_a, UUID1, &rec));
	kill(first, SIGKILL);
	waitpid(first, NULL, 0);
	lease_start(0, 0);
	/* dom1 is not running any more */
	lease_recover(NULL, 0, on_done, &r);
	run_until(&r.done);
	assert_ok(r.e, "recover");
	cr_assert(run_for(WAIT_MS, process_gone, &rec.pid),
	    "the holder of a gone domain stayed");
	cr_assert(access(record, F_OK) < 0);
	cr_assert_null(list_entry(a, "dom1"));
	assert_ok(b_take(&h, a, "exclusive"), "host B after the release");
	direct_close(&h);
	lease_record_clear(&rec);
	free(record);
	free(a);
}

static void write_record(const char *uuid, pid_t pid,
    unsigned long long start)
{
	struct lease_record rec = {
		.pid = pid,
		.start_time = start,
		.domain = "ghost",
		.host = "hostA",
		.backend = "lockspace",
	};
	char *path = lease_record_path(records_a, uuid);
	size_t len;
	char *text;

	snprintf(rec.uuid, sizeof rec.uuid, "%s", uuid);
	text = lease_record_format(&rec, &len);
	cr_assert(fsutil_atomic_write(path, text, len, 0600, false) == 0);
	free(text);
	free(path);
}

Test(lease, stale_records_are_removed)
{
	unsigned long long mine;
	char *dead = lease_record_path(records_a, UUID1);
	char *reused = lease_record_path(records_a, UUID2);
	struct result r = { 0 };
	pid_t gone = fork();

	if (gone == 0)
		_exit(0);
	waitpid(gone, NULL, 0);
	make_dir(records_a);
	/* a holder that died, and a pid that now belongs to someone else
	 * (this test: same pid, another start time) */
	write_record(UUID1, gone, 12345);
	cr_assert(lease_process_start_time(getpid(), &mine) == 0);
	write_record(UUID2, getpid(), mine + 1);
	lease_start(0, 0);
	lease_recover(NULL, 0, on_done, &r);
	run_until(&r.done);
	assert_ok(r.e, "recover");
	cr_assert(access(dead, F_OK) < 0, "the dead holder's record stayed");
	cr_assert(access(reused, F_OK) < 0, "the reused pid's record stayed");
	cr_assert(kill(getpid(), 0) == 0, "recovery killed a stranger");
	free(dead);
	free(reused);
}

Test(lease, a_running_domain_without_a_holder_gets_one)
{
	char *a = make_disk("a.img");
	struct direct h;

	lease_start(0, 0);
	assert_ok(recover_dom1(a), "recover");
	cr_assert_str_eq(member(list_entry(a, "dom1"), "state"), "held");
	assert_conflict(b_take(&h, a, "shared"), a, "hostA", "dom1");
	direct_close(&h);
	free(a);
}

static bool entry_state_is(void *arg)
{
	const char **want = arg;

	return member(list_entry(want[0], want[1]), "state") != NULL &&
	    strcmp(member(list_entry(want[0], want[1]), "state"),
	    want[2]) == 0;
}

Test(lease, a_lease_held_elsewhere_is_reported_lost_and_retaken_later)
{
	char *a = make_disk("a.img");
	struct direct h;
	const char *held[] = { a, "dom1", "held" };
	json_object *lost;

	/* host B took dom1's disk while host A's daemon was away */
	assert_ok(b_take(&h, a, "exclusive"), "host B");
	lease_start(200, 0);
	assert_ok(recover_dom1(a), "recover");
	lost = list_entry(a, "dom1");
	cr_assert_str_eq(member(lost, "state"), "lost");
	{
		json_object *holder;

		cr_assert(json_object_object_get_ex(lost, "holder", &holder));
		cr_assert_str_eq(member(holder, "host"), "hostB");
		cr_assert_str_eq(member(holder, "domain"), "domB");
	}
	/* it keeps trying; once host B lets go, dom1 has it again */
	cr_assert_not(run_for(600, entry_state_is, held));
	assert_ok(direct_call(&h, "{\"op\":\"release\"}\n", NULL), "release");
	direct_close(&h);
	cr_assert(run_for(WAIT_MS, entry_state_is, held),
	    "the lost lease was not taken again");
	free(a);
}

/* dom1's record names a live holder other than *old */
static bool holder_replaced(void *arg)
{
	pid_t old = *(pid_t *)arg;
	struct lease_record rec;
	bool replaced;

	if (!read_record(records_a, UUID1, &rec))
		return false;
	replaced = rec.pid != old && lease_record_alive(&rec);
	lease_record_clear(&rec);
	return replaced;
}

Test(lease, a_killed_holder_is_replaced)
{
	char *a = make_disk("a.img");
	struct lease_record rec;
	const char *held[] = { a, "dom1", "held" };
	struct direct h;

	lease_start(100, 0);
	assert_ok(acquire(UUID1, "dom1", a, LEASE_EXCLUSIVE, NULL), "dom1");
	cr_assert(read_record(records_a, UUID1, &rec));
	kill(rec.pid, SIGKILL);
	/* the daemon notices, and takes the lease again */
	cr_assert(run_for(WAIT_MS, holder_replaced, &rec.pid),
	    "no new holder");
	cr_assert(run_for(WAIT_MS, entry_state_is, held));
	assert_conflict(b_take(&h, a, "shared"), a, "hostA", "dom1");
	direct_close(&h);
	lease_record_clear(&rec);
	free(a);
}

Test(lease, a_holder_that_does_not_answer_times_out_and_is_reached_again)
{
	char *a = make_disk("a.img"), *b = make_disk("b.img");
	struct lease_disk disk = { .path = b, .mode = LEASE_EXCLUSIVE };
	struct lease_record rec;
	struct result r = { 0 };


	lease_start(0, 0);
	assert_ok(acquire(UUID1, "dom1", a, LEASE_EXCLUSIVE, NULL), "dom1");
	cr_assert(read_record(records_a, UUID1, &rec));
	/* a daemon that waits 2 s for an answer adopts the holder */
	lease_shutdown();
	lease_start(0, 2000);
	assert_ok(recover_dom1(a), "recover");
	kill(rec.pid, SIGSTOP);
	lease_add_disk(UUID1, "dom1", &disk, on_done, &r);
	run_until(&r.done);
	cr_assert_not_null(r.e);
	cr_assert_eq(r.e->class, ERR_IO, "%s", r.e->desc);
	err_free(r.e);
	/* the stopped holder kept what it had */
	cr_assert(lease_record_alive(&rec));
	kill(rec.pid, SIGCONT);
	r = (struct result){ 0 };
	lease_add_disk(UUID1, "dom1", &disk, on_done, &r);
	run_until(&r.done);
	assert_ok(r.e, "add after SIGCONT");
	cr_assert_not_null(list_entry(a, "dom1"));
	cr_assert_not_null(list_entry(b, "dom1"));
	lease_record_clear(&rec);
	free(a);
	free(b);
}

/* ------------------------------------------------------------------------
 * The holder on its own */

Test(lease, the_holder_answers_bad_lines_and_strangers_without_harm)
{
	char *a = make_disk("a.img"), *line = set_line("set", a, "exclusive");
	struct direct h, other;
	char buf[4096];
	struct lease_disks held = { 0 };
	struct err *e;

	direct_start(&h, records_b, "hostB", UUIDB, "domB");
	assert_ok(direct_call(&h, line, NULL), "set");
	direct_connect(&other, records_b, UUIDB);
	cr_assert(direct_raw(&other, "not json\n", buf, sizeof buf) == 0);
	cr_assert(strstr(buf, "InvalidMessage") != NULL, "%s", buf);
	cr_assert(direct_raw(&other, "{\"op\":\"explode\"}\n", buf,
	    sizeof buf) == 0);
	cr_assert(strstr(buf, "CommandNotFound") != NULL, "%s", buf);
	cr_assert(direct_raw(&other, "{\"op\":\"set\",\"disks\":[{\"path\":"
	    "\"\",\"mode\":\"exclusive\"}]}\n", buf, sizeof buf) == 0);
	cr_assert(strstr(buf, "InvalidArgument") != NULL, "%s", buf);
	/* still holding, through all of it */
	e = direct_call(&other, "{\"op\":\"list\"}\n", &held);
	assert_ok(e, "list");
	cr_assert_eq(held.n, 1);
	cr_assert_str_eq(held.v[0].disk, a);
	lease_disks_clear(&held);
	direct_close(&other);
	direct_close(&h);
	free(line);
	free(a);
}

Test(lease, the_holder_releases_on_sigterm)
{
	char *a = make_disk("a.img"), *line = set_line("set", a, "exclusive");
	struct direct h, again;
	char *record = lease_record_path(records_b, UUIDB);
	int status;

	direct_start(&h, records_b, "hostB", UUIDB, "domB");
	assert_ok(direct_call(&h, line, NULL), "set");
	cr_assert(access(record, F_OK) == 0);
	kill(h.pid, SIGTERM);
	cr_assert(waitpid(h.pid, &status, 0) == h.pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	cr_assert(access(record, F_OK) < 0);
	close(h.fd);
	direct_start(&again, records_b, "hostB", UUIDB, "domB");
	assert_ok(direct_call(&again, line, NULL), "set again");
	direct_close(&again);
	free(record);
	free(line);
	free(a);
}

Test(lease, a_holder_whose_daemon_left_before_its_answer_releases)
{
	char *a = make_disk("a.img"), *line = set_line("set", a, "exclusive");
	struct direct h, again;
	int status;

	direct_start(&h, records_b, "hostB", UUIDB, "domB");
	/* the request goes out, and the daemon is gone before the answer:
	 * the holder is stopped meanwhile, so that it cannot answer first */
	kill(h.pid, SIGSTOP);
	cr_assert(send(h.fd, line, strlen(line), MSG_NOSIGNAL) ==
	    (ssize_t)strlen(line));
	close(h.fd);
	kill(h.pid, SIGCONT);
	cr_assert(waitpid(h.pid, &status, 0) == h.pid);
	cr_assert(WIFEXITED(status));
	direct_start(&again, records_b, "hostB", UUID2, "domC");
	assert_ok(direct_call(&again, line, NULL), "nobody holds it");
	direct_close(&again);
	free(line);
	free(a);
}

Test(lease, one_holder_per_domain)
{
	char *a = make_disk("a.img"), *b = make_disk("b.img");
	char *la = set_line("set", a, "exclusive");
	char *lb = set_line("set", b, "exclusive");
	struct direct h, twin;
	char buf[4096];

	direct_start(&h, records_b, "hostB", UUIDB, "domB");
	assert_ok(direct_call(&h, la, NULL), "set");
	direct_start(&twin, records_b, "hostB", UUIDB, "domB");
	cr_assert(direct_raw(&twin, lb, buf, sizeof buf) == 0);
	cr_assert(strstr(buf, "\"error\"") != NULL, "%s", buf);
	direct_close(&twin);
	direct_close(&h);
	free(la);
	free(lb);
	free(a);
	free(b);
}

/* ------------------------------------------------------------------------
 * Names */

static void fake_dm_uuid(const char *sysfs, const char *dev, const char *uuid)
{
	char path[PATH_MAX * 2];
	FILE *f;

	snprintf(path, sizeof path, "%s/dev", sysfs);
	make_dir(path);
	snprintf(path, sizeof path, "%s/dev/block", sysfs);
	make_dir(path);
	snprintf(path, sizeof path, "%s/dev/block/%s", sysfs, dev);
	make_dir(path);
	snprintf(path, sizeof path, "%s/dev/block/%s/dm", sysfs, dev);
	make_dir(path);
	snprintf(path, sizeof path, "%s/dev/block/%s/dm/uuid", sysfs, dev);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(uuid, f);
	fclose(f);
}

Test(lease, device_mapper_disks_are_named_alike_on_every_host)
{
	char *sysfs = disk_path("sys"), *name = NULL;

	make_dir(sysfs);
	fake_dm_uuid(sysfs, "253:3",
	    "LVM-Nc1mJ7KrQpT2VJ0Qe3LoEwcJbXhFzgJbVYdVCT2oTqHIs8A5uXH0bnsaM2ejlgLm\n");
	fake_dm_uuid(sysfs, "253:4", "\n");
	fake_dm_uuid(sysfs, "253:5", "mpath-3600/../../etc\n");
	cr_assert_eq(lease_block_device_name(253, 3, sysfs, &name), 0);
	cr_assert_str_eq(name, "/dev/disk/by-id/dm-uuid-LVM-Nc1mJ7KrQpT2VJ0Qe3"
	    "LoEwcJbXhFzgJbVYdVCT2oTqHIs8A5uXH0bnsaM2ejlgLm");
	free(name);
	/* no UUID, a UUID that is not one, no dm at all: no such name */
	cr_assert_eq(lease_block_device_name(253, 4, sysfs, &name), -ENOENT);
	cr_assert_null(name);
	cr_assert_eq(lease_block_device_name(253, 5, sysfs, &name), -EINVAL);
	cr_assert_null(name);
	cr_assert_lt(lease_block_device_name(8, 0, sysfs, &name), 0);
	cr_assert_null(name);
	free(sysfs);
}

Test(lease, canonical_names)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "/xllease-none/a/./b//c/../d.img", "/xllease-none/a/b/d.img" },
		{ "/xllease-none/../x.img", "/x.img" },
		{ "rbd:pool/image", "rbd:pool/image" },
		{ "/", "/" },
	};
	char *out;

	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		cr_assert_eq(lease_canonical_path(cases[i].in, &out), 0);
		cr_assert_str_eq(out, cases[i].out);
		free(out);
	}
	cr_assert_eq(lease_canonical_path("", &out), -EINVAL);
	cr_assert_eq(lease_canonical_path("/a\nb", &out), -EINVAL);
}

static void config_disk(libxl_domain_config *c, const char *path, int rw,
    int cdrom, libxl_disk_format format)
{
	libxl_device_disk *d;

	c->disks = realloc(c->disks, (size_t)(c->num_disks + 1) * sizeof *d);
	cr_assert_not_null(c->disks);
	d = &c->disks[c->num_disks++];
	libxl_device_disk_init(d);
	d->pdev_path = path != NULL ? strdup(path) : NULL;
	d->readwrite = rw;
	d->is_cdrom = cdrom;
	d->format = format;
}

Test(lease, the_disks_a_domain_configuration_needs)
{
	libxl_domain_config c;
	struct lease_disks list;
	struct lease_disk *d;

	libxl_domain_config_init(&c);
	config_disk(&c, "/srv/root.img", 1, 0, LIBXL_DISK_FORMAT_RAW);
	config_disk(&c, "/srv/data.img", 0, 0, LIBXL_DISK_FORMAT_RAW);
	config_disk(&c, "/srv/install.iso", 1, 1, LIBXL_DISK_FORMAT_RAW);
	config_disk(&c, NULL, 0, 1, LIBXL_DISK_FORMAT_EMPTY);
	config_disk(&c, "", 0, 1, LIBXL_DISK_FORMAT_RAW);
	config_disk(&c, "/srv/data.img", 1, 0, LIBXL_DISK_FORMAT_QCOW2);
	assert_ok(lease_disks_from_config(&c, &list), "from config");
	/* root writable, data named twice (once writable), the iso read
	 * only as every cdrom, the empty drives nothing */
	cr_assert_eq(list.n, 3);
	d = lease_disks_find(&list, "/srv/root.img");
	cr_assert(d != NULL && d->mode == LEASE_EXCLUSIVE);
	d = lease_disks_find(&list, "/srv/data.img");
	cr_assert(d != NULL && d->mode == LEASE_EXCLUSIVE);
	d = lease_disks_find(&list, "/srv/install.iso");
	cr_assert(d != NULL && d->mode == LEASE_SHARED);
	lease_disks_clear(&list);
	config_disk(&c, "/srv/bad\nname.img", 1, 0, LIBXL_DISK_FORMAT_RAW);
	cr_assert_not_null(lease_disks_from_config(&c, &list));
	cr_assert_eq(list.n, 0);
	libxl_domain_config_dispose(&c);
}

Test(lease, a_renamed_domain_is_named_in_conflicts)
{
	char *a = make_disk("a.img");
	struct lease_disk disk = { .path = a, .mode = LEASE_EXCLUSIVE };
	struct result r = { 0 };

	lease_start(0, 0);
	assert_ok(acquire(UUID1, "dom1", a, LEASE_EXCLUSIVE, NULL), "dom1");
	lease_rename(UUID1, "web-renamed");
	/* a domain's requests are answered in order: once this one is, the
	 * rename is done */
	lease_add_disk(UUID1, "web-renamed", &disk, on_done, &r);
	run_until(&r.done);
	assert_ok(r.e, "add what it holds");
	assert_conflict(acquire(UUID2, "dom2", a, LEASE_EXCLUSIVE, NULL), a,
	    "hostA", "web-renamed");
	cr_assert_not_null(list_entry(a, "web-renamed"));
	free(a);
}
