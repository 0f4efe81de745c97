/* The daemon under systemd, without a running systemd: systemd's own
 * systemd-socket-activate passes the two named sockets as a socket unit
 * would, and a datagram socket of the test stands in for NOTIFY_SOCKET.
 * Checked: both passed sockets are served with their access, a socket the
 * daemon adopted is never unlinked or rebound, a socket not passed is
 * bound as usual, an fd under an unknown name is refused, READY=1 comes
 * from the daemon's own pid once both sockets serve, STOPPING=1 when
 * SIGTERM begins the stop, and log lines on a standard error that is the
 * journal carry their syslog priority. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <criterion/criterion.h>

#include "tests/func/harness.h"

#define WAIT_MS 60000

/* What the sanitizer builds and the simulator's tests need to reach the
 * daemon: systemd-socket-activate passes only what -E names. */
static const char *const passed_environment[] = {
	"ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", "XENLIGHTD_SIM_LIBRARY",
	NULL
};

struct activated {
	char *dir, *rundir, *statedir, *socket, *ro_socket, *notify, *log;
	int notify_fd;			/* the test's NOTIFY_SOCKET, or -1 */
	pid_t pid;
};

static struct activated *activated_new(bool notify)
{
	struct activated *a = calloc(1, sizeof *a);
	char template[] = "/tmp/xenlightd-test-systemd-XXXXXX";

	cr_assert_not_null(a);
	cr_assert_not_null(mkdtemp(template));
	a->dir = strdup(template);
	a->rundir = test_format("%s/run", a->dir);
	a->statedir = test_format("%s/state", a->dir);
	a->socket = test_format("%s/xenlightd.sock", a->rundir);
	a->ro_socket = test_format("%s/xenlightd-ro.sock", a->rundir);
	a->notify = test_format("%s/notify", a->dir);
	a->log = test_format("%s/xenlightd.log", a->dir);
	cr_assert_eq(mkdir(a->rundir, 0755), 0);
	a->notify_fd = -1;
	if (notify) {
		struct sockaddr_un sun = { .sun_family = AF_UNIX };
		int on = 1;

		a->notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		cr_assert_geq(a->notify_fd, 0);
		snprintf(sun.sun_path, sizeof sun.sun_path, "%s", a->notify);
		cr_assert_eq(bind(a->notify_fd, (struct sockaddr *)&sun,
		    sizeof sun), 0, "bind %s: %s", a->notify, strerror(errno));
		/* the sender's pid comes with each datagram, as systemd
		 * reads it to accept only the main process (NotifyAccess=) */
		cr_assert_eq(setsockopt(a->notify_fd, SOL_SOCKET, SO_PASSCRED,
		    &on, sizeof on), 0);
	}
	return a;
}

static int remove_entry(const char *path, const struct stat *st, int type,
    struct FTW *ftw)
{
	remove(path);
	return 0;
}

static void activated_free(struct activated *a)
{
	if (a->pid > 0) {
		kill(a->pid, SIGKILL);
		waitpid(a->pid, NULL, 0);
	}
	if (a->notify_fd >= 0)
		close(a->notify_fd);
	if (getenv("XENLIGHTD_TEST_KEEP") == NULL)
		nftw(a->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(a->dir);
	free(a->rundir);
	free(a->statedir);
	free(a->socket);
	free(a->ro_socket);
	free(a->notify);
	free(a->log);
	free(a);
}

/* Starts the daemon on the simulator, through systemd-socket-activate
 * when listen[] names sockets ("PATH", "--fdname=NAME", ... NULL), else
 * directly.  The activator starts it at the first connection. */
static void activated_spawn(struct activated *a, const char *const *listen)
{
	const char *builddir = getenv("XENLIGHTD_BUILDDIR");
	char *daemon, *argv[64], *notify_env = NULL;
	char *env_args[8];
	int argc = 0, nenv = 0;
	pid_t pid;

	cr_assert_not_null(builddir, "XENLIGHTD_BUILDDIR is not set");
	daemon = test_format("%s/daemon/xenlightd", builddir);
	if (listen != NULL) {
		argv[argc++] = "systemd-socket-activate";
		for (int i = 0; listen[i] != NULL; i += 2) {
			argv[argc++] = "-l";
			argv[argc++] = (char *)listen[i];
			argv[argc++] = (char *)listen[i + 1];
		}
		if (a->notify_fd >= 0) {
			notify_env = test_format("NOTIFY_SOCKET=%s", a->notify);
			argv[argc++] = "-E";
			argv[argc++] = notify_env;
		}
		for (int i = 0; passed_environment[i] != NULL; i++)
			if (getenv(passed_environment[i]) != NULL) {
				argv[argc++] = "-E";
				argv[argc++] = env_args[nenv++] =
				    strdup(passed_environment[i]);
			}
	}
	argv[argc++] = daemon;
	argv[argc++] = "--foreground";
	argv[argc++] = "--sim";
	argv[argc++] = "--no-config";
	argv[argc++] = "--rundir";
	argv[argc++] = a->rundir;
	argv[argc++] = "--statedir";
	argv[argc++] = a->statedir;
	argv[argc++] = "--log-file";
	argv[argc++] = a->log;
	argv[argc++] = "--log-level";
	argv[argc++] = "debug";
	argv[argc] = NULL;

	pid = fork();
	cr_assert_neq(pid, -1);
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		dup2(null, 0);
		dup2(null, 1);	/* the activator's chatter */
		if (listen == NULL && a->notify_fd >= 0)
			setenv("NOTIFY_SOCKET", a->notify, 1);
		else
			unsetenv("NOTIFY_SOCKET");
		execvp(argv[0], argv);
		_exit(127);
	}
	a->pid = pid;
	free(daemon);
	free(notify_env);
	for (int i = 0; i < nenv; i++)
		free(env_args[i]);
}

/* The activator binds its sockets before it waits for a client. */
static void wait_for_path(struct activated *a, const char *path)
{
	int64_t deadline = now_ms() + WAIT_MS;
	struct stat st;

	while (stat(path, &st) != 0) {
		int status;

		cr_assert_neq(waitpid(a->pid, &status, WNOHANG), a->pid,
		    "the activator exited (status %d) before binding %s",
		    status, path);
		cr_assert_lt(now_ms(), deadline, "%s never appeared", path);
		usleep(10000);
	}
}

/* The activator binds, then listens: until it listens a connection is
 * refused, and does not start the daemon.  This connects once it
 * listens (which starts the daemon) and hangs up. */
static void start_by_connecting(const char *path)
{
	int64_t deadline = now_ms() + WAIT_MS;
	struct sockaddr_un sun = { .sun_family = AF_UNIX };

	snprintf(sun.sun_path, sizeof sun.sun_path, "%s", path);
	for (;;) {
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), rc;

		cr_assert_geq(fd, 0);
		rc = connect(fd, (struct sockaddr *)&sun, sizeof sun);
		close(fd);
		if (rc == 0)
			return;
		cr_assert(errno == ECONNREFUSED || errno == ENOENT,
		    "connect %s: %s", path, strerror(errno));
		cr_assert_lt(now_ms(), deadline, "%s never listened", path);
		usleep(10000);
	}
}

static ino_t inode_of(const char *path)
{
	struct stat st;

	cr_assert_eq(stat(path, &st), 0, "stat %s: %s", path, strerror(errno));
	cr_assert(S_ISSOCK(st.st_mode), "%s is not a socket", path);
	return st.st_ino;
}

static int exit_status(struct activated *a)
{
	int status;

	cr_assert_eq(waitpid(a->pid, &status, 0), a->pid);
	a->pid = 0;
	cr_assert(WIFEXITED(status), "xenlightd died on signal %d (log %s)",
	    WIFSIGNALED(status) ? WTERMSIG(status) : 0, a->log);
	return WEXITSTATUS(status);
}

static struct xlctl *connect_ok(const char *path)
{
	struct xlctl_error err = { 0 };
	struct xlctl *c = xlctl_connect_timeout(path, WAIT_MS, &err);

	cr_assert_not_null(c, "cannot connect to %s: %s: %s", path,
	    err.class_name, err.desc);
	return c;
}

/* A daemon started directly serves once its socket answers. */
static struct xlctl *connect_when_serving(struct activated *a)
{
	int64_t deadline = now_ms() + WAIT_MS;

	for (;;) {
		struct xlctl *c = xlctl_connect_timeout(a->socket, WAIT_MS, NULL);
		int status;

		if (c != NULL)
			return c;
		cr_assert_neq(waitpid(a->pid, &status, WNOHANG), a->pid,
		    "xenlightd exited at start-up (status %d)", status);
		cr_assert_lt(now_ms(), deadline, "xenlightd did not start");
		usleep(20000);
	}
}

static const char *access_of(struct xlctl *c)
{
	return json_str(xlctl_greeting(c), "access");
}

/* The next notification, with the pid that sent it. */
static char *notify_read(struct activated *a, pid_t *sender)
{
	char buf[4096], control[CMSG_SPACE(sizeof(struct ucred))];
	struct iovec iov = { buf, sizeof buf - 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = control, .msg_controllen = sizeof control,
	};
	struct pollfd pfd = { a->notify_fd, POLLIN, 0 };
	struct cmsghdr *cmsg;
	ssize_t n;

	cr_assert_eq(poll(&pfd, 1, WAIT_MS), 1, "no notification within %d ms",
	    WAIT_MS);
	n = recvmsg(a->notify_fd, &msg, 0);
	cr_assert_gt(n, 0, "recvmsg: %s", strerror(errno));
	buf[n] = '\0';
	*sender = 0;
	for (cmsg = CMSG_FIRSTHDR(&msg); cmsg != NULL;
	    cmsg = CMSG_NXTHDR(&msg, cmsg))
		if (cmsg->cmsg_level == SOL_SOCKET &&
		    cmsg->cmsg_type == SCM_CREDENTIALS) {
			struct ucred cred;

			memcpy(&cred, CMSG_DATA(cmsg), sizeof cred);
			*sender = cred.pid;
		}
	return strdup(buf);
}

static bool has_line(const char *message, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = message; p != NULL; p = strchr(p, '\n')) {
		if (*p == '\n')
			p++;
		if (strncmp(p, line, n) == 0 && (p[n] == '\n' || p[n] == '\0'))
			return true;
	}
	return false;
}

Test(systemd, passed_sockets_are_served_and_never_unlinked, .timeout = 120)
{
	struct activated *a = activated_new(false);
	const char *listen[] = {
		a->socket, "--fdname=xenlightd",
		a->ro_socket, "--fdname=xenlightd-ro", NULL
	};
	struct xlctl *full, *ro;
	ino_t full_inode, ro_inode;
	json_object *list;
	const char *desc;

	activated_spawn(a, listen);
	wait_for_path(a, a->socket);
	wait_for_path(a, a->ro_socket);
	full_inode = inode_of(a->socket);
	ro_inode = inode_of(a->ro_socket);

	/* the first client starts the daemon; the next are answered */
	start_by_connecting(a->ro_socket);
	ro = connect_ok(a->ro_socket);
	cr_assert_str_eq(access_of(ro), "read-only");
	desc = call_fails(ro, "PermissionDenied", "domain-destroy",
	    "{\"domain\":\"sa1\"}");
	cr_assert_not_null(strstr(desc, "read-only"), "%s", desc);
	full = connect_ok(a->socket);
	cr_assert_str_eq(access_of(full), "full");
	json_object_put(create_domain(full, "sa1", 64));
	list = call_ok(ro, "domain-list", NULL);
	cr_assert_eq(json_object_array_length(list), 2,
	    "Domain-0 and sa1 expected");
	json_object_put(list);

	/* the daemon's sockets are the very ones the activator bound */
	cr_assert_eq(inode_of(a->socket), full_inode, "the full socket was "
	    "rebound");
	cr_assert_eq(inode_of(a->ro_socket), ro_inode, "the read-only socket "
	    "was rebound");
	xlctl_close(full);
	xlctl_close(ro);

	cr_assert_eq(kill(a->pid, SIGTERM), 0);
	cr_assert_eq(exit_status(a), 0, "log %s", a->log);
	/* ... and stay after it stops: they are the socket units' */
	cr_assert_eq(inode_of(a->socket), full_inode);
	cr_assert_eq(inode_of(a->ro_socket), ro_inode);
	activated_free(a);
}

Test(systemd, a_socket_not_passed_is_bound_by_the_daemon, .timeout = 120)
{
	struct activated *a = activated_new(false);
	const char *listen[] = { a->socket, "--fdname=xenlightd", NULL };
	struct xlctl *full, *ro;
	struct stat st;
	ino_t full_inode;

	activated_spawn(a, listen);
	wait_for_path(a, a->socket);
	full_inode = inode_of(a->socket);
	start_by_connecting(a->socket);
	full = connect_ok(a->socket);
	cr_assert_str_eq(access_of(full), "full");
	/* the daemon serves before it answers: the read-only one is there */
	ro = connect_ok(a->ro_socket);
	cr_assert_str_eq(access_of(ro), "read-only");
	call_fails(ro, "PermissionDenied", "domain-pause",
	    "{\"domain\":\"Domain-0\"}");
	xlctl_close(full);
	xlctl_close(ro);

	cr_assert_eq(kill(a->pid, SIGTERM), 0);
	cr_assert_eq(exit_status(a), 0, "log %s", a->log);
	cr_assert_eq(inode_of(a->socket), full_inode,
	    "the passed socket was unlinked");
	cr_assert_neq(stat(a->ro_socket, &st), 0,
	    "the daemon's own socket stayed after the stop");
	activated_free(a);
}

Test(systemd, an_unknown_fd_name_is_refused, .timeout = 120)
{
	struct activated *a = activated_new(false);
	const char *listen[] = {
		a->socket, "--fdname=xenlightd",
		a->ro_socket, "--fdname=xenlightd-readonly", NULL
	};
	struct xlctl_error err = { 0 };
	ino_t ro_inode;

	activated_spawn(a, listen);
	wait_for_path(a, a->ro_socket);
	ro_inode = inode_of(a->ro_socket);
	/* this connection starts the daemon, which must refuse to run */
	start_by_connecting(a->ro_socket);
	cr_assert_eq(exit_status(a), 1);
	/* ... before it bound or served anything */
	cr_assert_eq(inode_of(a->ro_socket), ro_inode);
	cr_assert_null(xlctl_connect_timeout(a->socket, WAIT_MS, &err),
	    "something serves the full socket");
	activated_free(a);
}

Test(systemd, notify_ready_once_serving_and_stopping_on_sigterm,
    .timeout = 120)
{
	struct activated *a = activated_new(true);
	struct xlctl *full, *ro;
	pid_t sender;
	char *message;

	activated_spawn(a, NULL);
	message = notify_read(a, &sender);
	cr_assert(has_line(message, "READY=1"), "first notification: %s",
	    message);
	cr_assert_not_null(strstr(message, "STATUS=serving"), "%s", message);
	cr_assert_eq(sender, a->pid, "READY=1 came from pid %d, not the "
	    "daemon's %d: systemd would ignore it", (int)sender, (int)a->pid);
	free(message);
	/* READY=1 means serving: no retry */
	full = connect_ok(a->socket);
	cr_assert_str_eq(access_of(full), "full");
	ro = connect_ok(a->ro_socket);
	cr_assert_str_eq(access_of(ro), "read-only");
	xlctl_close(full);
	xlctl_close(ro);

	cr_assert_eq(kill(a->pid, SIGTERM), 0);
	message = notify_read(a, &sender);
	cr_assert(has_line(message, "STOPPING=1"), "after SIGTERM: %s",
	    message);
	cr_assert_eq(sender, a->pid);
	free(message);
	cr_assert_eq(exit_status(a), 0, "log %s", a->log);
	activated_free(a);
}

Test(systemd, socket_activated_daemon_notifies_too, .timeout = 120)
{
	struct activated *a = activated_new(true);
	const char *listen[] = {
		a->socket, "--fdname=xenlightd",
		a->ro_socket, "--fdname=xenlightd-ro", NULL
	};
	struct xlctl *c;
	pid_t sender;
	char *message;

	activated_spawn(a, listen);
	wait_for_path(a, a->socket);
	start_by_connecting(a->socket);
	c = connect_ok(a->socket);
	message = notify_read(a, &sender);
	cr_assert(has_line(message, "READY=1"), "%s", message);
	cr_assert_eq(sender, a->pid);
	free(message);
	xlctl_close(c);
	cr_assert_eq(kill(a->pid, SIGTERM), 0);
	message = notify_read(a, &sender);
	cr_assert(has_line(message, "STOPPING=1"), "%s", message);
	free(message);
	cr_assert_eq(exit_status(a), 0, "log %s", a->log);
	activated_free(a);
}

/* Standard error is the journal when JOURNAL_STREAM names its device and
 * inode: each line is then "<priority>message", without a time stamp. */
Test(systemd, log_lines_to_the_journal_carry_their_priority, .timeout = 120)
{
	struct activated *a = activated_new(false);
	const char *builddir = getenv("XENLIGHTD_BUILDDIR");
	char *daemon, *stream, *text;
	struct stat st;
	FILE *f;
	size_t len = 0;
	int fd;

	cr_assert_not_null(builddir, "XENLIGHTD_BUILDDIR is not set");
	daemon = test_format("%s/daemon/xenlightd", builddir);
	fd = open(a->log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	cr_assert_geq(fd, 0);
	cr_assert_eq(fstat(fd, &st), 0);
	stream = test_format("%llu:%llu", (unsigned long long)st.st_dev,
	    (unsigned long long)st.st_ino);
	a->pid = fork();
	cr_assert_neq(a->pid, -1);
	if (a->pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		dup2(fd, 2);
		setenv("JOURNAL_STREAM", stream, 1);
		execl(daemon, daemon, "--foreground", "--sim", "--no-config",
		    "--rundir", a->rundir, "--statedir", a->statedir,
		    "--log-level", "notice", (char *)NULL);
		_exit(127);
	}
	close(fd);
	xlctl_close(connect_when_serving(a));
	cr_assert_eq(kill(a->pid, SIGTERM), 0);
	cr_assert_eq(exit_status(a), 0);

	f = fopen(a->log, "r");
	cr_assert_not_null(f);
	text = NULL;
	cr_assert_gt(getdelim(&text, &len, '\0', f), 0, "nothing logged");
	fclose(f);
	cr_assert_not_null(strstr(text, "<5>xenlightd "), "no notice line "
	    "with its priority: %s", text);
	cr_assert_not_null(strstr(text, "<5>stopped\n"), "%s", text);
	for (const char *line = text; *line != '\0';
	    line = strchr(line, '\n') + 1) {
		cr_assert(line[0] == '<' && line[1] >= '0' && line[1] <= '7' &&
		    line[2] == '>', "a line without its priority: %.80s", line);
		if (strchr(line, '\n') == NULL)
			break;
	}
	free(text);
	free(stream);
	free(daemon);
	activated_free(a);
}
