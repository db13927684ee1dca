/* sync_plan_build: what one sync sends, from what nudge wants, what the server holds and what
 * this nudge made before. Server tasks here are real iCalendar text read back by libical, as a
 * listing gives them. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sync/plan.h"

#define T0 ((usec_t)1796000000 * USEC_PER_SEC) /* 2026-11-29 */
#define NOW (T0 - USEC_PER_DAY)

static struct sync_want full(const char *uid, const char *title, usec_t due)
{
    return (struct sync_want){.todo = {.uid = (char *)uid, .summary = (char *)title,
                                       .description = "Ask how the day went.", .kind = "checkin",
                                       .due = due, .status = ICAL_TODO_OPEN},
                              .mode = SYNC_WANT_FULL,
                              .create = true};
}

/* A server task as a listing reads it: t written, then parsed; ours as given. */
static struct ical_todo server_task(struct ical_todo t, bool ours)
{
    char *text = ical_todo_write(&t);
    assert_non_null(text);
    if (!ours) {
        /* Another program's task: no X-NUDGE line. */
        char *p = strstr(text, "X-NUDGE:1\r\n");
        assert_non_null(p);
        memmove(p, p + 11, strlen(p + 11) + 1);
    }
    struct ical_todo out;
    char err[200];
    if (ical_todo_read(text, strlen(text), &out, err, sizeof err) < 0) fail_msg("%s", err);
    free(text);
    assert_int_equal(out.ours, ours);
    return out;
}

static struct sync_plan plan(const struct sync_want *w, size_t nw, const struct sync_remote *r,
                             size_t nr, const struct sync_known *k, size_t nk)
{
    struct sync_plan p;
    assert_int_equal(sync_plan_build(w, nw, r, nr, k, nk, false, NOW, &p), 0);
    return p;
}

static void test_new_tasks_are_created_only_when_coming(void **state)
{
    (void)state;
    struct sync_want w[3] = {full("a@nudge", "Evening check-in", T0), full("b@nudge", "Walk", T0)};
    w[1].mode = SYNC_WANT_STATUS; /* a past fire: never made after the fact */
    w[2] = full("c@nudge", "Gesture", T0);
    w[2].mode = SYNC_WANT_KEEP;
    struct sync_plan p = plan(w, 3, NULL, 0, NULL, 0);
    assert_int_equal(p.n, 1);
    assert_int_equal(p.ops[0].kind, SYNC_OP_CREATE);
    assert_string_equal(p.ops[0].uid, "a@nudge");
    assert_null(p.ops[0].href);
    assert_null(p.ops[0].etag);
    assert_non_null(strstr(p.ops[0].ics, "UID:a@nudge"));
    assert_non_null(strstr(p.ops[0].ics, "SUMMARY:Evening check-in"));
    assert_non_null(strstr(p.ops[0].ics, "BEGIN:VALARM"));
    assert_int_equal(p.unchanged, 0);
    sync_plan_free(&p);
}

static void test_unchanged_task_sends_nothing(void **state)
{
    (void)state;
    struct sync_want w = full("a@nudge", "Evening check-in", T0);
    struct ical_todo t = server_task(w.todo, true);
    struct sync_remote r = {"/c/a.ics", "\"e1\"", &t};
    /* Known with that very version: no request, nothing to record. */
    struct sync_known k = {"a@nudge", "/c/a.ics", "\"e1\"", T0};
    struct sync_plan p = plan(&w, 1, &r, 1, &k, 1);
    assert_int_equal(p.n, 0);
    assert_int_equal(p.unchanged, 1);
    sync_plan_free(&p);
    /* Not known yet (state lost, or made before a crash): remembered, not sent. */
    p = plan(&w, 1, &r, 1, NULL, 0);
    assert_int_equal(p.n, 1);
    assert_int_equal(p.ops[0].kind, SYNC_OP_REMEMBER);
    assert_string_equal(p.ops[0].href, "/c/a.ics");
    assert_string_equal(p.ops[0].etag, "\"e1\"");
    sync_plan_free(&p);
    /* Known with an older version: the new one is remembered. */
    k.etag = "\"e0\"";
    p = plan(&w, 1, &r, 1, &k, 1);
    assert_int_equal(p.n, 1);
    assert_int_equal(p.ops[0].kind, SYNC_OP_REMEMBER);
    sync_plan_free(&p);
    ical_todo_clear(&t);
}

static void test_changed_text_or_time_is_updated_under_its_etag(void **state)
{
    (void)state;
    struct sync_want w = full("a@nudge", "Evening check-in", T0);
    struct sync_want old = full("a@nudge", "Evening check-in", T0 - 30 * 60 * USEC_PER_SEC);
    struct ical_todo t = server_task(old.todo, true);
    struct sync_remote r = {"/c/a.ics", "\"e1\"", &t};
    struct sync_known k = {"a@nudge", "/c/a.ics", "\"e1\"", T0};
    struct sync_plan p = plan(&w, 1, &r, 1, &k, 1);
    assert_int_equal(p.n, 1);
    assert_int_equal(p.ops[0].kind, SYNC_OP_UPDATE);
    assert_string_equal(p.ops[0].href, "/c/a.ics");
    assert_string_equal(p.ops[0].etag, "\"e1\"");
    assert_int_equal(p.unchanged, 0);
    sync_plan_free(&p);
    ical_todo_clear(&t);

    /* Text the server keeps cleaned (a control character) is no change. */
    struct sync_want odd = full("a@nudge", "Evening\x01 check-in", T0);
    t = server_task(odd.todo, true);
    r.todo = &t;
    p = plan(&odd, 1, &r, 1, &k, 1);
    assert_int_equal(p.n, 0);
    assert_int_equal(p.unchanged, 1);
    sync_plan_free(&p);
    ical_todo_clear(&t);
}

static void test_status_want_sets_only_the_state(void **state)
{
    (void)state;
    /* The phone's copy has its own summary; a past fire answered on the desktop. */
    struct sync_want base = full("a@nudge", "Check-in (edited on the phone)", T0);
    struct ical_todo t = server_task(base.todo, true);
    struct sync_remote r = {"/c/a.ics", "\"e1\"", &t};
    struct sync_known k = {"a@nudge", "/c/a.ics", "\"e1\"", T0};
    struct sync_want w = {.todo = {.uid = "a@nudge", .status = ICAL_TODO_COMPLETED,
                                   .completed = T0 + 11 * 60 * USEC_PER_SEC},
                          .mode = SYNC_WANT_STATUS};
    struct sync_plan p = plan(&w, 1, &r, 1, &k, 1);
    assert_int_equal(p.n, 1);
    assert_int_equal(p.ops[0].kind, SYNC_OP_UPDATE);
    struct ical_todo sent;
    char err[200];
    assert_int_equal(ical_todo_read(p.ops[0].ics, strlen(p.ops[0].ics), &sent, err, sizeof err), 0);
    assert_string_equal(sent.summary, "Check-in (edited on the phone)");
    assert_int_equal(sent.status, ICAL_TODO_COMPLETED);
    assert_int_equal(sent.completed, T0 + 11 * 60 * USEC_PER_SEC);
    assert_int_equal(sent.due, T0);
    assert_true(sent.ours);
    /* Once the server holds that, nothing more is sent; completion compared to the second. */
    struct sync_remote r2 = {"/c/a.ics", "\"e2\"", &sent};
    struct sync_known k2 = {"a@nudge", "/c/a.ics", "\"e2\"", T0};
    w.todo.completed += 400000; /* 0.4 s: the server keeps whole seconds */
    sync_plan_free(&p);
    p = plan(&w, 1, &r2, 1, &k2, 1);
    assert_int_equal(p.n, 0);
    assert_int_equal(p.unchanged, 1);
    sync_plan_free(&p);
    /* Cancelled: a skip or an expiry. */
    w.todo.status = ICAL_TODO_CANCELLED;
    p = plan(&w, 1, &r2, 1, &k2, 1);
    assert_int_equal(p.n, 1);
    assert_int_equal(p.ops[0].kind, SYNC_OP_UPDATE);
    assert_non_null(strstr(p.ops[0].ics, "STATUS:CANCELLED"));
    assert_null(strstr(p.ops[0].ics, "COMPLETED:"));
    sync_plan_free(&p);
    ical_todo_clear(&sent);
    ical_todo_clear(&t);
}

static void test_keep_want_changes_nothing(void **state)
{
    (void)state;
    struct sync_want base = full("a@nudge", "Walk", T0);
    struct ical_todo t = server_task(base.todo, true);
    struct sync_remote r = {"/c/a.ics", "\"e1\"", &t};
    struct sync_known k = {"a@nudge", "/c/a.ics", "\"e1\"", T0};
    struct sync_want w = {.todo = {.uid = "a@nudge", .status = ICAL_TODO_CANCELLED},
                          .mode = SYNC_WANT_KEEP};
    struct sync_plan p = plan(&w, 1, &r, 1, &k, 1);
    assert_int_equal(p.n, 0);
    assert_int_equal(p.unchanged, 1);
    sync_plan_free(&p);
    ical_todo_clear(&t);
}

static void test_only_what_this_nudge_made_is_removed(void **state)
{
    (void)state;
    struct sync_want a = full("a@nudge", "Stale", T0), b = full("b@nudge", "Someone's", T0),
                     c = full("c@nudge", "Another nudge's", T0);
    struct ical_todo ta = server_task(a.todo, true), tb = server_task(b.todo, false),
                     tc = server_task(c.todo, true);
    struct sync_remote r[3] = {{"/c/a.ics", "\"ea\"", &ta}, {"/c/b.ics", "\"eb\"", &tb},
                               {"/c/c.ics", "\"ec\"", &tc}};
    /* a and b were made here (b's UID was taken over by another program since); c was not. */
    struct sync_known k[3] = {{"a@nudge", "/c/a.ics", "\"old\"", T0},
                              {"b@nudge", "/c/b.ics", "\"eb\"", T0},
                              {"gone@nudge", "/c/gone.ics", "\"eg\"", T0}};
    struct sync_plan p = plan(NULL, 0, r, 3, k, 3);
    assert_int_equal(p.n, 3);
    assert_int_equal(p.ops[0].kind, SYNC_OP_DELETE);
    assert_string_equal(p.ops[0].uid, "a@nudge");
    assert_string_equal(p.ops[0].etag, "\"ea\""); /* the server's version, not the remembered */
    assert_int_equal(p.ops[1].kind, SYNC_OP_FORGET); /* not ours any more: left alone */
    assert_string_equal(p.ops[1].uid, "b@nudge");
    assert_int_equal(p.ops[2].kind, SYNC_OP_FORGET); /* gone on both sides */
    assert_string_equal(p.ops[2].uid, "gone@nudge");
    sync_plan_free(&p);
    ical_todo_clear(&ta), ical_todo_clear(&tb), ical_todo_clear(&tc);
}

static void test_a_task_the_user_deleted_is_not_made_again(void **state)
{
    (void)state;
    struct sync_want w = full("a@nudge", "Walk", T0);
    struct sync_known k = {"a@nudge", "/c/a.ics", "\"e1\"", T0};
    struct sync_plan p = plan(&w, 1, NULL, 0, &k, 1);
    assert_int_equal(p.n, 1);
    assert_int_equal(p.ops[0].kind, SYNC_OP_TOMBSTONE);
    assert_string_equal(p.ops[0].href, "");
    sync_plan_free(&p);
    k.href = "";
    k.etag = NULL;
    p = plan(&w, 1, NULL, 0, &k, 1);
    assert_int_equal(p.n, 0);
    sync_plan_free(&p);
}

static void test_a_partial_listing_takes_nothing_for_deleted(void **state)
{
    (void)state;
    /* Entries the server listed but nudge could not read may be its own: the known task
     * missing from the listing is neither tombstoned nor forgotten, wanted or not. */
    struct sync_want w = full("a@nudge", "Walk", T0);
    struct sync_known k[2] = {{"a@nudge", "/c/a.ics", "\"e1\"", T0},
                              {"b@nudge", "/c/b.ics", "\"e2\"", T0}};
    struct sync_plan p;
    assert_int_equal(sync_plan_build(&w, 1, NULL, 0, k, 2, true, NOW, &p), 0);
    assert_int_equal(p.n, 0);
    sync_plan_free(&p);
    /* The same listing read whole: a was deleted by the user, b is gone on both sides. */
    assert_int_equal(sync_plan_build(&w, 1, NULL, 0, k, 2, false, NOW, &p), 0);
    assert_int_equal(p.n, 2);
    assert_int_equal(p.ops[0].kind, SYNC_OP_TOMBSTONE);
    assert_int_equal(p.ops[1].kind, SYNC_OP_FORGET);
    sync_plan_free(&p);
}

static void test_someone_elses_task_under_our_uid_is_never_touched(void **state)
{
    (void)state;
    struct sync_want w = full("a@nudge", "Walk", T0);
    struct sync_want other = full("a@nudge", "Their own task", T0);
    struct ical_todo t = server_task(other.todo, false);
    struct sync_remote r = {"/c/a.ics", "\"e1\"", &t};
    struct sync_plan p = plan(&w, 1, &r, 1, NULL, 0);
    assert_int_equal(p.n, 0);
    sync_plan_free(&p);
    ical_todo_clear(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_new_tasks_are_created_only_when_coming),
        cmocka_unit_test(test_unchanged_task_sends_nothing),
        cmocka_unit_test(test_changed_text_or_time_is_updated_under_its_etag),
        cmocka_unit_test(test_status_want_sets_only_the_state),
        cmocka_unit_test(test_keep_want_changes_nothing),
        cmocka_unit_test(test_only_what_this_nudge_made_is_removed),
        cmocka_unit_test(test_a_task_the_user_deleted_is_not_made_again),
        cmocka_unit_test(test_a_partial_listing_takes_nothing_for_deleted),
        cmocka_unit_test(test_someone_elses_task_under_our_uid_is_never_touched),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
