/* Helpers the rule-set tests share (test_ruleset.c, test_clock_faults.c). Included by one
 * test file each, so its statics are that file's own. Needs <cmocka.h> included first. */
#ifndef NUDGE_TEST_FIXTURES_H
#define NUDGE_TEST_FIXTURES_H

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "time/usec.h"

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
