"""What the desktop tests (test_desktop, test_desktop_discreet) share: a virtual X screen
(Xvfb), dunst on it with a large, readable style, screenshots and their comparison, and the
processes they start, ended in teardown. They run under dbus-run-session, so dunst and nudged
meet on a private session bus; screenshots go to $NUDGE_ARTIFACTS (default: a temp folder)."""
import os
import shutil
import subprocess
import sys
import tempfile

from harness import check
from harness import wait_for as harness_wait_for

W, H = 1280, 800
# dunst draws at the top right: this box holds the notification.
BOX = (W - 1000, 0, W, 420)  # x0, y0, x1, y1

# Large text and a thick frame, so a bubble changes many pixels; timeout 0 keeps it on the
# screen until it is closed.
DUNSTRC = """[global]
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
"""
URGENCY = """[urgency_{0}]
    background = "{1}"
    foreground = "#ffffff"
    timeout = 0
"""


def wait_for(pred, timeout=15.0, step=0.1):
    # A desktop draws slower than a socket answers: longer defaults than harness's.
    return harness_wait_for(pred, timeout, step)


def skip(why):
    print("SKIP:", why)
    sys.exit(77)  # ctest reports it as skipped (SKIP_RETURN_CODE), never as passed


class Desktop:
    """One test's desktop. name makes the temp folders' prefixes (nudge-NAME-, nudge-NAME-run-);
    tools are what the test needs beside Xvfb, dunst and ImageMagick (skipped without them).
    Call xvfb() then dunst(); env is the environment for what runs on the screen."""

    def __init__(self, name, tools=()):
        for tool in ("Xvfb", "dunst", "import", "compare", "convert", *tools):
            if not shutil.which(tool):
                skip("%s is not installed (scripts/deps --test installs xvfb, dunst, imagemagick)" % tool)
        if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
            skip("no private session bus: run under dbus-run-session")
        self.artifacts = os.environ.get("NUDGE_ARTIFACTS") or tempfile.mkdtemp(prefix="nudge-%s-" % name)
        os.makedirs(self.artifacts, exist_ok=True)
        self.tmp = tempfile.mkdtemp(prefix="nudge-%s-run-" % name)
        self.procs = []
        self.display = None
        self.env = None

    def start(self, argv, **kw):
        """Popen, remembered so that close() ends it."""
        p = subprocess.Popen(argv, **kw)
        self.procs.append(p)
        return p

    def xvfb(self):
        # The X server picks a free display and tells us which.
        rfd, wfd = os.pipe()
        self.start(["Xvfb", "-displayfd", str(wfd), "-screen", "0", "%dx%dx24" % (W, H), "-nolisten", "tcp"],
                   pass_fds=(wfd,), stderr=subprocess.DEVNULL)
        os.close(wfd)
        with os.fdopen(rfd) as f:
            self.display = ":" + f.readline().strip()
        check("Xvfb started", self.display != ":")
        self.env = dict(os.environ, DISPLAY=self.display)
        # Not the session's journal, systemd or Wayland: only this X screen.
        for k in ("JOURNAL_STREAM", "NOTIFY_SOCKET", "WAYLAND_DISPLAY"):
            self.env.pop(k, None)

    def dunst(self, dmenu=None, critical=True):
        """dunst with DUNSTRC; dmenu is the program its context menu runs, critical=False
        leaves critical notifications to dunst's own style."""
        text = DUNSTRC + ("    dmenu = %s\n" % dmenu if dmenu else "")
        text += URGENCY.format("low", "#1a1a40") + URGENCY.format("normal", "#1a1a40")
        if critical:
            text += URGENCY.format("critical", "#600000")
        dunstrc = os.path.join(self.tmp, "dunstrc")
        with open(dunstrc, "w") as f:
            f.write(text)
        self.start(["dunst", "-config", dunstrc], env=self.env, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)

    def home(self):
        """A private HOME and XDG folders in env, for nudged and nudgectl; returns the XDG ones."""
        home = os.path.join(self.tmp, "home")
        xdg = {k: os.path.join(home, d) for k, d in (("XDG_CONFIG_HOME", "config"), ("XDG_STATE_HOME", "state"),
                                                     ("XDG_RUNTIME_DIR", "run"))}
        for d in xdg.values():
            os.makedirs(d, mode=0o700)
        self.env.update(xdg, HOME=home)
        return xdg

    def shot(self, path):
        return subprocess.run(["import", "-display", self.display, "-window", "root", path],
                              capture_output=True).returncode == 0

    def differs(self, a_path, b_path, region=BOX, diff=os.devnull):
        """Pixels that differ between two screenshots, in region (x0, y0, x1, y1) or, with
        None, anywhere; -1 if compare says no number. diff gets the picture of them."""
        crop = []
        if region:
            x0, y0, x1, y1 = region
            crop = ["-crop", "%dx%d+%d+%d" % (x1 - x0, y1 - y0, x0, y0), "+repage"]
        a = os.path.join(self.tmp, "a.png")
        b = os.path.join(self.tmp, "b.png")
        subprocess.run(["convert", a_path, *crop, a], check=True)
        subprocess.run(["convert", b_path, *crop, b], check=True)
        p = subprocess.run(["compare", "-metric", "AE", a, b, diff], capture_output=True, text=True)
        try:
            return int(float(p.stderr.split()[0]))
        except (ValueError, IndexError):
            return -1

    def settled(self, path, unlike=None):
        """A screenshot at path once two in a row are the same (drawing done), not after a
        fixed pause, and, with unlike, once it differs from that picture in the corner."""
        prev = os.path.join(self.tmp, "prev.png")
        if not self.shot(prev):
            return False

        def same():
            if not self.shot(path):
                return False
            d = self.differs(prev, path, None)
            shutil.copyfile(path, prev)
            return d == 0 and (unlike is None or self.differs(unlike, path) > 5000)
        return wait_for(same, timeout=30, step=0.2)

    def displayed(self):
        """How many notifications dunst has on the screen, as dunstctl prints it."""
        return subprocess.run(["dunstctl", "count", "displayed"], env=self.env, capture_output=True,
                              text=True).stdout.strip()

    def close(self):
        """Ends what start() started, last first, and removes the run folder."""
        for p in reversed(self.procs):
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def run(self, main):
        try:
            main()
        finally:
            self.close()
