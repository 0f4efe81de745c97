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
