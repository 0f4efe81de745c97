/* What the daemon does for systemd: it adopts the listening sockets that
 * socket units pass it (sd_listen_fds_with_names, matched by
 * FileDescriptorName=) and tells the service manager when it is ready and
 * when it begins to stop (sd_notify, for Type=notify).  Without systemd
 * every call here is a no-op: nothing was passed, nobody is notified. */
#ifndef DAEMON_SYSTEMD_H
#define DAEMON_SYSTEMD_H

struct err;

/* FileDescriptorName= of xenlightd.socket and xenlightd-ro.socket. */
#define SYSTEMD_FDNAME_FULL "xenlightd"
#define SYSTEMD_FDNAME_READ_ONLY "xenlightd-ro"

/* Takes the sockets that socket activation passed, once, early: after the
 * --sim re-exec (which they survive: systemd passes them without
 * close-on-exec, and this sets it) and before the daemon forks (the
 * environment names the pid they were passed to).  Every passed fd must be
 * a listening UNIX stream socket named SYSTEMD_FDNAME_FULL or
 * SYSTEMD_FDNAME_READ_ONLY, each name at most once.  Anything else is an
 * error: a daemon that binds a socket of its own where systemd passed an
 * unexpected one would serve beside a socket that nobody answers. */
struct err *systemd_listen_init(void);

/* The adopted socket named name, handed over to the caller (who owns it
 * from then on; it is non-blocking), and in *path the path it is bound to;
 * or -1 when systemd passed none by that name. */
int systemd_listen_take(const char *name, const char **path);

/* READY=1 and STATUS=...: the daemon serves. */
void systemd_notify_ready(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
/* STOPPING=1 and STATUS=...: the orderly stop has begun. */
void systemd_notify_stopping(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

#endif
