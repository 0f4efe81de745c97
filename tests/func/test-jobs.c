/* The job model on the simulator: queries never wait, many domains at once,
 * FIFO lock queues with deadlines, destroy always wins, and completions
 * from every context libxl delivers them in. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <criterion/criterion.h>

#include "tests/func/harness.h"

static json_object *xl_args(const char *name, int memory_mib,
    const char *extra)
{
	char *text = xl_config_text(name, memory_mib);
	json_object *args = json_object_new_object();
	char *all;

	if (asprintf(&all, "%s%s", text, extra ? extra : "") < 0)
		abort();
	json_object_object_add(args, "xl_config", json_object_new_string(all));
	free(all);
	free(text);
	return args;
}

static int64_t create_detached(struct xlctl *c, const char *name)
{
	struct xlctl_options opts = { .detach = true };
	struct xlctl_error err = { 0 };
	json_object *args = xl_args(name, 64, NULL);
	json_object *ret = xlctl_call(c, "domain-create", args, &opts, 60000, &err);
	int64_t job;

	json_object_put(args);
	cr_assert_not_null(ret, "create %s: %s %s", name, err.class_name, err.desc);
	job = json_int(ret, "job");
	json_object_put(ret);
	return job;
}

static const char *job_state(struct xlctl *c, int64_t job)
{
	static char state[32];
	json_object *info = job_info(c, job);

	snprintf(state, sizeof state, "%s", json_str(info, "state"));
	json_object_put(info);
	return state;
}

/* 1. A long create on A: queries of A and B are answered meanwhile. */
Test(jobs, queries_are_answered_during_a_long_create, .timeout = 180)
{
	struct dut *d = dut_start(NULL);
	struct xlctl *c1 = dut_connect(d), *c2 = dut_connect(d);
	int64_t job;

	json_object_put(create_domain(c1, "b", 64));
	sim_ok(d, "sim-set", "{\"create_ms\":60000}");
	job = create_detached(c1, "a");
	for (int i = 0; i < 20; i++) {
		json_object *a = call_ok(c2, "domain-info", "{\"domain\":\"a\"}");
		json_object *b = call_ok(c2, "domain-info", "{\"domain\":\"b\"}");
		json_object *list = call_ok(c2, "domain-list", NULL);
		json_object *cfg = call_ok(c2, "domain-config", "{\"domain\":\"b\"}");
		json_object *cfga = call_ok(c2, "domain-config", "{\"domain\":\"a\"}");
		json_object *holder = json_get(a, "job");

		cr_assert_str_eq(json_str(holder, "type"), "domain-create");
		cr_assert(strcmp(json_str(b, "state"), "running") == 0 ||
		    strcmp(json_str(b, "state"), "blocked") == 0);
		cr_assert_geq(json_object_array_length(list), 3);
		cr_assert_str_eq(json_str(json_get(cfg, "c_info"), "name"), "b");
		cr_assert_str_eq(json_str(json_get(cfga, "c_info"), "name"), "a");
		json_object_put(a);
		json_object_put(b);
		json_object_put(list);
		json_object_put(cfg);
		json_object_put(cfga);
	}
	/* every answer came while the create still ran */
	cr_assert_str_eq(job_state(c2, job), "running");
	json_object_put(call_ok(c2, "domain-destroy", "{\"domain\":\"a\"}"));
	xlctl_close(c1);
	xlctl_close(c2);
	dut_stop(d);
	dut_free(d);
}

static void create_many(struct dut *d, int n, bool separate_connections)
{
	struct xlctl *conns[8];
	int64_t ids[8];
	json_object *info;

	for (int i = 0; i < n; i++)
		conns[i] = (separate_connections || i == 0) ? dut_connect(d) :
		    conns[0];
	/* all sent before any reply is read: the creates overlap */
	for (int i = 0; i < n; i++) {
		char name[32];
		json_object *args;

		snprintf(name, sizeof name, "m%d-%d", n, i);
		args = xl_args(name, 64, NULL);
		ids[i] = xlctl_send(conns[i], "domain-create", args, NULL);
		json_object_put(args);
	}
	for (int i = 0; i < n; i++) {
		struct xlctl_error err = { 0 };
		json_object *ret = xlctl_wait_reply(conns[i], ids[i], 60000, &err);

		cr_assert_not_null(ret, "create %d: %s %s", i, err.class_name,
		    err.desc);
		cr_assert(strcmp(json_str(ret, "state"), "running") == 0 ||
		    strcmp(json_str(ret, "state"), "blocked") == 0);
		json_object_put(ret);
	}
	info = sim_info(d);
	cr_assert_eq(json_int(info, "children"), 0);
	cr_assert_eq(json_int(info, "ops_in_flight"), 0);
	cr_assert_eq(json_int(info, "timers"), 0);
	json_object_put(info);
	for (int i = 0; i < n; i++)
		if (separate_connections || i == 0)
			xlctl_close(conns[i]);
}

/* 2. Two and eight creates at once, on one connection and on eight. */
Test(jobs, concurrent_creates, .timeout = 180)
{
	struct dut *d = dut_start(NULL);

	create_many(d, 2, false);
	create_many(d, 8, false);
	sim_ok(d, "sim-set", "{\"create_ms\":200}");
	for (int i = 0; i < 8; i++) {
		char name[32];
		struct xlctl *c = dut_connect(d);

		snprintf(name, sizeof name, "m2-%d", i);
		if (i < 2)
			json_object_put(call_ok(c, "domain-destroy",
			    "{\"domain\":\"%s\"}", name));
		xlctl_close(c);
	}
	{
		struct dut *e = d;
		struct xlctl *conns[8];
		int64_t ids[8];

		for (int i = 0; i < 8; i++) {
			char name[32];
			json_object *args;

			conns[i] = dut_connect(e);
			snprintf(name, sizeof name, "p%d", i);
			args = xl_args(name, 64, NULL);
			ids[i] = xlctl_send(conns[i], "domain-create", args, NULL);
			json_object_put(args);
		}
		for (int i = 0; i < 8; i++) {
			struct xlctl_error err = { 0 };
			json_object *ret = xlctl_wait_reply(conns[i], ids[i],
			    60000, &err);

			cr_assert_not_null(ret, "%s %s", err.class_name, err.desc);
			json_object_put(ret);
			xlctl_close(conns[i]);
		}
	}
	{
		json_object *info = sim_info(d);

		cr_assert_eq(json_int(info, "children"), 0);
		cr_assert_eq(json_int(info, "ops_in_flight"), 0);
		cr_assert_eq(json_int(info, "timers"), 0);
		/* Domain-0, m8-0..7 and p0..7 (m2-* were destroyed) */
		cr_assert_eq(json_object_array_length(json_get(info,
		    "domains")), 17);
		json_object_put(info);
	}
	dut_stop(d);
	dut_free(d);
}

/* 3. Modify requests on a busy domain: FIFO after the lock frees; a short
 * lock_wait_ms fails Busy naming the holder. */
Test(jobs, fifo_queue_and_busy, .timeout = 180)
{
	struct dut *d = dut_start(NULL);
	struct xlctl *c = dut_connect(d), *events = dut_connect(d);
	struct xlctl_options quick = { .has_lock_wait_ms = true,
		.lock_wait_ms = 100 };
	struct xlctl_error err = { 0 };
	json_object *args, *ret;
	int64_t save, q[3];
	const char *order[3] = { NULL };
	int seen = 0;

	json_object_put(create_domain(c, "busy", 64));
	/* the save hangs until aborted: it holds the lock meanwhile */
	sim_ok(d, "sim-fault", "{\"op\":\"save\",\"kind\":\"hang\"}");
	save = call_detached(c, "domain-save", "{\"domain\":\"busy\","
	    "\"file\":\"%s/busy.save\"}", d->dir);
	for (int64_t deadline = now_ms() + 10000;
	    strcmp(job_state(c, save), "running") != 0;)
		cr_assert_lt(now_ms(), deadline);
	json_object_put(call_ok(events, "subscribe",
	    "{\"events\":[\"JOB_STATUS_CHANGE\"]}"));
	q[0] = call_detached(c, "domain-pause", "{\"domain\":\"busy\"}");
	q[1] = call_detached(c, "domain-unpause", "{\"domain\":\"busy\"}");
	q[2] = call_detached(c, "domain-set-memory", "{\"domain\":\"busy\","
	    "\"memory_kib\":60000}");
	for (int i = 0; i < 3; i++)
		cr_assert_str_eq(job_state(c, q[i]), "queued");
	/* a fourth that may wait only 100 ms */
	args = json_parse("{\"domain\":\"busy\"}");
	ret = xlctl_call(c, "domain-pause", args, &quick, 30000, &err);
	cr_assert_null(ret);
	cr_assert_str_eq(err.class_name, "Busy");
	cr_assert(strstr(err.desc, "domain-save") != NULL, "%s", err.desc);
	{
		char holder[32];

		snprintf(holder, sizeof holder, "job %lld", (long long)save);
		cr_assert(strstr(err.desc, holder) != NULL, "%s", err.desc);
	}
	xlctl_error_clear(&err);
	json_object_put(args);
	/* free the lock */
	json_object_put(call_ok(c, "job-abort", "{\"job\":%lld}",
	    (long long)save));
	for (int i = 0; i < 3; i++) {
		json_object *job = wait_job(c, q[i], 30000);

		cr_assert_str_eq(json_str(job, "state"), "completed", "%s: %s",
		    json_str(job, "type"), json_object_to_json_string(
		    json_get(job, "error")));
		json_object_put(job);
	}
	/* they started in the order they were queued */
	while (seen < 3) {
		json_object *ev = wait_event(events, "JOB_STATUS_CHANGE", 10000);
		json_object *data = json_get(ev, "data");

		if (strcmp(json_str(data, "state"), "running") == 0 &&
		    strcmp(json_str(data, "type"), "domain-save") != 0)
			order[seen++] = strdup(json_str(data, "type"));
		json_object_put(ev);
	}
	cr_assert_str_eq(order[0], "domain-pause");
	cr_assert_str_eq(order[1], "domain-unpause");
	cr_assert_str_eq(order[2], "domain-set-memory");
	for (int i = 0; i < 3; i++)
		free((char *)order[i]);
	xlctl_close(events);
	xlctl_close(c);
	dut_stop(d);
	dut_free(d);
}

/* 4. Destroy during a long create: the create ends aborted, nothing
 * half-built remains, the queued jobs fail OperationInvalid. */
Test(jobs, destroy_preempts_a_create, .timeout = 180)
{
	struct dut *d = dut_start(NULL);
	struct xlctl *c = dut_connect(d);
	json_object *job, *info;
	int64_t create, pause;

	sim_ok(d, "sim-set", "{\"create_ms\":60000}");
	create = create_detached(c, "victim");
	pause = call_detached(c, "domain-pause", "{\"domain\":\"victim\"}");
	json_object_put(call_ok(c, "domain-destroy", "{\"domain\":\"victim\"}"));
	job = wait_job(c, create, 30000);
	cr_assert_str_eq(json_str(job, "state"), "aborted");
	json_object_put(job);
	job = wait_job(c, pause, 30000);
	cr_assert_str_eq(json_str(job, "state"), "failed");
	cr_assert_str_eq(json_str(json_get(job, "error"), "class"),
	    "OperationInvalid");
	json_object_put(job);
	call_fails(c, "DomainNotFound", "domain-info", "{\"domain\":\"victim\"}");
	info = sim_info(d);
	cr_assert_null(sim_domain(info, "victim"), "a half-built domain remains");
	cr_assert_eq(json_int(info, "ops_in_flight"), 0);
	json_object_put(info);
	xlctl_close(c);
	dut_stop(d);
	dut_free(d);
}

/* Completions inside the initiating call (quick ops, core dumps)... */
Test(jobs, completion_inside_the_initiator, .timeout = 180)
{
	struct dut *d = dut_start(NULL);
	struct xlctl *c = dut_connect(d);
	json_object *ret;

	sim_ok(d, "sim-set", "{\"inline_ops\":true}");
	json_object_put(create_domain(c, "inl", 64));
	ret = call_ok(c, "domain-pause", "{\"domain\":\"inl\"}");
	cr_assert_str_eq(json_str(ret, "state"), "paused");
	json_object_put(ret);
	ret = call_ok(c, "domain-unpause", "{\"domain\":\"inl\"}");
	cr_assert_str_neq(json_str(ret, "state"), "paused");
	json_object_put(ret);
	json_object_put(call_ok(c, "domain-set-vcpus",
	    "{\"domain\":\"inl\",\"count\":1}"));
	ret = call_ok(c, "domain-dump", "{\"domain\":\"inl\",\"file\":"
	    "\"%s/inl.core\"}", d->dir);
	cr_assert_gt(json_int(ret, "bytes"), 0);
	json_object_put(ret);
	json_object_put(call_ok(c, "domain-destroy", "{\"domain\":\"inl\"}"));
	xlctl_close(c);
	dut_stop(d);
	dut_free(d);
}

/* ... inside libxl_ao_abort (a timer-driven create) ... */
Test(jobs, completion_inside_abort, .timeout = 180)
{
	struct dut *d = dut_start(NULL);
	struct xlctl *c = dut_connect(d);
	json_object *job, *ret, *info;
	int64_t create;

	sim_ok(d, "sim-set", "{\"create_ms\":60000}");
	create = create_detached(c, "ab");
	for (int64_t deadline = now_ms() + 10000;
	    strcmp(job_state(c, create), "running") != 0;)
		cr_assert_lt(now_ms(), deadline);
	ret = call_ok(c, "job-abort", "{\"job\":%lld}", (long long)create);
	cr_assert(json_flag(ret, "aborting"));
	json_object_put(ret);
	job = wait_job(c, create, 30000);
	cr_assert_str_eq(json_str(job, "state"), "aborted");
	cr_assert_str_eq(json_str(json_get(job, "error"), "class"), "Aborted");
	json_object_put(job);
	info = sim_info(d);
	cr_assert_null(sim_domain(info, "ab"));
	json_object_put(info);
	xlctl_close(c);
	dut_stop(d);
	dut_free(d);
}

/* ... and inside SIGCHLD handling (the save helper's exit). */
Test(jobs, completion_inside_sigchld, .timeout = 180)
{
	struct dut *d = dut_start(NULL);
	struct xlctl *c = dut_connect(d);
	json_object *ret, *info;

	json_object_put(create_domain(c, "chld", 64));
	ret = call_ok(c, "domain-save", "{\"domain\":\"chld\",\"file\":"
	    "\"%s/chld.save\",\"leave\":\"running\"}", d->dir);
	cr_assert_gt(json_int(ret, "bytes"), 64 * 1024 * 1024);
	json_object_put(ret);
	info = sim_info(d);
	cr_assert_eq(json_int(info, "children"), 0);
	cr_assert_str_eq(json_str(sim_domain(info, "chld"), "state"), "running");
	json_object_put(info);
	xlctl_close(c);
	dut_stop(d);
	dut_free(d);
}

Test(jobs, history_and_dismiss, .timeout = 120)
{
	struct dut *d = dut_start(NULL);
	struct xlctl *c = dut_connect(d);
	json_object *ret, *list;
	int64_t job;

	json_object_put(create_domain(c, "h", 64));
	job = call_detached(c, "domain-pause", "{\"domain\":\"h\"}");
	ret = wait_job(c, job, 30000);
	cr_assert_str_eq(json_str(ret, "state"), "completed");
	cr_assert_str_eq(json_str(ret, "domain"), "h");
	json_object_put(ret);
	list = call_ok(c, "job-list", "{\"domain\":\"h\"}");
	cr_assert_geq(json_object_array_length(list), 2);	/* create, pause */
	json_object_put(list);
	list = call_ok(c, "job-list", "{\"state\":\"running\"}");
	cr_assert_eq(json_object_array_length(list), 0);
	json_object_put(list);
	json_object_put(call_ok(c, "job-dismiss", "{\"job\":%lld}",
	    (long long)job));
	call_fails(c, "JobNotFound", "job-info", "{\"job\":%lld}", (long long)job);
	/* a pause cannot be aborted; a finished job is not an error */
	sim_ok(d, "sim-fault", "{\"op\":\"save\",\"kind\":\"hang\"}");
	job = call_detached(c, "domain-save", "{\"domain\":\"h\",\"file\":"
	    "\"%s/h.save\"}", d->dir);
	{
		int64_t pause = call_detached(c, "domain-pause",
		    "{\"domain\":\"h\"}");

		call_fails(c, "NotSupported", "job-abort", "{\"job\":%lld}",
		    (long long)pause);
	}
	json_object_put(call_ok(c, "job-abort", "{\"job\":%lld}", (long long)job));
	ret = wait_job(c, job, 30000);
	cr_assert_str_eq(json_str(ret, "state"), "aborted");
	json_object_put(ret);
	ret = call_ok(c, "job-abort", "{\"job\":%lld}", (long long)job);
	cr_assert_not(json_flag(ret, "aborting"));
	json_object_put(ret);
	xlctl_close(c);
	dut_stop(d);
	dut_free(d);
}

Test(jobs, client_leaving_does_not_cancel, .timeout = 180)
{
	struct dut *d = dut_start(NULL);
	struct xlctl *c = dut_connect(d);
	json_object *args = xl_args("left", 64, NULL), *list, *job = NULL;

	sim_ok(d, "sim-set", "{\"create_ms\":300}");
	/* send and hang up without reading the reply */
	cr_assert_gt(xlctl_send(c, "domain-create", args, NULL), 0);
	json_object_put(args);
	xlctl_close(c);
	c = dut_connect(d);
	for (int64_t deadline = now_ms() + 20000; job == NULL;) {
		list = call_ok(c, "job-list", "{\"state\":\"completed\"}");
		for (size_t i = 0; i < json_object_array_length(list); i++) {
			json_object *j = json_object_array_get_idx(list, i);

			if (strcmp(json_str(j, "type"), "domain-create") == 0)
				job = json_object_get(j);
		}
		json_object_put(list);
		cr_assert_lt(now_ms(), deadline, "the create never completed");
		usleep(50000);
	}
	cr_assert_str_eq(json_str(job, "domain"), "left");
	json_object_put(job);
	json_object_put(call_ok(c, "domain-info", "{\"domain\":\"left\"}"));
	xlctl_close(c);
	dut_stop(d);
	dut_free(d);
}
