/* A fire's UID in calendars: `nudgectl export --ics` today, CalDAV sync later. Pure: the same
 * reminder and planned fire give the same UID in any run, whatever the PRNG seed. */
#ifndef NUDGE_LEDGER_UID_H
#define NUDGE_LEDGER_UID_H

#include <stdbool.h>
#include <stddef.h>

#include "common/usec.h"

/* Room for any UID ledger_fire_uid writes of an id up to 256 bytes. */
#define LEDGER_UID_MAX 320

/* Writes the UID of a fire of reminder `reminder_id` ("" or NULL: "notify") into buf:
 *  - by_day false: the id plus `scheduled` in UTC, "evening-20261123T193000Z@nudge" (a plain
 *    reminder's scheduled time is the same in every run);
 *  - by_day true (a reminder with a `window` or `jitter`, whose time is random): the id plus
 *    the local date of `scheduled`, "gesture-20261123@nudge"; pass the elapse the fire comes
 *    from (before window and jitter), so the date is the day the calendar selected.
 * Characters of the id other than A-Z a-z 0-9 . _ - : become '-', so calendars strict about
 * UIDs take it as one token; an id longer than 256 bytes is cut there. Returns buf. */
char *ledger_fire_uid(const char *reminder_id, usec_t scheduled, bool by_day, char *buf,
                      size_t bufsz);

#endif
