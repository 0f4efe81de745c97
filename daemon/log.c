#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "daemon/log.h"

static const char *const log_level_names[] = {
	[LOG_LEVEL_CRITICAL] = "critical",
	[LOG_LEVEL_ERROR] = "error",
	[LOG_LEVEL_WARNING] = "warning",
	[LOG_LEVEL_NOTICE] = "notice",
	[LOG_LEVEL_INFO] = "info",
	[LOG_LEVEL_DEBUG] = "debug",
};

static const int log_syslog_priority[] = {
	[LOG_LEVEL_CRITICAL] = LOG_CRIT,
	[LOG_LEVEL_ERROR] = LOG_ERR,
	[LOG_LEVEL_WARNING] = LOG_WARNING,
	[LOG_LEVEL_NOTICE] = LOG_NOTICE,
	[LOG_LEVEL_INFO] = LOG_INFO,
	[LOG_LEVEL_DEBUG] = LOG_DEBUG,
};

static struct {
	enum log_level level;
	bool use_syslog;
	bool journal;		/* stderr is systemd's journal */
	char *path;
	FILE *stream;
} log_state = { LOG_LEVEL_NOTICE, false, false, NULL, NULL };

void (*log_libxl_errno_hook)(unsigned int domid, int errnoval);

bool log_level_parse(const char *name, enum log_level *out)
{
	for (size_t i = 0; i < sizeof log_level_names / sizeof *log_level_names; i++) {
		if (strcmp(name, log_level_names[i]) == 0) {
			*out = (enum log_level)i;
			return true;
		}
	}
	return false;
}

const char *log_level_name(enum log_level level)
{
	return log_level_names[level];
}

enum log_level log_get_level(void)
{
	return log_state.level;
}

static FILE *log_open_file(const char *path)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	FILE *f;

	if (fd < 0)
		return NULL;
	f = fdopen(fd, "a");
	if (f == NULL) {
		close(fd);
		return NULL;
	}
	setvbuf(f, NULL, _IOLBF, 0);
	return f;
}

/* Under systemd, standard error is a stream to journald, which names it
 * in JOURNAL_STREAM (device:inode): lines then carry their syslog priority
 * as a "<N>" prefix and no time stamp, since the journal keeps both. */
static bool log_stderr_is_journal(void)
{
	const char *env = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	return env != NULL && sscanf(env, "%llu:%llu", &dev, &ino) == 2 &&
	    fstat(STDERR_FILENO, &st) == 0 && (unsigned long long)st.st_dev ==
	    dev && (unsigned long long)st.st_ino == ino;
}

int log_open(bool foreground, const char *file, enum log_level level)
{
	log_state.level = level;
	if (file != NULL) {
		log_state.path = strdup(file);
		log_state.stream = log_open_file(file);
		if (log_state.stream == NULL)
			return -1;
	} else if (foreground) {
		log_state.stream = stderr;
		log_state.journal = log_stderr_is_journal();
	} else {
		log_state.use_syslog = true;
		openlog("xenlightd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	}
	return 0;
}

void log_reopen(void)
{
	FILE *f;

	if (log_state.path == NULL)
		return;
	f = log_open_file(log_state.path);
	if (f == NULL) {
		log_error("cannot reopen log file %s: %s", log_state.path,
		    strerror(errno));
		return;
	}
	fclose(log_state.stream);
	log_state.stream = f;
	log_info("log file reopened");
}

void log_close(void)
{
	if (log_state.use_syslog)
		closelog();
	else if (log_state.stream != NULL && log_state.stream != stderr)
		fclose(log_state.stream);
	log_state.stream = NULL;
	free(log_state.path);
	log_state.path = NULL;
}

static void log_vmessage(enum log_level level, const char *prefix,
    const char *fmt, va_list ap)
{
	struct timeval tv;
	struct tm tm;
	char stamp[32];

	if (level > log_state.level)
		return;
	if (log_state.use_syslog) {
		char buf[2048];

		vsnprintf(buf, sizeof buf, fmt, ap);
		syslog(log_syslog_priority[level], "%s%s", prefix, buf);
		return;
	}
	if (log_state.stream == NULL)
		return;
	if (log_state.journal) {
		fprintf(log_state.stream, "<%d>%s", log_syslog_priority[level],
		    prefix);
		vfprintf(log_state.stream, fmt, ap);
		fputc('\n', log_state.stream);
		return;
	}
	gettimeofday(&tv, NULL);
	localtime_r(&tv.tv_sec, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", &tm);
	fprintf(log_state.stream, "%s.%03d %s: %s", stamp,
	    (int)(tv.tv_usec / 1000), log_level_names[level], prefix);
	vfprintf(log_state.stream, fmt, ap);
	fputc('\n', log_state.stream);
}

void log_message(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmessage(level, "", fmt, ap);
	va_end(ap);
}

/* ------------------------------------------------------------------------
 * The xentoollog logger handed to libxl_ctx_alloc (which must never be NULL:
 * libxl crashes logging through a NULL logger). */

static enum log_level log_from_xtl(xentoollog_level level)
{
	switch (level) {
	case XTL_CRITICAL:
		return LOG_LEVEL_CRITICAL;
	case XTL_ERROR:
		return LOG_LEVEL_ERROR;
	case XTL_WARN:
		return LOG_LEVEL_WARNING;
	case XTL_NOTICE:
		return LOG_LEVEL_NOTICE;
	case XTL_INFO:
	case XTL_PROGRESS:
		return LOG_LEVEL_INFO;
	default:
		return LOG_LEVEL_DEBUG;
	}
}

static void log_xtl_vmessage(xentoollog_logger *logger,
    xentoollog_level level, int errnoval, const char *context,
    const char *format, va_list al)
{
	char buf[2048];
	unsigned int domid;
	int n;

	/* libxl is chatty at debug level: don't format what nobody reads */
	if (log_from_xtl(level) > log_state.level &&
	    (errnoval <= 0 || log_libxl_errno_hook == NULL))
		return;
	n = vsnprintf(buf, sizeof buf, format, al);
	if (n < 0)
		return;
	if (errnoval >= 0 && (size_t)n < sizeof buf - 2)
		snprintf(buf + n, sizeof buf - (size_t)n, ": %s",
		    strerror(errnoval));
	log_message(log_from_xtl(level), "libxl%s%s: %s",
	    context != NULL ? " " : "", context != NULL ? context : "", buf);
	/* libxl's LOGED messages start "Domain N:" when they concern one */
	if (errnoval > 0 && log_libxl_errno_hook != NULL &&
	    (sscanf(buf, "Domain %u:", &domid) == 1 ||
	    (strstr(buf, "Domain ") != NULL &&
	    sscanf(strstr(buf, "Domain "), "Domain %u:", &domid) == 1)))
		log_libxl_errno_hook(domid, errnoval);
}

static void log_xtl_progress(xentoollog_logger *logger, const char *context,
    const char *doing_what, int percent, unsigned long done,
    unsigned long total)
{
	log_debug("libxl %s: %s %d%%", context != NULL ? context : "",
	    doing_what, percent);
}

static void log_xtl_destroy(xentoollog_logger *logger)
{
}

static xentoollog_logger log_xtl = {
	.vmessage = log_xtl_vmessage,
	.progress = log_xtl_progress,
	.destroy = log_xtl_destroy,
};

xentoollog_logger *log_libxl_logger(void)
{
	return &log_xtl;
}
