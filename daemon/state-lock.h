/* A domain's state-change lock: one holder, and a FIFO queue of waiters,
 * each with a deadline; a destroy goes to the head of the queue.  Nothing
 * blocks: a waiter is called back when the lock is its own, or when its
 * deadline passes.  Knows nothing of jobs or domains, so it is tested on
 * its own (tests/unit/test-state-lock.c). */
#ifndef DAEMON_STATE_LOCK_H
#define DAEMON_STATE_LOCK_H

#include <stdbool.h>
#include <stdint.h>
#include <bsd/sys/queue.h>

struct event;
struct event_base;

struct lock_waiter {
	/* The lock is the waiter's now (called from state_lock_release). */
	void (*granted)(struct lock_waiter *w);
	/* The deadline passed: the waiter has left the queue. */
	void (*expired)(struct lock_waiter *w);
	/* private */
	struct state_lock *lock;
	struct event *deadline;
	bool queued;
	TAILQ_ENTRY(lock_waiter) entry;
};

struct state_lock {
	struct lock_waiter *holder;
	TAILQ_HEAD(, lock_waiter) queue;
	unsigned queued;
	unsigned max_queued;
	struct event_base *base;
};

enum lock_result {
	LOCK_TAKEN,		/* w holds the lock now */
	LOCK_QUEUED,		/* w waits; granted or expired follows */
	LOCK_FULL,		/* the queue is full: w was not queued */
};

void state_lock_init(struct state_lock *l, struct event_base *base,
    unsigned max_queued);
/* Held, or waited for. */
bool state_lock_busy(const struct state_lock *l);
/* Takes the lock if it is free and nobody waits, else queues w at the
 * tail for at most wait_ms (negative: no deadline). */
enum lock_result state_lock_acquire(struct state_lock *l, struct lock_waiter *w,
    int64_t wait_ms);
/* The same at the head of the queue, ahead of everyone (a destroy); the
 * queue's limit does not apply. */
enum lock_result state_lock_acquire_first(struct state_lock *l,
    struct lock_waiter *w, int64_t wait_ms);
/* Takes a free lock without queueing (the caller checked it is free). */
void state_lock_take(struct state_lock *l, struct lock_waiter *w);
/* The holder lets go: the first waiter is granted the lock. */
void state_lock_release(struct state_lock *l, struct lock_waiter *w);
/* A waiter leaves the queue without the lock (it was aborted, failed). */
void state_lock_cancel(struct state_lock *l, struct lock_waiter *w);
/* Every waiter but keep leaves the queue; fn is called for each. */
void state_lock_cancel_all(struct state_lock *l, struct lock_waiter *keep,
    void (*fn)(struct lock_waiter *w));
struct lock_waiter *state_lock_first_waiter(const struct state_lock *l);

#endif
