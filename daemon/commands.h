/* The table of every command (commands.c). */
#ifndef DAEMON_COMMANDS_H
#define DAEMON_COMMANDS_H

struct command;

extern const struct command *const commands[];

#endif
