#!/bin/bash
# Build (or find in the cache) the Xen 4.17 + Debian 12 dom0 image that
# tests/xen/run.sh boots under QEMU.  Prints the image directory on stdout.
#
#   tests/xen/image.sh            build what the cache lacks
#   tests/xen/image.sh --print    print the image directory, build nothing
#
# Two cached layers under $XEN_TEST_CACHE/<key>/, where <key> names the Xen
# and kernel package versions (and a hash of the dom0 package list):
#   boot/xen, boot/vmlinuz, guest/vmlinux.gz, rootfs.tar   (fetch+debootstrap)
#   image-<hash>/rootfs.img, image-<hash>/dom0-initrd.cpio  (from rootfs.tar
#       and tests/xen/boot/; <hash> covers those files)
# Neither layer contains xenlightd: run.sh brings the build on a second disk.
set -eEuo pipefail
. "$(dirname "$0")/host.sh"
# a command that fails under set -e would end the build without a word
trap 'xt_log "image.sh: line $LINENO failed (status $?)"' ERR

xt_keys
if [ "${1:-}" = --print ]; then
	echo "$XT_IMAGEDIR"
	exit 0
fi

mkdir -p "$XEN_TEST_CACHE"
# a cache built by root stays usable read-only by others: flock a read fd
{ exec 9>>"$XEN_TEST_CACHE/.lock"; } 2>/dev/null || exec 9<"$XEN_TEST_CACHE/.lock"
if ! flock -n 9; then
	xt_log "waiting for another image build (lock $XEN_TEST_CACHE/.lock)"
	flock 9
fi

if [ -e "$XT_IMAGEDIR/complete" ]; then
	xt_log "image cached: $XT_IMAGEDIR"
	echo "$XT_IMAGEDIR"
	exit 0
fi

[ "$(id -u)" = 0 ] || xt_die "building the image needs root (debootstrap, chroot)"
MIRROR=${XEN_TEST_MIRROR:-$(xt_apt_uri "bookworm ")}
SECMIRROR=${XEN_TEST_SECURITY_MIRROR:-$(xt_apt_uri "bookworm-security")}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
SECMIRROR=${SECMIRROR:-http://deb.debian.org/debian-security}
K=$XT_KEYDIR
TMP=$K/tmp.$$
R=$TMP/rootfs
cleanup() {
	if mountpoint -q "$R/proc" 2>/dev/null; then umount "$R/proc" || umount -l "$R/proc"; fi
	mountpoint -q "$R/proc" 2>/dev/null && return
	rm -rf "$TMP"
}
trap cleanup EXIT
mkdir -p "$K" "$TMP"
TIMES=$K/build-times.txt

# ---------------------------------------------------------------------------
# Layer 1: packages, boot files, root file system tarball.  ~2 min.
if [ ! -e "$K/rootfs.complete" ]; then
	t0=$(xt_now)
	xt_log "building $XT_KEY (Xen $XT_XEN_VERSION, $XT_KPKG $XT_KPKG_VERSION)"
	rm -rf "${K:?}/boot" "${K:?}/guest" "${K:?}/rootfs.tar" "${K:?}"/image-*
	mkdir -p "$TMP/debs" "$TMP/x" "$K/boot" "$K/guest"
	( cd "$TMP/debs" &&
	  apt-get download -q "xen-hypervisor-4.17-amd64=$XT_XEN_VERSION" \
		"$XT_KPKG=$XT_KPKG_VERSION" >&2 ) ||
		xt_die "apt-get download of xen-hypervisor-4.17-amd64=$XT_XEN_VERSION / $XT_KPKG=$XT_KPKG_VERSION failed (is libxen-dev up to date with the archive?)"
	for f in "$TMP"/debs/*.deb; do dpkg -x "$f" "$TMP/x"; done
	# QEMU's multiboot loader cannot read a gzip'd Xen: give it the ELF
	gunzip -c "$TMP/x/boot/xen-4.17-amd64.gz" > "$K/boot/xen"
	cp "$TMP/x/boot/vmlinuz-$XT_KVER" "$K/boot/vmlinuz"
	# Guest kernel: gzip'd ELF.  The xz bzImage costs dom0 ~6 s per create.
	python3 - "$K/boot/vmlinuz" "$TMP/vmlinux" <<'EOP'
import sys, lzma
d = open(sys.argv[1], 'rb').read()
i = d.find(b'\xfd7zXZ\x00')
if i < 0:
    sys.exit("no xz payload in the kernel image")
open(sys.argv[2], 'wb').write(lzma.LZMADecompressor().decompress(d[i:]))
EOP
	gzip -1 -c "$TMP/vmlinux" > "$K/guest/vmlinux.gz"
	rm -f "$TMP/vmlinux"
	t1=$(xt_now)

	mkdir -p "$XEN_TEST_CACHE/debootstrap"
	debootstrap --variant=minbase --cache-dir="$XEN_TEST_CACHE/debootstrap" \
		bookworm "$R" "$MIRROR" >&2 || xt_die "debootstrap failed"
	cat > "$R/etc/apt/sources.list" <<EOS
deb $MIRROR bookworm main
deb $MIRROR bookworm-updates main
deb $SECMIRROR bookworm-security main
EOS
	printf '#!/bin/sh\nexit 101\n' > "$R/usr/sbin/policy-rc.d"
	chmod +x "$R/usr/sbin/policy-rc.d"
	mount -t proc proc "$R/proc"
	pkgs=""
	for p in $XT_DOM0_PACKAGES; do
		case $p in
		xen-utils-4.17|xenstore-utils) pkgs="$pkgs $p=$XT_XEN_VERSION" ;;
		*) pkgs="$pkgs $p" ;;
		esac
	done
	chroot "$R" sh -c "apt-get update -q && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -q --no-install-recommends $pkgs && apt-get clean" >&2 ||
		xt_die "installing the dom0 packages in the chroot failed"
	chroot "$R" dpkg-query -W > "$K/dom0-packages.txt"
	rm -rf "$R"/var/lib/apt/lists/*
	umount "$R/proc"
	# kernel modules, minus hardware a QEMU dom0 never has
	mkdir -p "$R/lib/modules"
	M=$XT_KVER/kernel
	( cd "$TMP/x/lib/modules" && tar cf - \
		--exclude="$M/sound" --exclude="$M/drivers/gpu" --exclude="$M/drivers/media" \
		--exclude="$M/drivers/net/wireless" --exclude="$M/drivers/net/ethernet" \
		--exclude="$M/drivers/infiniband" --exclude="$M/drivers/usb" \
		--exclude="$M/drivers/staging" --exclude="$M/drivers/iio" \
		--exclude="$M/drivers/comedi" --exclude="$M/drivers/hwmon" \
		--exclude="$M/drivers/mtd" --exclude="$M/drivers/target" \
		--exclude="$M/net/wireless" --exclude="$M/net/mac80211" \
		--exclude="$M/net/bluetooth" "$XT_KVER" ) | tar xf - -C "$R/lib/modules"
	chroot "$R" depmod "$XT_KVER"
	rm -rf "$R"/usr/share/doc/* "$R"/usr/share/man/* "$R"/usr/share/locale/* \
		"$R"/var/cache/apt/*.bin
	tar cf "$K/rootfs.tar" -C "$R" .
	echo "$XT_KVER" > "$K/kver"
	{
		echo "xen $XT_XEN_VERSION"
		echo "kernel $XT_KPKG $XT_KPKG_VERSION"
		echo "mirror $MIRROR security $SECMIRROR"
		echo "built $(date -u +%FT%TZ)"
	} > "$K/versions.txt"
	rm -rf "$R" "$TMP/x" "$TMP/debs"
	t2=$(xt_now)
	echo "fetch $(xt_dt "$t0" "$t1") s" >> "$TIMES"
	echo "rootfs $(xt_dt "$t1" "$t2") s" >> "$TIMES"
	touch "$K/rootfs.complete"
	xt_log "fetch $(xt_dt "$t0" "$t1") s, rootfs $(xt_dt "$t1" "$t2") s"
	# older keys are older package versions: drop them
	if [ "${XEN_TEST_KEEP_OLD_CACHE:-0}" != 1 ]; then
		for d in "$XEN_TEST_CACHE"/xen-*; do
			[ -d "$d" ] && [ "$d" != "$K" ] && { xt_log "removing old cache $d"; rm -rf "$d"; }
		done
	fi
fi

# ---------------------------------------------------------------------------
# Layer 2: ext4 root image + dom0 initramfs.  ~10-20 s.
t0=$(xt_now)
I=$XT_IMAGEDIR
rm -rf "$K"/image-*
mkdir -p "$R" "$I"
tar xf "$K/rootfs.tar" -C "$R"
KVER=$(cat "$K/kver")

# dom0 initramfs: Debian's kernel has virtio_blk and ext4 as modules
T=$TMP/initramfs
mkdir -p "$T/bin" "$T/mods"
cp /bin/busybox "$T/bin/busybox"
install -m 755 "$XT_SRC/boot/initramfs-init" "$T/init"
: > "$T/modules.order"
for m in virtio_pci virtio_blk ext4; do
	# --show-depends resolves only its first module: once per module
	chroot "$R" modprobe -S "$KVER" --show-depends "$m"
done | awk '$1 == "insmod" && !seen[$2]++ { print $2 }' | while read -r p; do
	n=$(basename "$p" .ko)
	cp "$R$p" "$T/mods/$n.ko"
	echo "$n" >> "$T/modules.order"
done
( cd "$T" && find . | cpio -o -H newc --quiet ) > "$I/dom0-initrd.cpio"

install -m 755 "$XT_SRC/boot/xlt-init" "$R/sbin/xlt-init"
mkdir -p "$R/xlt/guest" "$R/xlt/work" "$R/var/log/xen/console" "$R/var/lib/xen" "$R/var/tmp"
cp "$K/guest/vmlinux.gz" "$R/xlt/guest/vmlinux.gz"
echo dom0 > "$R/etc/hostname"
# content plus free space for save files and core dumps (sparse file)
SZ=$(( $(du -sm "$R" | cut -f1) + ${XEN_TEST_IMAGE_FREE_MB:-2048} ))
mke2fs -q -t ext4 -L dom0root -d "$R" "$I/rootfs.img" "${SZ}M" >&2
rm -rf "$R" "$T"
t1=$(xt_now)
echo "image $(xt_dt "$t0" "$t1") s" >> "$TIMES"
touch "$I/complete"
xt_log "image $(xt_dt "$t0" "$t1") s: $I"
echo "$I"
