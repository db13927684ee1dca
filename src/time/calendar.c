/* systemd calendar events: parsing, normalised printing and next elapse.
 *
 * Next-elapse follows systemd's algorithm (src/shared/calendarspec.c, find_next) field by
 * field, on libc's mktime, so daylight-saving gaps and repeats come out exactly as
 * `systemd-analyze calendar` prints them: a wall time that does not exist is skipped. */
#include "time/calendar.h"

#include <ctype.h>
#include <stdarg.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common/errbuf.h"
#include "time/cron.h"
#include "time/tz.h"

#define BITS_WEEKDAYS 127
#define MIN_YEAR 1970
#define MAX_YEAR 2199
#define COMPONENTS_MAX 240
#define MAX_ITERATIONS 1000

struct comp {
    int start, stop, repeat; /* stop -1: single value (or open repetition) */
};

struct chain {
    int n; /* 0: "*" (no restriction) */
    struct comp *v;
};

enum { F_YEAR, F_MONTH, F_DAY, F_HOUR, F_MINUTE, F_USEC, F_COUNT };

struct calendar {
    bool is_cron;
    bool utc;
    bool end_of_month;
    int dst;      /* -1, or 0/1 when the local zone's abbreviation was given */
    int weekdays; /* bit 0 = Monday; -1 = any */
    char *zone;   /* IANA zone suffix, or NULL */
    struct chain f[F_COUNT];
    struct cron_expr *cron;
};

static const char *const field_name[F_COUNT] = {"year", "month", "day", "hour", "minute",
                                                "second"};

struct pctx {
    const char *orig;
    char *err;
    size_t errsz;
};

static int perr(struct pctx *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int perr(struct pctx *x, const char *fmt, ...)
{
    char why[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    /* "20.30" for 20:30 is a common slip (and reads as month.day): say how a time is written. */
    const char *dot = x->orig;
    for (; (dot = strchr(dot, '.')); dot++) {
        const char *d = dot;
        while (d > x->orig && isdigit((unsigned char)d[-1])) d--;
        /* HH.MM as a word of its own: 1 or 2 digits after a blank (or at the start), 2 after. */
        if (dot - d >= 1 && dot - d <= 2 && (d == x->orig || d[-1] == ' ') &&
            isdigit((unsigned char)dot[1]) && isdigit((unsigned char)dot[2]) &&
            !isdigit((unsigned char)dot[3]))
            break;
    }
    return errbuf_set(x->err, x->errsz, EINVAL, "bad calendar event \"%s\": %s%s", x->orig, why,
                      dot ? "; a time of day is written with a colon, like 20:30" : "");
}

/* The token at p, up to the next space, for error messages. */
static const char *token(const char *p, char *buf, size_t sz)
{
    size_t n = strcspn(p, " ");
    if (n >= sz) n = sz - 1;
    memcpy(buf, p, n);
    buf[n] = 0;
    return buf;
}

static void chain_clear(struct chain *c)
{
    free(c->v);
    c->v = NULL;
    c->n = 0;
}

static int chain_push(struct chain *c, int start, int stop, int repeat)
{
    struct comp *v = realloc(c->v, sizeof *v * (size_t)(c->n + 1));
    if (!v) return -ENOMEM;
    c->v = v;
    c->v[c->n++] = (struct comp){start, stop, repeat};
    return 0;
}

static int comp_cmp(const void *a, const void *b)
{
    const struct comp *x = a, *y = b;
    if (x->start != y->start) return x->start < y->start ? -1 : 1;
    if (x->stop != y->stop) return x->stop < y->stop ? -1 : 1;
    if (x->repeat != y->repeat) return x->repeat < y->repeat ? -1 : 1;
    return 0;
}

/* Same canonical form as systemd: ranges trimmed to a multiple of the repeat, repeats that
 * cannot trigger dropped, sorted, duplicates removed. */
static void chain_normalize(struct chain *c)
{
    for (int i = 0; i < c->n; i++) {
        struct comp *p = &c->v[i];
        if (p->stop > p->start && p->repeat > 0) p->stop -= (p->stop - p->start) % p->repeat;
        if ((p->stop > p->start && p->repeat > 0 && p->start + p->repeat > p->stop) ||
            p->start == p->stop) {
            p->repeat = 0;
            p->stop = -1;
        }
    }
    if (c->n <= 1) return;
    qsort(c->v, (size_t)c->n, sizeof *c->v, comp_cmp);
    int k = 0;
    for (int i = 0; i < c->n; i++)
        if (k == 0 || comp_cmp(&c->v[k - 1], &c->v[i]) != 0) c->v[k++] = c->v[i];
    c->n = k;
}

static void fix_year(struct chain *c)
{
    for (int i = 0; i < c->n; i++) {
        int *vals[2] = {&c->v[i].start, &c->v[i].stop};
        for (int j = 0; j < 2; j++) {
            if (*vals[j] >= 0 && *vals[j] < 70)
                *vals[j] += 2000;
            else if (*vals[j] >= 70 && *vals[j] < 100)
                *vals[j] += 1900;
        }
    }
}

static int chain_check(struct pctx *x, int field, const struct chain *c, int from, int to,
                       bool eom)
{
    int lo = from, hi = to;
    int d = field == F_USEC ? 1000000 : 1;
    if (eom) to -= 3; /* no more than 28 days back from the end of the month */
    for (int i = 0; i < c->n; i++) {
        const struct comp *p = &c->v[i];
        if (p->start < from || p->start > to || (p->stop >= 0 && (p->stop < from || p->stop > to)))
            return perr(x, "%s %d%s out of range %d..%d", field_name[field],
                        (p->start < from || p->start > to ? p->start : p->stop) / d,
                        eom ? " (days before the end of the month)" : "", lo / d,
                        (eom ? to : hi) / d);
        if (p->repeat > to - from)
            return perr(x, "%s repetition /%d is too large", field_name[field], p->repeat / d);
        if (p->stop >= 0) {
            if (p->start + p->repeat > p->stop)
                return perr(x, "%s range %d..%d is empty", field_name[field], p->start / d,
                            p->stop / d);
        } else if (p->repeat > 0) {
            if (eom && p->start - p->repeat < from)
                return perr(x, "%s repetition /%d never repeats", field_name[field], p->repeat);
            if (!eom && p->start + p->repeat > to)
                return perr(x, "%s repetition %d/%d never repeats", field_name[field],
                            p->start / d, p->repeat / d);
        }
    }
    return 0;
}

/* ---- parsing ---- */

static int parse_number(struct pctx *x, const char **pp, bool usec, int field, int *out)
{
    const char *p = *pp;
    char tok[64];
    if (!isdigit((unsigned char)*p)) {
        if (*p == 0) return perr(x, "%s missing", field_name[field]);
        return perr(x, "unexpected \"%s\" in %s", token(p, tok, sizeof tok), field_name[field]);
    }
    errno = 0;
    char *e;
    unsigned long long v = strtoull(p, &e, 10);
    if (errno || v > INT_MAX || (usec && v > INT_MAX / 1000000))
        return perr(x, "number \"%s\" too large", token(p, tok, sizeof tok));
    if (usec) {
        v *= 1000000;
        /* One "." is a decimal point, ".." is a range. */
        if (e[0] == '.' && e[1] != '.') {
            const char *s = e + 1;
            unsigned frac = 0;
            int i;
            if (!isdigit((unsigned char)*s))
                return perr(x, "bad fraction in \"%s\"", token(p, tok, sizeof tok));
            for (i = 0; i < 6 && isdigit((unsigned char)*s); i++, s++) frac = frac * 10 + (unsigned)(*s - '0');
            for (; i < 6; i++) frac *= 10;
            if (*s >= '5' && *s <= '9') frac++;
            while (isdigit((unsigned char)*s)) s++;
            v += frac;
            if (v > INT_MAX) return perr(x, "number \"%s\" too large", token(p, tok, sizeof tok));
            e = (char *)s;
        }
    }
    *out = (int)v;
    *pp = e;
    return 0;
}

static int parse_component(struct pctx *x, const char **pp, bool usec, int field, struct chain *c)
{
    const char *e = *pp;
    char tok[64];
    for (int nesting = 0;; nesting++) {
        int start, stop = -1, repeat = 0, r;
        if (nesting > COMPONENTS_MAX) return perr(x, "too many values in %s", field_name[field]);
        if ((r = parse_number(x, &e, usec, field, &start)) < 0) return r;
        if (e[0] == '.' && e[1] == '.') {
            e += 2;
            if ((r = parse_number(x, &e, usec, field, &stop)) < 0) return r;
            repeat = usec ? 1000000 : 1;
        }
        if (*e == '/') {
            e++;
            if ((r = parse_number(x, &e, usec, field, &repeat)) < 0) return r;
            if (repeat == 0) return perr(x, "%s repetition must not be 0", field_name[field]);
        } else {
            if (start > INT_MAX - repeat) return perr(x, "%s value too large", field_name[field]);
            if (usec && stop >= 0 && start + repeat > stop)
                return perr(x, "second range %d..%d is empty", start / 1000000, stop / 1000000);
        }
        if (*e != 0 && !strchr(" ,-~:", *e))
            return perr(x, "unexpected \"%s\" in %s", token(e, tok, sizeof tok), field_name[field]);
        if (chain_push(c, start, stop, repeat) < 0) return -ENOMEM;
        if (*e != ',') break;
        e++;
    }
    *pp = e;
    return 0;
}

static int parse_chain(struct pctx *x, const char **pp, bool usec, int field, struct chain *c)
{
    if (**pp == '*') {
        (*pp)++;
        if (usec) return chain_push(c, 0, -1, 1000000);
        return 0;
    }
    return parse_component(x, pp, usec, field, c);
}

static const struct {
    const char *name;
    int nr;
} day_names[] = {
    {"Monday", 0}, {"Mon", 0}, {"Tuesday", 1}, {"Tue", 1}, {"Wednesday", 2}, {"Wed", 2},
    {"Thursday", 3}, {"Thu", 3}, {"Friday", 4}, {"Fri", 4}, {"Saturday", 5}, {"Sat", 5},
    {"Sunday", 6}, {"Sun", 6},
};

static int parse_weekdays(struct pctx *x, const char **pp, struct calendar *c)
{
    int l = -1;
    bool first = true;
    char tok[64];
    const char *start = *pp; /* in the parser's copy, not in x->orig */
    c->weekdays = 0;
    for (;;) {
        size_t i, n = sizeof day_names / sizeof day_names[0];
        for (i = 0; i < n; i++) {
            size_t len = strlen(day_names[i].name);
            if (strncasecmp(*pp, day_names[i].name, len) != 0) continue;
            if (!strchr("-.,  ", (*pp)[len]) && (*pp)[len] != 0) continue;
            c->weekdays |= 1 << day_names[i].nr;
            if (l >= 0) {
                if (l > day_names[i].nr)
                    return perr(x, "weekday range ends before it starts (\"%s\")",
                                token(*pp, tok, sizeof tok));
                for (int j = l + 1; j < day_names[i].nr; j++) c->weekdays |= 1 << j;
            }
            *pp += len;
            break;
        }
        if (i >= n) {
            if (first) {
                /* A leading word that is no weekday cannot be a date either. */
                if (isalpha((unsigned char)**pp)) {
                    size_t k = strcspn(*pp, " ,.-");
                    snprintf(tok, sizeof tok, "%.*s", (int)(k < 60 ? k : 60), *pp);
                    return perr(x, "unknown weekday \"%s\"", tok);
                }
                c->weekdays = -1;
                return 0;
            }
            size_t k = strcspn(*pp, " ,.-");
            snprintf(tok, sizeof tok, "%.*s", (int)(k < 60 ? k : 60), *pp);
            if (!*tok) return perr(x, "weekday missing after \"%.*s\"", (int)(*pp - start), start);
            return perr(x, "unknown weekday \"%s\"", tok);
        }
        if (**pp == 0) return 0;
        if (**pp == ' ') {
            *pp += strspn(*pp, " ");
            return 0;
        }
        if (**pp == '.') {
            if (l >= 0 || (*pp)[1] != '.') return perr(x, "bad weekday range");
            l = day_names[i].nr;
            *pp += 2;
        } else if (**pp == '-') {
            if (l >= 0) return perr(x, "bad weekday range");
            l = day_names[i].nr;
            *pp += 1;
        } else if (**pp == ',') {
            l = -1;
            *pp += 1;
        }
        if (**pp == 0 || **pp == ' ') {
            *pp += strspn(*pp, " ");
            if (l >= 0) return perr(x, "weekday range is open");
            return 0;
        }
        first = false;
    }
}

static int from_epoch(struct calendar *c, time_t t)
{
    struct tm tm;
    if (!gmtime_r(&t, &tm)) return -ERANGE;
    c->utc = true;
    chain_clear(&c->f[F_YEAR]);
    if (chain_push(&c->f[F_YEAR], tm.tm_year + 1900, -1, 0) < 0 ||
        chain_push(&c->f[F_MONTH], tm.tm_mon + 1, -1, 0) < 0 ||
        chain_push(&c->f[F_DAY], tm.tm_mday, -1, 0) < 0 ||
        chain_push(&c->f[F_HOUR], tm.tm_hour, -1, 0) < 0 ||
        chain_push(&c->f[F_MINUTE], tm.tm_min, -1, 0) < 0 ||
        chain_push(&c->f[F_USEC], tm.tm_sec * 1000000, -1, 0) < 0)
        return -ENOMEM;
    return 0;
}

/* Returns 1 when the date was "@epoch" (nothing may follow). */
static int parse_date(struct pctx *x, const char **pp, struct calendar *c)
{
    const char *t = *pp;
    char tok[64];
    struct chain a = {0}, b = {0}, d = {0};
    int r;
    if (*t == 0) return 0;
    if (*t == '@') {
        char *e;
        errno = 0;
        unsigned long long v = strtoull(t + 1, &e, 10);
        if (e == t + 1 || errno || v > (unsigned long long)253402300799LL)
            return perr(x, "bad epoch \"%s\"", token(t, tok, sizeof tok));
        if ((r = from_epoch(c, (time_t)v)) < 0) return r;
        *pp = e;
        return 1;
    }
    if ((r = parse_chain(x, &t, false, F_MONTH, &a)) < 0) goto fail;
    if (*t == 0 || *t == ':') { /* it was a time, not a date */
        chain_clear(&a);
        return 0;
    }
    if (*t == '~')
        c->end_of_month = true;
    else if (*t != '-') {
        r = perr(x, "unexpected \"%s\" in date", token(t, tok, sizeof tok));
        goto fail;
    }
    t++;
    if ((r = parse_chain(x, &t, false, F_DAY, &b)) < 0) goto fail;
    if (*t == 0 || *t == ' ') {
        *pp = t + strspn(t, " ");
        c->f[F_MONTH] = a;
        c->f[F_DAY] = b;
        return 0;
    }
    if (c->end_of_month) {
        r = perr(x, "\"~\" must stand between month and day");
        goto fail;
    }
    if (*t == '~')
        c->end_of_month = true;
    else if (*t != '-') {
        r = perr(x, "unexpected \"%s\" in date", token(t, tok, sizeof tok));
        goto fail;
    }
    t++;
    if ((r = parse_chain(x, &t, false, F_DAY, &d)) < 0) goto fail;
    if (*t != 0 && *t != ' ') {
        r = perr(x, "unexpected \"%s\" after date", token(t, tok, sizeof tok));
        goto fail;
    }
    *pp = t + strspn(t, " ");
    c->f[F_YEAR] = a;
    c->f[F_MONTH] = b;
    c->f[F_DAY] = d;
    return 0;
fail:
    chain_clear(&a);
    chain_clear(&b);
    chain_clear(&d);
    return r;
}

static int parse_time(struct pctx *x, const char **pp, struct calendar *c)
{
    const char *t = *pp;
    char tok[64];
    struct chain h = {0}, m = {0}, s = {0};
    int r;
    if (*t == 0) {
        if (chain_push(&h, 0, -1, 0) < 0 || chain_push(&m, 0, -1, 0) < 0) goto nomem;
        goto null_second;
    }
    if ((r = parse_chain(x, &t, false, F_HOUR, &h)) < 0) goto fail;
    if (*t != ':') {
        r = *t ? perr(x, "unexpected \"%s\" in time", token(t, tok, sizeof tok))
               : perr(x, "time needs hours and minutes (\"HH:MM\")");
        goto fail;
    }
    t++;
    if ((r = parse_chain(x, &t, false, F_MINUTE, &m)) < 0) goto fail;
    if (*t == 0) goto null_second;
    if (*t != ':') {
        r = perr(x, "unexpected \"%s\" in time", token(t, tok, sizeof tok));
        goto fail;
    }
    t++;
    if ((r = parse_chain(x, &t, true, F_USEC, &s)) < 0) goto fail;
    if (*t != 0) {
        r = perr(x, "unexpected \"%s\" after time", token(t, tok, sizeof tok));
        goto fail;
    }
    goto finish;
null_second:
    if (chain_push(&s, 0, -1, 0) < 0) goto nomem;
finish:
    *pp = t;
    c->f[F_HOUR] = h;
    c->f[F_MINUTE] = m;
    c->f[F_USEC] = s;
    return 0;
nomem:
    r = -ENOMEM;
fail:
    chain_clear(&h);
    chain_clear(&m);
    chain_clear(&s);
    return r;
}

static int shorthand(struct calendar *c, const char *p)
{
    /* months, days, and whether hour/minute are pinned to 0; weekly pins Monday. */
    static const struct {
        const char *name;
        int months[4];
        int day, hour, minute, weekly;
    } tab[] = {
        {"minutely", {0}, 0, -1, -1, 0},      {"hourly", {0}, 0, -1, 0, 0},
        {"daily", {0}, 0, 0, 0, 0},           {"monthly", {0}, 1, 0, 0, 0},
        {"annually", {1}, 1, 0, 0, 0},        {"yearly", {1}, 1, 0, 0, 0},
        {"anually", {1}, 1, 0, 0, 0},         {"weekly", {0}, 0, 0, 0, 1},
        {"quarterly", {1, 4, 7, 10}, 1, 0, 0, 0}, {"biannually", {1, 7}, 1, 0, 0, 0},
        {"bi-annually", {1, 7}, 1, 0, 0, 0},  {"semiannually", {1, 7}, 1, 0, 0, 0},
        {"semi-annually", {1, 7}, 1, 0, 0, 0},
    };
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++) {
        if (strcasecmp(p, tab[i].name) != 0) continue;
        for (int k = 0; k < 4 && tab[i].months[k]; k++)
            if (chain_push(&c->f[F_MONTH], tab[i].months[k], -1, 0) < 0) return -ENOMEM;
        if (tab[i].day && chain_push(&c->f[F_DAY], tab[i].day, -1, 0) < 0) return -ENOMEM;
        if (tab[i].hour == 0 && chain_push(&c->f[F_HOUR], 0, -1, 0) < 0) return -ENOMEM;
        if (tab[i].minute == 0 && chain_push(&c->f[F_MINUTE], 0, -1, 0) < 0) return -ENOMEM;
        if (chain_push(&c->f[F_USEC], 0, -1, 0) < 0) return -ENOMEM;
        if (tab[i].weekly) c->weekdays = 1;
        return 1;
    }
    return 0;
}

static bool ends_with_word(const char *s, const char *word, size_t *cut)
{
    size_t ls = strlen(s), lw = strlen(word);
    if (lw == 0 || ls <= lw) return false;
    if (strcasecmp(s + ls - lw, word) != 0 || s[ls - lw - 1] != ' ') return false;
    *cut = ls - lw - 1;
    return true;
}

void calendar_free(struct calendar *c)
{
    if (!c) return;
    for (int i = 0; i < F_COUNT; i++) chain_clear(&c->f[i]);
    free(c->zone);
    free(c->cron);
    free(c);
}

int calendar_parse(const char *s, struct calendar **out, char *err, size_t errsz)
{
    struct pctx x = {s, err, errsz};
    struct calendar *c = calloc(1, sizeof *c);
    char *buf = NULL;
    size_t cut;
    int r;
    *out = NULL;
    if (!c) return -ENOMEM;
    c->dst = -1;
    c->weekdays = -1;

    /* Lua strings come trimmed by nobody; surrounding blanks are never meaningful. */
    while (*s == ' ' || *s == '\t') s++;
    buf = strdup(s);
    if (!buf) {
        free(c);
        return -ENOMEM;
    }
    for (size_t n = strlen(buf); n > 0 && (buf[n - 1] == ' ' || buf[n - 1] == '\t'); n--) buf[n - 1] = 0;

    /* "@1798000000" is systemd's epoch form; "@daily" and five fields are cron. */
    if (cron_looks_like(buf) && !(buf[0] == '@' && isdigit((unsigned char)buf[1]))) {
        c->is_cron = true;
        c->cron = calloc(1, sizeof *c->cron);
        if (!c->cron) {
            r = -ENOMEM;
            goto fail;
        }
        if ((r = cron_parse(buf, c->cron, err, errsz)) < 0) goto fail;
        goto done;
    }

    if (ends_with_word(buf, "UTC", &cut)) {
        c->utc = true;
        buf[cut] = 0;
    } else {
        int j;
        char ab[TZ_ABBREV_MAX];
        for (j = 0; j <= 1; j++)
            if (tz_abbrev(j, ab) && ends_with_word(buf, ab, &cut)) break;
        if (j <= 1) {
            c->dst = j;
            buf[cut] = 0;
        } else {
            char *sp = strrchr(buf, ' ');
            if (sp && tz_is_valid(sp + 1)) {
                c->zone = strdup(sp + 1);
                if (!c->zone) {
                    r = -ENOMEM;
                    goto fail;
                }
                *sp = 0;
            } else if (sp && strchr(sp + 1, '/') &&
                       (isalpha((unsigned char)sp[1]) || sp[1] == '/')) {
                r = perr(&x, "unknown time zone \"%s\": %s", sp + 1, tz_name_problem(sp + 1));
                goto fail;
            }
        }
    }
    if (!*buf) {
        r = perr(&x, "empty");
        goto fail;
    }
    if ((r = shorthand(c, buf)) < 0) goto fail;
    if (r == 0) {
        const char *p = buf;
        if ((r = parse_weekdays(&x, &p, c)) < 0) goto fail;
        if ((r = parse_date(&x, &p, c)) < 0) goto fail;
        if (r == 0 && (r = parse_time(&x, &p, c)) < 0) goto fail;
        if (*p != 0) {
            char tok[64];
            r = perr(&x, "unexpected \"%s\"", token(p, tok, sizeof tok));
            goto fail;
        }
    }

    /* Normalise as systemd does, then validate. */
    if (c->zone && strcmp(c->zone, "UTC") == 0) {
        c->utc = true;
        free(c->zone);
        c->zone = NULL;
    }
    if (c->weekdays <= 0 || c->weekdays >= BITS_WEEKDAYS) c->weekdays = -1;
    if (c->end_of_month && c->f[F_DAY].n == 0) c->end_of_month = false;
    fix_year(&c->f[F_YEAR]);
    for (int i = 0; i < F_COUNT; i++) chain_normalize(&c->f[i]);
    if ((r = chain_check(&x, F_YEAR, &c->f[F_YEAR], MIN_YEAR, MAX_YEAR, false)) < 0 ||
        (r = chain_check(&x, F_MONTH, &c->f[F_MONTH], 1, 12, false)) < 0 ||
        (r = chain_check(&x, F_DAY, &c->f[F_DAY], 1, 31, c->end_of_month)) < 0 ||
        (r = chain_check(&x, F_HOUR, &c->f[F_HOUR], 0, 23, false)) < 0 ||
        (r = chain_check(&x, F_MINUTE, &c->f[F_MINUTE], 0, 59, false)) < 0 ||
        (r = chain_check(&x, F_USEC, &c->f[F_USEC], 0, 60 * 1000000 - 1, false)) < 0)
        goto fail;
done:
    free(buf);
    *out = c;
    return 0;
fail:
    free(buf);
    calendar_free(c);
    return r;
}

/* ---- printing ---- */

struct out {
    char *buf;
    size_t sz, len;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct out *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t room = o->len < o->sz ? o->sz - o->len : 0;
    int n = vsnprintf(room ? o->buf + o->len : NULL, room, fmt, ap);
    va_end(ap);
    if (n > 0) o->len += (size_t)n;
}

static void put_weekdays(struct out *o, int bits)
{
    static const char *const days[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
    int l = -1, x;
    bool comma = false;
    for (x = 0; x < 7; x++) {
        if (bits & (1 << x)) {
            if (l < 0) {
                put(o, "%s%s", comma ? "," : "", days[x]);
                comma = true;
                l = x;
            }
        } else if (l >= 0) {
            if (x > l + 1) put(o, "%s%s", x > l + 2 ? ".." : ",", days[x - 1]);
            l = -1;
        }
    }
    if (l >= 0 && x > l + 1) put(o, "%s%s", x > l + 2 ? ".." : ",", days[x - 1]);
}

static void put_chain(struct out *o, int width, const struct chain *c, bool usec)
{
    int d = usec ? 1000000 : 1;
    bool star = c->n == 0;
    if (usec)
        for (int i = 0; i < c->n; i++)
            if (c->v[i].start == 0 && c->v[i].stop < 0 && c->v[i].repeat == 1000000) star = true;
    if (star) {
        put(o, "*");
        return;
    }
    for (int i = 0; i < c->n; i++) {
        const struct comp *p = &c->v[i];
        if (i) put(o, ",");
        put(o, "%0*d", width, p->start / d);
        if (p->start % d > 0) put(o, ".%06d", p->start % d);
        if (p->stop > 0) put(o, "..%0*d", width, p->stop / d);
        if (p->stop % d > 0) put(o, ".%06d", p->stop % d);
        if (p->repeat > 0 && !(p->stop > 0 && p->repeat == d)) put(o, "/%d", p->repeat / d);
        if (p->repeat % d > 0) put(o, ".%06d", p->repeat % d);
    }
}

/* systemd prints a seconds chain holding "0/1" as "*", dropping any sub-second item beside it
 * ("*:*:0/0.2,0/1" -> "*:*:*"). We print what systemd prints, and say when that loses fires. */
bool calendar_format_is_lossless(const struct calendar *c)
{
    if (c->is_cron) return true;
    const struct chain *s = &c->f[F_USEC];
    bool star = false, fraction = false;
    for (int i = 0; i < s->n; i++) {
        const struct comp *p = &s->v[i];
        if (p->start == 0 && p->stop < 0 && p->repeat == 1000000) star = true;
        if (p->start % 1000000 || p->repeat % 1000000 || (p->stop > 0 && p->stop % 1000000))
            fraction = true;
    }
    return !(star && fraction);
}

size_t calendar_format(const struct calendar *c, char *buf, size_t bufsz)
{
    struct out o = {buf, bufsz, 0};
    if (bufsz) buf[0] = 0;
    if (c->is_cron) {
        put(&o, "%s", c->cron->text);
        return o.len;
    }
    if (c->weekdays > 0 && c->weekdays < BITS_WEEKDAYS) {
        put_weekdays(&o, c->weekdays);
        put(&o, " ");
    }
    put_chain(&o, 4, &c->f[F_YEAR], false);
    put(&o, "-");
    put_chain(&o, 2, &c->f[F_MONTH], false);
    put(&o, c->end_of_month ? "~" : "-");
    put_chain(&o, 2, &c->f[F_DAY], false);
    put(&o, " ");
    put_chain(&o, 2, &c->f[F_HOUR], false);
    put(&o, ":");
    put_chain(&o, 2, &c->f[F_MINUTE], false);
    put(&o, ":");
    put_chain(&o, 2, &c->f[F_USEC], true);
    if (c->utc)
        put(&o, " UTC");
    else if (c->zone)
        put(&o, " %s", c->zone);
    else if (c->dst == 0 || c->dst == 1) {
        char ab[TZ_ABBREV_MAX];
        if (tz_abbrev(c->dst, ab)) put(&o, " %s", ab);
    }
    return o.len;
}

bool calendar_is_cron(const struct calendar *c)
{
    return c->is_cron;
}

const char *calendar_zone(const struct calendar *c)
{
    return c->zone;
}

/* ---- next elapse ---- */

#define CMP(a, b) ((a) < (b) ? -1 : (a) > (b) ? 1 : 0)

static time_t mk(struct tm *tm, bool utc)
{
    return utc ? timegm(tm) : mktime(tm);
}

static int end_of_month_day(const struct tm *tm, bool utc, int day)
{
    struct tm t = *tm;
    t.tm_mon++;
    t.tm_mday = 1 - day;
    if (mk(&t, utc) == (time_t)-1 || t.tm_mon != tm->tm_mon) return -1;
    return t.tm_mday;
}

/* Earliest value >= *val that the chain allows: 1 if *val changed, 0 if not, -ENOENT if none. */
static int chain_match(const struct calendar *c, const struct chain *ch, const struct tm *tm,
                       int *val)
{
    int d = -1;
    bool have = false;
    if (ch->n == 0) return 0;
    bool eom = c->end_of_month && ch == &c->f[F_DAY];
    for (int i = 0; i < ch->n; i++) {
        const struct comp *p = &ch->v[i];
        int start = p->start, stop = p->stop;
        if (eom) {
            start = end_of_month_day(tm, c->utc, p->start);
            stop = end_of_month_day(tm, c->utc, p->stop);
            if (stop > 0) {
                int t = start;
                start = stop;
                stop = t;
            }
        }
        if (start >= *val) {
            if (!have || start < d) {
                d = start;
                have = true;
            }
        } else if (p->repeat > 0) {
            long long k = start + (long long)p->repeat * (((long long)*val - start + p->repeat - 1) / p->repeat);
            if ((!have || k < d) && (stop < 0 || k <= stop) && k <= INT_MAX) {
                d = (int)k;
                have = true;
            }
        }
    }
    if (!have) return -ENOENT;
    int changed = *val != d;
    *val = d;
    return changed;
}

/* 1 if tm is a real time unchanged by normalisation; 0 if normalisation moved it forward (tm is
 * replaced, with the fields below the one that moved reset, so "3-33" restarts at "4-1" rather
 * than skipping it); negative if out of range or moved backwards. */
static int within_bounds(struct tm *tm, bool utc, bool forced_dst)
{
    struct tm t;
    int cmp;
    if (tm->tm_year + 1900 > MAX_YEAR) return -ERANGE;
    t = *tm;
    errno = 0;
    if (mk(&t, utc) == (time_t)-1 && errno == EOVERFLOW) return -EINVAL;
    if ((cmp = CMP(t.tm_year, tm->tm_year)) != 0)
        t.tm_mon = 0;
    else if ((cmp = CMP(t.tm_mon, tm->tm_mon)) != 0)
        t.tm_mday = 1;
    else if ((cmp = CMP(t.tm_mday, tm->tm_mday)) != 0)
        t.tm_hour = 0;
    else if ((cmp = CMP(t.tm_hour, tm->tm_hour)) != 0)
        t.tm_min = 0;
    else if ((cmp = CMP(t.tm_min, tm->tm_min)) != 0)
        t.tm_sec = 0;
    else
        cmp = CMP(t.tm_sec, tm->tm_sec);
    if (cmp < 0) return -EDEADLK;
    if (cmp > 0) {
        /* t's DST flag belongs to the instant before the reset; keep the caller's, or the reset
         * wall time is read in the wrong offset and can fall back behind itself forever (systemd
         * 252 loops on "*-*-02/20 00:00" in Australia/Lord_Howe). Under a zone abbreviation
         * ("00:00 CEST") the flag is the user's to force, and systemd's answers keep mktime's. */
        if (!forced_dst) t.tm_isdst = tm->tm_isdst;
        *tm = t;
    }
    return cmp == 0;
}

/* within_bounds(), skipped when nothing changed since c was last normalised: a normalised time
 * is always within bounds, and this saves most of the mktime() calls of a next-elapse step. */
static int bounds(struct tm *c, bool utc, bool forced_dst, bool *dirty)
{
    if (!*dirty) return c->tm_year + 1900 > MAX_YEAR ? -ERANGE : 1;
    int r = within_bounds(c, utc, forced_dst);
    if (r == 1) *dirty = false;
    return r;
}

/* Wall-clock order of two broken-down times (year down to second). */
static int tm_cmp(const struct tm *a, const struct tm *b)
{
    int r;
    if ((r = CMP(a->tm_year, b->tm_year)) || (r = CMP(a->tm_mon, b->tm_mon)) ||
        (r = CMP(a->tm_mday, b->tm_mday)) || (r = CMP(a->tm_hour, b->tm_hour)) ||
        (r = CMP(a->tm_min, b->tm_min)))
        return r;
    return CMP(a->tm_sec, b->tm_sec);
}

static bool weekday_matches(int bits, const struct tm *tm, bool utc)
{
    struct tm t = *tm;
    if (bits < 0 || bits >= BITS_WEEKDAYS) return true;
    mk(&t, utc);
    int k = t.tm_wday == 0 ? 6 : t.tm_wday - 1;
    return bits & (1 << k);
}

static int find_next(const struct calendar *s, struct tm *tm, int *usec)
{
    struct tm c = *tm;
    int us = *usec, r;
    bool keep_dst = false;
    for (int it = 0; it < MAX_ITERATIONS; it++) {
        mk(&c, s->utc);
        /* Clean fields skip the mktime() round trip in bounds(); forcing the zone
         * abbreviation's DST flag against the zone's own makes that round trip move the time
         * (systemd always makes it), so the fields start dirty then. */
        bool dirty = false;
        if (!keep_dst) {
            dirty = s->dst >= 0 && c.tm_isdst != s->dst;
            c.tm_isdst = s->dst;
        }

        c.tm_year += 1900;
        r = chain_match(s, &s->f[F_YEAR], &c, &c.tm_year);
        c.tm_year -= 1900;
        dirty |= r > 0;
        if (r > 0) {
            c.tm_mon = 0;
            c.tm_mday = 1;
            c.tm_hour = c.tm_min = c.tm_sec = us = 0;
        }
        if (r < 0) return r;
        if (bounds(&c, s->utc, s->dst >= 0, &dirty) <= 0) return -ENOENT;

        c.tm_mon += 1;
        r = chain_match(s, &s->f[F_MONTH], &c, &c.tm_mon);
        c.tm_mon -= 1;
        dirty |= r > 0;
        if (r > 0) {
            c.tm_mday = 1;
            c.tm_hour = c.tm_min = c.tm_sec = us = 0;
        }
        if (r < 0 || (r = bounds(&c, s->utc, s->dst >= 0, &dirty)) < 0) {
            c.tm_year++;
            c.tm_mon = 0;
            c.tm_mday = 1;
            c.tm_hour = c.tm_min = c.tm_sec = us = 0;
            continue;
        }
        if (r == 0) continue;

        r = chain_match(s, &s->f[F_DAY], &c, &c.tm_mday);
        dirty |= r > 0;
        if (r > 0) c.tm_hour = c.tm_min = c.tm_sec = us = 0;
        if (r < 0 || (r = bounds(&c, s->utc, s->dst >= 0, &dirty)) < 0) {
            c.tm_mon++;
            c.tm_mday = 1;
            c.tm_hour = c.tm_min = c.tm_sec = us = 0;
            continue;
        }
        if (r == 0) continue;

        if (!weekday_matches(s->weekdays, &c, s->utc)) {
            c.tm_mday++;
            c.tm_hour = c.tm_min = c.tm_sec = us = 0;
            continue;
        }

        r = chain_match(s, &s->f[F_HOUR], &c, &c.tm_hour);
        dirty |= r > 0;
        if (r > 0) c.tm_min = c.tm_sec = us = 0;
        if (r < 0 || (r = bounds(&c, s->utc, s->dst >= 0, &dirty)) < 0) {
            c.tm_mday++;
            c.tm_hour = c.tm_min = c.tm_sec = us = 0;
            continue;
        }
        if (r == 0) continue; /* that hour does not exist today (DST): retry from there */

        r = chain_match(s, &s->f[F_MINUTE], &c, &c.tm_min);
        dirty |= r > 0;
        if (r > 0) c.tm_sec = us = 0;
        if (r < 0 || (r = bounds(&c, s->utc, s->dst >= 0, &dirty)) < 0) {
            c.tm_hour++;
            c.tm_min = c.tm_sec = us = 0;
            continue;
        }
        if (r == 0) continue;

        c.tm_sec = c.tm_sec * 1000000 + us;
        r = chain_match(s, &s->f[F_USEC], &c, &c.tm_sec);
        us = c.tm_sec % 1000000;
        c.tm_sec /= 1000000;
        dirty |= r > 0;
        if (r < 0 || (r = bounds(&c, s->utc, s->dst >= 0, &dirty)) < 0) {
            c.tm_min++;
            c.tm_sec = us = 0;
            continue;
        }
        if (r == 0) continue;

        /* Not past the start in wall-clock terms: a DST change folded us back. Step an hour and
         * let mktime pick the offset from now on, as systemd does. */
        r = tm_cmp(tm, &c);
        if (r == 0) r = CMP(*usec, us + 1);
        if (r >= 0) {
            keep_dst = true;
            c.tm_hour++;
            continue;
        }

        *tm = c;
        *usec = us;
        return 0;
    }
    return -EDEADLK;
}

static int next_local(const struct calendar *c, usec_t after, usec_t *next)
{
    struct tm tm;
    usec_t u = after + 1;
    time_t t = (time_t)(u / USEC_PER_SEC);
    int us = (int)(u % USEC_PER_SEC);
    if (u < 0) return -ERANGE;
    if (!(c->utc ? gmtime_r(&t, &tm) : localtime_r(&t, &tm))) return -ERANGE;
    int r = find_next(c, &tm, &us);
    if (r < 0) return r == -EDEADLK ? -EDEADLK : -ENOENT;
    t = mk(&tm, c->utc);
    if (t == (time_t)-1) return -ENOENT;
    *next = (usec_t)t * USEC_PER_SEC + us;
    return 0;
}

int calendar_next(const struct calendar *c, usec_t after, usec_t *next)
{
    if (c->is_cron) return cron_next(c->cron, after, next);
    if (!c->zone) return next_local(c, after, next);
    struct tz_saved saved;
    tz_enter(c->zone, &saved);
    int r = next_local(c, after, next);
    tz_leave(&saved);
    return r;
}

static int int_cmp(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return x < y ? -1 : x > y;
}

/* The seconds a minute of c holds (microseconds, sorted), or -1 when two of them are closer
 * than gap (a repetition below it, or more values than fit). */
static int second_values(const struct calendar *c, int gap, int *v, int max)
{
    const struct chain *ch = &c->f[F_USEC];
    int n = 0;
    if (ch->n == 0) { /* "*": each whole second */
        if (gap > 1000000) return -1;
        for (int s = 0; s < 60 && n < max; s++) v[n++] = s * 1000000;
        return n;
    }
    for (int i = 0; i < ch->n; i++) {
        const struct comp *p = &ch->v[i];
        int stop = p->stop >= 0 ? p->stop : 60 * 1000000 - 1;
        if (p->repeat <= 0) {
            if (n >= max) return -1;
            v[n++] = p->start;
            continue;
        }
        if (p->start + (long long)p->repeat <= stop && p->repeat < gap) return -1;
        for (long long s = p->start; s <= stop; s += p->repeat) {
            if (n >= max) return -1;
            v[n++] = (int)s;
        }
    }
    qsort(v, (size_t)n, sizeof *v, int_cmp);
    return n;
}

bool calendar_repeats_within(const struct calendar *c, usec_t gap)
{
    if (gap <= 0) return false;
    if (c->is_cron) return gap > 60 * USEC_PER_SEC; /* cron: whole minutes */
    if (gap > 60 * USEC_PER_SEC) gap = 60 * USEC_PER_SEC; /* beyond a minute: not analysed */
    /* Within a minute: the seconds field alone decides. More values than a minute holds at
     * `gap` apart means two are closer. */
    int max = (int)(60 * USEC_PER_SEC / gap) + 1, *v = malloc(sizeof *v * (size_t)max);
    if (!v) return true;
    int n = second_values(c, (int)gap, v, max);
    bool close = n < 0;
    for (int i = 1; !close && i < n; i++) close = v[i] - v[i - 1] < gap;
    /* Across a minute boundary (":59.5" then ":00" of the next minute): when two consecutive
     * minutes (59 and 0 count) can both match, conservatively without looking at hours. */
    if (!close && n > 0 && 60 * 1000000 - v[n - 1] + v[0] < gap) {
        const struct chain *m = &c->f[F_MINUTE];
        bool minute[60] = {0};
        for (int i = 0; i < 60; i++) minute[i] = m->n == 0;
        for (int i = 0; i < m->n; i++) {
            const struct comp *p = &m->v[i];
            int stop = p->stop >= 0 ? p->stop : 59;
            if (p->repeat <= 0) {
                if (p->start >= 0 && p->start < 60) minute[p->start] = true;
                continue;
            }
            for (int k = p->start; k <= stop && k < 60; k += p->repeat) minute[k] = true;
        }
        for (int i = 0; !close && i < 60; i++) close = minute[i] && minute[(i + 1) % 60];
    }
    free(v);
    return close;
}
