/* nudge._toolkit: the state the toolkit prelude reads and writes (gesture memory, check-ins,
 * promises, streaks). Private to the prelude; rules use nudge.checkin and friends. */
#include "lua/toolkit.h"

#include <errno.h>
#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ledger/internal.h" /* until the store queries below move into the ledger */

#define STREAK_DAYS 4000

static struct store *st_of(lua_State *L)
{
    return ruleset_ledger(ruleset_of(L))->st;
}

static usec_t now_of(lua_State *L)
{
    return clock_now(ruleset_clock(ruleset_of(L)));
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

static int db_error(lua_State *L)
{
    return luaL_error(L, "the state database failed (see the log)");
}

/* Rows read from the store, copied to C before any of them becomes a Lua value: a Lua error
 * (the memory cap) raised inside a store callback would jump over the store's cleanup. */
struct rows_ud {
    struct row {
        int64_t id;
        char *text;
        usec_t due;
    } *v;
    size_t n, cap;
    bool failed;
};

static int rows_add(struct rows_ud *u, int64_t id, const char *text, usec_t due)
{
    if (u->n == u->cap) {
        size_t cap = u->cap ? u->cap * 2 : 16;
        struct row *v = realloc(u->v, cap * sizeof *v);
        if (!v) return u->failed = true, 1;
        u->v = v;
        u->cap = cap;
    }
    char *t = strdup(text ? text : "");
    if (!t) return u->failed = true, 1;
    u->v[u->n++] = (struct row){id, t, due};
    return 0;
}

static void rows_clear(struct rows_ud *u)
{
    for (size_t i = 0; i < u->n; i++) free(u->v[i].text);
    free(u->v);
}

enum rows_shape { ROWS_STRINGS, ROWS_PROMISE_LIST, ROWS_PROMISE_ONE };

struct rows_push {
    struct rows_ud *rows;
    enum rows_shape shape;
};

static void push_promise(lua_State *L, const struct row *r)
{
    lua_createtable(L, 0, 3);
    lua_pushinteger(L, r->id);
    lua_setfield(L, -2, "id");
    lua_pushstring(L, r->text);
    lua_setfield(L, -2, "text");
    push_seconds(L, r->due);
    lua_setfield(L, -2, "due");
}

static int rows_push_body(lua_State *L)
{
    const struct rows_push *a = lua_touserdata(L, 1);
    const struct rows_ud *u = a->rows;
    if (a->shape == ROWS_PROMISE_ONE) {
        if (u->n) push_promise(L, &u->v[0]);
        else lua_pushnil(L);
        return 1;
    }
    lua_createtable(L, (int)u->n, 0);
    for (size_t i = 0; i < u->n; i++) {
        if (a->shape == ROWS_STRINGS) lua_pushstring(L, u->v[i].text);
        else push_promise(L, &u->v[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
}

/* Pushes the rows as Lua values and frees them, also when that fails (then raises). */
static int rows_push(lua_State *L, struct rows_ud *u, enum rows_shape shape)
{
    if (u->failed) {
        rows_clear(u);
        return luaL_error(L, "not enough memory");
    }
    struct rows_push a = {u, shape};
    lua_pushcfunction(L, rows_push_body);
    lua_pushlightuserdata(L, &a);
    int rc = lua_pcall(L, 1, 1, 0);
    rows_clear(u);
    if (rc != LUA_OK) return lua_error(L);
    return 1;
}

static int gesture_cb(void *ud, const char *gesture, usec_t at)
{
    return rows_add(ud, 0, gesture, at);
}

/* gesture_recent(id, n) -> the last n gestures picked, newest first */
static int t_gesture_recent(lua_State *L)
{
    const char *id = luaL_checkstring(L, 1);
    lua_Integer n = luaL_checkinteger(L, 2);
    struct rows_ud u = {0};
    if (n > 0 && store_gesture_recent(st_of(L), id, n > 10000 ? 10000 : (int)n, gesture_cb, &u) < 0) {
        rows_clear(&u);
        return db_error(L);
    }
    return rows_push(L, &u, ROWS_STRINGS);
}

static int t_gesture_add(lua_State *L)
{
    if (store_gesture_add(st_of(L), luaL_checkstring(L, 1), luaL_checkstring(L, 2), now_of(L)) < 0)
        return db_error(L);
    return 0;
}

static int any_cb(void *ud, const struct store_checkin *c)
{
    (void)c;
    *(bool *)ud = true;
    return 1; /* one is enough */
}

/* checkin_since(t) -> whether a check-in was logged (nudgectl checkin) at or after t */
static int t_checkin_since(lua_State *L)
{
    bool any = false;
    int r = store_checkins(st_of(L), check_seconds(L, 1), any_cb, &any);
    if (r < 0) return db_error(L);
    lua_pushboolean(L, any);
    return 1;
}

static int last_cb(void *ud, const struct store_fire *f)
{
    *(usec_t *)ud = f->fired;
    return 0;
}

/* last_fired(id) -> when the reminder last showed a notification (recorded history), or nil */
static int t_last_fired(lua_State *L)
{
    usec_t t = 0;
    int r = store_last_fire(st_of(L), luaL_checkstring(L, 1), last_cb, &t);
    if (r == -ENOENT || (r == 0 && t == 0)) return lua_pushnil(L), 1;
    if (r < 0) return db_error(L);
    push_seconds(L, t);
    return 1;
}

static int64_t day_of(usec_t t)
{
    time_t tt = (time_t)(t / USEC_PER_SEC);
    struct tm tm;
    localtime_r(&tt, &tm);
    /* Days since 1970 of the local date: timegm on the local fields. */
    tm.tm_hour = 12;
    tm.tm_min = tm.tm_sec = 0;
    return (int64_t)(timegm(&tm) / 86400);
}

struct streak_ud {
    int64_t today;
    unsigned char *done; /* done[today - day] */
};

static void mark(struct streak_ud *u, usec_t t)
{
    int64_t back = u->today - day_of(t);
    if (back >= 0 && back < STREAK_DAYS) u->done[back] = 1;
}

static int streak_fire_cb(void *ud, const struct store_fire *f)
{
    if (f->answer && !strcmp(f->answer, "done") && !strcmp(f->kind, "checkin")) mark(ud, f->fired);
    return 0;
}

static int streak_checkin_cb(void *ud, const struct store_checkin *c)
{
    mark(ud, c->at);
    return 0;
}

int toolkit_streak(struct store *st, usec_t now)
{
    unsigned char done[STREAK_DAYS] = {0};
    struct streak_ud u = {day_of(now), done};
    usec_t since = now - (usec_t)STREAK_DAYS * USEC_PER_DAY;
    if (store_history(st, since, 0, streak_fire_cb, &u) < 0) return -1;
    if (store_checkins(st, since, streak_checkin_cb, &u) < 0) return -1;
    int start = done[0] ? 0 : 1; /* today may still be ahead */
    int n = 0;
    for (int i = start; i < STREAK_DAYS && done[i]; i++) n++;
    return n;
}

static int t_streak(lua_State *L)
{
    int n = toolkit_streak(st_of(L), now_of(L));
    if (n < 0) return db_error(L);
    lua_pushinteger(L, n);
    return 1;
}

struct promise_ud {
    int64_t id;
    char state[16];
};

static int promise_get_cb(void *ud, const struct store_promise *p)
{
    struct promise_ud *u = ud;
    u->id = p->id;
    snprintf(u->state, sizeof u->state, "%s", p->state);
    return 0;
}

/* promise_add(key, text, due) -> id, state ("open", "kept", "broken") */
static int t_promise_add(lua_State *L)
{
    struct store *st = st_of(L);
    int64_t id;
    if (store_promise_add(st, luaL_checkstring(L, 1), luaL_checkstring(L, 2), check_seconds(L, 3),
                          "rules", now_of(L), &id) < 0)
        return db_error(L);
    struct promise_ud u = {id, "open"};
    store_promise_get(st, id, promise_get_cb, &u);
    lua_pushinteger(L, id);
    lua_pushstring(L, u.state);
    return 2;
}

struct counts {
    usec_t now;
    lua_Integer kept, promised, broken;
};

static int count_cb(void *ud, const struct store_promise *p)
{
    struct counts *c = ud;
    if (p->due <= c->now || strcmp(p->state, "open")) c->promised++;
    if (!strcmp(p->state, "kept")) c->kept++;
    if (!strcmp(p->state, "broken")) c->broken++;
    return 0;
}

/* promise_counts() -> kept, promised (due so far or settled), broken */
static int t_promise_counts(lua_State *L)
{
    struct counts c = {.now = now_of(L)};
    if (store_promises(st_of(L), count_cb, &c) < 0) return db_error(L);
    lua_pushinteger(L, c.kept);
    lua_pushinteger(L, c.promised);
    lua_pushinteger(L, c.broken);
    return 3;
}

static int ctl_cb(void *ud, const struct store_promise *p)
{
    if (p->key || strcmp(p->state, "open")) return 0;
    return rows_add(ud, p->id, p->text, p->due);
}

/* ctl_promises() -> the open promises added with nudgectl, by due time */
static int t_ctl_promises(lua_State *L)
{
    struct rows_ud u = {0};
    if (store_promises(st_of(L), ctl_cb, &u) < 0) {
        rows_clear(&u);
        return db_error(L);
    }
    return rows_push(L, &u, ROWS_PROMISE_LIST);
}

/* ctl_promise(id) -> {id=, text=, due=} of one open nudgectl promise, or nil */
static int one_cb(void *ud, const struct store_promise *p)
{
    if (strcmp(p->state, "open")) return 0;
    return rows_add(ud, p->id, p->text, p->due);
}

static int t_ctl_promise(lua_State *L)
{
    struct rows_ud u = {0};
    int r = store_promise_get(st_of(L), luaL_checkinteger(L, 1), one_cb, &u);
    if (r < 0 && r != -ENOENT) {
        rows_clear(&u);
        return db_error(L);
    }
    return rows_push(L, &u, ROWS_PROMISE_ONE);
}

/* since() -> nudge.config{since} as epoch seconds, or nil */
static int t_since(lua_State *L)
{
    usec_t s;
    if (!ruleset_since(ruleset_of(L), &s)) return lua_pushnil(L), 1;
    push_seconds(L, s);
    return 1;
}

void toolkit_open(lua_State *L)
{
    static const luaL_Reg fns[] = {
        {"gesture_recent", t_gesture_recent}, {"gesture_add", t_gesture_add},
        {"checkin_since", t_checkin_since},   {"last_fired", t_last_fired},
        {"streak", t_streak},                 {"promise_add", t_promise_add},
        {"promise_counts", t_promise_counts}, {"ctl_promises", t_ctl_promises},
        {"ctl_promise", t_ctl_promise},       {"since", t_since},
        {NULL, NULL},
    };
    luaL_newlib(L, fns);
    lua_setfield(L, -2, "_toolkit");
}
