/* libxenlight-sim: the simulated Xen host, injected by symbol interposition.
 *
 * The real libxl_ctx_alloc runs against fake xc/xs handles (handles.c), so
 * the application gets a real ctx and the real IDL helpers; the operations
 * that would reach the hypervisor are replaced by the functions in ops-*.c
 * and query.c, which follow libxl's ao/osevent/childproc contract exactly:
 * every wait goes through the application's hooks (osevent.c), completions
 * are queued on an "egc" (app.c) and delivered when the outermost libxl
 * entry point returns, children are reaped from
 * libxl_childproc_sigchld_occurred (hooks.c).
 *
 * Internal names are hidden by sim/sim.map: only libxl_*, xc_*, xs_* and
 * xenstat_* leave the shared object. */
#ifndef SIM_SIM_H
#define SIM_SIM_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include <json-c/json.h>

#include "daemon/xl-compat.h"
#include <uthash.h>

#include "proto/schema.h"
#include "sim/log.h"

#define SIM_DOMID_LIMIT		0x7ff0	/* DOMID_FIRST_RESERVED */
#define SIM_MAX_CPUS		512
#define SIM_CPUMAP_BYTES	(SIM_MAX_CPUS / 8)
#define SIM_MAX_VCPUS		512
#define SIM_DOM0_MEMKB		(1024 * 1024ULL)
#define SIM_DOM0_VCPUS		2
#define SIM_NODES		2
#define SIM_QUICK_MS		1	/* a "quick" op that is not inline */

/* ---- settings and faults (state.c, faults.c) ---- */

struct sim_settings {
	int64_t save_mib_s;
	int64_t restore_mib_s;
	int64_t dump_mib_s;
	int64_t migrate_mib_s;
	int64_t create_ms;
	int64_t build_ms;	/* the calling thread blocks, as libxl does */
	int64_t shutdown_ms;
	int64_t suspend_timeout_ms;
	int64_t host_memory_mib;
	int64_t host_cpus;
	int64_t pci_devices;	/* fake PCI devices on the host (ops-pci.c) */
	bool inline_ops;
};

enum sim_fault_op {
	SIM_FAULT_SAVE,
	SIM_FAULT_RESTORE,
	SIM_FAULT_CREATE,
	SIM_FAULT_DUMP,
	SIM_FAULT_MIGRATE,
	SIM_FAULT_DEVICE,
	SIM_FAULT_SHUTDOWN,
	SIM_FAULT_OP_COUNT
};

enum sim_fault_kind {
	SIM_FAULT_NONE,
	SIM_FAULT_FAIL,
	SIM_FAULT_IO_ERROR,
	SIM_FAULT_HELPER_CRASH,
	SIM_FAULT_HANG,
	SIM_FAULT_KIND_COUNT
};

struct sim_fault {
	struct sim_fault *next;
	int id;
	enum sim_fault_op op;
	enum sim_fault_kind kind;
	char *domain;		/* name or decimal domid; NULL: any */
	uint64_t after_bytes;
	bool once;
};

/* What an op takes away from a matching fault when it starts. */
struct sim_fault_hit {
	enum sim_fault_kind kind;	/* SIM_FAULT_NONE: no fault */
	uint64_t after_bytes;
};

extern const char *const sim_fault_op_names[SIM_FAULT_OP_COUNT];
extern const char *const sim_fault_kind_names[SIM_FAULT_KIND_COUNT];

struct sim_domain;
struct sim_fault_hit sim_fault_take(enum sim_fault_op op,
    const struct sim_domain *d);
struct sim_fault *sim_fault_add(enum sim_fault_op op, enum sim_fault_kind kind,
    const char *domain, uint64_t after_bytes, bool once);
void sim_fault_clear(void);
void sim_fault_free_list(struct sim_fault *list);

/* ---- the host and its domains (state.c, shared.c, domain.c) ---- */

struct sim_domain {
	uint32_t domid;
	char *name;
	libxl_uuid uuid;
	libxl_domain_type type;
	bool complete;		/* false: half-built (create/restore running) */
	bool local;		/* built by this process: it may write it */
	int pause_count;	/* the toolstack's pause count, as in Xen */
	bool shutdown;
	int shutdown_reason;	/* LIBXL_SHUTDOWN_REASON_* */
	bool dying;
	uint64_t max_memkb;
	uint64_t target_memkb;
	int max_vcpus;
	uint8_t *online;	/* bitmap, max_vcpus bits */
	uint8_t *affinity;	/* max_vcpus hard affinity maps */
	uint8_t *soft_affinity;	/* max_vcpus soft affinity maps */
	uint32_t poolid;	/* from the config's c_info.poolid */
	int sched_weight;
	int sched_cap;

	/* The guest. */
	uint64_t seed;
	uint32_t boot_count;
	uint64_t uptime_ms;	/* guest uptime, as of since_ms */
	uint64_t run_ms;	/* this domain's running time, as of since_ms */
	uint64_t *vcpu_ns;	/* per-vcpu cpu time, as of since_ms */
	int64_t since_ms;	/* wall clock the counters were folded at */
	bool ignore_shutdown;
	bool ignore_suspend;
	int pending_reason;	/* -1, or the reason the guest will shut down */
	int64_t pending_at_ms;

	char *config;		/* libxl JSON of the libxl_domain_config */
	int num_disks;
	int *disk_devids;
	int num_nics;
	int *nic_devids;

	UT_hash_handle hh;	/* by domid */
	UT_hash_handle hh_name;	/* by name */
};

/* Shared by every process on the run directory, mapped from
 * <statedir>/generations (see shared.c). */
struct sim_shared {
	uint64_t gen;				/* bumped by every change */
	uint64_t host;				/* gen of host.json's */
	uint64_t domain[SIM_DOMID_LIMIT];	/* gen of domain-<id>.json's */
};

struct sim_host {
	bool loaded;
	bool owner;		/* serves the control socket, runs every op */
	pid_t owner_pid;
	char *rundir;
	char *statedir;
	int lock_fd;		/* the owner's lock */
	struct sim_shared *shared;
	int shared_fd;		/* flocked around every change */
	int lock_depth;
	uint64_t seen;		/* shared->gen as of our last look */
	uint64_t seen_host;	/* shared->host as of our last host.json read */
	struct sim_settings settings;
	struct sim_fault *faults;
	int next_fault_id;
	uint32_t next_domid;
	int64_t created_ms;
	uint64_t used_memkb;	/* sum of the guests' memory (not dom0) */
	struct sim_domain *by_id;
	struct sim_domain *by_name;
	bool needs_sort;
	bool maybe_pending;	/* some guest may have a shutdown pending */
	/* Host state of ops-pci.c and ops-cpupool.c, kept in host.json as
	 * they are: NULL until something changed. */
	json_object *pci_assignable;	/* array of BDF strings */
	json_object *cpupools;		/* array of pool objects */
};

extern struct sim_host sim_host;

/* The host in memory, as it is: nothing here loads it (state.c). */
bool sim_is_owner(void);
void sim_settings_default(struct sim_settings *s);
int64_t sim_now_ms(void);
void sim_uuid_string(const libxl_uuid *uuid, char out[37]);
uint64_t sim_random64(void);
int sim_vdev_devid(const char *vdev);	/* -1: not a disk name */
/* Forgets the host state of ops-pci.c and ops-cpupool.c. */
void sim_host_reset_devices(void);

struct sim_domain *sim_domain_alloc(int max_vcpus);
void sim_domain_insert(struct sim_domain *d);
void sim_domain_free(struct sim_domain *d);
struct sim_domain *sim_domain_named(const char *name);
/* Out of this process's view only (its file is gone already). */
void sim_domain_drop(struct sim_domain *d);
void sim_domain_set_config(struct sim_domain *d, const char *config_json);
void sim_domain_set_target(struct sim_domain *d, uint64_t target_memkb);
void sim_domain_rename(struct sim_domain *d, const char *name);

bool sim_domain_running(const struct sim_domain *d);
void sim_domain_fold(struct sim_domain *d, int64_t now);
uint64_t sim_domain_uptime_ms(const struct sim_domain *d, int64_t now);
uint64_t sim_domain_run_ms(const struct sim_domain *d, int64_t now);
uint64_t sim_domain_vcpu_ns(const struct sim_domain *d, int vcpu,
    int64_t now);
uint64_t sim_domain_cpu_ns(const struct sim_domain *d, int64_t now);
int sim_domain_online_count(const struct sim_domain *d);
bool sim_domain_vcpu_online(const struct sim_domain *d, int vcpu);
const char *sim_domain_state_name(const struct sim_domain *d);
void sim_domain_guest_state(const struct sim_domain *d, char out[17]);

/* Who watches the domains from above the state (the death watch in
 * events.c, the ops in flight in ops.c) registers once, when it first has
 * something to watch; before that, what it would do is nothing. */
struct sim_domain_watch {
	struct sim_domain_watch *next;
	bool listening;
	void (*changed)(void);	/* a domain changed, came or went */
	void (*pending)(void);	/* a guest will shut down by itself */
	void (*gone)(uint32_t domid);	/* out of this process's view */
};
void sim_domain_watch(struct sim_domain_watch *w);
void sim_domains_changed(void);
void sim_domains_pending(void);

/* ---- state files: their JSON, and reading them (persist.c) ---- */

char *sim_persist_path(const char *leaf);
char *sim_persist_domain_path(uint32_t domid);
int sim_persist_mkdir(const char *path);
void sim_persist_write(const char *path, json_object *obj);
json_object *sim_persist_host_json(void);
json_object *sim_persist_domain_json(const struct sim_domain *d);
json_object *sim_settings_json(const struct sim_settings *s);
json_object *sim_fault_json(const struct sim_fault *f);
void sim_persist_load_host(void);
void sim_persist_load_domains(void);
void sim_persist_reload_domain(uint32_t domid);

/* ---- the host shared between processes (shared.c) ---- */

void sim_state_load(void);
void sim_state_reload(void);
/* Every change of shared state, read-modify-write included, runs between
 * sim_lock and sim_unlock (they nest); sim_lock reads host.json again if
 * another process changed it. */
void sim_lock(void);
void sim_unlock(void);
/* Under the lock, before a state file changes. */
void sim_state_changed(uint64_t *slot);
/* Picks up what other processes changed (cheap when nothing did).  May
 * replace or free domains: only where no struct sim_domain is held, at
 * the top of the exported functions. */
void sim_sync(void);
void sim_state_become_owner(void);
void sim_host_save(void);
void sim_domain_save(struct sim_domain *d);
/* Its file goes: Xen destroys it, whether or not we live to see it. */
void sim_domain_forget(struct sim_domain *d);

/* ---- the domains' life (domain.c) ---- */

struct sim_domain *sim_domain_find(uint32_t domid);
struct sim_domain *sim_domain_by_name(const char *name);
struct sim_domain *sim_domain_lookup(const char *text);
int sim_domain_count(void);
struct sim_domain *sim_domain_first(void);	/* ascending domid */
uint64_t sim_free_memkb(void);
uint64_t sim_host_memkb(void);

struct sim_domain *sim_domain_new(const char *name, const libxl_uuid *uuid,
    libxl_domain_type type, uint64_t max_memkb, uint64_t target_memkb,
    int max_vcpus, const libxl_bitmap *online, const char *config);
void sim_domain_remove(struct sim_domain *d);
void sim_domain_refresh(struct sim_domain *d, int64_t now);
void sim_domain_pause(struct sim_domain *d);
void sim_domain_unpause(struct sim_domain *d);
void sim_domain_shutdown(struct sim_domain *d, int reason, int64_t at);
void sim_domain_resume(struct sim_domain *d);
void sim_domain_set_dying(struct sim_domain *d);
void sim_domain_request(struct sim_domain *d, int reason);
void sim_domain_set_vcpus(struct sim_domain *d, const uint8_t *online);

/* ---- the application (app.c) and its osevent hooks (osevent.c) ---- */

enum sim_reg_kind {
	SIM_REG_CONTROL_LISTEN,
	SIM_REG_CONTROL_CONN,
	SIM_REG_EVENTS,
	SIM_REG_OP_PIPE,
	SIM_REG_OP_TIMER,
	SIM_REG_GUEST_TIMER,
};

struct sim_reg;

/* The stream children stand for libxl's save helper, whose comm the kernel
 * makes "libxl-save-help" (15 characters of its name): the daemon tells
 * its streaming children apart by it. */
#define SIM_SAVE_HELPER_NAME "libxl-save-help"

struct sim_app {
	libxl_ctx *ctx;
	const libxl_osevent_hooks *hooks;
	void *hooks_user;
	const libxl_event_hooks *ev_hooks;
	void *ev_user;
	const libxl_childproc_hooks *child_hooks;
	void *child_user;
	bool freed;		/* libxl_ctx_free ran */
};

extern struct sim_app sim_app;

bool sim_have_hooks(void);

/* What a registration calls when the application reports it, inside
 * libxl_osevent_occurred_* (an egc is open). */
typedef void sim_fd_ready_fn(void *obj, short revents);
typedef void sim_timer_fn(void *obj);

int sim_fd_register(struct sim_reg **out, enum sim_reg_kind kind, int fd,
    short events, sim_fd_ready_fn *ready, void *obj);
int sim_fd_modify(struct sim_reg *reg, short events);
void sim_fd_deregister(struct sim_reg *reg);
int sim_timer_register(struct sim_reg **out, enum sim_reg_kind kind,
    int64_t delay_ms, sim_timer_fn *fired, void *obj);
void sim_timer_cancel(struct sim_reg *reg);
int sim_live_fds(void);
int sim_live_timers(void);
/* Real libxl's registrations go through these, to be counted. */
extern const libxl_osevent_hooks sim_real_libxl_hooks;
/* libxl asserts that its entry points are not called from a hook. */
void sim_check_not_in_hook(const char *fn);

/* The "egc": completions and events are queued while a libxl entry point
 * runs and delivered when the outermost one returns, as libxl does. */
struct sim_deferred;
enum { SIM_EGC_EVENTS, SIM_EGC_PROGRESS, SIM_EGC_AOS, SIM_EGC_QUEUES };
struct sim_egc {
	struct sim_deferred *head[SIM_EGC_QUEUES];
	struct sim_deferred **tail[SIM_EGC_QUEUES];
	struct sim_egc *outer;
};
void sim_egc_enter(struct sim_egc *egc);
void sim_egc_leave(struct sim_egc *egc);
void sim_egc_ao_done(libxl_ctx *ctx, const libxl_asyncop_how *how,
    uint32_t domid, int rc);
void sim_egc_event(libxl_ctx *ctx, libxl_event *ev);
void sim_egc_progress(libxl_ctx *ctx, const libxl_asyncprogress_how *how,
    libxl_event *ev);

#define SIM_ENTER()	struct sim_egc sim_egc_; sim_egc_enter(&sim_egc_)
#define SIM_LEAVE()	sim_egc_leave(&sim_egc_)

#define SIM_REAL(fn)	((__typeof__(&fn))sim_real(#fn))

/* ---- operations (ops.c) ---- */

struct sim_op;
typedef void sim_op_fn(struct sim_op *op);

struct sim_op {
	struct sim_op *next;
	const char *what;
	libxl_ctx *ctx;
	libxl_asyncop_how how;
	bool notify;		/* the caller gave an ao_how */
	bool async;		/* waits go through the application's hooks */
	bool done;
	bool aborting;
	bool abortable;
	bool kill_on_gone;	/* the child works on the domain's memory */
	bool domain_gone;
	int rc;
	uint32_t domid;

	struct sim_reg *timer;
	bool timer_pending;
	struct timespec deadline;	/* synchronous ops */
	sim_op_fn *on_timer;
	bool forever;

	pid_t pid;			/* live child, or 0 */
	pid_t child_pid;		/* the last child, for messages */
	bool reaped;			/* waited for, not yet handled */
	int wstatus;
	int pipe_fd;			/* child -> parent messages */
	struct sim_reg *pipe_reg;
	int go_fd;			/* parent -> child */
	unsigned char msg[128];
	size_t msg_len;
	sim_op_fn *on_message;		/* a complete message is in msg */
	sim_op_fn *on_child;		/* the child was reaped */
	sim_op_fn *on_abort;		/* timer/forever op cut short */

	/* Results and op-specific state. */
	uint32_t *domid_out;
	uint32_t result_domid;
	libxl_asyncprogress_how console_how;
	bool has_console;
	struct sim_fault_hit fault;
	int fd;			/* the caller's stream fd */
	int fd_flags;		/* its flags, restored at completion */
	bool fd_flags_saved;
	bool live;
	bool timed_out;
	int child_errno;
	libxl_domain_config *d_config;
	struct sim_stream_info *stream_info;	/* what a restore helper read */
	char *text;
	int64_t number;
	void *data;
	void (*free_data)(void *data);
};

extern struct sim_op *sim_ops;

struct sim_op *sim_op_new(libxl_ctx *ctx, const char *what, uint32_t domid,
    const libxl_asyncop_how *how);
int sim_op_launch(struct sim_op *op, sim_op_fn *start);
void sim_op_complete(struct sim_op *op, int rc);
void sim_op_wait_ms(struct sim_op *op, int64_t ms, sim_op_fn *on_timer);
void sim_op_wait_forever(struct sim_op *op);
void sim_op_quick(struct sim_op *op, sim_op_fn *finish);
void sim_op_watch_child(struct sim_op *op, pid_t pid, int pipe_fd,
    int go_fd);
void sim_ops_reap(void);
bool sim_ops_reaped(pid_t pid, int status);
int sim_ops_count(void);
bool sim_want_inline(void);
int sim_require_owner(uint32_t domid, const char *what);

/* Forks a child that keeps only the listed fds (renumbered from 3 in
 * order), with default signal handling and PR_SET_PDEATHSIG.  Returns the
 * pid in the parent, 0 in the child, -1 on failure. */
pid_t sim_fork_child(int *fds, int nfds);
int sim_count_children(void);

/* ---- shared helpers of the ops (ops-domain.c) ---- */

int sim_destroyer_start(struct sim_op *op, sim_op_fn *on_child);

/* ---- PCI devices and CPU pools (ops-pci.c, ops-cpupool.c) ---- */

/* A new domain's configuration: its PCI devices are assignable and no
 * domain's, its pool exists.  0, or the libxl error (logged). */
int sim_pci_check_config(libxl_ctx *ctx, const char *config_json);
int sim_cpupool_check_config(const char *config_json);

/* ---- streams (stream.c) ---- */

struct sim_stream_info {
	libxl_uuid uuid;
	uint64_t memory_kib;
	uint64_t seed;
	uint32_t boot_count;
	uint64_t uptime_ms;
	uint32_t domid;
	bool live;
};

enum sim_msg {
	SIM_MSG_MEMORY_DONE = 'M',	/* save: waiting for the final part */
	SIM_MSG_HEADER = 'H',		/* restore: verified stream info */
	SIM_MSG_ERROR = 'E',		/* errno + text */
};

void sim_stream_write_child(int fd, int msg_fd, int go_fd,
    const struct sim_stream_info *info, int64_t mib_s,
    struct sim_fault_hit fault) __attribute__((noreturn));
void sim_stream_read_child(int fd, int msg_fd, int64_t mib_s,
    struct sim_fault_hit fault) __attribute__((noreturn));
size_t sim_msg_size(const unsigned char *msg, size_t len);
int sim_core_dump_write(const char *path, const struct sim_domain *d,
    int64_t mib_s, struct sim_fault_hit fault);
void sim_filler(uint64_t seed, uint64_t offset, void *buf, size_t len);

/* ---- events (events.c) ---- */

void sim_events_ctx_free(void);
int sim_events_watchers(void);

/* ---- the control socket (control.c) ---- */

void sim_control_start(void);
void sim_control_stop(void);

#endif
