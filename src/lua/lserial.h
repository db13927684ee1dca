/* nudge.store values as bytes: nil, booleans, numbers, strings and tables of those, so they
 * can live in the state database and come back exactly (integers stay integers). */
#ifndef NUDGE_LSERIAL_H
#define NUDGE_LSERIAL_H

#include <lua.h>
#include <stddef.h>

/* Largest nudge.store value, serialized (a string shared by several fields counts each time). */
#define LSERIAL_MAX ((size_t)1 << 20)

/* Encodes the value at idx; returns a malloc'd buffer and its length, or NULL with err set
 * (a function, a cycle, nesting deeper than 32, over max bytes, the state's memory cap: the
 * buffer is built through the state's allocator). Does not raise Lua errors. */
char *lserial_encode(lua_State *L, int idx, size_t max, size_t *len, char *err, size_t errsz);

/* Pushes the decoded value. Returns 0, or -1 (pushing nothing) for a malformed buffer. */
int lserial_decode(lua_State *L, const char *buf, size_t len);

#endif
