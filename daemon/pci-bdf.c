#include "config.h"

#include <stdio.h>
#include <string.h>

#include "daemon/pci-bdf.h"

/* Up to max hexadecimal digits at *p, at least one. */
static int hex_field(const char **p, int max, unsigned *out)
{
	int n = 0;

	*out = 0;
	while (n < max && strchr("0123456789abcdefABCDEF", **p) != NULL &&
	    **p != '\0') {
		char c = *(*p)++;

		*out = *out * 16 + (unsigned)(c <= '9' ? c - '0' :
		    (c | 0x20) - 'a' + 10);
		n++;
	}
	return n > 0 ? 0 : -1;
}

int pci_bdf_parse(const char *text, libxl_device_pci *pci)
{
	unsigned a, b, dom = 0, bus, dev, func;
	const char *p = text;

	if (hex_field(&p, 4, &a) != 0 || *p++ != ':' ||
	    hex_field(&p, 2, &b) != 0)
		return -1;
	if (*p == ':') {
		p++;
		dom = a;
		bus = b;
		if (hex_field(&p, 2, &dev) != 0)
			return -1;
	} else {
		if (a > 0xff)
			return -1;
		bus = a;
		dev = b;
	}
	if (*p++ != '.' || hex_field(&p, 1, &func) != 0 || *p != '\0' ||
	    dev > 0x1f || func > 7)
		return -1;
	pci->domain = (int)dom;
	pci->bus = (uint8_t)bus;
	pci->dev = (uint8_t)dev;
	pci->func = (uint8_t)func;
	return 0;
}

void pci_bdf_format(const libxl_device_pci *pci, char out[PCI_BDF_TEXT_SIZE])
{
	snprintf(out, PCI_BDF_TEXT_SIZE, "%04x:%02x:%02x.%x",
	    (unsigned)pci->domain & 0xffff, pci->bus, pci->dev, pci->func);
}
