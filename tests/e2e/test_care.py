#!/usr/bin/python3
"""SPEC 2.4 "Setbacks" and per_week gestures on a live nudged (stdout backend, private XDG
dirs): a promise answered broken brings a repair prompt the next evening at the repair time;
two `emit conflict` with nudge.support{after={conflicts=2}} bring one counselling suggestion
(a third does not add another); a user's own conflict listener still runs; a restart keeps
the planned prompts and the week's gesture days (not re-rolled)."""
import datetime
import os
import sys
import tempfile
import time

from harness import Daemon, Env, check, results, wait_for

RULES = """\
nudge.config { since = "2026-01-01" }
nudge.promise { id = "call", text = "Call when I am running late", due = "2099-01-01 12:00" }
nudge.support { after = { conflicts = 2 }, repair = "19:30" }
nudge.listen("conflict", function(ev) nudge.log("user listener heard the conflict") end)
nudge.gesture { id = "g", per_week = 3, pool = { "Leave a kind note", "Make tea" } }
"""


def tomorrow_at(hhmm, plus=1):
    d = datetime.date.today() + datetime.timedelta(days=plus)
    h, m = map(int, hhmm.split(":"))
    return int(datetime.datetime(d.year, d.month, d.day, h, m).timestamp()), d.isoformat()


def listing(e):
    rc, r, raw, _ = e.ctl_json("list")
    return {x["id"]: x for x in (r or {}).get("reminders", [])} if rc == 0 and r else {}


def upcoming(e, days):
    rc, r, raw, err = e.ctl_json("preview", "--days", str(days))
    return r.get("notifications", []) if rc == 0 and r and r.get("ok") else None


def test_setbacks(tmp):
    e = Env(tmp, "care", RULES, tz="Europe/Berlin")
    os.environ["TZ"] = "Europe/Berlin"
    time.tzset()
    d = Daemon(e)
    check("daemon up", d.ready, d.stderr())
    if not d.ready:
        return
    before = listing(e)
    gestures = sorted((k, v["next"]) for k, v in before.items() if k.startswith("g@"))
    check("per_week: the next gesture days are listed as g@DATE", gestures, before)

    rc, r, raw, _ = e.ctl_json("promise", "list")
    pid = [p["id"] for p in (r or {}).get("promises", []) if p["text"].startswith("Call")]
    check("the rule promise is listed", len(pid) == 1, raw)
    rc, out, err = e.ctl("promise", "broken", str(pid[0]))
    check("promise broken answers", rc == 0, (out, err))
    when, day = tomorrow_at("19:30")
    rid = "repair:" + day
    rows = wait_for(lambda: listing(e).get(rid))
    check("a repair prompt is planned for the next evening at 19:30",
          rows and rows.get("kind") == "repair" and rows.get("next") == when, (rows, listing(e)))
    ahead = upcoming(e, 2) or []
    rep = [n for n in ahead if n.get("id") == rid]
    check("preview shows the repair prompt, naming the promise, with Done / Skip",
          len(rep) == 1 and "Call when I am running late" in rep[0]["body"] and
          rep[0]["title"] == "A small repair", ahead)
    for bad in ("fault", "blame", "failed", "0 days"):
        check("the repair text has no '%s'" % bad, rep and bad not in rep[0]["body"].lower(), rep)

    rc, out, err = e.ctl("emit", "conflict")
    check("emit conflict: the user's listener and the toolkit's both ran",
          rc == 0 and "2 listeners ran" in out and err == "", (rc, out, err))
    check("the user's own listener heard it",
          wait_for(lambda: "user listener heard the conflict" in d.stderr()), d.stderr())
    check("one conflict: no counselling suggestion yet",
          not [k for k in listing(e) if k.startswith("support:")], listing(e))
    rc, out, err = e.ctl("emit", "conflict")
    swhen, sday = tomorrow_at("19:30", 2)
    sup = wait_for(lambda: [v for k, v in listing(e).items() if k.startswith("support:")])
    check("two conflicts: one counselling suggestion, the evening after the repair prompt",
          len(sup) == 1 and sup[0]["kind"] == "support" and sup[0]["next"] == swhen, sup)
    rc, out, err = e.ctl("emit", "conflict")
    check("a third conflict adds no second suggestion (once a month)",
          len([k for k in listing(e) if k.startswith("support:")]) == 1, listing(e))
    ahead = upcoming(e, 3) or []
    s = [n for n in ahead if n.get("kind") == "support"]
    check("preview shows the suggestion once, with a concrete first step",
          len(s) == 1 and "counsellor" in s[0]["body"] and "write down" in s[0]["body"], ahead)
    rep = [n for n in ahead if n.get("id") == rid]
    check("the repair prompt now speaks of the promise and the hard moment",
          len(rep) == 1 and "promise" in rep[0]["body"] and "hard moment" in rep[0]["body"], rep)

    after = listing(e)
    check("stopping the daemon", d.stop() == 0)
    d = Daemon(e)
    check("daemon up again", d.ready, d.stderr())
    again = listing(e)
    check("after a restart the repair and support prompts are still planned, same times",
          again.get(rid, {}).get("next") == after[rid]["next"] and
          [v["next"] for k, v in again.items() if k.startswith("support:")] == [swhen], again)
    check("after a restart the week's gesture days are the same (not re-rolled)",
          sorted((k, v["next"]) for k, v in again.items() if k.startswith("g@")) == gestures,
          (gestures, again))
    rc, out, err = e.ctl("fire", rid)
    check("fire shows the repair prompt", rc == 0 and
          wait_for(lambda: d.lines("[%s]:" % rid)), (out, err, d.stdout()))
    # A gesture day's one-shot shows as the gesture "g": nudgectl done g answers it.
    rc, out, err = e.ctl("fire", gestures[0][0] if gestures else "g@none")
    check("fire shows a gesture day as reminder g", rc == 0 and
          wait_for(lambda: d.lines("[g]:")), (out, err, d.stdout()))
    rc, out, err = e.ctl("done", "g")
    check("nudgectl done g answers the gesture day's fire", rc == 0, (out, err))
    rc, out, err = e.ctl("done", "g")
    check("a second done g: already answered", rc == 1 and "already answered" in err, (out, err))
    d.stop()


def main():
    with tempfile.TemporaryDirectory(prefix="nudge-care-") as tmp:
        for t in (test_setbacks,):
            try:
                t(tmp)
            except Exception as ex:  # a crash in one group must not hide the others
                check("%s raised %s: %s" % (t.__name__, type(ex).__name__, ex), False)
    print("%d passed, %d failed" % (results["pass"], results["fail"]))
    sys.exit(1 if results["fail"] else 0)


if __name__ == "__main__":
    main()
