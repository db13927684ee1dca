/* span_parse; a parsed span prints with span_format and parses back to the same value. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "time/span.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_cstr(data, size, 512);
    char err[512], buf[512];
    usec_t v = 0, v2 = 0;
    if (span_parse(s, &v, err, sizeof err) == 0) {
        FUZZ_CHECK(v >= 0, "\"%s\" -> %lld", s, (long long)v);
        size_t n = span_format(v, buf, sizeof buf);
        FUZZ_CHECK(n < sizeof buf && strlen(buf) == n, "\"%s\": format length %zu", s, n);
        int r = span_parse(buf, &v2, err, sizeof err);
        FUZZ_CHECK(r == 0, "\"%s\" -> %lld -> \"%s\" does not parse: %s", s, (long long)v, buf,
                   err);
        FUZZ_CHECK(v == v2, "\"%s\" -> %lld -> \"%s\" -> %lld", s, (long long)v, buf,
                   (long long)v2);
    } else {
        FUZZ_CHECK(strncmp(err, "bad time span \"", 15) == 0, "error \"%s\"", err);
    }
    free(s);
    return 0;
}
