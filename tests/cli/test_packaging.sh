#!/usr/bin/env bash
# `cmake --install` of this build into a scratch prefix (and with DESTDIR): binaries, examples,
# the editor files (LuaLS annotations, luacheckrc),
# man pages, completions, the systemd user unit (checked with `systemd-analyze verify --user`,
# which must print nothing) and the XDG autostart entry, each naming the installed nudged.
. "$(dirname "$0")/lib.sh"
BUILD=$(dirname "$NUDGED")
[ -f "$BUILD/cmake_install.cmake" ] || { echo "SKIP: $BUILD is not a build tree"; exit 77; }

P=$TMP/prefix
cmake --install "$BUILD" --prefix "$P" >"$TMP/install.log" 2>&1
check "cmake --install into a prefix" [ $? = 0 ]
for f in bin/nudged bin/nudgectl share/nudge/examples/rebuild-trust.lua \
         share/bash-completion/completions/nudgectl share/bash-completion/completions/nudged \
         share/zsh/site-functions/_nudgectl share/zsh/site-functions/_nudged \
         share/fish/vendor_completions.d/nudgectl.fish share/fish/vendor_completions.d/nudged.fish \
         share/nudge/lua/nudge.lua share/nudge/luacheckrc \
         lib/systemd/user/nudged.service etc/xdg/autostart/nudged.desktop; do
    check "installed $f" [ -s "$P/$f" ]
done
if command -v scdoc >/dev/null; then
    for f in share/man/man1/nudged.1 share/man/man1/nudgectl.1 share/man/man5/nudge-rules.5; do
        check "installed $f" [ -s "$P/$f" ]
    done
else
    echo "note: scdoc is not installed; man pages are not built"
fi
check "installed nudged runs" "$P/bin/nudged" --version >/dev/null
MOD=$(find "$P/lib" -path '*/nudge/nudge-sync.so' | head -1)
check "installed the CalDAV module (lib/.../nudge/nudge-sync.so)" [ -n "$MOD" ]
# The installed daemon loads that module (not another on the system) once the rules ask for
# sync; port 9: nothing listens, so the sync is offline, not broken.
mkdir -p "$TMP/syncrules" "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
echo 'nudge.config { sync = { caldav = "http://127.0.0.1:9/cal/" } }' >"$TMP/syncrules/sync.lua"
CTL_I=$P/bin/nudgectl
sync_state() { "$CTL_I" --json status 2>/dev/null | grep -qE "\"state\": *\"($1)\""; }
start_daemon() {
    "$P/bin/nudged" --rules "$TMP/syncrules" --backend stdout >"$TMP/sync.out" 2>"$TMP/sync.err" &
    SYNC_PID=$!
}
stop_daemon() { kill "$SYNC_PID" 2>/dev/null; wait "$SYNC_PID" 2>/dev/null; }
start_daemon
check "the installed nudged syncs through its module (status: idle, running or offline)" \
    wait_until 20 sync_state 'idle|running|offline'
check "... the module it mapped is the installed one" grep -qF "$(realpath "$MOD")" "/proc/$SYNC_PID/maps"
check "... and the log never says it could not be loaded" bash -c "! grep -q 'module' '$TMP/sync.err'"
stop_daemon
# Without its module the daemon runs on and says why there is no sync; a reload after the
# module is back brings sync.
mv "$MOD" "$MOD.away"
start_daemon
check "without the module: status shows the sync's error" wait_until 20 sync_state error
check "... naming the module" bash -c "'$CTL_I' status | grep -q 'sync .*the CalDAV module could not be loaded'"
"$CTL_I" sync >"$TMP/ctl.out" 2>"$TMP/ctl.err" </dev/null
rc=$?
check "... nudgectl sync exits 1 with it (got $rc)" [ "$rc" = 1 ]
check "... in one line" bash -c "[ \$(wc -l <'$TMP/ctl.err') = 1 ] && grep -q 'nudgectl: sync: the CalDAV module could not be loaded' '$TMP/ctl.err'"
"$CTL_I" sync --login >"$TMP/ctl.out" 2>"$TMP/ctl.err" </dev/null
check "... nudgectl sync --login refuses before asking for a password" \
    bash -c "grep -q 'could not be loaded' '$TMP/ctl.err' && ! grep -qi password '$TMP/ctl.err'"
check "... the log says it once" [ "$(grep -c 'could not be loaded' "$TMP/sync.err")" = 1 ]
check "... and everything else runs (status answers, a reminder count)" bash -c "'$CTL_I' status | grep -q '^reminders'"
mv "$MOD.away" "$MOD"
"$CTL_I" reload >/dev/null 2>&1
check "the module back and a reload: sync runs" wait_until 20 sync_state 'idle|running|offline'
stop_daemon
check "installed nudged checks the installed example plan" \
    "$P/bin/nudged" --check --rules "$P/share/nudge/examples/rebuild-trust.lua" >/dev/null

UNIT=$P/lib/systemd/user/nudged.service
check "unit starts the installed nudged" grep -qxF "ExecStart=$P/bin/nudged" "$UNIT"
check "unit is Type=notify" grep -qx "Type=notify" "$UNIT"
check "unit reloads with SIGHUP" grep -qxF 'ExecReload=/bin/kill -HUP $MAINPID' "$UNIT"
check "unit is wanted by default.target" grep -qx "WantedBy=default.target" "$UNIT"
check "no @placeholders@ left in the unit" [ "$(grep -c '@[a-z_]*@' "$UNIT")" = 0 ]
if command -v systemd-analyze >/dev/null; then
    mkdir -p "$TMP/home" && mkdir -m 700 -p "$TMP/run-verify"
    # Documentation=man:... is checked with man: let it find the installed pages.
    MANPATH=$P/share/man HOME=$TMP/home XDG_RUNTIME_DIR=$TMP/run-verify \
        systemd-analyze verify --user "$UNIT" >"$TMP/verify.out" 2>&1
    check "systemd-analyze verify --user exits 0" [ $? = 0 ]
    check "systemd-analyze verify --user says nothing" [ ! -s "$TMP/verify.out" ]
    cat "$TMP/verify.out"
else
    echo "SKIP: systemd-analyze is not installed (apt-get install systemd)"
fi

DESK=$P/etc/xdg/autostart/nudged.desktop
check "autostart entry runs the installed nudged" grep -qxF "Exec=$P/bin/nudged" "$DESK"
check "autostart entry is skipped under systemd (the unit runs nudged)" grep -qx "X-systemd-skip=true" "$DESK"
check "autostart entry is an Application" grep -qx "Type=Application" "$DESK"
if command -v desktop-file-validate >/dev/null; then
    desktop-file-validate "$DESK" >"$TMP/dfv.out" 2>&1
    check "desktop-file-validate is happy" [ $? = 0 ]
    cat "$TMP/dfv.out"
fi

# DESTDIR: the same tree below it, and the files still name the final prefix.
DESTDIR=$TMP/dest cmake --install "$BUILD" --prefix /opt/nudge >"$TMP/install2.log" 2>&1
check "DESTDIR install" [ $? = 0 ]
check "DESTDIR: binary under DESTDIR" [ -x "$TMP/dest/opt/nudge/bin/nudged" ]
check "DESTDIR: unit names the final path" grep -qxF "ExecStart=/opt/nudge/bin/nudged" "$TMP/dest/opt/nudge/lib/systemd/user/nudged.service"
check "DESTDIR: nothing outside DESTDIR" [ ! -e /opt/nudge/bin/nudged ]
finish
