/* nudge's own time-of-day windows: "10:00..18:00", crossing midnight allowed ("22:30..07:30"). */
#ifndef NUDGE_WINDOW_H
#define NUDGE_WINDOW_H

#include <stdbool.h>
#include <stddef.h>

struct window {
    int start; /* seconds after local midnight, 0..86399 */
    int end;   /* exclusive; end < start means the window crosses midnight */
};

/* Returns 0, or -EINVAL with err = `bad window "S": <why>`. Start and end must differ. */
int window_parse(const char *s, struct window *w, char *err, size_t errsz);

/* Is a local time of day (seconds after midnight) inside the window? */
bool window_contains(const struct window *w, int sec_of_day);

/* Length of the window in seconds (1..86399). */
int window_length(const struct window *w);

#endif
