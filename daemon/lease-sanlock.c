/* The sanlock backend: the holder is a sanlock client.  It registers with
 * the host's sanlock daemon and acquires one resource per disk, in the
 * lockspace "xenlightd" (DIR/xenlightd.lockspace, host id --host-id).
 * sanlock watches the registered process: when the holder exits or dies,
 * sanlock releases its resources; when the whole host dies, its delta
 * lease stops being renewed and the other hosts may take its resources
 * after sanlock's host-dead timeout (8 io_timeouts + the watchdog's 60 s).
 *
 * The lockspace and the resource leases are regular files (or devices) on
 * the storage every host shares.  A file that does not exist yet is
 * initialised under a temporary name and linked into place, so two hosts
 * racing to create it never overwrite one another's. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/fsutil.h"
#include "daemon/lease-backend.h"
#include "daemon/lease-record.h"
#include "proto/mem.h"

#ifdef HAVE_SANLOCK

#include <sanlock.h>
#include <sanlock_admin.h>
#include <sanlock_resource.h>
#include <sanlock_rv.h>

#define SANLOCK_LOCKSPACE_NAME "xenlightd"
/* A resource is named by the first characters of its key (the name
 * holds at most SANLK_NAME_LEN bytes): 160 bits of SHA-256 */
#define SANLOCK_RESOURCE_NAME_LEN 40
/* Room for 2000 hosts of 512-byte sectors, sanlock's 1 MiB alignment */
#define SANLOCK_AREA_SIZE (1024 * 1024)

struct sanlock_state {
	int sock;			/* registered: sanlock watches us */
	bool joined;
};

static void sanlock_lockspace_init(struct sanlk_lockspace *ls,
    const char *dir, int host_id)
{
	memset(ls, 0, sizeof *ls);
	strncpy(ls->name, SANLOCK_LOCKSPACE_NAME, SANLK_NAME_LEN);
	ls->host_id = (uint64_t)host_id;
	snprintf(ls->host_id_disk.path, SANLK_PATH_LEN,
	    "%s/xenlightd.lockspace", dir);
}

static struct err *sanlock_error(int rv, const char *what, const char *name)
{
	return err_new(ERR_IO, "sanlock: cannot %s %s: %s (%d)", what, name,
	    sanlock_strerror(rv), rv);
}

/* Initialises final_path with init() under a temporary name, then links
 * it into place: the first host to link wins, the others use its file. */
typedef int sanlock_init_fn(const char *temp, void *arg);

static struct err *sanlock_create_area(const char *final_path,
    sanlock_init_fn *init, void *arg)
{
	char *temp;
	int fd, rv;
	struct err *e = NULL;

	if (access(final_path, F_OK) == 0)
		return NULL;
	fd = fsutil_create_partial(final_path, 0600, &temp);
	if (fd < 0)
		return err_new(ERR_IO, "cannot create %s: %s", final_path,
		    strerror(-fd));
	if (ftruncate(fd, SANLOCK_AREA_SIZE) < 0) {
		e = err_new(ERR_IO, "cannot size %s: %s", temp,
		    strerror(errno));
		close(fd);
		goto out;
	}
	close(fd);
	rv = init(temp, arg);
	if (rv < 0) {
		e = sanlock_error(rv, "initialise", final_path);
		goto out;
	}
	if (link(temp, final_path) < 0 && errno != EEXIST)
		e = err_new(ERR_IO, "cannot link %s: %s", final_path,
		    strerror(errno));
out:
	unlink(temp);
	free(temp);
	return e;
}

struct sanlock_new_lockspace {
	struct sanlk_lockspace ls;
	int io_timeout;
};

static int sanlock_init_lockspace(const char *temp, void *arg)
{
	struct sanlock_new_lockspace *n = arg;
	struct sanlk_lockspace ls = n->ls;

	snprintf(ls.host_id_disk.path, SANLK_PATH_LEN, "%s", temp);
	/* max_hosts 0: sanlock's default (2000 hosts) */
	return sanlock_write_lockspace(&ls, 0, 0, (uint32_t)n->io_timeout);
}

struct err *lease_sanlock_join(const char *lockspace, int host_id,
    int io_timeout)
{
	struct sanlock_new_lockspace n = { .io_timeout = io_timeout };
	struct sanlk_lockspace ls;
	struct err *e;
	int rv;

	if (mkdir(lockspace, 0700) < 0 && errno != EEXIST)
		return err_new(ERR_IO, "cannot create %s: %s", lockspace,
		    strerror(errno));
	sanlock_lockspace_init(&ls, lockspace, host_id);
	n.ls = ls;
	e = sanlock_create_area(ls.host_id_disk.path, sanlock_init_lockspace,
	    &n);
	if (e != NULL)
		return e;
	/* sanlock 3.8's daemon takes no default io_timeout (its -o is for
	 * the client commands): a lockspace gets one when it is joined */
	rv = io_timeout > 0 ? sanlock_add_lockspace_timeout(&ls, 0,
	    (uint32_t)io_timeout) : sanlock_add_lockspace(&ls, 0);
	if (rv == -EINPROGRESS)
		rv = sanlock_inq_lockspace(&ls, SANLK_INQ_WAIT);
	if (rv < 0 && rv != -EEXIST)
		return sanlock_error(rv, "join the lockspace",
		    ls.host_id_disk.path);
	return NULL;
}

static struct sanlock_state *sanlock_state(struct lease_holder_id *id,
    struct err **e)
{
	struct sanlock_state *s = id->backend_state;
	int rv;

	if (s == NULL) {
		s = xcalloc(1, sizeof *s);
		s->sock = -1;
		id->backend_state = s;
	}
	if (s->sock < 0) {
		rv = sanlock_register();
		if (rv < 0) {
			*e = sanlock_error(rv, "register with", "the daemon");
			return NULL;
		}
		s->sock = rv;
		fcntl(s->sock, F_SETFD, FD_CLOEXEC);
	}
	if (!s->joined) {
		struct sanlk_lockspace ls;

		sanlock_lockspace_init(&ls, id->lockspace, id->host_id);
		rv = sanlock_inq_lockspace(&ls, SANLK_INQ_WAIT);
		if (rv < 0) {
			/* the daemon starts the join; a holder that comes
			 * first joins too, and waits for it */
			*e = lease_sanlock_join(id->lockspace, id->host_id,
			    id->io_timeout);
			if (*e != NULL)
				return NULL;
		}
		s->joined = true;
	}
	return s;
}

static char *sanlock_path(const struct lease_holder_id *id,
    const struct lease_held *l, const char *suffix)
{
	char *path;

	xasprintf(&path, "%s/%s.%s", id->lockspace, l->key, suffix);
	return path;
}

static struct sanlk_resource *sanlock_resource(const struct lease_holder_id *id,
    const struct lease_held *l, enum lease_mode mode)
{
	struct sanlk_resource *res = xcalloc(1, sizeof *res +
	    sizeof(struct sanlk_disk));
	char *path = sanlock_path(id, l, "lease");

	strncpy(res->lockspace_name, SANLOCK_LOCKSPACE_NAME, SANLK_NAME_LEN);
	memcpy(res->name, l->key, SANLOCK_RESOURCE_NAME_LEN);
	res->num_disks = 1;
	snprintf(res->disks[0].path, SANLK_PATH_LEN, "%s", path);
	res->disks[0].offset = 0;
	res->flags = mode == LEASE_SHARED ? SANLK_RES_SHARED : 0;
	free(path);
	return res;
}

static int sanlock_init_resource(const char *temp, void *arg)
{
	struct sanlk_resource *res = arg;
	char final[SANLK_PATH_LEN];
	int rv;

	memcpy(final, res->disks[0].path, sizeof final);
	snprintf(res->disks[0].path, SANLK_PATH_LEN, "%s", temp);
	rv = sanlock_write_resource(res, 0, 0, 0);
	memcpy(res->disks[0].path, final, sizeof final);
	return rv;
}

static bool sanlock_is_conflict(int rv)
{
	switch (rv) {
	case -EEXIST:		/* another process of this host holds it */
	case -EAGAIN:
	case -EBUSY:		/* ... or is taking or dropping it */
	case SANLK_ACQUIRE_IDLIVE:
	case SANLK_ACQUIRE_OWNED:
	case SANLK_ACQUIRE_OTHER:
	case SANLK_ACQUIRE_SHRETRY:
	case SANLK_ACQUIRE_OWNED_RETRY:
		return true;
	}
	return false;
}

/* The owner note lives beside the lease (sanlock's own record names a
 * host id, not a domain), replaced atomically; best effort. */
static void sanlock_write_note(struct lease_holder_id *id,
    struct lease_held *l)
{
	size_t len;
	char *note = lease_owner_note(id, l, &len);
	char *path = sanlock_path(id, l, "owner");
	int rc = fsutil_atomic_write(path, note, len, 0600, true);

	if (rc < 0)
		lease_holder_warn("cannot write %s: %s", path, strerror(-rc));
	free(note);
	free(path);
}

static void sanlock_clear_note(struct lease_holder_id *id,
    struct lease_held *l)
{
	char *path = sanlock_path(id, l, "owner");

	unlink(path);
	free(path);
}

static struct err *sanlock_conflict(struct lease_holder_id *id,
    struct lease_held *l)
{
	char *path = sanlock_path(id, l, "owner");
	size_t len;
	int error;
	char *note = fsutil_read_file(path, LEASE_OWNER_MAX, &len, &error);
	struct err *e = lease_conflict_from_note(l, note, note ? len : 0,
	    NULL);

	free(note);
	free(path);
	return e;
}

static struct err *sanlock_acquire_lease(struct lease_holder_id *id,
    struct lease_held *l)
{
	struct err *e = NULL;
	struct sanlock_state *s = sanlock_state(id, &e);
	struct sanlk_resource *res;
	char *path;
	int rv;

	if (s == NULL)
		return e;
	res = sanlock_resource(id, l, l->mode);
	path = sanlock_path(id, l, "lease");
	e = sanlock_create_area(path, sanlock_init_resource, res);
	free(path);
	if (e != NULL) {
		free(res);
		return e;
	}
	rv = sanlock_acquire(s->sock, -1, 0, 1, &res, NULL);
	if (rv < 0) {
		e = sanlock_is_conflict(rv) ? sanlock_conflict(id, l) :
		    sanlock_error(rv, "acquire the lease of", l->disk);
		free(res);
		return e;
	}
	l->backend_data = res;
	if (l->mode == LEASE_EXCLUSIVE)
		sanlock_write_note(id, l);
	return NULL;
}

static struct err *sanlock_convert_lease(struct lease_holder_id *id,
    struct lease_held *l, enum lease_mode mode)
{
	struct sanlock_state *s = id->backend_state;
	struct sanlk_resource *res = l->backend_data;
	int rv;

	if (mode == LEASE_SHARED)
		sanlock_clear_note(id, l);
	res->flags = mode == LEASE_SHARED ? SANLK_RES_SHARED : 0;
	rv = sanlock_convert(s->sock, -1, 0, res);
	if (rv < 0) {
		res->flags = l->mode == LEASE_SHARED ? SANLK_RES_SHARED : 0;
		if (l->mode == LEASE_EXCLUSIVE)
			sanlock_write_note(id, l);
		return sanlock_is_conflict(rv) ? sanlock_conflict(id, l) :
		    sanlock_error(rv, "convert the lease of", l->disk);
	}
	l->mode = mode;
	if (mode == LEASE_EXCLUSIVE)
		sanlock_write_note(id, l);
	return NULL;
}

static void sanlock_note(struct lease_holder_id *id, struct lease_held *l)
{
	if (l->mode == LEASE_EXCLUSIVE)
		sanlock_write_note(id, l);
}

static void sanlock_release_lease(struct lease_holder_id *id,
    struct lease_held *l)
{
	struct sanlock_state *s = id->backend_state;
	struct sanlk_resource *res = l->backend_data;
	int rv;

	if (res == NULL)
		return;
	if (l->mode == LEASE_EXCLUSIVE)
		sanlock_clear_note(id, l);
	rv = sanlock_release(s->sock, -1, 0, 1, &res);
	if (rv < 0)
		lease_holder_warn("sanlock: cannot release the lease of %s: "
		    "%s (%d); it goes when this holder exits", l->disk,
		    sanlock_strerror(rv), rv);
	free(res);
	l->backend_data = NULL;
}

#else /* !HAVE_SANLOCK */

static struct err *sanlock_unavailable(void)
{
	return err_new(ERR_NOT_SUPPORTED, "this xenlightd was built without "
	    "sanlock (libsanlock-dev)");
}

struct err *lease_sanlock_join(const char *lockspace, int host_id,
    int io_timeout)
{
	return sanlock_unavailable();
}

static struct err *sanlock_acquire_lease(struct lease_holder_id *id,
    struct lease_held *l)
{
	return sanlock_unavailable();
}

static struct err *sanlock_convert_lease(struct lease_holder_id *id,
    struct lease_held *l, enum lease_mode mode)
{
	return sanlock_unavailable();
}

static void sanlock_note(struct lease_holder_id *id, struct lease_held *l)
{
}

static void sanlock_release_lease(struct lease_holder_id *id,
    struct lease_held *l)
{
}

#endif /* HAVE_SANLOCK */

const struct lease_backend lease_backend_sanlock = {
	.name = "sanlock",
	.acquire = sanlock_acquire_lease,
	.convert = sanlock_convert_lease,
	.note = sanlock_note,
	.release = sanlock_release_lease,
};
