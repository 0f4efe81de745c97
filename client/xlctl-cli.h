/* xlctl, the command-line client: its top.  main() runs xlctl_cli_main();
 * the tests drive it and xlctl_cli_build() in-process. */
#ifndef XLCTL_CLI_H
#define XLCTL_CLI_H

#include "client/xlctl-cmd.h"

int xlctl_cli_main(int argc, char **argv);
/* The entry of a command named by its name, alias or protocol command. */
const struct xlctl_cmd *xlctl_cmd_find(const char *name);
/* argv[0] is the command: parses and builds its request, as xlctl would
 * send it.  Returns 0, or the exit status after printing why. */
int xlctl_cli_build(int argc, char **argv, struct xlctl_request *req);
/* Every family, the help command's included; NULL-terminated. */
extern const struct xlctl_family *const xlctl_families[];

#endif
