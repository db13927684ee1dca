#!/usr/bin/python3
"""The docs' examples run (SPEC 2.5, issue 15 point 4). People copy them: one that fails
fails this test, printed with its file and line.

- Lua: every fenced block of README.md and packaging/man/*.scd whose first code line starts a
  Lua statement (`nudge.`, `local `, `function`), or that is fenced ```lua. Each block is a
  rule file on its own: `nudged --check` must pass it and a one-day `nudged --preview` must
  run it without an error. Blocks are self-contained (a snippet that needs `since` says so in
  its own `nudge.config`); tab indentation from the man pages' lists is taken off.
- Commands: every line of a fenced block that starts with `nudgectl ` (or `nudged ` with
  --check or --preview), except synopsis lines (they hold `[` or a placeholder such as ID or
  TEXT). They run in file order, through bash with pipefail, against one test daemon (stdout
  backend, private XDG folders, HOME a private folder) whose rule file has the reminders the
  examples name. Each must exit 0, or the code a trailing `# exits N` comment gives. A
  `nudged` line that would start the daemon itself is not run.
Commands written inside the prose (`like this`) are not run: they are fragments, not lines to
type."""

import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
from harness import Daemon, Env, check, results  # noqa: E402

SRC = os.environ.get("NUDGE_SRC")
NUDGED = os.environ.get("NUDGED")
NUDGECTL = os.environ.get("NUDGECTL")
if not SRC or not NUDGED or not NUDGECTL:
    sys.exit("NUDGE_SRC, NUDGED and NUDGECTL must be set (ctest sets them)")

DOCS = ["README.md"] + sorted(
    os.path.join("packaging", "man", f)
    for f in os.listdir(os.path.join(SRC, "packaging", "man")) if f.endswith(".scd"))

LUA_START = re.compile(r"^(nudge\.|local |function )")
SYNOPSIS = re.compile(r"\[|\b[A-Z]{2,}\b")
EXITS = re.compile(r"\s+#\s*exits\s+(\d+)\s*$")


def blocks(rel):
    """(line of the first code line, fence tag, [code lines]) of each fenced block."""
    out, cur = [], None
    with open(os.path.join(SRC, rel)) as f:
        for n, line in enumerate(f.read().split("\n"), 1):
            s = line.strip()
            if s.startswith("```"):
                if cur is None:
                    cur = (n + 1, s[3:].strip(), [])
                else:
                    out.append(cur)
                    cur = None
            elif cur is not None:
                cur[2].append(line)
    check("%s: every fenced block is closed" % rel, cur is None)
    return out


def dedent(lines):
    """Takes off the indentation the block's lines share (tabs in the man pages' lists)."""
    ind = [len(l) - len(l.lstrip("\t ")) for l in lines if l.strip()]
    cut = min(ind) if ind else 0
    return [l[cut:] for l in lines]


def first_code(lines):
    for l in lines:
        if l.strip() and not l.strip().startswith("--"):
            return l.strip()
    return ""


def is_lua(tag, lines):
    return tag == "lua" or (tag == "" and bool(LUA_START.match(first_code(lines))))


def run(args, env, cwd=None, timeout=120):
    p = subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def show(where, what, text):
    """Prints a failing example: where it is, what went wrong, and the example itself."""
    print("%s: %s" % (where, what))
    for l in text.rstrip("\n").split("\n"):
        print("    | " + l)


def lua_blocks(tmp, env):
    n = 0
    for rel in DOCS:
        for line, tag, code in blocks(rel):
            code = dedent(code)
            if not is_lua(tag, code):
                continue
            n += 1
            where = "%s:%d" % (rel, line)
            path = os.path.join(tmp, "doc%d.lua" % n)
            with open(path, "w") as f:
                f.write("\n".join(code) + "\n")
            rc, out, err = run([NUDGED, "--check", "--rules", path], env)
            if not check("%s: nudged --check exits 0" % where, rc == 0, rc):
                show(where, "nudged --check exits %d:\n%s" % (rc, (out + err).strip()),
                     "\n".join(code))
                continue
            rc, out, err = run([NUDGED, "--preview", "--days", "1", "--seed", "1", "--from",
                                "2026-11-23 00:00", "--rules", path], env)
            # A callback that fails in the preview is logged on stderr (the exit stays 0).
            failed = [l for l in err.splitlines() if re.search(r"\b(error|warning): ", l)]
            if not check("%s: a one-day preview runs without an error" % where,
                         rc == 0 and not failed, (rc, failed)):
                show(where, "nudged --preview exits %d:\n%s" % (rc, err.strip()),
                     "\n".join(code))
    check("Lua examples found (README.md and the man pages hold more than 20)", n > 20, n)
    print("%d Lua examples" % n)


# The reminders the examples name (fire evening, checkin weekly, emit conflict).
RULES = """\
nudge.config { since = "2026-11-01" }
nudge.checkin { id = "evening", when = "Mon..Fri 20:30", body = "How was their day, really?" }
nudge.checkin { id = "weekly", when = "Sun 18:00", body = "Ten quiet minutes together." }
nudge.listen("conflict", function(ev) nudge.log("conflict, from " .. (ev.data.who or "?")) end)
"""


def command_lines():
    """(where, command, expected exit) of each example line to run, in file order."""
    out = []
    for rel in DOCS:
        for line, tag, code in blocks(rel):
            if is_lua(tag, code):
                continue
            for i, l in enumerate(dedent(code)):
                s = l.strip()
                if not (s.startswith("nudgectl ") or s.startswith("nudged ")):
                    continue
                if SYNOPSIS.search(s):
                    continue
                if s.startswith("nudged ") and not re.search(r"--check|--preview", s):
                    continue  # it would start a second daemon
                want = 0
                m = EXITS.search(s)
                if m:
                    want = int(m.group(1))
                    s = s[:m.start()]
                out.append(("%s:%d" % (rel, line + i), s, want))
    return out


def command_examples(tmp):
    env = Env(tmp, "ctl", rules=RULES, tz="Europe/Berlin", home=True)
    # The examples' own files: the rules at the default place, answers.txt beside them.
    os.makedirs(os.path.join(env.root, ".config", "nudge"), exist_ok=True)
    shutil.copy(env.rules, os.path.join(env.root, ".config", "nudge", "rules.lua"))
    answers = [b for rel in DOCS if rel.endswith("nudged.1.scd") for b in blocks(rel)
               if any("evening" in l and "done" in l for l in b[2])]
    with open(os.path.join(env.root, "answers.txt"), "w") as f:
        f.write("\n".join(dedent(answers[0][2])) + "\n" if answers else "")
    bindir = os.path.join(tmp, "bin")
    os.makedirs(bindir)
    os.symlink(os.path.abspath(NUDGECTL), os.path.join(bindir, "nudgectl"))
    os.symlink(os.path.abspath(NUDGED), os.path.join(bindir, "nudged"))
    shell_env = dict(env.env, PATH=bindir + os.pathsep + os.environ.get("PATH", ""))
    d = Daemon(env)
    if not check("the test daemon starts", d.ready, d.stderr() if not d.ready else ""):
        return
    try:
        lines = command_lines()
        for where, cmd, want in lines:
            rc, out, err = run(["bash", "-o", "pipefail", "-c", cmd], shell_env, cwd=env.root)
            if not check("%s: `%s` exits %d" % (where, cmd, want), rc == want, rc):
                show(where, "exits %d, not %d:\n%s" % (rc, want, (out + err).strip()), cmd)
        check("nudgectl examples found (the man page has a dozen)",
              sum(1 for _, c, _ in lines if c.startswith("nudgectl ")) >= 10, len(lines))
        print("%d command examples" % len(lines))
    finally:
        check("the test daemon stops cleanly", d.stop() == 0, d.stderr()[-2000:])


def main():
    tmp = tempfile.mkdtemp(prefix="nudge-docs-")
    try:
        env = Env(tmp, "lua", tz="Europe/Berlin", home=True).env
        lua_blocks(os.path.join(tmp, "lua"), env)
        command_examples(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d passed, %d failed" % (results["pass"], results["fail"]))
    sys.exit(1 if results["fail"] else 0)


if __name__ == "__main__":
    main()
