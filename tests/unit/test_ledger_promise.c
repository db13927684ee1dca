/* Unit tests for the life of a promise (src/ledger/promise.c, SPEC 2.3) on a real in-memory
 * store, table-driven: each case is a sequence of adds, "Kept?" fires, clicks, nudgectl
 * commands and reloads, and what the ledger then holds (state, re-asks, pending re-asks and
 * snoozes, the refusal words). Time is given, never read. Zone: TZ=Europe/Berlin (ctest). */
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

#include "common/notification.h"
#include "ledger/ledger.h"
#include "ledger/promise.h"
#include "store/store.h"

#define MIN (60 * USEC_PER_SEC)
#define H USEC_PER_HOUR
#define D USEC_PER_DAY

/* Local time in the test's zone (Europe/Berlin). */
static usec_t local(int y, int mo, int d, int h, int mi)
{
    struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h,
                    .tm_min = mi, .tm_isdst = -1};
    return (usec_t)mktime(&tm) * USEC_PER_SEC;
}

/* ---- re-ask times: a pure function ---- */

static void test_next_ask(void **state)
{
    (void)state;
    usec_t due = local(2026, 12, 1, 20, 41);
    static const struct {
        const char *name;
        int asks;
        int now_d, now_h, now_m;
        int want_d, want_h, want_m; /* want_d 0: no more re-asks */
    } rows[] = {
        {"first not yet: in an hour", 0, 1, 20, 45, 1, 21, 45},
        {"second: the next day at the due's time", 1, 1, 21, 50, 2, 20, 41},
        {"answered after midnight: that day's 20:41", 1, 2, 1, 10, 2, 20, 41},
        {"answered after the day's time: the day after", 2, 2, 20, 50, 3, 20, 41},
        {"the seventh", 6, 7, 20, 45, 8, 20, 41},
        {"asked 7 times: no more", 7, 8, 20, 45, 0, 0, 0},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        usec_t now = local(2026, 12, rows[i].now_d, rows[i].now_h, rows[i].now_m);
        usec_t got = promise_next_ask(due, rows[i].asks, now);
        usec_t want = rows[i].want_d
                          ? local(2026, 12, rows[i].want_d, rows[i].want_h, rows[i].want_m)
                          : 0;
        if (got != want)
            fail_msg("%s: %lld min off", rows[i].name, (long long)((int64_t)(got - want) / MIN));
    }
    /* Across the change to summer time the due's wall-clock time holds (02:30 does not exist
     * on 2027-03-28: mktime reads it as 03:30). */
    usec_t spring = local(2027, 3, 27, 20, 0);
    assert_true(promise_next_ask(spring, 1, spring + H) == local(2027, 3, 28, 20, 0));
}

/* ---- sequences ---- */

enum op {
    END,
    ADD,    /* the case's promise: rule key `arg` (NULL: added with nudgectl), due T0 */
    FIRE,   /* its "Kept?" shows as notification 1 (reminder "p") at T0 + t */
    CLICK,  /* the user picks action `arg` on notification 1 at T0 + t */
    SETTLE, /* nudgectl promise kept|broken (`arg`) at T0 + t */
    REOPEN,
    DELETE,
    EDIT,   /* nudgectl promise edit: --text `arg`, --due T0 + `due` (0: unchanged) */
    SNOOZE, /* nudgectl snooze p at T0 + t */
    RELOAD, /* the rule file is read again: its promise added again by key */
};

struct step {
    enum op op;
    const char *arg;
    usec_t t, due;
    int rc;           /* the command's expected return */
    const char *err;  /* its words (a prefix), when refused */
};

struct promise_case {
    const char *name;
    struct step steps[10];
    const char *state;
    int asks;
    const char *pending; /* pending re-asks and snoozes: minutes after T0, space-separated */
};

/* The rows name their first fields by position (op, arg, t) and the rest by name: the table
 * reads as the sequence it is. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

/* 2026-12-01 20:41 CET, as in the issue. */
#define T0_ARGS 2026, 12, 1, 20, 41

static const struct promise_case cases[] = {
    {"kept from the bubble settles it",
     {{ADD}, {FIRE}, {CLICK, "kept", MIN}, {END}}, "kept", 0, ""},
    {"broken from the bubble settles it",
     {{ADD}, {FIRE}, {CLICK, "broken", MIN}, {END}}, "broken", 0, ""},
    {"not yet: asked again in an hour",
     {{ADD}, {FIRE}, {CLICK, "not_yet", MIN}, {END}}, "open", 1, "61"},
    /* The second "Not yet" answers the re-ask (a fire of its own: the first answer settled the
     * first fire). */
    {"not yet twice: then the next day at the due's time",
     {{ADD}, {FIRE}, {CLICK, "not_yet", MIN}, {FIRE, NULL, 61 * MIN}, {CLICK, "not_yet", 61 * MIN},
      {END}},
     "open", 2,
     "1440"},
    {"kept after not yet: the re-ask is cancelled",
     {{ADD}, {FIRE}, {CLICK, "not_yet", MIN}, {SETTLE, "kept", 5 * MIN}, {END}}, "kept", 1, ""},
    {"a snooze of the old fire is cancelled when the promise settles",
     {{ADD}, {FIRE}, {SNOOZE, NULL, MIN}, {SETTLE, "broken", 2 * MIN}, {END}}, "broken", 0, ""},
    {"kept again: refused with its state and time",
     {{ADD}, {SETTLE, "kept", 0}, {SETTLE, "kept", H, .rc = -EALREADY,
                                   .err = "promise 1 is already kept (2026-12-01 20:41)"},
      {END}},
     "kept", 0, ""},
    {"broken after kept: refused, stays kept",
     {{ADD}, {SETTLE, "kept", 0}, {SETTLE, "broken", H, .rc = -EALREADY,
                                   .err = "promise 1 is already kept (2026-12-01 20:41)"},
      {END}},
     "kept", 0, ""},
    {"a stale Kept click after broken changes nothing",
     {{ADD}, {FIRE}, {SETTLE, "broken", MIN}, {CLICK, "kept", 2 * MIN}, {END}}, "broken", 0, ""},
    {"not yet on a settled promise asks nothing again",
     {{ADD}, {FIRE}, {SETTLE, "kept", MIN}, {CLICK, "not_yet", 2 * MIN}, {END}}, "kept", 0, ""},
    {"a snooze of a settled promise's fire shows nothing again",
     {{ADD}, {FIRE}, {SETTLE, "kept", MIN}, {SNOOZE, NULL, 2 * MIN}, {END}}, "kept", 0, ""},
    {"reopen: open again, re-asks counted afresh",
     {{ADD}, {FIRE}, {CLICK, "not_yet", MIN}, {SETTLE, "kept", 2 * MIN}, {REOPEN, NULL, 3 * MIN},
      {END}},
     "open", 0, ""},
    {"reopen an open promise: refused",
     {{ADD}, {REOPEN, .rc = -EALREADY, .err = "promise 1 is open already"}, {END}}, "open", 0, ""},
    {"kept after reopen",
     {{ADD}, {SETTLE, "broken"}, {REOPEN, NULL, MIN}, {SETTLE, "kept", 2 * MIN}, {END}}, "kept",
     0, ""},
    {"delete: the row stays, marked deleted, its re-ask cancelled",
     {{ADD}, {FIRE}, {CLICK, "not_yet", MIN}, {DELETE, NULL, 2 * MIN}, {END}}, "deleted", 1, ""},
    {"kept after delete: refused",
     {{ADD}, {DELETE}, {SETTLE, "kept", MIN, .rc = -EALREADY,
                        .err = "promise 1 was deleted (2026-12-01 20:41)"},
      {END}},
     "deleted", 0, ""},
    {"delete twice: refused", {{ADD}, {DELETE}, {DELETE, .rc = -EALREADY}, {END}}, "deleted", 0, ""},
    {"reopen after delete", {{ADD}, {DELETE}, {REOPEN, NULL, MIN}, {END}}, "open", 0, ""},
    {"edit the due: pending re-asks go, the count starts afresh",
     {{ADD}, {FIRE}, {CLICK, "not_yet", MIN}, {EDIT, NULL, 2 * MIN, .due = D}, {END}}, "open", 0,
     ""},
    {"edit the text only: the re-ask stays",
     {{ADD}, {FIRE}, {CLICK, "not_yet", MIN}, {EDIT, "Fix the shelf today", 2 * MIN}, {END}},
     "open", 1, "61"},
    {"edit with nothing to change: refused",
     {{ADD}, {EDIT, .rc = -EINVAL, .err = "nothing to change"}, {END}}, "open", 0, ""},
    {"edit of a rule-file promise: refused (its file says)",
     {{ADD, "promise:shelf"}, {EDIT, "x", .rc = -EPERM, .err = "promise 1 comes from the rule file"},
      {END}},
     "open", 0, ""},
    {"edit of a deleted promise: refused",
     {{ADD}, {DELETE}, {EDIT, "x", MIN, .rc = -EALREADY}, {END}}, "deleted", 0, ""},
    {"a rule promise keeps its state across a reload",
     {{ADD, "promise:shelf"}, {SETTLE, "kept", MIN}, {RELOAD, "promise:shelf", 2 * MIN}, {END}},
     "kept", 0, ""},
    {"a deleted rule promise stays deleted across a reload",
     {{ADD, "promise:shelf"}, {DELETE, NULL, MIN}, {RELOAD, "promise:shelf", 2 * MIN}, {END}},
     "deleted", 0, ""},
    {"an unknown promise: refused", {{SETTLE, "kept", .rc = -ENOENT, .err = "no promise 1"}, {END}},
     NULL, 0, ""},
};

struct run {
    struct store *st;
    struct ledger *lg;
    usec_t t0;
    int64_t id;
    uint32_t shown; /* the notification id of the latest "Kept?" (each showing has its own) */
};

struct pending_text {
    usec_t t0;
    char s[256];
};

static int pending_text_cb(void *ud, const struct ledger_snooze *z)
{
    struct pending_text *p = ud;
    size_t len = strlen(p->s);
    snprintf(p->s + len, sizeof p->s - len, "%s%lld", len ? " " : "",
             (long long)((int64_t)(z->due - p->t0) / MIN));
    return 0;
}

static void fire_kept(struct run *r, usec_t now)
{
    struct notify_action actions[] = {{"kept", "Kept"}, {"not_yet", "Not yet"}, {"broken", "Broken"}};
    char pid[32];
    snprintf(pid, sizeof pid, "%lld", (long long)r->id);
    struct notification n = {.app_name = "nudge", .reminder_id = "p", .kind = "promise",
                             .title = "Kept?", .body = "Fix the shelf",
                             .urgency = URGENCY_NORMAL, .timeout_ms = -1, .actions = actions,
                             .n_actions = 3, .promise = pid};
    int64_t fid = ledger_record_fire(r->lg, &n, now, now);
    assert_true(fid > 0);
    ledger_remember_shown(r->lg, ++r->shown, fid, "p");
}

static int command(struct run *r, const struct step *s, usec_t now, char *err, size_t errsz)
{
    int64_t id = r->id ? r->id : 1;
    switch (s->op) {
    case SETTLE:
        return ledger_promise_settle(r->lg, id, s->arg, now, err, errsz);
    case REOPEN:
        return ledger_promise_reopen(r->lg, id, now, err, errsz);
    case DELETE:
        return ledger_promise_delete(r->lg, id, now, err, errsz);
    case EDIT: {
        usec_t due = r->t0 + s->due;
        return ledger_promise_edit(r->lg, id, s->arg, s->due ? &due : NULL, now, err, errsz);
    }
    default:
        return 0;
    }
}

static void run_step(const char *name, struct run *r, const struct step *s)
{
    char err[256] = "";
    usec_t now = r->t0 + s->t;
    switch (s->op) {
    case ADD:
    case RELOAD: {
        const char *state;
        int64_t id;
        assert_int_equal(ledger_promise_add(r->lg, s->arg, "Fix the shelf", r->t0,
                                            s->arg ? "rules" : "nudgectl", now, &id, &state),
                         0);
        if (s->op == RELOAD) assert_true(id == r->id); /* the same promise, by its key */
        r->id = id;
        break;
    }
    case FIRE:
        fire_kept(r, now);
        break;
    case CLICK:
        ledger_answer_shown(r->lg, r->shown, s->arg, now);
        break;
    case SNOOZE: {
        struct ledger_answer a;
        ledger_answer_last(r->lg, "p", "snoozed", 10 * MIN, now, &a, err, sizeof err);
        break;
    }
    case END:
        break;
    default: {
        int rc = command(r, s, now, err, sizeof err);
        if (rc != s->rc) fail_msg("%s: step %d: %d (%s), not %d", name, s->op, rc, err, s->rc);
        if (s->err && strncmp(err, s->err, strlen(s->err)))
            fail_msg("%s: said \"%s\", not \"%s\"", name, err, s->err);
    }
    }
}

static void test_sequences(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct promise_case *c = &cases[i];
        struct run r = {.t0 = local(T0_ARGS)};
        char err[256];
        assert_int_equal(store_open_memory(&r.st, err, sizeof err), 0);
        r.lg = ledger_new(r.st);
        for (const struct step *s = c->steps; s->op != END; s++) run_step(c->name, &r, s);
        struct promise_list l = {0};
        int rc = ledger_promise_get(r.lg, r.id ? r.id : 1, &l);
        if (!c->state) {
            assert_int_equal(rc, -ENOENT);
        } else {
            assert_int_equal(rc, 0);
            if (strcmp(l.v[0].state, c->state) || l.v[0].asks != c->asks)
                fail_msg("%s: %s with %d asks, not %s with %d", c->name, l.v[0].state,
                         l.v[0].asks, c->state, c->asks);
        }
        promise_list_free(&l);
        struct pending_text p = {.t0 = r.t0};
        assert_int_equal(ledger_snoozes(r.lg, pending_text_cb, &p), 0);
        if (strcmp(p.s, c->pending))
            fail_msg("%s: pending \"%s\", not \"%s\"", c->name, p.s, c->pending);
        ledger_free(r.lg);
        store_close(r.st);
    }
}

/* A deleted promise counts nowhere: not in {promised}, not in {kept}. */
static void test_deleted_not_counted(void **state)
{
    (void)state;
    struct store *st;
    char err[256];
    assert_int_equal(store_open_memory(&st, err, sizeof err), 0);
    struct ledger *lg = ledger_new(st);
    usec_t t0 = local(T0_ARGS);
    int64_t a, b;
    assert_int_equal(ledger_promise_add(lg, NULL, "a", t0, "nudgectl", t0, &a, NULL), 0);
    assert_int_equal(ledger_promise_add(lg, NULL, "b", t0, "nudgectl", t0, &b, NULL), 0);
    assert_int_equal(ledger_promise_settle(lg, a, "kept", t0, err, sizeof err), 0);
    assert_int_equal(ledger_promise_settle(lg, b, "kept", t0, err, sizeof err), 0);
    /* A kept promise may still be deleted (taken back as a record). */
    assert_int_equal(ledger_promise_delete(lg, b, t0, err, sizeof err), 0);
    struct promise_counts pc;
    assert_int_equal(ledger_promise_counts(lg, t0 + H, &pc), 0);
    assert_int_equal(pc.kept, 1);
    assert_int_equal(pc.promised, 1);
    ledger_free(lg);
    store_close(st);
}

/* `nudgectl promise kept` while its "Kept?" is on screen: that fire takes the state and is
 * queued to leave the screen; a later click on it is refused. Deleting answers nothing. */
static void test_settle_closes_open_fire(void **state)
{
    (void)state;
    struct store *st;
    char err[256];
    assert_int_equal(store_open_memory(&st, err, sizeof err), 0);
    struct run r = {.st = st, .lg = ledger_new(st), .t0 = local(T0_ARGS)};
    const struct step add = {ADD}, fire = {FIRE};
    run_step("settle", &r, &add);
    run_step("settle", &r, &fire);
    assert_int_equal(ledger_promise_settle(r.lg, r.id, "kept", r.t0 + MIN, err, sizeof err), 0);
    int64_t ids[4];
    assert_int_equal(ledger_settled_take(r.lg, ids, 4), 1);
    assert_int_equal(ledger_answer_shown(r.lg, r.shown, "broken", r.t0 + 2 * MIN), -EALREADY);
    /* A second promise deleted while its "Kept?" shows: skipped, never kept or broken. */
    run_step("settle", &r, &add);
    run_step("settle", &r, &fire);
    assert_int_equal(ledger_promise_delete(r.lg, r.id, r.t0 + 3 * MIN, err, sizeof err), 0);
    assert_int_equal(ledger_settled_take(r.lg, ids, 4), 1);
    struct promise_counts pc;
    assert_int_equal(ledger_promise_counts(r.lg, r.t0 + H, &pc), 0);
    assert_int_equal(pc.kept, 1);
    ledger_free(r.lg);
    store_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_next_ask),
        cmocka_unit_test(test_sequences),
        cmocka_unit_test(test_deleted_not_counted),
        cmocka_unit_test(test_settle_closes_open_fire),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
