/* Injected faults (sim-fault).  An op takes the first matching fault when
 * it starts; a "once" fault is used up by that, in whichever process the
 * op runs (the daemon's dump and build helpers take faults too): host.json
 * changes under the state lock. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim.h"

static void fault_unlink(struct sim_fault *f)
{
	for (struct sim_fault **pp = &sim_host.faults; *pp != NULL;
	    pp = &(*pp)->next) {
		if (*pp == f) {
			*pp = f->next;
			f->next = NULL;
			sim_fault_free_list(f);
			return;
		}
	}
}

static bool fault_matches(const struct sim_fault *f, enum sim_fault_op op,
    const struct sim_domain *d)
{
	char domid[16];

	if (f->op != op)
		return false;
	if (f->domain == NULL)
		return true;
	if (d == NULL)
		return false;
	snprintf(domid, sizeof domid, "%u", d->domid);
	return strcmp(f->domain, d->name) == 0 || strcmp(f->domain, domid) == 0;
}

struct sim_fault_hit sim_fault_take(enum sim_fault_op op,
    const struct sim_domain *d)
{
	struct sim_fault_hit hit = { SIM_FAULT_NONE, 0 };

	/* another process may use up a once-fault at the same time */
	sim_lock();
	for (struct sim_fault *f = sim_host.faults; f != NULL; f = f->next) {
		if (!fault_matches(f, op, d))
			continue;
		hit.kind = f->kind;
		hit.after_bytes = f->after_bytes;
		sim_trace("fault %s/%s fires on domain %u",
		    sim_fault_op_names[op], sim_fault_kind_names[f->kind],
		    d != NULL ? d->domid : 0);
		if (f->once) {
			fault_unlink(f);
			sim_host_save();
		}
		break;
	}
	sim_unlock();
	return hit;
}

struct sim_fault *sim_fault_add(enum sim_fault_op op, enum sim_fault_kind kind,
    const char *domain, uint64_t after_bytes, bool once)
{
	struct sim_fault *f = calloc(1, sizeof *f), **tail;

	sim_lock();
	f->id = sim_host.next_fault_id++;
	f->op = op;
	f->kind = kind;
	f->domain = domain != NULL ? strdup(domain) : NULL;
	f->after_bytes = after_bytes;
	f->once = once;
	for (tail = &sim_host.faults; *tail != NULL; tail = &(*tail)->next)
		;
	*tail = f;
	sim_host_save();
	sim_unlock();
	return f;
}

void sim_fault_clear(void)
{
	sim_lock();
	sim_fault_free_list(sim_host.faults);
	sim_host.faults = NULL;
	sim_host_save();
	sim_unlock();
}
