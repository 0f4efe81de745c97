#!/bin/bash
# 00: the image and Xen work, without the daemon: xl create, GUEST-UP,
# xl save, xl restore (the guest resumes, it does not boot again), destroy.
. "$(dirname "$0")/lib.sh"
G=s00a
guest_cfg $G

step "xl create"
timed xl-create xl create "$TMPD/$G.cfg"
wait_up $G
wait_ticking $G
pass

step "xl save"
ups=$(up_count $G)
tick=$(last_tick $G)
timed xl-save xl save $G "$TMPD/$G.save"
assert_gone $G
[ -s "$TMPD/$G.save" ] || fail "no save file"
pass

step "xl restore"
timed xl-restore xl restore "$TMPD/$G.save"
assert_running $G
assert_resumed $G "$ups" "$tick"
pass

step "xl destroy"
timed xl-destroy xl destroy $G
assert_gone $G
pass
finish
