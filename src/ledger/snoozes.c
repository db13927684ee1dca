/* Removing pending snoozes: one walk for every reason a snooze stops waiting (its fire was
 * answered, its check-in logged, its promise settled). */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include "ledger/internal.h"

struct snooze_pick {
    bool (*match)(const struct store_snooze *z, const void *arg);
    const void *arg;
    struct {
        int64_t id, fire_id;
    } *v;
    size_t n, cap;
    bool failed;
};

static int snooze_pick_cb(void *ud, const struct store_snooze *z)
{
    struct snooze_pick *p = ud;
    if (!p->match(z, p->arg)) return 0;
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 8;
        void *v = realloc(p->v, cap * sizeof *p->v);
        if (!v) return p->failed = true, 1;
        p->v = v;
        p->cap = cap;
    }
    p->v[p->n].id = z->id;
    p->v[p->n].fire_id = z->fire_id;
    p->n++;
    return 0;
}

int ledger_snoozes_remove(struct ledger *lg,
                          bool (*match)(const struct store_snooze *z, const void *arg),
                          const void *arg, const char *reason, usec_t now)
{
    struct snooze_pick p = {.match = match, .arg = arg};
    /* Collected first: the store's walk must not see rows vanish under it. */
    int r = store_snoozes(lg->st, snooze_pick_cb, &p) < 0 || p.failed ? -EIO : 0;
    for (size_t i = 0; r == 0 && i < p.n; i++) {
        /* The snoozed fire keeps its state ("snoozed"); the row says the re-show was called
         * off, and why. */
        if (reason && p.v[i].fire_id > 0 &&
            store_record_answer(lg->st, p.v[i].fire_id, "cancelled", now, reason) < 0)
            r = -EIO;
        if (r == 0 && store_snooze_remove(lg->st, p.v[i].id) < 0) r = -EIO;
    }
    free(p.v);
    return r < 0 ? r : (int)p.n;
}

