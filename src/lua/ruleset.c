/* The `nudge` module and the rule set around it. */
#include "lua/ruleset.h"

#include <errno.h>
#include <fcntl.h>
#include <lauxlib.h>
#include <lua.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/heldfiles.h"
#include "common/log.h"
#include "common/utf8.h"
#include "lua/lcarry.h"
#include "lua/lserial.h"
#include "lua/prelude.h"
#include "lua/sandbox.h"
#include "lua/toolkit.h"
#include "ledger/ledger.h"
#include "store/store.h"
#include "time/calendar.h"
#include "time/span.h"
#include "time/timestamp.h"
#include "time/window.h"

#define REMINDER_MT "nudge.reminder"
#define RULE_FILE_MAX ((size_t)16 << 20)
#define FAILURES_TO_DISABLE 3
/* How many shown notifications we remember (id -> fire, reminder) for their answers. */
#define SHOWN_MAX 256
/* A fire this late was not a slow callback but sleep or a clock step: late_cancel applies. */
#define LATE_GRACE (60 * USEC_PER_SEC)
#define SNOOZE_DEFAULT USEC_PER_HOUR

/* A reminder as Lua sees it: a full userdata the rule gets back as a handle. While the
 * reminder is live, the registry holds the userdata (self_ref) so dropping the handle in Lua
 * does not cancel it. */
struct lrem {
    struct reminder r;
    struct ruleset *rs;
    int self_ref;
    int fn_ref;
    char *where; /* "file:line" of the call that registered it (owned) */
    char *expr;  /* the time expression as written, for messages (owned) */
    char *norm;  /* a calendar's normalised form, to recognise it on reload (owned) */
    size_t reg_idx; /* position in ruleset.regs */
    int failures;
    bool pending;   /* registered while loading; scheduled once every file has loaded */
    bool wants_ev;  /* the callback takes parameters: build the ev table for it */
    bool named;     /* the rule gave the id: a fired at/after stays fired across restarts */
    bool runtime;   /* made by a callback, not by loading the files: reload carries it over */
    bool deferred;  /* not planned by the load: ruleset_adopt() restores or plans it */
    usec_t caught_up; /* queued to catch up this missed elapse (0: not) */
};

struct ruleset {
    lua_State *L;
    struct schedule sched;
    struct clock *clock;
    struct notify_backend *backend;
    bool interactive;
    bool loading;
    struct lrem **regs; /* registered and not yet released, in order; NULL marks a hole */
    size_t n_regs, cap_regs, n_live;
    struct lrem *current; /* the reminder whose callback is running */
    usec_t current_sched; /* the time it fires for: its plan, a caught-up elapse, or now by hand */
    bool has_since;
    usec_t since;
    char backend_name[16];
    char app_name[64];
    int nudge_ref, listeners_ref, notif_ref, ids_ref, idcount_ref, fired_ref, osdate_ref,
        ostime_ref;
    int ctl_promise_ref; /* the toolkit's schedule_ctl_promise, taken before any rule ran */
    bool closing;        /* ruleset_free() is closing the state: finalizers get no API */
    int (*spawn)(void *host, const char *const *argv, char *err, size_t errsz);
    void *host;
    struct strlist *warnings;
    struct store *store;
    struct ledger *ledger; /* over store */
    bool own_store;      /* made here (in memory) because the caller gave none */
    bool record_history; /* write fires and answers (the daemon; not --preview or --check) */
    struct shown {
        uint32_t id;     /* notification id, 0: free slot */
        int64_t fire_id; /* 0: not recorded */
        char *reminder;
    } shown[SHOWN_MAX];
    size_t shown_next;
    struct snooze *snoozes; /* pending snoozes, scheduled like reminders */
    char **paths;           /* the rule files, to put back what Lua cuts from long paths */
    size_t n_paths;
    /* Each file's text and its compiled chunk, so the next reload skips compiling the files
     * that did not change (Lua's compiler is most of a reload's time). */
    struct compiled {
        char *source, *dump;
        size_t source_len, dump_len;
    } *compiled;
    /* Parsed calendars by expression: rule files repeat a few hundred expressions thousands
     * of times, and calendars are read-only once parsed, so reminders share them. */
    struct calcache_entry {
        char *expr, *norm;
        struct calendar *cal;
    } *calcache;
    size_t calcache_cap, calcache_n;
    size_t calcache_bytes; /* of expression text: the cache lives outside the memory cap */
};

/* FNV-1a: short keys, no adversary that matters (the rule file is the user's own). */
static size_t hash_str(const char *s)
{
    size_t h = 1469598103934665603ULL;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static int calcache_grow(struct ruleset *rs)
{
    size_t cap = rs->calcache_cap ? rs->calcache_cap * 2 : 256;
    struct calcache_entry *v = calloc(cap, sizeof *v);
    if (!v) return -ENOMEM;
    for (size_t i = 0; i < rs->calcache_cap; i++) {
        struct calcache_entry *e = &rs->calcache[i];
        if (!e->expr) continue;
        size_t j = hash_str(e->expr) & (cap - 1);
        while (v[j].expr) j = (j + 1) & (cap - 1);
        v[j] = *e;
    }
    free(rs->calcache);
    rs->calcache = v;
    rs->calcache_cap = cap;
    return 0;
}

/* The parsed calendar for expr (parsed now if new), or NULL with err set. */
#define CALENDAR_EXPR_MAX 1024
#define CALENDAR_CACHE_MAX (1 << 20)

static const struct calcache_entry *calcache_get(struct ruleset *rs, const char *expr, char *err,
                                                 size_t errsz)
{
    if (rs->calcache_n * 2 >= rs->calcache_cap && calcache_grow(rs) < 0)
        return snprintf(err, errsz, "not enough memory"), NULL;
    size_t j = hash_str(expr) & (rs->calcache_cap - 1);
    while (rs->calcache[j].expr) {
        if (!strcmp(rs->calcache[j].expr, expr)) return &rs->calcache[j];
        j = (j + 1) & (rs->calcache_cap - 1);
    }
    /* The parsed events are C memory the rules' memory cap does not see, kept for the rule
     * set's life: bounded here, so a callback making new expressions in a loop cannot grow
     * the daemon (attack finding: 560 MB from 80 KB expressions). */
    size_t len = strlen(expr);
    if (len > CALENDAR_EXPR_MAX)
        return snprintf(err, errsz, "calendar event \"%.40s...\" is longer than %d bytes", expr,
                        CALENDAR_EXPR_MAX), NULL;
    if (rs->calcache_bytes + len > CALENDAR_CACHE_MAX)
        return snprintf(err, errsz, "too many different calendar events in these rules (over %d KiB "
                                    "of them): reuse one expression for reminders that share it",
                        CALENDAR_CACHE_MAX >> 10), NULL;
    struct calendar *cal;
    if (calendar_parse(expr, &cal, err, errsz) < 0) return NULL;
    if (calendar_repeats_within(cal, SCHEDULE_MIN_GAP)) {
        calendar_free(cal);
        return snprintf(err, errsz, "calendar event \"%s\" repeats more often than every %llds "
                                    "(the shortest interval between fires)",
                        expr, (long long)(SCHEDULE_MIN_GAP / USEC_PER_SEC)), NULL;
    }
    /* The normalised form is the reminder's definition across reloads and its default id, so it
     * must be whole and mean the same as expr; where systemd's form drops fires, keep expr. */
    char *norm = NULL;
    size_t n = calendar_format(cal, NULL, 0);
    if (calendar_format_is_lossless(cal) && (norm = malloc(n + 1))) calendar_format(cal, norm, n + 1);
    else if (!calendar_format_is_lossless(cal)) norm = strdup(expr);
    struct calcache_entry e = {strdup(expr), norm, cal};
    if (!e.expr || !e.norm) {
        free(e.expr);
        free(e.norm);
        calendar_free(cal);
        return snprintf(err, errsz, "not enough memory"), NULL;
    }
    rs->calcache[j] = e;
    rs->calcache_n++;
    rs->calcache_bytes += len;
    return &rs->calcache[j];
}

static void calcache_free(struct ruleset *rs)
{
    for (size_t i = 0; i < rs->calcache_cap; i++) {
        free(rs->calcache[i].expr);
        free(rs->calcache[i].norm);
        calendar_free(rs->calcache[i].cal);
    }
    free(rs->calcache);
    rs->calcache = NULL;
    rs->calcache_cap = rs->calcache_n = rs->calcache_bytes = 0;
}

/* A snoozed notification waiting to be shown again: a reminder of its own in the schedule,
 * told apart from rule reminders by owner_data. */
struct snooze {
    struct reminder r;
    int64_t id; /* its row in the store */
    int64_t fire_id;
    char *blob;
    size_t len;
    struct snooze *next;
};
static const char SNOOZE_TAG = 's';

static const char RULESET_KEY = 'r';

/* ---- small helpers ---- */

void strlist_add(struct strlist *l, const char *fmt, ...)
{
    char buf[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    char **v = realloc(l->v, (l->n + 1) * sizeof *v);
    if (!v) return;
    l->v = v;
    l->v[l->n] = strdup(buf);
    if (l->v[l->n]) l->n++;
}

void strlist_free(struct strlist *l)
{
    for (size_t i = 0; i < l->n; i++) free(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

/* The rule set of an API call. While the state closes (a reload, SIGTERM) a finalizer may
 * still call in: it gets an error, as the schedule and the state around it are going. */
static struct ruleset *get_rs(lua_State *L)
{
    lua_rawgetp(L, LUA_REGISTRYINDEX, &RULESET_KEY);
    struct ruleset *rs = lua_touserdata(L, -1);
    lua_pop(L, 1);
    if (!rs || rs->closing) luaL_error(L, "nudge: the rules are being unloaded");
    return rs;
}

static void push_seconds(lua_State *L, usec_t t)
{
    if (t % USEC_PER_SEC == 0)
        lua_pushinteger(L, (lua_Integer)(t / USEC_PER_SEC));
    else
        lua_pushnumber(L, (lua_Number)t / (lua_Number)USEC_PER_SEC);
}

/* "file:line" of the Lua code calling the running C function. */
static void where(lua_State *L, char *buf, size_t sz)
{
    /* The first Lua frame outside the toolkit prelude: a reminder made by nudge.checkin{} is
     * placed at the rule file's line, not at the prelude's nudge.on call. */
    lua_Debug ar;
    for (int level = 1; lua_getstack(L, level, &ar); level++) {
        if (!lua_getinfo(L, "Sl", &ar) || ar.currentline <= 0) continue;
        if (!strncmp(ar.source, "@prelude/", 9)) continue;
        /* source is "@path" in full; short_src is cut to 60 bytes for long paths. */
        snprintf(buf, sz, "%s:%d", ar.source[0] == '@' ? ar.source + 1 : ar.short_src,
                 ar.currentline);
        return;
    }
    snprintf(buf, sz, "?");
}

static usec_t seconds_to_usec(lua_State *L, int idx, const char *what)
{
    lua_Number v = lua_tonumber(L, idx);
    if (!isfinite(v) || v > 9.2e12 || v < -9.2e12) luaL_error(L, "%s %f out of range", what, v);
    return (usec_t)llround(v * 1e6);
}

/* A span: a systemd span string or a number of seconds. */
static usec_t check_span(lua_State *L, int idx, const char *what)
{
    char err[256];
    if (lua_type(L, idx) == LUA_TNUMBER) {
        usec_t v = seconds_to_usec(L, idx, what);
        if (v < 0) luaL_error(L, "%s must not be negative", what);
        return v;
    }
    if (lua_type(L, idx) != LUA_TSTRING)
        luaL_error(L, "%s must be a span (\"45min\") or a number of seconds, not %s", what,
                   luaL_typename(L, idx));
    usec_t v;
    if (span_parse(lua_tostring(L, idx), &v, err, sizeof err) < 0) luaL_error(L, "%s", err);
    return v;
}

/* A span that moves a fire: at most 1000 years, so every time a rule computes stays inside
 * what the calendar can name (a 290000y jitter overflowed the scheduler's arithmetic). */
#define SPAN_MAX ((usec_t)1000 * 31557600 * USEC_PER_SEC)

static usec_t check_fire_span(lua_State *L, int idx, const char *what)
{
    usec_t v = check_span(L, idx, what);
    if (v > SPAN_MAX) luaL_error(L, "%s is longer than 1000 years", what);
    return v;
}

/* A timestamp: a systemd timestamp string or epoch seconds. */
static usec_t check_time(lua_State *L, int idx, struct ruleset *rs)
{
    char err[256];
    if (lua_type(L, idx) == LUA_TNUMBER) return seconds_to_usec(L, idx, "time");
    if (lua_type(L, idx) != LUA_TSTRING)
        luaL_error(L, "expected a timestamp (\"2026-12-24 18:00\") or epoch seconds, not %s",
                   luaL_typename(L, idx));
    usec_t v;
    if (timestamp_parse(lua_tostring(L, idx), clock_now(rs->clock), &v, err, sizeof err) < 0)
        luaL_error(L, "%s", err);
    return v;
}

/* ---- reminders ---- */

static struct lrem *check_lrem(lua_State *L, int idx)
{
    return luaL_checkudata(L, idx, REMINDER_MT);
}

/* O(1): leaves a hole, squeezed out once holes are the majority, so order is kept. */
static void regs_remove(struct ruleset *rs, struct lrem *m)
{
    if (m->reg_idx >= rs->n_regs || rs->regs[m->reg_idx] != m) return;
    rs->regs[m->reg_idx] = NULL;
    rs->n_live--;
    if (rs->n_live * 2 >= rs->n_regs) return;
    size_t k = 0;
    for (size_t i = 0; i < rs->n_regs; i++)
        if (rs->regs[i]) {
            rs->regs[i]->reg_idx = k;
            rs->regs[k++] = rs->regs[i];
        }
    rs->n_regs = k;
}

/* The reminder will not fire again: drop the registry's hold so Lua may collect it. */
static void release(struct ruleset *rs, struct lrem *m)
{
    schedule_remove(&rs->sched, &m->r);
    m->r.done = true;
    m->pending = false;
    if (m->fn_ref != LUA_NOREF) {
        luaL_unref(rs->L, LUA_REGISTRYINDEX, m->fn_ref);
        m->fn_ref = LUA_NOREF;
    }
    if (m->self_ref != LUA_NOREF) {
        luaL_unref(rs->L, LUA_REGISTRYINDEX, m->self_ref);
        m->self_ref = LUA_NOREF;
    }
    regs_remove(rs, m);
}

/* A handle outlives its rule set's schedule while the state closes (m->rs is NULL or
 * closing then): cancel does nothing and next says nil, as for a fired reminder. */
static bool lrem_gone(const struct lrem *m)
{
    return !m->rs || m->rs->closing;
}

static int lrem_gc(lua_State *L)
{
    struct lrem *m = check_lrem(L, 1);
    if (!lrem_gone(m) && m->r.heap_idx != SIZE_MAX) schedule_remove(&m->rs->sched, &m->r);
    free(m->r.id);
    m->r.id = NULL;
    /* A calendar reminder shares its calendar and strings with the rule set's cache. */
    if (m->r.trigger != TRIGGER_CALENDAR) free(m->expr);
    m->r.cal = NULL;
    m->expr = m->norm = NULL;
    free(m->where);
    m->where = NULL;
    return 0;
}

static int lrem_cancel(lua_State *L)
{
    struct lrem *m = check_lrem(L, 1);
    if (!m->r.done && !lrem_gone(m)) release(m->rs, m);
    return 0;
}

static int lrem_next(lua_State *L)
{
    struct lrem *m = check_lrem(L, 1);
    if (m->r.done || lrem_gone(m)) {
        lua_pushnil(L);
    } else if (m->pending) {
        /* Not queued yet (the rule files are still loading): plan on a copy of the PRNG so
         * asking does not change what the real schedule draws. */
        struct prng saved = m->rs->sched.prng;
        usec_t t;
        struct reminder copy = m->r;
        copy.loaded = clock_now(m->rs->clock);
        if (schedule_plan(&m->rs->sched, &copy, copy.loaded, &t) == 0)
            push_seconds(L, t);
        else
            lua_pushnil(L);
        m->rs->sched.prng = saved;
    } else if (m->r.heap_idx != SIZE_MAX) {
        push_seconds(L, m->r.next);
    } else {
        lua_pushnil(L); /* running right now, or never fires again */
    }
    return 1;
}

static int lrem_index(lua_State *L)
{
    struct lrem *m = check_lrem(L, 1);
    const char *k = luaL_checkstring(L, 2);
    if (!strcmp(k, "id")) {
        lua_pushstring(L, m->r.id ? m->r.id : "");
    } else if (!strcmp(k, "kind")) {
        lua_pushstring(L, m->r.kind);
    } else if (!strcmp(k, "cancel")) {
        lua_pushcfunction(L, lrem_cancel);
    } else if (!strcmp(k, "next")) {
        lua_pushcfunction(L, lrem_next);
    } else {
        lua_pushnil(L);
    }
    return 1;
}

static int lrem_tostring(lua_State *L)
{
    struct lrem *m = check_lrem(L, 1);
    lua_pushfstring(L, "reminder(%s)", m->r.id ? m->r.id : "?");
    return 1;
}

static void parse_options(lua_State *L, int idx, struct ruleset *rs, struct lrem *m,
                          const char **id_out)
{
    char err[256];
    *id_out = NULL;
    if (lua_isnoneornil(L, idx)) return;
    luaL_checktype(L, idx, LUA_TTABLE);
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        if (lua_type(L, -2) != LUA_TSTRING) luaL_error(L, "option names must be strings");
        const char *k = lua_tostring(L, -2);
        if (!strcmp(k, "id")) {
            if (lua_type(L, -1) != LUA_TSTRING || lua_rawlen(L, -1) == 0)
                luaL_error(L, "option 'id' must be a non-empty string");
            /* C cuts at a NUL: "a\0x" and "a\0y" would be one id. */
            if (strlen(lua_tostring(L, -1)) != lua_rawlen(L, -1))
                luaL_error(L, "option 'id' must not contain a NUL byte");
            *id_out = lua_tostring(L, -1);
        } else if (!strcmp(k, "jitter")) {
            m->r.jitter = check_fire_span(L, -1, "jitter");
        } else if (!strcmp(k, "late_cancel")) {
            m->r.late_cancel = check_span(L, -1, "late_cancel");
        } else if (!strcmp(k, "window")) {
            if (lua_type(L, -1) != LUA_TSTRING)
                luaL_error(L, "option 'window' must be a string like \"10:00..18:00\"");
            if (window_parse(lua_tostring(L, -1), &m->r.window, err, sizeof err) < 0)
                luaL_error(L, "%s", err);
            m->r.has_window = true;
        } else if (!strcmp(k, "quiet")) {
            const char *q = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "";
            if (!strcmp(q, "defer"))
                m->r.quiet = QUIET_DEFER;
            else if (!strcmp(q, "drop"))
                m->r.quiet = QUIET_DROP;
            else if (!strcmp(q, "ignore"))
                m->r.quiet = QUIET_IGNORE;
            else
                luaL_error(L, "option 'quiet' must be \"defer\", \"drop\" or \"ignore\"");
        } else if (!strcmp(k, "catch_up")) {
            if (lua_type(L, -1) != LUA_TBOOLEAN) luaL_error(L, "option 'catch_up' must be a boolean");
            m->r.catch_up = lua_toboolean(L, -1);
        } else if (!strcmp(k, "_kind")) {
            /* The toolkit's (src/lua/prelude): what kind of reminder this is. */
            static const char *const kinds[] = {"checkin",   "gesture",   "promise",
                                                "patience",  "milestone", "notify"};
            const char *want = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "";
            size_t i;
            for (i = 0; i < sizeof kinds / sizeof *kinds; i++)
                if (!strcmp(kinds[i], want)) break;
            if (i == sizeof kinds / sizeof *kinds) luaL_error(L, "unknown reminder kind '%s'", want);
            m->r.kind = kinds[i];
        } else {
            luaL_error(L, "unknown option '%s' (id, jitter, window, quiet, catch_up, late_cancel)",
                       k);
        }
        lua_pop(L, 1);
    }
    (void)rs;
}

/* Gives m its id: the explicit one (which must be unique) or one derived from the call, made
 * unique by a "#N" suffix in registration order so it stays stable across unrelated edits. */
static void assign_id(lua_State *L, struct ruleset *rs, struct lrem *m, const char *explicit_id,
                      const char *derived)
{
    char buf[300];
    lua_rawgeti(L, LUA_REGISTRYINDEX, rs->ids_ref);
    if (explicit_id) {
        snprintf(buf, sizeof buf, "%s", explicit_id);
        /* An id is typed back at nudgectl, shown and stored: it is kept as the valid UTF-8
         * that list and history show (U+FFFD for bad bytes), so what the user sees works. */
        utf8_repair_inplace(buf, sizeof buf);
        if (lua_getfield(L, -1, buf) != LUA_TNIL) luaL_error(L, "duplicate id '%s'", buf);
        lua_pop(L, 1);
    } else {
        /* Count per derived name so a thousand rules on one expression stay linear. */
        lua_rawgeti(L, LUA_REGISTRYINDEX, rs->idcount_ref);
        lua_Integer n = (lua_getfield(L, -1, derived) == LUA_TNUMBER ? lua_tointeger(L, -1) : 0);
        lua_pop(L, 1);
        for (;;) {
            n++;
            if (n == 1)
                snprintf(buf, sizeof buf, "%s", derived);
            else
                snprintf(buf, sizeof buf, "%.256s#%lld", derived, (long long)n);
            utf8_repair_inplace(buf, sizeof buf);
            if (lua_getfield(L, -2, buf) == LUA_TNIL) break; /* in the ids table */
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
        lua_pushinteger(L, n);
        lua_setfield(L, -2, derived);
        lua_pop(L, 1);
    }
    lua_pushboolean(L, 1);
    lua_setfield(L, -2, buf);
    lua_pop(L, 1);
    m->r.id = strdup(buf);
    if (!m->r.id) luaL_error(L, "not enough memory");
}

static int regs_push(struct ruleset *rs, struct lrem *m)
{
    if (rs->n_regs == rs->cap_regs) {
        size_t cap = rs->cap_regs ? rs->cap_regs * 2 : 64;
        struct lrem **v = realloc(rs->regs, cap * sizeof *v);
        if (!v) return -ENOMEM;
        rs->regs = v;
        rs->cap_regs = cap;
    }
    m->reg_idx = rs->n_regs;
    rs->regs[rs->n_regs++] = m;
    rs->n_live++;
    return 0;
}

/* Pushes a new reminder handle of rs: not registered, not queued, no function yet. */
static struct lrem *new_lrem(lua_State *L, struct ruleset *rs)
{
    struct lrem *m = lua_newuserdatauv(L, sizeof *m, 0);
    /* Userdata memory is not zeroed: failures started at garbage, disabling rules at once. */
    memset(m, 0, sizeof *m);
    reminder_init(&m->r);
    m->rs = rs;
    m->self_ref = m->fn_ref = LUA_NOREF;
    m->reg_idx = SIZE_MAX;
    luaL_setmetatable(L, REMINDER_MT);
    return m;
}

static int schedule_call(lua_State *L, enum trigger trigger)
{
    static const char *const names[] = {"on", "every", "after", "at"};
    struct ruleset *rs = get_rs(L);
    char err[512], derived[256];
    lua_settop(L, 3); /* the handle goes above the arguments, never into the options slot */
    luaL_checktype(L, 2, LUA_TFUNCTION);

    struct lrem *m = new_lrem(L, rs);
    int ud = lua_gettop(L);
    m->r.trigger = trigger;
    m->r.kind = "notify";
    char wbuf[300];
    where(L, wbuf, sizeof wbuf);
    if (!(m->where = strdup(wbuf))) return luaL_error(L, "not enough memory");
    lua_Debug ar;
    lua_pushvalue(L, 2);
    lua_getinfo(L, ">u", &ar);
    m->wants_ev = ar.nparams > 0 || ar.isvararg;

    switch (trigger) {
    case TRIGGER_CALENDAR: {
        const char *s = luaL_checkstring(L, 1);
        const struct calcache_entry *c = calcache_get(rs, s, err, sizeof err);
        if (!c) return luaL_error(L, "%s", err);
        m->r.cal = c->cal;
        m->expr = c->expr;
        m->norm = c->norm;
        snprintf(derived, sizeof derived, "on:%s", c->norm);
        break;
    }
    case TRIGGER_EVERY:
    case TRIGGER_AFTER: {
        m->r.span = check_fire_span(L, 1, trigger == TRIGGER_EVERY ? "every" : "after");
        if (trigger == TRIGGER_EVERY && m->r.span < SCHEDULE_MIN_GAP)
            return luaL_error(L, "nudge.every needs a span of at least %Is",
                              (lua_Integer)(SCHEDULE_MIN_GAP / USEC_PER_SEC));
        char h[96];
        span_format(m->r.span, h, sizeof h);
        m->expr = strdup(h);
        snprintf(derived, sizeof derived, "%s:%s", names[trigger], h);
        break;
    }
    case TRIGGER_AT: {
        m->r.at = check_time(L, 1, rs);
        char h[96];
        timestamp_format(m->r.at, h, sizeof h);
        m->expr = strdup(h);
        snprintf(derived, sizeof derived, "at:%s", h);
        break;
    }
    }
    if (!m->expr) return luaL_error(L, "not enough memory");
    const char *explicit_id;
    parse_options(L, 3, rs, m, &explicit_id);
    assign_id(L, rs, m, explicit_id, derived);
    m->named = explicit_id != NULL;
    m->runtime = !rs->loading;

    lua_pushvalue(L, 2);
    m->fn_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_pushvalue(L, ud);
    m->self_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    if (regs_push(rs, m) < 0) return luaL_error(L, "not enough memory");

    if (rs->loading) {
        m->pending = true;
    } else if (schedule_add(&rs->sched, &m->r) < 0) {
        release(rs, m);
    }
    lua_pushvalue(L, ud);
    return 1;
}

static int l_on(lua_State *L) { return schedule_call(L, TRIGGER_CALENDAR); }
static int l_every(lua_State *L) { return schedule_call(L, TRIGGER_EVERY); }
static int l_after(lua_State *L) { return schedule_call(L, TRIGGER_AFTER); }
static int l_at(lua_State *L) { return schedule_call(L, TRIGGER_AT); }

/* ---- notifications ---- */

/* Tables given to the API are read raw: their fields are data, and a metatable's __index
 * would run rule code (a garbage collection, a reload of the table) between two fields that C
 * is holding. Pushes t[k] and returns its type. */
static int raw_field(lua_State *L, int t, const char *k)
{
    t = lua_absindex(L, t);
    luaL_checkstack(L, 4, "reading a table");
    lua_pushstring(L, k);
    return lua_rawget(L, t);
}

/* t[k] as a string, or NULL when absent. The value stays on the stack (the caller's to pop, or
 * to leave until the C function returns): a number turned into a string lives only there. */
static const char *opt_string_field(lua_State *L, int t, const char *k)
{
    int ty = raw_field(L, t, k);
    if (ty == LUA_TSTRING || ty == LUA_TNUMBER) return lua_tostring(L, -1);
    if (ty != LUA_TNIL)
        luaL_error(L, "notify field '%s' must be a string, not %s", k, lua_typename(L, ty));
    return NULL;
}

static int cmp_action(const void *a, const void *b)
{
    return strcmp(((const struct notify_action *)a)->id, ((const struct notify_action *)b)->id);
}

/* Reads `actions` (a list of {id=, label=} or a map id -> label) into a Lua-owned array kept
 * on the stack as a userdata. */
static size_t read_actions(lua_State *L, int t, struct notify_action **out)
{
    *out = NULL;
    if (raw_field(L, t, "actions") == LUA_TNIL) {
        lua_pop(L, 1);
        return 0;
    }
    if (!lua_istable(L, -1)) luaL_error(L, "notify field 'actions' must be a table");
    int at = lua_gettop(L);
    size_t n = 0;
    lua_pushnil(L);
    while (lua_next(L, at)) {
        n++;
        lua_pop(L, 1);
    }
    if (n > 16) luaL_error(L, "notify: at most 16 actions");
    struct notify_action *v = lua_newuserdatauv(L, (n ? n : 1) * sizeof *v, 0);
    memset(v, 0, (n ? n : 1) * sizeof *v);
    /* Either a list (keys exactly 1..n, kept in that order) or a map id -> label (sorted by id,
     * so output is the same on every run); a mix or a list with holes is refused. */
    bool list = false, map = false;
    size_t i = 0;
    lua_pushnil(L);
    while (lua_next(L, at)) {
        if (lua_isinteger(L, -2)) {
            lua_Integer k = lua_tointeger(L, -2);
            if (k < 1) luaL_error(L, "notify: 'actions' is a list from 1, not from %I", k);
            if ((size_t)k > n)
                luaL_error(L, "notify: 'actions' is a list with a hole (a nil before action %I)", k);
            if (!lua_istable(L, -1)) luaL_error(L, "notify: each action must be {id=, label=}");
            raw_field(L, -1, "id");
            raw_field(L, -2, "label");
            if (lua_type(L, -2) != LUA_TSTRING)
                luaL_error(L, "notify: action without a string 'id'");
            struct notify_action *a = &v[k - 1];
            a->id = (char *)lua_tostring(L, -2);
            a->label = (char *)(lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : a->id);
            /* The strings stay reachable: the actions table holds the element. */
            lua_pop(L, 2);
            list = true;
        } else if (lua_type(L, -2) == LUA_TSTRING && lua_type(L, -1) == LUA_TSTRING) {
            v[i].id = (char *)lua_tostring(L, -2);
            v[i].label = (char *)lua_tostring(L, -1);
            map = true;
        } else {
            luaL_error(L, "notify: 'actions' must be a list of {id=, label=} or a map id -> label");
        }
        if (list && map)
            luaL_error(L, "notify: 'actions' must be a list of {id=, label=} or a map id -> label, "
                          "not both");
        i++;
        lua_pop(L, 1);
    }
    if (map) qsort(v, n, sizeof *v, cmp_action);
    *out = v;
    /* The actions table and the array stay on the stack: the strings are the table's, and
     * nothing but C runs until l_notify returns. */
    return n;
}

/* Fills the `ev` table for the running reminder. */
static void push_event(lua_State *L, struct ruleset *rs, struct lrem *m, usec_t fired)
{
    lua_createtable(L, 0, 4);
    lua_pushstring(L, m ? m->r.id : "");
    lua_setfield(L, -2, "id");
    lua_pushstring(L, m ? m->r.kind : "notify");
    lua_setfield(L, -2, "kind");
    push_seconds(L, m ? rs->current_sched : fired);
    lua_setfield(L, -2, "scheduled");
    push_seconds(L, fired);
    lua_setfield(L, -2, "fired");
    (void)rs;
}

/* ---- history ---- */

struct last_fire {
    int64_t id;
    bool answered;
};

static int last_fire_cb(void *ud, const struct store_fire *f)
{
    struct last_fire *l = ud;
    l->id = f->id;
    l->answered = f->answer != NULL;
    return 0;
}

/* Records a notification a reminder showed. An earlier fire of the same reminder that nobody
 * answered is now "expired". Returns the fire's id, or 0 when nothing was recorded. */
static int64_t record_fire(struct ruleset *rs, const struct notification *n, usec_t scheduled,
                           usec_t now)
{
    if (!rs->record_history || !n->reminder_id || !*n->reminder_id) return 0;
    struct last_fire last = {0};
    if (store_last_fire(rs->store, n->reminder_id, last_fire_cb, &last) == 0 && !last.answered)
        store_record_answer(rs->store, last.id, "expired", now, "daemon");
    int64_t fid = 0;
    if (store_record_fire(rs->store, n->reminder_id, n->kind, scheduled, now, n->title, &fid) < 0)
        return 0;
    size_t len;
    char *blob = notification_encode(n, &len);
    if (blob) store_fire_attach(rs->store, fid, blob, len);
    free(blob);
    return fid;
}

/* Remembers which fire and reminder a notification id belongs to, for its answer. */
static void remember_shown(struct ruleset *rs, uint32_t id, int64_t fire_id, const char *reminder)
{
    if (!rs->interactive) return;
    struct shown *sh = &rs->shown[rs->shown_next];
    rs->shown_next = (rs->shown_next + 1) % SHOWN_MAX;
    free(sh->reminder);
    sh->id = id;
    sh->fire_id = fire_id;
    sh->reminder = strdup(reminder ? reminder : "");
}

static struct shown *find_shown(struct ruleset *rs, uint32_t id)
{
    for (size_t i = 0; i < SHOWN_MAX; i++)
        if (rs->shown[i].id == id && id != 0) return &rs->shown[i];
    return NULL;
}

static int l_notify(lua_State *L)
{
    struct ruleset *rs = get_rs(L);
    char err[256];
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    struct notification n = {0};
    n.title = opt_string_field(L, 1, "title");
    if (!n.title || !*n.title) return luaL_error(L, "notify: 'title' is required");
    n.body = opt_string_field(L, 1, "body");
    n.icon = opt_string_field(L, 1, "icon");
    n.category = opt_string_field(L, 1, "category");
    n.urgency = URGENCY_NORMAL;
    const char *u = opt_string_field(L, 1, "urgency");
    if (u && urgency_parse(u, &n.urgency) < 0)
        return luaL_error(L, "notify: urgency must be \"low\", \"normal\" or \"critical\"");
    n.timeout_ms = -1;
    int ty = raw_field(L, 1, "timeout");
    if (ty == LUA_TSTRING && !strcmp(lua_tostring(L, -1), "never"))
        n.timeout_ms = 0;
    else if (ty != LUA_TNIL)
        n.timeout_ms = check_span(L, -1, "timeout") / 1000;
    lua_pop(L, 1);
    /* _snooze and _promise are the toolkit's (src/lua/prelude): how long "snooze" waits, and
     * which promise a Kept/Broken answer settles. */
    static const char *const known[] = {"title",   "body",      "icon",     "category",
                                        "urgency", "timeout",   "actions",  "on_action",
                                        "on_close", "_snooze",  "_promise", NULL};
    lua_pushnil(L);
    while (lua_next(L, 1)) {
        bool ok = false;
        if (lua_type(L, -2) == LUA_TSTRING)
            for (const char *const *k = known; *k && !ok; k++) ok = !strcmp(*k, lua_tostring(L, -2));
        if (!ok)
            return luaL_error(L, "notify: unknown field '%s'",
                              lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "?");
        lua_pop(L, 1);
    }
    for (const char *cb = "on_action"; cb; cb = strcmp(cb, "on_action") ? NULL : "on_close") {
        int t = raw_field(L, 1, cb);
        if (t != LUA_TNIL && t != LUA_TFUNCTION)
            return luaL_error(L, "notify: '%s' must be a function", cb);
        lua_pop(L, 1);
    }
    n.n_actions = read_actions(L, 1, &n.actions);
    if (raw_field(L, 1, "_snooze") != LUA_TNIL) n.snooze = check_fire_span(L, -1, "_snooze");
    lua_pop(L, 1);
    n.promise = opt_string_field(L, 1, "_promise");
    n.app_name = rs->app_name;
    n.kind = rs->current ? rs->current->r.kind : "notify";
    n.reminder_id = rs->current ? rs->current->r.id : "";
    uint32_t id = 0;
    usec_t now = clock_now(rs->clock);
    if (rs->backend->show(rs->backend, &n, now, &id, err, sizeof err) < 0) {
        log_warn("%s: notification \"%s\" not shown: %s", rs->current ? rs->current->where : "?",
                 n.title, err);
        lua_pushnil(L);
        return 1;
    }
    remember_shown(rs, id, record_fire(rs, &n, rs->current ? rs->current_sched : now, now),
                   n.reminder_id);
    if (rs->interactive) {
        /* Keep the callbacks until the notification closes. */
        int has_cb = raw_field(L, 1, "on_action") != LUA_TNIL;
        has_cb |= raw_field(L, 1, "on_close") != LUA_TNIL;
        lua_pop(L, 2);
        if (has_cb) {
            lua_rawgeti(L, LUA_REGISTRYINDEX, rs->notif_ref);
            lua_createtable(L, 0, 3);
            raw_field(L, 1, "on_action");
            lua_setfield(L, -2, "on_action");
            raw_field(L, 1, "on_close");
            lua_setfield(L, -2, "on_close");
            push_event(L, rs, rs->current, now);
            lua_setfield(L, -2, "ev");
            lua_rawseti(L, -2, id);
            lua_pop(L, 1);
        }
    }
    lua_pushinteger(L, id);
    return 1;
}

/* ---- config ---- */

static size_t parse_size(lua_State *L, int idx)
{
    if (lua_type(L, idx) == LUA_TNUMBER) {
        lua_Integer v = lua_tointeger(L, idx);
        if (v <= 0) luaL_error(L, "limits.memory must be positive");
        return (size_t)v;
    }
    const char *s = luaL_checkstring(L, idx);
    char *e;
    double v = strtod(s, &e);
    double mul = 1;
    if (*e == 'K' || *e == 'k')
        mul = 1024, e++;
    else if (*e == 'M' || *e == 'm')
        mul = 1024.0 * 1024, e++;
    else if (*e == 'G' || *e == 'g')
        mul = 1024.0 * 1024 * 1024, e++;
    if (*e == 'B' || *e == 'i') e += (*e == 'i' && e[1] == 'B') ? 2 : 1;
    if (e == s || *e || !(v > 0) || v * mul > 64.0 * 1024 * 1024 * 1024)
        luaL_error(L, "bad memory size \"%s\" (use e.g. \"64M\")", s);
    return (size_t)(v * mul);
}

static int l_config(lua_State *L)
{
    struct ruleset *rs = get_rs(L);
    char err[256];
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    lua_pushnil(L);
    while (lua_next(L, 1)) {
        const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "?";
        if (!strcmp(k, "since")) {
            rs->since = check_time(L, -1, rs);
            rs->has_since = true;
        } else if (!strcmp(k, "quiet_hours")) {
            if (lua_type(L, -1) == LUA_TBOOLEAN && !lua_toboolean(L, -1)) {
                rs->sched.has_quiet = false;
            } else {
                if (lua_type(L, -1) != LUA_TSTRING)
                    luaL_error(L, "config 'quiet_hours' must be a window like \"22:30..07:30\"");
                if (window_parse(lua_tostring(L, -1), &rs->sched.quiet, err, sizeof err) < 0)
                    luaL_error(L, "%s", err);
                rs->sched.has_quiet = true;
            }
            if (!rs->loading) schedule_replan_all(&rs->sched);
        } else if (!strcmp(k, "backend")) {
            const char *b = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "";
            if (strcmp(b, "auto") && strcmp(b, "libnotify") && strcmp(b, "stdout"))
                luaL_error(L, "config 'backend' must be \"auto\", \"libnotify\" or \"stdout\"");
            snprintf(rs->backend_name, sizeof rs->backend_name, "%s", b);
        } else if (!strcmp(k, "app_name")) {
            if (lua_type(L, -1) != LUA_TSTRING) luaL_error(L, "config 'app_name' must be a string");
            snprintf(rs->app_name, sizeof rs->app_name, "%s", lua_tostring(L, -1));
        } else if (!strcmp(k, "limits")) {
            luaL_checktype(L, -1, LUA_TTABLE);
            struct sandbox_limits lim;
            sandbox_get_limits(L, &lim);
            int t = lua_gettop(L);
            lua_pushnil(L);
            while (lua_next(L, t)) {
                const char *lk = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "?";
                if (!strcmp(lk, "instructions")) {
                    if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 1000)
                        luaL_error(L, "limits.instructions must be an integer >= 1000");
                    lim.instructions = lua_tointeger(L, -1);
                } else if (!strcmp(lk, "memory")) {
                    lim.memory = parse_size(L, -1);
                    if (lim.memory < sandbox_memory_used(L) + ((size_t)1 << 20))
                        luaL_error(L, "limits.memory is below what the rules already use");
                } else if (!strcmp(lk, "time")) {
                    /* Per callback; a rule that needs more than seconds blocks the daemon. */
                    usec_t span = check_span(L, -1, "limits.time");
                    if (span < USEC_PER_SEC / 100 || span > 10 * USEC_PER_SEC)
                        luaL_error(L, "limits.time must be between 10ms and 10s");
                    lim.time_usec = span;
                } else {
                    luaL_error(L, "unknown limit '%s' (instructions, memory, time)", lk);
                }
                lua_pop(L, 1);
            }
            sandbox_set_limits(L, &lim);
        } else {
            luaL_error(L, "unknown config field '%s' (since, quiet_hours, backend, app_name, limits)",
                       k);
        }
        lua_pop(L, 1);
    }
    return 0;
}

/* ---- time and randomness ---- */

static int l_now(lua_State *L)
{
    push_seconds(L, clock_now(get_rs(L)->clock));
    return 1;
}

static int l_time(lua_State *L)
{
    push_seconds(L, check_time(L, 1, get_rs(L)));
    return 1;
}

static int l_span(lua_State *L)
{
    push_seconds(L, check_span(L, 1, "span"));
    return 1;
}

static int l_date(lua_State *L)
{
    struct ruleset *rs = get_rs(L);
    const char *fmt = luaL_optstring(L, 1, "%c");
    /* Read the time before pushing anything: index 2 must still be the argument. */
    usec_t t = lua_isnoneornil(L, 2) ? clock_now(rs->clock) : check_time(L, 2, rs);
    lua_rawgeti(L, LUA_REGISTRYINDEX, rs->osdate_ref);
    lua_pushstring(L, fmt);
    lua_pushinteger(L, (lua_Integer)(t / USEC_PER_SEC));
    lua_call(L, 2, 1);
    return 1;
}

static int l_days_since(lua_State *L)
{
    struct ruleset *rs = get_rs(L);
    usec_t from;
    if (lua_isnoneornil(L, 1)) {
        if (!rs->has_since)
            return luaL_error(L, "nudge.days_since: no argument and no nudge.config{since=...}");
        from = rs->since;
    } else {
        from = check_time(L, 1, rs);
    }
    usec_t d = clock_now(rs->clock) - from;
    lua_pushinteger(L, (lua_Integer)(d >= 0 ? d / USEC_PER_DAY : -((-d + USEC_PER_DAY - 1) / USEC_PER_DAY)));
    return 1;
}

static int l_random(lua_State *L)
{
    struct prng *p = &get_rs(L)->sched.prng;
    lua_Integer lo, hi;
    switch (lua_gettop(L)) {
    case 0:
        lua_pushnumber(L, prng_double(p));
        return 1;
    case 1:
        lo = 1;
        hi = luaL_checkinteger(L, 1);
        break;
    default:
        lo = luaL_checkinteger(L, 1);
        hi = luaL_checkinteger(L, 2);
    }
    luaL_argcheck(L, lo <= hi, lua_gettop(L) == 1 ? 1 : 2, "interval is empty");
    uint64_t span = (uint64_t)hi - (uint64_t)lo;
    uint64_t r = span == UINT64_MAX ? prng_next(p) : prng_below(p, span + 1);
    lua_pushinteger(L, (lua_Integer)((uint64_t)lo + r));
    return 1;
}

/* os.time() and os.date() without a time use the rule set's clock, so --preview sees its
 * simulated "now" wherever a rule asks. */
static int l_os_time(lua_State *L)
{
    struct ruleset *rs = get_rs(L);
    if (lua_isnoneornil(L, 1)) {
        lua_pushinteger(L, (lua_Integer)(clock_now(rs->clock) / USEC_PER_SEC));
        return 1;
    }
    lua_rawgeti(L, LUA_REGISTRYINDEX, rs->ostime_ref);
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 1);
    return 1;
}

static int l_os_date(lua_State *L)
{
    struct ruleset *rs = get_rs(L);
    lua_settop(L, 2);
    if (lua_isnil(L, 2)) lua_pushinteger(L, (lua_Integer)(clock_now(rs->clock) / USEC_PER_SEC)), lua_replace(L, 2);
    if (lua_isnil(L, 1)) lua_pushliteral(L, "%c"), lua_replace(L, 1);
    lua_rawgeti(L, LUA_REGISTRYINDEX, rs->osdate_ref);
    lua_insert(L, 1);
    lua_call(L, 2, 1);
    return 1;
}

/* ---- store (kept in the state for now; see README) ---- */

/* lserial_decode in a protected call, so the blob is freed when decoding hits the memory cap. */
static int decode_blob(lua_State *L)
{
    const char *blob = lua_touserdata(L, 1);
    size_t len = (size_t)lua_tointeger(L, 2);
    lua_settop(L, 0);
    bool ok = lserial_decode(L, blob, len) == 0;
    if (!ok) lua_pushnil(L);
    lua_pushboolean(L, ok);
    return 2; /* the value (or nil), whether it decoded */
}

static int l_store_get(lua_State *L)
{
    struct ruleset *rs = get_rs(L);
    const char *k = luaL_checkstring(L, 1);
    lua_settop(L, 2); /* the default, or nil */
    luaL_checkstack(L, 4, NULL);
    void *blob;
    size_t len;
    int r = store_kv_get(rs->store, k, &blob, &len);
    if (r == -ENOENT) return 1;
    if (r < 0) return luaL_error(L, "nudge.store.get: the state database failed (see the log)");
    if (len > 4 * LSERIAL_MAX) { /* not written by nudge.store.set */
        free(blob);
        return luaL_error(L, "nudge.store.get: the value of '%s' is too large (%I bytes)", k,
                          (lua_Integer)len);
    }
    lua_pushcfunction(L, decode_blob);
    lua_pushlightuserdata(L, blob);
    lua_pushinteger(L, (lua_Integer)len);
    r = lua_pcall(L, 2, 2, 0);
    free(blob);
    if (r != LUA_OK) {
        lua_settop(L, 2); /* drop the message: luaL_error gives the rule's file:line */
        return luaL_error(L, "nudge.store.get: memory limit exceeded reading '%s'", k);
    }
    if (!lua_toboolean(L, -1)) {
        log_warn("nudge.store: the value of '%s' is damaged; using the default", k);
        lua_settop(L, 2);
        return 1;
    }
    lua_pop(L, 1);
    return 1;
}

#define STORE_KEY_MAX 1024
#define STORE_TOTAL_MAX (16 << 20)

static int l_store_set(lua_State *L)
{
    struct ruleset *rs = get_rs(L);
    char err[256];
    size_t klen;
    const char *k = luaL_checklstring(L, 1, &klen);
    if (klen > STORE_KEY_MAX)
        return luaL_error(L, "nudge.store: a key is at most %d bytes", STORE_KEY_MAX);
    lua_settop(L, 2);
    if (lua_isnil(L, 2)) {
        if (store_kv_set(rs->store, k, NULL, 0) < 0)
            return luaL_error(L, "nudge.store.set: the state database failed (see the log)");
        return 0;
    }
    size_t len;
    char *blob = lserial_encode(L, 2, LSERIAL_MAX, &len, err, sizeof err);
    if (!blob) return luaL_error(L, "nudge.store: %s", err);
    /* Each value is capped, so the file is too: a loop of new keys grew it 170 MB in 6 s. */
    int64_t others = 0;
    if (store_kv_size(rs->store, k, &others) < 0) {
        free(blob);
        return luaL_error(L, "nudge.store.set: the state database failed (see the log)");
    }
    if (others + (int64_t)(klen + len) > STORE_TOTAL_MAX) {
        free(blob);
        return luaL_error(L, "nudge.store: the stored values would be over %d MiB in all; set the "
                             "ones no longer needed to nil",
                          STORE_TOTAL_MAX >> 20);
    }
    int r = store_kv_set(rs->store, k, blob, len);
    free(blob);
    if (r < 0) return luaL_error(L, "nudge.store.set: the state database failed (see the log)");
    return 0;
}

/* ---- events, log ---- */

static int l_listen(lua_State *L)
{
    struct ruleset *rs = get_rs(L);
    const char *name = luaL_checkstring(L, 1);
    luaL_checktype(L, 2, LUA_TFUNCTION);
    if (!*name) return luaL_error(L, "nudge.listen: empty event name");
    lua_rawgeti(L, LUA_REGISTRYINDEX, rs->listeners_ref);
    if (lua_getfield(L, -1, name) == LUA_TNIL) {
        lua_pop(L, 1);
        lua_newtable(L);
        lua_pushvalue(L, -1);
        lua_setfield(L, -3, name);
    }
    lua_pushvalue(L, 2);
    lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
    return 0;
}

static int log_common(lua_State *L, enum log_level level)
{
    char w[160];
    where(L, w, sizeof w);
    luaL_Buffer b;
    int n = lua_gettop(L);
    luaL_buffinit(L, &b);
    for (int i = 1; i <= n; i++) {
        if (i > 1) luaL_addchar(&b, ' ');
        luaL_tolstring(L, i, NULL);
        luaL_addvalue(&b);
    }
    luaL_pushresult(&b);
    log_msg(level, "%s: %s", w, lua_tostring(L, -1));
    return 0;
}

static int l_log(lua_State *L) { return log_common(L, LOG_LVL_INFO); }
static int l_warn(lua_State *L) { return log_common(L, LOG_LVL_WARNING); }

/* nudge.spawn{"prog", "arg", ...}: no shell, no waiting; the pid, or nil in --preview/--check. */
static int l_spawn(lua_State *L)
{
    struct ruleset *rs = get_rs(L);
    char err[512];
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_Integer n = (lua_Integer)lua_rawlen(L, 1);
    if (n < 1 || n > 256) return luaL_error(L, "nudge.spawn needs {program, args...} (1 to 256 strings)");
    const char **argv = lua_newuserdatauv(L, (size_t)(n + 1) * sizeof *argv, 0);
    for (lua_Integer i = 1; i <= n; i++) {
        if (lua_rawgeti(L, 1, i) != LUA_TSTRING)
            return luaL_error(L, "nudge.spawn: argument %d is a %s, not a string", (int)i,
                              luaL_typename(L, -1));
        argv[i - 1] = lua_tostring(L, -1); /* kept alive by the argument table */
        lua_pop(L, 1);
    }
    argv[n] = NULL;
    if (!rs->spawn) {
        log_debug("not running \"%s\": nothing is started in --check or --preview", argv[0]);
        lua_pushnil(L);
        return 1;
    }
    int pid = rs->spawn(rs->host, argv, err, sizeof err);
    if (pid < 0) return luaL_error(L, "nudge.spawn: %s", err);
    lua_pushinteger(L, pid);
    return 1;
}

static int l_require(lua_State *L)
{
    const char *name = luaL_checkstring(L, 1);
    if (strcmp(name, "nudge") != 0)
        return luaL_error(L, "module '%s' not available: rules can only require \"nudge\"", name);
    lua_rawgeti(L, LUA_REGISTRYINDEX, get_rs(L)->nudge_ref);
    return 1;
}

/* ---- building the module ---- */

static int new_ref_table(lua_State *L)
{
    lua_newtable(L);
    return luaL_ref(L, LUA_REGISTRYINDEX);
}

/* open_api(rs): in a protected call, like every other entry from C (see protected()). */
static int open_api(lua_State *L)
{
    struct ruleset *rs = lua_touserdata(L, 1);
    lua_settop(L, 0);
    lua_pushlightuserdata(L, rs);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &RULESET_KEY);

    luaL_newmetatable(L, REMINDER_MT);
    lua_pushcfunction(L, lrem_index);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, lrem_gc);
    lua_setfield(L, -2, "__gc");
    lua_pushcfunction(L, lrem_tostring);
    lua_setfield(L, -2, "__tostring");
    lua_pushliteral(L, "nudge.reminder");
    lua_setfield(L, -2, "__metatable");
    lua_pop(L, 1);

    static const luaL_Reg api[] = {
        {"on", l_on},         {"every", l_every},   {"after", l_after},
        {"at", l_at},         {"notify", l_notify}, {"config", l_config},
        {"now", l_now},       {"time", l_time},     {"span", l_span},
        {"date", l_date},     {"days_since", l_days_since}, {"random", l_random},
        {"listen", l_listen}, {"log", l_log},       {"warn", l_warn},
        {"spawn", l_spawn},
        {NULL, NULL},
    };
    luaL_newlib(L, api);
    static const luaL_Reg store[] = {{"get", l_store_get}, {"set", l_store_set}, {NULL, NULL}};
    luaL_newlib(L, store);
    lua_setfield(L, -2, "store");
    lua_pushvalue(L, -1);
    rs->nudge_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_setglobal(L, "nudge");

    lua_rawgeti(L, LUA_REGISTRYINDEX, rs->nudge_ref);
    toolkit_open(L);
    lua_pop(L, 1);
    rs->listeners_ref = new_ref_table(L);
    rs->notif_ref = new_ref_table(L);
    rs->ids_ref = new_ref_table(L);
    rs->idcount_ref = new_ref_table(L);
    rs->fired_ref = new_ref_table(L);

    lua_getglobal(L, "os");
    lua_getfield(L, -1, "date");
    rs->osdate_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_getfield(L, -1, "time");
    rs->ostime_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_pushcfunction(L, l_os_time);
    lua_setfield(L, -2, "time");
    lua_pushcfunction(L, l_os_date);
    lua_setfield(L, -2, "date");
    lua_pop(L, 1);

    lua_pushcfunction(L, l_require);
    lua_setglobal(L, "require");
    lua_pushcfunction(L, l_log);
    lua_setglobal(L, "print");
    return 0;
}

/* After the prelude ran, before any rule file: keeps the toolkit's scheduler of nudgectl
 * promises, so a rule that sets nudge._toolkit (to nil, or to a table whose __index loops)
 * cannot make ruleset_promise_added() run its code or fail outside a callback. */
static int keep_toolkit(lua_State *L)
{
    struct ruleset *rs = lua_touserdata(L, 1);
    lua_rawgeti(L, LUA_REGISTRYINDEX, rs->nudge_ref);
    lua_pushliteral(L, "_toolkit");
    if (lua_rawget(L, -2) != LUA_TTABLE) return luaL_error(L, "nudge._toolkit is missing");
    lua_pushliteral(L, "schedule_ctl_promise");
    if (lua_rawget(L, -2) != LUA_TFUNCTION)
        return luaL_error(L, "nudge._toolkit.schedule_ctl_promise is missing");
    rs->ctl_promise_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    return 0;
}

/* The one way C enters the rule set's state other than through a callback's guarded_call():
 * body runs in a protected call with arg as its one (light userdata) argument, so that
 * building an ev table at the memory cap, reading a table or growing one is an error returned
 * here, never a Lua panic that aborts the daemon. Rule code inside body runs in
 * guarded_call(), under the instruction budget. Returns 0, or -1 with err set. */
static int protected(struct ruleset *rs, lua_CFunction body, void *arg, char *err, size_t errsz)
{
    lua_State *L = rs->L;
    char none[1];
    if (!err || !errsz) err = none, errsz = sizeof none;
    /* Pushing a light C function and a light userdata allocates nothing but stack. */
    if (!lua_checkstack(L, 4)) return snprintf(err, errsz, "memory limit exceeded"), -1;
    lua_pushcfunction(L, body);
    lua_pushlightuserdata(L, arg);
    int rc = lua_pcall(L, 1, 0, 0);
    if (rc == LUA_OK) return 0;
    const char *m = lua_tostring(L, -1);
    snprintf(err, errsz, "%s", rc == LUA_ERRMEM ? "memory limit exceeded" : m ? m : "error");
    lua_pop(L, 1);
    return -1;
}

/* Pushes reminder m's handle (its registry reference, so nothing is allocated) on the main
 * thread's stack, where it stays until the caller pops it: while C holds m across a callback,
 * the callback may cancel m, drop every handle and collect garbage without freeing m. Returns
 * false (nothing pushed) when even the stack cannot grow. */
static bool pin(struct ruleset *rs, struct lrem *m)
{
    if (!lua_checkstack(rs->L, 8)) return false;
    lua_rawgeti(rs->L, LUA_REGISTRYINDEX, m->self_ref);
    return true;
}

/* ---- loading ---- */

/* What a path is, for "PATH: is a named pipe (FIFO), not a rule file". */
static const char *file_kind(mode_t m)
{
    if (S_ISDIR(m)) return "a folder";
    if (S_ISFIFO(m)) return "a named pipe (FIFO)";
    if (S_ISSOCK(m)) return "a socket";
    if (S_ISCHR(m) || S_ISBLK(m)) return "a device";
    return "not a regular file";
}

/* Reads a rule file whole. Only a regular file is read: a FIFO or device could block the loop
 * (a reload) forever or have effects when opened, so its kind is checked by name first, the
 * open cannot block (O_NONBLOCK), and the opened file is checked again. Links are followed (rule
 * files are often symlinked dotfiles). A file this process holds locks on (the state database)
 * is never opened: closing it would drop those locks. At most RULE_FILE_MAX bytes. */
static int read_file(const char *path, char **buf, size_t *len, char *err, size_t errsz)
{
    struct stat st, fst;
    if (stat(path, &st) < 0)
        return snprintf(err, errsz, "%s: cannot open: %s", path, strerror(errno)), -1;
    if (!S_ISREG(st.st_mode))
        return snprintf(err, errsz, "%s: is %s, not a rule file (rule files must be regular files)",
                        path, file_kind(st.st_mode)),
               -1;
    if (heldfiles_contains(st.st_dev, st.st_ino))
        return snprintf(err, errsz, "%s: is nudge's state database, not a rule file", path), -1;
    if ((uintmax_t)st.st_size > RULE_FILE_MAX)
        return snprintf(err, errsz, "%s: too large for a rule file (over %zu MiB)", path,
                        RULE_FILE_MAX >> 20),
               -1;
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) return snprintf(err, errsz, "%s: cannot open: %s", path, strerror(errno)), -1;
    if (fstat(fd, &fst) < 0 || !S_ISREG(fst.st_mode) || fst.st_dev != st.st_dev ||
        fst.st_ino != st.st_ino) {
        close(fd);
        return snprintf(err, errsz, "%s: changed while being opened; not read", path), -1;
    }
    size_t cap = (size_t)fst.st_size + 1, n = 0;
    char *b = malloc(cap);
    while (b) {
        if (n == cap) {
            if (cap > RULE_FILE_MAX) break;
            cap = cap * 2 > RULE_FILE_MAX + 1 ? RULE_FILE_MAX + 1 : cap * 2;
            char *nb = realloc(b, cap);
            if (!nb) {
                free(b);
                b = NULL;
                break;
            }
            b = nb;
        }
        ssize_t r = read(fd, b + n, cap - n);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            int e = errno;
            free(b);
            close(fd);
            return snprintf(err, errsz, "%s: read error: %s", path, strerror(e)), -1;
        }
        if (r == 0) break;
        n += (size_t)r;
    }
    close(fd);
    if (!b) return snprintf(err, errsz, "%s: not enough memory to read it", path), -1;
    /* Grown while read: the cap still holds. */
    if (n > RULE_FILE_MAX) {
        free(b);
        return snprintf(err, errsz, "%s: too large for a rule file (over %zu MiB)", path,
                        RULE_FILE_MAX >> 20),
               -1;
    }
    *buf = b;
    *len = n;
    return 0;
}

struct timebuf {
    char s[96];
};

static struct timebuf fmt_time(usec_t t)
{
    struct timebuf b;
    timestamp_format(t, b.s, sizeof b.s);
    return b;
}

/* The latest elapse after the last one m fired for (in an earlier run), if one is already past:
 * every elapse missed meanwhile folds into it, and late_cancel is judged on it (as for a fire
 * made late by sleep), so a daily reminder down for three days still catches up yesterday's. */
static bool missed_elapse(struct ruleset *rs, struct lrem *m, usec_t now, usec_t *missed)
{
    /* A named `at` that came due while nudged was down (it has not fired: the oneshots table
     * was checked first). An unnamed one cannot be told apart from one that did fire. */
    if (m->r.trigger == TRIGGER_AT) {
        if (!m->named || m->r.at > now) return false;
        *missed = m->r.at;
        return true;
    }
    usec_t last_sched, last_fired;
    if (store_get_last_fire(rs->store, m->r.id, &last_sched, &last_fired) < 0) return false;
    usec_t e, f;
    if (m->r.trigger == TRIGGER_CALENDAR) {
        if (calendar_next(m->r.cal, last_sched, &e) < 0 || e > now) return false;
        /* Walk only the last late_cancel, so a minutely event after months away ends fast. */
        usec_t from = now - m->r.late_cancel - 1;
        if (from > e && calendar_next(m->r.cal, from, &f) == 0 && f <= now) e = f;
        for (int i = 0; i < 100000 && calendar_next(m->r.cal, e, &f) == 0 && f <= now; i++) e = f;
    } else if (m->r.trigger == TRIGGER_EVERY) {
        if (m->r.span <= 0 || last_sched > now - m->r.span) return false;
        e = last_sched + (now - last_sched) / m->r.span * m->r.span;
    } else {
        return false; /* one-shots: the oneshots table decides */
    }
    *missed = e;
    return true;
}

static void queue_snooze(struct ruleset *rs, int64_t id, int64_t fire_id, usec_t due,
                         const void *blob, size_t len)
{
    struct snooze *z = calloc(1, sizeof *z);
    if (!z) return;
    z->blob = malloc(len + 1);
    if (!z->blob) {
        free(z);
        return;
    }
    memcpy(z->blob, blob, len);
    z->len = len;
    z->id = id;
    z->fire_id = fire_id;
    reminder_init(&z->r);
    z->r.trigger = TRIGGER_AT;
    z->r.at = due;
    z->r.kind = "snooze";
    z->r.quiet = QUIET_IGNORE; /* the user chose when */
    z->r.owner_data = (void *)&SNOOZE_TAG;
    z->next = rs->snoozes;
    rs->snoozes = z;
    /* A snooze that fell due while nudged was down shows at once. */
    usec_t now = clock_now(rs->clock);
    if (due <= now)
        schedule_add_due(&rs->sched, &z->r, due);
    else
        schedule_add(&rs->sched, &z->r);
}

static int snooze_cb(void *ud, const struct store_snooze *z)
{
    queue_snooze(ud, z->id, z->fire_id, z->due, z->blob, z->len);
    return 0;
}

static void load_snoozes(struct ruleset *rs)
{
    store_snoozes(rs->store, snooze_cb, rs);
}

static void free_snooze(struct ruleset *rs, struct snooze *z)
{
    schedule_remove(&rs->sched, &z->r);
    for (struct snooze **p = &rs->snoozes; *p; p = &(*p)->next)
        if (*p == z) {
            *p = z->next;
            break;
        }
    free(z->blob);
    free(z);
}

/* A new answer to a fire replaces its pending snooze: snoozed again, the new time wins;
 * answered otherwise, it is not shown again. */
static void drop_snoozes(struct ruleset *rs, int64_t fire_id)
{
    for (struct snooze *z = rs->snoozes, *next; z; z = next) {
        next = z->next;
        if (z->fire_id != fire_id) continue;
        store_snooze_remove(rs->store, z->id);
        free_snooze(rs, z);
    }
}

/* The compiled chunk a previous rule set kept for `path`, or NULL. */
static const struct compiled *previous_chunk(const struct ruleset *prev, const char *path)
{
    if (!prev || !prev->compiled) return NULL;
    for (size_t i = 0; i < prev->n_paths; i++)
        if (!strcmp(prev->paths[i], path) && prev->compiled[i].dump) return &prev->compiled[i];
    return NULL;
}

/* Lua names a chunk with a long path "...<last 56 bytes>": errors must name the file in
 * full, so put the path back when the message starts with such a tail of one of ours. */
static void unshorten(const struct ruleset *rs, char *msg, size_t sz)
{
    if (strncmp(msg, "...", 3) != 0) return;
    for (size_t i = 0; i < rs->n_paths; i++) {
        const char *p = rs->paths[i];
        size_t len = strlen(p);
        for (size_t k = len; k > 8; k--) {
            if (strncmp(msg + 3, p + len - k, k) != 0 || msg[3 + k] != ':') continue;
            size_t rest = strlen(msg + 3 + k);
            if (len + rest + 1 > sz) return;
            memmove(msg + len, msg + 3 + k, rest + 1);
            memcpy(msg, p, len);
            return;
        }
    }
}

static int lrem_by_id(const void *a, const void *b);
static bool same_definition(const struct lrem *a, const struct lrem *b);
static bool quiet_changed(const struct ruleset *rs, const struct ruleset *old);
static struct lrem **live_by_id(const struct ruleset *rs, size_t *n);

struct ruleset *ruleset_load(const struct ruleset_options *o, struct strlist *errors,
                             struct strlist *warnings)
{
    struct strlist local = {0};
    struct strlist *errs = errors ? errors : &local;
    size_t errs_before = errs->n;
    struct ruleset *rs = calloc(1, sizeof *rs);
    if (!rs) {
        strlist_add(errs, "not enough memory");
        return NULL;
    }
    rs->clock = o->clock;
    rs->backend = o->backend;
    rs->interactive = o->interactive;
    rs->loading = true;
    rs->warnings = warnings;
    rs->spawn = o->spawn;
    rs->host = o->host;
    rs->store = o->store;
    rs->record_history = o->record_history;
    if (!rs->store) {
        char err[256];
        if (store_open_memory(&rs->store, err, sizeof err) < 0) {
            strlist_add(errs, "cannot create an in-memory state: %s", err);
            free(rs);
            return NULL;
        }
        rs->own_store = true;
    }
    rs->ledger = ledger_new(rs->store);
    if (!rs->ledger) {
        strlist_add(errs, "cannot set up the ledger: not enough memory");
        if (rs->own_store) store_close(rs->store);
        free(rs);
        return NULL;
    }
    snprintf(rs->backend_name, sizeof rs->backend_name, "auto");
    snprintf(rs->app_name, sizeof rs->app_name, "nudge");
    schedule_init(&rs->sched, o->clock, o->seed);
    rs->L = sandbox_new();
    if (!rs->L) {
        strlist_add(errs, "cannot create a Lua state: not enough memory");
        ledger_free(rs->ledger);
        if (rs->own_store) store_close(rs->store);
        free(rs);
        return NULL;
    }
    rs->ctl_promise_ref = LUA_NOREF;
    char api_err[512];
    if (protected(rs, open_api, rs, api_err, sizeof api_err) < 0) {
        strlist_add(errs, "cannot set up the nudge module: %s", api_err);
        ruleset_free(rs);
        strlist_free(&local);
        return NULL;
    }

    /* The trust toolkit (nudge.checkin, gesture, ...) is Lua shipped inside the binary. */
    for (const struct prelude_chunk *c = nudge_prelude; c->name; c++) {
        char msg[2048], name[128];
        snprintf(name, sizeof name, "prelude/%s.lua", c->name);
        if (sandbox_load(rs->L, c->source, c->len, name, msg, sizeof msg) < 0 ||
            sandbox_pcall(rs->L, 0, 0, msg, sizeof msg, NULL, 0) < 0)
            strlist_add(errs, "internal error in the toolkit: %s", msg);
    }
    if (protected(rs, keep_toolkit, rs, api_err, sizeof api_err) < 0)
        strlist_add(errs, "internal error in the toolkit: %s", api_err);

    rs->paths = calloc(o->n_paths ? o->n_paths : 1, sizeof *rs->paths);
    rs->compiled = calloc(o->n_paths ? o->n_paths : 1, sizeof *rs->compiled);
    for (size_t i = 0; rs->paths && i < o->n_paths; i++)
        if ((rs->paths[i] = strdup(o->paths[i]))) rs->n_paths = i + 1;
    /* Loading makes objects that live on (reminders, closures), hardly any garbage: collect
     * rarely meanwhile (at 4x the live size instead of 2x). The memory cap still holds. */
    lua_gc(rs->L, LUA_GCINC, 400, 0, 0);
    for (size_t i = 0; i < o->n_paths; i++) {
        char msg[2048], trace[4096];
        char *buf;
        size_t len;
        if (read_file(o->paths[i], &buf, &len, msg, sizeof msg) < 0) {
            strlist_add(errs, "%s", msg);
            continue;
        }
        int rc = -1;
        const struct compiled *prev = previous_chunk(o->previous, o->paths[i]);
        bool reused = false;
        if (prev && prev->source_len == len && !memcmp(prev->source, buf, len))
            reused = (rc = sandbox_load_dump(rs->L, prev->dump, prev->dump_len, o->paths[i])) == 0;
        if (rc < 0) rc = sandbox_load(rs->L, buf, len, o->paths[i], msg, sizeof msg);
        if (rc == 0 && rs->compiled) {
            struct compiled *c = &rs->compiled[i];
            if (reused && (c->dump = malloc(prev->dump_len))) {
                memcpy(c->dump, prev->dump, prev->dump_len);
                c->dump_len = prev->dump_len;
            } else {
                c->dump = sandbox_dump(rs->L, &c->dump_len);
            }
            c->source = buf;
            c->source_len = len;
            buf = NULL;
        }
        free(buf);
        if (rc < 0) {
            unshorten(rs, msg, sizeof msg);
            strlist_add(errs, "%s", msg);
            continue;
        }
        if (sandbox_pcall(rs->L, 0, 0, msg, sizeof msg, trace, sizeof trace) < 0) {
            unshorten(rs, msg, sizeof msg);
            strlist_add(errs, "%s", msg);
            log_debug("%s", trace);
        }
    }
    lua_gc(rs->L, LUA_GCINC, 200, 0, 0); /* back to the default pause */
    if (errs->n > errs_before) {
        ruleset_free(rs);
        strlist_free(&local);
        return NULL;
    }

    rs->loading = false;
    /* Schedule in registration order, so the PRNG draws (and the preview) never vary. */
    size_t n = rs->n_regs;
    struct lrem **in_order = malloc((n ? n : 1) * sizeof *in_order);
    if (!in_order) {
        strlist_add(errs, "not enough memory");
        ruleset_free(rs);
        return NULL;
    }
    if (n) memcpy(in_order, rs->regs, n * sizeof *in_order); /* regs is NULL when nothing registered */
    /* On a reload, a reminder whose plan ruleset_adopt() will bring over is not planned here:
     * that is a calendar computation per reminder thrown away. */
    size_t n_prev = 0;
    struct lrem **prev = NULL;
    if (o->previous && !quiet_changed(rs, o->previous))
        prev = live_by_id(o->previous, &n_prev);
    usec_t now = clock_now(rs->clock);
    for (size_t i = 0; i < n; i++) {
        struct lrem *m = in_order[i];
        if (!m || !m->pending) continue;
        m->pending = false;
        bool fired;
        /* A named `at` fires once ever; an `after` counts from each start of the daemon (a
         * reload keeps its timer and its fired state, see ruleset_adopt). */
        if (m->r.trigger == TRIGGER_AT && m->named &&
            store_oneshot_fired(rs->store, m->r.id, &fired) == 0 && fired) {
            release(rs, m); /* fired in an earlier run: never again */
            continue;
        }
        usec_t missed;
        if (m->r.catch_up && missed_elapse(rs, m, now, &missed)) {
            if (now - missed <= m->r.late_cancel) {
                log_info("%s: '%s' missed its elapse at %s while nudged was not running; "
                         "catching up now", m->where, m->r.id, fmt_time(missed).s);
                schedule_add_due(&rs->sched, &m->r, missed);
                m->caught_up = missed;
                continue;
            }
            log_info("%s: '%s' missed its elapse at %s, more than late_cancel ago; dropped",
                     m->where, m->r.id, fmt_time(missed).s);
        }
        if (prev) {
            struct lrem key_m = {.r = {.id = m->r.id}}, *key = &key_m;
            struct lrem **p = bsearch(&key, prev, n_prev, sizeof *prev, lrem_by_id);
            if (p && same_definition(m, *p)) {
                m->deferred = true;
                /* Its place among equal times, as schedule_add() would give it. */
                m->r.seq = rs->sched.seq++;
                continue;
            }
        }
        if (schedule_add(&rs->sched, &m->r) == -ENOENT) {
            if (warnings && m->r.trigger == TRIGGER_CALENDAR)
                strlist_add(warnings, "%s: calendar event \"%s\" never elapses", m->where, m->expr);
            else if (warnings && m->r.trigger == TRIGGER_AT)
                strlist_add(warnings, "%s: time %s is in the past, so \"%s\" never fires", m->where,
                            m->expr, m->r.id);
            release(rs, m);
        }
    }
    free(in_order);
    free(prev);
    load_snoozes(rs);
    return rs;
}

void ruleset_free(struct ruleset *rs)
{
    if (!rs) return;
    /* The Lua state closes first, while everything its finalizers could reach is whole: a
     * finalizer calling h:cancel() or nudge.* gets a no-op or an error (get_rs, lrem_gone). */
    rs->closing = true;
    for (size_t i = 0; i < rs->n_regs; i++)
        if (rs->regs[i]) rs->regs[i]->rs = NULL; /* their __gc need not leave the schedule */
    schedule_free(&rs->sched); /* empties the heap while what it points to is alive */
    sandbox_close(rs->L);
    rs->L = NULL;
    while (rs->snoozes) free_snooze(rs, rs->snoozes);
    for (size_t i = 0; i < SHOWN_MAX; i++) free(rs->shown[i].reminder);
    ledger_free(rs->ledger);
    if (rs->own_store) store_close(rs->store);
    calcache_free(rs); /* after the Lua state: its reminders pointed into the cache */
    for (size_t i = 0; rs->compiled && i < rs->n_paths; i++) {
        free(rs->compiled[i].source);
        free(rs->compiled[i].dump);
    }
    free(rs->compiled);
    for (size_t i = 0; i < rs->n_paths; i++) free(rs->paths[i]);
    free(rs->paths);
    free(rs->regs);
    free(rs);
}

struct schedule *ruleset_schedule(struct ruleset *rs)
{
    return &rs->sched;
}

size_t ruleset_reminder_count(const struct ruleset *rs)
{
    return rs->n_live;
}

const char *ruleset_backend_name(const struct ruleset *rs)
{
    return rs->backend_name;
}

const char *ruleset_app_name(const struct ruleset *rs)
{
    return rs->app_name;
}

/* Runs a callback that is on the stack with its arguments; counts failures of reminder m. */
static void guarded_call(struct ruleset *rs, struct lrem *m, int nargs, const char *what)
{
    char msg[2048], trace[4096];
    if (sandbox_pcall(rs->L, nargs, 0, msg, sizeof msg, trace, sizeof trace) == 0) {
        if (m) m->failures = 0;
        return;
    }
    unshorten(rs, msg, sizeof msg);
    log_error("%s (%s)", msg, what);
    if (trace[0]) log_debug("%s", trace);
    if (!m) return;
    if (++m->failures >= FAILURES_TO_DISABLE && !m->r.done) {
        log_error("%s: reminder '%s' failed %d times in a row; disabled until the next reload",
                  m->where, m->r.id, m->failures);
        char body[2300];
        snprintf(body, sizeof body, "It failed %d times in a row and is off until the rules are "
                                    "reloaded. Last error: %s", m->failures, msg);
        struct notification n = {.app_name = rs->app_name,
                                 .reminder_id = m->r.id,
                                 .kind = "notify",
                                 .title = "nudge: a rule was disabled",
                                 .body = body,
                                 .urgency = URGENCY_CRITICAL,
                                 .timeout_ms = -1};
        uint32_t id;
        char err[256];
        rs->backend->show(rs->backend, &n, clock_now(rs->clock), &id, err, sizeof err);
        release(rs, m);
    }
}

/* fire_reminder(m, now): marks a one-shot fired, builds ev and calls m's function. Inside the
 * protected call, so running out of memory for them is the rule's failure, not a Lua panic
 * that aborts the daemon. */
static int fire_reminder(lua_State *L)
{
    struct lrem *m = lua_touserdata(L, 1);
    usec_t now = (usec_t)lua_tointeger(L, 2);
    bool by_hand = lua_toboolean(L, 3); /* nudgectl fire: an extra fire, not its own */
    lua_settop(L, 0);
    if (!by_hand && (m->r.trigger == TRIGGER_AT || m->r.trigger == TRIGGER_AFTER)) {
        /* A one-shot fires once per id, also across reloads. */
        lua_rawgeti(L, LUA_REGISTRYINDEX, m->rs->fired_ref);
        lua_pushboolean(L, 1);
        lua_setfield(L, -2, m->r.id);
        lua_pop(L, 1);
    }
    lua_rawgeti(L, LUA_REGISTRYINDEX, m->fn_ref);
    /* Most callbacks ignore ev: skip building it (a table per fire) for them. */
    if (m->wants_ev) push_event(L, m->rs, m, now);
    lua_call(L, m->wants_ev ? 1 : 0, 0);
    return 0;
}

/* Shows a snoozed notification again and forgets the snooze. */
static void fire_snooze(struct ruleset *rs, struct snooze *z, usec_t now)
{
    struct notification n;
    char err[256];
    if (notification_decode(z->blob, z->len, &n) == 0) {
        uint32_t id = 0;
        if (rs->backend->show(rs->backend, &n, now, &id, err, sizeof err) == 0)
            remember_shown(rs, id, record_fire(rs, &n, z->r.at, now), n.reminder_id);
        else
            log_warn("snoozed notification \"%s\" not shown: %s", n.title, err);
        notification_clear(&n);
    } else {
        log_warn("a snoozed notification in the state database is damaged; dropped");
    }
    if (rs->record_history) store_snooze_remove(rs->store, z->id);
    free_snooze(rs, z);
}

size_t ruleset_run_due(struct ruleset *rs)
{
    size_t fired = 0;
    usec_t now = clock_now(rs->clock);
    struct reminder *r;
    while ((r = schedule_pop_due(&rs->sched, now))) {
        if (r->owner_data == &SNOOZE_TAG) {
            fire_snooze(rs, (struct snooze *)r, now);
            fired++;
            continue;
        }
        struct lrem *m = (struct lrem *)r; /* r is the first member */
        lua_State *L = rs->L;
        /* Far later than planned (sleep, a clock step): older than late_cancel is dropped. */
        if (now - m->r.next > LATE_GRACE &&
            now - schedule_latest_elapse(&m->r, now) > m->r.late_cancel) {
            log_info("%s: '%s' was due at %s, more than late_cancel ago; skipped", m->where,
                     m->r.id, fmt_time(m->r.next).s);
            if (schedule_rearm(&rs->sched, &m->r) < 0) release(rs, m);
            continue;
        }
        fired++;
        if (m->r.trigger == TRIGGER_AT || m->r.trigger == TRIGGER_AFTER) {
            /* A derived id names the call, not the user's intent: once per run only. */
            if (m->named && m->r.trigger == TRIGGER_AT) store_oneshot_mark(rs->store, m->r.id, now);
        } else if (m->r.catch_up && rs->record_history)
            store_set_last_fire(rs->store, m->r.id, m->r.base, now);
        rs->current_sched = m->caught_up ? m->caught_up : m->r.next;
        m->caught_up = 0;
        char what[300];
        snprintf(what, sizeof what, "reminder '%s'", m->r.id);
        if (!pin(rs, m)) {
            log_error("%s: memory limit exceeded (%s)", m->where, what);
            if (schedule_rearm(&rs->sched, &m->r) < 0) release(rs, m);
            continue;
        }
        int pinned = lua_gettop(L);
        rs->current = m;
        /* Pushing these allocates nothing, so a state at its memory cap cannot panic here. */
        lua_pushcfunction(L, fire_reminder);
        lua_pushlightuserdata(L, m);
        lua_pushinteger(L, (lua_Integer)now);
        guarded_call(rs, m, 2, what);
        rs->current = NULL;
        /* Cancelled or disabled by its own callback: done; else it fires again. */
        if (!m->r.done && schedule_rearm(&rs->sched, &m->r) < 0) release(rs, m);
        lua_settop(L, pinned - 1); /* m may be collected from here on */
    }
    return fired;
}

struct emit_args {
    struct ruleset *rs;
    const char *name;
    const char *const *kv;
    size_t n;
    size_t ran;
};

/* The body of ruleset_emit, run as a protected C function: building ev at the memory cap
 * must be an error, not a Lua panic. Each listener still runs in its own guarded call. */
static int emit_protected(lua_State *L)
{
    struct emit_args *a = lua_touserdata(L, 1);
    struct ruleset *rs = a->rs;
    lua_rawgeti(L, LUA_REGISTRYINDEX, rs->listeners_ref);
    if (lua_getfield(L, -1, a->name) != LUA_TTABLE) return 0;
    int list = lua_gettop(L);
    lua_Integer count = (lua_Integer)lua_rawlen(L, list);
    for (lua_Integer i = 1; i <= count; i++) {
        lua_rawgeti(L, list, i);
        lua_createtable(L, 0, 3);
        lua_pushstring(L, a->name);
        lua_setfield(L, -2, "name");
        push_seconds(L, clock_now(rs->clock));
        lua_setfield(L, -2, "fired");
        lua_createtable(L, 0, (int)a->n);
        for (size_t k = 0; k < a->n; k++) {
            lua_pushstring(L, a->kv[2 * k + 1]);
            lua_setfield(L, -2, a->kv[2 * k]);
        }
        lua_setfield(L, -2, "data");
        char what[300];
        snprintf(what, sizeof what, "listener for '%s'", a->name);
        guarded_call(rs, NULL, 1, what);
        a->ran++;
    }
    return 0;
}

size_t ruleset_emit(struct ruleset *rs, const char *name, const char *const *kv, size_t n)
{
    struct emit_args a = {rs, name, kv, n, 0};
    char err[512];
    if (protected(rs, emit_protected, &a, err, sizeof err) < 0)
        log_error("event '%s': %s", name, err);
    return a.ran;
}

void ruleset_each_reminder(struct ruleset *rs,
                           void (*cb)(void *ud, const struct ruleset_reminder_info *info), void *ud)
{
    static const char *const triggers[] = {"on", "every", "after", "at"};
    for (size_t i = 0; i < rs->n_regs; i++) {
        struct lrem *m = rs->regs[i];
        if (!m || m->r.done) continue;
        struct ruleset_reminder_info info = {
            .id = m->r.id,
            .kind = m->r.kind,
            .trigger = triggers[m->r.trigger],
            .expr = m->expr,
            .where = m->where,
            .next = m->r.heap_idx != SIZE_MAX ? m->r.next : USEC_INFINITY,
        };
        cb(ud, &info);
    }
}

static struct lrem *find_reminder(struct ruleset *rs, const char *id)
{
    for (size_t i = 0; i < rs->n_regs; i++)
        if (rs->regs[i] && !rs->regs[i]->r.done && !strcmp(rs->regs[i]->r.id, id))
            return rs->regs[i];
    return NULL;
}

int ruleset_fire_now(struct ruleset *rs, const char *id, char *err, size_t errsz)
{
    struct lrem *m = find_reminder(rs, id);
    if (!m) return snprintf(err, errsz, "no reminder '%s' (see nudgectl list)", id), -ENOENT;
    lua_State *L = rs->L;
    usec_t now = clock_now(rs->clock);
    if (!pin(rs, m)) return snprintf(err, errsz, "the rules are at their memory limit"), -ENOMEM;
    int pinned = lua_gettop(L);
    struct lrem *saved = rs->current;
    usec_t saved_sched = rs->current_sched;
    rs->current = m;
    rs->current_sched = now;
    /* Its schedule stays as it is: this is an extra, on-demand fire. ev is built inside the
     * protected call (at the memory cap that fails as the callback's error). */
    lua_pushcfunction(L, fire_reminder);
    lua_pushlightuserdata(L, m);
    lua_pushinteger(L, (lua_Integer)now);
    lua_pushboolean(L, 1);
    char what[300];
    snprintf(what, sizeof what, "reminder '%s' (fired by hand)", m->r.id);
    unsigned long before = log_error_count();
    guarded_call(rs, NULL, 3, what);
    rs->current = saved;
    rs->current_sched = saved_sched;
    lua_settop(L, pinned - 1);
    if (log_error_count() != before) return snprintf(err, errsz, "its callback failed: see the log"), -EIO;
    return 0;
}

/* ---- what the notification server reports ---- */

static const char *close_reason(int reason)
{
    switch (reason) {
    case 1: return "expired";
    case 2: return "dismissed";
    case 3: return "closed";
    default: return "undefined";
    }
}

struct notif_args {
    struct ruleset *rs;
    uint32_t id;
    const char *field; /* "on_action" or "on_close" */
    const char *arg;   /* the action id or the close reason */
    bool forget;       /* the notification closed: drop its callbacks */
};

/* notif_dispatch(args), in protected(): runs notif[id][field](arg, ev) if there is one. The
 * entry stays on this call's stack while its callback runs, so dropping it first is safe. */
static int notif_dispatch(lua_State *L)
{
    const struct notif_args *a = lua_touserdata(L, 1);
    lua_settop(L, 0);
    lua_rawgeti(L, LUA_REGISTRYINDEX, a->rs->notif_ref);
    if (lua_rawgeti(L, 1, a->id) != LUA_TTABLE) return 0;
    if (a->forget) {
        lua_pushnil(L);
        lua_rawseti(L, 1, a->id);
    }
    lua_pushstring(L, a->field);
    if (lua_rawget(L, 2) != LUA_TFUNCTION) return 0;
    lua_pushstring(L, a->arg);
    lua_pushliteral(L, "ev");
    lua_rawget(L, 2);
    guarded_call(a->rs, NULL, 2, a->field);
    return 0;
}

static const char *answer_for_action(const char *action)
{
    static const char *const map[][2] = {{"done", "done"},     {"skip", "skipped"},
                                         {"snooze", "snoozed"}, {"kept", "kept"},
                                         {"broken", "broken"}, {"not_yet", "not_yet"}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (!strcmp(map[i][0], action)) return map[i][1];
    return NULL;
}

/* Shows fire `fire_id`'s notification again after `span` (0: the notification's own snooze
 * span, else an hour). Returns the due time, or 0 when it cannot. */
static usec_t snooze_fire(struct ruleset *rs, int64_t fire_id, const char *reminder, usec_t span)
{
    void *blob;
    size_t len;
    if (store_fire_blob(rs->store, fire_id, &blob, &len) < 0) return 0;
    if (span <= 0) {
        struct notification n;
        if (notification_decode(blob, len, &n) == 0) {
            span = n.snooze;
            notification_clear(&n);
        }
        if (span <= 0) span = SNOOZE_DEFAULT;
    }
    usec_t due = clock_now(rs->clock) + span;
    int64_t zid = 0;
    if (store_snooze_add(rs->store, reminder, fire_id, due, blob, len, &zid) == 0)
        queue_snooze(rs, zid, fire_id, due, blob, len);
    else
        due = 0;
    free(blob);
    return due;
}

/* A Kept/Broken answer settles the promise the notification was about. */
static void settle_promise(struct ruleset *rs, int64_t fire_id, const char *state, usec_t now)
{
    void *blob;
    size_t len;
    struct notification n;
    if (store_fire_blob(rs->store, fire_id, &blob, &len) < 0) return;
    if (notification_decode(blob, len, &n) == 0) {
        if (n.promise) store_promise_set_state(rs->store, strtoll(n.promise, NULL, 10), state, now);
        notification_clear(&n);
    }
    free(blob);
}

/* Records an answer to a fire; snoozes and "not yet" show it again later. Returns the due time
 * of a snooze (else 0). */
static usec_t record_answer(struct ruleset *rs, int64_t fire_id, const char *reminder,
                            const char *answer, usec_t span, const char *source)
{
    usec_t now = clock_now(rs->clock), due = 0;
    if (store_record_answer(rs->store, fire_id, answer, now, source) < 0) return 0;
    drop_snoozes(rs, fire_id);
    if (!strcmp(answer, "snoozed") || !strcmp(answer, "not_yet"))
        due = snooze_fire(rs, fire_id, reminder, span);
    else if (!strcmp(answer, "kept") || !strcmp(answer, "broken"))
        settle_promise(rs, fire_id, answer, now);
    return due;
}

void ruleset_notification_action(struct ruleset *rs, uint32_t id, const char *action)
{
    struct shown *sh = find_shown(rs, id);
    const char *answer = answer_for_action(action);
    if (sh && answer && sh->fire_id && rs->record_history)
        record_answer(rs, sh->fire_id, sh->reminder, answer, 0, "action");
    struct notif_args a = {rs, id, "on_action", action, false};
    char err[512];
    if (protected(rs, notif_dispatch, &a, err, sizeof err) < 0) log_error("on_action: %s", err);
}

struct answer_fire {
    int64_t id;
    char title[256];
    usec_t scheduled, fired;
};

static int answer_fire_cb(void *ud, const struct store_fire *f)
{
    struct answer_fire *a = ud;
    a->id = f->id;
    snprintf(a->title, sizeof a->title, "%s", f->title ? f->title : "");
    a->scheduled = f->scheduled;
    a->fired = f->fired;
    return 0;
}

int ruleset_answer(struct ruleset *rs, const char *reminder, const char *answer, usec_t span,
                   struct ruleset_answer *out, char *err, size_t errsz)
{
    struct answer_fire f = {0};
    if (strcmp(answer, "done") && strcmp(answer, "skipped") && strcmp(answer, "snoozed"))
        return snprintf(err, errsz, "unknown answer \"%s\"", answer), -EINVAL;
    int r = store_last_fire(rs->store, reminder, answer_fire_cb, &f);
    if (r == -ENOENT)
        return snprintf(err, errsz, "'%s' has not shown a notification yet", reminder), -ENOENT;
    if (r < 0) return snprintf(err, errsz, "the state database failed (see the log)"), r;
    if (store_record_answer(rs->store, f.id, answer, clock_now(rs->clock), "nudgectl") < 0)
        return snprintf(err, errsz, "the state database failed (see the log)"), -EIO;
    drop_snoozes(rs, f.id);
    out->fire_id = f.id;
    snprintf(out->title, sizeof out->title, "%s", f.title);
    out->scheduled = f.scheduled;
    out->fired = f.fired;
    out->due = 0;
    if (!strcmp(answer, "snoozed")) {
        out->due = snooze_fire(rs, f.id, reminder, span);
        if (!out->due)
            return snprintf(err, errsz, "answered, but the notification cannot be shown again"), -EIO;
    }
    return 0;
}

void ruleset_notification_closed(struct ruleset *rs, uint32_t id, int reason)
{
    struct notif_args a = {rs, id, "on_close", close_reason(reason), true};
    char err[512];
    if (protected(rs, notif_dispatch, &a, err, sizeof err) < 0) log_error("on_close: %s", err);
}

/* ---- reload ---- */

struct copy_fired {
    struct ruleset *from, *to;
};

/* copy_fired(args), in protected() on the new state: adds the old set's fired one-shots to
 * the new set's. */
static int copy_fired(lua_State *L)
{
    const struct copy_fired *a = lua_touserdata(L, 1);
    lua_State *from = a->from->L;
    char err[256];
    lua_settop(L, 0);
    if (!lua_checkstack(from, 4)) return luaL_error(L, "out of Lua stack");
    lua_rawgeti(from, LUA_REGISTRYINDEX, a->from->fired_ref);
    int rc = lcarry(from, -1, L, err, sizeof err);
    lua_pop(from, 1);
    if (rc < 0) return luaL_error(L, "the fired one-shots cannot be carried over: %s", err);
    lua_rawgeti(L, LUA_REGISTRYINDEX, a->to->fired_ref);
    lua_pushnil(L);
    while (lua_next(L, 1)) { /* copy, target, key, value */
        lua_pushvalue(L, -2);
        lua_insert(L, -2);
        lua_rawset(L, 2);
    }
    return 0;
}

static int lrem_by_id(const void *a, const void *b)
{
    return strcmp((*(struct lrem *const *)a)->r.id, (*(struct lrem *const *)b)->r.id);
}

/* Same trigger, same time expression, same window/jitter/quiet: the plan still holds. */
static bool same_definition(const struct lrem *a, const struct lrem *b)
{
    if (a->r.trigger != b->r.trigger || a->r.jitter != b->r.jitter || a->r.quiet != b->r.quiet ||
        a->r.has_window != b->r.has_window)
        return false;
    if (a->r.has_window &&
        (a->r.window.start != b->r.window.start || a->r.window.end != b->r.window.end))
        return false;
    if (a->r.trigger == TRIGGER_CALENDAR) return a->norm && b->norm && !strcmp(a->norm, b->norm);
    return a->r.span == b->r.span && a->r.at == b->r.at;
}

static int copy_kv(void *ud, const char *key, const void *blob, size_t len)
{
    store_kv_set(ud, key, blob, len);
    return 0;
}

static bool quiet_changed(const struct ruleset *rs, const struct ruleset *old)
{
    return old->sched.has_quiet != rs->sched.has_quiet ||
           (rs->sched.has_quiet && (old->sched.quiet.start != rs->sched.quiet.start ||
                                    old->sched.quiet.end != rs->sched.quiet.end));
}

/* Whether a new set's reminder of the same id takes over old's plan. An unnamed reminder a
 * callback made is carried over on its own (carry_runtime), whatever took its derived id. */
static bool hands_over_plan(const struct lrem *old)
{
    return old && !old->r.done && !(old->runtime && !old->named);
}

/* rs's queued reminders that hand over their plan, sorted by id (malloc'd; NULL when none or
 * out of memory). */
static struct lrem **live_by_id(const struct ruleset *rs, size_t *n)
{
    *n = 0;
    struct lrem **v = malloc((rs->n_regs ? rs->n_regs : 1) * sizeof *v);
    if (!v) return NULL;
    for (size_t i = 0; i < rs->n_regs; i++)
        if (hands_over_plan(rs->regs[i]) && rs->regs[i]->r.heap_idx != SIZE_MAX)
            v[(*n)++] = rs->regs[i];
    qsort(v, *n, sizeof *v, lrem_by_id);
    return v;
}

/* A reminder the load left for ruleset_adopt() whose old plan does not hold after all. */
static void plan_deferred(struct ruleset *rs, struct lrem *m)
{
    if (!m->deferred) return;
    m->deferred = false;
    int rc = schedule_add(&rs->sched, &m->r);
    if (rc == -ENOMEM) luaL_error(rs->L, "%s: not enough memory to queue '%s'", m->where, m->r.id);
    if (rc == -ENOENT) release(rs, m);
}

/* Carrying reminders that callbacks made over a reload: the old set's state stays readable
 * while the new one is filled; everything below runs in protected calls on the new state. */
struct carry {
    struct ruleset *rs, *old;
    struct lcarry session;
    int map_ref;           /* old reminder (light userdata) -> the new set's handle for it */
    struct lrem **olds;    /* the reminders to carry (malloc'd by carry_runtime) */
    struct lrem **shells;  /* their copies in the new set, NULL where not carried */
    size_t n, carried;
};

/* A handle for a reminder the new set does not have (cancelled, fired, or gone from the
 * files): :next() says nil and :cancel() does nothing, as for a fired one. */
static void push_dead_handle(lua_State *L, struct ruleset *rs, const char *id)
{
    struct lrem *m = new_lrem(L, rs);
    m->r.trigger = TRIGGER_AFTER;
    m->r.kind = "notify";
    m->r.done = true;
    if (id && !(m->r.id = strdup(id))) luaL_error(L, "not enough memory");
}

/* A reminder handle in a carried function stands for the new set's reminder. */
static int carry_handle(void *ud, lua_State *from, int idx, lua_State *to)
{
    struct carry *c = ud;
    const struct lrem *o = luaL_testudata(from, idx, REMINDER_MT);
    if (!o) return 0;
    lua_rawgeti(to, LUA_REGISTRYINDEX, c->map_ref);
    lua_pushlightuserdata(to, (void *)o);
    if (lua_rawget(to, -2) != LUA_TNIL) {
        lua_remove(to, -2);
        return 1;
    }
    lua_pop(to, 2);
    push_dead_handle(to, c->rs, o->r.id);
    return 1;
}

/* Registers (not yet queued, no function yet) a copy of o in the new set and pushes its
 * handle. A derived id the new files took gets the next "#N" of its base. *slot holds the copy
 * from the start, so that an error half way leaves it for carry_runtime() to release. */
static void make_shell(lua_State *L, struct ruleset *rs, const struct lrem *o, bool taken,
                       struct lrem **slot)
{
    char err[512], base[256];
    struct lrem *m = new_lrem(L, rs);
    *slot = m;
    int ud = lua_gettop(L);
    m->r.trigger = o->r.trigger;
    m->r.kind = o->r.kind;
    m->r.span = o->r.span;
    m->r.at = o->r.at;
    m->r.jitter = o->r.jitter;
    m->r.has_window = o->r.has_window;
    m->r.window = o->r.window;
    m->r.quiet = o->r.quiet;
    m->r.catch_up = o->r.catch_up;
    m->r.late_cancel = o->r.late_cancel;
    m->wants_ev = o->wants_ev;
    m->named = o->named;
    m->runtime = true;
    if (!(m->where = strdup(o->where))) luaL_error(L, "not enough memory");
    if (o->r.trigger == TRIGGER_CALENDAR) {
        const struct calcache_entry *c = calcache_get(rs, o->expr, err, sizeof err);
        if (!c) luaL_error(L, "%s", err);
        m->r.cal = c->cal;
        m->expr = c->expr;
        m->norm = c->norm;
    } else if (!(m->expr = strdup(o->expr))) {
        luaL_error(L, "not enough memory");
    }
    if (taken) {
        snprintf(base, sizeof base, "%s", o->r.id);
        char *hash = strrchr(base, '#');
        if (hash && hash[1] && strspn(hash + 1, "0123456789") == strlen(hash + 1)) *hash = 0;
        assign_id(L, rs, m, NULL, base);
    } else {
        assign_id(L, rs, m, o->r.id, NULL);
    }
    if (regs_push(rs, m) < 0) luaL_error(L, "not enough memory");
    lua_pushvalue(L, ud);
    m->self_ref = luaL_ref(L, LUA_REGISTRYINDEX);
}

static int carry_all(lua_State *L)
{
    struct carry *c = lua_touserdata(L, 1);
    struct ruleset *rs = c->rs, *old = c->old;
    char err[512];
    if (!lua_checkstack(old->L, 4)) return luaL_error(L, "out of Lua stack");
    lua_newtable(L);
    lua_pushvalue(L, -1);
    c->map_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    int map = lua_gettop(L);

    /* Handles to the old set's reminders stand for the new set's of the same id. */
    size_t n_new = 0;
    struct lrem **news = lua_newuserdatauv(L, (rs->n_regs ? rs->n_regs : 1) * sizeof *news, 0);
    for (size_t i = 0; i < rs->n_regs; i++)
        if (rs->regs[i] && !rs->regs[i]->r.done) news[n_new++] = rs->regs[i];
    qsort(news, n_new, sizeof *news, lrem_by_id);
    for (size_t i = 0; i < old->n_regs; i++) {
        struct lrem *o = old->regs[i];
        if (!o || o->r.done || !o->r.id) continue;
        struct lrem key_m = {.r = {.id = o->r.id}}, *key = &key_m;
        struct lrem **m = bsearch(&key, news, n_new, sizeof *news, lrem_by_id);
        if (!m) continue;
        lua_pushlightuserdata(L, o);
        lua_rawgeti(L, LUA_REGISTRYINDEX, (*m)->self_ref);
        lua_rawset(L, map);
    }

    lua_rawgeti(L, LUA_REGISTRYINDEX, rs->ids_ref);
    int ids = lua_gettop(L);
    for (size_t k = 0; k < c->n; k++) {
        const struct lrem *o = c->olds[k];
        bool taken = lua_getfield(L, ids, o->r.id) != LUA_TNIL;
        lua_pop(L, 1);
        if (taken && o->named) continue; /* the new files made it again: theirs counts */
        make_shell(L, rs, o, taken, &c->shells[k]);
        lua_pushlightuserdata(L, (void *)o);
        lua_pushvalue(L, -2);
        lua_rawset(L, map);
        lua_pop(L, 1);
    }

    /* Then their functions, in one session so what they shared stays shared. */
    if (lcarry_begin(&c->session, old->L, L, carry_handle, c, err, sizeof err) < 0)
        return luaL_error(L, "%s", err);
    for (size_t k = 0; k < c->n; k++) {
        struct lrem *m = c->shells[k];
        const struct lrem *o = c->olds[k];
        if (!m) continue;
        lua_rawgeti(old->L, LUA_REGISTRYINDEX, o->fn_ref);
        int rc = lcarry_push(&c->session, -1, err, sizeof err);
        lua_pop(old->L, 1);
        if (rc < 0 && strstr(err, "memory limit exceeded")) {
            struct sandbox_limits lim;
            sandbox_get_limits(L, &lim);
            return luaL_error(L, "the %d reminders made at run time do not fit in the rules' "
                                 "memory limit (%d MiB; %d carried, '%s' of %s was next): raise "
                                 "limits.memory or cancel the ones no longer needed",
                              (int)c->n, (int)(lim.memory >> 20), (int)c->carried, o->r.id,
                              o->where);
        }
        if (rc < 0)
            return luaL_error(L, "%s: reminder '%s' made at run time cannot be carried over: %s "
                                 "(once it fired or was cancelled the reload can go; a restart "
                                 "of nudged drops reminders made at run time)",
                              o->where, o->r.id, err);
        m->fn_ref = luaL_ref(L, LUA_REGISTRYINDEX);
        m->r.seq = rs->sched.seq++;
        if (schedule_restore(&rs->sched, &m->r, &o->r) < 0) {
            release(rs, m);
            c->shells[k] = NULL;
            return luaL_error(L, "not enough memory");
        }
        /* Its plan came from the old quiet hours. */
        if (quiet_changed(rs, old)) schedule_replan(&rs->sched, &m->r);
        c->carried++;
    }
    lcarry_end(&c->session);
    return 0;
}

/* Reminders the old set's callbacks made (the twenty minutes after `nudgectl emit conflict`)
 * are not made again by loading the files: bring them over with their functions, in the
 * order they were made. All of them or none: 0 with *carried set, or -1 with err set. */
static int carry_runtime(struct ruleset *rs, struct ruleset *old, size_t *carried, char *err,
                         size_t errsz)
{
    struct carry c = {.rs = rs, .old = old, .map_ref = LUA_NOREF};
    *carried = 0;
    for (size_t i = 0; i < old->n_regs; i++) {
        const struct lrem *o = old->regs[i];
        if (o && o->runtime && !o->r.done && o->r.heap_idx != SIZE_MAX) c.n++;
    }
    if (!c.n) return 0;
    c.olds = calloc(c.n, sizeof *c.olds);
    c.shells = calloc(c.n, sizeof *c.shells);
    if (!c.olds || !c.shells) {
        free(c.olds);
        free(c.shells);
        snprintf(err, errsz, "not enough memory to carry %zu reminders made at run time", c.n);
        return -1;
    }
    size_t k = 0;
    for (size_t i = 0; i < old->n_regs; i++) {
        struct lrem *o = old->regs[i];
        if (o && o->runtime && !o->r.done && o->r.heap_idx != SIZE_MAX) c.olds[k++] = o;
    }
    int rc = protected(rs, carry_all, &c, err, errsz);
    if (rc < 0) {
        for (k = 0; k < c.n; k++)
            if (c.shells[k] && c.shells[k]->fn_ref == LUA_NOREF) release(rs, c.shells[k]);
    }
    lcarry_end(&c.session);
    luaL_unref(rs->L, LUA_REGISTRYINDEX, c.map_ref);
    if (rc == 0 && c.carried && rs->record_history)
        log_info("carried over %zu reminders made at run time", c.carried);
    *carried = c.carried;
    free(c.olds);
    free(c.shells);
    return rc;
}

struct adopt_plans {
    struct ruleset *rs, *old;
    struct lrem **mine, **olds;
    size_t n_mine, n_olds, kept;
    bool replan_all;
};

/* adopt_plans(args), in protected(): a fired one-shot stays fired; a reminder whose id and
 * definition did not change keeps its plan; the others are planned afresh. */
static int adopt_plans(lua_State *L)
{
    struct adopt_plans *a = lua_touserdata(L, 1);
    struct ruleset *rs = a->rs;
    lua_settop(L, 0);
    lua_rawgeti(L, LUA_REGISTRYINDEX, rs->fired_ref);
    for (size_t i = 0; i < a->n_mine; i++) {
        struct lrem *m = a->mine[i];
        if (!m || m->r.done) continue;
        if (m->r.trigger == TRIGGER_AT || m->r.trigger == TRIGGER_AFTER) {
            lua_pushstring(L, m->r.id);
            bool fired = lua_rawget(L, 1) != LUA_TNIL;
            lua_pop(L, 1);
            if (fired) {
                release(rs, m); /* fired before the reload: never again */
                continue;
            }
        }
        struct lrem key_m = {.r = {.id = m->r.id}}, *key = &key_m;
        struct lrem **o =
            a->replan_all ? NULL : bsearch(&key, a->olds, a->n_olds, sizeof *a->olds, lrem_by_id);
        if (!o || !same_definition(m, *o) || (*o)->r.heap_idx == SIZE_MAX) {
            plan_deferred(rs, m);
            continue;
        }
        m->deferred = false;
        if (schedule_restore(&rs->sched, &m->r, &(*o)->r) < 0)
            return luaL_error(L, "%s: not enough memory to queue '%s'", m->where, m->r.id);
        a->kept++;
    }
    return 0;
}

int ruleset_adopt(struct ruleset *rs, struct ruleset *old, size_t *kept, char *err, size_t errsz)
{
    char none[1];
    if (!err || !errsz) err = none, errsz = sizeof none;
    err[0] = 0;
    if (kept) *kept = 0;
    if (!old) return 0;
    /* The daemon's rule sets share one database; others (tests) carry the values over. */
    if (rs->store != old->store) store_kv_each(old->store, copy_kv, rs->store);
    struct copy_fired cf = {old, rs};
    if (protected(rs, copy_fired, &cf, err, errsz) < 0) return -1;

    /* release() squeezes holes out of regs, which moved reminders under a walk over it: walk a
     * copy. */
    struct adopt_plans a = {.rs = rs, .old = old, .n_mine = rs->n_regs,
                            /* Quiet hours changed: every plan is new (what fired stays fired). */
                            .replan_all = quiet_changed(rs, old)};
    a.mine = malloc((a.n_mine ? a.n_mine : 1) * sizeof *a.mine);
    a.olds = malloc((old->n_regs ? old->n_regs : 1) * sizeof *a.olds);
    /* Room for every reminder either set has, so no restore below fails half way. */
    if (!a.mine || !a.olds || schedule_reserve(&rs->sched, rs->n_regs + old->n_regs) < 0) {
        free(a.mine);
        free(a.olds);
        snprintf(err, errsz, "not enough memory to queue %zu reminders", rs->n_regs + old->n_regs);
        return -1;
    }
    if (a.n_mine) memcpy(a.mine, rs->regs, a.n_mine * sizeof *a.mine);
    for (size_t i = 0; i < old->n_regs; i++)
        if (hands_over_plan(old->regs[i])) a.olds[a.n_olds++] = old->regs[i];
    qsort(a.olds, a.n_olds, sizeof *a.olds, lrem_by_id);
    int rc = protected(rs, adopt_plans, &a, err, errsz);
    free(a.mine);
    free(a.olds);
    if (rc < 0) return -1;
    if (kept) *kept = a.kept;
    size_t carried;
    return carry_runtime(rs, old, &carried, err, errsz);
}

/* ---- for the toolkit (lua/toolkit.h) ---- */

struct ruleset *ruleset_of(lua_State *L)
{
    return get_rs(L);
}

struct ledger *ruleset_ledger(struct ruleset *rs)
{
    return rs->ledger;
}

struct clock *ruleset_clock(struct ruleset *rs)
{
    return rs->clock;
}

bool ruleset_since(const struct ruleset *rs, usec_t *since)
{
    if (rs->has_since) *since = rs->since;
    return rs->has_since;
}

struct promise_args {
    struct ruleset *rs;
    int64_t id;
};

static int promise_added_body(lua_State *L)
{
    const struct promise_args *a = lua_touserdata(L, 1);
    if (lua_rawgeti(L, LUA_REGISTRYINDEX, a->rs->ctl_promise_ref) != LUA_TFUNCTION)
        return luaL_error(L, "the toolkit is not loaded");
    lua_pushinteger(L, a->id);
    guarded_call(a->rs, NULL, 1, "scheduling a nudgectl promise");
    return 0;
}

void ruleset_promise_added(struct ruleset *rs, int64_t id)
{
    struct promise_args a = {rs, id};
    char err[512];
    if (protected(rs, promise_added_body, &a, err, sizeof err) < 0)
        log_error("scheduling nudgectl promise %lld: %s", (long long)id, err);
}

size_t ruleset_time_changed(struct ruleset *rs)
{
    schedule_replan_all(&rs->sched);
    return ruleset_run_due(rs);
}
