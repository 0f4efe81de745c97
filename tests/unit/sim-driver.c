/* sim-driver: drives the simulated hypervisor the way xenlightd drives
 * libxl, and checks what it sees.  Linked only against the real
 * libxenlight and libevent (plus json-c to read the simulator's control
 * socket); run with LD_PRELOAD=sim/.libs/libxenlight-sim.so and
 * XENLIGHTD_SIM_RUNDIR=<a private directory>:
 *
 *   sim-driver SCENARIO [ARG...]
 *
 * One libxl_ctx, hooks registered right after libxl_ctx_alloc, SIGCHLD in
 * mainloop mode with a libevent signal event, event callbacks, every long
 * op with a job as for_callback.  Each scenario prints "PASS <scenario>"
 * and exits 0, or prints the failed check and exits 1. */
#include "config.h"

#define LIBXL_API_VERSION 0x041300

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <elf.h>
#include <event2/event.h>
#include <json-c/json.h>
#include <libxl.h>
#include <libxl_event.h>
#include <libxl_utils.h>
#include <xenstat.h>

#define CHECK(cond) do {						\
		if (!(cond)) {						\
			fprintf(stderr, "%s:%d: check failed: %s\n",	\
			    __FILE__, __LINE__, #cond);			\
			exit(1);					\
		}							\
	} while (0)
#define CHECK_RC(got, want) do {					\
		int got_ = (got), want_ = (want);			\
		if (got_ != want_) {					\
			fprintf(stderr, "%s:%d: %s is %d, expected %d\n", \
			    __FILE__, __LINE__, #got, got_, want_);	\
			exit(1);					\
		}							\
	} while (0)

#define MIB_KIB		1024

/* Where the driver was when a callback ran. */
enum where { IN_LOOP, IN_INITIATOR, IN_FD, IN_TIMEOUT, IN_SIGCHLD, IN_ABORT };
static const char *const where_names[] = {
	"loop", "initiator", "fd", "timeout", "sigchld", "abort"
};

static struct event_base *base;
static libxl_ctx *ctx;
static enum where where = IN_LOOP;
static int glue_fds, glue_timers;
static const char *rundir;

/* ---- logger: keeps what libxl (and the simulator) logged ---- */

#define MAX_LOGS 256
struct logged {
	xentoollog_level level;
	int errnoval;
	char msg[256];
};
static struct logged logs[MAX_LOGS];
static int nlogs;

static void logger_vmessage(struct xentoollog_logger *lg,
    xentoollog_level level,
    int errnoval, const char *context, const char *format, va_list al)
{
	struct logged *l = &logs[nlogs < MAX_LOGS ? nlogs++ : MAX_LOGS - 1];

	l->level = level;
	l->errnoval = errnoval;
	vsnprintf(l->msg, sizeof l->msg, format, al);
	if (level >= XTL_WARN)
		fprintf(stderr, "logged: %s (errno %d)\n", l->msg, errnoval);
}

static void logger_destroy(struct xentoollog_logger *lg)
{
}

static xentoollog_logger logger = {
	.vmessage = logger_vmessage,
	.destroy = logger_destroy,
};

/* ---- osevent hooks on libevent ---- */

struct fdreg {
	struct event *ev;
	void *for_libxl;
	short events;
};

struct toreg {
	struct toreg *next, *prev;
	struct event *ev;
	void *for_libxl;
};
static struct toreg *timers;

static short poll_to_ev(short events)
{
	short ev = EV_PERSIST;

	if (events & (POLLIN | POLLPRI))
		ev |= EV_READ;
	if (events & POLLOUT)
		ev |= EV_WRITE;
	return ev;
}

static void fd_cb(evutil_socket_t fd, short what, void *arg)
{
	struct fdreg *r = arg;
	short revents = (what & EV_READ ? POLLIN : 0) |
	    (what & EV_WRITE ? POLLOUT : 0);
	enum where saved = where;

	where = IN_FD;
	libxl_osevent_occurred_fd(ctx, r->for_libxl, fd, r->events, revents);
	where = saved;
}

static int hook_fd_register(void *user, int fd, void **for_app, short events,
    void *for_libxl)
{
	struct fdreg *r = calloc(1, sizeof *r);

	r->for_libxl = for_libxl;
	r->events = events;
	r->ev = event_new(base, fd, poll_to_ev(events), fd_cb, r);
	if (events != 0)
		event_add(r->ev, NULL);
	*for_app = r;
	glue_fds++;
	return 0;
}

static int hook_fd_modify(void *user, int fd, void **for_app, short events)
{
	struct fdreg *r = *for_app;

	event_del(r->ev);
	event_assign(r->ev, base, fd, poll_to_ev(events), fd_cb, r);
	r->events = events;
	if (events != 0)
		event_add(r->ev, NULL);
	return 0;
}

static void hook_fd_deregister(void *user, int fd, void *for_app)
{
	struct fdreg *r = for_app;

	event_free(r->ev);
	free(r);
	glue_fds--;
}

static void timer_unlink(struct toreg *t)
{
	if (t->prev != NULL)
		t->prev->next = t->next;
	else
		timers = t->next;
	if (t->next != NULL)
		t->next->prev = t->prev;
	event_free(t->ev);
	glue_timers--;
}

static void to_cb(evutil_socket_t fd, short what, void *arg)
{
	struct toreg *t = arg;
	void *for_libxl = t->for_libxl;
	enum where saved = where;

	timer_unlink(t);
	free(t);
	where = IN_TIMEOUT;
	libxl_osevent_occurred_timeout(ctx, for_libxl);
	where = saved;
}

static bool evil_hook;	/* break the contract: call libxl from a hook */

static int hook_timeout_register(void *user, void **for_app, struct timeval abs,
    void *for_libxl)
{
	struct toreg *t;

	if (evil_hook)
		libxl_osevent_occurred_timeout(ctx, for_libxl);
	t = calloc(1, sizeof *t);
	struct timeval now, rel = { 0, 0 };

	t->for_libxl = for_libxl;
	t->ev = evtimer_new(base, to_cb, t);
	gettimeofday(&now, NULL);
	if (timercmp(&abs, &now, >))
		timersub(&abs, &now, &rel);
	evtimer_add(t->ev, &rel);
	t->next = timers;
	if (timers != NULL)
		timers->prev = t;
	timers = t;
	*for_app = t;
	glue_timers++;
	return 0;
}

static int hook_timeout_modify(void *user, void **for_app, struct timeval abs)
{
	struct toreg *t = *for_app;

	event_active(t->ev, EV_TIMEOUT, 0);
	return 0;
}

static void hook_timeout_deregister(void *user, void *for_app)
{
	fprintf(stderr, "timeout_deregister is never called by libxl\n");
	exit(1);
}

static const libxl_osevent_hooks hooks = {
	.fd_register = hook_fd_register,
	.fd_modify = hook_fd_modify,
	.fd_deregister = hook_fd_deregister,
	.timeout_register = hook_timeout_register,
	.timeout_modify = hook_timeout_modify,
	.timeout_deregister = hook_timeout_deregister,
};

static const libxl_childproc_hooks childproc_hooks = {
	.chldowner = libxl_sigchld_owner_mainloop,
};

static void sigchld_cb(evutil_socket_t sig, short what, void *arg)
{
	where = IN_SIGCHLD;
	libxl_childproc_sigchld_occurred(ctx);
	where = IN_LOOP;
}

/* Before libxl_ctx_free: every timer handed out is delivered. */
static void flush_timers(void)
{
	while (timers != NULL) {
		struct toreg *t = timers;
		void *for_libxl = t->for_libxl;

		timer_unlink(t);
		free(t);
		libxl_osevent_occurred_timeout(ctx, for_libxl);
	}
}

/* ---- events ---- */

#define MAX_EVENTS 64
struct seen_event {
	libxl_event_type type;
	uint32_t domid;
	uint64_t for_user;
	int reason;
};
static struct seen_event events_seen[MAX_EVENTS];
static int nevents;

static void event_occurs(void *user, libxl_event *ev)
{
	struct seen_event *s = &events_seen[nevents < MAX_EVENTS ?
	    nevents++ : MAX_EVENTS - 1];

	s->type = ev->type;
	s->domid = ev->domid;
	s->for_user = ev->for_user;
	s->reason = ev->type == LIBXL_EVENT_TYPE_DOMAIN_SHUTDOWN ?
	    ev->u.domain_shutdown.shutdown_reason : -1;
	libxl_event_free(ctx, ev);
}

static void disaster(void *user, libxl_event_type type, const char *msg,
    int errnoval)
{
	fprintf(stderr, "libxl disaster: %s\n", msg);
	exit(1);
}

static const libxl_event_hooks event_hooks = {
	.event_occurs_mask = LIBXL_EVENTMASK_ALL,
	.event_occurs = event_occurs,
	.disaster = disaster,
};

static const struct seen_event *find_event(libxl_event_type type,
    uint32_t domid)
{
	for (int i = 0; i < nevents; i++)
		if (events_seen[i].type == type && events_seen[i].domid == domid)
			return &events_seen[i];
	return NULL;
}

/* ---- jobs ---- */

struct job {
	const char *what;
	libxl_asyncop_how how;
	bool initiating;
	bool done;
	int rc;
	enum where where;
	uint32_t domid;
};

static void job_cb(libxl_ctx *c, int rc, void *for_callback)
{
	struct job *j = for_callback;

	CHECK(!j->done);
	j->done = true;
	j->rc = rc;
	j->where = j->initiating ? IN_INITIATOR : where;
}

static void job_init(struct job *j, const char *what)
{
	memset(j, 0, sizeof *j);
	j->what = what;
	j->how.callback = job_cb;
	j->how.u.for_callback = j;
	j->domid = INVALID_DOMID;
	j->initiating = true;
}

/* rc of the initiator: 0 means a callback will come (or came). */
static int job_started(struct job *j, int rc)
{
	j->initiating = false;
	if (rc != 0)
		CHECK(!j->done);
	return rc;
}

static void tick(evutil_socket_t fd, short what, void *arg)
{
}

static bool run_until(bool (*done)(void *), void *arg, int timeout_ms)
{
	struct timeval start, now, step = { 0, 20000 };
	struct event *t = event_new(base, -1, EV_PERSIST, tick, NULL);

	event_add(t, &step);
	gettimeofday(&start, NULL);
	while (!done(arg)) {
		gettimeofday(&now, NULL);
		if ((now.tv_sec - start.tv_sec) * 1000 +
		    (now.tv_usec - start.tv_usec) / 1000 > timeout_ms) {
			event_free(t);
			return false;
		}
		event_base_loop(base, EVLOOP_ONCE);
	}
	event_free(t);
	return true;
}

static bool job_is_done(void *arg)
{
	return ((struct job *)arg)->done;
}

static void job_wait(struct job *j)
{
	if (!run_until(job_is_done, j, 30000)) {
		fprintf(stderr, "%s: no completion within 30 s\n", j->what);
		exit(1);
	}
	printf("  %s: rc %d, completed in %s\n", j->what, j->rc,
	    where_names[j->where]);
}

struct event_wait {
	libxl_event_type type;
	uint32_t domid;
};

static bool event_arrived(void *arg)
{
	struct event_wait *w = arg;

	return find_event(w->type, w->domid) != NULL;
}

static const struct seen_event *event_wait(libxl_event_type type,
    uint32_t domid)
{
	struct event_wait w = { type, domid };

	if (!run_until(event_arrived, &w, 30000)) {
		fprintf(stderr, "no %s event for domain %u\n",
		    libxl_event_type_to_string(type), domid);
		exit(1);
	}
	return find_event(type, domid);
}

static void sleep_loop(int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	event_base_loopexit(base, &tv);
	event_base_dispatch(base);
}

/* ---- the control socket, served by this very process's loop ---- */

struct ctl_read {
	int fd;
	char buf[32 << 20];	/* sim-info of 10,000 domains fits */
	size_t len;
	int lines;
};

static void ctl_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ctl_read *r = arg;
	ssize_t n = read(fd, r->buf + r->len, sizeof r->buf - r->len - 1);

	if (n <= 0)
		return;
	for (ssize_t i = 0; i < n; i++)
		r->lines += r->buf[r->len + i] == '\n';
	r->len += (size_t)n;
	r->buf[r->len] = '\0';
}

static bool two_lines(void *arg)
{
	return ((struct ctl_read *)arg)->lines >= 2;
}

/* Sends one request; returns the "return" value, or NULL and the error. */
static json_object *ctl(const char *fmt, ...)
{
	static struct ctl_read r;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char request[4096];
	json_object *reply, *ret = NULL, *v;
	struct event *ev;
	va_list ap;
	char *second;

	va_start(ap, fmt);
	vsnprintf(request, sizeof request - 1, fmt, ap);
	va_end(ap);
	strcat(request, "\n");
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s/sim.sock", rundir);
	memset(&r, 0, sizeof r);
	r.fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK(r.fd >= 0);
	CHECK(connect(r.fd, (struct sockaddr *)&sa, sizeof sa) == 0);
	CHECK(write(r.fd, request, strlen(request)) ==
	    (ssize_t)strlen(request));
	evutil_make_socket_nonblocking(r.fd);
	ev = event_new(base, r.fd, EV_READ | EV_PERSIST, ctl_read_cb, &r);
	event_add(ev, NULL);
	CHECK(run_until(two_lines, &r, 10000));
	event_free(ev);
	close(r.fd);
	CHECK(strncmp(r.buf, "{\"greeting\":{\"server\":\"xenlightd-sim\"", 37)
	    == 0);
	second = strchr(r.buf, '\n') + 1;
	reply = json_tokener_parse(second);
	CHECK(reply != NULL);
	if (json_object_object_get_ex(reply, "return", &v))
		ret = json_object_get(v);
	else
		fprintf(stderr, "  control: %s", second);
	json_object_put(reply);
	return ret;
}

static int64_t jint(json_object *o, const char *key)
{
	json_object *v;

	CHECK(json_object_object_get_ex(o, key, &v));
	return json_object_get_int64(v);
}

static const char *jstr(json_object *o, const char *key)
{
	json_object *v;

	CHECK(json_object_object_get_ex(o, key, &v));
	return json_object_get_string(v);
}

/* The sim-info entry of a domain; the caller puts *info. */
static json_object *sim_domain(uint32_t domid, json_object **info)
{
	json_object *doms;

	*info = ctl("{\"execute\":\"sim-info\"}");
	CHECK(*info != NULL);
	CHECK(json_object_object_get_ex(*info, "domains", &doms));
	for (size_t i = 0; i < json_object_array_length(doms); i++) {
		json_object *d = json_object_array_get_idx(doms, i);

		if (jint(d, "domid") == domid)
			return d;
	}
	return NULL;
}

static char *guest_state(uint32_t domid)
{
	json_object *info, *d = sim_domain(domid, &info);
	char *s;

	CHECK(d != NULL);
	s = strdup(jstr(d, "guest_state"));
	json_object_put(info);
	return s;
}

static void ctl_ok(const char *request)
{
	json_object *ret = ctl("%s", request);

	CHECK(ret != NULL);
	json_object_put(ret);
}

/* ---- set up and tear down like the daemon ---- */

static struct event *sigchld_ev;

static void setup(void)
{
	struct event_config *cfg = event_config_new();

	event_config_require_features(cfg, EV_FEATURE_FDS);
	base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	CHECK(base != NULL);
	CHECK_RC(libxl_ctx_alloc(&ctx, LIBXL_VERSION, 0, &logger), 0);
	libxl_osevent_register_hooks(ctx, &hooks, NULL);
	libxl_childproc_setmode(ctx, &childproc_hooks, NULL);
	sigchld_ev = evsignal_new(base, SIGCHLD, sigchld_cb, NULL);
	event_add(sigchld_ev, NULL);
	libxl_event_register_callbacks(ctx, &event_hooks, NULL);
}

static void teardown(void)
{
	json_object *info;

	flush_timers();
	info = ctl("{\"execute\":\"sim-info\"}");
	CHECK(info != NULL);
	CHECK_RC((int)jint(info, "fds"), 0);
	CHECK_RC((int)jint(info, "timers"), 0);
	CHECK_RC((int)jint(info, "ops_in_flight"), 0);
	CHECK_RC((int)jint(info, "children"), 0);
	json_object_put(info);
	flush_timers();
	CHECK_RC(libxl_ctx_free(ctx), 0);
	CHECK_RC(glue_fds, 0);
	CHECK_RC(glue_timers, 0);
	event_free(sigchld_ev);
	event_base_free(base);
}

static void make_config(libxl_domain_config *dc, const char *name,
    uint64_t memkb, int vcpus)
{
	libxl_domain_config_init(dc);
	dc->c_info.type = LIBXL_DOMAIN_TYPE_PVH;
	dc->c_info.name = strdup(name);
	libxl_domain_build_info_init_type(&dc->b_info, LIBXL_DOMAIN_TYPE_PVH);
	dc->b_info.max_memkb = memkb;
	dc->b_info.target_memkb = memkb;
	dc->b_info.max_vcpus = vcpus;
	libxl_cpu_bitmap_alloc(ctx, &dc->b_info.avail_vcpus, vcpus);
	for (int i = 0; i < vcpus; i++)
		libxl_bitmap_set(&dc->b_info.avail_vcpus, i);
}

/* Creates a domain and waits for it; returns its domid. */
static uint32_t create(const char *name, uint64_t memkb, bool unpause)
{
	libxl_domain_config dc;
	struct job j;
	uint32_t domid = INVALID_DOMID;

	make_config(&dc, name, memkb, 2);
	job_init(&j, "create");
	CHECK_RC(job_started(&j, libxl_domain_create_new(ctx, &dc, &domid,
	    &j.how, NULL)), 0);
	job_wait(&j);
	CHECK_RC(j.rc, 0);
	CHECK(domid != (uint32_t)INVALID_DOMID);
	libxl_domain_config_dispose(&dc);
	if (unpause) {
		job_init(&j, "unpause");
		CHECK_RC(job_started(&j, libxl_domain_unpause(ctx, domid,
		    &j.how)), 0);
		job_wait(&j);
		CHECK_RC(j.rc, 0);
	}
	return domid;
}

static void destroy(uint32_t domid)
{
	struct job j;

	job_init(&j, "destroy");
	CHECK_RC(job_started(&j, libxl_domain_destroy(ctx, domid, &j.how)), 0);
	job_wait(&j);
	CHECK_RC(j.rc, 0);
	CHECK_RC(j.where, IN_SIGCHLD);	/* the destroyer child was reaped */
	CHECK_RC(libxl_domain_info(ctx, NULL, domid), ERROR_DOMAIN_NOTFOUND);
}

static int save_to(uint32_t domid, const char *path, int flags, struct job *j)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	CHECK(fd >= 0);
	job_init(j, "save");
	CHECK_RC(job_started(j, libxl_domain_suspend(ctx, domid, fd, flags,
	    &j->how)), 0);
	return fd;
}

static int restore_from(const char *path, const char *name, uint64_t memkb,
    uint32_t *domid, struct job *j)
{
	libxl_domain_config dc;
	libxl_domain_restore_params params;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc;

	CHECK(fd >= 0);
	make_config(&dc, name, memkb, 2);
	libxl_domain_restore_params_init(&params);
	params.stream_version = 2;
	job_init(j, "restore");
	rc = job_started(j, libxl_domain_create_restore(ctx, &dc, domid, fd,
	    -1, &params, &j->how, NULL));
	CHECK_RC(rc, 0);
	job_wait(j);
	close(fd);
	libxl_domain_config_dispose(&dc);
	return j->rc;
}

static int count_logs(int errnoval, uint32_t domid)
{
	char prefix[32];
	int n = 0;

	snprintf(prefix, sizeof prefix, "Domain %u:", domid);
	for (int i = 0; i < nlogs; i++)
		if (logs[i].level == XTL_ERROR && logs[i].errnoval == errnoval &&
		    strncmp(logs[i].msg, prefix, strlen(prefix)) == 0)
			n++;
	return n;
}

static char *path_in_rundir(const char *leaf)
{
	char *p;

	CHECK(asprintf(&p, "%s/%s", rundir, leaf) > 0);
	return p;
}

/* ---- scenarios ---- */

static void scenario_basic(void)
{
	libxl_dominfo *list, info;
	libxl_physinfo phys;
	libxl_numainfo *numa;
	libxl_cputopology *topo;
	const libxl_version_info *ver;
	libxl_domain_config dc, dc2;
	libxl_bitmap map;
	uint64_t free_kb;
	uint32_t domid;
	char *json, *name;
	int n;

	setup();
	list = libxl_list_domain(ctx, &n);
	CHECK(list != NULL && n == 1 && list[0].domid == 0);
	libxl_dominfo_list_free(list, n);
	libxl_dominfo_init(&info);
	CHECK_RC(libxl_domain_info(ctx, &info, 0), 0);
	CHECK(info.running && info.current_memkb == 1024 * MIB_KIB);
	libxl_dominfo_dispose(&info);
	CHECK_RC(libxl_domain_info(ctx, NULL, 4711), ERROR_DOMAIN_NOTFOUND);
	name = libxl_domid_to_name(ctx, 0);
	CHECK(name != NULL && strcmp(name, "Domain-0") == 0);
	free(name);
	CHECK_RC(libxl_name_to_domid(ctx, "Domain-0", &domid), 0);
	CHECK_RC((int)domid, 0);
	CHECK_RC(libxl_name_to_domid(ctx, "nobody", &domid), ERROR_INVAL);
	ver = libxl_get_version_info(ctx);
	CHECK(ver->xen_version_major == 4 && ver->xen_version_minor == 17);
	CHECK(strcmp(ver->xen_version_extra, ".0-sim") == 0);
	CHECK(strstr(ver->capabilities, "hvm-3.0-x86_64") != NULL);
	libxl_physinfo_init(&phys);
	CHECK_RC(libxl_get_physinfo(ctx, &phys), 0);
	CHECK(phys.nr_cpus == 8 && phys.nr_nodes == 2);
	CHECK(phys.total_pages == 16384ULL * 256);
	CHECK_RC(libxl_get_max_cpus(ctx), 8);
	CHECK_RC(libxl_get_max_nodes(ctx), 2);
	CHECK_RC(libxl_get_online_cpus(ctx), 8);
	CHECK_RC(libxl_get_scheduler(ctx), LIBXL_SCHEDULER_CREDIT);
	CHECK_RC(libxl_get_free_memory(ctx, &free_kb), 0);
	CHECK(free_kb == (16384 - 1024) * MIB_KIB);
	numa = libxl_get_numainfo(ctx, &n);
	CHECK(numa != NULL && n == 2);
	CHECK(numa[0].size + numa[1].size == 16384ULL << 20);
	libxl_numainfo_list_free(numa, n);
	topo = libxl_get_cpu_topology(ctx, &n);
	CHECK(topo != NULL && n == 8 && topo[7].node == 1);
	libxl_cputopology_list_free(topo, n);
	/* The real IDL helpers work: they need the real ctx. */
	make_config(&dc, "json", 65536, 2);
	json = libxl_domain_config_to_json(ctx, &dc);
	libxl_domain_config_init(&dc2);
	CHECK_RC(libxl_domain_config_from_json(ctx, &dc2, json), 0);
	CHECK(strcmp(dc2.c_info.name, "json") == 0);
	free(json);
	libxl_domain_config_dispose(&dc);
	libxl_domain_config_dispose(&dc2);
	libxl_bitmap_init(&map);
	CHECK_RC(libxl_cpu_bitmap_alloc(ctx, &map, 0), 0);
	CHECK(map.size == 1);
	libxl_bitmap_dispose(&map);
	teardown();
}

static void scenario_lifecycle(void)
{
	libxl_dominfo info;
	libxl_domain_config dc;
	libxl_evgen_domain_death *evg;
	libxl_domain_sched_params sp;
	libxl_vcpuinfo *vcpus;
	libxl_bitmap map;
	struct job j;
	uint32_t domid;
	uint64_t target;
	int n, nr;

	setup();
	domid = create("life", 64 * MIB_KIB, false);
	libxl_dominfo_init(&info);
	CHECK_RC(libxl_domain_info(ctx, &info, domid), 0);
	CHECK(info.paused && !info.running);	/* libxl builds paused */
	CHECK(info.current_memkb == 64 * MIB_KIB && info.vcpu_online == 2);
	libxl_dominfo_dispose(&info);
	CHECK_RC(libxl_evenable_domain_death(ctx, domid, 42, &evg), 0);

	job_init(&j, "unpause");
	CHECK_RC(job_started(&j, libxl_domain_unpause(ctx, domid, &j.how)), 0);
	CHECK(!j.done);		/* inline_ops is off */
	job_wait(&j);
	CHECK_RC(j.rc, 0);
	CHECK_RC(j.where, IN_TIMEOUT);
	/* Unpausing a running domain fails, reported through the ao. */
	job_init(&j, "unpause again");
	CHECK_RC(job_started(&j, libxl_domain_unpause(ctx, domid, &j.how)), 0);
	CHECK(j.done && j.rc == ERROR_FAIL && j.where == IN_INITIATOR);
	CHECK_RC(libxl_domain_pause(ctx, 4711, NULL), ERROR_FAIL);

	/* The configuration comes back, with what changed since. */
	CHECK_RC(libxl_set_memory_target(ctx, domid, 48 * MIB_KIB, 0, 0), 0);
	CHECK_RC(libxl_set_memory_target(ctx, domid, 128 * MIB_KIB, 0, 0),
	    ERROR_INVAL);
	CHECK_RC(libxl_get_memory_target(ctx, domid, &target), 0);
	CHECK(target == 48 * MIB_KIB);
	libxl_domain_config_init(&dc);
	job_init(&j, "retrieve");
	CHECK_RC(job_started(&j, libxl_retrieve_domain_configuration(ctx,
	    domid, &dc, &j.how)), 0);
	job_wait(&j);
	CHECK_RC(j.rc, 0);
	CHECK(strcmp(dc.c_info.name, "life") == 0);
	CHECK(dc.b_info.target_memkb == 48 * MIB_KIB);
	libxl_domain_config_dispose(&dc);

	libxl_cpu_bitmap_alloc(ctx, &map, 0);
	libxl_bitmap_set(&map, 0);
	job_init(&j, "vcpus");
	CHECK_RC(job_started(&j, libxl_set_vcpuonline(ctx, domid, &map,
	    &j.how)), 0);
	job_wait(&j);
	CHECK_RC(j.rc, 0);
	libxl_bitmap_set(&map, 1);
	libxl_bitmap_set(&map, 2);
	CHECK_RC(libxl_set_vcpuonline(ctx, domid, &map, &j.how), ERROR_FAIL);
	libxl_bitmap_dispose(&map);
	libxl_cpu_bitmap_alloc(ctx, &map, 0);
	libxl_bitmap_set(&map, 3);
	CHECK_RC(libxl_set_vcpuaffinity(ctx, domid, 1, &map, NULL), 0);
	libxl_bitmap_dispose(&map);
	vcpus = libxl_list_vcpu(ctx, domid, &n, &nr);
	CHECK(vcpus != NULL && n == 2 && nr == 8);
	CHECK(vcpus[0].online && !vcpus[1].online);
	CHECK(vcpus[1].cpu == 3 && libxl_bitmap_count_set(&vcpus[1].cpumap)
	    == 1);
	libxl_vcpuinfo_list_free(vcpus, n);

	libxl_domain_sched_params_init(&sp);
	sp.weight = 512;
	CHECK_RC(libxl_domain_sched_params_set(ctx, domid, &sp), 0);
	sp.cap = 1000;
	CHECK_RC(libxl_domain_sched_params_set(ctx, domid, &sp), ERROR_INVAL);
	CHECK_RC(libxl_domain_sched_params_get(ctx, domid, &sp), 0);
	CHECK(sp.weight == 512 && sp.cap == 0);
	libxl_domain_sched_params_dispose(&sp);

	CHECK_RC(libxl_domain_rename(ctx, domid, "life", "living"), 0);
	CHECK_RC(libxl_name_to_domid(ctx, "living", &domid), 0);

	/* shutdown: the request completes, the guest acts later */
	job_init(&j, "shutdown");
	CHECK_RC(job_started(&j, libxl_domain_shutdown(ctx, domid, &j.how)),
	    0);
	job_wait(&j);
	CHECK_RC(j.rc, 0);
	CHECK_RC(event_wait(LIBXL_EVENT_TYPE_DOMAIN_SHUTDOWN, domid)->reason,
	    LIBXL_SHUTDOWN_REASON_POWEROFF);
	CHECK(event_wait(LIBXL_EVENT_TYPE_DOMAIN_SHUTDOWN, domid)->for_user ==
	    42);
	libxl_dominfo_init(&info);
	CHECK_RC(libxl_domain_info(ctx, &info, domid), 0);
	CHECK(info.shutdown && info.shutdown_reason ==
	    LIBXL_SHUTDOWN_REASON_POWEROFF);
	libxl_dominfo_dispose(&info);

	/* rename-restart keeps the shut-down domain under another name;
	 * Xen's handle (the UUID libxl_domain_info reports) stays */
	{
		libxl_domain_create_info ci;
		libxl_uuid fresh, before;
		uint32_t kept;

		libxl_dominfo_init(&info);
		CHECK_RC(libxl_domain_info(ctx, &info, domid), 0);
		before = info.uuid;
		libxl_dominfo_dispose(&info);
		libxl_domain_create_info_init(&ci);
		ci.name = strdup("living");
		libxl_uuid_generate(&fresh);
		CHECK_RC(libxl_domain_preserve(ctx, domid, &ci, "-old", fresh),
		    0);
		libxl_domain_create_info_dispose(&ci);
		CHECK_RC(libxl_name_to_domid(ctx, "living-old", &kept), 0);
		CHECK_RC((int)kept, (int)domid);
		libxl_dominfo_init(&info);
		CHECK_RC(libxl_domain_info(ctx, &info, domid), 0);
		CHECK(libxl_uuid_compare(&info.uuid, &before) == 0);
		libxl_dominfo_dispose(&info);
	}

	destroy(domid);
	event_wait(LIBXL_EVENT_TYPE_DOMAIN_DEATH, domid);
	libxl_evdisable_domain_death(ctx, evg);
	/* Destroy of a domain that is not there: started, then NOTFOUND. */
	job_init(&j, "destroy again");
	CHECK_RC(job_started(&j, libxl_domain_destroy(ctx, domid, &j.how)), 0);
	CHECK(j.done && j.rc == ERROR_DOMAIN_NOTFOUND);
	CHECK_RC(libxl_domain_destroy(ctx, 0, &j.how), ERROR_INVAL);
	teardown();
}

static void scenario_save_restore(void)
{
	char *file = path_in_rundir("guest.save");
	char *before, *after;
	struct job j;
	uint32_t domid, restored = INVALID_DOMID;
	json_object *info, *d;
	struct stat st;
	int64_t uptime;
	int fd;

	setup();
	domid = create("saved", 64 * MIB_KIB, true);
	sleep_loop(100);
	before = guest_state(domid);
	fd = save_to(domid, file, 0, &j);
	job_wait(&j);
	close(fd);
	CHECK_RC(j.rc, 0);
	CHECK_RC(j.where, IN_SIGCHLD);	/* the helper child was reaped */
	CHECK(stat(file, &st) == 0);
	CHECK(st.st_size == 80 + 64 * 1024 * 1024 + 32);
	d = sim_domain(domid, &info);
	CHECK(strcmp(jstr(d, "state"), "shutdown") == 0);
	CHECK(strcmp(jstr(d, "reason"), "suspend") == 0);
	uptime = jint(d, "uptime_ms");
	CHECK(uptime >= 100);
	json_object_put(info);
	destroy(domid);

	CHECK_RC(restore_from(file, "saved", 64 * MIB_KIB, &restored, &j), 0);
	CHECK_RC(j.where, IN_SIGCHLD);
	CHECK(restored != (uint32_t)INVALID_DOMID && restored != domid);
	after = guest_state(restored);
	CHECK(strcmp(before, after) != 0);	/* a new uuid was made */
	free(after);
	destroy(restored);

	/* The same guest (same uuid) comes back identical. */
	{
		libxl_domain_config dc;
		libxl_domain_restore_params params;

		domid = create("again", 64 * MIB_KIB, true);
		free(before);
		before = guest_state(domid);
		fd = save_to(domid, file, 0, &j);
		job_wait(&j);
		close(fd);
		CHECK_RC(j.rc, 0);
		d = sim_domain(domid, &info);
		uptime = jint(d, "uptime_ms");
		json_object_put(info);
		libxl_domain_config_init(&dc);
		job_init(&j, "retrieve");
		CHECK_RC(job_started(&j, libxl_retrieve_domain_configuration(
		    ctx, domid, &dc, &j.how)), 0);
		job_wait(&j);
		destroy(domid);
		fd = open(file, O_RDONLY | O_CLOEXEC);
		libxl_domain_restore_params_init(&params);
		params.stream_version = 1;
		CHECK_RC(libxl_domain_create_restore(ctx, &dc, &restored, fd,
		    -1, &params, &j.how, NULL), ERROR_INVAL);
		params.stream_version = 2;
		job_init(&j, "restore");
		CHECK_RC(job_started(&j, libxl_domain_create_restore(ctx, &dc,
		    &restored, fd, -1, &params, &j.how, NULL)), 0);
		job_wait(&j);
		close(fd);
		CHECK_RC(j.rc, 0);
		libxl_domain_config_dispose(&dc);
		after = guest_state(restored);
		CHECK(strcmp(before, after) == 0);
		d = sim_domain(restored, &info);
		CHECK(strcmp(jstr(d, "state"), "paused") == 0);
		CHECK(jint(d, "uptime_ms") == uptime);	/* from the image */
		json_object_put(info);
		free(after);
		/* resume after a save keeps the guest */
		job_init(&j, "unpause");
		CHECK_RC(job_started(&j, libxl_domain_unpause(ctx, restored,
		    &j.how)), 0);
		job_wait(&j);
		fd = save_to(restored, file, 0, &j);
		job_wait(&j);
		close(fd);
		CHECK_RC(j.rc, 0);
		job_init(&j, "resume");
		CHECK_RC(job_started(&j, libxl_domain_resume(ctx, restored, 1,
		    &j.how)), 0);
		job_wait(&j);
		CHECK_RC(j.rc, 0);
		d = sim_domain(restored, &info);
		CHECK(strcmp(jstr(d, "state"), "running") == 0);
		CHECK(strcmp(jstr(d, "guest_state"), before) == 0);
		json_object_put(info);
		destroy(restored);
	}
	free(before);
	free(file);
	teardown();
}

static void scenario_abort_create(void)
{
	libxl_domain_config dc;
	libxl_evgen_domain_death *evg;
	struct job j;
	uint32_t domid = INVALID_DOMID;
	json_object *info, *d;
	int rc;

	setup();
	ctl_ok("{\"execute\":\"sim-set\",\"arguments\":{\"create_ms\":60000}}");
	make_config(&dc, "halfbuilt", 64 * MIB_KIB, 1);
	job_init(&j, "create");
	CHECK_RC(job_started(&j, libxl_domain_create_new(ctx, &dc, &domid,
	    &j.how, NULL)), 0);
	CHECK(!j.done);
	where = IN_ABORT;
	rc = libxl_ao_abort(ctx, &j.how);
	where = IN_LOOP;
	CHECK_RC(rc, 0);
	/* libxl runs the callback before ao_abort returns */
	CHECK(j.done);
	CHECK_RC(j.where, IN_ABORT);
	CHECK_RC(j.rc, ERROR_ABORTED);
	CHECK(domid != (uint32_t)INVALID_DOMID);
	CHECK_RC(libxl_ao_abort(ctx, &j.how), ERROR_NOTFOUND);
	d = sim_domain(domid, &info);
	CHECK(d != NULL);	/* left half-built, as libxl does */
	CHECK(strcmp(jstr(d, "state"), "paused") == 0);
	CHECK(!json_object_get_boolean(json_object_object_get(d, "complete")));
	json_object_put(info);
	libxl_domain_config_dispose(&dc);
	CHECK_RC(libxl_evenable_domain_death(ctx, domid, 7, &evg), 0);
	destroy(domid);
	CHECK(event_wait(LIBXL_EVENT_TYPE_DOMAIN_DEATH, domid)->for_user == 7);
	libxl_evdisable_domain_death(ctx, evg);
	teardown();
}

static void scenario_abort_save(void)
{
	char *file = path_in_rundir("aborted.save");
	struct job j;
	uint32_t domid;
	json_object *info, *d;
	int fd;

	setup();
	ctl_ok("{\"execute\":\"sim-set\",\"arguments\":{\"save_mib_s\":4}}");
	domid = create("victim", 64 * MIB_KIB, true);
	fd = save_to(domid, file, 0, &j);
	sleep_loop(200);
	CHECK(!j.done);
	info = ctl("{\"execute\":\"sim-info\"}");
	CHECK(jint(info, "children") == 1 && jint(info, "ops_in_flight") == 1);
	CHECK(jint(info, "fds") == 1);	/* the helper's pipe */
	json_object_put(info);
	where = IN_ABORT;
	CHECK_RC(libxl_ao_abort(ctx, &j.how), 0);
	CHECK_RC(libxl_ao_abort(ctx, &j.how), ERROR_ABORTED);
	where = IN_LOOP;
	CHECK(!j.done);		/* the helper is killed, then reaped */
	job_wait(&j);
	close(fd);
	CHECK_RC(j.rc, ERROR_ABORTED);
	CHECK_RC(j.where, IN_SIGCHLD);
	/* libxl leaves the guest suspended; the caller resumes it */
	d = sim_domain(domid, &info);
	CHECK(strcmp(jstr(d, "reason"), "suspend") == 0);
	json_object_put(info);
	job_init(&j, "resume");
	CHECK_RC(job_started(&j, libxl_domain_resume(ctx, domid, 1, &j.how)),
	    0);
	job_wait(&j);
	CHECK_RC(j.rc, 0);
	d = sim_domain(domid, &info);
	CHECK(strcmp(jstr(d, "state"), "running") == 0);
	json_object_put(info);
	destroy(domid);
	free(file);
	teardown();
}

static void scenario_inline(void)
{
	char *core = path_in_rundir("guest.core");
	unsigned char ehdr[sizeof(Elf64_Ehdr)];
	struct job j;
	struct stat st;
	uint32_t domid;
	int fd;

	setup();
	domid = create("quick", 16 * MIB_KIB, true);
	/* Core dump always completes inside the initiator (libxl 4.17). */
	job_init(&j, "core-dump");
	CHECK_RC(job_started(&j, libxl_domain_core_dump(ctx, domid, core,
	    &j.how)), 0);
	CHECK(j.done && j.rc == 0 && j.where == IN_INITIATOR);
	CHECK(stat(core, &st) == 0 && st.st_size == 4096 + 16 * 1024 * 1024);
	fd = open(core, O_RDONLY);
	CHECK(read(fd, ehdr, sizeof ehdr) == sizeof ehdr);
	close(fd);
	CHECK(memcmp(ehdr, ELFMAG, SELFMAG) == 0);
	CHECK(((Elf64_Ehdr *)ehdr)->e_type == ET_CORE);

	ctl_ok("{\"execute\":\"sim-set\",\"arguments\":{\"inline_ops\":true}}");
	job_init(&j, "pause");
	CHECK_RC(job_started(&j, libxl_domain_pause(ctx, domid, &j.how)), 0);
	CHECK(j.done && j.rc == 0 && j.where == IN_INITIATOR);
	job_init(&j, "unpause");
	CHECK_RC(job_started(&j, libxl_domain_unpause(ctx, domid, &j.how)), 0);
	CHECK(j.done && j.rc == 0 && j.where == IN_INITIATOR);
	ctl_ok("{\"execute\":\"sim-set\",\"arguments\":{\"inline_ops\":false}}");
	/* ao_how == NULL: synchronous */
	CHECK_RC(libxl_domain_pause(ctx, domid, NULL), 0);
	CHECK_RC(libxl_domain_unpause(ctx, domid, NULL), 0);
	CHECK_RC(libxl_domain_core_dump(ctx, domid, core, NULL), 0);
	destroy(domid);
	free(core);
	teardown();
}

/* With LIBXLSIM_INLINE_SEED set, some quick ops complete inline. */
static void scenario_inline_seed(void)
{
	struct job j;
	uint32_t domid;
	int inline_count = 0, later = 0;

	setup();
	domid = create("seeded", 16 * MIB_KIB, true);
	for (int i = 0; i < 32; i++) {
		job_init(&j, i % 2 ? "unpause" : "pause");
		CHECK_RC(job_started(&j, i % 2 ?
		    libxl_domain_unpause(ctx, domid, &j.how) :
		    libxl_domain_pause(ctx, domid, &j.how)), 0);
		if (j.done)
			inline_count++;
		else
			later++;
		job_wait(&j);
		CHECK_RC(j.rc, 0);
	}
	printf("  %d inline, %d later\n", inline_count, later);
	CHECK(inline_count > 0 && later > 0);
	destroy(domid);
	teardown();
}

static bool two_events(void *arg)
{
	return nevents >= 2;
}

static void scenario_events(void)
{
	libxl_evgen_domain_death *evg;
	json_object *ret;
	struct job j;
	uint32_t domid;

	setup();
	domid = create("watched", 16 * MIB_KIB, true);
	CHECK_RC(libxl_evenable_domain_death(ctx, domid, 99, &evg), 0);
	ret = ctl("{\"execute\":\"sim-guest\",\"arguments\":{\"domain\":"
	    "\"watched\",\"action\":\"crash\"}}");
	CHECK(ret != NULL && strcmp(jstr(ret, "state"), "crashed") == 0);
	json_object_put(ret);
	CHECK_RC(event_wait(LIBXL_EVENT_TYPE_DOMAIN_SHUTDOWN, domid)->reason,
	    LIBXL_SHUTDOWN_REASON_CRASH);
	/* once per evgen */
	job_init(&j, "resume");
	CHECK_RC(job_started(&j, libxl_domain_resume(ctx, domid, 1, &j.how)),
	    0);
	job_wait(&j);
	ctl_ok("{\"execute\":\"sim-guest\",\"arguments\":{\"domain\":"
	    "\"watched\",\"action\":\"reboot\"}}");
	sleep_loop(100);
	CHECK_RC(nevents, 1);
	libxl_evdisable_domain_death(ctx, evg);
	CHECK_RC(libxl_evenable_domain_death(ctx, domid, 100, &evg), 0);
	/* a new evgen reports the state at once */
	CHECK(run_until(two_events, NULL, 10000));
	CHECK(events_seen[1].type == LIBXL_EVENT_TYPE_DOMAIN_SHUTDOWN);
	CHECK(events_seen[1].reason == LIBXL_SHUTDOWN_REASON_REBOOT);
	CHECK(events_seen[1].for_user == 100);
	/* bad control requests */
	CHECK(ctl("{\"execute\":\"sim-guest\",\"arguments\":{\"domain\":"
	    "\"nobody\",\"action\":\"crash\"}}") == NULL);
	CHECK(ctl("{\"execute\":\"sim-set\",\"arguments\":{\"bogus\":1}}")
	    == NULL);
	CHECK(ctl("{\"execute\":\"sim-nothing\"}") == NULL);
	destroy(domid);
	event_wait(LIBXL_EVENT_TYPE_DOMAIN_DEATH, domid);
	libxl_evdisable_domain_death(ctx, evg);
	teardown();
}

static void scenario_faults(void)
{
	char *file = path_in_rundir("faulty.save");
	libxl_domain_config dc;
	json_object *info, *d;
	struct job j;
	uint32_t domid, restored = INVALID_DOMID;
	int fd, before;

	setup();
	domid = create("faulty", 16 * MIB_KIB, true);

	/* io-error: one LOGED-style message with EIO, then ERROR_FAIL */
	ctl_ok("{\"execute\":\"sim-fault\",\"arguments\":{\"op\":\"save\","
	    "\"kind\":\"io-error\",\"after_bytes\":1048576}}");
	before = count_logs(EIO, domid);
	fd = save_to(domid, file, 0, &j);
	job_wait(&j);
	close(fd);
	CHECK_RC(j.rc, ERROR_FAIL);
	CHECK_RC(count_logs(EIO, domid) - before, 1);
	job_init(&j, "resume");
	CHECK_RC(job_started(&j, libxl_domain_resume(ctx, domid, 1, &j.how)),
	    0);
	job_wait(&j);

	/* helper-crash */
	ctl_ok("{\"execute\":\"sim-fault\",\"arguments\":{\"op\":\"save\","
	    "\"kind\":\"helper-crash\",\"after_bytes\":4096,"
	    "\"domain\":\"faulty\"}}");
	fd = save_to(domid, file, 0, &j);
	job_wait(&j);
	close(fd);
	CHECK_RC(j.rc, ERROR_FAIL);
	CHECK_RC(j.where, IN_SIGCHLD);
	job_init(&j, "resume");
	CHECK_RC(job_started(&j, libxl_domain_resume(ctx, domid, 1, &j.how)),
	    0);
	job_wait(&j);

	/* the faults were used up: a save now works; then a truncated
	 * image fails to restore and libxl destroys what it built */
	fd = save_to(domid, file, 0, &j);
	job_wait(&j);
	close(fd);
	CHECK_RC(j.rc, 0);
	destroy(domid);
	CHECK(truncate(file, 80 + 8 * 1024 * 1024) == 0);
	CHECK_RC(restore_from(file, "faulty", 16 * MIB_KIB, &restored, &j),
	    ERROR_FAIL);
	d = sim_domain(restored, &info);
	CHECK(d == NULL);
	json_object_put(info);

	/* ignore-suspend: the save times out, the guest keeps running */
	ctl_ok("{\"execute\":\"sim-set\",\"arguments\":"
	    "{\"suspend_timeout_ms\":100}}");
	domid = create("stubborn", 16 * MIB_KIB, true);
	ctl_ok("{\"execute\":\"sim-guest\",\"arguments\":{\"domain\":"
	    "\"stubborn\",\"action\":\"ignore-suspend\"}}");
	fd = save_to(domid, file, 0, &j);
	job_wait(&j);
	close(fd);
	CHECK_RC(j.rc, ERROR_GUEST_TIMEDOUT);
	d = sim_domain(domid, &info);
	CHECK(strcmp(jstr(d, "state"), "running") == 0);
	json_object_put(info);
	destroy(domid);

	/* create fail: no domain is left */
	ctl_ok("{\"execute\":\"sim-fault\",\"arguments\":{\"op\":\"create\","
	    "\"kind\":\"fail\"}}");
	make_config(&dc, "doomed", 16 * MIB_KIB, 1);
	job_init(&j, "create");
	CHECK_RC(job_started(&j, libxl_domain_create_new(ctx, &dc, &domid,
	    &j.how, NULL)), 0);
	job_wait(&j);
	CHECK_RC(j.rc, ERROR_FAIL);
	CHECK_RC(libxl_name_to_domid(ctx, "doomed", &domid), ERROR_INVAL);
	libxl_domain_config_dispose(&dc);

	/* a name that exists: libxl reports ERROR_FAIL */
	domid = create("twin", 16 * MIB_KIB, false);
	make_config(&dc, "twin", 16 * MIB_KIB, 1);
	job_init(&j, "create twin");
	CHECK_RC(job_started(&j, libxl_domain_create_new(ctx, &dc, &restored,
	    &j.how, NULL)), 0);
	job_wait(&j);
	CHECK_RC(j.rc, ERROR_FAIL);
	libxl_domain_config_dispose(&dc);

	/* hang: only an abort ends it */
	ctl_ok("{\"execute\":\"sim-fault\",\"arguments\":{\"op\":\"device\","
	    "\"kind\":\"hang\"}}");
	{
		libxl_device_nic nic;

		libxl_device_nic_init(&nic);
		job_init(&j, "nic-add");
		CHECK_RC(job_started(&j, libxl_device_nic_add(ctx, domid, &nic,
		    &j.how)), 0);
		sleep_loop(100);
		CHECK(!j.done);
		where = IN_ABORT;
		CHECK_RC(libxl_ao_abort(ctx, &j.how), 0);
		where = IN_LOOP;
		CHECK(j.done && j.rc == ERROR_ABORTED && j.where == IN_ABORT);
		libxl_device_nic_dispose(&nic);
	}
	info = ctl("{\"execute\":\"sim-fault\",\"arguments\":{\"clear\":true}}");
	CHECK(info != NULL);
	json_object_put(info);
	destroy(domid);
	free(file);
	teardown();
}

static void scenario_nomem(void)
{
	libxl_domain_config dc;
	struct job j;
	uint32_t domid = INVALID_DOMID;
	uint64_t free_kb, need;

	setup();
	CHECK(ctl("{\"execute\":\"sim-set\",\"arguments\":"
	    "{\"host_memory_mib\":512}}") == NULL);
	ctl_ok("{\"execute\":\"sim-set\",\"arguments\":"
	    "{\"host_memory_mib\":2048}}");
	CHECK_RC(libxl_get_free_memory(ctx, &free_kb), 0);
	CHECK(free_kb == 1024 * MIB_KIB);
	make_config(&dc, "huge", 2048 * MIB_KIB, 1);
	CHECK_RC(libxl_domain_need_memory(ctx, &dc, INVALID_DOMID, &need), 0);
	CHECK(need > 2048 * MIB_KIB);
	job_init(&j, "create");
	CHECK_RC(job_started(&j, libxl_domain_create_new(ctx, &dc, &domid,
	    &j.how, NULL)), 0);
	job_wait(&j);
	CHECK_RC(j.rc, ERROR_NOMEM);
	libxl_domain_config_dispose(&dc);
	domid = create("fits", 512 * MIB_KIB, false);
	CHECK_RC(libxl_get_free_memory(ctx, &free_kb), 0);
	CHECK(free_kb == 512 * MIB_KIB);
	destroy(domid);
	CHECK_RC(libxl_get_free_memory(ctx, &free_kb), 0);
	CHECK(free_kb == 1024 * MIB_KIB);
	ctl_ok("{\"execute\":\"sim-reset\"}");
	teardown();
}

/* Counters grow with the guest's running time. */
static void check_xenstat(uint32_t domid)
{
	xenstat_handle *xh = xenstat_init();
	xenstat_node *first, *second;
	xenstat_domain *a, *b;
	xenstat_vbd *va, *vb;
	xenstat_network *na, *nb;

	CHECK(xh != NULL);
	first = xenstat_get_node(xh, XENSTAT_ALL);
	sleep_loop(50);
	second = xenstat_get_node(xh, XENSTAT_ALL);
	CHECK(first != NULL && second != NULL);
	CHECK(xenstat_node_num_domains(second) == 2);
	CHECK(xenstat_domain_id(xenstat_node_domain_by_index(second, 0)) == 0);
	a = xenstat_node_domain(first, domid);
	b = xenstat_node_domain(second, domid);
	CHECK(a != NULL && b != NULL);
	CHECK(strcmp(xenstat_domain_name(b), "devices") == 0);
	CHECK(xenstat_domain_cpu_ns(b) > xenstat_domain_cpu_ns(a));
	CHECK(xenstat_domain_cur_mem(b) == 16ULL << 20);
	CHECK(xenstat_domain_num_vcpus(b) == 2);
	CHECK(xenstat_vcpu_online(xenstat_domain_vcpu(b, 0)));
	CHECK(xenstat_domain_num_vbds(b) == 1 &&
	    xenstat_domain_num_networks(b) == 1);
	va = xenstat_domain_vbd(a, 0);
	vb = xenstat_domain_vbd(b, 0);
	CHECK(xenstat_vbd_dev(vb) == (202 << 8 | 1 << 4));	/* xvdb */
	CHECK(xenstat_vbd_rd_reqs(vb) > xenstat_vbd_rd_reqs(va));
	CHECK(xenstat_vbd_wr_sects(vb) >= xenstat_vbd_wr_sects(va));
	na = xenstat_domain_network(a, 0);
	nb = xenstat_domain_network(b, 0);
	CHECK(xenstat_network_id(nb) == 0);
	CHECK(xenstat_network_rbytes(nb) > xenstat_network_rbytes(na));
	CHECK(xenstat_network_tbytes(nb) > xenstat_network_rbytes(nb));
	xenstat_free_node(first);
	xenstat_free_node(second);
	xenstat_uninit(xh);
}

static void scenario_devices(void)
{
	libxl_device_disk disk, *disks;
	libxl_device_nic nic, *nics;
	struct job j;
	uint32_t domid;
	int n;

	setup();
	domid = create("devices", 16 * MIB_KIB, true);
	libxl_device_disk_init(&disk);
	disk.vdev = strdup("xvdb");
	disk.pdev_path = strdup("/dev/null");
	disk.format = LIBXL_DISK_FORMAT_RAW;
	disk.readwrite = 1;
	job_init(&j, "disk-add");
	CHECK_RC(job_started(&j, libxl_device_disk_add(ctx, domid, &disk,
	    &j.how)), 0);
	job_wait(&j);
	CHECK_RC(j.rc, 0);
	job_init(&j, "disk-add twice");
	CHECK_RC(job_started(&j, libxl_device_disk_add(ctx, domid, &disk,
	    &j.how)), 0);
	job_wait(&j);
	CHECK_RC(j.rc, ERROR_DEVICE_EXISTS);
	libxl_device_nic_init(&nic);
	job_init(&j, "nic-add");
	CHECK_RC(job_started(&j, libxl_device_nic_add(ctx, domid, &nic,
	    &j.how)), 0);
	job_wait(&j);
	CHECK_RC(j.rc, 0);
	CHECK(nic.devid == 0 && nic.mac[0] == 0x00 && nic.mac[1] == 0x16);
	disks = libxl_device_disk_list(ctx, domid, &n);
	CHECK(n == 1 && strcmp(disks[0].vdev, "xvdb") == 0);
	libxl_device_disk_list_free(disks, n);
	nics = libxl_device_nic_list(ctx, domid, &n);
	CHECK(n == 1 && nics[0].devid == 0);
	libxl_device_nic_list_free(nics, n);
	check_xenstat(domid);
	job_init(&j, "disk-remove");
	CHECK_RC(job_started(&j, libxl_device_disk_remove(ctx, domid, &disk,
	    &j.how)), 0);
	job_wait(&j);
	CHECK_RC(j.rc, 0);
	disks = libxl_device_disk_list(ctx, domid, &n);
	CHECK(n == 0 && disks == NULL);
	libxl_device_disk_dispose(&disk);
	libxl_device_nic_dispose(&nic);
	destroy(domid);
	teardown();
}

/* First process: leaves a running domain behind and exits. */
static void scenario_persist_1(void)
{
	setup();
	create("keeper", 16 * MIB_KIB, true);
	sleep_loop(100);
	teardown();
}

/* Second process: finds it, still running, its uptime still counting. */
static void scenario_persist_2(void)
{
	json_object *info, *d;
	uint32_t domid;
	libxl_dominfo dinfo;

	setup();
	CHECK_RC(libxl_name_to_domid(ctx, "keeper", &domid), 0);
	libxl_dominfo_init(&dinfo);
	CHECK_RC(libxl_domain_info(ctx, &dinfo, domid), 0);
	CHECK(dinfo.running && dinfo.cpu_time > 0);
	libxl_dominfo_dispose(&dinfo);
	d = sim_domain(domid, &info);
	CHECK(strcmp(jstr(d, "state"), "running") == 0);
	CHECK(jint(d, "uptime_ms") >= 150);
	json_object_put(info);
	destroy(domid);
	teardown();
}

/* Starts a slow save, says so, and waits to be killed with SIGKILL. */
static void scenario_kill_mid_save(void)
{
	char *file = path_in_rundir("killed.save");
	libxl_domain_config dc;
	struct job j, jc;
	uint32_t domid, unborn = INVALID_DOMID;

	setup();
	ctl_ok("{\"execute\":\"sim-set\",\"arguments\":{\"save_mib_s\":1}}");
	domid = create("interrupted", 64 * MIB_KIB, true);
	create("bystander", 16 * MIB_KIB, true);
	ctl_ok("{\"execute\":\"sim-set\",\"arguments\":{\"create_ms\":600000}}");
	make_config(&dc, "unborn", 16 * MIB_KIB, 1);
	job_init(&jc, "create");
	CHECK_RC(job_started(&jc, libxl_domain_create_new(ctx, &dc, &unborn,
	    &jc.how, NULL)), 0);
	save_to(domid, file, 0, &j);
	sleep_loop(100);
	printf("SAVING %u\n", domid);
	for (;;)
		sleep_loop(1000);
}

/* After the kill: the saved guest stays suspended, its neighbour runs,
 * the domain being created stays half-built. */
static void scenario_after_kill(void)
{
	json_object *info, *d;
	uint32_t domid;

	setup();
	CHECK_RC(libxl_name_to_domid(ctx, "interrupted", &domid), 0);
	d = sim_domain(domid, &info);
	CHECK(strcmp(jstr(d, "state"), "shutdown") == 0);
	CHECK(strcmp(jstr(d, "reason"), "suspend") == 0);
	json_object_put(info);
	destroy(domid);
	CHECK_RC(libxl_name_to_domid(ctx, "bystander", &domid), 0);
	d = sim_domain(domid, &info);
	CHECK(strcmp(jstr(d, "state"), "running") == 0);
	json_object_put(info);
	destroy(domid);
	/* the create that was running: half-built and paused */
	CHECK_RC(libxl_name_to_domid(ctx, "unborn", &domid), 0);
	d = sim_domain(domid, &info);
	CHECK(strcmp(jstr(d, "state"), "paused") == 0);
	CHECK(!json_object_get_boolean(json_object_object_get(d, "complete")));
	json_object_put(info);
	destroy(domid);
	teardown();
}

/* Live migration to this very host, over a socket pair. */
static void scenario_migrate(void)
{
	libxl_domain_config dc;
	libxl_domain_restore_params params;
	struct job js, jr;
	uint32_t src, dst = INVALID_DOMID;
	json_object *info, *d;
	char *before;
	int sv[2];

	setup();
	src = create("mover", 64 * MIB_KIB, true);
	before = guest_state(src);
	libxl_domain_config_init(&dc);
	job_init(&js, "retrieve");
	CHECK_RC(job_started(&js, libxl_retrieve_domain_configuration(ctx, src,
	    &dc, &js.how)), 0);
	job_wait(&js);
	free(dc.c_info.name);
	dc.c_info.name = strdup("mover--incoming");
	libxl_domain_restore_params_init(&params);
	params.stream_version = 2;

	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	job_init(&js, "migrate-send");
	CHECK_RC(job_started(&js, libxl_domain_suspend(ctx, src, sv[0],
	    LIBXL_SUSPEND_LIVE, &js.how)), 0);
	job_init(&jr, "migrate-receive");
	CHECK_RC(job_started(&jr, libxl_domain_create_restore(ctx, &dc, &dst,
	    sv[1], -1, &params, &jr.how, NULL)), 0);
	job_wait(&js);
	job_wait(&jr);
	CHECK_RC(js.rc, 0);
	CHECK_RC(jr.rc, 0);
	close(sv[0]);
	close(sv[1]);
	d = sim_domain(src, &info);
	CHECK(strcmp(jstr(d, "reason"), "suspend") == 0);
	json_object_put(info);
	d = sim_domain(dst, &info);
	CHECK(strcmp(jstr(d, "guest_state"), before) == 0);
	CHECK(strcmp(jstr(d, "state"), "paused") == 0);
	json_object_put(info);
	destroy(src);
	CHECK_RC(libxl_domain_rename(ctx, dst, "mover--incoming", "mover"), 0);

	/* The guest will not suspend: the sender times out, the guest keeps
	 * running; the receiver fails when the sender hangs up, and libxl
	 * destroys what it built. */
	ctl_ok("{\"execute\":\"sim-set\",\"arguments\":"
	    "{\"suspend_timeout_ms\":100}}");
	ctl_ok("{\"execute\":\"sim-guest\",\"arguments\":{\"domain\":"
	    "\"mover\",\"action\":\"ignore-suspend\"}}");
	job_init(&js, "unpause");
	CHECK_RC(job_started(&js, libxl_domain_unpause(ctx, dst, &js.how)), 0);
	job_wait(&js);
	free(dc.c_info.name);
	dc.c_info.name = strdup("mover--incoming");
	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	job_init(&js, "migrate-send");
	CHECK_RC(job_started(&js, libxl_domain_suspend(ctx, dst, sv[0],
	    LIBXL_SUSPEND_LIVE, &js.how)), 0);
	job_init(&jr, "migrate-receive");
	src = INVALID_DOMID;
	CHECK_RC(job_started(&jr, libxl_domain_create_restore(ctx, &dc, &src,
	    sv[1], -1, &params, &jr.how, NULL)), 0);
	job_wait(&js);
	CHECK_RC(js.rc, ERROR_GUEST_TIMEDOUT);
	close(sv[0]);
	job_wait(&jr);
	close(sv[1]);
	CHECK_RC(jr.rc, ERROR_FAIL);
	CHECK_RC(libxl_name_to_domid(ctx, "mover--incoming", &src),
	    ERROR_INVAL);
	d = sim_domain(dst, &info);
	CHECK(strcmp(jstr(d, "state"), "running") == 0);
	json_object_put(info);
	destroy(dst);
	libxl_domain_config_dispose(&dc);
	free(before);
	teardown();
}

/* Contract violations abort, as real libxl's asserts do. */
static void scenario_hook_reentry(void)
{
	struct job j;
	uint32_t domid;

	setup();
	domid = create("reentry", 16 * MIB_KIB, true);
	evil_hook = true;
	job_init(&j, "pause");
	libxl_domain_pause(ctx, domid, &j.how);
	fprintf(stderr, "not reached\n");
	exit(0);
}

static void scenario_free_with_ops(void)
{
	libxl_domain_config dc;
	struct job j;
	uint32_t domid;

	setup();
	ctl_ok("{\"execute\":\"sim-set\",\"arguments\":{\"create_ms\":60000}}");
	make_config(&dc, "unfinished", 16 * MIB_KIB, 1);
	job_init(&j, "create");
	CHECK_RC(job_started(&j, libxl_domain_create_new(ctx, &dc, &domid,
	    &j.how, NULL)), 0);
	libxl_ctx_free(ctx);
	fprintf(stderr, "not reached\n");
	exit(0);
}

/* Many domains: creates, watches, lists, queries and destroys them; prints
 * rates (for people, not for tests). */
static void scenario_scale(int n)
{
	enum { BATCH = 200 };
	struct job *jobs = calloc(BATCH, sizeof *jobs);
	libxl_domain_config *cfgs = calloc(BATCH, sizeof *cfgs);
	libxl_evgen_domain_death **evgs = calloc(n, sizeof *evgs);
	uint32_t *domids = calloc(n, sizeof *domids);
	struct timeval t0, t1;
	libxl_dominfo *list, info;
	xenstat_handle *xh;
	xenstat_node *node;
	json_object *ret;
	long calls = 0;
	double secs;
	int count;

	setup();
	ctl_ok("{\"execute\":\"sim-set\",\"arguments\":{\"create_ms\":0,"
	    "\"host_memory_mib\":16777216}}");
	gettimeofday(&t0, NULL);
	for (int base_i = 0; base_i < n; base_i += BATCH) {
		int m = n - base_i < BATCH ? n - base_i : BATCH;
		char name[32];

		for (int i = 0; i < m; i++) {
			snprintf(name, sizeof name, "scale-%d", base_i + i);
			make_config(&cfgs[i], name, 16 * MIB_KIB, 1);
			job_init(&jobs[i], "create");
			CHECK_RC(job_started(&jobs[i], libxl_domain_create_new(
			    ctx, &cfgs[i], &domids[base_i + i], &jobs[i].how,
			    NULL)), 0);
		}
		for (int i = 0; i < m; i++) {
			CHECK(run_until(job_is_done, &jobs[i], 30000));
			CHECK_RC(jobs[i].rc, 0);
			libxl_domain_config_dispose(&cfgs[i]);
		}
	}
	gettimeofday(&t1, NULL);
	secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_usec - t0.tv_usec) / 1e6;
	printf("  %d creates in %.2f s\n", n, secs);
	for (int i = 0; i < n; i++)
		CHECK_RC(libxl_evenable_domain_death(ctx, domids[i], i,
		    &evgs[i]), 0);
	list = libxl_list_domain(ctx, &count);
	CHECK_RC(count, n + 1);
	libxl_dominfo_list_free(list, count);
	gettimeofday(&t0, NULL);
	do {
		for (int i = 0; i < 1000; i++, calls++) {
			libxl_dominfo_init(&info);
			CHECK_RC(libxl_domain_info(ctx, &info,
			    domids[calls % n]), 0);
			libxl_dominfo_dispose(&info);
		}
		gettimeofday(&t1, NULL);
		secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_usec - t0.tv_usec) / 1e6;
	} while (secs < 1.0);
	printf("  libxl_domain_info: %.0f calls/s\n", calls / secs);
	gettimeofday(&t0, NULL);
	list = libxl_list_domain(ctx, &count);
	libxl_dominfo_list_free(list, count);
	gettimeofday(&t1, NULL);
	printf("  libxl_list_domain: %.1f ms\n", (t1.tv_sec - t0.tv_sec) *
	    1e3 + (t1.tv_usec - t0.tv_usec) / 1e3);
	xh = xenstat_init();
	gettimeofday(&t0, NULL);
	node = xenstat_get_node(xh, XENSTAT_ALL);
	gettimeofday(&t1, NULL);
	CHECK(xenstat_node_num_domains(node) == (unsigned)n + 1);
	printf("  xenstat_get_node: %.1f ms\n", (t1.tv_sec - t0.tv_sec) *
	    1e3 + (t1.tv_usec - t0.tv_usec) / 1e3);
	xenstat_free_node(node);
	xenstat_uninit(xh);
	gettimeofday(&t0, NULL);
	ret = ctl("{\"execute\":\"sim-info\"}");
	gettimeofday(&t1, NULL);
	CHECK(ret != NULL);
	json_object_put(ret);
	printf("  sim-info: %.1f ms\n", (t1.tv_sec - t0.tv_sec) * 1e3 +
	    (t1.tv_usec - t0.tv_usec) / 1e3);
	gettimeofday(&t0, NULL);
	for (int base_i = 0; base_i < n; base_i += BATCH) {
		int m = n - base_i < BATCH ? n - base_i : BATCH;

		for (int i = 0; i < m; i++) {
			job_init(&jobs[i], "destroy");
			CHECK_RC(job_started(&jobs[i], libxl_domain_destroy(ctx,
			    domids[base_i + i], &jobs[i].how)), 0);
		}
		for (int i = 0; i < m; i++) {
			CHECK(run_until(job_is_done, &jobs[i], 30000));
			CHECK_RC(jobs[i].rc, 0);
		}
	}
	gettimeofday(&t1, NULL);
	secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_usec - t0.tv_usec) / 1e6;
	printf("  %d destroys in %.2f s\n", n, secs);
	for (int i = 0; i < n; i++)
		libxl_evdisable_domain_death(ctx, evgs[i]);
	list = libxl_list_domain(ctx, &count);
	CHECK_RC(count, 1);
	libxl_dominfo_list_free(list, count);
	free(jobs);
	free(cfgs);
	free(evgs);
	free(domids);
	teardown();
}

/* The daemon's dump helper: no hooks, ao_how NULL, read-only. */
static void scenario_dump_helper(const char *file, const char *name)
{
	char *sock = path_in_rundir("sim.sock");
	struct stat st;
	uint32_t domid;

	CHECK_RC(libxl_ctx_alloc(&ctx, LIBXL_VERSION, 0, &logger), 0);
	CHECK_RC(libxl_name_to_domid(ctx, name, &domid), 0);
	CHECK_RC(libxl_domain_core_dump(ctx, domid, file, NULL), 0);
	CHECK(stat(file, &st) == 0 && st.st_size > 4096);
	CHECK(stat(sock, &st) < 0);	/* no control socket here */
	/* not the owner: changes are refused */
	CHECK_RC(libxl_domain_pause(ctx, domid, NULL), ERROR_FAIL);
	CHECK_RC(libxl_ctx_free(ctx), 0);
	free(sock);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	rundir = getenv("XENLIGHTD_SIM_RUNDIR");
	if (argc < 2 || rundir == NULL) {
		fprintf(stderr, "usage: XENLIGHTD_SIM_RUNDIR=DIR "
		    "LD_PRELOAD=libxenlight-sim.so sim-driver SCENARIO\n");
		return 2;
	}
	if (strcmp(argv[1], "basic") == 0)
		scenario_basic();
	else if (strcmp(argv[1], "lifecycle") == 0)
		scenario_lifecycle();
	else if (strcmp(argv[1], "save-restore") == 0)
		scenario_save_restore();
	else if (strcmp(argv[1], "abort-create") == 0)
		scenario_abort_create();
	else if (strcmp(argv[1], "abort-save") == 0)
		scenario_abort_save();
	else if (strcmp(argv[1], "inline") == 0)
		scenario_inline();
	else if (strcmp(argv[1], "inline-seed") == 0)
		scenario_inline_seed();
	else if (strcmp(argv[1], "events") == 0)
		scenario_events();
	else if (strcmp(argv[1], "faults") == 0)
		scenario_faults();
	else if (strcmp(argv[1], "nomem") == 0)
		scenario_nomem();
	else if (strcmp(argv[1], "devices") == 0)
		scenario_devices();
	else if (strcmp(argv[1], "persist-1") == 0)
		scenario_persist_1();
	else if (strcmp(argv[1], "persist-2") == 0)
		scenario_persist_2();
	else if (strcmp(argv[1], "migrate") == 0)
		scenario_migrate();
	else if (strcmp(argv[1], "hook-reentry") == 0)
		scenario_hook_reentry();
	else if (strcmp(argv[1], "free-with-ops") == 0)
		scenario_free_with_ops();
	else if (strcmp(argv[1], "scale") == 0 && argc == 3)
		scenario_scale(atoi(argv[2]));
	else if (strcmp(argv[1], "kill-mid-save") == 0)
		scenario_kill_mid_save();
	else if (strcmp(argv[1], "after-kill") == 0)
		scenario_after_kill();
	else if (strcmp(argv[1], "dump-helper") == 0 && argc == 4)
		scenario_dump_helper(argv[2], argv[3]);
	else {
		fprintf(stderr, "unknown scenario %s\n", argv[1]);
		return 2;
	}
	printf("PASS %s\n", argv[1]);
	return 0;
}
