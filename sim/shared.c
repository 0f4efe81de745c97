/* The simulated host, shared: its state outlives the process, as Xen's
 * does, in the state files (persist.c), and several processes use it at
 * once.  The process that registered osevent hooks and holds sim/lock
 * owns the host: it serves the control socket and runs every operation.
 * Other processes (the daemon's build helpers) create and restore domains
 * too, so every change of the state files is made under an flock, and
 * every process picks up what the others changed (see "sharing" below).
 * The owning process writes every domain; another one only the domains it
 * built. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim/sim.h"

/* ---- sharing the host between processes ----
 *
 * <statedir>/generations is mapped by every process: a counter bumped by
 * every change of a state file and, per file, the counter's value at its
 * last change.  Changes happen under an flock of that file.  A process
 * remembers the counter as of its last look: when it differs, the files
 * changed since are read again; when not (the common case), looking cost
 * one memory load.  A change is counted before the file is written, so
 * that a process killed in between still makes the others look. */

static struct sim_shared *shared_open(void)
{
	struct sim_shared *map = MAP_FAILED;
	char *path = sim_persist_path("generations");
	struct stat st;
	int fd;

	sim_persist_mkdir(sim_host.statedir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd >= 0 && fstat(fd, &st) == 0 &&
	    (st.st_size >= (off_t)sizeof *map ||
	    ftruncate(fd, sizeof *map) == 0))
		map = mmap(NULL, sizeof *map, PROT_READ | PROT_WRITE,
		    MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		/* alone, then: nobody else can share an unwritable host */
		fprintf(stderr, "libxenlight-sim: cannot map %s: %s; changes "
		    "of other processes stay unseen\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		fd = -1;
		map = calloc(1, sizeof *map);
		if (map == NULL)
			sim_fatal("out of memory");
	}
	free(path);
	sim_host.shared_fd = fd;
	return map;
}

static void lock_acquire(void)
{
	if (sim_host.lock_depth++ > 0 || sim_host.shared_fd < 0)
		return;
	while (flock(sim_host.shared_fd, LOCK_EX) < 0 && errno == EINTR)
		;
}

void sim_lock(void)
{
	bool first = sim_host.lock_depth == 0;

	sim_state_load();
	lock_acquire();
	if (first && sim_host.shared->host != sim_host.seen_host) {
		sim_persist_load_host();
		sim_host.seen_host = sim_host.shared->host;
	}
}

void sim_unlock(void)
{
	if (--sim_host.lock_depth > 0 || sim_host.shared_fd < 0)
		return;
	flock(sim_host.shared_fd, LOCK_UN);
}

void sim_state_changed(uint64_t *slot)
{
	struct sim_shared *sh = sim_host.shared;
	uint64_t old = sh->gen;

	if (sim_host.lock_depth == 0)
		sim_fatal("internal: state changed without the lock");
	*slot = old + 1;
	__atomic_store_n(&sh->gen, old + 1, __ATOMIC_RELEASE);
	/* our own change needs no second look, unless others changed
	 * something since our last one */
	if (sim_host.seen == old)
		sim_host.seen = old + 1;
}

void sim_sync(void)
{
	struct sim_shared *sh;
	uint64_t gen;

	sim_state_load();
	sh = sim_host.shared;
	if (__atomic_load_n(&sh->gen, __ATOMIC_ACQUIRE) == sim_host.seen)
		return;
	sim_lock();
	gen = sh->gen;
	for (uint32_t domid = 1; domid < SIM_DOMID_LIMIT; domid++)
		if (sh->domain[domid] > sim_host.seen)
			sim_persist_reload_domain(domid);
	sim_host.seen = gen;
	sim_unlock();
}

/* ---- loading ---- */

static void add_dom0(void)
{
	struct sim_domain *d = sim_domain_alloc(SIM_DOM0_VCPUS);
	char config[256];

	d->domid = 0;
	d->name = strdup("Domain-0");
	d->type = LIBXL_DOMAIN_TYPE_PV;
	d->complete = true;
	d->max_memkb = d->target_memkb = SIM_DOM0_MEMKB;
	d->online[0] = (1u << SIM_DOM0_VCPUS) - 1;
	d->boot_count = 1;
	d->since_ms = sim_host.created_ms;
	snprintf(config, sizeof config, "{\"c_info\":{\"type\":\"pv\","
	    "\"name\":\"Domain-0\"},\"b_info\":{\"max_vcpus\":%d,"
	    "\"max_memkb\":%llu,\"target_memkb\":%llu}}", SIM_DOM0_VCPUS,
	    SIM_DOM0_MEMKB, SIM_DOM0_MEMKB);
	sim_domain_set_config(d, config);
	sim_domain_insert(d);
}

static void state_clear(void)
{
	struct sim_domain *d, *tmp;

	HASH_ITER(hh, sim_host.by_id, d, tmp) {
		HASH_DELETE(hh, sim_host.by_id, d);
		HASH_DELETE(hh_name, sim_host.by_name, d);
		sim_domain_free(d);
	}
	sim_fault_free_list(sim_host.faults);
	sim_host.faults = NULL;
	sim_host_reset_devices();
	sim_host.used_memkb = 0;
	sim_host.loaded = false;
}

void sim_state_load(void)
{
	const char *rundir;

	if (sim_host.loaded)
		return;
	if (sim_host.statedir == NULL) {
		rundir = getenv("XENLIGHTD_SIM_RUNDIR");
		if (rundir == NULL || rundir[0] == '\0')
			rundir = "/run/xenlightd";
		sim_host.rundir = strdup(rundir);
		if (asprintf(&sim_host.statedir, "%s/sim", rundir) < 0)
			sim_fatal("out of memory");
	}
	sim_host.loaded = true;
	if (sim_host.shared == NULL)
		sim_host.shared = shared_open();
	/* a consistent view: nobody changes anything while we read */
	lock_acquire();
	sim_host.seen = sim_host.shared->gen;
	sim_host.seen_host = sim_host.shared->host;
	sim_persist_load_host();
	add_dom0();
	sim_persist_load_domains();
	sim_unlock();
	sim_host.needs_sort = true;
	sim_trace("loaded %d domains from %s",
	    (int)HASH_CNT(hh, sim_host.by_id), sim_host.statedir);
}

void sim_state_reload(void)
{
	state_clear();
	sim_state_load();
}

/* The process that registers osevent hooks owns the host: it serves the
 * control socket and runs every operation.  A second such process on the
 * same run directory only reads, and creates or restores domains, as the
 * daemon's build helpers do. */
void sim_state_become_owner(void)
{
	char *path;

	if (sim_is_owner())
		return;
	sim_state_load();
	if (sim_persist_mkdir(sim_host.statedir) < 0) {
		fprintf(stderr, "libxenlight-sim: cannot create %s: %s\n",
		    sim_host.statedir, strerror(errno));
		return;
	}
	/* a record lock: this process's own, never held by a child forked
	 * from it (an flock would be, through the inherited fd) */
	path = sim_persist_path("lock");
	sim_host.lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	free(path);
	if (sim_host.lock_fd < 0 ||
	    fcntl(sim_host.lock_fd, F_SETLK, &(struct flock){ .l_type = F_WRLCK,
	    .l_whence = SEEK_SET }) < 0) {
		fprintf(stderr, "libxenlight-sim: another process owns the "
		    "simulated host in %s; this one is read-only\n",
		    sim_host.statedir);
		if (sim_host.lock_fd >= 0)
			close(sim_host.lock_fd);
		sim_host.lock_fd = -1;
		return;
	}
	sim_host.owner = true;
	sim_host.owner_pid = getpid();
	/* What we read before holding the lock may be stale. */
	sim_state_reload();
	sim_host_save();
}

__attribute__((destructor)) static void state_exit(void)
{
	state_clear();
	free(sim_host.rundir);
	free(sim_host.statedir);
	sim_host.rundir = sim_host.statedir = NULL;
}

/* ---- saving ---- */

static bool may_write(const struct sim_domain *d)
{
	return sim_is_owner() || d->local;
}

void sim_domain_forget(struct sim_domain *d)
{
	char *path;

	if (!may_write(d))
		return;
	path = sim_persist_domain_path(d->domid);
	sim_lock();
	sim_state_changed(&sim_host.shared->domain[d->domid]);
	unlink(path);
	sim_unlock();
	free(path);
}

void sim_host_save(void)
{
	/* made before the lock, which may read host.json again */
	json_object *o = sim_persist_host_json();
	char *path = sim_persist_path("host.json");

	sim_lock();
	sim_state_changed(&sim_host.shared->host);
	sim_host.seen_host = sim_host.shared->host;
	sim_persist_write(path, o);
	sim_unlock();
	free(path);
	json_object_put(o);
}

void sim_domain_save(struct sim_domain *d)
{
	json_object *o;
	char *path;

	if (d->domid == 0 || d->dying || !may_write(d))
		return;
	o = sim_persist_domain_json(d);
	path = sim_persist_domain_path(d->domid);
	sim_lock();
	sim_state_changed(&sim_host.shared->domain[d->domid]);
	sim_persist_write(path, o);
	sim_unlock();
	free(path);
	json_object_put(o);
}
