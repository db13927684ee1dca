/* The timers of snoozed notifications: the ledger says which are pending and what each shows;
 * the rule set's schedule wakes up for them, beside the reminders. */
#include "lua/internal.h"

#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "ledger/ledger.h"

const char snooze_tag = 's';

/* The timer of pending snooze s. A row id alone does not say it: the store may give a new
 * snooze the id of one just dropped. */
static struct snooze *snooze_find(struct ruleset *rs, const struct ledger_snooze *s)
{
    for (struct snooze *z = rs->snoozes; z; z = z->next)
        if (z->id == s->id && z->r.at == s->due) return z;
    return NULL;
}

static struct snooze *snooze_queue(struct ruleset *rs, const struct ledger_snooze *s)
{
    struct snooze *z = calloc(1, sizeof *z);
    if (!z) return NULL;
    z->blob = malloc(s->len + 1);
    if (!z->blob) {
        free(z);
        return NULL;
    }
    memcpy(z->blob, s->blob, s->len);
    z->len = s->len;
    z->id = s->id;
    z->fire_id = s->fire_id;
    reminder_init(&z->r);
    z->r.trigger = TRIGGER_AT;
    z->r.at = s->due;
    z->r.kind = "snooze";
    z->r.quiet = QUIET_IGNORE; /* the user chose when */
    z->r.owner_data = (void *)&snooze_tag;
    z->next = rs->snoozes;
    rs->snoozes = z;
    /* A snooze that fell due while nudged was down shows at once. */
    usec_t now = clock_now(rs->clock);
    if (s->due <= now)
        schedule_add_due(&rs->sched, &z->r, s->due);
    else
        schedule_add(&rs->sched, &z->r);
    return z;
}

void snooze_free(struct ruleset *rs, struct snooze *z)
{
    schedule_remove(&rs->sched, &z->r);
    reminder_clear(&z->r);
    for (struct snooze **p = &rs->snoozes; *p; p = &(*p)->next)
        if (*p == z) {
            *p = z->next;
            break;
        }
    free(z->blob);
    free(z);
}

/* A pending snooze: kept if it has its timer, else given one. */
static int sync_one(void *ud, const struct ledger_snooze *s)
{
    struct ruleset *rs = ud;
    struct snooze *z = snooze_find(rs, s);
    if (!z) z = snooze_queue(rs, s);
    if (z) z->seen = true;
    return 0;
}

void ruleset_snoozes_sync(struct ruleset *rs)
{
    for (struct snooze *z = rs->snoozes; z; z = z->next) z->seen = false;
    if (ledger_snoozes(rs->ledger, sync_one, rs) < 0) return; /* keep what we have */
    for (struct snooze *z = rs->snoozes, *next; z; z = next) {
        next = z->next;
        if (!z->seen) snooze_free(rs, z); /* answered meanwhile */
    }
}

void snooze_fire(struct ruleset *rs, struct snooze *z, usec_t now)
{
    struct notification n;
    char err[256];
    if (notification_decode(z->blob, z->len, &n) == 0) {
        uint32_t id = 0;
        /* A new fire, linked to the one snoozed (the ledger links it to the chain's first). */
        n.origin = "snooze";
        n.parent = z->fire_id;
        if (rs->host.show(rs->host.ud, &n, z->r.at, &id, err, sizeof err) < 0)
            log_warn("snoozed notification \"%s\" not shown: %s", n.title, err);
        notification_clear(&n);
    } else {
        log_warn("a snoozed notification in the state database is damaged; dropped");
    }
    if (rs->record_history) ledger_snooze_shown(rs->ledger, z->id);
    snooze_free(rs, z);
}
