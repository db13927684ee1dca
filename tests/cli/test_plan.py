#!/usr/bin/python3
"""The two shipped plans (examples/rebuild-trust.lua, examples/healing.lua) and the question
library (src/lua/prelude/questions.lua) judged as the guides and SPEC 2.4 ask: a year of
each plan previewed from its `since` (Europe/Berlin, fixed seed) eases off by phase, rotates
its questions, never shows a zero count, keeps gestures in their part of the day, puts
milestones on their calendar days, and shows only promises on paused days; the plan for the
hurt partner never mentions forgiveness.

The plans' own lists (gesture pools, question lists, phases) are read by running the plan in
plain lua5.4 with a recording stand-in for `nudge`, so nothing here copies them."""

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zoneinfo

NUDGED = os.environ.get("NUDGED")
SRC = os.environ.get("NUDGE_SRC")
if not NUDGED or not SRC:
    sys.exit("NUDGED and NUDGE_SRC must be set (ctest sets them)")
LUA = shutil.which("lua5.4")
if not LUA:
    print("SKIP: lua5.4 is not installed (scripts/deps --test installs it)")
    sys.exit(77)

BER = zoneinfo.ZoneInfo("Europe/Berlin")
SEED = "7"
DAYS = 366  # a year from since, and the "1y" milestone at the start of its last day
PLANS = ["rebuild-trust", "healing"]
QUESTIONS = os.path.join(SRC, "src/lua/prelude/questions.lua")
# The parts of the day a gesture's `at` may name (nudge-rules(5), "Gestures").
PARTS = {"morning": ("07:00", "11:00"), "afternoon": ("12:00", "17:00"),
         "evening": ("18:00", "21:30")}
DEFAULT_PHASES = [{"name": "early", "upto": "3w"}, {"name": "months", "upto": "6M"},
                  {"name": "settled"}]
# Texts that show a zero count or a negative number ("Streak: 0 days", "0 of 2 promises").
ZERO = [re.compile(p, re.I) for p in (
    r"\b0\s+(days?|weeks?|of|promises?|check-?ins?|gestures?|times?|evenings?|in a row)\b",
    r"\bstreak\W{0,3}0\b", r"\bzero\b", r"(^|\s)-\d+\b", r"\bno days\b")]
# Words no question may carry: blame, or hurrying the one who was hurt.
UNKIND = re.compile(r"forgiv|your fault|why did you|get over|move on|should have|calm down",
                    re.I)

PASS = FAIL = 0
TMP = tempfile.mkdtemp(prefix="nudge-plan-")
ENV = dict(os.environ, TZ="Europe/Berlin", XDG_CONFIG_HOME=f"{TMP}/config",
           XDG_STATE_HOME=f"{TMP}/state", XDG_RUNTIME_DIR=f"{TMP}/run")


def check_all(what, items, ok):
    """One check over many items; names the first few that fail."""
    bad = [i for i in items if not ok(i)]
    return check(what, not bad, f"{len(bad)} of {len(items)}, e.g. {bad[:4]}")


def check(what, cond, detail=""):
    global PASS, FAIL
    if cond:
        PASS += 1
    else:
        FAIL += 1
        print(f"FAIL: {what}" + (f": {detail}" if detail else ""))
    return cond


# A stand-in for `nudge` that records every toolkit call, and a JSON writer for what it
# recorded (functions become "<function>").
DUMP_LUA = r"""
local calls = {}
local function rec(kind) return function(t, ...) calls[#calls + 1] = { kind = kind, args = t }
  return setmetatable({}, { __index = function() return function() end end }) end end
nudge = setmetatable({}, { __index = function(_, k) return rec(k) end })
nudge.listen = function(name) calls[#calls + 1] = { kind = "listen", args = { name = name } } end
local function enc(v, seen)
  local t = type(v)
  if t == "string" then return (string.format("%q", v):gsub("\\\n", "\\n"):gsub("\\9", "\\t")) end
  if t == "number" or t == "boolean" then return tostring(v) end
  if t ~= "table" then return '"<' .. t .. '>"' end
  if #v > 0 or next(v) == nil then
    local out = {}
    for _, x in ipairs(v) do out[#out + 1] = enc(x) end
    return "[" .. table.concat(out, ",") .. "]"
  end
  local out = {}
  for k, x in pairs(v) do out[#out + 1] = enc(tostring(k)) .. ":" .. enc(x) end
  return "{" .. table.concat(out, ",") .. "}"
end
dofile(arg[1])
local library = rawget(nudge, "questions")
if arg[2] ~= "" then dofile(arg[2]) end
io.write((enc({ calls = calls, questions = library or {} })), "\n")
"""


def lua_dump(plan_path):
    """What a plan file asks of the toolkit: {"calls": [{"kind", "args"}], "questions"}."""
    helper = os.path.join(TMP, "dump.lua")
    with open(helper, "w") as f:
        f.write(DUMP_LUA)
    out = subprocess.run([LUA, helper, QUESTIONS, plan_path or ""], capture_output=True,
                         text=True)
    if out.returncode != 0:
        raise RuntimeError(f"lua5.4 could not run {plan_path}: {out.stderr.strip()}")
    return json.loads(out.stdout)


def text_of(entry):
    return entry if isinstance(entry, str) else entry.get("text")


def phases_of(entry):
    return None if isinstance(entry, str) else entry.get("phases")


def calls(dump, kind):
    return [c["args"] for c in dump["calls"] if c["kind"] == kind]


def config(dump):
    merged = {}
    for c in calls(dump, "config"):
        merged.update(c)
    return merged


def parse_span(text):
    """A span of d/w/M/y units as (months, days)."""
    months = days = 0
    for n, unit in re.findall(r"(\d+)\s*([dwMy])", text):
        n = int(n)
        if unit == "d":
            days += n
        elif unit == "w":
            days += 7 * n
        elif unit == "M":
            months += n
        else:
            months += 12 * n
    return months, days


def add_span(start, text):
    """start plus a span, months and years on the calendar (SPEC 2.4, "Milestones")."""
    months, days = parse_span(text)
    y, m = divmod(start.month - 1 + months, 12)
    year, month = start.year + y, m + 1
    day = start.day
    while True:
        try:
            d = start.replace(year=year, month=month, day=day)
            break
        except ValueError:
            day -= 1
    return (d.replace(tzinfo=None) + dt.timedelta(days=days)).replace(tzinfo=BER)


def local_time(s):
    return dt.datetime.strptime(s, "%H:%M").time()


def in_window(t, window):
    lo, hi = PARTS.get(window) or window.split("..")
    lo, hi = local_time(lo), local_time(hi)
    t = t.replace(microsecond=0)
    return lo <= t <= hi if lo <= hi else (t >= lo or t <= hi)


def preview(path, start, days, answers=None):
    args = [NUDGED, "--preview", "--json", "--from", start, "--days", str(days), "--seed", SEED,
            "--rules", path]
    if answers:
        args += ["--answers", answers]
    out = subprocess.run(args, capture_output=True, text=True, env=ENV)
    if out.returncode != 0:
        return None, out.stderr.strip()
    objs = [json.loads(line) for line in out.stdout.splitlines() if line.strip()]
    for o in objs:
        o["t"] = dt.datetime.fromisoformat(o["at"]).astimezone(BER)
    return objs, out.stderr


def with_pause(path, ranges, extra=""):
    """A copy of the plan paused on `ranges` (instead of its own pause entry), plus `extra`."""
    text = open(path).read()
    line = "  pause = { " + ", ".join(json.dumps(r) for r in ranges) + " },"
    new, n = re.subn(r"^\s*pause\s*=\s*\{[^}]*\},?\s*$", line, text, count=1, flags=re.M)
    if n == 0:
        new, n = re.subn(r"^(nudge\.config[ \t]*\{[ \t]*)$", r"\1\n" + line, text, count=1, flags=re.M)
    assert n == 1, "no nudge.config { line in " + path
    out = os.path.join(TMP, "paused-" + os.path.basename(path))
    with open(out, "w") as f:
        f.write(new + "\n" + extra)
    return out


###########################################################################################
# The question library on its own (runs before toolkit.lua, so it needs nothing but `nudge`).

lib = lua_dump(None)["questions"]
check("library: at least 72 questions", len(lib) >= 72, len(lib))
per_phase = {"early": 0, "months": 0, "settled": 0}
for i, q in enumerate(lib, 1):
    t = text_of(q)
    ps = phases_of(q)
    if not check(f"library[{i}]: a table with text and phases", isinstance(q, dict)
                 and isinstance(t, str) and isinstance(ps, list) and ps, q):
        continue
    check(f"library[{i}]: one short question", 10 <= len(t) < 110 and t.endswith(("?", ".")), t)
    check(f"library[{i}]: asks, does not blame or hurry", not UNKIND.search(t), t)
    check(f"library[{i}]: known phases", set(ps) <= set(per_phase), ps)
    for p in ps:
        per_phase[p] = per_phase.get(p, 0) + 1
check("library: no question twice", len({text_of(q) for q in lib}) == len(lib))
for p, n in per_phase.items():
    check(f"library: at least 20 questions for '{p}'", n >= 20, n)

###########################################################################################
# Each plan: what it asks for, its calendar events, and a year of it previewed.

for name in PLANS:
    path = os.path.join(SRC, "examples", name + ".lua")
    dump = lua_dump(path)
    cfg = config(dump)
    since = dt.datetime.strptime(cfg["since"], "%Y-%m-%d").replace(tzinfo=BER)
    phases = cfg.get("phases") or DEFAULT_PHASES
    names = [p["name"] for p in phases]
    check(f"{name}: phases early, months, settled", names == ["early", "months", "settled"],
          names)
    bounds, start = {}, since
    for p in phases:
        end = add_span(since, p["upto"]) if p.get("upto") else since + dt.timedelta(days=DAYS)
        bounds[p["name"]] = (start, end)
        start = end

    def phase_at(t):
        return next(n for n, (a, b) in bounds.items() if a <= t < b or n == names[-1])

    # Every `when`, `window` and `at` of the plan is one the real parser takes (this holds
    # before the rest of SPEC 2.4 exists: plain nudge.on with each event).
    events, windows = set(), set()
    for c in dump["calls"]:
        a = c["args"]
        if not isinstance(a, dict):
            continue
        w = a.get("when")
        for e in (w.values() if isinstance(w, dict) else [w] if w else []):
            events.add(e)
        if a.get("window"):
            windows.add(a["window"])
        for g in a.get("pool") or []:
            at = None if isinstance(g, str) else g.get("at")
            if at and at not in PARTS:
                windows.add(at)
    cal = os.path.join(TMP, f"cal-{name}.lua")
    with open(cal, "w") as f:
        for i, e in enumerate(sorted(events)):
            f.write(f'nudge.on({json.dumps(e)}, function() end, {{ id = "e{i}" }})\n')
        for i, w in enumerate(sorted(windows)):
            f.write(f'nudge.on("daily", function() end, {{ id = "w{i}", window = {json.dumps(w)} }})\n')
    out = subprocess.run([NUDGED, "--check", "--rules", cal], capture_output=True, text=True,
                         env=ENV)
    check(f"{name}: every calendar event and window parses", out.returncode == 0,
          out.stdout + out.stderr)

    # The plan's own texts: an outing never in the first weeks, no forgiveness in healing.
    gestures = {}
    for g in calls(dump, "gesture"):
        for e in g.get("pool") or []:
            gestures[text_of(e)] = e
    for t, e in gestures.items():
        if re.search(r"outing|trip|tickets|book a table", t, re.I):
            check(f"{name}: '{t}' not in the early phase", "early" not in (phases_of(e) or names),
                  phases_of(e))
    questions = {}
    for c in calls(dump, "checkin"):
        qs = c.get("questions")
        for q in (qs if isinstance(qs, list) else []):
            questions[text_of(q)] = q
    for t in questions:
        check(f"{name}: question asks, does not blame or hurry", not UNKIND.search(t), t)
    check(f"{name}: the evening questions rotate",
          any(isinstance(c.get("questions"), list) for c in calls(dump, "checkin")))

    objs, err = preview(path, cfg["since"], DAYS)
    if not check(f"{name}: a year of preview runs", objs is not None, err):
        continue
    check(f"{name}: the preview says something", len(objs) > 100, len(objs))
    for o in objs:
        o["phase"] = phase_at(o["t"])

    # Easing off: notifications per week in "settled" at most half of "early".
    per_week = {}
    for p, (a, b) in bounds.items():
        n = sum(1 for o in objs if a <= o["t"] < b)
        per_week[p] = n / ((b - a).total_seconds() / (7 * 86400))
    check(f"{name}: settled per week <= half of early", per_week["settled"] <= per_week["early"] / 2,
          {k: round(v, 2) for k, v in per_week.items()})

    # Rotation: at least 20 distinct check-in texts in every 60 days.
    checkins = [o for o in objs if o["kind"] == "checkin"]
    worst = None
    for d in range(0, DAYS - 60 + 1):
        a = since + dt.timedelta(days=d)
        b = a + dt.timedelta(days=60)
        n = len({o["body"] for o in checkins if a <= o["t"] < b})
        if worst is None or n < worst[0]:
            worst = (n, a.date())
    check(f"{name}: >= 20 distinct check-in texts in any 60 days", worst and worst[0] >= 20, worst)

    # Questions of a phase only in that phase (the library's and the plan's own).
    tagged = {text_of(q): phases_of(q) for q in lib}
    tagged.update({t: phases_of(q) for t, q in questions.items()})
    check_all(f"{name}: questions only in their phases", checkins,
              lambda o: not tagged.get(o["body"]) or o["phase"] in tagged[o["body"]])

    # No body or title with a zero count or a negative number; quiet hours kept.
    check_all(f"{name}: no zero count", [f"{o['at']} {o['title']}: {o['body']}" for o in objs],
              lambda s: not any(z.search(s) for z in ZERO))
    quiet = cfg.get("quiet_hours")
    if quiet:
        check_all(f"{name}: nothing inside quiet hours", [o for o in objs if o["kind"] != "notify"],
                  lambda o: not in_window(o["t"].time(), quiet)
                  or o["t"].time() == local_time(quiet.split("..")[1]))

    # Gestures: one naming a part of the day comes in that part; one tagged by phase in it.
    gshown = [o for o in objs if o["kind"] == "gesture"]
    check(f"{name}: gestures shown", len(gshown) > 20, len(gshown))
    check_all(f"{name}: gestures come from the pool", gshown, lambda o: o["body"] in gestures)
    gshown = [o for o in gshown if o["body"] in gestures]
    attr = lambda o, k: None if isinstance(gestures[o["body"]], str) else gestures[o["body"]].get(k)
    timed = [o for o in gshown if attr(o, "at")]
    check(f"{name}: some gestures name a time of day", len(timed) >= 10, len(timed))
    check_all(f"{name}: a gesture naming a time of day comes then", timed,
              lambda o: in_window(o["t"].time(), attr(o, "at")))
    check_all(f"{name}: a gesture tagged by phase comes in that phase",
              [o for o in gshown if attr(o, "phases")], lambda o: o["phase"] in attr(o, "phases"))

    # Forgiveness is never prompted (the header of healing.lua says so); not in the other
    # plan's texts either.
    check_all(f"{name}: no notification mentions forgiveness",
              [f"{o['at']} {o['title']}: {o['body']}" for o in objs],
              lambda s: not re.search(r"forgiv", s, re.I))

    # Milestones on their calendar days (months and years to the calendar day).
    ms = calls(dump, "milestone")
    shown = sorted(o["t"].date() for o in objs if o["kind"] == "milestone")
    if name == "healing":
        check("healing: no milestones to live up to", not ms and not shown, shown)
    for m in ms:
        want = sorted(add_span(since, s).date() for s in m.get("at", []))
        check(f"{name}: milestones on their calendar days", shown == want,
              (shown, want))

    # Paused days: the plan's own pause shows nothing but promises.
    for rng in (cfg.get("pause") or []):
        a, _, b = rng.partition("..")
        a = dt.datetime.strptime(a, "%Y-%m-%d").replace(tzinfo=BER)
        b = dt.datetime.strptime(b or rng, "%Y-%m-%d").replace(tzinfo=BER) + dt.timedelta(days=1)
        check_all(f"{name}: only promises in its pause {rng}",
                  [(o["at"], o["kind"]) for o in objs if a <= o["t"] < b], lambda k: k[1] == "promise")

    # A copy with two weeks paused in February, and a promise due then: only the promise.
    a = dt.datetime(2027, 2, 8, tzinfo=BER)
    b = dt.datetime(2027, 2, 22, tzinfo=BER)
    before = [o for o in objs if a <= o["t"] < b]
    check(f"{name}: those two weeks hold reminders unpaused", len(before) >= 5, len(before))
    extra = ('nudge.promise { id = "plan-test", text = "Pick up the photos together", '
             'due = "2027-02-10 18:00" }\n')
    ranges = list(cfg.get("pause") or []) + ["2027-02-08..2027-02-21"]
    paused, err = preview(with_pause(path, ranges, extra), cfg["since"], DAYS)
    if check(f"{name}: preview of the paused copy runs", paused is not None, err):
        for o in paused:
            o["phase"] = phase_at(o["t"])
        inside = [o for o in paused if a <= o["t"] < b]
        check_all(f"{name}: a paused range shows nothing but promises",
                  [(o["at"], o["kind"]) for o in inside], lambda k: k[1] == "promise")
        check(f"{name}: the promise still comes in the pause",
              any(o["body"] == "Pick up the photos together" and o["at"].startswith("2027-02-10T18:00")
                  for o in inside), [(o["at"], o["body"]) for o in inside])
        earlier = lambda os_: [(o["at"], o["body"]) for o in os_ if o["t"] < a]
        check(f"{name}: before the pause, the copy is the plan", earlier(paused) == earlier(objs))

###########################################################################################
# rebuild-trust with a history of answers: streak milestones and the promise figure.

path = os.path.join(SRC, "examples", "rebuild-trust.lua")
dump = lua_dump(path)
cfg = config(dump)
since = dt.datetime.strptime(cfg["since"], "%Y-%m-%d").replace(tzinfo=BER)
answers = os.path.join(TMP, "answers")
with open(answers, "w") as f:
    f.write("# every conversation held, most gestures done, both promises kept\n"
            "*  evening                        done\n"
            "*  weekly-talk                    done\n"
            "*  gesture                        done  70%\n"
            "*  promise:counselling:due:*      kept\n"
            "*  promise:christmas-dinner:due:* kept\n")
objs, err = preview(path, cfg["since"], 120, answers)
if check("rebuild-trust: a preview with answers runs", objs is not None, err):
    check_all("rebuild-trust with answers: no zero count",
              [f"{o['at']} {o['title']}: {o['body']}" for o in objs],
              lambda s: not any(z.search(s) for z in ZERO))
    # The time milestones in these 120 days, and the 7 and 30 evenings in a row once each.
    ms = [o for o in objs if o["kind"] == "milestone"]
    end = since + dt.timedelta(days=120)
    timed = [s for m in calls(dump, "milestone") for s in m.get("at", [])
             if add_span(since, s) < end]
    check("rebuild-trust with answers: the 7 and 30 check-in streaks are celebrated once each",
          len(ms) == len(timed) + 2, [(o["at"], o["body"]) for o in ms])
    first_due = min((o["t"] for o in objs if o["kind"] == "promise"), default=None)
    figures = [o for o in objs if "kept so far" in (o.get("body") or "")]
    check("rebuild-trust with answers: kept promises are mentioned",
          any("2 promises kept so far" in o["body"] for o in figures),
          [(o["at"], o["body"]) for o in figures])
    check("rebuild-trust with answers: no promise figure before a promise was due",
          all(first_due and o["t"] > first_due for o in figures))

shutil.rmtree(TMP, ignore_errors=True)
print(f"{PASS} passed, {FAIL} failed")
sys.exit(1 if FAIL else 0)
