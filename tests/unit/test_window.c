/* Unit tests for src/time/window.c: parsing, error messages, contains, length. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "time/window.h"

#define HM(h, m) ((h)*3600 + (m)*60)

static struct window parse_ok(const char *s)
{
    struct window w = {-1, -1};
    char err[256] = "";
    if (window_parse(s, &w, err, sizeof err) != 0) fail_msg("window_parse(\"%s\"): %s", s, err);
    return w;
}

static void expect_err(const char *s, const char *msg)
{
    struct window w = {-1, -1};
    char err[256] = "";
    assert_int_equal(window_parse(s, &w, err, sizeof err), -EINVAL);
    assert_string_equal(err, msg);
}

static void test_parse_good(void **state)
{
    (void)state;
    struct window w = parse_ok("10:00..18:00");
    assert_int_equal(w.start, HM(10, 0));
    assert_int_equal(w.end, HM(18, 0));
    w = parse_ok("22:30..07:30");
    assert_int_equal(w.start, HM(22, 30));
    assert_int_equal(w.end, HM(7, 30));
    w = parse_ok("08:15:30..08:15:31");
    assert_int_equal(w.start, HM(8, 15) + 30);
    assert_int_equal(w.end, HM(8, 15) + 31);
    w = parse_ok("  9:05 ..  17:45  ");
    assert_int_equal(w.start, HM(9, 5));
    assert_int_equal(w.end, HM(17, 45));
    w = parse_ok("20:00..24:00"); /* 24:00 is the next midnight */
    assert_int_equal(w.start, HM(20, 0));
    assert_int_equal(w.end, 0);
    w = parse_ok("00:00..23:59:59");
    assert_int_equal(w.start, 0);
    assert_int_equal(w.end, 86399);
}

static void test_parse_bad(void **state)
{
    (void)state;
    expect_err("", "bad window \"\": expected HH:MM..HH:MM");
    expect_err("10", "bad window \"10\": expected HH:MM..HH:MM");
    expect_err("ten..eleven", "bad window \"ten..eleven\": expected HH:MM..HH:MM");
    expect_err("25:00..26:00", "bad window \"25:00..26:00\": expected HH:MM..HH:MM");
    expect_err("10:60..11:00", "bad window \"10:60..11:00\": expected HH:MM..HH:MM");
    expect_err("24:01..10:00", "bad window \"24:01..10:00\": expected HH:MM..HH:MM");
    expect_err("100:00..11:00", "bad window \"100:00..11:00\": expected HH:MM..HH:MM");
    expect_err("10:00-18:00", "bad window \"10:00-18:00\": expected \"..\" after the start");
    expect_err("10:00", "bad window \"10:00\": expected \"..\" after the start");
    expect_err("10:00.18:00", "bad window \"10:00.18:00\": expected \"..\" after the start");
    expect_err("10:00..", "bad window \"10:00..\": bad end time \"\"");
    expect_err("10:00..18", "bad window \"10:00..18\": bad end time \"18\"");
    expect_err("10:00..18:61", "bad window \"10:00..18:61\": bad end time \"18:61\"");
    expect_err("10:00..18:00x", "bad window \"10:00..18:00x\": unexpected \"x\"");
    expect_err("10:00..18:00..19:00", "bad window \"10:00..18:00..19:00\": unexpected \"..19:00\"");
    expect_err("10:00..10:00", "bad window \"10:00..10:00\": start and end are the same");
    expect_err("00:00..24:00", "bad window \"00:00..24:00\": start and end are the same");
}

static void test_contains(void **state)
{
    (void)state;
    struct window w = parse_ok("10:00..18:00");
    assert_false(window_contains(&w, HM(10, 0) - 1));
    assert_true(window_contains(&w, HM(10, 0)));
    assert_true(window_contains(&w, HM(14, 0)));
    assert_true(window_contains(&w, HM(18, 0) - 1));
    assert_false(window_contains(&w, HM(18, 0))); /* end is exclusive */
    assert_false(window_contains(&w, 0));

    struct window n = parse_ok("22:30..07:30");
    assert_false(window_contains(&n, HM(22, 30) - 1));
    assert_true(window_contains(&n, HM(22, 30)));
    assert_true(window_contains(&n, 86399));
    assert_true(window_contains(&n, 0));
    assert_true(window_contains(&n, HM(7, 30) - 1));
    assert_false(window_contains(&n, HM(7, 30)));
    assert_false(window_contains(&n, HM(12, 0)));

    /* Brute force against the definition: a second is inside when walking forward from the
     * start reaches it before the end. */
    const char *ws[] = {"10:00..18:00", "22:30..07:30", "00:00..00:01", "23:59..00:00",
                        "12:00..11:59"};
    for (size_t k = 0; k < sizeof ws / sizeof *ws; k++) {
        struct window x = parse_ok(ws[k]);
        int len = (x.end - x.start + 86400) % 86400;
        for (int sec = 0; sec < 86400; sec += 7) {
            bool want = (sec - x.start + 86400) % 86400 < len;
            assert_int_equal(window_contains(&x, sec), want);
        }
    }
}

static void test_length(void **state)
{
    (void)state;
    struct window w = parse_ok("10:00..18:00");
    assert_int_equal(window_length(&w), 8 * 3600);
    w = parse_ok("22:30..07:30");
    assert_int_equal(window_length(&w), 9 * 3600);
    w = parse_ok("23:59..00:00");
    assert_int_equal(window_length(&w), 60);
    w = parse_ok("00:00:01..00:00");
    assert_int_equal(window_length(&w), 86399);
    w = parse_ok("12:00:00..12:00:01");
    assert_int_equal(window_length(&w), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_good),
        cmocka_unit_test(test_parse_bad),
        cmocka_unit_test(test_contains),
        cmocka_unit_test(test_length),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
