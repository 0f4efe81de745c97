/* xenlightd-pci-helper add|remove BDF REBIND: libxl's
 * libxl_device_pci_assignable_add/remove are synchronous, and on a real
 * host they unbind a device from its dom0 driver and bind it to pciback
 * through sysfs, which waits for that driver's remove routine (seconds
 * for some network drivers).  The daemon's loop must not wait for that:
 * it runs here, in a process of its own.  The last libxl error goes to
 * stdout, for the daemon to quote. */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>

#include "daemon/helper-child.h"
#include "daemon/helper-log.h"
#include "daemon/pci-bdf.h"
#include "daemon/pci-helper.h"

int main(int argc, char **argv)
{
	/* dies with the daemon that asked, and never outlives it */
	int used = helper_child_init(argc, argv);
	libxl_ctx *ctx = NULL;
	libxl_device_pci pci;
	bool add;
	int rc;

	if (used < 0 || argc != used + 4) {
		fprintf(stderr, "usage: xenlightd-pci-helper --parent PID "
		    "add|remove BDF 0|1\n");
		return PCI_HELPER_USAGE;
	}
	argv += used;	/* argv[1] is the first of ours */
	if ((strcmp(argv[1], "add") != 0 && strcmp(argv[1], "remove") != 0) ||
	    (strcmp(argv[3], "0") != 0 && strcmp(argv[3], "1") != 0)) {
		fprintf(stderr, "usage: xenlightd-pci-helper --parent PID "
		    "add|remove BDF 0|1\n");
		return PCI_HELPER_USAGE;
	}
	add = strcmp(argv[1], "add") == 0;
	libxl_device_pci_init(&pci);
	if (pci_bdf_parse(argv[2], &pci) != 0) {
		fprintf(stderr, "xenlightd-pci-helper: bad BDF '%s'\n",
		    argv[2]);
		return PCI_HELPER_USAGE;
	}
	if (libxl_ctx_alloc(&ctx, LIBXL_VERSION, 0,
	    helper_log_open("xenlightd-pci-helper")) != 0) {
		printf("cannot open the hypervisor");
		return PCI_HELPER_NO_HYPERVISOR;
	}
	if (add)
		rc = libxl_device_pci_assignable_add(ctx, &pci, argv[3][0] ==
		    '1');
	else
		rc = libxl_device_pci_assignable_remove(ctx, &pci,
		    argv[3][0] == '1');
	libxl_ctx_free(ctx);
	libxl_device_pci_dispose(&pci);
	if (rc != 0) {
		printf("%s", helper_log_last_error());
		return PCI_HELPER_FAILED;
	}
	return PCI_HELPER_OK;
}
