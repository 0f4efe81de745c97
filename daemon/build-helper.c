/* xenlightd-build-helper --parent PID [--restore]: builds one domain in a
 * process of its own, for the daemon PID (it dies with it).  libxl builds
 * a PV domain synchronously inside one of its callbacks (kernel
 * decompression, populating guest memory: libxl__build_pv), so in the
 * daemon it would stop the loop for seconds; here, with its own ctx and
 * ao_how NULL, it may block.
 *
 * stdin: the domain's libxl JSON configuration.  With --restore, fd 3
 * (BUILD_HELPER_RESTORE_FD) is the save image, positioned at the libxl
 * stream (version 2); the daemon shares its offset and reads progress from
 * it.  stdout: one line, {"domid":N} or {"error":{"rc":R,"errno":E,
 * "desc":"..."}}, then exit 0 or 1.  The domain is left paused, as libxl
 * builds it: the daemon unpauses it, or destroys it (found by UUID) when
 * anything went wrong, this helper dying included. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "daemon/build-run.h"
#include "daemon/helper-child.h"
#include "daemon/helper-log.h"

#define CONFIG_MAX (64 * 1024 * 1024)

/* The one result line.  A write error changes nothing: the daemon then
 * sees no result and looks for the domain by its UUID. */
static int reply(int fd, json_object *result)
{
	const char *text = json_object_to_json_string_ext(result,
	    JSON_C_TO_STRING_PLAIN);
	size_t len = strlen(text), done = 0;
	char *line = malloc(len + 1);

	if (line != NULL) {
		memcpy(line, text, len);
		line[len] = '\n';
		while (done <= len) {
			ssize_t n = write(fd, line + done, len + 1 - done);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			done += (size_t)n;
		}
		free(line);
	}
	json_object_put(result);
	return done == len + 1 ? 0 : -1;
}

static int reply_error(int fd, int rc, const char *desc)
{
	json_object *result = json_object_new_object();
	json_object *error = json_object_new_object();
	const char *text = libxl_error_to_string(rc);

	if (desc == NULL || *desc == '\0')
		desc = *helper_log_last_error() != '\0' ?
		    helper_log_last_error() :
		    text != NULL ? text : "failed";
	json_object_object_add(error, "rc", json_object_new_int(rc));
	json_object_object_add(error, "errno", json_object_new_int(
	    helper_log_io_errno()));
	json_object_object_add(error, "desc", json_object_new_string(desc));
	json_object_object_add(result, "error", error);
	reply(fd, result);
	return 1;
}

static char *read_config(int fd)
{
	size_t len = 0, cap = 64 * 1024;
	char *buf = malloc(cap);

	for (;;) {
		ssize_t n;

		if (buf == NULL)
			return NULL;
		if (len + 1 >= cap) {
			if (cap >= CONFIG_MAX) {
				free(buf);
				return NULL;
			}
			cap *= 2;
			buf = realloc(buf, cap);
			continue;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			free(buf);
			return NULL;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	return buf;
}

int main(int argc, char **argv)
{
	int used = helper_child_init(argc, argv);
	bool restore = used > 0 && argc == used + 2 &&
	    strcmp(argv[used + 1], "--restore") == 0;
	libxl_domain_config config;
	libxl_ctx *ctx = NULL;
	uint32_t domid = INVALID_DOMID;
	char *text;
	int out, null, rc;

	/* a build must not outlive the daemon that asked for it: the next
	 * daemon destroys what it half-built, and nothing may build behind
	 * its back afterwards (helper_child_init) */
	if (used < 0 || (argc != used + 1 && !restore)) {
		fprintf(stderr, "usage: xenlightd-build-helper --parent PID "
		    "[--restore] < CONFIG.json\n");
		return BUILD_HELPER_USAGE;
	}
	/* The result goes to a private copy of stdout, so that no process
	 * libxl starts (device model, hotplug scripts) keeps the daemon's
	 * pipe open; their output goes to stderr. */
	out = fcntl(1, F_DUPFD_CLOEXEC, 3);
	if (out < 0)
		return BUILD_HELPER_USAGE;
	text = read_config(0);
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, 0);
		if (dup2(2, 1) < 0)
			dup2(null, 1);
		close(null);
	}
	if (text == NULL)
		return reply_error(out, ERROR_INVAL, "cannot read the "
		    "configuration");
	/* libxl hands the stream to its save helper itself; nothing else it
	 * starts may keep the image open */
	if (restore &&
	    fcntl(BUILD_HELPER_RESTORE_FD, F_SETFD, FD_CLOEXEC) < 0) {
		free(text);
		return reply_error(out, ERROR_INVAL, "no save image on fd 3");
	}
	if (libxl_ctx_alloc(&ctx, LIBXL_VERSION, 0,
	    helper_log_open("xenlightd-build-helper")) != 0) {
		free(text);
		return reply_error(out, ERROR_FAIL, "cannot open the "
		    "hypervisor");
	}
	libxl_domain_config_init(&config);
	rc = libxl_domain_config_from_json(ctx, &config, text);
	free(text);
	if (rc != 0) {
		rc = ERROR_INVAL;
		reply_error(out, rc, "cannot parse the configuration");
	} else {
		if (restore) {
			libxl_domain_restore_params params;

			libxl_domain_restore_params_init(&params);
			/* 4.17 writes v2 streams; the IDL default (1) would
			 * make libxl misread them as legacy ones */
			params.stream_version = 2;
			rc = libxl_domain_create_restore(ctx, &config, &domid,
			    BUILD_HELPER_RESTORE_FD, -1, &params, NULL, NULL);
			libxl_domain_restore_params_dispose(&params);
		} else {
			rc = libxl_domain_create_new(ctx, &config, &domid,
			    NULL, NULL);
		}
		if (rc == 0) {
			json_object *result = json_object_new_object();

			json_object_object_add(result, "domid",
			    json_object_new_int64(domid));
			reply(out, result);
		} else {
			/* libxl destroyed what it built unless the build was
			 * cut short; the daemon checks by UUID either way */
			reply_error(out, rc, NULL);
		}
	}
	libxl_domain_config_dispose(&config);
	libxl_ctx_free(ctx);
	return rc == 0 ? BUILD_HELPER_OK : BUILD_HELPER_FAILED;
}
