/* libxlctl: a small blocking client for xenlightd's JSON line protocol
 * (doc/protocol.md).  One struct xlctl is one connection; it is not
 * thread-safe (use one per thread).
 *
 * Errors: every function that can fail takes a struct xlctl_error * (may be
 * NULL).  On failure the library overwrites all its fields; on success it
 * leaves it alone.  err->data holds a reference: release it with
 * xlctl_error_clear().  Besides the server's error classes (PROTOCOL.md),
 * the library reports local failures with its own classes:
 *   "Disconnected"   could not connect, or the connection is gone (closed
 *                    by the server, even in the middle of a message, or a
 *                    failed write); every later call fails the same way;
 *   "Timeout"        nothing arrived within timeout_ms; the connection is
 *                    still usable and a late reply is kept for later;
 *   "InvalidMessage" the server sent a line that is not a JSON object (the
 *                    line is skipped, the connection stays usable), or a
 *                    line longer than XLCTL_MAX_LINE (the connection is
 *                    then unusable: the framing is lost);
 *   "InvalidArgument" xlctl_wait_reply() for an id never sent.
 *
 * Timeouts are in milliseconds: < 0 waits forever, 0 only takes what has
 * already arrived. */
#ifndef XLCTL_H
#define XLCTL_H

#include <stdbool.h>
#include <stdint.h>
#include <json-c/json.h>

#ifdef __cplusplus
extern "C" {
#endif

#define XLCTL_SOCKET_PATH	"/run/xenlightd/xenlightd.sock"
#define XLCTL_RO_SOCKET_PATH	"/run/xenlightd/xenlightd-ro.sock"

/* The longest line accepted from the server: a domain-list of 10,000
 * domains is several MiB. */
#define XLCTL_MAX_LINE		(64 * 1024 * 1024)

/* How long xlctl_connect() waits for the greeting. */
#define XLCTL_CONNECT_TIMEOUT_MS 30000

struct xlctl;

struct xlctl_error {
	char class_name[32];	/* "Busy", "DomainNotFound", "Timeout", ... */
	char desc[512];
	json_object *data;	/* the error's "data" object, or NULL */
};

void xlctl_error_clear(struct xlctl_error *err);

/* Per-request control keys.  All zeroes means the server's defaults. */
struct xlctl_options {
	bool detach;		/* job commands: reply {"job":N} at once */
	bool has_lock_wait_ms;	/* send lock_wait_ms (else the server's */
	int64_t lock_wait_ms;	/*  --lock-wait default) */
};

/* Connects to socket_path (NULL: XLCTL_SOCKET_PATH) and reads the
 * greeting.  NULL on failure: "Disconnected", "Timeout", or the class of
 * an error the server sent instead of its greeting (ResourceLimit). */
struct xlctl *xlctl_connect(const char *socket_path, struct xlctl_error *err);
struct xlctl *xlctl_connect_timeout(const char *socket_path, int timeout_ms,
    struct xlctl_error *err);
void xlctl_close(struct xlctl *c);
int xlctl_fd(struct xlctl *c);

/* The greeting's inner object ({"server":..,"version":..,"protocol":..,
 * "access":..,...}); borrowed, valid until xlctl_close(). */
json_object *xlctl_greeting(struct xlctl *c);

/* Sends one request with a fresh integer id (1, 2, ...) and returns that
 * id, or -1 when the connection is broken (then xlctl_wait_reply(c, -1,
 * ...) reports why).  arguments is borrowed and may be NULL.  Does not wait
 * for the reply, so requests can be pipelined; while the server is not
 * reading, incoming messages are read and kept, so that a long pipeline
 * cannot deadlock against the server's back-pressure. */
int64_t xlctl_send(struct xlctl *c, const char *execute,
    json_object *arguments, const struct xlctl_options *options);

/* Sends a request object exactly as given (no id is added), for tools that
 * build their own envelope; read its reply with xlctl_read_message().
 * Returns 0, or -1 as xlctl_send(). */
int xlctl_send_object(struct xlctl *c, json_object *request);

/* Waits for the reply to request id.  Returns its "return" value (a new
 * reference; a null return is given as an empty object) or NULL with err
 * filled from the reply's "error" object or from a local failure.  Replies
 * to other requests and events that arrive meanwhile are kept for later
 * calls, in the order they arrived. */
json_object *xlctl_wait_reply(struct xlctl *c, int64_t id, int timeout_ms,
    struct xlctl_error *err);

/* xlctl_send() then xlctl_wait_reply(). */
json_object *xlctl_call(struct xlctl *c, const char *execute,
    json_object *arguments, const struct xlctl_options *options,
    int timeout_ms, struct xlctl_error *err);

/* The next event ({"event":..,"data":..,"timestamp":..}, a new reference):
 * a kept one first, else the next to arrive.  Only a connection that sent
 * "subscribe" receives events. */
json_object *xlctl_next_event(struct xlctl *c, int timeout_ms,
    struct xlctl_error *err);

/* The next message of any kind (reply, event, ...), whole, as a new
 * reference: kept messages first, oldest first. */
json_object *xlctl_read_message(struct xlctl *c, int timeout_ms,
    struct xlctl_error *err);

#ifdef __cplusplus
}
#endif

#endif
