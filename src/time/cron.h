/* Classic 5-field cron lines with Vixie cron semantics, used through calendar.h. */
#ifndef NUDGE_CRON_H
#define NUDGE_CRON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/usec.h"

struct cron_expr {
    uint64_t minute; /* bit n: minute n (0..59) */
    uint32_t hour;   /* bit n: hour n (0..23) */
    uint32_t dom;    /* bit n: day of month n (1..31) */
    uint16_t month;  /* bit n: month n (1..12) */
    uint8_t dow;     /* bit n: weekday n, 0 = Sunday (7 is folded into 0) */
    bool dom_star;   /* day-of-month field started with '*' (Vixie: then only dow restricts) */
    bool dow_star;
    bool wild;       /* minute or hour field started with '*' (@hourly too): cron(8) runs such
                        a job by the clock across DST changes, never as a catch-up */
    char text[128];  /* normalised form for calendar_format(): fields joined by one space */
};

/* True if s looks like a cron line rather than a systemd calendar event:
 * "@daily"-style shorthands, or exactly five whitespace-separated fields. */
bool cron_looks_like(const char *s);

/* Parses "30 20 * * 1-5", "@daily", names ("mon", "jan"), ranges, lists, steps.
 * Returns 0, or -EINVAL with err = `bad cron line "S": <why naming the token>`. */
int cron_parse(const char *s, struct cron_expr *out, char *err, size_t errsz);

/* First elapse strictly after `after`, in the local zone, with cron(8)'s DST rule for clock
 * changes under 3 hours: a fixed-time job whose wall time a forward change skips runs at the
 * change, one in a repeated hour runs once (the first time); a wild job runs by the clock
 * (skipped times are gone, repeated ones run again). Returns 0, or -ENOENT if the line can never
 * match (e.g. "0 0 30 2 *"). */
int cron_next(const struct cron_expr *c, usec_t after, usec_t *next);

#endif
