/* The lockspace backend: one file per disk in --lockspace DIR, named by
 * the lease key, locked with open-file-description locks (F_OFD_SETLK):
 * a write lock for an exclusive lease, a read lock for a shared one.  The
 * lock belongs to the holder's open file description, so it lasts as long
 * as the holder and no longer; on a shared file system (NFS, GFS2, OCFS2)
 * the same locks go through the cluster's lock manager.  Lease files are
 * never removed: a process that locked a file someone unlinked would hold
 * a lease nobody else can see. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "daemon/lease-backend.h"
#include "daemon/lease-record.h"
#include "proto/mem.h"

/* F_OFD_SETLK fails and F_OFD_GETLK then finds the lock gone: try again
 * this many times before calling it a conflict with an unknown holder */
#define LOCKSPACE_RETRIES 3

static char *lockspace_file(const struct lease_holder_id *id,
    const struct lease_held *l)
{
	char *path;

	xasprintf(&path, "%s/%s.lock", id->lockspace, l->key);
	return path;
}

static int lockspace_open(const struct lease_holder_id *id,
    const struct lease_held *l, struct err **e)
{
	char *path = lockspace_file(id, l);
	int flags = O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY;
	int fd = open(path, flags, 0600);

	if (fd < 0 && errno == ENOENT && mkdir(id->lockspace, 0700) == 0)
		fd = open(path, flags, 0600);
	if (fd < 0)
		*e = err_new(ERR_IO, "cannot open the lease file %s of %s: %s",
		    path, l->disk, strerror(errno));
	free(path);
	return fd;
}

static int lockspace_lock(int fd, short type, int cmd, struct flock *fl)
{
	memset(fl, 0, sizeof *fl);
	fl->l_type = type;
	fl->l_whence = SEEK_SET;
	fl->l_start = 0;
	fl->l_len = 0;		/* the whole file, however long */
	return fcntl(fd, cmd, fl);
}

static struct err *lockspace_conflict(const struct lease_held *l, int fd,
    const struct flock *seen)
{
	char note[LEASE_OWNER_MAX];
	ssize_t n;

	if (seen->l_type == F_RDLCK)
		return lease_conflict_from_note(l, NULL, 0, "shared");
	/* the exclusive holder wrote who it is into the file */
	n = pread(fd, note, sizeof note, 0);
	return lease_conflict_from_note(l, n > 0 ? note : NULL,
	    n > 0 ? (size_t)n : 0, "exclusive");
}

/* The note must reach the other hosts: on a local file system they are
 * this host's processes and share its page cache, and on GFS2 or OCFS2
 * the cluster keeps caches coherent; an NFS client keeps writes to itself
 * until it syncs.  Local file systems we know skip the sync (a create
 * pays it once per disk); any other is synced. */
static bool lockspace_note_needs_sync(int fd)
{
	static const long local_types[] = {
		0xEF53,			/* ext2, ext3, ext4 */
		0x58465342,		/* xfs */
		0x9123683E,		/* btrfs */
		0x01021994,		/* tmpfs */
		0x794c7630,		/* overlayfs */
	};
	struct statfs sfs;

	if (fstatfs(fd, &sfs) < 0)
		return true;
	for (size_t i = 0; i < sizeof local_types / sizeof *local_types; i++)
		if ((long)sfs.f_type == local_types[i])
			return false;
	return true;
}

static struct err *lockspace_write_note(struct lease_holder_id *id,
    struct lease_held *l)
{
	size_t len;
	char *note = lease_owner_note(id, l, &len);
	ssize_t n = pwrite(l->fd, note, len, 0);
	int error = errno;

	free(note);
	/* written before it is cut to length: a reader never sees an empty
	 * note, at worst a mix that does not parse (holder unknown) */
	if (n == (ssize_t)len && ftruncate(l->fd, (off_t)len) == 0 &&
	    (!lockspace_note_needs_sync(l->fd) || fdatasync(l->fd) == 0))
		return NULL;
	if (n >= 0)
		error = errno;
	return err_new(ERR_IO, "cannot write the owner of the lease of %s: "
	    "%s", l->disk, strerror(error));
}

/* An exclusive lease given up: its note goes first, so that it never
 * names a domain that no longer holds it. */
static void lockspace_clear_note(struct lease_held *l)
{
	if (ftruncate(l->fd, 0) == 0 && lockspace_note_needs_sync(l->fd))
		fdatasync(l->fd);
}

static struct err *lockspace_take(struct lease_held *l, int fd,
    enum lease_mode mode)
{
	short type = mode == LEASE_EXCLUSIVE ? F_WRLCK : F_RDLCK;
	struct flock fl;

	for (int i = 0; i < LOCKSPACE_RETRIES; i++) {
		if (lockspace_lock(fd, type, F_OFD_SETLK, &fl) == 0)
			return NULL;
		if (errno != EAGAIN && errno != EACCES)
			return err_new(ERR_IO, "cannot lock the lease of "
			    "%s: %s", l->disk, strerror(errno));
		if (lockspace_lock(fd, type, F_OFD_GETLK, &fl) < 0)
			return err_new(ERR_IO, "cannot query the lease of %s: "
			    "%s", l->disk, strerror(errno));
		if (fl.l_type != F_UNLCK)
			return lockspace_conflict(l, fd, &fl);
	}
	return lease_conflict_from_note(l, NULL, 0, NULL);
}

static struct err *lockspace_acquire(struct lease_holder_id *id,
    struct lease_held *l)
{
	struct err *e = NULL;
	int fd = lockspace_open(id, l, &e);

	if (fd < 0)
		return e;
	e = lockspace_take(l, fd, l->mode);
	if (e == NULL) {
		l->fd = fd;
		if (l->mode == LEASE_EXCLUSIVE)
			e = lockspace_write_note(id, l);
		if (e == NULL)
			return NULL;
		l->fd = -1;
	}
	close(fd);		/* drops the lock, if any */
	return e;
}

static struct err *lockspace_convert(struct lease_holder_id *id,
    struct lease_held *l, enum lease_mode mode)
{
	struct err *e;

	if (mode == LEASE_SHARED && l->mode == LEASE_EXCLUSIVE)
		lockspace_clear_note(l);
	/* one fcntl changes the lock's type in place; when the new type
	 * conflicts, the old lock stays */
	e = lockspace_take(l, l->fd, mode);
	if (e != NULL) {
		if (l->mode == LEASE_EXCLUSIVE) {
			struct err *again = lockspace_write_note(id, l);

			if (again != NULL)
				err_free(again);
		}
		return e;
	}
	l->mode = mode;
	if (mode == LEASE_EXCLUSIVE)
		return lockspace_write_note(id, l);
	return NULL;
}

static void lockspace_note(struct lease_holder_id *id, struct lease_held *l)
{
	struct err *e;

	if (l->mode != LEASE_EXCLUSIVE)
		return;
	e = lockspace_write_note(id, l);
	if (e != NULL) {
		lease_holder_warn("%s", e->desc);
		err_free(e);
	}
}

static void lockspace_release(struct lease_holder_id *id,
    struct lease_held *l)
{
	if (l->fd < 0)
		return;
	if (l->mode == LEASE_EXCLUSIVE)
		lockspace_clear_note(l);
	close(l->fd);
	l->fd = -1;
}

const struct lease_backend lease_backend_lockspace = {
	.name = "lockspace",
	.acquire = lockspace_acquire,
	.convert = lockspace_convert,
	.note = lockspace_note,
	.release = lockspace_release,
};
