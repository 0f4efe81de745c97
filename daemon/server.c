/* The listening sockets: binding them (or taking them from systemd),
 * accepting clients into each socket's own pool, refusing with a reason,
 * resting when fds run out.  A transport: what arrives goes to the
 * callbacks its owner gave it (server.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/event.h>

#include "daemon/conn.h"
#include "daemon/daemon.h"
#include "daemon/log.h"
#include "daemon/server.h"
#include "daemon/systemd.h"
#include "proto/json-line.h"
#include "proto/mem.h"
#include "proto/message.h"

/* After accept() ran out of fds: how long the listeners rest. */
#define SERVER_BACKOFF_MS 500

struct listener {
	const char *path;
	bool read_only;
	int fd;
	struct event *event;
	int limit;
	bool adopted;			/* passed by systemd, which owns the file */
};

static struct listener listeners[2];
static const struct server_callbacks *server_callbacks;
/* An fd kept free for the moment accept() runs out of them: the client
 * then still hears why it is refused. */
static int spare_fd = -1;
static struct event *backoff_timer;
static bool fds_exhausted_logged;

/* A client the daemon cannot take gets one error line, then is closed:
 * never a silent hang. */
static void server_refuse(int fd, const char *why)
{
	struct err *e = err_new(ERR_RESOURCE_LIMIT, "%s", why);
	json_object *reply = proto_reply_error(NULL, e);
	size_t len;
	const char *text = json_line_format(reply, &len);
	struct iovec iov[2] = {
		{ (void *)text, len }, { "\n", 1 },
	};

	/* a fresh socket's buffer takes one short line */
	if (writev(fd, iov, 2) < 0)
		log_debug("refusing client: %s", strerror(errno));
	json_object_put(reply);
	err_free(e);
	shutdown(fd, SHUT_WR);
	close(fd);
}

/* Why a new client on l cannot be taken, or NULL.  The sockets have their
 * own pools: the read-only one (mode 0666, any local user) can never use
 * up the full-access socket's room, and one user cannot take all of it. */
static const char *server_full(const struct listener *l,
    const struct ucred *peer, char *why, size_t len)
{
	int pool = (int)(l - listeners);

	if (conn_count(pool, (uid_t)-1) >= (unsigned)l->limit) {
		snprintf(why, len, "too many clients (limit %d)", l->limit);
		return why;
	}
	if (l->read_only && peer->uid != 0 &&
	    conn_count(pool, peer->uid) >=
	    (unsigned)options.max_ro_clients_per_uid) {
		snprintf(why, len, "too many clients of uid %d on the "
		    "read-only socket (limit %d)", (int)peer->uid,
		    options.max_ro_clients_per_uid);
		return why;
	}
	return NULL;
}

static void server_resume_listening(evutil_socket_t fd, short what,
    void *arg)
{
	for (int i = 0; i < 2; i++)
		if (listeners[i].event != NULL)
			event_add(listeners[i].event, NULL);
}

/* accept() ran out of fds: the pending client hears why (the spare fd
 * makes room for it), and the listeners rest a moment instead of spinning
 * on a socket that stays readable. */
static void server_out_of_fds(struct listener *l)
{
	struct timeval rest = { SERVER_BACKOFF_MS / 1000,
		(SERVER_BACKOFF_MS % 1000) * 1000 };
	int fd;

	if (!fds_exhausted_logged)
		log_error("out of file descriptors (%s): refusing clients until "
		    "some close; raise LimitNOFILE or lower --max-clients",
		    strerror(errno));
	fds_exhausted_logged = true;
	if (spare_fd >= 0) {
		close(spare_fd);
		spare_fd = -1;
		fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd >= 0)
			server_refuse(fd, "the daemon is out of file "
			    "descriptors");
		spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	}
	for (int i = 0; i < 2; i++)
		if (listeners[i].event != NULL)
			event_del(listeners[i].event);
	evtimer_add(backoff_timer, &rest);
}

static void server_accept(evutil_socket_t lfd, short what, void *arg)
{
	struct listener *l = arg;

	for (int i = 0; i < 64; i++) {
		struct conn *c;
		struct ucred peer;
		socklen_t len = sizeof peer;
		char why[128];
		int fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE)
				server_out_of_fds(l);
			else if (errno != EAGAIN && errno != EINTR &&
			    errno != ECONNABORTED)
				log_warning("accept on %s: %s", l->path,
				    strerror(errno));
			return;
		}
		fds_exhausted_logged = false;
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &len) < 0)
			peer.uid = (uid_t)-1;
		if (server_full(l, &peer, why, sizeof why) != NULL) {
			log_notice("refusing a client on %s (uid %d): %s",
			    l->path, (int)peer.uid, why);
			server_refuse(fd, why);
			continue;
		}
		c = conn_new(fd, (int)(l - listeners), l->read_only, &peer,
		    server_callbacks);
		log_debug("client %llu: connected on %s (uid %d, pid %d)",
		    (unsigned long long)conn_id(c), l->path, (int)peer.uid,
		    (int)peer.pid);
		conn_start(c);
	}
}

/* ------------------------------------------------------------------------
 * Listeners */

static int server_watch(struct listener *l)
{
	l->event = event_new(daemon_base, l->fd, EV_READ | EV_PERSIST,
	    server_accept, l);
	if (l->event == NULL || event_add(l->event, NULL) < 0) {
		close(l->fd);
		l->fd = -1;
		return -1;
	}
	log_info("listening on %s (%s%s)", l->path,
	    l->read_only ? "read-only" : "full access",
	    l->adopted ? ", passed by systemd" : "");
	return 0;
}

/* Serves a socket that socket activation passed: systemd created the file
 * with the unit's SocketMode=/SocketGroup= and keeps listening when the
 * daemon stops, so the daemon never unlinks, rebinds or chmods it. */
static bool server_adopt(struct listener *l, gid_t group)
{
	const char *path;
	int fd = systemd_listen_take(l->read_only ? SYSTEMD_FDNAME_READ_ONLY :
	    SYSTEMD_FDNAME_FULL, &path);

	if (fd < 0)
		return false;
	if (strcmp(path, l->path) != 0)
		log_notice("systemd passed %s for %s: serving on it", path,
		    l->path);
	if (group != (gid_t)-1)
		log_warning("--group is not applied to %s, which systemd "
		    "passed: set SocketGroup= and SocketMode=0660 in the "
		    "socket unit", path);
	l->path = path;
	l->fd = fd;
	l->adopted = true;
	return true;
}

static int server_listen_one(struct listener *l, mode_t mode, gid_t group)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	if (server_adopt(l, group))
		return server_watch(l);
	if (strlen(l->path) >= sizeof sun.sun_path) {
		log_critical("socket path too long: %s", l->path);
		return -1;
	}
	strcpy(sun.sun_path, l->path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		log_critical("socket: %s", strerror(errno));
		return -1;
	}
	/* a socket file left by a daemon that died; the run directory lock
	 * (main.c) guarantees that no live daemon owns it */
	unlink(l->path);
	if (bind(fd, (struct sockaddr *)&sun, sizeof sun) < 0 ||
	    chmod(l->path, mode) < 0 ||
	    (group != (gid_t)-1 && chown(l->path, (uid_t)-1, group) < 0) ||
	    listen(fd, 128) < 0) {
		log_critical("cannot listen on %s: %s", l->path, strerror(errno));
		close(fd);
		return -1;
	}
	l->fd = fd;
	return server_watch(l);
}

int server_listen(const struct server_callbacks *callbacks)
{
	bool grouped = options.group != NULL;

	server_callbacks = callbacks;
	listeners[0] = (struct listener){ options.socket_path, false, -1, NULL,
		options.max_clients, false };
	listeners[1] = (struct listener){ options.ro_socket_path, true, -1, NULL,
		options.max_ro_clients, false };
	spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	backoff_timer = xcheck(evtimer_new(daemon_base,
	    server_resume_listening, NULL));
	if (server_listen_one(&listeners[0], grouped ? 0660 : 0600,
	    grouped ? options.group_id : (gid_t)-1) < 0)
		return -1;
	if (server_listen_one(&listeners[1], 0666, (gid_t)-1) < 0)
		return -1;
	return 0;
}

void server_stop_listening(void)
{
	for (int i = 0; i < 2; i++) {
		struct listener *l = &listeners[i];

		if (l->fd < 0)
			continue;
		event_free(l->event);
		l->event = NULL;
		close(l->fd);
		l->fd = -1;
		if (!l->adopted)
			unlink(l->path);
	}
	if (backoff_timer != NULL)
		event_free(backoff_timer);
	backoff_timer = NULL;
	if (spare_fd >= 0)
		close(spare_fd);
	spare_fd = -1;
}

void server_close_all(void)
{
	conn_close_all();
}

unsigned server_client_count(void)
{
	return conn_count_all();
}

unsigned server_client_count_of(bool read_only)
{
	return conn_count(read_only ? 1 : 0, (uid_t)-1);
}
