/* Promises as the ledger keeps them: made by rules (nudge.promise) or with `nudgectl promise
 * add`, each open until it is kept or broken. Settling one by a Kept/Broken answer is the
 * answer's business (ledger.h); this is adding, reading and counting them. */
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
    const char *state;  /* "open", "kept", "broken" */
};

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

/* Marks a promise "kept" or "broken" (or "open" again) at `now`. -ENOENT for an unknown id. */
int ledger_promise_set_state(struct ledger *lg, int64_t id, const char *state, usec_t now);

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
