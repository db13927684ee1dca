#include "time/span.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/errbuf.h"

/* Arithmetic is done in uint64 with UINT64_MAX as the ceiling, as systemd does, so overflow
 * decisions match it; only the final result is narrowed to our signed usec_t. */
#define U_SEC UINT64_C(1000000)
#define U_MINUTE (60 * U_SEC)
#define U_HOUR (60 * U_MINUTE)
#define U_DAY (24 * U_HOUR)
#define U_WEEK (7 * U_DAY)
#define U_MONTH (2629800 * U_SEC) /* 30.44 days */
#define U_YEAR (31557600 * U_SEC) /* 365.25 days */

#define SPACES " \t\n\r"

struct unit {
    const char *name;
    uint64_t usec;
};

/* Matched by prefix in this order, so longer names must precede their prefixes
 * ("msec" before "ms" before "m"). */
static const struct unit parse_units[] = {
    {"seconds", U_SEC},
    {"second", U_SEC},
    {"sec", U_SEC},
    {"s", U_SEC},
    {"minutes", U_MINUTE},
    {"minute", U_MINUTE},
    {"min", U_MINUTE},
    {"months", U_MONTH},
    {"month", U_MONTH},
    {"M", U_MONTH},
    {"msec", 1000},
    {"ms", 1000},
    {"m", U_MINUTE},
    {"hours", U_HOUR},
    {"hour", U_HOUR},
    {"hr", U_HOUR},
    {"h", U_HOUR},
    {"days", U_DAY},
    {"day", U_DAY},
    {"d", U_DAY},
    {"weeks", U_WEEK},
    {"week", U_WEEK},
    {"w", U_WEEK},
    {"years", U_YEAR},
    {"year", U_YEAR},
    {"y", U_YEAR},
    {"usec", 1},
    {"us", 1},
    {"\xc2\xb5s", 1} /* MICRO SIGN */,
    {"\xce\xbcs", 1} /* GREEK MU */,
};

static const char *match_unit(const char *p, uint64_t *mult)
{
    for (size_t i = 0; i < sizeof parse_units / sizeof parse_units[0]; i++) {
        size_t n = strlen(parse_units[i].name);
        if (strncmp(p, parse_units[i].name, n) == 0) {
            *mult = parse_units[i].usec;
            return p + n;
        }
    }
    return p;
}

/* Length of the word at p (up to whitespace), capped so messages stay short. */
static int word_len(const char *p, const char *stop)
{
    size_t n = strcspn(p, stop);
    return n > 40 ? 40 : (int)n;
}

static int cap(ptrdiff_t n)
{
    return n > 40 ? 40 : (int)n;
}

static bool starts_unit_like(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
}

int span_parse_reason(const char *s, usec_t *out, char *why, size_t whysz)
{
    const char *p = s + strspn(s, SPACES);
    uint64_t total = 0;
    bool any = false, bare = false;

    if (strncmp(p, "infinity", 8) == 0) {
        const char *q = p + 8 + strspn(p + 8, SPACES);
        if (*q)
            return errbuf_set(why, whysz, EINVAL, "unexpected \"%.*s\" after \"infinity\"",
                              word_len(q, SPACES), q);
        *out = USEC_INFINITY;
        return 0;
    }

    for (;;) {
        uint64_t mult = U_SEC, k;
        const char *term = p + strspn(p, SPACES), *num_end, *u;
        char *e;
        long long l;

        p = term;
        if (!*p) {
            if (!any) return errbuf_set(why, whysz, EINVAL, "empty");
            break;
        }
        if (*p == '-')
            return errbuf_set(why, whysz, ERANGE, "negative value \"%.*s\"", word_len(p, SPACES),
                              p);

        errno = 0;
        l = strtoll(p, &e, 10);
        if (errno == ERANGE || l < 0)
            return errbuf_set(why, whysz, ERANGE, "number \"%.*s\" is too large",
                              word_len(p, SPACES), p);
        if (*e == '.') {
            num_end = e + 1 + strspn(e + 1, "0123456789");
        } else if (e == p) {
            if (bare && starts_unit_like((unsigned char)*p))
                return errbuf_set(why, whysz, EINVAL, "unknown unit \"%.*s\"",
                                  word_len(p, SPACES "0123456789."), p);
            return errbuf_set(why, whysz, EINVAL, "expected a number at \"%.*s\"",
                              word_len(p, SPACES), p);
        } else {
            num_end = e;
        }

        const char *ustart = num_end + strspn(num_end, SPACES);
        u = match_unit(ustart, &mult);
        /* A unit must follow the number directly or after blanks; "12.34.56" is not a span. */
        if (u == num_end && *u) {
            if (starts_unit_like((unsigned char)*u))
                return errbuf_set(why, whysz, EINVAL, "unknown unit \"%.*s\"",
                                  word_len(u, SPACES "0123456789."), u);
            return errbuf_set(why, whysz, EINVAL, "unexpected \"%.*s\" after \"%.*s\"",
                              word_len(u, SPACES), u, cap(u - p), p);
        }
        /* "5secs", "5mo": a unit glued to more letters is one unknown word, not two terms. */
        if (u != ustart && starts_unit_like((unsigned char)*u))
            return errbuf_set(why, whysz, EINVAL, "unknown unit \"%.*s\"",
                              word_len(ustart, SPACES "0123456789."), ustart);
        /* "5 foo": a unit-less number then blanks; "foo" then reads as a (bad) unit. */
        bare = u == ustart && ustart != num_end;
        p = u;

        if ((uint64_t)l >= UINT64_MAX / mult)
            return errbuf_set(why, whysz, ERANGE, "\"%.*s\" is too large", cap(u - term), term);
        k = (uint64_t)l * mult;
        if (k >= UINT64_MAX - total)
            return errbuf_set(why, whysz, ERANGE, "\"%.*s\" is too large", cap(u - term), term);
        total += k;
        any = true;

        if (*e == '.') {
            /* Digits past the unit's resolution add nothing: truncation, as systemd. */
            uint64_t m = mult / 10;
            const char *b = e + 1;
            for (; *b >= '0' && *b <= '9'; b++, m /= 10) {
                k = (uint64_t)(*b - '0') * m;
                if (k >= UINT64_MAX - total)
                    return errbuf_set(why, whysz, ERANGE, "\"%.*s\" is too large", cap(u - term),
                                      term);
                total += k;
            }
            if (b == e + 1)
                return errbuf_set(why, whysz, EINVAL, "expected digits after \".\" in \"%.*s\"",
                                  cap(u - term), term);
        }
    }

    /* systemd counts in uint64; we reserve INT64_MAX for infinity, so stop below it. */
    if (total >= (uint64_t)USEC_INFINITY)
        return errbuf_set(why, whysz, ERANGE, "span is too large");
    *out = (usec_t)total;
    return 0;
}

int span_parse(const char *s, usec_t *out, char *err, size_t errsz)
{
    char why[160];
    int r = span_parse_reason(s, out, why, sizeof why);
    if (r < 0) return errbuf_set(err, errsz, r, "bad time span \"%s\": %s", s, why);
    return 0;
}

static const struct unit format_units[] = {
    {"y", U_YEAR},     {"month", U_MONTH}, {"w", U_WEEK}, {"d", U_DAY}, {"h", U_HOUR},
    {"min", U_MINUTE}, {"s", U_SEC},       {"ms", 1000},  {"us", 1},
};

size_t span_format(usec_t span, char *buf, size_t bufsz)
{
    char tmp[256] = "";
    size_t n = 0;

    if (span == USEC_INFINITY) return (size_t)snprintf(buf, bufsz, "infinity");
    if (span <= 0) return (size_t)snprintf(buf, bufsz, "0");

    uint64_t t = (uint64_t)span;
    for (size_t i = 0; i < sizeof format_units / sizeof format_units[0] && t > 0; i++) {
        const struct unit *u = &format_units[i];
        if (t < u->usec) continue;
        uint64_t a = t / u->usec, b = t % u->usec;
        const char *sep = n ? " " : "";

        /* Under a minute, a remainder is shown as a decimal fraction of this unit
         * ("1.500000s", "1.500ms") rather than as further terms. */
        unsigned digits = 0;
        for (uint64_t c = u->usec; c > 1; c /= 10)
            digits++;
        int w;
        if (t < U_MINUTE && b > 0 && digits > 0) {
            w = snprintf(tmp + n, sizeof tmp - n, "%s%" PRIu64 ".%0*" PRIu64 "%s", sep, a,
                         (int)(digits & 7), b, u->name);
            t = 0;
        } else {
            w = snprintf(tmp + n, sizeof tmp - n, "%s%" PRIu64 "%s", sep, a, u->name);
            t = b;
        }
        /* Cannot fill 256 bytes (at most 9 terms of ~25), but stay inside tmp regardless. */
        n += w > 0 ? (size_t)w : 0;
        if (n >= sizeof tmp) n = sizeof tmp - 1;
    }
    return (size_t)snprintf(buf, bufsz, "%s", tmp);
}

/* Months and years, the terms whose length depends on the date: whole numbers of them go on
 * the calendar, everything else is exact. The text was checked by span_parse first, so the
 * walk only has to find the terms. */
#define CAL_MONTHS_MAX (12 * 10000)

static bool is_leap(long long y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(long long y, int m)
{
    static const int n[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 1 && is_leap(y) ? 29 : n[m];
}

int span_add_calendar(usec_t t, const char *s, usec_t *out, char *err, size_t errsz)
{
    usec_t all;
    int r = span_parse(s, &all, err, errsz);
    if (r < 0) return r;
    if (all == USEC_INFINITY) {
        *out = USEC_INFINITY;
        return 0;
    }
    long long months = 0;
    usec_t rest = 0;
    const char *p = s;
    for (;;) {
        p += strspn(p, SPACES);
        if (!*p) break;
        const char *term = p;
        char *e;
        long long l = strtoll(p, &e, 10);
        const char *num_end = e;
        bool frac = *e == '.';
        if (frac) num_end = e + 1 + strspn(e + 1, "0123456789");
        const char *ustart = num_end + strspn(num_end, SPACES);
        uint64_t mult = U_SEC;
        const char *u = match_unit(ustart, &mult);
        p = u == ustart ? num_end : u;
        if (!frac && (mult == U_MONTH || mult == U_YEAR)) {
            months += mult == U_YEAR ? l * 12 : l;
            if (l > CAL_MONTHS_MAX || months > CAL_MONTHS_MAX)
                return errbuf_set(err, errsz, ERANGE, "bad time span \"%s\": too many months for "
                                  "the calendar", s);
            continue;
        }
        char one[128];
        usec_t v;
        snprintf(one, sizeof one, "%.*s", (int)(p - term < 127 ? p - term : 127), term);
        r = span_parse(one, &v, err, errsz);
        if (r < 0) return r;
        rest += v; /* the sum of the terms is below `all`, which fits */
    }
    usec_t moved = t;
    if (months) {
        time_t tt = (time_t)(t / (usec_t)U_SEC);
        usec_t sub = t - (usec_t)tt * (usec_t)U_SEC;
        struct tm tm;
        if (!localtime_r(&tt, &tm))
            return errbuf_set(err, errsz, ERANGE, "bad time span \"%s\": out of range", s);
        long long m = (long long)tm.tm_mon + months;
        long long y = (long long)tm.tm_year + 1900 + m / 12;
        int mon = (int)(m % 12);
        if (y > 9999)
            return errbuf_set(err, errsz, ERANGE, "bad time span \"%s\": past the year 9999", s);
        int dim = days_in_month(y, mon);
        tm.tm_year = (int)(y - 1900);
        tm.tm_mon = mon;
        if (tm.tm_mday > dim) tm.tm_mday = dim; /* Jan 31 + 1 month: the last of February */
        tm.tm_isdst = -1; /* the local time of day, in whatever offset that date has */
        time_t n = mktime(&tm);
        if (n == (time_t)-1)
            return errbuf_set(err, errsz, ERANGE, "bad time span \"%s\": out of range", s);
        moved = (usec_t)n * (usec_t)U_SEC + sub;
    }
    if (rest > USEC_INFINITY - 1 - moved)
        return errbuf_set(err, errsz, ERANGE, "bad time span \"%s\": too large", s);
    *out = moved + rest;
    return 0;
}
