/* The trust toolkit's Lua sources, compiled into the binary (see scripts/embed-lua.cmake). */
#ifndef NUDGE_PRELUDE_H
#define NUDGE_PRELUDE_H

#include <stddef.h>

struct prelude_chunk {
    const char *name; /* file name without .lua */
    const char *source;
    size_t len;
};

/* Terminated by an entry whose name is NULL. */
extern const struct prelude_chunk nudge_prelude[];

#endif
