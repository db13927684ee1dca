#include "lua/sandbox.h"
#include "common/suggest.h"

#include <lauxlib.h>
#include <lualib.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Largest string a rule may build with string.rep: larger ones are almost always a bug or a
 * memory bomb, and the C function would run unbounded before the allocator could refuse. */
#define REP_MAX ((size_t)16 << 20)
/* Largest subject for pattern functions: matching runs in C, out of reach of the count hook. */
#define PATTERN_SUBJECT_MAX ((size_t)1 << 20)

struct sbox {
    size_t used, limit;
    bool limit_on;
    long long budget;    /* instructions per callback */
    long long spent;     /* in the current callback */
    long long time_usec; /* wall-clock time per callback */
    int64_t start_ns, deadline_ns, last_hook_ns; /* CLOCK_MONOTONIC; deadline 0: none */
    int depth;           /* sandbox_pcall nesting: the outermost call owns budget and deadline */
    enum { RUNNING, OVER_BUDGET, OVER_TIME } stop; /* keep raising until the callback unwinds */
    lua_State *L;        /* the main thread, to say where the memory cap was hit */
    char cap_where[256];
    char spent_where[256]; /* "file:line: " where the budget or the time ran out */
};

/* Instructions between two looks at the budget and the clock while instructions are cheap. */
#define HOOK_STEP 100
/* When HOOK_STEP instructions took longer than this (long-string compares, conversions of huge
 * numeric strings: VM instructions whose work grows with their operands), look more often. */
#define HOOK_INTERVAL_NS 1000000

static struct sbox *sbox_of(lua_State *L)
{
    void *ud;
    lua_getallocf(L, &ud);
    return ud;
}

static int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
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

static void hook(lua_State *L, lua_Debug *ar);

/* The budget or the time ran out: from now on the hook fires on every instruction and line, so
 * a rule's own pcall that catches the error cannot run on: the next instruction raises again. */
static void stop_callback(lua_State *L, struct sbox *b, int why)
{
    b->stop = why;
    note_where(L, b->spent_where, sizeof b->spent_where);
    lua_sethook(L, hook, LUA_MASKCOUNT | LUA_MASKLINE, 1);
}

static const char *stop_message(lua_State *L, struct sbox *b)
{
    if (b->stop == OVER_TIME)
        return lua_pushfstring(L, "time limit exceeded (callback ran over %I ms)",
                               (lua_Integer)(b->time_usec / 1000));
    return lua_pushfstring(L, "instruction budget exceeded (%I instructions)",
                           (lua_Integer)b->budget);
}

static void hook(lua_State *L, lua_Debug *ar)
{
    struct sbox *b = sbox_of(L);
    if (b->stop == RUNNING) {
        if (ar->event != LUA_HOOKCOUNT) {
            /* A coroutine made while a budget was exhausted inherited the every-instruction
             * hook: put it back to counting steps, or it would bill too much. */
            lua_sethook(L, hook, LUA_MASKCOUNT, HOOK_STEP);
            return;
        }
        int n = lua_gethookcount(L);
        b->spent += n;
        int64_t now = mono_ns();
        if (b->budget > 0 && b->spent > b->budget) {
            stop_callback(L, b, OVER_BUDGET);
        } else if (b->deadline_ns && now >= b->deadline_ns) {
            stop_callback(L, b, OVER_TIME);
        } else {
            /* Slow instructions: look at the clock after each one, then back off by doubling
             * while they are fast again, so the deadline acts at most about one slow
             * instruction late. */
            int next = now - b->last_hook_ns > HOOK_INTERVAL_NS ? 1 : n * 2;
            if (next > HOOK_STEP) next = HOOK_STEP;
            b->last_hook_ns = now;
            if (next != n) lua_sethook(L, hook, LUA_MASKCOUNT, next);
            return;
        }
    }
    /* Level 0 inside a hook is the Lua function running, so the message gets its file:line
     * (luaL_error would name the caller's). */
    luaL_where(L, 0);
    stop_message(L, b);
    lua_concat(L, 2);
    lua_error(L);
}

/* ---- restricted library functions ---- */

/* C work a rule asks for (building a long string, scanning a long subject, moving table
 * elements) counts against the instruction budget too, and is where the clock is read, or one
 * VM instruction could buy seconds of C in a loop. */
#define BYTES_PER_INSTRUCTION 16

static void charge(lua_State *L, long long instructions)
{
    struct sbox *b = sbox_of(L);
    if (b->depth == 0) return; /* not in a callback */
    /* Already stopped (a rule's pcall caught it): raise again, or this C loop would go on. */
    if (b->stop == RUNNING) {
        b->spent += instructions;
        if (b->budget > 0 && b->spent > b->budget)
            stop_callback(L, b, OVER_BUDGET);
        else if (b->deadline_ns && mono_ns() >= b->deadline_ns)
            stop_callback(L, b, OVER_TIME);
        else
            return;
    }
    luaL_where(L, 1);
    stop_message(L, b);
    lua_concat(L, 2);
    lua_error(L);
}

static void charge_bytes(lua_State *L, size_t bytes)
{
    charge(L, (long long)(bytes / BYTES_PER_INSTRUCTION) + 1);
}

/* A loop step inside one of our C functions (a table read and write, about four VM
 * instructions' worth; a comparison, two): cheap, and it reads the clock every 256th. */
static void charge_steps(lua_State *L, unsigned long *ticks, int instructions)
{
    struct sbox *b = sbox_of(L);
    b->spent += instructions;
    if ((++*ticks & 255) == 0 || (b->budget > 0 && b->spent > b->budget)) charge(L, 0);
}

static void charge_step(lua_State *L, unsigned long *ticks)
{
    charge_steps(L, ticks, 4);
}

/* string.rep, same results, built by doubling: the stock one makes one memcpy per piece, so
 * ("x"):rep(16 << 20) took 16M calls (a third of a second; seconds under ASan). */
static int l_rep(lua_State *L)
{
    size_t l, lsep;
    const char *s = luaL_checklstring(L, 1, &l);
    lua_Integer n = luaL_checkinteger(L, 2);
    const char *sep = luaL_optlstring(L, 3, "", &lsep);
    if (n <= 0 || l + lsep == 0) {
        lua_pushliteral(L, "");
        return 1;
    }
    if ((size_t)n > REP_MAX / (l + lsep))
        return luaL_error(L, "string.rep result too large (limit %d MiB)", (int)(REP_MAX >> 20));
    size_t total = (size_t)n * l + (size_t)(n - 1) * lsep;
    charge_bytes(L, total);
    luaL_Buffer b;
    char *p = luaL_buffinitsize(L, &b, total);
    memcpy(p, s, l);
    size_t done = l;
    if (n > 1) {
        /* From offset l on the result repeats sep..s: copying any prefix of that periodic part
         * to its end keeps it periodic. */
        memcpy(p + done, sep, lsep);
        memcpy(p + done + lsep, s, l);
        done += lsep + l;
        while (done < total) {
            size_t chunk = done - l < total - done ? done - l : total - done;
            memcpy(p + done, p + l, chunk);
            done += chunk;
        }
    }
    luaL_pushresultsize(&b, total);
    return 1;
}

/* True when an error message starts with a position ("file:12: ..."). */
static bool has_position(const char *m)
{
    const char *c = strstr(m, ": ");
    if (!c || c == m || !strchr("0123456789", c[-1])) return false;
    while (c > m && strchr("0123456789", c[-1])) c--;
    return c > m && c[-1] == ':';
}

/* Calls the stock function (upvalue 1) with everything on the stack; returns its result count.
 * Its own errors are raised again from here: raised inside it they would name no file:line and
 * no function (luaL_where and luaL_argerror look one level up, at this C wrapper). */
static int call_stock(lua_State *L, const char *name)
{
    int n = lua_gettop(L);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    int rc = lua_pcall(L, n, LUA_MULTRET, 0);
    if (rc == LUA_OK) return lua_gettop(L);
    if (rc == LUA_ERRMEM) {
        lua_pop(L, 1);
        luaL_where(L, 1);
        lua_pushliteral(L, "memory limit exceeded");
        lua_concat(L, 2);
        return lua_error(L);
    }
    const char *m = lua_tostring(L, -1);
    if (lua_type(L, -1) != LUA_TSTRING || has_position(m)) return lua_error(L);
    luaL_where(L, 1);
    const char *to = lua_pushfstring(L, "to '%s'", name);
    luaL_gsub(L, m, "to '?'", to);
    lua_remove(L, -2);
    lua_concat(L, 2);
    return lua_error(L);
}

/* Worst-case steps of Lua's backtracking matcher, roughly: every start position (unless
 * anchored: gmatch never is, its '^' is a plain character) times the subject length per
 * unbounded repetition (*, +, -), balance (%b) or back-reference (%1) times two per optional
 * item (?), plus every start times the pattern's length. The matcher runs in C where the count hook cannot stop it,
 * so a pattern whose worst case is too large for its subject is refused before it runs. */
static double pattern_cost(const char *p, size_t plen, size_t n, bool can_anchor)
{
    const char *end = p + plen, *pstart = p;
    double cost = 1, len = (double)n + 1;
    if (can_anchor && p < end && *p == '^')
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
            if (p + 1 < end && p[1] >= '0' && p[1] <= '9') cost *= len; /* compares a capture */
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
    /* Each start may also compare every item of the pattern once (a long literal pattern). */
    return cost + (can_anchor && plen > 0 && *pstart == '^' ? 1 : len) * (double)plen;
}

/* About 0.1 s of matching at worst; estimates are upper bounds, so most such calls take less. */
#define PATTERN_COST_MAX 5e7

enum pattern_fn { PAT_MATCH, PAT_FIND, PAT_GMATCH };

static int l_pattern(lua_State *L)
{
    size_t l, pl;
    luaL_checklstring(L, 1, &l);
    if (l > PATTERN_SUBJECT_MAX)
        return luaL_error(L, "pattern subject too long (%I bytes, limit %I)", (lua_Integer)l,
                          (lua_Integer)PATTERN_SUBJECT_MAX);
    const char *pat = luaL_checklstring(L, 2, &pl);
    int fn = (int)lua_tointeger(L, lua_upvalueindex(2));
    /* string.find(s, p, init, true) is a plain search: linear. */
    bool plain = fn == PAT_FIND && lua_toboolean(L, 4);
    if (!plain && pattern_cost(pat, pl, l, fn != PAT_GMATCH) > PATTERN_COST_MAX) {
        char shown[64];
        snprintf(shown, sizeof shown, "%.*s%s", pl > 40 ? 40 : (int)pl, pat, pl > 40 ? "..." : "");
        return luaL_error(L, "pattern \"%s\" could take too long on a %I-byte subject: "
                             "simplify the pattern or shorten the subject",
                          shown, (lua_Integer)l);
    }
    charge_bytes(L, plain ? l + pl : l * (pl ? pl : 1));
    int nres = call_stock(L, lua_tostring(L, lua_upvalueindex(3)));
    /* gsub's result can be much longer than its subject. */
    if (nres > 0 && lua_type(L, 1) == LUA_TSTRING) charge_bytes(L, lua_rawlen(L, 1));
    return nres;
}

/* A library function whose work grows with its arguments (CHARGE_ARGS: the bytes of its string
 * arguments and their count) or its results (CHARGE_RESULTS), charged before or after it runs:
 * its C loop cannot be interrupted, but what it may do in one call is bounded by the memory cap
 * or by what it was given, and a loop of such calls meets the budget and the deadline. */
enum { CHARGE_ARGS = 1, CHARGE_RESULTS = 2 };

static size_t string_bytes(lua_State *L, int from, int to)
{
    size_t bytes = 0;
    for (int i = from; i <= to; i++)
        if (lua_type(L, i) == LUA_TSTRING) bytes += lua_rawlen(L, i);
    return bytes;
}

static int l_charged(lua_State *L)
{
    int mode = (int)lua_tointeger(L, lua_upvalueindex(2));
    int n = lua_gettop(L);
    if (mode & CHARGE_ARGS) charge(L, n + (long long)(string_bytes(L, 1, n) / BYTES_PER_INSTRUCTION));
    int nres = call_stock(L, lua_tostring(L, lua_upvalueindex(3)));
    if (mode & CHARGE_RESULTS)
        charge(L, nres + (long long)(string_bytes(L, 1, nres) / BYTES_PER_INSTRUCTION));
    return nres;
}

/* ---- table functions that loop in C over counts a rule chooses (table.move({}, 1, 1 << 53,
 * 2) runs for ever in the stock library): the same semantics, with each step charged. ---- */

static lua_Integer check_len(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    return luaL_len(L, 1);
}

static int l_tinsert(lua_State *L)
{
    unsigned long ticks = 0;
    lua_Integer e = (lua_Integer)((lua_Unsigned)check_len(L) + 1u); /* first empty slot */
    lua_Integer pos;
    switch (lua_gettop(L)) {
    case 2: pos = e; break;
    case 3:
        pos = luaL_checkinteger(L, 2);
        luaL_argcheck(L, (lua_Unsigned)pos - 1u < (lua_Unsigned)e, 2, "position out of bounds");
        for (lua_Integer i = e; i > pos; i--) {
            charge_step(L, &ticks);
            lua_geti(L, 1, i - 1);
            lua_seti(L, 1, i);
        }
        break;
    default: return luaL_error(L, "wrong number of arguments to 'insert'");
    }
    lua_seti(L, 1, pos);
    return 0;
}

static int l_tremove(lua_State *L)
{
    unsigned long ticks = 0;
    lua_Integer size = check_len(L);
    lua_Integer pos = luaL_optinteger(L, 2, size);
    if (pos != size)
        luaL_argcheck(L, (lua_Unsigned)pos - 1u <= (lua_Unsigned)size, 2, "position out of bounds");
    lua_geti(L, 1, pos);
    for (; pos < size; pos++) {
        charge_step(L, &ticks);
        lua_geti(L, 1, pos + 1);
        lua_seti(L, 1, pos);
    }
    lua_pushnil(L);
    lua_seti(L, 1, pos);
    return 1;
}

static int l_tmove(lua_State *L)
{
    unsigned long ticks = 0;
    lua_Integer f = luaL_checkinteger(L, 2);
    lua_Integer e = luaL_checkinteger(L, 3);
    lua_Integer t = luaL_checkinteger(L, 4);
    int tt = !lua_isnoneornil(L, 5) ? 5 : 1;
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_checktype(L, tt, LUA_TTABLE);
    if (e >= f) {
        luaL_argcheck(L, f > 0 || e < LUA_MAXINTEGER + f, 3, "too many elements to move");
        lua_Integer n = e - f + 1;
        luaL_argcheck(L, t <= LUA_MAXINTEGER - n + 1, 4, "destination wrap around");
        if (t > e || t <= f || (tt != 1 && !lua_compare(L, 1, tt, LUA_OPEQ))) {
            for (lua_Integer i = 0; i < n; i++) {
                charge_step(L, &ticks);
                lua_geti(L, 1, f + i);
                lua_seti(L, tt, t + i);
            }
        } else {
            for (lua_Integer i = n - 1; i >= 0; i--) {
                charge_step(L, &ticks);
                lua_geti(L, 1, f + i);
                lua_seti(L, tt, t + i);
            }
        }
    }
    lua_pushvalue(L, tt);
    return 1;
}

static int l_tconcat(lua_State *L)
{
    unsigned long ticks = 0;
    luaL_checktype(L, 1, LUA_TTABLE);
    size_t lsep;
    const char *sep = luaL_optlstring(L, 2, "", &lsep);
    lua_Integer i = luaL_optinteger(L, 3, 1);
    lua_Integer last = lua_isnoneornil(L, 4) ? luaL_len(L, 1) : luaL_checkinteger(L, 4);
    luaL_Buffer buf;
    luaL_buffinit(L, &buf);
    for (; i <= last; i++) {
        charge_step(L, &ticks);
        lua_geti(L, 1, i);
        if (!lua_isstring(L, -1))
            return luaL_error(L, "invalid value (at index %I) in table for 'concat'",
                              (lua_Integer)i);
        size_t l = lua_rawlen(L, -1);
        if (l >= 4096) charge_bytes(L, l);
        luaL_addvalue(&buf);
        if (i == last) break; /* i + 1 could overflow */
        luaL_addlstring(&buf, sep, lsep);
        if (lsep >= 4096) charge_bytes(L, lsep);
    }
    luaL_pushresult(&buf);
    return 1;
}

/* a < b for table.sort: the rule's function, or the < operator. Values at stack a and b. */
static bool sort_less(lua_State *L, int a, int b, unsigned long *ticks)
{
    charge_steps(L, ticks, 2);
    if (lua_type(L, a) == LUA_TSTRING && lua_type(L, b) == LUA_TSTRING) {
        size_t la = lua_rawlen(L, a), lb = lua_rawlen(L, b);
        if (la >= 4096 && lb >= 4096) charge_bytes(L, la < lb ? la : lb);
    }
    if (lua_isnoneornil(L, 2)) return lua_compare(L, a, b, LUA_OPLT);
    lua_pushvalue(L, 2);
    lua_pushvalue(L, a);
    lua_pushvalue(L, b);
    lua_call(L, 2, 1);
    bool r = lua_toboolean(L, -1);
    lua_pop(L, 1);
    return r;
}

/* Sifts t[root] down the heap t[1..n] (largest on top). */
static void sift_down(lua_State *L, lua_Integer root, lua_Integer n, unsigned long *ticks)
{
    lua_geti(L, 1, root);
    int x = lua_gettop(L);
    for (;;) {
        lua_Integer child = 2 * root;
        if (child > n) break;
        lua_geti(L, 1, child);
        if (child + 1 <= n) {
            lua_geti(L, 1, child + 1);
            if (sort_less(L, x + 1, x + 2, ticks)) {
                lua_remove(L, x + 1);
                child++;
            } else {
                lua_pop(L, 1);
            }
        }
        if (!sort_less(L, x, x + 1, ticks)) {
            lua_pop(L, 1);
            break;
        }
        lua_seti(L, 1, root);
        root = child;
    }
    lua_seti(L, 1, root);
}

/* table.sort as a heap sort: O(n log n) comparisons whatever the input or the order function
 * does, each charged (the stock quicksort can be driven quadratic by an order function). */
static int l_tsort(lua_State *L)
{
    unsigned long ticks = 0;
    lua_Integer n = check_len(L);
    if (n <= 1) return 0;
    luaL_argcheck(L, n < INT_MAX, 1, "array too big");
    if (!lua_isnoneornil(L, 2)) luaL_checktype(L, 2, LUA_TFUNCTION);
    lua_settop(L, 2);
    luaL_checkstack(L, 8, "table.sort");
    for (lua_Integer i = n / 2; i >= 1; i--) sift_down(L, i, n, &ticks);
    for (lua_Integer end = n; end > 1; end--) {
        lua_geti(L, 1, 1);
        lua_geti(L, 1, end);
        lua_seti(L, 1, 1);
        lua_seti(L, 1, end);
        sift_down(L, 1, end - 1, &ticks);
    }
    return 0;
}

/* setmetatable() without __gc: finalizers run with hooks off (no budget, no deadline) and again
 * inside lua_close, so a rule could hang the daemon, a reload and nudged --check. An object is
 * only marked for finalization when its metatable has __gc at setmetatable time (lgc.c
 * luaC_checkfinalizer), so adding __gc afterwards does nothing. */
static int l_setmetatable(lua_State *L)
{
    if (lua_type(L, 2) == LUA_TTABLE) {
        lua_pushliteral(L, "__gc");
        if (lua_rawget(L, 2) != LUA_TNIL)
            return luaL_error(L, "__gc finalizers are not allowed in rules");
        lua_pop(L, 1);
    }
    return call_stock(L, "setmetatable");
}

/* A load() reader function's piece, charged: the parser's work grows with the text. */
static int l_load_piece(lua_State *L)
{
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_call(L, 0, 1);
    if (lua_type(L, -1) == LUA_TSTRING) charge(L, (long long)lua_rawlen(L, -1) + 1);
    return 1;
}

/* load() of text only: binary chunks can crash the VM. */
static int l_load(lua_State *L)
{
    int n = lua_gettop(L);
    if (n < 1) return luaL_error(L, "bad argument #1 to 'load' (value expected)");
    lua_settop(L, 4);
    if (lua_type(L, 1) == LUA_TSTRING) {
        charge(L, (long long)lua_rawlen(L, 1) + 1);
    } else if (lua_type(L, 1) == LUA_TFUNCTION) {
        lua_pushvalue(L, 1);
        lua_pushcclosure(L, l_load_piece, 1);
        lua_replace(L, 1);
    }
    lua_pushliteral(L, "t");
    lua_replace(L, 3);
    return call_stock(L, "load");
}

static int l_collectgarbage(lua_State *L)
{
    const char *opt = luaL_optstring(L, 1, "collect");
    if (strcmp(opt, "count") && strcmp(opt, "collect") && strcmp(opt, "step"))
        return luaL_error(L, "collectgarbage(\"%s\") is not available to rules", opt);
    /* A full collection walks the whole heap. */
    if (strcmp(opt, "count")) charge_bytes(L, sbox_of(L)->used);
    return call_stock(L, "collectgarbage");
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

int sandbox_unknown_name(lua_State *L, int t, int k, const char *what, const char *prefix,
                         const char *tail)
{
    t = lua_absindex(L, t);
    const char *word = lua_tostring(L, k);
    const char *names[256];
    size_t n = 0;
    luaL_checkstack(L, (int)(sizeof names / sizeof *names) + 4, "too many names");
    lua_pushnil(L);
    while (n < sizeof names / sizeof *names && lua_next(L, t)) {
        lua_pop(L, 1);
        if (lua_type(L, -1) == LUA_TSTRING) {
            /* A copy stays on the stack under the key, which goes on iterating. */
            lua_pushvalue(L, -1);
            names[n++] = lua_tostring(L, -1);
            lua_insert(L, -2);
        }
    }
    /* Sorted, so a tie goes to the same name every run. */
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
            const char *x = names[j];
            names[j] = names[j - 1];
            names[j - 1] = x;
        }
    const char *close = suggest_closest(word, names, n);
    if (close) return luaL_error(L, "%s '%s%s' (did you mean '%s%s'?)", what, prefix, word, prefix, close);
    return luaL_error(L, "%s '%s%s'%s", what, prefix, word, tail);
}

static int undefined_global(lua_State *L)
{
    if (lua_type(L, 2) != LUA_TSTRING) return luaL_error(L, "undefined global");
    /* The reader's locals and upvalues are candidates too: `pool = gestrues` means the local
     * `gestures` at least as often as a global. Copied into a table of names under the
     * globals' (a global's name wins a tie by sorting, which is fine). */
    lua_Debug ar;
    lua_createtable(L, 0, 16);
    int names = lua_gettop(L);
    if (lua_getstack(L, 1, &ar)) {
        const char *nm;
        for (int i = 1; i <= 200 && (nm = lua_getlocal(L, &ar, i)); i++) {
            lua_pop(L, 1);
            if (nm[0] != '(') lua_pushboolean(L, 1), lua_setfield(L, names, nm);
        }
        if (lua_getinfo(L, "f", &ar)) {
            for (int i = 1; i <= 255 && (nm = lua_getupvalue(L, -1, i)); i++) {
                lua_pop(L, 1);
                if (*nm) lua_pushboolean(L, 1), lua_setfield(L, names, nm);
            }
            lua_pop(L, 1);
        }
    }
    lua_pushnil(L);
    while (lua_next(L, 1)) {
        lua_pop(L, 1);
        if (lua_type(L, -1) == LUA_TSTRING) {
            lua_pushvalue(L, -1);
            lua_pushboolean(L, 1);
            lua_rawset(L, names);
        }
    }
    return sandbox_unknown_name(L, names, 2, "unknown name", "",
                                " (nothing of that name is defined before this line)");
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

/* ---- error handling that Lua runs with hooks off ----
 *
 * When the count hook raises (a limit hit), Lua has turned hooks off for this thread
 * (allowhook), and they come back only where a protected call unwinds. Two library paths run
 * rule code before that point: xpcall's message handler, and the to-be-closed variables that
 * coroutine.close and coroutine.wrap close in a coroutine that died with an error. Code there
 * would run with no budget and no deadline (a `while true do end` in it hangs the daemon), so
 * these replacements run a handler only after the unwinding, and never close an errored
 * coroutine: its pending __close handlers are dropped, as for a coroutine that is collected. */

static int xpcall_done(lua_State *L, int status, lua_KContext extra)
{
    if (status == LUA_OK || status == LUA_YIELD) return lua_gettop(L) - (int)extra;
    /* The handler sees the error after the call unwound: hooks are on again, and a stopped
     * callback's hook stops the handler at its first instruction. */
    lua_pushvalue(L, 2);
    lua_insert(L, -2);
    lua_pcall(L, 1, 1, 0);
    lua_pushboolean(L, 0);
    lua_insert(L, -2);
    return 2; /* false, what the handler returned (or its own error) */
}

static int l_xpcall(lua_State *L)
{
    int n = lua_gettop(L);
    luaL_checktype(L, 2, LUA_TFUNCTION);
    lua_pushboolean(L, 1);
    lua_pushvalue(L, 1);
    lua_rotate(L, 3, 2); /* true and f below f's arguments */
    int status = lua_pcallk(L, n - 2, LUA_MULTRET, 0, 2, xpcall_done);
    return xpcall_done(L, status, 2);
}

/* coroutine.close: an errored coroutine is not closed (see above), only reported. */
static int l_coclose(lua_State *L)
{
    lua_State *co = lua_tothread(L, 1);
    int st = co ? lua_status(co) : LUA_OK;
    if (co && st != LUA_OK && st != LUA_YIELD) {
        lua_pushboolean(L, 0);
        if (lua_gettop(co) > 0) {
            lua_pushvalue(co, -1);
            lua_xmove(co, L, 1);
        } else {
            lua_pushnil(L);
        }
        return 2;
    }
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
    return lua_gettop(L);
}

/* The function coroutine.wrap returns: resumes its coroutine, raises its error as it is. */
static int l_cowrapped(lua_State *L)
{
    lua_State *co = lua_tothread(L, lua_upvalueindex(1));
    int narg = lua_gettop(L);
    int st = lua_status(co);
    if (st == LUA_OK && lua_gettop(co) == 0) return luaL_error(L, "cannot resume dead coroutine");
    if (st != LUA_OK && st != LUA_YIELD) return luaL_error(L, "cannot resume dead coroutine");
    if (!lua_checkstack(co, narg)) return luaL_error(L, "too many arguments to resume");
    lua_xmove(L, co, narg);
    int nres;
    st = lua_resume(co, L, narg, &nres);
    if (st == LUA_OK || st == LUA_YIELD) {
        if (!lua_checkstack(L, nres + 1)) {
            lua_pop(co, nres);
            return luaL_error(L, "too many results to resume");
        }
        lua_xmove(co, L, nres);
        return nres;
    }
    lua_pushvalue(co, -1); /* the error stays in the dead coroutine too, for close */
    lua_xmove(co, L, 1);
    if (lua_type(L, -1) == LUA_TSTRING) {
        luaL_where(L, 1);
        lua_insert(L, -2);
        lua_concat(L, 2);
    }
    return lua_error(L);
}

static int l_cowrap(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TFUNCTION);
    lua_State *co = lua_newthread(L);
    lua_pushvalue(L, 1);
    lua_xmove(L, co, 1);
    lua_pushcclosure(L, l_cowrapped, 1);
    return 1;
}

/* Replaces lib.name (a global when lib is NULL) by f with upvalues: the stock function, `tag`
 * (what f is to do) and the name, for its messages. */
static void wrap_tagged(lua_State *L, const char *lib, const char *name, lua_CFunction f, int tag)
{
    if (lib)
        lua_getglobal(L, lib);
    else
        lua_pushglobaltable(L);
    lua_getfield(L, -1, name);
    lua_pushinteger(L, tag);
    lua_pushstring(L, name);
    lua_pushcclosure(L, f, 3);
    lua_setfield(L, -2, name);
    lua_pop(L, 1);
}

/* The allowed standard libraries, without what blocks the loop, ends the daemon or reaches
 * the file system. */
static void open_allowed_libs(lua_State *L)
{
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

}

/* Library functions whose own work is unbounded get bounded replacements. */
static void replace_unbounded(lua_State *L)
{
    lua_getglobal(L, "string");
    lua_pushcfunction(L, l_rep);
    lua_setfield(L, -2, "rep");
    lua_pop(L, 1);
    lua_pushcfunction(L, l_xpcall);
    lua_setglobal(L, "xpcall");
    wrap(L, "coroutine", "close", l_coclose);
    lua_getglobal(L, "coroutine");
    lua_pushcfunction(L, l_cowrap);
    lua_setfield(L, -2, "wrap");
    lua_pop(L, 1);
    static const struct {
        const char *name;
        enum pattern_fn fn;
    } pat[] = {{"find", PAT_FIND}, {"match", PAT_MATCH}, {"gmatch", PAT_GMATCH}, {"gsub", PAT_MATCH}};
    for (size_t i = 0; i < sizeof pat / sizeof *pat; i++)
        wrap_tagged(L, "string", pat[i].name, l_pattern, pat[i].fn);
}

/* Work done inside C library functions is charged to the callback's budget by size. */
static void charge_library_work(lua_State *L)
{
    static const struct {
        const char *lib, *name;
        int mode;
    } charged[] = {
        {"string", "byte", CHARGE_RESULTS},
        {"string", "char", CHARGE_ARGS | CHARGE_RESULTS},
        {"string", "format", CHARGE_ARGS | CHARGE_RESULTS},
        {"string", "lower", CHARGE_RESULTS},
        {"string", "upper", CHARGE_RESULTS},
        {"string", "reverse", CHARGE_RESULTS},
        {"string", "sub", CHARGE_RESULTS},
        {"string", "pack", CHARGE_ARGS | CHARGE_RESULTS},
        {"string", "packsize", CHARGE_ARGS},
        {"string", "unpack", CHARGE_ARGS | CHARGE_RESULTS},
        {"string", "dump", CHARGE_RESULTS},
        {"utf8", "char", CHARGE_ARGS | CHARGE_RESULTS},
        {"utf8", "codepoint", CHARGE_RESULTS},
        {"utf8", "len", CHARGE_ARGS},
        {"utf8", "offset", CHARGE_ARGS},
        {"table", "unpack", CHARGE_RESULTS},
        {"table", "pack", CHARGE_ARGS},
        {"os", "date", CHARGE_ARGS | CHARGE_RESULTS},
        {NULL, "tonumber", CHARGE_ARGS},
        {NULL, "rawequal", CHARGE_ARGS},
        {NULL, "select", CHARGE_RESULTS},
    };
    for (size_t i = 0; i < sizeof charged / sizeof *charged; i++)
        wrap_tagged(L, charged[i].lib, charged[i].name, l_charged, charged[i].mode);
    static const luaL_Reg table_fns[] = {{"insert", l_tinsert}, {"remove", l_tremove},
                                         {"move", l_tmove},     {"concat", l_tconcat},
                                         {"sort", l_tsort},     {NULL, NULL}};
    lua_getglobal(L, "table");
    luaL_setfuncs(L, table_fns, 0);
    lua_pop(L, 1);
    /* Arithmetic on strings converts them in the string metatable's metamethods: "1...1" + 0
     * runs strtod over the whole string. */
    static const char *const arith[] = {"__add", "__sub",  "__mul", "__div", "__mod",
                                        "__pow", "__idiv", "__unm", NULL};
    lua_pushliteral(L, "");
    if (lua_getmetatable(L, -1)) {
        for (const char *const *a = arith; *a; a++) {
            if (lua_getfield(L, -1, *a) != LUA_TFUNCTION) {
                lua_pop(L, 1);
                continue;
            }
            lua_pushinteger(L, CHARGE_ARGS);
            lua_pushstring(L, *a);
            lua_pushcclosure(L, l_charged, 3);
            lua_setfield(L, -2, *a);
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
}

lua_State *sandbox_new(void)
{
    struct sbox *b = calloc(1, sizeof *b);
    if (!b) return NULL;
    b->budget = SANDBOX_DEFAULT_INSTRUCTIONS;
    b->time_usec = SANDBOX_DEFAULT_TIME_USEC;
    b->limit = SANDBOX_DEFAULT_MEMORY;
    lua_State *L = lua_newstate(alloc, b);
    if (!L) {
        free(b);
        return NULL;
    }
    lua_atpanic(L, panic);
    open_allowed_libs(L);
    replace_unbounded(L);
    charge_library_work(L);
    wrap(L, NULL, "setmetatable", l_setmetatable);
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
    b->time_usec = lim->time_usec;
    b->limit = lim->memory;
    /* A new time limit set by the running callback (nudge.config at load) applies to it too. */
    if (b->depth > 0) b->deadline_ns = b->time_usec > 0 ? b->start_ns + b->time_usec * 1000 : 0;
}

bool sandbox_stopped(lua_State *L)
{
    return sbox_of(L)->stop != RUNNING;
}

void sandbox_get_limits(lua_State *L, struct sandbox_limits *lim)
{
    struct sbox *b = sbox_of(L);
    lim->instructions = b->budget;
    lim->time_usec = b->time_usec;
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
    /* A call made from inside a callback (C code called by the rule that calls Lua back) runs
     * on the outer callback's budget and deadline: it must not hand out fresh ones. */
    bool outer = b->depth++ == 0;
    if (outer) {
        b->spent = 0;
        b->stop = RUNNING;
        b->cap_where[0] = 0;
        b->spent_where[0] = 0;
        b->start_ns = b->last_hook_ns = mono_ns();
        b->deadline_ns = b->time_usec > 0 ? b->start_ns + b->time_usec * 1000 : 0;
        lua_sethook(L, hook, LUA_MASKCOUNT, HOOK_STEP);
    }
    int rc = lua_pcall(L, nargs, nresults, base);
    b->depth--;
    int why = b->stop;
    if (outer) {
        lua_sethook(L, NULL, 0, 0);
        b->stop = RUNNING;
        b->deadline_ns = 0;
    }
    if (rc == LUA_OK && why != RUNNING) {
        /* The budget or the time ran out in a coroutine whose resume caught the error: still a
         * failure. */
        if (msg && msgsz) {
            if (why == OVER_TIME)
                snprintf(msg, msgsz, "%stime limit exceeded (callback ran over %lld ms)",
                         b->spent_where, b->time_usec / 1000);
            else
                snprintf(msg, msgsz, "%sinstruction budget exceeded (%lld instructions)",
                         b->spent_where, b->budget);
        }
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
