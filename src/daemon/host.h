/* What a rule set asks of the daemon (lua/ruleset.h's struct ruleset_host), over a notify
 * backend: show a notification and, in the live daemon, record it in the ledger; tell the user
 * a rule was disabled or the rules were not loaded. The preview and --check use it too, on
 * their simulated clock and without a ledger. */
#ifndef NUDGE_DAEMON_HOST_H
#define NUDGE_DAEMON_HOST_H

#include <stdbool.h>
#include <stddef.h>

#include "engine/clock.h"
#include "lua/ruleset.h"
#include "notify/notify.h"

struct ledger;

struct backend_host {
    struct notify_backend *backend; /* not owned */
    struct clock *clock;            /* "now" for what is shown */
    /* Each notification shown is recorded as a fire of its reminder, and its id remembered for
     * its answer. NULL (preview, --check): nothing is recorded. The preview with --answers
     * records in its in-memory snapshot. */
    struct ledger *ledger;
    /* A simulation's ledger (the preview's snapshot): a fire answered on another device is not
     * shown there either, and recorded only when `ledger` is set (--answers); its news stays
     * out of the daemon's log. NULL in the daemon and --check. */
    struct ledger *simulated;
    /* nudge.spawn; NULL: nothing is started. */
    int (*spawn)(void *ud, const char *const *argv, char *err, size_t errsz);
    void *spawn_ud;
};

/* The rule sets' view of h (h must outlive the rule sets given it). */
struct ruleset_host backend_host_for(struct backend_host *h);

/* Shows "nudge: rules not loaded" with why ("file:line: message"; and that the previous
 * rules keep running, when they do). Returns the notification's id, 0 when none was shown. */
uint32_t notice_rules_not_loaded(struct notify_backend *b, usec_t now, const char *why,
                             bool previous_running);

#endif
