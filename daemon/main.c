/* xenlightd: options, start-up order, signals, shutdown order. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/thread.h>

#include "daemon/command.h"
#include "daemon/commands.h"
#include "daemon/daemon.h"
#include "daemon/dispatch.h"
#include "daemon/domain.h"
#include "daemon/event.h"
#include "daemon/fileio.h"
#include "daemon/fsutil.h"
#include "daemon/intake.h"
#include "daemon/job.h"
#include "daemon/lease-daemon.h"
#include "daemon/lease.h"
#include "daemon/lifecycle.h"
#include "daemon/log.h"
#include "daemon/loop.h"
#include "daemon/priority.h"
#include "daemon/metrics-count.h"
#include "daemon/metrics.h"
#include "daemon/migrate-in.h"
#include "daemon/migrate-listen.h"
#include "daemon/server.h"
#include "daemon/stats.h"
#include "daemon/store.h"
#include "daemon/systemd.h"
#include "proto/err.h"
#include "proto/mem.h"

#define SIM_ENV_LIBRARY "XENLIGHTD_SIM_LIBRARY"
#define SIM_ENV_RUNDIR "XENLIGHTD_SIM_RUNDIR"
#define SIM_LIBRARY_NAME "libxenlight-sim.so"
/* Read when neither --config nor --no-config is given, if it exists. */
#define DEFAULT_CONFIG_FILE SYSCONFDIR "/xenlightd/xenlightd.conf"
/* How long SIGTERM waits for aborted jobs to give libxl back its ops. */
#define SHUTDOWN_GRACE_MS 20000

struct event_base *daemon_base;
libxl_ctx *daemon_ctx;
const char *daemon_hypervisor = "xen";
char daemon_hostname[256];
bool daemon_stopping;

static struct event *signal_events[3];
static struct event *shutdown_timer;
static int ready_fd = -1;		/* tells the parent we are serving */
static int lock_fd = -1;

/* ------------------------------------------------------------------------
 * --sim: run this same binary with the simulator interposed. */

static char *sim_find_library(void)
{
	char exe[PATH_MAX], *path;
	const char *env = getenv(SIM_ENV_LIBRARY);
	ssize_t n;

	if (env != NULL)
		return xstrdup(env);
	/* from the build tree: <top_builddir>/daemon/xenlightd */
	n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n > 0) {
		char *slash;

		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash != NULL) {
			*slash = '\0';
			xasprintf(&path, "%s/../sim/.libs/" SIM_LIBRARY_NAME,
			    exe);
			if (access(path, R_OK) == 0)
				return path;
			free(path);
		}
	}
	xasprintf(&path, "%s/" SIM_LIBRARY_NAME, PKGLIBDIR);
	return path;
}

static void sim_reexec(char **argv)
{
	const char *preload = getenv("LD_PRELOAD");
	char *library, *value;

	if (getenv(SIM_ENV_RUNDIR) != NULL)
		return;		/* we are the re-executed process */
	library = sim_find_library();
	if (access(library, R_OK) != 0) {
		fprintf(stderr, "xenlightd: --sim: cannot find the simulator "
		    "%s: %s\n", library, strerror(errno));
		exit(1);
	}
	if (preload != NULL && *preload != '\0') {
		xasprintf(&value, "%s:%s", preload, library);
	} else {
		value = library;
	}
	setenv("LD_PRELOAD", value, 1);
	setenv(SIM_ENV_RUNDIR, options.rundir, 1);
	execv("/proc/self/exe", argv);
	fprintf(stderr, "xenlightd: --sim: cannot re-execute: %s\n",
	    strerror(errno));
	exit(1);
}

/* ------------------------------------------------------------------------
 * Process set-up */

static void daemonize(void)
{
	int pipefd[2];
	pid_t pid;
	char status;

	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		perror("xenlightd: pipe");
		exit(1);
	}
	pid = fork();
	if (pid < 0) {
		perror("xenlightd: fork");
		exit(1);
	}
	if (pid > 0) {
		/* exit only once the daemon serves, so that "xenlightd &&
		 * xlctl list" works */
		close(pipefd[1]);
		if (read(pipefd[0], &status, 1) != 1)
			exit(1);
		exit(0);
	}
	close(pipefd[0]);
	ready_fd = pipefd[1];
	setsid();
	if (fork() > 0)
		_exit(0);
	if (chdir("/") < 0)
		_exit(1);
	{
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);

		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
			dup2(null, 2);
			if (null > 2)
				close(null);
		}
	}
}

static void announce_ready(void)
{
	if (ready_fd >= 0) {
		if (write(ready_fd, "", 1) < 0)
			log_warning("cannot tell the parent we are ready");
		close(ready_fd);
		ready_fd = -1;
	}
}

/* One daemon per run directory: a second one would steal the sockets and
 * drive the same domains. */
static int lock_rundir(void)
{
	char *path, pid[32];

	xasprintf(&path, "%s/xenlightd.pid", options.rundir);
	lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (lock_fd < 0) {
		log_critical("cannot open %s: %s", path, strerror(errno));
		free(path);
		return -1;
	}
	/* A POSIX record lock belongs to this process alone: no child
	 * (forked by libxl or the simulator, spawned helpers) inherits it,
	 * so none that outlives a killed daemon can keep the next one out.
	 * (An flock would be shared through every inherited copy of the
	 * fd.)  Nothing else in this process opens the file, whose close
	 * would drop it. */
	if (fcntl(lock_fd, F_SETLK, &(struct flock){ .l_type = F_WRLCK,
	    .l_whence = SEEK_SET }) < 0) {
		log_critical("another xenlightd is running on %s",
		    options.rundir);
		free(path);
		return -1;
	}
	snprintf(pid, sizeof pid, "%d\n", (int)getpid());
	if (ftruncate(lock_fd, 0) < 0 ||
	    fsutil_write_all(lock_fd, pid, strlen(pid)) < 0)
		log_warning("cannot write %s", path);
	free(path);
	return 0;
}

/* Each client is an fd: the soft limit must fit both sockets' clients and
 * the daemon's own (libxl, helpers, files, the listeners). */
#define FD_RESERVE 256

static void raise_fd_limit(void)
{
	rlim_t need = (rlim_t)options.max_clients +
	    (rlim_t)options.max_ro_clients + FD_RESERVE;
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= need)
		return;
	if (rl.rlim_max < need) {
		struct rlimit raised = { need, need };

		/* root may raise the hard limit too */
		if (setrlimit(RLIMIT_NOFILE, &raised) == 0)
			return;
		log_warning("the fd limit (%llu) cannot fit --max-clients %d "
		    "and --max-ro-clients %d: clients past it are refused; "
		    "raise LimitNOFILE", (unsigned long long)rl.rlim_max,
		    options.max_clients, options.max_ro_clients);
		need = rl.rlim_max;
	}
	rl.rlim_cur = need;
	setrlimit(RLIMIT_NOFILE, &rl);
}

/* ------------------------------------------------------------------------
 * Signals and shutdown */

static void shutdown_finish(void)
{
	event_base_loopbreak(daemon_base);
}

static void shutdown_check(evutil_socket_t fd, short what, void *arg)
{
	bool expired = (arg != NULL);

	if (job_active_count() > 0 && !expired)
		return;
	if (job_active_count() > 0)
		log_error("%u job(s) still running after %d ms; stopping anyway",
		    job_active_count(), SHUTDOWN_GRACE_MS);
	shutdown_finish();
}

void daemon_stop(void)
{
	struct timeval grace = { SHUTDOWN_GRACE_MS / 1000,
		(SHUTDOWN_GRACE_MS % 1000) * 1000 };

	if (daemon_stopping)
		return;
	daemon_stopping = true;
	log_notice("stopping: no new clients, aborting running jobs");
	systemd_notify_stopping("stopping: aborting %u job(s)",
	    job_active_count());
	server_stop_listening();
	migrate_listen_stop();
	job_abort_all();
	job_set_idle_callback(shutdown_finish);
	shutdown_timer = evtimer_new(daemon_base, shutdown_check, &grace);
	evtimer_add(shutdown_timer, &grace);
	if (job_active_count() == 0)
		shutdown_finish();
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	if (sig == SIGHUP) {
		log_reopen();
		return;
	}
	log_notice("received %s", strsignal((int)sig));
	daemon_stop();
}

static int watch_signals(void)
{
	static const int signals[] = { SIGTERM, SIGINT, SIGHUP };

	for (int i = 0; i < 3; i++) {
		signal_events[i] = evsignal_new(daemon_base, signals[i],
		    on_signal, NULL);
		if (signal_events[i] == NULL ||
		    event_add(signal_events[i], NULL) < 0)
			return -1;
	}
	return 0;
}

static void unwatch_signals(void)
{
	for (int i = 0; i < 3; i++)
		if (signal_events[i] != NULL)
			event_free(signal_events[i]);
}

static struct event_base *make_event_base(void)
{
	struct event_config *cfg = event_config_new();
	struct event_base *base;

	/* libxl registers regular files (the save stream) through
	 * fd_register, and epoll refuses them: require a backend that takes
	 * any fd (poll) */
	event_config_require_features(cfg, EV_FEATURE_FDS);
	/* Timers are relative to the loop's idea of now.  A cached time goes
	 * stale while libxl works synchronously inside a callback (building
	 * a PV domain takes seconds under load), and a timer added then
	 * fires that much too early: libxl's 10 s console wait fired after
	 * 52 ms on real Xen.  Reading the clock costs a vDSO call. */
	event_config_set_flag(cfg, EVENT_BASE_FLAG_NO_CACHE_TIME);
	base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	return base;
}

int main(int argc, char **argv)
{
	struct err *error;
	int rc;

	options_parse(argc, argv);
	if (options.sim) {
		sim_reexec(argv);
		daemon_hypervisor = "sim";
	}
	if ((error = systemd_listen_init()) != NULL) {
		fprintf(stderr, "xenlightd: %s\n", error->desc);
		err_free(error);
		return 1;
	}
	if (!options.foreground)
		daemonize();
	if (log_open(options.foreground, options.log_file,
	    (enum log_level)options.log_level) < 0) {
		fprintf(stderr, "xenlightd: cannot open log file %s: %s\n",
		    options.log_file, strerror(errno));
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	raise_fd_limit();
	priority_shorten_loop_slice();
	gethostname(daemon_hostname, sizeof daemon_hostname - 1);
	if (fsutil_mkdirs(options.rundir, 0755) < 0 ||
	    fsutil_mkdirs(options.statedir, 0700) < 0) {
		log_critical("cannot create %s or %s: %s", options.rundir,
		    options.statedir, strerror(errno));
		return 1;
	}
	if (lock_rundir() < 0)
		return 1;

	/* the start-up order of ARCHITECTURE.md ("The loop and libxl") */
	evthread_use_pthreads();
	daemon_base = make_event_base();
	if (daemon_base == NULL) {
		log_critical("cannot create the event loop");
		return 1;
	}
	rc = libxl_ctx_alloc(&daemon_ctx, LIBXL_VERSION, 0, log_libxl_logger());
	if (rc != 0) {
		log_critical("cannot open the hypervisor (libxl error %d): is "
		    "this a Xen dom0 with xenstored running? (--sim runs on "
		    "the simulated hypervisor)", rc);
		return 1;
	}
	if (loop_libxl_attach() < 0 || intake_attach() < 0)
		return 1;
	if (fileio_init(4) < 0) {
		log_critical("cannot start the file I/O workers");
		return 1;
	}
	if (command_table_set(commands) < 0)
		return 1;
	if ((error = lease_daemon_init()) != NULL) {
		log_critical("disk leases: %s", error->desc);
		return 1;
	}
	job_journal_attach();
	if (store_init() < 0 || job_init() < 0 ||
	    domain_registry_init(lifecycle_domain_gone) < 0)
		return 1;
	/* the holders are adopted before the jobs' recovery, which may settle
	 * an interrupted migration by the leases */
	lifecycle_recover_leases();
	job_recover();
	if (watch_signals() < 0 || server_listen(&dispatch_callbacks) < 0 ||
	    metrics_listen() < 0)
		return 1;
	if (options.migrate_listen != NULL && (error = migrate_listen_init(
	    options.migrate_listen, options.migrate_max_incoming,
	    migrate_in_admit)) != NULL) {
		log_critical("%s", error->desc);
		err_free(error);
		return 1;
	}
	log_notice("xenlightd %s serving on %s (hypervisor %s)",
	    PACKAGE_VERSION, options.socket_path, daemon_hypervisor);
	announce_ready();
	systemd_notify_ready("serving on %s (hypervisor %s)",
	    options.socket_path, daemon_hypervisor);
	lifecycle_autostart();

	event_base_dispatch(daemon_base);

	if (job_active_count() > 0) {
		/* libxl asserts when its context is freed with operations in
		 * flight; the journal lets the next daemon recover them */
		log_error("stopping with %u job(s) still running: leaving them "
		    "to the next daemon's recovery", job_active_count());
		server_close_all();
		server_stop_listening();
		log_close();
		return 1;
	}
	/* teardown, in the reverse order */
	migrate_listen_stop();
	server_close_all();
	metrics_stop();
	metrics_count_free();
	stats_close();
	lease_shutdown();	/* the holders keep the running domains' leases */
	domain_registry_free();
	job_detach();
	event_detach();
	command_table_set(NULL);
	priority_shutdown();
	loop_libxl_flush_timers();
	libxl_ctx_free(daemon_ctx);
	daemon_ctx = NULL;
	loop_libxl_detach();
	fileio_shutdown();
	unwatch_signals();
	if (shutdown_timer != NULL)
		event_free(shutdown_timer);
	event_base_free(daemon_base);
	log_notice("stopped");
	log_close();
	return 0;
}
