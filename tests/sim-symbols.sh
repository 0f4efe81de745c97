#!/bin/sh
# sim-symbols.sh BINARY SIMLIB ALLOWLIST
#
# Fails when BINARY imports a libxl_*, xc_*, xs_* or xenstat_* function
# that the simulator (SIMLIB) does not export and that the allowlist of
# pure helpers (one name or shell glob per line, '#' comments) does not
# name: under the simulator such a call would reach the fake Xen handles
# and crash.  Prints each such symbol.
set -eu
set -f	# the allowlist's globs are case patterns, not file names

if [ $# -ne 3 ]; then
	echo "usage: $0 BINARY SIMLIB ALLOWLIST" >&2
	exit 2
fi
binary=$1 simlib=$2 allowlist=$3
for f in "$binary" "$simlib" "$allowlist"; do
	if [ ! -r "$f" ]; then
		echo "$0: cannot read $f" >&2
		exit 2
	fi
done

imports=$(nm -D --undefined-only "$binary" | awk '{print $2}' |
	sed 's/@.*//' | grep -E '^(libxl_|xc_|xs_|xenstat_)' | sort -u) || true
exports=$(nm -D --defined-only "$simlib" | awk '$2 ~ /^[TtWiV]$/ {print $3}' |
	sed 's/@.*//' | sort -u)
patterns=$(sed -e 's/#.*//' -e 's/[[:space:]]//g' "$allowlist" | grep -v '^$') ||
	true

missing=0
for sym in $imports; do
	if printf '%s\n' "$exports" | grep -qx -- "$sym"; then
		continue
	fi
	allowed=no
	for pat in $patterns; do
		# shellcheck disable=SC2254
		case $sym in
		$pat) allowed=yes; break ;;
		esac
	done
	if [ $allowed = no ]; then
		echo "$binary imports $sym: not simulated and not a pure helper"
		missing=$((missing + 1))
	fi
done
if [ $missing -ne 0 ]; then
	echo "$missing symbol(s) would reach Xen under the simulator" >&2
	exit 1
fi
count=$(printf '%s\n' "$imports" | grep -c . || true)
echo "$count hypervisor symbol(s) checked: all simulated or pure"
