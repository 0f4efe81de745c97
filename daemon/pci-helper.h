/* xenlightd-pci-helper (pci-helper.c), run by cmd-pci.c. */
#ifndef DAEMON_PCI_HELPER_H
#define DAEMON_PCI_HELPER_H

/* The exit codes of xenlightd-pci-helper */
#define PCI_HELPER_OK 0
#define PCI_HELPER_FAILED 1	/* libxl failed; its message on stdout */
#define PCI_HELPER_USAGE 2
#define PCI_HELPER_NO_HYPERVISOR 3

#endif
