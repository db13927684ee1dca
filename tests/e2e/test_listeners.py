#!/usr/bin/python3
"""SPEC 2.3 "Listeners fail loudly", against a real nudged (stdout backend, private XDG dirs):
`nudgectl emit` of a failing listener exits 1 and prints its `file:line: message`; after 3
failures in a row the listener is disabled with a notice that names it, a 4th emit does not run
it (and says so), the other listeners go on, and a reload brings it back."""
import os
import sys
import tempfile

from harness import Daemon, Env, check, results, wait_for

RULES = """\
nudge.listen("conflict", function(ev)
  nudge.notify { title = "wait before you reply " .. ev.data.n }
end)
nudge.listen("conflict", function(ev)
  nudge.log("reply to " .. ev.data.who)
end)
nudge.listen("calm", function(ev) nudge.notify { title = "calm" } end)
"""


def test_failing_listener(tmp):
    e = Env(tmp, "fail", RULES)
    d = Daemon(e)
    check("daemon up", d.ready, d.stderr())
    if not d.ready:
        return
    where = "%s:4" % e.rules  # the failing listener's nudge.listen
    error = "%s:5: attempt to concatenate a nil value (field 'who')" % e.rules

    rc, out, err = e.ctl("emit", "conflict", "who=me", "n=0")
    check("emit with every listener ok exits 0", rc == 0 and "2 listeners ran" in out, (out, err))
    check("... and prints no error", err == "", err)
    check("the ok listener ran", wait_for(lambda: d.lines("wait before you reply 0")), d.stdout())

    for i in (1, 2, 3):
        rc, out, err = e.ctl("emit", "conflict", "n=%d" % i)
        check("emit %d with a failing listener exits 1" % i, rc == 1, (rc, out, err))
        check("emit %d says how many ran and failed" % i,
              "2 listeners ran, 1 failed" in out, out)
        check("emit %d prints file:line: message and where it was registered" % i,
              "nudgectl: %s (listener at %s)" % (error, where) in err, err)
        check("emit %d: the other listener still ran" % i,
              wait_for(lambda: d.lines("wait before you reply %d" % i)), d.stdout())
        disabled_said = "failed 3 times in a row and is off until the rules are reloaded" in err
        check("emit %d says disabled only at the 3rd failure" % i, disabled_said == (i == 3), err)

    notice = wait_for(lambda: d.lines("nudge: a rule was disabled"))
    check("a notice says the listener was disabled (one line on stdout)",
          len(notice) == 1 and "listen:conflict" in notice[0], d.stdout())
    check("the log says which listener was disabled",
          wait_for(lambda: "%s: listener 'listen:conflict' failed 3 times in a row" % where
                   in d.stderr()), d.stderr())

    rc, r, raw, err = e.ctl_json("emit", "conflict", "n=4")
    check("4th emit --json exits 1", rc == 1, (raw, err))
    outcomes = (r or {}).get("outcomes", [])
    check("4th emit: the disabled listener did not run",
          r and r.get("listeners") == 1 and r.get("failed") == 1 and
          [o.get("outcome") for o in outcomes] == ["ok", "disabled"] and
          outcomes[1].get("where") == where and outcomes[1].get("disabled") is True, raw)
    check("4th emit: no new error in the log", d.stderr().count(error) == 3, d.stderr())
    check("4th emit: no second notice", len(d.lines("nudge: a rule was disabled")) == 1)
    rc, out, err = e.ctl("emit", "conflict", "n=5")
    check("text emit names the disabled listener",
          rc == 1 and "1 listener ran, 1 disabled" in out and
          "the listener at %s did not run" % where in err, (out, err))

    rc, out, err = e.ctl("emit", "calm")
    check("another event's listener is not touched", rc == 0 and "1 listener ran" in out,
          (out, err))

    rc, out, err = e.ctl("reload")
    check("reload", rc == 0, err)
    rc, r, raw, _ = e.ctl_json("emit", "conflict", "who=you", "n=6")
    check("after the reload the listener runs again",
          rc == 0 and r and r.get("listeners") == 2 and r.get("failed") == 0, raw)
    check("... and did its work", wait_for(lambda: "reply to you" in d.stderr()), d.stderr())
    check("daemon stops cleanly", d.stop() == 0, d.stderr())


def main():
    with tempfile.TemporaryDirectory(prefix="nudge-listen-") as tmp:
        for t in (test_failing_listener,):
            try:
                t(tmp)
            except Exception as ex:  # a crash in one group must not hide the others
                check("%s raised %s: %s" % (t.__name__, type(ex).__name__, ex), False)
    print("%d passed, %d failed" % (results["pass"], results["fail"]))
    sys.exit(1 if results["fail"] else 0)


if __name__ == "__main__":
    main()
