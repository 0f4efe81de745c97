/* The server's side of its connections (conn.c); their public face is in
 * server.h. */
#ifndef DAEMON_CONN_H
#define DAEMON_CONN_H

#include <stdbool.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "daemon/server.h"

/* A connection on fd, accepted by the server's pool (its listener). */
struct conn *conn_new(int fd, int pool, bool read_only,
    const struct ucred *peer, const struct server_callbacks *callbacks);
/* The owner greets it; reading begins. */
void conn_start(struct conn *c);
/* Connections of a pool (of one uid; (uid_t)-1: all). */
unsigned conn_count(int pool, uid_t uid);
unsigned conn_count_all(void);
/* Flushes what can be flushed without blocking, then closes each. */
void conn_close_all(void);

#endif
