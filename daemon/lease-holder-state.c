/* The leases one lease holder holds, through its backend, and its record
 * (lease-holder-state.h): what each request of the daemon's changes.  A
 * change is all or nothing; the record is written after it, so that a
 * restarted daemon finds what is held. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/fsutil.h"
#include "daemon/lease-holder-state.h"
#include "daemon/lease-record.h"
#include "daemon/lease-wire.h"
#include "proto/mem.h"

const struct lease_backend *holder_backend;
struct lease_holder_id holder_id;
char *holder_record_path;
struct lease_disks holder_names;
static struct lease_held *held;
size_t holder_nheld;

/* ------------------------------------------------------------------------
 * The leases */

static struct lease_held *held_find(const char *disk)
{
	for (size_t i = 0; i < holder_nheld; i++)
		if (strcmp(held[i].disk, disk) == 0)
			return &held[i];
	return NULL;
}

static void held_remove(struct lease_held *l)
{
	size_t i = (size_t)(l - held);

	holder_backend->release(&holder_id, l);
	free(l->disk);
	memmove(&held[i], &held[i + 1],
	    (holder_nheld - i - 1) * sizeof *held);
	holder_nheld--;
}

/* What a list of names needs: one lease per canonical disk, exclusive
 * when any name of it is writable. */
static enum lease_mode wanted_mode(const struct lease_disks *want,
    const char *disk, bool *found)
{
	enum lease_mode mode = LEASE_SHARED;

	*found = false;
	for (size_t i = 0; i < want->n; i++) {
		if (strcmp(want->v[i].disk, disk) != 0)
			continue;
		*found = true;
		if (want->v[i].mode == LEASE_EXCLUSIVE)
			mode = LEASE_EXCLUSIVE;
	}
	return mode;
}

struct change {
	struct lease_held *taken;	/* new in this request */
	size_t ntaken;
	char **upgraded;		/* made exclusive in this request */
	size_t nupgraded;
};

static void change_undo(struct change *c)
{
	for (size_t i = 0; i < c->nupgraded; i++) {
		struct lease_held *l = held_find(c->upgraded[i]);
		struct err *e;

		if (l != NULL && (e = holder_backend->convert(&holder_id, l,
		    LEASE_SHARED)) != NULL) {
			lease_holder_warn("%s", e->desc);
			err_free(e);
		}
	}
	for (size_t i = c->ntaken; i > 0; i--)
		held_remove(&held[holder_nheld - 1]);
}

static void change_free(struct change *c)
{
	for (size_t i = 0; i < c->nupgraded; i++)
		free(c->upgraded[i]);
	free(c->upgraded);
}

/* Makes the leases exactly what want (names with canonical disks) needs:
 * what is missing is taken first, all or nothing; only then is what is no
 * longer needed dropped.  On error nothing changed. */
static struct err *holder_apply(const struct lease_disks *want)
{
	struct change c = { 0 };
	struct err *e = NULL;

	for (size_t i = 0; i < want->n && e == NULL; i++) {
		const char *disk = want->v[i].disk;
		bool found;
		enum lease_mode mode = wanted_mode(want, disk, &found);
		struct lease_held *l = held_find(disk);

		if (l == NULL) {
			held = xreallocarray(held, holder_nheld + 1,
			    sizeof *held);
			l = &held[holder_nheld];
			memset(l, 0, sizeof *l);
			l->fd = -1;
			l->disk = xstrdup(disk);
			lease_key(disk, l->key);
			l->mode = mode;
			e = holder_backend->acquire(&holder_id, l);
			if (e != NULL) {
				free(l->disk);
				break;
			}
			holder_nheld++;
			c.ntaken++;
		} else if (l->mode == LEASE_SHARED &&
		    mode == LEASE_EXCLUSIVE) {
			e = holder_backend->convert(&holder_id, l,
			    LEASE_EXCLUSIVE);
			if (e != NULL)
				break;
			c.upgraded = xreallocarray(c.upgraded, c.nupgraded + 1,
			    sizeof *c.upgraded);
			c.upgraded[c.nupgraded++] = xstrdup(disk);
		}
	}
	if (e != NULL) {
		change_undo(&c);
		change_free(&c);
		return e;
	}
	change_free(&c);
	for (size_t i = holder_nheld; i > 0; i--) {
		struct lease_held *l = &held[i - 1];
		bool found;
		enum lease_mode mode = wanted_mode(want, l->disk, &found);

		if (!found) {
			held_remove(l);
		} else if (l->mode == LEASE_EXCLUSIVE && mode == LEASE_SHARED &&
		    (e = holder_backend->convert(&holder_id, l,
		    LEASE_SHARED)) != NULL) {
			/* still exclusive: more than asked, never less */
			lease_holder_warn("%s", e->desc);
			err_free(e);
		}
	}
	lease_disks_copy(&holder_names, want);
	for (size_t i = 0; i < holder_names.n; i++) {
		struct lease_held *l = held_find(holder_names.v[i].disk);

		if (l != NULL)
			holder_names.v[i].mode = l->mode;
	}
	return NULL;
}

void holder_release_all(void)
{
	while (holder_nheld > 0)
		held_remove(&held[holder_nheld - 1]);
	lease_disks_clear(&holder_names);
}

/* ------------------------------------------------------------------------
 * The record */

static struct err *record_write(void)
{
	struct lease_record r = {
		.pid = getpid(),
		.domain = holder_id.domain,
		.host = (char *)holder_id.host,
		.backend = (char *)holder_backend->name,
		.disks = holder_names,
	};
	size_t len;
	char *text;
	int rc;

	if (lease_process_start_time(r.pid, &r.start_time) < 0)
		return err_new(ERR_INTERNAL, "cannot read our start time");
	memcpy(r.uuid, holder_id.uuid, sizeof r.uuid);
	text = lease_record_format(&r, &len);
	rc = fsutil_atomic_write(holder_record_path, text, len, 0600, false);
	free(text);
	if (rc < 0)
		return err_new(ERR_IO, "cannot write %s: %s",
		    holder_record_path, strerror(-rc));
	return NULL;
}

/* ------------------------------------------------------------------------
 * Requests */

/* Fills the canonical disk of every name, or says which cannot be. */
static struct err *resolve(struct lease_disks *list)
{
	for (size_t i = 0; i < list->n; i++) {
		struct lease_disk *d = &list->v[i];
		int rc;

		free(d->disk);
		d->disk = NULL;
		rc = lease_canonical_path(d->path, &d->disk);
		if (rc < 0)
			return err_new(ERR_INVALID_ARGUMENT, "cannot resolve "
			    "disk %s: %s", d->path, strerror(-rc));
	}
	return NULL;
}

static struct err *op_set(struct lease_request *req)
{
	struct err *e = resolve(&req->disks);

	return e != NULL ? e : holder_apply(&req->disks);
}

static struct err *op_add(struct lease_request *req)
{
	struct lease_disks want = { 0 };
	struct err *e = resolve(&req->disks);

	if (e != NULL)
		return e;
	lease_disks_copy(&want, &holder_names);
	for (size_t i = 0; i < req->disks.n; i++)
		lease_disks_add(&want, req->disks.v[i].path,
		    req->disks.v[i].disk, req->disks.v[i].mode);
	if (want.n > LEASE_MAX_DISKS)
		e = err_new(ERR_INVALID_ARGUMENT, "more than %d disks",
		    LEASE_MAX_DISKS);
	else
		e = holder_apply(&want);
	lease_disks_clear(&want);
	return e;
}

static struct err *op_remove(struct lease_request *req)
{
	struct lease_disks want = { 0 };
	struct err *e;

	/* a disk is named as it was added, or by any name of the same
	 * disk: a path that no longer resolves still matches by its name */
	for (size_t i = 0; i < req->disks.n; i++) {
		free(req->disks.v[i].disk);
		if (lease_canonical_path(req->disks.v[i].path,
		    &req->disks.v[i].disk) < 0)
			req->disks.v[i].disk = NULL;
	}
	for (size_t i = 0; i < holder_names.n; i++) {
		bool drop = false;

		for (size_t j = 0; j < req->disks.n && !drop; j++)
			drop = strcmp(holder_names.v[i].path,
			    req->disks.v[j].path) == 0 ||
			    (req->disks.v[j].disk != NULL &&
			    strcmp(holder_names.v[i].disk,
			    req->disks.v[j].disk) == 0);
		if (!drop)
			lease_disks_add(&want, holder_names.v[i].path,
			    holder_names.v[i].disk, holder_names.v[i].mode);
	}
	e = holder_apply(&want);
	lease_disks_clear(&want);
	return e;
}

static struct err *op_list(struct lease_request *req)
{
	return NULL;
}

static struct err *op_release(struct lease_request *req)
{
	holder_release_all();
	return NULL;
}

static struct err *op_domain(struct lease_request *req)
{
	free(holder_id.domain);
	holder_id.domain = xstrdup(req->domain);
	for (size_t i = 0; i < holder_nheld; i++)
		holder_backend->note(&holder_id, &held[i]);
	return NULL;
}

static const struct {
	enum lease_op op;
	struct err *(*run)(struct lease_request *);
	bool changes;			/* rewrites the record */
} holder_ops[] = {
	{ LEASE_OP_SET, op_set, true },
	{ LEASE_OP_ADD, op_add, true },
	{ LEASE_OP_REMOVE, op_remove, true },
	{ LEASE_OP_LIST, op_list, false },
	{ LEASE_OP_RELEASE, op_release, true },
	{ LEASE_OP_DOMAIN, op_domain, true },
};

struct err *holder_run(const char *line, size_t len, bool started)
{
	struct lease_request req;
	struct err *e = lease_request_parse(line, len, &req);

	if (e != NULL)
		return e;
	for (size_t i = 0; i < sizeof holder_ops / sizeof *holder_ops; i++) {
		if (holder_ops[i].op != req.op)
			continue;
		e = holder_ops[i].run(&req);
		if (e == NULL && holder_ops[i].changes && holder_nheld > 0)
			e = record_write();
		/* unrecorded, no restarted daemon would find us: a first
		 * request that cannot be written down is undone */
		if (e != NULL && !started)
			holder_release_all();
		break;
	}
	lease_request_clear(&req);
	return e;
}
