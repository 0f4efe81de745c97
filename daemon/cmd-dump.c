/* domain-dump, and the daemon's own domain-crash-dump (on_crash=coredump-*).
 * libxl's core dump runs synchronously inside its call, so it runs in
 * xenlightd-dump-helper, a child the loop watches: progress is the output
 * file's growth, abort is SIGKILL.  By default the domain is paused for a
 * consistent image and resumed after; the image has a temporary name until
 * it is complete (image.h). */
#include "config.h"

#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon/command.h"
#include "daemon/daemon.h"
#include "daemon/dispatch.h"
#include "daemon/domain.h"
#include "daemon/dump.h"
#include "daemon/helper.h"
#include "daemon/image.h"
#include "daemon/job.h"
#include "daemon/lifecycle.h"
#include "daemon/log.h"
#include "daemon/priority.h"
#include "daemon/loop.h"
#include "daemon/request.h"
#include "daemon/store.h"
#include "proto/mem.h"

enum dump_then {
	DUMP_THEN_RESUME,
	DUMP_THEN_DESTROY,
	DUMP_THEN_RESTART,
};

struct dump_job {
	struct image_file image;
	bool live;
	enum dump_then then;
	bool paused_by_us;
	pid_t helper;
	uint32_t domid;
	uint64_t memory_bytes;
	struct err *failure;
};

static struct dump_job *dump_job_new(const char *path, bool overwrite)
{
	struct dump_job *dj = xcalloc(1, sizeof *dj);

	image_file_init(&dj->image, path, overwrite);
	return dj;
}

static void dump_job_free(void *data)
{
	struct dump_job *dj = data;

	if (dj->helper > 0) {
		kill(dj->helper, SIGKILL);
		loop_child_forget(dj->helper);
	}
	image_file_dispose(&dj->image);
	err_free(dj->failure);
	free(dj);
}

static bool dump_measure(struct job *job, uint64_t *current)
{
	struct dump_job *dj = job->data;
	struct stat st;

	if (dj->image.fd < 0 || fstat(dj->image.fd, &st) < 0)
		return false;
	*current = (uint64_t)st.st_size;
	return true;
}

/* ------------------------------------------------------------------------
 * Failure: no file, the domain as it was */

static void dump_give_up(struct job *job, int rc)
{
	struct dump_job *dj = job->data;

	if (rc != 0)
		log_error("domain %s: cannot unpause it after the failed dump: "
		    "libxl error %d", job->domain_name, rc);
	else if (dj->paused_by_us)
		domain_emit(job->domain, "DOMAIN_RESUMED", NULL);
	job_fail_taking(job, &dj->failure);
}

static void dump_fail(struct job *job, struct err *e)
{
	struct dump_job *dj = job->data;

	job_stop_progress(job, 0);
	image_file_discard(&dj->image);
	dj->failure = e;
	if (!dj->paused_by_us || !domain_is_running(job->domain) ||
	    job->domain->destroyer != NULL) {
		dump_give_up(job, 0);
		return;
	}
	job_ao_started(job, libxl_domain_unpause(daemon_ctx, dj->domid,
	    job_ao(job, dump_give_up)));
}

/* ------------------------------------------------------------------------
 * Success */

static void dump_left(struct job *job, int rc)
{
	struct dump_job *dj = job->data;

	if (rc != 0) {
		job_fail(job, err_add_data(job_libxl_error(job, rc,
		    dj->then == DUMP_THEN_RESUME ?
		    "the dump is written, but unpausing the domain" :
		    "the dump is written, but destroying the domain"),
		    "file", json_object_new_string(dj->image.path)));
		return;
	}
	if (dj->then == DUMP_THEN_RESUME) {
		if (dj->paused_by_us)
			domain_emit(job->domain, "DOMAIN_RESUMED", NULL);
	} else {
		lifecycle_domain_gone(job->domain);
		/* queued behind us: runs once this job lets go of the lock */
		if (dj->then == DUMP_THEN_RESTART)
			lifecycle_restart(job->domain);
	}
	job_complete(job, image_file_result(&dj->image));
}

static void dump_committed(struct job *job, struct err *e)
{
	struct dump_job *dj = job->data;

	if (e != NULL) {
		dump_fail(job, e);
		return;
	}
	job_set_progress(job, dj->image.bytes, dj->image.bytes);
	log_info("domain %s: core dumped to %s (%" PRIu64 " bytes)",
	    job->domain_name, dj->image.path, dj->image.bytes);
	if (dj->then != DUMP_THEN_RESUME && domain_is_running(job->domain))
		job_ao_started(job, libxl_domain_destroy(daemon_ctx, dj->domid,
		    job_ao(job, dump_left)));
	else if (dj->paused_by_us && domain_is_running(job->domain))
		job_ao_started(job, libxl_domain_unpause(daemon_ctx, dj->domid,
		    job_ao(job, dump_left)));
	else
		dump_left(job, 0);
}

static void dump_helper_exited(pid_t pid, int status, void *arg)
{
	struct job *job = arg;
	struct dump_job *dj = job->data;

	dj->helper = 0;
	job_stop_progress(job, 0);
	if (WIFEXITED(status) && WEXITSTATUS(status) == DUMP_HELPER_OK) {
		image_file_commit(&dj->image, job, dump_committed);
		return;
	}
	if (job->abort_requested)
		dump_fail(job, err_new(ERR_ABORTED, "aborted"));
	else if (WIFSIGNALED(status))
		dump_fail(job, err_new(ERR_HYPERVISOR, "the dump helper died "
		    "(signal %d)", WTERMSIG(status)));
	else if (WEXITSTATUS(status) == DUMP_HELPER_IO_ERROR)
		dump_fail(job, err_new(ERR_IO, "cannot write %s (I/O error)",
		    dj->image.path));
	else
		dump_fail(job, err_new(ERR_HYPERVISOR, "libxl could not dump "
		    "the domain (helper exit status %d)", WEXITSTATUS(status)));
}

static void dump_spawn(struct job *job, int rc)
{
	struct dump_job *dj = job->data;
	posix_spawn_file_actions_t actions;
	char domid[16], *args[2];
	pid_t pid;
	int error;

	if (rc != 0) {
		dump_fail(job, job_libxl_error(job, rc, "pausing the domain"));
		return;
	}
	if (dj->paused_by_us)
		domain_emit(job->domain, "DOMAIN_PAUSED", NULL);
	if (job->abort_requested) {
		dump_fail(job, err_new(ERR_ABORTED, "aborted"));
		return;
	}
	snprintf(domid, sizeof domid, "%" PRIu32, dj->domid);
	args[0] = domid;
	args[1] = NULL;
	/* the helper writes to the file we created and journaled, never
	 * to a name of its own */
	posix_spawn_file_actions_init(&actions);
	posix_spawn_file_actions_adddup2(&actions, dj->image.fd,
	    DUMP_HELPER_IMAGE_FD);
	error = helper_spawn("xenlightd-dump-helper", args, &actions, &pid);
	posix_spawn_file_actions_destroy(&actions);
	if (error != 0) {
		dump_fail(job, err_new(ERR_INTERNAL, "cannot start the dump "
		    "helper: %s", strerror(error)));
		return;
	}
	dj->helper = pid;
	priority_lower(pid);
	loop_child_watch(pid, dump_helper_exited, job);
	job_set_journal(job, "helper", json_object_new_int64(pid));
	job_poll_progress(job, dump_measure, dj->memory_bytes);
	log_info("domain %s: dumping core to %s (helper %d)", job->domain_name,
	    dj->image.path, (int)pid);
}

static void dump_start(struct job *job)
{
	struct dump_job *dj = job->data;
	libxl_dominfo info;
	bool paused = false;
	struct err *e;

	if (!job_domain_running(job))
		return;
	dj->domid = job->domain->domid;
	if (domain_fresh_info(job->domain, &info)) {
		paused = info.paused;
		dj->memory_bytes = info.current_memkb * 1024;
		libxl_dominfo_dispose(&info);
	}
	e = image_file_create(&dj->image, job);
	if (e != NULL) {
		job_fail(job, e);
		return;
	}
	if (dj->live || paused) {
		dump_spawn(job, 0);
		return;
	}
	/* a consistent image: the vcpus stand still while it is taken */
	dj->paused_by_us = true;
	job_set_journal(job, "paused_by_us", json_object_new_boolean(true));
	job_ao_started(job, libxl_domain_pause(daemon_ctx, dj->domid,
	    job_ao(job, dump_spawn)));
}

static void dump_abort(struct job *job)
{
	struct dump_job *dj = job->data;

	if (dj->helper > 0)
		kill(dj->helper, SIGKILL);	/* reaped: dump_helper_exited */
	/* otherwise the next step sees abort_requested */
}

static void dump_recover(json_object *record, struct err *error)
{
	json_object *extra = json_object_object_get(record, "extra");
	json_object *args = json_object_object_get(record, "args");

	if (arg_bool(extra, "committed", false)) {
		const char *uuid_text = arg_string(record, "uuid");
		struct domain *d = NULL;
		libxl_uuid uuid;

		err_append(error, "the core file is complete");
		if (uuid_text != NULL &&
		    libxl_uuid_from_string(&uuid, uuid_text) == 0)
			d = domain_find_uuid(&uuid);
		/* crash: true (and a crash dump) meant the domain to go */
		if (d != NULL && domain_is_running(d) &&
		    (arg_bool(args, "crash", false) ||
		    job_record_is(record, "domain-crash-dump"))) {
			dispatch_internal_domain("domain-destroy", d, NULL);
			return;
		}
	} else {
		image_recover_uncommitted(record, arg_string(args, "file"),
		    "dump");
		err_append(error, "no core file was written");
	}
	lifecycle_recover_suspended(record);
}

static const struct arg_spec domain_dump_args[] = {
	{ "domain", ARG_DOMAIN, true, 0, 0, NULL, "name, UUID or domid" },
	{ "file", ARG_PATH, true, 0, 0, NULL, "where to write the core" },
	{ "live", ARG_BOOL, false, 0, 0, NULL,
	  "leave the domain running during the dump" },
	{ "crash", ARG_BOOL, false, 0, 0, NULL, "destroy the domain after" },
	{ "overwrite", ARG_BOOL, false, 0, 0, NULL, "replace an existing file" },
	ARG_END
};

static void dump_run(struct request *req)
{
	const char *file = arg_string(req->args, "file");
	bool overwrite = arg_bool(req->args, "overwrite", false);
	struct err *e = image_check_target(file, overwrite);
	struct dump_job *dj;

	if (e != NULL) {
		request_fail(req, e);
		return;
	}
	dj = dump_job_new(file, overwrite);
	dj->live = arg_bool(req->args, "live", false);
	dj->then = arg_bool(req->args, "crash", false) ? DUMP_THEN_DESTROY :
	    DUMP_THEN_RESUME;
	request_submit(req, dj);
}

const struct command cmd_domain_dump = {
	.name = "domain-dump",
	.kind = COMMAND_ASYNC,
	.args = domain_dump_args,
	.target = TARGET_DOMAIN,
	.target_flags = TARGET_RUNNING | TARGET_NOT_DOM0,
	.verb = "dump",
	.run = dump_run,
	.help = "write a domain's memory to an ELF core file",
	.abortable = true,
	.start = dump_start,
	.abort = dump_abort,
	.free_data = dump_job_free,
	.recover = dump_recover,
};

static const struct arg_spec crash_dump_args[] = {
	{ "domain", ARG_DOMAIN, true, 0, 0, NULL, "name, UUID or domid" },
	{ "restart", ARG_BOOL, false, 0, 0, NULL,
	  "start the domain again after (else it is destroyed)" },
	ARG_END
};

/* A crashed guest runs no more: its dump is live, into the state
 * directory, and the domain goes (or restarts) after. */
static void crash_dump_run(struct request *req)
{
	char *path = store_dump_path(req->domain->name);
	struct dump_job *dj = dump_job_new(path, false);

	free(path);
	dj->live = true;
	dj->then = arg_bool(req->args, "restart", false) ? DUMP_THEN_RESTART :
	    DUMP_THEN_DESTROY;
	request_submit(req, dj);
}

const struct command cmd_domain_crash_dump = {
	.name = "domain-crash-dump",
	.kind = COMMAND_ASYNC,
	.internal = true,
	.args = crash_dump_args,
	.target = TARGET_DOMAIN,
	.target_flags = TARGET_RUNNING | TARGET_NOT_DOM0,
	.verb = "dump",
	.run = crash_dump_run,
	.help = "dump a crashed domain's core, then destroy or restart it",
	.abortable = true,
	.start = dump_start,
	.abort = dump_abort,
	.free_data = dump_job_free,
	.recover = dump_recover,
};
