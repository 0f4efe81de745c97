/* xlctl: help, generated from the command entries: usage, options, what a
 * command sends, and the daemon's own description of it when it answers. */
#ifndef XLCTL_HELP_H
#define XLCTL_HELP_H

#include "client/xlctl-cmd.h"

/* `xlctl help`: usage and global_flags, then every family's commands and
 * the daemon's commands. */
int xlctl_help_all(struct xlctl_cli *cli,
    const struct xlctl_family *const *families, const char *usage,
    const struct xlctl_flag *global_flags);
/* `xlctl help NAME` and `xlctl NAME --help`.  cmd: NAME's entry, or NULL
 * for a daemon command xlctl has no entry for (a usage error if the daemon
 * does not know it either). */
int xlctl_help_command(struct xlctl_cli *cli, const struct xlctl_cmd *cmd,
    const char *name, struct xlctl_error *err);

#endif
