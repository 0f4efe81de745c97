/* Helper priorities: see priority.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <event2/event.h>

#include "daemon/daemon.h"
#include "daemon/fsutil.h"
#include "daemon/log.h"
#include "daemon/priority.h"
#include "proto/mem.h"

/* linux/ioprio.h, which glibc does not wrap */
#define IOPRIO_CLASS_SHIFT 13
#define IOPRIO_CLASS_BE 2
#define IOPRIO_CLASS_IDLE 3
#define IOPRIO_WHO_PROCESS 1
#define IOPRIO_NONE (-1)

/* The name the kernel gives libxl's save helper (comm: 15 characters of
 * libxl-save-helper).  The simulator names its stream children alike. */
#define SAVE_HELPER_COMM "libxl-save-help"

/* A child of libxl that has not exec'ed yet: looked at after 1, 2, 4 ...
 * 1024 ms, then given up (a child that never execs is not a helper). */
struct pending_child {
	pid_t pid;
	char comm_at_fork[16];
	int delay_ms;
	struct event *timer;
	struct pending_child *next;
};

static struct pending_child *pending;

bool priority_parse_ioprio(const char *text, int *out)
{
	if (strcmp(text, "none") == 0) {
		*out = IOPRIO_NONE;
		return true;
	}
	if (strcmp(text, "idle") == 0) {
		*out = IOPRIO_CLASS_IDLE << IOPRIO_CLASS_SHIFT;
		return true;
	}
	if (strncmp(text, "be/", 3) == 0 && text[3] >= '0' && text[3] <= '7' &&
	    text[4] == '\0') {
		*out = (IOPRIO_CLASS_BE << IOPRIO_CLASS_SHIFT) | (text[3] - '0');
		return true;
	}
	return false;
}

bool priority_parse_sched(const char *text, int *out)
{
	static const struct { const char *name; int policy; } policies[] = {
		{ "other", SCHED_OTHER },
		{ "batch", SCHED_BATCH },
		{ "idle", SCHED_IDLE },
	};

	for (size_t i = 0; i < sizeof policies / sizeof policies[0]; i++)
		if (strcmp(text, policies[i].name) == 0) {
			*out = policies[i].policy;
			return true;
		}
	return false;
}

/* false when the options leave the helpers as they are */
static bool priority_lowers(void)
{
	return options.helper_nice != 0 ||
	    options.helper_ioprio != IOPRIO_NONE ||
	    options.helper_sched != SCHED_OTHER;
}

int priority_lower(pid_t pid)
{
	struct sched_param param = { .sched_priority = 0 };
	int error = 0;

	/* the policy first: under SCHED_IDLE the nice value no longer
	 * counts, but it is kept for a later return to SCHED_OTHER */
	if (options.helper_sched != SCHED_OTHER &&
	    sched_setscheduler(pid, options.helper_sched, &param) < 0)
		error = errno;
	if (options.helper_nice != 0 &&
	    setpriority(PRIO_PROCESS, pid, options.helper_nice) < 0 &&
	    error == 0)
		error = errno;
	if (options.helper_ioprio != IOPRIO_NONE &&
	    syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, pid,
	    options.helper_ioprio) < 0 && error == 0)
		error = errno;
	if (error != 0 && error != ESRCH)
		log_warning("cannot lower the priority of helper %ld: %s",
		    (long)pid, strerror(error));
	return error;
}

/* comm of pid into buf (16 bytes); false if pid is gone */
static bool read_comm(pid_t pid, char buf[16])
{
	char path[64];

	snprintf(path, sizeof path, "/proc/%ld/comm", (long)pid);
	if (fsutil_read_small(path, buf, 16) <= 0)
		return false;
	buf[strcspn(buf, "\n")] = '\0';
	return true;
}

static void pending_free(struct pending_child *child)
{
	struct pending_child **p;

	for (p = &pending; *p != NULL; p = &(*p)->next)
		if (*p == child) {
			*p = child->next;
			break;
		}
	event_free(child->timer);
	free(child);
}

static void pending_arm(struct pending_child *child)
{
	struct timeval tv = {
		.tv_sec = child->delay_ms / 1000,
		.tv_usec = (child->delay_ms % 1000) * 1000,
	};

	evtimer_add(child->timer, &tv);
}

static void pending_look(evutil_socket_t fd, short what, void *arg)
{
	struct pending_child *child = arg;
	char comm[16];

	(void)fd;
	(void)what;
	if (!read_comm(child->pid, comm)) {
		pending_free(child);
		return;
	}
	if (strcmp(comm, child->comm_at_fork) != 0) {
		if (strcmp(comm, SAVE_HELPER_COMM) == 0 &&
		    priority_lower(child->pid) == 0)
			log_debug("save helper %ld: nice %d, ioprio %#x",
			    (long)child->pid, options.helper_nice,
			    options.helper_ioprio);
		pending_free(child);
		return;
	}
	if (child->delay_ms >= 1024) {
		pending_free(child);
		return;
	}
	child->delay_ms *= 2;
	pending_arm(child);
}

pid_t priority_fork_libxl_child(void *user)
{
	struct pending_child *child;
	char comm[16];
	pid_t pid;

	(void)user;
	if (!read_comm(getpid(), comm))
		comm[0] = '\0';
	pid = fork();
	if (pid <= 0 || !priority_lowers())
		return pid;
	child = xcalloc(1, sizeof *child);
	child->pid = pid;
	memcpy(child->comm_at_fork, comm, sizeof comm);
	child->delay_ms = 1;
	child->timer = evtimer_new(daemon_base, pending_look, child);
	child->next = pending;
	pending = child;
	pending_arm(child);
	return pid;
}

/* Whether pid runs as priority_lower leaves it.  Every attribute is
 * read: a daemon started at the helpers' nice value gives them that value
 * by inheritance, and the I/O priority and the policy are still to set. */
static bool priority_is_lowered(pid_t pid)
{
	int nice;

	errno = 0;
	nice = getpriority(PRIO_PROCESS, (id_t)pid);
	if (options.helper_nice != 0 && (errno != 0 ||
	    nice != options.helper_nice))
		return false;
	if (options.helper_ioprio != IOPRIO_NONE &&
	    syscall(SYS_ioprio_get, IOPRIO_WHO_PROCESS, pid) !=
	    options.helper_ioprio)
		return false;
	if (options.helper_sched != SCHED_OTHER &&
	    sched_getscheduler(pid) != options.helper_sched)
		return false;
	return true;
}

int priority_lower_streamers_of(pid_t parent)
{
	char path[80], list[4096], comm[16], *p, *end;
	int lowered = 0;

	if (!priority_lowers())
		return 0;
	snprintf(path, sizeof path, "/proc/%ld/task/%ld/children",
	    (long)parent, (long)parent);
	if (fsutil_read_small(path, list, sizeof list) <= 0)
		return 0;
	for (p = list; *p != '\0'; p = end) {
		long pid = strtol(p, &end, 10);

		if (end == p)
			break;
		if (pid > 0 && read_comm((pid_t)pid, comm) &&
		    strcmp(comm, SAVE_HELPER_COMM) == 0 &&
		    !priority_is_lowered((pid_t)pid) &&
		    priority_lower((pid_t)pid) == 0)
			lowered++;
	}
	return lowered;
}

/* Under EEVDF (Linux 6.6 and later) a task that wakes waits until the
 * running one has used its slice (1.4 ms on 2 CPUs), whatever their nice
 * values: a query that arrives while a save helper holds the CPU waits
 * that long.  Since 6.12 a task may ask for a shorter slice (sched_attr's
 * runtime), and a waking task with a shorter slice preempts at once.
 * Kernels before 6.12 ignore the field.  Reset-on-fork gives every child
 * (helpers, device models, the file worker threads) the default slice
 * back: a helper with the loop's slice would win the same wake-ups. */
void priority_shorten_loop_slice(void)
{
	struct priority_sched_attr attr = { .size = sizeof attr };
	int policy = sched_getscheduler(0) & ~SCHED_RESET_ON_FORK;

	if (options.loop_slice_us == 0)
		return;
	if (policy != SCHED_OTHER && policy != SCHED_BATCH) {
		log_info("the daemon runs under scheduling policy %d: its slice "
		    "is left alone", policy);
		return;
	}
	attr.policy = (uint32_t)policy;
	errno = 0;
	attr.nice = getpriority(PRIO_PROCESS, 0);
	if (errno != 0)
		attr.nice = 0;
	attr.flags = PRIORITY_SCHED_FLAG_RESET_ON_FORK;
	attr.runtime = (uint64_t)options.loop_slice_us * 1000;
	if (syscall(SYS_sched_setattr, 0, &attr, 0) < 0)
		log_warning("cannot shorten the loop's scheduler slice to %d us: "
		    "%s", options.loop_slice_us, strerror(errno));
}

void priority_shutdown(void)
{
	while (pending != NULL)
		pending_free(pending);
}
