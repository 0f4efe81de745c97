#!/bin/bash
# The metrics endpoint's cost: a scrape of GET /metrics against
# domain-stats of every domain, with 1000 and 10,000 simulated domains.
#   bench/metrics.sh [--build DIR] [--scrapes N] [--keep]
# Needs a built tree (default build/), curl and python3.
#
# The domains: one is created through the daemon (2 vCPUs, 2 disks, 1
# interface), then the daemon stops and the simulated host gets copies of
# it (new domid, name, UUID) until it has 1000, then 10,000; the daemon,
# started again, adopts them as it adopts domains xl started.  (Creating
# 10,000 through the daemon forks 10,000 build helpers: an hour on a busy
# 2-CPU machine, for the same running domains.)
#
# Per domain count: the scrape's wall time (median and max of N scrapes,
# each more than a second after the last, so that each collects libxenstat
# afresh: the endpoint reuses statistics younger than a second), the
# daemon's CPU per scrape (utime+stime of /proc/PID/stat over the N
# scrapes, clock ticks of 10 ms), the text's size; then the same for
# domain-stats of every domain (`xlbench call`: its wall time includes
# starting xlbench, the daemon's CPU does not).
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
stop() {
	[ -n "$pid" ] || return 0
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	pid=
}
cleanup() {
	stop
	[ $keep = 1 ] && echo "kept $work" >&2 || rm -rf "$work"
}
trap cleanup EXIT

start() {
	mkdir -p "$work/run" "$work/state"
	"$build/daemon/xenlightd" --foreground --sim --no-config \
	    --rundir "$work/run" --statedir "$work/state" \
	    --log-file "$work/xenlightd.log" \
	    --metrics-listen "127.0.0.1:$port" 2>>"$work/stderr" &
	pid=$!
	for _ in $(seq 600); do
		curl -sf -o /dev/null "http://127.0.0.1:$port/metrics" && return
		sleep 0.1
	done
	echo "$0: the daemon did not start (see $work)" >&2
	exit 1
}

call() {	# COMMAND [JSON]
	"$xlbench" -s "$work/run/xenlightd.sock" call "$@"
}

# copies of the template domain until the host has COUNT (Domain-0 aside)
clone() {	# COUNT
	python3 - "$work/run/sim" "$1" <<'PY'
import glob, json, os, sys, uuid
sim, count = sys.argv[1], int(sys.argv[2])
files = glob.glob(os.path.join(sim, "domain-*.json"))
template = json.load(open(os.path.join(sim, "domain-1.json")))
host = json.load(open(os.path.join(sim, "host.json")))
domid = host["next_domid"]
for i in range(len(files), count):
    d = json.loads(json.dumps(template))
    d["domid"] = domid
    d["name"] = d["config"]["c_info"]["name"] = "m-%d" % i
    d["uuid"] = d["config"]["c_info"]["uuid"] = str(uuid.uuid4())
    with open(os.path.join(sim, "domain-%d.json" % domid), "w") as f:
        json.dump(d, f)
    domid += 1
host["next_domid"] = domid
with open(os.path.join(sim, "host.json"), "w") as f:
    json.dump(host, f)
PY
}

cpu_ticks() {	# utime + stime of the daemon
	awk '{ print $14 + $15 }' "/proc/$pid/stat"
}

report() {	# WHAT DOMAINS BEFORE AFTER FILE
	python3 - "$@" "$scrapes" "$(getconf CLK_TCK)" "$work/times" <<'PY'
import os, sys
what, n, before, after, path = sys.argv[1:6]
k, hz = int(sys.argv[6]), int(sys.argv[7])
t = sorted(float(x) * 1000 for x in open(sys.argv[8]))
cpu = (int(after) - int(before)) * 1000.0 / hz / k
print(f"result {what} domains={n} count={k} wall_ms_p50={t[len(t)//2]:.1f} "
      f"wall_ms_max={t[-1]:.1f} daemon_cpu_ms={cpu:.1f} "
      f"bytes={os.path.getsize(path)}")
PY
}

measure() {	# DOMAINS
	local before after
	curl -sf -o /dev/null "http://127.0.0.1:$port/metrics"	# warm up
	: >"$work/times"
	before=$(cpu_ticks)
	for _ in $(seq "$scrapes"); do
		sleep 1.1
		curl -sf -o "$work/scrape.txt" -w '%{time_total}\n' \
		    "http://127.0.0.1:$port/metrics" >>"$work/times"
	done
	after=$(cpu_ticks)
	report scrape "$1" "$before" "$after" "$work/scrape.txt"
	: >"$work/times"
	before=$(cpu_ticks)
	for _ in $(seq "$scrapes"); do
		/usr/bin/time -f %e -a -o "$work/times" "$xlbench" \
		    -s "$work/run/xenlightd.sock" call domain-stats '{}' \
		    >"$work/stats.json"
	done
	after=$(cpu_ticks)
	report domain-stats-all "$1" "$before" "$after" "$work/stats.json"
}

echo "# $(nproc) cpus, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ)"
start
"$xlbench" -s "$work/run/sim.sock" call sim-set \
    '{"create_ms":0,"host_memory_mib":16777216}' >/dev/null
call domain-create '{"xl_config":"name=\"m-0\"\nmemory=64\nvcpus=2\nkernel=\"/boot/vmlinuz\"\ndisk=[\"format=raw,vdev=xvda,access=rw,target=/img/a.img\",\"format=raw,vdev=xvdb,access=rw,target=/img/b.img\"]\nvif=[\"bridge=xenbr0\"]\n"}' >/dev/null
for n in 1000 10000; do
	stop
	clone "$n"
	start
	measure "$n"
done
