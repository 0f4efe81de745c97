/* The simulated host in memory: settings, faults, the domains and their
 * guests' counters.  The bottom of the host's model: loading, sharing and
 * saving (shared.c, persist.c) and the domains' life (domain.c) sit above
 * it, and those who watch the domains from further up register a
 * struct sim_domain_watch, so that this file names none of them.  Guest
 * counters are kept as "value as of since_ms" plus wall-clock time, so
 * that a running guest keeps running, and counting, while no process
 * exists. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
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

/* ---- faults, as data (faults.c takes and adds them) ---- */

const char *const sim_fault_op_names[SIM_FAULT_OP_COUNT] = {
	[SIM_FAULT_SAVE] = "save",
	[SIM_FAULT_RESTORE] = "restore",
	[SIM_FAULT_CREATE] = "create",
	[SIM_FAULT_DUMP] = "dump",
	[SIM_FAULT_MIGRATE] = "migrate",
	[SIM_FAULT_DEVICE] = "device",
	[SIM_FAULT_SHUTDOWN] = "shutdown",
};

const char *const sim_fault_kind_names[SIM_FAULT_KIND_COUNT] = {
	[SIM_FAULT_NONE] = NULL,
	[SIM_FAULT_FAIL] = "fail",
	[SIM_FAULT_IO_ERROR] = "io-error",
	[SIM_FAULT_HELPER_CRASH] = "helper-crash",
	[SIM_FAULT_HANG] = "hang",
};

void sim_fault_free_list(struct sim_fault *list)
{
	while (list != NULL) {
		struct sim_fault *next = list->next;

		free(list->domain);
		free(list);
		list = next;
	}
}

/* The host state of ops-pci.c and ops-cpupool.c, as host.json had it:
 * gone at sim-reset and before host.json is read again. */
void sim_host_reset_devices(void)
{
	json_object_put(sim_host.pci_assignable);
	sim_host.pci_assignable = NULL;
	json_object_put(sim_host.cpupools);
	sim_host.cpupools = NULL;
}

/* ---- who watches the domains ---- */

static struct sim_domain_watch *watches;

void sim_domain_watch(struct sim_domain_watch *w)
{
	if (w->listening)
		return;
	w->listening = true;
	w->next = watches;
	watches = w;
}

void sim_domains_changed(void)
{
	for (struct sim_domain_watch *w = watches; w != NULL; w = w->next)
		if (w->changed != NULL)
			w->changed();
}

void sim_domains_pending(void)
{
	for (struct sim_domain_watch *w = watches; w != NULL; w = w->next)
		if (w->pending != NULL)
			w->pending();
}

static void domain_gone(uint32_t domid)
{
	for (struct sim_domain_watch *w = watches; w != NULL; w = w->next)
		if (w->gone != NULL)
			w->gone(domid);
}

/* ---- domains: the hash tables ---- */

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

/* Without loading the host first: for the loaders themselves. */
struct sim_domain *sim_domain_named(const char *name)
{
	struct sim_domain *d;

	if (name == NULL)
		return NULL;
	HASH_FIND(hh_name, sim_host.by_name, name, strlen(name), d);
	return d;
}

/* ---- domains: configuration ---- */

/* Linux-style disk numbers, as libxl__device_disk_dev_number. */
int sim_vdev_devid(const char *vdev)
{
	const char *p;
	int disk = 0, part = 0;

	if (vdev == NULL)
		return -1;
	if (strspn(vdev, "0123456789") == strlen(vdev) && vdev[0] != '\0')
		return atoi(vdev);
	if (strncmp(vdev, "xvd", 3) == 0 || strncmp(vdev, "hd", 2) == 0 ||
	    strncmp(vdev, "sd", 2) == 0) {
		p = vdev + (vdev[0] == 'x' ? 3 : 2);
		if (!islower((unsigned char)*p))
			return -1;
		disk = -1;
		while (islower((unsigned char)*p))
			disk = (disk + 1) * 26 + (*p++ - 'a');
		if (*p != '\0') {
			if (strspn(p, "0123456789") != strlen(p))
				return -1;
			part = atoi(p);
		}
	} else {
		return -1;
	}
	if (vdev[0] == 'x') {
		if (disk < 16 && part < 16)
			return (202 << 8) | (disk << 4) | part;
		return (1 << 28) | (disk << 8) | part;
	}
	if (vdev[0] == 'h') {
		static const int major[] = { 3, 3, 22, 22 };

		if (disk > 3 || part > 63)
			return -1;
		return (major[disk] << 8) | ((disk & 1) << 6) | part;
	}
	if (disk > 15 || part > 15)
		return -1;
	return (8 << 8) | (disk << 4) | part;
}

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

/* A child forked (not exec'ed) from the owner inherits the flag but must
 * not write: only the process that took the lock owns the host. */
bool sim_is_owner(void)
{
	return sim_host.owner && sim_host.owner_pid == getpid();
}

/* ---- domains: life ---- */

void sim_domain_drop(struct sim_domain *d)
{
	uint32_t domid = d->domid;

	HASH_DELETE(hh, sim_host.by_id, d);
	HASH_DELETE(hh_name, sim_host.by_name, d);
	sim_host.used_memkb -= d->target_memkb;
	sim_domain_free(d);
	domain_gone(domid);
	sim_domains_changed();
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
