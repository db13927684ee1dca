#!/usr/bin/python3
"""A discreet reminder on a real (virtual) desktop: Xvfb, a private session bus (run under
dbus-run-session), dunst as the notification server, as in test_desktop.py. Then pause,
resume and the journal on the same daemon: while paused a check-in due every 2 s is silenced
(history) and the screen stays empty; after resume the next one is on the screen.

Two reference bubbles are drawn first by sending dunst the texts directly: "nudge" / "A
reminder for you", and the reminder's own title and body. Then nudged (libnotify) fires a
discreet check-in: the screen must match the discreet reference and not the full one. Show is
invoked through dunst's own menu (`dunstctl action 0`, with a dmenu stand-in that picks
"Show"): the same bubble then matches the full reference. The fire stays open (Show is no
answer) until `nudgectl done`, which takes the bubble off the screen. The screenshots stay in
$NUDGE_ARTIFACTS (default: a temp folder) for people to look at."""
import os
import subprocess
import sys

from desktop import Desktop, wait_for
from harness import check, results

NUDGED = os.environ["NUDGED"]
NUDGECTL = os.environ["NUDGECTL"]
TITLE = "Book a first session"
BODY = "Call the counsellor about a first session together"
desk = Desktop("discreet", ("dunstctl",))
ARTIFACTS = desk.artifacts


def main():
    desk.xvfb()
    # dunst's context menu runs "dmenu" with one line per action; this one picks Show.
    menu = os.path.join(desk.tmp, "pick-show")
    with open(menu, "w") as f:
        f.write("#!/bin/sh\ntee %s | grep -m1 ',show]'\n" % os.path.join(ARTIFACTS, "menu.txt"))
    os.chmod(menu, 0o755)
    desk.dunst(dmenu=menu, critical=False)
    env = desk.env
    shot, differs, settled, displayed = desk.shot, desk.differs, desk.settled, desk.displayed

    import dbus
    bus = dbus.SessionBus()
    if not check("dunst owns the notification bus name",
                 wait_for(lambda: bus.name_has_owner("org.freedesktop.Notifications"))):
        return
    server = dbus.Interface(bus.get_object("org.freedesktop.Notifications",
                                           "/org/freedesktop/Notifications"),
                            "org.freedesktop.Notifications")

    before = os.path.join(ARTIFACTS, "before.png")
    check("screenshot before", settled(before))
    # The references: what dunst draws for each text, sent to it directly.
    refs = {}
    for name, summary, body in (("ref-discreet", "nudge", "A reminder for you"),
                                ("ref-full", TITLE, BODY)):
        nid = server.Notify("nudge", 0, "", summary, body, [], {}, 0)
        refs[name] = os.path.join(ARTIFACTS, name + ".png")
        check("reference %s drawn" % name, settled(refs[name], unlike=before))
        server.CloseNotification(nid)
        check("reference %s closed" % name, wait_for(lambda: displayed() == "0"))
    check("the two references differ", differs(refs["ref-discreet"], refs["ref-full"]) > 5000)
    settled(os.path.join(desk.tmp, "clear.png"))

    desk.home()
    rules = os.path.join(desk.tmp, "rules.lua")
    with open(rules, "w") as f:
        f.write('nudge.config { discreet = true }\n'
                'nudge.checkin { id = "evening", when = "yearly", title = "%s", body = "%s" }\n'
                % (TITLE, BODY))
    log = open(os.path.join(ARTIFACTS, "nudged.log"), "w")
    desk.start([NUDGED, "--rules", rules, "--backend", "libnotify", "-v"], env=env, stdout=log,
               stderr=subprocess.STDOUT)

    def ctl(*args):
        return subprocess.run([NUDGECTL, *args], env=env, capture_output=True, text=True, timeout=30)

    if not check("nudged is up", wait_for(lambda: ctl("status").returncode == 0, timeout=30)):
        return
    r = ctl("fire", "evening")
    check("nudgectl fire evening", r.returncode == 0, r.stderr)
    discreet = os.path.join(ARTIFACTS, "discreet.png")
    check("the discreet bubble is drawn", settled(discreet, unlike=before))
    d_ref, d_full = differs(discreet, refs["ref-discreet"]), differs(discreet, refs["ref-full"])
    print("discreet bubble: %d pixels from the discreet reference, %d from the full one" % (d_ref, d_full))
    check("it looks like 'nudge' / 'A reminder for you'", 0 <= d_ref < 500, d_ref)
    check("... and not like the full text", d_full > 5000, d_full)

    r = subprocess.run(["dunstctl", "action", "0"], env=env, capture_output=True, text=True)
    check("dunstctl action 0 (its menu picks Show)", r.returncode == 0, r.stderr)
    shown = os.path.join(ARTIFACTS, "shown.png")
    check("Show redraws the bubble", settled(shown, unlike=discreet))
    s_full = differs(shown, refs["ref-full"])
    print("after Show: %d pixels from the full reference" % s_full)
    check("after Show it has the full text", 0 <= s_full < 500, s_full)
    check("the menu offered Show beside Done, Snooze and Skip",
          all(",%s]" % a in open(os.path.join(ARTIFACTS, "menu.txt")).read()
              for a in ("done", "snooze", "skip", "show")))
    check("still one bubble on the screen", displayed() == "1", displayed())
    h = ctl("--json", "history").stdout
    check("Show is no answer: the fire is open", '"answer":null' in h.replace(" ", ""), h[:400])
    r = ctl("done", "evening")
    check("nudgectl done evening", r.returncode == 0, r.stderr)
    check("after Done the bubble is gone", wait_for(lambda: displayed() == "0"))

    # Pause, resume and the journal on the same live daemon and real server (SPEC 2.4).
    r = ctl("pause", "--note", "A weekend away")
    check("nudgectl pause", r.returncode == 0 and r.stdout.startswith("Paused"), (r.stdout, r.stderr))
    r = ctl("--json", "status")
    check("status shows the pause and its note", '"note": "A weekend away"' in r.stdout or
          '"note":"A weekend away"' in r.stdout, r.stdout)
    # A check-in due every 2 seconds, added while paused.
    with open(rules, "a") as f:
        f.write('nudge.checkin { id = "tick", when = "*:*:0/2", title = "Tick", '
                'body = "A check-in every two seconds" }\n')
    r = ctl("reload")
    check("reload with a check-in every 2 s", r.returncode == 0, (r.stdout, r.stderr))

    def silenced_ticks():
        h = ctl("--json", "history", "-n", "50").stdout.replace(" ", "")
        return h.count('"reminder":"tick"') if '"reason":"pause"' in h else 0
    check("while paused, due check-ins are silenced (history: reason pause)",
          wait_for(lambda: silenced_ticks() >= 2, timeout=20), ctl("history").stdout)
    check("... and nothing reached the screen", displayed() == "0", displayed())
    paused = os.path.join(ARTIFACTS, "paused.png")
    check("screenshot while paused", shot(paused))
    check("the paused screen is as empty as before", 0 <= differs(paused, before) < 500)
    r = ctl("resume")
    check("nudgectl resume", r.returncode == 0, (r.stdout, r.stderr))
    check("after resume the next check-in is on the screen",
          wait_for(lambda: displayed() == "1", timeout=20), displayed())
    check("screenshot after resume", settled(os.path.join(ARTIFACTS, "resumed.png"), unlike=before))
    r = ctl("pause", "1h")
    check("paused again (the ticks stop)", r.returncode == 0, r.stderr)
    r = ctl("checkin", "evening", "--mood", "4", "--note", "A long walk; we talked about the summer")
    check("nudgectl checkin with mood and note", r.returncode == 0, (r.stdout, r.stderr))
    r = ctl("journal")
    check("nudgectl journal reads it back: mood in words and the note",
          r.returncode == 0 and "4 good" in r.stdout and "we talked about the summer" in r.stdout,
          (r.stdout, r.stderr))


desk.run(main)
print("screenshots in", ARTIFACTS)
print("%d passed, %d failed" % (results["pass"], results["fail"]))
sys.exit(1 if results["fail"] else 0)
