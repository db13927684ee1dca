/* The nudge module: the API functions other than reminders and notifications. */
#include "lua/internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <string.h>

#include "common/log.h"
#include "ledger/ledger.h"
#include "ledger/pause.h"
#include "time/timestamp.h"
#include "lua/lserial.h"
#include "lua/sandbox.h"
#include "lua/toolkit.h"
#include "time/span.h"

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

/* A phase name is a key of `when` tables: an identifier. */
static bool phase_name_ok(const char *s, size_t len)
{
    if (!len || len >= sizeof ((struct ledger_phase_def *)0)->name) return false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
        if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
    }
    return true;
}

/* config{phases = { {name=, label=, upto=}, ... }}: checked whole before it replaces the
 * rule set's phases, so an error leaves the previous ones. */
static void config_phases(lua_State *L, int idx, struct ruleset *rs)
{
    struct ledger_phases p = {0};
    char err[256];
    if (lua_type(L, idx) != LUA_TTABLE)
        luaL_error(L, "config 'phases' must be a list like { {name = \"early\", label = \"first "
                      "weeks\", upto = \"3w\"}, ..., {name = \"settled\", label = ...} }");
    lua_Integer n = (lua_Integer)lua_rawlen(L, idx);
    if (n < 1 || n > LEDGER_PHASES_MAX)
        luaL_error(L, "config 'phases' must list 1 to %d phases", LEDGER_PHASES_MAX);
    usec_t prev = 0;
    for (lua_Integer i = 1; i <= n; i++) {
        struct ledger_phase_def *d = &p.v[i - 1];
        int t = lua_gettop(L) + 1;
        if (lua_rawgeti(L, idx, i) != LUA_TTABLE)
            luaL_error(L, "config 'phases'[%d] must be a table {name=, label=, upto=}", (int)i);
        lua_pushnil(L);
        while (lua_next(L, t)) {
            static const char *const known[] = {"name", "label", "upto"};
            const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "?";
            if (strcmp(k, "name") && strcmp(k, "label") && strcmp(k, "upto")) {
                char ctx[48];
                snprintf(ctx, sizeof ctx, "config 'phases'[%d]: ", (int)i);
                lconv_unknown_key(L, -2, ctx, "field", known, 3);
            }
            lua_pop(L, 1);
        }
        size_t len;
        lua_getfield(L, t, "name");
        const char *name = lua_type(L, -1) == LUA_TSTRING ? lua_tolstring(L, -1, &len) : NULL;
        if (!name || !phase_name_ok(name, len))
            luaL_error(L, "config 'phases'[%d]: 'name' must be an identifier like \"early\" "
                          "(letters, digits, _; at most %d)", (int)i, (int)sizeof d->name - 1);
        for (lua_Integer j = 0; j < i - 1; j++)
            if (!strcmp(p.v[j].name, name))
                luaL_error(L, "config 'phases'[%d]: name '%s' is already phases[%d]'s", (int)i,
                           name, (int)j + 1);
        memcpy(d->name, name, len + 1);
        lua_getfield(L, t, "label");
        const char *label = lua_type(L, -1) == LUA_TSTRING ? lua_tolstring(L, -1, &len) : NULL;
        if (!label || !len || len >= sizeof d->label)
            luaL_error(L, "config 'phases'[%d]: 'label' must be a text of 1 to %d bytes ({phase} "
                          "prints it)", (int)i, (int)sizeof d->label - 1);
        memcpy(d->label, label, len + 1);
        lua_getfield(L, t, "upto");
        if (i == n) {
            if (!lua_isnil(L, -1))
                luaL_error(L, "config 'phases'[%d]: the last phase has no 'upto' (it lasts from "
                              "then on)", (int)i);
        } else {
            const char *upto = lua_type(L, -1) == LUA_TSTRING ? lua_tolstring(L, -1, &len) : NULL;
            usec_t v;
            if (!upto || len >= sizeof d->upto)
                luaL_error(L, "config 'phases'[%d]: 'upto' must be a span like \"3w\" or \"6M\" "
                              "(only the last phase has none)", (int)i);
            if (span_parse(upto, &v, err, sizeof err) < 0)
                luaL_error(L, "config 'phases'[%d]: %s", (int)i, err);
            if (v <= prev || v == USEC_INFINITY)
                luaL_error(L, "config 'phases'[%d]: 'upto' \"%s\" must come after the phase "
                              "before it ends", (int)i, upto);
            prev = v;
            memcpy(d->upto, upto, len + 1);
        }
        lua_settop(L, t - 1);
    }
    p.n = (int)n;
    rs->phases = p;
}

/* ---- nudge.config{sync} ---- */

#define SYNC_EVERY_MIN (60 * USEC_PER_SEC)
#define SYNC_EVERY_MAX USEC_PER_DAY
#define SYNC_DAYS_MAX 60

/* The host of an http(s) URL (after the scheme; brackets kept off an IPv6 address) into buf:
 * its length, 0 when there is none. */
static size_t url_host(const char *rest, char *buf, size_t bufsz)
{
    size_t n;
    if (*rest == '[') {
        const char *close = strchr(rest, ']');
        if (!close) return 0;
        rest++;
        n = (size_t)(close - rest);
    } else {
        n = strcspn(rest, ":/?#");
    }
    if (n >= bufsz) n = bufsz - 1;
    memcpy(buf, rest, n);
    buf[n] = 0;
    return n;
}

static bool has_control(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) return true;
    return false;
}

/* config{sync = {caldav=, user=, every=, days=}}: checked whole before it replaces the
 * settings, so an error leaves the ones before. */
static void config_sync(lua_State *L, struct ruleset *rs, int idx)
{
    static const char *const known[] = {"caldav", "user", "every", "days"};
    const char *example = "{ caldav = \"https://dav.example.org/anna/tasks/\", user = \"anna\" }";
    if (lua_type(L, idx) != LUA_TTABLE)
        luaL_error(L, "config 'sync' must be a table like %s, not %s", example,
                   luaL_typename(L, idx));
    /* The unknown key first by name, so every run names the same one. */
    lua_pushnil(L);
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        const char *k = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
        size_t i = 0;
        while (k && i < 4 && strcmp(known[i], k)) i++;
        if (k && i < 4) continue;
        if (lua_isnil(L, -2) || !k ||
            (lua_type(L, -2) == LUA_TSTRING && strcmp(k, lua_tostring(L, -2)) < 0)) {
            lua_pushvalue(L, -1);
            lua_replace(L, -3);
        }
    }
    if (!lua_isnil(L, -1)) lconv_unknown_key(L, -1, "config 'sync': ", "field", known, 4);
    lua_pop(L, 1);

    struct ruleset_sync s = {.every = 15 * 60 * USEC_PER_SEC, .days = 14};
    size_t len;
    lua_getfield(L, idx, "caldav");
    const char *url = lua_type(L, -1) == LUA_TSTRING ? lua_tolstring(L, -1, &len) : NULL;
    if (!url)
        luaL_error(L, "config 'sync': 'caldav' must be the URL of a task list, like %s",
                   "\"https://dav.example.org/anna/tasks/\"");
    size_t scheme = !strncmp(url, "https://", 8) ? 8 : !strncmp(url, "http://", 7) ? 7 : 0;
    char host[256];
    if (!scheme || !url_host(url + scheme, host, sizeof host))
        luaL_error(L, "config 'sync': 'caldav' must start with https:// (or http://) and a host: "
                      "\"%s\"", url);
    if (len >= sizeof s.url || has_control(url, len) || strchr(url, ' '))
        luaL_error(L, "config 'sync': 'caldav' must be a URL of at most %d bytes, without "
                      "spaces or control characters", (int)sizeof s.url - 1);
    /* The user and password go in their own places: one in a URL would be sent and logged. */
    if (memchr(url + scheme, '@', strcspn(url + scheme, "/?#")))
        luaL_error(L, "config 'sync': 'caldav' holds a login: put the name in 'user', and the "
                      "password in the keyring with nudgectl sync --login");
    memcpy(s.url, url, len + 1);
    lua_getfield(L, idx, "user");
    if (!lua_isnil(L, -1)) {
        const char *user = lua_type(L, -1) == LUA_TSTRING ? lua_tolstring(L, -1, &len) : NULL;
        if (!user || !len || len >= sizeof s.user || has_control(user, len))
            luaL_error(L, "config 'sync': 'user' must be the login name, a text of 1 to %d "
                          "bytes without control characters (leave it out for a server "
                          "without login)", (int)sizeof s.user - 1);
        memcpy(s.user, user, len + 1);
    }
    lua_getfield(L, idx, "every");
    if (!lua_isnil(L, -1)) {
        s.every = lconv_check_span(L, -1, "sync.every");
        if (s.every < SYNC_EVERY_MIN || s.every > SYNC_EVERY_MAX)
            luaL_error(L, "config 'sync': 'every' must be between 1min and 1d");
    }
    lua_getfield(L, idx, "days");
    if (!lua_isnil(L, -1)) {
        if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 1 ||
            lua_tointeger(L, -1) > SYNC_DAYS_MAX)
            luaL_error(L, "config 'sync': 'days' must be a whole number from 1 to %d (the days "
                          "of fires sent ahead)", SYNC_DAYS_MAX);
        s.days = (int)lua_tointeger(L, -1);
    }
    lua_pop(L, 4);
    if (scheme == 7 && strcmp(host, "localhost") && strcmp(host, "127.0.0.1") &&
        strcmp(host, "::1") && rs->loading && rs->warnings) {
        char where[4200];
        lconv_where(L, where, sizeof where);
        strlist_add(rs->warnings,
                    "%s: config 'sync': %s goes to %s over plain http://, so %s in clear "
                    "(use https://)",
                    where, *s.user ? "the password" : "every task", host,
                    *s.user ? "it travels" : "they travel");
    }
    rs->sync = s;
    rs->has_sync = true;
}

/* ---- nudge.config{pause} ---- */

/* Bytes of one pause entry: two timestamps and "..". */
#define PAUSE_ENTRY_MAX 256

/* "2026-12-24" exactly: a whole local day. */
static bool is_date(const char *s, size_t n)
{
    if (n != 10 || s[4] != '-' || s[7] != '-') return false;
    for (size_t i = 0; i < n; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9')) return false;
    return true;
}

/* One side of an entry: a date is its local midnight, or with end_of_day the next one (a range
 * of dates is inclusive); anything else is a timestamp. */
static int pause_side(const char *s, size_t n, bool end_of_day, usec_t now, usec_t *out,
                      char *err, size_t errsz)
{
    char buf[PAUSE_ENTRY_MAX + 1];
    while (n && *s == ' ') s++, n--;
    while (n && s[n - 1] == ' ') n--;
    if (!n) return snprintf(err, errsz, "a side of the range is empty"), -1;
    memcpy(buf, s, n);
    buf[n] = 0;
    /* mktime takes "2026-02-30" as March 2: a typo would pause another day, unsaid. */
    if (n >= 10 && is_date(buf, 10)) {
        static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
        int y = atoi(buf), m = atoi(buf + 5), d = atoi(buf + 8);
        bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1] || (m == 2 && d == 29 && !leap))
            return snprintf(err, errsz, "%.10s is not a day of the calendar", buf), -1;
    }
    if (timestamp_parse(buf, now, out, err, errsz) < 0) return -1;
    if (end_of_day && is_date(buf, n)) {
        time_t t = (time_t)(*out / USEC_PER_SEC);
        struct tm tm;
        localtime_r(&t, &tm);
        tm.tm_mday++;
        tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
        tm.tm_isdst = -1;
        *out = (usec_t)mktime(&tm) * USEC_PER_SEC;
    }
    return 0;
}

/* "2026-12-24..2026-12-26" (dates inclusive), "2027-01-09" (that day) or
 * "2026-12-24 18:00..2026-12-27 09:00" (from..until). */
static int pause_entry(const char *s, usec_t now, struct rule_pause *p, char *err, size_t errsz)
{
    size_t n = strlen(s);
    if (n > PAUSE_ENTRY_MAX)
        return snprintf(err, errsz, "longer than %d bytes", PAUSE_ENTRY_MAX), -1;
    const char *dots = strstr(s, "..");
    if (!dots) {
        if (!is_date(s, n))
            return snprintf(err, errsz,
                            "\"%s\" is not a date like \"2027-01-09\" or a range "
                            "like \"2026-12-24 18:00..2026-12-27 09:00\"",
                            s),
                   -1;
        dots = s + n;
    }
    const char *right = *dots ? dots + 2 : s;
    if (pause_side(s, (size_t)(dots - s), false, now, &p->from, err, errsz) < 0 ||
        pause_side(right, strlen(right), true, now, &p->until, err, errsz) < 0)
        return -1;
    if (p->until <= p->from) return snprintf(err, errsz, "\"%s\" ends before it begins", s), -1;
    return 0;
}

int api_publish_pauses(struct ruleset *rs)
{
    struct ledger_pause *v = rs->n_pauses ? calloc(rs->n_pauses, sizeof *v) : NULL;
    if (rs->n_pauses && !v) return -ENOMEM;
    for (size_t i = 0; i < rs->n_pauses; i++)
        v[i] = (struct ledger_pause){.from = rs->pauses[i].from, .until = rs->pauses[i].until};
    int r = ledger_set_rule_pauses(rs->ledger, v, rs->n_pauses);
    free(v);
    return r;
}

/* config{pause = {...}}: a list of strings, each checked, at most LEDGER_RULE_PAUSES_MAX. The
 * value at idx replaces any pauses an earlier nudge.config gave. */
static void config_pause(lua_State *L, struct ruleset *rs, int idx)
{
    if (lua_type(L, idx) != LUA_TTABLE)
        luaL_error(L, "config 'pause' must be a list of dates or ranges, like "
                      "{ \"2026-12-24..2026-12-26\", \"2027-01-09\" }");
    lua_Integer n = (lua_Integer)lua_rawlen(L, idx);
    if (n > LEDGER_RULE_PAUSES_MAX)
        luaL_error(L, "config 'pause' has more than %d entries", LEDGER_RULE_PAUSES_MAX);
    /* Only a list: a key like pause = { from = ... } would be silently ignored otherwise. */
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 1 || lua_tointeger(L, -1) > n)
            luaL_error(L, "config 'pause' must be a list (of strings), not a table with keys");
    }
    struct rule_pause *v = n ? calloc((size_t)n, sizeof *v) : NULL;
    if (n && !v) luaL_error(L, "not enough memory");
    usec_t now = clock_now(rs->clock);
    for (lua_Integer i = 1; i <= n; i++) {
        char err[512];
        const char *s = lua_rawgeti(L, idx, i) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
        int bad = !s ? snprintf(err, sizeof err, "must be a string, not %s", luaL_typename(L, -1))
                     : (pause_entry(s, now, &v[i - 1], err, sizeof err) < 0);
        lua_pop(L, 1);
        if (bad) {
            free(v);
            luaL_error(L, "config 'pause'[%d]: %s", (int)i, err);
        }
    }
    free(rs->pauses);
    rs->pauses = v;
    rs->n_pauses = (size_t)n;
    if (!rs->loading && api_publish_pauses(rs) < 0) luaL_error(L, "not enough memory");
}

static int l_config(lua_State *L)
{
    struct ruleset *rs = ruleset_of(L);
    char err[256];
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    lua_pushnil(L);
    while (lua_next(L, 1)) {
        const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "?";
        if (!strcmp(k, "since")) {
            rs->since = lconv_check_past_time(L, -1, rs);
            rs->has_since = true;
        } else if (!strcmp(k, "phases")) {
            config_phases(L, lua_gettop(L), rs);
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
        } else if (!strcmp(k, "pause")) {
            config_pause(L, rs, lua_gettop(L));
        } else if (!strcmp(k, "backend")) {
            const char *b = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "";
            if (strcmp(b, "auto") && strcmp(b, "libnotify") && strcmp(b, "stdout"))
                luaL_error(L, "config 'backend' must be \"auto\", \"libnotify\" or \"stdout\"");
            snprintf(rs->backend_name, sizeof rs->backend_name, "%s", b);
        } else if (!strcmp(k, "app_name")) {
            if (lua_type(L, -1) != LUA_TSTRING) luaL_error(L, "config 'app_name' must be a string");
            snprintf(rs->app_name, sizeof rs->app_name, "%s", lua_tostring(L, -1));
        } else if (!strcmp(k, "discreet")) {
            if (lua_type(L, -1) != LUA_TBOOLEAN) luaL_error(L, "config 'discreet' must be true or false");
            rs->discreet = lua_toboolean(L, -1);
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
                    usec_t span = lconv_check_span(L, -1, "limits.time");
                    if (span < USEC_PER_SEC / 100 || span > 10 * USEC_PER_SEC)
                        luaL_error(L, "limits.time must be between 10ms and 10s");
                    lim.time_usec = span;
                } else {
                    static const char *const limits[] = {"instructions", "memory", "time"};
                    lconv_unknown_key(L, -2, "config 'limits': ", "limit", limits, 3);
                }
                lua_pop(L, 1);
            }
            sandbox_set_limits(L, &lim);
        } else if (!strcmp(k, "sync")) {
            config_sync(L, rs, lua_gettop(L));
        }
        lua_pop(L, 1);
    }
    /* An unknown field is reported after the known ones took effect, so a typo in one does
     * not also make every later rule complain that `since` is missing. The first by name, so
     * every run names the same one. */
    static const char *const known[] = {"since",    "phases",   "quiet_hours", "pause",
                                        "backend",  "app_name", "discreet",    "limits",
                                        "sync"};
    const size_t n_known = sizeof known / sizeof *known;
    lua_pushnil(L);
    lua_pushnil(L);
    while (lua_next(L, 1)) {
        lua_pop(L, 1);
        size_t i = 0;
        while (i < n_known &&
               (lua_type(L, -1) != LUA_TSTRING || strcmp(known[i], lua_tostring(L, -1))))
            i++;
        bool first = lua_isnil(L, -2) || (lua_type(L, -1) == LUA_TSTRING &&
                                          lua_type(L, -2) == LUA_TSTRING &&
                                          strcmp(lua_tostring(L, -1), lua_tostring(L, -2)) < 0);
        if (i == n_known && first) {
            lua_pushvalue(L, -1);
            lua_replace(L, -3);
        }
    }
    if (!lua_isnil(L, -1)) lconv_unknown_key(L, -1, "config: ", "field", known, n_known);
    return 0;
}

/* ---- time and randomness ---- */

static int l_now(lua_State *L)
{
    lconv_push_seconds(L, clock_now(ruleset_of(L)->clock));
    return 1;
}

static int l_time(lua_State *L)
{
    lconv_push_seconds(L, lconv_check_time(L, 1, ruleset_of(L)));
    return 1;
}

static int l_span(lua_State *L)
{
    lconv_push_seconds(L, lconv_check_span(L, 1, "span"));
    return 1;
}

static int l_date(lua_State *L)
{
    struct ruleset *rs = ruleset_of(L);
    const char *fmt = luaL_optstring(L, 1, "%c");
    /* Read the time before pushing anything: index 2 must still be the argument. */
    usec_t t = lua_isnoneornil(L, 2) ? clock_now(rs->clock) : lconv_check_time(L, 2, rs);
    lua_rawgeti(L, LUA_REGISTRYINDEX, rs->osdate_ref);
    lua_pushstring(L, fmt);
    lua_pushinteger(L, (lua_Integer)(t / USEC_PER_SEC));
    lua_call(L, 2, 1);
    return 1;
}

static int l_days_since(lua_State *L)
{
    struct ruleset *rs = ruleset_of(L);
    usec_t from;
    if (lua_isnoneornil(L, 1)) {
        if (!rs->has_since)
            return luaL_error(L, "nudge.days_since: no argument and no nudge.config{since=...}");
        from = rs->since;
    } else {
        from = lconv_check_past_time(L, 1, rs);
    }
    usec_t d = clock_now(rs->clock) - from;
    lua_pushinteger(L, (lua_Integer)(d >= 0 ? d / USEC_PER_DAY : -((-d + USEC_PER_DAY - 1) / USEC_PER_DAY)));
    return 1;
}

static int l_random(lua_State *L)
{
    struct prng *p = &ruleset_of(L)->sched.prng;
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
    struct ruleset *rs = ruleset_of(L);
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
    struct ruleset *rs = ruleset_of(L);
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
    struct ruleset *rs = ruleset_of(L);
    const char *k = luaL_checkstring(L, 1);
    lua_settop(L, 2); /* the default, or nil */
    luaL_checkstack(L, 4, NULL);
    void *blob;
    size_t len;
    /* Over 4 * LSERIAL_MAX: not written by nudge.store.set. */
    int r = ledger_kv_get(rs->ledger, k, 4 * LSERIAL_MAX, &blob, &len);
    if (r == -ENOENT) return 1;
    if (r == -EFBIG)
        return luaL_error(L, "nudge.store.get: the value of '%s' is too large (%I bytes)", k,
                          (lua_Integer)len);
    if (r < 0) return luaL_error(L, "nudge.store.get: the state database failed (see the log)");
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

static int l_store_set(lua_State *L)
{
    struct ruleset *rs = ruleset_of(L);
    char err[256];
    size_t klen;
    const char *k = luaL_checklstring(L, 1, &klen);
    if (klen > LEDGER_KV_KEY_MAX)
        return luaL_error(L, "nudge.store: a key is at most %d bytes", LEDGER_KV_KEY_MAX);
    lua_settop(L, 2);
    size_t len = 0;
    char *blob = NULL;
    if (!lua_isnil(L, 2) && !(blob = lserial_encode(L, 2, LSERIAL_MAX, &len, err, sizeof err)))
        return luaL_error(L, "nudge.store: %s", err);
    int r = ledger_kv_set(rs->ledger, k, blob, len);
    free(blob);
    if (r == -ENOSPC)
        return luaL_error(L, "nudge.store: the stored values would be over %d MiB in all; set the "
                             "ones no longer needed to nil",
                          LEDGER_KV_TOTAL_MAX >> 20);
    if (r < 0) return luaL_error(L, "nudge.store.set: the state database failed (see the log)");
    return 0;
}

/* ---- events, log ---- */

static int l_listen(lua_State *L)
{
    struct ruleset *rs = ruleset_of(L);
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
    /* Each listener keeps its place and its own failure count, so emit can say which one
     * failed and disable it alone. */
    char where[4200];
    lconv_where(L, where, sizeof where);
    size_t wl = strlen(where);
    struct llisten *li = lua_newuserdatauv(L, sizeof *li + wl + 1, 1);
    li->failures = 0; /* userdata memory is not zeroed */
    li->disabled = false;
    memcpy(li->where, where, wl + 1);
    lua_pushvalue(L, 2);
    lua_setiuservalue(L, -2, 1);
    lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
    return 0;
}

static int log_common(lua_State *L, enum log_level level)
{
    char w[160];
    lconv_where(L, w, sizeof w);
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
    struct ruleset *rs = ruleset_of(L);
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
    if (!rs->host.spawn) {
        log_debug("not running \"%s\": nothing is started in --check or --preview", argv[0]);
        lua_pushnil(L);
        return 1;
    }
    int pid = rs->host.spawn(rs->host.ud, argv, err, sizeof err);
    if (pid < 0) return luaL_error(L, "nudge.spawn: %s", err);
    lua_pushinteger(L, pid);
    return 1;
}

static int l_require(lua_State *L)
{
    const char *name = luaL_checkstring(L, 1);
    if (strcmp(name, "nudge") != 0)
        return luaL_error(L, "module '%s' not available: rules can only require \"nudge\"", name);
    lua_rawgeti(L, LUA_REGISTRYINDEX, ruleset_of(L)->nudge_ref);
    return 1;
}

/* ---- building the module ---- */

static int new_ref_table(lua_State *L)
{
    lua_newtable(L);
    return luaL_ref(L, LUA_REGISTRYINDEX);
}

/* api_open(rs): in a protected call, like every other entry from C (see lcall_protected()). */
int api_open(lua_State *L)
{
    struct ruleset *rs = lua_touserdata(L, 1);
    lua_settop(L, 0);
    lua_pushlightuserdata(L, rs);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &ruleset_key);

    reminder_open(L);

    static const luaL_Reg api[] = {
        {"config", l_config},
        {"now", l_now},       {"time", l_time},     {"span", l_span},
        {"date", l_date},     {"days_since", l_days_since}, {"random", l_random},
        {"listen", l_listen}, {"log", l_log},       {"warn", l_warn},
        {"spawn", l_spawn},
        {NULL, NULL},
    };
    luaL_newlib(L, api);
    luaL_setfuncs(L, reminder_api, 0);
    luaL_setfuncs(L, lnotify_api, 0);
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

/* After the prelude ran, before any rule file: keeps the toolkit's hook for a promise that
 * changed (added with nudgectl, settled, reopened, edited, deleted), so a rule that sets
 * nudge._toolkit (to nil, or to a table whose __index loops) cannot make
 * ruleset_promise_changed() run its code or fail outside a callback. */
/* nudge's __index: reading a name the module does not have is an error at the line that reads
 * it, with the name that was probably meant, where Lua would say "attempt to call a nil value"
 * a line later. A rule that asks whether a name exists uses rawget(nudge, "name"). */
static int nudge_unknown(lua_State *L)
{
    return sandbox_unknown_name(L, 1, 2, "unknown name", "nudge.",
                                " (nudge-rules(5) lists every name nudge has)");
}

static int l_nudge_index(lua_State *L)
{
    if (lua_type(L, 2) != LUA_TSTRING)
        return luaL_error(L, "nudge has names only, like nudge.notify: not nudge[%s]",
                          luaL_typename(L, 2));
    /* The message, without a position: called from here, its level 1 is no rule. */
    lua_settop(L, 2);
    lua_pushcfunction(L, nudge_unknown);
    lua_insert(L, 1);
    if (lua_pcall(L, 2, 0, 0) != LUA_ERRRUN || lua_type(L, -1) != LUA_TSTRING)
        return lua_error(L);
    /* While a file loads the error is recorded and the file goes on with the stand-in (a
     * call of it gives itself back), so `nudge.patiance { ... }` is one error of several. */
    if (loadcheck_record(L, lua_tostring(L, -1))) return 1;
    luaL_where(L, 1);
    lua_insert(L, -2);
    lua_concat(L, 2);
    return lua_error(L);
}

int api_keep_toolkit(lua_State *L)
{
    struct ruleset *rs = lua_touserdata(L, 1);
    lua_rawgeti(L, LUA_REGISTRYINDEX, rs->nudge_ref);
    /* Set once the prelude has run: from here on, rule code reads only names that exist. */
    lua_createtable(L, 0, 2);
    lua_pushcfunction(L, l_nudge_index);
    lua_setfield(L, -2, "__index");
    lua_pushliteral(L, "nudge");
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -2);
    lua_pushliteral(L, "_toolkit");
    if (lua_rawget(L, -2) != LUA_TTABLE) return luaL_error(L, "nudge._toolkit is missing");
    lua_pushliteral(L, "promise_changed");
    if (lua_rawget(L, -2) != LUA_TFUNCTION)
        return luaL_error(L, "nudge._toolkit.promise_changed is missing");
    rs->ctl_promise_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    return 0;
}
