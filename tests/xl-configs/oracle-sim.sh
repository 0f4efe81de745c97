#!/bin/bash
# The xl -N oracle of tests/xen scenario 10, without Xen: Debian's own xl
# (xen-utils-4.17 of the host's libxen-dev version, unpacked, not
# installed) runs `xl -N create` with the simulator preloaded, against
# xenlightd --sim; both JSONs go through tests/xen/scenarios/
# xl-oracle-normalise.jq.  Minutes faster than a QEMU run.
# usage: tests/xl-configs/oracle-sim.sh BUILDDIR [FILE...]
#   (default files: tests/xl-configs/*.cfg and Debian's xlexample.*)
set -u
build=$(cd "${1:?usage: oracle-sim.sh BUILDDIR [FILE...]}" && pwd)
shift
src=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'kill "$daemon" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
version=$(dpkg-query -W -f='${Version}' libxen-dev)
(cd "$work" && apt-get download "xen-utils-4.17=$version" >/dev/null 2>&1 &&
	dpkg -x xen-utils-4.17_*.deb xu) || { echo "cannot get xen-utils-4.17" >&2; exit 2; }
xl=$work/xu/usr/lib/xen-4.17/bin/xl
"$src/tests/xl-configs/fetch-debian-examples.sh" "$work/debian" || exit 2
[ $# -gt 0 ] || set -- "$src"/tests/xl-configs/*.cfg "$work"/debian/xlexample.*
mkdir -p "$work/run" "$work/state" "$work/simrun"
"$build/daemon/xenlightd" --foreground --sim --no-config --rundir "$work/run" \
	--statedir "$work/state" --log-file "$work/log" &
daemon=$!
for _ in $(seq 50); do [ -S "$work/run/xenlightd.sock" ] && break; sleep 0.1; done
xlctl() { "$build/client/xlctl" -c "$work/run/xenlightd.sock" "$@"; }
failed=0
for f in "$@"; do
	b=$(basename "$f")
	random=false
	grep -q '^[[:space:]]*uuid[[:space:]]*=' "$f" || random=true
	rdm=false
	grep -q '^[[:space:]]*rdm[[:space:]]*=' "$f" && rdm=true
	if ! XENLIGHTD_SIM_RUNDIR=$work/simrun \
	    LD_PRELOAD=$build/sim/.libs/libxenlight-sim.so \
	    "$xl" -N create "$f" > "$work/$b.xl" 2> "$work/$b.err"; then
		echo "FAIL $b: xl -N: $(tail -n 1 "$work/$b.err")"; failed=1; continue
	fi
	name=$(jq -r .c_info.name "$work/$b.xl")
	xlctl define "$f" > /dev/null || { echo "FAIL $b: define"; failed=1; continue; }
	xlctl config "$name" > "$work/$b.daemon"
	xlctl undefine "$name" > /dev/null
	for side in xl daemon; do
		jq -S --argjson random_uuid "$random" --argjson has_rdm "$rdm" \
			-f "$src/tests/xen/scenarios/xl-oracle-normalise.jq" \
			"$work/$b.$side" > "$work/$b.$side.n"
	done
	if diff -u "$work/$b.xl.n" "$work/$b.daemon.n"; then
		echo "SAME $b"
	else
		echo "FAIL $b: xl -N and domain-config differ"; failed=1
	fi
done
exit $failed
