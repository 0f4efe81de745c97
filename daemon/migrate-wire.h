/* The migration wire between two daemons (doc/migration.md), as pure
 * functions: the stream header the source sends first, the destination's
 * answer, and the hand-over lines after libxl's stream.  Every line is one
 * JSON object ended by '\n'; nothing here touches a socket, so the
 * fuzzer (tests/fuzz/fuzz-migrate-wire.c) can feed it anything. */
#ifndef DAEMON_MIGRATE_WIRE_H
#define DAEMON_MIGRATE_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

#include "proto/err.h"

#define MIGRATE_WIRE_VERSION 1
/* The header holds the domain's configuration: 1 MiB is plenty */
#define MIGRATE_HEADER_MAX (1024 * 1024)
/* A hand-over line or an answer: a few hundred bytes */
#define MIGRATE_LINE_MAX (64 * 1024)
/* 128 random bits in hex */
#define MIGRATE_TOKEN_HEX 32
/* The largest guest a header may announce: 16 TiB */
#define MIGRATE_MEMORY_KIB_MAX (16ULL * 1024 * 1024 * 1024)

struct migrate_header {
	char token[MIGRATE_TOKEN_HEX + 1];
	char name[65];
	char uuid[37];
	json_object *config;		/* libxl JSON of the domain's config */
	uint64_t memory_kib;
	bool paused;			/* paused on the source: stays paused */
};

/* The hand-over, after libxl's stream. */
enum migrate_msg {
	MIGRATE_MSG_READY,	/* dest: received, paused, config stored */
	MIGRATE_MSG_GO,		/* source: leases released, take over */
	MIGRATE_MSG_DONE,	/* dest: leases taken, guest runs here */
	MIGRATE_MSG_ERROR,	/* either: gave up (error attached) */
};

/* The header line (with its '\n'), malloc'd; *len its length. */
char *migrate_header_build(const struct migrate_header *h, size_t *len);
/* Checks everything: version, token syntax, name, UUID, memory, config an
 * object.  InvalidArgument says what is wrong; h is then empty. */
struct err *migrate_header_parse(const char *line, size_t len,
    struct migrate_header *h);
void migrate_header_dispose(struct migrate_header *h);

/* A hand-over line: msg, or MIGRATE_MSG_ERROR with e (not taken). */
char *migrate_msg_build(enum migrate_msg msg, const struct err *e,
    size_t *len);
/* The answer to the header is a hand-over line too: "accept" is READY's
 * place before the stream ({"accept":true}). */
char *migrate_accept_build(size_t *len);
/* Parses a line: returns NULL and *msg, with *peer set to the peer's
 * error for MIGRATE_MSG_ERROR; or an InvalidMessage error for a line that
 * is none of them.  accept: the line answers the header. */
struct err *migrate_msg_parse(const char *line, size_t len, bool accept,
    enum migrate_msg *msg, struct err **peer);

/* "xenlightd:domain:<uuid>": the identity lease, so that a guest without
 * disks is also decided by the leases. */
char *migrate_identity_lease(const char *uuid);

#endif
