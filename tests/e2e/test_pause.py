#!/usr/bin/env python3
"""Pause and resume (SPEC 2.4) end to end on the stdout backend: while paused, a due check-in is
silenced (history: silenced, reason pause) and not caught up, a promise still comes; `pause
--all` silences the promise too; resume brings the check-ins back; status and report show the
pause; a rule-file pause cannot be resumed, and says so."""
import functools
import sys
import tempfile
import time

import harness
from harness import Daemon, check, results, wait_for

Env = functools.partial(harness.Env, tz="UTC", ctl_timeout=30)

# A check-in every 2 seconds, so the test sees several come due while paused.
RULES = """
nudge.checkin { id = "talk", when = "*:*:0/2", title = "Talk" }
"""


def entries(e, **want):
    """History entries with every field as in want."""
    h = e.history() or []
    return [x for x in h if all(x.get(k) == v for k, v in want.items())]


def test_pause_resume(tmp):
    e = Env(tmp, "live", RULES)
    d = Daemon(e)
    if not check("daemon starts", d.ready, d.stderr()[-500:]):
        return d.stop()
    check("a check-in shows before the pause", len(d.wait_shown("talk", 1)) >= 1, d.stdout())

    rc, out, err = e.ctl("pause", "1h", "--note", "a weekend away")
    check("pause answers in one warm line", rc == 0 and out.startswith("Paused until ") and
          "check-ins, gestures" in out and "promises still come" in out and
          "a weekend away" in out and out.count("\n") == 1, (rc, out, err))
    shown_at_pause = len(d.shown("talk"))
    rc, st, out, err = e.ctl_json("status")
    p = st and st.get("pause")
    check("status --json has the pause", rc == 0 and p and p["all"] is False and
          p["origin"] == "ctl" and p["note"] == "a weekend away" and
          abs(p["until"] - p["from"] - 3600) < 1, (rc, out, err))
    rc, out, err = e.ctl("status")
    check("status shows the pause", rc == 0 and "paused" in out and "promises still come" in out,
          (rc, out, err))

    # Two due check-ins come and go silenced; none is shown (nor caught up later).
    silenced = wait_for(lambda: len(entries(e, reminder="talk", answer="silenced",
                                            reason="pause")) >= 2, 20)
    check("due check-ins are silenced with reason pause", silenced, e.history())
    check("no check-in shows while paused", len(d.shown("talk")) == shown_at_pause,
          d.stdout()[-500:])

    rc, out, err = e.ctl("promise", "add", "Fix the shelf", "--due", "+3s")
    check("a promise can be added while paused", rc == 0, (rc, out, err))
    kept = wait_for(lambda: entries(e, kind="promise", answer=None), 20)
    check("a promise still shows while paused", kept, e.history())

    rc, out, err = e.ctl("pause", "--all")
    check("pause --all says promises rest too", rc == 0 and "until you resume" in out and
          "promises included" in out, (rc, out, err))
    rc, out, err = e.ctl("promise", "add", "Call the counsellor", "--due", "+3s")
    check("a second promise is added", rc == 0, (rc, out, err))
    promise_silenced = wait_for(lambda: entries(e, kind="promise", answer="silenced",
                                                reason="pause"), 20)
    check("with --all the promise is silenced", promise_silenced, e.history())
    check("and not shown", len(entries(e, kind="promise", answer=None)) +
          len(entries(e, kind="promise", answer="expired")) == 1, e.history())

    rc, out, err = e.ctl("resume")
    check("resume says reminders come again", rc == 0 and out.startswith("Resumed"),
          (rc, out, err))
    before = len(d.shown("talk"))
    check("the next check-in shows again", len(d.wait_shown("talk", before + 1)) > before,
          d.stdout()[-500:])
    rc, st, out, err = e.ctl_json("status")
    check("status has no pause after resume", rc == 0 and st["pause"] is None, out)
    rc, out, err = e.ctl("resume")
    check("a second resume finds nothing to end", rc == 0 and "Nothing was paused" in out,
          (rc, out, err))

    rc, rep, out, err = e.ctl_json("report", "--days", "2")
    check("the report marks today paused", rc == 0 and rep["days"][-1]["paused"] is True and
          rep["days"][0]["paused"] is False, out[-400:])
    check("the report lists both pauses", rc == 0 and len(rep["pauses"]) == 2 and
          [x["all"] for x in rep["pauses"]] == [False, True] and
          all(x["origin"] == "ctl" for x in rep["pauses"]), rep and rep.get("pauses"))

    rc, out, err = e.ctl("pause", "10s", "--until", "tomorrow")
    check("a SPAN and --until together are refused", rc == 2 and "not both" in err,
          (rc, out, err))
    rc, out, err = e.ctl("pause", "--all=yes")
    check("an unknown option is refused", rc == 2, (rc, out, err))
    d.stop()


def test_rule_file_pause(tmp):
    today = time.strftime("%Y-%m-%d", time.gmtime())
    e = Env(tmp, "rules", RULES + 'nudge.config { pause = { "%s" } }\n' % today)
    d = Daemon(e)
    if not check("rules: daemon starts", d.ready, d.stderr()[-500:]):
        return d.stop()
    rc, st, out, err = e.ctl_json("status")
    check("status shows the rule file's pause", rc == 0 and st["pause"] and
          st["pause"]["origin"] == "rules", out)
    rc, out, err = e.ctl("resume")
    check("a rule-file pause cannot be resumed, and says so",
          rc == 1 and "rule file" in err and "reload" in err, (rc, out, err))
    silenced = wait_for(lambda: entries(e, reminder="talk", answer="silenced", reason="pause"), 20)
    check("the rule file's pause silences the check-in", silenced, e.history())
    check("nothing shows", d.shown("talk") == [], d.stdout()[-300:])
    d.stop()


def main():
    with tempfile.TemporaryDirectory(prefix="nudge-pause-") as tmp:
        for t in (test_pause_resume, test_rule_file_pause):
            t(tmp)
    print("%d passed, %d failed" % (results["pass"], results["fail"]))
    sys.exit(1 if results["fail"] else 0)


if __name__ == "__main__":
    main()
