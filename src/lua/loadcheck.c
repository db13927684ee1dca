/* Every error of a rule file at load, not just the first (SPEC 2.5): while a file loads, a
 * public API call that fails records its error with the rule's line and returns a harmless
 * stand-in, so the file runs on and the next mistake is found too. Also the toolkit's load-time
 * warnings (T.warn) and --check's trial of body functions on a sample day (T.sample_body). */
#include "lua/internal.h"

#include <stdio.h>
#include <string.h>

#include "lua/sandbox.h"

/* Largest table argument looked through for a stand-in: a long gesture pool is not worth
 * walking on every call. */
#define STANDIN_SCAN_MAX 256
/* Errors one file records before its run stops (a file with more has a deeper problem). */
#define LOAD_ERRORS_MAX 30

/* Whether the stand-in a failed call returned is among the arguments (or a field of a table
 * argument): the mistake is already reported, the call would only fail again because of it. */
static bool has_standin(lua_State *L, const struct ruleset *rs, int n)
{
    for (int i = 1; i <= n; i++) {
        int t = lua_type(L, i);
        if (t == LUA_TUSERDATA && lua_touserdata(L, i) == rs->dummy) return true;
        if (t != LUA_TTABLE || !lua_checkstack(L, 3)) continue;
        int seen = 0;
        lua_pushnil(L);
        while (lua_next(L, i)) {
            bool is = lua_type(L, -1) == LUA_TUSERDATA && lua_touserdata(L, -1) == rs->dummy;
            lua_pop(L, 1);
            if (is || ++seen == STANDIN_SCAN_MAX) {
                lua_pop(L, 1);
                if (is) return true;
                break;
            }
        }
    }
    return false;
}

/* Whether message m starts with a "file:line: " position (the caller's `where`, or one like
 * it from deeper down). */
static bool has_position(const char *m, const char *where)
{
    if (*where && !strncmp(m, where, strlen(where))) return true;
    const char *sep = strstr(m, ": ");
    if (!sep || sep == m) return false;
    const char *d = sep;
    while (d > m && d[-1] >= '0' && d[-1] <= '9') d--;
    if (d == sep || d == m || d[-1] != ':') return false;
    for (const char *c = m; c < d; c++)
        if (*c == ' ') return false;
    return true;
}

/* A failed call may be recorded and the file go on only while the files load, and only when
 * every frame from the caller up to the file's top level is rule code: a pcall, the prelude
 * or a C function in between expects the error, as it always did. */
static bool may_go_on(lua_State *L, const struct ruleset *rs)
{
    if (!rs->loading || !rs->load_errs || rs->sampling) return false;
    lua_Debug ar;
    int level = 1;
    for (; lua_getstack(L, level, &ar); level++) {
        if (!lua_getinfo(L, "S", &ar) || *ar.what == 'C') return false;
        if (!strncmp(ar.source, "@prelude/", 9)) return false;
    }
    return level > 1;
}

/* A public API function (upvalue 1) under its name (upvalue 2). Errors keep the rule's
 * file:line and function name they had unwrapped; while a file loads they are recorded and a
 * stand-in returned. */
static int guard(lua_State *L)
{
    struct ruleset *rs = ruleset_of(L);
    int n = lua_gettop(L);
    if (rs->dummy && has_standin(L, rs, n)) {
        lua_rawgeti(L, LUA_REGISTRYINDEX, rs->dummy_ref);
        return 1;
    }
    luaL_checkstack(L, 8, NULL);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    int rc = lua_pcall(L, n, LUA_MULTRET, 0);
    if (rc == LUA_OK) return lua_gettop(L);
    /* Limits end the file's run; an error object that is not text is the rule's own. */
    if (rc == LUA_ERRMEM || sandbox_stopped(L) || lua_type(L, -1) != LUA_TSTRING)
        return lua_error(L);
    /* Unwrapped, luaL_error's level 1 was the rule and luaL_argerror knew the name; here
     * level 1 is this function, so both are put back. */
    luaL_where(L, 1);
    const char *where = lua_tostring(L, -1);
    if (!has_position(lua_tostring(L, -2), where)) {
        lua_insert(L, -2);
        lua_concat(L, 2);
    } else {
        lua_pop(L, 1);
    }
    if (strstr(lua_tostring(L, -1), " to '?' (")) {
        lua_pushfstring(L, " to '%s' (", lua_tostring(L, lua_upvalueindex(2)));
        luaL_gsub(L, lua_tostring(L, -2), " to '?' (", lua_tostring(L, -1));
        lua_replace(L, -3);
        lua_pop(L, 1);
    }
    if (!may_go_on(L, rs)) return lua_error(L);
    char msg[2048];
    snprintf(msg, sizeof msg, "%s", lua_tostring(L, -1));
    lconv_unshorten(rs, msg, sizeof msg);
    /* A loop that fails the same way each time is one mistake; past LOAD_ERRORS_MAX the file
     * stops here, with this error last. */
    size_t mine = rs->load_errs->n - rs->load_errs_from;
    for (size_t i = rs->load_errs_from; i < rs->load_errs->n; i++)
        if (!strcmp(rs->load_errs->v[i], msg)) goto standin;
    if (mine >= LOAD_ERRORS_MAX) return lua_error(L);
    strlist_add(rs->load_errs, "%s", msg);
standin:
    lua_rawgeti(L, LUA_REGISTRYINDEX, rs->dummy_ref);
    return 1;
}

/* ---- the stand-in: every use of it gives itself back, so `h:cancel()`, `t + 3600` or
 * `"x" .. t` on the result of a failed call do not stop the file with a second, confusing
 * error. ---- */

static int standin_self(lua_State *L)
{
    lua_rawgeti(L, LUA_REGISTRYINDEX, ruleset_of(L)->dummy_ref);
    return 1;
}

static int standin_false(lua_State *L)
{
    lua_pushboolean(L, 0);
    return 1;
}

static int standin_none(lua_State *L)
{
    (void)L;
    return 0;
}

static int standin_len(lua_State *L)
{
    lua_pushinteger(L, 0);
    return 1;
}

static int standin_tostring(lua_State *L)
{
    lua_pushliteral(L, "(the result of a call that failed)");
    return 1;
}

static void make_standin(lua_State *L, struct ruleset *rs)
{
    rs->dummy = lua_newuserdatauv(L, 1, 0);
    lua_createtable(L, 0, 24);
    static const char *const self_events[] = {
        "__index", "__call", "__add",  "__sub",  "__mul", "__div", "__mod",  "__pow", "__unm",
        "__idiv",  "__band", "__bor",  "__bxor", "__shl", "__shr", "__bnot", "__concat",
    };
    for (size_t i = 0; i < sizeof self_events / sizeof *self_events; i++) {
        lua_pushcfunction(L, standin_self);
        lua_setfield(L, -2, self_events[i]);
    }
    lua_pushcfunction(L, standin_false);
    lua_setfield(L, -2, "__lt");
    lua_pushcfunction(L, standin_false);
    lua_setfield(L, -2, "__le");
    lua_pushcfunction(L, standin_none);
    lua_setfield(L, -2, "__newindex");
    lua_pushcfunction(L, standin_len);
    lua_setfield(L, -2, "__len");
    lua_pushcfunction(L, standin_tostring);
    lua_setfield(L, -2, "__tostring");
    lua_pushliteral(L, "failed call");
    lua_setfield(L, -2, "__name");
    lua_pushboolean(L, 0); /* getmetatable() gives false: the rules cannot change it */
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -2);
    rs->dummy_ref = luaL_ref(L, LUA_REGISTRYINDEX);
}

/* Wraps (wrap) or unwraps each function of the table on top whose name does not start with
 * "_" (the toolkit's internals are no API). `prefix` names them in messages. */
static void guard_table(lua_State *L, bool wrap, const char *prefix)
{
    int t = lua_gettop(L);
    lua_pushnil(L);
    while (lua_next(L, t)) {
        const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;
        if (k && *k != '_' && lua_type(L, -1) == LUA_TFUNCTION) {
            bool guarded = lua_tocfunction(L, -1) == guard;
            if (wrap && !guarded) {
                lua_pushvalue(L, -2);
                lua_pushvalue(L, -2);
                lua_pushfstring(L, "%s%s", prefix, k);
                lua_pushcclosure(L, guard, 2);
                lua_rawset(L, t); /* an existing key: allowed while traversing */
            } else if (!wrap && guarded) {
                lua_pushvalue(L, -2);
                lua_getupvalue(L, -2, 1);
                lua_rawset(L, t);
            }
        }
        lua_pop(L, 1);
    }
}

static void guard_api(lua_State *L, struct ruleset *rs, bool wrap)
{
    lua_rawgeti(L, LUA_REGISTRYINDEX, rs->nudge_ref);
    guard_table(L, wrap, "");
    /* Raw: a rule may have removed store, and nudge's __index raises for unknown names. */
    lua_pushliteral(L, "store");
    if (lua_rawget(L, -2) == LUA_TTABLE) guard_table(L, wrap, "store.");
    lua_pop(L, 2);
}

bool loadcheck_record(lua_State *L, const char *msg)
{
    struct ruleset *rs = ruleset_of(L);
    if (!rs->loading || !rs->load_errs || rs->sampling || rs->dummy_ref == LUA_NOREF) return false;
    /* Past the frames that raise for the rule (C, the prelude), every frame up to the top
     * level must be rule code, as in may_go_on(). */
    lua_Debug ar;
    char where[4200] = "";
    for (int level = 1; lua_getstack(L, level, &ar); level++) {
        if (!lua_getinfo(L, "Sl", &ar)) return false;
        bool rule = *ar.what != 'C' && strncmp(ar.source, "@prelude/", 9) != 0;
        if (!*where) {
            if (rule)
                snprintf(where, sizeof where, "%s:%d",
                         ar.source[0] == '@' ? ar.source + 1 : ar.short_src, ar.currentline);
        } else if (!rule) {
            return false;
        }
    }
    if (!*where) return false;
    char line[4600];
    snprintf(line, sizeof line, "%s: %s", where, msg);
    for (size_t i = rs->load_errs_from; i < rs->load_errs->n; i++)
        if (!strcmp(rs->load_errs->v[i], line)) goto standin;
    if (rs->load_errs->n - rs->load_errs_from >= LOAD_ERRORS_MAX) return false;
    strlist_add(rs->load_errs, "%s", line);
standin:
    lua_rawgeti(L, LUA_REGISTRYINDEX, rs->dummy_ref);
    return true;
}

/* T.record_error(message) -> the stand-in, when the error is recorded at the rule's line and
 * the file may go on (see loadcheck_record); else nothing, and the caller raises it. */
static int t_record_error(lua_State *L)
{
    return loadcheck_record(L, luaL_checkstring(L, 1)) ? 1 : 0;
}

/* T.warn(message): a load-time warning at the rule's line ("file:line: message"). Only while
 * the files load: the warning list is the loader's. */
static int t_warn(lua_State *L)
{
    struct ruleset *rs = ruleset_of(L);
    const char *m = luaL_checkstring(L, 1);
    if (!rs->loading || !rs->warnings) return 0;
    char where[4200];
    lconv_where(L, where, sizeof where);
    strlist_add(rs->warnings, "%s: %s", where, m);
    return 0;
}

/* T.sample_body(fn [, extra]): --check tries fn once the file has loaded, with the sample
 * context and extra's fields ({question = ...}, {milestone = ...}). Elsewhere nothing. */
static int t_sample_body(lua_State *L)
{
    struct ruleset *rs = ruleset_of(L);
    luaL_checktype(L, 1, LUA_TFUNCTION);
    if (!rs->check_bodies || !rs->loading || rs->samples_ref == LUA_NOREF) return 0;
    lua_settop(L, 2);
    lua_rawgeti(L, LUA_REGISTRYINDEX, rs->samples_ref);
    lua_createtable(L, 2, 0);
    lua_pushvalue(L, 1);
    lua_rawseti(L, -2, 1);
    lua_pushvalue(L, 2);
    lua_rawseti(L, -2, 2);
    lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
    return 0;
}

int loadcheck_open(lua_State *L)
{
    struct ruleset *rs = lua_touserdata(L, 1);
    lua_settop(L, 0);
    make_standin(L, rs);
    lua_newtable(L);
    rs->samples_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_rawgeti(L, LUA_REGISTRYINDEX, rs->nudge_ref);
    if (lua_getfield(L, -1, "_toolkit") != LUA_TTABLE) return luaL_error(L, "nudge._toolkit is missing");
    lua_pushcfunction(L, t_warn);
    lua_setfield(L, -2, "warn");
    lua_pushcfunction(L, t_sample_body);
    lua_setfield(L, -2, "sample_body");
    lua_pushcfunction(L, t_record_error);
    lua_setfield(L, -2, "record_error");
    lua_pop(L, 2);
    guard_api(L, rs, true);
    return 0;
}

static int close_body(lua_State *L)
{
    guard_api(L, lua_touserdata(L, 1), false);
    return 0;
}

void loadcheck_close(struct ruleset *rs)
{
    char err[256];
    /* Failing (out of memory) leaves the wrappers, which then only pass errors up. */
    lcall_protected(rs, close_body, rs, err, sizeof err);
}

/* Pushes the sample context: a day well into the repair, in the first phase. */
static void push_sample(lua_State *L, const struct ruleset *rs, int extra)
{
    lua_createtable(L, 0, 8);
    lua_pushinteger(L, 12);
    lua_setfield(L, -2, "days");
    lua_pushinteger(L, 3);
    lua_setfield(L, -2, "streak");
    lua_pushinteger(L, 1);
    lua_setfield(L, -2, "kept");
    lua_pushinteger(L, 2);
    lua_setfield(L, -2, "promised");
    lua_pushstring(L, rs->phases.v[0].label);
    lua_setfield(L, -2, "phase");
    lua_pushstring(L, rs->phases.v[0].name);
    lua_setfield(L, -2, "phase_name");
    if (lua_type(L, extra) == LUA_TTABLE) {
        lua_pushnil(L);
        while (lua_next(L, extra)) {
            lua_pushvalue(L, -2);
            lua_insert(L, -2);
            lua_rawset(L, -4);
        }
    }
}

struct samples_args {
    struct ruleset *rs;
    struct strlist *errs;
};

static int run_samples_body(lua_State *L)
{
    struct samples_args *a = lua_touserdata(L, 1);
    struct ruleset *rs = a->rs;
    lua_settop(L, 0);
    lua_rawgeti(L, LUA_REGISTRYINDEX, rs->samples_ref);
    lua_newtable(L); /* the next file starts with none */
    lua_rawseti(L, LUA_REGISTRYINDEX, rs->samples_ref);
    lua_Integer n = (lua_Integer)lua_rawlen(L, 1);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_settop(L, 1);
        lua_rawgeti(L, 1, i);
        lua_rawgeti(L, 2, 1); /* 3: the function */
        lua_rawgeti(L, 2, 2); /* 4: extra fields */
        lua_Debug ar;
        lua_pushvalue(L, 3);
        lua_getinfo(L, ">S", &ar);
        char where[4200];
        snprintf(where, sizeof where, "%s:%d", ar.source[0] == '@' ? ar.source + 1 : ar.short_src,
                 ar.linedefined);
        lua_pushvalue(L, 3);
        push_sample(L, rs, 4);
        /* The sample as the message shows it: what ctx holds, extra fields included. */
        char sample[512];
        int k = snprintf(sample, sizeof sample,
                         "days = 12, streak = 3, phase = \"%s\", kept = 1, promised = 2",
                         rs->phases.v[0].label);
        if (lua_type(L, 4) == LUA_TTABLE) {
            lua_pushnil(L);
            while (lua_next(L, 4)) {
                if (k > 0 && (size_t)k < sizeof sample && lua_type(L, -2) == LUA_TSTRING &&
                    lua_type(L, -1) == LUA_TSTRING)
                    k += snprintf(sample + k, sizeof sample - (size_t)k, ", %s = \"%s\"",
                                  lua_tostring(L, -2), lua_tostring(L, -1));
                lua_pop(L, 1);
            }
        }
        char msg[2048];
        rs->sampling = true;
        int rc = sandbox_pcall(L, 1, 1, msg, sizeof msg, NULL, 0);
        rs->sampling = false;
        if (rc < 0) {
            lconv_unshorten(rs, msg, sizeof msg);
            strlist_add(a->errs,
                        "%s: this body function stopped with an error when tried on a sample day "
                        "(%s): %s",
                        where, sample, msg);
        } else if (!lua_isnil(L, -1) && lua_type(L, -1) != LUA_TSTRING) {
            strlist_add(a->errs,
                        "%s: this body function returned a %s; it must return the text to show "
                        "(a string, like \"Day \" .. ctx.days)",
                        where, luaL_typename(L, -1));
        }
    }
    return 0;
}

void loadcheck_run_samples(struct ruleset *rs, struct strlist *errs)
{
    if (!rs->check_bodies || rs->samples_ref == LUA_NOREF) return;
    struct samples_args a = {rs, errs};
    char err[512];
    if (lcall_protected(rs, run_samples_body, &a, err, sizeof err) < 0)
        strlist_add(errs, "trying the body functions: %s", err);
}
