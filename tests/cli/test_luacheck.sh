#!/usr/bin/env bash
# Editor support (SPEC 2.5): share/nudge/lua/nudge.lua (LuaLS annotations) and
# share/nudge/luacheckrc. The annotations parse as Lua and name exactly the API that nudged
# gives a rule file, and every nudge.xxx name the man page and README use; the luacheck
# config declares the same names; luacheck with it finds nothing in examples/ and exactly
# the known typos in tests/data/luacheck/typos.lua.
. "$(dirname "$0")/lib.sh"
META=$NUDGE_SRC/share/nudge/lua/nudge.lua
RC=$NUDGE_SRC/share/nudge/luacheckrc
LUA=$(command -v lua5.4 || true)
[ -n "$LUA" ] || { echo "SKIP: lua5.4 is not installed (scripts/deps --test)"; exit 77; }

# --- the annotations file --------------------------------------------------------------------
check "nudge.lua parses as Lua 5.4" "$LUA" -e "assert(loadfile('$META'))"
check "nudge.lua is a ---@meta file" grep -qx -- '---@meta nudge' "$META"

# The names the annotations define: `function nudge.xxx(` and `nudge.xxx = `.
sed -nE 's/^function (nudge\.[a-z_.]+)\(.*/\1/p; s/^(nudge\.[a-z_.]+) = .*/\1/p' "$META" |
    sort -u >"$TMP/annotated"
check "nudge.lua annotates something" [ "$(wc -l <"$TMP/annotated")" -gt 20 ]

# What nudged really gives a rule file: every name on `nudge` (functions and tables) and on
# nudge.store. nudge._toolkit is the prelude's own, not for rules.
cat >"$TMP/names.lua" <<'EOF'
local out = {}
for k in pairs(nudge) do
  if k:sub(1, 1) ~= "_" then out[#out + 1] = "nudge." .. k end
end
for k in pairs(nudge.store) do out[#out + 1] = "nudge.store." .. k end
table.sort(out)
nudge.log("NAMES " .. table.concat(out, " "))
EOF
"$NUDGED" --check --rules "$TMP/names.lua" >"$TMP/names.out" 2>&1
check "nudged lists its API" grep -q "NAMES nudge\." "$TMP/names.out"
sed -n 's/.*NAMES //p' "$TMP/names.out" | tr ' ' '\n' | sort -u >"$TMP/runtime"
comm -23 "$TMP/runtime" "$TMP/annotated" >"$TMP/missing"
check "every name nudged gives a rule is annotated" [ ! -s "$TMP/missing" ]
sed 's/^/  not in nudge.lua: /' "$TMP/missing"
comm -13 "$TMP/runtime" "$TMP/annotated" >"$TMP/extra"
check "nudge.lua annotates no name nudged lacks" [ ! -s "$TMP/extra" ]
sed 's/^/  not in nudged: /' "$TMP/extra"

# Every nudge.xxx the docs name (scdoc italics leave a trailing _; nudge.db is a file).
cat "$NUDGE_SRC/packaging/man/nudge-rules.5.scd" "$NUDGE_SRC/README.md" |
    grep -oE '(^|[^/a-z_.])nudge\.[a-z_]+(\.[a-z_]+)*' | sed -E 's/^[^n]*//; s/_+$//' |
    grep -v '^nudge\.db' |
    # the docs' own examples of a mistake (the unknown-name message)
    grep -vxE 'nudge\.(patiance|x)' | sort -u >"$TMP/documented"
check "the docs name nudge functions" [ "$(wc -l <"$TMP/documented")" -gt 20 ]
comm -23 "$TMP/documented" "$TMP/annotated" >"$TMP/undoc"
check "every nudge.xxx of the man page and README is annotated" [ ! -s "$TMP/undoc" ]
sed 's/^/  documented but not in nudge.lua: /' "$TMP/undoc"

# Every option class is used by some @param, and every @param/@field type it names exists.
grep -oE '^---@(class|alias) nudge\.[A-Za-z_.]+' "$META" | awk '{print $2}' | sort -u >"$TMP/types"
grep -E '^---@(param|field|return|type|alias)' "$META" | grep -oE 'nudge\.[A-Z][A-Za-z]+' |
    sort -u >"$TMP/used"
comm -13 "$TMP/types" "$TMP/used" >"$TMP/unknown_types"
check "every nudge.Type the annotations use is defined" [ ! -s "$TMP/unknown_types" ]
sed 's/^/  used but not defined: /' "$TMP/unknown_types"

# Every option table's fields, both ways: what the binary accepts (as its own error messages
# list them, like cli/test_manpages.sh) is exactly what the class annotates.
class_fields() { # class_fields CLASS: its ---@field names, with those of the class it extends
    awk -v want="$1" '
        /^---@class / { split($2, c, ":"); cls = c[1]; parent[cls] = $3; next }
        /^---@field / { n = $2; sub(/\?$/, "", n); f[cls] = f[cls] " " n; next }
        { cls = "" }
        END { s = f[want]; if (parent[want] != "") s = s f[parent[want]]; print s }' "$META" |
        tr ' ' '\n' | grep . | sort -u
}
fields_of() { # fields_of LUA: the names listed in the "(a, b, c)" of the error it causes
    printf '%s\n' "$1" >"$TMP/f.lua"
    "$NUDGED" --check --rules "$TMP/f.lua" 2>&1 | sed -nE 's/.*\(the (fields|options|limits) are ([a-z_, ]*)\).*/\2/p' | head -1 |
        tr -d ' ' | tr , '\n' | sort -u
}
while IFS='|' read -r class probe; do
    fields_of "$probe" >"$TMP/accepted"
    check "the binary lists the fields of: $probe" [ -s "$TMP/accepted" ]
    class_fields "$class" >"$TMP/annotated_fields"
    check "$class annotates exactly the fields of: $probe" \
        diff -u "$TMP/accepted" "$TMP/annotated_fields"
done <<'EOF'
nudge.ScheduleOptions|nudge.on("daily", function() end, { bogus = 1 })
nudge.Config|nudge.config { bogus = 1 }
nudge.Limits|nudge.config { limits = { bogus = 1 } }
nudge.Phase|nudge.config { phases = { { bogus = 1 } } }
nudge.CheckinOptions|nudge.checkin { bogus = 1 }
nudge.GestureOptions|nudge.gesture { bogus = 1 }
nudge.PoolEntry|nudge.gesture { id = "g", when = "daily", pool = { { bogus = 1 } } }
nudge.PromiseOptions|nudge.promise { bogus = 1 }
nudge.PatienceOptions|nudge.patience { bogus = 1 }
nudge.MilestoneOptions|nudge.milestone { bogus = 1 }
nudge.SupportOptions|nudge.support { bogus = 1 }
nudge.SupportAfter|nudge.support { after = { bogus = 1 } }
EOF
# notify{} has no list in its error: its accepted names come from the source (the ones with
# a leading _ are the toolkit's own).
sed -n '/known\[\] = {/,/NULL/p' "$NUDGE_SRC/src/lua/lnotify.c" | grep -oE '"[a-z][a-z_]*"' |
    tr -d '"' | sort -u >"$TMP/notify_fields"
check "notify fields found in the source" [ "$(wc -l <"$TMP/notify_fields")" -ge 8 ]
class_fields nudge.Notification >"$TMP/annotated_fields"
check "nudge.Notification annotates exactly the notify fields" \
    diff -u "$TMP/notify_fields" "$TMP/annotated_fields"

# --- the luacheck configuration --------------------------------------------------------------
check "luacheckrc parses as Lua" "$LUA" -e "assert(loadfile('$RC'))"
# Its nudge fields, read by running it as luacheck does (a chunk that fills stds and options).
"$LUA" - "$RC" >"$TMP/rc_names" <<'EOF'
local env = { stds = {} }
assert(loadfile(arg[1], "t", env))()
local std = env.stds[env.std]
local out = {}
for k, v in pairs(std.read_globals.nudge.fields) do
  out[#out + 1] = "nudge." .. k
  for sub in pairs(type(v) == "table" and v.fields or {}) do
    out[#out + 1] = "nudge." .. k .. "." .. sub
  end
end
table.sort(out)
print(table.concat(out, "\n"))
EOF
check "luacheckrc loads" [ $? = 0 ]
# nudge.store is a table that holds get/set: luacheck declares it as such.
grep -vx 'nudge.store' "$TMP/runtime" >"$TMP/runtime_leaves"
grep -vx 'nudge.store' "$TMP/rc_names" >"$TMP/rc_leaves"
check "luacheckrc declares exactly the names nudged gives a rule" \
    diff -u "$TMP/runtime_leaves" "$TMP/rc_leaves"
# The sandbox takes these away (nudge-rules(5), SANDBOX AND LIMITS): a rule that reads one
# must get a warning.
"$LUA" - "$RC" >"$TMP/rc_std" <<'EOF'
local env = { stds = {} }
assert(loadfile(arg[1], "t", env))()
for k, v in pairs(env.stds[env.std].read_globals) do
  if type(k) == "number" then print(v) else
    print(k)
    for _, f in ipairs(type(v) == "table" and v.fields or {}) do print(k .. "." .. f) end
  end
end
EOF
for gone in io debug package loadfile dofile os.execute os.exit os.remove os.rename \
            os.tmpname os.setlocale; do
    check "luacheckrc leaves out $gone" [ "$(grep -cx "$gone" "$TMP/rc_std")" = 0 ]
done
for kept in string.format table.insert math.floor utf8.char os.time os.date os.clock \
            os.getenv coroutine.wrap load pcall print require; do
    check "luacheckrc keeps $kept" grep -qx "$kept" "$TMP/rc_std"
done

# --- luacheck itself -------------------------------------------------------------------------
if ! command -v luacheck >/dev/null; then
    finish || exit 1
    echo "SKIP: luacheck is not installed (scripts/deps --test installs lua-check)"
    exit 77
fi
cd "$NUDGE_SRC" || exit 1
luacheck --config "$RC" --formatter plain --codes --no-color examples/ >"$TMP/examples.out" 2>&1
check "luacheck: examples/ have no warnings" [ $? = 0 ]
cat "$TMP/examples.out"

# The fixture: each known typo, by line:column and code, and nothing else.
luacheck --config "$RC" --formatter plain --codes --no-color tests/data/luacheck/typos.lua \
    >"$TMP/typos.out" 2>&1
check "luacheck: typos.lua has warnings (exit 1)" [ $? = 1 ]
sed -nE 's/^[^:]*:([0-9]+:[0-9]+): \(([EW][0-9]+)\).*/\1 \2/p' "$TMP/typos.out" >"$TMP/typos.got"
cat >"$TMP/typos.want" <<'EOF'
8:1 W143
10:1 W113
13:13 W143
14:26 W143
18:9 W211
19:58 W113
20:13 W113
22:3 W143
25:1 W111
26:62 W113
28:11 W143
29:1 W122
30:1 W113
EOF
check "luacheck: typos.lua gives exactly the known warnings" diff -u "$TMP/typos.want" "$TMP/typos.got"
# And they say what is wrong, by name.
for what in "undefined field 'patiance' of global 'nudge'" "undefined variable 'nudg'" \
            "undefined field 'store.gett' of global 'nudge'" "undefined variable 'io'" \
            "undefined field 'execute' of global 'os'" "read-only field 'config' of global 'nudge'" \
            "undefined variable 'dofile'"; do
    check "luacheck says: $what" grep -qF "$what" "$TMP/typos.out"
done
finish
