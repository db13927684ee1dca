/* ledger/pause.c: starting, resuming and asking about pauses of both kinds (SPEC 2.4), on a
 * real in-memory state database. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/notification.h"
#include "ledger/ledger.h"
#include "ledger/pause.h"
#include "store/store.h"

#define S USEC_PER_SEC
#define H (3600 * S)
#define T0 ((usec_t)1796000000 * S)

struct fixture {
    struct store *st;
    struct ledger *lg;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    char err[256];
    assert_int_equal(store_open_memory(&f->st, err, sizeof err), 0);
    assert_non_null(f->lg = ledger_new(f->st));
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    ledger_free(f->lg);
    store_close(f->st);
    free(f);
    return 0;
}

static void test_silenced_kinds(void **state)
{
    (void)state;
    struct ledger_pause p = {0};
    /* Every toolkit kind rests, those other helpers add included; promises and the rules' own
     * notifications still come. */
    const char *rest[] = {"checkin", "gesture", "patience", "milestone", "support", "repair"};
    for (size_t i = 0; i < sizeof rest / sizeof *rest; i++)
        assert_true(ledger_pause_silences(&p, rest[i]));
    assert_false(ledger_pause_silences(&p, "promise"));
    assert_false(ledger_pause_silences(&p, "notify"));
    assert_false(ledger_pause_silences(&p, "plan"));
    p.all = true;
    assert_true(ledger_pause_silences(&p, "promise"));
    assert_true(ledger_pause_silences(&p, "notify"));
    /* The toolkit's planning shows nothing: even --all leaves it, so plans go on after. */
    assert_false(ledger_pause_silences(&p, "plan"));
}

static void test_start_and_resume(void **state)
{
    struct fixture *f = *state;
    struct ledger_pause p, how;
    char err[256];
    assert_false(ledger_paused_at(f->lg, T0, NULL));
    assert_int_equal(ledger_pause_start(f->lg, T0, T0 + 2 * H, false, "a trip", &p, NULL, err,
                                        sizeof err),
                     0);
    assert_int_equal(p.from, T0);
    assert_int_equal(p.until, T0 + 2 * H);
    assert_string_equal(p.origin, LEDGER_PAUSE_CTL);
    assert_string_equal(p.note, "a trip");
    assert_false(ledger_paused_at(f->lg, T0 - 1, NULL));
    assert_true(ledger_paused_at(f->lg, T0 + H, &how));
    assert_false(how.all);
    assert_int_equal(how.until, T0 + 2 * H);
    assert_string_equal(how.note, "a trip");
    assert_false(ledger_paused_at(f->lg, T0 + 2 * H, NULL)); /* the end is exclusive */

    /* A new pause replaces the running one (which ends now). */
    assert_int_equal(ledger_pause_start(f->lg, T0 + H, USEC_INFINITY, true, NULL, &p, NULL, err,
                                        sizeof err),
                     0);
    assert_true(ledger_paused_at(f->lg, T0 + 100 * H, &how));
    assert_true(how.all);
    assert_int_equal(how.until, USEC_INFINITY);
    assert_string_equal(how.note, "");
    struct pause_list l;
    assert_int_equal(ledger_pauses_between(f->lg, T0, T0 + 200 * H, &l), 0);
    assert_int_equal(l.n, 2);
    assert_int_equal(l.v[0].until, T0 + H); /* ended by the second */
    pause_list_free(&l);

    /* Resume ends it now; a second resume finds nothing. */
    struct ledger_pause ended;
    assert_int_equal(ledger_pause_resume(f->lg, T0 + 3 * H, &ended, err, sizeof err), 0);
    assert_int_equal(ended.from, T0 + H);
    assert_int_equal(ended.until, T0 + 3 * H);
    assert_false(ledger_paused_at(f->lg, T0 + 3 * H, NULL));
    assert_true(ledger_paused_at(f->lg, T0 + 3 * H - 1, NULL)); /* the past stays paused */
    assert_int_equal(ledger_pause_resume(f->lg, T0 + 4 * H, &ended, err, sizeof err), -ENOENT);
    assert_non_null(strstr(err, "nothing is paused"));

    /* An end that is not after now is refused, and nothing is recorded. */
    assert_int_equal(ledger_pause_start(f->lg, T0 + 5 * H, T0 + 5 * H, false, NULL, &p, NULL, err,
                                        sizeof err),
                     -EINVAL);
    assert_false(ledger_paused_at(f->lg, T0 + 5 * H, NULL));
}

static void test_rule_pauses(void **state)
{
    struct fixture *f = *state;
    struct ledger_pause v[2] = {{.from = T0 + 10 * H, .until = T0 + 12 * H},
                                {.from = T0, .until = T0 + 24 * H}};
    assert_int_equal(ledger_set_rule_pauses(f->lg, v, 2), 0);
    struct ledger_pause how;
    assert_true(ledger_paused_at(f->lg, T0 + H, &how));
    assert_string_equal(how.origin, LEDGER_PAUSE_RULES);
    assert_false(how.all);
    assert_int_equal(how.until, T0 + 24 * H);
    /* A rule-file pause cannot be resumed: the error says where it comes from. */
    char err[256];
    assert_int_equal(ledger_pause_resume(f->lg, T0 + H, NULL, err, sizeof err), -EPERM);
    assert_non_null(strstr(err, "rule file"));
    assert_true(ledger_paused_at(f->lg, T0 + H, NULL));
    /* With a nudgectl pause on top, resume ends that one; the rule file's stays. */
    struct ledger_pause p;
    assert_int_equal(ledger_pause_start(f->lg, T0 + 2 * H, T0 + 30 * H, true, NULL, &p, NULL, err,
                                        sizeof err),
                     0);
    assert_true(ledger_paused_at(f->lg, T0 + 3 * H, &how));
    assert_string_equal(how.origin, LEDGER_PAUSE_CTL);
    assert_true(how.all);
    assert_int_equal(how.until, T0 + 30 * H);
    assert_int_equal(ledger_pause_resume(f->lg, T0 + 4 * H, NULL, err, sizeof err), 0);
    assert_true(ledger_paused_at(f->lg, T0 + 5 * H, &how));
    assert_string_equal(how.origin, LEDGER_PAUSE_RULES);
    assert_false(how.all);
    /* Between: both kinds, by start. */
    struct pause_list l;
    assert_int_equal(ledger_pauses_between(f->lg, T0 + 11 * H, T0 + 11 * H + 1, &l), 0);
    assert_int_equal(l.n, 2);
    assert_int_equal(l.v[0].from, T0);
    assert_int_equal(l.v[1].from, T0 + 10 * H);
    pause_list_free(&l);
    /* A new rule set replaces them all; too many are refused and the old ones kept. */
    assert_int_equal(ledger_set_rule_pauses(f->lg, NULL, 0), 0);
    assert_false(ledger_paused_at(f->lg, T0 + 5 * H, NULL));
    assert_int_equal(ledger_set_rule_pauses(f->lg, v, LEDGER_RULE_PAUSES_MAX + 1), -EINVAL);
}

/* Adds a pending snooze of a `kind` notification of reminder rem, due at due. */
static void snooze(struct fixture *f, const char *rem, const char *kind, usec_t due)
{
    struct notification n = {.app_name = "nudge", .reminder_id = rem, .kind = kind, .title = rem};
    size_t len;
    char *blob = notification_encode(&n, &len);
    assert_non_null(blob);
    int64_t fire;
    assert_int_equal(store_record_fire(f->st, rem, kind, T0, T0, rem, &fire), 0);
    assert_int_equal(store_record_answer(f->st, fire, "snoozed", T0, "action"), 0);
    assert_int_equal(store_snooze_add(f->st, rem, fire, due, blob, len, NULL), 0);
    free(blob);
}

static int count_snooze(void *ud, const struct ledger_snooze *z)
{
    (void)z;
    (*(int *)ud)++;
    return 0;
}

static void test_start_cancels_snoozes(void **state)
{
    struct fixture *f = *state;
    snooze(f, "talk", "checkin", T0 + H);         /* silenced kind, inside: cancelled */
    snooze(f, "tea", "gesture", T0 + 5 * H);      /* after the pause ends: kept */
    snooze(f, "shelf", "promise", T0 + H);        /* promises still come */
    snooze(f, "tick", "notify", T0 + H);          /* so do the rules' own notifications */
    struct ledger_pause p;
    char err[256];
    int cancelled = -1;
    assert_int_equal(ledger_pause_start(f->lg, T0 + 60 * S, T0 + 3 * H, false, NULL, &p,
                                        &cancelled, err, sizeof err),
                     0);
    assert_int_equal(cancelled, 1);
    int n = 0;
    assert_int_equal(ledger_snoozes(f->lg, count_snooze, &n), 0);
    assert_int_equal(n, 3);
    /* With all, promises' snoozes rest too. */
    assert_int_equal(ledger_pause_start(f->lg, T0 + 120 * S, USEC_INFINITY, true, NULL, &p,
                                        &cancelled, err, sizeof err),
                     0);
    assert_int_equal(cancelled, 3);
    n = 0;
    assert_int_equal(ledger_snoozes(f->lg, count_snooze, &n), 0);
    assert_int_equal(n, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_silenced_kinds),
        cmocka_unit_test_setup_teardown(test_start_and_resume, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rule_pauses, setup, teardown),
        cmocka_unit_test_setup_teardown(test_start_cancels_snoozes, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
