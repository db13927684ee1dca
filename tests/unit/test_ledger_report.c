/* Unit tests for src/ledger/report.c on a real store in a temporary folder. First a table:
 * answers and check-ins on given local days in, the streaks and day figures out (days across
 * both offset changes of 2026, weekday-only check-ins, late-night ones). Then 60 days of a
 * scripted history (check-in fires answered done, skipped, snoozed then done, left unanswered;
 * journal entries; gestures; promises kept, broken, open and future; a run of done days before
 * the range), and the figures each day checked against what the script implies, worked out
 * here from the script's rules rather than from the store. Runs with TZ=Europe/Berlin (set by
 * tests/CMakeLists.txt), so the range crosses the end of summer time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "ledger/ledger.h"
#include "ledger/pause.h"
#include "ledger/report.h"
#include "store/store.h"

#define NDAYS 60
#define TODAY 59      /* the script's day index of today */
#define PRE_FIRST -20 /* a run of done check-ins before the range: days -20..-6 */
#define PRE_LAST -6

static char tmpdir[64];

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    return remove(path);
}

static int setup(void **state)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/nudge-test-report-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    return nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static struct store *open_store(void)
{
    struct store *st = NULL;
    char note[512], err[512] = "", dir[128];
    snprintf(dir, sizeof dir, "%s/state", tmpdir);
    if (store_open(dir, &st, note, sizeof note, err, sizeof err) != 0)
        fail_msg("store_open: %s", err);
    return st;
}

static struct ledger *open_ledger(struct store *st)
{
    struct ledger *lg = ledger_new(st);
    assert_non_null(lg);
    return lg;
}

/* Local wall-clock time h:m on script day i (TODAY is 2026-11-24), through mktime so the
 * offset change on 2026-10-25 is the real one. */
static usec_t at(int i, int h, int m)
{
    struct tm tm = {.tm_year = 2026 - 1900,
                    .tm_mon = 10,
                    .tm_mday = 24 - (TODAY - i),
                    .tm_hour = h,
                    .tm_min = m,
                    .tm_isdst = -1};
    return (usec_t)mktime(&tm) * USEC_PER_SEC;
}

#define NOW at(TODAY, 23, 0)

/* ---- the table: events on local dates in, streaks and day figures out ---- */

enum ev_kind {
    E_DONE,
    E_SKIPPED,
    E_SNOOZED,
    E_UNANSWERED,
    E_JOURNAL,
    E_GESTURE_DONE,
    E_GESTURE_SKIPPED,
    E_PAUSED, /* a nudgectl pause of 24 hours from `when` */
    E_RULE_PAUSED /* a rule-file pause of 24 hours from `when` */
};

struct ev {
    const char *when; /* local "YYYY-MM-DD HH:MM" in Europe/Berlin; NULL ends the list */
    enum ev_kind kind;
};

#define FIG_DAYS 7 /* the report's range in the table: the week ending with today */

struct day_fig {
    int cdue, cdone, journal, answered, gshown, gdone;
    bool paused;
};

/* Check-ins due and done, journal entries, fires answered "done". */
#define FIG(due, done, jn, ans)                                                                    \
    {                                                                                              \
        .cdue = (due), .cdone = (done), .journal = (jn), .answered = (ans)                         \
    }

struct streak_row {
    const char *name;
    struct ev ev[24];
    const char *now;
    int streak, best;
    struct day_fig days[FIG_DAYS]; /* oldest first; the last is today */
};

static const struct streak_row streak_rows[] = {
    {"nothing yet", {{0}}, "2026-11-24 12:00", 0, 0, {{0}}},
    {"late-evening check-ins across the 25-hour day (summer time ends 2026-10-25)",
     {{"2026-10-22 23:30", E_DONE},
      {"2026-10-23 23:30", E_DONE},
      {"2026-10-24 23:30", E_DONE},
      {"2026-10-25 23:30", E_DONE},
      {"2026-10-26 23:30", E_DONE},
      {"2026-10-27 23:30", E_DONE},
      {"2026-10-28 23:30", E_DONE}},
     "2026-10-28 23:45",
     7,
     7,
     {FIG(1, 1, 0, 1), FIG(1, 1, 0, 1), FIG(1, 1, 0, 1), FIG(1, 1, 0, 1), FIG(1, 1, 0, 1),
      FIG(1, 1, 0, 1), FIG(1, 1, 0, 1)}},
    /* 00:30 on the 30th (summer time) is 22:30 UTC on the 29th, the same UTC day as 23:30 on
     * the 29th: only local days keep them apart. */
    {"just before and after midnight around the 23-hour day (summer time begins 2026-03-29)",
     {{"2026-03-28 00:30", E_JOURNAL}, {"2026-03-29 23:30", E_DONE}, {"2026-03-30 00:30", E_DONE}},
     "2026-03-30 20:00",
     3,
     3,
     {[4] = FIG(1, 1, 1, 0), [5] = FIG(1, 1, 0, 1), [6] = FIG(1, 1, 0, 1)}},
    {"the 23-hour day itself: 00:30 and 23:30 are one day",
     {{"2026-03-29 00:30", E_DONE}, {"2026-03-29 23:30", E_DONE}},
     "2026-03-29 23:45",
     1,
     1,
     {[6] = FIG(2, 2, 0, 2)}},
    /* Weekday-only check-ins (SPEC 2.4): a weekend with nothing due is neutral, so the run
     * goes on across it. */
    {"Mon..Fri check-ins, on Friday",
     {{"2026-11-02 20:30", E_DONE},
      {"2026-11-03 20:30", E_DONE},
      {"2026-11-04 20:30", E_DONE},
      {"2026-11-05 20:30", E_DONE},
      {"2026-11-06 20:30", E_DONE},
      {"2026-11-09 20:30", E_DONE},
      {"2026-11-10 20:30", E_DONE},
      {"2026-11-11 20:30", E_DONE},
      {"2026-11-12 20:30", E_DONE},
      {"2026-11-13 20:30", E_DONE}},
     "2026-11-13 21:00",
     10,
     10,
     {[2] = FIG(1, 1, 0, 1),
      [3] = FIG(1, 1, 0, 1),
      [4] = FIG(1, 1, 0, 1),
      [5] = FIG(1, 1, 0, 1),
      [6] = FIG(1, 1, 0, 1)}},
    {"Mon..Fri check-ins, on Sunday: the weekend is neutral, the run stands",
     {{"2026-11-09 20:30", E_DONE},
      {"2026-11-10 20:30", E_DONE},
      {"2026-11-11 20:30", E_DONE},
      {"2026-11-12 20:30", E_DONE},
      {"2026-11-13 20:30", E_DONE}},
     "2026-11-15 12:00",
     5,
     5,
     {[0] = FIG(1, 1, 0, 1),
      [1] = FIG(1, 1, 0, 1),
      [2] = FIG(1, 1, 0, 1),
      [3] = FIG(1, 1, 0, 1),
      [4] = FIG(1, 1, 0, 1)}},
    {"Mon..Fri check-ins and a talk logged on the weekend: the run goes on",
     {{"2026-11-09 20:30", E_DONE},
      {"2026-11-10 20:30", E_DONE},
      {"2026-11-11 20:30", E_DONE},
      {"2026-11-12 20:30", E_DONE},
      {"2026-11-13 20:30", E_DONE},
      {"2026-11-14 11:00", E_JOURNAL},
      {"2026-11-15 18:00", E_JOURNAL}},
     "2026-11-15 19:00",
     7,
     7,
     {FIG(1, 1, 0, 1), FIG(1, 1, 0, 1), FIG(1, 1, 0, 1), FIG(1, 1, 0, 1), FIG(1, 1, 0, 1),
      FIG(1, 1, 1, 0), FIG(1, 1, 1, 0)}},
    {"today not done yet: yesterday's run is still current",
     {{"2026-11-22 20:30", E_DONE},
      {"2026-11-23 20:30", E_DONE},
      {"2026-11-24 20:30", E_UNANSWERED}},
     "2026-11-24 21:00",
     2,
     2,
     {[4] = FIG(1, 1, 0, 1), [5] = FIG(1, 1, 0, 1), [6] = FIG(1, 0, 0, 0)}},
    /* A snoozed fire is not due itself: its re-show is (none came on the 23rd, so nothing was
     * due that day: neutral). A skipped check-in breaks the run. */
    {"skipped breaks the run; snoozed then done counts once; a snooze never re-shown is neutral",
     {{"2026-11-20 20:30", E_DONE},
      {"2026-11-21 20:30", E_SKIPPED},
      {"2026-11-22 20:30", E_SNOOZED},
      {"2026-11-22 21:30", E_DONE},
      {"2026-11-23 20:30", E_SNOOZED},
      {"2026-11-24 20:30", E_DONE}},
     "2026-11-24 21:00",
     2,
     2,
     {[2] = FIG(1, 1, 0, 1), [3] = FIG(1, 0, 0, 0), [4] = FIG(1, 1, 0, 1), [6] = FIG(1, 1, 0, 1)}},
    {"a talk logged on a day whose prompt was skipped: the day is done",
     {{"2026-11-23 20:30", E_DONE},
      {"2026-11-24 20:30", E_SKIPPED},
      {"2026-11-24 22:00", E_JOURNAL}},
     "2026-11-24 23:00",
     2,
     2,
     {[5] = FIG(1, 1, 0, 1), [6] = FIG(1, 1, 1, 0)}},
    {"gestures are not check-ins",
     {{"2026-11-23 09:00", E_GESTURE_DONE}, {"2026-11-24 09:00", E_GESTURE_SKIPPED}},
     "2026-11-24 23:00",
     0,
     0,
     {[5] = {.gshown = 1, .gdone = 1}, [6] = {.gshown = 1}}},
    /* A check-in dated after now (the clock was set back) is not part of any run yet. */
    {"a check-in after now counts neither for the current run nor for the best",
     {{"2026-11-22 20:30", E_DONE},
      {"2026-11-23 20:30", E_DONE},
      {"2026-11-25 20:30", E_DONE},
      {"2026-11-26 20:30", E_DONE},
      {"2026-11-27 20:30", E_DONE}},
     "2026-11-24 12:00",
     2,
     2,
     {[4] = FIG(1, 1, 0, 1), [5] = FIG(1, 1, 0, 1)}},
    {"a long run before a break is the best",
     {{"2026-11-01 20:30", E_DONE},
      {"2026-11-02 20:30", E_DONE},
      {"2026-11-03 20:30", E_DONE},
      {"2026-11-04 20:30", E_DONE},
      {"2026-11-10 20:30", E_UNANSWERED},
      {"2026-11-23 20:30", E_DONE},
      {"2026-11-24 08:00", E_JOURNAL}},
     "2026-11-24 12:00",
     2,
     4,
     {[5] = FIG(1, 1, 0, 1), [6] = FIG(1, 1, 1, 0)}},
    /* Days with nothing due between runs are neutral: the run goes on across them. */
    {"days with nothing due in between neither break nor extend",
     {{"2026-11-19 20:30", E_DONE}, {"2026-11-22 20:30", E_DONE}, {"2026-11-24 20:30", E_DONE}},
     "2026-11-24 21:00",
     3,
     3,
     {[1] = FIG(1, 1, 0, 1), [4] = FIG(1, 1, 0, 1), [6] = FIG(1, 1, 0, 1)}},
    {"a paused day with a check-in not done does not break the run",
     {{"2026-11-21 20:30", E_DONE},
      {"2026-11-22 00:00", E_PAUSED},
      {"2026-11-22 08:00", E_UNANSWERED},
      {"2026-11-23 20:30", E_DONE},
      {"2026-11-24 20:30", E_DONE}},
     "2026-11-24 21:00",
     3,
     3,
     {[3] = FIG(1, 1, 0, 1),
      [4] = {.cdue = 1, .paused = true},
      [5] = FIG(1, 1, 0, 1),
      [6] = FIG(1, 1, 0, 1)}},
    {"a paused day does not extend the run either, even with a check-in done",
     {{"2026-11-22 20:30", E_DONE},
      {"2026-11-23 00:00", E_RULE_PAUSED},
      {"2026-11-23 20:30", E_DONE},
      {"2026-11-24 20:30", E_DONE}},
     "2026-11-24 21:00",
     2,
     2,
     {[4] = FIG(1, 1, 0, 1),
      [5] = {.cdue = 1, .cdone = 1, .answered = 1, .paused = true},
      [6] = FIG(1, 1, 0, 1)}},
    /* A pause from 18:00 touches two local days: both are neutral. */
    {"a pause across midnight makes both days neutral",
     {{"2026-11-21 20:30", E_DONE},
      {"2026-11-22 18:00", E_PAUSED},
      {"2026-11-22 08:00", E_SKIPPED},
      {"2026-11-23 08:00", E_SKIPPED},
      {"2026-11-24 20:30", E_DONE}},
     "2026-11-24 21:00",
     2,
     2,
     {[3] = FIG(1, 1, 0, 1),
      [4] = {.cdue = 1, .paused = true},
      [5] = {.cdue = 1, .paused = true},
      [6] = FIG(1, 1, 0, 1)}},
    {"skipped gestures are neutral; check-ins alone make the run",
     {{"2026-11-22 20:30", E_DONE},
      {"2026-11-23 09:00", E_GESTURE_SKIPPED},
      {"2026-11-24 09:00", E_GESTURE_SKIPPED},
      {"2026-11-24 20:30", E_DONE}},
     "2026-11-24 21:00",
     2,
     2,
     {[4] = FIG(1, 1, 0, 1), [5] = {.gshown = 1}, [6] = {.cdue = 1, .cdone = 1, .answered = 1, .gshown = 1}}},
    {"two check-ins a day: one not done breaks the run",
     {{"2026-11-22 09:00", E_DONE},
      {"2026-11-22 20:30", E_DONE},
      {"2026-11-23 09:00", E_DONE},
      {"2026-11-23 20:30", E_SKIPPED},
      {"2026-11-24 09:00", E_DONE}},
     "2026-11-24 12:00",
     1,
     1,
     {[4] = FIG(2, 2, 0, 2), [5] = FIG(2, 1, 0, 1), [6] = FIG(1, 1, 0, 1)}},
};

static usec_t local_time(const char *s)
{
    struct tm tm = {.tm_isdst = -1};
    assert_non_null(strptime(s, "%Y-%m-%d %H:%M", &tm));
    tm.tm_isdst = -1;
    return (usec_t)mktime(&tm) * USEC_PER_SEC;
}

static void record_event(struct store *st, const struct ev *e)
{
    usec_t t = local_time(e->when);
    int64_t id;
    switch (e->kind) {
    case E_JOURNAL:
        assert_int_equal(store_add_checkin(st, t, 0, NULL, NULL), 0);
        return;
    case E_PAUSED: {
        usec_t until = t + USEC_PER_DAY;
        assert_int_equal(store_pause_add(st, t, &until, false, NULL, t, NULL), 0);
        return;
    }
    case E_RULE_PAUSED:
        return; /* given to the ledger by the test (rule_pauses_of) */
    case E_GESTURE_DONE:
    case E_GESTURE_SKIPPED:
        assert_int_equal(store_record_fire(st, "kindness", "gesture", t, t, "title", &id), 0);
        assert_int_equal(store_record_answer(st, id, e->kind == E_GESTURE_DONE ? "done" : "skipped",
                                             t + 60 * USEC_PER_SEC, "action"),
                         0);
        return;
    default:
        break;
    }
    assert_int_equal(store_record_fire(st, "evening", "checkin", t, t, "title", &id), 0);
    static const char *const answer[] = {
        [E_DONE] = "done", [E_SKIPPED] = "skipped", [E_SNOOZED] = "snoozed", [E_UNANSWERED] = NULL};
    if (answer[e->kind])
        assert_int_equal(
            store_record_answer(st, id, answer[e->kind], t + 60 * USEC_PER_SEC, "action"), 0);
}

static void test_streak_table(void **state)
{
    for (size_t k = 0; k < sizeof streak_rows / sizeof streak_rows[0]; k++) {
        const struct streak_row *row = &streak_rows[k];
        struct store *st = NULL;
        char err[256] = "";
        assert_int_equal(store_open_memory(&st, err, sizeof err), 0);
        struct ledger *lg = open_ledger(st);
        for (const struct ev *e = row->ev; e->when; e++) {
            record_event(st, e);
            if (e->kind == E_RULE_PAUSED) {
                struct ledger_pause p = {.from = local_time(e->when),
                                         .until = local_time(e->when) + USEC_PER_DAY};
                assert_int_equal(ledger_set_rule_pauses(lg, &p, 1), 0);
            }
        }
        usec_t now = local_time(row->now);
        struct ledger_report r;
        assert_int_equal(ledger_report_compute(lg, now, FIG_DAYS, NULL, NULL, &r), 0);
        int cur = -1, best = -1;
        assert_int_equal(ledger_streak(lg, now, &cur, &best), 0);
        if (r.streak != row->streak || r.best_streak != row->best || cur != r.streak ||
            best != r.best_streak)
            fail_msg("%s: streak %d best %d (alone: %d, %d), want %d, %d", row->name, r.streak,
                     r.best_streak, cur, best, row->streak, row->best);
        assert_int_equal(r.days[FIG_DAYS - 1].day, ledger_day_of(now));
        for (int i = 0; i < FIG_DAYS; i++) {
            const struct report_day *d = &r.days[i];
            const struct day_fig *x = &row->days[i];
            if (d->checkins_due != x->cdue || d->checkins_done != x->cdone ||
                d->journal != x->journal || d->answered_done != x->answered ||
                d->gestures_shown != x->gshown || d->gestures_done != x->gdone ||
                d->paused != x->paused)
                fail_msg("%s: day %d: due %d done %d journal %d answered %d gestures %d/%d%s",
                         row->name, i, d->checkins_due, d->checkins_done, d->journal,
                         d->answered_done, d->gestures_done, d->gestures_shown,
                         d->paused ? " paused" : "");
        }
        ledger_report_free(&r);
        ledger_free(lg);
        store_close(st);
    }
}

/* Local days are numbered without gaps or repeats across both offset changes: the first and
 * last minute of a day share its number, the next day has the next. */
static void test_day_numbering_across_offset_changes(void **state)
{
    static const char *const dates[] = {"2026-03-27", "2026-03-28", "2026-03-29", "2026-03-30",
                                        "2026-10-24", "2026-10-25", "2026-10-26", "2026-10-27"};
    for (size_t i = 0; i < sizeof dates / sizeof dates[0]; i++) {
        char a[32], b[32];
        snprintf(a, sizeof a, "%s 00:00", dates[i]);
        snprintf(b, sizeof b, "%s 23:59", dates[i]);
        int64_t day = ledger_day_of(local_time(a));
        assert_int_equal(ledger_day_of(local_time(b) + 59 * USEC_PER_SEC), day);
        assert_int_equal(ledger_day_of(local_time(b) + 60 * USEC_PER_SEC), day + 1);
        if (i % 4) assert_int_equal(day, ledger_day_of(local_time(a) - 1) + 1);
    }
    /* 2026-10-25 has 25 hours, 2026-03-29 has 23: still one number each. */
    assert_int_equal(ledger_day_of(local_time("2026-03-29 12:00")) -
                         ledger_day_of(local_time("2026-03-27 12:00")),
                     2);
    assert_int_equal(ledger_day_of(local_time("2026-10-26 12:00")) -
                         ledger_day_of(local_time("2026-10-24 12:00")),
                     2);
    /* The epoch's day is 0, and the instant before it the day before (floor, not truncation). */
    assert_int_equal(ledger_day_of(local_time("1970-01-01 12:00")), 0);
    assert_int_equal(ledger_day_of(local_time("1970-01-01 00:00") - 1), -1);
}

/* ---- the script: which events happen on day i ---- */

static bool checkin_fires(int i)
{
    return i % 7 != 6;
}

enum answer { A_SKIP, A_SNOOZE_THEN_DONE, A_NONE, A_DONE };

static enum answer checkin_answer(int i)
{
    switch (i % 5) {
    case 0:
        return A_SKIP;
    case 1:
        return A_SNOOZE_THEN_DONE;
    case 2:
        return A_NONE;
    default:
        return A_DONE;
    }
}

static bool journal(int i)
{
    return i % 9 == 4;
}

static bool gesture_shown(int i)
{
    return i % 2 == 0;
}

static bool gesture_done(int i)
{
    return i % 4 == 0;
}

static bool promise_due(int i)
{
    return i % 10 == 3;
}

static bool promise_kept(int i)
{
    return i % 20 == 3;
}

#define OPEN_PROMISE_DAY 57 /* due in the past, never answered */

static void fire(struct store *st, const char *rem, const char *kind, usec_t t, const char *answer)
{
    int64_t id;
    assert_int_equal(store_record_fire(st, rem, kind, t, t, "title", &id), 0);
    if (answer)
        assert_int_equal(store_record_answer(st, id, answer, t + 60 * USEC_PER_SEC, "action"), 0);
}

static void play_script(struct store *st)
{
    for (int i = PRE_FIRST; i <= PRE_LAST; i++)
        fire(st, "evening", "checkin", at(i, 20, 30), "done");
    for (int i = 0; i < NDAYS; i++) {
        if (checkin_fires(i)) {
            usec_t t = at(i, 20, 30);
            switch (checkin_answer(i)) {
            case A_SKIP:
                fire(st, "evening", "checkin", t, "skipped");
                break;
            case A_SNOOZE_THEN_DONE:
                /* The snoozed fire, then its re-show an hour later, answered. */
                fire(st, "evening", "checkin", t, "snoozed");
                fire(st, "evening", "checkin", at(i, 21, 35), "done");
                break;
            case A_NONE:
                fire(st, "evening", "checkin", t, NULL);
                break;
            case A_DONE:
                fire(st, "evening", "checkin", t, "done");
                break;
            }
        }
        if (journal(i)) assert_int_equal(store_add_checkin(st, at(i, 12, 0), 4, "talked", NULL), 0);
        if (gesture_shown(i))
            fire(st, "kindness", "gesture", at(i, 9, 0), gesture_done(i) ? "done" : "skipped");
        /* Other kinds are not follow-through: they must not count anywhere. */
        fire(st, "patience", "patience", at(i, 8, 0), NULL);
        if (promise_due(i)) {
            int64_t id;
            char key[32];
            snprintf(key, sizeof key, "promise:p%d", i);
            assert_int_equal(
                store_promise_add(st, key, "a promise", at(i, 18, 0), "rules", at(i, 7, 0), &id),
                0);
            assert_int_equal(
                store_promise_set_state(st, id, promise_kept(i) ? "kept" : "broken", at(i, 19, 0)),
                0);
        }
    }
    int64_t id;
    assert_int_equal(store_promise_add(st, NULL, "still open", at(OPEN_PROMISE_DAY, 10, 0),
                                       "nudgectl", at(0, 7, 0), &id),
                     0);
    assert_int_equal(
        store_promise_add(st, NULL, "next week", NOW + 5 * USEC_PER_DAY, "nudgectl", NOW, &id), 0);
}

/* ---- what the script implies ---- */

static bool answered_done(int i)
{
    if (!checkin_fires(i)) return false;
    enum answer a = checkin_answer(i);
    return a == A_SNOOZE_THEN_DONE || a == A_DONE;
}

static int exp_checkins_due(int i)
{
    /* The snoozed fire does not count, its re-show does: one a day either way. */
    return checkin_fires(i) || journal(i) ? 1 : 0;
}

static int exp_checkins_done(int i)
{
    return journal(i) ? exp_checkins_due(i) : answered_done(i);
}

static bool done_day(int i)
{
    if (i >= PRE_FIRST && i <= PRE_LAST) return true;
    return i >= 0 && i < NDAYS && (journal(i) || answered_done(i));
}

static int exp_streak(void)
{
    int i = done_day(TODAY) ? TODAY : TODAY - 1, n = 0;
    while (done_day(i))
        i--, n++;
    return n;
}

static int exp_best(void)
{
    int best = 0, run = 0;
    for (int i = PRE_FIRST; i < NDAYS; i++) {
        run = done_day(i) ? run + 1 : 0;
        if (run > best) best = run;
    }
    return best;
}

/* ---- tests ---- */

static void test_days_match_the_script(void **state)
{
    struct store *st = open_store();
    struct ledger *lg = open_ledger(st);
    play_script(st);
    usec_t since = at(0, 0, 0) - 40 * USEC_PER_DAY; /* 100 days ago: first months */
    struct ledger_report r;
    assert_int_equal(ledger_report_compute(lg, NOW, NDAYS, &since, NULL, &r), 0);
    assert_int_equal(r.ndays, NDAYS);
    int tot_cdue = 0, tot_cdone = 0, tot_pdue = 0;
    for (int i = 0; i < NDAYS; i++) {
        const struct report_day *d = &r.days[i];
        assert_int_equal(d->day, ledger_day_of(at(i, 12, 0)));
        if (i) assert_int_equal(d->day, r.days[i - 1].day + 1);
        assert_int_equal(d->checkins_due, exp_checkins_due(i));
        assert_int_equal(d->checkins_done, exp_checkins_done(i));
        assert_int_equal(d->journal, journal(i) ? 1 : 0);
        assert_int_equal(d->answered_done, answered_done(i) ? 1 : 0);
        assert_int_equal(d->gestures_shown, gesture_shown(i) ? 1 : 0);
        assert_int_equal(d->gestures_done, gesture_done(i) ? 1 : 0);
        int pdue = promise_due(i) + (i == OPEN_PROMISE_DAY);
        assert_int_equal(d->promises_due, pdue);
        assert_int_equal(d->promises_kept, promise_due(i) && promise_kept(i));
        assert_int_equal(d->promises_broken, promise_due(i) && !promise_kept(i));
        tot_cdue += d->checkins_due;
        tot_cdone += d->checkins_done;
        tot_pdue += d->promises_due;
    }
    /* Spot checks of the totals, counted by hand from the script's rules: day 6 (i%7==6) has
     * no fire and no journal, day 13 a journal but no fire. */
    assert_int_equal(r.days[6].checkins_due, 0);
    assert_int_equal(r.days[13].checkins_due, 1);
    assert_int_equal(r.days[13].checkins_done, 1);
    assert_int_equal(tot_pdue, 6 + 1);
    assert_true(tot_cdone < tot_cdue);

    assert_true(r.has_since);
    assert_string_equal(r.phase, "first months");
    assert_int_equal(r.streak, exp_streak());
    assert_int_equal(r.best_streak, exp_best());
    assert_int_equal(r.best_streak, 15); /* the run before the range is the longest */
    /* The toolkit's {streak} is the same call. */
    int cur, best;
    assert_int_equal(ledger_streak(lg, NOW, &cur, &best), 0);
    assert_int_equal(cur, r.streak);
    assert_int_equal(best, r.best_streak);
    const struct promise_list *pl = &r.promises;
    assert_int_equal(pl->n, 6 + 2);
    for (size_t k = 1; k < pl->n; k++)
        assert_true(pl->v[k - 1].due <= pl->v[k].due);
    assert_string_equal(pl->v[pl->n - 1].text, "next week");
    assert_string_equal(pl->v[pl->n - 1].state, "open");
    assert_string_equal(pl->v[pl->n - 1].source, "nudgectl");
    assert_null(pl->v[pl->n - 1].key);
    ledger_report_free(&r);
    ledger_free(lg);
    store_close(st);
}

/* A shorter range is the tail of the longer one. */
static void test_short_range_is_the_tail(void **state)
{
    struct store *st = open_store();
    struct ledger *lg = open_ledger(st);
    play_script(st);
    struct ledger_report all, week;
    assert_int_equal(ledger_report_compute(lg, NOW, NDAYS, NULL, NULL, &all), 0);
    assert_int_equal(ledger_report_compute(lg, NOW, 7, NULL, NULL, &week), 0);
    assert_int_equal(week.ndays, 7);
    assert_memory_equal(week.days, all.days + NDAYS - 7, 7 * sizeof *week.days);
    assert_false(week.has_since);
    assert_null(week.phase);
    assert_int_equal(week.streak, all.streak);
    assert_int_equal(week.best_streak, all.best_streak);
    ledger_report_free(&all);
    ledger_report_free(&week);
    ledger_free(lg);
    store_close(st);
}

/* The current streak waits for today: yesterday's run still counts until today is over. */
static void test_streak_today_or_yesterday(void **state)
{
    struct store *st = open_store();
    struct ledger *lg = open_ledger(st);
    for (int i = 50; i <= 58; i++)
        fire(st, "evening", "checkin", at(i, 20, 30), "done");
    struct ledger_report r;
    assert_int_equal(ledger_report_compute(lg, at(TODAY, 10, 0), 30, NULL, NULL, &r), 0);
    assert_int_equal(r.streak, 9);
    ledger_report_free(&r);
    assert_int_equal(store_add_checkin(st, at(TODAY, 11, 0), 0, NULL, NULL), 0);
    assert_int_equal(ledger_report_compute(lg, at(TODAY, 12, 0), 30, NULL, NULL, &r), 0);
    assert_int_equal(r.streak, 10);
    assert_int_equal(r.days[29].checkins_due, 1);
    assert_int_equal(r.days[29].checkins_done, 1);
    ledger_report_free(&r);
    /* Two days later with nothing due: neutral days, the run stands (SPEC 2.4). */
    assert_int_equal(ledger_report_compute(lg, at(TODAY, 12, 0) + 2 * USEC_PER_DAY, 30, NULL, NULL, &r),
                     0);
    assert_int_equal(r.streak, 10);
    ledger_report_free(&r);
    /* A check-in due tomorrow and not done: that day ends the run, which stays the best. */
    fire(st, "evening", "checkin", at(TODAY + 1, 20, 30), "skipped");
    assert_int_equal(ledger_report_compute(lg, at(TODAY, 12, 0) + 2 * USEC_PER_DAY, 30, NULL, NULL, &r),
                     0);
    assert_int_equal(r.streak, 0);
    assert_int_equal(r.best_streak, 10);
    ledger_report_free(&r);
    ledger_free(lg);
    store_close(st);
}

static void test_empty_store_and_bad_days(void **state)
{
    struct store *st = open_store();
    struct ledger *lg = open_ledger(st);
    struct ledger_report r;
    assert_int_equal(ledger_report_compute(lg, NOW, 0, NULL, NULL, &r), -EINVAL);
    assert_int_equal(ledger_report_compute(lg, NOW, REPORT_DAYS_MAX + 1, NULL, NULL, &r), -EINVAL);
    assert_int_equal(ledger_report_compute(lg, NOW, REPORT_DAYS_MAX, NULL, NULL, &r), 0);
    assert_int_equal(r.ndays, REPORT_DAYS_MAX);
    for (int i = 0; i < r.ndays; i++) {
        assert_int_equal(r.days[i].checkins_due + r.days[i].gestures_shown + r.days[i].promises_due,
                         0);
    }
    assert_int_equal(r.streak, 0);
    assert_int_equal(r.best_streak, 0);
    assert_int_equal(r.promises.n, 0);
    ledger_report_free(&r);
    ledger_free(lg);
    store_close(st);
}

static void test_phases(void **state)
{
    (void)state;
    usec_t now = NOW;
    assert_string_equal(ledger_phase(NULL, now, now), "first weeks");
    assert_string_equal(ledger_phase(NULL, now - 21 * USEC_PER_DAY + 1, now), "first weeks");
    assert_string_equal(ledger_phase(NULL, now - 21 * USEC_PER_DAY, now), "first months");
    /* Before since nothing has begun: no phase. */
    assert_null(ledger_phase(NULL, now + 1, now));
    assert_int_equal(ledger_phase_index(NULL, now + 1, now), -1);
    /* "6M" on the calendar: 2026-11-01 00:00 to 2027-05-01 00:00 in Berlin. */
    usec_t since = (usec_t)1793487600 * USEC_PER_SEC, may1 = (usec_t)1809122400 * USEC_PER_SEC;
    assert_string_equal(ledger_phase(NULL, since, may1 - 1), "first months");
    assert_string_equal(ledger_phase(NULL, since, may1), "six months and on");
    usec_t from, until;
    ledger_phase_bounds(NULL, since, 1, &from, &until);
    assert_int_equal(from, since + 21 * USEC_PER_DAY);
    assert_int_equal(until, may1);
    ledger_phase_bounds(NULL, since, 2, &from, &until);
    assert_int_equal(from, may1);
    assert_int_equal(until, USEC_INFINITY);
    /* Phases of the rules: labels and ends are theirs. */
    struct ledger_phases p = {.n = 2, .v = {{"a", "just begun", "10d"}, {"b", "later on", ""}}};
    assert_string_equal(ledger_phase(&p, since, since + 10 * USEC_PER_DAY - 1), "just begun");
    assert_string_equal(ledger_phase(&p, since, since + 10 * USEC_PER_DAY), "later on");
    assert_int_equal(ledger_phase_index(&p, since, since + 400 * USEC_PER_DAY), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_streak_table),
        cmocka_unit_test(test_day_numbering_across_offset_changes),
        cmocka_unit_test_setup_teardown(test_days_match_the_script, setup, teardown),
        cmocka_unit_test_setup_teardown(test_short_range_is_the_tail, setup, teardown),
        cmocka_unit_test_setup_teardown(test_streak_today_or_yesterday, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_store_and_bad_days, setup, teardown),
        cmocka_unit_test(test_phases),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
