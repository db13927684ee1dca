/* Unit tests for src/time/cron.c: parsing, errors, Vixie day matching, DST in Europe/Berlin. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "time/cron.h"

static void set_tz(const char *tz)
{
    setenv("TZ", tz, 1);
    tzset();
}

/* "2024-10-27 02:30 +0200" -> usec; the offset makes repeated wall times unambiguous. */
static usec_t at(const char *s)
{
    struct tm tm = {0};
    int off = 0;
    int n = sscanf(s, "%d-%d-%d %d:%d %d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                   &tm.tm_min, &off);
    assert_true(n == 6);
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    int64_t sec = (int64_t)timegm(&tm);
    int sign = off < 0 ? -1 : 1;
    off *= sign;
    sec -= sign * ((off / 100) * 3600 + (off % 100) * 60);
    return sec * USEC_PER_SEC;
}

static struct cron_expr parse_ok(const char *s)
{
    struct cron_expr c;
    char err[256] = "";
    int r = cron_parse(s, &c, err, sizeof err);
    if (r != 0) fail_msg("cron_parse(\"%s\") failed: %s", s, err);
    return c;
}

static void test_parse_fields(void **state)
{
    struct cron_expr c = parse_ok("30 20 * * 1-5");
    assert_true(c.minute == UINT64_C(1) << 30);
    assert_int_equal(c.hour, 1u << 20);
    assert_int_equal(c.dom, 0xfffffffeu);
    assert_int_equal(c.month, 0x1ffe);
    assert_int_equal(c.dow, 0x3e);
    assert_true(c.dom_star);
    assert_false(c.dow_star);
    assert_string_equal(c.text, "30 20 * * 1-5");

    c = parse_ok("*/15 0-23/6 1,15 jan-MAR Mon,wed,FRI");
    assert_true(c.minute == ((UINT64_C(1) << 0) | (UINT64_C(1) << 15) | (UINT64_C(1) << 30) |
                             (UINT64_C(1) << 45)));
    assert_int_equal(c.hour, (1u << 0) | (1u << 6) | (1u << 12) | (1u << 18));
    assert_int_equal(c.dom, (1u << 1) | (1u << 15));
    assert_int_equal(c.month, (1u << 1) | (1u << 2) | (1u << 3));
    assert_int_equal(c.dow, (1u << 1) | (1u << 3) | (1u << 5));
    assert_false(c.dom_star);
    assert_false(c.dow_star);

    /* Weekday 7 is Sunday; "fri-sun" runs to 7; "a/n" is "a-max/n". */
    assert_int_equal(parse_ok("0 0 * * 7").dow, 1u);
    assert_int_equal(parse_ok("0 0 * * 0,7").dow, 1u);
    assert_int_equal(parse_ok("0 0 * * fri-sun").dow, (1u << 5) | (1u << 6) | 1u);
    assert_int_equal(parse_ok("0 0 * * 5-0").dow, (1u << 5) | (1u << 6) | 1u);
    assert_int_equal(parse_ok("0 0 * * 5-7").dow, (1u << 5) | (1u << 6) | 1u);
    assert_int_equal(parse_ok("0 0 * * */2").dow, (1u << 0) | (1u << 2) | (1u << 4) | (1u << 6));
    assert_int_equal(parse_ok("0 0 * * 1/3").dow, (1u << 1) | (1u << 4) | 1u);
    assert_true(parse_ok("50/5 * * * *").minute == ((UINT64_C(1) << 50) | (UINT64_C(1) << 55)));
    assert_int_equal(parse_ok("0 0 * nov/2 *").month, 1u << 11);
    assert_int_equal(parse_ok("0 0 * * *").dow, 0x7f);
    assert_int_equal(parse_ok("0 0 * * 0-6").dow, 0x7f);
    assert_true(parse_ok("*/100 * * * *").minute == 1); /* a step beyond the range: its start */
    assert_true(parse_ok("07 * * * *").minute == UINT64_C(1) << 7);

    /* Star flags come from the text (Vixie), not from the expanded set. */
    c = parse_ok("0 0 */2 * 1");
    assert_true(c.dom_star);
    assert_false(c.dow_star);
    c = parse_ok("0 0 1-31 * 0-7");
    assert_false(c.dom_star);
    assert_false(c.dow_star);
    assert_int_equal(c.dow, 0x7f);
}

static void test_parse_text(void **state)
{
    assert_string_equal(parse_ok("  30\t20  *   * \t mon-fri \n").text, "30 20 * * mon-fri");
    assert_string_equal(parse_ok("@daily").text, "@daily");
    assert_string_equal(parse_ok("  @Weekly ").text, "@weekly");

    static const struct {
        const char *s, *same;
    } shorthands[] = {
        {"@yearly", "0 0 1 1 *"}, {"@annually", "0 0 1 1 *"}, {"@monthly", "0 0 1 * *"},
        {"@weekly", "0 0 * * 0"}, {"@daily", "0 0 * * *"},    {"@midnight", "0 0 * * *"},
        {"@hourly", "0 * * * *"}, {"@HOURLY", "0 * * * *"},
    };
    for (size_t i = 0; i < sizeof shorthands / sizeof shorthands[0]; i++) {
        struct cron_expr a = parse_ok(shorthands[i].s), b = parse_ok(shorthands[i].same);
        assert_true(a.minute == b.minute);
        assert_int_equal(a.hour, b.hour);
        assert_int_equal(a.dom, b.dom);
        assert_int_equal(a.month, b.month);
        assert_int_equal(a.dow, b.dow);
        assert_int_equal(a.dom_star, b.dom_star);
        assert_int_equal(a.dow_star, b.dow_star);
    }
}

static void test_parse_errors(void **state)
{
    static const struct {
        const char *s, *msg;
    } cases[] = {
        {"61 * * * *", "bad cron line \"61 * * * *\": minute 61 out of range 0-59"},
        {"0 24 * * *", "hour 24 out of range 0-23"},
        {"0 0 0 * *", "day of month 0 out of range 1-31"},
        {"0 0 32 * *", "day of month 32 out of range 1-31"},
        {"0 0 * 0 *", "month 0 out of range 1-12"},
        {"0 0 * 13 *", "month 13 out of range 1-12"},
        {"0 0 * * 8", "weekday 8 out of range 0-7"},
        {"0 0 * * fir", "unknown weekday \"fir\""},
        {"0 0 * * monday", "unknown weekday \"monday\""},
        {"0 0 * foo *", "unknown month \"foo\""},
        {"0 mon * * *", "hour \"mon\" is not a number"},
        {"0 0 jan * *", "day of month \"jan\" is not a number"},
        {"0 0 * * jan", "unknown weekday \"jan\""},
        {"*/0 * * * *", "bad step \"0\" in minute field"},
        {"*/ * * * *", "missing step after \"/\" in minute field \"*/\""},
        {"5-1 * * * *", "bad range \"5-1\" in minute field: start after end"},
        {"0 0 * dec-jan *", "bad range \"dec-jan\" in month field"},
        {"1,,2 * * * *", "empty list item in minute field \"1,,2\""},
        {"1, * * * *", "empty list item in minute field \"1,\""},
        {",1 * * * *", "empty list item in minute field \",1\""},
        {"-1 * * * *", "unexpected \"-\" in minute field \"-1\""},
        {"1- * * * *", "missing minute value in \"1-\""},
        {"1-2-3 * * * *", "unexpected \"-\" in minute field \"1-2-3\""},
        {"*-5 * * * *", "unexpected \"-\" in minute field \"*-5\""},
        {"** * * * *", "unexpected \"*\" in minute field \"**\""},
        {"1x * * * *", "unexpected \"x\" in minute field \"1x\""},
        {"99999999999999999999 * * * *", "minute 99999999999999999999 out of range 0-59"},
        {"1 2 3 4", "expected 5 fields (minute hour day-of-month month weekday), got 4"},
        {"1 2 3 4 5 6", "got more than 5"},
        {"", "empty line"},
        {"   \t ", "empty line"},
        {"@reboot", "@reboot is not supported: nudge has no boot event"},
        {"@REBOOT", "@reboot is not supported"},
        {"@fortnightly", "unknown shorthand \"@fortnightly\""},
        {"@", "unknown shorthand \"@\""},
        {"@daily 5", "unexpected \"5\" after \"@daily\""},
        {"0 0 * * 1/0", "bad step \"0\" in weekday field"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct cron_expr c;
        char err[256] = "";
        int r = cron_parse(cases[i].s, &c, err, sizeof err);
        if (r != -EINVAL) fail_msg("\"%s\": expected -EINVAL, got %d", cases[i].s, r);
        if (!strstr(err, cases[i].msg))
            fail_msg("\"%s\": message \"%s\" lacks \"%s\"", cases[i].s, err, cases[i].msg);
        if (strncmp(err, "bad cron line \"", 15) != 0) fail_msg("bad prefix: %s", err);
    }

    /* NULL input and a NULL or tiny error buffer must not crash. */
    struct cron_expr c;
    char tiny[4];
    assert_int_equal(cron_parse(NULL, &c, NULL, 0), -EINVAL);
    assert_int_equal(cron_parse("x", &c, NULL, 0), -EINVAL);
    assert_int_equal(cron_parse("61 * * * *", &c, tiny, sizeof tiny), -EINVAL);
    assert_string_equal(tiny, "bad");

    /* A normalised form that does not fit text[] is refused, not truncated. */
    char longline[512];
    snprintf(longline, sizeof longline, "%s * * * *",
             "0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,"
             "30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51,52,53,54,55");
    char err[256];
    assert_int_equal(cron_parse(longline, &c, err, sizeof err), -EINVAL);
    assert_non_null(strstr(err, "too long"));
}

static void test_looks_like(void **state)
{
    static const struct {
        const char *s;
        bool cron;
    } cases[] = {
        {"30 20 * * 1-5", true},
        {"  */5   *  * *  *  ", true},
        {"@daily", true},
        {" @reboot", true}, /* so that cron_parse can say why it is refused */
        {"61 * * * *", true},
        {"Mon..Fri *-*-* 09:00:00 Europe/Berlin", false},
        {"Mon,Tue 09:00", false},
        {"Sat,Sun *-*-* 10:00 Europe/Berlin", false},
        {"*-*-* 09:00:00", false},
        {"daily", false},
        {"hourly", false},
        {"2026-12-24 18:00 UTC", false},
        {"*-*~1 18:00 Europe/Berlin", false},
        {"Mon *-*-* 9:00", false},
        {"1 2 3 4", false},
        {"1 2 3 4 5 6", false},
        {"", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (cron_looks_like(cases[i].s) != cases[i].cron)
            fail_msg("cron_looks_like(\"%s\") != %d", cases[i].s, cases[i].cron);
    assert_false(cron_looks_like(NULL));
}

/* Each row: a line, a base, and the elapses that follow it in order ("" ends the list). */
struct next_case {
    const char *tz, *line, *base;
    const char *want[8];
};

static void check_next(const struct next_case *nc)
{
    set_tz(nc->tz);
    struct cron_expr c = parse_ok(nc->line);
    usec_t t = at(nc->base);
    for (int i = 0; i < 8 && nc->want[i]; i++) {
        usec_t next = 0;
        int r = cron_next(&c, t, &next);
        if (r != 0) fail_msg("%s \"%s\" #%d: cron_next returned %d", nc->tz, nc->line, i, r);
        if (next != at(nc->want[i])) {
            time_t s = (time_t)(next / USEC_PER_SEC);
            char buf[64];
            strftime(buf, sizeof buf, "%Y-%m-%d %H:%M %z", localtime(&s));
            fail_msg("%s \"%s\" from %s #%d: got %s, want %s", nc->tz, nc->line, nc->base, i, buf,
                     nc->want[i]);
        }
        t = next;
    }
    set_tz("Europe/Berlin");
}

static void test_next_basic(void **state)
{
    static const struct next_case cases[] = {
        /* Strictly after: a base on a match moves on; seconds are dropped. */
        {"UTC", "30 20 * * *", "2024-05-01 20:30 +0000", {"2024-05-02 20:30 +0000"}},
        {"UTC",
         "* * * * *",
         "2024-05-01 20:30 +0000",
         {"2024-05-01 20:31 +0000", "2024-05-01 20:32 +0000"}},
        {"UTC",
         "30 20 * * 1-5",
         "2024-05-03 21:00 +0000", /* a Friday */
         {"2024-05-06 20:30 +0000", "2024-05-07 20:30 +0000"}},
        {"UTC",
         "0 9 * * mon,fri",
         "2024-12-30 10:00 +0000",
         {"2025-01-03 09:00 +0000", "2025-01-06 09:00 +0000"}},
        {"UTC",
         "*/20 9-10 * * *",
         "2024-05-01 10:30 +0000",
         {"2024-05-01 10:40 +0000", "2024-05-02 09:00 +0000", "2024-05-02 09:20 +0000"}},
        {"UTC", "@yearly", "2024-05-01 10:30 +0000", {"2025-01-01 00:00 +0000"}},
        {"UTC", "@monthly", "2024-12-31 23:59 +0000", {"2025-01-01 00:00 +0000"}},
        {"UTC", "@weekly", "2024-05-01 00:00 +0000", {"2024-05-05 00:00 +0000"}},
        {"UTC", "@hourly", "2024-05-01 23:00 +0000", {"2024-05-02 00:00 +0000"}},
        /* Leap days, and the 31st only in long months. */
        {"UTC",
         "0 0 29 2 *",
         "2024-03-01 00:00 +0000",
         {"2028-02-29 00:00 +0000", "2032-02-29 00:00 +0000"}},
        {"UTC",
         "0 0 31 * *",
         "2024-01-31 00:00 +0000",
         {"2024-03-31 00:00 +0000", "2024-05-31 00:00 +0000", "2024-07-31 00:00 +0000",
          "2024-08-31 00:00 +0000"}},
        /* 2100 is not a leap year. */
        {"UTC", "0 0 29 2 *", "2096-03-01 00:00 +0000", {"2104-02-29 00:00 +0000"}},
        /* Before the epoch. */
        {"UTC", "0 12 * * *", "1969-12-31 12:00 +0000", {"1970-01-01 12:00 +0000"}},
        {"UTC", "0 12 1 1 *", "1900-06-01 12:00 +0000", {"1901-01-01 12:00 +0000"}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check_next(&cases[i]);

    /* Seconds and microseconds in the base: the next whole minute after it. */
    set_tz("UTC");
    struct cron_expr c = parse_ok("* * * * *");
    usec_t next;
    assert_int_equal(
        cron_next(&c, at("2024-05-01 20:30 +0000") + 59 * USEC_PER_SEC + 999999, &next), 0);
    assert_true(next == at("2024-05-01 20:31 +0000"));
    assert_int_equal(cron_next(&c, at("2024-05-01 20:30 +0000") - 1, &next), 0);
    assert_true(next == at("2024-05-01 20:30 +0000"));
    assert_int_equal(cron_next(&c, -1, &next), 0);
    assert_true(next == 0);
    set_tz("Europe/Berlin");
}

static void test_next_vixie_days(void **state)
{
    static const struct next_case cases[] = {
        /* Both restricted: the 13th OR any Friday. */
        {"UTC",
         "0 0 13 * 5",
         "2024-09-01 00:00 +0000",
         {"2024-09-06 00:00 +0000", "2024-09-13 00:00 +0000", "2024-09-20 00:00 +0000",
          "2024-09-27 00:00 +0000", "2024-10-04 00:00 +0000", "2024-10-11 00:00 +0000",
          "2024-10-13 00:00 +0000"}},
        /* Day-of-month led by '*': both masks must match (odd-numbered Mondays). croniter would
         * say odd days OR Mondays here. */
        {"UTC",
         "0 0 */2 * 1",
         "2024-09-01 00:00 +0000",
         {"2024-09-09 00:00 +0000", "2024-09-23 00:00 +0000", "2024-10-07 00:00 +0000",
          "2024-10-21 00:00 +0000"}},
        /* Weekday led by '*': every-other weekday (Sun, Tue, Thu, Sat) on the 1st. */
        {"UTC",
         "0 0 1 * */2",
         "2024-01-01 00:00 +0000",
         {"2024-02-01 00:00 +0000", "2024-06-01 00:00 +0000", "2024-08-01 00:00 +0000",
          "2024-09-01 00:00 +0000"}},
        /* "1-31" is restricted text, so with a weekday it is OR: every day. */
        {"UTC",
         "0 0 1-31 * 1",
         "2024-09-01 00:00 +0000",
         {"2024-09-02 00:00 +0000", "2024-09-03 00:00 +0000", "2024-09-04 00:00 +0000"}},
        /* Feb 30 OR Mondays in February: only Mondays. */
        {"UTC",
         "0 0 30 2 1",
         "2024-01-01 00:00 +0000",
         {"2024-02-05 00:00 +0000", "2024-02-12 00:00 +0000", "2024-02-19 00:00 +0000",
          "2024-02-26 00:00 +0000", "2025-02-03 00:00 +0000"}},
        /* Feb 29 that is a Sunday: decades apart, still found. */
        {"UTC",
         "0 0 29 2 */7",
         "2024-01-01 00:00 +0000",
         {"2032-02-29 00:00 +0000", "2060-02-29 00:00 +0000"}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check_next(&cases[i]);
}

static void test_next_dst_berlin(void **state)
{
    static const struct next_case cases[] = {
        /* Spring forward, 2024-03-31 02:00 CET -> 03:00 CEST: 02:xx does not exist that day.
         * cron(8): a fixed-time job in the skipped hour runs right after the change; wildcard
         * jobs (a '*'-led minute or hour) run by the new clock, with no catch-up. */
        {"Europe/Berlin",
         "30 2 * * *",
         "2024-03-29 10:00 +0100",
         {"2024-03-30 02:30 +0100", "2024-03-31 03:00 +0200", "2024-04-01 02:30 +0200"}},
        {"Europe/Berlin",
         "30 2 * * *",
         "2026-03-28 12:00 +0100",
         {"2026-03-29 03:00 +0200", "2026-03-30 02:30 +0200"}},
        /* several skipped times and 03:00 itself: one run at the change */
        {"Europe/Berlin",
         "0,30 2,3 * * *",
         "2026-03-29 00:00 +0100",
         {"2026-03-29 03:00 +0200", "2026-03-29 03:30 +0200", "2026-03-30 02:00 +0200"}},
        /* a base at the change instant (it just ran there): the skipped times do not rerun */
        {"Europe/Berlin", "30 2 * * *", "2026-03-29 03:00 +0200", {"2026-03-30 02:30 +0200"}},
        {"Europe/Berlin",
         "*/15 * * * *",
         "2024-03-31 01:20 +0100",
         {"2024-03-31 01:30 +0100", "2024-03-31 01:45 +0100", "2024-03-31 03:00 +0200",
          "2024-03-31 03:15 +0200"}},
        {"Europe/Berlin",
         "0 * * * *",
         "2024-03-31 00:20 +0100",
         {"2024-03-31 01:00 +0100", "2024-03-31 03:00 +0200", "2024-03-31 04:00 +0200"}},
        {"Europe/Berlin",
         "0 9 * * *",
         "2024-03-29 10:00 +0100",
         {"2024-03-30 09:00 +0100", "2024-03-31 09:00 +0200", "2024-04-01 09:00 +0200"}},
        {"Europe/Berlin",
         "* 2 * * *",
         "2024-03-30 02:58 +0100",
         {"2024-03-30 02:59 +0100", "2024-04-01 02:00 +0200"}},
        /* Fall back, 2024-10-27 03:00 CEST -> 02:00 CET: a fixed-time 02:xx job runs once, the
         * first time; a wildcard job runs by the clock, so in both passes. */
        {"Europe/Berlin",
         "30 2 * * *",
         "2024-10-25 10:00 +0200",
         {"2024-10-26 02:30 +0200", "2024-10-27 02:30 +0200", "2024-10-28 02:30 +0100"}},
        {"Europe/Berlin",
         "*/15 * * * *",
         "2024-10-27 02:20 +0200",
         {"2024-10-27 02:30 +0200", "2024-10-27 02:45 +0200", "2024-10-27 02:00 +0100",
          "2024-10-27 02:15 +0100", "2024-10-27 02:30 +0100"}},
        {"Europe/Berlin",
         "0 * * * *",
         "2024-10-27 00:20 +0200",
         {"2024-10-27 01:00 +0200", "2024-10-27 02:00 +0200", "2024-10-27 02:00 +0100",
          "2024-10-27 03:00 +0100"}},
        {"Europe/Berlin",
         "@hourly",
         "2024-10-27 02:30 +0200",
         {"2024-10-27 02:00 +0100", "2024-10-27 03:00 +0100"}},
        {"Europe/Berlin",
         "0,30 2 * * *",
         "2024-10-27 01:00 +0200",
         {"2024-10-27 02:00 +0200", "2024-10-27 02:30 +0200", "2024-10-28 02:00 +0100"}},
        {"Europe/Berlin",
         "0 9 * * *",
         "2024-10-25 10:00 +0200",
         {"2024-10-26 09:00 +0200", "2024-10-27 09:00 +0100", "2024-10-28 09:00 +0100"}},
        /* A base inside the second pass: a wildcard job goes on by the clock, a fixed one
         * already ran in the first pass. */
        {"Europe/Berlin",
         "*/15 * * * *",
         "2024-10-27 02:10 +0100",
         {"2024-10-27 02:15 +0100", "2024-10-27 02:30 +0100"}},
        {"Europe/Berlin", "30 2 * * *", "2024-10-27 02:10 +0100", {"2024-10-28 02:30 +0100"}},
        /* New York: 02:00 EST -> 03:00 EDT in March, 02:00 EDT -> 01:00 EST in November. */
        {"America/New_York",
         "30 2 * * *",
         "2024-03-09 12:00 -0500",
         {"2024-03-10 03:00 -0400", "2024-03-11 02:30 -0400"}},
        {"America/New_York",
         "30 1 * * *",
         "2024-11-02 12:00 -0400",
         {"2024-11-03 01:30 -0400", "2024-11-04 01:30 -0500"}},
        /* Zones that skip or repeat midnight or a whole day. Santiago skips 00:00..00:59 on
         * 2026-09-06 (-04 -> -03): @daily runs at 01:00, not a day later. Samoa's lost
         * 2011-12-30 is a 24 h jump, a correction to cron(8) (3 hours or more): no catch-up. */
        {"America/Santiago",
         "@daily",
         "2026-09-05 12:00 -0400",
         {"2026-09-06 01:00 -0300", "2026-09-07 00:00 -0300"}},
        {"America/Santiago", "@midnight", "2026-09-05 23:59 -0400", {"2026-09-06 01:00 -0300"}},
        {"America/Santiago",
         "0 0 * * 0",
         "2026-09-01 12:00 -0400",
         {"2026-09-06 01:00 -0300", "2026-09-13 00:00 -0300"}},
        {"America/Santiago",
         "@hourly",
         "2026-09-05 23:30 -0400",
         {"2026-09-06 01:00 -0300", "2026-09-06 02:00 -0300"}},
        /* and repeats 23:xx on 2026-04-04 (-03 -> -04) */
        {"America/Santiago",
         "30 23 * * *",
         "2026-04-04 12:00 -0300",
         {"2026-04-04 23:30 -0300", "2026-04-05 23:30 -0400"}},
        {"America/Santiago",
         "30 * * * *",
         "2026-04-04 22:45 -0300",
         {"2026-04-04 23:30 -0300", "2026-04-04 23:30 -0400", "2026-04-05 00:30 -0400"}},
        {"Pacific/Apia",
         "0 12 * * *",
         "2011-12-29 13:00 -1000",
         {"2011-12-31 12:00 +1400", "2012-01-01 12:00 +1400"}},
        {"Australia/Lord_Howe",
         "15 2 * * *",
         "2024-04-06 12:00 +1100",
         {"2024-04-07 02:15 +1030"}}, /* fall back by half an hour: 01:30..02:00 repeats */
        {"Australia/Lord_Howe",
         "45 1 * * *",
         "2024-04-06 12:00 +1100",
         {"2024-04-07 01:45 +1100", "2024-04-08 01:45 +1030"}},
        {"Australia/Lord_Howe",
         "*/15 2 * * *",
         "2024-10-05 12:00 +1030",
         {"2024-10-06 02:30 +1100", "2024-10-06 02:45 +1100", "2024-10-07 02:00 +1100"}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check_next(&cases[i]);

    /* The last Sunday of March at 02:30 never exists in Berlin: a fixed-time job runs at the
     * change each year, a wildcard one never (-ENOENT, not a loop). */
    set_tz("Europe/Berlin");
    struct cron_expr c = parse_ok("30 2 25-31 3 */7");
    usec_t next;
    assert_int_equal(cron_next(&c, at("2000-01-01 00:00 +0100"), &next), 0);
    assert_true(next == at("2000-03-26 03:00 +0200"));
    c = parse_ok("* 2 25-31 3 */7");
    assert_int_equal(cron_next(&c, at("2000-01-01 00:00 +0100"), &next), -ENOENT);
    set_tz("UTC");
    assert_int_equal(cron_next(&c, at("2000-01-01 00:00 +0000"), &next), 0);
    assert_true(next == at("2000-03-26 02:00 +0000"));
    set_tz("Europe/Berlin");
}

static void test_next_impossible(void **state)
{
    static const char *const lines[] = {
        "0 0 30 2 *", "0 0 31 4,6 *", "0 0 31 2,4,6,9,11 *", "0 0 30,31 feb *", "0 0 30 2 */2",
    };
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        struct cron_expr c = parse_ok(lines[i]);
        usec_t next = 42;
        assert_int_equal(cron_next(&c, at("2024-01-01 00:00 +0100"), &next), -ENOENT);
        assert_true(next == 42);
    }

    /* Out-of-range bases and bad arguments. */
    struct cron_expr c = parse_ok("* * * * *");
    usec_t next;
    assert_int_equal(cron_next(&c, USEC_INFINITY, &next), -ENOENT);
    assert_int_equal(cron_next(&c, INT64_MIN, &next), -ENOENT);
    assert_int_equal(cron_next(NULL, 0, &next), -EINVAL);
    assert_int_equal(cron_next(&c, 0, NULL), -EINVAL);
    /* A hand-built expression with empty masks never matches. */
    struct cron_expr empty = {0};
    assert_int_equal(cron_next(&empty, 0, &next), -ENOENT);
}

/* Does local minute t match c (Vixie rules)? Used as an independent brute-force check. */
static bool brute_matches(const struct cron_expr *c, time_t t)
{
    struct tm tm;
    gmtime_r(&t, &tm);
    bool dom = c->dom & (1u << tm.tm_mday), dow = c->dow & (1u << tm.tm_wday);
    bool day = c->dom_star || c->dow_star ? dom && dow : dom || dow;
    return day && (c->month & (1u << (tm.tm_mon + 1))) && (c->hour & (1u << tm.tm_hour)) &&
           (c->minute & (UINT64_C(1) << tm.tm_min));
}

static uint32_t rng_state = 12345;
static uint32_t rnd(uint32_t n)
{
    rng_state = rng_state * 1103515245u + 12345u;
    return (rng_state >> 8) % n;
}

/* Random lines in UTC: the result matches, and no minute in between does. */
static void test_next_brute_force(void **state)
{
    static const char *const pieces[5][8] = {
        {"*", "0", "*/7", "5-10", "0,30", "45/5", "59", "1-59/13"},
        {"*", "0", "*/5", "9-17", "23", "3/4", "0,12", "22-23"},
        {"*", "1", "*/2", "13", "28-31", "15,31", "10-20/3", "29"},
        {"*", "1", "feb", "*/3", "jun-aug", "2,4,6,9,11", "dec", "2/5"},
        {"*", "0", "1-5", "sat,sun", "*/2", "5", "7", "mon/3"},
    };
    set_tz("UTC");
    for (int iter = 0; iter < 400; iter++) {
        char line[128];
        snprintf(line, sizeof line, "%s %s %s %s %s", pieces[0][rnd(8)], pieces[1][rnd(8)],
                 pieces[2][rnd(8)], pieces[3][rnd(8)], pieces[4][rnd(8)]);
        struct cron_expr c = parse_ok(line);
        usec_t t = (usec_t)(1700000000 + (int64_t)rnd(100000000)) * USEC_PER_SEC;
        for (int k = 0; k < 3; k++) {
            usec_t next;
            if (cron_next(&c, t, &next) != 0) fail_msg("\"%s\": no next", line);
            assert_true(next > t && next % USEC_PER_MINUTE == 0);
            if (!brute_matches(&c, (time_t)(next / USEC_PER_SEC)))
                fail_msg("\"%s\": %lld does not match", line, (long long)next);
            /* Scan up to 3 days of minutes between the two. */
            time_t from = (time_t)(t / USEC_PER_SEC) / 60 * 60 + 60;
            time_t to = (time_t)(next / USEC_PER_SEC);
            if (to - from < 3 * 86400)
                for (time_t m = from; m < to; m += 60)
                    if (brute_matches(&c, m))
                        fail_msg("\"%s\" after %lld: skipped %lld", line, (long long)t,
                                 (long long)m);
            t = next;
        }
    }
    set_tz("Europe/Berlin");
}

/* Garbage never crashes the parser, and whatever parses can be stepped. */
static void test_parse_garbage(void **state)
{
    static const char alphabet[] = "0123456789*/,- \tjanmonSUNx@L#?\x80\xff";
    char line[64];
    for (int iter = 0; iter < 20000; iter++) {
        size_t n = rnd(sizeof line - 1);
        for (size_t i = 0; i < n; i++)
            line[i] = alphabet[rnd(sizeof alphabet - 1)];
        line[n] = 0;
        struct cron_expr c;
        char err[256];
        (void)cron_looks_like(line);
        if (cron_parse(line, &c, err, sizeof err) == 0) {
            usec_t next;
            int r = cron_next(&c, 1700000000 * USEC_PER_SEC, &next);
            assert_true(r == 0 || r == -ENOENT);
            assert_true(strlen(c.text) < sizeof c.text);
        } else {
            assert_true(strncmp(err, "bad cron line", 13) == 0);
        }
    }
}

int main(void)
{
    set_tz("Europe/Berlin");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_fields),     cmocka_unit_test(test_parse_text),
        cmocka_unit_test(test_parse_errors),     cmocka_unit_test(test_looks_like),
        cmocka_unit_test(test_next_basic),       cmocka_unit_test(test_next_vixie_days),
        cmocka_unit_test(test_next_dst_berlin),  cmocka_unit_test(test_next_impossible),
        cmocka_unit_test(test_next_brute_force), cmocka_unit_test(test_parse_garbage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
