/* xlctl: the connection of a run, made on first use. */
#ifndef XLCTL_CONNECT_H
#define XLCTL_CONNECT_H

#include "client/xlctl-cmd.h"

/* Connects cli to its socket unless it is already; returns 0, or
 * XLCTL_EXIT_CONNECT with err: class ConnectionFailed, data.socket and
 * data.cause (libxlctl's class: Disconnected, Timeout, ResourceLimit...). */
int xlctl_cli_connect(struct xlctl_cli *cli, struct xlctl_error *err);

#endif
