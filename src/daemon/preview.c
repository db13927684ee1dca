/* --check and --preview: the real engine on a simulated clock, notifications captured. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "daemon/modes.h"
#include "engine/clock.h"
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
    struct ruleset_options o = {.paths = (const char *const *)files->paths,
                                .n_paths = files->n,
                                .clock = &sim.base,
                                .backend = capture,
                                .seed = 0};
    struct ruleset *rs = ruleset_load(&o, &errors, &warnings);
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
    strlist_free(&errors);
    strlist_free(&warnings);
    notify_backend_free(capture);
    fclose(devnull);
    return rc;
}

int preview_run(const struct rule_files *files, struct ruleset *live, const struct preview_options *po,
                FILE *out, char *err, size_t errsz)
{
    struct clock_sim sim;
    clock_sim_init(&sim, po->from);
    /* The real state, read through a private copy: nothing a preview does reaches the file. */
    struct store *snap = NULL;
    char serr[1024];
    if (po->live_store ? store_copy(po->live_store, &snap, serr, sizeof serr) < 0
                       : po->state_dir &&
                             store_open_snapshot(po->state_dir, &snap, serr, sizeof serr) < 0) {
        if (err && errsz) snprintf(err, errsz, "%s", serr);
        if (!live) fprintf(stderr, "%s\n", serr);
        return 1;
    }
    struct notify_backend *capture = notify_capture_new(out, po->json);
    struct strlist errors = {0}, warnings = {0};
    struct ruleset_options o = {.paths = (const char *const *)files->paths,
                                .n_paths = files->n,
                                .clock = &sim.base,
                                .backend = capture,
                                .seed = po->seed,
                                .store = snap};
    unsigned long errors_before = log_error_count();
    struct ruleset *rs = ruleset_load(&o, &errors, &warnings);
    if (!live) {
        print_list(stderr, &errors, "");
        for (size_t i = 0; i < warnings.n; i++) log_warn("%s", warnings.v[i]);
    }
    if (err && errsz) snprintf(err, errsz, "%s", errors.n ? errors.v[0] : "");
    if (!rs) {
        strlist_free(&errors);
        strlist_free(&warnings);
        notify_backend_free(capture);
        store_close(snap);
        return 1;
    }
    /* From a live daemon: start from its plans, so the preview shows what it will do. */
    /* (When that fails the preview plans from the files alone.) */
    if (live) ruleset_adopt(rs, live, NULL, NULL, 0);
    usec_t end = po->from + (usec_t)po->days * USEC_PER_DAY;
    struct schedule *s = ruleset_schedule(rs);
    for (;;) {
        usec_t next = schedule_next_deadline(s);
        if (next >= end) break;
        if (next > sim.t) sim.t = next;
        ruleset_run_due(rs);
    }
    fflush(out);
    ruleset_free(rs);
    store_close(snap);
    strlist_free(&errors);
    strlist_free(&warnings);
    notify_backend_free(capture);
    return log_error_count() > errors_before ? 1 : 0;
}

int mode_preview(const struct rule_files *files, const struct preview_options *po)
{
    return preview_run(files, NULL, po, stdout, NULL, 0);
}
