/* A notification as nudge builds it: what the rules ask to show, what the ledger records and
 * what a backend shows. Plain data; the backends live in notify/, the stored form in ledger/. */
#ifndef NUDGE_NOTIFICATION_H
#define NUDGE_NOTIFICATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/usec.h"

/* What a discreet notification shows instead of its own title and body, and the action that
 * reveals them (not an answer: the fire stays open). */
#define NOTIFICATION_DISCREET_TITLE "nudge"
#define NOTIFICATION_DISCREET_BODY "A reminder for you"
#define NOTIFICATION_SHOW_ACTION "show"
#define NOTIFICATION_SHOW_LABEL "Show"

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
    /* Shown as "nudge" / NOTIFICATION_DISCREET_BODY with a "Show" action that reveals the text
     * (SPEC 2.4); the history and nudgectl keep the full text. */
    bool discreet;
    const char *uid;     /* the fire's calendar UID (ledger_fire_uid), or NULL; not stored */
    /* Which fire showing it is, for the ledger: NULL or "rule", "snooze" (a re-show; parent is
     * the first fire of the chain) or "manual" (nudgectl fire). Not part of the stored form. */
    const char *origin;
    int64_t parent;
};

const char *urgency_name(enum urgency u);
/* Returns 0 and *u, or -EINVAL. */
int urgency_parse(const char *s, enum urgency *u);

/* A deep copy of n into *out, which then owns its strings (release them with
 * notification_clear()); a missing reminder id becomes "" and a missing kind "notify".
 * Returns 0, or -ENOMEM (then *out holds nothing). */
int notification_copy(const struct notification *n, struct notification *out);

/* Frees the strings of a notification that owns them (notification_copy, notification_decode)
 * and zeroes it. */
void notification_clear(struct notification *n);

#endif
