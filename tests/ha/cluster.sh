#!/bin/bash
# A real three-node Pacemaker cluster on this machine, running one guest
# through ocf:xenlightd:domain, and four scenarios, each asserted:
#   1. the guest starts; crm_resource --move migrates it live to another
#      node (migrate_to/migrate_from), its guest_state unchanged;
#   2. the node that runs it fails and is fenced: the guest runs again on
#      another node, its disk lease moved with it;
#   3. a node cut off from the others without fencing: the guest never runs
#      on two nodes at once (the leases refuse the second start);
#   4. stopping the resource stops the guest; a guest that ignores the
#      shutdown is destroyed after shutdown_timeout.
# A watcher (never-two.py) asks every simulated host all along whether the
# guest runs on two at once.
#
# Each node is a network namespace (ip netns) with its own mount and UTS
# namespaces (node.sh), on a bridge, with its own Corosync and Pacemaker
# state, its own sshd and its own xenlightd --sim (its own simulated host),
# and a directory all three mount as /srv/shared (the shared storage: the
# guest's config, its disk and the lease lockspace).  Fencing: fence_xlha.
#
# usage: tests/ha/cluster.sh --destdir DIR --prefix PREFIX [--out DIR]
# As root.  Everything it starts it stops (trap), also on failure or
# timeout (XLHA_CLUSTER_TIMEOUT, default 1200 s); XLHA_KEEP=1 keeps the
# temporary directory.  Exit 0 when every scenario that ran passed.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
HA_SCOPE=cluster

ha_parse_args "$@"
HA_OUTSIDE=1	# this script runs on the machine, the nodes see the install
[ "$(id -u)" = 0 ] || ha_die "run as root (namespaces, bridges, overlay mounts)"
ha_installed_check
for c in corosync pacemakerd crm crm_resource crm_mon corosync-keygen sshd ssh-keygen ip nsenter unshare; do
	command -v "$c" >/dev/null || ha_die "$c is missing (tests/ha/install-deps.sh installs it)"
done

NODES="xlha1 xlha2 xlha3"
NET=10.215.15
BRIDGE=xlha-br0
RSC=xlha-g1
GUEST=xlha-g1
LIMIT=${XLHA_CLUSTER_TIMEOUT:-1200}
T0=$(ha_now)
T=$(mktemp -d /tmp/xlha-cluster.XXXXXX) || exit 1
mkdir -p "$T/shared/lockspace" "$T/fence" "$T/logs"
FIGURES=$T/figures
: > "$FIGURES"
WATCHER=""

node_index() { echo "${1#xlha}"; }
node_dir() { echo "$T/nodes/$1"; }
sock() { echo "$T/nodes/$1/run/xenlightd/xenlightd.sock"; }
simsock() { echo "$T/nodes/$1/run/xenlightd/sim.sock"; }
figure() { echo "$1 $2" >> "$FIGURES"; ha_log "figure: $1 = $2"; }

# --- power: every process of a node is in its network namespace -----------
node_pids() {	# node_pids NODE: the node's processes
	stat -L -c '%i %n' /proc/[0-9]*/ns/net 2>/dev/null |
		awk -v ns="$(cat "$(node_dir "$1")/netns" 2>/dev/null)" '
			$1 == ns { split($2, f, "/"); print f[3] }'
}
power_off() {	# power_off NODE: as fence_xlha does (used by the teardown)
	printf 'action=off\nplug=%s\npower_dir=%s/nodes\n' "$1" "$T" |
		"$HA_SRC/fence_xlha" 2>/dev/null
}

teardown() {	# teardown EXIT_CODE
	local n rc=$1
	trap - EXIT INT TERM
	[ -n "$DOG" ] && kill $(pgrep -P "$DOG") "$DOG" 2>/dev/null
	[ -n "$WATCHER" ] && kill "$WATCHER" 2>/dev/null && wait "$WATCHER" 2>/dev/null
	for n in $NODES; do
		[ -e "$(node_dir "$n")/netns" ] && power_off "$n"
	done
	for n in $NODES; do
		ip netns del "$n" 2>/dev/null
	done
	ip link del "$BRIDGE" 2>/dev/null
	if [ -n "$OUT" ]; then
		rm -rf "$OUT"
		mkdir -p "$OUT"
		cp "$FIGURES" "$OUT/figures.txt" 2>/dev/null
		cp -r "$T/logs" "$OUT/logs" 2>/dev/null
		for n in $NODES; do
			mkdir -p "$OUT/$n"
			cp -r "$(node_dir "$n")/log" "$(node_dir "$n")/var-log-pacemaker" \
				"$(node_dir "$n")/var-log-corosync" "$OUT/$n/" 2>/dev/null
		done
		cp "$T/nodes/fence.log" "$OUT/" 2>/dev/null
	fi
	if [ "${XLHA_KEEP:-0}" = 1 ]; then ha_log "kept $T"; else rm -rf "$T"; fi
	exit $rc
}
DOG=""
trap 'teardown $?' EXIT
trap 'exit 130' INT
trap 'ha_log "stopped (timeout or signal)"; exit 124' TERM
# The whole run is bounded: a watchdog sends us TERM (the trap tears down).
( sleep "$LIMIT"; ha_log "the cluster test passed its ${LIMIT} s limit"; kill -TERM $$ ) &
DOG=$!

# --- the network ------------------------------------------------------------
ip link add "$BRIDGE" type bridge || ha_die "cannot make the bridge $BRIDGE"
ip link set "$BRIDGE" up
for n in $NODES; do
	i=$(node_index "$n")
	ip netns add "$n" || ha_die "cannot make the network namespace $n"
	ip link add "xlha-v$i" type veth peer name eth0 netns "$n" ||
		ha_die "cannot make the veth xlha-v$i"
	ip link set "xlha-v$i" master "$BRIDGE" up
	ip -n "$n" addr add "$NET.$i/24" dev eth0
	ip -n "$n" link set eth0 up
	ip -n "$n" link set lo up
done
link() {	# link NODE up|down: the node's cable
	ip link set "xlha-v$(node_index "$1")" "$2"
}

# --- what every node shares: keys, addresses, the Corosync config ----------
corosync-keygen -l -k "$T/authkey" >/dev/null 2>&1 || ha_die "corosync-keygen failed"
ssh-keygen -q -t ed25519 -N '' -C xlha-root -f "$T/id_ed25519" || ha_die "ssh-keygen failed"
{
	echo "127.0.0.1 localhost"
	for n in $NODES; do echo "$NET.$(node_index "$n") $n"; done
} > "$T/hosts"
{
	cat <<-EOF
	totem {
		version: 2
		cluster_name: xlha
		transport: knet
		crypto_cipher: aes256
		crypto_hash: sha256
	}
	quorum {
		provider: corosync_votequorum
	}
	logging {
		to_logfile: yes
		logfile: /var/log/corosync/corosync.log
		to_syslog: no
		to_stderr: no
		timestamp: on
	}
	nodelist {
	EOF
	for n in $NODES; do
		printf '\tnode {\n\t\tring0_addr: %s\n\t\tname: %s\n\t\tnodeid: %s\n\t}\n' \
			"$NET.$(node_index "$n")" "$n" "$(node_index "$n")"
	done
	echo "}"
} > "$T/corosync.conf"
install -m 755 "$HA_SRC/fence_xlha" "$T/fence/fence_xlha"

XENLIGHTD_ARGS=""
LEASES=0 LEASE_LIST=0 MIGRATION=0
if ha_daemon_option --lockspace; then
	XENLIGHTD_ARGS="$XENLIGHTD_ARGS --lockspace /srv/shared/lockspace"
fi
MIGRATE_LISTEN=0
ha_daemon_option --migrate-listen && MIGRATE_LISTEN=1

# --- one node ------------------------------------------------------------
make_node() {	# make_node NODE: its disks and config, as if freshly installed
	local n=$1 d i
	d=$(node_dir "$n")
	i=$(node_index "$n")
	mkdir -p "$d"/{etc-corosync,var-lib-corosync,var-lib-pacemaker,var-log-pacemaker,var-log-corosync,var-log-crmsh,root-ssh,run,local,scratch,ssh,log}
	mkdir -p "$d"/var-lib-pacemaker/{cib,pengine,blackbox,cores} "$d/var-log-pacemaker/bundles"
	chown -R hacluster:haclient "$d/var-lib-pacemaker" "$d/var-log-pacemaker" "$d/var-log-crmsh"
	chmod 750 "$d"/var-lib-pacemaker/{cib,pengine,blackbox,cores}
	chmod 770 "$d/var-log-pacemaker" "$d/var-log-crmsh"
	install -m 644 "$T/corosync.conf" "$d/etc-corosync/corosync.conf"
	install -m 400 "$T/authkey" "$d/etc-corosync/authkey"
	cp "$T/hosts" "$d/hosts"
	echo "$n" > "$d/hostname"
	# root's ssh: one key for the cluster, every node's host key known
	install -m 600 "$T/id_ed25519" "$d/root-ssh/id_ed25519"
	install -m 644 "$T/id_ed25519.pub" "$d/root-ssh/authorized_keys"
	chmod 700 "$d/root-ssh"
	ssh-keygen -q -t ed25519 -N '' -C "$n" -f "$d/ssh/host_key" || return 1
	cat > "$d/ssh/sshd_config" <<-EOF
	ListenAddress $NET.$i
	HostKey $d/ssh/host_key
	PidFile /run/sshd.pid
	PermitRootLogin prohibit-password
	PasswordAuthentication no
	KbdInteractiveAuthentication no
	UsePAM no
	AuthorizedKeysFile /root/.ssh/authorized_keys
	EOF
	echo on > "$d/power"
	local args=$XENLIGHTD_ARGS
	[ $MIGRATE_LISTEN = 1 ] && args="$args --migrate-listen $NET.$i:8002"
	cat > "$d/env" <<-EOF
	NODE=$n
	HA_DESTDIR=$HA_DESTDIR
	HA_PREFIX=$HA_PREFIX
	SHARED=$T/shared
	FENCE_DIR=$T/fence
	XENLIGHTD_ARGS="$args"
	EOF
}
known_hosts() {	# every node's host key, under its name and address
	local n
	for n in $NODES; do
		printf '%s,%s %s\n' "$n" "$NET.$(node_index "$n")" \
			"$(cut -d' ' -f1-2 "$(node_dir "$n")/ssh/host_key.pub")"
	done
}

boot_node() {	# boot_node NODE
	local n=$1 d
	d=$(node_dir "$n")
	rm -f "$d/booted" "$d/pid"
	find "$d/run" -mindepth 1 -delete 2>/dev/null
	mkdir -p "$d/run/lock"
	stat -L -c %i "/run/netns/$n" > "$d/netns"
	echo on > "$d/power"
	# not our job: the node lives until it is powered off
	( ip netns exec "$n" unshare --mount --uts --fork \
		bash "$HA_SRC/node.sh" "$d" </dev/null >/dev/null 2>&1 & )
	ha_wait 60 "$n booted" test -e "$d/booted" ||
		ha_die "$n did not boot: $(tail -5 "$d/log/node.log" 2>/dev/null)"
}

# on NODE CMD...: runs CMD in the node (its network, mount and UTS
# namespaces), bounded (a bound on a hang: crm takes a minute on a machine
# whose CPUs are busy elsewhere).
on() {
	local n=$1 pid
	shift
	pid=$(cat "$(node_dir "$n")/pid" 2>/dev/null) || return 1
	nsenter -t "$pid" -n -m -u timeout 300 "$@"
}
alive() { [ "$(cat "$(node_dir "$1")/power" 2>/dev/null)" = on ] && [ -e "$(node_dir "$1")/booted" ]; }
# a node that is up and in the quorate partition, to ask the cluster
any_node() {
	local n
	for n in $NODES; do
		if alive "$n" && on "$n" crm_node -q 2>/dev/null | grep -qx 1; then
			echo "$n"
			return 0
		fi
	done
	return 1
}
crm_on() { local n; n=$(any_node) || return 1; on "$n" "$@"; }
online_count() {	# nodes online in the view of NODE's Pacemaker
	on "$1" crm_mon -1 --output-as=xml 2>/dev/null | grep -c 'online="true"'
}
cluster_ready() {	# all of NODES online with quorum, seen from NODE
	local n=$1 xml
	xml=$(on "$n" crm_mon -1 --output-as=xml 2>/dev/null) || return 1
	grep -q 'with_quorum="true"' <<< "$xml" &&
		[ "$(grep -c 'online="true"' <<< "$xml")" = "$(wc -w <<< "$NODES")" ]
}
# Where Pacemaker runs the guest ("" when nowhere).
located() {
	crm_on crm_resource --locate -r "$RSC" 2>/dev/null |
		sed -n 's/.*is running on: \([^ ]*\).*/\1/p' | sort -u | paste -sd' '
}
located_is() { [ "$(located)" = "$1" ]; }
# Where the simulated hosts run the guest.
sim_running() {
	local n out=""
	for n in $NODES; do
		[ "$(ha_sim_domain "$(simsock "$n")" "$GUEST" | cut -d' ' -f1)" = running ] &&
			out="$out $n"
	done
	echo "${out# }"
}
sim_running_is() { [ "$(sim_running)" = "$1" ]; }
settled() { crm_on crm_resource --wait --timeout=5s >/dev/null 2>&1; }

# --- boot --------------------------------------------------------------------
ha_log "making three nodes in $T"
for n in $NODES; do make_node "$n" || ha_die "cannot make $n"; done
known_hosts > "$T/known_hosts"
for n in $NODES; do install -m 644 "$T/known_hosts" "$(node_dir "$n")/root-ssh/known_hosts"; done
t=$(ha_now)
for n in $NODES; do boot_node "$n"; done
ha_wait 300 "three nodes online with quorum" cluster_ready xlha1 ||
	ha_die "the cluster did not form; see $T/nodes/*/var-log-pacemaker"
figure cluster_up_s "$(ha_dt "$t" "$(ha_now)")"

S1=xlha1
# Leases: enforced when a second node refuses a guest whose disk the
# first one's copy holds; lease-list shows them (and promises the first).
ha_serves "$(sock $S1)" lease-list && LEASE_LIST=1
: > "$T/shared/xlha-probe.img"
printf 'name = "xlha-probe"\nmemory = 64\nkernel = "/boot/vmlinuz"\ndisk = [ "/srv/shared/xlha-probe.img,raw,xvda,w" ]\n' \
	> "$T/shared/xlha-probe.cfg"
if ha_leases_enforced "$(sock xlha1)" "$(sock xlha2)" "$T/shared/xlha-probe.cfg" xlha-probe; then
	LEASES=1
elif [ $LEASE_LIST = 1 ]; then
	ha_fail "lease-list is served, but a second create of a guest on another node was not refused"
fi
if ha_serves "$(sock $S1)" domain-migrate && ha_serves "$(sock $S1)" migration-prepare &&
   [ $MIGRATE_LISTEN = 1 ]; then
	MIGRATION=1
fi
ha_log "leases: $([ $LEASES = 1 ] && echo enforced || echo 'not enforced');" \
	"lease-list: $([ $LEASE_LIST = 1 ] && echo served || echo 'not served');" \
	"migration: $([ $MIGRATION = 1 ] && echo served || echo 'not served (domain-migrate, migration-prepare, --migrate-listen)')"

# ssh between nodes works (xlctl migrate asks the target's daemon through it)
ha_check "ssh from xlha1 to xlha2 reaches xlha2's daemon" \
	on xlha1 ssh -o BatchMode=yes xlha2 xlctl version >/dev/null

# --- the guest and the cluster configuration --------------------------------
: > "$T/shared/$GUEST.img"
cat > "$T/shared/$GUEST.cfg" <<EOF
name = "$GUEST"
memory = 256
vcpus = 2
kernel = "/boot/vmlinuz"
disk = [ "/srv/shared/$GUEST.img,raw,xvda,w" ]
EOF
# The configuration of doc/pacemaker.md, with the test's fence device, a
# shorter lease_wait (scenario 3 waits for two refused starts) and the
# guest's timeouts as the agent advises.
cat > "$T/cluster.crm" <<EOF
property cib-bootstrap-options: \\
	stonith-enabled=true \\
	stonith-action=off \\
	no-quorum-policy=stop
rsc_defaults rsc-options: \\
	resource-stickiness=100
primitive xlha-fence stonith:fence_xlha \\
	params power_dir="$T/nodes" pcmk_host_list="$NODES" \\
	op monitor interval=60s
primitive $RSC ocf:xenlightd:domain \\
	params config="/srv/shared/$GUEST.cfg" lease_wait=10 \\
	meta allow-migrate=true \\
	op start timeout=60s interval=0 \\
	op stop timeout=90s interval=0 \\
	op monitor interval=5s timeout=30s \\
	op migrate_to timeout=120s interval=0 \\
	op migrate_from timeout=60s interval=0
EOF
cp "$T/cluster.crm" "$T/logs/"
on xlha1 crm configure load update "$T/cluster.crm" > "$T/logs/crm-configure.log" 2>&1 ||
	ha_die "crm configure load failed: $(tail -5 "$T/logs/crm-configure.log")"

# shellcheck disable=SC2046
"$HA_SRC/never-two.py" --domain "$GUEST" --out "$T/logs/never-two.txt" \
	$(for n in $NODES; do echo "$n=$(simsock "$n")"; done) &
WATCHER=$!

RESULTS=""
result() { RESULTS="$RESULTS$1: $2"$'\n'; ha_log "$1: $2"; }
scenario_start() { SCEN_FAILS=$HA_FAILS; HA_SCOPE=$1; ha_log "--- $2"; }
scenario_end() {	# scenario_end NAME [SKIP-NOTE]
	if [ "$HA_FAILS" -gt "$SCEN_FAILS" ]; then
		result "$1" "FAIL ($((HA_FAILS - SCEN_FAILS)) checks)"
	else
		result "$1" "PASS${2:+ ($2)}"
	fi
	HA_SCOPE=cluster
}

# --- 1. start, then a live migration by crm_resource --move ----------------
scenario_start s1 "1. start, and crm_resource --move migrates the guest live"
ha_wait 60 "the guest runs where Pacemaker says" eval '[ -n "$(located)" ] && sim_running_is "$(located)"'
X=$(located)
ha_check "Pacemaker started the guest on one node ($X)" test -n "$X" -a "$(wc -w <<< "$X")" = 1
ha_check_eq "the simulated hosts run it there only" "$X" "$(sim_running)"
BEFORE=$(ha_sim_domain "$(simsock "$X")" "$GUEST")
if [ $LEASE_LIST = 1 ]; then
	ha_check "$X holds the guest's disk lease" \
		grep -q "^/srv/shared/$GUEST.img exclusive $GUEST $X\$" <(ha_leases "$(sock "$X")")
fi
if [ $MIGRATION = 1 ]; then
	for Y in $NODES; do [ "$Y" != "$X" ] && break; done
	t=$(ha_now)
	crm_on crm_resource --move -r "$RSC" -N "$Y" >/dev/null 2>&1 ||
		ha_fail "crm_resource --move to $Y"
	ha_wait 90 "the guest runs on $Y" eval 'located_is "$Y" && sim_running_is "$Y"'
	figure pacemaker_live_migration_s "$(ha_dt "$t" "$(ha_now)")"
	ha_check_eq "Pacemaker has it on $Y" "$Y" "$(located)"
	ha_check_eq "the guest runs on $Y, same guest_state" "$BEFORE" \
		"$(ha_sim_domain "$(simsock "$Y")" "$GUEST")"
	ha_check "it was migrated (domain-migrate on $X), not restarted" \
		grep -q '^domain-migrate completed' <(ha_jobs "$(sock "$X")" "$GUEST")
	ha_check "no shutdown or destroy on $X" \
		test -z "$(ha_jobs "$(sock "$X")" "$GUEST" | grep -E '^domain-(shutdown|destroy)')"
	crm_on crm_resource --clear -r "$RSC" >/dev/null 2>&1
	scenario_end s1
else
	ha_log "SKIP: the live migration: domain-migrate not served (or no --migrate-listen)"
	scenario_end s1 "start checked; SKIP: live migration, domain-migrate not served"
fi
ha_wait 60 "the cluster settles" settled

# --- 2. the node running the guest fails and is fenced -------------------
scenario_start s2 "2. the node running the guest fails and is fenced"
X=$(located)
OTHERS=$(for n in $NODES; do [ "$n" != "$X" ] && echo "$n"; done | paste -sd' ')
t=$(ha_now)
link "$X" down
ha_log "cut $X off"
ha_wait 90 "$X fenced" test -e "$(node_dir "$X")/fenced-at"
tf=$(cat "$(node_dir "$X")/fenced-at" 2>/dev/null || ha_now)
ha_wait 90 "the guest runs on another node" \
	eval 'Z=$(sim_running); [ -n "$Z" ] && [ "$Z" != "$X" ]'
tr=$(ha_now)
figure fence_to_running_s "$(ha_dt "$tf" "$tr")"
figure failure_to_running_s "$(ha_dt "$t" "$tr")"
Z=$(sim_running)
ha_check "fence_xlha powered $X off" grep -q "$X is off" "$T/nodes/fence.log"
ha_check_eq "nothing of $X runs any more" "" "$(node_pids "$X" | paste -sd' ')"
ha_check "the guest runs on one of $OTHERS ($Z)" grep -qw -- "$Z" <<< "$OTHERS"
ha_wait 30 "Pacemaker has it on $Z" located_is "$Z"
ha_check_eq "Pacemaker has it on $Z" "$Z" "$(located)"
if [ $LEASE_LIST = 1 ]; then
	ha_check "the disk lease moved to $Z" \
		grep -q "^/srv/shared/$GUEST.img exclusive $GUEST $Z\$" <(ha_leases "$(sock "$Z")")
	scenario_end s2
else
	ha_log "SKIP: the lease's move: lease-list not served"
	scenario_end s2 "failover checked; SKIP: the lease's move, lease-list not served"
fi
# power the fenced node on again and boot it
link "$X" up
boot_node "$X"
ha_wait 300 "three nodes online again" cluster_ready "$X" ||
	ha_fail "$X did not rejoin"
ha_wait 60 "the cluster settles" settled

# --- 3. a node cut off without fencing: never twice -------------------------
scenario_start s3 "3. a node cut off without fencing: the leases refuse a second start"
if [ $LEASES = 1 ]; then
	crm_on crm_attribute -t crm_config -n stonith-enabled -v false >/dev/null
	# the cut-off node keeps what it runs (no quorum, no fencing)
	crm_on crm_attribute -t crm_config -n no-quorum-policy -v freeze >/dev/null
	ha_wait 60 "the cluster settles" settled
	Z=$(located)
	OTHERS=$(for n in $NODES; do [ "$n" != "$Z" ] && echo "$n"; done | paste -sd' ')
	refusals() {	# starts of the guest the leases refused on OTHERS
		local n
		for n in $OTHERS; do
			ha_jobs "$(sock "$n")" "$GUEST"
		done | grep -c '^domain-create failed LeaseConflict'
	}
	refused_before=$(refusals)
	refused() { [ "$(refusals)" -gt "$refused_before" ]; }
	link "$Z" down
	ha_log "cut $Z off, fencing disabled"
	ha_wait 90 "a start refused with LeaseConflict on $OTHERS" refused
	ha_check "the other nodes tried to start the guest and the leases refused" refused
	ha_check_eq "the guest runs on $Z only" "$Z" "$(sim_running)"
	# let the other partition try for a while: still only on Z
	ha_wait 60 "the other partition gives up (the guest stopped there)" \
		eval '[ -z "$(on "${OTHERS%% *}" crm_resource --locate -r "$RSC" 2>/dev/null | grep "is running on")" ]'
	ha_check_eq "still on $Z only" "$Z" "$(sim_running)"
	link "$Z" up
	ha_wait 300 "three nodes online again" cluster_ready "$Z" || ha_fail "$Z did not rejoin"
	ha_wait 60 "the cluster settles" settled
	ha_check_eq "after the heal, the guest runs on $Z only" "$Z" "$(sim_running)"
	ha_check_eq "and Pacemaker agrees" "$Z" "$(located)"
	crm_on crm_resource --cleanup -r "$RSC" >/dev/null 2>&1
	crm_on crm_attribute -t crm_config -n no-quorum-policy -v stop >/dev/null
	crm_on crm_attribute -t crm_config -n stonith-enabled -v true >/dev/null
	ha_wait 60 "the cluster settles" settled
	scenario_end s3
else
	ha_log "SKIP: the daemons do not enforce disk leases: without them a cut-off node's guest would run twice"
	result s3 "SKIP: disk leases not enforced"
	HA_SCOPE=cluster
fi

# --- 4. stop: graceful, then a guest that ignores the shutdown ------------
scenario_start s4 "4. stopping the resource stops the guest"
W=$(located)
crm_on crm_resource -r "$RSC" --meta -p target-role -v Stopped >/dev/null 2>&1
ha_wait 60 "the guest stopped" eval '[ -z "$(sim_running)" ] && [ -z "$(located)" ]'
ha_check_eq "the guest runs nowhere" "" "$(sim_running)"
ha_check_eq "it shut down on $W (no destroy)" "domain-shutdown completed -" \
	"$(ha_last_jobs "$(sock "$W")" "$GUEST" 1)"
crm_on crm_resource -r "$RSC" --meta -p target-role -v Started >/dev/null 2>&1
ha_wait 60 "the guest started again" eval 'W=$(located); [ -n "$W" ] && sim_running_is "$W"'
W=$(located)
# a changed shutdown_timeout reloads the agent, the guest keeps running
crm_on crm_resource -r "$RSC" -p shutdown_timeout -v 6 >/dev/null 2>&1
ha_wait 60 "the cluster settles" settled
ha_check_eq "the guest kept running on $W through the reload" "$W" "$(sim_running)"
ha_check "Pacemaker reloaded the agent on $W (no restart)" \
	grep -q "domain($RSC).*parameters reloaded" "$(node_dir "$W")/var-log-pacemaker/pacemaker.log"
ha_sim_guest "$(simsock "$W")" "$GUEST" ignore-shutdown
t=$(ha_now)
crm_on crm_resource -r "$RSC" --meta -p target-role -v Stopped >/dev/null 2>&1
ha_wait 90 "the guest stopped" eval '[ -z "$(sim_running)" ] && [ -z "$(located)" ]'
stop_s=$(ha_dt "$t" "$(ha_now)")
figure stop_ignoring_guest_s "$stop_s"
ha_check_eq "the guest runs nowhere" "" "$(sim_running)"
ha_check "the stop waited shutdown_timeout before destroying ($stop_s s >= 6)" \
	ha_at_least "$stop_s" 6
ha_check_eq "on $W: the shutdown failed, then the destroy completed" \
	"domain-shutdown failed OperationInvalid|domain-destroy completed -" \
	"$(ha_last_jobs "$(sock "$W")" "$GUEST" 2)"
if [ $LEASE_LIST = 1 ]; then
	for n in $NODES; do
		ha_check "no lease left on $n" \
			test -z "$(ha_leases "$(sock "$n")" | grep " $GUEST ")"
	done
fi
scenario_end s4

# --- the watcher's verdict ---------------------------------------------------
kill "$WATCHER" 2>/dev/null
wait "$WATCHER" 2>/dev/null
WATCHER=""
samples=$(sed -n 's/^samples //p' "$T/logs/never-two.txt")
violations=$(sed -n 's/^violations //p' "$T/logs/never-two.txt")
ha_check_eq "never running on two nodes at once, all along ($samples samples)" 0 "${violations:-missing}"
result never-two "$([ "${violations:-1}" = 0 ] && echo PASS || echo FAIL) ($samples samples, ${violations:-?} violations)"

figure total_s "$(ha_dt "$T0" "$(ha_now)")"
printf '%s' "$RESULTS" > "$T/logs/results.txt"
printf '\n%s' "$RESULTS" >&2
printf 'figures:\n' >&2
sed 's/^/  /' "$FIGURES" >&2
if [ "$HA_FAILS" -eq 0 ]; then
	ha_log "PASS: the cluster scenarios (SKIPs above are features not yet served)"
	exit 0
fi
ha_log "FAILED: $HA_FAILS check(s)"
exit 1
