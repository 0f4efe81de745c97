/* The destination's half of a migration: the job domain-migrate-in
 * (migrate-in.c), started for each connection the listener admitted. */
#ifndef DAEMON_MIGRATE_IN_H
#define DAEMON_MIGRATE_IN_H

#include "daemon/command.h"
#include "daemon/migrate-conn.h"
#include "daemon/migrate-wire.h"

extern const struct command cmd_domain_migrate_in;

/* migrate_admit_fn (migrate-listen.h): conn and h are taken. */
void migrate_in_admit(struct migrate_conn *conn, struct migrate_header *h);

#endif
