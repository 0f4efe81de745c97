/* xl config text -> libxl_domain_config, and libxl JSON configs. */
#include "config.h"

#include <criterion/criterion.h>
#include <string.h>

#include "daemon/domain-config.h"
#include "daemon/xl-config.h"
#include "proto/json-line.h"
#include "tests/unit/fake-xen-handles.h"
#include "tests/unit/xl-config-test.h"

TestSuite(xl_config, .init = setup, .fini = teardown);
TestSuite(domain_config, .init = setup, .fini = teardown);

/* ------------------------------------------------------------------------
 * Every key */

Test(xl_config, minimal_defaults)
{
	expect_ok("name = 'vm1'\n");
	cr_assert_str_eq(cfg.c_info.name, "vm1");
	cr_assert_eq(cfg.c_info.type, LIBXL_DOMAIN_TYPE_PV);
	cr_assert_eq(cfg.b_info.type, LIBXL_DOMAIN_TYPE_PV);
	cr_assert(!libxl_uuid_is_nil(&cfg.c_info.uuid), "uuid generated");
	cr_assert_eq(cfg.b_info.target_memkb, LIBXL_MEMKB_DEFAULT);
	cr_assert_eq(cfg.b_info.max_memkb, LIBXL_MEMKB_DEFAULT);
	cr_assert_eq(cfg.on_poweroff, LIBXL_ACTION_ON_SHUTDOWN_DESTROY);
	cr_assert_eq(cfg.on_reboot, LIBXL_ACTION_ON_SHUTDOWN_RESTART);
	cr_assert_eq(cfg.on_watchdog, LIBXL_ACTION_ON_SHUTDOWN_DESTROY);
	cr_assert_eq(cfg.on_crash, LIBXL_ACTION_ON_SHUTDOWN_DESTROY);
	cr_assert_eq(cfg.on_soft_reset, LIBXL_ACTION_ON_SHUTDOWN_SOFT_RESET);
	cr_assert_eq(cfg.num_disks, 0);
	cr_assert_eq(cfg.num_nics, 0);
	cr_assert_null(cfg.b_info.cmdline);
}

Test(xl_config, full_pv)
{
	char uuid[40];

	expect_ok(
	    "# a PV guest\n"
	    "name = \"web-1.example\"\n"
	    "uuid = \"5b1e5d4c-8a4e-4c5f-9a55-1f0e5e7d2a10\"\n"
	    "type = 'pv'\n"
	    "memory = 512\n"
	    "maxmem = 1024\n"
	    "vcpus = 2\n"
	    "maxvcpus = 4\n"
	    "cpu_weight = 512\n"
	    "cap = 50\n"
	    "kernel = '/boot/vmlinuz'\n"
	    "ramdisk = '/boot/initrd.img'\n"
	    "extra = 'console=hvc0'\n"
	    "root = '/dev/xvda1 ro'\n"
	    "bootloader = '/usr/bin/pygrub'\n"
	    "bootloader_args = ['--entry=1', '-q']\n"
	    "on_poweroff = 'preserve'\n"
	    "on_reboot = 'rename-restart'\n"
	    "on_crash = 'coredump-restart'\n"
	    "on_watchdog = 'coredump-destroy'\n"
	    "on_soft_reset = 'destroy'\n"
	    "localtime = 1\n"
	    "device_model_version = 'qemu-xen'\n");
	cr_assert_str_eq(cfg.c_info.name, "web-1.example");
	snprintf(uuid, sizeof uuid, LIBXL_UUID_FMT,
	    LIBXL_UUID_BYTES(cfg.c_info.uuid));
	cr_assert_str_eq(uuid, "5b1e5d4c-8a4e-4c5f-9a55-1f0e5e7d2a10");
	cr_assert_eq(cfg.b_info.target_memkb, 512 * 1024);
	cr_assert_eq(cfg.b_info.max_memkb, 1024 * 1024);
	cr_assert_eq(libxl_bitmap_count_set(&cfg.b_info.avail_vcpus), 2);
	cr_assert(libxl_bitmap_test(&cfg.b_info.avail_vcpus, 0));
	cr_assert(libxl_bitmap_test(&cfg.b_info.avail_vcpus, 1));
	cr_assert_eq(cfg.b_info.max_vcpus, 4);
	cr_assert_eq(cfg.b_info.sched_params.weight, 512);
	cr_assert_eq(cfg.b_info.sched_params.cap, 50);
	cr_assert_str_eq(cfg.b_info.kernel, "/boot/vmlinuz");
	cr_assert_str_eq(cfg.b_info.ramdisk, "/boot/initrd.img");
	cr_assert_str_eq(cfg.b_info.cmdline, "root=/dev/xvda1 ro console=hvc0");
	cr_assert_str_eq(cfg.b_info.bootloader, "/usr/bin/pygrub");
	cr_assert_eq(libxl_string_list_length(&cfg.b_info.bootloader_args), 2);
	cr_assert_str_eq(cfg.b_info.bootloader_args[0], "--entry=1");
	cr_assert_str_eq(cfg.b_info.bootloader_args[1], "-q");
	cr_assert_eq(cfg.on_poweroff, LIBXL_ACTION_ON_SHUTDOWN_PRESERVE);
	cr_assert_eq(cfg.on_reboot, LIBXL_ACTION_ON_SHUTDOWN_RESTART_RENAME);
	cr_assert_eq(cfg.on_crash, LIBXL_ACTION_ON_SHUTDOWN_COREDUMP_RESTART);
	cr_assert_eq(cfg.on_watchdog,
	    LIBXL_ACTION_ON_SHUTDOWN_COREDUMP_DESTROY);
	cr_assert_eq(cfg.on_soft_reset, LIBXL_ACTION_ON_SHUTDOWN_DESTROY);
	cr_assert(libxl_defbool_val(cfg.b_info.localtime));
	cr_assert_eq(cfg.b_info.device_model_version,
	    LIBXL_DEVICE_MODEL_VERSION_QEMU_XEN);
	cr_assert_eq(cfg.num_vfbs, 0);
}

Test(xl_config, full_hvm)
{
	expect_ok(
	    "name = 'win'\n"
	    "type = 'hvm'\n"
	    "memory = 2048\n"
	    "vcpus = 2\n"
	    "kernel = '/usr/lib/xen/boot/hvmloader'\n"
	    "boot = 'dc'\n"
	    "serial = 'pty'\n"
	    "vnc = 1\n"
	    "vnclisten = '0.0.0.0'\n"
	    "vncdisplay = 3\n"
	    "vncpasswd = 's3cret'\n"
	    "vncunused = 0\n"
	    "localtime = 0\n"
	    "device_model_version = 'qemu-xen-traditional'\n");
	cr_assert_eq(cfg.c_info.type, LIBXL_DOMAIN_TYPE_HVM);
	cr_assert_eq(cfg.b_info.type, LIBXL_DOMAIN_TYPE_HVM);
	cr_assert_null(cfg.b_info.kernel, "xl drops a kernel named hvmloader");
	cr_assert_str_eq(cfg.b_info.u.hvm.boot, "dc");
	cr_assert_str_eq(cfg.b_info.u.hvm.serial, "pty");
	cr_assert(libxl_defbool_val(cfg.b_info.u.hvm.vnc.enable));
	cr_assert_str_eq(cfg.b_info.u.hvm.vnc.listen, "0.0.0.0");
	cr_assert_eq(cfg.b_info.u.hvm.vnc.display, 3);
	cr_assert_str_eq(cfg.b_info.u.hvm.vnc.passwd, "s3cret");
	cr_assert(!libxl_defbool_val(cfg.b_info.u.hvm.vnc.findunused));
	cr_assert(!libxl_defbool_val(cfg.b_info.localtime));
	cr_assert_eq(cfg.b_info.device_model_version,
	    LIBXL_DEVICE_MODEL_VERSION_QEMU_XEN_TRADITIONAL);
	cr_assert_eq(cfg.b_info.max_memkb, 2048 * 1024, "maxmem = memory");
	cr_assert_eq(cfg.b_info.max_vcpus, 2, "maxvcpus = vcpus");
}

Test(xl_config, hvm_serial_list_and_direct_kernel)
{
	expect_ok("name = 'h'\ntype = 'hvm'\nserial = ['pty', 'file:/tmp/s']\n"
	    "kernel = '/boot/vmlinuz'\n");
	cr_assert_null(cfg.b_info.u.hvm.serial);
	cr_assert_eq(libxl_string_list_length(&cfg.b_info.u.hvm.serial_list),
	    2);
	cr_assert_str_eq(cfg.b_info.u.hvm.serial_list[1], "file:/tmp/s");
	cr_assert_str_eq(cfg.b_info.kernel, "/boot/vmlinuz");
}

Test(xl_config, pvh)
{
	expect_ok("name = 'p'\ntype = 'pvh'\nkernel = '/k'\nmemory = 64\n");
	cr_assert_eq(cfg.c_info.type, LIBXL_DOMAIN_TYPE_PVH);
	cr_assert_eq(cfg.b_info.type, LIBXL_DOMAIN_TYPE_PVH);
}

Test(xl_config, pv_vnc_gets_framebuffer)
{
	expect_ok("name = 'p'\nvnc = 1\nvnclisten = '127.0.0.1'\n"
	    "vncdisplay = 2\n");
	cr_assert_eq(cfg.num_vfbs, 1);
	cr_assert_eq(cfg.num_vkbs, 1);
	cr_assert(libxl_defbool_val(cfg.vfbs[0].vnc.enable));
	cr_assert_str_eq(cfg.vfbs[0].vnc.listen, "127.0.0.1");
	cr_assert_eq(cfg.vfbs[0].vnc.display, 2);
}

Test(xl_config, pv_vnc_off)
{
	expect_ok("name = 'p'\nvnc = 0\n");
	cr_assert_eq(cfg.num_vfbs, 0);
	teardown();
	setup();
	expect_invalid("name = 'p'\nvnclisten = '1.2.3.4'\n", "'vnclisten'",
	    "vnc = 1");
}

Test(xl_config, scope_of_keys)
{
	expect_invalid("name = 'p'\nboot = 'c'\n",
	    "key 'boot' in xl_config line 2 is only valid for type hvm", NULL);
	teardown();
	setup();
	expect_invalid("name = 'p'\ntype = 'pvh'\nserial = 'pty'\n",
	    "'serial'", "only valid for type hvm");
	teardown();
	setup();
	expect_invalid("name = 'p'\ntype = 'pvh'\nvnc = 1\n",
	    "key 'vnc' in xl_config line 3 is not valid for type pvh", NULL);
}

Test(xl_config, builder)
{
	expect_ok("name = 'b'\nbuilder = 'hvm'\n");
	cr_assert_eq(cfg.c_info.type, LIBXL_DOMAIN_TYPE_HVM);
	teardown();
	setup();
	expect_ok("name = 'b'\nbuilder = 'generic'\ntype = 'pv'\n");
	cr_assert_eq(cfg.c_info.type, LIBXL_DOMAIN_TYPE_PV);
	teardown();
	setup();
	expect_invalid("name = 'b'\ntype = 'pvh'\nbuilder = 'hvm'\n",
	    "'builder' in xl_config line 3", "contradicts");
	teardown();
	setup();
	expect_invalid("name = 'b'\nbuilder = 'linux'\n", "'builder'", NULL);
}

Test(xl_config, bad_type)
{
	expect_invalid("name = 'b'\ntype = 'p'\n",
	    "invalid value for 'type' in xl_config line 2", "'p'");
	teardown();
	setup();
	expect_invalid("name = 'b'\ntype = ['pv']\n", "'type'", "list");
}

/* ------------------------------------------------------------------------
 * Names and UUIDs */

Test(xl_config, name_rules)
{
	expect_invalid("memory = 5\n", "has no 'name'", NULL);
	teardown();
	setup();
	expect_invalid("name = '123'\n", "'name'", "not all digits");
	teardown();
	setup();
	expect_invalid("name = 'a b'\n", "'name'", NULL);
	teardown();
	setup();
	expect_invalid("name = ''\n", "'name'", NULL);
	teardown();
	setup();
	expect_invalid("name = '..'\n", "'name'", NULL);
	teardown();
	setup();
	expect_invalid("name = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaa'\n", "'name'", NULL);
	teardown();
	setup();
	/* 64 characters is the limit, and digits with a letter are fine */
	expect_ok("name = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaa1'\n");
	teardown();
	setup();
	expect_ok("name = '1a_B.c+d-e'\n");
}

Test(xl_config, uuid)
{
	expect_invalid("name = 'u'\nuuid = 'not-a-uuid'\n",
	    "invalid value for 'uuid' in xl_config line 2", NULL);
	teardown();
	setup();
	expect_invalid("name = 'u'\nuuid = '5b1e5d4c-8a4e-4c5f-9a55-1f0e5e7d2a1'\n",
	    "'uuid'", NULL);
}

/* ------------------------------------------------------------------------
 * Memory and vcpus */

Test(xl_config, memory)
{
	expect_invalid("name = 'm'\nmemory = 0\n",
	    "invalid value for 'memory' in xl_config line 2", "between 1");
	teardown();
	setup();
	expect_invalid("name = 'm'\nmemory = -5\n",
	    "xl_config line 2: syntax error near '-'", NULL);
	teardown();
	setup();
	expect_invalid("name = 'm'\nmemory = 'lots'\n", "'memory'",
	    "integer");
	teardown();
	setup();
	expect_invalid("name = 'm'\nmemory = [1]\n", "'memory'", NULL);
	teardown();
	setup();
	expect_invalid("name = 'm'\nmemory = 99999999999999999999999\n",
	    "'memory'", "range");
	teardown();
	setup();
	expect_invalid("name = 'm'\nmemory = 5000000000\n", "'memory'",
	    "between");
	teardown();
	setup();
	expect_invalid("name = 'm'\nmemory = 512\nmaxmem = 256\n",
	    "'maxmem' in xl_config line 3", "less than memory");
	teardown();
	setup();
	/* libxlutil numbers are C numbers: hex works */
	expect_ok("name = 'm'\nmemory = 0x100\n");
	cr_assert_eq(cfg.b_info.target_memkb, 256 * 1024);
	teardown();
	setup();
	expect_ok("name = 'm'\nmaxmem = 300\n");
	cr_assert_eq(cfg.b_info.max_memkb, 300 * 1024);
	cr_assert_eq(cfg.b_info.target_memkb, LIBXL_MEMKB_DEFAULT);
	teardown();
	setup();
	/* "+=" on a number is refused by libxlutil's rules */
	expect_invalid("name = 'm'\nmemory += 5\n", "'memory'", NULL);
}

Test(xl_config, vcpus)
{
	expect_invalid("name = 'v'\nvcpus = 0\n", "'vcpus'", NULL);
	teardown();
	setup();
	expect_invalid("name = 'v'\nvcpus = 4\nmaxvcpus = 2\n",
	    "'maxvcpus' in xl_config line 3", "less than vcpus");
	teardown();
	setup();
	expect_invalid("name = 'v'\nvcpus = 5000\n", "'vcpus'", NULL);
	teardown();
	setup();
	expect_ok("name = 'v'\nmaxvcpus = 3\n");
	cr_assert_eq(cfg.b_info.max_vcpus, 3);
	cr_assert_eq(cfg.b_info.avail_vcpus.size, 0);
}

Test(xl_config, sched)
{
	expect_invalid("name = 's'\ncpu_weight = 0\n", "'cpu_weight'", NULL);
	teardown();
	setup();
	expect_invalid("name = 's'\ncap = 70000\n", "'cap'", NULL);
}

/* ------------------------------------------------------------------------
 * cpus */

Test(xl_config, cpus_string_applies_to_every_vcpu)
{
	expect_ok("name = 'c'\nvcpus = 3\ncpus = '0-3,5'\n");
	cr_assert_eq(cfg.b_info.num_vcpu_hard_affinity, 3);
	for (int i = 0; i < 3; i++)
		cr_assert(cpu_set(&cfg.b_info.vcpu_hard_affinity[i],
		    "1111010000000000"), "vcpu %d", i);
	cr_assert(libxl_defbool_is_default(cfg.b_info.numa_placement));
}

Test(xl_config, cpus_all_and_exclusions)
{
	expect_ok("name = 'c'\ncpus = 'all,^1,^3-4'\n");
	cr_assert_eq(cfg.b_info.num_vcpu_hard_affinity, 1);
	cr_assert(cpu_set(&cfg.b_info.vcpu_hard_affinity[0],
	    "1010011111111111"));
	teardown();
	setup();
	expect_ok("name = 'c'\ncpus = 'all'\n");
	cr_assert(cpu_set(&cfg.b_info.vcpu_hard_affinity[0],
	    "1111111111111111"));
	teardown();
	setup();
	expect_ok("name = 'c'\ncpus = '2, 7'\n");
	cr_assert(cpu_set(&cfg.b_info.vcpu_hard_affinity[0],
	    "0010000100000000"));
	teardown();
	setup();
	expect_ok("name = 'c'\ncpus = 4\n");
	cr_assert(cpu_set(&cfg.b_info.vcpu_hard_affinity[0],
	    "0000100000000000"));
}

Test(xl_config, cpus_list_one_per_vcpu)
{
	expect_ok("name = 'c'\nvcpus = 2\ncpus = ['0', '2-3', '5']\n");
	cr_assert_eq(cfg.b_info.num_vcpu_hard_affinity, 2,
	    "entries past the vcpus are ignored");
	cr_assert(cpu_set(&cfg.b_info.vcpu_hard_affinity[0],
	    "1000000000000000"));
	cr_assert(cpu_set(&cfg.b_info.vcpu_hard_affinity[1],
	    "0011000000000000"));
	cr_assert(!libxl_defbool_val(cfg.b_info.numa_placement));
	teardown();
	setup();
	expect_ok("name = 'c'\nvcpus = 4\ncpus = [1, 2]\n");
	cr_assert_eq(cfg.b_info.num_vcpu_hard_affinity, 2);
	cr_assert(cpu_set(&cfg.b_info.vcpu_hard_affinity[1],
	    "0010000000000000"));
}

Test(xl_config, cpus_bad)
{
	expect_invalid("name = 'c'\ncpus = '^1'\n", "'cpus'", "selects no cpu");
	teardown();
	setup();
	expect_invalid("name = 'c'\ncpus = '16'\n", "'cpus'",
	    "cpu 16 does not exist");
	teardown();
	setup();
	expect_invalid("name = 'c'\ncpus = '3-1'\n", "'cpus'", "'3-1'");
	teardown();
	setup();
	expect_invalid("name = 'c'\ncpus = 'x'\n", "'cpus'", "'x'");
	teardown();
	setup();
	expect_invalid("name = 'c'\ncpus = '^all'\n", "'cpus'", "^all");
	teardown();
	setup();
	expect_invalid("name = 'c'\ncpus = 'nodes:2'\n", "'cpus'",
	    "node 2 does not exist");
	teardown();
	setup();
	expect_invalid("name = 'c'\ncpus = ''\n", "'cpus'", "no cpu");
	teardown();
	setup();
	expect_invalid("name = 'c'\ncpus = []\n", "'cpus'", "empty");
	teardown();
	setup();
	expect_invalid("name = 'c'\nvcpus = 2\ncpus = ['1', ['2']]\n",
	    "'cpus'", "entry 2 is not a string");
	teardown();
	setup();
	expect_invalid("name = 'c'\nvcpus = 2\ncpus = ['1', '99']\n",
	    "'cpus' in xl_config line 3", "entry 2");
	teardown();
	setup();
	expect_invalid("name = 'c'\ncpus = '0-99999999999999999999999'\n",
	    "'cpus'", NULL);
}

/* ------------------------------------------------------------------------
 * Kernel command line */

Test(xl_config, cmdline_rules)
{
	expect_ok("name = 'k'\nroot = '/dev/xvda1'\n");
	cr_assert_str_eq(cfg.b_info.cmdline, "root=/dev/xvda1");
	teardown();
	setup();
	expect_ok("name = 'k'\nextra = 'quiet'\n");
	cr_assert_str_eq(cfg.b_info.cmdline, "quiet");
	teardown();
	setup();
	expect_ok("name = 'k'\nextra = 'quiet'\nroot = 'r'\ncmdline = 'c=1'\n");
	cr_assert_str_eq(cfg.b_info.cmdline, "c=1", "cmdline wins");
	teardown();
	setup();
	expect_ok("name = 'k'\nextra = 'a'\nextra += ' b'\n");
	cr_assert_str_eq(cfg.b_info.cmdline, "a b", "+= concatenates");
}

Test(xl_config, bootloader_args_string_form)
{
	expect_ok("name = 'b'\nbootloader = 'pygrub'\n"
	    "bootloader_args = '  -q\t--entry=2 '\n");
	cr_assert_eq(libxl_string_list_length(&cfg.b_info.bootloader_args), 2);
	cr_assert_str_eq(cfg.b_info.bootloader_args[0], "-q");
	cr_assert_str_eq(cfg.b_info.bootloader_args[1], "--entry=2");
	teardown();
	setup();
	expect_invalid("name = 'b'\nbootloader_args = ['a', []]\n",
	    "'bootloader_args'", "entry 2");
}

/* ------------------------------------------------------------------------
 * Disks and vifs */

Test(xl_config, disks)
{
	expect_ok("name = 'd'\n"
	    "disk = [ 'format=raw, vdev=xvda, access=rw, target=/img/d.img',\n"
	    "         'backendtype=phy,/dev/vg/d2,raw,xvdb,r',\n"
	    "         '/iso/x.iso,,hdc:cdrom,r' ]\n");
	cr_assert_eq(cfg.num_disks, 3);
	cr_assert_str_eq(cfg.disks[0].vdev, "xvda");
	cr_assert_str_eq(cfg.disks[0].pdev_path, "/img/d.img");
	cr_assert_eq(cfg.disks[0].format, LIBXL_DISK_FORMAT_RAW);
	cr_assert_eq(cfg.disks[0].readwrite, 1);
	cr_assert_str_eq(cfg.disks[1].vdev, "xvdb");
	cr_assert_str_eq(cfg.disks[1].pdev_path, "/dev/vg/d2");
	cr_assert_eq(cfg.disks[1].backend, LIBXL_DISK_BACKEND_PHY);
	cr_assert_eq(cfg.disks[1].readwrite, 0);
	cr_assert_str_eq(cfg.disks[2].vdev, "hdc");
	cr_assert_eq(cfg.disks[2].is_cdrom, 1);
}

Test(xl_config, bad_disks)
{
	expect_invalid("name = 'd'\n\ndisk = [ 'format=bogus,vdev=xvda,"
	    "target=/x' ]\n", "invalid value for 'disk' in xl_config line 3",
	    "entry 1");
	teardown();
	setup();
	expect_invalid("name = 'd'\ndisk = [ 'vdev=xvda' ]\n", "'disk'",
	    "no target");
	teardown();
	setup();
	expect_invalid("name = 'd'\ndisk = '/img,xvda,w'\n", "'disk'",
	    "list");
	teardown();
	setup();
	expect_invalid("name = 'd'\ndisk = [ '/img,raw,xvda,w', ['x'] ]\n",
	    "'disk'", "entry 2 is not a string");
	teardown();
	setup();
	/* libxlutil quotes half of the \xd1\x9b: it must not reach the
	 * message, which goes to clients in JSON. */
	expect_invalid("name = 'd'\ndisk = [ 'vdev=xvda,targetx=\xd1\x9b' ]\n",
	    "near `targetx=?'", "in `vdev=xvda,targetx=\xd1\x9b'");
}

Test(xl_config, vifs)
{
	expect_ok("name = 'n'\n"
	    "vif = [ 'mac=00:16:3e:0a:0B:0c, bridge=xenbr1, ip=10.0.0.2, "
	    "script=vif-route, backend=drv, vifname=web0, model=e1000, "
	    "type=ioemu, rate=10Mb/s@20ms, gatewaydev=eth0, mtu=9000',\n"
	    "        '', 'bridge=br2' ]\n");
	cr_assert_eq(cfg.num_nics, 3);
	cr_assert_eq(cfg.nics[0].mac[0], 0x00);
	cr_assert_eq(cfg.nics[0].mac[1], 0x16);
	cr_assert_eq(cfg.nics[0].mac[2], 0x3e);
	cr_assert_eq(cfg.nics[0].mac[3], 0x0a);
	cr_assert_eq(cfg.nics[0].mac[4], 0x0b);
	cr_assert_eq(cfg.nics[0].mac[5], 0x0c);
	cr_assert_str_eq(cfg.nics[0].bridge, "xenbr1");
	cr_assert_str_eq(cfg.nics[0].ip, "10.0.0.2");
	cr_assert_str_eq(cfg.nics[0].script, "vif-route");
	cr_assert_str_eq(cfg.nics[0].backend_domname, "drv");
	cr_assert_str_eq(cfg.nics[0].ifname, "web0");
	cr_assert_str_eq(cfg.nics[0].model, "e1000");
	cr_assert_eq(cfg.nics[0].nictype, LIBXL_NIC_TYPE_VIF_IOEMU);
	/* 10 Mbit/s = 1250000 bytes/s, over 20 ms */
	cr_assert_eq(cfg.nics[0].rate_interval_usecs, 20000);
	cr_assert_eq(cfg.nics[0].rate_bytes_per_interval, 25000);
	cr_assert_str_eq(cfg.nics[0].gatewaydev, "eth0");
	cr_assert_eq(cfg.nics[0].mtu, 9000);
	cr_assert_eq(cfg.nics[0].devid, 0);
	cr_assert_eq(cfg.nics[1].devid, 1);
	cr_assert_null(cfg.nics[1].bridge);
	cr_assert_eq(cfg.nics[2].devid, 2);
	cr_assert_str_eq(cfg.nics[2].bridge, "br2");
	teardown();
	setup();
	expect_ok("name = 'n'\nvif = [ 'type=vif' ]\n");
	cr_assert_eq(cfg.nics[0].nictype, LIBXL_NIC_TYPE_VIF);
}

Test(xl_config, bad_vifs)
{
	expect_invalid("name = 'n'\nvif = [ 'mac=00:16:3e:0a:0b' ]\n",
	    "invalid value for 'vif' in xl_config line 2", "MAC");
	teardown();
	setup();
	expect_invalid("name = 'n'\nvif = [ 'mac=00:16:3e:0a:0b:0c:0d' ]\n",
	    "'vif'", "MAC");
	teardown();
	setup();
	expect_invalid("name = 'n'\nvif = [ 'mac=0g:16:3e:0a:0b:0c' ]\n",
	    "'vif'", "MAC");
	teardown();
	setup();
	expect_invalid("name = 'n'\nvif = [ 'bridge=b', 'accel=x' ]\n",
	    "'vif'", "entry 2: unsupported option 'accel'");
	teardown();
	setup();
	expect_invalid("name = 'n'\nvif = [ 'bridge' ]\n", "'vif'",
	    "no value");
	teardown();
	setup();
	expect_invalid("name = 'n'\nvif = [ 'rate=fast' ]\n", "'vif'",
	    "invalid rate");
	teardown();
	setup();
	expect_invalid("name = 'n'\nvif = [ 'type=tap' ]\n", "'vif'", "tap");
	teardown();
	setup();
	expect_invalid("name = 'n'\nvif = [ 'mtu=10' ]\n", "'vif'", "mtu");
	teardown();
	setup();
	expect_invalid("name = 'n'\nvif = 'bridge=b'\n", "'vif'", "list");
}

Test(xl_config, single_specs)
{
	libxl_device_disk disk;
	libxl_device_nic nic;
	struct err *e;

	libxl_device_disk_init(&disk);
	e = xl_config_parse_disk("format=qcow2, vdev=xvdc, target=/img/c", &disk);
	cr_assert_null(e, "%s", e ? e->desc : "");
	cr_assert_str_eq(disk.vdev, "xvdc");
	cr_assert_str_eq(disk.pdev_path, "/img/c");
	cr_assert_eq(disk.format, LIBXL_DISK_FORMAT_QCOW2);
	libxl_device_disk_dispose(&disk);

	libxl_device_disk_init(&disk);
	e = xl_config_parse_disk("format=qcow2", &disk);
	cr_assert_not_null(e);
	cr_assert_eq(e->class, ERR_INVALID_ARGUMENT);
	cr_assert_not_null(strstr(e->desc, "invalid disk spec: "), "%s",
	    e->desc);
	cr_assert_not_null(strstr(e->desc, "no vdev"), "%s", e->desc);
	err_free(e);
	libxl_device_disk_dispose(&disk);

	libxl_device_nic_init(&nic);
	e = xl_config_parse_nic("bridge=br0, mac=00:16:3e:01:02:03, rate=1MB/s",
	    &nic);
	cr_assert_null(e, "%s", e ? e->desc : "");
	cr_assert_str_eq(nic.bridge, "br0");
	cr_assert_eq(nic.mac[5], 3);
	cr_assert_eq(nic.devid, -1, "devid left to the caller");
	cr_assert_eq(nic.rate_bytes_per_interval, 50000);
	libxl_device_nic_dispose(&nic);

	libxl_device_nic_init(&nic);
	e = xl_config_parse_nic("", &nic);
	cr_assert_null(e, "an empty vif spec takes every default");
	libxl_device_nic_dispose(&nic);

	libxl_device_nic_init(&nic);
	e = xl_config_parse_nic("bridge=br0,accel=x", &nic);
	cr_assert_not_null(e);
	cr_assert_str_eq(e->desc, "invalid vif spec: unsupported option "
	    "'accel'");
	err_free(e);
	libxl_device_nic_dispose(&nic);

	libxl_device_nic_init(&nic);
	e = xl_config_parse_nic("bridge=br0\nip=1", &nic);
	cr_assert_not_null(e);
	cr_assert_str_eq(e->desc, "invalid vif spec: it contains a newline");
	err_free(e);
	e = xl_config_parse_nic("bridge=\xff", &nic);
	cr_assert_not_null(e);
	cr_assert_str_eq(e->desc, "invalid vif spec: it is not valid UTF-8");
	err_free(e);
	libxl_device_nic_dispose(&nic);
}

Test(xl_config, actions)
{
	expect_ok("name = 'a'\non_crash = 'soft-reset'\non_reboot = 'destroy'\n");
	cr_assert_eq(cfg.on_crash, LIBXL_ACTION_ON_SHUTDOWN_SOFT_RESET);
	cr_assert_eq(cfg.on_reboot, LIBXL_ACTION_ON_SHUTDOWN_DESTROY);
	teardown();
	setup();
	expect_invalid("name = 'a'\non_crash = 'restart_rename'\n",
	    "invalid value for 'on_crash' in xl_config line 2",
	    "restart_rename");
}

/* ------------------------------------------------------------------------
 * The syntax check and its record of keys */

Test(xl_config, unsupported_key_named_with_line)
{
	expect_invalid("name = 'x'\n\n# pci = ['01:00.0']\nmemory = 5\n"
	    "\n\nfoo = 1\n", "unsupported key 'foo' in xl_config line 7", NULL);
}

Test(xl_config, keys_are_found_past_strings_and_lists)
{
	/* '#', ';', '=' and words inside strings; a list across lines;
	 * ';' between statements; a comment without a final newline. */
	expect_ok("name = 'a' # comment ; pci = 1\n"
	    "ramdisk = 'a#b'\n"
	    "extra = \"x; pci = 'y' # z\" ; memory = 64;vcpus=1\n"
	    "disk = [\n"
	    "  'vdev=xvda,target=/x',  # first\n"
	    "\n"
	    "  \"vdev=xvdb,target=/y=z\",\n"
	    "]\n"
	    "kernel = 'a\\'b'\n"
	    "# trailing comment");
	cr_assert_str_eq(cfg.b_info.ramdisk, "a#b");
	cr_assert_str_eq(cfg.b_info.cmdline, "x; pci = 'y' # z");
	cr_assert_eq(cfg.b_info.target_memkb, 64 * 1024);
	cr_assert_eq(cfg.num_disks, 2);
	cr_assert_str_eq(cfg.b_info.kernel, "a'b");
	teardown();
	setup();
	expect_invalid("name = 'x'; memory = 64; bogus = ['0:0.0']\n",
	    "unsupported key 'bogus' in xl_config line 1", NULL);
	teardown();
	setup();
	expect_invalid("name = 'x'\ndisk = [ 'a',\n 'b',\n ]\nusbx = 1\n",
	    "unsupported key 'usbx' in xl_config line 5", NULL);
	teardown();
	setup();
	expect_invalid("name = 'x'\nvncviewer = 1\n",
	    "unsupported key 'vncviewer' in xl_config line 2", "no viewer");
}

Test(xl_config, syntax_errors)
{
	static const struct {
		const char *text;
		const char *error;
	} cases[] = {
		{ "name = 'x'\nmemory = = 3\n",
		  "xl_config line 2: syntax error near '=': expected a string, "
		  "a number or '['" },
		{ "name = 'x\n",
		  "xl_config line 1: syntax error near ''x': unterminated "
		  "string" },
		{ "Name = 'x'\n",
		  "xl_config line 1: syntax error near 'N': unexpected "
		  "character" },
		{ "name = x\n",
		  "xl_config line 1: syntax error near 'x': expected a string" },
		{ "name = 'x'\ndisk = [ 'a'\n",
		  "xl_config line 3: syntax error: expected ',' or ']'" },
		{ "name = 'x'\ndisk = [ 'a' 'b' ]\n",
		  "xl_config line 2: syntax error near ''b'': expected ',' or "
		  "']'" },
		{ "name = 'x' memory = 5\n",
		  "xl_config line 1: syntax error near 'memory': expected a "
		  "newline or ';'" },
		{ "name\n", "xl_config line 1: syntax error: expected '=' or "
		  "'+='" },
		{ "= 5\n", "xl_config line 1: syntax error near '=': expected "
		  "a key" },
		{ "name = 'x'\r\n", "xl_config line 1: syntax error: "
		  "unexpected carriage return" },
		{ "name = 'x'\nextra = 'a\\qb'\n",
		  "xl_config line 2: syntax error near ''a\\': unsupported "
		  "escape" },
		{ "name = 'x'\nextra = '\\x41'\n", "unsupported escape" },
		{ "name = 'x'\nextra = '\\101'\n", "unsupported escape" },
		{ "name = 'x'\ncpus = [[[[[[[[[[[[[[[[['1']]]]]]]]]]]]]]]]]\n",
		  "lists nested too deep" },
		{ "name = 'x'\nextra = 'a'\nextra += ['b']\n",
		  "xl_config line 3: '+=' cannot add a list to a string" },
		{ "name = 'x'\ndisk = []\ndisk += 'b'\n",
		  "xl_config line 3: '+=' cannot add a string to a list" },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		teardown();
		setup();
		expect_invalid(cases[i].text, cases[i].error, NULL);
	}
}

Test(xl_config, syntax_accepted)
{
	/* Empty lists, trailing commas, newlines inside lists, nesting,
	 * escapes, numbers as strings, "+=" on lists. */
	expect_ok("name = 'x'\n"
	    "\n;;\n"
	    "extra = 'tab\\t quote\\' dq\\\" bs\\\\'\n"
	    "cpus = [\n\n]\n"
	    "cpus = [ '0' , \n '1' , \n ]\n"
	    "disk = [ 'vdev=xvda,target=/a' ]\n"
	    "disk += [ 'vdev=xvdb,target=/b' ]\n"
	    "kernel = 12\n"
	    "ramdisk = \"\"\n"
	    "memory = 0x40 # hex\n");
	cr_assert_str_eq(cfg.b_info.cmdline, "tab\t quote' dq\" bs\\");
	cr_assert_eq(cfg.num_disks, 2);
	cr_assert_str_eq(cfg.disks[1].vdev, "xvdb");
	cr_assert_str_eq(cfg.b_info.kernel, "12");
	cr_assert_str_eq(cfg.b_info.ramdisk, "");
	cr_assert_eq(cfg.b_info.target_memkb, 64 * 1024);
	teardown();
	setup();
	expect_invalid("name = 'x'\nvif = [ ['a'] ]\n", "'vif'",
	    "entry 1 is not a string");
}

Test(xl_config, nul_bytes_and_size)
{
	static const char text[] = "name = 'x'\nextra = 'a\0b'\n";
	struct err *e;
	char *big;

	e = xl_config_parse(fake_xen_ctx(), text, sizeof text - 1, &cfg);
	cr_assert_not_null(e);
	cr_assert_eq(e->class, ERR_INVALID_ARGUMENT);
	cr_assert_str_eq(e->desc, "xl_config line 2 contains a NUL byte");
	err_free(e);

	big = malloc(XL_CONFIG_MAX_LEN + 2);
	memset(big, '\n', XL_CONFIG_MAX_LEN + 1);
	big[XL_CONFIG_MAX_LEN + 1] = '\0';
	expect_invalid(big, "too long", NULL);
	free(big);
}

Test(xl_config, utf8)
{
	expect_ok("name = 'u'\n"
	    "extra = 'h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x90\xa7'\n");
	cr_assert_str_eq(cfg.b_info.cmdline,
	    "h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x90\xa7");
	teardown();
	setup();
	expect_invalid("name = 'u'\n\nserial = 'p\xf9ty'\n",
	    "xl_config line 3 is not valid UTF-8", NULL);
	teardown();
	setup();
	expect_invalid("name = 'u'\nextra = '\xc0\xaf'\n", "not valid UTF-8",
	    NULL);
	teardown();
	setup();
	expect_invalid("name = 'u'\nextra = '\xed\xa0\x80'\n",
	    "not valid UTF-8", NULL);
	teardown();
	setup();
	expect_invalid("name = 'u'\nextra = '\xe2\x82'", "not valid UTF-8",
	    NULL);
}

Test(xl_config, long_values_are_shortened_in_errors)
{
	char text[2048] = "name = 'x'\ntype = '";
	struct err *e;

	for (int i = 0; i < 300; i++)
		strcat(text, "\xc3\xa9");		/* é */
	strcat(text, "'\n");
	e = parse(text);
	cr_assert_not_null(e);
	cr_assert_lt(strlen(e->desc), 300, "%s", e->desc);
	cr_assert_not_null(strstr(e->desc, "\xc3\xa9..."), "%s", e->desc);
	err_free(e);
}

Test(xl_config, statement_limit)
{
	char *text = malloc(1100 * 16 + 64), *end = text;

	end += sprintf(end, "name = 'x'\n");
	for (int i = 1; i < 1024; i++)
		end += sprintf(end, "memory = %d\n", i);
	expect_ok(text);
	cr_assert_eq(cfg.b_info.target_memkb, 1023 * 1024, "the last counts");
	teardown();
	setup();
	sprintf(end, "vcpus = 1\n");
	expect_invalid(text, "more than 1024 assignments", NULL);
	free(text);
}

Test(xl_config, long_unsupported_key)
{
	char text[300] = "name = 'x'\n";

	memset(text + strlen(text), 'k', 200);
	strcat(text, " = 1\n");
	expect_invalid(text, "unsupported key 'kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
	    "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk...' in xl_config line 2", NULL);
}

Test(xl_config, empty_text)
{
	expect_invalid("", "has no 'name'", NULL);
}

/* ------------------------------------------------------------------------
 * JSON */

static json_object *json_of(const char *text)
{
	struct err *e = NULL;
	json_object *obj = json_line_parse(text, strlen(text), &e);

	cr_assert_not_null(obj, "bad test JSON: %s", e ? e->desc : "");
	return obj;
}

Test(domain_config, json_round_trip)
{
	libxl_domain_config again;
	json_object *obj;
	char *line, *line2;
	struct err *e;

	expect_ok("name = 'rt'\nmemory = 256\nvcpus = 2\ncpus = '1-2'\n"
	    "disk = ['vdev=xvda,target=/x']\nvif = ['mac=00:16:3e:00:00:01']\n"
	    "extra = 'quote\" and \\\\ backslash'\n");
	line = domain_config_to_json_line(fake_xen_ctx(), &cfg);
	cr_assert_not_null(line);
	cr_assert_null(strchr(line, '\n'), "one line: %s", line);
	cr_assert_not_null(strstr(line, "\"name\":\"rt\""), "%s", line);

	obj = json_of(line);
	libxl_domain_config_init(&again);
	e = domain_config_from_json_object(fake_xen_ctx(), obj, &again);
	cr_assert_null(e, "%s", e ? e->desc : "");
	line2 = domain_config_to_json_line(fake_xen_ctx(), &again);
	cr_assert_str_eq(line, line2);
	cr_assert_str_eq(again.b_info.cmdline, "quote\" and \\ backslash");
	json_object_put(obj);
	free(line);
	free(line2);
	libxl_domain_config_dispose(&again);
}

Test(domain_config, json_keeps_64_bit_values)
{
	char *line;

	expect_ok("name = 'big'\nmemory = 4294967296\n");
	line = domain_config_to_json_line(fake_xen_ctx(), &cfg);
	cr_assert_not_null(strstr(line, "\"target_memkb\":4398046511104"),
	    "%s", line);
	free(line);
}

static void expect_json_invalid(const char *json, const char *fragment)
{
	json_object *obj = json_of(json);
	struct err *e = domain_config_from_json_object(fake_xen_ctx(), obj,
	    &cfg);

	cr_assert_not_null(e, "accepted %s", json);
	cr_assert_eq(e->class, ERR_INVALID_ARGUMENT);
	cr_assert_not_null(strstr(e->desc, fragment), "'%s' not in '%s'",
	    fragment, e->desc);
	err_free(e);
	json_object_put(obj);
}

Test(domain_config, json_rejects)
{
	json_object *array = json_tokener_parse("[1]");
	struct err *e = domain_config_from_json_object(fake_xen_ctx(), array,
	    &cfg);

	cr_assert_not_null(e);
	cr_assert_eq(e->class, ERR_INVALID_ARGUMENT);
	cr_assert_str_eq(e->desc, "domain config must be a JSON object");
	err_free(e);
	json_object_put(array);
	teardown();
	setup();
	expect_json_invalid("{\"b_info\":{\"target_memkb\":-1}}",
	    "not a valid libxl domain config");
	teardown();
	setup();
	expect_json_invalid("{}", "name missing");
	teardown();
	setup();
	expect_json_invalid("{\"c_info\":{\"name\":\"12\",\"type\":\"pv\"},"
	    "\"b_info\":{\"type.pv\":{}}}", "invalid domain name");
	teardown();
	setup();
	expect_json_invalid("{\"c_info\":{\"name\":\"a\"},"
	    "\"b_info\":{\"type.pv\":{}}}", "domain type");
	teardown();
	setup();
	expect_json_invalid("{\"c_info\":{\"name\":\"a\",\"type\":\"hvm\"},"
	    "\"b_info\":{\"type.pv\":{}}}", "does not match");
	teardown();
	setup();
	expect_json_invalid("{\"c_info\":{\"name\":\"a\",\"type\":\"pv\"},"
	    "\"b_info\":{\"type.pv\":{},\"target_memkb\":2048,"
	    "\"max_memkb\":1024}}", "below memory");
	teardown();
	setup();
	expect_json_invalid("{\"c_info\":{\"name\":\"a\",\"type\":\"pv\"},"
	    "\"b_info\":{\"type.pv\":{},\"target_memkb\":0}}", "memory");
	teardown();
	setup();
	expect_json_invalid("{\"c_info\":{\"name\":\"a\",\"type\":\"pv\"},"
	    "\"b_info\":{\"type.pv\":{},\"max_vcpus\":1,"
	    "\"avail_vcpus\":[0,1]}}", "maximum is 1");
}

Test(domain_config, json_accepts_minimal)
{
	json_object *obj = json_of("{\"c_info\":{\"name\":\"a\",\"type\":\"pvh\"},"
	    "\"b_info\":{\"type.pvh\":{},\"target_memkb\":65536}}");
	struct err *e = domain_config_from_json_object(fake_xen_ctx(), obj,
	    &cfg);

	cr_assert_null(e, "%s", e ? e->desc : "");
	cr_assert_eq(cfg.c_info.type, LIBXL_DOMAIN_TYPE_PVH);
	cr_assert_eq(cfg.b_info.target_memkb, 65536);
	json_object_put(obj);
}

Test(domain_config, name_valid)
{
	cr_assert(domain_config_name_valid("a"));
	cr_assert(domain_config_name_valid("1.2"));
	cr_assert(!domain_config_name_valid("12"));
	cr_assert(!domain_config_name_valid("."));
	cr_assert(!domain_config_name_valid("a/b"));
	cr_assert(!domain_config_name_valid("é"));
}

