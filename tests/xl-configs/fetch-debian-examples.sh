#!/bin/sh
# Copies Debian's xl example configs (/etc/xen/xlexample.*, from the
# xen-utils-common package) into DIR.  They are GPL-2 and the xenlightd
# tree states no licence, so they are not kept in the tree: taken from
# /etc/xen when installed, else from the package (apt-get download, the
# version of the host's libxen-dev, unpacked with dpkg -x).
set -eu
dir=${1:?usage: fetch-debian-examples.sh DIR}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
if ls /etc/xen/xlexample.* >/dev/null 2>&1; then
	cp /etc/xen/xlexample.* "$dir"/
	exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
version=$(dpkg-query -W -f='${Version}' libxen-dev 2>/dev/null || true)
cd "$tmp"
if ! apt-get download "xen-utils-common${version:+=$version}" >/dev/null 2>&1 &&
    ! apt-get download xen-utils-common >/dev/null 2>&1; then
	echo "fetch-debian-examples: cannot download xen-utils-common" >&2
	exit 1
fi
dpkg -x xen-utils-common_*.deb x
cp x/etc/xen/xlexample.* "$dir"/
