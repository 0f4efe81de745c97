/* Every file that includes libxl includes this first: the API level must be
 * fixed before any libxl header is read (libxl.h:25-28).  0x041300 is the
 * oldest level where pause, unpause, shutdown, reboot, vcpu changes and
 * retrieve-config take an ao_how, and where create_restore takes its
 * parameters (stream_version 2) instead of a legacy default. */
#ifndef DAEMON_XL_COMPAT_H
#define DAEMON_XL_COMPAT_H

#define LIBXL_API_VERSION 0x041300
#include <libxl.h>
#include <libxl_utils.h>
#include <libxl_event.h>

/* No domain (libxl's INVALID_DOMID is the int ~0; Xen's own DOMID_INVALID
 * is another value): compare domids with this */
#define DOMID_NONE ((uint32_t)~0U)

#endif
