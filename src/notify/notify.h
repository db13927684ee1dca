/* Notifications and the backends that show them. */
#ifndef NUDGE_NOTIFY_H
#define NUDGE_NOTIFY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "time/usec.h"

enum urgency { URGENCY_LOW, URGENCY_NORMAL, URGENCY_CRITICAL };

struct notify_action {
    char *id;
    char *label;
};

/* All strings are owned by whoever builds the notification; backends copy what they keep. */
struct notification {
    const char *app_name;
    const char *reminder_id; /* the reminder that fired, or "" */
    const char *kind;        /* "notify", "checkin", "gesture", ... */
    const char *title;
    const char *body; /* may be NULL */
    const char *icon;
    const char *category;
    enum urgency urgency;
    int64_t timeout_ms; /* -1: server default, 0: never expires */
    struct notify_action *actions;
    size_t n_actions;
    usec_t snooze;       /* how long "snooze" / "not yet" wait; 0: one hour */
    const char *promise; /* the promise a Kept/Broken answer settles, or NULL */
};

/* What a backend reports back: the user picked an action, or the notification closed
 * (reason as in the Desktop Notifications spec: 1 expired, 2 dismissed, 3 closed by call,
 * 4 undefined). Called on the loop thread. */
struct notify_listener {
    void (*action)(void *ud, uint32_t id, const char *action_id);
    void (*closed)(void *ud, uint32_t id, int reason);
    void *ud;
};

struct notify_backend {
    const char *name;
    struct notify_listener listener; /* set by the owner; zeroed means nobody listens */
    /* Shows n (at time `at`). Returns 0 and a notification id, or a negative errno with err set. */
    int (*show)(struct notify_backend *self, const struct notification *n, usec_t at,
                uint32_t *id, char *err, size_t errsz);
    void (*destroy)(struct notify_backend *self);
};

/* Preview's backend: prints each notification to `out` (one JSON object per line with json,
 * else a human line), in the order shown. Never fails. */
struct notify_backend *notify_capture_new(FILE *out, bool json);

/* One human line per notification on `out`. */
struct notify_backend *notify_stdout_new(FILE *out);

void notify_backend_free(struct notify_backend *b);

/* libnotify on the session bus. Returns NULL with err set when the bus cannot be reached.
 * Shows fail (with err) while no notification server owns org.freedesktop.Notifications. */
struct notify_backend *notify_libnotify_new(const char *app_name, char *err, size_t errsz);

/* "auto": libnotify while a notification server owns its bus name, else stdout (with a
 * warning); it follows the server appearing and going away, and never triggers D-Bus service
 * activation. Falls back to stdout for good when there is no session bus. */
struct notify_backend *notify_auto_new(const char *app_name, FILE *fallback);

/* The backend a notification would go to right now ("libnotify" or "stdout"), for status. */
const char *notify_backend_current(struct notify_backend *b);

const char *urgency_name(enum urgency u);
/* Returns 0 and *u, or -EINVAL. */
int urgency_parse(const char *s, enum urgency *u);

/* A notification as a JSON object (for the state database: a snooze shows it again).
 * Returns a malloc'd string (its length in *len), or NULL when out of memory. */
char *notification_encode(const struct notification *n, size_t *len);

/* Decodes what notification_encode made into *n, which then owns its strings: release them
 * with notification_clear(). Returns 0, or -EINVAL for a malformed buffer. */
int notification_decode(const char *buf, size_t len, struct notification *n);
void notification_clear(struct notification *n);

/* The object `nudged --preview --json` prints for n shown at `at` (SPEC: "at", "id", "kind",
 * "title", "body", "actions", in that order; strings made valid UTF-8), which the daemon's
 * preview reply carries too. A new reference, or NULL when out of memory. */
json_t *notification_preview_json(const struct notification *n, usec_t at);

#endif
