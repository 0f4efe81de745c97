#!/bin/sh
# The README's first command: install, build, start xenlightd (on the
# simulated hypervisor when this host has no Xen) and show it answering.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/install-deps.sh"
"$top/scripts/build.sh"
daemon="$top/build/daemon/xenlightd"
xlctl="$top/build/client/xlctl"
if grep -qs control_d /proc/xen/capabilities; then
	echo "== Xen dom0: starting xenlightd on the hypervisor"
	set --
else
	echo "== no Xen here: starting xenlightd on the simulated hypervisor"
	set -- --sim --statedir /var/lib/xenlightd-sim
fi
if "$xlctl" version >/dev/null 2>&1; then
	echo "== a xenlightd already answers on /run/xenlightd/xenlightd.sock"
else
	# returns once the daemon serves; it logs to syslog
	"$daemon" "$@"
fi
echo "== xlctl host-info"
"$xlctl" host-info
echo "== xlctl list"
"$xlctl" list
echo
echo "xenlightd runs (pid $(cat /run/xenlightd/xenlightd.pid)); try $xlctl help"
