#!/bin/bash
# hosts: 2
# timeout: 2400
# 21: live migration through the daemons, on two Xen hosts (contract:
# PROTOCOL.md "Migration between hosts").  Both daemons run with
# --migrate-listen; each host reaches the other's daemon socket through a
# relay over the hosts' link (`xlctl migrate --dest-socket`).
#  a) `xlctl migrate` of a running guest A -> B and back: each time on
#     exactly one host afterwards, running, tick counter going on (no reboot),
#     the receiving daemon lists it running, the job's result has bytes,
#     duration and downtime (METRIC daemon-migrate).
#  b) `xlctl abort` of a detached migration mid-stream (the link slowed with
#     tc so that the stream lasts): the job ends aborted, the guest runs on
#     A, resumed, and host B has neither the domain nor a job still running.
#  (lib.sh's daemon_migrate_to: `xlctl migrate --dest-socket`, or the
#  protocol's requests through `xlctl raw` where xlctl lacks it)
#  c) `xl migrate` of the same guest there and back, in this boot:
#     METRIC migrate_ratio = daemon / xl (goal <= 1.1).
# SKIP when the daemon answers migration-prepare with CommandNotFound.
. "$(dirname "$0")/lib.sh"
need_daemon
need_peer
export XLT_PEER_TIMEOUT=1800     # a migration from B, under TCG on a busy machine
MIGRATE_LIMIT=${XLT_MIGRATE_LIMIT:-900}   # one migration, s
export XLCTL_TIMEOUT=1800
G=s21a
MPORT=8003          # the daemons' --migrate-listen
XPORT=8002          # xl migrate-receive (part c)
CPORT=7002          # each daemon's socket, relayed to the other host
ROUNDS=${XLT_ROUNDS:-1}
guest_cfg $G
migration_guest_type $G
A_SOCK=/run/xlt/a.sock   # host A's daemon, as host B reaches it
B_SOCK=/run/xlt/b.sock   # host B's daemon, as host A reaches it

xenlightd --help 2>&1 | grep -q -- --migrate-listen ||
	skip "xenlightd has no --migrate-listen: no daemon migration in this build"

step "start both daemons with --migrate-listen"
XLT_DAEMON_ARGS="${XLT_DAEMON_ARGS:-} --migrate-listen $XLT_NET_ADDR:$MPORT"
B_DAEMON_ARGS="${XLT_DAEMON_ARGS%% --migrate-listen*} --migrate-listen $XLT_PEER_ADDR:$MPORT"
daemon_start
on_b daemon_start || fail "host B: $(brief "$OUT")"
# each daemon's socket, relayed to the other host
xlt-tcp serve $CPORT xlt-tcp connect "$SOCK" > "$XLT_RES/ctl-relay.log" 2>&1 < /dev/null &
BG_PIDS="$BG_PIDS $!"
xlt-tcp serve $B_SOCK xlt-tcp connect "$XLT_PEER_ADDR" $CPORT > "$XLT_RES/b-sock.log" 2>&1 < /dev/null &
BG_PIDS="$BG_PIDS $!"
on_b_bg ctl-relay "xlt-tcp serve $CPORT xlt-tcp connect $SOCK"
on_b_bg a-sock "xlt-tcp serve $A_SOCK xlt-tcp connect $XLT_NET_ADDR $CPORT"
b_answers() { command xlctl -c $B_SOCK list; }
wait_until 30 b_answers || fail "host B's daemon does not answer through $B_SOCK"
wait_until 30 on_b "command xlctl -c $A_SOCK list" || fail "host A's daemon does not answer host B through $A_SOCK"
pass

step "the destination hands out a migration token"
run command xlctl -c $B_SOCK raw '{"execute":"migration-prepare","arguments":{}}'
grep -q CommandNotFound <<< "$OUT" &&
	skip "xenlightd has no migration-prepare (CommandNotFound): no daemon migration in this build"
[ "$(jq -r '.return.token // empty' <<< "$OUT" 2>/dev/null)" != "" ] ||
	fail "migration-prepare gave no token: $(brief "$OUT" 2)"
pass

step "xlctl create on A"
timed create xlctl create "$TMPD/$G.cfg"
wait_up $G 900
wait_ticking $G
pass

# daemon_migrate FROM TO: `xlctl migrate` on host FROM to the other host's
# daemon; the guest must then be on TO only, running and resumed, and the
# daemon there must list it running.  Seconds in $TM, the job result in $JR.
daemon_migrate() {
	local from=$1 to=$2 ups tick s job
	step "xlctl migrate $from -> $to"
	ups=$(up_count_ab $G)
	tick=$(max_tick_ab $G)
	s=$(now)
	if [ "$from" = A ]; then
		run daemon_migrate_to $B_SOCK "$XLT_PEER_ADDR" $G
	else
		run on_b "daemon_migrate_to $A_SOCK $XLT_NET_ADDR $G"
	fi || fail "the migration $from -> $to failed: $(brief "$OUT")"
	TM=$(dt "$s" "$(now)")
	timing "daemon-migrate-$from$to" "$TM"
	JR=$(jq -c '.result // .' <<< "$OUT" 2>/dev/null | tail -1)
	note "migration $from -> $to: $JR"
	assert_moved $G "$to" "$ups" "$tick"
	if [ "$to" = A ]; then run xlctl --json dominfo $G
	else run on_b "xlctl --json dominfo $G"; fi
	case $(jqo .state) in
	running|blocked) ;;
	*) fail "the daemon on $to says $G is '$(jqo .state)' after the migration: $(brief "$OUT" 2)" ;;
	esac
	if [ "$from" = A ]; then run xlctl --json dominfo $G
	else run on_b "xlctl --json dominfo $G"; fi
	case $(jqo .state 2>/dev/null) in
	running|blocked|paused) fail "the daemon on $from still has $G '$(jqo .state)' after the migration" ;;
	esac
	pass
}
# job_s: the job's own duration (duration_ms of its result), without
# xlctl's token request and the test's relays around it
job_s() { jq -r '(.duration_ms // empty) / 1000' <<< "$JR" 2>/dev/null; }
ab=""; ba=""; down=""; jobs_s=""
for i in $(seq 1 "$ROUNDS"); do
	daemon_migrate A B; ab="$ab $TM"; jobs_s="$jobs_s $(job_s)"
	down="$down $(jq -r '.downtime_ms // empty' <<< "$JR" 2>/dev/null)"
	daemon_migrate B A; ba="$ba $TM"; jobs_s="$jobs_s $(job_s)"
	down="$down $(jq -r '.downtime_ms // empty' <<< "$JR" 2>/dev/null)"
done
DAEMON_MEAN=$(mean "$ab $ba")
JOB_MEAN=$(mean "$jobs_s")
metric "daemon-migrate type=$MIGRATION_TYPE mem_mib=$GUEST_MEM rounds=$ROUNDS mean_s=$DAEMON_MEAN" \
	"ab_s=[${ab# }] ba_s=[${ba# }] job_mean_s=$JOB_MEAN job_s=[${jobs_s# }]" \
	"downtime_ms=[$(echo $down)]"

step "abort a migration mid-stream (link slowed to ${XLT_ABORT_RATE:-32mbit})"
ups=$(up_count_ab $G)
tick=$(max_tick_ab $G)
tc qdisc replace dev eth0 root tbf rate "${XLT_ABORT_RATE:-32mbit}" burst 64kb latency 2s ||
	note "tc cannot slow the link: the abort may race the end of the stream"
run daemon_migrate_to $B_SOCK "$XLT_PEER_ADDR" $G detach ||
	fail "a detached migration failed: $(brief "$OUT")"
JOB=$(job_id_of_reply "$OUT")
case $JOB in ''|*[!0-9]*) fail "no job id in the reply to migrate --detach: $(brief "$OUT" 2)" ;; esac
progress_moved() { [ "$(xlctl --json job "$1" | jq -r '(.progress.current // 0) > 0')" = true ]; }
wait_until 60 progress_moved "$JOB" || note "migration job $JOB shows no progress after 60 s"
note "job $JOB before the abort: $(xlctl --json job "$JOB" | jq -c '{state, progress}')"
[ "$(job_state "$JOB")" = running ] || fail "migration job $JOB is '$(job_state "$JOB")' before the abort, not running"
timed abort xlctl abort "$JOB"
wait_job "$JOB" 120
tc qdisc del dev eth0 root 2>/dev/null
[ "$(jqo .state)" = aborted ] || fail "migration job $JOB ended '$(jqo .state)', expected aborted: $(brief "$OUT" 3)"
on_b "wait_until 60 eval '! present $G'" || fail "host B keeps a copy of the guest after the abort: $(on_b 'xl list')"
assert_moved $G A "$ups" "$tick"
run on_b "xlctl --json jobs"
[ "$(jqo "[$JQ_LIST[] | select(.state == \"running\")] | length")" = 0 ] ||
	fail "host B has a job still running after the abort: $(brief "$OUT" 3)"
pass

step "xl migrate-receive listening on both hosts (the baseline)"
on_b_bg xl-receive "xlt-tcp serve $XPORT xl migrate-receive -e"
xlt-tcp serve $XPORT xl migrate-receive -e > "$XLT_RES/xl-receive.log" 2>&1 < /dev/null &
BG_PIDS="$BG_PIDS $!"
wait_until 20 on_b "ss -Hltn 'sport = :$XPORT' | grep -q ." || fail "no listener on host B"
pass
xab=""; xba=""
for i in $(seq 1 "$ROUNDS"); do
	for dir in AB BA; do
		from=${dir:0:1}; to=${dir:1:1}
		step "xl migrate $from -> $to (same guest, same boot)"
		ups=$(up_count_ab $G); tick=$(max_tick_ab $G)
		s=$(now)
		if [ "$from" = A ]; then
			run timeout "$MIGRATE_LIMIT" xl migrate -s '' $G "exec xlt-tcp connect $XLT_PEER_ADDR $XPORT"
		else
			run on_b "timeout $MIGRATE_LIMIT xl migrate -s '' $G 'exec xlt-tcp connect $XLT_NET_ADDR $XPORT'"
		fi || fail "xl migrate $from -> $to exited $RC: $(brief "$OUT")"
		TM=$(dt "$s" "$(now)")
		timing "xl-migrate-$dir" "$TM"
		assert_moved $G "$to" "$ups" "$tick"
		if [ "$dir" = AB ]; then xab="$xab $TM"; else xba="$xba $TM"; fi
		pass
	done
done
XL_MEAN=$(mean "$xab $xba")
# (parenthesised: a bare '>' in awk's printf arguments redirects)
quotient() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
# ratio: xlctl's command (with its token request through the relays)
# against xl's; ratio_job: the daemon's job against xl's command
metric "migrate_ratio ratio=$(quotient "$DAEMON_MEAN" "$XL_MEAN") ratio_job=$(quotient "$JOB_MEAN" "$XL_MEAN")" \
	"daemon_mean_s=$DAEMON_MEAN job_mean_s=$JOB_MEAN xl_mean_s=$XL_MEAN xl_ab_s=[${xab# }] xl_ba_s=[${xba# }]" \
	"scenario20_xl_s=[$(cat /run/xlt/xl-migrate-times 2>/dev/null | xargs)]"

step "stop host B's daemon"
on_b daemon_stop || fail "host B: $(brief "$OUT")"
pass
finish
