/* The state files of the simulated host, in $XENLIGHTD_SIM_RUNDIR/sim/:
 * host.json (settings, faults, next domid, creation time) and one
 * domain-<domid>.json per domain, each replaced atomically (a temporary
 * file renamed over it).  Their JSON, and reading them: shared.c reads
 * and writes them under the state lock, counted in the shared
 * generations.  Domain-0 has no file: it always exists. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim/sim.h"

json_object *sim_settings_json(const struct sim_settings *s)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "save_mib_s",
	    json_object_new_int64(s->save_mib_s));
	json_object_object_add(o, "restore_mib_s",
	    json_object_new_int64(s->restore_mib_s));
	json_object_object_add(o, "dump_mib_s",
	    json_object_new_int64(s->dump_mib_s));
	json_object_object_add(o, "migrate_mib_s",
	    json_object_new_int64(s->migrate_mib_s));
	json_object_object_add(o, "create_ms",
	    json_object_new_int64(s->create_ms));
	json_object_object_add(o, "build_ms",
	    json_object_new_int64(s->build_ms));
	json_object_object_add(o, "shutdown_ms",
	    json_object_new_int64(s->shutdown_ms));
	json_object_object_add(o, "suspend_timeout_ms",
	    json_object_new_int64(s->suspend_timeout_ms));
	json_object_object_add(o, "host_memory_mib",
	    json_object_new_int64(s->host_memory_mib));
	json_object_object_add(o, "host_cpus",
	    json_object_new_int64(s->host_cpus));
	json_object_object_add(o, "pci_devices",
	    json_object_new_int64(s->pci_devices));
	json_object_object_add(o, "inline_ops",
	    json_object_new_boolean(s->inline_ops));
	return o;
}

static void hex_encode(const uint8_t *bytes, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", bytes[i]);
	out[2 * n] = '\0';
}

static void hex_decode(const char *hex, uint8_t *bytes, size_t n)
{
	memset(bytes, 0, n);
	for (size_t i = 0; i < n && hex[2 * i] != '\0' && hex[2 * i + 1] != '\0';
	    i++) {
		unsigned v;

		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			break;
		bytes[i] = (uint8_t)v;
	}
}

/* ---- files ---- */

char *sim_persist_path(const char *leaf)
{
	char *p;

	if (asprintf(&p, "%s/%s", sim_host.statedir, leaf) < 0)
		sim_fatal("out of memory");
	return p;
}

char *sim_persist_domain_path(uint32_t domid)
{
	char leaf[64];

	snprintf(leaf, sizeof leaf, "domain-%u.json", domid);
	return sim_persist_path(leaf);
}

void sim_persist_write(const char *path, json_object *obj)
{
	char *tmp;
	const char *text = json_object_to_json_string_ext(obj,
	    JSON_C_TO_STRING_PLAIN);
	size_t len = strlen(text);
	int fd;

	if (asprintf(&tmp, "%s.tmp", path) < 0)
		sim_fatal("out of memory");
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len ||
	    write(fd, "\n", 1) != 1) {
		fprintf(stderr, "libxenlight-sim: cannot write %s: %s\n", tmp,
		    strerror(errno));
		if (fd >= 0)
			close(fd);
		unlink(tmp);
		free(tmp);
		return;
	}
	close(fd);
	if (rename(tmp, path) < 0)
		fprintf(stderr, "libxenlight-sim: cannot rename %s: %s\n", tmp,
		    strerror(errno));
	free(tmp);
}

static json_object *read_json_file(const char *path)
{
	json_object *o = json_object_from_file(path);

	if (o != NULL && !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

int sim_persist_mkdir(const char *path)
{
	char *copy = strdup(path);
	int rc = 0;

	for (char *p = copy + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;

		*p = '\0';
		if (mkdir(copy, 0700) < 0 && errno != EEXIST)
			rc = -1;
		*p = c;
		if (c == '\0')
			break;
	}
	free(copy);
	return rc;
}

/* ---- host ---- */

json_object *sim_fault_json(const struct sim_fault *f)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "id", json_object_new_int(f->id));
	json_object_object_add(o, "op",
	    json_object_new_string(sim_fault_op_names[f->op]));
	json_object_object_add(o, "kind",
	    json_object_new_string(sim_fault_kind_names[f->kind]));
	json_object_object_add(o, "domain", f->domain != NULL ?
	    json_object_new_string(f->domain) : NULL);
	json_object_object_add(o, "after_bytes",
	    json_object_new_int64((int64_t)f->after_bytes));
	json_object_object_add(o, "once", json_object_new_boolean(f->once));
	return o;
}

json_object *sim_persist_host_json(void)
{
	json_object *o, *faults;

	o = json_object_new_object();
	json_object_object_add(o, "version", json_object_new_int(1));
	json_object_object_add(o, "created_ms",
	    json_object_new_int64(sim_host.created_ms));
	json_object_object_add(o, "next_domid",
	    json_object_new_int64(sim_host.next_domid));
	json_object_object_add(o, "next_fault_id",
	    json_object_new_int(sim_host.next_fault_id));
	json_object_object_add(o, "settings",
	    sim_settings_json(&sim_host.settings));
	faults = json_object_new_array();
	for (struct sim_fault *f = sim_host.faults; f != NULL; f = f->next)
		json_object_array_add(faults, sim_fault_json(f));
	json_object_object_add(o, "faults", faults);
	if (sim_host.pci_assignable != NULL)
		json_object_object_add(o, "pci_assignable",
		    json_object_get(sim_host.pci_assignable));
	if (sim_host.cpupools != NULL)
		json_object_object_add(o, "cpupools",
		    json_object_get(sim_host.cpupools));
	return o;
}

static void load_settings(json_object *o, struct sim_settings *s)
{
	s->save_mib_s = arg_int(o, "save_mib_s", s->save_mib_s);
	s->restore_mib_s = arg_int(o, "restore_mib_s", s->restore_mib_s);
	s->dump_mib_s = arg_int(o, "dump_mib_s", s->dump_mib_s);
	s->migrate_mib_s = arg_int(o, "migrate_mib_s", s->migrate_mib_s);
	s->create_ms = arg_int(o, "create_ms", s->create_ms);
	s->build_ms = arg_int(o, "build_ms", s->build_ms);
	s->shutdown_ms = arg_int(o, "shutdown_ms", s->shutdown_ms);
	s->suspend_timeout_ms = arg_int(o, "suspend_timeout_ms",
	    s->suspend_timeout_ms);
	s->host_memory_mib = arg_int(o, "host_memory_mib",
	    s->host_memory_mib);
	s->host_cpus = arg_int(o, "host_cpus", s->host_cpus);
	s->pci_devices = arg_int(o, "pci_devices", s->pci_devices);
	s->inline_ops = arg_bool(o, "inline_ops", s->inline_ops);
}

static int fault_name_index(const char *const *names, int count,
    const char *name)
{
	for (int i = 0; name != NULL && i < count; i++)
		if (names[i] != NULL && strcmp(names[i], name) == 0)
			return i;
	return -1;
}

void sim_persist_load_host(void)
{
	char *path = sim_persist_path("host.json");
	json_object *o = read_json_file(path), *v;
	struct sim_fault **tail;

	free(path);
	sim_fault_free_list(sim_host.faults);
	sim_host.faults = NULL;
	tail = &sim_host.faults;
	sim_settings_default(&sim_host.settings);
	sim_host.next_domid = 1;
	sim_host.next_fault_id = 1;
	sim_host.created_ms = sim_now_ms();
	sim_host_reset_devices();
	if (o == NULL)
		return;
	if (json_object_object_get_ex(o, "pci_assignable", &v) &&
	    json_object_is_type(v, json_type_array))
		sim_host.pci_assignable = json_object_get(v);
	if (json_object_object_get_ex(o, "cpupools", &v) &&
	    json_object_is_type(v, json_type_array))
		sim_host.cpupools = json_object_get(v);
	sim_host.created_ms = arg_int(o, "created_ms",
	    sim_host.created_ms);
	sim_host.next_domid = (uint32_t)arg_int(o, "next_domid", 1);
	sim_host.next_fault_id = (int)arg_int(o, "next_fault_id", 1);
	if (json_object_object_get_ex(o, "settings", &v))
		load_settings(v, &sim_host.settings);
	if (json_object_object_get_ex(o, "faults", &v) &&
	    json_object_is_type(v, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(v); i++) {
			json_object *fo = json_object_array_get_idx(v, i);
			int op = fault_name_index(sim_fault_op_names,
			    SIM_FAULT_OP_COUNT, arg_string(fo, "op"));
			int kind = fault_name_index(sim_fault_kind_names,
			    SIM_FAULT_KIND_COUNT, arg_string(fo, "kind"));
			struct sim_fault *f;

			if (op < 0 || kind <= 0)
				continue;
			f = calloc(1, sizeof *f);
			f->id = (int)arg_int(fo, "id", 0);
			f->op = op;
			f->kind = kind;
			if (arg_string(fo, "domain") != NULL)
				f->domain = strdup(
				    arg_string(fo, "domain"));
			f->after_bytes = (uint64_t)arg_int(fo,
			    "after_bytes", 0);
			f->once = arg_bool(fo, "once", true);
			*tail = f;
			tail = &f->next;
		}
	}
	json_object_put(o);
}

/* ---- domains: persistence ---- */

/* n cpu maps (affinities), one hex string each. */
static json_object *cpumaps_to_json(const uint8_t *maps, int n)
{
	json_object *a = json_object_new_array();
	char hex[2 * SIM_CPUMAP_BYTES + 1];

	for (int i = 0; i < n; i++) {
		hex_encode(maps + i * SIM_CPUMAP_BYTES, SIM_CPUMAP_BYTES, hex);
		json_object_array_add(a, json_object_new_string(hex));
	}
	return a;
}

static void cpumaps_from_json(json_object *o, const char *key, uint8_t *maps,
    int n)
{
	json_object *a;

	if (!json_object_object_get_ex(o, key, &a) ||
	    !json_object_is_type(a, json_type_array))
		return;
	for (int i = 0; i < n && i < (int)json_object_array_length(a); i++) {
		const char *s = json_object_get_string(
		    json_object_array_get_idx(a, i));

		if (s != NULL)
			hex_decode(s, maps + i * SIM_CPUMAP_BYTES,
			    SIM_CPUMAP_BYTES);
	}
}

json_object *sim_persist_domain_json(const struct sim_domain *d)
{
	json_object *o = json_object_new_object(), *a;
	char uuid[37], hex[2 * SIM_CPUMAP_BYTES + 1];
	char seed[17];
	int mapbytes = (d->max_vcpus + 7) / 8;
	uint8_t *online = calloc(mapbytes + 1, 1);

	sim_uuid_string(&d->uuid, uuid);
	json_object_object_add(o, "domid", json_object_new_int64(d->domid));
	json_object_object_add(o, "name", json_object_new_string(d->name));
	json_object_object_add(o, "uuid", json_object_new_string(uuid));
	json_object_object_add(o, "type",
	    json_object_new_string(libxl_domain_type_to_string(d->type)));
	json_object_object_add(o, "complete",
	    json_object_new_boolean(d->complete));
	json_object_object_add(o, "pause_count",
	    json_object_new_int(d->pause_count));
	json_object_object_add(o, "shutdown",
	    json_object_new_boolean(d->shutdown));
	json_object_object_add(o, "shutdown_reason",
	    json_object_new_int(d->shutdown_reason));
	json_object_object_add(o, "dying", json_object_new_boolean(d->dying));
	json_object_object_add(o, "max_memkb",
	    json_object_new_int64((int64_t)d->max_memkb));
	json_object_object_add(o, "target_memkb",
	    json_object_new_int64((int64_t)d->target_memkb));
	json_object_object_add(o, "max_vcpus",
	    json_object_new_int(d->max_vcpus));
	memcpy(online, d->online, mapbytes);
	hex_encode(online, mapbytes, hex);
	free(online);
	json_object_object_add(o, "online", json_object_new_string(hex));
	json_object_object_add(o, "affinity",
	    cpumaps_to_json(d->affinity, d->max_vcpus));
	json_object_object_add(o, "soft_affinity",
	    cpumaps_to_json(d->soft_affinity, d->max_vcpus));
	json_object_object_add(o, "sched_weight",
	    json_object_new_int(d->sched_weight));
	json_object_object_add(o, "sched_cap",
	    json_object_new_int(d->sched_cap));
	snprintf(seed, sizeof seed, "%016llx", (unsigned long long)d->seed);
	json_object_object_add(o, "seed", json_object_new_string(seed));
	json_object_object_add(o, "boot_count",
	    json_object_new_int64(d->boot_count));
	json_object_object_add(o, "uptime_ms",
	    json_object_new_int64((int64_t)d->uptime_ms));
	json_object_object_add(o, "run_ms",
	    json_object_new_int64((int64_t)d->run_ms));
	a = json_object_new_array();
	for (int i = 0; i < d->max_vcpus; i++)
		json_object_array_add(a,
		    json_object_new_int64((int64_t)d->vcpu_ns[i]));
	json_object_object_add(o, "vcpu_ns", a);
	json_object_object_add(o, "since_ms",
	    json_object_new_int64(d->since_ms));
	json_object_object_add(o, "ignore_shutdown",
	    json_object_new_boolean(d->ignore_shutdown));
	json_object_object_add(o, "ignore_suspend",
	    json_object_new_boolean(d->ignore_suspend));
	json_object_object_add(o, "pending_reason",
	    json_object_new_int(d->pending_reason));
	json_object_object_add(o, "pending_at_ms",
	    json_object_new_int64(d->pending_at_ms));
	json_object_object_add(o, "config", json_tokener_parse(d->config));
	return o;
}

static struct sim_domain *domain_from_json(json_object *o)
{
	int max_vcpus = (int)arg_int(o, "max_vcpus", 1);
	struct sim_domain *d;
	const char *s;
	json_object *a, *cfg;

	if (max_vcpus < 1 || max_vcpus > SIM_MAX_VCPUS ||
	    arg_string(o, "name") == NULL ||
	    arg_int(o, "domid", 0) <= 0)
		return NULL;
	d = sim_domain_alloc(max_vcpus);
	d->domid = (uint32_t)arg_int(o, "domid", 0);
	d->name = strdup(arg_string(o, "name"));
	if ((s = arg_string(o, "uuid")) != NULL)
		libxl_uuid_from_string(&d->uuid, s);
	if ((s = arg_string(o, "type")) == NULL ||
	    libxl_domain_type_from_string(s, &d->type) != 0)
		d->type = LIBXL_DOMAIN_TYPE_PV;
	d->complete = arg_bool(o, "complete", true);
	d->pause_count = (int)arg_int(o, "pause_count", 0);
	d->shutdown = arg_bool(o, "shutdown", false);
	d->shutdown_reason = (int)arg_int(o, "shutdown_reason", -1);
	d->dying = arg_bool(o, "dying", false);
	d->max_memkb = (uint64_t)arg_int(o, "max_memkb", 0);
	d->target_memkb = (uint64_t)arg_int(o, "target_memkb", 0);
	if ((s = arg_string(o, "online")) != NULL)
		hex_decode(s, d->online, (max_vcpus + 7) / 8);
	cpumaps_from_json(o, "affinity", d->affinity, max_vcpus);
	cpumaps_from_json(o, "soft_affinity", d->soft_affinity, max_vcpus);
	d->sched_weight = (int)arg_int(o, "sched_weight", 256);
	d->sched_cap = (int)arg_int(o, "sched_cap", 0);
	if ((s = arg_string(o, "seed")) != NULL)
		d->seed = strtoull(s, NULL, 16);
	d->boot_count = (uint32_t)arg_int(o, "boot_count", 1);
	d->uptime_ms = (uint64_t)arg_int(o, "uptime_ms", 0);
	d->run_ms = (uint64_t)arg_int(o, "run_ms", 0);
	if (json_object_object_get_ex(o, "vcpu_ns", &a) &&
	    json_object_is_type(a, json_type_array))
		for (int i = 0; i < max_vcpus &&
		    i < (int)json_object_array_length(a); i++)
			d->vcpu_ns[i] = (uint64_t)json_object_get_int64(
			    json_object_array_get_idx(a, i));
	d->since_ms = arg_int(o, "since_ms", sim_now_ms());
	d->ignore_shutdown = arg_bool(o, "ignore_shutdown", false);
	d->ignore_suspend = arg_bool(o, "ignore_suspend", false);
	d->pending_reason = (int)arg_int(o, "pending_reason", -1);
	d->pending_at_ms = arg_int(o, "pending_at_ms", 0);
	if (json_object_object_get_ex(o, "config", &cfg) && cfg != NULL)
		sim_domain_set_config(d, json_object_to_json_string_ext(cfg,
		    JSON_C_TO_STRING_PLAIN));
	else
		sim_domain_set_config(d, "{}");
	return d;
}

void sim_persist_load_domains(void)
{
	DIR *dir = opendir(sim_host.statedir);
	struct dirent *de;

	if (dir == NULL)
		return;
	while ((de = readdir(dir)) != NULL) {
		unsigned domid;
		char tail[8], *path;
		json_object *o;
		struct sim_domain *d;

		if (sscanf(de->d_name, "domain-%u.%5s", &domid, tail) != 2 ||
		    strcmp(tail, "json") != 0)
			continue;
		path = sim_persist_path(de->d_name);
		o = read_json_file(path);
		d = o != NULL ? domain_from_json(o) : NULL;
		if (o != NULL)
			json_object_put(o);
		if (d == NULL || d->domid != domid ||
		    sim_domain_named(d->name) != NULL) {
			fprintf(stderr, "libxenlight-sim: ignoring %s\n", path);
			if (d != NULL)
				sim_domain_free(d);
		} else if (d->dying) {
			/* Xen finished destroying it meanwhile. */
			if (sim_is_owner())
				unlink(path);
			sim_domain_free(d);
		} else {
			sim_domain_insert(d);
			sim_host.used_memkb += d->target_memkb;
			if (d->pending_reason >= 0)
				sim_host.maybe_pending = true;
			if (d->domid >= sim_host.next_domid)
				sim_host.next_domid = d->domid + 1;
		}
		free(path);
	}
	closedir(dir);
}

/* Another process changed domain-<domid>.json: this process's view of the
 * domain follows (new, changed or gone).  A domain this process is
 * destroying has no file any more and stays until its destroy ends. */
void sim_persist_reload_domain(uint32_t domid)
{
	char *path = sim_persist_domain_path(domid);
	json_object *o = read_json_file(path);
	struct sim_domain *old, *d = o != NULL ? domain_from_json(o) : NULL;
	bool local = false;

	json_object_put(o);
	free(path);
	HASH_FIND(hh, sim_host.by_id, &domid, sizeof domid, old);
	if (d != NULL && (d->domid != domid || d->dying)) {
		sim_domain_free(d);
		d = NULL;
	}
	if (old != NULL && old->dying && d == NULL)
		return;
	if (old != NULL) {
		local = old->local;
		if (d != NULL) {
			/* changed: no op loses it */
			HASH_DELETE(hh, sim_host.by_id, old);
			HASH_DELETE(hh_name, sim_host.by_name, old);
			sim_host.used_memkb -= old->target_memkb;
			sim_domain_free(old);
		} else {
			sim_domain_drop(old);
		}
	}
	if (d == NULL)
		return;
	if (sim_domain_named(d->name) != NULL) {
		fprintf(stderr, "libxenlight-sim: domain %u: its name '%s' is "
		    "taken; ignored\n", domid, d->name);
		sim_domain_free(d);
		return;
	}
	d->local = local;
	sim_domain_insert(d);
	sim_host.used_memkb += d->target_memkb;
	if (d->pending_reason >= 0) {
		sim_host.maybe_pending = true;
		sim_domains_pending();
	}
	/* watchers look again: it may have shut down, or appeared */
	sim_domains_changed();
}
