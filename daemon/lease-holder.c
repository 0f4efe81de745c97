/* xenlightd-lease-holder: holds one domain's disk leases, for as long as
 * it lives.  The daemon starts one per running domain (lease-queue.c),
 * with the first control connection on fd 3; the holder leaves the
 * daemon's session and does not die with it, so a daemon that is
 * restarted or killed keeps its domains' leases (doc/leases.md).  It
 * records itself in <records>/<uuid>.json (lease-holder-state.c keeps
 * that record and what it holds) and answers on <records>/<uuid>.sock,
 * where a restarted daemon finds it again (lease-wire.h has the
 * protocol); this file is its options, its socket and its clients.  It
 * releases its leases and exits when told to (release, or SIGTERM), when
 * it holds nothing any more, or when the daemon that started it goes away
 * before its first answer arrived.
 *
 *   xenlightd-lease-holder --records DIR --uuid UUID --domain NAME
 *       --host HOST --backend lockspace|sanlock --lockspace DIR
 *       [--host-id N] [--io-timeout S]
 *   xenlightd-lease-holder --join --lockspace DIR --host-id N
 *       [--io-timeout S]
 *       (sanlock: make and join the lockspace, then exit) */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include "daemon/lease-backend.h"
#include "daemon/lease-holder-state.h"
#include "daemon/lease-record.h"
#include "daemon/lease-wire.h"
#include "proto/json-line.h"
#include "proto/mem.h"
#include "proto/schema.h"

#define HOLDER_FIRST_FD 3
#define HOLDER_MAX_CLIENTS 8
/* a client that does not take its reply within this is dropped */
#define HOLDER_SEND_TIMEOUT_S 10

struct holder_client {
	int fd;
	bool creator;			/* the daemon that started us */
	struct line_reader reader;
};

static const char *records_dir;
static char *socket_path;
static int listen_fd = -1;
static struct holder_client clients[HOLDER_MAX_CLIENTS];
/* false until the daemon that started us has our first answer */
static bool started;

/* ------------------------------------------------------------------------
 * The record and the socket */

/* Before the last answer: whoever reads the directory after it finds no
 * holder for this domain, and may start the next one. */
static void record_remove(void)
{
	unlink(holder_record_path);
	if (listen_fd >= 0) {
		unlink(socket_path);
		close(listen_fd);
		listen_fd = -1;
	}
}

static int socket_listen(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, probe;

	if (strlen(socket_path) >= sizeof sa.sun_path) {
		lease_holder_warn("socket path %s is too long", socket_path);
		return -1;
	}
	strcpy(sa.sun_path, socket_path);
	/* a socket somebody answers on is another holder of this domain */
	probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (probe < 0)
		return -1;
	if (connect(probe, (struct sockaddr *)&sa, sizeof sa) == 0) {
		close(probe);
		lease_holder_warn("another holder answers on %s",
		    socket_path);
		return -1;
	}
	close(probe);
	unlink(socket_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
	    chmod(socket_path, 0600) < 0 || listen(fd, 8) < 0) {
		lease_holder_warn("cannot listen on %s: %s", socket_path,
		    strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static bool send_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		buf += n;
		len -= (size_t)n;
	}
	return true;
}

static void client_close(struct holder_client *c)
{
	close(c->fd);
	line_reader_free(&c->reader);
	c->fd = -1;
	c->creator = false;
}

static void holder_exit(int status)
{
	holder_release_all();
	record_remove();
	exit(status);
}

/* One request from c, answered; the holder exits here when it holds
 * nothing afterwards. */
static void client_request(struct holder_client *c, const char *line,
    size_t len)
{
	struct err *e = holder_run(line, len, started);
	size_t reply_len;
	char *reply;
	bool sent;

	if (holder_nheld == 0)
		record_remove();
	reply = lease_reply_format(e, &holder_names, &reply_len);
	sent = send_all(c->fd, reply, reply_len);
	free(reply);
	if (e != NULL)
		err_free(e);
	if (holder_nheld == 0)
		holder_exit(0);
	if (!started) {
		if (!sent) {
			/* the daemon went away not knowing we hold its
			 * domain's leases: nobody would release them */
			lease_holder_warn("the daemon left before our first "
			    "answer: releasing");
			holder_exit(1);
		}
		started = true;
	}
	if (!sent)
		client_close(c);
}

static void client_readable(struct holder_client *c)
{
	const char *line;
	size_t len;
	ssize_t n = line_reader_fill(&c->reader, c->fd);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		client_close(c);
		/* started, the leases outlive the daemon; before, there is
		 * nobody who will ever ask for them */
		if (!started)
			holder_exit(1);
		return;
	}
	for (;;) {
		enum line_status st = line_reader_next(&c->reader, &line, &len);

		if (st == LINE_PARTIAL)
			return;
		if (st == LINE_TOO_LONG) {
			client_close(c);
			if (!started)
				holder_exit(1);
			return;
		}
		client_request(c, line, len);
		if (c->fd < 0)
			return;
	}
}

static bool client_add(int fd, bool creator)
{
	struct timeval timeout = { HOLDER_SEND_TIMEOUT_S, 0 };
	struct ucred peer;
	socklen_t plen = sizeof peer;

	/* only our own user (root) drives leases */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &plen) < 0 ||
	    peer.uid != geteuid()) {
		close(fd);
		return false;
	}
	for (int i = 0; i < HOLDER_MAX_CLIENTS; i++) {
		if (clients[i].fd >= 0)
			continue;
		clients[i].fd = fd;
		clients[i].creator = creator;
		line_reader_init(&clients[i].reader, LEASE_WIRE_MAX_LINE);
		fcntl(fd, F_SETFL, O_NONBLOCK);
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout,
		    sizeof timeout);
		return true;
	}
	close(fd);
	return false;
}

static void accept_clients(void)
{
	for (;;) {
		int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);

		if (fd < 0)
			return;
		client_add(fd, false);
	}
}

/* ------------------------------------------------------------------------
 * Start-up */

enum holder_option {
	OPT_RECORDS = 256,
	OPT_PARENT,
	OPT_UUID,
	OPT_DOMAIN,
	OPT_HOST,
	OPT_BACKEND,
	OPT_LOCKSPACE,
	OPT_HOST_ID,
	OPT_IO_TIMEOUT,
	OPT_JOIN,
};

static const struct option holder_options[] = {
	{ "records", required_argument, NULL, OPT_RECORDS },
	{ "uuid", required_argument, NULL, OPT_UUID },
	{ "domain", required_argument, NULL, OPT_DOMAIN },
	{ "host", required_argument, NULL, OPT_HOST },
	{ "backend", required_argument, NULL, OPT_BACKEND },
	{ "lockspace", required_argument, NULL, OPT_LOCKSPACE },
	{ "host-id", required_argument, NULL, OPT_HOST_ID },
	{ "io-timeout", required_argument, NULL, OPT_IO_TIMEOUT },
	{ "join", no_argument, NULL, OPT_JOIN },
	{ "parent", required_argument, NULL, OPT_PARENT },
	{ NULL, 0, NULL, 0 },
};

static void usage_exit(const char *why)
{
	fprintf(stderr, "xenlightd-lease-holder: %s\n"
	    "usage: xenlightd-lease-holder --records DIR --uuid UUID "
	    "--domain NAME --host HOST\n"
	    "           --backend lockspace|sanlock --lockspace DIR "
	    "[--host-id N] [--io-timeout S]   (control socket on fd 3)\n"
	    "       xenlightd-lease-holder --join --lockspace DIR "
	    "--host-id N [--io-timeout S]\n", why);
	exit(2);
}

static int int_option(const char *text, long max, const char *why)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(text, &end, 10);
	if (errno != 0 || *end != '\0' || n < 1 || n > max)
		usage_exit(why);
	return (int)n;
}

static bool parse_options(int argc, char **argv)
{
	bool join = false;
	int opt;

	while ((opt = getopt_long(argc, argv, "", holder_options,
	    NULL)) != -1) {
		switch (opt) {
		case OPT_RECORDS:
			records_dir = optarg;
			break;
		case OPT_PARENT:
			/* every helper is told its daemon (helper-child.h);
			 * a holder alone outlives it, by design */
			break;
		case OPT_UUID:
			holder_id.uuid = optarg;
			lease_warn_as(optarg);
			break;
		case OPT_DOMAIN:
			holder_id.domain = xstrdup(optarg);
			break;
		case OPT_HOST:
			holder_id.host = optarg;
			break;
		case OPT_BACKEND:
			holder_backend = lease_backend_find(optarg);
			if (holder_backend == NULL)
				usage_exit("unknown backend");
			break;
		case OPT_LOCKSPACE:
			holder_id.lockspace = optarg;
			break;
		case OPT_HOST_ID:
			holder_id.host_id = int_option(optarg, 2000,
			    "--host-id must be 1..2000");
			break;
		case OPT_IO_TIMEOUT:
			holder_id.io_timeout = int_option(optarg, 255,
			    "--io-timeout must be 1..255");
			break;
		case OPT_JOIN:
			join = true;
			break;
		default:
			usage_exit("unknown option");
		}
	}
	if (optind < argc)
		usage_exit("unexpected argument");
	if (holder_id.lockspace == NULL || holder_id.lockspace[0] != '/')
		usage_exit("--lockspace must be an absolute path");
	if (join)
		return true;
	if (records_dir == NULL || records_dir[0] != '/')
		usage_exit("--records must be an absolute path");
	if (holder_id.uuid == NULL || !schema_valid_uuid(holder_id.uuid))
		usage_exit("--uuid must be a UUID");
	if (holder_id.domain == NULL ||
	    !schema_valid_domain_name(holder_id.domain))
		usage_exit("--domain must be a domain name");
	if (holder_id.host == NULL || *holder_id.host == '\0')
		usage_exit("--host is needed");
	if (holder_backend == NULL)
		usage_exit("--backend is needed");
	return false;
}

/* Nothing of the daemon's may stop us: not its session's hang-up, not its
 * death, not the signals its process group gets. */
static int detach(void)
{
	sigset_t mask;

	setsid();
	openlog("xenlightd-lease-holder", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	prctl(PR_SET_PDEATHSIG, 0);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	if (chdir("/") < 0)
		return -1;
	umask(077);
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	return signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
}

int main(int argc, char **argv)
{
	struct stat st;
	int signal_fd;

	if (parse_options(argc, argv)) {
		struct err *e = lease_sanlock_join(holder_id.lockspace,
		    holder_id.host_id, holder_id.io_timeout);

		if (e != NULL) {
			fprintf(stderr, "xenlightd-lease-holder: %s\n",
			    e->desc);
			err_free(e);
			return 1;
		}
		return 0;
	}
	if (fstat(HOLDER_FIRST_FD, &st) < 0 || !S_ISSOCK(st.st_mode))
		usage_exit("fd 3 must be the daemon's control socket");
	fcntl(HOLDER_FIRST_FD, F_SETFD, FD_CLOEXEC);
	signal_fd = detach();
	if (signal_fd < 0) {
		lease_holder_warn("cannot set up: %s", strerror(errno));
		return 1;
	}
	for (int i = 0; i < HOLDER_MAX_CLIENTS; i++)
		clients[i].fd = -1;
	holder_record_path = lease_record_path(records_dir, holder_id.uuid);
	socket_path = lease_socket_path(records_dir, holder_id.uuid);
	listen_fd = socket_listen();
	if (listen_fd < 0) {
		struct err *e = err_new(ERR_INTERNAL, "the lease holder of "
		    "domain %s cannot serve %s", holder_id.domain, socket_path);
		size_t len;
		char *reply = lease_reply_format(e, &holder_names, &len);

		send_all(HOLDER_FIRST_FD, reply, len);
		return 1;
	}
	client_add(HOLDER_FIRST_FD, true);
	for (;;) {
		struct pollfd pfd[HOLDER_MAX_CLIENTS + 2];
		int map[HOLDER_MAX_CLIENTS + 2];
		nfds_t n = 0;

		pfd[n] = (struct pollfd){ signal_fd, POLLIN, 0 };
		map[n++] = -1;
		pfd[n] = (struct pollfd){ listen_fd, POLLIN, 0 };
		map[n++] = -2;
		for (int i = 0; i < HOLDER_MAX_CLIENTS; i++) {
			if (clients[i].fd < 0)
				continue;
			pfd[n] = (struct pollfd){ clients[i].fd, POLLIN, 0 };
			map[n++] = i;
		}
		if (poll(pfd, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			lease_holder_warn("poll: %s", strerror(errno));
			holder_exit(1);
		}
		for (nfds_t i = 0; i < n; i++) {
			if (pfd[i].revents == 0)
				continue;
			if (map[i] == -1) {
				lease_holder_warn("stopping on a signal: "
				    "releasing");
				holder_exit(0);
			} else if (map[i] == -2) {
				accept_clients();
			} else if (clients[map[i]].fd >= 0) {
				client_readable(&clients[map[i]]);
			}
		}
	}
}
