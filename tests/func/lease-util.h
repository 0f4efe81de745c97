/* What the disk lease tests share: domains with disks, image files, the
 * lock files of a lockspace seen from outside the daemon. */
#ifndef TESTS_FUNC_LEASE_UTIL_H
#define TESTS_FUNC_LEASE_UTIL_H

#include <stdbool.h>
#include <json-c/json.h>

#include "tests/func/harness.h"

/* xl config text of a domain with the given disk specs (NULL-ended),
 * on_reboot=restart */
char *config_with_disks(const char *name, const char *first, ...);
char *disk_spec(const char *vdev, const char *access, const char *path);
json_object *create_text(struct xlctl *c, struct xlctl_error *err,
    const char *text);
/* A domain with one disk (xvda): created, or refused with err filled. */
json_object *create_one(struct xlctl *c, struct xlctl_error *err,
    const char *name, const char *access, const char *path);
void create_one_ok(struct xlctl *c, const char *name, const char *access,
    const char *path);
/* An empty image file d->dir/img/name. */
char *make_image(struct dut *d, const char *name);
/* Its canonical name, as the holders name it. */
char *canonical(const char *path);
/* Whether somebody holds a lock on the disk's lease file in lockspace. */
bool disk_locked(const char *lockspace, const char *path);
/* The daemon's default lockspace. */
char *lockspace_of(struct dut *d);
/* The lease-list entry of disk (canonical) and domain, or NULL. */
json_object *find_lease(json_object *list, const char *disk,
    const char *domain);
/* The end of a one-daemon test: nothing left running, no holder left. */
void finish(struct dut *d, struct xlctl *c);

#endif
