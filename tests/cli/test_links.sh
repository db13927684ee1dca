#!/usr/bin/env bash
# nudged links none of sync's libraries (the module nudge-sync.so beside it does).
# nudgectl is a small client: it links neither Lua, libnotify, SQLite nor CalDAV's libcurl and libxml2 (the build links it to
# nudge_protocol, nudge_ical and nudge_time only), so `ldd` must name none of them; libical (for
# export --ics) is the one library it gets besides jansson and libc.
. "$(dirname "$0")/lib.sh"
CTL=$(dirname "$NUDGED")/nudgectl
command -v ldd >/dev/null || { echo "SKIP: no ldd"; exit 77; }
[ -x "$CTL" ] || { echo "SKIP: no nudgectl beside $NUDGED"; exit 77; }

libs=$(ldd "$CTL")
check "ldd nudgectl works" [ -n "$libs" ]
for lib in liblua libnotify libsqlite3 libglib libuv libcurl libxml2; do
    if grep -q "$lib" <<<"$libs"; then bad "nudgectl links $lib: $(grep "$lib" <<<"$libs")"; else ok; fi
done
check "ldd nudgectl names libical (export --ics)" grep -q "libical\.so" <<<"$libs"
for lib in libicalss libicalvcal libdb; do
    if grep -q "$lib" <<<"$libs"; then bad "nudgectl links $lib, which nothing uses"; else ok; fi
done
# Nothing else it asks for itself (libical brings ICU along; that is libical's business): a new
# library is a decision to make here, not by accident.
if command -v readelf >/dev/null; then
    extra=$(readelf -d "$CTL" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' |
            grep -vE '^lib(c|m|jansson|ical)\.so' |
            grep -vE '^lib(asan|ubsan)\.so' || true)  # the sanitizer build's runtimes
    check "nudgectl needs only libc, libm, jansson and libical (extra: ${extra//$'\n'/ })" [ -z "$extra" ]
fi
# The daemon does link Lua: the first check would see it if nudgectl did.
dlibs=$(ldd "$NUDGED")
check "ldd nudged names liblua (the check can see a library)" grep -q liblua <<<"$dlibs"
# CalDAV sync is a module loaded when the rules ask for it: a daemon that never syncs maps
# none of its libraries (they are about 12 MiB resident).
for lib in libcurl libxml2 libsecret libical; do
    if grep -q "$lib" <<<"$dlibs"; then bad "nudged links $lib (sync's, for the module alone): $(grep "$lib" <<<"$dlibs")"; else ok; fi
done
MOD=$(dirname "$NUDGED")/nudge-sync.so
if [ -f "$MOD" ]; then
    mlibs=$(ldd "$MOD")
    for lib in libcurl libxml2 libsecret libical; do
        check "the sync module links $lib" grep -q "$lib" <<<"$mlibs"
    done
    if command -v nm >/dev/null; then
        exported=$(nm -D --defined-only "$MOD" | awk '{print $3}')
        check "the sync module exports its entry alone (got: ${exported//$'\n'/ })" [ "$exported" = nudge_sync_module ]
    fi
else
    bad "no nudge-sync.so beside $NUDGED"
fi
finish
