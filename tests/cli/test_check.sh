#!/usr/bin/env bash
# nudged --check: exit codes, one "file:line: message" line per error, warnings, never a crash.
. "$(dirname "$0")/lib.sh"

run() { # run OUT RC args...: stdout+stderr into $TMP/OUT, exit code into $TMP/OUT.rc
    local out=$1; shift
    "$NUDGED" "$@" >"$TMP/out-$out" 2>&1
    echo $? >"$TMP/out-$out.rc"
}
rc() { cat "$TMP/out-$1.rc"; }

for f in "$NUDGE_SRC"/examples/*.lua; do
    run ex --check --rules "$f"
    check "example $(basename "$f") passes --check" [ "$(rc ex)" = 0 ]
done

cat >"$TMP/syntax.lua" <<'LUA'
nudge.on("daily", function()
  nudge.notify { title = "x" }
end
LUA
run syntax --check --rules "$TMP/syntax.lua"
check "syntax error exits 1" [ "$(rc syntax)" = 1 ]
check "syntax error names file and line" grep -qE "^$TMP/syntax.lua:[0-9]+: " "$TMP/out-syntax"

cat >"$TMP/cal.lua" <<'LUA'
-- a typo in a weekday
nudge.on("Mon..Fri 9:00", function() end)
nudge.on("Mon..Fir 9:00", function() end)
LUA
run cal --check --rules "$TMP/cal.lua"
check "bad calendar exits 1" [ "$(rc cal)" = 1 ]
check "bad calendar message is exact" grep -qxF \
    "$TMP/cal.lua:3: bad calendar event \"Mon..Fir 9:00\": unknown weekday \"Fir\"" "$TMP/out-cal"

# Every failing file is reported, one line each, in load order.
mkdir -p "$TMP/multi"
printf 'nudge.every("5 parsecs", function() end)\n' >"$TMP/multi/a.lua"
printf 'nudge.on("daily", function() end)\n' >"$TMP/multi/b.lua"
printf '\n\nnudge.at("2026-13-45", function() end)\n' >"$TMP/multi/c.lua"
run multi --check --rules "$TMP/multi"
check "folder with two broken files exits 1" [ "$(rc multi)" = 1 ]
check "two error lines" [ "$(grep -c ': ' "$TMP/out-multi")" = 2 ]
check "first error is a.lua:1" grep -qE "^$TMP/multi/a.lua:1: bad time span \"5 parsecs\"" "$TMP/out-multi"
check "second error is c.lua:3" grep -qE "^$TMP/multi/c.lua:3: \"2026-13-45\" is neither a time" "$TMP/out-multi"

printf 'nudge.on("2020-01-01 10:00", function() end)\nnudge.on("daily", function() end)\n' >"$TMP/never.lua"
run never --check --rules "$TMP/never.lua"
check "never-elapsing event is only a warning" [ "$(rc never)" = 0 ]
check "never-elapsing event warns with its place" grep -qE "^$TMP/never.lua:1: warning: calendar event \"2020-01-01 10:00\" never elapses" "$TMP/out-never"

# Lua cuts chunk names to 60 bytes; errors must still name a deep rule file in full.
deep="$TMP/a-rather-long-folder-name/with/several/levels/of/nesting/below/it"
mkdir -p "$deep"
printf '\nnudge.on("Mon..Fir 9:00", function() end)\n' >"$deep/rules.lua"
run deep --check --rules "$deep/rules.lua"
check "a long path is named in full" grep -qF "$deep/rules.lua:2: bad calendar event" "$TMP/out-deep"

run missing --check --rules "$TMP/does-not-exist.lua"
check "missing rule file exits 1" [ "$(rc missing)" = 1 ]
check "missing rule file named" grep -q "does-not-exist.lua" "$TMP/out-missing"

run usage --check --bogus
check "unknown option exits 2" [ "$(rc usage)" = 2 ]
run usage2 --check --preview
check "--check with --preview exits 2" [ "$(rc usage2)" = 2 ]
run usage3 --preview --days 0
check "--days 0 exits 2" [ "$(rc usage3)" = 2 ]

# The bad-input corpus: each file fails with file:line lines (or is stopped by limits), never a crash.
shopt -s nullglob
for f in "$NUDGE_SRC"/tests/data/bad/*.lua; do
    run b --check --rules "$f"
    code=$(rc b)
    check "$(basename "$f"): exit 1, not a crash (got $code)" [ "$code" = 1 ]
    check "$(basename "$f"): every line names the file" \
        awk -v f="$f" 'index($0, f ":") != 1 && !/^\t/ { bad = 1 } END { exit bad }' "$TMP/out-b"
done
for f in "$NUDGE_SRC"/tests/data/good/*.lua; do
    run g --check --rules "$f"
    check "$(basename "$f") passes --check" [ "$(rc g)" = 0 ]
done

# SPEC 2.5: every error of a file that parses, in file order. The files with several errors in
# tests/data/broken (NAME.expected: "exit N", then stderr exactly, the path written as FILE).
for f in "$NUDGE_SRC"/tests/data/broken/several-*.lua; do
    name=$(basename "$f" .lua)
    "$NUDGED" --check --rules "$f" >/dev/null 2>"$TMP/err-$name"
    got="exit $?"$'\n'"$(cat "$TMP/err-$name")"
    got=${got//"$f"/FILE}
    if [ "$got" = "$(cat "${f%.lua}.expected")" ]; then
        ok
    else
        bad "broken/$name: not the expected messages"
        diff <(cat "${f%.lua}.expected") <(printf '%s\n' "$got") | sed 's/^/    /'
    fi
done

# Three different mistakes: all three, in the order of their lines, and exit 1. The handle and
# the time a failed call gave do not make errors of their own on the lines after.
cat >"$TMP/three.lua" <<'LUA'
local h = nudge.every("5 parsecs", function() end)
h:cancel()
local t = nudge.time("soonish")
nudge.at(t + 3600, function() end, { id = "later" })
nudge.notify { title = "x", body = "it is " .. t }
nudge.config { discreet = "yes" }
nudge.on("daily", function() end)
LUA
run three --check --rules "$TMP/three.lua"
check "three errors: exit 1" [ "$(rc three)" = 1 ]
printf '%s\n' "$TMP/three.lua:1: bad time span \"5 parsecs\"" \
    "$TMP/three.lua:3: \"soonish\" is neither a time" \
    "$TMP/three.lua:6: config 'discreet' must be true or false" >"$TMP/three.want"
check "three errors: exactly three lines" [ "$(wc -l <"$TMP/out-three")" = 3 ]
n=0
while IFS= read -r want; do
    n=$((n + 1))
    check "three errors: line $n is \"$want...\"" \
        awk -v n="$n" -v w="$want" 'NR == n { exit index($0, w) != 1 }' "$TMP/out-three"
done <"$TMP/three.want"

# Run in the order of the file's lines even when a function defined later fails first.
cat >"$TMP/order.lua" <<'LUA'
local function plan(spec) return nudge.every(spec, function() end) end
plan("1h")
nudge.span("5q")
plan("7 fortnights")
LUA
run order --check --rules "$TMP/order.lua"
check "errors sorted by line" [ "$(cut -d: -f2 "$TMP/out-order" | tr '\n' ' ')" = "1 3 " ]

# A pcall the rule wrote still catches the error: the file is fine.
printf 'local ok = pcall(nudge.time, "soonish")\nif ok then error("caught nothing") end\nnudge.on("daily", function() end)\n' >"$TMP/pcall.lua"
run pcall --check --rules "$TMP/pcall.lua"
check "a rule's own pcall still catches an API error (exit 0)" [ "$(rc pcall)" = 0 ]

# A loop that fails the same way is one error; a file with very many stops after 30 (+ the last).
printf 'for i = 1, 50 do nudge.span("5 parsecs") end\n' >"$TMP/loop.lua"
run loop --check --rules "$TMP/loop.lua"
check "the same error in a loop is said once" [ "$(wc -l <"$TMP/out-loop")" = 1 ]
printf 'for i = 1, 100 do nudge.span(i .. " parsecs") end\n' >"$TMP/many.lua"
run many --check --rules "$TMP/many.lua"
check "very many errors: 31 lines, exit 1" [ "$(wc -l <"$TMP/out-many")" = 31 ] && [ "$(rc many)" = 1 ]

# Body functions are tried once on a sample day: an error names the function's line and the
# failing line; a body that returns no text is an error too; good bodies pass.
cat >"$TMP/body.lua" <<'LUA'
nudge.config { since = "2026-11-01" }
nudge.checkin { id = "a", when = "Sun 18:00",
  body = function(ctx) return ("Day %d, %s, %d of %d kept, %s"):format(ctx.days, ctx.phase,
    ctx.kept, ctx.promised, ctx.question) end,
  questions = { "How was your week?" } }
nudge.milestone { body = function(ctx) return ctx.milestone .. ": " .. ctx.streak end }
nudge.patience { id = "p", when = "Mon 08:30", phases = {
  { upto = "3w", body = function(ctx) return nil end },
  { body = function(ctx)
      return "Day " .. ctx.dayz
    end } } }
LUA
run body --check --rules "$TMP/body.lua"
check "a failing body function: exit 1" [ "$(rc body)" = 1 ]
check "a failing body function: one error" [ "$(wc -l <"$TMP/out-body")" = 1 ]
check "a failing body function names where it is defined and the failing line" grep -qF \
    "$TMP/body.lua:9: this body function stopped with an error when tried on a sample day (days = 12, streak = 3, phase = \"first weeks\", kept = 1, promised = 2): $TMP/body.lua:10: attempt to concatenate a nil value (field 'dayz')" \
    "$TMP/out-body"
printf 'nudge.config { since = "2026-11-01" }\nnudge.milestone {\n  body = function(ctx) return { ctx.days } end }\n' >"$TMP/bodyret.lua"
run bodyret --check --rules "$TMP/bodyret.lua"
check "a body returning a table: exit 1 with its line" grep -qxF \
    "$TMP/bodyret.lua:3: this body function returned a table; it must return the text to show (a string, like \"Day \" .. ctx.days)" \
    "$TMP/out-bodyret"

# Warnings: the place, "warning:", and the exit status stays 0.
cat >"$TMP/warn.lua" <<'LUA'
nudge.config { since = "2026-11-01" }
nudge.checkin { id = "c", when = "Sun 18:00", body = "Day {days}: {question}" }
nudge.checkin { id = "q", when = "Sun 18:00", body = "{Question} {question}", questions = { "Q?" } }
nudge.milestone { body = "{milestone}! {mielstone}" }
nudge.promise { id = "old", text = "Call her mother", due = "2020-12-05 11:00" }
LUA
run warn --check --rules "$TMP/warn.lua"
check "warnings only: exit 0" [ "$(rc warn)" = 0 ]
check "unknown placeholder: place, name, suggestion and the known ones" grep -qxF \
    "$TMP/warn.lua:2: warning: nudge.checkin: unknown placeholder {question} in 'body': it would be shown as typed (known ones: {days}, {streak}, {phase}, {kept}, {promised})" \
    "$TMP/out-warn"
check "{question} is known with questions; a near miss is suggested" grep -qxF \
    "$TMP/warn.lua:3: warning: nudge.checkin: unknown placeholder {Question} in 'body' (did you mean {question}?): it would be shown as typed (known ones: {days}, {streak}, {phase}, {kept}, {promised}, {question})" \
    "$TMP/out-warn"
check "{milestone} is known in a milestone" grep -qF \
    "$TMP/warn.lua:4: warning: nudge.milestone: unknown placeholder {mielstone} in 'body' (did you mean {milestone}?)" \
    "$TMP/out-warn"
check "a promise due in the past is a warning" grep -qxF \
    "$TMP/warn.lua:5: warning: nudge.promise 'old': due 2020-12-05 11:00 is in the past, so it gets no reminders and no \"Kept?\" at its due (give a date still to come, or remove it once it is settled)" \
    "$TMP/out-warn"
check "exactly those four warnings" [ "$(grep -c ': warning: ' "$TMP/out-warn")" = 4 ]

# The daemon: a reload with several errors fails, the old rules run on, the log has every error
# and the notice gives the count and the first.
rules=$TMP/live.lua
echo 'nudge.every("1s", function() nudge.notify { title = "heartbeat" } end, { id = "beat" })' >"$rules"
mkdir -p "$XDG_RUNTIME_DIR"
"$NUDGED" --rules "$rules" --state "$TMP/state" --backend stdout >"$TMP/live.out" 2>"$TMP/live.err" &
pid=$!
beats() { [ "$(grep -c heartbeat "$TMP/live.out")" -ge "$1" ]; }
check "live daemon fires" wait_until 30 beats 1
cp "$TMP/three.lua" "$rules"
kill -HUP "$pid"
check "a reload with three errors fails" wait_until 30 grep -q "reload failed, keeping the old rules" "$TMP/live.err"
for l in 1 3 6; do
    check "the log has the error of line $l" grep -qE "^nudged: error: $rules:$l: " "$TMP/live.err"
done
check "the notice gives the count and the first" grep -qF \
    "rules not loaded — 3 errors in the rules; the first: $rules:1: bad time span \"5 parsecs\"" "$TMP/live.out"
n=$(grep -c heartbeat "$TMP/live.out")
check "the old rules keep firing" wait_until 30 beats $((n + 1))
kill -TERM "$pid"
wait "$pid"

# With no --rules and an empty config folder, the bundled example plan is used.
run dflt --check
check "default rules (example plan) pass --check" [ "$(rc dflt)" = 0 ]

finish
