/* The state-change lock (daemon/state-lock.c) on its own: FIFO order,
 * deadlines, a destroy at the head of the queue, waiters that leave. */
#include "config.h"

#include <criterion/criterion.h>
#include <event2/event.h>

#include "daemon/state-lock.h"


/* What happened to the waiters, in order: "g3" = waiter 3 granted, "e2" =
 * waiter 2 expired. */
static char history[64];

struct test_waiter {
	struct lock_waiter w;
	int n;
};

static void note(char what, const struct lock_waiter *w)
{
	const struct test_waiter *t = (const struct test_waiter *)w;
	size_t len = strlen(history);

	cr_assert_lt(len + 2, sizeof history);
	history[len] = what;
	history[len + 1] = (char)('0' + t->n);
	history[len + 2] = '\0';
}

static void granted(struct lock_waiter *w)
{
	note('g', w);
}

static void expired(struct lock_waiter *w)
{
	note('e', w);
}

static struct event_base *base;
static struct state_lock lock;
static struct test_waiter waiters[8];

static void setup(void)
{
	base = event_base_new();
	cr_assert_not_null(base);
	state_lock_init(&lock, base, 3);
	history[0] = '\0';
	for (int i = 0; i < 8; i++) {
		memset(&waiters[i], 0, sizeof waiters[i]);
		waiters[i].n = i;
		waiters[i].w.granted = granted;
		waiters[i].w.expired = expired;
	}
}

static void teardown(void)
{
	for (int i = 0; i < 8; i++)
		state_lock_cancel(&lock, &waiters[i].w);
	event_base_free(base);
}

static struct lock_waiter *W(int i)
{
	return &waiters[i].w;
}

/* Runs the loop until nothing is left to happen (every deadline fired). */
static void run_loop(void)
{
	event_base_dispatch(base);
}

TestSuite(state_lock, .init = setup, .fini = teardown);

Test(state_lock, a_free_lock_is_taken_at_once)
{
	cr_assert_eq(state_lock_acquire(&lock, W(1), 1000), LOCK_TAKEN);
	cr_assert_eq(lock.holder, W(1));
	cr_assert(state_lock_busy(&lock));
	state_lock_release(&lock, W(1));
	cr_assert_null(lock.holder);
	cr_assert_not(state_lock_busy(&lock));
	cr_assert_str_empty(history, "nobody waited: %s", history);
}

Test(state_lock, waiters_get_the_lock_in_fifo_order)
{
	cr_assert_eq(state_lock_acquire(&lock, W(1), -1), LOCK_TAKEN);
	cr_assert_eq(state_lock_acquire(&lock, W(2), -1), LOCK_QUEUED);
	cr_assert_eq(state_lock_acquire(&lock, W(3), -1), LOCK_QUEUED);
	cr_assert_eq(state_lock_acquire(&lock, W(4), -1), LOCK_QUEUED);
	state_lock_release(&lock, W(1));
	cr_assert_str_eq(history, "g2");
	cr_assert_eq(lock.holder, W(2));
	state_lock_release(&lock, W(2));
	state_lock_release(&lock, W(3));
	cr_assert_str_eq(history, "g2g3g4");
	state_lock_release(&lock, W(4));
	cr_assert_not(state_lock_busy(&lock));
}

Test(state_lock, a_newcomer_does_not_jump_the_queue)
{
	state_lock_acquire(&lock, W(1), -1);
	state_lock_acquire(&lock, W(2), -1);
	/* the holder leaves and 2 is granted: 3 arriving now queues */
	state_lock_release(&lock, W(1));
	cr_assert_eq(state_lock_acquire(&lock, W(3), -1), LOCK_QUEUED);
	cr_assert_str_eq(history, "g2");
}

Test(state_lock, the_queue_is_bounded)
{
	state_lock_acquire(&lock, W(1), -1);
	for (int i = 2; i <= 4; i++)
		cr_assert_eq(state_lock_acquire(&lock, W(i), -1), LOCK_QUEUED);
	cr_assert_eq(state_lock_acquire(&lock, W(5), -1), LOCK_FULL);
	cr_assert_eq(lock.queued, 3u);
	/* a destroy gets in anyway */
	cr_assert_eq(state_lock_acquire_first(&lock, W(6), -1), LOCK_QUEUED);
	cr_assert_eq(state_lock_first_waiter(&lock), W(6));
}

Test(state_lock, a_deadline_takes_the_waiter_out_and_keeps_the_order)
{
	state_lock_acquire(&lock, W(1), -1);
	state_lock_acquire(&lock, W(2), -1);
	state_lock_acquire(&lock, W(3), 10);
	state_lock_acquire(&lock, W(4), -1);
	run_loop();
	cr_assert_str_eq(history, "e3");
	cr_assert_eq(lock.queued, 2u);
	state_lock_release(&lock, W(1));
	state_lock_release(&lock, W(2));
	cr_assert_str_eq(history, "e3g2g4");
}

Test(state_lock, a_granted_waiter_has_no_deadline_left)
{
	state_lock_acquire(&lock, W(1), -1);
	state_lock_acquire(&lock, W(2), 50);
	state_lock_release(&lock, W(1));
	run_loop();
	/* 2's deadline went with its place in the queue */
	cr_assert_str_eq(history, "g2");
	cr_assert_null(W(2)->deadline);
}

Test(state_lock, a_destroy_goes_to_the_head_of_the_queue)
{
	state_lock_acquire(&lock, W(1), -1);
	state_lock_acquire(&lock, W(2), -1);
	state_lock_acquire(&lock, W(3), -1);
	cr_assert_eq(state_lock_acquire_first(&lock, W(7), 1000), LOCK_QUEUED);
	state_lock_release(&lock, W(1));
	cr_assert_str_eq(history, "g7");
}

Test(state_lock, a_destroy_takes_a_lock_nobody_holds)
{
	state_lock_acquire(&lock, W(1), -1);
	state_lock_acquire(&lock, W(2), -1);
	state_lock_release(&lock, W(1));
	state_lock_release(&lock, W(2));
	cr_assert_eq(state_lock_acquire_first(&lock, W(7), 1000), LOCK_TAKEN);
}

Test(state_lock, a_destroy_that_waits_too_long_hears_of_it)
{
	state_lock_acquire(&lock, W(1), -1);
	state_lock_acquire(&lock, W(2), -1);
	state_lock_acquire_first(&lock, W(7), 10);
	run_loop();
	/* the job layer then goes ahead regardless; 1 still holds */
	cr_assert_str_eq(history, "e7");
	cr_assert_eq(lock.holder, W(1));
	state_lock_release(&lock, W(1));
	cr_assert_str_eq(history, "e7g2");
}

Test(state_lock, a_destroy_fails_the_queue)
{
	state_lock_acquire(&lock, W(1), -1);
	state_lock_acquire(&lock, W(2), 1000);
	state_lock_acquire(&lock, W(3), 1000);
	state_lock_acquire_first(&lock, W(7), 1000);
	state_lock_cancel_all(&lock, W(7), expired);
	cr_assert_str_eq(history, "e2e3");
	cr_assert_eq(lock.queued, 1u);
	cr_assert_eq(state_lock_first_waiter(&lock), W(7));
	cr_assert_null(W(2)->deadline);
}

/* A job whose client left stays queued (the client's departure does not
 * cancel its jobs); one that is aborted while queued leaves, and those
 * behind it keep their order. */
Test(state_lock, a_waiter_leaving_the_middle_keeps_the_others_in_order)
{
	state_lock_acquire(&lock, W(1), -1);
	state_lock_acquire(&lock, W(2), 1000);
	state_lock_acquire(&lock, W(3), 1000);
	state_lock_acquire(&lock, W(4), 1000);
	state_lock_cancel(&lock, W(3));
	cr_assert_null(W(3)->deadline);
	/* cancelling again, or a waiter never queued, is harmless */
	state_lock_cancel(&lock, W(3));
	state_lock_cancel(&lock, W(5));
	state_lock_release(&lock, W(1));
	state_lock_release(&lock, W(2));
	cr_assert_str_eq(history, "g2g4");
}

Test(state_lock, release_by_a_non_holder_changes_nothing)
{
	state_lock_acquire(&lock, W(1), -1);
	state_lock_acquire(&lock, W(2), -1);
	state_lock_release(&lock, W(2));
	cr_assert_eq(lock.holder, W(1));
	cr_assert_str_empty(history);
}
