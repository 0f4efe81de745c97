/* Restoring from xl-format save images (cmd-restore.c). */
#ifndef DAEMON_RESTORE_H
#define DAEMON_RESTORE_H

#include <stdbool.h>

struct domain;
struct job;
struct request;

/* domain-start of a domain with a managed save image (req NULL: the
 * daemon's autostart). */
void restore_submit_managed(struct request *req, struct domain *d,
    bool paused);
/* Progress of the stream read, while libxl restores. */
void restore_start_progress(struct job *job);
void restore_stop_progress(struct job *job);
/* A managed image that was restored successfully is removed. */
void restore_forget_managed_image(struct domain *d);

#endif
