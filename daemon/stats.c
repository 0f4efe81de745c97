/* Statistics of running domains from libxenstat (what xentop uses). */
#include "config.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/daemon.h"
#include "daemon/domain.h"
#include "daemon/fsutil.h"
#include "daemon/stats.h"

static xenstat_handle *stats_handle;

/* "xvda", "xvdb3", or NULL for devids of other families */
static bool stats_vdev_name(unsigned int devid, char *buf, size_t len)
{
	unsigned int disk, part;

	if (devid & (1u << 28)) {	/* extended xvd numbering */
		disk = (devid >> 8) & 0xfffff;
		part = devid & 0xff;
	} else if ((devid >> 8) == 202) {
		disk = (devid >> 4) & 0xf;
		part = devid & 0xf;
	} else {
		return false;
	}
	if (disk < 26)
		snprintf(buf, len, "xvd%c", 'a' + disk);
	else
		snprintf(buf, len, "xvd%c%c", 'a' + disk / 26 - 1,
		    'a' + disk % 26);
	if (part != 0)
		snprintf(buf + strlen(buf), len - strlen(buf), "%u", part);
	return true;
}

/* libxenstat 4.17 stores the read sector count into wr_sects (a slip in
 * xenstat_collect_vbds), so on Xen the sysfs counter is read directly. */
static unsigned long long stats_rd_sectors(uint32_t domid, xenstat_vbd *vbd)
{
	char path[128], buf[32];
	unsigned long long value;

	if (strcmp(daemon_hypervisor, "xen") != 0)
		return xenstat_vbd_rd_sects(vbd);
	snprintf(path, sizeof path, "/sys/bus/xen-backend/devices/%s-%" PRIu32
	    "-%u/statistics/rd_sect", xenstat_vbd_type(vbd) == 2 ? "tap" :
	    "vbd", domid, xenstat_vbd_dev(vbd));
	if (fsutil_read_small(path, buf, sizeof buf) <= 0)
		return 0;
	return sscanf(buf, "%llu", &value) == 1 ? value : 0;
}

static void json_add_u64(json_object *obj, const char *key,
    unsigned long long value)
{
	json_object_object_add(obj, key, json_object_new_int64((int64_t)value));
}

json_object *stats_domain_json(struct domain *d, xenstat_domain *xd)
{
	json_object *obj = json_object_new_object();
	json_object *vcpus = json_object_new_array();
	json_object *block = json_object_new_array();
	json_object *net = json_object_new_array();

	json_object_object_add(obj, "domain", json_object_new_string(d->name));
	json_object_object_add(obj, "domid", json_object_new_int64(d->domid));
	json_add_u64(obj, "cpu_time_ns", xenstat_domain_cpu_ns(xd));
	json_add_u64(obj, "memory_kib", xenstat_domain_cur_mem(xd) / 1024);
	for (unsigned i = 0; i < xenstat_domain_num_vcpus(xd); i++) {
		xenstat_vcpu *v = xenstat_domain_vcpu(xd, i);
		json_object *vo = json_object_new_object();

		json_object_object_add(vo, "vcpu", json_object_new_int((int)i));
		json_object_object_add(vo, "online",
		    json_object_new_boolean(xenstat_vcpu_online(v)));
		json_add_u64(vo, "time_ns", xenstat_vcpu_ns(v));
		json_object_array_add(vcpus, vo);
	}
	for (unsigned i = 0; i < xenstat_domain_num_vbds(xd); i++) {
		xenstat_vbd *vbd = xenstat_domain_vbd(xd, i);
		json_object *bo = json_object_new_object();
		char vdev[16];

		json_object_object_add(bo, "devid",
		    json_object_new_int64(xenstat_vbd_dev(vbd)));
		json_object_object_add(bo, "vdev", stats_vdev_name(
		    xenstat_vbd_dev(vbd), vdev, sizeof vdev) ?
		    json_object_new_string(vdev) : NULL);
		json_add_u64(bo, "rd_reqs", xenstat_vbd_rd_reqs(vbd));
		json_add_u64(bo, "wr_reqs", xenstat_vbd_wr_reqs(vbd));
		json_add_u64(bo, "rd_sectors", stats_rd_sectors(d->domid, vbd));
		json_add_u64(bo, "wr_sectors", xenstat_vbd_wr_sects(vbd));
		json_add_u64(bo, "oo_reqs", xenstat_vbd_oo_reqs(vbd));
		json_object_object_add(bo, "error",
		    json_object_new_boolean(xenstat_vbd_error(vbd)));
		json_object_array_add(block, bo);
	}
	for (unsigned i = 0; i < xenstat_domain_num_networks(xd); i++) {
		xenstat_network *n = xenstat_domain_network(xd, i);
		json_object *no = json_object_new_object();

		/* xenstat counts at the backend (dom0's vif): what it
		 * receives, the guest sent */
		json_object_object_add(no, "devid",
		    json_object_new_int64(xenstat_network_id(n)));
		json_add_u64(no, "rx_bytes", xenstat_network_tbytes(n));
		json_add_u64(no, "rx_packets", xenstat_network_tpackets(n));
		json_add_u64(no, "rx_errors", xenstat_network_terrs(n));
		json_add_u64(no, "rx_drops", xenstat_network_tdrop(n));
		json_add_u64(no, "tx_bytes", xenstat_network_rbytes(n));
		json_add_u64(no, "tx_packets", xenstat_network_rpackets(n));
		json_add_u64(no, "tx_errors", xenstat_network_rerrs(n));
		json_add_u64(no, "tx_drops", xenstat_network_rdrop(n));
		json_object_array_add(net, no);
	}
	json_object_object_add(obj, "vcpus", vcpus);
	json_object_object_add(obj, "block", block);
	json_object_object_add(obj, "net", net);
	return obj;
}

xenstat_node *stats_collect(struct err **e)
{
	xenstat_node *node;

	if (stats_handle == NULL)
		stats_handle = xenstat_init();
	if (stats_handle == NULL) {
		*e = err_new(ERR_HYPERVISOR, "cannot open libxenstat");
		return NULL;
	}
	node = xenstat_get_node(stats_handle, XENSTAT_VCPU | XENSTAT_NETWORK |
	    XENSTAT_VBD);
	if (node == NULL)
		*e = err_new(ERR_HYPERVISOR, "cannot collect statistics");
	return node;
}

void stats_close(void)
{
	if (stats_handle != NULL)
		xenstat_uninit(stats_handle);
	stats_handle = NULL;
}
