#!/bin/sh
# What make check-ha needs on Debian 12, installed when missing (as root):
# the cluster stack, the OCF tools, crmsh and pcs (the configuration tools
# the operator's guide shows), sshd (xlctl migrate asks the target's daemon
# for a token over ssh), iproute2 and util-linux (namespaces), python3 (the
# tests' JSON and the never-two watcher), libxml2-utils (ocf-tester's
# meta-data check).  XLHA_INSTALL_DEPS=no: never touch apt.
set -eu
PACKAGES="pacemaker pacemaker-cli-utils corosync resource-agents crmsh pcs
	openssh-server openssh-client iproute2 util-linux procps python3
	libxml2-utils"
missing=""
for p in $PACKAGES; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "${XLHA_INSTALL_DEPS:-auto}" = no ]; then
	echo "tests/ha: missing packages:$missing (XLHA_INSTALL_DEPS=no)" >&2
	exit 1
fi
[ "$(id -u)" = 0 ] || { echo "tests/ha: missing packages:$missing; run as root" >&2; exit 1; }
echo "tests/ha: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >&2
# shellcheck disable=SC2086
apt-get install -y -q -o DPkg::Lock::Timeout=600 --no-install-recommends \
	$missing >&2
