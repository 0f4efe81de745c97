/* xlctl: what a command is.  Each command is one entry (struct xlctl_cmd)
 * in its family's file (xlctl-<family>.c), listed in that family's table;
 * xlctl-cli.c lists the families.  Everything xlctl knows of a command --
 * its usage, options, help, the request it sends, how it says what it
 * did, its completion -- comes from its entry.
 *
 * A command is split in two so that the request it sends can be checked
 * without a server: build() turns the command line into a request,
 * print() turns the reply into output. */
#ifndef XLCTL_CMD_H
#define XLCTL_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <json-c/json.h>

#include "client/xlctl.h"
#include "client/xlctl-args.h"
#include "client/xlctl-error.h"
#include "client/xlctl-request.h"

enum xlctl_cmd_kind {
	XLCTL_CMD_QUERY,	/* one request; shows its return value */
	XLCTL_CMD_CHANGE,	/* one request that changes something */
	XLCTL_CMD_JOB,		/* runs a job: --detach and --wait */
	XLCTL_CMD_LONG_JOB,	/* a long job, followed with progress */
	XLCTL_CMD_OWN,		/* has its own flow: run() */
};

struct xlctl_cmd;

/* The state of one xlctl run: the global options and the connection. */
struct xlctl_cli {
	const char *socket_path;
	bool read_only;
	bool json;		/* print raw return values and errors */
	bool quiet;		/* no confirmations, no progress */
	int timeout_ms;		/* for each reply; -1: none */
	struct xlctl *conn;
	const struct xlctl_cmd *cmd;
};

struct xlctl_cmd {
	const char *name;
	const char *alias;
	const char *execute;	/* the protocol command it sends */
	const char *execute_too; /* another one build() may pick instead */
	/* The positional arguments as usage shows them: "DOMAIN FILE",
	 * "[DOMAIN]", "DISKSPEC...".  Completion offers domain names for
	 * DOMAIN, files for FILE, job ids for ID, commands for COMMAND,
	 * host names for HOST. */
	const char *args;
	const char *help;	/* one line */
	int min_args, max_args;	/* positional arguments; max -1: any */
	enum xlctl_cmd_kind kind;
	/* Its own options; job commands take --detach and --wait besides,
	 * every command --help. */
	const struct xlctl_flag *flags;
	/* A change whose return value needs no words: on success xlctl says
	 * "Domain NAME <done>." */
	const char *done;
	/* Fills req; returns 0, or an exit status with err filled. */
	int (*build)(const struct xlctl_args *args, struct xlctl_request *req,
	    struct xlctl_error *err);
	/* Output of a return value (not under --json); returns the exit
	 * status.  NULL: "done" for a change, the key: value tree for a
	 * query. */
	int (*print)(struct xlctl_cli *cli, const struct xlctl_request *req,
	    json_object *ret);
	/* XLCTL_CMD_OWN: the whole flow; req holds what build() made (an
	 * empty request without build()).  Returns the exit status, with err
	 * filled unless the failure has been reported. */
	int (*run)(struct xlctl_cli *cli, const struct xlctl_args *args,
	    struct xlctl_request *req, struct xlctl_error *err);
};

/* The commands of one xlctl-<family>.c, in the order help lists them. */
struct xlctl_family {
	const char *title;			/* "Life cycle" */
	const struct xlctl_cmd *const *cmds;	/* NULL-terminated */
};

extern const struct xlctl_family xlctl_host_family, xlctl_domain_family,
    xlctl_lifecycle_family, xlctl_resources_family, xlctl_save_family,
    xlctl_jobs_family, xlctl_events_family, xlctl_migrate_family;
extern const struct xlctl_family xlctl_pci_family, xlctl_cpupool_family;

/* A NULL-terminated table of families: find by name, alias or protocol
 * command. */
const struct xlctl_cmd *xlctl_cmd_lookup(
    const struct xlctl_family *const *families, const char *name);
bool xlctl_cmd_is_job(const struct xlctl_cmd *cmd);
/* Whether it changes something: on success it says what, in one line. */
bool xlctl_cmd_changes(const struct xlctl_cmd *cmd);

/* The flag tables a command's options are parsed against: its own, the
 * job flags for a job, --help. */
#define XLCTL_CMD_FLAG_LISTS 4
void xlctl_cmd_flag_lists(const struct xlctl_cmd *cmd,
    const struct xlctl_flag *lists[XLCTL_CMD_FLAG_LISTS]);
/* "usage: xlctl save DOMAIN FILE [-c] [-p] [--overwrite] [--detach]
 * [--wait MS]" */
void xlctl_cmd_usage(const struct xlctl_cmd *cmd, char *buf, size_t size);
/* Parses a command's words (argv[0] is its name) and checks the number of
 * positional arguments; errors carry the usage line.  *help: --help was
 * given (then nothing else is checked). */
int xlctl_cmd_parse(const struct xlctl_cmd *cmd, int argc, char **argv,
    struct xlctl_args *args, bool *help, struct xlctl_error *err);
/* The request of a parsed command line: the job options, then build(). */
int xlctl_cmd_build(const struct xlctl_cmd *cmd, const struct xlctl_args *args,
    struct xlctl_request *req, struct xlctl_error *err);

#endif
