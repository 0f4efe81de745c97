#!/bin/bash
# Boots one node of the test cluster: run by cluster.sh as
#   ip netns exec NODE unshare --mount --uts --fork bash node.sh NODEDIR
# (so it is the first process of the node's own network, mount and UTS
# namespaces).  It makes the namespaces look like a host with the package
# installed and its own disks, then starts, as a host's init would, sshd,
# xenlightd on the simulator, Corosync and Pacemaker, and stays as the node's
# init until the node is powered off (fence_xlha or cluster.sh's teardown
# kill every process of the node).
#
# NODEDIR holds the node's files (see cluster.sh): env (settings), and the
# directories mounted over /etc/corosync, /var/lib/pacemaker, /run, ...
set -u
NODEDIR=$1
# shellcheck source=/dev/null
. "$NODEDIR/env"		# NODE, HA_DESTDIR, HA_PREFIX, SHARED, FENCE_DIR, XENLIGHTD_ARGS
. "$(dirname "$0")/lib.sh"
HA_SCOPE=$NODE
LOG=$NODEDIR/log
mkdir -p "$LOG"
exec >> "$LOG/node.log" 2>&1
echo $$ > "$NODEDIR/pid"

fail() { ha_log "boot failed: $*"; exit 1; }

ha_mount_installed "$NODEDIR/scratch" "$FENCE_DIR" || fail "installed view"
bind() {	# bind HOSTDIR MOUNTPOINT
	mount --bind "$1" "$2" || fail "mount --bind $1 $2"
}
bind "$NODEDIR/etc-corosync" /etc/corosync
bind "$NODEDIR/var-lib-corosync" /var/lib/corosync
bind "$NODEDIR/var-lib-pacemaker" /var/lib/pacemaker
bind "$NODEDIR/var-log-pacemaker" /var/log/pacemaker
bind "$NODEDIR/var-log-corosync" /var/log/corosync
bind "$NODEDIR/var-log-crmsh" /var/log/crmsh
# root's home: only the node's ssh keys
mount -t tmpfs -o mode=700 xlha-root /root || fail "tmpfs /root"
mkdir -m 700 /root/.ssh
bind "$NODEDIR/root-ssh" /root/.ssh
bind "$NODEDIR/hosts" /etc/hosts
bind "$NODEDIR/hostname" /etc/hostname
# volatile: /run (the simulated host's domains live in /run/xenlightd/sim),
# /dev/shm (libqb's IPC buffers, per node)
bind "$NODEDIR/run" /run
mount -t tmpfs -o mode=1777 xlha-shm /dev/shm || fail "tmpfs /dev/shm"
# disks: /srv/shared (the shared storage), /srv/local (this node's own)
mount -t tmpfs -o mode=755 xlha-srv /srv || fail "tmpfs /srv"
mkdir -p /srv/shared /srv/local
bind "$SHARED" /srv/shared
bind "$NODEDIR/local" /srv/local
hostname "$NODE" || fail "hostname"

mkdir -p /run/sshd /run/xenlightd /run/resource-agents /run/lock
chmod 755 /run/sshd

export PATH=$HA_PREFIX/sbin:$HA_PREFIX/bin:/usr/sbin:/usr/bin:/sbin:/bin
/usr/sbin/sshd -f "$NODEDIR/ssh/sshd_config" -E "$LOG/sshd.log" ||
	fail "sshd did not start"

# shellcheck disable=SC2086
"$HA_PREFIX/sbin/xenlightd" --sim --foreground --statedir /srv/local/xenlightd \
	$XENLIGHTD_ARGS > "$LOG/xenlightd.log" 2>&1 &
ha_wait 30 "xenlightd" "$HA_PREFIX/bin/xlctl" --timeout 5000 version >/dev/null 2>&1 ||
	fail "xenlightd did not start"

corosync -f > "$LOG/corosync.out" 2>&1 &
ha_wait 30 "corosync" corosync-cfgtool -s >/dev/null 2>&1 || fail "corosync did not start"

PCMK_logfile=/var/log/pacemaker/pacemaker.log PCMK_logfacility=none \
	PCMK_debug=no pacemakerd > "$LOG/pacemakerd.out" 2>&1 &
ha_log "booted: sshd, xenlightd, corosync, pacemakerd"
echo booted > "$NODEDIR/booted"
exec sleep infinity
