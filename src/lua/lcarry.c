#include "lua/lcarry.h"

#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lua/sandbox.h"

/* Nesting of tables and upvalues; each level is one C frame here. */
#define DEPTH_MAX 200

/* Work happens in protected calls on `to` (its allocations may hit the memory cap); these
 * stack slots of those calls hold the session's bookkeeping. */
enum { S_SESSION = 1, S_SEEN, S_UPVALS, S_KNOWN };

/* Global tables whose fields are indexed too: a rule that kept `local fmt = string.format`
 * or `local notify = nudge.notify` gets the new state's function. */
static const char *const LIBS[] = {"nudge", "string", "table", "math", "utf8", "os", "coroutine"};

static struct lcarry *session_of(lua_State *to)
{
    return lua_touserdata(to, S_SESSION);
}

static int refuse(lua_State *to, const char *what)
{
    struct lcarry *c = session_of(to);
    if (c->upvalue)
        snprintf(c->err, c->errsz, "its function uses '%s', which holds %s", c->upvalue, what);
    else
        snprintf(c->err, c->errsz, "it is %s", what);
    return luaL_error(to, "%s", c->err);
}

static bool is_lib(const char *name)
{
    for (size_t i = 0; i < sizeof LIBS / sizeof *LIBS; i++)
        if (!strcmp(LIBS[i], name)) return true;
    return false;
}

/* known[pointer] = where `from` keeps that table or function: true for the globals table,
 * "name" for a global, {"lib", "name"} for a field of a library table. */
static void note_known(lua_State *to, lua_State *from, int at)
{
    lua_pushlightuserdata(to, (void *)lua_topointer(from, at));
    if (lua_rawget(to, S_KNOWN) == LUA_TNIL) {
        lua_pushlightuserdata(to, (void *)lua_topointer(from, at));
        lua_pushvalue(to, -3);
        lua_rawset(to, S_KNOWN);
    }
    lua_pop(to, 2); /* the lookup and the path */
}

static void index_globals(lua_State *to, lua_State *from)
{
    if (!lua_checkstack(from, 6)) luaL_error(to, "out of Lua stack");
    lua_rawgeti(from, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
    int g = lua_gettop(from);
    lua_pushboolean(to, 1);
    note_known(to, from, g);
    lua_pushnil(from);
    while (lua_next(from, g)) {
        int t = lua_type(from, -1);
        if (lua_type(from, -2) == LUA_TSTRING && (t == LUA_TTABLE || t == LUA_TFUNCTION)) {
            const char *k = lua_tostring(from, -2);
            lua_pushstring(to, k);
            note_known(to, from, -1);
            if (t == LUA_TTABLE && is_lib(k)) {
                int lib = lua_gettop(from);
                lua_pushnil(from);
                while (lua_next(from, lib)) {
                    if (lua_type(from, -2) == LUA_TSTRING && lua_type(from, -1) == LUA_TFUNCTION) {
                        lua_createtable(to, 2, 0);
                        lua_pushstring(to, k);
                        lua_rawseti(to, -2, 1);
                        lua_pushstring(to, lua_tostring(from, -2));
                        lua_rawseti(to, -2, 2);
                        note_known(to, from, -1);
                    }
                    lua_pop(from, 1);
                }
            }
        }
        lua_pop(from, 1);
    }
    lua_pop(from, 1);
}

/* Pushes what `path` (a known[] value) names in to's globals if it is of type `type`;
 * false (pushing nothing) otherwise. */
static bool resolve(lua_State *to, int path, int type)
{
    lua_rawgeti(to, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
    if (lua_type(to, path) == LUA_TSTRING) {
        lua_pushvalue(to, path);
        lua_rawget(to, -2);
        lua_remove(to, -2);
    } else if (lua_type(to, path) == LUA_TTABLE) {
        lua_rawgeti(to, path, 1);
        lua_rawget(to, -2);
        lua_remove(to, -2);
        if (lua_type(to, -1) == LUA_TTABLE) {
            lua_rawgeti(to, path, 2);
            lua_rawget(to, -2);
            lua_remove(to, -2);
        }
    }
    if (lua_type(to, -1) != type) {
        lua_pop(to, 1);
        return false;
    }
    return true;
}

static void copy(lua_State *to, int idx, int depth);

/* Remembers that the from-value at idx became the value on top of `to`. */
static void remember(lua_State *to, lua_State *from, int idx)
{
    lua_pushlightuserdata(to, (void *)lua_topointer(from, idx));
    lua_pushvalue(to, -2);
    lua_rawset(to, S_SEEN);
}

static void copy_table(lua_State *to, lua_State *from, int idx, int depth)
{
    if (lua_getmetatable(from, idx)) {
        lua_pop(from, 1);
        refuse(to, "a table with a metatable");
    }
    lua_newtable(to);
    remember(to, from, idx);
    int t = lua_gettop(to);
    lua_pushnil(from);
    while (lua_next(from, idx)) {
        copy(to, lua_gettop(from) - 1, depth + 1);
        copy(to, lua_gettop(from), depth + 1);
        lua_rawset(to, t);
        lua_pop(from, 1);
    }
}

static void copy_function(lua_State *to, lua_State *from, int idx, int depth)
{
    if (lua_iscfunction(from, idx)) {
        if (lua_getupvalue(from, idx, 1)) {
            lua_pop(from, 1);
            refuse(to, "a C function with upvalues");
        }
        lua_pushcfunction(to, lua_tocfunction(from, idx));
        remember(to, from, idx);
        return;
    }
    /* Bytecode of our own compiler (rules can never load binary chunks), dumped with its debug
     * information so errors and tracebacks still say "rules.lua:14:". */
    size_t len;
    lua_pushvalue(from, idx);
    char *dump = sandbox_dump(from, &len);
    lua_pop(from, 1);
    if (!dump) luaL_error(to, "not enough memory");
    int rc = luaL_loadbufferx(to, dump, len, "=?", "b");
    free(dump);
    if (rc != LUA_OK) lua_error(to);
    remember(to, from, idx);
    int f = lua_gettop(to);
    struct lcarry *c = session_of(to);
    for (int i = 1;; i++) {
        const char *name = lua_getupvalue(from, idx, i);
        if (!name) break;
        /* upvals[id] = the carried function that has it, upvals[id + 1] = its index there: two
         * entries rather than a table per upvalue (a reload may carry 100,000 closures).
         * id + 1 never names another upvalue: upvalue ids are objects, aligned and larger. */
        char *id = lua_upvalueid(from, idx, i);
        lua_pushlightuserdata(to, id);
        if (lua_rawget(to, S_UPVALS) == LUA_TFUNCTION) {
            /* Shared with a function carried before: share it here too. */
            lua_pushlightuserdata(to, id + 1);
            lua_rawget(to, S_UPVALS);
            lua_upvaluejoin(to, f, i, -2, (int)lua_tointeger(to, -1));
            lua_pop(to, 2);
        } else {
            lua_pop(to, 1);
            /* Noted before its value is carried: a function reached through the value that
             * shares this upvalue joins this one, whose value is set below. */
            lua_pushlightuserdata(to, id);
            lua_pushvalue(to, f);
            lua_rawset(to, S_UPVALS);
            lua_pushlightuserdata(to, id + 1);
            lua_pushinteger(to, i);
            lua_rawset(to, S_UPVALS);
            const char *outer = c->upvalue;
            c->upvalue = *name ? name : "?";
            copy(to, lua_gettop(from), depth + 1);
            c->upvalue = outer;
            lua_setupvalue(to, f, i);
        }
        lua_pop(from, 1);
    }
}

static void copy(lua_State *to, int idx, int depth)
{
    struct lcarry *c = session_of(to);
    lua_State *from = c->from;
    if (depth > DEPTH_MAX) refuse(to, "values nested too deeply");
    if (!lua_checkstack(from, 8)) luaL_error(to, "out of Lua stack");
    luaL_checkstack(to, 8, "carrying a function");
    int t = lua_type(from, idx);
    switch (t) {
    case LUA_TNIL:
        lua_pushnil(to);
        return;
    case LUA_TBOOLEAN:
        lua_pushboolean(to, lua_toboolean(from, idx));
        return;
    case LUA_TNUMBER:
        if (lua_isinteger(from, idx))
            lua_pushinteger(to, lua_tointeger(from, idx));
        else
            lua_pushnumber(to, lua_tonumber(from, idx));
        return;
    case LUA_TSTRING: {
        size_t n;
        const char *s = lua_tolstring(from, idx, &n);
        lua_pushlstring(to, s, n);
        return;
    }
    case LUA_TTABLE:
    case LUA_TFUNCTION:
    case LUA_TUSERDATA:
        break;
    default:
        refuse(to, t == LUA_TTHREAD ? "a coroutine" : "a value of an unknown kind");
        return;
    }
    lua_pushlightuserdata(to, (void *)lua_topointer(from, idx));
    if (lua_rawget(to, S_SEEN) != LUA_TNIL) return;
    lua_pop(to, 1);
    if (t == LUA_TUSERDATA) {
        if (c->map && c->map(c->map_ud, from, idx, to)) {
            remember(to, from, idx);
            return;
        }
        refuse(to, "a userdata");
    }
    lua_pushlightuserdata(to, (void *)lua_topointer(from, idx));
    if (lua_rawget(to, S_KNOWN) != LUA_TNIL) {
        bool found = resolve(to, lua_gettop(to), t);
        lua_remove(to, found ? -2 : -1);
        if (found) {
            remember(to, from, idx);
            return;
        }
    } else {
        lua_pop(to, 1);
    }
    if (t == LUA_TTABLE)
        copy_table(to, from, idx, depth);
    else
        copy_function(to, from, idx, depth);
}

static void push_session(lua_State *to, struct lcarry *c)
{
    lua_settop(to, S_SESSION);
    lua_rawgeti(to, LUA_REGISTRYINDEX, c->seen_ref);
    lua_rawgeti(to, LUA_REGISTRYINDEX, c->upvals_ref);
    lua_rawgeti(to, LUA_REGISTRYINDEX, c->known_ref);
}

static int run_begin(lua_State *to)
{
    struct lcarry *c = session_of(to);
    lua_settop(to, S_SESSION);
    for (int i = 0; i < 3; i++) lua_newtable(to);
    lua_pushvalue(to, S_SEEN);
    c->seen_ref = luaL_ref(to, LUA_REGISTRYINDEX);
    lua_pushvalue(to, S_UPVALS);
    c->upvals_ref = luaL_ref(to, LUA_REGISTRYINDEX);
    lua_pushvalue(to, S_KNOWN);
    c->known_ref = luaL_ref(to, LUA_REGISTRYINDEX);
    index_globals(to, c->from);
    return 0;
}

static int run_push(lua_State *to)
{
    struct lcarry *c = session_of(to);
    push_session(to, c);
    copy(to, c->idx, 0);
    return 1;
}

static int call(struct lcarry *c, lua_CFunction fn, int nresults, char *err, size_t errsz)
{
    char none[1];
    if (!err || !errsz) err = none, errsz = sizeof none;
    err[0] = 0;
    c->err = err;
    c->errsz = errsz;
    c->upvalue = NULL;
    if (!lua_checkstack(c->to, 8)) {
        snprintf(err, errsz, "out of Lua stack");
        return -1;
    }
    int top = lua_gettop(c->from);
    lua_pushcfunction(c->to, fn);
    lua_pushlightuserdata(c->to, c);
    int rc = lua_pcall(c->to, 1, nresults, 0);
    lua_settop(c->from, top);
    c->err = NULL;
    c->errsz = 0;
    if (rc == LUA_OK) return 0;
    if (!err[0]) {
        const char *m = lua_tostring(c->to, -1);
        snprintf(err, errsz, "%s", rc == LUA_ERRMEM ? "memory limit exceeded" : m ? m : "error");
    }
    lua_pop(c->to, 1);
    return -1;
}

int lcarry_begin(struct lcarry *c, lua_State *from, lua_State *to, lcarry_userdata_fn map,
                 void *ud, char *err, size_t errsz)
{
    *c = (struct lcarry){.from = from, .to = to, .map = map, .map_ud = ud};
    c->seen_ref = c->upvals_ref = c->known_ref = LUA_NOREF;
    c->gc_was_running = lua_gc(to, LUA_GCISRUNNING);
    lua_gc(to, LUA_GCSTOP);
    c->active = true;
    if (call(c, run_begin, 0, err, errsz) < 0) {
        lcarry_end(c);
        return -1;
    }
    return 0;
}

int lcarry_push(struct lcarry *c, int idx, char *err, size_t errsz)
{
    c->idx = lua_absindex(c->from, idx);
    return call(c, run_push, 1, err, errsz);
}

void lcarry_end(struct lcarry *c)
{
    if (!c->active) return;
    luaL_unref(c->to, LUA_REGISTRYINDEX, c->seen_ref);
    luaL_unref(c->to, LUA_REGISTRYINDEX, c->upvals_ref);
    luaL_unref(c->to, LUA_REGISTRYINDEX, c->known_ref);
    if (c->gc_was_running) lua_gc(c->to, LUA_GCRESTART);
    c->active = false;
}

int lcarry(lua_State *from, int idx, lua_State *to, char *err, size_t errsz)
{
    struct lcarry c;
    if (lcarry_begin(&c, from, to, NULL, NULL, err, errsz) < 0) return -1;
    int rc = lcarry_push(&c, idx, err, errsz);
    lcarry_end(&c);
    return rc;
}
