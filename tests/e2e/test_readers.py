#!/usr/bin/python3
"""Readers beside a live nudged never cost an acknowledged answer (SPEC 5).

POSIX locks belong to a process: if the daemon ever opened nudge.db a second time (a preview's
private connection, an open() to probe it) and closed it, its locks were gone, the next reader
to close deleted nudge.db-wal/-shm under it, and every answer acknowledged after that was lost
on kill -9. Here a real daemon logs answers of every kind (check-ins, promises added and kept,
done on a fired reminder) with readers of every kind between them (nudgectl preview, nudgectl
export --ics, nudged --preview --state on the same folder, the sqlite3 shell, python's sqlite3
read-write as any script would), then is killed with SIGKILL; every acknowledged answer must be
in the file. Also: the daemon still holds its lock on nudge.db after all that (/proc/locks), its
fd count does not grow per preview, and nudged --preview changes neither the database nor the
WAL of a running daemon."""
import hashlib
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

from harness import Daemon, Env, check, results, wait_for

NUDGED = os.environ["NUDGED"]
NUDGECTL = os.environ["NUDGECTL"]
SQLITE3 = shutil.which("sqlite3")

RULES = 'nudge.every("1h", function() nudge.notify { title = "Tick" } end, { id = "t" })\n'


def fds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def holds_lock(pid, path):
    """Whether pid holds a POSIX lock on path's inode (/proc/locks)."""
    st = os.stat(path)
    key = ":%d " % st.st_ino
    with open("/proc/locks") as f:
        return any(l.split()[4] == str(pid) and key in l + " " for l in f if "POSIX" in l)


def digest(path):
    try:
        with open(path, "rb") as f:
            return hashlib.sha256(f.read()).hexdigest()
    except FileNotFoundError:
        return None


def main():
    tmp = tempfile.mkdtemp(prefix="nudge-readers-")
    e = Env(tmp, rules=RULES, tz="UTC")
    d = Daemon(e)
    try:
        if not check("the daemon starts", d.ready):
            return

        def r_preview():
            rc, r, *raw = e.ctl_json("preview", "--days", "2")
            return rc == 0, raw

        def r_export():
            p = subprocess.run([NUDGECTL, "export", "--ics", "--days", "2"], env=e.env,
                               capture_output=True, timeout=60)
            return p.returncode == 0 and b"BEGIN:VCALENDAR" in p.stdout, p.stderr

        def r_nudged_preview():
            before = (digest(e.db), digest(e.db + "-wal"))
            p = subprocess.run([NUDGED, "--preview", "--days", "2", "--rules", e.rules,
                                "--state", e.statedir], env=e.env, capture_output=True,
                               timeout=60)
            after = (digest(e.db), digest(e.db + "-wal"))
            # Out of process it may lock and read, never checkpoint or change a byte.
            return p.returncode == 0 and before == after, (p.stderr, before, after)

        def r_sqlite3_shell():
            if not SQLITE3:
                return True, "no sqlite3 shell"
            p = subprocess.run([SQLITE3, e.db, "select count(*) from checkins"],
                               capture_output=True, timeout=60)
            return p.returncode == 0, p.stderr

        def r_python():
            # Read-write, as any script would open it; its close may checkpoint (legal), and
            # would delete the WAL if it thought itself the last connection.
            con = sqlite3.connect(e.db, timeout=10)
            try:
                n = con.execute("select count(*) from answers").fetchone()[0]
            finally:
                con.close()
            return n >= 0, ""

        readers = [("nudgectl preview", r_preview), ("nudgectl export --ics", r_export),
                   ("nudged --preview --state", r_nudged_preview),
                   ("sqlite3 shell", r_sqlite3_shell), ("python sqlite3", r_python)]
        reader_fail = []

        def read_all(tag):
            for name, fn in readers:
                ok, detail = fn()
                if not ok:
                    reader_fail.append((tag, name, detail))

        acked = {"checkins": [], "promises": [], "kept": [], "done": []}
        ack_fail = []
        for i in range(6):
            rc, r, *raw = e.ctl_json("checkin", "--note", "note %d" % i)
            if rc == 0 and r and "id" in r:
                acked["checkins"].append(r["id"])
            else:
                ack_fail.append(("checkin", i, raw))
            read_all("after checkin %d" % i)
            rc, r, *raw = e.ctl_json("promise", "add", "promise %d" % i, "--due", "2030-01-01 10:00")
            pid = r.get("id") if rc == 0 and r else None
            if pid is not None:
                acked["promises"].append(pid)
            else:
                ack_fail.append(("promise add", i, raw))
            read_all("after promise add %d" % i)
            if pid is not None:
                rc, r, *raw = e.ctl_json("promise", "kept", str(pid))
                if rc == 0:
                    acked["kept"].append(pid)
                else:
                    ack_fail.append(("promise kept", i, raw))
            read_all("after promise kept %d" % i)
            rc, r, *raw = e.ctl_json("fire", "t")
            rc, r, *raw = e.ctl_json("done", "t")
            if rc == 0 and r and "fire" in r:
                acked["done"].append(r["fire"]["id"])
            else:
                ack_fail.append(("done", i, raw))
            read_all("after done %d" % i)
        check("every answer acknowledged", not ack_fail, ack_fail)
        check("every reader ran", not reader_fail, reader_fail)

        check("the daemon still holds its lock on nudge.db after the readers",
              holds_lock(d.p.pid, e.db), open("/proc/locks").read())
        check("nudge.db-wal is still there", os.path.exists(e.db + "-wal"))

        # Previews cost no descriptor: the first may settle lazily opened files.
        r_preview()
        r_export()
        n0 = fds(d.p.pid)
        for _ in range(20):
            r_preview()
            r_export()
        # The last client's connection closes when the daemon reads its end, a moment after the
        # reply: wait for that, a leak never settles.
        wait_for(lambda: fds(d.p.pid) <= n0, timeout=10)
        n1 = fds(d.p.pid)
        check("20 previews and exports leak no fd (%d -> %d)" % (n0, n1), n1 <= n0)
        links = [os.readlink("/proc/%d/fd/%s" % (d.p.pid, f)) for f in os.listdir("/proc/%d/fd" % d.p.pid)]
        n_db = sum(1 for l in links if l == os.path.realpath(e.db))
        check("the daemon has nudge.db open once", n_db == 1, links)

        # A rule file that is the database (a link to it) is refused without being opened:
        # reading it would have dropped the daemon's locks like any other open and close.
        os.replace(e.rules, e.rules + ".good")
        os.symlink(e.db, e.rules)
        rc, r, out, err = e.ctl_json("reload")
        raw = out + err
        check("a reload of a rule file that is nudge.db is refused, naming it",
              rc != 0 and "is nudge's state database" in raw, raw)
        check("the daemon still holds its lock after that reload", holds_lock(d.p.pid, e.db))
        os.replace(e.rules + ".good", e.rules)

        # One more of each kind right before the kill, after the last answer.
        rc, r, *raw = e.ctl_json("checkin", "--note", "last")
        if check("the last checkin is acknowledged", rc == 0 and r and "id" in r, raw):
            acked["checkins"].append(r["id"])
        read_all("after the last checkin")
        d.p.send_signal(signal.SIGKILL)
        d.p.wait(timeout=10)

        con = sqlite3.connect("file:%s?mode=ro" % e.db, uri=True, timeout=10)
        try:
            checkins = {x[0] for x in con.execute("select id from checkins")}
            promises = dict(con.execute("select id, state from promises").fetchall())
            dones = {x[0] for x in con.execute("select fire from answers where answer = 'done'")}
        finally:
            con.close()
        lost = [("checkin", x) for x in acked["checkins"] if x not in checkins]
        lost += [("promise", x) for x in acked["promises"] if x not in promises]
        lost += [("kept", x) for x in acked["kept"] if promises.get(x) != "kept"]
        lost += [("done", x) for x in acked["done"] if x not in dones]
        total = sum(len(v) for v in acked.values())
        check("all %d acknowledged answers are on disk after kill -9" % total,
              not lost and total == 25, lost)
    finally:
        if d.p.poll() is None:
            d.p.kill()
            d.p.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    t0 = time.monotonic()
    try:
        main()
    except Exception as ex:
        import traceback
        traceback.print_exc()
        check("raised %s: %s" % (type(ex).__name__, ex), False)
    print("(%.1f s)" % (time.monotonic() - t0))
    print("%d passed, %d failed" % (results["pass"], results["fail"]))
    sys.exit(1 if results["fail"] else 0)
