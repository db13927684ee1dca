/* Unit tests for the journal read back (src/ledger/journal.c ledger_journal, and the moods and
 * notes of ledger_report_compute in src/ledger/report.c) on a real store in a temporary
 * folder, with TZ=Europe/Berlin (set by tests/CMakeLists.txt): which local days a range holds
 * (across the end of summer time), entries oldest first with mood and note, the walk stopped
 * by its callback, bad ranges refused; a report's per-day mood sums and counts, and its notes
 * (only entries with a mood or a note, only in the range). */
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

#include "ledger/journal.h"
#include "ledger/ledger.h"
#include "ledger/report.h"
#include "store/store.h"

static char tmpdir[64];

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/nudge-test-journal-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    return nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Local time on 2026-10-<mday> (summer time ends on the 25th), through mktime. */
static usec_t oct(int mday, int h, int m)
{
    struct tm tm = {.tm_year = 2026 - 1900, .tm_mon = 9, .tm_mday = mday, .tm_hour = h,
                    .tm_min = m, .tm_isdst = -1};
    return (usec_t)mktime(&tm) * USEC_PER_SEC;
}

struct fixture {
    struct store *st;
    struct ledger *lg;
};

static void open_all(struct fixture *fx)
{
    char note[512], err[512] = "", dir[128];
    snprintf(dir, sizeof dir, "%s/state", tmpdir);
    if (store_open(dir, &fx->st, note, sizeof note, err, sizeof err) != 0)
        fail_msg("store_open: %s", err);
    fx->lg = ledger_new(fx->st);
    assert_non_null(fx->lg);
}

static void close_all(struct fixture *fx)
{
    ledger_free(fx->lg);
    store_close(fx->st);
}

/* The journal: 23:59 on the 20th, 00:01 and 21:00 on the 21st, the 25th (25 hours long), the
 * 28th twice. */
static const struct {
    int mday, h, m, mood;
    const char *note;
} ENTRIES[] = {
    {20, 23, 59, 3, "the evening before the range"},
    {21, 0, 1, 0, NULL}, /* a bare check-in */
    {21, 21, 0, 5, "a long walk"},
    {25, 23, 30, 2, NULL},
    {28, 8, 0, 0, "coffee, \"quietly\" <together>"},
    {28, 20, 0, 4, "dinner"},
};
#define NOW oct(28, 22, 0)

static void fill(struct fixture *fx)
{
    for (size_t i = 0; i < sizeof ENTRIES / sizeof ENTRIES[0]; i++) {
        int64_t id;
        assert_int_equal(ledger_checkin_add(fx->lg, oct(ENTRIES[i].mday, ENTRIES[i].h,
                                                         ENTRIES[i].m),
                                            ENTRIES[i].mood, ENTRIES[i].note, &id),
                         0);
    }
}

struct seen {
    int n, stop_after;
    int mday[16], mood[16];
    char note[16][64];
    int64_t id[16];
};

static int seen_cb(void *ud, const struct ledger_journal_entry *e)
{
    struct seen *s = ud;
    time_t t = (time_t)(e->at / USEC_PER_SEC);
    struct tm tm;
    localtime_r(&t, &tm);
    s->mday[s->n] = tm.tm_mday;
    s->mood[s->n] = e->mood;
    s->id[s->n] = e->id;
    snprintf(s->note[s->n], sizeof s->note[0], "%s", e->note ? e->note : "");
    s->n++;
    return s->stop_after && s->n >= s->stop_after;
}

static void test_journal_range(void **state)
{
    (void)state;
    struct fixture fx;
    open_all(&fx);
    fill(&fx);
    /* 8 days ending the 28th: from the 21st at 00:00, so 23:59 on the 20th is out. */
    struct seen s = {0};
    assert_int_equal(ledger_journal(fx.lg, NOW, 8, seen_cb, &s), 0);
    assert_int_equal(s.n, 5);
    int want_day[] = {21, 21, 25, 28, 28}, want_mood[] = {0, 5, 2, 0, 4};
    for (int i = 0; i < 5; i++) {
        assert_int_equal(s.mday[i], want_day[i]);
        assert_int_equal(s.mood[i], want_mood[i]);
        if (i) assert_true(s.id[i] > s.id[i - 1]);
    }
    assert_string_equal(s.note[1], "a long walk");
    assert_string_equal(s.note[3], "coffee, \"quietly\" <together>");
    /* 9 days: the 20th too. */
    memset(&s, 0, sizeof s);
    assert_int_equal(ledger_journal(fx.lg, NOW, 9, seen_cb, &s), 0);
    assert_int_equal(s.n, 6);
    assert_int_equal(s.mday[0], 20);
    /* Today only. */
    memset(&s, 0, sizeof s);
    assert_int_equal(ledger_journal(fx.lg, NOW, 1, seen_cb, &s), 0);
    assert_int_equal(s.n, 2);
    /* 4 days (25th..28th): the 25th's late entry is in although that day had 25 hours. */
    memset(&s, 0, sizeof s);
    assert_int_equal(ledger_journal(fx.lg, NOW, 4, seen_cb, &s), 0);
    assert_int_equal(s.n, 3);
    assert_int_equal(s.mday[0], 25);
    /* A callback that has enough stops the walk; that is not an error. */
    memset(&s, 0, sizeof s);
    s.stop_after = 2;
    assert_int_equal(ledger_journal(fx.lg, NOW, 30, seen_cb, &s), 0);
    assert_int_equal(s.n, 2);
    /* Bounds. */
    assert_int_equal(ledger_journal(fx.lg, NOW, 0, seen_cb, &s), -EINVAL);
    assert_int_equal(ledger_journal(fx.lg, NOW, JOURNAL_DAYS_MAX + 1, seen_cb, &s), -EINVAL);
    memset(&s, 0, sizeof s);
    assert_int_equal(ledger_journal(fx.lg, NOW, JOURNAL_DAYS_MAX, seen_cb, &s), 0);
    assert_int_equal(s.n, 6);
    close_all(&fx);
}

static void test_empty_journal(void **state)
{
    (void)state;
    struct fixture fx;
    open_all(&fx);
    struct seen s = {0};
    assert_int_equal(ledger_journal(fx.lg, NOW, 30, seen_cb, &s), 0);
    assert_int_equal(s.n, 0);
    struct ledger_report r;
    assert_int_equal(ledger_report_compute(fx.lg, NOW, 30, NULL, NULL, &r), 0);
    assert_int_equal(r.nnotes, 0);
    for (int i = 0; i < r.ndays; i++)
        assert_int_equal(r.days[i].mood_n, 0);
    ledger_report_free(&r);
    close_all(&fx);
}

static void test_report_moods_and_notes(void **state)
{
    (void)state;
    struct fixture fx;
    open_all(&fx);
    fill(&fx);
    struct ledger_report r;
    assert_int_equal(ledger_report_compute(fx.lg, NOW, 8, NULL, NULL, &r), 0);
    assert_int_equal(r.ndays, 8);
    /* Days: 21st .. 28th. */
    struct {
        int sum, n;
    } want[8] = {[0] = {5, 1}, [4] = {2, 1}, [7] = {4, 1}};
    for (int i = 0; i < 8; i++) {
        assert_int_equal(r.days[i].mood_sum, want[i].sum);
        assert_int_equal(r.days[i].mood_n, want[i].n);
    }
    /* The bare check-in of the 21st reads nothing back; the 20th is out of range. */
    assert_int_equal(r.nnotes, 4);
    assert_string_equal(r.notes[0].note, "a long walk");
    assert_int_equal(r.notes[0].mood, 5);
    assert_null(r.notes[1].note);
    assert_int_equal(r.notes[1].mood, 2);
    assert_string_equal(r.notes[2].note, "coffee, \"quietly\" <together>");
    assert_int_equal(r.notes[2].mood, 0);
    assert_int_equal(r.notes[3].mood, 4);
    assert_true(r.notes[0].at < r.notes[1].at && r.notes[2].at < r.notes[3].at);
    /* The journal still makes the days' check-ins done, as before. */
    assert_int_equal(r.days[0].journal, 2);
    assert_int_equal(r.days[0].checkins_done, r.days[0].checkins_due);
    ledger_report_free(&r);
    assert_null(r.notes);

    /* Two moods on one day: their sum and count. */
    assert_int_equal(ledger_checkin_add(fx.lg, oct(28, 21, 0), 1, NULL, NULL), 0);
    assert_int_equal(ledger_report_compute(fx.lg, NOW, 1, NULL, NULL, &r), 0);
    assert_int_equal(r.days[0].mood_sum, 5);
    assert_int_equal(r.days[0].mood_n, 2);
    assert_int_equal(r.nnotes, 3);
    ledger_report_free(&r);
    close_all(&fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_journal_range, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_journal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_report_moods_and_notes, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
