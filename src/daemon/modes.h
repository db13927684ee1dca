/* nudged's three modes. Each returns the process exit code (0 ok, 1 rule/runtime error). */
#ifndef NUDGE_MODES_H
#define NUDGE_MODES_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "daemon/rules_path.h"
#include "common/usec.h"

struct store;
struct answers;
struct preview_options {
    const char *state_dir; /* read (a private copy), never written; NULL: no state */
    /* Inside the daemon: its open store, copied through its own connection (state_dir is then
     * ignored: the daemon never opens its database file a second time). */
    struct store *live_store;
    usec_t from;
    int days;
    uint64_t seed;
    bool json;
    /* --answers: a scripted history replayed through the ledger (not owned), or NULL. */
    const struct answers *answers;
};

int mode_check(const struct rule_files *files);
int mode_preview(const struct rule_files *files, const struct preview_options *o);

struct ruleset;
/* The same engine in steps, so the daemon can run a preview in slices between other work.
 * preview_sim_new loads the rules beside `live` (adopting its plans and state; nothing is kept
 * from it afterwards) with notifications going to capture (which the caller owns and frees
 * after the simulation). NULL with err = the first rule error. */
struct preview_sim;
struct notify_backend;
struct preview_sim *preview_sim_new(const struct rule_files *files, struct ruleset *live,
                                    const struct preview_options *o, struct notify_backend *capture,
                                    char *err, size_t errsz);
/* Runs at most max_instants due instants of the simulated clock. True when the preview has
 * reached its end. */
bool preview_sim_step(struct preview_sim *ps, size_t max_instants);
/* How far the simulated clock has come. */
usec_t preview_sim_time(const struct preview_sim *ps);
void preview_sim_free(struct preview_sim *ps);

struct run_options {
    const char *rules_arg; /* --rules, re-resolved on reload */
    const char *backend;   /* "auto", "libnotify", "stdout" */
    bool watch;            /* --watch: reload when a rule file changes */
    const char *state_dir; /* where nudge.db lives */
};
int mode_run(const struct rule_files *files, const struct run_options *o);

#endif
