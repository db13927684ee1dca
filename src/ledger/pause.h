/* Pauses (SPEC 2.4): times when the plan gives space. Two kinds: made with `nudgectl pause`
 * (kept in the state database, ended early by `nudgectl resume`) and dates in the rule file
 * (nudge.config{pause}, handed over at each load; the rule file is their only record, so they
 * cannot be resumed). While paused, every reminder kind but "promise" and "notify" (the core
 * API's own) is silenced; a pause made with `all` silences those too. Hand fires always show.
 * Paused days are neutral in the streak (report.h). */
#ifndef NUDGE_LEDGER_PAUSE_H
#define NUDGE_LEDGER_PAUSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/usec.h"

struct ledger;

#define LEDGER_PAUSE_CTL "ctl"     /* nudgectl pause */
#define LEDGER_PAUSE_RULES "rules" /* nudge.config{pause} */
/* A note's bytes (nudgectl pause --note); the protocol table holds the same limit. */
#define LEDGER_PAUSE_NOTE_MAX 500
/* Rule-file pauses one rule set may give. */
#define LEDGER_RULE_PAUSES_MAX 1000

struct ledger_pause {
    int64_t id;   /* nudgectl's: its row; a rule file's: 0 */
    usec_t from;
    usec_t until; /* its end (exclusive): the planned one, or when a resume ended it;
                   * USEC_INFINITY: until resumed */
    bool all;     /* promises and the rules' own notifications are silenced too */
    const char *origin; /* LEDGER_PAUSE_CTL or LEDGER_PAUSE_RULES */
    char note[LEDGER_PAUSE_NOTE_MAX + 1]; /* "" for none */
};

struct pause_list {
    struct ledger_pause *v;
    size_t n, cap;
};
void pause_list_free(struct pause_list *l);

/* Whether a pause like p silences a due fire of reminder kind `kind`. */
bool ledger_pause_silences(const struct ledger_pause *p, const char *kind);

/* The rule file's pauses for this rule set (copied; n at most LEDGER_RULE_PAUSES_MAX), in
 * place of the ones given before. 0, -EINVAL for too many, -ENOMEM (the old ones are kept). */
int ledger_set_rule_pauses(struct ledger *lg, const struct ledger_pause *v, size_t n);

/* nudgectl pause: a pause from now to `until` (USEC_INFINITY: until resumed), for every kind
 * with `all`, with note (NULL or ""). A nudgectl pause still running ends now: the new one
 * takes its place. Pending snoozes of the kinds it silences that would show before it ends
 * are cancelled (a "cancelled" row, source "pause"): a snooze is a promise to ask again, and a
 * pause asks for quiet. Fires already on screen are left open: what the user answers there
 * still counts; one nobody answered expires as usual at its reminder's next (silenced) fire.
 * *out gets the pause, *cancelled (may be NULL) how many snoozes were cancelled. 0,
 * -EINVAL (err) for an until not after now, or -EIO. */
int ledger_pause_start(struct ledger *lg, usec_t now, usec_t until, bool all, const char *note,
                       struct ledger_pause *out, int *cancelled, char *err, size_t errsz);

/* nudgectl resume: ends the nudgectl pause running at now; *ended (may be NULL) gets it, with
 * until = now. -ENOENT when none runs: then -EPERM instead, with err saying so, when a rule-file
 * pause runs (it ends when the rule file says; err names its end), else err "nothing is
 * paused". -EIO when the database failed. */
int ledger_pause_resume(struct ledger *lg, usec_t now, struct ledger_pause *ended, char *err,
                        size_t errsz);

/* Whether t is paused, by either kind. *how (may be NULL) gets the pauses at t folded into one:
 * `all` when any is, the latest end, the first note; origin "ctl" when a nudgectl pause is among
 * them (that is what resume can end). A database failure counts as not paused (logged). */
bool ledger_paused_at(struct ledger *lg, usec_t t, struct ledger_pause *how);

/* Every pause of either kind overlapping [from, to), by start (nudgectl's ended ones with their
 * real end). 0, -ENOMEM or -EIO; out needs pause_list_free after 0. */
int ledger_pauses_between(struct ledger *lg, usec_t from, usec_t to, struct pause_list *out);

#endif
