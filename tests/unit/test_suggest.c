/* Unit tests for src/common/suggest.c: the edit distance, when a name is close enough to
 * suggest, and the exact wording of "unknown ... (did you mean ...?)". */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "common/suggest.h"

static void distance(void **state)
{
    (void)state;
    assert_int_equal(suggest_distance("title", "title"), 0);
    assert_int_equal(suggest_distance("titel", "title"), 1);   /* a swap is one slip */
    assert_int_equal(suggest_distance("ttle", "title"), 1);
    assert_int_equal(suggest_distance("tittle", "title"), 1);
    assert_int_equal(suggest_distance("tilte", "title"), 1);
    assert_int_equal(suggest_distance("Title", "title"), 0);   /* case is not a slip */
    assert_int_equal(suggest_distance("", "body"), 4);
    assert_int_equal(suggest_distance("kitten", "sitting"), 3);
    assert_int_equal(suggest_distance("ca", "abc"), 3);        /* OSA: no edit after a swap */
    char longw[SUGGEST_WORD_MAX + 2];
    memset(longw, 'a', sizeof longw - 1);
    longw[sizeof longw - 1] = 0;
    assert_int_equal(suggest_distance(longw, "a"), SIZE_MAX);
    longw[SUGGEST_WORD_MAX] = 0;
    assert_int_equal(suggest_distance(longw, longw), 0);
}

static const char *const notify[] = {"title", "body", "icon", "urgency", "timeout", "_snooze"};
#define N(a) (sizeof a / sizeof *a)

static void closest(void **state)
{
    (void)state;
    assert_string_equal(suggest_closest("titel", notify, N(notify)), "title");
    assert_string_equal(suggest_closest("bdy", notify, N(notify)), "body");
    assert_string_equal(suggest_closest("TITLE", notify, N(notify)), "title");
    assert_string_equal(suggest_closest("urgancy", notify, N(notify)), "urgency");
    assert_string_equal(suggest_closest("timout", notify, N(notify)), "timeout");
    /* Two slips in a short word are a different word. */
    assert_null(suggest_closest("bd", notify, N(notify)));
    assert_string_equal(suggest_closest("bod_y_", notify, N(notify)), "body");
    assert_null(suggest_closest("cat", notify, N(notify)));
    assert_null(suggest_closest("colour", notify, N(notify)));
    /* A private name is never offered. */
    assert_null(suggest_closest("snooze", notify, N(notify)));
    assert_null(suggest_closest("", notify, N(notify)));
}

static void wording(void **state)
{
    (void)state;
    char b[256];
    suggest_unknown(b, sizeof b, "field", "", "titel", notify, N(notify), 1);
    assert_string_equal(b, "unknown field 'titel' (did you mean 'title'?)");
    suggest_unknown(b, sizeof b, "field", "", "colour", notify, N(notify), 1);
    assert_string_equal(b, "unknown field 'colour' (the fields are title, body, icon, urgency, timeout)");
    suggest_unknown(b, sizeof b, "name", "nudge.", "tilte", notify, N(notify), 0);
    assert_string_equal(b, "unknown name 'nudge.tilte' (did you mean 'nudge.title'?)");
    suggest_unknown(b, sizeof b, "name", "nudge.", "colour", notify, N(notify), 0);
    assert_string_equal(b, "unknown name 'nudge.colour'");
    suggest_unknown(b, sizeof b, "field", "", NULL, notify, N(notify), 1);
    assert_string_equal(b, "a value without a name: write each field as name = value");
    /* A small buffer is cut, never overrun. */
    char s[12];
    suggest_unknown(s, sizeof s, "field", "", "colour", notify, N(notify), 1);
    assert_int_equal(strlen(s), sizeof s - 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(distance),
        cmocka_unit_test(closest),
        cmocka_unit_test(wording),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
