#!/bin/bash
# 07: managed save.  A defined (persistent) domain is started, managed-saved
# (dominfo then shows state shutoff and managed_save true), and `xlctl start`
# restores it from the managed save: the guest resumes where it was, and
# managed_save is false again.
. "$(dirname "$0")/lib.sh"
need_daemon
A=s07a
guest_cfg $A

step "start xenlightd"
daemon_start
pass

step "xlctl define"
must xlctl define "$TMPD/$A.cfg"
must xlctl --json dominfo $A
[ "$(jqo .state)" = shutoff ] || fail "a defined domain has state '$(jqo .state)', expected shutoff"
[ "$(jqo .managed_save)" = false ] || fail "managed_save is '$(jqo .managed_save)' before any save"
exists $A && fail "define started the domain"
pass

step "xlctl start"
timed start xlctl start $A
wait_up $A
wait_ticking $A
pass

step "xlctl managedsave"
ups=$(up_count $A)
tick=$(last_tick $A)
timed managedsave xlctl managedsave $A
assert_gone $A 10
must xlctl --json dominfo $A
[ "$(jqo .state)" = shutoff ] || fail "state is '$(jqo .state)' after managedsave, expected shutoff"
[ "$(jqo .managed_save)" = true ] || fail "managed_save is '$(jqo .managed_save)', expected true"
note "state directory: $(find "$STATEDIR" -type f -size +1M -printf '%p %s bytes; ' 2>/dev/null)"
pass

step "xlctl start restores the managed save"
timed start-restore xlctl start $A
assert_running $A
assert_resumed $A "$ups" "$tick"
must xlctl --json dominfo $A
case $(jqo .state) in running|blocked) ;; *) fail "state is '$(jqo .state)' after start" ;; esac
[ "$(jqo .managed_save)" = false ] || fail "managed_save is still '$(jqo .managed_save)' after the restore"
pass

step "xlctl destroy, undefine"
timed destroy xlctl destroy $A
assert_gone $A 10
run xlctl raw "{\"execute\":\"domain-undefine\",\"arguments\":{\"domain\":\"$A\"}}" ||
	note "domain-undefine failed: $(brief "$OUT" 2)"
pass
finish
