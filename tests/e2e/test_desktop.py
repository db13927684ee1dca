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
import tempfile

from harness import check, results
from harness import wait_for as harness_wait_for

BUILD = os.environ["NUDGE_BUILD"]
ARTIFACTS = os.environ.get("NUDGE_ARTIFACTS") or tempfile.mkdtemp(prefix="nudge-desktop-")
os.makedirs(ARTIFACTS, exist_ok=True)
TITLE = "Evening check-in"
BODY = "Ask how their day was, and listen to the whole answer"
W, H = 1280, 800
# dunst draws at the top right: this box holds the notification.
BOX = (W - 1000, 0, W, 420)  # x0, y0, x1, y1


def skip(why):
    print("SKIP:", why)
    sys.exit(77)  # ctest reports it as skipped (SKIP_RETURN_CODE), never as passed


for tool in ("Xvfb", "dunst", "import", "compare"):
    if not shutil.which(tool):
        skip("%s is not installed (scripts/deps --test installs xvfb, dunst, imagemagick)" % tool)
if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
    skip("no private session bus: run under dbus-run-session")

tmp = tempfile.mkdtemp(prefix="nudge-desktop-run-")
procs = []


def wait_for(pred, timeout=15.0, step=0.1):
    return harness_wait_for(pred, timeout, step)


def start(argv, **kw):
    p = subprocess.Popen(argv, **kw)
    procs.append(p)
    return p


def main():
    prefix = os.path.join(tmp, "prefix")
    r = subprocess.run(["cmake", "--install", BUILD, "--prefix", prefix], capture_output=True, text=True)
    if not check("cmake --install", r.returncode == 0, r.stderr):
        return
    nudged = os.path.join(prefix, "bin", "nudged")
    nudgectl = os.path.join(prefix, "bin", "nudgectl")

    # The X server picks a free display and tells us which.
    rfd, wfd = os.pipe()
    start(["Xvfb", "-displayfd", str(wfd), "-screen", "0", "%dx%dx24" % (W, H), "-nolisten", "tcp"],
          pass_fds=(wfd,), stderr=subprocess.DEVNULL)
    os.close(wfd)
    with os.fdopen(rfd) as f:
        display = ":" + f.readline().strip()
    check("Xvfb started", display != ":")
    env = dict(os.environ, DISPLAY=display)
    for k in ("JOURNAL_STREAM", "NOTIFY_SOCKET", "WAYLAND_DISPLAY"):
        env.pop(k, None)

    dunstrc = os.path.join(tmp, "dunstrc")
    with open(dunstrc, "w") as f:
        f.write("""[global]
    monitor = 0
    follow = none
    width = 900
    height = 360
    origin = top-right
    offset = 20x20
    font = DejaVu Sans 26
    markup = full
    format = "<b>%s</b>\\n%b"
    word_wrap = yes
    padding = 24
    horizontal_padding = 24
    frame_width = 6
    frame_color = "#ffcc00"
    separator_height = 4
    icon_position = off
    show_indicators = no
[urgency_low]
    background = "#1a1a40"
    foreground = "#ffffff"
    timeout = 0
[urgency_normal]
    background = "#1a1a40"
    foreground = "#ffffff"
    timeout = 0
[urgency_critical]
    background = "#600000"
    foreground = "#ffffff"
    timeout = 0
""")
    start(["dunst", "-config", dunstrc], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    home = os.path.join(tmp, "home")
    xdg = {k: os.path.join(home, d) for k, d in (("XDG_CONFIG_HOME", "config"), ("XDG_STATE_HOME", "state"),
                                                 ("XDG_RUNTIME_DIR", "run"))}
    for d in xdg.values():
        os.makedirs(d, mode=0o700)
    env.update(xdg, HOME=home)
    os.makedirs(os.path.join(xdg["XDG_CONFIG_HOME"], "nudge"))
    with open(os.path.join(xdg["XDG_CONFIG_HOME"], "nudge", "rules.lua"), "w") as f:
        f.write('nudge.on("yearly", function()\n'
                '  nudge.notify { title = "%s", body = "%s",\n'
                '                 actions = { done = "Done", skip = "Skip" } }\n'
                'end, { id = "evening" })\n' % (TITLE, BODY))
    log = open(os.path.join(ARTIFACTS, "nudged.log"), "w")
    daemon = start([nudged], env=env, stdout=log, stderr=subprocess.STDOUT)

    def ctl(*args):
        return subprocess.run([nudgectl, *args], env=env, capture_output=True, text=True, timeout=30)

    # auto backend: libnotify once dunst owns org.freedesktop.Notifications.
    ok = wait_for(lambda: '"backend":"libnotify"' in ctl("--json", "status").stdout.replace(" ", ""))
    if not check("nudged uses libnotify with dunst on the bus", ok, ctl("--json", "status").stdout):
        return
    before = os.path.join(ARTIFACTS, "before.png")
    after = os.path.join(ARTIFACTS, "after.png")

    def shot(path):
        return subprocess.run(["import", "-display", display, "-window", "root", path],
                              capture_output=True).returncode == 0

    def settled(path):
        """A screenshot at path once two in a row are the same (drawing done), not after a
        fixed pause."""
        prev = os.path.join(tmp, "prev.png")
        if not shot(prev):
            return False

        def same():
            if not shot(path):
                return False
            p = subprocess.run(["compare", "-metric", "AE", prev, path, os.devnull],
                               capture_output=True, text=True)
            shutil.copyfile(path, prev)
            return p.stderr.split()[:1] == ["0"]
        return wait_for(same, timeout=30, step=0.2)

    check("screenshot before", settled(before))
    r = ctl("fire", "evening")
    check("nudgectl fire evening", r.returncode == 0, r.stderr)

    def differs(region):
        """Pixels that differ between the screenshots, in region (x0, y0, x1, y1) or all."""
        crop = []
        if region:
            x0, y0, x1, y1 = region
            crop = ["-crop", "%dx%d+%d+%d" % (x1 - x0, y1 - y0, x0, y0), "+repage"]
        a = os.path.join(tmp, "a.png")
        b = os.path.join(tmp, "b.png")
        subprocess.run(["convert", before, *crop, a], check=True)
        subprocess.run(["convert", after, *crop, b], check=True)
        p = subprocess.run(["compare", "-metric", "AE", a, b, os.path.join(ARTIFACTS, "diff.png")],
                           capture_output=True, text=True)
        try:
            return int(float(p.stderr.split()[0]))
        except (ValueError, IndexError):
            return -1

    # dunst draws within a moment; take screenshots until the corner changes.
    def shown():
        return shot(after) and differs(BOX) > 20000

    check("the notification appears in the top-right corner", wait_for(shown, timeout=30, step=0.3),
          "differing pixels in the corner: %d" % differs(BOX))
    settled(after)
    in_box = differs(BOX)
    total = differs(None)
    print("differing pixels: %d in the notification corner, %d on the whole screen" % (in_box, total))
    check("many pixels differ in the corner (> 60000)", in_box > 60000, str(in_box))
    check("the change is in the corner (>= 95%% of it)", total > 0 and in_box >= 0.95 * total,
          "%d of %d" % (in_box, total))
    # What dunst received and drew: the history of the server itself.
    if shutil.which("dunstctl"):
        c = subprocess.run(["dunstctl", "count", "displayed"], env=env, capture_output=True, text=True)
        check("dunst displays one notification", c.stdout.strip() == "1", c.stdout)
        # Answered, the fire is settled and leaves the screen (SPEC 2.3): nudged closes it.
        r = ctl("done", "evening")
        check("nudgectl done evening", r.returncode == 0, r.stderr)
        c = wait_for(lambda: subprocess.run(["dunstctl", "count", "displayed"], env=env,
                                            capture_output=True, text=True).stdout.strip() == "0")
        check("after Done, dunst displays no notification", c)
        # Closed notifications go to dunst's history, with what it was given to draw.
        d = subprocess.run(["dunstctl", "history"], env=env, capture_output=True, text=True)
        check("dunst shows the title", TITLE in d.stdout, d.stdout[:300])
        check("dunst shows the body", BODY in d.stdout, d.stdout[:300])
        gone = os.path.join(ARTIFACTS, "after-done.png")
        check("the screen is as before once nudged closes it",
              wait_for(lambda: shot(gone) and subprocess.run(
                  ["compare", "-metric", "AE", before, gone, "null:"],
                  capture_output=True, text=True).stderr.split()[0] == "0", timeout=5, step=0.3))
    h = ctl("--json", "history")
    check("the fire is in the history", TITLE in h.stdout, h.stdout)
    print("screenshots:", before, after, os.path.join(ARTIFACTS, "after-done.png"))


try:
    main()
finally:
    for p in reversed(procs):
        if p.poll() is None:
            p.terminate()
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                p.kill()
    shutil.rmtree(tmp, ignore_errors=True)

print("%d passed, %d failed" % (results["pass"], results["fail"]))
sys.exit(1 if results["fail"] else 0)
