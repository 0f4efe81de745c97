/* daemon/metrics-text.c alone: the exposition of given data (label
 * escaping, families whole, unknown values left out, cumulative buckets),
 * and daemon/metrics-count.c's counting. */
#include "config.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "daemon/metrics-text.h"

static char *render(const struct metrics_input *in)
{
	struct evbuffer *out = evbuffer_new();
	size_t len;
	char *text;

	metrics_text(out, in);
	len = evbuffer_get_length(out);
	text = malloc(len + 1);
	evbuffer_remove(out, text, len);
	text[len] = '\0';
	evbuffer_free(out);
	return text;
}

static unsigned count_of(const char *text, const char *needle)
{
	unsigned n = 0;

	for (const char *p = strstr(text, needle); p != NULL;
	    p = strstr(p + 1, needle))
		n++;
	return n;
}

static struct stats_vcpu vcpus[2] = { { true, 1500000000 }, { false, 7 } };
static struct stats_block disks[1] = { { 51712, "xvda", 3, 4, 10, 20, 0,
	false } };
static struct stats_net nics[1] = { { 2, 100, 1, 0, 5, 50, 1, 0, 6 } };

static struct stats_domain domain_stats(void)
{
	struct stats_domain s = {
		.domid = 3, .state = "running", .cpu_time_ns = 2000000001,
		.memory_kib = 1024, .max_memory_kib = 2048,
		.memory_read = true, .target_kib = 1024,
		.guest_total_kib = -1, .guest_free_kib = -1,
		.nr_vcpus = 2, .nr_block = 1, .nr_net = 1,
		.vcpus = vcpus, .block = disks, .net = nics,
	};

	return s;
}

Test(metrics_text, domain_samples_and_escaping)
{
	struct stats_domain s = domain_stats();
	struct metrics_domain d = { "we\"ird\\na\nme",
		"11111111-2222-3333-4444-555555555555", &s };
	struct metrics_input in = { .nr_domains = 1, .domains = &d,
		.version = "1.0", .hypervisor = "sim", .xen_version = "4.17" };
	char *text = render(&in);
	const char *labels = "{domain=\"we\\\"ird\\\\na\\nme\",uuid=\""
	    "11111111-2222-3333-4444-555555555555\"";
	char want[512];

	snprintf(want, sizeof want, "\nxenlightd_domain_cpu_seconds_total%s} "
	    "2.000000001\n", labels);
	cr_assert(strstr(text, want) != NULL, "%s", text);
	snprintf(want, sizeof want, "\nxenlightd_domain_vcpu_seconds_total%s,"
	    "vcpu=\"1\"} 0.000000007\n", labels);
	cr_assert(strstr(text, want) != NULL);
	snprintf(want, sizeof want, "\nxenlightd_domain_block_read_bytes_total"
	    "%s,device=\"xvda\"} 5120\n", labels);
	cr_assert(strstr(text, want) != NULL);
	snprintf(want, sizeof want, "\nxenlightd_domain_net_transmit_drops_"
	    "total%s,device=\"net2\"} 6\n", labels);
	cr_assert(strstr(text, want) != NULL);
	snprintf(want, sizeof want, "\nxenlightd_domain_memory_target_bytes%s}"
	    " 1048576\n", labels);
	cr_assert(strstr(text, want) != NULL);
	/* unknown: HELP and TYPE, no sample */
	cr_assert_eq(count_of(text, "xenlightd_domain_guest_memory_total_"
	    "bytes"), 2);
	/* no raw newline inside a label */
	cr_assert_null(strstr(text, "na\nme"));
	free(text);
}

Test(metrics_text, every_family_once_and_whole)
{
	struct stats_domain s[2] = { domain_stats(), domain_stats() };
	struct metrics_domain d[2] = {
		{ "a", "11111111-2222-3333-4444-555555555555", &s[0] },
		{ "b", "11111111-2222-3333-4444-666666666666", &s[1] },
	};
	struct metrics_input in = { .nr_domains = 2, .domains = d,
		.version = "1", .hypervisor = "xen", .xen_version = "4.17" };
	char *text = render(&in), *line, *save = NULL;
	char seen[64][96];
	size_t nseen = 0;
	char last[96] = "";

	/* a family's samples follow its TYPE line without interruption */
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		char name[96];

		if (strncmp(line, "# TYPE ", 7) == 0) {
			sscanf(line + 7, "%95s", name);
			for (size_t i = 0; i < nseen; i++)
				cr_assert_str_neq(seen[i], name,
				    "%s twice", name);
			snprintf(seen[nseen++], 96, "%s", name);
			snprintf(last, sizeof last, "%s", name);
			continue;
		}
		if (line[0] == '#')
			continue;
		cr_assert(strncmp(line, last, strlen(last)) == 0,
		    "%s outside its family %s", line, last);
	}
	free(text);
}

Test(metrics_text, job_histogram_is_cumulative)
{
	struct metrics_input in = { .version = "1", .hypervisor = "sim",
		.xen_version = "x" };
	const struct metrics_job_count *jobs;
	char *text;

	metrics_count_job("domain-save", METRICS_JOB_COMPLETED, 0.3);
	metrics_count_job("domain-save", METRICS_JOB_FAILED, 2);
	metrics_count_job("domain-save", METRICS_JOB_ABORTED, 5000);
	metrics_count_request("domain-list");
	metrics_count_request("domain-list");
	metrics_count_events_dropped(3);
	in.jobs = jobs = metrics_jobs(&in.nr_jobs);
	in.requests = metrics_requests(&in.nr_requests);
	in.events_dropped = metrics_events_dropped();
	cr_assert_eq(in.nr_jobs, 1);
	cr_assert_eq(jobs[0].count, 3);
	text = render(&in);
	cr_assert(strstr(text, "xenlightd_job_duration_seconds_bucket{type=\""
	    "domain-save\",le=\"0.1\"} 0\n") != NULL, "%s", text);
	cr_assert(strstr(text, "xenlightd_job_duration_seconds_bucket{type=\""
	    "domain-save\",le=\"0.5\"} 1\n") != NULL);
	cr_assert(strstr(text, "xenlightd_job_duration_seconds_bucket{type=\""
	    "domain-save\",le=\"5\"} 2\n") != NULL);
	cr_assert(strstr(text, "xenlightd_job_duration_seconds_bucket{type=\""
	    "domain-save\",le=\"1800\"} 2\n") != NULL);
	cr_assert(strstr(text, "xenlightd_job_duration_seconds_bucket{type=\""
	    "domain-save\",le=\"+Inf\"} 3\n") != NULL);
	cr_assert(strstr(text, "xenlightd_jobs_total{type=\"domain-save\","
	    "outcome=\"aborted\"} 1\n") != NULL);
	cr_assert(strstr(text, "xenlightd_requests_total{command=\"domain-list"
	    "\"} 2\n") != NULL);
	cr_assert(strstr(text, "xenlightd_events_dropped_total 3\n") != NULL);
	/* no host statistics: the host's families are left out */
	cr_assert_null(strstr(text, "xenlightd_host_memory_bytes"));
	cr_assert(strstr(text, "xenlightd_host_domains{state=\"stopped\"} 0\n")
	    != NULL);
	free(text);
	metrics_count_free();
}
