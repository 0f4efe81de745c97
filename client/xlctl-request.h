/* xlctl: the request a command sends, and the helpers that build it from
 * the command line: typed arguments, the domain, files (made absolute,
 * read whole), configuration files. */
#ifndef XLCTL_REQUEST_H
#define XLCTL_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

#include "client/xlctl.h"
#include "client/xlctl-args.h"

struct xlctl_request {
	const char *execute;
	json_object *arguments;		/* owned; never NULL once built */
	struct xlctl_options options;
	char label[160];		/* "save web1": progress, messages */
};

/* An empty request for execute, labelled label. */
void xlctl_request_init(struct xlctl_request *req, const char *execute,
    const char *label);
void xlctl_request_clear(struct xlctl_request *req);

void xlctl_req_string(struct xlctl_request *req, const char *key,
    const char *value);
void xlctl_req_int(struct xlctl_request *req, const char *key, int64_t value);
void xlctl_req_bool(struct xlctl_request *req, const char *key, bool value);
/* text as an integer in [min, max] into arguments[key]; else a usage
 * error "invalid WHAT 'text'". */
int xlctl_req_int_text(struct xlctl_request *req, const char *key,
    const char *text, int64_t min, int64_t max, const char *what,
    struct xlctl_error *err);
/* The domain argument: a name, a UUID or a domid, passed as given, and
 * added to the label. */
void xlctl_req_domain(struct xlctl_request *req, const char *domain);
/* A file argument: the daemon wants absolute paths, and the user means
 * one relative to the current directory. */
void xlctl_req_path(struct xlctl_request *req, const char *key,
    const char *path);
void xlctl_req_label(struct xlctl_request *req, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The domain the request names, "" if none. */
const char *xlctl_req_get_domain(const struct xlctl_request *req);

/* The builders most commands share.  The domain, the only argument: */
int xlctl_build_domain(const struct xlctl_args *args,
    struct xlctl_request *req, struct xlctl_error *err);
/* A config file: libxl JSON if it parses as a JSON object, else xl's
 * config text: arguments "config" or "xl_config". */
int xlctl_build_config_file(const char *path, struct xlctl_request *req,
    struct xlctl_error *err);

char *xlctl_absolute_path(const char *path);
/* Reads a whole file ("-": standard input); NULL with err (IOError). */
char *xlctl_read_file(const char *path, size_t *len,
    struct xlctl_error *err);

#endif
