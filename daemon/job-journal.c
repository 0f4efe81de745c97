/* The job journal: one record per job in <rundir>/jobs, rewritten at each
 * change, and what a restarted daemon makes of it.  Above the job core: it
 * hears of changes as the core's recorder. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/daemon.h"
#include "daemon/domain.h"
#include "daemon/job.h"
#include "daemon/log.h"
#include "daemon/store.h"
#include "proto/mem.h"
#include "proto/schema.h"

static json_object *job_time_us(const struct timeval *tv)
{
	return json_object_new_int64((int64_t)tv->tv_sec * 1000000 +
	    tv->tv_usec);
}

static void job_journal_write(struct job *job)
{
	json_object *record = json_object_new_object();

	json_object_object_add(record, "id", json_object_new_int64(
	    (int64_t)job->id));
	json_object_object_add(record, "type",
	    json_object_new_string(job_name(job)));
	json_object_object_add(record, "domain",
	    json_object_new_string(job->domain_name));
	if (job->domain != NULL)
		json_object_object_add(record, "uuid",
		    json_object_new_string(job->domain->uuid_text));
	json_object_object_add(record, "state",
	    json_object_new_string(job_state_name(job->state)));
	json_object_object_add(record, "created_us", job_time_us(&job->created));
	json_object_object_add(record, "started_us", job_time_us(&job->started));
	json_object_object_add(record, "finished_us",
	    job_time_us(&job->finished));
	if (job->error != NULL)
		json_object_object_add(record, "error", err_to_json(job->error));
	if (job->result != NULL)
		json_object_object_add(record, "result",
		    json_tokener_parse(job->result));
	if (job->journal_extra != NULL)
		json_object_object_add(record, "extra",
		    json_object_get(job->journal_extra));
	if (job->args != NULL)
		json_object_object_add(record, "args", json_object_get(job->args));
	store_journal_write(job->id, record);
	json_object_put(record);
}

static const struct job_recorder job_journal = {
	.write = job_journal_write,
	.remove = store_journal_remove,
};

void job_journal_attach(void)
{
	job_set_recorder(&job_journal);
}

bool job_record_is(json_object *record, const char *command_name)
{
	const char *name = arg_string(record, "type");

	return name != NULL && strcmp(name, command_name) == 0;
}

static void job_timeval_from(json_object *record, const char *key,
    struct timeval *tv)
{
	int64_t us = arg_int(record, key, 0);

	tv->tv_sec = us / 1000000;
	tv->tv_usec = us % 1000000;
}

/* A job that died with the previous daemon: it failed, and its command
 * repairs what it left half-done. */
static void job_recover_interrupted(struct job *job, json_object *record)
{
	job->state = JOB_FAILED;
	err_free(job->error);
	job->error = err_new(ERR_ABORTED, "interrupted by daemon restart");
	gettimeofday(&job->finished, NULL);
	if (!timerisset(&job->started))
		job->started = job->finished;
	log_notice("job %" PRIu64 " (%s %s): interrupted by daemon restart",
	    job->id, job_name(job), job->domain_name);
	if (job->command->recover != NULL)
		job->command->recover(record, job->error);
}

static void job_recover_one(json_object *record, void *arg)
{
	const char *type_name = arg_string(record, "type");
	const char *state_name = arg_string(record, "state");
	const char *domain = arg_string(record, "domain");
	const struct command *command = type_name ? command_find(type_name) :
	    NULL;
	uint64_t id = (uint64_t)arg_int(record, "id", 0);
	enum job_state state;
	json_object *value;
	struct job *job;

	if (command == NULL || !command_has_job(command) || id == 0 ||
	    state_name == NULL || !job_state_parse(state_name, &state) ||
	    job_find(id) != NULL) {
		log_error("job journal: unusable record for job %" PRIu64
		    "; removed", id);
		if (id != 0)
			store_journal_remove(id);
		return;
	}
	job = xcalloc(1, sizeof *job);
	job->id = id;
	job->command = command;
	job->state = state;
	snprintf(job->domain_name, sizeof job->domain_name, "%s",
	    domain ? domain : "");
	job_timeval_from(record, "created_us", &job->created);
	job_timeval_from(record, "started_us", &job->started);
	job_timeval_from(record, "finished_us", &job->finished);
	if (json_object_object_get_ex(record, "args", &value))
		job->args = json_object_get(value);
	if (json_object_object_get_ex(record, "extra", &value))
		job->journal_extra = json_object_get(value);
	if (json_object_object_get_ex(record, "result", &value))
		job->result = xstrdup(json_object_to_json_string_ext(value,
		    JSON_C_TO_STRING_PLAIN));
	if (json_object_object_get_ex(record, "error", &value))
		job->error = err_from_json(value);
	if (!job_is_finished(job))
		job_recover_interrupted(job, record);
	job_add_finished(job);
	job_journal_write(job);
}

void job_recover(void)
{
	store_journal_load(job_recover_one, NULL);
	job_sort_history();
}
