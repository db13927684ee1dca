/* iCalendar (RFC 5545) through libical: the calendar `nudgectl export --ics` writes, and the
 * VTODOs CalDAV sync (SPEC 7) pushes and reads back. Everything here is a pure conversion
 * between C structs and text; no I/O, no clock (callers pass the times). */
#ifndef NUDGE_ICAL_H
#define NUDGE_ICAL_H

#include <stdbool.h>
#include <stddef.h>

#include "common/usec.h"

/* How long each exported event lasts: a reminder is a moment, but calendars show a
 * zero-length event poorly. */
#define ICAL_EVENT_MINUTES 15

/* What ical_todo_read takes at most: a task from a server is a few kilobytes; anything much
 * larger is not one of ours and is refused before libical sees it. */
#define ICAL_MAX_INPUT (256 * 1024)
/* Longest UID read back (ours are ~60 bytes; RFC 5545 sets no limit, servers do). */
#define ICAL_MAX_UID 255
/* Longest SUMMARY / DESCRIPTION kept when reading; longer text is cut at a character. */
#define ICAL_MAX_TEXT 4096

/* One fire as a calendar event (export --ics). Strings may be NULL except uid. */
struct ical_event {
    const char *uid;
    const char *summary;
    const char *description;
    const char *kind; /* CATEGORIES */
    usec_t start;     /* DTSTART, written in UTC */
};

/* A VCALENDAR (VERSION 2.0, PRODID, CALSCALE, METHOD:PUBLISH) with one VEVENT per event:
 * UID, DTSTAMP = now, DTSTART in UTC, DURATION 15 min, SUMMARY, DESCRIPTION, CATEGORIES,
 * TRANSP:TRANSPARENT and a DISPLAY alarm at the start. CRLF line endings, folded at 75
 * octets by libical. An event without uid or starting after 3000 is left out. Returns a
 * malloc'd string (caller frees) or NULL when out of memory. */
char *ical_events_write(const struct ical_event *events, size_t n, usec_t now);

enum ical_todo_status {
    ICAL_TODO_OPEN,      /* NEEDS-ACTION (or IN-PROCESS, or none) */
    ICAL_TODO_COMPLETED, /* STATUS:COMPLETED, or a COMPLETED time */
    ICAL_TODO_CANCELLED,
};

/* One task. For ical_todo_write the strings are the caller's (summary, description and
 * kind may be NULL); ical_todo_read fills them with malloc'd copies that ical_todo_clear
 * frees. Times are instants (µs since the epoch); 0 means absent. */
struct ical_todo {
    char *uid;
    char *summary;
    char *description;
    char *kind; /* X-NUDGE-KIND, else the first CATEGORIES value when read */
    usec_t due;
    enum ical_todo_status status;
    usec_t completed;     /* COMPLETED */
    usec_t last_modified; /* LAST-MODIFIED; also the DTSTAMP written (now when 0) */
    bool ours;            /* X-NUDGE:1: nudge made this task, so sync may change it */
};

/* A VCALENDAR with one VTODO: UID, DTSTAMP, SUMMARY, DESCRIPTION, DUE (UTC), CATEGORIES and
 * X-NUDGE-KIND = kind, STATUS, COMPLETED when completed, LAST-MODIFIED when set, X-NUDGE:1
 * (always: whatever this writes, nudge made), and a DISPLAY VALARM at DUE
 * (TRIGGER;RELATED=END:PT0S; a VTODO's "end" is its DUE). Times after 3000 (which libical
 * cannot write) are left out, and the alarm with a DUE. Text is written as valid UTF-8
 * without control characters but newlines. Returns a malloc'd string, or NULL when uid is
 * missing or empty (once cleaned) or memory ran out. */
char *ical_todo_write(const struct ical_todo *t);

/* Reads the first VTODO of text[0..len) (a VCALENDAR, several of them, or a bare VTODO; other
 * components are passed over). Times: UTC (Z) as given; TZID naming a zone of the system's
 * zoneinfo in that zone; floating times, DATE values (midnight) and unknown TZIDs in the
 * local zone. Embedded VTIMEZONEs are not expanded (a hostile one could make libical spin).
 * Returns 0 and fills *out (ical_todo_clear it), or -1 with one line in err and *out zeroed:
 * too large, a line that is no content line (RFC 5545 3.1), END before BEGIN, nested too
 * deep or too many components, no VTODO, no UID, a DUE that is no date. */
int ical_todo_read(const char *text, size_t len, struct ical_todo *out, char *err, size_t errsz);

/* Frees what ical_todo_read allocated and zeroes *t. */
void ical_todo_clear(struct ical_todo *t);

#endif
