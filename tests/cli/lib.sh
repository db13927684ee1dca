# Shared by the CLI tests: a tiny assertion kit that counts and reports like other runners.
set -u
: "${NUDGED:?NUDGED must point at the nudged binary}"
: "${NUDGE_SRC:?NUDGE_SRC must point at the source tree}"
PASS=0
FAIL=0
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
export XDG_CONFIG_HOME="$TMP/config" XDG_STATE_HOME="$TMP/state" XDG_RUNTIME_DIR="$TMP/run"

ok() { PASS=$((PASS + 1)); }
bad() { FAIL=$((FAIL + 1)); echo "FAIL: $*"; }
check() { # check "description" command...
    local what=$1; shift
    if "$@"; then ok; else bad "$what"; fi
}
wait_until() { # wait_until SECONDS command...: polls until command succeeds; 1 on timeout
    local end=$(($(date +%s%N) + $1 * 1000000000)); shift
    until "$@"; do
        [ "$(date +%s%N)" -lt "$end" ] || return 1
        sleep 0.05
    done
}
finish() {
    echo "$PASS passed, $FAIL failed"
    [ "$FAIL" -eq 0 ]
}
