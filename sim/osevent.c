/* The application's osevent hooks, from below: the simulator registers
 * its own fds and timers through them, and their occurrences come back
 * through libxl_osevent_occurred_* to the callback each registration
 * names (whoever waits registers a callback, so this file knows none of
 * them).
 *
 * - The tokens handed out (for_libxl) are the simulator's own
 *   registration records, recognised when the application calls
 *   libxl_osevent_occurred_*.  Records are pooled and never freed while
 *   the process lives, like libxl's nexi, so a stale token is harmless.
 * - Real libxl gets wrapper hooks that forward to the application's and
 *   count live registrations (sim-info reports them).  Unknown tokens go
 *   to the real libxl_osevent_occurred_*. */
#include "config.h"

#include <stdlib.h>
#include <sys/time.h>

#include "sim/sim.h"

enum reg_state { REG_FREE, REG_LIVE, REG_CANCELLED };

struct sim_reg {
	void *self;			/* hash key */
	UT_hash_handle hh;
	struct sim_reg *next_free;
	enum reg_state state;
	bool is_timer;
	bool counted;
	enum sim_reg_kind kind;
	int fd;
	sim_fd_ready_fn *ready;		/* fds */
	sim_timer_fn *fired;		/* timers */
	void *obj;
	void *for_app;
};

static struct sim_reg *regs;		/* every record, by address */
static struct sim_reg *free_regs;
static int in_hook;
static int sim_fds, sim_timers;		/* counted simulator registrations */
static int real_fds, real_timers;	/* real libxl's registrations */

int sim_live_fds(void)
{
	return sim_fds + real_fds;
}

int sim_live_timers(void)
{
	return sim_timers + real_timers;
}

static struct sim_reg *reg_alloc(enum sim_reg_kind kind, bool is_timer,
    void *obj)
{
	struct sim_reg *r = free_regs;

	if (r != NULL) {
		free_regs = r->next_free;
	} else {
		r = calloc(1, sizeof *r);
		r->self = r;
		HASH_ADD_PTR(regs, self, r);
	}
	r->next_free = NULL;
	r->state = REG_LIVE;
	r->kind = kind;
	r->is_timer = is_timer;
	r->counted = kind != SIM_REG_CONTROL_LISTEN &&
	    kind != SIM_REG_CONTROL_CONN;
	r->obj = obj;
	r->ready = NULL;
	r->fired = NULL;
	r->for_app = NULL;
	r->fd = -1;
	return r;
}

static void reg_release(struct sim_reg *r)
{
	r->state = REG_FREE;
	r->obj = NULL;
	r->next_free = free_regs;
	free_regs = r;
}

static struct sim_reg *reg_lookup(void *token)
{
	struct sim_reg *r;

	HASH_FIND_PTR(regs, &token, r);
	return r;
}

__attribute__((destructor)) static void regs_exit(void)
{
	struct sim_reg *r, *tmp;

	HASH_ITER(hh, regs, r, tmp) {
		HASH_DEL(regs, r);
		free(r);
	}
	free_regs = NULL;
}

/* ---- the simulator's registrations ---- */

int sim_fd_register(struct sim_reg **out, enum sim_reg_kind kind, int fd,
    short events, sim_fd_ready_fn *ready, void *obj)
{
	struct sim_reg *r = reg_alloc(kind, false, obj);
	int rc;

	r->fd = fd;
	r->ready = ready;
	in_hook++;
	rc = sim_app.hooks->fd_register(sim_app.hooks_user, fd, &r->for_app,
	    events, r);
	in_hook--;
	if (rc != 0) {
		reg_release(r);
		return rc;
	}
	if (r->counted)
		sim_fds++;
	*out = r;
	return 0;
}

int sim_fd_modify(struct sim_reg *r, short events)
{
	int rc;

	in_hook++;
	rc = sim_app.hooks->fd_modify(sim_app.hooks_user, r->fd, &r->for_app,
	    events);
	in_hook--;
	return rc;
}

void sim_fd_deregister(struct sim_reg *r)
{
	if (r == NULL || r->state != REG_LIVE)
		return;
	in_hook++;
	sim_app.hooks->fd_deregister(sim_app.hooks_user, r->fd, r->for_app);
	in_hook--;
	if (r->counted)
		sim_fds--;
	reg_release(r);
}

int sim_timer_register(struct sim_reg **out, enum sim_reg_kind kind,
    int64_t delay_ms, sim_timer_fn *fired, void *obj)
{
	struct sim_reg *r = reg_alloc(kind, true, obj);
	struct timeval now, rel, abs;
	int rc;

	r->fired = fired;
	if (delay_ms < 0)
		delay_ms = 0;
	gettimeofday(&now, NULL);
	rel.tv_sec = delay_ms / 1000;
	rel.tv_usec = (delay_ms % 1000) * 1000;
	timeradd(&now, &rel, &abs);
	in_hook++;
	rc = sim_app.hooks->timeout_register(sim_app.hooks_user, &r->for_app,
	    abs, r);
	in_hook--;
	if (rc != 0) {
		reg_release(r);
		return rc;
	}
	sim_timers++;
	*out = r;
	return 0;
}

/* libxl's way to cancel (time_deregister, libxl_event.c:496): ask for the
 * timeout "now" and ignore it when the application delivers it. */
void sim_timer_cancel(struct sim_reg *r)
{
	if (r == NULL || r->state != REG_LIVE)
		return;
	r->state = REG_CANCELLED;
	r->obj = NULL;
	in_hook++;
	sim_app.hooks->timeout_modify(sim_app.hooks_user, &r->for_app,
	    (struct timeval){ 0, 0 });
	in_hook--;
}

/* ---- real libxl's registrations, counted ---- */

static int wrap_fd_register(void *user, int fd, void **for_app_out,
    short events, void *for_libxl)
{
	int rc;

	in_hook++;
	rc = sim_app.hooks->fd_register(sim_app.hooks_user, fd, for_app_out,
	    events, for_libxl);
	in_hook--;
	if (rc == 0)
		real_fds++;
	return rc;
}

static int wrap_fd_modify(void *user, int fd, void **for_app_update,
    short events)
{
	int rc;

	in_hook++;
	rc = sim_app.hooks->fd_modify(sim_app.hooks_user, fd, for_app_update,
	    events);
	in_hook--;
	return rc;
}

static void wrap_fd_deregister(void *user, int fd, void *for_app)
{
	in_hook++;
	sim_app.hooks->fd_deregister(sim_app.hooks_user, fd, for_app);
	in_hook--;
	real_fds--;
}

static int wrap_timeout_register(void *user, void **for_app_out,
    struct timeval abs, void *for_libxl)
{
	int rc;

	in_hook++;
	rc = sim_app.hooks->timeout_register(sim_app.hooks_user, for_app_out,
	    abs, for_libxl);
	in_hook--;
	if (rc == 0)
		real_timers++;
	return rc;
}

static int wrap_timeout_modify(void *user, void **for_app_update,
    struct timeval abs)
{
	int rc;

	in_hook++;
	rc = sim_app.hooks->timeout_modify(sim_app.hooks_user, for_app_update,
	    abs);
	in_hook--;
	return rc;
}

static void wrap_timeout_deregister(void *user, void *for_app)
{
	in_hook++;
	if (sim_app.hooks->timeout_deregister != NULL)
		sim_app.hooks->timeout_deregister(sim_app.hooks_user, for_app);
	in_hook--;
	real_timers--;
}

const libxl_osevent_hooks sim_real_libxl_hooks = {
	.fd_register = wrap_fd_register,
	.fd_modify = wrap_fd_modify,
	.fd_deregister = wrap_fd_deregister,
	.timeout_register = wrap_timeout_register,
	.timeout_modify = wrap_timeout_modify,
	.timeout_deregister = wrap_timeout_deregister,
};

/* ---- occurrences, from the application ---- */

void sim_check_not_in_hook(const char *fn)
{
	if (in_hook)
		sim_fatal("%s called from inside an osevent hook: libxl "
		    "asserts !CTX->osevent_in_hook (libxl_event.h:358-361)", fn);
}

void libxl_osevent_occurred_fd(libxl_ctx *ctx, void *for_libxl, int fd,
    short events, short revents)
{
	static __typeof__(&libxl_osevent_occurred_fd) real;
	struct sim_reg *r;

	sim_check_not_in_hook("libxl_osevent_occurred_fd");
	if ((r = reg_lookup(for_libxl)) == NULL) {
		if (real == NULL)
			real = SIM_REAL(libxl_osevent_occurred_fd);
		real(ctx, for_libxl, fd, events, revents);
		return;
	}
	if (r->is_timer || r->state != REG_LIVE)
		return;		/* stale: libxl ignores those too */
	if (sim_app.freed)
		sim_fatal("libxl_osevent_occurred_fd after libxl_ctx_free");
	sim_sync();
	SIM_ENTER();
	r->ready(r->obj, revents);
	SIM_LEAVE();
}

void libxl_osevent_occurred_timeout(libxl_ctx *ctx, void *for_libxl)
{
	static __typeof__(&libxl_osevent_occurred_timeout) real;
	struct sim_reg *r;
	sim_timer_fn *fired;
	bool live;
	void *obj;

	sim_check_not_in_hook("libxl_osevent_occurred_timeout");
	if ((r = reg_lookup(for_libxl)) == NULL) {
		if (real == NULL)
			real = SIM_REAL(libxl_osevent_occurred_timeout);
		real_timers--;
		real(ctx, for_libxl);
		return;
	}
	if (!r->is_timer || r->state == REG_FREE)
		return;
	/* An operation's timer after libxl_ctx_free is a use-after-free with
	 * real libxl.  The guest timer is the simulator's own (libxl watches
	 * xenstore instead): libxl_ctx_free cancels it, so it may come late. */
	if (sim_app.freed && r->kind != SIM_REG_GUEST_TIMER)
		sim_fatal("libxl_osevent_occurred_timeout after libxl_ctx_free "
		    "(a use-after-free with real libxl: deliver every timer "
		    "before libxl_ctx_free)");
	/* On entry the timeout counts as deregistered (libxl_event.h:393). */
	live = r->state == REG_LIVE && !sim_app.freed;
	fired = r->fired;
	obj = r->obj;
	reg_release(r);
	sim_timers--;
	if (!live)
		return;
	sim_sync();
	SIM_ENTER();
	fired(obj);
	SIM_LEAVE();
}
