#!/usr/bin/python3
"""Compare nudge's cron lines (src/time/cron.c, reached through calendar_parse/calendar_next in
nudge-timetool) with python3-croniter, the oracle.

Hand-written and generated (fixed seed) lines, each from several base times, 10 elapses each,
in UTC, Europe/Berlin and America/New_York, with bases next to DST changes. Lines croniter
rejects must be rejected by nudge too, and the other way round.

Where nudge deliberately differs from croniter 1.3.5 the expected answer is still computed
with croniter, from its own primitives:
- Day matching: nudge follows Vixie cron, where a day field whose TEXT starts with '*' makes
  day-of-month AND weekday both apply, otherwise either. croniter decides on the EXPANDED set
  ("*/2" counts as restricted, "1-31" as unrestricted). When the two rules disagree we ask
  croniter with day_or=False (Vixie's AND), or merge croniter's day-of-month-only and
  weekday-only streams (Vixie's OR).
- DST: nudge follows cron(8) (Debian's man page, "clock is changed by less than 3 hours"):
  "If the time has moved forwards, those jobs which would have run in the time that was
  skipped will be run soon after the change. Conversely, if the time has moved backwards by
  less than 3 hours, those jobs that fall into the repeated time will not be re-run. Only jobs
  that run at a particular time (not specified as @hourly, nor with '*' in the hour or minute
  specifier) are affected. Jobs which are specified with wildcards are run based on the new
  time immediately." croniter knows nothing of that (tz-aware, it shifts skipped times and
  moves daily jobs by an hour around a change, its "lag" correction written for pytz), so in
  DST zones croniter runs on naive wall-clock datetimes (pure cron matching) and each wall time
  is mapped to instants here by cron(8)'s rule (cron8_instants). When base and all results
  share one UTC offset the tz-aware croniter answer is required to agree too. EXPLICIT holds
  hand-derived answers for the cases the issue named (Berlin's 02:30, Santiago's midnight).
"""
import itertools
import os
import random
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone

from croniter import croniter, CroniterBadDateError

try:
    import zoneinfo
except ImportError:  # pragma: no cover - Python < 3.9
    sys.exit("test_cron.py needs Python 3.9+ (zoneinfo)")

TOOL = os.environ.get("NUDGE_TIMETOOL", "build/tests/nudge-timetool")
ITER = 10

SHORTHANDS = {
    "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}

HAND = [
    # the everyday ones
    "* * * * *", "*/5 * * * *", "*/15 * * * *", "0 * * * *", "30 * * * *", "0 0 * * *",
    "30 20 * * *", "30 20 * * 1-5", "0 9 * * mon-fri", "0 9 * * MON-FRI", "0 9 * * Sat,Sun",
    "15 14 1 * *", "0 22 * * 1-5", "23 0-20/2 * * *", "5 4 * * sun", "0 0,12 1 */2 *",
    "0 4 8-14 * *", "0 0 1 1 *", "0 12 * * 0", "0 12 * * 7", "45 23 * * 6",
    "0 8-17 * * 1-5", "*/10 9-17 * * mon-fri", "0 */3 * * *", "0 0 1 * *", "0 0 15 * *",
    "59 23 31 12 *", "0 0 1,15 * *", "0 0 * * 1", "1 2 3 4 5", "5 0 * 8 *",
    # shorthands
    "@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly", "@DAILY",
    # names, mixed case, ranges of names, steps on names
    "0 0 * jan-mar *", "0 0 * JAN,jul *", "0 0 1 feb-nov/3 *", "0 0 * * fri-sun",
    "0 0 * * sun-sat", "0 0 * * mon/2", "0 0 * jun/2 *", "0 12 * Dec Tue", "0 0 * * tue-thu,sat",
    "0 6 * aug-sep mon-wed", "30 7 * * SUN", "0 0 * oct-dec fri",
    # weekday 7 and 0
    "0 0 * * 0,7", "0 0 * * 5-7", "0 0 * * 7-7", "0 0 * * 5-0", "0 0 * * 0-6", "0 0 * * 0-7",
    "0 0 * * 1-7", "0 0 * * */2", "0 0 * * */3", "0 0 * * 1/3", "0 0 * * */7",
    # steps and a/n
    "*/7 * * * *", "*/59 * * * *", "*/60 * * * *", "5/10 * * * *", "50/5 * * * *",
    "0 5/6 * * *", "0 0 5/10 * *", "0 0 1 5/4 *", "1-59/13 * * * *", "10-40/10 1-23/11 * * *",
    "0 0-23/5 * * *", "0 0 */5 * *", "0 0 1-31/10 * *", "0 0 * */4 *", "0,30 */2 * * *",
    "*/100 * * * *", "07 07 07 07 *",
    # both day fields restricted: Vixie OR
    "0 0 13 * 5", "0 0 1 * 1", "0 0 1,15 * 3", "0 0 31 * 0", "0 0 29 2 1", "0 0 30 2 1",
    "0 12 20-26 * 1", "0 0 1-7 * 1", "0 0 1-31 * 1", "0 0 13 * 0-6", "0 0 13 * 0-7",
    "0 0 1-31 * 0-6",
    # a day field led by '*': Vixie AND
    "0 0 */2 * 1", "0 0 */2 * *", "0 0 1 * */2", "0 0 */3 * */2", "0 0 *,13 * 5",
    "0 0 13 * *,5", "0 0 29 2 */7", "0 0 */1 * 1", "0 0 * * *", "0 0 1-15 * */1",
    # month lengths, leap days, impossible lines
    "0 0 31 * *", "0 0 30 * *", "0 0 29 * *", "0 0 29 2 *", "0 0 28-31 2 *", "0 0 31 4,6 *",
    "0 0 30 2 *", "0 0 31 2,4,6,9,11 *", "0 0 30,31 feb *", "0 0 31 1-12/2 *",
    # DST-sensitive wall times
    "30 2 * * *", "0 2 * * *", "59 2 * * *", "0 3 * * *", "30 1 * * *", "0 1 * * *",
    "* 2 * * *", "*/20 1-3 * * *", "15 2,3 * * *", "0 0-4 * * *", "30 2 * 3,10,11 0",
    "0 9 * * *", "0 23 * * *", "45 0 * * *",
    # extra spaces (tabs cannot cross nudge-timetool's TAB-separated protocol: see unit tests)
    "  0   9 *  * 1-5  ", " 0 0 1 1 * ",
]

# Lines both sides must refuse (some are croniter extensions nudge does not take: see REFUSE_OK).
BAD = [
    "61 * * * *", "* 24 * * *", "* * 0 * *", "* * 32 * *", "* * * 0 *", "* * * 13 *",
    "* * * * 8", "*/0 * * * *", "5-1 * * * *", "0 0 * * fir", "0 0 * foo *", "0 0 * * monday",
    "1 2 3 4", "@reboot", "@fortnightly", "-1 * * * *", "1-2-3 * * * *", "1,,2 * * * *",
    "* * * * * *", "0 0 L * *", "0 0 * * 5#3", "0 0 * * 5L", "H * * * *", "0 0 ? * *",
    "0 0 * dec-jan *", "0 mon * * *", "a b c d e", "", "@", "0 0 jan * *",
]
# croniter accepts these; nudge refuses them on purpose.
REFUSE_OK = {
    "* * * * * *": "six fields: croniter's seconds column is not cron(5)",
    "0 0 L * *": "croniter's L (last day) extension",
    "0 0 * * 5#3": "croniter's nth-weekday extension",
    "0 0 * * 5L": "croniter's last-weekday extension",
}

ZONES = {
    "UTC": ["2024-02-28 23:59:30", "2024-06-15 08:07:00", "2025-12-31 23:00:00.5",
            "1999-12-31 23:59:00", "2027-02-27 12:34:56"],
    # Europe/Berlin changes at 01:00 UTC on 2024-03-31 and 2024-10-27.
    "Europe/Berlin": ["2024-03-30 23:50:00", "2024-10-27 00:20:30", "2024-03-27 06:00:00",
                      "2024-10-20 12:00:00", "2025-06-15 08:07:00"],
    # America/New_York changes at 07:00 UTC on 2024-03-10 and 06:00 UTC on 2024-11-03.
    "America/New_York": ["2024-03-10 06:40:00", "2024-11-03 05:20:00", "2024-10-30 12:00:00"],
    # America/Santiago moves 00:00 -04 -> 01:00 -03 (04:00 UTC) on 2026-09-06, and 00:00 -03 ->
    # 23:00 -04 (03:00 UTC) on 2026-04-05: midnight is skipped, and 23:xx repeats.
    "America/Santiago": ["2026-09-05 12:00:00", "2026-09-06 03:59:00", "2026-04-04 12:00:00",
                         "2026-04-05 02:30:00"],
}

# Hand-derived from cron(8)'s rule quoted above (not from croniter): (zone, line, base in UTC,
# the next elapses as wall time with offset).
EXPLICIT = [
    # Berlin, 2026-03-29 02:00 CET -> 03:00 CEST: the skipped 02:30 runs at the change.
    ("Europe/Berlin", "30 2 * * *", "2026-03-27 12:00:00",
     ["2026-03-28 02:30+0100", "2026-03-29 03:00+0200", "2026-03-30 02:30+0200"]),
    # several skipped times of one job: one run at the change, and 03:00 is that same run
    ("Europe/Berlin", "0,30 2,3 * * *", "2026-03-29 00:00:00",
     ["2026-03-29 03:00+0200", "2026-03-29 03:30+0200", "2026-03-30 02:00+0200"]),
    # wildcards run by the new clock: no catch-up
    ("Europe/Berlin", "30 * * * *", "2026-03-29 00:00:00",
     ["2026-03-29 01:30+0100", "2026-03-29 03:30+0200"]),
    ("Europe/Berlin", "*/30 2 * * *", "2026-03-28 12:00:00",
     ["2026-03-30 02:00+0200"]),
    # fall back, 2026-10-25 03:00 CEST -> 02:00 CET: a fixed job runs once, a wild one twice
    ("Europe/Berlin", "30 2 * * *", "2026-10-24 12:00:00",
     ["2026-10-25 02:30+0200", "2026-10-26 02:30+0100"]),
    ("Europe/Berlin", "30 * * * *", "2026-10-24 23:00:00",
     ["2026-10-25 01:30+0200", "2026-10-25 02:30+0200", "2026-10-25 02:30+0100",
      "2026-10-25 03:30+0100"]),
    # Santiago skips 2026-09-06 00:00..00:59: @daily runs at 01:00 -03, not a day later
    ("America/Santiago", "@daily", "2026-09-05 12:00:00",
     ["2026-09-06 01:00-0300", "2026-09-07 00:00-0300"]),
    ("America/Santiago", "@midnight", "2026-09-06 03:59:00",
     ["2026-09-06 01:00-0300"]),
    ("America/Santiago", "@hourly", "2026-09-06 03:00:00",
     ["2026-09-06 01:00-0300", "2026-09-06 02:00-0300"]),
    # Santiago repeats 23:xx on 2026-04-04: @daily is outside it, "30 23" runs once
    ("America/Santiago", "30 23 * * *", "2026-04-04 12:00:00",
     ["2026-04-04 23:30-0300", "2026-04-05 23:30-0400"]),
]


def gen(rng, n):
    """Random classic cron lines: every form in every field, names, 7, steps, lists."""
    months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    days = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]

    def name(lst, v, lo):
        s = lst[v - lo]
        return rng.choice([s, s.upper(), s.capitalize()])

    def value(lo, hi, names, nlo):
        v = rng.randint(lo, hi)
        if names and v - nlo < len(names) and v >= nlo and rng.random() < 0.5:
            return v, name(names, v, nlo)
        return v, str(v)

    def item(lo, hi, names=None, nlo=0):
        k = rng.random()
        if k < 0.3:
            return value(lo, hi, names, nlo)[1]
        if k < 0.5:
            a, sa = value(lo, hi, names, nlo)
            b, sb = value(a, hi, names, nlo)
            return "%s-%s" % (sa, sb)
        if k < 0.65:
            return "*/%d" % rng.randint(1, max(2, (hi - lo) // 2))
        if k < 0.8:
            a, sa = value(lo, hi, names, nlo)
            b, sb = value(a, hi, names, nlo)
            return "%s-%s/%d" % (sa, sb, rng.randint(1, max(1, hi - lo)))
        a, sa = value(lo, hi, names, nlo)
        return "%s/%d" % (sa, rng.randint(1, max(1, hi - lo)))

    def field(lo, hi, names=None, nlo=0, star=0.35):
        if rng.random() < star:
            return "*"
        return ",".join(item(lo, hi, names, nlo) for _ in range(rng.choice([1, 1, 1, 2, 3])))

    out = []
    for _ in range(n):
        out.append(" ".join([
            field(0, 59, star=0.2), field(0, 23, star=0.3), field(1, 31, star=0.5),
            field(1, 12, months, 1, star=0.6), field(0, 7, days, 0, star=0.5),
        ]))
    return out


def normalised(line):
    parts = line.split()
    if len(parts) == 1 and parts[0].startswith("@"):
        return parts[0].lower()
    return " ".join(parts)


def five_fields(line):
    s = line.strip().lower()
    return SHORTHANDS.get(s, s).split()


def croniter_accepts(line):
    try:
        croniter(line, datetime(2024, 1, 1))
        return True
    except Exception:  # croniter raises several types for bad lines
        return False


def day_mode(fields):
    """How to ask croniter for Vixie's day rule: 'direct' (croniter's own rule agrees and is
    an AND), 'and' (croniter would OR; ask with day_or=False) or 'union' (Vixie ORs: merge the
    day-of-month-only and weekday-only streams). croniter's own OR is that same merge, except
    that it gives up entirely when one half can never match ("0 0 30 2 1"), so it is not used."""
    exp = croniter(" ".join(fields), datetime(2024, 1, 1)).expanded
    vixie_or = not (fields[2].startswith("*") or fields[4].startswith("*"))
    croniter_or = not (exp[2][0] == "*" or exp[4][0] == "*")  # croniter's own test
    if vixie_or:
        return "union"
    return "and" if croniter_or else "direct"


def stream(fields, mode, start):
    """Successive croniter results (floats) for `fields` under Vixie's day rule."""
    if mode == "direct":
        its = [croniter(" ".join(fields), start)]
    elif mode == "and":
        its = [croniter(" ".join(fields), start, day_or=False)]
    else:
        a, b = list(fields), list(fields)
        a[4], b[2] = "*", "*"
        its = [croniter(" ".join(a), start), croniter(" ".join(b), start)]

    def pull(it):
        try:
            return it.get_next(float)
        except CroniterBadDateError:
            return None

    heads = [pull(it) for it in its]
    while True:
        live = [h for h in heads if h is not None]
        if not live:
            return
        m = min(live)
        for i, h in enumerate(heads):
            if h == m:
                heads[i] = pull(its[i])
        yield m


DST_MAX = 3 * 3600  # cron(8): changes of 3 hours or more are clock corrections


def is_wild(fields):
    return fields[0].startswith("*") or fields[1].startswith("*")


def cron8_instants(w, z, wild):
    """Instants at which cron(8) runs a job whose wall time in z is w (ascending): the change
    instant for a fixed job in a forward gap under 3 h, the first pass only for a fixed job in
    a repeated hour under 3 h, otherwise every instant showing w (none in a gap)."""
    es = []
    for fold in (0, 1):
        e = int(w.replace(tzinfo=z, fold=fold).timestamp())
        if datetime.fromtimestamp(e, z).replace(tzinfo=None) == w and e not in es:
            es.append(e)
    es.sort()
    if not es:
        if wild:
            return []
        # in a gap fold=1 reads w with the offset after the change, fold=0 with the one before
        lo = int(w.replace(tzinfo=z, fold=1).timestamp())
        hi = int(w.replace(tzinfo=z, fold=0).timestamp())
        off = lambda t: datetime.fromtimestamp(t, z).utcoffset()
        o_lo = off(lo)
        while hi - lo > 1:
            m = (lo + hi) // 2
            if off(m) == o_lo:
                lo = m
            else:
                hi = m
        jump = (off(hi) - o_lo).total_seconds()
        return [hi] if 0 < jump < DST_MAX else []
    if len(es) > 1 and not wild and es[-1] - es[0] < DST_MAX:
        es = es[:1]
    return es


def collect(walls, fields, base_usec, z, limit):
    """The first ITER instants after base of a stream of wall times, by cron(8)'s rule. Wall
    order is instant order except within a DST change (< 3 h), so the stream is read until a
    wall time lies 3 h past the wall time of the ITER-th instant found."""
    wild = is_wild(fields)
    base_sec = base_usec / 1e6
    found, stop, size = set(), None, 0
    for n, w in enumerate(walls):
        if n > limit or stop is not None and w > stop:
            break
        found.update(e for e in cron8_instants(w, z, wild) if e > base_sec)
        if len(found) >= ITER and len(found) != size:
            size = len(found)
            c = sorted(found)[ITER - 1]
            stop = datetime.fromtimestamp(c, z).replace(tzinfo=None) + timedelta(seconds=DST_MAX)
    return [e * 1000000 for e in sorted(found)[:ITER]]


def expect_wall(fields, mode, base_usec, z):
    """nudge's rule: croniter on naive wall clock, mapped to instants by cron(8)'s rule."""
    wall = datetime.fromtimestamp(base_usec / 1e6, z).replace(tzinfo=None)

    def walls(start):
        return (datetime(1970, 1, 1) + timedelta(seconds=w) for w in stream(fields, mode, start))
    # Far from a change wall order is instant order: the first ITER walls after base will do.
    quick = []
    for w in itertools.islice(walls(wall), ITER + 400):
        quick += [e * 1000000 for e in cron8_instants(w, z, is_wild(fields)) if e > base_usec / 1e6]
        if len(quick) >= ITER:
            break
    quick = quick[:ITER]
    if len(quick) == ITER and not crosses_change(z, TRANSITIONS, base_usec, quick[-1]):
        return quick
    # a repeated hour ahead may still give later instants for earlier wall times
    start = wall - timedelta(seconds=DST_MAX)
    return collect(walls(start), fields, base_usec, z, ITER + 800)


def brute(fields, base_usec, z):
    """Independent tie-breaker: walk wall-clock days, Vixie day rule, cron(8) mapping.
    Only consulted to confirm a known croniter bug, never to pass a case on its own."""
    exp = croniter(" ".join(fields), datetime(2024, 1, 1)).expanded
    full = [range(60), range(24), range(1, 32), range(1, 13), range(7)]
    sets = [set(full[i]) if "*" in exp[i] else {int(v) % 7 if i == 4 else int(v)
                                                 for v in exp[i]} for i in range(5)]
    and_rule = fields[2].startswith("*") or fields[4].startswith("*")
    wall = datetime.fromtimestamp(base_usec / 1e6, z).replace(tzinfo=None)
    day = (wall - timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)

    def walls(day):
        for _ in range(366 * 4):
            dom_ok, dow_ok = day.day in sets[2], (day.isoweekday() % 7) in sets[4]
            if day.month in sets[3] and ((dom_ok and dow_ok) if and_rule else (dom_ok or dow_ok)):
                for h in sorted(sets[1]):
                    for m in sorted(sets[0]):
                        yield day.replace(hour=h, minute=m)
            day += timedelta(days=1)
    return collect(walls(day), fields, base_usec, z, 10 ** 9)


def croniter_skipped_first(got, want, fields, base, z):
    """croniter 1.3.5 bug: with a day-of-month value past the end of a short month (31 in
    February), it jumps into the next month by the overshoot and misses that month's 1st
    ("0 0 1-31/10 * *" goes Feb 21 -> Mar 11). True if that is the whole difference."""
    missing = set(got) - set(want)
    if not missing or brute(fields, base, z) != got:
        return False
    return all(datetime.fromtimestamp(t / 1e6, z).day == 1 for t in missing)


def expect_direct(fields, mode, base_usec, z):
    start = datetime.fromtimestamp(base_usec / 1e6, z)
    out = []
    for t in stream(fields, mode, start):
        out.append(int(t) * 1000000)
        if len(out) == ITER:
            break
    return out


def parse_base(s, z):
    fmt = "%Y-%m-%d %H:%M:%S.%f" if "." in s else "%Y-%m-%d %H:%M:%S"
    d = datetime.strptime(s, fmt).replace(tzinfo=timezone.utc)
    return int(d.timestamp()) * 1000000 + d.microsecond


TRANSITIONS = {}


def crosses_change(z, cache, lo_usec, hi_usec):
    """Does z change its UTC offset between the two instants? (Daily samples, cached.)"""
    if z.key not in cache:
        days, t = [], int(datetime(1998, 1, 1, tzinfo=timezone.utc).timestamp())
        prev = datetime.fromtimestamp(t, z).utcoffset()
        while t < datetime(2032, 1, 1, tzinfo=timezone.utc).timestamp():
            t += 86400
            off = datetime.fromtimestamp(t, z).utcoffset()
            if off != prev:
                days.append(t)
            prev = off
        cache[z.key] = days
    lo, hi = lo_usec // 1000000, hi_usec // 1000000
    return any(lo - 86400 <= t <= hi + 86400 for t in cache[z.key])


def run_tool(zone, requests):
    env = dict(os.environ, TZ=zone)
    text = "".join("calendar\t%d\t%d\t%s\n" % (b, ITER, line) for line, b in requests)
    p = subprocess.run([TOOL], input=text, capture_output=True, text=True, env=env, timeout=60)
    lines = p.stdout.split("\n")
    if p.returncode != 0 or len(lines) < len(requests):
        sys.exit("nudge-timetool failed (rc %d): %s" % (p.returncode, p.stderr[-2000:]))
    return lines[:len(requests)]


def fmt_times(ts, z):
    return " ".join(datetime.fromtimestamp(t / 1e6, z).strftime("%Y-%m-%d %H:%M%z") for t in ts)


def main():
    t_start = time.time()
    rng = random.Random(20240331)
    lines = HAND + gen(rng, 420)
    passed = failed = 0
    modes = {"direct": 0, "and": 0, "union": 0}
    dst_mapped = refused_ok = skipped_first = self_checked = 0
    transitions = {}

    def fail(msg):
        nonlocal failed
        failed += 1
        print("MISMATCH " + msg)

    # Validity: both sides must agree on what is a cron line (zone does not matter).
    answers = run_tool("UTC", [(l, 0) for l in lines + BAD])
    valid = []
    for line, ans in zip(lines + BAD, answers):
        ours = ans.split("\t")
        theirs = croniter_accepts(line) and line.strip() != ""
        if ours[0] == "ok" and theirs:
            valid.append(line)
            passed += 1
        elif ours[0] == "err" and not theirs:
            passed += 1
        elif ours[0] == "err" and line in REFUSE_OK:
            refused_ok += 1
            passed += 1
        else:
            fail("validity %r: nudge %s, croniter %s" % (line, ans, "accepts" if theirs else
                                                           "rejects"))

    for zone, bases in ZONES.items():
        z = zoneinfo.ZoneInfo(zone)
        reqs = [(l, parse_base(b, z)) for l in valid for b in bases]
        answers = run_tool(zone, reqs)
        for (line, base), ans in zip(reqs, answers):
            ours = ans.split("\t")
            where = "%s %r from %s" % (zone, line, fmt_times([base], z))
            if ours[0] != "ok" or len(ours) != 3:
                fail("%s: nudge says %r" % (where, ans))
                continue
            if ours[1] != normalised(line):
                fail("%s: normalised %r, want %r" % (where, ours[1], normalised(line)))
                continue
            got = [int(x) for x in ours[2].split()]
            fields = five_fields(line)
            mode = day_mode(fields)
            modes[mode] += 1
            want = expect_wall(fields, mode, base, z)
            if zone != "UTC":
                direct = expect_direct(fields, mode, base, z)
                ends = [base] + direct + want
                if not crosses_change(z, transitions, min(ends), max(ends)):
                    self_checked += 1
                    if direct != want:
                        fail("%s: oracle disagrees with itself: croniter tz-aware %s, wall %s" %
                             (where, fmt_times(direct, z), fmt_times(want, z)))
                        continue
                elif direct != want:
                    dst_mapped += 1
            if got != want and croniter_skipped_first(got, want, fields, base, z):
                skipped_first += 1
                passed += 1
                continue
            if got != want:
                fail("%s [%s]:\n    nudge    %s\n    expected %s" %
                     (where, mode, fmt_times(got, z), fmt_times(want, z)))
                continue
            passed += 1

    # cron(8)'s DST rule, hand-derived answers (see EXPLICIT)
    for zone in sorted({x[0] for x in EXPLICIT}):
        z = zoneinfo.ZoneInfo(zone)
        cases = [x for x in EXPLICIT if x[0] == zone]
        reqs = [(line, parse_base(b, z)) for _, line, b, _ in cases]
        for (_, line, b, want), ans in zip(cases, run_tool(zone, reqs)):
            ours = ans.split("\t")
            want_us = [int(datetime.strptime(w, "%Y-%m-%d %H:%M%z").timestamp()) * 1000000
                       for w in want]
            got = [int(x) for x in ours[2].split()][:len(want)] if ours[0] == "ok" else None
            if got != want_us:
                fail("cron(8) DST %s %r from %s UTC:\n    nudge    %s\n    expected %s" %
                     (zone, line, b, fmt_times(got or [], z), " ".join(want)))
            else:
                passed += 1

    print("day rule: %d cases croniter's own AND, %d Vixie AND (croniter day_or=False), "
          "%d Vixie OR (merged streams); %d zone cases also equal to tz-aware croniter; "
          "%d DST cases where tz-aware croniter differs "
          "(its lag correction or a skipped wall time); %d croniter misses of a 1st after a "
          "short month; %d croniter extensions refused; %.1fs" %
          (modes["direct"], modes["and"], modes["union"], self_checked, dst_mapped, skipped_first, refused_ok,
           time.time() - t_start))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
