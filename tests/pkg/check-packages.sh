#!/bin/bash
# The Debian packages, end to end (as root, on Debian 12):
#   1. build them with `dpkg-buildpackage -us -uc -b` in a copy of this tree
#      (the tree itself stays clean);
#   2. check them: Debian 12's lintian (no error, no warning), the files and
#      conffiles each package must hold, systemd-analyze verify on the units;
#   3. install them with `apt-get install ./*.deb`, into a debootstrap
#      chroot (default: this machine may be shared) or on this machine
#      (--install host, for throwaway CI machines);
#   4. run the installed daemon on the simulator from the installed paths
#      (/usr/sbin/xenlightd --sim, the helpers in /usr/libexec/xenlightd,
#      the simulator in the package xenlightd-sim) with a private run and
#      state directory, and drive it with the installed xlctl: version, a
#      guest created, listed and destroyed, the read-only socket refusing a
#      change, the default configuration file read;
#   5. purge them and check that no file and no process is left.
#
# usage: tests/pkg/check-packages.sh [--install chroot|host] [--no-deps]
#            [--with-check] [--keep] [--out DIR]
#   --no-deps     do not run tests/pkg/install-deps.sh and apt-get build-dep
#   --with-check  let the package build run `make check` (default: nocheck)
#   --keep        keep the work directory (/tmp/xenlightd-pkg-*)
#   --out DIR     also copy the built .deb files to DIR
# The chroot's base system is cached in $XENLIGHTD_PKG_CACHE (default
# /var/tmp/xenlightd-pkg-cache); it comes from the Debian archive this
# machine's apt uses.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
mode=chroot
deps=yes
check=no
keep=no
out=""
while [ $# -gt 0 ]; do
	case $1 in
	--install) mode=$2; shift 2 ;;
	--no-deps) deps=no; shift ;;
	--with-check) check=yes; shift ;;
	--keep) keep=yes; shift ;;
	--out) out=$2; shift 2 ;;
	*) echo "usage: $0 [--install chroot|host] [--no-deps] [--with-check] [--keep] [--out DIR]" >&2
	   exit 2 ;;
	esac
done
case $mode in chroot|host) ;; *) echo "$0: --install chroot or host" >&2; exit 2 ;; esac
[ "$(id -u)" = 0 ] || { echo "$0: run as root" >&2; exit 2; }

PACKAGES="xenlightd xlctl libxlctl0 libxlctl-dev xenlightd-sim"
CACHE=${XENLIGHTD_PKG_CACHE:-/var/tmp/xenlightd-pkg-cache}
WORK=$(mktemp -d /tmp/xenlightd-pkg-XXXXXX)
ROOT=""		# the installed system: "" (this machine) or the chroot
daemon_pid=""
passed=0
failed=0

log() { printf 'check-packages: %s\n' "$*" >&2; }
ok() { passed=$((passed + 1)); printf 'ok - %s\n' "$*"; }
bad() { failed=$((failed + 1)); printf 'not ok - %s\n' "$*"; }
die() { bad "$*"; summary; exit 1; }
summary() { printf '%d passed, %d failed\n' "$passed" "$failed"; }
# check DESCRIPTION COMMAND...: one assertion
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }

# Runs a command in the installed system: here, or chrooted with /proc and
# /dev mounted in a private mount namespace (nothing shows on the host, and
# the mounts go with the last process of the namespace).
inroot() {
	if [ -z "$ROOT" ]; then
		"$@"
	else
		unshare --mount --propagation private -- sh -c '
			root=$1; shift
			mount -t proc proc "$root/proc" &&
			mount --rbind /dev "$root/dev" &&
			exec chroot "$root" "$@"' sh "$ROOT" "$@"
	fi
}

xlctl() { inroot /usr/bin/xlctl "$@"; }
# output_has PATTERN COMMAND...: COMMAND succeeds and prints PATTERN
output_has() {
	local pattern=$1 output; shift
	output=$("$@" 2>&1) && grep -qE -- "$pattern" <<< "$output"
}
# fails_with PATTERN COMMAND...: COMMAND fails and prints PATTERN
fails_with() {
	local pattern=$1 output; shift
	! output=$("$@" 2>&1) && grep -qE -- "$pattern" <<< "$output"
}
# output_lacks PATTERN COMMAND...: COMMAND succeeds and does not print it
output_lacks() {
	local pattern=$1 output; shift
	output=$("$@" 2>&1) && ! grep -qE -- "$pattern" <<< "$output"
}
# exits_with STATUS COMMAND...
exits_with() {
	local want=$1 rc=0; shift
	"$@" > /dev/null 2>&1 || rc=$?
	[ "$rc" = "$want" ]
}
cleanup() {
	local rc=$?
	if [ -n "$daemon_pid" ] && kill -0 "$daemon_pid" 2>/dev/null; then
		kill -KILL "$daemon_pid" 2>/dev/null || :
	fi
	if [ "$mode" = host ] && [ "${installed:-no}" = yes ]; then
		apt-get purge -y -q $PACKAGES > /dev/null 2>&1 || :
	fi
	if [ "$keep" = yes ]; then
		log "work directory kept: $WORK"
	else
		rm -rf --one-file-system "$WORK"
	fi
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------------------
# 1. Build, in a copy of the tree

log "work directory $WORK"
mkdir -p "$WORK/src"
if git -C "$top" rev-parse --is-inside-work-tree > /dev/null 2>&1; then
	# what git tracks or would track, as it is in the work tree
	git -C "$top" ls-files -z --cached --others --exclude-standard |
		(cd "$top" && while IFS= read -r -d '' f; do
			[ -e "$f" ] && printf '%s\0' "$f"
		done) |
		(cd "$top" && xargs -0 cp -a --parents -t "$WORK/src")
else
	(cd "$top" && tar -c --exclude='./build*' --exclude=./.git .) |
		tar -x -C "$WORK/src"
fi
[ -f "$WORK/src/debian/control" ] || die "no debian/control in $top"

if [ "$deps" = yes ]; then
	log "installing the build tools and the packages' build dependencies"
	"$top/tests/pkg/install-deps.sh" > "$WORK/deps.log" 2>&1 ||
		{ tail -20 "$WORK/deps.log"; die "tests/pkg/install-deps.sh"; }
	profile=$([ "$check" = yes ] || echo "-P nocheck")
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive apt-get build-dep -y -q $profile \
		-o DPkg::Lock::Timeout=600 "$WORK/src" >> "$WORK/deps.log" 2>&1 ||
		{ tail -20 "$WORK/deps.log"; die "apt-get build-dep"; }
fi

log "dpkg-buildpackage -us -uc -b (log: $WORK/build.log)"
options="parallel=2"
[ "$check" = yes ] || options="nocheck $options"
if (cd "$WORK/src" && DEB_BUILD_OPTIONS=$options \
    dpkg-buildpackage -us -uc -b) > "$WORK/build.log" 2>&1; then
	ok "dpkg-buildpackage -us -uc -b"
else
	tail -40 "$WORK/build.log"
	die "dpkg-buildpackage -us -uc -b"
fi
changes=$(ls "$WORK"/*.changes)

# ---------------------------------------------------------------------------
# 2. Check what was built

debs=()
for p in $PACKAGES; do
	f=$(ls "$WORK/${p}_"*.deb 2>/dev/null | head -1)
	[ -n "$f" ] || die "package $p was not built"
	debs+=("$f")
done
ok "built: $PACKAGES"
printf '%-16s %10s %14s\n' package "deb bytes" "installed KiB"
for f in "${debs[@]}"; do
	printf '%-16s %10s %14s\n' "$(dpkg-deb -f "$f" Package)" \
		"$(stat -c %s "$f")" "$(dpkg-deb -f "$f" Installed-Size)"
done
[ -z "$out" ] || { mkdir -p "$out"; cp "${debs[@]}" "$out/"; }

log "lintian $(dpkg-query -W -f='${Version}' lintian)"
# (lintian's "running with root privileges" is a notice, not a tag)
if lintian --fail-on error,warning --display-info "$changes" \
    > "$WORK/lintian.log" 2>&1; then
	ok "lintian: no error, no warning"
else
	bad "lintian: errors or warnings"
fi
grep -v 'running with root privileges' "$WORK/lintian.log" || :

# package FILE...: each file is in the package
holds() {
	local p=$1 f listing; shift
	listing=$(dpkg-deb -c "$WORK/${p}_"*.deb | awk '{ print $6 }' | sed 's|^\.||')
	for f in "$@"; do
		grep -qx -- "$f" <<< "$listing" || { echo "$p lacks $f"; return 1; }
	done
}
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
check "xenlightd holds the daemon, its helpers, units, man page, config" \
	holds xenlightd /usr/sbin/xenlightd \
	/usr/libexec/xenlightd/xenlightd-build-helper \
	/usr/libexec/xenlightd/xenlightd-dump-helper \
	/lib/systemd/system/xenlightd.service \
	/lib/systemd/system/xenlightd.socket \
	/lib/systemd/system/xenlightd-ro.socket \
	/usr/share/man/man8/xenlightd.8.gz /etc/xenlightd/xenlightd.conf
check "xlctl holds the CLI and its man page" \
	holds xlctl /usr/bin/xlctl /usr/share/man/man1/xlctl.1.gz
soname=$(objdump -p "$(ls "$WORK/src/debian/libxlctl0/usr/lib/$multiarch/"libxlctl.so.*.* | head -1)" |
	awk '/SONAME/ { print $2 }')
check "libxlctl0 holds $soname" \
	holds libxlctl0 "/usr/lib/$multiarch/$soname"
check "libxlctl-dev holds the header, the link and xlctl.pc" \
	holds libxlctl-dev /usr/include/xlctl.h "/usr/lib/$multiarch/libxlctl.so" \
	"/usr/lib/$multiarch/pkgconfig/xlctl.pc"
check "xenlightd-sim holds the simulator" \
	holds xenlightd-sim "/usr/lib/$multiarch/xenlightd/libxenlight-sim.so"
check "the configuration file is a conffile" output_has \
	'^/etc/xenlightd/xenlightd.conf$' dpkg-deb -I "${debs[0]}" conffiles

# ---------------------------------------------------------------------------
# 3. Install

if [ "$mode" = chroot ]; then
	codename=$(. /etc/os-release && echo "$VERSION_CODENAME")
	mirror=$(apt-get indextargets --format '$(REPO_URI) $(CODENAME)' \
		'Identifier: Packages' | awk -v c="$codename" '$2 == c { print $1; exit }')
	[ -n "$mirror" ] || die "no Debian archive for $codename in this machine's apt sources"
	base="$CACHE/$codename-minbase.tar"
	if [ ! -s "$base" ]; then
		log "debootstrap --variant=minbase $codename from $mirror (cached in $base)"
		mkdir -p "$CACHE"
		debootstrap --variant=minbase "$codename" "$WORK/bootstrap" "$mirror" \
			> "$WORK/debootstrap.log" 2>&1 ||
			{ tail -20 "$WORK/debootstrap.log"; die "debootstrap"; }
		tar -C "$WORK/bootstrap" -cf "$base.tmp.$$" . && mv "$base.tmp.$$" "$base"
		rm -rf --one-file-system "$WORK/bootstrap"
	fi
	ROOT=$WORK/root
	mkdir -p "$ROOT"
	tar -C "$ROOT" -xf "$base"
	# the same archive (and updates) as this machine, and its resolver
	rm -f "$ROOT"/etc/apt/sources.list.d/* "$ROOT/etc/apt/sources.list"
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
	    /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] && cp "$f" "$ROOT$f"
	done
	cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
	mkdir -p "$ROOT/tmp/debs"
	cp "${debs[@]}" "$ROOT/tmp/debs/"
	log "apt-get install ./*.deb in the chroot $ROOT"
	if inroot sh -c 'export DEBIAN_FRONTEND=noninteractive;
	    apt-get update -q && cd /tmp/debs &&
	    apt-get install -y -q ./*.deb systemd procps' \
	    > "$WORK/install.log" 2>&1; then
		ok "apt-get install ./*.deb (in a $codename chroot)"
	else
		tail -30 "$WORK/install.log"
		die "apt-get install ./*.deb (in a $codename chroot)"
	fi
else
	log "apt-get install ./*.deb on this machine"
	installed=yes
	if (cd "$WORK" && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	    -o DPkg::Lock::Timeout=600 "${debs[@]/#$WORK/.}") \
	    > "$WORK/install.log" 2>&1; then
		ok "apt-get install ./*.deb (on this machine)"
	else
		tail -30 "$WORK/install.log"
		die "apt-get install ./*.deb (on this machine)"
	fi
fi
installed_ok() {
	inroot dpkg-query -W -f='${Status}' "$1" 2>/dev/null |
		grep -q 'install ok installed'
}
for p in $PACKAGES; do
	check "$p is installed" installed_ok "$p"
done

# systemd's own reading of the installed units (the chroot gets systemd
# for it); and how exposed the hardened service is, for the record
if inroot sh -c 'command -v systemd-analyze' > /dev/null; then
	check "systemd-analyze verify: the installed units" \
		inroot systemd-analyze verify --man=no xenlightd.service \
		xenlightd.socket xenlightd-ro.socket
	inroot systemd-analyze security --offline=yes --no-pager \
		/lib/systemd/system/xenlightd.service 2>/dev/null | tail -1 || :
else
	bad "systemd-analyze: not installed"
fi

# ---------------------------------------------------------------------------
# 4. The installed daemon on the simulator

# in the installed system's terms
run=/tmp/xenlightd-pkg-run
mkdir -p "$ROOT$run"
sock=$run/run/xenlightd.sock
rosock=$run/run/xenlightd-ro.sock
daemon=(/usr/sbin/xenlightd --sim --rundir "$run/run" --statedir "$run/state"
	--log-file "$run/xenlightd.log" --log-level info)

check "xenlightd --version" output_has '^xenlightd ' inroot /usr/sbin/xenlightd --version
check "xenlightd --help names /etc/xenlightd/xenlightd.conf" \
	output_has /etc/xenlightd/xenlightd.conf inroot /usr/sbin/xenlightd --help

# The default configuration file is read (the shipped one changes nothing);
# a bad line in it stops the daemon before anything starts, and
# --no-config skips it.
conf=$ROOT/etc/xenlightd/xenlightd.conf
cp -p "$conf" "$WORK/xenlightd.conf.shipped"
echo 'log-level = loud' >> "$conf"
check "a bad line in /etc/xenlightd/xenlightd.conf stops the daemon, naming it" \
	fails_with '/etc/xenlightd/xenlightd.conf:[0-9]+: log-level' \
	inroot "${daemon[@]}" --foreground
check "... with exit status 2" exits_with 2 inroot "${daemon[@]}" --foreground
check "... and --no-config does not read it" \
	output_has '^xenlightd ' inroot /usr/sbin/xenlightd --no-config --version
cp -p "$WORK/xenlightd.conf.shipped" "$conf"

# Without --foreground the started process exits 0 once the daemon serves.
if inroot "${daemon[@]}" > "$WORK/start.out" 2>&1; then
	ok "xenlightd --sim (installed) starts and serves"
else
	cat "$WORK/start.out" "$ROOT$run/xenlightd.log" 2>/dev/null | tail -20
	die "xenlightd --sim (installed) starts and serves"
fi
daemon_pid=$(cat "$ROOT$run/run/xenlightd.pid")

cat > "$ROOT$run/pkg1.cfg" <<'CFG'
name = "pkg1"
memory = 128
vcpus = 1
kernel = "/boot/vmlinuz"
CFG
check "xlctl version: the installed daemon, on the simulator" \
	output_has sim xlctl -c "$sock" version
check "xlctl create pkg1" xlctl -c "$sock" create "$run/pkg1.cfg"
check "xlctl list shows pkg1 running" \
	output_has '(^| )pkg1 .*running' xlctl -c "$rosock" -r list
check "... built by /usr/libexec/xenlightd/xenlightd-build-helper" \
	grep -q 'pkg1.*build helper' "$ROOT$run/xenlightd.log"
check "the read-only socket refuses destroy (PermissionDenied)" \
	fails_with PermissionDenied xlctl -c "$rosock" -r destroy pkg1
check "xlctl destroy pkg1" xlctl -c "$sock" destroy pkg1
check "xlctl list no longer shows pkg1" \
	output_lacks '(^| )pkg1 ' xlctl -c "$rosock" -r list

kill -TERM "$daemon_pid"
for _ in $(seq 300); do
	kill -0 "$daemon_pid" 2>/dev/null || break
	sleep 0.1
done
check "SIGTERM stops the daemon" sh -c "! kill -0 $daemon_pid 2>/dev/null"
check "... cleanly (log: stopped)" grep -q ': stopped$' "$ROOT$run/xenlightd.log"
daemon_pid=""

# ---------------------------------------------------------------------------
# 5. Purge, and nothing is left

if inroot env DEBIAN_FRONTEND=noninteractive apt-get purge -y -q $PACKAGES \
    > "$WORK/purge.log" 2>&1; then
	ok "apt-get purge $PACKAGES"
	installed=no
else
	tail -20 "$WORK/purge.log"
	bad "apt-get purge $PACKAGES"
fi
left=""
for f in /usr/sbin/xenlightd /usr/bin/xlctl /usr/libexec/xenlightd /etc/xenlightd \
    /lib/systemd/system/xenlightd.service /lib/systemd/system/xenlightd.socket \
    /lib/systemd/system/xenlightd-ro.socket /usr/include/xlctl.h \
    "/usr/lib/$multiarch/xenlightd" "/usr/lib/$multiarch/libxlctl.so.0"; do
	[ -e "$ROOT$f" ] && left="$left $f"
done
for f in "$ROOT"/etc/systemd/system/*.wants/xenlightd* \
    "$ROOT"/var/lib/systemd/deb-systemd-helper-enabled/xenlightd*; do
	[ -e "$f" ] || [ -L "$f" ] && left="$left ${f#$ROOT}"
done
check "no file of the packages is left${left:+ (left:$left)}" test -z "$left"
# processes of the installed binaries (in the chroot their paths start
# with it); /proc/PID/exe keeps the path of a deleted binary
procs=""
for p in /proc/[0-9]*; do
	exe=$(readlink "$p/exe" 2>/dev/null) || continue
	case ${exe% (deleted)} in
	"$ROOT/usr/sbin/xenlightd"|"$ROOT/usr/libexec/xenlightd/"*)
		procs="$procs ${p#/proc/}" ;;
	esac
done
check "no process of the packages is left${procs:+ (pids:$procs)}" test -z "$procs"

summary
[ "$failed" = 0 ]
