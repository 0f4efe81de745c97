/* The xl config corpus (tests/xl-configs/NAME.cfg and Debian's xlexample.*
 * files) on the simulator: each defines, and its libxl configuration
 * round-trips (domain-config -> domain-define -> the same configuration).
 * Then an HVM guest's lifecycle: start, save, restore, destroy. */
#include "config.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/func/harness.h"

static char *read_text(const char *path)
{
	FILE *f = fopen(path, "r");
	char *text;
	long len;

	cr_assert_not_null(f, "cannot open %s", path);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	text = calloc(1, (size_t)len + 1);
	cr_assert_eq(fread(text, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	return text;
}

static const char *config_of(struct xlctl *c, const char *name,
    json_object **keep)
{
	*keep = call_ok(c, "domain-config", "{\"domain\":\"%s\"}", name);
	return json_object_to_json_string_ext(*keep, JSON_C_TO_STRING_PLAIN);
}

/* Defines the xl config at path; its configuration must round-trip. */
static void round_trip(struct xlctl *c, const char *path)
{
	json_object *text = json_object_new_string(read_text(path));
	json_object *dom, *first, *second;
	struct xlctl_error err = { 0 };
	const char *name, *one, *two;

	dom = call(c, &err, "domain-define", "{\"xl_config\":%s}",
	    json_object_to_json_string(text));
	cr_assert_not_null(dom, "%s does not define: %s", path, err.desc);
	name = json_str(dom, "name");
	one = config_of(c, name, &first);
	json_object_put(call_ok(c, "domain-define", "{\"config\":%s}", one));
	two = config_of(c, name, &second);
	cr_assert_str_eq(one, two, "%s does not round-trip", path);
	json_object_put(call_ok(c, "domain-undefine", "{\"domain\":\"%s\"}",
	    name));
	json_object_put(first);
	json_object_put(second);
	json_object_put(dom);
	json_object_put(text);
}

/* Every file of dir whose name starts with prefix; how many. */
static int round_trip_dir(struct xlctl *c, const char *dir,
    const char *prefix)
{
	struct dirent *entry;
	DIR *d = opendir(dir);
	int count = 0;

	cr_assert_not_null(d, "cannot open %s", dir);
	while ((entry = readdir(d)) != NULL) {
		size_t len = strlen(entry->d_name);

		if (strncmp(entry->d_name, prefix, strlen(prefix)) != 0 ||
		    (prefix[0] == '\0' && (len < 4 ||
		    strcmp(entry->d_name + len - 4, ".cfg") != 0)))
			continue;
		round_trip(c, test_format("%s/%s", dir, entry->d_name));
		count++;
	}
	closedir(d);
	return count;
}

Test(xl_corpus, ours_parse_and_round_trip)
{
	struct dut *d = dut_start(NULL);
	struct xlctl *c = dut_connect(d);

	cr_assert_geq(round_trip_dir(c, test_format("%s/tests/xl-configs",
	    getenv("XENLIGHTD_SRCDIR")), ""), 5);
	dut_stop(d);
}

Test(xl_corpus, debian_examples_parse_and_round_trip)
{
	struct dut *d = dut_start(NULL);
	struct xlctl *c = dut_connect(d);
	const char *dir = test_format("%s/tests/xl-configs/debian",
	    getenv("XENLIGHTD_BUILDDIR"));

	cr_assert_geq(round_trip_dir(c, dir, "xlexample."), 3,
	    "Debian's xlexample.* files missing from %s "
	    "(tests/xl-configs/fetch-debian-examples.sh)", dir);
	dut_stop(d);
}

/* An HVM guest's lifecycle on the simulator (tests/xen scenario 11 does
 * it on real Xen when the cpu offers HVM). */
Test(xl_corpus, hvm_lifecycle, .timeout = 120)
{
	struct dut *d = dut_start(NULL);
	struct xlctl *c = dut_connect(d);
	json_object *args = json_object_new_object(), *ret, *info;
	struct xlctl_error err = { 0 };

	json_object_object_add(args, "xl_config", json_object_new_string(
	    "name = 'win'\ntype = 'hvm'\nmemory = 64\nvcpus = 2\n"
	    "viridian = 1\nvga = 'stdvga'\nusb = 1\nusbdevice = 'tablet'\n"
	    "xen_platform_pci = 1\nacpi = 1\nserial = 'pty'\n"));
	ret = xlctl_call(c, "domain-create", args, NULL, 60000, &err);
	cr_assert_not_null(ret, "domain-create: %s", err.desc);
	json_object_put(args);
	cr_assert_str_eq(json_str(ret, "type"), "hvm");
	json_object_put(ret);
	info = call_ok(c, "domain-info", "{\"domain\":\"win\"}");
	cr_assert_str_neq(json_str(info, "state"), "shutoff");
	json_object_put(info);

	json_object_put(call_ok(c, "domain-save", "{\"domain\":\"win\","
	    "\"file\":\"%s/win.save\"}", d->dir));
	call_fails(c, "DomainNotFound", "domain-pause",
	    "{\"domain\":\"win\"}");
	json_object_put(call_ok(c, "domain-restore", "{\"file\":"
	    "\"%s/win.save\"}", d->dir));
	info = call_ok(c, "domain-config", "{\"domain\":\"win\"}");
	cr_assert_str_eq(json_str(json_get(info, "c_info"), "type"), "hvm");
	json_object_put(info);
	json_object_put(call_ok(c, "domain-destroy", "{\"domain\":\"win\"}"));
	info = sim_info(d);
	cr_assert_null(sim_domain(info, "win"), "the simulator still has it");
	json_object_put(info);
	dut_stop(d);
}
