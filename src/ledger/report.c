/* The ledger's figures: day numbering, streaks, phases, the report's days (see report.h). */
#include "ledger/report.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ledger/internal.h"

int64_t ledger_day_of(usec_t t)
{
    time_t tt = (time_t)(t / USEC_PER_SEC);
    if (t < 0 && t % USEC_PER_SEC) tt--; /* floor: the instant before 1970 is still Dec 31 */
    struct tm tm;
    localtime_r(&tt, &tm);
    /* Days since 1970 of the local date: timegm on the local date's fields at midnight, which
     * is a whole number of days (exact division, also before 1970). */
    tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
    tm.tm_isdst = 0;
    return (int64_t)(timegm(&tm) / 86400);
}

const char *ledger_phase(usec_t since, usec_t now)
{
    usec_t elapsed = now - since;
    if (elapsed < REPORT_PHASE_WEEKS_END) return "first weeks";
    if (elapsed < REPORT_PHASE_MONTHS_END) return "first months";
    return "maintenance";
}

/* The streak's facts per local day over the whole history (the report's range is shorter):
 * check-ins due and done, from the fires; journal days, from the journal. Both arrive oldest
 * first, as two sequences. */
struct daystat {
    int64_t day;
    int due, done;
};

struct daystats {
    struct daystat *v;
    size_t n, cap;
    bool oom;
};

static struct daystat *daystats_at(struct daystats *s, int64_t day)
{
    /* Rows come oldest first, so a repeat is the day just added. */
    if (s->n && s->v[s->n - 1].day == day) return &s->v[s->n - 1];
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 256;
        struct daystat *v = realloc(s->v, cap * sizeof *v);
        if (!v) {
            s->oom = true;
            return NULL;
        }
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n] = (struct daystat){.day = day};
    return &s->v[s->n++];
}

static int cmp_daystat(const void *a, const void *b)
{
    int64_t x = ((const struct daystat *)a)->day, y = ((const struct daystat *)b)->day;
    return (x > y) - (x < y);
}

/* Local midnight starting day `day` (ledger_day_of's numbering). */
static usec_t day_start(int64_t day)
{
    time_t t = (time_t)(day * 86400);
    struct tm tm;
    gmtime_r(&t, &tm);
    tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
    tm.tm_isdst = -1;
    return (usec_t)mktime(&tm) * USEC_PER_SEC;
}

/* The local days a pause touches, up to today. */
struct dayspan {
    int64_t first, last;
};

static struct dayspan pause_days(const struct ledger_pause *p, usec_t now)
{
    usec_t end = p->until > now ? now : p->until - 1;
    return (struct dayspan){ledger_day_of(p->from), ledger_day_of(end < p->from ? p->from : end)};
}

static bool day_paused(const struct pause_list *pl, usec_t now, int64_t day)
{
    for (size_t i = 0; i < pl->n; i++) {
        struct dayspan s = pause_days(&pl->v[i], now);
        if (day >= s.first && day <= s.last) return true;
    }
    return false;
}

/* The forgiving streak (SPEC 2.4). A day counts when every check-in due that day was done (a
 * journal entry that day does them all); a day with nothing due, and a paused day, is neutral:
 * it neither breaks nor extends a run. Today breaks nothing while its check-ins may still come.
 * *current is the run still unbroken at today, *best the longest up to today. The journal days
 * jd (sorted) merge into the fire days fd (sorted here). */
static void streaks(struct daystats *fd, const struct daystats *jd, const struct pause_list *pl,
                    usec_t now, int *current, int *best)
{
    int64_t today = ledger_day_of(now);
    if (fd->n) qsort(fd->v, fd->n, sizeof *fd->v, cmp_daystat);
    *current = *best = 0;
    int run = 0;
    size_t i = 0, j = 0;
    while (i < fd->n || j < jd->n) {
        int64_t day = i < fd->n && (j >= jd->n || fd->v[i].day <= jd->v[j].day) ? fd->v[i].day
                                                                              : jd->v[j].day;
        int due = 0, done = 0;
        bool journal = false;
        for (; i < fd->n && fd->v[i].day == day; i++) {
            due += fd->v[i].due;
            done += fd->v[i].done;
        }
        for (; j < jd->n && jd->v[j].day == day; j++) journal = true;
        if (day > today) break;
        if (day_paused(pl, now, day)) continue;
        if (journal || (due > 0 && done >= due)) {
            if (++run > *best) *best = run;
        } else if (due > 0 && day != today) {
            run = 0;
        }
    }
    *current = run;
}

/* One walk over the history serves both the streak alone (r NULL) and the whole report. */
struct walk {
    struct ledger_report *r;
    int64_t first; /* the first day of the report's range */
    struct daystats fires, journal;
};

static struct report_day *day_slot(struct walk *w, usec_t t)
{
    if (!w->r) return NULL;
    int64_t i = ledger_day_of(t) - w->first;
    return i >= 0 && i < w->r->ndays ? &w->r->days[i] : NULL;
}

/* A snoozed or "not yet" fire is shown again as a fire of its own: counting both would ask
 * twice for one thing. A silenced fire asked nothing (a conversation already logged, quiet
 * hours, a pause): it is not due, so it is never missed. */
static bool not_counted(const char *answer)
{
    return answer && (!strcmp(answer, "snoozed") || !strcmp(answer, "not_yet") ||
                      !strcmp(answer, "silenced"));
}

static int fire_cb(void *ud, const struct store_fire *f)
{
    struct walk *w = ud;
    bool done = f->answer && !strcmp(f->answer, "done");
    bool checkin = !strcmp(f->kind, "checkin"), gesture = !strcmp(f->kind, "gesture");
    if (not_counted(f->answer)) return 0;
    if (checkin) {
        struct daystat *s = daystats_at(&w->fires, ledger_day_of(f->fired));
        if (s) {
            s->due++;
            s->done += done;
        }
    }
    struct report_day *d = day_slot(w, f->fired);
    if (!d) return 0;
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
    daystats_at(&w->journal, ledger_day_of(c->at));
    struct report_day *d = day_slot(w, c->at);
    if (d) d->journal++;
    return 0;
}

static int promise_cb(void *ud, const struct store_promise *p)
{
    struct walk *w = ud;
    struct ledger_report *r = w->r;
    if (!strcmp(p->state, "deleted")) return 0; /* the user took it back: neither due nor listed */
    if (p->due <= r->now) {
        struct report_day *d = day_slot(w, p->due);
        if (d) {
            d->promises_due++;
            d->promises_kept += !strcmp(p->state, "kept");
            d->promises_broken += !strcmp(p->state, "broken");
        }
    }
    struct ledger_promise v = {.id = p->id,
                               .key = p->key,
                               .text = p->text,
                               .due = p->due,
                               .source = p->source,
                               .state = p->state};
    return promise_list_add(&r->promises, &v);
}

/* Streams the check-in and gesture fires, then the journal (and, for a report, the promises)
 * through the walk. */
static int walk_history(struct ledger *lg, struct walk *w)
{
    int rc = store_report_fires(lg->st, fire_cb, w);
    if (rc == 0) rc = store_checkins(lg->st, 0, checkin_cb, w);
    if (rc == 0 && w->r) rc = store_promises(lg->st, promise_cb, w);
    if (rc == 0 && (w->fires.oom || w->journal.oom)) rc = -ENOMEM;
    return rc;
}

static void walk_free(struct walk *w)
{
    free(w->fires.v);
    free(w->journal.v);
}

/* The walk's streaks, with every pause up to now. */
static int walk_streaks(struct ledger *lg, struct walk *w, usec_t now, int *current, int *best)
{
    struct pause_list pl;
    int rc = ledger_pauses_between(lg, INT64_MIN, now + 1, &pl);
    if (rc < 0) return rc;
    streaks(&w->fires, &w->journal, &pl, now, current, best);
    pause_list_free(&pl);
    return 0;
}

int ledger_streak(struct ledger *lg, usec_t now, int *current, int *best)
{
    struct walk w = {0};
    int rc = walk_history(lg, &w);
    int cur = 0, b = 0;
    if (rc == 0) rc = walk_streaks(lg, &w, now, &cur, &b);
    walk_free(&w);
    if (current) *current = cur;
    if (best) *best = b;
    return rc;
}

/* A conversation logged with `nudgectl checkin` is the check-in itself, whether or not a prompt
 * came that day; the prompts it made unnecessary count as followed. */
static void settle_checkins(struct report_day *d)
{
    if (d->journal) {
        if (d->checkins_due == 0) d->checkins_due = 1;
        d->checkins_done = d->checkins_due;
    } else {
        d->checkins_done = d->answered_done;
    }
}

int ledger_report_compute(struct ledger *lg, usec_t now, int days, const usec_t *since,
                          struct ledger_report *r)
{
    memset(r, 0, sizeof *r);
    if (days < 1 || days > REPORT_DAYS_MAX) return -EINVAL;
    r->now = now;
    r->ndays = days;
    r->days = calloc((size_t)days, sizeof *r->days);
    if (!r->days) return -ENOMEM;
    int64_t today = ledger_day_of(now);
    struct walk w = {.r = r, .first = today - days + 1};
    for (int i = 0; i < days; i++)
        r->days[i].day = w.first + i;
    if (since) {
        r->has_since = true;
        r->since = *since;
        r->phase = ledger_phase(*since, now);
    }
    int rc = walk_history(lg, &w);
    if (rc == 0) rc = walk_streaks(lg, &w, now, &r->streak, &r->best_streak);
    if (rc == 0) rc = ledger_pauses_between(lg, day_start(w.first), now + 1, &r->pauses);
    walk_free(&w);
    if (rc < 0) {
        ledger_report_free(r);
        return rc;
    }
    for (int i = 0; i < days; i++) {
        settle_checkins(&r->days[i]);
        r->days[i].paused = day_paused(&r->pauses, now, r->days[i].day);
    }
    return 0;
}

void ledger_report_free(struct ledger_report *r)
{
    if (!r) return;
    promise_list_free(&r->promises);
    pause_list_free(&r->pauses);
    free(r->days);
    memset(r, 0, sizeof *r);
}
