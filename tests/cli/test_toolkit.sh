#!/usr/bin/env bash
# The trust toolkit (nudge.checkin, gesture, promise, patience, milestone) through
# `nudged --preview --json` on the simulated clock. Expected times are computed here, in
# Python, from the rules themselves (calendar, window, jitter, spans since `since`), never
# copied from an earlier run. Also: bad toolkit input names the rule file's line, and the
# bundled plan (examples/rebuild-trust.lua) behaves over a month.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
export TZ=Europe/Berlin

# preview OUT RULES FROM DAYS SEED: JSON lines into $TMP/OUT, log into $TMP/OUT.err
preview() {
    "$NUDGED" --preview --json --rules "$2" --from "$3" --days "$4" --seed "$5" \
        >"$TMP/$1" 2>"$TMP/$1.err"
}
# pycheck "description" ARGS... <<'PY' ... PY: a Python check; an AssertionError fails it.
pycheck() {
    local what=$1; shift
    if PYTHONPATH="$TMP" $PY - "$@"; then ok; else bad "$what"; fi
}

# Helpers shared by the Python checks.
cat >"$TMP/tk.py" <<'PYEOF'
import datetime, json, zoneinfo

BER = zoneinfo.ZoneInfo("Europe/Berlin")
DAY = 86400
MONTH = 2629800  # systemd's month (systemd-analyze timespan 1M: 30.4375 days, "30.44")
WEEK = 7 * DAY

def load(path):
    out = []
    for line in open(path).read().splitlines():
        o = json.loads(line)
        at = datetime.datetime.fromisoformat(o["at"])
        loc = at.astimezone(BER)
        assert at.utcoffset() == loc.utcoffset(), ("offset is not Berlin's", o["at"])
        o["t"] = int(at.timestamp())
        o["local"] = loc
        out.append(o)
    ts = [o["t"] for o in out]
    assert ts == sorted(ts), "not in time order"
    return out

def local(s):
    """'2026-11-01 00:00' in Berlin -> epoch seconds"""
    return int(datetime.datetime.fromisoformat(s).replace(tzinfo=BER).timestamp())

def by_id(objs, ident):
    return [o for o in objs if o["id"] == ident]

def hm(o):
    return o["local"].strftime("%H:%M:%S")

def days(start, n):
    d = datetime.date.fromisoformat(start)
    return [d + datetime.timedelta(days=i) for i in range(n)]
PYEOF

###########################################################################################
# Check-ins: calendar times, window, jitter, placeholders, actions.
cat >"$TMP/checkin.lua" <<'LUA'
nudge.config { since = "2026-11-01" }
nudge.checkin { id = "ev", when = "Mon..Fri 20:30", body = "{days} days, {phase}" }
nudge.checkin { id = "win", when = "Sat,Sun", window = "10:00..12:00", title = "Weekend" }
nudge.checkin { id = "jit", when = "*-*-* 09:00", jitter = "20min", body = "plain" }
LUA
preview ci "$TMP/checkin.lua" "2026-11-16 00:00" 14 7
check "checkin: preview exits 0" [ $? = 0 ]
pycheck "checkin: weekday 20:30 fires, kind, actions, {days} {phase}" "$TMP/ci" <<'PYEOF'
import sys
from tk import *
objs = load(sys.argv[1])
ev = by_id(objs, "ev")
want = [d for d in days("2026-11-16", 14) if d.weekday() < 5]
assert [o["local"].date() for o in ev] == want, [o["at"] for o in ev]
since = local("2026-11-01 00:00")
phases = set()
for o in ev:
    assert hm(o) == "20:30:00", o["at"]
    assert o["kind"] == "checkin" and o["title"] == "Check-in", o
    assert o["actions"] == ["done", "snooze", "skip"], o["actions"]
    elapsed = o["t"] - since
    phase = "first weeks" if elapsed < 3 * WEEK else "first months"
    phases.add(phase)
    assert o["body"] == "%d days, %s" % (elapsed // DAY, phase), (o["at"], o["body"])
assert phases == {"first weeks", "first months"}, phases  # the preview crosses 3 weeks
PYEOF
pycheck "checkin: window once per selected day, jitter within bounds" "$TMP/ci" <<'PYEOF'
import sys
from tk import *
objs = load(sys.argv[1])
win = by_id(objs, "win")
want = [d for d in days("2026-11-16", 14) if d.weekday() >= 5]
assert [o["local"].date() for o in win] == want, [o["at"] for o in win]
for o in win:
    assert "10:00:00" <= hm(o) < "12:00:00", o["at"]
    assert o["kind"] == "checkin" and o["title"] == "Weekend"
    assert o["actions"] == ["done", "snooze", "skip"]
assert len({hm(o) for o in win}) > 1, "window picks the same time every day"
jit = by_id(objs, "jit")
assert [o["local"].date() for o in jit] == days("2026-11-16", 14), [o["at"] for o in jit]
offs = []
for o in jit:
    base = local(o["local"].strftime("%Y-%m-%d") + " 09:00")
    offs.append(o["t"] - base)
    assert 0 <= o["t"] - base < 20 * 60, o["at"]
    assert o["body"] == "plain"
assert len(set(offs)) > 1, "jitter is not random"
PYEOF

# Across the end of daylight saving time: still 20:30 local, the offset changes.
preview cidst "$TMP/checkin.lua" "2026-10-22 00:00" 7 7
pycheck "checkin: 20:30 local across the DST change" "$TMP/cidst" <<'PYEOF'
import sys
from tk import *
ev = by_id(load(sys.argv[1]), "ev")
assert [o["at"][:10] for o in ev] == ["2026-10-22", "2026-10-23", "2026-10-26", "2026-10-27",
                                      "2026-10-28"], [o["at"] for o in ev]
assert all(hm(o) == "20:30:00" for o in ev)
assert ev[0]["at"].endswith("+02:00") and ev[-1]["at"].endswith("+01:00")
# Before `since` nothing has begun: a body counting from it is left out, never "-10 days".
assert [o["body"] for o in ev] == [""] * 5, [o["body"] for o in ev]
PYEOF

###########################################################################################
# Gestures: one per selected day in the window, from the pool, never one of the last N.
cat >"$TMP/gesture.lua" <<'LUA'
nudge.gesture {
  id = "g", when = "daily", window = "11:00..17:00", no_repeat = 5,
  pool = { "g01", "g02", "g03", "g04", "g05", "g06", "g07", "g08", "g09", "g10", "g11", "g12" },
}
nudge.gesture { id = "mwf", when = "Mon,Wed,Fri", window = "18:00..19:00", title = "Evening",
                pool = { "x1", "x2", "x3" }, no_repeat = 1 }
-- a pool no larger than no_repeat: the oldest pick comes back, never the last one
nudge.gesture { id = "two", when = "*-*-* 08:00", pool = { "a", "b" }, no_repeat = 5 }
LUA
preview g1 "$TMP/gesture.lua" "2026-11-01 00:00" 60 11
check "gesture: preview exits 0" [ $? = 0 ]
pycheck "gesture: daily in window, pool, no repeat of the last 5, actions" "$TMP/g1" <<'PYEOF'
import sys
from tk import *
objs = load(sys.argv[1])
g = by_id(objs, "g")
assert [o["local"].date() for o in g] == days("2026-11-01", 60), len(g)
pool = {"g%02d" % i for i in range(1, 13)}
picks = [o["body"] for o in g]
for i, o in enumerate(g):
    assert "11:00:00" <= hm(o) < "17:00:00", o["at"]
    assert o["kind"] == "gesture" and o["title"] == "A small gesture", o
    assert o["actions"] == ["done", "skip"], o["actions"]
    assert o["body"] in pool, o["body"]
    assert o["body"] not in picks[max(0, i - 5):i], (i, picks[max(0, i - 5):i + 1])
assert len(set(picks)) == 12, "not the whole pool used in 60 days: %s" % sorted(set(picks))
PYEOF
pycheck "gesture: only on selected days, once each; tiny pool alternates" "$TMP/g1" <<'PYEOF'
import sys
from tk import *
objs = load(sys.argv[1])
mwf = by_id(objs, "mwf")
want = [d for d in days("2026-11-01", 60) if d.weekday() in (0, 2, 4)]
assert [o["local"].date() for o in mwf] == want, [o["at"] for o in mwf]
for i, o in enumerate(mwf):
    assert "18:00:00" <= hm(o) < "19:00:00" and o["title"] == "Evening", o
    assert o["body"] in ("x1", "x2", "x3")
    assert i == 0 or o["body"] != mwf[i - 1]["body"], "no_repeat=1 repeated"
two = by_id(objs, "two")
assert len(two) == 60 and all(hm(o) == "08:00:00" for o in two)
b = [o["body"] for o in two]
assert all(b[i] != b[i + 1] for i in range(59)), b
PYEOF
preview g2 "$TMP/gesture.lua" "2026-11-01 00:00" 60 11
check "gesture: same seed, byte-identical output" cmp -s "$TMP/g1" "$TMP/g2"
preview g3 "$TMP/gesture.lua" "2026-11-01 00:00" 60 12
pycheck "gesture: another seed picks differently" "$TMP/g1" "$TMP/g3" <<'PYEOF'
import sys
from tk import *
a = [o["body"] for o in by_id(load(sys.argv[1]), "g")]
b = [o["body"] for o in by_id(load(sys.argv[2]), "g")]
assert len(a) == len(b) == 60 and a != b
PYEOF

###########################################################################################
# Promises: reminders that long before due, "Kept?" at due, nothing for the past.
cat >"$TMP/promise.lua" <<'LUA'
nudge.promise { id = "a", text = "Fix the shelf", due = "2026-12-05 19:00" }
nudge.promise { id = "b", text = "Call her mother", due = "2026-12-08 09:00",
                remind = { "3d", "30min" }, title = "Coming up" }
nudge.promise { id = "old", text = "Long gone", due = "2026-11-20 12:00" }
nudge.promise { id = "soon", text = "Half past", due = "2026-12-01 10:00" }
LUA
preview pr "$TMP/promise.lua" "2026-12-01 00:00" 10 1
check "promise: preview exits 0" [ $? = 0 ]
pycheck "promise: reminders, Kept? at due, past dues schedule nothing" "$TMP/pr" <<'PYEOF'
import sys
from tk import *
objs = load(sys.argv[1])
assert all(o["kind"] == "promise" for o in objs), {o["kind"] for o in objs}
def fires(key):
    return [o for o in objs if o["id"].startswith("promise:%s:" % key)]
def expect(key, text, due, remind, title):
    fs = fires(key)
    due_t = local(due)
    times = sorted(due_t - r for r in remind if due_t - r > local("2026-12-01 00:00"))
    assert [o["t"] for o in fs[:-1]] == times, (key, [o["at"] for o in fs])
    for o in fs[:-1]:
        assert o["title"] == title and o["body"].startswith(text), o
        assert o["actions"] == [], o["actions"]
    last = fs[-1]
    assert last["t"] == due_t, last["at"]
    assert last["title"] == "Kept?" and last["body"] == text, last
    assert last["actions"] == ["kept", "not_yet", "broken"], last["actions"]
expect("a", "Fix the shelf", "2026-12-05 19:00", [DAY, 2 * 3600], "A promise")
expect("b", "Call her mother", "2026-12-08 09:00", [3 * DAY, 30 * 60], "Coming up")
expect("soon", "Half past", "2026-12-01 10:00", [DAY, 2 * 3600], "A promise")  # 1d is past
assert len(fires("soon")) == 2
assert fires("old") == [], fires("old")
assert len(objs) == 3 + 3 + 2, len(objs)
PYEOF

# A due written as a calendar event is its next elapse: from Tue 2026-12-01, "Sat 11:00" is
# Sat 2026-12-05 11:00 (systemd-analyze calendar --base-time agrees); nudge.at takes one too.
cat >"$TMP/promise-cal.lua" <<'LUA'
nudge.promise { id = "cal", text = "Call her mother", due = "Sat 11:00", remind = { "1h" } }
nudge.at("Mon..Fri 09:00", function() nudge.notify { title = "Hello", body = "x" } end, { id = "at" })
LUA
preview prc "$TMP/promise-cal.lua" "2026-12-01 12:00" 7 1
check "promise with a calendar due: preview exits 0" [ $? = 0 ]
pycheck "promise with a calendar due: reminded an hour before next Saturday 11:00, Kept? then" "$TMP/prc" <<'PYEOF'
import sys
from tk import *
objs = load(sys.argv[1])
p = [o for o in objs if o["id"].startswith("promise:cal:")]
assert [o["t"] for o in p] == [local("2026-12-05 10:00"), local("2026-12-05 11:00")], [o["at"] for o in p]
assert p[-1]["title"] == "Kept?", p[-1]
a = by_id(objs, "at")
assert [o["t"] for o in a] == [local("2026-12-02 09:00")], [o["at"] for o in a]
PYEOF

###########################################################################################
# Patience: the body follows the phase; boundaries at exactly 3w and 6M after `since`.
cat >"$TMP/patience.lua" <<'LUA'
nudge.config { since = "2026-01-01 00:00" }
nudge.patience { id = "p", when = "*-*-* *:00/10" }
LUA
preview pa1 "$TMP/patience.lua" "2026-01-21 22:55" 1 1
check "patience: preview exits 0" [ $? = 0 ]
preview pa2 "$TMP/patience.lua" "2026-06-30 12:55" 1 1
pycheck "patience: default phases switch at exactly 3w and 6M" "$TMP/pa1" "$TMP/pa2" <<'PYEOF'
import sys
from tk import *
since = local("2026-01-01 00:00")
def phase(t):
    e = t - since
    # 6M on the calendar: 2026-01-01 + six months is 2026-07-01 (same local time)
    return 0 if e < 3 * WEEK else 1 if t < local("2026-07-01 00:00") else 2
starts = ["Early days.", "Keep the routines going", "Keep nurturing the connection"]
seen = []
for path in sys.argv[1:]:
    objs = load(path)
    assert len(objs) == 144, len(objs)  # every 10 minutes for a day
    for o in objs:
        assert o["kind"] == "patience" and o["title"] == "Patience" and o["actions"] == []
        p = phase(o["t"])
        assert o["body"].startswith(starts[p]), (o["at"], p, o["body"])
        seen.append((o["t"], p))
def at(s):
    return [p for t, p in seen if t == local(s)][0]
# 3 weeks: 2026-01-22 00:00; 6 months on the calendar: 2026-07-01 00:00 CEST
assert at("2026-01-21 23:50") == 0 and at("2026-01-22 00:00") == 1
assert at("2026-06-30 23:50") == 1 and at("2026-07-01 00:00") == 2
assert {p for _, p in seen} == {0, 1, 2}
PYEOF
cat >"$TMP/patience2.lua" <<'LUA'
nudge.config { since = "2026-03-01 12:00" }
nudge.patience {
  id = "mine", when = "*-*-* 06,12,18:00", title = "Slowly",
  phases = { { upto = "1d", body = "one" },
             { upto = "36h", body = function(ctx) return "two:" .. ctx.days end },
             { body = "three {days}" } },
}
LUA
preview pa3 "$TMP/patience2.lua" "2026-03-01 00:00" 4 1
pycheck "patience: custom phases, string and function bodies" "$TMP/pa3" <<'PYEOF'
import sys
from tk import *
objs = load(sys.argv[1])
since = local("2026-03-01 12:00")
assert len(objs) == 11, len(objs)  # 06:00 on the first day is before since: silent
assert objs[0]["at"].startswith("2026-03-01T12:00"), objs[0]["at"]
for o in objs:
    e = o["t"] - since
    d = (o["local"].date() - datetime.date(2026, 3, 1)).days  # {days}: calendar days
    want = "one" if e < DAY else ("two:%d" % d) if e < 36 * 3600 else "three %d" % d
    assert o["body"] == want, (o["at"], o["body"], want)
    assert o["title"] == "Slowly" and o["kind"] == "patience"
bodies = [o["body"] for o in objs]
assert "one" in bodies and "two:1" in bodies and "three 2" in bodies, bodies
PYEOF

###########################################################################################
# Milestones: each span once at since+span; none for the past; streaks need history.
cat >"$TMP/milestone.lua" <<'LUA'
nudge.config { since = "2026-11-01" }
nudge.milestone { at = { "1d", "7d", "30d", "90d", "6M", "1y" }, title = "Look back",
                  body = "{days} days together" }
LUA
preview mi "$TMP/milestone.lua" "2026-11-03 00:00" 200 1
check "milestone: preview exits 0" [ $? = 0 ]
pycheck "milestone: once at since+span, none for the past, no streak without check-ins" "$TMP/mi" <<'PYEOF'
import sys
from tk import *
objs = load(sys.argv[1])
since = local("2026-11-01 00:00")
# 1d is past, 1y beyond; 6M lands on the calendar day (2027-05-01, checked with date -d below)
spans = {"7d": 7 * DAY, "30d": 30 * DAY, "90d": 90 * DAY,
         "6M": local("2027-05-01 00:00") - since}
end = local("2026-11-03 00:00") + 200 * DAY
assert local("2026-11-03 00:00") > since + DAY and since + 365 * DAY > end  # sanity
assert sorted(o["id"] for o in objs) == sorted("milestone:" + k for k in spans), \
    [(o["id"], o["at"]) for o in objs]
for o in objs:
    s = spans[o["id"].split(":", 1)[1]]
    assert o["t"] == since + s, (o["id"], o["at"])
    assert o["kind"] == "milestone" and o["title"] == "Look back" and o["actions"] == []
    # {days}: calendar days, so 181 on May 1 although DST took an hour out of them
    d = (datetime.date.fromtimestamp(since + s) - datetime.date(2026, 11, 1)).days
    assert o["body"] == "%d days together" % d, o["body"]
PYEOF
six=$(date -d "2026-11-01 +6 months" +%s)
check "milestone: 6M is date -d's six months" grep -q "\"at\":\"$(date -d "@$six" +%Y-%m-%dT%H:%M:%S)" "$TMP/mi"
# The streak rule is registered (its id is taken) unless streaks = {}.
printf 'nudge.config { since = "2026-11-01" }\nnudge.milestone {}\nnudge.on("daily", function() end, { id = "milestone:streaks" })\n' >"$TMP/ms1.lua"
"$NUDGED" --check --rules "$TMP/ms1.lua" >"$TMP/ms1.out" 2>&1
check "milestone: streak rule registered" grep -qxF "$TMP/ms1.lua:3: duplicate id 'milestone:streaks'" "$TMP/ms1.out"
printf 'nudge.config { since = "2026-11-01" }\nnudge.milestone { streaks = {} }\nnudge.on("daily", function() end, { id = "milestone:streaks" })\n' >"$TMP/ms2.lua"
"$NUDGED" --check --rules "$TMP/ms2.lua" >"$TMP/ms2.out" 2>&1
check "milestone: streaks = {} registers no streak rule" [ $? = 0 ]

###########################################################################################
# Bad input: one `file:line: message` naming the rule file's line (line 3 here), exit 1.
badcase() { # badcase "lua call" "message"
    local f="$TMP/bad.lua"
    printf -- '-- a rule file\nnudge.config { since = "2026-11-01" }\n%s\n' "$1" >"$f"
    "$NUDGED" --check --rules "$f" >"$TMP/bad.out" 2>&1
    local rc=$?
    if [ "$rc" = 1 ] && grep -qxF "$f:3: $2" "$TMP/bad.out" && ! grep -q prelude "$TMP/bad.out"; then
        ok
    else
        bad "bad input: $1 (rc $rc): $(cat "$TMP/bad.out")"
    fi
}
badcase 'nudge.checkin{}' "nudge.checkin: 'id' must be a non-empty string"
badcase 'nudge.checkin("x")' "nudge.checkin needs a table: nudge.checkin{...}"
badcase 'nudge.checkin{id="a"}' "nudge.checkin: 'when' must be a calendar event or a table keyed by phase (when = { early = \"*-*-* 20:30\", settled = \"Sun 18:00\" })"
badcase 'nudge.checkin{id="a", when=5}' "nudge.checkin: 'when' must be a calendar event or a table keyed by phase (when = { early = \"*-*-* 20:30\", settled = \"Sun 18:00\" })"
badcase 'nudge.checkin{id="a", when={erly="Sun 18:00"}}' "nudge.checkin: when: unknown phase 'erly' (did you mean 'early'?)"
badcase 'nudge.gesture{id="a", pool={"x"}, when={early=5}}' "nudge.gesture: when.early must be a calendar event like \"Mon,Wed,Fri 20:30\""
badcase 'nudge.gesture{id="a", pool={"x"}, per_week={erly=2}}' "nudge.gesture: per_week: unknown phase 'erly' (did you mean 'early'?)"
badcase 'nudge.gesture{id="a", pool={"x"}, per_week={early=8}}' "nudge.gesture: per_week.early must be a whole number of days from 1 to 7"
badcase 'nudge.gesture{id="a", pool={"x"}, per_week={}}' "nudge.gesture: 'per_week' names no phase, so it would never fire"
badcase 'nudge.gesture{id="a", pool={"x"}, per_week=0}' "nudge.gesture: 'per_week' must be a whole number of days from 1 to 7, or a table keyed by phase (per_week = { early = 5, months = 3, settled = 2 })"
badcase 'nudge.patience{id="a", when={}}' "nudge.patience: 'when' names no phase, so it would never fire"
badcase 'nudge.checkin{id="a", when={early="Mon..Fir 9:00"}}' 'bad calendar event "Mon..Fir 9:00": unknown weekday "Fir"'
badcase 'nudge.milestone{id=""}' "nudge.milestone: 'id' must be a non-empty string"
badcase 'nudge.config{phases={{name="a", label="A", upto="3w"}, {name="a", label="B"}}}' "config 'phases'[2]: name 'a' is already phases[1]'s"
badcase 'nudge.config{phases={{name="a", label="A", upto="6M"}, {name="b", label="B", upto="3w"}, {name="c", label="C"}}}' "config 'phases'[2]: 'upto' \"3w\" must come after the phase before it ends"
badcase 'nudge.config{phases={{name="a", label="A", upto="3w"}, {name="b", label="B", upto="6M"}}}' "config 'phases'[2]: the last phase has no 'upto' (it lasts from then on)"
badcase 'nudge.config{phases={{name="a", label="A"}, {name="b", label="B"}}}' "config 'phases'[1]: 'upto' must be a span like \"3w\" or \"6M\" (only the last phase has none)"
badcase 'nudge.config{phases={{name="two words", label="A"}}}' "config 'phases'[1]: 'name' must be an identifier like \"early\" (letters, digits, _; at most 31)"
badcase 'nudge.config{phases={{name="a", label="A", upto="3q"}, {name="b", label="B"}}}' "config 'phases'[1]: bad time span \"3q\": unknown unit \"q\""
badcase 'nudge.config{phases={{name="a", lable="A"}}}' "config 'phases'[1]: unknown field 'lable' (did you mean 'label'?)"
badcase 'nudge.config{phases={}}' "config 'phases' must list 1 to 8 phases"
badcase 'nudge.checkin{id="a", when="daily", bogus=1}' \
    "nudge.checkin: unknown field 'bogus' (the fields are body, catch_up, discreet, id, jitter, late_cancel, no_repeat, questions, quiet, snooze, title, urgency, when, window)"
badcase 'nudge.checkin{id="a", when="Mon..Fir 9:00"}' 'bad calendar event "Mon..Fir 9:00": unknown weekday "Fir"'
badcase 'nudge.checkin{id="a", when="daily", snooze="5 parsecs"}' 'bad time span "5 parsecs": unknown unit "parsecs"'
badcase 'nudge.checkin{id="a", when="daily", body=5}' "nudge.checkin: 'body' must be a string or a function(ctx)"
badcase 'nudge.checkin{id="a", when="daily", title=true}' "nudge.checkin: 'title' must be a string"
badcase 'nudge.checkin{id="a", when="daily", quiet="loud"}' "option 'quiet' must be \"defer\", \"drop\" or \"ignore\""
badcase 'nudge.checkin{id="a", when="daily"} nudge.gesture{id="a", when="daily", pool={"x"}}' "duplicate id 'a'"
badcase 'nudge.gesture{pool={}}' "nudge.gesture: 'id' must be a non-empty string"
badcase 'nudge.gesture{id="g", when="daily", pool={}}' "nudge.gesture: 'pool' must be a non-empty list of texts"
badcase 'nudge.gesture{id="g", when="daily"}' "nudge.gesture: 'pool' must be a non-empty list of texts"
badcase 'nudge.gesture{id="g", when="daily", pool={"a", 5}}' "nudge.gesture: pool[2] needs a text (a string, or a table with 'text')"
badcase 'nudge.gesture{id="g", when="daily", pool={"a"}, no_repeat=1.5}' "nudge.gesture: 'no_repeat' must be a whole number >= 0"
badcase 'nudge.gesture{id="g", when="daily", pool={"a"}, colour="red"}' \
    "nudge.gesture: unknown field 'colour' (the fields are catch_up, discreet, id, jitter, late_cancel, no_repeat, per_week, pool, quiet, title, when, window)"
badcase 'nudge.promise{id="x", text="y"}' "nudge.promise: 'due' is required (a time like \"2026-12-24 18:00\" or a calendar event like \"Sat 11:00\")"
badcase 'nudge.promise{id="x", due="2030-01-01"}' "nudge.promise: 'text' must be a non-empty string"
badcase 'nudge.promise{id="x", text="y", due="garbage"}' '"garbage" is neither a time (cannot read "garbage" as a date or time) nor a calendar event (unknown weekday "garbage"); a time looks like "2026-12-24 18:00" or "+2h", a calendar event like "Sat 11:00"'
badcase 'nudge.promise{id="x", text="y", due="Sat 11:0x"}' '"Sat 11:0x" is neither a time (unexpected "x" after "11:0") nor a calendar event (unexpected "x" in minute); a time looks like "2026-12-24 18:00" or "+2h", a calendar event like "Sat 11:00"'
# (--check reads at the real clock: this calendar event names a day gone, so the text is fixed)
badcase 'nudge.config{since="Sat 2026-12-01"}' '"Sat 2026-12-01" is a calendar event, not a moment; a start is a moment that has been, like "2026-11-01", "yesterday" or "-7d"'
badcase 'nudge.promise{id="x", text="y", due="2030-01-01", remind="1d"}' "nudge.promise: 'remind' must be a list of spans"
badcase 'nudge.promise{id="x", text="y", due="2030-01-01", remind={true}}' "nudge.promise: remind[1] is not a span"
badcase 'nudge.promise{id="x", text="y", due="2030-01-01", when="daily"}' \
    "nudge.promise: unknown field 'when' (the fields are discreet, due, id, remind, text, title)"
badcase 'nudge.patience{phases={{body="a"},{body="b"}}}' "nudge.patience: 'id' must be a non-empty string"
badcase 'nudge.patience{id="p", when="daily", phases={{body="a"},{body="b"}}}' \
    "nudge.patience: phases[1] needs 'upto' (only the last has none)"
badcase 'nudge.patience{id="p", when="daily", phases={}}' "nudge.patience: 'phases' must be a list of {upto=span, body=...}"
badcase 'nudge.patience{id="p", when="daily", phases={{upto="1d", body="a"}}}' \
    "nudge.patience: the last phase must not have 'upto' (it lasts from then on)"
badcase 'nudge.patience{id="p", when="daily", phases={{upto="1d"}, {body="b"}}}' \
    "nudge.patience: phases[1].body must be a string or a function(ctx)"
badcase 'nudge.patience{id="p", when="daily", phases={{upto="zz", body="a"}, {body="b"}}}' 'bad time span "zz": expected a number at "zz"'
badcase 'nudge.milestone{at={"7d"}, streaks={0}}' "nudge.milestone: streaks[1] must be a whole number of days"
badcase 'nudge.milestone{at="7d"}' "nudge.milestone: 'at' must be a list of spans"
badcase 'nudge.milestone{at={{}}}' "nudge.milestone: at[1] is not a span"
badcase 'nudge.milestone{at={"7 fortnights"}}' 'bad time span "7 fortnights": unknown unit "fortnights"'
badcase 'nudge.checkin{id="a", when="daily", discreet="yes"}' "nudge.checkin: 'discreet' must be true or false"
badcase 'nudge.promise{id="x", text="y", due="2030-01-01", discreet=1}' "nudge.promise: 'discreet' must be true or false"
badcase 'nudge.milestone{every="7d"}' "nudge.milestone: unknown field 'every' (the fields are at, body, discreet, id, streaks, title, when)"
# nudge.milestone before nudge.config{since}: the line of the milestone call.
printf -- '-- no since yet\n\nnudge.milestone {}\nnudge.config { since = "2026-11-01" }\n' >"$TMP/nosince.lua"
"$NUDGED" --check --rules "$TMP/nosince.lua" >"$TMP/nosince.out" 2>&1
check "bad input: milestone before config{since}" \
    grep -qxF "$TMP/nosince.lua:3: nudge.milestone needs nudge.config{since = ...} before it" "$TMP/nosince.out"

###########################################################################################
# The bundled plan over a month: every kind, quiet hours kept, at most one gesture a day,
# evening check-ins five days a week in the first three weeks, then three (tests/cli/test_plan.py
# judges the plan over a whole year).
preview plan "$NUDGE_SRC/examples/rebuild-trust.lua" "2026-11-16 00:00" 30 5
check "rebuild-trust: preview exits 0" [ $? = 0 ]
pycheck "rebuild-trust: a month of the bundled plan" "$TMP/plan" <<'PYEOF'
import sys, collections
from tk import *
objs = load(sys.argv[1])
kinds = {o["kind"] for o in objs}
assert {"checkin", "gesture", "promise", "patience", "milestone"} <= kinds, kinds
for o in objs:
    t = hm(o)
    assert "07:30:00" <= t < "22:30:00", ("inside quiet hours", o["at"], o["id"])
per_day = collections.Counter(o["local"].date() for o in objs if o["kind"] == "gesture")
assert len(per_day) >= 12 and max(per_day.values()) == 1, per_day
ev = by_id(objs, "evening")
early = lambda d: d < datetime.date(2026, 11, 22)  # three weeks after since
assert [o["local"].date() for o in ev] == [d for d in days("2026-11-16", 30)
                                            if d.weekday() in ((0, 1, 2, 3, 4) if early(d) else (0, 2, 4))]
assert all(hm(o) == "20:30:00" for o in ev)
# 30 days after since (2026-11-01 00:00) falls in quiet hours: deferred to their end
ms = [o for o in objs if o["kind"] == "milestone"]
assert [o["at"] for o in ms] == ["2026-12-01T07:30:00+01:00"], [o["at"] for o in ms]
PYEOF

###########################################################################################
# The single-feature examples preview cleanly: exit 0, no warnings or errors in the log.
for f in "$NUDGE_SRC"/examples/*.lua; do
    preview ex "$f" "2026-11-27 00:00" 14 1
    rc=$?
    check "example $(basename "$f"): preview exits 0 (got $rc)" [ "$rc" = 0 ]
    check "example $(basename "$f"): no warnings in preview" bash -c "! grep -Ei 'warning|error' '$TMP/ex.err'"
done

finish
