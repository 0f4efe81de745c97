/* xenlightd-lease-holder: holds one domain's disk leases, for as long as
 * it lives.  The daemon starts one per running domain (lease.c), with the
 * first control connection on fd 3; the holder leaves the daemon's session
 * and does not die with it, so a daemon that is restarted or killed keeps
 * its domains' leases (doc/leases.md).  It records itself in
 * <records>/<uuid>.json and answers on <records>/<uuid>.sock, where a
 * restarted daemon finds it again (lease-wire.h has the protocol).  It
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

#include "daemon/fsutil.h"
#include "daemon/lease-backend.h"
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
static const struct lease_backend *backend;
static struct lease_holder_id id;
static char *record_path, *socket_path;
static int listen_fd = -1;
static struct holder_client clients[HOLDER_MAX_CLIENTS];
/* The domain's disks as it names them, each with its canonical disk and
 * the mode of that disk's lease */
static struct lease_disks names;
static struct lease_held *held;
static size_t nheld;
/* false until the daemon that started us has our first answer */
static bool started;


/* ------------------------------------------------------------------------
 * The leases */

static struct lease_held *held_find(const char *disk)
{
	for (size_t i = 0; i < nheld; i++)
		if (strcmp(held[i].disk, disk) == 0)
			return &held[i];
	return NULL;
}

static void held_remove(struct lease_held *l)
{
	size_t i = (size_t)(l - held);

	backend->release(&id, l);
	free(l->disk);
	memmove(&held[i], &held[i + 1], (nheld - i - 1) * sizeof *held);
	nheld--;
}

/* What a list of names needs: one lease per canonical disk, exclusive
 * when any name of it is writable. */
static enum lease_mode wanted_mode(const struct lease_disks *want,
    const char *disk, bool *found)
{
	enum lease_mode mode = LEASE_SHARED;

	*found = false;
	for (size_t i = 0; i < want->n; i++) {
		if (strcmp(want->v[i].disk, disk) != 0)
			continue;
		*found = true;
		if (want->v[i].mode == LEASE_EXCLUSIVE)
			mode = LEASE_EXCLUSIVE;
	}
	return mode;
}

struct change {
	struct lease_held *taken;	/* new in this request */
	size_t ntaken;
	char **upgraded;		/* made exclusive in this request */
	size_t nupgraded;
};

static void change_undo(struct change *c)
{
	for (size_t i = 0; i < c->nupgraded; i++) {
		struct lease_held *l = held_find(c->upgraded[i]);
		struct err *e;

		if (l != NULL &&
		    (e = backend->convert(&id, l, LEASE_SHARED)) != NULL) {
			lease_holder_warn("%s", e->desc);
			err_free(e);
		}
	}
	for (size_t i = c->ntaken; i > 0; i--)
		held_remove(&held[nheld - 1]);
}

static void change_free(struct change *c)
{
	for (size_t i = 0; i < c->nupgraded; i++)
		free(c->upgraded[i]);
	free(c->upgraded);
}

/* Makes the leases exactly what want (names with canonical disks) needs:
 * what is missing is taken first, all or nothing; only then is what is no
 * longer needed dropped.  On error nothing changed. */
static struct err *holder_apply(const struct lease_disks *want)
{
	struct change c = { 0 };
	struct err *e = NULL;

	for (size_t i = 0; i < want->n && e == NULL; i++) {
		const char *disk = want->v[i].disk;
		bool found;
		enum lease_mode mode = wanted_mode(want, disk, &found);
		struct lease_held *l = held_find(disk);

		if (l == NULL) {
			held = xreallocarray(held, nheld + 1, sizeof *held);
			l = &held[nheld];
			memset(l, 0, sizeof *l);
			l->fd = -1;
			l->disk = xstrdup(disk);
			lease_key(disk, l->key);
			l->mode = mode;
			e = backend->acquire(&id, l);
			if (e != NULL) {
				free(l->disk);
				break;
			}
			nheld++;
			c.ntaken++;
		} else if (l->mode == LEASE_SHARED &&
		    mode == LEASE_EXCLUSIVE) {
			e = backend->convert(&id, l, LEASE_EXCLUSIVE);
			if (e != NULL)
				break;
			c.upgraded = xreallocarray(c.upgraded, c.nupgraded + 1,
			    sizeof *c.upgraded);
			c.upgraded[c.nupgraded++] = xstrdup(disk);
		}
	}
	if (e != NULL) {
		change_undo(&c);
		change_free(&c);
		return e;
	}
	change_free(&c);
	for (size_t i = nheld; i > 0; i--) {
		struct lease_held *l = &held[i - 1];
		bool found;
		enum lease_mode mode = wanted_mode(want, l->disk, &found);

		if (!found) {
			held_remove(l);
		} else if (l->mode == LEASE_EXCLUSIVE && mode == LEASE_SHARED &&
		    (e = backend->convert(&id, l, LEASE_SHARED)) != NULL) {
			/* still exclusive: more than asked, never less */
			lease_holder_warn("%s", e->desc);
			err_free(e);
		}
	}
	lease_disks_copy(&names, want);
	for (size_t i = 0; i < names.n; i++) {
		struct lease_held *l = held_find(names.v[i].disk);

		if (l != NULL)
			names.v[i].mode = l->mode;
	}
	return NULL;
}

static void holder_release_all(void)
{
	while (nheld > 0)
		held_remove(&held[nheld - 1]);
	lease_disks_clear(&names);
}

/* ------------------------------------------------------------------------
 * The record and the socket */

static struct err *record_write(void)
{
	struct lease_record r = {
		.pid = getpid(),
		.domain = id.domain,
		.host = (char *)id.host,
		.backend = (char *)backend->name,
		.disks = names,
	};
	size_t len;
	char *text;
	int rc;

	if (lease_process_start_time(r.pid, &r.start_time) < 0)
		return err_new(ERR_INTERNAL, "cannot read our start time");
	memcpy(r.uuid, id.uuid, sizeof r.uuid);
	text = lease_record_format(&r, &len);
	rc = fsutil_atomic_write(record_path, text, len, 0600, false);
	free(text);
	if (rc < 0)
		return err_new(ERR_IO, "cannot write %s: %s", record_path,
		    strerror(-rc));
	return NULL;
}

/* Before the last answer: whoever reads the directory after it finds no
 * holder for this domain, and may start the next one. */
static void record_remove(void)
{
	unlink(record_path);
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

/* ------------------------------------------------------------------------
 * Requests */

/* Fills the canonical disk of every name, or says which cannot be. */
static struct err *resolve(struct lease_disks *list)
{
	for (size_t i = 0; i < list->n; i++) {
		struct lease_disk *d = &list->v[i];
		int rc;

		free(d->disk);
		d->disk = NULL;
		rc = lease_canonical_path(d->path, &d->disk);
		if (rc < 0)
			return err_new(ERR_INVALID_ARGUMENT, "cannot resolve "
			    "disk %s: %s", d->path, strerror(-rc));
	}
	return NULL;
}

static struct err *op_set(struct lease_request *req)
{
	struct err *e = resolve(&req->disks);

	return e != NULL ? e : holder_apply(&req->disks);
}

static struct err *op_add(struct lease_request *req)
{
	struct lease_disks want = { 0 };
	struct err *e = resolve(&req->disks);

	if (e != NULL)
		return e;
	lease_disks_copy(&want, &names);
	for (size_t i = 0; i < req->disks.n; i++)
		lease_disks_add(&want, req->disks.v[i].path,
		    req->disks.v[i].disk, req->disks.v[i].mode);
	if (want.n > LEASE_MAX_DISKS)
		e = err_new(ERR_INVALID_ARGUMENT, "more than %d disks",
		    LEASE_MAX_DISKS);
	else
		e = holder_apply(&want);
	lease_disks_clear(&want);
	return e;
}

static struct err *op_remove(struct lease_request *req)
{
	struct lease_disks want = { 0 };
	struct err *e;

	/* a disk is named as it was added, or by any name of the same
	 * disk: a path that no longer resolves still matches by its name */
	for (size_t i = 0; i < req->disks.n; i++) {
		free(req->disks.v[i].disk);
		if (lease_canonical_path(req->disks.v[i].path,
		    &req->disks.v[i].disk) < 0)
			req->disks.v[i].disk = NULL;
	}
	for (size_t i = 0; i < names.n; i++) {
		bool drop = false;

		for (size_t j = 0; j < req->disks.n && !drop; j++)
			drop = strcmp(names.v[i].path,
			    req->disks.v[j].path) == 0 ||
			    (req->disks.v[j].disk != NULL &&
			    strcmp(names.v[i].disk, req->disks.v[j].disk) == 0);
		if (!drop)
			lease_disks_add(&want, names.v[i].path,
			    names.v[i].disk, names.v[i].mode);
	}
	e = holder_apply(&want);
	lease_disks_clear(&want);
	return e;
}

static struct err *op_list(struct lease_request *req)
{
	return NULL;
}

static struct err *op_release(struct lease_request *req)
{
	holder_release_all();
	return NULL;
}

static struct err *op_domain(struct lease_request *req)
{
	free(id.domain);
	id.domain = xstrdup(req->domain);
	for (size_t i = 0; i < nheld; i++)
		backend->note(&id, &held[i]);
	return NULL;
}

static const struct {
	enum lease_op op;
	struct err *(*run)(struct lease_request *);
	bool changes;			/* rewrites the record */
} holder_ops[] = {
	{ LEASE_OP_SET, op_set, true },
	{ LEASE_OP_ADD, op_add, true },
	{ LEASE_OP_REMOVE, op_remove, true },
	{ LEASE_OP_LIST, op_list, false },
	{ LEASE_OP_RELEASE, op_release, true },
	{ LEASE_OP_DOMAIN, op_domain, true },
};

static struct err *holder_run(const char *line, size_t len)
{
	struct lease_request req;
	struct err *e = lease_request_parse(line, len, &req);

	if (e != NULL)
		return e;
	for (size_t i = 0; i < sizeof holder_ops / sizeof *holder_ops; i++) {
		if (holder_ops[i].op != req.op)
			continue;
		e = holder_ops[i].run(&req);
		if (e == NULL && holder_ops[i].changes && nheld > 0)
			e = record_write();
		/* unrecorded, no restarted daemon would find us: a first
		 * request that cannot be written down is undone */
		if (e != NULL && !started)
			holder_release_all();
		break;
	}
	lease_request_clear(&req);
	return e;
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
	struct err *e = holder_run(line, len);
	size_t reply_len;
	char *reply;
	bool sent;

	if (nheld == 0)
		record_remove();
	reply = lease_reply_format(e, &names, &reply_len);
	sent = send_all(c->fd, reply, reply_len);
	free(reply);
	if (e != NULL)
		err_free(e);
	if (nheld == 0)
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
			id.uuid = optarg;
			lease_warn_as(optarg);
			break;
		case OPT_DOMAIN:
			id.domain = xstrdup(optarg);
			break;
		case OPT_HOST:
			id.host = optarg;
			break;
		case OPT_BACKEND:
			backend = lease_backend_find(optarg);
			if (backend == NULL)
				usage_exit("unknown backend");
			break;
		case OPT_LOCKSPACE:
			id.lockspace = optarg;
			break;
		case OPT_HOST_ID:
			id.host_id = int_option(optarg, 2000,
			    "--host-id must be 1..2000");
			break;
		case OPT_IO_TIMEOUT:
			id.io_timeout = int_option(optarg, 255,
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
	if (id.lockspace == NULL || id.lockspace[0] != '/')
		usage_exit("--lockspace must be an absolute path");
	if (join)
		return true;
	if (records_dir == NULL || records_dir[0] != '/')
		usage_exit("--records must be an absolute path");
	if (id.uuid == NULL || !schema_valid_uuid(id.uuid))
		usage_exit("--uuid must be a UUID");
	if (id.domain == NULL || !schema_valid_domain_name(id.domain))
		usage_exit("--domain must be a domain name");
	if (id.host == NULL || *id.host == '\0')
		usage_exit("--host is needed");
	if (backend == NULL)
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
		struct err *e = lease_sanlock_join(id.lockspace, id.host_id,
		    id.io_timeout);

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
	record_path = lease_record_path(records_dir, id.uuid);
	socket_path = lease_socket_path(records_dir, id.uuid);
	listen_fd = socket_listen();
	if (listen_fd < 0) {
		struct err *e = err_new(ERR_INTERNAL, "the lease holder of "
		    "domain %s cannot serve %s", id.domain, socket_path);
		size_t len;
		char *reply = lease_reply_format(e, &names, &len);

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
