/* What the daemon gives daemon/lease.c, for programs that are not the
 * daemon (tests/unit/test-lease, tests/sanlock/lease-tool): holders
 * started from a given path, reaped on the program's own event base. */
#ifndef TESTS_UNIT_LEASE_HOOKS_H
#define TESTS_UNIT_LEASE_HOOKS_H

#include <stdbool.h>

#include "daemon/lease.h"

struct event_base;

/* Watches SIGCHLD on base; holders come from program. */
bool lease_hooks_init(struct event_base *base, const char *program);
void lease_hooks_free(void);
/* Fills cfg's base, spawn and watch_child. */
void lease_hooks_config(struct lease_config *cfg);
/* After fork(): the child's base, reinitialised, watches for its own. */
void lease_hooks_after_fork(void);

#endif
