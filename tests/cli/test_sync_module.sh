#!/usr/bin/env bash
# The sync module nudged loads (src/sync/module.h) must be of its own build: a copy of nudged
# with a module from "another build" beside it refuses that module with a one-line error, keeps
# running and says why in status and nudgectl sync; with its real module beside it, it syncs
# through that one (port 9: nothing listens, so offline, not broken).
. "$(dirname "$0")/lib.sh"
BUILD=$(dirname "$NUDGED")
CTL=$BUILD/nudgectl
FAKE=${NUDGE_FAKE_SYNC_MODULE:-}
[ -f "$FAKE" ] || { echo "SKIP: no fake module (NUDGE_FAKE_SYNC_MODULE)"; exit 77; }
[ -f "$BUILD/nudge-sync.so" ] || { echo "SKIP: no nudge-sync.so beside $NUDGED"; exit 77; }

mkdir -p "$TMP/bin" "$TMP/rules" "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
chmod 755 "$TMP" "$TMP/bin"
cp "$NUDGED" "$TMP/bin/nudged"
echo 'nudge.config { sync = { caldav = "http://127.0.0.1:9/cal/" } }' >"$TMP/rules/sync.lua"
state_is() { "$CTL" --json status 2>/dev/null | grep -qE "\"state\": *\"($1)\""; }
start() {
    "$TMP/bin/nudged" --rules "$TMP/rules" --backend stdout >"$TMP/out" 2>"$TMP/err" &
    PID=$!
}
stop() { kill "$PID" 2>/dev/null; wait "$PID" 2>/dev/null; }

cp "$FAKE" "$TMP/bin/nudge-sync.so"
start
check "another build's module: status shows the sync's error" wait_until 20 state_is error
check "... which says it is from another build and to restart nudged" \
    bash -c "'$CTL' status | grep -q 'nudge-sync.so is from another build of nudge (upgraded while nudged ran?): restart nudged'"
"$CTL" sync >"$TMP/ctl.out" 2>"$TMP/ctl.err" </dev/null
rc=$?
check "... nudgectl sync exits 1 (got $rc)" [ "$rc" = 1 ]
check "... with that one line" bash -c "[ \$(wc -l <'$TMP/ctl.err') = 1 ] && grep -q 'from another build' '$TMP/ctl.err'"
check "... the daemon logged it once, as an error" [ "$(grep -c 'error: sync: .*from another build' "$TMP/err")" = 1 ]
check "... and runs on (status answers)" bash -c "'$CTL' status | grep -q '^reminders'"
stop
check "... and stopped cleanly" bash -c "! grep -qiE 'sanitizer|segv|abort' '$TMP/err'"

cp "$BUILD/nudge-sync.so" "$TMP/bin/nudge-sync.so"
start
check "its own module beside it: the sync runs" wait_until 20 state_is 'idle|running|offline'
check "... through the module beside it" grep -qF "$TMP/bin/nudge-sync.so" "/proc/$PID/maps"
check "... and nothing says it was refused" bash -c "! grep -q 'another build' '$TMP/err'"
stop
finish
