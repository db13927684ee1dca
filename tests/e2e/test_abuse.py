#!/usr/bin/python3
"""A real nudged (stdout backend) running a rule file whose callbacks abuse the sandbox (issue
10, items 2, 7, 8, 9): a finalizer that loops, table.move over 2^53 slots, upper() of 16 MiB in
a loop, a gmatch with '^', nudge.store of one 1 MiB string shared 2,000 times, a sort of a
million elements, a string of digits converted in a loop. One reminder runs one abuse every
other second (it succeeds in between, so it is never disabled); a healthy reminder beside it
logs every second.

Checked while the abuse runs: the daemon stays up, `nudgectl status` answers within 1 s each
time, the healthy reminder keeps firing, each abuse is stopped with a logged rules.lua:LINE
message, RSS stays bounded, and SIGTERM exits 0 within 3 s."""
import os
import re
import json
import signal
import socket
import subprocess
import sys
import tempfile
import time

from harness import Daemon, Env, check, results, rss_kib, wait_for

NUDGED = os.environ["NUDGED"]

# Line numbers matter: each abuse's error must name its own line.
RULES = """\
nudge.config{limits = {time = "300ms"}}
local abuses = {
  function() setmetatable({}, {__gc = function() while true do end end}) collectgarbage() end,
  function() table.move({}, 1, 1 << 53, 2) end,
  function() local s = ("x"):rep(16 << 20) while true do local u = s:upper() end end,
  function() for _ in string.rep("^", 2^20):gmatch("^.-%z") do end end,
  function() local big = ("x"):rep(1 << 20) local t = {} for i = 1, 2000 do t[i] = big end nudge.store.set("huge", t) end,
  function() local t = {} for i = 1, 1000000 do t[i] = -i end table.sort(t) end,
  function() local s = ("1"):rep(8 << 20) while true do local x = s + 0 end end,
}
local tick = 0
nudge.every("1s", function()
  tick = tick + 1
  if tick % 2 == 0 then return end -- a success in between: never disabled
  abuses[(tick // 2) % #abuses + 1]()
end, {id = "abuse"})
local n = 0
nudge.every("1s", function() n = n + 1 nudge.log("healthy " .. n) end, {id = "healthy"})
"""

# rules.lua line -> what stops it
EXPECT = {
    3: r"__gc finalizers are not allowed in rules",
    4: r"instruction budget exceeded|time limit exceeded",
    5: r"instruction budget exceeded|time limit exceeded",
    6: r"could take too long",
    7: r"nudge\.store: value too large",
    8: r"instruction budget exceeded|time limit exceeded",
    9: r"instruction budget exceeded|time limit exceeded",
}


def asan_build():
    try:
        out = subprocess.run(["ldd", NUDGED], capture_output=True, timeout=10).stdout
        return b"libasan" in out
    except (OSError, subprocess.TimeoutExpired):
        return False


def main():
    with tempfile.TemporaryDirectory(prefix="nudge-abuse-") as tmp:
        e = Env(tmp, rules=RULES, tz="UTC")
        rules = e.rules
        d = Daemon(e, wait=False)
        p = d.p
        log = d.stderr
        sock = e.sock

        def status():
            """One status request on the control socket: (answered, seconds). The socket, not
            nudgectl, so a loaded machine's process start-up is not counted."""
            t = time.monotonic()
            try:
                with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
                    s.settimeout(30)
                    s.connect(sock)
                    s.sendall(b'{"cmd": "status"}\n')
                    buf = b""
                    while not buf.endswith(b"\n"):
                        chunk = s.recv(65536)
                        if not chunk:
                            break
                        buf += chunk
                ok = json.loads(buf).get("ok") is True
            except (OSError, ValueError):
                ok = False
            return ok, time.monotonic() - t

        try:
            check("nudged starts", wait_for(lambda: status()[0] or p.poll() is not None, 30)
                  and p.poll() is None, log()[-500:])
            # Until every abuse was stopped once (or 90 s on a very slow machine): status
            # round trips, RSS, the healthy reminder's count.
            worst, samples, max_rss = 0.0, 0, 0
            stopped = {}

            def sample():
                """One round of measurements; true once every abuse was stopped (or nudged
                ended)."""
                nonlocal worst, samples, max_rss
                ok, took = status()
                samples += 1
                worst = max(worst, took if ok else 99.0)
                if os.environ.get("NUDGE_TEST_VERBOSE") and took > 0.3:
                    print("status took %.2f s" % took, log().splitlines()[-1:])
                max_rss = max(max_rss, rss_kib(p.pid))
                text = log()
                for line, pat in EXPECT.items():
                    if line not in stopped:
                        m = re.search(r"%s:%d: (?:[^\n]*?)(%s)" % (re.escape(rules), line, pat),
                                      text)
                        if m:
                            stopped[line] = m.group(0)
                return len(stopped) == len(EXPECT) or p.poll() is not None

            wait_for(sample, 90, 0.1)
            text = log()
            check("the daemon stayed up", p.poll() is None, text[-500:])
            for line, pat in EXPECT.items():
                check("the abuse on rules.lua:%d was stopped with its file:line" % line,
                      line in stopped, pat)
            check("nudgectl status answers while the abuse runs", e.ctl("status", timeout=30)[0] == 0)
            check("status always answered within 1 s (%d tries)" % samples,
                  samples > 10 and worst < 1.0, "worst %.2f s" % worst)
            healthy = [int(x) for x in re.findall(r"healthy (\d+)", text)]
            check("the healthy reminder kept firing", healthy and max(healthy) >= 5, healthy[-3:])
            # It keeps going: two more fires after all of that.
            last = max(healthy) if healthy else 0
            check("the healthy reminder fires on",
                  wait_for(lambda: re.search(r"healthy %d\b" % (last + 2), log()), 20),
                  log()[-300:])
            limit = (512 if asan_build() else 256) * 1024
            check("RSS stayed bounded", 0 < max_rss < limit, "%d KiB (limit %d)" % (max_rss, limit))
            check("no reminder was disabled", "disabled until the next reload" not in text,
                  text[-500:])
            print("worst status round trip %.2f s over %d tries, max RSS %d KiB"
                  % (worst, samples, max_rss))
            t = time.monotonic()
            p.send_signal(signal.SIGTERM)
            try:
                rc = p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                rc = None
            took = time.monotonic() - t
            check("SIGTERM exits 0 within 3 s", rc == 0 and took < 3.0, (rc, "%.2f s" % took))
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
    print("%d passed, %d failed" % (results["pass"], results["fail"]))
    sys.exit(1 if results["fail"] else 0)


if __name__ == "__main__":
    main()
