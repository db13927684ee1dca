#!/usr/bin/env python3
"""nudgectl sync [--login] and the sync line of nudgectl status, against a small fake daemon on
the control socket that answers with canned replies and keeps the requests it got: the one line
of a sync that worked, a failed one (exit 1), --json, a daemon error, --login with the password
on stdin (no prompt), from a terminal (a pty: the prompt, no echo), empty or too long (refused,
nothing sent), without a sync or a user configured; and each status line (idle, never synced,
running, offline, failed, wrong or missing password, none). The real sync end to end is
tests/e2e's. NUDGECTL: the client. With --terminal the pty part runs too (a ctest entry of its
own, skipped where the machine has no pseudo-terminals)."""
import json
import os
import pty
import select
import socket
import subprocess
import sys
import tempfile
import threading
import time

TERMINAL = "--terminal" in sys.argv[1:]

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
from harness import check, results  # noqa: E402

NUDGECTL = os.environ.get("NUDGECTL", "build/nudgectl")
URL = "https://dav.example.org/anna/tasks/"
NOW = int(time.time())


def sync_obj(**kw):
    s = {"url": URL, "user": "anna", "every": 900, "days": 14, "state": "idle",
         "password": "secret-service",
         "last": {"at": NOW - 60, "ok": True, "took_ms": 400, "sent": 3, "removed": 1,
                  "received": 2, "unchanged": 40, "error": None},
         "last_error": None, "next": NOW + 840}
    s.update(kw)
    return s


def status_reply(sync):
    return {"ok": True, "pid": 1, "uptime": 60, "rules": ["/x/rules.lua"], "reminders": 3,
            "backend": "stdout", "state": "running", "last_reload": {"at": NOW - 60, "ok": True},
            "pause": None, "sync": sync}


class Fake:
    """The control socket: each connection one request line, one reply from replies[cmd]."""

    def __init__(self, path):
        self.requests, self.replies = [], {}
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(path)
        os.chmod(path, 0o600)
        self.sock.listen(8)
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                buf = b""
                while not buf.endswith(b"\n"):
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    buf += chunk
                if not buf:
                    continue
                req = json.loads(buf)
                self.requests.append(req)
                reply = self.replies.get(req.get("cmd"), {"ok": False, "error": "unknown command"})
                conn.sendall(json.dumps(reply).encode() + b"\n")


def ctl(env, *args, stdin=""):
    p = subprocess.run([NUDGECTL, *args], env=env, input=stdin, capture_output=True, text=True,
                       timeout=60)
    return p.returncode, p.stdout, p.stderr


def clock(t):
    """As nudgectl shows a time: HH:MM today, else with the day."""
    lt, ln = time.localtime(t), time.localtime(NOW)
    if (lt.tm_year, lt.tm_yday) == (ln.tm_year, ln.tm_yday):
        return time.strftime("%H:%M", lt)
    return None


def status_sync_line(env):
    rc, out, err = ctl(env, "status")
    rows = [l.split(None, 1) for l in out.splitlines()]
    got = [r[1] for r in rows if r and r[0] == "sync"]
    return rc, got


def main():
    with tempfile.TemporaryDirectory(prefix="nudge-ctl-sync-") as tmp:
        os.mkdir(os.path.join(tmp, "nudge"), 0o700)
        fake = Fake(os.path.join(tmp, "nudge", "control.sock"))
        env = dict(os.environ, XDG_RUNTIME_DIR=tmp, TZ=os.environ.get("TZ", "Europe/Berlin"))

        # --- nudgectl sync
        fake.replies["sync"] = {"ok": True, "sync": sync_obj()}
        rc, out, err = ctl(env, "sync")
        check("sync: exit 0", rc == 0, (rc, err))
        check("sync: its one line",
              out == "synced %s: 3 sent, 1 removed, 2 answers received, 40 unchanged (0.4 s)\n" % URL, out)
        check("sync: the request", fake.requests[-1] == {"cmd": "sync"}, fake.requests[-1])
        one = sync_obj()
        one["last"].update(received=1, took_ms=1234)
        fake.replies["sync"] = {"ok": True, "sync": one}
        rc, out, err = ctl(env, "sync")
        check("sync: one answer", out.endswith(": 3 sent, 1 removed, 1 answer received, 40 unchanged (1.2 s)\n"), out)

        failed = sync_obj(state="offline",
                          last={"at": NOW, "ok": False, "took_ms": 10, "sent": 0, "removed": 0,
                                "received": 0, "unchanged": 0, "error": "server unreachable"},
                          last_error={"at": NOW, "message": "server unreachable"})
        fake.replies["sync"] = {"ok": True, "sync": failed}
        rc, out, err = ctl(env, "sync")
        check("a failed sync: exit 1", rc == 1, rc)
        check("a failed sync: why, on stderr", out == "" and err == "nudgectl: sync failed: server unreachable\n",
              (out, err))
        rc, out, err = ctl(env, "--json", "sync")
        check("--json: the reply as is, exit 1 when it failed",
              rc == 1 and json.loads(out) == fake.replies["sync"], (rc, out))
        fake.replies["sync"] = {"ok": True, "sync": sync_obj()}
        rc, out, err = ctl(env, "sync", "--json")
        check("--json: exit 0 when it worked", rc == 0 and json.loads(out)["sync"]["last"]["sent"] == 3, (rc, out))

        fake.replies["sync"] = {"ok": False, "error": "sync is not configured: no nudge.config{sync} in the rules"}
        rc, out, err = ctl(env, "sync")
        check("not configured: the daemon's words, exit 1",
              rc == 1 and err == "nudgectl: sync is not configured: no nudge.config{sync} in the rules\n", (rc, err))
        rc, out, err = ctl(env, "sync", "extra")
        check("sync takes no argument", rc == 2 and "unexpected argument" in err, (rc, err))

        # --- --login, the password on stdin
        fake.replies["sync"] = {"ok": True, "sync": sync_obj()}
        fake.replies["status"] = status_reply(sync_obj())
        n = len(fake.requests)
        rc, out, err = ctl(env, "sync", "--login", stdin="a quiet evening\n")
        check("--login: exit 0", rc == 0, (rc, err))
        check("--login: no prompt when stdin is no terminal", err == "", err)
        check("--login: status first, then sync with the password",
              fake.requests[n:] == [{"cmd": "status"}, {"cmd": "sync", "login": "a quiet evening"}],
              fake.requests[n:])
        check("--login: the sync's line", out.startswith("synced %s: 3 sent" % URL), out)
        n = len(fake.requests)
        rc, out, err = ctl(env, "sync", "--login", stdin="pässwort mit ümlaut\r\n")
        check("--login: a CRLF line, UTF-8 kept",
              rc == 0 and fake.requests[-1].get("login") == "pässwort mit ümlaut", fake.requests[n:])
        for what, text in (("an empty line", "\n"), ("no line at all", "")):
            n = len(fake.requests)
            rc, out, err = ctl(env, "sync", "--login", stdin=text)
            check("--login: %s is refused" % what,
                  rc == 2 and "no password given: nothing was sent" in err, (rc, err))
            check("--login: %s sends no sync" % what,
                  all(r.get("cmd") != "sync" for r in fake.requests[n:]), fake.requests[n:])
        n = len(fake.requests)
        rc, out, err = ctl(env, "sync", "--login", stdin="x" * 1025 + "\n")
        check("--login: a password over 1024 bytes is refused",
              rc == 2 and "--login must be a non-empty string of at most 1024 bytes" in err, (rc, err))
        check("--login: ... and not sent", all(r.get("cmd") != "sync" for r in fake.requests[n:]))
        rc, out, err = ctl(env, "sync", "--login", stdin="x" * 1024 + "\n")
        check("--login: 1024 bytes are fine", rc == 0 and len(fake.requests[-1]["login"]) == 1024, (rc, err))

        fake.replies["status"] = status_reply(None)
        n = len(fake.requests)
        rc, out, err = ctl(env, "sync", "--login", stdin="pw\n")
        check("--login without a sync configured: exit 1, said",
              rc == 1 and err.startswith("nudgectl: sync is not configured"), (rc, err))
        check("--login without a sync: nothing sent", fake.requests[n:] == [{"cmd": "status"}], fake.requests[n:])
        fake.replies["status"] = status_reply(sync_obj(user=None))
        rc, out, err = ctl(env, "sync", "--login", stdin="pw\n")
        check("--login without a user: exit 1, said", rc == 1 and "has no user, so no password" in err, (rc, err))

        # --- --login from a terminal: the prompt, and no echo of what is typed
        fake.replies["status"] = status_reply(sync_obj())
        if TERMINAL:
            master, slave = pty.openpty()
            p = subprocess.Popen([NUDGECTL, "sync", "--login"], env=env, stdin=slave, stdout=subprocess.PIPE,
                                 stderr=slave, text=True)
            os.close(slave)
            seen = b""
            prompt = ("CalDAV password for anna at %s: " % URL).encode()
            end = time.monotonic() + 20
            while prompt not in seen and time.monotonic() < end:
                r, _, _ = select.select([master], [], [], 0.5)
                if r:
                    seen += os.read(master, 4096)
            check("terminal: the prompt names the user and the URL", prompt in seen, seen)
            os.write(master, b"typed secret\n")
            out, _ = p.communicate(timeout=30)
            while True:
                r, _, _ = select.select([master], [], [], 0.2)
                if not r:
                    break
                try:
                    chunk = os.read(master, 4096)
                except OSError:
                    break
                if not chunk:
                    break
                seen += chunk
            os.close(master)
            check("terminal: the password is sent", fake.requests[-1] == {"cmd": "sync", "login": "typed secret"},
                  fake.requests[-1])
            check("terminal: the password is not echoed", b"typed secret" not in seen, seen)
            check("terminal: the sync's line", p.returncode == 0 and out.startswith("synced "), (p.returncode, out))

        # --- the status line
        last_at, next_at = clock(NOW - 60), clock(NOW + 840)
        fake.replies["status"] = status_reply(sync_obj())
        rc, got = status_sync_line(env)
        if last_at and next_at:
            check("status: the last sync and the next",
                  got == ["%s as anna: last %s (3 sent, 1 removed, 2 received), next %s" % (URL, last_at, next_at)],
                  got)
        fake.replies["status"] = status_reply(sync_obj(user=None, last=None))
        rc, got = status_sync_line(env)
        if next_at:
            check("status: no user, never synced", got == ["%s: not synced yet, next %s" % (URL, next_at)], got)
        fake.replies["status"] = status_reply(sync_obj(state="running", next=None))
        rc, got = status_sync_line(env)
        check("status: running", got == ["%s as anna: running now" % URL], got)
        err_at = clock(NOW - 30)
        fake.replies["status"] = status_reply(sync_obj(state="offline",
                                                       last_error={"at": NOW - 30, "message": "server unreachable"}))
        rc, got = status_sync_line(env)
        if err_at and next_at:
            check("status: offline", got == ["offline since %s (server unreachable), retrying %s" % (err_at, next_at)],
                  got)
        fake.replies["status"] = status_reply(sync_obj(state="error",
                                                       last_error={"at": NOW - 30, "message": "HTTP 500 from the server"}))
        rc, got = status_sync_line(env)
        if err_at and next_at:
            check("status: failed", got == ["failed at %s (HTTP 500 from the server), next %s" % (err_at, next_at)], got)
        fake.replies["status"] = status_reply(sync_obj(state="auth", password="file"))
        rc, got = status_sync_line(env)
        check("status: wrong password", got == ["wrong password: run nudgectl sync --login"], got)
        fake.replies["status"] = status_reply(sync_obj(state="auth", password=None))
        rc, got = status_sync_line(env)
        check("status: no password", got == ["no password: run nudgectl sync --login"], got)
        # The daemon's own words when it has them (a file's mode, a 403).
        why = "caldav-password: mode 0644, must be 0600 (chmod 600 it)"
        fake.replies["status"] = status_reply(sync_obj(state="auth", password=None,
                                                       last_error={"at": NOW - 30, "message": why}))
        rc, got = status_sync_line(env)
        check("status: the reason the password was refused", got == [why + ": run nudgectl sync --login"], got)
        fake.replies["status"] = status_reply(None)
        rc, got = status_sync_line(env)
        check("status: no sync configured, no sync line", rc == 0 and got == [], (rc, got))
        fake.sock.close()


if __name__ == "__main__":
    if TERMINAL:
        # A root without pseudo-terminals (a bare chroot, some containers) cannot run this part:
        # reported to ctest as skipped (77), never as passed.
        try:
            a, b = pty.openpty()
            os.close(a), os.close(b)
        except OSError as e:
            print("SKIP: no pseudo-terminal for the --login prompt check (%s)" % e)
            sys.exit(77)
    try:
        main()
    finally:
        print("%d passed, %d failed" % (results["pass"], results["fail"]))
    sys.exit(1 if results["fail"] or not results["pass"] else 0)
