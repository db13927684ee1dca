/* Evaluating local-time arithmetic in another IANA zone.
 * libc's mktime/localtime read the zone from TZ, so a zone-suffixed calendar event swaps TZ
 * for the duration of one computation (systemd does the same, in a child process). This is
 * safe because TZ is only ever read and changed on the loop thread: the daemon's one other
 * thread (the notification worker, src/notify/libnotify.c) makes the blocking D-Bus call and
 * nothing else, no local-time function included. */
#ifndef NUDGE_TZ_H
#define NUDGE_TZ_H

#include <stdbool.h>

/* Why `zone` is not a zone name systemd would take, or NULL when it is one: systemd's rules
 * (letters, digits, "/_-+"; no leading, trailing or doubled "/"; "UTC" always) and a regular
 * TZif file under /usr/share/zoneinfo (or $TZDIR). */
const char *tz_name_problem(const char *zone);

/* tz_name_problem(zone) == NULL. */
bool tz_is_valid(const char *zone);

struct tz_saved {
    char *old; /* previous TZ value (owned), NULL when TZ was unset */
    bool active;
};

/* Makes `zone` the local zone until tz_leave(). zone NULL or "" is a no-op. */
void tz_enter(const char *zone, struct tz_saved *saved);
void tz_leave(struct tz_saved *saved);

#define TZ_ABBREV_MAX 16

/* The local zone's abbreviation for standard (dst 0) or daylight (dst 1) time in the coming
 * year ("CET", "CEST"), in buf; NULL when it has none (no daylight time). Not libc's tzname[]: a
 * localtime() of an old date sets that to the era's names ("LMT") until TZ changes. */
const char *tz_abbrev(int dst, char buf[TZ_ABBREV_MAX]);

#endif
