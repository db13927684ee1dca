/* The ledger: what happened and what it means. Fires and their follow-ups, answers, promises,
 * the check-in journal, gesture memory, streaks and the report's figures, each decided in one
 * place and persisted through store/. No Lua, libuv or D-Bus here: the daemon, the Lua binding
 * and the tests all ask the ledger. No clock either: every function that needs "now" is given
 * it. Database failures are logged by the store; here they come back as -EIO (or 0 for "no
 * fire recorded"). */
#ifndef NUDGE_LEDGER_H
#define NUDGE_LEDGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/usec.h"

struct store;
struct notification;

/* One ledger over a state database (not owned: it outlives the ledger). */
struct ledger;

/* Returns NULL when out of memory. */
struct ledger *ledger_new(struct store *st);
void ledger_free(struct ledger *lg);

/* ---- the stored form of a notification (JSON) ---- */

/* A malloc'd string (its length in *len), or NULL when out of memory. */
char *notification_encode(const struct notification *n, size_t *len);
/* Decodes what notification_encode made into *n, which then owns its strings (release them
 * with notification_clear()). Returns 0, or -EINVAL for a malformed buffer, -ENOMEM. */
int notification_decode(const char *buf, size_t len, struct notification *n);

/* ---- fires ---- */

/* Records that n (of reminder n->reminder_id, planned for `scheduled`) was shown at `now`,
 * with n itself (a snooze shows it again). The reminder's previous fire, if nobody answered
 * it, is now answered "expired". Returns the fire's id, or 0 when nothing was recorded (a
 * notification of no reminder, or the database failed). */
int64_t ledger_record_fire(struct ledger *lg, const struct notification *n, usec_t scheduled,
                           usec_t now);

/* Which fire and reminder notification `id` (a backend's id) belongs to, so a click on it is
 * an answer to that fire. The last LEDGER_SHOWN_MAX are remembered. */
#define LEDGER_SHOWN_MAX 256
void ledger_remember_shown(struct ledger *lg, uint32_t id, int64_t fire_id, const char *reminder);
/* Forgets them all (the daemon's rules were replaced: their notifications' answers are not
 * recorded, as their callbacks are not run). */
void ledger_forget_shown(struct ledger *lg);

/* ---- answers ---- */

/* The answer an action id of a notification means: "done" -> "done", "skip" -> "skipped",
 * "snooze" -> "snoozed", "kept", "broken", "not_yet"; NULL for the rules' own actions. */
const char *ledger_answer_for_action(const char *action);

/* Records `answer` to fire `fire_id` (of `reminder`) from `source` ("action", "nudgectl").
 * The first answer settles a fire: -EALREADY when it has one (nothing is recorded). Any
 * pending snooze of that fire is dropped; "snoozed" and "not_yet" show the fire's
 * notification again after span (0: the notification's own snooze span, else an hour);
 * "kept" and "broken" settle the promise the notification names. Returns 0 with *due the time
 * it shows again (0 when it does not), or -EIO when the answer could not be recorded. */
int ledger_record_answer(struct ledger *lg, int64_t fire_id, const char *reminder,
                         const char *answer, usec_t span, const char *source, usec_t now,
                         usec_t *due);

/* The user picked `action` on notification `id`: records the answer it means, if any, to the
 * fire shown with that id. Returns 1 when an answer was recorded (snoozes may have changed),
 * 0 when the action means no answer or the notification is no fire's, -EALREADY when that
 * fire was settled already: a stale click, refused (logged, naming reminder and fire). The
 * daemon does not run the rule's on_action for a refused click. */
int ledger_answer_shown(struct ledger *lg, uint32_t id, const char *action, usec_t now);

struct ledger_answer {
    int64_t fire_id;
    char title[256];
    usec_t scheduled, fired;
    usec_t due; /* snoozed: when it shows again, else 0 */
};

/* nudgectl done/skip/snooze: answers the latest open fire of `reminder` ("done", "skipped" or
 * "snoozed"; span as for ledger_record_answer). The answer is in the database when this
 * returns 0. -EINVAL for another answer, -ENOENT when the reminder has shown nothing yet,
 * -EALREADY when its latest fire is settled (err: "already answered: done at 20:41 ('evening'
 * has no open prompt)" or "'evening' has no open prompt: last expired at 20:41"; local time,
 * with the date when not today), -EIO when the database failed or a snooze cannot be shown
 * again; err says which. */
int ledger_answer_last(struct ledger *lg, const char *reminder, const char *answer, usec_t span,
                       usec_t now, struct ledger_answer *out, char *err, size_t errsz);

/* ---- snoozes: fires to show again ---- */

struct ledger_snooze {
    int64_t id; /* its row */
    int64_t fire_id;
    usec_t due;
    const void *blob; /* the notification (notification_decode), valid during the call */
    size_t len;
};

/* Calls cb for each pending snooze, by due time. Returns 0, or -EIO. */
int ledger_snoozes(struct ledger *lg, int (*cb)(void *ud, const struct ledger_snooze *z),
                   void *ud);
/* Snooze `id` was shown again: it is no longer pending. */
int ledger_snooze_shown(struct ledger *lg, int64_t id);

/* ---- the life of a fire (SPEC 2.3) ----
 *
 * A fire's state is its first answer row: none is "open"; done, skipped, snoozed, kept,
 * not_yet or broken is "answered"; "silenced" (a fire row that was due but never shown, the
 * reason in the row's source: "checkin", "quiet", "pause"); "expired" (still open when its
 * reminder fired again). A fire recorded with origin "manual" (nudgectl fire) is a hand fire.
 * A snooze cancelled by a settlement is one more row, "cancelled" (the reason in its source),
 * on the snoozed fire; it does not change that fire's state, and the snooze never shows. */

/* Where a fire came from: a rule's schedule, a snooze's re-show (struct notification's
 * `parent`: the first fire of the chain), a hand fire. The notification says which
 * (notification.origin). */
#define LEDGER_ORIGIN_RULE "rule"
#define LEDGER_ORIGIN_SNOOZE "snooze"
#define LEDGER_ORIGIN_MANUAL "manual"

/* ---- settled fires: what leaves the screen ----
 *
 * Promise: every fire that settles, by any route (an answer from a bubble or from nudgectl, a
 * logged check-in, "expired" when its reminder fires again, a snooze cancelled with its fire,
 * a settled promise's fires), is queued here at the moment its row is written, once. The
 * daemon takes the queue after each event it handles (a click, a control command, a fire) and
 * closes those fires' notifications. Nothing in the ledger closes anything itself. */

/* Moves up to max settled fire ids, oldest first, into ids and returns how many (0: the queue
 * is empty). */
size_t ledger_settled_take(struct ledger *lg, int64_t *ids, size_t max);

/* The backend notification ids fire `fire_id` was shown with (ledger_remember_shown), newest
 * first, at most max, and returns how many (0: none remembered). The map keeps them after the
 * fire settles, so a late click on a closed bubble is still known, and refused. */
size_t ledger_notifications_of_fire(struct ledger *lg, int64_t fire_id, uint32_t *ids,
                                    size_t max);

/* The fire notification id was shown with (0 when unknown). */
int64_t ledger_fire_of_notification(struct ledger *lg, uint32_t id);

/* Records a fire of `reminder` that was due at `scheduled` but not shown, answered "silenced"
 * with `reason` as the source ("quiet": quiet hours with quiet = "drop"; "pause": a pause;
 * "checkin": silenced by a logged check-in). Returns its id, or 0 when nothing was recorded. */
int64_t ledger_record_silenced(struct ledger *lg, const char *reminder, const char *kind,
                               const char *title, usec_t scheduled, const char *reason,
                               usec_t now);

/* Cancels the pending snoozes of `reminder` (each a "cancelled" row on its fire, source
 * `reason`: "checkin", "promise", "pause", ...), so they never show. Returns how many, or
 * -EIO. The hook for a pause (issue 13) and a settled promise. */
int ledger_cancel_snoozes(struct ledger *lg, const char *reminder, const char *reason,
                          usec_t now);

/* ---- what the schedule keeps across restarts ---- */

/* The elapse a catch-up reminder last fired for (and when); -ENOENT when never. */
int ledger_last_fire(struct ledger *lg, const char *reminder, usec_t *scheduled, usec_t *fired);
int ledger_set_last_fire(struct ledger *lg, const char *reminder, usec_t scheduled, usec_t fired);
/* A named one-shot fires once ever. */
int ledger_oneshot_mark(struct ledger *lg, const char *reminder, usec_t at);
int ledger_oneshot_fired(struct ledger *lg, const char *reminder, bool *fired);

/* The seed of the rules' random draws (a window's time, a jitter, a gesture's text): kept in
 * the state, so a restart draws what the last run planned and a synced phone's alarms stay
 * true. The stored one, else `fresh` (stored now). 0 or -EIO (then *seed = fresh). */
int ledger_seed(struct ledger *lg, uint64_t fresh, uint64_t *seed);

/* ---- nudge.store: the rules' own values ---- */

#define LEDGER_KV_KEY_MAX 1024
#define LEDGER_KV_TOTAL_MAX (16 << 20)

/* The value of key (malloc'd, the caller frees it). -ENOENT when unset, -EFBIG when longer
 * than max (*len says how long; no value is returned), -EIO. */
int ledger_kv_get(struct ledger *lg, const char *key, size_t max, void **blob, size_t *len);
/* Sets key (blob NULL: removes it). -ENAMETOOLONG for a key over LEDGER_KV_KEY_MAX, -ENOSPC
 * when the values would be over LEDGER_KV_TOTAL_MAX in all, -EIO. */
int ledger_kv_set(struct ledger *lg, const char *key, const void *blob, size_t len);
/* Copies every value of `from` into `to` (nothing when both are over one database). */
int ledger_kv_copy(struct ledger *from, struct ledger *to);

#endif
