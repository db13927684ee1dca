/* lcarry(): a function carried from one sandboxed state into another behaves as it did, with
 * its data copied, its shared upvalues still shared, and globals rebound to the new state. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <lauxlib.h>
#include <lua.h>

#include "lua/lcarry.h"
#include "lua/sandbox.h"

struct pair {
    lua_State *from, *to;
};

static int setup(void **state)
{
    static struct pair p;
    p.from = sandbox_new();
    p.to = sandbox_new();
    assert_non_null(p.from);
    assert_non_null(p.to);
    *state = &p;
    return 0;
}

static int teardown(void **state)
{
    struct pair *p = *state;
    sandbox_close(p->from);
    sandbox_close(p->to);
    return 0;
}

/* Runs src in L and leaves its one result on the stack. */
static void run(lua_State *L, const char *src)
{
    char msg[256];
    assert_int_equal(sandbox_load(L, src, strlen(src), "t.lua", msg, sizeof msg), 0);
    assert_int_equal(sandbox_pcall(L, 0, 1, msg, sizeof msg, NULL, 0), 0);
}

/* Pushes globals[name] without metamethods (the sandbox's globals refuse unknown names). */
static void raw_global(lua_State *L, const char *name)
{
    lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
    lua_pushstring(L, name);
    lua_rawget(L, -2);
    lua_remove(L, -2);
}

/* Calls the function on top of L with no arguments; returns its string result. */
static const char *call(lua_State *L)
{
    char msg[256];
    lua_pushvalue(L, -1);
    if (sandbox_pcall(L, 0, 1, msg, sizeof msg, NULL, 0) != 0) fail_msg("call failed: %s", msg);
    return lua_tostring(L, -1);
}

static void test_closure_with_data(void **state)
{
    struct pair *p = *state;
    run(p->from, "local t = { word = 'kept', list = {1, 2, 3} }\n"
                 "t.self = t\n"
                 "local n = 41\n"
                 "local fmt = string.format\n"
                 "return function() n = n + 1; return fmt('%s %d %d %s', t.word, #t.list, n,"
                 " tostring(t.self == t)) end");
    assert_int_equal(lcarry(p->from, -1, p->to, (char[128]){0}, 128), 0);
    assert_string_equal(call(p->to), "kept 3 42 true");
    lua_pop(p->to, 1);
    assert_string_equal(call(p->to), "kept 3 43 true");
    lua_pop(p->to, 1);
    /* The copy has its own upvalues: the original did not count. */
    assert_string_equal(call(p->from), "kept 3 42 true");
    lua_settop(p->from, 0);
    lua_settop(p->to, 0);
}

static void test_shared_upvalues_stay_shared(void **state)
{
    struct pair *p = *state;
    run(p->from, "local n = 0\n"
                 "local function inc() n = n + 1 end\n"
                 "return function() inc(); inc(); return tostring(n) end");
    assert_int_equal(lcarry(p->from, -1, p->to, (char[128]){0}, 128), 0);
    assert_string_equal(call(p->to), "2");
    lua_pop(p->to, 1);
    assert_string_equal(call(p->to), "4");
    lua_settop(p->from, 0);
    lua_settop(p->to, 0);
}

static void test_globals_are_the_new_states(void **state)
{
    struct pair *p = *state;
    run(p->from, "greeting = 'old'\n"
                 "local env = _ENV\n"
                 "return function() return greeting .. ' ' .. env.greeting end");
    run(p->to, "greeting = 'new' return true");
    lua_pop(p->to, 1);
    assert_int_equal(lcarry(p->from, -1, p->to, (char[128]){0}, 128), 0);
    assert_string_equal(call(p->to), "new new");
    lua_settop(p->from, 0);
    lua_settop(p->to, 0);
}

static void test_errors_keep_their_place(void **state)
{
    struct pair *p = *state;
    run(p->from, "\n\nreturn function() error('late') end");
    assert_int_equal(lcarry(p->from, -1, p->to, (char[128]){0}, 128), 0);
    char msg[256];
    assert_int_not_equal(sandbox_pcall(p->to, 0, 0, msg, sizeof msg, NULL, 0), 0);
    assert_string_equal(msg, "t.lua:3: late");
    lua_settop(p->from, 0);
    lua_settop(p->to, 0);
}

/* A function reached through the value of an upvalue it shares joins that upvalue. */
static void test_upvalue_shared_through_its_value(void **state)
{
    struct pair *p = *state;
    run(p->from, "local t = {}\n"
                 "local function g() return t end\n"
                 "t.g = g\n"
                 "return function() t = { g = g }; return tostring(g() == t) end");
    assert_string_equal(call(p->from), "true");
    lua_pop(p->from, 1);
    assert_int_equal(lcarry(p->from, -1, p->to, (char[128]){0}, 128), 0);
    assert_string_equal(call(p->to), "true");
    lua_settop(p->from, 0);
    lua_settop(p->to, 0);
}

/* Values carried in one session keep sharing their upvalues. */
static void test_one_session_shares_between_values(void **state)
{
    struct pair *p = *state;
    run(p->from, "local n = 0\n"
                 "return { function() n = n + 1 end, function() return tostring(n) end }");
    struct lcarry c;
    char err[128];
    assert_int_equal(lcarry_begin(&c, p->from, p->to, NULL, NULL, err, sizeof err), 0);
    lua_rawgeti(p->from, -1, 1);
    assert_int_equal(lcarry_push(&c, -1, err, sizeof err), 0);
    lua_rawgeti(p->from, -2, 2);
    assert_int_equal(lcarry_push(&c, -1, err, sizeof err), 0);
    lcarry_end(&c);
    lua_pushvalue(p->to, -2);
    call(p->to); /* n = 1 */
    lua_pop(p->to, 2);
    assert_string_equal(call(p->to), "1");
    lua_settop(p->from, 0);
    lua_settop(p->to, 0);
}

/* No finalizer of the new state runs while values are carried (it would run without an
 * instruction budget); it runs once the collector is back. */
static void test_no_finalizer_during_carry(void **state)
{
    struct pair *p = *state;
    lua_gc(p->to, LUA_GCSTOP); /* garbage with finalizers, not collected yet */
    /* Rules cannot make finalizers (the sandbox refuses __gc): make them from C. */
    run(p->to, "return function() ran = true end");
    for (int i = 0; i < 100; i++) {
        lua_newtable(p->to);
        lua_newtable(p->to);
        lua_pushvalue(p->to, -3);
        lua_setfield(p->to, -2, "__gc");
        lua_setmetatable(p->to, -2);
        lua_pop(p->to, 1);
    }
    lua_pop(p->to, 1);
    lua_gc(p->to, LUA_GCRESTART);
    raw_global(p->to, "ran");
    assert_true(lua_isnil(p->to, -1));
    lua_pop(p->to, 1);
    run(p->from, "local big = {}\n"
                 "for i = 1, 200000 do big[i] = { i } end\n"
                 "return function() return tostring(#big) end");
    assert_int_equal(lcarry(p->from, -1, p->to, (char[128]){0}, 128), 0);
    raw_global(p->to, "ran");
    assert_true(lua_isnil(p->to, -1));
    lua_pop(p->to, 1);
    assert_string_equal(call(p->to), "200000");
    lua_gc(p->to, LUA_GCCOLLECT);
    raw_global(p->to, "ran");
    assert_true(lua_toboolean(p->to, -1));
    lua_settop(p->from, 0);
    lua_settop(p->to, 0);
}

static void test_refusals_name_the_upvalue(void **state)
{
    struct pair *p = *state;
    char err[256];
    run(p->from, "local co = coroutine.create(function() end)\n"
                 "return function() return coroutine.status(co) end");
    assert_int_equal(lcarry(p->from, -1, p->to, err, sizeof err), -1);
    assert_string_equal(err, "its function uses 'co', which holds a coroutine");
    run(p->from, "local t = setmetatable({}, {})\nreturn function() return t end");
    assert_int_equal(lcarry(p->from, -1, p->to, err, sizeof err), -1);
    assert_string_equal(err, "its function uses 't', which holds a table with a metatable");
    /* Nothing was left on either stack. */
    assert_int_equal(lua_gettop(p->to), 0);
    lua_settop(p->from, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_closure_with_data, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shared_upvalues_stay_shared, setup, teardown),
        cmocka_unit_test_setup_teardown(test_globals_are_the_new_states, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors_keep_their_place, setup, teardown),
        cmocka_unit_test_setup_teardown(test_upvalue_shared_through_its_value, setup, teardown),
        cmocka_unit_test_setup_teardown(test_one_session_shares_between_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_finalizer_during_carry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refusals_name_the_upvalue, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
