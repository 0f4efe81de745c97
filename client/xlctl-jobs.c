/* xlctl: jobs: jobs, job, job-wait, abort, job-dismiss. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "client/xlctl-cmd.h"
#include "client/xlctl-connect.h"
#include "client/xlctl-follow.h"
#include "client/xlctl-format.h"
#include "client/xlctl-output.h"

static int xlctl_build_job(const struct xlctl_args *args,
    struct xlctl_request *req, struct xlctl_error *err)
{
	return xlctl_req_int_text(req, "job", args->argv[0], 1, INT64_MAX,
	    "job id", err);
}

/* "64.0 MiB / 128.0 MiB (50%)" */
static const char *xlctl_progress_cell(json_object *progress, char *buf,
    size_t size)
{
	int64_t current = xlctl_get_int(progress, "current", -1);
	int64_t total = xlctl_get_int(progress, "total", -1);
	char done[32], all[32];

	if (current < 0)
		return "-";
	if (total <= 0) {
		snprintf(buf, size, "%s", xlctl_format_bytes(done, sizeof done,
		    (double)current));
		return buf;
	}
	snprintf(buf, size, "%s / %s (%d%%)",
	    xlctl_format_bytes(done, sizeof done, (double)current),
	    xlctl_format_bytes(all, sizeof all, (double)total),
	    (int)((double)current * 100 / (double)total));
	return buf;
}

/* ------------------------------------------------------------------------
 * jobs, job, job-wait, abort, job-dismiss */

static const struct xlctl_flag xlctl_jobs_flags[] = {
	{ "domain", 'd', "DOMAIN", "only the jobs of DOMAIN" },
	{ "state", 's', "STATE",
	  "only jobs in STATE (running, completed, failed, ...)" },
	XLCTL_FLAG_END
};

static int xlctl_jobs_build(const struct xlctl_args *args,
    struct xlctl_request *req, struct xlctl_error *err)
{
	const char *domain = xlctl_args_get(args, "domain");
	const char *state = xlctl_args_get(args, "state");

	if (domain != NULL)
		xlctl_req_string(req, "domain", domain);
	if (state != NULL)
		xlctl_req_string(req, "state", state);
	return XLCTL_EXIT_OK;
}

static int xlctl_jobs_print(struct xlctl_cli *cli,
    const struct xlctl_request *req, json_object *ret)
{
	json_object *jobs = ret;
	struct xlctl_table *t;

	if (json_object_is_type(ret, json_type_object))
		jobs = xlctl_get(ret, "jobs");
	if (!json_object_is_type(jobs, json_type_array)) {
		xlctl_print_tree(stdout, ret, 0);
		return XLCTL_EXIT_OK;
	}
	t = xlctl_table_new(7, "rllllrl");
	xlctl_table_row(t, "ID", "Type", "Domain", "State", "Progress",
	    "Elapsed", "Error");
	for (size_t i = 0; i < json_object_array_length(jobs); i++) {
		json_object *job = json_object_array_get_idx(jobs, i);
		char id[24], progress[96], elapsed[32], buf[64];

		snprintf(id, sizeof id, "%lld",
		    (long long)xlctl_get_int(job, "id", 0));
		snprintf(elapsed, sizeof elapsed, "%.1fs",
		    (double)xlctl_get_int(job, "elapsed_ms", 0) / 1000);
		xlctl_table_row(t, id, xlctl_get_string(job, "type"),
		    xlctl_format_value(xlctl_get(job, "domain"), buf,
		    sizeof buf),
		    xlctl_get_string(job, "state"),
		    xlctl_progress_cell(xlctl_get(job, "progress"), progress,
		    sizeof progress), elapsed,
		    xlctl_get_string(xlctl_get(job, "error"), "class"));
	}
	xlctl_table_print(t, stdout);
	xlctl_table_free(t);
	return XLCTL_EXIT_OK;
}

static const struct xlctl_cmd xlctl_cmd_jobs = {
	.name = "jobs",
	.execute = "job-list",
	.help = "list running and recent jobs",
	.min_args = 0, .max_args = 0,
	.kind = XLCTL_CMD_QUERY,
	.flags = xlctl_jobs_flags,
	.build = xlctl_jobs_build,
	.print = xlctl_jobs_print,
};

static int xlctl_job_print(struct xlctl_cli *cli,
    const struct xlctl_request *req, json_object *job)
{
	static const struct { const char *key, *label; } fields[] = {
		{ "id", "ID" }, { "type", "Type" }, { "domain", "Domain" },
		{ "state", "State" }, { "created", "Created" },
		{ "started", "Started" }, { "finished", "Finished" },
		{ "abortable", "Abortable" },
	};
	json_object *error = xlctl_get(job, "error");
	char buf[96];

	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
		printf("%-11s %s\n", fields[i].label, xlctl_format_value(
		    xlctl_get(job, fields[i].key), buf, sizeof buf));
	printf("%-11s %.1f s\n", "Elapsed",
	    (double)xlctl_get_int(job, "elapsed_ms", 0) / 1000);
	printf("%-11s %s\n", "Progress",
	    xlctl_progress_cell(xlctl_get(job, "progress"), buf, sizeof buf));
	if (xlctl_get_string(error, "class") != NULL)
		printf("%-11s %s: %s\n", "Error", xlctl_get_string(error, "class"),
		    xlctl_get_string(error, "desc"));
	else
		printf("%-11s -\n", "Error");
	printf("%-11s %s\n", "Result",
	    xlctl_format_value(xlctl_get(job, "result"), buf, sizeof buf));
	return XLCTL_EXIT_OK;
}

static const struct xlctl_cmd xlctl_cmd_job = {
	.name = "job",
	.execute = "job-info",
	.args = "ID",
	.help = "show a job: state, progress, error, result",
	.min_args = 1, .max_args = 1,
	.kind = XLCTL_CMD_QUERY,
	.build = xlctl_build_job,
	.print = xlctl_job_print,
};

static const struct xlctl_flag xlctl_job_wait_flags[] = {
	{ "timeout", 0, "MS", "give up after MS ms" },
	XLCTL_FLAG_END
};

static int xlctl_job_wait_build(const struct xlctl_args *args,
    struct xlctl_request *req, struct xlctl_error *err)
{
	const char *timeout = xlctl_args_get(args, "timeout");
	int rc = xlctl_build_job(args, req, err);

	if (rc == XLCTL_EXIT_OK && timeout != NULL)
		rc = xlctl_req_int_text(req, "timeout_ms", timeout, 0,
		    INT64_MAX, "timeout", err);
	return rc;
}

/* The exit status says how the job ended, for scripts.  Under --json the
 * job object alone says it, error included. */
static int xlctl_job_wait_run(struct xlctl_cli *cli,
    const struct xlctl_args *args, struct xlctl_request *req,
    struct xlctl_error *err)
{
	json_object *job;
	const char *state;
	int rc;

	if ((rc = xlctl_cli_connect(cli, err)) != XLCTL_EXIT_OK)
		return rc;
	job = xlctl_call(cli->conn, req->execute, req->arguments, NULL,
	    cli->timeout_ms, err);
	if (job == NULL)
		return XLCTL_EXIT_ERROR;
	if (cli->json)
		xlctl_print_json(stdout, job, false);
	else
		xlctl_job_print(cli, req, job);
	state = xlctl_get_string(job, "state");
	if (state != NULL && strcmp(state, "completed") == 0)
		rc = XLCTL_EXIT_OK;
	else if (xlctl_job_finished(state))
		rc = xlctl_job_error(job, err);
	else
		rc = xlctl_fail(err, XLCTL_EXIT_ERROR, "", "job %lld is still %s",
		    (long long)xlctl_get_int(job, "id", 0),
		    state != NULL ? state : "running");
	if (cli->json)
		xlctl_error_clear(err);
	json_object_put(job);
	return rc;
}

static const struct xlctl_cmd xlctl_cmd_job_wait = {
	.name = "job-wait",
	.execute = "job-wait",
	.args = "ID",
	.help = "wait for a job to end (exit 1 unless it completed)",
	.min_args = 1, .max_args = 1,
	.kind = XLCTL_CMD_OWN,
	.flags = xlctl_job_wait_flags,
	.build = xlctl_job_wait_build,
	.run = xlctl_job_wait_run,
};

static int xlctl_abort_print(struct xlctl_cli *cli,
    const struct xlctl_request *req, json_object *ret)
{
	long long id = (long long)xlctl_get_int(req->arguments, "job", 0);
	json_object *aborting = xlctl_get(ret, "aborting");

	if (aborting == NULL || json_object_get_boolean(aborting))
		return xlctl_done(cli, "Job %lld is aborting.", id);
	return xlctl_done(cli, "Job %lld had already ended.", id);
}

static const struct xlctl_cmd xlctl_cmd_abort = {
	.name = "abort",
	.execute = "job-abort",
	.args = "ID",
	.help = "abort a running or queued job",
	.min_args = 1, .max_args = 1,
	.kind = XLCTL_CMD_CHANGE,
	.build = xlctl_build_job,
	.print = xlctl_abort_print,
};

static int xlctl_job_dismiss_print(struct xlctl_cli *cli,
    const struct xlctl_request *req, json_object *ret)
{
	return xlctl_done(cli, "Job %lld dismissed.",
	    (long long)xlctl_get_int(req->arguments, "job", 0));
}

static const struct xlctl_cmd xlctl_cmd_job_dismiss = {
	.name = "job-dismiss",
	.execute = "job-dismiss",
	.args = "ID",
	.help = "forget a finished job",
	.min_args = 1, .max_args = 1,
	.kind = XLCTL_CMD_CHANGE,
	.build = xlctl_build_job,
	.print = xlctl_job_dismiss_print,
};

static const struct xlctl_cmd *const xlctl_jobs_cmds[] = {
	&xlctl_cmd_jobs,
	&xlctl_cmd_job,
	&xlctl_cmd_job_wait,
	&xlctl_cmd_abort,
	&xlctl_cmd_job_dismiss,
	NULL
};

const struct xlctl_family xlctl_jobs_family = {
	"Jobs", xlctl_jobs_cmds
};
