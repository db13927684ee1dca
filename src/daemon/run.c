/* The live daemon: the engine on the real clock, one libuv loop on one thread.
 *
 * Wall-clock deadlines sit on one timerfd (see wallclock.h); GLib's main context (libnotify's
 * D-Bus traffic) is driven from the same loop (glib_bridge.h); signals arrive through
 * uv_signal. Between fires nothing wakes the process. */
#include <errno.h>
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
#include "daemon/sync_glue.h"
#include "daemon/wallclock.h"
#include "ledger/ledger.h"
#include "lua/ruleset.h"
#include "notify/notify.h"
#include "sync/sync.h"



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
    /* What the click means is recorded first; then the rule's own on_action runs. A click on
     * a fire already settled is refused (the ledger logs it) and its on_action does not run:
     * it would act on an answer that does not count. */
    int r = ledger_answer_shown(d->ledger, id, action, clock_now(clock_real()));
    if (r == -EALREADY) return;
    if (r > 0) ruleset_snoozes_sync(d->rs);
    ruleset_notification_action(d->rs, id, action);
    daemon_arm(d);
}

static void forward_closed(void *ud, uint32_t id, int reason)
{
    struct daemon *d = ud;
    if (id == d->notice_not_loaded) d->notice_not_loaded = 0; /* the user closed it */
    ruleset_notification_closed(d->rs, id, reason);
    daemon_arm(d);
}

static void on_hup(uv_signal_t *s, int signum)
{
    (void)signum;
    char err[1024];
    daemon_reload(s->data, "SIGHUP", err, sizeof err);
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

/* Answers taken from the CalDAV server: their bubbles close, the schedule is re-planned. */
static void sync_answered(void *ud)
{
    daemon_arm(ud);
}

/* A start that fails before the loop runs frees what it made (nothing of the loop yet). */
static int start_failed(struct daemon *d)
{
    if (d->sync) {
        daemon_sync_close(d);
        uv_run(d->loop, UV_RUN_NOWAIT);
    }
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

/* Opens the state and the notification backend, and wires the ledger, the host and the
 * rule sets' host interface to them. -1 with the reason logged. */
static int daemon_open(struct daemon *d, const struct rule_files *files, const struct run_options *o)
{
    for (size_t i = 0; i < files->n; i++) {
        /* Keep our own copy: reloads replace it. */
        char **v = realloc(d->files.paths, (i + 1) * sizeof *v);
        if (!v) return -1;
        d->files.paths = v;
        d->files.paths[i] = strdup(files->paths[i]);
        d->files.n = i + 1;
    }
    d->files.origin = files->origin;

    char note[1024], serr[1024];
    if (store_open(o->state_dir, &d->store, note, sizeof note, serr, sizeof serr) < 0) {
        log_error("%s", serr);
        return -1;
    }
    if (note[0]) log_warn("%s", note);
    if (!(d->ledger = ledger_new(d->store))) return -1;
    d->glib = glib_bridge_new(d->loop);
    if (!strcmp(o->backend, "stdout")) {
        d->backend = notify_stdout_new(stdout);
    } else if (!strcmp(o->backend, "libnotify")) {
        char err[256];
        d->backend = notify_libnotify_new("nudge", err, sizeof err);
        if (!d->backend) {
            log_error("--backend libnotify: %s", err);
            return -1;
        }
    } else {
        d->backend = notify_auto_new("nudge", stdout);
    }
    if (!d->backend || !d->glib) return -1;
    d->sync_answered = sync_answered;
    d->backend->listener = (struct notify_listener){forward_action, forward_closed, d};
    d->host = (struct backend_host){.backend = d->backend,
                                    .clock = clock_real(),
                                    .ledger = d->ledger,
                                    .spawn = spawn_program,
                                    .spawn_ud = d};
    d->rhost = backend_host_for(&d->host);
    return 0;
}

/* Signals, timers, the zone and rule-file watches: what wakes the loop besides the socket. */
static void daemon_listen(struct daemon *d, const struct run_options *o)
{
    d->wc.data = d;
    uv_signal_init(d->loop, &d->sig_hup);
    uv_signal_init(d->loop, &d->sig_term);
    uv_signal_init(d->loop, &d->sig_int);
    d->sig_hup.data = d->sig_term.data = d->sig_int.data = d;
    uv_signal_start(&d->sig_hup, on_hup, SIGHUP);
    uv_signal_start(&d->sig_term, on_stop, SIGTERM);
    uv_signal_start(&d->sig_int, on_stop, SIGINT);
    uv_timer_init(d->loop, &d->debounce);
    d->debounce.data = d;
    uv_timer_init(d->loop, &d->retire_timer);
    d->retire_timer.data = d;
    if (uv_fs_event_init(d->loop, &d->zone_watch) == 0) {
        d->zone_watch.data = d;
        d->zone_watching = uv_fs_event_start(&d->zone_watch, on_zone_event, "/etc", 0) == 0;
    }
    if (o->watch) daemon_watch_rules(d);
}

/* The control socket. -1 with the reason logged. */
static int daemon_serve(struct daemon *d)
{
    char sock[256], cerr[512] = "";
    int cr = paths_control_socket(sock, sizeof sock);
    if (cr < 0)
        snprintf(cerr, sizeof cerr,
                 "%s: path too long for a Unix socket (over %d bytes); set XDG_RUNTIME_DIR to a "
                 "shorter folder",
                 sock, PATHS_SOCKET_MAX);
    else
        cr = control_open(d->loop, sock, commands_handle, d, &d->control, cerr, sizeof cerr);
    if (cr < 0) log_error("control socket: %s", cerr[0] ? cerr : strerror(-cr));
    return cr < 0 ? -1 : 0;
}

/* Stopping: the callback in progress has finished (signals arrive between callbacks). */
static void daemon_close(struct daemon *d)
{
    control_close(d->control);
    wallclock_close(&d->wc);
    uv_close((uv_handle_t *)&d->sig_hup, NULL);
    uv_close((uv_handle_t *)&d->sig_term, NULL);
    uv_close((uv_handle_t *)&d->sig_int, NULL);
    uv_close((uv_handle_t *)&d->debounce, NULL);
    uv_close((uv_handle_t *)&d->retire_timer, NULL);
    if (d->zone_watching) uv_fs_event_stop(&d->zone_watch);
    uv_close((uv_handle_t *)&d->zone_watch, NULL);
    daemon_unwatch_rules(d);
    daemon_sync_close(d); /* before the rule set its preview runs on */
    glib_bridge_close(d->glib);
    uv_run(d->loop, UV_RUN_NOWAIT);
    /* Freeing the backend lets GLib dispatch what is pending (a late action, a show's result):
     * nothing may reach the rule sets freed here. */
    d->backend->listener = (struct notify_listener){0};
    ruleset_free(d->retired);
    ruleset_free(d->rs);
    ledger_free(d->ledger);
    store_close(d->store); /* every answer is already durable; this ends WAL cleanly */
    notify_backend_free(d->backend);
    free(d->rule_watch);
    rule_files_free(&d->files);
    fflush(stdout);
    uv_loop_close(d->loop);
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
    if (daemon_open(&d, files, o) < 0) return start_failed(&d);
    ledger_seed(d.ledger, d.seed, &d.seed); /* the last run's draws, if there was one */
    d.rs = daemon_load(&d, &d.files, NULL, 0);
    if (!d.rs) return start_failed(&d);
    if (wallclock_init(&d.wc, d.loop, on_wallclock) < 0) {
        log_error("cannot create a wall-clock timer: %s", strerror(errno));
        ruleset_free(d.rs);
        return start_failed(&d);
    }
    daemon_listen(&d, o);
    /* A socket that cannot be made ends the start through the same shutdown as a stop. */
    int rc = daemon_serve(&d) < 0 ? 1 : 0;
    if (rc == 0) {
        log_info("running %zu reminders from %zu file%s (backend %s)",
                 ruleset_reminder_count(d.rs), d.files.n, d.files.n == 1 ? "" : "s",
                 notify_backend_current(d.backend));
        ruleset_run_due(d.rs); /* anything due at load (an "after 0") */
        daemon_arm(&d);
        daemon_sync_configure(&d);
        sdnotify("READY=1");
        uv_run(d.loop, UV_RUN_DEFAULT);
    }
    daemon_close(&d);
    return rc;
}
