#include "config.h"

#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include <event2/event.h>

#include "tests/unit/lease-hooks.h"

#define HOOKS_MAX_CHILDREN 256
#define HOOKS_MAX_ARGS 24

extern char **environ;

static struct event_base *hooks_base;
static struct event *hooks_sigchld;
static char hooks_program[PATH_MAX];
static struct {
	pid_t pid;
	lease_child_fn *fn;
	void *arg;
} hooks_children[HOOKS_MAX_CHILDREN];

static int hooks_spawn(char *const args[],
    const posix_spawn_file_actions_t *actions, pid_t *pid)
{
	char *argv[HOOKS_MAX_ARGS + 2];
	int n = 0;

	argv[n++] = hooks_program;
	for (int i = 0; args[i] != NULL; i++) {
		if (n > HOOKS_MAX_ARGS)
			return E2BIG;
		argv[n++] = args[i];
	}
	argv[n] = NULL;
	return posix_spawn(pid, hooks_program, actions, NULL, argv, environ);
}

static void hooks_watch(pid_t pid, lease_child_fn *fn, void *arg)
{
	for (int i = 0; i < HOOKS_MAX_CHILDREN; i++) {
		if (hooks_children[i].pid == 0) {
			hooks_children[i].pid = pid;
			hooks_children[i].fn = fn;
			hooks_children[i].arg = arg;
			return;
		}
	}
	fprintf(stderr, "lease-hooks: more than %d children\n",
	    HOOKS_MAX_CHILDREN);
	abort();
}

static void hooks_on_sigchld(evutil_socket_t sig, short what, void *arg)
{
	for (int i = 0; i < HOOKS_MAX_CHILDREN; i++) {
		pid_t pid = hooks_children[i].pid;
		int status;

		if (pid == 0 || waitpid(pid, &status, WNOHANG) != pid)
			continue;
		hooks_children[i].pid = 0;
		hooks_children[i].fn(pid, status, hooks_children[i].arg);
	}
}

bool lease_hooks_init(struct event_base *base, const char *program)
{
	hooks_base = base;
	if ((size_t)snprintf(hooks_program, sizeof hooks_program, "%s",
	    program) >= sizeof hooks_program)
		return false;
	memset(hooks_children, 0, sizeof hooks_children);
	signal(SIGPIPE, SIG_IGN);
	hooks_sigchld = evsignal_new(base, SIGCHLD, hooks_on_sigchld, NULL);
	return hooks_sigchld != NULL && event_add(hooks_sigchld, NULL) == 0;
}

void lease_hooks_free(void)
{
	if (hooks_sigchld != NULL)
		event_free(hooks_sigchld);
	hooks_sigchld = NULL;
}

void lease_hooks_config(struct lease_config *cfg)
{
	cfg->base = hooks_base;
	cfg->spawn = hooks_spawn;
	cfg->watch_child = hooks_watch;
}

void lease_hooks_after_fork(void)
{
	lease_hooks_free();
	event_reinit(hooks_base);
	memset(hooks_children, 0, sizeof hooks_children);
	hooks_sigchld = evsignal_new(hooks_base, SIGCHLD, hooks_on_sigchld,
	    NULL);
	event_add(hooks_sigchld, NULL);
}
