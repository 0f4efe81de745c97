/* Job commands: job-list, job-info, job-wait, job-abort, job-dismiss. */
#include "config.h"

#include "daemon/command.h"
#include "daemon/domain.h"
#include "daemon/job.h"
#include "daemon/request.h"

static const char *const job_states[] = {
	"queued", "running", "aborting", "completed", "failed", "aborted", NULL
};

static const struct arg_spec job_list_args[] = {
	{ "domain", ARG_DOMAIN, false, 0, 0, NULL, "only this domain's jobs" },
	{ "state", ARG_ENUM, false, 0, 0, job_states, "only jobs in this state" },
	ARG_END
};

static void job_list_run(struct request *req)
{
	const char *state = arg_string(req->args, "state");
	enum job_state filter;

	if (state == NULL || !job_state_parse(state, &filter))
		filter = (enum job_state)-1;
	request_reply(req, job_list_json(req->domain, state ? (int)filter : -1));
}

const struct command cmd_job_list = {
	.name = "job-list",
	.kind = COMMAND_QUERY,
	.args = job_list_args,
	.target = TARGET_DOMAIN_OPTIONAL,
	.run = job_list_run,
	.help = "running, queued and recently finished jobs",
};

static const struct arg_spec job_args[] = {
	{ "job", ARG_INT, true, 1, INT64_MAX, NULL, "job id" },
	ARG_END
};

static void job_info_run(struct request *req)
{
	request_reply(req, job_to_json(req->job));
}

const struct command cmd_job_info = {
	.name = "job-info",
	.kind = COMMAND_QUERY,
	.args = job_args,
	.target = TARGET_JOB,
	.run = job_info_run,
	.help = "one job: state, progress, error, result",
};

static const struct arg_spec job_wait_args[] = {
	{ "job", ARG_INT, true, 1, INT64_MAX, NULL, "job id" },
	{ "timeout_ms", ARG_INT, false, 0, INT64_MAX, NULL,
	  "give up waiting after this long (reply with the job as it is)" },
	ARG_END
};

static void job_wait_run(struct request *req)
{
	request_wait_job(req, req->job, arg_int(req->args, "timeout_ms", -1));
}

const struct command cmd_job_wait = {
	.name = "job-wait",
	.kind = COMMAND_QUERY,
	.args = job_wait_args,
	.target = TARGET_JOB,
	.run = job_wait_run,
	.help = "the job, once it has finished",
};

static json_object *job_abort_reply(bool aborting, const struct job *job)
{
	json_object *ret = json_object_new_object();

	json_object_object_add(ret, "aborting",
	    json_object_new_boolean(aborting));
	json_object_object_add(ret, "state",
	    json_object_new_string(job_state_name(job->state)));
	return ret;
}

static void job_abort_run(struct request *req)
{
	struct job *job = req->job;
	struct err *e;

	if (job_is_finished(job)) {
		/* it finished first: nothing to abort, and no error either */
		request_reply(req, job_abort_reply(false, job));
		return;
	}
	e = job_abort(job);
	if (e != NULL)
		request_fail(req, e);
	else
		request_reply(req, job_abort_reply(true, job));
}

const struct command cmd_job_abort = {
	.name = "job-abort",
	.kind = COMMAND_CONTROL,
	.args = job_args,
	.target = TARGET_JOB,
	.run = job_abort_run,
	.help = "cut a running job short (it ends aborted, or completed if it "
	    "finished first)",
};

static void job_dismiss_run(struct request *req)
{
	struct err *e = job_dismiss(req->job);

	if (e != NULL)
		request_fail(req, e);
	else
		request_reply(req, NULL);
}

const struct command cmd_job_dismiss = {
	.name = "job-dismiss",
	.kind = COMMAND_CONTROL,
	.args = job_args,
	.target = TARGET_JOB,
	.run = job_dismiss_run,
	.help = "forget a finished job",
};
