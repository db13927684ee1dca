#!/usr/bin/python3
"""End to end on a real session bus: nudged with the libnotify backend against
python-dbusmock's notification server.

Run under its own bus: `dbus-run-session -- /usr/bin/python3 test_libnotify.py` (ctest does).
Checks: notifications arrive with title, body, urgency and actions; an ActionInvoked signal
reaches the rule's on_action, and the answer closes the bubble; NotificationClosed reaches
on_close; the server going away and
coming back is survived (stdout meanwhile, libnotify again after)."""
import os
import subprocess
import sys
import tempfile
import time

import dbus

from harness import check, results, wait_for, NOTIFY_BUS, start_mock_notifications

NUDGED = os.environ["NUDGED"]
BUS = NOTIFY_BUS


def control(tmp, request):
    """One request on nudged's control socket; the reply as a dict."""
    import json
    import socket
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(10)
    s.connect(os.path.join(tmp, "nudge", "control.sock"))
    s.sendall((json.dumps(request) + "\n").encode())
    reply = s.makefile().readline()
    s.close()
    return json.loads(reply)


def notify_calls(mock):
    return [c for c in mock.GetCalls() if c[1] == "Notify"]


class Log:
    """nudged's stderr, read as it grows."""

    def __init__(self, path):
        self.path = path

    def text(self):
        with open(self.path, errors="replace") as f:
            return f.read()

    def has(self, s):
        return s in self.text()


def main():
    tmp = tempfile.mkdtemp()
    rules = os.path.join(tmp, "rules.lua")
    with open(rules, "w") as f:
        f.write("""
nudge.after("1s", function()
  nudge.notify {
    title = "Evening check-in", body = "How was your day?", urgency = "critical",
    actions = { { id = "done", label = "Done" }, { id = "skip", label = "Skip" } },
    on_action = function(action, ev) nudge.log("ACTION " .. action .. " from " .. ev.id) end,
    on_close = function(reason, ev) nudge.log("CLOSED " .. reason .. " " .. ev.id) end,
  }
end, { id = "evening" })
nudge.after("1s", function()
  nudge.notify { title = "Dismiss me",
    on_close = function(reason, ev) nudge.log("CLOSED " .. reason .. " " .. ev.id) end }
end, { id = "dismiss" })
nudge.every("2s", function() nudge.notify { title = "tick" } end, { id = "tick" })
""")
    # Invalid UTF-8 from the rule file: shown with U+FFFD, no GLib-CRITICAL, no "[Invalid UTF-8]".
    with open(rules, "ab") as f:
        f.write(b'nudge.after("3s", function() nudge.notify { title = "bad \\xff title", '
                b'body = "body \\xc3", actions = { { id = "ok\\xff", label = "L\\xed\\xa0\\x80" } } } '
                b'end, { id = "utf\\xffid" })\n')
    server, mock = start_mock_notifications()
    err = os.path.join(tmp, "err")
    out = os.path.join(tmp, "out")
    env = dict(os.environ, XDG_CONFIG_HOME=tmp, XDG_STATE_HOME=tmp, XDG_RUNTIME_DIR=tmp)
    d = subprocess.Popen([NUDGED, "--rules", rules, "--backend", "auto"],
                         stdout=open(out, "w"), stderr=open(err, "w"), env=env)
    log = Log(err)
    try:
        calls = wait_for(lambda: [c for c in notify_calls(mock) if c[2][3] == "Evening check-in"])
        check("the check-in reached the server", calls)
        if calls:
            app, replaces, icon, summary, body, actions, hints, timeout = calls[0][2]
            check("title", summary == "Evening check-in")
            check("body", body == "How was your day?")
            check("actions id/label pairs", list(actions) == ["done", "Done", "skip", "Skip"])
            check("urgency hint critical (2)", int(hints.get("urgency", -1)) == 2)
            check("reminder id hint", str(hints.get("x-nudge-reminder", "")) == "evening")
            check("app name", app == "nudge")
        bad = wait_for(lambda: [c for c in notify_calls(mock) if str(c[2][3]).startswith("bad ")])
        check("a notification with invalid UTF-8 reached the server", bad)
        if bad:
            app, replaces, icon, summary, body, actions, hints, timeout = bad[0][2]
            check("its title has U+FFFD", summary == "bad \ufffd title", repr(summary))
            check("its body has U+FFFD", body == "body \ufffd", repr(body))
            check("its action has U+FFFD", list(actions) == ["ok\ufffd", "L\ufffd\ufffd\ufffd"],
                  repr(list(actions)))
            check("its reminder hint has U+FFFD",
                  str(hints.get("x-nudge-reminder", "")) == "utf\ufffdid", repr(hints))
        check("no GLib-CRITICAL and no [Invalid UTF-8]",
              "CRITICAL" not in log.text() and "Invalid UTF-8" not in log.text(), log.text()[-500:])
        # The first notification got id 1 from the mock; the user clicks "done".
        mock.EmitSignal(BUS, "ActionInvoked", "us", [dbus.UInt32(1), "done"])
        check("on_action ran with the action and reminder id",
              wait_for(lambda: log.has("ACTION done from evening")))
        # "done" is an answer: it settles the fire, whose bubble nudge closes. (dbusmock's
        # CloseNotification reports reason 1, "expired"; a real server says 3, "closed".)
        check("the answered bubble was closed",
              wait_for(lambda: [c for c in mock.GetCalls()
                                if c[1] == "CloseNotification" and int(c[2][0]) == 1]))
        check("on_close ran for the closed bubble",
              wait_for(lambda: log.has("CLOSED expired evening")))
        dismiss = wait_for(lambda: [i + 1 for i, c in enumerate(notify_calls(mock))
                                    if c[2][3] == "Dismiss me"])
        check("the second notification reached the server", dismiss)
        if dismiss:
            mock.EmitSignal(BUS, "NotificationClosed", "uu",
                            [dbus.UInt32(dismiss[0]), dbus.UInt32(2)])
            check("on_close ran with the reason",
                  wait_for(lambda: log.has("CLOSED dismissed dismiss")))

        # A server that takes 8 s to answer Notify must not stall the loop: the control socket
        # answers meanwhile (the show runs on libnotify's worker thread). A stalled loop would
        # take the whole 8 s; the bound is half that, so a loaded machine does not fail it.
        mock.AddMethod(BUS, "Notify", "susssasa{sv}i", "u",
                       "__import__('time').sleep(8); ret = 4242")
        t0 = time.monotonic()
        fired = control(tmp, {"cmd": "fire", "id": "tick"})
        t1 = time.monotonic()
        status = control(tmp, {"cmd": "status"})
        t2 = time.monotonic()
        check("fire answered at once while the server is slow (%.2f s)" % (t1 - t0),
              fired.get("ok") and t1 - t0 < 4.0)
        check("status answered at once while the server is slow (%.2f s)" % (t2 - t1),
              status.get("ok") and t2 - t1 < 4.0)
        check("the slow Notify still arrives",
              wait_for(lambda: len([c for c in notify_calls(mock) if c[2][3] == "tick"]) >= 1, 30))
        mock.AddMethod(BUS, "Notify", "susssasa{sv}i", "u",
                       "ret = args[1] if args[1] else self.next_id\nif not args[1]: self.next_id += 1")

        # The server goes away: ticks go to stdout, with a warning, and nudged keeps running.
        server.terminate()
        server.wait()
        check("warned that the server went away",
              wait_for(lambda: log.has("notification server went away")))
        check("fell back to stdout", wait_for(lambda: "tick" in open(out).read(), timeout=30))
        check("daemon still running", d.poll() is None)

        server, mock = start_mock_notifications()
        check("noticed the server is back", wait_for(lambda: log.has("notification server appeared")))
        check("ticks reach the new server", wait_for(lambda: any(c[2][3] == "tick" for c in notify_calls(mock)), timeout=30))
    finally:
        d.terminate()
        try:
            rc = d.wait(timeout=10)
        except subprocess.TimeoutExpired:
            d.kill()
            rc = None
        server.terminate()
        server.wait()
    check("SIGTERM: exit 0", rc == 0)
    if results["fail"]:
        print("--- nudged stderr ---\n" + log.text())
    print("%d passed, %d failed" % (results["pass"], results["fail"]))
    return 1 if results["fail"] else 0


if __name__ == "__main__":
    sys.exit(main())
