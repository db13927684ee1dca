/* Carrying Lua functions from one rule set's state into the next one's on reload, so that a
 * reminder a rule made at run time (nudge.after inside a nudge.listen handler) survives. */
#ifndef NUDGE_LCARRY_H
#define NUDGE_LCARRY_H

#include <lua.h>
#include <stdbool.h>
#include <stddef.h>

/* Pushes onto `to` what stands for the userdata at idx in `from` and returns 1, or returns 0
 * to refuse it. Called inside a protected call on `to` (it may raise errors there). */
typedef int (*lcarry_userdata_fn)(void *ud, lua_State *from, int idx, lua_State *to);

/* One carrying session: values carried in one session share what they shared in `from`.
 * Lives in the caller's memory so that an error unwinding past it leaks nothing. */
struct lcarry {
    lua_State *from, *to;
    lcarry_userdata_fn map;
    void *map_ud;
    int seen_ref, upvals_ref, known_ref;
    bool active, gc_was_running;
    char *err; /* of the value being carried */
    size_t errsz;
    const char *upvalue; /* the upvalue being carried, for messages */
    int idx;             /* in `from`, of the value being carried */
};

/* Starts a session. `to`'s garbage collector stays stopped until lcarry_end(), so no
 * finalizer of the new rules runs (without a budget) while values are carried. Returns 0, or
 * -1 with err set (out of memory). */
int lcarry_begin(struct lcarry *c, lua_State *from, lua_State *to, lcarry_userdata_fn map,
                 void *ud, char *err, size_t errsz);

/* Pushes onto `to` a copy of the value at `idx` in `from`: plain values as they are, tables
 * copied deeply, Lua functions loaded again from their own bytecode with their upvalues
 * carried the same way (shared upvalues stay shared). A table or function that is a global of
 * `from` (or a function of a standard library or of `nudge`) becomes the same global of `to`
 * when `to` has one of that type; `_ENV` becomes `to`'s globals. Returns 0, or -1 pushing
 * nothing, with err naming what cannot be carried (a coroutine, a table with a metatable, a C
 * closure, a userdata the map refuses). Never raises a Lua error in either state. */
int lcarry_push(struct lcarry *c, int idx, char *err, size_t errsz);

/* Ends a session (again is harmless). */
void lcarry_end(struct lcarry *c);

/* One value in a session of its own. */
int lcarry(lua_State *from, int idx, lua_State *to, char *err, size_t errsz);

#endif
