/* xenlightd-dump-helper --parent PID DOMID: libxl_domain_core_dump runs
 * synchronously inside its call (libxl_domain.c:594-614 in 4.17), so the
 * daemon runs it here, in a process of its own that it watches, kills to
 * abort, and whose output file it measures for progress.
 *
 * The core goes to fd 3 (DUMP_HELPER_IMAGE_FD), the temporary file the
 * daemon created and journaled: the helper never creates a file by name,
 * so a helper that outlived a killed daemon could not re-create what the
 * next daemon's recovery removed. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/dump.h"
#include "daemon/helper-child.h"
#include "daemon/helper-log.h"

int main(int argc, char **argv)
{
	int used = helper_child_init(argc, argv);
	libxl_ctx *ctx = NULL;
	char *end, image[32];
	unsigned long domid;
	int rc;

	if (used < 0 || argc != used + 2) {
		fprintf(stderr, "usage: xenlightd-dump-helper --parent PID "
		    "DOMID 3>CORE\n");
		return DUMP_HELPER_USAGE;
	}
	errno = 0;
	domid = strtoul(argv[used + 1], &end, 10);
	if (errno != 0 || *end != '\0' || end == argv[used + 1] ||
	    domid >= 0x7ff0) {
		fprintf(stderr, "xenlightd-dump-helper: bad domid '%s'\n",
		    argv[used + 1]);
		return DUMP_HELPER_USAGE;
	}
	/* libxl takes a file name: the one that reopens our fd's file (the
	 * very inode, even once unlinked; nothing is created by a name) */
	if (fcntl(DUMP_HELPER_IMAGE_FD, F_SETFD, FD_CLOEXEC) < 0) {
		fprintf(stderr, "xenlightd-dump-helper: no core file on fd "
		    "%d\n", DUMP_HELPER_IMAGE_FD);
		return DUMP_HELPER_USAGE;
	}
	snprintf(image, sizeof image, "/proc/self/fd/%d", DUMP_HELPER_IMAGE_FD);
	if (libxl_ctx_alloc(&ctx, LIBXL_VERSION, 0,
	    helper_log_open("xenlightd-dump-helper")) != 0) {
		fprintf(stderr, "xenlightd-dump-helper: cannot open the "
		    "hypervisor\n");
		return DUMP_HELPER_NO_HYPERVISOR;
	}
	rc = libxl_domain_core_dump(ctx, (uint32_t)domid, image, NULL);
	libxl_ctx_free(ctx);
	if (rc != 0)
		return helper_log_io_errno() != 0 ? DUMP_HELPER_IO_ERROR :
		    DUMP_HELPER_FAILED;
	return DUMP_HELPER_OK;
}
