#include "config.h"

#include <event2/event.h>

#include "daemon/state-lock.h"
#include "proto/mem.h"

void state_lock_init(struct state_lock *l, struct event_base *base,
    unsigned max_queued)
{
	l->holder = NULL;
	TAILQ_INIT(&l->queue);
	l->queued = 0;
	l->max_queued = max_queued;
	l->base = base;
}

bool state_lock_busy(const struct state_lock *l)
{
	return l->holder != NULL || !TAILQ_EMPTY(&l->queue);
}

struct lock_waiter *state_lock_first_waiter(const struct state_lock *l)
{
	return TAILQ_FIRST(&l->queue);
}

static void state_lock_dequeue(struct state_lock *l, struct lock_waiter *w)
{
	TAILQ_REMOVE(&l->queue, w, entry);
	l->queued--;
	w->queued = false;
	if (w->deadline != NULL) {
		event_free(w->deadline);
		w->deadline = NULL;
	}
}

static void state_lock_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct lock_waiter *w = arg;

	state_lock_dequeue(w->lock, w);
	w->expired(w);
}

static void state_lock_enqueue(struct state_lock *l, struct lock_waiter *w,
    bool first, int64_t wait_ms)
{
	w->lock = l;
	w->queued = true;
	if (first)
		TAILQ_INSERT_HEAD(&l->queue, w, entry);
	else
		TAILQ_INSERT_TAIL(&l->queue, w, entry);
	l->queued++;
	if (wait_ms >= 0) {
		struct timeval tv = { wait_ms / 1000, (wait_ms % 1000) * 1000 };

		w->deadline = xcheck(evtimer_new(l->base, state_lock_deadline,
		    w));
		evtimer_add(w->deadline, &tv);
	}
}

void state_lock_take(struct state_lock *l, struct lock_waiter *w)
{
	w->lock = l;
	l->holder = w;
}

enum lock_result state_lock_acquire(struct state_lock *l, struct lock_waiter *w,
    int64_t wait_ms)
{
	if (!state_lock_busy(l)) {
		state_lock_take(l, w);
		return LOCK_TAKEN;
	}
	if (l->queued >= l->max_queued)
		return LOCK_FULL;
	state_lock_enqueue(l, w, false, wait_ms);
	return LOCK_QUEUED;
}

enum lock_result state_lock_acquire_first(struct state_lock *l,
    struct lock_waiter *w, int64_t wait_ms)
{
	if (l->holder == NULL) {
		state_lock_take(l, w);
		return LOCK_TAKEN;
	}
	state_lock_enqueue(l, w, true, wait_ms);
	return LOCK_QUEUED;
}

void state_lock_release(struct state_lock *l, struct lock_waiter *w)
{
	struct lock_waiter *next;

	if (l->holder != w)
		return;
	l->holder = NULL;
	next = TAILQ_FIRST(&l->queue);
	if (next == NULL)
		return;
	state_lock_dequeue(l, next);
	l->holder = next;
	next->granted(next);
}

void state_lock_cancel(struct state_lock *l, struct lock_waiter *w)
{
	if (w->queued)
		state_lock_dequeue(l, w);
}

void state_lock_cancel_all(struct state_lock *l, struct lock_waiter *keep,
    void (*fn)(struct lock_waiter *w))
{
	struct lock_waiter *w, *next;

	TAILQ_FOREACH_SAFE(w, &l->queue, entry, next) {
		if (w == keep)
			continue;
		state_lock_dequeue(l, w);
		fn(w);
	}
}
