/* The check-in journal: conversations logged with `nudgectl checkin`, each a check-in done. */
#ifndef NUDGE_LEDGER_JOURNAL_H
#define NUDGE_LEDGER_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/usec.h"

struct ledger;

/* Logs a check-in at `now`: mood 1..5 or 0 for none, note may be NULL. *id (may be NULL) gets
 * its number. 0 or the store's -errno. */
int ledger_checkin_add(struct ledger *lg, usec_t now, int mood, const char *note, int64_t *id);

/* *any: whether a check-in was logged at or after `since`. 0 or the store's -errno. */
int ledger_checkin_since(struct ledger *lg, usec_t since, bool *any);

/* ---- reading the journal back (SPEC 2.4, `nudgectl journal`) ---- */

#define JOURNAL_DAYS_DEFAULT 30
#define JOURNAL_DAYS_MAX 3660

/* One logged check-in, as the journal reads it back. */
struct ledger_journal_entry {
    int64_t id;
    usec_t at;
    int mood;         /* 1..5, or 0: none given */
    const char *note; /* NULL or "": none given; valid during the callback only */
};

/* The check-ins of the `days` local days ending with now's date, oldest first, through cb (which
 * returns nonzero to stop the walk; that is not an error). 0, -EINVAL for days outside
 * 1..JOURNAL_DAYS_MAX, or the store's -errno. */
int ledger_journal(struct ledger *lg, usec_t now, int days,
                   int (*cb)(void *ud, const struct ledger_journal_entry *e), void *ud);

/* ---- check-in silencing, scoped to one check-in (SPEC 2.3) ---- */

/* Whether the prompt of check-in `reminder` at `scheduled` was silenced in advance by a logged
 * check-in (ledger_checkin_log): the reminder's latest fire is a "silenced" row of reason
 * "checkin" planned no more than 12 hours before `scheduled` (a window redrawn on reload moves
 * the prompt; the next day's prompt is not the silenced one). */
int ledger_checkin_silenced(struct ledger *lg, const char *reminder, usec_t scheduled,
                            bool *silenced);

/* nudgectl checkin [ID]: the check-in reminders the rules have, for the ledger to pick one. */
struct ledger_checkin_candidate {
    const char *reminder;
    usec_t next; /* its next prompt, or 0 when none is planned */
};

/* The candidate whose last prompt (from the history) or next prompt is nearest to `now`;
 * -ENOENT when there are none. */
int ledger_checkin_pick(struct ledger *lg, const struct ledger_checkin_candidate *c, size_t n,
                        usec_t now, size_t *index);

struct ledger_checkin_result {
    int64_t entry;     /* the journal entry */
    int64_t settled;   /* the open fire answered "done" (source "checkin"), or 0 */
    int64_t silenced;  /* else the fire row of the next prompt, silenced, or 0 */
    usec_t silenced_at; /* when that prompt was due */
    int cancelled;     /* snoozes of the reminder cancelled */
};

/* Logs a conversation (mood 1..5 or 0, note may be NULL) for check-in `reminder` whose next
 * prompt is at `next` (0: none planned): cancels its pending snoozes, then settles its open
 * fire as "done", or else silences its next prompt when that is due within 24 hours. Other
 * check-ins are not touched. Returns 0, or -EIO (err says so). */
int ledger_checkin_log(struct ledger *lg, const char *reminder, usec_t next, int mood,
                       const char *note, usec_t now, struct ledger_checkin_result *out,
                       char *err, size_t errsz);

#endif
