/* Helpers the rule-set tests share (test_ruleset.c, test_clock_faults.c). Included by one
 * test file each, so its statics are that file's own. Needs <cmocka.h> included first. */
#ifndef NUDGE_TEST_FIXTURES_H
#define NUDGE_TEST_FIXTURES_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "daemon/host.h"
#include "ledger/ledger.h"
#include "store/store.h"
#include "common/usec.h"

/* What a rule set needs from whoever runs it, as --preview gives it: notifications go to
 * `capture` and nothing is recorded; the state is a private one in memory. Embedded in the
 * test's own struct (the rule set keeps a pointer to bh). */
struct test_host {
    struct store *st;
    struct ledger *lg;
    struct backend_host bh;
    struct ruleset_host rh;
};

static void test_host_init(struct test_host *h, struct notify_backend *capture, struct clock *clock)
{
    char err[256];
    memset(h, 0, sizeof *h);
    if (store_open_memory(&h->st, err, sizeof err) < 0) fail_msg("store_open_memory: %s", err);
    h->lg = ledger_new(h->st);
    assert_non_null(h->lg);
    h->bh = (struct backend_host){.backend = capture, .clock = clock};
    h->rh = backend_host_for(&h->bh);
}

static void test_host_free(struct test_host *h)
{
    ledger_free(h->lg);
    store_close(h->st);
    memset(h, 0, sizeof *h);
}

/* The test's scratch folder, made by its setup. */
static char tmpdir[64];

static usec_t utc(int y, int mo, int d, int h, int mi)
{
    struct tm tm = {
        .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi};
    return (usec_t)timegm(&tm) * USEC_PER_SEC;
}

/* Berlin in winter is UTC+1. */
static usec_t cet(int y, int mo, int d, int h, int mi)
{
    return utc(y, mo, d, h, mi) - USEC_PER_HOUR;
}

/* Writes a rule file into tmpdir; the returned path stays valid for the next 7 calls. */
static const char *rule_file(const char *name, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static const char *rule_file(const char *name, const char *fmt, ...)
{
    static char paths[8][128];
    static int slot;
    char *p = paths[slot++ % 8];
    snprintf(p, 128, "%s/%s", tmpdir, name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
    fclose(f);
    return p;
}

#endif
