/* Job commands: job-list, job-info, job-wait, job-abort, job-dismiss. */
#include "config.h"

#include "daemon/command.h"
#include "daemon/commands.h"
#include "daemon/domain.h"
#include "daemon/job.h"

static const char *const job_states[] = {
	"queued", "running", "aborting", "completed", "failed", "aborted", NULL
};

static const struct arg_spec job_list_args[] = {
	{ "domain", ARG_DOMAIN, false, 0, 0, NULL, "only this domain's jobs" },
	{ "state", ARG_ENUM, false, 0, 0, job_states, "only jobs in this state" },
	ARG_END
};

static void cmd_job_list_run(struct request *req)
{
	const char *state = arg_string(req->args, "state");
	json_object *domain = json_object_object_get(req->args, "domain");
	struct domain *d = NULL;
	enum job_state filter;
	struct err *e = NULL;

	if (domain != NULL && (d = domain_lookup(domain, &e)) == NULL) {
		request_fail(req, e);
		return;
	}
	if (state == NULL || !job_state_parse(state, &filter))
		filter = (enum job_state)-1;
	request_reply(req, job_list_json(d, state ? (int)filter : -1));
}

const struct command cmd_job_list = {
	.name = "job-list",
	.kind = COMMAND_QUERY,
	.args = job_list_args,
	.handler = cmd_job_list_run,
	.help = "running, queued and recently finished jobs",
};

static const struct arg_spec job_args[] = {
	{ "job", ARG_INT, true, 1, INT64_MAX, NULL, "job id" },
	ARG_END
};

static struct job *job_argument(struct request *req)
{
	uint64_t id = (uint64_t)arg_int(req->args, "job", 0);
	struct job *job = job_find(id);

	if (job == NULL)
		request_fail(req, err_new(ERR_JOB_NOT_FOUND,
		    "no job %llu (finished jobs are kept for a while, then "
		    "forgotten)", (unsigned long long)id));
	return job;
}

static void cmd_job_info_run(struct request *req)
{
	struct job *job = job_argument(req);

	if (job != NULL)
		request_reply(req, job_to_json(job));
}

const struct command cmd_job_info = {
	.name = "job-info",
	.kind = COMMAND_QUERY,
	.args = job_args,
	.handler = cmd_job_info_run,
	.help = "one job: state, progress, error, result",
};

static const struct arg_spec job_wait_args[] = {
	{ "job", ARG_INT, true, 1, INT64_MAX, NULL, "job id" },
	{ "timeout_ms", ARG_INT, false, 0, INT64_MAX, NULL,
	  "give up waiting after this long (reply with the job as it is)" },
	ARG_END
};

static void cmd_job_wait_run(struct request *req)
{
	struct job *job = job_argument(req);

	if (job != NULL)
		job_wait(req, job, arg_int(req->args, "timeout_ms", -1));
}

const struct command cmd_job_wait = {
	.name = "job-wait",
	.kind = COMMAND_QUERY,
	.args = job_wait_args,
	.handler = cmd_job_wait_run,
	.help = "the job, once it has finished",
};

static void cmd_job_abort_run(struct request *req)
{
	struct job *job = job_argument(req);
	json_object *ret;
	struct err *e;

	if (job == NULL)
		return;
	if (job_is_finished(job)) {
		/* it finished first: nothing to abort, and no error either */
		ret = json_object_new_object();
		json_object_object_add(ret, "aborting",
		    json_object_new_boolean(false));
		json_object_object_add(ret, "state",
		    json_object_new_string(job_state_name(job->state)));
		request_reply(req, ret);
		return;
	}
	e = job_abort(job);
	if (e != NULL) {
		request_fail(req, e);
		return;
	}
	ret = json_object_new_object();
	json_object_object_add(ret, "aborting", json_object_new_boolean(true));
	json_object_object_add(ret, "state",
	    json_object_new_string(job_state_name(job->state)));
	request_reply(req, ret);
}

const struct command cmd_job_abort = {
	.name = "job-abort",
	.kind = COMMAND_CONTROL,
	.args = job_args,
	.handler = cmd_job_abort_run,
	.help = "cut a running job short (it ends aborted, or completed if it "
	    "finished first)",
};

static void cmd_job_dismiss_run(struct request *req)
{
	struct job *job = job_argument(req);
	struct err *e;

	if (job == NULL)
		return;
	e = job_dismiss(job);
	if (e != NULL)
		request_fail(req, e);
	else
		request_reply(req, NULL);
}

const struct command cmd_job_dismiss = {
	.name = "job-dismiss",
	.kind = COMMAND_CONTROL,
	.args = job_args,
	.handler = cmd_job_dismiss_run,
	.help = "forget a finished job",
};
