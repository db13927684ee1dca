/* Reminders as Lua sees them: nudge.on/every/after/at and the handles they return. */
#include "lua/internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/utf8.h"
#include "time/span.h"
#include "time/timestamp.h"

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
void reminder_release(struct ruleset *rs, struct lrem *m)
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
    reminder_clear(&m->r);
    free(m->r.id);
    m->r.id = NULL;
    /* A calendar reminder shares its calendar and strings with the rule set's cache (its
     * segments' too); a segmented one owns its composed texts. */
    if (m->r.trigger != TRIGGER_CALENDAR || m->segs) free(m->expr);
    if (m->segs) free(m->norm);
    free(m->segs);
    m->segs = NULL;
    m->r.segs = NULL;
    m->r.nsegs = 0;
    m->r.cal = NULL;
    m->expr = m->norm = NULL;
    free(m->where);
    m->where = NULL;
    return 0;
}

static int lrem_cancel(lua_State *L)
{
    struct lrem *m = check_lrem(L, 1);
    if (m->r.done || lrem_gone(m)) return 0;
    /* A cancelled reminder's id is free again: a promise reopened makes its reminders anew. */
    if (m->r.id) {
        if (lua_rawgeti(L, LUA_REGISTRYINDEX, m->rs->ids_ref) == LUA_TTABLE) {
            lua_pushnil(L);
            lua_setfield(L, -2, m->r.id);
        }
        lua_pop(L, 1);
    }
    reminder_release(m->rs, m);
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
            lconv_push_seconds(L, t);
        else
            lua_pushnil(L);
        m->rs->sched.prng = saved;
    } else if (m->r.heap_idx != SIZE_MAX) {
        lconv_push_seconds(L, m->r.next);
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
        static const char *const known[] = {"id",   "jitter",   "window", "quiet",
                                            "catch_up", "late_cancel"};
        if (lua_type(L, -2) != LUA_TSTRING)
            lconv_unknown_key(L, -2, "", "option", known, sizeof known / sizeof *known);
        const char *k = lua_tostring(L, -2);
        if (!strcmp(k, "id")) {
            if (lua_type(L, -1) != LUA_TSTRING || lua_rawlen(L, -1) == 0)
                luaL_error(L, "option 'id' must be a non-empty string");
            /* C cuts at a NUL: "a\0x" and "a\0y" would be one id. */
            if (strlen(lua_tostring(L, -1)) != lua_rawlen(L, -1))
                luaL_error(L, "option 'id' must not contain a NUL byte");
            *id_out = lua_tostring(L, -1);
        } else if (!strcmp(k, "jitter")) {
            m->r.jitter = lconv_check_fire_span(L, -1, "jitter");
        } else if (!strcmp(k, "late_cancel")) {
            m->r.late_cancel = lconv_check_span(L, -1, "late_cancel");
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
        } else if (!strcmp(k, "_segments")) {
            /* Read by parse_segments() before the trigger. */
        } else if (!strcmp(k, "_before")) {
            /* The toolkit's: a promise reminder's due, which quiet hours must not push it past. */
            m->r.before = lconv_check_time(L, -1, rs);
        } else if (!strcmp(k, "_kind")) {
            /* The toolkit's (src/lua/prelude): what kind of reminder this is. */
            /* "plan": the toolkit's own planning (a per_week gesture's nightly look ahead),
             * which shows nothing. */
            static const char *const kinds[] = {"checkin", "gesture", "promise", "patience",
                                                "milestone", "repair", "support", "plan",
                                                "notify"};
            const char *want = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "";
            size_t i;
            for (i = 0; i < sizeof kinds / sizeof *kinds; i++)
                if (!strcmp(kinds[i], want)) break;
            if (i == sizeof kinds / sizeof *kinds) luaL_error(L, "unknown reminder kind '%s'", want);
            m->r.kind = kinds[i];
        } else {
            lconv_unknown_key(L, -2, "", "option", known, sizeof known / sizeof *known);
        }
        lua_pop(L, 1);
    }
    (void)rs;
}

/* Gives m its id: the explicit one (which must be unique) or one derived from the call, made
 * unique by a "#N" suffix in registration order so it stays stable across unrelated edits. */
void reminder_assign_id(lua_State *L, struct ruleset *rs, struct lrem *m, const char *explicit_id,
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

int reminder_regs_push(struct ruleset *rs, struct lrem *m)
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
struct lrem *reminder_new(lua_State *L, struct ruleset *rs)
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

/* The toolkit's `_segments = { {cal = "daily 20:30", from = t, ["until"] = t|nil}, ... }`
 * (a `when` keyed by phase): m's trigger becomes those calendars, each inside its range. The
 * first argument is then only the text shown for it (nudgectl list). Checked like any rule
 * input: a rule file may pass the option itself. */
static void parse_segments(lua_State *L, int opts, struct ruleset *rs, struct lrem *m,
                           const char *text)
{
    char err[512];
    int t = lua_gettop(L);
    if (lua_type(L, t) != LUA_TTABLE) luaL_error(L, "option '_segments' must be a list");
    lua_Integer n = (lua_Integer)lua_rawlen(L, t);
    if (n < 1 || n > SEGMENTS_MAX) luaL_error(L, "option '_segments' must list 1 to %d", SEGMENTS_MAX);
    if (!(m->segs = calloc((size_t)n, sizeof *m->segs))) luaL_error(L, "not enough memory");
    m->r.segs = m->segs;
    m->r.nsegs = (size_t)n;
    luaL_Buffer b;
    luaL_buffinit(L, &b); /* the plan's identity on reload: calendars and their ranges */
    luaL_addstring(&b, "phases:");
    for (lua_Integer i = 1; i <= n; i++) {
        struct schedule_segment *g = &m->segs[i - 1];
        if (lua_rawgeti(L, t, i) != LUA_TTABLE)
            luaL_error(L, "option '_segments'[%d] must be {cal=, from=, until=}", (int)i);
        if (lua_getfield(L, -1, "cal") != LUA_TSTRING)
            luaL_error(L, "option '_segments'[%d]: 'cal' must be a calendar event", (int)i);
        const struct calcache_entry *c = calcache_get(rs, lua_tostring(L, -1), err, sizeof err);
        if (!c) luaL_error(L, "%s", err);
        lua_pop(L, 1);
        g->cal = c->cal;
        g->expr = c->expr;
        lua_getfield(L, -1, "from");
        g->from = lconv_check_time(L, -1, rs);
        lua_pop(L, 1);
        if (lua_getfield(L, -1, "until") == LUA_TNIL)
            g->until = USEC_INFINITY;
        else
            g->until = lconv_check_time(L, -1, rs);
        lua_pop(L, 2);
        lua_pushfstring(L, " %s@%I..%I;", c->norm, (lua_Integer)(g->from / USEC_PER_SEC),
                        (lua_Integer)(g->until / USEC_PER_SEC));
        luaL_addvalue(&b);
    }
    luaL_pushresult(&b);
    m->norm = strdup(lua_tostring(L, -1));
    m->expr = strdup(text);
    lua_pop(L, 1);
    if (!m->norm || !m->expr) luaL_error(L, "not enough memory");
    (void)opts;
}

static int schedule_call(lua_State *L, enum trigger trigger)
{
    static const char *const names[] = {"on", "every", "after", "at"};
    struct ruleset *rs = ruleset_of(L);
    char err[512], derived[256];
    lua_settop(L, 3); /* the handle goes above the arguments, never into the options slot */
    luaL_checktype(L, 2, LUA_TFUNCTION);

    struct lrem *m = reminder_new(L, rs);
    int ud = lua_gettop(L);
    m->r.trigger = trigger;
    m->r.kind = "notify";
    char wbuf[300];
    lconv_where(L, wbuf, sizeof wbuf);
    if (!(m->where = strdup(wbuf))) return luaL_error(L, "not enough memory");
    lua_Debug ar;
    lua_pushvalue(L, 2);
    lua_getinfo(L, ">u", &ar);
    m->wants_ev = ar.nparams > 0 || ar.isvararg;

    switch (trigger) {
    case TRIGGER_CALENDAR: {
        const char *s = luaL_checkstring(L, 1);
        if (lua_type(L, 3) == LUA_TTABLE && lua_getfield(L, 3, "_segments") != LUA_TNIL) {
            parse_segments(L, 3, rs, m, s);
            lua_pop(L, 1);
            snprintf(derived, sizeof derived, "on:%s", s);
            break;
        }
        if (lua_type(L, 3) == LUA_TTABLE) lua_pop(L, 1);
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
        m->r.span = lconv_check_fire_span(L, 1, trigger == TRIGGER_EVERY ? "every" : "after");
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
        m->r.at = lconv_check_time(L, 1, rs);
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
    reminder_assign_id(L, rs, m, explicit_id, derived);
    m->named = explicit_id != NULL;
    m->runtime = !rs->loading;

    lua_pushvalue(L, 2);
    m->fn_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_pushvalue(L, ud);
    m->self_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    if (reminder_regs_push(rs, m) < 0) return luaL_error(L, "not enough memory");

    if (rs->loading) {
        m->pending = true;
    } else if (schedule_add(&rs->sched, &m->r) < 0) {
        reminder_release(rs, m);
    }
    lua_pushvalue(L, ud);
    return 1;
}

static int l_on(lua_State *L) { return schedule_call(L, TRIGGER_CALENDAR); }
static int l_every(lua_State *L) { return schedule_call(L, TRIGGER_EVERY); }
static int l_after(lua_State *L) { return schedule_call(L, TRIGGER_AFTER); }
static int l_at(lua_State *L) { return schedule_call(L, TRIGGER_AT); }

const luaL_Reg reminder_api[] = {
    {"on", l_on}, {"every", l_every}, {"after", l_after}, {"at", l_at}, {NULL, NULL},
};

void reminder_open(lua_State *L)
{
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
}

struct lrem *reminder_find(struct ruleset *rs, const char *id)
{
    for (size_t i = 0; i < rs->n_regs; i++)
        if (rs->regs[i] && !rs->regs[i]->r.done && !strcmp(rs->regs[i]->r.id, id))
            return rs->regs[i];
    return NULL;
}

int reminder_cmp_id(const void *a, const void *b)
{
    return strcmp((*(struct lrem *const *)a)->r.id, (*(struct lrem *const *)b)->r.id);
}

/* Same trigger, same time expression, same window/jitter/quiet: the plan still holds. */
bool reminder_same_definition(const struct lrem *a, const struct lrem *b)
{
    if (a->r.trigger != b->r.trigger || a->r.jitter != b->r.jitter || a->r.quiet != b->r.quiet ||
        a->r.has_window != b->r.has_window || a->r.before != b->r.before)
        return false;
    if (a->r.has_window &&
        (a->r.window.start != b->r.window.start || a->r.window.end != b->r.window.end))
        return false;
    if (a->r.trigger == TRIGGER_CALENDAR) return a->norm && b->norm && !strcmp(a->norm, b->norm);
    return a->r.span == b->r.span && a->r.at == b->r.at;
}
