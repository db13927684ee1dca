/* timestamp_parse with a fixed now, in a zone with DST; every result formats, and a result in
 * the printable range survives timestamp_format_utc -> timestamp_parse to the second. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "time/timestamp.h"

/* Mon 2026-11-23 19:30:00 UTC, and the last instant systemd prints with a 4-digit year. */
#define NOW ((usec_t)1795462200 * USEC_PER_SEC)
#define LOCAL_MIN ((usec_t)315532800 * USEC_PER_SEC)
#define PRINTABLE_MAX ((usec_t)253402214399 * USEC_PER_SEC)

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_set_tz("Europe/Berlin");
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_cstr(data, size, 1024);
    char err[1024], buf[256], buf2[256];
    usec_t t = 0, t2 = 0;
    if (timestamp_parse(s, NOW, &t, err, sizeof err) == 0) {
        timestamp_format(t, buf, sizeof buf);
        timestamp_format_iso(t, buf, sizeof buf);
        size_t n = timestamp_format_utc(t, buf, sizeof buf);
        FUZZ_CHECK(n < sizeof buf, "\"%s\": format length %zu", s, n);
        if (t > 0 && t <= PRINTABLE_MAX) {
            int r = timestamp_parse(buf, NOW, &t2, err, sizeof err);
            FUZZ_CHECK(r == 0, "\"%s\" -> %lld -> \"%s\" does not parse: %s", s, (long long)t, buf,
                       err);
            FUZZ_CHECK(t2 == t - t % USEC_PER_SEC, "\"%s\" -> %lld -> \"%s\" -> %lld", s,
                       (long long)t, buf, (long long)t2);
            /* The local form carries the zone's abbreviation, so it parses back too (from 1980:
             * before, Berlin had abbreviations such as CEMT that tzname does not list). */
            if (t < LOCAL_MIN) goto out;
            timestamp_format(t, buf2, sizeof buf2);
            r = timestamp_parse(buf2, NOW, &t2, err, sizeof err);
            FUZZ_CHECK(r == 0, "\"%s\" -> \"%s\" does not parse: %s", s, buf2, err);
            FUZZ_CHECK(t2 == t - t % USEC_PER_SEC, "\"%s\" -> %lld -> \"%s\" -> %lld", s,
                       (long long)t, buf2, (long long)t2);
        }
    } else {
        FUZZ_CHECK(strncmp(err, "bad timestamp \"", 15) == 0, "error \"%s\"", err);
        /* A due also reads a calendar event: its next elapse, strictly after now; a start
         * never does. Either way an error says something. */
        err[0] = 0;
        if (timestamp_parse_next(s, NOW, &t2, err, sizeof err) == 0)
            FUZZ_CHECK(t2 > NOW, "\"%s\": next elapse %lld is not after now", s, (long long)t2);
        else
            FUZZ_CHECK(err[0] != 0, "\"%s\": no error text", s);
        err[0] = 0;
        FUZZ_CHECK(timestamp_parse_past(s, NOW, &t2, err, sizeof err) < 0 && err[0],
                   "\"%s\": a start read what a timestamp does not", s);
    }
out:
    free(s);
    return 0;
}
