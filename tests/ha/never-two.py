#!/usr/bin/python3
"""Watches one guest on several simulated hosts and counts the moments it
ran on two at once.

usage: never-two.py --domain NAME --out FILE NODE=SIM_SOCKET...

Asks every host's simulator (sim-info on <rundir>/sim.sock) over and over
until SIGTERM, then writes to FILE:
    samples N
    violations V
    seen NODE STATE ... (each change of the picture, with a timestamp)
A round asks the hosts in order and then in reverse order (A B C C B A); a
guest counts as running on a host only if both answers say so.  For any two
hosts, the inner pair of questions then lies between the outer pair, so two
"running" verdicts in one round mean both ran at the same moment: a hand-over
between two questions is never taken for a violation.

A host that does not answer (its daemon is down, the node is powered off)
counts as not running the guest: the simulator runs inside the daemon, and
fence_xlha wipes the simulated host when it powers a node off.
"""
import argparse
import json
import signal
import socket
import sys
import time

RUNNING = ("running", "blocked")
REPLY_LIMIT = 1 << 20


class Host:
    def __init__(self, name, path):
        self.name = name
        self.path = path
        self.sock = None
        self.buf = b""

    def close(self):
        if self.sock is not None:
            self.sock.close()
        self.sock = None
        self.buf = b""

    def line(self):
        while b"\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise OSError("closed")
            self.buf += chunk
            if len(self.buf) > REPLY_LIMIT:
                raise OSError("reply too long")
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def state(self, domain):
        """The guest's state on this host, or 'down'."""
        try:
            if self.sock is None:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.settimeout(2.0)
                self.sock.connect(self.path)
                self.line()  # greeting
            self.sock.sendall(b'{"execute":"sim-info"}\n')
            reply = self.line()
        except (OSError, ValueError):
            self.close()
            return "down"
        for d in reply.get("return", {}).get("domains", []):
            if d.get("name") == domain:
                return d.get("state", "?")
        return "absent"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--domain", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("hosts", nargs="+")
    args = ap.parse_args()
    hosts = [Host(*h.split("=", 1)) for h in args.hosts]

    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))

    samples = violations = 0
    seen = []
    last = None
    while not stop:
        first = [h.state(args.domain) for h in hosts]
        second = [h.state(args.domain) for h in reversed(hosts)][::-1]
        running = [h.name for h, a, b in zip(hosts, first, second)
                   if a in RUNNING and b in RUNNING]
        samples += 1
        picture = " ".join("%s=%s" % (h.name, b) for h, b in zip(hosts, second))
        if len(running) > 1:
            violations += 1
            picture += " VIOLATION"
        if picture != last:
            seen.append("%.3f %s" % (time.time(), picture))
            last = picture
        time.sleep(0.02)
    with open(args.out, "w") as f:
        f.write("samples %d\nviolations %d\n" % (samples, violations))
        for s in seen[-2000:]:
            f.write("seen %s\n" % s)
    return 0


sys.exit(main())
