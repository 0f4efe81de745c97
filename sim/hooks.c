/* The ctx's life, as libxl sees it: the application registers its hooks
 * (the process becomes the host's owner and serves the control socket),
 * sets its child process mode, tells of SIGCHLD and reaped children (the
 * ops' children), and frees the ctx.  The top of the simulator: it starts
 * and stops what lies below, and nothing calls it back.  The fds and
 * timers registered through the hooks are osevent.c's; the egc is app.c's. */
#include "config.h"

#include "sim/sim.h"

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
	real(ctx, &sim_real_libxl_hooks, NULL);
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

int libxl_ctx_free(libxl_ctx *ctx)
{
	static __typeof__(&libxl_ctx_free) real;
	bool ours = ctx != NULL && ctx == sim_app.ctx && !sim_app.freed;
	int rc;

	if (real == NULL)
		real = SIM_REAL(libxl_ctx_free);
	if (ours) {
		sim_check_not_in_hook("libxl_ctx_free");
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
