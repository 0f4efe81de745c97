/* Simulated asynchronous operations ("aos").
 *
 * An op waits for at most three things: a timer (registered through the
 * application's timeout hook), a child process (reaped from
 * libxl_childproc_sigchld_occurred) with an optional message pipe
 * (registered through the fd hook), or nothing ever (a "hang" fault).
 * Whatever wakes it runs inside a libxl entry point, so its completion is
 * delivered at the end of that entry point: the application's
 * libxl_osevent_occurred_*, libxl_childproc_sigchld_occurred,
 * libxl_ao_abort, or the initiating call itself.
 *
 * With ao_how == NULL (or no hooks registered) the initiator drives the op
 * itself, sleeping and waiting for its child, and returns its result. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim/sim.h"

struct sim_op *sim_ops;

static void ops_domain_gone(uint32_t domid);

/* A domain that goes while an op works on it ends the op's child. */
static struct sim_domain_watch domain_watch = {
	.gone = ops_domain_gone,
};

struct sim_op *sim_op_new(libxl_ctx *ctx, const char *what, uint32_t domid,
    const libxl_asyncop_how *how)
{
	struct sim_op *op = calloc(1, sizeof *op);

	sim_domain_watch(&domain_watch);
	op->ctx = ctx;
	op->what = what;
	op->domid = domid;
	if (how != NULL) {
		op->how = *how;
		op->notify = true;
	}
	op->async = how != NULL && sim_have_hooks();
	op->pipe_fd = op->go_fd = op->fd = -1;
	op->result_domid = INVALID_DOMID;
	return op;
}

int sim_ops_count(void)
{
	int n = 0;

	for (struct sim_op *op = sim_ops; op != NULL; op = op->next)
		n++;
	return n;
}

static void op_unlink(struct sim_op *op)
{
	for (struct sim_op **pp = &sim_ops; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == op) {
			*pp = op->next;
			return;
		}
	}
}

static void op_free(struct sim_op *op)
{
	if (op->free_data != NULL)
		op->free_data(op->data);
	free(op->stream_info);
	free(op->text);
	free(op);
}

static void close_pipe(struct sim_op *op)
{
	if (op->pipe_reg != NULL) {
		sim_fd_deregister(op->pipe_reg);
		op->pipe_reg = NULL;
	}
	if (op->pipe_fd >= 0)
		close(op->pipe_fd);
	op->pipe_fd = -1;
}

void sim_op_complete(struct sim_op *op, int rc)
{
	libxl_event *ev;

	if (op->done)
		return;
	if (op->pid > 0)
		sim_fatal("internal: %s completed with its child running",
		    op->what);
	op->done = true;
	op->rc = rc;
	if (op->timer != NULL)
		sim_timer_cancel(op->timer);
	op->timer = NULL;
	op->timer_pending = false;
	close_pipe(op);
	if (op->go_fd >= 0)
		close(op->go_fd);
	op->go_fd = -1;
	if (op->fd_flags_saved)
		fcntl(op->fd, F_SETFL, op->fd_flags);
	op_unlink(op);
	sim_trace("%s of domain %u completes: %d", op->what, op->domid, rc);
	if (op->domid_out != NULL)
		*op->domid_out = op->result_domid;
	if (op->has_console && rc == 0) {
		ev = calloc(1, sizeof *ev);
		libxl_event_init(ev);
		libxl_event_init_type(ev,
		    LIBXL_EVENT_TYPE_DOMAIN_CREATE_CONSOLE_AVAILABLE);
		ev->domid = op->result_domid;
		ev->for_user = op->console_how.for_event;
		sim_egc_progress(op->ctx, &op->console_how, ev);
	}
	if (op->notify)
		sim_egc_ao_done(op->ctx, &op->how, op->domid, rc);
	if (op->async)
		op_free(op);
}

static void op_timer_fired(void *obj)
{
	struct sim_op *op = obj;

	op->timer = NULL;
	op->timer_pending = false;
	op->on_timer(op);
}

void sim_op_wait_ms(struct sim_op *op, int64_t ms, sim_op_fn *on_timer)
{
	int rc;

	op->on_timer = on_timer;
	op->timer_pending = true;
	if (!op->async) {
		clock_gettime(CLOCK_MONOTONIC, &op->deadline);
		op->deadline.tv_sec += ms / 1000;
		op->deadline.tv_nsec += (ms % 1000) * 1000000;
		if (op->deadline.tv_nsec >= 1000000000) {
			op->deadline.tv_sec++;
			op->deadline.tv_nsec -= 1000000000;
		}
		return;
	}
	rc = sim_timer_register(&op->timer, SIM_REG_OP_TIMER, ms,
	    op_timer_fired, op);
	if (rc != 0) {
		op->timer_pending = false;
		sim_op_complete(op, rc);
	}
}

void sim_op_wait_forever(struct sim_op *op)
{
	op->forever = true;
	op->abortable = true;
}

bool sim_want_inline(void)
{
	static int seeded = -1;
	static unsigned state;
	const char *seed;

	if (sim_host.settings.inline_ops)
		return true;
	if (seeded < 0) {
		seed = getenv("LIBXLSIM_INLINE_SEED");
		seeded = seed != NULL && seed[0] != '\0';
		if (seeded)
			state = (unsigned)strtoul(seed, NULL, 0);
	}
	return seeded && (rand_r(&state) & 1) != 0;
}

/* A quick op finishes inside the initiator (inline_ops, or the seeded
 * random choice), or from the application's next timer callback. */
void sim_op_quick(struct sim_op *op, sim_op_fn *finish)
{
	if (!op->async || sim_want_inline())
		finish(op);
	else
		sim_op_wait_ms(op, SIM_QUICK_MS, finish);
}

static void op_pipe_ready(void *obj, short revents);

void sim_op_watch_child(struct sim_op *op, pid_t pid, int pipe_fd, int go_fd)
{
	op->pid = pid;
	op->child_pid = pid;
	op->pipe_fd = pipe_fd;
	op->go_fd = go_fd;
	if (op->async && pipe_fd >= 0 &&
	    sim_fd_register(&op->pipe_reg, SIM_REG_OP_PIPE, pipe_fd, POLLIN,
	    op_pipe_ready, op) != 0)
		op->pipe_reg = NULL;	/* read it when the child is reaped */
}

/* Reads what the child sent; hands complete messages to on_message.  At
 * end of file the pipe is closed; the op ends when the child is reaped. */
static void read_pipe(struct sim_op *op)
{
	for (;;) {
		ssize_t n;
		size_t size;

		if (op->msg_len == sizeof op->msg)
			op->msg_len = 0;	/* garbage: drop it */
		n = read(op->pipe_fd, op->msg + op->msg_len,
		    sizeof op->msg - op->msg_len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return;		/* EAGAIN: spurious wakeup */
		if (n == 0) {
			close_pipe(op);
			return;
		}
		op->msg_len += (size_t)n;
		while ((size = sim_msg_size(op->msg, op->msg_len)) > 0 &&
		    size <= op->msg_len) {
			/* on_message never completes the op: child ops
			 * complete when the child is reaped. */
			if (op->on_message != NULL)
				op->on_message(op);
			if (op->pipe_fd < 0)
				return;
			memmove(op->msg, op->msg + size, op->msg_len - size);
			op->msg_len -= size;
		}
	}
}

static void op_pipe_ready(void *obj, short revents)
{
	struct sim_op *op = obj;

	if (op->pipe_fd >= 0)
		read_pipe(op);
}

static void child_exited(struct sim_op *op, int status)
{
	op->pid = 0;
	op->wstatus = status;
	if (op->pipe_fd >= 0)
		read_pipe(op);
	close_pipe(op);
	if (op->go_fd >= 0)
		close(op->go_fd);
	op->go_fd = -1;
	if (op->timer != NULL)
		sim_timer_cancel(op->timer);
	op->timer = NULL;
	op->timer_pending = false;
	op->on_child(op);
}

void sim_ops_reap(void)
{
	struct sim_op *op;

	/* First reap, then dispatch: a dispatch changes the list. */
	for (op = sim_ops; op != NULL; op = op->next)
		if (op->pid > 0 && op->async &&
		    waitpid(op->pid, &op->wstatus, WNOHANG) == op->pid)
			op->reaped = true;
again:
	for (op = sim_ops; op != NULL; op = op->next) {
		if (op->reaped) {
			op->reaped = false;
			child_exited(op, op->wstatus);
			goto again;
		}
	}
}

bool sim_ops_reaped(pid_t pid, int status)
{
	for (struct sim_op *op = sim_ops; op != NULL; op = op->next) {
		if (op->pid == pid && op->async) {
			child_exited(op, status);
			return true;
		}
	}
	return false;
}

static void ops_domain_gone(uint32_t domid)
{
	for (struct sim_op *op = sim_ops; op != NULL; op = op->next) {
		if (op->domid != domid || op->done)
			continue;
		op->domain_gone = true;
		if (op->kill_on_gone && op->pid > 0)
			kill(op->pid, SIGKILL);
	}
}

static int64_t ms_until(const struct timespec *deadline)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (deadline->tv_sec - now.tv_sec) * 1000 +
	    (deadline->tv_nsec - now.tv_nsec) / 1000000;
}

/* The synchronous form: block until done, like libxl's nested loop for
 * ao_how == NULL, but driving only this op. */
static int drive(struct sim_op *op)
{
	int rc, status;

	while (!op->done) {
		int64_t wait_ms = op->timer_pending ?
		    ms_until(&op->deadline) : -1;

		if (op->timer_pending && wait_ms <= 0) {
			op->timer_pending = false;
			op->on_timer(op);
		} else if (op->pipe_fd >= 0) {
			struct pollfd p = { .fd = op->pipe_fd, .events = POLLIN };

			if (poll(&p, 1, (int)wait_ms) > 0)
				read_pipe(op);
		} else if (op->pid > 0 && !op->timer_pending) {
			if (waitpid(op->pid, &status, 0) == op->pid)
				child_exited(op, status);
		} else if (op->timer_pending) {
			usleep(wait_ms > 100 ? 100000 :
			    (useconds_t)wait_ms * 1000);
		} else if (op->forever) {
			sleep(1);
		} else {
			sim_fatal("internal: %s of domain %u waits for nothing",
			    op->what, op->domid);
		}
	}
	rc = op->rc;
	op_free(op);
	return rc;
}

int sim_op_launch(struct sim_op *op, sim_op_fn *start)
{
	bool async = op->async, notify = op->notify;
	int rc;

	op->next = sim_ops;
	sim_ops = op;
	start(op);
	if (async)
		return 0;	/* op may be gone already: do not touch it */
	rc = drive(op);
	/* With an ao_how but no hooks, the completion was delivered inside
	 * this call, which is legal libxl behaviour. */
	return notify ? 0 : rc;
}

int libxl_ao_abort(libxl_ctx *ctx, const libxl_asyncop_how *how)
{
	static __typeof__(&libxl_ao_abort) real;
	struct sim_op *op;
	int rc = ERROR_NOTFOUND;

	sim_sync();
	SIM_ENTER();
	for (op = sim_ops; how != NULL && op != NULL; op = op->next) {
		if (!op->notify || op->how.callback != how->callback)
			continue;
		if (how->callback != NULL ?
		    op->how.u.for_callback != how->u.for_callback :
		    op->how.u.for_event != how->u.for_event)
			continue;
		if (op->aborting) {
			rc = ERROR_ABORTED;
			break;
		}
		rc = 0;
		op->aborting = true;
		sim_trace("abort %s of domain %u", op->what, op->domid);
		if (!op->abortable)
			break;		/* it will finish normally */
		if (op->timer != NULL)
			sim_timer_cancel(op->timer);
		op->timer = NULL;
		op->timer_pending = false;
		if (op->pid > 0) {
			/* Like libxl's abortable children: killed, and the op
			 * completes when the child is reaped. */
			kill(op->pid, SIGKILL);
			break;
		}
		if (op->on_abort != NULL)
			op->on_abort(op);
		else
			sim_op_complete(op, ERROR_ABORTED);
		break;
	}
	SIM_LEAVE();
	if (rc == ERROR_NOTFOUND && how != NULL) {
		if (real == NULL)
			real = SIM_REAL(libxl_ao_abort);
		return real(ctx, how);
	}
	return rc;
}

/* At the top of the ops that change a domain: picks up what other
 * processes changed first. */
int sim_require_owner(uint32_t domid, const char *what)
{
	sim_sync();
	if (sim_is_owner())
		return 0;
	sim_log(XTL_ERROR, 0, domid, "%s: this process does not own the "
	    "simulated host (it registered no osevent hooks, or another "
	    "process holds %s/lock)", what, sim_host.statedir);
	return ERROR_FAIL;
}

/* ---- children ---- */

pid_t sim_fork_child(int *fds, int nfds)
{
	pid_t parent = getpid(), pid;
	sigset_t none;
	int tmp[8];

	if (nfds > 8)
		return -1;
	if (sim_app.child_hooks != NULL &&
	    sim_app.child_hooks->fork_replacement != NULL)
		pid = sim_app.child_hooks->fork_replacement(sim_app.child_user);
	else
		pid = fork();
	if (pid != 0)
		return pid;
	/* Like libxl's helpers: die with the process that started us. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(127);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);	/* a closed socket is an EPIPE */
	for (int i = 0; i < nfds; i++)
		tmp[i] = fcntl(fds[i], F_DUPFD, 64);
	for (int i = 0; i < nfds; i++) {
		dup2(tmp[i], 3 + i);
		fds[i] = 3 + i;
	}
	closefrom(3 + nfds);
	return 0;
}

int sim_count_children(void)
{
	DIR *proc = opendir("/proc");
	struct dirent *de;
	pid_t self = getpid();
	int n = 0;

	if (proc == NULL)
		return -1;
	while ((de = readdir(proc)) != NULL) {
		char path[300], buf[512], *close_paren;
		int ppid;
		FILE *f;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof path, "/proc/%s/stat", de->d_name);
		if ((f = fopen(path, "re")) == NULL)
			continue;
		if (fgets(buf, sizeof buf, f) != NULL &&
		    (close_paren = strrchr(buf, ')')) != NULL &&
		    sscanf(close_paren + 1, " %*c %d", &ppid) == 1 &&
		    ppid == self)
			n++;
		fclose(f);
	}
	closedir(proc);
	return n;
}
