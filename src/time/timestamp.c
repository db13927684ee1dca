#include "time/timestamp.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common/errbuf.h"
#include "time/calendar.h"
#include "time/span.h"
#include "time/tz.h"

/* 9999-12-30 23:59:59 UTC: the last instant systemd will print with a four-digit year in
 * any zone; it refuses to parse anything later (except "@N"). */
#define TIMESTAMP_MAX ((usec_t)253402214399 * USEC_PER_SEC)

/* A timestamp is at most a few dozen characters; anything longer is refused rather than
 * copied to the heap. */
#define TIMESTAMP_LEN_MAX 512

static const char *const wday_abbr[7] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};

static const struct {
    const char *name;
    int wday;
} weekdays[] = {
    {"Sunday", 0}, {"Sun", 0},       {"Monday", 1},   {"Mon", 1},      {"Tuesday", 2},
    {"Tue", 2},    {"Wednesday", 3}, {"Wed", 3},      {"Thursday", 4}, {"Thu", 4},
    {"Friday", 5}, {"Fri", 5},       {"Saturday", 6}, {"Sat", 6},
};

/* The forms systemd tries, in its order: the first that consumes the whole string wins. */
enum rest { REST_FRACTION, REST_ZERO_SEC, REST_ZERO_TIME };
static const struct {
    const char *fmt;
    enum rest rest;
} forms[] = {
    {"%y-%m-%d %H:%M:%S", REST_FRACTION},
    {"%Y-%m-%d %H:%M:%S", REST_FRACTION},
    {"%b %d %H:%M:%S", REST_FRACTION},
    {"%y-%m-%d %H:%M", REST_ZERO_SEC},
    {"%Y-%m-%d %H:%M", REST_ZERO_SEC},
    {"%y-%m-%d", REST_ZERO_TIME},
    {"%Y-%m-%d", REST_ZERO_TIME},
    {"%H:%M:%S", REST_FRACTION},
    {"%H:%M", REST_ZERO_SEC},
};

static int cap(size_t n)
{
    return n > 60 ? 60 : (int)n;
}

static char *suffix(char *s, const char *suf, bool nocase)
{
    size_t n = strlen(s), m = strlen(suf);
    if (m > n) return NULL;
    char *e = s + n - m;
    return (nocase ? strcasecmp(e, suf) : strcmp(e, suf)) == 0 ? e : NULL;
}

static bool is_relative(const char *t)
{
    return t[0] == '@' || t[0] == '+' || t[0] == '-' || !strcmp(t, "now") ||
           suffix((char *)t, " ago", false) || suffix((char *)t, " left", false);
}

/* A relative offset: a span, but infinity is no distance from a point in time. */
static int parse_offset(const char *t, usec_t *out, char *why, size_t whysz)
{
    int r = span_parse_reason(t, out, why, whysz);
    if (r < 0) return r;
    if (*out == USEC_INFINITY)
        return errbuf_set(why, whysz, EINVAL, "\"%s\" is not a distance in time", t);
    return 0;
}

/* Six fraction digits, rounded on the seventh, the rest ignored (as systemd). */
static int parse_fraction(const char *k, usec_t *out, char *why, size_t whysz)
{
    const char *p = k;
    usec_t v = 0;
    int i;
    for (i = 0; i < 6 && *p >= '0' && *p <= '9'; i++, p++)
        v = v * 10 + (*p - '0');
    if (i == 0)
        return errbuf_set(why, whysz, EINVAL, "expected digits after \".\", got \"%.*s\"",
                          cap(strlen(p)), p);
    for (; i < 6; i++)
        v *= 10;
    if (*p >= '5' && *p <= '9') v++;
    p += strspn(p, "0123456789");
    if (*p) return errbuf_set(why, whysz, EINVAL, "unexpected \"%.*s\"", cap(strlen(p)), p);
    *out = v;
    return 0;
}

static bool looks_like_zone(const char *w)
{
    bool letter = false;
    if (!*w || strchr(w, ' ')) return false;
    for (const char *p = w; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'))
            letter = true;
        else if (!strchr("0123456789/_+-.", *p)) /* '.': name "a/../b" as a bad zone */
            return false;
    }
    return letter;
}

static int unparsable(const char *t, const char *best, char *why, size_t whysz)
{
    if (best && *best) {
        const char *w = best + strspn(best, " ");
        if (looks_like_zone(w) && w != best)
            return errbuf_set(why, whysz, EINVAL, "unknown time zone \"%.*s\": %s", cap(strlen(w)),
                              w, tz_name_problem(w));
        return errbuf_set(why, whysz, EINVAL, "unexpected \"%.*s\" after \"%.*s\"", cap(strlen(w)),
                          w, cap((size_t)(best - t)), t);
    }
    return errbuf_set(why, whysz, EINVAL, "cannot read \"%.*s\" as a date or time", cap(strlen(t)),
                      t);
}

/* Parses t (a writable copy, zone word already removed when with_tz) in the current TZ.
 * with_tz means an explicit IANA zone was given: then only absolute forms make sense. */
static int parse_local(char *t, usec_t now, bool with_tz, usec_t *out, char *why, size_t whysz)
{
    usec_t ret = now, plus = 0, minus = 0, frac = 0;
    bool utc = false;
    int dst = -1, weekday = -1, r;
    const char *weekday_word = NULL;
    size_t weekday_len = 0;
    char *k;

    if (!*t || !t[strspn(t, " \t\n\r")]) return errbuf_set(why, whysz, EINVAL, "empty");

    const char *whole = t;
    if (t[0] == '@' && !with_tz) {
        /* Epoch seconds are taken as is: no range check, as systemd. */
        return span_parse_reason(t + 1, out, why, whysz);
    }

    if (!with_tz) {
        if (!strcmp(t, "now")) goto finish;
        if (t[0] == '+') {
            if ((r = parse_offset(t + 1, &plus, why, whysz)) < 0) return r;
            goto finish;
        }
        if (t[0] == '-') {
            if ((r = parse_offset(t + 1, &minus, why, whysz)) < 0) return r;
            goto finish;
        }
        if ((k = suffix(t, " ago", false))) {
            *k = 0;
            if ((r = parse_offset(t, &minus, why, whysz)) < 0) return r;
            goto finish;
        }
        if ((k = suffix(t, " left", false))) {
            *k = 0;
            if ((r = parse_offset(t, &plus, why, whysz)) < 0) return r;
            goto finish;
        }

        if ((k = suffix(t, " UTC", true))) {
            *k = 0;
            utc = true;
        } else {
            /* The local zone's own abbreviations ("CET", "CEST") pick standard or
             * daylight time; other abbreviations are ambiguous world-wide. */
            for (int j = 0; j <= 1; j++) {
                char ab[TZ_ABBREV_MAX];
                const char *name = tz_abbrev(j, ab);
                if (!name) continue;
                char *e = suffix(t, name, true);
                if (!e || e == t || e[-1] != ' ') continue;
                e[-1] = 0;
                dst = j;
                break;
            }
        }
    }

    struct tm tm, copy;
    time_t x = (time_t)(now / USEC_PER_SEC - (now % USEC_PER_SEC < 0));
    if (!(utc ? gmtime_r(&x, &tm) : localtime_r(&x, &tm)))
        return errbuf_set(why, whysz, ERANGE, "the current time is out of range");
    tm.tm_isdst = dst;

    if (!strcmp(t, "today") || !strcmp(t, "yesterday") || !strcmp(t, "tomorrow")) {
        if (!strcmp(t, "yesterday")) tm.tm_mday--;
        if (!strcmp(t, "tomorrow")) tm.tm_mday++;
        tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
        goto from_tm;
    }

    for (size_t i = 0; i < sizeof weekdays / sizeof weekdays[0]; i++) {
        size_t n = strlen(weekdays[i].name);
        if (strncasecmp(t, weekdays[i].name, n) != 0 || t[n] != ' ') continue;
        weekday = weekdays[i].wday;
        weekday_word = t;
        weekday_len = n;
        t += n + 1;
        break;
    }

    copy = tm;
    const char *best = NULL;
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        tm = copy;
        const char *e = strptime(t, forms[i].fmt, &tm);
        if (!e) continue;
        if (forms[i].rest == REST_FRACTION && *e == '.') {
            if ((r = parse_fraction(e + 1, &frac, why, whysz)) < 0) return r;
            goto from_tm;
        }
        if (*e == 0) {
            if (forms[i].rest != REST_FRACTION) tm.tm_sec = 0;
            if (forms[i].rest == REST_ZERO_TIME) tm.tm_hour = tm.tm_min = 0;
            goto from_tm;
        }
        if (!best || e > best) best = e;
    }
    if (with_tz && is_relative(whole))
        return errbuf_set(why, whysz, EINVAL, "\"%.*s\" is relative and cannot take a time zone",
                          cap(strlen(whole)), whole);
    return unparsable(t, best, why, whysz);

from_tm:
    if (weekday >= 0 && tm.tm_wday != weekday)
        return errbuf_set(why, whysz, EINVAL, "\"%.*s\" does not match %04d-%02d-%02d, a %s",
                          (int)weekday_len, weekday_word, tm.tm_year + 1900, tm.tm_mon + 1,
                          tm.tm_mday,
                          wday_abbr[tm.tm_wday >= 0 && tm.tm_wday < 7 ? tm.tm_wday : 0]);
    x = utc ? timegm(&tm) : mktime(&tm);
    if (x < 0)
        return errbuf_set(why, whysz, ERANGE, "\"%.*s\" is before 1970-01-01 00:00:00 UTC",
                          cap(strlen(t)), t);
    if (x > TIMESTAMP_MAX / USEC_PER_SEC)
        return errbuf_set(why, whysz, ERANGE, "\"%.*s\" is after 9999-12-30 23:59:59 UTC",
                          cap(strlen(t)), t);
    ret = (usec_t)x * USEC_PER_SEC + frac;
    if (ret > TIMESTAMP_MAX)
        return errbuf_set(why, whysz, ERANGE, "\"%.*s\" is after 9999-12-30 23:59:59 UTC",
                          cap(strlen(t)), t);

finish:
    if (ret < 0 || ret > TIMESTAMP_MAX || plus > TIMESTAMP_MAX - ret)
        return errbuf_set(why, whysz, ERANGE, "\"%.*s\" is after 9999-12-30 23:59:59 UTC",
                          cap(strlen(t)), t);
    ret += plus;
    if (ret < minus)
        return errbuf_set(why, whysz, ERANGE, "\"%.*s\" is before 1970-01-01 00:00:00 UTC",
                          cap(strlen(t)), t);
    *out = ret - minus;
    return 0;
}

static bool zone_word(const char *w)
{
    return *w && tz_is_valid(w);
}

int timestamp_parse(const char *s, usec_t now, usec_t *out, char *err, size_t errsz)
{
    char t[TIMESTAMP_LEN_MAX], why[256];
    size_t len = strlen(s);
    int r;

    if (len >= sizeof t)
        return errbuf_set(err, errsz, EINVAL, "bad timestamp \"%.40s...\": too long", s);
    memcpy(t, s, len + 1);

    char *space = strrchr(t, ' ');
    if (space && zone_word(space + 1) && !suffix(t, " UTC", true)) {
        /* A trailing IANA zone: evaluate in that zone. If the word is also that zone's
         * own abbreviation ("CET", "EST"), it keeps its standard/daylight meaning. */
        struct tz_saved saved;
        tz_enter(space + 1, &saved);
        char ab0[TZ_ABBREV_MAX], ab1[TZ_ABBREV_MAX];
        const char *std = tz_abbrev(0, ab0), *dst = tz_abbrev(1, ab1);
        bool with_tz = !(std && !strcmp(space + 1, std)) && !(dst && !strcmp(space + 1, dst));
        if (with_tz) *space = 0;
        r = parse_local(t, now, with_tz, out, why, sizeof why);
        tz_leave(&saved);
    } else {
        r = parse_local(t, now, false, out, why, sizeof why);
    }
    if (r < 0) return errbuf_set(err, errsz, r, "bad timestamp \"%s\": %s", s, why);
    return 0;
}

/* True when s starts with a weekday name and a blank: "Sat 11:00", "friday 2026-12-04". */
static bool weekday_first(const char *s)
{
    for (size_t i = 0; i < sizeof weekdays / sizeof weekdays[0]; i++) {
        size_t n = strlen(weekdays[i].name);
        if (!strncasecmp(s, weekdays[i].name, n) && s[n] == ' ') return true;
    }
    return false;
}

/* Both parsers say `bad <what> "S": <why>`: the why, or the whole message if it is not so. */
static const char *reason(const char *err, const char *s)
{
    const char *q = strchr(err, '"');
    size_t n = strlen(s);
    if (q && !strncmp(q + 1, s, n) && !strncmp(q + 1 + n, "\": ", 3)) return q + 1 + n + 3;
    return err;
}

/* Reads s as a calendar event and finds its next elapse after now. Returns 0, -ENOENT with why
 * set when it never comes again, or the parser's error (why = its reason). */
static int calendar_next_of(const char *s, usec_t now, usec_t *out, char *why, size_t whysz)
{
    char cerr[512], when[64];
    struct calendar *c;
    int r = calendar_parse(s, &c, cerr, sizeof cerr);
    if (r < 0) return errbuf_set(why, whysz, r, "%s", reason(cerr, s));
    r = calendar_next(c, now, out);
    calendar_free(c);
    if (r < 0) {
        timestamp_format(now, when, sizeof when);
        return errbuf_set(why, whysz, r, "it does not come again after %s", when);
    }
    return 0;
}

/* What a due may be, after a message that it is not. */
#define RIGHT_FORMS "; a time looks like \"2026-12-24 18:00\" or \"+2h\", a calendar event like \"Sat 11:00\""

int timestamp_parse_next(const char *s, usec_t now, usec_t *out, char *err, size_t errsz)
{
    char terr[512], cwhy[384];
    usec_t t, next;
    int tr = timestamp_parse(s, now, &t, terr, sizeof terr);
    /* "Sat 11:00" reads as a timestamp only on a Saturday, and then it is this Saturday's 11:00
     * even when that has gone: a weekday with a time means the next one, as a calendar event. */
    if (tr == 0 && !weekday_first(s)) {
        *out = t;
        return 0;
    }
    if (strlen(s) >= TIMESTAMP_LEN_MAX) return errbuf_set(err, errsz, tr, "%s", terr);
    int cr = calendar_next_of(s, now, &next, cwhy, sizeof cwhy);
    if (cr == 0) {
        *out = next;
        return 0;
    }
    if (tr == 0) { /* a weekday and a date that has gone: the timestamp it names */
        *out = t;
        return 0;
    }
    if (cr == -ENOMEM) return errbuf_set(err, errsz, cr, "out of memory reading \"%s\"", s);
    if (!s[strspn(s, " \t\n\r")]) return errbuf_set(err, errsz, EINVAL, "the time is empty" RIGHT_FORMS);
    return errbuf_set(err, errsz, tr,
                      "\"%s\" is neither a time (%s) nor a calendar event (%s)" RIGHT_FORMS,
                      s, reason(terr, s), cwhy);
}

int timestamp_parse_past(const char *s, usec_t now, usec_t *out, char *err, size_t errsz)
{
    char why[384], when[64];
    usec_t next;
    int r = timestamp_parse(s, now, out, err, errsz);
    if (r == 0 || strlen(s) >= TIMESTAMP_LEN_MAX) return r;
    int cr = calendar_next_of(s, now, &next, why, sizeof why);
    if (cr < 0 && cr != -ENOENT) return r; /* not a calendar event either: the timestamp's why */
    if (cr == 0) {
        timestamp_format(next, when, sizeof when);
        return errbuf_set(err, errsz, EINVAL,
                          "\"%s\" is a calendar event, whose next time (%s) is still to come; "
                          "a start is a moment that has been, like \"2026-11-01\", "
                          "\"yesterday\" or \"-7d\"",
                          s, when);
    }
    return errbuf_set(err, errsz, EINVAL,
                      "\"%s\" is a calendar event, not a moment; a start is a moment that has "
                      "been, like \"2026-11-01\", \"yesterday\" or \"-7d\"",
                      s);
}

static size_t format_pretty(usec_t t, bool utc, char *buf, size_t bufsz)
{
    char tmp[128];
    struct tm tm;

    /* systemd treats 0 and infinity as "unset" and prints "-". */
    if (t <= 0 || t == USEC_INFINITY) return (size_t)snprintf(buf, bufsz, "-");
    if (t > TIMESTAMP_MAX) return (size_t)snprintf(buf, bufsz, "--- XXXX-XX-XX XX:XX:XX");

    time_t sec = (time_t)(t / USEC_PER_SEC);
    if (!utc) tzset(); /* TZ may have changed since the last call */
    if (!(utc ? gmtime_r(&sec, &tm) : localtime_r(&sec, &tm)))
        return (size_t)snprintf(buf, bufsz, "-");
    /* English weekdays whatever the locale, so the output parses back. */
    size_t n = strftime(tmp, sizeof tmp, "%Y-%m-%d %H:%M:%S", &tm);
    tmp[n] = 0;
    const char *zone = utc ? "UTC" : tm.tm_zone ? tm.tm_zone : "";
    return (size_t)snprintf(buf, bufsz, "%s %s%s%s", wday_abbr[tm.tm_wday], tmp, *zone ? " " : "",
                            zone);
}

size_t timestamp_format(usec_t t, char *buf, size_t bufsz)
{
    return format_pretty(t, false, buf, bufsz);
}

size_t timestamp_format_utc(usec_t t, char *buf, size_t bufsz)
{
    return format_pretty(t, true, buf, bufsz);
}

size_t timestamp_format_iso(usec_t t, char *buf, size_t bufsz)
{
    char tmp[128];
    struct tm tm;

    if (t == USEC_INFINITY) return (size_t)snprintf(buf, bufsz, "-");
    time_t sec = (time_t)(t / USEC_PER_SEC - (t % USEC_PER_SEC < 0));
    tzset();
    if (!localtime_r(&sec, &tm)) return (size_t)snprintf(buf, bufsz, "-");
    size_t n = strftime(tmp, sizeof tmp, "%Y-%m-%dT%H:%M:%S", &tm);
    tmp[n] = 0;
    long off = tm.tm_gmtoff;
    char sign = off < 0 ? '-' : '+';
    if (off < 0) off = -off;
    return (size_t)snprintf(buf, bufsz, "%s%c%02ld:%02ld", tmp, sign, off / 3600, off / 60 % 60);
}
