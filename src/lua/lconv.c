/* Conversions between Lua values and the rule set's: times, spans, places, the ev table. */
#include "lua/internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/suggest.h"
#include "time/span.h"
#include "time/timestamp.h"

const char ruleset_key = 'r';

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
struct ruleset *ruleset_of(lua_State *L)
{
    lua_rawgetp(L, LUA_REGISTRYINDEX, &ruleset_key);
    struct ruleset *rs = lua_touserdata(L, -1);
    lua_pop(L, 1);
    if (!rs || rs->closing) luaL_error(L, "nudge: the rules are being unloaded");
    return rs;
}

void lconv_push_seconds(lua_State *L, usec_t t)
{
    if (t % USEC_PER_SEC == 0)
        lua_pushinteger(L, (lua_Integer)(t / USEC_PER_SEC));
    else
        lua_pushnumber(L, (lua_Number)t / (lua_Number)USEC_PER_SEC);
}

/* "file:line" of the Lua code calling the running C function. */
void lconv_where(lua_State *L, char *buf, size_t sz)
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
usec_t lconv_check_span(lua_State *L, int idx, const char *what)
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

usec_t lconv_check_fire_span(lua_State *L, int idx, const char *what)
{
    usec_t v = lconv_check_span(L, idx, what);
    if (v > SPAN_MAX) luaL_error(L, "%s is longer than 1000 years", what);
    return v;
}

/* A time: epoch seconds, a systemd timestamp, or (when `next`) a calendar event meaning its
 * next elapse. A start ("since") is never a calendar event: its next elapse is still to come. */
static usec_t check_time(lua_State *L, int idx, struct ruleset *rs, bool next)
{
    char err[768];
    if (lua_type(L, idx) == LUA_TNUMBER) return seconds_to_usec(L, idx, "time");
    if (lua_type(L, idx) != LUA_TSTRING)
        luaL_error(L, next ? "expected a time (\"2026-12-24 18:00\"), a calendar event (\"Sat 11:00\") "
                             "or epoch seconds, not %s"
                           : "expected a time (\"2026-11-01\", \"-7d\") or epoch seconds, not %s",
                   luaL_typename(L, idx));
    usec_t v;
    const char *s = lua_tostring(L, idx);
    usec_t now = clock_now(rs->clock);
    if ((next ? timestamp_parse_next(s, now, &v, err, sizeof err)
              : timestamp_parse_past(s, now, &v, err, sizeof err)) < 0)
        luaL_error(L, "%s", err);
    return v;
}

usec_t lconv_check_time(lua_State *L, int idx, struct ruleset *rs)
{
    return check_time(L, idx, rs, true);
}

usec_t lconv_check_past_time(lua_State *L, int idx, struct ruleset *rs)
{
    return check_time(L, idx, rs, false);
}

/* Tables given to the API are read raw: their fields are data, and a metatable's __index
 * would run rule code (a garbage collection, a reload of the table) between two fields that C
 * is holding. Pushes t[k] and returns its type. */
int lconv_raw_field(lua_State *L, int t, const char *k)
{
    t = lua_absindex(L, t);
    luaL_checkstack(L, 4, "reading a table");
    lua_pushstring(L, k);
    return lua_rawget(L, t);
}

/* Fills the `ev` table for the running reminder. */
void lconv_push_event(lua_State *L, struct ruleset *rs, struct lrem *m, usec_t fired)
{
    lua_createtable(L, 0, 4);
    lua_pushstring(L, m ? m->r.id : "");
    lua_setfield(L, -2, "id");
    lua_pushstring(L, m ? m->r.kind : "notify");
    lua_setfield(L, -2, "kind");
    lconv_push_seconds(L, m ? rs->current_sched : fired);
    lua_setfield(L, -2, "scheduled");
    lconv_push_seconds(L, fired);
    lua_setfield(L, -2, "fired");
    (void)rs;
}

struct timebuf lconv_fmt_time(usec_t t)
{
    struct timebuf b;
    timestamp_format(t, b.s, sizeof b.s);
    return b;
}

/* Lua names a chunk with a long path "...<last 56 bytes>": errors must name the file in
 * full, so put the path back when the message starts with such a tail of one of ours. */
void lconv_unshorten(const struct ruleset *rs, char *msg, size_t sz)
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

int lconv_unknown_key(lua_State *L, int keyidx, const char *context, const char *what,
                      const char *const *known, size_t n)
{
    char msg[512];
    const char *word = lua_type(L, keyidx) == LUA_TSTRING ? lua_tostring(L, keyidx) : NULL;
    suggest_unknown(msg, sizeof msg, what, "", word, known, n, 1);
    return luaL_error(L, "%s%s", context, msg);
}
