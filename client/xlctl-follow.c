/* xlctl: following a long job: JOB_* events when the daemon sends them,
 * job-info polls when not; a progress bar on a terminal, a line a second
 * otherwise; Ctrl-C asks, then aborts. */
#include "config.h"

#include <sys/ioctl.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client/xlctl-follow.h"
#include "client/xlctl-format.h"
#include "client/xlctl-output.h"

bool xlctl_job_finished(const char *state)
{
	return state != NULL && (strcmp(state, "completed") == 0 ||
	    strcmp(state, "failed") == 0 || strcmp(state, "aborted") == 0);
}

int xlctl_job_error(json_object *job, struct xlctl_error *err)
{
	const char *state = xlctl_get_string(job, "state");
	int64_t id = xlctl_get_int(job, "id", 0);

	if (!xlctl_error_from_object(err, xlctl_get(job, "error")))
		xlctl_fail(err, XLCTL_EXIT_ERROR, state != NULL &&
		    strcmp(state, "aborted") == 0 ? "Aborted" : "Internal",
		    "job %lld %s", (long long)id,
		    state != NULL ? state : "did not complete");
	if (err->data != NULL) {
		json_object *data = NULL;

		/* the job's own object stays as the daemon sent it */
		json_object_deep_copy(err->data, &data, NULL);
		json_object_put(err->data);
		err->data = data;
	}
	if (xlctl_get(err->data, "job") == NULL)
		xlctl_error_add(err, "job", json_object_new_int64(id));
	return XLCTL_EXIT_ERROR;
}

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
	if (!f->cli->quiet)
		xlctl_follow_draw(f);
}

/* job-info; NULL with err when the connection is gone. */
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
	struct xlctl_error err = { 0 };
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
		/* not the outcome: the job goes on, and so does xlctl */
		fprintf(stderr, "xlctl: cannot abort job %lld: %s: %s\n",
		    (long long)f->job, err.class_name, err.desc);
		xlctl_error_clear(&err);
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

/* Subscribes to JOB_* events before the job exists, so that its end cannot
 * fall between its start and the subscription.  false: the daemon has no
 * events for us, polling will do; -1 if the connection failed. */
static int xlctl_follow_subscribe(struct xlctl_follow *f,
    struct xlctl_error *err)
{
	json_object *args = json_object_new_object(), *events, *ret;

	events = json_object_new_array();
	json_object_array_add(events, json_object_new_string("JOB_*"));
	json_object_object_add(args, "events", events);
	ret = xlctl_call(f->cli->conn, "subscribe", args, NULL,
	    f->cli->timeout_ms, err);
	json_object_put(args);
	if (ret == NULL && (strcmp(err->class_name, "Disconnected") == 0 ||
	    strcmp(err->class_name, "Timeout") == 0))
		return -1;
	f->events = ret != NULL;
	if (ret == NULL)
		xlctl_error_clear(err);
	json_object_put(ret);
	return 0;
}

/* The job completed: what the request would have returned without
 * detach, its result and the job's id. */
static int xlctl_follow_result(struct xlctl_follow *f, json_object *job)
{
	json_object *result = NULL;
	int rc;

	if (json_object_is_type(xlctl_get(job, "result"), json_type_object))
		json_object_deep_copy(xlctl_get(job, "result"), &result, NULL);
	else
		result = json_object_new_object();
	json_object_object_add(result, "job", json_object_new_int64(f->job));
	rc = xlctl_output(f->cli, f->req, result);
	json_object_put(result);
	return rc;
}

int xlctl_job_follow(struct xlctl_cli *cli, struct xlctl_request *req,
    struct xlctl_error *err)
{
	struct xlctl_follow f = { .cli = cli, .req = req, .job = -1 };
	struct xlctl_options options = req->options;
	struct sigaction sa = { .sa_handler = xlctl_on_sigint }, old_sa;
	json_object *ret, *job;
	int rc;

	f.tty = isatty(STDERR_FILENO);
	f.interactive = f.tty && isatty(STDIN_FILENO);
	/* no SA_RESTART: Ctrl-C must cut a wait short */
	sigemptyset(&sa.sa_mask);
	xlctl_interrupts = 0;
	sigaction(SIGINT, &sa, &old_sa);

	if (xlctl_follow_subscribe(&f, err) < 0) {
		rc = XLCTL_EXIT_ERROR;
		goto out;
	}
	options.detach = true;
	ret = xlctl_call(cli->conn, req->execute, req->arguments, &options,
	    cli->timeout_ms, err);
	if (ret == NULL) {
		rc = XLCTL_EXIT_ERROR;
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

	job = xlctl_follow_loop(&f, err);
	xlctl_follow_clear(&f);
	if (job == NULL) {
		if (!cli->json)
			fprintf(stderr, "xlctl: lost job %lld; 'xlctl job %lld' "
			    "tells how it ends\n", (long long)f.job,
			    (long long)f.job);
		xlctl_error_add(err, "job", json_object_new_int64(f.job));
		rc = XLCTL_EXIT_ERROR;
		goto out;
	}
	if (strcmp(xlctl_get_string(job, "state"), "completed") != 0)
		rc = xlctl_job_error(job, err);
	else
		rc = xlctl_follow_result(&f, job);
	json_object_put(job);
out:
	sigaction(SIGINT, &old_sa, NULL);
	return rc;
}
