/* nudge.notify, and what the notification server reports back (on_action, on_close). */
#include "lua/internal.h"

#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "ledger/uid.h"

/* t[k] as a string, or NULL when absent. The value stays on the stack (the caller's to pop, or
 * to leave until the C function returns): a number turned into a string lives only there. */
static const char *opt_string_field(lua_State *L, int t, const char *k)
{
    int ty = lconv_raw_field(L, t, k);
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
    if (lconv_raw_field(L, t, "actions") == LUA_TNIL) {
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
            lconv_raw_field(L, -1, "id");
            lconv_raw_field(L, -2, "label");
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

/* Refuses a field nudge.notify does not know (a typo would otherwise vanish) and callbacks
 * that are not functions. */
static void check_fields(lua_State *L)
{
    /* _snooze, _promise and _reminder are the toolkit's (src/lua/prelude): how long "snooze"
     * waits, which promise a Kept/Broken answer settles, and the reminder a day's one-shot
     * (ID@YYYY-MM-DD) shows for. */
    static const char *const known[] = {"title",    "body",     "icon",     "category",
                                        "urgency",  "timeout",  "actions",  "on_action",
                                        "on_close", "discreet", "_snooze",  "_promise",
                                        "_reminder", NULL};
    size_t n = sizeof known / sizeof *known - 1;
    lua_pushnil(L);
    while (lua_next(L, 1)) {
        bool ok = false;
        if (lua_type(L, -2) == LUA_TSTRING)
            for (size_t i = 0; i < n && !ok; i++) ok = !strcmp(known[i], lua_tostring(L, -2));
        if (!ok) lconv_unknown_key(L, -2, "notify: ", "field", known, n);
        lua_pop(L, 1);
    }
    for (const char *cb = "on_action"; cb; cb = strcmp(cb, "on_action") ? NULL : "on_close") {
        int t = lconv_raw_field(L, 1, cb);
        if (t != LUA_TNIL && t != LUA_TFUNCTION) luaL_error(L, "notify: '%s' must be a function", cb);
        lua_pop(L, 1);
    }
}

/* Reads the table at index 1 into n; its strings stay on the stack until l_notify returns. */
static void read_notification(lua_State *L, struct notification *n)
{
    /* First: `titel = "..."` is a misspelt title, not a missing one. */
    check_fields(L);
    n->title = opt_string_field(L, 1, "title");
    if (!n->title || !*n->title) luaL_error(L, "notify: 'title' is required");
    n->body = opt_string_field(L, 1, "body");
    n->icon = opt_string_field(L, 1, "icon");
    n->category = opt_string_field(L, 1, "category");
    n->urgency = URGENCY_NORMAL;
    const char *u = opt_string_field(L, 1, "urgency");
    if (u && urgency_parse(u, &n->urgency) < 0)
        luaL_error(L, "notify: urgency must be \"low\", \"normal\" or \"critical\"");
    n->timeout_ms = -1;
    int ty = lconv_raw_field(L, 1, "timeout");
    if (ty == LUA_TSTRING && !strcmp(lua_tostring(L, -1), "never"))
        n->timeout_ms = 0;
    else if (ty != LUA_TNIL)
        n->timeout_ms = lconv_check_span(L, -1, "timeout") / 1000;
    lua_pop(L, 1);
    n->n_actions = read_actions(L, 1, &n->actions);
    if (lconv_raw_field(L, 1, "_snooze") != LUA_TNIL)
        n->snooze = lconv_check_fire_span(L, -1, "_snooze");
    lua_pop(L, 1);
    n->promise = opt_string_field(L, 1, "_promise");
    /* Unset: the rule set's nudge.config{discreet}. */
    int d = lconv_raw_field(L, 1, "discreet");
    if (d != LUA_TNIL && d != LUA_TBOOLEAN)
        luaL_error(L, "notify field 'discreet' must be true or false, not %s", lua_typename(L, d));
    n->discreet = d == LUA_TNIL ? ruleset_of(L)->discreet : lua_toboolean(L, -1);
    lua_pop(L, 1);
}

/* Keeps the table's on_action/on_close (and the event) for notification id until it closes. */
static void keep_callbacks(lua_State *L, struct ruleset *rs, uint32_t id, usec_t now)
{
    int has_cb = lconv_raw_field(L, 1, "on_action") != LUA_TNIL;
    has_cb |= lconv_raw_field(L, 1, "on_close") != LUA_TNIL;
    lua_pop(L, 2);
    if (!has_cb) return;
    lua_rawgeti(L, LUA_REGISTRYINDEX, rs->notif_ref);
    lua_createtable(L, 0, 3);
    lconv_raw_field(L, 1, "on_action");
    lua_setfield(L, -2, "on_action");
    lconv_raw_field(L, 1, "on_close");
    lua_setfield(L, -2, "on_close");
    lconv_push_event(L, rs, rs->current, now);
    lua_setfield(L, -2, "ev");
    lua_rawseti(L, -2, id);
    lua_pop(L, 1);
}

static int l_notify(lua_State *L)
{
    struct ruleset *rs = ruleset_of(L);
    char err[256];
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    struct notification n = {0};
    read_notification(L, &n);
    n.app_name = rs->app_name;
    n.kind = rs->current ? rs->current->r.kind : "notify";
    n.reminder_id = rs->current ? rs->current->r.id : "";
    /* A per_week gesture's day "gesture@2026-12-03" shows as reminder "gesture", so that
     * `nudgectl done gesture` answers it and the next day's expires it like any reminder's.
     * Only a reminder's own base name: a rule cannot record under another reminder. */
    const char *as = opt_string_field(L, 1, "_reminder");
    if (as) {
        size_t len = strlen(as);
        if (!rs->current || !len || strncmp(rs->current->r.id, as, len) ||
            rs->current->r.id[len] != '@')
            return luaL_error(L, "notify: '_reminder' must name the running reminder's base id");
        n.reminder_id = as;
    }
    if (rs->current && rs->current_by_hand) n.origin = "manual";
    uint32_t id = 0;
    usec_t now = clock_now(rs->clock);
    /* Its calendar UID: a random time (window, jitter) is named by its day, so the UID is the
     * same in every run (SPEC 2.3). */
    const struct lrem *cur = rs->current;
    bool by_day = cur && rs->current_base && (cur->r.has_window || cur->r.jitter > 0);
    char uid[LEDGER_UID_MAX];
    n.uid = ledger_fire_uid(n.reminder_id, by_day ? rs->current_base : cur ? rs->current_sched : now,
                            by_day, uid, sizeof uid);
    /* The host shows it and, in the daemon, records the fire. */
    if (rs->host.show(rs->host.ud, &n, rs->current ? rs->current_sched : now, &id, err,
                      sizeof err) < 0) {
        log_warn("%s: notification \"%s\" not shown: %s", rs->current ? rs->current->where : "?",
                 n.title, err);
        lua_pushnil(L);
        return 1;
    }
    /* Id 0: not shown, as it was answered on another device already (the host recorded it). */
    if (!id) {
        lua_pushnil(L);
        return 1;
    }
    rs->shown++;
    if (rs->interactive) keep_callbacks(L, rs, id, now);
    lua_pushinteger(L, id);
    return 1;
}

const luaL_Reg lnotify_api[] = {{"notify", l_notify}, {NULL, NULL}};

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

/* notif_dispatch(args), in lcall_protected(): runs notif[id][field](arg, ev) if there is one. The
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
    lcall_guarded(a->rs, NULL, 2, a->field);
    return 0;
}

void ruleset_notification_action(struct ruleset *rs, uint32_t id, const char *action)
{
    struct notif_args a = {rs, id, "on_action", action, false};
    char err[512];
    if (lcall_protected(rs, notif_dispatch, &a, err, sizeof err) < 0) log_error("on_action: %s", err);
}

void ruleset_notification_closed(struct ruleset *rs, uint32_t id, int reason)
{
    struct notif_args a = {rs, id, "on_close", close_reason(reason), true};
    char err[512];
    if (lcall_protected(rs, notif_dispatch, &a, err, sizeof err) < 0) log_error("on_close: %s", err);
}
