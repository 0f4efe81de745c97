/* domain-dump, and the on_crash=coredump-* actions.  libxl's core dump runs
 * synchronously inside its call, so it runs in xenlightd-dump-helper, a
 * child the loop watches: progress is the output file's growth, abort is
 * SIGKILL.  By default the domain is paused for a consistent image and
 * resumed after; the image has a temporary name until it is complete. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event2/event.h>

#include "daemon/command.h"
#include "daemon/commands.h"
#include "daemon/daemon.h"
#include "daemon/domain.h"
#include "daemon/dump.h"
#include "daemon/event.h"
#include "daemon/fileio.h"
#include "daemon/fsutil.h"
#include "daemon/helper.h"
#include "daemon/image.h"
#include "daemon/job.h"
#include "daemon/lifecycle.h"
#include "daemon/log.h"
#include "daemon/loop.h"
#include "daemon/store.h"

enum dump_then {
	DUMP_THEN_RESUME,
	DUMP_THEN_DESTROY,
	DUMP_THEN_RESTART,
};

struct dump_job {
	char *path;
	char *temp_path;
	bool live;
	bool overwrite;
	enum dump_then then;
	bool paused_by_us;
	pid_t helper;
	uint32_t domid;
	uint64_t memory_bytes;
	uint64_t file_bytes;
	struct event *progress_timer;
	struct err *failure;
};

static void dump_job_free(void *data)
{
	struct dump_job *dj = data;

	if (dj->helper > 0) {
		kill(dj->helper, SIGKILL);
		loop_child_forget(dj->helper);
	}
	if (dj->progress_timer != NULL)
		event_free(dj->progress_timer);
	if (dj->temp_path != NULL)
		unlink(dj->temp_path);
	err_free(dj->failure);
	free(dj->temp_path);
	free(dj->path);
	free(dj);
}

static void dump_progress(evutil_socket_t fd, short what, void *arg)
{
	struct job *job = arg;
	struct dump_job *dj = job->data;
	struct stat st;

	if (dj->temp_path != NULL && stat(dj->temp_path, &st) == 0)
		job_set_progress(job, (uint64_t)st.st_size,
		    (uint64_t)st.st_size > dj->memory_bytes ?
		    (uint64_t)st.st_size : dj->memory_bytes);
}

static void dump_stop_progress(struct dump_job *dj)
{
	if (dj->progress_timer != NULL) {
		event_free(dj->progress_timer);
		dj->progress_timer = NULL;
	}
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
		event_emit_domain("DOMAIN_RESUMED", job->domain, NULL);
	job_fail_taking(job, &dj->failure);
}

static void dump_fail(struct job *job, struct err *e)
{
	struct dump_job *dj = job->data;

	dump_stop_progress(dj);
	if (dj->temp_path != NULL) {
		unlink(dj->temp_path);
		free(dj->temp_path);
		dj->temp_path = NULL;
	}
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

static json_object *dump_result(struct dump_job *dj)
{
	json_object *ret = json_object_new_object();

	json_object_object_add(ret, "file", json_object_new_string(dj->path));
	json_object_object_add(ret, "bytes",
	    json_object_new_int64((int64_t)dj->file_bytes));
	return ret;
}

static void dump_left(struct job *job, int rc)
{
	struct dump_job *dj = job->data;

	if (rc != 0) {
		job_fail(job, err_add_data(job_libxl_error(job, rc,
		    dj->then == DUMP_THEN_RESUME ?
		    "the dump is written, but unpausing the domain" :
		    "the dump is written, but destroying the domain"),
		    "file", json_object_new_string(dj->path)));
		return;
	}
	if (dj->then == DUMP_THEN_RESUME) {
		if (dj->paused_by_us)
			event_emit_domain("DOMAIN_RESUMED", job->domain, NULL);
	} else {
		lifecycle_domain_gone(job->domain);
		/* queued behind us: runs once this job lets go of the lock */
		if (dj->then == DUMP_THEN_RESTART)
			lifecycle_restart(job->domain);
	}
	job_complete(job, dump_result(dj));
}

static void dump_committed(struct job *job, struct err *e, uint64_t bytes)
{
	struct dump_job *dj = job->data;

	free(dj->temp_path);		/* renamed, or removed */
	dj->temp_path = NULL;
	if (e != NULL) {
		dump_fail(job, e);
		return;
	}
	dj->file_bytes = bytes;
	job_set_progress(job, dj->file_bytes, dj->file_bytes);
	log_info("domain %s: core dumped to %s (%" PRIu64 " bytes)",
	    job->domain_name, dj->path, dj->file_bytes);
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
	dump_stop_progress(dj);
	if (WIFEXITED(status) && WEXITSTATUS(status) == DUMP_HELPER_OK) {
		image_commit(job, -1, dj->temp_path, dj->path, dj->overwrite,
		    dump_committed);
		return;
	}
	if (job->abort_requested)
		dump_fail(job, err_new(ERR_ABORTED, "aborted"));
	else if (WIFSIGNALED(status))
		dump_fail(job, err_new(ERR_HYPERVISOR, "the dump helper died "
		    "(signal %d)", WTERMSIG(status)));
	else if (WEXITSTATUS(status) == DUMP_HELPER_IO_ERROR)
		dump_fail(job, err_new(ERR_IO, "cannot write %s (I/O error)",
		    dj->path));
	else
		dump_fail(job, err_new(ERR_HYPERVISOR, "libxl could not dump "
		    "the domain (helper exit status %d)", WEXITSTATUS(status)));
}

static void dump_spawn(struct job *job, int rc)
{
	struct dump_job *dj = job->data;
	struct timeval second = { 1, 0 };
	char domid[16], *args[3];
	pid_t pid;
	int error;

	if (rc != 0) {
		dump_fail(job, job_libxl_error(job, rc, "pausing the domain"));
		return;
	}
	if (dj->paused_by_us)
		event_emit_domain("DOMAIN_PAUSED", job->domain, NULL);
	if (job->abort_requested) {
		dump_fail(job, err_new(ERR_ABORTED, "aborted"));
		return;
	}
	snprintf(domid, sizeof domid, "%" PRIu32, dj->domid);
	args[0] = domid;
	args[1] = dj->temp_path;
	args[2] = NULL;
	error = helper_spawn("xenlightd-dump-helper", args, NULL, &pid);
	if (error != 0) {
		dump_fail(job, err_new(ERR_INTERNAL, "cannot start the dump "
		    "helper: %s", strerror(error)));
		return;
	}
	dj->helper = pid;
	loop_child_watch(pid, dump_helper_exited, job);
	job_set_journal(job, "helper", json_object_new_int64(pid));
	dj->progress_timer = event_new(daemon_base, -1, EV_PERSIST,
	    dump_progress, job);
	evtimer_add(dj->progress_timer, &second);
	job_set_progress(job, 0, dj->memory_bytes);
	log_info("domain %s: dumping core to %s (helper %d)", job->domain_name,
	    dj->path, (int)pid);
}

static void dump_start(struct job *job)
{
	struct dump_job *dj = job->data;
	libxl_dominfo info;
	bool paused = false;
	int fd;

	if (!power_still_running(job))
		return;
	dj->domid = job->domain->domid;
	libxl_dominfo_init(&info);
	if (libxl_domain_info(daemon_ctx, &info, dj->domid) == 0) {
		paused = info.paused;
		dj->memory_bytes = info.current_memkb * 1024;
	}
	libxl_dominfo_dispose(&info);
	fd = fsutil_create_partial(dj->path, 0600, &dj->temp_path);
	if (fd < 0) {
		job_fail(job, err_new(ERR_IO, "cannot create a file next to %s: "
		    "%s", dj->path, strerror(-fd)));
		return;
	}
	close(fd);
	job_set_journal(job, "temp", json_object_new_string(dj->temp_path));
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
	const char *temp = arg_string(extra, "temp");

	if (arg_bool(extra, "committed", false)) {
		json_object *args = json_object_object_get(record, "args");
		const char *uuid_text = arg_string(record, "uuid");
		struct domain *d = NULL;
		libxl_uuid uuid;

		lifecycle_recover_note(error, "the core file is complete");
		if (uuid_text != NULL &&
		    libxl_uuid_from_string(&uuid, uuid_text) == 0)
			d = domain_find_uuid(&uuid);
		/* crash: true meant the domain to go after its dump */
		if (d != NULL && domain_is_running(d) &&
		    arg_bool(args, "crash", false)) {
			job_submit_internal(&domain_destroy_job, d, NULL);
			return;
		}
	} else {
		const char *file = arg_string(json_object_object_get(record,
		    "args"), "file");

		if (temp != NULL && unlink(temp) == 0)
			log_notice("removed %s, left by an interrupted dump",
			    temp);
		if (file != NULL && fsutil_remove_partials(file) > 0)
			log_notice("removed what an interrupted dump left of %s",
			    file);
		lifecycle_recover_note(error, "no core file was written");
	}
	lifecycle_recover_suspended(record);
}

const struct job_type domain_dump_job = {
	.name = "domain-dump",
	.kind = JOB_ASYNC,
	.abortable = true,
	.start = dump_start,
	.abort = dump_abort,
	.free_data = dump_job_free,
	.recover = dump_recover,
};

static const struct arg_spec domain_dump_args[] = {
	{ "domain", ARG_DOMAIN, true, 0, 0, NULL, "name, UUID or domid" },
	{ "file", ARG_PATH, true, 0, 0, NULL, "where to write the core" },
	{ "live", ARG_BOOL, false, 0, 0, NULL,
	  "leave the domain running during the dump" },
	{ "crash", ARG_BOOL, false, 0, 0, NULL, "destroy the domain after" },
	{ "overwrite", ARG_BOOL, false, 0, 0, NULL, "replace an existing file" },
	ARG_END
};

static void cmd_domain_dump_run(struct request *req)
{
	const char *file = arg_string(req->args, "file");
	bool overwrite = arg_bool(req->args, "overwrite", false);
	struct dump_job *dj;
	struct domain *d;
	struct stat st;
	struct err *e;

	if (!overwrite && lstat(file, &st) == 0) {
		request_fail(req, err_new(ERR_INVALID_ARGUMENT, "%s exists "
		    "(overwrite: true replaces it)", file));
		return;
	}
	if ((e = fsutil_check_parent_dir(file)) != NULL) {
		request_fail(req, e);
		return;
	}
	d = power_running_domain(req, "dump");
	if (d == NULL)
		return;
	dj = calloc(1, sizeof *dj);
	if (dj == NULL)
		abort();
	dj->path = strdup(file);
	dj->overwrite = overwrite;
	dj->live = arg_bool(req->args, "live", false);
	dj->then = arg_bool(req->args, "crash", false) ? DUMP_THEN_DESTROY :
	    DUMP_THEN_RESUME;
	job_submit(req, &domain_dump_job, d, dj);
}

const struct command cmd_domain_dump = {
	.name = "domain-dump",
	.kind = COMMAND_ASYNC,
	.args = domain_dump_args,
	.handler = cmd_domain_dump_run,
	.help = "write a domain's memory to an ELF core file",
};

void dump_submit_on_crash(struct domain *d, bool restart)
{
	struct dump_job *dj = calloc(1, sizeof *dj);

	if (dj == NULL)
		abort();
	dj->path = store_dump_path(d);
	dj->live = true;		/* a crashed guest runs no more */
	dj->then = restart ? DUMP_THEN_RESTART : DUMP_THEN_DESTROY;
	job_submit_internal(&domain_dump_job, d, dj);
}
