/* The ledger's figures: day numbering, streaks, phases, the report's days (see report.h). */
#include "ledger/report.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ledger/internal.h"
#include "time/span.h"

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

static const struct ledger_phases default_phases = {
    .n = 3,
    .v = {{"early", "first weeks", "3w"},
          {"months", "first months", "6M"},
          {"settled", "six months and on", ""}},
};

void ledger_phases_default(struct ledger_phases *p)
{
    *p = default_phases;
}

/* since + upto on the calendar; a span that does not add up (checked at config, so only
 * past the year 9999) never ends. */
static usec_t phase_end(usec_t since, const char *upto)
{
    usec_t end;
    char err[160];
    if (!*upto || span_add_calendar(since, upto, &end, err, sizeof err) < 0) return USEC_INFINITY;
    return end;
}

void ledger_phase_bounds(const struct ledger_phases *p, usec_t since, int i, usec_t *from,
                         usec_t *until)
{
    if (!p) p = &default_phases;
    usec_t start = since, end = since;
    for (int k = 0; k <= i && k < p->n; k++) {
        start = end;
        end = k == p->n - 1 ? USEC_INFINITY : phase_end(since, p->v[k].upto);
        if (end < start) end = start;
    }
    *from = start;
    *until = end;
}

int ledger_phase_index(const struct ledger_phases *p, usec_t since, usec_t t)
{
    if (!p) p = &default_phases;
    if (t < since) return -1;
    usec_t end = since;
    for (int k = 0; k < p->n - 1; k++) {
        usec_t e = phase_end(since, p->v[k].upto);
        if (e > end) end = e;
        if (t < end) return k;
    }
    return p->n - 1;
}

const char *ledger_phase(const struct ledger_phases *p, usec_t since, usec_t now)
{
    if (!p) p = &default_phases;
    int i = ledger_phase_index(p, since, now);
    return i < 0 ? NULL : p->v[i].label;
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
    /* Rows come oldest first, so most repeats are the day just added. */
    if (s->n && s->v[s->n - 1] == day) return;
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

/* Current streak (ending today, or yesterday while today may still come) and the best run up
 * to today. Sorts and dedups s first: fires and journal entries arrive as two sequences. */
static void dayset_streaks(struct dayset *s, int64_t today, int *current, int *best)
{
    if (s->n) qsort(s->v, s->n, sizeof *s->v, cmp_day);
    size_t u = 0;
    for (size_t i = 0; i < s->n; i++)
        if (u == 0 || s->v[i] != s->v[u - 1]) s->v[u++] = s->v[i];
    s->n = u;
    *current = *best = 0;
    int run = 0;
    for (size_t i = 0; i < s->n; i++) {
        run = i > 0 && s->v[i] == s->v[i - 1] + 1 ? run + 1 : 1;
        if (s->v[i] <= today && run > *best) *best = run;
        /* A run counts as current when it reaches today or yesterday. */
        if (s->v[i] == today || s->v[i] == today - 1) *current = run;
    }
}

/* One walk over the history serves both the streak alone (r NULL) and the whole report. */
struct walk {
    struct ledger_report *r;
    int64_t first; /* the first day of the report's range */
    struct dayset done;
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
    if (checkin && done) dayset_add(&w->done, ledger_day_of(f->fired));
    struct report_day *d = day_slot(w, f->fired);
    if (!d || not_counted(f->answer)) return 0;
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
    dayset_add(&w->done, ledger_day_of(c->at));
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
    if (rc == 0 && w->done.oom) rc = -ENOMEM;
    return rc;
}

int ledger_streak(struct ledger *lg, usec_t now, int *current, int *best)
{
    struct walk w = {0};
    int rc = walk_history(lg, &w);
    int cur = 0, b = 0;
    if (rc == 0) dayset_streaks(&w.done, ledger_day_of(now), &cur, &b);
    free(w.done.v);
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

/* ---- the journal read back: moods by day and the notes (SPEC 2.4) ---- */

struct journal_fill {
    struct ledger_report *r;
    size_t cap;
    bool oom;
};

static int journal_fill_cb(void *ud, const struct store_checkin *e)
{
    struct journal_fill *j = ud;
    struct ledger_report *r = j->r;
    bool has_note = e->note && e->note[0];
    int64_t i = ledger_day_of(e->at) - r->days[0].day;
    if (i < 0 || i >= r->ndays) return 0;
    if (e->mood < 1 && !has_note) return 0; /* a bare check-in: counted above, nothing to read */
    if (e->mood >= 1 && e->mood <= 5) {
        r->days[i].mood_sum += e->mood;
        r->days[i].mood_n++;
    }
    if (r->nnotes == j->cap) {
        size_t cap = j->cap ? 2 * j->cap : 64;
        struct report_note *v = realloc(r->notes, cap * sizeof *v);
        if (!v) return j->oom = true, 1;
        r->notes = v;
        j->cap = cap;
    }
    struct report_note *n = &r->notes[r->nnotes];
    *n = (struct report_note){.id = e->id, .at = e->at, .mood = e->mood};
    if (has_note && !(n->note = strdup(e->note))) return j->oom = true, 1;
    r->nnotes++;
    return 0;
}

/* Fills the days' moods and the notes from the journal of the report's range (the same range
 * as ledger_journal's: a day more is read, the local date decides). */
static int report_journal(struct ledger *lg, struct ledger_report *r)
{
    struct journal_fill j = {.r = r};
    usec_t since = r->now - (usec_t)(r->ndays + 1) * USEC_PER_DAY;
    int rc = store_checkins(lg->st, since, journal_fill_cb, &j);
    return rc < 0 ? rc : j.oom ? -ENOMEM : 0;
}

static void report_notes_free(struct ledger_report *r)
{
    for (size_t i = 0; i < r->nnotes; i++)
        free(r->notes[i].note);
    free(r->notes);
}

int ledger_report_compute(struct ledger *lg, usec_t now, int days, const usec_t *since,
                          const struct ledger_phases *phases,
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
        r->phase = ledger_phase(phases, *since, now);
    }
    int rc = walk_history(lg, &w);
    if (rc == 0) rc = report_journal(lg, r);
    if (rc < 0) {
        free(w.done.v);
        ledger_report_free(r);
        return rc;
    }
    for (int i = 0; i < days; i++)
        settle_checkins(&r->days[i]);
    dayset_streaks(&w.done, today, &r->streak, &r->best_streak);
    free(w.done.v);
    return 0;
}

void ledger_report_free(struct ledger_report *r)
{
    if (!r) return;
    promise_list_free(&r->promises);
    report_notes_free(r);
    free(r->days);
    memset(r, 0, sizeof *r);
}
