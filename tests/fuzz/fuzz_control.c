/* The control protocol: each line of the input is one request, answered the way the socket
 * answers it (control_reply -> commands_handle) by a real struct daemon: a small rule file loaded
 * on a simulated clock, an in-memory state store, notifications captured to /dev/null.
 *
 * The daemon's libuv loop is made (uv_loop_init) with its wall-clock timer, because commands
 * re-arm it (daemon_arm) and "reload" builds a new rule set (daemon_reload), but it is never
 * run: nothing here waits. Each input starts from a fresh store and rule set, so a crash
 * reproduces from its input alone. Every reply must be a JSON object with a boolean "ok" that
 * jansson can print (the socket would otherwise drop the client). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "common/log.h"
#include "daemon/commands.h"
#include "daemon/control.h"
#include "daemon/daemon.h"
#include "daemon/sync_glue.h"
#include "engine/clock.h"
#include "ledger/ledger.h"
#include "fuzz_util.h"
#include "lua/ruleset.h"
#include "notify/notify.h"
#include "store/store.h"

#define MAX_LINES 32
/* Mon 2026-11-23 12:00:00 Europe/Berlin */
#define START ((usec_t)1795431600 * USEC_PER_SEC)

/* Every kind the commands can name: core reminders, a listener, a check-in, a promise. */
static const char RULES[] =
    "nudge.config { since = \"2026-01-01\" }\n"
    "nudge.every(\"3h\", function() nudge.notify { title = \"tick\", actions = { done = \"Done\" } } end,"
    " { id = \"tick\" })\n"
    "nudge.on(\"20:00\", function() nudge.notify { title = \"evening\" } end, { id = \"evening\" })\n"
    "nudge.listen(\"conflict\", function(ev)\n"
    "  nudge.notify { title = \"wait before you reply\", body = tostring(ev.data.who) }\n"
    "end)\n"
    "nudge.checkin { id = \"talk\", when = \"21:00\", title = \"Check-in\" }\n"
    "nudge.promise { id = \"flowers\", text = \"Bring flowers\", due = \"2026-12-24 18:00\" }\n";

static char path[64];
static uv_loop_t loop;
static struct daemon d;
static struct run_options ro;

static void on_wallclock(struct wallclock *w, bool jumped)
{
    (void)w, (void)jumped; /* the loop never runs */
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    fuzz_set_tz("Europe/Berlin");
    unsetenv("NOTIFY_SOCKET");
    log_setup((enum log_level)0, false);
    snprintf(path, sizeof path, "/tmp/nudge-fuzz-control-%ld.lua", (long)getpid());
    FILE *f = fopen(path, "w");
    if (!f || fputs(RULES, f) < 0 || fclose(f) != 0) abort();
    FILE *devnull = fopen("/dev/null", "w");
    if (!devnull) abort();
    if (uv_loop_init(&loop) != 0) abort();
    d.loop = &loop;
    if (wallclock_init(&d.wc, &loop, on_wallclock) < 0) abort();
    d.wc.data = &d;
    /* A reload hands the replaced rule set to this timer; the loop never runs, so the test
     * frees it below. */
    uv_timer_init(&loop, &d.retire_timer);
    d.retire_timer.data = &d;
    d.backend = notify_capture_new(devnull, true);
    ro = (struct run_options){.rules_arg = path, .backend = "stdout"};
    d.opts = &ro;
    d.seed = 42;
    char err[512];
    if (!d.backend || rule_files_find(path, &d.files, err, sizeof err) < 0) abort();
    return 0;
}

static void no_answers(void *ud)
{
    (void)ud;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[512];
    if (store_open_memory(&d.store, err, sizeof err) < 0 || !(d.ledger = ledger_new(d.store)))
        abort();
    struct clock_sim sim;
    clock_sim_init(&sim, START);
    d.host = (struct backend_host){.backend = d.backend, .clock = &sim.base, .ledger = d.ledger};
    d.rhost = backend_host_for(&d.host);
    /* Sync as a daemon has it once rules configured it and a reload took it off again: made,
     * not configured (these rules never configure it). */
    d.sync_answered = no_answers;
    if (daemon_sync_open(&d, err, sizeof err) < 0) abort();
    struct strlist errors = {0}, warnings = {0};
    struct ruleset_options o = {.paths = (const char *const *)d.files.paths,
                                .n_paths = d.files.n,
                                .clock = &sim.base,
                                .host = &d.rhost,
                                .seed = d.seed,
                                .interactive = true,
                                .ledger = d.ledger,
                                .record_history = true};
    d.rs = ruleset_load(&o, &errors, &warnings);
    FUZZ_CHECK(d.rs, "the harness's rule file did not load: %s", errors.n ? errors.v[0] : "?");
    strlist_free(&errors);
    strlist_free(&warnings);
    daemon_sync_configure(&d);
    d.started = d.last_reload = START;
    d.last_reload_error[0] = 0;

    const char *p = (const char *)data, *end = p + size;
    for (int n = 0; p < end && n < MAX_LINES; n++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
        json_t *reply = control_reply(commands_handle, &d, p, len);
        if (reply) {
            FUZZ_CHECK(json_is_object(reply), "the reply is not an object");
            FUZZ_CHECK(json_is_boolean(json_object_get(reply, "ok")), "the reply has no \"ok\"");
            char *text = json_dumps(reply, JSON_COMPACT);
            FUZZ_CHECK(text, "the reply cannot be printed as JSON");
            free(text);
            json_decref(reply);
        }
        p += len + 1;
    }

    daemon_sync_close(&d);
    uv_run(d.loop, UV_RUN_NOWAIT); /* closes its timer */
    ruleset_free(d.retired);
    d.retired = NULL;
    uv_timer_stop(&d.retire_timer);
    ruleset_free(d.rs);
    d.rs = NULL;
    ledger_free(d.ledger);
    d.ledger = NULL;
    store_close(d.store);
    d.store = NULL;
    return 0;
}
