#!/bin/bash
# 08: side by side, in the same boot on the same guest: `xl save` + `xl
# restore` against `xlctl save` + `xlctl restore`, five rounds each,
# alternating.  Every cycle must work; the times, their medians and spread,
# and the xlctl/xl ratios of the medians go to the results (METRIC
# save-restore ...).
. "$(dirname "$0")/lib.sh"
need_daemon
A=s08a
guest_cfg $A
ROUNDS=${XLT_ROUNDS:-5}

step "start xenlightd"
daemon_start
pass

step "xlctl create"
timed create xlctl create "$TMPD/$A.cfg"
wait_up $A
wait_ticking $A
pass

# cycle TOOL ROUND: save and restore with TOOL (xl or xlctl); times in $TS $TR
cycle() {
	local tool=$1 i=$2 s ups tick
	step "$tool save + restore, round $i"
	ups=$(up_count $A)
	tick=$(last_tick $A)
	s=$(now)
	run $tool save $A "$TMPD/$A.save" || fail "$tool save exited $RC: $(brief "$OUT")"
	TS=$(dt "$s" "$(now)")
	timing "$tool-save-$i" "$TS"
	assert_gone $A 10
	s=$(now)
	run $tool restore "$TMPD/$A.save" || fail "$tool restore exited $RC: $(brief "$OUT")"
	TR=$(dt "$s" "$(now)")
	timing "$tool-restore-$i" "$TR"
	rm -f "$TMPD/$A.save"
	assert_running $A
	assert_resumed $A "$ups" "$tick"
	pass
}
xs=""; xr=""; ds=""; dr=""
for i in $(seq 1 "$ROUNDS"); do
	cycle xl "$i"; xs="$xs $TS"; xr="$xr $TR"
	cycle xlctl "$i"; ds="$ds $TS"; dr="$dr $TR"
done
median() { tr ' ' '\n' <<< "$1" | sed '/^$/d' | sort -g |
	awk '{ v[NR] = $1 } END { printf "%.2f", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
spread() { tr ' ' '\n' <<< "$1" | sed '/^$/d' | sort -g |
	awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%.2f-%.2f", lo, hi }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }'; }
metric "save-restore rounds=$ROUNDS of=median xl_save_s=$(median "$xs") xlctl_save_s=$(median "$ds")" \
	"save_ratio=$(ratio "$(median "$ds")" "$(median "$xs")")" \
	"xl_restore_s=$(median "$xr") xlctl_restore_s=$(median "$dr")" \
	"restore_ratio=$(ratio "$(median "$dr")" "$(median "$xr")")"
metric "save-restore-spread xl_save=$(spread "$xs") xlctl_save=$(spread "$ds") xl_restore=$(spread "$xr") xlctl_restore=$(spread "$dr")"
metric "save-restore-all xl_save=[${xs# }] xlctl_save=[${ds# }] xl_restore=[${xr# }] xlctl_restore=[${dr# }]"

step "xlctl destroy"
timed destroy xlctl destroy $A
assert_gone $A 10
pass
finish
