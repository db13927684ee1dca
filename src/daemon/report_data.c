/* Day-by-day follow-through from the state database (see report_data.h). */
#include "daemon/report_data.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int64_t report_day_of(usec_t t)
{
    time_t tt = (time_t)(t / USEC_PER_SEC);
    if (t < 0 && t % USEC_PER_SEC) tt--;
    struct tm tm;
    localtime_r(&tt, &tm);
    /* Days since 1970 of the local date: timegm on the local fields (as toolkit_streak). */
    tm.tm_hour = 12;
    tm.tm_min = tm.tm_sec = 0;
    tm.tm_isdst = 0;
    return (int64_t)(timegm(&tm) / 86400);
}

const char *report_phase(usec_t since, usec_t now)
{
    usec_t elapsed = now - since;
    if (elapsed < REPORT_PHASE_WEEKS_END) return "first weeks";
    if (elapsed < REPORT_PHASE_MONTHS_END) return "first months";
    return "maintenance";
}

/* Local days with a done check-in, over the whole history: the streaks need more than the
 * report's range. */
struct dayset {
    int64_t *v;
    size_t n, cap;
    bool oom;
};

static void dayset_add(struct dayset *s, int64_t day)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 256;
        int64_t *v = realloc(s->v, cap * sizeof *v);
        if (!v) {
            s->oom = true;
            return;
        }
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n++] = day;
}

static int cmp_day(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

struct walk {
    struct report_data *r;
    int64_t first; /* the first day of the range */
    struct dayset done;
};

static struct report_day *day_slot(struct walk *w, usec_t t)
{
    int64_t i = report_day_of(t) - w->first;
    return i >= 0 && i < w->r->ndays ? &w->r->days[i] : NULL;
}

/* A snoozed or "not yet" fire is shown again as a fire of its own: counting both would ask
 * twice for one thing. */
static bool deferred(const char *answer)
{
    return answer && (!strcmp(answer, "snoozed") || !strcmp(answer, "not_yet"));
}

static int fire_cb(void *ud, const struct store_fire *f)
{
    struct walk *w = ud;
    bool done = f->answer && !strcmp(f->answer, "done");
    bool checkin = !strcmp(f->kind, "checkin"), gesture = !strcmp(f->kind, "gesture");
    if (checkin && done) dayset_add(&w->done, report_day_of(f->fired));
    struct report_day *d = day_slot(w, f->fired);
    if (!d || deferred(f->answer)) return 0;
    if (checkin) {
        d->checkins_due++;
        d->answered_done += done;
    } else if (gesture) {
        d->gestures_shown++;
        d->gestures_done += done;
    }
    return 0;
}

static int checkin_cb(void *ud, const struct store_checkin *c)
{
    struct walk *w = ud;
    dayset_add(&w->done, report_day_of(c->at));
    struct report_day *d = day_slot(w, c->at);
    if (d) d->journal++;
    return 0;
}

static char *dup_or_empty(const char *s)
{
    return strdup(s ? s : "");
}

static int promise_cb(void *ud, const struct store_promise *p)
{
    struct walk *w = ud;
    struct report_data *r = w->r;
    if (p->due <= r->now) {
        struct report_day *d = day_slot(w, p->due);
        if (d) {
            d->promises_due++;
            d->promises_kept += !strcmp(p->state, "kept");
            d->promises_broken += !strcmp(p->state, "broken");
        }
    }
    struct report_promise *v = realloc(r->promises, (r->npromises + 1) * sizeof *v);
    if (!v) return -ENOMEM;
    r->promises = v;
    struct report_promise *q = &v[r->npromises];
    *q = (struct report_promise){.id = p->id, .due = p->due};
    q->text = dup_or_empty(p->text);
    q->state = dup_or_empty(p->state);
    q->source = dup_or_empty(p->source);
    r->npromises++;
    if (!q->text || !q->state || !q->source) return -ENOMEM;
    return 0;
}

/* Current streak (ending today, or yesterday while today may still come) and the best run,
 * from the sorted, unique done days. */
static void streaks(const struct dayset *s, int64_t today, int *current, int *best)
{
    *current = *best = 0;
    int run = 0;
    for (size_t i = 0; i < s->n; i++) {
        run = i > 0 && s->v[i] == s->v[i - 1] + 1 ? run + 1 : 1;
        if (s->v[i] <= today && run > *best) *best = run;
        /* A run counts as current when it reaches today or yesterday. */
        if (s->v[i] == today || s->v[i] == today - 1) *current = run;
    }
}

int report_data_compute(struct store *st, usec_t now, int days, const usec_t *since,
                        struct report_data *r)
{
    memset(r, 0, sizeof *r);
    if (days < 1 || days > REPORT_DAYS_MAX) return -EINVAL;
    r->now = now;
    r->ndays = days;
    r->days = calloc((size_t)days, sizeof *r->days);
    if (!r->days) return -ENOMEM;
    int64_t today = report_day_of(now);
    struct walk w = {.r = r, .first = today - days + 1};
    for (int i = 0; i < days; i++)
        r->days[i].day = w.first + i;
    if (since) {
        r->has_since = true;
        r->since = *since;
        r->phase = report_phase(*since, now);
    }
    int rc = store_report_fires(st, fire_cb, &w);
    if (rc == 0) rc = store_checkins(st, 0, checkin_cb, &w);
    if (rc == 0) rc = store_promises(st, promise_cb, &w);
    if (rc == 0 && w.done.oom) rc = -ENOMEM;
    if (rc < 0) {
        free(w.done.v);
        report_data_free(r);
        return rc;
    }
    for (int i = 0; i < days; i++) {
        struct report_day *d = &r->days[i];
        /* A conversation logged with `nudgectl checkin` is the check-in itself, whether or not
         * a prompt came that day; the prompts it made unnecessary count as followed. */
        if (d->journal) {
            if (d->checkins_due == 0) d->checkins_due = 1;
            d->checkins_done = d->checkins_due;
        } else {
            d->checkins_done = d->answered_done;
        }
    }
    if (w.done.n) qsort(w.done.v, w.done.n, sizeof *w.done.v, cmp_day);
    size_t u = 0;
    for (size_t i = 0; i < w.done.n; i++)
        if (u == 0 || w.done.v[i] != w.done.v[u - 1]) w.done.v[u++] = w.done.v[i];
    w.done.n = u;
    streaks(&w.done, today, &r->streak, &r->best_streak);
    free(w.done.v);
    return 0;
}

void report_data_free(struct report_data *r)
{
    if (!r) return;
    for (size_t i = 0; i < r->npromises; i++) {
        free(r->promises[i].text);
        free(r->promises[i].state);
        free(r->promises[i].source);
    }
    free(r->promises);
    free(r->days);
    memset(r, 0, sizeof *r);
}
