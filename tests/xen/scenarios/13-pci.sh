#!/bin/bash
# 13: PCI passthrough to a PV guest through xen-pciback: a PCI device that
# QEMU emulates for dom0 (run with XEN_TEST_QEMU_EXTRA="-device
# virtio-rng-pci") is made assignable, attached to a running guest (which
# loads xen-pcifront and lists /sys/bus/pci/devices on its console),
# detached, and given back to dom0's driver.  Skips without such a device.
. "$(dirname "$0")/lib.sh"
need_daemon
A=s13a

# virtio-rng (legacy and modern ids), e1000: devices dom0 can spare
BDF=""
for d in /sys/bus/pci/devices/*; do
	case $(cat "$d/vendor"):$(cat "$d/device") in
	0x1af4:0x1005|0x1af4:0x1044|0x8086:0x100e) BDF=$(basename "$d"); break ;;
	esac
done
[ -n "$BDF" ] || skip "no spare PCI device in dom0 (run with XEN_TEST_QEMU_EXTRA='-device virtio-rng-pci')"
driver_of() { basename "$(readlink "/sys/bus/pci/devices/$BDF/driver" 2>/dev/null)" 2>/dev/null; }
OLD_DRIVER=$(driver_of)
note "device $BDF ($(cat /sys/bus/pci/devices/$BDF/vendor):$(cat /sys/bus/pci/devices/$BDF/device)), driver '${OLD_DRIVER:-none}'"

step "modprobe xen-pciback"
must modprobe xen-pciback
pass

step "start xenlightd"
daemon_start
pass

step "xlctl pci-assignable-add"
# libxl quarantines the device (xc_assign_device to DOMID_IO): Xen needs
# an IOMMU, which QEMU emulates only on q35 (-device intel-iommu)
if ! run xlctl pci-assignable-add -r "$BDF"; then
	xl dmesg | grep -qi "I/O virtualisation disabled" &&
		skip "Xen has no IOMMU (I/O virtualisation disabled): libxl cannot quarantine $BDF ($(brief "$OUT" 1)); run with XEN_TEST_QEMU_EXTRA='-machine q35 -device intel-iommu -device virtio-rng-pci'"
	fail "'xlctl pci-assignable-add -r $BDF' exited $RC: $(brief "$OUT")"
fi
[ "$(driver_of)" = pciback ] || fail "driver of $BDF is '$(driver_of)', not pciback"
must xlctl pci-assignable-list
grep -qx "$BDF" <<< "$OUT" || fail "pci-assignable-list lacks $BDF: $(brief "$OUT")"
must xl pci-assignable-list
grep -q "$BDF" <<< "$OUT" || fail "xl pci-assignable-list lacks $BDF: $(brief "$OUT")"
pass

step "a guest with xen-pcifront"
KO=$(find "/lib/modules/$(uname -r)" -name 'xen-pcifront.ko*' | head -1)
[ -n "$KO" ] || fail "no xen-pcifront module for $(uname -r) in dom0"
case $KO in *.ko) ;; *) fail "$KO is compressed: the guest's busybox insmod needs a plain .ko" ;; esac
mkdir -p "$TMPD/pcifront/lib"
cp "$KO" "$TMPD/pcifront/lib/xen-pcifront.ko"
# the kernel unpacks concatenated (compressed) cpio archives in order
( cd "$TMPD/pcifront" && find lib | busybox cpio -o -H newc 2>/dev/null | gzip -1 ) |
	cat /xlt/work/guest-initrd.cpio.gz - > "$TMPD/$A-initrd.gz" ||
	fail "cannot build the guest initramfs with xen-pcifront"
guest_cfg $A
sed -i "s|^ramdisk = .*|ramdisk = \"$TMPD/$A-initrd.gz\"|" "$TMPD/$A.cfg"
# hot-plug needs the domain's IOMMU context from its creation: xl's
# passthrough="enabled", through xl's own parser (libxl JSON)
echo 'passthrough = "enabled"' >> "$TMPD/$A.cfg"
xl -N create "$TMPD/$A.cfg" > "$TMPD/$A.json" 2> "$XLT_RES/xl-dry-run.txt" ||
	fail "xl -N create: $(brief "$(cat "$XLT_RES/xl-dry-run.txt")")"
timed create xlctl create "$TMPD/$A.json"
wait_up $A
grep -q GUEST-PCIFRONT "$CONS/guest-$A.log" ||
	fail "the guest did not load xen-pcifront: $(brief "$(grep -v GUEST-TICK "$CONS/guest-$A.log")")"
pass

guest_sees_pci() { grep GUEST-PCI "$CONS/guest-$A.log" | tail -1 | grep -q '\[[^] ]'; }
guest_sees_none() { grep GUEST-PCI "$CONS/guest-$A.log" | tail -1 | grep -q '\[ *\]'; }

step "xlctl pci-attach"
timed pci-attach xlctl pci-attach $A "$BDF"
must xlctl pci-list $A
grep -q "$BDF" <<< "$OUT" || fail "xlctl pci-list $A lacks $BDF: $(brief "$OUT")"
must xl pci-list $A
grep -q "$BDF" <<< "$OUT" || fail "xl pci-list $A lacks $BDF: $(brief "$OUT")"
must xlctl pci-assignable-list
grep -qx "$BDF" <<< "$OUT" && fail "pci-assignable-list still offers $BDF"
wait_until 90 guest_sees_pci ||
	fail "the guest lists no PCI device: $(brief "$(grep GUEST-PCI "$CONS/guest-$A.log" | tail -2)") (dmesg: $(brief "$(dmesg | grep -i pci | tail -4)"))"
note "guest: $(grep GUEST-PCI "$CONS/guest-$A.log" | tail -1)"
pass

step "xlctl pci-detach"
timed pci-detach xlctl pci-detach $A "$BDF"
must xlctl --json pci-list $A
[ "$(jqo length)" = 0 ] || fail "xlctl pci-list $A after detach: $(brief "$OUT")"
wait_until 60 guest_sees_none ||
	note "the guest still lists: $(grep GUEST-PCI "$CONS/guest-$A.log" | tail -1)"
must xlctl pci-assignable-list
grep -qx "$BDF" <<< "$OUT" || fail "pci-assignable-list lacks $BDF after detach"
assert_running $A
pass

step "xlctl destroy; pci-assignable-remove -r"
timed destroy xlctl destroy $A
assert_gone $A 30
timed assignable-remove xlctl pci-assignable-remove -r "$BDF"
must xlctl pci-assignable-list
grep -qx "$BDF" <<< "$OUT" && fail "pci-assignable-list still offers $BDF"
[ "$(driver_of)" = "$OLD_DRIVER" ] ||
	fail "driver of $BDF is '$(driver_of)', not '$OLD_DRIVER' again"
pass
finish
