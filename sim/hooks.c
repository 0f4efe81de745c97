/* The application's osevent hooks, as libxl sees them.
 *
 * - The simulator registers its own fds and timers through the
 *   application's hooks; the tokens it hands out (for_libxl) are its own
 *   registration records, recognised when the application calls
 *   libxl_osevent_occurred_*.  Records are pooled and never freed while the
 *   process lives, like libxl's nexi, so a stale token is harmless.
 * - Real libxl gets wrapper hooks that forward to the application's and
 *   count live registrations (sim-info reports them).  Unknown tokens go to
 *   the real libxl_osevent_occurred_*.
 * - Completions and events are queued on an egc and delivered when the
 *   outermost simulated entry point returns, as libxl__egc_cleanup does:
 *   events, then progress reports, then ao completions. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
	void *obj;
	void *for_app;
};

struct sim_app sim_app;

static struct sim_reg *regs;		/* every record, by address */
static struct sim_reg *free_regs;
static int in_hook;
static int sim_fds, sim_timers;		/* counted simulator registrations */
static int real_fds, real_timers;	/* real libxl's registrations */
static struct sim_egc *egc_current;

bool sim_have_hooks(void)
{
	return sim_app.hooks != NULL && !sim_app.freed;
}

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
    short events, void *obj)
{
	struct sim_reg *r = reg_alloc(kind, false, obj);
	int rc;

	r->fd = fd;
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
    int64_t delay_ms, void *obj)
{
	struct sim_reg *r = reg_alloc(kind, true, obj);
	struct timeval now, rel, abs;
	int rc;

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

static const libxl_osevent_hooks wrap_hooks = {
	.fd_register = wrap_fd_register,
	.fd_modify = wrap_fd_modify,
	.fd_deregister = wrap_fd_deregister,
	.timeout_register = wrap_timeout_register,
	.timeout_modify = wrap_timeout_modify,
	.timeout_deregister = wrap_timeout_deregister,
};

/* ---- exported entry points ---- */

void libxl_osevent_register_hooks(libxl_ctx *ctx,
    const libxl_osevent_hooks *hooks, void *user)
{
	static __typeof__(&libxl_osevent_register_hooks) real;

	if (real == NULL)
		real = SIM_REAL(libxl_osevent_register_hooks);
	if (sim_have_hooks() && sim_app.ctx != ctx)
		sim_fatal("a second libxl_ctx registered osevent hooks; the "
		    "simulator drives one ctx per process");
	sim_app.ctx = ctx;
	sim_app.hooks = hooks;
	sim_app.hooks_user = user;
	sim_app.freed = false;
	real(ctx, &wrap_hooks, NULL);
	sim_state_become_owner();
	if (sim_is_owner())
		sim_control_start();
}

void libxl_event_register_callbacks(libxl_ctx *ctx,
    const libxl_event_hooks *hooks, void *user)
{
	static __typeof__(&libxl_event_register_callbacks) real;

	if (real == NULL)
		real = SIM_REAL(libxl_event_register_callbacks);
	sim_app.ev_hooks = hooks;
	sim_app.ev_user = user;
	real(ctx, hooks, user);
}

static void check_not_in_hook(const char *fn)
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

	check_not_in_hook("libxl_osevent_occurred_fd");
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
	switch (r->kind) {
	case SIM_REG_CONTROL_LISTEN:
		sim_control_listen_ready(r->obj);
		break;
	case SIM_REG_CONTROL_CONN:
		sim_control_conn_ready(r->obj, revents);
		break;
	case SIM_REG_EVENTS:
		sim_events_ready();
		break;
	case SIM_REG_OP_PIPE:
		sim_op_pipe_ready(r->obj);
		break;
	default:
		break;
	}
	SIM_LEAVE();
}

void libxl_osevent_occurred_timeout(libxl_ctx *ctx, void *for_libxl)
{
	static __typeof__(&libxl_osevent_occurred_timeout) real;
	struct sim_reg *r;
	enum sim_reg_kind kind;
	bool live;
	void *obj;

	check_not_in_hook("libxl_osevent_occurred_timeout");
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
	kind = r->kind;
	obj = r->obj;
	reg_release(r);
	sim_timers--;
	if (!live)
		return;
	sim_sync();
	SIM_ENTER();
	if (kind == SIM_REG_OP_TIMER)
		sim_op_timer_fired(obj);
	else if (kind == SIM_REG_GUEST_TIMER)
		sim_events_guest_timer();
	SIM_LEAVE();
}

int libxl_ctx_free(libxl_ctx *ctx)
{
	static __typeof__(&libxl_ctx_free) real;
	bool ours = ctx != NULL && ctx == sim_app.ctx && !sim_app.freed;
	int rc;

	if (real == NULL)
		real = SIM_REAL(libxl_ctx_free);
	if (ours) {
		check_not_in_hook("libxl_ctx_free");
		if (sim_ops != NULL)
			sim_fatal("libxl_ctx_free with %d operation(s) in "
			    "progress (first: %s of domain %u); libxl asserts "
			    "that aos_inprogress is empty (libxl.c:168)",
			    sim_ops_count(), sim_ops->what, sim_ops->domid);
		sim_events_ctx_free();
		sim_control_stop();
	}
	rc = real(ctx);
	if (ours) {
		sim_app.freed = true;
		sim_app.hooks = NULL;
		sim_app.ev_hooks = NULL;
		sim_app.child_hooks = NULL;
	}
	return rc;
}

/* Like libxl, the simulator forks its helpers (the save/restore stream
 * children) through the application's fork_replacement when it gives one. */
void libxl_childproc_setmode(libxl_ctx *ctx, const libxl_childproc_hooks *hooks,
    void *user)
{
	static __typeof__(&libxl_childproc_setmode) real;

	if (real == NULL)
		real = SIM_REAL(libxl_childproc_setmode);
	sim_app.child_hooks = hooks;
	sim_app.child_user = user;
	real(ctx, hooks, user);
}

void libxl_childproc_sigchld_occurred(libxl_ctx *ctx)
{
	static __typeof__(&libxl_childproc_sigchld_occurred) real;

	if (real == NULL)
		real = SIM_REAL(libxl_childproc_sigchld_occurred);
	sim_sync();
	{
		SIM_ENTER();
		sim_ops_reap();
		SIM_LEAVE();
	}
	real(ctx);
}

int libxl_childproc_reaped(libxl_ctx *ctx, pid_t pid, int status)
{
	static __typeof__(&libxl_childproc_reaped) real;
	bool ours;

	sim_sync();
	{
		SIM_ENTER();
		ours = sim_ops_reaped(pid, status);
		SIM_LEAVE();
	}
	if (ours)
		return 0;
	if (real == NULL)
		real = SIM_REAL(libxl_childproc_reaped);
	return real(ctx, pid, status);
}

/* ---- the egc ---- */

enum deferred_kind { DEFER_AO, DEFER_EVENT, DEFER_PROGRESS };

struct sim_deferred {
	struct sim_deferred *next;
	enum deferred_kind kind;
	libxl_ctx *ctx;
	libxl_asyncop_how how;
	libxl_asyncprogress_how progress;
	uint32_t domid;
	int rc;
	libxl_event *ev;
};

void sim_egc_enter(struct sim_egc *egc)
{
	for (int i = 0; i < SIM_EGC_QUEUES; i++) {
		egc->head[i] = NULL;
		egc->tail[i] = &egc->head[i];
	}
	egc->outer = egc_current;
	egc_current = egc;
}

static void deliver_event(libxl_ctx *ctx, libxl_event *ev)
{
	const libxl_event_hooks *h = sim_app.ev_hooks;

	if (h != NULL && h->event_occurs != NULL &&
	    (h->event_occurs_mask & (1ULL << ev->type)) != 0) {
		h->event_occurs(sim_app.ev_user, ev);
		return;
	}
	/* libxl would queue it for libxl_event_check, which the simulator
	 * does not provide. */
	fprintf(stderr, "libxenlight-sim: dropping %s event for domain %u: "
	    "no event_occurs hook for it\n",
	    libxl_event_type_to_string(ev->type), ev->domid);
	libxl_event_free(ctx, ev);
}

static void deliver(struct sim_deferred *d)
{
	libxl_event *ev;

	switch (d->kind) {
	case DEFER_EVENT:
		deliver_event(d->ctx, d->ev);
		break;
	case DEFER_PROGRESS:
		if (d->progress.callback != NULL)
			d->progress.callback(d->ctx, d->ev,
			    d->progress.for_callback);
		else
			deliver_event(d->ctx, d->ev);
		break;
	case DEFER_AO:
		if (d->how.callback != NULL) {
			d->how.callback(d->ctx, d->rc, d->how.u.for_callback);
			break;
		}
		ev = calloc(1, sizeof *ev);
		libxl_event_init(ev);
		libxl_event_init_type(ev, LIBXL_EVENT_TYPE_OPERATION_COMPLETE);
		ev->domid = d->domid;
		ev->for_user = d->how.u.for_event;
		ev->u.operation_complete.rc = d->rc;
		deliver_event(d->ctx, ev);
		break;
	}
}

void sim_egc_leave(struct sim_egc *egc)
{
	egc_current = egc->outer;
	for (int i = 0; i < SIM_EGC_QUEUES; i++) {
		struct sim_deferred *d;

		while ((d = egc->head[i]) != NULL) {
			egc->head[i] = d->next;
			deliver(d);
			free(d);
		}
	}
}

static void enqueue(int queue, struct sim_deferred *d)
{
	if (egc_current == NULL)
		sim_fatal("internal: completion outside a libxl entry point");
	*egc_current->tail[queue] = d;
	egc_current->tail[queue] = &d->next;
}

void sim_egc_ao_done(libxl_ctx *ctx, const libxl_asyncop_how *how,
    uint32_t domid, int rc)
{
	struct sim_deferred *d = calloc(1, sizeof *d);

	d->kind = DEFER_AO;
	d->ctx = ctx;
	d->how = *how;
	d->domid = domid;
	d->rc = rc;
	enqueue(SIM_EGC_AOS, d);
}

void sim_egc_event(libxl_ctx *ctx, libxl_event *ev)
{
	struct sim_deferred *d = calloc(1, sizeof *d);

	d->kind = DEFER_EVENT;
	d->ctx = ctx;
	d->ev = ev;
	enqueue(SIM_EGC_EVENTS, d);
}

void sim_egc_progress(libxl_ctx *ctx, const libxl_asyncprogress_how *how,
    libxl_event *ev)
{
	struct sim_deferred *d = calloc(1, sizeof *d);

	d->kind = DEFER_PROGRESS;
	d->ctx = ctx;
	d->progress = *how;
	d->ev = ev;
	enqueue(SIM_EGC_PROGRESS, d);
}
