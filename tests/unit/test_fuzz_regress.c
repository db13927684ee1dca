/* Regression tests for bugs the fuzzers (tests/fuzz/) found; the crashing inputs also live in
 * tests/fuzz/corpus/<target>/regress-*. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "daemon/host.h"
#include "engine/clock.h"
#include "ledger/ledger.h"
#include "lua/ruleset.h"
#include "notify/notify.h"
#include "store/store.h"
#include "time/calendar.h"

static void set_tz(const char *tz)
{
    setenv("TZ", tz, 1);
    tzset();
}

/* fuzz_calendar: within_bounds() kept the DST flag of the instant before it reset the day, so
 * in a zone whose DST starts mid-month the reset wall time fell back behind itself and
 * find_next() looped until it gave up (-EDEADLK); systemd 252 fails the same way. */
static void test_calendar_dst_reset_does_not_loop(void **state)
{
    (void)state;
    set_tz("Australia/Lord_Howe");
    struct calendar *c;
    char err[256];
    assert_int_equal(calendar_parse("*-*-2/20", &c, err, sizeof err), 0);
    /* 2026-09-22 00:00:00 +10:30 (the gap is 2026-10-04 02:00 -> 02:30) */
    usec_t t = 1789997400 * USEC_PER_SEC, n = 0;
    static const long long want[] = {
        1790861400, /* 2026-10-02 00:00 +10:30 */
        1792587600, /* 2026-10-22 00:00 +11:00 */
        1793538000, /* 2026-11-02 00:00 +11:00 */
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        assert_int_equal(calendar_next(c, t, &n), 0);
        assert_int_equal(n, want[i] * USEC_PER_SEC);
        t = n;
    }
    calendar_free(c);
    set_tz("Europe/Berlin");
}

/* fuzz_calendar: systemd prints a seconds list holding "0/1" as "*" and drops the sub-second
 * items beside it, so the normalised form of "*:*:1,0/0.2,0/1" fires less often than the event.
 * We print what `systemd-analyze calendar` prints and say the form is lossy, so neither the
 * fuzzer's round trip nor reload's definition check takes the two for the same event. */
static void test_calendar_lossy_normal_form(void **state)
{
    (void)state;
    set_tz("UTC");
    struct calendar *c, *whole;
    char err[256], buf[128];
    assert_int_equal(calendar_parse("*:*:1,0/0.2,0/1", &c, err, sizeof err), 0);
    calendar_format(c, buf, sizeof buf);
    assert_string_equal(buf, "*-*-* *:*:*"); /* systemd-analyze 252's "Normalized form:" */
    assert_false(calendar_format_is_lossless(c));
    usec_t n = 0, base = 1774738800 * USEC_PER_SEC; /* 2026-03-28 23:00:00 UTC */
    assert_int_equal(calendar_next(c, base, &n), 0);
    assert_int_equal(n, base + 200000);
    calendar_free(c);

    assert_int_equal(calendar_parse("*:*:0/1,7,30", &whole, err, sizeof err), 0);
    assert_true(calendar_format_is_lossless(whole));
    calendar_free(whole);
    set_tz("Europe/Berlin");
}

/* fuzz_calendar: a zone abbreviation suffix forces the DST flag; where the zone disagrees,
 * mktime() moves the time, but find_next() skipped that round trip for fields it had not
 * changed, so after Lord Howe's DST end "0/15:0 +11" answered 23:30 +10:30 over and over
 * (never later than the start). systemd 252 says "never" there (`systemd-analyze calendar
 * --base-time=@1775275200 '0/15:0 +11'` with TZ=Australia/Lord_Howe). */
static void test_calendar_forced_dst_flag_moves_time(void **state)
{
    (void)state;
    set_tz("Australia/Lord_Howe");
    struct calendar *c;
    char err[256];
    assert_int_equal(calendar_parse("0/15:0 +11", &c, err, sizeof err), 0);
    usec_t n = 0;
    /* From 2026-04-04 00:00 +11 to 15:00 +11, the last elapse systemd finds. */
    assert_int_equal(calendar_next(c, 1775221200 * USEC_PER_SEC, &n), 0);
    assert_int_equal(n, 1775275200 * USEC_PER_SEC);
    assert_true(calendar_next(c, n, &n) < 0);
    calendar_free(c);
    set_tz("Europe/Berlin");
}

/* Writes text to a new temporary rule file; path is a mkstemp template, filled in. */
static void temp_rules(char *path, const char *text)
{
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    size_t n = strlen(text);
    assert_int_equal(write(fd, text, n), (ssize_t)n);
    close(fd);
}

/* Loads one rule file as the fuzzer does: a simulated clock, notifications to /dev/null. */
static struct ruleset *load_rules(const char *path, struct strlist *errors)
{
    static FILE *devnull;
    static struct notify_backend *capture;
    static struct clock_sim sim;
    static struct store *st;
    static struct ledger *lg;
    static struct backend_host host;
    static struct ruleset_host rhost;
    if (!devnull) {
        char err[256];
        devnull = fopen("/dev/null", "w");
        assert_non_null(devnull);
        capture = notify_capture_new(devnull, false);
        assert_int_equal(store_open_memory(&st, err, sizeof err), 0);
        assert_non_null(lg = ledger_new(st));
        host = (struct backend_host){.backend = capture, .clock = &sim.base};
        rhost = backend_host_for(&host);
    }
    clock_sim_init(&sim, 1795431600 * USEC_PER_SEC);
    const char *paths[] = {path};
    struct ruleset_options o = {.paths = paths, .n_paths = 1, .clock = &sim.base,
                                .host = &rhost, .ledger = lg, .seed = 1};
    return ruleset_load(&o, errors, NULL);
}

/* fuzz_rules: an empty rule file registers nothing, and ruleset_load passed the NULL list to
 * memcpy (undefined behaviour, caught by UBSan). */
static void test_ruleset_empty_file(void **state)
{
    (void)state;
    char path[] = "/tmp/nudge-test-empty-XXXXXX";
    temp_rules(path, "");
    struct strlist errors = {0};
    struct ruleset *rs = load_rules(path, &errors);
    assert_non_null(rs);
    assert_int_equal(errors.n, 0);
    assert_int_equal(ruleset_reminder_count(rs), 0);
    assert_int_equal(schedule_next_deadline(ruleset_schedule(rs)), USEC_INFINITY);
    ruleset_free(rs);
    strlist_free(&errors);
    unlink(path);
}

/* fuzz_rules: string.rep in a loop built ~1 KiB per VM instruction, so a 10M-instruction budget
 * let one callback copy gigabytes; the bytes C functions produce now count against it. */
static void test_ruleset_rep_loop_hits_budget(void **state)
{
    (void)state;
    char path[] = "/tmp/nudge-test-rep-XXXXXX";
    temp_rules(path, "local t = {} for i=2,1e9 do t= string.rep(\"x\", 1000) end\n");
    struct strlist errors = {0};
    struct ruleset *rs = load_rules(path, &errors);
    assert_null(rs);
    assert_int_equal(errors.n, 1);
    /* On a loaded machine the 1 s deadline may come first: either stops it. */
    if (!strstr(errors.v[0], "instruction budget exceeded") &&
        !strstr(errors.v[0], "time limit exceeded"))
        fail_msg("%s", errors.v[0]);
    strlist_free(&errors);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_calendar_dst_reset_does_not_loop),
        cmocka_unit_test(test_calendar_lossy_normal_form),
        cmocka_unit_test(test_calendar_forced_dst_flag_moves_time),
        cmocka_unit_test(test_ruleset_empty_file),
        cmocka_unit_test(test_ruleset_rep_loop_hits_budget),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
