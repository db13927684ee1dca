/* Unit tests for src/lua/sandbox.c: what rules cannot reach, limits that a rule's own pcall
 * cannot defeat, and errors that leave the state usable. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <lauxlib.h>
#include <lua.h>
#include <string.h>

#include "lua/sandbox.h"

static char msg[2048], trace[4096];

/* Runs a chunk named "@rule.lua" under the sandbox; returns 0 or -1 (msg/trace set). */
static int run(lua_State *L, const char *code)
{
    msg[0] = trace[0] = 0;
    if (sandbox_load(L, code, strlen(code), "rule.lua", msg, sizeof msg) < 0) return -1;
    return sandbox_pcall(L, 0, 0, msg, sizeof msg, trace, sizeof trace);
}

static void ok(lua_State *L, const char *code)
{
    if (run(L, code) != 0) fail_msg("%s: %s", code, msg);
}

static void fails(lua_State *L, const char *code, const char *want)
{
    if (run(L, code) == 0) fail_msg("%s: no error", code);
    if (!strstr(msg, want)) fail_msg("%s: error \"%s\" lacks \"%s\"", code, msg, want);
}

static int setup(void **state)
{
    *state = sandbox_new();
    return *state ? 0 : -1;
}

static int teardown(void **state)
{
    sandbox_close(*state);
    return 0;
}

static void test_absent(void **state)
{
    lua_State *L = *state;
    /* rawget so the undefined-global guard does not answer for them. */
    const char *globals[] = {"io", "debug", "loadfile", "dofile", "require", "package", NULL};
    for (const char *const *g = globals; *g; g++) {
        char code[128];
        snprintf(code, sizeof code, "assert(rawget(_G, '%s') == nil, '%s present')", *g, *g);
        ok(L, code);
    }
    const char *os_fields[] = {"execute", "exit", "remove", "rename", "tmpname", NULL};
    for (const char *const *f = os_fields; *f; f++) {
        char code[128];
        snprintf(code, sizeof code, "assert(os.%s == nil, 'os.%s present')", *f, *f);
        ok(L, code);
    }
    fails(L, "io.popen('true')", "unknown name 'io'");
    fails(L, "os.execute('true')", "attempt to call a nil value (field 'execute')");
    fails(L, "require('io')", "unknown name 'require'");
    /* No back door through a loaded-modules table either. */
    ok(L, "for k, v in pairs(_G) do assert(k ~= 'io' and k ~= 'debug' and k ~= 'package', k) "
          "end");
    /* What stays. */
    ok(L, "assert(string.format and table.concat and math.floor and utf8.char)");
    ok(L, "assert(type(os.time()) == 'number' and type(os.date()) == 'string')");
    ok(L, "assert(type(os.clock()) == 'number' and os.getenv)");
}

static void test_undefined_global(void **state)
{
    lua_State *L = *state;
    fails(L, "local x = undefined_thing + 1", "rule.lua:1: unknown name 'undefined_thing'");
    fails(L, "\n\nprint(nudgee)", "rule.lua:3: unknown name 'nudgee'");
    ok(L, "newglobal = 5; assert(newglobal == 5)"); /* assignment is fine */
}

static void test_load_text_only(void **state)
{
    lua_State *L = *state;
    ok(L, "local f, e = load(string.dump(function() return 1 end))\n"
          "assert(f == nil and e:find('binary'), tostring(e))");
    ok(L, "local f, e = load(string.dump(function() return 1 end), 'x', 'b')\n"
          "assert(f == nil and e:find('binary'), tostring(e))");
    ok(L, "assert(load('return 1 + 1')() == 2)");
    ok(L, "local env = {y = 3}; assert(load('return y', 'c', 't', env)() == 3)");
    fails(L, "load()", "bad argument #1 to 'load'");
    /* sandbox_load itself refuses binary. */
    char bin[] = "\x1bLua\x54\x00";
    assert_int_equal(sandbox_load(L, bin, sizeof bin - 1, "bin", msg, sizeof msg), -1);
    assert_non_null(strstr(msg, "binary"));
}

static void test_instruction_budget(void **state)
{
    lua_State *L = *state;
    struct sandbox_limits lim = {.instructions = 200000, .memory = SANDBOX_DEFAULT_MEMORY};
    sandbox_set_limits(L, &lim);
    fails(L, "while true do end", "rule.lua:1: instruction budget exceeded");
    /* pcall must not swallow it, however nested. */
    fails(L, "while true do pcall(function() while true do end end) end",
          "instruction budget exceeded");
    fails(L,
          "local n = 0\nwhile true do\n  local okk = pcall(pcall, function() while true do "
          "end end)\n  n = n + 1\nend",
          "instruction budget exceeded");
    fails(L,
          "while true do local co = coroutine.wrap(function() while true do end end) "
          "pcall(co) end",
          "instruction budget exceeded");
    fails(L,
          "local t = setmetatable({}, {__index = function(t, k) return t[k + 1] end})\n"
          "while true do pcall(function() return t[1] end) end",
          "");
    /* The budget is per call: a fresh call gets all of it again, and the state works. */
    ok(L, "local s = 0 for i = 1, 10000 do s = s + i end assert(s == 50005000)");
    struct sandbox_limits got;
    sandbox_get_limits(L, &got);
    assert_int_equal(got.instructions, 200000);
    lim.instructions = 0; /* unlimited */
    sandbox_set_limits(L, &lim);
    ok(L, "for i = 1, 3000000 do end");
}

static void test_memory_cap(void **state)
{
    lua_State *L = *state;
    struct sandbox_limits lim = {.instructions = 0, .memory = (size_t)8 << 20};
    sandbox_set_limits(L, &lim);
    fails(L, "local t = {} while true do t[#t + 1] = ('x'):rep(1000) .. #t end",
          "rule.lua:1: memory limit exceeded");
    assert_true(sandbox_memory_used(L) <= ((size_t)8 << 20));
    fails(L, "local s = 'xxxxxxxx' while true do s = s .. s end",
          "rule.lua:1: memory limit exceeded");
    fails(L, "s = 'xxxxxxxx' while true do s = s .. s end", "rule.lua:1: memory limit exceeded");
    ok(L, "s = nil collectgarbage()");
    /* A rule's pcall may catch the memory error, but then the budget ends the loop. */
    lim.instructions = 2000000;
    sandbox_set_limits(L, &lim);
    fails(L, "while true do pcall(function() local t = {} while true do t[#t+1] = {} end end) end",
          "instruction budget exceeded");
    /* Still usable, and well below the cap once garbage is gone. */
    ok(L, "collectgarbage() local t = {} for i = 1, 1000 do t[i] = i end assert(#t == 1000)");
    assert_true(sandbox_memory_used(L) < ((size_t)2 << 20));
}

static void test_string_rep_and_patterns(void **state)
{
    lua_State *L = *state;
    fails(L, "local s = string.rep('x', 1e9)", "string.rep result too large");
    fails(L, "local s = ('ab'):rep(1 << 40, ',')", "string.rep result too large");
    fails(L, "local s = ('x'):rep(math.maxinteger)", "string.rep result too large");
    ok(L, "assert(('ab'):rep(3, '-') == 'ab-ab-ab')");
    ok(L, "for n = 1, 40 do for _, sep in ipairs({'', ',', '--'}) do\n"
          "  for _, s in ipairs({'', 'x', 'abc'}) do\n"
          "    local t = {} for i = 1, n do t[i] = s end\n"
          "    assert(s:rep(n, sep) == table.concat(t, sep), s .. '/' .. n .. '/' .. sep)\n"
          "  end end end\n"
          "assert(#('x'):rep(16 << 20) == 16 << 20 and ('ab'):rep(1000, ';'):sub(-5) == 'ab;ab')");
    ok(L, "assert(('x'):rep(0) == '' and ('x'):rep(-5) == '')");
    ok(L, "assert(('hello'):find('l') == 3 and ('a=1'):match('(%w)=(%d)') == 'a')");
    fails(L, "local s = ('x'):rep(2 * 1024 * 1024) s:find('y')", "pattern subject too long");
    ok(L, "assert(select('#', ('abc'):gsub('b', 'B')) == 2)");
    fails(L, "collectgarbage('stop')", "not available to rules");
    ok(L, "assert(type(collectgarbage('count')) == 'number')");
}

static void test_error_values(void **state)
{
    lua_State *L = *state;
    assert_int_equal(run(L, "error(nil)"), -1);
    assert_true(strlen(msg) > 0);
    assert_non_null(strstr(msg, "nil"));
    /* Values without a position of their own still get the rule's file:line. */
    assert_int_equal(strncmp(msg, "rule.lua:1: ", 12), 0);
    assert_int_equal(run(L, "\nerror({})"), -1);
    assert_non_null(strstr(msg, "table"));
    assert_int_equal(strncmp(msg, "rule.lua:2: ", 12), 0);
    assert_int_equal(run(L, "error(setmetatable({}, {__tostring = function() error('x') end}))"),
                     -1);
    assert_non_null(strstr(msg, "table"));
    assert_int_equal(run(L, "error(setmetatable({}, {__tostring = function() while true do end "
                            "end}))"),
                     -1);
    assert_true(strlen(msg) > 0);
    assert_int_equal(run(L, "error('plain', 0)"), -1);
    assert_string_equal(msg, "plain");
    /* Still usable after each. */
    ok(L, "assert(1 + 1 == 2)");
    assert_int_equal(lua_gettop(L), 0);
}

/* A coroutine's resume catches the budget error; the call still fails, with its place. */
static void test_budget_swallowed_by_coroutine(void **state)
{
    lua_State *L = *state;
    assert_int_equal(run(L, "local co = coroutine.create(function()\n while true do end end)\n"
                            "coroutine.resume(co)"),
                     -1);
    assert_non_null(strstr(msg, "instruction budget exceeded"));
    assert_int_equal(strncmp(msg, "rule.lua:2: ", 12), 0);
    ok(L, "assert(1 + 1 == 2)");
    assert_int_equal(lua_gettop(L), 0);
}

static void test_traceback(void **state)
{
    lua_State *L = *state;
    assert_int_equal(run(L, "local function inner()\n  error('deep')\nend\n"
                            "local function outer() inner() end\nouter()"),
                     -1);
    assert_string_equal(msg, "rule.lua:2: deep");
    assert_non_null(strstr(trace, "stack traceback:"));
    assert_non_null(strstr(trace, "rule.lua:2"));
    assert_non_null(strstr(trace, "rule.lua:4"));
    assert_null(strchr(msg, '\n'));
}

static void test_syntax_error(void **state)
{
    lua_State *L = *state;
    const char *code = "local x = \nif then";
    assert_int_equal(sandbox_load(L, code, strlen(code), "bad.lua", msg, sizeof msg), -1);
    assert_non_null(strstr(msg, "bad.lua:2:"));
    assert_int_equal(lua_gettop(L), 0);
}

static void test_results_and_args(void **state)
{
    lua_State *L = *state;
    const char *code = "return function(a, b) return a + b, a * b end";
    assert_int_equal(sandbox_load(L, code, strlen(code), "f.lua", msg, sizeof msg), 0);
    assert_int_equal(sandbox_pcall(L, 0, 1, msg, sizeof msg, NULL, 0), 0);
    lua_pushinteger(L, 3);
    lua_pushinteger(L, 4);
    assert_int_equal(sandbox_pcall(L, 2, 2, msg, sizeof msg, NULL, 0), 0);
    assert_int_equal(lua_tointeger(L, -2), 7);
    assert_int_equal(lua_tointeger(L, -1), 12);
    lua_settop(L, 0);
}

/* issue 10 item 2: finalizers run with hooks off (no budget) and again in lua_close: rules get
 * none, whichever way they try. */
static void test_no_finalizers(void **state)
{
    lua_State *L = *state;
    fails(L, "setmetatable({}, {__gc = function() while true do end end}) collectgarbage()",
          "rule.lua:1: __gc finalizers are not allowed in rules");
    fails(L, "setmetatable({}, {__gc = false})", "__gc finalizers are not allowed");
    /* __gc added after setmetatable never marks the object (lgc.c luaC_checkfinalizer). */
    ok(L, "local mt = {} local t = setmetatable({}, mt)\n"
          "mt.__gc = function() while true do end end\n"
          "t = nil collectgarbage() collectgarbage()");
    ok(L, "local mt = {} local t = setmetatable({}, mt) rawset(mt, '__gc', function() "
          "gc_ran = true end) t = nil collectgarbage() collectgarbage() assert(not rawget(_G, "
          "'gc_ran'))");
    /* Nor through a metatable taken from elsewhere (the string metatable). */
    ok(L, "getmetatable('').__gc = function() while true do end end");
    fails(L, "setmetatable({}, getmetatable(''))", "__gc finalizers are not allowed");
    ok(L, "getmetatable('').__gc = nil");
    ok(L, "local t = setmetatable({}, {__index = {a = 1}}) assert(t.a == 1)");
    /* lua_close runs nothing of the rule's: this returns. */
    lua_State *L2 = sandbox_new();
    assert_non_null(L2);
    ok(L2, "keep = {} for i = 1, 10 do keep[i] = setmetatable({}, {}) end "
           "getmetatable(keep[1]).__gc = function() while true do end end");
    sandbox_close(L2);
}

/* Metamethods called from inside C functions (sort, tostring, format, concat, __close...) are
 * Lua code under the same budget. */
static void test_metamethods_in_c_counted(void **state)
{
    lua_State *L = *state;
    struct sandbox_limits lim = {.instructions = 200000, .memory = SANDBOX_DEFAULT_MEMORY,
                                 .time_usec = 5000000};
    sandbox_set_limits(L, &lim);
    const char *loops[] = {
        "table.sort({3, 2, 1}, function(a, b) while true do end end)",
        "local t = setmetatable({}, {__lt = function() while true do end end}) "
        "table.sort({t, t, t})",
        "tostring(setmetatable({}, {__tostring = function() while true do end end}))",
        "string.format('%s', setmetatable({}, {__tostring = function() while true do end end}))",
        "table.concat(setmetatable({}, {__index = function() while true do end end, "
        "__len = function() return 3 end}))",
        "local x <close> = setmetatable({}, {__close = function() while true do end end})",
        "local a = setmetatable({}, {__eq = function() while true do end end}) "
        "local b = setmetatable({}, getmetatable(a)) pcall(function() return a == b end) "
        "while true do end",
        "local t = setmetatable({}, {__concat = function() while true do end end}) "
        "local x = t .. 'x'",
        "local t = setmetatable({}, {__len = function() while true do end end}) "
        "table.insert(t, 1)",
        "local t = setmetatable({}, {__newindex = function() while true do end end}) "
        "table.move({1, 2}, 1, 2, 1, t)",
        "local t = setmetatable({}, {__index = function() while true do end end}) "
        "table.unpack(t, 1, 2)",
    };
    for (size_t i = 0; i < sizeof loops / sizeof *loops; i++)
        fails(L, loops[i], "instruction budget exceeded");
    /* coroutine.close runs a suspended coroutine's pending __close: on the budget too. */
    fails(L, "local co = coroutine.create(function()\n"
             "  local x <close> = setmetatable({}, {__close = function() while true do end end})\n"
             "  coroutine.yield() end)\n"
             "coroutine.resume(co) coroutine.close(co) while true do end",
          "instruction budget exceeded");
    /* A __close that loops while the budget error unwinds is stopped too. */
    fails(L, "local x <close> = setmetatable({}, {__close = function() while true do end end})\n"
             "while true do end",
          "instruction budget exceeded");
    ok(L, "assert(1 + 1 == 2)");
}

/* issue 10 item 7: C library loops a rule sizes itself are charged step by step. */
static void test_c_work_charged(void **state)
{
    lua_State *L = *state;
    struct sandbox_limits lim = {.instructions = SANDBOX_DEFAULT_INSTRUCTIONS,
                                 .memory = SANDBOX_DEFAULT_MEMORY, .time_usec = 0};
    sandbox_set_limits(L, &lim);
    fails(L, "table.move({}, 1, 1 << 53, 2)", "rule.lua:1: instruction budget exceeded");
    fails(L, "while true do pcall(table.move, {}, 1, 1 << 53, 2) end", "instruction budget");
    fails(L, "local t = setmetatable({}, {__len = function() return 1 << 53 end}) "
             "table.insert(t, 1, 5)",
          "instruction budget exceeded");
    fails(L, "local t = setmetatable({}, {__len = function() return 1 << 53 end}) "
             "table.remove(t, 1)",
          "instruction budget exceeded");
    fails(L, "table.concat({}, '', 1, 1 << 53)", "invalid value (at index 1)");
    fails(L, "local t = setmetatable({}, {__index = function() return 'x' end}) "
             "table.concat(t, '', 1, 1 << 53)",
          "instruction budget exceeded");
    fails(L, "local s = ('x'):rep(16 << 20) while true do local u = s:upper() end",
          "instruction budget exceeded");
    fails(L, "local s = ('x'):rep(16 << 20) while true do local n = utf8.len(s) end",
          "instruction budget exceeded");
    fails(L, "local s = ('1'):rep(8 << 20) while true do local x = s + 0 end",
          "instruction budget exceeded");
    fails(L, "local s = ('x'):rep(1 << 20) while true do local x = string.format('%s', s) end",
          "instruction budget exceeded");
    fails(L, "local t = {} for i = 1, 1000000 do t[i] = -i end table.sort(t)",
          "instruction budget exceeded");
    fails(L, "local s = ('x'):rep(4 << 20) while true do local f = load('return 1 --' .. s) end",
          "instruction budget exceeded");
    /* A sort of fifty thousand fits the default budget. */
    ok(L, "local t = {} for i = 1, 50000 do t[i] = (i * 7919) % 50021 end table.sort(t)\n"
          "for i = 2, #t do assert(t[i - 1] <= t[i]) end");
    /* The library functions still do what they did. */
    ok(L, "local t = {1, 2, 3} table.insert(t, 4) table.insert(t, 1, 0)\n"
          "assert(table.concat(t, ',') == '0,1,2,3,4')\n"
          "assert(table.remove(t) == 4 and table.remove(t, 1) == 0)\n"
          "assert(table.concat(t, ',') == '1,2,3')\n"
          "assert(table.concat(table.move({1, 2, 3}, 1, 3, 2), ',') == '1,1,2,3')\n"
          "assert(table.concat(table.move({1, 2, 3}, 2, 3, 1), ',') == '2,3,3')\n"
          "local d = table.move({1, 2}, 1, 2, 2, {9}) assert(table.concat(d, ',') == '9,1,2')\n"
          "assert(table.concat({1, 2, 3}, '-', 2, 3) == '2-3' and table.concat({}) == '')\n"
          "assert(table.remove({}) == nil)\n"
          "assert(not pcall(table.insert, {1}, 5, 1) and not pcall(table.insert, {}, 1, 2, 3))");
    ok(L, "local t = {} for i = 1, 2000 do t[i] = (i * 7919) % 2003 end table.sort(t)\n"
          "for i = 2, #t do assert(t[i - 1] <= t[i]) end\n"
          "table.sort(t, function(a, b) return a > b end)\n"
          "for i = 2, #t do assert(t[i - 1] >= t[i]) end\n"
          "local w = {'pear', 'apple', 'fig'} table.sort(w) assert(table.concat(w, ' ') == 'apple fig pear')\n"
          "table.sort({}) table.sort({1})\n"
          "assert(not pcall(table.sort, {1, 'x'}))");
    ok(L, "assert(('abc'):upper() == 'ABC' and utf8.len('h\\u{e9}') == 2 and tonumber('12') == 12)\n"
          "assert(select('#', ('abc'):byte(1, -1)) == 3 and string.format('%d-%s', 5, 'x') == '5-x')\n"
          "assert(('10') + 1 == 11 and -('2') == -2)\n"
          "assert(load(function() return nil end)) local n = 0\n"
          "assert(load(function() n = n + 1 return n == 1 and 'return 7' or nil end)() == 7)");
}

/* The wall-clock deadline: what the budget cannot see (slow C, slow instructions) ends too,
 * and a rule's pcall cannot swallow it. */
static void test_deadline(void **state)
{
    lua_State *L = *state;
    struct sandbox_limits lim = {.instructions = 0, .memory = SANDBOX_DEFAULT_MEMORY,
                                 .time_usec = 100000};
    sandbox_set_limits(L, &lim);
    fails(L, "while true do end", "rule.lua:1: time limit exceeded (callback ran over 100 ms)");
    fails(L, "while true do pcall(function() while true do end end) end", "time limit exceeded");
    fails(L, "local co = coroutine.wrap(function() while true do end end) pcall(co) "
             "while true do end",
          "time limit exceeded");
    /* Slow instructions (a long-string compare each): stopped about one of them late. */
    fails(L, "local a = ('x'):rep(16 << 20) local b = a:sub(1, -2) .. 'x'\n"
             "while true do local x = (a == b) end",
          "time limit exceeded");
    /* Per call, not per state: a later call gets its own deadline. */
    ok(L, "for i = 1, 1000 do end");
    struct sandbox_limits got;
    sandbox_get_limits(L, &got);
    assert_int_equal(got.time_usec, 100000);
    assert_int_equal(SANDBOX_DEFAULT_TIME_USEC, 1000000);
}

/* After a limit is hit Lua runs the next code with hooks off until a protected call unwinds:
 * xpcall's handler and the __close handlers of an errored coroutine ran unstopped (a hang of
 * the daemon; attack finding). Each must end, and ordinary uses keep working. */
static void test_no_code_without_hooks(void **state)
{
    lua_State *L = *state;
    struct sandbox_limits lim = {.instructions = 200000, .memory = SANDBOX_DEFAULT_MEMORY,
                                 .time_usec = 2000000};
    sandbox_set_limits(L, &lim);
    fails(L, "xpcall(function() while true do end end, function() while true do end end)",
          "instruction budget exceeded");
    fails(L, "pcall(coroutine.wrap(function()\n"
             "  local x <close> = setmetatable({}, {__close = function() while true do end end})\n"
             "  while true do end end))",
          "instruction budget exceeded");
    fails(L, "local co = coroutine.create(function()\n"
             "  local x <close> = setmetatable({}, {__close = function() while true do end end})\n"
             "  while true do end end)\n"
             "coroutine.resume(co) coroutine.close(co)",
          "instruction budget exceeded");
    ok(L, "local ok, v = xpcall(function(a, b) return a + b end, error, 1, 2)\n"
          "assert(ok and v == 3)\n"
          "local ok2, m = xpcall(function() error('boom') end, function(e) return 'h ' .. e end)\n"
          "assert(not ok2 and m:find('h .*boom'))\n"
          "local gen = coroutine.wrap(function() for i = 1, 3 do coroutine.yield(i) end end)\n"
          "assert(gen() == 1 and gen() == 2 and gen() == 3)\n"
          "local ok3, e3 = pcall(coroutine.wrap(function() error('inner') end))\n"
          "assert(not ok3 and e3:find('inner'))\n"
          "local closed = false\n"
          "local co = coroutine.create(function() local x <close> = setmetatable({}, {__close =\n"
          "  function() closed = true end}) coroutine.yield() end)\n"
          "coroutine.resume(co) assert(coroutine.close(co) and closed)\n"
          "local co2 = coroutine.create(function() error('x') end) coroutine.resume(co2)\n"
          "local okc, ec = coroutine.close(co2) assert(not okc and ec:find('x'))\n"
          "local co3 = coroutine.wrap(function()\n"
          "  return xpcall(function() coroutine.yield(7) return 8 end, error) end)\n"
          "assert(co3() == 7) local a, b = co3() assert(a == true and b == 8)");
}

/* issue 10 item 8: gmatch's '^' is a plain character, so its cost is per start position;
 * back-references and long patterns count. */
static void test_pattern_costs(void **state)
{
    lua_State *L = *state;
    fails(L, "for _ in string.rep('^', 2^20):gmatch('^.-%z') do end", "could take too long");
    fails(L, "for _ in string.rep('a', 2^16):gmatch('^a-a-b') do end", "could take too long");
    fails(L, "local s = ('a'):rep(100000) s:find('(a*)%1b')", "could take too long");
    fails(L, "local s = ('a'):rep(1 << 20) s:find(('a'):rep(5000) .. 'b')", "could take too long");
    ok(L, "local n = 0 for w in ('one two three'):gmatch('^%a+') do n = n + 1 end assert(n == 0)");
    ok(L, "local n = 0 for w in ('^a ^b'):gmatch('^%a') do n = n + 1 end assert(n == 2)");
    ok(L, "assert(('key = value'):match('^(%w+)%s*=%s*(%w+)$') == 'key')");
    ok(L, "assert(('abcabc'):find('(abc)%1') == 1)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_absent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_undefined_global, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load_text_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_instruction_budget, setup, teardown),
        cmocka_unit_test_setup_teardown(test_memory_cap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_string_rep_and_patterns, setup, teardown),
        cmocka_unit_test_setup_teardown(test_error_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_budget_swallowed_by_coroutine, setup, teardown),
        cmocka_unit_test_setup_teardown(test_traceback, setup, teardown),
        cmocka_unit_test_setup_teardown(test_syntax_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_results_and_args, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_finalizers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_metamethods_in_c_counted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_c_work_charged, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deadline, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pattern_costs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_code_without_hooks, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
