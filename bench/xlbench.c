/* xlbench: the load generator of bench/ (see bench/README.md).
 *
 * One process drives many connections to xenlightd from one epoll loop
 * (the connect scenario uses one thread per client, since connecting is
 * what it measures).  Connections are opened and greeted with libxlctl
 * (client/xlctl.h); the hot path of the `load` and `events` scenarios
 * then writes pre-formatted request lines and finds the reply's id by
 * scanning the line, so that the generator costs a fraction of what the
 * daemon does (`--io lib` makes it use xlctl_send() and
 * xlctl_read_message() instead, to show what the library costs).
 *
 * Every scenario prints one line
 *   result key=value key=value ...
 * on standard output (bench/run.sh collects them), and details on stderr.
 * The daemon's CPU time comes from /proc/PID/stat (utime + stime) and its
 * memory from /proc/PID/status (VmRSS), read at the edges of the measured
 * window; the generator's own CPU time from getrusage().  Those readers,
 * the percentiles and the common keys of the line are bench/measure.c's,
 * shared with virtbench so that both sides are measured alike. */
#include "config.h"

#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/measure.h"
#include "client/xlctl.h"

#define MAX_MIX		16
#define READ_CHUNK	(256 * 1024)

/* ------------------------------------------------------------------------
 * Small helpers */

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2),
    noreturn));

static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("xlbench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		die("out of memory");
	return p;
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (p == NULL)
		die("out of memory");
	return p;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rng_next(void)
{
	/* xorshift64*: cheap, and the choice of domain needs nothing better */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* ------------------------------------------------------------------------
 * Options shared by the scenarios */

static long daemon_pid;	/* for its CPU time and RSS; 0: not measured */
static const char *opt_socket = XLCTL_SOCKET_PATH;
static const char *opt_label = "";
static int opt_clients = 1;
static int opt_depth = 1;
static double opt_duration = 10;
static double opt_warmup = 1;
static const char *opt_prefix = "";
static const char *opt_mix = "domain-info";
static bool opt_io_lib;
static int opt_count = 1000;
static int opt_start;
static int opt_memory_mib = 32;
static int opt_saves;
static const char *opt_save_prefix = "big-";
static const char *opt_save_dir = "/var/tmp";
static int opt_creates;
static const char *opt_create_prefix = "xlbench-create-";
static const char *opt_sim_socket;	/* NULL: sim.sock beside opt_socket */
static int opt_subscribers = 1000;
static int opt_rounds = 3;
static double opt_hold = 2;

static struct xlctl *connect_or_die(const char *path)
{
	struct xlctl_error err;
	struct xlctl *x = xlctl_connect(path, &err);

	if (x == NULL)
		die("cannot connect to %s: %s: %s", path, err.class_name,
		    err.desc);
	return x;
}

static json_object *call_or_die(struct xlctl *x, const char *cmd,
    json_object *args)
{
	struct xlctl_error err;
	json_object *ret = xlctl_call(x, cmd, args, NULL, 120000, &err);

	if (ret == NULL)
		die("%s: %s: %s", cmd, err.class_name, err.desc);
	json_object_put(args);
	return ret;
}

/* The names of the domains whose name starts with opt_prefix. */
static char **domain_names(struct xlctl *x, const char *prefix, size_t *n)
{
	json_object *list = call_or_die(x, "domain-list", NULL);
	size_t len = json_object_array_length(list), count = 0;
	char **names = xcalloc(len + 1, sizeof *names);

	for (size_t i = 0; i < len; i++) {
		json_object *d = json_object_array_get_idx(list, i);
		const char *name = json_object_get_string(
		    json_object_object_get(d, "name"));

		if (name == NULL || strncmp(name, prefix, strlen(prefix)) != 0)
			continue;
		names[count++] = strdup(name);
	}
	json_object_put(list);
	*n = count;
	return names;
}

static void print_head(const char *scenario, const char *op)
{
	measure_print_head(scenario, "xenlightd", op, opt_label);
}

/* ------------------------------------------------------------------------
 * The command mix */

enum mix_kind {
	MIX_DOMAIN_INFO,
	MIX_DOMAIN_LIST,
	MIX_DOMAIN_STATS,
	MIX_HOST_INFO,
	MIX_VERSION,
	MIX_JOB_LIST,
};

static const struct {
	const char *name;
	enum mix_kind kind;
	bool takes_domain;
} mix_commands[] = {
	{ "domain-info", MIX_DOMAIN_INFO, true },
	{ "domain-list", MIX_DOMAIN_LIST, false },
	{ "domain-stats", MIX_DOMAIN_STATS, true },
	{ "host-info", MIX_HOST_INFO, false },
	{ "version", MIX_VERSION, false },
	{ "job-list", MIX_JOB_LIST, false },
};

struct mix {
	int n;
	int index[MAX_MIX];		/* into mix_commands */
	unsigned weight[MAX_MIX];
	unsigned total;
	bool needs_domains;
};

static void mix_parse(struct mix *m, const char *spec)
{
	char *copy = strdup(spec), *save = NULL;

	memset(m, 0, sizeof *m);
	for (char *tok = strtok_r(copy, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');
		unsigned w = 1;
		size_t i;

		if (eq != NULL) {
			*eq = '\0';
			w = (unsigned)strtoul(eq + 1, NULL, 10);
		}
		for (i = 0; i < sizeof mix_commands / sizeof *mix_commands; i++)
			if (strcmp(mix_commands[i].name, tok) == 0)
				break;
		if (i == sizeof mix_commands / sizeof *mix_commands)
			die("unknown command in --mix: %s", tok);
		if (m->n == MAX_MIX)
			die("--mix: too many commands");
		m->index[m->n] = (int)i;
		m->weight[m->n] = w;
		m->total += w;
		m->needs_domains |= mix_commands[i].takes_domain;
		m->n++;
	}
	free(copy);
	if (m->total == 0)
		die("--mix: nothing to send");
}

static int mix_pick(const struct mix *m)
{
	unsigned r = (unsigned)(rng_next() % m->total);

	for (int i = 0; i < m->n; i++) {
		if (r < m->weight[i])
			return m->index[i];
		r -= m->weight[i];
	}
	return m->index[m->n - 1];
}

/* ------------------------------------------------------------------------
 * A connection of the epoll scenarios */

struct bconn {
	struct xlctl *x;
	int fd;
	int index;
	/* raw input: lines are cut here */
	char *in;
	size_t in_start, in_len, in_cap, in_scanned;
	/* raw output, flushed once per turn */
	char *out;
	size_t out_len, out_cap;
	bool want_write;
	/* requests in flight, by id modulo a power of two >= depth */
	int64_t next_id;
	int inflight;
	uint64_t *sent;
	unsigned slot_mask;
};

static void bconn_init(struct bconn *c, int index, int depth)
{
	unsigned slots = 1;

	memset(c, 0, sizeof *c);
	c->x = connect_or_die(opt_socket);
	c->fd = xlctl_fd(c->x);
	c->index = index;
	c->next_id = 1;
	while (slots < (unsigned)depth * 2)
		slots <<= 1;
	c->slot_mask = slots - 1;
	c->sent = xcalloc(slots, sizeof *c->sent);
}

static void bconn_free(struct bconn *c)
{
	xlctl_close(c->x);
	free(c->in);
	free(c->out);
	free(c->sent);
}

static void out_append(struct bconn *c, const char *text, size_t len)
{
	if (c->out_len + len > c->out_cap) {
		c->out_cap = (c->out_len + len) * 2;
		c->out = xrealloc(c->out, c->out_cap);
	}
	memcpy(c->out + c->out_len, text, len);
	c->out_len += len;
}

/* Writes what is queued; false when the connection broke. */
static bool bconn_flush(struct bconn *c)
{
	size_t done = 0;

	while (done < c->out_len) {
		ssize_t n = send(c->fd, c->out + done, c->out_len - done,
		    MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			return false;
		}
		done += (size_t)n;
	}
	memmove(c->out, c->out + done, c->out_len - done);
	c->out_len -= done;
	return true;
}

/* One read into the input buffer: >0 bytes, 0 EOF, -1 EAGAIN, -2 error. */
static int bconn_fill(struct bconn *c)
{
	ssize_t n;

	if (c->in_start > 0 && c->in_start == c->in_len) {
		c->in_start = c->in_len = c->in_scanned = 0;
	} else if (c->in_start > c->in_cap / 2) {
		memmove(c->in, c->in + c->in_start, c->in_len - c->in_start);
		c->in_len -= c->in_start;
		c->in_scanned -= c->in_start;
		c->in_start = 0;
	}
	if (c->in_cap - c->in_len < READ_CHUNK) {
		c->in_cap = c->in_cap ? c->in_cap * 2 : 2 * READ_CHUNK;
		while (c->in_cap - c->in_len < READ_CHUNK)
			c->in_cap *= 2;
		c->in = xrealloc(c->in, c->in_cap);
	}
	n = read(c->fd, c->in + c->in_len, c->in_cap - c->in_len);
	if (n > 0) {
		c->in_len += (size_t)n;
		return 1;
	}
	if (n == 0)
		return 0;
	return errno == EAGAIN || errno == EINTR ? -1 : -2;
}

/* The next complete line, without its newline. */
static bool bconn_line(struct bconn *c, char **line, size_t *len)
{
	char *nl;

	if (c->in_scanned < c->in_start)
		c->in_scanned = c->in_start;
	nl = memchr(c->in + c->in_scanned, '\n', c->in_len - c->in_scanned);
	if (nl == NULL) {
		c->in_scanned = c->in_len;
		return false;
	}
	*line = c->in + c->in_start;
	*len = (size_t)(nl - *line);
	*nl = '\0';
	c->in_start = c->in_scanned = (size_t)(nl - c->in) + 1;
	return true;
}

/* The reply's integer id: the server puts "id" last. */
static int64_t reply_id(const char *line, size_t len)
{
	for (size_t i = len; i >= 5; i--) {
		if (memcmp(line + i - 5, "\"id\":", 5) == 0)
			return strtoll(line + i, NULL, 10);
	}
	return -1;
}

/* ------------------------------------------------------------------------
 * Scenario `load`: closed loop, N connections x depth, a command mix */

struct load {
	struct bconn *conns;
	struct mix mix;
	char **names;
	size_t nnames;
	/* start and end are provisional until measuring, end until
	 * stopping */
	struct measure_window window;
	bool measuring, stopping;
	uint64_t bytes;
	char first_error[256];
};

static void load_format(struct load *L, struct bconn *c, char *buf,
    size_t size, int cmd, int64_t id, size_t *len)
{
	const char *name = mix_commands[cmd].name;

	if (mix_commands[cmd].takes_domain) {
		const char *dom = L->names[rng_next() % L->nnames];

		*len = (size_t)snprintf(buf, size,
		    "{\"execute\":\"%s\",\"arguments\":{\"domain\":\"%s\"},"
		    "\"id\":%" PRId64 "}\n", name, dom, id);
	} else {
		*len = (size_t)snprintf(buf, size,
		    "{\"execute\":\"%s\",\"id\":%" PRId64 "}\n", name, id);
	}
}

static void load_send(struct load *L, struct bconn *c)
{
	int cmd = mix_pick(&L->mix);
	int64_t id = c->next_id;

	if (opt_io_lib) {
		json_object *args = NULL;

		if (mix_commands[cmd].takes_domain) {
			args = json_object_new_object();
			json_object_object_add(args, "domain",
			    json_object_new_string(
			    L->names[rng_next() % L->nnames]));
		}
		/* the library numbers the requests itself (set-up calls
		 * included) */
		id = xlctl_send(c->x, mix_commands[cmd].name, args, NULL);
		if (id < 0)
			die("connection %d: send failed", c->index);
		c->sent[id & c->slot_mask] = measure_now_ns();
		json_object_put(args);
	} else {
		char buf[512];
		size_t len;

		load_format(L, c, buf, sizeof buf, cmd, id, &len);
		out_append(c, buf, len);
		c->sent[id & c->slot_mask] = measure_now_ns();
	}
	c->next_id = id + 1;
	c->inflight++;
}

static void load_reply(struct load *L, struct bconn *c, int64_t id,
    bool error, const char *text, uint64_t t)
{
	uint64_t sent;

	if (id <= 0 || id >= c->next_id)
		die("connection %d: reply to unknown id %" PRId64 ": %.200s",
		    c->index, id, text);
	sent = c->sent[id & c->slot_mask];
	c->inflight--;
	if (!L->measuring || sent < L->window.start || (L->stopping &&
	    t > L->window.end))
		return;
	if (error) {
		if (L->window.errors++ == 0)
			snprintf(L->first_error, sizeof L->first_error, "%s",
			    text);
		return;
	}
	L->window.ops++;
	measure_samples_add(&L->window.latency, t - sent);
}

static void load_turn(struct load *L, struct bconn *c)
{
	uint64_t t;

	if (opt_io_lib) {
		for (;;) {
			struct xlctl_error err;
			json_object *msg = xlctl_read_message(c->x, 0, &err);
			json_object *idv;

			if (msg == NULL) {
				if (strcmp(err.class_name, "Timeout") == 0)
					break;
				die("connection %d: %s: %s", c->index,
				    err.class_name, err.desc);
			}
			t = measure_now_ns();
			idv = json_object_object_get(msg, "id");
			load_reply(L, c, json_object_get_int64(idv),
			    json_object_object_get_ex(msg, "error", NULL),
			    json_object_to_json_string(msg), t);
			json_object_put(msg);
		}
	} else {
		for (;;) {
			int r = bconn_fill(c);
			char *line;
			size_t len;

			if (r == 0 || r == -2)
				die("connection %d: the daemon closed it",
				    c->index);
			if (r < 0)
				break;
			t = measure_now_ns();
			while (bconn_line(c, &line, &len)) {
				L->bytes += len + 1;
				load_reply(L, c, reply_id(line, len),
				    strncmp(line, "{\"error\"", 8) == 0, line, t);
			}
		}
	}
	if (!L->stopping)
		while (c->inflight < opt_depth)
			load_send(L, c);
	if (!opt_io_lib && !bconn_flush(c))
		die("connection %d: write failed", c->index);
}

/* Background saves: started detached before the window, checked at its
 * end (they must still be running), then aborted. */
struct saves {
	struct xlctl *x;
	int n;
	int64_t jobs[64];
	char files[64][512];
};

static void saves_start(struct saves *S, int count)
{
	size_t nbig;
	char **big;
	struct xlctl_options detach = { .detach = true };

	memset(S, 0, sizeof *S);
	if (count <= 0)
		return;
	S->x = connect_or_die(opt_socket);
	big = domain_names(S->x, opt_save_prefix, &nbig);
	if ((int)nbig < count)
		die("--saves %d: only %zu domains named %s*", count, nbig,
		    opt_save_prefix);
	for (int i = 0; i < count && i < 64; i++) {
		json_object *args = json_object_new_object(), *ret;
		struct xlctl_error err;
		int64_t id;

		snprintf(S->files[i], sizeof S->files[i], "%s/%s.save",
		    opt_save_dir, big[i]);
		unlink(S->files[i]);
		json_object_object_add(args, "domain",
		    json_object_new_string(big[i]));
		json_object_object_add(args, "file",
		    json_object_new_string(S->files[i]));
		json_object_object_add(args, "leave",
		    json_object_new_string("running"));
		json_object_object_add(args, "overwrite",
		    json_object_new_boolean(true));
		id = xlctl_send(S->x, "domain-save", args, &detach);
		json_object_put(args);
		ret = xlctl_wait_reply(S->x, id, 30000, &err);
		if (ret == NULL)
			die("domain-save %s: %s: %s", big[i], err.class_name,
			    err.desc);
		S->jobs[S->n++] = json_object_get_int64(
		    json_object_object_get(ret, "job"));
		json_object_put(ret);
	}
	for (size_t i = 0; i < nbig; i++)
		free(big[i]);
	free(big);
}

/* How many saves still run; progress of the least advanced one. */
static int saves_running(struct saves *S, double *min_progress)
{
	int running = 0;

	*min_progress = 1;
	for (int i = 0; i < S->n; i++) {
		json_object *args = json_object_new_object(), *ret, *p;

		json_object_object_add(args, "job",
		    json_object_new_int64(S->jobs[i]));
		ret = call_or_die(S->x, "job-info", args);
		if (strcmp(json_object_get_string(json_object_object_get(ret,
		    "state")), "running") == 0)
			running++;
		p = json_object_object_get(ret, "progress");
		if (p != NULL) {
			double cur = (double)json_object_get_int64(
			    json_object_object_get(p, "current"));
			double tot = (double)json_object_get_int64(
			    json_object_object_get(p, "total"));

			if (tot > 0 && cur / tot < *min_progress)
				*min_progress = cur / tot;
		}
		json_object_put(ret);
	}
	return running;
}

static void saves_stop(struct saves *S)
{
	for (int i = 0; i < S->n; i++) {
		json_object *args = json_object_new_object(), *ret;
		struct xlctl_error err;

		json_object_object_add(args, "job",
		    json_object_new_int64(S->jobs[i]));
		ret = xlctl_call(S->x, "job-abort", args, NULL, 30000, &err);
		json_object_put(ret);	/* a finished job: JobNotFound or ok */
		ret = xlctl_call(S->x, "job-wait", args, NULL, 60000, &err);
		json_object_put(ret);
		json_object_put(args);
		unlink(S->files[i]);
	}
	if (S->x != NULL)
		xlctl_close(S->x);
}

/* Background creates: small transient domains whose builds keep the
 * daemon's build helpers blocked (the simulator's build_ms) for the whole
 * window, so that domain-info is measured while libxl builds.  Started
 * detached before the window, counted at its end (they must still be
 * running), then destroyed, so that repetitions start clean; the
 * simulator's timings are put back. */
struct creates {
	struct xlctl *x;
	struct xlctl *sim;
	int n;
	int64_t jobs[64];
	int64_t build_ms, build_ms_before, create_ms_before;
};

/* The simulator's control socket is in the daemon's run directory. */
static const char *sim_socket_path(void)
{
	static char path[4096];
	const char *slash = strrchr(opt_socket, '/');

	if (opt_sim_socket != NULL)
		return opt_sim_socket;
	if (slash == NULL)
		return "sim.sock";
	snprintf(path, sizeof path, "%.*s/sim.sock",
	    (int)(slash - opt_socket), opt_socket);
	return path;
}

static void sim_set_create_timings(struct xlctl *sim, int64_t build_ms,
    int64_t create_ms)
{
	json_object *args = json_object_new_object();

	json_object_object_add(args, "build_ms",
	    json_object_new_int64(build_ms));
	json_object_object_add(args, "create_ms",
	    json_object_new_int64(create_ms));
	json_object_put(call_or_die(sim, "sim-set", args));
}

/* Destroys every domain named opt_create_prefix*: this run's, or what an
 * interrupted run left (its names would make the creates fail).  A
 * destroy aborts the create that holds the domain.  Returns how many
 * could not be destroyed. */
static int creates_destroy(struct xlctl *x)
{
	size_t n;
	char **names = domain_names(x, opt_create_prefix, &n);
	int failed = 0;

	for (size_t i = 0; i < n; i++) {
		json_object *args = json_object_new_object(), *ret;
		struct xlctl_error err = { 0 };

		json_object_object_add(args, "domain",
		    json_object_new_string(names[i]));
		ret = xlctl_call(x, "domain-destroy", args, NULL, 60000, &err);
		/* DomainNotFound: its aborted create removed it first */
		if (ret == NULL && strcmp(err.class_name,
		    "DomainNotFound") != 0) {
			fprintf(stderr, "xlbench: domain-destroy %s: %s: %s\n",
			    names[i], err.class_name, err.desc);
			failed++;
		}
		json_object_put(ret);
		json_object_put(args);
		xlctl_error_clear(&err);
		free(names[i]);
	}
	free(names);
	return failed;
}

static void creates_start(struct creates *C, int count)
{
	struct xlctl_options detach = { .detach = true };
	json_object *settings;
	/* 1 s to get going, the warm-up, the window, and 10 s for the tail
	 * of the window and the count at its end */
	double seconds = 1 + opt_warmup + opt_duration + 10;

	memset(C, 0, sizeof *C);
	if (count <= 0)
		return;
	if (count > 64)
		die("--creates %d: 64 at the most", count);
	C->x = connect_or_die(opt_socket);
	C->sim = connect_or_die(sim_socket_path());
	/* no arguments: changes nothing, returns every setting */
	settings = call_or_die(C->sim, "sim-set", NULL);
	C->build_ms_before = json_object_get_int64(
	    json_object_object_get(settings, "build_ms"));
	C->create_ms_before = json_object_get_int64(
	    json_object_object_get(settings, "create_ms"));
	json_object_put(settings);
	if (creates_destroy(C->x) > 0)
		die("domains %s* left by an earlier run cannot be destroyed",
		    opt_create_prefix);
	/* the whole create is its blocking build; the asynchronous rest is
	 * short, as it is for a real PV guest */
	C->build_ms = (int64_t)(seconds * 1000);
	sim_set_create_timings(C->sim, C->build_ms, 1000);
	for (int i = 0; i < count; i++) {
		json_object *args = json_object_new_object(), *ret;
		struct xlctl_error err;
		char cfg[512];
		int64_t id;

		snprintf(cfg, sizeof cfg, "name=\"%s%d\"\nmemory=%d\nvcpus=1\n"
		    "kernel=\"/boot/vmlinuz\"\n", opt_create_prefix, i,
		    opt_memory_mib);
		json_object_object_add(args, "xl_config",
		    json_object_new_string(cfg));
		id = xlctl_send(C->x, "domain-create", args, &detach);
		json_object_put(args);
		ret = xlctl_wait_reply(C->x, id, 30000, &err);
		if (ret == NULL)
			die("domain-create %s%d: %s: %s", opt_create_prefix, i,
			    err.class_name, err.desc);
		C->jobs[C->n++] = json_object_get_int64(
		    json_object_object_get(ret, "job"));
		json_object_put(ret);
	}
}

static int creates_running(struct creates *C)
{
	int running = 0;

	for (int i = 0; i < C->n; i++) {
		json_object *args = json_object_new_object(), *ret;

		json_object_object_add(args, "job",
		    json_object_new_int64(C->jobs[i]));
		ret = call_or_die(C->x, "job-info", args);
		if (strcmp(json_object_get_string(json_object_object_get(ret,
		    "state")), "running") == 0)
			running++;
		json_object_put(ret);
	}
	return running;
}

/* Destroys the domains, waits for their create jobs to end, puts the
 * simulator's timings back.  Returns how many domains are left. */
static int creates_stop(struct creates *C)
{
	size_t left = 0;
	char **names;

	if (C->n == 0)
		return 0;
	creates_destroy(C->x);
	for (int i = 0; i < C->n; i++) {
		json_object *args = json_object_new_object(), *ret;
		struct xlctl_error err = { 0 };

		json_object_object_add(args, "job",
		    json_object_new_int64(C->jobs[i]));
		/* fails with the job's error: Aborted, as it should */
		ret = xlctl_call(C->x, "job-wait", args, NULL, 60000, &err);
		json_object_put(ret);
		json_object_put(args);
		xlctl_error_clear(&err);
	}
	names = domain_names(C->x, opt_create_prefix, &left);
	for (size_t i = 0; i < left; i++) {
		fprintf(stderr, "xlbench: %s is still there after its"
		    " destroy\n", names[i]);
		free(names[i]);
	}
	free(names);
	sim_set_create_timings(C->sim, C->build_ms_before,
	    C->create_ms_before);
	xlctl_close(C->sim);
	xlctl_close(C->x);
	return (int)left;
}

static int scenario_load(void)
{
	struct load L;
	struct saves S;
	struct creates C;
	struct epoll_event *evs;
	struct measure_cpu cpu0 = { 0 }, cpu1 = { 0 };
	int ep, running_end = 0, nsaves = opt_saves, ncreates = opt_creates;
	int creates_left;
	uint64_t t, start;
	long rss0, rss1 = -1;
	double min_progress = 1, secs;
	char ops_name[128];

	if (nsaves > 0 && ncreates > 0)
		die("--saves and --creates: one or the other");
	memset(&L, 0, sizeof L);
	mix_parse(&L.mix, opt_mix);
	L.conns = xcalloc((size_t)opt_clients, sizeof *L.conns);
	for (int i = 0; i < opt_clients; i++)
		bconn_init(&L.conns[i], i, opt_depth);
	if (L.mix.needs_domains) {
		L.names = domain_names(L.conns[0].x, opt_prefix, &L.nnames);
		if (L.nnames == 0)
			die("no domain named %s*", opt_prefix);
	}
	saves_start(&S, nsaves);
	creates_start(&C, ncreates);
	if (nsaves > 0 || ncreates > 0)
		sleep(1);	/* let them get going */
	ep = epoll_create1(EPOLL_CLOEXEC);
	for (int i = 0; i < opt_clients; i++) {
		struct epoll_event ev = { .events = EPOLLIN,
		    .data.ptr = &L.conns[i] };

		if (epoll_ctl(ep, EPOLL_CTL_ADD, L.conns[i].fd, &ev) < 0)
			die("epoll_ctl: %s", strerror(errno));
	}
	evs = xcalloc((size_t)opt_clients, sizeof *evs);
	rss0 = measure_process_status_kib(daemon_pid, "VmRSS");
	start = measure_now_ns();
	L.window.start = start + (uint64_t)(opt_warmup * 1e9);
	L.window.end = L.window.start + (uint64_t)(opt_duration * 1e9);
	for (int i = 0; i < opt_clients; i++)
		load_turn(&L, &L.conns[i]);
	for (;;) {
		int n = epoll_wait(ep, evs, opt_clients, 50);

		if (n < 0 && errno != EINTR)
			die("epoll_wait: %s", strerror(errno));
		t = measure_now_ns();
		if (!L.measuring && t >= L.window.start) {
			L.measuring = true;
			L.window.start = t;
			L.window.end = t + (uint64_t)(opt_duration * 1e9);
			measure_cpu_read(&cpu0, daemon_pid);
		}
		if (L.measuring && !L.stopping && t >= L.window.end) {
			L.stopping = true;
			L.window.end = t;
			measure_cpu_read(&cpu1, daemon_pid);
			rss1 = measure_process_status_kib(daemon_pid, "VmRSS");
		}
		for (int i = 0; i < n; i++)
			load_turn(&L, evs[i].data.ptr);
		if (L.stopping) {
			int left = 0;

			for (int i = 0; i < opt_clients; i++)
				left += L.conns[i].inflight;
			if (left == 0 || t > L.window.end + 30000000000ULL)
				break;
		}
	}
	if (nsaves > 0)
		running_end = saves_running(&S, &min_progress);
	saves_stop(&S);
	if (ncreates > 0)
		running_end = creates_running(&C);
	creates_left = creates_stop(&C);
	secs = (double)(L.window.end - L.window.start) / 1e9;
	if (L.mix.n == 1)
		snprintf(ops_name, sizeof ops_name, "%s",
		    mix_commands[L.mix.index[0]].name);
	else
		snprintf(ops_name, sizeof ops_name, "mix:%s", opt_mix);
	print_head(nsaves > 0 ? "load-saves" : ncreates > 0 ? "load-creates" :
	    "load", ops_name);
	printf(" domains=%zu clients=%d depth=%d io=%s duration_s=%.1f",
	    L.nnames, opt_clients, opt_depth, opt_io_lib ? "lib" : "raw",
	    secs);
	measure_print_latency(&L.window, secs);
	if (L.window.ops > 0)
		printf(" reply_bytes=%" PRIu64, L.bytes / (L.window.ops +
		    L.window.errors));
	if (daemon_pid > 0) {
		measure_print_cpu("daemon", cpu1.daemon_ns - cpu0.daemon_ns,
		    L.window.ops, secs);
		measure_print_runq_wait(cpu1.daemon_wait_ns -
		    cpu0.daemon_wait_ns, L.window.ops, secs);
		printf(" daemon_rss_kib=%ld rss_before_kib=%ld", rss1, rss0);
	}
	measure_print_cpu("gen", cpu1.self_ns - cpu0.self_ns, L.window.ops,
	    secs);
	measure_print_steal(&cpu0, &cpu1);
	if (nsaves > 0)
		printf(" saves=%d saves_running_at_end=%d"
		    " min_save_progress_at_end=%.2f", nsaves, running_end,
		    min_progress);
	if (ncreates > 0)
		printf(" creates=%d creates_running_at_end=%d"
		    " create_build_ms=%" PRId64, ncreates, running_end,
		    C.build_ms);
	measure_print_end();
	if (L.window.errors > 0)
		fprintf(stderr, "xlbench: %" PRIu64 " errors, first: %s\n",
		    L.window.errors, L.first_error);
	for (int i = 0; i < opt_clients; i++)
		bconn_free(&L.conns[i]);
	free(L.conns);
	free(evs);
	close(ep);
	return L.window.errors > 0 || L.window.ops == 0 ||
	    creates_left > 0 ? 1 : 0;
}

/* ------------------------------------------------------------------------
 * Scenario `connect`: connect + one domain-info + close, per thread */

struct connect_worker {
	pthread_t thread;
	char **names;
	size_t nnames;
	struct measure_window window;
	uint64_t seed;
};

static void *connect_worker_run(void *arg)
{
	struct connect_worker *w = arg;
	uint64_t s = w->seed;

	for (;;) {
		uint64_t t0 = measure_now_ns(), t1;
		struct xlctl_error err;
		json_object *args, *ret;
		struct xlctl *x;

		if (t0 >= w->window.end)
			break;
		s ^= s << 13;
		s ^= s >> 7;
		s ^= s << 17;
		x = xlctl_connect(opt_socket, &err);
		if (x == NULL) {
			w->window.errors++;
			continue;
		}
		args = json_object_new_object();
		json_object_object_add(args, "domain",
		    json_object_new_string(w->names[s % w->nnames]));
		ret = xlctl_call(x, "domain-info", args, NULL, 30000, &err);
		json_object_put(args);
		xlctl_close(x);
		t1 = measure_now_ns();
		measure_window_record(&w->window, t0, t1, ret != NULL);
		json_object_put(ret);
	}
	return NULL;
}

static int scenario_connect(void)
{
	struct connect_worker *w = xcalloc((size_t)opt_clients, sizeof *w);
	struct xlctl *x = connect_or_die(opt_socket);
	struct measure_window all = { 0 };
	struct measure_cpu cpu0, cpu1;
	size_t nnames;
	char **names = domain_names(x, opt_prefix, &nnames);
	double secs = opt_duration;

	xlctl_close(x);
	if (nnames == 0)
		die("no domain named %s*", opt_prefix);
	all.start = measure_now_ns() + (uint64_t)(opt_warmup * 1e9);
	all.end = all.start + (uint64_t)(opt_duration * 1e9);
	for (int i = 0; i < opt_clients; i++) {
		w[i].names = names;
		w[i].nnames = nnames;
		w[i].window.start = all.start;
		w[i].window.end = all.end;
		w[i].seed = 0x1234567 + (uint64_t)i * 7919;
		pthread_create(&w[i].thread, NULL, connect_worker_run, &w[i]);
	}
	measure_window_wait(all.start, all.end, daemon_pid, &cpu0, &cpu1);
	for (int i = 0; i < opt_clients; i++) {
		pthread_join(w[i].thread, NULL);
		measure_window_add(&all, &w[i].window);
	}
	print_head("connect", "connect+domain-info+close");
	printf(" domains=%zu clients=%d duration_s=%.1f", nnames, opt_clients,
	    secs);
	measure_print_latency(&all, secs);
	if (daemon_pid > 0) {
		measure_print_cpu("daemon", cpu1.daemon_ns - cpu0.daemon_ns,
		    all.ops, secs);
		printf(" daemon_rss_kib=%ld",
		    measure_process_status_kib(daemon_pid, "VmRSS"));
	}
	measure_print_cpu("gen", cpu1.self_ns - cpu0.self_ns, all.ops, secs);
	measure_print_end();
	measure_samples_free(&all.latency);
	free(w);
	return all.errors > 0 ? 1 : 0;
}

/* ------------------------------------------------------------------------
 * Scenario `events`: S subscribers, M domains paused then unpaused, one
 * request at a time, R rounds.  Latency from the request's send time to
 * each subscriber's receipt, and from the event's own timestamp. */

struct ev_state {
	struct bconn *subs;
	struct bconn driver;
	char **names;
	int ndomains;
	size_t prefix_len;
	/* current phase */
	bool pausing;
	int next_domain;		/* next request to send */
	int replies;
	uint64_t *req_sent;		/* per domain, this phase */
	uint64_t received, expected;
	uint64_t stray;
	struct measure_samples from_req, from_stamp;
	uint64_t errors;
};

static void ev_driver_send(struct ev_state *E)
{
	char buf[256];
	int len;
	int64_t id = E->driver.next_id++;

	len = snprintf(buf, sizeof buf, "{\"execute\":\"%s\",\"arguments\":"
	    "{\"domain\":\"%s\"},\"id\":%" PRId64 "}\n", E->pausing ?
	    "domain-pause" : "domain-unpause", E->names[E->next_domain], id);
	out_append(&E->driver, buf, (size_t)len);
	E->req_sent[E->next_domain] = measure_now_ns();
	E->next_domain++;
	if (!bconn_flush(&E->driver))
		die("driver: write failed");
}

static void ev_driver_turn(struct ev_state *E)
{
	char *line;
	size_t len;
	int r;

	while ((r = bconn_fill(&E->driver)) > 0) {
		while (bconn_line(&E->driver, &line, &len)) {
			if (strncmp(line, "{\"error\"", 8) == 0) {
				if (E->errors++ == 0)
					fprintf(stderr, "xlbench: %s\n", line);
			}
			if (strncmp(line, "{\"event\"", 8) == 0)
				continue;
			E->replies++;
			if (E->next_domain < E->ndomains)
				ev_driver_send(E);
		}
	}
	if (r == 0 || r == -2)
		die("driver: the daemon closed the connection");
}

static const char *find_after(const char *line, const char *key)
{
	const char *p = strstr(line, key);

	return p != NULL ? p + strlen(key) : NULL;
}

static void ev_sub_turn(struct ev_state *E, struct bconn *c)
{
	char *line;
	size_t len;
	int r;

	while ((r = bconn_fill(c)) > 0) {
		uint64_t t = measure_now_ns(), wall = measure_wall_ns();

		while (bconn_line(c, &line, &len)) {
			const char *ev = find_after(line, "\"event\":\"");
			const char *dom = find_after(line, "\"domain\":\"");
			const char *sec = find_after(line, "\"seconds\":");
			const char *usec = find_after(line, "\"microseconds\":");
			const char *want = E->pausing ? "DOMAIN_PAUSED\"" :
			    "DOMAIN_RESUMED\"";
			long idx;
			uint64_t stamp;

			if (ev == NULL || dom == NULL || sec == NULL ||
			    usec == NULL || strncmp(ev, want, strlen(want)) != 0) {
				E->stray++;
				continue;
			}
			idx = strtol(dom + E->prefix_len, NULL, 10);
			if (idx < 0 || idx >= E->ndomains ||
			    E->req_sent[idx] == 0) {
				E->stray++;
				continue;
			}
			E->received++;
			measure_samples_add(&E->from_req, t - E->req_sent[idx]);
			stamp = (uint64_t)strtoll(sec, NULL, 10) * 1000000000u +
			    (uint64_t)strtoll(usec, NULL, 10) * 1000u;
			measure_samples_add(&E->from_stamp, wall > stamp ?
			    wall - stamp : 0);
		}
	}
	if (r == 0 || r == -2)
		die("subscriber %d: the daemon closed the connection",
		    c->index);
}

static int scenario_events(void)
{
	struct ev_state E;
	struct epoll_event *evs;
	int ep, nfd = opt_subscribers + 1;
	size_t nnames;
	struct measure_cpu cpu0, cpu1;
	uint64_t t0, t1, rss_subscribed;
	double secs;

	memset(&E, 0, sizeof E);
	bconn_init(&E.driver, -1, 1);
	E.names = domain_names(E.driver.x, opt_prefix, &nnames);
	E.prefix_len = strlen(opt_prefix);
	E.ndomains = (int)nnames < opt_count ? (int)nnames : opt_count;
	if (E.ndomains == 0)
		die("no domain named %s*", opt_prefix);
	/* the subscriber parses the index out of the name: PREFIX0.. */
	for (int i = 0; i < E.ndomains; i++) {
		char want[80];

		free(E.names[i]);
		snprintf(want, sizeof want, "%s%d", opt_prefix, i);
		E.names[i] = strdup(want);
	}
	E.req_sent = xcalloc((size_t)E.ndomains, sizeof *E.req_sent);
	E.subs = xcalloc((size_t)opt_subscribers, sizeof *E.subs);
	for (int i = 0; i < opt_subscribers; i++) {
		json_object *args = json_object_new_object(), *list, *ret;

		bconn_init(&E.subs[i], i, 1);
		list = json_object_new_array();
		json_object_array_add(list,
		    json_object_new_string("DOMAIN_PAUSED"));
		json_object_array_add(list,
		    json_object_new_string("DOMAIN_RESUMED"));
		json_object_object_add(args, "events", list);
		ret = call_or_die(E.subs[i].x, "subscribe", args);
		json_object_put(ret);
	}
	rss_subscribed = (uint64_t)measure_process_status_kib(daemon_pid, "VmRSS");
	ep = epoll_create1(EPOLL_CLOEXEC);
	for (int i = 0; i < nfd; i++) {
		struct bconn *c = i < opt_subscribers ? &E.subs[i] : &E.driver;
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };

		if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev) < 0)
			die("epoll_ctl: %s", strerror(errno));
	}
	evs = xcalloc((size_t)nfd, sizeof *evs);
	measure_cpu_read(&cpu0, daemon_pid);
	t0 = measure_now_ns();
	for (int phase = 0; phase < 2 * opt_rounds; phase++) {
		uint64_t deadline = measure_now_ns() + 60000000000ULL;

		E.pausing = (phase % 2 == 0);
		E.next_domain = 0;
		E.replies = 0;
		E.received = 0;
		E.expected = (uint64_t)opt_subscribers * (uint64_t)E.ndomains;
		memset(E.req_sent, 0, (size_t)E.ndomains * sizeof *E.req_sent);
		ev_driver_send(&E);
		while (E.replies < E.ndomains || E.received < E.expected) {
			int n = epoll_wait(ep, evs, nfd, 100);

			if (measure_now_ns() > deadline) {
				fprintf(stderr, "xlbench: phase %d: %" PRIu64
				    " of %" PRIu64 " events, %d of %d replies\n",
				    phase, E.received, E.expected, E.replies,
				    E.ndomains);
				E.errors++;
				break;
			}
			for (int i = 0; i < n; i++) {
				struct bconn *c = evs[i].data.ptr;

				if (c == &E.driver)
					ev_driver_turn(&E);
				else
					ev_sub_turn(&E, c);
			}
		}
	}
	t1 = measure_now_ns();
	measure_cpu_read(&cpu1, daemon_pid);
	secs = (double)(t1 - t0) / 1e9;
	print_head("events", "pause/unpause->events");
	printf(" subscribers=%d domains=%d rounds=%d events=%zu"
	    " events_per_s=%.0f from_request_p50_ms=%.3f"
	    " from_request_p99_ms=%.3f from_request_max_ms=%.3f"
	    " from_timestamp_p50_ms=%.3f from_timestamp_p99_ms=%.3f"
	    " stray=%" PRIu64 " errors=%" PRIu64, opt_subscribers, E.ndomains,
	    opt_rounds, E.from_req.n, (double)E.from_req.n / secs,
	    measure_samples_percentile_ms(&E.from_req, 50),
	    measure_samples_percentile_ms(&E.from_req, 99),
	    measure_samples_percentile_ms(&E.from_req, 100),
	    measure_samples_percentile_ms(&E.from_stamp, 50),
	    measure_samples_percentile_ms(&E.from_stamp, 99), E.stray,
	    E.errors);
	if (daemon_pid > 0)
		printf(" daemon_cpu_ms_per_1k_events=%.2f daemon_cpu_pct=%.0f"
		    " daemon_rss_kib=%ld rss_subscribed_kib=%" PRIu64,
		    measure_cpu_ms_per_1k(cpu1.daemon_ns - cpu0.daemon_ns,
		    E.from_req.n),
		    measure_cpu_percent(cpu1.daemon_ns - cpu0.daemon_ns, secs),
		    measure_process_status_kib(daemon_pid, "VmRSS"),
		    rss_subscribed);
	printf(" gen_cpu_pct=%.0f",
	    measure_cpu_percent(cpu1.self_ns - cpu0.self_ns, secs));
	measure_print_end();
	for (int i = 0; i < opt_subscribers; i++)
		bconn_free(&E.subs[i]);
	bconn_free(&E.driver);
	close(ep);
	return E.errors > 0 ? 1 : 0;
}

/* ------------------------------------------------------------------------
 * Scenario `idle`: N connections that say nothing; the daemon's RSS */

static int scenario_idle(void)
{
	struct xlctl **x = xcalloc((size_t)opt_clients, sizeof *x);
	long before = measure_process_status_kib(daemon_pid, "VmRSS"), after;
	uint64_t d0 = measure_process_cpu_ns(daemon_pid), d1;

	for (int i = 0; i < opt_clients; i++)
		x[i] = connect_or_die(opt_socket);
	usleep((useconds_t)(opt_hold * 1e6));
	after = measure_process_status_kib(daemon_pid, "VmRSS");
	d1 = measure_process_cpu_ns(daemon_pid);
	print_head("idle", "connections");
	printf(" connections=%d rss_before_kib=%ld daemon_rss_kib=%ld"
	    " rss_per_connection_kib=%.2f daemon_cpu_ms=%.1f", opt_clients,
	    before, after, (double)(after - before) / opt_clients,
	    (double)(d1 - d0) / 1e6);
	measure_print_end();
	for (int i = 0; i < opt_clients; i++)
		xlctl_close(x[i]);
	free(x);
	return 0;
}

/* ------------------------------------------------------------------------
 * Set-up: populate, rss, call */

static int scenario_populate(void)
{
	struct xlctl *x = connect_or_die(opt_socket);
	int64_t *ids = xcalloc((size_t)opt_count, sizeof *ids);
	int sent = 0, done = 0, failed = 0, window = 64;
	uint64_t t0 = measure_now_ns();

	while (done < opt_count) {
		while (sent < opt_count && sent - done < window) {
			json_object *args = json_object_new_object();
			char cfg[512];

			snprintf(cfg, sizeof cfg, "name=\"%s%d\"\nmemory=%d\n"
			    "vcpus=1\nkernel=\"/boot/vmlinuz\"\n", opt_prefix,
			    opt_start + sent, opt_memory_mib);
			json_object_object_add(args, "xl_config",
			    json_object_new_string(cfg));
			ids[sent] = xlctl_send(x, "domain-create", args, NULL);
			json_object_put(args);
			if (ids[sent] < 0)
				die("domain-create: connection lost");
			sent++;
		}
		{
			struct xlctl_error err = { 0 };
			json_object *ret = xlctl_wait_reply(x, ids[done], 600000,
			    &err);

			if (ret == NULL && strcmp(err.class_name,
			    "DomainExists") != 0) {
				if (failed++ < 5)
					fprintf(stderr, "xlbench: create %s%d:"
					    " %s: %s\n", opt_prefix,
					    opt_start + done,
					    err.class_name, err.desc);
			}
			json_object_put(ret);
			xlctl_error_clear(&err);
			done++;
		}
	}
	fprintf(stderr, "xlbench: %d domains %s* (%d MiB) in %.1f s,"
	    " %d failed\n", opt_count, opt_prefix, opt_memory_mib,
	    (double)(measure_now_ns() - t0) / 1e9, failed);
	xlctl_close(x);
	free(ids);
	return failed > 0 ? 1 : 0;
}

static int scenario_rss(void)
{
	struct xlctl *x = connect_or_die(opt_socket);
	long rss = measure_process_status_kib(daemon_pid, "VmRSS");
	long anon = measure_process_status_kib(daemon_pid, "RssAnon");
	long file = measure_process_status_kib(daemon_pid, "RssFile");
	size_t n;
	/* counting the domains takes a domain-list, whose transient memory
	 * the daemon may keep: RSS is read before and after */
	char **names = domain_names(x, "", &n);

	print_head("rss", "rss");
	printf(" domains=%zu daemon_rss_kib=%ld rss_anon_kib=%ld"
	    " rss_file_kib=%ld rss_after_list_kib=%ld daemon_hwm_kib=%ld", n,
	    rss, anon, file, measure_process_status_kib(daemon_pid, "VmRSS"),
	    measure_process_status_kib(daemon_pid, "VmHWM"));
	measure_print_end();
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	xlctl_close(x);
	return 0;
}

/* call COMMAND [JSON-ARGUMENTS]: prints the return value (any socket of
 * the same envelope, the simulator's included). */
static int scenario_call(int argc, char **argv)
{
	struct xlctl *x;
	json_object *args = NULL, *ret;
	struct xlctl_error err;

	if (argc < 1)
		die("call COMMAND [JSON]");
	x = connect_or_die(opt_socket);
	if (argc > 1 && (args = json_tokener_parse(argv[1])) == NULL)
		die("call: arguments are not JSON: %s", argv[1]);
	ret = xlctl_call(x, argv[0], args, NULL, 600000, &err);
	json_object_put(args);
	if (ret == NULL) {
		fprintf(stderr, "xlbench: %s: %s: %s\n", argv[0],
		    err.class_name, err.desc);
		xlctl_close(x);
		return 1;
	}
	puts(json_object_to_json_string_ext(ret, JSON_C_TO_STRING_PLAIN));
	json_object_put(ret);
	xlctl_close(x);
	return 0;
}

/* ------------------------------------------------------------------------ */

static void usage(int status)
{
	fputs(
"usage: xlbench [options] SCENARIO\n"
"Scenarios:\n"
"  load       closed-loop load: --clients N --depth D --mix CMD[=W],...\n"
"             [--saves N --save-prefix P --save-dir DIR] (long saves meanwhile)\n"
"             [--creates N] (long creates meanwhile)\n"
"  connect    connect + domain-info + close, --clients threads\n"
"  events     --subscribers S, --count M domains --prefix P paused and\n"
"             unpaused one at a time, --rounds R\n"
"  idle       --clients N idle connections: the daemon's RSS\n"
"  populate   create --count N domains PREFIX0.. of --memory-mib MiB\n"
"  rss        the daemon's RSS and the number of domains\n"
"  call CMD [JSON]  one request, prints the return value\n"
"Options:\n"
"  -s, --socket PATH     daemon socket [" XLCTL_SOCKET_PATH "]\n"
"  -p, --pid PID         daemon pid, for CPU time and RSS\n"
"  -c, --clients N       connections [1]\n"
"  -d, --depth N         requests in flight per connection [1]\n"
"  -t, --duration S      measured seconds [10]\n"
"  -w, --warmup S        unmeasured seconds first [1]\n"
"  -m, --mix SPEC        commands and weights [domain-info]: domain-info,\n"
"                        domain-list, domain-stats, host-info, version,\n"
"                        job-list\n"
"  -P, --prefix P        use (or create) the domains named P*\n"
"  -n, --count N         domains to create / to pause [1000]\n"
"      --memory-mib M    memory of created domains [32]\n"
"      --start K         populate: first number of the names [0]\n"
"      --saves N         long saves running during `load` [0]\n"
"      --save-prefix P   domains to save [big-]\n"
"      --save-dir DIR    where the images go [/var/tmp]\n"
"      --creates N       long creates running during `load` [0]: transient\n"
"                        domains whose build lasts the whole measurement\n"
"                        (the simulator's build_ms), destroyed afterwards\n"
"      --create-prefix P their names [xlbench-create-]\n"
"      --sim-socket PATH the simulator's control socket [sim.sock in the\n"
"                        directory of --socket]\n"
"      --subscribers N   event subscribers [1000]\n"
"      --rounds N        pause+unpause rounds [3]\n"
"      --hold S          idle: seconds before reading RSS [2]\n"
"      --io raw|lib      load: raw lines (default) or libxlctl parsing\n"
"  -l, --label TEXT      added to the result line\n", status ? stderr : stdout);
	exit(status);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "pid", required_argument, NULL, 'p' },
		{ "clients", required_argument, NULL, 'c' },
		{ "depth", required_argument, NULL, 'd' },
		{ "duration", required_argument, NULL, 't' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "mix", required_argument, NULL, 'm' },
		{ "prefix", required_argument, NULL, 'P' },
		{ "count", required_argument, NULL, 'n' },
		{ "label", required_argument, NULL, 'l' },
		{ "memory-mib", required_argument, NULL, 1 },
		{ "saves", required_argument, NULL, 2 },
		{ "save-prefix", required_argument, NULL, 3 },
		{ "save-dir", required_argument, NULL, 4 },
		{ "subscribers", required_argument, NULL, 5 },
		{ "rounds", required_argument, NULL, 6 },
		{ "hold", required_argument, NULL, 7 },
		{ "io", required_argument, NULL, 8 },
		{ "start", required_argument, NULL, 9 },
		{ "creates", required_argument, NULL, 10 },
		{ "create-prefix", required_argument, NULL, 11 },
		{ "sim-socket", required_argument, NULL, 12 },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *scenario;
	int ch;

	while ((ch = getopt_long(argc, argv, "+s:p:c:d:t:w:m:P:n:l:h", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 's': opt_socket = optarg; break;
		case 'p': daemon_pid = strtol(optarg, NULL, 10); break;
		case 'c': opt_clients = atoi(optarg); break;
		case 'd': opt_depth = atoi(optarg); break;
		case 't': opt_duration = atof(optarg); break;
		case 'w': opt_warmup = atof(optarg); break;
		case 'm': opt_mix = optarg; break;
		case 'P': opt_prefix = optarg; break;
		case 'n': opt_count = atoi(optarg); break;
		case 'l': opt_label = optarg; break;
		case 1: opt_memory_mib = atoi(optarg); break;
		case 2: opt_saves = atoi(optarg); break;
		case 3: opt_save_prefix = optarg; break;
		case 4: opt_save_dir = optarg; break;
		case 5: opt_subscribers = atoi(optarg); break;
		case 6: opt_rounds = atoi(optarg); break;
		case 7: opt_hold = atof(optarg); break;
		case 8:
			if (strcmp(optarg, "lib") != 0 &&
			    strcmp(optarg, "raw") != 0)
				usage(2);
			opt_io_lib = strcmp(optarg, "lib") == 0;
			break;
		case 9: opt_start = atoi(optarg); break;
		case 10: opt_creates = atoi(optarg); break;
		case 11: opt_create_prefix = optarg; break;
		case 12: opt_sim_socket = optarg; break;
		case 'h': usage(0); break;
		default: usage(2);
		}
	}
	if (optind >= argc)
		usage(2);
	if (opt_clients < 1 || opt_depth < 1 || opt_duration <= 0)
		die("--clients, --depth and --duration must be positive");
	signal(SIGPIPE, SIG_IGN);
	raise_fd_limit();
	rng_state ^= (uint64_t)getpid() << 17;
	scenario = argv[optind];
	if (strcmp(scenario, "load") == 0)
		return scenario_load();
	if (strcmp(scenario, "connect") == 0)
		return scenario_connect();
	if (strcmp(scenario, "events") == 0)
		return scenario_events();
	if (strcmp(scenario, "idle") == 0)
		return scenario_idle();
	if (strcmp(scenario, "populate") == 0)
		return scenario_populate();
	if (strcmp(scenario, "rss") == 0)
		return scenario_rss();
	if (strcmp(scenario, "call") == 0)
		return scenario_call(argc - optind - 1, argv + optind + 1);
	usage(2);
}
