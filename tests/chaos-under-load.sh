#!/bin/sh
# The kill -9 chaos test (tests/func/test-recovery, recovery::kill_9_at_random_points:
# saves, restores, creates, dumps and shutdowns, the daemon killed at a
# random moment of each iteration) with the CPUs kept busy beside it: the
# races only show when the daemon, its helpers and the next daemon are
# scheduled late.
#
#   tests/chaos-under-load.sh [BUILDDIR]          (default: build/)
#
#   CHAOS_ITERATIONS  iterations in all (default 100)
#   CHAOS_ROUND       iterations per run, each run with a fresh random seed
#                     (default 50)
#   CHAOS_SEED        replay one seed (one run of CHAOS_ROUND iterations)
#   CHAOS_BUSY        busy loops beside the test (default 2, at nice -5)
#
# Prints every run's seed and outcomes, and the totals; on a failure the
# seed, the command that replays it and the end of the test's output.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top/build}" && pwd)
total=${CHAOS_ITERATIONS:-100}
round=${CHAOS_ROUND:-50}
busy=${CHAOS_BUSY:-2}
test=$build/tests/func/test-recovery
[ -x "$test" ] || { echo "chaos: no $test (make -C $build check TESTS=)"; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/chaos.XXXXXX")
pids=
cleanup() {
	for pid in $pids; do kill "$pid" 2>/dev/null || true; done
	for pid in $pids; do wait "$pid" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# One busy loop, as the process $! names: exec all the way down, so that
# killing $! stops it (a loop run as a child of the background subshell
# outlived it, and kept both CPUs busy for the rest of a CI run).  A nice
# value below 0 needs privileges: without them, 0.
busy_loop() {
	if nice -n -5 true 2>/dev/null; then
		exec nice -n -5 sh -c 'while :; do :; done'
	fi
	exec sh -c 'while :; do :; done'
}
i=0
while [ "$i" -lt "$busy" ]; do
	busy_loop &
	pids="$pids $!"
	i=$((i + 1))
done

done_its=0 runs=0 ran_on=0 saved=0 shut=0 restored=0
start=$(date +%s)
while [ "$done_its" -lt "$total" ]; do
	n=$round
	[ $((total - done_its)) -lt "$n" ] && n=$((total - done_its))
	seed=${CHAOS_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
	echo "chaos: run $((runs + 1)): seed $seed, $n iterations, $busy busy loops"
	if ! XENLIGHTD_BUILDDIR=$build XENLIGHTD_TEST_SEED=$seed \
	    XENLIGHTD_RECOVERY_ITERATIONS=$n \
	    XENLIGHTD_RECOVERY_REPORT=$work/report \
	    "$test" --filter='recovery/kill_9_at_random_points' --jobs=1 \
	    >"$work/out" 2>&1; then
		tail -40 "$work/out"
		echo "chaos: FAILED with seed $seed after $done_its iterations;" \
		    "replay: CHAOS_SEED=$seed CHAOS_ITERATIONS=$n CHAOS_ROUND=$n $0 $build"
		exit 1
	fi
	read -r _ _ _ _ _ r_on _ r_saved _ r_shut _ r_rest <"$work/report"
	ran_on=$((ran_on + r_on)) saved=$((saved + r_saved))
	shut=$((shut + r_shut)) restored=$((restored + r_rest))
	done_its=$((done_its + n)) runs=$((runs + 1))
	echo "chaos:   passed: guests ran on $r_on, ended saved $r_saved," \
	    "shut down $r_shut, restored $r_rest"
	[ -n "${CHAOS_SEED:-}" ] && break
done
echo "chaos: $done_its iterations in $runs runs under $busy busy loops," \
    "$(($(date +%s) - start)) s, all passed (guest outcomes: ran on $ran_on," \
    "saved $saved, shut down $shut, restored $restored)"
