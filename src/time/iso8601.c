#include "time/iso8601.h"

#include <errno.h>
#include <stdio.h>

#include "common/errbuf.h"

/* Exactly n ASCII digits at *p (sscanf's %2d would take " 5" or "+5"). */
static bool digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        char c = (*p)[i];
        if (c < '0' || c > '9') return false;
        v = v * 10 + (c - '0');
    }
    *p += n;
    *out = v;
    return true;
}

static bool expect(const char **p, char c)
{
    if (**p != c) return false;
    (*p)++;
    return true;
}

static bool leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap(y) ? 29 : days[m - 1];
}

static int bad(const char *s, char *err, size_t errsz, const char *why)
{
    return errbuf_set(err, errsz, EINVAL, "bad ISO 8601 time \"%.64s\": %s", s, why);
}

int iso8601_parse(const char *s, struct iso8601 *out, char *err, size_t errsz)
{
    struct iso8601 t = {0};
    const char *p = s;
    if (!s) return bad("", err, errsz, "empty");
    if (!digits(&p, 4, &t.year) || !expect(&p, '-') || !digits(&p, 2, &t.mon) || !expect(&p, '-') ||
        !digits(&p, 2, &t.mday))
        return bad(s, err, errsz, "expected YYYY-MM-DD");
    if (t.mon < 1 || t.mon > 12) return bad(s, err, errsz, "month out of range");
    if (t.mday < 1 || t.mday > month_days(t.year, t.mon))
        return bad(s, err, errsz, "day out of range");
    if (*p) {
        if (!expect(&p, 'T') || !digits(&p, 2, &t.hour) || !expect(&p, ':') ||
            !digits(&p, 2, &t.min) || !expect(&p, ':') || !digits(&p, 2, &t.sec))
            return bad(s, err, errsz, "expected THH:MM:SS after the date");
        /* 60: a leap second, as a writer may put it; it reads as the next second. */
        if (t.hour > 23 || t.min > 59 || t.sec > 60) return bad(s, err, errsz, "time out of range");
        if (*p == 'Z') {
            p++;
        } else if (*p == '+' || *p == '-') {
            int sign = *p++ == '-' ? -1 : 1, oh, om;
            if (!digits(&p, 2, &oh) || !expect(&p, ':') || !digits(&p, 2, &om))
                return bad(s, err, errsz, "expected an offset +HH:MM");
            if (oh > 23 || om > 59) return bad(s, err, errsz, "offset out of range");
            t.offset = sign * (oh * 3600 + om * 60);
        } else {
            return bad(s, err, errsz, "expected Z or an offset +HH:MM after the time");
        }
        if (*p) return bad(s, err, errsz, "trailing characters");
        t.has_time = true;
    }
    *out = t;
    return 0;
}

int64_t iso8601_day(const struct iso8601 *t)
{
    /* Days from civil (proleptic Gregorian), so no timegm() and no zone. */
    int64_t y = t->year - (t->mon <= 2);
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (t->mon + (t->mon > 2 ? -3 : 9)) + 2) / 5 + t->mday - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

usec_t iso8601_usec(const struct iso8601 *t)
{
    int64_t sec = iso8601_day(t) * 86400 + t->hour * 3600 + t->min * 60 + t->sec - t->offset;
    return (usec_t)sec * USEC_PER_SEC;
}
