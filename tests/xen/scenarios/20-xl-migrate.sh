#!/bin/bash
# hosts: 2
# timeout: 2400
# 20: the baseline, without the daemon, on two Xen hosts: `xl migrate` of a
# running guest from host A to host B and back over the hosts' link
# (transport xlt-tcp, where ssh would be), each time on exactly one host
# afterwards, running, its tick counter going on (no reboot); then a
# migration whose link is cut mid-stream (the transport killed, the stream
# slowed so that the cut lands mid-stream) leaves the guest running on A and
# nothing on B.  METRIC xl-migrate: the times (scenario 21 compares).
. "$(dirname "$0")/lib.sh"
need_peer
export XLT_PEER_TIMEOUT=1800     # a migration from B, under TCG on a busy machine
MIGRATE_LIMIT=${XLT_MIGRATE_LIMIT:-900}   # one migration, s
G=s20a
PORT=8002
ROUNDS=${XLT_ROUNDS:-1}
guest_cfg $G
migration_guest_type $G

step "xl migrate-receive listening on both hosts"
on_b_bg xl-receive "xlt-tcp serve $PORT xl migrate-receive -e"
xlt-tcp serve $PORT xl migrate-receive -e > "$XLT_RES/xl-receive.log" 2>&1 < /dev/null &
BG_PIDS="$BG_PIDS $!"
wait_until 20 on_b "ss -Hltn 'sport = :$PORT' | grep -q ." || fail "no listener on host B"
wait_until 20 eval "ss -Hltn 'sport = :$PORT' | grep -q ." || fail "no listener on host A"
pass

step "xl create on A"
timed xl-create xl create "$TMPD/$G.cfg"
wait_up $G 900
wait_ticking $G
pass

# xl_migrate FROM TO: `xl migrate` on host FROM to the other host; the
# guest must then be on TO only, running and resumed.  Seconds in $TM.
xl_migrate() {
	local from=$1 to=$2 ups tick s
	step "xl migrate $from -> $to"
	ups=$(up_count_ab $G)
	tick=$(max_tick_ab $G)
	s=$(now)
	if [ "$from" = A ]; then
		run timeout "$MIGRATE_LIMIT" xl migrate -s '' $G "exec xlt-tcp connect $XLT_PEER_ADDR $PORT"
	else
		run on_b "timeout $MIGRATE_LIMIT xl migrate -s '' $G 'exec xlt-tcp connect $XLT_NET_ADDR $PORT'"
	fi || fail "xl migrate $from -> $to exited $RC: $(brief "$OUT")"
	TM=$(dt "$s" "$(now)")
	timing "xl-migrate-$from$to" "$TM"
	assert_moved $G "$to" "$ups" "$tick"
	pass
}
ab=""; ba=""
for i in $(seq 1 "$ROUNDS"); do
	xl_migrate A B; ab="$ab $TM"
	xl_migrate B A; ba="$ba $TM"
done
metric "xl-migrate type=$MIGRATION_TYPE mem_mib=$GUEST_MEM rounds=$ROUNDS" \
	"mean_s=$(mean "$ab $ba") ab_s=[${ab# }] ba_s=[${ba# }]"
# the same boot's later scenarios compare with these (21's ratio)
echo "$ab $ba" > /run/xlt/xl-migrate-times

step "xl migrate A -> B, the link cut mid-stream"
ups=$(up_count_ab $G)
tick=$(max_tick_ab $G)
# 4 MiB/s: a 128 MiB guest streams for ~30 s, plenty of time for the cut
bg_run cut env XLT_TCP_RATE=${XLT_CUT_RATE:-4194304} xl migrate -s '' $G \
	"echo \$\$ > $TMPD/transport.pid; exec xlt-tcp connect $XLT_PEER_ADDR $PORT"
receiving() { on_b "present $G"; }
wait_until 120 receiving || fail "host B never started receiving the guest"
sleep 2
kill -KILL "$(cat "$TMPD/transport.pid")" || fail "no transport to kill"
note "transport killed after host B started receiving"
bg_wait cut && fail "xl migrate succeeded although its transport was killed"
grep -q "resuming at sender" <<< "$OUT" || soft_fail "xl migrate did not say it resumed at the sender: $(brief "$OUT")"
on_b "wait_until 60 eval '! present $G'" || fail "host B keeps a copy of the guest after the cut: $(on_b 'xl list')"
assert_moved $G A "$ups" "$tick"
pass
finish
