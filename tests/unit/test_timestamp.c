/* Unit tests for src/time/timestamp.c. ctest runs them with TZ=Europe/Berlin; each test sets
 * TZ itself anyway so it can run alone. "now" is fixed: Sun 2026-11-22 01:09:55.5 CET. */
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

#include "time/calendar.h"
#include "time/timestamp.h"
#include "time/tz.h"

#define NOW ((usec_t)1795306195 * USEC_PER_SEC + 500000)
#define SEC(x) ((usec_t)(x)*USEC_PER_SEC)

static int berlin(void **state)
{
    (void)state;
    setenv("TZ", "Europe/Berlin", 1);
    tzset();
    return 0;
}

static usec_t parse_ok(const char *s)
{
    usec_t v = -1;
    char err[256] = "";
    if (timestamp_parse(s, NOW, &v, err, sizeof err) != 0)
        fail_msg("timestamp_parse(\"%s\") failed: %s", s, err);
    return v;
}

static void expect_err(const char *s, int code, const char *msg)
{
    usec_t v = 7;
    char err[256] = "";
    assert_int_equal(timestamp_parse(s, NOW, &v, err, sizeof err), -code);
    assert_string_equal(err, msg);
    assert_int_equal(v, 7);
}

static void expect_norm(const char *s, const char *norm)
{
    char buf[128];
    timestamp_format(parse_ok(s), buf, sizeof buf);
    assert_string_equal(buf, norm);
}

static void test_absolute(void **state)
{
    (void)state;
    expect_norm("2026-12-24 18:00", "Thu 2026-12-24 18:00:00 CET");
    expect_norm("2026-12-24 18:00:05", "Thu 2026-12-24 18:00:05 CET");
    expect_norm("2026-12-24", "Thu 2026-12-24 00:00:00 CET");
    expect_norm("26-07-01 12:00", "Wed 2026-07-01 12:00:00 CEST");
    expect_norm("Mon 2026-11-23 18:00", "Mon 2026-11-23 18:00:00 CET");
    expect_norm("monday 2026-11-23", "Mon 2026-11-23 00:00:00 CET");
    expect_norm("2026-12-24 18:00 UTC", "Thu 2026-12-24 19:00:00 CET");
    expect_norm("2026-12-24 18:00 utc", "Thu 2026-12-24 19:00:00 CET");
    assert_int_equal(parse_ok("2026-12-24 18:00:05.25"), SEC(1798131605) + 250000);
    assert_int_equal(parse_ok("2026-12-24 18:00:05.1234565"), SEC(1798131605) + 123457);
    assert_int_equal(parse_ok("@1798000000"), SEC(1798000000));
    assert_int_equal(parse_ok("@1.5"), SEC(1) + 500000);
    assert_int_equal(parse_ok("1970-01-01 01:00"), 0);
}

static void test_zones(void **state)
{
    (void)state;
    /* the local zone's daylight name forces daylight time, even in November */
    expect_norm("2026-11-23 18:00 CEST", "Mon 2026-11-23 17:00:00 CET");
    expect_norm("2026-11-23 18:00 cest", "Mon 2026-11-23 17:00:00 CET");
    /* IANA zones, and TZ is restored afterwards */
    assert_int_equal(parse_ok("2026-12-24 18:00 Asia/Tokyo"), SEC(1798102800));
    assert_int_equal(parse_ok("2026-12-24 18:00 America/New_York"), SEC(1798153200));
    assert_string_equal(getenv("TZ"), "Europe/Berlin");
    expect_norm("2026-12-24 18:00 Europe/Berlin", "Thu 2026-12-24 18:00:00 CET");
    /* "CET" is a zone file and the zone's own standard-time name: standard time even in July */
    expect_norm("2026-07-24 18:00 CET", "Fri 2026-07-24 19:00:00 CEST");
    assert_int_equal(parse_ok("today Asia/Tokyo"), SEC(1795273200));
}

static void test_dst(void **state)
{
    (void)state;
    /* a wall time in the spring gap is moved forward, as mktime (and systemd) do */
    expect_norm("2026-03-29 02:30", "Sun 2026-03-29 03:30:00 CEST");
    expect_norm("2026-10-25 02:30", "Sun 2026-10-25 02:30:00 CET");
    expect_norm("2026-10-25 01:30", "Sun 2026-10-25 01:30:00 CEST");
    /* A localtime() of an old date makes libc's tzname the era's ("LMT"): the zone's own
     * abbreviations still read afterwards (the fuzzer found "CET" refused after a year-201
     * date). */
    time_t old = -60000000000; /* the year 68 */
    struct tm tm;
    localtime_r(&old, &tm);
    expect_norm("2026-10-25 02:30 CET", "Sun 2026-10-25 02:30:00 CET");
    expect_norm("2026-10-25 02:30 CEST", "Sun 2026-10-25 02:30:00 CEST");
}

static void test_relative(void **state)
{
    (void)state;
    assert_int_equal(parse_ok("now"), NOW);
    assert_int_equal(parse_ok("+3h"), NOW + 3 * USEC_PER_HOUR);
    assert_int_equal(parse_ok("-1d"), NOW - USEC_PER_DAY);
    assert_int_equal(parse_ok("3h ago"), NOW - 3 * USEC_PER_HOUR);
    assert_int_equal(parse_ok("1d left"), NOW + USEC_PER_DAY);
    assert_int_equal(parse_ok("+ 1h 30min"), NOW + 90 * USEC_PER_MINUTE);
    expect_norm("today", "Sun 2026-11-22 00:00:00 CET");
    expect_norm("yesterday", "Sat 2026-11-21 00:00:00 CET");
    expect_norm("tomorrow", "Mon 2026-11-23 00:00:00 CET");
    expect_norm("18:00", "Sun 2026-11-22 18:00:00 CET");
    expect_norm("18:00:30", "Sun 2026-11-22 18:00:30 CET");
    expect_norm("Sun 18:00", "Sun 2026-11-22 18:00:00 CET");
    expect_norm("today UTC", "Sun 2026-11-22 01:00:00 CET");
    expect_norm("Dec 24 18:00:00", "Thu 2026-12-24 18:00:00 CET");
}

static void test_errors(void **state)
{
    (void)state;
    expect_err("", EINVAL, "bad timestamp \"\": empty");
    expect_err("bogus", EINVAL, "bad timestamp \"bogus\": cannot read \"bogus\" as a date or time");
    expect_err("Tue 2026-11-23 18:00", EINVAL,
               "bad timestamp \"Tue 2026-11-23 18:00\": \"Tue\" does not match 2026-11-23, a Mon");
    expect_err(
        "2026-12-24 18:00 Mars/Olympus", EINVAL,
        "bad timestamp \"2026-12-24 18:00 Mars/Olympus\": unknown time zone \"Mars/Olympus\": "
        "no such zone");
    expect_err("2026-12-24T18:00", EINVAL,
               "bad timestamp \"2026-12-24T18:00\": unexpected \"T18:00\" after \"2026-12-24\"");
    expect_err("+3q", EINVAL, "bad timestamp \"+3q\": unknown unit \"q\"");
    expect_err("+infinity", EINVAL,
               "bad timestamp \"+infinity\": \"infinity\" is not a distance in time");
    expect_err("1969-12-31", ERANGE,
               "bad timestamp \"1969-12-31\": \"1969-12-31\" is before 1970-01-01 00:00:00 UTC");
    expect_err("9999-12-30 23:59:59.5 UTC", ERANGE,
               "bad timestamp \"9999-12-30 23:59:59.5 UTC\": \"9999-12-30 23:59:59.5\" is after "
               "9999-12-30 23:59:59 UTC");
    expect_err("+8000y", ERANGE,
               "bad timestamp \"+8000y\": \"+8000y\" is after 9999-12-30 23:59:59 UTC");
    expect_err("-100y", ERANGE,
               "bad timestamp \"-100y\": \"-100y\" is before 1970-01-01 00:00:00 UTC");
    expect_err("18:00:30.", EINVAL,
               "bad timestamp \"18:00:30.\": expected digits after \".\", got \"\"");
    expect_err(
        "now Europe/Berlin", EINVAL,
        "bad timestamp \"now Europe/Berlin\": \"now\" is relative and cannot take a time zone");
    expect_err("now UTC", EINVAL,
               "bad timestamp \"now UTC\": cannot read \"now\" as a date or time");
    expect_err("@-5", ERANGE, "bad timestamp \"@-5\": negative value \"-5\"");
}

static void test_format(void **state)
{
    (void)state;
    char buf[128];
    usec_t t = SEC(1795462200); /* Mon 2026-11-23 19:30:00 UTC */
    timestamp_format(t, buf, sizeof buf);
    assert_string_equal(buf, "Mon 2026-11-23 20:30:00 CET");
    timestamp_format_utc(t, buf, sizeof buf);
    assert_string_equal(buf, "Mon 2026-11-23 19:30:00 UTC");
    timestamp_format_iso(t, buf, sizeof buf);
    assert_string_equal(buf, "2026-11-23T20:30:00+01:00");
    timestamp_format_iso(SEC(1784908800), buf, sizeof buf);
    assert_string_equal(buf, "2026-07-24T18:00:00+02:00");
    /* systemd prints unset (0, infinity) as "-", past year 9999 as placeholders */
    timestamp_format(0, buf, sizeof buf);
    assert_string_equal(buf, "-");
    timestamp_format(USEC_INFINITY, buf, sizeof buf);
    assert_string_equal(buf, "-");
    timestamp_format(SEC(253402214400), buf, sizeof buf);
    assert_string_equal(buf, "--- XXXX-XX-XX XX:XX:XX");

    setenv("TZ", "America/New_York", 1);
    timestamp_format_iso(t, buf, sizeof buf);
    assert_string_equal(buf, "2026-11-23T14:30:00-05:00");
    setenv("TZ", "Asia/Kolkata", 1);
    timestamp_format_iso(t, buf, sizeof buf);
    assert_string_equal(buf, "2026-11-24T01:00:00+05:30");
    setenv("TZ", "UTC", 1);
    timestamp_format_iso(t, buf, sizeof buf);
    assert_string_equal(buf, "2026-11-23T19:30:00+00:00");
    berlin(NULL);

    char small[5];
    size_t n = timestamp_format(t, small, sizeof small);
    assert_int_equal(n, strlen("Mon 2026-11-23 20:30:00 CET"));
    assert_string_equal(small, "Mon ");
}

static void test_round_trip(void **state)
{
    (void)state;
    /* every normalized form parses back to the same second, in several zones */
    const char *zones[] = {"Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Kolkata",
                           "UTC"};
    for (size_t z = 0; z < sizeof zones / sizeof zones[0]; z++) {
        setenv("TZ", zones[z], 1);
        for (usec_t s = 86400; s < SEC(4102444800) / USEC_PER_SEC; s += 7777777) {
            char buf[128], err[256];
            usec_t back;
            timestamp_format(SEC(s), buf, sizeof buf);
            if (timestamp_parse(buf, NOW, &back, err, sizeof err) != 0)
                fail_msg("%s: %s", zones[z], err);
            assert_int_equal(back, SEC(s));
        }
    }
    berlin(NULL);
}

static void test_never_crashes(void **state)
{
    (void)state;
    static char big[4096];
    memset(big, '9', sizeof big - 1);
    const char *junk[] = {" ",
                          "@",
                          "+",
                          "-",
                          " ago",
                          "ago",
                          "Mon ",
                          "Mon",
                          "2026-",
                          "::",
                          ".",
                          "18:00:30.x",
                          "\xff\xfe",
                          "2026-12-24 18:00 /etc/passwd",
                          "2026-12-24 18:00 ../../etc/passwd",
                          "x Europe//Berlin",
                          big,
                          "2026-12-24 18:00 Europe/",
                          " UTC",
                          "UTC",
                          "Sunday"};
    for (size_t i = 0; i < sizeof junk / sizeof junk[0]; i++) {
        usec_t v;
        char err[256];
        assert_true(timestamp_parse(junk[i], NOW, &v, err, sizeof err) < 0);
        assert_non_null(strstr(err, "bad timestamp"));
    }
    usec_t v;
    /* extreme "now" values must not overflow */
    assert_true(timestamp_parse("+1h", INT64_MAX - 1, &v, NULL, 0) < 0);
    assert_true(timestamp_parse("-1h", 0, &v, NULL, 0) < 0);
    assert_true(timestamp_parse("today", -1, &v, NULL, 0) < 0);
}

/* Zone names as systemd's timezone_is_valid() has them: the file alone is not enough
 * ("Europe//Berlin" opens Europe/Berlin), and each refusal says why, in calendar events too. */
static void test_zone_names(void **state)
{
    (void)state;
    static const struct {
        const char *zone, *why; /* why NULL: valid */
    } cases[] = {
        {"Europe/Berlin", NULL},
        {"UTC", NULL},
        {"Etc/GMT+5", NULL},
        {"America/Argentina/Buenos_Aires", NULL},
        {"Europe//Berlin", "empty part"},
        {"//Europe/Berlin", "starts with"},
        {"/Europe/Berlin", "starts with"},
        {"Europe/Berlin/", "ends with"},
        {"Europe/../Europe/Berlin", "character"},
        {"Europe/./Berlin", "character"},
        {"Europe", "not a zone file"},
        {"Mars/Olympus", "no such zone"},
        {"", "empty"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *why = tz_name_problem(cases[i].zone);
        if (!cases[i].why != !why || (why && !strstr(why, cases[i].why)))
            fail_msg("\"%s\": got %s, want %s", cases[i].zone, why ? why : "valid",
                     cases[i].why ? cases[i].why : "valid");
        if (!*cases[i].zone) continue;
        char expr[128], err[256] = "";
        usec_t v;
        struct calendar *c = NULL;
        snprintf(expr, sizeof expr, "2026-12-24 18:00 %s", cases[i].zone);
        int r = timestamp_parse(expr, 0, &v, err, sizeof err);
        if ((r == 0) != !cases[i].why) fail_msg("timestamp \"%s\": %d %s", expr, r, err);
        if (r < 0 && cases[i].zone[0] != '/' && !strstr(err, cases[i].why))
            fail_msg("timestamp \"%s\": %s", expr, err);
        snprintf(expr, sizeof expr, "daily %s", cases[i].zone);
        r = calendar_parse(expr, &c, err, sizeof err);
        if ((r == 0) != !cases[i].why) fail_msg("calendar \"%s\": %d %s", expr, r, err);
        if (r < 0 && strchr(cases[i].zone, '/') && !strstr(err, cases[i].why))
            fail_msg("calendar \"%s\": %s", expr, err);
        calendar_free(c);
    }
}

/* Dues: a timestamp, or a calendar event's next elapse. The expected elapses are what
 * `TZ=Europe/Berlin systemd-analyze calendar --iterations=1 --base-time=@1795306195.5 EXPR`
 * printed (systemd 252); test_next_live asks it again when it is installed. */
static const struct {
    const char *expr, *norm;
} next_rows[] = {
    {"Sat 11:00", "Sat 2026-11-28 11:00:00 CET"},
    {"Fri 18:00", "Fri 2026-11-27 18:00:00 CET"},
    {"Mon..Fri 09:00", "Mon 2026-11-23 09:00:00 CET"},
    {"*-12-24 19:00", "Thu 2026-12-24 19:00:00 CET"},
    /* now is Sun 01:09:55: this Sunday's 01:00 has gone, its 02:00 has not */
    {"Sun 01:00", "Sun 2026-11-29 01:00:00 CET"},
    {"Sun 02:00", "Sun 2026-11-22 02:00:00 CET"},
    {"sunday 01:09:55", "Sun 2026-11-29 01:09:55 CET"},
    {"daily", "Mon 2026-11-23 00:00:00 CET"},
    {"Sat 11:00 UTC", "Sat 2026-11-28 12:00:00 CET"},
    {"Mon 18:00 Asia/Tokyo", "Mon 2026-11-23 10:00:00 CET"},
};

static usec_t next_ok(const char *s)
{
    usec_t v = -1;
    char err[768] = "";
    if (timestamp_parse_next(s, NOW, &v, err, sizeof err) != 0)
        fail_msg("timestamp_parse_next(\"%s\") failed: %s", s, err);
    return v;
}

static void expect_next(const char *s, const char *norm)
{
    char buf[128];
    timestamp_format(next_ok(s), buf, sizeof buf);
    if (strcmp(buf, norm)) fail_msg("\"%s\": got %s, want %s", s, buf, norm);
}

static void test_next(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof next_rows / sizeof next_rows[0]; i++)
        expect_next(next_rows[i].expr, next_rows[i].norm);
    /* a timestamp is read first, as timestamp_parse reads it: "01:00" is today's, gone or not */
    assert_int_equal(next_ok("2026-12-24 18:00"), parse_ok("2026-12-24 18:00"));
    assert_int_equal(next_ok("+3h"), parse_ok("+3h"));
    assert_int_equal(next_ok("tomorrow"), parse_ok("tomorrow"));
    expect_next("01:00", "Sun 2026-11-22 01:00:00 CET");
    /* a weekday and a date: that day, also once it has gone (the past-due warning's case) */
    expect_next("Sat 2026-12-05 11:00", "Sat 2026-12-05 11:00:00 CET");
    expect_next("Fri 2026-11-20 18:00", "Fri 2026-11-20 18:00:00 CET");
    /* a cron line is a calendar event too */
    expect_next("30 20 * * 1-5", "Mon 2026-11-23 20:30:00 CET");
}

static void expect_next_err(const char *s, const char *msg)
{
    usec_t v = 7;
    char err[768] = "";
    assert_true(timestamp_parse_next(s, NOW, &v, err, sizeof err) < 0);
    assert_string_equal(err, msg);
    assert_int_equal(v, 7);
}

#define RIGHT "; a time looks like \"2026-12-24 18:00\" or \"+2h\", a calendar event like \"Sat 11:00\""

static void test_next_errors(void **state)
{
    (void)state;
    expect_next_err("Sat 11:0x", "\"Sat 11:0x\" is neither a time (unexpected \"x\" after "
                                 "\"11:0\") nor a calendar event (unexpected \"x\" in minute)" RIGHT);
    expect_next_err("tomorow", "\"tomorow\" is neither a time (cannot read \"tomorow\" as a date "
                               "or time) nor a calendar event (unknown weekday \"tomorow\")" RIGHT);
    expect_next_err("2026-13-01", "\"2026-13-01\" is neither a time (cannot read \"2026-13-01\" as "
                                  "a date or time) nor a calendar event (month 13 out of range "
                                  "1..12)" RIGHT);
    /* 2026-12-01 is a Tuesday: no Saturday of that date ever comes */
    expect_next_err("Sat 2026-12-01 11:00",
                    "\"Sat 2026-12-01 11:00\" is neither a time (\"Sat\" does not match "
                    "2026-12-01, a Tue) nor a calendar event (it does not come again after Sun "
                    "2026-11-22 01:09:55 CET)" RIGHT);
    expect_next_err("", "the time is empty" RIGHT);
    expect_next_err("  ", "the time is empty" RIGHT);
    char big[600];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = 0;
    usec_t v;
    char err[768];
    assert_int_equal(timestamp_parse_next(big, NOW, &v, err, sizeof err), -EINVAL);
    assert_non_null(strstr(err, "too long"));
    /* the message is cut, never overrun */
    assert_true(timestamp_parse_next("Sat 11:0x", NOW, &v, err, 20) < 0);
    assert_int_equal(strlen(err), 19);
}

static void test_past(void **state)
{
    (void)state;
    usec_t v = 7;
    char err[768] = "";
    assert_int_equal(timestamp_parse_past("2026-11-01", NOW, &v, err, sizeof err), 0);
    assert_int_equal(v, parse_ok("2026-11-01"));
    assert_int_equal(timestamp_parse_past("-7d", NOW, &v, err, sizeof err), 0);
    assert_int_equal(v, parse_ok("-7d"));
    /* a calendar event's next elapse is to come: not a start */
    v = 7;
    assert_int_equal(timestamp_parse_past("Sat 11:00", NOW, &v, err, sizeof err), -EINVAL);
    assert_string_equal(err, "\"Sat 11:00\" is a calendar event, whose next time (Sat 2026-11-28 "
                             "11:00:00 CET) is still to come; a start is a moment that has been, "
                             "like \"2026-11-01\", \"yesterday\" or \"-7d\"");
    assert_int_equal(v, 7);
    assert_int_equal(timestamp_parse_past("Sat 2026-12-01", NOW, &v, err, sizeof err), -EINVAL);
    assert_string_equal(err, "\"Sat 2026-12-01\" is a calendar event, not a moment; a start is a "
                             "moment that has been, like \"2026-11-01\", \"yesterday\" or \"-7d\"");
    /* neither: the timestamp's own message */
    assert_int_equal(timestamp_parse_past("someday", NOW, &v, err, sizeof err), -EINVAL);
    assert_string_equal(err, "bad timestamp \"someday\": cannot read \"someday\" as a date or time");
}

/* The oracle itself, when it is installed: the same rows, asked now. */
static void test_next_live(void **state)
{
    (void)state;
    if (system("systemd-analyze --version >/dev/null 2>&1") != 0) skip();
    for (size_t i = 0; i < sizeof next_rows / sizeof next_rows[0]; i++) {
        char cmd[256], line[256], got[128] = "";
        snprintf(cmd, sizeof cmd,
                 "TZ=Europe/Berlin systemd-analyze calendar --iterations=1 "
                 "--base-time=@1795306195.5 '%s' 2>/dev/null",
                 next_rows[i].expr);
        FILE *p = popen(cmd, "r");
        assert_non_null(p);
        while (fgets(line, sizeof line, p)) {
            const char *k = strstr(line, "Next elapse: ");
            if (k) {
                snprintf(got, sizeof got, "%s", k + 13);
                got[strcspn(got, "\n")] = 0;
            }
        }
        pclose(p);
        if (!*got) skip(); /* an older systemd without --base-time */
        if (strcmp(got, next_rows[i].norm))
            fail_msg("systemd-analyze: \"%s\" next %s, the table says %s", next_rows[i].expr, got,
                     next_rows[i].norm);
        expect_next(next_rows[i].expr, got);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_absolute, berlin),
        cmocka_unit_test_setup(test_zones, berlin),
        cmocka_unit_test_setup(test_dst, berlin),
        cmocka_unit_test_setup(test_relative, berlin),
        cmocka_unit_test_setup(test_errors, berlin),
        cmocka_unit_test_setup(test_format, berlin),
        cmocka_unit_test_setup(test_round_trip, berlin),
        cmocka_unit_test_setup(test_never_crashes, berlin),
        cmocka_unit_test_setup(test_zone_names, berlin),
        cmocka_unit_test_setup(test_next, berlin),
        cmocka_unit_test_setup(test_next_errors, berlin),
        cmocka_unit_test_setup(test_past, berlin),
        cmocka_unit_test_setup(test_next_live, berlin),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
