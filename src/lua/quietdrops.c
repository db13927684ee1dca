/* Fires quiet hours dropped (quiet = "drop"): the schedule remembers them while planning, and
 * here they become "silenced" fires in the history (SPEC 2.3). Apart from ruleset.c so that
 * both the due loop and a reload (reload.c) can write them. */
#include "common/log.h"
#include "common/notification.h"
#include "engine/schedule.h"
#include "ledger/ledger.h"
#include "ledger/sync.h"
#include "ledger/uid.h"
#include "lua/internal.h"

int64_t ruleset_record_silenced(struct ruleset *rs, const char *reminder, const char *kind,
                                const char *title, usec_t scheduled, usec_t base, bool by_day,
                                const char *reason, usec_t now)
{
    /* Answered on a synced phone before it came: that answer stands, silenced or not. */
    char uid[LEDGER_UID_MAX];
    struct notification n = {.reminder_id = reminder,
                             .kind = kind,
                             .title = title,
                             .uid = ledger_fire_uid(reminder, by_day ? base : scheduled, by_day, uid,
                                                    sizeof uid)};
    int64_t fid = ledger_sync_take_held(rs->ledger, &n, scheduled, now);
    if (fid > 0) {
        log_info("'%s' %s: answered on another device before it came", reminder, reason);
        return fid;
    }
    return ledger_record_silenced(rs->ledger, reminder, kind, title, scheduled, reason, now);
}

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
            ruleset_record_silenced(rs, m->r.id, m->r.kind, NULL, t[k], t[k],
                                    m->r.has_window || m->r.jitter > 0, "quiet", now);
    }
}
