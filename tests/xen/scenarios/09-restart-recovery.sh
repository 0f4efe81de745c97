#!/bin/bash
# 09: restart recovery.  xenlightd is killed with SIGKILL during the save of
# a running guest and started again on the same run and state directories:
# the guest is running again, `xlctl --json jobs` shows the save job
# "failed" with "interrupted by daemon restart", and no save file (nor
# temporary file) is left.
. "$(dirname "$0")/lib.sh"
need_daemon
A=s09a
guest_cfg $A "$BIG_GUEST_MEM"
SAVE=$TMPD/$A.save

step "start xenlightd"
daemon_start
pass

step "create a $BIG_GUEST_MEM MiB guest"
timed create xlctl create "$TMPD/$A.cfg"
wait_up $A
wait_ticking $A
pass

step "kill -9 the daemon during a save"
ups=$(up_count $A)
tick=$(last_tick $A)
run xlctl --json save $A "$SAVE" --detach || fail "xlctl save --detach exited $RC: $(brief "$OUT")"
JOB=$(job_id_of_reply "$OUT")
case $JOB in ''|*[!0-9]*) fail "no job id in the reply to save --detach: $(brief "$OUT" 2)" ;; esac
wait_until 30 job_is_running "$JOB" ||
	fail "save job $JOB is '$(job_state "$JOB")', never 'running' (raise XEN_TEST_BIG_GUEST_MEM?)"
progress_moved() { [ "$(xlctl --json job "$JOB" | jq -r '(.progress.current // 0) > 0')" = true ]; }
wait_until 5 progress_moved || note "save job $JOB shows no progress after 5 s"
note "job before the kill: $(xlctl --json job "$JOB" | jq -c '{state, progress}')"
daemon_kill9
note "xl state right after the kill: '$(xl_state $A)'"
pass

step "restart xenlightd"
daemon_start keep
pass

step "the guest is running"
not_suspended() {
	exists $A || return 1
	case $(xl_state $A) in *p*|*s*|*c*|*d*) return 1 ;; esac
}
wait_until 60 not_suspended || fail "guest $A is not running 60 s after the restart: xl state '$(xl_state $A)'"
assert_running $A
assert_resumed $A "$ups" "$tick"
case $(dom_field $A .state) in running|blocked) ;;
*) fail "dominfo state is '$(dom_field $A .state)' after the restart" ;; esac
pass

step "the save job failed: interrupted by daemon restart"
must xlctl --json jobs
j=$(jqo --argjson id "$JOB" "$JQ_LIST"' | .[] | select(.id == $id)' 2>/dev/null)
[ -n "$j" ] || fail "xlctl --json jobs does not show job $JOB: $(brief "$OUT" 3)"
[ "$(jq -r .state <<< "$j")" = failed ] || fail "job $JOB is '$(jq -r .state <<< "$j")', expected failed"
jq -r '.error | tostring' <<< "$j" | grep -q 'interrupted by daemon restart' ||
	fail "job $JOB error is $(jq -c .error <<< "$j"), expected 'interrupted by daemon restart'"
pass

step "no save file or temporary file left"
left=$(ls -A "$TMPD" | grep -v '\.cfg$')
[ -z "$left" ] || fail "files left behind in $TMPD: $(echo $left)"
pass

step "xlctl destroy"
timed destroy xlctl destroy $A
assert_gone $A 10
pass
finish
