/* The table of leases as lease-list and domain-info show it: what each
 * domain's holder holds, and what the domain needs and lacks. */
#include "config.h"

#include <bsd/sys/queue.h>

#include <json-c/json.h>

#include "daemon/lease-int.h"

/* The holder a lost lease's conflict named. */
static json_object *holder_json(const struct err *lost)
{
	json_object *holder;

	if (lost == NULL || lost->data == NULL ||
	    !json_object_object_get_ex(lost->data, "holder", &holder))
		return NULL;
	return json_object_get(holder);
}

static json_object *list_entry_json(const struct lease_dom *d,
    const char *disk, enum lease_mode mode, const char *state)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "disk", json_object_new_string(disk));
	json_object_object_add(o, "mode",
	    json_object_new_string(lease_mode_name(mode)));
	json_object_object_add(o, "domain", json_object_new_string(d->name));
	json_object_object_add(o, "host",
	    json_object_new_string(lease_config.host));
	json_object_object_add(o, "state", json_object_new_string(state));
	return o;
}

json_object *lease_list_json(void)
{
	json_object *list = json_object_new_array();
	struct lease_dom *d;

	if (!lease_enabled())
		return list;
	TAILQ_FOREACH(d, &lease_doms, entry) {
		struct lease_disks seen = { 0 };

		for (size_t i = 0; i < d->held.n; i++) {
			const struct lease_disk *l = &d->held.v[i];

			/* one entry per disk, however many names it has */
			if (lease_disks_find(&seen, l->disk) != NULL)
				continue;
			lease_disks_add(&seen, l->disk, NULL, l->mode);
			json_object_array_add(list, list_entry_json(d, l->disk,
			    l->mode, "held"));
		}
		for (size_t i = 0; i < d->wanted.n; i++) {
			const struct lease_disk *w = &d->wanted.v[i];
			json_object *o, *holder;

			if (lease_dom_holds(d, w->path))
				continue;
			o = list_entry_json(d, w->path, w->mode,
			    d->lost != NULL ? "lost" : "pending");
			holder = holder_json(d->lost);
			if (holder != NULL)
				json_object_object_add(o, "holder", holder);
			json_object_array_add(list, o);
		}
		lease_disks_clear(&seen);
	}
	return list;
}

json_object *lease_domain_json(const char *uuid)
{
	json_object *list = json_object_new_array();
	struct lease_dom *d = lease_enabled() ? lease_dom_find(uuid) : NULL;

	if (d == NULL)
		return list;
	for (size_t i = 0; i < d->held.n; i++) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "path",
		    json_object_new_string(d->held.v[i].path));
		json_object_object_add(o, "disk",
		    json_object_new_string(d->held.v[i].disk));
		json_object_object_add(o, "mode", json_object_new_string(
		    lease_mode_name(d->held.v[i].mode)));
		json_object_object_add(o, "state",
		    json_object_new_string("held"));
		json_object_array_add(list, o);
	}
	for (size_t i = 0; i < d->wanted.n; i++) {
		json_object *o;

		if (lease_dom_holds(d, d->wanted.v[i].path))
			continue;
		o = json_object_new_object();
		json_object_object_add(o, "path",
		    json_object_new_string(d->wanted.v[i].path));
		json_object_object_add(o, "mode", json_object_new_string(
		    lease_mode_name(d->wanted.v[i].mode)));
		json_object_object_add(o, "state", json_object_new_string(
		    d->lost != NULL ? "lost" : "pending"));
		json_object_array_add(list, o);
	}
	return list;
}
