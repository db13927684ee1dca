/* `nudgectl export --ics`: the coming fires as an RFC 5545 iCalendar stream, for a phone's
 * calendar. */
#ifndef NUDGE_CTL_ICS_H
#define NUDGE_CTL_ICS_H

#include <jansson.h>
#include <stdio.h>
#include <time.h>

/* How long each event lasts in the calendar: a reminder is a moment, but calendars show a
 * zero-length event poorly. */
#define ICS_EVENT_MINUTES 15

/* Writes a VCALENDAR with one VEVENT per fire of the daemon's {"cmd":"export"} reply
 * (fires: [{at, id, uid, kind, title, body}]; a fire without at or uid is left out); now is
 * DTSTAMP. Returns how many events were written. */
int ics_write(FILE *f, json_t *fires, time_t now);

/* One content line ("NAME:value", no line ending) folded to 75 octets per physical line,
 * never inside a UTF-8 sequence, each line ending in CRLF. */
void ics_line(FILE *f, const char *line);

/* Writes s as an iCalendar TEXT value: \ ; , escaped, newlines as \n, other control characters
 * dropped (RFC 5545 3.3.11). */
void ics_text(FILE *f, const char *s);

#endif
