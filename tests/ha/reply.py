#!/usr/bin/python3
"""Reads one xlctl --json reply on stdin and prints what the tests/ha
scripts ask for, one item per line:

  sim-domain NAME   "STATE GUEST_STATE" of NAME in a sim-info reply, or
                    "absent"
  jobs [DOMAIN]     "TYPE STATE ERROR_CLASS" per job of a job-list reply
                    (of DOMAIN's jobs only), oldest first
  leases            "DISK MODE DOMAIN HOST" per lease of a lease-list reply
  get PATH          a value by a dotted path (a.b.0.c); nothing if missing
"""
import json
import sys


def unwrap(reply):
    # xlctl --json raw prints the whole reply; other commands the return value
    if isinstance(reply, dict) and "return" in reply:
        return reply["return"]
    if isinstance(reply, dict) and "error" in reply:
        sys.exit("reply.py: an error reply: %s" % json.dumps(reply["error"]))
    return reply


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    try:
        value = unwrap(json.loads(sys.stdin.read()))
    except ValueError as e:
        sys.exit("reply.py: not JSON: %s" % e)
    what = argv[1]
    if what == "sim-domain":
        for d in value.get("domains", []):
            if d.get("name") == argv[2]:
                print(d.get("state"), d.get("guest_state"))
                return
        print("absent")
    elif what == "jobs":
        for j in value:
            if len(argv) > 2 and j.get("domain") != argv[2]:
                continue
            err = j.get("error") or {}
            print(j.get("type"), j.get("state"), err.get("class", "-"))
    elif what == "leases":
        for l in value:
            print(l.get("disk"), l.get("mode"), l.get("domain"), l.get("host"))
    elif what == "get":
        for key in argv[2].split("."):
            if isinstance(value, list) and key.isdigit() and int(key) < len(value):
                value = value[int(key)]
            elif isinstance(value, dict) and key in value:
                value = value[key]
            else:
                return
        print(value if not isinstance(value, (dict, list)) else json.dumps(value))
    else:
        sys.exit("reply.py: unknown request %s" % what)


main(sys.argv)
