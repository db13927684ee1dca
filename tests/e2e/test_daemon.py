#!/usr/bin/python3
"""The live daemon on the real clock, stdout backend, short spans (1-3 s).

Hostile callbacks (infinite loops, memory bombs, odd error values) are stopped and disabled
while other rules keep firing; SIGHUP reloads good files and keeps broken ones out; --watch
reloads on edit; reminders keep their schedule across a reload; SIGTERM exits 0; sd_notify
and journald manners."""
import os
import re
import signal
import socket
import sys
import tempfile

from harness import Daemon, Env, check, results, wait_for, write

def test_hostile(e):
    rules = os.path.join(e.root, "hostile.lua")
    write(rules, """
nudge.config { limits = { instructions = 2000000, memory = "32M" } }
nudge.every("1s", function() nudge.notify { title = "tick" } end, { id = "tick" })
nudge.every("1s", function() while true do end end, { id = "spin" })
nudge.every("1s", function() while true do pcall(function() while true do end end) end end, { id = "pcall-spin" })
nudge.every("1s", function() local s = "x" while true do s = s .. s end end, { id = "concat" })
nudge.every("1s", function() return string.rep("x", 1 << 40) end, { id = "rep" })
nudge.every("1s", function() error(nil) end, { id = "nil-error" })
nudge.every("1s", function() error(setmetatable({}, { __tostring = function() error("no") end })) end, { id = "bad-tostring" })
nudge.every("1s", function() local t = {} while true do t[#t + 1] = {} end end, { id = "tables" })
""")
    d = Daemon(e, rules=rules, wait=False)
    hostile = ["spin", "pcall-spin", "concat", "rep", "nil-error", "bad-tostring", "tables"]
    disabled = lambda: all("reminder '%s' failed 3 times" % h in d.stderr() for h in hostile)
    check("every hostile rule is disabled after 3 failures", wait_for(disabled, timeout=60))
    n = len(d.lines("tick"))
    check("ticks keep coming after the hostile rules are gone",
          wait_for(lambda: len(d.lines("tick")) >= n + 2, timeout=30))
    err = d.stderr()
    check("instruction budget named", "instruction budget exceeded" in err)
    check("memory limit named", "memory limit exceeded" in err or "not enough memory" in err)
    check("string.rep limit named", "string.rep result too large" in err)
    check("error(nil) reported", "error(nil)" in err)
    check("errors carry file:line", "%s:4:" % rules in err)
    check("a disabling notification per rule",
          len(d.lines("nudge: a rule was disabled")) == len(hostile))
    check("still running", d.p.poll() is None)
    check("SIGTERM exits 0", d.stop(30) == 0)


def test_reload(e):
    rules = os.path.join(e.root, "reload.lua")
    # "slow" shows its scheduled and fired times: the rhythm is checked on the schedule, which
    # a loaded machine cannot bend, and a fire may be late but never early.
    slow_rule = ('nudge.every("3s", function(ev) nudge.notify { title = string.format('
                 '"slow %.6f %.6f", ev.scheduled, ev.fired) } end, { id = "slow" })\n')
    write(rules, slow_rule + 'nudge.every("1s", function() nudge.notify { title = "v1" } end, '
                             '{ id = "fast" })\n')
    d = Daemon(e, rules=rules, wait=False)
    check("v1 fires", wait_for(lambda: d.lines("v1"), timeout=30))
    # A broken edit: the old rules keep running and the error is shown.
    write(rules, "nudge.every(\"1s\", function() end\n")
    d.p.send_signal(signal.SIGHUP)
    check("broken reload logged with file:line",
          wait_for(lambda: re.search(re.escape(rules) + r":\d+: ", d.stderr()) and
                   "keeping the old rules" in d.stderr(), timeout=30))
    check("broken reload notified", wait_for(lambda: d.lines("nudge: rules not loaded"), timeout=30))
    n = len(d.lines("v1"))
    check("old rules keep firing", wait_for(lambda: len(d.lines("v1")) > n, timeout=30))
    # A good edit once "slow" has fired: the new rules replace the old ones, and "slow" keeps
    # its 3 s rhythm across the reload.
    check("slow fires before the reload", wait_for(lambda: d.lines("slow "), timeout=30))
    write(rules, slow_rule + 'nudge.every("1s", function() nudge.notify { title = "v2" } end, '
                             '{ id = "fast" })\n')
    d.p.send_signal(signal.SIGHUP)
    check("good reload", wait_for(lambda: "reloaded:" in d.stderr(), timeout=30))
    check("v2 fires", wait_for(lambda: d.lines("v2"), timeout=30))
    n1 = len(d.lines("v1"))
    # two more v2 fires are the proof of time passing: a v1 still scheduled would show by then
    n2 = len(d.lines("v2"))
    check("v2 keeps firing", wait_for(lambda: len(d.lines("v2")) >= n2 + 2, timeout=30))
    check("v1 stopped", len(d.lines("v1")) == n1, d.stdout())
    check("reload says the schedules were kept", "2 kept their schedule" in d.stderr())
    slow = wait_for(lambda: len(d.lines("slow ")) >= 3 and d.lines("slow "), timeout=30)
    if slow:
        pairs = [tuple(float(x) for x in l.split("slow ")[1].split()[:2]) for l in slow[:3]]
        gaps = [round(b[0] - a[0], 3) for a, b in zip(pairs, pairs[1:])]
        check("slow kept its 3 s rhythm across the reload (scheduled gaps %s)" % gaps,
              gaps == [3, 3])
        check("slow never fires before its time", all(f >= s for s, f in pairs), pairs)
    else:
        check("slow fired 3 times", False)
    check("SIGTERM exits 0", d.stop(30) == 0)


def test_reload_unchanged(e):
    """A reload of an unchanged file reuses its compiled chunk: errors still name file:line,
    and an edit afterwards still takes effect."""
    rules = os.path.join(e.root, "same.lua")
    write(rules, '\nnudge.every("1s", function() error("boom") end, { id = "b" })\n'
                 'nudge.every("1s", function() nudge.notify { title = "s1" } end, { id = "s" })\n')
    d = Daemon(e, rules=rules, wait=False)
    check("s1 fires", wait_for(lambda: d.lines("s1"), timeout=30))
    d.p.send_signal(signal.SIGHUP)
    check("unchanged reload", wait_for(lambda: "reloaded:" in d.stderr(), timeout=30))
    n = d.stderr().count("%s:2: boom" % rules)
    check("errors after the reload still carry file:line",
          wait_for(lambda: d.stderr().count("%s:2: boom" % rules) > n, timeout=30))
    write(rules, 'nudge.every("1s", function() nudge.notify { title = "s2" } end, { id = "s" })\n')
    d.p.send_signal(signal.SIGHUP)
    check("an edit after an unchanged reload takes effect",
          wait_for(lambda: d.lines("s2"), timeout=30))
    check("SIGTERM exits 0", d.stop(30) == 0)


def test_reload_carries_runtime(e):
    """A reminder a callback made (the cool-off after `emit conflict`) is not made again by
    loading the files: a reload carries it over with its function and data, once. One that
    cannot come over (its function holds a coroutine) fails the reload whole, named; once it
    fired, the next reload carries the rest."""
    rules = os.path.join(e.root, "carry.lua")
    text = """
local state = { word = "kept" }
local fmt = string.format
local hourly = nudge.every("1h", function() end, { id = "hourly" })
nudge.after("1s", function()
  local co = coroutine.create(function() end)
  nudge.after("8s", function()
    nudge.notify { title = fmt("carried %s %s", state.word, type(hourly:next())) }
  end, { id = "later" })
  nudge.after("8s", function() nudge.notify { title = "anon" } end)
  nudge.after("3s", function() nudge.notify { title = "co fired " .. type(co) } end, { id = "holds-co" })
  local me
  me = nudge.after("8s", function() nudge.notify { title = "self " .. me.id } end, { id = "self" })
  nudge.notify { title = "made" }
end, { id = "maker" })
nudge.every("1s", function() nudge.notify { title = "pulse" } end, { id = "pulse" })
"""
    write(rules, text)
    d = Daemon(e, rules=rules, wait=False)
    check("the callback made its reminders", wait_for(lambda: d.lines("made"), timeout=30))
    write(rules, text + "-- edited\n")
    d.p.send_signal(signal.SIGHUP)
    check("a reload that cannot carry a function holding a coroutine fails whole, naming it",
          wait_for(lambda: "reminder 'holds-co' made at run time cannot be carried over: its function "
                           "uses 'co', which holds a coroutine" in d.stderr(), timeout=30)
          and "reload failed, keeping the old rules" in d.stderr(), d.stderr())
    check("the old rules ran on: it fires", wait_for(lambda: d.lines("co fired thread"), timeout=30),
          d.stdout())
    d.p.send_signal(signal.SIGHUP)
    check("then the reload carries the other three",
          wait_for(lambda: "carried over 3 reminders made at run time" in d.stderr(), timeout=30),
          d.stderr())
    check("the carried reminder fires with its data and the new handle",
          wait_for(lambda: d.lines("carried kept number"), timeout=30), d.stdout())
    check("the unnamed one fires too", wait_for(lambda: d.lines("anon"), timeout=30))
    check("a function holding its own handle comes over",
          wait_for(lambda: d.lines("self self"), timeout=30))
    # two pulses after they fired: time enough for a duplicate, without a fixed sleep
    n = len(d.lines("pulse"))
    check("pulse goes on", wait_for(lambda: len(d.lines("pulse")) >= n + 2, timeout=30))
    check("each fired once", len(d.lines("carried kept")) == 1 and len(d.lines("anon")) == 1,
          d.stdout())
    check("SIGTERM exits 0", d.stop(30) == 0)


def test_watch(e):
    rules = os.path.join(e.root, "watch.lua")
    write(rules, 'nudge.every("1s", function() nudge.notify { title = "w1" } end, { id = "w" })\n')
    d = Daemon(e, "--watch", rules=rules, wait=False)
    check("w1 fires", wait_for(lambda: d.lines("w1"), timeout=30))
    write(rules, 'nudge.every("1s", function() nudge.notify { title = "w2" } end, { id = "w" })\n')
    check("--watch reloads on edit", wait_for(lambda: d.lines("w2"), timeout=30))
    check("SIGTERM exits 0", d.stop(30) == 0)


def test_manners(e):
    rules = os.path.join(e.root, "manners.lua")
    write(rules, 'nudge.after("1s", function() nudge.warn("hello") end)\n')
    sock_path = os.path.join(e.root, "notify.sock")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(sock_path)
    s.settimeout(30)
    d = Daemon(e, rules=rules, wait=False,
               extra_env={"NOTIFY_SOCKET": sock_path, "JOURNAL_STREAM": "8:1234"})
    msgs = []
    try:
        msgs.append(s.recv(4096).decode())
        check("READY=1 when loaded", msgs[-1] == "READY=1")
        d.p.send_signal(signal.SIGHUP)
        msgs.append(s.recv(4096).decode())
        check("RELOADING=1 on SIGHUP", msgs[-1] == "RELOADING=1")
        msgs.append(s.recv(4096).decode())
        check("READY=1 after reload", msgs[-1] == "READY=1")
        check("journald priority prefixes",
              wait_for(lambda: "<4>" in d.stderr() and "hello" in d.stderr(), timeout=30))
        check("every stderr line has a <N> prefix",
              all(l[:1] == "<" and l[2:3] == ">" for l in d.stderr().splitlines() if l))
        d.p.send_signal(signal.SIGTERM)
        msgs.append(s.recv(4096).decode())
        check("STOPPING=1 on SIGTERM", msgs[-1] == "STOPPING=1")
    except socket.timeout:
        check("sd_notify messages arrive (got %r)" % msgs, False)
    check("exit 0", d.p.wait(timeout=30) == 0)
    s.close()


def main():
    e = Env(tempfile.mkdtemp())
    for t in (test_hostile, test_reload, test_reload_unchanged, test_reload_carries_runtime,
              test_watch, test_manners):
        t(e)
    print("%d passed, %d failed" % (results["pass"], results["fail"]))
    return 1 if results["fail"] else 0


if __name__ == "__main__":
    sys.exit(main())
