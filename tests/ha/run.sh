#!/bin/bash
# make check-ha: the resource agent under ocf-tester (agent-test.sh) and,
# beside it, the three-node Pacemaker cluster (cluster.sh), against a `make
# install DESTDIR=DIR` tree of the build.  Prints each part's result, the scenarios'
# figures and the total time; exit 0 when both passed (a scenario skipped
# because the daemons do not serve a feature yet is reported as SKIP).
#
# usage: tests/ha/run.sh --destdir DIR --prefix PREFIX [--out DIR] [--only agent|cluster]
# As root; installs its Debian packages when missing (install-deps.sh).
set -uo pipefail
. "$(dirname "$0")/lib.sh"
HA_SCOPE=check-ha

DESTDIR="" PREFIX=/usr/local OUT="" ONLY=""
while [ $# -gt 0 ]; do
	case $1 in
	--destdir) DESTDIR=$2; shift 2 ;;
	--prefix) PREFIX=$2; shift 2 ;;
	--out) OUT=$2; shift 2 ;;
	--only) ONLY=$2; shift 2 ;;
	-h|--help) sed -n '2,11p' "$0"; exit 0 ;;
	*) echo "usage: $0 --destdir DIR --prefix PREFIX [--out DIR] [--only agent|cluster]" >&2; exit 2 ;;
	esac
done
[ -n "$DESTDIR" ] || ha_die "--destdir is required (make check-ha passes it)"
[ "$(id -u)" = 0 ] || ha_die "make check-ha runs as root: network namespaces, bridges, overlay mounts"
OUT=${OUT:-$(mktemp -d /tmp/xlha-out.XXXXXX)}
mkdir -p "$OUT"
"$HA_SRC/install-deps.sh" || ha_die "the packages tests/ha needs are missing"

# The two parts share nothing (each makes its own namespaces and daemons),
# and the cluster spends most of its time waiting for Pacemaker's and
# Corosync's timers: they run side by side.
t0=$(ha_now)
agent=skipped cluster=skipped rc=0 agent_pid=""
if [ "$ONLY" != cluster ]; then
	ha_log "the resource agent (ocf-tester and more); log: $OUT/agent.log"
	# bounded as the cluster is (TERM reaches the test's process group)
	timeout -k 30 "${XLHA_CLUSTER_TIMEOUT:-1200}" \
		"$HA_SRC/agent-test.sh" --destdir "$DESTDIR" --prefix "$PREFIX" \
		--out "$OUT/agent" > "$OUT/agent.log" 2>&1 &
	agent_pid=$!
fi
if [ "$ONLY" != agent ]; then
	ha_log "the three-node cluster; log: $OUT/cluster.log"
	if "$HA_SRC/cluster.sh" --destdir "$DESTDIR" --prefix "$PREFIX" \
	    --out "$OUT/cluster" > "$OUT/cluster.log" 2>&1; then
		cluster=PASS
	else
		cluster=FAIL rc=1
		tail -60 "$OUT/cluster.log" >&2
	fi
fi
if [ -n "$agent_pid" ]; then
	if wait "$agent_pid"; then
		agent=PASS
	else
		agent=FAIL rc=1
		tail -40 "$OUT/agent.log" >&2
	fi
	grep -E 'SKIP|FAIL' "$OUT/agent.log" >&2
fi
echo
echo "check-ha: resource agent: $agent"
echo "check-ha: cluster: $cluster"
[ -r "$OUT/cluster/logs/results.txt" ] && sed 's/^/  /' "$OUT/cluster/logs/results.txt"
if [ -r "$OUT/cluster/figures.txt" ]; then
	echo "check-ha: figures (seconds):"
	sed 's/^/  /' "$OUT/cluster/figures.txt"
fi
echo "check-ha: total $(ha_dt "$t0" "$(ha_now)") s; logs in $OUT"
exit $rc
