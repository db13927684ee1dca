#!/usr/bin/env python3
"""The life of a fire (SPEC 2.3) end to end on the stdout backend: the first answer settles a
fire (a second `nudgectl done` exits 1 with `already answered: done at HH:MM`), and
`nudgectl checkin ID` touches only that check-in."""
import functools
import os
import re
import sys
import tempfile

import harness
from harness import Daemon, check, results

Env = functools.partial(harness.Env, tz="UTC", ctl_timeout=30)

RULES = """
nudge.checkin { id = "evening", when = "*-*-* 20:30", title = "Evening check-in" }
nudge.checkin { id = "weekly", when = "Sun 18:00", title = "Weekly talk" }
"""


def test_done_twice(tmp):
    e = Env(tmp, "twice", RULES)
    d = Daemon(e)
    if not check("twice: daemon starts", d.ready, d.stderr()[-500:]):
        return d.stop()
    rc, out, err = e.ctl("fire", "evening")
    check("a hand fire shows and says so", rc == 0 and out.startswith("fired evening"), (out, err))
    d.wait_shown("evening", 1)
    rc, out, err = e.ctl("done", "evening")
    check("the first done is recorded", rc == 0, (out, err))
    rc, out, err = e.ctl("done", "evening")
    check("a second done exits 1 with the first answer",
          rc == 1 and re.search(r"already answered: done at \d\d:\d\d", err), (rc, out, err))
    rows = e.query("SELECT f.origin, a.answer, a.source FROM fires f JOIN answers a ON a.fire = f.id")
    check("one answer, on a manual fire", rows == [("manual", "done", "nudgectl")], rows)
    d.stop()


def test_checkin_id(tmp):
    e = Env(tmp, "checkin", RULES)
    d = Daemon(e)
    if not check("checkin: daemon starts", d.ready, d.stderr()[-500:]):
        return d.stop()
    for r in ("evening", "weekly"):
        e.ctl("fire", r)
        d.wait_shown(r, 1)
    rc, out, err = e.ctl("checkin", "weekly", "--mood", "4")
    check("checkin weekly settles the weekly prompt", rc == 0 and "for 'weekly'" in out and
          "answered: done" in out, (out, err))
    rows = dict(e.query("SELECT f.reminder, (SELECT answer FROM answers WHERE fire = f.id)"
                        " FROM fires f"))
    check("only the weekly check-in is touched",
          rows == {"weekly": "done", "evening": None}, rows)
    rc, out, err = e.ctl("checkin", "nosuch")
    check("an unknown check-in is refused", rc == 1 and "no check-in 'nosuch'" in err, (out, err))
    d.stop()


def test_preview_after_failed_reload(tmp):
    """SPEC: the preview is the live daemon's state. After a reload fails, the old rules keep
    running, and `nudgectl preview` shows them (not the broken file's error)."""
    e = Env(tmp, "preview", RULES)
    d = Daemon(e)
    if not check("preview: daemon starts", d.ready, d.stderr()[-500:]):
        return d.stop()
    e.set_rules(RULES + 'nudge.checkin { id = "broken", when = "Mon..Fir 9:00" }\n')
    rc, out, err = e.ctl("reload")
    check("the broken reload fails", rc == 1 and "Fir" in err, (rc, out, err))
    rc, out, err = e.ctl("preview", "--days", "2")
    check("preview shows the rules running", rc == 0 and "[checkin:evening]" in out or
          rc == 0 and "evening" in out, (rc, out[-300:], err))
    check("preview does not fail with the broken file", "Fir" not in err, err)
    d.stop()


def main():
    with tempfile.TemporaryDirectory(prefix="nudge-life-") as tmp:
        for t in (test_done_twice, test_checkin_id, test_preview_after_failed_reload):
            t(tmp)
    print("%d passed, %d failed" % (results["pass"], results["fail"]))
    sys.exit(1 if results["fail"] else 0)


if __name__ == "__main__":
    main()
