#!/usr/bin/python3
"""CalDAV sync on a real (virtual) desktop: Xvfb, dunst on a private session bus (run under
dbus-run-session), a real Radicale on 127.0.0.1, python3-caldav playing the phone.

Two reminders are due a few seconds after the start; `nudgectl sync` puts both on the server as
open tasks first. Both bubbles come up. One is answered Done on the desktop through dunst's own
menu (`dunstctl action 0` with a dmenu stand-in that picks Done); the phone completes the
other's task. After one `nudgectl sync`: the desktop's answer is a completed task on the
server, the phone's is "done (another device)" in the history at the phone's time, and its
bubble has left the screen. Screenshots stay in $NUDGE_ARTIFACTS."""
import datetime
import os
import subprocess
import sys

from desktop import Desktop, wait_for
from harness import check, results
from radicale_server import accepting, free_port

NUDGED = os.environ["NUDGED"]
NUDGECTL = os.environ["NUDGECTL"]
USER, PASSWORD = "ann", "a quiet evening"

try:
    import caldav  # python3-caldav
    import radicale  # noqa: F401
except ImportError as e:
    print("SKIP: %s (scripts/deps --test installs radicale and python3-caldav)" % e)
    sys.exit(77)

desk = Desktop("sync", ("dunstctl",))
ARTIFACTS = desk.artifacts


def tasks(cal):
    """{uid: (status, completed datetime or None)} of the list, as the phone sees it."""
    out = {}
    for t in cal.todos(include_completed=True):
        v = t.icalendar_component
        c = v.get("COMPLETED")
        out[str(v["UID"])] = (str(v.get("STATUS", "NEEDS-ACTION")), c.dt if c else None)
    return out


def main():
    desk.xvfb()
    menu = os.path.join(desk.tmp, "pick-done")
    with open(menu, "w") as f:
        f.write("#!/bin/sh\ntee %s | grep -m1 ',done]'\n" % os.path.join(ARTIFACTS, "menu.txt"))
    os.chmod(menu, 0o755)
    desk.dunst(dmenu=menu, critical=False)
    env = desk.env
    env["TZ"] = "UTC"
    xdg = desk.home()

    users = os.path.join(desk.tmp, "users")
    with open(users, "w") as f:
        f.write("%s:%s\n" % (USER, PASSWORD))
    port = free_port()
    desk.start([sys.executable, "-m", "radicale", "--config", "",
                "--server-hosts", "127.0.0.1:%d" % port, "--auth-type", "htpasswd",
                "--auth-htpasswd-filename", users, "--auth-htpasswd-encryption", "plain",
                "--storage-filesystem-folder", os.path.join(desk.tmp, "collections"),
                "--logging-level", "warning"], stdout=subprocess.DEVNULL,
               stderr=open(os.path.join(ARTIFACTS, "radicale.log"), "w"))
    if not check("radicale listens", wait_for(lambda: accepting(port), timeout=30)):
        return
    base = "http://127.0.0.1:%d/" % port
    phone = caldav.DAVClient(url=base, username=USER, password=PASSWORD)
    cal = phone.principal().make_calendar(name="nudge", cal_id="nudge",
                                          supported_calendar_component_set=["VTODO"])

    conf = os.path.join(xdg["XDG_CONFIG_HOME"], "nudge")
    os.makedirs(conf)
    pw = os.path.join(conf, "caldav-password")
    with open(pw, "w") as f:
        f.write(PASSWORD + "\n")
    os.chmod(pw, 0o600)
    # Both due 10 s from now (whole seconds, UTC): time to put them on the server first.
    due = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0) + datetime.timedelta(seconds=10)
    when = due.strftime("%Y-%m-%d %H:%M:%S")
    stamp = due.strftime("%Y%m%dT%H%M%SZ")
    rules = os.path.join(conf, "rules.lua")
    with open(rules, "w") as f:
        f.write('nudge.config { sync = { caldav = "%snudge", user = "%s", every = "1h", days = 1 } }\n'
                % (base + USER + "/", USER))
        for rid, title in (("evening", "Evening check-in"), ("walk", "A walk together")):
            f.write('nudge.on("%s", function()\n'
                    '  nudge.notify { title = "%s", body = "Answer here or on the phone.",\n'
                    '                 actions = { done = "Done", skip = "Skip" } }\n'
                    'end, { id = "%s" })\n' % (when, title, rid))
    log = open(os.path.join(ARTIFACTS, "nudged.log"), "w")
    desk.start([NUDGED, "-v"], env=env, stdout=log, stderr=subprocess.STDOUT)

    def ctl(*args):
        return subprocess.run([NUDGECTL, *args], env=env, capture_output=True, text=True, timeout=60)

    ok = wait_for(lambda: '"backend":"libnotify"' in ctl("--json", "status").stdout.replace(" ", ""))
    if not check("nudged uses libnotify with dunst on the bus", ok):
        return
    uids = {"evening": "evening-%s@nudge" % stamp, "walk": "walk-%s@nudge" % stamp}
    r = ctl("sync")
    check("the first sync succeeds", r.returncode == 0 and "2 sent" in r.stdout, r.stdout + r.stderr)
    on_server = tasks(cal)
    check("both coming fires are open tasks on the server",
          all(on_server.get(u, ("",))[0] == "NEEDS-ACTION" for u in uids.values()), on_server)

    check("both bubbles come up", wait_for(lambda: desk.displayed() == "2", timeout=30), desk.displayed())
    two = os.path.join(ARTIFACTS, "two-bubbles.png")
    check("screenshot with both", desk.settled(two))

    # Done on the desktop, from dunst's menu of the top bubble.
    subprocess.run(["dunstctl", "action", "0"], env=env, timeout=10)
    check("one bubble is left after Done", wait_for(lambda: desk.displayed() == "1"), desk.displayed())

    def answers():
        h = ctl("--json", "history")
        import json
        return {e["reminder"]: e for e in json.loads(h.stdout).get("entries", [])} if h.returncode == 0 else {}

    got = answers()
    clicked = [k for k, e in got.items() if e.get("answer") == "done"]
    if not check("the click answered one reminder done", len(clicked) == 1, got):
        return
    clicked = clicked[0]
    other = "walk" if clicked == "evening" else "evening"
    one = os.path.join(ARTIFACTS, "one-bubble.png")
    check("screenshot with one", desk.settled(one, unlike=two))

    # The phone completes the other one.
    for t in cal.todos():
        if str(t.icalendar_component["UID"]) == uids[other]:
            t.complete()
    phone_time = tasks(cal)[uids[other]][1]
    check("the phone completed its task", phone_time is not None)

    r = ctl("sync")
    check("the second sync succeeds", r.returncode == 0, r.stdout + r.stderr)
    check("it took one answer from the server", "1 answer" in r.stdout, r.stdout)
    on_server = tasks(cal)
    check("the desktop's answer is a completed task on the server",
          on_server[uids[clicked]][0] == "COMPLETED" and on_server[uids[clicked]][1] is not None,
          on_server)
    got = answers()
    e = got.get(other, {})
    check("the phone's answer is in the history as done", e.get("answer") == "done", e)
    answered = e.get("answered")
    check("at the phone's time",
          answered is not None and abs(answered - phone_time.timestamp()) < 1, (answered, phone_time))
    check("its bubble left the screen", wait_for(lambda: desk.displayed() == "0"), desk.displayed())
    none = os.path.join(ARTIFACTS, "no-bubble.png")
    check("screenshot with none", desk.settled(none, unlike=one))
    h = ctl("history")
    print(h.stdout)
    with open(os.path.join(ARTIFACTS, "history.txt"), "w") as f:
        f.write(h.stdout)
    r = ctl("sync")
    check("a third sync sends nothing", r.returncode == 0 and "0 sent, 0 removed" in r.stdout, r.stdout)
    print("screenshots:", two, one, none)


desk.run(main)
print("%d passed, %d failed" % (results["pass"], results["fail"]))
sys.exit(1 if results["fail"] else 0)
