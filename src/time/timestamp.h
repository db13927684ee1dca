/* systemd timestamps: "2026-12-24 18:00", "18:00", "today", "tomorrow", "now", "+3h",
 * "-1d", "3h ago", "@1798000000", with an optional trailing zone ("UTC", an IANA name,
 * or the local zone's abbreviation). Evaluated in the process's local zone (TZ). */
#ifndef NUDGE_TIMESTAMP_H
#define NUDGE_TIMESTAMP_H

#include <stddef.h>

#include "common/usec.h"

/* Parses s relative to `now`. Returns 0, or a negative errno with err set to
 * `bad timestamp "S": <why>`. */
int timestamp_parse(const char *s, usec_t now, usec_t *out, char *err, size_t errsz);

/* A due or a moment to come: a timestamp as above, or else a calendar event ("Sat 11:00",
 * "Mon..Fri 09:00", "*-12-24 19:00", a cron line) meaning its next elapse strictly after `now`.
 * A weekday with a time that reads both ways ("Sat 11:00" on a Saturday) takes the calendar's
 * next elapse, so it is never a moment already gone. Returns 0, or a negative errno with err =
 * `"S" is neither a time (<why>) nor a calendar event (<why>); <what would be right>`. */
int timestamp_parse_next(const char *s, usec_t now, usec_t *out, char *err, size_t errsz);

/* A moment that has been, a start ("since"): a timestamp as timestamp_parse reads it. A calendar
 * event is refused with a message saying why (its next elapse is still to come), instead of
 * the timestamp parser's puzzling one. */
int timestamp_parse_past(const char *s, usec_t now, usec_t *out, char *err, size_t errsz);

/* "Mon 2026-11-23 20:30:00 CET" in the local zone, as systemd's "Normalized form". Like systemd,
 * 0 and USEC_INFINITY print "-" and instants past 9999-12-30 "--- XXXX-XX-XX XX:XX:XX". */
size_t timestamp_format(usec_t t, char *buf, size_t bufsz);

/* "Mon 2026-11-23 19:30:00 UTC", as systemd's "(in UTC)" line. */
size_t timestamp_format_utc(usec_t t, char *buf, size_t bufsz);

/* ISO 8601 with the local offset, seconds precision: "2026-11-23T20:30:00+01:00". */
size_t timestamp_format_iso(usec_t t, char *buf, size_t bufsz);

#endif
