#!/bin/sh
# make check-sanlock: both lease backends with two "hosts" on this machine.
#
#   run.sh --builddir DIR --srcdir DIR [--io-timeout S]
#
# sanlock: two sanlock daemons ("hosts" 1 and 2: own SANLOCK_RUN_DIR, own
# -e name, host ids 1 and 2, -w 0: no watchdog here) share one lockspace
# directory on local disk, which plays the shared storage.  Each host's
# lease machinery is tests/sanlock/lease-tool (daemon/lease.c and real
# xenlightd-lease-holder processes, as the daemon runs them).  Checked:
#   - a disk one host holds exclusively is refused to the other, with
#     LeaseConflict naming the holder; shared leases coexist;
#   - the holder outlives the "daemon" (every lease-tool run exits);
#   - the death of host 1 (its sanlock daemon and its holders killed: the
#     "fence") frees its leases after sanlock's timeout: host 2 then gets
#     the disk.  The time it took is printed.
# lockspace: the same two-host conflict, and the death of host 1's holder
# frees the lease at once.
#
# CONTAINER WORKAROUND, TEST ONLY: sanlock's daemon raises RLIMIT_MEMLOCK
# (and RLIMIT_RTPRIO) at start and exits when it cannot; these containers
# lack CAP_SYS_RESOURCE.  The daemons started here preload memlock-shim.so
# (tests/sanlock/memlock-shim.c, compiled below into the test's temporary
# directory), which turns that EPERM into success.  It is never built by
# make, never installed, never used outside this script.
set -eu

builddir=
srcdir=
io_timeout=${XLLEASE_SANLOCK_IO_TIMEOUT:-2}
while [ $# -gt 0 ]; do
	case $1 in
	--builddir) builddir=$2; shift 2 ;;
	--srcdir) srcdir=$2; shift 2 ;;
	--io-timeout) io_timeout=$2; shift 2 ;;
	*) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done
[ -n "$builddir" ] && [ -n "$srcdir" ] || {
	echo "usage: run.sh --builddir DIR --srcdir DIR [--io-timeout S]" >&2
	exit 2
}
[ "$(id -u)" = 0 ] || { echo "run.sh: sanlock needs root" >&2; exit 1; }

if ! command -v sanlock >/dev/null 2>&1; then
	echo "== installing sanlock"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	    -o DPkg::Lock::Timeout=600 --no-install-recommends \
	    sanlock libsanlock-dev
fi

holder=$builddir/daemon/xenlightd-lease-holder
tool_bin=$builddir/tests/sanlock/lease-tool
T=$(mktemp -d /tmp/xllease-sanlock-XXXXXX)
pids=
failures=0

cleanup() {
	set +e
	# only what this script started: sanlock daemons by their pid files,
	# holders by their records
	for h in 1 2; do
		for rec in "$T"/lk$h/*.json "$T"/sl$h/*.json; do
			[ -f "$rec" ] || continue
			pid=$(sed -n 's/.*"pid":\([0-9]*\).*/\1/p' "$rec")
			[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
		done
	done
	for pid in $pids; do
		kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	rm -rf "$T"
}
trap cleanup EXIT INT TERM

now() { date +%s.%N; }
since() { echo "$(now) $1" | awk '{ printf "%.1f", $1 - $2 }'; }
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pass() { echo "ok: $*"; }

# tool BACKEND HOST ARGS...: one command on host HOST (1 or 2)
tool() {
	backend=$1; host=$2; shift 2
	if [ "$backend" = sanlock ]; then
		SANLOCK_RUN_DIR=$T/run$host "$tool_bin" --holder "$holder" \
		    --records "$T/sl$host" --lockspace "$T/shared-sanlock" \
		    --host "xllease-host$host" --backend sanlock \
		    --host-id "$host" --io-timeout "$io_timeout" \
		    --timeout 180000 "$@"
	else
		"$tool_bin" --holder "$holder" --records "$T/lk$host" \
		    --lockspace "$T/shared-lockspace" \
		    --host "xllease-host$host" --backend lockspace "$@"
	fi
}

expect() { # expect STATUS WHAT COMMAND...
	want=$1; what=$2; shift 2
	set +e
	out=$("$@")
	got=$?
	set -e
	if [ "$got" = "$want" ]; then
		pass "$what"
	else
		fail "$what: exit $got, wanted $want: $out"
	fi
	last_out=$out
}

record_pid() { # the holder pid in a record
	sed -n 's/.*"pid":\([0-9]*\).*/\1/p' "$1"
}

# a process that exited (a zombie included) holds no lock any more
dead() {
	[ ! -r "/proc/$1/stat" ] ||
	    [ "$(sed 's/.*) \(.\).*/\1/' "/proc/$1/stat" 2>/dev/null)" = Z ]
}

# host 1's holders: killed, as a fence would, and waited for
kill_holders() {
	for rec in "$1"/*.json; do
		[ -f "$rec" ] || continue
		pid=$(record_pid "$rec")
		kill -9 "$pid" 2>/dev/null || true
		while ! dead "$pid"; do sleep 0.05; done
	done
	return 0
}

# host 1 holds web1's disk and a read-only image; host 2 is refused the
# disk, with the holder named, and shares the image
two_hosts() {
	b=$1
	expect 0 "host 1 takes the disk" tool $b 1 acquire $UUID1 web1 "$disk:exclusive"
	expect 3 "host 2 is refused it" tool $b 2 acquire $UUID2 web2 "$disk:exclusive"
	case $last_out in
	*'"host":"xllease-host1"'*'"domain":"web1"'*)
		pass "the conflict names host 1's web1" ;;
	*) fail "the conflict does not name the holder: $last_out" ;;
	esac
	expect 0 "shared on host 1" tool $b 1 acquire $UUID3 cd1 "$iso:shared"
	expect 0 "shared on host 2 too" tool $b 2 acquire $UUID2 cd2 "$iso:shared"
	expect 0 "host 2 lets go of it" tool $b 2 release $UUID2
	expect 3 "host 1's lease outlived every lease-tool" \
	    tool $b 2 acquire $UUID2 web2 "$disk:exclusive"
}

UUID1=11111111-1111-4111-8111-111111111111
UUID2=22222222-2222-4222-8222-222222222222
UUID3=33333333-3333-4333-8333-333333333333
mkdir -p "$T/disks" "$T/lk1" "$T/lk2" "$T/sl1" "$T/sl2" "$T/run1" "$T/run2"
disk=$T/disks/web.img
iso=$T/disks/install.iso
: > "$disk"
: > "$iso"

echo "== lockspace backend, two hosts on one directory"
two_hosts lockspace
start=$(now)
kill_holders "$T/lk1"
expect 0 "host 2 gets the disk once host 1's holders died" \
    tool lockspace 2 acquire $UUID2 web2 "$disk:exclusive"
lockspace_free=$(since "$start")
expect 0 "host 2 releases" tool lockspace 2 release $UUID2

echo "== sanlock backend (io_timeout $io_timeout s), two sanlock daemons"
cc -shared -fPIC -O2 -o "$T/memlock-shim.so" "$srcdir/tests/sanlock/memlock-shim.c" -ldl
for h in 1 2; do
	SANLOCK_RUN_DIR=$T/run$h LD_PRELOAD=$T/memlock-shim.so \
	    sanlock daemon -D -w 0 -e "xllease-host$h" \
	    -U root -G root > "$T/sanlock$h.log" 2>&1 &
	pids="$pids $!"
	eval "sanlock_pid$h=$!"
done
for h in 1 2; do
	i=0
	while [ ! -S "$T/run$h/sanlock.sock" ]; do
		i=$((i + 1))
		if [ $i -gt 100 ]; then
			cat "$T/sanlock$h.log"
			fail "sanlock daemon $h did not start"
			exit 1
		fi
		sleep 0.1
	done
done
mkdir -p "$T/shared-sanlock"
start=$(now)
for h in 1 2; do
	SANLOCK_RUN_DIR=$T/run$h "$holder" --join \
	    --lockspace "$T/shared-sanlock" --host-id $h \
	    --io-timeout "$io_timeout" &
	eval "join$h=$!"
done
# the first host makes the lockspace, the second may find it half made
# and retries once
for h in 1 2; do
	eval "jp=\$join$h"
	if ! wait "$jp"; then
		SANLOCK_RUN_DIR=$T/run$h "$holder" --join \
		    --lockspace "$T/shared-sanlock" --host-id $h \
		    --io-timeout "$io_timeout" ||
		    fail "host $h could not join the lockspace"
	fi
done
join_time=$(since "$start")
pass "both hosts joined the lockspace in ${join_time} s"

two_hosts sanlock

echo "== host 1 dies: its sanlock daemon and its holders are killed"
start=$(now)
kill -9 "$sanlock_pid1"
kill_holders "$T/sl1"
deadline=$(( $(date +%s) + 600 ))
while :; do
	set +e
	out=$(tool sanlock 2 acquire $UUID2 web2 "$disk:exclusive")
	got=$?
	set -e
	[ $got = 0 ] && break
	if [ $got != 3 ] || [ "$(date +%s)" -gt $deadline ]; then
		fail "host 2 never got the disk: exit $got: $out"
		break
	fi
	sleep 2
done
sanlock_free=$(since "$start")
[ $got = 0 ] && pass "host 2 got host 1's disk ${sanlock_free} s after host 1 died"
expect 0 "host 2 releases" tool sanlock 2 release $UUID2

echo "== figures"
echo "lockspace: dead holder -> lease free on the other host: ${lockspace_free} s"
echo "sanlock: joining the lockspace (both hosts): ${join_time} s"
echo "sanlock (io_timeout ${io_timeout} s, watchdog_fire_timeout 60 s):" \
    "dead host -> lease free on the other host: ${sanlock_free} s" \
    "(sanlock's bound: 8 x io_timeout + 60 = $((8 * io_timeout + 60)) s," \
    "plus the next try)"
if [ $failures -gt 0 ]; then
	echo "check-sanlock: $failures failure(s)"
	exit 1
fi
echo "check-sanlock: all passed"
