/* The state directory: persistent domain definitions (one JSON file per
 * domain, written atomically and durably), managed-save images and core
 * dumps; and the job journal in the run directory. */
#ifndef DAEMON_STORE_H
#define DAEMON_STORE_H

#include <stdbool.h>
#include <json-c/json.h>

#include "daemon/xl-compat.h"
#include "proto/err.h"

int store_init(void);

/* Calls fn for every definition found (at start-up; synchronous). */
void store_load_definitions(void (*fn)(const char *name,
    const libxl_uuid *uuid, bool autostart, libxl_domain_config *config,
    void *arg), void *arg);

/* Writes a domain's definition (durably, off the loop); done(arg, e) runs
 * on the loop with NULL or the error. */
typedef void store_done_fn(void *arg, struct err *e);
void store_save_definition(const char *uuid_text, const char *name,
    bool autostart, const libxl_domain_config *config, store_done_fn *done,
    void *arg);
void store_remove_definition(const char *uuid_text, store_done_fn *done,
    void *arg);
/* The same for any file of the state directory: removed, durably. */
void store_remove_file(const char *path, store_done_fn *done, void *arg);

/* <statedir>/save/<uuid>.save */
char *store_managed_save_path(const char *uuid_text);
/* <statedir>/dump/<name>-<time>.core */
char *store_dump_path(const char *name);

/* Transient domains the daemon started: <rundir>/domains/<uuid>.json, so
 * that a restarted daemon still carries out their on_poweroff/on_reboot/
 * on_crash (runtime state: it lives as long as the domain). */
void store_transient_write(const char *uuid_text, const char *name,
    const libxl_domain_config *config);
void store_transient_remove(const char *uuid_text);
void store_transient_load(void (*fn)(const libxl_uuid *uuid,
    libxl_domain_config *config, void *arg), void *arg);

/* Job journal: <rundir>/jobs/<id>.json. */
void store_journal_write(uint64_t id, json_object *record);
void store_journal_remove(uint64_t id);
/* Calls fn for every journal record (at start-up). */
void store_journal_load(void (*fn)(json_object *record, void *arg), void *arg);

#endif
