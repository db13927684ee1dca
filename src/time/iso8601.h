/* ISO 8601 as nudge writes it: instants "2026-11-23T20:30:00+01:00" or "...Z" (what
 * timestamp_format_iso() prints) and dates "2026-11-23" (the report's days). The one reader of
 * both, for the daemon's replies; the time language itself is timestamp_parse(). Pure. */
#ifndef NUDGE_ISO8601_H
#define NUDGE_ISO8601_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/usec.h"

struct iso8601 {
    int year, mon, mday; /* mon 1..12, mday within the month */
    int hour, min, sec;  /* 0 for a date */
    int offset;          /* seconds east of UTC ("Z": 0) */
    bool has_time;       /* a time and its offset followed the date */
};

/* Parses the whole of s: "YYYY-MM-DD", or that with "THH:MM:SS" and "Z" or "+HH:MM"/"-HH:MM".
 * Fields are range-checked (2026-02-30 is refused). Returns 0, or -EINVAL with err set to
 * `bad ISO 8601 time "S": <why>`. */
int iso8601_parse(const char *s, struct iso8601 *out, char *err, size_t errsz);

/* The instant of a parsed time with its offset (midnight UTC for a date alone). */
usec_t iso8601_usec(const struct iso8601 *t);

/* Days since 1970-01-01 of the calendar date written (whatever the offset). */
int64_t iso8601_day(const struct iso8601 *t);

#endif
