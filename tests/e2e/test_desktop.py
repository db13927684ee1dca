#!/usr/bin/python3
"""The installed nudged on a real (virtual) desktop: Xvfb, a private session bus (run under
dbus-run-session), dunst as the notification server with a large, readable style.

nudged is installed with `cmake --install` into a scratch prefix and started from there on a
rule whose reminder is fired with the installed nudgectl. A screenshot of the screen before
the notification and one with it must differ substantially in the notification's corner, and
barely anywhere else; after `nudgectl done` the bubble is gone and the screen as before. The screenshots stay in $NUDGE_ARTIFACTS (default: a temp folder) for
people to look at."""
import os
import shutil
import subprocess
import sys

from desktop import BOX, Desktop, wait_for
from harness import check, results

BUILD = os.environ["NUDGE_BUILD"]
TITLE = "Evening check-in"
BODY = "Ask how their day was, and listen to the whole answer"
desk = Desktop("desktop")
ARTIFACTS = desk.artifacts


def main():
    prefix = os.path.join(desk.tmp, "prefix")
    r = subprocess.run(["cmake", "--install", BUILD, "--prefix", prefix], capture_output=True, text=True)
    if not check("cmake --install", r.returncode == 0, r.stderr):
        return
    nudged = os.path.join(prefix, "bin", "nudged")
    nudgectl = os.path.join(prefix, "bin", "nudgectl")

    desk.xvfb()
    desk.dunst()
    env = desk.env
    xdg = desk.home()
    os.makedirs(os.path.join(xdg["XDG_CONFIG_HOME"], "nudge"))
    with open(os.path.join(xdg["XDG_CONFIG_HOME"], "nudge", "rules.lua"), "w") as f:
        f.write('nudge.on("yearly", function()\n'
                '  nudge.notify { title = "%s", body = "%s",\n'
                '                 actions = { done = "Done", skip = "Skip" } }\n'
                'end, { id = "evening" })\n' % (TITLE, BODY))
    log = open(os.path.join(ARTIFACTS, "nudged.log"), "w")
    daemon = desk.start([nudged], env=env, stdout=log, stderr=subprocess.STDOUT)

    def ctl(*args):
        return subprocess.run([nudgectl, *args], env=env, capture_output=True, text=True, timeout=30)

    # auto backend: libnotify once dunst owns org.freedesktop.Notifications.
    ok = wait_for(lambda: '"backend":"libnotify"' in ctl("--json", "status").stdout.replace(" ", ""))
    if not check("nudged uses libnotify with dunst on the bus", ok, ctl("--json", "status").stdout):
        return
    before = os.path.join(ARTIFACTS, "before.png")
    after = os.path.join(ARTIFACTS, "after.png")

    check("screenshot before", desk.settled(before))
    r = ctl("fire", "evening")
    check("nudgectl fire evening", r.returncode == 0, r.stderr)

    def differs(region):
        """Pixels that differ between before and after, in region (x0, y0, x1, y1) or all."""
        return desk.differs(before, after, region, diff=os.path.join(ARTIFACTS, "diff.png"))

    # dunst draws within a moment; take screenshots until the corner changes.
    def shown():
        return desk.shot(after) and differs(BOX) > 20000

    check("the notification appears in the top-right corner", wait_for(shown, timeout=30, step=0.3),
          "differing pixels in the corner: %d" % differs(BOX))
    desk.settled(after)
    in_box = differs(BOX)
    total = differs(None)
    print("differing pixels: %d in the notification corner, %d on the whole screen" % (in_box, total))
    check("many pixels differ in the corner (> 60000)", in_box > 60000, str(in_box))
    check("the change is in the corner (>= 95%% of it)", total > 0 and in_box >= 0.95 * total,
          "%d of %d" % (in_box, total))
    # What dunst received and drew: the history of the server itself.
    if shutil.which("dunstctl"):
        n = desk.displayed()
        check("dunst displays one notification", n == "1", n)
        # Answered, the fire is settled and leaves the screen (SPEC 2.3): nudged closes it.
        r = ctl("done", "evening")
        check("nudgectl done evening", r.returncode == 0, r.stderr)
        check("after Done, dunst displays no notification", wait_for(lambda: desk.displayed() == "0"))
        # Closed notifications go to dunst's history, with what it was given to draw.
        d = subprocess.run(["dunstctl", "history"], env=env, capture_output=True, text=True)
        check("dunst shows the title", TITLE in d.stdout, d.stdout[:300])
        check("dunst shows the body", BODY in d.stdout, d.stdout[:300])
        gone = os.path.join(ARTIFACTS, "after-done.png")
        check("the screen is as before once nudged closes it",
              wait_for(lambda: desk.shot(gone) and subprocess.run(
                  ["compare", "-metric", "AE", before, gone, "null:"],
                  capture_output=True, text=True).stderr.split()[0] == "0", timeout=5, step=0.3))
    h = ctl("--json", "history")
    check("the fire is in the history", TITLE in h.stdout, h.stdout)
    print("screenshots:", before, after, os.path.join(ARTIFACTS, "after-done.png"))


desk.run(main)
print("%d passed, %d failed" % (results["pass"], results["fail"]))
sys.exit(1 if results["fail"] else 0)
