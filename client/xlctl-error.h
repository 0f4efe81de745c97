/* xlctl: the client's errors and exit statuses.  A function that can fail
 * fills a struct xlctl_error (libxlctl's: class, description, data) and
 * returns the exit status; the top of xlctl reports the error once, as
 * "xlctl: ..." on standard error or, with --json, as the protocol's error
 * object on standard output (doc/xlctl.1, EXIT STATUS). */
#ifndef XLCTL_ERROR_H
#define XLCTL_ERROR_H

#include <stdbool.h>
#include <json-c/json.h>

#include "client/xlctl.h"

enum xlctl_exit {
	XLCTL_EXIT_OK = 0,
	XLCTL_EXIT_ERROR = 1,		/* an error reply or a failed job */
	XLCTL_EXIT_USAGE = 2,		/* nothing was sent */
	XLCTL_EXIT_CONNECT = 3,
};

/* The classes xlctl makes itself, beside the daemon's (PROTOCOL.md) and
 * libxlctl's (Disconnected, Timeout, InvalidMessage). */
#define XLCTL_CLASS_USAGE	"InvalidArgument"	/* exit 2 */
#define XLCTL_CLASS_NO_COMMAND	"CommandNotFound"	/* exit 2 */
#define XLCTL_CLASS_CONNECT	"ConnectionFailed"	/* exit 3 */
#define XLCTL_CLASS_IO		"IOError"		/* a local file */

/* Fills err (dropping what it held) and returns rc. */
int xlctl_fail(struct xlctl_error *err, int rc, const char *class_name,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* xlctl_fail(err, XLCTL_EXIT_USAGE, XLCTL_CLASS_USAGE, ...) */
int xlctl_usage(struct xlctl_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* err->data[key] = value; takes the reference to value. */
void xlctl_error_add(struct xlctl_error *err, const char *key,
    json_object *value);
/* err from the protocol's error object {"class","desc","data"} as a reply
 * or a job carries it; false if obj has no class. */
bool xlctl_error_from_object(struct xlctl_error *err, json_object *obj);
/* Reports err as the outcome of a run that ends with status rc, and
 * clears it.  Text: "xlctl: Class: desc" for an error reply, a failed job
 * or a lost connection (rc 1), "xlctl: desc" for a usage error or a
 * failed connect (rc 2, 3), then data.usage if there is one.  An empty
 * err reports nothing: whoever failed has said why already. */
int xlctl_error_report(struct xlctl_error *err, int rc, bool json);

#endif
