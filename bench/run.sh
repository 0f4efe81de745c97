#!/bin/bash
# Runs every benchmark scenario against xenlightd (on the simulated
# hypervisor) and the same load shapes against libvirtd (its test driver),
# in one invocation, on this machine; writes bench/results/<date>.txt (the
# table) and bench/results/<date>-raw.txt (every result line), prints the
# table.  As root on Debian 12: installs what it needs with apt-get.
#
#   bench/run.sh [--quick] [--reps N] [--duration S] [--no-libvirt]
#                [--build DIR] [--keep] [--only saves|xen] [--xen]
#
#   --quick       3 s per measurement, 1 repetition, no 10,000 domains
#   --reps N      repetitions of every measurement (medians reported) [3]
#   --duration S  measured seconds per measurement [10]
#   --no-libvirt  xenlightd only
#   --build DIR   build directory [build-bench]
#   --keep        keep the work directory (/var/tmp/xlbench.*)
#   --only saves  only the idle and the 8-saves measurements, with the
#                 streaming helpers lowered (with and without the loop's
#                 short slice), under SCHED_IDLE and at the daemon's priority
#   --xen         also on real Xen under QEMU (as root; 40-60 min under TCG):
#                 tests/xen scenarios 08 (save and restore against xl's, same
#                 guest, same boot) and 21 (live migration between the
#                 daemons of two hosts against xl migrate); their METRIC
#                 lines go into the table (--only xen: these alone;
#                 BENCH_XEN_SCENARIOS="..." another list)
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
reps=3
duration=10
warmup=1
quick=0
libvirt=1
keep=0
build=$top/build-bench
big=1
only=""
xen=0
while [ $# -gt 0 ]; do
	case $1 in
	--quick) quick=1; reps=1; duration=3; big=0 ;;
	--reps) reps=$2; shift ;;
	--duration) duration=$2; shift ;;
	--no-libvirt) libvirt=0 ;;
	--build) build=$2; shift ;;
	--keep) keep=1 ;;
	--only) only=$2; big=0; libvirt=0; shift
		case $only in saves|xen) ;; *) echo "--only saves or --only xen" >&2; exit 2 ;; esac ;;
	--xen) xen=1 ;;
	-h|--help) sed -n '2,25p' "$0"; exit 0 ;;
	*) echo "unknown option $1" >&2; exit 2 ;;
	esac
	shift
done

say() { printf '== %s\n' "$*" >&2; }

# ---------------------------------------------------------------- set-up
need_pkgs=""
for p in gcc make pkg-config python3; do
	dpkg -s "$p" >/dev/null 2>&1 || need_pkgs="$need_pkgs $p"
done
if [ $libvirt = 1 ]; then
	# libvirt is installed for the comparison only, never used by
	# xenlightd's build
	for p in libvirt-daemon libvirt-clients libvirt-dev python3-libvirt; do
		dpkg -s "$p" >/dev/null 2>&1 || need_pkgs="$need_pkgs $p"
	done
fi
if [ -n "$need_pkgs" ]; then
	say "installing$need_pkgs"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends $need_pkgs >/dev/null
fi
if ! pkg-config --exists libevent_core json-c xenlight 2>/dev/null; then
	say "installing the build dependencies (scripts/install-deps.sh)"
	"$top/scripts/install-deps.sh"
fi
say "building in $build"
"$top/scripts/build.sh" "$build" >/dev/null
make -C "$build" bench/xlbench >/dev/null

work=$(mktemp -d /var/tmp/xlbench.XXXXXX)
xlbench=$build/bench/xlbench
virtbench=$work/virtbench
if [ $libvirt = 1 ]; then
	gcc -O2 -g -Wall -Wextra -o "$virtbench" "$top/bench/virtbench.c" \
	    "$top/bench/measure.c" $(pkg-config --cflags --libs libvirt) \
	    -lpthread
fi
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

date=$(date -u +%Y-%m-%dT%H%MZ)
mkdir -p "$top/bench/results"
raw=$top/bench/results/$date-raw.txt
table=$top/bench/results/$date.txt
: > "$raw"

xl_pid=""
xl_pids=""
lv_pid=""
hold_pid=""
cleanup() {
	[ -n "$hold_pid" ] && kill "$hold_pid" 2>/dev/null || true
	[ -n "$lv_pid" ] && "$top/bench/libvirtd.sh" stop "$work/libvirt" || true
	for p in $xl_pids; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	rm -f "$work"/saves*/*.save* 2>/dev/null || true
	[ $keep = 1 ] || rm -rf "$work"
}
trap cleanup EXIT

# Every result line gets the repetition number; stderr goes to the log.
rep=0
record() {
	local line
	line=$("$@" 2>>"$work/bench.log" | grep '^result ' || true)
	if [ -z "$line" ]; then
		say "FAILED: $* (see $work/bench.log)"
		tail -3 "$work/bench.log" >&2
		return 0
	fi
	echo "$line rep=$rep" | tee -a "$raw" >&2
}

# ---------------------------------------------------------------- xenlightd
xl_start() {	# NAME [DAEMON OPTIONS]: a daemon in $work/NAME; sets xl, xl_pid
	local dir=$work/$1
	shift
	mkdir -p "$dir/run" "$dir/state"
	"$build/daemon/xenlightd" --foreground --sim --no-config \
	    --rundir "$dir/run" --statedir "$dir/state" \
	    --log-file "$dir/xenlightd.log" "$@" 2>>"$dir/stderr" &
	xl_pid=$!
	xl_pids="$xl_pids $xl_pid"
	for _ in $(seq 100); do
		[ -S "$dir/run/xenlightd.sock" ] && break
		sleep 0.1
	done
	xl=("$xlbench" -s "$dir/run/xenlightd.sock" -p "$xl_pid")
	# 1 GiB guests saved at 64 MiB/s: 16 s per save
	"$xlbench" -s "$dir/run/sim.sock" call sim-set \
	    '{"create_ms":0,"host_memory_mib":16777216,"save_mib_s":64}' \
	    >/dev/null
}

saves() {	# [LABEL]: domain-info while 8 saves run, at 1, 8, 32 clients
	local c label=()
	[ $# -gt 0 ] && label=(-l "$1")
	for c in 1 8 32; do
		record "${xl[@]}" -P bench- -c "$c" "${T[@]}" --saves 8 \
		    --save-prefix big- --save-dir "$work/saves$#" \
		    "${label[@]}" load
	done
}

lv_start() {
	lv_pid=$("$top/bench/libvirtd.sh" start "$work/libvirt")
	uri="test+unix:///default?socket=$work/libvirt/sock/libvirt-sock"
	lv=("$virtbench" -u "$uri" -p "$lv_pid")
}

lv_populate() {	# COUNT PREFIX: a holder process keeps the state alive
	"${lv[@]}" -n "$1" -P "$2" populate >"$work/hold-$2.out" \
	    2>>"$work/bench.log" &
	local pid=$!
	for _ in $(seq 1200); do
		grep -q ready "$work/hold-$2.out" 2>/dev/null && break
		sleep 0.1
	done
	echo "$pid"
}

# tests/xen's metrics (not pass/fail timings), appended to the table
xen_figures() {
	local scenarios=${BENCH_XEN_SCENARIOS:-08 21}
	say "real Xen under QEMU: tests/xen scenarios $scenarios"
	{ echo; echo "## real Xen under QEMU: tests/xen scenarios $scenarios"; echo
	  if make -C "$build" check-xen XEN_TEST_SCENARIOS="$scenarios" \
	      > "${table%.txt}-xen.log" 2>&1; then
		echo "(make check-xen passed)"
	  else
		echo "FAILED: make check-xen (log: ${table%.txt}-xen.log)"
	  fi
	  sed -n '/^scenario /,/^timings/p' "$build/tests/xen/out/summary.txt" \
	      2>/dev/null | sed '$d'; } >> "$table"
}

say "work directory $work; $(nproc) cpus; load: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ "$only" = xen ]; then
	echo "# bench/run.sh --only xen $date, xenlightd $(git -C "$top" describe --always --dirty 2>/dev/null || echo '?')" > "$table"
	rm -f "$raw"
	xen_figures
	cat "$table"
	exit 0
fi
mkdir -p "$work/saves0" "$work/saves1"
T=(-t "$duration" -w "$warmup")
if [ "$only" = saves ]; then
	# the same daemon four times: streaming helpers lowered (the
	# default), the same with the loop at the kernel's slice, the helpers
	# under SCHED_IDLE, and left at the daemon's priority
	for variant in lowered longslice idle same; do
		case $variant in
		same) xl_start same --helper-nice 0 --helper-ioprio none ;;
		idle) xl_start idle --helper-sched idle ;;
		longslice) xl_start longslice --loop-slice 0 ;;
		*) xl_start xl ;;
		esac
		"${xl[@]}" -P bench- -n 1000 populate 2>>"$work/bench.log"
		"${xl[@]}" -P big- -n 8 --memory-mib 1024 populate \
		    2>>"$work/bench.log"
		for rep in $(seq "$reps"); do
			for c in 1 8 32; do
				record "${xl[@]}" -P bench- -c "$c" "${T[@]}" \
				    -l "$variant" load
			done
			saves "$variant"
		done
		kill "$xl_pid"
		wait "$xl_pid" 2>/dev/null || true
		rm -f "$work"/saves*/*.save*
	done
	python3 "$top/bench/report.py" --saves-only "$raw" | tee "$table"
	exit 0
fi
xl_start xl
rep=0
record "${xl[@]}" rss
if [ $libvirt = 1 ]; then
	lv_start
	record "${lv[@]}" rss
fi

say "populating: 1000 domains each (and 8 big ones for the saves)"
"${xl[@]}" -P bench- -n 1000 populate 2>>"$work/bench.log"
"${xl[@]}" -P big- -n 8 --memory-mib 1024 populate 2>>"$work/bench.log"
if [ $libvirt = 1 ]; then
	hold_pid=$(lv_populate 1000 bench-)
fi
sleep 1
record "${xl[@]}" -P bench- rss
[ $libvirt = 1 ] && record "${lv[@]}" rss
# before any load, whose transient memory the daemons keep
record "${xl[@]}" -c 1000 --hold 2 idle
[ $libvirt = 1 ] && record "${lv[@]}" -c 1000 --hold 2 idle

for rep in $(seq "$reps"); do
	say "repetition $rep of $reps (load: $(cut -d' ' -f1-3 /proc/loadavg))"
	for c in 1 8 32; do
		record "${xl[@]}" -P bench- -c "$c" "${T[@]}" load
		if [ $libvirt = 1 ]; then
			record "${lv[@]}" -n 1000 -c "$c" "${T[@]}" info
			record "${lv[@]}" -n 1000 -c "$c" "${T[@]}" state
			record "${lv[@]}" -n 1000 -c "$c" "${T[@]}" info-cached
		fi
	done
	saves
	# builds blocking the build helpers (libvirt's test driver has no
	# long creates); xlbench destroys the domains and puts the
	# simulator's build_ms and create_ms back itself
	for c in 1 32; do
		record "${xl[@]}" -P bench- -c "$c" "${T[@]}" --creates 8 load
	done
	record "${xl[@]}" -P bench- -c 1 -m domain-list "${T[@]}" load
	[ $libvirt = 1 ] && record "${lv[@]}" -n 1000 -c 1 "${T[@]}" list
	for c in 1 32; do
		record "${xl[@]}" -P bench- -c "$c" "${T[@]}" connect
		[ $libvirt = 1 ] && record "${lv[@]}" -n 1000 -c "$c" "${T[@]}" connect
	done
	record "${xl[@]}" -P bench- -n 100 --subscribers 1000 --rounds 3 events
	[ $libvirt = 1 ] && record "${lv[@]}" -P bench- -n 100 --subscribers 1000 \
	    --rounds 3 events
done

if [ $big = 1 ]; then
	# a failed creates measurement may have left long builds configured
	"$xlbench" -s "$work/xl/run/sim.sock" call sim-set \
	    '{"create_ms":0,"build_ms":0}' >/dev/null
	say "populating: 9000 more domains each"
	"${xl[@]}" -P bench- --start 1000 -n 9000 populate 2>>"$work/bench.log"
	if [ $libvirt = 1 ]; then
		hold2=$(lv_populate 9000 more-)
	fi
	sleep 1
	rep=0
	record "${xl[@]}" rss
	[ $libvirt = 1 ] && record "${lv[@]}" rss
	for rep in $(seq "$reps"); do
		record "${xl[@]}" -P bench- -c 1 -m domain-list "${T[@]}" \
		    -l 10k load
		[ $libvirt = 1 ] && record "${lv[@]}" -n 10000 -c 1 "${T[@]}" \
		    -l 10k list
	done
	[ $libvirt = 1 ] && kill "$hold2" 2>/dev/null || true
fi

# ---------------------------------------------------------------- report
{
	echo "# xenlightd vs libvirtd — bench/run.sh $date"
	echo "# machine: $(nproc) cpus, $(grep -m1 'model name' /proc/cpuinfo |
	    cut -d: -f2 | sed 's/^ *//'), $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo) RAM,"\
	    "$(. /etc/os-release; echo "$PRETTY_NAME"), kernel $(uname -r)"
	echo "# libvirt: $(dpkg-query -W -f '${Version}' libvirt-daemon 2>/dev/null || echo none)"
	echo "# xenlightd: $(git -C "$top" describe --always --dirty 2>/dev/null || echo '?')"
	echo "# $reps repetition(s) of ${duration} s (+${warmup} s warm-up); medians; load = 1-min load average at the end of each measurement"
	echo
	/usr/bin/python3 "$top/bench/report.py" "$raw"
} > "$table"
# the new capabilities' costs, each its own script (their figures follow
# the table): metrics scrapes, disk leases on create, migration
for extra in "metrics.sh --build $build" "leases.sh $build 100" \
    "migrate-sim.sh $build"; do
	say "bench/$extra"
	{ echo; echo "## bench/$extra"; echo
	  # shellcheck disable=SC2086
	  bash "$top/bench/"$extra 2>&1 || echo "FAILED: bench/$extra"; } >> "$table"
done
[ $xen = 1 ] && xen_figures
cat "$table"
say "results: $table (raw: $raw)"
