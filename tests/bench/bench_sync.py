#!/usr/bin/env python3
"""scripts/bench's CalDAV sync figures: nudged on the example plan (examples/rebuild-trust.lua
plus a sync of 14 days) against a local Radicale, through a proxy that counts requests and
bytes each way (libcurl's own counts are not exposed). Per run, a fresh state and a fresh
collection: the first sync (every task made) and an unchanged second one (nothing sent).

    bench_sync.py NUDGED NUDGECTL RUNS

Prints "key value" lines, one per figure and run; exits 1 with a line on stderr when a run
goes wrong (a sync failing, a second sync that sends anything)."""
import os
import shutil
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
os.environ["NUDGED"], os.environ["NUDGECTL"] = sys.argv[1], sys.argv[2]
from harness import Daemon, Env, wait_for, write  # noqa: E402
from radicale_server import Proxy, Radicale, list_tasks  # noqa: E402

USER, PASSWORD = "bench", "bench password"


def fail(msg):
    print("bench_sync: " + msg, file=sys.stderr)
    sys.exit(1)


def sync_obj(e):
    rc, r, _, _ = e.ctl_json("status", timeout=30)
    return (r or {}).get("sync") if rc == 0 else None


def one_run(tmp, server, proxy, r):
    name = "bench%d" % r
    server.make_calendar(name)
    url = proxy.base + "%s/%s" % (USER, name)
    e = Env(tmp, "run%d" % r, tz=os.environ.get("TZ", "Europe/Berlin"))
    rules = os.path.join(e.config, "rules")
    os.makedirs(rules)
    shutil.copy(os.path.join(ROOT, "examples", "rebuild-trust.lua"), rules)
    # every = 1d: only the syncs measured here run.
    write(os.path.join(rules, "sync.lua"), 'nudge.config { sync = { caldav = "%s", user = "%s", '
          'every = "1d", days = 14 } }\n' % (url, USER))
    os.makedirs(os.path.join(e.config, "nudge"), mode=0o700)
    pw = os.path.join(e.config, "nudge", "caldav-password")
    with open(pw, "w") as f:
        f.write(PASSWORD + "\n")
    os.chmod(pw, 0o600)
    proxy.reset()
    d = Daemon(e, rules=rules)
    try:
        if not d.ready:
            fail("nudged did not start: " + d.stderr()[-500:])
        # The first sync runs by itself a few seconds after start.
        s = wait_for(lambda: (lambda x: x if x and x.get("last") and x["state"] != "running" else None)(sync_obj(e)), 120, 0.05)
        if not s or not s["last"]["ok"]:
            fail("the first sync failed: %s" % (s,))
        first = (s["last"]["took_ms"], proxy.bytes_in, proxy.bytes_out, proxy.count(), s["last"]["sent"])
        n_tasks = len(list_tasks(server.collection_url(name), USER, PASSWORD))
        proxy.reset()
        t0 = time.monotonic()
        rc, rep, out, err = e.ctl_json("sync", timeout=120)
        wall = (time.monotonic() - t0) * 1000
        s = (rep or {}).get("sync")
        if rc != 0 or not s or not s["last"]["ok"]:
            fail("the second sync failed: %s %s" % (out, err))
        if s["last"]["sent"] or s["last"]["removed"]:
            fail("the unchanged sync sent %d and removed %d tasks" % (s["last"]["sent"], s["last"]["removed"]))
        second = (s["last"]["took_ms"], proxy.bytes_in, proxy.bytes_out, proxy.count(), wall)
    finally:
        d.stop()
    print("sync_first_ms %d" % first[0])
    print("sync_first_up %d" % first[1])
    print("sync_first_down %d" % first[2])
    print("sync_first_requests %d" % first[3])
    print("sync_first_sent %d" % first[4])
    print("sync_tasks %d" % n_tasks)
    print("sync_second_ms %d" % second[0])
    print("sync_second_wall_ms %.1f" % second[4])
    print("sync_second_up %d" % second[1])
    print("sync_second_down %d" % second[2])
    print("sync_second_requests %d" % second[3])
    sys.stdout.flush()


def main():
    runs = int(sys.argv[3])
    tmp = tempfile.mkdtemp(prefix="nudge-bench-sync-")
    server = Radicale(os.path.join(tmp, "radicale"), USER, PASSWORD)
    proxy = None
    try:
        if not server.start():
            fail("radicale did not start: " + server.log_text()[-500:])
        proxy = Proxy(server.port)
        for r in range(runs):
            one_run(tmp, server, proxy, r)
    finally:
        if proxy:
            proxy.close()
        server.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
