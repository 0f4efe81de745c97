/* Disk leases through the daemon (doc/leases.md): every way of building a
 * domain takes its disks' leases first and builds nothing on a
 * LeaseConflict; a domain that goes frees them; two daemons sharing a
 * lockspace exclude each other, across a SIGKILL and a restart; and a
 * daemon killed at random points of creates, restores and destroys leaves
 * exactly the running domains holding leases.  The last is seeded
 * (XENLIGHTD_TEST_SEED, printed on failure); XENLIGHTD_LEASE_ITERATIONS
 * sets its count (default 50). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <criterion/criterion.h>

#include "daemon/lease-disk.h"
#include "tests/func/harness.h"

static char hostname[256];

/* xl config text of a domain with the given disk specs (NULL-ended) */
static char *config_with_disks(const char *name, const char *first, ...)
{
	char *text = xl_config_text(name, 32), *disks = test_format("%s", "");
	const char *spec;
	va_list ap;

	va_start(ap, first);
	for (spec = first; spec != NULL; spec = va_arg(ap, const char *)) {
		char *more = test_format("%s%s'%s'", disks, disks[0] ? ", " :
		    "", spec);

		free(disks);
		disks = more;
	}
	va_end(ap);
	{
		char *all = test_format("%sdisk = [ %s ]\non_reboot = "
		    "\"restart\"\n", text, disks);

		free(text);
		free(disks);
		return all;
	}
}

static char *disk_spec(const char *vdev, const char *access, const char *path)
{
	return test_format("format=raw, vdev=%s, access=%s, target=%s", vdev,
	    access, path);
}

static json_object *create_text(struct xlctl *c, struct xlctl_error *err,
    const char *text)
{
	json_object *args = json_object_new_object(), *ret;

	json_object_object_add(args, "xl_config", json_object_new_string(text));
	ret = xlctl_call(c, "domain-create", args, NULL, 120000, err);
	json_object_put(args);
	return ret;
}

/* A domain with one disk: created, or refused with err filled. */
static json_object *create_one(struct xlctl *c, struct xlctl_error *err,
    const char *name, const char *access, const char *path)
{
	char *spec = disk_spec("xvda", access, path);
	char *text = config_with_disks(name, spec, NULL);
	json_object *ret = create_text(c, err, text);

	free(text);
	free(spec);
	return ret;
}

static void create_one_ok(struct xlctl *c, const char *name,
    const char *access, const char *path)
{
	struct xlctl_error err = { 0 };
	json_object *ret = create_one(c, &err, name, access, path);

	cr_assert_not_null(ret, "create %s (%s %s): %s: %s", name, access, path,
	    err.class_name, err.desc);
	json_object_put(ret);
}

/* The error is a LeaseConflict on disk (canonical) held by domain. */
static void assert_conflict(struct xlctl_error *err, const char *what,
    const char *disk, const char *domain)
{
	json_object *holder;

	cr_assert_str_eq(err->class_name, "LeaseConflict", "%s: %s: %s", what,
	    err->class_name, err->desc);
	cr_assert_not_null(err->data, "%s: no data", what);
	cr_assert_str_eq(json_str(err->data, "disk"), disk, "%s", what);
	holder = json_get(err->data, "holder");
	if (domain != NULL) {
		cr_assert_str_eq(json_str(holder, "domain"), domain, "%s", what);
		cr_assert_str_eq(json_str(holder, "host"), hostname, "%s", what);
	} else {
		cr_assert_str_eq(json_str(holder, "mode"), "shared", "%s", what);
	}
	xlctl_error_clear(err);
}

static void create_conflicts(struct xlctl *c, const char *name,
    const char *access, const char *path, const char *disk,
    const char *holder)
{
	struct xlctl_error err = { 0 };
	json_object *ret = create_one(c, &err, name, access, path);
	struct xlctl_error gone = { 0 };

	cr_assert_null(ret, "create %s (%s %s) was allowed", name, access,
	    path);
	assert_conflict(&err, name, disk, holder);
	/* nothing was built: the transient domain is not there */
	cr_assert_null(call(c, &gone, "domain-info", "{\"domain\":\"%s\"}",
	    name), "%s exists after the conflict", name);
	xlctl_error_clear(&gone);
}

static void destroy(struct xlctl *c, const char *name)
{
	json_object_put(call_ok(c, "domain-destroy", "{\"domain\":\"%s\"}",
	    name));
}

/* An empty image file; its canonical name (the holder's). */
static char *make_image(struct dut *d, const char *name)
{
	char *dir = test_format("%s/img", d->dir);
	char *path = test_format("%s/%s", dir, name);
	int fd;

	mkdir(dir, 0755);
	fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	cr_assert_geq(fd, 0, "%s: %s", path, strerror(errno));
	close(fd);
	free(dir);
	return path;
}

static char *canonical(const char *path)
{
	char *out = NULL;

	cr_assert_eq(lease_canonical_path(path, &out), 0, "%s", path);
	return out;
}

/* Whether somebody holds a lock on disk's lease file in lockspace: a
 * write lock from here fails (and is given back at once). */
static bool disk_locked(const char *lockspace, const char *path)
{
	char *name = canonical(path), key[LEASE_KEY_SIZE], *file;
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	bool locked = false;
	int fd;

	lease_key(name, key);
	file = test_format("%s/%s.lock", lockspace, key);
	fd = open(file, O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		locked = fcntl(fd, F_OFD_SETLK, &fl) < 0;
		close(fd);	/* drops the lock if we got it */
	}
	free(file);
	free(name);
	return locked;
}

static char *lockspace_of(struct dut *d)
{
	return test_format("%s/lockspace", d->statedir);
}

/* The lease-list entry of disk (canonical) and domain, or NULL. */
static json_object *find_lease(json_object *list, const char *disk,
    const char *domain)
{
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		json_object *l = json_object_array_get_idx(list, i);

		if (strcmp(json_str(l, "disk"), disk) == 0 &&
		    strcmp(json_str(l, "domain"), domain) == 0)
			return l;
	}
	return NULL;
}

static void assert_lease(struct xlctl *c, const char *disk,
    const char *domain, const char *mode)
{
	json_object *list = call_ok(c, "lease-list", NULL);
	json_object *l = find_lease(list, disk, domain);

	cr_assert_not_null(l, "no lease of %s on %s in %s", domain, disk,
	    json_object_to_json_string(list));
	cr_assert_str_eq(json_str(l, "mode"), mode);
	cr_assert_str_eq(json_str(l, "state"), "held");
	cr_assert_str_eq(json_str(l, "host"), hostname);
	json_object_put(list);
}

static void assert_no_leases(struct xlctl *c)
{
	json_object *list = call_ok(c, "lease-list", NULL);

	cr_assert_eq(json_object_array_length(list), 0, "leases left: %s",
	    json_object_to_json_string(list));
	json_object_put(list);
}

/* The end of a one-daemon test: nothing left running, no holder left. */
static void finish(struct dut *d, struct xlctl *c)
{
	xlctl_close(c);
	dut_stop(d);
	dut_free(d);
}

static void setup(void)
{
	gethostname(hostname, sizeof hostname - 1);
}

TestSuite(leases, .init = setup);

/* ------------------------------------------------------------------------
 * One daemon */

Test(leases, create_conflict_and_release, .timeout = 180)
{
	struct dut *d = dut_start(NULL);
	struct xlctl *c = dut_connect(d);
	char *img = make_image(d, "web.img"), *disk = canonical(img);
	char *lockspace = lockspace_of(d);
	json_object *info, *leases;

	create_one_ok(c, "a", "rw", img);
	assert_lease(c, disk, "a", "exclusive");
	cr_assert(disk_locked(lockspace, img));
	/* domain-info shows it per disk */
	info = call_ok(c, "domain-info", "{\"domain\":\"a\"}");
	leases = json_get(info, "leases");
	cr_assert_eq(json_object_array_length(leases), 1);
	cr_assert_str_eq(json_str(json_object_array_get_idx(leases, 0),
	    "path"), img);
	cr_assert_str_eq(json_str(json_object_array_get_idx(leases, 0),
	    "disk"), disk);
	cr_assert_str_eq(json_str(json_object_array_get_idx(leases, 0),
	    "state"), "held");
	json_object_put(info);

	create_conflicts(c, "b", "rw", img, disk, "a");
	create_conflicts(c, "b", "ro", img, disk, "a");
	/* a still runs, and still holds it */
	info = call_ok(c, "domain-info", "{\"domain\":\"a\"}");
	cr_assert_str_neq(json_str(info, "state"), "shutoff");
	json_object_put(info);
	assert_lease(c, disk, "a", "exclusive");

	destroy(c, "a");
	for (int64_t deadline = now_ms() + 20000; disk_locked(lockspace, img);) {
		cr_assert_lt(now_ms(), deadline, "the lease outlived domain a");
		usleep(20000);
	}
	create_one_ok(c, "b", "rw", img);
	assert_lease(c, disk, "b", "exclusive");
	destroy(c, "b");
	finish(d, c);
	free(img);
	free(disk);
	free(lockspace);
}

Test(leases, readonly_shared_writable_refused, .timeout = 180)
{
	struct dut *d = dut_start(NULL);
	struct xlctl *c = dut_connect(d);
	char *img = make_image(d, "base.img"), *disk = canonical(img);
	struct xlctl_error err = { 0 };
	char *spec, *text;

	create_one_ok(c, "r1", "ro", img);
	create_one_ok(c, "r2", "ro", img);
	assert_lease(c, disk, "r1", "shared");
	assert_lease(c, disk, "r2", "shared");
	create_conflicts(c, "w", "rw", img, disk, NULL);
	/* a cdrom is read-only too */
	spec = test_format("format=raw, vdev=hdc, devtype=cdrom, access=ro, "
	    "target=%s", img);
	text = config_with_disks("cd", spec, NULL);
	json_object_put(create_text(c, &err, text));
	cr_assert_eq(err.class_name[0], '\0', "cdrom: %s: %s",
	    err.class_name, err.desc);
	free(text);
	free(spec);
	destroy(c, "r1");
	destroy(c, "r2");
	destroy(c, "cd");
	create_one_ok(c, "w", "rw", img);
	destroy(c, "w");
	finish(d, c);
	free(img);
	free(disk);
}

Test(leases, symlink_and_dotdot_are_one_disk, .timeout = 180)
{
	struct dut *d = dut_start(NULL);
	struct xlctl *c = dut_connect(d);
	char *img = make_image(d, "data.img"), *disk = canonical(img);
	char *link = test_format("%s/link.img", d->dir);
	char *sub = test_format("%s/img/sub", d->dir);
	char *dotdot = test_format("%s/img/sub/../data.img", d->dir);
	char *slashes = test_format("%s//img/./data.img", d->dir);

	cr_assert_eq(symlink(img, link), 0);
	cr_assert_eq(mkdir(sub, 0755), 0);
	create_one_ok(c, "a", "rw", link);
	assert_lease(c, disk, "a", "exclusive");
	create_conflicts(c, "b", "rw", img, disk, "a");
	create_conflicts(c, "b", "rw", dotdot, disk, "a");
	create_conflicts(c, "b", "ro", slashes, disk, "a");
	destroy(c, "a");
	finish(d, c);
	free(img);
	free(disk);
	free(link);
	free(sub);
	free(dotdot);
	free(slashes);
}

Test(leases, start_conflict, .timeout = 180)
{
	struct dut *d = dut_start(NULL);
	struct xlctl *c = dut_connect(d);
	char *img = make_image(d, "web.img"), *disk = canonical(img);
	char *spec = disk_spec("xvda", "rw", img);
	char *text = config_with_disks("def", spec, NULL);
	json_object *args = json_object_new_object(), *info;
	struct xlctl_error err = { 0 };

	json_object_object_add(args, "xl_config", json_object_new_string(text));
	json_object_put(xlctl_call(c, "domain-define", args, NULL, 30000,
	    &err));
	cr_assert_eq(err.class_name[0], '\0', "define: %s", err.desc);
	create_one_ok(c, "a", "rw", img);
	cr_assert_null(call(c, &err, "domain-start", "{\"domain\":\"def\"}"));
	assert_conflict(&err, "start", disk, "a");
	info = call_ok(c, "domain-info", "{\"domain\":\"def\"}");
	cr_assert_str_eq(json_str(info, "state"), "shutoff");
	json_object_put(info);
	destroy(c, "a");
	json_object_put(call_ok(c, "domain-start", "{\"domain\":\"def\"}"));
	assert_lease(c, disk, "def", "exclusive");

	/* from its managed save image: a start that is a restore */
	json_object_put(call_ok(c, "domain-managed-save",
	    "{\"domain\":\"def\"}"));
	assert_no_leases(c);
	create_one_ok(c, "a", "rw", img);
	cr_assert_null(call(c, &err, "domain-start", "{\"domain\":\"def\"}"));
	assert_conflict(&err, "start from a managed save", disk, "a");
	info = call_ok(c, "domain-info", "{\"domain\":\"def\"}");
	cr_assert(json_flag(info, "managed_save"), "the image is kept");
	json_object_put(info);
	destroy(c, "a");
	json_object_put(call_ok(c, "domain-start", "{\"domain\":\"def\"}"));
	assert_lease(c, disk, "def", "exclusive");
	destroy(c, "def");
	json_object_put(args);
	free(text);
	free(spec);
	finish(d, c);
	free(img);
	free(disk);
}

Test(leases, restore_conflict_and_save_releases, .timeout = 180)
{
	struct dut *d = dut_start(NULL);
	struct xlctl *c = dut_connect(d);
	char *img = make_image(d, "web.img"), *disk = canonical(img);
	char *lockspace = lockspace_of(d);
	struct xlctl_error err = { 0 };

	create_one_ok(c, "saved", "rw", img);
	json_object_put(call_ok(c, "domain-save", "{\"domain\":\"saved\","
	    "\"file\":\"%s/saved.save\"}", d->dir));
	assert_no_leases(c);
	cr_assert(!disk_locked(lockspace, img), "a saved domain keeps its "
	    "lease");
	create_one_ok(c, "a", "rw", img);
	cr_assert_null(call(c, &err, "domain-restore", "{\"file\":"
	    "\"%s/saved.save\"}", d->dir));
	assert_conflict(&err, "restore", disk, "a");
	cr_assert_null(call(c, &err, "domain-info", "{\"domain\":\"saved\"}"),
	    "the refused restore left a domain");
	xlctl_error_clear(&err);
	destroy(c, "a");
	json_object_put(call_ok(c, "domain-restore", "{\"file\":"
	    "\"%s/saved.save\"}", d->dir));
	assert_lease(c, disk, "saved", "exclusive");
	destroy(c, "saved");
	finish(d, c);
	free(img);
	free(disk);
	free(lockspace);
}

Test(leases, attach_takes_detach_releases, .timeout = 180)
{
	struct dut *d = dut_start(NULL);
	struct xlctl *c = dut_connect(d);
	char *img = make_image(d, "web.img"), *disk = canonical(img);
	char *other = make_image(d, "other.img"), *other_disk = canonical(other);
	char *lockspace = lockspace_of(d);
	struct xlctl_error err = { 0 };

	create_one_ok(c, "a", "rw", img);
	json_object_put(create_domain(c, "b", 32));	/* no disks */
	cr_assert_null(call(c, &err, "domain-disk-attach", "{\"domain\":\"b\","
	    "\"disk\":\"format=raw, vdev=xvdb, access=rw, target=%s\"}", img));
	assert_conflict(&err, "attach rw", disk, "a");
	cr_assert_null(call(c, &err, "domain-disk-attach", "{\"domain\":\"b\","
	    "\"disk\":\"format=raw, vdev=xvdb, access=ro, target=%s\"}", img));
	assert_conflict(&err, "attach ro", disk, "a");

	json_object_put(call_ok(c, "domain-disk-attach", "{\"domain\":\"b\","
	    "\"disk\":\"format=raw, vdev=xvdb, access=rw, target=%s\"}", other));
	assert_lease(c, other_disk, "b", "exclusive");
	cr_assert(disk_locked(lockspace, other));
	cr_assert_null(call(c, &err, "domain-disk-attach", "{\"domain\":\"a\","
	    "\"disk\":\"format=raw, vdev=xvdb, access=rw, target=%s\"}", other));
	assert_conflict(&err, "attach to a", other_disk, "b");
	json_object_put(call_ok(c, "domain-disk-detach", "{\"domain\":\"b\","
	    "\"vdev\":\"xvdb\"}"));
	cr_assert(!disk_locked(lockspace, other), "detach kept the lease");
	json_object_put(call_ok(c, "domain-disk-attach", "{\"domain\":\"a\","
	    "\"disk\":\"format=raw, vdev=xvdb, access=rw, target=%s\"}", other));
	assert_lease(c, other_disk, "a", "exclusive");
	assert_lease(c, disk, "a", "exclusive");
	destroy(c, "a");
	destroy(c, "b");
	assert_no_leases(c);
	finish(d, c);
	free(img);
	free(disk);
	free(other);
	free(other_disk);
	free(lockspace);
}

/* on_reboot=restart destroys and builds the domain again: its leases are
 * never let go in between (the same holder keeps them). */
Test(leases, reboot_keeps_leases, .timeout = 180)
{
	struct dut *d = dut_start(NULL);
	struct xlctl *c = dut_connect(d), *ev = dut_connect(d);
	char *img = make_image(d, "web.img"), *disk = canonical(img);
	pid_t before[4], after[4];

	create_one_ok(c, "rb", "rw", img);
	cr_assert_eq(dut_lease_holders(d, before, 4), 1);
	json_object_put(call_ok(ev, "subscribe", "{\"domains\":[\"rb\"]}"));
	sim_ok(d, "sim-guest", "{\"domain\":\"rb\",\"action\":\"reboot\"}");
	json_object_put(wait_event(ev, "DOMAIN_STOPPED", 30000));
	json_object_put(wait_event(ev, "DOMAIN_STARTED", 30000));
	assert_lease(c, disk, "rb", "exclusive");
	cr_assert_eq(dut_lease_holders(d, after, 4), 1);
	cr_assert_eq(before[0], after[0], "the leases were released and taken "
	    "again by a new holder");
	/* a shutdown frees them */
	sim_ok(d, "sim-guest", "{\"domain\":\"rb\",\"action\":\"shutdown\"}");
	json_object_put(wait_event(ev, "DOMAIN_STOPPED", 30000));
	for (int64_t deadline = now_ms() + 20000;;) {
		json_object *list = call_ok(c, "lease-list", NULL);
		size_t n = json_object_array_length(list);

		json_object_put(list);
		if (n == 0)
			break;
		cr_assert_lt(now_ms(), deadline, "a shut down domain holds "
		    "its leases");
		usleep(20000);
	}
	xlctl_close(ev);
	finish(d, c);
	free(img);
	free(disk);
}

/* ------------------------------------------------------------------------
 * Two hosts: two daemons on their own simulators, one lockspace */

Test(leases, two_hosts_one_lockspace, .timeout = 240)
{
	char template[] = "/tmp/xenlightd-lockspace-XXXXXX";
	char *shared = mkdtemp(template);
	struct dut *h1, *h2;
	struct xlctl *c1, *c2;
	struct xlctl_error err = { 0 };
	char *img, *disk;
	json_object *ret;

	cr_assert_not_null(shared);
	h1 = dut_start("--lockspace", shared, NULL);
	h2 = dut_start("--lockspace", shared, NULL);
	c1 = dut_connect(h1);
	c2 = dut_connect(h2);
	img = make_image(h1, "shared.img");
	disk = canonical(img);

	create_one_ok(c1, "one", "rw", img);
	ret = create_one(c2, &err, "two", "rw", img);
	cr_assert_null(ret);
	assert_conflict(&err, "the other host", disk, "one");

	/* the first daemon dies: its domain's lease stays */
	xlctl_close(c1);
	dut_kill(h1);
	cr_assert(disk_locked(shared, img), "the lease died with the daemon");
	cr_assert_null(create_one(c2, &err, "two", "rw", img));
	assert_conflict(&err, "after kill -9", disk, "one");

	/* back: it still holds it, for the same domain */
	dut_restart(h1);
	c1 = dut_connect(h1);
	assert_lease(c1, disk, "one", "exclusive");
	cr_assert_null(create_one(c2, &err, "two", "rw", img));
	assert_conflict(&err, "after the restart", disk, "one");

	destroy(c1, "one");
	for (int64_t deadline = now_ms() + 20000; disk_locked(shared, img);) {
		cr_assert_lt(now_ms(), deadline, "destroy kept the lease");
		usleep(20000);
	}
	create_one_ok(c2, "two", "rw", img);
	assert_lease(c2, disk, "two", "exclusive");
	destroy(c2, "two");
	xlctl_close(c1);
	xlctl_close(c2);
	dut_stop(h1);
	dut_stop(h2);
	dut_free(h1);
	dut_free(h2);
	{
		char *cmd = test_format("rm -rf '%s'", shared);

		if (system(cmd) != 0)
			cr_log_warn("cannot remove %s", shared);
		free(cmd);
	}
	free(img);
	free(disk);
}

/* A build that fails after its leases were taken gives them back. */
Test(leases, failed_build_releases, .timeout = 180)
{
	struct dut *d = dut_start(NULL);
	struct xlctl *c = dut_connect(d);
	char *img = make_image(d, "web.img");
	char *lockspace = lockspace_of(d);
	struct xlctl_error err = { 0 };

	sim_ok(d, "sim-fault", "{\"op\":\"create\",\"kind\":\"fail\","
	    "\"once\":true}");
	cr_assert_null(create_one(c, &err, "a", "rw", img));
	cr_assert_str_eq(err.class_name, "HypervisorError", "%s", err.desc);
	xlctl_error_clear(&err);
	assert_no_leases(c);
	for (int64_t deadline = now_ms() + 20000; disk_locked(lockspace, img);) {
		cr_assert_lt(now_ms(), deadline, "the failed build kept it");
		usleep(20000);
	}
	create_one_ok(c, "a", "rw", img);
	destroy(c, "a");
	finish(d, c);
	free(img);
	free(lockspace);
}

/* ------------------------------------------------------------------------
 * kill -9 at random points of creates, restores, saves and destroys */

#define CHAOS_GUESTS 4

struct chaos_guest {
	char name[8];
	char *img;
	char *disk;			/* canonical */
	char *image;			/* its save image */
	bool running;
};

static unsigned chaos_seed(void)
{
	const char *s = getenv("XENLIGHTD_TEST_SEED");

	return s != NULL ? (unsigned)strtoul(s, NULL, 10) : (unsigned)time(NULL);
}

static int chaos_iterations(void)
{
	const char *s = getenv("XENLIGHTD_LEASE_ITERATIONS");

	return s != NULL ? atoi(s) : 50;
}

/* Starts one operation on g (detached); its name. */
static const char *chaos_start(struct xlctl *c, struct chaos_guest *g)
{
	int pick = rand() % 8;

	/* a running guest is left alone half of the time: at every kill,
	 * some run and some come and go */
	if (g->running && pick < 2) {
		call_detached(c, "domain-save", "{\"domain\":\"%s\",\"file\":"
		    "\"%s\",\"overwrite\":true}", g->name, g->image);
		return "save";
	}
	if (g->running && pick < 4) {
		call_detached(c, "domain-destroy", "{\"domain\":\"%s\"}",
		    g->name);
		return "destroy";
	}
	if (g->running)
		return "none";
	if (access(g->image, R_OK) == 0 && pick < 5) {
		call_detached(c, "domain-restore", "{\"file\":\"%s\"}",
		    g->image);
		return "restore";
	} else {
		char *spec = disk_spec("xvda", "rw", g->img);
		char *text = config_with_disks(g->name, spec, NULL);
		json_object *args = json_object_new_object();
		struct xlctl_options detach = { .detach = true };

		json_object_object_add(args, "xl_config",
		    json_object_new_string(text));
		json_object_put(xlctl_call(c, "domain-create", args, &detach,
		    30000, NULL));
		json_object_put(args);
		free(text);
		free(spec);
		return "create";
	}
}

/* No job runs or waits: what the killed daemon left is repaired. */
static bool chaos_jobs_idle(struct xlctl *c)
{
	json_object *jobs = call_ok(c, "job-list", NULL);
	bool idle = true;

	for (size_t i = 0; i < json_object_array_length(jobs); i++) {
		const char *state = json_str(json_object_array_get_idx(jobs, i),
		    "state");

		if (strcmp(state, "running") == 0 ||
		    strcmp(state, "queued") == 0 ||
		    strcmp(state, "aborting") == 0)
			idle = false;
	}
	json_object_put(jobs);
	return idle;
}

/* Which guests run now, from the daemon's list. */
static void chaos_refresh(struct xlctl *c, struct chaos_guest *guests)
{
	json_object *list = call_ok(c, "domain-list", NULL);

	for (int i = 0; i < CHAOS_GUESTS; i++)
		guests[i].running = false;
	for (size_t k = 0; k < json_object_array_length(list); k++) {
		json_object *dom = json_object_array_get_idx(list, k);

		for (int i = 0; i < CHAOS_GUESTS; i++)
			if (strcmp(json_str(dom, "name"), guests[i].name) == 0)
				guests[i].running = strcmp(json_str(dom,
				    "state"), "shutoff") != 0;
	}
	json_object_put(list);
}

/* Every running guest holds its lease, no other lease is listed, the lock
 * files say the same, and no holder runs for a guest that is gone.  NULL,
 * or what is wrong (static). */
static const char *chaos_violation(struct dut *d, struct xlctl *c,
    struct chaos_guest *guests, const char *lockspace)
{
	static char why[512];
	json_object *leases = call_ok(c, "lease-list", NULL);
	size_t running = 0, n = json_object_array_length(leases);
	pid_t holders[16];

	why[0] = '\0';
	for (int i = 0; i < CHAOS_GUESTS && why[0] == '\0'; i++) {
		struct chaos_guest *g = &guests[i];
		json_object *l = find_lease(leases, g->disk, g->name);

		running += g->running;
		if (g->running && (l == NULL ||
		    strcmp(json_str(l, "state"), "held") != 0))
			snprintf(why, sizeof why, "%s runs without its lease: "
			    "%s", g->name, json_object_to_json_string(leases));
		else if (!g->running && l != NULL)
			snprintf(why, sizeof why, "%s is gone, its lease is "
			    "listed: %s", g->name,
			    json_object_to_json_string(leases));
		else if (disk_locked(lockspace, g->img) != g->running)
			snprintf(why, sizeof why, "%s %s, its lock file is %s",
			    g->name, g->running ? "runs" : "is gone",
			    g->running ? "free" : "locked");
	}
	if (why[0] == '\0' && n != running)
		snprintf(why, sizeof why, "%zu guests run, %zu leases: %s",
		    running, n, json_object_to_json_string(leases));
	if (why[0] == '\0' && dut_lease_holders(d, holders, 16) !=
	    (int)running)
		snprintf(why, sizeof why, "%zu guests run, %d lease holders",
		    running, dut_lease_holders(d, holders, 16));
	json_object_put(leases);
	return why[0] != '\0' ? why : NULL;
}

Test(leases, kill_9_at_random_points, .timeout = 900)
{
	unsigned seed = chaos_seed();
	int iterations = chaos_iterations();
	struct dut *d;
	struct xlctl *c;
	char *lockspace;
	struct chaos_guest guests[CHAOS_GUESTS];
	int ops[5] = { 0 };		/* create restore save destroy none */
	int ran = 0;			/* guests found running afterwards */

	/* a SIGKILL under valgrind reports nothing: this is for the plain
	 * daemon */
	if (getenv("XENLIGHTD_TEST_WRAPPER") != NULL)
		cr_skip_test("too slow under a wrapper");
	d = dut_start(NULL);
	c = dut_connect(d);
	lockspace = lockspace_of(d);

	srand(seed);
	cr_log_info("leases: seed %u, %d iterations", seed, iterations);
	/* slow enough that a kill lands inside the operations */
	sim_ok(d, "sim-set", "{\"save_mib_s\":128,\"restore_mib_s\":128,"
	    "\"create_ms\":150}");
	for (int i = 0; i < CHAOS_GUESTS; i++) {
		struct chaos_guest *g = &guests[i];

		snprintf(g->name, sizeof g->name, "g%d", i);
		g->img = make_image(d, g->name);
		g->disk = canonical(g->img);
		g->image = test_format("%s/%s.save", d->dir, g->name);
		create_one_ok(c, g->name, "rw", g->img);
		g->running = true;
	}
	for (int it = 0; it < iterations; it++) {
		const char *what[CHAOS_GUESTS];
		int delay_ms = rand() % 900;
		const char *why;

		for (int i = 0; i < CHAOS_GUESTS; i++) {
			what[i] = chaos_start(c, &guests[i]);
			ops[strcmp(what[i], "create") == 0 ? 0 :
			    strcmp(what[i], "restore") == 0 ? 1 :
			    strcmp(what[i], "save") == 0 ? 2 :
			    strcmp(what[i], "destroy") == 0 ? 3 : 4]++;
		}
		usleep((useconds_t)delay_ms * 1000);
		xlctl_close(c);
		dut_kill(d);
		dut_restart(d);
		c = dut_connect(d);
		for (int64_t deadline = now_ms() + 60000;;) {
			if (chaos_jobs_idle(c)) {
				chaos_refresh(c, guests);
				why = chaos_violation(d, c, guests, lockspace);
				if (why == NULL) {
					for (int i = 0; i < CHAOS_GUESTS; i++)
						ran += guests[i].running;
					break;
				}
			} else {
				why = "jobs still run";
			}
			cr_assert_lt(now_ms(), deadline, "iteration %d (seed %u, "
			    "killed after %d ms of %s %s %s %s): %s", it, seed,
			    delay_ms, what[0], what[1], what[2], what[3], why);
			usleep(50000);
		}
	}
	cr_log_info("leases: %d creates, %d restores, %d saves, %d destroys "
	    "interrupted or done; %d of %d guests running after the restarts",
	    ops[0], ops[1], ops[2], ops[3], ran, iterations * CHAOS_GUESTS);
	finish(d, c);
	for (int i = 0; i < CHAOS_GUESTS; i++) {
		free(guests[i].img);
		free(guests[i].disk);
		free(guests[i].image);
	}
	free(lockspace);
}
