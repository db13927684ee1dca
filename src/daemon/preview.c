/* --check and --preview: the real engine on a simulated clock, notifications captured. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "daemon/modes.h"
#include "daemon/host.h"
#include "engine/clock.h"
#include "ledger/ledger.h"
#include "lua/ruleset.h"
#include "notify/notify.h"
#include "store/store.h"

static void print_list(FILE *f, const struct strlist *l, const char *prefix)
{
    for (size_t i = 0; i < l->n; i++) fprintf(f, "%s%s\n", prefix, l->v[i]);
}

int mode_check(const struct rule_files *files)
{
    struct clock_sim sim;
    clock_sim_init(&sim, clock_now(clock_real()));
    /* Notifications raised while loading go nowhere: checking shows nothing. */
    FILE *devnull = fopen("/dev/null", "w");
    if (!devnull) return 1;
    struct notify_backend *capture = notify_capture_new(devnull, false);
    struct strlist errors = {0}, warnings = {0};
    /* A state of its own, in memory: checking records nothing anywhere. */
    struct store *st = NULL;
    struct ledger *lg = NULL;
    char serr[256];
    if (store_open_memory(&st, serr, sizeof serr) < 0)
        strlist_add(&errors, "cannot create an in-memory state: %s", serr);
    else if (!(lg = ledger_new(st)))
        strlist_add(&errors, "cannot set up the ledger: not enough memory");
    struct backend_host host = {.backend = capture, .clock = &sim.base};
    struct ruleset_host rhost = backend_host_for(&host);
    struct ruleset_options o = {.paths = (const char *const *)files->paths,
                                .n_paths = files->n,
                                .clock = &sim.base,
                                .host = &rhost,
                                .seed = 0,
                                .ledger = lg};
    struct ruleset *rs = lg ? ruleset_load(&o, &errors, &warnings) : NULL;
    print_list(stderr, &errors, "");
    /* "file:line: warning: ..." keeps the place first, like a compiler. */
    for (size_t i = 0; i < warnings.n; i++) {
        const char *w = warnings.v[i];
        const char *sep = strstr(w, ": ");
        if (sep)
            fprintf(stderr, "%.*s: warning: %s\n", (int)(sep - w), w, sep + 2);
        else
            fprintf(stderr, "warning: %s\n", w);
    }
    int rc = rs ? 0 : 1;
    if (rs)
        printf("ok: %zu reminder%s from %zu file%s\n", ruleset_reminder_count(rs),
               ruleset_reminder_count(rs) == 1 ? "" : "s", files->n, files->n == 1 ? "" : "s");
    ruleset_free(rs);
    ledger_free(lg);
    store_close(st);
    strlist_free(&errors);
    strlist_free(&warnings);
    notify_backend_free(capture);
    fclose(devnull);
    return rc;
}

struct preview_sim {
    struct clock_sim sim;
    struct store *snap;
    struct ledger *ledger; /* over snap; the simulation records nothing in it */
    struct backend_host host;
    struct ruleset_host rhost;
    struct ruleset *rs;
    usec_t end;
};

struct preview_sim *preview_sim_new(const struct rule_files *files, struct ruleset *live,
                                    const struct preview_options *po,
                                    struct notify_backend *capture, char *err, size_t errsz)
{
    struct preview_sim *ps = calloc(1, sizeof *ps);
    if (!ps) {
        if (err && errsz) snprintf(err, errsz, "out of memory");
        return NULL;
    }
    clock_sim_init(&ps->sim, po->from);
    /* The real state, read through a private copy: nothing a preview does reaches the file. */
    struct store *snap = NULL;
    char serr[1024];
    if (po->live_store ? store_copy(po->live_store, &snap, serr, sizeof serr) < 0
                       : po->state_dir &&
                             store_open_snapshot(po->state_dir, &snap, serr, sizeof serr) < 0) {
        if (err && errsz) snprintf(err, errsz, "%s", serr);
        if (!live) fprintf(stderr, "%s\n", serr);
        free(ps);
        return NULL;
    }
    /* No state to start from: an empty one in memory. */
    if (!snap && store_open_memory(&snap, serr, sizeof serr) < 0) {
        if (err && errsz) snprintf(err, errsz, "cannot create an in-memory state: %s", serr);
        if (!live) fprintf(stderr, "cannot create an in-memory state: %s\n", serr);
        free(ps);
        return NULL;
    }
    if (!(ps->ledger = ledger_new(snap))) {
        if (err && errsz) snprintf(err, errsz, "out of memory");
        store_close(snap);
        free(ps);
        return NULL;
    }
    ps->host = (struct backend_host){.backend = capture, .clock = &ps->sim.base};
    ps->rhost = backend_host_for(&ps->host);
    struct strlist errors = {0}, warnings = {0};
    struct ruleset_options o = {.paths = (const char *const *)files->paths,
                                .n_paths = files->n,
                                .clock = &ps->sim.base,
                                .host = &ps->rhost,
                                .seed = po->seed,
                                .ledger = ps->ledger,
                                .texts_of = live};
    struct ruleset *rs = ruleset_load(&o, &errors, &warnings);
    if (!live) {
        print_list(stderr, &errors, "");
        for (size_t i = 0; i < warnings.n; i++) log_warn("%s", warnings.v[i]);
    }
    if (err && errsz) snprintf(err, errsz, "%s", errors.n ? errors.v[0] : "");
    strlist_free(&errors);
    strlist_free(&warnings);
    if (!rs) {
        ledger_free(ps->ledger);
        store_close(snap);
        free(ps);
        return NULL;
    }
    /* From a live daemon: start from its plans, so the preview shows what it will do. The
     * simulation owns everything it uses from here on: a reload may free `live`. When adopting
     * fails (a run-time reminder that cannot be carried) the preview plans from the files. */
    if (live) ruleset_adopt(rs, live, NULL, NULL, 0);
    ps->snap = snap;
    ps->rs = rs;
    ps->end = po->from + (usec_t)po->days * USEC_PER_DAY;
    return ps;
}

bool preview_sim_step(struct preview_sim *ps, size_t max_instants)
{
    struct schedule *s = ruleset_schedule(ps->rs);
    for (size_t i = 0; i < max_instants; i++) {
        usec_t next = schedule_next_deadline(s);
        if (next >= ps->end) return true;
        if (next > ps->sim.t) ps->sim.t = next;
        ruleset_run_due(ps->rs);
    }
    return schedule_next_deadline(s) >= ps->end;
}

usec_t preview_sim_time(const struct preview_sim *ps)
{
    return ps->sim.t;
}

void preview_sim_free(struct preview_sim *ps)
{
    if (!ps) return;
    ruleset_free(ps->rs);
    ledger_free(ps->ledger);
    store_close(ps->snap);
    free(ps);
}

/* --preview: the whole simulation on stdout. Exit code 1 when a rule failed to load or a
 * callback failed during the simulation (each logged), else 0. */
int mode_preview(const struct rule_files *files, const struct preview_options *po)
{
    struct notify_backend *capture = notify_capture_new(stdout, po->json);
    unsigned long errors_before = log_error_count();
    struct preview_sim *ps = preview_sim_new(files, NULL, po, capture, NULL, 0);
    if (!ps) {
        notify_backend_free(capture);
        return 1;
    }
    while (!preview_sim_step(ps, SIZE_MAX)) {
    }
    fflush(stdout);
    preview_sim_free(ps);
    notify_backend_free(capture);
    return log_error_count() > errors_before ? 1 : 0;
}
