/* Job objects of PROTOCOL.md, for job-info, job-list, job-wait and the
 * replies of the jobs' submitters. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "daemon/daemon.h"
#include "daemon/domain.h"
#include "daemon/event.h"
#include "daemon/job.h"
#include "daemon/log.h"
#include "proto/message.h"


static json_object *job_parsed_result(const struct job *job)
{
	return job->result != NULL ? json_tokener_parse(job->result) : NULL;
}

json_object *job_to_json(const struct job *job)
{
	json_object *obj = json_object_new_object();
	struct timeval now, end, elapsed;

	json_object_object_add(obj, "id", json_object_new_int64((int64_t)job->id));
	json_object_object_add(obj, "type",
	    json_object_new_string(job_name(job)));
	json_object_object_add(obj, "domain", job->domain_name[0] ?
	    json_object_new_string(job->domain_name) : NULL);
	json_object_object_add(obj, "state",
	    json_object_new_string(job_state_name(job->state)));
	json_object_object_add(obj, "created", proto_time_json(&job->created));
	json_object_object_add(obj, "started", proto_time_json(&job->started));
	json_object_object_add(obj, "finished", proto_time_json(&job->finished));
	gettimeofday(&now, NULL);
	end = job_is_finished(job) ? job->finished : now;
	if (timerisset(&job->started) && timercmp(&end, &job->started, >))
		timersub(&end, &job->started, &elapsed);
	else
		timerclear(&elapsed);
	json_object_object_add(obj, "elapsed_ms", json_object_new_int64(
	    (int64_t)elapsed.tv_sec * 1000 + elapsed.tv_usec / 1000));
	if (job->has_progress) {
		json_object *progress = json_object_new_object();

		json_object_object_add(progress, "current",
		    json_object_new_int64((int64_t)job->progress_current));
		json_object_object_add(progress, "total",
		    json_object_new_int64((int64_t)job->progress_total));
		json_object_object_add(obj, "progress", progress);
	} else {
		json_object_object_add(obj, "progress", NULL);
	}
	json_object_object_add(obj, "abortable", json_object_new_boolean(
	    job->command->abortable && !job_is_finished(job)));
	json_object_object_add(obj, "internal",
	    json_object_new_boolean(job->internal));
	json_object_object_add(obj, "error", job->error != NULL ?
	    err_to_json(job->error) : NULL);
	json_object_object_add(obj, "result", job_parsed_result(job));
	return obj;
}

json_object *job_result_json(const struct job *job)
{
	json_object *ret = job_parsed_result(job);

	if (!json_object_is_type(ret, json_type_object)) {
		json_object_put(ret);
		ret = json_object_new_object();
	}
	json_object_object_add(ret, "job", json_object_new_int64((int64_t)job->id));
	return ret;
}

struct job_list_filter {
	json_object *list;
	struct domain *domain;
	int state;
};

static void job_list_one(struct job *job, void *arg)
{
	struct job_list_filter *f = arg;

	if (f->domain != NULL && strcmp(job->domain_name, f->domain->name) != 0)
		return;
	if (f->state >= 0 && job->state != (enum job_state)f->state)
		return;
	json_object_array_add(f->list, job_to_json(job));
}

json_object *job_list_json(struct domain *dom, int state_filter)
{
	struct job_list_filter f = { json_object_new_array(), dom,
		state_filter };

	job_each(job_list_one, &f);
	return f.list;
}

