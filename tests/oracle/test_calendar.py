#!/usr/bin/python3
"""Compare nudge's calendar events with `systemd-analyze calendar`, the oracle.

Table-driven: hand-picked expressions (every form of systemd.time(7)) and generated ones,
each in several zones and from several base times, DST changes included. For each we
compare the normalised form and the next N elapses; expressions systemd rejects must be
rejected by nudge too, and the other way round."""
import calendar as pycal
import os
import random
import subprocess
import sys
from datetime import datetime

TOOL = os.environ.get("NUDGE_TIMETOOL", "build/tests/nudge-timetool")
ITER = 6

HAND = [
    # shorthands
    "minutely", "hourly", "daily", "weekly", "monthly", "yearly", "annually", "quarterly",
    "semiannually", "semi-annually", "biannually", "DAILY", "Weekly",
    # weekdays
    "Mon", "Mon..Fri 9:00", "Sat,Sun 10:30", "Mon-Fri 18:00", "Tue..Thu,Sat 07:15",
    "Monday *-*-* 08:00", "Wednesday,Friday 12:00:30", "Mon,Wed..Fri 21:45", "Sun 23:59:59",
    "mon..fri 9:00", "Thu..Sat,Mon 6:00",
    # dates
    "*-*-* 00:00:00", "*-*-01 00:00", "*-02-29 12:00", "2027-*-* 08:00", "2026..2028-03-15",
    "*-*-1,15 10:00", "*-1..6-1 0:0", "*-*-* 20:30", "2026-12-24 18:00", "12-24 18:00",
    "*-12-25", "2030-01-01", "27-01-01", "99-12-31 23:00", "*-*-31", "*-04-31",
    "*-02-30", "2026-02-29", "*-*-*", "1-1", "*-*-1/7 9:00", "*-1/2-1",
    # repetitions and ranges on times
    "*:0/15", "*:*:0/20", "8..18:00", "8..18/2:30", "*-*-* 0/3:00:00", "9,13,17:00",
    "*:05,35", "22:00..59/10", "*:*:10..20", "*:*:0/1.5", "*:*:1,0/0.2,0/1", "*:*:0/1,7.5", "12:00:30.5", "*:*:*",
    "*:00:00", "00:00", "23:59", "0:0:0", "10:00:00.250000", "*:*:0..59/7",
    # last days of month
    "*-*~01", "*-*~1 18:00", "*-02~1", "*-*~03..01", "*-*~7/2", "*-05~07/1 12:00",
    "Mon *-05~07/1", "Fri *-*~1..7 17:00", "*~1", "2027-*~1",
    # zones
    "*-*-* 09:00 UTC", "Mon..Fri 9:00 Europe/Berlin", "daily America/New_York",
    "*-*-* 02:30 Europe/Berlin", "*-*-* 02:30 America/New_York", "*-*-* 02:00 Australia/Sydney",
    "*-*-* 01:45 Australia/Lord_Howe", "*-*-* 02:15 Australia/Lord_Howe", "12:00 Asia/Kolkata",
    "*-*-* 01:30 Europe/London", "weekly UTC", "*:30 Australia/Adelaide",
    # epoch
    "@1798000000", "@0",
    # DST-sensitive wall times in the local zone
    "*-*-* 02:30", "*-*-* 02:00", "*-*-* 03:00", "*-*-* 01:59", "*-*-* 02:59:59", "*:30",
    "Sun 02:30", "*-03,10-* 02:30",
    # things systemd rejects
    "", "bogus", "Mon..Fir 9:00", "Fri..Mon", "*-*-* 25:00", "*-13-01", "*-*-32", "*:60",
    "*:*:61", "9", "9:", "*-*-* 9:00 Mars/Olympus", "Mon,", "Mon..", "*-*~29", "1969-01-01",
    "2200-01-01", "*-*-* */2:00", "0/0:00", "Mon Tue", "*-*-*-*", "12:00:00:00", "1..",
    "~", "*-*~", "--", "Mon..Fri..Sat", "*-2~1-1", "12:00 PM", "8..18/30:00",
]

# Zone names systemd's timezone_is_valid() takes or refuses: letters, digits and "/_-+" only,
# no leading, trailing or doubled "/", a regular TZif file under /usr/share/zoneinfo.
ZONE_NAMES = [
    "Europe/Berlin", "Europe//Berlin", "Europe/Berlin/", "/Europe/Berlin", "//Europe/Berlin",
    "Europe/../Europe/Berlin", "Europe/./Berlin", "./Europe/Berlin", "Europe", "Europe/",
    "America/Argentina/Buenos_Aires", "America//Argentina/Buenos_Aires", "Etc/GMT+5",
    "Etc/GMT-14", "EST5EDT", "Etc/UTC", "GMT", "Zulu", "posixrules", "right/UTC",
    "posix/Europe/Berlin", "zone.tab", "tzdata.zi", "Europe/berlin", "Europe/Berlin_",
    "Europe/Berlin/x", "Mars/Olympus", "Europe\\Berlin", "Europe/Berlin%", "Europe/Ber lin",
    "America/Santiago", "Asia/Kolkata",
]
HAND += ["daily " + z for z in ZONE_NAMES] + ["*-*-* 02:30 " + z for z in ZONE_NAMES[:12]]

ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Australia/Sydney", "Australia/Lord_Howe",
         "Asia/Kolkata", "Europe/London", "America/Sao_Paulo"]

# The zone's own abbreviations as suffixes ("00:00 CEST" is the local zone with DST forced),
# where systemd's answers around a DST change are the least obvious.
ABBREV = {
    "Europe/Berlin": ["00:00 CEST", "*-*-* 02:30 CET", "0/15:0 CEST", "Sun 01..03:00 CET"],
    "America/New_York": ["0/15:0 EDT", "12:00 EST", "*-*-* 01:30 EDT"],
    "Australia/Lord_Howe": ["0/15:0 +11", "*-*-* 00:00 +1030", "02:00 +11", "0/6:0/20 +1030"],
    "Australia/Sydney": ["0/15:0 AEDT", "*-*-* 02:30 AEST"],
}

# Base times: ordinary days and the hours around DST changes (north and south).
BASES = [
    "2026-11-22 12:00:00 UTC", "2026-01-01 00:00:00 UTC", "2026-02-27 23:59:59 UTC",
    "2026-03-28 23:00:00 UTC", "2026-03-08 06:00:00 UTC", "2026-10-25 00:10:00 UTC",
    "2026-11-01 05:20:00 UTC", "2026-04-04 15:00:00 UTC", "2026-10-03 15:00:00 UTC",
    "2028-02-28 12:00:00 UTC", "2026-12-31 23:59:30 UTC", "2026-10-24 13:50:00 UTC",
]


def gen(rng, n):
    """Random but valid-looking expressions, to reach combinations nobody writes by hand."""
    days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    out = []

    def comp(lo, hi, width=1):
        k = rng.random()
        if k < 0.25:
            return "*"
        if k < 0.5:
            return str(rng.randint(lo, hi)).zfill(width)
        if k < 0.65:
            a = rng.randint(lo, hi)
            return "%d..%d" % (a, rng.randint(a, hi))
        if k < 0.8:
            a = rng.randint(lo, hi)
            return "%d/%d" % (a, rng.randint(1, max(1, (hi - lo) // 2)))
        vals = sorted(set(rng.randint(lo, hi) for _ in range(rng.randint(2, 4))))
        return ",".join(map(str, vals))

    for _ in range(n):
        parts = []
        if rng.random() < 0.4:
            a = rng.randint(0, 6)
            if rng.random() < 0.5:
                parts.append("%s..%s" % (days[a], days[rng.randint(a, 6)]))
            else:
                parts.append(",".join(sorted(set(days[rng.randint(0, 6)] for _ in range(2)),
                                             key=days.index)))
        if rng.random() < 0.6:
            y = "*" if rng.random() < 0.7 else comp(2026, 2030)
            sep = "~" if rng.random() < 0.15 else "-"
            d = comp(1, 28) if sep == "-" else str(rng.randint(1, 7))
            parts.append("%s-%s%s%s" % (y, comp(1, 12), sep, d))
        t = "%s:%s" % (comp(0, 23), comp(0, 59))
        if rng.random() < 0.3:
            t += ":" + comp(0, 59)
        parts.append(t)
        out.append(" ".join(parts))
    return out



def utc_line_to_epoch(line):
    # "       (in UTC): Thu 2026-11-19 08:00:00 UTC"
    txt = line.split(": ", 1)[1].strip()
    if txt == "never":
        return None
    parts = txt.split()
    dt = datetime.strptime(parts[1] + " " + parts[2], "%Y-%m-%d %H:%M:%S")
    return pycal.timegm(dt.timetuple())


def systemd(zone, base, exprs):
    """{expr: (normalised, [epoch seconds])} or {expr: None} when systemd rejects it.

    systemd-analyze prints one block per accepted expression, separated by blank lines (its
    "Original form" line only when it differs from the normalised one), and names each
    rejected expression on stderr; blocks therefore map in order onto the accepted ones."""
    env = dict(os.environ, TZ=zone, LC_ALL="C", SYSTEMD_COLORS="0")
    res = {}
    for i in range(0, len(exprs), 200):
        chunk = exprs[i:i + 200]
        p = subprocess.run(["systemd-analyze", "calendar", "--base-time=@%d" % base,
                            "--iterations=%d" % ITER, "--"] + chunk,
                           capture_output=True, text=True, env=env)
        rejected = set()
        for line in p.stderr.splitlines():
            pre = "Failed to parse calendar specification '"
            if line.startswith(pre):
                rejected.add(line[len(pre):line.rindex("'")])
        gaveup = set()
        for line in p.stderr.splitlines():
            pre = "Failed to determine next elapse for '"
            if line.startswith(pre):
                # systemd's own safety valve (1000 iterations) fired: it has no answer to compare.
                gaveup.add(line[len(pre):line.rindex("'")])
        blocks = [b for b in p.stdout.split("\n\n") if b.strip()]
        accepted = [e for e in chunk if e not in rejected and e not in gaveup]
        if len(blocks) != len(accepted):
            raise SystemExit("cannot map systemd-analyze output (%d blocks, %d accepted)"
                             % (len(blocks), len(accepted)))
        for e in chunk:
            res[e] = "gave up" if e in gaveup else None
        for e, b in zip(accepted, blocks):
            norm, times = "", []
            for line in b.splitlines():
                s = line.strip()
                if s.startswith("Normalized form:"):
                    norm = line.split(": ", 1)[1]
                elif s.startswith("Next elapse:") or s.startswith("Iter. #"):
                    # In a UTC zone systemd prints no separate "(in UTC)" line.
                    v = s.split(": ", 1)[1]
                    if v != "never":
                        times.append(utc_line_to_epoch(line) if v.endswith(" UTC") else None)
                elif s.startswith("(in UTC):"):
                    times[-1] = utc_line_to_epoch(line)
            res[e] = [norm, times]
    return res


def ours(zone, base, exprs):
    env = dict(os.environ, TZ=zone)
    req = "".join("calendar\t%d\t%d\t%s\n" % (base * 1000000, ITER, e) for e in exprs)
    p = subprocess.run([TOOL], input=req, capture_output=True, text=True, env=env, check=True)
    res = {}
    for e, line in zip(exprs, p.stdout.splitlines()):
        f = line.split("\t")
        if f[0] == "ok":
            res[e] = [f[1], [int(x) // 1000000 for x in f[2].split()] if len(f) > 2 and f[2] else []]
        else:
            res[e] = None
            if not f[1].startswith(('bad calendar event "', 'bad cron line "')):
                res[e] = "bad message: " + f[1]
    return res


def main():
    rng = random.Random(20261122)
    exprs = HAND + gen(rng, 400)
    passed = failed = skipped = 0
    for zone in ZONES:
        bases = BASES if zone != "UTC" else BASES[:4]
        for b in bases:
            base = pycal.timegm(datetime.strptime(b[:-4], "%Y-%m-%d %H:%M:%S").timetuple())
            zexprs = exprs + ABBREV.get(zone, [])
            want = systemd(zone, base, zexprs)
            got = ours(zone, base, zexprs)
            for e in zexprs:
                w, g = want.get(e), got.get(e)
                if w == "gave up":
                    skipped += 1
                    continue
                if w is None and g is None:
                    passed += 1
                    continue
                if w is not None and g is not None and w[0] == g[0] and w[1] == g[1]:
                    passed += 1
                    continue
                failed += 1
                if failed <= 60:
                    print("MISMATCH TZ=%s base=%s %r\n  systemd: %r\n  nudge:   %r" % (zone, b, e, w, g))
    print("%d passed, %d failed, %d skipped (systemd-analyze gave up on them)" % (passed, failed, skipped))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
