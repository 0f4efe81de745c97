/* File helpers: complete writes, atomic replacement, temporary names that
 * never look like a finished file. */
#ifndef DAEMON_FSUTIL_H
#define DAEMON_FSUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "proto/err.h"

/* 0, or -errno. */
int fsutil_write_all(int fd, const void *buf, size_t len);
/* Replaces path with data: temp file in the same directory, write, then
 * (durable) fsync, rename, and (durable) fsync of the directory, so that a
 * crash at any byte leaves the old or the new file, never a torn one.
 * Returns 0 or -errno. */
int fsutil_atomic_write(const char *path, const void *data, size_t len,
    mode_t mode, bool durable);
int fsutil_fsync_parent(const char *path);
/* mkdir -p; 0 or -errno. */
int fsutil_mkdirs(const char *path, mode_t mode);
/* Reads a whole file of at most max bytes (NUL-terminated); NULL with
 * *error = errno (EFBIG when larger than max). */
char *fsutil_read_file(const char *path, size_t max, size_t *len, int *error);
/* A small text of /proc or /sys into buf (NUL-terminated, at most size - 1
 * bytes, one read): its length, or -1. */
ssize_t fsutil_read_small(const char *path, char *buf, size_t size);
/* "<dir>/.<base>.partial-XXXXXX": the name a file has until it is complete.
 * Creates it O_EXCL; returns the fd and the name (malloc'd) or -errno. */
int fsutil_create_partial(const char *final_path, mode_t mode, char **temp_path);
/* A fresh "<dir>/.<base>.partial-XXXXXX" name (malloc'd), not created. */
char *fsutil_partial_name(const char *final_path);
bool fsutil_is_partial_name(const char *name);
/* Removes every partial file of final_path (a crash may leave one behind
 * before anybody wrote its name down); returns how many. */
int fsutil_remove_partials(const char *final_path);

/* The directory a file is to be written in exists: else an IOError. */
struct err *fsutil_check_parent_dir(const char *path);

/* The directory of path, opened (O_DIRECTORY: never a FIFO, never
 * blocks), so that what follows happens in that directory whatever is
 * renamed or swapped meanwhile; the fd or -errno. */
int fsutil_open_parent(const char *path);
/* The last component of path. */
const char *fsutil_base(const char *path);
/* Creates the file of path's last component in dir_fd: O_EXCL, never
 * through a symbolic link or onto a FIFO; the fd (write-only) or -errno. */
int fsutil_create_at(int dir_fd, const char *path, mode_t mode);

/* Opens path, which must be a regular file, for reading: without ever
 * blocking on what is there (a FIFO) or following a symbolic link in its
 * last component (opened relative to its directory); the type is checked
 * on the open fd.  -1 with *e. */
int fsutil_open_regular(const char *path, struct err **e);

#endif
