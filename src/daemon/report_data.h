/* The raw material of `nudgectl report`: day-by-day follow-through computed from the state
 * database. Only counts; the scores and pictures are the client's (src/ctl/report.c), so other
 * tools can build their own from the same figures. Kept apart from the control commands so it
 * can be tested against a store directly. */
#ifndef NUDGE_REPORT_DATA_H
#define NUDGE_REPORT_DATA_H

#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"
#include "time/usec.h"

#define REPORT_DAYS_DEFAULT 90
#define REPORT_DAYS_MAX 3660

/* The toolkit's default phases (src/lua/prelude/toolkit.lua): 3 weeks, 6 months, beyond. */
#define REPORT_PHASE_WEEKS_END (21 * USEC_PER_DAY)
#define REPORT_PHASE_MONTHS_END ((usec_t)6 * 2629800 * USEC_PER_SEC) /* "6M" */

struct report_day {
    int64_t day; /* the local date as days since 1970-01-01 */
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
};

struct report_promise {
    int64_t id;
    char *text, *state, *source;
    usec_t due;
};

struct report_data {
    usec_t now;
    int ndays;
    struct report_day *days; /* ndays, oldest first; the last is today */
    bool has_since;
    usec_t since;
    const char *phase; /* "first weeks", "first months", "maintenance", or NULL without since */
    int streak;        /* consecutive days with a done check-in, ending today or yesterday */
    int best_streak;   /* the longest such run in the whole history */
    struct report_promise *promises; /* all promises, by due time */
    size_t npromises;
};

/* The local date of t as days since 1970 (the same day numbering as the toolkit's streaks). */
int64_t report_day_of(usec_t t);

/* "first weeks", "first months" or "maintenance" for the time elapsed since `since`. */
const char *report_phase(usec_t since, usec_t now);

/* Fills r for the `days` local days ending with today (now's date). since is NULL when the
 * rules have no nudge.config{since}. Returns 0, -EINVAL for days outside 1..REPORT_DAYS_MAX,
 * -ENOMEM, or the store's error. */
int report_data_compute(struct store *st, usec_t now, int days, const usec_t *since,
                        struct report_data *r);

void report_data_free(struct report_data *r);

#endif
