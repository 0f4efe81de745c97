/* The simulated host: settings, domains and their guests.  The state
 * outlives the process, as Xen's does (persist.c writes it).  The process
 * that registered osevent hooks and holds sim/lock owns the host: it
 * serves the control socket and runs every operation.  Other processes
 * (the daemon's build helpers) create and restore domains too, so every
 * change of the state files is made under an flock, and every process
 * picks up what the others changed (see "sharing" below).  Guest counters
 * are kept as "value as of since_ms" plus wall-clock time, so that a
 * running guest keeps running, and counting, while no process exists. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim/sim.h"

struct sim_host sim_host = { .lock_fd = -1, .shared_fd = -1 };

#define VCPU_LOAD_NS_PER_MS	250000	/* each online vcpu: 25% busy */

int64_t sim_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

uint64_t sim_random64(void)
{
	uint64_t v = 0;

	if (getrandom(&v, sizeof v, 0) != sizeof v)
		v = (uint64_t)sim_now_ms() * 0x9e3779b97f4a7c15ULL ^ getpid();
	return v;
}

void sim_uuid_string(const libxl_uuid *uuid, char out[37])
{
	const uint8_t *b = libxl_uuid_bytearray_const(uuid);

	snprintf(out, 37, LIBXL_UUID_FMT, b[0], b[1], b[2], b[3], b[4], b[5],
	    b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

void sim_settings_default(struct sim_settings *s)
{
	s->save_mib_s = 1024;
	s->restore_mib_s = 1024;
	s->dump_mib_s = 1024;
	s->migrate_mib_s = 1024;
	s->create_ms = 50;
	s->build_ms = 0;
	s->shutdown_ms = 50;
	s->suspend_timeout_ms = 2000;
	s->host_memory_mib = 16384;
	s->host_cpus = 8;
	s->pci_devices = 4;
	s->inline_ops = false;
}




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

/* ---- domains: the hash tables ---- */

static int cmp_domid(struct sim_domain *a, struct sim_domain *b)
{
	return a->domid < b->domid ? -1 : a->domid > b->domid;
}

void sim_domain_insert(struct sim_domain *d)
{
	struct sim_domain *last = sim_host.by_id != NULL ?
	    ELMT_FROM_HH(sim_host.by_id->hh.tbl, sim_host.by_id->hh.tbl->tail) :
	    NULL;

	if (last != NULL && last->domid > d->domid)
		sim_host.needs_sort = true;
	HASH_ADD(hh, sim_host.by_id, domid, sizeof d->domid, d);
	HASH_ADD_KEYPTR(hh_name, sim_host.by_name, d->name, strlen(d->name),
	    d);
}

void sim_domain_free(struct sim_domain *d)
{
	free(d->name);
	free(d->online);
	free(d->affinity);
	free(d->soft_affinity);
	free(d->vcpu_ns);
	free(d->config);
	free(d->disk_devids);
	free(d->nic_devids);
	free(d);
}

struct sim_domain *sim_domain_first(void)
{
	sim_state_load();
	if (sim_host.needs_sort) {
		HASH_SRT(hh, sim_host.by_id, cmp_domid);
		sim_host.needs_sort = false;
	}
	return sim_host.by_id;
}

int sim_domain_count(void)
{
	sim_state_load();
	return (int)HASH_CNT(hh, sim_host.by_id);
}

struct sim_domain *sim_domain_find(uint32_t domid)
{
	struct sim_domain *d;

	sim_state_load();
	HASH_FIND(hh, sim_host.by_id, &domid, sizeof domid, d);
	if (d != NULL && d->pending_reason >= 0)
		sim_domain_refresh(d, sim_now_ms());
	return d;
}

struct sim_domain *sim_domain_by_name(const char *name)
{
	struct sim_domain *d;

	sim_state_load();
	if (name == NULL)
		return NULL;
	HASH_FIND(hh_name, sim_host.by_name, name, strlen(name), d);
	return d;
}

struct sim_domain *sim_domain_lookup(const char *text)
{
	char *end;
	unsigned long v;
	libxl_uuid uuid;

	if (text[0] != '\0' && strspn(text, "0123456789") == strlen(text)) {
		errno = 0;
		v = strtoul(text, &end, 10);
		return errno == 0 && v < SIM_DOMID_LIMIT ?
		    sim_domain_find((uint32_t)v) : NULL;
	}
	if (strlen(text) == 36 && libxl_uuid_from_string(&uuid, text) == 0) {
		for (struct sim_domain *d = sim_domain_first(); d != NULL;
		    d = d->hh.next)
			if (libxl_uuid_compare(&d->uuid, &uuid) == 0)
				return d;
		return NULL;
	}
	return sim_domain_by_name(text);
}

/* ---- domains: configuration ---- */

void sim_domain_set_config(struct sim_domain *d, const char *config_json)
{
	json_object *o = json_tokener_parse(config_json), *v;

	free(d->config);
	free(d->disk_devids);
	free(d->nic_devids);
	d->disk_devids = d->nic_devids = NULL;
	d->num_disks = d->num_nics = 0;
	if (o == NULL) {
		d->config = strdup(config_json);
		return;
	}
	d->config = strdup(json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_PLAIN));
	d->poolid = json_object_object_get_ex(o, "c_info", &v) ?
	    (uint32_t)arg_int(v, "poolid", 0) : 0;
	if (json_object_object_get_ex(o, "disks", &v) &&
	    json_object_is_type(v, json_type_array)) {
		size_t n = json_object_array_length(v);

		d->disk_devids = calloc(n + 1, sizeof(int));
		for (size_t i = 0; i < n; i++) {
			const char *vdev = arg_string(
			    json_object_array_get_idx(v, i), "vdev");

			d->disk_devids[d->num_disks++] =
			    vdev != NULL ? sim_vdev_devid(vdev) : -1;
		}
	}
	if (json_object_object_get_ex(o, "nics", &v) &&
	    json_object_is_type(v, json_type_array)) {
		size_t n = json_object_array_length(v);

		d->nic_devids = calloc(n + 1, sizeof(int));
		for (size_t i = 0; i < n; i++)
			d->nic_devids[d->num_nics++] = (int)arg_int(
			    json_object_array_get_idx(v, i), "devid", (int)i);
	}
	json_object_put(o);
}


struct sim_domain *sim_domain_alloc(int max_vcpus)
{
	struct sim_domain *d = calloc(1, sizeof *d);

	d->max_vcpus = max_vcpus;
	d->online = calloc((max_vcpus + 7) / 8 + 1, 1);
	d->affinity = malloc((size_t)max_vcpus * SIM_CPUMAP_BYTES);
	memset(d->affinity, 0xff, (size_t)max_vcpus * SIM_CPUMAP_BYTES);
	d->soft_affinity = malloc((size_t)max_vcpus * SIM_CPUMAP_BYTES);
	memset(d->soft_affinity, 0xff, (size_t)max_vcpus * SIM_CPUMAP_BYTES);
	d->vcpu_ns = calloc(max_vcpus, sizeof(uint64_t));
	d->shutdown_reason = LIBXL_SHUTDOWN_REASON_UNKNOWN;
	d->pending_reason = -1;
	d->sched_weight = 256;
	d->sched_cap = 0;
	return d;
}


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
	sim_pci_reset();
	sim_cpupool_reset();
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
	sim_trace("loaded %d domains from %s", sim_domain_count(),
	    sim_host.statedir);
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

/* A child forked (not exec'ed) from the owner inherits the flag but must
 * not write: only the process that took the lock owns the host. */
bool sim_is_owner(void)
{
	return sim_host.owner && sim_host.owner_pid == getpid();
}

/* ---- domains: life ---- */

uint64_t sim_host_memkb(void)
{
	sim_state_load();
	return (uint64_t)sim_host.settings.host_memory_mib * 1024;
}

uint64_t sim_free_memkb(void)
{
	uint64_t host = sim_host_memkb();
	uint64_t used = SIM_DOM0_MEMKB + sim_host.used_memkb;

	return host > used ? host - used : 0;
}

static uint32_t allocate_domid(void)
{
	uint32_t domid = sim_host.next_domid;

	for (int tries = 0; tries < SIM_DOMID_LIMIT; tries++) {
		struct sim_domain *d;

		if (domid == 0 || domid >= SIM_DOMID_LIMIT)
			domid = 1;
		HASH_FIND(hh, sim_host.by_id, &domid, sizeof domid, d);
		if (d == NULL) {
			sim_host.next_domid = domid + 1;
			return domid;
		}
		domid++;
	}
	return 0;
}

struct sim_domain *sim_domain_new(const char *name, const libxl_uuid *uuid,
    libxl_domain_type type, uint64_t max_memkb, uint64_t target_memkb,
    int max_vcpus, const libxl_bitmap *online, const char *config)
{
	struct sim_domain *d;
	uint32_t domid;

	sim_state_load();
	if ((domid = allocate_domid()) == 0)
		return NULL;
	d = sim_domain_alloc(max_vcpus);
	d->domid = domid;
	d->name = strdup(name);
	d->uuid = *uuid;
	d->type = type;
	d->complete = false;
	d->pause_count = 1;	/* libxl builds domains paused */
	d->max_memkb = max_memkb;
	d->target_memkb = target_memkb;
	for (int i = 0; i < max_vcpus; i++)
		if (online != NULL && libxl_bitmap_test(online, i))
			d->online[i / 8] |= 1u << (i % 8);
	d->seed = sim_random64();
	d->boot_count = 1;
	d->since_ms = sim_now_ms();
	d->local = true;
	sim_domain_set_config(d, config);
	sim_domain_insert(d);
	sim_host.used_memkb += target_memkb;
	sim_host_save();
	sim_domain_save(d);
	return d;
}

void sim_domain_drop(struct sim_domain *d)
{
	uint32_t domid = d->domid;

	HASH_DELETE(hh, sim_host.by_id, d);
	HASH_DELETE(hh_name, sim_host.by_name, d);
	sim_host.used_memkb -= d->target_memkb;
	sim_domain_free(d);
	sim_ops_domain_gone(domid);
	sim_events_kick();
}

void sim_domain_remove(struct sim_domain *d)
{
	if (!d->dying)
		sim_persist_forget(d);
	sim_domain_drop(d);
}

void sim_domain_set_target(struct sim_domain *d, uint64_t target_memkb)
{
	sim_host.used_memkb -= d->target_memkb;
	d->target_memkb = target_memkb;
	sim_host.used_memkb += target_memkb;
}

void sim_domain_rename(struct sim_domain *d, const char *name)
{
	HASH_DELETE(hh_name, sim_host.by_name, d);
	free(d->name);
	d->name = strdup(name);
	HASH_ADD_KEYPTR(hh_name, sim_host.by_name, d->name, strlen(d->name),
	    d);
}

bool sim_domain_running(const struct sim_domain *d)
{
	return d->pause_count == 0 && !d->shutdown && !d->dying;
}

bool sim_domain_vcpu_online(const struct sim_domain *d, int vcpu)
{
	return vcpu >= 0 && vcpu < d->max_vcpus &&
	    (d->online[vcpu / 8] & (1u << (vcpu % 8))) != 0;
}

int sim_domain_online_count(const struct sim_domain *d)
{
	int n = 0;

	for (int i = 0; i < d->max_vcpus; i++)
		n += sim_domain_vcpu_online(d, i);
	return n;
}

static int64_t running_delta(const struct sim_domain *d, int64_t now)
{
	return sim_domain_running(d) && now > d->since_ms ?
	    now - d->since_ms : 0;
}

void sim_domain_fold(struct sim_domain *d, int64_t now)
{
	int64_t dt = running_delta(d, now);

	d->uptime_ms += dt;
	d->run_ms += dt;
	for (int i = 0; i < d->max_vcpus; i++)
		if (sim_domain_vcpu_online(d, i))
			d->vcpu_ns[i] += (uint64_t)dt * VCPU_LOAD_NS_PER_MS;
	d->since_ms = now;
}

uint64_t sim_domain_uptime_ms(const struct sim_domain *d, int64_t now)
{
	return d->uptime_ms + running_delta(d, now);
}

uint64_t sim_domain_run_ms(const struct sim_domain *d, int64_t now)
{
	return d->run_ms + running_delta(d, now);
}

uint64_t sim_domain_vcpu_ns(const struct sim_domain *d, int vcpu, int64_t now)
{
	uint64_t ns = d->vcpu_ns[vcpu];

	if (sim_domain_vcpu_online(d, vcpu))
		ns += (uint64_t)running_delta(d, now) * VCPU_LOAD_NS_PER_MS;
	return ns;
}

uint64_t sim_domain_cpu_ns(const struct sim_domain *d, int64_t now)
{
	uint64_t ns = 0;

	for (int i = 0; i < d->max_vcpus; i++)
		ns += sim_domain_vcpu_ns(d, i, now);
	return ns;
}

/* A guest asked to shut down acts shutdown_ms later, if it is running
 * then; a paused guest acts once it runs again. */
void sim_domain_refresh(struct sim_domain *d, int64_t now)
{
	int64_t at;

	if (d->pending_reason < 0 || now < d->pending_at_ms ||
	    !sim_domain_running(d))
		return;
	at = d->pending_at_ms > d->since_ms ? d->pending_at_ms : d->since_ms;
	sim_domain_shutdown(d, d->pending_reason, at);
}

void sim_domain_pause(struct sim_domain *d)
{
	sim_domain_fold(d, sim_now_ms());
	d->pause_count++;
	sim_domain_save(d);
}

void sim_domain_unpause(struct sim_domain *d)
{
	int64_t now = sim_now_ms();

	sim_domain_fold(d, now);
	if (d->pause_count > 0)
		d->pause_count--;
	sim_domain_save(d);
	sim_domain_refresh(d, now);
}

void sim_domain_shutdown(struct sim_domain *d, int reason, int64_t at)
{
	sim_domain_fold(d, at);
	d->since_ms = sim_now_ms() > at ? sim_now_ms() : at;
	d->shutdown = true;
	d->shutdown_reason = reason;
	d->pending_reason = -1;
	if (reason == LIBXL_SHUTDOWN_REASON_REBOOT) {
		/* The guest rebooted: what it had in memory is gone. */
		d->boot_count++;
		d->uptime_ms = 0;
	}
	sim_domain_save(d);
	sim_events_kick();
}

void sim_domain_resume(struct sim_domain *d)
{
	sim_domain_fold(d, sim_now_ms());
	d->shutdown = false;
	d->shutdown_reason = LIBXL_SHUTDOWN_REASON_UNKNOWN;
	sim_domain_save(d);
}

/* Once Xen is asked to destroy a domain it goes, whether or not the
 * toolstack lives to see it: its file goes now. */
void sim_domain_set_dying(struct sim_domain *d)
{
	sim_domain_fold(d, sim_now_ms());
	sim_persist_forget(d);
	d->dying = true;
	d->pending_reason = -1;
	sim_events_kick();
}

void sim_domain_request(struct sim_domain *d, int reason)
{
	if (d->ignore_shutdown || d->shutdown || d->dying)
		return;
	d->pending_reason = reason;
	d->pending_at_ms = sim_now_ms() + sim_host.settings.shutdown_ms;
	sim_host.maybe_pending = true;
	sim_domain_save(d);
	sim_events_arm();
}

void sim_domain_set_vcpus(struct sim_domain *d, const uint8_t *online)
{
	sim_domain_fold(d, sim_now_ms());
	memcpy(d->online, online, (d->max_vcpus + 7) / 8);
	sim_domain_save(d);
}

const char *sim_domain_state_name(const struct sim_domain *d)
{
	if (d->dying)
		return "dying";
	if (d->shutdown)
		return d->shutdown_reason == LIBXL_SHUTDOWN_REASON_CRASH ?
		    "crashed" : "shutdown";
	if (d->pause_count > 0)
		return "paused";
	return "running";
}

/* guest_state: FNV-1a 64 of (uuid, memory seed, memory size in KiB, boot
 * count), little-endian. */
void sim_domain_guest_state(const struct sim_domain *d, char out[17])
{
	uint8_t buf[16 + 8 + 8 + 4];
	uint64_t h = 0xcbf29ce484222325ULL;

	memcpy(buf, libxl_uuid_bytearray_const(&d->uuid), 16);
	for (int i = 0; i < 8; i++) {
		buf[16 + i] = (uint8_t)(d->seed >> (8 * i));
		buf[24 + i] = (uint8_t)(d->target_memkb >> (8 * i));
	}
	for (int i = 0; i < 4; i++)
		buf[32 + i] = (uint8_t)(d->boot_count >> (8 * i));
	for (size_t i = 0; i < sizeof buf; i++) {
		h ^= buf[i];
		h *= 0x100000001b3ULL;
	}
	snprintf(out, 17, "%016llx", (unsigned long long)h);
}
