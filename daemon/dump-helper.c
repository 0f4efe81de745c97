/* xenlightd-dump-helper DOMID FILE: libxl_domain_core_dump runs
 * synchronously inside its call (libxl_domain.c:594-614 in 4.17), so the
 * daemon runs it here, in a process of its own that it watches, kills to
 * abort, and whose output file it measures for progress. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#include "daemon/dump.h"
#include "daemon/helper-log.h"

int main(int argc, char **argv)
{
	libxl_ctx *ctx = NULL;
	char *end;
	unsigned long domid;
	int rc;

	if (argc != 3) {
		fprintf(stderr, "usage: xenlightd-dump-helper DOMID FILE\n");
		return DUMP_HELPER_USAGE;
	}
	errno = 0;
	domid = strtoul(argv[1], &end, 10);
	if (errno != 0 || *end != '\0' || end == argv[1] || domid >= 0x7ff0) {
		fprintf(stderr, "xenlightd-dump-helper: bad domid '%s'\n",
		    argv[1]);
		return DUMP_HELPER_USAGE;
	}
	/* a dump must not outlive the daemon that asked for it */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (libxl_ctx_alloc(&ctx, LIBXL_VERSION, 0,
	    helper_log_open("xenlightd-dump-helper")) != 0) {
		fprintf(stderr, "xenlightd-dump-helper: cannot open the "
		    "hypervisor\n");
		return DUMP_HELPER_NO_HYPERVISOR;
	}
	rc = libxl_domain_core_dump(ctx, (uint32_t)domid, argv[2], NULL);
	libxl_ctx_free(ctx);
	if (rc != 0)
		return helper_log_io_errno() != 0 ? DUMP_HELPER_IO_ERROR :
		    DUMP_HELPER_FAILED;
	return DUMP_HELPER_OK;
}
