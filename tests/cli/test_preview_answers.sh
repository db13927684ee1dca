#!/usr/bin/env bash
# nudged --preview --answers FILE: a scripted history replayed through the ledger (streaks grow
# with done check-ins, "Not yet" asks again in an hour, a scripted check-in silences the next
# prompt), the same output for the same seed, script errors as FILE:LINE with exit 2, nothing
# written to the real state; and discreet reminders in the preview (full text, "discreet":true).
. "$(dirname "$0")/lib.sh"
export TZ=Europe/Berlin
RULES="$TMP/rules.lua"
cat >"$RULES" <<'LUA'
nudge.config { since = "2026-11-01" }
nudge.checkin { id = "evening", when = "*-*-* 20:30", title = "Evening check-in",
                body = "Streak {streak}" }
nudge.promise { id = "talk", text = "Call the counsellor", due = "2026-11-03 18:00", remind = {},
                discreet = true }
LUA
preview() { "$NUDGED" --preview --from "2026-11-01 00:00" --days "$1" --rules "$RULES" --state "$TMP/state" "${@:2}"; }
# {streak} in words: "a fresh start", "1 day", "2 days"...
bodies() { grep -o '"body":"Streak [^"]*"' "$1" | sed 's/.*Streak \([^"]*\)"/\1/' | tr '\n' '/'; }

# Without a script nothing is answered: the streak never grows.
preview 5 --json >"$TMP/none" 2>/dev/null
check "no script: streak stays" [ "$(bodies "$TMP/none")" = "a fresh start/a fresh start/a fresh start/a fresh start/a fresh start/" ]

# Every evening done (10 minutes after it shows): the streak grows day by day.
printf '# all done\n*  evening  done  after 10min\n' >"$TMP/done.txt"
preview 5 --json --answers "$TMP/done.txt" >"$TMP/done" 2>"$TMP/done.err"
check "script replayed: exit 0" [ $? = 0 ]
check "done every day: {streak} grows" [ "$(bodies "$TMP/done")" = "a fresh start/1 day/2 days/3 days/4 days/" ]

# Weekends skipped, weekdays done: only the days answered done count.
printf 'Sat,Sun evening skip\nMon..Fri evening done\n' >"$TMP/wk.txt"
preview 5 --json --answers "$TMP/wk.txt" >"$TMP/wk" 2>/dev/null
# 2026-11-01 is a Sunday: skipped, then Mon..Thu done.
check "weekday script: streak from Monday" [ "$(bodies "$TMP/wk")" = "a fresh start/a fresh start/1 day/2 days/3 days/" ]

# A promise answered "Not yet" is asked again an hour after the answer; first line wins.
printf '2026-11-03 promise:* not_yet after 0\n* promise:* broken\n' >"$TMP/p.txt"
preview 4 --json --answers "$TMP/p.txt" >"$TMP/p" 2>/dev/null
check "not_yet: asked again in 1h" bash -c "grep '\"title\":\"Kept?\"' '$TMP/p' | grep -o '\"at\":\"[^\"]*\"' | tr '\n' ' ' | grep -qx '\"at\":\"2026-11-03T18:00:00+01:00\" \"at\":\"2026-11-03T19:00:00+01:00\" \"at\":\"2026-11-04T18:00:00+01:00\" '"
# The re-ask on the 4th is answered by the second line (broken): nothing after it.
preview 6 --json --answers "$TMP/p.txt" >"$TMP/p6" 2>/dev/null
check "broken settles: no more asks" [ "$(grep -c '"title":"Kept?"' "$TMP/p6")" = 3 ]

# A scripted check-in silences that evening's prompt (the first evening is answered, so no
# prompt is open for the check-in to settle instead: SPEC 2.3).
printf '2026-11-01 evening done\n2026-11-02 19:00 checkin evening mood=4 note="we talked on a walk"\n' >"$TMP/c.txt"
preview 3 --json --answers "$TMP/c.txt" >"$TMP/c" 2>/dev/null
check "checkin line: that evening silent" [ "$(grep -c '"2026-11-02T20:30' "$TMP/c")" = 0 ]
check "checkin line: other evenings shown" [ "$(grep -c '"title":"Evening check-in"' "$TMP/c")" = 2 ]

# A share: the same seed gives the same choices, another seed others.
printf '* evening done 50%%\n* evening skip\n' >"$TMP/half.txt"
preview 30 --json --seed 7 --answers "$TMP/half.txt" >"$TMP/h1" 2>/dev/null
preview 30 --json --seed 7 --answers "$TMP/half.txt" >"$TMP/h2" 2>/dev/null
preview 30 --json --seed 8 --answers "$TMP/half.txt" >"$TMP/h3" 2>/dev/null
check "share: same seed, same bytes" cmp -s "$TMP/h1" "$TMP/h2"
check "share: other seed, other history" bash -c "! cmp -s '$TMP/h1' '$TMP/h3'"

# Errors name the file and line, exit 2, and preview nothing.
printf '* evening done\n\nMon..Fri evening maybe\n' >"$TMP/bad.txt"
preview 3 --answers "$TMP/bad.txt" >"$TMP/bad.out" 2>"$TMP/bad.err"
check "bad script: exit 2" [ $? = 2 ]
check "bad script: FILE:LINE" grep -qx "$TMP/bad.txt:3: 'maybe' is not an answer (done, skip, snooze, kept, not_yet, broken)" "$TMP/bad.err"
check "bad script: nothing previewed" [ ! -s "$TMP/bad.out" ]
preview 3 --answers "$TMP/missing.txt" >/dev/null 2>"$TMP/miss.err"
check "missing script: exit 2" [ $? = 2 ]
check "missing script: says so" grep -q "missing.txt: No such file or directory" "$TMP/miss.err"
"$NUDGED" --answers "$TMP/done.txt" >/dev/null 2>"$TMP/alone.err"
check "--answers alone: usage error" [ $? = 2 ]
check "--answers alone: says it goes with --preview" grep -q "go with --preview" "$TMP/alone.err"

# The real state is never written.
check "no state written" [ ! -e "$TMP/state/nudge.db" ]

# Discreet: the preview shows the full text and says it is discreet.
check "discreet in --json" grep -q '"title":"Kept?","body":"Call the counsellor","actions":\["kept","not_yet","broken"\],"discreet":true' "$TMP/p"
check "not discreet: no field" bash -c "! grep '\"id\":\"evening\"' '$TMP/p' | grep -q discreet"
preview 4 --answers "$TMP/p.txt" >"$TMP/human" 2>/dev/null
check "discreet in the human preview: full text" grep -q "Kept? — Call the counsellor" "$TMP/human"
finish
