/* The metrics endpoint (--metrics-listen): values against domain-stats
 * and host-info, the text through promtool, bad HTTP answered and
 * harmless, a scrape answered while a save runs; host-info's and
 * domain-stats' host and memory figures. */
#include "config.h"

#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tests/func/harness.h"

#define PROMTOOL "/usr/bin/promtool"

/* A port nobody listens on now (the kernel's pick, given back). */
static int free_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof sa;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int port;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

static struct dut *start_metrics(int *port, const char *more)
{
	char *listen;
	struct dut *d;

	*port = free_port();
	listen = test_format("--metrics-listen=127.0.0.1:%d", *port);
	d = dut_start(listen, more, NULL);
	free(listen);
	return d;
}

static int tcp_connect(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
		.sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0,
	    "connect: %s", strerror(errno));
	return fd;
}

static void send_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, data, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return;		/* the server closed: its answer tells */
		data += n;
		len -= (size_t)n;
	}
}

/* Everything until the server closes (or timeout_ms passes: NULL). */
static char *read_to_eof(int fd, int timeout_ms)
{
	size_t len = 0, cap = 65536;
	char *buf = malloc(cap);
	int64_t deadline = now_ms() + timeout_ms;

	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		int left = (int)(deadline - now_ms());
		ssize_t n;

		if (left <= 0 || poll(&p, 1, left) <= 0) {
			free(buf);
			return NULL;
		}
		if (len + 4096 > cap)
			buf = realloc(buf, cap *= 2);
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;		/* EOF, or a reset */
		len += (size_t)n;
	}
	buf[len] = '\0';
	return buf;
}

/* One request (raw text) on a fresh connection: the whole response. */
static char *http_raw(int port, const char *request)
{
	int fd = tcp_connect(port);
	char *reply;

	send_all(fd, request, strlen(request));
	reply = read_to_eof(fd, 60000);
	close(fd);
	cr_assert_not_null(reply, "no reply to %.40s", request);
	return reply;
}

static int http_status(const char *reply)
{
	int status = 0;

	cr_assert_eq(sscanf(reply, "HTTP/1.%*d %d", &status), 1,
	    "not HTTP: %.60s", reply);
	return status;
}

static const char scrape_request[] = "GET /metrics HTTP/1.1\r\n"
    "Host: localhost\r\nConnection: close\r\n\r\n";

/* GET /metrics: the body of a 200. */
static char *scrape(int port)
{
	char *reply = http_raw(port, scrape_request);
	char *body = strstr(reply, "\r\n\r\n"), *copy;

	cr_assert_eq(http_status(reply), 200, "%.200s", reply);
	cr_assert(strstr(reply, "text/plain; version=0.0.4") != NULL);
	cr_assert_not_null(body);
	copy = strdup(body + 4);
	free(reply);
	return copy;
}

/* The value of the sample "name{labels}" (labels as written, or "" for
 * none); fails when absent. */
static double sample(const char *text, const char *series)
{
	size_t len = strlen(series);

	for (const char *p = text; p != NULL && *p; p = strchr(p, '\n')) {
		if (*p == '\n')
			p++;
		if (strncmp(p, series, len) == 0 && p[len] == ' ')
			return strtod(p + len + 1, NULL);
	}
	cr_assert_fail("no sample %s", series);
	return 0;
}

static bool has_series(const char *text, const char *series)
{
	char *needle = test_format("\n%s ", series);
	bool found = strstr(text, needle) != NULL;

	free(needle);
	return found;
}

static json_object *create_full(struct xlctl *c, const char *name)
{
	char *text = test_format("name = \"%s\"\ntype = \"pv\"\n"
	    "kernel = \"/boot/vmlinuz-sim\"\nmemory = 256\nvcpus = 2\n"
	    "disk = [ 'format=raw, vdev=xvda, access=rw, target=/img/a.img',"
	    " 'format=raw, vdev=xvdb, access=rw, target=/img/b.img' ]\n"
	    "vif = [ 'mac=00:16:3e:00:00:01,bridge=xenbr0' ]\n", name);
	json_object *args = json_object_new_object(), *ret;
	struct xlctl_error err = { 0 };

	json_object_object_add(args, "xl_config", json_object_new_string(text));
	free(text);
	ret = xlctl_call(c, "domain-create", args, NULL, 120000, &err);
	json_object_put(args);
	cr_assert_not_null(ret, "domain-create: %s: %s", err.class_name,
	    err.desc);
	return ret;
}

static const char *uuid_of(struct xlctl *c, const char *name)
{
	static char uuid[64];
	json_object *info = call_ok(c, "domain-info", "{\"domain\":\"%s\"}",
	    name);

	snprintf(uuid, sizeof uuid, "%s", json_str(info, "uuid"));
	json_object_put(info);
	return uuid;
}

/* 1. A paused domain's counters stand still: the scrape says what
 * domain-stats says, to the byte and the nanosecond. */
Test(metrics, values_match_domain_stats, .timeout = 120)
{
	int port;
	struct dut *d = start_metrics(&port, NULL);
	struct xlctl *c = dut_connect(d);
	json_object *stats, *host, *vcpu, *blk, *net;
	char *text, *series;
	const char *uuid;
	char labels[200];

	json_object_put(create_full(c, "m1"));
	/* until every counter has counted something */
	for (;;) {
		json_object *s = call_ok(c, "domain-stats",
		    "{\"domain\":\"m1\"}");
		bool counted = json_int(json_object_array_get_idx(
		    json_get(s, "block"), 1), "wr_reqs") > 0;

		json_object_put(s);
		if (counted)
			break;
		usleep(10000);
	}
	json_object_put(call_ok(c, "domain-pause", "{\"domain\":\"m1\"}"));
	uuid = uuid_of(c, "m1");
	snprintf(labels, sizeof labels, "domain=\"m1\",uuid=\"%s\"", uuid);
	stats = call_ok(c, "domain-stats", "{\"domain\":\"m1\"}");
	host = call_ok(c, "host-info", NULL);
	text = scrape(port);

#define S(fmt, ...) (free(series), series = test_format(fmt, __VA_ARGS__), \
	sample(text, series))
	series = NULL;
	cr_assert_eq(S("xenlightd_domain_cpu_seconds_total{%s}", labels),
	    json_int(stats, "cpu_time_ns") / 1e9);
	vcpu = json_object_array_get_idx(json_get(stats, "vcpus"), 1);
	cr_assert_eq(S("xenlightd_domain_vcpu_seconds_total{%s,vcpu=\"1\"}",
	    labels), json_int(vcpu, "time_ns") / 1e9);
	cr_assert_eq(S("xenlightd_domain_memory_bytes{%s}", labels),
	    json_int(stats, "memory_kib") * 1024.0);
	cr_assert_eq(S("xenlightd_domain_memory_max_bytes{%s}", labels),
	    json_int(stats, "max_memory_kib") * 1024.0);
	cr_assert_eq(S("xenlightd_domain_memory_target_bytes{%s}", labels),
	    256 * 1024 * 1024.0);
	cr_assert_eq(json_int(stats, "target_memory_kib"), 256 * 1024);
	cr_assert_eq(json_int(stats, "guest_memory_total_kib"),
	    (256 - 32) * 1024);
	cr_assert_eq(json_int(stats, "guest_memory_free_kib"),
	    (256 - 32) * 1024 / 4);
	cr_assert_eq(S("xenlightd_domain_guest_memory_total_bytes{%s}",
	    labels), json_int(stats, "guest_memory_total_kib") * 1024.0);
	cr_assert_eq(S("xenlightd_domain_guest_memory_free_bytes{%s}",
	    labels), json_int(stats, "guest_memory_free_kib") * 1024.0);
	blk = json_object_array_get_idx(json_get(stats, "block"), 1);
	cr_assert_str_eq(json_str(blk, "vdev"), "xvdb");
	cr_assert_gt(json_int(blk, "rd_reqs"), 0);
	cr_assert_eq(S("xenlightd_domain_block_read_bytes_total{%s,"
	    "device=\"xvdb\"}", labels), json_int(blk, "rd_sectors") * 512.0);
	cr_assert_eq(S("xenlightd_domain_block_write_bytes_total{%s,"
	    "device=\"xvdb\"}", labels), json_int(blk, "wr_sectors") * 512.0);
	cr_assert_eq(S("xenlightd_domain_block_read_requests_total{%s,"
	    "device=\"xvdb\"}", labels), (double)json_int(blk, "rd_reqs"));
	cr_assert_eq(S("xenlightd_domain_block_write_requests_total{%s,"
	    "device=\"xvdb\"}", labels), (double)json_int(blk, "wr_reqs"));
	net = json_object_array_get_idx(json_get(stats, "net"), 0);
	cr_assert_gt(json_int(net, "rx_bytes"), 0);
	cr_assert_eq(S("xenlightd_domain_net_receive_bytes_total{%s,"
	    "device=\"net0\"}", labels), (double)json_int(net, "rx_bytes"));
	cr_assert_eq(S("xenlightd_domain_net_transmit_bytes_total{%s,"
	    "device=\"net0\"}", labels), (double)json_int(net, "tx_bytes"));
	cr_assert_eq(S("xenlightd_domain_net_receive_packets_total{%s,"
	    "device=\"net0\"}", labels), (double)json_int(net, "rx_packets"));
	cr_assert_eq(S("xenlightd_domain_net_transmit_drops_total{%s,"
	    "device=\"net0\"}", labels), (double)json_int(net, "tx_drops"));
	/* the host */
	cr_assert_eq(S("xenlightd_host_memory_bytes%s", ""),
	    json_int(host, "total_memory_kib") * 1024.0);
	cr_assert_eq(S("xenlightd_host_memory_scrub_bytes%s", ""),
	    json_int(host, "scrub_memory_kib") * 1024.0);
	cr_assert_eq(S("xenlightd_host_cpus%s", ""),
	    (double)json_int(host, "nr_cpus"));
	cr_assert_eq(json_object_array_length(json_get(host, "cpu_times")),
	    (size_t)json_int(host, "nr_cpus"));
	cr_assert_gt(S("xenlightd_host_cpu_idle_seconds_total{cpu=\"%d\"}", 0),
	    0);
	cr_assert_eq(S("xenlightd_host_domains{state=\"paused\"}%s", ""), 1);
	/* the daemon */
	cr_assert_eq(S("xenlightd_jobs_total{type=\"domain-create\","
	    "outcome=\"completed\"}%s", ""), 1);
	cr_assert_eq(S("xenlightd_job_duration_seconds_count{type=\""
	    "domain-create\"}%s", ""), 1);
	cr_assert_eq(S("xenlightd_job_duration_seconds_bucket{type=\""
	    "domain-create\",le=\"+Inf\"}%s", ""), 1);
	cr_assert_geq(S("xenlightd_requests_total{command=\"domain-stats\"}%s",
	    ""), 2);
	cr_assert_eq(S("xenlightd_clients{socket=\"full\"}%s", ""), 1);
	cr_assert_eq(S("xenlightd_clients{socket=\"read-only\"}%s", ""), 0);
	cr_assert_eq(S("xenlightd_events_dropped_total%s", ""), 0);
	cr_assert_eq(S("xenlightd_build_info{version=\"%s\",hypervisor="
	    "\"sim\",xen_version=\"4.17.0-sim\"}", PACKAGE_VERSION), 1);
#undef S
	free(series);
	free(text);
	json_object_put(stats);
	json_object_put(host);
	xlctl_close(c);
	dut_stop(d);
	dut_free(d);
}

/* 2. promtool check metrics finds nothing wrong with a scrape. */
Test(metrics, promtool_check, .timeout = 120)
{
	int port;
	struct dut *d;
	struct xlctl *c;
	char *text, *cmd, *path, out[4096];
	size_t n;
	FILE *f, *p;
	int status;

	if (access(PROMTOOL, X_OK) != 0)
		cr_skip_test("%s is absent (Debian's prometheus package): "
		    "the exposition is not checked", PROMTOOL);
	d = start_metrics(&port, NULL);
	c = dut_connect(d);
	json_object_put(create_full(c, "p1"));
	json_object_put(create_domain(c, "p2", 64));
	json_object_put(call_ok(c, "domain-stats", NULL));
	text = scrape(port);
	path = test_format("%s/scrape.txt", d->dir);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
	cmd = test_format("%s check metrics < %s 2>&1", PROMTOOL, path);
	p = popen(cmd, "r");
	cr_assert_not_null(p);
	n = fread(out, 1, sizeof out - 1, p);
	out[n] = '\0';
	status = pclose(p);
	cr_assert_eq(status, 0, "promtool: %s", out);
	cr_assert_eq(n, 0, "promtool: %s", out);
	free(cmd);
	free(path);
	free(text);
	xlctl_close(c);
	dut_stop(d);
	dut_free(d);
}

/* 3. Other paths, other methods, huge headers, a body, garbage: each gets
 * its status, and nothing changes (no request reaches the daemon, the
 * domains stay as they were, scrapes go on). */
Test(metrics, bad_http_changes_nothing, .timeout = 120)
{
	int port;
	struct dut *d = start_metrics(&port, NULL);
	struct xlctl *c = dut_connect(d);
	json_object *before, *after;
	char *reply, *big, *text;
	size_t hdr = 16 * 1024, n;

	json_object_put(create_domain(c, "b1", 64));
	before = call_ok(c, "domain-list", NULL);
	reply = http_raw(port, "GET /nothing HTTP/1.1\r\nHost: x\r\n"
	    "Connection: close\r\n\r\n");
	cr_assert_eq(http_status(reply), 404);
	free(reply);
	reply = http_raw(port, "GET /metrics/../etc HTTP/1.1\r\nHost: x\r\n"
	    "Connection: close\r\n\r\n");
	cr_assert_eq(http_status(reply), 404);
	free(reply);
	reply = http_raw(port, "POST /metrics HTTP/1.1\r\nHost: x\r\n"
	    "Content-Length: 2\r\nConnection: close\r\n\r\n{}");
	cr_assert_eq(http_status(reply), 405);
	cr_assert(strstr(reply, "Allow: GET, HEAD") != NULL);
	free(reply);
	reply = http_raw(port, "DELETE /metrics HTTP/1.1\r\nHost: x\r\n"
	    "Connection: close\r\n\r\n");
	cr_assert_eq(http_status(reply), 405);
	free(reply);
	/* on a kept connection, a HEAD's reply is its head alone and a
	 * CONNECT's has its length: the next reply follows each (evhttp
	 * frames neither itself) */
	reply = http_raw(port, "HEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\n"
	    "CONNECT x:1 HTTP/1.1\r\nHost: x\r\n\r\n"
	    "GET /nothing HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
	cr_assert_eq(http_status(reply), 200, "%.80s", reply);
	{
		char *next = strstr(reply, "\r\n\r\n") + 4, *head_end, *cl;

		cr_assert_eq(http_status(next), 404, "%.80s", next);
		head_end = strstr(next, "\r\n\r\n");
		cl = strstr(next, "\r\nContent-Length: ");
		cr_assert(head_end != NULL && cl != NULL && cl < head_end,
		    "%.200s", next);
		next = head_end + 4 + strtoul(cl + 18, NULL, 10);
		cr_assert_eq(http_status(next), 404, "%.80s", next);
		cr_assert(strstr(next, "/metrics") != NULL);
	}
	free(reply);
	/* a body over the limit: read, dropped, refused */
	big = malloc(hdr + 256);
	snprintf(big, 256, "PUT /metrics HTTP/1.1\r\nHost: x\r\n"
	    "Content-Length: 4096\r\nConnection: close\r\n\r\n");
	n = strlen(big);
	memset(big + n, 'b', 4096);
	big[n + 4096] = '\0';
	reply = http_raw(port, big);
	cr_assert_eq(http_status(reply), 413, "%.80s", reply);
	free(reply);
	free(big);
	/* headers over the limit: refused (or cut off) */
	big = malloc(hdr + 64);
	strcpy(big, "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: ");
	memset(big + strlen(big), 'h', hdr);
	strcpy(big + hdr, "\r\n\r\n");
	reply = http_raw(port, big);
	cr_assert(reply[0] == '\0' || http_status(reply) == 413 ||
	    http_status(reply) == 400 || http_status(reply) == 431,
	    "%.80s", reply);
	free(reply);
	free(big);
	/* not HTTP at all: a 400, or the connection closed */
	{
		int fd = tcp_connect(port);
		char *r;

		send_all(fd, "\x01\x02 garbage\r\n\r\n", 14);
		r = read_to_eof(fd, 60000);
		cr_assert_not_null(r);
		cr_assert(r[0] == '\0' || http_status(r) == 400, "%.60s", r);
		free(r);
		close(fd);
	}
	after = call_ok(c, "domain-list", NULL);
	cr_assert_eq(json_object_array_length(after),
	    json_object_array_length(before));
	for (size_t i = 0; i < json_object_array_length(after); i++) {
		json_object *a = json_object_array_get_idx(after, i);
		json_object *b = json_object_array_get_idx(before, i);

		cr_assert_str_eq(json_str(a, "uuid"), json_str(b, "uuid"));
		cr_assert_str_eq(json_str(a, "state"), json_str(b, "state"));
	}
	text = scrape(port);
	/* none of those reached the command table */
	cr_assert_eq(sample(text, "xenlightd_requests_total{command="
	    "\"domain-list\"}"), 2);
	cr_assert(!has_series(text, "xenlightd_requests_total{command="
	    "\"domain-destroy\"}"));
	free(text);
	json_object_put(before);
	json_object_put(after);
	xlctl_close(c);
	dut_stop(d);
	dut_free(d);
}

/* 4. A client that never finishes its request is closed after
 * --metrics-timeout; past --metrics-max-clients connections wait, and are
 * served once one closes. */
Test(metrics, slow_clients_and_limit, .timeout = 120)
{
	int port;
	struct dut *d = start_metrics(&port, "--metrics-max-clients=2");
	int slow, idle, waiting;
	char *r, *text;

	/* two connections take the room */
	slow = tcp_connect(port);
	send_all(slow, "GET /metr", 9);
	idle = tcp_connect(port);
	/* the third waits in the backlog: no answer while they are open */
	waiting = tcp_connect(port);
	send_all(waiting, scrape_request, strlen(scrape_request));
	{
		struct pollfd p = { waiting, POLLIN, 0 };

		cr_assert_eq(poll(&p, 1, 1000), 0, "served past the limit");
	}
	/* one leaves: the third is served */
	close(idle);
	r = read_to_eof(waiting, 60000);
	cr_assert_not_null(r);
	cr_assert_eq(http_status(r), 200);
	free(r);
	close(waiting);
	close(slow);
	dut_stop(d);
	dut_free(d);

	/* a slow client is cut off (the default is 10 s: 300 ms here) */
	d = start_metrics(&port, "--metrics-timeout=300");
	slow = tcp_connect(port);
	send_all(slow, scrape_request, strlen(scrape_request) - 2);
	r = read_to_eof(slow, 60000);
	cr_assert_not_null(r, "a slow client was never closed");
	free(r);
	close(slow);
	text = scrape(port);
	cr_assert_eq(sample(text, "xenlightd_host_domains{state=\"running\"}"),
	    1);	/* Domain-0 */
	free(text);
	dut_stop(d);
	dut_free(d);
}

/* 5. A scrape while a long save holds the domain's lock is answered at
 * once, and shows the job. */
Test(metrics, scrape_during_save, .timeout = 120)
{
	int port;
	struct dut *d = start_metrics(&port, NULL);
	struct xlctl *c = dut_connect(d);
	json_object *job;
	char *text;
	int64_t id;

	json_object_put(create_domain(c, "s1", 1024));
	sim_ok(d, "sim-set", "{\"save_mib_s\":4}");	/* 256 s */
	id = call_detached(c, "domain-save", "{\"domain\":\"s1\",\"file\":"
	    "\"%s/s1.save\"}", d->dir);
	for (;;) {
		json_object *info = job_info(c, id);
		bool running = strcmp(json_str(info, "state"), "running") == 0;

		json_object_put(info);
		if (running)
			break;
		usleep(10000);
	}
	text = scrape(port);
	cr_assert_eq(sample(text, "xenlightd_jobs_active"), 1);
	cr_assert(strstr(text, "xenlightd_domain_cpu_seconds_total{domain="
	    "\"s1\"") != NULL);
	free(text);
	job = job_info(c, id);
	cr_assert_str_eq(json_str(job, "state"), "running");
	json_object_put(job);
	json_object_put(call_ok(c, "job-abort", "{\"job\":%lld}",
	    (long long)id));
	job = wait_job(c, id, 60000);
	cr_assert_str_eq(json_str(job, "state"), "aborted");
	json_object_put(job);
	text = scrape(port);
	cr_assert_eq(sample(text, "xenlightd_jobs_total{type=\"domain-save\","
	    "outcome=\"aborted\"}"), 1);
	cr_assert_eq(sample(text, "xenlightd_jobs_active"), 0);
	free(text);
	xlctl_close(c);
	dut_stop(d);
	dut_free(d);
}

/* 6. Without --metrics-listen nothing listens; a bad address is refused
 * at start. */
Test(metrics, option_checked)
{
	char *out;
	FILE *p;
	char buf[512];
	size_t n;
	int status;

	out = test_format("%s/daemon/xenlightd --no-config "
	    "--metrics-listen=nocolon --help 2>&1",
	    getenv("XENLIGHTD_BUILDDIR") ? getenv("XENLIGHTD_BUILDDIR") : ".");
	p = popen(out, "r");
	n = fread(buf, 1, sizeof buf - 1, p);
	buf[n] = '\0';
	status = pclose(p);
	cr_assert_neq(status, 0);
	cr_assert(strstr(buf, "ADDRESS:PORT") != NULL, "%s", buf);
	free(out);
}
