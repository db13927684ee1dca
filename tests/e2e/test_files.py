#!/usr/bin/python3
"""Files and paths of a real nudged (issue 10, items 13-15).

- The state is private whatever the umask: folder 0700, nudge.db, -wal, -shm 0600 (umask 000).
  A symbolic link at nudge.db or its -wal/-shm (dangling or not) is refused in one line naming
  it, and nothing is created at its target, by the daemon and by nudged --preview. A looser
  state folder and files of ours are tightened (with a warning); a folder of someone else's is
  refused (as root: chowned to nobody).
- Rule files must be regular files: a FIFO (or a device, a folder) given as --rules is a clear
  error for --check, --preview, the daemon's start, a SIGHUP reload and a --watch reload, and
  never blocks (every command runs under a timeout, so a regression fails rather than hangs).
- Without XDG_RUNTIME_DIR the control socket is under the user's own state folder
  ($XDG_STATE_HOME/nudge/run, else ~/.local/state/nudge/run), made 0700; a run folder that is a
  link, or someone else's, is refused; a looser one of ours is tightened; nudgectl finds the same
  socket; a path over 107 bytes is a clear error in both; /tmp/nudge-<uid> is not used."""
import functools
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time

import harness
from harness import Daemon, check, results, wait_for, write

NUDGED = os.environ["NUDGED"]
NUDGECTL = os.environ["NUDGECTL"]
RULES = 'nudge.every("1s", function() nudge.notify { title = "Beat" } end, { id = "beat" })\n'
ROOT = os.geteuid() == 0


def mode(path):
    """The permission bits, or None when there is nothing there."""
    try:
        return stat.S_IMODE(os.lstat(path).st_mode)
    except FileNotFoundError:
        return None


def run(args, env, timeout=15, umask=None):
    """(rc, stdout, stderr); rc "timeout" when it did not finish in time."""
    pre = (lambda: os.umask(umask)) if umask is not None else None
    try:
        p = subprocess.run(args, env=env, capture_output=True, timeout=timeout, preexec_fn=pre)
    except subprocess.TimeoutExpired:
        return "timeout", "", ""
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


# Every daemon here runs in UTC with HOME in its own folder; nudgectl gets 15 s.
Env = functools.partial(harness.Env, rules=RULES, tz="UTC", home=True, ctl_timeout=15)


def one_line(text, *needles):
    lines = [l for l in text.splitlines() if l.strip()]
    return len(lines) == 1 and all(n in lines[0] for n in needles)


# ---- 13: the state is private, and no link is followed ----

def test_umask(tmp):
    e = Env(tmp, "umask")
    d = Daemon(e, umask=0)
    try:
        if not check("umask 000: the daemon starts", d.ready, d.stderr()):
            return
        rc, out, err = e.ctl("checkin", "--note", "private")
        check("umask 000: a check-in is logged", rc == 0, err)
        check("umask 000: the state folder is 0700", mode(e.statedir) == 0o700, oct(mode(e.statedir)))
        for sfx in ("", "-wal", "-shm"):
            p = e.db + sfx
            check("umask 000: nudge.db%s exists and is 0600" % sfx,
                  os.path.exists(p) and mode(p) == 0o600, os.path.exists(p) and oct(mode(p)))
        others = [f for f in os.listdir(e.statedir) if mode(os.path.join(e.statedir, f)) & 0o077]
        check("umask 000: nothing in the state folder is open to others", not others, others)
        check("umask 000: the runtime folder is 0700", mode(os.path.dirname(e.sock)) == 0o700)
        check("umask 000: the socket is 0600", mode(e.sock) == 0o600, oct(mode(e.sock)))
    finally:
        check("umask 000: SIGTERM exits 0", d.stop() == 0, d.stderr())
    # --preview with umask 000 creates nothing.
    rc, out, err = run([NUDGED, "--preview", "--rules", e.rules, "--state", e.statedir,
                        "--days", "1"], e.env, umask=0)
    check("umask 000: --preview runs", rc == 0, err)


def test_links(tmp):
    for sfx in ("", "-wal", "-shm"):
        for dangling in (True, False):
            name = "link%s-%s" % (sfx or "-db", "dangling" if dangling else "file")
            e = Env(tmp, name)
            os.makedirs(e.statedir, mode=0o700)
            target = os.path.join(e.root, "target")
            if not dangling:
                open(target, "w").close()
                os.chmod(target, 0o600)
            os.symlink(target, e.db + sfx)
            what = "a %s link at nudge.db%s" % ("dangling" if dangling else "", sfx)
            rc, out, err = run([NUDGED, "--rules", e.rules, "--backend", "stdout", "--state",
                                e.statedir], e.env, umask=0o022)
            check("%s: nudged exits 1 at once" % what, rc == 1, (rc, err))
            check("%s: one line naming the link" % what,
                  one_line(err, e.db + sfx, "symbolic link"), err)
            check("%s: nothing created at the target" % what,
                  (not os.path.exists(target)) if dangling else os.path.getsize(target) == 0)
            check("%s: no nudge.db made beside it" % what,
                  sfx == "" or not os.path.exists(e.db))
            rc, out, err = run([NUDGED, "--preview", "--rules", e.rules, "--state", e.statedir],
                               e.env)
            if sfx == "" or os.path.exists(e.db):
                check("%s: --preview refuses it" % what,
                      rc == 1 and e.db + sfx in err and "symbolic link" in err, (rc, err))
            check("%s: --preview creates nothing at the target" % what,
                  (not os.path.exists(target)) if dangling else os.path.getsize(target) == 0)
    # A link beside an existing database (the daemon has run before): --preview refuses too.
    e = Env(tmp, "link-beside")
    d = Daemon(e)
    check("link beside a database: the daemon starts", d.ready, d.stderr())
    d.stop()
    os.unlink(e.db + "-shm") if os.path.exists(e.db + "-shm") else None
    os.symlink(os.path.join(e.root, "shm-target"), e.db + "-shm")
    rc, out, err = run([NUDGED, "--preview", "--rules", e.rules, "--state", e.statedir], e.env)
    check("a -shm link beside nudge.db: --preview refuses it in one line",
          rc == 1 and one_line(err, e.db + "-shm", "symbolic link"), (rc, err))
    check("a -shm link: nothing at its target", not os.path.exists(os.path.join(e.root, "shm-target")))


def test_linked_parents(tmp):
    """Links above the state's own names are the user's business (a home under a linked /home,
    a state folder moved to another disk): followed."""
    e = Env(tmp, "linked-parent")
    real = os.path.join(e.root, "real")
    os.makedirs(real, mode=0o700)
    via = os.path.join(e.root, "via")
    os.symlink(real, via)
    for what, statedir in (("a linked parent folder", os.path.join(via, "st")),
                           ("a state folder that is a link to one of ours", via)):
        d = Daemon(e, "--state", statedir)
        try:
            check("%s: the daemon starts" % what, d.ready, d.stderr())
            check("%s: the database is made in the real folder" % what,
                  os.path.isfile(os.path.join(os.path.realpath(statedir), "nudge.db")))
        finally:
            d.stop()
        rc, out, err = run([NUDGED, "--preview", "--rules", e.rules, "--state", statedir], e.env)
        check("%s: --preview reads it" % what, rc == 0, (rc, err))


def test_loose(tmp):
    e = Env(tmp, "loose")
    d = Daemon(e)
    check("loose: the daemon starts", d.ready, d.stderr())
    d.stop()
    os.chmod(e.statedir, 0o755)
    os.chmod(e.db, 0o644)
    aside = e.db + ".corrupt-1"
    open(aside, "w").close()
    os.chmod(aside, 0o664)
    d = Daemon(e)
    try:
        check("loose: the daemon starts on a 0755 folder", d.ready, d.stderr())
        check("loose: the folder is tightened to 0700", mode(e.statedir) == 0o700, oct(mode(e.statedir)))
        check("loose: nudge.db is tightened to 0600", mode(e.db) == 0o600, oct(mode(e.db)))
        check("loose: a set-aside file is tightened to 0600", mode(aside) == 0o600, oct(mode(aside)))
        err = d.stderr()
        check("loose: each is said in a warning",
              "%s: the state folder was mode 0755; made it 0700" % e.statedir in err and
              "%s: was mode 0644; made it 0600" % e.db in err, err)
    finally:
        d.stop()
    if not ROOT:
        return
    # Someone else's folder (root can make one): refused, nothing changed in it.
    e = Env(tmp, "foreign")
    os.makedirs(e.statedir, mode=0o700)
    os.chown(e.statedir, 65534, 65534)
    rc, out, err = run([NUDGED, "--rules", e.rules, "--backend", "stdout"], e.env)
    check("a state folder of someone else's is refused in one line",
          rc == 1 and one_line(err, e.statedir, "belongs to uid 65534"), (rc, err))
    check("nothing is created in someone else's folder", os.listdir(e.statedir) == [])


# ---- 14: rule files are regular files ----

def test_fifo_rules(tmp):
    e = Env(tmp, "fifo")
    fifo = os.path.join(e.root, "fifo.lua")
    os.mkfifo(fifo)
    for what, args in (("--check", ["--check"]), ("--preview", ["--preview", "--state", e.statedir])):
        rc, out, err = run([NUDGED, *args, "--rules", fifo], e.env, timeout=10)
        check("a FIFO as --rules: %s exits 1 at once" % what, rc == 1, (rc, err))
        check("a FIFO as --rules: %s says so in one line" % what, one_line(err, fifo, "FIFO"), err)
    for dev in ("/dev/zero", "/dev/null"):
        rc, out, err = run([NUDGED, "--check", "--rules", dev], e.env, timeout=10)
        check("%s as --rules: refused as a device" % dev, rc == 1 and one_line(err, dev, "device"),
              (rc, err))
    rc, out, err = run([NUDGED, "--rules", fifo, "--backend", "stdout"], e.env, timeout=10)
    check("a FIFO as --rules: the daemon exits 1 at start, naming it", rc == 1 and fifo in err,
          (rc, err))
    # A FIFO in a rules folder is an error too, not left out unseen.
    folder = os.path.join(e.root, "rules.d")
    os.makedirs(folder)
    write(os.path.join(folder, "a.lua"), RULES)
    os.mkfifo(os.path.join(folder, "b.lua"))
    rc, out, err = run([NUDGED, "--check", "--rules", folder], e.env, timeout=10)
    check("a FIFO in a rules folder: --check exits 1 naming it",
          rc == 1 and os.path.join(folder, "b.lua") in err and "FIFO" in err, (rc, err))

    # Live: SIGHUP and --watch reloads over a FIFO fail, the daemon goes on.
    for how in ("SIGHUP", "--watch"):
        e2 = Env(tmp, "fifo-live-%s" % how.strip("-"))
        d = Daemon(e2, *(["--watch"] if how == "--watch" else []))
        try:
            if not check("%s: the daemon starts" % how, d.ready, d.stderr()):
                continue
            tmpfifo = e2.rules + ".fifo"
            os.mkfifo(tmpfifo)
            os.replace(tmpfifo, e2.rules)
            if how == "SIGHUP":
                d.p.send_signal(signal.SIGHUP)
            refused = wait_for(lambda: "FIFO" in d.stderr(), 10)
            check("%s over a FIFO: the reload fails, naming it" % how,
                  refused and e2.rules in d.stderr(), d.stderr()[-500:])
            t0 = time.monotonic()
            rc, out, err = e2.ctl("status", timeout=5)
            check("%s over a FIFO: status answers within a second" % how,
                  rc == 0 and time.monotonic() - t0 < 1.5, (rc, err))
            rc, out, err = e2.ctl("reload", timeout=5)
            check("%s over a FIFO: nudgectl reload fails and says why" % how,
                  rc not in (0, "timeout") and "FIFO" in out + err, (rc, out, err))
            rc, out, err = e2.ctl("fire", "beat", timeout=5)
            check("%s over a FIFO: the old rules still run" % how, rc == 0, (rc, err))
        finally:
            check("%s over a FIFO: SIGTERM exits 0" % how, d.stop() == 0, d.stderr()[-300:])


# ---- 15: the control socket without XDG_RUNTIME_DIR ----

def test_runtime_fallback(tmp):
    e = Env(tmp, "noxdg", runtime=False)
    # What another user could do to the old fallback: take /tmp/nudge-<uid> first.
    squat = "/tmp/nudge-%d" % os.getuid()
    squatted = False
    if not os.path.lexists(squat):
        try:
            with open(squat, "w") as f:
                f.write("not yours\n")
            squatted = True
        except OSError:
            pass
    try:
        d = Daemon(e)
        try:
            check("no XDG_RUNTIME_DIR: the daemon starts%s" %
                  (" with /tmp/nudge-UID taken" if squatted else ""), d.ready, d.stderr())
            check("no XDG_RUNTIME_DIR: the socket is $XDG_STATE_HOME/nudge/run/control.sock",
                  stat.S_ISSOCK(os.lstat(e.sock).st_mode) if os.path.lexists(e.sock) else False)
            check("no XDG_RUNTIME_DIR: its folder is 0700", mode(os.path.dirname(e.sock)) == 0o700)
            rc, out, err = e.ctl("status")
            check("no XDG_RUNTIME_DIR: nudgectl finds it", rc == 0, err)
        finally:
            check("no XDG_RUNTIME_DIR: SIGTERM exits 0", d.stop() == 0, d.stderr())
    finally:
        if squatted:
            os.unlink(squat)

    # Without XDG_STATE_HOME either: under HOME.
    e = Env(tmp, "nohome-xdg", runtime=False)
    e.env.pop("XDG_STATE_HOME")
    e.statedir = os.path.join(e.root, ".local", "state", "nudge")
    e.sock = os.path.join(e.statedir, "run", "control.sock")
    d = Daemon(e)
    try:
        check("no XDG_*: the socket is ~/.local/state/nudge/run/control.sock",
              d.ready and os.path.lexists(e.sock), d.stderr())
        check("no XDG_*: nudgectl finds it", e.ctl("status")[0] == 0)
    finally:
        d.stop()

    # A looser run folder of ours is tightened; a link or someone else's is refused.
    e = Env(tmp, "looserun", runtime=False)
    rundir = os.path.dirname(e.sock)
    os.makedirs(rundir)
    os.chmod(rundir, 0o777)
    d = Daemon(e)
    try:
        check("a 0777 run folder of ours: the daemon starts and makes it 0700",
              d.ready and mode(rundir) == 0o700, (d.stderr(), oct(mode(rundir))))
    finally:
        d.stop()
    e = Env(tmp, "linkrun", runtime=False)
    rundir = os.path.dirname(e.sock)
    os.makedirs(os.path.join(e.root, "elsewhere"), mode=0o700)
    os.makedirs(e.statedir, mode=0o700)
    os.symlink(os.path.join(e.root, "elsewhere"), rundir)
    rc, out, err = run([NUDGED, "--rules", e.rules, "--backend", "stdout"], e.env)
    check("a run folder that is a link: refused in one line naming it",
          rc == 1 and one_line(err, rundir, "symbolic link"), (rc, err))
    if ROOT:
        e = Env(tmp, "foreignrun", runtime=False)
        rundir = os.path.dirname(e.sock)
        os.makedirs(e.statedir, mode=0o700)
        os.makedirs(rundir, mode=0o700)
        os.chown(rundir, 65534, 65534)
        rc, out, err = run([NUDGED, "--rules", e.rules, "--backend", "stdout"], e.env)
        check("a run folder of someone else's: refused in one line naming it",
              rc == 1 and one_line(err, rundir, "belongs to uid 65534"), (rc, err))

    # Too long for sun_path: a clear error from both.
    e = Env(tmp, "long", runtime=False)
    deep = os.path.join(e.root, "x" * (120 - len(e.root)))
    os.makedirs(deep, mode=0o700)
    e.env["XDG_STATE_HOME"] = deep
    rc, out, err = run([NUDGED, "--rules", e.rules, "--backend", "stdout"], e.env)
    check("a socket path over 107 bytes: nudged exits 1 saying so",
          rc == 1 and "path too long for a Unix socket" in err and "XDG_RUNTIME_DIR" in err,
          (rc, err))
    rc, out, err = e.ctl("status")
    check("a socket path over 107 bytes: nudgectl says so in one line",
          rc not in (0, "timeout") and one_line(err, "path too long for a Unix socket"), (rc, err))


def main():
    t0 = time.monotonic()
    tmp = tempfile.mkdtemp(prefix="nudge-files-")
    os.chmod(tmp, 0o700)
    try:
        for t in (test_umask, test_links, test_linked_parents, test_loose, test_fifo_rules, test_runtime_fallback):
            try:
                t(tmp)
            except Exception as ex:  # one group's crash must not hide the others
                import traceback
                traceback.print_exc()
                check("%s raised %s: %s" % (t.__name__, type(ex).__name__, ex), False)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("(%.1f s)" % (time.monotonic() - t0))
    print("%d passed, %d failed" % (results["pass"], results["fail"]))
    sys.exit(1 if results["fail"] else 0)


if __name__ == "__main__":
    main()
