/* The running rules: the first load, reloads (built beside, swapped in whole or not at all),
 * the old set's retirement, --watch, and the wall-clock timer armed for the next deadline.
 * The loop (run.c) and the control commands (commands.c) both come here. */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "common/log.h"
#include "daemon/daemon.h"
#include "daemon/sdnotify.h"
#include "daemon/sync_glue.h"
#include "ledger/ledger.h"
#include "lua/ruleset.h"
#include "sync/sync.h"

#define WATCH_DEBOUNCE_MS 200

void daemon_arm(struct daemon *d)
{
    if (d->stopping) return;
    daemon_close_settled(d);
    wallclock_arm(&d->wc, schedule_next_deadline(ruleset_schedule(d->rs)));
}

/* Tells the user, beside the log, that the rules were not (re)loaded and why. A newer notice
 * replaces the one still up rather than stacking on it. */
static void show_not_loaded(struct daemon *d, const char *why)
{
    daemon_close_notice(d);
    d->notice_not_loaded = notice_rules_not_loaded(d->backend, clock_now(clock_real()), why,
                                                   d->rs != NULL);
}

struct ruleset *daemon_load(struct daemon *d, const struct rule_files *files, char *first_err,
                            size_t first_errsz)
{
    struct strlist errors = {0}, warnings = {0};
    struct ruleset_options o = {.paths = (const char *const *)files->paths,
                                .n_paths = files->n,
                                .clock = clock_real(),
                                .host = &d->rhost,
                                .seed = d->seed,
                                .interactive = true,
                                .ledger = d->ledger,
                                .record_history = true,
                                .previous = d->rs};
    struct ruleset *rs = ruleset_load(&o, &errors, &warnings);
    for (size_t i = 0; i < errors.n; i++) log_error("%s", errors.v[i]);
    for (size_t i = 0; i < warnings.n; i++) log_warn("%s", warnings.v[i]);
    /* Every error is in the log; the reply and the notice give the count and the first. */
    char why[1200];
    if (errors.n > 1)
        snprintf(why, sizeof why, "%zu errors in the rules; the first: %s", errors.n, errors.v[0]);
    else
        snprintf(why, sizeof why, "%s", errors.n ? errors.v[0] : "");
    if (first_err && first_errsz) snprintf(first_err, first_errsz, "%s", why);
    if (!rs && errors.n) show_not_loaded(d, why);
    strlist_free(&errors);
    strlist_free(&warnings);
    return rs;
}

static void on_retire(uv_timer_t *t)
{
    struct daemon *d = t->data;
    ruleset_free(d->retired);
    d->retired = NULL;
    malloc_trim(0); /* a rule set's memory goes back to the system, not to a free list */
}

static void retire(struct daemon *d, struct ruleset *old)
{
    if (d->retired) ruleset_free(d->retired); /* two reloads in one turn */
    d->retired = old;
    uv_timer_start(&d->retire_timer, on_retire, 0, 0);
}

/* The end of every failed reload: the old rules keep running, status and the log say why.
 * `why_logged`: the reason is already in the log (the load printed each error). */
static int reload_failed(struct daemon *d, const char *why, bool why_logged)
{
    if (why_logged)
        log_error("reload failed, keeping the old rules");
    else
        log_error("reload failed, keeping the old rules: %s", why);
    snprintf(d->last_reload_error, sizeof d->last_reload_error, "%s", why);
    sdnotify("READY=1");
    return -1;
}

int daemon_reload(struct daemon *d, const char *why, char *err, size_t errsz)
{
    struct rule_files files;
    sdnotify("RELOADING=1");
    log_info("reloading rules (%s)", why);
    d->last_reload = clock_now(clock_real());
    if (rule_files_find(d->opts->rules_arg, &files, err, errsz) < 0)
        return reload_failed(d, err, false);
    struct ruleset *rs = daemon_load(d, &files, err, errsz);
    if (!rs) {
        rule_files_free(&files);
        return reload_failed(d, err, true);
    }
    /* What the running rules hold (reminders callbacks made, fired one-shots) comes over
     * whole, or the reload fails and they keep running: nothing is dropped on the way. */
    size_t kept;
    if (ruleset_adopt(rs, d->rs, &kept, err, errsz) < 0) {
        show_not_loaded(d, err);
        ruleset_free(rs);
        rule_files_free(&files);
        return reload_failed(d, err, false);
    }
    d->last_reload_error[0] = 0;
    daemon_close_notice(d); /* no longer true */
    /* Closing the old Lua state is a good part of a reload's time: do it after the reply
     * (and after the notifications this turn of the loop may still show). */
    retire(d, d->rs);
    d->rs = rs;
    /* The bubbles the old rules showed stay known to the ledger: a click on one still
     * records its answer (only the old rules' on_action callbacks are gone). */
    rule_files_free(&d->files);
    d->files = files;
    log_info("reloaded: %zu reminders (%zu kept their schedule)", ruleset_reminder_count(rs), kept);
    if (d->opts->watch) daemon_watch_rules(d);
    daemon_arm(d);
    daemon_sync_configure(d);
    daemon_sync_soon(d); /* the tasks follow the new rules */
    sdnotify("READY=1");
    return 0;
}

static void on_debounce(uv_timer_t *t)
{
    char err[1024];
    daemon_reload(t->data, "a rule file changed", err, sizeof err);
}

static void on_rule_event(uv_fs_event_t *h, const char *name, int events, int status)
{
    struct daemon *d = h->data;
    (void)events;
    if (status < 0 || !name) return;
    size_t l = strlen(name);
    if (l < 4 || strcmp(name + l - 4, ".lua") != 0) return;
    /* Editors write in several steps: wait for the burst to end. */
    uv_timer_start(&d->debounce, on_debounce, WATCH_DEBOUNCE_MS, 0);
}

/* The folder of a rule file ("." for a bare name). */
static void folder_of(const char *path, char *dir, size_t sz)
{
    snprintf(dir, sz, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = 0;
    else
        snprintf(dir, sz, ".");
}

/* Each watch handle is its own allocation, freed by its close callback, so closing and
 * re-creating watches in one turn of the loop never reuses memory libuv still holds. */
void daemon_unwatch_rules(struct daemon *d)
{
    for (size_t i = 0; i < d->n_rule_watch; i++) {
        uv_fs_event_stop(d->rule_watch[i]);
        uv_close((uv_handle_t *)d->rule_watch[i], (uv_close_cb)free);
    }
    d->n_rule_watch = 0;
}

void daemon_watch_rules(struct daemon *d)
{
    daemon_unwatch_rules(d);
    uv_fs_event_t **v = realloc(d->rule_watch, (d->files.n ? d->files.n : 1) * sizeof *v);
    if (!v) return;
    d->rule_watch = v;
    for (size_t i = 0; i < d->files.n; i++) {
        char dir[4096], other[4096];
        folder_of(d->files.paths[i], dir, sizeof dir);
        bool dup = false;
        for (size_t j = 0; j < i && !dup; j++) {
            folder_of(d->files.paths[j], other, sizeof other);
            dup = !strcmp(dir, other);
        }
        if (dup) continue;
        uv_fs_event_t *h = calloc(1, sizeof *h);
        if (!h) return;
        uv_fs_event_init(d->loop, h);
        h->data = d;
        if (uv_fs_event_start(h, on_rule_event, dir, 0) == 0) {
            d->rule_watch[d->n_rule_watch++] = h;
        } else {
            log_warn("--watch: cannot watch %s", dir);
            uv_close((uv_handle_t *)h, (uv_close_cb)free);
        }
    }
}

