#!/usr/bin/env bash
# SPEC 2.4 "Check-in questions" and "Gestures" through `nudged --preview --json` over long
# simulated ranges: questions rotate without repeating one of the last no_repeat and follow
# their phase tags; per_week gives exactly N distinct days in every full week; a gesture that
# names a part of the day is only ever shown inside it; bad entries name the rule's line.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
export TZ=Europe/Berlin

preview() { # preview OUT RULES FROM DAYS SEED
    "$NUDGED" --preview --json --rules "$2" --from "$3" --days "$4" --seed "$5" \
        >"$TMP/$1" 2>"$TMP/$1.err"
}
pycheck() {
    local what=$1; shift
    if $PY - "$@"; then ok; else bad "$what"; fi
}

cat >"$TMP/common.py" <<'PYEOF'
import datetime, json, zoneinfo
BER = zoneinfo.ZoneInfo("Europe/Berlin")
MONTH = 2629800
SINCE = int(datetime.datetime(2026, 11, 2, tzinfo=BER).timestamp())
def load(path):
    out = []
    for line in open(path).read().splitlines():
        o = json.loads(line)
        o["t"] = int(datetime.datetime.fromisoformat(o["at"]).timestamp())
        o["local"] = datetime.datetime.fromisoformat(o["at"]).astimezone(BER)
        out.append(o)
    return out
def phase(t):  # the ledger's phases: 21 days, six systemd months
    e = t - SINCE
    return "early" if e < 21 * 86400 else "months" if e < 6 * MONTH else "settled"
def secs(o):
    l = o["local"]
    return l.hour * 3600 + l.minute * 60 + l.second
PYEOF
export PYTHONPATH="$TMP"

###########################################################################################
# Questions: 16 entries, some tagged; no_repeat 5; 200 days crosses all three phases.
cat >"$TMP/q.lua" <<'LUA'
nudge.config { since = "2026-11-02" }
local qs = { "What felt good between you this week?", "What was hard today?",
  "What would help you feel safe tomorrow?", "What is one thing you appreciated today?" }
for i = 1, 4 do qs[#qs + 1] = { text = "early " .. i, phases = { "early" } } end
for i = 1, 4 do qs[#qs + 1] = { text = "months " .. i, phases = { "months" } } end
for i = 1, 4 do qs[#qs + 1] = { text = "settled " .. i, phases = { "months", "settled" } } end
nudge.checkin { id = "ask", when = "*-*-* 20:30", questions = qs, no_repeat = 5 }
nudge.checkin { id = "frame", when = "Sun 18:00", title = "Sunday",
                questions = { "A?", "B?", "C?" }, body = "Ten quiet minutes. {question}" }
LUA
preview q "$TMP/q.lua" "2026-11-02 00:00" 200 11
check "questions: preview exits 0" [ $? = 0 ]
pycheck "questions: none of the last 5 repeats, phase tags followed, every one used" "$TMP/q" <<'PYEOF'
import sys
from common import *
objs = [o for o in load(sys.argv[1]) if o["id"] == "ask"]
assert len(objs) == 200, len(objs)
bodies = [o["body"] for o in objs]
for i, b in enumerate(bodies):
    assert b not in bodies[max(0, i - 5):i], (i, b, bodies[max(0, i - 5):i])
for o in objs:
    b, p = o["body"], phase(o["t"])
    if b.startswith("early"): assert p == "early", (o["at"], b)
    if b.startswith("months"): assert p == "months", (o["at"], b)
    if b.startswith("settled"): assert p in ("months", "settled"), (o["at"], b)
seen = {p: set() for p in ("early", "months", "settled")}
for o in objs:
    seen[phase(o["t"])].add(o["body"])
assert {"early 1", "early 2", "early 3", "early 4"} <= seen["early"], seen["early"]
assert not any(b.startswith("months") for b in seen["settled"]), seen["settled"]
assert len(seen["months"]) >= 10, seen["months"]
PYEOF
pycheck "questions: a body with {question} frames it; no_repeat defaults to pool size - 1" "$TMP/q" <<'PYEOF'
import sys
from common import *
objs = [o for o in load(sys.argv[1]) if o["id"] == "frame"]
assert len(objs) >= 28, len(objs)
qs = [o["body"].replace("Ten quiet minutes. ", "") for o in objs]
assert all(o["body"].startswith("Ten quiet minutes. ") for o in objs), objs[0]
for i in range(2, len(qs)):
    assert len({qs[i], qs[i - 1], qs[i - 2]}) == 3, qs[i - 2:i + 1]
PYEOF
preview q2 "$TMP/q.lua" "2026-11-02 00:00" 200 11
check "questions: same seed, same output" cmp -s "$TMP/q" "$TMP/q2"

###########################################################################################
# Gestures per_week, with parts of the day and phases, 120 days from a Monday.
cat >"$TMP/g.lua" <<'LUA'
nudge.config { since = "2026-11-02" }
nudge.gesture { id = "three", per_week = 3, no_repeat = 2, pool = {
  "Leave a kind note", "Ask how their day really was",
  { text = "Say good morning", at = "morning" },
  { text = "Send a midday hello", at = "afternoon" },
  { text = "Make tea tonight", at = "evening" },
  { text = "Bring coffee", at = "09:30..10:15" },
  { text = "Plan an outing", phases = { "months", "settled" } },
} }
nudge.gesture { id = "five", per_week = 5, window = "17:00..19:00", pool = { "A", "B", "C" } }
nudge.gesture { id = "daily", when = "*-*-* 08:00,19:00", pool = {
  { text = "morning only", at = "morning" }, { text = "evening only", at = "evening" } } }
LUA
preview g "$TMP/g.lua" "2026-11-02 00:00" 120 5
check "gestures: preview exits 0" [ $? = 0 ]
check "gestures: preview logs no warning" bash -c "! grep -Ei 'warning|error' '$TMP/g.err'"
pycheck "per_week: exactly N distinct days in every full week, inside the window" "$TMP/g" <<'PYEOF'
import sys, collections
from common import *
objs = load(sys.argv[1])
for ident, n in (("three", 3), ("five", 5)):
    # Each day's one-shot (ident@YYYY-MM-DD) shows as the gesture itself.
    mine = [o for o in objs if o["id"] == ident]
    weeks = collections.defaultdict(list)
    for o in mine:
        weeks[o["local"].isocalendar()[:2]].append(o["local"].date())
    full = sorted(weeks)[:-1]  # the range ends inside the last week
    assert len(full) >= 16, full
    for w in full:
        assert len(weeks[w]) == n == len(set(weeks[w])), (ident, w, weeks[w])
for o in objs:
    if o["id"] == "five":
        assert 17 * 3600 <= secs(o) < 19 * 3600, o["at"]
PYEOF
pycheck "gestures: every 'at' gesture inside its part of the day; phases and no_repeat kept" "$TMP/g" <<'PYEOF'
import sys
from common import *
objs = load(sys.argv[1])
win = {"Say good morning": (7, 11), "Send a midday hello": (12, 17), "Make tea tonight": (18, 21.5),
       "Bring coffee": (9.5, 10.25), "morning only": (7, 11), "evening only": (18, 21.5)}
counted = 0
for o in objs:
    if o["body"] in win:
        a, b = win[o["body"]]
        assert a * 3600 <= secs(o) <= b * 3600, (o["at"], o["body"])
        counted += 1
    if o["body"] == "Plan an outing":
        assert phase(o["t"]) != "early", o["at"]
assert counted >= 40, counted
three = [o["body"] for o in objs if o["id"] == "three"]
for i, b in enumerate(three):
    assert b not in three[max(0, i - 2):i], (i, three[max(0, i - 2):i + 1])
daily = [o for o in objs if o["id"] == "daily"]
assert len(daily) == 240, len(daily)
PYEOF

# A pause longer than the weeks planned ahead (the holidays) silences every armed day: the
# plan must go on after it, not end for good.
cat >"$TMP/gp.lua" <<'LUA'
nudge.config { pause = { "2026-12-21..2027-01-06" } }
nudge.gesture { id = "g", per_week = 3, pool = { "a", "b", "c", "d", "e" } }
LUA
preview gp "$TMP/gp.lua" "2026-12-14 00:00" 60 1
check "per_week after a long pause: preview exits 0" [ $? = 0 ]
pycheck "per_week after a long pause: three days a week again, none inside the pause" "$TMP/gp" <<'PYEOF'
import sys, collections, datetime
from common import *
objs = load(sys.argv[1])
weeks = collections.defaultdict(int)
for o in objs:
    d = o["local"].date()
    assert not (datetime.date(2026, 12, 21) <= d <= datetime.date(2027, 1, 6)), o["at"]
    weeks[o["local"].isocalendar()[:2]] += 1
for w in [(2027, 2), (2027, 3), (2027, 4), (2027, 5)]:
    assert weeks[w] == 3, (w, dict(weeks))
PYEOF

###########################################################################################
# Bad entries: one line naming the rule file's line.
bad_rule() { # bad_rule "description" "lua" "expected message part"
    printf '%s\n' "nudge.config { since = \"2026-11-02\" }" "$2" >"$TMP/bad.lua"
    "$NUDGED" --check --rules "$TMP/bad.lua" >"$TMP/bad.out" 2>&1
    local rc=$?
    check "$1: exit 1" [ "$rc" = 1 ]
    check "$1: names the line" grep -qF "bad.lua:2: nudge." "$TMP/bad.out"
    check "$1: says why" grep -qF "$3" "$TMP/bad.out"
}
bad_rule "per_week 8" 'nudge.gesture { id = "g", per_week = 8, pool = { "a" } }' \
    "nudge.gesture: 'per_week' must be a whole number of days from 1 to 7"
bad_rule "per_week and when" 'nudge.gesture { id = "g", per_week = 2, when = "daily", pool = { "a" } }' \
    "give either 'when' or 'per_week'"
bad_rule "bad at" 'nudge.gesture { id = "g", when = "daily", pool = { { text = "a", at = "noonish" } } }' \
    "pool[1].at must be"
bad_rule "unknown entry field" 'nudge.checkin { id = "c", when = "daily", questions = { { txt = "a" } } }' \
    "questions[1]: unknown field 'txt'"
bad_rule "frame without {question}" 'nudge.checkin { id = "c", when = "daily", questions = { "a" }, body = "hi" }' \
    "needs the {question} placeholder"
bad_rule "phases not a list" 'nudge.checkin { id = "c", when = "daily", questions = { { text = "a", phases = "early" } } }' \
    "questions[1].phases must be a list"
bad_rule "support count" 'nudge.support { after = { broken = 0 } }' \
    "'after.broken' must be a whole number"
bad_rule "support repair" 'nudge.support { repair = "7pm" }' \
    "'repair' must be a time like"

###########################################################################################
# The toolkit examples of nudge-rules(5) and the README's rotation block pass --check.
awk '/^# THE TRUST TOOLKIT/ { f = 1 } /^# SANDBOX/ { f = 0 }
     f && /^\t```$/ { n++; next } f && n % 2 == 1 { sub(/^\t/, ""); print > (dir "/man" n ".lua") }' \
    dir="$TMP" "$NUDGE_SRC/packaging/man/nudge-rules.5.scd"
count=0
for f in "$TMP"/man*.lua; do
    count=$((count + 1))
    { echo 'nudge.config { since = "2026-11-02" }'; cat "$f"; } >"$TMP/ex.lua"
    "$NUDGED" --check --rules "$TMP/ex.lua" >"$TMP/ex.out" 2>&1
    check "nudge-rules(5) toolkit example $(basename "$f") passes --check" [ $? = 0 ]
done
check "nudge-rules(5) has at least 8 toolkit examples" [ "$count" -ge 8 ]
awk '/^Plans can rotate/ { f = 1 } f && /^```(lua)?$/ { if (++n == 2) exit; next } f && n == 1' \
    "$NUDGE_SRC/README.md" >"$TMP/readme.lua"
check "the README's rotation example is there" grep -q "per_week" "$TMP/readme.lua"
"$NUDGED" --check --rules "$TMP/readme.lua" >"$TMP/readme.out" 2>&1
check "the README's rotation example passes --check" [ $? = 0 ]

finish
