#!/usr/bin/python3
"""The control socket does not amplify (issue 10, items 11 and 12), and invalid UTF-8 from a
rule file costs no answer (item 16).

- A year's preview of a rule firing every second runs in slices: while it is computed,
  `nudgectl status` answers within a second and a healthy reminder keeps firing; the reply is
  cut at 10,000 notifications (or a bounded amount of work) with "truncated": true, and
  nudgectl says so. A client leaving mid-preview, a reload and SIGTERM during one are safe.
- A client that pipelines `report` requests and never reads is dropped (one log line); the
  daemon's memory stays bounded.
- 600 connections that send nothing (or half a request) do not lock nudgectl out, and a
  connection without a complete request is closed after 10 s.
- Invalid UTF-8 in an id, a title and a syntax error: status, list, history and preview all
  answer, with U+FFFD in place of the bad bytes."""
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

from harness import Daemon, Env, check, results, rss_kib, wait_for, write
from test_control import RULES, answers, connect, read_lines, request

NUDGECTL = os.environ["NUDGECTL"]

# ASan keeps freed memory in quarantine and shadow memory beside it: allow for that.
ASAN = "asan" in os.environ.get("NUDGED", "") or "asan" in NUDGECTL
RSS_BOUND_MB = 600 if ASAN else 200

HEAVY = """
-- Fires every second; notifies rarely, so a year is ~31 million instants of work.
local n, x = 0, 0
nudge.every("1s", function()
  n = n + 1
  for i = 1, 500 do x = x + i end -- some work, so the preview's bounds are what stops it
  if n % 100000 == 0 then nudge.notify { title = "spam " .. n } end
end, { id = "spam" })
-- The healthy one: its first 300 fires notify (live, that is the whole test; in a preview
-- they leave the notification cap far away, so the preview runs long).
local k = 0
nudge.every("1s", function()
  k = k + 1
  if k <= 300 then nudge.notify { title = "healthy" } end
end, { id = "healthy" })
"""

CHATTY = """
nudge.every("1s", function() nudge.notify { title = "every second" } end, { id = "chatty" })
"""


started = []


def start(e):
    d = Daemon(e)
    started.append(d)
    return d


def rss_mb(pid):
    return rss_kib(pid) / 1024


class RssWatch:
    """Samples a process's RSS on a thread; .peak is the largest seen."""

    def __init__(self, pid):
        self.pid, self.peak, self.stop_ = pid, 0, False
        self.t = threading.Thread(target=self.run, daemon=True)
        self.t.start()

    def run(self):
        while not self.stop_:
            self.peak = max(self.peak, rss_mb(self.pid))
            time.sleep(0.05)

    def stop(self):
        self.stop_ = True
        self.t.join()
        return self.peak


def connect_waiting(path):
    """Connects even while the listen queue is full (the daemon accepts as it can)."""
    end = time.monotonic() + 30
    while True:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(path)  # blocking: waits for room in the queue
            s.settimeout(10)
            return s
        except BlockingIOError:
            s.close()
            if time.monotonic() > end:
                raise
            time.sleep(0.01)


def status_time(e):
    """How long the daemon takes to answer status (on the socket, as nudgectl asks: the time
    to start a nudgectl process on a loaded machine is not the daemon's)."""
    t0 = time.monotonic()
    try:
        r = request(e.sock, {"cmd": "status"}, timeout=30)
        rc = 0 if r and r.get("ok") else 1
    except OSError:
        rc = 2
    return rc, time.monotonic() - t0


def _refused(e):
    """Starts a preview and leaves at once: whether it was refused as one too many."""
    with connect(e.sock) as s:
        s.sendall(b'{"cmd":"preview","days":1}\n')
        s.settimeout(0.5)
        try:
            return b"running already" in s.recv(4096)
        except socket.timeout:
            return False


def sockets(pid):
    """How many sockets the process holds: one more once it accepted a client."""
    n = 0
    for f in os.listdir("/proc/%d/fd" % pid):
        try:
            n += os.readlink("/proc/%d/fd/%s" % (pid, f)).startswith("socket:")
        except OSError:
            pass
    return n


def count(d, text):
    return d.stdout().count(text)


def test_preview(tmp):
    e = Env(tmp, "preview", RULES)
    write(e.rules, HEAVY)
    d = start(e)
    if not check("daemon starts", d.ready and d.p.poll() is None, d.stderr()[-300:]):
        return
    watch = RssWatch(d.p.pid)
    out_path = os.path.join(e.root, "preview.json")
    with open(out_path, "wb") as out_f:
        p = subprocess.Popen([NUDGECTL, "--json", "preview", "--days", "366"], env=e.env,
                             stdout=out_f, stderr=subprocess.PIPE)
    # The preview works for seconds: meanwhile status answers at once, the healthy one fires.
    slow, asked = [], 0
    fired_before = count(d, "[healthy]")

    def ask_status():
        """One status round trip while the preview runs; true once the preview is over."""
        nonlocal asked
        rc, took = status_time(e)
        asked += 1
        if rc != 0 or took > 1.0:
            slow.append((rc, round(took, 2)))
        return p.poll() is not None

    wait_for(ask_status, 120, 0.1)
    fired_during = count(d, "[healthy]") - fired_before
    _, err = p.communicate(timeout=120)
    out = open(out_path, "rb").read()
    check("the preview took a while (the test asked status during it)", asked >= 3, asked)
    check("status answered within 1 s while the preview ran", not slow, slow)
    check("the healthy reminder fired while the preview ran", fired_during >= 1, fired_during)
    try:
        r = json.loads(out)
    except ValueError:
        r = None
    check("the preview answers ok", p.returncode == 0 and r and r.get("ok") is True,
          (p.returncode, out[:200], err[:200]))
    check("the preview is truncated, with until", r and r.get("truncated") is True
          and isinstance(r.get("until"), str), r and {k: r[k] for k in r if k != "notifications"})
    check("nudgectl says it is truncated", b"truncated" in err, err)

    # Every second, notifying: cut at 10,000 notifications.
    write(e.rules, CHATTY + HEAVY)
    e.ctl("reload")
    rc, out, err = e.ctl("--json", "preview", "--days", "366", timeout=120)
    try:
        n = len(json.loads(out)["notifications"])
    except (ValueError, KeyError):
        n = None
    check("a chatty preview stops at 10000 notifications", rc == 0 and n == 10000,
          (rc, n, err[-200:]))
    check("nudgectl prints one truncation line", err.count("truncated") == 1 and "10000" in err
          or ("10000" in err and "truncated" in err), err)
    rc, out, err = e.ctl("export", "--ics", "--days", "366", timeout=120)
    check("export --ics is truncated too, and still a calendar",
          rc == 0 and out.count("BEGIN:VEVENT") <= 10000 and "END:VCALENDAR" in out
          and "truncated" in err, (rc, out.count("BEGIN:VEVENT"), err[-200:]))
    write(e.rules, HEAVY)
    e.ctl("reload")

    # Pipelined behind a preview (which answers later): the replies keep their order.
    with connect(e.sock, timeout=60) as s:
        s.sendall(b'{"cmd":"preview","days":1}\n{"cmd":"status"}\n{"cmd":"list"}\n')
        lines = read_lines(s, 3, timeout=60)
    try:
        rs = [json.loads(l) for l in lines]
    except ValueError:
        rs = []
    check("pipelined requests behind a preview are answered in order",
          len(rs) == 3 and "notifications" in rs[0] and "pid" in rs[1] and "reminders" in rs[2],
          [l[:80] for l in lines])

    # A client that leaves mid-preview: its job stops; the daemon serves on.
    for _ in range(5):
        s = connect(e.sock)
        s.sendall(b'{"cmd":"preview","days":366}\n')
        s.close()
    rc, took = status_time(e)
    check("status answers after clients left mid-preview", rc == 0 and took < 1.0, (rc, took))

    # Previews at once: four run (sharing one slice per turn), a fifth is refused clearly.
    socks = []
    for _ in range(4):
        s = connect(e.sock)
        s.sendall(b'{"cmd":"preview","days":366}\n')
        socks.append(s)
    wait_for(lambda: _refused(e), 10)  # the four have started: one more is turned away
    r = request(e.sock, {"cmd": "preview", "days": 366}, timeout=10)
    check("a fifth preview at once is refused with a clear error",
          r and r.get("ok") is False and "running already" in r.get("error", ""), r)
    rc, took = status_time(e)
    check("status answers within 1 s with four previews running", rc == 0 and took < 1.0, took)
    for s in socks:
        s.close()
    check("the previews of clients that left are cancelled (a new one is accepted)",
          wait_for(lambda: not _refused(e), 10))

    # A reload while a preview runs: the preview has its own rule set.
    n = sockets(d.p.pid)
    p = subprocess.Popen([NUDGECTL, "--json", "preview", "--days", "366"], env=e.env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wait_for(lambda: sockets(d.p.pid) > n, 10)  # the daemon took the preview's connection
    write(e.rules, HEAVY + 'nudge.every("1h", function() end, { id = "added" })\n')
    rc, _, err = e.ctl("reload", timeout=30)
    check("reload during a preview succeeds", rc == 0, err)
    write(e.rules, HEAVY)
    rc, _, err = e.ctl("reload", timeout=30)
    out, err = p.communicate(timeout=120)
    try:
        r = json.loads(out)
    except ValueError:
        r = None
    check("the preview survives two reloads", p.returncode == 0 and r and r.get("ok") is True,
          (p.returncode, out[:200], err[:200]))
    peak = watch.stop()
    check("RSS stayed under %d MB during the previews" % RSS_BOUND_MB, peak < RSS_BOUND_MB, peak)

    # SIGTERM during a preview: exits 0 promptly.
    n = sockets(d.p.pid)
    p = subprocess.Popen([NUDGECTL, "preview", "--days", "366"], env=e.env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for(lambda: sockets(d.p.pid) > n, 10)
    t0 = time.monotonic()
    d.p.send_signal(signal.SIGTERM)
    try:
        rc = d.p.wait(timeout=10)
    except subprocess.TimeoutExpired:
        rc = None
    took = time.monotonic() - t0
    check("SIGTERM during a preview exits 0 within 3 s", rc == 0 and took < 3, (rc, took))
    p.wait(timeout=30)
    d.stop()


def test_pipelined_reports(tmp):
    e = Env(tmp, "flood", RULES)
    # Some history and promises, so each report is a real reply.
    write(e.rules, 'nudge.every("1s", function() nudge.notify { title = "c" } end, { id = "c" })\n')
    d = start(e)
    if not check("daemon starts", d.ready and d.p.poll() is None, d.stderr()[-300:]):
        return
    for i in range(20):
        e.ctl("promise", "add", "promise %d %s" % (i, "x" * 500), "--due", "tomorrow")
    watch = RssWatch(d.p.pid)
    s = connect(e.sock)
    s.setblocking(False)
    req = b'{"cmd":"report","days":3660}\n' * 1000
    sent = 0
    end = time.monotonic() + 20
    # Write until the daemon stops reading (our send buffer fills), never reading a reply.
    stuck_since = None
    while time.monotonic() < end:
        try:
            sent += s.send(req[sent % len(req):])
            stuck_since = None
        except BlockingIOError:
            stuck_since = stuck_since or time.monotonic()
            if time.monotonic() - stuck_since > 1:
                break
            time.sleep(0.01)
        except OSError:
            break
    check("the daemon stopped reading a client that does not read (backpressure)",
          stuck_since is not None, sent)
    rc, took = status_time(e)
    check("status answers while a client floods", rc == 0 and took < 1.0, (rc, took))
    dropped = wait_for(lambda: "does not read its replies" in d.stderr(), 30)
    check("the client that does not read is dropped, with one log line", dropped
          and d.stderr().count("does not read its replies") == 1, d.stderr()[-400:])
    s.close()
    peak = watch.stop()
    check("RSS stayed under %d MB under the flood" % RSS_BOUND_MB, peak < RSS_BOUND_MB, peak)
    check("daemon still up after the flood", d.p.poll() is None and answers(e.sock))
    check("SIGTERM exits 0", d.stop() == 0)


def test_connections(tmp):
    e = Env(tmp, "conns", RULES)
    d = start(e)
    if not check("daemon starts", d.ready and d.p.poll() is None, d.stderr()[-300:]):
        return
    socks = []
    try:
        for i in range(600):
            s = connect_waiting(e.sock)
            if i % 2:
                s.sendall(b'{"cmd":"sta')  # half a request
            socks.append(s)
        rc, took = status_time(e)
        check("nudgectl status works with 600 connections left open", rc == 0 and took < 1.0,
              (rc, took, d.stderr()[-300:]))
        check("the full table is logged once, not per connection",
              d.stderr().count("closed the one idle longest") == 1, d.stderr()[-400:])
    finally:
        for s in socks:
            s.close()

    # A connection that never completes its request is closed after 10 s; so is one that
    # sends nothing.
    for what, data in (("half a request", b'{"cmd":"sta'), ("nothing", b"")):
        s = connect(e.sock)
        if data:
            s.sendall(data)
        t0 = time.monotonic()
        s.settimeout(30)
        try:
            closed = s.recv(100) == b""
        except (ConnectionResetError, BrokenPipeError):
            closed = True
        except socket.timeout:
            closed = False
        took = time.monotonic() - t0
        check("a connection with %s is closed after ~10 s" % what, closed and 8 < took < 20,
              (closed, took))
        s.close()
    # A connection that sends a byte now and then is still closed: the 10 s run from the first.
    s = connect(e.sock)
    t0 = time.monotonic()
    closed = False
    while time.monotonic() - t0 < 25 and not closed:
        try:
            s.sendall(b" ")
            s.settimeout(1)
            closed = s.recv(100) == b""
        except socket.timeout:
            pass
        except OSError:
            closed = True
    took = time.monotonic() - t0
    check("a trickling request is closed after ~10 s", closed and took < 15, (closed, took))
    s.close()
    check("daemon still answers", answers(e.sock))
    check("SIGTERM exits 0", d.stop() == 0)


BAD = b"\xff\xfe"
UTF8_RULES = (b'nudge.every("1s", function() nudge.notify { title = "t\xc3 \xff\xed\xa0\x80 end", '
              b'body = "b\xf4\x90\x80\x80" } end, { id = "bad\xffid" })\n'
              b'nudge.every("1h", function() end, { id = "good" })\n')


def test_utf8(tmp):
    e = Env(tmp, "utf8", RULES)
    with open(e.rules, "wb") as f:
        f.write(UTF8_RULES)
    d = start(e)
    if not check("daemon starts with invalid UTF-8 in a rule file", d.ready and d.p.poll() is None,
                 d.stderr()[-300:]):
        return
    fffd = "\ufffd"
    wait_for(lambda: "bad" in d.stdout(), 10)
    rc, r, raw, err = e.ctl_json("list")
    ids = [x.get("id") for x in (r or {}).get("reminders", [])]
    check("list answers and keeps the reminder, with U+FFFD", rc == 0 and ("bad" + fffd + "id") in ids
          and "good" in ids, (rc, raw[:300], err))
    rc, r, raw, err = e.ctl_json("fire", "bad" + fffd + "id")
    check("the id as list shows it is the reminder's id: nudgectl fire finds it", rc == 0,
          (rc, raw[:300], err))
    rc, r, raw, err = e.ctl_json("history", "-n", "5")
    ent = (r or {}).get("entries") or []
    check("history answers with the fires, U+FFFD in place", rc == 0 and ent and all(
          x.get("reminder") == "bad" + fffd + "id" and fffd in x.get("title", "") for x in ent),
          (rc, raw[:300], err))
    rc, r, raw, err = e.ctl_json("preview", "--days", "1")
    n = (r or {}).get("notifications") or []
    check("preview answers with the notifications", rc == 0 and len(n) >= 1000
          and n[0].get("id") == "bad" + fffd + "id"
          # C3 cut short: one; FF: one; ED A0 80 (a surrogate): ED is a lead byte that A0
          # cannot follow, so three.
          and n[0].get("title") == "t" + fffd + " " + fffd * 4 + " end"
          and n[0].get("body") == "b" + fffd * 4, (rc, raw[:300], err))
    check("the notification shown on stdout is valid UTF-8",
          open(d.out, "rb").read().decode("utf-8", "strict") is not None)

    # A syntax error that quotes the bad bytes: status still answers, with the error.
    with open(e.rules, "wb") as f:
        f.write(UTF8_RULES + b"local x = \xff\xff oops\n")
    rc, _, err = e.ctl("reload")
    check("the broken reload is refused", rc != 0, err)
    rc, r, raw, err = e.ctl_json("status")
    lr = (r or {}).get("last_reload") or {}
    check("status answers after a reload error quoting invalid UTF-8",
          rc == 0 and lr.get("ok") is False and isinstance(lr.get("error"), str), (rc, raw[:300]))
    rc, r, raw, err = e.ctl_json("list")
    check("list still answers", rc == 0 and r and len(r.get("reminders", [])) == 2, raw[:300])
    try:
        open(d.err, "rb").read().decode("utf-8", "strict")
        valid_log = True
    except UnicodeDecodeError:
        valid_log = False
    check("the log is valid UTF-8", valid_log)
    check("SIGTERM exits 0", d.stop() == 0)


def main():
    with tempfile.TemporaryDirectory(prefix="nudge-lim-") as tmp:
        for t in (test_utf8, test_connections, test_pipelined_reports, test_preview):
            try:
                t(tmp)
            except Exception as ex:  # a crash in one group must not hide the others
                check("%s raised %s: %s" % (t.__name__, type(ex).__name__, ex), False)
        for d in started:  # a group that failed half way leaves none running
            if d.p.poll() is None:
                d.p.kill()
                d.p.wait()
    print("%d passed, %d failed" % (results["pass"], results["fail"]))
    sys.exit(1 if results["fail"] else 0)


if __name__ == "__main__":
    main()
