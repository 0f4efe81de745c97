/* Dispatch: from a client's line to a command's handler.  Parses the
 * message, finds the command, checks access and arguments, resolves the
 * command's target (tmux's cmd_find_target), then runs it.  Owns the
 * server's callbacks: a session per connection holds its pending
 * requests. */
#ifndef DAEMON_DISPATCH_H
#define DAEMON_DISPATCH_H

#include <json-c/json.h>

#include "daemon/server.h"


extern const struct server_callbacks dispatch_callbacks;

/* The daemon gives itself work through the command table, as a client
 * would: command name with args (taken; NULL for none).  Failures are
 * logged. */
void dispatch_internal(const char *name, json_object *args);
/* The same on one domain: args gets "domain" (its UUID). */
struct domain;
void dispatch_internal_domain(const char *name, struct domain *d,
    json_object *args);

#endif
