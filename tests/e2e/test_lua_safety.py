#!/usr/bin/python3
"""A rule file that attacks the Lua binding from inside, against a real nudged (stdout backend).

Each attack is followed by a check that the daemon still answers `status` and that a healthy
reminder in the same file still fires: a reminder freed under its own callback, API tables whose
__index collects garbage between fields, a state filled to its memory cap before `fire`, `emit`,
`promise add` and `reload`, a replaced nudge._toolkit, a reload that cannot carry a reminder
made at run time, `list` of thousands of reminders, and a finalizer that cancels a reminder
while SIGTERM closes the state (exit 0)."""
import os
import sys
import tempfile

from harness import Daemon, Env, check, results, wait_for

RULES = """
nudge.config { limits = { memory = "24M" } }
-- Its table is made once: at the memory cap it still fires (l_notify itself allocates nothing).
local HEALTHY = { title = "healthy" }
nudge.every("1s", function() nudge.notify(HEALTHY) end, { id = "healthy" })

-- 3: cancels itself, drops its handle, collects twice, then uses the API.
local h
h = nudge.every("1d", function()
  h:cancel() h = nil collectgarbage() collectgarbage()
  local t = {} for i = 1, 2000 do t[i] = ("y"):rep(64) .. i end
  nudge.notify { title = "self-cancelled " .. #t }
end, { id = "selfcancel" })

-- 4: __index makes fresh strings and collects between fields: tables are read raw.
local function fresh(t, k) collectgarbage() collectgarbage() return k .. ("!"):rep(40) .. math.random() end
nudge.every("1d", function()
  local ok, e = pcall(nudge.notify, setmetatable({}, { __index = fresh }))
  nudge.notify { title = "proxy " .. tostring(e) }
end, { id = "proxy" })

-- 6: nudgectl promise add must not reach rule code through nudge._toolkit.
nudge._toolkit = setmetatable({}, { __index = function() while true do end end })

-- 10b: reminders made at run time; one that cannot be carried over a reload.
nudge.listen("make", function(ev)
  for i = 1, tonumber(ev.data.n) do nudge.after("1d", function() end) end
end)
nudge.listen("co", function()
  local co = coroutine.create(function() end)
  nudge.after("2d", function() coroutine.resume(co) end, { id = "holds_co" })
end)

-- 6: fill the state to its cap, then C has to build ev, strings, tables for the next entries.
local hold
local function add(sz) hold = { hold, ("x"):rep(sz) } end
local sizes = { 100000, 1000, 10, 0 }
nudge.every("1d", function()
  for i = 1, #sizes do while pcall(add, sizes[i]) do end end
end, { id = "fill" })
nudge.every("1d", function(ev) nudge.notify { title = "ev " .. ev.id } end, { id = "wants_ev" })
nudge.every("1d", function() hold = nil collectgarbage() end, { id = "unfill" })
nudge.listen("x", function(ev) nudge.notify { title = "heard " .. ev.name } end)

-- spawn in a loop: at most 32 programs of the rules run at once (attack finding: 138).
nudge.listen("spawn", function()
  local started = 0
  local ok, e = pcall(function()
    for i = 1, 100 do nudge.spawn { "/bin/sleep", "60" } started = started + 1 end
  end)
  nudge.notify { title = "spawned " .. started .. " " .. tostring(e) }
end)

-- 5: a finalizer that cancels a reminder while the state closes (if rules may have one).
local ok, o = pcall(setmetatable, {}, { __gc = function() h = nil end })
local victim = nudge.every("1h", function() end, { id = "victim" })
ok, o = pcall(setmetatable, {}, { __gc = function() victim:cancel() nudge.notify { title = "gc" } end })
keeper = o
"""


def healthy_fires(d, after):
    """The healthy reminder fired again after `after` notifications of it."""
    return wait_for(lambda: d.stdout().count("healthy") > after, 10)


def alive(e, d, what):
    rc, r, raw, _ = e.ctl_json("status")
    check("%s: the daemon answers status" % what, rc == 0 and r and r.get("pid") == d.p.pid,
          (rc, raw, d.stderr()[-500:]))
    check("%s: a healthy reminder still fires" % what, healthy_fires(d, d.stdout().count("healthy")),
          d.stdout()[-300:])


def test_attacks(tmp):
    e = Env(tmp, "attacks", RULES)
    d = Daemon(e)
    if not check("nudged starts with the hostile rules", d.ready and d.p.poll() is None,
                 d.stderr()[-500:]):
        return

    rc, out, err = e.ctl("fire", "selfcancel")
    check("fire of a reminder that cancels and collects itself",
          rc == 0 and wait_for(lambda: "self-cancelled 2000" in d.stdout(), 5), (rc, out, err))
    alive(e, d, "self-cancel")

    rc, out, err = e.ctl("fire", "proxy")
    check("a proxy table is read raw (its __index is not used)",
          rc == 0 and wait_for(lambda: "proxy notify: 'title' is required" in d.stdout(), 5),
          (rc, out, err, d.stdout()[-300:]))
    alive(e, d, "proxy table")

    rc, r, raw, _ = e.ctl_json("promise", "add", "call back", "--due", "2030-01-01 18:00")
    check("promise add with a hostile nudge._toolkit", rc == 0 and r and r.get("ok"), raw)
    alive(e, d, "promise add")

    # list of thousands: capped, with the total.
    rc, out, err = e.ctl("emit", "make", "n=2500")
    check("emit makes 2500 reminders", rc == 0, (out, err))
    rc, r, raw, _ = e.ctl_json("list")
    check("--json list is capped with truncated and total",
          rc == 0 and r and len(r.get("reminders", [])) == 1000 and r.get("truncated") is True
          and r.get("total", 0) >= 2500, raw[:300])
    rc, out, err = e.ctl("list")
    check("list says how many more", rc == 0 and "... and " in out and " more (" in out,
          out[-200:])

    # The reminders made at run time come over a reload.
    rc, out, err = e.ctl("reload")
    check("reload carries 2500 reminders made at run time", rc == 0, (out, err))
    rc, r, raw, _ = e.ctl_json("list")
    check("... all of them", r and r.get("total", 0) >= 2500, raw[:200])

    # One that cannot be carried fails the reload whole.
    e.ctl("emit", "co")
    rc, r, raw, _ = e.ctl_json("status")
    before = (r or {}).get("reminders")
    rc, out, err = e.ctl("reload")
    check("reload that cannot carry a reminder fails, naming it",
          rc == 1 and "'holds_co' made at run time cannot be carried over" in err and
          "coroutine" in err, (rc, out, err))
    rc, r, raw, _ = e.ctl_json("status")
    lr = (r or {}).get("last_reload", {})
    check("status shows why and keeps every reminder",
          lr.get("ok") is False and "holds_co" in (lr.get("error") or "") and
          r.get("reminders") == before, raw)
    check("the failed reload is shown as a notification",
          wait_for(lambda: "rules not loaded" in d.stdout(), 5), d.stdout()[-300:])
    check("and logged", "holds_co" in d.stderr(), d.stderr()[-300:])
    alive(e, d, "failed reload")

    # Memory at the cap, then every kind of entry from C.
    rc, out, err = e.ctl("fire", "fill")
    check("fire fill", rc == 0, (out, err))
    rc, out, err = e.ctl("fire", "wants_ev")
    check("fire at the memory cap fails as the callback's error", rc == 1 and "failed" in err,
          (rc, out, err))
    alive(e, d, "fire at the cap")
    for args in (["emit", "x"], ["promise", "add", "later", "--due", "2030-01-02 18:00"],
                 ["done", "healthy"], ["reload"], ["list"]):
        rc, out, err = e.ctl(*args)
        check("%s at the memory cap answers" % " ".join(args), rc in (0, 1) and (out or err),
              (rc, out, err))
        alive(e, d, " ".join(args) + " at the cap")

    rc, out, err = e.ctl("fire", "unfill")
    check("fire unfill", rc == 0, (out, err))
    rc, out, err = e.ctl("fire", "wants_ev")
    check("after memory is freed, fire builds ev again",
          rc == 0 and wait_for(lambda: "ev wants_ev" in d.stdout(), 5), (rc, out, err))
    alive(e, d, "memory freed")

    rc, out, err = e.ctl("emit", "spawn")
    check("spawn in a loop stops at 32 running programs, with a clear error",
          wait_for(lambda: "spawned 32 " in d.stdout() and "32 programs the rules started are "
                   "still running" in d.stdout(), 60), d.stdout()[-300:])  # 32 spawns: slow on a loaded machine
    def parent(pid):
        try:
            with open("/proc/%s/stat" % pid) as f:
                return f.read().rsplit(") ", 1)[-1].split()[1]
        except (OSError, IndexError):
            return None
    kids = [p for p in os.listdir("/proc") if p.isdigit() and parent(p) == str(d.p.pid)]
    check("32 children, not more", len(kids) == 32, len(kids))
    for k in kids:
        try:
            os.kill(int(k), 15)
        except OSError:
            pass
    alive(e, d, "spawn loop")

    rc = d.stop()
    check("SIGTERM exits 0 (finalizers at close touch a closing rule set)", rc == 0,
          (rc, d.stderr()[-500:]))
    check("no Lua panic in the log", "outside a protected call" not in d.stderr(),
          d.stderr()[-500:])


def main():
    with tempfile.TemporaryDirectory(prefix="nudge-lua-") as tmp:
        try:
            test_attacks(tmp)
        except Exception as ex:  # report, do not hide behind a traceback
            check("test_attacks raised %s: %s" % (type(ex).__name__, ex), False)
    print("%d passed, %d failed" % (results["pass"], results["fail"]))
    sys.exit(1 if results["fail"] else 0)


if __name__ == "__main__":
    main()
