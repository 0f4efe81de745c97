/* What the disk lease tests share (test-leases, test-lease-restart). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <criterion/criterion.h>

#include "daemon/lease-disk.h"
#include "tests/func/lease-util.h"

/* xl config text of a domain with the given disk specs (NULL-ended) */
char *config_with_disks(const char *name, const char *first, ...)
{
	char *text = xl_config_text(name, 32), *disks = test_format("%s", "");
	const char *spec;
	va_list ap;

	va_start(ap, first);
	for (spec = first; spec != NULL; spec = va_arg(ap, const char *)) {
		char *more = test_format("%s%s'%s'", disks, disks[0] ? ", " :
		    "", spec);

		free(disks);
		disks = more;
	}
	va_end(ap);
	{
		char *all = test_format("%sdisk = [ %s ]\non_reboot = "
		    "\"restart\"\n", text, disks);

		free(text);
		free(disks);
		return all;
	}
}

char *disk_spec(const char *vdev, const char *access, const char *path)
{
	return test_format("format=raw, vdev=%s, access=%s, target=%s", vdev,
	    access, path);
}

json_object *create_text(struct xlctl *c, struct xlctl_error *err,
    const char *text)
{
	json_object *args = json_object_new_object(), *ret;

	json_object_object_add(args, "xl_config", json_object_new_string(text));
	ret = xlctl_call(c, "domain-create", args, NULL, 120000, err);
	json_object_put(args);
	return ret;
}

/* A domain with one disk: created, or refused with err filled. */
json_object *create_one(struct xlctl *c, struct xlctl_error *err,
    const char *name, const char *access, const char *path)
{
	char *spec = disk_spec("xvda", access, path);
	char *text = config_with_disks(name, spec, NULL);
	json_object *ret = create_text(c, err, text);

	free(text);
	free(spec);
	return ret;
}

void create_one_ok(struct xlctl *c, const char *name,
    const char *access, const char *path)
{
	struct xlctl_error err = { 0 };
	json_object *ret = create_one(c, &err, name, access, path);

	cr_assert_not_null(ret, "create %s (%s %s): %s: %s", name, access, path,
	    err.class_name, err.desc);
	json_object_put(ret);
}

/* An empty image file; its canonical name (the holder's). */
char *make_image(struct dut *d, const char *name)
{
	char *dir = test_format("%s/img", d->dir);
	char *path = test_format("%s/%s", dir, name);
	int fd;

	mkdir(dir, 0755);
	fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	cr_assert_geq(fd, 0, "%s: %s", path, strerror(errno));
	close(fd);
	free(dir);
	return path;
}

char *canonical(const char *path)
{
	char *out = NULL;

	cr_assert_eq(lease_canonical_path(path, &out), 0, "%s", path);
	return out;
}

/* Whether somebody holds a lock on disk's lease file in lockspace: a
 * write lock from here fails (and is given back at once). */
bool disk_locked(const char *lockspace, const char *path)
{
	char *name = canonical(path), key[LEASE_KEY_SIZE], *file;
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	bool locked = false;
	int fd;

	lease_key(name, key);
	file = test_format("%s/%s.lock", lockspace, key);
	fd = open(file, O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		locked = fcntl(fd, F_OFD_SETLK, &fl) < 0;
		close(fd);	/* drops the lock if we got it */
	}
	free(file);
	free(name);
	return locked;
}

char *lockspace_of(struct dut *d)
{
	return test_format("%s/lockspace", d->statedir);
}

/* The lease-list entry of disk (canonical) and domain, or NULL. */
json_object *find_lease(json_object *list, const char *disk,
    const char *domain)
{
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		json_object *l = json_object_array_get_idx(list, i);

		if (strcmp(json_str(l, "disk"), disk) == 0 &&
		    strcmp(json_str(l, "domain"), domain) == 0)
			return l;
	}
	return NULL;
}

/* The end of a one-daemon test: nothing left running, no holder left. */
void finish(struct dut *d, struct xlctl *c)
{
	xlctl_close(c);
	dut_stop(d);
	dut_free(d);
}

