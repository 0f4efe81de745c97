/* The simulated hypervisor, driven through the real libxl API by
 * sim-driver under LD_PRELOAD, each scenario in a private run directory.
 * The driver checks the details and prints "PASS <scenario>"; here we check
 * that, and the behaviour across processes (persistence, SIGKILL, the
 * read-only dump helper) and the symbol check script. */
#include "config.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <link.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define SIMLIB		TOP_BUILDDIR "/sim/.libs/libxenlight-sim.so"
#define DRIVER		TOP_BUILDDIR "/tests/unit/sim-driver"
#define SYMBOLS		TOP_SRCDIR "/tests/sim-symbols.sh"
#define ALLOWLIST	TOP_SRCDIR "/sim/pure-helpers.txt"

struct run {
	pid_t pid;
	int out_fd;
	int status;
	char out[16384];
	size_t len;
};

static char rundir[64];

static void make_rundir(void)
{
	strcpy(rundir, "/tmp/sim-test-XXXXXX");
	cr_assert_not_null(mkdtemp(rundir));
}

static int remove_one(const char *path, const struct stat *st, int flag,
    struct FTW *ftw)
{
	return remove(path);
}

static void remove_rundir(void)
{
	nftw(rundir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

static int
find_asan(struct dl_phdr_info *info, size_t size, void *data)
{
	char *out = data;

	if (strstr(info->dlpi_name, "libasan.so") != NULL) {
		snprintf(out, PATH_MAX, "%s", info->dlpi_name);
		return 1;
	}
	return 0;
}

/* In a sanitizer build the ASan runtime must come first in the preload
 * list; the runtime this test links is the driver's too. */
static const char *
preload(void)
{
	static char list[2 * PATH_MAX + 2];
	char asan[PATH_MAX] = "";

	dl_iterate_phdr(find_asan, asan);
	snprintf(list, sizeof list, "%s%s%s", asan, asan[0] ? " " : "",
	    SIMLIB);
	return list;
}

/* Starts argv[0..] with the simulator preloaded; stdout (and stderr, if
 * asked) is piped. */
static void start_ex(struct run *r, const char *extra_env, char *const argv[],
    bool with_stderr)
{
	int p[2];

	memset(r, 0, sizeof *r);
	cr_assert_eq(pipe(p), 0);
	r->pid = fork();
	cr_assert(r->pid >= 0);
	if (r->pid == 0) {
		dup2(p[1], 1);
		if (with_stderr) {
			struct rlimit none = { 0, 0 };

			dup2(p[1], 2);
			setrlimit(RLIMIT_CORE, &none);	/* aborts on purpose */
		}
		close(p[0]);
		close(p[1]);
		setenv("LD_PRELOAD", preload(), 1);
		setenv("XENLIGHTD_SIM_RUNDIR", rundir, 1);
		if (extra_env != NULL)
			putenv((char *)extra_env);
		execv(argv[0], argv);
		_exit(127);
	}
	close(p[1]);
	r->out_fd = p[0];
}

static void start(struct run *r, const char *extra_env, char *const argv[])
{
	start_ex(r, extra_env, argv, false);
}

/* Reads stdout until the text appears or the output ends. */
static bool read_until(struct run *r, const char *text)
{
	while (text == NULL || strstr(r->out, text) == NULL) {
		ssize_t n = read(r->out_fd, r->out + r->len,
		    sizeof r->out - r->len - 1);

		if (n <= 0)
			return text == NULL;
		r->len += (size_t)n;
		r->out[r->len] = '\0';
	}
	return true;
}

static void finish(struct run *r)
{
	read_until(r, NULL);
	close(r->out_fd);
	cr_assert_eq(waitpid(r->pid, &r->status, 0), r->pid);
	fputs(r->out, stderr);
}

static void scenario(const char *name, const char *extra_env)
{
	char pass[64];
	char *argv[] = { DRIVER, (char *)name, NULL };
	struct run r;

	start(&r, extra_env, argv);
	finish(&r);
	snprintf(pass, sizeof pass, "PASS %s\n", name);
	cr_assert(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0,
	    "scenario %s failed (status 0x%x)", name, r.status);
	cr_assert_not_null(strstr(r.out, pass), "no '%s'", name);
}

#define SCENARIO(test, name, env)				\
	Test(sim, test, .timeout = 120)				\
	{							\
		make_rundir();					\
		scenario(name, env);				\
		remove_rundir();				\
	}

SCENARIO(basic, "basic", NULL)
SCENARIO(lifecycle, "lifecycle", NULL)
SCENARIO(save_restore, "save-restore", NULL)
SCENARIO(abort_create_completes_inside_abort, "abort-create", NULL)
SCENARIO(abort_save_completes_from_sigchld, "abort-save", NULL)
SCENARIO(inline_completion, "inline", NULL)
SCENARIO(inline_seed, "inline-seed", "LIBXLSIM_INLINE_SEED=7")
SCENARIO(death_events_and_control, "events", NULL)
SCENARIO(faults, "faults", NULL)
SCENARIO(out_of_memory, "nomem", NULL)
SCENARIO(devices_and_xenstat, "devices", NULL)
SCENARIO(live_migration_over_a_socket, "migrate", NULL)

/* Correctness with many domains; bench/ is the place for speed. */
Test(sim, many_domains, .timeout = 300)
{
	char *argv[] = { DRIVER, "scale", "500", NULL };
	struct run r;

	make_rundir();
	start(&r, NULL, argv);
	finish(&r);
	cr_assert(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0);
	cr_assert_not_null(strstr(r.out, "PASS scale"));
	remove_rundir();
}

/* Contract violations abort with a message, as libxl's asserts do. */
static void expect_abort(const char *name, const char *message)
{
	char *argv[] = { DRIVER, (char *)name, NULL };
	struct run r;

	make_rundir();
	start_ex(&r, NULL, argv, true);
	finish(&r);
	cr_assert(WIFSIGNALED(r.status) && WTERMSIG(r.status) == SIGABRT,
	    "%s: status 0x%x", name, r.status);
	cr_assert_not_null(strstr(r.out, message), "%s: no '%s'", name,
	    message);
	remove_rundir();
}

Test(sim, occurred_from_inside_a_hook_aborts, .timeout = 60)
{
	expect_abort("hook-reentry", "called from inside an osevent hook");
}

Test(sim, ctx_free_with_ops_in_flight_aborts, .timeout = 60)
{
	expect_abort("free-with-ops", "libxl_ctx_free with 1 operation(s)");
}

/* A domain outlives the process that made it; the dump helper reads it
 * without owning the host. */
Test(sim, state_outlives_the_process, .timeout = 120)
{
	char core[128];
	char *argv[] = { DRIVER, "dump-helper", core, "keeper", NULL };
	struct run r;

	make_rundir();
	scenario("persist-1", NULL);
	snprintf(core, sizeof core, "%s/keeper.core", rundir);
	start(&r, NULL, argv);
	finish(&r);
	cr_assert(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0,
	    "dump helper failed");
	cr_assert_not_null(strstr(r.out, "PASS dump-helper"));
	scenario("persist-2", NULL);
	remove_rundir();
}

/* Processes whose command line has this argument. */
static int count_processes(const char *arg)
{
	DIR *proc = opendir("/proc");
	struct dirent *de;
	int n = 0;

	cr_assert_not_null(proc);
	while ((de = readdir(proc)) != NULL) {
		char path[300], cmd[4096];
		ssize_t len;
		int fd;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof path, "/proc/%s/cmdline", de->d_name);
		if ((fd = open(path, O_RDONLY)) < 0)
			continue;
		len = read(fd, cmd, sizeof cmd - 1);
		close(fd);
		for (ssize_t i = 0; i < len; i++)
			if (cmd[i] == '\0')
				cmd[i] = ' ';
		if (len > 0) {
			cmd[len] = '\0';
			n += strstr(cmd, arg) != NULL;
		}
	}
	closedir(proc);
	return n;
}

/* SIGKILL in the middle of a save: the guest stays suspended, as Xen
 * would leave it, and the helper does not outlive its parent. */
Test(sim, sigkill_mid_save, .timeout = 120)
{
	char *argv[] = { DRIVER, "kill-mid-save", NULL };
	struct run r;

	make_rundir();
	start(&r, NULL, argv);
	cr_assert(read_until(&r, "SAVING"), "the save did not start");
	kill(r.pid, SIGKILL);
	finish(&r);
	cr_assert(WIFSIGNALED(r.status));
	/* PR_SET_PDEATHSIG: the save helper goes with its parent */
	for (int i = 0; i < 100 && count_processes("kill-mid-save") > 0; i++)
		usleep(20000);
	cr_assert_eq(count_processes("kill-mid-save"), 0);
	scenario("after-kill", NULL);
	remove_rundir();
}

static int run_script(const char *allowlist)
{
	char *cmd;
	int status;

	cr_assert(asprintf(&cmd, "sh %s %s %s %s", SYMBOLS, DRIVER, SIMLIB,
	    allowlist) > 0);
	status = system(cmd);
	free(cmd);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

Test(sim, symbols_of_the_driver_are_covered)
{
	cr_assert_eq(run_script(ALLOWLIST), 0);
}

Test(sim, symbols_check_fails_without_the_allowlist)
{
	cr_assert_eq(run_script("/dev/null"), 1);
}
