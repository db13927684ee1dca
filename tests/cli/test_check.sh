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

# With no --rules and an empty config folder, the bundled example plan is used.
run dflt --check
check "default rules (example plan) pass --check" [ "$(rc dflt)" = 0 ]

finish
