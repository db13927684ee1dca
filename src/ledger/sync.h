/* What CalDAV sync (SPEC 7) keeps in the ledger: the tasks this nudge put on the server, fires
 * found by their calendar UID, and answers that come from another device. The sync (sync/)
 * decides what to send; what an answer from a phone means for a fire or a promise is decided
 * here, under the same first-answer-wins rule as a click (SPEC 2.3). */
#ifndef NUDGE_LEDGER_SYNC_H
#define NUDGE_LEDGER_SYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/usec.h"

struct ledger;
struct notification;

/* A task nudge created on the server (a row per UID). Strings valid during a callback. */
struct ledger_sync_item {
    const char *uid;
    const char *href; /* where it is on the server */
    const char *etag; /* its version when last seen or written; NULL when unknown */
    usec_t due;       /* the fire's planned time or the promise's due */
};

/* Calls cb for each item (by due, then uid). A non-zero return from cb stops the walk and is
 * returned; else 0, or -EIO. */
int ledger_sync_items(struct ledger *lg, int (*cb)(void *ud, const struct ledger_sync_item *it),
                      void *ud);
/* Adds or replaces the item with it->uid. 0 or -EIO. */
int ledger_sync_item_put(struct ledger *lg, const struct ledger_sync_item *it);
/* Forgets the item (it was deleted on the server, by nudge or by the user). 0 or -EIO. */
int ledger_sync_item_delete(struct ledger *lg, const char *uid);

/* The server and user the items belong to (any text naming them): when it is not the one
 * stored, the items are forgotten (they are another server's tasks; what this one holds is
 * read afresh) and `account` is stored. 1 when they were forgotten, 0 when unchanged, -EIO. */
int ledger_sync_account(struct ledger *lg, const char *account);

/* The fire whose calendar UID is uid (ledger_fire_uid; every recorded fire keeps its UID). */
struct ledger_fire_state {
    int64_t fire_id;
    char reminder[257];
    char kind[32];
    char title[256];
    char answer[16]; /* its first answer ("done", "skipped", "snoozed", "kept", "not_yet",
                      * "broken", "expired", "silenced"), "" while open */
    char source[32]; /* where that answer came from ("action", "nudgectl", "sync", a silencing
                      * reason), "" while open */
    usec_t scheduled, fired;
    usec_t answered; /* when its first answer was given, 0 while open */
    char origin[16]; /* "rule", "snooze", "manual" */
};

/* The UID a fire of n planned for `scheduled` is known by: n->uid, else the plain UID of its
 * reminder and `scheduled` (a snooze's re-show has no n->uid: it is named by its own time).
 * Written into buf (LEDGER_UID_MAX bytes, ledger/uid.h); returns buf. */
const char *ledger_sync_fire_uid(const struct notification *n, usec_t scheduled, char *buf,
                                 size_t bufsz);

/* The latest fire with this UID: 0, -ENOENT when none was recorded, -EIO. */
int ledger_fire_by_uid(struct ledger *lg, const char *uid, struct ledger_fire_state *out);

/* An answer from a synced device: "done" or "skipped" for the fire with this UID (of
 * `reminder`), given at `at` (the device's time; a time after now counts as now).
 *  - the fire is open: it is answered at `at` with source "sync" (as a click would be: its
 *    snooze is dropped, a promise notification's answer settles the promise), returns 0;
 *  - it was answered already: nothing changes, -EALREADY (the first answer wins);
 *  - it has not fired yet: the answer is held, and when the fire comes it is recorded answered
 *    instead of shown (ledger_sync_take_held), returns 1.
 * -EINVAL for another answer, -EIO. */
int ledger_sync_answer(struct ledger *lg, const char *uid, const char *reminder, const char *answer,
                       usec_t at, usec_t now);

/* At a fire of n (n->uid, else the UID of its reminder and `scheduled`): when a synced answer is
 * held for it, records the fire answered (source "sync", at the held time) without it being
 * shown, drops the held answer and returns the fire's id; 0 when none is held (show it). */
int64_t ledger_sync_take_held(struct ledger *lg, const struct notification *n, usec_t scheduled,
                              usec_t now);

/* No answer is held for any fire (known without a lookup per fire); false when unsure. */
bool ledger_sync_none_held(struct ledger *lg);

/* The answer held for uid: 0 with answer ("done"/"skipped", static) and *at, -ENOENT, -EIO. */
int ledger_sync_held(struct ledger *lg, const char *uid, const char **answer, usec_t *at);

/* Held answers whose fire never came: dropped once the UID's time is `before` or earlier.
 * Returns how many, or -EIO. */
int ledger_sync_drop_held(struct ledger *lg, usec_t before);

/* A promise answered on a synced device: "kept" or "broken" at `at` (as above). Its open fire,
 * if one is showing, is answered (so the history shows it); else the promise is settled
 * directly. 0, -EALREADY when it is settled or deleted already, -ENOENT, -EINVAL, -EIO. */
int ledger_sync_promise(struct ledger *lg, int64_t promise_id, const char *state, usec_t at,
                        usec_t now);

#endif
