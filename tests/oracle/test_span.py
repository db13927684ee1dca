#!/usr/bin/python3
"""Compare nudge's time spans with `systemd-analyze timespan` (systemd 252).

Every expression goes through nudge-timetool (one process, many requests) and through
systemd-analyze (many arguments per call). Both must accept or both reject; accepted ones must
give the same microseconds and the same "Human:" line.
"""
import os
import random
import subprocess
import sys

TOOL = os.environ.get("NUDGE_TIMETOOL", "nudge-timetool")
U64_INF = 2**64 - 1
I64_INF = 2**63 - 1

UNITS = ["us", "usec", "µs", "μs", "ms", "msec", "s", "sec", "second", "seconds", "m", "min",
         "minute", "minutes", "h", "hr", "hour", "hours", "d", "day", "days", "w", "week",
         "weeks", "M", "month", "months", "y", "year", "years", ""]

FIXED = [
    # documented forms
    "45min", "45m", "2h 30min", "2h30min", "1d", "3w", "6M", "1y", "90s", "90", "0", "1.5h",
    "1.5d", "1y 2M 3d 4h 5min 6s 7ms 8us", "infinity", " infinity", "infinity ", "  2h  ",
    "5 5", ".5", "5s.5", "1.5us", "0.0000001s", "1 .5", "3 h", "+5", "1y1y", "5 s 3 min", "1w2d",
    "1h30", "90.5s", "60.5s", "59.999999s", "1.5ms", "0.5ms", "1.000001s", "1min 0.5s",
    "9223372036854775806us", "292271y", "1\t2", "1\n2", "1\r2", "00005s", "0.0s", "0s 0ms",
    "1.50000000000000000000000000001s", "2 weeks", "3 years 2 months", "10 hr 5 minutes",
    "1.25M", "0.1y", "100000y", "584542y", "106751991d", "1.99999999999999999999h",
    # rejected forms
    "", " ", "5q", "5 foo", "foo", "12.34.56", "1.5.5", "5.", "3.sec", "3. s", "1 . 5", "1.-5",
    "-5", "5 -3", "-0", "+ 5", "0x10", "1e3", "5secs", "5mo", "5Min", "5S", "infinityx",
    "infinity 5", "5 infinity", "18446744073709551615us", "18446744073709551616",
    "9223372036854775807", "99999999999999999999999", "1h-5m", "1h,5m", "1h+5m", "5\u00a0s",
    "., ", ".", "..5", "5..", "1.5.", "5 ms s", "ms", "5µ", "5 µ", "1.5 hh", "½h", "5_s",
    "5s ago", "@5", "1,5h", "5'", "+-5", "--5", "5 + 5",
]


def generated(rng):
    out = []
    for _ in range(400):
        terms = []
        for _ in range(rng.randint(1, 4)):
            n = str(rng.choice([0, 1, 2, 5, 7, 10, 30, 59, 60, 61, 90, 100, 365, 1000, 12345,
                                rng.randint(0, 10**6)]))
            if rng.random() < 0.3:
                n += "." + str(rng.randint(0, 10**rng.randint(1, 8)))
            terms.append(n + rng.choice(["", " "]) + rng.choice(UNITS))
        out.append(rng.choice(["", " ", "  "]).join(terms) if rng.random() < 0.5
                   else " ".join(terms))
    # raw microsecond counts of every magnitude: exercises the formatter
    for _ in range(300):
        out.append("%dus" % rng.randint(1, 10**rng.randint(1, 18)))
    # mutations that are mostly invalid
    for _ in range(150):
        s = list(rng.choice(FIXED[:40]))
        if s:
            i = rng.randrange(len(s))
            s[i] = rng.choice("xq.-+ 9sMµ,/")
        out.append("".join(s))
    return out


def run_ours(exprs):
    req = "".join("span\t%s\n" % e for e in exprs)
    p = subprocess.run([TOOL], input=req.encode(), stdout=subprocess.PIPE, check=True)
    lines = p.stdout.decode().split("\n")[: len(exprs)]
    res = []
    for ln in lines:
        f = ln.split("\t")
        res.append(("ok", int(f[1]), f[2]) if f[0] == "ok" else ("err", f[1]))
    return res


def parse_blocks(text):
    blocks, cur = [], {}
    for ln in text.split("\n"):
        s = ln.strip()
        if s.startswith("Original:"):
            cur = {}
            blocks.append(cur)
        elif s.startswith("μs:"):
            cur["usec"] = int(s.split(":", 1)[1])
        elif s.startswith("Human:"):
            cur["human"] = s.split(":", 1)[1].strip()
    return blocks


def run_systemd(exprs):
    """systemd-analyze stops at the first bad span: resume after each failure."""
    res, rest = [], list(exprs)
    while rest:
        p = subprocess.run(["systemd-analyze", "timespan", "--"] + rest, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE)
        blocks = parse_blocks(p.stdout.decode())
        for b in blocks:
            res.append(("ok", b["usec"], b["human"]))
        if p.returncode == 0:
            assert len(blocks) == len(rest)
            break
        res.append(("err", p.stderr.decode().strip()))
        rest = rest[len(blocks) + 1:]
    return res


def main():
    rng = random.Random(252)
    exprs = FIXED + generated(rng)
    # a newline or tab cannot travel through the tool's line protocol
    exprs = [e for e in exprs if "\n" not in e and "\t" not in e]
    ours, theirs = run_ours(exprs), run_systemd(exprs)
    passed = failed = 0
    for e, o, t in zip(exprs, ours, theirs):
        ok = o[0] == t[0]
        if ok and o[0] == "ok":
            tv = I64_INF if t[1] == U64_INF else t[1]
            ok = (o[1], o[2]) == (tv, t[2])
        elif o[0] == "err":
            ok = ok and o[1].startswith('bad time span "%s": ' % e)
        if not ok and o[0] == "err" and t[0] == "ok" and I64_INF <= t[1] < U64_INF:
            ok = True  # we reserve INT64_MAX for infinity; systemd counts to UINT64_MAX - 1
        if ok:
            passed += 1
        else:
            failed += 1
            print("MISMATCH %r: nudge %r, systemd %r" % (e, o, t))
    # our formatter's output must parse back to the same value
    samples = [o for o in ours if o[0] == "ok" and o[1] != I64_INF]
    back = run_ours([o[2] for o in samples])
    for o, b in zip(samples, back):
        if b[0] == "ok" and b[1] == o[1] and b[2] == o[2]:
            passed += 1
        else:
            failed += 1
            print("ROUND TRIP %r -> %r" % (o, b))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
