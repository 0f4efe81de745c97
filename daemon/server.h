/* The listening sockets and client connections: framing, limits,
 * back-pressure, peer credentials.  Knows nothing of commands. */
#ifndef DAEMON_SERVER_H
#define DAEMON_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <json-c/json.h>

struct conn;
struct request_list;

int server_listen(void);
/* Stops accepting and removes the socket files. */
void server_stop_listening(void);
/* Flushes what can be flushed without blocking, then closes every client. */
void server_close_all(void);
unsigned server_client_count(void);

/* Queues msg (one line) on the connection; a no-op once it is closed.
 * Output is written when the socket is writable, never by blocking. */
void conn_send(struct conn *c, json_object *msg);
/* The same for a line already serialised (one event to many clients). */
void conn_send_text(struct conn *c, const char *text, size_t len);
/* The same for a line made of pieces (a reply around a text result). */
struct iovec;
void conn_send_parts(struct conn *c, const struct iovec *parts, int count);
size_t conn_output_size(const struct conn *c);
bool conn_is_read_only(const struct conn *c);
uint64_t conn_id(const struct conn *c);
uid_t conn_peer_uid(const struct conn *c);
pid_t conn_peer_pid(const struct conn *c);
/* The requests of c that have no reply yet (the dispatcher's list). */
struct request_list *conn_pending(struct conn *c);
/* The dispatcher counts requests in flight, for --max-inflight. */
void conn_request_started(struct conn *c);
void conn_request_done(struct conn *c);
/* fn(c, arg) is called once, when c's queued output drops below low bytes. */
void conn_notify_drained(struct conn *c, size_t low,
    void (*fn)(struct conn *, void *), void *arg);

#endif
