#include "ledger/ledger.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "common/notification.h"
#include "ledger/internal.h"
#include "ledger/promise.h"
#include "ledger/sync.h"
#include "ledger/uid.h"

#define SNOOZE_DEFAULT USEC_PER_HOUR

struct ledger *ledger_new(struct store *st)
{
    struct ledger *lg = calloc(1, sizeof *lg);
    if (lg) lg->st = st;
    return lg;
}

void ledger_free(struct ledger *lg)
{
    if (!lg) return;
    ledger_forget_shown(lg);
    free(lg->settled);
    free(lg->rule_pauses);
    pause_list_free(&lg->ctl_pauses);
    free(lg);
}

/* "20:41" today, else "2026-11-03 20:41" (local time). */
static void format_when(usec_t t, usec_t now, char *buf, size_t bufsz)
{
    time_t a = (time_t)(t / USEC_PER_SEC), b = (time_t)(now / USEC_PER_SEC);
    struct tm ta, tb;
    localtime_r(&a, &ta);
    localtime_r(&b, &tb);
    bool today = ta.tm_year == tb.tm_year && ta.tm_yday == tb.tm_yday;
    strftime(buf, bufsz, today ? "%H:%M" : "%Y-%m-%d %H:%M", &ta);
}

void ledger_describe_settled(const struct store_fire *f, usec_t now, char *err, size_t errsz)
{
    char when[32];
    format_when(f->answered, now, when, sizeof when);
    bool user = strcmp(f->answer, "expired") && strcmp(f->answer, "silenced");
    if (user)
        snprintf(err, errsz, "already answered: %s at %s ('%s' has no open prompt)", f->answer,
                 when, f->reminder);
    else
        snprintf(err, errsz, "'%s' has no open prompt: last %s at %s", f->reminder, f->answer,
                 when);
}

/* ---- fires ---- */

/* A copy of the fields of one fire row the ledger decides with. */
struct fire_row {
    int64_t id, parent;
    bool found;
    char answer[16], source[32], reminder[256];
    usec_t answered;
    struct store_fire f; /* its strings point into this struct */
};

static int fire_row_cb(void *ud, const struct store_fire *f)
{
    struct fire_row *r = ud;
    r->found = true;
    r->id = f->id;
    r->parent = f->parent;
    snprintf(r->answer, sizeof r->answer, "%s", f->answer ? f->answer : "");
    snprintf(r->source, sizeof r->source, "%s", f->source ? f->source : "");
    snprintf(r->reminder, sizeof r->reminder, "%s", f->reminder ? f->reminder : "");
    r->answered = f->answered;
    r->f = *f;
    r->f.answer = f->answer ? r->answer : NULL;
    r->f.source = r->source;
    r->f.reminder = r->reminder;
    r->f.kind = r->f.title = r->f.origin = NULL;
    return 0;
}

/* A new fire of a reminder: its previous fire, if nobody answered it, has expired. */
static void expire_previous(struct ledger *lg, const char *reminder, usec_t now)
{
    struct fire_row last = {0};
    if (store_last_fire(lg->st, reminder, fire_row_cb, &last) == 0 && !last.answer[0] &&
        store_record_answer(lg->st, last.id, "expired", now, "daemon") == 0)
        ledger_settled_push(lg, last.id);
}

/* A re-show links to the first fire of its chain. */
static int64_t chain_root(struct ledger *lg, int64_t fire_id)
{
    struct fire_row r = {0};
    if (fire_id <= 0 || store_fire_get(lg->st, fire_id, fire_row_cb, &r) < 0) return fire_id;
    return r.parent > 0 ? r.parent : fire_id;
}

int64_t ledger_record_fire(struct ledger *lg, const struct notification *n, usec_t scheduled,
                           usec_t now)
{
    if (!n->reminder_id || !*n->reminder_id) return 0;
    const char *origin = n->origin ? n->origin : LEDGER_ORIGIN_RULE;
    int64_t parent = strcmp(origin, LEDGER_ORIGIN_SNOOZE) ? 0 : chain_root(lg, n->parent);
    expire_previous(lg, n->reminder_id, now);
    /* Its calendar UID, so an answer from a synced device finds it. */
    char uid[LEDGER_UID_MAX];
    ledger_sync_fire_uid(n, scheduled, uid, sizeof uid);
    int64_t fid = 0;
    if (store_record_fire_from(lg->st, n->reminder_id, n->kind, scheduled, now, n->title, origin,
                               parent, uid, &fid) < 0)
        return 0;
    size_t len;
    char *blob = notification_encode(n, &len);
    if (blob) store_fire_attach(lg->st, fid, blob, len);
    free(blob);
    return fid;
}

int64_t ledger_record_silenced(struct ledger *lg, const char *reminder, const char *kind,
                               const char *title, usec_t scheduled, const char *reason,
                               usec_t now)
{
    if (!reminder || !*reminder) return 0;
    expire_previous(lg, reminder, now);
    char uid[LEDGER_UID_MAX];
    ledger_fire_uid(reminder, scheduled, false, uid, sizeof uid);
    int64_t fid = 0;
    if (store_record_fire_from(lg->st, reminder, kind ? kind : "notify", scheduled, now, title,
                               LEDGER_ORIGIN_RULE, 0, uid, &fid) < 0 ||
        store_record_answer(lg->st, fid, "silenced", now, reason) < 0)
        return 0;
    return fid;
}

void ledger_remember_shown(struct ledger *lg, uint32_t id, int64_t fire_id, const char *reminder)
{
    struct ledger_shown *sh = &lg->shown[lg->shown_next];
    lg->shown_next = (lg->shown_next + 1) % LEDGER_SHOWN_MAX;
    free(sh->reminder);
    sh->id = id;
    sh->fire_id = fire_id;
    sh->reminder = strdup(reminder ? reminder : "");
}

void ledger_forget_shown(struct ledger *lg)
{
    for (size_t i = 0; i < LEDGER_SHOWN_MAX; i++) free(lg->shown[i].reminder);
    memset(lg->shown, 0, sizeof lg->shown);
    lg->shown_next = 0;
}

static struct ledger_shown *find_shown(struct ledger *lg, uint32_t id)
{
    for (size_t i = 0; i < LEDGER_SHOWN_MAX; i++)
        if (lg->shown[i].id == id && id != 0) return &lg->shown[i];
    return NULL;
}

size_t ledger_notifications_of_fire(struct ledger *lg, int64_t fire_id, uint32_t *ids, size_t max)
{
    size_t n = 0;
    /* Newest first: backwards round the ring from the slot written last. */
    for (size_t k = 1; k <= LEDGER_SHOWN_MAX && n < max; k++) {
        const struct ledger_shown *sh =
            &lg->shown[(lg->shown_next + LEDGER_SHOWN_MAX - k) % LEDGER_SHOWN_MAX];
        if (sh->id && fire_id > 0 && sh->fire_id == fire_id) ids[n++] = sh->id;
    }
    return n;
}

int64_t ledger_fire_of_notification(struct ledger *lg, uint32_t id)
{
    const struct ledger_shown *sh = find_shown(lg, id);
    return sh ? sh->fire_id : 0;
}

/* ---- answers ---- */

const char *ledger_answer_for_action(const char *action)
{
    static const char *const map[][2] = {{"done", "done"},     {"skip", "skipped"},
                                         {"snooze", "snoozed"}, {"kept", "kept"},
                                         {"broken", "broken"}, {"not_yet", "not_yet"}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (!strcmp(map[i][0], action)) return map[i][1];
    return NULL;
}

static bool of_fire(const struct store_snooze *z, const void *fire_id)
{
    return z->fire_id == *(const int64_t *)fire_id;
}

static bool of_reminder(const struct store_snooze *z, const void *reminder)
{
    return !strcmp(z->reminder, reminder);
}

/* A new answer to a fire replaces its pending snooze: snoozed again, the new time wins;
 * answered otherwise, it is not shown again. */
static void drop_snoozes(struct ledger *lg, int64_t fire_id)
{
    ledger_snoozes_remove(lg, of_fire, &fire_id, NULL, 0);
}

/* Shows fire `fire_id`'s notification again after `span` (0: the notification's own snooze
 * span, else an hour). Returns the due time, or 0 when it cannot. */
static usec_t snooze_fire(struct ledger *lg, int64_t fire_id, const char *reminder, usec_t span,
                          usec_t now)
{
    void *blob;
    size_t len;
    if (store_fire_blob(lg->st, fire_id, &blob, &len) < 0) return 0;
    if (span <= 0) {
        struct notification n;
        if (notification_decode(blob, len, &n) == 0) {
            span = n.snooze;
            notification_clear(&n);
        }
        if (span <= 0) span = SNOOZE_DEFAULT;
    }
    usec_t due = now + span;
    int64_t zid = 0;
    if (store_snooze_add(lg->st, reminder, fire_id, due, blob, len, &zid) < 0) due = 0;
    free(blob);
    return due;
}

int ledger_record_answer(struct ledger *lg, int64_t fire_id, const char *reminder,
                         const char *answer, usec_t span, const char *source, usec_t now,
                         usec_t *due)
{
    *due = 0;
    struct fire_row row = {0};
    if (store_fire_get(lg->st, fire_id, fire_row_cb, &row) == -EIO) return -EIO;
    if (row.answer[0]) return -EALREADY; /* the first answer settled it */
    if (store_record_answer(lg->st, fire_id, answer, now, source) < 0) return -EIO;
    ledger_settled_push(lg, fire_id);
    drop_snoozes(lg, fire_id);
    /* A promise's answers follow its life (promise.c): settle it, or ask again later. */
    if (ledger_promise_followup(lg, fire_id, reminder, answer, now, due)) return 0;
    if (!strcmp(answer, "snoozed") || !strcmp(answer, "not_yet"))
        *due = snooze_fire(lg, fire_id, reminder, span, now);
    return 0;
}

int ledger_answer_shown(struct ledger *lg, uint32_t id, const char *action, usec_t now)
{
    struct ledger_shown *sh = find_shown(lg, id);
    const char *answer = ledger_answer_for_action(action);
    if (!sh || !answer || !sh->fire_id) return 0;
    usec_t due;
    int r = ledger_record_answer(lg, sh->fire_id, sh->reminder, answer, 0, "action", now, &due);
    if (r == -EALREADY) {
        struct fire_row row = {0};
        char why[400] = "";
        if (store_fire_get(lg->st, sh->fire_id, fire_row_cb, &row) == 0 && row.answer[0])
            ledger_describe_settled(&row.f, now, why, sizeof why);
        log_info("a click on '%s' of reminder '%s' (fire %lld) ignored: %s", action, sh->reminder,
                 (long long)sh->fire_id, why);
        return -EALREADY;
    }
    return r == 0;
}

struct answer_walk {
    struct ledger_answer *a;
    usec_t now;
    char *err;
    size_t errsz;
    bool settled;
};

static int answer_fire_cb(void *ud, const struct store_fire *f)
{
    struct answer_walk *w = ud;
    struct ledger_answer *a = w->a;
    if (f->answer) {
        w->settled = true;
        ledger_describe_settled(f, w->now, w->err, w->errsz);
    }
    a->fire_id = f->id;
    snprintf(a->title, sizeof a->title, "%s", f->title ? f->title : "");
    a->scheduled = f->scheduled;
    a->fired = f->fired;
    return 0;
}

int ledger_answer_last(struct ledger *lg, const char *reminder, const char *answer, usec_t span,
                       usec_t now, struct ledger_answer *out, char *err, size_t errsz)
{
    memset(out, 0, sizeof *out);
    if (strcmp(answer, "done") && strcmp(answer, "skipped") && strcmp(answer, "snoozed"))
        return snprintf(err, errsz, "unknown answer \"%s\"", answer), -EINVAL;
    /* Earlier fires are all settled (a new fire expires an open one): the latest is the one. */
    struct answer_walk w = {out, now, err, errsz, false};
    int r = store_last_fire(lg->st, reminder, answer_fire_cb, &w);
    if (r == -ENOENT)
        return snprintf(err, errsz, "'%s' has not shown a notification yet", reminder), -ENOENT;
    if (r < 0) return snprintf(err, errsz, "the state database failed (see the log)"), r;
    if (w.settled) return -EALREADY;
    r = ledger_record_answer(lg, out->fire_id, reminder, answer, span, "nudgectl", now, &out->due);
    if (r == -EALREADY) return snprintf(err, errsz, "already answered"), r; /* raced: not here */
    if (r < 0) return snprintf(err, errsz, "the state database failed (see the log)"), -EIO;
    if (!strcmp(answer, "snoozed") && !out->due)
        return snprintf(err, errsz, "answered, but the notification cannot be shown again"), -EIO;
    return 0;
}

/* ---- snoozes ---- */

int ledger_cancel_snoozes(struct ledger *lg, const char *reminder, const char *reason,
                          usec_t now)
{
    return ledger_snoozes_remove(lg, of_reminder, reminder, reason, now);
}

struct snooze_walk {
    int (*cb)(void *ud, const struct ledger_snooze *z);
    void *ud;
};

static int snooze_walk_cb(void *ud, const struct store_snooze *s)
{
    struct snooze_walk *w = ud;
    struct ledger_snooze z = {s->id, s->fire_id, s->due, s->blob, s->len};
    return w->cb(w->ud, &z);
}

int ledger_snoozes(struct ledger *lg, int (*cb)(void *ud, const struct ledger_snooze *z), void *ud)
{
    struct snooze_walk w = {cb, ud};
    return store_snoozes(lg->st, snooze_walk_cb, &w) < 0 ? -EIO : 0;
}

int ledger_snooze_shown(struct ledger *lg, int64_t id)
{
    return store_snooze_remove(lg->st, id) < 0 ? -EIO : 0;
}

/* ---- what the schedule keeps ---- */

int ledger_last_fire(struct ledger *lg, const char *reminder, usec_t *scheduled, usec_t *fired)
{
    return store_get_last_fire(lg->st, reminder, scheduled, fired);
}

int ledger_set_last_fire(struct ledger *lg, const char *reminder, usec_t scheduled, usec_t fired)
{
    return store_set_last_fire(lg->st, reminder, scheduled, fired);
}

int ledger_oneshot_mark(struct ledger *lg, const char *reminder, usec_t at)
{
    return store_oneshot_mark(lg->st, reminder, at);
}

int ledger_oneshot_fired(struct ledger *lg, const char *reminder, bool *fired)
{
    return store_oneshot_fired(lg->st, reminder, fired);
}

/* ---- nudge.store ---- */

int ledger_kv_get(struct ledger *lg, const char *key, size_t max, void **blob, size_t *len)
{
    int r = store_kv_get(lg->st, key, blob, len);
    if (r == -ENOENT) return r;
    if (r < 0) return -EIO;
    if (*len > max) {
        free(*blob);
        *blob = NULL;
        return -EFBIG;
    }
    return 0;
}

int ledger_kv_set(struct ledger *lg, const char *key, const void *blob, size_t len)
{
    size_t klen = strlen(key);
    if (klen > LEDGER_KV_KEY_MAX) return -ENAMETOOLONG;
    if (!blob) return store_kv_set(lg->st, key, NULL, 0) < 0 ? -EIO : 0;
    /* Each value is capped, so the file is too: a loop of new keys grew it 170 MB in 6 s. */
    int64_t others = 0;
    if (store_kv_size(lg->st, key, &others) < 0) return -EIO;
    if (others + (int64_t)(klen + len) > LEDGER_KV_TOTAL_MAX) return -ENOSPC;
    return store_kv_set(lg->st, key, blob, len) < 0 ? -EIO : 0;
}

static int copy_kv(void *ud, const char *key, const void *blob, size_t len)
{
    store_kv_set(ud, key, blob, len);
    return 0;
}

int ledger_kv_copy(struct ledger *from, struct ledger *to)
{
    /* The daemon's rule sets share one database; others (tests) carry the values over. */
    if (from->st == to->st) return 0;
    return store_kv_each(from->st, copy_kv, to->st) < 0 ? -EIO : 0;
}

int ledger_seed(struct ledger *lg, uint64_t fresh, uint64_t *seed)
{
    char v[32];
    *seed = fresh;
    int r = store_meta_get(lg->st, "seed", v, sizeof v);
    if (r == 0) {
        char *end;
        unsigned long long x = strtoull(v, &end, 16);
        if (*v && !*end) {
            *seed = x;
            return 0;
        }
    } else if (r != -ENOENT) {
        return -EIO;
    }
    snprintf(v, sizeof v, "%016llx", (unsigned long long)fresh);
    return store_meta_set(lg->st, "seed", v) < 0 ? -EIO : 0;
}
