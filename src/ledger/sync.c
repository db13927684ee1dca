/* What CalDAV sync keeps in the ledger (see sync.h). An answer from another device goes through
 * ledger_record_answer like a click, so its snoozes, promise follow-ups and the settled-fires
 * queue follow as they would for one; only its source ("sync") and time (the device's) differ. */
#include "ledger/sync.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "common/notification.h"
#include "ledger/internal.h"
#include "ledger/promise.h"
#include "ledger/uid.h"

#define SOURCE_SYNC "sync"

/* An answer word as the static string sync.h promises, or NULL for one a device cannot give. */
static const char *device_answer(const char *answer)
{
    if (answer && !strcmp(answer, "done")) return "done";
    if (answer && !strcmp(answer, "skipped")) return "skipped";
    return NULL;
}

/* ---- the tasks on the server ---- */

struct item_walk {
    int (*cb)(void *ud, const struct ledger_sync_item *it);
    void *ud;
    int stopped; /* what cb returned when it stopped the walk */
};

static int item_cb(void *ud, const struct store_sync_item *s)
{
    struct item_walk *w = ud;
    struct ledger_sync_item it = {s->uid, s->href, s->etag, s->due};
    w->stopped = w->cb(w->ud, &it);
    return w->stopped;
}

int ledger_sync_items(struct ledger *lg, int (*cb)(void *ud, const struct ledger_sync_item *it),
                      void *ud)
{
    struct item_walk w = {cb, ud, 0};
    int r = store_sync_items(lg->st, item_cb, &w);
    if (w.stopped) return w.stopped;
    return r < 0 ? -EIO : 0;
}

int ledger_sync_item_put(struct ledger *lg, const struct ledger_sync_item *it)
{
    return store_sync_item_put(lg->st, it->uid, it->href, it->etag, it->due) < 0 ? -EIO : 0;
}

int ledger_sync_item_delete(struct ledger *lg, const char *uid)
{
    return store_sync_item_delete(lg->st, uid) < 0 ? -EIO : 0;
}

/* ---- fires by UID ---- */

static int fire_state_cb(void *ud, const struct store_fire *f)
{
    struct ledger_fire_state *o = ud;
    memset(o, 0, sizeof *o);
    o->fire_id = f->id;
    snprintf(o->reminder, sizeof o->reminder, "%s", f->reminder ? f->reminder : "");
    snprintf(o->kind, sizeof o->kind, "%s", f->kind ? f->kind : "");
    snprintf(o->title, sizeof o->title, "%s", f->title ? f->title : "");
    snprintf(o->answer, sizeof o->answer, "%s", f->answer ? f->answer : "");
    snprintf(o->source, sizeof o->source, "%s", f->answer && f->source ? f->source : "");
    o->scheduled = f->scheduled;
    o->fired = f->fired;
    o->answered = f->answer ? f->answered : 0;
    snprintf(o->origin, sizeof o->origin, "%s", f->origin ? f->origin : "");
    return 0;
}

int ledger_fire_by_uid(struct ledger *lg, const char *uid, struct ledger_fire_state *out)
{
    int r = store_fire_by_uid(lg->st, uid, fire_state_cb, out);
    return r == -ENOENT ? -ENOENT : r < 0 ? -EIO : 0;
}

/* ---- answers from another device ---- */

static bool all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9') return false;
    return true;
}

/* The time a UID of ledger_fire_uid names: a plain one ("...-20261123T193000Z@nudge") its
 * instant; a by-day one ("...-20261123@nudge") the end of that local day, as its fire may come
 * at any time of it. -EINVAL for a UID nudge did not make. */
static int uid_time(const char *uid, usec_t *t)
{
    const char *at = strrchr(uid, '@');
    const char *dash = NULL;
    for (const char *p = uid; at && p < at; p++)
        if (*p == '-') dash = p;
    if (!at || strcmp(at, "@nudge") || !dash) return -EINVAL;
    const char *w = dash + 1;
    size_t len = (size_t)(at - w);
    struct tm tm = {0};
    if (len != 8 && len != 16) return -EINVAL;
    if (!all_digits(w, 8)) return -EINVAL;
    tm.tm_year = (w[0] - '0') * 1000 + (w[1] - '0') * 100 + (w[2] - '0') * 10 + (w[3] - '0') - 1900;
    tm.tm_mon = (w[4] - '0') * 10 + (w[5] - '0') - 1;
    tm.tm_mday = (w[6] - '0') * 10 + (w[7] - '0');
    time_t s;
    if (len == 16) {
        if (w[8] != 'T' || w[15] != 'Z' || !all_digits(w + 9, 6)) return -EINVAL;
        tm.tm_hour = (w[9] - '0') * 10 + (w[10] - '0');
        tm.tm_min = (w[11] - '0') * 10 + (w[12] - '0');
        tm.tm_sec = (w[13] - '0') * 10 + (w[14] - '0');
        s = timegm(&tm);
    } else {
        tm.tm_mday++; /* midnight after the day; mktime normalises the month */
        tm.tm_isdst = -1;
        s = mktime(&tm);
    }
    if (s == (time_t)-1) return -EINVAL;
    *t = (usec_t)s * USEC_PER_SEC;
    return 0;
}

int ledger_sync_answer(struct ledger *lg, const char *uid, const char *reminder, const char *answer,
                       usec_t at, usec_t now)
{
    answer = device_answer(answer);
    if (!answer || !uid) return -EINVAL;
    if (at > now) at = now; /* a device's clock ahead of ours does not answer in the future */
    struct ledger_fire_state f;
    int r = ledger_fire_by_uid(lg, uid, &f);
    if (r == 0) {
        if (f.answer[0]) return -EALREADY;
        usec_t due;
        r = ledger_record_answer(lg, f.fire_id, f.reminder, answer, 0, SOURCE_SYNC, at, &due);
        return r == -EALREADY ? r : r < 0 ? -EIO : 0;
    }
    if (r != -ENOENT) return -EIO;
    /* Not fired yet: kept until the fire comes (ledger_sync_take_held) or its time is past. */
    usec_t due;
    if (uid_time(uid, &due) < 0) return -EINVAL;
    r = store_sync_held_put(lg->st, uid, reminder ? reminder : "", answer, at, due);
    return r < 0 ? -EIO : 1;
}

struct held {
    const char *answer; /* static */
    usec_t at;
};

static int held_cb(void *ud, const struct store_sync_held *h)
{
    struct held *o = ud;
    o->answer = device_answer(h->answer);
    o->at = h->at;
    return 0;
}

bool ledger_sync_none_held(struct ledger *lg)
{
    int64_t n;
    return store_sync_held_count(lg->st, &n) == 0 && n == 0;
}

int ledger_sync_held(struct ledger *lg, const char *uid, const char **answer, usec_t *at)
{
    struct held h = {0};
    int r = store_sync_held_get(lg->st, uid, held_cb, &h);
    if (r == -ENOENT) return -ENOENT;
    if (r < 0 || !h.answer) return -EIO;
    *answer = h.answer;
    *at = h.at;
    return 0;
}

int64_t ledger_sync_take_held(struct ledger *lg, const struct notification *n, usec_t scheduled,
                              usec_t now)
{
    if (!n->reminder_id || !*n->reminder_id) return 0; /* no reminder's: no fire to answer */
    char uid[LEDGER_UID_MAX];
    ledger_sync_fire_uid(n, scheduled, uid, sizeof uid);
    const char *answer;
    usec_t at;
    if (ledger_sync_held(lg, uid, &answer, &at) < 0) return 0;
    int64_t fid = ledger_record_fire(lg, n, scheduled, now);
    if (!fid) return 0; /* not recorded: shown, so the answer can still be given */
    usec_t due;
    if (ledger_record_answer(lg, fid, n->reminder_id, answer, 0, SOURCE_SYNC, at > now ? now : at,
                             &due) < 0)
        log_warn("'%s': the answer given on another device was not recorded (fire %lld)",
                 n->reminder_id, (long long)fid);
    store_sync_held_delete(lg->st, uid);
    return fid;
}

int ledger_sync_drop_held(struct ledger *lg, usec_t before)
{
    int r = store_sync_held_drop(lg->st, before);
    return r < 0 ? -EIO : r;
}

/* ---- promises ---- */

int ledger_sync_promise(struct ledger *lg, int64_t promise_id, const char *state, usec_t at,
                        usec_t now)
{
    if (!state || (strcmp(state, "kept") && strcmp(state, "broken"))) return -EINVAL;
    if (at > now) at = now;
    struct promise_list l = {0};
    int r = ledger_promise_get(lg, promise_id, &l);
    bool open = r == 0 && l.n && !strcmp(l.v[l.n - 1].state, "open");
    promise_list_free(&l);
    if (r == -ENOENT) return -ENOENT;
    if (r < 0) return -EIO;
    if (!open) return -EALREADY;
    /* Its "Kept?" bubble on screen takes the answer, as a click would: the history shows it, and
     * the follow-up settles the promise. */
    char reminder[256];
    int64_t fire = ledger_promise_showing_fire(lg, promise_id, reminder, sizeof reminder);
    if (fire > 0) {
        usec_t due;
        r = ledger_record_answer(lg, fire, reminder, state, 0, SOURCE_SYNC, at, &due);
        if (r == 0) return 0;
        if (r != -EALREADY) return -EIO;
    }
    char err[200];
    r = ledger_promise_settle(lg, promise_id, state, at, err, sizeof err);
    if (r == -EALREADY || r == -ENOENT) return r;
    if (r < 0) {
        log_warn("promise %lld answered on another device: %s", (long long)promise_id, err);
        return -EIO;
    }
    return 0;
}

int ledger_sync_account(struct ledger *lg, const char *account)
{
    char stored[2048];
    int r = store_meta_get(lg->st, "sync_account", stored, sizeof stored);
    if (r == 0 && !strcmp(stored, account)) return 0;
    if (r < 0 && r != -ENOENT) return -EIO;
    if (store_sync_items_clear(lg->st) < 0 || store_meta_set(lg->st, "sync_account", account) < 0)
        return -EIO;
    return 1;
}
