#!/bin/sh
# The cost of disk leases on create time, and how soon a dead host's leases
# are free, on the simulator (doc/leases.md, "Costs").
#   bench/leases.sh [BUILD_DIR [N]]     (default: build, 100)
# 1. N creates of a one-disk domain (each destroyed before the next) with
#    the lockspace backend, then N with --lease-backend none: the median
#    and p90 of the domain-create round trip, as a client sees it.
# 2. Two daemons ("hosts") sharing one lockspace: host 1 runs a domain on
#    a disk; host 1's daemon and lease holders are killed with SIGKILL (the
#    host dies); how long until the disk's lock file is free, and until
#    host 2's domain-create of a domain on that disk has succeeded.  The
#    sanlock figures come from `make check-sanlock` (tests/sanlock/run.sh).
set -eu
build=$(cd "${1:-build}" && pwd)
n=${2:-100}
work=$(mktemp -d /tmp/xenlightd-bench-leases-XXXXXX)
pids=""
cleanup() {
	for p in $pids; do kill -9 "$p" 2>/dev/null || true; done
	# the holders outlive the daemons: end the ones started here
	for r in "$work"/*/run/leases/*.json; do
		[ -e "$r" ] || continue
		p=$(sed -n 's/.*"pid": *\([0-9]*\).*/\1/p' "$r")
		[ -n "$p" ] && grep -q lease-holder "/proc/$p/cmdline" 2>/dev/null &&
			kill -9 "$p" 2>/dev/null || true
	done
	rm -rf "$work"
}
trap cleanup EXIT

# start NAME OPTIONS...: a daemon on the simulator in $work/NAME
start() {
	d=$work/$1
	shift
	mkdir -p "$d/run" "$d/state"
	"$build/daemon/xenlightd" --foreground --sim --no-config \
	    --rundir "$d/run" --statedir "$d/state" --log-file "$d/log" \
	    --log-level info "$@" &
	pids="$pids $!"
	i=0
	until [ -S "$d/run/xenlightd.sock" ]; do
		i=$((i + 1))
		[ $i -lt 600 ] || { echo "xenlightd did not start" >&2; exit 1; }
		sleep 0.05
	done
}

: > "$work/disk.img"
start leases
start none --lease-backend none
start host1 --lockspace "$work/shared"
start host2 --lockspace "$work/shared"

python3 - "$work" "$n" "$build" <<'PY'
import fcntl, hashlib, json, os, signal, socket, statistics, sys, time

work, n = sys.argv[1], int(sys.argv[2])
disk = os.path.realpath(os.path.join(work, "disk.img"))

class Client:
    def __init__(self, name):
        self.s = socket.socket(socket.AF_UNIX)
        self.s.connect(os.path.join(work, name, "run", "xenlightd.sock"))
        self.f = self.s.makefile("rwb")
        self.f.readline()                       # the greeting
        self.id = 0

    def call(self, execute, **args):
        self.id += 1
        line = {"execute": execute, "id": self.id, "arguments": args}
        self.f.write((json.dumps(line) + "\n").encode())
        self.f.flush()
        while True:
            reply = json.loads(self.f.readline())
            if reply.get("id") == self.id:
                return reply

def config(name):
    return ('name = "%s"\ntype = "pv"\nkernel = "/boot/vmlinuz-sim"\n'
            'memory = 32\nvcpus = 1\ndisk = [ "format=raw, vdev=xvda, '
            'access=rw, target=%s" ]\n' % (name, disk))

def creates(name):
    c, times = Client(name), []
    for i in range(n):
        t = time.monotonic()
        r = c.call("domain-create", xl_config=config("b%d" % i))
        times.append((time.monotonic() - t) * 1000)
        if "error" in r:
            sys.exit("%s: create: %s" % (name, r["error"]))
        c.call("domain-destroy", domain="b%d" % i)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.9)], \
        statistics.mean(times)

def lock_free(path):
    fd = os.open(path, os.O_RDWR)
    try:
        fcntl.fcntl(fd, fcntl.F_OFD_SETLK,
                    b"\x01\x00" + b"\x00" * 30)  # F_WRLCK, whole file
        return True
    except OSError:
        return False
    finally:
        os.close(fd)

def holder_pids(name):
    d, out = os.path.join(work, name, "run", "leases"), []
    for f in os.listdir(d):
        if f.endswith(".json"):
            with open(os.path.join(d, f)) as h:
                out.append(json.load(h)["pid"])
    return out

print("load average: %s" % open("/proc/loadavg").read().split()[0])
for name in ("leases", "none"):
    med, p90, mean = creates(name)
    print("create, %-9s %d creates: median %.1f ms, p90 %.1f ms, "
          "mean %.1f ms" % ("lockspace" if name == "leases" else "none",
                            n, med, p90, mean))

h1, h2 = Client("host1"), Client("host2")
r = h1.call("domain-create", xl_config=config("one"))
assert "error" not in r, r
r = h2.call("domain-create", xl_config=config("two"))
assert r.get("error", {}).get("class") == "LeaseConflict", r
key = hashlib.sha256(disk.encode()).hexdigest()
lockfile = os.path.join(work, "shared", key + ".lock")
daemon = int(open(os.path.join(work, "host1", "run",
                               "xenlightd.pid")).read())
victims = [daemon] + holder_pids("host1")
t0 = time.monotonic()
for p in victims:
    os.kill(p, signal.SIGKILL)
while not lock_free(lockfile):
    time.sleep(0.001)
t1 = time.monotonic()
r = h2.call("domain-create", xl_config=config("two"))
t2 = time.monotonic()
assert "error" not in r, r
print("dead host (daemon + %d holder killed), lockspace: lock free after "
      "%.1f ms, the other host's create done after %.1f ms"
      % (len(victims) - 1, (t1 - t0) * 1000, (t2 - t0) * 1000))
PY
