/* Today's daemon on what an older one left: the job journal, transient
 * domain records and definitions that xenlightd 0.1.0 wrote before the
 * command/job redesign (tests/func/fixtures/journal-0.1, see its README)
 * are read and recovered as that daemon would have. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <criterion/criterion.h>

#include "tests/func/harness.h"

static void run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void run(const char *fmt, ...)
{
	char command[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(command, sizeof command, fmt, ap);
	va_end(ap);
	cr_assert_eq(system(command), 0, "%s", command);
}

/* The fixture in d's directory, its paths made d's. */
static void install_fixture(struct dut *d)
{
	run("cp -r %s/journal-0.1/run %s", FIXTURE_DIR, d->dir);
	run("cp -r %s/journal-0.1/state %s", FIXTURE_DIR, d->dir);
	run("grep -rl @DIR@ %s | xargs sed -i 's|@DIR@|%s|g'", d->dir, d->dir);
	run("touch %s/.g1.save.partial-fc0d91 %s/.g2.core.partial-0b1c5d",
	    d->dir, d->dir);
}

static json_object *job(struct xlctl *c, int id)
{
	return call_ok(c, "job-info", "{\"job\":%d}", id);
}

static json_object *domain(struct xlctl *c, const char *name)
{
	return call_ok(c, "domain-info", "{\"domain\":\"%s\"}", name);
}

Test(upgrade, journal_of_the_daemon_before_the_redesign, .timeout = 120)
{
	struct dut *d = dut_new(NULL);
	struct xlctl *c;
	json_object *j, *info, *list;
	char *path;

	install_fixture(d);
	dut_restart(d);
	c = dut_connect(d);

	/* the finished jobs are history, as they were */
	for (int id = 1; id <= 6; id++) {
		j = job(c, id);
		cr_expect_str_eq(json_str(j, "state"), "completed", "job %d", id);
		json_object_put(j);
	}
	j = job(c, 3);
	cr_expect_str_eq(json_str(j, "type"), "domain-define");
	json_object_put(j);

	/* the interrupted ones failed, each with what recovery did */
	j = job(c, 7);
	cr_expect_str_eq(json_str(j, "type"), "domain-save");
	cr_expect_str_eq(json_str(j, "state"), "failed");
	cr_expect(strstr(json_str(json_get(j, "error"), "desc"),
	    "no image was written") != NULL, "%s",
	    json_str(json_get(j, "error"), "desc"));
	json_object_put(j);
	j = job(c, 8);
	cr_expect_str_eq(json_str(j, "type"), "domain-dump");
	cr_expect(strstr(json_str(json_get(j, "error"), "desc"),
	    "no core file was written") != NULL);
	json_object_put(j);
	j = job(c, 9);
	cr_expect_str_eq(json_str(j, "type"), "domain-start");
	cr_expect(strstr(json_str(json_get(j, "error"), "desc"),
	    "half-built domain is destroyed") != NULL);
	json_object_put(j);

	/* nothing half-written is left */
	path = NULL;
	cr_assert(asprintf(&path, "%s/.g1.save.partial-fc0d91", d->dir) > 0);
	cr_expect_neq(access(path, F_OK), 0, "%s left behind", path);
	free(path);
	cr_assert(asprintf(&path, "%s/.g2.core.partial-0b1c5d", d->dir) > 0);
	cr_expect_neq(access(path, F_OK), 0, "%s left behind", path);
	free(path);

	/* the repairs run as the daemon's own jobs: g1 resumed, g2
	 * unpaused, the half-built g3 destroyed; then all settle */
	list = call_ok(c, "job-list", "{\"state\":\"running\"}");
	for (size_t i = 0; i < json_object_array_length(list); i++)
		json_object_put(wait_job(c, json_int(json_object_array_get_idx(
		    list, i), "id"), 30000));
	json_object_put(list);
	list = call_ok(c, "job-list", "{\"state\":\"queued\"}");
	for (size_t i = 0; i < json_object_array_length(list); i++)
		json_object_put(wait_job(c, json_int(json_object_array_get_idx(
		    list, i), "id"), 30000));
	json_object_put(list);
	info = domain(c, "g1");
	cr_expect_str_eq(json_str(info, "state"), "running");
	json_object_put(info);
	info = domain(c, "g2");
	cr_expect_str_eq(json_str(info, "state"), "running");
	json_object_put(info);
	info = domain(c, "g3");
	cr_expect_str_eq(json_str(info, "state"), "shutoff");
	cr_expect(json_flag(info, "persistent"));
	json_object_put(info);
	info = domain(c, "g4");
	cr_expect_str_eq(json_str(info, "state"), "running");
	json_object_put(info);

	/* new jobs get ids past the old ones */
	j = call_ok(c, "domain-pause", "{\"domain\":\"g4\"}");
	cr_expect_gt(json_int(j, "job"), 9);
	json_object_put(j);

	xlctl_close(c);
	dut_stop(d);
	dut_free(d);
}
