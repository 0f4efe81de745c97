/* The domain lifecycle on the simulator: guest-initiated shutdowns and the
 * on_* actions, shutdown waits, definitions at scale, tuning, devices,
 * statistics, xl_config round trips. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <criterion/criterion.h>

#include "tests/func/harness.h"

static json_object *create_with(struct xlctl *c, const char *name,
    const char *extra)
{
	char *base = xl_config_text(name, 64), *text;
	json_object *args = json_object_new_object(), *ret;
	struct xlctl_error err = { 0 };

	if (asprintf(&text, "%s%s", base, extra) < 0)
		abort();
	json_object_object_add(args, "xl_config", json_object_new_string(text));
	ret = xlctl_call(c, "domain-create", args, NULL, 60000, &err);
	cr_assert_not_null(ret, "create %s: %s %s", name, err.class_name, err.desc);
	json_object_put(args);
	free(text);
	free(base);
	return ret;
}

static bool is_running_state(const char *state)
{
	return strcmp(state, "running") == 0 || strcmp(state, "blocked") == 0;
}

/* 5. A guest that shuts down by itself, and the on_* actions. */
Test(lifecycle, guest_poweroff_destroys, .timeout = 120)
{
	struct dut *d = dut_start(NULL);
	struct xlctl *c = dut_connect(d), *ev = dut_connect(d);
	json_object *e;

	json_object_put(create_with(c, "off", "on_poweroff = \"destroy\"\n"));
	json_object_put(call_ok(ev, "subscribe", "{\"events\":[\"DOMAIN_*\"],"
	    "\"domains\":[\"off\"]}"));
	sim_ok(d, "sim-guest", "{\"domain\":\"off\",\"action\":\"shutdown\"}");
	e = wait_event(ev, "DOMAIN_SHUTDOWN", 30000);
	cr_assert_str_eq(json_str(json_get(e, "data"), "reason"), "poweroff");
	cr_assert_str_eq(json_str(json_get(e, "data"), "domain"), "off");
	json_object_put(e);
	json_object_put(wait_event(ev, "DOMAIN_STOPPED", 30000));
	/* a transient domain is forgotten once its destroy job is done */
	for (int64_t deadline = now_ms() + 10000;;) {
		struct xlctl_error err = { 0 };
		json_object *info = call(c, &err, "domain-info",
		    "{\"domain\":\"off\"}");

		if (info == NULL) {
			cr_assert_str_eq(err.class_name, "DomainNotFound");
			break;
		}
		cr_assert_str_eq(json_str(info, "state"), "shutoff");
		json_object_put(info);
		cr_assert_lt(now_ms(), deadline, "the domain is still known");
		usleep(20000);
	}
	xlctl_close(ev);
	xlctl_close(c);
	dut_stop(d);
	dut_free(d);
}

Test(lifecycle, guest_reboot_restarts, .timeout = 120)
{
	struct dut *d = dut_start(NULL);
	struct xlctl *c = dut_connect(d), *ev = dut_connect(d);
	json_object *before, *after, *e;

	before = create_with(c, "rb", "on_reboot = \"restart\"\n");
	json_object_put(call_ok(ev, "subscribe", "{\"domains\":[\"rb\"]}"));
	sim_ok(d, "sim-guest", "{\"domain\":\"rb\",\"action\":\"reboot\"}");
	e = wait_event(ev, "DOMAIN_SHUTDOWN", 30000);
	cr_assert_str_eq(json_str(json_get(e, "data"), "reason"), "reboot");
	json_object_put(e);
	json_object_put(wait_event(ev, "DOMAIN_STOPPED", 30000));
	json_object_put(wait_event(ev, "DOMAIN_STARTED", 30000));
	after = call_ok(c, "domain-info", "{\"domain\":\"rb\"}");
	cr_assert(is_running_state(json_str(after, "state")));
	cr_assert_neq(json_int(after, "domid"), json_int(before, "domid"));
	cr_assert_str_eq(json_str(after, "uuid"), json_str(before, "uuid"));
	json_object_put(before);
	json_object_put(after);
	xlctl_close(ev);
	xlctl_close(c);
	dut_stop(d);
	dut_free(d);
}

Test(lifecycle, preserve_keeps_it_shut_down, .timeout = 120)
{
	struct dut *d = dut_start(NULL);
	struct xlctl *c = dut_connect(d), *ev = dut_connect(d);
	json_object *info;

	json_object_put(create_with(c, "keep", "on_crash = \"preserve\"\n"));
	json_object_put(call_ok(ev, "subscribe", "{\"domains\":[\"keep\"]}"));
	sim_ok(d, "sim-guest", "{\"domain\":\"keep\",\"action\":\"crash\"}");
	json_object_put(wait_event(ev, "DOMAIN_SHUTDOWN", 30000));
	/* give a (wrong) destroy the time it would need, then look */
	usleep(300000);
	info = call_ok(c, "domain-info", "{\"domain\":\"keep\"}");
	cr_assert_str_eq(json_str(info, "state"), "crashed");
	cr_assert_str_eq(json_str(info, "reason"), "crash");
	json_object_put(info);
	json_object_put(call_ok(c, "domain-destroy", "{\"domain\":\"keep\"}"));
	xlctl_close(ev);
	xlctl_close(c);
	dut_stop(d);
	dut_free(d);
}

Test(lifecycle, shutdown_wait, .timeout = 120)
{
	struct dut *d = dut_start(NULL);
	struct xlctl *c = dut_connect(d);

	json_object_put(create_domain(c, "sw", 64));
	json_object_put(call_ok(c, "domain-shutdown",
	    "{\"domain\":\"sw\",\"wait\":true}"));
	call_fails(c, "DomainNotFound", "domain-info", "{\"domain\":\"sw\"}");
	xlctl_close(c);
	dut_stop(d);
	dut_free(d);
}

/* 6. A guest that ignores shutdown. */
Test(lifecycle, ignored_shutdown_times_out, .timeout = 120)
{
	struct dut *d = dut_start(NULL);
	struct xlctl *c = dut_connect(d);
	json_object *info;
	const char *why;

	json_object_put(create_domain(c, "deaf", 64));
	sim_ok(d, "sim-guest", "{\"domain\":\"deaf\",\"action\":\"ignore-shutdown\"}");
	why = call_fails(c, "OperationInvalid", "domain-shutdown",
	    "{\"domain\":\"deaf\",\"wait\":true,\"timeout_ms\":500}");
	cr_assert(strstr(why, "did not shut down") != NULL, "%s", why);
	info = call_ok(c, "domain-info", "{\"domain\":\"deaf\"}");
	cr_assert(is_running_state(json_str(info, "state")));
	cr_assert(json_object_is_type(json_get(info, "job"), json_type_null));
	json_object_put(info);
	/* and it can still be destroyed */
	json_object_put(call_ok(c, "domain-destroy", "{\"domain\":\"deaf\"}"));
	xlctl_close(c);
	dut_stop(d);
	dut_free(d);
}

/* 7. 1000 definitions started; domain-list has them all; a restart reloads
 * them all. */
Test(lifecycle, thousand_domains, .timeout = 600)
{
	static int64_t ids[1000];
	struct dut *d;
	struct xlctl *c;
	json_object *list;
	int running = 0;

	if (getenv("XENLIGHTD_TEST_WRAPPER") != NULL)
		cr_skip_test("too slow under a wrapper (valgrind)");
	d = dut_start(NULL);
	c = dut_connect(d);

	sim_ok(d, "sim-set", "{\"host_memory_mib\":1000000,\"create_ms\":1}");
	for (int i = 0; i < 1000; i++) {
		char name[32], *text;
		json_object *args = json_object_new_object();

		snprintf(name, sizeof name, "d%04d", i);
		text = xl_config_text(name, 16);
		json_object_object_add(args, "xl_config",
		    json_object_new_string(text));
		ids[i] = xlctl_send(c, "domain-define", args, NULL);
		json_object_put(args);
		free(text);
	}
	for (int i = 0; i < 1000; i++) {
		struct xlctl_error err = { 0 };
		json_object *ret = xlctl_wait_reply(c, ids[i], 120000, &err);

		cr_assert_not_null(ret, "define %d: %s %s", i, err.class_name,
		    err.desc);
		json_object_put(ret);
	}
	for (int i = 0; i < 1000; i++) {
		json_object *args = json_parse("{\"domain\":\"d%04d\"}", i);

		ids[i] = xlctl_send(c, "domain-start", args, NULL);
		json_object_put(args);
	}
	for (int i = 0; i < 1000; i++) {
		struct xlctl_error err = { 0 };
		json_object *ret = xlctl_wait_reply(c, ids[i], 120000, &err);

		cr_assert_not_null(ret, "start %d: %s %s", i, err.class_name,
		    err.desc);
		json_object_put(ret);
	}
	list = call_ok(c, "domain-list", NULL);
	cr_assert_eq(json_object_array_length(list), 1001);	/* + Domain-0 */
	json_object_put(list);
	xlctl_close(c);
	dut_stop(d);

	dut_restart(d);
	c = dut_connect(d);
	list = call_ok(c, "domain-list", NULL);
	cr_assert_eq(json_object_array_length(list), 1001);
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		json_object *dom = json_object_array_get_idx(list, i);

		if (strcmp(json_str(dom, "name"), "Domain-0") == 0)
			continue;
		cr_assert(json_flag(dom, "persistent"));
		if (is_running_state(json_str(dom, "state")))
			running++;
	}
	cr_assert_eq(running, 1000);
	json_object_put(list);
	xlctl_close(c);
	dut_stop(d);
	dut_free(d);
}

Test(lifecycle, define_start_undefine_autostart, .timeout = 120)
{
	struct dut *d = dut_start(NULL);
	struct xlctl *c = dut_connect(d);
	json_object *ret;
	char *text = xl_config_text("pers", 64);
	json_object *args = json_object_new_object();

	json_object_object_add(args, "xl_config", json_object_new_string(text));
	ret = xlctl_call(c, "domain-define", args, NULL, 30000, NULL);
	cr_assert_not_null(ret);
	cr_assert_str_eq(json_str(ret, "state"), "shutoff");
	cr_assert(json_flag(ret, "persistent"));
	cr_assert(json_object_is_type(json_get(ret, "domid"), json_type_null));
	json_object_put(ret);
	json_object_put(call_ok(c, "domain-autostart",
	    "{\"domain\":\"pers\",\"enable\":true}"));
	ret = call_ok(c, "domain-start", "{\"domain\":\"pers\"}");
	cr_assert(is_running_state(json_str(ret, "state")));
	cr_assert(json_flag(ret, "autostart"));
	json_object_put(ret);
	call_fails(c, "OperationInvalid", "domain-start", "{\"domain\":\"pers\"}");
	/* a restart of the daemon keeps the running domain and the definition */
	xlctl_close(c);
	dut_stop(d);
	dut_restart(d);
	c = dut_connect(d);
	ret = call_ok(c, "domain-info", "{\"domain\":\"pers\"}");
	cr_assert(is_running_state(json_str(ret, "state")));
	cr_assert(json_flag(ret, "persistent"));
	json_object_put(ret);
	json_object_put(call_ok(c, "domain-destroy", "{\"domain\":\"pers\"}"));
	ret = call_ok(c, "domain-info", "{\"domain\":\"pers\"}");
	cr_assert_str_eq(json_str(ret, "state"), "shutoff");
	json_object_put(ret);
	/* autostart: a daemon start brings it up */
	xlctl_close(c);
	dut_stop(d);
	dut_restart(d);
	c = dut_connect(d);
	for (int64_t deadline = now_ms() + 20000;;) {
		ret = call_ok(c, "domain-info", "{\"domain\":\"pers\"}");
		if (is_running_state(json_str(ret, "state"))) {
			json_object_put(ret);
			break;
		}
		json_object_put(ret);
		cr_assert_lt(now_ms(), deadline, "autostart did not start it");
		usleep(50000);
	}
	json_object_put(call_ok(c, "domain-destroy", "{\"domain\":\"pers\"}"));
	json_object_put(call_ok(c, "domain-undefine", "{\"domain\":\"pers\"}"));
	call_fails(c, "DomainNotFound", "domain-info", "{\"domain\":\"pers\"}");
	json_object_put(args);
	free(text);
	xlctl_close(c);
	dut_stop(d);
	dut_free(d);
}

Test(lifecycle, tuning, .timeout = 120)
{
	struct dut *d = dut_start(NULL);
	struct xlctl *c = dut_connect(d);
	json_object *ret;

	json_object_put(create_with(c, "tune", "maxmem = 128\nmaxvcpus = 4\n"));
	ret = call_ok(c, "domain-set-memory",
	    "{\"domain\":\"tune\",\"memory_kib\":98304}");
	cr_assert_eq(json_int(ret, "memory_kib"), 98304);
	json_object_put(ret);
	call_fails(c, "InvalidArgument", "domain-set-memory",
	    "{\"domain\":\"tune\",\"memory_kib\":262144}");
	ret = call_ok(c, "domain-set-maxmem",
	    "{\"domain\":\"tune\",\"memory_kib\":262144}");
	cr_assert_eq(json_int(ret, "max_memory_kib"), 262144);
	json_object_put(ret);
	ret = call_ok(c, "domain-set-vcpus", "{\"domain\":\"tune\",\"count\":3}");
	cr_assert_eq(json_int(ret, "vcpus_online"), 3);
	json_object_put(ret);
	call_fails(c, "InvalidArgument", "domain-set-vcpus",
	    "{\"domain\":\"tune\",\"count\":5}");
	json_object_put(call_ok(c, "domain-pin-vcpu",
	    "{\"domain\":\"tune\",\"vcpu\":0,\"cpus\":\"0-1\"}"));
	json_object_put(call_ok(c, "domain-pin-vcpu",
	    "{\"domain\":\"tune\",\"vcpu\":\"all\",\"cpus\":\"all,^0\"}"));
	call_fails(c, "InvalidArgument", "domain-pin-vcpu",
	    "{\"domain\":\"tune\",\"vcpu\":0,\"cpus\":\"999\"}");
	call_fails(c, "InvalidArgument", "domain-pin-vcpu",
	    "{\"domain\":\"tune\",\"vcpu\":\"some\",\"cpus\":\"1\"}");
	ret = call_ok(c, "domain-sched-set",
	    "{\"domain\":\"tune\",\"weight\":512,\"cap\":50}");
	cr_assert_eq(json_int(ret, "weight"), 512);
	json_object_put(ret);
	ret = call_ok(c, "domain-sched-get", "{\"domain\":\"tune\"}");
	cr_assert_eq(json_int(ret, "weight"), 512);
	cr_assert_eq(json_int(ret, "cap"), 50);
	cr_assert_str_eq(json_str(ret, "scheduler"), "credit");
	json_object_put(ret);
	xlctl_close(c);
	dut_stop(d);
	dut_free(d);
}

Test(lifecycle, devices_and_stats, .timeout = 120)
{
	struct dut *d = dut_start(NULL);
	struct xlctl *c = dut_connect(d);
	json_object *ret, *cfg, *stats, *again;

	json_object_put(create_domain(c, "dev", 64));
	ret = call_ok(c, "domain-disk-attach", "{\"domain\":\"dev\","
	    "\"disk\":\"format=raw, vdev=xvdb, access=rw, target=/dev/null\"}");
	cr_assert_str_eq(json_str(ret, "vdev"), "xvdb");
	json_object_put(ret);
	ret = call_ok(c, "domain-nic-attach", "{\"domain\":\"dev\","
	    "\"nic\":\"bridge=xenbr0,mac=00:16:3e:11:22:33\"}");
	cr_assert_str_eq(json_str(ret, "mac"), "00:16:3e:11:22:33");
	json_object_put(ret);
	cfg = call_ok(c, "domain-config", "{\"domain\":\"dev\"}");
	cr_assert_eq(json_object_array_length(json_get(cfg, "disks")), 1);
	cr_assert_eq(json_object_array_length(json_get(cfg, "nics")), 1);
	json_object_put(cfg);
	stats = call_ok(c, "domain-stats", "{\"domain\":\"dev\"}");
	cr_assert_eq(json_object_array_length(json_get(stats, "block")), 1);
	cr_assert_eq(json_object_array_length(json_get(stats, "net")), 1);
	cr_assert_eq(json_object_array_length(json_get(stats, "vcpus")), 1);
	usleep(200000);
	again = call_ok(c, "domain-stats", "{\"domain\":\"dev\"}");
	cr_assert_geq(json_int(again, "cpu_time_ns"),
	    json_int(stats, "cpu_time_ns"));
	json_object_put(stats);
	json_object_put(again);
	stats = call_ok(c, "domain-stats", NULL);
	cr_assert_geq(json_object_array_length(stats), 2);
	json_object_put(stats);
	call_fails(c, "InvalidArgument", "domain-disk-detach",
	    "{\"domain\":\"dev\",\"vdev\":\"xvdz\"}");
	json_object_put(call_ok(c, "domain-disk-detach",
	    "{\"domain\":\"dev\",\"vdev\":\"xvdb\"}"));
	json_object_put(call_ok(c, "domain-nic-detach",
	    "{\"domain\":\"dev\",\"mac\":\"00:16:3e:11:22:33\"}"));
	cfg = call_ok(c, "domain-config", "{\"domain\":\"dev\"}");
	/* libxl leaves an empty list out */
	cr_assert_not(json_object_object_get_ex(cfg, "disks", NULL));
	json_object_put(cfg);
	call_fails(c, "InvalidArgument", "domain-disk-attach",
	    "{\"domain\":\"dev\",\"disk\":\"bogus=1\"}");
	xlctl_close(c);
	dut_stop(d);
	dut_free(d);
}

/* 9. Every xl_config key PROTOCOL.md lists lands in domain-config. */
Test(lifecycle, xl_config_keys_round_trip, .timeout = 120)
{
	struct dut *d = dut_start(NULL);
	struct xlctl *c = dut_connect(d);
	static const char text[] =
	    "name = \"full\"\n"
	    "uuid = \"5f1b1c2e-3d4e-4f50-8a6b-7c8d9e0f1a2b\"\n"
	    "type = \"pv\"\n"
	    "memory = 96\n"
	    "maxmem = 128\n"
	    "vcpus = 2\n"
	    "maxvcpus = 4\n"
	    "cpus = \"0-3\"\n"
	    "kernel = \"/boot/vmlinuz\"\n"
	    "ramdisk = \"/boot/initrd\"\n"
	    "root = \"/dev/xvda1\"\n"
	    "extra = \"console=hvc0\"\n"
	    "disk = [ 'format=raw, vdev=xvda, access=rw, target=/img/full.img' ]\n"
	    "vif = [ 'mac=00:16:3e:00:00:01,bridge=xenbr0' ]\n"
	    "on_poweroff = \"destroy\"\n"
	    "on_reboot = \"restart\"\n"
	    "on_crash = \"preserve\"\n";
	json_object *args = json_object_new_object(), *cfg, *c_info, *b_info;
	json_object *ret, *pv;

	json_object_object_add(args, "xl_config", json_object_new_string(text));
	ret = xlctl_call(c, "domain-define", args, NULL, 30000, NULL);
	cr_assert_not_null(ret);
	json_object_put(ret);
	cfg = call_ok(c, "domain-config", "{\"domain\":\"full\"}");
	c_info = json_get(cfg, "c_info");
	b_info = json_get(cfg, "b_info");
	cr_assert_str_eq(json_str(c_info, "name"), "full");
	cr_assert_str_eq(json_str(c_info, "uuid"),
	    "5f1b1c2e-3d4e-4f50-8a6b-7c8d9e0f1a2b");
	cr_assert_str_eq(json_str(c_info, "type"), "pv");
	cr_assert_eq(json_int(b_info, "target_memkb"), 96 * 1024);
	cr_assert_eq(json_int(b_info, "max_memkb"), 128 * 1024);
	cr_assert_eq(json_int(b_info, "max_vcpus"), 4);
	/* 4.17 keeps kernel, ramdisk and cmdline in b_info itself */
	cr_assert_str_eq(json_str(b_info, "kernel"), "/boot/vmlinuz");
	cr_assert_str_eq(json_str(b_info, "ramdisk"), "/boot/initrd");
	cr_assert_str_eq(json_str(b_info, "cmdline"),
	    "root=/dev/xvda1 console=hvc0");
	pv = json_get(b_info, "avail_vcpus");
	cr_assert_eq(json_object_array_length(pv), 2);
	cr_assert_str_eq(json_str(json_object_array_get_idx(json_get(cfg,
	    "disks"), 0), "vdev"), "xvda");
	cr_assert_str_eq(json_str(json_object_array_get_idx(json_get(cfg,
	    "nics"), 0), "mac"), "00:16:3e:00:00:01");
	/* libxl's JSON leaves out values equal to their default */
	cr_assert_not(json_object_object_get_ex(cfg, "on_poweroff", NULL) &&
	    strcmp(json_str(cfg, "on_poweroff"), "destroy") != 0);
	cr_assert_str_eq(json_str(cfg, "on_reboot"), "restart");
	cr_assert_str_eq(json_str(cfg, "on_crash"), "preserve");
	json_object_put(cfg);
	json_object_put(args);
	xlctl_close(c);
	dut_stop(d);
	dut_free(d);
}
