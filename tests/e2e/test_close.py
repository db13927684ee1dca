#!/usr/bin/python3
"""SPEC 2.3 on a real session bus: settled fires leave the screen, and the daemon's own notices.

Run under its own bus: `dbus-run-session -- /usr/bin/python3 test_close.py` (ctest does).
nudged (libnotify backend) talks to python-dbusmock's notification server, which records each
method call: a bubble is gone when nudged called CloseNotification with its id.
Checks: an answer from the bubble, and one from nudgectl, close that bubble, and a second answer
is refused or ignored; a fire that expires the previous unanswered one closes it; an answer given
while the show is still on its way closes the bubble once shown; "a rule was disabled" names the
reminder and its file:line; a second failed reload replaces the "rules not
loaded" notice, and a good reload closes it."""
import os
import sys
import tempfile

import dbus

from harness import Daemon, Env, check, results, wait_for, NOTIFY_BUS, start_mock_notifications

BUS = NOTIFY_BUS

RULES = """
local answers = { { id = "done", label = "Done" }, { id = "skip", label = "Skip" } }
nudge.after("1s", function()
  nudge.notify { title = "Evening check-in", actions = answers }
end, { id = "evening" })
nudge.after("1s", function()
  nudge.notify { title = "A gesture", actions = answers }
end, { id = "gesture" })
nudge.every("2s", function()
  nudge.notify { title = "tick", actions = answers }
end, { id = "tick" })
nudge.every("1s", function()
  error("boom")
end, { id = "flaky" })
nudge.on("2099-01-01", function()
  nudge.notify { title = "Slow one", actions = answers }
end, { id = "slow" })
"""
FLAKY_LINE = 12  # the line of nudge.every that registered "flaky"


class Screen:
    """What nudged asked of the mock server. The mock numbers notifications from 1 in the
    order of Notify calls (none replaces another), so a call's place gives its id."""

    def __init__(self, mock):
        self.mock = mock

    def shown(self, title_prefix):
        """(id, title, body) of each notification whose title starts with title_prefix."""
        calls = [c for c in self.mock.GetCalls() if c[1] == "Notify"]
        return [(i + 1, str(c[2][3]), str(c[2][4])) for i, c in enumerate(calls)
                if str(c[2][3]).startswith(title_prefix)]

    def wait_shown(self, title_prefix, n=1, timeout=15):
        return wait_for(lambda: len(self.shown(title_prefix)) >= n and self.shown(title_prefix),
                        timeout) or []

    def closed(self):
        return [int(c[2][0]) for c in self.mock.GetCalls() if c[1] == "CloseNotification"]

    def wait_closed(self, nid, timeout=10):
        return wait_for(lambda: nid in self.closed(), timeout)

    def click(self, nid, action):
        self.mock.EmitSignal(BUS, "ActionInvoked", "us", [dbus.UInt32(nid), action])


def answers_of(env, reminder):
    """The answers in the history of reminder's fires, oldest first (None: open)."""
    h = env.history() or []
    return [e.get("answer") for e in sorted(h, key=lambda e: e.get("fire", 0))
            if e.get("reminder") == reminder]


def bubble_answer(env, d, scr):
    """A click on Done settles the fire: its bubble is closed; a later click is ignored and a
    nudgectl answer refused."""
    ev = scr.wait_shown("Evening check-in")
    if not check("the check-in reached the server", ev):
        return
    nid = ev[0][0]
    scr.click(nid, "done")
    check("Done clicked: its bubble is closed", scr.wait_closed(nid), scr.closed())
    check("the answer is in the history",
          wait_for(lambda: answers_of(env, "evening") == ["done"]), answers_of(env, "evening"))
    scr.click(nid, "skip")  # a stale click on the closed bubble
    rc, out, err = env.ctl("done", "evening")
    check("a second answer from nudgectl is refused (exit 1, already answered)",
          rc == 1 and "already answered: done at" in err, (rc, out, err))
    check("the history keeps the first answer only",
          wait_for(lambda: answers_of(env, "evening") == ["done"], 2), answers_of(env, "evening"))


def nudgectl_answer(env, d, scr):
    """nudgectl done settles the fire: its bubble is closed; a click on it is ignored."""
    g = scr.wait_shown("A gesture")
    if not check("the gesture reached the server", g):
        return
    nid = g[0][0]
    rc, out, err = env.ctl("done", "gesture")
    check("nudgectl done gesture", rc == 0, (rc, out, err))
    check("nudgectl done: its bubble is closed", scr.wait_closed(nid), scr.closed())
    scr.click(nid, "skip")
    check("a click on the closed bubble is ignored",
          wait_for(lambda: answers_of(env, "gesture") == ["done"], 2), answers_of(env, "gesture"))


def expiry(env, d, scr):
    """A new fire of a reminder expires its previous unanswered fire, which leaves the screen."""
    ticks = scr.wait_shown("tick", 2)
    if not check("two ticks reached the server", len(ticks) >= 2, ticks):
        return
    check("the second tick closed the first (expired)", scr.wait_closed(ticks[0][0]), scr.closed())
    check("the first tick is expired in the history",
          wait_for(lambda: (answers_of(env, "tick") or [None])[0] == "expired"),
          answers_of(env, "tick"))


def close_behind_show(env, d, scr):
    """Answered while its show still waits on a slow server: the close goes after the show
    returns, so the bubble ends closed (a close sent first would have no id to close)."""
    scr.mock.AddMethod(BUS, "Notify", "susssasa{sv}i", "u",
                       "__import__('time').sleep(2)\nret = self.next_id\nself.next_id += 1")
    try:
        rc, out, err = env.ctl("fire", "slow")
        check("nudgectl fire slow", rc == 0, (rc, out, err))
        rc, out, err = env.ctl("done", "slow")
        check("nudgectl done slow, while its show is on its way", rc == 0, (rc, out, err))
        s = scr.wait_shown("Slow one")
        check("the slow notification reached the server", s)
        if s:
            check("... and was closed after it was shown", scr.wait_closed(s[0][0]), scr.closed())
    finally:
        scr.mock.AddMethod(BUS, "Notify", "susssasa{sv}i", "u",
                           "ret = self.next_id\nself.next_id += 1")


def disabled_notice(env, d, scr):
    n = scr.wait_shown("nudge: a rule was disabled")
    if not check("'a rule was disabled' was shown", n):
        return
    _, title, body = n[0]
    check("its title names the reminder", title == "nudge: a rule was disabled: flaky", title)
    check("its body names the file:line that registered it",
          '"flaky" (%s:%d)' % (env.rules, FLAKY_LINE) in body, body)


def click_after_reload(env, d, scr):
    """A bubble shown before a reload is still answered by a click after it: what the user
    answered is kept (the ledger's map of bubbles outlives a rule set)."""
    before = len(scr.shown("Slow one"))
    rc, out, err = env.ctl("fire", "slow")
    shown = scr.wait_shown("Slow one", before + 1)
    if not check("a new bubble is up", rc == 0 and len(shown) > before, (rc, out, err)):
        return
    nid = shown[-1][0]
    rc, out, err = env.ctl("reload")
    check("the rules reload", rc == 0, (rc, err))
    scr.click(nid, "done")
    check("Done after the reload: recorded",
          wait_for(lambda: answers_of(env, "slow") == ["done", "done"]),
          answers_of(env, "slow"))
    check("... and its bubble closed", scr.wait_closed(nid), scr.closed())


def not_loaded_notice(env, d, scr):
    """A failed reload shows "rules not loaded" (with file:line); a second one replaces it; the
    next good reload closes it."""
    good = open(env.rules).read()
    env.set_rules(good + "nudge.after(\n")
    rc, _, err = env.ctl("reload")
    check("a broken reload fails", rc == 1, (rc, err))
    first = scr.wait_shown("nudge: rules not loaded")
    if not check("'rules not loaded' was shown", first):
        return
    nid1, _, body = first[0]
    check("it names the file:line", "%s:" % env.rules in body, body)
    env.ctl("reload")
    second = scr.wait_shown("nudge: rules not loaded", 2)
    check("a second failed reload shows a new notice", len(second) == 2, second)
    check("... and closes the stale one", scr.wait_closed(nid1), scr.closed())
    if len(second) < 2:
        return
    nid2 = second[1][0]
    env.set_rules(good)
    rc, _, err = env.ctl("reload")
    check("the fixed rules reload", rc == 0, (rc, err))
    check("the good reload closes 'rules not loaded'", scr.wait_closed(nid2), scr.closed())


def main():
    tmp = tempfile.mkdtemp(prefix="nudge-close-")
    server, mock = start_mock_notifications()
    env = Env(tmp, rules=RULES)
    d = Daemon(env, "--backend", "libnotify")
    scr = Screen(mock)
    try:
        if check("nudged is up", d.ready, d.stderr()):
            bubble_answer(env, d, scr)
            nudgectl_answer(env, d, scr)
            expiry(env, d, scr)
            close_behind_show(env, d, scr)
            disabled_notice(env, d, scr)
            click_after_reload(env, d, scr)
            not_loaded_notice(env, d, scr)
    finally:
        rc = d.stop()
        server.terminate()
        server.wait()
    check("SIGTERM: exit 0", rc == 0)
    if results["fail"]:
        print("--- nudged stderr ---\n" + d.stderr()[-4000:])
    print("%d passed, %d failed" % (results["pass"], results["fail"]))
    return 1 if results["fail"] else 0


if __name__ == "__main__":
    sys.exit(main())
