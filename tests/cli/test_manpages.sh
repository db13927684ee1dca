#!/usr/bin/env bash
# The man pages (packaging/man/*.scd) against the binaries: every nudge.* function nudged
# really exports (walked from inside a rule), every schedule option, config field, limit,
# notify field and toolkit field is documented in nudge-rules(5), and nothing documented is
# gone; every nudged option and nudgectl command is in its page; the big example passes
# --check; and each page renders with scdoc and `man --warnings` without a warning.
. "$(dirname "$0")/lib.sh"
NUDGECTL=${NUDGECTL:-$(dirname "$NUDGED")/nudgectl}
MAN=$NUDGE_SRC/packaging/man
RULES5=$MAN/nudge-rules.5.scd

# --- the API the binary exports
cat >"$TMP/walk.lua" <<'LUA'
local names = {}
for k, v in pairs(nudge) do
  if k ~= "_toolkit" then
    if type(v) == "function" then
      names[#names + 1] = k
    elseif type(v) == "table" then
      for k2, v2 in pairs(v) do
        if type(v2) == "function" then names[#names + 1] = k .. "." .. k2 end
      end
    end
  end
end
table.sort(names)
for _, n in ipairs(names) do nudge.log("api=nudge." .. n) end
LUA
"$NUDGED" --check --rules "$TMP/walk.lua" >"$TMP/walk.out" 2>&1
check "the API walk runs" [ $? = 0 ]
sed -n 's/.*api=\(nudge\.[a-z_.]*\)$/\1/p' "$TMP/walk.out" >"$TMP/api"
check "the walk found the API (at least 20 functions)" [ "$(wc -l <"$TMP/api")" -ge 20 ]
while read -r f; do
    # Documented as a heading of its own: *nudge.on(*..., *nudge.notify{*..., *nudge.milestone{...}*
    check "nudge-rules(5) documents $f" grep -qE "(^|, )\*${f//./\\.}[({]" "$RULES5"
done <"$TMP/api"
for f in $(grep -E '^\*nudge\.' "$RULES5" | grep -oE '\*nudge\.[a-z_.]+' | sed 's/^\*//' | sort -u); do
    check "documented $f exists in nudged" grep -qxF "$f" "$TMP/api"
done

# --- options and fields, as the binary's own error messages list them
documented() { grep -qE "(\*|_)$1(\*|_)" "$RULES5"; }
fields_of() { # fields_of LUA: the names listed in the "(the fields are a, b, c)" of the error it causes
    printf '%s\n' "$1" >"$TMP/f.lua"
    "$NUDGED" --check --rules "$TMP/f.lua" 2>&1 | sed -n 's/.*(the [a-z]* are \([a-z_, ]*\)).*/\1/p' | tr -d ' ' | tr , '\n'
}
for probe in \
    'nudge.on("daily", function() end, { bogus = 1 })' \
    'nudge.config { bogus = 1 }' \
    'nudge.config { limits = { bogus = 1 } }' \
    'nudge.config { sync = { caldav = "https://h/", bogus = 1 } }' \
    'nudge.checkin { bogus = 1 }' 'nudge.gesture { bogus = 1 }' 'nudge.promise { bogus = 1 }' \
    'nudge.patience { bogus = 1 }' 'nudge.milestone { bogus = 1 }' \
    'nudge.support { bogus = 1 }'; do
    names=$(fields_of "$probe")
    check "the binary lists the fields of: $probe" [ -n "$names" ]
    for n in $names; do check "nudge-rules(5) documents '$n' ($probe)" documented "$n"; done
done
# notify{} has no list in its error: take the accepted names from the source.
notify_fields=$(sed -n '/static void check_fields/,/^}/p' "$NUDGE_SRC/src/lua/lnotify.c" |
    sed -n '/known\[\]/,/NULL/p' | grep -oE '"[a-z][a-z_]*"' | tr -d '"')
check "notify fields found in the source" [ "$(echo $notify_fields | wc -w)" -ge 8 ]
for n in $notify_fields; do check "nudge-rules(5) documents notify field '$n'" documented "$n"; done
for n in days streak phase kept promised; do
    check "nudge-rules(5) documents placeholder {$n}" grep -qF "_{$n}_" "$RULES5"
    check "the toolkit knows placeholder {$n}" grep -qE "\\b$n =|\\b$n\\b.*=" "$NUDGE_SRC/src/lua/prelude/toolkit.lua"
done
for s in "TIME LANGUAGE" "Calendar events" "Cron lines" "Time spans" "Timestamps" "Windows" \
         "SANDBOX AND LIMITS" "EXAMPLES"; do
    check "nudge-rules(5) has a section '$s'" grep -qE "^#+ $s\$" "$RULES5"
done

# --- the example plan in EXAMPLES is a working rule file
awk '/^# EXAMPLES/ { f = 1 } f && /^```$/ { if (++n == 2) exit; next } f && n == 1' "$RULES5" >"$TMP/example.lua"
check "nudge-rules(5) has an example plan" [ -s "$TMP/example.lua" ]
"$NUDGED" --check --rules "$TMP/example.lua" >"$TMP/example.out" 2>&1
check "the example plan passes nudged --check" [ $? = 0 ]
[ $? = 0 ] || cat "$TMP/example.out"

# --- nudged(1) and nudgectl(1) against --help
for o in $("$NUDGED" --help | grep -oE -- '--[a-z]+' | sort -u); do
    check "nudged(1) documents $o" grep -qE -- "(^|, )\*$o\*" "$MAN/nudged.1.scd"
done
"$NUDGECTL" --help | sed -n 's/^ *\(usage:\)\{0,1\} *nudgectl \([a-z][a-z]*\( [a-z][a-z]*\)\{0,1\}\).*/\2/p' |
    sed -E 's/^(promise [a-z]+).*/\1/; s/^([a-z]+) [A-Z].*/\1/' | sort -u >"$TMP/ctl-cmds"
check "nudgectl --help lists at least 12 commands" [ "$(wc -l <"$TMP/ctl-cmds")" -ge 12 ]
while read -r c; do
    check "nudgectl(1) documents '$c'" grep -qE "(^|, )\*$c\*" "$MAN/nudgectl.1.scd"
done <"$TMP/ctl-cmds"

# --- rendering
if ! command -v scdoc >/dev/null; then
    echo "SKIP: rendering not checked: scdoc is not installed (apt-get install scdoc)"
elif ! command -v man >/dev/null; then
    echo "SKIP: rendering not checked: man is not installed (apt-get install man-db)"
else
    for src in "$MAN"/*.scd; do
        page=$(basename "$src" .scd)
        scdoc <"$src" >"$TMP/$page" 2>"$TMP/$page.err"
        check "scdoc renders $page" [ $? = 0 ] && [ -s "$TMP/$page" ]
        [ -s "$TMP/$page.err" ] && cat "$TMP/$page.err"
        MANWIDTH=80 man --warnings -l "$TMP/$page" 2>&1 >/dev/null | tee "$TMP/$page.warn"
        check "man renders $page without warnings" [ ! -s "$TMP/$page.warn" ]
        check "the first line of $page names it" grep -qE "^${page%.*}\\(${page##*.}\\)\$" <(head -1 "$src")
    done
fi
finish
