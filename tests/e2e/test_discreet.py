#!/usr/bin/python3
"""SPEC 2.4 discreet notifications on a live daemon.

Run under its own bus: `dbus-run-session -- /usr/bin/python3 test_discreet.py` (ctest does).
1. stdout backend: the line printed for a discreet reminder is the discreet one ("nudge" /
   "A reminder for you", no id, no text); the history, nudgectl preview and --preview keep the
   full text.
2. libnotify against python-dbusmock's notification server: the bubble says only "nudge" /
   "A reminder for you" with the reminder's actions plus Show; a click on Show replaces the same
   bubble (replaces_id) with the full text and the actions without Show, and answers nothing
   (the fire stays open); Done on the revealed bubble answers it and closes it. A reminder with
   discreet = false in a discreet rule set shows its text at once."""
import os
import subprocess
import sys
import tempfile

import dbus

from harness import Daemon, Env, NUDGED, check, results, wait_for, NOTIFY_BUS, start_mock_notifications

TITLE = "Book a first session"
BODY = "Call the counsellor about a first session together"
RULES = """
nudge.config { since = "2026-11-01", discreet = true }
nudge.checkin { id = "evening", when = "2099-01-01 20:30", title = "Evening check-in",
                body = "Ask how their day was" }
nudge.gesture { id = "open", when = "2099-01-01 09:00", pool = { "Say good morning" },
                discreet = false }
nudge.on("2099-01-01", function()
  nudge.notify { title = "%s", body = "%s",
                 actions = { { id = "done", label = "Done" }, { id = "skip", label = "Skip" } } }
end, { id = "counsel" })
nudge.checkin { id = "daily", when = "*-*-* 20:30", title = "Daily", body = "Name one thing that felt good" }
""" % (TITLE, BODY)


def answers_of(env, reminder):
    h = env.history() or []
    return [e.get("answer") for e in sorted(h, key=lambda e: e.get("fire", 0))
            if e.get("reminder") == reminder]


def stdout_backend(tmp):
    env = Env(tmp, name="stdout", rules=RULES)
    d = Daemon(env)  # --backend stdout
    try:
        if not check("stdout: nudged is up", d.ready, d.stderr()):
            return
        rc, out, err = env.ctl("fire", "counsel")
        check("stdout: nudgectl fire counsel", rc == 0, (rc, out, err))
        line = wait_for(lambda: [l for l in d.stdout().splitlines() if "A reminder for you" in l])
        check("stdout: the discreet line is printed", line, d.stdout())
        if line:
            check("stdout: it says only 'nudge' / 'A reminder for you', with the actions",
                  line[0].endswith("notify: nudge — A reminder for you (Done / Skip)"), line[0])
        check("stdout: nothing of the text or the id on stdout",
              TITLE not in d.stdout() and BODY not in d.stdout() and "counsel" not in d.stdout(),
              d.stdout())
        h = [e for e in env.history() or [] if e.get("reminder") == "counsel"]
        check("stdout: the history has the full title", h and h[0].get("title") == TITLE, h)
        rc, out, err = env.ctl("fire", "open")
        check("stdout: discreet = false shows the text",
              wait_for(lambda: "Say good morning" in d.stdout()), d.stdout())
        rc, out, err = env.ctl("--json", "preview", "--days", "2")
        check("stdout: nudgectl preview shows the full text",
              rc == 0 and "Name one thing that felt good" in out, (rc, out[:400], err))
    finally:
        check("stdout: SIGTERM exit 0", d.stop() == 0)
    # --preview: the full text, and "discreet":true.
    p = subprocess.run([NUDGED, "--preview", "--json", "--from", "2098-12-31", "--days", "2",
                        "--rules", env.rules], capture_output=True, text=True, env=env.env)
    lines = p.stdout.splitlines()
    check("--preview: five lines", p.returncode == 0 and len(lines) == 5, (p.stdout, p.stderr))
    check("--preview: the full text, marked discreet",
          any(BODY in l and l.endswith(',"discreet":true}') for l in lines), lines)
    check("--preview: discreet = false not marked",
          any("Say good morning" in l and "discreet" not in l for l in lines), lines)


class Screen:
    def __init__(self, mock):
        self.mock = mock

    def notifies(self):
        """(replaces_id, summary, body, actions) of each Notify call, in order."""
        return [(int(c[2][1]), str(c[2][3]), str(c[2][4]), [str(a) for a in c[2][5]])
                for c in self.mock.GetCalls() if c[1] == "Notify"]

    def closed(self):
        return [int(c[2][0]) for c in self.mock.GetCalls() if c[1] == "CloseNotification"]

    def click(self, nid, action):
        self.mock.EmitSignal(NOTIFY_BUS, "ActionInvoked", "us", [dbus.UInt32(nid), action])


def libnotify_backend(tmp):
    server, mock = start_mock_notifications()
    env = Env(tmp, name="libnotify", rules=RULES)
    d = Daemon(env, "--backend", "libnotify")
    scr = Screen(mock)
    try:
        if not check("libnotify: nudged is up", d.ready, d.stderr()):
            return
        rc, out, err = env.ctl("fire", "counsel")
        check("libnotify: nudgectl fire counsel", rc == 0, (rc, out, err))
        first = wait_for(lambda: scr.notifies())
        if not check("libnotify: the bubble reached the server", first):
            return
        rep, summary, body, actions = first[0]
        nid = 1  # the mock numbers new bubbles from 1
        check("libnotify: a new bubble", rep == 0, first)
        check("libnotify: it says only 'nudge' / 'A reminder for you'",
              (summary, body) == ("nudge", "A reminder for you"), (summary, body))
        check("libnotify: the same actions plus Show",
              actions == ["done", "Done", "skip", "Skip", "show", "Show"], actions)
        scr.click(nid, "show")
        second = wait_for(lambda: len(scr.notifies()) >= 2 and scr.notifies())
        if check("libnotify: Show shows it again", second, scr.notifies()):
            rep, summary, body, actions = second[1]
            check("libnotify: ... in the same bubble (replaces_id)", rep == nid, second)
            check("libnotify: ... with the full text", (summary, body) == (TITLE, BODY), (summary, body))
            check("libnotify: ... and its own actions, without Show",
                  actions == ["done", "Done", "skip", "Skip"], actions)
        check("libnotify: Show is no answer: the fire stays open",
              answers_of(env, "counsel") == [None], answers_of(env, "counsel"))
        check("libnotify: Show did not close the bubble", nid not in scr.closed(), scr.closed())
        check("libnotify: the log says it was revealed",
              wait_for(lambda: "Show was clicked" in d.stderr()), d.stderr()[-2000:])
        scr.click(nid, "show")  # a second Show on the revealed bubble changes nothing
        scr.click(nid, "done")
        check("libnotify: Done on the revealed bubble answers the fire",
              wait_for(lambda: answers_of(env, "counsel") == ["done"]), answers_of(env, "counsel"))
        check("libnotify: ... and closes it", wait_for(lambda: nid in scr.closed()), scr.closed())
        check("libnotify: no third Notify", len(scr.notifies()) == 2, scr.notifies())
        rc, out, err = env.ctl("fire", "open")
        third = wait_for(lambda: len(scr.notifies()) >= 3 and scr.notifies())
        check("libnotify: discreet = false shows its text at once",
              third and third[2][1:3] == ("A small gesture", "Say good morning") and
              "show" not in third[2][3], third)
    finally:
        check("libnotify: SIGTERM exit 0", d.stop() == 0)
        server.terminate()
        server.wait()


def main():
    tmp = tempfile.mkdtemp(prefix="nudge-discreet-")
    stdout_backend(tmp)
    libnotify_backend(tmp)
    print("%d passed, %d failed" % (results["pass"], results["fail"]))
    return 1 if results["fail"] else 0


if __name__ == "__main__":
    sys.exit(main())
