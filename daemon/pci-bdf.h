/* PCI addresses as xl and lspci write them: "[DDDD:]BB:DD.F". */
#ifndef DAEMON_PCI_BDF_H
#define DAEMON_PCI_BDF_H

#include "daemon/xl-compat.h"

#define PCI_BDF_TEXT_SIZE 16	/* "dddd:bb:dd.f" and its NUL */

/* text (hexadecimal, domain 0 when left out) into pci's address; 0, or -1
 * when text is anything else. */
int pci_bdf_parse(const char *text, libxl_device_pci *pci);
/* The canonical form, "0000:0b:00.0". */
void pci_bdf_format(const libxl_device_pci *pci,
    char out[PCI_BDF_TEXT_SIZE]);

#endif
