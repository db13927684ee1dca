/* The ways C calls into a rule set's Lua state. */
#include "lua/internal.h"


#include "common/log.h"
#include "lua/sandbox.h"

/* The one way C enters the rule set's state other than through a callback's lcall_guarded():
 * body runs in a protected call with arg as its one (light userdata) argument, so that
 * building an ev table at the memory cap, reading a table or growing one is an error returned
 * here, never a Lua panic that aborts the daemon. Rule code inside body runs in
 * lcall_guarded(), under the instruction budget. Returns 0, or -1 with err set. */
int lcall_protected(struct ruleset *rs, lua_CFunction body, void *arg, char *err, size_t errsz)
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
bool lcall_pin(struct ruleset *rs, struct lrem *m)
{
    if (!lua_checkstack(rs->L, 8)) return false;
    lua_rawgeti(rs->L, LUA_REGISTRYINDEX, m->self_ref);
    return true;
}

/* Runs the callback on the stack with nargs arguments; on an error logs `file:line: message
 * (what)` and the traceback. Returns 0, or -1 with msg holding the message (full paths). */
int lcall_try(struct ruleset *rs, int nargs, const char *what, char *msg, size_t msgsz)
{
    char trace[4096];
    if (sandbox_pcall(rs->L, nargs, 0, msg, msgsz, trace, sizeof trace) == 0) return 0;
    lconv_unshorten(rs, msg, msgsz);
    log_error("%s (%s)", msg, what);
    if (trace[0]) log_debug("%s", trace);
    return -1;
}

/* A reminder or a listener failed `failures` times in a row: said in the log and, beside it,
 * to the user (the host shows the notice). One place, so both are disabled alike. */
void lcall_disabled(struct ruleset *rs, const char *what, const char *id, const char *where,
                    int failures, const char *last_error)
{
    log_error("%s: %s '%s' failed %d times in a row; disabled until the next reload", where, what,
              id, failures);
    if (rs->host.rule_disabled)
        rs->host.rule_disabled(rs->host.ud, rs->app_name, id, where, failures, last_error);
}

/* Runs a callback that is on the stack with its arguments; counts failures of reminder m. */
void lcall_guarded(struct ruleset *rs, struct lrem *m, int nargs, const char *what)
{
    char msg[2048];
    if (lcall_try(rs, nargs, what, msg, sizeof msg) == 0) {
        if (m) m->failures = 0;
        return;
    }
    if (!m) return;
    if (++m->failures >= FAILURES_TO_DISABLE && !m->r.done) {
        lcall_disabled(rs, "reminder", m->r.id, m->where, m->failures, msg);
        reminder_release(rs, m);
    }
}
