#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon/build-run.h"
#include "daemon/create.h"
#include "daemon/daemon.h"
#include "daemon/dispatch.h"
#include "daemon/domain-config.h"
#include "daemon/domain-json.h"
#include "daemon/domain.h"
#include "daemon/fileio.h"
#include "daemon/fsutil.h"
#include "daemon/job.h"
#include "daemon/lease-xl.h"
#include "daemon/lease.h"
#include "daemon/lifecycle.h"
#include "daemon/log.h"
#include "daemon/priority.h"
#include "daemon/savefile.h"
#include "daemon/store.h"
#include "daemon/xl-config.h"
#include "proto/json-line.h"
#include "proto/mem.h"

/* Xen's DOMID_FIRST_RESERVED: no guest has this domid or above */
#define BUILD_DOMID_LIMIT 0x7ff0

struct create_job *create_job_new(const libxl_domain_config *config,
    bool paused)
{
	struct create_job *c = xcalloc(1, sizeof *c);

	libxl_domain_config_init(&c->config);
	if (config != NULL)
		libxl_domain_config_copy(daemon_ctx, &c->config,
		    (libxl_domain_config *)config);
	c->domid = DOMID_NONE;
	c->paused = paused;
	c->restore_fd = -1;
	return c;
}

struct create_job *create_job_new_restore(const char *path, bool paused,
    bool managed)
{
	struct create_job *c = create_job_new(NULL, paused);

	c->restore_path = xstrdup(path);
	c->managed = managed;
	return c;
}

void create_job_free(void *data)
{
	struct create_job *c = data;

	build_run_free(c->build);
	if (c->owner_free != NULL)
		c->owner_free(c->owner);
	if (c->restore_fd >= 0)
		close(c->restore_fd);
	free(c->restore_path);
	libxl_domain_config_dispose(&c->config);
	err_free(c->failure);
	free(c);
}

/* ------------------------------------------------------------------------
 * Checks before anything is made */

struct err *create_parse_config(json_object *args, libxl_domain_config *out)
{
	json_object *config = json_object_object_get(args, "config");
	const char *xl = arg_string(args, "xl_config");

	if ((config == NULL) == (xl == NULL))
		return err_new(ERR_INVALID_ARGUMENT,
		    "give exactly one of 'config' and 'xl_config'");
	if (config != NULL)
		return domain_config_from_json_object(daemon_ctx, config, out);
	return xl_config_parse(daemon_ctx, xl, strlen(xl), out);
}

struct err *create_claim_identity(libxl_domain_config *config)
{
	struct domain *by_name = domain_find_name(config->c_info.name);

	if (by_name != NULL)
		return err_new(ERR_DOMAIN_EXISTS, "a domain named '%s' exists",
		    config->c_info.name);
	if (libxl_uuid_is_nil(&config->c_info.uuid))
		libxl_uuid_generate(&config->c_info.uuid);
	else if (domain_find_uuid(&config->c_info.uuid) != NULL)
		return err_new(ERR_DOMAIN_EXISTS, "a domain with UUID "
		    LIBXL_UUID_FMT " exists",
		    LIBXL_UUID_BYTES(config->c_info.uuid));
	return NULL;
}

static struct err *create_check_memory(libxl_domain_config *config)
{
	uint64_t need = 0, free_kib = 0;
	int rc;

	rc = libxl_domain_need_memory(daemon_ctx, config, DOMID_NONE, &need);
	if (rc != 0)
		return err_add_data(err_new(ERR_HYPERVISOR, "cannot compute the "
		    "memory the domain needs: libxl error %d", rc),
		    "libxl_error", json_object_new_int(rc));
	rc = libxl_get_free_memory(daemon_ctx, &free_kib);
	if (rc != 0)
		return err_add_data(err_new(ERR_HYPERVISOR, "cannot read the "
		    "host's free memory: libxl error %d", rc),
		    "libxl_error", json_object_new_int(rc));
	if (need > free_kib)
		return err_add_data(err_new(ERR_RESOURCE_LIMIT, "not enough "
		    "host memory: the domain needs %" PRIu64 " KiB, %" PRIu64
		    " KiB are free", need, free_kib), "free_memory_kib",
		    json_object_new_int64((int64_t)free_kib));
	return NULL;
}

/* ------------------------------------------------------------------------
 * The end: unpaused and done, or nothing left behind */

static void create_given_up(struct job *job, int rc)
{
	struct create_job *c = job->data;

	job_fail_taking(job, &c->failure);
}

/* Nothing was built, or what was is gone: so go the leases taken for it
 * (or, in a restart, the old domain's, kept through the rebuild), before
 * the job fails: its client may use the disks at once. */
static void create_give_up(struct job *job)
{
	job->domain->keep_leases = false;
	lifecycle_domain_gone_job(job, create_given_up);
}

static void create_cleaned(struct job *job, int rc)
{
	struct create_job *c = job->data;

	if (rc != 0)
		log_error("domain %s: cannot destroy the half-built domain %"
		    PRIu32 ": libxl error %d", job->domain_name, c->domid, rc);
	create_give_up(job);
}

/* A failure once the build began (leases may be held, libxl may have made
 * a domain): destroy what was made, release the leases, then fail. */
void create_job_fail(struct job *job, struct err *e)
{
	struct create_job *c = job->data;

	c->failure = e;
	if (c->domid == DOMID_NONE || c->domid == 0) {
		create_give_up(job);
		return;
	}
	log_info("domain %s: destroying half-built domain %" PRIu32,
	    job->domain_name, c->domid);
	job_ao_started(job, libxl_domain_destroy(daemon_ctx, c->domid,
	    job_ao(job, create_cleaned)));
}

static void create_done(struct job *job)
{
	struct create_job *c = job->data;
	struct domain *d = job->domain;
	json_object *data = json_object_new_object();

	if (c->paused)
		json_object_object_add(data, "paused",
		    json_object_new_boolean(true));
	if (c->restore_path != NULL)
		json_object_object_add(data, "restored_from",
		    json_object_new_string(c->restore_path));
	domain_emit(d, "DOMAIN_STARTED", data);
	if (c->managed) {
		/* restored: the image has served */
		d->managed_save = false;
		store_remove_file(c->restore_path, NULL, NULL);
	}
	job_complete(job, domain_info_json(d));
}

static void create_unpaused(struct job *job, int rc)
{
	if (rc != 0) {
		create_job_fail(job, job_libxl_error(job, rc, "unpausing the domain"));
		return;
	}
	create_done(job);
}

/* The helper built the domain (paused): it is ours to unpause. */
static void create_built(struct job *job)
{
	struct create_job *c = job->data;

	domain_set_running(job->domain, c->domid);
	job_set_journal(job, "domid", json_object_new_int64(c->domid));
	if (job->abort_requested) {
		create_job_fail(job, err_new(ERR_ABORTED, "aborted"));
		return;
	}
	if (c->built != NULL) {
		c->built(job);
		return;
	}
	if (c->paused) {
		create_done(job);
		return;
	}
	job_ao_started(job, libxl_domain_unpause(daemon_ctx, c->domid,
	    job_ao(job, create_unpaused)));
}

/* ------------------------------------------------------------------------
 * The build */

/* After a failed build, libxl's domid output is worth nothing (the helper
 * may have died before writing it, or libxl destroyed the domain), so the
 * half-built domain is looked for by UUID.  A domain the registry knows as
 * another one is skipped: a rename-restart keeps its old domain, which the
 * hypervisor still reports with this UUID. */
static uint32_t create_find_half_built(struct job *job)
{
	struct create_job *c = job->data;
	uint32_t found = DOMID_NONE;
	libxl_dominfo *list;
	int n = 0;

	list = libxl_list_domain(daemon_ctx, &n);
	if (list == NULL) {
		log_error("domain %s: cannot list domains to find what the "
		    "failed build left", job->domain_name);
		return DOMID_NONE;
	}
	for (int i = 0; i < n && found == DOMID_NONE; i++) {
		struct domain *known = domain_find_domid(list[i].domid);

		if (list[i].domid != 0 && !list[i].dying &&
		    libxl_uuid_compare(&list[i].uuid,
		    &c->config.c_info.uuid) == 0 &&
		    (known == NULL || known == job->domain))
			found = list[i].domid;
	}
	libxl_dominfo_list_free(list, n);
	return found;
}

/* The helper's result line: the domid, or the error libxl reported. */
static struct err *create_build_result(struct job *job,
    const struct build_outcome *o, const char *what)
{
	struct create_job *c = job->data;
	const char *newline = memchr(o->output, '\n', o->output_len);
	json_object *result = NULL, *domid, *error;
	struct err *e = NULL;

	if (newline != NULL)
		result = json_line_parse(o->output, (size_t)(newline -
		    o->output), &e);
	err_free(e);
	e = NULL;
	if (result != NULL && json_object_object_get_ex(result, "domid",
	    &domid) && json_object_is_type(domid, json_type_int) &&
	    json_object_get_int64(domid) > 0 &&
	    json_object_get_int64(domid) < BUILD_DOMID_LIMIT) {
		c->domid = (uint32_t)json_object_get_int64(domid);
	} else if (result != NULL && json_object_object_get_ex(result,
	    "error", &error) && json_object_is_type(error, json_type_object)) {
		int rc = (int)arg_int(error, "rc", ERROR_FAIL);
		int io = (int)arg_int(error, "errno", 0);
		const char *desc = arg_string(error, "desc");

		log_error("domain %s: %s: %s", job->domain_name, what,
		    desc != NULL ? desc : "failed");
		if (io > 0)
			job->io_errno = io;
		e = job_libxl_error(job, rc != 0 ? rc : ERROR_FAIL, what);
	} else if (job->abort_requested && WIFSIGNALED(o->status)) {
		e = err_new(ERR_ABORTED, "aborted");
	} else if (WIFSIGNALED(o->status)) {
		e = err_new(ERR_HYPERVISOR, "%s failed: the build helper died "
		    "(signal %d)", what, WTERMSIG(o->status));
	} else {
		e = err_new(ERR_HYPERVISOR, "%s failed: the build helper "
		    "exited with status %d and no result", what,
		    WEXITSTATUS(o->status));
	}
	json_object_put(result);
	/* An abort kills the helper or cuts its stream: a helper quick
	 * enough to report the cut stream as its own failure before the
	 * signal lands (seen under valgrind) still ended because of it. */
	if (e != NULL && job->abort_requested && e->class != ERR_ABORTED) {
		e->class = ERR_ABORTED;
		e = err_prefix(e, "aborted");
	}
	return e;
}

static void create_build_finished(struct job *job, int rc)
{
	struct create_job *c = job->data;
	/* create_build_done left its verdict there */
	struct err *e = c->failure;

	c->failure = NULL;
	if (e == NULL) {
		create_built(job);
		return;
	}
	/* whatever the helper half-built goes, through our ctx */
	c->domid = create_find_half_built(job);
	create_job_fail(job, e);
}

static void create_build_done(void *arg, const struct build_outcome *o)
{
	struct job *job = arg;
	struct create_job *c = job->data;
	const char *what = c->restore_fd >= 0 ? "restoring the domain" :
	    "creating the domain";

	if (!WIFEXITED(o->status) || WEXITSTATUS(o->status) != BUILD_HELPER_OK)
		log_info("domain %s: build helper %s %d", job->domain_name,
		    WIFSIGNALED(o->status) ? "signal" : "exit status",
		    WIFSIGNALED(o->status) ? WTERMSIG(o->status) :
		    WEXITSTATUS(o->status));
	if (c->restore_fd >= 0)
		job_stop_progress(job, c->restore_size);
	c->failure = create_build_result(job, o, what);
	build_run_free(c->build);
	c->build = NULL;
	job_continue(job, create_build_finished, 0);
}

/* The build helper (and libxl's restore helper under it) shares the image
 * fd's offset with us: how far it has read. */
static bool create_measure_restore(struct job *job, uint64_t *current)
{
	struct create_job *c = job->data;
	off_t pos = lseek(c->restore_fd, 0, SEEK_CUR);

	/* libxl forks its save helper inside our build helper */
	if (c->build != NULL)
		priority_lower_streamers_of(build_run_pid(c->build));
	*current = pos >= 0 ? (uint64_t)pos : 0;
	return pos >= 0;
}

/* The leases are held: the build helper goes. */
static void create_leased(struct err *e, void *arg)
{
	struct job *job = arg;
	struct create_job *c = job->data;

	if (e == NULL && job->abort_requested)
		e = err_new(ERR_ABORTED, "aborted before it started");
	if (e != NULL) {
		create_job_fail(job, e);
		return;
	}
	if (c->restore_fd >= 0) {
		log_info("domain %s: restoring from %s", job->domain_name,
		    c->restore_path);
		job_poll_progress(job, c->restore_measure != NULL ?
		    c->restore_measure : create_measure_restore,
		    c->restore_size);
	}
	c->build = build_run_start(daemon_ctx, &c->config, c->restore_fd,
	    create_build_done, job, &e);
	if (c->build == NULL) {
		job_stop_progress(job, 0);
		create_job_fail(job, e);
		return;
	}
	job_set_journal(job, "helper", json_object_new_int64(
	    build_run_pid(c->build)));
	log_info("domain %s: %s (build helper %d)", job->domain_name,
	    c->restore_fd >= 0 ? "restoring" : "creating",
	    (int)build_run_pid(c->build));
}

/* What every build checks first (abort, memory), and the UUID by which
 * what failed or was cut short is found. */
static struct err *create_prepare(struct job *job)
{
	struct create_job *c = job->data;
	struct err *e;

	if (job->abort_requested)
		return err_new(ERR_ABORTED, "aborted before it started");
	if ((e = create_check_memory(&c->config)) != NULL)
		return e;
	if (libxl_uuid_is_nil(&c->config.c_info.uuid))
		c->config.c_info.uuid = job->domain->uuid;
	if (libxl_uuid_is_nil(&c->config.c_info.uuid))
		libxl_uuid_generate(&c->config.c_info.uuid);
	job_set_journal(job, "uuid", json_object_new_string(
	    job->domain->uuid_text));
	return NULL;
}

/* Every build starts here: checked, then its disks' leases taken (a
 * LeaseConflict builds nothing), then built.  A failure releases them:
 * in a restart, the old domain is gone by now. */
static void create_build(struct job *job)
{
	struct create_job *c = job->data;
	struct lease_disks disks;
	struct err *e = create_prepare(job);

	if (e == NULL)
		e = lease_disks_from_config(&c->config, &disks);
	if (e != NULL) {
		create_job_fail(job, e);
		return;
	}
	lease_acquire(job->domain->uuid_text, job->domain->name, &disks,
	    create_leased, job);
	lease_disks_clear(&disks);
}

/* An incoming migration's build: its leases are taken at the hand-over
 * (migrate-lease.c), once the source has released them. */
void create_job_build(struct job *job)
{
	struct err *e = create_prepare(job);

	if (e != NULL) {
		create_job_fail(job, e);
		return;
	}
	create_leased(NULL, job);
}

void create_job_abort(struct job *job)
{
	struct create_job *c = job->data;

	if (c->build != NULL && build_run_pid(c->build) > 0) {
		/* reaped: create_build_done, then the clean-up */
		build_run_kill(c->build);
	} else {
		/* a no-op between operations: the next step sees
		 * abort_requested */
		job_abort_libxl(job);
	}
}

/* ------------------------------------------------------------------------
 * Restores: the image's header and configuration are checked before
 * anything is created */

struct create_read {
	struct job *job;
	char *path;
	int fd;
	uint64_t size;
	struct savefile_header header;
	struct err *error;
};

/* The identity in the image: a new domain, or the defined shut-off domain
 * it belongs to. */
static struct err *create_claim_image(struct job *job)
{
	struct create_job *c = job->data;
	libxl_domain_create_info *info = &c->config.c_info;
	struct domain *by_name = domain_find_name(info->name);
	struct domain *by_uuid = domain_find_uuid(&info->uuid);
	struct domain *d;

	if (job->domain != NULL) {
		/* a managed image: it must be this domain's */
		if (libxl_uuid_compare(&info->uuid, &job->domain->uuid) != 0)
			return err_new(ERR_INVALID_ARGUMENT, "the managed save "
			    "image of '%s' holds another domain ('%s')",
			    job->domain_name, info->name);
		xreplace(&info->name, job->domain->name);
		return NULL;
	}
	if (by_uuid != NULL && domain_is_running(by_uuid))
		return err_new(ERR_DOMAIN_EXISTS, "domain '%s' with the image's "
		    "UUID is running", by_uuid->name);
	if (by_name != NULL && by_name != by_uuid)
		return err_new(ERR_DOMAIN_EXISTS, "a domain named '%s' exists",
		    info->name);
	if (by_name != NULL && domain_is_running(by_name))
		return err_new(ERR_DOMAIN_EXISTS, "domain '%s' is running",
		    info->name);
	d = by_uuid;
	if (d != NULL && (state_lock_busy(&d->lock) || d->destroyer != NULL)) {
		struct job *holder = job_holding(d);
		int64_t id = holder != NULL ? (int64_t)holder->id : 0;

		return err_add_data(err_new(ERR_BUSY, "domain '%s' is busy with "
		    "job %" PRId64, d->name, id), "holder",
		    json_object_new_int64(id));
	}
	if (d == NULL) {
		d = domain_add(info->name, &info->uuid);
	} else if (strcmp(d->name, info->name) != 0) {
		/* the defined domain it belongs to was renamed: Xen gets the
		 * name the daemon knows it by */
		xreplace(&info->name, d->name);
	}
	d->ours = true;
	if (d->config == NULL) {
		libxl_domain_config *copy = xmalloc(sizeof *copy);

		libxl_domain_config_init(copy);
		libxl_domain_config_copy(daemon_ctx, copy, &c->config);
		domain_set_config(d, copy);
	}
	job_attach_domain(job, d);
	job_hold_lock(job);
	return NULL;
}

static struct err *create_image_config(struct create_job *c,
    const struct savefile_header *header)
{
	struct err *e = NULL;
	json_object *obj;

	obj = json_line_parse(header->config_json, header->config_len, &e);
	if (obj != NULL) {
		e = domain_config_from_json_object(daemon_ctx, obj, &c->config);
		json_object_put(obj);
	}
	if (e != NULL) {
		e->class = ERR_INVALID_ARGUMENT;
		err_prefix(e, "the configuration in %s", c->restore_path);
	}
	return e;
}

static void create_have_header(void *arg)
{
	struct create_read *r = arg;
	struct job *job = r->job;
	struct create_job *c = job->data;
	struct err *e = r->error;

	c->restore_fd = r->fd;
	c->restore_size = r->size;
	free(r->path);
	if (e == NULL && strcmp(daemon_hypervisor, "xen") == 0)
		e = savefile_check_stream_magic(c->restore_fd,
		    r->header.stream_offset);
	if (e == NULL)
		e = create_image_config(c, &r->header);
	savefile_header_dispose(&r->header);
	free(r);
	/* a fresh domid: an image from xl -D would ask for its old one */
	c->config.c_info.domid = 0;
	if (e == NULL && job->abort_requested)
		e = err_new(ERR_ABORTED, "aborted before it started");
	if (e == NULL)
		e = create_claim_image(job);
	if (e != NULL) {
		job_fail(job, e);
		return;
	}
	create_build(job);
}

/* On a file worker: the image may sit on a slow or hung disk, and the
 * path is the client's.  Opening cannot block (O_NONBLOCK: a FIFO put in
 * the file's place does not wait for a writer) nor follow a symbolic link
 * put there; what was opened is checked on the fd, not on the path. */
static void create_read_header(void *arg)
{
	struct create_read *r = arg;
	struct stat st;

	r->fd = fsutil_open_regular(r->path, &r->error);
	if (r->fd < 0)
		return;
	if (fstat(r->fd, &st) < 0) {
		r->error = err_new(ERR_IO, "cannot read %s: %s", r->path,
		    strerror(errno));
		return;
	}
	r->size = (uint64_t)st.st_size;
	r->error = savefile_read_header(r->fd, &r->header);
}

static void create_open_image(struct job *job)
{
	struct create_job *c = job->data;
	struct create_read *r = xcalloc(1, sizeof *r);

	r->job = job;
	r->fd = -1;
	r->path = xstrdup(c->restore_path);
	fileio_submit(create_read_header, create_have_header, r);
}

/* ------------------------------------------------------------------------
 * The start */

static void create_old_destroyed(struct job *job, int rc)
{
	if (rc != 0 && domain_is_running(job->domain)) {
		job->domain->keep_leases = false;
		job_fail(job, job_libxl_error(job, rc, "destroying the old "
		    "domain"));
		return;
	}
	/* its leases stay: the new build takes over the ones it needs */
	lifecycle_domain_gone(job->domain);
	job->domain->keep_leases = false;
	create_build(job);
}

void create_job_start(struct job *job)
{
	struct create_job *c = job->data;
	struct domain *d = job->domain;

	if (c->restore_path != NULL) {
		create_open_image(job);
		return;
	}
	if (c->destroy_first && domain_is_running(d)) {
		d->keep_leases = true;
		job_ao_started(job, libxl_domain_destroy(daemon_ctx, d->domid,
		    job_ao(job, create_old_destroyed)));
		return;
	}
	if (domain_is_running(d)) {
		job_fail(job, err_new(ERR_OPERATION_INVALID,
		    "domain '%s' is already running", d->name));
		return;
	}
	create_build(job);
}

/* Interrupted create/start/restore/restart: if libxl had finished building
 * the domain (its domid was journaled), it is kept and unpaused as the job
 * meant; otherwise the half-built domain is destroyed. */
void create_job_recover(json_object *record, struct err *error)
{
	json_object *extra = json_object_object_get(record, "extra");
	const char *uuid_text = arg_string(extra, "uuid");
	bool built = arg_present(extra, "domid");
	libxl_uuid uuid;
	struct domain *d;

	if (uuid_text == NULL || libxl_uuid_from_string(&uuid, uuid_text) != 0)
		return;
	d = domain_find_uuid(&uuid);
	if (d == NULL || !domain_is_running(d))
		return;
	d->ours = true;
	if (built) {
		log_notice("domain %s: built before the restart; keeping it",
		    d->name);
		err_append(error, "the domain was built and is kept");
		if (!arg_bool(json_object_object_get(record, "args"), "paused",
		    false))
			dispatch_internal_domain("domain-unpause", d, NULL);
		return;
	}
	log_notice("domain %s: half-built when the daemon stopped; destroying "
	    "it", d->name);
	err_append(error, "the half-built domain is destroyed");
	dispatch_internal_domain("domain-destroy", d, NULL);
}
