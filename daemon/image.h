/* Images (save files, core dumps) are written under a temporary name and
 * take their final name only once complete and on disk: a crash or a
 * failure never leaves a file that looks complete but is not. */
#ifndef DAEMON_IMAGE_H
#define DAEMON_IMAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "proto/err.h"

struct job;

typedef void image_committed_fn(struct job *job, struct err *e,
    uint64_t bytes);

/* Makes the finished temporary file temp durable and gives it its final
 * name: fsync (off the loop; fd is taken and closed, or temp is opened
 * when fd < 0), then — unless the job was aborted meanwhile — the rename
 * (never over an existing file unless overwrite), the journal's
 * "committed", and an fsync of the directory (off the loop).  done runs on
 * the loop with NULL and the file's size, or with the error; the temporary
 * file is gone either way. */
void image_commit(struct job *job, int fd, const char *temp, const char *path,
    bool overwrite, image_committed_fn *done);

#endif
