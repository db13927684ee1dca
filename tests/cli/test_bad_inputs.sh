#!/usr/bin/env bash
# Hostile rule files beyond tests/data/bad/ (which test_check.sh runs through --check): files too
# big to commit, generated here, and the whole bad corpus SIGHUP-reloaded into a live daemon that
# must keep running its good rules.
. "$(dirname "$0")/lib.sh"

run() { # run OUT args...: stdout+stderr into $TMP/out-OUT, exit code into $TMP/out-OUT.rc
    local out=$1; shift
    "$NUDGED" "$@" >"$TMP/out-$out" 2>&1
    echo $? >"$TMP/out-$out.rc"
}
rc() { cat "$TMP/out-$1.rc"; }
elapsed_ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

# 50 MB: over the loader's 16 MiB cap, refused before Lua sees it, in one line naming the file.
big=$TMP/huge.lua
head -c $((50 * 1000 * 1000)) /dev/zero | tr '\0' 'x' >"$big"
t0=$(date +%s%N)
run huge --check --rules "$big"
ms=$(elapsed_ms "$t0")
check "50 MB rule file exits 1 (got $(rc huge))" [ "$(rc huge)" = 1 ]
check "50 MB rule file: exactly one line" [ "$(wc -l <"$TMP/out-huge")" = 1 ]
check "50 MB rule file: the line names the file" grep -qE "^$big: .*too large" "$TMP/out-huge"
# generous bounds: they catch a hang or a full read, not a slow (loaded, sanitized) machine
check "50 MB rule file is refused quickly (${ms} ms)" [ "$ms" -lt 10000 ]
rm -f "$big"

# ~10 MB under the cap and valid: a giant comment, then a long table literal. Loads (or is
# stopped by the limits with file:line), never crashes.
gen_comment() {
    printf -- '--[[\n'
    head -c $((10 * 1000 * 1000)) /dev/zero | tr '\0' 'c' | fold -w 100
    printf -- '\n]]\nnudge.every("1h", function() end)\n'
}
gen_table() {
    printf 'local t = {\n'
    seq 1 1100000 | sed 's/$/,/' # about 8 MB
    printf '}\nnudge.every("1h", function() end)\n'
}
for kind in comment table; do
    f=$TMP/big-$kind.lua
    "gen_$kind" >"$f"
    t0=$(date +%s%N)
    run "big-$kind" --check --rules "$f"
    ms=$(elapsed_ms "$t0")
    code=$(rc "big-$kind")
    check "10 MB $kind: exit 0 or 1, not a crash (got $code)" [ "$code" = 0 ] || [ "$code" = 1 ]
    if [ "$code" = 1 ]; then
        check "10 MB $kind: errors name the file" grep -qE "^$f:[0-9]+: " "$TMP/out-big-$kind"
    fi
    check "10 MB $kind: done in under 30 s (${ms} ms)" [ "$ms" -lt 30000 ]
    rm -f "$f"
done

# The live daemon: every bad file reloaded over a good one; the good rules keep firing.
rules=$TMP/rules.lua
good='nudge.every("1s", function() nudge.notify { title = "heartbeat" } end, { id = "beat" })'
echo "$good" >"$rules"
mkdir -p "$XDG_RUNTIME_DIR"
"$NUDGED" --rules "$rules" --state "$TMP/state" --backend stdout >"$TMP/live.out" 2>"$TMP/live.err" &
pid=$!
beats() { grep -c heartbeat "$TMP/live.out"; }
beats_at_least() { [ "$(beats)" -ge "$1" ]; }
# Reload outcomes in the log: each SIGHUP is waited for by its own line, never by a fixed sleep,
# so a slow (loaded, sanitized) daemon neither merges two signals nor misses a check. The
# timeouts are generous: a healthy daemon meets them at once, a hung one still fails.
outcomes() { grep -cE "reload failed, keeping the old rules|reloaded: " "$TMP/live.err"; }
outcomes_at_least() { [ "$(outcomes)" -ge "$1" ]; }
check "live daemon starts and fires" wait_until 30 beats_at_least 1
n=0
for f in "$NUDGE_SRC"/tests/data/bad/*.lua; do
    cp "$f" "$rules"
    kill -HUP "$pid" 2>/dev/null || break
    n=$((n + 1))
    check "bad reload $n ($(basename "$f")) answered in the log" wait_until 30 outcomes_at_least "$n"
    # Every tenth file, the good reminder must still be firing.
    if [ $((n % 10)) = 0 ]; then
        before=$(beats)
        check "still firing after $n bad reloads" wait_until 30 beats_at_least $((before + 1))
    fi
done
check "daemon alive after $n bad reloads" kill -0 "$pid"
fails=$(grep -c "reload failed, keeping the old rules" "$TMP/live.err")
check "each bad reload was refused ($fails of $n)" [ "$fails" = "$n" ]
before=$(beats)
check "still firing at the end" wait_until 30 beats_at_least $((before + 2))
echo "$good" >"$rules"
kill -HUP "$pid"
check "a good reload after all that is accepted" wait_until 30 grep -q "reloaded: 1 reminders" "$TMP/live.err"
kill -TERM "$pid"
wait "$pid"
code=$?
check "SIGTERM exits 0 after the ordeal (got $code)" [ "$code" = 0 ]
if [ "$FAIL" -gt 0 ]; then
    echo "--- daemon log (tail)"
    tail -n 30 "$TMP/live.err"
fi

finish
