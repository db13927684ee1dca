#!/usr/bin/python3
"""The state database of a real nudged (stdout backend), checked through `nudgectl --json
history` and by reading nudge.db directly (read-only, with python's sqlite3).

Every daemon gets its own XDG_RUNTIME_DIR, XDG_STATE_HOME and XDG_CONFIG_HOME. Covered: fires
and answers (done/skip/snooze answer the last notification, and are in the database when
nudgectl returns), kill -9 right after an answer (20 times), unanswered fires expiring,
snoozes (also across a restart and a reload), catch-up and late_cancel, fired one-shots, the
nudge.store values across a reload and a restart, a corrupt database set aside, an unreadable
state folder, --preview --state reading but never writing, check-ins and promises. The groups
run two at a time (they mostly wait); spans are 1-4 s."""
import functools
import json
import os
import pwd
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

import harness
from harness import Daemon, check, results, wait_for

NUDGED = os.environ["NUDGED"]


# Every daemon here runs in UTC; nudgectl gets 30 s.
Env = functools.partial(harness.Env, tz="UTC", ctl_timeout=30)


def started(d, what):
    return check("%s: daemon starts" % what, d.ready, d.stderr()[-500:])


def answers_of(e, fire):
    return e.query("SELECT answer, source, at FROM answers WHERE fire = ? ORDER BY id", (fire,))


# ---- fires, answers, expiry, snooze ----

def test_fires_and_answers(tmp):
    e = Env(tmp, "answers", """
nudge.every("2s", function() nudge.notify { title = "Tea", body = "now" } end, { id = "a" })
nudge.every("1s", function() nudge.notify { title = "Unanswered" } end, { id = "u" })
nudge.after("1s", function() nudge.notify { title = "Snoozy" } end, { id = "s" })
""")
    d = Daemon(e)
    if not started(d, "answers"):
        return d.stop()
    d.wait_shown("a", 1)
    h = e.history()
    ent = [x for x in h or [] if x["reminder"] == "a"]
    check("history lists the fire of 'a'", len(ent) == 1, h)
    if ent:
        x = ent[0]
        check("history entry: kind, title, times, no answer",
              x["kind"] == "notify" and x["title"] == "Tea" and x["answer"] is None and
              isinstance(x["scheduled"], (int, float)) and x["fired"] >= x["scheduled"] - 0.01 and
              abs(x["fired"] - time.time()) < 60, x)
    rows = e.query("SELECT id, reminder, kind, scheduled, fired, title FROM fires WHERE reminder = 'a'")
    check("the fire is a row of fires", len(rows) == 1 and rows[0][1:3] == ("a", "notify") and
          rows[0][5] == "Tea", rows)
    if rows and ent:
        check("database times are microseconds, as history shows them",
              abs(rows[0][4] / 1e6 - ent[0]["fired"]) < 1e-3 and
              abs(rows[0][3] / 1e6 - ent[0]["scheduled"]) < 1e-3, (rows, ent))

    rc, r, *raw = e.ctl_json("done", "a")
    f1 = r["fire"]["id"] if rc == 0 and r and "fire" in r else None
    # Right away, before anything else: the answer is durable when nudgectl returns.
    a = answers_of(e, f1) if f1 else []
    check("done a: answered, and in the database when nudgectl returns",
          f1 == (rows[0][0] if rows else None) and [x[:2] for x in a] == [("done", "nudgectl")],
          (raw, a))

    d.wait_shown("a", 2)
    rc, r, *raw = e.ctl_json("skip", "a")
    f2 = r["fire"]["id"] if rc == 0 and r and "fire" in r else None
    a2 = answers_of(e, f2) if f2 else []
    last = e.query("SELECT max(id) FROM fires WHERE reminder = 'a'")[0][0]
    check("skip a answers the last notification of 'a'", f2 == last and f2 != f1, (raw, last))
    check("skip a is in the database", [x[:2] for x in a2] == [("skipped", "nudgectl")], a2)
    check("the first answer is untouched", [x[0] for x in answers_of(e, f1)] == ["done"])
    check("reply fire carries reminder and title",
          r and r["fire"]["reminder"] == "a" and r["fire"]["title"] == "Tea", raw)

    # 'u' fires every second and nobody answers: each earlier one is expired by the next.
    d.wait_shown("u", 3)
    rc, r, *raw = e.ctl_json("done", "u")
    fu = r["fire"]["id"] if rc == 0 and r and "fire" in r else None
    ans = answers_of(e, fu) if fu else []
    check("done u answers a fire of u", fu is not None and [x[0] for x in ans] == ["done"], (raw, ans))
    if fu:
        at = ans[0][2] if ans else 0
        later = e.query("SELECT id FROM fires WHERE reminder = 'u' AND id > ? AND fired <= ?", (fu, at))
        check("done u answered the LAST fire of u (none came between)", later == [], later)
    d.wait_shown("u", 5)
    fires = e.query("SELECT id, fired FROM fires WHERE reminder = 'u' ORDER BY id")
    bad = []
    for i, (fid, fired) in enumerate(fires):
        a = answers_of(e, fid)
        kinds = [x[0] for x in a]
        if fid == fu:
            want = ["done"]
        elif i + 1 < len(fires):
            want = ["expired"]
        else:
            want = []
        if kinds != want:
            bad.append((fid, kinds, want))
        elif want == ["expired"] and (a[0][1] != "daemon" or a[0][2] != fires[i + 1][1]):
            bad.append((fid, a, "expired by the next fire, at its time, by the daemon"))
    check("unanswered fires of u are expired when the next comes (and only then)",
          len(fires) >= 4 and not bad, bad or fires)

    # snooze: the same notification again ~2 s later, as a new fire.
    d.wait_shown("s", 1)
    t0 = time.time()
    rc, r, *raw = e.ctl_json("snooze", "s", "2s")
    t1 = time.time()
    fs = r["fire"]["id"] if rc == 0 and r and "fire" in r else None
    a = answers_of(e, fs) if fs else []
    check("snooze s: snoozed in the database when nudgectl returns",
          [x[:2] for x in a] == [("snoozed", "nudgectl")], (raw, a))
    check("snooze s: due 2 s after the answer", r and t0 + 2 <= r.get("due", 0) <= t1 + 2, raw)
    zs = e.query("SELECT reminder, fire, due FROM snoozes")
    check("the snooze is a row of snoozes", len(zs) == 1 and zs[0][:2] == ("s", fs), zs)
    got = d.wait_shown("s", 2)
    shown = wait_for(lambda: shown_at(e, "s", r.get("due") if r else None), 30)
    check("the snoozed notification shows again at its due time, never early",
          len(got) == 2 and len(shown) == 1 and shown[0][1] >= shown[0][0],
          (fires_of(e, "s"), r))
    check("same title shown again", d.stdout().count("[s]: Snoozy") == 2, d.stdout()[-400:])
    sf = wait_for(lambda: e.query("SELECT id, title, kind FROM fires WHERE reminder = 's' AND id > ?",
                                  (fs or 0,)), 30)
    check("the snoozed showing is a new fire", len(sf) == 1 and sf[0][1:] == ("Snoozy", "notify"), sf)
    check("the snooze is gone from snoozes", e.query("SELECT count(*) FROM snoozes")[0][0] == 0)
    h = e.history()
    check("history shows both fires of s, the first snoozed",
          h is not None and [x["answer"] for x in h if x["reminder"] == "s"] == [None, "snoozed"],
          [x for x in h or [] if x["reminder"] == "s"])
    # By hand: a fire now, scheduled now (not at the next planned elapse).
    t0 = time.time()
    rc, _, *raw = e.ctl_json("fire", "a")
    t1 = time.time()
    h = [x for x in e.history() or [] if x["reminder"] == "a"][:1]  # 'u' may have fired since
    check("nudgectl fire is recorded, scheduled when fired",
          rc == 0 and h and
          t0 - 0.01 <= h[0]["scheduled"] <= h[0]["fired"] <= t1 + 0.01, (raw, h, t0, t1))
    rc, r, *raw = e.ctl_json("history", "--since", "@%d" % int(time.time() + 60))
    check("history --since the future is empty", rc == 0 and r and r["entries"] == [], raw)
    h = e.history()
    check("history is newest first",
          h and [x["fire"] for x in h] == sorted((x["fire"] for x in h), reverse=True), h)
    rc, _, *raw = e.ctl_json("done", "nothing-here")
    check("done on a reminder that never showed fails with exit 1", rc == 1, raw)
    check("SIGTERM exits 0", d.stop() == 0, d.stderr()[-300:])
    check("integrity_check ok", e.query("PRAGMA integrity_check") == [("ok",)])


# ---- kill -9 right after an answer ----

def test_crash(tmp):
    e = Env(tmp, "crash", "")
    fired = []
    failures = []
    for i in range(20):
        e.set_rules('nudge.after("1s", function() nudge.notify { title = "crash %d" } end, '
                    '{ id = "c%d" })\n' % (i, i))
        d = Daemon(e)
        if not d.ready:
            failures.append((i, "did not start", d.stderr()[-200:]))
            d.kill9()
            continue
        d.wait_shown("c%d" % i, 1)
        rc, r, *raw = e.ctl_json("done", "c%d" % i)
        d.kill9()  # at once: no SIGTERM, no clean close
        if rc == 0 and r and "fire" in r:
            fired.append(r["fire"]["id"])
        else:
            failures.append((i, raw))
    check("20 runs: every done acknowledged", not failures and len(fired) == 20, failures)
    lost = []
    for fid in fired:
        a = answers_of(e, fid)
        if [x[:2] for x in a] != [("done", "nudgectl")]:
            lost.append((fid, a))
    check("every acknowledged answer survived kill -9", not lost, lost)
    check("PRAGMA integrity_check is ok after 20 kills",
          e.query("PRAGMA integrity_check") == [("ok",)])
    n = e.query("SELECT count(*) FROM fires")[0][0]
    check("20 fires recorded", n == 20, n)


# ---- snoozes across a restart and a reload ----

def fires_of(e, rid):
    return e.query("SELECT scheduled, fired FROM fires WHERE reminder = ? ORDER BY id", (rid,))


def shown_at(e, rid, due):
    """The fires of `rid` scheduled at `due` (nudgectl's "due", in seconds): a snooze shown."""
    us = round((due or 0) * 1e6)
    return [f for f in fires_of(e, rid) if abs(f[0] - us) <= 1]


def loop_passes(e, what, t=None):
    """For a check that something did NOT happen by time t (seconds): waits until t has passed,
    then makes two control round trips. libuv runs due timers at the top of each loop turn, and
    the second request is read in a later turn than the first, which came after t: so every
    timer due by t has run when the second reply is here. No fixed sleep, no guessing."""
    if t is not None:
        wait_for(lambda: time.time() > t + 0.05, max(30, t - time.time() + 30))
    ok = e.ctl("status")[0] == 0 and e.ctl("status")[0] == 0
    return check("%s: the loop went past the time" % what, ok)


def test_snooze_restart(tmp):
    # The times are checked on the database's scheduled/fired fields (a snooze shows exactly at
    # its due time, late on a loaded machine but never early), not on when the test saw it.
    e = Env(tmp, "snooze", """
nudge.at("+1s", function() nudge.notify { title = "Later" } end, { id = "z" })
""")
    d = Daemon(e)
    if not started(d, "snooze"):
        return d.stop()
    d.wait_shown("z", 1, 30)
    rc, r, *raw = e.ctl_json("snooze", "z", "3s")
    due = r.get("due") if rc == 0 and r else None
    check("snooze z 3s", due is not None, raw)
    check("SIGTERM right after the snooze exits 0", d.stop() == 0)
    d2 = Daemon(e)
    if not started(d2, "snooze, again"):
        return d2.stop()
    d2.wait_shown("z", 1, 30)
    shown = wait_for(lambda: shown_at(e, "z", due), 30)  # the row may follow the line
    check("the snooze shows after a restart, at its due time, never early",
          len(d2.shown("z")) == 1 and len(shown) == 1 and shown[0][1] >= shown[0][0],
          (shown, fires_of(e, "z"), d2.stderr()[-300:]))
    loop_passes(e, "snooze", due)
    check("it shows once", len(d2.shown("z")) == 1 and len(shown_at(e, "z", due)) == 1,
          d2.stdout())

    # Across a reload: shown once, not once per rule set.
    rc, r, *raw = e.ctl_json("snooze", "z", "2s")
    due = r.get("due") if rc == 0 and r else None
    rc, r, *raw = e.ctl_json("preview", "--days", "1")
    check("nudgectl preview shows the pending snooze",
          rc == 0 and r and [x["id"] for x in r["notifications"] if x["id"] != "pulse"] == ["z"],
          raw)
    d2.p.send_signal(signal.SIGHUP)
    d2.wait_shown("z", 2, 30)
    loop_passes(e, "snooze across a reload", due)
    shown = wait_for(lambda: shown_at(e, "z", due), 30)  # the row may follow the line
    check("a snooze survives a reload, shown once, at its due time",
          len(d2.shown("z")) == 2 and len(shown) == 1 and shown[0][1] >= shown[0][0],
          (shown, fires_of(e, "z"), d2.stdout()))
    check("no snoozes left", e.query("SELECT count(*) FROM snoozes")[0][0] == 0)

    # The first answer settles a fire (SPEC 2.3): snoozed, a second snooze or a done is
    # refused with that answer, and the snooze shows once, at its own time.
    rc1, r1, *_ = e.ctl_json("snooze", "z", "1s")
    first = r1.get("due") if rc1 == 0 and r1 else None
    rc, r, *raw = e.ctl_json("snooze", "z", "2s")
    check("snoozed twice: the second is refused",
          rc == 1 and "already answered: snoozed at" in str(raw), raw)
    rc, r, *raw = e.ctl_json("done", "z")
    check("done after snooze: refused", rc == 1 and "already answered: snoozed" in str(raw), raw)
    d2.wait_shown("z", 3, 30)
    loop_passes(e, "snoozed once", first or 0)
    shown = wait_for(lambda: shown_at(e, "z", first), 30)  # the row may follow the line
    check("the snooze shows once, at its first due time",
          len(d2.shown("z")) == 3 and len(shown) == 1 and
          len(e.query("SELECT id FROM snoozes")) == 0, (fires_of(e, "z"), first))
    check("SIGTERM exits 0", d2.stop() == 0)


# ---- catch-up and late_cancel ----

def catch_expect(s0, span, lc, catch_up, load):
    """Catch-up fires at a start at `load` (seconds) after a first fire scheduled at s0: the
    latest missed elapse fires once, unless older than late_cancel `lc`."""
    k = int((load - s0) // span)
    if not catch_up or k < 1:
        return 0
    return 0 if lc is not None and load - (s0 + k * span) > lc else 1


def catch_case(tmp, name, opts, span, down, want, lc=None, tries=3):
    """Runs `every span` until its first fire, stops nudged for `down` seconds after it, starts
    it again, and counts the catch-up fires: those on the old run's grid (the plain schedule
    fires one span after load, off that grid). Waits for that plain fire instead of a fixed
    window. The expected count follows from when the daemon really loaded (between Popen and
    its first answer); if a loaded machine makes that straddle a boundary (late_cancel), the
    case is run again rather than guessed."""
    for attempt in range(tries):
        e = Env(tmp, "%s-%d" % (name, attempt), 'nudge.every("%ds", function() nudge.notify '
                '{ title = "C" } end, { id = "c"%s })\n' % (span, opts))
        d = Daemon(e)
        if not started(d, name):
            return d.stop()
        got = d.wait_shown("c", 1, span + 30)
        if not check("%s: first fire" % name, got):
            return d.stop()
        d.stop()
        s0 = fires_of(e, "c")[0][0]
        time.sleep(max(0, s0 / 1e6 + down - time.time()))  # the outage: part of the scenario
        d2 = Daemon(e)
        if not started(d2, name + " again"):
            return d2.stop()
        grid = lambda f: (f[0] - s0) % (span * 10**6) == 0
        plain = wait_for(lambda: [f for f in fires_of(e, "c")[1:] if not grid(f)], span + 30)
        check("%s: the plain schedule fires after the start" % name, plain,
              (fires_of(e, "c"), d2.stderr()[-400:]))
        catch_up = "catch_up = true" in opts
        lo = catch_expect(s0 / 1e6, span, lc, catch_up, d2.started)
        hi = catch_expect(s0 / 1e6, span, lc, catch_up, d2.ready_at)
        if (lo != hi or lo != want) and attempt + 1 < tries:
            print("%s: the start (%.3f..%.3f) missed the scenario, again" %
                  (name, d2.started, d2.ready_at))
            d2.stop()
            continue
        fires = fires_of(e, "c")
        caught = [f for f in fires[1:] if grid(f) and (not plain or f[0] < plain[0][0])]
        check("%s: %d catch-up fire(s) at start, %s expected" % (name, len(caught), (lo, hi)),
              len(caught) in (lo, hi), (fires, d2.started, d2.ready_at))
        if caught:
            # scheduled: the latest missed elapse, on the old run's grid, before this start;
            # fired at the start: late, never early.
            s1, f1 = caught[0]
            check("%s: the catch-up fire is scheduled at the latest missed elapse" % name,
                  d2.started - span < s1 / 1e6 <= d2.ready_at and f1 >= s1, (fires, d2.started))
        d2.stop()
        return


def test_catch_up(tmp):
    # 1s span, 3.5 s down: 3 missed elapses fold into one fire.
    catch_case(tmp, "catchup-fold", ", catch_up = true", 1, 3.5, 1)
    # 3s span, late_cancel 1s, restarted 1.5-3 s after the only missed elapse: dropped.
    catch_case(tmp, "catchup-late", ', catch_up = true, late_cancel = "1s"', 3, 4.7, 0, lc=1)
    # 1s span, late_cancel 2s, 4.2 s down: the first missed elapse is older than late_cancel,
    # the last one is not, so it still fires once.
    catch_case(tmp, "catchup-recent", ', catch_up = true, late_cancel = "2s"', 1, 4.2, 1, lc=2)
    # No catch_up: nothing at start.
    catch_case(tmp, "catchup-none", "", 1, 3.5, 0)
    catch_calendar(tmp)


def catch_calendar(tmp, tries=3):
    """A calendar event every 3 s with catch_up, stopped for two elapses: restarted 1 s after the
    second, it fires once at start, before the next elapse. Catch-up and plain fires are told
    apart by their scheduled time (before the start, or after it); a start so slow that an
    elapse falls between Popen and the first answer is run again."""
    for attempt in range(tries):
        e = Env(tmp, "catchup-calendar-%d" % attempt, 'nudge.on("*:*:0/3", function() '
                'nudge.notify { title = "K" } end, { id = "k", catch_up = true })\n')
        d = Daemon(e)
        if not started(d, "catchup-calendar"):
            return d.stop()
        if not check("catchup-calendar: first fire", d.wait_shown("k", 1, 30)):
            return d.stop()
        d.stop()
        b_us = fires_of(e, "k")[0][0]  # the elapse, on the 3 s grid
        b = b_us / 1e6
        time.sleep(max(0, b + 7 - time.time()))  # the outage: part of the scenario
        d2 = Daemon(e)
        if not started(d2, "catchup-calendar again"):
            return d2.stop()
        check("catchup-calendar: the next elapse fires",
              wait_for(lambda: [f for f in fires_of(e, "k") if f[0] / 1e6 > d2.ready_at], 30))
        rows = fires_of(e, "k")[1:]
        unclear = [f for f in rows if d2.started <= f[0] / 1e6 <= d2.ready_at]
        if unclear and attempt + 1 < tries:
            print("catchup-calendar: an elapse fell inside the start, again")
            d2.stop()
            continue
        caught = [f for f in rows if f[0] / 1e6 < d2.started]
        check("catchup-calendar: two missed elapses fire once at start (%d)" % len(caught),
              len(caught) == 1, (rows, d2.stdout(), d2.stderr()[-400:]))
        if caught:
            s1, f1 = caught[0]
            check("catchup-calendar: scheduled at the latest missed elapse, fired at the start",
                  (s1 - b_us) % 3000000 == 0 and s1 / 1e6 + 3 > d2.started and f1 >= s1 and
                  s1 - b_us >= 6000000, (rows, b, d2.started))
        d2.stop()
        return


# ---- a fired nudge.at never fires again ----

def test_at_once(tmp):
    at = int(time.time()) + 5  # a start slower than this is reported below, not mistaken
    # A named `at` fires once ever; an `after` (named or not) counts from each start.
    rule = ('nudge.at("@%d", function() nudge.notify { title = "Once" } end, { id = "once" })\n'
            'nudge.after("1s", function() nudge.notify { title = "Hi" } end)\n'
            'nudge.after("1s", function() nudge.notify { title = "Named" } end, { id = "named" })\n'
)
    e = Env(tmp, "once", rule % at)
    d = Daemon(e)
    if not started(d, "once"):
        return d.stop()
    check("the daemon was up before the at's time", d.ready_at < at, (d.ready_at, at))
    check("the at fires", len(d.wait_shown("once", 1, 30)) == 1, d.stderr()[-300:])
    check("both afters fire", wait_for(lambda: d.shown("after:1s") and d.shown("named"), 30),
          d.stdout())
    d.stop()
    check("the named at is in oneshots (an after is not)",
          e.query("SELECT reminder FROM oneshots ORDER BY reminder") == [("once",)],
          e.query("SELECT reminder FROM oneshots"))
    d2 = Daemon(e)
    rc, r, *raw = e.ctl_json("preview", "--days", "1")
    check("nudgectl preview leaves out the at that fired in an earlier run",
          rc == 0 and r and "once" not in [x["id"] for x in r["notifications"]], raw)
    # the afters of the new start, then two pulses, and past `at`: a second fire had its chance
    check("the afters fire after a restart",
          wait_for(lambda: d2.shown("after:1s") and d2.shown("named"), 30), d2.stdout())
    loop_passes(e, "once, past its time", at + 1)
    check("no second fire after a restart", d2.shown("once") == [], d2.stdout())
    check("the named after counts from the new start", len(d2.shown("named")) == 1,
          d2.stdout())
    check("the after without an id fires again after a restart", len(d2.shown("after:1s")) == 1,
          (d2.stdout(), d2.stderr()))
    # Moved ahead, same id: still fired (a reload, then a restart).
    at2 = int(time.time()) + 1
    e.set_rules(rule % at2)
    n = d2.stderr().count("reloaded:")
    d2.p.send_signal(signal.SIGHUP)
    check("reload", wait_for(lambda: d2.stderr().count("reloaded:") > n, 30), d2.stderr()[-300:])
    loop_passes(e, "once, moved ahead", at2 + 1)
    check("no fire after a reload that moves it ahead", d2.shown("once") == [], d2.stdout())
    check("a reload does not fire the afters again",
          len(d2.shown("after:1s")) == 1 and len(d2.shown("named")) == 1, d2.stdout())
    d2.stop()
    at3 = int(time.time()) + 1
    e.set_rules(rule % at3)
    d3 = Daemon(e)
    started(d3, "once, third start")
    loop_passes(e, "once, third start", at3 + 1)
    check("no fire after a restart that moves it ahead", d3.shown("once") == [], d3.stdout())
    d3.stop()


def test_at_catch_up(tmp):
    """A named `at` with catch_up that came due while nudged was down fires once at start
    (never again after), unless older than late_cancel."""
    past = int(time.time()) - 30
    rule = ('nudge.at(%d, function() nudge.notify { title = "Missed at" } end,'
            ' { id = "m", catch_up = true })\n'
            'nudge.at(%d, function() nudge.notify { title = "Too old" } end,'
            ' { id = "o", catch_up = true, late_cancel = "10s" })\n'
            'nudge.at(%d, function() nudge.notify { title = "No catch-up" } end, { id = "n" })\n'
            % (past, past, past))
    e = Env(tmp, "atcatch", rule)
    d = Daemon(e)
    if not started(d, "atcatch"):
        return d.stop()
    check("a missed named at with catch_up fires at start",
          len(d.wait_shown("m", 1, 30)) == 1, d.stdout())
    loop_passes(e, "atcatch")
    check("one older than late_cancel does not", d.shown("o") == [], d.stdout())
    check("one without catch_up does not", d.shown("n") == [], d.stdout())
    d.stop()
    d2 = Daemon(e)
    if not started(d2, "atcatch"):
        return d2.stop()
    loop_passes(e, "atcatch, again")
    check("and it does not fire again on the next start", d2.shown("m") == [], d2.stdout())
    d2.stop()


# ---- nudge.store values ----

STORE_RULES = r"""
local function show(v)
  local t = type(v)
  if t == "table" then
    local keys = {}
    for k in pairs(v) do keys[#keys + 1] = k end
    table.sort(keys, function(a, b)
      if type(a) ~= type(b) then return type(a) < type(b) end
      return a < b
    end)
    local parts = {}
    for _, k in ipairs(keys) do parts[#parts + 1] = "[" .. show(k) .. "]=" .. show(v[k]) end
    return "{" .. table.concat(parts, ",") .. "}"
  elseif t == "number" then
    return math.type(v) .. ":" .. string.format(math.type(v) == "float" and "%.17g" or "%d", v)
  elseif t == "string" then
    return (string.format("%q", v):gsub("\n", "n"))
  end
  return tostring(v)
end
nudge.listen("set", function()
  nudge.store.set("k", { nested = { list = { 1, 2, 3 }, deeper = { x = { y = "z" } } },
                         int = 3, float = 3.0, frac = 0.1, big = 9007199254740993,
                         neg = -7, yes = true, no = false, nul = "a\0b\0", empty = "",
                         [10] = "ten", [2.5] = "two and a half" })
  nudge.store.set("flag", false)
  nudge.store.set("n", 42)
  nudge.store.set("f", 42.0)
  nudge.store.set("s", "x\0y")
end)
nudge.listen("get", function()
  nudge.notify { title = "got " .. show(nudge.store.get("k")) .. " " .. show(nudge.store.get("flag"))
                 .. " " .. show(nudge.store.get("n")) .. " " .. show(nudge.store.get("f"))
                 .. " " .. show(nudge.store.get("s")) .. " " .. show(nudge.store.get("none", "dflt")) }
end)
"""

STORE_WANT = ('got {[float:2.5]="two and a half",[integer:10]="ten",["big"]=integer:9007199254740993,'
              '["empty"]="",["float"]=float:3,["frac"]=float:0.10000000000000001,["int"]=integer:3,'
              '["neg"]=integer:-7,["nested"]={["deeper"]={["x"]={["y"]="z"}},'
              '["list"]={[integer:1]=integer:1,[integer:2]=integer:2,[integer:3]=integer:3}},'
              '["no"]=false,["nul"]="a\\0b\\0",["yes"]=true} false integer:42 float:42 "x\\0y" "dflt"')


def test_store_values(tmp):
    e = Env(tmp, "store", STORE_RULES)
    d = Daemon(e)
    if not started(d, "store"):
        return d.stop()

    def got(dm, n):
        rc, r, *raw = e.ctl_json("emit", "get")
        lines = wait_for(lambda: [l for l in dm.stdout().splitlines() if " got " in l][n - 1:], 30)
        return lines[0].split(": ", 1)[1] if lines else (rc, raw, dm.stderr()[-300:])

    rc, r, *raw = e.ctl_json("emit", "set")
    check("emit set ran", rc == 0 and r and r.get("listeners") == 1, raw)
    v = got(d, 1)
    check("store values read back as set", v == STORE_WANT, "got %r" % (v,))
    check("the values are rows of kv", len(e.query("SELECT key FROM kv")) == 5, e.query("SELECT key FROM kv"))
    d.p.send_signal(signal.SIGHUP)
    check("store: reloaded", wait_for(lambda: d.stderr().count("reloaded") >= 1, 30))
    v = got(d, 2)
    check("store values survive a SIGHUP reload", v == STORE_WANT, "got %r" % (v,))
    check("SIGTERM exits 0", d.stop() == 0)
    d2 = Daemon(e)
    if not started(d2, "store, again"):
        return d2.stop()
    v = got(d2, 1)
    check("store values survive a restart", v == STORE_WANT, "got %r" % (v,))
    d2.stop()


# ---- a corrupt database, an unreadable folder ----

def corrupt_case(tmp, name, damage):
    e = Env(tmp, name, 'nudge.after("1s", function() nudge.notify { title = "fresh" } end, '
                       '{ id = "f" })\n')
    d = Daemon(e)
    if not started(d, name):
        return d.stop()
    d.wait_shown("f", 1)
    d.stop()
    damage(e.db)
    before = set(os.listdir(e.statedir))
    d2 = Daemon(e)
    if not started(d2, name + " on the damaged file"):
        return d2.stop()
    err = d2.stderr()
    mentions = [l for l in err.splitlines() if "nudge.db" in l]
    aside = sorted(set(os.listdir(e.statedir)) - before)
    aside = [a for a in aside if re.fullmatch(r"nudge\.db\.corrupt-\d+(\.\d+)?", a)]
    check("%s: one log line about the database" % name, len(mentions) == 1, err)
    check("%s: the damaged file is kept as nudge.db.corrupt-*" % name, len(aside) == 1,
          os.listdir(e.statedir))
    if mentions and aside:
        check("%s: the line names the file and where it went" % name,
              e.db in mentions[0] and os.path.join(e.statedir, aside[0]) in mentions[0], mentions[0])
    # The fresh database works: the one-shot fires again (its memory went with the old file).
    d2.wait_shown("f", 1)
    rc, r, *raw = e.ctl_json("done", "f")
    check("%s: the fresh database records fires and answers" % name,
          rc == 0 and e.query("SELECT answer FROM answers") == [("done",)], raw)
    check("%s: fresh database integrity ok" % name, e.query("PRAGMA integrity_check") == [("ok",)])
    d2.stop()


def damage_random(path):
    with open(path, "wb") as f:
        f.write(random.Random(1).randbytes(16384))


def damage_pages(path):
    size = os.path.getsize(path)
    with open(path, "r+b") as f:
        f.seek(100)  # keep the 100-byte header: it still says "SQLite format 3"
        f.write(random.Random(2).randbytes(size - 100))


def test_corrupt(tmp):
    corrupt_case(tmp, "corrupt-random", damage_random)
    corrupt_case(tmp, "corrupt-pages", damage_pages)


def test_unreadable(tmp):
    try:
        nobody = pwd.getpwnam("nobody")
    except KeyError:
        print("unreadable state folder: skipped (no user nobody)")
        return
    if os.getuid() != 0:
        # Not root: chmod 000 already keeps us out.
        e = Env(tmp, "unreadable", 'nudge.every("1h", function() end)\n')
        os.makedirs(e.statedir)
        os.chmod(e.statedir, 0)
        as_user = {}
    else:
        # Root reads anything: run the daemon as nobody, in a tree nobody may enter.
        base = tempfile.mkdtemp(prefix="nudge-state-nobody-")
        os.chmod(base, 0o755)
        e = Env(base, "unreadable", 'nudge.every("1h", function() end)\n')
        os.makedirs(e.statedir)
        for dirpath, dirs, files in os.walk(base):
            for x in dirs + files:
                os.chown(os.path.join(dirpath, x), nobody.pw_uid, nobody.pw_gid)
        os.chmod(e.root, 0o755)
        os.chmod(e.config, 0o755)
        os.chmod(e.rules, 0o644)
        os.chmod(e.statedir, 0)
        e.env["HOME"] = base

        # The build tree may be out of nobody's reach (a checkout under a 0700 /root): run a
        # copy of nudged from the 0755 temp tree instead, so the test really runs.
        nudged = os.path.join(base, "bin", "nudged")
        os.makedirs(os.path.dirname(nudged), mode=0o755)
        os.chmod(os.path.dirname(nudged), 0o755)
        shutil.copy2(NUDGED, nudged)
        os.chmod(nudged, 0o755)
        as_user = dict(user=nobody.pw_uid, group=nobody.pw_gid, extra_groups=[], cwd=base,
                       nudged=nudged)
        try:
            r = subprocess.run([nudged, "--version"], capture_output=True, cwd=base,
                               user=nobody.pw_uid, group=nobody.pw_gid, extra_groups=[])
            why = "exit %d: %s" % (r.returncode, r.stderr.decode(errors="replace").strip()) \
                if r.returncode else None
        except OSError as x:
            why = str(x)
        if why:
            # Only a tree nobody can't enter gets here (e.g. /tmp mounted noexec): say so.
            print("unreadable state folder: skipped (nobody cannot run a copy of nudged: %s)"
                  % why)
            shutil.rmtree(base, ignore_errors=True)
            return
    d = Daemon(e, wait=False, **as_user)
    try:
        rc = d.p.wait(timeout=30)
    except subprocess.TimeoutExpired:
        d.kill9()
        rc = None
    err = d.stderr()
    check("unreadable state folder: exit 1", rc == 1, (rc, err))
    check("unreadable state folder: one error line naming it",
          err.count("\n") == 1 and e.statedir in err and "error" in err, err)
    if os.getuid() == 0:
        os.chmod(e.statedir, 0o700)
        shutil.rmtree(os.path.dirname(e.root), ignore_errors=True)


# ---- --preview --state reads, never writes ----

PREVIEW_RULES = """
nudge.listen("set", function(ev) nudge.store.set("word", ev.data.w) end)
nudge.after("1h", function()
  nudge.notify { title = "Preview", body = "word=" .. tostring(nudge.store.get("word", "none")) }
end, { id = "p" })
"""


def snapshot(folder):
    out = {}
    for f in sorted(os.listdir(folder)):
        p = os.path.join(folder, f)
        st = os.stat(p)
        out[f] = (st.st_mtime_ns, st.st_size, open(p, "rb").read())
    return out


def preview(e, folder):
    p = subprocess.run([NUDGED, "--preview", "--json", "--days", "1", "--rules", e.rules,
                        "--state", folder], env=e.env, capture_output=True, timeout=30)
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


def test_preview(tmp):
    e = Env(tmp, "preview", PREVIEW_RULES)
    d = Daemon(e)
    if not started(d, "preview"):
        return d.stop()
    rc, r, *raw = e.ctl_json("emit", "set", "w=tulip")
    check("emit set", rc == 0, raw)
    d.stop()
    before = snapshot(e.statedir)
    rc, out, err = preview(e, e.statedir)
    bodies = [json.loads(l).get("body") for l in out.splitlines() if l.startswith("{")]
    check("preview --state shows the stored value", rc == 0 and bodies == ["word=tulip"], (rc, out, err))
    after = snapshot(e.statedir)
    check("preview wrote nothing (same files, bytes, mtimes)", before == after,
          (list(before), list(after)))

    # After kill -9 (a -wal holds the newest value): still read, still not written.
    d = Daemon(e)
    e.ctl_json("emit", "set", "w=rose")
    d.kill9()
    before = snapshot(e.statedir)
    rc, out, err = preview(e, e.statedir)
    bodies = [json.loads(l).get("body") for l in out.splitlines() if l.startswith("{")]
    check("preview --state after kill -9 shows the newest value", rc == 0 and bodies == ["word=rose"],
          (rc, out, err))
    after = snapshot(e.statedir)
    keep = [f for f in before if not f.endswith("-shm")]  # the WAL index is SQLite's scratch
    check("preview after kill -9: no new files, database and WAL unchanged",
          set(after) == set(before) and all(before[f] == after[f] for f in keep),
          [f for f in before if before[f] != after.get(f)] + sorted(set(after) - set(before)))
    empty = os.path.join(e.root, "nostate")
    rc, out, err = preview(e, empty)
    check("preview --state on a missing folder: runs, creates nothing",
          rc == 0 and "word=none" in out and not os.path.exists(empty), (rc, out, err))


# ---- check-ins and promises ----

def test_journal(tmp):
    e = Env(tmp, "journal", 'nudge.every("1h", function() end, { id = "h" })\n')
    d = Daemon(e)
    if not started(d, "journal"):
        return d.stop()
    t0 = time.time()
    rc, r, *raw = e.ctl_json("checkin", "--mood", "4", "--note", "talked it through — calmly")
    check("checkin with mood and note", rc == 0 and r and isinstance(r.get("id"), int), raw)
    rows = e.query("SELECT id, at, mood, note FROM checkins")
    check("the check-in is in the database with its values",
          len(rows) == 1 and rows[0][2] == 4 and rows[0][3] == "talked it through — calmly" and
          abs(rows[0][1] / 1e6 - t0) < 5 and r and rows[0][0] == r["id"], rows)
    rc, r, *raw = e.ctl_json("checkin")
    rows = e.query("SELECT mood, note FROM checkins ORDER BY id")
    check("checkin without mood or note stores NULLs", rc == 0 and rows[1:] == [(None, None)], rows)
    rc, _, *raw = e.ctl_json("checkin", "--mood", "9")
    check("checkin --mood 9 refused", rc != 0 and len(e.query("SELECT id FROM checkins")) == 2, raw)

    rc, r, *raw = e.ctl_json("promise", "add", "call the plumber", "--due", "2030-01-02 10:00")
    p1 = r.get("id") if rc == 0 and r else None
    rc, r, *raw2 = e.ctl_json("promise", "add", "plan the weekend", "--due", "@1900000000")
    p2 = r.get("id") if rc == 0 and r else None
    check("promise add twice", p1 is not None and p2 is not None and p1 != p2, raw + raw2)
    rows = e.query("SELECT id, key, text, due, source, state, answered FROM promises ORDER BY id")
    check("promises in the database: text, due, source, open",
          rows == [(p1, None, "call the plumber", 1893578400 * 10**6, "nudgectl", "open", None),
                   (p2, None, "plan the weekend", 1900000000 * 10**6, "nudgectl", "open", None)], rows)
    rc, r, *raw = e.ctl_json("promise", "list")
    ps = r.get("promises") if rc == 0 and r else []
    check("promise list shows both",
          [(p["id"], p["text"], p["due"], p["state"], p["source"]) for p in ps] ==
          [(p1, "call the plumber", 1893578400, "open", "nudgectl"),
           (p2, "plan the weekend", 1900000000, "open", "nudgectl")], raw)
    d.p.send_signal(signal.SIGHUP)  # the toolkit schedules nudgectl promises at each load
    check("promises: reloaded", wait_for(lambda: "reloaded" in d.stderr(), 30))
    n = e.query("SELECT count(*) FROM promises")[0][0]
    check("scheduling nudgectl promises (add, reload) adds no rows", n == 2, n)
    rc1, _, *raw1 = e.ctl_json("promise", "kept", str(p1))
    rc2, _, *raw2 = e.ctl_json("promise", "broken", str(p2))
    rows = e.query("SELECT id, state, answered FROM promises ORDER BY id")
    check("kept and broken are in the database",
          rc1 == 0 and rc2 == 0 and [(x[0], x[1]) for x in rows] == [(p1, "kept"), (p2, "broken")] and
          all(x[2] and abs(x[2] / 1e6 - time.time()) < 60 for x in rows), (raw1, raw2, rows))
    rc, _, *raw = e.ctl_json("promise", "kept", "999")
    check("promise kept of an unknown id: exit 1", rc == 1, raw)
    rc, r, *raw = e.ctl_json("promise", "list")
    check("promise list shows the new states",
          rc == 0 and [p["state"] for p in r["promises"]] == ["kept", "broken"], raw)
    check("SIGTERM exits 0", d.stop() == 0)


def run(t, tmp):
    try:
        t(tmp)
    except Exception as ex:  # a crash in one group must not hide the others
        import traceback
        traceback.print_exc()
        check("%s raised %s: %s" % (t.__name__, type(ex).__name__, ex), False)


def main():
    groups = [test_crash, test_catch_up, test_fires_and_answers, test_snooze_restart,
              test_at_once, test_at_catch_up, test_store_values, test_corrupt, test_unreadable, test_preview,
              test_journal]
    only = sys.argv[1:]
    if only:
        groups = [g for g in groups if g.__name__ in only]
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="nudge-state-") as tmp:
        # Two lanes: the long waits overlap.
        lanes = [groups[0::2], groups[1::2]]
        threads = [threading.Thread(target=lambda l=l: [run(g, tmp) for g in l]) for l in lanes]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
    print("(%.1f s)" % (time.monotonic() - t0))
    print("%d passed, %d failed" % (results["pass"], results["fail"]))
    sys.exit(1 if results["fail"] else 0)


if __name__ == "__main__":
    main()
