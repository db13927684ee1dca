/* The fires' history as the control commands and the toolkit read it: what showed, when, and
 * the latest answer to each. Recording fires and answers is ledger.h's. */
#ifndef NUDGE_LEDGER_HISTORY_H
#define NUDGE_LEDGER_HISTORY_H

#include <stdint.h>

#include "common/usec.h"

struct ledger;

struct history_entry {
    int64_t id;
    const char *reminder, *kind, *title;
    usec_t scheduled, fired;
    const char *answer; /* the latest answer to this fire, or NULL */
    usec_t answered;    /* when, or 0 */
    const char *reason; /* a "silenced" fire: why ("pause", "checkin", "quiet"); an answer
                         * given on a synced device (CalDAV): "another device"; else NULL */
};

/* When `reminder` last showed a notification: 0, or -ENOENT when it never did (or the store's
 * -errno). */
int ledger_last_fired(struct ledger *lg, const char *reminder, usec_t *at);

/* Fires newest first: at most `limit` (<= 0: all), none before `since` (0: from the start),
 * handed to cb one at a time (strings valid during the call). A non-zero return from cb stops
 * the walk and is returned. */
int ledger_history(struct ledger *lg, usec_t since, int limit,
                   int (*cb)(void *ud, const struct history_entry *e), void *ud);

#endif
