/* The running daemon's state, shared by the loop (run.c) and the control commands. */
#ifndef NUDGE_DAEMON_H
#define NUDGE_DAEMON_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "daemon/control.h"
#include "daemon/host.h"
#include "daemon/modes.h"
#include "daemon/rules_path.h"
#include "daemon/wallclock.h"
#include "lua/ruleset.h"
#include "notify/notify.h"
#include "store/store.h"

struct daemon {
    uv_loop_t *loop;
    struct wallclock wc;
    uv_signal_t sig_hup, sig_term, sig_int;
    uv_fs_event_t zone_watch;
    bool zone_watching;
    uv_fs_event_t **rule_watch; /* --watch: one per folder holding rule files */
    size_t n_rule_watch;
    uv_timer_t debounce;
    uv_timer_t retire_timer;   /* frees `retired` on the next turn of the loop */
    struct ruleset *retired;   /* the rule set a reload replaced */
    struct glib_bridge *glib;
    struct sync *sync; /* CalDAV sync (SPEC 7), made when the rules first configure it */
    const struct sync_module *sync_mod; /* its functions (the loaded module's) */
    char sync_error[300];               /* why the rules' sync could not be made, or "" */
    usec_t sync_error_at;
    void (*sync_answered)(void *d);     /* answers taken from the server (run.c's) */
    struct control *control;
    struct ruleset *rs;
    struct store *store;
    struct ledger *ledger; /* over store: what happened, across reloads */
    struct backend_host host; /* what the rule sets show goes through it to backend */
    struct ruleset_host rhost;
    struct notify_backend *backend;
    const struct run_options *opts;
    uint64_t seed;
    struct rule_files files;
    usec_t started, last_reload;
    char last_reload_error[1024]; /* "" when the last reload (or the start) succeeded */
    uint32_t notice_not_loaded; /* the "rules not loaded" notice on screen, 0: none */
    bool stopping;
    unsigned children; /* programs of nudge.spawn still running */
};

/* daemon/screen.c: what is on the screen follows what happened. */

/* Closes the notifications of every fire the ledger settled since the last call (an answer
 * from a bubble or nudgectl, an expiry). Every event that may settle a fire ends here:
 * through daemon_arm, and after each control command. */
void daemon_close_settled(struct daemon *d);
/* Closes the notifications showing fire `fire_id`. */
void daemon_close_fire(struct daemon *d, int64_t fire_id);
/* Closes the "rules not loaded" notice, if one is up (a reload succeeded, or a newer one
 * replaces it). */
void daemon_close_notice(struct daemon *d);

/* daemon/rules.c: the running rules. */

/* After an event: closes the bubbles of the fires it settled (daemon_close_settled), then
 * re-arms the wall-clock timer for the schedule's next deadline. */
void daemon_arm(struct daemon *d);

/* Loads files into a new rule set on the daemon's clock, ledger and host (beside d->rs, which
 * it may reuse compiled chunks from). Errors and warnings go to the log, and a failed load
 * shows the "rules not loaded" notice; first_err (may be NULL) gets the first error. */
struct ruleset *daemon_load(struct daemon *d, const struct rule_files *files, char *first_err,
                            size_t first_errsz);

/* --watch: one watch per folder holding a rule file (replacing the previous ones); a change
 * to a .lua file there reloads after a short quiet time. */
void daemon_watch_rules(struct daemon *d);
void daemon_unwatch_rules(struct daemon *d);

/* Builds a new rule set beside the current one and swaps it in if it loads. Returns 0, or -1
 * with err = the first error (the old rules keep running). */
int daemon_reload(struct daemon *d, const char *why, char *err, size_t errsz);

#endif
