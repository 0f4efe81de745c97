#!/bin/bash
# 04: destroy always wins, abort works.
#  a) xlctl destroy during a save: the save job ends "aborted", the domain is
#     gone, and no save file (nor temporary file) is left.
#  b) xlctl abort of a save started with --detach (job found with
#     `xlctl --json jobs`): the job ends "aborted" and the guest runs on.
# The guests are $BIG_GUEST_MEM MiB so that a save lasts several seconds.
. "$(dirname "$0")/lib.sh"
need_daemon
A=s04a
B=s04b
guest_cfg $A "$BIG_GUEST_MEM"
guest_cfg $B "$BIG_GUEST_MEM"

# leftovers of a save to $1: the file itself or anything named after it
# (a temporary name), or anything new in $TMPD
leftovers() {
	ls -A "$TMPD" | grep -v -e '\.cfg$' -e '^bg-' -e '^probe' || true
}
progress_moved() {
	[ "$(xlctl --json job "$1" | jq -r '(.progress.current // 0) > 0')" = true ]
}
# start_save DOMAIN FILE: detached save; the job id in $JOB, and the job is
# running (and, if the daemon reports progress, streaming) when it returns
start_save() {
	local st
	run xlctl --json save "$1" "$2" --detach ||
		fail "xlctl save --detach exited $RC: $(brief "$OUT")"
	JOB=$(job_id_of_reply "$OUT")
	case $JOB in ''|*[!0-9]*) fail "no job id in the reply to save --detach: $(brief "$OUT" 2)" ;; esac
	wait_until 30 job_is_running "$JOB" || {
		st=$(job_state "$JOB")
		fail "save job $JOB is '$st', never 'running' (a save that ends before it can be interrupted: raise XEN_TEST_BIG_GUEST_MEM)"
	}
	wait_until 5 progress_moved "$JOB" || note "save job $JOB shows no progress after 5 s"
	note "job $JOB: $(xlctl --json job "$JOB" | jq -c '{state, progress}')"
}

step "start xenlightd"
daemon_start
pass

step "create a $BIG_GUEST_MEM MiB guest"
timed create-$A xlctl create "$TMPD/$A.cfg"
timed create-$B xlctl create "$TMPD/$B.cfg"
wait_up $A
pass

step "xlctl destroy during a save"
start_save $A "$TMPD/$A.save"
# (issue 18) libxl's save helper streams at the helpers' lower priority
# (--helper-nice 10, --helper-ioprio be/7), the daemon at its own
helper=$(pgrep -x libxl-save-help | head -n 1)
[ -n "$helper" ] || fail "no libxl-save-helper process during the save"
helper_lowered() { [ "$(nice_of "$helper")" = 10 ]; }
wait_until 5 helper_lowered ||
	fail "libxl-save-helper $helper runs at nice '$(nice_of "$helper")', expected 10"
[ "$(ioprio_of "$helper")" = "best-effort: prio 7" ] ||
	fail "libxl-save-helper $helper has I/O priority '$(ioprio_of "$helper")', expected best-effort: prio 7"
[ "$(nice_of "$(daemon_pid)")" = 0 ] ||
	fail "the daemon itself runs at nice '$(nice_of "$(daemon_pid)")'"
note "libxl-save-helper $helper: nice $(nice_of "$helper"), $(ioprio_of "$helper"); daemon nice $(nice_of "$(daemon_pid)")"
timed destroy-during-save xlctl destroy $A
wait_job "$JOB" 120
[ "$(jqo .state)" = aborted ] ||
	fail "save job $JOB ended '$(jqo .state)', expected aborted: $(brief "$OUT" 3)"
note "job $JOB error: $(jqo -c .error)"
assert_gone $A 10
run xlctl dominfo $A
[ "$RC" = 1 ] || fail "dominfo of the destroyed $A: exit $RC, expected 1"
[ -z "$(leftovers)" ] || fail "files left behind in $TMPD: $(leftovers | tr '\n' ' ')"
pass

step "xlctl abort of a detached save"
wait_up $B
wait_ticking $B
ups=$(up_count $B)
tick=$(last_tick $B)
start_save $B "$TMPD/$B.save"
must xlctl --json jobs --domain $B
J=$(jqo "$JQ_LIST"' | [.[] | select(.type == "domain-save" and (.state == "running" or .state == "queued"))][0].id // empty')
[ -n "$J" ] || fail "xlctl --json jobs shows no running save job for $B: $(brief "$OUT" 3)"
[ "$J" = "$JOB" ] || fail "xlctl jobs shows job $J, save --detach replied job $JOB"
timed abort xlctl abort "$J"
wait_job "$J" 120
[ "$(jqo .state)" = aborted ] ||
	fail "save job $J ended '$(jqo .state)', expected aborted: $(brief "$OUT" 3)"
assert_running $B
assert_resumed $B "$ups" "$tick"
case $(dom_field $B .state) in running|blocked) ;;
*) fail "dominfo state of $B is '$(dom_field $B .state)' after the aborted save" ;; esac
[ "$(dom_field $B .job)" = null ] || fail "dominfo of $B still shows a job: $(dom_field $B ".job | tostring")"
[ -z "$(leftovers)" ] || fail "files left behind in $TMPD: $(leftovers | tr '\n' ' ')"
pass

step "xlctl destroy"
timed destroy-$B xlctl destroy $B
assert_gone $B 10
pass
finish
