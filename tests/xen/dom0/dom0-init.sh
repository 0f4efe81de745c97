#!/bin/bash
# dom0's init for one test run (PID 1, exec'd by /sbin/xlt-init from the work
# disk mounted at /xlt/work): start the Xen toolstack by hand (no systemd),
# install the xenlightd build from /xlt/work/install, run the scenarios one by
# one with a wall-clock limit each, collect logs into /xlt/work/results, and
# reboot (Xen resets the machine; QEMU runs with -no-reboot, so it exits).
# Console lines starting with "XLT:" are read by run.sh on the host.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export LC_ALL=C
W=/xlt/work
RES=$W/results
XLT_SCENARIOS=""
XLT_SCENARIO_TIMEOUT=300
# shellcheck disable=SC1091
[ -r $W/config ] && . $W/config
export XLT_SCENARIO_TIMEOUT
up() { cut -d' ' -f1 /proc/uptime; }
now() { date +%s.%N; }
dt() { awk -v s="$1" -v e="$2" 'BEGIN { printf "%.1f", e - s }'; }
say() { echo "XLT: $* (dom0 uptime $(up))"; }

finish() {
	# a two-host run: host B waits for host A's word to end (see below)
	[ "${XLT_ROLE:-}" != peer ] && [ -n "${XLT_PEER_ADDR:-}" ] &&
		XLT_PEER_TIMEOUT=20 xlt-peer "touch /run/xlt/finish" > /dev/null 2>&1
	say "collecting logs"
	mkdir -p $RES/dom0/console
	cp /var/log/xen/console/*.log $RES/dom0/console/ 2>/dev/null
	cp /var/log/xen/*.log $RES/dom0/ 2>/dev/null
	xl dmesg >> $RES/dom0/xl-dmesg.txt 2>&1
	dmesg > $RES/dom0/dmesg.txt 2>&1
	sync
	umount $W 2>/dev/null || { sync; umount -l $W; }
	say "DONE"
	sync
	sleep 1
	busybox reboot -f || echo b > /proc/sysrq-trigger
	sleep 30
}

say "dom0-init start"
mountpoint -q /proc || mount -t proc proc /proc
mountpoint -q /sys || mount -t sysfs sysfs /sys
mountpoint -q /dev || mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm /run /tmp
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /tmp
hostname dom0
ip link set lo up
mkdir -p $RES/dom0
for m in xenfs xen-evtchn xen-gntdev xen-gntalloc xen-privcmd xen-blkback xen-netback loop; do
	modprobe $m || say "modprobe $m failed"
done
mount -t xenfs xenfs /proc/xen
mkdir -p /run/xen /run/xenstored /var/log/xen/console /var/lib/xen /var/run/xen /run/xlt
/usr/lib/xen-4.17/bin/oxenstored --pid-file /run/xenstore.pid
end=$(( $(date +%s) + 30 ))
until xenstore-read / >/dev/null 2>&1 || [ "$(date +%s)" -ge $end ]; do sleep 0.1; done
/usr/lib/xen-4.17/bin/xen-init-dom0 > $RES/dom0/xen-init-dom0.txt 2>&1
/usr/lib/xen-4.17/bin/xenconsoled --pid-file /run/xenconsoled.pid --log=guest \
	--log-dir=/var/log/xen/console
if ! xl info > $RES/dom0/xl-info.txt 2>&1; then
	say "FATAL: xl info failed: toolstack not working"
	cat $RES/dom0/xl-info.txt
	echo "FAIL toolstack: xl info failed" > $RES/dom0/result.txt
	finish
fi
say "READY"
# a crashing daemon leaves its core on the work disk: run.sh prints its
# backtrace (gdb on the host, against the same binary)
mkdir -p $RES/cores
echo "$RES/cores/core.%e.%p" > /proc/sys/kernel/core_pattern

# ---------------------------------------------------------------------------
# The xenlightd build (make install DESTDIR=...): copied over /, never cached.
XLT_HAVE_DAEMON=0
{
	for deb in $W/debs/*.deb; do
		[ -e "$deb" ] || continue
		echo "unpacking $(basename "$deb") (a library the build needs)"
		dpkg -x "$deb" /
	done
	if [ -d $W/install ] && [ -n "$(ls -A $W/install)" ]; then
		# tar, not cp -a: Debian 12's / has merged-/usr symlinks (/lib
		# -> usr/lib), and cp refuses to copy the build's lib/systemd
		# directory through one (then ldconfig never ran)
		(cd $W/install && tar -cf - .) |
			tar -C / -xf - --keep-directory-symlink && ldconfig
		echo "installed files:"
		(cd $W/install && find . -type f -o -type l | sort)
	else
		echo "no install tree on the work disk"
	fi
	for b in xenlightd xlctl; do
		p=$(command -v $b) || { echo "$b: not installed"; continue; }
		echo "== ldd $p"
		ldd "$p" 2>&1
	done
} > $RES/dom0/install.txt 2>&1
if command -v xenlightd >/dev/null && command -v xlctl >/dev/null; then
	XLT_HAVE_DAEMON=1
	if grep -q 'not found' $RES/dom0/install.txt; then
		mkdir -p $RES/preflight
		{
			echo "STEP libraries"
			echo "FAIL libraries: xenlightd or xlctl misses shared libraries in dom0:"
			grep -B20 'not found' $RES/dom0/install.txt | grep -E '^==|not found' | sed 's/^/  /'
		} > $RES/preflight/result.txt
		say "preflight: missing shared libraries (see results/dom0/install.txt)"
	fi
fi
export XLT_HAVE_DAEMON
say "xenlightd installed: $XLT_HAVE_DAEMON"

# A two-host run (tests/xen/run.sh boots host A and host B): the dom0s talk
# over QEMU's socket network, addresses from run.sh (XLT_NET_ADDR, the other
# one XLT_PEER_ADDR).
if [ -n "${XLT_NET_ADDR:-}" ]; then
	modprobe virtio_net || say "modprobe virtio_net failed"
	end=$(( $(date +%s) + 20 ))
	until ip link show eth0 > /dev/null 2>&1 || [ "$(date +%s)" -ge $end ]; do sleep 0.2; done
	ip link set eth0 up && ip addr add "$XLT_NET_ADDR/24" dev eth0 ||
		say "network: cannot set up eth0"
	ip addr > $RES/dom0/ip-addr.txt 2>&1
	say "network: eth0 $XLT_NET_ADDR, the other host $XLT_PEER_ADDR"
fi
export XLT_PEER_ADDR

# ---------------------------------------------------------------------------
# Between scenarios: stop a daemon left running, destroy every domU, drop
# temporary files, so that each scenario starts from a clean host.
reset_host() {
	local d=$1 pid n
	if [ -r /run/xlt/daemon.pid ]; then
		pid=$(cat /run/xlt/daemon.pid)
		if kill -0 "$pid" 2>/dev/null; then
			kill -TERM "$pid"
			end=$(( $(date +%s) + 15 ))
			while kill -0 "$pid" 2>/dev/null && [ "$(date +%s)" -lt $end ]; do sleep 0.2; done
			if kill -0 "$pid" 2>/dev/null; then
				echo "NOTE xenlightd (pid $pid) ignored SIGTERM for 15 s: killed" >> "$d/result.txt"
				kill -KILL "$pid"
			fi
		fi
		rm -f /run/xlt/daemon.pid
	fi
	for pid in $(pidof xenlightd xlctl 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
	# process groups a two-host scenario started on host B (lib.sh: on_b_bg)
	for pid in $(cat /run/xlt/bg-pgids 2>/dev/null); do kill -KILL -- "-$pid" 2>/dev/null; done
	rm -f /run/xlt/bg-pgids
	for n in $(xl list 2>/dev/null | awk 'NR > 2 { print $1 }'); do
		echo "NOTE domain $n left behind: destroyed" >> "$d/result.txt"
		timeout 60 xl destroy "$n" >/dev/null 2>&1
	done
	rm -rf /var/tmp/xlt /run/xenlightd /var/lib/xenlightd
}

# Facts for a failing scenario, taken before reset_host tears things down.
diagnose() {
	local d=$1 sock=/run/xenlightd/xenlightd.sock
	{
		echo "== xl list"; timeout 20 xl list 2>&1
		echo "== ps"; ps -eo pid,ppid,stat,etime,args 2>&1 | grep -v '\[' | head -60
		if [ -S $sock ] && command -v xlctl >/dev/null; then
			echo "== xlctl --json list"; timeout 20 xlctl -c $sock --json list 2>&1
			echo "== xlctl --json jobs"; timeout 20 xlctl -c $sock --json jobs 2>&1
		fi
		echo "== ls -la /var/tmp/xlt"; ls -la /var/tmp/xlt 2>&1
		echo "== xl dmesg (since the scenario started)"; xl dmesg 2>&1 | tail -60
	} > "$d/diag.txt" 2>&1
}

selected() {
	local n=$1 s
	[ -z "$XLT_SCENARIOS" ] && return 0
	for s in $XLT_SCENARIOS; do
		case $n in "$s"|"$s"-*) return 0 ;; esac
	done
	return 1
}

# Host B of a two-host run runs no scenario: it serves host A's requests
# (xlt-peer: a shell command, its output and status) until A says finish.
export -f up say reset_host diagnose
if [ "${XLT_ROLE:-}" = peer ]; then
	xlt-tcp serve 7000 xlt-peer-exec > $RES/dom0/peer-server.log 2>&1 < /dev/null &
	peer_server=$!
	say "PEER READY: serving host $XLT_PEER_ADDR"
	until [ -e /run/xlt/finish ]; do sleep 1; done
	kill $peer_server
	finish
fi

# peer_call CMD: xlt-peer for the runner; false if host B does not answer
peer_call() { XLT_PEER_TIMEOUT=60 xlt-peer "$1" >> $RES/dom0/peer-calls.txt 2>&1; }
# has_header FILE TEXT: TEXT is a line of FILE's top comment
has_header() { head -5 "$1" | grep -q "^# $2"; }

for s in $W/scenarios/[0-9][0-9]-*.sh; do
	[ -e "$s" ] || continue
	n=$(basename "$s" .sh)
	selected "$n" || continue
	d=$RES/$n
	mkdir -p "$d"
	limit=$XLT_SCENARIO_TIMEOUT
	# a scenario's own limit ("# timeout: SECONDS"), if longer
	t=$(head -5 "$s" | sed -n 's/^# timeout: \([0-9]*\)$/\1/p')
	[ -n "$t" ] && [ "$t" -gt "$limit" ] && limit=$t
	two_hosts=0
	if has_header "$s" "hosts: 2" && [ -n "${XLT_PEER_ADDR:-}" ]; then
		two_hosts=1
		# host B boots when the first two-host scenario asks for it (run.sh
		# reads the line): wait for it (not part of the scenario's time)
		[ -n "${peer_asked:-}" ] || { say "BOOT HOST B"; peer_asked=1; }
		end=$(( $(date +%s) + ${XLT_PEER_WAIT:-900} ))
		until peer_call true || [ "$(date +%s)" -ge $end ]; do sleep 2; done
		peer_call "mkdir -p $d; say '>>> $n' > /dev/console" || say "host B does not answer"
	fi
	# the hypervisor's messages of each scenario apart (see diagnose)
	xl dmesg -c >> $RES/dom0/xl-dmesg.txt 2>&1
	say ">>> $n"
	t0=$(now)
	XLT_NAME=$n XLT_RES=$d timeout -k 15 "$limit" \
		bash "$s" > "$d/output.log" 2>&1 < /dev/null
	rc=$?
	t1=$(now)
	if [ $rc = 124 ] || [ $rc = 137 ]; then
		echo "FAIL timeout: scenario killed after $limit s" >> "$d/result.txt"
	elif [ $rc != 0 ] && ! grep -q '^FAIL' "$d/result.txt" 2>/dev/null; then
		echo "FAIL exit: scenario script exited with status $rc" >> "$d/result.txt"
	fi
	if grep -q '^FAIL' "$d/result.txt" 2>/dev/null; then
		st=FAIL
	elif grep -q '^SKIP' "$d/result.txt" 2>/dev/null; then
		st=SKIP
	elif grep -q '^PASS' "$d/result.txt" 2>/dev/null; then
		st=PASS
	else
		echo "FAIL empty: the scenario recorded no result" >> "$d/result.txt"
		st=FAIL
	fi
	echo "TIME scenario $(dt "$t0" "$t1")" >> "$d/result.txt"
	[ $st = FAIL ] && diagnose "$d"
	[ $st = FAIL ] && [ $two_hosts = 1 ] && peer_call "diagnose $d"
	reset_host "$d"
	[ $two_hosts = 1 ] && peer_call "reset_host $d; say '<<< $n' > /dev/console"
	mv $RES/cores/core.* "$d/" 2>/dev/null
	sync
	say "<<< $n $st $(dt "$t0" "$t1") s"
done
finish
