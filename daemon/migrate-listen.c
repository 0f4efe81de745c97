#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bsd/sys/queue.h>
#include <event2/event.h>

#include "daemon/daemon.h"
#include "daemon/log.h"
#include "daemon/migrate-listen.h"
#include "proto/mem.h"

struct migrate_token {
	char text[MIGRATE_TOKEN_HEX + 1];
	struct event *expiry;
	LIST_ENTRY(migrate_token) entry;
};

/* A connection sending its header */
struct migrate_admission {
	struct migrate_conn *conn;
	LIST_ENTRY(migrate_admission) entry;
};

static int listen_fd = -1;
static struct event *listen_event;
static char *listen_host;
static int listen_port;
static int max_slots;
static int slots_used;
static migrate_admit_fn *admit_fn;
static unsigned token_count;
static LIST_HEAD(, migrate_token) tokens = LIST_HEAD_INITIALIZER(tokens);
static LIST_HEAD(, migrate_admission) admissions =
    LIST_HEAD_INITIALIZER(admissions);

/* ------------------------------------------------------------------------
 * Tokens */

static void token_free(struct migrate_token *t)
{
	LIST_REMOVE(t, entry);
	event_free(t->expiry);
	explicit_bzero(t->text, sizeof t->text);
	free(t);
	token_count--;
}

static void token_expired(evutil_socket_t fd, short what, void *arg)
{
	token_free(arg);
}

struct err *migrate_token_new(int64_t expires_ms,
    char token[MIGRATE_TOKEN_HEX + 1])
{
	unsigned char bits[MIGRATE_TOKEN_HEX / 2];
	struct timeval tv = { expires_ms / 1000, (expires_ms % 1000) * 1000 };
	struct migrate_token *t;

	if (listen_fd < 0)
		return err_new(ERR_OPERATION_INVALID, "this daemon does not "
		    "receive migrations (start it with --migrate-listen)");
	if (token_count >= MIGRATE_TOKENS_MAX)
		return err_new(ERR_RESOURCE_LIMIT, "%d migration tokens are "
		    "outstanding already", MIGRATE_TOKENS_MAX);
	if (getrandom(bits, sizeof bits, 0) != (ssize_t)sizeof bits)
		return err_new(ERR_INTERNAL, "cannot make a token: %s",
		    strerror(errno));
	t = xcalloc(1, sizeof *t);
	for (size_t i = 0; i < sizeof bits; i++)
		snprintf(t->text + 2 * i, 3, "%02x", bits[i]);
	explicit_bzero(bits, sizeof bits);
	t->expiry = xcheck(evtimer_new(daemon_base, token_expired, t));
	evtimer_add(t->expiry, &tv);
	LIST_INSERT_HEAD(&tokens, t, entry);
	token_count++;
	memcpy(token, t->text, sizeof t->text);
	return NULL;
}

/* Used once: a match is forgotten.  Compared in constant time. */
static bool token_consume(const char *text)
{
	struct migrate_token *t;

	LIST_FOREACH(t, &tokens, entry) {
		unsigned char diff = 0;

		for (size_t i = 0; i < MIGRATE_TOKEN_HEX; i++)
			diff |= (unsigned char)(t->text[i] ^ text[i]);
		if (diff == 0) {
			token_free(t);
			return true;
		}
	}
	return false;
}

/* ------------------------------------------------------------------------
 * Admission */

static void admission_end(struct migrate_admission *a, bool admitted)
{
	LIST_REMOVE(a, entry);
	if (!admitted) {
		migrate_conn_free(a->conn);
		slots_used--;
	}
	free(a);
}

static void admission_refuse(struct migrate_admission *a, struct err *e)
{
	size_t len;
	char *line = migrate_msg_build(MIGRATE_MSG_ERROR, e, &len);

	log_notice("migration from %s refused: %s",
	    migrate_conn_peer(a->conn), e->desc);
	/* one try, never waiting: the socket's buffer is empty */
	(void)!send(migrate_conn_fd(a->conn), line, len,
	    MSG_NOSIGNAL | MSG_DONTWAIT);
	free(line);
	err_free(e);
	admission_end(a, false);
}

static void admission_header(void *arg, const char *line, size_t len,
    struct err *e)
{
	struct migrate_admission *a = arg;
	struct migrate_header h;
	struct migrate_conn *conn = a->conn;

	if (e != NULL) {
		admission_refuse(a, e);
		return;
	}
	e = migrate_header_parse(line, len, &h);
	if (e == NULL && !token_consume(h.token)) {
		migrate_header_dispose(&h);
		e = err_new(ERR_PERMISSION_DENIED, "the token is unknown, "
		    "expired or used");
	}
	if (e != NULL) {
		admission_refuse(a, e);
		return;
	}
	admission_end(a, true);
	log_info("migration of %s from %s admitted", h.name,
	    migrate_conn_peer(conn));
	admit_fn(conn, &h);
}

static void listen_accept(evutil_socket_t fd, short what, void *arg)
{
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof ss;
	char host[NI_MAXHOST], serv[NI_MAXSERV], *peer;
	struct migrate_admission *a;
	int conn = accept4(listen_fd, (struct sockaddr *)&ss, &sslen,
	    SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (conn < 0) {
		if (errno != EAGAIN && errno != EINTR &&
		    errno != ECONNABORTED)
			log_warning("migration listener: accept: %s",
			    strerror(errno));
		return;
	}
	if (getnameinfo((struct sockaddr *)&ss, sslen, host, sizeof host,
	    serv, sizeof serv, NI_NUMERICHOST | NI_NUMERICSERV) != 0)
		snprintf(host, sizeof host, "?");
	xasprintf(&peer, "%s port %s", host, serv);
	a = xcalloc(1, sizeof *a);
	a->conn = migrate_conn_new(conn, peer);
	free(peer);
	LIST_INSERT_HEAD(&admissions, a, entry);
	slots_used++;
	if (slots_used > max_slots) {
		admission_refuse(a, err_new(ERR_RESOURCE_LIMIT, "%d incoming "
		    "migrations at once already", max_slots));
		return;
	}
	migrate_conn_read_line(a->conn, MIGRATE_HEADER_MAX,
	    MIGRATE_ADMIT_TIMEOUT_MS, admission_header, a);
}

void migrate_listen_release(void)
{
	if (slots_used > 0)
		slots_used--;
}

/* ------------------------------------------------------------------------
 * The listener */

static struct err *listen_parse(const char *addr_port, char **host,
    char **port)
{
	const char *colon = strrchr(addr_port, ':');
	const char *start = addr_port, *end = colon;

	if (colon == NULL || colon[1] == '\0')
		return err_new(ERR_INVALID_ARGUMENT, "--migrate-listen: '%s' "
		    "is not ADDR:PORT", addr_port);
	if (*start == '[' && end > start && end[-1] == ']') {
		start++;
		end--;
	}
	*host = xstrndup(start, (size_t)(end - start));
	*port = xstrdup(colon + 1);
	return NULL;
}

struct err *migrate_listen_init(const char *addr_port, int max_incoming,
    migrate_admit_fn *admit)
{
	struct addrinfo hints = {
		.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
		.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV,
	}, *ai = NULL;
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof ss;
	char *host = NULL, *port = NULL;
	struct err *e = listen_parse(addr_port, &host, &port);
	int one = 1, rc;

	if (e != NULL)
		return e;
	rc = getaddrinfo(host, port, &hints, &ai);
	if (rc != 0) {
		e = err_new(ERR_INVALID_ARGUMENT, "--migrate-listen %s: %s",
		    addr_port, gai_strerror(rc));
		goto out;
	}
	listen_fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (listen_fd < 0 || setsockopt(listen_fd, SOL_SOCKET, SO_REUSEADDR,
	    &one, sizeof one) < 0 || bind(listen_fd, ai->ai_addr,
	    ai->ai_addrlen) < 0 || listen(listen_fd, 64) < 0 ||
	    getsockname(listen_fd, (struct sockaddr *)&ss, &sslen) < 0) {
		e = err_new(ERR_IO, "--migrate-listen %s: %s", addr_port,
		    strerror(errno));
		if (listen_fd >= 0)
			close(listen_fd);
		listen_fd = -1;
		goto out;
	}
	listen_port = ntohs(ss.ss_family == AF_INET6 ?
	    ((struct sockaddr_in6 *)&ss)->sin6_port :
	    ((struct sockaddr_in *)&ss)->sin_port);
	/* a wildcard address is reached by the host's name */
	if (strcmp(host, "0.0.0.0") == 0 || strcmp(host, "::") == 0)
		xreplace(&host, daemon_hostname);
	listen_host = host;
	host = NULL;
	max_slots = max_incoming;
	admit_fn = admit;
	listen_event = xcheck(event_new(daemon_base, listen_fd,
	    EV_READ | EV_PERSIST, listen_accept, NULL));
	event_add(listen_event, NULL);
	log_notice("receiving migrations on %s port %d", listen_host,
	    listen_port);
out:
	if (ai != NULL)
		freeaddrinfo(ai);
	free(host);
	free(port);
	return e;
}

void migrate_listen_stop(void)
{
	if (listen_fd < 0)
		return;
	event_free(listen_event);
	listen_event = NULL;
	close(listen_fd);
	listen_fd = -1;
	while (!LIST_EMPTY(&admissions))
		admission_end(LIST_FIRST(&admissions), false);
	while (!LIST_EMPTY(&tokens))
		token_free(LIST_FIRST(&tokens));
	free(listen_host);
	listen_host = NULL;
}

bool migrate_listen_enabled(void)
{
	return listen_fd >= 0;
}

const char *migrate_listen_host(void)
{
	return listen_host;
}

int migrate_listen_port(void)
{
	return listen_port;
}
