/* A command is one table entry (tmux's cmd_entry): its name, kind, access,
 * argument schema, what it acts on, its handler, its help, and — for a
 * command that runs a job — the job's handlers.  The entries live in the
 * command files (cmd-*.c); the table that lists them is given to the core
 * at start-up (command_table_set), so the core finds commands by name and
 * never calls into a command file.
 *
 * The daemon's own work (restarting a guest on reboot, destroying it on
 * poweroff, dumping its core on a crash, recovery's repairs) goes through
 * the same entries: internal ones are never served to clients. */
#ifndef DAEMON_COMMAND_H
#define DAEMON_COMMAND_H

#include <stdbool.h>
#include <json-c/json.h>

#include "proto/err.h"
#include "proto/schema.h"

struct job;
struct request;

enum command_kind {
	COMMAND_QUERY,		/* answered at once; allowed read-only */
	COMMAND_MODIFY,		/* a job holding the domain's lock briefly */
	COMMAND_ASYNC,		/* a long job holding the lock throughout */
	COMMAND_DESTROY,	/* a job that preempts whatever holds the lock */
	COMMAND_CONTROL,	/* acts on the daemon or on jobs; full access */
};

/* What the command acts on: dispatch resolves it before the handler runs
 * (tmux's cmd_find_target), into request->domain or request->job, and
 * answers DomainNotFound / JobNotFound / OperationInvalid itself. */
enum command_target {
	TARGET_NONE,		/* nothing, or something it makes itself */
	TARGET_DOMAIN,		/* argument "domain", required */
	TARGET_DOMAIN_OPTIONAL,	/* argument "domain", when given */
	TARGET_JOB,		/* argument "job" */
};

/* What a domain target must be (flags).  "Running" and "defined" let a
 * domain through while a job holds it: that job may be about to start it,
 * and the command's job checks again once it gets the lock. */
#define TARGET_RUNNING		0x01	/* running */
#define TARGET_DEFINED		0x02	/* persistent */
#define TARGET_RUNNING_OR_DEFINED 0x04	/* either */
#define TARGET_NOT_DOM0		0x08	/* anything but Domain-0 */
#define TARGET_RUNNING_NOW	0x10	/* running, whatever holds it */

struct command {
	const char *name;
	enum command_kind kind;
	bool internal;		/* the daemon's own: not served to clients */
	const struct arg_spec *args;
	enum command_target target;
	unsigned target_flags;
	/* for the target's errors: "cannot <verb> Domain-0" */
	const char *verb;
	/* Runs with the target resolved.  NULL: the command's job is
	 * submitted on the target domain, without data of its own. */
	void (*run)(struct request *req);
	const char *help;

	/* The job of a modify, async or destroy command. */
	bool abortable;
	/* Runs from the loop once the job holds the domain's lock (at once
	 * for a job without a domain). */
	void (*start)(struct job *job);
	/* Cuts the job short.  NULL: libxl_ao_abort of the operation in
	 * flight; steps check job->abort_requested between operations. */
	void (*abort)(struct job *job);
	/* The domain changed state while the job holds or watches it. */
	void (*domain_changed)(struct job *job);
	/* Frees job->data. */
	void (*free_data)(void *data);
	/* After a daemon restart, repairs what an interrupted job of this
	 * command left behind, from its journal record; notes what it did
	 * on the job's "interrupted" error (err_append). */
	void (*recover)(json_object *record, struct err *error);
};

/* The table of every command, NULL-terminated (commands.c); NULL forgets
 * it.  Names must be unique: command_table_set refuses a table that
 * repeats one. */
int command_table_set(const struct command *const *table);
const struct command *command_find(const char *name);
/* Every entry in table order, internal ones included. */
const struct command *const *command_all(void);

const char *command_kind_name(enum command_kind kind);
/* A command that runs a job. */
bool command_has_job(const struct command *c);

#endif
