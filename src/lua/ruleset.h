/* A rule set: one sandboxed Lua state running the user's rule files, the `nudge` API, and the
 * schedule of the reminders those files registered. */
#ifndef NUDGE_RULESET_H
#define NUDGE_RULESET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/clock.h"
#include "engine/schedule.h"
#include "notify/notify.h"
#include "time/usec.h"

/* A growable list of owned strings: error lines, warnings. */
struct strlist {
    char **v;
    size_t n;
};
void strlist_add(struct strlist *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void strlist_free(struct strlist *l);

struct ruleset_options {
    const char *const *paths; /* rule files, loaded in this order */
    size_t n_paths;
    struct clock *clock;
    struct notify_backend *backend; /* where notifications go (not owned) */
    uint64_t seed;                  /* PRNG seed: jitter, windows, nudge.random */
    bool interactive;               /* keep on_action/on_close callbacks (not in preview) */
};

struct ruleset;

/* Builds a rule set: runs each file's top level (registering reminders) in a fresh state, then
 * schedules what they registered. Returns NULL when any file fails, with one
 * "file:line: message" per failing file in errors (every file is tried). Warnings (calendar
 * events that never elapse, ...) go to warnings; either list may be NULL. */
struct ruleset *ruleset_load(const struct ruleset_options *o, struct strlist *errors,
                             struct strlist *warnings);

void ruleset_free(struct ruleset *rs);

struct schedule *ruleset_schedule(struct ruleset *rs);

/* Fires every reminder due at or before now (per the rule set's clock), in time order.
 * Callback errors are logged and counted, never returned. Returns how many fired. */
size_t ruleset_run_due(struct ruleset *rs);

/* Raises a user event for nudge.listen handlers; data is n key/value pairs. */
void ruleset_emit(struct ruleset *rs, const char *name, const char *const *kv, size_t n);

size_t ruleset_reminder_count(const struct ruleset *rs);

/* Settings from nudge.config{}. */
const char *ruleset_backend_name(const struct ruleset *rs); /* "auto" unless configured */
const char *ruleset_app_name(const struct ruleset *rs);

#endif
