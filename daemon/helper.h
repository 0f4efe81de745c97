/* The daemon's helper programs (xenlightd-dump-helper,
 * xenlightd-build-helper): libxl calls that run synchronously for seconds
 * are made in a process of their own, which the loop watches. */
#ifndef DAEMON_HELPER_H
#define DAEMON_HELPER_H

#include <spawn.h>
#include <sys/types.h>

/* Starts helper NAME with "--parent <our pid>" then ARGS (NULL-terminated,
 * without argv[0]) and the file actions ACTIONS (or NULL); the helper
 * starts with helper_child_init() (helper-child.h).  Every fd of ours is
 * close-on-exec: the helper gets only what ACTIONS give it, never the name
 * of a file to create (a helper that outlived us would create it behind
 * the next daemon's back).  Returns 0, or an errno. */
int helper_spawn(const char *name, char *const args[],
    const posix_spawn_file_actions_t *actions, pid_t *pid);

#endif
