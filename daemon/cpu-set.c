#include "config.h"

#include "daemon/cpu-set.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/mem.h"

/* "a" or "a-b" with b >= a, decimal digits only. */
static bool parse_range(const char *s, unsigned long *a, unsigned long *b)
{
	char *end;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	*a = *b = strtoul(s, &end, 10);
	if (*end == '-') {
		s = end + 1;
		if (*s < '0' || *s > '9')
			return false;
		*b = strtoul(s, &end, 10);
	}
	return errno == 0 && *end == '\0' && *b >= *a;
}

/* Sets or clears the cpus of nodes first..last. */
static struct err *apply_nodes(libxl_ctx *ctx, unsigned long first,
    unsigned long last, bool remove, libxl_bitmap *map)
{
	libxl_cputopology *topo;
	int ncpus = 0, nnodes = libxl_get_max_nodes(ctx);

	if (nnodes <= 0)
		return err_new(ERR_HYPERVISOR, "cannot read the host's NUMA "
		    "nodes");
	if (last >= (unsigned long)nnodes)
		return err_new(ERR_INVALID_ARGUMENT, "node %lu does not exist "
		    "(the host has %d)", last, nnodes);
	topo = libxl_get_cpu_topology(ctx, &ncpus);
	if (topo == NULL)
		return err_new(ERR_HYPERVISOR, "cannot read the host's cpu "
		    "topology");
	for (int c = 0; c < ncpus; c++) {
		if (topo[c].node < first || topo[c].node > last)
			continue;
		if (remove)
			libxl_bitmap_reset(map, c);
		else
			libxl_bitmap_set(map, c);
	}
	libxl_cputopology_list_free(topo, ncpus);
	return NULL;
}

static struct err *apply_item(libxl_ctx *ctx, char *item, int max_cpus,
    libxl_bitmap *map)
{
	bool remove = false, nodes = false;
	unsigned long a, b;

	while (*item == ' ' || *item == '\t')
		item++;
	if (*item == '^') {
		remove = true;
		item++;
	}
	if (strncmp(item, "nodes:", 6) == 0) {
		nodes = true;
		item += 6;
	} else if (strncmp(item, "node:", 5) == 0) {
		nodes = true;
		item += 5;
	}
	if (strcmp(item, "all") == 0) {
		if (remove)
			return err_new(ERR_INVALID_ARGUMENT, "'^all' is not "
			    "allowed");
		libxl_bitmap_set_any(map);
		return NULL;
	}
	if (!parse_range(item, &a, &b))
		return err_new(ERR_INVALID_ARGUMENT, "'%.*s' is not a %s or a "
		    "range", err_quote_len(item, 64), item, nodes ? "node" : "cpu");
	if (nodes)
		return apply_nodes(ctx, a, b, remove, map);
	if (b >= (unsigned long)max_cpus)
		return err_new(ERR_INVALID_ARGUMENT, "cpu %lu does not exist "
		    "(the host has %d)", b, max_cpus);
	for (; a <= b; a++) {
		if (remove)
			libxl_bitmap_reset(map, (int)a);
		else
			libxl_bitmap_set(map, (int)a);
	}
	return NULL;
}

struct err *cpu_set_parse(libxl_ctx *ctx, const char *text,
    libxl_bitmap *map)
{
	int max_cpus = libxl_get_max_cpus(ctx);
	char *copy, *item, *save = NULL;
	struct err *e = NULL;

	if (max_cpus <= 0 || libxl_cpu_bitmap_alloc(ctx, map, 0) != 0)
		return err_new(ERR_HYPERVISOR, "cannot read the host's number "
		    "of cpus");
	copy = xstrdup(text);
	for (item = strtok_r(copy, ",", &save); item != NULL && e == NULL;
	    item = strtok_r(NULL, ",", &save))
		e = apply_item(ctx, item, max_cpus, map);
	free(copy);
	if (e == NULL && libxl_bitmap_is_empty(map))
		e = err_new(ERR_INVALID_ARGUMENT, "'%.*s' selects no cpu",
		    err_quote_len(text, 64), text);
	return e;
}

char *cpu_set_format(const libxl_bitmap *map, int max_cpus)
{
	size_t size = 1, len = 0;
	char *text = xcalloc(1, size);

	for (int cpu = 0; cpu < max_cpus; cpu++) {
		int last = cpu;
		char item[32];
		int n;

		if (!libxl_bitmap_test(map, cpu))
			continue;
		while (last + 1 < max_cpus && libxl_bitmap_test(map, last + 1))
			last++;
		n = last == cpu ? snprintf(item, sizeof item, "%s%d",
		    len > 0 ? "," : "", cpu) : snprintf(item, sizeof item,
		    "%s%d-%d", len > 0 ? "," : "", cpu, last);
		size += (size_t)n;
		text = xrealloc(text, size);
		memcpy(text + len, item, (size_t)n + 1);
		len += (size_t)n;
		cpu = last;
	}
	return text;
}
