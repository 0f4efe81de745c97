#!/bin/bash
# 05: xlctl dump-core of a running guest writes a valid ELF core file
# (file(1) and readelf -h agree), and the guest runs on afterwards.
. "$(dirname "$0")/lib.sh"
need_daemon
A=s05a
guest_cfg $A
CORE=$TMPD/$A.core

step "start xenlightd"
daemon_start
pass

step "xlctl create"
timed create xlctl create "$TMPD/$A.cfg"
wait_up $A
pass

step "xlctl dump-core"
timed dump-core xlctl dump-core $A "$CORE"
[ -s "$CORE" ] || fail "no core file $CORE"
size=$(stat -c %s "$CORE")
note "core file: $size bytes; $(file -b "$CORE")"
[ "$size" -ge $(( GUEST_MEM * 1024 * 1024 * 9 / 10 )) ] ||
	fail "core file is $size bytes, less than 90% of the guest's $GUEST_MEM MiB"
file -b "$CORE" | grep -q 'ELF 64-bit LSB core file' ||
	fail "file(1) says: $(file -b "$CORE")"
readelf -h "$CORE" > "$XLT_RES/readelf.txt" 2>&1 || fail "readelf -h failed: $(brief "$(cat "$XLT_RES/readelf.txt")")"
grep -Eq 'Type:[[:space:]]+CORE' "$XLT_RES/readelf.txt" ||
	fail "readelf -h: $(grep Type: "$XLT_RES/readelf.txt")"
pass

step "the guest runs after the dump"
assert_running $A
case $(dom_field $A .state) in running|blocked) ;;
*) fail "dominfo state is '$(dom_field $A .state)' after the dump" ;; esac
pass

step "xlctl destroy"
rm -f "$CORE"
timed destroy xlctl destroy $A
assert_gone $A 10
pass
finish
