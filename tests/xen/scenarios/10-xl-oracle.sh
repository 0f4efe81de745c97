#!/bin/bash
# 10: the xl -N oracle.  For each config of the corpus (tests/xl-configs,
# installed with the build under share/doc/xenlightd/examples/xl-configs)
# and Debian's /etc/xen/xlexample.*: `xl -N create FILE` (xl's dry run
# prints the libxl configuration it would create) must equal the daemon's
# `domain-config` after `domain-define` of the same file, both normalised
# by xl-oracle-normalise.jq (rules in doc/xl-config.md).  Nothing is
# started.  Every file is compared; each difference is a FAIL line.
. "$(dirname "$0")/lib.sh"
need_daemon
NORMALISE="$(dirname "$0")/xl-oracle-normalise.jq"

corpus=$(find / -xdev -path '*/xl-configs/pv-all.cfg' 2>/dev/null | head -n 1)
[ -n "$corpus" ] || fail "the corpus (xl-configs/pv-all.cfg) is not installed"
corpus=$(dirname "$corpus")

step "start xenlightd"
daemon_start
pass

compared=0
failed=0
for f in "$corpus"/*.cfg /etc/xen/xlexample.*; do
	[ -e "$f" ] || continue
	b=$(basename "$f")
	step "oracle $b"
	random=false
	grep -q '^[[:space:]]*uuid[[:space:]]*=' "$f" || random=true
	rdm=false
	grep -q '^[[:space:]]*rdm[[:space:]]*=' "$f" && rdm=true
	if ! xl -N create "$f" > "$TMPD/$b.xl.json" 2> "$TMPD/$b.xl.err"; then
		soft_fail "xl -N create $b: $(brief "$(cat "$TMPD/$b.xl.err")")"
		failed=$((failed + 1))
		continue
	fi
	name=$(jq -r .c_info.name "$TMPD/$b.xl.json")
	if ! run xlctl define "$f"; then
		soft_fail "xlctl define $b exited $RC: $(brief "$OUT")"
		failed=$((failed + 1))
		continue
	fi
	xlctl config "$name" > "$TMPD/$b.daemon.json" ||
		fail "xlctl config $name exited $?"
	xlctl undefine "$name" > /dev/null 2>&1 ||
		soft_fail "xlctl undefine $name"
	for side in xl daemon; do
		jq -S --argjson random_uuid "$random" --argjson has_rdm "$rdm" \
			-f "$NORMALISE" \
			"$TMPD/$b.$side.json" > "$XLT_RES/$b.$side.json" ||
			fail "jq cannot read $b.$side.json"
	done
	compared=$((compared + 1))
	if diff -u "$XLT_RES/$b.xl.json" "$XLT_RES/$b.daemon.json" \
		> "$XLT_RES/$b.diff"; then
		rm -f "$XLT_RES/$b.diff"
		pass
	else
		log "$(cat "$XLT_RES/$b.diff")"
		soft_fail "$b: xl -N and domain-config differ: $(grep '^[-+] ' "$XLT_RES/$b.diff" | head -n 6 | tr '\n' '|')"
		failed=$((failed + 1))
	fi
done
metric xl-oracle compared=$compared failed=$failed
[ "$compared" -ge 8 ] || fail "only $compared configs compared (corpus 5 + Debian 3 expected)"
[ "$failed" = 0 ] || exit 1

step "stop xenlightd"
daemon_stop
pass
finish
