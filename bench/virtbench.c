/* virtbench: the libvirtd side of bench/ (see bench/README.md).
 *
 * The same load shapes as xlbench, through libvirt's C API against
 * libvirtd's test driver (test+unix:///default?socket=...), one thread and
 * one connection per client.  Built by bench/run.sh only, against
 * libvirt-dev: libvirt is never a dependency of xenlightd's build.
 *
 *   populate   define + create N domains PREFIX0.., print "ready", then
 *              hold the connection until SIGTERM (the test driver frees
 *              its state when the last connection closes)
 *   state      lookup by name + virDomainGetState   (2 RPCs)
 *   info       lookup by name + virDomainGetInfo    (2 RPCs)
 *   info-cached  virDomainGetInfo on a handle looked up beforehand (1 RPC)
 *   list       virConnectListAllDomains
 *   connect    open + lookup + state + close
 *   idle       N idle connections: libvirtd's RSS
 *   events     S subscribers (lifecycle callbacks), M domains suspended
 *              then resumed one at a time, R rounds
 *
 * Result lines have the format of xlbench's ("result key=value ..."):
 * both print them with bench/measure.c. */
#define _GNU_SOURCE
#include <sys/resource.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "measure.h"

static const char *opt_uri;
static long opt_pid;
static int opt_clients = 1;
static double opt_duration = 10, opt_warmup = 1, opt_hold = 2;
static const char *opt_prefix = "bench-";
static int opt_count = 1000;
static int opt_subscribers = 1000;
static int opt_rounds = 3;
static const char *opt_label = "";

static void die(const char *msg)
{
	virErrorPtr e = virGetLastError();

	fprintf(stderr, "virtbench: %s%s%s\n", msg, e ? ": " : "",
	    e ? e->message : "");
	exit(1);
}

static void quiet_errors(void *opaque, virErrorPtr e)
{
	(void)opaque;
	(void)e;
}

static virConnectPtr open_or_die(void)
{
	virConnectPtr c = virConnectOpen(opt_uri);

	if (c == NULL)
		die("cannot connect");
	return c;
}

/* ------------------------------------------------------------------------
 * Closed-loop operations, one thread per client */

enum op { OP_STATE, OP_INFO, OP_INFO_CACHED, OP_LIST, OP_CONNECT };
static const char *const op_names[] = {
	"lookup+state", "lookup+info", "info-cached", "list-all",
	"connect+lookup+state+close",
};

struct worker {
	pthread_t thread;
	enum op op;
	uint64_t seed;
	struct measure_window window;
};

static int one_op(struct worker *w, virConnectPtr c, virDomainPtr *cache,
    int ncache)
{
	char name[96];
	virDomainInfo info;
	int state, reason, rc = -1;
	virDomainPtr d, *all = NULL;
	virConnectPtr oc;

	w->seed ^= w->seed << 13;
	w->seed ^= w->seed >> 7;
	w->seed ^= w->seed << 17;
	snprintf(name, sizeof name, "%s%d", opt_prefix,
	    (int)(w->seed % (uint64_t)opt_count));
	switch (w->op) {
	case OP_STATE:
		if ((d = virDomainLookupByName(c, name)) == NULL)
			return -1;
		rc = virDomainGetState(d, &state, &reason, 0);
		virDomainFree(d);
		return rc;
	case OP_INFO:
		if ((d = virDomainLookupByName(c, name)) == NULL)
			return -1;
		rc = virDomainGetInfo(d, &info);
		virDomainFree(d);
		return rc;
	case OP_INFO_CACHED:
		return virDomainGetInfo(cache[w->seed % (uint64_t)ncache], &info);
	case OP_LIST:
		rc = virConnectListAllDomains(c, &all, 0);
		for (int i = 0; i < rc; i++)
			virDomainFree(all[i]);
		free(all);
		return rc < 0 ? -1 : 0;
	case OP_CONNECT:
		if ((oc = virConnectOpen(opt_uri)) == NULL)
			return -1;
		if ((d = virDomainLookupByName(oc, name)) != NULL) {
			rc = virDomainGetState(d, &state, &reason, 0);
			virDomainFree(d);
		}
		virConnectClose(oc);
		return rc;
	}
	return -1;
}

static void *worker_run(void *arg)
{
	struct worker *w = arg;
	virConnectPtr c = w->op == OP_CONNECT ? NULL : open_or_die();
	virDomainPtr cache[100];
	int ncache = 0;

	if (w->op == OP_INFO_CACHED) {
		for (ncache = 0; ncache < 100; ncache++) {
			char name[96];

			snprintf(name, sizeof name, "%s%d", opt_prefix,
			    (int)((w->seed + (uint64_t)ncache * 7) %
			    (uint64_t)opt_count));
			if ((cache[ncache] = virDomainLookupByName(c, name)) ==
			    NULL)
				die("lookup");
		}
	}
	for (;;) {
		uint64_t t0 = measure_now_ns(), t1;
		int rc;

		if (t0 >= w->window.end)
			break;
		rc = one_op(w, c, cache, ncache);
		t1 = measure_now_ns();
		measure_window_record(&w->window, t0, t1, rc >= 0);
	}
	for (int i = 0; i < ncache; i++)
		virDomainFree(cache[i]);
	if (c != NULL)
		virConnectClose(c);
	return NULL;
}

static int run_op(enum op op)
{
	struct worker *w = calloc((size_t)opt_clients, sizeof *w);
	struct measure_window all = { 0 };
	struct measure_cpu cpu0, cpu1;
	uint64_t setup;
	long rss;

	/* the cached handles are looked up before the window: give the
	 * threads time for that */
	setup = op == OP_INFO_CACHED ? 1000000000ULL + (uint64_t)opt_clients *
	    60000000ULL : 0;
	all.start = measure_now_ns() + setup + (uint64_t)(opt_warmup * 1e9);
	all.end = all.start + (uint64_t)(opt_duration * 1e9);
	for (int i = 0; i < opt_clients; i++) {
		w[i].op = op;
		w[i].seed = 0x2545f491 + (uint64_t)i * 104729;
		w[i].window.start = all.start;
		w[i].window.end = all.end;
		pthread_create(&w[i].thread, NULL, worker_run, &w[i]);
	}
	measure_window_wait(all.start, all.end, opt_pid, &cpu0, &cpu1);
	rss = measure_process_status_kib(opt_pid, "VmRSS");
	for (int i = 0; i < opt_clients; i++) {
		pthread_join(w[i].thread, NULL);
		measure_window_add(&all, &w[i].window);
	}
	measure_print_head(op == OP_CONNECT ? "connect" : "load", "libvirtd",
	    op_names[op], opt_label);
	printf(" domains=%d clients=%d depth=1 duration_s=%.1f", opt_count,
	    opt_clients, opt_duration);
	measure_print_latency(&all, opt_duration);
	measure_print_cpu("daemon", cpu1.daemon_ns - cpu0.daemon_ns, all.ops,
	    opt_duration);
	printf(" daemon_rss_kib=%ld", rss);
	measure_print_cpu("gen", cpu1.self_ns - cpu0.self_ns, all.ops,
	    opt_duration);
	measure_print_end();
	measure_samples_free(&all.latency);
	free(w);
	return all.errors > 0 ? 1 : 0;
}

/* ------------------------------------------------------------------------
 * populate (and hold), idle, rss */

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static int run_populate(void)
{
	virConnectPtr c = open_or_die();
	uint64_t t0 = measure_now_ns();
	int failed = 0;

	for (int i = 0; i < opt_count; i++) {
		char xml[512];
		virDomainPtr d;

		snprintf(xml, sizeof xml, "<domain type='test'><name>%s%d</name>"
		    "<memory unit='MiB'>32</memory><vcpu>1</vcpu>"
		    "<os><type>hvm</type></os></domain>", opt_prefix, i);
		d = virDomainDefineXML(c, xml);
		if (d == NULL || virDomainCreate(d) < 0) {
			if (failed++ < 3)
				fprintf(stderr, "virtbench: %s%d: %s\n",
				    opt_prefix, i, virGetLastErrorMessage());
		}
		if (d != NULL)
			virDomainFree(d);
	}
	fprintf(stderr, "virtbench: %d domains in %.1f s, %d failed\n",
	    opt_count, (double)(measure_now_ns() - t0) / 1e9, failed);
	printf("ready\n");
	fflush(stdout);
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	while (!stop)
		pause();
	virConnectClose(c);
	return failed > 0;
}

static int run_rss(void)
{
	long rss = measure_process_status_kib(opt_pid, "VmRSS");
	long anon = measure_process_status_kib(opt_pid, "RssAnon");
	long file = measure_process_status_kib(opt_pid, "RssFile");
	virConnectPtr c = open_or_die();
	int n = virConnectNumOfDomains(c) + virConnectNumOfDefinedDomains(c);

	measure_print_head("rss", "libvirtd", "rss", opt_label);
	printf(" domains=%d daemon_rss_kib=%ld rss_anon_kib=%ld"
	    " rss_file_kib=%ld rss_after_list_kib=%ld daemon_hwm_kib=%ld", n,
	    rss, anon, file, measure_process_status_kib(opt_pid, "VmRSS"),
	    measure_process_status_kib(opt_pid, "VmHWM"));
	measure_print_end();
	virConnectClose(c);
	return 0;
}

static int run_idle(void)
{
	virConnectPtr *c = calloc((size_t)opt_clients, sizeof *c);
	long before = measure_process_status_kib(opt_pid, "VmRSS"), after;

	for (int i = 0; i < opt_clients; i++)
		c[i] = open_or_die();
	usleep((useconds_t)(opt_hold * 1e6));
	after = measure_process_status_kib(opt_pid, "VmRSS");
	measure_print_head("idle", "libvirtd", "connections", opt_label);
	printf(" connections=%d rss_before_kib=%ld daemon_rss_kib=%ld"
	    " rss_per_connection_kib=%.2f", opt_clients, before, after,
	    (double)(after - before) / opt_clients);
	measure_print_end();
	for (int i = 0; i < opt_clients; i++)
		virConnectClose(c[i]);
	free(c);
	return 0;
}

/* ------------------------------------------------------------------------
 * events */

static _Atomic uint64_t ev_received, ev_stray;
static _Atomic int ev_expect;		/* VIR_DOMAIN_EVENT_SUSPENDED/RESUMED */
static _Atomic uint64_t *ev_sent;
static struct measure_samples ev_lat;		/* event loop thread only */
static pthread_mutex_t ev_lock = PTHREAD_MUTEX_INITIALIZER;
static volatile int ev_run = 1;

static int ev_callback(virConnectPtr conn, virDomainPtr dom, int event,
    int detail, void *opaque)
{
	uint64_t t = measure_now_ns(), sent;
	const char *name = virDomainGetName(dom);
	long idx;

	(void)conn;
	(void)detail;
	(void)opaque;
	if (event != ev_expect || name == NULL ||
	    strncmp(name, opt_prefix, strlen(opt_prefix)) != 0) {
		ev_stray++;
		return 0;
	}
	idx = strtol(name + strlen(opt_prefix), NULL, 10);
	if (idx < 0 || idx >= opt_count || (sent = ev_sent[idx]) == 0) {
		ev_stray++;
		return 0;
	}
	pthread_mutex_lock(&ev_lock);
	measure_samples_add(&ev_lat, t - sent);
	pthread_mutex_unlock(&ev_lock);
	ev_received++;
	return 0;
}

static void *ev_loop(void *arg)
{
	(void)arg;
	while (ev_run)
		virEventRunDefaultImpl();
	return NULL;
}

static int run_events(void)
{
	virConnectPtr driver, *subs;
	virDomainPtr *doms;
	pthread_t loop;
	struct measure_cpu cpu0, cpu1;
	uint64_t t0, t1, errors = 0;
	long rss_subscribed;
	double secs;

	virEventRegisterDefaultImpl();
	pthread_create(&loop, NULL, ev_loop, NULL);
	ev_sent = calloc((size_t)opt_count, sizeof *ev_sent);
	driver = open_or_die();
	doms = calloc((size_t)opt_count, sizeof *doms);
	for (int i = 0; i < opt_count; i++) {
		char name[96];

		snprintf(name, sizeof name, "%s%d", opt_prefix, i);
		if ((doms[i] = virDomainLookupByName(driver, name)) == NULL)
			die("lookup");
	}
	subs = calloc((size_t)opt_subscribers, sizeof *subs);
	for (int i = 0; i < opt_subscribers; i++) {
		subs[i] = open_or_die();
		if (virConnectDomainEventRegisterAny(subs[i], NULL,
		    VIR_DOMAIN_EVENT_ID_LIFECYCLE,
		    VIR_DOMAIN_EVENT_CALLBACK(ev_callback), NULL, NULL) < 0)
			die("event register");
	}
	rss_subscribed = measure_process_status_kib(opt_pid, "VmRSS");
	measure_cpu_read(&cpu0, opt_pid);
	t0 = measure_now_ns();
	for (int phase = 0; phase < 2 * opt_rounds; phase++) {
		bool pausing = phase % 2 == 0;
		uint64_t expected = (uint64_t)opt_subscribers *
		    (uint64_t)opt_count, deadline;

		for (int i = 0; i < opt_count; i++)
			ev_sent[i] = 0;
		ev_received = 0;
		ev_expect = pausing ? VIR_DOMAIN_EVENT_SUSPENDED :
		    VIR_DOMAIN_EVENT_RESUMED;
		for (int i = 0; i < opt_count; i++) {
			ev_sent[i] = measure_now_ns();
			if ((pausing ? virDomainSuspend(doms[i]) :
			    virDomainResume(doms[i])) < 0)
				errors++;
		}
		deadline = measure_now_ns() + 60000000000ULL;
		while (ev_received < expected && measure_now_ns() < deadline)
			usleep(1000);
		if (ev_received < expected) {
			fprintf(stderr, "virtbench: phase %d: %" PRIu64 " of %"
			    PRIu64 " events\n", phase, (uint64_t)ev_received,
			    expected);
			errors++;
		}
	}
	t1 = measure_now_ns();
	measure_cpu_read(&cpu1, opt_pid);
	secs = (double)(t1 - t0) / 1e9;
	pthread_mutex_lock(&ev_lock);
	measure_print_head("events", "libvirtd", "suspend/resume->events",
	    opt_label);
	printf(" subscribers=%d domains=%d rounds=%d events=%zu events_per_s=%.0f"
	    " from_request_p50_ms=%.3f from_request_p99_ms=%.3f"
	    " from_request_max_ms=%.3f stray=%" PRIu64 " errors=%" PRIu64
	    " daemon_cpu_ms_per_1k_events=%.2f daemon_cpu_pct=%.0f"
	    " daemon_rss_kib=%ld rss_subscribed_kib=%ld gen_cpu_pct=%.0f",
	    opt_subscribers, opt_count, opt_rounds, ev_lat.n,
	    (double)ev_lat.n / secs, measure_samples_percentile_ms(&ev_lat, 50),
	    measure_samples_percentile_ms(&ev_lat, 99),
	    measure_samples_percentile_ms(&ev_lat, 100), (uint64_t)ev_stray,
	    errors, measure_cpu_ms_per_1k(cpu1.daemon_ns - cpu0.daemon_ns,
	    ev_lat.n), measure_cpu_percent(cpu1.daemon_ns - cpu0.daemon_ns,
	    secs), measure_process_status_kib(opt_pid, "VmRSS"),
	    rss_subscribed, measure_cpu_percent(cpu1.self_ns - cpu0.self_ns,
	    secs));
	measure_print_end();
	pthread_mutex_unlock(&ev_lock);
	fflush(stdout);
	/* closing 1000 connections with callbacks takes a while and does not
	 * matter: leave it to exit() */
	_exit(errors > 0);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "uri", required_argument, NULL, 'u' },
		{ "pid", required_argument, NULL, 'p' },
		{ "clients", required_argument, NULL, 'c' },
		{ "duration", required_argument, NULL, 't' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "prefix", required_argument, NULL, 'P' },
		{ "count", required_argument, NULL, 'n' },
		{ "label", required_argument, NULL, 'l' },
		{ "subscribers", required_argument, NULL, 1 },
		{ "rounds", required_argument, NULL, 2 },
		{ "hold", required_argument, NULL, 3 },
		{ NULL, 0, NULL, 0 }
	};
	const char *op;
	int ch;
	struct rlimit rl;

	while ((ch = getopt_long(argc, argv, "u:p:c:t:w:P:n:l:", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'u': opt_uri = optarg; break;
		case 'p': opt_pid = strtol(optarg, NULL, 10); break;
		case 'c': opt_clients = atoi(optarg); break;
		case 't': opt_duration = atof(optarg); break;
		case 'w': opt_warmup = atof(optarg); break;
		case 'P': opt_prefix = optarg; break;
		case 'n': opt_count = atoi(optarg); break;
		case 'l': opt_label = optarg; break;
		case 1: opt_subscribers = atoi(optarg); break;
		case 2: opt_rounds = atoi(optarg); break;
		case 3: opt_hold = atof(optarg); break;
		default:
			fprintf(stderr, "usage: virtbench -u URI [-p PID] [-c N] "
			    "[-t S] [-n N] [-P PREFIX] OP\n");
			return 2;
		}
	}
	if (optind >= argc || opt_uri == NULL) {
		fprintf(stderr, "virtbench: -u URI and an operation needed\n");
		return 2;
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (virInitialize() < 0)
		die("virInitialize");
	virSetErrorFunc(NULL, quiet_errors);
	op = argv[optind];
	if (strcmp(op, "populate") == 0)
		return run_populate();
	if (strcmp(op, "rss") == 0)
		return run_rss();
	if (strcmp(op, "idle") == 0)
		return run_idle();
	if (strcmp(op, "events") == 0)
		return run_events();
	if (strcmp(op, "state") == 0)
		return run_op(OP_STATE);
	if (strcmp(op, "info") == 0)
		return run_op(OP_INFO);
	if (strcmp(op, "info-cached") == 0)
		return run_op(OP_INFO_CACHED);
	if (strcmp(op, "list") == 0)
		return run_op(OP_LIST);
	if (strcmp(op, "connect") == 0)
		return run_op(OP_CONNECT);
	fprintf(stderr, "virtbench: unknown operation %s\n", op);
	return 2;
}
