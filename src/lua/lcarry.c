#include "lua/lcarry.h"

#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEPTH_MAX 64

/* The copy runs as a protected call in `to` (its allocations may hit the memory cap). These
 * stack slots of that call hold the bookkeeping. */
enum { S_JOB = 1, S_SEEN, S_UPVALS, S_KNOWN, S_TOP = S_KNOWN };

struct job {
    lua_State *from;
    int idx;
    char *err;
    size_t errsz;
    const char *upvalue; /* the upvalue being carried, for messages */
    lcarry_userdata_fn map;
    void *map_ud;
};

static struct job *job_of(lua_State *to)
{
    return lua_touserdata(to, S_JOB);
}

static int refuse(lua_State *to, const char *what)
{
    struct job *j = job_of(to);
    if (j->upvalue)
        snprintf(j->err, j->errsz, "its function uses '%s', which holds %s", j->upvalue, what);
    else
        snprintf(j->err, j->errsz, "it is %s", what);
    return luaL_error(to, "%s", j->err);
}

/* known[pointer] = "name" or "name.field" for every table and function `from` reaches through
 * its globals (and one level into global tables), "" for the globals table itself. */
static void index_globals(lua_State *to, lua_State *from)
{
    if (!lua_checkstack(from, 6)) luaL_error(to, "out of Lua stack");
    lua_rawgeti(from, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
    int g = lua_gettop(from);
    lua_pushlightuserdata(to, (void *)lua_topointer(from, g));
    lua_pushliteral(to, "");
    lua_rawset(to, S_KNOWN);
    lua_pushnil(from);
    while (lua_next(from, g)) {
        int t = lua_type(from, -1);
        if (lua_type(from, -2) == LUA_TSTRING && (t == LUA_TTABLE || t == LUA_TFUNCTION)) {
            const char *k = lua_tostring(from, -2);
            lua_pushlightuserdata(to, (void *)lua_topointer(from, -1));
            if (lua_rawget(to, S_KNOWN) == LUA_TNIL) {
                lua_pushlightuserdata(to, (void *)lua_topointer(from, -1));
                lua_pushstring(to, k);
                lua_rawset(to, S_KNOWN);
            }
            lua_pop(to, 1);
            if (t == LUA_TTABLE && lua_topointer(from, -1) != lua_topointer(from, g)) {
                int sub = lua_gettop(from);
                lua_pushnil(from);
                while (lua_next(from, sub)) {
                    int t2 = lua_type(from, -1);
                    if (lua_type(from, -2) == LUA_TSTRING && (t2 == LUA_TTABLE || t2 == LUA_TFUNCTION)) {
                        lua_pushlightuserdata(to, (void *)lua_topointer(from, -1));
                        if (lua_rawget(to, S_KNOWN) == LUA_TNIL) {
                            lua_pushlightuserdata(to, (void *)lua_topointer(from, -1));
                            lua_pushfstring(to, "%s.%s", k, lua_tostring(from, -2));
                            lua_rawset(to, S_KNOWN);
                        }
                        lua_pop(to, 1);
                    }
                    lua_pop(from, 1);
                }
            }
        }
        lua_pop(from, 1);
    }
    lua_pop(from, 1);
}

/* Pushes the value `path` names in to's globals; false (pushing nothing) when it has none. */
static int resolve(lua_State *to, const char *path)
{
    lua_rawgeti(to, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
    if (!*path) return 1;
    const char *dot = strchr(path, '.');
    lua_pushlstring(to, path, dot ? (size_t)(dot - path) : strlen(path));
    lua_rawget(to, -2);
    lua_remove(to, -2);
    if (dot) {
        if (!lua_istable(to, -1)) {
            lua_pop(to, 1);
            return 0;
        }
        lua_pushstring(to, dot + 1);
        lua_rawget(to, -2);
        lua_remove(to, -2);
    }
    if (lua_isnil(to, -1)) {
        lua_pop(to, 1);
        return 0;
    }
    return 1;
}

struct dump {
    char *buf;
    size_t len, cap;
};

static int dump_writer(lua_State *L, const void *p, size_t sz, void *ud)
{
    (void)L;
    struct dump *d = ud;
    if (d->cap - d->len < sz) {
        size_t cap = d->cap ? d->cap : 1024;
        while (cap - d->len < sz) cap *= 2;
        char *b = realloc(d->buf, cap);
        if (!b) return 1;
        d->buf = b;
        d->cap = cap;
    }
    memcpy(d->buf + d->len, p, sz);
    d->len += sz;
    return 0;
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
    /* Bytecode of our own compiler, dumped with its debug information so errors and
     * tracebacks still say "rules.lua:14:". */
    struct dump d = {0};
    lua_pushvalue(from, idx);
    int bad = lua_dump(from, dump_writer, &d, 0);
    lua_pop(from, 1);
    if (bad) {
        free(d.buf);
        luaL_error(to, "not enough memory");
    }
    int rc = luaL_loadbufferx(to, d.buf, d.len, "=carried", "b");
    free(d.buf);
    if (rc != LUA_OK) lua_error(to);
    remember(to, from, idx);
    int f = lua_gettop(to);
    struct job *j = job_of(to);
    for (int i = 1;; i++) {
        const char *name = lua_getupvalue(from, idx, i);
        if (!name) break;
        void *id = lua_upvalueid(from, idx, i);
        lua_pushlightuserdata(to, id);
        if (lua_rawget(to, S_UPVALS) == LUA_TTABLE) {
            /* Shared with a function carried before: share it here too. */
            lua_rawgeti(to, -1, 1);
            lua_rawgeti(to, -2, 2);
            lua_upvaluejoin(to, f, i, -2, (int)lua_tointeger(to, -1));
            lua_pop(to, 3);
        } else {
            lua_pop(to, 1);
            const char *outer = j->upvalue;
            j->upvalue = *name ? name : "?";
            copy(to, lua_gettop(from), depth + 1);
            j->upvalue = outer;
            lua_setupvalue(to, f, i);
            lua_pushlightuserdata(to, id);
            lua_createtable(to, 2, 0);
            lua_pushvalue(to, f);
            lua_rawseti(to, -2, 1);
            lua_pushinteger(to, i);
            lua_rawseti(to, -2, 2);
            lua_rawset(to, S_UPVALS);
        }
        lua_pop(from, 1);
    }
}

static void copy(lua_State *to, int idx, int depth)
{
    lua_State *from = job_of(to)->from;
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
        break;
    case LUA_TUSERDATA: {
        struct job *j = job_of(to);
        if (j->map && j->map(j->map_ud, from, idx, to)) return;
        const char *name = NULL;
        if (lua_getmetatable(from, idx)) {
            lua_getfield(from, -1, "__name");
            name = lua_tostring(from, -1);
            lua_pop(from, 2);
        }
        refuse(to, name && strstr(name, "reminder") ? "a reminder handle" : "a userdata");
        return;
    }
    default:
        refuse(to, t == LUA_TTHREAD ? "a coroutine" : "a value of an unknown kind");
        return;
    }
    lua_pushlightuserdata(to, (void *)lua_topointer(from, idx));
    if (lua_rawget(to, S_SEEN) != LUA_TNIL) return;
    lua_pop(to, 1);
    lua_pushlightuserdata(to, (void *)lua_topointer(from, idx));
    if (lua_rawget(to, S_KNOWN) == LUA_TSTRING) {
        const char *path = lua_tostring(to, -1);
        int found = resolve(to, path);
        lua_remove(to, found ? -2 : -1);
        if (found) return;
    } else {
        lua_pop(to, 1);
    }
    if (t == LUA_TTABLE)
        copy_table(to, from, idx, depth);
    else
        copy_function(to, from, idx, depth);
}

static int run(lua_State *to)
{
    struct job *j = job_of(to);
    lua_settop(to, S_JOB);
    lua_newtable(to); /* S_SEEN */
    lua_newtable(to); /* S_UPVALS */
    lua_newtable(to); /* S_KNOWN */
    index_globals(to, j->from);
    copy(to, j->idx, 0);
    return 1;
}

int lcarry(lua_State *from, int idx, lua_State *to, char *err, size_t errsz)
{
    return lcarry_with(from, idx, to, NULL, NULL, err, errsz);
}

int lcarry_with(lua_State *from, int idx, lua_State *to, lcarry_userdata_fn map, void *ud,
                char *err, size_t errsz)
{
    struct job j = {from, lua_absindex(from, idx), err, errsz, NULL, map, ud};
    if (errsz) err[0] = 0;
    if (!lua_checkstack(to, 4)) {
        snprintf(err, errsz, "out of Lua stack");
        return -1;
    }
    lua_pushcfunction(to, run);
    lua_pushlightuserdata(to, &j);
    int top = lua_gettop(from);
    int rc = lua_pcall(to, 1, 1, 0);
    lua_settop(from, top);
    if (rc == LUA_OK) return 0;
    if (!err[0]) {
        const char *m = lua_tostring(to, -1);
        snprintf(err, errsz, "%s", rc == LUA_ERRMEM ? "memory limit exceeded" : m ? m : "error");
    }
    lua_pop(to, 1);
    return -1;
}
