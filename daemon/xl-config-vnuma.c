/* vnuma: the guest's virtual NUMA nodes, read as xl's parse_vnuma_config
 * (Xen 4.17) reads them, between maxvcpus and the defaults that follow
 * it.  What libxl would refuse only at create time
 * (libxl__vnuma_config_check: a vcpu in two vnodes or in none, sizes that
 * do not add up to maxmem, a pnode the host lacks) is refused here, with
 * the key's line; so are the values xl reads loosely (junk after a
 * number, options it ignores, more distances than vnodes). */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/domain-config.h"
#include "daemon/xl-config-int.h"
#include "proto/mem.h"

#define KEY "vnuma"
/* Xen refuses more virtual nodes than its MAX_NUMNODES (64 on x86). */
#define VNODES_MAX 64

/* What the vnodes add up to, and the vcpus already given to one. */
struct vnuma {
	uint64_t memkb;
	unsigned long nvcpus;
	libxl_bitmap taken;
	int nnodes, host_nodes;
};

/* The options a vnode must have. */
#define GIVEN_SIZE 1u
#define GIVEN_VCPUS 2u

/* A decimal number up to max, nothing else. */
static bool number(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	*out = strtoul(s, &end, 10);
	return *end == '\0' && errno == 0 && *out <= max;
}

static struct err *bad(struct xlc *p, int node, const char *name,
    const char *value, const char *why)
{
	return xlc_bad_value(p, KEY, "vnode %d: %s '%.*s' %s", node + 1, name,
	    XLC_QUOTE(value), why);
}

/* "0-3,6": each vcpu once in the whole config, below DOMAIN_MAX_VCPUS. */
static struct err *vcpus_option(struct xlc *p, struct vnuma *v, int node,
    const char *value, libxl_bitmap *map)
{
	char *copy = xstrdup(value), *item, *dash, *save = NULL;
	unsigned long first, last, before = v->nvcpus;
	struct err *e = NULL;

	for (item = strtok_r(copy, ",", &save); item != NULL && e == NULL;
	    item = strtok_r(NULL, ",", &save)) {
		item = xlc_trim(item);
		dash = strchr(item, '-');
		if (dash != NULL)
			*dash++ = '\0';
		if (!number(item, DOMAIN_MAX_VCPUS - 1, &first) ||
		    (dash != NULL &&
		    !number(dash, DOMAIN_MAX_VCPUS - 1, &last)) ||
		    (dash != NULL && last < first)) {
			e = bad(p, node, "vcpus", value, "is not a list of "
			    "vcpus and ranges (0-4095)");
			break;
		}
		if (dash == NULL)
			last = first;
		for (unsigned long c = first; c <= last && e == NULL; c++) {
			if (libxl_bitmap_test(&v->taken, (int)c))
				e = xlc_bad_value(p, KEY, "vnode %d: vcpu %lu "
				    "is in two vnodes", node + 1, c);
			libxl_bitmap_set(&v->taken, (int)c);
			libxl_bitmap_set(map, (int)c);
			v->nvcpus++;
		}
	}
	free(copy);
	if (e == NULL && v->nvcpus == before)
		e = bad(p, node, "vcpus", value, "names no vcpu");
	return e;
}

/* One distance to each vnode, itself included. */
static struct err *distances_option(struct xlc *p, struct vnuma *v,
    int node, const char *value, libxl_vnode_info *vn)
{
	char *copy = xstrdup(value), *item, *save = NULL;
	unsigned long d;
	int n = 0;
	bool ok = true;

	for (item = strtok_r(copy, ",", &save); item != NULL && ok;
	    item = strtok_r(NULL, ",", &save)) {
		ok = n < v->nnodes && number(xlc_trim(item), UINT32_MAX, &d);
		if (ok)
			vn->distances[n++] = (uint32_t)d;
	}
	free(copy);
	if (ok && n == v->nnodes)
		return NULL;
	return xlc_bad_value(p, KEY, "vnode %d: vdistances '%.*s' is not %d "
	    "numbers (one to each vnode)", node + 1, XLC_QUOTE(value),
	    v->nnodes);
}

static struct err *option(struct xlc *p, struct vnuma *v, int node,
    char *item, libxl_vnode_info *vn, unsigned *given)
{
	char *name = item, *value = strchr(item, '=');
	unsigned long ul;

	if (value == NULL)
		return xlc_bad_value(p, KEY, "vnode %d: '%.*s' is not "
		    "NAME=VALUE", node + 1, XLC_QUOTE(item));
	*value++ = '\0';
	name = xlc_trim(name);
	value = xlc_trim(value);
	if (strcmp(name, "pnode") == 0) {
		if (!number(value, UINT32_MAX, &ul))
			return bad(p, node, "pnode", value, "is not a number");
		if (ul >= (unsigned long)v->host_nodes)
			return xlc_bad_value(p, KEY, "vnode %d: pnode %lu: the "
			    "host has %d NUMA nodes", node + 1, ul,
			    v->host_nodes);
		vn->pnode = (uint32_t)ul;
		libxl_defbool_set(&p->d->b_info.numa_placement, false);
	} else if (strcmp(name, "size") == 0) {
		if (!number(value, DOMAIN_MAX_MEMORY_MIB, &ul) || ul == 0)
			return bad(p, node, "size", value, "is not a size in "
			    "MiB (1 or more)");
		vn->memkb = (uint64_t)ul << 10;
		v->memkb += vn->memkb;
		*given |= GIVEN_SIZE;
	} else if (strcmp(name, "vcpus") == 0) {
		*given |= GIVEN_VCPUS;
		return vcpus_option(p, v, node, value, &vn->vcpus);
	} else if (strcmp(name, "vdistances") == 0) {
		return distances_option(p, v, node, value, vn);
	} else {
		return xlc_bad_value(p, KEY, "vnode %d: unknown option '%.*s' "
		    "(pnode, size, vcpus, vdistances)", node + 1,
		    XLC_QUOTE(name));
	}
	return NULL;
}

/* One vnode: a list of "name=value" strings; size and vcpus required. */
static struct err *vnode(struct xlc *p, struct vnuma *v, XLU_ConfigList *list,
    int node)
{
	libxl_vnode_info *vn = &p->d->b_info.vnuma_nodes[node];
	XLU_ConfigValue *value = xlu_cfg_get_listitem2(list, node);
	XLU_ConfigList *options;
	XLU_ConfigValue *item;
	unsigned given = 0;
	struct err *e;
	char *copy;

	if (xlu_cfg_value_get_list(p->xlu.cfg, value, &options, 1) != 0)
		return xlc_bad_value(p, KEY, "vnode %d is not a list",
		    node + 1);
	for (int i = 0; (item = xlu_cfg_get_listitem2(options, i)); i++) {
		if (xlu_cfg_value_type(item) != XLU_STRING)
			return xlc_bad_value(p, KEY, "vnode %d: entry %d is "
			    "not a string", node + 1, i + 1);
		copy = xstrdup(xlu_cfg_get_listitem(options, i));
		e = option(p, v, node, copy, vn, &given);
		free(copy);
		if (e != NULL)
			return e;
	}
	if (!(given & GIVEN_SIZE))
		return xlc_bad_value(p, KEY, "vnode %d has no size", node + 1);
	if (!(given & GIVEN_VCPUS))
		return xlc_bad_value(p, KEY, "vnode %d has no vcpus", node + 1);
	return NULL;
}

/* xl's settings from the vnodes: maxvcpus and maxmem are their sums
 * (checked against the keys where given). */
static struct err *totals(struct xlc *p, struct vnuma *v)
{
	libxl_domain_build_info *b = &p->d->b_info;
	int online;

	if (b->max_vcpus != 0 && (unsigned long)b->max_vcpus != v->nvcpus)
		return xlc_bad_value(p, KEY, "the vnodes have %lu vcpus, "
		    "maxvcpus is %d", v->nvcpus, b->max_vcpus);
	if (b->max_vcpus == 0) {
		/* xl's check against the host's online cpus, which
		 * maxvcpus overrides. */
		online = libxl_get_online_cpus(p->ctx);
		if (online < 0)
			return err_new(ERR_INTERNAL, "cannot count the online "
			    "cpus");
		if (v->nvcpus > (unsigned long)online)
			return xlc_bad_value(p, KEY, "the vnodes have %lu "
			    "vcpus, more than the %d online cpus (give "
			    "maxvcpus to allow it)", v->nvcpus, online);
		if (b->avail_vcpus.size > 0 &&
		    (unsigned long)libxl_bitmap_count_set(&b->avail_vcpus) >
		    v->nvcpus)
			return xlc_bad_value(p, KEY, "the vnodes have %lu "
			    "vcpus, fewer than vcpus (%d)", v->nvcpus,
			    libxl_bitmap_count_set(&b->avail_vcpus));
		b->max_vcpus = (int)v->nvcpus;
	}
	for (unsigned long c = 0; c < v->nvcpus; c++)
		if (!libxl_bitmap_test(&v->taken, (int)c))
			return xlc_bad_value(p, KEY, "vcpu %lu is in no vnode",
			    c);
	if (v->memkb > (uint64_t)DOMAIN_MAX_MEMORY_MIB << 10)
		return xlc_bad_value(p, KEY, "the vnodes' sizes add up to "
		    "more than %" PRIu64 " MiB", DOMAIN_MAX_MEMORY_MIB);
	if (b->max_memkb != LIBXL_MEMKB_DEFAULT && b->max_memkb != v->memkb)
		return xlc_bad_value(p, KEY, "the vnodes' sizes add up to %"
		    PRIu64 " MiB, maxmem is %" PRIu64 " MiB", v->memkb >> 10,
		    b->max_memkb >> 10);
	if (b->target_memkb != LIBXL_MEMKB_DEFAULT &&
	    b->target_memkb > v->memkb)
		return xlc_bad_value(p, KEY, "the vnodes' sizes add up to %"
		    PRIu64 " MiB, less than memory (%" PRIu64 " MiB)",
		    v->memkb >> 10, b->target_memkb >> 10);
	b->max_memkb = v->memkb;
	return NULL;
}

static int host_nodes(libxl_ctx *ctx)
{
	libxl_numainfo *info;
	int n = 0;

	info = libxl_get_numainfo(ctx, &n);
	if (info == NULL)
		return -1;
	libxl_numainfo_list_free(info, n);
	return n;
}

struct err *xlc_vnuma(struct xlc *p)
{
	libxl_domain_build_info *b = &p->d->b_info;
	struct vnuma v = { .nnodes = 0 };
	XLU_ConfigList *list;
	struct err *e;
	int n;

	if (!xlc_has(p, KEY))
		return NULL;
	if ((e = xlc_list(p, KEY, &list, &n)) != NULL || n == 0)
		return e;
	if (n > VNODES_MAX)
		return xlc_bad_value(p, KEY, "%d vnodes, at most %d", n,
		    VNODES_MAX);
	if ((v.host_nodes = host_nodes(p->ctx)) <= 0)
		return err_new(ERR_INTERNAL, "cannot count the host's NUMA "
		    "nodes");
	v.nnodes = n;
	b->vnuma_nodes = xcalloc((size_t)n, sizeof *b->vnuma_nodes);
	b->num_vnuma_nodes = n;
	for (int i = 0; i < n; i++) {
		libxl_vnode_info *vn = &b->vnuma_nodes[i];

		libxl_vnode_info_init(vn);
		vn->distances = xcalloc((size_t)n, sizeof *vn->distances);
		vn->num_distances = n;
		/* Sized as xl sizes it: maxvcpus, else the host's cpus. */
		if (libxl_cpu_bitmap_alloc(p->ctx, &vn->vcpus, b->max_vcpus))
			return err_new(ERR_INTERNAL, "cannot allocate a bitmap");
	}
	libxl_bitmap_init(&v.taken);
	if (libxl_bitmap_alloc(p->ctx, &v.taken, DOMAIN_MAX_VCPUS) != 0)
		return err_new(ERR_INTERNAL, "cannot allocate a bitmap");
	for (int i = 0; i < n && e == NULL; i++)
		e = vnode(p, &v, list, i);
	if (e == NULL)
		e = totals(p, &v);
	libxl_bitmap_dispose(&v.taken);
	return e;
}
