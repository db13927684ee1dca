/* Fires, answers and snoozes as the rule set records them. */
#include "lua/internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"

const char snooze_tag = 's';

struct last_fire {
    int64_t id;
    bool answered;
};

static int last_fire_cb(void *ud, const struct store_fire *f)
{
    struct last_fire *l = ud;
    l->id = f->id;
    l->answered = f->answer != NULL;
    return 0;
}

/* Records a notification a reminder showed. An earlier fire of the same reminder that nobody
 * answered is now "expired". Returns the fire's id, or 0 when nothing was recorded. */
int64_t history_record_fire(struct ruleset *rs, const struct notification *n, usec_t scheduled,
                           usec_t now)
{
    if (!rs->record_history || !n->reminder_id || !*n->reminder_id) return 0;
    struct last_fire last = {0};
    if (store_last_fire(rs->store, n->reminder_id, last_fire_cb, &last) == 0 && !last.answered)
        store_record_answer(rs->store, last.id, "expired", now, "daemon");
    int64_t fid = 0;
    if (store_record_fire(rs->store, n->reminder_id, n->kind, scheduled, now, n->title, &fid) < 0)
        return 0;
    size_t len;
    char *blob = notification_encode(n, &len);
    if (blob) store_fire_attach(rs->store, fid, blob, len);
    free(blob);
    return fid;
}

/* Remembers which fire and reminder a notification id belongs to, for its answer. */
void history_remember_shown(struct ruleset *rs, uint32_t id, int64_t fire_id, const char *reminder)
{
    if (!rs->interactive) return;
    struct shown *sh = &rs->shown[rs->shown_next];
    rs->shown_next = (rs->shown_next + 1) % SHOWN_MAX;
    free(sh->reminder);
    sh->id = id;
    sh->fire_id = fire_id;
    sh->reminder = strdup(reminder ? reminder : "");
}

struct shown *history_find_shown(struct ruleset *rs, uint32_t id)
{
    for (size_t i = 0; i < SHOWN_MAX; i++)
        if (rs->shown[i].id == id && id != 0) return &rs->shown[i];
    return NULL;
}

static void queue_snooze(struct ruleset *rs, int64_t id, int64_t fire_id, usec_t due,
                         const void *blob, size_t len)
{
    struct snooze *z = calloc(1, sizeof *z);
    if (!z) return;
    z->blob = malloc(len + 1);
    if (!z->blob) {
        free(z);
        return;
    }
    memcpy(z->blob, blob, len);
    z->len = len;
    z->id = id;
    z->fire_id = fire_id;
    reminder_init(&z->r);
    z->r.trigger = TRIGGER_AT;
    z->r.at = due;
    z->r.kind = "snooze";
    z->r.quiet = QUIET_IGNORE; /* the user chose when */
    z->r.owner_data = (void *)&snooze_tag;
    z->next = rs->snoozes;
    rs->snoozes = z;
    /* A snooze that fell due while nudged was down shows at once. */
    usec_t now = clock_now(rs->clock);
    if (due <= now)
        schedule_add_due(&rs->sched, &z->r, due);
    else
        schedule_add(&rs->sched, &z->r);
}

static int snooze_cb(void *ud, const struct store_snooze *z)
{
    queue_snooze(ud, z->id, z->fire_id, z->due, z->blob, z->len);
    return 0;
}

void history_load_snoozes(struct ruleset *rs)
{
    store_snoozes(rs->store, snooze_cb, rs);
}

void history_free_snooze(struct ruleset *rs, struct snooze *z)
{
    schedule_remove(&rs->sched, &z->r);
    for (struct snooze **p = &rs->snoozes; *p; p = &(*p)->next)
        if (*p == z) {
            *p = z->next;
            break;
        }
    free(z->blob);
    free(z);
}

/* A new answer to a fire replaces its pending snooze: snoozed again, the new time wins;
 * answered otherwise, it is not shown again. */
static void drop_snoozes(struct ruleset *rs, int64_t fire_id)
{
    for (struct snooze *z = rs->snoozes, *next; z; z = next) {
        next = z->next;
        if (z->fire_id != fire_id) continue;
        store_snooze_remove(rs->store, z->id);
        history_free_snooze(rs, z);
    }
}

/* Shows a snoozed notification again and forgets the snooze. */
void history_fire_snooze(struct ruleset *rs, struct snooze *z, usec_t now)
{
    struct notification n;
    char err[256];
    if (notification_decode(z->blob, z->len, &n) == 0) {
        uint32_t id = 0;
        if (rs->backend->show(rs->backend, &n, now, &id, err, sizeof err) == 0)
            history_remember_shown(rs, id, history_record_fire(rs, &n, z->r.at, now), n.reminder_id);
        else
            log_warn("snoozed notification \"%s\" not shown: %s", n.title, err);
        notification_clear(&n);
    } else {
        log_warn("a snoozed notification in the state database is damaged; dropped");
    }
    if (rs->record_history) store_snooze_remove(rs->store, z->id);
    history_free_snooze(rs, z);
}

const char *history_answer_for_action(const char *action)
{
    static const char *const map[][2] = {{"done", "done"},     {"skip", "skipped"},
                                         {"snooze", "snoozed"}, {"kept", "kept"},
                                         {"broken", "broken"}, {"not_yet", "not_yet"}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (!strcmp(map[i][0], action)) return map[i][1];
    return NULL;
}

/* Shows fire `fire_id`'s notification again after `span` (0: the notification's own snooze
 * span, else an hour). Returns the due time, or 0 when it cannot. */
static usec_t snooze_fire(struct ruleset *rs, int64_t fire_id, const char *reminder, usec_t span)
{
    void *blob;
    size_t len;
    if (store_fire_blob(rs->store, fire_id, &blob, &len) < 0) return 0;
    if (span <= 0) {
        struct notification n;
        if (notification_decode(blob, len, &n) == 0) {
            span = n.snooze;
            notification_clear(&n);
        }
        if (span <= 0) span = SNOOZE_DEFAULT;
    }
    usec_t due = clock_now(rs->clock) + span;
    int64_t zid = 0;
    if (store_snooze_add(rs->store, reminder, fire_id, due, blob, len, &zid) == 0)
        queue_snooze(rs, zid, fire_id, due, blob, len);
    else
        due = 0;
    free(blob);
    return due;
}

/* A Kept/Broken answer settles the promise the notification was about. */
static void settle_promise(struct ruleset *rs, int64_t fire_id, const char *state, usec_t now)
{
    void *blob;
    size_t len;
    struct notification n;
    if (store_fire_blob(rs->store, fire_id, &blob, &len) < 0) return;
    if (notification_decode(blob, len, &n) == 0) {
        if (n.promise) store_promise_set_state(rs->store, strtoll(n.promise, NULL, 10), state, now);
        notification_clear(&n);
    }
    free(blob);
}

/* Records an answer to a fire; snoozes and "not yet" show it again later. Returns the due time
 * of a snooze (else 0). */
usec_t history_record_answer(struct ruleset *rs, int64_t fire_id, const char *reminder,
                            const char *answer, usec_t span, const char *source)
{
    usec_t now = clock_now(rs->clock), due = 0;
    if (store_record_answer(rs->store, fire_id, answer, now, source) < 0) return 0;
    drop_snoozes(rs, fire_id);
    if (!strcmp(answer, "snoozed") || !strcmp(answer, "not_yet"))
        due = snooze_fire(rs, fire_id, reminder, span);
    else if (!strcmp(answer, "kept") || !strcmp(answer, "broken"))
        settle_promise(rs, fire_id, answer, now);
    return due;
}

struct answer_fire {
    int64_t id;
    char title[256];
    usec_t scheduled, fired;
};

static int answer_fire_cb(void *ud, const struct store_fire *f)
{
    struct answer_fire *a = ud;
    a->id = f->id;
    snprintf(a->title, sizeof a->title, "%s", f->title ? f->title : "");
    a->scheduled = f->scheduled;
    a->fired = f->fired;
    return 0;
}

int ruleset_answer(struct ruleset *rs, const char *reminder, const char *answer, usec_t span,
                   struct ruleset_answer *out, char *err, size_t errsz)
{
    struct answer_fire f = {0};
    if (strcmp(answer, "done") && strcmp(answer, "skipped") && strcmp(answer, "snoozed"))
        return snprintf(err, errsz, "unknown answer \"%s\"", answer), -EINVAL;
    int r = store_last_fire(rs->store, reminder, answer_fire_cb, &f);
    if (r == -ENOENT)
        return snprintf(err, errsz, "'%s' has not shown a notification yet", reminder), -ENOENT;
    if (r < 0) return snprintf(err, errsz, "the state database failed (see the log)"), r;
    if (store_record_answer(rs->store, f.id, answer, clock_now(rs->clock), "nudgectl") < 0)
        return snprintf(err, errsz, "the state database failed (see the log)"), -EIO;
    drop_snoozes(rs, f.id);
    out->fire_id = f.id;
    snprintf(out->title, sizeof out->title, "%s", f.title);
    out->scheduled = f.scheduled;
    out->fired = f.fired;
    out->due = 0;
    if (!strcmp(answer, "snoozed")) {
        out->due = snooze_fire(rs, f.id, reminder, span);
        if (!out->due)
            return snprintf(err, errsz, "answered, but the notification cannot be shown again"), -EIO;
    }
    return 0;
}
