/* window_parse; a parsed window keeps its invariants (length 1..86399, start inside, end not). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "time/window.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_cstr(data, size, 256);
    char err[512];
    struct window w;
    if (window_parse(s, &w, err, sizeof err) == 0) {
        FUZZ_CHECK(w.start >= 0 && w.start < 86400 && w.end >= 0 && w.end < 86400 &&
                       w.start != w.end,
                   "\"%s\" -> %d..%d", s, w.start, w.end);
        int len = window_length(&w);
        FUZZ_CHECK(len >= 1 && len <= 86399, "\"%s\": length %d", s, len);
        FUZZ_CHECK(window_contains(&w, w.start), "\"%s\": start outside", s);
        FUZZ_CHECK(!window_contains(&w, w.end), "\"%s\": end inside", s);
        int in = 0;
        for (int t = 0; t < 86400; t += 60) in += window_contains(&w, t);
        FUZZ_CHECK(in <= len / 60 + 1 && in >= len / 60 - 1, "\"%s\": %d minutes in, length %d", s,
                   in, len);
    } else {
        FUZZ_CHECK(strncmp(err, "bad window \"", 12) == 0, "error \"%s\"", err);
    }
    free(s);
    return 0;
}
