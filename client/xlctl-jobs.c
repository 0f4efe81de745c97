/* xlctl: jobs, job, job-wait, abort, job-dismiss, and following a long
 * job to its end with progress and Ctrl-C. */
#include "config.h"

#include <sys/ioctl.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client/xlctl-cli.h"

static bool xlctl_job_finished(const char *state)
{
	return state != NULL && (strcmp(state, "completed") == 0 ||
	    strcmp(state, "failed") == 0 || strcmp(state, "aborted") == 0);
}

int xlctl_print_job_error(json_object *job)
{
	json_object *error = xlctl_get(job, "error");
	const char *class_name = xlctl_get_string(error, "class");
	const char *desc = xlctl_get_string(error, "desc");
	const char *state = xlctl_get_string(job, "state");

	if (class_name != NULL)
		fprintf(stderr, "xlctl: %s: %s\n", class_name,
		    desc != NULL ? desc : class_name);
	else
		fprintf(stderr, "xlctl: job %lld %s\n",
		    (long long)xlctl_get_int(job, "id", 0),
		    state != NULL ? state : "did not complete");
	return XLCTL_EXIT_ERROR;
}

static int xlctl_build_job(const struct xlctl_args *args,
    struct xlctl_request *req)
{
	return xlctl_req_int_text(req, "job", args->argv[0], 1, INT64_MAX,
	    "job id");
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
    struct xlctl_request *req)
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

const struct xlctl_cmd xlctl_cmd_jobs = {
	.name = "jobs",
	.execute = "job-list",
	.usage = "[--domain DOMAIN] [--state STATE]",
	.help = "list running and recent jobs",
	.min_args = 0, .max_args = 0,
	.kind = XLCTL_CMD_CALL,
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

const struct xlctl_cmd xlctl_cmd_job = {
	.name = "job",
	.execute = "job-info",
	.usage = "ID",
	.help = "show a job: state, progress, error, result",
	.min_args = 1, .max_args = 1,
	.kind = XLCTL_CMD_CALL,
	.build = xlctl_build_job,
	.print = xlctl_job_print,
};

static const struct xlctl_flag xlctl_job_wait_flags[] = {
	{ "timeout", 0, "MS", "give up after MS ms" },
	XLCTL_FLAG_END
};

static int xlctl_job_wait_build(const struct xlctl_args *args,
    struct xlctl_request *req)
{
	const char *timeout = xlctl_args_get(args, "timeout");
	int rc = xlctl_build_job(args, req);

	if (rc == XLCTL_EXIT_OK && timeout != NULL)
		rc = xlctl_req_int_text(req, "timeout_ms", timeout, 0,
		    INT64_MAX, "timeout");
	return rc;
}

/* The exit status says how the job ended, for scripts. */
static int xlctl_job_wait_run(struct xlctl_cli *cli,
    const struct xlctl_args *args, struct xlctl_request *req)
{
	struct xlctl_error err;
	json_object *job;
	const char *state;
	int rc;

	if ((rc = xlctl_cli_connect(cli)) != XLCTL_EXIT_OK)
		return rc;
	job = xlctl_call(cli->conn, req->execute, req->arguments, NULL,
	    cli->timeout_ms, &err);
	if (job == NULL)
		return xlctl_report(&err);
	if (cli->json)
		xlctl_print_json(stdout, job, false);
	else
		xlctl_job_print(cli, req, job);
	state = xlctl_get_string(job, "state");
	if (state != NULL && strcmp(state, "completed") == 0)
		rc = XLCTL_EXIT_OK;
	else if (xlctl_job_finished(state))
		rc = xlctl_print_job_error(job);
	else {
		fprintf(stderr, "xlctl: job %lld is still %s\n",
		    (long long)xlctl_get_int(job, "id", 0),
		    state != NULL ? state : "running");
		rc = XLCTL_EXIT_ERROR;
	}
	json_object_put(job);
	return rc;
}

const struct xlctl_cmd xlctl_cmd_job_wait = {
	.name = "job-wait",
	.execute = "job-wait",
	.usage = "ID [--timeout MS]",
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
		printf("Job %lld is aborting.\n", id);
	else
		printf("Job %lld had already ended.\n", id);
	return XLCTL_EXIT_OK;
}

const struct xlctl_cmd xlctl_cmd_abort = {
	.name = "abort",
	.execute = "job-abort",
	.usage = "ID",
	.help = "abort a running or queued job",
	.min_args = 1, .max_args = 1,
	.kind = XLCTL_CMD_CALL,
	.build = xlctl_build_job,
	.print = xlctl_abort_print,
};

const struct xlctl_cmd xlctl_cmd_job_dismiss = {
	.name = "job-dismiss",
	.execute = "job-dismiss",
	.usage = "ID",
	.help = "forget a finished job",
	.min_args = 1, .max_args = 1,
	.kind = XLCTL_CMD_CALL,
	.build = xlctl_build_job,
	.print = xlctl_print_nothing,
};

/* ------------------------------------------------------------------------
 * Following a job */

#define XLCTL_POLL_MS		500	/* job-info without events */
#define XLCTL_RESYNC_MS		5000	/* job-info even with events */
#define XLCTL_TICK_MS		200	/* how soon Ctrl-C is noticed */

static volatile sig_atomic_t xlctl_interrupts;

static void xlctl_on_sigint(int sig)
{
	xlctl_interrupts++;
}

struct xlctl_follow {
	struct xlctl_cli *cli;
	const struct xlctl_request *req;
	int64_t job;
	bool events;		/* JOB_* events drive us; else polling */
	bool tty;		/* stderr is a terminal: redraw a bar */
	bool interactive;	/* and stdin too: ask before aborting */
	bool abort_sent;
	bool bar_shown;
	bool have_first;	/* first progress sample, for the rate */
	int64_t first_current, first_ms;
	int64_t current, total;
	double rate;		/* bytes per second */
	int64_t last_line_ms;	/* last plain line */
	int64_t last_info_ms;	/* last job-info */
};

static int64_t xlctl_clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void xlctl_follow_clear(struct xlctl_follow *f)
{
	if (f->bar_shown)
		fputs("\r\033[K", stderr);
	f->bar_shown = false;
}

static void xlctl_follow_draw(struct xlctl_follow *f)
{
	char line[512];
	int64_t now = xlctl_clock_ms();

	if (f->tty) {
		struct winsize ws;
		int cols = 80, bar;

		if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
			cols = ws.ws_col;
		/* room for the label, the percent, the rate and the ETA */
		bar = cols - (int)strlen(f->req->label) - 40;
		bar = bar > 30 ? 30 : bar < 10 ? 0 : bar;
		xlctl_progress_format(line, sizeof line, f->req->label,
		    f->current, f->total, f->rate, bar);
		if ((int)strlen(line) >= cols)
			line[cols > 1 ? cols - 1 : 0] = '\0';
		fprintf(stderr, "\r%s\033[K", line);
		f->bar_shown = true;
	} else if (now - f->last_line_ms >= 1000) {
		xlctl_progress_format(line, sizeof line, f->req->label,
		    f->current, f->total, f->rate, 0);
		fprintf(stderr, "%s\n", line);
		f->last_line_ms = now;
	}
	fflush(stderr);
}

static void xlctl_follow_progress(struct xlctl_follow *f, json_object *progress)
{
	int64_t current = xlctl_get_int(progress, "current", -1);
	int64_t now = xlctl_clock_ms();

	if (current < 0)
		return;
	/* the average since the first sample: steady, and right soon */
	if (!f->have_first) {
		f->have_first = true;
		f->first_current = current;
		f->first_ms = now;
	} else if (now > f->first_ms && current > f->first_current) {
		f->rate = (double)(current - f->first_current) * 1000 /
		    (double)(now - f->first_ms);
	}
	f->current = current;
	f->total = xlctl_get_int(progress, "total", 0);
	xlctl_follow_draw(f);
}

/* job-info; NULL after reporting, when the connection is gone. */
static json_object *xlctl_follow_info(struct xlctl_follow *f,
    struct xlctl_error *err)
{
	json_object *args = json_object_new_object();
	json_object *job;

	json_object_object_add(args, "job", json_object_new_int64(f->job));
	job = xlctl_call(f->cli->conn, "job-info", args, NULL,
	    f->cli->timeout_ms, err);
	json_object_put(args);
	f->last_info_ms = xlctl_clock_ms();
	if (job != NULL)
		xlctl_follow_progress(f, xlctl_get(job, "progress"));
	return job;
}

/* A line from the terminal; false when Ctrl-C interrupted it. */
static bool xlctl_ask(const char *question, char *answer, size_t size)
{
	size_t n = 0;

	fputs(question, stderr);
	fflush(stderr);
	while (n + 1 < size) {
		char c;
		ssize_t r = read(STDIN_FILENO, &c, 1);

		if (r < 0 && errno == EINTR)
			return false;
		if (r <= 0 || c == '\n')
			break;
		answer[n++] = c;
	}
	answer[n] = '\0';
	return true;
}

static void xlctl_follow_interrupt(struct xlctl_follow *f)
{
	struct xlctl_error err;
	json_object *args, *ret;
	char question[64], answer[16];

	if (f->interactive) {
		xlctl_follow_clear(f);
		snprintf(question, sizeof question, "abort job %lld? [y/N] ",
		    (long long)f->job);
		/* a second Ctrl-C at the question means yes */
		if (xlctl_ask(question, answer, sizeof answer) &&
		    answer[0] != 'y' && answer[0] != 'Y') {
			xlctl_interrupts = 0;
			return;
		}
		if (xlctl_interrupts > 1)
			fputc('\n', stderr);
	}
	args = json_object_new_object();
	json_object_object_add(args, "job", json_object_new_int64(f->job));
	ret = xlctl_call(f->cli->conn, "job-abort", args, NULL,
	    f->cli->timeout_ms, &err);
	json_object_put(args);
	xlctl_follow_clear(f);
	if (ret == NULL) {
		xlctl_report(&err);
		xlctl_interrupts = 0;
		return;
	}
	json_object_put(ret);
	fprintf(stderr, "xlctl: aborting job %lld\n", (long long)f->job);
	f->abort_sent = true;
	/* The abort is on its way; one more Ctrl-C stops xlctl at once. */
	signal(SIGINT, SIG_DFL);
}

/* Follows f->job until it ends; returns the final job object. */
static json_object *xlctl_follow_loop(struct xlctl_follow *f,
    struct xlctl_error *err)
{
	for (;;) {
		json_object *event, *data;
		const char *name;

		if (xlctl_interrupts > 0 && !f->abort_sent)
			xlctl_follow_interrupt(f);
		if (!f->events ||
		    xlctl_clock_ms() - f->last_info_ms >= XLCTL_RESYNC_MS) {
			json_object *job = xlctl_follow_info(f, err);

			if (job == NULL || xlctl_job_finished(
			    xlctl_get_string(job, "state")))
				return job;
			json_object_put(job);
		}
		if (!f->events) {
			struct timespec tick = { 0, XLCTL_POLL_MS * 1000000L };

			/* a signal ends the sleep early, as it should */
			nanosleep(&tick, NULL);
			continue;
		}
		event = xlctl_next_event(f->cli->conn, XLCTL_TICK_MS, err);
		if (event == NULL) {
			if (strcmp(err->class_name, "Timeout") != 0)
				return NULL;
			xlctl_error_clear(err);
			continue;
		}
		name = xlctl_get_string(event, "event");
		data = xlctl_get(event, "data");
		if (name == NULL)
			;
		else if (strcmp(name, "EVENTS_DROPPED") == 0)
			f->last_info_ms = 0;	/* resynchronise now */
		else if (xlctl_get_int(data, "job", -1) != f->job)
			;
		else if (strcmp(name, "JOB_PROGRESS") == 0)
			xlctl_follow_progress(f, data);
		else if (strcmp(name, "JOB_STATUS_CHANGE") == 0 &&
		    xlctl_job_finished(xlctl_get_string(data, "state")))
			f->last_info_ms = 0;	/* fetch the outcome */
		json_object_put(event);
	}
}

int xlctl_job_follow(struct xlctl_cli *cli, struct xlctl_request *req)
{
	struct xlctl_follow f = { .cli = cli, .req = req };
	struct xlctl_options options = req->options;
	struct sigaction sa = { .sa_handler = xlctl_on_sigint }, old_sa;
	struct xlctl_error err;
	json_object *ret, *job, *result, *args;
	int rc;

	f.tty = isatty(STDERR_FILENO);
	f.interactive = f.tty && isatty(STDIN_FILENO);
	/* no SA_RESTART: Ctrl-C must cut a wait short */
	sigemptyset(&sa.sa_mask);
	xlctl_interrupts = 0;
	sigaction(SIGINT, &sa, &old_sa);

	/* Subscribe before the job exists, so that its end cannot fall
	 * between its start and the subscription. */
	args = json_object_new_object();
	json_object_object_add(args, "events", json_object_new_array());
	json_object_array_add(json_object_object_get(args, "events"),
	    json_object_new_string("JOB_*"));
	ret = xlctl_call(cli->conn, "subscribe", args, NULL, cli->timeout_ms,
	    &err);
	json_object_put(args);
	if (ret == NULL && (strcmp(err.class_name, "Disconnected") == 0 ||
	    strcmp(err.class_name, "Timeout") == 0)) {
		rc = xlctl_report(&err);
		goto out;
	}
	f.events = ret != NULL;
	if (ret == NULL)
		xlctl_error_clear(&err);	/* polling will do */
	json_object_put(ret);

	options.detach = true;
	ret = xlctl_call(cli->conn, req->execute, req->arguments, &options,
	    cli->timeout_ms, &err);
	if (ret == NULL) {
		rc = xlctl_report(&err);
		goto out;
	}
	f.job = xlctl_get_int(ret, "job", -1);
	if (f.job < 0 || json_object_object_length(ret) > 1) {
		/* a daemon that finished the job at once */
		rc = xlctl_output(cli, req, ret);
		json_object_put(ret);
		goto out;
	}
	json_object_put(ret);

	job = xlctl_follow_loop(&f, &err);
	xlctl_follow_clear(&f);
	if (job == NULL) {
		if (f.job >= 0)
			fprintf(stderr, "xlctl: lost job %lld; 'xlctl job %lld' "
			    "tells how it ends\n", (long long)f.job,
			    (long long)f.job);
		rc = xlctl_report(&err);
		goto out;
	}
	if (strcmp(xlctl_get_string(job, "state"), "completed") != 0) {
		rc = xlctl_print_job_error(job);
	} else {
		/* what the request would have returned without detach */
		result = NULL;
		if (json_object_is_type(xlctl_get(job, "result"),
		    json_type_object))
			json_object_deep_copy(xlctl_get(job, "result"), &result,
			    NULL);
		else
			result = json_object_new_object();
		json_object_object_add(result, "job",
		    json_object_new_int64(f.job));
		rc = xlctl_output(cli, req, result);
		json_object_put(result);
	}
	json_object_put(job);
out:
	sigaction(SIGINT, &old_sa, NULL);
	return rc;
}
