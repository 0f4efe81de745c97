/* The streaming children (libxl's save helper for saves, restores and
 * migrations; our dump helper) run at a lower CPU and I/O priority
 * (--helper-nice, --helper-ioprio, --helper-sched), so that they cannot starve the loop
 * that answers queries.  Children that serve running guests (device
 * models, bootloaders, hotplug scripts) keep the daemon's priority: they
 * are told apart by the program they run, seen in /proc.  The loop itself
 * asks for a short scheduler slice (--loop-slice), so that a request
 * preempts a running helper instead of waiting out its slice. */
#ifndef DAEMON_PRIORITY_H
#define DAEMON_PRIORITY_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* struct sched_attr of linux/sched/types.h, its first version (48 bytes),
 * which glibc neither wraps nor, before 2.41, declares */
struct priority_sched_attr {
	uint32_t size;
	uint32_t policy;
	uint64_t flags;
	int32_t nice;
	uint32_t rt_priority;
	uint64_t runtime;	/* for SCHED_OTHER: the slice (Linux >= 6.12) */
	uint64_t deadline;
	uint64_t period;
};
#define PRIORITY_SCHED_FLAG_RESET_ON_FORK 0x01

/* What --helper-ioprio accepts: "be/N" (best effort, 0-7), "idle", "none"
 * (leave it as it is).  Returns false if text is none of those. */
bool priority_parse_ioprio(const char *text, int *out);

/* What --helper-sched accepts: "other", "batch", "idle" (the Linux
 * scheduling policies SCHED_OTHER, _BATCH, _IDLE).  False otherwise. */
bool priority_parse_sched(const char *text, int *out);

/* Lowers pid to the helpers' priority.  Returns 0 or an errno. */
int priority_lower(pid_t pid);

/* libxl's fork_replacement hook: forks, and in the parent watches the
 * child until it has exec'ed (a few ms): a save helper is lowered, any
 * other program is left alone. */
pid_t priority_fork_libxl_child(void *user);

/* Lowers the save helpers among parent's children (a build helper that
 * restores: libxl forks its save helper there, out of our sight).
 * Returns how many it lowered now. */
int priority_lower_streamers_of(pid_t parent);

/* Asks the scheduler for --loop-slice for the calling thread (the loop),
 * and for the default slice in every child; a refusal is logged. */
void priority_shorten_loop_slice(void);

/* Stops watching children that have not exec'ed yet (shutdown). */
void priority_shutdown(void);

#endif
