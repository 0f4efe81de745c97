/* xlctl: building requests from the command line. */
#include "config.h"

#include <errno.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client/xlctl-error.h"
#include "client/xlctl-format.h"
#include "client/xlctl-request.h"
#include "proto/json-line.h"
#include "proto/mem.h"

/* No request line is this long: the daemon's --max-line is 1 MiB by
 * default.  A bound, so that /dev/zero cannot eat the memory. */
#define XLCTL_MAX_FILE		(16 * 1024 * 1024)

void xlctl_request_init(struct xlctl_request *req, const char *execute,
    const char *label)
{
	memset(req, 0, sizeof *req);
	req->execute = execute;
	req->arguments = json_object_new_object();
	snprintf(req->label, sizeof req->label, "%s", label);
}

void xlctl_request_clear(struct xlctl_request *req)
{
	json_object_put(req->arguments);
	memset(req, 0, sizeof *req);
}

void xlctl_req_string(struct xlctl_request *req, const char *key,
    const char *value)
{
	json_object_object_add(req->arguments, key,
	    json_object_new_string(value));
}

void xlctl_req_int(struct xlctl_request *req, const char *key, int64_t value)
{
	json_object_object_add(req->arguments, key,
	    json_object_new_int64(value));
}

void xlctl_req_bool(struct xlctl_request *req, const char *key, bool value)
{
	json_object_object_add(req->arguments, key,
	    json_object_new_boolean(value));
}

int xlctl_req_int_text(struct xlctl_request *req, const char *key,
    const char *text, int64_t min, int64_t max, const char *what,
    struct xlctl_error *err)
{
	int64_t value;

	if (xlctl_parse_int(text, min, max, &value) < 0)
		return xlctl_usage(err, "invalid %s '%s'", what, text);
	xlctl_req_int(req, key, value);
	return XLCTL_EXIT_OK;
}

void xlctl_req_domain(struct xlctl_request *req, const char *domain)
{
	/* the daemon takes a domid as a decimal string as well */
	xlctl_req_string(req, "domain", domain);
	xlctl_req_label(req, "%s %s", req->label, domain);
}

void xlctl_req_path(struct xlctl_request *req, const char *key,
    const char *path)
{
	char *absolute = xlctl_absolute_path(path);

	xlctl_req_string(req, key, absolute);
	free(absolute);
}

void xlctl_req_label(struct xlctl_request *req, const char *fmt, ...)
{
	char label[sizeof req->label];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(label, sizeof label, fmt, ap);
	va_end(ap);
	memcpy(req->label, label, sizeof label);
}

const char *xlctl_req_get_domain(const struct xlctl_request *req)
{
	const char *domain = xlctl_get_string(req->arguments, "domain");

	return domain != NULL ? domain : "";
}

/* ------------------------------------------------------------------------
 * Builders */

int xlctl_build_domain(const struct xlctl_args *args,
    struct xlctl_request *req, struct xlctl_error *err)
{
	xlctl_req_domain(req, args->argv[0]);
	return XLCTL_EXIT_OK;
}

int xlctl_build_config_file(const char *path, struct xlctl_request *req,
    struct xlctl_error *err)
{
	struct err *e = NULL;
	json_object *config;
	size_t len;
	char *text;

	if ((text = xlctl_read_file(path, &len, err)) == NULL)
		return XLCTL_EXIT_ERROR;
	if (strlen(text) != len) {
		free(text);
		return xlctl_usage(err, "%s: not a text file", path);
	}
	config = json_line_parse(text, len, &e);
	if (config != NULL)
		json_object_object_add(req->arguments, "config", config);
	else
		xlctl_req_string(req, "xl_config", text);
	err_free(e);
	free(text);
	xlctl_req_label(req, "%s %s", req->label, path);
	return XLCTL_EXIT_OK;
}

/* ------------------------------------------------------------------------
 * Files */

char *xlctl_absolute_path(const char *path)
{
	char *dir_copy, *base_copy, *dir, *base, *real, *cwd, *out = NULL;

	if (path[0] == '/')
		return xstrdup(path);
	/* Resolve the directory, not the file: a save or a dump creates
	 * the file. */
	dir_copy = xstrdup(path);
	base_copy = xstrdup(path);
	dir = dirname(dir_copy);
	base = basename(base_copy);
	real = realpath(dir, NULL);
	if (real != NULL && strcmp(base, ".") != 0 && strcmp(base, "..") != 0) {
		xasprintf(&out, "%s%s%s", real,
		    strcmp(real, "/") == 0 ? "" : "/", base);
	} else if ((cwd = getcwd(NULL, 0)) != NULL) {
		/* let the daemon say what is wrong with it */
		xasprintf(&out, "%s/%s", cwd, path);
		free(cwd);
	} else {
		out = xstrdup(path);
	}
	free(real);
	free(dir_copy);
	free(base_copy);
	return out;
}

char *xlctl_read_file(const char *path, size_t *len,
    struct xlctl_error *err)
{
	bool is_stdin = strcmp(path, "-") == 0;
	FILE *f = is_stdin ? stdin : fopen(path, "re");
	size_t used = 0, cap = 8192;
	char *text;

	if (f == NULL) {
		xlctl_fail(err, XLCTL_EXIT_ERROR, XLCTL_CLASS_IO,
		    "cannot read %s: %s", path, strerror(errno));
		return NULL;
	}
	text = xmalloc(cap);
	for (;;) {
		size_t n = fread(text + used, 1, cap - used - 1, f);

		used += n;
		if (used + 1 < cap || used >= XLCTL_MAX_FILE)
			break;
		cap *= 2;
		text = xrealloc(text, cap);
	}
	if (ferror(f)) {
		xlctl_fail(err, XLCTL_EXIT_ERROR, XLCTL_CLASS_IO,
		    "cannot read %s: %s", path, strerror(errno));
		free(text);
		text = NULL;
	} else if (used >= XLCTL_MAX_FILE) {
		xlctl_fail(err, XLCTL_EXIT_ERROR, XLCTL_CLASS_IO,
		    "cannot read %s: larger than %d MiB", path,
		    XLCTL_MAX_FILE >> 20);
		free(text);
		text = NULL;
	} else {
		text[used] = '\0';
		*len = used;
	}
	if (!is_stdin)
		fclose(f);
	return text;
}
