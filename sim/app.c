/* The application, as the simulator sees it: what it gave libxl (its
 * hooks, recorded by hooks.c), and the egc that hands it what the
 * simulator completed.  Completions and events are queued while a libxl
 * entry point runs and delivered when the outermost simulated entry
 * point returns, as libxl__egc_cleanup does: events, then progress
 * reports, then ao completions. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "sim/sim.h"

struct sim_app sim_app;

static struct sim_egc *egc_current;

bool sim_have_hooks(void)
{
	return sim_app.hooks != NULL && !sim_app.freed;
}

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
