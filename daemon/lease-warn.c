/* What a lease holder and its backends have to say: lease-backend.h. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>

#include "daemon/lease-backend.h"

static const char *warn_uuid = "";

void lease_warn_as(const char *uuid)
{
	warn_uuid = uuid != NULL ? uuid : "";
}

void lease_holder_warn(const char *fmt, ...)
{
	char text[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	fprintf(stderr, "xenlightd-lease-holder %s: %s\n", warn_uuid, text);
	syslog(LOG_WARNING, "%s: %s", warn_uuid, text);
}
