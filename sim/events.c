/* Domain death events.  Real libxl watches @releaseDomain in xenstore and,
 * when the watch fires, compares every enabled evgen with the hypervisor's
 * domain list (libxl_domain.c:882-975): DOMAIN_SHUTDOWN once per evgen,
 * DOMAIN_DEATH when the domain is dying or gone.  Here a pipe plays the
 * xenstore watch: it is registered through the application's fd hook while
 * an evgen waits for a death, a byte is written on every relevant state
 * change, and the scan runs inside libxl_osevent_occurred_fd.
 *
 * A guest asked to shut down acts shutdown_ms later.  While anybody
 * watches, a timer registered through the application's hook makes that
 * happen on time; otherwise it happens lazily, when the domain is next
 * looked at. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <unistd.h>

#include "sim/sim.h"

struct watcher {
	struct watcher *next, *prev;
	uint32_t domid;
	libxl_ev_user user;
	bool shutdown_reported;
	bool death_reported;
};

static struct watcher *watchers;
static void events_kick(void);
static void events_arm(void);
static void events_ready(void *obj, short revents);
static void guest_timer_fired(void *obj);
/* The state tells of domain changes through this, once anybody watches. */
static struct sim_domain_watch domain_watch = {
	.changed = events_kick,
	.pending = events_arm,
};
static int event_pipe[2] = { -1, -1 };
static struct sim_reg *pipe_reg;
static struct sim_reg *guest_timer;
static int64_t guest_timer_at;

int sim_events_watchers(void)
{
	int n = 0;

	for (struct watcher *w = watchers; w != NULL; w = w->next)
		n++;
	return n;
}

static bool anybody_waits_for_death(void)
{
	for (struct watcher *w = watchers; w != NULL; w = w->next)
		if (!w->death_reported)
			return true;
	return false;
}

static void close_event_pipe(void)
{
	if (pipe_reg != NULL)
		sim_fd_deregister(pipe_reg);
	pipe_reg = NULL;
	for (int i = 0; i < 2; i++) {
		if (event_pipe[i] >= 0)
			close(event_pipe[i]);
		event_pipe[i] = -1;
	}
}

static int open_event_pipe(void)
{
	int rc;

	if (pipe_reg != NULL || !sim_have_hooks())
		return 0;
	if (pipe2(event_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		return ERROR_FAIL;
	rc = sim_fd_register(&pipe_reg, SIM_REG_EVENTS, event_pipe[0], POLLIN,
	    events_ready, NULL);
	if (rc != 0) {
		pipe_reg = NULL;
		close_event_pipe();
	}
	return rc;
}

static void events_kick(void)
{
	if (event_pipe[1] >= 0 && write(event_pipe[1], "!", 1) < 0 &&
	    errno != EAGAIN)
		sim_trace("event pipe: %m");
}

static libxl_event *new_event(libxl_event_type type, const struct watcher *w)
{
	libxl_event *ev = calloc(1, sizeof *ev);

	libxl_event_init(ev);
	libxl_event_init_type(ev, type);
	ev->domid = w->domid;
	ev->for_user = w->user;
	return ev;
}

static void events_ready(void *obj, short revents)
{
	char buf[256];

	while (read(event_pipe[0], buf, sizeof buf) > 0)
		;
	for (struct watcher *w = watchers; w != NULL; w = w->next) {
		struct sim_domain *d;
		libxl_event *ev;

		if (w->death_reported)
			continue;
		d = sim_domain_find(w->domid);
		if (d == NULL || d->dying) {
			w->death_reported = true;
			sim_egc_event(sim_app.ctx,
			    new_event(LIBXL_EVENT_TYPE_DOMAIN_DEATH, w));
		} else if (d->shutdown && !w->shutdown_reported) {
			w->shutdown_reported = true;
			ev = new_event(LIBXL_EVENT_TYPE_DOMAIN_SHUTDOWN, w);
			ev->u.domain_shutdown.shutdown_reason =
			    (uint8_t)d->shutdown_reason;
			sim_egc_event(sim_app.ctx, ev);
		}
	}
	if (!anybody_waits_for_death())
		close_event_pipe();
}

int libxl_evenable_domain_death(libxl_ctx *ctx, uint32_t domid,
    libxl_ev_user user, libxl_evgen_domain_death **evgen_out)
{
	struct watcher *w = calloc(1, sizeof *w);
	int rc;

	if (w == NULL)
		return ERROR_NOMEM;
	/* a domain another process built is known before the scan */
	sim_sync();
	w->domid = domid;
	w->user = user;
	if ((rc = open_event_pipe()) != 0) {
		free(w);
		return rc;
	}
	sim_domain_watch(&domain_watch);
	w->next = watchers;
	if (watchers != NULL)
		watchers->prev = w;
	watchers = w;
	/* The first xenstore watch fires at once; report domains that are
	 * already shut down or gone without waiting for a change. */
	events_kick();
	events_arm();
	*evgen_out = (libxl_evgen_domain_death *)w;
	return 0;
}

void libxl_evdisable_domain_death(libxl_ctx *ctx, libxl_evgen_domain_death *evg)
{
	struct watcher *w = (struct watcher *)evg;

	if (w->prev != NULL)
		w->prev->next = w->next;
	else
		watchers = w->next;
	if (w->next != NULL)
		w->next->prev = w->prev;
	free(w);
	if (!anybody_waits_for_death())
		close_event_pipe();
	if (watchers == NULL && guest_timer != NULL) {
		sim_timer_cancel(guest_timer);
		guest_timer = NULL;
	}
}

/* Keeps one timer for the earliest guest action of a running guest. */
static void events_arm(void)
{
	int64_t earliest = INT64_MAX, now;

	if (!sim_have_hooks() || !sim_is_owner() || watchers == NULL ||
	    !sim_host.maybe_pending)
		return;
	sim_host.maybe_pending = false;
	for (struct sim_domain *d = sim_domain_first(); d != NULL;
	    d = d->hh.next) {
		if (d->pending_reason < 0)
			continue;
		sim_host.maybe_pending = true;
		if (sim_domain_running(d) && d->pending_at_ms < earliest)
			earliest = d->pending_at_ms;
	}
	if (earliest == INT64_MAX)
		return;
	if (guest_timer != NULL) {
		if (guest_timer_at <= earliest)
			return;
		sim_timer_cancel(guest_timer);
		guest_timer = NULL;
	}
	now = sim_now_ms();
	if (sim_timer_register(&guest_timer, SIM_REG_GUEST_TIMER,
	    earliest > now ? earliest - now : 0, guest_timer_fired, NULL) != 0)
		guest_timer = NULL;
	else
		guest_timer_at = earliest;
}

static void guest_timer_fired(void *obj)
{
	int64_t now = sim_now_ms();

	guest_timer = NULL;
	for (struct sim_domain *d = sim_domain_first();
	    sim_host.maybe_pending && d != NULL; d = d->hh.next)
		if (d->pending_reason >= 0)
			sim_domain_refresh(d, now);
	events_arm();
}

void sim_events_ctx_free(void)
{
	while (watchers != NULL) {
		struct watcher *w = watchers;

		watchers = w->next;
		free(w);
	}
	close_event_pipe();
	if (guest_timer != NULL)
		sim_timer_cancel(guest_timer);
	guest_timer = NULL;
}
