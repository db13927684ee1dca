/* What one sync sends, decided from three lists and nothing else: the tasks nudge wants (from
 * the ledger and the coming fires), the tasks on the server, and the tasks this nudge made
 * there before. Pure, so every case is a unit test. */
#ifndef NUDGE_SYNC_PLAN_H
#define NUDGE_SYNC_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "ical/ical.h"

enum sync_want_mode {
    SYNC_WANT_FULL,   /* a coming fire or open promise: every field is nudge's */
    SYNC_WANT_STATUS, /* a past fire or settled promise: only status and completion are */
    SYNC_WANT_KEEP,   /* known, nothing to say yet (a fire due, not come): leave it as it is */
};

struct sync_want {
    struct ical_todo todo; /* uid always; the rest as mode says (strings not owned) */
    enum sync_want_mode mode;
    bool create;           /* made on the server when it is not there (and never was) */
};

struct sync_remote {
    const char *href, *etag;
    const struct ical_todo *todo; /* todo->ours: nudge made it */
};

struct sync_known {
    const char *uid, *href, *etag; /* href "": the user deleted it; not made again */
    usec_t due;
};

enum sync_op_kind {
    SYNC_OP_CREATE, /* PUT href, If-None-Match: *; then remember it */
    SYNC_OP_UPDATE, /* PUT href, If-Match: etag; then remember it */
    SYNC_OP_DELETE, /* DELETE href, If-Match: etag; then forget it */
    SYNC_OP_REMEMBER, /* no request: record href and etag (found as wanted already) */
    SYNC_OP_FORGET,   /* no request: gone on both sides */
    SYNC_OP_TOMBSTONE, /* no request: the user deleted it on the server; remember not to make it again */
};

struct sync_op {
    enum sync_op_kind kind;
    char *uid, *href, *etag; /* href NULL for CREATE: the caller names it */
    char *ics;               /* CREATE, UPDATE: the VCALENDAR to send */
    usec_t due;
};

struct sync_plan {
    struct sync_op *ops;
    size_t n, cap;
    unsigned unchanged; /* tasks already as wanted */
};

/* Builds the plan. remotes and knowns are matched to wants by UID (wants sorted or not; each
 * UID at most once in each list). now is written as LAST-MODIFIED / DTSTAMP of what is sent.
 * Only remotes with todo->ours are ever changed or deleted, and only those this nudge made
 * (in knowns) are deleted. partial: the listing left entries out (unreadable): a known task
 * missing from it is neither taken for deleted by the user nor forgotten. Returns 0, or
 * -ENOMEM. */
int sync_plan_build(const struct sync_want *wants, size_t n_wants,
                    const struct sync_remote *remotes, size_t n_remotes,
                    const struct sync_known *knowns, size_t n_knowns, bool partial, usec_t now,
                    struct sync_plan *out);
void sync_plan_free(struct sync_plan *p);

/* Whether the remote task already says what the want says (as its mode reads it). */
bool sync_want_matches(const struct sync_want *w, const struct ical_todo *remote);

#endif
