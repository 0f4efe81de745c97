/* CPU pools, vcpu placement and disk sizes on the simulator: cpupool-list,
 * -create, -destroy, -cpu-add, -cpu-remove, -migrate; domain-vcpu-list
 * (hard and soft affinity), domain-info's max_vcpus; domain-block-info.
 * What Xen would refuse is refused with a reason, and changes nothing. */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <criterion/criterion.h>

#include "tests/func/harness.h"

/* The pool named name in cpupool-list (a new reference), or NULL. */
static json_object *pool(struct xlctl *c, const char *name)
{
	json_object *arr = call_ok(c, "cpupool-list", NULL), *found = NULL;

	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		json_object *p = json_object_array_get_idx(arr, i);

		if (strcmp(json_str(p, "name"), name) == 0)
			found = json_object_get(p);
	}
	json_object_put(arr);
	return found;
}

static void assert_pool_cpus(struct xlctl *c, const char *name,
    const char *cpus)
{
	json_object *p = pool(c, name);

	cr_assert_not_null(p, "no pool %s", name);
	cr_assert_str_eq(json_str(p, "cpus"), cpus, "pool %s", name);
	json_object_put(p);
}

static size_t pool_count(struct xlctl *c)
{
	json_object *arr = call_ok(c, "cpupool-list", NULL);
	size_t n = json_object_array_length(arr);

	json_object_put(arr);
	return n;
}

static bool pool_has_domain(struct xlctl *c, const char *pool_name,
    const char *domain)
{
	json_object *p = pool(c, pool_name), *doms = json_get(p, "domains");
	bool found = false;

	for (size_t i = 0; i < json_object_array_length(doms); i++)
		if (strcmp(json_object_get_string(json_object_array_get_idx(doms,
		    i)), domain) == 0)
			found = true;
	json_object_put(p);
	return found;
}

Test(cpupool, pool0_by_default, .timeout = 60)
{
	struct dut *d = dut_start(NULL);
	struct xlctl *ro = dut_connect_ro(d);
	json_object *arr = call_ok(ro, "cpupool-list", NULL), *p0;

	cr_assert_eq(json_object_array_length(arr), 1);
	p0 = json_object_array_get_idx(arr, 0);
	cr_assert_str_eq(json_str(p0, "name"), "Pool-0");
	cr_assert_eq(json_int(p0, "poolid"), 0);
	cr_assert_str_eq(json_str(p0, "sched"), "credit");
	cr_assert_str_eq(json_str(p0, "cpus"), "0-7");
	cr_assert_eq(json_int(p0, "cpu_count"), 8);
	cr_assert(pool_has_domain(ro, "Pool-0", "Domain-0"));
	json_object_put(arr);
	arr = call_ok(ro, "cpupool-list", "{\"pool\":\"0\"}");
	cr_assert_eq(json_object_array_length(arr), 1);
	json_object_put(arr);
	call_fails(ro, "InvalidArgument", "cpupool-list", "{\"pool\":\"nope\"}");
	call_fails(ro, "PermissionDenied", "cpupool-create",
	    "{\"name\":\"p\",\"cpus\":\"1\"}");
	xlctl_close(ro);
	dut_free(d);
}

Test(cpupool, create_add_remove_destroy, .timeout = 120)
{
	struct dut *d = dut_start(NULL);
	struct xlctl *c = dut_connect(d);
	json_object *ret;
	const char *desc;

	/* cpus in Pool-0 are busy: nothing is created */
	desc = call_fails(c, "OperationInvalid", "cpupool-create",
	    "{\"name\":\"batch\",\"cpus\":\"6-7\"}");
	cr_assert(strstr(desc, "Pool-0") != NULL, "%s", desc);
	cr_assert_eq(pool_count(c), 1);

	ret = call_ok(c, "cpupool-cpu-remove", "{\"pool\":\"Pool-0\","
	    "\"cpus\":\"6-7\"}");
	cr_assert_str_eq(json_str(ret, "cpus"), "0-5");
	json_object_put(ret);
	ret = call_ok(c, "cpupool-create", "{\"name\":\"batch\","
	    "\"sched\":\"credit2\",\"cpus\":\"6,7\"}");
	cr_assert_str_eq(json_str(ret, "name"), "batch");
	cr_assert_str_eq(json_str(ret, "sched"), "credit2");
	cr_assert_str_eq(json_str(ret, "cpus"), "6-7");
	cr_assert(json_int(ret, "poolid") > 0);
	cr_assert(json_int(ret, "job") > 0, "a job");
	json_object_put(ret);
	assert_pool_cpus(c, "Pool-0", "0-5");

	/* bad input: a clear error, nothing changes */
	call_fails(c, "InvalidArgument", "cpupool-create",
	    "{\"name\":\"batch\",\"cpus\":\"5\"}");
	call_fails(c, "InvalidArgument", "cpupool-create",
	    "{\"name\":\"other\",\"cpus\":\"99\"}");
	call_fails(c, "InvalidArgument", "cpupool-create",
	    "{\"name\":\"other\",\"cpus\":\"a-b\"}");
	call_fails(c, "InvalidArgument", "cpupool-create",
	    "{\"name\":\"other\",\"cpus\":\"all,^0-7\"}");
	call_fails(c, "InvalidArgument", "cpupool-create",
	    "{\"name\":\"other\",\"cpus\":\"5\",\"sched\":\"fifo\"}");
	call_fails(c, "InvalidArgument", "cpupool-create",
	    "{\"name\":\"bad name\",\"cpus\":\"5\"}");
	call_fails(c, "InvalidArgument", "cpupool-create",
	    "{\"name\":\"123\",\"cpus\":\"5\"}");
	call_fails(c, "OperationInvalid", "cpupool-cpu-add",
	    "{\"pool\":\"batch\",\"cpus\":\"0\"}");
	call_fails(c, "OperationInvalid", "cpupool-cpu-remove",
	    "{\"pool\":\"batch\",\"cpus\":\"0\"}");
	call_fails(c, "InvalidArgument", "cpupool-cpu-add",
	    "{\"pool\":\"nope\",\"cpus\":\"0\"}");
	call_fails(c, "OperationInvalid", "cpupool-destroy",
	    "{\"pool\":\"Pool-0\"}");
	call_fails(c, "OperationInvalid", "cpupool-cpu-remove",
	    "{\"pool\":\"Pool-0\",\"cpus\":\"0-5\"}");
	cr_assert_eq(pool_count(c), 2);
	assert_pool_cpus(c, "Pool-0", "0-5");
	assert_pool_cpus(c, "batch", "6-7");

	/* an empty pool may lose every cpu; destroyed, its cpus are free */
	json_object_put(call_ok(c, "cpupool-cpu-remove",
	    "{\"pool\":\"batch\",\"cpus\":\"7\"}"));
	assert_pool_cpus(c, "batch", "6");
	json_object_put(call_ok(c, "cpupool-destroy", "{\"pool\":\"batch\"}"));
	cr_assert_eq(pool_count(c), 1);
	ret = call_ok(c, "cpupool-cpu-add", "{\"pool\":\"0\",\"cpus\":\"6-7\"}");
	cr_assert_str_eq(json_str(ret, "cpus"), "0-7");
	json_object_put(ret);
	xlctl_close(c);
	dut_free(d);
}

Test(cpupool, migrate_a_domain, .timeout = 120)
{
	struct dut *d = dut_start(NULL);
	struct xlctl *c = dut_connect(d);
	json_object *info, *ret;
	int64_t poolid;

	json_object_put(create_domain(c, "mover", 64));
	json_object_put(call_ok(c, "cpupool-cpu-remove",
	    "{\"pool\":\"Pool-0\",\"cpus\":\"4-7\"}"));
	ret = call_ok(c, "cpupool-create", "{\"name\":\"web\",\"cpus\":\"4-7\"}");
	poolid = json_int(ret, "poolid");
	json_object_put(ret);
	info = call_ok(c, "domain-info", "{\"domain\":\"mover\"}");
	cr_assert_eq(json_int(info, "cpupool"), 0);
	json_object_put(info);

	call_fails(c, "InvalidArgument", "cpupool-migrate",
	    "{\"domain\":\"mover\",\"pool\":\"nope\"}");
	call_fails(c, "OperationInvalid", "cpupool-migrate",
	    "{\"domain\":\"Domain-0\",\"pool\":\"web\"}");
	json_object_put(call_ok(c, "cpupool-migrate",
	    "{\"domain\":\"mover\",\"pool\":\"web\"}"));
	info = call_ok(c, "domain-info", "{\"domain\":\"mover\"}");
	cr_assert_eq(json_int(info, "cpupool"), poolid);
	json_object_put(info);
	cr_assert(pool_has_domain(c, "web", "mover"));
	cr_assert(!pool_has_domain(c, "Pool-0", "mover"));

	/* a pool that runs a domain keeps a cpu and cannot go */
	call_fails(c, "OperationInvalid", "cpupool-destroy", "{\"pool\":\"web\"}");
	call_fails(c, "OperationInvalid", "cpupool-cpu-remove",
	    "{\"pool\":\"web\",\"cpus\":\"4-7\"}");
	json_object_put(call_ok(c, "cpupool-cpu-remove",
	    "{\"pool\":\"web\",\"cpus\":\"5-7\"}"));
	assert_pool_cpus(c, "web", "4");
	cr_assert(pool_has_domain(c, "web", "mover"));

	json_object_put(call_ok(c, "cpupool-migrate",
	    "{\"domain\":\"mover\",\"pool\":\"Pool-0\"}"));
	json_object_put(call_ok(c, "cpupool-destroy", "{\"pool\":\"web\"}"));
	cr_assert_eq(pool_count(c), 1);
	xlctl_close(c);
	dut_free(d);
}

/* A domain's configuration names its pool (c_info.poolid): it must
 * exist. */
Test(cpupool, create_in_a_pool, .timeout = 120)
{
	struct dut *d = dut_start(NULL);
	struct xlctl *c = dut_connect(d);
	json_object *cfg, *c_info, *args, *ret, *info;
	struct xlctl_error err = { 0 };
	int64_t poolid;

	json_object_put(create_domain(c, "template", 64));
	cfg = call_ok(c, "domain-config", "{\"domain\":\"template\"}");
	json_object_put(call_ok(c, "domain-destroy", "{\"domain\":\"template\"}"));
	c_info = json_get(cfg, "c_info");
	json_object_object_add(c_info, "name", json_object_new_string("pooled"));
	json_object_object_del(c_info, "uuid");
	json_object_object_add(c_info, "poolid", json_object_new_int(7));
	args = json_object_new_object();
	json_object_object_add(args, "config", cfg);
	cr_assert_null(xlctl_call(c, "domain-create", args, NULL, 60000, &err));
	cr_assert_str_eq(err.class_name, "HypervisorError", "%s", err.desc);
	call_fails(c, "DomainNotFound", "domain-info", "{\"domain\":\"pooled\"}");

	json_object_put(call_ok(c, "cpupool-cpu-remove",
	    "{\"pool\":\"Pool-0\",\"cpus\":\"7\"}"));
	ret = call_ok(c, "cpupool-create", "{\"name\":\"p7\",\"cpus\":\"7\"}");
	poolid = json_int(ret, "poolid");
	json_object_put(ret);
	json_object_object_add(c_info, "poolid", json_object_new_int64(poolid));
	xlctl_error_clear(&err);
	json_object_put(xlctl_call(c, "domain-create", args, NULL, 60000, &err));
	cr_assert_eq(err.class_name[0], 0, "%s: %s", err.class_name, err.desc);
	info = call_ok(c, "domain-info", "{\"domain\":\"pooled\"}");
	cr_assert_eq(json_int(info, "cpupool"), poolid);
	json_object_put(info);
	cr_assert(pool_has_domain(c, "p7", "pooled"));
	json_object_put(args);
	xlctl_close(c);
	dut_free(d);
}

static json_object *vcpu(json_object *arr, int i)
{
	return json_object_array_get_idx(arr, (size_t)i);
}

Test(vcpu, list_with_affinity, .timeout = 120)
{
	struct dut *d = dut_start(NULL);
	struct xlctl *c = dut_connect(d), *ro = dut_connect_ro(d);
	json_object *args = json_object_new_object(), *arr, *info;
	struct xlctl_error err = { 0 };

	json_object_object_add(args, "xl_config", json_object_new_string(
	    "name = \"pinned\"\ntype = \"pv\"\nkernel = \"/boot/vmlinuz-sim\"\n"
	    "memory = 64\nvcpus = 2\nmaxvcpus = 4\n"));
	json_object_put(xlctl_call(c, "domain-create", args, NULL, 60000,
	    &err));
	cr_assert_eq(err.class_name[0], 0, "%s: %s", err.class_name, err.desc);
	json_object_put(args);

	info = call_ok(ro, "domain-info", "{\"domain\":\"pinned\"}");
	cr_assert_eq(json_int(info, "max_vcpus"), 4);
	cr_assert_eq(json_int(info, "vcpus_online"), 2);
	json_object_put(info);

	json_object_put(call_ok(c, "domain-pin-vcpu",
	    "{\"domain\":\"pinned\",\"vcpu\":1,\"cpus\":\"2-3\"}"));
	json_object_put(call_ok(c, "domain-pin-vcpu",
	    "{\"domain\":\"pinned\",\"vcpu\":1,\"cpus\":\"5\",\"soft\":true}"));
	arr = call_ok(ro, "domain-vcpu-list", "{\"domain\":\"pinned\"}");
	cr_assert_eq(json_object_array_length(arr), 4);
	cr_assert(json_flag(vcpu(arr, 0), "online"));
	cr_assert_str_eq(json_str(vcpu(arr, 0), "affinity"), "0-7");
	cr_assert_str_eq(json_str(vcpu(arr, 0), "soft_affinity"), "0-7");
	cr_assert_str_eq(json_str(vcpu(arr, 1), "affinity"), "2-3");
	cr_assert_str_eq(json_str(vcpu(arr, 1), "soft_affinity"), "5");
	cr_assert(json_int(vcpu(arr, 1), "cpu") >= 2 &&
	    json_int(vcpu(arr, 1), "cpu") <= 3);
	cr_assert(!json_flag(vcpu(arr, 3), "online"));
	cr_assert_str_eq(json_str(vcpu(arr, 3), "state"), "offline");
	cr_assert_null(json_get(vcpu(arr, 3), "cpu"));
	json_object_put(arr);

	/* up to max_vcpus, not beyond */
	json_object_put(call_ok(c, "domain-set-vcpus",
	    "{\"domain\":\"pinned\",\"count\":4}"));
	call_fails(c, "InvalidArgument", "domain-set-vcpus",
	    "{\"domain\":\"pinned\",\"count\":5}");
	call_fails(ro, "DomainNotFound", "domain-vcpu-list",
	    "{\"domain\":\"nobody\"}");
	arr = call_ok(ro, "domain-vcpu-list", "{\"domain\":\"Domain-0\"}");
	cr_assert_eq(json_object_array_length(arr), 2);
	json_object_put(arr);
	xlctl_close(ro);
	xlctl_close(c);
	dut_free(d);
}

/* A sparse 64 MiB raw file with 4 KiB written, and a qcow2 header that
 * says 1 GiB. */
Test(block, info_of_files, .timeout = 120)
{
	struct dut *d = dut_start(NULL);
	struct xlctl *c = dut_connect(d), *ro = dut_connect_ro(d);
	char *raw = test_format("%s/raw.img", d->dir);
	char *qcow = test_format("%s/disk.qcow2", d->dir);
	static const unsigned char qhead[32] = { 'Q', 'F', 'I', 0xfb, 0, 0, 0, 3,
		[24] = 0, 0, 0, 0, 0x40, 0, 0, 0 };
	char block[4096];
	json_object *args = json_object_new_object(), *ret;
	struct xlctl_error err = { 0 };
	char *text;
	int fd;

	memset(block, 'x', sizeof block);
	fd = open(raw, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	cr_assert(fd >= 0);
	cr_assert_eq(write(fd, block, sizeof block), (ssize_t)sizeof block);
	cr_assert_eq(ftruncate(fd, 64 << 20), 0);
	close(fd);
	fd = open(qcow, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	cr_assert(fd >= 0);
	cr_assert_eq(write(fd, qhead, sizeof qhead), (ssize_t)sizeof qhead);
	close(fd);

	text = test_format("name = \"disks\"\ntype = \"pv\"\n"
	    "kernel = \"/boot/vmlinuz-sim\"\nmemory = 64\n"
	    "disk = [ 'format=raw, vdev=xvda, access=rw, target=%s',"
	    " 'format=qcow2, vdev=xvdb, access=rw, target=%s' ]\n", raw, qcow);
	json_object_object_add(args, "xl_config", json_object_new_string(text));
	json_object_put(xlctl_call(c, "domain-define", args, NULL, 60000,
	    &err));
	cr_assert_eq(err.class_name[0], 0, "%s: %s", err.class_name, err.desc);

	/* defined, not running: its configuration's disks */
	ret = call_ok(ro, "domain-block-info",
	    "{\"domain\":\"disks\",\"device\":\"xvda\"}");
	cr_assert_eq(json_int(ret, "capacity"), 64 << 20);
	cr_assert_eq(json_int(ret, "physical"), 64 << 20);
	cr_assert(json_int(ret, "allocation") >= 4096);
	cr_assert(json_int(ret, "allocation") < 64 << 20, "sparse");
	cr_assert_str_eq(json_str(ret, "type"), "file");
	cr_assert_str_eq(json_str(ret, "format"), "raw");
	json_object_put(ret);

	json_object_put(call_ok(c, "domain-start", "{\"domain\":\"disks\"}"));
	ret = call_ok(ro, "domain-block-info",
	    "{\"domain\":\"disks\",\"device\":\"%s\"}", qcow);
	cr_assert_str_eq(json_str(ret, "device"), "xvdb");
	cr_assert_eq(json_int(ret, "capacity"), 1LL << 30);
	cr_assert_eq(json_int(ret, "physical"), (int64_t)sizeof qhead);
	json_object_put(ret);

	call_fails(ro, "InvalidArgument", "domain-block-info",
	    "{\"domain\":\"disks\",\"device\":\"xvdz\"}");
	call_fails(ro, "InvalidArgument", "domain-block-info",
	    "{\"domain\":\"disks\"}");
	/* a file gone from under the domain: an I/O error, said */
	unlink(raw);
	call_fails(ro, "IOError", "domain-block-info",
	    "{\"domain\":\"disks\",\"device\":\"xvda\"}");
	json_object_put(args);
	free(text);
	free(raw);
	free(qcow);
	xlctl_close(ro);
	xlctl_close(c);
	dut_free(d);
}
