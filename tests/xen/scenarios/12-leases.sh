#!/bin/bash
# 12: disk leases on real Xen: the same disk image file in two guests.  The
# disk is served by QEMU's qdisk backend (a file, no loop device: the block
# hotplug script cannot attach loop devices in the test dom0).  The second guest is refused with LeaseConflict,
# read-write or read-only, nothing of it is built, and the first one keeps
# running; once the first is destroyed the second starts on the disk.
. "$(dirname "$0")/lib.sh"
need_daemon
A=s12a
B=s12b
IMG=$TMPD/s12-disk.img

# add_disk NAME ACCESS: the shared disk in NAME's config
add_disk() {
	echo "disk = [ 'format=raw, vdev=xvda, access=$2, backendtype=qdisk, target=$IMG' ]" >> "$TMPD/$1.cfg"
}

# refused NAME: xlctl create fails with LeaseConflict naming guest A, and
# no domain NAME exists
refused() {
	run xlctl --json create "$TMPD/$1.cfg"
	[ "$RC" != 0 ] || fail "$1 was created on a disk $A writes"
	[ "$(jqo .error.class)" = LeaseConflict ] ||
		fail "create $1: expected LeaseConflict, got: $(brief "$OUT" 3)"
	[ "$(jqo .error.data.holder.domain)" = "$A" ] ||
		fail "create $1: the conflict does not name $A: $(brief "$OUT" 3)"
	gone "$1" || fail "the refused $1 exists (domid $(domid_of "$1"))"
}

step "one image file"
truncate -s 64M "$IMG" || fail "cannot write $IMG"
note "shared disk $IMG (qdisk)"
guest_cfg $A
guest_cfg $B
add_disk $A rw
pass

step "xl itself can give a guest the disk (the environment, not leases)"
# libxl must start QEMU as the guest's qdisk backend in this dom0; if xl
# cannot, nothing of the daemon's leases can be checked here
run xl create "$TMPD/$A.cfg"
if [ "$RC" != 0 ]; then
	skip "xl create of a guest on $IMG (qdisk) fails in this dom0 (hotplug): $(brief "$OUT" 3)"
fi
xl destroy $A >/dev/null 2>&1
assert_gone $A 30
pass

step "start xenlightd"
daemon_start
pass

step "the first guest gets the disk"
timed create-a xlctl create "$TMPD/$A.cfg"
wait_up $A
run xlctl --json leases
[ "$(jqo --arg d "$A" '[.[] | select(.domain == $d and .state == "held" and .mode == "exclusive")] | length')" = 1 ] ||
	fail "lease-list does not show $A holding the disk: $(brief "$OUT" 3)"
pass

step "the second guest, read-write, is refused"
add_disk $B rw
refused $B
pass

step "the second guest, read-only, is refused"
guest_cfg $B
add_disk $B ro
refused $B
pass

step "the first guest kept running"
assert_running $A
pass

step "the disk is free once the first guest is destroyed"
timed destroy-a xlctl destroy $A
assert_gone $A 10
timed create-b xlctl create "$TMPD/$B.cfg"
wait_up $B
run xlctl --json leases
[ "$(jqo --arg d "$B" '[.[] | select(.domain == $d and .state == "held")] | length')" = 1 ] ||
	fail "lease-list does not show $B holding the disk: $(brief "$OUT" 3)"
timed destroy-b xlctl destroy $B
assert_gone $B 10
pass
finish
