/* The check-in journal (see journal.h). */
#include "ledger/journal.h"

#include "ledger/internal.h"

int ledger_checkin_add(struct ledger *lg, usec_t now, int mood, const char *note, int64_t *id)
{
    return store_add_checkin(lg->st, now, mood, note, id);
}

static int any_cb(void *ud, const struct store_checkin *c)
{
    (void)c;
    *(bool *)ud = true;
    return 1; /* one is enough */
}

int ledger_checkin_since(struct ledger *lg, usec_t since, bool *any)
{
    *any = false;
    int r = store_checkins(lg->st, since, any_cb, any);
    return r < 0 ? r : 0;
}
