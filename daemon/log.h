/* Logging: stderr in the foreground, syslog otherwise, or a file given with
 * --log-file (reopened on SIGHUP for log rotation). */
#ifndef DAEMON_LOG_H
#define DAEMON_LOG_H

#include <stdbool.h>
#include <xentoollog.h>

enum log_level {
	LOG_LEVEL_CRITICAL,
	LOG_LEVEL_ERROR,
	LOG_LEVEL_WARNING,
	LOG_LEVEL_NOTICE,
	LOG_LEVEL_INFO,
	LOG_LEVEL_DEBUG,
};

bool log_level_parse(const char *name, enum log_level *out);
const char *log_level_name(enum log_level level);

/* file: NULL for stderr (foreground) or syslog (background). */
int log_open(bool foreground, const char *file, enum log_level level);
void log_reopen(void);
void log_close(void);
enum log_level log_get_level(void);

void log_message(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
#define log_critical(...) log_message(LOG_LEVEL_CRITICAL, __VA_ARGS__)
#define log_error(...) log_message(LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warning(...) log_message(LOG_LEVEL_WARNING, __VA_ARGS__)
#define log_notice(...) log_message(LOG_LEVEL_NOTICE, __VA_ARGS__)
#define log_info(...) log_message(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...) log_message(LOG_LEVEL_DEBUG, __VA_ARGS__)

/* libxl's messages go through this logger into ours.  Messages that carry an
 * errno and name a domain ("Domain 5: ...") are also handed to
 * log_libxl_errno_hook, which lets a job learn that its libxl operation
 * failed on an I/O error. */
xentoollog_logger *log_libxl_logger(void);
extern void (*log_libxl_errno_hook)(unsigned int domid, int errnoval);

#endif
