#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "daemon/helper-log.h"

static const char *log_program = "xenlightd-helper";
static int log_io_errno;
static char log_last_error[512];

/* The errnos the daemon reports as IOError (as job.c's log hook does). */
static bool is_io_errno(int e)
{
	return e == EIO || e == ENOSPC || e == EDQUOT || e == EFBIG ||
	    e == EROFS || e == EPIPE || e == ECONNRESET;
}

static void helper_log_vmessage(xentoollog_logger *logger,
    xentoollog_level level, int errnoval, const char *context,
    const char *format, va_list al)
{
	va_list copy;

	if (level < XTL_WARN)
		return;
	va_copy(copy, al);
	if (level >= XTL_ERROR)
		vsnprintf(log_last_error, sizeof log_last_error, format, copy);
	va_end(copy);
	fprintf(stderr, "%s: %s%s", log_program, context ? context : "",
	    context ? ": " : "");
	vfprintf(stderr, format, al);
	if (errnoval > 0)
		fprintf(stderr, ": %s", strerror(errnoval));
	fputc('\n', stderr);
	if (is_io_errno(errnoval))
		log_io_errno = errnoval;
}

static void helper_log_progress(xentoollog_logger *logger,
    const char *context, const char *doing_what, int percent,
    unsigned long done, unsigned long total)
{
	/* the daemon measures progress itself */
}

static void helper_log_destroy(xentoollog_logger *logger)
{
}

static xentoollog_logger helper_logger = {
	.vmessage = helper_log_vmessage,
	.progress = helper_log_progress,
	.destroy = helper_log_destroy,
};

xentoollog_logger *helper_log_open(const char *program)
{
	log_program = program;
	return &helper_logger;
}

const char *helper_log_last_error(void)
{
	return log_last_error;
}

int helper_log_io_errno(void)
{
	return log_io_errno;
}
