/* What the ledger's own files share; nothing outside src/ledger/ includes this. */
#ifndef NUDGE_LEDGER_INTERNAL_H
#define NUDGE_LEDGER_INTERNAL_H

#include "ledger/ledger.h"
#include "ledger/pause.h"
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
    int64_t *settled;
    size_t n_settled, cap_settled;
    /* The loaded rule file's pauses (ledger_set_rule_pauses), by start. */
    struct ledger_pause *rule_pauses;
    size_t n_rule_pauses;
    /* The stored (nudgectl) pauses, read once (pause.c keeps it current). */
    struct pause_list ctl_pauses;
    bool ctl_pauses_loaded;
};

/* Queues fire_id as settled (once); every ledger file that settles a fire calls this. */
void ledger_settled_push(struct ledger *lg, int64_t fire_id);

/* The state a fire's row gives it, for a refusal: "already answered: done at 20:41 (...)" or
 * "'evening' has no open prompt: last expired at 20:41". */
void ledger_describe_settled(const struct store_fire *f, usec_t now, char *err, size_t errsz);

/* Removes the pending snoozes `match` picks. With `reason`, each leaves a "cancelled" row (source
 * reason) on its fire. Returns how many, or -EIO. */
int ledger_snoozes_remove(struct ledger *lg,
                          bool (*match)(const struct store_snooze *z, const void *arg),
                          const void *arg, const char *reason, usec_t now);

/* The newest fire still open on screen (the shown map) whose notification names promise `id`,
 * with its reminder copied into `reminder`; 0 when none. */
int64_t ledger_promise_showing_fire(struct ledger *lg, int64_t id, char *reminder,
                                    size_t reminder_sz);

#endif
