/* The ledger's figures: day numbering, streaks, phases, the report's days (see report.h). */
#include "ledger/report.h"

#include <errno.h>
#include <stdint.h>
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
    if (rc == 0) rc = walk_streaks(lg, &w, now, &r->streak, &r->best_streak);
    if (rc == 0) rc = ledger_pauses_between(lg, day_start(w.first), now + 1, &r->pauses);
    walk_free(&w);
    if (rc == 0) rc = report_journal(lg, r);
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
    report_notes_free(r);
    pause_list_free(&r->pauses);
    free(r->days);
    memset(r, 0, sizeof *r);
}
