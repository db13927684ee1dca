/* Calendar events: systemd's OnCalendar= syntax (systemd.time(7)) and cron lines. */
#ifndef NUDGE_CALENDAR_H
#define NUDGE_CALENDAR_H

#include <stdbool.h>
#include <stddef.h>

#include "common/usec.h"

struct calendar;

/* Parses a systemd calendar event ("Mon..Fri *-*-* 09:00", "daily", "*-*~1 18:00 Europe/Berlin")
 * or a cron line ("30 20 * * 1-5", "@weekly"). Returns 0 and a new calendar (caller frees with
 * calendar_free), or a negative errno with err = `bad calendar event "S": <why>`. */
int calendar_parse(const char *s, struct calendar **out, char *err, size_t errsz);

/* Next elapse strictly after `after`. Returns 0, or -ENOENT if the event never elapses again. */
int calendar_next(const struct calendar *c, usec_t after, usec_t *next);

/* The normalised form, as `systemd-analyze calendar` prints it ("Normalized form:"),
 * or the normalised cron line. Returns the length (like snprintf). */
size_t calendar_format(const struct calendar *c, char *buf, size_t bufsz);

/* False when the normalised form elapses differently from the event itself: systemd folds a
 * seconds list holding "0/1" into "*" and drops sub-second items beside it. */
bool calendar_format_is_lossless(const struct calendar *c);

bool calendar_is_cron(const struct calendar *c);

/* True when two successive elapses of c can come closer together than gap (at most a minute is
 * analysed): "*:*:0/0.5", "*:*:0,0.5", "*:*:59.5,0". Conservative across minute boundaries. */
bool calendar_repeats_within(const struct calendar *c, usec_t gap);

/* The zone suffix, or NULL for the local zone. Owned by c. */
const char *calendar_zone(const struct calendar *c);

void calendar_free(struct calendar *c);

#endif
