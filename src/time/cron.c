/* Classic 5-field cron lines (Vixie cron semantics) and their next elapse in the local zone.
 *
 * Choices where cron implementations differ, and why:
 * - Day matching follows Vixie/cronie exactly: a field whose text starts with '*' (a star, a
 *   star with a step, `*,5`) sets dom_star/dow_star; if either is set a day must match BOTH
 *   masks, otherwise EITHER. croniter instead decides "star" after expansion, so a starred
 *   step such as every-2nd-day counts as restricted there (day OR weekday) and `1-31` or `0-6`
 *   counts as unrestricted (day AND weekday). We keep Vixie's rule: the spec says Vixie, and
 *   it is what crontab(5) users get from cron itself (so "0 0 STAR/2 * 1" is odd-numbered
 *   Mondays, not odd days plus all Mondays as croniter has it).
 * - `a/n` means `a-max/n` (Vixie, croniter); in the weekday field max is 7, so a starred step
 *   of 2 is 0,2,4,6. Any step >= 1 is accepted; one larger than the range yields its start.
 * - A weekday range ending in Sunday given as 0 (`fri-sun`, `5-0`) means up to 7, as croniter.
 * - Daylight saving follows cron(8) (Vixie/Debian, "clock changed by less than 3 hours"), not
 *   systemd: a fixed-time job (neither minute nor hour field starts with '*', so @daily but not
 *   @hourly) whose wall time a forward change skips runs once at the change instant, and one in
 *   a repeated hour runs once, the first time. A wild job runs by the clock: times in a gap are
 *   gone, times in a repeated hour run again. Changes of 3 hours or more are corrections: every
 *   job just follows the new clock (Samoa's lost 2011-12-30 has no run). Calendar events keep
 *   systemd's rule (calendar.c). croniter 1.3.5 with tz-aware datetimes shifts daily jobs by an
 *   hour on change days (its DST "lag" correction); we do not copy that.
 * - `text` keeps a shorthand as written, lowercased ("@daily"), and otherwise the five fields
 *   as typed, joined by one space. */
#include "time/cron.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common/errbuf.h"

#define MAX_FIELDS 6 /* one more than a cron line has: enough to tell "too many" */

struct field_spec {
    const char *what; /* noun for messages: "minute", "weekday" */
    int min, max;
    const char *const *names; /* 3-letter names, index + names_base is the value */
    int names_base;
};

static const char *const month_names[] = {"jan", "feb", "mar", "apr", "may", "jun", "jul",
                                          "aug", "sep", "oct", "nov", "dec", NULL};
static const char *const day_names[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat", NULL};

static const struct field_spec fields[5] = {
    {"minute", 0, 59, NULL, 0},       {"hour", 0, 23, NULL, 0},
    {"day of month", 1, 31, NULL, 0}, {"month", 1, 12, month_names, 1},
    {"weekday", 0, 7, day_names, 0},
};

static const struct {
    const char *name;
    const char *line; /* equivalent five fields */
} shorthands[] = {
    {"@yearly", "0 0 1 1 *"}, {"@annually", "0 0 1 1 *"}, {"@monthly", "0 0 1 * *"},
    {"@weekly", "0 0 * * 0"}, {"@daily", "0 0 * * *"},    {"@midnight", "0 0 * * *"},
    {"@hourly", "0 * * * *"},
};

struct token {
    const char *s;
    size_t len;
};

/* Splits on whitespace; returns the number of fields seen (capped at MAX_FIELDS). */
static int split_fields(const char *s, struct token *tok)
{
    int n = 0;
    while (*s) {
        while (*s && isspace((unsigned char)*s))
            s++;
        if (!*s) break;
        const char *start = s;
        while (*s && !isspace((unsigned char)*s))
            s++;
        if (n < MAX_FIELDS) tok[n] = (struct token){start, (size_t)(s - start)};
        if (++n == MAX_FIELDS) break;
    }
    return n;
}

bool cron_looks_like(const char *s)
{
    struct token tok[MAX_FIELDS];
    if (!s) return false;
    while (isspace((unsigned char)*s))
        s++;
    if (*s == '@') return true;
    return split_fields(s, tok) == 5;
}

/* Message context for one parse: the whole line, for the `bad cron line "S"` prefix. */
struct parse_ctx {
    const char *line;
    char *err;
    size_t errsz;
};

#define FAIL(ctx, fmt, ...)                                                                        \
    errbuf_set((ctx)->err, (ctx)->errsz, EINVAL, "bad cron line \"%s\": " fmt, (ctx)->line,        \
               __VA_ARGS__)

/* Reads one number or name at *p (within a field ending at end) into *v, range-checked. */
static int parse_value(struct parse_ctx *ctx, const struct field_spec *f, struct token t,
                       const char **p, int *v)
{
    const char *end = t.s + t.len;
    const char *s = *p;
    if (s < end && isdigit((unsigned char)*s)) {
        long n = 0;
        while (s < end && isdigit((unsigned char)*s)) {
            if (n < 1000000) n = n * 10 + (*s - '0'); /* saturate: any such value is out of range */
            s++;
        }
        if (n < f->min || n > f->max)
            return FAIL(ctx, "%s %.*s out of range %d-%d", f->what, (int)(s - *p), *p, f->min,
                        f->max);
        *v = (int)n;
        *p = s;
        return 0;
    }
    if (s < end && isalpha((unsigned char)*s)) {
        while (s < end && isalnum((unsigned char)*s))
            s++;
        int len = (int)(s - *p);
        if (!f->names) return FAIL(ctx, "%s \"%.*s\" is not a number", f->what, len, *p);
        for (int i = 0; f->names[i]; i++) {
            if (len == 3 && strncasecmp(*p, f->names[i], 3) == 0) {
                *v = i + f->names_base;
                *p = s;
                return 0;
            }
        }
        return FAIL(ctx, "unknown %s \"%.*s\"", f->what, len, *p);
    }
    if (s >= end) return FAIL(ctx, "missing %s value in \"%.*s\"", f->what, (int)t.len, t.s);
    return FAIL(ctx, "unexpected \"%c\" in %s field \"%.*s\"", *s, f->what, (int)t.len, t.s);
}

/* Parses one comma-separated field into a bit mask (bit n = value n). */
static int parse_field(struct parse_ctx *ctx, const struct field_spec *f, struct token t,
                       uint64_t *mask)
{
    const char *p = t.s, *end = t.s + t.len;
    *mask = 0;
    for (;;) {
        const char *item = p;
        int lo, hi, step = 1, r;
        bool single = false;
        if (p < end && *p == ',')
            return FAIL(ctx, "empty list item in %s field \"%.*s\"", f->what, (int)t.len, t.s);
        if (p < end && *p == '*') {
            p++;
            lo = f->min;
            hi = f->max;
        } else {
            if ((r = parse_value(ctx, f, t, &p, &lo)) < 0) return r;
            hi = lo;
            single = true;
            if (p < end && *p == '-') {
                p++;
                if ((r = parse_value(ctx, f, t, &p, &hi)) < 0) return r;
                single = false;
                /* "fri-sun": Sunday as 0 closes a range, so read it as 7 (croniter does too). */
                if (f->max == 7 && hi == 0 && lo > 0) hi = 7;
                if (lo > hi)
                    return FAIL(ctx, "bad range \"%.*s\" in %s field: start after end",
                                (int)(p - item), item, f->what);
            }
        }
        if (p < end && *p == '/') {
            p++;
            const char *digits = p;
            long n = 0;
            while (p < end && isdigit((unsigned char)*p)) {
                if (n < 1000000) n = n * 10 + (*p - '0');
                p++;
            }
            if (p == digits)
                return FAIL(ctx, "missing step after \"/\" in %s field \"%.*s\"", f->what,
                            (int)t.len, t.s);
            if (n == 0)
                return FAIL(ctx, "bad step \"%.*s\" in %s field: must be 1 or more",
                            (int)(p - digits), digits, f->what);
            step = (int)n;
            if (single) hi = f->max; /* Vixie: "a/n" is "a-max/n" */
        }
        if (p < end && *p != ',')
            return FAIL(ctx, "unexpected \"%c\" in %s field \"%.*s\"", *p, f->what, (int)t.len,
                        t.s);
        for (int v = lo; v <= hi; v += step)
            *mask |= UINT64_C(1) << (f->max == 7 && v == 7 ? 0 : v);
        if (p == end) return 0;
        p++; /* the comma */
        if (p == end)
            return FAIL(ctx, "empty list item in %s field \"%.*s\"", f->what, (int)t.len, t.s);
    }
}

static int parse_fields(struct parse_ctx *ctx, const struct token *tok, struct cron_expr *out)
{
    uint64_t mask[5];
    for (int i = 0; i < 5; i++) {
        int r = parse_field(ctx, &fields[i], tok[i], &mask[i]);
        if (r < 0) return r;
    }
    out->minute = mask[0];
    out->hour = (uint32_t)mask[1];
    out->dom = (uint32_t)mask[2];
    out->month = (uint16_t)mask[3];
    out->dow = (uint8_t)mask[4];
    out->dom_star = tok[2].s[0] == '*';
    out->dow_star = tok[4].s[0] == '*';
    out->wild = tok[0].s[0] == '*' || tok[1].s[0] == '*';
    return 0;
}

int cron_parse(const char *s, struct cron_expr *out, char *err, size_t errsz)
{
    struct parse_ctx ctx = {s ? s : "", err, errsz};
    struct token tok[MAX_FIELDS];
    struct cron_expr c;
    int n, r;

    if (!s || !out) return FAIL(&ctx, "%s", "empty line");
    memset(&c, 0, sizeof c);
    n = split_fields(s, tok);
    if (n == 0) return FAIL(&ctx, "%s", "empty line");

    if (tok[0].s[0] == '@') {
        if (n > 1)
            return FAIL(&ctx, "unexpected \"%.*s\" after \"%.*s\"", (int)tok[1].len, tok[1].s,
                        (int)tok[0].len, tok[0].s);
        if (tok[0].len == 7 && strncasecmp(tok[0].s, "@reboot", 7) == 0)
            return FAIL(&ctx, "%s", "@reboot is not supported: nudge has no boot event");
        for (size_t i = 0; i < sizeof shorthands / sizeof shorthands[0]; i++) {
            const char *name = shorthands[i].name;
            if (tok[0].len != strlen(name) || strncasecmp(tok[0].s, name, tok[0].len) != 0)
                continue;
            struct token sub[MAX_FIELDS];
            split_fields(shorthands[i].line, sub);
            if ((r = parse_fields(&ctx, sub, &c)) < 0) return r;
            snprintf(c.text, sizeof c.text, "%s", name);
            *out = c;
            return 0;
        }
        return FAIL(&ctx,
                    "unknown shorthand \"%.*s\" (expected @yearly, @annually, @monthly, "
                    "@weekly, @daily, @midnight or @hourly)",
                    (int)tok[0].len, tok[0].s);
    }

    if (n != 5)
        return FAIL(&ctx, "expected 5 fields (minute hour day-of-month month weekday), got %s%d",
                    n >= MAX_FIELDS ? "more than " : "", n >= MAX_FIELDS ? 5 : n);
    if ((r = parse_fields(&ctx, tok, &c)) < 0) return r;

    size_t len = 0;
    for (int i = 0; i < 5; i++)
        len += tok[i].len + (i > 0);
    if (len >= sizeof c.text)
        return FAIL(&ctx, "line too long (at most %zu characters)", sizeof c.text - 1);
    char *t = c.text;
    for (int i = 0; i < 5; i++) {
        if (i > 0) *t++ = ' ';
        memcpy(t, tok[i].s, tok[i].len);
        t += tok[i].len;
    }
    *t = 0;
    *out = c;
    return 0;
}

/* ---- next elapse ---- */

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static bool is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int64_t y, int m)
{
    static const int dim[13] = {0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : dim[m];
}

static bool gmtoff_at(int64_t t, long *off)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!localtime_r(&tt, &tm)) return false;
    *off = tm.tm_gmtoff;
    return true;
}

/* UTC offsets in force before and after one local day. A wall time on that day maps to
 * local - offset for one of them, or for the offset found at the first guess; that covers every
 * real zone, which never changes offset twice within a few days. */
struct day_offsets {
    long before, after;
};

static bool day_offsets_at(int64_t local_midnight, struct day_offsets *o)
{
    return gmtoff_at(local_midnight - 36 * 3600, &o->before) &&
           gmtoff_at(local_midnight + 60 * 3600, &o->after);
}

/* cron(8): a clock change under 3 hours is daylight saving, one of 3 hours or more a
 * correction (no catch-up, no suppressed repeats). */
#define CRON_DST_MAX (3 * 3600)

/* The instants whose local wall time is `local` (seconds, wall clock read as UTC), ascending:
 * none if a forward change skipped it, two if a backward change repeats it. */
static int wall_instants(int64_t local, const struct day_offsets *o, int64_t out[3])
{
    long cand[3] = {o->before, o->after, o->before}, off;
    int n = o->after != o->before ? 2 : 1, k = 0;
    if (gmtoff_at(local - o->before, &off) && off != o->before && off != o->after) cand[n++] = off;
    for (int i = 0; i < n; i++) {
        int64_t e = local - cand[i];
        if (!gmtoff_at(e, &off) || off != cand[i]) continue;
        int j = k;
        bool dup = false;
        for (int x = 0; x < k; x++)
            dup |= out[x] == e;
        if (dup) continue;
        for (; j > 0 && out[j - 1] > e; j--)
            out[j] = out[j - 1];
        out[j] = e;
        k++;
    }
    return k;
}

/* For a wall time `local` that a forward change skipped: the change instant (the first one
 * after the gap) and how far the clock jumped. */
static bool gap_end(int64_t local, const struct day_offsets *o, int64_t *at, long *jump)
{
    long lo = o->before < o->after ? o->before : o->after;
    long hi = o->before < o->after ? o->after : o->before;
    int64_t a = local - hi, b = local - lo; /* before and after the change */
    long oa, ob, om;
    if (lo == hi || !gmtoff_at(a, &oa) || !gmtoff_at(b, &ob) || oa == ob) return false;
    while (b - a > 1) {
        int64_t m = a + (b - a) / 2;
        if (!gmtoff_at(m, &om)) return false;
        if (om == oa)
            a = m;
        else
            b = m;
    }
    if (!gmtoff_at(b, &ob) || ob <= oa) return false;
    *at = b;
    *jump = ob - oa;
    return true;
}

static bool day_matches(const struct cron_expr *c, int64_t days, int d)
{
    int wd = (int)(((days + 4) % 7 + 7) % 7); /* 1970-01-01 was a Thursday */
    bool dom = c->dom & (UINT32_C(1) << d), dow = c->dow & (1u << wd);
    /* Vixie: a '*'-led day field makes the two an AND; two restricted fields are an OR. */
    return c->dom_star || c->dow_star ? dom && dow : dom || dow;
}

/* Whether month m (1..12) can ever hold a matching day, so impossible lines end at once. */
static bool month_possible(const struct cron_expr *c, int m)
{
    if (!(c->month & (1u << m))) return false;
    if (!(c->dom_star || c->dow_star) && c->dow) return true; /* OR: some weekday will do */
    int maxd = m == 2 ? 29 : days_in_month(1970, m);
    return (c->dom & (((UINT32_C(1) << maxd) - 1) << 1)) != 0;
}

/* A valid date falls on every weekday within the Gregorian 400-year cycle, so a line that can
 * match at all does within 400 years (Feb 29 on a Sunday can be 40 years away, hence not 8). */
#define SEARCH_YEARS 401
#define MAX_EPOCH_SEC INT64_C(253402300799) /* 9999-12-31 23:59:59 UTC */

int cron_next(const struct cron_expr *c, usec_t after, usec_t *next)
{
    if (!c || !next) return -EINVAL;
    if (after > MAX_EPOCH_SEC * USEC_PER_SEC || after < -MAX_EPOCH_SEC * USEC_PER_SEC)
        return -ENOENT;

    bool any = false;
    bool possible[13] = {false};
    for (int m = 1; m <= 12; m++)
        any |= possible[m] = month_possible(c, m);
    if (!any || !(c->hour & 0xffffff) || !(c->minute & ((UINT64_C(1) << 60) - 1))) return -ENOENT;

    int64_t secs = after / USEC_PER_SEC - (after % USEC_PER_SEC < 0);
    int64_t t0 = secs - ((secs % 60) + 60) % 60 + 60; /* next whole minute after `after` */
    tzset();
    /* Start the walk at the earliest wall time an instant >= t0 can have: with a repeated hour
     * ahead of t0's wall time, its second pass (wild jobs run there) is still to come. */
    long off0;
    struct day_offsets o0;
    if (!gmtoff_at(t0, &off0)) return -ENOENT;
    int64_t local0 = t0 + off0;
    if (!day_offsets_at((local0 / 86400 - (local0 % 86400 < 0)) * 86400, &o0)) return -ENOENT;
    long minoff = off0 < o0.before ? off0 : o0.before;
    minoff = minoff < o0.after ? minoff : o0.after;
    time_t tt = (time_t)(t0 + minoff);
    struct tm tm;
    if (!gmtime_r(&tt, &tm)) return -ENOENT;

    int64_t y = (int64_t)tm.tm_year + 1900, ylimit = y + SEARCH_YEARS;
    int mo = tm.tm_mon + 1, d = tm.tm_mday, h = tm.tm_hour, mi = tm.tm_min;
    int64_t best = INT64_MAX;
    /* Walk local calendar days, skipping months that cannot match; within a matching day try
     * the hour and minute masks in order. Wall order is instant order except around a change,
     * so on such days the walk goes on until no later wall time can give an earlier instant. */
    while (y <= ylimit) {
        if (!possible[mo] || d > days_in_month(y, mo)) {
            if (++mo > 12) {
                mo = 1;
                y++;
            }
            d = 1;
            h = mi = 0;
            continue;
        }
        int64_t days = days_from_civil(y, mo, d);
        if (day_matches(c, days, d)) {
            struct day_offsets off;
            if (!day_offsets_at(days * 86400, &off)) goto done; /* past time_t: what we have */
            long maxoff = off.before > off.after ? off.before : off.after;
            for (int hh = h; hh < 24; hh++) {
                if (!(c->hour & (UINT32_C(1) << hh))) continue;
                for (int mm = hh == h ? mi : 0; mm < 60; mm++) {
                    if (!(c->minute & (UINT64_C(1) << mm))) continue;
                    int64_t local = days * 86400 + hh * 3600 + mm * 60, e[3];
                    if (best != INT64_MAX && local - maxoff > best) goto done;
                    int k = wall_instants(local, &off, e);
                    long jump;
                    if (k == 0 && !c->wild && gap_end(local, &off, &e[0], &jump) &&
                        jump < CRON_DST_MAX)
                        k = 1; /* skipped by DST: runs at the change */
                    if (k > 1 && !c->wild && e[k - 1] - e[0] < CRON_DST_MAX)
                        k = 1; /* repeated by DST: runs once, the first time */
                    for (int i = 0; i < k; i++)
                        if (e[i] * USEC_PER_SEC > after && e[i] < best) best = e[i];
                    /* No change near this day: wall order is instant order from here on. */
                    if (best != INT64_MAX && off.before == off.after) goto done;
                }
            }
        }
        d++;
        h = mi = 0;
    }
done:
    if (best == INT64_MAX) return -ENOENT;
    *next = best * USEC_PER_SEC;
    return 0;
}
