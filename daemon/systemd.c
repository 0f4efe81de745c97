/* systemd glue: socket activation and readiness notification. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "daemon/log.h"
#include "daemon/systemd.h"
#include "proto/err.h"

static const char *const systemd_fdnames[] = {
	SYSTEMD_FDNAME_FULL, SYSTEMD_FDNAME_READ_ONLY
};
#define SYSTEMD_FDNAME_COUNT \
	(sizeof systemd_fdnames / sizeof systemd_fdnames[0])

/* Indexed like systemd_fdnames. */
static struct {
	int fd;				/* -1: not passed, or taken */
	char path[sizeof ((struct sockaddr_un *)0)->sun_path + 1];
} systemd_adopted[SYSTEMD_FDNAME_COUNT] = { { -1, "" }, { -1, "" } };

static int systemd_fdname_index(const char *name)
{
	for (size_t i = 0; i < SYSTEMD_FDNAME_COUNT; i++)
		if (strcmp(systemd_fdnames[i], name) == 0)
			return (int)i;
	return -1;
}

/* Checks one passed fd and records it under its name. */
static struct err *systemd_adopt(int fd, const char *name)
{
	struct sockaddr_un sun;
	socklen_t len = sizeof sun;
	int index = systemd_fdname_index(name), flags;

	if (index < 0)
		return err_new(ERR_INVALID_ARGUMENT, "socket activation passed "
		    "fd %d named '%s'; xenlightd takes '%s' and '%s' "
		    "(FileDescriptorName= of its socket units)", fd, name,
		    SYSTEMD_FDNAME_FULL, SYSTEMD_FDNAME_READ_ONLY);
	if (systemd_adopted[index].fd >= 0)
		return err_new(ERR_INVALID_ARGUMENT, "socket activation passed "
		    "two sockets named '%s'", name);
	if (sd_is_socket_unix(fd, SOCK_STREAM, 1, NULL, 0) <= 0)
		return err_new(ERR_INVALID_ARGUMENT, "socket activation passed "
		    "'%s' (fd %d), which is not a listening UNIX stream socket "
		    "(ListenStream= with a path)", name, fd);
	memset(&sun, 0, sizeof sun);
	if (getsockname(fd, (struct sockaddr *)&sun, &len) < 0)
		return err_new(ERR_INTERNAL, "socket activation: getsockname "
		    "of '%s': %s", name, strerror(errno));
	/* the accept loop relies on EAGAIN; the open file description is
	 * systemd's too, which does not mind */
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
		return err_new(ERR_INTERNAL, "socket activation: cannot make "
		    "'%s' non-blocking: %s", name, strerror(errno));
	if (len <= offsetof(struct sockaddr_un, sun_path))
		snprintf(systemd_adopted[index].path,
		    sizeof systemd_adopted[index].path, "(unnamed)");
	else if (sun.sun_path[0] == '\0')	/* abstract: @name */
		snprintf(systemd_adopted[index].path,
		    sizeof systemd_adopted[index].path, "@%.*s",
		    (int)(len - offsetof(struct sockaddr_un, sun_path) - 1),
		    sun.sun_path + 1);
	else
		snprintf(systemd_adopted[index].path,
		    sizeof systemd_adopted[index].path, "%.*s",
		    (int)sizeof sun.sun_path, sun.sun_path);
	systemd_adopted[index].fd = fd;
	return NULL;
}

struct err *systemd_listen_init(void)
{
	char **names = NULL;
	struct err *error = NULL;
	int n;

	/* unset LISTEN_*: the helpers and device models the daemon starts
	 * must not think the sockets are theirs */
	n = sd_listen_fds_with_names(1, &names);
	if (n < 0)
		return err_new(ERR_INTERNAL, "socket activation: %s",
		    strerror(-n));
	for (int i = 0; i < n; i++) {
		int fd = SD_LISTEN_FDS_START + i;

		if (error == NULL)
			error = systemd_adopt(fd, names[i]);
		if (error != NULL)
			close(fd);
	}
	if (error != NULL)
		for (size_t i = 0; i < SYSTEMD_FDNAME_COUNT; i++)
			if (systemd_adopted[i].fd >= 0) {
				close(systemd_adopted[i].fd);
				systemd_adopted[i].fd = -1;
			}
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return error;
}

int systemd_listen_take(const char *name, const char **path)
{
	int index = systemd_fdname_index(name), fd;

	if (index < 0 || systemd_adopted[index].fd < 0)
		return -1;
	fd = systemd_adopted[index].fd;
	systemd_adopted[index].fd = -1;
	*path = systemd_adopted[index].path;
	return fd;
}

static void systemd_notify(const char *state, const char *fmt, va_list ap)
{
	char status[512];
	int rc;

	vsnprintf(status, sizeof status, fmt, ap);
	/* a status line ends at a newline */
	status[strcspn(status, "\n")] = '\0';
	/* one datagram to NOTIFY_SOCKET, if set: only a handful in the
	 * daemon's life, so the send cannot hold up the loop for long */
	rc = sd_notifyf(0, "%s\nSTATUS=%s", state, status);
	if (rc < 0)
		log_warning("cannot notify systemd (%s): %s", state,
		    strerror(-rc));
}

void systemd_notify_ready(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	systemd_notify("READY=1", fmt, ap);
	va_end(ap);
}

void systemd_notify_stopping(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	systemd_notify("STOPPING=1", fmt, ap);
	va_end(ap);
}
