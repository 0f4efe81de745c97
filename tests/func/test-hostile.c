/* Hostile input, by class (issue 12): a NUL in any string, numbers out of
 * range in any numeric argument, a key twice at any level of a message,
 * a FIFO or a symbolic link where a save, dump or restore path should be.
 * Every one is refused with a clear error, and nothing changes: the
 * domains, the jobs and the files are as they were. */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <criterion/criterion.h>

#include "tests/func/harness.h"

/* ------------------------------------------------------------------------
 * What "nothing changed" compares */

static int name_order(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in a directory, sorted, one line each. */
static void list_dir(FILE *out, const char *path)
{
	DIR *dir = opendir(path);
	struct dirent *e;
	char *names[512];
	size_t n = 0;

	if (dir == NULL)
		return;
	while ((e = readdir(dir)) != NULL && n < 512)
		names[n++] = strdup(e->d_name);
	closedir(dir);
	qsort(names, n, sizeof *names, name_order);
	for (size_t i = 0; i < n; i++) {
		fprintf(out, "%s/%s\n", path, names[i]);
		free(names[i]);
	}
}

/* The domains as the simulator and the daemon see them, the job count,
 * the test directory's files and the definitions. */
static char *snapshot(struct dut *d, struct xlctl *c)
{
	json_object *info = sim_info(d), *doms = json_get(info, "domains");
	json_object *list = call_ok(c, "domain-list", NULL);
	json_object *jobs = call_ok(c, "job-list", NULL);
	char *text = NULL, *defs = test_format("%s/domains", d->statedir);
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	for (size_t i = 0; i < json_object_array_length(doms); i++) {
		json_object *dom = json_object_array_get_idx(doms, i);

		fprintf(out, "sim %s %lld %s\n", json_str(dom, "name"),
		    (long long)json_int(dom, "domid"), json_str(dom, "state"));
	}
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		json_object *dom = json_object_array_get_idx(list, i);

		fprintf(out, "daemon %s %s\n", json_str(dom, "name"),
		    json_str(dom, "state"));
	}
	fprintf(out, "jobs %zu\n", json_object_array_length(jobs));
	list_dir(out, d->dir);
	list_dir(out, defs);
	fclose(out);
	free(defs);
	json_object_put(info);
	json_object_put(list);
	json_object_put(jobs);
	return text;
}

static void assert_unchanged(struct dut *d, struct xlctl *c,
    const char *before, const char *what)
{
	char *after = snapshot(d, c);

	cr_assert_str_eq(after, before, "%s changed something", what);
	free(after);
}

/* ------------------------------------------------------------------------
 * Raw lines */

static int raw_open(struct dut *d)
{
	int fd = raw_connect(d->socket);

	json_object_put(raw_read(fd, 10000));	/* the greeting */
	return fd;
}

/* Sends one line; the reply must be an error of class (or of either
 * InvalidMessage or InvalidArgument when class is NULL).  Returns the
 * error's description (static until the next call). */
static const char *raw_refused(int fd, const char *class, const char *line)
{
	static char desc[512];
	json_object *reply, *error;
	const char *got;

	raw_send(fd, line, strlen(line));
	raw_send(fd, "\n", 1);
	reply = raw_read(fd, 30000);
	cr_assert_not_null(reply, "connection closed after %s", line);
	error = json_get(reply, "error");
	cr_assert_not_null(error, "accepted: %s", line);
	got = json_str(error, "class");
	if (class != NULL)
		cr_assert_str_eq(got, class, "%s: %s", line,
		    json_str(error, "desc"));
	else
		cr_assert(strcmp(got, "InvalidMessage") == 0 ||
		    strcmp(got, "InvalidArgument") == 0, "%s: %s %s", line, got,
		    json_str(error, "desc"));
	snprintf(desc, sizeof desc, "%s", json_str(error, "desc"));
	json_object_put(reply);
	return desc;
}

/* ------------------------------------------------------------------------
 * NUL */

/* A value of the argument's kind with a NUL inside it. */
static const char *nul_value(const char *type)
{
	if (strcmp(type, "domain") == 0)
		return "\"g1\\u0000junk\"";
	if (strcmp(type, "path") == 0)
		return "\"/tmp/nul.save\\u0000/../../x\"";
	if (strcmp(type, "name") == 0)
		return "\"n\\u0000x\"";
	if (strcmp(type, "array of strings") == 0)
		return "[\"DOMAIN_PAUSED\\u0000x\"]";
	if (strcmp(type, "object") == 0)
		return "{\"name\":\"o\\u0000x\"}";
	if (strcmp(type, "array") == 0)
		return "[\"g1\\u0000x\"]";
	return "\"all\\u0000;rm -rf /\"";	/* string, enum, any */
}

Test(hostile, nul_in_every_string_kind, .timeout = 300)
{
	struct dut *d = dut_start(NULL);
	struct xlctl *c = dut_connect(d);
	json_object *commands;
	char *before, line[1024];
	int fd, checked = 0;

	json_object_put(create_domain(c, "g1", 32));
	before = snapshot(d, c);
	fd = raw_open(d);
	/* the envelope: the command's name, a key, the id */
	raw_refused(fd, "InvalidMessage",
	    "{\"execute\":\"domain-pause\\u0000;rm -rf\","
	    "\"arguments\":{\"domain\":\"g1\"}}");
	raw_refused(fd, "InvalidMessage",
	    "{\"execute\":\"domain-pause\",\"arguments\":{\"dom\\u0000ain\":"
	    "\"g1\"}}");
	raw_refused(fd, "InvalidMessage",
	    "{\"exe\\u0000cute\":\"domain-pause\",\"arguments\":{\"domain\":"
	    "\"g1\"}}");
	raw_refused(fd, "InvalidMessage",
	    "{\"execute\":\"version\",\"id\":\"a\\u0000b\"}");
	/* every argument of every command, in a value of its own kind */
	commands = call_ok(c, "query-commands", NULL);
	for (size_t i = 0; i < json_object_array_length(commands); i++) {
		json_object *cmd = json_object_array_get_idx(commands, i);
		json_object *args = json_get(cmd, "arguments");

		for (size_t j = 0; j < json_object_array_length(args); j++) {
			json_object *arg = json_object_array_get_idx(args, j);
			const char *type = json_str(arg, "type");

			if (strcmp(type, "integer") == 0 ||
			    strcmp(type, "boolean") == 0)
				continue;
			snprintf(line, sizeof line, "{\"execute\":\"%s\","
			    "\"arguments\":{\"%s\":%s}}", json_str(cmd, "name"),
			    json_str(arg, "name"), nul_value(type));
			raw_refused(fd, "InvalidMessage", line);
			checked++;
		}
	}
	cr_assert_gt(checked, 30, "only %d string arguments", checked);
	/* the save of the report: no file at the name before the NUL */
	snprintf(line, sizeof line, "{\"execute\":\"domain-save\",\"arguments\":"
	    "{\"domain\":\"g1\",\"file\":\"%s/nul.save\\u0000/../../x\"}}",
	    d->dir);
	raw_refused(fd, "InvalidMessage", line);
	/* an xl config cut at a NUL */
	raw_refused(fd, "InvalidMessage", "{\"execute\":\"domain-create\","
	    "\"arguments\":{\"xl_config\":\"name=\\\"x1\\\"\\nmemory=32\\n"
	    "kernel=\\\"/k\\\"\\n\\u0000garbage\"}}");
	close(fd);
	assert_unchanged(d, c, before, "a string with a NUL");
	json_object_put(commands);
	free(before);
	xlctl_close(c);
	dut_stop(d);
	dut_free(d);
}

/* ------------------------------------------------------------------------
 * Numbers out of range */

Test(hostile, numbers_out_of_range_in_every_numeric_kind, .timeout = 300)
{
	struct dut *d = dut_start(NULL);
	struct xlctl *c = dut_connect(d);
	json_object *commands, *dom;
	static const char *const huge[] = {
		"9223372036854775808", "18446744073709551615",
		"18446744073709551616", "-9223372036854775809",
		"1e400", "1.5", "-0.5",
	};
	static const char *const bad_domids[] = {
		"4294967297", "\"4294967297\"", "\"4294967296\"", "32768",
		"\"32768\"", "-1", "\"99999999999999999999999\"",
		"9223372036854775808", "\" 1\"", "\"1 \"",
	};
	static const char *const domid_commands[] = {
		"domain-pause", "domain-destroy", "domain-info",
		"domain-shutdown", "domain-save",
	};
	char *before, line[1024];
	int fd, checked = 0;
	int64_t domid;

	dom = create_domain(c, "g1", 32);
	domid = json_int(dom, "domid");
	json_object_put(dom);
	json_object_put(create_domain(c, "g2", 32));
	/* 2^32 + domid would wrap to it */
	cr_assert_lt(domid, 32768);
	before = snapshot(d, c);
	fd = raw_open(d);
	for (size_t i = 0; i < sizeof domid_commands / sizeof *domid_commands;
	    i++) {
		for (size_t j = 0; j < sizeof bad_domids / sizeof *bad_domids;
		    j++) {
			snprintf(line, sizeof line, "{\"execute\":\"%s\","
			    "\"arguments\":{\"domain\":%s}}", domid_commands[i],
			    bad_domids[j]);
			raw_refused(fd, NULL, line);
		}
		snprintf(line, sizeof line, "{\"execute\":\"%s\",\"arguments\":"
		    "{\"domain\":\"%lld\"}}", domid_commands[i],
		    (long long)domid + 4294967296LL);
		raw_refused(fd, "InvalidArgument", line);
	}
	/* every integer argument of every command: past its bounds, past
	 * 64 bits, not an integer */
	commands = call_ok(c, "query-commands", NULL);
	for (size_t i = 0; i < json_object_array_length(commands); i++) {
		json_object *cmd = json_object_array_get_idx(commands, i);
		json_object *args = json_get(cmd, "arguments");

		for (size_t j = 0; j < json_object_array_length(args); j++) {
			json_object *arg = json_object_array_get_idx(args, j);
			const char *name = json_str(arg, "name");
			const char *type = json_str(arg, "type");

			if (strcmp(type, "integer") != 0)
				continue;
			for (size_t k = 0; k < sizeof huge / sizeof *huge; k++) {
				snprintf(line, sizeof line, "{\"execute\":\"%s\","
				    "\"arguments\":{\"%s\":%s}}",
				    json_str(cmd, "name"), name, huge[k]);
				raw_refused(fd, NULL, line);
			}
			if (json_get(arg, "min") != NULL &&
			    json_int(arg, "min") > INT64_MIN) {
				snprintf(line, sizeof line, "{\"execute\":\"%s\","
				    "\"arguments\":{\"%s\":%lld}}",
				    json_str(cmd, "name"), name,
				    (long long)json_int(arg, "min") - 1);
				raw_refused(fd, "InvalidArgument", line);
			}
			if (json_get(arg, "max") != NULL &&
			    json_int(arg, "max") < INT64_MAX) {
				snprintf(line, sizeof line, "{\"execute\":\"%s\","
				    "\"arguments\":{\"%s\":%lld}}",
				    json_str(cmd, "name"), name,
				    (long long)json_int(arg, "max") + 1);
				raw_refused(fd, "InvalidArgument", line);
			}
			checked++;
		}
	}
	cr_assert_gt(checked, 5, "only %d integer arguments", checked);
	/* job ids: no clamping to 2^63-1 and looking that up */
	cr_assert(strstr(raw_refused(fd, "InvalidArgument", "{\"execute\":"
	    "\"job-info\",\"arguments\":{\"job\":18446744073709551615}}"),
	    "range") != NULL);
	raw_refused(fd, "InvalidArgument", "{\"execute\":\"job-wait\","
	    "\"arguments\":{\"job\":1,\"timeout_ms\":9223372036854775808}}");
	/* the envelope's own number */
	raw_refused(fd, "InvalidMessage", "{\"execute\":\"version\","
	    "\"lock_wait_ms\":9223372036854775808}");
	close(fd);
	assert_unchanged(d, c, before, "a number out of range");
	/* in range still works, as a string too */
	json_object_put(call_ok(c, "domain-info", "{\"domain\":\"%lld\"}",
	    (long long)domid));
	json_object_put(commands);
	free(before);
	xlctl_close(c);
	dut_stop(d);
	dut_free(d);
}

/* ------------------------------------------------------------------------
 * Keys twice */

Test(hostile, duplicate_keys_at_every_level, .timeout = 180)
{
	struct dut *d = dut_start(NULL);
	struct xlctl *c = dut_connect(d);
	static const char *const lines[] = {
		/* the envelope */
		"{\"execute\":\"domain-list\",\"execute\":\"domain-destroy\","
		    "\"arguments\":{\"domain\":\"g1\"}}",
		"{\"execute\":\"domain-pause\",\"arguments\":{\"domain\":\"g1\"},"
		    "\"arguments\":{\"domain\":\"g2\"}}",
		"{\"execute\":\"version\",\"id\":1,\"id\":2}",
		"{\"execute\":\"version\",\"detach\":true,\"detach\":false}",
		/* escaped, the same key */
		"{\"execute\":\"version\",\"exec\\u0075te\":\"domain-list\"}",
		"{\"execute\":\"version\",\"\\u0065xecute\":\"version\"}",
		"{\"\\/x\":1,\"/x\":2,\"execute\":\"version\"}",
		/* the arguments */
		"{\"execute\":\"domain-pause\",\"arguments\":{\"domain\":\"g1\","
		    "\"domain\":\"g2\"}}",
		"{\"execute\":\"domain-save\",\"arguments\":{\"domain\":\"g1\","
		    "\"file\":\"/tmp/a.save\",\"file\":\"/tmp/b.save\"}}",
		/* deeper: in an object argument, in the id, in an array */
		"{\"execute\":\"domain-define\",\"arguments\":{\"config\":"
		    "{\"c_info\":{\"name\":\"a\",\"name\":\"b\"}}}}",
		"{\"execute\":\"version\",\"id\":{\"x\":{\"y\":1,\"y\":2}}}",
		"{\"execute\":\"version\",\"id\":[{\"a\":1},{\"a\":1,\"b\":2,"
		    "\"a\":3}]}",
		/* apart, and the same key after many */
		"{\"execute\":\"version\",\"id\":{\"k0\":0,\"k1\":1,\"k2\":2,"
		    "\"k3\":3,\"k4\":4,\"k5\":5,\"k6\":6,\"k7\":7,\"k0\":8}}",
		/* UTF-8 and its escape */
		"{\"execute\":\"version\",\"id\":{\"\xc3\xa9\":1,"
		    "\"\\u00e9\":2}}",
		"{\"execute\":\"version\",\"id\":{\"\xf0\x9f\x98\x80\":1,"
		    "\"\\ud83d\\ude00\":2}}",
	};
	static const char *const fine[] = {
		/* the same key in sibling or nested objects is no duplicate */
		"{\"execute\":\"version\",\"id\":[{\"a\":1},{\"a\":2}]}",
		"{\"execute\":\"version\",\"id\":{\"a\":{\"a\":{\"a\":1}}}}",
		"{\"execute\":\"version\",\"id\":{\"a\":1,\"A\":2,\"a \":3,"
		    "\"\":4}}",
	};
	char *before;
	int fd;

	json_object_put(create_domain(c, "g1", 32));
	json_object_put(create_domain(c, "g2", 32));
	before = snapshot(d, c);
	fd = raw_open(d);
	for (size_t i = 0; i < sizeof lines / sizeof *lines; i++)
		cr_assert(strstr(raw_refused(fd, "InvalidMessage", lines[i]),
		    "duplicate") != NULL, "%s", lines[i]);
	for (size_t i = 0; i < sizeof fine / sizeof *fine; i++) {
		json_object *reply;

		raw_send(fd, fine[i], strlen(fine[i]));
		raw_send(fd, "\n", 1);
		reply = raw_read(fd, 10000);
		cr_assert_not_null(json_get(reply, "return"), "%s", fine[i]);
		json_object_put(reply);
	}
	close(fd);
	assert_unchanged(d, c, before, "a key given twice");
	free(before);
	xlctl_close(c);
	dut_stop(d);
	dut_free(d);
}

/* ------------------------------------------------------------------------
 * FIFOs and symbolic links for paths */

static char *make_image(struct dut *d, struct xlctl *c, const char *name)
{
	char *image = test_format("%s/%s.image", d->dir, name);

	json_object_put(create_domain(c, name, 32));
	json_object_put(call_ok(c, "domain-save", "{\"domain\":\"%s\","
	    "\"file\":\"%s\"}", name, image));
	return image;
}

Test(hostile, fifos_for_paths_block_nothing, .timeout = 180)
{
	struct dut *d = dut_start(NULL);
	struct xlctl *c = dut_connect(d), *q = dut_connect(d);
	char *image, *fifo = NULL, *before;
	int64_t started;

	image = make_image(d, c, "img");
	json_object_put(create_domain(c, "g1", 32));
	fifo = test_format("%s/fifo", d->dir);
	cr_assert_eq(mkfifo(fifo, 0600), 0);
	before = snapshot(d, c);
	started = now_ms();
	call_fails(c, "InvalidArgument", "domain-restore", "{\"file\":\"%s\"}",
	    fifo);
	/* as a target, with and without overwrite; as a directory */
	call_fails(c, "InvalidArgument", "domain-save", "{\"domain\":\"g1\","
	    "\"file\":\"%s\"}", fifo);
	call_fails(c, "InvalidArgument", "domain-save", "{\"domain\":\"g1\","
	    "\"file\":\"%s\",\"overwrite\":true}", fifo);
	call_fails(c, "InvalidArgument", "domain-dump", "{\"domain\":\"g1\","
	    "\"file\":\"%s\",\"overwrite\":true}", fifo);
	call_fails(c, "IOError", "domain-save", "{\"domain\":\"g1\","
	    "\"file\":\"%s/x.save\"}", fifo);
	/* nobody ever opened the FIFO's other end: had anything opened it
	 * to read or write, it would still wait (the test's timeout) */
	json_object_put(call_ok(q, "version", NULL));
	cr_assert_lt(now_ms() - started, 60000);
	assert_unchanged(d, c, before, "a FIFO for a path");
	/* and the file worker is not stuck: a real restore still works */
	json_object_put(call_ok(c, "domain-restore", "{\"file\":\"%s\"}",
	    image));
	free(before);
	free(image);
	free(fifo);
	xlctl_close(q);
	xlctl_close(c);
	dut_stop(d);
	dut_free(d);
}

Test(hostile, symlinks_for_paths_are_not_followed, .timeout = 180)
{
	struct dut *d = dut_start(NULL);
	struct xlctl *c = dut_connect(d);
	char *image, *link, *victim, *before;

	image = make_image(d, c, "img");
	json_object_put(create_domain(c, "g1", 32));
	link = test_format("%s/link", d->dir);
	victim = test_format("%s/victim", d->dir);
	cr_assert_eq(symlink(image, link), 0);
	before = snapshot(d, c);
	/* restoring through a link (to a good image) */
	call_fails(c, "InvalidArgument", "domain-restore", "{\"file\":\"%s\"}",
	    link);
	/* a link to elsewhere as a target: neither written through, nor
	 * replaced */
	cr_assert_eq(unlink(link), 0);
	cr_assert_eq(symlink(victim, link), 0);
	free(before);
	before = snapshot(d, c);
	call_fails(c, "InvalidArgument", "domain-save", "{\"domain\":\"g1\","
	    "\"file\":\"%s\"}", link);
	call_fails(c, "InvalidArgument", "domain-save", "{\"domain\":\"g1\","
	    "\"file\":\"%s\",\"overwrite\":true}", link);
	call_fails(c, "InvalidArgument", "domain-dump", "{\"domain\":\"g1\","
	    "\"file\":\"%s\",\"overwrite\":true}", link);
	assert_unchanged(d, c, before, "a symbolic link for a path");
	cr_assert_neq(access(victim, F_OK), 0, "written through the link");
	free(before);
	free(image);
	free(link);
	free(victim);
	xlctl_close(c);
	dut_stop(d);
	dut_free(d);
}

/* Whether dir holds a file whose name starts with prefix. */
static bool dir_has(const char *path, const char *prefix)
{
	DIR *dir = opendir(path);
	struct dirent *e;
	bool found = false;

	while (dir != NULL && !found && (e = readdir(dir)) != NULL)
		found = strncmp(e->d_name, prefix, strlen(prefix)) == 0;
	if (dir != NULL)
		closedir(dir);
	return found;
}

/* The directory of a save or dump swapped for a link to another one while
 * the image is written: the image stays in the directory the job opened,
 * nothing lands where the link points. */
static void swap_directory_during(const char *command)
{
	struct dut *d = dut_start(NULL);
	struct xlctl *c = dut_connect(d);
	char *dir = test_format("%s/out", d->dir);
	char *moved = test_format("%s/out.moved", d->dir);
	char *elsewhere = test_format("%s/elsewhere", d->dir);
	char *image = test_format("%s/moved.img", moved);
	json_object *job;
	int64_t id;

	cr_assert_eq(mkdir(dir, 0700), 0);
	cr_assert_eq(mkdir(elsewhere, 0700), 0);
	/* slow enough to swap in the middle, on a busy machine too */
	sim_ok(d, "sim-set", "{\"save_mib_s\":4,\"dump_mib_s\":4}");
	json_object_put(create_domain(c, "g1", 64));
	id = call_detached(c, command, "{\"domain\":\"g1\",\"file\":"
	    "\"%s/moved.img\"}", dir);
	for (int64_t until = now_ms() + 60000; !dir_has(dir, ".moved.img.");) {
		cr_assert_lt(now_ms(), until, "no temporary file appeared");
		usleep(10000);
	}
	cr_assert_eq(rename(dir, moved), 0);
	cr_assert_eq(symlink(elsewhere, dir), 0);
	job = wait_job(c, id, 120000);
	cr_assert_str_eq(json_str(job, "state"), "completed", "%s: %s", command,
	    json_str(json_get(job, "error"), "desc"));
	json_object_put(job);
	cr_assert_eq(access(image, F_OK), 0, "the image is not where the "
	    "directory went");
	cr_assert_not(dir_has(elsewhere, "moved"), "written through the link");
	cr_assert_not(dir_has(moved, ".moved.img."), "temporary file left");
	free(dir);
	free(moved);
	free(elsewhere);
	free(image);
	xlctl_close(c);
	dut_stop(d);
	dut_free(d);
}

Test(hostile, a_save_directory_swapped_for_a_link, .timeout = 240)
{
	swap_directory_during("domain-save");
}

Test(hostile, a_dump_directory_swapped_for_a_link, .timeout = 240)
{
	swap_directory_during("domain-dump");
}
