/* The check-in journal: conversations logged with `nudgectl checkin`, each a check-in done. */
#ifndef NUDGE_LEDGER_JOURNAL_H
#define NUDGE_LEDGER_JOURNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "common/usec.h"

struct ledger;

/* Logs a check-in at `now`: mood 1..5 or 0 for none, note may be NULL. *id (may be NULL) gets
 * its number. 0 or the store's -errno. */
int ledger_checkin_add(struct ledger *lg, usec_t now, int mood, const char *note, int64_t *id);

/* *any: whether a check-in was logged at or after `since`. 0 or the store's -errno. */
int ledger_checkin_since(struct ledger *lg, usec_t since, bool *any);

#endif
