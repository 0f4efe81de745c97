#!/bin/bash
# The resource agent on its own, against daemons on the simulator: ocf-tester
# (from resource-agents) in both of the agent's modes, then what ocf-tester
# does not look at: monitor's codes for paused, crashed and vanished guests,
# stop's shutdown-then-destroy, the daemon not answering, bad parameters, a
# config that went missing, and, when the daemons serve them, migrate_to /
# migrate_from between two daemons and a start that waits for a disk lease.
#
# usage: tests/ha/agent-test.sh --destdir DIR --prefix PREFIX [--out DIR]
# Runs as root in its own mount, network and UTS namespaces; everything it
# starts is stopped when it ends.  Exit 0 when every check passed.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
HA_SCOPE=agent

ha_parse_args "$@"
[ "$(id -u)" = 0 ] || ha_die "run as root (namespaces, overlay mounts)"
ha_installed_check
command -v ocf-tester >/dev/null || ha_die "ocf-tester is missing (Debian resource-agents)"

# ---------------------------------------------------------------------------
# Outside: a private temp dir and the namespaces; the rest runs inside.
if [ -z "${XLHA_AGENT_INNER:-}" ]; then
	T=$(mktemp -d /tmp/xlha-agent.XXXXXX) || exit 1
	export XLHA_AGENT_INNER=1 XLHA_T=$T
	# also on TERM (run.sh's bound): the inner part stops its daemons
	trap 'rc=$?; [ -n "$OUT" ] && mkdir -p "$OUT" && cp -r "$T/logs" "$OUT/" 2>/dev/null
		rm -rf "$T"; exit $rc' EXIT
	trap 'exit 124' TERM
	trap 'exit 130' INT
	unshare --mount --net --uts --fork bash "$0" --destdir "$HA_DESTDIR" \
		--prefix "$HA_PREFIX" &
	wait $!
	exit $?
fi

T=$XLHA_T
mkdir -p "$T/logs" "$T/shared/lockspace" "$T/rsctmp"
PIDS=""
cleanup() {
	local p
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for p in $PIDS; do
		for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$p" 2>/dev/null
	done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ip link set lo up || ha_die "cannot bring lo up in the test's network namespace"
mkdir -p "$T/fence" && install -m 755 "$HA_SRC/fence_xlha" "$T/fence/"
ha_mount_installed "$T" "$T/fence" || ha_die "cannot mount the installed build over $HA_PREFIX"
AGENT=/usr/lib/ocf/resource.d/xenlightd/domain
[ -x "$AGENT" ] || ha_die "the agent is not at $AGENT"

# Two simulated hosts, a and b, in this one network namespace, with a
# lockspace both see.  Each daemon gets its own host name (UTS namespace).
LEASES=0 LEASE_LIST=0 MIGRATION=0
daemon_args() {	# daemon_args HOST PORT
	local a="--sim --foreground --rundir $T/$1/run --statedir $T/$1/state"
	if ha_daemon_option --lockspace; then a="$a --lockspace $T/shared/lockspace"; fi
	if ha_daemon_option --migrate-listen; then a="$a --migrate-listen 127.0.0.1:$2"; fi
	echo "$a"
}
start_daemon() {	# start_daemon HOST PORT
	mkdir -p "$T/$1/run" "$T/$1/state"
	# shellcheck disable=SC2046
	unshare --uts sh -c 'hostname "$0"; exec "$@"' "xlha-$1" \
		"$HA_PREFIX/sbin/xenlightd" $(daemon_args "$1" "$2") \
		> "$T/logs/xenlightd-$1.log" 2>&1 &
	PIDS="$PIDS $!"
	ha_wait 30 "xenlightd on $1" ha_xlctl "$T/$1/run/xenlightd.sock" version \
		>/dev/null 2>&1 || ha_die "xenlightd on $1 did not start: $(tail -5 "$T/logs/xenlightd-$1.log")"
}
start_daemon a 18101
start_daemon b 18102
SA=$T/a/run/xenlightd.sock SB=$T/b/run/xenlightd.sock
SIMA=$T/a/run/sim.sock SIMB=$T/b/run/sim.sock

# Guests: disks on the shared directory, so that they take leases.
guest_config() {	# guest_config NAME [EXTRA LINE]
	: > "$T/shared/$1.img"
	printf 'name = "%s"\nmemory = 128\nvcpus = 1\nkernel = "/boot/vmlinuz"\ndisk = [ "%s,raw,xvda,w" ]\n%s\n' \
		"$1" "$T/shared/$1.img" "${2:-}" > "$T/shared/$1.cfg"
	echo "$T/shared/$1.cfg"
}

# Leases: enforced when b refuses a guest whose disk a's copy holds;
# lease-list shows them (and promises the first).
if ha_serves "$SA" lease-list; then LEASE_LIST=1; fi
if ha_leases_enforced "$SA" "$SB" "$(guest_config xlha-probe)" xlha-probe; then
	LEASES=1
elif [ $LEASE_LIST = 1 ]; then
	ha_fail "lease-list is served, but a second create of a guest on another host was not refused"
fi
if ha_serves "$SA" domain-migrate && ha_serves "$SB" migration-prepare; then MIGRATION=1; fi
ha_log "daemons up; leases: $([ $LEASES = 1 ] && echo enforced || echo 'not enforced')," \
	"lease-list: $([ $LEASE_LIST = 1 ] && echo served || echo 'not served')," \
	"migration: $([ $MIGRATION = 1 ] && echo served || echo 'not served')"

# ra ACTION [NAME=VALUE...]: runs the agent as Pacemaker would; prints its
# output to the log, sets RA_RC, RA_OUT and RA_SECONDS.
ra() {
	local action=$1 t0
	shift
	t0=$(ha_now)
	RA_OUT=$(env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin OCF_ROOT=/usr/lib/ocf \
		OCF_RA_VERSION_MAJOR=1 OCF_RA_VERSION_MINOR=0 HA_RSCTMP="$T/rsctmp" \
		OCF_RESOURCE_INSTANCE=xlha_test OCF_RESKEY_CRM_meta_timeout=20000 \
		OCF_RESKEY_CRM_meta_interval=10000 "$@" "$AGENT" "$action" 2>&1)
	RA_RC=$?
	RA_SECONDS=$(ha_dt "$t0" "$(ha_now)")
	printf '== %s %s: rc %s in %s s\n%s\n' "$action" "$*" "$RA_RC" "$RA_SECONDS" \
		"$RA_OUT" >> "$T/logs/agent.log"
}
ra_check() {	# ra_check EXPECTED_RC DESCRIPTION ACTION [NAME=VALUE...]
	local expect=$1 what=$2
	shift 2
	ra "$@"
	if [ "$RA_RC" = "$expect" ]; then
		ha_pass "$what: rc $RA_RC"
	else
		ha_fail "$what: rc $RA_RC, expected $expect; agent said: $(printf '%s' "$RA_OUT" | tail -3)"
	fi
}
sim_a() { ha_sim_domain "$SIMA" "$1"; }
sim_b() { ha_sim_domain "$SIMB" "$1"; }
sim_state() { ha_sim_domain "$1" "$2" | cut -d' ' -f1; }
daemon_state_is() { [ "$(ha_daemon_state "$1" "$2")" = "$3" ]; }

# --- 1. ocf-tester, then the defined-domain mode ----------------------------
G1=$(guest_config xlha1)
ha_log "ocf-tester, config mode"
ocf-tester -v -n xlha_cfg -o config="$G1" -o socket="$SA" "$AGENT" \
	> "$T/logs/ocf-tester-config.log" 2>&1
rc=$?
ha_check "ocf-tester passes (config=$G1)" \
	test "$rc" = 0 -a -n "$(grep 'passed all tests' "$T/logs/ocf-tester-config.log")"
[ "$rc" = 0 ] || tail -20 "$T/logs/ocf-tester-config.log" >&2
ha_check_eq "the guest is gone after ocf-tester" absent "$(sim_a xlha1)"

# The defined-domain mode, through the same steps (ocf-tester once is
# enough: each agent call costs seconds on a loaded machine).
G2=$(guest_config xlha2)
ha_xlctl "$SA" define "$G2" >/dev/null || ha_fail "define xlha2"
DM=(OCF_RESKEY_domain=xlha2 OCF_RESKEY_socket="$SA")
ra_check 7 "domain mode: probe, defined and shut off" monitor "${DM[@]}" \
	OCF_RESKEY_CRM_meta_interval=0
ra_check 0 "domain mode: start" start "${DM[@]}"
ra_check 0 "domain mode: monitor" monitor "${DM[@]}"
ra_check 0 "domain mode: start again" start "${DM[@]}"
ra_check 0 "domain mode: stop" stop "${DM[@]}"
ra_check 7 "domain mode: monitor, stopped" monitor "${DM[@]}"
ra_check 0 "domain mode: stop again" stop "${DM[@]}"
ha_check_eq "the defined domain is left shut off" shutoff "$(ha_daemon_state "$SA" xlha2)"

# --- 2. monitor's codes ----------------------------------------------------
C=(OCF_RESKEY_config="$G1" OCF_RESKEY_socket="$SA")
ra_check 7 "monitor, not running" monitor "${C[@]}"
ra_check 0 "start" start "${C[@]}"
ha_xlctl "$SA" pause xlha1 >/dev/null || ha_fail "pause xlha1"
ra_check 0 "monitor, paused guest (counts as running)" monitor "${C[@]}"
ra_check 0 "stop, paused guest" stop "${C[@]}"
ha_check_eq "the paused guest was destroyed (not asked to shut down)" \
	"domain-destroy completed -" "$(ha_last_jobs "$SA" xlha1 1)"
ha_check_eq "the paused guest is gone" absent "$(sim_a xlha1)"

G3=$(guest_config xlha3 'on_crash = "preserve"')
C3=(OCF_RESKEY_config="$G3" OCF_RESKEY_socket="$SA")
ra_check 0 "start, guest that will crash" start "${C3[@]}"
ha_sim_guest "$SIMA" xlha3 crash
ha_wait 20 "xlha3 crashed" daemon_state_is "$SA" xlha3 crashed
ra_check 1 "monitor, crashed guest (failed)" monitor "${C3[@]}"
ra_check 0 "stop, crashed guest" stop "${C3[@]}"
ha_check_eq "the crashed guest is gone" absent "$(sim_a xlha3)"

ra_check 0 "start again" start "${C[@]}"
ha_sim_guest "$SIMA" xlha1 shutdown
ha_wait 20 "xlha1 gone after its own shutdown" daemon_state_is "$SA" xlha1 absent
ra_check 7 "monitor, guest that shut down by itself" monitor "${C[@]}"

# --- 3. stop: graceful, refused, immediate ---------------------------------
ra_check 0 "start" start "${C[@]}"
ra_check 0 "stop, cooperating guest" stop "${C[@]}" OCF_RESKEY_shutdown_timeout=10
ha_check_eq "it shut down (no destroy)" "domain-shutdown completed -" \
	"$(ha_last_jobs "$SA" xlha1 1)"

ra_check 0 "start" start "${C[@]}"
ha_sim_guest "$SIMA" xlha1 ignore-shutdown
ra_check 0 "stop, guest ignoring shutdown (shutdown_timeout=3)" stop "${C[@]}" \
	OCF_RESKEY_shutdown_timeout=3
ha_check "stop waited the shutdown timeout before destroying ($RA_SECONDS s >= 3)" \
	ha_at_least "$RA_SECONDS" 3
ha_check_eq "the shutdown failed, then the destroy completed" \
	"domain-shutdown failed OperationInvalid|domain-destroy completed -" \
	"$(ha_last_jobs "$SA" xlha1 2)"
ha_check_eq "the guest is gone" absent "$(sim_a xlha1)"

ra_check 0 "start" start "${C[@]}"
ha_sim_guest "$SIMA" xlha1 ignore-shutdown
# 2/3 of 15 s, less what the agent spent before and 7 s for the destroy
ra_check 0 "stop, default share of a 15 s stop timeout" stop "${C[@]}" \
	OCF_RESKEY_CRM_meta_timeout=15000
ha_check "the graceful part was at most 10 s" \
	grep -q 'shutting down (at most \([1-9]\|10\) s)' <<< "$RA_OUT"
ha_check_eq "the shutdown failed, then the destroy completed" \
	"domain-shutdown failed OperationInvalid|domain-destroy completed -" \
	"$(ha_last_jobs "$SA" xlha1 2)"

ra_check 0 "start" start "${C[@]}"
ra_check 0 "stop with shutdown_timeout=0" stop "${C[@]}" OCF_RESKEY_shutdown_timeout=0
ha_check_eq "destroyed at once" "domain-create completed -|domain-destroy completed -" \
	"$(ha_last_jobs "$SA" xlha1 2)"

# --- 4. the daemon does not answer -----------------------------------------
D=(OCF_RESKEY_config="$G1" OCF_RESKEY_socket="$T/nowhere.sock")
ra_check 1 "monitor, no daemon" monitor "${D[@]}"
ra_check 1 "probe, no daemon" monitor "${D[@]}" OCF_RESKEY_CRM_meta_interval=0
ra_check 1 "stop, no daemon (the node must be fenced)" stop "${D[@]}"
ra_check 1 "start, no daemon" start "${D[@]}"
ra_check 0 "validate-all, no daemon" validate-all "${D[@]}"

# --- 5. parameters ---------------------------------------------------------
ra_check 6 "neither config nor domain" validate-all OCF_RESKEY_socket="$SA"
ra_check 6 "relative config" validate-all OCF_RESKEY_config=xlha1.cfg
ra_check 6 "domain all digits" validate-all OCF_RESKEY_domain=42
ra_check 6 "domain with a slash" validate-all OCF_RESKEY_domain=a/b
ra_check 6 "domain and config disagree" validate-all "${C[@]}" OCF_RESKEY_domain=other
ra_check 0 "domain and config agree" validate-all "${C[@]}" OCF_RESKEY_domain=xlha1
ra_check 6 "shutdown_timeout not a number" validate-all "${C[@]}" OCF_RESKEY_shutdown_timeout=1m
ra_check 6 "migration_port out of range" validate-all "${C[@]}" OCF_RESKEY_migration_port=70000
ra_check 6 "migration_live not a boolean" validate-all "${C[@]}" OCF_RESKEY_migration_live=maybe
ra_check 5 "xlctl missing" validate-all "${C[@]}" OCF_RESKEY_xlctl=/nonexistent/xlctl
printf 'memory = 128\n' > "$T/shared/noname.cfg"
ra_check 6 "config without a name" validate-all OCF_RESKEY_config="$T/shared/noname.cfg"
ra_check 3 "unknown action" frobnicate "${C[@]}"
ra_check 0 "reload" reload "${C[@]}"
ra_check 0 "meta-data" meta-data
ha_check "meta-data is valid against ra-api-1.dtd" \
	sh -c "printf '%s\n' \"\$1\" | (cd /usr/share/resource-agents && xmllint --noout --valid -)" \
	sh "$RA_OUT"

# A config that cannot be read (shared storage not mounted here).
M=(OCF_RESKEY_config="$T/shared/missing.cfg" OCF_RESKEY_socket="$SA")
ra_check 7 "probe, config unreadable" monitor "${M[@]}" OCF_RESKEY_CRM_meta_interval=0
ra_check 0 "stop, config unreadable" stop "${M[@]}"
ra_check 5 "start, config unreadable" start "${M[@]}"
# ... after a start here: the name is remembered, monitor and stop still work
cp "$G1" "$T/shared/moving.cfg"
V=(OCF_RESKEY_config="$T/shared/moving.cfg" OCF_RESKEY_socket="$SA")
ra_check 0 "start from a config" start "${V[@]}"
rm -f "$T/shared/moving.cfg"
ra_check 0 "probe after the config vanished (name remembered)" monitor "${V[@]}" \
	OCF_RESKEY_CRM_meta_interval=0
ra_check 0 "stop after the config vanished" stop "${V[@]}"
ha_check_eq "the guest is gone" absent "$(sim_a xlha1)"

# An invalid config: a hard error (it cannot start anywhere).
printf 'name = "xlha4"\nmemory = 128\nbogus_key = 1\n' > "$T/shared/bad.cfg"
ra_check 6 "start, config the daemon refuses" start OCF_RESKEY_config="$T/shared/bad.cfg" \
	OCF_RESKEY_socket="$SA"
ra_check 5 "start of a domain not defined here" start OCF_RESKEY_domain=xlha9 \
	OCF_RESKEY_socket="$SA"

# --- 6. migrate_to / migrate_from between a and b --------------------------
ra_check 1 "migrate_to without a target" migrate_to "${C[@]}"
if [ $MIGRATION = 1 ]; then
	ra_check 0 "start on a" start "${C[@]}"
	before=$(sim_a xlha1)
	ra_check 0 "migrate_to b (migration_dest_socket)" migrate_to "${C[@]}" \
		OCF_RESKEY_CRM_meta_migrate_target=xlha-b \
		OCF_RESKEY_migration_network=127.0.0.1 \
		OCF_RESKEY_migration_dest_socket="$T/b/run/xenlightd.sock" \
		OCF_RESKEY_CRM_meta_timeout=60000
	ra_check 0 "migrate_from on b" migrate_from OCF_RESKEY_config="$G1" \
		OCF_RESKEY_socket="$SB" OCF_RESKEY_CRM_meta_migrate_source=xlha-a
	ha_check_eq "the guest left a" absent "$(sim_a xlha1)"
	ha_check_eq "the guest runs on b with the same guest_state" \
		"$before" "$(sim_b xlha1)"
	ra_check 0 "stop on b" stop OCF_RESKEY_config="$G1" OCF_RESKEY_socket="$SB"
else
	ha_log "SKIP: migrate_to/migrate_from between daemons: domain-migrate not served"
	ra_check 0 "start on a" start "${C[@]}"
	ra_check 1 "migrate_to fails when migration is not served" migrate_to \
		"${C[@]}" OCF_RESKEY_CRM_meta_migrate_target=xlha-b \
		OCF_RESKEY_migration_network=127.0.0.1 \
		OCF_RESKEY_migration_dest_socket="$T/b/run/xenlightd.sock"
	ha_check "its exit reason says why" grep -q 'ocf-exit-reason:.*migration to xlha-b' <<< "$RA_OUT"
	ha_check_eq "the guest still runs on a" running "$(sim_state "$SIMA" xlha1)"
	ra_check 0 "stop on a" stop "${C[@]}"
fi

# --- 7. a start that waits for a disk lease --------------------------------
if [ $LEASES = 1 ]; then
	ra_check 0 "start on a" start "${C[@]}"
	B=(OCF_RESKEY_config="$G1" OCF_RESKEY_socket="$SB")
	ra_check 1 "start on b while a holds the lease (lease_wait=3)" start "${B[@]}" \
		OCF_RESKEY_lease_wait=3
	ha_check "it kept trying for lease_wait ($RA_SECONDS s >= 3)" \
		ha_at_least "$RA_SECONDS" 3
	ha_check "b's daemon refused with LeaseConflict" \
		grep -q 'domain-create failed LeaseConflict' <(ha_jobs "$SB" xlha1)
	ha_check_eq "nothing of the guest on b" absent "$(sim_b xlha1)"
	ha_check "the exit reason names the lease" grep -qi 'lease' <<< "$RA_OUT"

	# b waits while a stops the guest; never both at once.
	"$HA_SRC/never-two.py" --domain xlha1 --out "$T/logs/never-two.txt" \
		a="$SIMA" b="$SIMB" &
	watcher=$!
	PIDS="$PIDS $watcher"
	( sleep 3; ra stop "${C[@]}" ) &
	stopper=$!
	ra_check 0 "start on b, waiting until a has stopped the guest" start "${B[@]}" \
		OCF_RESKEY_CRM_meta_timeout=60000
	wait $stopper
	kill $watcher
	wait $watcher
	ha_check "it waited for the lease ($RA_SECONDS s >= 3)" \
		ha_at_least "$RA_SECONDS" 3
	ha_check_eq "never running on a and b at once ($(sed -n 's/^samples //p' "$T/logs/never-two.txt") samples)" \
		0 "$(sed -n 's/^violations //p' "$T/logs/never-two.txt")"
	ha_check_eq "the guest runs on b" running "$(sim_state "$SIMB" xlha1)"
	if [ $LEASE_LIST = 1 ]; then
		ha_check "b holds the lease on the guest's disk" \
			grep -q "$T/shared/xlha1.img exclusive xlha1 xlha-b" <(ha_leases "$SB")
		ha_check_eq "a holds no lease" "" "$(ha_leases "$SA")"
	else
		ha_log "SKIP: the leases' listing: lease-list not served"
	fi
	ra_check 0 "stop on b" stop "${B[@]}"
else
	ha_log "SKIP: start waiting for a disk lease: the daemons do not enforce disk leases"
fi

# --- 8. the operator's guide's examples load -------------------------------
# crm and pcs check every parameter and operation against the agent's
# meta-data; crm_verify checks the result (with a fence device, which the
# guide's examples leave to the operator's hardware).
DOC=$HA_SRC/../../doc/pacemaker.md
doc_block() {	# the fenced block between <!-- NAME --> and <!-- /NAME -->
	sed -n "/^<!-- $1 -->\$/,/^<!-- \/$1 -->\$/p" "$DOC" | sed '/^<!--/d;/^```/d'
}
doc_block crm-example > "$T/doc.crm"
doc_block pcs-example | sed "s|^pcs |pcs -f $T/cib-pcs.xml |" > "$T/doc-pcs.sh"
ha_check "the guide has a crm example" grep -q 'ocf:xenlightd:domain' "$T/doc.crm"
ha_check "the guide has a pcs example" grep -q 'ocf:xenlightd:domain' "$T/doc-pcs.sh"
cibadmin --empty > "$T/cib-crm.xml" && cp "$T/cib-crm.xml" "$T/cib-pcs.xml"
printf 'primitive xlha-fence stonith:fence_xlha params power_dir=%s pcmk_host_list=node1\n' \
	"$T" > "$T/fence.crm"
ha_check "crm loads the guide's example" sh -c '{
	CIB_file=$1 crm configure load update "$2" &&
	CIB_file=$1 crm configure load update "$3"; } >> "$4" 2>&1' sh \
	"$T/cib-crm.xml" "$T/fence.crm" "$T/doc.crm" "$T/logs/doc-examples.log"
ha_check "pcs runs the guide's example" sh -c '{
	pcs -f "$1" stonith create xlha-fence fence_xlha power_dir="$2" pcmk_host_list=node1 &&
	sh -e "$3"; } >> "$4" 2>&1' sh \
	"$T/cib-pcs.xml" "$T" "$T/doc-pcs.sh" "$T/logs/doc-examples.log"
for f in crm pcs; do
	ha_check "crm_verify accepts the $f result" \
		sh -c 'crm_verify -x "$1" >> "$2" 2>&1' sh "$T/cib-$f.xml" "$T/logs/doc-examples.log"
	ha_check_eq "the $f example's guest has the guide's config" /srv/shared/web1.cfg \
		"$(CIB_file=$T/cib-$f.xml crm_resource -r web1 -g config 2>/dev/null)"
	ha_check_eq "the $f example's guest may migrate" true \
		"$(CIB_file=$T/cib-$f.xml crm_resource -r web1 --meta -g allow-migrate 2>/dev/null)"
done

if [ "$HA_FAILS" -eq 0 ]; then
	ha_log "PASS: the resource agent"
	exit 0
fi
ha_log "FAILED: $HA_FAILS check(s) of the resource agent; logs: agent.log, ocf-tester-*.log"
exit 1
