/* Unit tests for src/daemon/answers.c: the --answers script of nudged --preview. Errors name
 * the file and line; matching follows days, reminders, actions and shares. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/answers.h"
#include "time/timestamp.h"

static usec_t at(const char *s)
{
    usec_t t;
    char err[256];
    if (timestamp_parse(s, 0, &t, err, sizeof err) < 0) fail_msg("%s", err);
    return t;
}

static void parse_ok(const char *text, struct answers *a)
{
    char err[512] = "";
    if (answers_parse(text, strlen(text), "plan.txt", at("2026-11-01"), a, err, sizeof err) < 0)
        fail_msg("answers_parse: %s", err);
}

static void expect_error(const char *text, const char *msg)
{
    struct answers a;
    char err[512] = "";
    assert_int_equal(answers_parse(text, strlen(text), "plan.txt", at("2026-11-01"), &a, err,
                                   sizeof err),
                     -1);
    assert_string_equal(err, msg);
    assert_int_equal(a.n_rules + a.n_events, 0);
}

static bool offers(void *ud, const char *action)
{
    for (const char *const *a = ud; *a; a++)
        if (!strcmp(*a, action)) return true;
    return false;
}

static const char *const CHECKIN[] = {"done", "snooze", "skip", NULL};
static const char *const KEPT[] = {"kept", "not_yet", "broken", NULL};

static void test_rules_parse(void **state)
{
    (void)state;
    struct answers a;
    parse_ok("# a comment\n\n"
             "*  evening  done  after 10min   # every evening\n"
             "2026-11-03..2026-11-20  promise:*  not_yet 50%\n"
             "Mon..Fri,Sun  gesture  skip\n"
             "2026-12-24 * snooze 100% after 0\n",
             &a);
    assert_int_equal(a.n_rules, 4);
    assert_int_equal(a.n_events, 0);
    assert_int_equal(a.rules[0].line, 3);
    assert_int_equal(a.rules[0].days, ANSWERS_ANY_DAY);
    assert_string_equal(a.rules[0].reminder, "evening");
    assert_string_equal(a.rules[0].action, "done");
    assert_int_equal(a.rules[0].after, 10 * USEC_PER_MINUTE);
    assert_int_equal(a.rules[0].percent, 100);
    assert_int_equal(a.rules[1].days, ANSWERS_DATES);
    assert_int_equal(a.rules[1].first, 20261103);
    assert_int_equal(a.rules[1].last, 20261120);
    assert_int_equal(a.rules[1].percent, 50);
    assert_int_equal(a.rules[1].after, 5 * USEC_PER_MINUTE); /* the default */
    assert_int_equal(a.rules[2].days, ANSWERS_WEEKDAYS);
    assert_int_equal(a.rules[2].weekdays, 0x3f); /* Sunday and Monday..Friday */
    assert_int_equal(a.rules[3].after, 0);
    answers_free(&a);
    /* Reminders named like the event words: a line whose third word is an answer is a rule. */
    parse_ok("*  checkin  done\nMon..Fri emit skip\n2026-11-05 20:00 checkin\n", &a);
    assert_int_equal(a.n_rules, 2);
    assert_int_equal(a.n_events, 1);
    assert_string_equal(a.rules[0].reminder, "checkin");
    assert_string_equal(a.rules[1].reminder, "emit");
    answers_free(&a);
}

static void test_events_parse_and_sort(void **state)
{
    (void)state;
    struct answers a;
    parse_ok("2026-11-04 20:00 checkin evening mood=4 note=\"a good \\\"long\\\" talk\"\n"
             "2026-11-02 21:00 emit conflict severity=low where=kitchen\n"
             "2026-11-03 checkin\n",
             &a);
    assert_int_equal(a.n_events, 3);
    assert_true(a.events[0].emit); /* by time, not by line */
    assert_string_equal(a.events[0].id, "conflict");
    assert_int_equal(a.events[0].n_kv, 2);
    assert_string_equal(a.events[0].kv[0], "severity");
    assert_string_equal(a.events[0].kv[3], "kitchen");
    assert_false(a.events[1].emit);
    assert_null(a.events[1].id);
    assert_int_equal(a.events[1].at, at("2026-11-03"));
    assert_string_equal(a.events[2].id, "evening");
    assert_int_equal(a.events[2].mood, 4);
    assert_string_equal(a.events[2].note, "a good \"long\" talk");
    assert_int_equal(a.events[2].at, at("2026-11-04 20:00"));
    answers_free(&a);
}

static void test_errors_name_the_line(void **state)
{
    (void)state;
    expect_error("* evening done\n\nMon..Fri x maybe\n",
                 "plan.txt:3: 'maybe' is not an answer (done, skip, snooze, kept, not_yet, broken)");
    expect_error("2026-13-01 x done\n", "plan.txt:1: '2026-13-01' is not a date or a range of "
                                        "dates (2026-11-03, 2026-11-03..2026-11-20)");
    expect_error("2026-11-20..2026-11-03 x done\n",
                 "plan.txt:1: the range '2026-11-20..2026-11-03' ends before it begins");
    expect_error("Someday x done\n", "plan.txt:1: 'Someday' is not a day: use *, a date "
                                     "(2026-11-03), a range of dates (2026-11-03..2026-11-20) or "
                                     "weekdays (Mon..Fri, Sat,Sun)");
    expect_error("* x done 0%\n", "plan.txt:1: '0%' is not a share: a whole percent from 1% to 100%");
    expect_error("* x done 101%\n",
                 "plan.txt:1: '101%' is not a share: a whole percent from 1% to 100%");
    expect_error("* x done after\n", "plan.txt:1: 'after' needs a span (after 10min)");
    expect_error("* x done after 40d\n", "plan.txt:1: after '40d': at most 30 days");
    expect_error("* x done soon\n",
                 "plan.txt:1: unexpected 'soon' (expected PERCENT% or after SPAN)");
    expect_error("* *x done\n",
                 "plan.txt:1: '*x' is not a reminder: an id, * or a prefix with * at the end "
                 "(promise:*)");
    expect_error("* evening\n", "plan.txt:1: expected DAYS REMINDER ANSWER [PERCENT%] [after SPAN]");
    expect_error("2026-11-03 20:00 checkin evening mood=9\n",
                 "plan.txt:1: 'mood=9': mood is a whole number from 1 to 5");
    expect_error("2026-11-03 20:00 checkin note=\"open\n", "plan.txt:1: a quote is not closed");
    expect_error("2026-11-03 20:00 emit\n", "plan.txt:1: emit needs an event name (emit conflict)");
    expect_error("2026-11-03 20:00 emit conflict loud\n", "plan.txt:1: 'loud' is not KEY=VALUE");
    /* An error after good lines keeps nothing of them. */
    expect_error("* a done\n2026-11-03 20:00 emit x\n* b nope\n",
                 "plan.txt:3: 'nope' is not an answer (done, skip, snooze, kept, not_yet, broken)");
}

static void test_load_missing_file(void **state)
{
    (void)state;
    struct answers a;
    char err[512];
    assert_int_equal(answers_load("/nonexistent/plan.txt", 0, &a, err, sizeof err), -1);
    assert_string_equal(err, "/nonexistent/plan.txt: No such file or directory");
}

static void test_match(void **state)
{
    (void)state;
    struct answers a;
    parse_ok("Sat,Sun evening skip\n"
             "2026-11-03 promise:* not_yet\n"
             "* * done\n",
             &a);
    uint64_t rng = 1;
    /* 2026-11-07 is a Saturday (TZ=Europe/Berlin from ctest). */
    const struct answers_rule *r = answers_match(&a, "evening", at("2026-11-07 20:30"), offers,
                                                 (void *)CHECKIN, &rng);
    assert_non_null(r);
    assert_string_equal(r->action, "skip");
    r = answers_match(&a, "evening", at("2026-11-06 20:30"), offers, (void *)CHECKIN, &rng);
    assert_string_equal(r->action, "done");
    r = answers_match(&a, "promise:talk:due:x", at("2026-11-03 18:00"), offers, (void *)KEPT, &rng);
    assert_string_equal(r->action, "not_yet");
    /* A line whose answer the notification does not offer does not answer it. */
    assert_null(answers_match(&a, "promise:talk:due:x", at("2026-11-04 18:00"), offers,
                              (void *)KEPT, &rng));
    static const char *const none[] = {NULL};
    assert_null(answers_match(&a, "promise:talk:remind", at("2026-11-03 10:00"), offers,
                              (void *)none, &rng));
    answers_free(&a);
}

/* A share is about that share of fires, the same for the same seed; a fire the draw leaves
 * out falls to the next line. */
static void test_share(void **state)
{
    (void)state;
    struct answers a;
    parse_ok("* evening done 70%\n* evening skip\n", &a);
    int done[2] = {0, 0};
    char first[2][400];
    for (int run = 0; run < 2; run++) {
        uint64_t rng = 42;
        for (int i = 0; i < 1000; i++) {
            const struct answers_rule *r =
                answers_match(&a, "evening", at("2026-11-06 20:30"), offers, (void *)CHECKIN, &rng);
            assert_non_null(r);
            if (i < 400) first[run][i] = r->action[0];
            done[run] += !strcmp(r->action, "done");
        }
    }
    assert_int_equal(done[0], done[1]);
    assert_memory_equal(first[0], first[1], sizeof first[0]);
    assert_in_range(done[0], 640, 760);
    answers_free(&a);
}

int main(void)
{
    setenv("TZ", "Europe/Berlin", 1);
    tzset();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rules_parse),          cmocka_unit_test(test_events_parse_and_sort),
        cmocka_unit_test(test_errors_name_the_line), cmocka_unit_test(test_load_missing_file),
        cmocka_unit_test(test_match),                cmocka_unit_test(test_share),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
