#!/bin/sh
# Starts or stops a private libvirtd (Debian's, test driver reached through
# its UNIX socket) for the comparison in bench/run.sh.  Needs root and the
# packages libvirt-daemon libvirt-clients (see ../shared or bench/README.md
# for why the settings below are what they are).
#   bench/libvirtd.sh start DIR    prints the pid; the URI is
#                                  test+unix:///default?socket=DIR/sock/libvirt-sock
#   bench/libvirtd.sh stop DIR
set -eu
cmd=${1:?start|stop}
dir=${2:?directory}

case $cmd in
start)
	mkdir -p "$dir/sock" "$dir/drivers"
	# As root without libvirt-daemon-system the QEMU driver's start-up
	# fails (no libvirt-qemu user) and takes libvirtd with it: load no
	# driver modules at all (the test and remote drivers are built in).
	cat > "$dir/libvirtd.conf" <<EOF
listen_tls = 0
listen_tcp = 0
unix_sock_dir = "$dir/sock"
unix_sock_rw_perms = "0700"
unix_sock_ro_perms = "0700"
auth_unix_rw = "none"
auth_unix_ro = "none"
log_outputs = "3:file:$dir/libvirtd.log"
EOF
	LIBVIRT_DRIVER_DIR="$dir/drivers" /usr/sbin/libvirtd -d \
	    -f "$dir/libvirtd.conf" -p "$dir/libvirtd.pid"
	i=0
	while [ ! -S "$dir/sock/libvirt-sock" ] || [ ! -s "$dir/libvirtd.pid" ]; do
		i=$((i + 1))
		[ $i -lt 200 ] || { echo "libvirtd did not start" >&2; exit 1; }
		sleep 0.05
	done
	cat "$dir/libvirtd.pid"
	;;
stop)
	if [ -s "$dir/libvirtd.pid" ]; then
		pid=$(cat "$dir/libvirtd.pid")
		kill "$pid" 2>/dev/null || true
		i=0
		while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do
			i=$((i + 1)); sleep 0.1
		done
		kill -9 "$pid" 2>/dev/null || true
	fi
	;;
*)
	echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac
