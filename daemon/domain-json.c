#include "config.h"

#include "daemon/daemon.h"
#include "daemon/domain-json.h"
#include "daemon/domain.h"
#include "daemon/job.h"
#include "daemon/lease.h"
#include "proto/json-text.h"
#include "proto/mem.h"

/* Its disk leases, one per path it leases or needs:
 * [{"path","disk","mode","state"}] ("disk" once the holder resolved it). */
static void domain_write_leases(yajl_gen g, struct domain *d)
{
	static const char *const keys[] = { "path", "disk", "mode", "state" };
	json_object *leases = lease_domain_json(d->uuid_text);

	yajl_gen_array_open(g);
	for (size_t i = 0; i < json_object_array_length(leases); i++) {
		json_object *lease = json_object_array_get_idx(leases, i);

		yajl_gen_map_open(g);
		for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
			json_object *value;

			if (!json_object_object_get_ex(lease, keys[k], &value))
				continue;
			yajl_key(g, keys[k]);
			yajl_text(g, json_object_get_string(value));
		}
		yajl_gen_map_close(g);
	}
	yajl_gen_array_close(g);
	json_object_put(leases);
}

void domain_write_json(yajl_gen g, struct domain *d, const libxl_dominfo *info)
{
	const libxl_domain_build_info *b = d->config ? &d->config->b_info : NULL;
	uint64_t memory = 0, max_memory = 0;
	int vcpus = 0, online = 0;
	const char *type = NULL;
	struct job *holder = job_holding(d);

	if (info != NULL) {
		type = domain_type_name(info->domain_type);
		memory = info->current_memkb;
		max_memory = info->max_memkb;
		vcpus = info->vcpu_max_id + 1;
		online = (int)info->vcpu_online;
	} else if (b != NULL) {
		type = domain_type_name(b->type);
		memory = b->target_memkb == LIBXL_MEMKB_DEFAULT ? 0 :
		    b->target_memkb;
		max_memory = b->max_memkb == LIBXL_MEMKB_DEFAULT ? memory :
		    b->max_memkb;
		/* libxl's default for an unset max_vcpus is one */
		vcpus = b->max_vcpus > 0 ? b->max_vcpus : 1;
	}
	yajl_gen_map_open(g);
	yajl_key(g, "name");
	yajl_text(g, d->name);
	yajl_key(g, "uuid");
	yajl_text(g, d->uuid_text);
	yajl_key(g, "domid");
	if (info != NULL)
		yajl_gen_integer(g, info->domid);
	else
		yajl_gen_null(g);
	yajl_key(g, "state");
	yajl_text(g, info ? domain_state_name(info) : "shutoff");
	yajl_key(g, "reason");
	if (info != NULL && info->shutdown)
		yajl_text(g, domain_shutdown_reason_name(info->shutdown_reason));
	else
		yajl_gen_null(g);
	yajl_key(g, "type");
	if (type != NULL)
		yajl_text(g, type);
	else
		yajl_gen_null(g);
	yajl_key(g, "persistent");
	yajl_gen_bool(g, d->persistent);
	yajl_key(g, "autostart");
	yajl_gen_bool(g, d->autostart);
	yajl_key(g, "managed_save");
	yajl_gen_bool(g, d->managed_save);
	yajl_key(g, "memory_kib");
	yajl_gen_integer(g, (long long)memory);
	yajl_key(g, "max_memory_kib");
	yajl_gen_integer(g, (long long)max_memory);
	yajl_key(g, "vcpus");
	yajl_gen_integer(g, vcpus);
	yajl_key(g, "vcpus_online");
	yajl_gen_integer(g, online);
	/* the most domain-set-vcpus accepts (libvirt's GetMaxVcpus) */
	yajl_key(g, "max_vcpus");
	yajl_gen_integer(g, vcpus);
	yajl_key(g, "cpupool");
	if (info != NULL)
		yajl_gen_integer(g, info->cpupool);
	else
		yajl_gen_null(g);
	yajl_key(g, "cpu_time_ns");
	yajl_gen_integer(g, info ? (long long)info->cpu_time : 0);
	yajl_key(g, "job");
	if (holder != NULL) {
		yajl_gen_map_open(g);
		yajl_key(g, "id");
		yajl_gen_integer(g, (long long)holder->id);
		yajl_key(g, "type");
		yajl_text(g, job_name(holder));
		yajl_key(g, "state");
		yajl_text(g, job_state_name(holder->state));
		yajl_gen_map_close(g);
	} else {
		yajl_gen_null(g);
	}
	yajl_key(g, "leases");
	domain_write_leases(g, d);
	yajl_gen_map_close(g);
}

static json_object *domain_parsed_json(struct domain *d,
    const libxl_dominfo *info)
{
	yajl_gen g = json_text_writer();
	const unsigned char *text;
	size_t len;
	json_object *obj;

	domain_write_json(g, d, info);
	yajl_gen_get_buf(g, &text, &len);
	/* our own output: it parses */
	obj = xcheck(json_tokener_parse((const char *)text));
	return obj;
}

json_object *domain_info_json(struct domain *d)
{
	libxl_dominfo info;
	json_object *obj;

	if (!domain_fresh_info(d, &info))
		return domain_parsed_json(d, NULL);
	obj = domain_parsed_json(d, &info);
	libxl_dominfo_dispose(&info);
	return obj;
}

