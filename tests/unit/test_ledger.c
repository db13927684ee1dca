/* Unit tests for src/ledger/ledger.c on a real in-memory store, table-driven: each case is a
 * sequence of fires, clicks, nudgectl answers and snoozes shown again, and what the store then
 * holds (each fire's latest answer, the pending snoozes, the promise's state). Time is given,
 * never read: the ledger takes "now" as an argument. */
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
#include "ledger/journal.h"
#include "ledger/ledger.h"
#include "ledger/uid.h"
#include "store/store.h"

#define T0 ((usec_t)1795431600 * USEC_PER_SEC)
#define MIN (60 * USEC_PER_SEC)
#define H USEC_PER_HOUR

enum op {
    END,
    FIRE,        /* reminder shows notification `id` at T0 + t (snooze: its own span) */
    CLICK,       /* the user picks action `arg` on notification `id` at T0 + t */
    CTL,         /* nudgectl: answer `arg` to reminder's last fire at T0 + t, after span */
    SHOWN_AGAIN, /* the first pending snooze was shown again */
};

struct step {
    enum op op;
    const char *reminder;
    uint32_t id;      /* notification id (FIRE, CLICK) */
    const char *arg;  /* action or answer */
    usec_t t, span;   /* CTL: the snooze span; FIRE: the notification's own */
    bool promise;     /* FIRE: the notification is about the case's promise */
    int rc;           /* CTL's and CLICK's expected return */
    usec_t due;       /* CTL: the expected due time (T0-relative, 0: none) */
};

struct ledger_case {
    const char *name;
    struct step steps[8];
    const char *fires;   /* each fire, oldest first: "reminder:answer" ("-": none) */
    const char *snoozes; /* pending snoozes, by due: "reminder@minutes" after T0 */
    const char *promise; /* the promise's state */
};

static const struct ledger_case cases[] = {
    {"a fire nobody answered expires at the next",
     {{.op = FIRE, .reminder = "a", .id = 1}, {.op = FIRE, .reminder = "a", .id = 2, .t = H}, {.op = END}}, "a:expired a:-", "", "open"},
    {"a fire of no reminder is not recorded", {{.op = FIRE, .reminder = "", .id = 1}, {.op = END}}, "", "", "open"},
    {"done by a click", {{.op = FIRE, .reminder = "a", .id = 1}, {.op = CLICK, .id = 1, .arg = "done", .rc = 1}, {.op = END}},
     "a:done", "", "open"},
    {"skip by a click", {{.op = FIRE, .reminder = "a", .id = 1}, {.op = CLICK, .id = 1, .arg = "skip", .rc = 1}, {.op = END}},
     "a:skipped", "", "open"},
    {"a rule's own action is no answer",
     {{.op = FIRE, .reminder = "a", .id = 1}, {.op = CLICK, .id = 1, .arg = "open_page"}, {.op = END}}, "a:-", "", "open"},
    {"a click on a notification not shown here",
     {{.op = FIRE, .reminder = "a", .id = 1}, {.op = CLICK, .id = 7, .arg = "done"}, {.op = END}}, "a:-", "", "open"},
    {"the click answers its own fire, not the reminder's last",
     {{.op = FIRE, .reminder = "a", .id = 1}, {.op = FIRE, .reminder = "b", .id = 2}, {.op = CLICK, .id = 1, .arg = "done", .t = MIN, .rc = 1}, {.op = END}},
     "a:done b:-", "", "open"},
    {"snooze: the notification's own span",
     {{.op = FIRE, .reminder = "a", .id = 1, .span = 10 * MIN}, {.op = CLICK, .id = 1, .arg = "snooze", .t = MIN, .rc = 1},
      {.op = END}},
     "a:snoozed", "a@11", "open"},
    {"snooze: an hour when the notification has none",
     {{.op = FIRE, .reminder = "a", .id = 1}, {.op = CLICK, .id = 1, .arg = "snooze", .rc = 1}, {.op = END}}, "a:snoozed", "a@60",
     "open"},
    {"not yet shows it again too",
     {{.op = FIRE, .reminder = "a", .id = 1, .span = 30 * MIN}, {.op = CLICK, .id = 1, .arg = "not_yet", .rc = 1}, {.op = END}},
     "a:not_yet", "a@30", "open"},
    {"an answer after a snooze is refused: the snooze settled the fire",
     {{.op = FIRE, .reminder = "a", .id = 1}, {.op = CLICK, .id = 1, .arg = "snooze", .rc = 1},
      {.op = CTL, .reminder = "a", .arg = "done", .t = 5 * MIN, .rc = -EALREADY}, {.op = END}},
     "a:snoozed", "a@60", "open"},
    {"snoozed again is refused too: the first time stands",
     {{.op = FIRE, .reminder = "a", .id = 1}, {.op = CLICK, .id = 1, .arg = "snooze", .rc = 1},
      {.op = CTL, .reminder = "a", .arg = "snoozed", .t = 5 * MIN, .span = 5 * MIN, .rc = -EALREADY}, {.op = END}},
     "a:snoozed", "a@60", "open"},
    {"a snooze shown again is no longer pending",
     {{.op = FIRE, .reminder = "a", .id = 1}, {.op = CLICK, .id = 1, .arg = "snooze", .rc = 1}, {.op = SHOWN_AGAIN}, {.op = END}},
     "a:snoozed", "", "open"},
    {"kept settles the promise",
     {{.op = FIRE, .reminder = "p", .id = 1, .promise = true}, {.op = CLICK, .id = 1, .arg = "kept", .rc = 1}, {.op = END}},
     "p:kept", "", "kept"},
    {"broken settles the promise",
     {{.op = FIRE, .reminder = "p", .id = 1, .promise = true}, {.op = CLICK, .id = 1, .arg = "broken", .rc = 1}, {.op = END}},
     "p:broken", "", "broken"},
    {"done on a promise's fire leaves the promise open",
     {{.op = FIRE, .reminder = "p", .id = 1, .promise = true}, {.op = CLICK, .id = 1, .arg = "done", .rc = 1}, {.op = END}},
     "p:done", "", "open"},
    {"nudgectl answers the reminder's last fire",
     {{.op = FIRE, .reminder = "a", .id = 1}, {.op = FIRE, .reminder = "a", .id = 2, .t = H}, {.op = CTL, .reminder = "a", .arg = "done", .t = H + MIN}, {.op = END}},
     "a:expired a:done", "", "open"},
    {"nudgectl snooze without a span: the notification's own",
     {{.op = FIRE, .reminder = "a", .id = 1, .span = 20 * MIN}, {.op = CTL, .reminder = "a", .arg = "snoozed", .due = 20 * MIN}, {.op = END}},
     "a:snoozed", "a@20", "open"},
    {"nudgectl before any fire",
     {{.op = FIRE, .reminder = "a", .id = 1}, {.op = CTL, .reminder = "b", .arg = "done", .rc = -ENOENT}, {.op = END}}, "a:-", "", "open"},
    {"nudgectl with an answer it does not give",
     {{.op = FIRE, .reminder = "a", .id = 1}, {.op = CTL, .reminder = "a", .arg = "kept", .rc = -EINVAL}, {.op = END}}, "a:-", "", "open"},
};

/* ---- reading the store back ---- */

static int fire_cb(void *ud, const struct store_fire *f)
{
    char *text = ud, one[128], rest[512];
    /* store_history gives the newest first: prepend. */
    snprintf(rest, sizeof rest, "%s", text);
    snprintf(one, sizeof one, "%.60s:%.60s", f->reminder, f->answer ? f->answer : "-");
    snprintf(text, 512, "%s%s%.380s", one, rest[0] ? " " : "", rest);
    return 0;
}

/* "reminder@minutes after T0" for each pending snooze (the reminder from its notification). */
static int snooze_cb(void *ud, const struct ledger_snooze *z)
{
    char *text = ud;
    struct notification n;
    assert_int_equal(notification_decode(z->blob, z->len, &n), 0);
    size_t len = strlen(text);
    snprintf(text + len, 256 - len, "%s%s@%lld", len ? " " : "", n.reminder_id,
             (long long)((z->due - T0) / MIN));
    notification_clear(&n);
    return 0;
}

static int first_snooze_cb(void *ud, const struct ledger_snooze *z)
{
    int64_t *first = ud;
    if (!*first) *first = z->id;
    return 0;
}

static int promise_cb(void *ud, const struct store_promise *p)
{
    snprintf(ud, 16, "%s", p->state);
    return 0;
}

/* ---- running a case ---- */

static void run_step(const char *name, struct ledger *lg, const struct step *s,
                     const char *promise_id)
{
    char err[256];
    usec_t now = T0 + s->t;
    switch (s->op) {
    case FIRE: {
        struct notify_action actions[] = {{"done", "Done"}, {"snooze", "Later"}};
        struct notification n = {.app_name = "nudge", .reminder_id = s->reminder,
                                 .kind = "checkin", .title = "Stretch",
                                 .urgency = URGENCY_NORMAL, .timeout_ms = -1,
                                 .actions = actions, .n_actions = 2, .snooze = s->span,
                                 .promise = s->promise ? promise_id : NULL};
        int64_t fid = ledger_record_fire(lg, &n, now, now);
        if (*s->reminder != 0) assert_true(fid > 0);
        if (*s->reminder == 0) assert_int_equal(fid, 0);
        ledger_remember_shown(lg, s->id, fid, s->reminder);
        break;
    }
    case CLICK:
        if (ledger_answer_shown(lg, s->id, s->arg, now) != s->rc)
            fail_msg("%s: click %s on %u: not %d", name, s->arg, s->id, s->rc);
        break;
    case CTL: {
        struct ledger_answer a;
        int rc = ledger_answer_last(lg, s->reminder, s->arg, s->span, now, &a, err, sizeof err);
        if (rc != s->rc)
            fail_msg("%s: %s %s: %d (%s), not %d", name, s->arg, s->reminder, rc, err, s->rc);
        if (rc == 0) assert_int_equal(a.due ? a.due - T0 : 0, s->due);
        break;
    }
    case SHOWN_AGAIN: {
        int64_t first = 0;
        assert_int_equal(ledger_snoozes(lg, first_snooze_cb, &first), 0);
        assert_true(first > 0);
        assert_int_equal(ledger_snooze_shown(lg, first), 0);
        break;
    }
    case END:
        break;
    }
}

static void test_sequences(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        const struct ledger_case *c = &cases[k];
        struct store *st;
        char err[256];
        assert_int_equal(store_open_memory(&st, err, sizeof err), 0);
        struct ledger *lg = ledger_new(st);
        assert_non_null(lg);
        int64_t promise = 0;
        assert_int_equal(store_promise_add(st, "p", "call mum", T0 + 2 * H, "rules", T0, &promise), 0);
        char promise_id[24];
        snprintf(promise_id, sizeof promise_id, "%lld", (long long)promise);
        for (const struct step *s = c->steps; s->op != END; s++) run_step(c->name, lg, s, promise_id);

        char fires[512] = "", snoozes[256] = "", pstate[16] = "";
        assert_int_equal(store_history(st, 0, 0, fire_cb, fires), 0);
        assert_int_equal(ledger_snoozes(lg, snooze_cb, snoozes), 0);
        assert_int_equal(store_promise_get(st, promise, promise_cb, pstate), 0);
        if (strcmp(fires, c->fires) || strcmp(snoozes, c->snoozes) || strcmp(pstate, c->promise))
            fail_msg("%s:\n  fires   \"%s\", not \"%s\"\n  snoozes \"%s\", not \"%s\"\n"
                     "  promise \"%s\", not \"%s\"",
                     c->name, fires, c->fires, snoozes, c->snoozes, pstate, c->promise);
        ledger_free(lg);
        store_close(st);
    }
}

/* A reload: the values of the rules (nudge.store) and the forgotten notifications. */
static void test_kv_and_shown(void **state)
{
    (void)state;
    struct store *a, *b;
    char err[256];
    assert_int_equal(store_open_memory(&a, err, sizeof err), 0);
    assert_int_equal(store_open_memory(&b, err, sizeof err), 0);
    struct ledger *la = ledger_new(a), *lb = ledger_new(b), *la2 = ledger_new(a);

    char key[LEDGER_KV_KEY_MAX + 2];
    memset(key, 'k', sizeof key - 1);
    key[sizeof key - 1] = 0;
    assert_int_equal(ledger_kv_set(la, key, "x", 1), -ENAMETOOLONG);
    static char big[4 << 20];
    char name[16];
    int rc = 0;
    for (int i = 0; i < 8 && rc == 0; i++) {
        snprintf(name, sizeof name, "v%d", i);
        rc = ledger_kv_set(la, name, big, sizeof big);
    }
    assert_int_equal(rc, -ENOSPC); /* the fifth 4 MiB value is over 16 MiB in all */
    assert_int_equal(ledger_kv_set(la, "v4", NULL, 0), 0);
    assert_int_equal(ledger_kv_set(la, "small", "abc", 3), 0);

    void *blob;
    size_t len;
    assert_int_equal(ledger_kv_get(la, "small", 16, &blob, &len), 0);
    assert_memory_equal(blob, "abc", 3);
    free(blob);
    assert_int_equal(ledger_kv_get(la, "v0", 16, &blob, &len), -EFBIG);
    assert_int_equal(len, sizeof big);
    assert_int_equal(ledger_kv_get(lb, "small", 16, &blob, &len), -ENOENT);
    assert_int_equal(ledger_kv_copy(la, lb), 0); /* other database: copied */
    assert_int_equal(ledger_kv_get(lb, "small", 16, &blob, &len), 0);
    free(blob);
    assert_int_equal(ledger_kv_copy(la, la2), 0); /* same database: nothing to do */

    /* Forgotten notifications are no longer answered by a click. */
    struct notification n = {.reminder_id = "a", .kind = "notify", .title = "t", .timeout_ms = -1};
    int64_t fid = ledger_record_fire(la, &n, T0, T0);
    ledger_remember_shown(la, 1, fid, "a");
    ledger_forget_shown(la);
    assert_int_equal(ledger_answer_shown(la, 1, "done", T0 + MIN), 0);

    /* What the schedule keeps across restarts. */
    bool fired = true;
    assert_int_equal(ledger_oneshot_fired(la, "once", &fired), 0);
    assert_false(fired);
    assert_int_equal(ledger_oneshot_mark(la, "once", T0), 0);
    assert_int_equal(ledger_oneshot_fired(la, "once", &fired), 0);
    assert_true(fired);
    usec_t sched, when;
    assert_int_equal(ledger_last_fire(la, "daily", &sched, &when), -ENOENT);
    assert_int_equal(ledger_set_last_fire(la, "daily", T0, T0 + MIN), 0);
    assert_int_equal(ledger_last_fire(la, "daily", &sched, &when), 0);
    assert_int_equal(sched, T0);
    assert_int_equal(when, T0 + MIN);

    ledger_free(la);
    ledger_free(la2);
    ledger_free(lb);
    store_close(a);
    store_close(b);
}

/* The stored form keeps every field a snooze shows again. */
static void test_notification_round_trip(void **state)
{
    (void)state;
    struct notify_action actions[] = {{"done", "Done"}, {"later", NULL}};
    struct notification n = {.app_name = "nudge", .reminder_id = "r", .kind = "gesture",
                             .title = "Tea", .body = "green", .icon = "cup",
                             .category = "im", .urgency = URGENCY_CRITICAL, .timeout_ms = 0,
                             .actions = actions, .n_actions = 2, .snooze = 5 * MIN,
                             .promise = "7"};
    size_t len;
    char *blob = notification_encode(&n, &len);
    assert_non_null(blob);
    struct notification d;
    assert_int_equal(notification_decode(blob, len, &d), 0);
    assert_string_equal(d.reminder_id, "r");
    assert_string_equal(d.kind, "gesture");
    assert_string_equal(d.body, "green");
    assert_string_equal(d.promise, "7");
    assert_int_equal(d.urgency, URGENCY_CRITICAL);
    assert_int_equal(d.timeout_ms, 0);
    assert_int_equal(d.snooze, 5 * MIN);
    assert_int_equal(d.n_actions, 2);
    assert_string_equal(d.actions[1].label, "later"); /* a missing label is the id */
    struct notification c;
    assert_int_equal(notification_copy(&d, &c), 0);
    assert_string_equal(c.title, "Tea");
    assert_string_equal(c.actions[0].label, "Done");
    notification_clear(&c);
    notification_clear(&d);
    free(blob);
    assert_int_equal(notification_decode("{\"body\":\"no title\"}", 19, &d), -EINVAL);
}

/* A discreet notification stays discreet when a snooze shows it again; a blob stored before
 * discreet existed decodes as an ordinary one. */
static void test_notification_discreet_blob(void **state)
{
    (void)state;
    struct notification n = {.reminder_id = "r", .title = "Book a session", .discreet = true};
    size_t len;
    char *blob = notification_encode(&n, &len);
    assert_non_null(blob);
    assert_non_null(strstr(blob, "\"discreet\":true"));
    struct notification d;
    assert_int_equal(notification_decode(blob, len, &d), 0);
    assert_true(d.discreet);
    assert_string_equal(d.title, "Book a session"); /* the full text is what is kept */
    struct notification c;
    assert_int_equal(notification_copy(&d, &c), 0);
    assert_true(c.discreet);
    notification_clear(&c);
    notification_clear(&d);
    free(blob);
    n.discreet = false;
    blob = notification_encode(&n, &len);
    assert_null(strstr(blob, "discreet"));
    free(blob);
    const char *old = "{\"reminder\":\"r\",\"title\":\"t\",\"actions\":[]}";
    assert_int_equal(notification_decode(old, strlen(old), &d), 0);
    assert_false(d.discreet);
    notification_clear(&d);
}

/* ---- SPEC 2.3: calendar UIDs stable across restarts (ledger_fire_uid) ---- */

static usec_t utc_at(int y, int mo, int d, int h, int mi)
{
    struct tm tm = {
        .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi};
    return (usec_t)timegm(&tm) * USEC_PER_SEC;
}

static void test_fire_uid(void **state)
{
    (void)state;
    static const struct {
        const char *tz, *id;
        int y, mo, d, h, mi; /* the scheduled instant, UTC */
        bool by_day;
        const char *want;
    } rows[] = {
        /* A plain reminder: its scheduled time, in UTC. */
        {"Europe/Berlin", "evening", 2026, 11, 23, 19, 30, false,
         "evening-20261123T193000Z@nudge"},
        /* A window or jitter: the local date of the elapse it comes from. */
        {"Europe/Berlin", "gesture", 2026, 11, 23, 9, 0, true, "gesture-20261123@nudge"},
        {"Europe/Berlin", "gesture", 2026, 11, 23, 22, 59, true, "gesture-20261123@nudge"},
        {"Europe/Berlin", "gesture", 2026, 11, 23, 23, 0, true, "gesture-20261124@nudge"},
        /* The local date, not the UTC one: UTC+14 is already on the 23rd. */
        {"Pacific/Kiritimati", "gesture", 2026, 11, 22, 15, 0, true, "gesture-20261123@nudge"},
        /* DST days: spring forward (00:30 CET and 23:30 CEST are one date), fall back (02:30
         * CEST and 02:30 CET: one date by day, two instants when plain). */
        {"Europe/Berlin", "w", 2026, 3, 28, 23, 30, true, "w-20260329@nudge"},
        {"Europe/Berlin", "w", 2026, 3, 29, 21, 30, true, "w-20260329@nudge"},
        {"Europe/Berlin", "w", 2026, 10, 25, 0, 30, true, "w-20261025@nudge"},
        {"Europe/Berlin", "w", 2026, 10, 25, 1, 30, true, "w-20261025@nudge"},
        {"Europe/Berlin", "w", 2026, 10, 25, 0, 30, false, "w-20261025T003000Z@nudge"},
        {"Europe/Berlin", "w", 2026, 10, 25, 1, 30, false, "w-20261025T013000Z@nudge"},
        {"America/New_York", "w", 2026, 11, 2, 3, 30, true, "w-20261101@nudge"},
        /* Ids made one plain token (a byte a dash: ä is two); none at all is "notify". */
        {"UTC", "my talk/ä;x", 2026, 1, 2, 3, 4, false, "my-talk----x-20260102T030400Z@nudge"},
        {"UTC", "checkin:evening", 2026, 1, 2, 3, 4, true, "checkin:evening-20260102@nudge"},
        {"UTC", "", 2026, 1, 2, 3, 4, false, "notify-20260102T030400Z@nudge"},
        {"UTC", NULL, 2026, 1, 2, 3, 4, true, "notify-20260102@nudge"},
    };
    char *saved = getenv("TZ") ? strdup(getenv("TZ")) : NULL;
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        setenv("TZ", rows[i].tz, 1);
        tzset();
        char buf[LEDGER_UID_MAX];
        usec_t t = utc_at(rows[i].y, rows[i].mo, rows[i].d, rows[i].h, rows[i].mi);
        ledger_fire_uid(rows[i].id, t, rows[i].by_day, buf, sizeof buf);
        if (strcmp(buf, rows[i].want)) fail_msg("row %zu: %s, want %s", i, buf, rows[i].want);
    }
    /* An id of any length fits the buffer the header names. */
    char longid[1000], buf[LEDGER_UID_MAX];
    memset(longid, 'x', sizeof longid - 1);
    longid[sizeof longid - 1] = 0;
    ledger_fire_uid(longid, T0, false, buf, sizeof buf);
    assert_non_null(strstr(buf, "@nudge"));
    if (saved)
        setenv("TZ", saved, 1);
    else
        unsetenv("TZ");
    tzset();
    free(saved);
}

/* ---- SPEC 2.3: a settled or expired fire leaves the screen ----
 *
 * The ledger queues each fire as it settles; the daemon takes the queue and closes the
 * notifications each fire was shown with. Each row: a sequence, then the notification ids the
 * daemon would close, in order. */
struct screen_case {
    const char *name;
    struct step steps[8];
    const char *closed; /* "1 2": notification ids, in the order they are to close */
};

static const struct screen_case screen_cases[] = {
    {"an unanswered fire closes when its reminder fires again",
     {{.op = FIRE, .reminder = "a", .id = 1}, {.op = FIRE, .reminder = "a", .id = 2, .t = H}, {.op = END}}, "1"},
    {"another reminder's fire closes nothing",
     {{.op = FIRE, .reminder = "a", .id = 1}, {.op = FIRE, .reminder = "b", .id = 2, .t = H}, {.op = END}}, ""},
    {"done by a click closes its bubble",
     {{.op = FIRE, .reminder = "a", .id = 1}, {.op = CLICK, .id = 1, .arg = "done", .rc = 1}, {.op = END}}, "1"},
    {"a snooze closes it (the re-show is a new bubble)",
     {{.op = FIRE, .reminder = "a", .id = 1}, {.op = CLICK, .id = 1, .arg = "snooze", .rc = 1}, {.op = END}}, "1"},
    {"kept closes the promise's bubble",
     {{.op = FIRE, .reminder = "p", .id = 1, .promise = true}, {.op = CLICK, .id = 1, .arg = "kept", .rc = 1}, {.op = END}}, "1"},
    {"nudgectl done closes the bubble of the fire it answered",
     {{.op = FIRE, .reminder = "a", .id = 1}, {.op = FIRE, .reminder = "b", .id = 2},
      {.op = CTL, .reminder = "a", .arg = "done", .t = MIN}, {.op = END}}, "1"},
    {"expired, then the new fire answered: both close, in order",
     {{.op = FIRE, .reminder = "a", .id = 1}, {.op = FIRE, .reminder = "a", .id = 2, .t = H},
      {.op = CTL, .reminder = "a", .arg = "done", .t = H + MIN}, {.op = END}}, "1 2"},
    {"refused: a rule's own action leaves the bubble up",
     {{.op = FIRE, .reminder = "a", .id = 1}, {.op = CLICK, .id = 1, .arg = "open_page"}, {.op = END}}, ""},
    {"refused: a click on a notification not shown here closes nothing",
     {{.op = FIRE, .reminder = "a", .id = 1}, {.op = CLICK, .id = 7, .arg = "done"}, {.op = END}}, ""},
    {"refused: nudgectl for a reminder that showed nothing closes nothing",
     {{.op = FIRE, .reminder = "a", .id = 1}, {.op = CTL, .reminder = "b", .arg = "done", .rc = -ENOENT}, {.op = END}}, ""},
    {"refused: nudgectl with an answer it does not give closes nothing",
     {{.op = FIRE, .reminder = "a", .id = 1}, {.op = CTL, .reminder = "a", .arg = "kept", .rc = -EINVAL}, {.op = END}}, ""},
};

static void test_settled_leave_the_screen(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof screen_cases / sizeof *screen_cases; k++) {
        const struct screen_case *c = &screen_cases[k];
        struct store *st;
        char err[256];
        assert_int_equal(store_open_memory(&st, err, sizeof err), 0);
        struct ledger *lg = ledger_new(st);
        assert_non_null(lg);
        int64_t promise = 0;
        assert_int_equal(store_promise_add(st, "p", "call mum", T0 + 2 * H, "rules", T0, &promise), 0);
        char promise_id[24];
        snprintf(promise_id, sizeof promise_id, "%lld", (long long)promise);
        for (const struct step *s = c->steps; s->op != END; s++) run_step(c->name, lg, s, promise_id);

        /* What the daemon does: take the settled fires, close each one's notifications. Two
         * at a time, so the queue is taken in several calls. */
        char closed[128] = "";
        int64_t fires[2];
        size_t n;
        while ((n = ledger_settled_take(lg, fires, 2)) > 0) {
            for (size_t i = 0; i < n; i++) {
                uint32_t ids[4];
                size_t m = ledger_notifications_of_fire(lg, fires[i], ids, 4);
                for (size_t j = 0; j < m; j++) {
                    size_t len = strlen(closed);
                    snprintf(closed + len, sizeof closed - len, "%s%u", len ? " " : "", ids[j]);
                }
            }
        }
        if (strcmp(closed, c->closed))
            fail_msg("%s: closed \"%s\", not \"%s\"", c->name, closed, c->closed);
        assert_int_equal(ledger_settled_take(lg, fires, 2), 0); /* each settled fire once */
        ledger_free(lg);
        store_close(st);
    }
}

/* ---- the life of a fire (SPEC 2.3), table-driven ----
 *
 * Each row: events in (times T0-relative, the zone UTC), and out: each fire as
 * "reminder:state/origin" oldest first (state "-" when open), the fires settled in the order
 * the ledger queued them (for closing their bubbles), and the last refusal's message. */

enum life_op {
    L_END,
    L_FIRE,    /* reminder shows notification `id` (origin `arg`: NULL rule, "manual") */
    L_CLICK,   /* action `arg` on notification `id`; rc expected */
    L_CTL,     /* nudgectl answer `arg` to reminder; rc expected (message below) */
    L_ELAPSE,  /* the first pending snooze comes due: shown again as notification `id` */
    L_CHECKIN, /* nudgectl checkin for reminder, its next prompt at T0 + next (0: none) */
    L_QUIET,   /* a fire of reminder dropped by quiet hours: silenced "quiet" */
    L_PROMPT,  /* the check-in prompt planned at T0 + next: silenced (rc 1) or shown (rc 0) */
};

struct life_step {
    enum life_op op;
    const char *reminder;
    uint32_t id;
    const char *arg;
    usec_t t, next;
    int rc;
};

struct life_case {
    const char *name;
    struct life_step steps[8];
    const char *fires, *settled, *message;
};

static const struct life_case life_cases[] = {
    {"the first answer settles: a second nudgectl done is refused with the first",
     {{.op = L_FIRE, .reminder = "a", .id = 1}, {.op = L_CTL, .reminder = "a", .id = 0, .arg = "done", .t = 2 * MIN}, {.op = L_CTL, .reminder = "a", .id = 0, .arg = "done", .t = 3 * MIN, .rc = -EALREADY}},
     "a:done/rule", "1", "already answered: done at 11:02 ('a' has no open prompt)"},
    {"a stale click after nudgectl done is refused and changes nothing",
     {{.op = L_FIRE, .reminder = "a", .id = 1}, {.op = L_CTL, .reminder = "a", .id = 0, .arg = "done", .t = MIN}, {.op = L_CLICK, .reminder = NULL, .id = 1, .arg = "skip", .t = 2 * MIN, .rc = -EALREADY}},
     "a:done/rule", "1", ""},
    {"a click, then nudgectl skip: refused",
     {{.op = L_FIRE, .reminder = "a", .id = 1}, {.op = L_CLICK, .reminder = NULL, .id = 1, .arg = "done", .t = MIN, .rc = 1}, {.op = L_CTL, .reminder = "a", .id = 0, .arg = "skipped", .t = 2 * MIN, .rc = -EALREADY}},
     "a:done/rule", "1", "already answered: done at 11:01 ('a' has no open prompt)"},
    {"a rule's own action on a settled fire is no answer, not refused",
     {{.op = L_FIRE, .reminder = "a", .id = 1}, {.op = L_CLICK, .reminder = NULL, .id = 1, .arg = "done", .t = MIN, .rc = 1}, {.op = L_CLICK, .reminder = NULL, .id = 1, .arg = "open_page", .t = 2 * MIN}},
     "a:done/rule", "1", ""},
    {"none open: nudgectl fails with the last state (expired)",
     {{.op = L_FIRE, .reminder = "a", .id = 1}, {.op = L_FIRE, .reminder = "a", .id = 2, .t = H}, {.op = L_CLICK, .reminder = NULL, .id = 1, .arg = "done", .t = H + MIN, .rc = -EALREADY}},
     "a:expired/rule a:-/rule", "1", ""},
    {"none open: the last state is a silenced prompt",
     {{.op = L_QUIET, .reminder = "a", .t = H}, {.op = L_CTL, .reminder = "a", .id = 0, .arg = "done", .t = H + MIN, .rc = -EALREADY}},
     "a:silenced/rule", "", "'a' has no open prompt: last silenced at 12:00"},
    {"the date is said when the answer was not today",
     {{.op = L_FIRE, .reminder = "a", .id = 1}, {.op = L_CTL, .reminder = "a", .id = 0, .arg = "done", .t = MIN}, {.op = L_CTL, .reminder = "a", .id = 0, .arg = "done", .t = 25 * H, .rc = -EALREADY}},
     "a:done/rule", "1", "already answered: done at 2026-11-23 11:01 ('a' has no open prompt)"},
    {"a snooze's re-show is a new fire linked to the first; its answer settles it",
     {{.op = L_FIRE, .reminder = "a", .id = 1}, {.op = L_CLICK, .reminder = NULL, .id = 1, .arg = "snooze", .t = MIN, .rc = 1}, {.op = L_ELAPSE, .reminder = NULL, .id = 2, .t = 61 * MIN},
      {.op = L_CLICK, .reminder = NULL, .id = 2, .arg = "snooze", .t = 62 * MIN, .rc = 1}, {.op = L_ELAPSE, .reminder = NULL, .id = 3, .t = 122 * MIN},
      {.op = L_CLICK, .reminder = NULL, .id = 3, .arg = "done", .t = 123 * MIN, .rc = 1}},
     "a:snoozed/rule a:snoozed/snooze<1 a:done/snooze<1", "1 2 3", ""},
    {"checkin ID settles that check-in's open fire as done, and no other",
     {{.op = L_FIRE, .reminder = "evening", .id = 1}, {.op = L_FIRE, .reminder = "weekend", .id = 2}, {.op = L_CHECKIN, .reminder = "evening", .t = MIN, .next = 24 * H}},
     "evening:done/rule weekend:-/rule", "1", ""},
    {"checkin ID with nothing open silences the next prompt within 24 hours, never shown",
     {{.op = L_CHECKIN, .reminder = "evening", .t = MIN, .next = 9 * H}, {.op = L_PROMPT, .reminder = "evening", .next = 9 * H, .rc = 1},
      {.op = L_PROMPT, .reminder = "weekend", .next = 9 * H, .rc = 0}, {.op = L_PROMPT, .reminder = "evening", .next = 33 * H, .rc = 0}},
     "evening:silenced/rule", "", ""},
    {"checkin ID: a prompt more than 24 hours ahead is not silenced",
     {{.op = L_CHECKIN, .reminder = "evening", .t = MIN, .next = 30 * H}, {.op = L_PROMPT, .reminder = "evening", .next = 30 * H, .rc = 0}},
     "", "", ""},
    {"checkin cancels a pending snooze: it never shows",
     {{.op = L_FIRE, .reminder = "evening", .id = 1}, {.op = L_CLICK, .reminder = NULL, .id = 1, .arg = "snooze", .t = MIN, .rc = 1},
      {.op = L_CHECKIN, .reminder = "evening", .t = 5 * MIN, .next = 48 * H}, {.op = L_ELAPSE, .reminder = NULL, .id = 2, .t = 61 * MIN, .rc = -ENOENT}},
     "evening:snoozed/rule", "1", ""},
    {"a hand fire is recorded as manual, and answered like any",
     {{.op = L_FIRE, .reminder = "a", .id = 1, .arg = LEDGER_ORIGIN_MANUAL}, {.op = L_CTL, .reminder = "a", .id = 0, .arg = "done", .t = MIN}},
     "a:done/manual", "1", ""},
    {"a hand fire shows through a silenced prompt (the toolkit asks nothing by hand)",
     {{.op = L_CHECKIN, .reminder = "evening", .t = MIN, .next = 9 * H}, {.op = L_FIRE, .reminder = "evening", .id = 1, .arg = LEDGER_ORIGIN_MANUAL, .t = 2 * MIN}},
     "evening:silenced/rule evening:-/manual", "", ""},
    {"a quiet-hours drop is a silenced fire; the open one before it expires",
     {{.op = L_FIRE, .reminder = "a", .id = 1}, {.op = L_QUIET, .reminder = "a", .t = 12 * H}},
     "a:expired/rule a:silenced/rule", "1", ""},
};

static int life_fire_cb(void *ud, const struct store_fire *f)
{
    char *text = ud, one[160], rest[512];
    snprintf(rest, sizeof rest, "%s", text);
    char parent[24] = "";
    if (f->parent) snprintf(parent, sizeof parent, "<%lld", (long long)f->parent);
    snprintf(one, sizeof one, "%.40s:%.12s/%.8s%s", f->reminder, f->answer ? f->answer : "-",
             f->origin, parent);
    snprintf(text, 512, "%s%s%.340s", one, rest[0] ? " " : "", rest);
    return 0;
}

struct first_snooze {
    int64_t id, fire_id;
    void *blob;
    size_t len;
};

static int life_snooze_cb(void *ud, const struct ledger_snooze *z)
{
    struct first_snooze *f = ud;
    if (f->id) return 0;
    f->id = z->id;
    f->fire_id = z->fire_id;
    f->blob = malloc(z->len);
    memcpy(f->blob, z->blob, z->len);
    f->len = z->len;
    return 0;
}

static void life_fire(struct ledger *lg, const struct life_step *s, usec_t now)
{
    struct notify_action actions[] = {{"done", "Done"}, {"snooze", "Later"}, {"skip", "Skip"}};
    struct notification n = {.app_name = "nudge", .reminder_id = s->reminder, .kind = "checkin",
                             .title = "Talk", .timeout_ms = -1, .actions = actions,
                             .n_actions = 3, .origin = s->arg};
    int64_t fid = ledger_record_fire(lg, &n, now, now);
    assert_true(fid > 0);
    ledger_remember_shown(lg, s->id, fid, s->reminder);
}

/* The first pending snooze shows again (rc -ENOENT: there is none). */
static void life_elapse(const char *name, struct ledger *lg, const struct life_step *s, usec_t now)
{
    struct first_snooze f = {0};
    assert_int_equal(ledger_snoozes(lg, life_snooze_cb, &f), 0);
    if (!f.id) {
        if (s->rc != -ENOENT) fail_msg("%s: no snooze pending", name);
        return;
    }
    if (s->rc == -ENOENT) fail_msg("%s: a snooze is still pending", name);
    struct notification n;
    assert_int_equal(notification_decode(f.blob, f.len, &n), 0);
    n.origin = LEDGER_ORIGIN_SNOOZE;
    n.parent = f.fire_id;
    int64_t fid = ledger_record_fire(lg, &n, now, now);
    ledger_remember_shown(lg, s->id, fid, n.reminder_id);
    assert_int_equal(ledger_snooze_shown(lg, f.id), 0);
    notification_clear(&n);
    free(f.blob);
}

static void life_step(const char *name, struct ledger *lg, const struct life_step *s, char *msg)
{
    char err[256] = "";
    usec_t now = T0 + s->t;
    int rc = 0;
    switch (s->op) {
    case L_FIRE: life_fire(lg, s, now); return;
    case L_ELAPSE: life_elapse(name, lg, s, now); return;
    case L_CLICK: rc = ledger_answer_shown(lg, s->id, s->arg, now); break;
    case L_CTL: {
        struct ledger_answer a;
        rc = ledger_answer_last(lg, s->reminder, s->arg, 0, now, &a, err, sizeof err);
        if (rc < 0) snprintf(msg, 256, "%s", err);
        break;
    }
    case L_CHECKIN: {
        struct ledger_checkin_result res;
        rc = ledger_checkin_log(lg, s->reminder, s->next ? T0 + s->next : 0, 0, NULL, now, &res,
                                err, sizeof err);
        break;
    }
    case L_QUIET:
        rc = ledger_record_silenced(lg, s->reminder, "checkin", "Talk", now, "quiet", now) > 0
                 ? 0 : -EIO;
        break;
    case L_PROMPT: {
        bool silenced;
        assert_int_equal(ledger_checkin_silenced(lg, s->reminder, T0 + s->next, &silenced), 0);
        rc = silenced;
        break;
    }
    case L_END: return;
    }
    if (rc != s->rc) fail_msg("%s: step %d: %d (%s), not %d", name, (int)s->op, rc, err, s->rc);
}

static void test_lifecycle(void **state)
{
    (void)state;
    setenv("TZ", "UTC", 1);
    tzset();
    for (size_t k = 0; k < sizeof life_cases / sizeof *life_cases; k++) {
        const struct life_case *c = &life_cases[k];
        struct store *st;
        char err[256], msg[256] = "";
        assert_int_equal(store_open_memory(&st, err, sizeof err), 0);
        struct ledger *lg = ledger_new(st);
        for (const struct life_step *s = c->steps; s->op != L_END; s++) life_step(c->name, lg, s, msg);
        char fires[512] = "", settled[128] = "";
        assert_int_equal(store_history(st, 0, 0, life_fire_cb, fires), 0);
        int64_t ids[32];
        size_t n = ledger_settled_take(lg, ids, 32);
        for (size_t i = 0; i < n; i++) {
            size_t len = strlen(settled);
            snprintf(settled + len, sizeof settled - len, "%s%lld", i ? " " : "", (long long)ids[i]);
        }
        assert_int_equal(ledger_settled_take(lg, ids, 32), 0); /* taken once */
        if (strcmp(fires, c->fires) || strcmp(settled, c->settled) || strcmp(msg, c->message))
            fail_msg("%s:\n  fires   \"%s\", not \"%s\"\n  settled \"%s\", not \"%s\"\n"
                     "  message \"%s\", not \"%s\"",
                     c->name, fires, c->fires, settled, c->settled, msg, c->message);
        ledger_free(lg);
        store_close(st);
    }
}

/* The id map both ways: a fire's notifications (newest first), a notification's fire. */
static void test_notifications_of_fire(void **state)
{
    (void)state;
    struct store *st;
    char err[256];
    assert_int_equal(store_open_memory(&st, err, sizeof err), 0);
    struct ledger *lg = ledger_new(st);
    struct notification n = {.reminder_id = "a", .kind = "notify", .title = "t", .timeout_ms = -1};
    int64_t f1 = ledger_record_fire(lg, &n, T0, T0);
    ledger_remember_shown(lg, 10, f1, "a");
    ledger_remember_shown(lg, 11, f1, "a"); /* shown again under a new id */
    uint32_t ids[4];
    assert_int_equal(ledger_notifications_of_fire(lg, f1, ids, 4), 2);
    assert_int_equal(ids[0], 11);
    assert_int_equal(ids[1], 10);
    assert_int_equal(ledger_notifications_of_fire(lg, f1, ids, 1), 1);
    assert_int_equal(ledger_notifications_of_fire(lg, f1 + 1, ids, 4), 0);
    assert_int_equal(ledger_fire_of_notification(lg, 10), f1);
    assert_int_equal(ledger_fire_of_notification(lg, 99), 0);
    ledger_free(lg);
    store_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sequences),
        cmocka_unit_test(test_kv_and_shown),
        cmocka_unit_test(test_notification_round_trip),
        cmocka_unit_test(test_notification_discreet_blob),
        cmocka_unit_test(test_fire_uid),
        cmocka_unit_test(test_settled_leave_the_screen),
        cmocka_unit_test(test_lifecycle),
        cmocka_unit_test(test_notifications_of_fire),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
