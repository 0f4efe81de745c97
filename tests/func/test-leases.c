/* Disk leases through the daemon (doc/leases.md): every way of building a
 * domain takes its disks' leases first and builds nothing on a
 * LeaseConflict; a domain that goes frees them; two daemons sharing a
 * lockspace exclude each other, across a SIGKILL and a restart.  The
 * daemon killed at random points: test-lease-restart.c. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <criterion/criterion.h>

#include "daemon/lease-disk.h"
#include "tests/func/harness.h"
#include "tests/func/lease-util.h"

static char hostname[256];

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
