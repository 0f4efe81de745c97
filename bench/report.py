#!/usr/bin/python3
"""Turns the result lines of bench/run.sh (xlbench and virtbench) into the
comparison table: medians over the repetitions, ratios against libvirtd,
and the goals of the benchmark issue, each met or missed."""
import statistics
import sys
from collections import defaultdict


def parse(path):
    rows = []
    with open(path) as f:
        for line in f:
            if not line.startswith("result "):
                continue
            kv = {}
            for tok in line.split()[1:]:
                if "=" in tok:
                    k, v = tok.split("=", 1)
                    kv[k] = v
            rows.append(kv)
    return rows


SAVES_ONLY = "--saves-only" in sys.argv[1:]
ROWS = parse(sys.argv[-1])


def pick(**want):
    out = []
    for r in ROWS:
        if all(r.get(k) == (None if v is None else str(v))
               for k, v in want.items()):
            out.append(r)
    return out


def med(rows, key):
    vals = [float(r[key]) for r in rows if key in r and r[key] != "-1"]
    return statistics.median(vals) if vals else None


def fmt(v, digits=0):
    if v is None:
        return "—"
    if digits == 0:
        return f"{v:,.0f}"
    return f"{v:,.{digits}f}"


def ratio(a, b, digits=1):
    if a is None or b is None or b == 0:
        return "—"
    return f"{a / b:.{digits}f}×"


GOALS = []


def goal(text, ok, measured):
    GOALS.append((text, "n/a" if ok is None else ("met" if ok else "MISSED"),
                  measured))


def xl_load(c, scenario="load", op="domain-info", label=None):
    return pick(target="xenlightd", scenario=scenario, op=op,
                clients=c, label=label)


def lv_load(op, c, label=None):
    return pick(target="libvirtd", scenario="load", op=op, clients=c,
                label=label)


def cell(rows):
    return (med(rows, "ops_per_s"), med(rows, "p50_ms"), med(rows, "p99_ms"),
            med(rows, "daemon_cpu_ms_per_1k"), med(rows, "gen_cpu_ms_per_1k"),
            med(rows, "loadavg"), len(rows),
            med(rows, "daemon_runq_wait_us_per_op"), med(rows, "steal_pct"))


def while_jobs_run(scenario, jobs, label=None):
    """The table of domain-info measured while long jobs run (scenario
    load-saves or load-creates, the line's keys JOBS and
    JOBS_running_at_end) against the idle figures; returns
    [(clients, idle cell, cell)] for the goals."""
    print(f"| clients | idle ops/s | idle p99 ms | with {jobs} ops/s |"
          f" p50 ms | p99 ms | p99 ratio | CPU µs | {jobs} still running at"
          f" the end | load | loop's run-queue wait µs/op, idle → with"
          f" {jobs} | CPU stolen by the hypervisor %, idle → with {jobs} |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    measured = []
    for c in (1, 8, 32):
        idle = cell(xl_load(c, label=label))
        rows = xl_load(c, scenario=scenario, label=label)
        s = cell(rows)
        if s[6] == 0:
            continue
        running = ", ".join(f"{r.get(jobs + '_running_at_end')}/"
                            f"{r.get(jobs)}" for r in rows)
        print(f"| {c} | {fmt(idle[0])} | {fmt(idle[2], 3)} | {fmt(s[0])} | "
              f"{fmt(s[1], 3)} | {fmt(s[2], 3)} | "
              f"{ratio(s[2], idle[2], 2)} | {fmt(s[3], 1)} | {running} | "
              f"{fmt(s[5], 1)} | {fmt(idle[7], 2)} → {fmt(s[7], 2)} | "
              f"{fmt(idle[8], 1)} → {fmt(s[8], 1)} |")
        measured.append((c, idle, s))
    print()
    return measured


def saves_only_report():
    """bench/run.sh --only saves: domain-info while 8 saves run, with the
    streaming helpers lowered (--helper-nice 10 --helper-ioprio be/7, the
    default), under SCHED_IDLE (--helper-sched idle) and left at the
    daemon's priority."""
    for label, title in (("lowered", "helpers at nice 10, be/7, the loop's "
                          "slice 0.1 ms (the defaults)"),
                         ("longslice", "helpers at nice 10, be/7, the loop at "
                          "the kernel's slice (--loop-slice 0)"),
                         ("idle", "helpers under SCHED_IDLE, be/7 "
                          "(--helper-sched idle)"),
                         ("same", "helpers at the daemon's priority")):
        print(f"## domain-info while 8 long saves run: {title}")
        print()
        for c, idle, s in while_jobs_run("load-saves", "saves", label):
            if label == "lowered" and idle[2] and s[2]:
                goal(f"domain-info p99 with 8 saves ≤ 1.5× idle p99 ({c} "
                     f"client{'s' if c > 1 else ''})", s[2] <= 1.5 * idle[2],
                     f"{s[2]:.3f} vs {idle[2]:.3f} ms = "
                     f"{s[2] / idle[2]:.2f}×")
    print("| goal | status | measured |")
    print("|---|---|---|")
    for text, status, measured in GOALS:
        print(f"| {text} | {status} | {measured} |")


if SAVES_ONLY:
    saves_only_report()
    sys.exit(0)


print("## Queries, 1000 running domains, closed loop, depth 1")
print()
print("CPU = daemon CPU time (utime+stime) per request, µs; gen = the load"
      " generator's own CPU per request, µs; load = 1-min load average.")
print()
print("| shape (libvirt calls) | clients | xenlightd ops/s | p50 / p99 ms |"
      " CPU µs | gen µs | libvirtd ops/s | p50 / p99 ms | CPU µs | gen µs |"
      " throughput ratio | CPU ratio | load xl / lv |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
shapes = [("info by name (lookup + GetInfo, 2 RPCs)", "lookup+info"),
          ("state by name (lookup + GetState, 2 RPCs)", "lookup+state"),
          ("info on a cached handle (GetInfo, 1 RPC)", "info-cached")]
summary = {}
for title, lvop in shapes:
    for c in (1, 8, 32):
        x = cell(xl_load(c))
        v = cell(lv_load(lvop, c))
        summary[(lvop, c)] = (x, v)
        if x[6] == 0 and v[6] == 0:
            continue
        print(f"| {title} | {c} | {fmt(x[0])} | {fmt(x[1], 3)} / "
              f"{fmt(x[2], 3)} | {fmt(x[3], 1)} | {fmt(x[4], 1)} | "
              f"{fmt(v[0])} | {fmt(v[1], 3)} / {fmt(v[2], 3)} | "
              f"{fmt(v[3], 1)} | {fmt(v[4], 1)} | {ratio(x[0], v[0])} | "
              f"{ratio(x[3], v[3], 3) if x[3] and v[3] else '—'} | "
              f"{fmt(x[5], 1)} / {fmt(v[5], 1)} |")
print()
print("xenlightd's `domain-info {domain: NAME}` is one request in every row;"
      " libvirt needs a lookup first unless the client caches handles.")
print()

for c in (1, 32):
    x, v = summary[("lookup+info", c)]
    if x[3] and v[3]:
        goal(f"daemon CPU per domain-info ≤ 1/10 of libvirtd's ({c} client"
             f"{'s' if c > 1 else ''})", x[3] <= v[3] / 10,
             f"{x[3]:.1f} µs vs {v[3]:.1f} µs = 1/{v[3] / x[3]:.1f}")
for c in (1, 32):
    x, v = summary[("lookup+info", c)]
    if x[0] and v[0]:
        goal(f"throughput ≥ 5× libvirtd's ({c} client{'s' if c > 1 else ''},"
             f" info by name)", x[0] >= 5 * v[0],
             f"{x[0]:,.0f} vs {v[0]:,.0f} ops/s = {x[0] / v[0]:.1f}×")

print("## domain-info while 8 long saves run (1 GiB guests at 64 MiB/s)")
print()
for c, idle, s in while_jobs_run("load-saves", "saves"):
    if idle[2] and s[2]:
        goal(f"domain-info p99 with 8 saves ≤ 1.5× idle p99 ({c} client"
             f"{'s' if c > 1 else ''})", s[2] <= 1.5 * idle[2],
             f"{s[2]:.3f} vs {idle[2]:.3f} ms = {s[2] / idle[2]:.2f}×")

print("## domain-info while 8 long creates run (each build blocks its"
      " build helper for the whole measurement)")
print()
while_jobs_run("load-creates", "creates")
print("Measured by `xlbench -P bench- -c C --creates 8 load`: 8 transient"
      " `domain-create`s started detached 1 s before the warm-up, with the"
      " simulator's `build_ms` set to outlast the measurement (the line's"
      " `create_build_ms`); destroyed afterwards.")
print()

print("## domain-list (1 client, closed loop)")
print()
print("| domains | xenlightd lists/s | p50 / p99 ms | CPU ms per list |"
      " reply bytes | libvirtd lists/s | p50 / p99 ms | CPU ms per list |"
      " speed ratio |")
print("|---|---|---|---|---|---|---|---|---|")
for label, n in ((None, "1,000"), ("10k", "10,000")):
    x = cell(xl_load(1, op="domain-list", label=label))
    v = cell(lv_load("list-all", 1, label=label))
    xb = med(xl_load(1, op="domain-list", label=label), "reply_bytes")
    if x[6] == 0 and v[6] == 0:
        continue
    print(f"| {n} | {fmt(x[0], 1)} | {fmt(x[1], 2)} / {fmt(x[2], 2)} | "
          f"{fmt(x[3] / 1000 if x[3] else None, 2)} | {fmt(xb)} | "
          f"{fmt(v[0], 1)} | {fmt(v[1], 2)} / {fmt(v[2], 2)} | "
          f"{fmt(v[3] / 1000 if v[3] else None, 2)} | {ratio(x[0], v[0])} |")
    if label == "10k" and x[1] is not None:
        goal("domain-list of 10,000 domains ≤ 20 ms", x[1] <= 20,
             f"p50 {x[1]:.1f} ms, p99 {x[2]:.1f} ms")
print()

print("## connect + one query + close")
print()
print("| clients | xenlightd per s | p50 / p99 ms | CPU µs | libvirtd per s |"
      " p50 / p99 ms | CPU µs | ratio |")
print("|---|---|---|---|---|---|---|---|")
for c in (1, 32):
    x = cell(pick(target="xenlightd", scenario="connect", clients=c))
    v = cell(pick(target="libvirtd", scenario="connect", clients=c))
    if x[6] == 0 and v[6] == 0:
        continue
    print(f"| {c} | {fmt(x[0])} | {fmt(x[1], 3)} / {fmt(x[2], 3)} | "
          f"{fmt(x[3], 1)} | {fmt(v[0])} | {fmt(v[1], 3)} / {fmt(v[2], 3)} | "
          f"{fmt(v[3], 1)} | {ratio(x[0], v[0])} |")
print()

print("## Memory (VmRSS)")
print()
print("VmRSS read before the count of domains is taken (a domain-list);"
      " anon = RssAnon (heap, stacks), the rest is mapped files (shared"
      " libraries).")
print()
print("| state | xenlightd MiB (anon) | libvirtd MiB (anon) | ratio |"
      " ratio of anon |")
print("|---|---|---|---|---|")


def rss_rows(target, lo, hi):
    return [r for r in pick(target=target, scenario="rss")
            if lo <= int(r["domains"]) <= hi]


for title, lo, hi in (("no domains", 0, 2), ("1,000 domains", 1000, 1010),
                      ("10,000 domains", 10000, 10010)):
    x = med(rss_rows("xenlightd", lo, hi), "daemon_rss_kib")
    v = med(rss_rows("libvirtd", lo, hi), "daemon_rss_kib")
    xa = med(rss_rows("xenlightd", lo, hi), "rss_anon_kib")
    va = med(rss_rows("libvirtd", lo, hi), "rss_anon_kib")
    if x is None and v is None:
        continue
    print(f"| {title} | {fmt(x / 1024 if x else None, 1)} "
          f"({fmt(xa / 1024 if xa else None, 1)}) | "
          f"{fmt(v / 1024 if v else None, 1)} "
          f"({fmt(va / 1024 if va else None, 1)}) | {ratio(x, v, 2)} | "
          f"{ratio(xa, va, 2)} |")
    if title == "1,000 domains" and x and v:
        goal("RSS with 1000 domains ≤ 1/4 of libvirtd's", x <= v / 4,
             f"{x / 1024:.1f} vs {v / 1024:.1f} MiB = {x / v:.2f}")
xi = pick(target="xenlightd", scenario="idle")
vi = pick(target="libvirtd", scenario="idle")
x, v = med(xi, "daemon_rss_kib"), med(vi, "daemon_rss_kib")
if x or v:
    print(f"| 1,000 domains + 1,000 idle connections | "
          f"{fmt(x / 1024 if x else None, 1)} | "
          f"{fmt(v / 1024 if v else None, 1)} | {ratio(x, v, 2)} | |")
    print()
    print(f"Per idle connection: xenlightd "
          f"{fmt(med(xi, 'rss_per_connection_kib'), 1)} KiB, libvirtd "
          f"{fmt(med(vi, 'rss_per_connection_kib'), 1)} KiB.")
print()

print("## Events: 1000 subscribers, 100 domains paused then unpaused one at"
      " a time (3 rounds)")
print()
print("| | events/s | from request p50 / p99 ms | from event timestamp"
      " p50 / p99 ms | daemon CPU µs per delivered event | RSS MiB | load |")
print("|---|---|---|---|---|---|---|")
for target in ("xenlightd", "libvirtd"):
    rows = pick(target=target, scenario="events")
    if not rows:
        continue
    ts50, ts99 = med(rows, "from_timestamp_p50_ms"), \
        med(rows, "from_timestamp_p99_ms")
    print(f"| {target} | {fmt(med(rows, 'events_per_s'))} | "
          f"{fmt(med(rows, 'from_request_p50_ms'), 1)} / "
          f"{fmt(med(rows, 'from_request_p99_ms'), 1)} | "
          f"{fmt(ts50, 1) + ' / ' + fmt(ts99, 1) if ts50 is not None else '— (libvirt events carry no timestamp)'} | "
          f"{fmt(med(rows, 'daemon_cpu_ms_per_1k_events'), 1)} | "
          f"{fmt(med(rows, 'daemon_rss_kib') / 1024, 1)} | "
          f"{fmt(med(rows, 'loadavg'), 1)} |")
print()

print("## Goals")
print()
print("| goal | measured | |")
print("|---|---|---|")
for text, status, measured in GOALS:
    print(f"| {text} | {measured} | {status} |")
