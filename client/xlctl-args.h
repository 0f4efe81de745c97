/* xlctl: the command line: options (from tables of flags), positional
 * arguments, and the values they carry (integers, memory sizes). */
#ifndef XLCTL_ARGS_H
#define XLCTL_ARGS_H

#include <stdbool.h>
#include <stdint.h>

#include "client/xlctl.h"

/* One option: --name, -letter. */
struct xlctl_flag {
	const char *name;
	char letter;		/* 0: long form only */
	const char *value;	/* metavariable if it takes a value, else NULL;
				 * completion knows DOMAIN, FILE, SOCKET,
				 * ID, COMMAND, HOST */
	const char *help;
};
#define XLCTL_FLAG_END { NULL, 0, NULL, NULL }

/* A parsed command line: positional arguments and the options given. */
struct xlctl_given {
	const struct xlctl_flag *flag;
	const char *value;	/* "" for a switch */
};
struct xlctl_args {
	int argc;
	char **argv;
	int ngiven, given_size;
	struct xlctl_given *given;
};

/* The option named name (len bytes) or with that letter (name NULL) in a
 * NULL-terminated list of flag tables; NULL if none. */
const struct xlctl_flag *xlctl_flag_find(const struct xlctl_flag *const *lists,
    const char *name, size_t len, char letter);

/* Parses argv against the flag tables of lists.  stop_at_positional:
 * options end at the first positional argument (the global options before
 * COMMAND).  Returns 0, or XLCTL_EXIT_USAGE with err filled. */
int xlctl_args_parse(struct xlctl_args *args,
    const struct xlctl_flag *const *lists, int argc, char **argv,
    bool stop_at_positional, struct xlctl_error *err);
void xlctl_args_free(struct xlctl_args *args);
bool xlctl_args_has(const struct xlctl_args *args, const char *name);
/* The last value given for an option, or NULL. */
const char *xlctl_args_get(const struct xlctl_args *args, const char *name);
/* The i-th value of a repeatable option, or NULL past the last. */
const char *xlctl_args_nth(const struct xlctl_args *args, const char *name,
    int i);

/* A decimal integer in [min, max]; 0, or -1 if text is not one. */
int xlctl_parse_int(const char *text, int64_t min, int64_t max, int64_t *out);
/* xl's memory sizes: a plain number is MiB, suffixes k, m, g, t. */
int xlctl_parse_size_kib(const char *text, int64_t *kib);

#endif
