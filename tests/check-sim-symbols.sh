#!/bin/sh
# make check: every libxl/xc/xs/xenstat function the daemon and its helpers
# import is provided by the simulator or is a reviewed pure helper
# (sim/pure-helpers.txt), so nothing run under --sim can reach Xen.
set -eu
build=${XENLIGHTD_BUILDDIR:?}
src=${XENLIGHTD_SRCDIR:?}
status=0
for binary in "$build"/daemon/xenlightd "$build"/daemon/xenlightd-*-helper; do
	[ -x "$binary" ] || continue
	echo "checking $binary"
	sh "$src/tests/sim-symbols.sh" "$binary" \
	    "$build/sim/.libs/libxenlight-sim.so" \
	    "$src/sim/pure-helpers.txt" || status=1
done
exit $status
