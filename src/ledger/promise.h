/* Promises as the ledger keeps them: made by rules (nudge.promise) or with `nudgectl promise
 * add`. Their life (SPEC 2.3): open -> kept | broken, final until reopened; "not yet" keeps one
 * open and asks again (in an hour, then each following day at the due's time of day, at most
 * PROMISE_ASKS_MAX times); deleted keeps the row for the history. Settling or deleting one
 * cancels its pending re-asks and snoozes at once. Every decision here takes `now`. */
#ifndef NUDGE_LEDGER_PROMISE_H
#define NUDGE_LEDGER_PROMISE_H

#include <stddef.h>
#include <stdint.h>

#include "common/usec.h"

struct ledger;

struct ledger_promise {
    int64_t id;
    const char *key; /* the rule's promise id, or NULL for one added with nudgectl */
    const char *text;
    usec_t due;
    const char *source; /* "rules" or "nudgectl" */
    const char *state;  /* "open", "kept", "broken", "deleted" */
    usec_t answered;    /* when it was settled or deleted (0 while open) */
    int asks;           /* "not yet" re-asks so far */
};

/* "Not yet" asks again at most this many times. */
#define PROMISE_ASKS_MAX 7

/* When a promise due at `due`, asked again `asks` times so far, is asked again after a "not
 * yet" at `now`: the first time an hour later, then the first instant after now at the due's
 * local time of day (the process's zone, TZ) on a day after the due's. 0 when it has been
 * asked PROMISE_ASKS_MAX times. Pure. */
usec_t promise_next_ask(usec_t due, int asks, usec_t now);

/* Promises copied out of the store: every string malloc'd and owned by the list. */
struct promise_list {
    struct ledger_promise *v;
    size_t n, cap;
};

/* Appends a copy of p (strings duplicated; a NULL key stays NULL). 0 or -ENOMEM. */
int promise_list_add(struct promise_list *l, const struct ledger_promise *p);
void promise_list_free(struct promise_list *l);

/* Adds a promise (key NULL: a nudgectl one). A rule promise that already exists keeps its id
 * and state (text and due are updated). *state (may be NULL) gets "open", "kept" or "broken"
 * (static strings). 0 or the store's -errno. */
int ledger_promise_add(struct ledger *lg, const char *key, const char *text, usec_t due,
                       const char *source, usec_t now, int64_t *id, const char **state);

/* Marks a promise "kept" or "broken" (or "open" again) at `now`, unchecked (prefer the
 * commands below). -ENOENT for an unknown id. */
int ledger_promise_set_state(struct ledger *lg, int64_t id, const char *state, usec_t now);

/* The commands of a promise's life. Each returns 0, or fills err with what the user reads and
 * returns: -ENOENT for an unknown id ("no promise 9"), -EALREADY for a settled or deleted
 * promise ("promise 2 is already kept (2026-12-01 20:41)"), -EPERM for an edit of a rule-file
 * promise (its file says its text and due), -EIO when the database failed. */

/* state "kept" or "broken": settles an open promise and cancels its pending re-asks and
 * snoozes. */
int ledger_promise_settle(struct ledger *lg, int64_t id, const char *state, usec_t now,
                          char *err, size_t errsz);
/* A kept, broken or deleted promise is open again (its re-asks counted from 0). */
int ledger_promise_reopen(struct ledger *lg, int64_t id, usec_t now, char *err, size_t errsz);
/* Marks it deleted (the row stays, for the history) and cancels what is pending. */
int ledger_promise_delete(struct ledger *lg, int64_t id, usec_t now, char *err, size_t errsz);
/* New text and/or due (NULL: unchanged) of a nudgectl promise not deleted; a new due cancels the
 * pending re-asks and starts their count afresh. */
int ledger_promise_edit(struct ledger *lg, int64_t id, const char *text, const usec_t *due,
                        usec_t now, char *err, size_t errsz);

/* The follow-up of an answer to fire `fire_id` (of `reminder`) when its notification is about
 * a promise: "kept"/"broken" settle it (a settled one stays as it is: first answer wins);
 * "not_yet" plans the next re-ask (promise_next_ask) as a snooze of the fire, *due its time (0:
 * no more re-asks); "snoozed" of a promise no longer open shows nothing again. Returns 1 when
 * the answer was a promise's and is handled here, 0 when the caller goes on as for any fire. */
int ledger_promise_followup(struct ledger *lg, int64_t fire_id, const char *reminder,
                            const char *answer, usec_t now, usec_t *due);

/* The pending snoozes (and re-asks) of promise `id` are dropped. 0 or -EIO. */
int ledger_promise_cancel_pending(struct ledger *lg, int64_t id);

/* One promise whatever its state: -ENOENT when unknown. On 0, out holds one copy more. */
int ledger_promise_get(struct ledger *lg, int64_t id, struct promise_list *out);

/* One promise, if it is still open: -ENOENT otherwise. On 0, out holds one copy (the caller
 * frees it with promise_list_free). */
int ledger_promise_open(struct ledger *lg, int64_t id, struct promise_list *out);

/* Appends the open promises added with nudgectl to out, by due time. */
int ledger_promises_open_ctl(struct ledger *lg, struct promise_list *out);

/* Every promise by due time, handed to cb one at a time (its strings valid during the call);
 * a non-zero return from cb stops the walk and is returned. */
int ledger_promises_each(struct ledger *lg, int (*cb)(void *ud, const struct ledger_promise *p),
                         void *ud);

struct promise_counts {
    int64_t kept;
    int64_t promised; /* due by now, or already settled */
    int64_t broken;
};

/* What {kept} and {promised} say at `now`. */
int ledger_promise_counts(struct ledger *lg, usec_t now, struct promise_counts *c);

#endif
