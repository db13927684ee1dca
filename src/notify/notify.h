/* The backends that show notifications (the type itself: common/notification.h). */
#ifndef NUDGE_NOTIFY_H
#define NUDGE_NOTIFY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/notification.h"
#include "common/usec.h"

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
    /* Takes notification `id` (from show) off the screen. Returns 0 at once: the close happens
     * after the show, and the listener hears `closed` when the server confirms it. Closing an
     * id that is no longer shown (closed already, or never on a screen) does nothing. A
     * negative errno with err set when the close cannot be started. NULL: nothing to close. */
    int (*close)(struct notify_backend *self, uint32_t id, char *err, size_t errsz);
    void (*destroy)(struct notify_backend *self);
};

/* b->close when the backend has one, else 0. */
int notify_close(struct notify_backend *b, uint32_t id, char *err, size_t errsz);

/* Preview's backend: prints each notification to `out` (one JSON object per line with json,
 * else a human line), in the order shown. Never fails. */
struct notify_backend *notify_capture_new(FILE *out, bool json);

/* One human line per notification on `out`. Neither stream backend closes anything: a line
 * printed is no bubble on a screen, and a "closed" line would only repeat the log. */
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

/* The object `nudged --preview --json` prints for n shown at `at` (SPEC: "at", "id", "kind",
 * "title", "body", "actions", in that order; strings made valid UTF-8), which the daemon's
 * preview reply carries too. A new reference, or NULL when out of memory. */
json_t *notification_preview_json(const struct notification *n, usec_t at);

#endif
