/* Domain lifecycle operations: create, restore, save (suspend), resume,
 * destroy, shutdown and reboot requests, pause, unpause, core dump and
 * retrieving the configuration.  Error codes and where each result is
 * delivered follow the libxl 4.17 sources (file:line cited where it is not
 * obvious); doc/simulator.md lists them. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim/sim.h"

static void op_ok(struct sim_op *op)
{
	sim_op_complete(op, 0);
}

static void op_fail(struct sim_op *op)
{
	sim_op_complete(op, ERROR_FAIL);
}

static void log_helper_failure(struct sim_op *op, const char *helper)
{
	if (op->text != NULL)
		sim_log(XTL_ERROR, op->child_errno, op->domid, "%s", op->text);
	else if (WIFSIGNALED(op->wstatus))
		sim_log(XTL_ERROR, 0, op->domid,
		    "%s [%d] died due to fatal signal %s", helper, op->child_pid,
		    strsignal(WTERMSIG(op->wstatus)));
	else
		sim_log(XTL_ERROR, 0, op->domid, "%s failed (status %d)",
		    helper, WEXITSTATUS(op->wstatus));
}

static void record_helper_error(struct sim_op *op)
{
	int32_t err;

	memcpy(&err, op->msg + 1, sizeof err);
	op->child_errno = err;
	free(op->text);
	op->text = strndup((const char *)op->msg + 1 + sizeof err, 63);
}

/* Clears O_NONBLOCK for the helper, as libxl does (libxl_domain.c:535). */
static void stream_fd_blocking(struct sim_op *op)
{
	int fl = fcntl(op->fd, F_GETFL);

	if (fl < 0)
		return;
	op->fd_flags = fl;
	op->fd_flags_saved = true;
	fcntl(op->fd, F_SETFL, fl & ~O_NONBLOCK);
}

static bool is_socket(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode);
}

/* ---- the destroyer child (libxl_domain.c:1567) ---- */

int sim_destroyer_start(struct sim_op *op, sim_op_fn *on_child)
{
	/* vfork: the child only exits, and a burst of forks from a big
	 * process would otherwise pay for copy-on-write in the parent. */
	pid_t pid = vfork();

	if (pid < 0)
		return ERROR_FAIL;
	if (pid == 0)
		_exit(0);
	op->on_child = on_child;
	sim_op_watch_child(op, pid, -1, -1);
	return 0;
}

/* A create or restore that fails for another reason than an abort: libxl
 * destroys what it built before reporting (domcreate_complete,
 * libxl_create.c:2005-2035). */
static void failed_build_destroyed(struct sim_op *op)
{
	struct sim_domain *d = sim_domain_find(op->domid);

	if (d != NULL)
		sim_domain_remove(d);
	sim_op_complete(op, ERROR_FAIL);
}

static void fail_and_destroy(struct sim_op *op)
{
	struct sim_domain *d = sim_domain_find(op->domid);

	op->abortable = false;
	if (d == NULL) {
		sim_op_complete(op, ERROR_FAIL);
		return;
	}
	sim_domain_set_dying(d);
	if (sim_destroyer_start(op, failed_build_destroyed) != 0)
		failed_build_destroyed(op);
}

static void build_aborted(struct sim_op *op)
{
	/* The half-built domain stays for the caller (libxl.h:1670). */
	sim_op_complete(op, ERROR_ABORTED);
}

/* ---- create and restore ---- */

struct build {
	int rc;			/* the configuration is invalid */
	char *name;
	libxl_uuid uuid;
	libxl_domain_type type;
	uint32_t want_domid;
	uint64_t max_memkb;
	uint64_t target_memkb;
	int max_vcpus;
	libxl_bitmap online;
	char *config;
	bool restore;
};

static void build_free(void *p)
{
	struct build *b = p;

	free(b->name);
	free(b->config);
	libxl_bitmap_dispose(&b->online);
	free(b);
}

/* What libxl__domain_config_setdefault settles that matters here. */
static struct build *build_prepare(libxl_ctx *ctx,
    const libxl_domain_config *in)
{
	struct build *b = calloc(1, sizeof *b);
	libxl_domain_config cfg;
	libxl_domain_build_info *bi = &cfg.b_info;
	char *json;

	libxl_bitmap_init(&b->online);
	libxl_domain_config_init(&cfg);
	libxl_domain_config_copy(ctx, &cfg, in);
	if (cfg.c_info.type != LIBXL_DOMAIN_TYPE_PV &&
	    cfg.c_info.type != LIBXL_DOMAIN_TYPE_HVM &&
	    cfg.c_info.type != LIBXL_DOMAIN_TYPE_PVH) {
		sim_log(XTL_ERROR, 0, INVALID_DOMID, "invalid domain type");
		b->rc = ERROR_INVAL;
		goto out;
	}
	if (libxl_uuid_is_nil(&cfg.c_info.uuid))
		libxl_uuid_generate(&cfg.c_info.uuid);
	if (bi->max_vcpus == 0)
		bi->max_vcpus = 1;
	if (bi->max_vcpus < 0 || bi->max_vcpus > SIM_MAX_VCPUS) {
		sim_log(XTL_ERROR, 0, INVALID_DOMID, "invalid max_vcpus %d",
		    bi->max_vcpus);
		b->rc = ERROR_INVAL;
		goto out;
	}
	if (bi->avail_vcpus.size == 0) {
		libxl_bitmap_alloc(ctx, &bi->avail_vcpus, 1);
		libxl_bitmap_set(&bi->avail_vcpus, 0);
	}
	if (bi->max_memkb == LIBXL_MEMKB_DEFAULT)
		bi->max_memkb = 32 * 1024;
	if (bi->target_memkb == LIBXL_MEMKB_DEFAULT)
		bi->target_memkb = bi->max_memkb;
	if (bi->target_memkb > bi->max_memkb || bi->target_memkb == 0) {
		sim_log(XTL_ERROR, 0, INVALID_DOMID, "target memory %llu KiB "
		    "is not within 1..max_memkb %llu KiB",
		    (unsigned long long)bi->target_memkb,
		    (unsigned long long)bi->max_memkb);
		b->rc = ERROR_INVAL;
		goto out;
	}
	for (int i = 0; i < cfg.num_disks; i++) {
		if (cfg.disks[i].vdev == NULL ||
		    sim_vdev_devid(cfg.disks[i].vdev) < 0) {
			sim_log(XTL_ERROR, 0, INVALID_DOMID,
			    "Invalid or unsupported virtual disk identifier %s",
			    cfg.disks[i].vdev != NULL ? cfg.disks[i].vdev : "");
			b->rc = ERROR_INVAL;
			goto out;
		}
	}
	for (int i = 0; i < cfg.num_nics; i++) {
		libxl_device_nic *nic = &cfg.nics[i];
		static const libxl_mac zero_mac;

		if (nic->devid < 0)
			nic->devid = i;
		if (memcmp(nic->mac, zero_mac, sizeof zero_mac) == 0) {
			uint64_t r = sim_random64();

			nic->mac[0] = 0x00;
			nic->mac[1] = 0x16;
			nic->mac[2] = 0x3e;
			nic->mac[3] = (r >> 8) & 0x7f;
			nic->mac[4] = (r >> 16) & 0xff;
			nic->mac[5] = (r >> 24) & 0xff;
		}
	}
	b->name = cfg.c_info.name != NULL ? strdup(cfg.c_info.name) : NULL;
	b->uuid = cfg.c_info.uuid;
	b->type = cfg.c_info.type;
	b->want_domid = cfg.c_info.domid;
	b->max_memkb = bi->max_memkb;
	b->target_memkb = bi->target_memkb;
	b->max_vcpus = bi->max_vcpus;
	libxl_bitmap_alloc(ctx, &b->online, bi->max_vcpus);
	for (int i = 0; i < bi->max_vcpus; i++)
		if (libxl_bitmap_test(&bi->avail_vcpus, i))
			libxl_bitmap_set(&b->online, i);
	json = libxl_domain_config_to_json(ctx, &cfg);
	b->config = json != NULL ? json : strdup("{}");
out:
	libxl_domain_config_dispose(&cfg);
	return b;
}

static void create_timer_done(struct sim_op *op)
{
	struct sim_domain *d = sim_domain_find(op->domid);

	if (d == NULL || op->domain_gone) {
		sim_op_complete(op, ERROR_FAIL);
		return;
	}
	if (op->fault.kind != SIM_FAULT_NONE) {
		sim_log(XTL_ERROR, 0, op->domid, "cannot build domain: "
		    "injected failure");
		fail_and_destroy(op);
		return;
	}
	d->complete = true;
	sim_domain_save(d);
	sim_op_complete(op, 0);
}

static void create_start(struct sim_op *op)
{
	op->abortable = true;
	op->on_abort = build_aborted;
	if (op->fault.kind == SIM_FAULT_HANG)
		sim_op_wait_forever(op);
	else
		sim_op_wait_ms(op, sim_host.settings.create_ms,
		    create_timer_done);
}

static void restore_message(struct sim_op *op)
{
	if (op->msg[0] == SIM_MSG_HEADER) {
		struct sim_stream_info *info = malloc(sizeof *info);

		memcpy(info, op->msg + 1, sizeof *info);
		free(op->stream_info);
		op->stream_info = info;
	} else if (op->msg[0] == SIM_MSG_ERROR) {
		record_helper_error(op);
	}
}

static void restore_child_done(struct sim_op *op)
{
	struct sim_domain *d = sim_domain_find(op->domid);
	struct sim_stream_info *info = op->stream_info;

	if (op->aborting) {
		sim_op_complete(op, ERROR_ABORTED);
		return;
	}
	if (d == NULL || op->domain_gone) {
		sim_op_complete(op, ERROR_FAIL);
		return;
	}
	if (!WIFEXITED(op->wstatus) || WEXITSTATUS(op->wstatus) != 0 ||
	    info == NULL) {
		log_helper_failure(op, "libxl-save-helper");
		fail_and_destroy(op);
		return;
	}
	if (info->memory_kib > d->max_memkb) {
		sim_log(XTL_ERROR, 0, op->domid, "restore stream holds %llu "
		    "KiB of memory, more than the domain's maximum %llu KiB",
		    (unsigned long long)info->memory_kib,
		    (unsigned long long)d->max_memkb);
		fail_and_destroy(op);
		return;
	}
	sim_domain_fold(d, sim_now_ms());
	d->seed = info->seed;
	d->boot_count = info->boot_count;
	d->uptime_ms = info->uptime_ms;
	sim_domain_set_target(d, info->memory_kib);
	d->complete = true;
	sim_domain_save(d);
	sim_op_complete(op, 0);
}

static void restore_fault_fail(struct sim_op *op)
{
	sim_log(XTL_ERROR, 0, op->domid, "restoring domain: injected failure");
	fail_and_destroy(op);
}

static void restore_start(struct sim_op *op)
{
	int msg[2], fds[2];
	int64_t rate;
	pid_t pid;

	op->abortable = true;
	op->kill_on_gone = true;
	op->on_abort = build_aborted;
	if (op->fault.kind == SIM_FAULT_FAIL) {
		sim_op_quick(op, restore_fault_fail);
		return;
	}
	if (pipe2(msg, O_CLOEXEC) < 0) {
		fail_and_destroy(op);
		return;
	}
	stream_fd_blocking(op);
	/* A socket is a migration: the sender sets the pace. */
	rate = op->live ? 0 : sim_host.settings.restore_mib_s;
	fds[0] = op->fd;
	fds[1] = msg[1];
	pid = sim_fork_child(fds, 2);
	if (pid == 0)
		sim_stream_read_child(fds[0], fds[1], rate, op->fault);
	close(msg[1]);
	if (pid < 0) {
		close(msg[0]);
		fail_and_destroy(op);
		return;
	}
	fcntl(msg[0], F_SETFL, O_NONBLOCK);
	op->on_message = restore_message;
	op->on_child = restore_child_done;
	sim_op_watch_child(op, pid, msg[0], -1);
}

static void build_fail_quick(struct sim_op *op)
{
	sim_op_complete(op, (int)op->number);
}

/* libxl__domain_make: checks, then the new domain, half-built and paused.
 * Runs under the state lock with a fresh view of the host, so that a
 * build in another process cannot take the same name, domid or memory. */
static struct sim_domain *build_make(struct sim_op *op, struct build *b)
{
	struct sim_domain *d = NULL;
	uint32_t want = b->want_domid, rover = sim_host.next_domid;

	op->number = 0;
	if (b->name == NULL || b->name[0] == '\0') {
		sim_log(XTL_ERROR, 0, INVALID_DOMID,
		    "cannot make domain: New domain name not specified");
		op->number = ERROR_FAIL;
	} else if (sim_domain_by_name(b->name) != NULL) {
		/* libxl__domain_make fails with ERROR_INVAL and
		 * initiate_domain_create reports ERROR_FAIL
		 * (libxl_create.c:1292-1297). */
		sim_log(XTL_ERROR, 0, INVALID_DOMID, "cannot make domain: "
		    "Domain with name \"%s\" already exists.", b->name);
		op->number = ERROR_FAIL;
	} else if (b->target_memkb > sim_free_memkb()) {
		sim_log(XTL_ERROR, ENOMEM, INVALID_DOMID, "cannot build domain "
		    "\"%s\": %llu KiB needed, %llu KiB free", b->name,
		    (unsigned long long)b->target_memkb,
		    (unsigned long long)sim_free_memkb());
		op->number = ERROR_NOMEM;
	} else if (want > 0 && want < SIM_DOMID_LIMIT &&
	    sim_domain_find(want) != NULL) {
		sim_log(XTL_ERROR, EEXIST, want, "domain creation fail");
		op->number = ERROR_FAIL;
	} else if ((op->number = sim_pci_check_config(op->ctx, b->config)) ==
	    0) {
		op->number = sim_cpupool_check_config(b->config);
	}
	if (op->number != 0)
		return NULL;
	/* A domid the caller asked for (LIBXL_HAVE_CREATEINFO_DOMID) does
	 * not move Xen's allocation rover. */
	if (want == (uint32_t)RANDOM_DOMID)
		want = 1 + (uint32_t)(sim_random64() % (SIM_DOMID_LIMIT - 1));
	if (want > 0 && want < SIM_DOMID_LIMIT)
		sim_host.next_domid = want;
	d = sim_domain_new(b->name, &b->uuid, b->type, b->max_memkb,
	    b->target_memkb, b->max_vcpus, &b->online, b->config);
	if (want > 0 && want < SIM_DOMID_LIMIT) {
		sim_host.next_domid = rover;
		sim_host_save();
	}
	if (d == NULL) {
		sim_log(XTL_ERROR, 0, INVALID_DOMID,
		    "domain creation fail: no free domid");
		op->number = ERROR_FAIL;
	}
	return d;
}

/* libxl__build_pv and friends (xc_dom_*: decompressing the kernel,
 * populating memory) run synchronously in the calling thread, inside the
 * initiator or an ao callback: build_ms stands for them.  A helper-crash
 * fault of a create kills the process here, mid-build, as a crash of the
 * daemon's build helper would. */
static void build_block(struct sim_op *op, struct build *b)
{
	int64_t ms = sim_host.settings.build_ms;
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	if (ms > 0) {
		sim_trace("%s of domain %u blocks for %lld ms", op->what,
		    op->domid, (long long)ms);
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
	}
	if (!b->restore && op->fault.kind == SIM_FAULT_HELPER_CRASH) {
		sim_trace("create of domain %u: the process dies", op->domid);
		raise(SIGKILL);
		_exit(137);
	}
}

static void build_begin(struct sim_op *op)
{
	struct build *b = op->data;
	struct sim_domain *d;

	if (b->rc != 0) {
		/* setdefault failed: completes inside the initiator. */
		sim_op_complete(op, b->rc);
		return;
	}
	sim_lock();
	sim_sync();
	d = build_make(op, b);
	if (d != NULL) {
		op->domid = d->domid;
		op->result_domid = d->domid;
	}
	sim_unlock();
	if (d == NULL) {
		sim_op_quick(op, build_fail_quick);
		return;
	}
	build_block(op, b);
	if (b->restore)
		restore_start(op);
	else
		create_start(op);
}

static int build(libxl_ctx *ctx, libxl_domain_config *d_config, uint32_t *domid,
    int restore_fd, const libxl_asyncop_how *how,
    const libxl_asyncprogress_how *console_how)
{
	struct sim_op *op;
	struct build *b;
	bool restore = restore_fd >= 0;
	bool migrate = restore && is_socket(restore_fd);

	/* Any process may build (the daemon's build helpers do): the
	 * state lock keeps builds in several processes apart. */
	sim_sync();
	if (d_config == NULL || domid == NULL)
		return ERROR_INVAL;
	b = build_prepare(ctx, d_config);
	b->restore = restore;
	op = sim_op_new(ctx, restore ? "restore" : "create", 0, how);
	op->domid_out = domid;
	op->data = b;
	op->free_data = build_free;
	op->fd = restore_fd;
	op->live = migrate;
	if (console_how != NULL) {
		op->has_console = true;
		op->console_how = *console_how;
	}
	if (b->rc == 0) {
		struct sim_domain probe = { .name = b->name, .domid = 0 };

		op->fault = sim_fault_take(!restore ? SIM_FAULT_CREATE :
		    migrate ? SIM_FAULT_MIGRATE : SIM_FAULT_RESTORE,
		    b->name != NULL ? &probe : NULL);
	}
	return sim_op_launch(op, build_begin);
}

int libxl_domain_create_new(libxl_ctx *ctx, libxl_domain_config *d_config,
    uint32_t *domid, const libxl_asyncop_how *ao_how,
    const libxl_asyncprogress_how *aop_console_how)
{
	int rc;

	SIM_ENTER();
	rc = build(ctx, d_config, domid, -1, ao_how, aop_console_how);
	SIM_LEAVE();
	return rc;
}

int libxl_domain_create_restore(libxl_ctx *ctx, libxl_domain_config *d_config,
    uint32_t *domid, int restore_fd, int send_back_fd,
    const libxl_domain_restore_params *params, const libxl_asyncop_how *ao_how,
    const libxl_asyncprogress_how *aop_console_how)
{
	int rc;

	if (params == NULL || params->stream_version != 2) {
		/* 4.17 would read a v1 stream as legacy and fail later. */
		sim_log(XTL_ERROR, 0, INVALID_DOMID, "restore: stream_version "
		    "%u is not supported by the simulator (use 2)",
		    params != NULL ? params->stream_version : 0);
		return ERROR_INVAL;
	}
	if (restore_fd < 0)
		return ERROR_INVAL;
	SIM_ENTER();
	rc = build(ctx, d_config, domid, restore_fd, ao_how, aop_console_how);
	SIM_LEAVE();
	return rc;
}

/* ---- save ---- */

static void send_go(struct sim_op *op, char what)
{
	struct sim_domain *d = sim_domain_find(op->domid);
	unsigned char go[1 + sizeof(uint64_t)];
	uint64_t uptime = d != NULL ? sim_domain_uptime_ms(d, sim_now_ms()) :
	    0;

	go[0] = (unsigned char)what;
	memcpy(go + 1, &uptime, sizeof uptime);
	/* A socket, not a pipe: a helper that died must not SIGPIPE us. */
	if (op->go_fd >= 0 &&
	    send(op->go_fd, go, sizeof go, MSG_NOSIGNAL) < 0)
		sim_trace("save: cannot release the helper: %m");
}

static void save_live_timeout(struct sim_op *op)
{
	op->timed_out = true;
	send_go(op, 'X');
}

static void save_message(struct sim_op *op)
{
	struct sim_domain *d;

	if (op->msg[0] == SIM_MSG_ERROR) {
		record_helper_error(op);
		return;
	}
	if (op->msg[0] != SIM_MSG_MEMORY_DONE || op->pid == 0)
		return;		/* read after the helper was reaped */
	d = sim_domain_find(op->domid);
	if (d == NULL)
		return;		/* the helper is being killed */
	if (d->shutdown &&
	    d->shutdown_reason == LIBXL_SHUTDOWN_REASON_SUSPEND) {
		send_go(op, 'G');
	} else if (d->ignore_suspend || d->shutdown) {
		/* Live: the guest must suspend for the last part. */
		sim_op_wait_ms(op, sim_host.settings.suspend_timeout_ms,
		    save_live_timeout);
	} else {
		sim_domain_shutdown(d, LIBXL_SHUTDOWN_REASON_SUSPEND,
		    sim_now_ms());
		send_go(op, 'G');
	}
}

static void save_child_done(struct sim_op *op)
{
	if (op->aborting) {
		sim_op_complete(op, ERROR_ABORTED);
	} else if (op->domain_gone || sim_domain_find(op->domid) == NULL) {
		sim_log(XTL_ERROR, 0, op->domid, "saving domain: the domain "
		    "went away");
		sim_op_complete(op, ERROR_FAIL);
	} else if (WIFEXITED(op->wstatus) && WEXITSTATUS(op->wstatus) == 0) {
		sim_op_complete(op, 0);
	} else if (op->timed_out) {
		sim_log(XTL_ERROR, 0, op->domid,
		    "guest did not suspend, timed out");
		sim_op_complete(op, ERROR_GUEST_TIMEDOUT);
	} else {
		log_helper_failure(op, "libxl-save-helper");
		sim_op_complete(op, ERROR_FAIL);
	}
}

static void save_spawn(struct sim_op *op)
{
	struct sim_domain *d = sim_domain_find(op->domid);
	struct sim_stream_info info;
	int msg[2], go[2], fds[3];
	pid_t pid;

	memset(&info, 0, sizeof info);
	info.uuid = d->uuid;
	info.memory_kib = d->target_memkb;
	info.seed = d->seed;
	info.boot_count = d->boot_count;
	info.uptime_ms = sim_domain_uptime_ms(d, sim_now_ms());
	info.domid = d->domid;
	info.live = op->live;
	if (pipe2(msg, O_CLOEXEC) < 0)
		goto fail;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, go) < 0) {
		close(msg[0]);
		close(msg[1]);
		goto fail;
	}
	stream_fd_blocking(op);
	fds[0] = op->fd;
	fds[1] = msg[1];
	fds[2] = go[0];
	pid = sim_fork_child(fds, 3);
	if (pid == 0)
		sim_stream_write_child(fds[0], fds[1], fds[2], &info,
		    op->number, op->fault);
	close(msg[1]);
	close(go[0]);
	if (pid < 0) {
		close(msg[0]);
		close(go[1]);
		goto fail;
	}
	fcntl(msg[0], F_SETFL, O_NONBLOCK);
	op->on_message = save_message;
	op->on_child = save_child_done;
	sim_op_watch_child(op, pid, msg[0], go[1]);
	return;
fail:
	sim_log(XTL_ERROR, errno, op->domid, "saving domain: cannot start "
	    "the helper");
	sim_op_complete(op, ERROR_FAIL);
}

static void save_suspend_timeout(struct sim_op *op)
{
	sim_log(XTL_ERROR, 0, op->domid, "guest did not suspend, timed out");
	sim_op_complete(op, ERROR_GUEST_TIMEDOUT);
}

static void save_fault_fail(struct sim_op *op)
{
	sim_log(XTL_ERROR, 0, op->domid, "saving domain: injected failure");
	sim_op_complete(op, ERROR_FAIL);
}

static void save_start(struct sim_op *op)
{
	struct sim_domain *d = sim_domain_find(op->domid);

	op->abortable = true;
	op->kill_on_gone = true;
	if (op->fault.kind == SIM_FAULT_FAIL) {
		sim_op_quick(op, save_fault_fail);
	} else if (d->dying) {
		sim_log(XTL_ERROR, 0, op->domid, "saving domain: dying");
		sim_op_quick(op, op_fail);
	} else if (op->live) {
		save_spawn(op);
	} else if (d->shutdown &&
	    d->shutdown_reason == LIBXL_SHUTDOWN_REASON_SUSPEND) {
		save_spawn(op);
	} else if (d->shutdown) {
		sim_log(XTL_ERROR, 0, op->domid,
		    "guest we were suspending has shut down");
		sim_op_quick(op, op_fail);
	} else if (d->ignore_suspend) {
		sim_op_wait_ms(op, sim_host.settings.suspend_timeout_ms,
		    save_suspend_timeout);
	} else {
		sim_domain_shutdown(d, LIBXL_SHUTDOWN_REASON_SUSPEND,
		    sim_now_ms());
		save_spawn(op);
	}
}

int libxl_domain_suspend(libxl_ctx *ctx, uint32_t domid, int fd, int flags,
    const libxl_asyncop_how *ao_how)
{
	struct sim_domain *d;
	struct sim_op *op;
	bool live = (flags & LIBXL_SUSPEND_LIVE) != 0;
	bool migrate;
	int rc;

	if (domid == 0)
		return ERROR_INVAL;
	if ((rc = sim_require_owner(domid, "save")) != 0)
		return rc;
	if ((d = sim_domain_find(domid)) == NULL) {
		sim_log(XTL_ERROR, 0, domid, "unable to get domain type");
		return ERROR_FAIL;
	}
	if (fd < 0)
		return ERROR_INVAL;
	migrate = live || is_socket(fd);
	SIM_ENTER();
	op = sim_op_new(ctx, migrate ? "migrate" : "save", domid, ao_how);
	op->fd = fd;
	op->live = live;
	op->number = migrate ? sim_host.settings.migrate_mib_s :
	    sim_host.settings.save_mib_s;
	op->fault = sim_fault_take(migrate ? SIM_FAULT_MIGRATE :
	    SIM_FAULT_SAVE, d);
	rc = sim_op_launch(op, save_start);
	SIM_LEAVE();
	return rc;
}

/* ---- resume, pause, unpause ---- */

static void resume_start(struct sim_op *op)
{
	struct sim_domain *d = sim_domain_find(op->domid);

	if (d == NULL || d->dying) {
		sim_log(XTL_ERROR, 0, op->domid, "xc_domain_resume failed");
		sim_op_complete(op, ERROR_FAIL);
		return;
	}
	if (d->shutdown)
		sim_domain_resume(d);
	sim_op_quick(op, op_ok);
}

int libxl_domain_resume(libxl_ctx *ctx, uint32_t domid, int suspend_cancel,
    const libxl_asyncop_how *ao_how)
{
	int rc;

	if (domid == 0)
		return ERROR_INVAL;
	if ((rc = sim_require_owner(domid, "resume")) != 0)
		return rc;
	SIM_ENTER();
	rc = sim_op_launch(sim_op_new(ctx, "resume", domid, ao_how),
	    resume_start);
	SIM_LEAVE();
	return rc;
}

static void quick_ok(struct sim_op *op)
{
	sim_op_quick(op, op_ok);
}

int libxl_domain_pause(libxl_ctx *ctx, uint32_t domid,
    const libxl_asyncop_how *ao_how)
{
	struct sim_domain *d;
	int rc;

	if (domid == 0)
		return ERROR_INVAL;
	if ((rc = sim_require_owner(domid, "pause")) != 0)
		return rc;
	d = sim_domain_find(domid);
	if (d == NULL || d->dying || d->pause_count >= 255) {
		/* xc_domain_pause fails: AO_CREATE_FAIL (libxl_domain.c:587) */
		sim_log(XTL_ERROR, d == NULL ? ESRCH : EINVAL, domid,
		    "Pausing domain");
		return ERROR_FAIL;
	}
	SIM_ENTER();
	sim_domain_pause(d);
	rc = sim_op_launch(sim_op_new(ctx, "pause", domid, ao_how), quick_ok);
	SIM_LEAVE();
	return rc;
}

static void unpause_start(struct sim_op *op)
{
	struct sim_domain *d = sim_domain_find(op->domid);

	if (d == NULL || d->dying || d->pause_count == 0) {
		/* Reported through the ao, inside the initiator. */
		sim_log(XTL_ERROR, d == NULL ? ESRCH : EINVAL, op->domid,
		    "Unpausing domain");
		sim_op_complete(op, ERROR_FAIL);
		return;
	}
	sim_domain_unpause(d);
	sim_op_quick(op, op_ok);
}

int libxl_domain_unpause(libxl_ctx *ctx, uint32_t domid,
    const libxl_asyncop_how *ao_how)
{
	int rc;

	if (domid == 0)
		return ERROR_INVAL;
	if ((rc = sim_require_owner(domid, "unpause")) != 0)
		return rc;
	SIM_ENTER();
	rc = sim_op_launch(sim_op_new(ctx, "unpause", domid, ao_how),
	    unpause_start);
	SIM_LEAVE();
	return rc;
}

/* ---- shutdown and reboot requests ---- */

static void request_start(struct sim_op *op)
{
	struct sim_domain *d = sim_domain_find(op->domid);

	if (op->fault.kind == SIM_FAULT_HANG) {
		sim_op_wait_forever(op);
		return;
	}
	if (op->fault.kind != SIM_FAULT_NONE || d == NULL) {
		sim_log(XTL_ERROR, 0, op->domid, "guest didn't acknowledge "
		    "control request: %d", ERROR_FAIL);
		sim_op_quick(op, op_fail);
		return;
	}
	sim_domain_request(d, (int)op->number);
	sim_op_quick(op, op_ok);
}

static int request(libxl_ctx *ctx, uint32_t domid, int reason,
    const libxl_asyncop_how *ao_how)
{
	struct sim_domain *d;
	struct sim_op *op;
	int rc;

	if (domid == 0)
		return ERROR_INVAL;
	if ((rc = sim_require_owner(domid, "shutdown")) != 0)
		return rc;
	if ((d = sim_domain_find(domid)) == NULL || d->dying) {
		sim_log(XTL_ERROR, 0, domid, "unable to get domain type");
		return ERROR_FAIL;
	}
	SIM_ENTER();
	op = sim_op_new(ctx, reason == LIBXL_SHUTDOWN_REASON_REBOOT ?
	    "reboot" : "shutdown", domid, ao_how);
	op->number = reason;
	op->fault = sim_fault_take(SIM_FAULT_SHUTDOWN, d);
	rc = sim_op_launch(op, request_start);
	SIM_LEAVE();
	return rc;
}

int libxl_domain_shutdown(libxl_ctx *ctx, uint32_t domid,
    const libxl_asyncop_how *ao_how)
{
	return request(ctx, domid, LIBXL_SHUTDOWN_REASON_POWEROFF, ao_how);
}

int libxl_domain_reboot(libxl_ctx *ctx, uint32_t domid,
    const libxl_asyncop_how *ao_how)
{
	return request(ctx, domid, LIBXL_SHUTDOWN_REASON_REBOOT, ao_how);
}

/* ---- destroy ---- */

static void destroy_done(struct sim_op *op)
{
	struct sim_domain *d = sim_domain_find(op->domid);

	if (d != NULL)
		sim_domain_remove(d);
	sim_op_complete(op, 0);
}

static void destroy_start(struct sim_op *op)
{
	struct sim_domain *d = sim_domain_find(op->domid);

	if (d == NULL) {
		/* libxl__destroy_domid (libxl_domain.c:1163-1172). */
		sim_log(XTL_ERROR, 0, op->domid, "Non-existant domain");
		sim_log(XTL_ERROR, 0, op->domid, "Destruction of domain failed");
		sim_op_complete(op, ERROR_DOMAIN_NOTFOUND);
		return;
	}
	sim_domain_set_dying(d);
	if (sim_destroyer_start(op, destroy_done) != 0)
		destroy_done(op);
}

int libxl_domain_destroy(libxl_ctx *ctx, uint32_t domid,
    const libxl_asyncop_how *ao_how)
{
	int rc;

	if (domid == 0)
		return ERROR_INVAL;
	if ((rc = sim_require_owner(domid, "destroy")) != 0)
		return rc;
	SIM_ENTER();
	/* Not abortable: destroy always runs to its end. */
	rc = sim_op_launch(sim_op_new(ctx, "destroy", domid, ao_how),
	    destroy_start);
	SIM_LEAVE();
	return rc;
}

/* ---- core dump: synchronous inside the call (libxl_domain.c:594) ---- */

static void dump_start(struct sim_op *op)
{
	struct sim_domain *d = sim_domain_find(op->domid);

	if (d == NULL) {
		sim_log(XTL_ERROR, ESRCH, op->domid,
		    "Core dumping domain to %s", op->text);
		sim_op_complete(op, ERROR_FAIL);
		return;
	}
	sim_op_complete(op, sim_core_dump_write(op->text, d,
	    sim_host.settings.dump_mib_s, sim_fault_take(SIM_FAULT_DUMP, d)));
}

int libxl_domain_core_dump(libxl_ctx *ctx, uint32_t domid, const char *filename,
    const libxl_asyncop_how *ao_how)
{
	struct sim_op *op;
	int rc;

	if (domid == 0 || filename == NULL)
		return ERROR_INVAL;
	sim_sync();
	SIM_ENTER();
	op = sim_op_new(ctx, "core-dump", domid, ao_how);
	op->async = false;	/* never waits: completes in here */
	op->text = strdup(filename);
	rc = sim_op_launch(op, dump_start);
	SIM_LEAVE();
	return rc;
}

/* ---- retrieve the configuration ---- */

static void retrieve_done(struct sim_op *op)
{
	struct sim_domain *d = sim_domain_find(op->domid);

	if (d == NULL || libxl_domain_config_from_json(op->ctx, op->d_config,
	    d->config) != 0) {
		sim_log(XTL_ERROR, 0, op->domid,
		    "unable to retrieve domain configuration");
		sim_op_complete(op, ERROR_FAIL);
		return;
	}
	sim_op_complete(op, 0);
}

static void retrieve_start(struct sim_op *op)
{
	if (sim_domain_find(op->domid) == NULL) {
		retrieve_done(op);
		return;
	}
	sim_op_quick(op, retrieve_done);
}

int libxl_retrieve_domain_configuration(libxl_ctx *ctx, uint32_t domid,
    libxl_domain_config *d_config, const libxl_asyncop_how *ao_how)
{
	struct sim_op *op;
	int rc;

	if (domid == 0 || d_config == NULL)
		return ERROR_INVAL;
	sim_sync();
	SIM_ENTER();
	op = sim_op_new(ctx, "retrieve-config", domid, ao_how);
	op->d_config = d_config;
	rc = sim_op_launch(op, retrieve_start);
	SIM_LEAVE();
	return rc;
}
