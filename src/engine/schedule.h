/* The schedule: reminders in a min-heap keyed by their next fire time.
 *
 * Pure logic over a clock: it knows nothing of Lua, libuv or D-Bus, so --preview and the tests
 * drive it on a simulated clock and the daemon on the real one, through the same calls:
 *   schedule_add() -> schedule_next_deadline() -> schedule_pop_due() -> (fire) -> schedule_rearm()
 */
#ifndef NUDGE_SCHEDULE_H
#define NUDGE_SCHEDULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/clock.h"
#include "engine/prng.h"
#include "time/calendar.h"
#include "common/usec.h"
#include "time/window.h"

/* The shortest time between two elapses of one reminder's trigger: nudge.every refuses shorter
 * spans and nudge.on calendar events that repeat faster, and the schedule never plans a
 * calendar elapse closer than this after the one that last fired. */
#define SCHEDULE_MIN_GAP USEC_PER_SEC

enum trigger {
    TRIGGER_CALENDAR, /* nudge.on */
    TRIGGER_EVERY,    /* nudge.every */
    TRIGGER_AFTER,    /* nudge.after */
    TRIGGER_AT,       /* nudge.at */
};

enum quiet_mode {
    QUIET_DEFER,  /* move the fire to the end of quiet hours (default) */
    QUIET_DROP,   /* skip this fire */
    QUIET_IGNORE, /* fire anyway */
};

/* One piece of a calendar trigger that changes with time (a toolkit `when` keyed by phase):
 * the elapses of `cal` from `from` (included) up to `until` (excluded). */
struct schedule_segment {
    struct calendar *cal; /* owned by the reminder's owner */
    usec_t from, until;   /* until USEC_INFINITY: no end */
    const char *expr;     /* the owner's text for cal; the schedule does not read it */
};

/* Elapses of one reminder that quiet hours dropped (quiet = drop), for the history. */
struct schedule_drops {
    usec_t seen; /* the latest one taken: none is handed out twice, whatever re-plans */
    unsigned n;
    usec_t t[]; /* not yet taken, in time order */
};

struct reminder {
    /* Set by the owner before schedule_add(); the schedule never frees them. */
    char *id;
    const char *kind; /* "notify", "checkin", ... (static or owned elsewhere) */
    enum trigger trigger;
    struct calendar *cal; /* TRIGGER_CALENDAR (owned by the reminder's owner) */
    /* TRIGGER_CALENDAR with nsegs > 0: these instead of cal; the trigger's next elapse is the
     * earliest elapse of a segment's calendar inside that segment (owned by the owner). */
    const struct schedule_segment *segs;
    size_t nsegs;
    usec_t span;          /* TRIGGER_EVERY, TRIGGER_AFTER */
    usec_t at;            /* TRIGGER_AT */
    usec_t jitter;        /* 0: none */
    bool has_window;
    struct window window;
    enum quiet_mode quiet;
    /* 0, or a deadline the fire is for (a promise's due): quiet hours that would defer it to
     * or past this move it to a minute before they begin, or drop it when that has passed. */
    usec_t before;
    bool catch_up;
    usec_t late_cancel;
    void *owner_data; /* the owner's (e.g. the Lua callback) */

    /* Managed by the schedule. */
    usec_t loaded;      /* when it was added: origin of every/after */
    usec_t base;        /* the trigger's own elapse the current plan came from */
    usec_t fired_base;  /* the elapse the last fire came from (`loaded` before the first) */
    usec_t next;        /* planned fire (after window, jitter, quiet hours); heap key */
    int64_t window_day; /* local day number of the last window fire (-1: none) */
    size_t heap_idx;    /* position in the heap, or SIZE_MAX when not queued */
    uint64_t seq;       /* insertion order: breaks ties so equal times fire in a fixed order */
    unsigned fires;
    bool done; /* a one-shot that fired, a calendar that never elapses again, or cancelled */
    /* The elapses quiet hours dropped (quiet = drop) while planning; NULL until one is. Owned
     * by the schedule: reminder_clear() frees it. */
    struct schedule_drops *drops;
};

struct schedule {
    struct reminder **heap;
    size_t n, cap;
    struct clock *clock;
    struct prng prng; /* nudge.random() inside a fire: reseeded per fire (schedule_draw_seed) */
    uint64_t seed;
    bool has_quiet;
    struct window quiet;
    uint64_t seq;
};

void schedule_init(struct schedule *s, struct clock *clock, uint64_t seed);

/* The seed of the random draws for reminder `id`'s elapse or fire at `at`: a window's time, a
 * jitter, the texts a fire picks. Keyed by what is drawn for, not by how many draws came
 * before, so a preview (or a calendar sync) started at any moment draws what the running
 * daemon will draw for the same fire. */
uint64_t schedule_draw_seed(const struct schedule *s, const char *id, usec_t at);
/* Frees the heap only; reminders belong to their owner. */
void schedule_free(struct schedule *s);

/* Sets the reminder's defaults (quiet = defer, late_cancel = 1d, not queued). */
void reminder_init(struct reminder *r);

/* Frees what the schedule keeps in r (its dropped elapses); r is not queued after this. */
void reminder_clear(struct reminder *r);

/* At most this many dropped elapses wait per reminder (a minutely event drops hundreds a
 * night): later ones are not remembered. */
#define SCHEDULE_DROPS_MAX 64

/* Moves r's dropped elapses that are at or before now into out (at most max, oldest first)
 * and returns how many: each dropped elapse is handed out once. */
size_t schedule_take_drops(struct reminder *r, usec_t now, usec_t *out, size_t max);

/* Plans r's first fire from now and queues it. Returns 0, or -ENOENT when it will never fire
 * (r->done is then set and it is not queued), or -ENOMEM. */
int schedule_add(struct schedule *s, struct reminder *r);

/* Like schedule_add, but r first fires now, for an elapse `missed` that passed while nobody was
 * running (catch-up); after that it follows its trigger from `missed` on. */
int schedule_add_due(struct schedule *s, struct reminder *r, usec_t missed);

/* The next elapse of r's calendar trigger (its calendar, or its segments) strictly after
 * `after`: 0 and *out, or -ENOENT when there is none. */
int reminder_calendar_next(const struct reminder *r, usec_t after, usec_t *out);

/* The last elapse of r's trigger at or before now, starting from its planned one (r->base):
 * several fires missed during sleep or a clock step fold into this one. */
usec_t schedule_latest_elapse(const struct reminder *r, usec_t now);

/* Takes r out of the queue (cancel). Safe on a reminder that is not queued. */
void schedule_remove(struct schedule *s, struct reminder *r);

/* Earliest planned fire, or USEC_INFINITY when nothing is queued. */
usec_t schedule_next_deadline(const struct schedule *s);

/* Removes and returns the earliest reminder whose fire time is <= now, or NULL.
 * The caller fires it and then calls schedule_rearm() (unless it was cancelled meanwhile).
 * A fire made late by a clock jump or a sleep that would land inside quiet hours is deferred
 * to their end (quiet = defer), as a planned one would have been. */
struct reminder *schedule_pop_due(struct schedule *s, usec_t now);

/* Plans r's next fire after its last one and queues it; marks it done when there is none. */
int schedule_rearm(struct schedule *s, struct reminder *r);

/* Queues r with the plan of `from` (same reminder, an older rule set): its next fire, elapse
 * and window day, so a reload does not move or repeat fires. Returns 0 or -ENOMEM. */
int schedule_restore(struct schedule *s, struct reminder *r, const struct reminder *from);

/* Makes room for n queued reminders, so that queueing up to n cannot fail. 0 or -ENOMEM. */
int schedule_reserve(struct schedule *s, size_t n);

/* Re-plans one queued reminder as schedule_replan_all() does (its rules changed around it:
 * quiet hours). */
void schedule_replan(struct schedule *s, struct reminder *r);

/* Re-plans every queued reminder (the clock jumped, the zone changed, quiet hours changed).
 * Jitter and window times are drawn anew. No fire is lost and none repeats: a reminder whose
 * fire the clock jumped over fires now, once; after a jump back, elapses that already fired
 * do not fire again; after a zone change, a wall time still ahead in the new zone is next. */
void schedule_replan_all(struct schedule *s);

/* Plans the fire that follows `after` without queueing (for list/preview-style questions).
 * Returns 0 and *out, or -ENOENT. Draws from the PRNG like a real plan. */
int schedule_plan(struct schedule *s, struct reminder *r, usec_t after, usec_t *out);

#endif
