#!/usr/bin/env python3
"""The shape of src/ (STYLE.md, "The shape"): which folder may use which, and no circle between
files. Two sources of truth, both read from what the compiler saw:

- includes: every `#include "folder/file.h"` in src/ is an arrow folder -> folder;
- symbols: every object file's undefined symbols resolved by another object file of src/ are
  calls (or data uses) file -> file. An arrow that an include hides behind a forward
  declaration still shows here.

Fails with one line per arrow that runs the wrong way and per circle of files.
NUDGE_SRC: the source tree; NUDGE_BUILD: the build tree (its object files)."""
import os
import re
import subprocess
import sys

SRC = os.path.join(os.environ.get("NUDGE_SRC", "."), "src")
BUILD = os.environ.get("NUDGE_BUILD", "build")

# Who may use whom. The daemon drives and wires everything but nudgectl's client code; the
# binding (lua/) reaches the engine and the ledger, never the store or a notification backend.
# ical/ (libical) is iCalendar text only: export --ics in the client, CalDAV sync in the daemon.
ALLOWED = {
    "common": set(),
    "time": {"common"},
    "engine": {"time", "common"},
    "store": {"time", "common"},
    "ledger": {"store", "time", "common"},
    "notify": {"time", "common"},
    "lua": {"engine", "ledger", "time", "common"},
    "protocol": {"time", "common"},
    "ical": {"time", "common"},
    # net/ is HTTP on the loop (libcurl + libuv); caldav/ speaks CalDAV over it.
    "net": {"common"},
    "caldav": {"net", "ical", "time", "common"},
    # sync/ decides what goes to the server and what its answers mean (through the ledger).
    "sync": {"caldav", "net", "ical", "ledger", "time", "common"},
    "ctl": {"protocol", "ical", "time", "common"},
    "daemon": {"lua", "notify", "ledger", "protocol", "ical", "engine", "store", "time", "common",
               "net", "caldav", "sync"},
}

problems = []


def folder_of(rel):
    return rel.split("/", 1)[0]


def check_includes():
    edges = 0
    for root, _, files in os.walk(SRC):
        for f in files:
            if not f.endswith((".c", ".h")):
                continue
            path = os.path.join(root, f)
            rel = os.path.relpath(path, SRC)
            src_folder = folder_of(rel)
            with open(path, encoding="utf-8", errors="replace") as fh:
                for n, line in enumerate(fh, 1):
                    m = re.match(r'\s*#\s*include\s+"([a-z_]+)/[^"]+"', line)
                    if not m:
                        continue
                    edges += 1
                    dst = m.group(1)
                    if dst == src_folder:
                        continue
                    if src_folder not in ALLOWED:
                        problems.append("src/%s: folder %s/ is not in the drawing (tests/shape/test_layers.py)"
                                        % (rel, src_folder))
                    elif dst not in ALLOWED[src_folder]:
                        problems.append("src/%s:%d: %s/ includes %s/ (%s)" % (rel, n, src_folder, dst, line.strip()))
    return edges


def objects():
    out = {}
    for root, _, files in os.walk(BUILD):
        if "/tests" in root or "CMakeFiles" not in root:
            continue
        for f in files:
            if not f.endswith(".c.o"):
                continue
            path = os.path.join(root, f)
            m = re.search(r"/src/(.+)\.o$", path)
            # An object whose source is gone (a stale build folder) says nothing of the code.
            if m and os.path.exists(os.path.join(SRC, m.group(1))):
                # One object per source file: the newest (an old target's may linger).
                old = out.get(m.group(1))
                if old is None or os.path.getmtime(path) > os.path.getmtime(old):
                    out[m.group(1)] = path
    return out


def nm(path, undefined):
    args = ["nm", "-P", "--undefined-only" if undefined else "--defined-only", path]
    syms = set()
    for line in subprocess.run(args, capture_output=True, text=True, check=True).stdout.splitlines():
        parts = line.split()
        # Defined: global symbols only (upper-case types); a static is no arrow.
        if len(parts) >= 2 and (undefined or parts[1] in "TDBRCGSV"):
            syms.add(parts[0])
    return syms


def check_symbols():
    objs = objects()
    if not objs:
        problems.append("no object files of src/ under %s (build first)" % BUILD)
        return 0, 0
    defined = {}
    for src, o in objs.items():
        for s in nm(o, False):
            defined.setdefault(s, src)
    graph = {src: set() for src in objs}
    for src, o in objs.items():
        for s in nm(o, True):
            dst = defined.get(s)
            if dst and dst != src:
                graph[src].add(dst)
    n_edges = 0
    for src, dsts in graph.items():
        for dst in dsts:
            n_edges += 1
            a, b = folder_of(src), folder_of(dst)
            if a != b and a in ALLOWED and b not in ALLOWED[a]:
                problems.append("%s uses %s (%s/ -> %s/)" % (src, dst, a, b))
    # Circles: strongly connected components of more than one file (Tarjan, iterative).
    index, low, on, stack, comps, counter = {}, {}, set(), [], [], [0]
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter[0]
        counter[0] += 1
        stack.append(start)
        on.add(start)
        while work:
            v, it = work[-1]
            nxt = next(it, None)
            if nxt is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    comp = []
                    while True:
                        w = stack.pop()
                        on.discard(w)
                        comp.append(w)
                        if w == v:
                            break
                    if len(comp) > 1:
                        comps.append(sorted(comp))
            elif nxt not in index:
                index[nxt] = low[nxt] = counter[0]
                counter[0] += 1
                stack.append(nxt)
                on.add(nxt)
                work.append((nxt, iter(sorted(graph[nxt]))))
            elif nxt in on:
                low[v] = min(low[v], index[nxt])
    for comp in comps:
        problems.append("a circle of files: " + " <-> ".join(comp))
    return len(objs), n_edges


def main():
    inc = check_includes()
    nobj, nsym = check_symbols()
    for p in problems:
        print("FAIL:", p)
    print("%d include arrows, %d object files, %d file-to-file uses; %d problems"
          % (inc, nobj, nsym, len(problems)))
    # The check must have looked at something: an empty tree passing would prove nothing.
    if inc < 50 or nobj < 20:
        print("FAIL: too little seen to judge the shape")
        return 1
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
