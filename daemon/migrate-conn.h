/* A migration socket on the loop (both ends): lines read one at a time
 * with a size limit and a deadline, lines written without blocking, and
 * the hand-over of the fd to libxl's stream in between.  Every byte read
 * is the peer's: bounded and timed. */
#ifndef DAEMON_MIGRATE_CONN_H
#define DAEMON_MIGRATE_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/err.h"

struct migrate_conn;

/* A line (without its '\n'), or e (owned by the callee): IOError for a
 * lost connection, a failed write or a deadline passed, InvalidMessage
 * for a line too long. */
typedef void migrate_line_fn(void *arg, const char *line, size_t len,
    struct err *e);

/* Takes fd (a connected TCP socket): non-blocking, keepalive on. */
struct migrate_conn *migrate_conn_new(int fd, const char *peer);
/* Closes the socket. */
void migrate_conn_free(struct migrate_conn *c);
int migrate_conn_fd(const struct migrate_conn *c);
const char *migrate_conn_peer(const struct migrate_conn *c);

/* Queues line; a failure shows at the next read (or is ignored). */
void migrate_conn_send(struct migrate_conn *c, const char *line, size_t len);
/* Calls fn once with the next line of at most max bytes, or an error
 * after timeout_ms (< 0: none) or when the peer is gone. */
void migrate_conn_read_line(struct migrate_conn *c, size_t max,
    int timeout_ms, migrate_line_fn *fn, void *arg);
/* No more callbacks. */
void migrate_conn_cancel(struct migrate_conn *c);

/* libxl's stream: the socket turns blocking and the loop leaves it alone
 * until migrate_conn_resume.  Fails (false) when lines are still
 * buffered either way: the stream would lose bytes. */
bool migrate_conn_lend(struct migrate_conn *c);
void migrate_conn_resume(struct migrate_conn *c);
/* Both directions shut: the peer and whoever reads or writes the stream
 * (libxl, a helper) see the end at once. */
void migrate_conn_shutdown(struct migrate_conn *c);

/* Bytes the kernel has sent (and had acknowledged) or received. */
uint64_t migrate_conn_bytes_sent(const struct migrate_conn *c);
uint64_t migrate_conn_bytes_received(const struct migrate_conn *c);

#endif
