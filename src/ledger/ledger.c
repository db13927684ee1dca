#include "ledger/ledger.h"

#include <stdlib.h>

#include "ledger/internal.h"

struct ledger *ledger_new(struct store *st)
{
    struct ledger *lg = calloc(1, sizeof *lg);
    if (lg) lg->st = st;
    return lg;
}

void ledger_free(struct ledger *lg)
{
    free(lg);
}
