/* Unit tests for what CalDAV sync keeps in the ledger (src/ledger/sync.c, SPEC 7) on a real
 * state database in a temporary folder: the server's items, fires found by their calendar UID,
 * answers from another device (open, answered, not yet fired, a clock ahead of ours), held
 * answers given up, promises answered elsewhere, and a v4 database migrated to v5. Time is
 * given, never read. Zone: TZ=Europe/Berlin (ctest). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/notification.h"
#include "ledger/history.h"
#include "ledger/ledger.h"
#include "ledger/promise.h"
#include "ledger/sync.h"
#include "ledger/uid.h"
#include "store/store.h"

#define MIN (60 * USEC_PER_SEC)
#define H USEC_PER_HOUR

static char tmpdir[64];

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

struct fx {
    struct store *st;
    struct ledger *lg;
};

static int setup(void **state)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/nudge-test-sync-XXXXXX");
    if (!mkdtemp(tmpdir)) return -1;
    struct fx *fx = calloc(1, sizeof *fx);
    char dir[128], note[512], err[512];
    snprintf(dir, sizeof dir, "%s/state", tmpdir);
    if (store_open(dir, &fx->st, note, sizeof note, err, sizeof err) != 0)
        fail_msg("store_open: %s", err);
    fx->lg = ledger_new(fx->st);
    *state = fx;
    return fx->lg ? 0 : -1;
}

static int teardown(void **state)
{
    struct fx *fx = *state;
    ledger_free(fx->lg);
    store_close(fx->st);
    free(fx);
    return nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Local time in the test's zone (Europe/Berlin). */
static usec_t local(int y, int mo, int d, int h, int mi)
{
    struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h,
                    .tm_min = mi, .tm_isdst = -1};
    return (usec_t)mktime(&tm) * USEC_PER_SEC;
}

/* 2026-11-23 19:30 CET: the evening check-in. */
#define T0 local(2026, 11, 23, 19, 30)

static const char *plain_uid(const char *reminder, usec_t scheduled, char *buf)
{
    return ledger_fire_uid(reminder, scheduled, false, buf, LEDGER_UID_MAX);
}

/* A fire of `reminder` shown as notification `id`, its UID as the rule set gives it (uid NULL:
 * none, as a snooze's re-show). */
static int64_t fire(struct fx *fx, const char *reminder, const char *uid, usec_t scheduled,
                    usec_t now, uint32_t id)
{
    struct notify_action actions[] = {{"done", "Done"}, {"skip", "Skip"}, {"snooze", "Snooze"}};
    struct notification n = {.app_name = "nudge", .reminder_id = reminder, .kind = "checkin",
                             .title = "Evening check-in", .urgency = URGENCY_NORMAL,
                             .timeout_ms = -1, .actions = actions, .n_actions = 3, .uid = uid};
    int64_t fid = ledger_record_fire(fx->lg, &n, scheduled, now);
    assert_true(fid > 0);
    ledger_remember_shown(fx->lg, id, fid, reminder);
    return fid;
}

static void drain_settled(struct fx *fx)
{
    int64_t ids[16];
    while (ledger_settled_take(fx->lg, ids, 16) > 0) continue;
}

/* ---- items ---- */

struct items {
    int n, stop_at;
    char uid[8][64], etag[8][16];
    usec_t due[8];
};

static int collect_item(void *ud, const struct ledger_sync_item *it)
{
    struct items *c = ud;
    assert_true(c->n < 8);
    snprintf(c->uid[c->n], sizeof c->uid[0], "%s", it->uid);
    snprintf(c->etag[c->n], sizeof c->etag[0], "%s", it->etag ? it->etag : "(none)");
    c->due[c->n] = it->due;
    return ++c->n == c->stop_at ? 7 : 0;
}

static void test_items(void **state)
{
    struct fx *fx = *state;
    const struct ledger_sync_item b = {"b@nudge", "/cal/b.ics", "\"e1\"", T0 + H};
    const struct ledger_sync_item a = {"a@nudge", "/cal/a.ics", NULL, T0 + H};
    const struct ledger_sync_item c = {"c@nudge", "/cal/c.ics", "\"e1\"", T0};
    const struct ledger_sync_item b2 = {"b@nudge", "/cal/b.ics", "\"e2\"", T0 + 2 * H};
    assert_int_equal(ledger_sync_item_put(fx->lg, &b), 0);
    assert_int_equal(ledger_sync_item_put(fx->lg, &a), 0);
    assert_int_equal(ledger_sync_item_put(fx->lg, &c), 0);
    struct items got = {0};
    assert_int_equal(ledger_sync_items(fx->lg, collect_item, &got), 0);
    assert_int_equal(got.n, 3);
    /* By due, then uid. */
    assert_string_equal(got.uid[0], "c@nudge");
    assert_string_equal(got.uid[1], "a@nudge");
    assert_string_equal(got.etag[1], "(none)");
    assert_string_equal(got.uid[2], "b@nudge");
    /* Replaced: its new version and due. */
    assert_int_equal(ledger_sync_item_put(fx->lg, &b2), 0);
    assert_int_equal(ledger_sync_item_delete(fx->lg, "a@nudge"), 0);
    memset(&got, 0, sizeof got);
    assert_int_equal(ledger_sync_items(fx->lg, collect_item, &got), 0);
    assert_int_equal(got.n, 2);
    assert_string_equal(got.uid[1], "b@nudge");
    assert_string_equal(got.etag[1], "\"e2\"");
    assert_true(got.due[1] == T0 + 2 * H);
    /* A callback's non-zero return stops the walk and is returned. */
    memset(&got, 0, sizeof got);
    got.stop_at = 1;
    assert_int_equal(ledger_sync_items(fx->lg, collect_item, &got), 7);
    assert_int_equal(got.n, 1);
}

/* ---- fires by UID ---- */

static void test_account_and_seed(void **state)
{
    struct fx *fx = *state;
    const struct ledger_sync_item a = {"a@nudge", "/cal/a.ics", "\"e1\"", T0};
    assert_int_equal(ledger_sync_account(fx->lg, "https://one/cal/\nann"), 1); /* first: fresh */
    assert_int_equal(ledger_sync_item_put(fx->lg, &a), 0);
    assert_int_equal(ledger_sync_account(fx->lg, "https://one/cal/\nann"), 0);
    struct items got = {0};
    assert_int_equal(ledger_sync_items(fx->lg, collect_item, &got), 0);
    assert_int_equal(got.n, 1);
    /* Another server: its tasks are not the ones remembered. */
    assert_int_equal(ledger_sync_account(fx->lg, "https://two/cal/\nann"), 1);
    memset(&got, 0, sizeof got);
    assert_int_equal(ledger_sync_items(fx->lg, collect_item, &got), 0);
    assert_int_equal(got.n, 0);
    /* The seed: the first one offered is kept, later ones are not. */
    uint64_t seed = 0;
    assert_int_equal(ledger_seed(fx->lg, 0xfeedfacecafebeefull, &seed), 0);
    assert_true(seed == 0xfeedfacecafebeefull);
    assert_int_equal(ledger_seed(fx->lg, 42, &seed), 0);
    assert_true(seed == 0xfeedfacecafebeefull);
}

static void test_fire_by_uid(void **state)
{
    struct fx *fx = *state;
    char uid[LEDGER_UID_MAX], day[LEDGER_UID_MAX];
    struct ledger_fire_state f;
    plain_uid("evening", T0, uid);
    assert_int_equal(ledger_fire_by_uid(fx->lg, uid, &f), -ENOENT);

    /* A plain UID, as the rule set names the fire. */
    int64_t a = fire(fx, "evening", uid, T0, T0 + 2 * USEC_PER_SEC, 1);
    assert_int_equal(ledger_fire_by_uid(fx->lg, uid, &f), 0);
    assert_int_equal(f.fire_id, a);
    assert_string_equal(f.reminder, "evening");
    assert_string_equal(f.kind, "checkin");
    assert_string_equal(f.title, "Evening check-in");
    assert_string_equal(f.answer, "");
    assert_string_equal(f.source, "");
    assert_string_equal(f.origin, "rule");
    assert_true(f.scheduled == T0 && f.answered == 0);

    /* A by-day UID (a window's random time): found by its day's name. */
    ledger_fire_uid("gesture", T0, true, day, sizeof day);
    assert_string_equal(day, "gesture-20261123@nudge");
    int64_t g = fire(fx, "gesture", day, T0 + 3 * H, T0 + 3 * H, 2);
    assert_int_equal(ledger_fire_by_uid(fx->lg, day, &f), 0);
    assert_int_equal(f.fire_id, g);

    /* Snoozed: the re-show has no UID of the rule set's; it is named by its own time. */
    usec_t due;
    assert_int_equal(ledger_record_answer(fx->lg, a, "evening", "snoozed", 10 * MIN, "action",
                                          T0 + MIN, &due),
                     0);
    struct notification z = {.app_name = "nudge", .reminder_id = "evening", .kind = "checkin",
                             .title = "Evening check-in", .timeout_ms = -1,
                             .origin = LEDGER_ORIGIN_SNOOZE, .parent = a};
    int64_t b = ledger_record_fire(fx->lg, &z, due, due);
    assert_true(b > 0);
    char again[LEDGER_UID_MAX];
    assert_int_equal(ledger_fire_by_uid(fx->lg, plain_uid("evening", due, again), &f), 0);
    assert_int_equal(f.fire_id, b);
    assert_string_equal(f.origin, "snooze");
    /* The first fire keeps its UID and its answer. */
    assert_int_equal(ledger_fire_by_uid(fx->lg, uid, &f), 0);
    assert_int_equal(f.fire_id, a);
    assert_string_equal(f.answer, "snoozed");
    assert_string_equal(f.source, "action");
    assert_true(f.answered == T0 + MIN);

    /* A silenced fire keeps its plain UID too. */
    usec_t next = T0 + USEC_PER_DAY;
    int64_t s = ledger_record_silenced(fx->lg, "evening", "checkin", "Evening check-in", next,
                                       "pause", next);
    assert_int_equal(ledger_fire_by_uid(fx->lg, plain_uid("evening", next, again), &f), 0);
    assert_int_equal(f.fire_id, s);
    assert_string_equal(f.answer, "silenced");
    assert_string_equal(f.source, "pause");
}

/* ---- answers from another device ---- */

struct hist {
    int n;
    char answer[8][16], reason[8][32];
    usec_t answered[8];
};

static int collect_history(void *ud, const struct history_entry *e)
{
    struct hist *h = ud;
    assert_true(h->n < 8);
    snprintf(h->answer[h->n], sizeof h->answer[0], "%s", e->answer ? e->answer : "-");
    snprintf(h->reason[h->n], sizeof h->reason[0], "%s", e->reason ? e->reason : "-");
    h->answered[h->n++] = e->answered;
    return 0;
}

/* Open: answered at the device's time, from "sync", and queued to leave the screen. */
static void test_answer_open_fire(void **state)
{
    struct fx *fx = *state;
    char uid[LEDGER_UID_MAX];
    int64_t a = fire(fx, "evening", plain_uid("evening", T0, uid), T0, T0, 1);
    drain_settled(fx);
    usec_t at = T0 + 5 * MIN, now = T0 + 20 * MIN;
    assert_int_equal(ledger_sync_answer(fx->lg, uid, "evening", "done", at, now), 0);
    struct ledger_fire_state f;
    assert_int_equal(ledger_fire_by_uid(fx->lg, uid, &f), 0);
    assert_string_equal(f.answer, "done");
    assert_string_equal(f.source, "sync");
    assert_true(f.answered == at);
    int64_t ids[4];
    assert_int_equal(ledger_settled_take(fx->lg, ids, 4), 1);
    assert_int_equal(ids[0], a);
    /* The history says where the answer came from. */
    struct hist h = {0};
    assert_int_equal(ledger_history(fx->lg, 0, 0, collect_history, &h), 0);
    assert_int_equal(h.n, 1);
    assert_string_equal(h.answer[0], "done");
    assert_string_equal(h.reason[0], "another device");
    assert_true(h.answered[0] == at);
    /* A late click on its bubble is refused: the first answer won. */
    assert_int_equal(ledger_answer_shown(fx->lg, 1, "skip", now + MIN), -EALREADY);
    /* Only "done" and "skipped" come from a device. */
    assert_int_equal(ledger_sync_answer(fx->lg, uid, "evening", "snoozed", at, now), -EINVAL);
}

/* Answered already (here): the device's answer changes nothing. */
static void test_answer_answered_fire(void **state)
{
    struct fx *fx = *state;
    char uid[LEDGER_UID_MAX];
    fire(fx, "evening", plain_uid("evening", T0, uid), T0, T0, 1);
    assert_int_equal(ledger_answer_shown(fx->lg, 1, "done", T0 + MIN), 1);
    drain_settled(fx);
    assert_int_equal(ledger_sync_answer(fx->lg, uid, "evening", "skipped", T0 + 2 * MIN,
                                        T0 + 3 * MIN),
                     -EALREADY);
    struct ledger_fire_state f;
    assert_int_equal(ledger_fire_by_uid(fx->lg, uid, &f), 0);
    assert_string_equal(f.answer, "done");
    assert_string_equal(f.source, "action");
    assert_true(f.answered == T0 + MIN);
    int64_t ids[4];
    assert_int_equal(ledger_settled_take(fx->lg, ids, 4), 0);
    const char *answer;
    usec_t at;
    assert_int_equal(ledger_sync_held(fx->lg, uid, &answer, &at), -ENOENT);
}

/* Not fired yet: held; when the fire comes it is recorded answered, not shown. */
static void test_answer_future_fire(void **state)
{
    struct fx *fx = *state;
    char uid[LEDGER_UID_MAX];
    plain_uid("evening", T0, uid);
    usec_t at = T0 - 2 * H;
    assert_int_equal(ledger_sync_answer(fx->lg, uid, "evening", "skipped", at, at + MIN), 1);
    const char *answer;
    usec_t held_at;
    assert_int_equal(ledger_sync_held(fx->lg, uid, &answer, &held_at), 0);
    assert_string_equal(answer, "skipped");
    assert_true(held_at == at);
    /* A second word from the device before the fire: its latest is held. */
    assert_int_equal(ledger_sync_answer(fx->lg, uid, "evening", "done", at + MIN, at + 2 * MIN), 1);
    assert_int_equal(ledger_sync_held(fx->lg, uid, &answer, &held_at), 0);
    assert_string_equal(answer, "done");

    /* Another fire (no held answer): to be shown. */
    char other[LEDGER_UID_MAX];
    struct notification m = {.app_name = "nudge", .reminder_id = "morning", .kind = "checkin",
                             .title = "Morning", .timeout_ms = -1,
                             .uid = plain_uid("morning", T0, other)};
    assert_int_equal(ledger_sync_take_held(fx->lg, &m, T0, T0), 0);

    struct notification n = {.app_name = "nudge", .reminder_id = "evening", .kind = "checkin",
                             .title = "Evening check-in", .timeout_ms = -1, .uid = uid};
    drain_settled(fx);
    int64_t fid = ledger_sync_take_held(fx->lg, &n, T0, T0 + USEC_PER_SEC);
    assert_true(fid > 0);
    struct ledger_fire_state f;
    assert_int_equal(ledger_fire_by_uid(fx->lg, uid, &f), 0);
    assert_int_equal(f.fire_id, fid);
    assert_string_equal(f.answer, "done");
    assert_string_equal(f.source, "sync");
    assert_true(f.answered == at + MIN);
    assert_true(f.fired == T0 + USEC_PER_SEC);
    /* Never shown: no notification is known for it. */
    uint32_t ids32[2];
    assert_int_equal(ledger_notifications_of_fire(fx->lg, fid, ids32, 2), 0);
    /* The held answer is used up: the same fire again would show. */
    assert_int_equal(ledger_sync_held(fx->lg, uid, &answer, &held_at), -ENOENT);
    assert_true(ledger_sync_none_held(fx->lg));
    assert_int_equal(ledger_sync_take_held(fx->lg, &n, T0, T0 + 2 * USEC_PER_SEC), 0);
    /* And the device's answer to it now is refused. */
    assert_int_equal(ledger_sync_answer(fx->lg, uid, "evening", "skipped", T0 + H, T0 + H),
                     -EALREADY);
}

/* A snooze's re-show (no n->uid) is found by its reminder and its own time. */
static void test_take_held_snooze_reshow(void **state)
{
    struct fx *fx = *state;
    char uid[LEDGER_UID_MAX];
    usec_t due = T0 + 10 * MIN;
    plain_uid("evening", due, uid);
    assert_int_equal(ledger_sync_answer(fx->lg, uid, "evening", "done", T0, T0), 1);
    struct notification z = {.app_name = "nudge", .reminder_id = "evening", .kind = "checkin",
                             .title = "Evening check-in", .timeout_ms = -1,
                             .origin = LEDGER_ORIGIN_SNOOZE};
    int64_t fid = ledger_sync_take_held(fx->lg, &z, due, due);
    assert_true(fid > 0);
    struct ledger_fire_state f;
    assert_int_equal(ledger_fire_by_uid(fx->lg, uid, &f), 0);
    assert_int_equal(f.fire_id, fid);
    assert_string_equal(f.answer, "done");
}

/* A device whose clock is ahead: its answer counts as given now. */
static void test_answer_clock_ahead(void **state)
{
    struct fx *fx = *state;
    char uid[LEDGER_UID_MAX];
    fire(fx, "evening", plain_uid("evening", T0, uid), T0, T0, 1);
    usec_t now = T0 + 10 * MIN;
    assert_int_equal(ledger_sync_answer(fx->lg, uid, "evening", "done", now + H, now), 0);
    struct ledger_fire_state f;
    assert_int_equal(ledger_fire_by_uid(fx->lg, uid, &f), 0);
    assert_true(f.answered == now);
    /* Held the same way. */
    char later[LEDGER_UID_MAX];
    plain_uid("evening", T0 + USEC_PER_DAY, later);
    assert_int_equal(ledger_sync_answer(fx->lg, later, "evening", "done", now + H, now), 1);
    const char *answer;
    usec_t at;
    assert_int_equal(ledger_sync_held(fx->lg, later, &answer, &at), 0);
    assert_true(at == now);
}

/* Held answers whose fire never came are given up once the UID's time has passed. */
static void test_drop_held(void **state)
{
    struct fx *fx = *state;
    char a[LEDGER_UID_MAX], b[LEDGER_UID_MAX];
    plain_uid("evening", T0, a);
    ledger_fire_uid("gesture", T0, true, b, sizeof b); /* the fire comes some time that day */
    /* None held is known from a count kept as answers are held and dropped (a year's preview
     * asks for each fire): it must follow every change. */
    assert_true(ledger_sync_none_held(fx->lg));
    assert_int_equal(ledger_sync_answer(fx->lg, a, "evening", "done", T0 - H, T0 - H), 1);
    assert_false(ledger_sync_none_held(fx->lg));
    assert_int_equal(ledger_sync_answer(fx->lg, b, "gesture", "skipped", T0 - H, T0 - H), 1);
    /* A UID nudge did not make has no time to give up at. */
    assert_int_equal(ledger_sync_answer(fx->lg, "x@example.org", "evening", "done", T0, T0),
                     -EINVAL);
    assert_int_equal(ledger_sync_drop_held(fx->lg, T0 - USEC_PER_SEC), 0);
    assert_int_equal(ledger_sync_drop_held(fx->lg, T0), 1);
    const char *answer;
    usec_t at;
    assert_int_equal(ledger_sync_held(fx->lg, a, &answer, &at), -ENOENT);
    usec_t midnight = local(2026, 11, 24, 0, 0);
    assert_int_equal(ledger_sync_drop_held(fx->lg, midnight - USEC_PER_SEC), 0);
    assert_int_equal(ledger_sync_held(fx->lg, b, &answer, &at), 0);
    assert_false(ledger_sync_none_held(fx->lg));
    assert_int_equal(ledger_sync_drop_held(fx->lg, midnight), 1);
    assert_int_equal(ledger_sync_held(fx->lg, b, &answer, &at), -ENOENT);
    assert_true(ledger_sync_none_held(fx->lg));
    /* Held again after the count said none: found. */
    assert_int_equal(ledger_sync_answer(fx->lg, b, "gesture", "done", T0 - H, T0 - H), 1);
    assert_int_equal(ledger_sync_held(fx->lg, b, &answer, &at), 0);
    assert_string_equal(answer, "done");
}

/* ---- promises ---- */

static int64_t add_promise(struct fx *fx)
{
    int64_t id;
    assert_int_equal(ledger_promise_add(fx->lg, NULL, "Fix the shelf", T0, "nudgectl", T0 - H,
                                        &id, NULL),
                     0);
    return id;
}

static void promise_state(struct fx *fx, int64_t id, const char *state, usec_t answered)
{
    struct promise_list l = {0};
    assert_int_equal(ledger_promise_get(fx->lg, id, &l), 0);
    assert_string_equal(l.v[0].state, state);
    assert_true(l.v[0].answered == answered);
    promise_list_free(&l);
}

static void test_promise(void **state)
{
    struct fx *fx = *state;
    /* Its "Kept?" on screen: that fire takes the answer, which settles the promise. */
    int64_t p = add_promise(fx);
    char pid[32];
    snprintf(pid, sizeof pid, "%lld", (long long)p);
    struct notify_action actions[] = {{"kept", "Kept"}, {"not_yet", "Not yet"}};
    struct notification n = {.app_name = "nudge", .reminder_id = "p", .kind = "promise",
                             .title = "Kept?", .timeout_ms = -1, .actions = actions,
                             .n_actions = 2, .promise = pid};
    int64_t fid = ledger_record_fire(fx->lg, &n, T0, T0);
    ledger_remember_shown(fx->lg, 5, fid, "p");
    drain_settled(fx);
    usec_t at = T0 + 5 * MIN, now = T0 + 30 * MIN;
    assert_int_equal(ledger_sync_promise(fx->lg, p, "kept", at, now), 0);
    promise_state(fx, p, "kept", at);
    struct hist h = {0};
    assert_int_equal(ledger_history(fx->lg, 0, 0, collect_history, &h), 0);
    assert_int_equal(h.n, 1);
    assert_string_equal(h.answer[0], "kept");
    assert_string_equal(h.reason[0], "another device");
    assert_true(h.answered[0] == at);
    int64_t ids[4];
    assert_int_equal(ledger_settled_take(fx->lg, ids, 4), 1);
    assert_int_equal(ids[0], fid);
    /* Settled: the first answer wins. */
    assert_int_equal(ledger_sync_promise(fx->lg, p, "broken", now, now), -EALREADY);
    promise_state(fx, p, "kept", at);

    /* Nothing on screen: settled directly (a clock ahead counts as now). */
    int64_t q = add_promise(fx);
    assert_int_equal(ledger_sync_promise(fx->lg, q, "broken", now + H, now), 0);
    promise_state(fx, q, "broken", now);
    assert_int_equal(ledger_settled_take(fx->lg, ids, 4), 0);

    /* Deleted, unknown, or not an answer a promise takes. */
    int64_t r = add_promise(fx);
    char err[128];
    assert_int_equal(ledger_promise_delete(fx->lg, r, now, err, sizeof err), 0);
    assert_int_equal(ledger_sync_promise(fx->lg, r, "kept", now, now), -EALREADY);
    assert_int_equal(ledger_sync_promise(fx->lg, 999, "kept", now, now), -ENOENT);
    int64_t s = add_promise(fx);
    assert_int_equal(ledger_sync_promise(fx->lg, s, "done", now, now), -EINVAL);
    promise_state(fx, s, "open", 0);
}

/* ---- a v4 database ---- */

static void copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    if (!in || !out) fail_msg("cannot copy %s to %s", from, to);
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0) assert_int_equal(fwrite(buf, 1, n, out), n);
    fclose(in);
    assert_int_equal(fclose(out), 0);
}

/* Migrated to v5: the old fires are all there, without UIDs; new ones are found by theirs. */
static void test_v4_migrated(void **state)
{
    (void)state;
    const char *src = getenv("NUDGE_SRC");
    assert_non_null(src);
    char fixture[512], dir[128], db[160], note[512], err[512];
    snprintf(fixture, sizeof fixture, "%s/tests/data/state/v4.db", src);
    snprintf(dir, sizeof dir, "%s/v4", tmpdir);
    snprintf(db, sizeof db, "%s/nudge.db", dir);
    assert_int_equal(mkdir(dir, 0700), 0);
    copy_file(fixture, db);
    assert_int_equal(chmod(db, 0600), 0);
    struct store *st;
    if (store_open(dir, &st, note, sizeof note, err, sizeof err) != 0)
        fail_msg("store_open: %s", err);
    struct ledger *lg = ledger_new(st);
    struct hist h = {0};
    assert_int_equal(ledger_history(lg, 0, 0, collect_history, &h), 0);
    assert_int_equal(h.n, 3);
    assert_string_equal(h.answer[0], "-");
    assert_string_equal(h.answer[1], "snoozed");
    assert_string_equal(h.answer[2], "done");
    assert_string_equal(h.reason[2], "-");
    /* The old fires have no UID to be found by. */
    char uid[LEDGER_UID_MAX];
    struct ledger_fire_state f;
    assert_int_equal(ledger_fire_by_uid(lg, plain_uid("evening", 1797000000000000, uid), &f),
                     -ENOENT);
    /* A new fire expires the open one and is found by its UID. */
    struct notification n = {.app_name = "nudge", .reminder_id = "evening", .kind = "checkin",
                             .title = "Evening check-in", .timeout_ms = -1,
                             .uid = plain_uid("evening", 1797200000000000, uid)};
    int64_t fid = ledger_record_fire(lg, &n, 1797200000000000, 1797200000000000);
    assert_int_equal(fid, 4);
    assert_int_equal(ledger_fire_by_uid(lg, uid, &f), 0);
    assert_int_equal(f.fire_id, 4);
    assert_int_equal(ledger_sync_answer(lg, uid, "evening", "done", 1797200060000000,
                                        1797200120000000),
                     0);
    promise_state(&(struct fx){st, lg}, 1, "kept", 1797200100000000);
    ledger_free(lg);
    store_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_items, setup, teardown),
        cmocka_unit_test_setup_teardown(test_account_and_seed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fire_by_uid, setup, teardown),
        cmocka_unit_test_setup_teardown(test_answer_open_fire, setup, teardown),
        cmocka_unit_test_setup_teardown(test_answer_answered_fire, setup, teardown),
        cmocka_unit_test_setup_teardown(test_answer_future_fire, setup, teardown),
        cmocka_unit_test_setup_teardown(test_take_held_snooze_reshow, setup, teardown),
        cmocka_unit_test_setup_teardown(test_answer_clock_ahead, setup, teardown),
        cmocka_unit_test_setup_teardown(test_drop_held, setup, teardown),
        cmocka_unit_test_setup_teardown(test_promise, setup, teardown),
        cmocka_unit_test_setup_teardown(test_v4_migrated, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
