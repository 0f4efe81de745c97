#!/bin/bash
# xlctl's bash completion (client/completion/xlctl), as bash calls it:
# the file is sourced in a fresh bash, COMP_WORDS and COMP_CWORD are set as
# bash sets them, _xlctl runs, and COMPREPLY is checked.  Against a daemon
# on the simulator with three domains: command names, options, domain names
# and job ids from the daemon, files for file arguments; and nothing,
# silently, when no daemon answers (none at all, or one that is stopped).
set -eu
build=${XENLIGHTD_BUILDDIR:?}
src=${XENLIGHTD_SRCDIR:?}
xlctl=$build/client/xlctl
completion=$src/client/completion/xlctl
dir=$(mktemp -d /tmp/xlcli-completion-XXXXXX)
sock=$dir/run/xenlightd.sock
ro=$dir/run/xenlightd-ro.sock
daemon=
failures=0
# a loaded machine may answer slowly: a slow answer is still an answer
export XLCTL_COMPLETE_TIMEOUT_MS=30000

cleanup() {
	if [ -n "$daemon" ]; then
		kill -CONT "$daemon" 2>/dev/null || true
		kill "$daemon" 2>/dev/null || true
		wait "$daemon" 2>/dev/null || true
	fi
	rm -rf "$dir"
}
trap cleanup EXIT

fail() { echo "not ok - $*"; failures=$((failures + 1)); }
pass() { echo "ok - $*"; }

# complete WORD...: the candidates _xlctl gives for the command line
# "xlctl WORD..." with the cursor at the end of the last word, sorted.
complete() {
	timeout 60 bash -c '
		completion=$1; shift
		source "$completion"
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		_xlctl
		if [ ${#COMPREPLY[@]} -gt 0 ]; then
			printf "%s\n" "${COMPREPLY[@]}"
		fi' _ "$completion" "$xlctl" "$@" | sort
}

# expect "CANDIDATE..." WORD... : exactly these candidates for "xlctl WORD...".
expect() {
	local want=$1 got
	shift
	got=$(complete "$@" | tr '\n' ' ')
	want=$(for c in $want; do echo "$c"; done | sort | tr '\n' ' ')
	if [ "$got" = "$want" ]; then
		pass "xlctl $*|"
	else
		fail "xlctl $*|: got '$got', want '$want'"
	fi
}

# expect_has "CANDIDATE..." WORD... : at least these.
expect_has() {
	local want=$1 got c missing=
	shift
	got=$(complete "$@")
	for c in $want; do
		grep -qxF -- "$c" <<<"$got" || missing="$missing $c"
	done
	if [ -z "$missing" ]; then
		pass "xlctl $*| offers $want"
	else
		fail "xlctl $*| lacks$missing; got: $(echo $got)"
	fi
}

# The helper itself: exit 0 and silence on stderr, whatever happens (an
# ASan build reports leaks there).
helper_quiet() {
	local err=$dir/helper.err
	if timeout 60 "$xlctl" __complete "$@" >/dev/null 2>"$err" &&
	    [ ! -s "$err" ]; then
		pass "xlctl __complete $* is quiet"
	else
		fail "xlctl __complete $*: exit $? or stderr: $(cat "$err")"
	fi
}

config() {
	printf 'name = "%s"\ntype = "pv"\nkernel = "/boot/vmlinuz-sim"\n' "$1"
	printf 'memory = 64\nvcpus = 1\n'
}

"$build/daemon/xenlightd" --foreground --sim --rundir "$dir/run" \
    --statedir "$dir/state" --log-file "$dir/xenlightd.log" </dev/null &
daemon=$!
for _ in $(seq 600); do
	"$xlctl" -c "$sock" --timeout 5000 version >/dev/null 2>&1 && break
	kill -0 "$daemon" || { echo "xenlightd exited"; exit 1; }
	sleep 0.1
done
"$xlctl" -c "$sock" version >/dev/null || { echo "xenlightd does not answer"; exit 1; }
config xlcli-web1 >"$dir/web1.cfg"
config xlcli-web2 >"$dir/web2.cfg"
config xlcli-db >"$dir/db.cfg"
"$xlctl" -c "$sock" -q create "$dir/web1.cfg"
"$xlctl" -c "$sock" -q create "$dir/web2.cfg"
"$xlctl" -c "$sock" -q define "$dir/db.cfg"

# commands
expect_has "list save dump-core help info resume" ""
expect "save" sa
expect "save" help sa
expect "managedsave managedsave-remove" -c "$ro" --json ma
if complete "" | grep -q "__complete"; then
	fail "the hidden helper is offered as a command"
else
	pass "the hidden helper is not offered"
fi

# options: global, the command's own, a job's, --help
expect "--json" --j
expect_has "--leave-running --leave-paused --overwrite --detach --wait --help" \
    save -
expect "--state --help" list --

# domain names from the daemon, through the socket -c names
all="Domain-0 xlcli-web1 xlcli-web2 xlcli-db"
expect "$all" -c "$ro" dominfo ""
expect "xlcli-web1 xlcli-web2" -r -c "$ro" pause xlcli-w
expect "xlcli-db" -c "$ro" save --wait 0 xlcli-d
expect "xlcli-db" -c "$ro" jobs --domain xlcli-d
# bash splits "--domain=xlcli-d" into "--domain" "=" "xlcli-d"
expect "xlcli-db" -c "$ro" jobs --domain = xlcli-d
expect "$all" -c "$ro" jobs --domain =
expect "xlcli-web1 xlcli-web2" -c "$ro" events -d xlcli-web
# after "--", a word is an argument even if it looks like an option
expect "" -c "$ro" dominfo -- -x
# no second argument to dominfo
expect "" -c "$ro" dominfo xlcli-web1 ""

# job ids
jobs=$(complete -c "$ro" job "")
if [ -n "$jobs" ] && ! grep -qv '^[0-9]\+$' <<<"$jobs"; then
	pass "xlctl job | offers job ids ($(echo $jobs))"
else
	fail "xlctl job |: got '$(echo $jobs)', want job ids"
fi

# files for file arguments
touch "$dir/web1.save" "$dir/web1.other"
expect "$dir/web1.save" -c "$ro" save xlcli-web1 "$dir/web1.s"
expect "$dir/web1.other" restore "$dir/web1.o"
expect "$dir/web2.cfg" create "$dir/web2.c"
expect "$dir/run" -c "$dir/r"
expect "$dir/db.cfg" dump-core xlcli-web1 --live "$dir/db"

# nothing to offer, and no noise, when no daemon answers
expect "" -c "$dir/nonexistent.sock" dominfo ""
helper_quiet -c "$dir/nonexistent.sock" dominfo ""
helper_quiet -c "$ro" dominfo ""
helper_quiet -c "$ro" job ""
helper_quiet frobnicate ""
kill -STOP "$daemon"
XLCTL_COMPLETE_TIMEOUT_MS=1000 expect "" -c "$ro" dominfo ""
XLCTL_COMPLETE_TIMEOUT_MS=1000 helper_quiet -c "$ro" dominfo ""
kill -CONT "$daemon"
expect "xlcli-db" -c "$ro" dominfo xlcli-d

echo "$failures failure(s)"
[ "$failures" -eq 0 ]
