#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <bsd/sys/queue.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <event2/event.h>

#include "daemon/daemon.h"
#include "daemon/log.h"
#include "daemon/priority.h"
#include "daemon/loop.h"
#include "proto/mem.h"

struct loop_fd {
	struct event *event;
	void *for_libxl;
	short events;			/* poll(2) bits libxl asked for */
	LIST_ENTRY(loop_fd) entry;
};

struct loop_timer {
	struct event *event;
	void *for_libxl;
	LIST_ENTRY(loop_timer) entry;
};

struct loop_child {
	pid_t pid;
	loop_child_fn *fn;
	void *arg;
	LIST_ENTRY(loop_child) entry;
};

static LIST_HEAD(, loop_fd) loop_fds = LIST_HEAD_INITIALIZER(loop_fds);
static LIST_HEAD(, loop_timer) loop_timers = LIST_HEAD_INITIALIZER(loop_timers);
static LIST_HEAD(, loop_child) loop_children = LIST_HEAD_INITIALIZER(loop_children);
static unsigned loop_fd_total, loop_timer_total, loop_child_total;
static struct event *loop_sigchld_event;

static short loop_poll_to_libevent(short events)
{
	short flags = EV_PERSIST;

	/* libevent has no POLLPRI; libxl re-polls the fd itself (since 4.6),
	 * so reporting readability is enough. */
	if (events & (POLLIN | POLLPRI))
		flags |= EV_READ;
	if (events & POLLOUT)
		flags |= EV_WRITE;
	return flags;
}

static void loop_fd_ready(evutil_socket_t fd, short what, void *arg)
{
	struct loop_fd *reg = arg;
	short revents = 0;

	if (what & EV_READ)
		revents |= POLLIN;
	if (what & EV_WRITE)
		revents |= POLLOUT;
	/* reg may be freed by fd_deregister inside this call */
	libxl_osevent_occurred_fd(daemon_ctx, reg->for_libxl, fd, reg->events,
	    revents);
}

static int loop_fd_register(void *user, int fd, void **for_app_out,
    short events, void *for_libxl)
{
	struct loop_fd *reg = calloc(1, sizeof *reg);

	if (reg == NULL)
		return ERROR_OSEVENT_REG_FAIL;
	reg->for_libxl = for_libxl;
	reg->events = events;
	reg->event = event_new(daemon_base, fd, loop_poll_to_libevent(events),
	    loop_fd_ready, reg);
	if (reg->event == NULL) {
		free(reg);
		return ERROR_OSEVENT_REG_FAIL;
	}
	/* events == 0 must register without ever firing */
	if ((events & (POLLIN | POLLPRI | POLLOUT)) &&
	    event_add(reg->event, NULL) < 0) {
		log_error("cannot watch fd %d for libxl", fd);
		event_free(reg->event);
		free(reg);
		return ERROR_OSEVENT_REG_FAIL;
	}
	LIST_INSERT_HEAD(&loop_fds, reg, entry);
	loop_fd_total++;
	*for_app_out = reg;
	return 0;
}

static int loop_fd_modify(void *user, int fd, void **for_app_update,
    short events)
{
	struct loop_fd *reg = *for_app_update;

	/* event_assign is only legal on an event that is not pending */
	event_del(reg->event);
	if (event_assign(reg->event, daemon_base, fd,
	    loop_poll_to_libevent(events), loop_fd_ready, reg) < 0)
		return ERROR_OSEVENT_REG_FAIL;
	reg->events = events;
	if ((events & (POLLIN | POLLPRI | POLLOUT)) &&
	    event_add(reg->event, NULL) < 0)
		return ERROR_OSEVENT_REG_FAIL;
	return 0;
}

static void loop_fd_deregister(void *user, int fd, void *for_app)
{
	struct loop_fd *reg = for_app;

	LIST_REMOVE(reg, entry);
	loop_fd_total--;
	event_free(reg->event);
	free(reg);
}

static void loop_timer_free(struct loop_timer *timer)
{
	LIST_REMOVE(timer, entry);
	loop_timer_total--;
	event_free(timer->event);
	free(timer);
}

static void loop_timer_fired(evutil_socket_t fd, short what, void *arg)
{
	struct loop_timer *timer = arg;
	void *for_libxl = timer->for_libxl;

	/* On entry to occurred_timeout the timer counts as deregistered
	 * (libxl_event.h:393-397), so ours goes first. */
	loop_timer_free(timer);
	libxl_osevent_occurred_timeout(daemon_ctx, for_libxl);
}

static int loop_timer_register(void *user, void **for_app_out,
    struct timeval abs, void *for_libxl)
{
	struct loop_timer *timer = calloc(1, sizeof *timer);
	struct timeval now, rel = { 0, 0 };

	if (timer == NULL)
		return ERROR_OSEVENT_REG_FAIL;
	timer->for_libxl = for_libxl;
	timer->event = evtimer_new(daemon_base, loop_timer_fired, timer);
	if (timer->event == NULL) {
		free(timer);
		return ERROR_OSEVENT_REG_FAIL;
	}
	/* libxl's deadline is gettimeofday() time, not the loop's cached
	 * monotonic clock. */
	gettimeofday(&now, NULL);
	if (timercmp(&abs, &now, >))
		timersub(&abs, &now, &rel);
	if (evtimer_add(timer->event, &rel) < 0) {
		event_free(timer->event);
		free(timer);
		return ERROR_OSEVENT_REG_FAIL;
	}
	LIST_INSERT_HEAD(&loop_timers, timer, entry);
	loop_timer_total++;
	*for_app_out = timer;
	return 0;
}

static int loop_timer_modify(void *user, void **for_app_update,
    struct timeval abs)
{
	struct loop_timer *timer = *for_app_update;

	/* libxl only ever asks for "now" ({0,0}), and calling back into
	 * occurred_timeout from a hook is forbidden: let the loop fire it. */
	event_active(timer->event, EV_TIMEOUT, 0);
	return 0;
}

static void loop_timer_deregister(void *user, void *for_app)
{
	/* documented as never called (libxl_event.h:352-353) */
	log_warning("libxl deregistered a timer, which it never should");
	loop_timer_free(for_app);
}

/* libxl keeps a pointer to the hooks for the ctx's whole life */
static const libxl_osevent_hooks loop_libxl_hooks = {
	.fd_register = loop_fd_register,
	.fd_modify = loop_fd_modify,
	.fd_deregister = loop_fd_deregister,
	.timeout_register = loop_timer_register,
	.timeout_modify = loop_timer_modify,
	.timeout_deregister = loop_timer_deregister,
};

static const libxl_childproc_hooks loop_childproc_hooks = {
	.chldowner = libxl_sigchld_owner_mainloop,
	.fork_replacement = priority_fork_libxl_child,
};

static void loop_sigchld(evutil_socket_t sig, short what, void *arg)
{
	struct loop_child *child, *next;

	/* libxl waits for its own children only ... */
	libxl_childproc_sigchld_occurred(daemon_ctx);
	/* ... and so do we */
	LIST_FOREACH_SAFE(child, &loop_children, entry, next) {
		int status;
		pid_t pid = waitpid(child->pid, &status, WNOHANG);

		if (pid != child->pid)
			continue;
		LIST_REMOVE(child, entry);
		loop_child_total--;
		child->fn(pid, status, child->arg);
		free(child);
	}
}

int loop_libxl_attach(void)
{
	libxl_osevent_register_hooks(daemon_ctx, &loop_libxl_hooks, NULL);
	libxl_childproc_setmode(daemon_ctx, &loop_childproc_hooks, NULL);
	loop_sigchld_event = evsignal_new(daemon_base, SIGCHLD, loop_sigchld,
	    NULL);
	if (loop_sigchld_event == NULL ||
	    event_add(loop_sigchld_event, NULL) < 0) {
		log_critical("cannot watch SIGCHLD");
		return -1;
	}
	return 0;
}

void loop_libxl_flush_timers(void)
{
	struct loop_timer *timer;

	while ((timer = LIST_FIRST(&loop_timers)) != NULL) {
		void *for_libxl = timer->for_libxl;

		loop_timer_free(timer);
		libxl_osevent_occurred_timeout(daemon_ctx, for_libxl);
	}
}

void loop_libxl_detach(void)
{
	struct loop_fd *reg;

	if (loop_sigchld_event != NULL)
		event_free(loop_sigchld_event);
	loop_sigchld_event = NULL;
	/* libxl_ctx_free deregistered its fds; anything left is a leak we
	 * report rather than hide */
	while ((reg = LIST_FIRST(&loop_fds)) != NULL) {
		log_warning("libxl left fd %d registered",
		    (int)event_get_fd(reg->event));
		LIST_REMOVE(reg, entry);
		loop_fd_total--;
		event_free(reg->event);
		free(reg);
	}
}

unsigned loop_libxl_fd_count(void)
{
	return loop_fd_total;
}

unsigned loop_libxl_timer_count(void)
{
	return loop_timer_total;
}

void loop_child_watch(pid_t pid, loop_child_fn *fn, void *arg)
{
	struct loop_child *child = xcalloc(1, sizeof *child);
	child->pid = pid;
	child->fn = fn;
	child->arg = arg;
	LIST_INSERT_HEAD(&loop_children, child, entry);
	loop_child_total++;
}

void loop_child_forget(pid_t pid)
{
	struct loop_child *child;

	LIST_FOREACH(child, &loop_children, entry) {
		if (child->pid == pid) {
			LIST_REMOVE(child, entry);
			loop_child_total--;
			free(child);
			return;
		}
	}
}

unsigned loop_child_count(void)
{
	return loop_child_total;
}
