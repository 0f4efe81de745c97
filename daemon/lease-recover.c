/* lease_recover, at daemon start: the holders the last daemon left are
 * adopted or told to release, their records read back, and a running
 * domain without a holder gets one. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/fsutil.h"
#include "daemon/lease-int.h"
#include "daemon/lease-record.h"
#include "daemon/log.h"
#include "proto/mem.h"
#include "proto/schema.h"

static const struct lease_running *running_find(
    const struct lease_running *running, size_t n, const char *uuid)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(running[i].uuid, uuid) == 0)
			return &running[i];
	return NULL;
}

static void recover_queue(struct lease_dom *d, enum lease_op op,
    const struct lease_disks *disks)
{
	struct lease_req *r = lease_req_new(op, NULL, NULL);

	r->recovery = true;
	r->counted = true;
	if (disks != NULL)
		lease_disks_copy(&r->wire.disks, disks);
	lease_recovery.pending++;
	lease_dom_enqueue(d, r);
}

static void recover_record(const char *path,
    const struct lease_running *running, size_t n)
{
	struct lease_record rec;
	const struct lease_running *run;
	struct lease_dom *d;
	size_t len;
	int error;
	char *text = fsutil_read_file(path, LEASE_RECORD_MAX, &len, &error);
	struct err *e;

	if (text == NULL) {
		log_warning("cannot read the lease record %s: %s", path,
		    strerror(error));
		return;
	}
	e = lease_record_parse(text, len, &rec);
	free(text);
	if (e != NULL) {
		/* not removed: what we cannot read may still be somebody's */
		log_error("lease record %s: %s", path, e->desc);
		err_free(e);
		return;
	}
	if (!lease_record_alive(&rec)) {
		char *sock = lease_socket_path(lease_config.records_dir,
		    rec.uuid);

		log_info("domain %s: its lease holder %d is gone; removing "
		    "its record", rec.domain, (int)rec.pid);
		unlink(path);
		unlink(sock);
		free(sock);
		lease_record_clear(&rec);
		return;
	}
	run = running_find(running, n, rec.uuid);
	d = lease_dom_get(rec.uuid, run != NULL ? run->domain : rec.domain);
	d->pid = rec.pid;
	d->start_time = rec.start_time;
	d->child = false;
	lease_disks_copy(&d->held, &rec.disks);
	if (run != NULL) {
		/* it keeps what it holds; what the domain needs and it lacks
		 * (a hot-plug the daemon died in) is added */
		log_info("domain %s: adopting lease holder %d", d->name,
		    (int)rec.pid);
		lease_disks_copy(&d->wanted, run->disks);
		recover_queue(d, LEASE_OP_ADD, run->disks);
	} else {
		log_notice("domain %s is gone: its lease holder %d releases",
		    d->name, (int)rec.pid);
		if (!lease_dom_connect(d)) {
			/* it is alive (same pid, same start): SIGTERM makes
			 * it release and exit */
			kill(rec.pid, SIGTERM);
			d->pid = 0;
			lease_disks_clear(&d->held);
		}
		recover_queue(d, LEASE_OP_RELEASE, NULL);
	}
	lease_record_clear(&rec);
}

void lease_recover(const struct lease_running *running, size_t n,
    lease_done_fn *done, void *arg)
{
	DIR *dir;
	struct dirent *ent;

	lease_recovery.done = done;
	lease_recovery.arg = arg;
	lease_recovery.running = true;
	lease_recovery.pending++;		/* until the scan is over */
	dir = lease_enabled() ? opendir(lease_config.records_dir) : NULL;
	while (dir != NULL && (ent = readdir(dir)) != NULL) {
		size_t len = strlen(ent->d_name);
		char *path;

		if (ent->d_name[0] == '.' || len != 36 + 5 ||
		    strcmp(ent->d_name + 36, ".json") != 0)
			continue;
		xasprintf(&path, "%s/%s", lease_config.records_dir,
		    ent->d_name);
		recover_record(path, running, n);
		free(path);
	}
	if (dir != NULL)
		closedir(dir);
	for (size_t i = 0; i < n && lease_enabled(); i++) {
		struct lease_dom *d;

		if (!schema_valid_uuid(running[i].uuid) ||
		    !schema_valid_domain_name(running[i].domain)) {
			log_error("lease: not a domain: '%.*s' '%.*s'",
			    err_quote_len(running[i].uuid, 40), running[i].uuid,
			    err_quote_len(running[i].domain, 80),
			    running[i].domain);
			continue;
		}
		if (lease_dom_find(running[i].uuid) != NULL)
			continue;
		d = lease_dom_get(running[i].uuid, running[i].domain);
		lease_disks_copy(&d->wanted, running[i].disks);
		if (running[i].disks->n > 0) {
			log_notice("domain %s runs without a lease holder: "
			    "taking its leases", d->name);
			recover_queue(d, LEASE_OP_SET, running[i].disks);
		}
		lease_dom_maybe_free(d);
	}
	lease_recover_progress();
}
