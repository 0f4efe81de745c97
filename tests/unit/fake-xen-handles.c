#include "config.h"

#include "tests/unit/fake-xen-handles.h"

#include <stdio.h>
#include <stdlib.h>

#include <xenctrl.h>
#include <xenstore.h>
#include <xentoollog.h>

static int fake_xc_handle, fake_xs_handle;

xc_interface *xc_interface_open(xentoollog_logger *logger,
    xentoollog_logger *dombuild_logger, unsigned open_flags)
{
	return (xc_interface *)&fake_xc_handle;
}

int xc_interface_close(xc_interface *xch)
{
	return 0;
}

int xc_get_max_cpus(xc_interface *xch)
{
	return FAKE_XEN_MAX_CPUS;
}

int xc_get_online_cpus(xc_interface *xch)
{
	return FAKE_XEN_MAX_CPUS;
}

int xc_get_max_nodes(xc_interface *xch)
{
	return FAKE_XEN_MAX_NODES;
}

/* Cpus 0-7 on node 0, 8-15 on node 1. */
int xc_cputopoinfo(xc_interface *xch, unsigned *max_cpus,
    xc_cputopo_t *cputopo)
{
	if (cputopo != NULL)
		for (unsigned i = 0; i < *max_cpus && i < FAKE_XEN_MAX_CPUS;
		    i++) {
			cputopo[i].core = i;
			cputopo[i].socket = 0;
			cputopo[i].node = i / (FAKE_XEN_MAX_CPUS /
			    FAKE_XEN_MAX_NODES);
		}
	*max_cpus = FAKE_XEN_MAX_CPUS;
	return 0;
}

/* FAKE_XEN_MAX_NODES nodes of 4 GiB, 10 from themselves, 20 apart. */
int xc_numainfo(xc_interface *xch, unsigned *max_nodes,
    xc_meminfo_t *meminfo, uint32_t *distance)
{
	unsigned n = FAKE_XEN_MAX_NODES;

	if (meminfo != NULL)
		for (unsigned i = 0; i < *max_nodes && i < n; i++) {
			meminfo[i].memsize = UINT64_C(4) << 30;
			meminfo[i].memfree = UINT64_C(2) << 30;
		}
	if (distance != NULL)
		for (unsigned i = 0; i < *max_nodes && i < n; i++)
			for (unsigned j = 0; j < *max_nodes && j < n; j++)
				distance[i * *max_nodes + j] = i == j ? 10 : 20;
	*max_nodes = n;
	return 0;
}

struct xs_handle *xs_open(unsigned long flags)
{
	return (struct xs_handle *)&fake_xs_handle;
}

void xs_close(struct xs_handle *xsh)
{
}

libxl_ctx *fake_xen_ctx(void)
{
	static libxl_ctx *ctx;
	xentoollog_logger_stdiostream *logger;

	if (ctx != NULL)
		return ctx;
	logger = xtl_createlogger_stdiostream(stderr, XTL_ERROR, 0);
	if (logger == NULL ||
	    libxl_ctx_alloc(&ctx, LIBXL_VERSION, 0,
	    (xentoollog_logger *)logger) != 0) {
		fprintf(stderr, "fake_xen_ctx: libxl_ctx_alloc failed\n");
		abort();
	}
	return ctx;
}
