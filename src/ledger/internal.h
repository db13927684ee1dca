/* What the ledger's own files share; nothing outside src/ledger/ includes this. */
#ifndef NUDGE_LEDGER_INTERNAL_H
#define NUDGE_LEDGER_INTERNAL_H

#include "ledger/ledger.h"
#include "store/store.h"

struct ledger {
    struct store *st;
};

#endif
