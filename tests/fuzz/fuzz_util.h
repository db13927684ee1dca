/* Small helpers shared by the fuzz targets. */
#ifndef NUDGE_FUZZ_UTIL_H
#define NUDGE_FUZZ_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The input as a C string, cut at the first NUL (parsers take C strings). Caller frees. */
static inline char *fuzz_cstr(const uint8_t *data, size_t size, size_t max)
{
    if (size > max) size = max;
    char *s = malloc(size + 1);
    if (!s) abort();
    memcpy(s, data, size);
    s[size] = 0;
    return s;
}

static inline void fuzz_set_tz(const char *tz)
{
    setenv("TZ", tz, 1);
    tzset();
}

/* A property the target checks does not hold: print what and crash, so libFuzzer saves it. */
#define FUZZ_CHECK(cond, ...)                                                                  \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            fprintf(stderr, "fuzz check failed: %s: ", #cond);                                 \
            fprintf(stderr, __VA_ARGS__);                                                      \
            fputc('\n', stderr);                                                               \
            abort();                                                                           \
        }                                                                                      \
    } while (0)

#endif
