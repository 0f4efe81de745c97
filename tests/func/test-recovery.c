/* Restart recovery: a daemon killed with SIGKILL at random moments during
 * saves, restores, creates, dumps and shutdowns of several domains loses
 * nothing.  Seeded (XENLIGHTD_TEST_SEED) so that a failure can be
 * replayed; XENLIGHTD_RECOVERY_ITERATIONS sets the count (default 100). */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <criterion/criterion.h>

#include "tests/func/harness.h"

#define GUESTS 4

enum guest_place { GUEST_RUNNING, GUEST_SAVED, GUEST_GONE };

struct guest {
	char name[16];
	enum guest_place place;
	char digest[80];		/* what the guest must still be */
	const char *op;			/* this iteration's operation */
};

static unsigned seed_from_env(void)
{
	const char *s = getenv("XENLIGHTD_TEST_SEED");

	return s != NULL ? (unsigned)strtoul(s, NULL, 10) : 20261122u;
}

static int iterations_from_env(void)
{
	const char *s = getenv("XENLIGHTD_RECOVERY_ITERATIONS");

	return s != NULL ? atoi(s) : 100;
}

static bool file_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

static void record_digest(struct dut *d, struct guest *g)
{
	json_object *info = sim_info(d), *dom = sim_domain(info, g->name);

	cr_assert_not_null(dom);
	snprintf(g->digest, sizeof g->digest, "%s", json_str(dom, "guest_state"));
	json_object_put(info);
}

/* No job of the killed daemon is left running, the simulator has no op in
 * flight, no helper child: recovery has finished. */
static void wait_settled(struct dut *d, struct xlctl *c, unsigned iteration,
    unsigned seed)
{
	for (int64_t deadline = now_ms() + 30000;;) {
		json_object *active = call_ok(c, "job-list",
		    "{\"state\":\"running\"}");
		json_object *queued = call_ok(c, "job-list", "{\"state\":\"queued\"}");
		json_object *info = sim_info(d);
		bool settled = json_object_array_length(active) == 0 &&
		    json_object_array_length(queued) == 0 &&
		    json_int(info, "ops_in_flight") == 0 &&
		    json_int(info, "children") == 0;

		json_object_put(active);
		json_object_put(queued);
		json_object_put(info);
		if (settled)
			return;
		cr_assert_lt(now_ms(), deadline, "iteration %u (seed %u): "
		    "recovery did not settle", iteration, seed);
		usleep(20000);
	}
}

static void assert_no_partial_files(struct dut *d, unsigned iteration,
    unsigned seed)
{
	DIR *dir = opendir(d->dir);
	struct dirent *e;

	cr_assert_not_null(dir);
	while ((e = readdir(dir)) != NULL)
		cr_assert_null(strstr(e->d_name, ".partial-"), "iteration %u "
		    "(seed %u): %s left behind", iteration, seed, e->d_name);
	closedir(dir);
}

/* Every job of the previous daemon has finished; the ones that did not
 * finish before the kill say so. */
static void assert_jobs_accounted(struct xlctl *c, int64_t first_new_id,
    unsigned iteration, unsigned seed)
{
	json_object *list = call_ok(c, "job-list", NULL);

	for (size_t i = 0; i < json_object_array_length(list); i++) {
		json_object *job = json_object_array_get_idx(list, i);
		const char *state = json_str(job, "state");

		if (json_int(job, "id") >= first_new_id)
			continue;
		cr_assert(strcmp(state, "completed") == 0 ||
		    strcmp(state, "failed") == 0 || strcmp(state, "aborted") == 0,
		    "iteration %u (seed %u): job %lld is still %s", iteration,
		    seed, (long long)json_int(job, "id"), state);
	}
	json_object_put(list);
}

static json_object *find_job(struct xlctl *c, int64_t id)
{
	struct xlctl_error err = { 0 };

	return call(c, &err, "job-info", "{\"job\":%lld}", (long long)id);
}

Test(recovery, kill_9_at_random_points, .timeout = 1800)
{
	unsigned seed = seed_from_env();
	int iterations = iterations_from_env();
	struct dut *d = dut_start(NULL);
	struct xlctl *c = dut_connect(d);
	struct guest guests[GUESTS];
	int outcomes[4] = { 0 };	/* ran on, saved, gone, restored */
	int64_t job_ids[GUESTS + 1];

	srand(seed);
	cr_log_info("recovery: seed %u, %d iterations", seed, iterations);
	sim_ok(d, "sim-set", "{\"save_mib_s\":256,\"restore_mib_s\":256,"
	    "\"dump_mib_s\":256,\"create_ms\":300,\"shutdown_ms\":200}");
	for (int i = 0; i < GUESTS; i++) {
		snprintf(guests[i].name, sizeof guests[i].name, "g%d", i);
		json_object_put(create_domain(c, guests[i].name, 64));
		guests[i].place = GUEST_RUNNING;
		record_digest(d, &guests[i]);
	}
	for (int it = 0; it < iterations; it++) {
		int64_t first_new_id;
		int delay_ms = rand() % 700;
		char extra[16];

		/* a random operation on every guest, all at once */
		for (int i = 0; i < GUESTS; i++) {
			struct guest *g = &guests[i];
			int pick = rand() % 4;

			job_ids[i] = 0;
			g->op = NULL;
			if (g->place == GUEST_SAVED) {
				g->op = "restore";
				job_ids[i] = call_detached(c, "domain-restore",
				    "{\"file\":\"%s/%s.save\"}", d->dir, g->name);
				continue;
			}
			if (pick == 0) {
				g->op = "save";
				job_ids[i] = call_detached(c, "domain-save",
				    "{\"domain\":\"%s\",\"file\":\"%s/%s.save\","
				    "\"overwrite\":true}", g->name, d->dir, g->name);
			} else if (pick == 1) {
				g->op = "dump";
				job_ids[i] = call_detached(c, "domain-dump",
				    "{\"domain\":\"%s\",\"file\":\"%s/%s.core\","
				    "\"overwrite\":true}", g->name, d->dir, g->name);
			} else if (pick == 2 && rand() % 3 == 0) {
				g->op = "shutdown";
				job_ids[i] = call_detached(c, "domain-shutdown",
				    "{\"domain\":\"%s\",\"wait\":true}", g->name);
			}
		}
		snprintf(extra, sizeof extra, "c%d", it);
		{
			char *text = xl_config_text(extra, 32);
			json_object *args = json_object_new_object();
			struct xlctl_options detach = { .detach = true };
			json_object *ret;

			json_object_object_add(args, "xl_config",
			    json_object_new_string(text));
			ret = xlctl_call(c, "domain-create", args, &detach, 30000,
			    NULL);
			cr_assert_not_null(ret);
			job_ids[GUESTS] = json_int(ret, "job");
			json_object_put(ret);
			json_object_put(args);
			free(text);
		}
		usleep((useconds_t)delay_ms * 1000);
		xlctl_close(c);
		dut_kill(d);
		dut_restart(d);
		c = dut_connect(d);
		{
			json_object *probe = call_ok(c, "job-list", NULL);

			/* the highest id the old daemon gave out */
			first_new_id = 0;
			for (size_t j = 0; j < json_object_array_length(probe); j++) {
				int64_t id = json_int(json_object_array_get_idx(
				    probe, j), "id");

				if (id > first_new_id)
					first_new_id = id;
			}
			json_object_put(probe);
			first_new_id++;
		}
		wait_settled(d, c, (unsigned)it, seed);
		/* a shutdown request that reached the guest before the kill
		 * still happens: give the guest its shutdown_ms, and our
		 * on_poweroff destroy its turn */
		for (int i = 0; i < GUESTS; i++) {
			if (guests[i].op == NULL ||
			    strcmp(guests[i].op, "shutdown") != 0)
				continue;
			for (int64_t until = now_ms() + 2000; now_ms() < until;) {
				json_object *info = sim_info(d);
				bool gone = sim_domain(info, guests[i].name) == NULL;

				json_object_put(info);
				if (gone)
					break;
				usleep(50000);
			}
			wait_settled(d, c, (unsigned)it, seed);
		}
		assert_no_partial_files(d, (unsigned)it, seed);
		assert_jobs_accounted(c, job_ids[GUESTS] + 1, (unsigned)it, seed);
		(void)first_new_id;

		/* every guest: running and intact, or saved in a complete
		 * image, or cleanly shut down */
		{
			json_object *info = sim_info(d);

			for (int i = 0; i < GUESTS; i++) {
				struct guest *g = &guests[i];
				json_object *dom = sim_domain(info, g->name);
				char image[512];

				snprintf(image, sizeof image, "%s/%s.save", d->dir,
				    g->name);
				if (dom != NULL) {
					cr_assert(json_flag(dom, "complete"),
					    "it %d seed %u: %s half-built", it,
					    seed, g->name);
					cr_assert(strcmp(json_str(dom, "state"),
					    "running") == 0 || strcmp(json_str(dom,
					    "state"), "blocked") == 0,
					    "it %d seed %u: %s is %s after %s", it,
					    seed, g->name, json_str(dom, "state"),
					    g->op ? g->op : "nothing");
					cr_assert_str_eq(json_str(dom,
					    "guest_state"), g->digest,
					    "it %d seed %u: %s lost its state "
					    "(%s)", it, seed, g->name,
					    g->op ? g->op : "nothing");
					outcomes[g->place == GUEST_SAVED ? 3 : 0]++;
					g->place = GUEST_RUNNING;
					continue;
				}
				if (g->op != NULL && strcmp(g->op, "shutdown") == 0) {
					outcomes[2]++;
					g->place = GUEST_GONE;
					continue;
				}
				/* gone by a save (completed) or never restored:
				 * the image must be there, and complete */
				cr_assert(file_exists(image), "it %d seed %u: %s "
				    "is gone after %s and has no image", it,
				    seed, g->name, g->op ? g->op : "nothing");
				if (g->place == GUEST_RUNNING) {
					json_object *job = find_job(c, job_ids[i]);

					cr_assert_not_null(job, "it %d: no record "
					    "of the save of %s", it, g->name);
					/* completed, or interrupted once the
					 * image was whole (the restore in the
					 * next round checks it) */
					if (strcmp(json_str(job, "state"),
					    "completed") != 0) {
						const char *why = json_str(json_get(
						    job, "error"), "desc");

						cr_assert(strstr(why, "interrupted "
						    "by daemon restart") != NULL &&
						    strstr(why, "is complete") !=
						    NULL, "it %d seed %u: %s gone, "
						    "its save %s: %s", it, seed,
						    g->name, json_str(job, "state"),
						    why);
					}
					json_object_put(job);
				}
				outcomes[1]++;
				g->place = GUEST_SAVED;
			}
			/* the extra domain: running whole, or not at all */
			{
				json_object *dom = sim_domain(info, extra);

				if (dom != NULL) {
					cr_assert(json_flag(dom, "complete"));
					json_object_put(call_ok(c, "domain-destroy",
					    "{\"domain\":\"%s\"}", extra));
				}
			}
			for (size_t j = 0; j < json_object_array_length(
			    json_get(info, "domains")); j++) {
				json_object *dom = json_object_array_get_idx(
				    json_get(info, "domains"), j);

				cr_assert(json_flag(dom, "complete"), "it %d: %s "
				    "half-built", it, json_str(dom, "name"));
				cr_assert(!json_object_object_get_ex(dom, "reason",
				    NULL) || json_object_is_type(json_get(dom,
				    "reason"), json_type_null) || strcmp(
				    json_str(dom, "reason"), "suspend") != 0,
				    "it %d: %s left suspended", it,
				    json_str(dom, "name"));
			}
			json_object_put(info);
		}
		/* guests that shut down come back as new ones */
		for (int i = 0; i < GUESTS; i++) {
			if (guests[i].place != GUEST_GONE)
				continue;
			json_object_put(create_domain(c, guests[i].name, 64));
			guests[i].place = GUEST_RUNNING;
			record_digest(d, &guests[i]);
		}
		/* old jobs out of the way, so that job-list stays small */
		{
			json_object *list = call_ok(c, "job-list", NULL);

			for (size_t j = 0; j < json_object_array_length(list); j++) {
				json_object *job = json_object_array_get_idx(list, j);
				const char *state = json_str(job, "state");

				if (strcmp(state, "completed") == 0 ||
				    strcmp(state, "failed") == 0 ||
				    strcmp(state, "aborted") == 0)
					json_object_put(call_ok(c, "job-dismiss",
					    "{\"job\":%lld}",
					    (long long)json_int(job, "id")));
			}
			json_object_put(list);
		}
	}
	cr_log_info("recovery: %d iterations: %d ran on, %d ended saved, %d shut "
	    "down, %d restored", iterations, outcomes[0], outcomes[1],
	    outcomes[2], outcomes[3]);
	{
		FILE *f = fopen(getenv("XENLIGHTD_RECOVERY_REPORT") ?
		    getenv("XENLIGHTD_RECOVERY_REPORT") : "/dev/null", "w");

		if (f != NULL) {
			fprintf(f, "seed %u iterations %d ran_on %d saved %d "
			    "shut_down %d restored %d\n", seed, iterations,
			    outcomes[0], outcomes[1], outcomes[2], outcomes[3]);
			fclose(f);
		}
	}
	xlctl_close(c);
	dut_stop(d);
	dut_free(d);
}

/* Definitions: killed in the middle of defining, every file is whole or
 * absent. */
Test(recovery, definitions_survive_kill_9, .timeout = 600)
{
	struct dut *d = dut_start(NULL);
	struct xlctl *c = dut_connect(d);
	static int64_t ids[1100];
	char dir[512];
	struct dirent *e;
	json_object *list;
	int files = 0;
	DIR *dh;

	if (getenv("XENLIGHTD_TEST_WRAPPER") != NULL)
		cr_skip_test("too slow under a wrapper (valgrind)");
	for (int round = 0; round < 2; round++) {
		int from = round == 0 ? 0 : 1000, to = round == 0 ? 1000 : 1100;

		for (int i = from; i < to; i++) {
			char name[16], *text;
			json_object *args = json_object_new_object();

			snprintf(name, sizeof name, "def%04d", i);
			text = xl_config_text(name, 16);
			json_object_object_add(args, "xl_config",
			    json_object_new_string(text));
			ids[i] = xlctl_send(c, "domain-define", args, NULL);
			json_object_put(args);
			free(text);
		}
		if (round == 1) {
			usleep(20000 + (useconds_t)(rand() % 50000));
			break;
		}
		for (int i = from; i < to; i++) {
			json_object *ret = xlctl_wait_reply(c, ids[i], 120000, NULL);

			cr_assert_not_null(ret);
			json_object_put(ret);
		}
	}
	xlctl_close(c);
	dut_kill(d);
	dut_restart(d);
	c = dut_connect(d);
	snprintf(dir, sizeof dir, "%s/domains", d->statedir);
	dh = opendir(dir);
	cr_assert_not_null(dh);
	while ((e = readdir(dh)) != NULL) {
		char path[1024];
		json_object *def;

		if (e->d_name[0] == '.') {
			cr_assert(strcmp(e->d_name, ".") == 0 ||
			    strcmp(e->d_name, "..") == 0, "%s left behind",
			    e->d_name);
			continue;
		}
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		def = json_object_from_file(path);
		cr_assert_not_null(def, "%s is not whole JSON", path);
		cr_assert_not_null(json_str(def, "name"));
		cr_assert_not_null(json_str(def, "uuid"));
		cr_assert(json_object_is_type(json_get(def, "config"),
		    json_type_object));
		json_object_put(def);
		files++;
	}
	closedir(dh);
	cr_assert_geq(files, 1000);
	cr_assert_leq(files, 1100);
	list = call_ok(c, "domain-list", NULL);
	cr_assert_eq((int)json_object_array_length(list), files + 1,
	    "every definition on disk is loaded (and Domain-0)");
	json_object_put(list);
	xlctl_close(c);
	dut_stop(d);
	dut_free(d);
}

/* The root cause of partial files after kill -9 under load: a helper
 * started just before the daemon died got no death signal (its prctl came
 * too late) and did its work behind the next daemon's back.  A helper
 * whose --parent is not its parent any more exits at once, before it
 * touches anything. */
static int run_helper(const char *name, const char *parent, const char *arg)
{
	const char *builddir = getenv("XENLIGHTD_BUILDDIR");
	char *path = test_format("%s/daemon/%s", builddir ? builddir : ".",
	    name);
	int status;
	pid_t pid = fork();

	cr_assert_geq(pid, 0);
	if (pid == 0) {
		close(3);	/* where the dump helper wants its core file */
		execl(path, path, "--parent", parent, arg, (char *)NULL);
		_exit(99);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	free(path);
	cr_assert(WIFEXITED(status));
	return WEXITSTATUS(status);
}

Test(recovery, helpers_of_a_dead_daemon_exit_at_once, .timeout = 60)
{
	char other[16], self[16];

	/* not our pid: to the helper, a daemon that is gone */
	snprintf(other, sizeof other, "%d", (int)getppid());
	snprintf(self, sizeof self, "%d", (int)getpid());
	cr_assert_eq(run_helper("xenlightd-dump-helper", other, "5"), 125);
	cr_assert_eq(run_helper("xenlightd-build-helper", other, NULL), 125);
	/* its real parent passes that check (and then wants fd 3) */
	cr_assert_eq(run_helper("xenlightd-dump-helper", self, "5"), 2);
}
