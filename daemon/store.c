#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon/daemon.h"
#include "daemon/domain-config.h"
#include "daemon/fileio.h"
#include "daemon/fsutil.h"
#include "daemon/log.h"
#include "daemon/store.h"
#include "proto/json-line.h"
#include "proto/mem.h"
#include "proto/schema.h"

#define DEFINITION_MAX (16 * 1024 * 1024)
#define JOURNAL_RECORD_MAX (1024 * 1024)

static char *store_path(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *store_path(const char *fmt, ...)
{
	va_list ap;
	char *path;

	va_start(ap, fmt);
	path = xvformat(fmt, ap);
	va_end(ap);
	return path;
}

int store_init(void)
{
	const char *dirs[] = { "domains", "save", "dump" };

	for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++) {
		char *path = store_path("%s/%s", options.statedir, dirs[i]);
		int rc = fsutil_mkdirs(path, 0700);

		if (rc < 0) {
			log_critical("cannot create %s: %s", path, strerror(-rc));
			free(path);
			return -1;
		}
		free(path);
	}
	for (int i = 0; i < 2; i++) {
		char *path = store_path("%s/%s", options.rundir,
		    i == 0 ? "jobs" : "domains");
		int rc = fsutil_mkdirs(path, 0700);

		if (rc < 0) {
			log_critical("cannot create %s: %s", path, strerror(-rc));
			free(path);
			return -1;
		}
		free(path);
	}
	return 0;
}

/* Files of dir ending in suffix; partial files a crash left behind are
 * removed: they never were complete. */
static void store_scan(const char *dir, const char *suffix,
    void (*fn)(const char *path, void *arg), void *arg)
{
	DIR *d = opendir(dir);
	struct dirent *entry;

	if (d == NULL) {
		log_error("cannot read %s: %s", dir, strerror(errno));
		return;
	}
	while ((entry = readdir(d)) != NULL) {
		size_t n = strlen(entry->d_name), m = strlen(suffix);
		char *path;

		if (fsutil_is_partial_name(entry->d_name)) {
			path = store_path("%s/%s", dir, entry->d_name);
			log_notice("removing %s, left incomplete by a crash", path);
			unlink(path);
			free(path);
			continue;
		}
		if (entry->d_name[0] == '.' || n <= m ||
		    strcmp(entry->d_name + n - m, suffix) != 0)
			continue;
		path = store_path("%s/%s", dir, entry->d_name);
		fn(path, arg);
		free(path);
	}
	closedir(d);
}

static json_object *store_read_json(const char *path, size_t max)
{
	struct err *e = NULL;
	json_object *obj;
	size_t len;
	int error;
	char *text = fsutil_read_file(path, max, &len, &error);

	if (text == NULL) {
		log_error("cannot read %s: %s", path, strerror(error));
		return NULL;
	}
	obj = json_line_parse(text, len, &e);
	if (obj == NULL) {
		log_error("%s: %s", path, e->desc);
		err_free(e);
	}
	free(text);
	return obj;
}

/* ------------------------------------------------------------------------
 * Definitions: {"name","uuid","autostart","config":{libxl JSON}} */

struct store_load {
	void (*fn)(const char *, const libxl_uuid *, bool,
	    libxl_domain_config *, void *);
	void *arg;
};

/* The UUID and libxl configuration of a stored record (a definition or a
 * transient domain's): NULL, logged with FATE, when either is missing or
 * unusable. */
static libxl_domain_config *store_record_config(const char *path,
    json_object *obj, const char *what, const char *fate, libxl_uuid *uuid)
{
	const char *uuid_text = arg_string(obj, "uuid");
	libxl_domain_config *dc;
	json_object *config;
	struct err *e;

	if (uuid_text == NULL || libxl_uuid_from_string(uuid, uuid_text) != 0 ||
	    !json_object_object_get_ex(obj, "config", &config)) {
		log_error("%s: not %s; %s", path, what, fate);
		return NULL;
	}
	dc = xmalloc(sizeof *dc);
	libxl_domain_config_init(dc);
	e = domain_config_from_json_object(daemon_ctx, config, dc);
	if (e != NULL) {
		log_error("%s: %s; %s", path, e->desc, fate);
		err_free(e);
		libxl_domain_config_dispose(dc);
		free(dc);
		return NULL;
	}
	return dc;
}

static void store_load_one(const char *path, void *arg)
{
	struct store_load *load = arg;
	json_object *obj = store_read_json(path, DEFINITION_MAX);
	libxl_domain_config *dc = NULL;
	const char *name;
	libxl_uuid uuid;

	if (obj == NULL)
		return;
	name = arg_string(obj, "name");
	if (name == NULL || !schema_valid_domain_name(name))
		log_error("%s: not a domain definition; ignored", path);
	else
		dc = store_record_config(path, obj, "a domain definition",
		    "ignored", &uuid);
	if (dc != NULL)
		load->fn(name, &uuid, arg_bool(obj, "autostart", false), dc,
		    load->arg);
	json_object_put(obj);
}

void store_load_definitions(void (*fn)(const char *name,
    const libxl_uuid *uuid, bool autostart, libxl_domain_config *config,
    void *arg), void *arg)
{
	struct store_load load = { fn, arg };
	char *dir = store_path("%s/domains", options.statedir);

	store_scan(dir, ".json", store_load_one, &load);
	free(dir);
}

struct store_write {
	char *path;
	char *text;		/* NULL: remove */
	size_t len;
	int error;
	store_done_fn *done;
	void *arg;
};

static void store_write_work(void *arg)
{
	struct store_write *w = arg;

	if (w->text != NULL) {
		w->error = -fsutil_atomic_write(w->path, w->text, w->len, 0600,
		    true);
	} else if (unlink(w->path) < 0 && errno != ENOENT) {
		w->error = errno;
	} else {
		w->error = -fsutil_fsync_parent(w->path);
	}
}

static void store_write_done(void *arg)
{
	struct store_write *w = arg;
	struct err *e = NULL;

	if (w->error != 0) {
		e = err_new(ERR_IO, "cannot %s %s: %s",
		    w->text ? "write" : "remove", w->path, strerror(w->error));
		log_error("%s", e->desc);
	}
	if (w->done != NULL)
		w->done(w->arg, e);
	else
		err_free(e);
	free(w->path);
	free(w->text);
	free(w);
}

static char *store_definition_path(const char *uuid_text)
{
	return store_path("%s/domains/%s.json", options.statedir, uuid_text);
}

/* The configuration as a JSON object (NULL with *e when it cannot be). */
static json_object *store_config_json(const libxl_domain_config *config,
    struct err **e)
{
	char *text = domain_config_to_json_line(daemon_ctx,
	    (libxl_domain_config *)config);
	json_object *obj = NULL;

	if (text != NULL)
		obj = json_line_parse(text, strlen(text), e);
	else
		*e = err_new(ERR_INTERNAL, "cannot serialise the config");
	free(text);
	return obj;
}

static void store_submit(char *path, char *text, store_done_fn *done,
    void *arg)
{
	struct store_write *w = xcalloc(1, sizeof *w);

	w->path = path;
	w->text = text;
	w->len = text != NULL ? strlen(text) : 0;
	w->done = done;
	w->arg = arg;
	fileio_submit(store_write_work, store_write_done, w);
}

void store_save_definition(const char *uuid_text, const char *name,
    bool autostart, const libxl_domain_config *config, store_done_fn *done,
    void *arg)
{
	json_object *obj, *config_obj;
	struct err *e = NULL;

	config_obj = store_config_json(config, &e);
	if (config_obj == NULL) {
		done(arg, e);
		return;
	}
	obj = json_object_new_object();
	json_object_object_add(obj, "name", json_object_new_string(name));
	json_object_object_add(obj, "uuid", json_object_new_string(uuid_text));
	json_object_object_add(obj, "autostart",
	    json_object_new_boolean(autostart));
	json_object_object_add(obj, "config", config_obj);
	store_submit(store_definition_path(uuid_text),
	    xstrdup(json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PRETTY |
	    JSON_C_TO_STRING_NOSLASHESCAPE)), done, arg);
	json_object_put(obj);
}

void store_remove_definition(const char *uuid_text, store_done_fn *done,
    void *arg)
{
	store_submit(store_definition_path(uuid_text), NULL, done, arg);
}

void store_remove_file(const char *path, store_done_fn *done, void *arg)
{
	store_submit(xstrdup(path), NULL, done, arg);
}

char *store_managed_save_path(const char *uuid_text)
{
	return store_path("%s/save/%s.save", options.statedir, uuid_text);
}

char *store_dump_path(const char *name)
{
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
	return store_path("%s/dump/%s-%s.core", options.statedir, name, stamp);
}

/* ------------------------------------------------------------------------
 * Transient domains.  Runtime state, like the journal below: renamed into
 * place without fsync. */

static char *store_transient_path(const char *uuid_text)
{
	return store_path("%s/domains/%s.json", options.rundir, uuid_text);
}

void store_transient_write(const char *uuid_text, const char *name,
    const libxl_domain_config *config)
{
	json_object *obj, *config_obj;
	struct err *e = NULL;
	const char *text;
	char *path;
	size_t len;
	int rc;

	if (config == NULL)
		return;
	config_obj = store_config_json(config, &e);
	if (config_obj == NULL) {
		log_error("domain %s: cannot record its configuration: %s",
		    name, e->desc);
		err_free(e);
		return;
	}
	obj = json_object_new_object();
	json_object_object_add(obj, "name", json_object_new_string(name));
	json_object_object_add(obj, "uuid", json_object_new_string(uuid_text));
	json_object_object_add(obj, "config", config_obj);
	text = json_line_format(obj, &len);
	path = store_transient_path(uuid_text);
	rc = fsutil_atomic_write(path, text, len, 0600, false);
	if (rc < 0)
		log_error("cannot write %s: %s", path, strerror(-rc));
	free(path);
	json_object_put(obj);
}

void store_transient_remove(const char *uuid_text)
{
	char *path = store_transient_path(uuid_text);

	if (unlink(path) < 0 && errno != ENOENT)
		log_error("cannot remove %s: %s", path, strerror(errno));
	free(path);
}

struct store_transient_load {
	void (*fn)(const libxl_uuid *, libxl_domain_config *, void *);
	void *arg;
};

static void store_transient_one(const char *path, void *arg)
{
	struct store_transient_load *load = arg;
	json_object *obj = store_read_json(path, DEFINITION_MAX);
	libxl_domain_config *dc;
	libxl_uuid uuid;

	if (obj == NULL)
		return;
	dc = store_record_config(path, obj, "a domain record", "removed",
	    &uuid);
	if (dc != NULL)
		load->fn(&uuid, dc, load->arg);
	else
		unlink(path);
	json_object_put(obj);
}

void store_transient_load(void (*fn)(const libxl_uuid *uuid,
    libxl_domain_config *config, void *arg), void *arg)
{
	struct store_transient_load load = { fn, arg };
	char *dir = store_path("%s/domains", options.rundir);

	store_scan(dir, ".json", store_transient_one, &load);
	free(dir);
}

/* ------------------------------------------------------------------------
 * Job journal.  The run directory holds runtime state: it must survive a
 * daemon crash (the page cache does), not a host crash (which takes the
 * domains with it), so records are renamed into place without fsync and
 * the loop does not wait for the disk. */

void store_journal_write(uint64_t id, json_object *record)
{
	char *path = store_path("%s/jobs/%" PRIu64 ".json", options.rundir, id);
	size_t len;
	const char *text = json_line_format(record, &len);
	int rc = fsutil_atomic_write(path, text, len, 0600, false);

	if (rc < 0)
		log_error("cannot write job journal %s: %s", path, strerror(-rc));
	free(path);
}

void store_journal_remove(uint64_t id)
{
	char *path = store_path("%s/jobs/%" PRIu64 ".json", options.rundir, id);

	if (unlink(path) < 0 && errno != ENOENT)
		log_error("cannot remove %s: %s", path, strerror(errno));
	free(path);
}

struct store_journal_load {
	void (*fn)(json_object *, void *);
	void *arg;
};

static void store_journal_one(const char *path, void *arg)
{
	struct store_journal_load *load = arg;
	json_object *record = store_read_json(path, JOURNAL_RECORD_MAX);

	if (record == NULL) {
		/* renamed into place whole, so this is damage from outside */
		log_error("%s: unreadable job record removed", path);
		unlink(path);
		return;
	}
	load->fn(record, load->arg);
	json_object_put(record);
}

void store_journal_load(void (*fn)(json_object *record, void *arg), void *arg)
{
	struct store_journal_load load = { fn, arg };
	char *dir = store_path("%s/jobs", options.rundir);

	store_scan(dir, ".json", store_journal_one, &load);
	free(dir);
}
