#!/usr/bin/python3
"""Where a live nudged spends a reload: reads `perf script -F ip,sym` output (stacks recorded
with --call-graph dwarf on the daemon while it reloads) on stdin and prints, for the reload's
main steps, the share of all samples spent inside each (inclusive) and its biggest named
callees. Frames without a symbol (liblua without debug symbols) are skipped over, so a
callee is the nearest named function below. Used by scripts/bench when the reload target is
missed; run by hand as
    perf script -i perf.data -F ip,sym | tests/bench/perf_reload.py"""
import collections
import sys

STEPS = ["daemon_reload", "ruleset_load", "sandbox_load", "sandbox_pcall", "schedule_call",
         "ruleset_adopt", "same_definition", "sandbox_close", "alloc", "calendar_format"]

samples, cur = [], []
for line in sys.stdin:
    s = line.strip()
    if not s:
        if cur:
            samples.append(cur)
        cur = []
        continue
    parts = s.split(None, 1)
    cur.append(parts[1] if len(parts) > 1 else "[unknown]")
if cur:
    samples.append(cur)
n = len(samples)
if not n:
    sys.exit("perf_reload: no samples")
print("%d samples" % n)
for step in STEPS:
    callees = collections.Counter()
    for st in samples:
        if step not in st:
            continue
        i = st.index(step)
        below = next((f for f in reversed(st[:i]) if f != "[unknown]"), "(Lua internals)")
        callees[below] += 1
    total = sum(callees.values())
    if not total:
        continue
    top = ", ".join("%s %.0f%%" % (k, 100.0 * v / n) for k, v in callees.most_common(5))
    print("%-16s %5.1f%%  <- %s" % (step, 100.0 * total / n, top))
