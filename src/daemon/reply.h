/* Helpers every control reply uses (daemon/reply.c). */
#ifndef NUDGE_REPLY_H
#define NUDGE_REPLY_H

#include <jansson.h>
#include <string.h>

/* A JSON string of s made valid UTF-8 (U+FFFD for bad bytes); "" for NULL. */
json_t *reply_text(const char *s);
/* strlen, 0 for NULL: what a string adds to a reply's size. */
static inline size_t len0(const char *s)
{
    return s ? strlen(s) : 0;
}

/* Logs a reply that strays from the protocol table (the daemon's bug). */
void reply_check(const char *cmd, json_t *reply);

#endif
