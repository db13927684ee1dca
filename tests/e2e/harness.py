"""What every end-to-end test here shares: counting checks, waiting for a condition, replacing
a file in one step (so a watching daemon never reads half of it), private XDG folders (Env) and
a nudged on the stdout backend over them (Daemon)."""
import json
import os
import signal
import sqlite3
import subprocess
import threading
import time

results = {"pass": 0, "fail": 0}
_lock = threading.Lock()  # test_state runs its groups on two threads


def check(what, cond, detail=""):
    """Counts one check; prints what failed (with detail, when given). Returns cond."""
    with _lock:
        if cond:
            results["pass"] += 1
        else:
            results["fail"] += 1
            print("FAIL:", what, ("(%s)" % (detail,)) if detail != "" else "", flush=True)
    return cond


def wait_for(pred, timeout=10.0, step=0.05):
    """pred()'s first true value within timeout seconds, else its last value."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = pred()
        if v:
            return v
        time.sleep(step)
    return pred()


def rss_kib(pid):
    """The resident memory of a process (VmRSS), in KiB; 0 once it is gone."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def write(path, text):
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.replace(path + ".tmp", path)


NUDGED = os.environ.get("NUDGED", "build/nudged")
NUDGECTL = os.environ.get("NUDGECTL", "build/nudgectl")


class Env:
    """Private folders for one daemon and the nudgectl runs that talk to it: root/run (the
    XDG_RUNTIME_DIR, unless runtime=False: then the socket falls back under the state folder),
    root/state, root/config with rules.lua holding `rules`. root is tmp/name, or tmp itself.
    tz sets TZ; home sets HOME to root. ctl_timeout is nudgectl's default time limit."""

    def __init__(self, tmp, name="", rules="", tz=None, runtime=True, home=False, ctl_timeout=60):
        self.root = os.path.join(tmp, name) if name else tmp
        self.runtime = os.path.join(self.root, "run") if runtime else None
        self.state = os.path.join(self.root, "state")
        self.config = os.path.join(self.root, "config")
        for d in (self.root, self.runtime, self.state, self.config):
            if d:
                os.makedirs(d, mode=0o700, exist_ok=True)
        self.rules = os.path.join(self.config, "rules.lua")
        write(self.rules, rules)
        self.statedir = os.path.join(self.state, "nudge")
        self.db = os.path.join(self.statedir, "nudge.db")
        self.env = dict(os.environ, XDG_STATE_HOME=self.state, XDG_CONFIG_HOME=self.config)
        for k in ("JOURNAL_STREAM", "NOTIFY_SOCKET", "XDG_RUNTIME_DIR"):
            self.env.pop(k, None)
        if runtime:
            self.env["XDG_RUNTIME_DIR"] = self.runtime
            self.sock = os.path.join(self.runtime, "nudge", "control.sock")
        else:
            self.sock = os.path.join(self.statedir, "run", "control.sock")
        if tz:
            self.env["TZ"] = tz
        if home:
            self.env["HOME"] = self.root
        self.ctl_timeout = ctl_timeout

    def set_rules(self, text):
        write(self.rules, text)

    def ctl(self, *args, timeout=None, binary=False):
        """(rc, stdout, stderr) of nudgectl; stdout as bytes when binary. rc is "timeout" when
        it did not finish in time."""
        try:
            p = subprocess.run([NUDGECTL, *args], env=self.env, capture_output=True,
                               timeout=timeout or self.ctl_timeout)
        except subprocess.TimeoutExpired:
            return "timeout", b"" if binary else "", ""
        out = p.stdout if binary else p.stdout.decode(errors="replace")
        return p.returncode, out, p.stderr.decode(errors="replace")

    def ctl_json(self, *args, timeout=None):
        """(rc, the parsed reply or None, stdout, stderr) of nudgectl --json."""
        rc, out, err = self.ctl("--json", *args, timeout=timeout)
        try:
            return rc, json.loads(out) if out.strip() else None, out, err
        except ValueError:
            return rc, None, out, err

    def query(self, sql, args=()):
        """Rows from nudge.db, opened read-only."""
        con = sqlite3.connect("file:%s?mode=ro" % self.db, uri=True, timeout=5)
        try:
            return con.execute(sql, args).fetchall()
        finally:
            con.close()

    def history(self, n=1000):
        rc, r, _, _ = self.ctl_json("history", "-n", str(n))
        return r["entries"] if rc == 0 and r and r.get("ok") else None


class Daemon:
    """nudged --rules (env.rules, or rules) --backend stdout *args over env's folders, its
    stdout and stderr in env.root/outN and errN. With wait, self.ready says whether it came up
    and answers nudgectl status (within 30 s). extra_env adds to env.env for this daemon only;
    umask is the daemon's; popen goes to subprocess.Popen."""

    def __init__(self, env, *args, rules=None, wait=True, nudged=None, extra_env=None,
                 umask=None, **popen):
        self.e = env
        n = len([f for f in os.listdir(env.root) if f.startswith("out")])
        self.out = os.path.join(env.root, "out%d" % n)
        self.err = os.path.join(env.root, "err%d" % n)
        if umask is not None:
            popen["preexec_fn"] = lambda: os.umask(umask)
        self.started = time.time()
        with open(self.out, "w") as out, open(self.err, "w") as err:
            self.p = subprocess.Popen([nudged or NUDGED, "--rules", rules or env.rules,
                                       "--backend", "stdout", *args], stdout=out, stderr=err,
                                      env=dict(env.env, **(extra_env or {})), **popen)
        self.seen = {}  # (index, stdout line) -> when this test first saw it
        self.ready = self.wait_ready() if wait else None
        self.ready_at = time.time()  # the daemon loaded between self.started and this

    def wait_ready(self, timeout=30):
        """Whether the daemon runs and answers nudgectl status (waits until either is known)."""
        up = wait_for(lambda: self.p.poll() is not None or
                      os.path.exists(self.e.sock) and self.e.ctl("status")[0] == 0, timeout)
        return bool(up) and self.p.poll() is None

    def stdout(self):
        with open(self.out, errors="replace") as f:
            return f.read()

    def stderr(self):
        with open(self.err, errors="replace") as f:
            return f.read()

    def lines(self, needle):
        """The stdout lines that contain needle."""
        return [l for l in self.stdout().splitlines() if needle in l]

    def shown(self, tag):
        """Notification lines of reminder `tag`, as when each was first seen."""
        now = time.time()
        got = []
        for i, l in enumerate(self.stdout().splitlines()):
            if "[%s]:" % tag in l:
                got.append(self.seen.setdefault((i, l), now))
        return got

    def wait_shown(self, tag, n, timeout=30):
        wait_for(lambda: len(self.shown(tag)) >= n, timeout, 0.02)
        return self.shown(tag)

    def stop(self, timeout=15):
        """SIGTERM, then the exit status; None if it had to be killed."""
        if self.p.poll() is not None:
            return self.p.returncode
        self.p.send_signal(signal.SIGTERM)
        try:
            return self.p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill9()
            return None

    def kill9(self):
        self.p.kill()
        self.p.wait()


NOTIFY_BUS = "org.freedesktop.Notifications"
NOTIFY_PATH = "/org/freedesktop/Notifications"


def start_mock_notifications():
    """python-dbusmock's notification server on the session bus (the test runs under its own
    dbus-run-session). Returns the process and its Mock interface, which records each call."""
    import subprocess
    import sys
    import dbus
    p = subprocess.Popen([sys.executable, "-m", "dbusmock", "--template", "notification_daemon",
                          "-p", '{"capabilities": "body actions persistence"}'],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    bus = dbus.SessionBus()
    if not wait_for(lambda: bus.name_has_owner(NOTIFY_BUS)):
        raise SystemExit("the mock notification server did not start")
    return p, dbus.Interface(bus.get_object(NOTIFY_BUS, NOTIFY_PATH), "org.freedesktop.DBus.Mock")
