#!/usr/bin/env bash
# The corpus of broken rule files (tests/data/broken): each NAME.lua is the shipped plan broken
# the way someone who is not a programmer breaks it, and NAME.expected holds what
# `nudged --check --rules NAME.lua` must say: a first line "exit N", then its stderr exactly,
# with the file's path written as FILE.
. "$(dirname "$0")/lib.sh"
export TZ=Europe/Berlin
dir="$NUDGE_SRC/tests/data/broken"
n=0
for f in "$dir"/*.lua; do
    name=$(basename "$f" .lua)
    n=$((n + 1))
    exp="$dir/$name.expected"
    if [ ! -f "$exp" ]; then
        bad "$name: no $name.expected"
        continue
    fi
    "$NUDGED" --check --rules "$f" >/dev/null 2>"$TMP/err"
    rc=$?
    got="exit $rc"$'\n'"$(cat "$TMP/err")"
    got=${got//"$f"/FILE}
    want=$(cat "$exp")
    if [ "$got" = "$want" ]; then
        ok
    else
        bad "$name"
        diff <(printf '%s\n' "$want") <(printf '%s\n' "$got") | sed 's/^/    /'
    fi
done
check "the corpus holds at least 30 files" [ "$n" -ge 30 ]
finish
