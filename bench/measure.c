/* measure: clocks, /proc readers, latency samples and the result line,
 * shared by xlbench and virtbench (see measure.h). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#else
/* virtbench's build (bench/run.sh) has no config.h */
#define _GNU_SOURCE
#endif

#include <sys/resource.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "measure.h"

static uint64_t measure_clock_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t measure_now_ns(void)
{
	return measure_clock_ns(CLOCK_MONOTONIC);
}

uint64_t measure_wall_ns(void)
{
	return measure_clock_ns(CLOCK_REALTIME);
}

void measure_sleep_until(uint64_t monotonic_ns)
{
	while (measure_now_ns() < monotonic_ns)
		usleep(1000);
}

/* /proc/PID/NAME of a process, or NULL (no process, or it is gone). */
static FILE *proc_file_open(long pid, const char *name)
{
	char path[64];

	if (pid <= 0)
		return NULL;
	snprintf(path, sizeof path, "/proc/%ld/%s", pid, name);
	return fopen(path, "r");
}

uint64_t measure_process_cpu_ns(long pid)
{
	char buf[2048];
	unsigned long long utime = 0, stime = 0;
	const char *p;
	FILE *f;
	size_t n;

	if ((f = proc_file_open(pid, "stat")) == NULL)
		return 0;
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* the command name may hold spaces: fields count from the last ')' */
	if ((p = strrchr(buf, ')')) == NULL)
		return 0;
	if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
	    &utime, &stime) != 2)
		return 0;
	return (utime + stime) * (1000000000ULL / (uint64_t)sysconf(_SC_CLK_TCK));
}

uint64_t measure_process_runq_wait_ns(long pid)
{
	unsigned long long run, wait;
	FILE *f;
	int n;

	if ((f = proc_file_open(pid, "schedstat")) == NULL)
		return 0;
	n = fscanf(f, "%llu %llu", &run, &wait);
	fclose(f);
	return n == 2 ? wait : 0;
}

long measure_process_status_kib(long pid, const char *key)
{
	char line[256];
	size_t klen = strlen(key);
	long value = -1;
	FILE *f;

	if ((f = proc_file_open(pid, "status")) == NULL)
		return -1;
	while (fgets(line, sizeof line, f) != NULL) {
		if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
			value = strtol(line + klen + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return value;
}

uint64_t measure_self_cpu_ns(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ((uint64_t)ru.ru_utime.tv_sec + (uint64_t)ru.ru_stime.tv_sec) *
	    1000000000u + ((uint64_t)ru.ru_utime.tv_usec +
	    (uint64_t)ru.ru_stime.tv_usec) * 1000u;
}

double measure_loadavg1(void)
{
	double l = -1;
	FILE *f = fopen("/proc/loadavg", "r");

	if (f != NULL) {
		if (fscanf(f, "%lf", &l) != 1)
			l = -1;
		fclose(f);
	}
	return l;
}

/* the first line of /proc/stat: user nice system idle iowait irq softirq
 * steal ... ; guest time is counted inside user, so it is left out */
static void measure_host_ticks(uint64_t *steal, uint64_t *total)
{
	unsigned long long v[8];
	FILE *f = fopen("/proc/stat", "r");

	*steal = *total = 0;
	if (f == NULL)
		return;
	if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0],
	    &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) == 8) {
		*steal = v[7];
		for (int i = 0; i < 8; i++)
			*total += v[i];
	}
	fclose(f);
}

void measure_cpu_read(struct measure_cpu *cpu, long daemon_pid)
{
	cpu->daemon_ns = measure_process_cpu_ns(daemon_pid);
	cpu->daemon_wait_ns = measure_process_runq_wait_ns(daemon_pid);
	cpu->self_ns = measure_self_cpu_ns();
	measure_host_ticks(&cpu->host_steal_ticks, &cpu->host_ticks);
}

void measure_print_steal(const struct measure_cpu *before,
    const struct measure_cpu *after)
{
	if (after->host_ticks > before->host_ticks)
		printf(" steal_pct=%.1f", 100.0 *
		    (double)(after->host_steal_ticks -
		    before->host_steal_ticks) /
		    (double)(after->host_ticks - before->host_ticks));
}

double measure_cpu_ms_per_1k(uint64_t cpu_ns, uint64_t count)
{
	if (count == 0)
		return 0;
	return (double)cpu_ns / 1e6 / ((double)count / 1000);
}

double measure_cpu_percent(uint64_t cpu_ns, double seconds)
{
	return 100.0 * (double)cpu_ns / 1e9 / seconds;
}

void measure_samples_add(struct measure_samples *s, uint64_t ns)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 65536;
		s->ns = realloc(s->ns, s->cap * sizeof *s->ns);
		if (s->ns == NULL) {
			/* half a result would be a wrong one */
			fprintf(stderr, "%s: out of memory\n",
			    program_invocation_short_name);
			exit(1);
		}
	}
	s->ns[s->n++] = ns;
}

void measure_samples_free(struct measure_samples *s)
{
	free(s->ns);
	s->ns = NULL;
	s->n = s->cap = 0;
}

static int measure_compare_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

double measure_samples_percentile_ms(struct measure_samples *s, double pct)
{
	size_t rank;

	if (s->n == 0)
		return 0;
	qsort(s->ns, s->n, sizeof *s->ns, measure_compare_u64);
	rank = (size_t)(pct / 100.0 * (double)s->n + 0.999999);
	if (rank < 1)
		rank = 1;
	if (rank > s->n)
		rank = s->n;
	return (double)s->ns[rank - 1] / 1e6;
}

void measure_window_record(struct measure_window *w, uint64_t t0,
    uint64_t t1, bool ok)
{
	if (t0 < w->start || t1 > w->end)
		return;
	if (!ok) {
		w->errors++;
		return;
	}
	w->ops++;
	measure_samples_add(&w->latency, t1 - t0);
}

void measure_window_add(struct measure_window *into,
    struct measure_window *from)
{
	into->ops += from->ops;
	into->errors += from->errors;
	for (size_t i = 0; i < from->latency.n; i++)
		measure_samples_add(&into->latency, from->latency.ns[i]);
	measure_samples_free(&from->latency);
}

void measure_window_wait(uint64_t start, uint64_t end, long daemon_pid,
    struct measure_cpu *before, struct measure_cpu *after)
{
	measure_sleep_until(start);
	measure_cpu_read(before, daemon_pid);
	measure_sleep_until(end);
	measure_cpu_read(after, daemon_pid);
}

void measure_print_head(const char *scenario, const char *target,
    const char *op, const char *label)
{
	printf("result scenario=%s target=%s op=%s", scenario, target, op);
	if (label != NULL && label[0] != '\0')
		printf(" label=%s", label);
}

void measure_print_latency(struct measure_window *w, double seconds)
{
	printf(" ops=%" PRIu64 " ops_per_s=%.0f p50_ms=%.3f p99_ms=%.3f"
	    " p999_ms=%.3f max_ms=%.3f errors=%" PRIu64, w->ops,
	    (double)w->ops / seconds,
	    measure_samples_percentile_ms(&w->latency, 50),
	    measure_samples_percentile_ms(&w->latency, 99),
	    measure_samples_percentile_ms(&w->latency, 99.9),
	    measure_samples_percentile_ms(&w->latency, 100), w->errors);
}

void measure_print_cpu(const char *who, uint64_t cpu_ns, uint64_t ops,
    double seconds)
{
	printf(" %s_cpu_ms_per_1k=%.2f %s_cpu_pct=%.0f", who,
	    measure_cpu_ms_per_1k(cpu_ns, ops), who,
	    measure_cpu_percent(cpu_ns, seconds));
}

void measure_print_runq_wait(uint64_t wait_ns, uint64_t ops, double seconds)
{
	printf(" daemon_runq_wait_us_per_op=%.2f daemon_runq_wait_pct=%.1f",
	    ops > 0 ? (double)wait_ns / 1e3 / (double)ops : 0,
	    measure_cpu_percent(wait_ns, seconds));
}

void measure_print_end(void)
{
	printf(" loadavg=%.2f\n", measure_loadavg1());
}
