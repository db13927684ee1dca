/* Gesture memory: which gesture each reminder picked, so the next pick does not repeat it. */
#ifndef NUDGE_LEDGER_GESTURE_H
#define NUDGE_LEDGER_GESTURE_H

#include <stddef.h>

#include "common/usec.h"

struct ledger;

/* Remembers that `reminder` picked `gesture` at `now`. 0 or the store's -errno. */
int ledger_gesture_add(struct ledger *lg, const char *reminder, const char *gesture, usec_t now);

/* Gestures copied out of the store, newest first; the strings and the array are malloc'd and
 * owned by the list. */
struct gesture_list {
    char **v;
    size_t n, cap;
};

/* The last n (at most GESTURE_RECENT_MAX) gestures `reminder` picked, appended to out. 0,
 * -ENOMEM (out keeps what was copied) or the store's -errno. */
#define GESTURE_RECENT_MAX 10000
int ledger_gesture_recent(struct ledger *lg, const char *reminder, int n, struct gesture_list *out);
void gesture_list_free(struct gesture_list *l);

#endif
