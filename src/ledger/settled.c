/* The queue of settled fires: what the daemon closes on screen after each event (ledger.h,
 * "settled fires"). Every way a fire settles pushes here: answers (ledger.c), check-ins
 * (journal.c), promises (promise.c). */
#include <stdlib.h>
#include <string.h>

#include "ledger/internal.h"
#include "ledger/ledger.h"

void ledger_settled_push(struct ledger *lg, int64_t fire_id)
{
    for (size_t i = 0; i < lg->n_settled; i++)
        if (lg->settled[i] == fire_id) return;
    if (lg->n_settled == lg->cap_settled) {
        size_t cap = lg->cap_settled ? lg->cap_settled * 2 : 16;
        int64_t *v = realloc(lg->settled, cap * sizeof *v);
        if (!v) return; /* its bubble stays up: the answer is recorded all the same */
        lg->settled = v;
        lg->cap_settled = cap;
    }
    lg->settled[lg->n_settled++] = fire_id;
}

size_t ledger_settled_take(struct ledger *lg, int64_t *ids, size_t max)
{
    size_t n = lg->n_settled < max ? lg->n_settled : max;
    if (n == 0) return 0; /* the queue may never have been allocated */
    memcpy(ids, lg->settled, n * sizeof *ids);
    memmove(lg->settled, lg->settled + n, (lg->n_settled - n) * sizeof *ids);
    lg->n_settled -= n;
    return n;
}

