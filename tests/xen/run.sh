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

CPU=${XEN_TEST_CPU:-qemu64}             # "max" crashes dom0 (SMAP under TCG)
MEM=${XEN_TEST_MEM:-3G}
SMP=${XEN_TEST_SMP:-2}
DOM0_MEM=${XEN_TEST_DOM0_MEM:-1024M}
TIMEOUT=${XEN_TEST_TIMEOUT:-1500}       # whole QEMU run, wall clock, seconds
SCENARIO_TIMEOUT=${XEN_TEST_SCENARIO_TIMEOUT:-300}
LOG_LINES=${XEN_TEST_LOG_LINES:-200}    # daemon log lines shown per failure (0: all)

T_START=$(xt_now)
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
rm -rf "$OUT/results" "$OUT/serial.log" "$OUT/summary.txt" "$OUT/timings.txt"
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
	I=$(bash "$XT_SRC/image.sh") || xt_die "building the dom0 image failed"
fi
timing "image-$image_state" "$(xt_dt "$t0" "$(xt_now)")"
xt_log "image ($image_state in $(xt_dt "$t0" "$(xt_now)") s): $I"
K=$(dirname "$I")
# a shared lock while we boot: another build must not replace the image
{ exec 8>>"$XEN_TEST_CACHE/.lock"; } 2>/dev/null || exec 8<"$XEN_TEST_CACHE/.lock"
flock -s 8
[ -e "$I/complete" ] || xt_die "image $I vanished (rebuilt by another run?)"

# --- 3. the work disk: harness, scenarios, the build under test -----------
mkdir -p "$XEN_TEST_CACHE/runs" 2>/dev/null
RUN=$(mktemp -d "$XEN_TEST_CACHE/runs/run.XXXXXX" 2>/dev/null || mktemp -d /var/tmp/xen-test-run.XXXXXX)
QEMU_PID=""
cleanup() {
	[ -n "$QEMU_PID" ] && kill "$QEMU_PID" 2>/dev/null
	if [ "${XEN_TEST_KEEP:-0}" = 1 ]; then xt_log "kept $RUN"; else rm -rf "$RUN"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
WD=$RUN/work
mkdir -p "$WD/results" "$WD/install" "$WD/bin"
install -m 755 "$XT_SRC/dom0/dom0-init.sh" "$WD/dom0-init.sh"
install -m 755 "$XT_SRC/dom0/xlt-probe" "$WD/bin/xlt-probe"
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
		while read -r lib; do dpkg -S "*/$lib" 2>/dev/null | head -1 | cut -d: -f1; done |
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
XLT_SCENARIOS="$SCENARIOS"
XLT_SCENARIO_TIMEOUT=$SCENARIO_TIMEOUT
export PATH=/xlt/work/bin:\$PATH
${XEN_TEST_GUEST_MEM:+export XLT_GUEST_MEM=$XEN_TEST_GUEST_MEM}
${XEN_TEST_BIG_GUEST_MEM:+export XLT_BIG_GUEST_MEM=$XEN_TEST_BIG_GUEST_MEM}
${XEN_TEST_DAEMON_ARGS:+export XLT_DAEMON_ARGS="$XEN_TEST_DAEMON_ARGS"}
EOC
WSZ=$(( $(du -sm "$WD" | cut -f1) + ${XEN_TEST_WORK_MB:-512} ))
mke2fs -q -t ext4 -L work -d "$WD" "$RUN/work.img" "${WSZ}M" > /dev/null || xt_die "mke2fs of the work disk failed"

# the scenarios this run should see results for
expected=""
for s in "$XT_SRC"/scenarios/[0-9][0-9]-*.sh; do
	n=$(basename "$s" .sh)
	if [ -n "$SCENARIOS" ]; then
		ok=0
		for x in $SCENARIOS; do case $n in "$x"|"$x"-*) ok=1 ;; esac; done
		[ $ok = 1 ] || continue
	fi
	expected="$expected $n"
done

# --- 4. boot ------------------------------------------------------------------
XEN_CMDLINE="dom0_mem=$DOM0_MEM,max:$DOM0_MEM console=com1 com1=115200,8n1 loglvl=all guest_loglvl=all ${XEN_TEST_XEN_EXTRA:-}"
# the dom0 cmdline goes inside -initrd, where ',' separates modules
DOM0_CMDLINE="console=hvc0 earlyprintk=xen ${XEN_TEST_DOM0_EXTRA:-}"
SERIAL=$OUT/serial.log
xt_log "booting Xen under QEMU (cpu $CPU, $MEM, $SMP cpus; limit $TIMEOUT s); serial log: $SERIAL"
t_boot=$(xt_now)
# QEMU writes its snapshot=on overlay (the root disk's changes) to TMPDIR
TMPDIR=$RUN timeout "$TIMEOUT" qemu-system-x86_64 \
	-accel tcg,thread=multi -machine pc -cpu "$CPU" -m "$MEM" -smp "$SMP" \
	-display none -monitor none -serial stdio -no-reboot -net none \
	-kernel "$K/boot/xen" -append "$XEN_CMDLINE" \
	-initrd "$K/boot/vmlinuz $DOM0_CMDLINE,$I/dom0-initrd.cpio" \
	-drive file="$I/rootfs.img",if=virtio,format=raw,snapshot=on \
	-drive file="$RUN/work.img",if=virtio,format=raw \
	${XEN_TEST_QEMU_EXTRA:-} \
	< /dev/null 2>&1 |
	perl -MTime::HiRes=time -ne '
		BEGIN { $| = 1; $t0 = time }
		s/\r//g;
		my $l = sprintf("[%8.2f] %s", time - $t0, $_);
		print $l;
		print STDERR $l if /XLT:/;' > "$SERIAL"
QEMU_RC=${PIPESTATUS[0]}
t_end=$(xt_now)
timing qemu-run "$(xt_dt "$t_boot" "$t_end")"
ready=$(awk '/XLT: READY/ { sub(/^\[ */, ""); sub(/\].*/, ""); print; exit }' "$SERIAL")
[ -n "$ready" ] && timing boot-to-ready "$ready"

# --- 5. results ---------------------------------------------------------------
debugfs -R "rdump /results $OUT" "$RUN/work.img" > /dev/null 2>&1 ||
	xt_log "could not read the results from the work disk"

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
	awk -v n="$n" 'index($0, "XLT: >>> " n " ") { on = 1 } on { print } index($0, "XLT: <<< " n " ") { on = 0 }' \
		"$SERIAL" | tail -n 60
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
