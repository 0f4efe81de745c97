/* Save, restore, core dump and managed save on the simulator: the long jobs
 * run while everything else is answered, many at once, and a failure or an
 * abort never loses a guest or leaves a file that looks complete. */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <criterion/criterion.h>

#include "tests/func/harness.h"

static bool file_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/* No complete-looking file and no temporary one either. */
static void assert_no_image(struct dut *d, const char *name)
{
	char path[512];
	DIR *dir = opendir(d->dir);
	struct dirent *e;

	snprintf(path, sizeof path, "%s/%s", d->dir, name);
	cr_assert_not(file_exists(path), "%s exists", path);
	cr_assert_not_null(dir);
	while ((e = readdir(dir)) != NULL)
		cr_assert_null(strstr(e->d_name, ".partial-"),
		    "temporary file %s left behind", e->d_name);
	closedir(dir);
}

static const char *domain_state(struct xlctl *c, const char *name)
{
	static char state[32];
	json_object *info = call_ok(c, "domain-info", "{\"domain\":\"%s\"}", name);

	snprintf(state, sizeof state, "%s", json_str(info, "state"));
	json_object_put(info);
	return state;
}

static bool running(const char *state)
{
	return strcmp(state, "running") == 0 || strcmp(state, "blocked") == 0;
}

static char *guest_state(struct dut *d, const char *name)
{
	json_object *info = sim_info(d), *dom = sim_domain(info, name);
	char *digest;

	cr_assert_not_null(dom, "the simulator has no domain %s", name);
	digest = strdup(json_str(dom, "guest_state"));
	json_object_put(info);
	return digest;
}

static void wait_running(struct xlctl *c, int64_t job)
{
	for (int64_t deadline = now_ms() + 10000;;) {
		json_object *info = job_info(c, job);
		bool started = strcmp(json_str(info, "state"), "queued") != 0;

		json_object_put(info);
		if (started)
			return;
		cr_assert_lt(now_ms(), deadline);
		usleep(10000);
	}
}

/* 1. Queries are answered during a save, none Busy. */
Test(save, queries_during_a_save, .timeout = 180)
{
	struct dut *d = dut_start(NULL);
	struct xlctl *c = dut_connect(d), *q = dut_connect(d);
	int64_t save;
	int answered_during = 0;
	json_object *job;

	json_object_put(create_domain(c, "a", 64));
	json_object_put(create_domain(c, "b", 64));
	sim_ok(d, "sim-set", "{\"save_mib_s\":32,\"restore_mib_s\":32}");
	for (int round = 0; round < 2; round++) {
		save = call_detached(c, "domain-save", "{\"domain\":\"a\","
		    "\"file\":\"%s/a.save\",\"overwrite\":true}", d->dir);
		for (;;) {
			static const char *const cmds[] = { "domain-info",
				"domain-list", "domain-config", "job-info" };
			bool still_running;

			bool all_answered = true;

			for (int i = 0; i < 4; i++) {
				struct xlctl_error err = { 0 };
				json_object *ret;

				if (i == 3)
					ret = job_info(q, save);
				else if (i == 1)
					ret = call_ok(q, cmds[i], NULL);
				else
					ret = call(q, &err, cmds[i],
					    "{\"domain\":\"%s\"}", (round + i) % 2 ?
					    "a" : "b");
				/* never Busy; only gone once the save is done */
				if (ret == NULL) {
					cr_assert_str_eq(err.class_name,
					    "DomainNotFound", "%s: %s", cmds[i],
					    err.desc);
					all_answered = false;
				}
				json_object_put(ret);
			}
			job = job_info(q, save);
			still_running = strcmp(json_str(job, "state"), "running") == 0;
			json_object_put(job);
			if (!still_running)
				break;
			cr_assert(all_answered, "a query failed while the save ran");
			answered_during++;
		}
		job = wait_job(c, save, 30000);
		cr_assert_str_eq(json_str(job, "state"), "completed");
		json_object_put(job);
		json_object_put(call_ok(c, "domain-restore", "{\"file\":"
		    "\"%s/a.save\"}", d->dir));
	}
	/* two saves of 2 s each: plenty of rounds happened inside them */
	cr_assert_gt(answered_during, 10);
	xlctl_close(q);
	xlctl_close(c);
	dut_stop(d);
	dut_free(d);
}

/* 2. Eight saves at once, then eight restores at once: the guests come
 * back whole. */
Test(save, eight_saves_and_restores_at_once, .timeout = 300)
{
	struct dut *d = dut_start(NULL);
	struct xlctl *c = dut_connect(d);
	char *before[8];
	int64_t ids[8];
	json_object *info;

	for (int i = 0; i < 8; i++) {
		char name[16];

		snprintf(name, sizeof name, "g%d", i);
		json_object_put(create_domain(c, name, 64));
		before[i] = guest_state(d, name);
	}
	for (int i = 0; i < 8; i++) {
		json_object *args = json_parse("{\"domain\":\"g%d\",\"file\":"
		    "\"%s/g%d.save\"}", i, d->dir, i);

		ids[i] = xlctl_send(c, "domain-save", args, NULL);
		json_object_put(args);
	}
	for (int i = 0; i < 8; i++) {
		struct xlctl_error err = { 0 };
		json_object *ret = xlctl_wait_reply(c, ids[i], 120000, &err);

		cr_assert_not_null(ret, "save %d: %s %s", i, err.class_name,
		    err.desc);
		json_object_put(ret);
	}
	info = sim_info(d);
	cr_assert_eq(json_object_array_length(json_get(info, "domains")), 1,
	    "the saved domains are gone");
	json_object_put(info);
	for (int i = 0; i < 8; i++) {
		json_object *args = json_parse("{\"file\":\"%s/g%d.save\"}",
		    d->dir, i);

		ids[i] = xlctl_send(c, "domain-restore", args, NULL);
		json_object_put(args);
	}
	for (int i = 0; i < 8; i++) {
		struct xlctl_error err = { 0 };
		json_object *ret = xlctl_wait_reply(c, ids[i], 120000, &err);
		char name[16], *after;

		cr_assert_not_null(ret, "restore %d: %s %s", i, err.class_name,
		    err.desc);
		cr_assert(running(json_str(ret, "state")));
		json_object_put(ret);
		snprintf(name, sizeof name, "g%d", i);
		after = guest_state(d, name);
		cr_assert_str_eq(after, before[i], "%s changed across "
		    "save/restore", name);
		free(after);
		free(before[i]);
	}
	info = sim_info(d);
	cr_assert_eq(json_int(info, "children"), 0);
	cr_assert_eq(json_int(info, "ops_in_flight"), 0);
	json_object_put(info);
	xlctl_close(c);
	dut_stop(d);
	dut_free(d);
}

/* 3. A pause on a domain being saved waits its turn, or fails Busy. */
Test(save, pause_during_a_save, .timeout = 180)
{
	struct dut *d = dut_start(NULL);
	struct xlctl *c = dut_connect(d);
	struct xlctl_options quick = { .has_lock_wait_ms = true,
		.lock_wait_ms = 50 };
	struct xlctl_error err = { 0 };
	json_object *args, *job;
	int64_t save, pause;

	json_object_put(create_domain(c, "p", 64));
	sim_ok(d, "sim-set", "{\"save_mib_s\":32}");
	save = call_detached(c, "domain-save", "{\"domain\":\"p\",\"file\":"
	    "\"%s/p.save\",\"leave\":\"running\"}", d->dir);
	wait_running(c, save);
	args = json_parse("{\"domain\":\"p\"}");
	cr_assert_null(xlctl_call(c, "domain-pause", args, &quick, 30000, &err));
	cr_assert_str_eq(err.class_name, "Busy");
	xlctl_error_clear(&err);
	json_object_put(args);
	pause = call_detached(c, "domain-pause", "{\"domain\":\"p\"}");
	job = job_info(c, pause);
	cr_assert_str_eq(json_str(job, "state"), "queued");
	json_object_put(job);
	job = wait_job(c, pause, 30000);
	cr_assert_str_eq(json_str(job, "state"), "completed");
	json_object_put(job);
	job = job_info(c, save);
	cr_assert_str_eq(json_str(job, "state"), "completed");
	json_object_put(job);
	cr_assert_str_eq(domain_state(c, "p"), "paused");
	xlctl_close(c);
	dut_stop(d);
	dut_free(d);
}

/* 4. Destroy during a save: aborted, no file, domain gone. */
Test(save, destroy_during_a_save, .timeout = 180)
{
	struct dut *d = dut_start(NULL);
	struct xlctl *c = dut_connect(d);
	json_object *job, *info;
	int64_t save;

	json_object_put(create_domain(c, "x", 64));
	sim_ok(d, "sim-set", "{\"save_mib_s\":16}");
	save = call_detached(c, "domain-save", "{\"domain\":\"x\",\"file\":"
	    "\"%s/x.save\"}", d->dir);
	wait_running(c, save);
	usleep(300000);
	json_object_put(call_ok(c, "domain-destroy", "{\"domain\":\"x\"}"));
	job = wait_job(c, save, 30000);
	cr_assert_str_eq(json_str(job, "state"), "aborted");
	json_object_put(job);
	assert_no_image(d, "x.save");
	call_fails(c, "DomainNotFound", "domain-info", "{\"domain\":\"x\"}");
	info = sim_info(d);
	cr_assert_null(sim_domain(info, "x"));
	cr_assert_eq(json_int(info, "children"), 0);
	json_object_put(info);
	xlctl_close(c);
	dut_stop(d);
	dut_free(d);
}

/* 5. job-abort of a save, a restore and a dump. */
Test(save, abort_save_restore_dump, .timeout = 240)
{
	struct dut *d = dut_start(NULL);
	struct xlctl *c = dut_connect(d);
	json_object *job, *info, *ret;
	char *before;
	int64_t id;

	json_object_put(create_domain(c, "ab", 64));
	before = guest_state(d, "ab");
	/* save: the domain runs on, unchanged, no file */
	sim_ok(d, "sim-set", "{\"save_mib_s\":16,\"restore_mib_s\":16,"
	    "\"dump_mib_s\":16}");
	id = call_detached(c, "domain-save", "{\"domain\":\"ab\",\"file\":"
	    "\"%s/ab.save\"}", d->dir);
	wait_running(c, id);
	usleep(300000);
	ret = call_ok(c, "job-abort", "{\"job\":%lld}", (long long)id);
	cr_assert(json_flag(ret, "aborting"));
	json_object_put(ret);
	job = wait_job(c, id, 30000);
	cr_assert_str_eq(json_str(job, "state"), "aborted");
	json_object_put(job);
	assert_no_image(d, "ab.save");
	cr_assert(running(domain_state(c, "ab")));
	{
		char *after = guest_state(d, "ab");

		cr_assert_str_eq(after, before);
		free(after);
	}
	/* dump: no file, the domain resumed */
	id = call_detached(c, "domain-dump", "{\"domain\":\"ab\",\"file\":"
	    "\"%s/ab.core\"}", d->dir);
	wait_running(c, id);
	usleep(300000);
	json_object_put(call_ok(c, "job-abort", "{\"job\":%lld}", (long long)id));
	job = wait_job(c, id, 30000);
	cr_assert_str_eq(json_str(job, "state"), "aborted");
	json_object_put(job);
	assert_no_image(d, "ab.core");
	cr_assert(running(domain_state(c, "ab")));
	/* restore: no domain */
	sim_ok(d, "sim-set", "{\"save_mib_s\":1024}");
	json_object_put(call_ok(c, "domain-save", "{\"domain\":\"ab\",\"file\":"
	    "\"%s/ab.save\"}", d->dir));
	id = call_detached(c, "domain-restore", "{\"file\":\"%s/ab.save\"}",
	    d->dir);
	wait_running(c, id);
	usleep(300000);
	json_object_put(call_ok(c, "job-abort", "{\"job\":%lld}", (long long)id));
	job = wait_job(c, id, 30000);
	cr_assert_str_eq(json_str(job, "state"), "aborted");
	json_object_put(job);
	call_fails(c, "DomainNotFound", "domain-info", "{\"domain\":\"ab\"}");
	info = sim_info(d);
	cr_assert_null(sim_domain(info, "ab"));
	cr_assert_eq(json_int(info, "children"), 0);
	json_object_put(info);
	free(before);
	xlctl_close(c);
	dut_stop(d);
	dut_free(d);
}

/* 6. Faults. */
Test(save, faults_lose_nothing, .timeout = 240)
{
	struct dut *d = dut_start(NULL);
	struct xlctl *c = dut_connect(d);
	json_object *info;
	const char *why;
	char *before;

	json_object_put(create_domain(c, "f", 64));
	before = guest_state(d, "f");
	sim_ok(d, "sim-fault", "{\"op\":\"save\",\"kind\":\"io-error\","
	    "\"after_bytes\":1048576}");
	why = call_fails(c, "IOError", "domain-save", "{\"domain\":\"f\","
	    "\"file\":\"%s/f.save\"}", d->dir);
	cr_assert(strstr(why, "Input/output error") != NULL, "%s", why);
	assert_no_image(d, "f.save");
	cr_assert(running(domain_state(c, "f")));
	sim_ok(d, "sim-fault", "{\"op\":\"save\",\"kind\":\"helper-crash\","
	    "\"after_bytes\":1048576}");
	call_fails(c, "HypervisorError", "domain-save", "{\"domain\":\"f\","
	    "\"file\":\"%s/f.save\"}", d->dir);
	assert_no_image(d, "f.save");
	cr_assert(running(domain_state(c, "f")));
	sim_ok(d, "sim-fault", "{\"op\":\"dump\",\"kind\":\"helper-crash\","
	    "\"after_bytes\":1048576}");
	call_fails(c, "HypervisorError", "domain-dump", "{\"domain\":\"f\","
	    "\"file\":\"%s/f.core\"}", d->dir);
	assert_no_image(d, "f.core");
	cr_assert(running(domain_state(c, "f")));
	{
		char *after = guest_state(d, "f");

		cr_assert_str_eq(after, before, "the faults changed the guest");
		free(after);
	}
	/* a restore that fails leaves no domain */
	json_object_put(call_ok(c, "domain-save", "{\"domain\":\"f\",\"file\":"
	    "\"%s/f.save\"}", d->dir));
	sim_ok(d, "sim-fault", "{\"op\":\"restore\",\"kind\":\"fail\"}");
	call_fails(c, "HypervisorError", "domain-restore",
	    "{\"file\":\"%s/f.save\"}", d->dir);
	call_fails(c, "DomainNotFound", "domain-info", "{\"domain\":\"f\"}");
	/* not enough host memory: ResourceLimit, nothing left */
	sim_ok(d, "sim-set", "{\"host_memory_mib\":1060}");
	call_fails(c, "ResourceLimit", "domain-restore",
	    "{\"file\":\"%s/f.save\"}", d->dir);
	call_fails(c, "DomainNotFound", "domain-info", "{\"domain\":\"f\"}");
	info = sim_info(d);
	cr_assert_null(sim_domain(info, "f"));
	cr_assert_eq(json_int(info, "children"), 0);
	json_object_put(info);
	/* and with memory back, the image still restores */
	sim_ok(d, "sim-set", "{\"host_memory_mib\":16384}");
	json_object_put(call_ok(c, "domain-restore", "{\"file\":\"%s/f.save\"}",
	    d->dir));
	{
		char *after = guest_state(d, "f");

		cr_assert_str_eq(after, before);
		free(after);
	}
	free(before);
	xlctl_close(c);
	dut_stop(d);
	dut_free(d);
}

/* 7. A client that hangs up right after domain-save. */
Test(save, disconnect_does_not_cancel, .timeout = 180)
{
	struct dut *d = dut_start(NULL);
	struct xlctl *c = dut_connect(d);
	json_object *args, *list, *job = NULL;
	char path[512];

	json_object_put(create_domain(c, "gone", 64));
	sim_ok(d, "sim-set", "{\"save_mib_s\":64}");
	snprintf(path, sizeof path, "%s/gone.save", d->dir);
	args = json_parse("{\"domain\":\"gone\",\"file\":\"%s\"}", path);
	cr_assert_gt(xlctl_send(c, "domain-save", args, NULL), 0);
	json_object_put(args);
	xlctl_close(c);
	c = dut_connect(d);
	for (int64_t deadline = now_ms() + 30000; job == NULL;) {
		list = call_ok(c, "job-list", "{\"state\":\"completed\"}");
		for (size_t i = 0; i < json_object_array_length(list); i++) {
			json_object *j = json_object_array_get_idx(list, i);

			if (strcmp(json_str(j, "type"), "domain-save") == 0)
				job = json_object_get(j);
		}
		json_object_put(list);
		cr_assert_lt(now_ms(), deadline, "the save did not complete");
		usleep(50000);
	}
	cr_assert_str_eq(json_str(json_get(job, "result"), "file"), path);
	cr_assert(file_exists(path));
	json_object_put(job);
	xlctl_close(c);
	dut_stop(d);
	dut_free(d);
}

static void write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, data, len), (ssize_t)len);
	close(fd);
}

/* Bad images are refused before anything is created. */
Test(save, bad_images_create_nothing, .timeout = 180)
{
	struct dut *d = dut_start(NULL);
	struct xlctl *c = dut_connect(d);
	char good[512], path[512], *data;
	json_object *info;
	struct stat st;
	FILE *f;

	json_object_put(create_domain(c, "img", 64));
	snprintf(good, sizeof good, "%s/img.save", d->dir);
	json_object_put(call_ok(c, "domain-save", "{\"domain\":\"img\","
	    "\"file\":\"%s\"}", good));
	cr_assert_eq(stat(good, &st), 0);
	data = malloc((size_t)st.st_size);
	f = fopen(good, "rb");
	cr_assert_eq(fread(data, 1, (size_t)st.st_size, f), (size_t)st.st_size);
	fclose(f);
	/* a foreign file */
	snprintf(path, sizeof path, "%s/foreign", d->dir);
	write_file(path, "#!/bin/sh\necho hello\n", 21);
	call_fails(c, "InvalidArgument", "domain-restore", "{\"file\":\"%s\"}",
	    path);
	/* truncated in the header, in the config, in the stream */
	snprintf(path, sizeof path, "%s/short", d->dir);
	write_file(path, data, 40);
	call_fails(c, "InvalidArgument", "domain-restore", "{\"file\":\"%s\"}",
	    path);
	write_file(path, data, 200);
	call_fails(c, "InvalidArgument", "domain-restore", "{\"file\":\"%s\"}",
	    path);
	write_file(path, data, (size_t)st.st_size / 2);
	call_fails(c, "HypervisorError", "domain-restore", "{\"file\":\"%s\"}",
	    path);
	/* a corrupt config */
	snprintf(path, sizeof path, "%s/corrupt", d->dir);
	data[60] = '{';
	data[61] = '{';
	write_file(path, data, (size_t)st.st_size);
	call_fails(c, "InvalidArgument", "domain-restore", "{\"file\":\"%s\"}",
	    path);
	/* missing */
	call_fails(c, "InvalidArgument", "domain-restore",
	    "{\"file\":\"%s/nonexistent\"}", d->dir);
	info = sim_info(d);
	cr_assert_eq(json_object_array_length(json_get(info, "domains")), 1,
	    "something was created");
	json_object_put(info);
	/* the good one still restores, and only once */
	json_object_put(call_ok(c, "domain-restore", "{\"file\":\"%s\"}", good));
	call_fails(c, "DomainExists", "domain-restore", "{\"file\":\"%s\"}", good);
	free(data);
	xlctl_close(c);
	dut_stop(d);
	dut_free(d);
}

Test(save, leave_modes_and_overwrite, .timeout = 180)
{
	struct dut *d = dut_start(NULL);
	struct xlctl *c = dut_connect(d);
	json_object *ret;

	json_object_put(create_domain(c, "lv", 64));
	ret = call_ok(c, "domain-save", "{\"domain\":\"lv\",\"file\":"
	    "\"%s/lv.save\",\"leave\":\"running\"}", d->dir);
	cr_assert_gt(json_int(ret, "job"), 0);
	json_object_put(ret);
	cr_assert(running(domain_state(c, "lv")));
	call_fails(c, "InvalidArgument", "domain-save", "{\"domain\":\"lv\","
	    "\"file\":\"%s/lv.save\"}", d->dir);
	json_object_put(call_ok(c, "domain-save", "{\"domain\":\"lv\",\"file\":"
	    "\"%s/lv.save\",\"leave\":\"paused\",\"overwrite\":true}", d->dir));
	cr_assert_str_eq(domain_state(c, "lv"), "paused");
	json_object_put(call_ok(c, "domain-dump", "{\"domain\":\"lv\",\"file\":"
	    "\"%s/lv.core\",\"live\":true}", d->dir));
	cr_assert_str_eq(domain_state(c, "lv"), "paused");
	json_object_put(call_ok(c, "domain-unpause", "{\"domain\":\"lv\"}"));
	json_object_put(call_ok(c, "domain-dump", "{\"domain\":\"lv\",\"file\":"
	    "\"%s/lv.core\",\"overwrite\":true,\"crash\":true}", d->dir));
	call_fails(c, "DomainNotFound", "domain-info", "{\"domain\":\"lv\"}");
	xlctl_close(c);
	dut_stop(d);
	dut_free(d);
}

Test(save, managed_save, .timeout = 180)
{
	struct dut *d = dut_start(NULL);
	struct xlctl *c = dut_connect(d);
	char *text = xl_config_text("ms", 64), *before, *after;
	json_object *args = json_object_new_object(), *info;

	json_object_object_add(args, "xl_config", json_object_new_string(text));
	json_object_put(xlctl_call(c, "domain-define", args, NULL, 30000, NULL));
	json_object_put(call_ok(c, "domain-start", "{\"domain\":\"ms\"}"));
	before = guest_state(d, "ms");
	json_object_put(call_ok(c, "domain-managed-save", "{\"domain\":\"ms\"}"));
	info = call_ok(c, "domain-info", "{\"domain\":\"ms\"}");
	cr_assert_str_eq(json_str(info, "state"), "shutoff");
	cr_assert(json_flag(info, "managed_save"));
	json_object_put(info);
	/* it survives a daemon restart */
	xlctl_close(c);
	dut_stop(d);
	dut_restart(d);
	c = dut_connect(d);
	info = call_ok(c, "domain-start", "{\"domain\":\"ms\"}");
	cr_assert(running(json_str(info, "state")));
	json_object_put(info);
	after = guest_state(d, "ms");
	cr_assert_str_eq(after, before, "start did not restore the image");
	info = call_ok(c, "domain-info", "{\"domain\":\"ms\"}");
	cr_assert_not(json_flag(info, "managed_save"));
	json_object_put(info);
	/* remove discards an image */
	json_object_put(call_ok(c, "domain-managed-save", "{\"domain\":\"ms\"}"));
	json_object_put(call_ok(c, "domain-managed-save-remove",
	    "{\"domain\":\"ms\"}"));
	info = call_ok(c, "domain-start", "{\"domain\":\"ms\"}");
	cr_assert(running(json_str(info, "state")));
	json_object_put(info);
	{
		char *fresh = guest_state(d, "ms");

		cr_assert_str_neq(fresh, before, "a fresh boot, not the image");
		free(fresh);
	}
	free(before);
	free(after);
	free(text);
	json_object_put(args);
	xlctl_close(c);
	dut_stop(d);
	dut_free(d);
}
