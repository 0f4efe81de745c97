#include "config.h"

#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "sim/log.h"

#define GUEST_DOMID_LIMIT	0x7ff0

static xentoollog_logger *app_logger;

void sim_set_logger(xentoollog_logger *logger)
{
	app_logger = logger;
}

void *sim_real(const char *name)
{
	void *p = dlsym(RTLD_NEXT, name);

	if (p == NULL)
		sim_fatal("the real %s is missing: %s", name, dlerror());
	return p;
}

/* Formats like libxl__logv with no file or function. */
void sim_log(xentoollog_level level, int errnoval, uint32_t domid,
    const char *fmt, ...)
{
	char *msg = NULL;
	char prefix[32] = "";
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (domid > 0 && domid < GUEST_DOMID_LIMIT)
		snprintf(prefix, sizeof prefix, "Domain %u:", domid);
	if (app_logger != NULL)
		xtl_log(app_logger, level, errnoval, "libxl", "%s%s", prefix,
		    msg != NULL ? msg : fmt);
	else
		fprintf(stderr, "libxl: %s%s\n", prefix,
		    msg != NULL ? msg : fmt);
	free(msg);
}

void sim_trace(const char *fmt, ...)
{
	static int enabled = -1;
	va_list ap;

	if (enabled < 0)
		enabled = getenv("LIBXLSIM_TRACE") != NULL;
	if (!enabled)
		return;
	fputs("libxenlight-sim: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void sim_fatal(const char *fmt, ...)
{
	va_list ap;

	fputs("libxenlight-sim: FATAL: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}
