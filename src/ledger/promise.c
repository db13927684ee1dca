/* Promises: adding, reading and counting them (see promise.h). */
#include "ledger/promise.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "common/notification.h"
#include "ledger/internal.h"

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

int promise_list_add(struct promise_list *l, const struct ledger_promise *p)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 16;
        struct ledger_promise *v = realloc(l->v, cap * sizeof *v);
        if (!v) return -ENOMEM;
        l->v = v;
        l->cap = cap;
    }
    struct ledger_promise *q = &l->v[l->n];
    *q = (struct ledger_promise){.id = p->id, .due = p->due, .answered = p->answered,
                                 .asks = p->asks};
    q->key = dup_or_null(p->key);
    q->text = strdup(p->text ? p->text : "");
    q->source = strdup(p->source ? p->source : "");
    q->state = strdup(p->state ? p->state : "");
    l->n++; /* counted either way, so promise_list_free frees what was copied */
    if ((p->key && !q->key) || !q->text || !q->source || !q->state) return -ENOMEM;
    return 0;
}

void promise_list_free(struct promise_list *l)
{
    if (!l) return;
    for (size_t i = 0; i < l->n; i++) {
        free((char *)l->v[i].key);
        free((char *)l->v[i].text);
        free((char *)l->v[i].source);
        free((char *)l->v[i].state);
    }
    free(l->v);
    memset(l, 0, sizeof *l);
}

static struct ledger_promise view_of(const struct store_promise *p)
{
    return (struct ledger_promise){.id = p->id,
                                   .key = p->key,
                                   .text = p->text,
                                   .due = p->due,
                                   .source = p->source,
                                   .state = p->state,
                                   .answered = p->answered,
                                   .asks = p->asks};
}

/* The store's state words, as the static strings promise.h promises. */
static const char *state_word(const char *state)
{
    if (!strcmp(state, "kept")) return "kept";
    if (!strcmp(state, "broken")) return "broken";
    if (!strcmp(state, "deleted")) return "deleted";
    return "open";
}

static int state_cb(void *ud, const struct store_promise *p)
{
    *(const char **)ud = state_word(p->state);
    return 0;
}

int ledger_promise_add(struct ledger *lg, const char *key, const char *text, usec_t due,
                       const char *source, usec_t now, int64_t *id, const char **state)
{
    int64_t pid;
    int r = store_promise_add(lg->st, key, text, due, source, now, &pid);
    if (r < 0) return r;
    if (id) *id = pid;
    if (state) {
        *state = "open";
        r = store_promise_get(lg->st, pid, state_cb, state);
        if (r < 0) return r;
    }
    return 0;
}

int ledger_promise_set_state(struct ledger *lg, int64_t id, const char *state, usec_t now)
{
    return store_promise_set_state(lg->st, id, state, now);
}

static int open_cb(void *ud, const struct store_promise *p)
{
    if (strcmp(p->state, "open")) return 0;
    struct ledger_promise v = view_of(p);
    return promise_list_add(ud, &v);
}

int ledger_promise_open(struct ledger *lg, int64_t id, struct promise_list *out)
{
    size_t before = out->n;
    int r = store_promise_get(lg->st, id, open_cb, out);
    if (r < 0) return r;
    return out->n > before ? 0 : -ENOENT;
}

static int open_ctl_cb(void *ud, const struct store_promise *p)
{
    if (p->key) return 0;
    return open_cb(ud, p);
}

int ledger_promises_open_ctl(struct ledger *lg, struct promise_list *out)
{
    return store_promises(lg->st, open_ctl_cb, out);
}

struct each_walk {
    int (*cb)(void *ud, const struct ledger_promise *p);
    void *ud;
};

static int each_cb(void *ud, const struct store_promise *p)
{
    struct each_walk *w = ud;
    struct ledger_promise v = view_of(p);
    return w->cb(w->ud, &v);
}

int ledger_promises_each(struct ledger *lg, int (*cb)(void *ud, const struct ledger_promise *p),
                         void *ud)
{
    struct each_walk w = {cb, ud};
    return store_promises(lg->st, each_cb, &w);
}

struct count_walk {
    usec_t now;
    struct promise_counts *c;
};

static int count_cb(void *ud, const struct store_promise *p)
{
    struct count_walk *w = ud;
    if (!strcmp(p->state, "deleted")) return 0; /* taken back: never promised */
    bool open = !strcmp(p->state, "open");
    /* An open promise not yet due is not a promise kept or broken yet. */
    if (p->due <= w->now || !open) w->c->promised++;
    if (!strcmp(p->state, "kept")) w->c->kept++;
    if (!strcmp(p->state, "broken")) w->c->broken++;
    return 0;
}

int ledger_promise_counts(struct ledger *lg, usec_t now, struct promise_counts *c)
{
    *c = (struct promise_counts){0};
    struct count_walk w = {now, c};
    return store_promises(lg->st, count_cb, &w);
}

/* ---- the life of a promise (SPEC 2.3) ---- */

usec_t promise_next_ask(usec_t due, int asks, usec_t now)
{
    if (asks >= PROMISE_ASKS_MAX) return 0;
    if (asks <= 0) return now + USEC_PER_HOUR;
    time_t d = (time_t)(due / USEC_PER_SEC);
    struct tm at;
    if (!localtime_r(&d, &at)) return 0;
    /* The due's wall-clock time on each day after the due's, until one is ahead of now. A
     * day's worth of steps past now is enough: mktime normalises the day and the DST change. */
    for (int day = 1; day <= PROMISE_ASKS_MAX + 400; day++) {
        struct tm t = at;
        t.tm_mday += day;
        t.tm_isdst = -1;
        time_t s = mktime(&t);
        if (s == (time_t)-1) return 0;
        usec_t when = (usec_t)s * USEC_PER_SEC;
        if (when > now) return when;
    }
    return 0;
}

/* One promise, copied out of the store (a list of one); -ENOENT when unknown. */
static int promise_copy(struct ledger *lg, int64_t id, struct promise_list *out);

int ledger_promise_get(struct ledger *lg, int64_t id, struct promise_list *out)
{
    return promise_copy(lg, id, out);
}

static int copy_cb(void *ud, const struct store_promise *p)
{
    struct ledger_promise v = view_of(p);
    return promise_list_add(ud, &v);
}

static int promise_copy(struct ledger *lg, int64_t id, struct promise_list *out)
{
    int r = store_promise_get(lg->st, id, copy_cb, out);
    return r == -ENOENT ? -ENOENT : r < 0 ? -EIO : 0;
}

/* "2026-12-01 20:41" in the local zone. */
static void format_local(usec_t t, char *buf, size_t size)
{
    time_t s = (time_t)(t / USEC_PER_SEC);
    struct tm tm;
    if (!localtime_r(&s, &tm) || !strftime(buf, size, "%Y-%m-%d %H:%M", &tm))
        snprintf(buf, size, "?");
}

/* Reads promise id into *p (the list holds its strings); fills err and returns -errno when it
 * is unknown or the database failed. */
static int promise_load(struct ledger *lg, int64_t id, struct promise_list *l,
                        const struct ledger_promise **p, char *err, size_t errsz)
{
    int r = promise_copy(lg, id, l);
    if (r == -ENOENT)
        return snprintf(err, errsz, "no promise %lld (see nudgectl promise list)", (long long)id),
               -ENOENT;
    if (r < 0) return snprintf(err, errsz, "the state database failed (see the log)"), r;
    *p = &l->v[l->n - 1];
    return 0;
}

/* Fills err (printf-style) and returns rc: a refusal in one statement. */
__attribute__((format(printf, 4, 5))) static int refuse(int rc, char *err, size_t errsz,
                                                       const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errsz, fmt, ap);
    va_end(ap);
    return rc;
}

/* The refusal of a command on a settled or deleted promise, naming its state and when. */
static int refuse_settled(const struct ledger_promise *p, char *err, size_t errsz)
{
    char when[64];
    format_local(p->answered, when, sizeof when);
    if (!strcmp(p->state, "deleted"))
        snprintf(err, errsz, "promise %lld was deleted (%s)", (long long)p->id, when);
    else
        snprintf(err, errsz, "promise %lld is already %s (%s)", (long long)p->id, p->state, when);
    return -EALREADY;
}

static int db_failed(char *err, size_t errsz)
{
    snprintf(err, errsz, "the state database failed (see the log)");
    return -EIO;
}

/* Moves promise p to `state` and, unless it is open again, drops what was pending for it. */
static int64_t promise_of_blob(const void *blob, size_t len);

static int unanswered_cb(void *ud, const struct store_fire *f)
{
    *(bool *)ud = f->answer == NULL;
    return 0;
}

/* The promise's "Kept?" fires still open on screen take its new state (source "promise"), so
 * they leave the screen and a late click on one is refused. Only fires the daemon still knows
 * the notification of can be on screen: the shown map holds them. */
static int settle_open_fires(struct ledger *lg, int64_t id, const char *state, usec_t now)
{
    for (size_t i = 0; i < LEDGER_SHOWN_MAX; i++) {
        int64_t fire = lg->shown[i].fire_id;
        bool open = false, seen = false;
        for (size_t j = 0; j < i && !seen; j++) seen = lg->shown[j].fire_id == fire;
        if (!lg->shown[i].id || fire <= 0 || seen) continue;
        if (store_fire_get(lg->st, fire, unanswered_cb, &open) < 0 || !open) continue;
        void *blob;
        size_t len;
        if (store_fire_blob(lg->st, fire, &blob, &len) < 0) continue;
        int64_t of = promise_of_blob(blob, len);
        free(blob);
        if (of != id) continue;
        if (store_record_answer(lg->st, fire, state, now, "promise") < 0) return -EIO;
        ledger_settled_push(lg, fire);
    }
    return 0;
}

int64_t ledger_promise_showing_fire(struct ledger *lg, int64_t id, char *reminder,
                                    size_t reminder_sz)
{
    /* Newest first: backwards round the ring from the slot written last. */
    for (size_t k = 1; k <= LEDGER_SHOWN_MAX; k++) {
        const struct ledger_shown *sh =
            &lg->shown[(lg->shown_next + LEDGER_SHOWN_MAX - k) % LEDGER_SHOWN_MAX];
        bool open = false;
        if (!sh->id || sh->fire_id <= 0) continue;
        if (store_fire_get(lg->st, sh->fire_id, unanswered_cb, &open) < 0 || !open) continue;
        void *blob;
        size_t len;
        if (store_fire_blob(lg->st, sh->fire_id, &blob, &len) < 0) continue;
        int64_t of = promise_of_blob(blob, len);
        free(blob);
        if (of != id) continue;
        snprintf(reminder, reminder_sz, "%s", sh->reminder ? sh->reminder : "");
        return sh->fire_id;
    }
    return 0;
}

static int promise_move(struct ledger *lg, const struct ledger_promise *p, const char *state,
                        usec_t now, char *err, size_t errsz)
{
    if (store_promise_set_state(lg->st, p->id, state, now) < 0) return db_failed(err, errsz);
    if (strcmp(state, "open") && ledger_promise_cancel_pending(lg, p->id) < 0)
        return db_failed(err, errsz);
    /* A deleted promise's open fire was answered nothing: it is put aside as skipped. */
    if (strcmp(state, "open") &&
        settle_open_fires(lg, p->id, strcmp(state, "deleted") ? state : "skipped", now) < 0)
        return db_failed(err, errsz);
    return 0;
}

int ledger_promise_settle(struct ledger *lg, int64_t id, const char *state, usec_t now,
                          char *err, size_t errsz)
{
    if (strcmp(state, "kept") && strcmp(state, "broken"))
        return snprintf(err, errsz, "a promise is kept or broken, not \"%s\"", state), -EINVAL;
    struct promise_list l = {0};
    const struct ledger_promise *p;
    int r = promise_load(lg, id, &l, &p, err, errsz);
    if (r == 0 && strcmp(p->state, "open")) r = refuse_settled(p, err, errsz);
    if (r == 0) r = promise_move(lg, p, state, now, err, errsz);
    promise_list_free(&l);
    return r;
}

int ledger_promise_reopen(struct ledger *lg, int64_t id, usec_t now, char *err, size_t errsz)
{
    struct promise_list l = {0};
    const struct ledger_promise *p;
    int r = promise_load(lg, id, &l, &p, err, errsz);
    if (r == 0 && !strcmp(p->state, "open"))
        r = refuse(-EALREADY, err, errsz, "promise %lld is open already", (long long)id);
    if (r == 0) r = promise_move(lg, p, "open", now, err, errsz);
    promise_list_free(&l);
    return r;
}

int ledger_promise_delete(struct ledger *lg, int64_t id, usec_t now, char *err, size_t errsz)
{
    struct promise_list l = {0};
    const struct ledger_promise *p;
    int r = promise_load(lg, id, &l, &p, err, errsz);
    if (r == 0 && !strcmp(p->state, "deleted")) r = refuse_settled(p, err, errsz);
    if (r == 0) r = promise_move(lg, p, "deleted", now, err, errsz);
    promise_list_free(&l);
    return r;
}

int ledger_promise_edit(struct ledger *lg, int64_t id, const char *text, const usec_t *due,
                        usec_t now, char *err, size_t errsz)
{
    (void)now;
    struct promise_list l = {0};
    const struct ledger_promise *p;
    int r = promise_load(lg, id, &l, &p, err, errsz);
    if (r == 0 && !strcmp(p->state, "deleted")) r = refuse_settled(p, err, errsz);
    if (r == 0 && p->key)
        r = refuse(-EPERM, err, errsz,
                   "promise %lld comes from the rule file: change its text or due there",
                   (long long)id);
    if (r == 0 && !text && !due)
        r = refuse(-EINVAL, err, errsz, "nothing to change: give --text or --due");
    if (r == 0 && store_promise_edit(lg->st, id, text, due) < 0) r = db_failed(err, errsz);
    /* Re-asks planned from the old due are not the new due's. */
    if (r == 0 && due && ledger_promise_cancel_pending(lg, id) < 0) r = db_failed(err, errsz);
    promise_list_free(&l);
    return r;
}

/* The promise a stored notification is about (its _promise), or 0. */
static int64_t promise_of_blob(const void *blob, size_t len)
{
    struct notification n;
    int64_t id = 0;
    if (notification_decode(blob, len, &n) < 0) return 0;
    if (n.promise) id = strtoll(n.promise, NULL, 10);
    notification_clear(&n);
    return id;
}

static bool of_promise(const struct store_snooze *z, const void *id)
{
    return promise_of_blob(z->blob, z->len) == *(const int64_t *)id;
}

int ledger_promise_cancel_pending(struct ledger *lg, int64_t id)
{
    return ledger_snoozes_remove(lg, of_promise, &id, NULL, 0) < 0 ? -EIO : 0;
}

/* "Not yet" to a fire of promise p: its notification again at the next ask, counted. */
static usec_t promise_reask(struct ledger *lg, const struct ledger_promise *p, int64_t fire_id,
                            const char *reminder, const void *blob, size_t len, usec_t now)
{
    usec_t at = promise_next_ask(p->due, p->asks, now);
    if (!at) {
        log_info("promise %lld: asked %d times; it stays open (nudgectl promise kept|broken)",
                 (long long)p->id, p->asks);
        return 0;
    }
    /* One pending ask per promise: the new one replaces any other still waiting. */
    if (ledger_promise_cancel_pending(lg, p->id) < 0) return 0;
    int64_t zid;
    if (store_snooze_add(lg->st, reminder, fire_id, at, blob, len, &zid) < 0) return 0;
    if (store_promise_set_asks(lg->st, p->id, p->asks + 1) < 0) return 0;
    return at;
}

int ledger_promise_followup(struct ledger *lg, int64_t fire_id, const char *reminder,
                            const char *answer, usec_t now, usec_t *due)
{
    *due = 0;
    bool settles = !strcmp(answer, "kept") || !strcmp(answer, "broken");
    if (!settles && strcmp(answer, "not_yet") && strcmp(answer, "snoozed")) return 0;
    void *blob;
    size_t len;
    if (store_fire_blob(lg->st, fire_id, &blob, &len) < 0) return 0;
    int64_t id = promise_of_blob(blob, len);
    struct promise_list l = {0};
    int handled = 0;
    if (id > 0 && promise_copy(lg, id, &l) == 0) {
        const struct ledger_promise *p = &l.v[0];
        bool open = !strcmp(p->state, "open");
        char err[160];
        handled = 1;
        if (settles && ledger_promise_settle(lg, id, answer, now, err, sizeof err) < 0)
            log_info("%s: %s", reminder, err); /* first answer wins: a stale click */
        else if (!strcmp(answer, "not_yet") && open)
            *due = promise_reask(lg, p, fire_id, reminder, blob, len, now);
        else if (!strcmp(answer, "snoozed"))
            handled = !open; /* an open promise's fire snoozes as any other */
    }
    promise_list_free(&l);
    free(blob);
    return handled;
}
