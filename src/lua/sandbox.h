/* A sandboxed Lua 5.4 state: allow-listed globals, a memory cap, an instruction budget and a
 * wall-clock deadline per callback, no __gc finalizers, and the one protected-call helper every
 * C->Lua call goes through. */
#ifndef NUDGE_SANDBOX_H
#define NUDGE_SANDBOX_H

#include <lua.h>
#include <stdbool.h>
#include <stddef.h>

struct sandbox_limits {
    long long instructions; /* per callback; <= 0: unlimited */
    size_t memory;          /* bytes for the whole state; 0: unlimited */
    long long time_usec;    /* wall-clock time per callback; <= 0: unlimited */
};

#define SANDBOX_DEFAULT_INSTRUCTIONS 10000000LL
#define SANDBOX_DEFAULT_MEMORY ((size_t)64 << 20)
/* Wall-clock time per callback (and per rule file's top level): C library work the budget
 * cannot see ends here. */
#define SANDBOX_DEFAULT_TIME_USEC 1000000LL

/* Creates a state with the allowed libraries only. The memory cap starts applying once the
 * libraries are loaded. Returns NULL when out of memory. */
lua_State *sandbox_new(void);

/* Closes a state made by sandbox_new(). */
void sandbox_close(lua_State *L);

void sandbox_set_limits(lua_State *L, const struct sandbox_limits *lim);
void sandbox_get_limits(lua_State *L, struct sandbox_limits *lim);
size_t sandbox_memory_used(lua_State *L);
/* Whether the running callback ran out of its budget or time: its error must go up, not be
 * caught and turned into something else. */
bool sandbox_stopped(lua_State *L);

/* Calls the function below nargs arguments on the stack under the instruction budget and the
 * time limit, with a traceback on error. Called from inside a callback (nested), it runs on that
 * callback's budget and deadline. On success returns 0 and leaves nresults values. On error returns -1 and
 * writes "file:line: message" into msg (and the traceback into trace, if given), stack popped. */
int sandbox_pcall(lua_State *L, int nargs, int nresults, char *msg, size_t msgsz, char *trace,
                  size_t tracesz);

/* Loads a chunk named "@name" in text mode only. 0, or -1 with msg set. */
int sandbox_load(lua_State *L, const char *buf, size_t len, const char *name, char *msg,
                 size_t msgsz);

/* The function on top of the stack as a binary chunk (with its debug info, so errors keep
 * file:line). Returns a malloc'd buffer, or NULL. */
char *sandbox_dump(lua_State *L, size_t *len);

/* Loads a chunk made by sandbox_dump() in this process (never one from outside: binary chunks
 * are trusted by the VM). 0, or -1 with nothing pushed. */
int sandbox_load_dump(lua_State *L, const char *buf, size_t len, const char *name);

#endif

/* Raises "WHAT 'PREFIXkey' (did you mean 'PREFIXname'?)" for the string key at index k, which
 * table t lacks, with the closest of t's own names (common/suggest.h); without a close one,
 * "WHAT 'PREFIXkey'" followed by tail. */
int sandbox_unknown_name(lua_State *L, int t, int k, const char *what, const char *prefix,
                         const char *tail);
