/* Unit tests for src/time/span.c: values, errors naming the token, format, round trips. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "time/span.h"

static usec_t parse_ok(const char *s)
{
    usec_t v = -1;
    char err[256] = "";
    int r = span_parse(s, &v, err, sizeof err);
    if (r != 0) fail_msg("span_parse(\"%s\") failed: %s", s, err);
    return v;
}

static void expect_err(const char *s, int code, const char *msg)
{
    usec_t v = 12345;
    char err[256] = "";
    assert_int_equal(span_parse(s, &v, err, sizeof err), -code);
    assert_string_equal(err, msg);
    assert_int_equal(v, 12345); /* untouched on error */
}

static void test_units(void **state)
{
    (void)state;
    assert_int_equal(parse_ok("45min"), 45 * USEC_PER_MINUTE);
    assert_int_equal(parse_ok("45m"), 45 * USEC_PER_MINUTE);
    assert_int_equal(parse_ok("90"), 90 * USEC_PER_SEC);
    assert_int_equal(parse_ok("2h 30min"), 150 * USEC_PER_MINUTE);
    assert_int_equal(parse_ok("2h30min"), 150 * USEC_PER_MINUTE);
    assert_int_equal(parse_ok("1.5h"), 90 * USEC_PER_MINUTE);
    assert_int_equal(parse_ok("3w"), 21 * USEC_PER_DAY);
    assert_int_equal(parse_ok("6M"), 6 * (usec_t)2629800 * USEC_PER_SEC);
    assert_int_equal(parse_ok("1y"), (usec_t)31557600 * USEC_PER_SEC);
    assert_int_equal(parse_ok("5 msec 3us"), 5003);
    assert_int_equal(parse_ok("1µs"), 1);
    assert_int_equal(parse_ok("1μs"), 1);
    assert_int_equal(parse_ok("2 hours 1 second"), 2 * USEC_PER_HOUR + USEC_PER_SEC);
    assert_int_equal(parse_ok(" 5 5 "), 10 * USEC_PER_SEC);
    assert_int_equal(parse_ok(".5"), USEC_PER_SEC / 2);
    assert_int_equal(parse_ok("1.5us"), 1); /* below resolution: truncated */
    assert_int_equal(parse_ok("0"), 0);
    assert_int_equal(parse_ok("infinity"), USEC_INFINITY);
    assert_int_equal(parse_ok(" infinity "), USEC_INFINITY);
}

static void test_errors(void **state)
{
    (void)state;
    expect_err("5q", EINVAL, "bad time span \"5q\": unknown unit \"q\"");
    expect_err("5 foo", EINVAL, "bad time span \"5 foo\": unknown unit \"foo\"");
    expect_err("5secs", EINVAL, "bad time span \"5secs\": unknown unit \"secs\"");
    expect_err("5Min", EINVAL, "bad time span \"5Min\": unknown unit \"Min\"");
    expect_err("foo", EINVAL, "bad time span \"foo\": expected a number at \"foo\"");
    expect_err("", EINVAL, "bad time span \"\": empty");
    expect_err("   ", EINVAL, "bad time span \"   \": empty");
    expect_err("-5", ERANGE, "bad time span \"-5\": negative value \"-5\"");
    expect_err("5.", EINVAL, "bad time span \"5.\": expected digits after \".\" in \"5.\"");
    expect_err("12.34.56", EINVAL,
               "bad time span \"12.34.56\": unexpected \".56\" after \"12.34\"");
    expect_err("infinityx", EINVAL,
               "bad time span \"infinityx\": unexpected \"x\" after \"infinity\"");
    expect_err(
        "99999999999999999999", ERANGE,
        "bad time span \"99999999999999999999\": number \"99999999999999999999\" is too large");
    expect_err("9999999999999y", ERANGE,
               "bad time span \"9999999999999y\": \"9999999999999y\" is too large");
    /* INT64_MAX is our infinity, so the largest finite span is one less */
    expect_err("9223372036854775807us", ERANGE,
               "bad time span \"9223372036854775807us\": span is too large");
    assert_int_equal(parse_ok("9223372036854775806us"), INT64_MAX - 1);
}

static void test_error_buffer_small(void **state)
{
    (void)state;
    usec_t v;
    char err[8];
    assert_int_equal(span_parse("5q", &v, err, sizeof err), -EINVAL);
    assert_int_equal(strlen(err), 7);
    assert_int_equal(span_parse("5q", &v, NULL, 0), -EINVAL);
}

static void expect_format(usec_t v, const char *want)
{
    char buf[128];
    size_t n = span_format(v, buf, sizeof buf);
    assert_string_equal(buf, want);
    assert_int_equal(n, strlen(want));
}

static void test_format(void **state)
{
    (void)state;
    expect_format(0, "0");
    expect_format(-5, "0");
    expect_format(USEC_INFINITY, "infinity");
    expect_format(1, "1us");
    expect_format(1500, "1.500ms");
    expect_format(USEC_PER_SEC * 3 / 2, "1.500000s");
    expect_format(90 * USEC_PER_MINUTE, "1h 30min");
    expect_format(60500000, "1min 500ms");
    expect_format(90500000, "1min 30.500000s");
    expect_format(parse_ok("1y 2M 3d 4h 5min 6s 7ms 8us"), "1y 2month 3d 4h 5min 6.007008s");
    expect_format(INT64_MAX - 1, "292271y 1w 1d 10h 54.775806s");

    char small[4];
    size_t n = span_format(90 * USEC_PER_MINUTE, small, sizeof small);
    assert_int_equal(n, strlen("1h 30min"));
    assert_string_equal(small, "1h ");
}

static void test_round_trip(void **state)
{
    (void)state;
    uint64_t x = 88172645463325252ULL;
    for (int i = 0; i < 20000; i++) {
        /* xorshift: values of every magnitude up to ~1e18 */
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        usec_t v = (usec_t)(x >> (x % 60 + 4));
        char buf[128];
        span_format(v, buf, sizeof buf);
        assert_int_equal(parse_ok(buf), v);
    }
}

static void test_never_crashes(void **state)
{
    (void)state;
    const char *junk[] = {"\xff",
                          "\xce",
                          "\xc2",
                          "µ",
                          "5µ",
                          ".",
                          "..",
                          "+",
                          "+-1",
                          "1 .",
                          "1e",
                          "1.5.",
                          "\x01",
                          "1h\x7f",
                          "0x",
                          "5 -",
                          "infinity infinity"};
    for (size_t i = 0; i < sizeof junk / sizeof junk[0]; i++) {
        usec_t v;
        char err[256];
        assert_true(span_parse(junk[i], &v, err, sizeof err) < 0);
        assert_non_null(strstr(err, "bad time span"));
    }
}


/* span_add_calendar: months and years on the local calendar, the rest exact. */
static usec_t cal_add(long long t, const char *s)
{
    usec_t out = -1;
    char err[256] = "";
    if (span_add_calendar((usec_t)t * USEC_PER_SEC, s, &out, err, sizeof err) != 0)
        fail_msg("span_add_calendar(\"%s\") failed: %s", s, err);
    return out / USEC_PER_SEC;
}

static void test_add_calendar(void **state)
{
    (void)state;
    setenv("TZ", "Europe/Berlin", 1);
    tzset();
    /* Six months after 2026-11-01 00:00 is 2027-05-01 00:00, not 182.6 days (across DST). */
    assert_int_equal(cal_add(1793487600, "6M"), 1809122400);
    assert_int_equal(cal_add(1793487600, "6 months"), 1809122400);
    /* Ends of months clamp: Jan 31 + 1M is Feb 28, or Feb 29 in a leap year. */
    assert_int_equal(cal_add(1769857200, "1M"), 1772276400);
    assert_int_equal(cal_add(1832918400, "1month"), 1835424000);
    /* A year after Feb 29 is Feb 28. */
    assert_int_equal(cal_add(1835424000, "1y"), 1866960000);
    /* Years, then months, then the exact rest: 2026-11-01 20:30 -> 2028-01-04 20:30. */
    assert_int_equal(cal_add(1793561400, "1y 2M 3d"), 1830627000);
    assert_int_equal(cal_add(1793561400, "3d 2M 1y"), 1830627000);
    /* Weeks, days and hours stay exact, across a DST change too. */
    assert_int_equal(cal_add(1774000000, "3w"), 1774000000 + 21 * 86400);
    assert_int_equal(cal_add(1774000000, "90"), 1774000090);
    /* A fractional month is exact time (30.44 days a month). */
    assert_int_equal(cal_add(1793487600, "1.5M"), 1793487600 + 3944700);
    /* A wall time that does not exist that day lands after the gap: 02:30 -> 03:30 CEST. */
    assert_int_equal(cal_add(1766971800, "3M"), 1774747800);
    /* Errors are span_parse's. */
    usec_t out = 7;
    char err[256] = "";
    assert_int_equal(span_add_calendar(0, "6Q", &out, err, sizeof err), -EINVAL);
    assert_string_equal(err, "bad time span \"6Q\": unknown unit \"Q\"");
    assert_int_equal(out, 7);
    assert_int_equal(span_add_calendar(0, "20000y", &out, err, sizeof err), -ERANGE);
    assert_int_equal(span_add_calendar(0, "infinity", &out, err, sizeof err), 0);
    assert_int_equal(out, USEC_INFINITY);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_units),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_error_buffer_small),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_never_crashes),
        cmocka_unit_test(test_add_calendar),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
