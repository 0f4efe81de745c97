#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <fcntl.h>

#include <sha2.h>

#include "daemon/lease-disk.h"
#include "proto/json-line.h"
#include "proto/mem.h"

static const char *const lease_mode_names[] = {
	[LEASE_SHARED] = "shared",
	[LEASE_EXCLUSIVE] = "exclusive",
};

const char *lease_mode_name(enum lease_mode mode)
{
	return mode == LEASE_EXCLUSIVE ? lease_mode_names[LEASE_EXCLUSIVE] :
	    lease_mode_names[LEASE_SHARED];
}

bool lease_mode_parse(const char *name, enum lease_mode *out)
{
	for (int i = LEASE_SHARED; i <= LEASE_EXCLUSIVE; i++) {
		if (strcmp(name, lease_mode_names[i]) == 0) {
			*out = (enum lease_mode)i;
			return true;
		}
	}
	return false;
}

struct lease_disk *lease_disks_find(const struct lease_disks *list,
    const char *path)
{
	for (size_t i = 0; i < list->n; i++)
		if (strcmp(list->v[i].path, path) == 0)
			return &list->v[i];
	return NULL;
}

struct lease_disk *lease_disks_add(struct lease_disks *list, const char *path,
    const char *disk, enum lease_mode mode)
{
	struct lease_disk *d = lease_disks_find(list, path);

	if (d != NULL) {
		if (mode == LEASE_EXCLUSIVE)
			d->mode = LEASE_EXCLUSIVE;
		if (d->disk == NULL && disk != NULL)
			d->disk = xstrdup(disk);
		return d;
	}
	list->v = xreallocarray(list->v, list->n + 1, sizeof *list->v);
	d = &list->v[list->n++];
	d->path = xstrdup(path);
	d->disk = disk != NULL ? xstrdup(disk) : NULL;
	d->mode = mode;
	return d;
}

void lease_disks_copy(struct lease_disks *to, const struct lease_disks *from)
{
	lease_disks_clear(to);
	for (size_t i = 0; i < from->n; i++)
		lease_disks_add(to, from->v[i].path, from->v[i].disk,
		    from->v[i].mode);
}

void lease_disks_clear(struct lease_disks *list)
{
	for (size_t i = 0; i < list->n; i++) {
		free(list->v[i].path);
		free(list->v[i].disk);
	}
	free(list->v);
	list->v = NULL;
	list->n = 0;
}

json_object *lease_disks_to_json(const struct lease_disks *list)
{
	json_object *array = json_object_new_array();

	for (size_t i = 0; i < list->n; i++) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "path",
		    json_object_new_string(list->v[i].path));
		if (list->v[i].disk != NULL)
			json_object_object_add(o, "disk",
			    json_object_new_string(list->v[i].disk));
		json_object_object_add(o, "mode", json_object_new_string(
		    lease_mode_name(list->v[i].mode)));
		json_object_array_add(array, o);
	}
	return array;
}

char *lease_json_line(json_object *root, size_t *len)
{
	size_t n;
	const char *text = json_line_format(root, &n);
	char *line = xmalloc(n + 2);

	memcpy(line, text, n);
	line[n] = '\n';
	line[n + 1] = '\0';
	*len = n + 1;
	json_object_put(root);
	return line;
}

bool lease_target_valid(const char *target)
{
	size_t n = strlen(target);

	if (n == 0 || n > LEASE_TARGET_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)target[i] < 0x20 || target[i] == 0x7f)
			return false;
	return true;
}

static const char *disk_field(json_object *o, const char *key, bool needed,
    struct err **e, size_t index)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v)) {
		if (needed && *e == NULL)
			*e = err_new(ERR_INVALID_ARGUMENT,
			    "disk %zu: no '%s'", index, key);
		return NULL;
	}
	if (!json_object_is_type(v, json_type_string) ||
	    !lease_target_valid(json_object_get_string(v))) {
		if (*e == NULL)
			*e = err_new(ERR_INVALID_ARGUMENT,
			    "disk %zu: '%s' must be a non-empty string of at "
			    "most %d bytes without control characters", index,
			    key, LEASE_TARGET_MAX);
		return NULL;
	}
	return json_object_get_string(v);
}

struct err *lease_disks_from_json(json_object *array, struct lease_disks *out)
{
	struct err *e = NULL;
	size_t n;

	out->v = NULL;
	out->n = 0;
	if (!json_object_is_type(array, json_type_array))
		return err_new(ERR_INVALID_ARGUMENT,
		    "'disks' must be an array");
	n = json_object_array_length(array);
	if (n > LEASE_MAX_DISKS)
		return err_new(ERR_INVALID_ARGUMENT, "more than %d disks",
		    LEASE_MAX_DISKS);
	for (size_t i = 0; i < n && e == NULL; i++) {
		json_object *o = json_object_array_get_idx(array, i), *m;
		const char *path, *disk;
		enum lease_mode mode = LEASE_SHARED;

		if (!json_object_is_type(o, json_type_object)) {
			e = err_new(ERR_INVALID_ARGUMENT,
			    "disk %zu is not an object", i);
			break;
		}
		json_object_object_foreach(o, key, value) {
			(void)value;
			if (e == NULL && strcmp(key, "path") != 0 &&
			    strcmp(key, "disk") != 0 &&
			    strcmp(key, "mode") != 0)
				e = err_new(ERR_INVALID_ARGUMENT,
				    "disk %zu: unknown key '%.*s'", i,
				    err_quote_len(key, 40), key);
		}
		path = disk_field(o, "path", true, &e, i);
		disk = disk_field(o, "disk", false, &e, i);
		if (e != NULL)
			break;
		if (json_object_object_get_ex(o, "mode", &m) &&
		    (!json_object_is_type(m, json_type_string) ||
		    !lease_mode_parse(json_object_get_string(m), &mode))) {
			e = err_new(ERR_INVALID_ARGUMENT, "disk %zu: 'mode' "
			    "must be \"shared\" or \"exclusive\"", i);
			break;
		}
		lease_disks_add(out, path, disk, mode);
	}
	if (e != NULL)
		lease_disks_clear(out);
	return e;
}

/* ------------------------------------------------------------------------
 * Canonical names */

/* Appends component (len bytes, not "." or "..") to the path in buf. */
static int path_append(char *buf, const char *component, size_t len)
{
	size_t have = strlen(buf);

	if (have > 1) {
		if (have + 1 >= PATH_MAX)
			return -ENAMETOOLONG;
		buf[have++] = '/';
	}
	if (have + len >= PATH_MAX)
		return -ENAMETOOLONG;
	memcpy(buf + have, component, len);
	buf[have + len] = '\0';
	return 0;
}

static void path_parent(char *buf)
{
	char *slash = strrchr(buf, '/');

	if (slash == buf)
		buf[1] = '\0';
	else if (slash != NULL)
		*slash = '\0';
}

int lease_block_device_name(unsigned major_id, unsigned minor_id,
    const char *sysfs, char **out)
{
	char path[PATH_MAX], uuid[256];
	ssize_t n;
	int fd;

	*out = NULL;
	snprintf(path, sizeof path, "%s/dev/block/%u:%u/dm/uuid", sysfs,
	    major_id, minor_id);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, uuid, sizeof uuid - 1);
	close(fd);
	if (n < 0)
		return -EIO;
	while (n > 0 && (uuid[n - 1] == '\n' || uuid[n - 1] == ' '))
		n--;
	uuid[n] = '\0';
	if (n == 0)
		return -ENOENT;		/* a dm device without a UUID */
	for (ssize_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)uuid[i]) &&
		    strchr("_.:+-#", uuid[i]) == NULL)
			return -EINVAL;
	xasprintf(out, "/dev/disk/by-id/dm-uuid-%s", uuid);
	return 0;
}

int lease_canonical_path(const char *target, char **out)
{
	char prefix[PATH_MAX], resolved[PATH_MAX];
	size_t len, cut;
	const char *rest;

	*out = NULL;
	if (!lease_target_valid(target))
		return -EINVAL;
	if (target[0] != '/') {
		/* not a file: a network target named the same way on every
		 * host (rbd:pool/image, an iSCSI IQN) */
		*out = xstrdup(target);
		return 0;
	}
	len = strlen(target);
	if (len >= PATH_MAX)
		return -ENAMETOOLONG;
	/* the longest prefix that exists is resolved by the kernel's rules;
	 * what follows it does not exist, so no symlink can hide in it */
	memcpy(prefix, target, len + 1);
	cut = len;
	for (;;) {
		if (realpath(prefix, resolved) != NULL)
			break;
		if (errno != ENOENT && errno != ENOTDIR)
			return -errno;
		while (cut > 0 && prefix[cut - 1] == '/')
			cut--;
		while (cut > 0 && prefix[cut - 1] != '/')
			cut--;
		if (cut <= 1) {
			strcpy(resolved, "/");
			cut = 1;
			break;
		}
		prefix[cut - 1] = '\0';
	}
	for (rest = target + (cut < len ? cut : len); *rest != '\0';) {
		size_t n;
		int rc;

		rest += strspn(rest, "/");
		n = strcspn(rest, "/");
		if (n == 0)
			break;
		if (n == 2 && rest[0] == '.' && rest[1] == '.')
			path_parent(resolved);
		else if (!(n == 1 && rest[0] == '.') &&
		    (rc = path_append(resolved, rest, n)) < 0)
			return rc;
		rest += n;
	}
	if (cut >= len) {
		struct stat st;

		/* /dev/vg/lv resolves to /dev/dm-3 here and to /dev/dm-7 on
		 * the next host: a device-mapper device (an LVM volume, a
		 * multipath LUN) is named by its UUID, as every host's udev
		 * names it, so that the hosts sharing it agree */
		if (stat(resolved, &st) == 0 && S_ISBLK(st.st_mode) &&
		    lease_block_device_name(major(st.st_rdev),
		    minor(st.st_rdev), "/sys", out) == 0)
			return 0;
	}
	*out = xstrdup(resolved);
	return 0;
}

void lease_key(const char *canonical, char key[LEASE_KEY_SIZE])
{
	SHA2_CTX ctx;

	SHA256Init(&ctx);
	SHA256Update(&ctx, (const uint8_t *)canonical, strlen(canonical));
	SHA256End(&ctx, key);
}

struct err *lease_conflict_new(const char *disk, const char *host,
    const char *domain, const char *held_mode)
{
	json_object *holder = json_object_new_object();
	struct err *e;

	if (host != NULL)
		json_object_object_add(holder, "host",
		    json_object_new_string(host));
	if (domain != NULL)
		json_object_object_add(holder, "domain",
		    json_object_new_string(domain));
	if (held_mode != NULL)
		json_object_object_add(holder, "mode",
		    json_object_new_string(held_mode));
	if (domain != NULL && host != NULL)
		e = err_new(ERR_LEASE_CONFLICT, "disk %s is in use by domain "
		    "'%s' on host %s", disk, domain, host);
	else if (held_mode != NULL && strcmp(held_mode, "shared") == 0)
		e = err_new(ERR_LEASE_CONFLICT, "disk %s is in use read-only "
		    "by other domains", disk);
	else
		e = err_new(ERR_LEASE_CONFLICT, "disk %s is in use by another "
		    "domain", disk);
	err_add_data(e, "disk", json_object_new_string(disk));
	return err_add_data(e, "holder", holder);
}
