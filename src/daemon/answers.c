#include "daemon/answers.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "time/span.h"
#include "time/timestamp.h"

#define TOKENS_MAX (ANSWERS_KV_MAX + 8)
#define AFTER_MAX (30 * USEC_PER_DAY)

struct parser {
    const char *name;
    int line;
    char *err;
    size_t errsz;
};

static int fail(struct parser *p, const char *fmt, ...)
{
    int n = snprintf(p->err, p->errsz, "%s:%d: ", p->name, p->line);
    va_list ap;
    va_start(ap, fmt);
    if (n >= 0 && (size_t)n < p->errsz) vsnprintf(p->err + n, p->errsz - n, fmt, ap);
    va_end(ap);
    return -1;
}

/* Splits line (changed in place) into words: blanks separate, "..." quotes (also inside a
 * word: note="a b"), \" and \\ escape inside quotes, # outside quotes ends the line. */
static int split(struct parser *p, char *line, char **tok, size_t *n)
{
    *n = 0;
    char *r = line, *w = line;
    for (;;) {
        while (*r == ' ' || *r == '\t' || *r == '\r') r++;
        if (!*r || *r == '#') return 0;
        if (*n == TOKENS_MAX) return fail(p, "too many words on one line (at most %d)", TOKENS_MAX);
        tok[(*n)++] = w;
        bool quoted = false;
        for (; *r && (quoted || (*r != ' ' && *r != '\t' && *r != '\r' && *r != '#')); r++) {
            if (*r == '"') {
                quoted = !quoted;
            } else if (quoted && *r == '\\' && (r[1] == '"' || r[1] == '\\')) {
                *w++ = *++r;
            } else {
                *w++ = *r;
            }
        }
        if (quoted) return fail(p, "a quote is not closed");
        bool end = !*r || *r == '#';
        *w++ = '\0';
        if (end) return 0;
        r++;
    }
}

static bool parse_date(const char *s, size_t len, int *ymd)
{
    int y, m, d, used = 0;
    char buf[16];
    if (len >= sizeof buf) return false;
    memcpy(buf, s, len);
    buf[len] = '\0';
    if (sscanf(buf, "%4d-%2d-%2d%n", &y, &m, &d, &used) != 3 || (size_t)used != len) return false;
    if (m < 1 || m > 12 || d < 1) return false;
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (d > mdays[m - 1] || (m == 2 && d == 29 && !leap)) return false;
    *ymd = y * 10000 + m * 100 + d;
    return true;
}

static int weekday_of(const char *s, size_t len)
{
    static const char *const names[] = {"sunday", "monday", "tuesday", "wednesday",
                                        "thursday", "friday", "saturday"};
    for (int i = 0; i < 7; i++)
        if (len >= 3 && len <= strlen(names[i]) && !strncasecmp(s, names[i], len)) return i;
    return -1;
}

/* "Mon..Fri", "Sat,Sun", "Mon..Wed,Fri": a bit per day (a range may wrap: Fri..Mon). */
static bool parse_weekdays(const char *s, unsigned *bits)
{
    *bits = 0;
    while (*s) {
        const char *comma = strchr(s, ',');
        size_t len = comma ? (size_t)(comma - s) : strlen(s);
        const char *dots = strstr(s, "..");
        int a, b;
        if (dots && dots < s + len) {
            a = weekday_of(s, (size_t)(dots - s));
            b = weekday_of(dots + 2, len - (size_t)(dots - s) - 2);
        } else {
            a = b = weekday_of(s, len);
        }
        if (a < 0 || b < 0) return false;
        for (int d = a;; d = (d + 1) % 7) {
            *bits |= 1u << d;
            if (d == b) break;
        }
        s += len;
        if (*s == ',') {
            s++;
            if (!*s) return false;
        }
    }
    return *bits != 0;
}

static int parse_days(struct parser *p, const char *s, struct answers_rule *r)
{
    if (!strcmp(s, "*")) {
        r->days = ANSWERS_ANY_DAY;
        return 0;
    }
    if (isdigit((unsigned char)*s)) {
        const char *dots = strstr(s, "..");
        size_t len1 = dots ? (size_t)(dots - s) : strlen(s);
        if (!parse_date(s, len1, &r->first) ||
            (dots ? !parse_date(dots + 2, strlen(dots + 2), &r->last) : (r->last = r->first, 0)))
            return fail(p, "'%s' is not a date or a range of dates (2026-11-03, "
                           "2026-11-03..2026-11-20)", s);
        if (r->last < r->first) return fail(p, "the range '%s' ends before it begins", s);
        r->days = ANSWERS_DATES;
        return 0;
    }
    if (!parse_weekdays(s, &r->weekdays))
        return fail(p, "'%s' is not a day: use *, a date (2026-11-03), a range of dates "
                       "(2026-11-03..2026-11-20) or weekdays (Mon..Fri, Sat,Sun)", s);
    r->days = ANSWERS_WEEKDAYS;
    return 0;
}

static const char *action_of(const char *answer)
{
    static const char *const answers[] = {"done", "skip", "snooze", "kept", "not_yet", "broken"};
    for (size_t i = 0; i < sizeof answers / sizeof answers[0]; i++)
        if (!strcmp(answers[i], answer)) return answers[i];
    return NULL;
}

static bool is_event_word(const char *s)
{
    return !strcmp(s, "checkin") || !strcmp(s, "emit");
}

static int parse_rule(struct parser *p, char **tok, size_t n, struct answers_rule *r)
{
    *r = (struct answers_rule){.line = p->line, .percent = 100, .after = 5 * USEC_PER_MINUTE};
    if (n < 3) return fail(p, "expected DAYS REMINDER ANSWER [PERCENT%%] [after SPAN]");
    if (parse_days(p, tok[0], r) < 0) return -1;
    const char *rem = tok[1];
    const char *star = strchr(rem, '*');
    if (!*rem || strlen(rem) > 256 || (star && star[1]))
        return fail(p, "'%s' is not a reminder: an id, * or a prefix with * at the end "
                       "(promise:*)", rem);
    if (!(r->action = action_of(tok[2])))
        return fail(p, "'%s' is not an answer (done, skip, snooze, kept, not_yet, broken)", tok[2]);
    bool had_percent = false, had_after = false;
    for (size_t i = 3; i < n; i++) {
        size_t len = strlen(tok[i]);
        if (len && tok[i][len - 1] == '%' && !had_percent) {
            char *end;
            long v = strtol(tok[i], &end, 10);
            if (end != tok[i] + len - 1 || !isdigit((unsigned char)*tok[i]) || v < 1 || v > 100)
                return fail(p, "'%s' is not a share: a whole percent from 1%% to 100%%", tok[i]);
            r->percent = (int)v;
            had_percent = true;
        } else if (!strcmp(tok[i], "after") && !had_after) {
            char why[128];
            if (i + 1 == n) return fail(p, "'after' needs a span (after 10min)");
            if (span_parse(tok[++i], &r->after, why, sizeof why) < 0)
                return fail(p, "after: %s", why);
            if (r->after < 0 || r->after > AFTER_MAX)
                return fail(p, "after '%s': at most 30 days", tok[i]);
            had_after = true;
        } else {
            return fail(p, "unexpected '%s' (expected PERCENT%% or after SPAN)", tok[i]);
        }
    }
    if (!(r->reminder = strdup(rem))) return fail(p, "out of memory");
    return 0;
}

static int parse_event(struct parser *p, char **tok, size_t n, size_t word, usec_t now,
                       struct answers_event *e)
{
    *e = (struct answers_event){.line = p->line};
    char when[256], why[256];
    snprintf(when, sizeof when, "%s%s%s", tok[0], word == 2 ? " " : "", word == 2 ? tok[1] : "");
    if (timestamp_parse(when, now, &e->at, why, sizeof why) < 0)
        return fail(p, "%s", why);
    e->emit = !strcmp(tok[word], "emit");
    size_t i = word + 1;
    if (e->emit) {
        if (i == n) return fail(p, "emit needs an event name (emit conflict)");
        const char *name = tok[i++];
        if (strlen(name) > 64 || strchr(name, '='))
            return fail(p, "'%s' is not an event name", name);
        if (!(e->id = strdup(name))) return fail(p, "out of memory");
        if (!(e->kv = calloc(2 * (n - i) + 1, sizeof *e->kv))) return fail(p, "out of memory");
        for (; i < n; i++) {
            char *eq = strchr(tok[i], '=');
            if (!eq || eq == tok[i]) return fail(p, "'%s' is not KEY=VALUE", tok[i]);
            if (!(e->kv[2 * e->n_kv] = strndup(tok[i], (size_t)(eq - tok[i]))) ||
                !(e->kv[2 * e->n_kv + 1] = strdup(eq + 1)))
                return fail(p, "out of memory");
            e->n_kv++;
        }
        return 0;
    }
    for (; i < n; i++) {
        if (!strncmp(tok[i], "mood=", 5)) {
            char *end;
            long m = strtol(tok[i] + 5, &end, 10);
            if (*end || end == tok[i] + 5 || m < 1 || m > 5)
                return fail(p, "'%s': mood is a whole number from 1 to 5", tok[i]);
            e->mood = (int)m;
        } else if (!strncmp(tok[i], "note=", 5)) {
            free(e->note);
            if (!(e->note = strdup(tok[i] + 5))) return fail(p, "out of memory");
        } else if (!e->id && i == word + 1 && !strchr(tok[i], '=')) {
            if (!(e->id = strdup(tok[i]))) return fail(p, "out of memory");
        } else {
            return fail(p, "unexpected '%s' (checkin [ID] [mood=N] [note=\"...\"])", tok[i]);
        }
    }
    return 0;
}

static void event_free(struct answers_event *e)
{
    free(e->id);
    free(e->note);
    for (size_t k = 0; e->kv && k < 2 * e->n_kv; k++) free(e->kv[k]);
    free(e->kv);
}

void answers_free(struct answers *a)
{
    for (size_t i = 0; i < a->n_rules; i++) free(a->rules[i].reminder);
    for (size_t i = 0; i < a->n_events; i++) event_free(&a->events[i]);
    free(a->rules);
    free(a->events);
    memset(a, 0, sizeof *a);
}

static int by_time(const void *x, const void *y)
{
    const struct answers_event *a = x, *b = y;
    if (a->at != b->at) return a->at < b->at ? -1 : 1;
    return a->line - b->line; /* same time: file order */
}

int answers_parse(const char *text, size_t len, const char *name, usec_t now, struct answers *out,
                  char *err, size_t errsz)
{
    memset(out, 0, sizeof *out);
    struct parser p = {.name = name, .err = err, .errsz = errsz};
    size_t cap_r = 0, cap_e = 0;
    const char *s = text, *end = text + len;
    char line[ANSWERS_LINE_MAX + 1];
    char *tok[TOKENS_MAX];
    while (s < end) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        size_t l = nl ? (size_t)(nl - s) : (size_t)(end - s);
        p.line++;
        if (p.line > ANSWERS_LINES_MAX) {
            fail(&p, "too many lines (at most %d)", ANSWERS_LINES_MAX);
            goto bad;
        }
        if (l > ANSWERS_LINE_MAX) {
            fail(&p, "line too long (at most %d bytes)", ANSWERS_LINE_MAX);
            goto bad;
        }
        if (memchr(s, '\0', l)) {
            fail(&p, "a NUL byte: this is not a text file");
            goto bad;
        }
        memcpy(line, s, l);
        line[l] = '\0';
        s = nl ? nl + 1 : end;
        size_t n;
        if (split(&p, line, tok, &n) < 0) goto bad;
        if (n == 0) continue;
        /* "DAY checkin done" answers a reminder named checkin; "TIME checkin [ID]" logs one. */
        bool rule = n > 2 && action_of(tok[2]);
        size_t word = rule ? 0
                      : n > 1 && is_event_word(tok[1]) ? 1
                      : n > 2 && is_event_word(tok[2]) ? 2
                                                        : 0;
        if (word) {
            if (out->n_events == cap_e) {
                cap_e = cap_e ? 2 * cap_e : 16;
                void *v = realloc(out->events, cap_e * sizeof *out->events);
                if (!v) goto oom;
                out->events = v;
            }
            struct answers_event *e = &out->events[out->n_events];
            int r = parse_event(&p, tok, n, word, now, e);
            out->n_events++; /* freed with the rest, also when half made */
            if (r < 0) goto bad;
        } else {
            if (out->n_rules == cap_r) {
                cap_r = cap_r ? 2 * cap_r : 16;
                void *v = realloc(out->rules, cap_r * sizeof *out->rules);
                if (!v) goto oom;
                out->rules = v;
            }
            if (parse_rule(&p, tok, n, &out->rules[out->n_rules]) < 0) goto bad;
            out->n_rules++;
        }
    }
    if (out->n_events) qsort(out->events, out->n_events, sizeof *out->events, by_time);
    return 0;
oom:
    fail(&p, "out of memory");
bad:
    answers_free(out);
    return -1;
}

int answers_load(const char *path, usec_t now, struct answers *out, char *err, size_t errsz)
{
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "r");
    if (!f) return snprintf(err, errsz, "%s: %s", path, strerror(errno)), -1;
    /* The bound of the format, plus one line ending each, and one byte to see it is over. */
    size_t max = (size_t)ANSWERS_LINES_MAX * (ANSWERS_LINE_MAX + 1) + 1;
    size_t cap = 65536, len = 0;
    char *buf = malloc(cap);
    while (buf) {
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0) break;
        if (len == cap) {
            if (cap >= max) break;
            char *v = realloc(buf, cap * 2);
            if (!v) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = v;
            cap *= 2;
        }
    }
    bool ioerr = ferror(f);
    fclose(f);
    if (!buf) return snprintf(err, errsz, "%s: out of memory", path), -1;
    if (ioerr) {
        free(buf);
        return snprintf(err, errsz, "%s: cannot be read", path), -1;
    }
    int r = answers_parse(buf, len, path, now, out, err, errsz);
    free(buf);
    return r;
}

static bool reminder_matches(const char *pattern, const char *id)
{
    size_t n = strlen(pattern);
    if (n && pattern[n - 1] == '*') return !strncmp(pattern, id, n - 1);
    return !strcmp(pattern, id);
}

static bool day_matches(const struct answers_rule *r, const struct tm *tm)
{
    int ymd = (tm->tm_year + 1900) * 10000 + (tm->tm_mon + 1) * 100 + tm->tm_mday;
    switch (r->days) {
    case ANSWERS_DATES: return ymd >= r->first && ymd <= r->last;
    case ANSWERS_WEEKDAYS: return r->weekdays & (1u << tm->tm_wday);
    default: return true;
    }
}

/* splitmix64: small, and the same sequence everywhere for a seed. */
static uint64_t next_random(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

const struct answers_rule *answers_match(const struct answers *a, const char *reminder, usec_t at,
                                         bool (*has_action)(void *ud, const char *action), void *ud,
                                         uint64_t *rng)
{
    time_t t = (time_t)(at / USEC_PER_SEC);
    struct tm tm;
    if (!localtime_r(&t, &tm)) return NULL;
    for (size_t i = 0; i < a->n_rules; i++) {
        const struct answers_rule *r = &a->rules[i];
        if (!reminder_matches(r->reminder, reminder) || !day_matches(r, &tm) ||
            !has_action(ud, r->action))
            continue;
        if (r->percent >= 100 || (int)(next_random(rng) % 100) < r->percent) return r;
    }
    return NULL;
}
