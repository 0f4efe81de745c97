#!/bin/bash
# 06: save files are xl's format both ways.  A save written by the daemon is
# restored by `xl restore`; a save written by `xl save` is restored by the
# daemon.  Each time the guest resumes where it was.  (xl and the daemon use
# libxl contexts of their own, which Xen 4.17 allows.)
. "$(dirname "$0")/lib.sh"
need_daemon
A=s06a
guest_cfg $A

step "start xenlightd"
daemon_start
pass

step "xlctl create"
timed create xlctl create "$TMPD/$A.cfg"
wait_up $A
wait_ticking $A
pass

step "xlctl save, xl restore"
ups=$(up_count $A)
tick=$(last_tick $A)
timed xlctl-save xlctl save $A "$TMPD/$A.1.save"
assert_gone $A 10
timed xl-restore xl restore "$TMPD/$A.1.save"
assert_running $A
assert_resumed $A "$ups" "$tick"
pass

step "the daemon sees the domain xl restored"
daemon_domid_matches() { [ "$(dom_field $A .domid)" = "$(domid_of $A)" ]; }
if wait_until 15 daemon_domid_matches; then
	pass
else
	soft_fail "xlctl dominfo $A: domid '$(dom_field $A .domid)', xl says $(domid_of $A)"
fi

step "xl save, xlctl restore"
ups=$(up_count $A)
tick=$(last_tick $A)
timed xl-save xl save $A "$TMPD/$A.2.save"
assert_gone $A 10
timed xlctl-restore xlctl restore "$TMPD/$A.2.save"
assert_running $A
assert_resumed $A "$ups" "$tick"
[ "$(dom_field $A .domid)" = "$(domid_of $A)" ] ||
	fail "xlctl dominfo $A: domid '$(dom_field $A .domid)', xl says $(domid_of $A)"
pass

step "xlctl destroy"
timed destroy xlctl destroy $A
assert_gone $A 10
pass
finish
