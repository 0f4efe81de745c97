#!/bin/bash
# The metrics endpoint's cost: a scrape of GET /metrics against
# domain-stats of every domain, with 1000 and 10,000 simulated domains.
#   bench/metrics.sh [--build DIR] [--scrapes N] [--keep]
# Needs a built tree (default build/), curl and python3.  Prints, per
# domain count: the scrape's wall time (median and max of N scrapes, each
# more than a second after the last, so that each collects libxenstat
# afresh: the endpoint reuses statistics younger than a second), the
# daemon's CPU per scrape (utime+stime of /proc/PID/stat over the scrapes,
# clock ticks of 10 ms) and the size of the text; then the same of
# domain-stats of every domain (`xlbench call`: its wall time includes
# starting xlbench, its daemon CPU does not), for comparison.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=$top/build
scrapes=10
keep=0
while [ $# -gt 0 ]; do
	case $1 in
	--build) build=$(cd "$2" && pwd); shift ;;
	--scrapes) scrapes=$2; shift ;;
	--keep) keep=1 ;;
	*) echo "usage: $0 [--build DIR] [--scrapes N] [--keep]" >&2; exit 2 ;;
	esac
	shift
done
xlbench=$build/bench/xlbench
[ -x "$build/daemon/xenlightd" ] && [ -x "$xlbench" ] || {
	echo "$0: build the tree first (scripts/build.sh)" >&2; exit 1; }
work=$(mktemp -d /var/tmp/xlmetrics.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	[ $keep = 1 ] && echo "kept $work" >&2 || rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/run" "$work/state"
"$build/daemon/xenlightd" --foreground --sim --no-config \
    --rundir "$work/run" --statedir "$work/state" \
    --log-file "$work/xenlightd.log" --metrics-listen "127.0.0.1:$port" \
    2>>"$work/stderr" &
pid=$!
for _ in $(seq 100); do
	[ -S "$work/run/xenlightd.sock" ] && break
	sleep 0.1
done
xl=("$xlbench" -s "$work/run/xenlightd.sock" -p "$pid")
"$xlbench" -s "$work/run/sim.sock" call sim-set \
    '{"create_ms":0,"host_memory_mib":16777216}' >/dev/null

cpu_ticks() {	# utime + stime of the daemon
	awk '{ print $14 + $15 }' "/proc/$pid/stat"
}

measure() {	# DOMAINS
	local before after times bytes
	curl -sf -o /dev/null "http://127.0.0.1:$port/metrics"	# warm up
	sleep 1.1
	: >"$work/times"
	before=$(cpu_ticks)
	for _ in $(seq "$scrapes"); do
		curl -sf -o "$work/scrape.txt" -w '%{time_total}\n' \
		    "http://127.0.0.1:$port/metrics" >>"$work/times"
		sleep 1.1
	done
	after=$(cpu_ticks)
	bytes=$(stat -c %s "$work/scrape.txt")
	python3 - "$1" "$scrapes" "$before" "$after" "$bytes" \
	    "$(getconf CLK_TCK)" "$work/times" <<'PY'
import sys
n, k, before, after, size, hz = map(int, sys.argv[1:7])
t = sorted(float(x) * 1000 for x in open(sys.argv[7]))
cpu = (after - before) * 1000.0 / hz / k
print(f"result metrics domains={n} scrapes={k} scrape_ms_p50={t[len(t)//2]:.1f} "
      f"scrape_ms_max={t[-1]:.1f} daemon_cpu_ms_per_scrape={cpu:.1f} "
      f"bytes={size} lines={sum(1 for _ in open(sys.argv[7].replace('times','scrape.txt')))}")
PY
	# domain-stats of every domain, as a client would ask it: each call
	# is a fresh collection (domain-stats never reuses statistics)
	: >"$work/times"
	before=$(cpu_ticks)
	for _ in $(seq "$scrapes"); do
		/usr/bin/time -f %e -a -o "$work/times" "$xlbench" \
		    -s "$work/run/xenlightd.sock" call domain-stats '{}' \
		    >"$work/stats.json"
	done
	after=$(cpu_ticks)
	bytes=$(stat -c %s "$work/stats.json")
	python3 - "$1" "$scrapes" "$before" "$after" "$bytes" \
	    "$(getconf CLK_TCK)" "$work/times" <<'PY'
import sys
n, k, before, after, size, hz = map(int, sys.argv[1:7])
t = sorted(float(x) * 1000 for x in open(sys.argv[7]))
cpu = (after - before) * 1000.0 / hz / k
print(f"result domain-stats-all domains={n} calls={k} call_ms_p50={t[len(t)//2]:.0f} "
      f"call_ms_max={t[-1]:.0f} daemon_cpu_ms_per_call={cpu:.1f} bytes={size}")
PY
}

echo "# $(nproc) cpus, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ)"
"${xl[@]}" -P m- -n 1000 populate 2>>"$work/bench.log"
measure 1000
"${xl[@]}" -P m- --start 1000 -n 9000 populate 2>>"$work/bench.log"
measure 10000
