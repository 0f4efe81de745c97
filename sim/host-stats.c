/* What the daemon's statistics read beside libxenstat, simulated: each
 * physical CPU's idle time (libxenctrl's XEN_SYSCTL_getcpuinfo) and the
 * memory a guest's agent reports in xenstore.  Deterministic:
 *   CPU i was idle (70 + 10 * (i % 3)) % of the time since the host was
 *   created;
 *   every guest (not Domain-0) runs an agent that writes
 *   data/meminfo_total = its target - 32 MiB and data/meminfo_free = a
 *   quarter of that (KiB, as XenServer's guest agent writes them).
 * Every other xenstore path is absent (ENOENT). */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xenctrl.h>
#include <xenstore.h>

#include "proto/mem.h"
#include "sim/sim.h"

#define SIM_GUEST_RESERVED_KIB (32 * 1024)

int xc_getcpuinfo(xc_interface *xch, int max_cpus, xc_cpuinfo_t *info,
    int *nr_cpus)
{
	int64_t up_ms;
	int cpus;

	sim_sync();
	cpus = (int)sim_host.settings.host_cpus;
	up_ms = sim_now_ms() - sim_host.created_ms;
	if (up_ms < 0)
		up_ms = 0;
	if (max_cpus < cpus)
		cpus = max_cpus;
	for (int i = 0; i < cpus; i++)
		info[i].idletime = (uint64_t)up_ms * 1000000 *
		    (uint64_t)(70 + 10 * (i % 3)) / 100;
	*nr_cpus = cpus;
	return 0;
}

void *xs_read(struct xs_handle *h, xs_transaction_t t, const char *path,
    unsigned int *len)
{
	const struct sim_domain *d;
	unsigned int domid;
	char key[32], *text;
	uint64_t total;
	int end = 0;

	sim_sync();
	if (sscanf(path, "/local/domain/%u/data/%31[a-z_]%n", &domid, key,
	    &end) != 2 || path[end] != '\0' || domid == 0 ||
	    (d = sim_domain_find(domid)) == NULL || d->dying || !d->complete) {
		errno = ENOENT;
		return NULL;
	}
	total = d->target_memkb > SIM_GUEST_RESERVED_KIB ?
	    d->target_memkb - SIM_GUEST_RESERVED_KIB : 0;
	if (strcmp(key, "meminfo_total") == 0)
		xasprintf(&text, "%" PRIu64, total);
	else if (strcmp(key, "meminfo_free") == 0)
		xasprintf(&text, "%" PRIu64, total / 4);
	else {
		errno = ENOENT;
		return NULL;
	}
	if (len != NULL)
		*len = (unsigned int)strlen(text);
	return text;
}
