/* Functional tests: a real xenlightd on the simulated hypervisor, in a
 * private temporary directory, spoken to over its sockets. */
#ifndef TESTS_FUNC_HARNESS_H
#define TESTS_FUNC_HARNESS_H

#include <stdbool.h>
#include <sys/types.h>
#include <json-c/json.h>

#include "client/xlctl.h"

struct dut {
	char *dir;		/* private temporary directory */
	char *rundir;
	char *statedir;
	char *socket;
	char *ro_socket;
	char *sim_socket;
	char *log;
	pid_t pid;
	char *extra[16];	/* extra daemon options */
	int nextra;
};

/* Starts xenlightd --sim with the given extra options (NULL-terminated)
 * and waits until it serves.  Fails the test on any problem. */
struct dut *dut_start(const char *first_option, ...);
/* The same without starting it: the directories are made, the daemon
 * starts with dut_restart. */
struct dut *dut_new(const char *first_option, ...);
/* Starts it again on the same directories (after dut_kill / dut_stop). */
void dut_restart(struct dut *d);
/* SIGTERM; asserts a clean exit (status 0). */
void dut_stop(struct dut *d);
/* SIGKILL, as a crash would. */
void dut_kill(struct dut *d);
/* Stops (if running) and removes the directory. */
void dut_free(struct dut *d);

struct xlctl *dut_connect(struct dut *d);
struct xlctl *dut_connect_ro(struct dut *d);
struct xlctl *dut_connect_sim(struct dut *d);

/* A call that must succeed: the return value (new reference).  args is
 * JSON text (printf format), or NULL. */
json_object *call_ok(struct xlctl *c, const char *execute,
    const char *args_fmt, ...) __attribute__((format(printf, 3, 4)));
/* A call that must fail with class: the error description (static). */
const char *call_fails(struct xlctl *c, const char *class_name,
    const char *execute, const char *args_fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* A call whose outcome the caller inspects. */
json_object *call(struct xlctl *c, struct xlctl_error *err,
    const char *execute, const char *args_fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Field helpers */
const char *json_str(json_object *obj, const char *key);
int64_t json_int(json_object *obj, const char *key);
bool json_flag(json_object *obj, const char *key);
json_object *json_get(json_object *obj, const char *key);
json_object *json_parse(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

/* A small xl config for a test domain. */
char *xl_config_text(const char *name, int memory_mib);
/* domain-create from xl_config text: returns the domain object. */
json_object *create_domain(struct xlctl *c, const char *name, int memory_mib);

/* A simulator control command that must succeed. */
void sim_ok(struct dut *d, const char *execute, const char *args_fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The simulator's sim-info, and one domain's entry of it (NULL if absent). */
json_object *sim_info(struct dut *d);
json_object *sim_domain(json_object *info, const char *name);

/* Waits (wall clock, up to timeout_ms) for an event named name on a
 * subscribed connection; returns it or fails the test. */
json_object *wait_event(struct xlctl *c, const char *name, int timeout_ms);
/* Waits until job id has finished; returns the job object. */
json_object *wait_job(struct xlctl *c, int64_t job, int timeout_ms);

/* Submits a job-running command with detach: returns the job id. */
int64_t call_detached(struct xlctl *c, const char *execute,
    const char *args_fmt, ...) __attribute__((format(printf, 3, 4)));
/* A job's current object. */
json_object *job_info(struct xlctl *c, int64_t job);
/* Resident memory of a process in KiB. */
long process_rss_kib(pid_t pid);

/* asprintf that aborts instead of failing. */
char *test_format(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Milliseconds of a monotonic clock. */
int64_t now_ms(void);

/* A TCP port on 127.0.0.1 that was free a moment ago. */
int free_tcp_port(void);

/* Count of open fds of a process, from /proc. */
int process_fd_count(pid_t pid);

/* Raw sockets, for bytes no well-behaved client sends. */
int raw_connect(const char *path);
void raw_send(int fd, const void *data, size_t len);
/* The next line as JSON, or NULL at end of file; fails on timeout. */
json_object *raw_read(int fd, int timeout_ms);

#endif
