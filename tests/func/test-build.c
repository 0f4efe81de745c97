/* Domain builds run in xenlightd-build-helper: libxl builds a domain
 * synchronously (on the simulator: build_ms of blocking where real libxl
 * decompresses the kernel and populates memory), and the daemon's loop
 * must not wait for it.  Aborts kill the helper, failures of any kind
 * leave no half-built domain, and builds run side by side. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <criterion/criterion.h>

#include "tests/func/harness.h"

#define BUILD_MS 3000

static const char *job_state(struct xlctl *c, int64_t job)
{
	static char state[32];
	json_object *info = job_info(c, job);

	snprintf(state, sizeof state, "%s", json_str(info, "state"));
	json_object_put(info);
	return state;
}

static int64_t create_detached(struct xlctl *c, const char *name)
{
	char *text = xl_config_text(name, 64);
	json_object *args = json_object_new_object();
	int64_t job;

	json_object_object_add(args, "xl_config", json_object_new_string(text));
	free(text);
	job = call_detached(c, "domain-create", "%s",
	    json_object_to_json_string(args));
	json_object_put(args);
	return job;
}

/* Waits until the simulator shows name half-built: the build helper made
 * the domain and is inside the (blocking) build. */
static void wait_half_built(struct dut *d, const char *name)
{
	for (int64_t deadline = now_ms() + 20000;;) {
		json_object *info = sim_info(d), *dom = sim_domain(info, name);
		bool building = dom != NULL && !json_flag(dom, "complete");

		json_object_put(info);
		if (building)
			return;
		cr_assert_lt(now_ms(), deadline, "%s never showed up half-built",
		    name);
		usleep(20000);
	}
}

/* Nothing of name in the simulator, and no child of the daemon left. */
static void assert_nothing_left(struct dut *d, const char *name)
{
	json_object *info = sim_info(d);

	cr_assert_null(sim_domain(info, name), "a half-built %s remains", name);
	cr_assert_eq(json_int(info, "children"), 0);
	cr_assert_eq(json_int(info, "ops_in_flight"), 0);
	json_object_put(info);
}

/* A few queries on another connection, all answered while the job that
 * builds name still runs and the build is still in progress. */
static void queries_during(struct dut *d, struct xlctl *q, int64_t job,
    const char *name, const char *other)
{
	json_object *info;

	for (int i = 0; i < 3; i++) {
		json_object *a = call_ok(q, "domain-info", "{\"domain\":\"%s\"}",
		    name);
		json_object *b = call_ok(q, "domain-info", "{\"domain\":\"%s\"}",
		    other);
		json_object *list = call_ok(q, "domain-list", NULL);

		cr_assert_str_eq(json_str(json_get(a, "job"), "state"),
		    "running");
		cr_assert_str_neq(json_str(b, "state"), "shutoff");
		cr_assert_geq(json_object_array_length(list), 3);
		json_object_put(a);
		json_object_put(b);
		json_object_put(list);
	}
	/* every answer came while the build went on */
	cr_assert_str_eq(job_state(q, job), "running");
	info = sim_info(d);
	cr_assert_not(json_flag(sim_domain(info, name), "complete"));
	json_object_put(info);
}

/* 1. A create whose build blocks for seconds: queries are answered. */
Test(build, queries_are_answered_during_a_blocking_create, .timeout = 180)
{
	struct dut *d = dut_start(NULL);
	struct xlctl *c = dut_connect(d), *q = dut_connect(d);
	json_object *job;
	int64_t id;

	json_object_put(create_domain(c, "other", 64));
	sim_ok(d, "sim-set", "{\"build_ms\":%d,\"create_ms\":0}", BUILD_MS);
	id = create_detached(c, "slow");
	wait_half_built(d, "slow");
	queries_during(d, q, id, "slow", "other");
	job = wait_job(c, id, 60000);
	cr_assert_str_eq(json_str(job, "state"), "completed");
	json_object_put(job);
	job = call_ok(q, "domain-info", "{\"domain\":\"slow\"}");
	cr_assert_str_eq(json_str(job, "state"), "running");
	json_object_put(job);
	assert_nothing_left(d, "nothing");
	xlctl_close(c);
	xlctl_close(q);
	dut_stop(d);
	dut_free(d);
}

/* 2. The same for a restore. */
Test(build, queries_are_answered_during_a_blocking_restore, .timeout = 180)
{
	struct dut *d = dut_start(NULL);
	struct xlctl *c = dut_connect(d), *q = dut_connect(d);
	json_object *job, *info;
	int64_t id;
	char *before;

	json_object_put(create_domain(c, "other", 64));
	json_object_put(create_domain(c, "back", 64));
	info = sim_info(d);
	before = strdup(json_str(sim_domain(info, "back"), "guest_state"));
	json_object_put(info);
	json_object_put(call_ok(c, "domain-save", "{\"domain\":\"back\","
	    "\"file\":\"%s/back.save\"}", d->dir));
	sim_ok(d, "sim-set", "{\"build_ms\":%d}", BUILD_MS);
	id = call_detached(c, "domain-restore", "{\"file\":\"%s/back.save\"}",
	    d->dir);
	wait_half_built(d, "back");
	queries_during(d, q, id, "back", "other");
	job = wait_job(c, id, 60000);
	cr_assert_str_eq(json_str(job, "state"), "completed", "%s",
	    json_object_to_json_string(json_get(job, "error")));
	json_object_put(job);
	info = sim_info(d);
	cr_assert_str_eq(json_str(sim_domain(info, "back"), "guest_state"),
	    before, "the restored guest is not the saved one");
	cr_assert_str_eq(json_str(sim_domain(info, "back"), "state"),
	    "running");
	json_object_put(info);
	free(before);
	assert_nothing_left(d, "nothing");
	xlctl_close(c);
	xlctl_close(q);
	dut_stop(d);
	dut_free(d);
}

/* 3. The helper reads the image through the file offset it shares with
 * the daemon: the restore's progress moves while the stream is read. */
Test(build, restore_progress_through_the_helper, .timeout = 180)
{
	struct dut *d = dut_start(NULL);
	struct xlctl *c = dut_connect(d);
	json_object *job = NULL;
	int64_t id, current = 0, total = 0;

	json_object_put(create_domain(c, "prog", 64));
	json_object_put(call_ok(c, "domain-save", "{\"domain\":\"prog\","
	    "\"file\":\"%s/prog.save\"}", d->dir));
	sim_ok(d, "sim-set", "{\"restore_mib_s\":16}");
	id = call_detached(c, "domain-restore", "{\"file\":\"%s/prog.save\"}",
	    d->dir);
	for (int64_t deadline = now_ms() + 30000; current == 0 ||
	    current >= total;) {
		json_object *progress;

		cr_assert_lt(now_ms(), deadline, "no progress seen");
		job = job_info(c, id);
		cr_assert_str_eq(json_str(job, "state"), "running");
		progress = json_get(job, "progress");
		if (progress != NULL) {
			current = json_int(progress, "current");
			total = json_int(progress, "total");
		}
		json_object_put(job);
		usleep(100000);
	}
	cr_assert_gt(total, 64 * 1024 * 1024);
	job = wait_job(c, id, 60000);
	cr_assert_str_eq(json_str(job, "state"), "completed");
	json_object_put(job);
	xlctl_close(c);
	dut_stop(d);
	dut_free(d);
}

/* 4. job-abort during the build kills the helper; nothing is left. */
Test(build, abort_during_the_build, .timeout = 180)
{
	struct dut *d = dut_start(NULL);
	struct xlctl *c = dut_connect(d);
	json_object *job, *ret;
	int64_t id;

	sim_ok(d, "sim-set", "{\"build_ms\":%d}", BUILD_MS);
	id = create_detached(c, "cut");
	wait_half_built(d, "cut");
	ret = call_ok(c, "job-abort", "{\"job\":%lld}", (long long)id);
	cr_assert(json_flag(ret, "aborting"));
	json_object_put(ret);
	job = wait_job(c, id, 60000);
	cr_assert_str_eq(json_str(job, "state"), "aborted");
	cr_assert_str_eq(json_str(json_get(job, "error"), "class"), "Aborted");
	json_object_put(job);
	call_fails(c, "DomainNotFound", "domain-info", "{\"domain\":\"cut\"}");
	assert_nothing_left(d, "cut");

	/* and a restore cut short in its build */
	json_object_put(create_domain(c, "img", 64));
	json_object_put(call_ok(c, "domain-save", "{\"domain\":\"img\","
	    "\"file\":\"%s/img.save\"}", d->dir));
	id = call_detached(c, "domain-restore", "{\"file\":\"%s/img.save\"}",
	    d->dir);
	wait_half_built(d, "img");
	json_object_put(call_ok(c, "job-abort", "{\"job\":%lld}",
	    (long long)id));
	job = wait_job(c, id, 60000);
	cr_assert_str_eq(json_str(job, "state"), "aborted");
	json_object_put(job);
	assert_nothing_left(d, "img");
	xlctl_close(c);
	dut_stop(d);
	dut_free(d);
}

/* 5. domain-destroy during the build wins the same way. */
Test(build, destroy_during_the_build, .timeout = 180)
{
	struct dut *d = dut_start(NULL);
	struct xlctl *c = dut_connect(d);
	json_object *job;
	int64_t id;

	sim_ok(d, "sim-set", "{\"build_ms\":%d}", BUILD_MS);
	id = create_detached(c, "doomed");
	wait_half_built(d, "doomed");
	json_object_put(call_ok(c, "domain-destroy",
	    "{\"domain\":\"doomed\"}"));
	job = wait_job(c, id, 60000);
	cr_assert_str_eq(json_str(job, "state"), "aborted");
	json_object_put(job);
	call_fails(c, "DomainNotFound", "domain-info",
	    "{\"domain\":\"doomed\"}");
	assert_nothing_left(d, "doomed");
	xlctl_close(c);
	dut_stop(d);
	dut_free(d);
}

/* 6. The helper dies mid-build, or libxl fails: no half-built domain,
 * and the error says what happened. */
Test(build, failures_leave_nothing, .timeout = 180)
{
	struct dut *d = dut_start(NULL);
	struct xlctl *c = dut_connect(d);
	struct xlctl_error err = { 0 };
	json_object *ret, *args;
	char *text;
	const char *desc;

	sim_ok(d, "sim-fault", "{\"op\":\"create\",\"kind\":\"helper-crash\"}");
	text = xl_config_text("crash", 64);
	args = json_object_new_object();
	json_object_object_add(args, "xl_config", json_object_new_string(text));
	free(text);
	ret = xlctl_call(c, "domain-create", args, NULL, 60000, &err);
	cr_assert_null(ret);
	cr_assert_str_eq(err.class_name, "HypervisorError", "%s: %s",
	    err.class_name, err.desc);
	cr_assert_not_null(strstr(err.desc, "build helper died"), "%s",
	    err.desc);
	xlctl_error_clear(&err);
	json_object_put(args);
	assert_nothing_left(d, "crash");

	sim_ok(d, "sim-fault", "{\"op\":\"create\",\"kind\":\"fail\"}");
	text = xl_config_text("failing", 64);
	args = json_object_new_object();
	json_object_object_add(args, "xl_config", json_object_new_string(text));
	free(text);
	ret = xlctl_call(c, "domain-create", args, NULL, 60000, &err);
	cr_assert_null(ret);
	cr_assert_str_eq(err.class_name, "HypervisorError");
	cr_assert_eq(json_int(err.data, "libxl_error"), -3);
	xlctl_error_clear(&err);
	json_object_put(args);
	assert_nothing_left(d, "failing");

	/* an I/O error reading the image is an IOError */
	json_object_put(create_domain(c, "disk", 64));
	json_object_put(call_ok(c, "domain-save", "{\"domain\":\"disk\","
	    "\"file\":\"%s/disk.save\"}", d->dir));
	sim_ok(d, "sim-fault", "{\"op\":\"restore\",\"kind\":\"io-error\","
	    "\"after_bytes\":1048576}");
	desc = call_fails(c, "IOError", "domain-restore",
	    "{\"file\":\"%s/disk.save\"}", d->dir);
	cr_assert_not_null(strstr(desc, "restoring the domain"), "%s", desc);
	assert_nothing_left(d, "disk");
	/* the image is whole: it restores once the fault is used up */
	json_object_put(call_ok(c, "domain-restore",
	    "{\"file\":\"%s/disk.save\"}", d->dir));
	xlctl_close(c);
	dut_stop(d);
	dut_free(d);
}

/* 7. Eight creates at once, each blocking in its own helper. */
Test(build, eight_blocking_creates_at_once, .timeout = 180)
{
	struct dut *d = dut_start(NULL);
	struct xlctl *conns[8];
	int64_t ids[8];
	json_object *info;

	sim_ok(d, "sim-set", "{\"build_ms\":%d}", BUILD_MS);
	for (int i = 0; i < 8; i++) {
		char name[16];

		conns[i] = dut_connect(d);
		snprintf(name, sizeof name, "b%d", i);
		ids[i] = create_detached(conns[i], name);
	}
	for (int i = 0; i < 8; i++) {
		json_object *job = wait_job(conns[i], ids[i], 60000);

		cr_assert_str_eq(json_str(job, "state"), "completed", "%s",
		    json_object_to_json_string(json_get(job, "error")));
		json_object_put(job);
		xlctl_close(conns[i]);
	}
	info = sim_info(d);
	for (int i = 0; i < 8; i++) {
		char name[16];
		json_object *dom;

		snprintf(name, sizeof name, "b%d", i);
		dom = sim_domain(info, name);
		cr_assert_not_null(dom, "%s is missing", name);
		cr_assert(json_flag(dom, "complete"));
		cr_assert_str_eq(json_str(dom, "state"), "running");
	}
	cr_assert_eq(json_object_array_length(json_get(info, "domains")), 9);
	cr_assert_eq(json_int(info, "children"), 0);
	json_object_put(info);
	dut_stop(d);
	dut_free(d);
}

/* 8. Stopping the daemon during a build: the build is aborted and
 * cleaned up before the daemon exits; the next one finds nothing. */
Test(build, stop_during_the_build, .timeout = 180)
{
	struct dut *d = dut_start(NULL);
	struct xlctl *c = dut_connect(d);
	json_object *list;

	sim_ok(d, "sim-set", "{\"build_ms\":%d}", BUILD_MS);
	create_detached(c, "late");
	wait_half_built(d, "late");
	xlctl_close(c);
	dut_stop(d);
	dut_restart(d);
	c = dut_connect(d);
	call_fails(c, "DomainNotFound", "domain-info", "{\"domain\":\"late\"}");
	list = call_ok(c, "domain-list", NULL);
	cr_assert_eq(json_object_array_length(list), 1);
	json_object_put(list);
	assert_nothing_left(d, "late");
	xlctl_close(c);
	dut_stop(d);
	dut_free(d);
}
