/* Reading the fires' history (see history.h). */
#include "ledger/history.h"

#include <errno.h>
#include <string.h>

#include "ledger/internal.h"

static int last_cb(void *ud, const struct store_fire *f)
{
    *(usec_t *)ud = f->fired;
    return 0;
}

int ledger_last_fired(struct ledger *lg, const char *reminder, usec_t *at)
{
    usec_t t = 0;
    int r = store_last_fire(lg->st, reminder, last_cb, &t);
    if (r < 0) return r;
    /* Also "never" when the walk handed no row. */
    if (t == 0) return -ENOENT;
    *at = t;
    return 0;
}

struct history_walk {
    int (*cb)(void *ud, const struct history_entry *e);
    void *ud;
};

static int history_cb(void *ud, const struct store_fire *f)
{
    struct history_walk *w = ud;
    struct history_entry e = {.id = f->id,
                              .reminder = f->reminder,
                              .kind = f->kind,
                              .title = f->title,
                              .scheduled = f->scheduled,
                              .fired = f->fired,
                              .answer = f->answer,
                              .answered = f->answered};
    if (f->answer && !strcmp(f->answer, "silenced")) e.reason = f->source;
    /* An answer from a synced phone or tablet says so; where a click came from does not matter. */
    else if (f->answer && f->source && !strcmp(f->source, "sync")) e.reason = "another device";
    return w->cb(w->ud, &e);
}

int ledger_history(struct ledger *lg, usec_t since, int limit,
                   int (*cb)(void *ud, const struct history_entry *e), void *ud)
{
    struct history_walk w = {cb, ud};
    return store_history(lg->st, since, limit, history_cb, &w);
}
