#!/bin/bash
# 11: an HVM guest through the daemon, with Debian's device model
# (qemu-system-xen) and firmware (hvmloader + SeaBIOS): create, save,
# restore, destroy; the device model runs exactly while the guest does and
# nothing is left behind.  Xen offers HVM only with hardware virtualisation:
# under QEMU's TCG that takes an SVM cpu (XEN_TEST_CPU=qemu64,+svm,+npt).
# Without it the scenario records Xen's evidence and skips.
. "$(dirname "$0")/lib.sh"
need_daemon
A=s11hvm

step "Xen offers HVM"
caps=$(xl info | awk -F': *' '/^virt_caps/ { print $2 }')
note "virt_caps: $caps; $(xl dmesg | grep -iE 'svm|vmx|hap|hvm' | head -n 5 | tr '\n' '|')"
case " $caps " in
*" hvm "*|*" hvm"*) pass ;;
*) skip "Xen offers no HVM on this cpu (virt_caps: $caps); run with XEN_TEST_CPU=qemu64,+svm,+npt" ;;
esac

# The guest has no disk: SeaBIOS finds nothing to boot and waits, which is
# a running HVM guest all the same (vcpu, device model, emulated devices).
cat > "$TMPD/$A.cfg" <<EOC
name = "$A"
type = "hvm"
memory = 64
vcpus = 1
vnc = 0
serial = "pty"
boot = "c"
on_crash = "preserve"
EOC
GUESTS="$GUESTS $A"

dm_pids() { pgrep -f "qemu-system-i386.*-xen-domid $1( |$)" || true; }
any_dm() { pgrep -f qemu-system-i386 >/dev/null; }
no_dm() { ! any_dm; }
hvm_running() {
	local s
	s=$(xl_state $A)
	[ -n "$s" ] && [[ $s != *p* ]] && [[ $s != *c* ]] && [[ $s != *d* ]]
}

step "start xenlightd"
daemon_start
pass

step "xlctl create (hvm)"
timed create xlctl create "$TMPD/$A.cfg"
wait_until 60 hvm_running || fail "$A is not running: $(brief "$(xl list 2>&1)")"
id=$(domid_of $A)
[ -n "$(dm_pids "$id")" ] || fail "no device model for domain $id: $(ps -eo pid,args | grep -i qemu | head -n 3 | tr '\n' '|')"
# (issue 18) a child that serves the running guest is not lowered like
# the streaming helpers: the device model keeps the daemon's priority
dm=$(dm_pids "$id" | head -n 1)
[ "$(nice_of "$dm")" = "$(nice_of "$(daemon_pid)")" ] ||
	fail "the device model $dm runs at nice '$(nice_of "$dm")', the daemon at '$(nice_of "$(daemon_pid)")'"
# The firmware is done when SeaBIOS gives up on booting (it has no disk):
# a save while hvmloader or SeaBIOS still run in real mode could hit the
# MMIO emulation of the nested, emulated SVM (seen once: "MMIO emulation
# failed ... Triple fault" in xl dmesg, under TCG at load 6), which is the
# test machine's, not the daemon's
firmware_done() { xl dmesg | grep -q "(d$id) No bootable device"; }
# (a precaution, not an assertion: without the line, the save goes on)
wait_until 180 firmware_done ||
	echo "note: no 'No bootable device' from SeaBIOS in domain $id: $(xl dmesg | grep "(d$id)" | tail -n 3 | tr '\n' '|')" >&2
[ "$(dom_field $A .type)" = hvm ] || fail "dominfo type '$(dom_field $A .type)'"
pass

step "xlctl save: guest and device model gone"
timed save xlctl save $A "$TMPD/$A.save"
assert_gone $A 30
[ -s "$TMPD/$A.save" ] || fail "no save file"
wait_until 20 no_dm || fail "a device model is left: $(pgrep -af qemu-system-i386 | tr '\n' '|')"
pass

step "xlctl restore: running, with a device model"
timed restore xlctl restore "$TMPD/$A.save"
wait_until 60 hvm_running || fail "$A is not running after restore: $(brief "$(xl list 2>&1)")"
id=$(domid_of $A)
[ -n "$(dm_pids "$id")" ] || fail "no device model for restored domain $id"
pass

step "xlctl destroy: nothing left behind"
timed destroy xlctl destroy $A
assert_gone $A 30
wait_until 20 no_dm || fail "a device model is left: $(pgrep -af qemu-system-i386 | tr '\n' '|')"
! xenstore-exists "/local/domain/0/device-model/$id" 2>/dev/null ||
	fail "xenstore still has /local/domain/0/device-model/$id"
pass

step "stop xenlightd"
daemon_stop
pass
finish
