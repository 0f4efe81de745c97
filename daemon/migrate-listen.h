/* The destination's door for migrations (--migrate-listen ADDR:PORT): a
 * TCP listener on the loop, the one-time tokens migration-prepare hands
 * out, and the admission of a connection.  A connection must send its
 * header line (at most MIGRATE_HEADER_MAX bytes) within
 * MIGRATE_ADMIT_TIMEOUT_MS of being accepted, with a token that was
 * handed out, has not expired and was never used; anything else is
 * answered with an error line and closed, and nothing is created.  At
 * most --migrate-max-incoming connections are admitted or being admitted
 * at once; past that a connection is refused at once. */
#ifndef DAEMON_MIGRATE_LISTEN_H
#define DAEMON_MIGRATE_LISTEN_H

#include <stdbool.h>
#include <stdint.h>

#include "daemon/migrate-conn.h"
#include "daemon/migrate-wire.h"
#include "proto/err.h"

#define MIGRATE_ADMIT_TIMEOUT_MS 10000
#define MIGRATE_TOKENS_MAX 64
#define MIGRATE_TOKEN_DEFAULT_MS 60000
#define MIGRATE_TOKEN_MAX_MS (24LL * 3600 * 1000)

/* An admitted migration: conn and h are the callee's (h to dispose). It
 * holds its slot until migrate_listen_release(). */
typedef void migrate_admit_fn(struct migrate_conn *conn,
    struct migrate_header *h);

/* Starts listening on addr_port ("ADDR:PORT", "[V6]:PORT"). */
struct err *migrate_listen_init(const char *addr_port, int max_incoming,
    migrate_admit_fn *admit);
/* Stops listening; connections being admitted are closed. */
void migrate_listen_stop(void);
bool migrate_listen_enabled(void);
/* What migration-prepare tells the source to connect to. */
const char *migrate_listen_host(void);
int migrate_listen_port(void);
/* An admitted migration ended: its slot is free. */
void migrate_listen_release(void);

/* A new token valid for expires_ms; ResourceLimit when too many are
 * outstanding, OperationInvalid when not listening. */
struct err *migrate_token_new(int64_t expires_ms,
    char token[MIGRATE_TOKEN_HEX + 1]);

#endif
