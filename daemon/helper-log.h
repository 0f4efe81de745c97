/* The libxl logger of the helper programs: warnings and errors go to
 * stderr, which is the daemon's log; the last error's text and the errno
 * of the last I/O failure are kept for the helper's result. */
#ifndef DAEMON_HELPER_LOG_H
#define DAEMON_HELPER_LOG_H

#include "daemon/xl-compat.h"

xentoollog_logger *helper_log_open(const char *program);
const char *helper_log_last_error(void);	/* "" when none */
int helper_log_io_errno(void);			/* 0 when none */

#endif
