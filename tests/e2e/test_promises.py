#!/usr/bin/python3
"""The life of a promise (SPEC 2.3) against a real nudged on the stdout backend, driven with
nudgectl: a kept promise never shows again (not on screen, not in `nudgectl preview`, not in
`export --ics`), also when its "Kept?" was put off before; kept again is refused with its
state; reopen, edit and delete. Promises fall due a few seconds after the daemon starts."""
import functools
import re
import sys
import tempfile
import time

import harness
from harness import Daemon, check, results, wait_for

Env = functools.partial(harness.Env, tz="UTC", ctl_timeout=30)


def started(d, what):
    return check("%s: daemon starts" % what, d.ready, d.stderr()[-500:])


def kept_lines(d, text):
    """The "Kept?" notifications shown about `text`."""
    return [l for l in d.lines("Kept?") if text in l]


def preview_titles(e):
    rc, r, out, err = e.ctl_json("preview", "--days", "2")
    if not check("preview answers", rc == 0 and r and r.get("ok"), err):
        return []
    return ["%s: %s" % (n["title"], n.get("body", "")) for n in r["notifications"]]


def export_text(e):
    rc, out, err = e.ctl("export", "--ics", "--days", "2")
    check("export --ics answers", rc == 0, err)
    return out


def promise(e, pid):
    rc, r, _, _ = e.ctl_json("promise", "list")
    for p in (r or {}).get("promises", []):
        if p["id"] == pid:
            return p
    return None


def test_kept_after_put_off(tmp):
    """The issue's case: "Kept?" shown, put off (a pending re-show), then `promise kept`."""
    due = int(time.time()) + 4
    e = Env(tmp, "kept", """
nudge.promise { id = "shelf", text = "Fix the shelf", due = %d, remind = {} }
""" % due)
    d = Daemon(e)
    if not started(d, "kept"):
        return d.stop()
    check("before the due, preview lists Kept?: Fix the shelf",
          "Kept?: Fix the shelf" in preview_titles(e))
    shown = wait_for(lambda: kept_lines(d, "Fix the shelf"), 20)
    check("Kept? shows at the due", len(shown) == 1, d.stdout()[-400:])
    tag = re.search(r"\[(promise:shelf:due[^\]]*)\]", shown[0] if shown else "")
    check("its reminder id names the promise", tag is not None, shown)
    if tag:
        rc, out, err = e.ctl("snooze", tag.group(1), "3s")
        check("the Kept? fire is put off for 3 s", rc == 0, err)
    check("put off, preview lists it again", "Kept?: Fix the shelf" in preview_titles(e))
    rc, out, err = e.ctl("promise", "kept", "1")
    check("promise kept 1", rc == 0 and "promise 1 kept" in out, (rc, out, err))
    check("kept: preview no longer lists it", not [t for t in preview_titles(e) if "shelf" in t])
    ics = export_text(e)
    check("kept: export --ics no longer lists it", "shelf" not in ics, ics[-300:])
    # The re-show was due 3 s after the snooze: give it 5, then look at the screen.
    wait_for(lambda: len(kept_lines(d, "Fix the shelf")) > 1, 5)
    check("kept: never shown again", len(kept_lines(d, "Fix the shelf")) == 1,
          kept_lines(d, "Fix the shelf"))
    rc, out, err = e.ctl("promise", "kept", "1")
    check("kept again: exit 1", rc == 1, (rc, out, err))
    check("kept again: says it is already kept, and when",
          re.search(r"promise 1 is already kept \(\d{4}-\d\d-\d\d \d\d:\d\d\)", err), err)
    rc, out, err = e.ctl("promise", "broken", "1")
    check("broken after kept: exit 1, still kept",
          rc == 1 and "already kept" in err and promise(e, 1)["state"] == "kept", (rc, err))
    rc, out, err = e.ctl("reload")
    check("reload", rc == 0, err)
    check("a rule promise stays kept across a reload", promise(e, 1)["state"] == "kept")
    check("after the reload, preview still does not list it",
          not [t for t in preview_titles(e) if "shelf" in t])
    rc, out, err = e.ctl("promise", "edit", "1", "--text", "x")
    check("edit of a rule-file promise: exit 1, says where to change it",
          rc == 1 and "rule file" in err, (rc, err))
    d.stop()


def test_ctl_promise_life(tmp):
    """A nudgectl promise: kept before its due (no Kept? ever), reopened, moved, deleted."""
    e = Env(tmp, "ctl", "")
    d = Daemon(e)
    if not started(d, "ctl"):
        return d.stop()
    rc, r, out, err = e.ctl_json("promise", "add", "Call her mother", "--due", "+1h")
    check("promise add", rc == 0 and r and r["id"] == 1, (rc, out, err))
    check("added: preview lists its Kept?", "Kept?: Call her mother" in preview_titles(e))
    rc, out, err = e.ctl("promise", "kept", "1")
    check("kept before its due", rc == 0, err)
    check("kept: preview lists nothing of it", not [t for t in preview_titles(e) if "mother" in t])
    check("kept: list shows no reminder of it",
          "promise:ctl:1" not in e.ctl("list")[1], e.ctl("list")[1])
    rc, out, err = e.ctl("promise", "reopen", "1")
    check("reopen", rc == 0 and "open again" in out, (rc, out, err))
    check("reopened: its Kept? is planned again", "Kept?: Call her mother" in preview_titles(e))
    rc, out, err = e.ctl("promise", "reopen", "1")
    check("reopen an open promise: exit 1", rc == 1 and "open already" in err, (rc, err))
    due = int(time.time()) + 3
    rc, out, err = e.ctl("promise", "edit", "1", "--due", "@%d" % due, "--text", "Call Anna")
    check("edit --due --text", rc == 0 and "Call Anna" in out, (rc, out, err))
    shown = wait_for(lambda: kept_lines(d, "Call Anna"), 20)
    check("edited: Kept? comes at the new due with the new text", len(shown) == 1,
          d.stdout()[-400:])
    check("edited: the old text never shows", not kept_lines(d, "Call her mother"))
    rc, out, err = e.ctl("promise", "edit", "1", "--due", "+1h")
    check("moved an hour on", rc == 0, err)
    check("moved: preview lists it", "Kept?: Call Anna" in preview_titles(e))
    rc, out, err = e.ctl("promise", "delete", "1")
    check("delete", rc == 0 and "deleted" in out, (rc, out, err))
    check("deleted: preview lists nothing of it", not [t for t in preview_titles(e) if "Anna" in t])
    p = promise(e, 1)
    check("deleted: the row stays, marked deleted", p and p["state"] == "deleted", p)
    rc, out, err = e.ctl("promise", "kept", "1")
    check("kept after delete: exit 1", rc == 1 and "was deleted" in err, (rc, err))
    rc, out, err = e.ctl("promise", "delete", "9")
    check("an unknown promise: exit 1", rc == 1 and "no promise 9" in err, (rc, err))
    rc, out, err = e.ctl("promise", "edit", "1")
    check("edit with nothing to change: refused", rc != 0, (rc, err))
    d.stop()


def main():
    with tempfile.TemporaryDirectory(prefix="nudge-promises-") as tmp:
        for g in (test_kept_after_put_off, test_ctl_promise_life):
            g(tmp)
    print("%d passed, %d failed" % (results["pass"], results["fail"]))
    sys.exit(1 if results["fail"] else 0)


if __name__ == "__main__":
    main()
