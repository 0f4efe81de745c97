/* xlctl, the command-line client: the command table and the helpers the
 * command families (xlctl-*.c) share.  Each subcommand is split in two so
 * that the request it sends can be checked without a server: build()
 * turns the command line into a request, print() turns the reply into
 * output. */
#ifndef XLCTL_CLI_H
#define XLCTL_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <json-c/json.h>

#include "client/xlctl.h"

enum xlctl_exit {
	XLCTL_EXIT_OK = 0,
	XLCTL_EXIT_ERROR = 1,		/* an error reply or a failed job */
	XLCTL_EXIT_USAGE = 2,
	XLCTL_EXIT_CONNECT = 3,
};

/* One option of a command: --name, -letter. */
struct xlctl_flag {
	const char *name;
	char letter;		/* 0: long form only */
	const char *value;	/* metavariable if it takes a value, else NULL */
	const char *help;
};
#define XLCTL_FLAG_END { NULL, 0, NULL, NULL }
/* Every command that runs a job takes these. */
#define XLCTL_JOB_FLAGS \
	{ "detach", 0, NULL, "print the job id and return; the job goes on" }, \
	{ "wait", 0, "MS", "wait at most MS ms for the domain's lock" }

/* The flags of a job command that has no others. */
extern const struct xlctl_flag xlctl_job_flags[];

/* A parsed command line: positional arguments and the options given. */
struct xlctl_given {
	const struct xlctl_flag *flag;
	const char *value;	/* "" for a switch */
};
struct xlctl_args {
	int argc;
	char **argv;
	int ngiven;
	struct xlctl_given *given;
};

/* Parses argv against flags.  stop_at_positional: options end at the
 * first positional argument (the global options before COMMAND).  Returns
 * 0, or -1 after printing why. */
int xlctl_args_parse(struct xlctl_args *args, const struct xlctl_flag *flags,
    int argc, char **argv, bool stop_at_positional);
void xlctl_args_free(struct xlctl_args *args);
bool xlctl_args_has(const struct xlctl_args *args, const char *name);
/* The last value given for an option, or NULL. */
const char *xlctl_args_get(const struct xlctl_args *args, const char *name);
/* The i-th value of a repeatable option, or NULL past the last. */
const char *xlctl_args_nth(const struct xlctl_args *args, const char *name,
    int i);

/* What a subcommand sends. */
struct xlctl_request {
	const char *execute;
	json_object *arguments;		/* owned; never NULL once built */
	struct xlctl_options options;
	char label[160];		/* "save web1": progress, messages */
};
void xlctl_request_clear(struct xlctl_request *req);

struct xlctl_cli;

enum xlctl_cmd_kind {
	XLCTL_CMD_CALL,		/* one request, print its return value */
	XLCTL_CMD_JOB,		/* runs a job: --detach and --wait */
	XLCTL_CMD_LONG_JOB,	/* a long job, followed with progress */
	XLCTL_CMD_OWN,		/* has its own flow: run() */
};

struct xlctl_cmd {
	const char *name;
	const char *alias;
	const char *execute;	/* the protocol command it maps to */
	const char *usage;	/* arguments and options after the name */
	const char *help;	/* one line */
	int min_args, max_args;	/* positional arguments; max -1: any */
	enum xlctl_cmd_kind kind;
	const struct xlctl_flag *flags;
	/* Fills req; returns 0, or an exit code after printing why. */
	int (*build)(const struct xlctl_args *args, struct xlctl_request *req);
	/* Human output of a return value; returns the exit code.  NULL:
	 * the generic key: value tree for a query, nothing for a change. */
	int (*print)(struct xlctl_cli *cli, const struct xlctl_request *req,
	    json_object *ret);
	/* XLCTL_CMD_OWN: the whole flow; req holds what build() made (an
	 * empty request without build()). */
	int (*run)(struct xlctl_cli *cli, const struct xlctl_args *args,
	    struct xlctl_request *req);
};

/* The state of one xlctl run. */
struct xlctl_cli {
	const char *socket_path;
	bool read_only;
	bool json;		/* print raw return values */
	int timeout_ms;		/* for each reply; -1: none */
	struct xlctl *conn;
	const struct xlctl_cmd *cmd;
};

/* xlctl.c */
int xlctl_cli_main(int argc, char **argv);
const struct xlctl_cmd *xlctl_cmd_find(const char *name);
/* argv[0] is the subcommand: parses and builds its request, as xlctl would
 * send it.  Returns 0 or XLCTL_EXIT_USAGE. */
int xlctl_cli_build(int argc, char **argv, struct xlctl_request *req);
/* Connects on first use; 0 or XLCTL_EXIT_CONNECT after printing why. */
int xlctl_cli_connect(struct xlctl_cli *cli);
/* Prints "xlctl: Class: desc", clears err, returns XLCTL_EXIT_ERROR. */
int xlctl_report(struct xlctl_error *err);
/* Prints "xlctl: ...", returns XLCTL_EXIT_USAGE. */
int xlctl_usage_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
/* The request's return value as --json prints it, or through print. */
int xlctl_output(struct xlctl_cli *cli, const struct xlctl_request *req,
    json_object *ret);
int xlctl_print_nothing(struct xlctl_cli *cli, const struct xlctl_request *req,
    json_object *ret);
/* The generic tree of a return value, without the "job" key. */
int xlctl_print_result(struct xlctl_cli *cli, const struct xlctl_request *req,
    json_object *ret);

/* Building requests: xlctl-format.c */
void xlctl_req_string(struct xlctl_request *req, const char *key,
    const char *value);
void xlctl_req_int(struct xlctl_request *req, const char *key, int64_t value);
void xlctl_req_bool(struct xlctl_request *req, const char *key, bool value);
/* Parses text as an integer in [min, max] into arguments[key], or prints
 * "invalid WHAT" and returns XLCTL_EXIT_USAGE. */
int xlctl_req_int_text(struct xlctl_request *req, const char *key,
    const char *text, int64_t min, int64_t max, const char *what);
/* The domain argument: a name, a UUID or a domid, passed as given. */
void xlctl_req_domain(struct xlctl_request *req, const char *domain);
/* A file argument: the daemon wants absolute paths, and the user means
 * one relative to the current directory. */
int xlctl_req_path(struct xlctl_request *req, const char *key,
    const char *path);
void xlctl_req_label(struct xlctl_request *req, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

int xlctl_parse_int(const char *text, int64_t min, int64_t max, int64_t *out);
/* xl's memory sizes: a plain number is MiB, suffixes k, m, g, t. */
int xlctl_parse_size_kib(const char *text, int64_t *kib);
char *xlctl_absolute_path(const char *path);
/* Reads a whole file ("-": standard input); NULL after printing why. */
char *xlctl_read_file(const char *path, size_t *len);

/* The domain, the only argument (xlctl-domain.c). */
int xlctl_build_domain(const struct xlctl_args *args,
    struct xlctl_request *req);
/* A config file: libxl JSON if it parses as a JSON object, else xl's
 * config text: arguments "config" or "xl_config" (xlctl-domain.c). */
int xlctl_build_config_file(const char *path, struct xlctl_request *req);

/* Output: xlctl-format.c */
json_object *xlctl_get(json_object *obj, const char *key);
const char *xlctl_get_string(json_object *obj, const char *key);
int64_t xlctl_get_int(json_object *obj, const char *key, int64_t dflt);
void xlctl_print_json(FILE *f, json_object *obj, bool pretty);
/* Objects as aligned "key: value" lines, nested ones indented. */
void xlctl_print_tree(FILE *f, json_object *obj, int indent);
char *xlctl_format_bytes(char *buf, size_t size, double bytes);
char *xlctl_format_duration(char *buf, size_t size, double seconds);
/* A scalar as text (strings unquoted, null as "-"), compact JSON else. */
const char *xlctl_format_value(json_object *value, char *buf, size_t size);
/* One progress line: "save web1: 45% 61.2 MiB/s ETA 3s", or with
 * bar_width > 0 a bar of that many cells.  bytes_per_s <= 0: unknown. */
void xlctl_progress_format(char *buf, size_t size, const char *label,
    int64_t current, int64_t total, double bytes_per_s, int bar_width);

struct xlctl_table;
struct xlctl_table *xlctl_table_new(int ncols, const char *align);
/* ncols cells; copied. */
void xlctl_table_row(struct xlctl_table *t, ...);
void xlctl_table_print(struct xlctl_table *t, FILE *f);
void xlctl_table_free(struct xlctl_table *t);

/* Jobs: xlctl-jobs.c */
/* Sends a long job's request detached and follows the job to its end,
 * with progress on stderr and Ctrl-C to abort. */
int xlctl_job_follow(struct xlctl_cli *cli, struct xlctl_request *req);
int xlctl_print_job_error(json_object *job);

/* "2026-11-22T10:00:00.123Z DOMAIN_SHUTDOWN domain=web1 reason=poweroff"
 * (xlctl-events.c). */
void xlctl_print_event(FILE *f, json_object *event);

/* The command families. */
extern const struct xlctl_cmd xlctl_cmd_version, xlctl_cmd_host_info,
    xlctl_cmd_host_numa, xlctl_cmd_raw;
extern const struct xlctl_cmd xlctl_cmd_list, xlctl_cmd_dominfo,
    xlctl_cmd_config, xlctl_cmd_stats, xlctl_cmd_define, xlctl_cmd_undefine,
    xlctl_cmd_autostart, xlctl_cmd_mem_set, xlctl_cmd_mem_max,
    xlctl_cmd_vcpu_set, xlctl_cmd_vcpu_pin, xlctl_cmd_sched,
    xlctl_cmd_block_attach, xlctl_cmd_block_detach,
    xlctl_cmd_network_attach, xlctl_cmd_network_detach;
extern const struct xlctl_cmd xlctl_cmd_create, xlctl_cmd_start,
    xlctl_cmd_shutdown, xlctl_cmd_reboot, xlctl_cmd_destroy, xlctl_cmd_pause,
    xlctl_cmd_unpause;
extern const struct xlctl_cmd xlctl_cmd_save, xlctl_cmd_restore,
    xlctl_cmd_dump_core, xlctl_cmd_managedsave, xlctl_cmd_managedsave_remove,
    xlctl_cmd_migrate;
extern const struct xlctl_cmd xlctl_cmd_jobs, xlctl_cmd_job,
    xlctl_cmd_job_wait, xlctl_cmd_abort, xlctl_cmd_job_dismiss;
extern const struct xlctl_cmd xlctl_cmd_events;

#endif
