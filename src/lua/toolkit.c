/* nudge._toolkit: the ledger's facts the toolkit prelude reads and writes (gesture memory,
 * check-ins, promises, the streak and the phases). Private to the prelude; rules use
 * nudge.checkin and friends. A binding only: it checks arguments, asks the ledger, pushes. */
#include "lua/toolkit.h"

#include <errno.h>
#include <lauxlib.h>

#include "ledger/gesture.h"
#include "ledger/history.h"
#include "ledger/journal.h"
#include "ledger/pause.h"
#include "ledger/promise.h"
#include "ledger/report.h"
#include "common/suggest.h"
#include "lua/internal.h"
#include "time/span.h"

static struct ledger *ledger_of(lua_State *L)
{
    return ruleset_of(L)->ledger;
}

static usec_t now_of(lua_State *L)
{
    return clock_now(ruleset_of(L)->clock);
}

static void push_seconds(lua_State *L, usec_t t)
{
    if (t % USEC_PER_SEC == 0)
        lua_pushinteger(L, (lua_Integer)(t / USEC_PER_SEC));
    else
        lua_pushnumber(L, (lua_Number)t / 1e6);
}

static usec_t check_seconds(lua_State *L, int idx)
{
    return (usec_t)(luaL_checknumber(L, idx) * 1e6);
}

/* Raises the error a ledger call returned. */
static int ledger_error(lua_State *L, int r)
{
    if (r == -ENOMEM) return luaL_error(L, "not enough memory");
    return luaL_error(L, "the state database failed (see the log)");
}

/* What to push: the ledger hands rows over as C copies, and they become Lua values in a
 * protected call, since at the memory cap a push raises and the copies must still be freed. */
struct push_args {
    const struct gesture_list *gestures; /* a list of strings */
    const struct promise_list *promises; /* a list of {id, key, text, due, state}, or one */
    bool one;
};

static void push_promise(lua_State *L, const struct ledger_promise *p)
{
    lua_createtable(L, 0, 5);
    lua_pushstring(L, p->state);
    lua_setfield(L, -2, "state");
    if (p->key) {
        lua_pushstring(L, p->key);
        lua_setfield(L, -2, "key");
    }
    lua_pushinteger(L, p->id);
    lua_setfield(L, -2, "id");
    lua_pushstring(L, p->text);
    lua_setfield(L, -2, "text");
    push_seconds(L, p->due);
    lua_setfield(L, -2, "due");
}

static int push_body(lua_State *L)
{
    const struct push_args *a = lua_touserdata(L, 1);
    if (a->gestures) {
        lua_createtable(L, (int)a->gestures->n, 0);
        for (size_t i = 0; i < a->gestures->n; i++) {
            lua_pushstring(L, a->gestures->v[i]);
            lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
    } else if (a->one) {
        if (a->promises->n)
            push_promise(L, &a->promises->v[0]);
        else
            lua_pushnil(L);
    } else {
        lua_createtable(L, (int)a->promises->n, 0);
        for (size_t i = 0; i < a->promises->n; i++) {
            push_promise(L, &a->promises->v[i]);
            lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
    }
    return 1;
}

/* Runs push_body protected: LUA_OK with the value on the stack, else the error there. */
static int push_protected(lua_State *L, const struct push_args *a)
{
    lua_pushcfunction(L, push_body);
    lua_pushlightuserdata(L, (void *)a);
    return lua_pcall(L, 1, 1, 0);
}

/* gesture_recent(id, n) -> the last n gestures picked, newest first */
static int t_gesture_recent(lua_State *L)
{
    const char *id = luaL_checkstring(L, 1);
    lua_Integer n = luaL_checkinteger(L, 2);
    struct gesture_list g = {0};
    int want = n < 0 ? 0 : n > GESTURE_RECENT_MAX ? GESTURE_RECENT_MAX : (int)n;
    int r = ledger_gesture_recent(ledger_of(L), id, want, &g);
    if (r < 0) {
        gesture_list_free(&g);
        return ledger_error(L, r);
    }
    int rc = push_protected(L, &(struct push_args){.gestures = &g});
    gesture_list_free(&g);
    return rc == LUA_OK ? 1 : lua_error(L);
}

static int t_gesture_add(lua_State *L)
{
    int r =
        ledger_gesture_add(ledger_of(L), luaL_checkstring(L, 1), luaL_checkstring(L, 2), now_of(L));
    return r < 0 ? ledger_error(L, r) : 0;
}

/* checkin_since(t) -> whether a check-in was logged (nudgectl checkin) at or after t */
static int t_checkin_since(lua_State *L)
{
    bool any;
    int r = ledger_checkin_since(ledger_of(L), check_seconds(L, 1), &any);
    if (r < 0) return ledger_error(L, r);
    lua_pushboolean(L, any);
    return 1;
}

/* checkin_silenced(id, scheduled) -> whether a check-in logged for reminder id (nudgectl
 * checkin ID) silenced its prompt planned for `scheduled` */
static int t_checkin_silenced(lua_State *L)
{
    bool silenced;
    int r = ledger_checkin_silenced(ledger_of(L), luaL_checkstring(L, 1), check_seconds(L, 2),
                                    &silenced);
    if (r < 0) return ledger_error(L, r);
    lua_pushboolean(L, silenced);
    return 1;
}

/* by_hand() -> whether the running reminder was fired with nudgectl fire (nothing silences it) */
static int t_by_hand(lua_State *L)
{
    struct ruleset *rs = ruleset_of(L);
    lua_pushboolean(L, rs->current && rs->current_by_hand);
    return 1;
}

/* last_fired(id) -> when the reminder last showed a notification (recorded history), or nil */
static int t_last_fired(lua_State *L)
{
    usec_t t;
    int r = ledger_last_fired(ledger_of(L), luaL_checkstring(L, 1), &t);
    if (r == -ENOENT) return lua_pushnil(L), 1;
    if (r < 0) return ledger_error(L, r);
    push_seconds(L, t);
    return 1;
}

/* streak() -> the current check-in streak in days ({streak}) */
static int t_streak(lua_State *L)
{
    int n;
    int r = ledger_streak(ledger_of(L), now_of(L), &n, NULL);
    if (r < 0) return ledger_error(L, r);
    lua_pushinteger(L, n);
    return 1;
}

/* phase([t]) -> name, label of the phase at t (default now) ({phase} prints the label), or
 * nil without since or before it (nothing has begun) */
static int t_phase(lua_State *L)
{
    struct ruleset *rs = ruleset_of(L);
    usec_t t = lua_isnoneornil(L, 1) ? now_of(L) : check_seconds(L, 1);
    if (!rs->has_since) return lua_pushnil(L), 1;
    int i = ledger_phase_index(&rs->phases, rs->since, t);
    if (i < 0) return lua_pushnil(L), 1;
    lua_pushstring(L, rs->phases.v[i].name);
    lua_pushstring(L, rs->phases.v[i].label);
    return 2;
}

/* phases() -> { {name=, label=, from=, until=}, ... } in order, epochs from since (the last
 * without until), or nil without since */
static int t_phases(lua_State *L)
{
    struct ruleset *rs = ruleset_of(L);
    if (!rs->has_since) return lua_pushnil(L), 1;
    lua_createtable(L, rs->phases.n, 0);
    for (int i = 0; i < rs->phases.n; i++) {
        usec_t from, until;
        ledger_phase_bounds(&rs->phases, rs->since, i, &from, &until);
        lua_createtable(L, 0, 4);
        lua_pushstring(L, rs->phases.v[i].name);
        lua_setfield(L, -2, "name");
        lua_pushstring(L, rs->phases.v[i].label);
        lua_setfield(L, -2, "label");
        push_seconds(L, from);
        lua_setfield(L, -2, "from");
        if (until != USEC_INFINITY) {
            push_seconds(L, until);
            lua_setfield(L, -2, "until");
        }
        lua_rawseti(L, -2, i + 1);
    }
    return 1;
}

/* span_add(t, span) -> t + span with months and years on the calendar (span_add_calendar) */
static int t_span_add(lua_State *L)
{
    char err[256];
    usec_t t = check_seconds(L, 1), out;
    luaL_checkany(L, 2);
    if (lua_type(L, 2) == LUA_TNUMBER) {
        out = t + check_seconds(L, 2); /* bare seconds are exact */
    } else if (span_add_calendar(t, luaL_checkstring(L, 2), &out, err, sizeof err) < 0) {
        return luaL_error(L, "%s", err);
    }
    if (out == USEC_INFINITY) return lua_pushnil(L), 1;
    push_seconds(L, out);
    return 1;
}

/* promise_add(key, text, due) -> id, state ("open", "kept", "broken", "deleted") */
static int t_promise_add(lua_State *L)
{
    int64_t id;
    const char *state;
    int r = ledger_promise_add(ledger_of(L), luaL_checkstring(L, 1), luaL_checkstring(L, 2),
                               check_seconds(L, 3), "rules", now_of(L), &id, &state);
    if (r < 0) return ledger_error(L, r);
    lua_pushinteger(L, id);
    lua_pushstring(L, state);
    return 2;
}

/* promise_counts() -> kept, promised (due so far or settled), broken */
static int t_promise_counts(lua_State *L)
{
    struct promise_counts c;
    int r = ledger_promise_counts(ledger_of(L), now_of(L), &c);
    if (r < 0) return ledger_error(L, r);
    lua_pushinteger(L, c.kept);
    lua_pushinteger(L, c.promised);
    lua_pushinteger(L, c.broken);
    return 3;
}

/* Pushes promises (a list, or the first or nil when one) and frees them; raises r < 0. */
static int push_promises(lua_State *L, struct promise_list *l, int r, bool one)
{
    if (r < 0) {
        promise_list_free(l);
        return ledger_error(L, r);
    }
    int rc = push_protected(L, &(struct push_args){.promises = l, .one = one});
    promise_list_free(l);
    return rc == LUA_OK ? 1 : lua_error(L);
}

/* ctl_promises() -> the open promises added with nudgectl, by due time */
static int t_ctl_promises(lua_State *L)
{
    struct promise_list l = {0};
    return push_promises(L, &l, ledger_promises_open_ctl(ledger_of(L), &l), false);
}

/* promise(id) -> {id=, key=, text=, due=, state=} of one promise whatever its state, or nil */
static int t_promise(lua_State *L)
{
    struct promise_list l = {0};
    int r = ledger_promise_get(ledger_of(L), luaL_checkinteger(L, 1), &l);
    return push_promises(L, &l, r == -ENOENT ? 0 : r, true);
}

/* since() -> nudge.config{since} as epoch seconds, or nil */
/* T.paused([t]): nil, or how t (default now) is paused: {all, until (nil: until resumed), note,
 * origin = "ctl" | "rules"} (SPEC 2.4). The C side already silences due fires; this is for the
 * prelude's own texts. */
static int t_paused(lua_State *L)
{
    usec_t t = lua_isnoneornil(L, 1) ? now_of(L) : check_seconds(L, 1);
    struct ledger_pause how;
    if (!ledger_paused_at(ledger_of(L), t, &how)) {
        lua_pushnil(L);
        return 1;
    }
    lua_createtable(L, 0, 4);
    lua_pushboolean(L, how.all);
    lua_setfield(L, -2, "all");
    if (how.until != USEC_INFINITY) {
        push_seconds(L, how.until);
        lua_setfield(L, -2, "until");
    }
    if (how.note[0]) {
        lua_pushstring(L, how.note);
        lua_setfield(L, -2, "note");
    }
    lua_pushstring(L, how.origin);
    lua_setfield(L, -2, "origin");
    return 1;
}

static int t_since(lua_State *L)
{
    usec_t s;
    struct ruleset *rs = ruleset_of(L);
    if (!rs->has_since) return lua_pushnil(L), 1;
    s = rs->since;
    push_seconds(L, s);
    return 1;
}

/* T.unknown(what, key, names[, prefix, list]): the wording of an unknown key, the same as the
 * C binding's (common/suggest.h): "unknown field 'titel' (did you mean 'title'?)", or listing
 * names (in their order) when none is close and list is not false. */
static int t_unknown(lua_State *L)
{
    const char *what = luaL_checkstring(L, 1);
    const char *word = lua_type(L, 2) == LUA_TSTRING ? lua_tostring(L, 2) : NULL;
    luaL_checktype(L, 3, LUA_TTABLE);
    const char *prefix = luaL_optstring(L, 4, "");
    int list = lua_isnoneornil(L, 5) || lua_toboolean(L, 5);
    /* Bounded: names of a table of fields or of the nudge module, never a user's list. */
    const char *names[128];
    size_t n = 0;
    lua_Integer len = (lua_Integer)lua_rawlen(L, 3);
    luaL_checkstack(L, (int)(sizeof names / sizeof *names) + 2, "too many names");
    for (lua_Integer i = 1; i <= len && n < sizeof names / sizeof *names; i++)
        if (lua_rawgeti(L, 3, i) == LUA_TSTRING) names[n++] = lua_tostring(L, -1);
    /* The strings stay on the stack (and in the table) until this returns. */
    char msg[1024];
    suggest_unknown(msg, sizeof msg, what, prefix, word, names, n, list);
    lua_pushstring(L, msg);
    return 1;
}

void toolkit_open(lua_State *L)
{
    static const luaL_Reg fns[] = {
        {"gesture_recent", t_gesture_recent},
        {"gesture_add", t_gesture_add},
        {"checkin_since", t_checkin_since},
        {"checkin_silenced", t_checkin_silenced},
        {"by_hand", t_by_hand},
        {"last_fired", t_last_fired},
        {"streak", t_streak},
        {"phase", t_phase},
        {"phases", t_phases},
        {"span_add", t_span_add},
        {"promise_add", t_promise_add},
        {"promise_counts", t_promise_counts},
        {"ctl_promises", t_ctl_promises},
        {"promise", t_promise},
        {"since", t_since},
        {"unknown", t_unknown},
        {"paused", t_paused},
        {NULL, NULL},
    };
    luaL_newlib(L, fns);
    lua_setfield(L, -2, "_toolkit");
}
