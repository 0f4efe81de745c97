/* Host queries: version, host-info, host-numa, query-commands. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "daemon/command.h"
#include "daemon/request.h"
#include "daemon/daemon.h"
#include "daemon/stats.h"

static const struct arg_spec no_args[] = { ARG_END };

static void xen_version_string(char *buf, size_t len)
{
	const libxl_version_info *v = libxl_get_version_info(daemon_ctx);

	if (v == NULL)
		snprintf(buf, len, "unknown");
	else
		snprintf(buf, len, "%d.%d%s", v->xen_version_major,
		    v->xen_version_minor,
		    v->xen_version_extra ? v->xen_version_extra : "");
}

static void cmd_version_run(struct request *req)
{
	json_object *ret = json_object_new_object();
	char xen[64], api[16];

	xen_version_string(xen, sizeof xen);
	snprintf(api, sizeof api, "0x%06x", LIBXL_API_VERSION);
	json_object_object_add(ret, "server", json_object_new_string("xenlightd"));
	json_object_object_add(ret, "version",
	    json_object_new_string(PACKAGE_VERSION));
	json_object_object_add(ret, "protocol", json_object_new_int(PROTO_VERSION));
	json_object_object_add(ret, "libxl", json_object_new_string(api));
	json_object_object_add(ret, "xen_version", json_object_new_string(xen));
	json_object_object_add(ret, "hypervisor",
	    json_object_new_string(daemon_hypervisor));
	request_reply(req, ret);
}

const struct command cmd_version = {
	.name = "version",
	.kind = COMMAND_QUERY,
	.args = no_args,
	.run = cmd_version_run,
	.help = "versions of the daemon, the protocol and the hypervisor",
};

static void cmd_host_info_run(struct request *req)
{
	const libxl_version_info *v = libxl_get_version_info(daemon_ctx);
	json_object *ret = json_object_new_object(), *caps;
	libxl_physinfo phys;
	struct stats_host host = { 0 };
	struct err *e;
	uint64_t free_kib = 0;
	char xen[64];
	int rc;

	libxl_physinfo_init(&phys);
	rc = libxl_get_physinfo(daemon_ctx, &phys);
	if (rc != 0) {
		libxl_physinfo_dispose(&phys);
		json_object_put(ret);
		request_fail(req, err_add_data(err_new(ERR_HYPERVISOR,
		    "cannot read host information: libxl error %d", rc),
		    "libxl_error", json_object_new_int(rc)));
		return;
	}
	libxl_get_free_memory(daemon_ctx, &free_kib);
	e = stats_host_read(&host);
	if (e != NULL) {
		libxl_physinfo_dispose(&phys);
		json_object_put(ret);
		request_fail(req, e);
		return;
	}
	xen_version_string(xen, sizeof xen);
	json_object_object_add(ret, "hostname",
	    json_object_new_string(daemon_hostname));
	json_object_object_add(ret, "hypervisor",
	    json_object_new_string(daemon_hypervisor));
	json_object_object_add(ret, "xen_version", json_object_new_string(xen));
	json_object_object_add(ret, "xen_capabilities", json_object_new_string(
	    v && v->capabilities ? v->capabilities : ""));
	json_object_object_add(ret, "xen_commandline", json_object_new_string(
	    v && v->commandline ? v->commandline : ""));
	json_object_object_add(ret, "scheduler", json_object_new_string(
	    libxl_scheduler_to_string(libxl_get_scheduler(daemon_ctx))));
	json_object_object_add(ret, "nr_cpus", json_object_new_int64(phys.nr_cpus));
	json_object_object_add(ret, "max_cpu_id",
	    json_object_new_int64(phys.max_cpu_id));
	json_object_object_add(ret, "threads_per_core",
	    json_object_new_int64(phys.threads_per_core));
	json_object_object_add(ret, "cores_per_socket",
	    json_object_new_int64(phys.cores_per_socket));
	json_object_object_add(ret, "cpu_mhz",
	    json_object_new_int64(phys.cpu_khz / 1000));
	json_object_object_add(ret, "nr_nodes", json_object_new_int64(phys.nr_nodes));
	/* Xen's pages are 4 KiB on x86 */
	json_object_object_add(ret, "total_memory_kib",
	    json_object_new_int64((int64_t)phys.total_pages * 4));
	json_object_object_add(ret, "free_memory_kib",
	    json_object_new_int64((int64_t)free_kib));
	caps = json_object_new_array();
	if (phys.cap_pv)
		json_object_array_add(caps, json_object_new_string("pv"));
	if (phys.cap_hvm)
		json_object_array_add(caps, json_object_new_string("hvm"));
	if (phys.cap_hap)
		json_object_array_add(caps, json_object_new_string("hap"));
	if (phys.cap_hvm_directio)
		json_object_array_add(caps, json_object_new_string("directio"));
	json_object_object_add(ret, "capabilities", caps);
	stats_host_json(&host, ret);
	stats_host_dispose(&host);
	libxl_physinfo_dispose(&phys);
	request_reply(req, ret);
}

const struct command cmd_host_info = {
	.name = "host-info",
	.kind = COMMAND_QUERY,
	.args = no_args,
	.run = cmd_host_info_run,
	.help = "the host: Xen version, scheduler, CPUs, nodes, memory",
};

static void cmd_host_numa_run(struct request *req)
{
	int nr_nodes = 0, nr_cpus = 0;
	libxl_numainfo *nodes = libxl_get_numainfo(daemon_ctx, &nr_nodes);
	libxl_cputopology *cpus = libxl_get_cpu_topology(daemon_ctx, &nr_cpus);
	json_object *ret, *list;

	if (nodes == NULL) {
		if (cpus != NULL)
			libxl_cputopology_list_free(cpus, nr_cpus);
		request_fail(req, err_new(ERR_HYPERVISOR,
		    "cannot read the host's NUMA information"));
		return;
	}
	list = json_object_new_array();
	for (int i = 0; i < nr_nodes; i++) {
		json_object *node = json_object_new_object();
		json_object *node_cpus = json_object_new_array();
		json_object *distances = json_object_new_array();

		json_object_object_add(node, "node", json_object_new_int(i));
		json_object_object_add(node, "total_memory_kib",
		    json_object_new_int64((int64_t)(nodes[i].size / 1024)));
		json_object_object_add(node, "free_memory_kib",
		    json_object_new_int64((int64_t)(nodes[i].free / 1024)));
		for (int c = 0; cpus != NULL && c < nr_cpus; c++)
			if (cpus[c].node == (uint32_t)i)
				json_object_array_add(node_cpus,
				    json_object_new_int(c));
		json_object_object_add(node, "cpus", node_cpus);
		for (int j = 0; j < nodes[i].num_dists; j++)
			json_object_array_add(distances,
			    json_object_new_int64(nodes[i].dists[j]));
		json_object_object_add(node, "distances", distances);
		json_object_array_add(list, node);
	}
	ret = json_object_new_object();
	json_object_object_add(ret, "nodes", list);
	libxl_numainfo_list_free(nodes, nr_nodes);
	if (cpus != NULL)
		libxl_cputopology_list_free(cpus, nr_cpus);
	request_reply(req, ret);
}

const struct command cmd_host_numa = {
	.name = "host-numa",
	.kind = COMMAND_QUERY,
	.args = no_args,
	.run = cmd_host_numa_run,
	.help = "per NUMA node: memory and CPUs",
};

static void cmd_query_commands_run(struct request *req)
{
	const struct command *const *all = command_all();
	json_object *list = json_object_new_array();

	for (int i = 0; all[i] != NULL; i++) {
		const struct command *c = all[i];
		json_object *entry;

		if (c->internal)
			continue;
		entry = json_object_new_object();
		json_object_object_add(entry, "name", json_object_new_string(c->name));
		json_object_object_add(entry, "kind",
		    json_object_new_string(command_kind_name(c->kind)));
		json_object_object_add(entry, "access", json_object_new_string(
		    c->kind == COMMAND_QUERY ? "read-only" : "full"));
		json_object_object_add(entry, "arguments", schema_to_json(c->args));
		json_object_object_add(entry, "help", json_object_new_string(c->help));
		json_object_array_add(list, entry);
	}
	request_reply(req, list);
}

const struct command cmd_query_commands = {
	.name = "query-commands",
	.kind = COMMAND_QUERY,
	.args = no_args,
	.run = cmd_query_commands_run,
	.help = "every command with its kind, access and argument schema",
};
