#!/bin/bash
# 01: lifecycle through the daemon.  xlctl create from an xl config (the
# guest comes up: GUEST-UP on its console), list, dominfo, pause, unpause;
# a subscriber (xlctl events --json) sees DOMAIN_SHUTDOWN (poweroff) and
# DOMAIN_STOPPED when `xlctl shutdown -w` runs; xlctl destroy of a second
# guest.
. "$(dirname "$0")/lib.sh"
need_daemon
A=s01a
B=s01b
guest_cfg $A
guest_cfg $B

step "start xenlightd"
daemon_start
pass

step "subscribe to events"
EV=$XLT_RES/events.json
events_start "$EV" --domain $A
sleep 1
kill -0 "$EVENTS_PID" 2>/dev/null ||
	fail "xlctl events exited at once: $(brief "$(cat "$EV" "$EV.stderr")")"
pass

step "xlctl create"
timed create-$A xlctl create "$TMPD/$A.cfg"
exists $A || fail "xlctl create succeeded but Xen has no domain $A"
timed create-$B xlctl create "$TMPD/$B.cfg"
exists $B || fail "xlctl create succeeded but Xen has no domain $B"
wait_up $A
wait_ticking $A
pass

step "xlctl list"
must xlctl --json list
for g in $A $B; do
	[ "$(jqo --arg n $g "$JQ_LIST"' | [.[] | select(.name == $n)] | length')" = 1 ] ||
		fail "domain-list does not show $g once: $(brief "$OUT" 3)"
done
must xlctl list
grep -q $A <<< "$OUT" || fail "xlctl list (text) does not show $A"
pass

step "xlctl dominfo"
must xlctl --json dominfo $A
[ "$(jqo .name)" = $A ] || fail "name is '$(jqo .name)', expected $A"
[ "$(jqo .domid)" = "$(domid_of $A)" ] || fail "domid is '$(jqo .domid)', xl says $(domid_of $A)"
case $(jqo .state) in running|blocked) ;; *) fail "state is '$(jqo .state)', expected running or blocked" ;; esac
pass

step "xlctl pause"
timed pause xlctl pause $A
case $(xl_state $A) in *p*) ;; *) fail "Xen does not show $A paused: '$(xl_state $A)'" ;; esac
[ "$(dom_field $A .state)" = paused ] || fail "dominfo state is '$(dom_field $A .state)', expected paused"
pass

step "xlctl unpause"
timed unpause xlctl unpause $A
case $(xl_state $A) in *p*) fail "Xen still shows $A paused: '$(xl_state $A)'" ;; esac
case $(dom_field $A .state) in running|blocked) ;;
*) fail "dominfo state is '$(dom_field $A .state)' after unpause" ;; esac
wait_ticking $A
pass

step "events DOMAIN_PAUSED and DOMAIN_RESUMED"
# not the point of this scenario: recorded, and the scenario goes on
if wait_until 10 has_event "$EV" DOMAIN_PAUSED && wait_until 10 has_event "$EV" DOMAIN_RESUMED; then
	pass
else
	soft_fail "the subscriber did not get DOMAIN_PAUSED and DOMAIN_RESUMED: $(brief "$(cat "$EV")" 4)"
fi

step "xlctl shutdown -w"
timed shutdown xlctl shutdown $A -w
assert_gone $A 10
grep -q GUEST-SHUTDOWN "$CONS/guest-$A.log" ||
	fail "the guest did not shut down by itself (no GUEST-SHUTDOWN on its console)"
pass

step "events DOMAIN_SHUTDOWN and DOMAIN_STOPPED"
wait_until 15 has_event "$EV" DOMAIN_SHUTDOWN ||
	fail "no DOMAIN_SHUTDOWN event within 15 s: $(brief "$(cat "$EV")" 4)"
wait_until 15 has_event "$EV" DOMAIN_STOPPED ||
	fail "no DOMAIN_STOPPED event within 15 s: $(brief "$(cat "$EV")" 4)"
reason=$(grep '"DOMAIN_SHUTDOWN"' "$EV" | head -1 | jq -r '.data.reason // .reason // empty' 2>/dev/null)
[ "$reason" = poweroff ] || fail "DOMAIN_SHUTDOWN reason is '$reason', expected poweroff"
# shutdown comes before stopped
sl=$(grep -n '"DOMAIN_SHUTDOWN"' "$EV" | head -1 | cut -d: -f1)
tl=$(grep -n '"DOMAIN_STOPPED"' "$EV" | head -1 | cut -d: -f1)
[ "$sl" -lt "$tl" ] || fail "DOMAIN_STOPPED came before DOMAIN_SHUTDOWN"
pass

step "xlctl destroy"
wait_up $B
timed destroy xlctl destroy $B
assert_gone $B 10
run xlctl dominfo $B
[ "$RC" = 1 ] || fail "dominfo of the destroyed $B: exit $RC, expected 1 (error reply): $(brief "$OUT" 2)"
pass
finish
