/* Carrying a Lua function from one rule set's state into the next one's on reload, so that a
 * reminder a rule made at run time (nudge.after inside a nudge.listen handler) survives. */
#ifndef NUDGE_LCARRY_H
#define NUDGE_LCARRY_H

#include <lua.h>
#include <stddef.h>

/* Pushes onto `to` a copy of the value at `idx` in `from`: plain values as they are, tables
 * copied deeply, Lua functions recompiled from their bytecode with their upvalues carried the
 * same way (shared upvalues stay shared). Tables and functions `from` reaches as a global
 * (`nudge`, `string.format`, a global table of the rules) become the same global of `to`, and
 * `_ENV` becomes `to`'s globals. Returns 0, or -1 pushing nothing, with err naming what cannot
 * be carried (a reminder handle, a coroutine, a table with a metatable, a C closure).
 * Never raises a Lua error in either state; reads `from` without allocating in it. */
int lcarry(lua_State *from, int idx, lua_State *to, char *err, size_t errsz);

/* Set before lcarry() to carry userdata: push onto `to` what stands for the userdata at idx
 * in `from` and return 1, or return 0 to refuse it. Called in a protected call on `to`. */
typedef int (*lcarry_userdata_fn)(void *ud, lua_State *from, int idx, lua_State *to);
int lcarry_with(lua_State *from, int idx, lua_State *to, lcarry_userdata_fn map, void *ud,
                char *err, size_t errsz);

#endif
