/* `nudgectl export --ics`: the coming fires as an RFC 5545 iCalendar stream, for a phone's
 * calendar. The calendar itself is built by libical (src/ical). */
#ifndef NUDGE_CTL_ICS_H
#define NUDGE_CTL_ICS_H

#include <jansson.h>
#include <stdio.h>
#include <time.h>

/* Writes a VCALENDAR with one VEVENT per fire of the daemon's {"cmd":"export"} reply
 * (fires: [{at, id, uid, kind, title, body}]; a fire without at or uid is left out); now is
 * DTSTAMP. Returns how many events were written, or -1 when memory ran out (nothing written). */
int ics_write(FILE *f, json_t *fires, time_t now);

#endif
