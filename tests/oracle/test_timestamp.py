#!/usr/bin/python3
"""Compare nudge's timestamps with `systemd-analyze timestamp` (systemd 252), zone by zone.

Per zone: one nudge-timetool process and one systemd-analyze call with every expression.
Absolute forms must give the same microseconds, "Normalized form" and "(in UTC)" lines;
forms relative to the clock (now, +3h, today, 18:00, ...) are given the tool the real time at
the start and may differ from systemd by the seconds the run takes.

systemd-analyze 252 rejects every timestamp ending in an IANA zone name (systemd issue #34670,
the same happens for "CET" or "EST", which are zone files too), although parse_timestamp() is
meant to accept them. For those the reference is systemd run with TZ set to that zone on the
expression without its zone word.
"""
import datetime
import os
import random
import re
import subprocess
import sys
import time

TOOL = os.environ.get("NUDGE_TIMETOOL", "nudge-timetool")
ZONES = ["Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "UTC"]
# abbreviations each zone's tzname[] has and that are not zone files themselves
LOCAL_ABBR = {"Europe/Berlin": ["CEST", "cest"], "America/New_York": ["EDT"],
              "Australia/Sydney": ["AEST", "AEDT"], "Asia/Kolkata": ["IST"], "UTC": []}
SLACK_US = 30 * 10**6
WD = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]

# wall times around each zone's DST changes (gaps and repeats)
DST_DAYS = {
    "Europe/Berlin": ["2026-03-29", "2026-10-25", "2021-03-28", "2021-10-31"],
    "America/New_York": ["2026-03-08", "2026-11-01", "2024-03-10", "2024-11-03"],
    "Australia/Sydney": ["2026-04-05", "2026-10-04", "2025-04-06", "2025-10-05"],
    "Asia/Kolkata": ["2026-03-29"],
    "UTC": ["2026-03-29"],
}

# zone names systemd's timezone_is_valid() takes or refuses (see main)
ZONE_NAMES = [
    "Europe/Berlin", "Europe//Berlin", "Europe/Berlin/", "/Europe/Berlin", "//Europe/Berlin",
    "Europe/../Europe/Berlin", "Europe/./Berlin", "Europe", "Europe/", "Etc/GMT+5", "EST5EDT",
    "Etc/UTC", "right/UTC", "posix/Europe/Berlin", "zone.tab", "Europe/berlin",
    "Europe/Berlin/x", "Mars/Olympus", "America//Argentina/Buenos_Aires", "America/Santiago",
]

RELATIVE = ["now", "+3h", "-1d", "3h ago", "1d left", "+0", "-0", "+1y 2M", "- 1d", "+ 3h",
            "45min ago", "1.5h ago", "today", "yesterday", "tomorrow", "18:00", "18:00:30",
            "00:00", "23:59:59.999", "12:34:56.5", "7:05", "Dec 24 18:00:00",
            "Jan 01 00:00:00.25", "Feb 29 12:00:00"]

ABSOLUTE = [
    "2026-12-24 18:00", "2026-12-24 18:00:05", "2026-12-24", "26-12-24", "26-12-24 18:00",
    "26-12-24 18:00:05", "69-12-31", "70-01-02", "99-06-15 12:00", "00-01-01", "68-12-31",
    "2026-12-24 18:00:05.5", "2026-12-24 18:00:05.123456", "2026-12-24 18:00:05.1234565",
    "2026-12-24 18:00:05.9999995", "2026-12-24 18:00:05.", "2026-12-24 18:00.5",
    "Mon 2026-11-23 18:00", "Tue 2026-11-23 18:00", "Monday 2026-11-23", "MON 2026-11-23",
    "monday 2026-11-23 18:00:00", "Mon  2026-11-23", "Mo 2026-11-23", "Thu 2026-12-24 18:00 UTC",
    "2026-12-24 18:00 UTC", "2026-12-24 18:00 utc", "2026-12-24 UTC", "2026-12-24  UTC",
    "2026-12-24T18:00", "2026-12-24T18:00:00Z", "2026-12-24 18:00 +01:00", "2026-12-24 25:00",
    "2026-02-30", "2026-13-01", "2026-00-10", "2026-12-24 18:60", "2026-12-24 18:00:60",
    "2026-12-24 18:00:61", "   2026-11-23", "2026-11-23  18:00", "2026-11-23 18:00 ",
    "1970-01-01", "1970-01-01 00:00:00 UTC", "1970-01-01 00:00:01 UTC", "1969-12-31 23:59:59 UTC",
    "1970-01-02 00:00", "2038-01-19 04:14:08 UTC", "9999-12-30 23:59:59 UTC",
    "9999-12-30 23:59:59.5 UTC", "9999-12-31", "9999-12-30", "10000-01-01", "0001-01-01",
    "@1798000000", "@0", "@1", "@1.5", "@ 5", "@1h", "@1798000000.123456", "@253402214399",
    "@253402214400", "@-5", "@1e3", "@", "@infinity", "@99999999999999999999", "@1 2",
    "", " ", "now ", " now", "NOW", "Today", "bogus", "+", "-", "ago", " ago", "+infinity",
    "-infinity", "-100y", "+8000y", "infinity ago", "3h ago UTC", "now UTC", "today UTC",
    "tomorrow UTC", "yesterday UTC", "18:00 UTC", "Dec 24 18:00:00 UTC", "+3q", "3q ago",
    "2026-12-24 18:00 Mars/Olympus", "2026-12-24 18:00 XYZ", "Sun Nov 22 18:00:00 2026",
    "2026/12/24 18:00", "24.12.2026", "2026-12-24 6pm", "2026-12-24,18:00",
]


def expressions(zone, rng):
    exprs = list(ABSOLUTE)
    for day in DST_DAYS[zone]:
        for hm in ["00:30", "01:30", "01:59:59", "02:00", "02:30", "02:59:59", "03:00", "03:30"]:
            exprs.append("%s %s" % (day, hm))
        exprs.append("%s 02:30 UTC" % day)
        for ab in LOCAL_ABBR[zone]:
            exprs.append("%s 02:30 %s" % (day, ab))
            exprs.append("%s 12:00 %s" % (day, ab))
    for ab in LOCAL_ABBR[zone]:
        exprs += ["2026-01-15 12:00 %s" % ab, "2026-07-15 12:00 %s" % ab, "12:00 %s" % ab,
                  "today %s" % ab, "2026-07-15 %s" % ab, "now %s" % ab]
    # generated: every form systemd knows, with right and wrong weekdays, across 1970..2100
    for _ in range(220):
        d = datetime.datetime(1970, 1, 1) + datetime.timedelta(
            seconds=rng.randint(0, 130 * 365 * 86400))
        form = rng.randrange(8)
        if form == 0:
            s = d.strftime("%Y-%m-%d %H:%M:%S")
        elif form == 1:
            s = d.strftime("%Y-%m-%d %H:%M")
        elif form == 2:
            s = d.strftime("%Y-%m-%d")
        elif form == 3:
            s = d.strftime("%y-%m-%d %H:%M:%S")
        elif form == 4:
            s = d.strftime("%Y-%m-%d %H:%M:%S") + "." + str(rng.randint(0, 10**rng.randint(1, 9)))
        elif form == 5:
            wd = WD[d.weekday()] if rng.random() < 0.7 else rng.choice(WD)
            s = wd + " " + d.strftime("%Y-%m-%d %H:%M")
        elif form == 6:
            s = "@%d" % rng.randint(0, 4 * 10**9)
        else:
            s = d.strftime("%Y-%m-%d %H:%M") + " UTC"
        exprs.append(s)
    return exprs


def zoned_expressions(rng):
    """(expression with zone, zone, expression without) for the IANA-suffix forms."""
    out = []
    for z in ["Europe/Berlin", "America/New_York", "Asia/Tokyo", "Australia/Sydney",
              "Asia/Kolkata", "Etc/GMT-3", "America/Sao_Paulo"]:
        for base in ["2026-12-24 18:00", "2026-07-01 09:15:30", "2026-03-29 02:30",
                     "2026-11-01 01:30", "2026-10-04 02:30", "today", "tomorrow",
                     "Thu 2026-12-24", "2026-12-24 18:00:00.25", "26-07-01 12:00"]:
            out.append((base + " " + z, z, base))
        for _ in range(6):
            d = datetime.datetime(1971, 1, 1) + datetime.timedelta(
                seconds=rng.randint(0, 100 * 365 * 86400))
            base = d.strftime("%Y-%m-%d %H:%M:%S")
            out.append((base + " " + z, z, base))
    return out


def run_ours(zone, now, exprs):
    req = "".join("timestamp\t%d\t%s\n" % (now, e) for e in exprs)
    env = dict(os.environ, TZ=zone)
    p = subprocess.run([TOOL], input=req.encode(), stdout=subprocess.PIPE, env=env, check=True)
    res = []
    for ln in p.stdout.decode().split("\n")[: len(exprs)]:
        f = ln.split("\t")
        res.append({"ok": True, "usec": int(f[1]), "norm": f[2], "utc": f[3]} if f[0] == "ok"
                   else {"ok": False, "err": f[1]})
    return res


def unix_usec(s):
    s = s.strip().lstrip("@")
    if "." in s:
        a, b = s.split(".")
        return int(a) * 10**6 + int(b)
    return int(s) * 10**6


def run_systemd(zone, exprs):
    env = dict(os.environ, TZ=zone)
    p = subprocess.run(["systemd-analyze", "timestamp", "--"] + exprs, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, env=env)
    blocks, cur = [], None
    for ln in p.stdout.decode().split("\n"):
        if ln.startswith("  Original form: "):
            cur = {"ok": True, "orig": ln[len("  Original form: "):]}
            blocks.append(cur)
        elif ln.startswith("Normalized form: "):
            cur["norm"] = ln[len("Normalized form: "):]
        elif ln.startswith("       (in UTC): "):
            cur["utc"] = ln[len("       (in UTC): "):]
        elif ln.startswith("   UNIX seconds: "):
            cur["usec"] = unix_usec(ln[len("   UNIX seconds: "):])
    # failures only reach stderr: a case without its block in order was rejected
    res, j = [], 0
    for e in exprs:
        if j < len(blocks) and blocks[j]["orig"] == e:
            res.append(blocks[j])
            j += 1
        else:
            res.append({"ok": False})
    assert j == len(blocks), "unmatched systemd-analyze output"
    return res


def is_clock_relative(e):
    """Whether the result depends on the clock (then systemd's differs by the run time)."""
    return not (e.startswith("@") or re.match(r"^\s*(\w+\s+)?\d+-", e)) or any(
        w in e for w in ("now", "today", "tomorrow", "yesterday", "ago", "left"))


def compare(e, o, t, relative, in_utc):
    if o["ok"] != t["ok"]:
        return False
    if not o["ok"]:
        return o["err"].startswith('bad timestamp "%s": ' % e)
    tv = (2**63 - 1) if t["usec"] == 2**64 - 1 else t["usec"]
    if relative:
        return abs(o["usec"] - tv) <= SLACK_US
    if o["usec"] != tv or o["norm"] != t["norm"]:
        return False
    # systemd omits the UTC line when the zone is UTC
    return o["utc"] == t.get("utc", o["utc"] if in_utc else None)


def main():
    rng = random.Random(252)
    now = int(time.time() * 10**6)
    passed = failed = 0

    def check(label, e, o, t, relative, in_utc):
        nonlocal passed, failed
        if compare(e, o, t, relative, in_utc):
            passed += 1
        else:
            failed += 1
            print("MISMATCH [%s] %r: nudge %r, systemd %r" % (label, e, o, t))

    for zone in ZONES:
        exprs = RELATIVE + expressions(zone, rng)
        ours, theirs = run_ours(zone, now, exprs), run_systemd(zone, exprs)
        for e, o, t in zip(exprs, ours, theirs):
            check(zone, e, o, t, is_clock_relative(e), zone == "UTC")

    # trailing IANA zones: systemd-analyze itself cannot (see above), so ask it in that zone
    zoned = zoned_expressions(rng)
    for zone in ["Europe/Berlin", "America/New_York"]:
        ours = run_ours(zone, now, [z[0] for z in zoned])
        for (e, z, base), o in zip(zoned, ours):
            t = run_systemd_cached(z, base, zoned)
            if o["ok"] and t["ok"]:
                tv = t["usec"]
                ok = o["usec"] == tv if base not in ("today", "tomorrow") else \
                    abs(o["usec"] - tv) <= SLACK_US
            else:
                ok = o["ok"] == t["ok"]
            if ok:
                passed += 1
            else:
                failed += 1
                print("MISMATCH [%s] %r: nudge %r, systemd in %s %r" % (zone, e, o, z, t))

    # zone names: systemd takes the same ones in timestamps and calendar events (one
    # timezone_is_valid()), and systemd-analyze 252 can only show it for calendar events
    for zn in ZONE_NAMES:
        e = "2026-12-24 18:00:00 " + zn
        o = run_ours("UTC", now, [e])[0]
        p = subprocess.run(["systemd-analyze", "calendar", "--base-time=@0", "--", e],
                           capture_output=True, text=True, env=dict(os.environ, TZ="UTC",
                                                                     LC_ALL="C", SYSTEMD_COLORS="0"))
        want = None
        for line in p.stdout.splitlines():  # "(in UTC)" follows "Next elapse" unless in UTC
            k, _, v = line.strip().partition(": ")
            if k in ("Next elapse", "(in UTC)") and v.endswith(" UTC"):
                d = datetime.datetime.strptime(v[4:-4], "%Y-%m-%d %H:%M:%S")
                want = int(d.replace(tzinfo=datetime.timezone.utc).timestamp()) * 10**6
        if (o["ok"] and o["usec"] == want) or (not o["ok"] and want is None):
            passed += 1
        else:
            failed += 1
            print("MISMATCH [zone name] %r: nudge %r, systemd calendar %r" % (e, o, want))

    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


_cache = {}


def run_systemd_cached(zone, base, zoned):
    if zone not in _cache:
        bases = [b for (_, z, b) in zoned if z == zone]
        _cache[zone] = dict(zip(bases, run_systemd(zone, bases)))
    return _cache[zone][base]


if __name__ == "__main__":
    sys.exit(main())
