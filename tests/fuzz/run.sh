#!/bin/sh
# tests/fuzz/run.sh LABEL FUZZER [libFuzzer arguments...]: one fuzzer run of
# `make fuzz-run`, with libFuzzer's final statistics, ending with the line
#   fuzz-run: LABEL: N executions, exit S
# (from stat::number_of_executed_units) so that a CI log can be summed.
# The fuzzer's own output is shown whole on failure, its tail otherwise.
set -u
label=$1 fuzzer=$2
shift 2
log=$(mktemp "${TMPDIR:-/tmp}/fuzz-run.XXXXXX")
"$fuzzer" -print_final_stats=1 "$@" >"$log" 2>&1
status=$?
if [ "$status" -ne 0 ]; then
	cat "$log"
else
	tail -25 "$log"
fi
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
echo "fuzz-run: $label: ${execs:-?} executions, exit $status"
rm -f "$log"
exit "$status"
