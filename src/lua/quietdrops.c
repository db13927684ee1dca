/* Fires quiet hours dropped (quiet = "drop"): the schedule remembers them while planning, and
 * here they become "silenced" fires in the history (SPEC 2.3). Apart from ruleset.c so that
 * both the due loop and a reload (reload.c) can write them. */
#include "engine/schedule.h"
#include "ledger/ledger.h"
#include "lua/internal.h"

/* Elapses quiet hours dropped (quiet = "drop") whose time has passed: each becomes one
 * "silenced" fire in the history, once. Checked on every due instant, so a drop is written by
 * the next fire of any reminder at the latest (its own next fire comes after it). */
void ruleset_record_quiet_drops(struct ruleset *rs, usec_t now)
{
    if (!rs->record_history || !rs->sched.has_quiet) return;
    for (size_t i = 0; i < rs->n_regs; i++) {
        struct lrem *m = rs->regs[i];
        if (!m || !m->r.drops) continue;
        usec_t t[SCHEDULE_DROPS_MAX];
        size_t n = schedule_take_drops(&m->r, now, t, SCHEDULE_DROPS_MAX);
        for (size_t k = 0; k < n; k++)
            ledger_record_silenced(rs->ledger, m->r.id, m->r.kind, NULL, t[k], "quiet", now);
    }
}
