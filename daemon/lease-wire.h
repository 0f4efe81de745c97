/* The lease holder's control protocol: one JSON object per line over a
 * UNIX stream socket (<rundir>/leases/<uuid>.sock, and the socket pair the
 * daemon starts a holder with).  One request at a time, answered in order:
 *
 *   {"op":"set","disks":[{"path":"/srv/a.img","mode":"exclusive"}]}
 *        take what is missing, all or nothing, then drop what is not listed
 *   {"op":"add","disks":[...]}      take what is missing, all or nothing
 *   {"op":"remove","disks":[{"path":"/srv/a.img"}]}
 *   {"op":"list"}
 *   {"op":"release"}                drop everything
 *   {"op":"domain","domain":"web2"} the domain was renamed
 *
 * Every reply carries what the holder holds after the request:
 *   {"ok":true,"disks":[{"path":..,"disk":<canonical>,"mode":..}]}
 *   {"error":{"class":"LeaseConflict","desc":..,"data":..},"disks":[...]}
 * A holder that holds nothing after a request has removed its record and
 * socket before it replies, and exits. */
#ifndef DAEMON_LEASE_WIRE_H
#define DAEMON_LEASE_WIRE_H

#include <stddef.h>

#include "daemon/lease-disk.h"
#include "proto/err.h"

/* Longest line either side accepts: LEASE_MAX_DISKS disks with two
 * maximal names each, escaped, fit */
#define LEASE_WIRE_MAX_LINE (8 * 1024 * 1024)

enum lease_op {
	LEASE_OP_SET,
	LEASE_OP_ADD,
	LEASE_OP_REMOVE,
	LEASE_OP_LIST,
	LEASE_OP_RELEASE,
	LEASE_OP_DOMAIN,
	LEASE_OP_COUNT
};

struct lease_request {
	enum lease_op op;
	struct lease_disks disks;	/* set, add, remove */
	char *domain;			/* domain */
};

struct lease_reply {
	struct err *error;		/* NULL: ok */
	struct lease_disks disks;	/* held after the request */
};

const char *lease_op_name(enum lease_op op);

/* Parse one line (without its newline).  On error, out is empty. */
struct err *lease_request_parse(const char *line, size_t len,
    struct lease_request *out);
struct err *lease_reply_parse(const char *line, size_t len,
    struct lease_reply *out);
void lease_request_clear(struct lease_request *req);
void lease_reply_clear(struct lease_reply *reply);

/* One line, newline included (malloc'd); *len is its length. */
char *lease_request_format(const struct lease_request *req, size_t *len);
char *lease_reply_format(const struct err *error,
    const struct lease_disks *held, size_t *len);

#endif
