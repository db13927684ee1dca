/* What the ledger's own files share; nothing outside src/ledger/ includes this. */
#ifndef NUDGE_LEDGER_INTERNAL_H
#define NUDGE_LEDGER_INTERNAL_H

#include "ledger/ledger.h"
#include "store/store.h"

struct ledger {
    struct store *st;
    /* Notifications shown, newest last (a ring): id -> fire, reminder. */
    struct ledger_shown {
        uint32_t id;     /* notification id, 0: free slot */
        int64_t fire_id; /* 0: not recorded */
        char *reminder;
    } shown[LEDGER_SHOWN_MAX];
    size_t shown_next;
    /* Fires settled since the daemon last took them (ledger_settled_take), oldest first. */
    int64_t settled[LEDGER_SHOWN_MAX];
    size_t n_settled;
};

#endif
