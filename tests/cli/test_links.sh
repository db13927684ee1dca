#!/usr/bin/env bash
# nudgectl is a small client: it links neither Lua, libnotify nor SQLite (the build links it to
# nudge_protocol and nudge_time only), so `ldd` must name none of them.
. "$(dirname "$0")/lib.sh"
CTL=$(dirname "$NUDGED")/nudgectl
command -v ldd >/dev/null || { echo "SKIP: no ldd"; exit 77; }
[ -x "$CTL" ] || { echo "SKIP: no nudgectl beside $NUDGED"; exit 77; }

libs=$(ldd "$CTL")
check "ldd nudgectl works" [ -n "$libs" ]
for lib in liblua libnotify libsqlite3 libglib libuv; do
    if grep -q "$lib" <<<"$libs"; then bad "nudgectl links $lib: $(grep "$lib" <<<"$libs")"; else ok; fi
done
# The daemon does link them: the check above would see them if they were there.
check "ldd nudged names liblua (the check can see a library)" grep -q liblua <<<"$(ldd "$NUDGED")"
finish
