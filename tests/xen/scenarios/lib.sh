# Library for the scenarios, sourced by each tests/xen/scenarios/NN-name.sh.
# Runs inside dom0.  dom0-init.sh sets XLT_NAME (scenario name) and XLT_RES
# (its results directory on the work disk) and kills the scenario at
# XLT_SCENARIO_TIMEOUT seconds.  Results go to $XLT_RES/result.txt, one line
# each, read by the host:
#   STEP <what>            the step now running (the last one names a failure)
#   PASS <what>            an assertion held
#   FAIL <step>: <why>     an assertion failed (fail: the scenario stops)
#   SKIP <why>             the scenario cannot run here
#   TIME <name> <seconds>  a timing
#   METRIC <name> k=v ...  a measurement (latencies, ratios)
#   NOTE <text>            anything worth reading
# Every wait is bounded by wall-clock time, never by a count of iterations.
set -u
export LC_ALL=C
XLT_NAME=${XLT_NAME:-$(basename "$0" .sh)}
XLT_RES=${XLT_RES:-/tmp/xlt-$XLT_NAME}
mkdir -p "$XLT_RES"
R=$XLT_RES/result.txt
TMPD=/var/tmp/xlt                   # save files, core dumps, guest configs
RUNDIR=/run/xenlightd
STATEDIR=/var/lib/xenlightd
SOCK=$RUNDIR/xenlightd.sock
DAEMON_LOG=$XLT_RES/xenlightd.log
PIDFILE=/run/xlt/daemon.pid
CONS=/var/log/xen/console
GUEST_MEM=${XLT_GUEST_MEM:-128}
# Guests whose save must last long enough to be interrupted (destroy, abort,
# kill -9 during a save): a 128 MiB save takes ~1.5 s under TCG, 512 ~6 s.
BIG_GUEST_MEM=${XLT_BIG_GUEST_MEM:-512}
mkdir -p "$TMPD" /run/xlt
BG_PIDS=""
GUESTS=""
CUR_STEP="start"

now() { date +%s.%N; }
dt() { awk -v s="$1" -v e="$2" 'BEGIN { printf "%.2f", e - s }'; }
log() { echo "[$(cut -d' ' -f1 /proc/uptime)] $*"; }
console() { echo "XLT: [$XLT_NAME] $*" > /dev/console 2>/dev/null; }

step() {
	CUR_STEP="$*"
	echo "STEP $*" >> "$R"
	log "=== step: $*"
	console "step: $*"
}
pass() { echo "PASS ${*:-$CUR_STEP}" >> "$R"; log "PASS: ${*:-$CUR_STEP}"; }
soft_fail() {
	echo "FAIL $CUR_STEP: $*" >> "$R"
	log "FAIL: $CUR_STEP: $*"
	console "FAIL $CUR_STEP: $*"
}
fail() { soft_fail "$@"; exit 1; }
skip() { echo "SKIP $*" >> "$R"; log "SKIP: $*"; exit 0; }
note() { echo "NOTE $*" >> "$R"; log "NOTE: $*"; }
timing() { echo "TIME $1 $2" >> "$R"; log "TIME $1 $2 s"; }
metric() { echo "METRIC $*" >> "$R"; log "METRIC $*"; }

# Last lines of a command's output, on one line, for a FAIL message.
brief() { tail -n "${2:-6}" <<< "$1" | tr '\n' '|' | sed 's/|$//; s/|/ | /g'; }

# run CMD...: run it, keep its output in $OUT and status in $RC (and log both)
run() {
	log "\$ $*"
	OUT=$("$@" 2>&1)
	RC=$?
	[ -n "$OUT" ] && printf '%s\n' "$OUT" | sed 's/^/    /'
	[ "$RC" = 0 ] || log "    (exit status $RC)"
	return "$RC"
}
# must CMD...: run it; a non-zero exit fails the scenario
must() { run "$@" || fail "'$*' exited $RC: $(brief "$OUT")"; }
# timed NAME CMD...: must, and record how long it took
timed() {
	local n=$1 s
	shift
	s=$(now)
	run "$@" || fail "'$*' exited $RC after $(dt "$s" "$(now)") s: $(brief "$OUT")"
	timing "$n" "$(dt "$s" "$(now)")"
}

# wait_until SECONDS CMD...: poll CMD every 0.2 s until it succeeds
wait_until() {
	local end
	end=$(( $(date +%s) + $1 ))
	shift
	until "$@" >/dev/null 2>&1; do
		[ "$(date +%s)" -ge "$end" ] && return 1
		sleep 0.2
	done
	return 0
}

on_exit() {
	local p g
	for p in $BG_PIDS; do kill "$p" 2>/dev/null; done
	for g in $GUESTS; do
		[ -e "$CONS/guest-$g.log" ] && cp "$CONS/guest-$g.log" "$XLT_RES/console-$g.log"
	done
	return 0
}
trap on_exit EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

# ---------------------------------------------------------------------------
# Guests: PV, gzip'd ELF Debian kernel, busybox initramfs printing GUEST-UP
# then GUEST-TICK <n> every 2 s.  Names start with the scenario number, so
# that each scenario has console logs of its own.

# guest_cfg NAME [MEM_MIB]: write $TMPD/NAME.cfg (an xl config)
guest_cfg() {
	local n=$1 m=${2:-$GUEST_MEM}
	GUESTS="$GUESTS $n"
	cat > "$TMPD/$n.cfg" <<EOC
name = "$n"
type = "pv"
kernel = "/xlt/guest/vmlinux.gz"
ramdisk = "/xlt/work/guest-initrd.cpio.gz"
cmdline = "console=hvc0 loglevel=4"
memory = $m
vcpus = 1
EOC
}

domid_of() { xl domid "$1" 2>/dev/null; }
exists() { xl domid "$1" >/dev/null 2>&1; }
gone() { ! exists "$1"; }
# the state letters of `xl list` (r b p s c d), e.g. "-b----"
xl_state() { xl list "$1" 2>/dev/null | awk 'NR == 2 { print $5 }'; }
up_count() { grep -c GUEST-UP "$CONS/guest-$1.log" 2>/dev/null || true; }
tick_count() { grep -c GUEST-TICK "$CONS/guest-$1.log" 2>/dev/null || true; }
# the guest's own tick counter (survives save/restore, restarts on a boot)
last_tick() {
	grep GUEST-TICK "$CONS/guest-$1.log" 2>/dev/null | tail -1 | awk '{ print $2 }'
}
is_ready() {
	local id
	id=$(domid_of "$1") || return 1
	grep -q GUEST-UP "$CONS/guest-$1.log" 2>/dev/null &&
		[ "$(xenstore-read "/local/domain/$id/control/feature-suspend" 2>/dev/null)" = 1 ]
}
# wait_up NAME [SECONDS]: GUEST-UP on its console and its kernel is ready
# for suspend (control/feature-suspend = 1); a save right after boot needs
# both.  (After a restore the node is gone, yet saves work: use
# wait_ticking there.)
wait_up() {
	local s
	s=$(now)
	wait_until "${2:-240}" is_ready "$1" ||
		fail "guest $1 not up after ${2:-240} s (domid '$(domid_of "$1")', console: $(brief "$(tail -3 "$CONS/guest-$1.log" 2>/dev/null)" 3))"
	timing "up-$1" "$(dt "$s" "$(now)")"
}
ticked_since() { [ "$(tick_count "$1")" -gt "$2" ]; }
# wait_ticking NAME [SECONDS]: a new GUEST-TICK line appears: the guest runs
wait_ticking() {
	local c0 s
	c0=$(tick_count "$1")
	s=$(now)
	wait_until "${2:-90}" ticked_since "$1" "$c0" ||
		fail "guest $1 does not tick (no new GUEST-TICK in ${2:-90} s; xl state '$(xl_state "$1")')"
	timing "tick-$1" "$(dt "$s" "$(now)")"
}
# assert_running NAME: exists, not paused/shut down/crashed, and ticking
assert_running() {
	exists "$1" || fail "guest $1 does not exist (xl domid)"
	case $(xl_state "$1") in
	*p*|*s*|*c*|*d*) fail "guest $1 is not running: xl state '$(xl_state "$1")'" ;;
	esac
	wait_ticking "$1" "${2:-90}"
}
assert_gone() {
	wait_until "${2:-30}" gone "$1" ||
		fail "domain $1 still exists (domid $(domid_of "$1"), state '$(xl_state "$1")')"
}
# assert_resumed NAME UP_COUNT TICK: after a restore, the guest kept its state:
# no new GUEST-UP (it did not boot again) and its tick counter went on
assert_resumed() {
	local t
	[ "$(up_count "$1")" = "$2" ] ||
		fail "guest $1 booted again instead of resuming ($(up_count "$1") GUEST-UP lines, expected $2)"
	t=$(last_tick "$1")
	[ "${t:-0}" -gt "${3:-0}" ] ||
		fail "guest $1 tick counter restarted (last $t, was $3 before the save)"
}

# bg_run LABEL CMD...: run CMD in the background (for things that must happen
# at the same moment); bg_wait LABEL collects it: status in $RC, output in
# $OUT, and a TIME line
bg_run() {
	local l=$1
	shift
	rm -f "$TMPD/bg-$l.rc"
	(
		s=$(now)
		"$@" > "$TMPD/bg-$l.out" 2>&1
		echo "$? $(dt "$s" "$(now)")" > "$TMPD/bg-$l.rc"
	) &
	eval "BG_$l=\$!"
	log "started in the background [$l]: $*"
}
bg_wait() {
	local l=$1 p secs
	eval "p=\$BG_$l"
	wait "$p"
	read -r RC secs < "$TMPD/bg-$l.rc" 2>/dev/null || { RC=255; secs=0; }
	OUT=$(cat "$TMPD/bg-$l.out" 2>/dev/null)
	log "[$l] exit status $RC after $secs s"
	[ -n "$OUT" ] && printf '%s\n' "$OUT" | sed 's/^/    /'
	timing "$l" "$secs"
	return "$RC"
}

# ---------------------------------------------------------------------------
# The daemon and its client.

have_daemon() { command -v xenlightd >/dev/null && command -v xlctl >/dev/null; }
need_daemon() {
	have_daemon || skip "xenlightd or xlctl is not installed in dom0 (no daemon in this build)"
}

xlctl() { timeout "${XLCTL_TIMEOUT:-300}" xlctl -c "$SOCK" "$@"; }
daemon_pid() { cat "$PIDFILE" 2>/dev/null; }
# a process's nice value and I/O priority as /proc and ionice show them
nice_of() { awk '{ sub(/^.*\) /, ""); print $17 }' "/proc/$1/stat" 2>/dev/null; }
ioprio_of() { ionice -p "$1" 2>/dev/null; }
daemon_alive() { local p; p=$(daemon_pid) && [ -n "$p" ] && kill -0 "$p" 2>/dev/null; }
daemon_answers() { xlctl list; }
daemon_answers_or_died() { daemon_answers || ! daemon_alive; }

# daemon_start [keep]: start xenlightd in the foreground of its own session
# (it outlives a scenario killed at its time limit, so that the runner can
# question it), logging to $DAEMON_LOG, with the arguments in
# $XLT_DAEMON_ARGS (handed over as an argument: a scenario's assignment to
# it is not exported).  Without "keep", from empty run and
# state directories.
daemon_start() {
	local s
	if [ "${1:-}" != keep ]; then
		rm -rf "$RUNDIR" "$STATEDIR"
	fi
	mkdir -p "$RUNDIR" "$STATEDIR"
	rm -f "$PIDFILE"
	s=$(now)
	setsid bash -c '
		ulimit -c unlimited
		echo "=== xenlightd starting at $(date +%T.%N) (dom0 uptime $(cut -d" " -f1 /proc/uptime))"
		xenlightd --foreground --rundir "$1" --statedir "$2" --log-level debug $4 &
		p=$!
		echo $p > "$3"
		wait $p
		echo "=== xenlightd (pid $p) exited with status $? at $(date +%T.%N)"
	' xenlightd-wrapper "$RUNDIR" "$STATEDIR" "$PIDFILE" "${XLT_DAEMON_ARGS:-}" \
		>> "$DAEMON_LOG" 2>&1 < /dev/null &
	# a bash start takes over 10 s in a dom0 under TCG when the host is busy
	wait_until 60 test -s "$PIDFILE" || fail "xenlightd did not start (no pid in 60 s)"
	wait_until 30 daemon_answers_or_died
	daemon_alive || fail "xenlightd exited at start: $(brief "$(tail -5 "$DAEMON_LOG")" 5)"
	daemon_answers > /dev/null 2>&1 ||
		fail "xenlightd does not answer 'xlctl list' within 30 s: $(brief "$(xlctl list 2>&1)" 2)"
	DAEMON_STARTED=1
	timing daemon-start "$(dt "$s" "$(now)")"
	log "xenlightd running, pid $(daemon_pid)"
}

# daemon_stop: SIGTERM; it must exit by itself, with status 0, within 20 s
daemon_stop() {
	local p
	p=$(daemon_pid) || return 0
	daemon_alive || fail "xenlightd (pid $p) is not running any more: $(brief "$(tail -3 "$DAEMON_LOG")" 3)"
	kill -TERM "$p"
	wait_until 20 eval '! kill -0 '"$p" || fail "xenlightd (pid $p) still running 20 s after SIGTERM"
	# the wrapper writes the status line just after the daemon exits
	wait_until 5 grep -q "pid $p) exited" "$DAEMON_LOG"
	grep -q "pid $p) exited with status 0 " "$DAEMON_LOG" ||
		fail "xenlightd did not exit cleanly on SIGTERM: $(grep "pid $p) exited" "$DAEMON_LOG")"
	rm -f "$PIDFILE"
	pass "xenlightd exits cleanly on SIGTERM"
}

# daemon_kill9: SIGKILL, and wait until it is gone
daemon_kill9() {
	local p
	p=$(daemon_pid)
	kill -KILL "$p"
	wait_until 10 eval '! kill -0 '"$p" || fail "xenlightd (pid $p) survives SIGKILL"
	rm -f "$PIDFILE"
}

# jq over the output of the last run
jqo() { jq -r "$@" <<< "$OUT"; }
# jq prefix for a list reply: a bare array, or an object wrapping one
JQ_LIST='(if type == "object" then (.jobs // .domains // .) else . end)'

# the job id in a detached reply: {"job":N} (or a job object)
job_id_of_reply() {
	jq -r 'if type == "object" then
		(if has("job") then (.job | if type == "object" then .id else . end) else .id end)
		else . end' <<< "$1"
}
job_state() { xlctl --json job "$1" 2>/dev/null | jq -r .state; }
job_is_running() { [ "$(job_state "$1")" = running ]; }
job_is_final() {
	case $(job_state "$1") in completed|failed|aborted) return 0 ;; esac
	return 1
}
# wait_job ID [SECONDS]: until the job has finished; its object is in $OUT
wait_job() {
	wait_until "${2:-300}" job_is_final "$1" ||
		fail "job $1 not finished after ${2:-300} s (state '$(job_state "$1")')"
	run xlctl --json job "$1"
}
dom_field() { xlctl --json dominfo "$1" 2>/dev/null | jq -r "$2"; }

# events_start FILE ARGS...: an `xlctl events --json` subscriber in the
# background, writing one event per line to FILE
events_start() {
	local f=$1
	shift
	command xlctl -c "$SOCK" --json events "$@" > "$f" 2> "$f.stderr" < /dev/null &
	BG_PIDS="$BG_PIDS $!"
	EVENTS_PID=$!
}
has_event() { grep -q "\"$2\"" "$1"; }

# finish: destroy what is left of this scenario's guests, stop the daemon
# (which must exit cleanly), and record the scenario's final PASS
finish() {
	local g
	step "clean up"
	for g in $GUESTS; do
		exists "$g" && run xl destroy "$g"
	done
	[ -n "${DAEMON_STARTED:-}" ] && daemon_stop
	pass "scenario $XLT_NAME"
}

# ---------------------------------------------------------------------------
# Two-host scenarios ("# hosts: 2" among their first lines) run on host A;
# run.sh boots host B beside it, and B runs the shell commands A sends
# (dom0/xlt-peer).  The dom0s are $XLT_NET_ADDR (us) and $XLT_PEER_ADDR (B).

# need_peer: host B answers, or the scenario is skipped (no second host)
need_peer() {
	[ -n "${XLT_PEER_ADDR:-}" ] ||
		skip "no second host in this run (run.sh boots one for '# hosts: 2' scenarios)"
	xlt-peer true > /dev/null || fail "host B ($XLT_PEER_ADDR) does not answer"
}
# on_b CMD: run the shell command CMD on host B with this library loaded
# (its STEP/PASS/FAIL lines, daemon log and console copies go to B's results
# of this scenario, results/NN-name/peer/ on the host); its output on stdout
on_b() {
	xlt-peer "XLT_NAME=$XLT_NAME XLT_RES=$XLT_RES XLT_DAEMON_ARGS='${B_DAEMON_ARGS:-}'
		GUESTS='$GUESTS'; . $XLT_LIB/lib.sh; $*"
}
# on_b_bg LABEL CMD: CMD in the background on host B, in a process group of
# its own that the runner kills after the scenario; output in B's LABEL.log
on_b_bg() {
	on_b "setsid $2 > $XLT_RES/$1.log 2>&1 < /dev/null & echo \$! >> /run/xlt/bg-pgids" ||
		fail "cannot start '$2' on host B"
}
XLT_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# A guest's console on both hosts, whatever its name there (a migrating
# guest is NAME--incoming on the receiving side, and xenconsoled names its
# log after the name it first saw).
console_ab() { { cat "$CONS/guest-$1"*.log; on_b "cat $CONS/guest-$1*.log"; } 2>/dev/null; }
# the highest tick counter printed on either host (it restarts on a boot)
max_tick_ab() { console_ab "$1" | awk '$1 == "GUEST-TICK" && $2 > m { m = $2 } END { print m + 0 }'; }
up_count_ab() { console_ab "$1" | grep -c GUEST-UP; }
# present NAME: a domain NAME, or NAME--incoming / NAME--migratedaway (xl's
# names during a migration), exists here
present() { xl list 2>/dev/null | awk -v n="$1" 'NR > 1 && ($1 == n || index($1, n "--") == 1) { f = 1 } END { exit !f }'; }
# where_is NAME: "A", "B", "AB" (on both!) or "" (on neither)
where_is() {
	local w=""
	present "$1" && w=A
	on_b "present $1" > /dev/null && w=${w}B
	echo "$w"
}
# tick_count_here NAME: GUEST-TICK lines in all of NAME's console logs here
tick_count_here() { cat "$CONS/guest-$1"*.log 2>/dev/null | grep -c GUEST-TICK; }
ticked_here_since() { [ "$(tick_count_here "$1")" -gt "$2" ]; }
# assert_running_here NAME [SECONDS]: NAME exists on this host, is neither
# paused nor shut down, and prints a new tick (by any of its console logs)
assert_running_here() {
	local c0
	exists "$1" || fail "guest $1 is not on this host ($(xl list 2>&1 | awk 'NR > 1 { printf "%s ", $1 }'))"
	case $(xl_state "$1") in
	*p*|*s*|*c*|*d*) fail "guest $1 is not running here: xl state '$(xl_state "$1")'" ;;
	esac
	c0=$(tick_count_here "$1")
	wait_until "${2:-300}" ticked_here_since "$1" "$c0" ||
		fail "guest $1 does not tick here (no new GUEST-TICK in ${2:-300} s)"
}
# assert_moved NAME HOST UPS TICK: after a migration the guest is on HOST
# (A or B) only, running there, and resumed: no new GUEST-UP on either
# host, its tick counter past TICK
assert_moved() {
	local w t
	w=$(where_is "$1")
	[ "$w" = "$2" ] || fail "guest $1 should be on host $2 only, it is on '${w:-neither}'"
	if [ "$2" = A ]; then assert_running_here "$1"
	else on_b "assert_running_here $1" || fail "on host B: $(brief "$OUT")"; fi
	[ "$(up_count_ab "$1")" = "$3" ] ||
		fail "guest $1 booted again ($(up_count_ab "$1") GUEST-UP lines on the two hosts, expected $3)"
	t=$(max_tick_ab "$1")
	[ "$t" -gt "$4" ] || fail "guest $1 tick counter did not go on (highest $t, was $4)"
}
mean() { awk '{ t = 0; for (i = 1; i <= NF; i++) t += $i; printf "%.2f", NF ? t / NF : 0 }' <<< "$1"; }

# migration_guest_type NAME: the guest type the migration scenarios use
# (XLT_MIGRATION_TYPE, default pvh: Debian's Xen cannot live-migrate a PV
# guest, see README "Two hosts"), in $MIGRATION_TYPE
migration_guest_type() {
	MIGRATION_TYPE=${XLT_MIGRATION_TYPE:-pvh}
	sed -i "s/^type = .*/type = \"$MIGRATION_TYPE\"/" "$TMPD/$1.cfg"
}

# daemon_migrate_to SOCK ADDR DOMAIN [detach]: migrate DOMAIN from this
# host's daemon to the daemon behind SOCK (the other host's, relayed), whose
# --migrate-listen is on ADDR: `xlctl migrate --dest-socket` if this xlctl
# has it, else the protocol itself (migration-prepare there, domain-migrate
# here, through `xlctl raw`).  Prints the reply's return object (the job's
# result, or {"job":N} with detach); false on an error reply.
daemon_migrate_to() {
	local sock=$1 addr=$2 dom=$3 detach=${4:-} out prep args err
	if xlctl migrate --help 2>&1 | grep -q -- --dest-socket; then
		# progress goes to stderr, the JSON answer to stdout
		err=$(mktemp)
		out=$(xlctl --json migrate ${detach:+--detach} --dest-socket "$sock" "$dom" "$addr" 2>"$err") ||
			{ echo "$out"; tail -n 3 "$err"; rm -f "$err"; return 1; }
		rm -f "$err"
	else
		prep=$(command xlctl -c "$sock" raw '{"execute":"migration-prepare"}' 2>&1)
		args=$(jq -ec --arg d "$dom" '.return | {domain: $d, host, port, token}' <<< "$prep" 2>/dev/null) ||
			{ echo "migration-prepare: $prep"; return 1; }
		out=$(xlctl raw "{\"execute\":\"domain-migrate\",\"arguments\":$args,\"detach\":${detach:+true}${detach:-false}}" 2>&1)
	fi
	jq -ec 'select(has("error") | not) | .return // .' <<< "$out" 2>/dev/null || { echo "$out"; return 1; }
}
