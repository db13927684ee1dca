/* calendar_parse -> calendar_format -> calendar_parse must succeed and print the same, both
 * parses must agree on the next elapse, and calendar_next stepped ~20 times must strictly
 * increase. Each input runs in a few zones, DST gaps included (as systemd's
 * fuzz-calendarspec.c does). */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fuzz_util.h"
#include "time/calendar.h"

static const char *const zones[] = {"Europe/Berlin", "America/New_York", "Australia/Lord_Howe"};

/* 2026-03-28 23:00 UTC (the night before Berlin's spring gap) and 2026-10-31 12:00 UTC. */
static const usec_t bases[] = {1774738800 * USEC_PER_SEC, 1793448000 * USEC_PER_SEC};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_set_tz(zones[0]);
    return 0;
}

/* Does the normalised form end in the local zone's standard or DST abbreviation? */
static bool names_dst(const char *f)
{
    size_t n = strlen(f);
    for (int i = 0; i < 2; i++) {
        size_t m = tzname[i] ? strlen(tzname[i]) : 0;
        if (m && n > m && f[n - m - 1] == ' ' && strcmp(f + n - m, tzname[i]) == 0) return true;
    }
    return false;
}

static void check_in_zone(const char *s, usec_t base)
{
    struct calendar *c = NULL, *c2 = NULL;
    char err[512], f1[1024], f2[1024];
    if (calendar_parse(s, &c, err, sizeof err) < 0) return;

    size_t n1 = calendar_format(c, f1, sizeof f1);
    FUZZ_CHECK(n1 < sizeof f1, "format of \"%s\" is %zu bytes", s, n1);
    int r = calendar_parse(f1, &c2, err, sizeof err);
    FUZZ_CHECK(r == 0, "\"%s\" formats as \"%s\", which does not parse: %s", s, f1, err);
    calendar_format(c2, f2, sizeof f2);
    FUZZ_CHECK(strcmp(f1, f2) == 0, "\"%s\" -> \"%s\" -> \"%s\"", s, f1, f2);

    usec_t a = 0, b = 0;
    int ra = calendar_next(c, base, &a), rb = calendar_next(c2, base, &b);
    /* Where systemd's own normalised form drops sub-second items, only the text must agree. */
    if (calendar_format_is_lossless(c))
        FUZZ_CHECK(ra == rb && (ra < 0 || a == b), "\"%s\" and \"%s\" disagree: %d %lld / %d %lld",
                   s, f1, ra, (long long)a, rb, (long long)b);

    usec_t t = base;
    for (int i = 0; i < 20; i++) {
        usec_t n = 0;
        r = calendar_next(c, t, &n);
        if (r < 0) {
            /* Known, left alone: with the zone's DST abbreviation ("00:00 CEST") next-elapse can
             * give up (-EDEADLK) at a DST change; systemd 252 prints "never" there too. */
            FUZZ_CHECK(r == -ENOENT || (r == -EDEADLK && names_dst(f1)),
                       "\"%s\": calendar_next(%lld) = %d", f1, (long long)t, r);
            break;
        }
        FUZZ_CHECK(n > t, "\"%s\": calendar_next(%lld) = %lld, not after it", f1, (long long)t,
                   (long long)n);
        t = n;
    }
    calendar_free(c2);
    calendar_free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_cstr(data, size, 512);
    for (size_t z = 0; z < sizeof zones / sizeof zones[0]; z++) {
        fuzz_set_tz(zones[z]);
        check_in_zone(s, bases[z % 2]);
    }
    free(s);
    return 0;
}
