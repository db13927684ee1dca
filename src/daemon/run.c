/* The live daemon: the engine on the real clock, driven by a libuv loop. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "common/log.h"
#include "daemon/modes.h"
#include "lua/ruleset.h"
#include "notify/notify.h"

struct daemon {
    uv_loop_t *loop;
    uv_timer_t timer;
    uv_signal_t sig_hup, sig_term, sig_int;
    struct ruleset *rs;
    struct notify_backend *backend;
    const struct run_options *opts;
    uint64_t seed;
};

static void arm(struct daemon *d);

static void on_timer(uv_timer_t *t)
{
    struct daemon *d = t->data;
    ruleset_run_due(d->rs);
    arm(d);
}

/* One pending timer, re-armed to the next deadline; nothing wakes us in between. */
static void arm(struct daemon *d)
{
    usec_t next = schedule_next_deadline(ruleset_schedule(d->rs));
    uv_timer_stop(&d->timer);
    if (next == USEC_INFINITY) return;
    usec_t now = clock_now(clock_real());
    usec_t wait = next > now ? next - now : 0;
    /* Round up: waking a millisecond early would find nothing due and spin once more. */
    uint64_t ms = (uint64_t)((wait + 999) / 1000);
    uv_timer_start(&d->timer, on_timer, ms, 0);
}

static struct ruleset *load(struct daemon *d, const struct rule_files *files)
{
    struct strlist errors = {0}, warnings = {0};
    struct ruleset_options o = {.paths = (const char *const *)files->paths,
                                .n_paths = files->n,
                                .clock = clock_real(),
                                .backend = d->backend,
                                .seed = d->seed,
                                .interactive = true};
    struct ruleset *rs = ruleset_load(&o, &errors, &warnings);
    for (size_t i = 0; i < errors.n; i++) log_error("%s", errors.v[i]);
    for (size_t i = 0; i < warnings.n; i++) log_warn("%s", warnings.v[i]);
    if (!rs && errors.n) {
        struct notification n = {.app_name = "nudge",
                                 .reminder_id = "",
                                 .kind = "notify",
                                 .title = "nudge: rules not loaded",
                                 .body = errors.v[0],
                                 .urgency = URGENCY_CRITICAL,
                                 .timeout_ms = -1};
        uint32_t id;
        char err[256];
        d->backend->show(d->backend, &n, clock_now(clock_real()), &id, err, sizeof err);
    }
    strlist_free(&errors);
    strlist_free(&warnings);
    return rs;
}

static void on_hup(uv_signal_t *s, int signum)
{
    (void)signum;
    struct daemon *d = s->data;
    struct rule_files files;
    char err[512];
    log_info("reloading rules (SIGHUP)");
    if (rule_files_find(d->opts->rules_arg, &files, err, sizeof err) < 0) {
        log_error("reload failed, keeping the old rules: %s", err);
        return;
    }
    struct ruleset *rs = load(d, &files);
    rule_files_free(&files);
    if (!rs) {
        log_error("reload failed, keeping the old rules");
        return;
    }
    ruleset_free(d->rs);
    d->rs = rs;
    log_info("reloaded: %zu reminders", ruleset_reminder_count(rs));
    arm(d);
}

static void on_stop(uv_signal_t *s, int signum)
{
    struct daemon *d = s->data;
    log_info("%s: stopping", signum == SIGTERM ? "SIGTERM" : "SIGINT");
    uv_stop(d->loop);
}

int mode_run(const struct rule_files *files, const struct run_options *o)
{
    struct daemon d = {0};
    d.opts = o;
    d.loop = uv_default_loop();
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    d.seed = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^ (uint64_t)getpid();
    d.backend = notify_stdout_new(stdout);
    if (!d.backend) return 1;
    d.rs = load(&d, files);
    if (!d.rs) {
        notify_backend_free(d.backend);
        return 1;
    }
    log_info("running %zu reminders from %zu file%s (backend %s)", ruleset_reminder_count(d.rs),
             files->n, files->n == 1 ? "" : "s", d.backend->name);
    uv_timer_init(d.loop, &d.timer);
    d.timer.data = &d;
    uv_signal_init(d.loop, &d.sig_hup);
    uv_signal_init(d.loop, &d.sig_term);
    uv_signal_init(d.loop, &d.sig_int);
    d.sig_hup.data = d.sig_term.data = d.sig_int.data = &d;
    uv_signal_start(&d.sig_hup, on_hup, SIGHUP);
    uv_signal_start(&d.sig_term, on_stop, SIGTERM);
    uv_signal_start(&d.sig_int, on_stop, SIGINT);
    arm(&d);
    uv_run(d.loop, UV_RUN_DEFAULT);

    uv_close((uv_handle_t *)&d.timer, NULL);
    uv_close((uv_handle_t *)&d.sig_hup, NULL);
    uv_close((uv_handle_t *)&d.sig_term, NULL);
    uv_close((uv_handle_t *)&d.sig_int, NULL);
    uv_run(d.loop, UV_RUN_DEFAULT);
    uv_loop_close(d.loop);
    ruleset_free(d.rs);
    notify_backend_free(d.backend);
    fflush(stdout);
    return 0;
}
