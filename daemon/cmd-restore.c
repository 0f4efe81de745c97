/* domain-restore: a domain from a save image in xl's format.  The create
 * engine (create.h) checks the image's header and configuration before
 * anything is created, then builds the domain from the stream. */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "daemon/command.h"
#include "daemon/create.h"
#include "daemon/request.h"

static const struct arg_spec domain_restore_args[] = {
	{ "file", ARG_PATH, true, 0, 0, NULL, "an xl-format save image" },
	{ "paused", ARG_BOOL, false, 0, 0, NULL, "leave the domain paused" },
	ARG_END
};

static void restore_run(struct request *req)
{
	const char *file = arg_string(req->args, "file");
	struct stat st;

	/* checked again, on the open fd, when the job opens it; this is for
	 * a plain error instead of a failed job */
	if (lstat(file, &st) < 0) {
		request_fail(req, err_new(ERR_INVALID_ARGUMENT, "cannot read "
		    "%s: %s", file, strerror(errno)));
		return;
	}
	if (S_ISLNK(st.st_mode)) {
		request_fail(req, err_new(ERR_INVALID_ARGUMENT, "%s is a "
		    "symbolic link: give the image's own path", file));
		return;
	}
	if (!S_ISREG(st.st_mode)) {
		request_fail(req, err_new(ERR_INVALID_ARGUMENT, "%s is not a "
		    "regular file", file));
		return;
	}
	request_submit(req, create_job_new_restore(file,
	    arg_bool(req->args, "paused", false), false));
}

const struct command cmd_domain_restore = {
	.name = "domain-restore",
	.kind = COMMAND_ASYNC,
	.args = domain_restore_args,
	.run = restore_run,
	.help = "restore a domain from a save image (xl's format)",
	.abortable = true,
	.start = create_job_start,
	.abort = create_job_abort,
	.free_data = create_job_free,
	.recover = create_job_recover,
};
