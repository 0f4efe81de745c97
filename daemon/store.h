/* The state directory: persistent domain definitions (one JSON file per
 * domain, written atomically and durably), managed-save images and core
 * dumps; and the job journal in the run directory. */
#ifndef DAEMON_STORE_H
#define DAEMON_STORE_H

#include <stdbool.h>
#include <json-c/json.h>

#include "daemon/xl-compat.h"
#include "proto/err.h"

struct domain;

int store_init(void);

/* Calls fn for every definition found (at start-up; synchronous). */
void store_load_definitions(void (*fn)(const char *name,
    const libxl_uuid *uuid, bool autostart, libxl_domain_config *config,
    void *arg), void *arg);

/* Writes d's definition (durably, off the loop); done(arg, e) runs on the
 * loop with NULL or the error. */
typedef void store_done_fn(void *arg, struct err *e);
void store_save_definition(struct domain *d, store_done_fn *done, void *arg);
void store_remove_definition(struct domain *d, store_done_fn *done, void *arg);

/* <statedir>/save/<uuid>.save */
char *store_managed_save_path(const struct domain *d);
/* <statedir>/dump/<name>-<time>.core */
char *store_dump_path(const struct domain *d);

/* Transient domains the daemon started: <rundir>/domains/<uuid>.json, so
 * that a restarted daemon still carries out their on_poweroff/on_reboot/
 * on_crash (runtime state: it lives as long as the domain). */
void store_transient_write(struct domain *d);
void store_transient_remove(struct domain *d);
void store_transient_load(void (*fn)(const libxl_uuid *uuid,
    libxl_domain_config *config, void *arg), void *arg);

/* Job journal: <rundir>/jobs/<id>.json. */
void store_journal_write(uint64_t id, json_object *record);
void store_journal_remove(uint64_t id);
/* Calls fn for every journal record (at start-up). */
void store_journal_load(void (*fn)(json_object *record, void *arg), void *arg);

#endif
