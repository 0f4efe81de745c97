/* Layer 1: the Xen handles libxl_ctx_alloc opens.  With these four fakes
 * the real libxl_ctx_alloc returns a real ctx (libxl.c:19-120 opens nothing
 * else), so the real IDL helpers that need one work.  The logger handed to
 * xc_interface_open is the application's: libxl-style messages of the
 * simulator go through it. */
#include "config.h"

#include <xenctrl.h>
#include <xenstore.h>

#include "sim/log.h"

static char fake_xc_handle;
static char fake_xs_handle;

xc_interface *xc_interface_open(xentoollog_logger *logger,
    xentoollog_logger *dombuild_logger, unsigned open_flags)
{
	sim_set_logger(logger);
	sim_trace("xc_interface_open: fake handle");
	return (xc_interface *)&fake_xc_handle;
}

int xc_interface_close(xc_interface *xch)
{
	return 0;
}

struct xs_handle *xs_open(unsigned long flags)
{
	sim_trace("xs_open: fake handle");
	return (struct xs_handle *)&fake_xs_handle;
}

void xs_close(struct xs_handle *xsh)
{
}
