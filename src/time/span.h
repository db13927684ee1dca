/* systemd time spans (systemd.time(7)): "45min", "2h 30min", "1.5d", "90" (seconds). */
#ifndef NUDGE_SPAN_H
#define NUDGE_SPAN_H

#include <stddef.h>

#include "common/usec.h"

/* Parses a span. Returns 0, or -EINVAL/-ERANGE with err set to
 * `bad time span "S": <why>` naming the offending token. */
int span_parse(const char *s, usec_t *out, char *err, size_t errsz);

/* span_parse() without the `bad time span "S": ` prefix: why gets only the reason (e.g.
 * `unknown unit "q"`), for callers that embed a span in their own syntax ("+3h"). */
int span_parse_reason(const char *s, usec_t *out, char *why, size_t whysz);

/* Prints a span the way `systemd-analyze timespan` prints its "Human:" line
 * (e.g. "2h 30min", "1y 2month 3d"). Returns the length written (like snprintf). */
size_t span_format(usec_t span, char *buf, size_t bufsz);

/* t plus the span s on the calendar of the process's zone (TZ): years and months move the
 * local date ("6M" after 2026-11-01 20:30 is 2027-05-01 20:30; Jan 31 + "1M" is the last day
 * of February), keeping the local time of day (one inside a DST gap lands after it); every
 * other unit, and a fractional month or year, is exact time. Mixed spans ("1y 2M 3d") add
 * the years, then the months, then the exact rest. Returns 0 and *out, or -EINVAL/-ERANGE
 * with err set as span_parse() sets it. "infinity" gives USEC_INFINITY. */
int span_add_calendar(usec_t t, const char *s, usec_t *out, char *err, size_t errsz);

#endif
