/* xlctl: following a long job to its end, with progress on standard error
 * and Ctrl-C to abort it; and how a job's end reads as an outcome. */
#ifndef XLCTL_FOLLOW_H
#define XLCTL_FOLLOW_H

#include <stdbool.h>

#include "client/xlctl-cmd.h"

/* Sends a long job's request detached and follows the job to its end;
 * then prints its result as the request would have returned it.  Returns
 * the exit status, with err filled on failure. */
int xlctl_job_follow(struct xlctl_cli *cli, struct xlctl_request *req,
    struct xlctl_error *err);
/* Whether a job in state has ended (completed, failed or aborted). */
bool xlctl_job_finished(const char *state);
/* A job that ended without completing, as an error: its own error object
 * with data.job; returns XLCTL_EXIT_ERROR. */
int xlctl_job_error(json_object *job, struct xlctl_error *err);

#endif
