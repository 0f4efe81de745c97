#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bsd/stdlib.h>

#include "daemon/fsutil.h"
#include "proto/mem.h"

#define PARTIAL_MARK ".partial-"

int fsutil_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static char *fsutil_dirname(const char *path)
{
	char *copy = xstrdup(path);
	char *dir = xstrdup(dirname(copy));

	free(copy);
	return dir;
}

int fsutil_fsync_parent(const char *path)
{
	char *dir = fsutil_dirname(path);
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc = 0;

	free(dir);
	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

char *fsutil_partial_name(const char *final_path)
{
	char *dir = fsutil_dirname(final_path);
	char *copy = xstrdup(final_path), *name;

	xasprintf(&name, "%s/.%s" PARTIAL_MARK "%06x", dir, basename(copy),
	    arc4random_uniform(0x1000000));
	free(dir);
	free(copy);
	return name;
}

int fsutil_create_partial(const char *final_path, mode_t mode, char **temp_path)
{
	for (int attempt = 0; attempt < 100; attempt++) {
		char *name = fsutil_partial_name(final_path);
		int fd = open(name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);

		if (fd >= 0) {
			*temp_path = name;
			return fd;
		}
		free(name);
		if (errno != EEXIST)
			return -errno;
	}
	return -EEXIST;
}

bool fsutil_is_partial_name(const char *name)
{
	return name[0] == '.' && strstr(name, PARTIAL_MARK) != NULL;
}

int fsutil_remove_partials(const char *final_path)
{
	char *dir = fsutil_dirname(final_path);
	char *copy = xstrdup(final_path), *prefix;
	DIR *d;
	struct dirent *e;
	int removed = 0;

	xasprintf(&prefix, ".%s" PARTIAL_MARK, basename(copy));
	d = opendir(dir);
	while (d != NULL && (e = readdir(d)) != NULL) {
		char *path;

		if (strncmp(e->d_name, prefix, strlen(prefix)) != 0)
			continue;
		xasprintf(&path, "%s/%s", dir, e->d_name);
		if (unlink(path) == 0)
			removed++;
		free(path);
	}
	if (d != NULL)
		closedir(d);
	free(prefix);
	free(copy);
	free(dir);
	return removed;
}

int fsutil_atomic_write(const char *path, const void *data, size_t len,
    mode_t mode, bool durable)
{
	char *temp;
	int fd = fsutil_create_partial(path, mode, &temp);
	int rc;

	if (fd < 0)
		return fd;
	rc = fsutil_write_all(fd, data, len);
	if (rc == 0 && durable && fsync(fd) < 0)
		rc = -errno;
	if (close(fd) < 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && rename(temp, path) < 0)
		rc = -errno;
	if (rc != 0)
		unlink(temp);
	else if (durable)
		rc = fsutil_fsync_parent(path);
	free(temp);
	return rc;
}

int fsutil_mkdirs(const char *path, mode_t mode)
{
	char *copy = xstrdup(path);
	int rc = 0;

	for (char *p = copy + 1; ; p++) {
		bool end = (*p == '\0');

		if (*p != '/' && !end)
			continue;
		*p = '\0';
		if (mkdir(copy, mode) < 0 && errno != EEXIST) {
			rc = -errno;
			break;
		}
		if (end)
			break;
		*p = '/';
	}
	free(copy);
	return rc;
}

char *fsutil_read_file(const char *path, size_t max, size_t *len, int *error)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	char *buf = NULL;
	size_t used = 0, cap;

	if (fd < 0) {
		*error = errno;
		return NULL;
	}
	if (fstat(fd, &st) < 0) {
		*error = errno;
		close(fd);
		return NULL;
	}
	cap = (size_t)st.st_size + 1;
	if (cap > max + 1) {
		*error = EFBIG;
		close(fd);
		return NULL;
	}
	buf = xmalloc(cap);
	for (;;) {
		ssize_t n;

		if (used + 1 >= cap) {
			if (cap > max) {
				free(buf);
				close(fd);
				*error = EFBIG;
				return NULL;
			}
			cap *= 2;
			buf = xrealloc(buf, cap);
		}
		n = read(fd, buf + used, cap - used - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			*error = errno;
			free(buf);
			close(fd);
			return NULL;
		}
		if (n == 0)
			break;
		used += (size_t)n;
	}
	close(fd);
	buf[used] = '\0';
	if (len != NULL)
		*len = used;
	return buf;
}

struct err *fsutil_check_parent_dir(const char *path)
{
	char *dir = fsutil_dirname(path);
	struct stat st;
	struct err *e = NULL;

	if (stat(dir, &st) < 0)
		e = err_new(ERR_IO, "cannot write in %s: %s", dir,
		    strerror(errno));
	else if (!S_ISDIR(st.st_mode))
		e = err_new(ERR_IO, "%s is not a directory", dir);
	free(dir);
	return e;
}

int fsutil_open_parent(const char *path)
{
	char *dir = fsutil_dirname(path);
	/* O_DIRECTORY fails on anything else before it is opened: a FIFO
	 * there cannot block us */
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NONBLOCK | O_CLOEXEC);

	free(dir);
	return fd >= 0 ? fd : -errno;
}

const char *fsutil_base(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash != NULL ? slash + 1 : path;
}

int fsutil_create_at(int dir_fd, const char *path, mode_t mode)
{
	int fd = openat(dir_fd, fsutil_base(path), O_WRONLY | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, mode);

	return fd >= 0 ? fd : -errno;
}

int fsutil_open_regular(const char *path, struct err **e)
{
	int dir = fsutil_open_parent(path), fd;
	struct stat st;

	if (dir < 0) {
		*e = err_new(dir == -ENOENT || dir == -ENOTDIR ?
		    ERR_INVALID_ARGUMENT : ERR_IO, "cannot open %s: %s", path,
		    strerror(-dir));
		return -1;
	}
	fd = openat(dir, fsutil_base(path), O_RDONLY | O_NONBLOCK | O_NOFOLLOW |
	    O_CLOEXEC);
	if (fd < 0) {
		*e = err_new(errno == ENOENT || errno == ELOOP ?
		    ERR_INVALID_ARGUMENT : ERR_IO, "cannot open %s: %s", path,
		    errno == ELOOP ? "it is a symbolic link" : strerror(errno));
		close(dir);
		return -1;
	}
	close(dir);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		*e = err_new(ERR_INVALID_ARGUMENT, "%s is not a regular file",
		    path);
		close(fd);
		return -1;
	}
	/* a regular file: reads block as they should */
	fcntl(fd, F_SETFL, 0);
	return fd;
}

ssize_t fsutil_read_small(const char *path, char *buf, size_t size)
{
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return n;
}
