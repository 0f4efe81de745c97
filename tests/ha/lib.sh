# shellcheck shell=bash
# Helpers shared by the tests/ha scripts (sourced by bash).
#
# Everything these tests make on the machine is named with the tag "xlha":
# temporary directories /tmp/xlha-*, network namespaces xlha-*, the bridge
# xlha-br*, veths xlha-v*.  Nothing leaves the machine.

HA_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

ha_log() { printf '%s %s: %s\n' "$(date +%T.%3N)" "${HA_SCOPE:-ha}" "$*" >&2; }
ha_die() { ha_log "ERROR: $*"; exit 1; }
ha_now() { date +%s.%N; }
ha_dt() { awk -v s="$1" -v e="$2" 'BEGIN { printf "%.1f", e - s }'; }

# Assertions: each failure is counted and printed; a scenario passes when it
# made none.
HA_FAILS=0
ha_fail() { HA_FAILS=$((HA_FAILS + 1)); ha_log "FAIL: $*"; }
ha_pass() { ha_log "ok: $*"; }
ha_check() {	# ha_check DESCRIPTION COMMAND...
	local what=$1
	shift
	if "$@"; then ha_pass "$what"; else ha_fail "$what"; fi
}
ha_at_least() {	# ha_at_least SECONDS MINIMUM: a lower bound, never an upper one
	awk -v s="$1" -v m="$2" 'BEGIN { exit !(s >= m) }'
}
ha_check_eq() {	# ha_check_eq DESCRIPTION EXPECTED ACTUAL
	if [ "$2" = "$3" ]; then
		ha_pass "$1 ($3)"
	else
		ha_fail "$1: expected '$2', got '$3'"
	fi
}

# ha_wait TIMEOUT_S DESCRIPTION COMMAND...: polls COMMAND until it succeeds
# (0) or TIMEOUT_S seconds have passed (1, logged).  A bound on a wait, not
# a measurement: generous, so that a busy machine only makes it slower.
ha_wait() {
	local timeout=$1 what=$2 end
	shift 2
	end=$(( $(date +%s) + timeout ))
	while ! "$@"; do
		if [ "$(date +%s)" -ge "$end" ]; then
			ha_log "gave up after ${timeout} s waiting for: $what"
			return 1
		fi
		sleep 0.2
	done
}

# The options of agent-test.sh and cluster.sh: sets HA_DESTDIR, HA_PREFIX
# (exported, for the scripts they start) and OUT.
# shellcheck disable=SC2034 # OUT is for the caller
ha_parse_args() {
	HA_DESTDIR="" HA_PREFIX=/usr/local OUT=""
	while [ $# -gt 0 ]; do
		case $1 in
		--destdir) HA_DESTDIR=$2; shift 2 ;;
		--prefix) HA_PREFIX=$2; shift 2 ;;
		--out) OUT=$2; shift 2 ;;
		*) echo "usage: $0 --destdir DIR --prefix PREFIX [--out DIR]" >&2; exit 2 ;;
		esac
	done
	export HA_DESTDIR HA_PREFIX
}

# The installed build: make install DESTDIR=$HA_DESTDIR of a build
# configured with --prefix=$HA_PREFIX.
ha_installed_check() {
	[ -n "${HA_DESTDIR:-}" ] && [ -d "$HA_DESTDIR$HA_PREFIX" ] ||
		ha_die "no installed build at $HA_DESTDIR$HA_PREFIX (make check-ha makes it)"
	[ -x "$HA_DESTDIR$HA_PREFIX/lib/ocf/resource.d/xenlightd/domain" ] ||
		ha_die "the agent is not installed at $HA_DESTDIR$HA_PREFIX/lib/ocf/resource.d/xenlightd/domain"
	[ -d "$HA_PREFIX" ] ||
		ha_die "prefix $HA_PREFIX does not exist on this machine: configure with an existing --prefix"
}

# In a private mount namespace: lay the installed build over the prefix, the
# agent over Pacemaker's OCF directory and, given a directory of fence
# agents, those over /usr/sbin (where Pacemaker looks for fence_*), so that
# this namespace looks like a host where the package is installed, with
# the dynamic linker's cache rebuilt as ldconfig would after an install.
# Read-only overlays and a private cache in SCRATCH: nothing is written to
# the machine's own directories.
ha_mount_installed() {	# ha_mount_installed SCRATCH [FENCE_DIR]
	local scratch=$1 fence_dir=${2:-} ocf=/usr/lib/ocf/resource.d
	mount --make-rprivate / || return 1
	mount -t overlay xlha-prefix -o "lowerdir=$HA_DESTDIR$HA_PREFIX:$HA_PREFIX" \
		"$HA_PREFIX" || return 1
	ldconfig -C "$scratch/ld.so.cache" "$HA_PREFIX/lib" &&
		mount --bind "$scratch/ld.so.cache" /etc/ld.so.cache || return 1
	case $HA_PREFIX in
	/usr) ;;	# the agent came with the prefix
	*)
		mount -t overlay xlha-ocf \
			-o "lowerdir=$HA_DESTDIR$HA_PREFIX/lib/ocf/resource.d:$ocf" \
			"$ocf" || return 1
		;;
	esac
	if [ -n "$fence_dir" ]; then
		mount -t overlay xlha-fence -o "lowerdir=$fence_dir:/usr/sbin" \
			/usr/sbin || return 1
	fi
}

# xlctl against a socket, with a bound on every reply: the installed one,
# seen through ha_mount_installed, or (HA_OUTSIDE=1) from the install tree.
ha_xlctl() {	# ha_xlctl SOCKET ARGS...
	local sock=$1
	shift
	if [ "${HA_OUTSIDE:-0}" = 1 ]; then
		LD_LIBRARY_PATH=$HA_DESTDIR$HA_PREFIX/lib \
			"$HA_DESTDIR$HA_PREFIX/bin/xlctl" -c "$sock" --timeout 20000 "$@"
	else
		"$HA_PREFIX/bin/xlctl" -c "$sock" --timeout 20000 "$@"
	fi
}

# The simulated host's view of a domain: "STATE GUEST_STATE" of NAME in
# sim-info on the simulator socket SIM, or "absent", or "down" when the
# simulator (inside the daemon) does not answer.
ha_sim_domain() {	# ha_sim_domain SIM NAME
	local out
	out=$(ha_xlctl "$1" --json raw '{"execute":"sim-info"}' 2>/dev/null) ||
		{ echo down; return; }
	printf '%s\n' "$out" | "$HA_SRC/reply.py" sim-domain "$2"
}

# Makes the simulated guest NAME do ACTION (sim-guest: shutdown, crash,
# ignore-shutdown...) on the simulator socket SIM.
ha_sim_guest() {	# ha_sim_guest SIM NAME ACTION
	ha_xlctl "$1" raw \
		"{\"execute\":\"sim-guest\",\"arguments\":{\"domain\":\"$2\",\"action\":\"$3\"}}" \
		>/dev/null || ha_fail "sim-guest $2 $3"
}

# Does the daemon on SOCKET serve COMMAND (query-commands)?
ha_serves() {	# ha_serves SOCKET COMMAND
	ha_xlctl "$1" --json raw '{"execute":"query-commands"}' 2>/dev/null |
		grep -q "\"name\":\"$2\""
}

# Do the daemons on SOCKET_A and SOCKET_B enforce disk leases?  Creates the
# guest NAME of CONFIG (its disk on the storage both share) on A, then on
# B: true when B refuses with LeaseConflict.  Destroys what it made.
ha_leases_enforced() {	# ha_leases_enforced SOCKET_A SOCKET_B CONFIG NAME
	local out rc=1
	ha_xlctl "$1" create "$3" >/dev/null 2>&1 || return 1
	out=$(ha_xlctl "$2" create "$3" 2>&1)
	if grep -q LeaseConflict <<< "$out"; then
		rc=0
	else
		ha_xlctl "$2" destroy "$4" >/dev/null 2>&1
	fi
	ha_xlctl "$1" destroy "$4" >/dev/null 2>&1
	return $rc
}

# Does the daemon binary take OPTION?
ha_daemon_option() {
	if [ "${HA_OUTSIDE:-0}" = 1 ]; then
		"$HA_DESTDIR$HA_PREFIX/sbin/xenlightd" --help 2>&1 | grep -q -- "$1"
	else
		"$HA_PREFIX/sbin/xenlightd" --help 2>&1 | grep -q -- "$1"
	fi
}

# The domain's state in the daemon's own view, or "absent".
ha_daemon_state() {	# ha_daemon_state SOCKET NAME
	local out
	out=$(ha_xlctl "$1" --json dominfo "$2" 2>/dev/null) || { echo absent; return; }
	printf '%s\n' "$out" | "$HA_SRC/reply.py" get state
}

# The daemon's jobs for DOMAIN (gone or not), "TYPE STATE ERROR_CLASS" per
# line, oldest first.
ha_jobs() {	# ha_jobs SOCKET DOMAIN
	ha_xlctl "$1" --json raw '{"execute":"job-list"}' 2>/dev/null |
		"$HA_SRC/reply.py" jobs "$2"
}

# The last N of them on one line, "|" between.
ha_last_jobs() {	# ha_last_jobs SOCKET DOMAIN N
	ha_jobs "$1" "$2" | tail -n "$3" | paste -sd'|'
}

# The daemon's disk leases, "DISK MODE DOMAIN HOST" per line.
ha_leases() {	# ha_leases SOCKET
	ha_xlctl "$1" --json raw '{"execute":"lease-list"}' 2>/dev/null |
		"$HA_SRC/reply.py" leases
}
