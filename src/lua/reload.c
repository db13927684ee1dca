/* A reload: what the new rule set takes over from the old one. */
#include "lua/internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "ledger/ledger.h"
#include "lua/lcarry.h"
#include "lua/sandbox.h"

struct copy_fired {
    struct ruleset *from, *to;
};

/* copy_fired(args), in lcall_protected() on the new state: adds the old set's fired one-shots to
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

bool reload_quiet_changed(const struct ruleset *rs, const struct ruleset *old)
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
struct lrem **reload_live_by_id(const struct ruleset *rs, size_t *n)
{
    *n = 0;
    struct lrem **v = malloc((rs->n_regs ? rs->n_regs : 1) * sizeof *v);
    if (!v) return NULL;
    for (size_t i = 0; i < rs->n_regs; i++)
        if (hands_over_plan(rs->regs[i]) && rs->regs[i]->r.heap_idx != SIZE_MAX)
            v[(*n)++] = rs->regs[i];
    qsort(v, *n, sizeof *v, reminder_cmp_id);
    return v;
}

/* A reminder the load left for ruleset_adopt() whose old plan does not hold after all. */
static void plan_deferred(struct ruleset *rs, struct lrem *m)
{
    if (!m->deferred) return;
    m->deferred = false;
    int rc = schedule_add(&rs->sched, &m->r);
    if (rc == -ENOMEM) luaL_error(rs->L, "%s: not enough memory to queue '%s'", m->where, m->r.id);
    if (rc == -ENOENT) reminder_release(rs, m);
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
    struct lrem *m = reminder_new(L, rs);
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
    struct lrem *m = reminder_new(L, rs);
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
    if (o->segs) {
        /* A `when` keyed by phase: the same ranges, calendars from this rule set's cache. */
        if (!(m->segs = calloc(o->r.nsegs, sizeof *m->segs))) luaL_error(L, "not enough memory");
        m->r.segs = m->segs;
        m->r.nsegs = o->r.nsegs;
        for (size_t i = 0; i < o->r.nsegs; i++) {
            const struct calcache_entry *c = calcache_get(rs, o->segs[i].expr, err, sizeof err);
            if (!c) luaL_error(L, "%s", err);
            m->segs[i] = o->segs[i];
            m->segs[i].cal = c->cal;
            m->segs[i].expr = c->expr;
        }
        if (!(m->expr = strdup(o->expr)) || !(m->norm = strdup(o->norm)))
            luaL_error(L, "not enough memory");
    } else if (o->r.trigger == TRIGGER_CALENDAR) {
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
        reminder_assign_id(L, rs, m, NULL, base);
    } else {
        reminder_assign_id(L, rs, m, o->r.id, NULL);
    }
    if (reminder_regs_push(rs, m) < 0) luaL_error(L, "not enough memory");
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
    qsort(news, n_new, sizeof *news, reminder_cmp_id);
    for (size_t i = 0; i < old->n_regs; i++) {
        struct lrem *o = old->regs[i];
        if (!o || o->r.done || !o->r.id) continue;
        struct lrem key_m = {.r = {.id = o->r.id}}, *key = &key_m;
        struct lrem **m = bsearch(&key, news, n_new, sizeof *news, reminder_cmp_id);
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
            reminder_release(rs, m);
            c->shells[k] = NULL;
            return luaL_error(L, "not enough memory");
        }
        /* Its plan came from the old quiet hours. */
        if (reload_quiet_changed(rs, old)) schedule_replan(&rs->sched, &m->r);
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
    int rc = lcall_protected(rs, carry_all, &c, err, errsz);
    if (rc < 0 && strstr(err, "memory limit exceeded") && !strstr(err, "do not fit")) {
        /* The limit was reached making the handles, before any function was carried. */
        struct sandbox_limits lim;
        sandbox_get_limits(rs->L, &lim);
        snprintf(err, errsz, "the %zu reminders made at run time do not fit in the rules' memory "
                 "limit (%d MiB; their handles alone are over it): raise limits.memory or cancel "
                 "the ones no longer needed", c.n, (int)(lim.memory >> 20));
    }
    if (rc < 0) {
        for (k = 0; k < c.n; k++)
            if (c.shells[k] && c.shells[k]->fn_ref == LUA_NOREF) reminder_release(rs, c.shells[k]);
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

/* adopt_plans(args), in lcall_protected(): a fired one-shot stays fired; a reminder whose id and
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
                reminder_release(rs, m); /* fired before the reload: never again */
                continue;
            }
        }
        struct lrem key_m = {.r = {.id = m->r.id}}, *key = &key_m;
        struct lrem **o =
            a->replan_all ? NULL : bsearch(&key, a->olds, a->n_olds, sizeof *a->olds, reminder_cmp_id);
        if (!o || !reminder_same_definition(m, *o) || (*o)->r.heap_idx == SIZE_MAX) {
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
    /* Drops already past are written now: a reminder the new rules plan afresh (its definition
     * or the quiet hours changed) would not remember them. */
    ruleset_record_quiet_drops(old, clock_now(old->clock));
    /* The daemon's rule sets share one ledger; others (tests) carry the values over. */
    ledger_kv_copy(old->ledger, rs->ledger);
    struct copy_fired cf = {old, rs};
    if (lcall_protected(rs, copy_fired, &cf, err, errsz) < 0) return -1;

    /* reminder_release() squeezes holes out of regs, which moved reminders under a walk over it: walk a
     * copy. */
    struct adopt_plans a = {.rs = rs, .old = old, .n_mine = rs->n_regs,
                            /* Quiet hours changed: every plan is new (what fired stays fired). */
                            .replan_all = reload_quiet_changed(rs, old)};
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
    qsort(a.olds, a.n_olds, sizeof *a.olds, reminder_cmp_id);
    int rc = lcall_protected(rs, adopt_plans, &a, err, errsz);
    free(a.mine);
    free(a.olds);
    if (rc < 0) return -1;
    if (kept) *kept = a.kept;
    size_t carried;
    return carry_runtime(rs, old, &carried, err, errsz);
}
