/* Inside the daemon's side of disk leases: what its files share, private
 * to them (lease.h is the interface).  lease-request.c takes the callers'
 * requests, lease-recover.c finds the holders again after a restart and
 * lease-list.c shows the table; lease-queue.c runs each domain's requests
 * against its holder; lease.c keeps the configuration, the table and the
 * requests' completions, and starts and stops.  Calls go that way down,
 * never back. */
#ifndef DAEMON_LEASE_INT_H
#define DAEMON_LEASE_INT_H

#include <stdbool.h>
#include <sys/types.h>
#include <bsd/sys/queue.h>

#include "daemon/lease-disk.h"
#include "daemon/lease-wire.h"
#include "daemon/lease.h"
#include "proto/err.h"

struct bufferevent;
struct event;

struct lease_dom;

struct lease_req {
	struct lease_request wire;
	lease_done_fn *done;
	void *arg;
	bool recovery;			/* the daemon's own: re-taking */
	bool counted;			/* one of lease_recover's */
	struct lease_dom *dom;
	struct err *result;
	TAILQ_ENTRY(lease_req) entry;
};
TAILQ_HEAD(lease_req_list, lease_req);

struct lease_dom {
	char uuid[37];
	char *name;
	struct lease_req_list queue;	/* the head is in flight when busy */
	bool busy;
	/* the holder, and our connection to it */
	pid_t pid;			/* 0: none known */
	unsigned long long start_time;
	bool child;			/* we started it and it is not reaped */
	struct bufferevent *conn;
	struct event *timer;		/* the request in flight's deadline */
	/* what the holder said it holds, and what the domain needs */
	struct lease_disks held;
	struct lease_disks wanted;
	struct err *lost;		/* why wanted is not all held */
	struct event *retry;
	TAILQ_ENTRY(lease_dom) entry;
};
TAILQ_HEAD(lease_dom_list, lease_dom);

/* lease_init's copy of the configuration */
extern struct lease_config lease_config;
extern struct lease_dom_list lease_doms;

/* lease_recover's progress: the requests it queued (counted) and the scan
 * itself; done runs once all of them are over. */
struct lease_recovery {
	unsigned pending;
	lease_done_fn *done;
	void *arg;
	bool running;
};
extern struct lease_recovery lease_recovery;

/* lease.c */
void lease_req_complete(struct lease_req *r, struct err *e);
struct lease_req *lease_req_new(enum lease_op op, lease_done_fn *done,
    void *arg);
struct lease_dom *lease_dom_find(const char *uuid);
void lease_dom_disconnect(struct lease_dom *d);
void lease_dom_maybe_free(struct lease_dom *d);
bool lease_dom_holds(const struct lease_dom *d, const char *path);
/* One of lease_recover's requests, or its scan, is over. */
void lease_recover_progress(void);

/* lease-queue.c */
struct lease_dom *lease_dom_get(const char *uuid, const char *name);
void lease_dom_enqueue(struct lease_dom *d, struct lease_req *r);
bool lease_dom_connect(struct lease_dom *d);

#endif
