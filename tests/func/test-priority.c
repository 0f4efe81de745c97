/* The streaming children (save helper, the restore's save helper inside the
 * build helper, the dump helper) run at --helper-nice / --helper-ioprio;
 * the build helper itself, whose other children serve the guest, does not.
 * --helper-sched idle puts them under SCHED_IDLE.  The loop asks for a
 * short scheduler slice (--loop-slice), its children get the default. */
#include "config.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "daemon/priority.h"
#include "tests/func/harness.h"

#define IOPRIO_WHO_PROCESS 1
#define IOPRIO_BE_7 ((2 << 13) | 7)

static bool read_comm(pid_t pid, char *buf, size_t size)
{
	char path[64];
	FILE *f;
	bool ok;

	snprintf(path, sizeof path, "/proc/%d/comm", (int)pid);
	if ((f = fopen(path, "re")) == NULL)
		return false;
	ok = fgets(buf, (int)size, f) != NULL;
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return ok;
}

/* the first child of parent whose comm is name, or 0 */
static pid_t find_child(pid_t parent, const char *name)
{
	char path[80], list[4096], comm[32], *p, *end;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)parent,
	    (int)parent);
	if ((f = fopen(path, "re")) == NULL)
		return 0;
	if (fgets(list, sizeof list, f) == NULL)
		list[0] = '\0';
	fclose(f);
	for (p = list; ; p = end) {
		long pid = strtol(p, &end, 10);

		if (end == p)
			return 0;
		if (read_comm((pid_t)pid, comm, sizeof comm) &&
		    strcmp(comm, name) == 0)
			return (pid_t)pid;
	}
}

static pid_t wait_child(pid_t parent, const char *name)
{
	for (int i = 0; i < 6000; i++) {
		pid_t pid = find_child(parent, name);

		if (pid != 0)
			return pid;
		usleep(10 * 1000);
	}
	cr_assert_fail("no child %s of %d appeared", name, (int)parent);
	return 0;
}

static int nice_of(pid_t pid)
{
	return getpriority(PRIO_PROCESS, (id_t)pid);
}

static int ioprio_of(pid_t pid)
{
	return (int)syscall(SYS_ioprio_get, IOPRIO_WHO_PROCESS, pid);
}

/* Waits (boundedly) until pid has the value; returns the last seen.  The
 * daemon sets the nice value and the I/O priority one after the other,
 * while the helper already runs: each is waited for on its own. */
static int wait_value(int (*read_value)(pid_t), pid_t pid, int want)
{
	int now = read_value(pid);

	for (int i = 0; i < 1000 && now != want; i++) {
		usleep(10 * 1000);
		now = read_value(pid);
	}
	return now;
}

static int policy_of(pid_t pid)
{
	return sched_getscheduler(pid);
}

/* the task's slice in ns (Linux 6.12 and later, else 0) */
static uint64_t slice_of(pid_t pid)
{
	struct priority_sched_attr attr = { .size = sizeof attr };

	if (syscall(SYS_sched_getattr, pid, &attr, sizeof attr, 0) < 0)
		return 0;
	return attr.runtime;
}

static void skip_without_custom_slices(void)
{
	if (slice_of(getpid()) == 0)
		cr_skip_test("this kernel reports no scheduler slice (custom "
		    "slices came with Linux 6.12)");
}

static int wait_nice(pid_t pid, int want)
{
	return wait_value(nice_of, pid, want);
}

static int wait_ioprio(pid_t pid, int want)
{
	return wait_value(ioprio_of, pid, want);
}

static void abort_and_wait(struct xlctl *c, int64_t job)
{
	json_object_put(call_ok(c, "job-abort", "{\"job\":%lld}",
	    (long long)job));
	json_object_put(wait_job(c, job, 120000));
}

Test(priority, save_helper_is_lowered, .timeout = 240)
{
	struct dut *d = dut_start(NULL);
	struct xlctl *c = dut_connect(d);
	int64_t save;
	pid_t helper;

	json_object_put(create_domain(c, "s", 512));
	sim_ok(d, "sim-set", "{\"save_mib_s\":4}");
	save = call_detached(c, "domain-save", "{\"domain\":\"s\",\"file\":"
	    "\"%s/s.save\"}", d->dir);
	helper = wait_child(d->pid, "libxl-save-help");
	cr_assert_eq(wait_nice(helper, 10), 10, "save helper not reniced");
	cr_assert_eq(wait_ioprio(helper, IOPRIO_BE_7), IOPRIO_BE_7,
	    "ioprio %#x", ioprio_of(helper));
	cr_assert_eq(nice_of(d->pid), nice_of(getpid()),
	    "the daemon itself was reniced");
	abort_and_wait(c, save);
	xlctl_close(c);
	dut_free(d);
}

Test(priority, options_turn_it_off, .timeout = 240)
{
	struct dut *d = dut_start("--helper-nice", "0", "--helper-ioprio",
	    "none", NULL);
	struct xlctl *c = dut_connect(d);
	int64_t save;
	pid_t helper;

	json_object_put(create_domain(c, "s", 512));
	sim_ok(d, "sim-set", "{\"save_mib_s\":4}");
	save = call_detached(c, "domain-save", "{\"domain\":\"s\",\"file\":"
	    "\"%s/s.save\"}", d->dir);
	helper = wait_child(d->pid, "libxl-save-help");
	/* give a lowering that should not happen the time to happen */
	usleep(300 * 1000);
	cr_assert_eq(nice_of(helper), nice_of(d->pid));
	cr_assert_eq(ioprio_of(helper), ioprio_of(d->pid));
	abort_and_wait(c, save);
	xlctl_close(c);
	dut_free(d);
}

Test(priority, helper_sched_idle, .timeout = 240)
{
	struct dut *d = dut_start("--helper-sched", "idle", NULL);
	struct xlctl *c = dut_connect(d);
	int64_t save;
	pid_t helper;

	json_object_put(create_domain(c, "s", 512));
	sim_ok(d, "sim-set", "{\"save_mib_s\":4}");
	save = call_detached(c, "domain-save", "{\"domain\":\"s\",\"file\":"
	    "\"%s/s.save\"}", d->dir);
	helper = wait_child(d->pid, "libxl-save-help");
	cr_assert_eq(wait_value(policy_of, helper, SCHED_IDLE), SCHED_IDLE,
	    "save helper's policy %d", policy_of(helper));
	cr_assert_eq(wait_ioprio(helper, IOPRIO_BE_7), IOPRIO_BE_7);
	/* (the loop's slice sets reset-on-fork, a flag of the policy) */
	cr_assert_eq(policy_of(d->pid) & ~SCHED_RESET_ON_FORK, SCHED_OTHER,
	    "the daemon's own policy was changed");
	abort_and_wait(c, save);
	xlctl_close(c);
	dut_free(d);
}

Test(priority, restore_stream_lowered_build_helper_not, .timeout = 240)
{
	struct dut *d = dut_start(NULL);
	struct xlctl *c = dut_connect(d);
	int64_t restore;
	pid_t build, stream;

	json_object_put(create_domain(c, "r", 256));
	json_object_put(call_ok(c, "domain-save", "{\"domain\":\"r\",\"file\":"
	    "\"%s/r.save\"}", d->dir));
	sim_ok(d, "sim-set", "{\"restore_mib_s\":4}");
	restore = call_detached(c, "domain-restore", "{\"file\":"
	    "\"%s/r.save\"}", d->dir);
	build = wait_child(d->pid, "xenlightd-build");
	stream = wait_child(build, "libxl-save-help");
	cr_assert_eq(wait_nice(stream, 10), 10, "restore stream not reniced");
	cr_assert_eq(wait_ioprio(stream, IOPRIO_BE_7), IOPRIO_BE_7);
	cr_assert_eq(nice_of(build), nice_of(d->pid),
	    "the build helper (parent of device models) was reniced");
	abort_and_wait(c, restore);
	xlctl_close(c);
	dut_free(d);
}

Test(priority, dump_helper_is_lowered, .timeout = 240)
{
	struct dut *d = dut_start(NULL);
	struct xlctl *c = dut_connect(d);
	int64_t dump;
	pid_t helper;

	json_object_put(create_domain(c, "k", 512));
	sim_ok(d, "sim-set", "{\"dump_mib_s\":4}");
	dump = call_detached(c, "domain-dump", "{\"domain\":\"k\",\"file\":"
	    "\"%s/k.core\"}", d->dir);
	helper = wait_child(d->pid, "xenlightd-dump-");
	cr_assert_eq(wait_nice(helper, 10), 10, "dump helper not reniced");
	cr_assert_eq(wait_ioprio(helper, IOPRIO_BE_7), IOPRIO_BE_7);
	abort_and_wait(c, dump);
	xlctl_close(c);
	dut_free(d);
}

Test(priority, loop_has_short_slice_children_default, .timeout = 240)
{
	struct dut *d;
	struct xlctl *c;
	uint64_t normal = slice_of(getpid());
	int64_t save;
	pid_t helper;

	skip_without_custom_slices();
	d = dut_start(NULL);
	c = dut_connect(d);
	cr_assert_eq(slice_of(d->pid), 100 * 1000, "the loop's slice: %llu ns",
	    (unsigned long long)slice_of(d->pid));
	json_object_put(create_domain(c, "s", 512));
	sim_ok(d, "sim-set", "{\"save_mib_s\":4}");
	save = call_detached(c, "domain-save", "{\"domain\":\"s\",\"file\":"
	    "\"%s/s.save\"}", d->dir);
	helper = wait_child(d->pid, "libxl-save-help");
	cr_assert_eq(slice_of(helper), normal, "the save helper inherited "
	    "the loop's slice: %llu ns, the default is %llu",
	    (unsigned long long)slice_of(helper), (unsigned long long)normal);
	abort_and_wait(c, save);
	xlctl_close(c);
	dut_free(d);
}

Test(priority, loop_slice_zero_leaves_it, .timeout = 240)
{
	struct dut *d;

	skip_without_custom_slices();
	d = dut_start("--loop-slice", "0", NULL);
	cr_assert_eq(slice_of(d->pid), slice_of(getpid()));
	dut_free(d);
}
