#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "daemon/build-run.h"
#include "daemon/daemon.h"
#include "daemon/helper.h"
#include "daemon/log.h"
#include "daemon/loop.h"
#include "proto/mem.h"

/* The helper's result is one short line; more is garbage. */
#define BUILD_RESULT_MAX 4096

struct build_run {
	pid_t pid;			/* 0 once reaped */
	build_done_fn *done;
	void *arg;
	int config_fd;
	char *config;
	size_t config_len, config_done;
	struct event *config_event;
	int result_fd;
	struct event *result_event;
	char result[BUILD_RESULT_MAX];
	size_t result_len;
};

static void build_run_stop_config(struct build_run *r)
{
	if (r->config_event != NULL)
		event_free(r->config_event);
	r->config_event = NULL;
	if (r->config_fd >= 0)
		close(r->config_fd);
	r->config_fd = -1;
	free(r->config);
	r->config = NULL;
}

static void build_run_stop_result(struct build_run *r)
{
	if (r->result_event != NULL)
		event_free(r->result_event);
	r->result_event = NULL;
	if (r->result_fd >= 0)
		close(r->result_fd);
	r->result_fd = -1;
}

void build_run_free(struct build_run *r)
{
	if (r == NULL)
		return;
	if (r->pid > 0) {
		/* only when the daemon exits with the build running */
		kill(r->pid, SIGKILL);
		loop_child_forget(r->pid);
	}
	build_run_stop_config(r);
	build_run_stop_result(r);
	free(r);
}

pid_t build_run_pid(const struct build_run *r)
{
	return r->pid;
}

void build_run_kill(struct build_run *r)
{
	if (r->pid > 0)
		kill(r->pid, SIGKILL);
}

static void build_run_read(struct build_run *r)
{
	for (;;) {
		char discard[512];
		ssize_t n;

		if (r->result_len < BUILD_RESULT_MAX)
			n = read(r->result_fd, r->result + r->result_len,
			    BUILD_RESULT_MAX - r->result_len);
		else
			n = read(r->result_fd, discard, sizeof discard);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			build_run_stop_result(r);
			return;
		}
		if (r->result_len < BUILD_RESULT_MAX)
			r->result_len += (size_t)n;
	}
}

static void build_run_readable(evutil_socket_t fd, short what, void *arg)
{
	build_run_read(arg);
}

static void build_run_write(struct build_run *r)
{
	while (r->config_done < r->config_len) {
		ssize_t n = write(r->config_fd, r->config + r->config_done,
		    r->config_len - r->config_done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;		/* the event brings us back */
		if (n < 0)
			break;		/* the helper is gone: its exit says why */
		r->config_done += (size_t)n;
	}
	/* the end of file is the end of the configuration */
	build_run_stop_config(r);
}

static void build_run_writable(evutil_socket_t fd, short what, void *arg)
{
	build_run_write(arg);
}

static void build_run_exited(pid_t pid, int status, void *arg)
{
	struct build_run *r = arg;
	struct build_outcome outcome;

	r->pid = 0;
	/* it wrote its line before it exited: what it wrote is there */
	if (r->result_fd >= 0)
		build_run_read(r);
	build_run_stop_config(r);
	build_run_stop_result(r);
	outcome.status = status;
	outcome.output = r->result;
	outcome.output_len = r->result_len;
	r->done(r->arg, &outcome);
}

struct build_run *build_run_start(libxl_ctx *ctx,
    const libxl_domain_config *config, int restore_fd, build_done_fn *done,
    void *arg, struct err **e)
{
	struct build_run *r;
	posix_spawn_file_actions_t actions;
	int config_pipe[2], result_pipe[2], error;
	char *args[2];
	pid_t pid;

	if (pipe2(config_pipe, O_CLOEXEC) < 0) {
		*e = err_new(ERR_INTERNAL, "cannot make a pipe: %s",
		    strerror(errno));
		return NULL;
	}
	if (pipe2(result_pipe, O_CLOEXEC) < 0) {
		error = errno;
		close(config_pipe[0]);
		close(config_pipe[1]);
		*e = err_new(ERR_INTERNAL, "cannot make a pipe: %s",
		    strerror(error));
		return NULL;
	}
	args[0] = restore_fd >= 0 ? "--restore" : NULL;
	args[1] = NULL;
	/* every other fd of ours is close-on-exec */
	posix_spawn_file_actions_init(&actions);
	posix_spawn_file_actions_adddup2(&actions, config_pipe[0], 0);
	posix_spawn_file_actions_adddup2(&actions, result_pipe[1], 1);
	if (restore_fd >= 0)
		posix_spawn_file_actions_adddup2(&actions, restore_fd,
		    BUILD_HELPER_RESTORE_FD);
	error = helper_spawn("xenlightd-build-helper", args, &actions, &pid);
	posix_spawn_file_actions_destroy(&actions);
	close(config_pipe[0]);
	close(result_pipe[1]);
	if (error != 0) {
		close(config_pipe[1]);
		close(result_pipe[0]);
		*e = err_new(ERR_INTERNAL, "cannot start the build helper: %s",
		    strerror(error));
		return NULL;
	}
	r = xcalloc(1, sizeof *r);
	r->pid = pid;
	r->done = done;
	r->arg = arg;
	r->config_fd = config_pipe[1];
	r->result_fd = result_pipe[0];
	loop_child_watch(pid, build_run_exited, r);
	/* neither end may ever block the loop */
	fcntl(r->config_fd, F_SETFL, O_NONBLOCK);
	fcntl(r->result_fd, F_SETFL, O_NONBLOCK);
	r->result_event = xcheck(event_new(daemon_base, r->result_fd,
	    EV_READ | EV_PERSIST, build_run_readable, r));
	event_add(r->result_event, NULL);
	r->config = libxl_domain_config_to_json(ctx,
	    (libxl_domain_config *)config);
	r->config_len = r->config != NULL ? strlen(r->config) : 0;
	r->config_event = xcheck(event_new(daemon_base, r->config_fd,
	    EV_WRITE | EV_PERSIST, build_run_writable, r));
	event_add(r->config_event, NULL);
	return r;
}
