#include "config.h"

#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/helper.h"
#include "proto/mem.h"

extern char **environ;

#define HELPER_ARGS_MAX 16

/* Next to the daemon in the build tree, else where make install put it. */
static char *helper_path(const char *name)
{
	char exe[PATH_MAX], *path, *slash;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);

	if (n > 0) {
		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash != NULL) {
			*slash = '\0';
			xasprintf(&path, "%s/%s", exe, name);
			if (access(path, X_OK) == 0)
				return path;
			free(path);
		}
	}
	xasprintf(&path, "%s/%s", PKGLIBEXECDIR, name);
	return path;
}

int helper_spawn(const char *name, char *const args[],
    const posix_spawn_file_actions_t *actions, pid_t *pid)
{
	char *argv[HELPER_ARGS_MAX + 4], *path = helper_path(name), parent[16];
	posix_spawnattr_t attr;
	sigset_t none, defaults;
	int i, error;

	/* the helper checks that this process is still its parent once it
	 * has asked to die with it (helper-child.h) */
	snprintf(parent, sizeof parent, "%d", (int)getpid());
	argv[0] = path;
	argv[1] = "--parent";
	argv[2] = parent;
	for (i = 0; args[i] != NULL && i < HELPER_ARGS_MAX; i++)
		argv[i + 3] = args[i];
	argv[i + 3] = NULL;
	/* the child starts with default signal handling and nothing
	 * blocked, whatever libevent did to ours */
	sigemptyset(&none);
	sigemptyset(&defaults);
	sigaddset(&defaults, SIGCHLD);
	sigaddset(&defaults, SIGPIPE);
	sigaddset(&defaults, SIGTERM);
	sigaddset(&defaults, SIGINT);
	sigaddset(&defaults, SIGHUP);
	posix_spawnattr_init(&attr);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &defaults);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK |
	    POSIX_SPAWN_SETSIGDEF);
	error = posix_spawn(pid, path, actions, &attr, argv, environ);
	posix_spawnattr_destroy(&attr);
	free(path);
	return error;
}
