/* Images (save files, core dumps) are written under a temporary name and
 * take their final name only once complete and on disk: a crash or a
 * failure never leaves a file that looks complete but is not.  The jobs
 * that write one (save, dump) share this tail: the target's checks, the
 * temporary file, the commit, the result, the discard, the recovery. */
#ifndef DAEMON_IMAGE_H
#define DAEMON_IMAGE_H

#include <stdbool.h>
#include <stdint.h>
#include <json-c/json.h>

#include "proto/err.h"

struct job;

struct image_file {
	char *path;
	char *temp_path;		/* until renamed into place */
	int fd;
	int dir_fd;			/* path's directory, opened once */
	bool overwrite;
	uint64_t bytes;			/* the complete file's size */
};

/* When a request arrives: path may be written (it does not exist, or is
 * a regular file and overwrite; its directory does). */
struct err *image_check_target(const char *path, bool overwrite);

void image_file_init(struct image_file *f, const char *path, bool overwrite);
void image_file_dispose(struct image_file *f);
/* Opens f->path's directory and creates the temporary file in it (f->fd
 * open for writing), after journaling its name as "temp" for recovery.
 * Everything after (the commit's rename and fsync, a discard) happens in
 * that directory, relative to its fd. */
struct err *image_file_create(struct image_file *f, struct job *job);
/* Removes what was written (a failure, an abort). */
void image_file_discard(struct image_file *f);

/* Starts writing out, off the loop, what the stream has written so far, so
 * that the final fsync has little left to do (a save's progress poller
 * calls it every second). */
void image_file_writeback(struct image_file *f);

/* Makes the finished temporary file durable and gives it its final name:
 * fsync (off the loop; f->fd is taken and closed, or the file is opened
 * when it is -1), then — unless the job was aborted meanwhile — the rename
 * (never over an existing file unless overwrite), the journal's
 * "committed", and an fsync of the directory (off the loop).  done runs on
 * the loop with NULL (f->bytes set) or the error; the temporary file is
 * gone either way. */
typedef void image_committed_fn(struct job *job, struct err *e);
void image_file_commit(struct image_file *f, struct job *job,
    image_committed_fn *done);

/* {"file": path, "bytes": size}: what a save or dump returns. */
json_object *image_file_result(const struct image_file *f);

/* Recovery of a job interrupted before its image was committed: the
 * temporary file it journaled, and any other partial file of target, go.
 * what: "save", "dump". */
void image_recover_uncommitted(json_object *record, const char *target,
    const char *what);

#endif
