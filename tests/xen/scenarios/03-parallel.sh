#!/bin/bash
# 03: the crash of the libvirt era.  Two guests saved at the same moment
# through the daemon, then restored at the same moment, then two guests
# created at the same moment: all succeed, the daemon stays alive, and
# domain-info queries sent every 50 ms on one connection during the whole
# time are all answered.  Latencies (count, p50, p99, max) go to the results.
. "$(dirname "$0")/lib.sh"
need_daemon
A=s03a
B=s03b
C=s03c
D=s03d
for g in $A $B $C $D; do guest_cfg $g; done

step "start xenlightd"
daemon_start
pass

step "create two guests"
timed create-$A xlctl create "$TMPD/$A.cfg"
timed create-$B xlctl create "$TMPD/$B.cfg"
wait_up $A
wait_up $B
pass

step "start the domain-info probe (every 50 ms)"
STOP=$TMPD/probe.stop
rm -f "$STOP"
xlt-probe "$SOCK" 50 "$STOP" "$XLT_RES/latencies.txt" $A $B \
	> "$XLT_RES/probe.out" 2>&1 &
PROBE=$!
BG_PIDS="$BG_PIDS $PROBE"
sleep 2
kill -0 $PROBE 2>/dev/null || fail "the probe exited: $(brief "$(cat "$XLT_RES/probe.out")")"
pass

step "two saves at the same moment"
ups_a=$(up_count $A); tick_a=$(last_tick $A)
ups_b=$(up_count $B); tick_b=$(last_tick $B)
s=$(now)
bg_run save_a xlctl save $A "$TMPD/$A.save"
bg_run save_b xlctl save $B "$TMPD/$B.save"
bg_wait save_a; ra=$RC; oa=$OUT
bg_wait save_b; rb=$RC; ob=$OUT
timing save-both "$(dt "$s" "$(now)")"
[ $ra = 0 ] && [ $rb = 0 ] ||
	fail "save $A: exit $ra ($(brief "$oa" 2)); save $B: exit $rb ($(brief "$ob" 2))"
daemon_alive || fail "xenlightd died: $(brief "$(tail -5 "$DAEMON_LOG")" 5)"
assert_gone $A 10
assert_gone $B 10
[ -s "$TMPD/$A.save" ] && [ -s "$TMPD/$B.save" ] || fail "a save file is missing"
pass

step "two restores at the same moment"
s=$(now)
bg_run restore_a xlctl restore "$TMPD/$A.save"
bg_run restore_b xlctl restore "$TMPD/$B.save"
bg_wait restore_a; ra=$RC; oa=$OUT
bg_wait restore_b; rb=$RC; ob=$OUT
timing restore-both "$(dt "$s" "$(now)")"
[ $ra = 0 ] && [ $rb = 0 ] ||
	fail "restore $A: exit $ra ($(brief "$oa" 2)); restore $B: exit $rb ($(brief "$ob" 2))"
daemon_alive || fail "xenlightd died: $(brief "$(tail -5 "$DAEMON_LOG")" 5)"
assert_running $A
assert_running $B
assert_resumed $A "$ups_a" "$tick_a"
assert_resumed $B "$ups_b" "$tick_b"
pass

step "two creates at the same moment"
s=$(now)
bg_run create_c xlctl create "$TMPD/$C.cfg"
bg_run create_d xlctl create "$TMPD/$D.cfg"
bg_wait create_c; rc_=$RC; oc=$OUT
bg_wait create_d; rd=$RC; od=$OUT
timing create-both "$(dt "$s" "$(now)")"
[ $rc_ = 0 ] && [ $rd = 0 ] ||
	fail "create $C: exit $rc_ ($(brief "$oc" 2)); create $D: exit $rd ($(brief "$od" 2))"
wait_up $C
wait_up $D
pass

step "the daemon is alive and knows the four guests"
daemon_alive || fail "xenlightd died: $(brief "$(tail -5 "$DAEMON_LOG")" 5)"
must xlctl --json list
for g in $A $B $C $D; do
	[ "$(jqo --arg n $g "$JQ_LIST"' | [.[] | select(.name == $n)] | length')" = 1 ] ||
		fail "domain-list does not show $g"
done
pass

step "every domain-info query was answered"
touch "$STOP"
wait_until 30 eval "! kill -0 $PROBE" || fail "the probe did not stop within 30 s"
wait $PROBE
prc=$?
sum=$(tail -1 "$XLT_RES/probe.out")
metric "domain-info-latency $sum"
get() { sed -n "s/.*\\b$1=\\([0-9.]*\\).*/\\1/p" <<< "$sum"; }
[ "$prc" = 0 ] || fail "probe exit status $prc: $(brief "$(cat "$XLT_RES/probe.out")" 3)"
[ "$(get unanswered)" = 0 ] || fail "$(get unanswered) queries unanswered: $sum"
[ "${sum#count=}" != "$sum" ] && [ "$(get count)" -ge 20 ] ||
	fail "too few queries were sent ($sum)"
pass

step "destroy the guests"
for g in $A $B $C $D; do
	timed destroy-$g xlctl destroy $g
	assert_gone $g 10
done
pass
finish
