/* Unit tests for src/time/iso8601.c: instants with offsets and Z, dates, bad input, and a
 * round trip through timestamp_format_iso() in several zones. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "time/iso8601.h"
#include "time/timestamp.h"

#define SEC(s) ((usec_t)(s)*USEC_PER_SEC)

static void test_instants(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        int64_t epoch;
    } rows[] = {
        {"1970-01-01T00:00:00Z", 0},
        {"1970-01-01T00:00:00+00:00", 0},
        {"1970-01-01T01:00:00+01:00", 0},
        {"1969-12-31T19:00:00-05:00", 0},
        {"2026-11-23T20:30:00+01:00", 1795462200},
        {"2026-11-23T19:30:00Z", 1795462200},
        {"2026-11-24T01:00:00+05:30", 1795462200},
        {"2024-02-29T12:00:00Z", 1709208000},
        {"2000-03-01T00:00:00Z", 951868800},
        {"1900-03-01T00:00:00Z", -2203891200},
        {"9999-12-31T23:59:59Z", 253402300799},
        {"2016-12-31T23:59:60Z", 1483228800}, /* a leap second reads as the next second */
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct iso8601 t;
        char err[256] = "";
        if (iso8601_parse(rows[i].s, &t, err, sizeof err) < 0) fail_msg("%s: %s", rows[i].s, err);
        assert_true(t.has_time);
        if (iso8601_usec(&t) != SEC(rows[i].epoch))
            fail_msg("%s: %lld, want %lld", rows[i].s, (long long)(iso8601_usec(&t) / USEC_PER_SEC),
                     (long long)rows[i].epoch);
    }
}

static void test_dates(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        int64_t day;
    } rows[] = {
        {"1970-01-01", 0},     {"1970-01-02", 1},     {"1969-12-31", -1},
        {"2026-11-23", 20780}, {"2024-02-29", 19782}, {"2000-01-01", 10957},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct iso8601 t;
        assert_int_equal(iso8601_parse(rows[i].s, &t, NULL, 0), 0);
        assert_false(t.has_time);
        assert_int_equal(iso8601_day(&t), rows[i].day);
        assert_int_equal(iso8601_usec(&t), SEC(rows[i].day * 86400));
    }
    struct iso8601 t;
    assert_int_equal(iso8601_parse("2026-11-23", &t, NULL, 0), 0);
    assert_int_equal(t.year, 2026);
    assert_int_equal(t.mon, 11);
    assert_int_equal(t.mday, 23);
    /* The date written counts, not the instant: late evening west of UTC is still that day. */
    assert_int_equal(iso8601_parse("2026-11-23T23:30:00-08:00", &t, NULL, 0), 0);
    assert_int_equal(iso8601_day(&t), 20780);
}

static void test_bad(void **state)
{
    (void)state;
    static const struct {
        const char *s, *why;
    } rows[] = {
        {"", "expected YYYY-MM-DD"},
        {"2026-11", "expected YYYY-MM-DD"},
        {"26-11-23", "expected YYYY-MM-DD"},
        {"2026-1-23", "expected YYYY-MM-DD"},
        {"2026/11/23", "expected YYYY-MM-DD"},
        {" 2026-11-23", "expected YYYY-MM-DD"},
        {"+026-11-23", "expected YYYY-MM-DD"},
        {"2026-13-01", "month out of range"},
        {"2026-00-01", "month out of range"},
        {"2026-02-29", "day out of range"},
        {"2026-04-31", "day out of range"},
        {"2026-11-00", "day out of range"},
        {"2026-11-23 20:30:00Z", "expected THH:MM:SS after the date"},
        {"2026-11-23T20:30Z", "expected THH:MM:SS after the date"},
        {"2026-11-23T2:30:00Z", "expected THH:MM:SS after the date"},
        {"2026-11-23T24:00:00Z", "time out of range"},
        {"2026-11-23T20:60:00Z", "time out of range"},
        {"2026-11-23T20:30:61Z", "time out of range"},
        {"2026-11-23T20:30:00", "expected Z or an offset +HH:MM after the time"},
        {"2026-11-23T20:30:00 +01:00", "expected Z or an offset +HH:MM after the time"},
        {"2026-11-23T20:30:00+0100", "expected an offset +HH:MM"},
        {"2026-11-23T20:30:00+1:00", "expected an offset +HH:MM"},
        {"2026-11-23T20:30:00+24:00", "offset out of range"},
        {"2026-11-23T20:30:00+01:60", "offset out of range"},
        {"2026-11-23T20:30:00Zjunk", "trailing characters"},
        {"2026-11-23T20:30:00+01:00 ", "trailing characters"},
        {"2026-11-23T20:30:00.5Z", "expected Z or an offset +HH:MM after the time"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct iso8601 t = {.year = 7};
        char err[256] = "", want[256];
        if (iso8601_parse(rows[i].s, &t, err, sizeof err) != -EINVAL)
            fail_msg("\"%s\" was accepted", rows[i].s);
        snprintf(want, sizeof want, "bad ISO 8601 time \"%s\": %s", rows[i].s, rows[i].why);
        assert_string_equal(err, want);
        assert_int_equal(t.year, 7); /* untouched on error */
    }
    assert_int_equal(iso8601_parse(NULL, &(struct iso8601){0}, NULL, 0), -EINVAL);
}

/* What timestamp_format_iso() writes reads back as the same instant, in any zone. */
static void test_round_trip(void **state)
{
    (void)state;
    static const char *zones[] = {"UTC",          "Europe/Berlin",       "America/New_York",
                                  "Asia/Kolkata", "Australia/Lord_Howe", "Pacific/Chatham"};
    static const int64_t instants[] = {0,          1795462200,   1774746000,
                                       1792634400, -86400 * 365, 253402041600};
    char *old = getenv("TZ") ? strdup(getenv("TZ")) : NULL;
    for (size_t z = 0; z < sizeof zones / sizeof zones[0]; z++) {
        setenv("TZ", zones[z], 1);
        tzset();
        for (size_t i = 0; i < sizeof instants / sizeof instants[0]; i++) {
            char buf[64];
            struct iso8601 t;
            timestamp_format_iso(SEC(instants[i]), buf, sizeof buf);
            if (iso8601_parse(buf, &t, NULL, 0) < 0)
                fail_msg("%s: %s does not parse", zones[z], buf);
            assert_int_equal(iso8601_usec(&t), SEC(instants[i]));
        }
    }
    if (old)
        setenv("TZ", old, 1);
    else
        unsetenv("TZ");
    free(old);
    tzset();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_instants),
        cmocka_unit_test(test_dates),
        cmocka_unit_test(test_bad),
        cmocka_unit_test(test_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
