#!/usr/bin/python3
"""nudgectl report and export --ics against a real nudged (stdout backend, private XDG dirs).

A history is made through real answers (check-ins and gestures the rules fire on their own
schedule, one-shot calendar events a few seconds ahead, answered done/skip/snooze; hand fires
never count in the report), rule promises marked kept/broken, a `nudgectl checkin`), then:
the text figures are what was done (worked out here from the steps, not pasted); --svg passes
xmllint and has one <title> per day cell; --html renders non-blank in headless Chromium (PNG
decoded with zlib here); export --ics parses with python3-icalendar and holds the preview's
fires at the same instants, in UTC, with RFC 5545 escaping, CRLF and 75-octet folding."""
import datetime
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
import zlib

from harness import Daemon, Env, check, results



MOOD_WORDS = ["hard", "low", "okay", "good", "great"]


def local(ts):
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ts))


NOW = int(time.time())
SINCE = NOW - 30 * 86400
P_KEPT_DUE, P_BROKEN_DUE, P_OPEN_DUE = NOW - 90, NOW - 60, NOW + 3 * 86400
LUNCH_BODY = "line one, with; a \\ backslash\nline two " + "é" * 60

RULES = """
nudge.config { since = "%s" }
nudge.checkin { id = "ci", when = "*-*-* 04:00", title = "Evening check-in", body = "How are you?" }
nudge.checkin { id = "run", when = "2099-01-01 00:00", body = "Talking: {streak}." }
nudge.gesture { id = "g", when = "*-*-* 09:00", pool = { "Make tea", "Leave a note", "Say thanks" } }
nudge.promise { id = "kept", text = "Call <mum> & \\"dad\\"", due = "%s" }
nudge.promise { id = "broken", text = "Fix the shelf", due = "%s" }
nudge.promise { id = "later", text = "Plan the weekend", due = "%s" }
nudge.on("*-*-* 12:00", function()
  nudge.notify { title = "Lunch, together; really", body = %s }
end, { id = "lunch" })
""" % (local(SINCE), local(P_KEPT_DUE), local(P_BROKEN_DUE), local(P_OPEN_DUE),
       json.dumps(LUNCH_BODY, ensure_ascii=False))


def ctl_ok(e, *args):
    """nudgectl's stdout, counting a check that it succeeded."""
    rc, out, err = e.ctl(*args)
    check("nudgectl %s" % " ".join(args), rc == 0, "rc %s: %s" % (rc, err.strip()))
    return out


def ctl_js(e, *args):
    rc, out, err = e.ctl("--json", *args)
    check("nudgectl --json %s" % " ".join(args), rc == 0, err.strip())
    return json.loads(out)


def make_history(e, daemon):
    """The steps, and what they add up to (per local date)."""
    days = {}

    def day(ts):
        return days.setdefault(time.strftime("%Y-%m-%d", time.localtime(ts)),
                               {"cdue": 0, "cdone": 0, "gdue": 0, "gdone": 0, "pdue": 0,
                                "pdone": 0, "journal": False})

    # Each prompt fires once, from the schedule, a second apart from the next.
    steps = [("checkin", "ci%d" % i, a) for i, a in enumerate(("done", "skip", "snooze", "done"))]
    steps += [("gesture", "g%d" % i, a) for i, a in enumerate(("done", "skip", "done"))]
    start = int(time.time()) + 3
    extra = "".join(
        'nudge.%s { id = "%s", when = "%s", title = "%s", %s }\n'
        % (kind, rid, local(start + i), rid,
           'body = "How are you?"' if kind == "checkin" else 'pool = { "Make tea" }')
        for i, (kind, rid, _) in enumerate(steps))
    e.set_rules(RULES + extra)
    ctl_ok(e, "reload")
    for kind, rid, answer in steps:
        check("%s fired from its schedule" % rid, len(daemon.wait_shown(rid, 1)) >= 1,
              daemon.stdout()[-500:])
        ctl_ok(e, answer, rid)
        d = day(time.time())
        if kind == "checkin" and answer != "snooze":  # a snoozed fire shows again on its own
            d["cdue"] += 1
            d["cdone"] += answer == "done"
        elif kind == "gesture":
            d["gdue"] += 1
            d["gdone"] += answer == "done"
    promises = {p["text"]: p for p in ctl_js(e, "promise", "list")["promises"]}
    check("three rule promises", len(promises) == 3, str(promises))
    ctl_ok(e, "promise", "kept", str(promises['Call <mum> & "dad"']["id"]))
    ctl_ok(e, "promise", "broken", str(promises["Fix the shelf"]["id"]))
    for ts, kept in ((P_KEPT_DUE, 1), (P_BROKEN_DUE, 0)):
        d = day(ts)
        d["pdue"] += 1
        d["pdone"] += kept
    return days, day


def weighed(d):
    """(due, done) as the forgiving score weighs a day (SPEC 2.4): check-ins and promises due,
    plus gestures done; a skipped gesture counts neither way."""
    if not d:
        return 0, 0
    return d["cdue"] + d["pdue"] + d["gdone"], d["cdone"] + d["pdone"] + d["gdone"]


def ewma(days, dates):
    s = None
    for date in dates:
        due, done = weighed(days.get(date))
        if due:
            v = min(1.0, done / due)
            s = v if s is None else s + 0.1 * (v - s)
    return s


def half_up(x):
    return int(x + 0.5)


def check_text(e, days, label):
    out = ctl_ok(e, "report")
    cdue = sum(d["cdue"] for d in days.values())
    cdone = sum(d["cdone"] for d in days.values())
    gdue = sum(d["gdue"] for d in days.values())
    gdone = sum(d["gdone"] for d in days.values())
    pdue = sum(d["pdue"] for d in days.values())
    pdone = sum(d["pdone"] for d in days.values())

    def line(name):
        m = re.search(r"^\s+%s\s+(.*)$" % name, out, re.M)
        return m.group(1) if m else ""

    check(label + ": check-ins", line("check-ins").startswith("%d of %d done" % (cdone, cdue)),
          line("check-ins"))
    check(label + ": gestures", line("gestures").startswith("%d of %d done" % (gdone, gdue)),
          line("gestures"))
    check(label + ": promises",
          line("promises") == "%d of %d kept, %d not kept" % (pdone, pdue, pdue - pdone),
          line("promises"))
    # SPEC 2.4: today counts for the streak once every check-in due today was done (a journal
    # entry does them all); until then it breaks nothing, and nothing before it counts here.
    today = days.get(time.strftime("%Y-%m-%d"), {"cdue": 0, "cdone": 0, "journal": False})
    streak = 1 if today["journal"] or 0 < today["cdue"] <= today["cdone"] else 0
    if streak:
        check(label + ": streak", line("streak") == "1 day (best 1)", line("streak"))
    else:
        check(label + ": streak (none yet)", not line("streak").startswith("1 day"), line("streak"))
    check(label + ": phase", line("phase").startswith("first months (day 30 since "),
          line("phase"))
    rep = ctl_js(e, "report")
    check(label + ": streak figures", (rep["streak"], rep["best_streak"]) == (streak, streak),
          (rep["streak"], rep["best_streak"], today))
    dates = [d["date"] for d in rep["days"]]
    check(label + ": 90 days by default, ending today",
          len(dates) == 90 and dates[-1] == time.strftime("%Y-%m-%d"), dates[-3:])
    score = half_up(100 * ewma(days, dates))
    check(label + ": consistency", line("consistency").startswith("%d/100, steady" % score),
          "%r, expected %d" % (line("consistency"), score))
    return out, rep


def png_pixels(path):
    """(width, height, rows of RGB(A) tuples) of an 8-bit RGB/RGBA PNG, with the stdlib only."""
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            width, height, depth, ctype = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and ctype in (2, 6), (depth, ctype)
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows, prev, i = [], bytearray(stride), 0
    for _ in range(height):
        f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if f == 1:
                line[x] = (line[x] + a) & 255
            elif f == 2:
                line[x] = (line[x] + b) & 255
            elif f == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pr = a if pa <= pb and pa <= pc else b if pb <= pc else c
                line[x] = (line[x] + pr) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, rows, bpp


def ink_pixels(path):
    """Pixels that are neither white nor the page's background."""
    w, h, rows, bpp = png_pixels(path)
    n = 0
    for row in rows:
        for x in range(0, w * bpp, bpp):
            r, g, b = row[x], row[x + 1], row[x + 2]
            if min(r, g, b) < 235:
                n += 1
    return w, h, n


def check_svg(e, days, tmp):
    path = os.path.join(tmp, "report.svg")
    ctl_ok(e, "report", "--days", "30", "--svg", path)
    x = subprocess.run(["xmllint", "--noout", path], capture_output=True)
    check("svg: xmllint --noout", x.returncode == 0, x.stderr.decode(errors="replace"))
    root = ET.parse(path).getroot()
    ns = "{http://www.w3.org/2000/svg}"
    check("svg: root with xmlns and viewBox", root.tag == ns + "svg" and root.get("viewBox"),
          root.tag)
    cells = [r for r in root.iter(ns + "rect") if r.get("class") == "day"]
    check("svg: one cell per day", len(cells) == 30, len(cells))
    titles = [c.find(ns + "title") for c in cells]
    check("svg: a <title> in every cell", all(t is not None for t in titles))
    texts = [t.text for t in titles if t is not None]
    pat = re.compile(r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) (\d{4}-\d\d-\d\d): "
                     r"(?:(\d+) of (\d+) done|\d+ due, none marked done|nothing due)"
                     r"(?: · mood \d\.\d [a-z]+)?$")
    ok = all(pat.match(t or "") for t in texts)
    check("svg: cell titles read 'Tue 2026-11-24: 2 of 2 done'", ok, texts[:3])
    for t in texts:
        m = pat.match(t or "")
        if not m:
            continue
        weekday = datetime.date.fromisoformat(m.group(2)).strftime("%a")
        due, done = weighed(days.get(m.group(2)))
        want = "%s %s: %s" % (weekday, m.group(2),
                              "%d of %d done" % (min(done, due), due) if due and done else
                              "%d due, none marked done" % due if due else "nothing due")
        mood = days.get(m.group(2), {}).get("mood")
        if mood:
            want += " · mood %.1f %s" % (mood, MOOD_WORDS[int(mood + 0.5) - 1])
        check("svg: cell " + m.group(2), t == want, "%r, expected %r" % (t, want))
    body = open(path, encoding="utf-8").read()
    check("svg: escaped text", "&" not in re.sub(r"&(amp|lt|gt|quot|#39);", "", body))
    return path


def screenshot(target, out, tmp):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        return None
    profile = tempfile.mkdtemp(dir=tmp)
    subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--user-data-dir=" + profile, "--screenshot=" + out,
                    "--window-size=1200,900", "file://" + target],
                   capture_output=True, timeout=120)
    return out if os.path.exists(out) else None


def check_html(e, tmp):
    path = os.path.join(tmp, "report.html")
    ctl_ok(e, "report", "--html", path)
    page = open(path, encoding="utf-8").read()
    check("html: the promise text, escaped", "Call &lt;mum&gt; &amp; &quot;dad&quot;" in page)
    check("html: the SVG inline", "<svg xmlns=\"http://www.w3.org/2000/svg\"" in page)
    refs = re.findall(r"(?:src|href)\s*=|url\((?!#)|@import|https?://(?!www\.w3\.org/2000/svg)",
                      page)
    check("html: nothing from the network", not refs, refs)
    png = screenshot(path, os.path.join(tmp, "report.png"), tmp)
    if not check("html: chromium made a screenshot", png is not None):
        return
    w, h, ink = ink_pixels(png)
    check("html: screenshot is 1200x900", (w, h) == (1200, 900), (w, h))
    check("html: the page is not blank", ink > 20000, "%d ink pixels" % ink)


def fold_ok(raw):
    lines = raw.split(b"\r\n")
    ok = raw.endswith(b"\r\n") and lines[-1] == b""
    for ln in lines[:-1]:
        if b"\n" in ln or b"\r" in ln or len(ln) > 75:
            return False
        try:
            ln.decode("utf-8")
        except UnicodeDecodeError:
            return False
    return ok


def check_ics(e):
    import icalendar

    prev = ctl_js(e, "preview", "--days", "7")["notifications"]
    rc, raw, err = e.ctl("export", "--ics", "--days", "7", binary=True)
    check("export --ics", rc == 0, err)
    check("ics: CRLF endings and 75-octet folding on UTF-8 boundaries", fold_ok(raw))
    cal = icalendar.Calendar.from_ical(raw)
    check("ics: VERSION 2.0, PRODID, CALSCALE",
          str(cal.get("VERSION")) == "2.0" and cal.get("PRODID") and cal.get("CALSCALE"))
    events = [c for c in cal.walk("VEVENT")]
    check("ics: one event per previewed fire", len(events) == len(prev) and len(prev) >= 14,
          "%d events, %d fires" % (len(events), len(prev)))
    want = []
    for n in prev:
        at = datetime.datetime.fromisoformat(n["at"]).astimezone(datetime.timezone.utc)
        want.append((at, n["id"], n.get("title"), n.get("body"), n["kind"]))
    got = []
    for ev in events:
        start = ev.decoded("DTSTART")
        got.append((start, str(ev.get("UID")), str(ev.get("SUMMARY")),
                    str(ev.get("DESCRIPTION")) if ev.get("DESCRIPTION") is not None else None,
                    ev.get("CATEGORIES").cats[0] if ev.get("CATEGORIES") else None, ev))
    check("ics: DTSTART in UTC",
          all(g[0].tzinfo is not None and g[0].utcoffset() == datetime.timedelta(0) for g in got))
    check("ics: DTSTART written with Z", all(b"DTSTART:" in raw for _ in [0]) and
          all(re.match(rb"^\d{8}T\d{6}Z$", m) for m in re.findall(rb"DTSTART:(\S+)", raw)))
    for (at, rid, title, body, kind), (start, uid, summary, desc, cat, ev) in zip(want, got):
        check("ics: %s at %s" % (rid, at), start == at, "%s != %s" % (start, at))
        check("ics: UID of %s" % rid, uid == "%s-%s@nudge" % (rid, at.strftime("%Y%m%dT%H%M%SZ")),
              uid)
        check("ics: SUMMARY of %s" % rid, summary == title, "%r != %r" % (summary, title))
        check("ics: DESCRIPTION of %s" % rid, desc == body, "%r != %r" % (desc, body))
        check("ics: CATEGORIES of %s" % rid, cat == kind, "%r != %r" % (cat, kind))
        check("ics: DTSTAMP and DURATION of %s" % rid,
              ev.get("DTSTAMP") is not None and ev.decoded("DURATION") ==
              datetime.timedelta(minutes=15))
    check("ics: escaping on the wire", b"SUMMARY:Lunch\\, together\\; really" in raw and
          b"line one\\, with\\; a \\\\ backslash\\nline two" in raw.replace(b"\r\n ", b""))
    uids = [g[1] for g in got]
    check("ics: UIDs unique", len(set(uids)) == len(uids))
    rc, raw2, _ = e.ctl("export", "--ics", "--days", "7", binary=True)
    strip = lambda b: re.sub(rb"DTSTAMP:\S+", b"", b.replace(b"\r\n ", b""))
    check("ics: the same calendar again (stable UIDs)", strip(raw) == strip(raw2))
    rc, _, err = e.ctl("export", "--days", "7")
    check("export without --ics is a usage error", rc == 2, err)
    rc, _, err = e.ctl("export", "--ics", "--days", "400")
    check("export --days 400 is a usage error", rc == 2, err)


WINDOWED_RULES = """
nudge.on("daily", function() nudge.notify { title = "outing" } end,
  { id = "outing", window = "10:00..18:00" })
nudge.on("08:00", function() nudge.notify { title = "tea" } end, { id = "tea", jitter = "2h" })
nudge.gesture { id = "g", when = "daily", window = "18:00..22:00", pool = { "Make tea", "Say thanks" } }
nudge.on("20:30", function() nudge.notify { title = "plain" } end, { id = "plain" })
"""


def ics_events(e):
    """{UID: DTSTART} of export --ics --days 7, or None."""
    import icalendar

    rc, raw, err = e.ctl("export", "--ics", "--days", "7", binary=True)
    if not check("export --ics (windowed rules)", rc == 0, err):
        return None
    return {str(ev.get("UID")): ev.decoded("DTSTART")
            for ev in icalendar.Calendar.from_ical(raw).walk("VEVENT")}


def check_ics_restart(tmp):
    """SPEC 2.3: export's UIDs are stable across restarts. Reminders with a window or jitter
    fire at random times (each daemon draws a new seed), so their UID is the id plus the local
    date; re-importing the calendar after a restart updates the events instead of adding copies."""
    e = Env(tmp, "windowed", WINDOWED_RULES)
    first, second = None, None
    for run in (1, 2):
        d = Daemon(e)
        try:
            if not check("windowed daemon %d answers" % run, d.ready, d.stderr()):
                return
            if run == 1:
                first = ics_events(e)
            else:
                second = ics_events(e)
        finally:
            d.stop()
    if first is None or second is None:
        return
    check("ics after a restart: one event per UID, 7 days of 4 reminders",
          # A daily reminder has 7 elapses in 7 days; one drawn at a random time in a window
          # or with jitter has 6 to 8, as today's and the eighth day's draws fall each side
          # of the range's ends.
          25 <= len(first) <= 31 and 25 <= len(second) <= 31, (len(first), len(second)))
    same = set(first) & set(second)
    # A day whose window or plain time passed between the two exports may drop out: at most one
    # per reminder. Every other event keeps its UID.
    check("ics after a restart: the same UIDs", len(same) >= min(len(first), len(second)) - 4 and
          len(same) >= 24, sorted(set(first) ^ set(second)))
    day = re.compile(r"^(outing|tea|g)-\d{8}@nudge$")
    plain = re.compile(r"^plain-\d{8}T\d{6}Z@nudge$")
    check("ics: windowed and jittered UIDs are id + local date, plain ones id + time",
          all(day.match(u) or plain.match(u) for u in first) and
          sum(1 for u in first if plain.match(u)) >= 6, sorted(first))
    # The seed of the random draws is kept in the state, so a restart draws the same times: a
    # phone's alarms stay true (SPEC 7).
    check("ics: the windowed and jittered times stay the same across a restart",
          all(first[u] == second[u] for u in same), sorted(u for u in same if first[u] != second[u]))


HARD_NOTE = '<b>hard</b> & "tired", then better'


def check_journal(e, tmp):
    """SPEC 2.4: the journal reads back. Two check-ins logged today with mood and note:
    `journal` lists them oldest first with the mood as a number and a word, --json has the
    fields; the report's day carries their mean mood and the reply their notes; the HTML shows
    the notes escaped and the mood line."""
    out = ctl_ok(e, "journal")
    rows = [ln for ln in out.splitlines() if re.match(r"^\w{3} \d{4}-\d\d-\d\d ", ln)]
    check("journal: both entries, oldest first", len(rows) == 2 and
          "talked, really talked" in rows[0] and HARD_NOTE in rows[1], out)
    check("journal: moods as a number and a word",
          re.search(r"\b4 good\b", rows[0] if rows else "") is not None and
          re.search(r"\b2 low\b", rows[1] if len(rows) > 1 else "") is not None, out)
    check("journal: the legend of the moods", "1 hard, 2 low, 3 okay, 4 good, 5 great" in out, out)
    js = ctl_js(e, "journal", "--days", "7")
    ents = js["entries"]
    check("journal --json: two entries of the last 7 days", js["days"] == 7 and len(ents) == 2 and
          not js["truncated"], js)
    check("journal --json: mood and note of each",
          [(x["mood"], x["note"]) for x in ents] == [(4, "talked, really talked"), (2, HARD_NOTE)],
          ents)
    check("journal --json: ids and times in order",
          ents[0]["id"] < ents[1]["id"] and ents[0]["at"] <= ents[1]["at"] <= time.time() + 1,
          ents)
    rc, _, err = e.ctl("journal", "--days", "0")
    check("journal --days 0 is a usage error", rc == 2 and "--days" in err, err)
    rc, _, err = e.ctl("journal", "--days", "3661")
    check("journal --days 3661 is a usage error", rc == 2, err)

    rep = ctl_js(e, "report", "--days", "30")
    today = rep["days"][-1]
    check("report --json: today's mood is the mean of its two", today.get("mood") == 3.0 and
          today.get("mood_count") == 2, today)
    check("report --json: days without a mood have none",
          all("mood" not in d for d in rep["days"][:-1]), [d for d in rep["days"] if "mood" in d])
    check("report --json: the notes", [(n["mood"], n["note"]) for n in rep["notes"]] ==
          [(4, "talked, really talked"), (2, HARD_NOTE)], rep["notes"])
    text = ctl_ok(e, "report", "--days", "30")
    week = [ln for ln in text.splitlines() if re.match(r"^\s+\d{4}-\d\d-\d\d\s", ln)]
    check("report text: a row per week, this week's mood 3.0 okay",
          len(week) >= 5 and week[-1].rstrip().endswith("3.0 okay"), text)
    path = os.path.join(tmp, "journal.html")
    ctl_ok(e, "report", "--days", "30", "--html", path)
    page = open(path, encoding="utf-8").read()
    check("html: the note escaped",
          "&lt;b&gt;hard&lt;/b&gt; &amp; &quot;tired&quot;, then better" in page and
          "<b>hard</b>" not in page, page[-2000:])
    check("html: the other note", "talked, really talked" in page)
    check("html: the mood line", '<path class="mood" d="M' in page)
    x = subprocess.run(["xmllint", "--noout", path], capture_output=True)
    check("html: well-formed (xmllint)", x.returncode == 0, x.stderr.decode(errors="replace"))


def main():
    tmp = tempfile.mkdtemp(prefix="nudge-report-")
    e = Env(tmp, rules=RULES, ctl_timeout=120)
    daemon = Daemon(e)
    try:
        if not check("daemon answers", daemon.ready, daemon.stderr()):
            return
        rc, out, err = e.ctl("journal")
        check("journal: empty, one kind line, exit 0",
              rc == 0 and len(out.strip().splitlines()) == 1 and "nudgectl checkin" in out and
              not re.search(r"\b0 ", out), (rc, out, err))
        # {streak} in words, by a hand fire (which never counts): no zero before any run ...
        ctl_ok(e, "fire", "run")
        line = daemon.wait_shown("run", 1) and daemon.stdout().splitlines()
        check("{streak} with no run yet reads 'a fresh start'",
              any("[run]:" in l and "Talking: a fresh start." in l for l in line or []),
              daemon.stdout()[-500:])
        days, day = make_history(e, daemon)
        check_text(e, days, "before the journal")
        # A logged conversation makes the day's check-ins done, the skipped one too.
        ctl_ok(e, "checkin", "--mood", "4", "--note", "talked, really talked")
        d = day(time.time())
        d["cdone"] = d["cdue"]
        d["journal"] = True
        _, rep = check_text(e, days, "after the journal")
        ctl_ok(e, "checkin", "--mood", "2", "--note", HARD_NOTE)
        d["mood"] = 3.0
        check_journal(e, tmp)
        check("report --json: promise list", sorted(p["state"] for p in rep["promises"]) ==
              ["broken", "kept", "open"], rep["promises"])
        # ... and the day of the run once there is one (the report says "1 day" above).
        ctl_ok(e, "fire", "run")
        line = daemon.wait_shown("run", 2) and daemon.stdout().splitlines()
        check("{streak} of one day reads '1 day'",
              any("[run]:" in l and "Talking: 1 day." in l for l in line or []),
              daemon.stdout()[-500:])
        check_svg(e, days, tmp)
        check_html(e, tmp)
        check_ics(e)
        check_ics_restart(tmp)
        rc, _, err = e.ctl("report", "--days", "0")
        check("report --days 0 is a usage error", rc == 2, err)
        rc, _, err = e.ctl("report", "--svg", os.path.join(tmp, "no", "such", "dir.svg"))
        check("report --svg into a missing folder fails", rc == 1 and "cannot write" in err, err)
    finally:
        daemon.stop()
        if results["fail"] == 0:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print("kept", tmp)
    print("%d passed, %d failed" % (results["pass"], results["fail"]))


if __name__ == "__main__":
    main()
    sys.exit(1 if results["fail"] else 0)
