/* Disk leases across SIGKILLs of the daemon (doc/leases.md): killed at
 * random points of creates, restores, saves and destroys of four guests,
 * and restarted, the daemon leaves exactly the running guests holding
 * leases, in lease-list, in the lock files and in holder processes.
 * Seeded (XENLIGHTD_TEST_SEED, printed); XENLIGHTD_LEASE_ITERATIONS sets
 * the count (default 50, about a minute). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <criterion/criterion.h>

#include "tests/func/harness.h"
#include "tests/func/lease-util.h"

#define CHAOS_GUESTS 4

struct chaos_guest {
	char name[8];
	char *img;
	char *disk;			/* canonical */
	char *image;			/* its save image */
	bool running;
};

static unsigned chaos_seed(void)
{
	const char *s = getenv("XENLIGHTD_TEST_SEED");

	return s != NULL ? (unsigned)strtoul(s, NULL, 10) : (unsigned)time(NULL);
}

static int chaos_iterations(void)
{
	const char *s = getenv("XENLIGHTD_LEASE_ITERATIONS");

	return s != NULL ? atoi(s) : 50;
}

/* Starts one operation on g (detached); its name. */
static const char *chaos_start(struct xlctl *c, struct chaos_guest *g)
{
	int pick = rand() % 8;

	/* a running guest is left alone half of the time: at every kill,
	 * some run and some come and go */
	if (g->running && pick < 2) {
		call_detached(c, "domain-save", "{\"domain\":\"%s\",\"file\":"
		    "\"%s\",\"overwrite\":true}", g->name, g->image);
		return "save";
	}
	if (g->running && pick < 4) {
		call_detached(c, "domain-destroy", "{\"domain\":\"%s\"}",
		    g->name);
		return "destroy";
	}
	if (g->running)
		return "none";
	if (access(g->image, R_OK) == 0 && pick < 5) {
		call_detached(c, "domain-restore", "{\"file\":\"%s\"}",
		    g->image);
		return "restore";
	} else {
		char *spec = disk_spec("xvda", "rw", g->img);
		char *text = config_with_disks(g->name, spec, NULL);
		json_object *args = json_object_new_object();
		struct xlctl_options detach = { .detach = true };

		json_object_object_add(args, "xl_config",
		    json_object_new_string(text));
		json_object_put(xlctl_call(c, "domain-create", args, &detach,
		    30000, NULL));
		json_object_put(args);
		free(text);
		free(spec);
		return "create";
	}
}

/* No job runs or waits: what the killed daemon left is repaired. */
static bool chaos_jobs_idle(struct xlctl *c)
{
	json_object *jobs = call_ok(c, "job-list", NULL);
	bool idle = true;

	for (size_t i = 0; i < json_object_array_length(jobs); i++) {
		const char *state = json_str(json_object_array_get_idx(jobs, i),
		    "state");

		if (strcmp(state, "running") == 0 ||
		    strcmp(state, "queued") == 0 ||
		    strcmp(state, "aborting") == 0)
			idle = false;
	}
	json_object_put(jobs);
	return idle;
}

/* Which guests run now, from the daemon's list. */
static void chaos_refresh(struct xlctl *c, struct chaos_guest *guests)
{
	json_object *list = call_ok(c, "domain-list", NULL);

	for (int i = 0; i < CHAOS_GUESTS; i++)
		guests[i].running = false;
	for (size_t k = 0; k < json_object_array_length(list); k++) {
		json_object *dom = json_object_array_get_idx(list, k);

		for (int i = 0; i < CHAOS_GUESTS; i++)
			if (strcmp(json_str(dom, "name"), guests[i].name) == 0)
				guests[i].running = strcmp(json_str(dom,
				    "state"), "shutoff") != 0;
	}
	json_object_put(list);
}

/* Every running guest holds its lease, no other lease is listed, the lock
 * files say the same, and no holder runs for a guest that is gone.  NULL,
 * or what is wrong (static). */
static const char *chaos_violation(struct dut *d, struct xlctl *c,
    struct chaos_guest *guests, const char *lockspace)
{
	static char why[512];
	json_object *leases = call_ok(c, "lease-list", NULL);
	size_t running = 0, n = json_object_array_length(leases);
	pid_t holders[16];

	why[0] = '\0';
	for (int i = 0; i < CHAOS_GUESTS && why[0] == '\0'; i++) {
		struct chaos_guest *g = &guests[i];
		json_object *l = find_lease(leases, g->disk, g->name);

		running += g->running;
		if (g->running && (l == NULL ||
		    strcmp(json_str(l, "state"), "held") != 0))
			snprintf(why, sizeof why, "%s runs without its lease: "
			    "%s", g->name, json_object_to_json_string(leases));
		else if (!g->running && l != NULL)
			snprintf(why, sizeof why, "%s is gone, its lease is "
			    "listed: %s", g->name,
			    json_object_to_json_string(leases));
		else if (disk_locked(lockspace, g->img) != g->running)
			snprintf(why, sizeof why, "%s %s, its lock file is %s",
			    g->name, g->running ? "runs" : "is gone",
			    g->running ? "free" : "locked");
	}
	if (why[0] == '\0' && n != running)
		snprintf(why, sizeof why, "%zu guests run, %zu leases: %s",
		    running, n, json_object_to_json_string(leases));
	if (why[0] == '\0' && dut_lease_holders(d, holders, 16) !=
	    (int)running)
		snprintf(why, sizeof why, "%zu guests run, %d lease holders",
		    running, dut_lease_holders(d, holders, 16));
	json_object_put(leases);
	return why[0] != '\0' ? why : NULL;
}

Test(lease_restart, kill_9_at_random_points, .timeout = 900)
{
	unsigned seed = chaos_seed();
	int iterations = chaos_iterations();
	struct dut *d;
	struct xlctl *c;
	char *lockspace;
	struct chaos_guest guests[CHAOS_GUESTS];
	int ops[5] = { 0 };		/* create restore save destroy none */
	int ran = 0;			/* guests found running afterwards */

	/* a SIGKILL under valgrind reports nothing: this is for the plain
	 * daemon */
	if (getenv("XENLIGHTD_TEST_WRAPPER") != NULL)
		cr_skip_test("too slow under a wrapper");
	d = dut_start(NULL);
	c = dut_connect(d);
	lockspace = lockspace_of(d);

	srand(seed);
	cr_log_info("leases: seed %u, %d iterations", seed, iterations);
	/* slow enough that a kill lands inside the operations */
	sim_ok(d, "sim-set", "{\"save_mib_s\":128,\"restore_mib_s\":128,"
	    "\"create_ms\":150}");
	for (int i = 0; i < CHAOS_GUESTS; i++) {
		struct chaos_guest *g = &guests[i];

		snprintf(g->name, sizeof g->name, "g%d", i);
		g->img = make_image(d, g->name);
		g->disk = canonical(g->img);
		g->image = test_format("%s/%s.save", d->dir, g->name);
		create_one_ok(c, g->name, "rw", g->img);
		g->running = true;
	}
	for (int it = 0; it < iterations; it++) {
		const char *what[CHAOS_GUESTS];
		int delay_ms = rand() % 900;
		const char *why;

		for (int i = 0; i < CHAOS_GUESTS; i++) {
			what[i] = chaos_start(c, &guests[i]);
			ops[strcmp(what[i], "create") == 0 ? 0 :
			    strcmp(what[i], "restore") == 0 ? 1 :
			    strcmp(what[i], "save") == 0 ? 2 :
			    strcmp(what[i], "destroy") == 0 ? 3 : 4]++;
		}
		usleep((useconds_t)delay_ms * 1000);
		xlctl_close(c);
		dut_kill(d);
		dut_restart(d);
		c = dut_connect(d);
		for (int64_t deadline = now_ms() + 60000;;) {
			if (chaos_jobs_idle(c)) {
				chaos_refresh(c, guests);
				why = chaos_violation(d, c, guests, lockspace);
				if (why == NULL) {
					for (int i = 0; i < CHAOS_GUESTS; i++)
						ran += guests[i].running;
					break;
				}
			} else {
				why = "jobs still run";
			}
			cr_assert_lt(now_ms(), deadline, "iteration %d (seed %u, "
			    "killed after %d ms of %s %s %s %s): %s", it, seed,
			    delay_ms, what[0], what[1], what[2], what[3], why);
			usleep(50000);
		}
	}
	cr_log_info("leases: %d creates, %d restores, %d saves, %d destroys "
	    "interrupted or done; %d of %d guests running after the restarts",
	    ops[0], ops[1], ops[2], ops[3], ran, iterations * CHAOS_GUESTS);
	finish(d, c);
	for (int i = 0; i < CHAOS_GUESTS; i++) {
		free(guests[i].img);
		free(guests[i].disk);
		free(guests[i].image);
	}
	free(lockspace);
}

