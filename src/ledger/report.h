/* The ledger's figures, each computed in one place: the local day numbering, the check-in
 * streak (current and best), the repair's phase, and the day-by-day follow-through behind
 * `nudgectl report`. The toolkit's placeholders ({streak}, {phase}), the report command and
 * the tests all ask here. Only counts: the scores and pictures are the client's
 * (src/ctl/report.c), so other tools can build their own from the same figures. */
#ifndef NUDGE_LEDGER_REPORT_H
#define NUDGE_LEDGER_REPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "ledger/pause.h"
#include "ledger/promise.h"
#include "common/usec.h"

struct ledger;

#define REPORT_DAYS_DEFAULT 90
#define REPORT_DAYS_MAX 3660

/* The repair's phases, named once (nudge.config{phases}): each lasts from the end of the one
 * before (the first from `since`) up to `since` + its `upto` on the calendar
 * (span_add_calendar: "6M" after Nov 1 ends on May 1); the last has no upto. */
#define LEDGER_PHASES_MAX 8
struct ledger_phase_def {
    char name[32];  /* an identifier: the key of a toolkit `when` table */
    char label[96]; /* what {phase} prints */
    char upto[64];  /* a span after since; "" for the last */
};
struct ledger_phases {
    int n; /* 1..LEDGER_PHASES_MAX */
    struct ledger_phase_def v[LEDGER_PHASES_MAX];
};

/* The seeds' three stages: early "first weeks" upto 3w, months "first months" upto 6M,
 * settled "six months and on". */
void ledger_phases_default(struct ledger_phases *p);

/* Phase i of p (NULL: the default) for a repair begun at since: it holds from *from up to,
 * not including, *until (USEC_INFINITY for the last). Ends never go back: a phase whose upto
 * comes before the previous end lasts no time. */
void ledger_phase_bounds(const struct ledger_phases *p, usec_t since, int i, usec_t *from,
                         usec_t *until);

/* The index of the phase at t, or -1 before since (nothing has begun). */
int ledger_phase_index(const struct ledger_phases *p, usec_t since, usec_t t);

struct report_day {
    int64_t day; /* the local date as days since 1970-01-01 (ledger_day_of) */
    /* Check-in fires, not counting ones answered "snoozed" (their re-show is a fire of its
     * own); a day with a journal entry but no fire counts one check-in as due. */
    int checkins_due;
    /* Answered "done"; every due check-in of a day with a journal entry is done. */
    int checkins_done;
    int journal;         /* `nudgectl checkin` entries that day */
    int answered_done;   /* check-in fires answered "done", journal aside */
    int gestures_shown;  /* gesture fires, snoozed ones aside */
    int gestures_done;   /* answered "done" */
    int promises_due;    /* promises due that day, up to now */
    int promises_kept;   /* of those, kept */
    int promises_broken; /* of those, broken */
    /* The journal's moods that day (SPEC 2.4): their sum and how many; the mean is
     * mood_sum / mood_n, and there is none when mood_n is 0. */
    int mood_sum, mood_n;
    bool paused; /* a pause (either kind) covered some of the day: neutral */
};

/* A journal entry of the report's range with something to read back: a mood or a note. */
struct report_note {
    int64_t id;
    usec_t at;
    int mood;   /* 1..5, or 0: none given */
    char *note; /* NULL: none given */
};

struct ledger_report {
    usec_t now;
    int ndays;
    struct report_day *days; /* ndays, oldest first; the last is today */
    bool has_since;
    usec_t since;
    const char *phase; /* ledger_phase(phases, since, now): a label in the phases given (or a
                        * static default), NULL without since or before it */
    int streak;                   /* ledger_streak's current */
    int best_streak;              /* ledger_streak's best */
    struct promise_list promises; /* all promises, by due time */
    struct report_note *notes;    /* the range's journal entries with a mood or note, oldest first */
    size_t nnotes;
    struct pause_list pauses;     /* the pauses overlapping the range up to now, by start */
};

/* The local date of t (in the process's zone) as days since 1970-01-01: two instants share a
 * number exactly when they share a local calendar date, whatever the offset changes between. */
int64_t ledger_day_of(usec_t t);

/* The label of the phase at now (pointing into p, or static for NULL: "first weeks", "first
 * months", "six months and on"), or NULL before since. */
const char *ledger_phase(const struct ledger_phases *p, usec_t since, usec_t now);

/* The forgiving streak (SPEC 2.4): a local day counts when every check-in fire due that day
 * (snoozed and silenced ones aside) was answered "done", or the journal has an entry that day;
 * a day with nothing due and a paused day are neutral: they neither break nor extend a run;
 * a day with a check-in not done breaks it, except today, whose check-ins may still come.
 * Gestures never count either way. *current gets the run still unbroken at today, *best the
 * longest run up to today in the whole history. Either may be NULL. 0, -ENOMEM or the store's
 * -errno. */
int ledger_streak(struct ledger *lg, usec_t now, int *current, int *best);

/* Fills r for the `days` local days ending with today (now's date). since is NULL when the
 * rules have no nudge.config{since}. Returns 0, -EINVAL for days outside 1..REPORT_DAYS_MAX,
 * -ENOMEM, or the store's -errno; r needs ledger_report_free after 0 (and is empty after an
 * error). */
int ledger_report_compute(struct ledger *lg, usec_t now, int days, const usec_t *since,
                          const struct ledger_phases *phases,
                          struct ledger_report *r);

void ledger_report_free(struct ledger_report *r);

#endif
