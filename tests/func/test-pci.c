/* PCI passthrough on the simulator: the host's assignable devices
 * (pci-assignable-list, pci-assignable-add/-remove through the PCI helper), hot-plug
 * (domain-pci-attach/-detach as jobs holding the domain's lock),
 * domain-pci-list; bad input changes nothing. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <criterion/criterion.h>

#include "tests/func/harness.h"

#define DEV0 "0000:0b:00.0"
#define DEV1 "0000:0b:00.1"

/* Whether bdf is in an array of {"bdf": ...}. */
static bool lists(json_object *arr, const char *bdf)
{
	for (size_t i = 0; i < json_object_array_length(arr); i++)
		if (strcmp(json_str(json_object_array_get_idx(arr, i), "bdf"),
		    bdf) == 0)
			return true;
	return false;
}

static bool host_lists(struct xlctl *c, const char *bdf)
{
	json_object *arr = call_ok(c, "pci-assignable-list", NULL);
	bool found = lists(arr, bdf);

	json_object_put(arr);
	return found;
}

static size_t domain_devices(struct xlctl *c, const char *domain)
{
	json_object *arr = call_ok(c, "domain-pci-list", "{\"domain\":\"%s\"}",
	    domain);
	size_t n = json_object_array_length(arr);

	json_object_put(arr);
	return n;
}

static void make_assignable(struct xlctl *c, const char *bdf)
{
	json_object *ret = call_ok(c, "pci-assignable-add", "{\"bdf\":\"%s\"}",
	    bdf), *job;

	cr_assert_str_eq(json_str(ret, "bdf"), bdf);
	cr_assert(json_flag(ret, "assignable"));
	cr_assert(json_int(ret, "job") > 0, "it ran as a job");
	/* a host job: no domain */
	job = job_info(c, json_int(ret, "job"));
	cr_assert_str_eq(json_str(job, "type"), "pci-assignable-add");
	cr_assert_str_eq(json_str(job, "state"), "completed");
	cr_assert_null(json_get(job, "domain"));
	json_object_put(job);
	json_object_put(ret);
}

Test(pci, assignable_add_list_remove, .timeout = 120)
{
	struct dut *d = dut_start(NULL);
	struct xlctl *c = dut_connect(d), *ro = dut_connect_ro(d);
	json_object *arr;
	const char *desc;

	arr = call_ok(ro, "pci-assignable-list", NULL);
	cr_assert_eq(json_object_array_length(arr), 0, "nothing assignable yet");
	json_object_put(arr);

	/* the short form is the same device */
	json_object_put(call_ok(c, "pci-assignable-add", "{\"bdf\":\"0b:00.0\"}"));
	cr_assert(host_lists(ro, DEV0));
	/* idempotent, as libxl */
	make_assignable(c, DEV0);
	arr = call_ok(c, "pci-assignable-list", NULL);
	cr_assert_eq(json_object_array_length(arr), 1);
	json_object_put(arr);

	/* a device the host lacks: libxl's error, through the helper */
	desc = call_fails(c, "HypervisorError", "pci-assignable-add",
	    "{\"bdf\":\"0000:0c:00.0\"}");
	cr_assert(strstr(desc, "0000:0c:00.0") != NULL, "%s", desc);
	/* bad addresses never reach libxl */
	call_fails(c, "InvalidArgument", "pci-assignable-add",
	    "{\"bdf\":\"0b:00.8\"}");
	call_fails(c, "InvalidArgument", "pci-assignable-add",
	    "{\"bdf\":\"0b:00.0; reboot\"}");
	call_fails(c, "InvalidArgument", "pci-assignable-add",
	    "{\"bdf\":\"10000:0b:00.0\"}");
	call_fails(c, "InvalidArgument", "pci-assignable-add", "{}");
	call_fails(c, "InvalidArgument", "pci-assignable-add",
	    "{\"bdf\":\"0b:00.0\",\"rebind\":\"yes\"}");
	call_fails(ro, "PermissionDenied", "pci-assignable-remove",
	    "{\"bdf\":\"" DEV0 "\"}");
	arr = call_ok(c, "pci-assignable-list", NULL);
	cr_assert_eq(json_object_array_length(arr), 1, "nothing changed");
	json_object_put(arr);

	json_object_put(call_ok(c, "pci-assignable-remove",
	    "{\"bdf\":\"" DEV0 "\",\"rebind\":true}"));
	cr_assert(!host_lists(c, DEV0));
	/* idempotent too */
	json_object_put(call_ok(c, "pci-assignable-remove",
	    "{\"bdf\":\"" DEV0 "\"}"));

	/* the host's devices come from the simulator's settings */
	sim_ok(d, "sim-set", "{\"pci_devices\":16}");
	make_assignable(c, "0000:0b:01.7");
	cr_assert(host_lists(c, "0000:0b:01.7"));
	xlctl_close(ro);
	xlctl_close(c);
	dut_free(d);
}

Test(pci, attach_list_detach, .timeout = 120)
{
	struct dut *d = dut_start(NULL);
	struct xlctl *c = dut_connect(d), *ro = dut_connect_ro(d);
	json_object *ret, *arr, *dev, *cfg;
	const char *desc;

	json_object_put(create_domain(c, "pt1", 64));
	json_object_put(create_domain(c, "pt2", 64));

	/* not assignable: refused before libxl, nothing attached */
	desc = call_fails(c, "OperationInvalid", "domain-pci-attach",
	    "{\"domain\":\"pt1\",\"bdf\":\"" DEV0 "\"}");
	cr_assert(strstr(desc, "not assignable") != NULL, "%s", desc);
	cr_assert_eq(domain_devices(c, "pt1"), 0);

	make_assignable(c, DEV0);
	make_assignable(c, DEV1);
	/* bad options: libxlutil's verdict, nothing attached */
	call_fails(c, "InvalidArgument", "domain-pci-attach",
	    "{\"domain\":\"pt1\",\"bdf\":\"" DEV0 "\",\"options\":\"bogus=1\"}");
	call_fails(c, "InvalidArgument", "domain-pci-attach",
	    "{\"domain\":\"pt1\",\"bdf\":\"" DEV0 "\",\"options\":\"a=1\\nb\"}");
	call_fails(c, "InvalidArgument", "domain-pci-attach",
	    "{\"domain\":\"pt1\",\"bdf\":\"xyz\"}");
	call_fails(ro, "PermissionDenied", "domain-pci-attach",
	    "{\"domain\":\"pt1\",\"bdf\":\"" DEV0 "\"}");
	call_fails(c, "DomainNotFound", "domain-pci-attach",
	    "{\"domain\":\"nobody\",\"bdf\":\"" DEV0 "\"}");
	call_fails(c, "OperationInvalid", "domain-pci-attach",
	    "{\"domain\":\"Domain-0\",\"bdf\":\"" DEV0 "\"}");
	cr_assert_eq(domain_devices(c, "pt1"), 0);
	cr_assert(host_lists(c, DEV0));

	ret = call_ok(c, "domain-pci-attach", "{\"domain\":\"pt1\",\"bdf\":\""
	    DEV0 "\",\"options\":\"permissive=1,seize=1\"}");
	cr_assert_str_eq(json_str(ret, "bdf"), DEV0);
	cr_assert(json_flag(ret, "permissive"));
	cr_assert(json_int(ret, "job") > 0);
	json_object_put(ret);

	arr = call_ok(ro, "domain-pci-list", "{\"domain\":\"pt1\"}");
	cr_assert_eq(json_object_array_length(arr), 1);
	dev = json_object_array_get_idx(arr, 0);
	cr_assert_str_eq(json_str(dev, "bdf"), DEV0);
	cr_assert(json_flag(dev, "permissive"));
	cr_assert(json_flag(dev, "seize"));
	json_object_put(arr);
	/* assigned: no longer offered, not to a second domain, not given
	 * back to the host */
	cr_assert(!host_lists(c, DEV0));
	cr_assert(host_lists(c, DEV1));
	desc = call_fails(c, "OperationInvalid", "domain-pci-attach",
	    "{\"domain\":\"pt2\",\"bdf\":\"" DEV0 "\"}");
	cr_assert(strstr(desc, "assigned to domain") != NULL, "%s", desc);
	call_fails(c, "OperationInvalid", "pci-assignable-remove",
	    "{\"bdf\":\"" DEV0 "\"}");
	cr_assert_eq(domain_devices(c, "pt1"), 1);
	cr_assert_eq(domain_devices(c, "pt2"), 0);
	/* a transient domain's configuration keeps it */
	cfg = call_ok(c, "domain-config", "{\"domain\":\"pt1\"}");
	cr_assert_eq(json_object_array_length(json_get(cfg, "pcidevs")), 1);
	json_object_put(cfg);

	/* detach: by address, whatever the options */
	call_fails(c, "OperationInvalid", "domain-pci-detach",
	    "{\"domain\":\"pt2\",\"bdf\":\"" DEV0 "\"}");
	ret = call_ok(c, "domain-pci-detach", "{\"domain\":\"pt1\",\"bdf\":\""
	    "0b:00.0\"}");
	cr_assert_str_eq(json_str(ret, "bdf"), DEV0);
	json_object_put(ret);
	cr_assert_eq(domain_devices(c, "pt1"), 0);
	cr_assert(host_lists(c, DEV0));
	call_fails(c, "OperationInvalid", "domain-pci-detach",
	    "{\"domain\":\"pt1\",\"bdf\":\"" DEV0 "\"}");

	/* a destroyed domain gives its devices back */
	json_object_put(call_ok(c, "domain-pci-attach",
	    "{\"domain\":\"pt2\",\"bdf\":\"" DEV1 "\"}"));
	cr_assert(!host_lists(c, DEV1));
	json_object_put(call_ok(c, "domain-destroy", "{\"domain\":\"pt2\"}"));
	cr_assert(host_lists(c, DEV1));
	/* and force-detach (xl pci-detach -f) */
	json_object_put(call_ok(c, "domain-pci-attach",
	    "{\"domain\":\"pt1\",\"bdf\":\"" DEV1 "\"}"));
	json_object_put(call_ok(c, "domain-pci-detach",
	    "{\"domain\":\"pt1\",\"bdf\":\"" DEV1 "\",\"force\":true}"));
	cr_assert_eq(domain_devices(c, "pt1"), 0);
	xlctl_close(ro);
	xlctl_close(c);
	dut_free(d);
}

/* The job model: an attach holds the domain's lock while libxl works;
 * another change of the domain waits (here: is refused at once); an
 * abort leaves nothing attached. */
Test(pci, attach_is_a_job_with_the_lock, .timeout = 120)
{
	struct dut *d = dut_start(NULL);
	struct xlctl *c = dut_connect(d);
	struct xlctl_options quick = { .has_lock_wait_ms = true,
		.lock_wait_ms = 0 };
	struct xlctl_error err = { 0 };
	json_object *job, *info, *args;
	int64_t id;

	json_object_put(create_domain(c, "locked", 64));
	make_assignable(c, DEV0);
	sim_ok(d, "sim-fault", "{\"op\":\"device\",\"kind\":\"hang\"}");
	id = call_detached(c, "domain-pci-attach",
	    "{\"domain\":\"locked\",\"bdf\":\"" DEV0 "\"}");
	for (int64_t deadline = now_ms() + 30000;;) {
		job = job_info(c, id);
		if (strcmp(json_str(job, "state"), "running") == 0)
			break;
		json_object_put(job);
		cr_assert(now_ms() < deadline, "the attach never ran");
		usleep(20000);
	}
	cr_assert_str_eq(json_str(job, "type"), "domain-pci-attach");
	cr_assert_str_eq(json_str(job, "domain"), "locked");
	cr_assert(json_flag(job, "abortable"));
	json_object_put(job);
	info = call_ok(c, "domain-info", "{\"domain\":\"locked\"}");
	cr_assert_eq(json_int(json_get(info, "job"), "id"), id);
	json_object_put(info);
	args = json_parse("{\"domain\":\"locked\",\"bdf\":\"" DEV0 "\"}");
	cr_assert_null(xlctl_call(c, "domain-pci-detach", args, &quick, 30000,
	    &err));
	json_object_put(args);
	cr_assert_str_eq(err.class_name, "Busy");
	cr_assert(strstr(err.desc, "domain-pci-attach") != NULL, "%s", err.desc);
	/* queries are served meanwhile */
	cr_assert_eq(domain_devices(c, "locked"), 0);

	json_object_put(call_ok(c, "job-abort", "{\"job\":%lld}", (long long)id));
	job = wait_job(c, id, 30000);
	cr_assert_str_eq(json_str(job, "state"), "aborted");
	json_object_put(job);
	cr_assert_eq(domain_devices(c, "locked"), 0);
	cr_assert(host_lists(c, DEV0));

	/* libxl failing: HypervisorError, nothing attached */
	sim_ok(d, "sim-fault", "{\"op\":\"device\",\"kind\":\"fail\"}");
	call_fails(c, "HypervisorError", "domain-pci-attach",
	    "{\"domain\":\"locked\",\"bdf\":\"" DEV0 "\"}");
	cr_assert_eq(domain_devices(c, "locked"), 0);
	cr_assert(host_lists(c, DEV0));
	xlctl_close(c);
	dut_free(d);
}

/* A domain created with PCI devices in its configuration (libxl JSON
 * here; xl's pci= is the config parser's) gets them only when they are
 * assignable and no other domain's, as libxl's create checks. */
Test(pci, create_with_devices, .timeout = 120)
{
	struct dut *d = dut_start(NULL);
	struct xlctl *c = dut_connect(d);
	json_object *cfg, *c_info, *args;
	struct xlctl_error err = { 0 };

	json_object_put(create_domain(c, "template", 64));
	cfg = call_ok(c, "domain-config", "{\"domain\":\"template\"}");
	json_object_put(call_ok(c, "domain-destroy", "{\"domain\":\"template\"}"));
	c_info = json_get(cfg, "c_info");
	json_object_object_add(c_info, "name", json_object_new_string("withpci"));
	json_object_object_del(c_info, "uuid");
	json_object_object_add(cfg, "pcidevs", json_parse("[{\"bus\":11,"
	    "\"dev\":0,\"func\":0}]"));
	args = json_object_new_object();
	json_object_object_add(args, "config", cfg);

	cr_assert_null(xlctl_call(c, "domain-create", args, NULL, 60000, &err));
	cr_assert_str_eq(err.class_name, "HypervisorError", "%s", err.desc);
	call_fails(c, "DomainNotFound", "domain-info", "{\"domain\":\"withpci\"}");

	make_assignable(c, DEV0);
	xlctl_error_clear(&err);
	json_object_put(xlctl_call(c, "domain-create", args, NULL, 60000, &err));
	cr_assert_eq(err.class_name[0], 0, "%s: %s", err.class_name, err.desc);
	cr_assert_eq(domain_devices(c, "withpci"), 1);
	cr_assert(!host_lists(c, DEV0));
	json_object_put(args);
	xlctl_close(c);
	dut_free(d);
}
