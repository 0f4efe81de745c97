/* The daemon's options: every long option is also a key of --config FILE. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/daemon.h"
#include "daemon/fsutil.h"
#include "daemon/log.h"
#include "proto/mem.h"

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
	.group_id = (gid_t)-1,
};

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
	    "      --sim                run on the simulated hypervisor\n"
	    "  -h, --help               show this help\n"
	    "  -V, --version            show the version\n",
	    DAEMON_DEFAULT_RUNDIR, DAEMON_DEFAULT_STATEDIR);
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

		xreplace(&options.config_file, value);
		return read_config_file(value, &why) ? NULL : why;
	}
	case OPT_RUNDIR:
	case OPT_STATEDIR:
	case OPT_SOCKET:
	case OPT_RO_SOCKET:
	case OPT_LOG_FILE:
		if (value[0] != '/')
			return "must be an absolute path";
		xreplace(id == OPT_RUNDIR ? &options.rundir :
		    id == OPT_STATEDIR ? &options.statedir :
		    id == OPT_SOCKET ? &options.socket_path :
		    id == OPT_RO_SOCKET ? &options.ro_socket_path :
		    &options.log_file, value);
		return NULL;
	case OPT_GROUP: {
		struct group *g = getgrnam(value);

		if (g == NULL)
			return "no such group";
		xreplace(&options.group, value);
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

void options_parse(int argc, char **argv)
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
		xreplace(&options.rundir, DAEMON_DEFAULT_RUNDIR);
	if (options.statedir == NULL)
		xreplace(&options.statedir, DAEMON_DEFAULT_STATEDIR);
	if (options.socket_path == NULL)
		xasprintf(&options.socket_path, "%s/xenlightd.sock",
		    options.rundir);
	if (options.ro_socket_path == NULL)
		xasprintf(&options.ro_socket_path, "%s/xenlightd-ro.sock",
		    options.rundir);
}

