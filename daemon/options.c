/* The daemon's options, one table row each: the command line, --config
 * FILE (every long option is also a key) and --help all come from it. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <inttypes.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/daemon.h"
#include "daemon/fsutil.h"
#include "daemon/lease.h"
#include "daemon/log.h"
#include "daemon/priority.h"
#include "proto/mem.h"

#define MS_PER_DAY (24LL * 3600 * 1000)
#define DEFAULT_CONFIG_FILE SYSCONFDIR "/xenlightd/xenlightd.conf"

struct options options = {
	.log_level = LOG_LEVEL_NOTICE,
	.lock_wait_ms = 30000,
	.max_line = 1024 * 1024,
	.max_inflight = 64,
	.max_inflight_bytes = 4 * 1024 * 1024,
	.max_clients = 256,
	.max_ro_clients = 4096,
	.max_ro_clients_per_uid = 128,
	.client_timeout_ms = 30000,
	.helper_nice = 10,
	.helper_ioprio = (2 << 13) | 7,	/* best effort, lowest */
	.helper_sched = SCHED_OTHER,
	.loop_slice_us = 100,		/* the shortest the kernel gives */
	.max_event_backlog = 8 * 1024 * 1024,
	.max_jobs = 256,
	.job_history = 1000,
	.job_history_seconds = 600,
	.shutdown_timeout_ms = 60000,
	.lease_backend = LEASE_BACKEND_LOCKSPACE,
	.group_id = (gid_t)-1,
	.metrics_max_clients = 16,
	.metrics_timeout_ms = 10000,
	.migrate_max_incoming = 4,
};

enum option_kind {
	OPTION_FLAG,		/* bool, no value */
	OPTION_PATH,		/* char *, an absolute path */
	OPTION_INT,		/* int in [min, max] */
	OPTION_INT64,		/* int64_t in [min, max] */
	OPTION_SIZE,		/* size_t in [min, max] */
	OPTION_CUSTOM,		/* parse() does it */
};

struct option_spec {
	const char *name;
	char letter;
	enum option_kind kind;
	void *field;
	long long min, max;
	const char *value;	/* what the value is, for --help */
	const char *help;
	/* OPTION_CUSTOM: NULL, or what is wrong with value */
	const char *(*parse)(const char *value);
};

/* --no-config: only looked at before the other options */
static bool no_config;

static const char *option_config(const char *value);
static const char *option_group(const char *value);
static const char *option_helper_sched(const char *value)
{
	if (!priority_parse_sched(value, &options.helper_sched))
		return "must be other, batch or idle";
	return NULL;
}

static const char *option_log_level(const char *value);
static const char *option_lease_backend(const char *value);
static const char *option_helper_ioprio(const char *value);
static const char *option_helper_sched(const char *value);
static const char *option_metrics_listen(const char *value);
static const char *option_migrate_listen(const char *value);

static const struct option_spec option_specs[] = {
	{ "foreground", 'f', OPTION_FLAG, &options.foreground, 0, 0, NULL,
	  "stay in the foreground, log to stderr", NULL },
	{ "config", 0, OPTION_CUSTOM, NULL, 0, 0, "FILE",
	  "read options from FILE (key = value); by default "
	  DEFAULT_CONFIG_FILE ", if it exists", option_config },
	{ "no-config", 0, OPTION_FLAG, &no_config, 0, 0, NULL,
	  "do not read the default configuration file", NULL },
	{ "rundir", 0, OPTION_PATH, &options.rundir, 0, 0, "DIR",
	  "runtime directory [" DAEMON_DEFAULT_RUNDIR "]", NULL },
	{ "statedir", 0, OPTION_PATH, &options.statedir, 0, 0, "DIR",
	  "persistent state directory [" DAEMON_DEFAULT_STATEDIR "]", NULL },
	{ "socket", 0, OPTION_PATH, &options.socket_path, 0, 0, "PATH",
	  "full-access socket [RUNDIR/xenlightd.sock]", NULL },
	{ "ro-socket", 0, OPTION_PATH, &options.ro_socket_path, 0, 0, "PATH",
	  "read-only socket [RUNDIR/xenlightd-ro.sock]", NULL },
	{ "group", 0, OPTION_CUSTOM, NULL, 0, 0, "GROUP",
	  "group of the full-access socket (mode 0660)", option_group },
	{ "lock-wait", 0, OPTION_INT64, &options.lock_wait_ms, 0, MS_PER_DAY,
	  "MS", "default wait for a domain's lock", NULL },
	{ "max-line", 0, OPTION_SIZE, &options.max_line, 1024,
	  256LL * 1024 * 1024, "BYTES", "longest request line", NULL },
	{ "max-inflight", 0, OPTION_INT, &options.max_inflight, 1, 65536, "N",
	  "requests in progress per client", NULL },
	{ "max-inflight-bytes", 0, OPTION_SIZE, &options.max_inflight_bytes,
	  4096, 1LL << 32, "BYTES",
	  "bytes of request lines in progress per client", NULL },
	{ "max-clients", 0, OPTION_INT, &options.max_clients, 1, 1000000, "N",
	  "clients of the full-access socket", NULL },
	{ "max-ro-clients", 0, OPTION_INT, &options.max_ro_clients, 1, 1000000,
	  "N", "clients of the read-only socket", NULL },
	{ "max-ro-clients-per-uid", 0, OPTION_INT,
	  &options.max_ro_clients_per_uid, 1, 1000000, "N",
	  "clients of one user (but root) on the read-only socket", NULL },
	{ "client-timeout", 0, OPTION_INT, &options.client_timeout_ms, 100,
	  MS_PER_DAY, "MS", "a request line begun must end within this long",
	  NULL },
	{ "max-event-backlog", 0, OPTION_SIZE, &options.max_event_backlog, 4096,
	  1LL << 32, "BYTES", "unsent events per subscriber", NULL },
	{ "max-jobs", 0, OPTION_INT, &options.max_jobs, 1, 100000, "N",
	  "jobs in progress (queued or running)", NULL },
	{ "job-history", 0, OPTION_INT, &options.job_history, 0, 10000000, "N",
	  "finished jobs kept at least", NULL },
	{ "job-history-seconds", 0, OPTION_INT, &options.job_history_seconds, 0,
	  365LL * 24 * 3600, "S", "... and kept at least this long", NULL },
	{ "log-level", 0, OPTION_CUSTOM, NULL, 0, 0, "LEVEL",
	  "critical, error, warning, notice, info, debug [notice]",
	  option_log_level },
	{ "log-file", 0, OPTION_PATH, &options.log_file, 0, 0, "FILE",
	  "log to FILE (reopened on SIGHUP)", NULL },
	{ "shutdown-timeout", 0, OPTION_INT, &options.shutdown_timeout_ms, 1,
	  MS_PER_DAY, "MS", "domain-shutdown's default wait", NULL },
	{ "lease-backend", 0, OPTION_CUSTOM, NULL, 0, 0, "BACKEND",
	  "disk leases: lockspace, sanlock or none [lockspace]",
	  option_lease_backend },
	{ "lockspace", 0, OPTION_PATH, &options.lockspace, 0, 0, "DIR",
	  "the leases' directory, shared by the hosts [STATEDIR/lockspace]",
	  NULL },
	{ "host-id", 0, OPTION_INT, &options.host_id, 1, 2000, "N",
	  "sanlock host id, unique among the hosts", NULL },
	{ "helper-nice", 0, OPTION_INT, &options.helper_nice, 0, 19, "N",
	  "nice value of the streaming helpers (save, restore, dump, "
	  "migration; 0: the daemon's)", NULL },
	{ "helper-ioprio", 0, OPTION_CUSTOM, NULL, 0, 0, "CLASS",
	  "their I/O priority: be/0 ... be/7, idle or none [be/7]",
	  option_helper_ioprio },
	{ "helper-sched", 0, OPTION_CUSTOM, NULL, 0, 0, "POLICY",
	  "their scheduling policy: other, batch or idle [other]",
	  option_helper_sched },
	{ "loop-slice", 0, OPTION_INT, &options.loop_slice_us, 0, 100000, "US",
	  "the loop's scheduler slice in microseconds (Linux 6.12 and "
	  "later: a request preempts a helper at once); 0: the kernel's",
	  NULL },
	{ "migrate-listen", 0, OPTION_CUSTOM, NULL, 0, 0, "ADDR:PORT",
	  "receive migrations on this TCP address (off by default)",
	  option_migrate_listen },
	{ "migrate-max-incoming", 0, OPTION_INT,
	  &options.migrate_max_incoming, 1, 1024, "N",
	  "incoming migrations at once", NULL },
	{ "sim", 0, OPTION_FLAG, &options.sim, 0, 0, NULL,
	  "run on the simulated hypervisor", NULL },
	{ "metrics-listen", 0, OPTION_CUSTOM, NULL, 0, 0, "ADDR:PORT",
	  "serve Prometheus metrics on http://ADDR:PORT/metrics",
	  option_metrics_listen },
	{ "metrics-max-clients", 0, OPTION_INT, &options.metrics_max_clients,
	  1, 10000, "N", "open connections to the metrics endpoint", NULL },
	{ "metrics-timeout", 0, OPTION_INT, &options.metrics_timeout_ms, 100,
	  3600000, "MS", "a metrics client must send its request, and read "
	  "the reply, within this long", NULL },
	{ NULL, 0, 0, NULL, 0, 0, NULL, NULL, NULL },
};

/* ------------------------------------------------------------------------
 * Values */

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

static const char *option_group(const char *value)
{
	struct group *g = getgrnam(value);

	if (g == NULL)
		return "no such group";
	xreplace(&options.group, value);
	options.group_id = g->gr_gid;
	return NULL;
}

static const char *option_helper_ioprio(const char *value)
{
	if (!priority_parse_ioprio(value, &options.helper_ioprio))
		return "must be be/0 ... be/7, idle or none";
	return NULL;
}

static const char *option_log_level(const char *value)
{
	enum log_level level;

	if (!log_level_parse(value, &level))
		return "must be one of critical, error, warning, notice, info, "
		    "debug";
	options.log_level = (int)level;
	return NULL;
}

static const char *option_lease_backend(const char *value)
{
	enum lease_backend_kind kind;

	if (!lease_backend_kind_parse(value, &kind))
		return "must be lockspace, sanlock or none";
	options.lease_backend = (int)kind;
	return NULL;
}

/* "127.0.0.1:9177", "[::1]:9177", "0.0.0.0:9177" */
static const char *option_metrics_listen(const char *value)
{
	const char *colon = strrchr(value, ':');
	const char *host = value;
	size_t host_len;
	long long port;

	if (colon == NULL || !parse_number(colon + 1, 1, 65535, &port))
		return "must be ADDRESS:PORT (port 1 to 65535)";
	host_len = (size_t)(colon - value);
	if (host_len >= 2 && value[0] == '[' && colon[-1] == ']') {
		host++;
		host_len -= 2;
	}
	if (host_len == 0 || memchr(host, ']', host_len) != NULL)
		return "must be ADDRESS:PORT, an IPv6 address in brackets";
	xreplace(&options.metrics_listen, value);
	free(options.metrics_address);
	options.metrics_address = xstrndup(host, host_len);
	options.metrics_port = (int)port;
	return NULL;
}

static const char *option_migrate_listen(const char *value)
{
	const char *colon = strrchr(value, ':');
	long long port;

	if (colon == NULL || colon == value ||
	    !parse_number(colon + 1, 0, 65535, &port))
		return "must be ADDR:PORT (an IP address; [ADDR] for IPv6)";
	xreplace(&options.migrate_listen, value);
	return NULL;
}

/* One option, from the command line or the config file.  Returns NULL or
 * what is wrong with the value. */
static const char *option_apply(const struct option_spec *o,
    const char *value)
{
	static char why[96];
	long long n;

	switch (o->kind) {
	case OPTION_FLAG:
		*(bool *)o->field = true;
		return NULL;
	case OPTION_PATH:
		if (value[0] != '/')
			return "must be an absolute path";
		xreplace(o->field, value);
		return NULL;
	case OPTION_CUSTOM:
		return o->parse(value);
	case OPTION_INT:
	case OPTION_INT64:
	case OPTION_SIZE:
		if (!parse_number(value, o->min, o->max, &n)) {
			snprintf(why, sizeof why, "must be a number from %lld "
			    "to %lld", o->min, o->max);
			return why;
		}
		if (o->kind == OPTION_INT)
			*(int *)o->field = (int)n;
		else if (o->kind == OPTION_INT64)
			*(int64_t *)o->field = n;
		else
			*(size_t *)o->field = (size_t)n;
		return NULL;
	}
	return "is not an option";
}

/* The default an option has now (before parsing: the built-in one); none
 * for an option that is unset by default (a value outside its range). */
static void option_default(const struct option_spec *o, char *buf,
    size_t len)
{
	buf[0] = '\0';
	if (o->kind == OPTION_INT && (*(int *)o->field < o->min ||
	    *(int *)o->field > o->max))
		return;
	if (o->kind == OPTION_INT)
		snprintf(buf, len, " [%d]", *(int *)o->field);
	else if (o->kind == OPTION_INT64)
		snprintf(buf, len, " [%" PRId64 "]", *(int64_t *)o->field);
	else if (o->kind == OPTION_SIZE)
		snprintf(buf, len, " [%zu]", *(size_t *)o->field);
}

static void usage(FILE *out)
{
	fprintf(out, "usage: xenlightd [options]\n");
	for (const struct option_spec *o = option_specs; o->name != NULL; o++) {
		char left[64], dflt[32];

		snprintf(left, sizeof left, "%c%c%c --%s%s%s",
		    o->letter ? '-' : ' ', o->letter ? o->letter : ' ',
		    o->letter ? ',' : ' ', o->name, o->value ? " " : "",
		    o->value ? o->value : "");
		option_default(o, dflt, sizeof dflt);
		fprintf(out, "  %-30s %s%s\n", left, o->help, dflt);
	}
	fprintf(out, "  %-30s %s\n", "-h, --help", "show this help");
	fprintf(out, "  %-30s %s\n", "-V, --version", "show the version");
}

static void option_error(const char *where, const char *name,
    const char *value, const char *why)
{
	fprintf(stderr, "xenlightd: %s%s%s '%s': %s\n", where ? where : "",
	    where ? ": " : "", name, value ? value : "", why);
	exit(2);
}

static const struct option_spec *option_find(const char *name)
{
	for (const struct option_spec *o = option_specs; o->name != NULL; o++)
		if (strcmp(o->name, name) == 0)
			return o;
	return NULL;
}

/* ------------------------------------------------------------------------
 * --config FILE: "key = value" lines; '#' starts a comment; values may be
 * quoted.  Keys are the long option names (dashes or underscores). */

static bool option_value_is(const char *value, const char *a, const char *b,
    const char *c)
{
	return strcmp(value, a) == 0 || strcmp(value, b) == 0 ||
	    strcmp(value, c) == 0;
}

static void config_line(const char *where, char *key, char *value)
{
	const struct option_spec *o;
	const char *bad;
	size_t n = strcspn(key, " \t\r");

	key[n] = '\0';
	for (char *p = key; *p; p++)
		if (*p == '_')
			*p = '-';
	o = option_find(key);
	if (o == NULL)
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
	if (o->kind == OPTION_FLAG) {
		/* flags: "foreground = yes|no|true|false|1|0" */
		if (value != NULL && option_value_is(value, "no", "false", "0"))
			return;
		if (value != NULL && !option_value_is(value, "yes", "true", "1"))
			option_error(where, key, value, "must be yes or no");
	} else if (value == NULL || *value == '\0') {
		option_error(where, key, "", "needs a value");
	}
	bad = option_apply(o, value);
	if (bad != NULL)
		option_error(where, key, value, bad);
}

static const char *option_config(const char *path)
{
	static int depth;
	static char why[128];
	int error;
	char *text = fsutil_read_file(path, 1024 * 1024, NULL, &error);
	char *line, *next;
	int lineno = 0;

	if (text == NULL) {
		snprintf(why, sizeof why, "%s", strerror(error));
		return why;
	}
	if (++depth > 4) {
		free(text);
		return "config files include each other";
	}
	xreplace(&options.config_file, path);
	for (line = text; line != NULL; line = next) {
		char *key, *eq, *hash, where[PATH_MAX + 32];

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
		if (eq != NULL)
			*eq = '\0';
		config_line(where, key, eq != NULL ? eq + 1 : NULL);
	}
	depth--;
	free(text);
	return NULL;
}

/* ------------------------------------------------------------------------
 * The command line */

/* The default configuration file comes first, so that the command line
 * overrides it; --config or --no-config anywhere on the command line
 * leaves it unread (tests never read the machine's file). */
static void options_read_default(int argc, char **argv)
{
	const char *why;

	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--no-config") == 0 ||
		    strcmp(argv[i], "--config") == 0 ||
		    strncmp(argv[i], "--config=", 9) == 0)
			return;
	if (access(DEFAULT_CONFIG_FILE, F_OK) != 0)
		return;
	why = option_config(DEFAULT_CONFIG_FILE);
	if (why != NULL)
		option_error(NULL, "cannot read", DEFAULT_CONFIG_FILE, why);
}

void options_parse(int argc, char **argv)
{
	struct option longs[sizeof option_specs / sizeof *option_specs + 2];
	char shorts[64] = ":hV";
	size_t n = 0;
	int id;

	for (const struct option_spec *o = option_specs; o->name != NULL; o++) {
		longs[n] = (struct option){ o->name, o->kind == OPTION_FLAG ?
		    no_argument : required_argument, NULL, (int)(256 + n) };
		if (o->letter != 0) {
			size_t len = strlen(shorts);

			shorts[len] = o->letter;
			shorts[len + 1] = o->kind == OPTION_FLAG ? '\0' : ':';
			shorts[len + 2] = '\0';
		}
		n++;
	}
	longs[n++] = (struct option){ "help", no_argument, NULL, 'h' };
	longs[n++] = (struct option){ "version", no_argument, NULL, 'V' };
	longs[n] = (struct option){ NULL, 0, NULL, 0 };

	options_read_default(argc, argv);
	opterr = 0;
	while ((id = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
		const struct option_spec *o = NULL;
		const char *bad;

		switch (id) {
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
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
		}
		if (id >= 256)
			o = &option_specs[id - 256];
		else
			for (o = option_specs; o->letter != id; o++)
				;
		bad = option_apply(o, optarg);
		if (bad != NULL)
			option_error(NULL, argv[optind - 1 -
			    (optarg != NULL && optarg == argv[optind - 1])],
			    optarg, bad);
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
	if (options.lockspace == NULL)
		xasprintf(&options.lockspace, "%s/lockspace", options.statedir);
	if (options.lease_backend == LEASE_BACKEND_SANLOCK &&
	    options.host_id == 0) {
		fprintf(stderr, "xenlightd: --lease-backend sanlock needs "
		    "--host-id N (1..2000, unique among the hosts)\n");
		exit(2);
	}
}
