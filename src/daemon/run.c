/* The live daemon: the engine on the real clock, one libuv loop on one thread.
 *
 * Wall-clock deadlines sit on one timerfd (see wallclock.h); GLib's main context (libnotify's
 * D-Bus traffic) is driven from the same loop (glib_bridge.h); signals arrive through
 * uv_signal. Between fires nothing wakes the process. */
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "common/log.h"
#include "common/paths.h"
#include "daemon/commands.h"
#include "daemon/daemon.h"
#include "daemon/glib_bridge.h"
#include "daemon/modes.h"
#include "daemon/sdnotify.h"
#include "daemon/wallclock.h"
#include "ledger/ledger.h"
#include "lua/ruleset.h"
#include "notify/notify.h"

#define WATCH_DEBOUNCE_MS 200


void daemon_arm(struct daemon *d)
{
    if (d->stopping) return;
    wallclock_arm(&d->wc, schedule_next_deadline(ruleset_schedule(d->rs)));
}

static void on_wallclock(struct wallclock *w, bool jumped)
{
    struct daemon *d = w->data;
    if (jumped) {
        log_info("the system clock was set: recomputing every deadline");
        ruleset_time_changed(d->rs);
    } else {
        ruleset_run_due(d->rs);
    }
    daemon_arm(d);
}

/* Our TZ names the zone file; glibc only re-reads it when TZ's text changes, so flip between
 * two spellings of the same file. */
static void reread_zone(void)
{
    const char *tz = getenv("TZ");
    if (tz && !strcmp(tz, ":/etc/localtime"))
        setenv("TZ", "/etc/localtime", 1);
    else if (tz && !strcmp(tz, "/etc/localtime"))
        setenv("TZ", ":/etc/localtime", 1);
    tzset();
}

static void on_zone_event(uv_fs_event_t *h, const char *name, int events, int status)
{
    struct daemon *d = h->data;
    (void)events;
    if (status < 0 || !name || strcmp(name, "localtime") != 0) return;
    const char *tz = getenv("TZ");
    if (tz && strcmp(tz, ":/etc/localtime") && strcmp(tz, "/etc/localtime")) return; /* TZ wins */
    reread_zone();
    log_info("the time zone changed (now %s/%s): replanning", tzname[0], tzname[1]);
    ruleset_time_changed(d->rs);
    daemon_arm(d);
}

static void forward_action(void *ud, uint32_t id, const char *action)
{
    struct daemon *d = ud;
    /* What the click means is recorded first; then the rule's own on_action runs. */
    if (ledger_answer_shown(d->ledger, id, action, clock_now(clock_real())))
        ruleset_snoozes_sync(d->rs);
    ruleset_notification_action(d->rs, id, action);
    daemon_arm(d);
}

static void forward_closed(void *ud, uint32_t id, int reason)
{
    struct daemon *d = ud;
    ruleset_notification_closed(d->rs, id, reason);
    daemon_arm(d);
}

static int spawn_program(void *ud, const char *const *argv, char *err, size_t errsz);

/* Tells the user, beside the log, that the rules were not (re)loaded and why. */
static void show_not_loaded(struct daemon *d, const char *why)
{
    notice_rules_not_loaded(d->backend, clock_now(clock_real()), why, d->rs != NULL);
}

static struct ruleset *load(struct daemon *d, const struct rule_files *files, char *first_err,
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
    if (first_err && first_errsz) snprintf(first_err, first_errsz, "%s", errors.n ? errors.v[0] : "");
    if (!rs && errors.n) show_not_loaded(d, errors.v[0]);
    strlist_free(&errors);
    strlist_free(&warnings);
    return rs;
}

static void watch_rules(struct daemon *d);

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
    struct ruleset *rs = load(d, &files, err, errsz);
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
    /* Closing the old Lua state is a good part of a reload's time: do it after the reply
     * (and after the notifications this turn of the loop may still show). */
    retire(d, d->rs);
    d->rs = rs;
    /* The old rules' notifications: their callbacks are gone, and so are their answers. */
    ledger_forget_shown(d->ledger);
    rule_files_free(&d->files);
    d->files = files;
    log_info("reloaded: %zu reminders (%zu kept their schedule)", ruleset_reminder_count(rs), kept);
    if (d->opts->watch) watch_rules(d);
    daemon_arm(d);
    sdnotify("READY=1");
    return 0;
}

static void on_hup(uv_signal_t *s, int signum)
{
    (void)signum;
    char err[1024];
    daemon_reload(s->data, "SIGHUP", err, sizeof err);
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
static void unwatch_rules(struct daemon *d)
{
    for (size_t i = 0; i < d->n_rule_watch; i++) {
        uv_fs_event_stop(d->rule_watch[i]);
        uv_close((uv_handle_t *)d->rule_watch[i], (uv_close_cb)free);
    }
    d->n_rule_watch = 0;
}

static void watch_rules(struct daemon *d)
{
    unwatch_rules(d);
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

static void on_stop(uv_signal_t *s, int signum)
{
    struct daemon *d = s->data;
    log_info("%s: stopping", signum == SIGTERM ? "SIGTERM" : "SIGINT");
    d->stopping = true;
    sdnotify("STOPPING=1");
    uv_stop(d->loop);
}

/* ---- nudge.spawn ---- */

static void on_child_exit(uv_process_t *p, int64_t status, int sig)
{
    if (sig)
        log_info("spawned process %d ended by signal %d", p->pid, sig);
    else if (status)
        log_info("spawned process %d exited with status %lld", p->pid, (long long)status);
    struct daemon *d = p->data;
    d->children--;
    uv_close((uv_handle_t *)p, (uv_close_cb)free);
}

/* Programs of nudge.spawn running at once: a reminder opens a page or plays a sound, it does
 * not start processes in a loop until the user's process limit is gone (attack finding). */
#define SPAWN_MAX 32

static int spawn_program(void *ud, const char *const *argv, char *err, size_t errsz)
{
    struct daemon *d = ud;
    if (d->children >= SPAWN_MAX)
        return snprintf(err, errsz, "%d programs the rules started are still running: wait for one to end",
                        SPAWN_MAX), -EAGAIN;
    uv_process_t *p = calloc(1, sizeof *p);
    if (!p) return snprintf(err, errsz, "out of memory"), -ENOMEM;
    uv_stdio_container_t stdio[3] = {{.flags = UV_IGNORE}, {.flags = UV_INHERIT_FD, .data.fd = 2},
                                     {.flags = UV_INHERIT_FD, .data.fd = 2}};
    uv_process_options_t o = {.exit_cb = on_child_exit,
                              .file = argv[0],
                              .args = (char **)argv,
                              .stdio_count = 3,
                              .stdio = stdio};
    int r = uv_spawn(d->loop, p, &o);
    if (r < 0) {
        snprintf(err, errsz, "cannot run \"%s\": %s", argv[0], uv_strerror(r));
        uv_close((uv_handle_t *)p, (uv_close_cb)free);
        return r;
    }
    p->data = d;
    d->children++;
    return p->pid;
}

/* A start that fails before the loop runs frees what it made (nothing of the loop yet). */
static int start_failed(struct daemon *d)
{
    if (d->backend) notify_backend_free(d->backend);
    if (d->glib) {
        glib_bridge_close(d->glib);
        uv_run(d->loop, UV_RUN_NOWAIT);
    }
    ledger_free(d->ledger);
    store_close(d->store);
    rule_files_free(&d->files);
    uv_loop_close(d->loop);
    return 1;
}

int mode_run(const struct rule_files *files, const struct run_options *o)
{
    struct daemon d = {0};
    d.opts = o;
    d.started = clock_now(clock_real());
    d.last_reload = d.started;
    d.loop = uv_default_loop();
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    d.seed = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^ (uint64_t)getpid();
    for (size_t i = 0; i < files->n; i++) {
        /* Keep our own copy: reloads replace it. */
        char **v = realloc(d.files.paths, (i + 1) * sizeof *v);
        if (!v) return start_failed(&d);
        d.files.paths = v;
        d.files.paths[i] = strdup(files->paths[i]);
        d.files.n = i + 1;
    }
    d.files.origin = files->origin;

    char note[1024], serr[1024];
    if (store_open(o->state_dir, &d.store, note, sizeof note, serr, sizeof serr) < 0) {
        log_error("%s", serr);
        return start_failed(&d);
    }
    if (note[0]) log_warn("%s", note);
    if (!(d.ledger = ledger_new(d.store))) return start_failed(&d);
    d.glib = glib_bridge_new(d.loop);
    if (!strcmp(o->backend, "stdout")) {
        d.backend = notify_stdout_new(stdout);
    } else if (!strcmp(o->backend, "libnotify")) {
        char err[256];
        d.backend = notify_libnotify_new("nudge", err, sizeof err);
        if (!d.backend) {
            log_error("--backend libnotify: %s", err);
            return start_failed(&d);
        }
    } else {
        d.backend = notify_auto_new("nudge", stdout);
    }
    if (!d.backend || !d.glib) return start_failed(&d);
    d.backend->listener = (struct notify_listener){forward_action, forward_closed, &d};
    d.host = (struct backend_host){.backend = d.backend,
                                   .clock = clock_real(),
                                   .ledger = d.ledger,
                                   .spawn = spawn_program,
                                   .spawn_ud = &d};
    d.rhost = backend_host_for(&d.host);

    d.rs = load(&d, &d.files, NULL, 0);
    if (!d.rs) return start_failed(&d);
    if (wallclock_init(&d.wc, d.loop, on_wallclock) < 0) {
        log_error("cannot create a wall-clock timer: %s", strerror(errno));
        ruleset_free(d.rs);
        return start_failed(&d);
    }
    d.wc.data = &d;
    uv_signal_init(d.loop, &d.sig_hup);
    uv_signal_init(d.loop, &d.sig_term);
    uv_signal_init(d.loop, &d.sig_int);
    d.sig_hup.data = d.sig_term.data = d.sig_int.data = &d;
    uv_signal_start(&d.sig_hup, on_hup, SIGHUP);
    uv_signal_start(&d.sig_term, on_stop, SIGTERM);
    uv_signal_start(&d.sig_int, on_stop, SIGINT);
    uv_timer_init(d.loop, &d.debounce);
    d.debounce.data = &d;
    uv_timer_init(d.loop, &d.retire_timer);
    d.retire_timer.data = &d;
    if (uv_fs_event_init(d.loop, &d.zone_watch) == 0) {
        d.zone_watch.data = &d;
        d.zone_watching = uv_fs_event_start(&d.zone_watch, on_zone_event, "/etc", 0) == 0;
    }
    if (o->watch) watch_rules(&d);
    char sock[256], cerr[512] = "";
    int cr = paths_control_socket(sock, sizeof sock);
    if (cr < 0)
        snprintf(cerr, sizeof cerr,
                 "%s: path too long for a Unix socket (over %d bytes); set XDG_RUNTIME_DIR to a "
                 "shorter folder",
                 sock, PATHS_SOCKET_MAX);
    else
        cr = control_open(d.loop, sock, commands_handle, &d, &d.control, cerr, sizeof cerr);
    int rc = 0;
    if (cr < 0) {
        /* Through the same shutdown as a stop: everything made so far is freed. */
        log_error("control socket: %s", cerr[0] ? cerr : strerror(-cr));
        rc = 1;
    } else {
        log_info("running %zu reminders from %zu file%s (backend %s)",
                 ruleset_reminder_count(d.rs), d.files.n, d.files.n == 1 ? "" : "s",
                 notify_backend_current(d.backend));
        ruleset_run_due(d.rs); /* anything due at load (an "after 0") */
        daemon_arm(&d);
        sdnotify("READY=1");
        uv_run(d.loop, UV_RUN_DEFAULT);
    }

    /* Stopping: the callback in progress has finished (signals arrive between callbacks). */
    control_close(d.control);
    wallclock_close(&d.wc);
    uv_close((uv_handle_t *)&d.sig_hup, NULL);
    uv_close((uv_handle_t *)&d.sig_term, NULL);
    uv_close((uv_handle_t *)&d.sig_int, NULL);
    uv_close((uv_handle_t *)&d.debounce, NULL);
    uv_close((uv_handle_t *)&d.retire_timer, NULL);
    if (d.zone_watching) uv_fs_event_stop(&d.zone_watch);
    uv_close((uv_handle_t *)&d.zone_watch, NULL);
    unwatch_rules(&d);
    glib_bridge_close(d.glib);
    uv_run(d.loop, UV_RUN_NOWAIT);
    /* Freeing the backend lets GLib dispatch what is pending (a late action, a show's result):
     * nothing may reach the rule sets freed here. */
    d.backend->listener = (struct notify_listener){0};
    ruleset_free(d.retired);
    ruleset_free(d.rs);
    ledger_free(d.ledger);
    store_close(d.store); /* every answer is already durable; this ends WAL cleanly */
    notify_backend_free(d.backend);
    free(d.rule_watch);
    rule_files_free(&d.files);
    fflush(stdout);
    uv_loop_close(d.loop);
    return rc;
}
