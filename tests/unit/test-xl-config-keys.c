/* xl config keys beyond the first ones: the whole xl.cfg of Xen 4.17
 * (issue 17), the refused keys, and inputs libxlutil would crash on. */
#include "config.h"

#include <criterion/criterion.h>
#include <string.h>

#include "tests/unit/fake-xen-handles.h"
#include "tests/unit/xl-config-test.h"

TestSuite(xl_config_keys, .init = setup, .fini = teardown);

/* ------------------------------------------------------------------------
 * The whole xl.cfg (issue 17) */

Test(xl_config_keys, cpus_nodes_and_soft_affinity)
{
	expect_ok("name = 'c'\nvcpus = 2\ncpus = 'nodes:1,^8'\n"
	    "cpus_soft = 'node:0'\n");
	cr_assert(cpu_set(&cfg.b_info.vcpu_hard_affinity[1],
	    "0000000001111111"));
	cr_assert_eq(cfg.b_info.num_vcpu_soft_affinity, 2);
	cr_assert(cpu_set(&cfg.b_info.vcpu_soft_affinity[0],
	    "1111111100000000"));
	cr_assert(!libxl_defbool_val(cfg.b_info.numa_placement));
}

Test(xl_config_keys, hvm_keys)
{
	expect_ok("name = 'h'\ntype = 'hvm'\npae = 1\nacpi_s3 = 0\n"
	    "viridian = ['defaults', '!apic_assist']\nvga = 'qxl'\n"
	    "videoram = 16\nusb = 1\nusbdevice = 'tablet'\nsoundhw = 'hda'\n"
	    "xen_platform_pci = 0\ntsc_mode = 'native'\ntimer_mode = 1\n"
	    "hdtype = 'ahci'\nmmio_hole = 1024\nmca_caps = ['lmce']\n"
	    "firmware = 'uefi'\nspice = 1\nspiceport = 6000\n"
	    "device_model_args_hvm = ['-a', 'b']\nvnc = 1\nvncdisplay = 3\n"
	    "keymap = 'de'\n");
	cr_assert(libxl_defbool_val(cfg.b_info.u.hvm.pae));
	cr_assert(!libxl_defbool_val(cfg.b_info.u.hvm.acpi_s3));
	cr_assert(libxl_defbool_val(cfg.b_info.u.hvm.viridian));
	cr_assert(libxl_bitmap_test(&cfg.b_info.u.hvm.viridian_disable,
	    LIBXL_VIRIDIAN_ENLIGHTENMENT_APIC_ASSIST));
	cr_assert_eq(cfg.b_info.u.hvm.vga.kind, LIBXL_VGA_INTERFACE_TYPE_QXL);
	cr_assert_eq(cfg.b_info.video_memkb, 16 * 1024);
	cr_assert_str_eq(cfg.b_info.u.hvm.usbdevice, "tablet");
	cr_assert_str_eq(cfg.b_info.u.hvm.soundhw, "hda");
	cr_assert(!libxl_defbool_val(cfg.b_info.u.hvm.xen_platform_pci));
	cr_assert_eq(cfg.b_info.tsc_mode, LIBXL_TSC_MODE_NATIVE);
	cr_assert_eq(cfg.b_info.timer_mode,
	    LIBXL_TIMER_MODE_NO_DELAY_FOR_MISSED_TICKS);
	cr_assert_eq(cfg.b_info.u.hvm.hdtype, LIBXL_HDTYPE_AHCI);
	cr_assert_eq(cfg.b_info.u.hvm.mmio_hole_memkb, 1024 * 1024);
	cr_assert_eq(cfg.b_info.u.hvm.mca_caps, 1);
	cr_assert_eq(cfg.b_info.u.hvm.bios, LIBXL_BIOS_TYPE_OVMF);
	cr_assert_eq(cfg.b_info.u.hvm.spice.port, 6000);
	cr_assert_str_eq(cfg.b_info.extra_hvm[1], "b");
	cr_assert_eq(cfg.b_info.u.hvm.vnc.display, 3);
	cr_assert_str_eq(cfg.b_info.u.hvm.keymap, "de");
	cr_assert(libxl_defbool_val(cfg.c_info.run_hotplug_scripts));
	cr_assert(libxl_defbool_val(cfg.b_info.claim_mode));
}

Test(xl_config_keys, devices_beyond_disk_and_vif)
{
	expect_ok("name = 'd'\nkernel = '/k'\npci = ['01:00.0']\n"
	    "vfb = ['vnc=1, vncdisplay=2']\n"
	    "vkb = ['backend-type=linux, width=10']\n"
	    "channel = ['name=a, connection=socket, path=/s']\n"
	    "p9 = ['tag=t, security_model=none, path=/p']\n"
	    "vtpm = ['backend=b']\nusbctrl = ['type=qusb, ports=4']\n"
	    "usbdev = ['type=hostdev, hostbus=1, hostaddr=2']\n"
	    "vdispl = ['connectors=c0:640x480;c1:800x600']\n"
	    "ioports = ['3f8-3ff']\nirqs = ['4']\niomem = ['fe000,2@f0000']\n");
	cr_assert_eq(cfg.num_pcidevs, 1);
	cr_assert_eq(cfg.pcidevs[0].bus, 1);
	cr_assert(libxl_defbool_val(cfg.b_info.u.pv.e820_host));
	cr_assert_eq(cfg.num_vfbs, 1);
	cr_assert_eq(cfg.vfbs[0].vnc.display, 2);
	cr_assert_eq(cfg.num_vkbs, 2, "one with the vfb, one listed");
	cr_assert_eq(cfg.vkbs[1].devid, 1);
	cr_assert_eq(cfg.vkbs[1].backend_type, LIBXL_VKB_BACKEND_LINUX);
	cr_assert_str_eq(cfg.channels[0].u.socket.path, "/s");
	cr_assert_str_eq(cfg.p9s[0].tag, "t");
	cr_assert_str_eq(cfg.vtpms[0].backend_domname, "b");
	cr_assert_eq(cfg.usbctrls[0].ports, 4);
	cr_assert_eq(cfg.usbdevs[0].u.hostdev.hostaddr, 2);
	cr_assert_eq(cfg.vdispls[0].num_connectors, 2);
	cr_assert_eq(cfg.vdispls[0].connectors[1].height, 600);
	cr_assert_eq(cfg.b_info.ioports[0].number, 8);
	cr_assert_eq(cfg.b_info.irqs[0], 4);
	cr_assert_eq(cfg.b_info.iomem[0].gfn, 0xf0000);
}

Test(xl_config_keys, legacy_forms)
{
	expect_ok("name = 'l'\nbuilder = 'hvm'\nstdvga = 0\ntsc_mode = 2\n"
	    "gfx_passthru = 'igd'\nserial = ['pty', 'null']\n"
	    "bootloader_args = '-q  --x'\n");
	cr_assert_eq(cfg.b_info.u.hvm.vga.kind,
	    LIBXL_VGA_INTERFACE_TYPE_CIRRUS);
	cr_assert_eq(cfg.b_info.tsc_mode, LIBXL_TSC_MODE_NATIVE);
	cr_assert(libxl_defbool_val(cfg.b_info.u.hvm.gfx_passthru));
	cr_assert_eq(cfg.b_info.u.hvm.gfx_passthru_kind,
	    LIBXL_GFX_PASSTHRU_KIND_IGD);
	cr_assert_str_eq(cfg.b_info.u.hvm.serial_list[1], "null");
	cr_assert_str_eq(cfg.b_info.bootloader_args[1], "--x");
	cr_assert_null(cfg.b_info.bootloader_args[2]);
}

Test(xl_config_keys, refused_keys_say_why)
{
	expect_invalid("name = 'r'\nvncviewer = 1\n",
	    "unsupported key 'vncviewer'", "starts no viewer");
	teardown();
	setup();
	expect_invalid("name = 'r'\ndtdev = ['/x']\n", "'dtdev'", "Arm only");
	teardown();
	setup();
	expect_invalid("name = 'r'\nvif = ['colo_compare_out=x']\n", "'vif'",
	    "COLO");
	teardown();
	setup();
	expect_invalid("name = 'r'\nvkb = ['width=1']\n", "'vkb'",
	    "backend-type is required");
	teardown();
	setup();
	expect_invalid("name = 'r'\nchannel = ['connection=socket']\n",
	    "'channel'", "needs path");
	teardown();
	setup();
	expect_invalid("name = 'r'\nvfb = ['vnc=1']\nvnc = 1\n", "'vnc'",
	    "vfb");
	teardown();
	setup();
	expect_invalid("name = 'r'\ntype = 'pvh'\npae = 1\n", "'pae'",
	    "only valid for type hvm");
}

/* libxlutil 4.17 reads an unset %n for these (found by fuzz-xl-config). */
Test(xl_config_keys, pci_specs_libxlutil_would_crash_on)
{
	expect_invalid("name = 'p'\npci = ['0000:0y=cx=x']\n", "'pci'",
	    "dev.func");
	teardown();
	setup();
	expect_invalid("name = 'p'\npci = ['1:2:3']\n", "'pci'", "dev.func");
	teardown();
	setup();
	expect_invalid("name = 'p'\npci = ['name=a,bdf=0:1']\n", "'pci'",
	    "dev.func");
	teardown();
	setup();
	expect_ok("name = 'p'\npci = ['bdf=0:1.2,seize=1']\n");
	cr_assert_eq(cfg.pcidevs[0].dev, 1);
	cr_assert_eq(cfg.pcidevs[0].func, 2);
}
