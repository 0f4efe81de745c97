#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/lease-record.h"
#include "proto/json-line.h"
#include "proto/mem.h"
#include "proto/schema.h"

#define HOST_NAME_LIMIT 255

/* A host name as gethostname gives it: printable, bounded. */
static bool host_name_valid(const char *host)
{
	size_t n = strlen(host);

	if (n == 0 || n > HOST_NAME_LIMIT)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isgraph((unsigned char)host[i]))
			return false;
	return true;
}

static const char *string_member(json_object *root, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(root, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static bool int_member(json_object *root, const char *key, long long min,
    long long max, long long *out)
{
	json_object *v;

	if (!json_object_object_get_ex(root, key, &v) ||
	    !json_object_is_type(v, json_type_int))
		return false;
	errno = 0;
	*out = json_object_get_int64(v);
	return errno == 0 && *out >= min && *out <= max;
}

static json_object *parse_object(const char *text, size_t len, size_t max,
    struct err **e)
{
	/* a file ends with a newline: the line codec takes it without */
	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
		len--;
	if (len > max) {
		*e = err_new(ERR_INVALID_ARGUMENT, "longer than %zu bytes",
		    max);
		return NULL;
	}
	return json_line_parse(text, len, e);
}

struct err *lease_record_parse(const char *text, size_t len,
    struct lease_record *out)
{
	json_object *root, *disks;
	struct err *e = NULL;
	const char *uuid, *domain, *host, *backend;
	long long pid, start;

	memset(out, 0, sizeof *out);
	root = parse_object(text, len, LEASE_RECORD_MAX, &e);
	if (root == NULL)
		return e;
	uuid = string_member(root, "uuid");
	domain = string_member(root, "domain");
	host = string_member(root, "host");
	backend = string_member(root, "backend");
	if (!int_member(root, "pid", 1, INT_MAX, &pid) ||
	    !int_member(root, "start_time", 0, LLONG_MAX, &start))
		e = err_new(ERR_INVALID_ARGUMENT, "no valid pid or start_time");
	else if (uuid == NULL || !schema_valid_uuid(uuid))
		e = err_new(ERR_INVALID_ARGUMENT, "no valid uuid");
	else if (domain == NULL || !schema_valid_domain_name(domain))
		e = err_new(ERR_INVALID_ARGUMENT, "no valid domain");
	else if (host == NULL || !host_name_valid(host))
		e = err_new(ERR_INVALID_ARGUMENT, "no valid host");
	else if (backend == NULL || (strcmp(backend, "lockspace") != 0 &&
	    strcmp(backend, "sanlock") != 0))
		e = err_new(ERR_INVALID_ARGUMENT, "no valid backend");
	else if (!json_object_object_get_ex(root, "disks", &disks))
		e = err_new(ERR_INVALID_ARGUMENT, "no disks");
	else
		e = lease_disks_from_json(disks, &out->disks);
	if (e == NULL) {
		out->pid = (pid_t)pid;
		out->start_time = (unsigned long long)start;
		memcpy(out->uuid, uuid, sizeof out->uuid);
		out->domain = xstrdup(domain);
		out->host = xstrdup(host);
		out->backend = xstrdup(backend);
	}
	json_object_put(root);
	return e;
}

char *lease_record_format(const struct lease_record *record, size_t *len)
{
	json_object *root = json_object_new_object();

	json_object_object_add(root, "pid",
	    json_object_new_int64(record->pid));
	json_object_object_add(root, "start_time",
	    json_object_new_int64((int64_t)record->start_time));
	json_object_object_add(root, "uuid",
	    json_object_new_string(record->uuid));
	json_object_object_add(root, "domain",
	    json_object_new_string(record->domain));
	json_object_object_add(root, "host",
	    json_object_new_string(record->host));
	json_object_object_add(root, "backend",
	    json_object_new_string(record->backend));
	json_object_object_add(root, "disks",
	    lease_disks_to_json(&record->disks));
	return lease_json_line(root, len);
}

void lease_record_clear(struct lease_record *record)
{
	free(record->domain);
	free(record->host);
	free(record->backend);
	lease_disks_clear(&record->disks);
	memset(record, 0, sizeof *record);
}

char *lease_record_path(const char *dir, const char *uuid)
{
	char *path;

	xasprintf(&path, "%s/%s.json", dir, uuid);
	return path;
}

char *lease_socket_path(const char *dir, const char *uuid)
{
	char *path;

	xasprintf(&path, "%s/%s.sock", dir, uuid);
	return path;
}

bool lease_parse_stat(const char *text, size_t len, char *state,
    unsigned long long *start_time)
{
	const char *p = NULL, *end = text + len;
	int field;

	/* "pid (comm) state ppid ...": comm may hold spaces and ')' */
	for (const char *q = text; q < end; q++)
		if (*q == ')')
			p = q;
	if (p == NULL)
		return false;
	p++;
	/* after ')', field 3 (state) comes first; start time is field 22 */
	for (field = 3; field <= 22; field++) {
		const char *start;
		unsigned long long v = 0;

		while (p < end && *p == ' ')
			p++;
		start = p;
		while (p < end && *p != ' ' && *p != '\n')
			p++;
		if (p == start)
			return false;
		if (field == 3)
			*state = *start;
		if (field != 22)
			continue;
		for (const char *d = start; d < p; d++) {
			if (!isdigit((unsigned char)*d) ||
			    v > (ULLONG_MAX - 9) / 10)
				return false;
			v = v * 10 + (unsigned long long)(*d - '0');
		}
		*start_time = v;
		return true;
	}
	return false;
}

int lease_process_start_time(pid_t pid, unsigned long long *out)
{
	char path[64], buf[1024], state;
	ssize_t n;
	int fd, error;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof buf);
	error = errno;
	close(fd);
	if (n < 0)
		return -error;
	if (!lease_parse_stat(buf, (size_t)n, &state, out))
		return -EINVAL;
	/* exited, not yet reaped: it holds nothing any more */
	if (state == 'Z' || state == 'X')
		return -ESRCH;
	return 0;
}

bool lease_record_alive(const struct lease_record *record)
{
	unsigned long long start;

	return lease_process_start_time(record->pid, &start) == 0 &&
	    start == record->start_time;
}

struct err *lease_owner_parse(const char *text, size_t len,
    struct lease_owner *out)
{
	json_object *root;
	struct err *e = NULL;
	const char *disk, *host, *domain, *uuid;
	long long pid = 0;

	memset(out, 0, sizeof *out);
	root = parse_object(text, len, LEASE_OWNER_MAX, &e);
	if (root == NULL)
		return e;
	disk = string_member(root, "disk");
	host = string_member(root, "host");
	domain = string_member(root, "domain");
	uuid = string_member(root, "uuid");
	if (disk == NULL || !lease_target_valid(disk))
		e = err_new(ERR_INVALID_ARGUMENT, "no valid disk");
	else if (host == NULL || !host_name_valid(host))
		e = err_new(ERR_INVALID_ARGUMENT, "no valid host");
	else if (domain == NULL || !schema_valid_domain_name(domain))
		e = err_new(ERR_INVALID_ARGUMENT, "no valid domain");
	else if (uuid != NULL && !schema_valid_uuid(uuid))
		e = err_new(ERR_INVALID_ARGUMENT, "a bad uuid");
	else if (json_object_object_get_ex(root, "pid", NULL) &&
	    !int_member(root, "pid", 1, INT_MAX, &pid))
		e = err_new(ERR_INVALID_ARGUMENT, "a bad pid");
	if (e == NULL) {
		out->disk = xstrdup(disk);
		out->host = xstrdup(host);
		out->domain = xstrdup(domain);
		out->uuid = uuid != NULL ? xstrdup(uuid) : NULL;
		out->pid = pid;
	}
	json_object_put(root);
	return e;
}

char *lease_owner_format(const struct lease_owner *owner, size_t *len)
{
	json_object *root = json_object_new_object();

	json_object_object_add(root, "disk",
	    json_object_new_string(owner->disk));
	json_object_object_add(root, "host",
	    json_object_new_string(owner->host));
	json_object_object_add(root, "domain",
	    json_object_new_string(owner->domain));
	if (owner->uuid != NULL)
		json_object_object_add(root, "uuid",
		    json_object_new_string(owner->uuid));
	if (owner->pid > 0)
		json_object_object_add(root, "pid",
		    json_object_new_int64(owner->pid));
	return lease_json_line(root, len);
}

void lease_owner_clear(struct lease_owner *owner)
{
	free(owner->disk);
	free(owner->host);
	free(owner->domain);
	free(owner->uuid);
	memset(owner, 0, sizeof *owner);
}
