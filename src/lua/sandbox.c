#include "lua/sandbox.h"

#include <lauxlib.h>
#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Largest string a rule may build with string.rep: larger ones are almost always a bug or a
 * memory bomb, and the C function would run unbounded before the allocator could refuse. */
#define REP_MAX ((size_t)16 << 20)
/* Largest subject for pattern functions: matching runs in C, out of reach of the count hook. */
#define PATTERN_SUBJECT_MAX ((size_t)1 << 20)

struct sbox {
    size_t used, limit;
    bool limit_on;
    long long budget;  /* instructions per callback */
    long long spent;   /* in the current callback */
    bool exhausted;    /* the budget ran out: keep raising until the callback unwinds */
    lua_State *L;      /* the main thread, to say where the memory cap was hit */
    char cap_where[256];
    char spent_where[256]; /* "file:line: " where the budget ran out */
};

#define HOOK_STEP 1000

static struct sbox *sbox_of(lua_State *L)
{
    void *ud;
    lua_getallocf(L, &ud);
    return ud;
}

/* "file:line: " of the innermost Lua function on the main thread (reading debug info does
 * not allocate, so this is safe inside the allocator). */
static void note_cap_where(struct sbox *b)
{
    lua_Debug ar;
    b->cap_where[0] = 0;
    for (int level = 0; b->L && level < 4 && lua_getstack(b->L, level, &ar); level++) {
        if (lua_getinfo(b->L, "Sl", &ar) && ar.currentline > 0) {
            snprintf(b->cap_where, sizeof b->cap_where, "%s:%d: ", ar.short_src, ar.currentline);
            return;
        }
    }
}

static void *alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    struct sbox *b = ud;
    size_t old = ptr ? osize : 0;
    if (nsize == 0) {
        free(ptr);
        b->used -= old;
        return NULL;
    }
    if (b->limit_on && b->limit && nsize > old && b->used - old + nsize > b->limit) {
        /* A memory error skips the message handler, so remember the rule's line here. */
        note_cap_where(b);
        return NULL;
    }
    void *p = realloc(ptr, nsize);
    if (!p) return NULL;
    b->used = b->used - old + nsize;
    return p;
}

/* "file:line: " of the innermost Lua function on thread L, or "". */
static void note_where(lua_State *L, char *out, size_t outsz)
{
    lua_Debug ar;
    out[0] = 0;
    for (int level = 0; level < 4 && lua_getstack(L, level, &ar); level++)
        if (lua_getinfo(L, "Sl", &ar) && ar.currentline > 0) {
            snprintf(out, outsz, "%s:%d: ", ar.short_src, ar.currentline);
            return;
        }
}

static void hook(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    struct sbox *b = sbox_of(L);
    if (!b->exhausted) {
        if (lua_gethookcount(L) != HOOK_STEP) {
            /* A coroutine made while a budget was exhausted inherited the every-instruction
             * hook: put it back to counting steps, or it would bill 1000x too much. */
            lua_sethook(L, hook, LUA_MASKCOUNT, HOOK_STEP);
            return;
        }
        b->spent += HOOK_STEP;
        if (b->budget <= 0 || b->spent <= b->budget) return;
        b->exhausted = true;
        note_where(L, b->spent_where, sizeof b->spent_where);
        /* From now on fire on every instruction and line, so a rule's own pcall that catches
         * the error cannot run on: the next instruction raises again. */
        lua_sethook(L, hook, LUA_MASKCOUNT | LUA_MASKLINE, 1);
    }
    /* Level 0 inside a hook is the Lua function running, so the message gets its file:line
     * (luaL_error would name the caller's). lua_pushfstring knows %I, not %lld. */
    luaL_where(L, 0);
    lua_pushfstring(L, "instruction budget exceeded (%I instructions)", (lua_Integer)b->budget);
    lua_concat(L, 2);
    lua_error(L);
}

/* ---- restricted library functions ---- */

/* C work a rule asks for (building a long string, scanning a long subject) counts against the
 * instruction budget too, or one VM instruction could buy megabytes of memcpy in a loop. */
#define BYTES_PER_INSTRUCTION 16

static void charge(lua_State *L, size_t bytes)
{
    struct sbox *b = sbox_of(L);
    if (lua_gethook(L) != hook || b->budget <= 0 || b->exhausted) return; /* not in a callback */
    b->spent += (long long)(bytes / BYTES_PER_INSTRUCTION);
    if (b->spent <= b->budget) return;
    b->exhausted = true;
    note_where(L, b->spent_where, sizeof b->spent_where);
    lua_sethook(L, hook, LUA_MASKCOUNT | LUA_MASKLINE, 1);
    luaL_error(L, "instruction budget exceeded (%I instructions)", (lua_Integer)b->budget);
}

static int l_rep(lua_State *L)
{
    size_t l;
    luaL_checklstring(L, 1, &l);
    lua_Integer n = luaL_checkinteger(L, 2);
    size_t lsep = 0;
    if (!lua_isnoneornil(L, 3)) luaL_checklstring(L, 3, &lsep);
    if (n > 0 && (l + lsep) > 0 && (size_t)n > REP_MAX / (l + lsep))
        return luaL_error(L, "string.rep result too large (limit %d MiB)", (int)(REP_MAX >> 20));
    if (n > 0) charge(L, (size_t)n * (l + lsep));
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 1);
    return 1;
}

/* Worst-case steps of Lua's backtracking matcher, roughly: every start position (unless
 * anchored) times the subject length per unbounded repetition (*, +, -, %b) times two per
 * optional item (?). The matcher runs in C where the count hook cannot stop it, so a pattern
 * whose worst case is too large for its subject is refused before it runs. */
static double pattern_cost(const char *p, size_t plen, size_t n)
{
    const char *end = p + plen;
    double cost = 1, len = (double)n + 1;
    if (p < end && *p == '^')
        p++;
    else
        cost = len;
    while (p < end) {
        if (*p == '%') {
            if (p + 1 < end && p[1] == 'b') {
                cost *= len; /* a balanced match scans ahead */
                p += 4;
                continue;
            }
            if (p + 1 < end && p[1] == 'f') {
                p += 2;
                if (p < end && *p == '[') goto set;
                continue;
            }
            p += 2;
        } else if (*p == '[') {
        set:
            p++;
            if (p < end && *p == '^') p++;
            do { /* the first ']' is literal */
                if (p < end && *p == '%') p++;
                if (p < end) p++;
            } while (p < end && *p != ']');
            if (p < end) p++;
        } else if (*p == '(' || *p == ')') {
            p++;
            continue;
        } else {
            p++;
        }
        if (p < end && (*p == '*' || *p == '+' || *p == '-')) {
            cost *= len;
            p++;
        } else if (p < end && *p == '?') {
            cost *= 2;
            p++;
        }
        if (cost > 1e300) break;
    }
    return cost;
}

#define PATTERN_COST_MAX 2e8

static int l_pattern(lua_State *L)
{
    size_t l, pl;
    luaL_checklstring(L, 1, &l);
    if (l > PATTERN_SUBJECT_MAX)
        return luaL_error(L, "pattern subject too long (%I bytes, limit %I)", (lua_Integer)l,
                          (lua_Integer)PATTERN_SUBJECT_MAX);
    const char *pat = luaL_checklstring(L, 2, &pl);
    /* string.find(s, p, init, true) is a plain search: linear. */
    bool plain = lua_toboolean(L, lua_upvalueindex(2)) && lua_toboolean(L, 4);
    if (!plain && pattern_cost(pat, pl, l) > PATTERN_COST_MAX)
        return luaL_error(L, "pattern \"%s\" could take too long on a %I-byte subject: "
                             "simplify the pattern or shorten the subject",
                          pat, (lua_Integer)l);
    charge(L, l);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
    return lua_gettop(L);
}

/* load() of text only: binary chunks can crash the VM. */
static int l_load(lua_State *L)
{
    int n = lua_gettop(L);
    if (n < 1) return luaL_error(L, "bad argument #1 to 'load' (value expected)");
    lua_settop(L, 4);
    lua_pushliteral(L, "t");
    lua_replace(L, 3);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, 4, LUA_MULTRET);
    return lua_gettop(L);
}

static int l_collectgarbage(lua_State *L)
{
    const char *opt = luaL_optstring(L, 1, "collect");
    if (strcmp(opt, "count") && strcmp(opt, "collect") && strcmp(opt, "step"))
        return luaL_error(L, "collectgarbage(\"%s\") is not available to rules", opt);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
    return lua_gettop(L);
}

/* Last resort: a Lua error outside any protected call is a bug in nudged (every entry from C
 * goes through one), and Lua aborts after this returns. Say so clearly in the log first. */
static int panic(lua_State *L)
{
    const char *m = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "(not a string)";
    fprintf(stderr, "nudged: Lua error outside a protected call (a bug in nudged, please report "
                    "it): %s\n", m);
    fflush(stderr);
    return 0;
}

static int undefined_global(lua_State *L)
{
    if (lua_type(L, 2) == LUA_TSTRING)
        return luaL_error(L, "undefined global '%s'", lua_tostring(L, 2));
    return luaL_error(L, "undefined global");
}

/* Replaces lib[name] by a C closure over the original function. */
static void wrap(lua_State *L, const char *lib, const char *name, lua_CFunction f)
{
    if (lib) {
        lua_getglobal(L, lib);
    } else {
        lua_pushglobaltable(L);
    }
    lua_getfield(L, -1, name);
    lua_pushcclosure(L, f, 1);
    lua_setfield(L, -2, name);
    lua_pop(L, 1);
}

lua_State *sandbox_new(void)
{
    struct sbox *b = calloc(1, sizeof *b);
    if (!b) return NULL;
    b->budget = SANDBOX_DEFAULT_INSTRUCTIONS;
    b->limit = SANDBOX_DEFAULT_MEMORY;
    lua_State *L = lua_newstate(alloc, b);
    if (!L) {
        free(b);
        return NULL;
    }
    lua_atpanic(L, panic);
    static const luaL_Reg libs[] = {
        {LUA_GNAME, luaopen_base},         {LUA_STRLIBNAME, luaopen_string},
        {LUA_TABLIBNAME, luaopen_table},   {LUA_MATHLIBNAME, luaopen_math},
        {LUA_UTF8LIBNAME, luaopen_utf8},   {LUA_OSLIBNAME, luaopen_os},
        {LUA_COLIBNAME, luaopen_coroutine}, {NULL, NULL},
    };
    for (const luaL_Reg *l = libs; l->name; l++) {
        luaL_requiref(L, l->name, l->func, 1);
        lua_pop(L, 1);
    }
    /* Nothing that blocks the loop, ends the daemon or reaches the file system. */
    static const char *const base_drop[] = {"dofile", "loadfile", "require", NULL};
    for (const char *const *p = base_drop; *p; p++) {
        lua_pushnil(L);
        lua_setglobal(L, *p);
    }
    lua_getglobal(L, "os");
    static const char *const os_drop[] = {"execute", "exit", "remove", "rename", "tmpname",
                                          "setlocale", NULL};
    for (const char *const *p = os_drop; *p; p++) {
        lua_pushnil(L);
        lua_setfield(L, -2, *p);
    }
    lua_pop(L, 1);
    /* package.loaded must not hand out io/debug through require's back door. */
    lua_getfield(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
    static const char *const hide[] = {"io", "debug", "package", NULL};
    for (const char *const *p = hide; *p; p++) {
        lua_pushnil(L);
        lua_setfield(L, -2, *p);
    }
    lua_pop(L, 1);

    wrap(L, "string", "rep", l_rep);
    static const char *const pat[] = {"find", "match", "gmatch", "gsub", NULL};
    for (const char *const *p = pat; *p; p++) {
        /* upvalue 2: whether argument 4 means "plain" (string.find only) */
        lua_getglobal(L, "string");
        lua_getfield(L, -1, *p);
        lua_pushboolean(L, strcmp(*p, "find") == 0);
        lua_pushcclosure(L, l_pattern, 2);
        lua_setfield(L, -2, *p);
        lua_pop(L, 1);
    }
    wrap(L, NULL, "load", l_load);
    wrap(L, NULL, "collectgarbage", l_collectgarbage);

    /* Reading an undefined global is an error: it is nearly always a typo in a rule. */
    lua_pushglobaltable(L);
    lua_newtable(L);
    lua_pushcfunction(L, undefined_global);
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, -2);
    lua_pop(L, 1);

    b->L = L;
    b->limit_on = true;
    return L;
}

void sandbox_close(lua_State *L)
{
    if (!L) return;
    struct sbox *b = sbox_of(L);
    lua_close(L);
    free(b);
}

void sandbox_set_limits(lua_State *L, const struct sandbox_limits *lim)
{
    struct sbox *b = sbox_of(L);
    b->budget = lim->instructions;
    b->limit = lim->memory;
}

void sandbox_get_limits(lua_State *L, struct sandbox_limits *lim)
{
    struct sbox *b = sbox_of(L);
    lim->instructions = b->budget;
    lim->memory = b->limit;
}

size_t sandbox_memory_used(lua_State *L)
{
    return sbox_of(L)->used;
}

/* Message handler: a string message gets a traceback; other values are described without
 * calling their __tostring, which could itself fail or loop. */
static int msgh(lua_State *L)
{
    const char *msg = lua_tostring(L, 1);
    if (!msg) {
        /* No position came with it: name the innermost Lua line (level 1 is often error()). */
        lua_Debug ar;
        const char *where = "";
        for (int level = 1; lua_getstack(L, level, &ar); level++)
            if (lua_getinfo(L, "Sl", &ar) && ar.currentline > 0) {
                where = lua_pushfstring(L, "%s:%d: ", ar.short_src, ar.currentline);
                break;
            }
        if (lua_isnil(L, 1))
            msg = lua_pushfstring(L, "%serror(nil) raised", where);
        else
            msg = lua_pushfstring(L, "%s(error object is a %s value)", where, luaL_typename(L, 1));
    }
    luaL_traceback(L, L, msg, 1);
    return 1;
}

int sandbox_pcall(lua_State *L, int nargs, int nresults, char *msg, size_t msgsz, char *trace,
                  size_t tracesz)
{
    struct sbox *b = sbox_of(L);
    int base = lua_gettop(L) - nargs;
    lua_pushcfunction(L, msgh);
    lua_insert(L, base);
    b->spent = 0;
    b->exhausted = false;
    b->cap_where[0] = 0;
    b->spent_where[0] = 0;
    lua_sethook(L, hook, LUA_MASKCOUNT, HOOK_STEP);
    int rc = lua_pcall(L, nargs, nresults, base);
    lua_sethook(L, NULL, 0, 0);
    bool swallowed = rc == LUA_OK && b->exhausted;
    b->exhausted = false;
    if (swallowed) {
        /* The budget ran out in a coroutine whose resume caught the error: still a failure. */
        if (msg && msgsz)
            snprintf(msg, msgsz, "%sinstruction budget exceeded (%lld instructions)", b->spent_where,
                     b->budget);
        if (trace && tracesz) trace[0] = 0;
        lua_settop(L, base - 1);
        return -1;
    }
    if (rc == LUA_OK) {
        lua_remove(L, base);
        return 0;
    }
    const char *full = lua_tostring(L, -1);
    if (!full) full = "error in error handling";
    char mem[300];
    if (rc == LUA_ERRMEM) {
        snprintf(mem, sizeof mem, "%smemory limit exceeded", b->cap_where);
        full = mem;
    }
    /* The first line is the message, the rest the traceback. */
    size_t first = strcspn(full, "\n");
    if (msg && msgsz) snprintf(msg, msgsz, "%.*s", (int)first, full);
    if (trace && tracesz) snprintf(trace, tracesz, "%s", full[first] ? full + first + 1 : "");
    lua_settop(L, base - 1);
    return -1;
}

int sandbox_load(lua_State *L, const char *buf, size_t len, const char *name, char *msg,
                 size_t msgsz)
{
    char chunk[1024];
    snprintf(chunk, sizeof chunk, "@%s", name);
    int rc = luaL_loadbufferx(L, buf, len, chunk, "t");
    if (rc == LUA_OK) return 0;
    const char *e = lua_tostring(L, -1);
    snprintf(msg, msgsz, "%s", e ? e : (rc == LUA_ERRMEM ? "memory limit exceeded" : "cannot load"));
    lua_pop(L, 1);
    return -1;
}

static int dump_writer(lua_State *L, const void *p, size_t sz, void *ud)
{
    (void)L;
    struct {
        char *buf;
        size_t len, cap;
    } *w = ud;
    if (w->cap - w->len < sz) {
        size_t cap = w->cap ? w->cap : 4096;
        while (cap - w->len < sz) cap *= 2;
        char *b = realloc(w->buf, cap);
        if (!b) return 1;
        w->buf = b;
        w->cap = cap;
    }
    memcpy(w->buf + w->len, p, sz);
    w->len += sz;
    return 0;
}

char *sandbox_dump(lua_State *L, size_t *len)
{
    struct {
        char *buf;
        size_t len, cap;
    } w = {0};
    if (lua_dump(L, dump_writer, &w, 0) != 0) {
        free(w.buf);
        return NULL;
    }
    *len = w.len;
    return w.buf;
}

int sandbox_load_dump(lua_State *L, const char *buf, size_t len, const char *name)
{
    char chunk[1024];
    snprintf(chunk, sizeof chunk, "@%s", name);
    if (luaL_loadbufferx(L, buf, len, chunk, "b") == LUA_OK) return 0;
    lua_pop(L, 1);
    return -1;
}
