#!/usr/bin/env bash
# nudged --preview: the spec's JSON line format, time order, the window of --from/--days, and
# byte-identical output for the same rules, --from and --seed.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3

cat >"$TMP/rules.lua" <<'LUA'
nudge.config { quiet_hours = "22:30..07:30" }
nudge.on("Mon..Fri 20:30", function()
  nudge.notify { title = "Evening check-in", body = "How was \"today\"?\n", actions = { { id = "done", label = "Done" }, { id = "snooze", label = "Snooze" }, { id = "skip", label = "Skip" } } }
end, { id = "evening" })
nudge.on("daily", function()
  nudge.notify { title = "Gesture", body = "pick " .. nudge.random(100), actions = { skip = "Skip", done = "Done" } }
end, { id = "gesture", window = "12:00..18:00" })
nudge.every("36h", function() nudge.notify { title = "Every", urgency = "low" } end, { jitter = "1h" })
nudge.on("*-*-* 23:00", function() nudge.notify { title = "Late" } end, { id = "late" })
nudge.on("*-*-* 23:15", function() nudge.notify { title = "Dropped" } end, { id = "dropped", quiet = "drop" })
LUA

TZ=Europe/Berlin "$NUDGED" --preview --json --from "2026-11-23 00:00" --days 7 --seed 42 --rules "$TMP/rules.lua" >"$TMP/a" 2>"$TMP/a.err"
check "preview exits 0" [ $? = 0 ]
TZ=Europe/Berlin "$NUDGED" --preview --json --from "2026-11-23 00:00" --days 7 --seed 42 --rules "$TMP/rules.lua" >"$TMP/b" 2>/dev/null
check "same seed: byte-identical" cmp -s "$TMP/a" "$TMP/b"
TZ=Europe/Berlin "$NUDGED" --preview --json --from "2026-11-23 00:00" --days 7 --seed 43 --rules "$TMP/rules.lua" >"$TMP/c" 2>/dev/null
check "other seed: different gesture times" bash -c "! cmp -s '$TMP/a' '$TMP/c'"
# A preview started later draws what the first one drew for the same fires (a window's time,
# nudge.random in the callback): what CalDAV sync pushes is what the daemon will show.
TZ=Europe/Berlin "$NUDGED" --preview --json --from "2026-11-25 09:00" --days 5 --seed 42 --rules "$TMP/rules.lua" >"$TMP/later" 2>/dev/null
check "a later start draws the same times and texts for the same fires" $PY - "$TMP/a" "$TMP/later" <<'PYEOF'
import json, sys
def fires(path, since):
    out = []
    for l in open(path):
        o = json.loads(l)
        if o["id"] in ("gesture", "evening", "late") and since <= o["at"] < "2026-11-30":
            out.append((o["at"], o["id"], o["body"]))
    return out
a = fires(sys.argv[1], "2026-11-25T09:00:00+01:00")
b = fires(sys.argv[2], "2026-11-25T09:00:00+01:00")
assert len([f for f in a if f[1] == "gesture"]) == 5, a
assert a == b, (a, b)
PYEOF

# The format, checked by a real JSON parser, field order included.
check "JSON lines in the spec's format" $PY - "$TMP/a" <<'PYEOF'
import json, sys, datetime
lines = open(sys.argv[1]).read().splitlines()
assert lines, "no output"
prev = None
start = datetime.datetime.fromisoformat("2026-11-23T00:00:00+01:00")
end = start + datetime.timedelta(days=7)
kinds = {"checkin", "gesture", "promise", "patience", "milestone", "notify"}
seen = {}
for l in lines:
    o = json.loads(l)
    assert list(o) == ["at", "id", "kind", "title", "body", "actions"], list(o)
    at = datetime.datetime.fromisoformat(o["at"])
    assert o["at"].endswith("+01:00"), o["at"]
    assert start <= at < end, o["at"]
    assert prev is None or prev <= at, "not in time order"
    prev = at
    assert o["kind"] in kinds
    assert isinstance(o["actions"], list) and all(isinstance(a, str) for a in o["actions"])
    seen.setdefault(o["id"], []).append(o)
ev = seen["evening"]
assert len(ev) == 5, len(ev)  # Mon..Fri of one week
assert all(e["at"][11:19] == "20:30:00" for e in ev)
assert ev[0]["body"] == 'How was "today"?\n'
assert ev[0]["actions"] == ["done", "snooze", "skip"]
g = seen["gesture"]
assert len(g) == 7, len(g)  # once per day
for e in g:
    t = e["at"][11:19]
    assert "12:00:00" <= t < "18:00:00", t
    assert e["actions"] == ["done", "skip"]  # a map comes out sorted by id
late = seen["late"]
# the last evening falls after the previewed week once deferred to 07:30
assert len(late) == 6 and all(e["at"][11:19] == "07:30:00" for e in late), late  # deferred
assert "dropped" not in seen
every = [o for o in (json.loads(l) for l in lines) if o["title"] == "Every"]
assert len(every) == 4, len(every)  # 36h apart over 7 days: 36, 72, 108, 144 h (+jitter < 1h)
PYEOF

# Human output: one line per notification, same count.
TZ=Europe/Berlin "$NUDGED" --preview --from "2026-11-23 00:00" --days 7 --seed 42 --rules "$TMP/rules.lua" >"$TMP/h" 2>/dev/null
check "human preview has one line per notification" [ "$(wc -l <"$TMP/h")" = "$(wc -l <"$TMP/a")" ]
check "human preview shows the local time" grep -q "^Mon 2026-11-23 20:30:00 CET  notify \[evening\]: Evening check-in" "$TMP/h"

# --from in another zone's offset: "at" carries the rule set's zone (TZ).
TZ=America/New_York "$NUDGED" --preview --json --from "2026-11-23 00:00" --days 1 --seed 1 --rules "$TMP/rules.lua" >"$TMP/ny" 2>/dev/null
check "offset follows TZ" grep -q '"at":"2026-11-23T20:30:00-05:00","id":"evening"' "$TMP/ny"

# A runtime error in a callback: logged with file:line, other rules keep firing, exit 1.
cat >"$TMP/err.lua" <<'LUA'
nudge.on("*-*-* 10:00", function() local x = nil; return x.field end, { id = "broken" })
nudge.on("*-*-* 11:00", function() nudge.notify { title = "still here" } end, { id = "fine" })
LUA
"$NUDGED" --preview --json --from "2026-11-23 00:00" --days 5 --rules "$TMP/err.lua" >"$TMP/e" 2>"$TMP/e.err"
check "runtime error: exit 1" [ $? = 1 ]
check "runtime error: file:line in the log" grep -q "$TMP/err.lua:1: attempt to index a nil value" "$TMP/e.err"
check "runtime error: other rule fired every day" [ "$(grep -c '"id":"fine"' "$TMP/e")" = 5 ]
check "runtime error: disabled after 3 failures, with a notification naming it" grep -q '"id":"broken","kind":"notify","title":"nudge: a rule was disabled: broken"' "$TMP/e"
check "runtime error: the notification says where the rule is" grep -qF "(${TMP}/err.lua:1) failed 3 times in a row" "$TMP/e"

# Preview never touches the state folder.
check "preview writes no state" [ ! -e "$XDG_STATE_HOME" ]

finish
