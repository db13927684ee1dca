/* Unit tests for src/engine/schedule.c on a simulated clock in Europe/Berlin: heap order,
 * triggers, windows, jitter, quiet hours, seeds, clock jumps and DST days. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/clock.h"
#include "engine/schedule.h"
#include "time/calendar.h"
#include "time/window.h"

#define S USEC_PER_SEC
#define MIN USEC_PER_MINUTE
#define H USEC_PER_HOUR
#define DAY USEC_PER_DAY

/* An instant given in UTC plus the offset Berlin has then (hours): independent of mktime. */
static usec_t utc(int y, int mo, int d, int h, int mi, int s)
{
    struct tm tm = {.tm_year = y - 1900,
                    .tm_mon = mo - 1,
                    .tm_mday = d,
                    .tm_hour = h,
                    .tm_min = mi,
                    .tm_sec = s};
    return (usec_t)timegm(&tm) * S;
}

/* Berlin wall time in winter (CET, +01:00) and summer (CEST, +02:00). */
static usec_t cet(int y, int mo, int d, int h, int mi)
{
    return utc(y, mo, d, h, mi, 0) - 1 * H;
}
static usec_t cest(int y, int mo, int d, int h, int mi)
{
    return utc(y, mo, d, h, mi, 0) - 2 * H;
}

/* Local wall clock of an instant in Berlin (tested zone; the clock arithmetic is libc's). */
static struct tm local(usec_t t)
{
    time_t tt = (time_t)(t / S);
    struct tm tm;
    localtime_r(&tt, &tm);
    return tm;
}
static int sec_of_day(usec_t t)
{
    struct tm tm = local(t);
    return tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
}
/* A per-date key: yyyymmdd of the local date. */
static int ymd(usec_t t)
{
    struct tm tm = local(t);
    return (tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
}

static struct calendar *cal(const char *s)
{
    struct calendar *c = NULL;
    char err[256];
    if (calendar_parse(s, &c, err, sizeof err) < 0) fail_msg("%s", err);
    return c;
}

static struct window win(const char *s)
{
    struct window w;
    char err[256];
    if (window_parse(s, &w, err, sizeof err) < 0) fail_msg("%s", err);
    return w;
}

struct fire {
    struct reminder *r;
    usec_t at;   /* the simulated clock when it was popped */
    usec_t next; /* its planned time */
    usec_t base;
};

/* Drives the schedule like --preview does: jump to each deadline, fire, re-arm. */
static size_t run(struct schedule *s, struct clock_sim *c, usec_t end, struct fire *out, size_t max)
{
    size_t n = 0;
    for (;;) {
        usec_t next = schedule_next_deadline(s);
        if (next >= end) break;
        if (next > c->t) c->t = next;
        struct reminder *r;
        while ((r = schedule_pop_due(s, c->t))) {
            if (n < max) out[n] = (struct fire){r, c->t, r->next, r->base};
            n++;
            schedule_rearm(s, r);
        }
    }
    if (c->t < end) c->t = end;
    return n;
}

static struct reminder rem_at(usec_t at)
{
    struct reminder r;
    reminder_init(&r);
    r.trigger = TRIGGER_AT;
    r.at = at;
    return r;
}

/* ---- heap ---- */

static uint64_t lcg(uint64_t *x)
{
    *x = *x * 6364136223846793005ULL + 1442695040888963407ULL;
    return *x >> 33;
}

static void test_heap_many(void **state)
{
    (void)state;
    enum { N = 100000 };
    struct clock_sim c;
    clock_sim_init(&c, 1000 * S);
    struct schedule s;
    schedule_init(&s, &c.base, 1);
    struct reminder *rs = calloc(N, sizeof *rs);
    assert_non_null(rs);
    uint64_t x = 12345;
    for (size_t i = 0; i < N; i++) {
        /* Few distinct values, so many ties. */
        rs[i] = rem_at((usec_t)(2000 + lcg(&x) % 5000) * S);
        assert_int_equal(schedule_add(&s, &rs[i]), 0);
    }
    assert_int_equal(s.n, N);
    /* Take out every 7th from wherever it sits in the heap. */
    size_t removed = 0;
    for (size_t i = 3; i < N; i += 7) {
        schedule_remove(&s, &rs[i]);
        assert_true(rs[i].heap_idx == SIZE_MAX);
        schedule_remove(&s, &rs[i]); /* twice is harmless */
        removed++;
    }
    assert_int_equal(s.n, N - removed);
    usec_t min = USEC_INFINITY;
    for (size_t i = 0; i < N; i++)
        if ((i - 3) % 7 != 0 || i < 3)
            if (rs[i].at < min) min = rs[i].at;
    assert_true(schedule_next_deadline(&s) == min);
    assert_null(schedule_pop_due(&s, min - 1));

    size_t popped = 0;
    struct reminder *prev = NULL, *r;
    while ((r = schedule_pop_due(&s, USEC_INFINITY - 1))) {
        size_t i = (size_t)(r - rs);
        assert_false(i >= 3 && (i - 3) % 7 == 0);
        if (prev) {
            assert_true(prev->at <= r->at);
            if (prev->at == r->at) assert_true(prev < r); /* insertion order */
        }
        prev = r;
        popped++;
    }
    assert_int_equal(popped, N - removed);
    assert_true(schedule_next_deadline(&s) == USEC_INFINITY);
    schedule_free(&s);
    free(rs);
}

static void test_ties_insertion_order(void **state)
{
    (void)state;
    struct clock_sim c;
    clock_sim_init(&c, cet(2026, 11, 20, 8, 0));
    struct schedule s;
    schedule_init(&s, &c.base, 1);
    struct reminder r[6];
    for (int i = 0; i < 6; i++) {
        reminder_init(&r[i]);
        r[i].trigger = TRIGGER_EVERY;
        r[i].span = 10 * MIN;
        assert_int_equal(schedule_add(&s, &r[i]), 0);
    }
    struct fire f[60];
    size_t n = run(&s, &c, cet(2026, 11, 20, 9, 0) + 1, f, 60);
    assert_int_equal(n, 36);
    for (size_t k = 0; k < n; k++) {
        assert_ptr_equal(f[k].r, &r[k % 6]);
        assert_true(f[k].at == cet(2026, 11, 20, 8, 10) + (usec_t)(k / 6) * 10 * MIN);
    }
    schedule_free(&s);
}

/* ---- triggers ---- */

static void test_every(void **state)
{
    (void)state;
    usec_t t0 = cet(2026, 11, 20, 8, 17) + 3 * S;
    struct clock_sim c;
    clock_sim_init(&c, t0);
    struct schedule s;
    schedule_init(&s, &c.base, 1);
    struct reminder r;
    reminder_init(&r);
    r.trigger = TRIGGER_EVERY;
    r.span = H;
    assert_int_equal(schedule_add(&s, &r), 0);
    assert_true(schedule_next_deadline(&s) == t0 + H); /* first one span after load */
    struct fire f[40];
    size_t n = run(&s, &c, t0 + DAY + 1, f, 40);
    assert_int_equal(n, 24);
    for (size_t k = 0; k < n; k++)
        assert_true(f[k].at == t0 + (usec_t)(k + 1) * H);

    /* A late pop (a slow callback) does not burst: the next fire is the next slot ahead. */
    c.t = t0 + DAY + 3 * H + 30 * MIN;
    struct reminder *p = schedule_pop_due(&s, c.t);
    assert_ptr_equal(p, &r);
    schedule_rearm(&s, p);
    assert_true(schedule_next_deadline(&s) == t0 + DAY + 4 * H);
    assert_int_equal(r.fires, 25);
    schedule_free(&s);
}

static void test_after(void **state)
{
    (void)state;
    usec_t t0 = cet(2026, 11, 20, 8, 0);
    struct clock_sim c;
    clock_sim_init(&c, t0);
    struct schedule s;
    schedule_init(&s, &c.base, 1);
    struct reminder r;
    reminder_init(&r);
    r.trigger = TRIGGER_AFTER;
    r.span = 90 * MIN;
    assert_int_equal(schedule_add(&s, &r), 0);
    struct fire f[4];
    size_t n = run(&s, &c, t0 + 30 * DAY, f, 4);
    assert_int_equal(n, 1);
    assert_true(f[0].at == t0 + 90 * MIN);
    assert_true(r.done);
    assert_true(r.heap_idx == SIZE_MAX);
    usec_t out;
    assert_int_equal(schedule_plan(&s, &r, c.t, &out), -ENOENT);
    schedule_free(&s);
}

static void test_at(void **state)
{
    (void)state;
    usec_t t0 = cet(2026, 11, 20, 8, 0);
    struct clock_sim c;
    clock_sim_init(&c, t0);
    struct schedule s;
    schedule_init(&s, &c.base, 1);
    struct reminder fut = rem_at(cet(2026, 12, 24, 18, 0));
    struct reminder past = rem_at(t0 - S);
    struct reminder now = rem_at(t0);
    assert_int_equal(schedule_add(&s, &fut), 0);
    assert_int_equal(schedule_add(&s, &past), -ENOENT);
    assert_true(past.done);
    assert_true(past.heap_idx == SIZE_MAX);
    assert_int_equal(schedule_add(&s, &now), -ENOENT); /* "at now" is already past */
    assert_int_equal(s.n, 1);
    struct fire f[4];
    size_t n = run(&s, &c, t0 + 365 * DAY, f, 4);
    assert_int_equal(n, 1);
    assert_ptr_equal(f[0].r, &fut);
    assert_true(f[0].at == cet(2026, 12, 24, 18, 0));
    assert_true(fut.done);
    schedule_free(&s);
}

static void test_calendar(void **state)
{
    (void)state;
    usec_t t0 = cet(2026, 11, 20, 12, 0); /* a Friday */
    struct clock_sim c;
    clock_sim_init(&c, t0);
    struct schedule s;
    schedule_init(&s, &c.base, 1);
    struct reminder daily, workdays, never;
    reminder_init(&daily);
    daily.trigger = TRIGGER_CALENDAR;
    daily.cal = cal("*-*-* 09:00");
    reminder_init(&workdays);
    workdays.trigger = TRIGGER_CALENDAR;
    workdays.cal = cal("Mon..Fri 18:30");
    reminder_init(&never);
    never.trigger = TRIGGER_CALENDAR;
    never.cal = cal("2020-01-01 00:00");
    assert_int_equal(schedule_add(&s, &daily), 0);
    assert_int_equal(schedule_add(&s, &workdays), 0);
    assert_int_equal(schedule_add(&s, &never), -ENOENT);
    assert_true(never.done);
    struct fire f[64];
    size_t n = run(&s, &c, cet(2026, 12, 4, 12, 0), f, 64);
    /* Daily: Nov 21 .. Dec 4 = 14 fires. Workdays 18:30: Fri 20, Mon 23 .. Fri 27,
     * Mon 30 .. Thu Dec 3 = 10. */
    size_t nd = 0, nw = 0;
    for (size_t k = 0; k < n; k++) {
        if (f[k].r == &daily) {
            assert_true(f[k].at == cet(2026, 11, 21, 9, 0) + (usec_t)nd * DAY);
            nd++;
        } else {
            assert_ptr_equal(f[k].r, &workdays);
            struct tm tm = local(f[k].at);
            assert_true(tm.tm_wday >= 1 && tm.tm_wday <= 5);
            assert_int_equal(sec_of_day(f[k].at), 18 * 3600 + 30 * 60);
            nw++;
        }
        if (k) assert_true(f[k - 1].at <= f[k].at);
    }
    assert_int_equal(nd, 14);
    assert_int_equal(nw, 10);
    schedule_free(&s);
    calendar_free(daily.cal);
    calendar_free(workdays.cal);
    calendar_free(never.cal);
}

/* ---- windows ---- */

static void check_daily_window(usec_t start, const char *calendar, const char *window,
                               int first_ymd, size_t count)
{
    struct clock_sim c;
    clock_sim_init(&c, start);
    struct schedule s;
    schedule_init(&s, &c.base, 3);
    struct reminder r;
    reminder_init(&r);
    r.trigger = TRIGGER_CALENDAR;
    r.cal = cal(calendar);
    r.has_window = true;
    r.window = win(window);
    assert_int_equal(schedule_add(&s, &r), 0);
    struct fire f[64];
    /* Up to midnight Nov 30: the last window is Nov 29's. */
    size_t n = run(&s, &c, cet(2026, 11, 30, 0, 0), f, 64);
    assert_int_equal(n, count);
    int prev = 0;
    for (size_t k = 0; k < n; k++) {
        assert_true(f[k].at > start);
        assert_true(window_contains(&r.window, sec_of_day(f[k].at)));
        int d = ymd(f[k].at);
        if (k == 0) assert_int_equal(d, first_ymd);
        assert_true(d > prev); /* once per day */
        prev = d;
    }
    schedule_free(&s);
    calendar_free(r.cal);
}

static void test_window_daily(void **state)
{
    (void)state;
    /* Before the window: today counts. */
    check_daily_window(cet(2026, 11, 20, 8, 0), "daily", "10:00..18:00", 20261120, 10);
    /* Inside the window, today's elapse (00:00) already past: today still counts. */
    check_daily_window(cet(2026, 11, 20, 12, 0), "daily", "10:00..18:00", 20261120, 10);
    /* After the window: tomorrow. */
    check_daily_window(cet(2026, 11, 20, 19, 0), "daily", "10:00..18:00", 20261121, 9);
    /* Calendar elapse after the window on the same day: the day is still selected. */
    check_daily_window(cet(2026, 11, 20, 8, 0), "*-*-* 21:00", "10:00..18:00", 20261120, 10);
}

static void test_window_inside_after_now(void **state)
{
    (void)state;
    /* Started at 12:00 inside the window: the fire is after now and before 18:00. */
    for (uint64_t seed = 0; seed < 50; seed++) {
        usec_t t0 = cet(2026, 11, 20, 12, 0);
        struct clock_sim c;
        clock_sim_init(&c, t0);
        struct schedule s;
        schedule_init(&s, &c.base, seed);
        struct reminder r;
        reminder_init(&r);
        r.trigger = TRIGGER_CALENDAR;
        r.cal = cal("daily");
        r.has_window = true;
        r.window = win("10:00..18:00");
        assert_int_equal(schedule_add(&s, &r), 0);
        assert_true(r.next > t0 && r.next < cet(2026, 11, 20, 18, 0));
        schedule_free(&s);
        calendar_free(r.cal);
    }
}

static void test_window_crossing_midnight(void **state)
{
    (void)state;
    usec_t t0 = cet(2026, 11, 20, 12, 0);
    struct clock_sim c;
    clock_sim_init(&c, t0);
    struct schedule s;
    schedule_init(&s, &c.base, 11);
    struct reminder r;
    reminder_init(&r);
    r.trigger = TRIGGER_CALENDAR;
    r.cal = cal("daily");
    r.has_window = true;
    r.window = win("22:30..07:30");
    assert_int_equal(schedule_add(&s, &r), 0);
    struct fire f[64];
    size_t n = run(&s, &c, cet(2026, 11, 30, 12, 0), f, 64);
    assert_int_equal(n, 10); /* windows opening Nov 20 .. Nov 29 */
    for (size_t k = 0; k < n; k++) {
        int sec = sec_of_day(f[k].at);
        assert_true(sec >= 22 * 3600 + 1800 || sec < 7 * 3600 + 1800);
        /* The window a fire belongs to opened on the day of (fire - 7h30). */
        usec_t opened = f[k].at - (7 * H + 30 * MIN);
        assert_int_equal(ymd(opened), ymd(cet(2026, 11, 20, 12, 0) + (usec_t)k * DAY));
    }
    schedule_free(&s);
    calendar_free(r.cal);
}

static void test_window_weekdays(void **state)
{
    (void)state;
    usec_t t0 = cet(2026, 11, 20, 12, 0); /* Friday, inside the window */
    struct clock_sim c;
    clock_sim_init(&c, t0);
    struct schedule s;
    schedule_init(&s, &c.base, 5);
    struct reminder r, sat;
    reminder_init(&r);
    r.trigger = TRIGGER_CALENDAR;
    r.cal = cal("Mon,Wed,Fri");
    r.has_window = true;
    r.window = win("10:00..14:00");
    reminder_init(&sat);
    sat.trigger = TRIGGER_CALENDAR;
    sat.cal = cal("Sat 20:00");
    sat.has_window = true;
    sat.window = win("09:00..12:00");
    assert_int_equal(schedule_add(&s, &r), 0);
    assert_int_equal(schedule_add(&s, &sat), 0);
    struct fire f[64];
    size_t n = run(&s, &c, t0 + 21 * DAY - 3 * USEC_PER_HOUR, f, 64);
    /* Fri 20 (today, window still ahead), then Mon/Wed/Fri of the next three weeks minus the
     * last Friday (Dec 11 09:00, before its window, is the end): 23,25,27,30,2,4,7,9 = 8, plus today = 9;
     * Saturdays 21, 28, Dec 5 = 3. */
    size_t nr = 0, ns = 0;
    int prev = 0;
    for (size_t k = 0; k < n; k++) {
        struct tm tm = local(f[k].at);
        if (f[k].r == &r) {
            assert_true(tm.tm_wday == 1 || tm.tm_wday == 3 || tm.tm_wday == 5);
            assert_true(window_contains(&r.window, sec_of_day(f[k].at)));
            assert_true(ymd(f[k].at) > prev);
            prev = ymd(f[k].at);
            nr++;
        } else {
            assert_int_equal(tm.tm_wday, 6);
            assert_true(window_contains(&sat.window, sec_of_day(f[k].at)));
            ns++;
        }
    }
    assert_int_equal(nr, 9);
    assert_int_equal(ns, 3);
    schedule_free(&s);
    calendar_free(r.cal);
    calendar_free(sat.cal);
}

/* ---- jitter ---- */

static void test_jitter(void **state)
{
    (void)state;
    usec_t t0 = cet(2026, 11, 20, 0, 0);
    struct clock_sim c;
    clock_sim_init(&c, t0);
    struct schedule s;
    schedule_init(&s, &c.base, 8);
    struct reminder r;
    reminder_init(&r);
    r.trigger = TRIGGER_EVERY;
    r.span = H;
    r.jitter = 10 * MIN;
    assert_int_equal(schedule_add(&s, &r), 0);
    static struct fire f[600];
    size_t n = run(&s, &c, t0 + 500 * H + 30 * MIN, f, 600);
    assert_int_equal(n, 500);
    usec_t lo = USEC_INFINITY, hi = 0;
    for (size_t k = 0; k < n; k++) {
        usec_t base = t0 + (usec_t)(k + 1) * H;
        usec_t d = f[k].at - base;
        assert_true(d >= 0 && d < 10 * MIN);
        if (d < lo) lo = d;
        if (d > hi) hi = d;
    }
    assert_true(lo < MIN && hi > 9 * MIN); /* spread over the range */
    schedule_free(&s);
}

/* ---- quiet hours ---- */

static struct reminder daily_at(const char *when, enum quiet_mode q)
{
    struct reminder r;
    reminder_init(&r);
    r.trigger = TRIGGER_CALENDAR;
    r.cal = cal(when);
    r.quiet = q;
    return r;
}

static void test_quiet_defer(void **state)
{
    (void)state;
    usec_t t0 = cet(2026, 11, 20, 12, 0);
    struct clock_sim c;
    clock_sim_init(&c, t0);
    struct schedule s;
    schedule_init(&s, &c.base, 1);
    s.has_quiet = true;
    s.quiet = win("22:00..07:00");
    struct reminder late = daily_at("*-*-* 23:15", QUIET_DEFER);
    struct reminder early = daily_at("*-*-* 06:00", QUIET_DEFER);
    struct reminder day = daily_at("*-*-* 21:00", QUIET_DEFER);
    assert_int_equal(schedule_add(&s, &late), 0);
    assert_int_equal(schedule_add(&s, &early), 0);
    assert_int_equal(schedule_add(&s, &day), 0);
    /* 23:15 crosses midnight to 07:00 the next day; 06:00 moves to 07:00 the same day. */
    assert_true(late.next == cet(2026, 11, 21, 7, 0));
    assert_true(early.next == cet(2026, 11, 21, 7, 0));
    assert_true(day.next == cet(2026, 11, 20, 21, 0));
    struct fire f[64];
    size_t n = run(&s, &c, cet(2026, 11, 23, 12, 0), f, 64);
    assert_int_equal(n, 3 * 3);
    for (size_t k = 0; k < n; k++) {
        if (f[k].r == &day)
            assert_int_equal(sec_of_day(f[k].at), 21 * 3600);
        else
            assert_int_equal(sec_of_day(f[k].at), 7 * 3600);
    }
    schedule_free(&s);
    calendar_free(late.cal);
    calendar_free(early.cal);
    calendar_free(day.cal);
}

/* A promise's reminder before its due (SPEC 2.3): quiet hours 22:30..07:30 that would defer
 * it to or past the due move it to a minute before they begin, or drop it when that is past;
 * never a reminder after the due. Times on 2026-12-01 (CET) and the next day. */
static void test_quiet_before_due(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        int now_d, now_h, now_m;    /* the clock when it is planned */
        int at_d, at_h, at_m;       /* the reminder's own time */
        int due_d, due_h, due_m;    /* its deadline (0: none) */
        int want_d, want_h, want_m; /* -1: dropped */
    } rows[] = {
        {"outside quiet hours: as planned", 1, 12, 0, 1, 20, 0, 1, 22, 0, 1, 20, 0},
        {"deferred to 07:30, still before the due", 1, 12, 0, 1, 23, 0, 2, 9, 0, 2, 7, 30},
        {"deferred to the due exactly: moved before quiet", 1, 12, 0, 1, 23, 0, 2, 7, 30, 1, 22, 29},
        {"due 02:54, the 2h reminder at 00:54: 22:29", 1, 12, 0, 2, 0, 54, 2, 2, 54, 1, 22, 29},
        {"due 02:54, the 1d reminder at 02:54 the day before: 07:30", 1, 0, 0, 1, 2, 54, 2, 2, 54, 1, 7, 30},
        {"no deadline: deferred past it as ever", 1, 12, 0, 2, 0, 54, 0, 0, 0, 2, 7, 30},
        {"moved time already past: dropped", 1, 22, 45, 2, 0, 54, 2, 2, 54, -1, 0, 0},
        {"planned at 22:29 itself: dropped (not after now)", 1, 22, 29, 2, 0, 54, 2, 2, 54, -1, 0, 0},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct clock_sim c;
        clock_sim_init(&c, cet(2026, 12, rows[i].now_d, rows[i].now_h, rows[i].now_m));
        struct schedule s;
        schedule_init(&s, &c.base, 1);
        s.has_quiet = true;
        s.quiet = win("22:30..07:30");
        struct reminder r;
        reminder_init(&r);
        r.trigger = TRIGGER_AT;
        r.at = cet(2026, 12, rows[i].at_d, rows[i].at_h, rows[i].at_m);
        if (rows[i].due_d) r.before = cet(2026, 12, rows[i].due_d, rows[i].due_h, rows[i].due_m);
        int rc = schedule_add(&s, &r);
        if (rows[i].want_d < 0) {
            if (rc != -ENOENT) fail_msg("%s: planned, not dropped", rows[i].name);
        } else {
            usec_t want = cet(2026, 12, rows[i].want_d, rows[i].want_h, rows[i].want_m);
            if (rc != 0 || r.next != want)
                fail_msg("%s: rc %d, at %lld min off", rows[i].name, rc,
                         (long long)(((int64_t)r.next - (int64_t)want) / MIN));
        }
        schedule_free(&s);
    }
}

/* Woken late inside quiet hours (a sleep) with the due ahead past their end: too late to
 * remind before it, so dropped rather than shown after the due. */
static void test_quiet_before_due_late_wake(void **state)
{
    (void)state;
    struct clock_sim c;
    clock_sim_init(&c, cet(2026, 12, 1, 12, 0));
    struct schedule s;
    schedule_init(&s, &c.base, 1);
    s.has_quiet = true;
    s.quiet = win("22:30..07:30");
    struct reminder r;
    reminder_init(&r);
    r.trigger = TRIGGER_AT;
    r.at = cet(2026, 12, 1, 21, 0);
    r.before = cet(2026, 12, 2, 2, 54);
    assert_int_equal(schedule_add(&s, &r), 0);
    assert_true(schedule_pop_due(&s, cet(2026, 12, 1, 23, 30)) == NULL);
    assert_true(r.done);
    assert_true(schedule_next_deadline(&s) == USEC_INFINITY);
    schedule_free(&s);
}

static void test_quiet_drop_ignore(void **state)
{
    (void)state;
    usec_t t0 = cet(2026, 11, 20, 12, 0);
    struct clock_sim c;
    clock_sim_init(&c, t0);
    struct schedule s;
    schedule_init(&s, &c.base, 1);
    s.has_quiet = true;
    s.quiet = win("22:00..07:00");
    struct reminder hourly = daily_at("hourly", QUIET_DROP);
    struct reminder ign = daily_at("*-*-* 23:15", QUIET_IGNORE);
    assert_int_equal(schedule_add(&s, &hourly), 0);
    assert_int_equal(schedule_add(&s, &ign), 0);
    struct fire f[128];
    size_t n = run(&s, &c, cet(2026, 11, 22, 12, 0), f, 128);
    size_t nh = 0, ni = 0;
    for (size_t k = 0; k < n; k++) {
        int sec = sec_of_day(f[k].at);
        if (f[k].r == &hourly) {
            assert_true(sec >= 7 * 3600 && sec < 22 * 3600);
            nh++;
        } else {
            assert_int_equal(sec, 23 * 3600 + 15 * 60);
            ni++;
        }
    }
    /* 13:00..21:00 (9) on the 20th, 07:00..21:00 (15) on the 21st, 07:00..11:00 (5). */
    assert_int_equal(nh, 9 + 15 + 5);
    assert_int_equal(ni, 2);
    schedule_free(&s);
    reminder_clear(&hourly); /* the dropped elapses it remembers for the history */
    reminder_clear(&ign);
    calendar_free(hourly.cal);
    calendar_free(ign.cal);
}

/* A drop reminder whose every fire is quiet never fires; saying so must not take long. */
static void test_quiet_drop_never(void **state)
{
    (void)state;
    usec_t t0 = cet(2026, 11, 20, 12, 0);
    struct clock_sim c;
    clock_sim_init(&c, t0);
    struct schedule s;
    schedule_init(&s, &c.base, 1);
    s.has_quiet = true;
    s.quiet = win("22:00..07:00");
    struct reminder r = daily_at("*-*-* 23:15", QUIET_DROP);
    struct reminder at = rem_at(cet(2026, 11, 20, 23, 0));
    at.quiet = QUIET_DROP;
    /* Every elapse falls in quiet hours: the answer is "never" (a search that did not end
     * would hang here and fail on ctest's timeout). */
    assert_int_equal(schedule_add(&s, &r), -ENOENT);
    assert_int_equal(schedule_add(&s, &at), -ENOENT);
    assert_int_equal(s.n, 0);
    schedule_free(&s);
    reminder_clear(&r);
    reminder_clear(&at);
    calendar_free(r.cal);
}

/* ---- seeds ---- */

static size_t plan_with_seed(uint64_t seed, usec_t *out, size_t max)
{
    usec_t t0 = cet(2026, 11, 20, 8, 0);
    struct clock_sim c;
    clock_sim_init(&c, t0);
    struct schedule s;
    schedule_init(&s, &c.base, seed);
    struct reminder a, b;
    reminder_init(&a);
    a.trigger = TRIGGER_CALENDAR;
    a.cal = cal("daily");
    a.has_window = true;
    a.window = win("10:00..18:00");
    reminder_init(&b);
    b.trigger = TRIGGER_EVERY;
    b.span = 3 * H;
    b.jitter = H;
    schedule_add(&s, &a);
    schedule_add(&s, &b);
    struct fire f[128];
    size_t n = run(&s, &c, t0 + 7 * DAY, f, 128);
    for (size_t k = 0; k < n && k < max; k++)
        out[k] = f[k].at;
    schedule_free(&s);
    calendar_free(a.cal);
    return n;
}

static void test_seed(void **state)
{
    (void)state;
    usec_t x[128], y[128], z[128];
    size_t nx = plan_with_seed(1, x, 128), ny = plan_with_seed(1, y, 128);
    size_t nz = plan_with_seed(2, z, 128);
    assert_int_equal(nx, ny);
    /* 7 window days; every 3h: 3h..165h after the start (168h has jitter >= 0: at the end). */
    assert_int_equal(nx, 7 + 55);
    assert_memory_equal(x, y, nx * sizeof *x);
    assert_int_equal(nz, nx);
    size_t differ = 0;
    for (size_t k = 0; k < nx; k++)
        differ += x[k] != z[k];
    assert_true(differ > nx / 2);
}

/* ---- clock jumps ---- */

static void test_replan_jumps_calendar(void **state)
{
    (void)state;
    struct clock_sim c;
    clock_sim_init(&c, cet(2026, 11, 20, 8, 0));
    struct schedule s;
    schedule_init(&s, &c.base, 1);
    struct reminder r = daily_at("*-*-* 09:00", QUIET_DEFER);
    struct reminder at = rem_at(cet(2026, 11, 20, 9, 30));
    assert_int_equal(schedule_add(&s, &r), 0);
    assert_int_equal(schedule_add(&s, &at), 0);

    /* Forward over both fires (a suspend, or the clock set): each fires once, now. */
    c.t = cet(2026, 11, 20, 10, 0);
    schedule_replan_all(&s);
    struct fire f[16];
    size_t n = run(&s, &c, cet(2026, 11, 20, 10, 0) + 1, f, 16);
    assert_int_equal(n, 2);
    assert_ptr_equal(f[0].r, &r);
    assert_ptr_equal(f[1].r, &at);
    assert_true(f[0].at == cet(2026, 11, 20, 10, 0));
    assert_true(r.next == cet(2026, 11, 21, 9, 0));

    /* Fire on the 21st at 09:00, then the clock goes back an hour: no second 09:00. */
    n = run(&s, &c, cet(2026, 11, 21, 9, 30), f, 16);
    assert_int_equal(n, 1);
    assert_true(f[0].at == cet(2026, 11, 21, 9, 0));
    c.t = cet(2026, 11, 21, 8, 0);
    schedule_replan_all(&s);
    n = run(&s, &c, cet(2026, 11, 21, 23, 0), f, 16);
    assert_int_equal(n, 0);
    n = run(&s, &c, cet(2026, 11, 22, 23, 0), f, 16);
    assert_int_equal(n, 1);
    assert_true(f[0].at == cet(2026, 11, 22, 9, 0));

    /* Back before a fire that has not happened yet: it still happens at its time. */
    c.t = cet(2026, 11, 23, 8, 0);
    n = run(&s, &c, cet(2026, 11, 23, 8, 30), f, 16);
    c.t = cet(2026, 11, 23, 7, 0);
    schedule_replan_all(&s);
    n = run(&s, &c, cet(2026, 11, 23, 12, 0), f, 16);
    assert_int_equal(n, 1);
    assert_true(f[0].at == cet(2026, 11, 23, 9, 0));
    schedule_free(&s);
    calendar_free(r.cal);
}

static void test_replan_jumps_every_window(void **state)
{
    (void)state;
    usec_t t0 = cet(2026, 11, 20, 8, 0);
    struct clock_sim c;
    clock_sim_init(&c, t0);
    struct schedule s;
    schedule_init(&s, &c.base, 9);
    struct reminder ev, w;
    reminder_init(&ev);
    ev.trigger = TRIGGER_EVERY;
    ev.span = H;
    reminder_init(&w);
    w.trigger = TRIGGER_CALENDAR;
    w.cal = cal("daily");
    w.has_window = true;
    w.window = win("10:00..18:00");
    assert_int_equal(schedule_add(&s, &ev), 0);
    assert_int_equal(schedule_add(&s, &w), 0);

    /* Window fire of today happens, then the clock goes back to 09:00: not again today. */
    struct fire f[64];
    size_t n = run(&s, &c, cet(2026, 11, 20, 18, 0), f, 64);
    size_t nw = 0, ne = 0;
    usec_t last_base = 0;
    for (size_t k = 0; k < n; k++) {
        if (f[k].r == &w) nw++;
        if (f[k].r == &ev) {
            assert_true(f[k].base > last_base);
            last_base = f[k].base;
            ne++;
        }
    }
    assert_int_equal(nw, 1);
    assert_int_equal(ne, 9); /* 09:00 .. 17:00 */
    c.t = cet(2026, 11, 20, 9, 0);
    schedule_replan_all(&s);
    n = run(&s, &c, cet(2026, 11, 21, 0, 0), f, 64);
    for (size_t k = 0; k < n; k++) {
        assert_ptr_equal(f[k].r, &ev);      /* the window reminder waits for tomorrow */
        assert_true(f[k].base > last_base); /* no hourly slot fires twice */
        last_base = f[k].base;
    }

    /* Forward by 3.5 hours: the missed hourly slots and the window give one fire each. */
    n = run(&s, &c, cet(2026, 11, 21, 11, 0), f, 64);
    c.t = cet(2026, 11, 21, 23, 30);
    schedule_replan_all(&s);
    n = run(&s, &c, cet(2026, 11, 21, 23, 30) + 1, f, 64);
    nw = ne = 0;
    for (size_t k = 0; k < n; k++) {
        if (f[k].r == &w) nw++;
        if (f[k].r == &ev) ne++;
        assert_true(f[k].at == cet(2026, 11, 21, 23, 30));
    }
    assert_int_equal(ne, 1);
    /* The window fire of the 21st (planned in 10:00..18:00) was either done before 11:00 or
     * is caught up now; never both, never none. */
    assert_true(nw <= 1);
    assert_true(w.next >= cet(2026, 11, 22, 10, 0) && w.next < cet(2026, 11, 22, 18, 0));
    schedule_free(&s);
    calendar_free(w.cal);
}

/* ---- DST ---- */

static void test_dst_spring_forward(void **state)
{
    (void)state;
    /* 2026-03-29: 02:00 CET becomes 03:00 CEST; 02:30 does not exist that day. */
    struct clock_sim c;
    clock_sim_init(&c, cet(2026, 3, 27, 12, 0));
    struct schedule s;
    schedule_init(&s, &c.base, 1);
    struct reminder r = daily_at("*-*-* 02:30", QUIET_DEFER);
    assert_int_equal(schedule_add(&s, &r), 0);
    struct fire f[8];
    size_t n = run(&s, &c, cest(2026, 3, 31, 12, 0), f, 8);
    assert_int_equal(n, 3);
    assert_true(f[0].at == cet(2026, 3, 28, 2, 30));
    assert_true(f[1].at == cest(2026, 3, 30, 2, 30));
    assert_true(f[2].at == cest(2026, 3, 31, 2, 30));
    schedule_free(&s);
    calendar_free(r.cal);
}

static void test_dst_fall_back(void **state)
{
    (void)state;
    /* 2026-10-25: 03:00 CEST becomes 02:00 CET; 02:30 happens twice, systemd fires the first. */
    struct clock_sim c;
    clock_sim_init(&c, cest(2026, 10, 24, 12, 0));
    struct schedule s;
    schedule_init(&s, &c.base, 1);
    struct reminder r = daily_at("*-*-* 02:30", QUIET_DEFER);
    struct reminder every = daily_at("*-*-* 12:00", QUIET_DEFER);
    assert_int_equal(schedule_add(&s, &r), 0);
    assert_int_equal(schedule_add(&s, &every), 0);
    struct fire f[8];
    size_t n = run(&s, &c, cet(2026, 10, 26, 11, 0), f, 8);
    assert_int_equal(n, 3);
    assert_true(f[0].at == cest(2026, 10, 25, 2, 30));
    assert_true(f[1].at == cet(2026, 10, 25, 12, 0));
    assert_true(f[2].at == cet(2026, 10, 26, 2, 30));
    schedule_free(&s);
    calendar_free(r.cal);
    calendar_free(every.cal);
}

static void test_dst_window_and_quiet(void **state)
{
    (void)state;
    /* On the 23-hour day a window still fires once inside it, and quiet hours crossing the
     * gap end at the right wall time. */
    struct clock_sim c;
    clock_sim_init(&c, cet(2026, 3, 28, 12, 0));
    struct schedule s;
    schedule_init(&s, &c.base, 4);
    s.has_quiet = true;
    s.quiet = win("01:00..04:00");
    struct reminder w;
    reminder_init(&w);
    w.trigger = TRIGGER_CALENDAR;
    w.cal = cal("daily");
    w.has_window = true;
    w.window = win("00:00..12:00");
    w.quiet = QUIET_IGNORE;
    struct reminder q = daily_at("*-*-* 01:30", QUIET_DEFER);
    assert_int_equal(schedule_add(&s, &w), 0);
    assert_int_equal(schedule_add(&s, &q), 0);
    struct fire f[16];
    size_t n = run(&s, &c, cest(2026, 3, 30, 12, 0), f, 16);
    size_t nw = 0, nq = 0;
    for (size_t k = 0; k < n; k++) {
        if (f[k].r == &w) {
            assert_true(sec_of_day(f[k].at) < 12 * 3600);
            nw++;
        } else {
            nq++;
            assert_int_equal(sec_of_day(f[k].at), 4 * 3600);
        }
    }
    assert_int_equal(nw, 2); /* the 29th and the 30th */
    assert_int_equal(nq, 2);
    schedule_free(&s);
    calendar_free(w.cal);
    calendar_free(q.cal);
}

/* ---- plan ---- */

static void test_plan_does_not_queue(void **state)
{
    (void)state;
    usec_t t0 = cet(2026, 11, 20, 8, 0);
    struct clock_sim c;
    clock_sim_init(&c, t0);
    struct schedule s;
    schedule_init(&s, &c.base, 1);
    struct reminder r = daily_at("*-*-* 09:00", QUIET_DEFER);
    usec_t out;
    r.loaded = t0;
    assert_int_equal(schedule_plan(&s, &r, t0, &out), 0);
    assert_true(out == cet(2026, 11, 20, 9, 0));
    assert_int_equal(schedule_plan(&s, &r, out, &out), 0);
    assert_true(out == cet(2026, 11, 21, 9, 0));
    assert_int_equal(s.n, 0);
    assert_true(r.heap_idx == SIZE_MAX);
    schedule_free(&s);
    calendar_free(r.cal);
}

/* issue 10: an event repeating faster than SCHEDULE_MIN_GAP (nudge.on refuses it at load, but
 * the schedule is the last line) fires at most once per SCHEDULE_MIN_GAP. */
static void test_calendar_floor(void **state)
{
    (void)state;
    usec_t t0 = cet(2026, 11, 20, 12, 0);
    struct clock_sim c;
    clock_sim_init(&c, t0);
    struct schedule s;
    schedule_init(&s, &c.base, 1);
    struct reminder fast;
    reminder_init(&fast);
    fast.trigger = TRIGGER_CALENDAR;
    fast.cal = cal("*:*:0/0.000001");
    assert_true(calendar_repeats_within(fast.cal, SCHEDULE_MIN_GAP));
    assert_int_equal(schedule_add(&s, &fast), 0);
    struct fire f[64];
    size_t n = run(&s, &c, t0 + 10 * S, f, 64);
    assert_true(n >= 9 && n <= 11);
    for (size_t k = 1; k < n && k < 64; k++) assert_true(f[k].next - f[k - 1].next >= SCHEDULE_MIN_GAP);
    schedule_free(&s);
    calendar_free(fast.cal);

    /* What the load-time check refuses and accepts. */
    static const struct {
        const char *expr;
        bool fast;
    } cases[] = {
        {"*:*:0/0.000001", true}, {"*:*:0,0.5", true},  {"*:*:59.5,0", true},
        {"*:*:0/0.5", true},      {"*:*:1..3/0.9", true}, {"12:00:00,00.5", true},
        {"*:*:*", false},         {"*:*:0/1", false},   {"*:*:0,59", false},
        {"daily", false},         {"*:0/1", false},     {"12:00,30:59.5,0", false},
        {"*/5 * * * *", false},   {"Mon 09:00", false}, {"*:*:0/1.5", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct calendar *k = cal(cases[i].expr);
        if (calendar_repeats_within(k, SCHEDULE_MIN_GAP) != cases[i].fast)
            fail_msg("%s: expected %s", cases[i].expr, cases[i].fast ? "too fast" : "accepted");
        calendar_free(k);
    }
}


/* ---- segments: a `when` per phase ---- */

/* r: a calendar reminder whose trigger is the n segments g (per-phase `when`). */
static void segmented(struct reminder *r, struct schedule_segment *g, size_t n)
{
    reminder_init(r);
    r->trigger = TRIGGER_CALENDAR;
    r->segs = g;
    r->nsegs = n;
}

static void test_segments(void **state)
{
    (void)state;
    struct clock_sim c;
    clock_sim_init(&c, cet(2026, 10, 30, 12, 0));
    struct schedule s;
    schedule_init(&s, &c.base, 1);
    usec_t since = cet(2026, 11, 1, 0, 0), m0 = cet(2026, 11, 22, 0, 0),
           m1 = cet(2026, 12, 20, 0, 0);
    struct schedule_segment g[3] = {
        {cal("*-*-* 20:30"), since, m0, "daily 20:30"},
        {cal("Mon,Wed,Fri 20:30"), m0, m1, "Mon,Wed,Fri 20:30"},
        {cal("Sun 18:00"), m1, USEC_INFINITY, "Sun 18:00"},
    };
    struct reminder r;
    segmented(&r, g, 3);
    assert_int_equal(schedule_add(&s, &r), 0);
    struct fire f[64];
    size_t n = run(&s, &c, cet(2027, 1, 5, 0, 0), f, 64);
    /* Nothing before since; 21 evenings; 12 Mon/Wed/Fri; Sundays Dec 20, 27 and Jan 3. */
    assert_int_equal(n, 21 + 12 + 3);
    assert_true(f[0].at == cet(2026, 11, 1, 20, 30));
    assert_true(f[20].at == cet(2026, 11, 21, 20, 30));
    assert_true(f[21].at == cet(2026, 11, 23, 20, 30));
    assert_true(f[32].at == cet(2026, 12, 18, 20, 30));
    assert_true(f[33].at == cet(2026, 12, 20, 18, 0));
    assert_true(f[35].at == cet(2027, 1, 3, 18, 0));
    schedule_free(&s);
    for (int i = 0; i < 3; i++) calendar_free(g[i].cal);
}

static void test_segments_boundaries(void **state)
{
    (void)state;
    struct clock_sim c;
    clock_sim_init(&c, cet(2026, 11, 1, 12, 0));
    struct schedule s;
    schedule_init(&s, &c.base, 1);
    /* The switch is at 20:30 on Nov 3 exactly: that elapse is the second segment's (from is
     * included, until is not), so it fires once, and 20:45 shows whose it is. */
    usec_t b = cet(2026, 11, 3, 20, 30);
    struct schedule_segment g[2] = {
        {cal("*-*-* 20:30"), cet(2026, 11, 1, 0, 0), b, "a"},
        {cal("*-*-* 20:30,45"), b, cet(2026, 11, 4, 0, 0), "b"},
    };
    struct reminder r;
    segmented(&r, g, 2);
    usec_t e;
    assert_int_equal(reminder_calendar_next(&r, b - 1, &e), 0);
    assert_true(e == b);
    assert_int_equal(reminder_calendar_next(&r, b, &e), 0);
    assert_true(e == cet(2026, 11, 3, 20, 45));
    assert_int_equal(reminder_calendar_next(&r, cet(2026, 11, 3, 20, 45), &e), -ENOENT);
    assert_int_equal(schedule_add(&s, &r), 0);
    struct fire f[8];
    size_t n = run(&s, &c, cet(2026, 11, 10, 0, 0), f, 8);
    assert_int_equal(n, 4);
    assert_true(f[0].at == cet(2026, 11, 1, 20, 30));
    assert_true(f[1].at == cet(2026, 11, 2, 20, 30));
    assert_true(f[2].at == b);
    assert_true(f[3].at == cet(2026, 11, 3, 20, 45));
    assert_true(r.done);
    /* A reminder whose segments are all behind never fires. */
    struct reminder late;
    segmented(&late, g, 2);
    assert_int_equal(schedule_add(&s, &late), -ENOENT);
    schedule_free(&s);
    for (int i = 0; i < 2; i++) calendar_free(g[i].cal);
}

static void test_segments_dst(void **state)
{
    (void)state;
    /* 2027-03-28: 02:30 does not exist in Berlin; a segment across it skips that day as the
     * calendar does, and one opening at 02:00 CET that night starts with the next day. */
    struct clock_sim c;
    clock_sim_init(&c, cet(2027, 3, 26, 12, 0));
    struct schedule s;
    schedule_init(&s, &c.base, 1);
    struct schedule_segment g[2] = {
        {cal("*-*-* 02:30"), cet(2027, 3, 27, 0, 0), cest(2027, 3, 30, 0, 0), "a"},
        {cal("*-*-* 02:30"), cest(2027, 3, 31, 0, 0), cest(2027, 4, 1, 0, 0), "b"},
    };
    struct reminder r;
    segmented(&r, g, 2);
    assert_int_equal(schedule_add(&s, &r), 0);
    struct fire f[8];
    size_t n = run(&s, &c, cest(2027, 4, 5, 0, 0), f, 8);
    assert_int_equal(n, 3);
    assert_true(f[0].at == cet(2027, 3, 27, 2, 30));
    assert_true(f[1].at == cest(2027, 3, 29, 2, 30));
    assert_true(f[2].at == cest(2027, 3, 31, 2, 30));
    /* Catch-up folds missed elapses over the segments too. */
    r.base = cet(2027, 3, 27, 2, 30);
    assert_true(schedule_latest_elapse(&r, cest(2027, 4, 2, 0, 0)) == cest(2027, 3, 31, 2, 30));
    schedule_free(&s);
    for (int i = 0; i < 2; i++) calendar_free(g[i].cal);
}

int main(void)
{
    setenv("TZ", "Europe/Berlin", 1);
    tzset();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_heap_many),
        cmocka_unit_test(test_ties_insertion_order),
        cmocka_unit_test(test_every),
        cmocka_unit_test(test_after),
        cmocka_unit_test(test_at),
        cmocka_unit_test(test_calendar),
        cmocka_unit_test(test_window_daily),
        cmocka_unit_test(test_window_inside_after_now),
        cmocka_unit_test(test_window_crossing_midnight),
        cmocka_unit_test(test_window_weekdays),
        cmocka_unit_test(test_jitter),
        cmocka_unit_test(test_quiet_defer),
        cmocka_unit_test(test_quiet_drop_ignore),
        cmocka_unit_test(test_quiet_before_due),
        cmocka_unit_test(test_quiet_before_due_late_wake),
        cmocka_unit_test(test_quiet_drop_never),
        cmocka_unit_test(test_seed),
        cmocka_unit_test(test_replan_jumps_calendar),
        cmocka_unit_test(test_replan_jumps_every_window),
        cmocka_unit_test(test_dst_spring_forward),
        cmocka_unit_test(test_dst_fall_back),
        cmocka_unit_test(test_dst_window_and_quiet),
        cmocka_unit_test(test_plan_does_not_queue),
        cmocka_unit_test(test_calendar_floor),
        cmocka_unit_test(test_segments),
        cmocka_unit_test(test_segments_boundaries),
        cmocka_unit_test(test_segments_dst),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
