/* The domains' life, as Xen lives it: finding a domain (the host is read
 * first), making and removing one, and what a guest or the toolstack
 * does to it.  Every change is saved as it is made (shared.c) and told to
 * whoever watches the domains (state.c). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim.h"

static int cmp_domid(struct sim_domain *a, struct sim_domain *b)
{
	return a->domid < b->domid ? -1 : a->domid > b->domid;
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

void sim_domain_remove(struct sim_domain *d)
{
	if (!d->dying)
		sim_domain_forget(d);
	sim_domain_drop(d);
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
	sim_domains_changed();
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
	sim_domain_forget(d);
	d->dying = true;
	d->pending_reason = -1;
	sim_domains_changed();
}

void sim_domain_request(struct sim_domain *d, int reason)
{
	if (d->ignore_shutdown || d->shutdown || d->dying)
		return;
	d->pending_reason = reason;
	d->pending_at_ms = sim_now_ms() + sim_host.settings.shutdown_ms;
	sim_host.maybe_pending = true;
	sim_domain_save(d);
	sim_domains_pending();
}

void sim_domain_set_vcpus(struct sim_domain *d, const uint8_t *online)
{
	sim_domain_fold(d, sim_now_ms());
	memcpy(d->online, online, (d->max_vcpus + 7) / 8);
	sim_domain_save(d);
}
