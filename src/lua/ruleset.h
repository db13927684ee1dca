/* A rule set: one sandboxed Lua state running the user's rule files, the `nudge` API, and the
 * schedule of the reminders those files registered. */
#ifndef NUDGE_RULESET_H
#define NUDGE_RULESET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/notification.h"
#include "engine/clock.h"
#include "engine/schedule.h"
#include "ledger/report.h"
#include "common/usec.h"

/* A growable list of owned strings: error lines, warnings. */
struct strlist {
    char **v;
    size_t n;
};
void strlist_add(struct strlist *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void strlist_free(struct strlist *l);

/* What the rule set asks of whoever runs it (the daemon, the preview): the rules say what to
 * show and start; the host shows it (and records it, when it keeps a history). */
struct ruleset_host {
    /* Shows n, a notification of a fire planned for `scheduled`. Returns 0 and the
     * notification's id (for on_action/on_close and for its answer), or a negative errno with
     * err set. */
    int (*show)(void *ud, const struct notification *n, usec_t scheduled, uint32_t *id,
                char *err, size_t errsz);
    /* Reminder `reminder_id` (registered at `where`, "file:line") failed `failures` times in
     * a row (last_error) and is off until the next reload: tell the user. May be NULL. */
    void (*rule_disabled)(void *ud, const char *app_name, const char *reminder_id,
                          const char *where, int failures, const char *last_error);
    /* nudge.spawn: starts argv without a shell and returns its pid, or a negative errno with
     * err set. NULL (--check, --preview): nothing is started and spawn returns nil. */
    int (*spawn)(void *ud, const char *const *argv, char *err, size_t errsz);
    void *ud;
};

struct ledger;

struct ruleset_options {
    const char *const *paths; /* rule files, loaded in this order */
    size_t n_paths;
    struct clock *clock;
    const struct ruleset_host *host; /* copied */
    uint64_t seed;                  /* PRNG seed: jitter, windows, nudge.random */
    bool interactive;               /* keep on_action/on_close callbacks (not in preview) */
    /* What happened: nudge.store, fired one-shots, catch-up times, pending snoozes (not owned;
     * shared by the daemon's successive rule sets). Required. */
    struct ledger *ledger;
    /* Write what the schedule keeps (catch-up times, shown snoozes) to the ledger (the daemon).
     * --preview and --check do not. */
    bool record_history;
    /* The rule set this one replaces (a reload): files whose text did not change reuse its
     * compiled chunks. May be NULL. */
    const struct ruleset *previous;
    /* Read each rule file's text as this rule set loaded it, not from the disk (the daemon's
     * preview: the rules running, even when the files changed since or a reload failed). A
     * path it did not load is read from the disk. May be NULL. */
    const struct ruleset *texts_of;
    /* --check: after each file loads, try its body functions once on a sample day (an error
     * or a return that is not text is an error of the load). */
    bool check;
};

struct ruleset;

/* Builds a rule set: runs each file's top level (registering reminders) in a fresh state, then
 * schedules what they registered. Returns NULL when any file fails, with every error found in
 * errors as "file:line: message", each file's in the order of their lines (every file is
 * tried; within a file, an API call that fails is recorded and the file runs on, any other
 * error ends that file). Warnings (calendar events that never elapse, unknown placeholders,
 * past dues, ...) go to warnings; either list may be NULL. */
struct ruleset *ruleset_load(const struct ruleset_options *o, struct strlist *errors,
                             struct strlist *warnings);

/* Closes the Lua state first: a finalizer that runs then finds handle methods doing nothing
 * and nudge.* raising an error. */
void ruleset_free(struct ruleset *rs);

struct schedule *ruleset_schedule(struct ruleset *rs);

/* Fires every reminder due at or before now (per the rule set's clock), in time order.
 * Callback errors are logged and counted, never returned. Returns how many fired. */
size_t ruleset_run_due(struct ruleset *rs);

/* The wall clock jumped (timerfd's ECANCELED), the zone changed or the machine resumed:
 * re-plans every deadline from the new "now" (nothing fires twice, a fire the jump made due
 * fires once) and fires what is due. The daemon and the clock-fault tests both come here. */
size_t ruleset_time_changed(struct ruleset *rs);

/* What became of one listener of an emit. */
enum ruleset_listener_outcome {
    RULESET_LISTENER_OK,
    RULESET_LISTENER_FAILED,   /* it raised an error (or ran past a limit) */
    RULESET_LISTENER_DISABLED, /* not run: it failed 3 times in a row before */
};

struct ruleset_listener_result {
    const char *where; /* "file:line" of its nudge.listen call */
    enum ruleset_listener_outcome outcome;
    const char *error; /* FAILED: "file:line: message" as logged; else NULL */
    bool disabled;     /* off until the next reload (DISABLED, or FAILED for the 3rd time) */
};

/* Raises a user event for nudge.listen handlers; kv holds n key/value pairs (2n strings).
 * Each listener of `name` runs in registration order, in its own guarded call: one that fails
 * 3 times in a row is disabled until the next reload, like a reminder (the host's
 * rule_disabled says so, with the id "listen:NAME"). cb (may be NULL) hears each listener's
 * result; its strings live until cb returns. Returns how many listeners ran (failed ones
 * included), or -ENOMEM with err set when the rules' memory limit stopped the emit (logged). */
int ruleset_emit(struct ruleset *rs, const char *name, const char *const *kv, size_t n,
                 void (*cb)(void *ud, const struct ruleset_listener_result *r), void *ud,
                 char *err, size_t errsz);

struct ruleset_reminder_info {
    const char *id, *kind;
    const char *trigger; /* "on", "every", "after", "at" */
    const char *expr;    /* the time expression */
    const char *where;   /* file:line that registered it */
    usec_t next;         /* next planned fire, USEC_INFINITY when none is queued */
};

/* Calls cb for each live reminder, in registration order. */
void ruleset_each_reminder(struct ruleset *rs,
                           void (*cb)(void *ud, const struct ruleset_reminder_info *info), void *ud);

/* Runs reminder `id`'s callback now (its schedule is not touched): a hand fire, so what it
 * shows is recorded with origin "manual" and the toolkit's silencing does not apply. Returns
 * how many notifications it showed (0: its callback showed nothing). -ENOENT for an unknown id,
 * -EIO when the callback failed (logged; at the memory limit too), -ENOMEM when not even the
 * call could be set up; err says which. */
int ruleset_fire_now(struct ruleset *rs, const char *id, char *err, size_t errsz);

size_t ruleset_reminder_count(const struct ruleset *rs);

/* The user picked an action of notification `id` (as returned by nudge.notify): runs its
 * on_action(action_id, ev). Unknown ids are ignored (e.g. from before a reload). The answer
 * the action means is the ledger's (ledger_answer_shown), recorded before this. */
void ruleset_notification_action(struct ruleset *rs, uint32_t id, const char *action_id);

/* Notification `id` closed: runs its on_close(reason, ev) with reason "expired", "dismissed",
 * "closed" or "undefined", and forgets its callbacks. */
void ruleset_notification_closed(struct ruleset *rs, uint32_t id, int reason);

/* A promise was added with nudgectl: schedule its reminders like a rule promise's. */
void ruleset_promise_added(struct ruleset *rs, int64_t id);
/* Promise `id` changed in the ledger (settled, reopened, edited, deleted): its reminders are
 * cancelled, and planned again from its new due when it is open. */
void ruleset_promise_changed(struct ruleset *rs, int64_t id);

/* The ledger's pending snoozes changed (an answer): their timers follow. */
void ruleset_snoozes_sync(struct ruleset *rs);

/* After a reload: carries over from `old` what must survive it: nudge.store values, fired
 * one-shot ids (a fired `at`/`after` stays fired), the schedule of every reminder whose id and
 * definition are unchanged, and the reminders callbacks made (with their functions). All or
 * nothing: returns 0 (*kept, if given: how many reminders kept their schedule), or -1 with err
 * saying what could not be carried; then rs is to be freed and old kept (old is not changed). */
int ruleset_adopt(struct ruleset *rs, struct ruleset *old, size_t *kept, char *err, size_t errsz);

/* nudge.config{since}: true and *since when the rules set it. */
bool ruleset_since(const struct ruleset *rs, usec_t *since);

/* nudge.config{phases}, or the default three; owned by rs (labels live as long as it). */
const struct ledger_phases *ruleset_phases(const struct ruleset *rs);

/* Settings from nudge.config{}. */
const char *ruleset_backend_name(const struct ruleset *rs); /* "auto" unless configured */
const char *ruleset_app_name(const struct ruleset *rs);

/* nudge.config{ sync = { caldav = URL, user = NAME, every = SPAN, days = N } } (SPEC 7). */
struct ruleset_sync {
    char url[1024];  /* the task collection, http:// or https:// */
    char user[256];  /* "" : no authentication */
    usec_t every;    /* between syncs; default 15 min, 1 min .. 1 day */
    int days;        /* fires pushed ahead; default 14, 1 .. 60 */
};
/* The rules' sync settings, or NULL when they set none. */
const struct ruleset_sync *ruleset_sync(const struct ruleset *rs);

#endif
