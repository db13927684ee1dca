/* Error messages as values: a caller passes a buffer, a failing function fills it. */
#ifndef NUDGE_ERRBUF_H
#define NUDGE_ERRBUF_H

#include <stddef.h>

/* Formats into err (if non-NULL) and returns -code, so `return errbuf_set(...)` reads well. */
int errbuf_set(char *err, size_t errsz, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
