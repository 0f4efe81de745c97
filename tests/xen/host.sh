# Host-side settings shared by tests/xen/image.sh and tests/xen/run.sh (sourced).
# Every knob is an environment variable; see tests/xen/README.md.

XT_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
XEN_TEST_CACHE=${XEN_TEST_CACHE:-/var/tmp/xenlightd-xen-cache}
case $XEN_TEST_CACHE in
*[[:space:],]*)
	# QEMU's -initrd takes "file args,file": a space or comma would split it
	echo "xen-test: XEN_TEST_CACHE must not contain spaces or commas" >&2
	exit 2 ;;
esac

xt_log() { printf 'xen-test: %s\n' "$*" >&2; }
xt_die() { printf 'xen-test: ERROR: %s\n' "$*" >&2; exit 1; }
xt_now() { date +%s.%N; }
xt_dt() { awk -v s="$1" -v e="$2" 'BEGIN { printf "%.1f", e - s }'; }

# The Debian mirror this host's apt uses for a suite (deb822 first, then
# sources.list), so the dom0 chroot is built from the same archive.
xt_apt_uri() {
	local f u=""
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -r "$f" ] || continue
		u=$(awk -v s="$1" '
			/^[[:space:]]*$/ { uri = "" }
			/^URIs:/ { uri = $2 }
			/^Suites:/ { if (index($0 " ", s)) found = 1 }
			found && uri != "" { print uri; exit }' "$f")
		[ -n "$u" ] && break
	done
	if [ -z "$u" ] && [ -r /etc/apt/sources.list ]; then
		u=$(awk -v s="$1" '$1 == "deb" && index($0 " ", " " s) { print $2; exit }' \
			/etc/apt/sources.list)
	fi
	echo "$u"
}

# Host packages the pipeline needs, with a command that proves each is there.
XT_HOST_PACKAGES="qemu-system-x86 debootstrap busybox-static cpio e2fsprogs
	libxen-dev python3 perl gzip xz-utils gdb"
xt_host_packages_missing() {
	local p missing=""
	for p in $XT_HOST_PACKAGES; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep 'install ok installed' >/dev/null ||
			missing="$missing $p"
	done
	echo "$missing"
}

# XEN_TEST_HOST_PACKAGES: auto (install only what is missing, after
# apt-get update), yes (always update + install), no (never touch apt).
xt_host_packages() {
	local mode=${XEN_TEST_HOST_PACKAGES:-auto} missing
	missing=$(xt_host_packages_missing)
	case $mode in
	no) [ -z "$missing" ] || xt_die "host packages missing:$missing (XEN_TEST_HOST_PACKAGES=no)"
	    return 0 ;;
	auto) [ -z "$missing" ] && return 0 ;;
	esac
	[ "$(id -u)" = 0 ] || xt_die "host packages missing:$missing; run as root or install them"
	xt_log "installing host packages:${missing:- (all, forced)}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q >&2 || xt_die "apt-get update failed"
	# shellcheck disable=SC2086
	apt-get install -y -q -o DPkg::Lock::Timeout=600 --no-install-recommends \
		$XT_HOST_PACKAGES >&2 || xt_die "apt-get install of host packages failed"
}

xt_kernel_package() {
	apt-cache depends linux-image-amd64 2>/dev/null |
		awk '/Depends: linux-image-[0-9]/ && !v { v = $2 } END { print v }'
}

# Versions the image is built from: Xen exactly as the host's libxen-dev (the
# daemon is linked against it), the kernel as apt's linux-image-amd64.
xt_versions() {
	XT_XEN_VERSION=$(dpkg-query -W -f='${Version}' libxen-dev 2>/dev/null)
	[ -n "$XT_XEN_VERSION" ] || xt_die "libxen-dev is not installed on the host"
	XT_KPKG=${XEN_TEST_KERNEL_PACKAGE:-$(xt_kernel_package)}
	if [ -z "$XT_KPKG" ] && [ "$(id -u)" = 0 ]; then
		# a machine whose apt lists were never fetched (or were cleaned)
		xt_log "apt knows no linux-image-amd64: apt-get update"
		apt-get update -q >&2
		XT_KPKG=$(xt_kernel_package)
	fi
	[ -n "$XT_KPKG" ] || xt_die "cannot resolve linux-image-amd64 (apt-get update?)"
	XT_KPKG_VERSION=$(apt-cache policy "$XT_KPKG" | awk '/Candidate:/ && !v { v = $2 } END { print v }')
	[ -n "$XT_KPKG_VERSION" ] && [ "$XT_KPKG_VERSION" != "(none)" ] ||
		xt_die "no candidate for $XT_KPKG"
	XT_KVER=${XT_KPKG#linux-image-}
}

# What goes into the cached root file system (debootstrap + these packages).
# Changing it changes the cache key, so it is rebuilt.  qemu-system-xen
# and seabios: the device model and BIOS of HVM guests (scenario 11).
XT_DOM0_PACKAGES="xen-utils-4.17 xenstore-utils kmod busybox iproute2 procps
	libevent-core-2.1-7 libevent-pthreads-2.1-7 libjson-c5 file binutils jq
	qemu-system-xen seabios"
XT_ROOTFS_RECIPE=2

xt_hash() { sha256sum | cut -c1-"${1:-10}"; }

# Under pipefail a reader that stops early (grep -q, head, awk's exit) can
# fail its pipeline with the writer's SIGPIPE (status 141): readers here
# read their input to the end.
xt_two_hosts() { awk 'NR <= 5 && /^# hosts: 2/ { f = 1 } END { exit !f }' "$1"; }

# Cache layout: $XEN_TEST_CACHE/<key>/ holds the boot files and rootfs.tar
# (the slow part: package fetch + debootstrap); <key>/image-<hash>/ holds the
# ext4 image and dom0 initramfs built from rootfs.tar plus tests/xen/boot/.
xt_keys() {
	xt_versions
	local r
	r=$(printf '%s\n' "$XT_ROOTFS_RECIPE" $XT_DOM0_PACKAGES | xt_hash 8)
	XT_KEY="xen-${XT_XEN_VERSION}_${XT_KPKG}-${XT_KPKG_VERSION}_r$r"
	XT_KEYDIR=$XEN_TEST_CACHE/$XT_KEY
	XT_IMAGE_HASH=$(cat "$XT_SRC/image.sh" "$XT_SRC"/boot/* | xt_hash 10)
	XT_IMAGEDIR=$XT_KEYDIR/image-$XT_IMAGE_HASH
}
