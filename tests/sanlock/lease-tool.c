/* lease-tool: one host's lease machinery (daemon/lease.c) for one command,
 * the way a daemon that has just started would run it: it adopts the
 * holders it finds in its records directory (their domains are taken to
 * be running), does the command, and exits; holders live on.  Used by the
 * sanlock test (tests/sanlock/run.sh), where two "hosts" are two sets of
 * options on one machine, and to measure what leases cost.
 *
 *   lease-tool OPTIONS acquire UUID NAME PATH:MODE...
 *        exit 0: held; 3: LeaseConflict (the error on stdout); 1: other
 *   lease-tool OPTIONS release UUID
 *   lease-tool OPTIONS list
 *   lease-tool OPTIONS bench DISKS ROUNDS
 *        acquire + release of a domain with DISKS new disks, ROUNDS
 *        times: the time each acquire took (milliseconds)
 *
 * OPTIONS: --holder PROGRAM --records DIR --lockspace DIR --host NAME
 *          [--backend lockspace|sanlock] [--host-id N] [--timeout MS]
 *          [--io-timeout S] (sanlock's, for the lockspace it joins) */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "daemon/fsutil.h"
#include "daemon/lease-record.h"
#include "daemon/lease.h"
#include "daemon/log.h"
#include "tests/unit/lease-hooks.h"

#define TOOL_CONFLICT 3

static struct event_base *base;

struct wait {
	bool done;
	struct err *e;
};

static void on_done(struct err *e, void *arg)
{
	struct wait *w = arg;

	w->done = true;
	w->e = e;
}

static void wait_for(struct wait *w)
{
	while (!w->done)
		event_base_loop(base, EVLOOP_ONCE);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int report(struct err *e)
{
	json_object *o;
	int status;

	if (e == NULL) {
		printf("ok\n");
		return 0;
	}
	o = err_to_json(e);
	printf("%s\n", json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	status = e->class == ERR_LEASE_CONFLICT ? TOOL_CONFLICT : 1;
	err_free(e);
	return status;
}

/* The holders this host left behind are its running domains. */
static void adopt(const char *records)
{
	struct lease_running running[256];
	struct lease_record recs[256];
	size_t n = 0;
	struct wait w = { 0 };
	DIR *dir = opendir(records);
	struct dirent *ent;

	while (dir != NULL && n < 256 && (ent = readdir(dir)) != NULL) {
		char path[4096];
		size_t len;
		int error;
		char *text;

		if (ent->d_name[0] == '.' ||
		    strstr(ent->d_name, ".json") == NULL)
			continue;
		snprintf(path, sizeof path, "%s/%s", records, ent->d_name);
		text = fsutil_read_file(path, LEASE_RECORD_MAX, &len, &error);
		if (text == NULL)
			continue;
		if (lease_record_parse(text, len, &recs[n]) == NULL) {
			running[n].uuid = recs[n].uuid;
			running[n].domain = recs[n].domain;
			running[n].disks = &recs[n].disks;
			n++;
		}
		free(text);
	}
	if (dir != NULL)
		closedir(dir);
	lease_recover(running, n, on_done, &w);
	wait_for(&w);
	if (w.e != NULL)
		err_free(w.e);
	for (size_t i = 0; i < n; i++)
		lease_record_clear(&recs[i]);
}

static int cmd_acquire(int argc, char **argv)
{
	struct lease_disks disks = { 0 };
	struct wait w = { 0 };

	if (argc < 2)
		return 2;
	for (int i = 2; i < argc; i++) {
		char *colon = strrchr(argv[i], ':');
		enum lease_mode mode;

		if (colon == NULL || !lease_mode_parse(colon + 1, &mode))
			return 2;
		*colon = '\0';
		lease_disks_add(&disks, argv[i], NULL, mode);
	}
	lease_acquire(argv[0], argv[1], &disks, on_done, &w);
	wait_for(&w);
	lease_disks_clear(&disks);
	return report(w.e);
}

static int cmd_release(int argc, char **argv)
{
	struct wait w = { 0 };

	if (argc != 1)
		return 2;
	lease_release(argv[0], on_done, &w);
	wait_for(&w);
	return report(w.e);
}

static int cmd_list(int argc, char **argv)
{
	json_object *list = lease_list_json();

	printf("%s\n", json_object_to_json_string_ext(list,
	    JSON_C_TO_STRING_PLAIN));
	json_object_put(list);
	return 0;
}

static int compare_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* What a create pays for leases: one domain's acquire with ndisks new
 * disks (a new holder each time), then its release. */
static int cmd_bench(int argc, char **argv)
{
	int ndisks, rounds;
	double *took, sum = 0;
	struct lease_disks disks = { 0 };

	if (argc != 2 || (ndisks = atoi(argv[0])) < 1 || ndisks > 64 ||
	    (rounds = atoi(argv[1])) < 1 || rounds > 100000)
		return 2;
	took = calloc((size_t)rounds, sizeof *took);
	for (int i = 0; i < ndisks; i++) {
		char path[4096];

		/* a disk need not exist to be leased */
		snprintf(path, sizeof path, "/xllease-bench/disk-%d.img", i);
		lease_disks_add(&disks, path, NULL, LEASE_EXCLUSIVE);
	}
	for (int r = 0; r < rounds; r++) {
		struct wait w = { 0 }, rel = { 0 };
		double start = now_ms();

		lease_acquire("bbbbbbbb-0000-4000-8000-000000000001", "bench",
		    &disks, on_done, &w);
		wait_for(&w);
		took[r] = now_ms() - start;
		if (w.e != NULL)
			return report(w.e);
		lease_release("bbbbbbbb-0000-4000-8000-000000000001", on_done,
		    &rel);
		wait_for(&rel);
		if (rel.e != NULL)
			return report(rel.e);
		sum += took[r];
	}
	qsort(took, (size_t)rounds, sizeof *took, compare_double);
	printf("{\"disks\":%d,\"rounds\":%d,\"mean_ms\":%.3f,"
	    "\"median_ms\":%.3f,\"p90_ms\":%.3f,\"max_ms\":%.3f}\n", ndisks,
	    rounds, sum / rounds, took[rounds / 2], took[rounds * 9 / 10],
	    took[rounds - 1]);
	free(took);
	lease_disks_clear(&disks);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "holder", required_argument, NULL, 'p' },
		{ "records", required_argument, NULL, 'r' },
		{ "lockspace", required_argument, NULL, 'l' },
		{ "host", required_argument, NULL, 'n' },
		{ "backend", required_argument, NULL, 'b' },
		{ "host-id", required_argument, NULL, 'i' },
		{ "timeout", required_argument, NULL, 't' },
		{ "io-timeout", required_argument, NULL, 'o' },
		{ "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	struct lease_config cfg = { .backend = LEASE_BACKEND_LOCKSPACE };
	const char *holder = NULL, *cmd;
	struct err *e;
	bool verbose = false;
	int opt, status;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'p': holder = optarg; break;
		case 'r': cfg.records_dir = optarg; break;
		case 'l': cfg.lockspace = optarg; break;
		case 'n': cfg.host = optarg; break;
		case 'b':
			if (!lease_backend_kind_parse(optarg, &cfg.backend))
				return 2;
			break;
		case 'i': cfg.host_id = atoi(optarg); break;
		case 't': cfg.timeout_ms = atoi(optarg); break;
		case 'o': cfg.sanlock_io_timeout = atoi(optarg); break;
		case 'v': verbose = true; break;
		default: return 2;
		}
	}
	if (holder == NULL || cfg.records_dir == NULL ||
	    cfg.lockspace == NULL || cfg.host == NULL || optind >= argc) {
		fprintf(stderr, "usage: lease-tool --holder PROGRAM --records "
		    "DIR --lockspace DIR --host NAME [--backend B] "
		    "[--host-id N] [--timeout MS] acquire|release|list|bench "
		    "...\n");
		return 2;
	}
	log_open(true, NULL, verbose ? LOG_LEVEL_INFO : LOG_LEVEL_ERROR);
	base = event_base_new();
	if (base == NULL || !lease_hooks_init(base, holder))
		return 1;
	lease_hooks_config(&cfg);
	e = lease_init(&cfg);
	if (e != NULL)
		return report(e);
	adopt(cfg.records_dir);
	cmd = argv[optind];
	argc -= optind + 1;
	argv += optind + 1;
	if (strcmp(cmd, "acquire") == 0)
		status = cmd_acquire(argc, argv);
	else if (strcmp(cmd, "release") == 0)
		status = cmd_release(argc, argv);
	else if (strcmp(cmd, "list") == 0)
		status = cmd_list(argc, argv);
	else if (strcmp(cmd, "bench") == 0)
		status = cmd_bench(argc, argv);
	else
		status = 2;
	lease_shutdown();
	lease_hooks_free();
	event_base_free(base);
	return status;
}
