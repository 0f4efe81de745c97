#!/bin/bash
# 02: xlctl save and xlctl restore of one guest: the domain is gone after the
# save, and after the restore it runs on from where it was (its console keeps
# ticking, with no second GUEST-UP).
. "$(dirname "$0")/lib.sh"
need_daemon
A=s02a
guest_cfg $A

step "start xenlightd"
daemon_start
pass

step "xlctl create"
timed create xlctl create "$TMPD/$A.cfg"
wait_up $A
wait_ticking $A
pass

step "xlctl save"
ups=$(up_count $A)
tick=$(last_tick $A)
timed save xlctl save $A "$TMPD/$A.save"
assert_gone $A 10
[ -s "$TMPD/$A.save" ] || fail "no save file $TMPD/$A.save"
note "save file: $(stat -c %s "$TMPD/$A.save") bytes"
run xlctl dominfo $A
[ "$RC" = 1 ] || fail "dominfo of the saved (gone) $A: exit $RC, expected 1"
pass

step "xlctl restore"
timed restore xlctl restore "$TMPD/$A.save"
assert_running $A
assert_resumed $A "$ups" "$tick"
case $(dom_field $A .state) in running|blocked) ;;
*) fail "dominfo state is '$(dom_field $A .state)' after restore" ;; esac
pass

step "xlctl destroy"
timed destroy xlctl destroy $A
assert_gone $A 10
pass
finish
