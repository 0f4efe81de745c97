/* A scripted stand-in for xenlightd, for the client tests: a UNIX socket
 * in a private temporary directory, served by a forked child that runs a
 * script on the one connection it accepts.  The child's exit status is
 * the script's verdict (0: every FAKE_CHECK held).
 *
 * Both client test programs #include this file: a header of its own would
 * be named tests/unit/test-*.h, which .gitignore hides. */
#ifndef TEST_CLIENT_FAKE_C
#define TEST_CLIENT_FAKE_C

#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <json-c/json.h>

#include "proto/json-line.h"

struct fake_server {
	char dir[64];
	char path[128];
	pid_t pid;
};

typedef void (*fake_script)(int fd, void *arg);

void fake_server_start(struct fake_server *s, fake_script script, void *arg);
/* Waits for the child (close the client first: a script may be blocked
 * writing to it) and removes the socket; returns the child's exit status,
 * or 100 + the signal that killed it. */
int fake_server_finish(struct fake_server *s);

/* For scripts, in the child. */
#define FAKE_CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "fake server: %s:%d: %s\n", __FILE__,	\
		    __LINE__, #cond);					\
		_exit(10);						\
	}								\
} while (0)

/* Writes all of text; -1 if the client has gone. */
int fake_send(int fd, const char *text);
int fake_sendf(int fd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void fake_greet(int fd);
/* The next request line, parsed; NULL at end of file. */
json_object *fake_read_request(int fd);
const char *fake_execute(json_object *request);
int64_t fake_id(json_object *request);
/* {"return":<return_json>,"id":<the request's id>} */
void fake_reply(int fd, json_object *request, const char *return_json);
void fake_error(int fd, json_object *request, const char *class_name,
    const char *desc);
void fake_event(int fd, const char *name, const char *data_json);

void fake_server_start(struct fake_server *s, fake_script script, void *arg)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int listener, fd;

	snprintf(s->dir, sizeof s->dir, "/tmp/xlctl-test-XXXXXX");
	cr_assert_not_null(mkdtemp(s->dir));
	snprintf(s->path, sizeof s->path, "%s/sock", s->dir);
	strcpy(sun.sun_path, s->path);
	listener = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	cr_assert_geq(listener, 0);
	/* listening before the fork: the client's connect cannot race */
	cr_assert_eq(bind(listener, (struct sockaddr *)&sun, sizeof sun), 0);
	cr_assert_eq(listen(listener, 4), 0);
	s->pid = fork();
	cr_assert_geq(s->pid, 0);
	if (s->pid == 0) {
		signal(SIGPIPE, SIG_IGN);
		fd = accept(listener, NULL, NULL);
		close(listener);
		if (fd < 0)
			_exit(11);
		script(fd, arg);
		close(fd);
		/* _exit: the Criterion worker's exit handlers are not ours */
		_exit(0);
	}
	close(listener);
}

int fake_server_finish(struct fake_server *s)
{
	int status;

	while (waitpid(s->pid, &status, 0) < 0 && errno == EINTR)
		;
	unlink(s->path);
	rmdir(s->dir);
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 100 + WTERMSIG(status);
}

int fake_send(int fd, const char *text)
{
	size_t len = strlen(text);

	while (len > 0) {
		ssize_t n = send(fd, text, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		text += n;
		len -= (size_t)n;
	}
	return 0;
}

int fake_sendf(int fd, const char *fmt, ...)
{
	char *text;
	va_list ap;
	int r;

	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) < 0)
		abort();
	va_end(ap);
	r = fake_send(fd, text);
	free(text);
	return r;
}

void fake_greet(int fd)
{
	fake_send(fd, "{\"greeting\":{\"server\":\"xenlightd\",\"version\":"
	    "\"0.1.0\",\"protocol\":1,\"hypervisor\":\"sim\",\"xen_version\":"
	    "\"4.17.7\",\"access\":\"full\",\"host\":\"test\"}}\n");
}

json_object *fake_read_request(int fd)
{
	/* one connection per child: one reader */
	static struct line_reader reader;
	static bool ready;
	const char *line;
	size_t len;

	if (!ready) {
		line_reader_init(&reader, 64 * 1024 * 1024);
		ready = true;
	}
	for (;;) {
		enum line_status st = line_reader_next(&reader, &line, &len);

		if (st == LINE_READY) {
			struct err *e = NULL;
			json_object *obj = json_line_parse(line, len, &e);

			FAKE_CHECK(obj != NULL);
			return obj;
		}
		FAKE_CHECK(st == LINE_PARTIAL);
		ssize_t n = line_reader_fill(&reader, fd);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return NULL;
	}
}

const char *fake_execute(json_object *request)
{
	json_object *value;

	if (!json_object_object_get_ex(request, "execute", &value))
		return "";
	return json_object_get_string(value);
}

int64_t fake_id(json_object *request)
{
	json_object *value;

	if (!json_object_object_get_ex(request, "id", &value) ||
	    !json_object_is_type(value, json_type_int))
		return -1;
	return json_object_get_int64(value);
}

static const char *fake_id_text(json_object *request)
{
	json_object *value;

	if (!json_object_object_get_ex(request, "id", &value))
		return "null";
	return json_object_to_json_string_ext(value, JSON_C_TO_STRING_PLAIN);
}

void fake_reply(int fd, json_object *request, const char *return_json)
{
	fake_sendf(fd, "{\"return\":%s,\"id\":%s}\n", return_json,
	    fake_id_text(request));
}

void fake_error(int fd, json_object *request, const char *class_name,
    const char *desc)
{
	fake_sendf(fd, "{\"error\":{\"class\":\"%s\",\"desc\":\"%s\"},"
	    "\"id\":%s}\n", class_name, desc, fake_id_text(request));
}

void fake_event(int fd, const char *name, const char *data_json)
{
	fake_sendf(fd, "{\"event\":\"%s\",\"data\":%s,\"timestamp\":"
	    "{\"seconds\":1795860000,\"microseconds\":123456}}\n", name,
	    data_json);
}

#endif
