/* measure: what xlbench and virtbench both measure, and how they print it.
 *
 * The two generators drive different daemons through different client
 * libraries, but their figures are only comparable if they are taken and
 * printed the same way: the same clocks, the same /proc fields, the same
 * nearest-rank percentiles and the same `result key=value ...` keys
 * (bench/report.py reads them).  So that code lives here, once.
 *
 * Plain C11 + POSIX + Linux /proc: virtbench is compiled by bench/run.sh
 * with this file and libvirt only, outside the autotools build. */
#ifndef BENCH_MEASURE_H
#define BENCH_MEASURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* CLOCK_MONOTONIC, for latencies and windows. */
uint64_t measure_now_ns(void);
/* CLOCK_REALTIME, only to compare with timestamps a daemon put in its
 * messages. */
uint64_t measure_wall_ns(void);
/* Polls in 1 ms steps: the threaded scenarios' main thread only waits for
 * the edges of the window, a millisecond late does not matter. */
void measure_sleep_until(uint64_t monotonic_ns);

/* utime + stime of the whole process PID in ns, all threads; clock ticks
 * underneath (10 ms), hence windows of seconds.  0 when PID is not given
 * (<= 0) or cannot be read. */
uint64_t measure_process_cpu_ns(long pid);
/* How long the process's main thread (the daemon's loop) has waited on a
 * run queue, runnable but not running (/proc/PID/schedstat); 0 if unknown.
 * What a busy CPU costs a request's latency, apart from the work itself. */
uint64_t measure_process_runq_wait_ns(long pid);
/* A "Key:  N kB" field of /proc/PID/status (VmRSS, RssAnon, RssFile,
 * VmHWM), in KiB; -1 when absent, so that the result line shows it. */
long measure_process_status_kib(long pid, const char *key);
/* The generator's own CPU (getrusage): a generator that costs as much as
 * the daemon measures itself. */
uint64_t measure_self_cpu_ns(void);
/* The 1-minute load average: every result line carries it, since the
 * machine may be shared. */
double measure_loadavg1(void);

/* The CPU of the daemon and of the generator at one instant: read at both
 * edges of a window. */
struct measure_cpu {
	uint64_t daemon_ns;
	uint64_t daemon_wait_ns;	/* the loop's time runnable, not running */
	uint64_t self_ns;
	uint64_t host_steal_ticks;	/* /proc/stat, all CPUs: stolen by the */
	uint64_t host_ticks;		/* hypervisor, and every tick */
};

void measure_cpu_read(struct measure_cpu *cpu, long daemon_pid);

/* steal_pct: the share of the machine's CPU time its hypervisor gave to
 * other guests during the window (a shared VM's p99 moves with it). */
void measure_print_steal(const struct measure_cpu *before,
    const struct measure_cpu *after);

/* CPU milliseconds per 1000 operations (0 without operations). */
double measure_cpu_ms_per_1k(uint64_t cpu_ns, uint64_t count);
/* CPU time as a percentage of one CPU over SECONDS. */
double measure_cpu_percent(uint64_t cpu_ns, double seconds);

/* Latencies, every one kept: percentiles are computed exactly. */
struct measure_samples {
	uint64_t *ns;
	size_t n, cap;
};

void measure_samples_add(struct measure_samples *s, uint64_t ns);
void measure_samples_free(struct measure_samples *s);
/* Nearest-rank percentile (100 = the maximum), in ms; 0 without samples.
 * Sorts the samples in place. */
double measure_samples_percentile_ms(struct measure_samples *s, double pct);

/* The measured window of a closed loop: an operation counts only if it
 * started and ended inside it, so that warm-up and the tail do not. */
struct measure_window {
	uint64_t start, end;		/* monotonic ns */
	uint64_t ops, errors;
	struct measure_samples latency;
};

/* One operation of a client thread, from T0 to T1. */
void measure_window_record(struct measure_window *w, uint64_t t0,
    uint64_t t1, bool ok);
/* Adds the counts and latencies of FROM (whose samples are freed) to
 * INTO: the threads' windows, once joined. */
void measure_window_add(struct measure_window *into,
    struct measure_window *from);
/* For the thread-per-client scenarios: waits until START, reads the CPU,
 * waits until END, reads it again. */
void measure_window_wait(uint64_t start, uint64_t end, long daemon_pid,
    struct measure_cpu *before, struct measure_cpu *after);

/* The result line, in pieces, on stdout:
 *   result scenario=S target=T op=O [label=L]	measure_print_head
 *   ... the scenario's own keys ...
 *   ops= ops_per_s= p50_ms= p99_ms= p999_ms= max_ms= errors=
 *						measure_print_latency
 *   daemon_cpu_ms_per_1k= daemon_cpu_pct=	measure_print_cpu("daemon")
 *   gen_cpu_ms_per_1k= gen_cpu_pct=		measure_print_cpu("gen")
 *   loadavg=\n					measure_print_end */
void measure_print_head(const char *scenario, const char *target,
    const char *op, const char *label);
void measure_print_latency(struct measure_window *w, double seconds);
void measure_print_cpu(const char *who, uint64_t cpu_ns, uint64_t ops,
    double seconds);
/* daemon_runq_wait_us_per_op= daemon_runq_wait_pct= */
void measure_print_runq_wait(uint64_t wait_ns, uint64_t ops, double seconds);
void measure_print_end(void);

#endif
