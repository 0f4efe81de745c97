#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <criterion/criterion.h>

#include "tests/func/migrate-hosts.h"

static struct dut *host_start(const char *lockspace, int port,
    const char *max_incoming)
{
	char *listen = test_format("127.0.0.1:%d", port);
	struct dut *d = dut_start("--migrate-listen", listen, "--lockspace",
	    lockspace, "--migrate-max-incoming", max_incoming, NULL);

	free(listen);
	return d;
}

void hosts_start_max(struct hosts *h, const char *max_incoming)
{
	char template[] = "/tmp/xenlightd-lockspace-XXXXXX";

	memset(h, 0, sizeof *h);
	cr_assert_not_null(mkdtemp(template));
	h->lockspace = strdup(template);
	h->port_a = free_tcp_port();
	h->port_b = free_tcp_port();
	h->a = host_start(h->lockspace, h->port_a, max_incoming);
	h->b = host_start(h->lockspace, h->port_b, max_incoming);
	h->ca = dut_connect(h->a);
	h->cb = dut_connect(h->b);
}

void hosts_start(struct hosts *h)
{
	hosts_start_max(h, "4");
}

void hosts_reconnect(struct hosts *h)
{
	if (h->ca != NULL)
		xlctl_close(h->ca);
	if (h->cb != NULL)
		xlctl_close(h->cb);
	h->ca = dut_connect(h->a);
	h->cb = dut_connect(h->b);
}

void hosts_free(struct hosts *h)
{
	xlctl_close(h->ca);
	xlctl_close(h->cb);
	/* a clean exit of both (under valgrind: no memory errors) */
	dut_stop(h->a);
	dut_stop(h->b);
	dut_free(h->a);
	dut_free(h->b);
	if (getenv("XENLIGHTD_TEST_KEEP") == NULL) {
		char *cmd = test_format("rm -rf '%s'", h->lockspace);

		(void)!system(cmd);
		free(cmd);
	}
	free(h->lockspace);
}

/* ------------------------------------------------------------------------
 * What a host has */

/* The guest's simulator entry on d (NULL: none), as a new reference. */
json_object *sim_guest(struct dut *d, const char *name)
{
	json_object *info = sim_info(d), *dom = sim_domain(info, name);

	if (dom != NULL)
		json_object_get(dom);
	json_object_put(info);
	return dom;
}

char *guest_digest(struct dut *d, const char *name)
{
	json_object *dom = sim_guest(d, name);
	char *digest;

	cr_assert_not_null(dom, "no domain %s on the host", name);
	digest = strdup(json_str(dom, "guest_state"));
	json_object_put(dom);
	return digest;
}

/* The daemon's state of name, or NULL when it does not know it. */
char *daemon_state(struct xlctl *c, const char *name)
{
	struct xlctl_error err = { 0 };
	json_object *info = call(c, &err, "domain-info", "{\"domain\":\"%s\"}",
	    name);
	char *state;

	if (info == NULL) {
		cr_assert_str_eq(err.class_name, "DomainNotFound", "%s",
		    err.desc);
		xlctl_error_clear(&err);
		return NULL;
	}
	state = strdup(json_str(info, "state"));
	json_object_put(info);
	return state;
}

bool is_running(const char *state)
{
	return state != NULL && (strcmp(state, "running") == 0 ||
	    strcmp(state, "blocked") == 0);
}

/* Jobs of c in state running or queued. */
int active_jobs(struct xlctl *c)
{
	json_object *list = call_ok(c, "job-list", NULL);
	int n = 0;

	for (size_t i = 0; i < json_object_array_length(list); i++) {
		const char *state = json_str(json_object_array_get_idx(list, i),
		    "state");

		if (strcmp(state, "running") == 0 ||
		    strcmp(state, "queued") == 0 ||
		    strcmp(state, "aborting") == 0)
			n++;
	}
	json_object_put(list);
	return n;
}

/* The latest job of type on c (a new reference), or NULL. */
json_object *last_job(struct xlctl *c, const char *type)
{
	json_object *list = call_ok(c, "job-list", NULL), *found = NULL;

	for (size_t i = 0; i < json_object_array_length(list); i++) {
		json_object *job = json_object_array_get_idx(list, i);

		if (strcmp(json_str(job, "type"), type) == 0)
			found = job;
	}
	if (found != NULL)
		json_object_get(found);
	json_object_put(list);
	return found;
}

/* Where is the guest: waits (up to timeout_ms) until no job runs on
 * either host and the guest exists on exactly one of them, in a settled
 * state; returns 'a' or 'b', or fails saying what is wrong. */
char settled_on(struct hosts *h, const char *name, bool paused,
    int timeout_ms)
{
	char *why = NULL;

	for (int64_t deadline = now_ms() + timeout_ms;;) {
		json_object *ga = sim_guest(h->a, name);
		json_object *gb = sim_guest(h->b, name);
		char *sa = daemon_state(h->ca, name);
		char *sb = daemon_state(h->cb, name);
		const char *want = paused ? "paused" : "running";
		int jobs = active_jobs(h->ca) + active_jobs(h->cb);
		char where = 0;

		free(why);
		why = test_format("a: sim %s daemon %s; b: sim %s daemon %s; "
		    "%d active jobs", ga ? json_str(ga, "state") : "-",
		    sa ? sa : "-", gb ? json_str(gb, "state") : "-",
		    sb ? sb : "-", jobs);
		if (jobs == 0 && (ga == NULL) != (gb == NULL)) {
			json_object *g = ga != NULL ? ga : gb;
			const char *s = ga != NULL ? sa : sb;
			const char *other = ga != NULL ? sb : sa;
			bool ok = paused ? s != NULL && strcmp(s, want) == 0 :
			    is_running(s);

			if (ok && (other == NULL || strcmp(other, "shutoff") ==
			    0) && strcmp(json_str(g, "state"), paused ?
			    "paused" : "running") == 0)
				where = ga != NULL ? 'a' : 'b';
		}
		json_object_put(ga);
		json_object_put(gb);
		free(sa);
		free(sb);
		if (where != 0) {
			free(why);
			return where;
		}
		cr_assert_lt(now_ms(), deadline, "the guest %s did not settle "
		    "on one host: %s", name, why);
		usleep(50000);
	}
}

json_object *prepare(struct xlctl *c, int64_t expires_ms)
{
	if (expires_ms > 0)
		return call_ok(c, "migration-prepare", "{\"expires_ms\":%lld}",
		    (long long)expires_ms);
	return call_ok(c, "migration-prepare", NULL);
}

/* domain-migrate of name from src to the destination that answered t,
 * detached: the job id on the source.  port overrides t's port (>0). */
int64_t migrate_start(struct xlctl *src, const char *name,
    json_object *t, int port, bool live)
{
	return call_detached(src, "domain-migrate", "{\"domain\":\"%s\","
	    "\"host\":\"%s\",\"port\":%d,\"token\":\"%s\",\"live\":%s}", name,
	    json_str(t, "host"), port > 0 ? port : (int)json_int(t, "port"),
	    json_str(t, "token"), live ? "true" : "false");
}

/* Migrates name from src to dst (the hosts' clients) and returns the
 * source job when it has finished. */
json_object *migrate(struct xlctl *src, struct xlctl *dst,
    const char *name)
{
	json_object *t = prepare(dst, 0);
	int64_t job = migrate_start(src, name, t, 0, true);

	json_object_put(t);
	return wait_job(src, job, 60000);
}

void wait_progress(struct xlctl *c, int64_t job)
{
	for (int64_t deadline = now_ms() + 20000;;) {
		json_object *info = job_info(c, job), *p;
		bool moving = json_object_object_get_ex(info, "progress", &p) &&
		    p != NULL && json_int(p, "current") > 0;
		bool over = strcmp(json_str(info, "state"), "running") != 0;

		json_object_put(info);
		cr_assert_not(over, "job %lld ended before it made progress",
		    (long long)job);
		if (moving)
			return;
		cr_assert_lt(now_ms(), deadline, "no progress");
		usleep(20000);
	}
}

