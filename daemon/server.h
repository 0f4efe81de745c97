/* The listening sockets and client connections: framing, limits,
 * back-pressure, peer credentials.  A transport: it knows nothing of
 * commands, and hands what arrives to the callbacks its owner gave it. */
#ifndef DAEMON_SERVER_H
#define DAEMON_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <json-c/json.h>

struct conn;

struct server_callbacks {
	/* A new client: the first line it gets (the greeting) goes now. */
	void (*accepted)(struct conn *c);
	/* One complete line (without its newline). */
	void (*line)(struct conn *c, const char *line, size_t len);
	/* The client is gone for good while its requests wait (nobody will
	 * read their replies); c stays until its input is consumed. */
	void (*hung_up)(struct conn *c);
	/* The connection is gone: forget c. */
	void (*closed)(struct conn *c);
};

int server_listen(const struct server_callbacks *callbacks);
/* Stops accepting and removes the socket files. */
void server_stop_listening(void);
/* Flushes what can be flushed without blocking, then closes every client. */
void server_close_all(void);
unsigned server_client_count(void);
/* Clients of the full-access or the read-only socket. */
unsigned server_client_count_of(bool read_only);

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
/* The owner's own state for c. */
void conn_set_data(struct conn *c, void *data);
void *conn_data(const struct conn *c);
/* The owner counts requests in flight (and the bytes of their lines), for
 * --max-inflight and --max-inflight-bytes. */
void conn_request_started(struct conn *c, size_t bytes);
void conn_request_done(struct conn *c, size_t bytes);
/* The client has gone for good (not merely half-closed). */
bool conn_is_hung_up(const struct conn *c);
/* fn(c, arg) is called once, when c's queued output drops below low bytes. */
void conn_notify_drained(struct conn *c, size_t low,
    void (*fn)(struct conn *, void *), void *arg);

#endif
