#include "engine/schedule.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Enough to step over a year of quiet-hour drops of a minutely event; past that the reminder is
 * treated as never firing rather than stalling the loop. */
#define PLAN_MAX_STEPS 600000

void reminder_init(struct reminder *r)
{
    *r = (struct reminder){0};
    r->quiet = QUIET_DEFER;
    r->late_cancel = USEC_PER_DAY;
    r->heap_idx = SIZE_MAX;
    r->window_day = -1;
}

void reminder_clear(struct reminder *r)
{
    free(r->drops);
    r->drops = NULL;
}

void schedule_init(struct schedule *s, struct clock *clock, uint64_t seed)
{
    *s = (struct schedule){0};
    s->clock = clock;
    s->seed = seed;
    prng_seed(&s->prng, seed);
}

uint64_t schedule_draw_seed(const struct schedule *s, const char *id, usec_t at)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a over the id, then the instant mixed in */
    for (const unsigned char *p = (const unsigned char *)(id ? id : ""); *p; p++)
        h = (h ^ *p) * 1099511628211ull;
    return s->seed ^ h ^ ((uint64_t)at * 0x9e3779b97f4a7c15ull);
}

void schedule_free(struct schedule *s)
{
    for (size_t i = 0; i < s->n; i++) s->heap[i]->heap_idx = SIZE_MAX;
    free(s->heap);
    s->heap = NULL;
    s->n = s->cap = 0;
}

/* ---- heap ---- */


/* a + b for b >= 0, stopping at USEC_INFINITY (never): spans of rules go up to hundreds of
 * thousands of years, and a time past the end is "never", not a wrap into the past. */
/* 9999-12-31 00:00 UTC. */
#define SCHEDULE_HORIZON ((usec_t)253402214400 * USEC_PER_SEC)

static usec_t sat_add(usec_t a, usec_t b)
{
    return a > USEC_INFINITY - b ? USEC_INFINITY : a + b;
}

static bool earlier(const struct reminder *a, const struct reminder *b)
{
    return a->next < b->next || (a->next == b->next && a->seq < b->seq);
}

static void heap_set(struct schedule *s, size_t i, struct reminder *r)
{
    s->heap[i] = r;
    r->heap_idx = i;
}

static void sift_up(struct schedule *s, size_t i)
{
    struct reminder *r = s->heap[i];
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!earlier(r, s->heap[p])) break;
        heap_set(s, i, s->heap[p]);
        i = p;
    }
    heap_set(s, i, r);
}

static void sift_down(struct schedule *s, size_t i)
{
    struct reminder *r = s->heap[i];
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        const struct reminder *best = r;
        if (l < s->n && earlier(s->heap[l], best)) {
            m = l;
            best = s->heap[l];
        }
        if (l + 1 < s->n && earlier(s->heap[l + 1], best)) m = l + 1;
        if (m == i) break;
        heap_set(s, i, s->heap[m]);
        i = m;
    }
    heap_set(s, i, r);
}

static int heap_push(struct schedule *s, struct reminder *r)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        struct reminder **h = realloc(s->heap, cap * sizeof *h);
        if (!h) return -ENOMEM;
        s->heap = h;
        s->cap = cap;
    }
    heap_set(s, s->n++, r);
    sift_up(s, s->n - 1);
    return 0;
}

void schedule_remove(struct schedule *s, struct reminder *r)
{
    size_t i = r->heap_idx;
    if (i == SIZE_MAX || i >= s->n || s->heap[i] != r) return;
    r->heap_idx = SIZE_MAX;
    struct reminder *last = s->heap[--s->n];
    if (i == s->n) return;
    heap_set(s, i, last);
    if (i > 0 && earlier(last, s->heap[(i - 1) / 2]))
        sift_up(s, i);
    else
        sift_down(s, i);
}

usec_t schedule_next_deadline(const struct schedule *s)
{
    return s->n ? s->heap[0]->next : USEC_INFINITY;
}

static bool quiet_defers(const struct schedule *s, const struct reminder *r, usec_t t);
static usec_t quiet_move(const struct schedule *s, const struct reminder *r, usec_t t,
                         usec_t not_before);

struct reminder *schedule_pop_due(struct schedule *s, usec_t now)
{
    while (s->n && s->heap[0]->next <= now) {
        struct reminder *r = s->heap[0];
        schedule_remove(s, r);
        /* Woken well after its fire (a clock jump, a sleep) inside quiet hours. A wake-up a
         * moment late is not: a fire planned just before quiet hours must not wait a night. */
        if (now - r->next >= USEC_PER_MINUTE && quiet_defers(s, r, now)) {
            r->next = quiet_move(s, r, now, now);
            if (!r->next) { /* its deadline comes first: too late for it now */
                r->done = true;
                continue;
            }
            if (heap_push(s, r) == 0) continue;
        }
        return r;
    }
    return NULL;
}

/* ---- local days ---- */

/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static int64_t local_day(usec_t t, int *sec_of_day)
{
    time_t tt = (time_t)(t / USEC_PER_SEC);
    struct tm tm;
    localtime_r(&tt, &tm);
    if (sec_of_day) *sec_of_day = tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
    return days_from_civil(tm.tm_year + 1900, (unsigned)tm.tm_mon + 1, (unsigned)tm.tm_mday);
}

/* The instant of a local wall time: day number + seconds after midnight (may exceed a day).
 * A wall time inside a DST gap lands after the gap, as mktime resolves it. */
static usec_t local_instant(int64_t day, int sec)
{
    /* Wall-clock fields, not a pile of seconds: glibc adds an overflowing tm_sec as elapsed
     * time at midnight's offset, so 04:00 on a spring-forward day came out as 05:00. */
    day += sec / 86400;
    sec %= 86400;
    struct tm tm = {0};
    tm.tm_year = 70; /* 1970 */
    tm.tm_mday = 1 + (int)day;
    tm.tm_hour = sec / 3600;
    tm.tm_min = sec / 60 % 60;
    tm.tm_sec = sec % 60;
    tm.tm_isdst = -1;
    return (usec_t)mktime(&tm) * USEC_PER_SEC;
}

/* ---- dropped elapses ---- */

/* Remembers that quiet hours dropped r's fire at t (planning goes forward in time, so the list
 * stays in order; a re-plan finding it again, or one taken already, is not added twice). */
static void drop_note(struct reminder *r, usec_t t)
{
    if (!r->drops) {
        /* Lost, not fatal: the fire itself is dropped either way. */
        r->drops = calloc(1, sizeof *r->drops + SCHEDULE_DROPS_MAX * sizeof *r->drops->t);
        if (!r->drops) return;
    }
    struct schedule_drops *d = r->drops;
    if (t <= d->seen || (d->n && t <= d->t[d->n - 1]) || d->n == SCHEDULE_DROPS_MAX) return;
    d->t[d->n++] = t;
}

/* Before a re-plan: drops still ahead are found again (or not, when the plan changed); those
 * already past stay until taken. */
static void drops_keep_past(struct reminder *r, usec_t now)
{
    while (r->drops && r->drops->n && r->drops->t[r->drops->n - 1] > now) r->drops->n--;
}

size_t schedule_take_drops(struct reminder *r, usec_t now, usec_t *out, size_t max)
{
    struct schedule_drops *d = r->drops;
    size_t k = 0;
    while (d && k < d->n && k < max && d->t[k] <= now) {
        out[k] = d->t[k];
        k++;
    }
    if (!k) return 0;
    d->seen = out[k - 1];
    d->n -= (unsigned)k;
    memmove(d->t, d->t + k, d->n * sizeof *d->t);
    return k;
}

/* ---- planning ---- */

int reminder_calendar_next(const struct reminder *r, usec_t after, usec_t *out)
{
    if (!r->nsegs) return calendar_next(r->cal, after, out) < 0 ? -ENOENT : 0;
    bool any = false;
    usec_t best = 0;
    for (size_t i = 0; i < r->nsegs; i++) {
        const struct schedule_segment *g = &r->segs[i];
        usec_t e, from = after;
        if (g->from >= g->until || after >= g->until - 1) continue;
        /* Strictly after `from`, so start a microsecond before the segment opens. */
        if (g->from > 0 && from < g->from - 1) from = g->from - 1;
        if (calendar_next(g->cal, from, &e) < 0 || e >= g->until) continue;
        if (!any || e < best) best = e;
        any = true;
    }
    if (!any) return -ENOENT;
    *out = best;
    return 0;
}

/* The trigger's own next elapse after `after`. */
static int next_base(const struct reminder *r, usec_t after, usec_t *out)
{
    switch (r->trigger) {
    case TRIGGER_CALENDAR:
        /* Whatever the event says, never sooner than the floor after the last fired elapse. */
        if (r->fires > 0 && after >= r->fired_base && after - r->fired_base < SCHEDULE_MIN_GAP - 1)
            after = r->fired_base + SCHEDULE_MIN_GAP - 1;
        return reminder_calendar_next(r, after, out);
    case TRIGGER_EVERY: {
        if (r->span <= 0) return -ENOENT;
        int64_t k = after < r->loaded ? 1 : (after - r->loaded) / r->span + 1;
        if (k < 1) k = 1;
        if (k > (INT64_MAX - r->loaded) / r->span) return -ENOENT;
        *out = r->loaded + k * r->span;
        return 0;
    }
    case TRIGGER_AFTER: {
        /* after("0s") means "as soon as loaded": one microsecond on, so it is still ahead. */
        usec_t at = sat_add(r->loaded, r->span > 0 ? r->span : 1);
        if (r->fires > 0 || at <= after) return -ENOENT;
        *out = at;
        return 0;
    }
    case TRIGGER_AT:
        if (r->fires > 0 || r->at <= after) return -ENOENT;
        *out = r->at;
        return 0;
    }
    return -ENOENT;
}

/* End of the quiet period containing t (t is known to be inside it). */
static usec_t quiet_end(const struct window *q, usec_t t)
{
    int sec;
    int64_t day = local_day(t, &sec);
    if (q->start < q->end || sec < q->end) return local_instant(day, q->end);
    return local_instant(day + 1, q->end);
}

/* Start of the quiet period containing t (t is known to be inside it). */
static usec_t quiet_start(const struct window *q, usec_t t)
{
    int sec;
    int64_t day = local_day(t, &sec);
    if (q->start < q->end || sec >= q->start) return local_instant(day, q->start);
    return local_instant(day - 1, q->start);
}

/* Where quiet hours move a fire of r at t (inside them): to their end; for a reminder whose
 * deadline that end would reach, to a minute before they begin instead ("remind me before the
 * due", never after it), or 0 (dropped) when that is not after not_before. */
static usec_t quiet_move(const struct schedule *s, const struct reminder *r, usec_t t,
                         usec_t not_before)
{
    usec_t end = quiet_end(&s->quiet, t);
    if (!r->before || end < r->before) return end;
    usec_t early = quiet_start(&s->quiet, t) - USEC_PER_MINUTE;
    return early > not_before ? early : 0;
}

/* A fire of r at t would be deferred by quiet hours. */
static bool quiet_defers(const struct schedule *s, const struct reminder *r, usec_t t)
{
    if (!s->has_quiet || r->quiet != QUIET_DEFER) return false;
    int sec;
    local_day(t, &sec);
    return window_contains(&s->quiet, sec);
}

/* Plans r's next fire; with note, the elapses quiet hours drop on the way are remembered in r
 * (a plan that is queued; not a question like schedule_plan). */
static int plan(struct schedule *s, struct reminder *r, usec_t after_base, usec_t not_before,
                bool note, usec_t *out_fire, usec_t *out_base, int64_t *out_day)
{
    int64_t wday = r->window_day;
    usec_t cursor = after_base;
    if (r->has_window && r->trigger == TRIGGER_CALENDAR) {
        /* Days are what the calendar selects: today counts while its window is still ahead,
         * even when today's elapse itself has passed. */
        int64_t today = local_day(not_before, NULL);
        usec_t midnight = local_instant(today, 0) - 1;
        if (midnight < cursor && today > wday) cursor = midnight;
    }
    for (int step = 0; step < PLAN_MAX_STEPS; step++) {
        usec_t base, t;
        if (next_base(r, cursor, &base) < 0) return -ENOENT;
        /* Past the last instant the time language writes (year 9999) a reminder never fires:
         * local times there overflow mktime's and our arithmetic. */
        if (base >= SCHEDULE_HORIZON) return -ENOENT;
        /* Drawn only for a window or jitter (a year's preview plans every elapse). */
        struct prng draw = {0};
        if (r->has_window || r->jitter > 0) prng_seed(&draw, schedule_draw_seed(s, r->id, base));
        int64_t day = -1;
        if (r->has_window) {
            day = local_day(base, NULL);
            usec_t ws = local_instant(day, r->window.start);
            usec_t we = local_instant(day, r->window.start + window_length(&r->window));
            if (day <= wday || we <= not_before + USEC_PER_SEC) {
                /* Once per day, and only while the window is ahead: look at the next day. */
                usec_t next_midnight = local_instant(day + 1, 0) - 1;
                cursor = next_midnight > base ? next_midnight : base;
                if (r->trigger != TRIGGER_CALENDAR && r->trigger != TRIGGER_EVERY) return -ENOENT;
                continue;
            }
            int64_t lo = (ws > not_before ? ws : not_before + 1 + USEC_PER_SEC - 1) / USEC_PER_SEC;
            int64_t hi = we / USEC_PER_SEC; /* exclusive */
            if (hi <= lo) hi = lo + 1;
            t = (lo + (int64_t)prng_below(&draw, (uint64_t)(hi - lo))) * USEC_PER_SEC;
        } else {
            t = base;
        }
        if (r->jitter > 0) t = sat_add(t, (usec_t)prng_below(&draw, (uint64_t)r->jitter));
        if (t >= SCHEDULE_HORIZON) return -ENOENT;
        if (s->has_quiet && r->quiet != QUIET_IGNORE) {
            int sec;
            local_day(t, &sec);
            if (window_contains(&s->quiet, sec)) {
                if (r->quiet == QUIET_DROP) {
                    if (note) drop_note(r, t);
                    cursor = base;
                    if (r->has_window) wday = day;
                    if (r->trigger == TRIGGER_AFTER || r->trigger == TRIGGER_AT) return -ENOENT;
                    continue;
                }
                t = quiet_move(s, r, t, not_before);
                if (!t) { /* before its deadline there is no time left outside quiet hours */
                    cursor = base;
                    if (r->has_window) wday = day;
                    if (r->trigger == TRIGGER_AFTER || r->trigger == TRIGGER_AT) return -ENOENT;
                    continue;
                }
            }
        }
        if (t <= not_before) {
            /* Already past (a late start or a slow callback): take the next elapse. */
            cursor = base;
            if (r->has_window) wday = day;
            if (r->trigger == TRIGGER_AFTER || r->trigger == TRIGGER_AT) return -ENOENT;
            continue;
        }
        *out_fire = t;
        *out_base = base;
        *out_day = day;
        return 0;
    }
    return -ENOENT;
}

int schedule_plan(struct schedule *s, struct reminder *r, usec_t after, usec_t *out)
{
    usec_t base;
    int64_t day;
    return plan(s, r, after, after, false, out, &base, &day);
}

static int queue(struct schedule *s, struct reminder *r, usec_t after_base, usec_t not_before)
{
    usec_t fire, base;
    int64_t day;
    drops_keep_past(r, clock_now(s->clock));
    if (plan(s, r, after_base, not_before, true, &fire, &base, &day) < 0) {
        r->done = true;
        return -ENOENT;
    }
    r->next = fire;
    r->base = base;
    if (r->has_window) r->window_day = day;
    return heap_push(s, r);
}

int schedule_add(struct schedule *s, struct reminder *r)
{
    usec_t now = clock_now(s->clock);
    r->loaded = now;
    r->fired_base = now;
    r->done = false;
    r->fires = 0;
    r->window_day = -1;
    if (r->drops) r->drops->n = 0;
    /* Set once: a re-armed reminder keeps its place among equal times, so ties fire in the
     * order the rules registered them, whatever fired before. */
    r->seq = s->seq++;
    return queue(s, r, now, now);
}

int schedule_rearm(struct schedule *s, struct reminder *r)
{
    r->fires++;
    if (r->done) return -ENOENT;
    if (r->trigger == TRIGGER_AFTER || r->trigger == TRIGGER_AT) {
        r->done = true;
        return -ENOENT;
    }
    usec_t now = clock_now(s->clock);
    r->fired_base = r->base;
    return queue(s, r, r->base, now);
}

static int by_seq(const void *a, const void *b)
{
    const struct reminder *x = *(struct reminder *const *)a, *y = *(struct reminder *const *)b;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Re-plans one queued reminder whose fire is still ahead, without going back before the
 * elapse it was waiting for: that one has not fired, and everything before it has. */
static void replan(struct schedule *s, struct reminder *r, usec_t now)
{
    usec_t fire, base;
    int64_t day;
    int rc;
    drops_keep_past(r, now);
    if (r->has_window) {
        /* The planned day is open again (it has not fired), earlier days stay closed. */
        r->window_day = local_day(r->base, NULL) - 1;
        rc = plan(s, r, r->base - 1, now, true, &fire, &base, &day);
    } else {
        /* Elapses after the last fired one have not fired. From now when that is later (a
         * zone change moves wall times: 20:30 in the new zone may come before the planned
         * one), but not past the planned elapse: it may be behind us already (a jump into its
         * jitter or deferral), and then fires now rather than being skipped. */
        usec_t from = now < r->base - 1 ? now : r->base - 1;
        if (from < r->fired_base) from = r->fired_base;
        rc = plan(s, r, from, from, true, &fire, &base, &day);
        if (rc == 0 && fire <= now)
            fire = quiet_defers(s, r, now) ? quiet_move(s, r, now, now) : now;
    }
    if (rc < 0 || !fire) {
        r->done = true;
        return;
    }
    r->next = fire;
    r->base = base;
    if (r->has_window) r->window_day = day;
    heap_push(s, r);
}

void schedule_replan_all(struct schedule *s)
{
    size_t n = s->n;
    struct reminder **all = malloc((n ? n : 1) * sizeof *all);
    if (!all) return;
    for (size_t i = 0; i < n; i++) all[i] = s->heap[i];
    /* Keep the order of insertion so the PRNG draws are repeatable. */
    qsort(all, n, sizeof *all, by_seq);
    usec_t now = clock_now(s->clock);
    s->n = 0;
    for (size_t i = 0; i < n; i++) {
        struct reminder *r = all[i];
        r->heap_idx = SIZE_MAX;
        if (r->next <= now) {
            /* The clock jumped over it: it fires now, once; re-arming after that fire skips
             * the other elapses that were jumped over (systemd does the same). */
            heap_push(s, r);
            continue;
        }
        replan(s, r, now);
    }
    free(all);
}

int schedule_reserve(struct schedule *s, size_t n)
{
    if (n <= s->cap) return 0;
    struct reminder **h = realloc(s->heap, n * sizeof *h);
    if (!h) return -ENOMEM;
    s->heap = h;
    s->cap = n;
    return 0;
}

void schedule_replan(struct schedule *s, struct reminder *r)
{
    if (r->heap_idx == SIZE_MAX) return;
    schedule_remove(s, r);
    usec_t now = clock_now(s->clock);
    if (r->next <= now)
        heap_push(s, r);
    else
        replan(s, r, now);
}

int schedule_restore(struct schedule *s, struct reminder *r, const struct reminder *from)
{
    schedule_remove(s, r);
    r->loaded = from->loaded;
    r->base = from->base;
    r->fired_base = from->fired_base;
    r->next = from->next;
    r->window_day = from->window_day;
    r->fires = from->fires;
    r->done = false;
    /* Its dropped elapses not yet taken go with it, and none taken comes back. */
    if (from->drops) {
        reminder_clear(r);
        r->drops = calloc(1, sizeof *r->drops + SCHEDULE_DROPS_MAX * sizeof *r->drops->t);
        if (r->drops)
            memcpy(r->drops, from->drops, sizeof *r->drops + from->drops->n * sizeof *r->drops->t);
    }
    return heap_push(s, r);
}

int schedule_add_due(struct schedule *s, struct reminder *r, usec_t missed)
{
    usec_t now = clock_now(s->clock);
    r->loaded = now;
    r->fired_base = missed;
    r->done = false;
    r->fires = 0;
    r->window_day = -1;
    r->seq = s->seq++;
    r->base = missed;
    r->next = now;
    return heap_push(s, r);
}

usec_t schedule_latest_elapse(const struct reminder *r, usec_t now)
{
    usec_t latest = r->base, e;
    if (latest > now) return latest;
    if (r->trigger == TRIGGER_EVERY && r->span > 0) {
        if (now >= r->loaded) latest = r->loaded + (now - r->loaded) / r->span * r->span;
        return latest > r->base ? latest : r->base;
    }
    /* Bounded: a minutely event over weeks of sleep still ends quickly enough. */
    for (int i = 0; i < 100000 && next_base(r, latest, &e) == 0 && e <= now; i++) latest = e;
    return latest;
}
