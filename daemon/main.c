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
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/thread.h>

#include "daemon/commands.h"
#include "daemon/daemon.h"
#include "daemon/domain.h"
#include "daemon/event.h"
#include "daemon/fileio.h"
#include "daemon/fsutil.h"
#include "daemon/job.h"
#include "daemon/lease.h"
#include "daemon/lifecycle.h"
#include "daemon/log.h"
#include "daemon/loop.h"
#include "daemon/server.h"
#include "daemon/store.h"

#define SIM_ENV_LIBRARY "XENLIGHTD_SIM_LIBRARY"
#define SIM_ENV_RUNDIR "XENLIGHTD_SIM_RUNDIR"
#define SIM_LIBRARY_NAME "libxenlight-sim.so"
/* How long SIGTERM waits for aborted jobs to give libxl back its ops. */
#define SHUTDOWN_GRACE_MS 20000

struct options options = {
	.log_level = LOG_LEVEL_NOTICE,
	.lock_wait_ms = 30000,
	.max_line = 1024 * 1024,
	.max_inflight = 64,
	.max_clients = 4096,
	.max_event_backlog = 8 * 1024 * 1024,
	.max_jobs = 256,
	.job_history = 1000,
	.job_history_seconds = 600,
	.shutdown_timeout_ms = 60000,
	.lease_backend = LEASE_BACKEND_LOCKSPACE,
	.group_id = (gid_t)-1,
};
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
 * Options: every long option is also a key of --config FILE. */

enum option_id {
	OPT_FOREGROUND = 'f',
	OPT_HELP = 'h',
	OPT_VERSION = 'V',
	OPT_CONFIG = 256,
	OPT_RUNDIR,
	OPT_STATEDIR,
	OPT_SOCKET,
	OPT_RO_SOCKET,
	OPT_GROUP,
	OPT_LOCK_WAIT,
	OPT_MAX_LINE,
	OPT_MAX_INFLIGHT,
	OPT_MAX_CLIENTS,
	OPT_MAX_EVENT_BACKLOG,
	OPT_MAX_JOBS,
	OPT_JOB_HISTORY,
	OPT_JOB_HISTORY_SECONDS,
	OPT_LOG_LEVEL,
	OPT_LOG_FILE,
	OPT_SHUTDOWN_TIMEOUT,
	OPT_LEASE_BACKEND,
	OPT_LOCKSPACE,
	OPT_HOST_ID,
	OPT_SIM,
};

static const struct option long_options[] = {
	{ "foreground", no_argument, NULL, OPT_FOREGROUND },
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ "rundir", required_argument, NULL, OPT_RUNDIR },
	{ "statedir", required_argument, NULL, OPT_STATEDIR },
	{ "socket", required_argument, NULL, OPT_SOCKET },
	{ "ro-socket", required_argument, NULL, OPT_RO_SOCKET },
	{ "group", required_argument, NULL, OPT_GROUP },
	{ "lock-wait", required_argument, NULL, OPT_LOCK_WAIT },
	{ "max-line", required_argument, NULL, OPT_MAX_LINE },
	{ "max-inflight", required_argument, NULL, OPT_MAX_INFLIGHT },
	{ "max-clients", required_argument, NULL, OPT_MAX_CLIENTS },
	{ "max-event-backlog", required_argument, NULL, OPT_MAX_EVENT_BACKLOG },
	{ "max-jobs", required_argument, NULL, OPT_MAX_JOBS },
	{ "job-history", required_argument, NULL, OPT_JOB_HISTORY },
	{ "job-history-seconds", required_argument, NULL, OPT_JOB_HISTORY_SECONDS },
	{ "log-level", required_argument, NULL, OPT_LOG_LEVEL },
	{ "log-file", required_argument, NULL, OPT_LOG_FILE },
	{ "shutdown-timeout", required_argument, NULL, OPT_SHUTDOWN_TIMEOUT },
	{ "lease-backend", required_argument, NULL, OPT_LEASE_BACKEND },
	{ "lockspace", required_argument, NULL, OPT_LOCKSPACE },
	{ "host-id", required_argument, NULL, OPT_HOST_ID },
	{ "sim", no_argument, NULL, OPT_SIM },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

static void usage(FILE *out)
{
	fprintf(out,
	    "usage: xenlightd [options]\n"
	    "  -f, --foreground         stay in the foreground, log to stderr\n"
	    "      --config FILE        read options from FILE (key = value)\n"
	    "      --rundir DIR         runtime directory [%s]\n"
	    "      --statedir DIR       persistent state directory [%s]\n"
	    "      --socket PATH        full-access socket [RUNDIR/xenlightd.sock]\n"
	    "      --ro-socket PATH     read-only socket [RUNDIR/xenlightd-ro.sock]\n"
	    "      --group GROUP        group of the full-access socket (mode 0660)\n"
	    "      --lock-wait MS       default wait for a domain's lock [30000]\n"
	    "      --max-line BYTES     longest request line [1048576]\n"
	    "      --max-inflight N     requests in progress per client [64]\n"
	    "      --max-clients N      simultaneous clients [4096]\n"
	    "      --max-event-backlog BYTES  unsent events per subscriber [8388608]\n"
	    "      --max-jobs N         jobs in progress (queued or running) [256]\n"
	    "      --job-history N      finished jobs kept at least [1000]\n"
	    "      --job-history-seconds S  ... and kept at least this long [600]\n"
	    "      --log-level LEVEL    critical, error, warning, notice, info, debug [notice]\n"
	    "      --log-file FILE      log to FILE (reopened on SIGHUP)\n"
	    "      --shutdown-timeout MS  domain-shutdown's default wait [60000]\n"
	    "      --lease-backend B    disk leases: lockspace, sanlock or none [lockspace]\n"
	    "      --lockspace DIR      lease directory, shared by the hosts [STATEDIR/lockspace]\n"
	    "      --host-id N          sanlock host id, 1..2000, unique per host\n"
	    "      --sim                run on the simulated hypervisor\n"
	    "  -h, --help               show this help\n"
	    "  -V, --version            show the version\n",
	    DAEMON_DEFAULT_RUNDIR, DAEMON_DEFAULT_STATEDIR);
}

static void replace_string(char **slot, const char *value)
{
	free(*slot);
	*slot = strdup(value);
	if (*slot == NULL)
		abort();
}

/* Parses a positive integer option value; false on anything else. */
static bool parse_number(const char *text, long long min, long long max,
    long long *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0' || v < min || v > max)
		return false;
	*out = v;
	return true;
}

static bool read_config_file(const char *path, const char **why);

/* One option, from the command line or the config file.  Returns NULL or
 * what is wrong with the value. */
static const char *apply_option(int id, const char *value)
{
	long long n;

	switch (id) {
	case OPT_FOREGROUND:
		options.foreground = true;
		return NULL;
	case OPT_SIM:
		options.sim = true;
		return NULL;
	case OPT_CONFIG: {
		const char *why;

		replace_string(&options.config_file, value);
		return read_config_file(value, &why) ? NULL : why;
	}
	case OPT_RUNDIR:
	case OPT_STATEDIR:
	case OPT_SOCKET:
	case OPT_RO_SOCKET:
	case OPT_LOG_FILE:
	case OPT_LOCKSPACE:
		if (value[0] != '/')
			return "must be an absolute path";
		replace_string(id == OPT_RUNDIR ? &options.rundir :
		    id == OPT_STATEDIR ? &options.statedir :
		    id == OPT_SOCKET ? &options.socket_path :
		    id == OPT_RO_SOCKET ? &options.ro_socket_path :
		    id == OPT_LOCKSPACE ? &options.lockspace :
		    &options.log_file, value);
		return NULL;
	case OPT_LEASE_BACKEND: {
		enum lease_backend_kind kind;

		if (!lease_backend_kind_parse(value, &kind))
			return "must be lockspace, sanlock or none";
		options.lease_backend = (int)kind;
		return NULL;
	}
	case OPT_HOST_ID:
		if (!parse_number(value, 1, 2000, &n))
			return "must be between 1 and 2000";
		options.host_id = (int)n;
		return NULL;
	case OPT_GROUP: {
		struct group *g = getgrnam(value);

		if (g == NULL)
			return "no such group";
		replace_string(&options.group, value);
		options.group_id = g->gr_gid;
		return NULL;
	}
	case OPT_LOG_LEVEL: {
		enum log_level level;

		if (!log_level_parse(value, &level))
			return "must be one of critical, error, warning, notice, info, debug";
		options.log_level = (int)level;
		return NULL;
	}
	case OPT_LOCK_WAIT:
		if (!parse_number(value, 0, 24LL * 3600 * 1000, &n))
			return "must be a number of milliseconds";
		options.lock_wait_ms = n;
		return NULL;
	case OPT_MAX_LINE:
		if (!parse_number(value, 1024, 256LL * 1024 * 1024, &n))
			return "must be between 1024 and 268435456";
		options.max_line = (size_t)n;
		return NULL;
	case OPT_MAX_INFLIGHT:
		if (!parse_number(value, 1, 65536, &n))
			return "must be between 1 and 65536";
		options.max_inflight = (int)n;
		return NULL;
	case OPT_MAX_CLIENTS:
		if (!parse_number(value, 1, 1000000, &n))
			return "must be between 1 and 1000000";
		options.max_clients = (int)n;
		return NULL;
	case OPT_MAX_EVENT_BACKLOG:
		if (!parse_number(value, 4096, 1LL << 32, &n))
			return "must be between 4096 and 4294967296";
		options.max_event_backlog = (size_t)n;
		return NULL;
	case OPT_MAX_JOBS:
		if (!parse_number(value, 1, 100000, &n))
			return "must be between 1 and 100000";
		options.max_jobs = (int)n;
		return NULL;
	case OPT_JOB_HISTORY:
		if (!parse_number(value, 0, 10000000, &n))
			return "must be between 0 and 10000000";
		options.job_history = (int)n;
		return NULL;
	case OPT_SHUTDOWN_TIMEOUT:
		if (!parse_number(value, 1, 24LL * 3600 * 1000, &n))
			return "must be a number of milliseconds";
		options.shutdown_timeout_ms = (int)n;
		return NULL;
	case OPT_JOB_HISTORY_SECONDS:
		if (!parse_number(value, 0, 365LL * 24 * 3600, &n))
			return "must be a number of seconds";
		options.job_history_seconds = (int)n;
		return NULL;
	}
	return "is not an option";
}

static void option_error(const char *where, const char *name,
    const char *value, const char *why)
{
	fprintf(stderr, "xenlightd: %s%s%s '%s': %s\n", where ? where : "",
	    where ? ": " : "", name, value ? value : "", why);
	exit(2);
}

/* "key = value" lines; '#' starts a comment; values may be quoted.  Keys
 * are the long option names (dashes or underscores). */
static bool read_config_file(const char *path, const char **why)
{
	static int depth;
	int error;
	char *text = fsutil_read_file(path, 1024 * 1024, NULL, &error);
	char *line, *next;
	int lineno = 0;

	if (text == NULL) {
		*why = strerror(error);
		return false;
	}
	if (++depth > 4) {
		*why = "config files include each other";
		return false;
	}
	for (line = text; line != NULL; line = next) {
		char *key, *value, *eq, *hash, where[PATH_MAX + 32];
		const struct option *opt;
		size_t n;

		lineno++;
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		if ((hash = strchr(line, '#')) != NULL)
			*hash = '\0';
		key = line + strspn(line, " \t\r");
		if (*key == '\0')
			continue;
		snprintf(where, sizeof where, "%s:%d", path, lineno);
		eq = strchr(key, '=');
		value = eq != NULL ? eq + 1 : NULL;
		if (eq != NULL)
			*eq = '\0';
		n = strcspn(key, " \t\r");
		key[n] = '\0';
		for (char *p = key; *p; p++)
			if (*p == '_')
				*p = '-';
		for (opt = long_options; opt->name != NULL; opt++)
			if (strcmp(opt->name, key) == 0)
				break;
		if (opt->name == NULL || opt->val == OPT_HELP ||
		    opt->val == OPT_VERSION)
			option_error(where, "unknown key", key, "not an option");
		if (value != NULL) {
			value += strspn(value, " \t");
			n = strlen(value);
			while (n > 0 && strchr(" \t\r", value[n - 1]))
				value[--n] = '\0';
			if (n >= 2 && (value[0] == '"' || value[0] == '\'') &&
			    value[n - 1] == value[0]) {
				value[n - 1] = '\0';
				value++;
			}
		}
		if (opt->has_arg == no_argument) {
			/* flags: "foreground = yes|no|true|false|1|0" */
			if (value != NULL && (strcmp(value, "no") == 0 ||
			    strcmp(value, "false") == 0 || strcmp(value, "0") == 0))
				continue;
			if (value != NULL && strcmp(value, "yes") != 0 &&
			    strcmp(value, "true") != 0 && strcmp(value, "1") != 0)
				option_error(where, key, value,
				    "must be yes or no");
		} else if (value == NULL || *value == '\0') {
			option_error(where, key, "", "needs a value");
		}
		{
			const char *bad = apply_option(opt->val, value);

			if (bad != NULL)
				option_error(where, key, value, bad);
		}
	}
	depth--;
	free(text);
	return true;
}

static void parse_options(int argc, char **argv)
{
	int id;

	opterr = 0;
	while ((id = getopt_long(argc, argv, ":fhV", long_options, NULL)) != -1) {
		const char *bad;

		switch (id) {
		case OPT_HELP:
			usage(stdout);
			exit(0);
		case OPT_VERSION:
			printf("xenlightd %s (libxl API 0x%06x)\n",
			    PACKAGE_VERSION, LIBXL_API_VERSION);
			exit(0);
		case '?':
			fprintf(stderr, "xenlightd: unknown option '%s'\n",
			    argv[optind - 1]);
			usage(stderr);
			exit(2);
		case ':':
			fprintf(stderr, "xenlightd: option '%s' needs a value\n",
			    argv[optind - 1]);
			exit(2);
		default:
			bad = apply_option(id, optarg);
			if (bad != NULL)
				option_error(NULL, argv[optind - 1 -
				    (optarg != NULL && optarg == argv[optind - 1])],
				    optarg, bad);
		}
	}
	if (optind < argc) {
		fprintf(stderr, "xenlightd: unexpected argument '%s'\n",
		    argv[optind]);
		exit(2);
	}
	if (options.rundir == NULL)
		replace_string(&options.rundir, DAEMON_DEFAULT_RUNDIR);
	if (options.statedir == NULL)
		replace_string(&options.statedir, DAEMON_DEFAULT_STATEDIR);
	if (options.socket_path == NULL &&
	    asprintf(&options.socket_path, "%s/xenlightd.sock", options.rundir) < 0)
		abort();
	if (options.lockspace == NULL &&
	    asprintf(&options.lockspace, "%s/lockspace", options.statedir) < 0)
		abort();
	if (options.lease_backend == LEASE_BACKEND_SANLOCK &&
	    options.host_id == 0) {
		fprintf(stderr, "xenlightd: --lease-backend sanlock needs "
		    "--host-id N (1..2000, unique among the hosts)\n");
		exit(2);
	}
	if (options.ro_socket_path == NULL &&
	    asprintf(&options.ro_socket_path, "%s/xenlightd-ro.sock",
	    options.rundir) < 0)
		abort();
}

/* ------------------------------------------------------------------------
 * --sim: run this same binary with the simulator interposed. */

static char *sim_find_library(void)
{
	char exe[PATH_MAX], *path;
	const char *env = getenv(SIM_ENV_LIBRARY);
	ssize_t n;

	if (env != NULL)
		return strdup(env);
	/* from the build tree: <top_builddir>/daemon/xenlightd */
	n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n > 0) {
		char *slash;

		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash != NULL) {
			*slash = '\0';
			if (asprintf(&path, "%s/../sim/.libs/" SIM_LIBRARY_NAME,
			    exe) < 0)
				abort();
			if (access(path, R_OK) == 0)
				return path;
			free(path);
		}
	}
	if (asprintf(&path, "%s/" SIM_LIBRARY_NAME, PKGLIBDIR) < 0)
		abort();
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
		if (asprintf(&value, "%s:%s", preload, library) < 0)
			abort();
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

	if (asprintf(&path, "%s/xenlightd.pid", options.rundir) < 0)
		abort();
	lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (lock_fd < 0) {
		log_critical("cannot open %s: %s", path, strerror(errno));
		free(path);
		return -1;
	}
	if (flock(lock_fd, LOCK_EX | LOCK_NB) < 0) {
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

static void raise_fd_limit(void)
{
	struct rlimit rl;

	/* each client is an fd: allow --max-clients of them */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
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
	server_stop_listening();
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
	int rc;

	parse_options(argc, argv);
	if (options.sim) {
		sim_reexec(argv);
		daemon_hypervisor = "sim";
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
	if (loop_libxl_attach() < 0 || event_libxl_attach() < 0)
		return 1;
	if (fileio_init(4) < 0) {
		log_critical("cannot start the file I/O workers");
		return 1;
	}
	if (store_init() < 0 || job_init() < 0 || domain_registry_init() < 0)
		return 1;
	job_recover();
	if (watch_signals() < 0 || server_listen() < 0)
		return 1;
	log_notice("xenlightd %s serving on %s (hypervisor %s)",
	    PACKAGE_VERSION, options.socket_path, daemon_hypervisor);
	announce_ready();
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
	server_close_all();
	stats_close();
	domain_registry_free();
	job_free_all();
	event_libxl_detach();
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
