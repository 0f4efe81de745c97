#!/bin/bash
# Real Xen end to end: boot Xen 4.17 + a Debian 12 dom0 under QEMU (TCG, no
# KVM), install the given xenlightd build in dom0, run the scenarios of
# tests/xen/scenarios/ against real PV guests, copy results and logs out,
# summarise, and exit non-zero if any scenario failed.
#
# usage: tests/xen/run.sh [--destdir DIR] [--out DIR] [--scenarios "00 03 ..."]
#   --destdir DIR   a `make install DESTDIR=DIR` tree of the build to test
#                   (without it, only scenarios that need no daemon run)
#   --out DIR       results, logs and summary (default $XEN_TEST_CACHE/out)
#   --scenarios L   numbers or names of the scenarios to run (default: all)
# Knobs (environment): see tests/xen/README.md.
set -uo pipefail
. "$(dirname "$0")/host.sh"

DESTDIR_IN=""
OUT=${XEN_TEST_OUT:-$XEN_TEST_CACHE/out}
SCENARIOS=${XEN_TEST_SCENARIOS:-}
while [ $# -gt 0 ]; do
	case $1 in
	--destdir) DESTDIR_IN=$2; shift 2 ;;
	--out) OUT=$2; shift 2 ;;
	--scenarios) SCENARIOS=$2; shift 2 ;;
	-h|--help) sed -n '2,14p' "$0"; exit 0 ;;
	*) echo "usage: $0 [--destdir DIR] [--out DIR] [--scenarios LIST]" >&2; exit 2 ;;
	esac
done
[ -z "$DESTDIR_IN" ] || [ -d "$DESTDIR_IN" ] || xt_die "--destdir $DESTDIR_IN: no such directory"

# The machine every scenario can run on: SVM with nested paging (HVM
# guests, and PVH on HAP for live migration: Debian's Xen has no shadow
# paging), q35 with QEMU's intel-iommu (Xen enables VT-d on it under TCG;
# libxl quarantines assignable devices) and a virtio-rng device dom0 can
# give a guest (13-pci).  "-cpu max" crashes dom0 (SMAP under TCG).
CPU=${XEN_TEST_CPU:-qemu64,+svm,+npt}
MACHINE=${XEN_TEST_MACHINE:-q35 -device intel-iommu -device virtio-rng-pci}
XEN_EXTRA=${XEN_TEST_XEN_EXTRA-iommu=verbose}
MEM=${XEN_TEST_MEM:-3G}
SMP=${XEN_TEST_SMP:-2}
DOM0_MEM=${XEN_TEST_DOM0_MEM:-1024M}
TIMEOUT=${XEN_TEST_TIMEOUT:-3000}       # whole QEMU run, wall clock, seconds
SCENARIO_TIMEOUT=${XEN_TEST_SCENARIO_TIMEOUT:-700}
LOG_LINES=${XEN_TEST_LOG_LINES:-200}    # daemon log lines shown per failure (0: all)
XT_ADDR_A=10.99.0.1                     # the two dom0s of a two-host run
XT_ADDR_B=10.99.0.2

T_START=$(xt_now)
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
rm -rf "$OUT/results" "$OUT/serial.log" "$OUT/serial-b.log" "$OUT/summary.txt" "$OUT/timings.txt"
TIMINGS=$OUT/timings.txt
: > "$TIMINGS"
timing() { echo "$1 $2" >> "$TIMINGS"; }

# --- 1. host packages -------------------------------------------------------
xt_host_packages

# --- 2. the dom0 image (cached) ---------------------------------------------
t0=$(xt_now)
xt_keys
if [ -e "$XT_IMAGEDIR/complete" ]; then image_state=cached; else image_state=built; fi
# a complete image never changes: found without image.sh's exclusive
# lock, which waits for every run that boots (the shared lock below)
if [ $image_state = cached ]; then
	I=$XT_IMAGEDIR
else
	# tried three times: CI's stages beside this one run apt-get update
	# and install (packages, Pacemaker), and apt's lists read while they
	# are rewritten fail (seen once: the image build ended at once)
	I=""
	for try in 1 2 3; do
		I=$(bash "$XT_SRC/image.sh") && break
		I=""
		xt_log "building the dom0 image failed (try $try of 3)"
		[ $try = 3 ] || sleep 30
	done
	[ -n "$I" ] || xt_die "building the dom0 image failed"
fi
timing "image-$image_state" "$(xt_dt "$t0" "$(xt_now)")"
xt_log "image ($image_state in $(xt_dt "$t0" "$(xt_now)") s): $I"
K=$(dirname "$I")
# a shared lock while we boot: another build must not replace the image
{ exec 8>>"$XEN_TEST_CACHE/.lock"; } 2>/dev/null || exec 8<"$XEN_TEST_CACHE/.lock"
flock -s 8
[ -e "$I/complete" ] || xt_die "image $I vanished (rebuilt by another run?)"

# the scenarios this run should see results for; without a list, the
# one-host ones (two-host scenarios run when named: make check-xen-migrate)
expected=""
for s in "$XT_SRC"/scenarios/[0-9][0-9]-*.sh; do
	n=$(basename "$s" .sh)
	if [ -n "$SCENARIOS" ]; then
		ok=0
		for x in $SCENARIOS; do case $n in "$x"|"$x"-*) ok=1 ;; esac; done
		[ $ok = 1 ] || continue
	elif xt_two_hosts "$s"; then
		continue
	fi
	expected="$expected $n"
done
[ -n "$expected" ] || xt_die "no scenario matches '$SCENARIOS'"

# Two-host scenarios (a "# hosts: 2" line at their top) need a second
# machine, host B, which serves host A's requests (dom0/xlt-peer); the
# scenarios themselves run on host A.
TWO_HOSTS=0
for n in $expected; do
	xt_two_hosts "$XT_SRC/scenarios/$n.sh" && TWO_HOSTS=1
done
if [ $TWO_HOSTS = 1 ]; then
	TIMEOUT=${XEN_TEST_TIMEOUT:-3600}
fi

# --- 3. the work disk: harness, scenarios, the build under test -----------
mkdir -p "$XEN_TEST_CACHE/runs" 2>/dev/null
RUN=$(mktemp -d "$XEN_TEST_CACHE/runs/run.XXXXXX" 2>/dev/null || mktemp -d /var/tmp/xen-test-run.XXXXXX)
QEMU_PID=""
cleanup() {
	[ -n "$QEMU_PID" ] && kill "$QEMU_PID" 2>/dev/null
	for f in "$RUN"/qemu-*.pid; do [ -s "$f" ] && kill "$(cat "$f")" 2>/dev/null; done
	if [ "${XEN_TEST_KEEP:-0}" = 1 ]; then xt_log "kept $RUN"; else rm -rf "$RUN"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
WD=$RUN/work
mkdir -p "$WD/results" "$WD/install" "$WD/bin"
install -m 755 "$XT_SRC/dom0/dom0-init.sh" "$WD/dom0-init.sh"
install -m 755 "$XT_SRC/dom0/xlt-probe" "$WD/bin/xlt-probe"
install -m 755 "$XT_SRC/dom0/xlt-tcp" "$XT_SRC/dom0/xlt-peer" "$XT_SRC/dom0/xlt-peer-exec" "$WD/bin/"
cp -r "$XT_SRC/scenarios" "$WD/scenarios"
if [ -n "$DESTDIR_IN" ]; then
	cp -a "$DESTDIR_IN/." "$WD/install/"
	# Shared libraries the build links that the cached image lacks (a new
	# dependency, libasan for a sanitizer build): their Debian packages go
	# on the work disk and dom0-init.sh unpacks them (dpkg -x) in dom0.
	mkdir -p "$WD/debs" "$XEN_TEST_CACHE/extra-debs"
	missing=$(find "$DESTDIR_IN" -type f \( -perm -u+x -o -name '*.so*' \) \
			-exec ldd {} \; 2>/dev/null |
		awk '$2 == "=>" && $3 ~ /^\// { n = split($3, p, "/"); print p[n] }' | sort -u |
		while read -r lib; do dpkg -S "*/$lib" 2>/dev/null | awk -F: 'NR == 1 { print $1 }'; done |
		sort -u | while read -r p; do
			grep -q "^${p}[:[:space:]]" "$K/dom0-packages.txt" || echo "$p"
		done)
	for p in $missing; do
		ls "$XEN_TEST_CACHE/extra-debs/${p}_"*.deb > /dev/null 2>&1 ||
			( cd "$XEN_TEST_CACHE/extra-debs" && apt-get download -q "$p" >&2 ) ||
			xt_die "apt-get download $p (needed by the build, missing in the image) failed"
		cp "$XEN_TEST_CACHE/extra-debs/${p}_"*.deb "$WD/debs/"
	done
	[ -z "$missing" ] || xt_log "packages added to dom0 for this build:" $missing
fi
# guest initramfs: static busybox + tests/xen/guest/init
G=$RUN/guest
mkdir -p "$G/bin" "$G/proc" "$G/sys" "$G/dev"
cp /bin/busybox "$G/bin/busybox"
install -m 755 "$XT_SRC/guest/init" "$G/init"
( cd "$G" && find . | cpio -o -H newc --quiet ) | gzip -1 > "$WD/guest-initrd.cpio.gz"
cat > "$WD/config" <<EOC
XLT_SCENARIOS="${expected# }"
XLT_SCENARIO_TIMEOUT=$SCENARIO_TIMEOUT
export PATH=/xlt/work/bin:\$PATH
${XEN_TEST_GUEST_MEM:+export XLT_GUEST_MEM=$XEN_TEST_GUEST_MEM}
${XEN_TEST_BIG_GUEST_MEM:+export XLT_BIG_GUEST_MEM=$XEN_TEST_BIG_GUEST_MEM}
${XEN_TEST_DAEMON_ARGS:+export XLT_DAEMON_ARGS="$XEN_TEST_DAEMON_ARGS"}
${XEN_TEST_MIGRATION_TYPE:+export XLT_MIGRATION_TYPE=$XEN_TEST_MIGRATION_TYPE}
${XEN_TEST_MIGRATE_ROUNDS:+export XLT_ROUNDS=$XEN_TEST_MIGRATE_ROUNDS}
EOC
WSZ=$(( $(du -sm "$WD" | cut -f1) + ${XEN_TEST_WORK_MB:-512} ))
if [ $TWO_HOSTS = 1 ]; then
	# host B: the same build and image, its own work disk, no scenarios of
	# its own; the two dom0s talk over a private link (10.99.0.0/24)
	cp "$WD/config" "$RUN/config.common"
	cat >> "$WD/config" <<EOC
XLT_ROLE=peer
export XLT_NET_ADDR=$XT_ADDR_B XLT_PEER_ADDR=$XT_ADDR_A
EOC
	mke2fs -q -t ext4 -L work -d "$WD" "$RUN/work-b.img" "${WSZ}M" > /dev/null ||
		xt_die "mke2fs of host B's work disk failed"
	cp "$RUN/config.common" "$WD/config"
	echo "export XLT_NET_ADDR=$XT_ADDR_A XLT_PEER_ADDR=$XT_ADDR_B" >> "$WD/config"
fi
mke2fs -q -t ext4 -L work -d "$WD" "$RUN/work.img" "${WSZ}M" > /dev/null || xt_die "mke2fs of the work disk failed"

# --- 4. boot ------------------------------------------------------------------
XEN_CMDLINE="dom0_mem=$DOM0_MEM,max:$DOM0_MEM console=com1 com1=115200,8n1 loglvl=all guest_loglvl=all $XEN_EXTRA"
# the dom0 cmdline goes inside -initrd, where ',' separates modules
DOM0_CMDLINE="console=hvc0 earlyprintk=xen ${XEN_TEST_DOM0_EXTRA:-}"
SERIAL=$OUT/serial.log
SERIAL_B=$OUT/serial-b.log
# boot_host LABEL WORKIMG SERIAL NETARGS...: one machine; its console,
# timestamped, goes to SERIAL, and its XLT: lines to stderr (after LABEL)
boot_host() {
	local label=$1 img=$2 serial=$3
	shift 3
	# QEMU writes its snapshot=on overlay (the root disk's changes) to TMPDIR
	TMPDIR=$RUN timeout "$TIMEOUT" qemu-system-x86_64 \
		-accel tcg,thread=multi -machine $MACHINE -cpu "$CPU" -m "$MEM" -smp "$SMP" \
		-display none -monitor none -serial stdio -no-reboot "$@" \
		-kernel "$K/boot/xen" -append "$XEN_CMDLINE" \
		-initrd "$K/boot/vmlinuz $DOM0_CMDLINE,$I/dom0-initrd.cpio" \
		-drive file="$I/rootfs.img",if=virtio,format=raw,snapshot=on \
		-drive file="$img",if=virtio,format=raw \
		${XEN_TEST_QEMU_EXTRA:-} \
		< /dev/null 2>&1 |
		XT_LABEL=$label XT_BOOT_B=${BOOT_B_FLAG:-} perl -MTime::HiRes=time -ne '
			BEGIN { $| = 1; $t0 = time }
			s/\r//g;
			my $l = sprintf("[%8.2f] %s", time - $t0, $_);
			print $l;
			print STDERR "$ENV{XT_LABEL}$l" if /XLT:/;
			if ($ENV{XT_BOOT_B} ne "" && /XLT: BOOT HOST B/) {
				open(my $f, ">", $ENV{XT_BOOT_B}) and close($f);
			}' > "$serial"
	return "${PIPESTATUS[0]}"
}
NET_A=(-net none)
BOOT_B_FLAG=""
if [ $TWO_HOSTS = 1 ]; then
	# QEMU's socket network on the loopback: A listens, B connects.  Host B
	# boots only when host A's first two-host scenario asks for it (the
	# console line "XLT: BOOT HOST B"): an idle Xen machine under TCG beside
	# host A made A's one-host scenarios 1.5-2.3 times slower on 2 CPUs
	# (2026-12-03), so one run can hold both kinds.
	port=""
	for p in $(shuf -i 20000-60000 -n 50); do
		ss -Hltn "sport = :$p" 2>/dev/null | grep . >/dev/null || { port=$p; break; }
	done
	[ -n "$port" ] || xt_die "no free TCP port on the loopback for the hosts' link"
	NET_A=(-netdev socket,id=n0,listen=127.0.0.1:$port
		-device virtio-net-pci,netdev=n0,mac=52:54:00:78:6c:01)
	BOOT_B_FLAG=$RUN/boot-b
	(
		until [ -e "$BOOT_B_FLAG" ]; do
			# (A's end, or this run interrupted and cleaned up)
			[ -e "$RUN/a-done" ] || [ ! -d "$RUN" ] && exit 0
			kill -0 $$ 2>/dev/null || exit 0
			sleep 1
		done
		xt_log "two hosts: host A asks for host B: booting it (serial log: $SERIAL_B; link 127.0.0.1:$port)"
		BOOT_B_FLAG="" boot_host "B " "$RUN/work-b.img" "$SERIAL_B" -pidfile "$RUN/qemu-b.pid" \
			-netdev socket,id=n0,connect=127.0.0.1:$port \
			-device virtio-net-pci,netdev=n0,mac=52:54:00:78:6c:02
	) &
	BOOT_B=$!
fi
xt_log "booting Xen under QEMU (cpu $CPU, $MEM, $SMP cpus; limit $TIMEOUT s); serial log: $SERIAL"
t_boot=$(xt_now)
boot_host "" "$RUN/work.img" "$SERIAL" -pidfile "$RUN/qemu-a.pid" "${NET_A[@]}"
QEMU_RC=$?
if [ $TWO_HOSTS = 1 ]; then
	# A told B to finish at its end: B collects its logs and powers off
	: > "$RUN/a-done"
	end=$(( $(date +%s) + 120 ))
	while kill -0 "$BOOT_B" 2>/dev/null && [ "$(date +%s)" -lt $end ]; do sleep 1; done
	kill -0 "$BOOT_B" 2>/dev/null && { xt_log "host B still running: stopped"; kill "$(cat "$RUN/qemu-b.pid")"; }
	wait "$BOOT_B"
	QEMU_RC_B=$?
fi
t_end=$(xt_now)
timing qemu-run "$(xt_dt "$t_boot" "$t_end")"
ready=$(awk '/XLT: READY/ { sub(/^\[ */, ""); sub(/\].*/, ""); print; exit }' "$SERIAL")
[ -n "$ready" ] && timing boot-to-ready "$ready"
if [ $TWO_HOSTS = 1 ]; then
	ready=$(awk '/XLT: READY/ { sub(/^\[ */, ""); sub(/\].*/, ""); print; exit }' "$SERIAL_B")
	[ -n "$ready" ] && timing boot-to-ready-b "$ready"
fi

# --- 5. results ---------------------------------------------------------------
debugfs -R "rdump /results $OUT" "$RUN/work.img" > /dev/null 2>&1 ||
	xt_log "could not read the results from the work disk"
if [ $TWO_HOSTS = 1 ]; then
	# host B's part of each scenario goes to results/NN-name/peer/, its
	# dom0 logs to results/dom0-b/
	mkdir -p "$RUN/b"
	debugfs -R "rdump /results $RUN/b" "$RUN/work-b.img" > /dev/null 2>&1 ||
		xt_log "could not read the results from host B's work disk"
	for d in "$RUN"/b/results/*/; do
		[ -d "$d" ] || continue
		n=$(basename "$d")
		if [ "$n" = dom0 ]; then mv "$d" "$OUT/results/dom0-b"
		else mkdir -p "$OUT/results/$n" && mv "$d" "$OUT/results/$n/peer"; fi
	done
fi

# backtraces of daemon cores, against the binaries of the build under test
for f in "$OUT"/results/*/core.*; do
	[ -e "$f" ] && [ -n "$DESTDIR_IN" ] && command -v gdb > /dev/null || continue
	case $f in *.bt.txt) continue ;; esac
	comm=$(basename "$f" | cut -d. -f2)   # the kernel keeps 15 characters
	exe=$(find "$DESTDIR_IN" -type f -name "$comm" | head -1)
	[ -n "$exe" ] || exe=$(find "$DESTDIR_IN" -type f -name "$comm*" | head -1)
	[ -n "$exe" ] || continue
	timeout 120 gdb -batch -nx -ex 'set pagination off' -ex 'bt full' "$exe" "$f" > "$f.bt.txt" 2>&1
done

# --- 6. summary -----------------------------------------------------------------
timing total "$(xt_dt "$T_START" "$(xt_now)")"
fails=0
skips=0
report() {
	local n=$1 d=$OUT/results/$1 f
	echo
	echo "==================== FAIL $n ===================="
	if [ -e "$d/result.txt" ]; then
		echo "last step: $(awk '/^STEP / { s = substr($0, 6) } END { print s }' "$d/result.txt")"
		grep -E '^(FAIL|NOTE)' "$d/result.txt"
	else
		echo "no results: the scenario did not run to its end (QEMU exit status $QEMU_RC; 124 means the host limit of $TIMEOUT s)"
	fi
	f=$d/xenlightd.log
	if [ -s "$f" ]; then
		if [ "$LOG_LINES" = 0 ] || [ "$(wc -l < "$f")" -le "$LOG_LINES" ]; then
			echo "--- xenlightd log ($f, $(wc -l < "$f") lines) ---"
			cat "$f"
		else
			echo "--- xenlightd log ($f: last $LOG_LINES of $(wc -l < "$f") lines) ---"
			tail -n "$LOG_LINES" "$f"
		fi
	fi
	for f in "$d"/core.*; do
		[ -e "$f" ] || continue
		case $f in *.bt.txt) continue ;; esac
		echo "--- the daemon crashed: $(basename "$f"), backtrace ($f.bt.txt) ---"
		cat "$f.bt.txt" 2>/dev/null || echo "(no backtrace: gdb missing or no matching binary)"
	done
	if [ -s "$d/output.log" ]; then
		echo "--- scenario output ($d/output.log: last 60 lines) ---"
		tail -n 60 "$d/output.log"
	fi
	if [ -s "$d/diag.txt" ]; then
		echo "--- state after the failure ($d/diag.txt) ---"
		cat "$d/diag.txt"
	fi
	echo "--- serial console during $n (last 60 lines) ---"
	serial_during "$n" "$SERIAL" | tail -n 60
	[ -d "$d/peer" ] || return 0
	echo "--- host B: ---"
	grep -hE '^(FAIL|NOTE)' "$d/peer/result.txt" 2>/dev/null
	f=$d/peer/xenlightd.log
	if [ -s "$f" ]; then
		echo "--- host B's xenlightd log ($f: last $LOG_LINES lines) ---"
		tail -n "$LOG_LINES" "$f"
	fi
	if [ -s "$d/peer/diag.txt" ]; then
		echo "--- host B's state after the failure ($d/peer/diag.txt) ---"
		cat "$d/peer/diag.txt"
	fi
	echo "--- host B's serial console during $n (last 40 lines) ---"
	serial_during "$n" "$SERIAL_B" | tail -n 40
}
serial_during() {
	awk -v n="$1" 'index($0, "XLT: >>> " n " ") { on = 1 } on { print } index($0, "XLT: <<< " n " ") { on = 0 }' "$2"
}
{
	echo "xen-test summary ($(date -u +%FT%TZ))"
	echo "image: $I ($image_state)"
	echo "build under test: ${DESTDIR_IN:-none}"
	printf '%-28s %-6s %8s\n' scenario result seconds
	for n in preflight $expected; do
		d=$OUT/results/$n
		if [ ! -e "$d/result.txt" ]; then
			[ "$n" = preflight ] && continue
			st="NOTRUN"
		elif grep -q '^FAIL' "$d/result.txt"; then st=FAIL
		elif grep -q '^SKIP' "$d/result.txt"; then st=SKIP
		elif grep -q '^PASS' "$d/result.txt"; then st=PASS
		else st=FAIL; fi
		secs=$(awk '$1 == "TIME" && $2 == "scenario" { print $3 }' "$d/result.txt" 2>/dev/null)
		printf '%-28s %-6s %8s\n' "$n" "$st" "${secs:--}"
		grep -h '^FAIL' "$d/result.txt" 2>/dev/null | sed 's/^/    /'
		grep -h '^SKIP' "$d/result.txt" 2>/dev/null | sed 's/^/    /'
		grep -h '^METRIC' "$d/result.txt" 2>/dev/null | sed 's/^METRIC /    /'
		case $st in FAIL|NOTRUN) fails=$((fails + 1)) ;; SKIP) skips=$((skips + 1)) ;; esac
	done
	echo "timings (s):"
	sed 's/^/    /' "$TIMINGS"
} > "$OUT/summary.txt"
for n in preflight $expected; do
	d=$OUT/results/$n
	[ "$n" = preflight ] && [ ! -e "$d" ] && continue
	if [ ! -e "$d/result.txt" ] || grep -q '^FAIL' "$d/result.txt" ||
	   ! grep -qE '^(PASS|SKIP)' "$d/result.txt"; then
		report "$n"
	fi
done
# all TIME lines of all scenarios, one file, for comparisons between runs
for d in "$OUT"/results/*/; do
	[ -e "$d/result.txt" ] || continue
	awk -v n="$(basename "$d")" '$1 == "TIME" { print n, $2, $3 }' "$d/result.txt"
done > "$OUT/scenario-timings.txt"

ok=1
if [ "$QEMU_RC" != 0 ] || ! grep -q 'XLT: DONE' "$SERIAL"; then
	ok=0
	echo
	echo "==================== QEMU did not finish cleanly ===================="
	echo "QEMU exit status $QEMU_RC (124: killed at the limit of $TIMEOUT s); READY at ${ready:-never} s"
	echo "--- serial console (last 80 lines of $SERIAL) ---"
	tail -n 80 "$SERIAL"
fi
if [ $TWO_HOSTS = 1 ] && [ ! -e "$BOOT_B_FLAG" ]; then
	echo "xen-test: host B was never booted (host A reached no two-host scenario)"
elif [ $TWO_HOSTS = 1 ] && { [ "$QEMU_RC_B" != 0 ] || ! grep -q 'XLT: DONE' "$SERIAL_B"; }; then
	ok=0
	echo
	echo "==================== host B's QEMU did not finish cleanly ===================="
	echo "QEMU exit status $QEMU_RC_B (124: killed at the limit of $TIMEOUT s)"
	echo "--- serial console (last 80 lines of $SERIAL_B) ---"
	tail -n 80 "$SERIAL_B"
fi
echo
cat "$OUT/summary.txt"
[ $fails = 0 ] || ok=0
[ $skips = 0 ] || echo "xen-test: WARNING: $skips scenario(s) skipped"
echo "xen-test: results in $OUT"
if [ $ok = 1 ]; then
	echo "xen-test: PASS"
	exit 0
fi
echo "xen-test: FAIL"
exit 1
