/* A rule file through ruleset_load on a simulated clock, notifications captured to /dev/null,
 * then the schedule run for a few simulated days the way --preview runs it (src/daemon/preview.c),
 * with a reload as the daemon makes it (load beside, adopt, carry over) after the first day.
 *
 * The sandbox's default limits stay on (10M instructions per callback, 64 MiB): they are what
 * must stop infinite loops and memory bombs. A callback can still spend its whole budget (or
 * its 1 s deadline) on every fire, so the harness stops after MAX_FIRES fires or RUN_SECONDS of
 * firing; run with -timeout=10 or so. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "daemon/host.h"
#include "engine/clock.h"
#include "ledger/ledger.h"
#include "fuzz_util.h"
#include "lua/ruleset.h"
#include "notify/notify.h"
#include "store/store.h"

#define DAYS 3
#define MAX_FIRES 64
#define RUN_SECONDS 3
/* Mon 2026-11-23 12:00:00 Europe/Berlin */
#define START ((usec_t)1795431600 * USEC_PER_SEC)

static char path[64];
static FILE *devnull;
static struct notify_backend *capture;
/* One state for every input, as --preview has one per run: nothing is recorded in it. */
static struct store *st;
static struct ledger *lg;
static struct backend_host host;
static struct ruleset_host rhost;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_set_tz("Europe/Berlin");
    log_setup((enum log_level)0, false); /* errors in rules are expected: keep stderr quiet */
    snprintf(path, sizeof path, "/tmp/nudge-fuzz-rules-%ld.lua", (long)getpid());
    devnull = fopen("/dev/null", "w");
    if (!devnull) abort();
    capture = notify_capture_new(devnull, true);
    char err[256];
    if (store_open_memory(&st, err, sizeof err) < 0 || !(lg = ledger_new(st))) abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 64 * 1024) return 0;
    FILE *f = fopen(path, "wb");
    if (!f) abort();
    if (size && fwrite(data, 1, size, f) != size) abort();
    fclose(f);

    struct clock_sim sim;
    clock_sim_init(&sim, START);
    host = (struct backend_host){.backend = capture, .clock = &sim.base};
    rhost = backend_host_for(&host);
    const char *paths[] = {path};
    struct strlist errors = {0}, warnings = {0};
    struct ruleset_options o = {.paths = paths,
                                .n_paths = 1,
                                .clock = &sim.base,
                                .host = &rhost,
                                .ledger = lg,
                                .seed = 42};
    struct ruleset *rs = ruleset_load(&o, &errors, &warnings);
    if (!rs) {
        FUZZ_CHECK(errors.n > 0, "ruleset_load failed without an error");
        goto out;
    }
    const char *kv[] = {"who", "me"};
    ruleset_emit(rs, "conflict", kv, 1, NULL, NULL, NULL, 0);

    usec_t end = START + (usec_t)DAYS * USEC_PER_DAY;
    struct schedule *s = ruleset_schedule(rs);
    size_t fires = 0;
    bool reloaded = false;
    time_t began = time(NULL);
    while (fires < MAX_FIRES && time(NULL) - began < RUN_SECONDS) {
        usec_t next = schedule_next_deadline(s);
        if (!reloaded && next >= START + USEC_PER_DAY) {
            reloaded = true;
            o.previous = rs;
            struct strlist errors2 = {0};
            struct ruleset *rs2 = ruleset_load(&o, &errors2, NULL);
            strlist_free(&errors2);
            if (rs2) {
                ruleset_adopt(rs2, rs, NULL, NULL, 0);
                ruleset_free(rs);
                rs = rs2;
                s = ruleset_schedule(rs);
                continue;
            }
        }
        if (next >= end) break;
        if (next > sim.t) sim.t = next;
        size_t n = ruleset_run_due(rs);
        /* A due reminder that does not fire would spin --preview forever. */
        FUZZ_CHECK(n > 0, "deadline %lld is due at %lld but nothing fired", (long long)next,
                   (long long)sim.t);
        fires += n;
    }
    ruleset_free(rs);
out:
    strlist_free(&errors);
    strlist_free(&warnings);
    return 0;
}
