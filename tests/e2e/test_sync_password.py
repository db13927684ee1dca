#!/usr/bin/env python3
"""sync/password.c against a real Secret Service: gnome-keyring-daemon on a private session bus
(dbus-run-session), its login keyring unlocked with an empty password, in a temporary home.
Through tests/e2e/password_tool: a lookup before anything is stored (none), store then lookup,
another user (none), a cancelled lookup (its callback never comes, the next one answers), a
0600 file winning over the keyring, a 0644 one refused; and without any session bus: the
lookup and the store say to write the file. PASSWORD_TOOL: the tool."""
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import check, results  # noqa: E402

TOOL = os.environ.get("PASSWORD_TOOL", "build/tests/password_tool")
URL = "https://dav.example.org/anna/tasks/"
PASSWORD = "ein ruhiger Abend, übermorgen"

# Run inside the private bus: the keyring first (the empty password on stdin creates and
# unlocks the login keyring, so nothing prompts), then the steps, each marked for the parser.
INNER = r"""
set -u
printf '\n' | gnome-keyring-daemon --unlock --components=secrets >/dev/null || exit 3
step() { echo "== $1"; shift; "$@"; echo "rc $?"; }
step before "$TOOL" lookup "$URL" anna
step store sh -c 'printf "%s\n" "$PASSWORD" | "$TOOL" store "$URL" anna'
step lookup "$TOOL" lookup "$URL" anna
step other-user "$TOOL" lookup "$URL" bob
step other-url "$TOOL" lookup "${URL}other/" anna
step cancel "$TOOL" cancel "$URL" anna
mkdir -p "$XDG_CONFIG_HOME/nudge"
printf 'from the file\n' >"$XDG_CONFIG_HOME/nudge/caldav-password"
chmod 600 "$XDG_CONFIG_HOME/nudge/caldav-password"
step file "$TOOL" lookup "$URL" anna
chmod 644 "$XDG_CONFIG_HOME/nudge/caldav-password"
step file-0644 "$TOOL" lookup "$URL" anna
rm "$XDG_CONFIG_HOME/nudge/caldav-password"
step again "$TOOL" lookup "$URL" anna
"""


def steps(out):
    """{step: [lines]} from the marked output."""
    got, cur = {}, None
    for line in out.splitlines():
        if line.startswith("== "):
            cur = line[3:]
            got[cur] = []
        elif cur is not None:
            got[cur].append(line)
    return got


def main():
    for prog in ("dbus-run-session", "gnome-keyring-daemon"):
        if not shutil.which(prog):
            check("%s is installed (scripts/deps --test installs dbus and gnome-keyring)" % prog, False)
            return
    with tempfile.TemporaryDirectory(prefix="nudge-keyring-") as tmp:
        run = os.path.join(tmp, "run")
        os.mkdir(run, 0o700)
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": tmp,
            "XDG_DATA_HOME": os.path.join(tmp, "data"),
            "XDG_CONFIG_HOME": os.path.join(tmp, "config"),
            "XDG_RUNTIME_DIR": run,
            "TOOL": os.path.abspath(TOOL),
            "URL": URL,
            "PASSWORD": PASSWORD,
        }
        p = subprocess.run(["dbus-run-session", "--", "sh", "-c", INNER], env=env,
                           capture_output=True, text=True, timeout=90)
        check("the private session with gnome-keyring ran", p.returncode == 0,
              (p.returncode, p.stderr[-2000:]))
        got = steps(p.stdout)
        keyring = "no CalDAV password: run nudgectl sync --login, or write it to %s/config/nudge/caldav-password (mode 0600)" % tmp
        check("nothing stored: none found, saying how to give one",
              got.get("before") == ["-2 secret-service " + keyring, "rc 0"], got.get("before"))
        check("the store is kept", got.get("store") == ["0 secret-service stored", "rc 0"], got.get("store"))
        check("the lookup finds it", got.get("lookup") == ["0 secret-service " + PASSWORD, "rc 0"],
              got.get("lookup"))
        check("another user has none", got.get("other-user") == ["-2 secret-service " + keyring, "rc 0"],
              got.get("other-user"))
        check("another URL has none", got.get("other-url") == ["-2 secret-service " + keyring, "rc 0"],
              got.get("other-url"))
        check("a cancelled lookup never answers; the next one does",
              got.get("cancel") == ["second 0 secret-service " + PASSWORD, "rc 0"], got.get("cancel"))
        check("a 0600 file wins over the keyring",
              got.get("file") == ["0 file from the file", "rc 0"], got.get("file"))
        fl = got.get("file-0644", [])
        check("a 0644 file is refused, not passed over for the keyring",
              len(fl) == 2 and fl[0].startswith("-1 file ") and "mode 0644, must be 0600 (chmod 600 " in fl[0],
              fl)
        check("without the file, the keyring again", got.get("again") == ["0 secret-service " + PASSWORD, "rc 0"],
              got.get("again"))

        # No session bus at all (and no X display to start one): the file is the way.
        nobus = dict(env, DBUS_SESSION_BUS_ADDRESS="unix:path=%s/no-bus" % tmp)
        path = "%s/config/nudge/caldav-password" % tmp
        p = subprocess.run([TOOL, "lookup", URL, "anna"], env=nobus, capture_output=True, text=True, timeout=30)
        check("no bus: the lookup has none and names the file",
              p.stdout == "-2 secret-service no CalDAV password: %s does not exist and there is no Secret "
              "Service on the session bus (write the password to the file, mode 0600)\n" % path,
              (p.stdout, p.stderr))
        p = subprocess.run([TOOL, "store", URL, "anna"], env=nobus, input="x\n", capture_output=True,
                           text=True, timeout=30)
        check("no bus: the store fails and names the file",
              p.stdout == "-5 secret-service no Secret Service on the session bus: write the password to "
              "%s (mode 0600) instead\n" % path, (p.stdout, p.stderr))


if __name__ == "__main__":
    try:
        main()
    finally:
        print("%d passed, %d failed" % (results["pass"], results["fail"]))
    sys.exit(1 if results["fail"] or not results["pass"] else 0)
