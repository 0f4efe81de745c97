/* xenlightd-dump-helper (dump-helper.c), run by cmd-dump.c. */
#ifndef DAEMON_DUMP_H
#define DAEMON_DUMP_H

/* The exit codes of xenlightd-dump-helper */
#define DUMP_HELPER_OK 0
#define DUMP_HELPER_FAILED 1	/* libxl failed */
#define DUMP_HELPER_USAGE 2
#define DUMP_HELPER_IO_ERROR 3	/* libxl failed on an I/O error */
#define DUMP_HELPER_NO_HYPERVISOR 4

/* The helper's fd for the core file */
#define DUMP_HELPER_IMAGE_FD 3

#endif
