/* Starting domains: domain-create (transient), domain-start (defined), and
 * the daemon's own restarts (on_reboot=restart and friends).  libxl builds
 * domains paused and leaves unpausing to the toolstack; a create that fails
 * or is aborted leaves no half-built domain behind.  The build itself runs
 * in xenlightd-build-helper (see create.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event2/event.h>

#include "daemon/command.h"
#include "daemon/commands.h"
#include "daemon/create.h"
#include "daemon/daemon.h"
#include "daemon/domain-config.h"
#include "daemon/domain.h"
#include "daemon/event.h"
#include "daemon/helper.h"
#include "daemon/job.h"
#include "daemon/lifecycle.h"
#include "daemon/log.h"
#include "daemon/loop.h"
#include "daemon/restore.h"
#include "daemon/xl-config.h"
#include "proto/json-line.h"

/* The helper's result is one short line; more is garbage. */
#define BUILD_RESULT_MAX 4096
/* Xen's DOMID_FIRST_RESERVED: no guest has this domid or above */
#define BUILD_DOMID_LIMIT 0x7ff0

/* A run of xenlightd-build-helper: the configuration written to its stdin
 * from the loop, its result read from its stdout from the loop, its exit
 * watched by the loop. */
struct build_run {
	pid_t pid;			/* 0 once reaped */
	int status;
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

static void build_run_free(struct build_run *r)
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

void create_job_free(void *data)
{
	struct create_job *c = data;

	build_run_free(c->build);
	if (c->progress_timer != NULL)
		event_free(c->progress_timer);
	if (c->restore_fd >= 0)
		close(c->restore_fd);
	free(c->restore_path);
	libxl_domain_config_dispose(&c->config);
	err_free(c->failure);
	free(c);
}

struct create_job *create_job_new(const libxl_domain_config *config,
    bool paused)
{
	struct create_job *c = calloc(1, sizeof *c);

	if (c == NULL)
		abort();
	libxl_domain_config_init(&c->config);
	if (config != NULL)
		libxl_domain_config_copy(daemon_ctx, &c->config,
		    (libxl_domain_config *)config);
	c->domid = DOMID_NONE;
	c->paused = paused;
	c->restore_fd = -1;
	return c;
}

struct err *lifecycle_check_memory(libxl_domain_config *config)
{
	uint64_t need = 0, free_kib = 0;
	int rc;

	rc = libxl_domain_need_memory(daemon_ctx, config, DOMID_NONE, &need);
	if (rc != 0)
		return err_add_data(err_new(ERR_HYPERVISOR, "cannot compute the "
		    "memory the domain needs: libxl error %d", rc),
		    "libxl_error", json_object_new_int(rc));
	rc = libxl_get_free_memory(daemon_ctx, &free_kib);
	if (rc != 0)
		return err_add_data(err_new(ERR_HYPERVISOR, "cannot read the "
		    "host's free memory: libxl error %d", rc),
		    "libxl_error", json_object_new_int(rc));
	if (need > free_kib)
		return err_add_data(err_new(ERR_RESOURCE_LIMIT, "not enough "
		    "host memory: the domain needs %" PRIu64 " KiB, %" PRIu64
		    " KiB are free", need, free_kib), "free_memory_kib",
		    json_object_new_int64((int64_t)free_kib));
	return NULL;
}

/* ------------------------------------------------------------------------
 * The steps */

static void create_cleaned(struct job *job, int rc)
{
	struct create_job *c = job->data;

	if (rc != 0)
		log_error("domain %s: cannot destroy the half-built domain %"
		    PRIu32 ": libxl error %d", job->domain_name, c->domid, rc);
	lifecycle_domain_gone(job->domain);
	job_fail_taking(job, &c->failure);
}

void create_fail(struct job *job, struct err *e)
{
	struct create_job *c = job->data;

	if (c->domid == DOMID_NONE || c->domid == 0) {
		lifecycle_domain_gone(job->domain);
		job_fail(job, e);
		return;
	}
	c->failure = e;
	log_info("domain %s: destroying half-built domain %" PRIu32,
	    job->domain_name, c->domid);
	job_ao_started(job, libxl_domain_destroy(daemon_ctx, c->domid,
	    job_ao(job, create_cleaned)));
}

static void create_done(struct job *job)
{
	struct create_job *c = job->data;
	json_object *data = json_object_new_object();

	if (c->paused)
		json_object_object_add(data, "paused",
		    json_object_new_boolean(true));
	if (c->restore_path != NULL)
		json_object_object_add(data, "restored_from",
		    json_object_new_string(c->restore_path));
	event_emit_domain("DOMAIN_STARTED", job->domain, data);
	if (c->managed)
		restore_forget_managed_image(job->domain);
	job_complete(job, domain_info_json(job->domain));
}

static void create_unpaused(struct job *job, int rc)
{
	if (rc != 0) {
		create_fail(job, job_libxl_error(job, rc, "unpausing the domain"));
		return;
	}
	create_done(job);
}

/* The helper built the domain (paused): it is ours to unpause. */
static void create_built(struct job *job)
{
	struct create_job *c = job->data;

	domain_set_running(job->domain, c->domid);
	job_set_journal(job, "domid", json_object_new_int64(c->domid));
	if (job->abort_requested) {
		create_fail(job, err_new(ERR_ABORTED, "aborted"));
		return;
	}
	if (c->paused) {
		create_done(job);
		return;
	}
	job_ao_started(job, libxl_domain_unpause(daemon_ctx, c->domid,
	    job_ao(job, create_unpaused)));
}

/* ------------------------------------------------------------------------
 * The build helper */

/* After a failed build, libxl's domid output is worth nothing (the helper
 * may have died before writing it, or libxl destroyed the domain), so the
 * half-built domain is looked for by UUID.  A domain the registry knows as
 * another one is skipped: a rename-restart keeps its old domain, which the
 * hypervisor still reports with this UUID. */
static uint32_t create_find_half_built(struct job *job)
{
	struct create_job *c = job->data;
	uint32_t found = DOMID_NONE;
	libxl_dominfo *list;
	int n = 0;

	list = libxl_list_domain(daemon_ctx, &n);
	if (list == NULL) {
		log_error("domain %s: cannot list domains to find what the "
		    "failed build left", job->domain_name);
		return DOMID_NONE;
	}
	for (int i = 0; i < n && found == DOMID_NONE; i++) {
		struct domain *known = domain_find_domid(list[i].domid);

		if (list[i].domid != 0 && !list[i].dying &&
		    libxl_uuid_compare(&list[i].uuid,
		    &c->config.c_info.uuid) == 0 &&
		    (known == NULL || known == job->domain))
			found = list[i].domid;
	}
	libxl_dominfo_list_free(list, n);
	return found;
}

/* The helper's result line: the domid, or the error libxl reported. */
static struct err *build_result(struct job *job, struct build_run *r,
    const char *what)
{
	struct create_job *c = job->data;
	char *newline = memchr(r->result, '\n', r->result_len);
	json_object *result = NULL, *domid, *error;
	struct err *e = NULL;

	if (newline != NULL)
		result = json_line_parse(r->result, (size_t)(newline -
		    r->result), &e);
	err_free(e);
	e = NULL;
	if (result != NULL && json_object_object_get_ex(result, "domid",
	    &domid) && json_object_is_type(domid, json_type_int) &&
	    json_object_get_int64(domid) > 0 &&
	    json_object_get_int64(domid) < BUILD_DOMID_LIMIT) {
		c->domid = (uint32_t)json_object_get_int64(domid);
	} else if (result != NULL && json_object_object_get_ex(result,
	    "error", &error) && json_object_is_type(error, json_type_object)) {
		int rc = (int)arg_int(error, "rc", ERROR_FAIL);
		int io = (int)arg_int(error, "errno", 0);
		const char *desc = arg_string(error, "desc");

		log_error("domain %s: %s: %s", job->domain_name, what,
		    desc != NULL ? desc : "failed");
		if (io > 0)
			job->io_errno = io;
		e = job_libxl_error(job, rc != 0 ? rc : ERROR_FAIL, what);
	} else if (job->abort_requested && WIFSIGNALED(r->status)) {
		e = err_new(ERR_ABORTED, "aborted");
	} else if (WIFSIGNALED(r->status)) {
		e = err_new(ERR_HYPERVISOR, "%s failed: the build helper died "
		    "(signal %d)", what, WTERMSIG(r->status));
	} else {
		e = err_new(ERR_HYPERVISOR, "%s failed: the build helper "
		    "exited with status %d and no result", what,
		    WEXITSTATUS(r->status));
	}
	json_object_put(result);
	return e;
}

static void build_finished(struct job *job, int rc)
{
	struct create_job *c = job->data;
	const char *what = c->restore_fd >= 0 ? "restoring the domain" :
	    "creating the domain";
	struct err *e;

	restore_stop_progress(job);
	e = build_result(job, c->build, what);
	build_run_free(c->build);
	c->build = NULL;
	if (e == NULL) {
		create_built(job);
		return;
	}
	/* whatever the helper half-built goes, through our ctx */
	c->domid = create_find_half_built(job);
	create_fail(job, e);
}

static void build_result_read(struct build_run *r)
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

static void build_result_readable(evutil_socket_t fd, short what, void *arg)
{
	struct job *job = arg;
	struct create_job *c = job->data;

	build_result_read(c->build);
}

static void build_config_write(struct build_run *r)
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

static void build_config_writable(evutil_socket_t fd, short what, void *arg)
{
	struct job *job = arg;
	struct create_job *c = job->data;

	build_config_write(c->build);
}

static void build_helper_exited(pid_t pid, int status, void *arg)
{
	struct job *job = arg;
	struct create_job *c = job->data;
	struct build_run *r = c->build;

	r->pid = 0;
	r->status = status;
	/* it wrote its line before it exited: what it wrote is there */
	if (r->result_fd >= 0)
		build_result_read(r);
	build_run_stop_config(r);
	build_run_stop_result(r);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != BUILD_HELPER_OK)
		log_info("domain %s: build helper %d: %s %d", job->domain_name,
		    (int)pid, WIFSIGNALED(status) ? "signal" : "exit status",
		    WIFSIGNALED(status) ? WTERMSIG(status) :
		    WEXITSTATUS(status));
	job_continue(job, build_finished, 0);
}

static struct err *build_spawn(struct job *job)
{
	struct create_job *c = job->data;
	struct build_run *r;
	posix_spawn_file_actions_t actions;
	int config_pipe[2], result_pipe[2], error;
	char *args[4], parent[16];
	pid_t pid;

	if (pipe2(config_pipe, O_CLOEXEC) < 0)
		return err_new(ERR_INTERNAL, "cannot make a pipe: %s",
		    strerror(errno));
	if (pipe2(result_pipe, O_CLOEXEC) < 0) {
		error = errno;
		close(config_pipe[0]);
		close(config_pipe[1]);
		return err_new(ERR_INTERNAL, "cannot make a pipe: %s",
		    strerror(error));
	}
	snprintf(parent, sizeof parent, "%d", (int)getpid());
	args[0] = "--parent";
	args[1] = parent;
	args[2] = c->restore_fd >= 0 ? "--restore" : NULL;
	args[3] = NULL;
	/* every other fd of ours is close-on-exec */
	posix_spawn_file_actions_init(&actions);
	posix_spawn_file_actions_adddup2(&actions, config_pipe[0], 0);
	posix_spawn_file_actions_adddup2(&actions, result_pipe[1], 1);
	if (c->restore_fd >= 0)
		posix_spawn_file_actions_adddup2(&actions, c->restore_fd,
		    BUILD_HELPER_RESTORE_FD);
	error = helper_spawn("xenlightd-build-helper", args, &actions, &pid);
	posix_spawn_file_actions_destroy(&actions);
	close(config_pipe[0]);
	close(result_pipe[1]);
	if (error != 0) {
		close(config_pipe[1]);
		close(result_pipe[0]);
		return err_new(ERR_INTERNAL, "cannot start the build helper: "
		    "%s", strerror(error));
	}
	r = calloc(1, sizeof *r);
	if (r == NULL)
		abort();
	c->build = r;
	r->pid = pid;
	r->config_fd = config_pipe[1];
	r->result_fd = result_pipe[0];
	loop_child_watch(pid, build_helper_exited, job);
	job_set_journal(job, "helper", json_object_new_int64(pid));
	/* neither end may ever block the loop */
	fcntl(r->config_fd, F_SETFL, O_NONBLOCK);
	fcntl(r->result_fd, F_SETFL, O_NONBLOCK);
	r->result_event = event_new(daemon_base, r->result_fd,
	    EV_READ | EV_PERSIST, build_result_readable, job);
	event_add(r->result_event, NULL);
	r->config = libxl_domain_config_to_json(daemon_ctx, &c->config);
	r->config_len = r->config != NULL ? strlen(r->config) : 0;
	r->config_event = event_new(daemon_base, r->config_fd,
	    EV_WRITE | EV_PERSIST, build_config_writable, job);
	event_add(r->config_event, NULL);
	log_info("domain %s: %s (build helper %d)", job->domain_name,
	    c->restore_fd >= 0 ? "restoring" : "creating", (int)pid);
	return NULL;
}

void create_build(struct job *job, int rc)
{
	struct create_job *c = job->data;
	struct err *e;

	if (job->abort_requested) {
		job_fail(job, err_new(ERR_ABORTED, "aborted before it started"));
		return;
	}
	e = lifecycle_check_memory(&c->config);
	if (e != NULL) {
		job_fail(job, e);
		return;
	}
	/* what failed or was cut short is found by this UUID */
	if (libxl_uuid_is_nil(&c->config.c_info.uuid))
		c->config.c_info.uuid = job->domain->uuid;
	if (libxl_uuid_is_nil(&c->config.c_info.uuid))
		libxl_uuid_generate(&c->config.c_info.uuid);
	job_set_journal(job, "uuid", json_object_new_string(
	    job->domain->uuid_text));
	if (c->restore_fd >= 0) {
		log_info("domain %s: restoring from %s", job->domain_name,
		    c->restore_path);
		restore_start_progress(job);
	}
	e = build_spawn(job);
	if (e != NULL) {
		restore_stop_progress(job);
		job_fail(job, e);
	}
}

void create_abort(struct job *job)
{
	struct create_job *c = job->data;

	if (c->build != NULL && c->build->pid > 0) {
		/* reaped: build_helper_exited, then the clean-up */
		kill(c->build->pid, SIGKILL);
	} else {
		/* a no-op between operations: the next step sees
		 * abort_requested */
		job_abort_libxl(job);
	}
}

static void create_old_destroyed(struct job *job, int rc)
{
	if (rc != 0 && domain_is_running(job->domain)) {
		job_fail(job, job_libxl_error(job, rc, "destroying the old "
		    "domain"));
		return;
	}
	lifecycle_domain_gone(job->domain);
	create_build(job, 0);
}

void create_start(struct job *job)
{
	struct create_job *c = job->data;
	struct domain *d = job->domain;

	if (c->destroy_first && domain_is_running(d)) {
		job_ao_started(job, libxl_domain_destroy(daemon_ctx, d->domid,
		    job_ao(job, create_old_destroyed)));
		return;
	}
	if (domain_is_running(d)) {
		job_fail(job, err_new(ERR_OPERATION_INVALID,
		    "domain '%s' is already running", d->name));
		return;
	}
	create_build(job, 0);
}

/* A failed or aborted create leaves nothing: abort kills the build helper
 * (or aborts the libxl operation in flight), then what it half-built is
 * destroyed. */
const struct job_type domain_create_job = {
	.name = "domain-create",
	.kind = JOB_ASYNC,
	.abortable = true,
	.start = create_start,
	.abort = create_abort,
	.free_data = create_job_free,
	.recover = lifecycle_recover_create,
};

const struct job_type domain_start_job = {
	.name = "domain-start",
	.kind = JOB_ASYNC,
	.abortable = true,
	.start = create_start,
	.abort = create_abort,
	.free_data = create_job_free,
	.recover = lifecycle_recover_create,
};

const struct job_type domain_restart_job = {
	.name = "domain-restart",
	.kind = JOB_ASYNC,
	.abortable = true,
	.start = create_start,
	.abort = create_abort,
	.free_data = create_job_free,
	.recover = lifecycle_recover_create,
};

/* ------------------------------------------------------------------------
 * Commands */

/* The config or xl_config argument, checked: exactly one of them. */
struct err *lifecycle_parse_config(json_object *args, libxl_domain_config *out)
{
	json_object *config = json_object_object_get(args, "config");
	const char *xl = arg_string(args, "xl_config");

	if ((config == NULL) == (xl == NULL))
		return err_new(ERR_INVALID_ARGUMENT,
		    "give exactly one of 'config' and 'xl_config'");
	if (config != NULL)
		return domain_config_from_json_object(daemon_ctx, config, out);
	return xl_config_parse(daemon_ctx, xl, strlen(xl), out);
}

/* Name and UUID of a new domain must be free; a missing UUID is made. */
struct err *lifecycle_claim_identity(libxl_domain_config *config)
{
	struct domain *by_name = domain_find_name(config->c_info.name);

	if (by_name != NULL)
		return err_new(ERR_DOMAIN_EXISTS, "a domain named '%s' exists",
		    config->c_info.name);
	if (libxl_uuid_is_nil(&config->c_info.uuid))
		libxl_uuid_generate(&config->c_info.uuid);
	else if (domain_find_uuid(&config->c_info.uuid) != NULL)
		return err_new(ERR_DOMAIN_EXISTS, "a domain with UUID "
		    LIBXL_UUID_FMT " exists",
		    LIBXL_UUID_BYTES(config->c_info.uuid));
	return NULL;
}

static const struct arg_spec domain_create_args[] = {
	{ "config", ARG_OBJECT, false, 0, 0, NULL,
	  "libxl's JSON domain configuration" },
	{ "xl_config", ARG_STRING, false, 0, 1024 * 1024, NULL,
	  "the text of an xl domain config file" },
	{ "paused", ARG_BOOL, false, 0, 0, NULL, "leave the domain paused" },
	ARG_END
};

static void cmd_domain_create_run(struct request *req)
{
	libxl_domain_config config;
	struct create_job *c;
	struct domain *d;
	struct err *e;

	libxl_domain_config_init(&config);
	e = lifecycle_parse_config(req->args, &config);
	if (e == NULL)
		e = lifecycle_claim_identity(&config);
	if (e != NULL) {
		libxl_domain_config_dispose(&config);
		request_fail(req, e);
		return;
	}
	c = create_job_new(&config, arg_bool(req->args, "paused", false));
	d = domain_add(config.c_info.name, &config.c_info.uuid);
	domain_set_config(d, malloc(sizeof(libxl_domain_config)));
	libxl_domain_config_init(d->config);
	libxl_domain_config_copy(daemon_ctx, d->config, &config);
	libxl_domain_config_dispose(&config);
	d->ours = true;
	if (job_submit(req, &domain_create_job, d, c) == NULL)
		domain_forget_if_unused(d);
}

const struct command cmd_domain_create = {
	.name = "domain-create",
	.kind = COMMAND_ASYNC,
	.args = domain_create_args,
	.handler = cmd_domain_create_run,
	.help = "create and start a transient domain",
};

static const struct arg_spec domain_start_args[] = {
	{ "domain", ARG_DOMAIN, true, 0, 0, NULL, "a defined domain" },
	{ "paused", ARG_BOOL, false, 0, 0, NULL, "leave the domain paused" },
	ARG_END
};

static void cmd_domain_start_run(struct request *req)
{
	struct err *e = NULL;
	struct domain *d = domain_lookup(json_object_object_get(req->args,
	    "domain"), &e);
	bool paused = arg_bool(req->args, "paused", false);

	if (d == NULL) {
		request_fail(req, e);
		return;
	}
	if (!d->persistent || d->config == NULL) {
		request_fail(req, err_new(ERR_OPERATION_INVALID,
		    "domain '%s' is not defined (use domain-create for a "
		    "transient domain)", d->name));
		return;
	}
	if (domain_is_running(d) && d->holder == NULL) {
		request_fail(req, err_new(ERR_OPERATION_INVALID,
		    "domain '%s' is already running", d->name));
		return;
	}
	d->ours = true;
	if (d->managed_save) {
		restore_submit_managed(req, d, paused);
		return;
	}
	job_submit(req, &domain_start_job, d, create_job_new(d->config, paused));
}

const struct command cmd_domain_start = {
	.name = "domain-start",
	.kind = COMMAND_ASYNC,
	.args = domain_start_args,
	.handler = cmd_domain_start_run,
	.help = "start a defined domain (from its managed save if it has one)",
};

/* ------------------------------------------------------------------------
 * The daemon's own starts */

void lifecycle_restart(struct domain *d)
{
	struct create_job *c;

	if (d->config == NULL) {
		log_error("domain %s: cannot restart: no configuration known",
		    d->name);
		return;
	}
	c = create_job_new(d->config, false);
	c->destroy_first = true;
	job_submit_internal(&domain_restart_job, d, c);
}

void lifecycle_autostart(void)
{
	struct domain *d;

	TAILQ_FOREACH(d, &domain_registry, entry) {
		if (!d->persistent || !d->autostart || domain_is_running(d) ||
		    d->config == NULL || d->holder != NULL)
			continue;
		log_notice("domain %s: autostart", d->name);
		d->ours = true;
		if (d->managed_save)
			restore_submit_managed(NULL, d, false);
		else
			job_submit_internal(&domain_start_job, d,
			    create_job_new(d->config, false));
	}
}
