/* Unit tests for src/lua/ruleset.c: rule files run on a simulated clock with notifications
 * captured as preview JSON lines, the way `nudged --preview --json` drives them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "engine/clock.h"
#include "ledger/report.h"
#include "ledger/sync.h"
#include "ledger/uid.h"
#include "lua/ruleset.h"
#include "notify/notify.h"
#include "fixtures.h"

#define assert_in_log(log, want)                                                                   \
    do {                                                                                           \
        if (!strstr(log, want)) fail_msg("log lacks \"%s\":\n%s", want, log);                      \
    } while (0)

#define S USEC_PER_SEC
#define H USEC_PER_HOUR
#define DAY USEC_PER_DAY


static long long secs(usec_t t)
{
    return (long long)(t / S);
}

/* Writes a rule file into the test's folder; returns its path (static storage per slot). */
/* ---- log capture: stderr into a temporary file ---- */

static int saved_stderr = -1;
static FILE *log_file;

static void log_begin(void)
{
    fflush(stderr);
    log_file = tmpfile();
    assert_non_null(log_file);
    saved_stderr = dup(2);
    dup2(fileno(log_file), 2);
}

static char *log_end(void)
{
    fflush(stderr);
    dup2(saved_stderr, 2);
    close(saved_stderr);
    long n = ftell(log_file);
    char *buf = calloc(1, (size_t)n + 1);
    rewind(log_file);
    size_t got = fread(buf, 1, (size_t)n, log_file);
    buf[got] = 0;
    fclose(log_file);
    return buf;
}

/* ---- a preview run ---- */

struct run {
    struct clock_sim clock;
    char *out;
    size_t out_len;
    FILE *mem;
    struct notify_backend *capture;
    struct test_host host;
    struct ruleset *rs;
    struct strlist errors, warnings;
};

static struct ruleset *run_load(struct run *r, usec_t from, uint64_t seed, const char *const *paths,
                                size_t n)
{
    memset(r, 0, sizeof *r);
    clock_sim_init(&r->clock, from);
    r->mem = open_memstream(&r->out, &r->out_len);
    r->capture = notify_capture_new(r->mem, true);
    test_host_init(&r->host, r->capture, &r->clock.base);
    struct ruleset_options o = {.paths = paths, .n_paths = n, .clock = &r->clock.base,
                                .host = &r->host.rh, .ledger = r->host.lg, .seed = seed};
    r->rs = ruleset_load(&o, &r->errors, &r->warnings);
    return r->rs;
}

/* As src/daemon/preview.c: jump to each deadline before `end`, fire what is due. */
static void run_until(struct run *r, usec_t end)
{
    struct schedule *s = ruleset_schedule(r->rs);
    for (;;) {
        usec_t next = schedule_next_deadline(s);
        if (next >= end) break;
        if (next > r->clock.t) r->clock.t = next;
        ruleset_run_due(r->rs);
    }
    r->clock.t = end;
}

/* Frees everything; returns the captured output (caller frees). */
static char *run_end(struct run *r)
{
    ruleset_free(r->rs);
    test_host_free(&r->host);
    notify_backend_free(r->capture);
    fclose(r->mem);
    strlist_free(&r->errors);
    strlist_free(&r->warnings);
    return r->out;
}

static void load_ok(struct run *r, usec_t from, uint64_t seed, const char *path)
{
    if (!run_load(r, from, seed, &path, 1)) {
        for (size_t i = 0; i < r->errors.n; i++)
            fprintf(stderr, "%s\n", r->errors.v[i]);
        fail_msg("%s did not load", path);
    }
}

static char *preview(const char *path, usec_t from, usec_t end, uint64_t seed)
{
    struct run r;
    load_ok(&r, from, seed, path);
    run_until(&r, end);
    return run_end(&r);
}

/* ---- the API ---- */

static void test_api_values(void **state)
{
    (void)state;
    usec_t now = cet(2026, 11, 23, 0, 0);
    const char *p = rule_file(
        "api.lua",
        "local n = require 'nudge'\n"
        "assert(n == nudge)\n"
        "nudge.config{since = '2026-11-01', app_name = 'test', backend = 'stdout'}\n"
        "assert(nudge.now() == %lld, nudge.now())\n"
        "assert(nudge.time('2026-11-23 20:30') == %lld)\n"
        "assert(nudge.time('tomorrow') == %lld)\n"
        "assert(nudge.time('+3h') == %lld)\n"
        "assert(nudge.time(12345) == 12345)\n"
        "assert(nudge.span('2h 30min') == 9000 and nudge.span(90) == 90)\n"
        "assert(nudge.span('1d') == 86400)\n"
        "assert(nudge.date('%%Y-%%m-%%d %%H:%%M') == '2026-11-23 00:00')\n"
        "assert(nudge.date('%%H:%%M', 0) == '01:00')\n"
        "assert(nudge.date('%%d.%%m.', '2026-12-24 18:00') == '24.12.')\n"
        "assert(nudge.days_since() == 22, nudge.days_since())\n"
        "assert(nudge.days_since('2026-11-22 00:00:01') == 0)\n"
        "assert(nudge.days_since('2026-11-24') == -1)\n"
        "assert(os.time() == nudge.now())\n"
        "assert(os.date('%%Y-%%m-%%d %%H') == '2026-11-23 00')\n"
        "assert(os.date('*t').day == 23)\n"
        "assert(os.time{year = 2026, month = 11, day = 23, hour = 0} == %lld)\n"
        "for i = 1, 200 do\n"
        "  local x = nudge.random() assert(x >= 0 and x < 1)\n"
        "  local y = nudge.random(6) assert(y >= 1 and y <= 6 and math.type(y) == 'integer')\n"
        "  local z = nudge.random(-2, 2) assert(z >= -2 and z <= 2)\n"
        "end\n"
        "assert(nudge.random(7, 7) == 7)\n"
        "assert(nudge.store.get('missing') == nil and nudge.store.get('missing', 5) == 5)\n"
        "nudge.store.set('k', {a = 1, b = {true, 'x'}})\n"
        "local v = nudge.store.get('k') v.a = 2\n"
        "assert(nudge.store.get('k').a == 1 and nudge.store.get('k').b[2] == 'x')\n"
        "nudge.store.set('k', nil) assert(nudge.store.get('k') == nil)\n"
        "nudge.log('hello', 1, true) nudge.warn('careful') print('printed')\n"
        "assert(nudge.notify{title = 'loaded'} == 1)\n",
        (long long)secs(now), (long long)secs(cet(2026, 11, 23, 20, 30)),
        (long long)secs(cet(2026, 11, 24, 0, 0)), (long long)secs(now + 3 * H),
        (long long)secs(now));
    struct run r;
    log_begin();
    const char *ps[] = {p};
    struct ruleset *rs = run_load(&r, now, 1, ps, 1);
    char *log = log_end();
    if (!rs) fail_msg("%s", r.errors.n ? r.errors.v[0] : "?");
    assert_string_equal(ruleset_app_name(rs), "test");
    assert_string_equal(ruleset_backend_name(rs), "stdout");
    char want[256];
    snprintf(want, sizeof want, "%s:32: hello 1 true", p);
    assert_in_log(log, want);
    snprintf(want, sizeof want, "warning: %s:32: careful", p);
    assert_in_log(log, want);
    snprintf(want, sizeof want, "%s:32: printed", p);
    assert_in_log(log, want);
    free(log);
    char *out = run_end(&r);
    assert_string_equal(out,
                        "{\"at\":\"2026-11-23T00:00:00+01:00\",\"id\":\"\",\"kind\":\"notify\","
                        "\"title\":\"loaded\",\"body\":\"\",\"actions\":[]}\n");
    free(out);
}

/* nudge.config{sync}: the defaults, every field, the plain-http warning (not for a server on
 * this machine), and no settings when the rules give none. */
static void test_config_sync(void **state)
{
    (void)state;
    usec_t now = cet(2026, 11, 23, 0, 0);
    struct run r;
    const char *none = rule_file("nosync.lua", "nudge.config{since = '2026-11-01'}\n");
    load_ok(&r, now, 1, none);
    assert_null(ruleset_sync(r.rs));
    free(run_end(&r));

    const char *dflt = rule_file(
        "sync.lua", "nudge.config{sync = {caldav = 'https://dav.example.org/anna/tasks/'}}\n");
    load_ok(&r, now, 1, dflt);
    const struct ruleset_sync *s = ruleset_sync(r.rs);
    assert_non_null(s);
    assert_string_equal(s->url, "https://dav.example.org/anna/tasks/");
    assert_string_equal(s->user, "");
    assert_true(s->every == 15 * 60 * USEC_PER_SEC);
    assert_int_equal(s->days, 14);
    assert_int_equal(r.warnings.n, 0);
    free(run_end(&r));

    const char *full = rule_file(
        "sync.lua", "nudge.config{since = '2026-11-01'}\n"
                    "nudge.config{sync = {caldav = 'http://[::1]:5232/anna/tasks/', user = 'anna',\n"
                    "                     every = '1h 30min', days = 60}}\n"
                    "nudge.config{sync = {caldav = 'http://localhost:5232/a/', every = 60, days = 1}}\n"
                    "nudge.config{sync = {caldav = 'http://127.0.0.1/b/', user = 'b', every = '1d'}}\n");
    load_ok(&r, now, 1, full);
    s = ruleset_sync(r.rs);
    assert_non_null(s);
    /* The last config{sync} wins, whole: no field of an earlier one is left over. */
    assert_string_equal(s->url, "http://127.0.0.1/b/");
    assert_string_equal(s->user, "b");
    assert_true(s->every == USEC_PER_DAY);
    assert_int_equal(s->days, 14);
    assert_int_equal(r.warnings.n, 0);
    free(run_end(&r));

    const char *clear = rule_file(
        "sync.lua", "nudge.config{sync = {caldav = 'http://dav.example.org/t/', user = 'anna'}}\n");
    load_ok(&r, now, 1, clear);
    assert_non_null(ruleset_sync(r.rs));
    assert_int_equal(r.warnings.n, 1);
    char want[512];
    snprintf(want, sizeof want,
             "%s:1: config 'sync': the password goes to dav.example.org over plain http://, so "
             "it travels in clear (use https://)",
             clear);
    assert_string_equal(r.warnings.v[0], want);
    free(run_end(&r));
}

static void test_preview_format(void **state)
{
    (void)state;
    const char *p = rule_file(
        "evening.lua",
        "nudge.on('*-*-* 20:30', function(ev)\n"
        "  nudge.notify{title = 'Evening check-in', body = 'How was \"today\"?\\nTell me.',\n"
        "               actions = {{id = 'done', label = 'Done'}, {id = 'snooze', label = "
        "'Snooze'}, {id = 'skip'}}}\n"
        "end, {id = 'evening'})\n"
        "nudge.on('Mon 08:00', function(ev)\n"
        "  nudge.notify{title = 'Map', actions = {snooze = 'Snooze', done = 'Done', skip = "
        "'Skip', ask = 'Ask'}}\n"
        "end)\n");
    char *out = preview(p, cet(2026, 11, 23, 0, 0), cet(2026, 11, 25, 0, 0), 1);
    assert_string_equal(
        out, "{\"at\":\"2026-11-23T08:00:00+01:00\",\"id\":\"on:Mon *-*-* 08:00:00\","
             "\"kind\":\"notify\",\"title\":\"Map\",\"body\":\"\","
             "\"actions\":[\"ask\",\"done\",\"skip\",\"snooze\"]}\n"
             "{\"at\":\"2026-11-23T20:30:00+01:00\",\"id\":\"evening\",\"kind\":\"notify\","
             "\"title\":\"Evening check-in\",\"body\":\"How was \\\"today\\\"?\\nTell me.\","
             "\"actions\":[\"done\",\"snooze\",\"skip\"]}\n"
             "{\"at\":\"2026-11-24T20:30:00+01:00\",\"id\":\"evening\",\"kind\":\"notify\","
             "\"title\":\"Evening check-in\",\"body\":\"How was \\\"today\\\"?\\nTell me.\","
             "\"actions\":[\"done\",\"snooze\",\"skip\"]}\n");
    free(out);
}

static void test_preview_summer_offset(void **state)
{
    (void)state;
    const char *p = rule_file("summer.lua", "nudge.at('2026-07-01 09:15', function()\n"
                                            "  nudge.notify{title = 'x'} end)\n");
    char *out = preview(p, cet(2026, 6, 30, 0, 0), cet(2026, 7, 2, 0, 0), 1);
    assert_string_equal(out, "{\"at\":\"2026-07-01T09:15:00+02:00\",\"id\":\"at:Wed 2026-07-01 "
                             "09:15:00 CEST\",\"kind\":\"notify\",\"title\":\"x\",\"body\":\"\","
                             "\"actions\":[]}\n");
    free(out);
}

static const char *random_rules(void)
{
    return rule_file("random.lua", "nudge.on('daily', function(ev)\n"
                                   "  nudge.notify{title = 'pick ' .. nudge.random(1, 1000)}\n"
                                   "end, {window = '10:00..18:00'})\n"
                                   "nudge.every('3h', function(ev) nudge.notify{title = 'j'} end,"
                                   " {jitter = '1h'})\n");
}

static void test_preview_repeatable(void **state)
{
    (void)state;
    const char *p = random_rules();
    usec_t from = cet(2026, 11, 23, 0, 0), end = from + 7 * DAY;
    char *a = preview(p, from, end, 42), *b = preview(p, from, end, 42);
    char *c = preview(p, from, end, 43);
    assert_true(strlen(a) > 1000);
    assert_string_equal(a, b);
    assert_string_not_equal(a, c);
    free(a);
    free(b);
    free(c);
}

/* Each call wrong in some way: the error names the file and the line of the call. */
static void test_errors_name_file_and_line(void **state)
{
    (void)state;
    static const struct {
        const char *code, *want;
    } cases[] = {
        {"nudge.on({}, function() end)", "bad argument #1 to 'on' (string expected, got table)"},
        {"nudge.on('daily')", "bad argument #2 to 'on' (function expected"},
        {"nudge.on('Mon..Fir 9:00', function() end)",
         "bad calendar event \"Mon..Fir 9:00\": unknown weekday \"Fir\""},
        {"nudge.every({}, function() end)", "every must be a span"},
        {"nudge.every('5q', function() end)", "bad time span \"5q\": unknown unit \"q\""},
        {"nudge.every('0.5s', function() end)", "at least 1s"},
        /* Times past year 9999 overflowed the scheduler (UBSan, attack finding). */
        {"nudge.after('290000y', function() end, {jitter = '290000y'})",
         "after is longer than 1000 years"},
        {"nudge.on('daily', function() end, {jitter = '1001y'})", "jitter is longer than 1000 years"},
        {"nudge.every(9.1e12, function() end)", "every is longer than 1000 years"},
        /* Parsed calendar events live outside the memory cap: bounded (attack finding). */
        {"nudge.on(string.rep('Mon,', 300) .. 'Mon 10:00', function() end)",
         "is longer than 1024 bytes"},
        {"local days = string.rep('Mon,', 240) "
         "for i = 1, 2000 do nudge.on(days .. string.format('Mon *-*-* 10:00:%09.6f', i / 1e6), "
         "function() end):cancel() end",
         "too many different calendar events in these rules (over 1024 KiB of them)"},
        /* The store as a whole is bounded, not only each value (attack finding: 170 MB). */
        {"nudge.store.set(string.rep('K', 2000), 1)", "a key is at most 1024 bytes"},
        {"nudge.after('1h', function() end, {id = 'a\\0x'})", "must not contain a NUL byte"},
        /* 16 MiB written before the cap: seconds under ASan on a loaded machine. */
        {"nudge.config { limits = { time = '10s' } } "
         "local v = string.rep('x', 900000) for i = 1, 30 do nudge.store.set('k' .. i, v) end",
         "would be over 16 MiB in all"},
        {"nudge.every(-5, function() end)", "every must not be negative"},
        {"nudge.after(true, function() end)", "after must be a span"},
        {"nudge.after('1h', 'f')", "function expected"},
        {"nudge.at({}, function() end)",
         "expected a time (\"2026-12-24 18:00\"), a calendar event (\"Sat 11:00\") or epoch "
         "seconds, not table"},
        {"nudge.at('2026-13-01', function() end)",
         "\"2026-13-01\" is neither a time (cannot read \"2026-13-01\" as a date or time) nor "
         "a calendar event (month 13 out of range 1..12); a time looks like"},
        {"nudge.every('1h', function() end, 5)", "table expected"},
        {"nudge.every('1h', function() end, {jitter = {}})", "jitter must be a span"},
        {"nudge.every('1h', function() end, {window = 5})", "option 'window' must be a string"},
        {"nudge.every('1h', function() end, {window = '10-12'})", "bad window \"10-12\""},
        {"nudge.every('1h', function() end, {quiet = 'loud'})", "option 'quiet' must be"},
        {"nudge.every('1h', function() end, {catch_up = 1})", "option 'catch_up' must be"},
        {"nudge.every('1h', function() end, {late_cancel = 'x'})", "bad time span \"x\""},
        {"nudge.every('1h', function() end, {bogus = 1})", "unknown option 'bogus'"},
        {"nudge.every('1h', function() end, {id = ''})", "option 'id' must be a non-empty"},
        {"nudge.every('1h', function() end, {id = 5})", "option 'id' must be a non-empty"},
        {"nudge.every('1h', function() end, {[1] = 2})", "a value without a name: write each option as name = value"},
        {"nudge.notify(5)", "bad argument #1 to 'notify' (table expected, got number)"},
        {"nudge.notify{}", "notify: 'title' is required"},
        {"nudge.notify{title = 'x', body = {}}", "notify field 'body' must be a string"},
        {"nudge.notify{title = 'x', urgency = 'loud'}", "urgency must be"},
        {"nudge.notify{title = 'x', timeout = {}}", "timeout must be a span"},
        {"nudge.notify{title = 'x', actions = 5}", "'actions' must be a table"},
        {"nudge.notify{title = 'x', actions = {5}}", "each action must be {id=, label=}"},
        {"nudge.notify{title = 'x', actions = {{label = 'L'}}}", "action without a string 'id'"},
        /* A hole or a mix once sent a nil to be read as a table (a crash). */
        {"nudge.notify{title = 'x', actions = {nil, {id = 'b'}, {id = 'c'}, {id = 'd'}, x = 'y'}}",
         "not both"},
        {"nudge.notify{title = 'x', actions = {{id = 'a'}, {id = 'b'}, nil, {id = 'd'}}}",
         "a list with a hole (a nil before action 4)"},
        {"nudge.notify{title = 'x', actions = {[0] = {id = 'a'}}}", "a list from 1, not from 0"},
        {"nudge.notify{title = 'x', actions = {a = 5}}", "'actions' must be a list"},
        {"nudge.notify{title = 'x', on_action = 5}", "'on_action' must be a function"},
        {"nudge.notify{title = 'x', on_close = 'f'}", "'on_close' must be a function"},
        {"nudge.notify{title = 'x', colour = 'red'}", "notify: unknown field 'colour'"},
        {"nudge.config(5)", "bad argument #1 to 'config' (table expected, got number)"},
        {"nudge.config{since = {}}", "expected a time (\"2026-11-01\", \"-7d\") or epoch seconds, not table"},
        {"nudge.config{since = 'Sat 11:00'}", "\"Sat 11:00\" is a calendar event, whose next time"},
        {"nudge.config{quiet_hours = 5}", "'quiet_hours' must be a window"},
        {"nudge.config{quiet_hours = '22-7'}", "bad window \"22-7\""},
        {"nudge.config{backend = 'dbus'}", "config 'backend' must be"},
        {"nudge.config{app_name = 5}", "config 'app_name' must be a string"},
        {"nudge.config{limits = 5}", "table expected"},
        {"nudge.config{limits = {instructions = 5}}", "limits.instructions must be an integer"},
        {"nudge.config{limits = {memory = 'lots'}}", "bad memory size \"lots\""},
        {"nudge.config{limits = {memory = 1024}}", "limits.memory is below"},
        {"nudge.config{limits = {cpu = 1}}", "unknown limit 'cpu' (the limits are instructions, memory, time)"},
        {"nudge.config{limits = {memroy = '64M'}}", "config 'limits': unknown limit 'memroy' (did you mean 'memory'?)"},
        {"nudge.config{qiet_hours = '22:00..07:00'}", "config: unknown field 'qiet_hours' (did you mean 'quiet_hours'?)"},
        {"nudge.notify{titel = 'x'}", "notify: unknown field 'titel' (did you mean 'title'?)"},
        {"nudge.every('1h', function() end, {jiter = '5m'})", "unknown option 'jiter' (did you mean 'jitter'?)"},
        {"nudge.config{bogus = 1}", "config: unknown field 'bogus'"},
        {"nudge.config{discreet = 'yes'}", "config 'discreet' must be true or false"},
        {"nudge.config{sync = true}", "config 'sync' must be a table like"},
        {"nudge.config{sync = {user = 'anna'}}", "config 'sync': 'caldav' must be the URL"},
        {"nudge.config{sync = {caldav = 5}}", "config 'sync': 'caldav' must be the URL"},
        {"nudge.config{sync = {caldav = 'ftp://x/'}}", "'caldav' must start with https://"},
        {"nudge.config{sync = {caldav = 'https:///tasks/'}}", "'caldav' must start with https://"},
        {"nudge.config{sync = {caldav = 'https://[::1/'}}", "'caldav' must start with https://"},
        {"nudge.config{sync = {caldav = 'https://h/a b/'}}", "without spaces or control"},
        {"nudge.config{sync = {caldav = 'https://h/' .. ('x'):rep(1100)}}", "at most 1023 bytes"},
        {"nudge.config{sync = {caldav = 'https://a:pw@h/'}}", "'caldav' holds a login"},
        {"nudge.config{sync = {caldav = 'https://h/', user = ''}}", "'user' must be the login name"},
        {"nudge.config{sync = {caldav = 'https://h/', user = 'a\\nb'}}", "without control characters"},
        {"nudge.config{sync = {caldav = 'https://h/', user = 5}}", "'user' must be the login name"},
        {"nudge.config{sync = {caldav = 'https://h/', every = '59s'}}", "'every' must be between 1min and 1d"},
        {"nudge.config{sync = {caldav = 'https://h/', every = '25h'}}", "'every' must be between 1min and 1d"},
        {"nudge.config{sync = {caldav = 'https://h/', every = 'often'}}", "bad time span \"often\""},
        {"nudge.config{sync = {caldav = 'https://h/', every = {}}}", "sync.every must be a span"},
        {"nudge.config{sync = {caldav = 'https://h/', days = 0}}", "'days' must be a whole number from 1 to 60"},
        {"nudge.config{sync = {caldav = 'https://h/', days = 61}}", "'days' must be a whole number"},
        {"nudge.config{sync = {caldav = 'https://h/', days = 1.5}}", "'days' must be a whole number"},
        {"nudge.config{sync = {caldav = 'https://h/', url = 'x', dayz = 3}}",
         "config 'sync': unknown field 'dayz' (did you mean 'days'?)"},
        {"nudge.config{sync = {caldav = 'https://h/', 'anna'}}", "config 'sync': "},
        {"nudge.config{snyc = {}}", "config: unknown field 'snyc' (did you mean 'sync'?)"},
        {"nudge.notify{title = 'x', discreet = 1}", "notify field 'discreet' must be true or false, not number"},
        {"nudge.config{pause = '2026-12-24'}", "config 'pause' must be a list of dates or ranges"},
        {"nudge.config{pause = {'2026-12-24', 5}}", "config 'pause'[2]: must be a string, not number"},
        {"nudge.config{pause = {'2026-12-24..soon'}}",
         "config 'pause'[1]: bad timestamp \"soon\""},
        {"nudge.config{pause = {'2026-12-26..2026-12-24'}}",
         "config 'pause'[1]: \"2026-12-26..2026-12-24\" ends before it begins"},
        {"nudge.config{pause = {'2026-12-24 18:00'}}",
         "config 'pause'[1]: \"2026-12-24 18:00\" is not a date like"},
        {"nudge.config{pause = {'2026-12-24..'}}", "config 'pause'[1]: a side of the range is empty"},
        /* mktime would quietly move it to March 2 and pause that day instead. */
        {"nudge.config{pause = {'2026-02-30'}}",
         "config 'pause'[1]: 2026-02-30 is not a day of the calendar"},
        {"nudge.config{pause = {'2026-11-31 18:00..2026-12-02'}}",
         "config 'pause'[1]: 2026-11-31 is not a day of the calendar"},
        {"nudge.config{pause = {from = '2026-12-24'}}", "must be a list (of strings)"},
        {"nudge.config{pause = {('x'):rep(300)}}", "config 'pause'[1]: longer than 256 bytes"},
        {"local t = {} for i = 1, 1001 do t[i] = '2026-12-24' end nudge.config{pause = t}",
         "config 'pause' has more than 1000 entries"},
        {"nudge.time({})", "expected a time (\"2026-12-24 18:00\"), a calendar event"},
        {"nudge.time('someday')", "\"someday\" is neither a time (cannot read \"someday\""},
        {"nudge.span({})", "span must be a span"},
        {"nudge.span('5q')", "bad time span \"5q\""},
        {"nudge.date('%Y', {})", "expected a time (\"2026-12-24 18:00\"), a calendar event"},
        {"nudge.days_since()", "no argument and no nudge.config{since=...}"},
        {"nudge.days_since({})", "expected a time (\"2026-11-01\", \"-7d\")"},
        {"nudge.days_since('Sun 09:00')", "\"Sun 09:00\" is a calendar event, whose next time"},
        {"nudge.random(0)", "interval is empty"},
        {"nudge.random(5, 1)", "interval is empty"},
        {"nudge.random('x')", "number expected"},
        {"nudge.random(1.5)", "number has no integer representation"},
        {"nudge.store.get({})", "string expected"},
        {"nudge.store.set('k', function() end)", "cannot store a function"},
        {"nudge.store.set('k', {f = print})", "cannot store a function"},
        {"local t = {} t.t = t nudge.store.set('k', t)", "nested too deeply"},
        {"nudge.store.set('k', {[{}] = 1})", "table keys must be"},
        {"nudge.on('*:*:0/0.000001', function() end)",
         "calendar event \"*:*:0/0.000001\" repeats more often than every 1s"},
        {"nudge.on('*:*:0,0.5', function() end)", "repeats more often than every 1s"},
        {"local s = ('x'):rep(1 << 20) nudge.store.set('k', {s, s})",
         "nudge.store: value too large (over 1024 KiB serialized)"},
        {"local s = ('x'):rep(1 << 20) local t = {} for i = 1, 2000 do t[i] = s end "
         "nudge.store.set('k', t)",
         "value too large"},
        {"local t = {} for i = 1, 36000 do t[i] = 'abcdefghij' .. i end nudge.store.set('big', t) "
         "t = nil collectgarbage() "
         "nudge.config{limits = {memory = math.floor(collectgarbage('count') * 1024) + (3 << 19)}} "
         "nudge.store.get('big')",
         "nudge.store.get: memory limit exceeded reading 'big'"},
        {"nudge.config{limits = {time = '1h'}}", "limits.time must be between 10ms and 10s"},
        {"nudge.config{limits = {time = 'soon'}}", "bad time span"},
        {"nudge.config{limits = {time = '20ms', instructions = 1000000000}} while true do end",
         "time limit exceeded (callback ran over 20 ms)"},
        {"setmetatable({}, {__gc = print})", "__gc finalizers are not allowed in rules"},
        {"nudge.listen('x')", "function expected"},
        {"nudge.listen('', function() end)", "empty event name"},
        {"nudge.listen({}, function() end)", "string expected"},
        {"require 'io'", "module 'io' not available"},
        {"local x = nudge.nope + 1", "unknown name 'nudge.nope' (nudge-rules(5) lists every name nudge has)"},
        {"nudge.patiance{}", "unknown name 'nudge.patiance' (did you mean 'nudge.patience'?)"},
        {"local gestures = {}; local n = #gestrues", "unknown name 'gestrues' (did you mean 'gestures'?)"},
        {"local ok = rawget(nudge, 'nope') == nil and nudge.notfy", "(did you mean 'nudge.notify'?)"},
        {"local x = not_defined", "unknown name 'not_defined'"},
        {"error('boom')", "boom"},
        {"local h = nudge.every('1h', function() end) h.cancel(5)", "reminder expected"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char name[32];
        snprintf(name, sizeof name, "e%zu.lua", i);
        const char *p = rule_file(name, "-- line 1\nlocal x = 1\n%s\n", cases[i].code);
        struct run r;
        if (run_load(&r, cet(2026, 11, 23, 0, 0), 1, &p, 1))
            fail_msg("case %zu (%s) loaded", i, cases[i].code);
        assert_int_equal(r.errors.n, 1);
        char prefix[160];
        snprintf(prefix, sizeof prefix, "%s:3: ", p);
        const char *e = r.errors.v[0];
        if (strncmp(e, prefix, strlen(prefix)) || !strstr(e, cases[i].want))
            fail_msg("case %zu (%s): got \"%s\", want \"%s...%s\"", i, cases[i].code, e, prefix,
                     cases[i].want);
        free(run_end(&r));
    }
}

/* SPEC 2.5: an API call that fails at load is recorded and the file goes on; every file's
 * errors come in the order of their lines; the set is not loaded. Body functions are tried
 * only when asked (--check), never by the daemon's load. */
static void test_load_goes_on_after_api_errors(void **state)
{
    (void)state;
    const char *a = rule_file("go-a.lua", "local h = nudge.every('5q', function() end)\n"
                                          "h:cancel()\n"
                                          "nudge.every('1h', function() end)\n"
                                          "local function later() nudge.span('7x') end\n"
                                          "nudge.config{discreet = 1}\n"
                                          "later()\n");
    const char *b = rule_file("go-b.lua", "\nnudge.time('soonish')\n");
    const char *ps[] = {a, b};
    struct run r;
    assert_null(run_load(&r, cet(2026, 11, 23, 0, 0), 1, ps, 2));
    assert_int_equal(r.errors.n, 4);
    const char *want[] = {"go-a.lua:1: bad time span \"5q\"", "go-a.lua:4: bad time span \"7x\"",
                          "go-a.lua:5: config 'discreet' must be true or false",
                          "go-b.lua:2: \"soonish\" is neither a time"};
    for (size_t i = 0; i < 4; i++)
        if (!strstr(r.errors.v[i], want[i]))
            fail_msg("error %zu: got \"%s\", want \"...%s...\"", i, r.errors.v[i], want[i]);
    free(run_end(&r));

    /* A failing body function is no error of the daemon's load (it fails when it fires). */
    const char *c = rule_file("go-c.lua", "nudge.config{since = '2026-11-01'}\n"
                                          "nudge.milestone{body = function(ctx) return ctx.x .. '' end}\n");
    load_ok(&r, cet(2026, 11, 23, 0, 0), 1, c);
    assert_int_equal(r.errors.n, 0);
    free(run_end(&r));
}

static void test_syntax_error_and_every_file_tried(void **state)
{
    (void)state;
    const char *a = rule_file("a.lua", "nudge.every('1h', function() end)\nif then\n");
    const char *b = rule_file("b.lua", "nudge.every('1h', function() end)\n");
    const char *c = rule_file("c.lua", "\n\nerror('third')\n");
    const char *ps[] = {a, b, c};
    struct run r;
    assert_null(run_load(&r, cet(2026, 11, 23, 0, 0), 1, ps, 3));
    assert_int_equal(r.errors.n, 2);
    char want[160];
    snprintf(want, sizeof want, "%s:2:", a);
    assert_memory_equal(r.errors.v[0], want, strlen(want));
    snprintf(want, sizeof want, "%s:3: third", c);
    assert_string_equal(r.errors.v[1], want);
    free(run_end(&r));

    const char *missing = "/nonexistent/nudge/rules.lua";
    assert_null(run_load(&r, cet(2026, 11, 23, 0, 0), 1, &missing, 1));
    assert_int_equal(r.errors.n, 1);
    assert_non_null(strstr(r.errors.v[0], "/nonexistent/nudge/rules.lua: cannot open"));
    free(run_end(&r));
}

/* The missing-comma hint looks back over blank lines for the line without its comma: in one
 * pass, so a rule file of many blank lines gets its message at once (it took a scan of the
 * file per blank line: minutes for a megabyte, with the daemon's reload waiting). */
static void test_syntax_hint_many_blank_lines(void **state)
{
    (void)state;
    const char *a = rule_file("blank.lua", "x = {\n  a = 1\n%*s  b = 2 }\n", 400000, "");
    FILE *f = fopen(a, "r+");
    assert_non_null(f);
    fseek(f, 14, SEEK_SET); /* the spaces become blank lines */
    for (int i = 0; i < 400000; i++) fputc('\n', f);
    fclose(f);
    struct run r;
    clock_t t0 = clock();
    assert_null(run_load(&r, cet(2026, 11, 23, 0, 0), 1, &a, 1));
    double cpu = (double)(clock() - t0) / CLOCKS_PER_SEC;
    assert_true(cpu < 3.0);
    assert_int_equal(r.errors.n, 2);
    assert_non_null(strstr(r.errors.v[1], "a comma is probably missing at the end of line 2"));
    free(run_end(&r));
}

/* ---- ids and handles ---- */

static void test_ids(void **state)
{
    (void)state;
    const char *p =
        rule_file("ids.lua", "local f = function() end\n"
                             "local a = nudge.every('2h', f)\n"
                             "local b = nudge.every('2h', f)\n"
                             "local c = nudge.every(7200, f)\n"
                             "local d = nudge.on('20:30', f)\n"
                             "local e = nudge.after('90min', f)\n"
                             "local g = nudge.every('1h', f, {id = 'mine'})\n"
                             "assert(a.id == 'every:2h', a.id)\n"
                             "assert(b.id == 'every:2h#2', b.id)\n"
                             "assert(c.id == 'every:2h#3', c.id)\n"
                             "assert(d.id == 'on:*-*-* 20:30:00', d.id)\n"
                             "assert(e.id == 'after:1h 30min', e.id)\n"
                             "assert(g.id == 'mine')\n"
                             "assert(tostring(g) == 'reminder(mine)')\n"
                             "local ok, err = pcall(nudge.every, '3h', f, {id = 'mine'})\n"
                             "assert(not ok and err:find(\"duplicate id 'mine'\"), err)\n");
    struct run r;
    load_ok(&r, cet(2026, 11, 23, 0, 0), 1, p);
    free(run_end(&r));

    /* An unrelated rule added in front does not change the others' ids. */
    const char *q = rule_file("ids2.lua", "local f = function() end\n"
                                          "nudge.on('daily', f)\n"
                                          "nudge.every('5h', f)\n"
                                          "local a = nudge.every('2h', f)\n"
                                          "local b = nudge.every('2h', f)\n"
                                          "assert(a.id == 'every:2h' and b.id == 'every:2h#2')\n");
    load_ok(&r, cet(2026, 11, 23, 0, 0), 1, q);
    free(run_end(&r));

    const char *dup = rule_file("dup.lua", "local f = function() end\n"
                                           "nudge.every('1h', f, {id = 'x'})\n"
                                           "nudge.on('daily', f, {id = 'x'})\n");
    assert_null(run_load(&r, cet(2026, 11, 23, 0, 0), 1, &dup, 1));
    char want[160];
    snprintf(want, sizeof want, "%s:3: duplicate id 'x'", dup);
    assert_string_equal(r.errors.v[0], want);
    free(run_end(&r));
}

static void test_handles(void **state)
{
    (void)state;
    usec_t t0 = cet(2026, 11, 23, 0, 0);
    const char *p = rule_file(
        "handles.lua",
        "local n = 0\n"
        "local h\n"
        "h = nudge.every('1h', function(ev)\n"
        "  n = n + 1\n"
        "  assert(ev.id == h.id and ev.kind == 'notify')\n"
        "  assert(ev.scheduled == ev.fired and ev.fired == nudge.now())\n"
        "  assert(h:next() == nil) -- running now\n"
        "  nudge.notify{title = 'tick ' .. n .. ' ' .. os.date('%%H:%%M')}\n"
        "  if n == 3 then h:cancel() end\n"
        "end)\n"
        "assert(h:next() == %lld, h:next())\n"
        "local once = nudge.after('30min', function() nudge.notify{title = 'after'} end)\n"
        "assert(once:next() == %lld)\n"
        "local at = nudge.at('2026-11-23 05:00', function() nudge.notify{title = 'at'} end)\n"
        "local gone = nudge.at('2026-11-23 06:00', function() nudge.notify{title = 'gone'} end)\n"
        "gone:cancel() gone:cancel()\n"
        "assert(gone:next() == nil)\n"
        "local past = nudge.at('2026-11-22 12:00', function() nudge.notify{title = 'past'} end)\n"
        "nudge.every('2h', function()\n"
        "  nudge.notify{title = 'at next ' .. tostring(at:next()) .. ' once ' .. "
        "tostring(once:next())}\n"
        "end, {id = 'asker'})\n",
        (long long)secs(t0 + H), (long long)secs(t0 + 30 * 60 * S));
    struct run r;
    load_ok(&r, t0, 1, p);
    assert_int_equal(r.warnings.n, 1);
    char want[200];
    snprintf(want, sizeof want, "%s:18: time Sun 2026-11-22 12:00:00 CET is in the past", p);
    assert_memory_equal(r.warnings.v[0], want, strlen(want));
    run_until(&r, t0 + 7 * H);
    char *out = run_end(&r);
    char expect[2048];
    snprintf(expect, sizeof expect,
             "{\"at\":\"2026-11-23T00:30:00+01:00\",\"id\":\"after:30min\",\"kind\":\"notify\","
             "\"title\":\"after\",\"body\":\"\",\"actions\":[]}\n"
             "{\"at\":\"2026-11-23T01:00:00+01:00\",\"id\":\"every:1h\",\"kind\":\"notify\","
             "\"title\":\"tick 1 01:00\",\"body\":\"\",\"actions\":[]}\n"
             "{\"at\":\"2026-11-23T02:00:00+01:00\",\"id\":\"every:1h\",\"kind\":\"notify\","
             "\"title\":\"tick 2 02:00\",\"body\":\"\",\"actions\":[]}\n"
             "{\"at\":\"2026-11-23T02:00:00+01:00\",\"id\":\"asker\",\"kind\":\"notify\","
             "\"title\":\"at next %lld once nil\",\"body\":\"\",\"actions\":[]}\n"
             "{\"at\":\"2026-11-23T03:00:00+01:00\",\"id\":\"every:1h\",\"kind\":\"notify\","
             "\"title\":\"tick 3 03:00\",\"body\":\"\",\"actions\":[]}\n"
             "{\"at\":\"2026-11-23T04:00:00+01:00\",\"id\":\"asker\",\"kind\":\"notify\","
             "\"title\":\"at next %lld once nil\",\"body\":\"\",\"actions\":[]}\n"
             "{\"at\":\"2026-11-23T05:00:00+01:00\",\"id\":\"at:Mon 2026-11-23 05:00:00 CET\","
             "\"kind\":\"notify\",\"title\":\"at\",\"body\":\"\",\"actions\":[]}\n"
             "{\"at\":\"2026-11-23T06:00:00+01:00\",\"id\":\"asker\",\"kind\":\"notify\","
             "\"title\":\"at next nil once nil\",\"body\":\"\",\"actions\":[]}\n",
             (long long)secs(t0 + 5 * H), (long long)secs(t0 + 5 * H));
    assert_string_equal(out, expect);
    free(out);
}

/* ---- failures ---- */

static void test_failing_rule_disabled(void **state)
{
    (void)state;
    const char *p =
        rule_file("fail.lua", "local n, m = 0, 0\n"
                              "nudge.every('1h', function() n = n + 1\n"
                              "  error('boom ' .. n) end, {id = 'bad'})\n"
                              "nudge.every('1h', function()\n"
                              "  m = m + 1 if m %% 2 == 1 then error('odd') end\n"
                              "  nudge.notify{title = 'flaky ' .. m}\n"
                              "end, {id = 'flaky'})\n"
                              "nudge.every('1h', function() nudge.notify{title = 'good'} end,"
                              " {id = 'good'})\n");
    usec_t t0 = cet(2026, 11, 23, 0, 0);
    struct run r;
    load_ok(&r, t0, 1, p);
    log_setup(LOG_LVL_DEBUG, false);
    log_begin();
    run_until(&r, t0 + 5 * H + 1);
    char *log = log_end();
    log_setup(LOG_LVL_INFO, false);
    char want[256];
    for (int i = 1; i <= 3; i++) {
        snprintf(want, sizeof want, "%s:3: boom %d (reminder 'bad')", p, i);
        assert_in_log(log, want);
    }
    snprintf(want, sizeof want, "%s:3: boom 4", p);
    assert_null(strstr(log, want));
    assert_non_null(strstr(log, "stack traceback:"));
    snprintf(want, sizeof want, "%s:2: reminder 'bad' failed 3 times in a row", p);
    assert_in_log(log, want);
    if (strstr(log, "reminder 'flaky' failed")) fail_msg("flaky was disabled:\n%s", log);
    free(log);
    size_t good = 0, flaky = 0, disabled = 0;
    char *out = run_end(&r);
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
        if (strstr(line, "\"title\":\"good\"")) good++;
        if (strstr(line, "\"title\":\"flaky ")) flaky++;
        if (strstr(line, "\"title\":\"nudge: a rule was disabled: bad\"")) {
            /* SPEC 2.3: the notice names the reminder and the file:line that registered it. */
            disabled++;
            assert_non_null(strstr(line, "\"at\":\"2026-11-23T03:00:00+01:00\",\"id\":\"bad\""));
            snprintf(want, sizeof want, "(%s:2) failed 3 times in a row", p);
            assert_non_null(strstr(line, want));
            assert_non_null(strstr(line, "boom 3"));
        }
    }
    assert_int_equal(good, 5);
    assert_int_equal(flaky, 2); /* m = 2, 4 */
    assert_int_equal(disabled, 1);
    free(out);
}

static void test_callback_limits(void **state)
{
    (void)state;
    const char *p =
        rule_file("limits.lua",
                  "nudge.config{limits = {instructions = 2000000, memory = '16M', time = '10s'}}\n"
                  "nudge.every('1h', function()\n"
                  "  while true do pcall(function() while true do end end) end\n"
                  "end, {id = 'spin'})\n"
                  "nudge.every('1h', function()\n"
                  "  local t = {} while true do t[#t + 1] = ('x'):rep(1000) .. #t end\n"
                  "end, {id = 'hog'})\n"
                  "nudge.every('1h', function()\n"
                  "  error(setmetatable({}, {__tostring = function() error('x') end}))\n"
                  "end, {id = 'weird'})\n"
                  "nudge.every('1h', function() error(nil) end, {id = 'nil'})\n"
                  "nudge.every('1h', function() nudge.notify{title = 'alive'} end, {id = 'ok'})\n");
    usec_t t0 = cet(2026, 11, 23, 0, 0);
    struct run r;
    load_ok(&r, t0, 1, p);
    log_begin();
    run_until(&r, t0 + 4 * H + 1);
    char *log = log_end();
    char want[256];
    snprintf(want, sizeof want, "%s:3: instruction budget exceeded", p);
    assert_in_log(log, want);
    snprintf(want, sizeof want, "%s:6: memory limit exceeded", p);
    assert_in_log(log, want);
    assert_non_null(strstr(log, "(reminder 'weird')"));
    assert_non_null(strstr(log, "(reminder 'nil')"));
    char *out = run_end(&r);
    size_t alive = 0, disabled = 0;
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
        alive += strstr(line, "\"title\":\"alive\"") != NULL;
        disabled += strstr(line, "a rule was disabled") != NULL;
    }
    assert_int_equal(alive, 4);
    assert_int_equal(disabled, 4);
    free(log);
    free(out);
}

/* ---- events ---- */

static void test_listen_emit(void **state)
{
    (void)state;
    const char *p = rule_file(
        "listen.lua", "nudge.listen('conflict', function(ev)\n"
                      "  nudge.notify{title = 'wait before you reply', body = ev.name .. ' ' .. "
                      "tostring(ev.data.who) .. ' ' .. tostring(ev.data.level)}\n"
                      "  nudge.after('20min', function() nudge.notify{title = 'reply now'} end)\n"
                      "end)\n"
                      "nudge.listen('conflict', function(ev) error('second listener') end)\n"
                      "nudge.listen('conflict', function(ev) nudge.notify{title = 'third'} end)\n");
    usec_t t0 = cet(2026, 11, 23, 0, 0);
    struct run r;
    load_ok(&r, t0, 1, p);
    r.clock.t = t0 + 10 * 60 * S;
    const char *kv[] = {"who", "me", "level", "3"};
    log_begin();
    ruleset_emit(r.rs, "conflict", kv, 2, NULL, NULL, NULL, 0);
    ruleset_emit(r.rs, "nobody-listens", NULL, 0, NULL, NULL, NULL, 0);
    char *log = log_end();
    char want[256];
    snprintf(want, sizeof want, "%s:5: second listener (listener for 'conflict')", p);
    assert_in_log(log, want);
    free(log);
    run_until(&r, t0 + H);
    char *out = run_end(&r);
    assert_string_equal(out,
                        "{\"at\":\"2026-11-23T00:10:00+01:00\",\"id\":\"\",\"kind\":\"notify\","
                        "\"title\":\"wait before you reply\",\"body\":\"conflict me 3\","
                        "\"actions\":[]}\n"
                        "{\"at\":\"2026-11-23T00:10:00+01:00\",\"id\":\"\",\"kind\":\"notify\","
                        "\"title\":\"third\",\"body\":\"\",\"actions\":[]}\n"
                        "{\"at\":\"2026-11-23T00:30:00+01:00\",\"id\":\"after:20min\","
                        "\"kind\":\"notify\",\"title\":\"reply now\",\"body\":\"\","
                        "\"actions\":[]}\n");
    free(out);
}

/* Each listener's result of one emit, as "o" ok, "f" failed, "F" failed and now disabled,
 * "d" disabled (not run); the errors joined after them. */
struct emit_log {
    char marks[16];
    char errors[2048];
};

static void emit_log_cb(void *ud, const struct ruleset_listener_result *r)
{
    struct emit_log *e = ud;
    static const char m[] = "ofd";
    char c = r->outcome == RULESET_LISTENER_FAILED && r->disabled ? 'F' : m[r->outcome];
    size_t n = strlen(e->marks);
    if (n + 1 < sizeof e->marks) e->marks[n] = c, e->marks[n + 1] = 0;
    assert_non_null(strstr(r->where, "listenfail.lua:"));
    assert_true((r->error != NULL) == (r->outcome == RULESET_LISTENER_FAILED));
    if (r->error) {
        size_t l = strlen(e->errors);
        snprintf(e->errors + l, sizeof e->errors - l, "%s|", r->error);
    }
}

/* SPEC 2.3 "Listeners fail loudly": each emit says every listener's outcome; 3 failures in a
 * row disable a listener (its notice says so once), a success in between resets the count,
 * and the disabled one is not run again while the others are. */
static void test_listen_failures(void **state)
{
    (void)state;
    const char *p = rule_file(
        "listenfail.lua",
        "local k = 0\n"
        "nudge.listen('conflict', function(ev) nudge.notify{title = 'ok ' .. ev.data.n} end)\n"
        "nudge.listen('conflict', function(ev)\n"
        "  return 'x' .. ev.data.missing end)\n"
        "nudge.listen('conflict', function(ev) k = k + 1\n"
        "  if k %% 2 == 0 then error('even ' .. k) end end)\n");
    static const struct {
        const char *marks; /* ok listener, failing one, flaky one */
        int ran;
        const char *error; /* in errors, NULL: none */
    } rows[] = {
        {"ofo", 3, ":4: attempt to concatenate a nil value (field 'missing')"},
        {"off", 3, ":6: even 2"},
        {"oFo", 3, ":4: attempt to concatenate"}, /* third in a row: disabled */
        {"odf", 2, ":6: even 4"},                 /* not run; flaky never 3 in a row */
        {"odo", 2, NULL},
    };
    usec_t t0 = cet(2026, 11, 23, 0, 0);
    struct run r;
    load_ok(&r, t0, 1, p);
    enum { ROWS = sizeof rows / sizeof *rows };
    struct emit_log e[ROWS] = {0};
    int ran[ROWS];
    log_begin(); /* the log is read back, so the checks come after it */
    for (size_t i = 0; i < ROWS; i++) {
        char n[8];
        snprintf(n, sizeof n, "%zu", i);
        const char *kv[] = {"n", n};
        ran[i] = ruleset_emit(r.rs, "conflict", kv, 1, emit_log_cb, &e[i], NULL, 0);
    }
    char *log = log_end();
    for (size_t i = 0; i < ROWS; i++) {
        if (strcmp(e[i].marks, rows[i].marks) || ran[i] != rows[i].ran)
            fail_msg("emit %zu: %s (%d ran), want %s (%d)", i, e[i].marks, ran[i], rows[i].marks,
                     rows[i].ran);
        if (rows[i].error && !strstr(e[i].errors, rows[i].error))
            fail_msg("emit %zu: errors \"%s\" lack \"%s\"", i, e[i].errors, rows[i].error);
        if (rows[i].error && strncmp(e[i].errors, p, strlen(p)))
            fail_msg("emit %zu: error \"%s\" does not start with the file", i, e[i].errors);
        if (!rows[i].error) assert_string_equal(e[i].errors, "");
    }
    char want[512];
    snprintf(want, sizeof want, "%s:3: listener 'listen:conflict' failed 3 times in a row; "
                                "disabled until the next reload", p);
    assert_in_log(log, want);
    free(log);
    char *out = run_end(&r);
    size_t oks = 0, notices = 0;
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
        oks += strstr(line, "\"title\":\"ok ") != NULL;
        if (strstr(line, "\"title\":\"nudge: a rule was disabled: listen:conflict\"")) {
            notices++;
            assert_non_null(strstr(line, "\"id\":\"listen:conflict\""));
            assert_non_null(strstr(line, "attempt to concatenate"));
            assert_non_null(strstr(line, ".lua:3)")); /* where the listener was registered */
        }
    }
    assert_int_equal(oks, 5);
    assert_int_equal(notices, 1);
    free(out);
}

/* ---- calendar UIDs (SPEC 2.3) ---- */

/* A backend that keeps each notification's calendar UID and time. */
struct uid_capture {
    struct notify_backend base;
    char uid[64][LEDGER_UID_MAX];
    usec_t at[64];
    size_t n;
};

static int uid_show(struct notify_backend *self, const struct notification *n, usec_t at,
                    uint32_t *id, char *err, size_t errsz)
{
    (void)err, (void)errsz;
    struct uid_capture *c = (struct uid_capture *)self;
    assert_non_null(n->uid);
    if (c->n < 64) {
        snprintf(c->uid[c->n], LEDGER_UID_MAX, "%s", n->uid);
        c->at[c->n] = at;
    }
    *id = (uint32_t)++c->n;
    return 0;
}

/* A week of a plain, a windowed, a jittered reminder and a windowed check-in, under two
 * seeds: the random times differ, the UIDs do not (id + local date for window and jitter,
 * id + time for the plain one). */
static void test_uids_stable_across_seeds(void **state)
{
    (void)state;
    const char *p = rule_file(
        "uids.lua",
        "nudge.on('20:30', function() nudge.notify{title = 'plain'} end, {id = 'plain'})\n"
        "nudge.on('daily', function() nudge.notify{title = 'win'} end,\n"
        "  {id = 'win', window = '10:00..18:00'})\n"
        "nudge.on('07:00', function() nudge.notify{title = 'jit'} end,\n"
        "  {id = 'jit', jitter = '3h'})\n"
        "nudge.checkin{id = 'talk', when = 'daily', window = '19:00..21:00', title = 'Talk',\n"
        "  body = 'How are we?'}\n");
    usec_t t0 = cet(2026, 11, 23, 0, 0);
    static struct uid_capture got[2];
    for (int k = 0; k < 2; k++) {
        struct run r;
        load_ok(&r, t0, k ? 987654321 : 1, p);
        memset(&got[k], 0, sizeof got[k]);
        got[k].base.name = "uids";
        got[k].base.show = uid_show;
        r.host.bh.backend = &got[k].base;
        run_until(&r, t0 + 7 * DAY);
        free(run_end(&r));
    }
    assert_int_equal(got[0].n, 28);
    assert_int_equal(got[1].n, 28);
    bool some_time_differs = false;
    for (size_t i = 0; i < 28; i++) {
        /* Each UID of the first run is in the second, once. */
        bool found = false;
        for (size_t j = 0; j < 28 && !found; j++) {
            if (strcmp(got[0].uid[i], got[1].uid[j])) continue;
            found = true;
            some_time_differs |= got[0].at[i] != got[1].at[j];
        }
        if (!found) fail_msg("UID %s of seed 1 is not in seed 2's run", got[0].uid[i]);
        for (size_t j = 0; j < i; j++)
            if (!strcmp(got[0].uid[i], got[0].uid[j])) fail_msg("UID %s twice", got[0].uid[i]);
    }
    assert_true(some_time_differs);
    static const char *const want[] = {"plain-20261123T193000Z@nudge", "win-20261123@nudge",
                                       "jit-20261129@nudge", "talk-20261125@nudge"};
    for (size_t w = 0; w < sizeof want / sizeof *want; w++) {
        bool found = false;
        for (size_t i = 0; i < 28; i++) found |= !strcmp(got[0].uid[i], want[w]);
        if (!found) fail_msg("no UID %s", want[w]);
    }
}

/* ---- memory safety: what C holds while rule code runs ---- */

/* A callback that cancels its own reminder, drops the handle and collects garbage twice must
 * not free the reminder C is running (ASan: heap-use-after-free in l_notify / guarded_call). */
static void test_self_cancel_collect(void **state)
{
    (void)state;
    const char *p = rule_file(
        "selfcancel.lua",
        "local function churn() local t = {} for i = 1, 2000 do t[i] = ('y'):rep(64) .. i end end\n"
        "local h\n"
        "h = nudge.every('1h', function()\n"
        "  h:cancel() h = nil collectgarbage() collectgarbage() churn()\n"
        "  nudge.notify{title = 'after cancel'}\n"
        "end, {id = 'selfcancel'})\n"
        "local g\n"
        "g = nudge.every('1h', function()\n"
        "  g:cancel() g = nil collectgarbage() collectgarbage() churn()\n"
        "  error('failed after cancel')\n"
        "end, {id = 'selfcancel_err'})\n"
        "local k\n"
        "k = nudge.every('1d', function()\n"
        "  k:cancel() k = nil collectgarbage() collectgarbage() churn()\n"
        "  nudge.notify{title = 'by hand'}\n"
        "end, {id = 'hand'})\n");
    usec_t t0 = cet(2026, 11, 23, 0, 0);
    struct run r;
    load_ok(&r, t0, 1, p);
    char err[256];
    assert_int_equal(ruleset_fire_now(r.rs, "hand", err, sizeof err), 1); /* it showed one */
    assert_int_equal(ruleset_fire_now(r.rs, "hand", err, sizeof err), -ENOENT);
    log_begin();
    run_until(&r, t0 + 3 * H);
    char *log = log_end();
    char want[256];
    snprintf(want, sizeof want, "%s:10: failed after cancel (reminder 'selfcancel_err')", p);
    assert_in_log(log, want);
    free(log);
    assert_int_equal(ruleset_reminder_count(r.rs), 0);
    char *out = run_end(&r);
    assert_string_equal(out,
                        "{\"at\":\"2026-11-23T00:00:00+01:00\",\"id\":\"hand\",\"kind\":\"notify\","
                        "\"title\":\"by hand\",\"body\":\"\",\"actions\":[]}\n"
                        "{\"at\":\"2026-11-23T01:00:00+01:00\",\"id\":\"selfcancel\","
                        "\"kind\":\"notify\",\"title\":\"after cancel\",\"body\":\"\","
                        "\"actions\":[]}\n");
    free(out);
}

/* Tables given to the API are read raw: a metatable's __index that makes fresh strings and
 * collects garbage between fields runs no code there and leaves no dangling char *. */
static void test_api_tables_read_raw(void **state)
{
    (void)state;
    const char *p = rule_file(
        "proxy.lua",
        "local function fresh(t, k)\n"
        "  collectgarbage() collectgarbage()\n"
        "  if k == 'title' or k == 'body' or k == 'id' or k == 'label' then\n"
        "    return k .. ('!'):rep(40) .. math.random()\n"
        "  end\n"
        "end\n"
        "nudge.every('1h', function()\n"
        "  local ok, e = pcall(nudge.notify, setmetatable({}, {__index = fresh}))\n"
        "  nudge.notify{title = 'proxy: ' .. tostring(e)}\n"
        "  ok, e = pcall(nudge.notify, {title = 'a', actions = {setmetatable({}, {__index = fresh})}})\n"
        "  nudge.notify{title = 'action: ' .. tostring(e)}\n"
        "  local defaults = setmetatable({title = 'own'}, {__index = fresh})\n"
        "  nudge.notify(defaults)\n"
        "  nudge.notify{title = 12345, body = 678.5}\n"
        "end, {id = 'proxy'})\n");
    usec_t t0 = cet(2026, 11, 23, 0, 0);
    char *out = preview(p, t0, t0 + H + 1, 1);
    assert_string_equal(out,
                        "{\"at\":\"2026-11-23T01:00:00+01:00\",\"id\":\"proxy\",\"kind\":\"notify\","
                        "\"title\":\"proxy: notify: 'title' is required\",\"body\":\"\","
                        "\"actions\":[]}\n"
                        "{\"at\":\"2026-11-23T01:00:00+01:00\",\"id\":\"proxy\",\"kind\":\"notify\","
                        "\"title\":\"action: notify: action without a string 'id'\",\"body\":\"\","
                        "\"actions\":[]}\n"
                        "{\"at\":\"2026-11-23T01:00:00+01:00\",\"id\":\"proxy\",\"kind\":\"notify\","
                        "\"title\":\"own\",\"body\":\"\",\"actions\":[]}\n"
                        "{\"at\":\"2026-11-23T01:00:00+01:00\",\"id\":\"proxy\",\"kind\":\"notify\","
                        "\"title\":\"12345\",\"body\":\"678.5\",\"actions\":[]}\n");
    free(out);
}

/* A finalizer that runs while the state closes (reload, SIGTERM) and calls into the API: a
 * handle's methods do nothing, nudge.* raise; nothing crashes. (Rules may not be offered
 * __gc at all: then setmetatable refuses and there is nothing to run.) */
static void test_finalizer_at_close(void **state)
{
    (void)state;
    const char *p = rule_file(
        "gcclose.lua",
        "local h = nudge.every('1h', function() end, {id = 'victim'})\n"
        "local done = nudge.after('1min', function() end)\n"
        "local function fin()\n"
        "  h:cancel() done:cancel()\n"
        "  assert(h:next() == nil and h.id == 'victim')\n"
        "  nudge.after('1h', function() end)\n"
        "end\n"
        "local ok, o = pcall(setmetatable, {}, {__gc = fin})\n"
        "keeper = o\n"
        "nudge.every('1h', function()\n"
        "  local ok2, o2 = pcall(setmetatable, {}, {__gc = function() h:cancel() nudge.notify{title = 'x'} end})\n"
        "  keeper2 = o2\n"
        "end, {id = 'later'})\n");
    usec_t t0 = cet(2026, 11, 23, 0, 0);
    struct run r;
    load_ok(&r, t0, 1, p);
    run_until(&r, t0 + H + 1);
    free(run_end(&r));
}

/* A reload carries every reminder callbacks made, or fails whole and the old set runs on
 * unchanged, with the reason (a function that cannot be carried, the memory limit). */
static void test_reload_carries_all_or_nothing(void **state)
{
    (void)state;
    const char *p = rule_file(
        "carry.lua",
        "nudge.config{limits = {memory = '16M'}}\n"
        "nudge.listen('make', function(ev)\n"
        "  for i = 1, tonumber(ev.data.n) do\n"
        "    nudge.after('1d', function() nudge.notify{title = 'r' .. i} end)\n"
        "  end\n"
        "end)\n"
        "nudge.listen('co', function()\n"
        "  local co = coroutine.create(function() end)\n"
        "  nudge.after('2d', function() coroutine.resume(co) end, {id = 'holds_co'})\n"
        "end)\n");
    usec_t t0 = cet(2026, 11, 23, 0, 0);
    static const struct {
        const char *event;
        int times, n;
        const char *want; /* NULL: the reload succeeds */
    } cases[] = {
        {"make", 1, 1000, NULL},
        {"co", 1, 0, "carry.lua:9: reminder 'holds_co' made at run time cannot be carried over: "
                     "its function uses 'co', which holds a coroutine"},
        {"make", 8, 4000, "reminders made at run time do not fit in the rules' memory limit "
                          "(16 MiB;"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct run r, r2;
        load_ok(&r, t0, 1, p);
        char n[16];
        snprintf(n, sizeof n, "%d", cases[i].n);
        const char *kv[] = {"n", n};
        for (int k = 0; k < cases[i].times; k++)
            ruleset_emit(r.rs, cases[i].event, kv, 1, NULL, NULL, NULL, 0);
        size_t before = ruleset_reminder_count(r.rs);
        assert_true(before > 0);
        struct ruleset *rs2 = run_load(&r2, t0, 1, &p, 1);
        assert_non_null(rs2);
        size_t kept;
        char err[1024] = "";
        int rc = ruleset_adopt(rs2, r.rs, &kept, err, sizeof err);
        if (!cases[i].want) {
            assert_int_equal(rc, 0);
            assert_int_equal(ruleset_reminder_count(rs2), before);
        } else {
            assert_int_equal(rc, -1);
            if (!strstr(err, cases[i].want)) fail_msg("got \"%s\", want \"%s\"", err, cases[i].want);
        }
        free(run_end(&r2));
        /* The old set is whole either way: everything it had still fires. */
        assert_int_equal(ruleset_reminder_count(r.rs), before);
        run_until(&r, t0 + 3 * DAY);
        assert_int_equal(ruleset_reminder_count(r.rs), 0);
        free(run_end(&r));
    }
}

/* A `when` keyed by phase made at run time (a callback) is carried over by a reload with its
 * segments, and keeps its plan: the months phase's Sunday 18:00. */
static void next_of(void *ud, const struct ruleset_reminder_info *info)
{
    if (!strcmp(info->id, "late")) *(usec_t *)ud = info->next;
}

static void test_reload_carries_segments(void **state)
{
    (void)state;
    const char *p = rule_file(
        "segs.lua",
        "nudge.config{since = '2026-11-01'}\n"
        "nudge.listen('make', function()\n"
        "  nudge.checkin{id = 'late', when = {early = '*-*-* 20:30', months = 'Sun 18:00'}}\n"
        "end)\n");
    usec_t t0 = cet(2026, 11, 23, 0, 0); /* the early phase ended on Nov 22 */
    struct run r, r2;
    load_ok(&r, t0, 1, p);
    ruleset_emit(r.rs, "make", NULL, 0, NULL, NULL, NULL, 0);
    usec_t next = 0;
    ruleset_each_reminder(r.rs, next_of, &next);
    assert_true(next == cet(2026, 11, 29, 18, 0));
    struct ruleset *rs2 = run_load(&r2, t0, 1, &p, 1);
    assert_non_null(rs2);
    size_t kept;
    char err[1024] = "";
    if (ruleset_adopt(rs2, r.rs, &kept, err, sizeof err) != 0) fail_msg("%s", err);
    free(run_end(&r));
    next = 0;
    ruleset_each_reminder(rs2, next_of, &next);
    assert_true(next == cet(2026, 11, 29, 18, 0));
    r2.rs = rs2;
    run_until(&r2, cet(2026, 12, 7, 0, 0));
    next = 0;
    ruleset_each_reminder(rs2, next_of, &next);
    assert_true(next == cet(2026, 12, 13, 18, 0));
    free(run_end(&r2));
}

/* The toolkit's store reads at the memory cap: rows become Lua values after the store's
 * cleanup ran, so a memory error there leaks nothing (LeakSanitizer) and is the rule's error. */
static void test_toolkit_rows_at_memory_cap(void **state)
{
    (void)state;
    const char *p = rule_file(
        "rows.lua",
        "nudge.config{limits = {memory = '16M'}}\n"
        "local T = nudge._toolkit\n"
        "for i = 1, 50 do T.gesture_add('g', ('gesture'):rep(20) .. i) end\n"
        "local hold\n"
        "local function add(sz) hold = {hold, ('x'):rep(sz)} end\n"
        "local sizes = {100000, 1000, 10}\n"
        "local failed = 0\n"
        "nudge.every('1h', function()\n"
        "  for i = 1, #sizes do while pcall(add, sizes[i]) do end end\n"
        "  for k = 1, 40 do -- frees a little each time: some read fits its table, not its rows\n"
        "    hold = hold[1]\n"
        "    if not pcall(T.gesture_recent, 'g', 50) then failed = failed + 1 end\n"
        "  end\n"
        "  hold = nil collectgarbage()\n"
        "  assert(#T.gesture_recent('g', 50) == 50)\n"
        "  nudge.notify{title = 'failed ' .. (failed > 0 and 'some' or 'none')}\n"
        "end, {id = 'rows'})\n");
    usec_t t0 = cet(2026, 11, 23, 0, 0);
    char *out = preview(p, t0, t0 + H + 1, 1);
    assert_non_null(strstr(out, "\"title\":\"failed some\""));
    free(out);
}

/* Loads with on_action/on_close kept (as the daemon does). */
static struct ruleset *run_load_interactive(struct run *r, usec_t from, const char *path)
{
    memset(r, 0, sizeof *r);
    clock_sim_init(&r->clock, from);
    r->mem = open_memstream(&r->out, &r->out_len);
    r->capture = notify_capture_new(r->mem, true);
    test_host_init(&r->host, r->capture, &r->clock.base);
    struct ruleset_options o = {.paths = &path, .n_paths = 1, .clock = &r->clock.base,
                                .host = &r->host.rh, .ledger = r->host.lg, .seed = 1,
                                .interactive = true};
    r->rs = ruleset_load(&o, &r->errors, &r->warnings);
    return r->rs;
}

/* Every entry from C into Lua is protected: with the state's memory at its cap, firing by hand
 * (which builds ev), an event, a notification's action and close, a nudgectl promise and a
 * reload each fail as an error, never as a Lua panic that aborts the daemon. */
static void test_entries_at_memory_cap(void **state)
{
    (void)state;
    const char *p = rule_file(
        "full.lua",
        "nudge.config{limits = {memory = '16M'}}\n"
        "local hold\n"
        "local function add(sz) hold = {hold, ('x'):rep(sz)} end\n"
        "local sizes = {100000, 1000, 10, 0}\n"
        "nudge.every('1h', function() -- leaves no garbage a collection could free\n"
        "  for i = 1, #sizes do while pcall(add, sizes[i]) do end end\n"
        "end, {id = 'fill'})\n"
        "nudge.every('1d', function(ev) nudge.notify{title = 'ev ' .. ev.id} end, {id = 'wants_ev'})\n"
        "nudge.listen('x', function(ev) nudge.log(ev.name) end)\n"
        "nudge.notify{title = 'cb', on_action = function(a, ev) nudge.log(a .. ev.id) end,\n"
        "             on_close = function(r, ev) nudge.log(r .. ev.id) end}\n");
    usec_t t0 = cet(2026, 11, 23, 0, 0);
    struct run r;
    if (!run_load_interactive(&r, t0, p)) fail_msg("%s did not load: %s", p, r.errors.n ? r.errors.v[0] : "");
    run_until(&r, t0 + H + 1); /* fill runs: the state sits at its cap */
    log_begin();
    char err[256];
    int rc = ruleset_fire_now(r.rs, "wants_ev", err, sizeof err);
    ruleset_emit(r.rs, "x", NULL, 0, NULL, NULL, NULL, 0);
    ruleset_notification_action(r.rs, 1, "done");
    ruleset_notification_closed(r.rs, 1, 2);
    ruleset_promise_added(r.rs, 1);
    /* A reload beside it (the new state is fresh): carries everything or fails whole. */
    struct run r2;
    struct ruleset *rs2 = run_load_interactive(&r2, t0 + H + 1, p);
    assert_non_null(rs2);
    size_t kept;
    char rerr[512];
    int arc = ruleset_adopt(rs2, r.rs, &kept, rerr, sizeof rerr);
    char *log = log_end();
    assert_int_not_equal(rc, 0);
    assert_in_log(log, "memory limit exceeded");
    assert_int_equal(arc, 0);
    free(log);
    free(run_end(&r2));
    free(run_end(&r));
}

/* The toolkit's scheduler of nudgectl promises is taken before any rule runs: a rule that
 * removes nudge._toolkit, or puts a table whose __index never returns in its place, changes
 * nothing for ruleset_promise_added(). */
static void test_toolkit_replaced(void **state)
{
    (void)state;
    static const char *const variants[] = {
        "nudge._toolkit = nil\n",
        "nudge._toolkit = setmetatable({}, {__index = function() while true do end end})\n",
        "local T = nudge._toolkit\n"
        "T.promise = function() error('hostile') end\n",
    };
    for (size_t i = 0; i < sizeof variants / sizeof *variants; i++) {
        const char *p = rule_file("toolkit.lua", "%s", variants[i]);
        usec_t t0 = cet(2026, 11, 23, 0, 0);
        struct run r;
        load_ok(&r, t0, 1, p);
        log_begin();
        ruleset_promise_added(r.rs, 1);
        char *log = log_end();
        if (i == 2) assert_in_log(log, "hostile (scheduling a promise's reminders)");
        free(log);
        free(run_end(&r));
    }
}

/* ---- fixtures under tests/data ---- */

static void test_fixtures(void **state)
{
    (void)state;
    const char *src = getenv("NUDGE_SRC");
    if (!src) skip();
    char path[512];
    snprintf(path, sizeof path, "%s/tests/data/good/weekly-plan.lua", src);
    usec_t t0 = cet(2026, 11, 23, 0, 0);
    char *a = preview(path, t0, t0 + 7 * DAY, 5), *b = preview(path, t0, t0 + 7 * DAY, 5);
    assert_string_equal(a, b);
    /* Mon..Fri 20:30 check-ins: five in the week; a gesture on each of 7 days. */
    size_t checkins = 0, gestures = 0;
    for (char *line = strtok(a, "\n"); line; line = strtok(NULL, "\n")) {
        if (strstr(line, "\"id\":\"evening\"")) {
            checkins++;
            assert_non_null(strstr(line, "T20:30:00+01:00"));
            assert_non_null(strstr(line, "\"actions\":[\"done\",\"skip\",\"snooze\"]"));
        }
        gestures += strstr(line, "\"id\":\"gesture\"") != NULL;
    }
    assert_int_equal(checkins, 5);
    assert_int_equal(gestures, 7);
    free(a);
    free(b);

    static const struct {
        const char *file;
        int line;
        const char *want;
    } bad[] = {
        {"bad-calendar.lua", 4, "bad calendar event \"Mon..Fir 9:00\": unknown weekday \"Fir\""},
        {"bad-window.lua", 3, "bad window \"25:00..26:00\""},
        {"duplicate-id.lua", 3, "duplicate id 'evening'"},
        {"typo-global.lua", 2, "unknown name 'nuge'"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        snprintf(path, sizeof path, "%s/tests/data/bad/%s", src, bad[i].file);
        const char *p = path;
        struct run r;
        assert_null(run_load(&r, t0, 1, &p, 1));
        assert_int_equal(r.errors.n, 1);
        char want[700];
        snprintf(want, sizeof want, "%s:%d: %s", path, bad[i].line, bad[i].want);
        /* Long paths are shortened by Lua ("..."): compare from the file name on. */
        const char *tail = strstr(want, bad[i].file);
        if (!strstr(r.errors.v[0], tail))
            fail_msg("%s: got \"%s\", want \"%s\"", bad[i].file, r.errors.v[0], tail);
        free(run_end(&r));
    }
}

static int setup(void **state)
{
    (void)state;
    setenv("TZ", "Europe/Berlin", 1);
    tzset();
    snprintf(tmpdir, sizeof tmpdir, "/tmp/nudge-unit-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

/* ---- quiet hours that drop a fire ---- */

struct fire_row {
    char answer[16], source[16];
    usec_t scheduled;
};

struct fire_rows {
    struct fire_row v[16];
    size_t n;
};

static int collect_fire(void *ud, const struct store_fire *f)
{
    struct fire_rows *rows = ud;
    if (rows->n == sizeof rows->v / sizeof *rows->v) return -1;
    struct fire_row *row = &rows->v[rows->n++];
    snprintf(row->answer, sizeof row->answer, "%s", f->answer ? f->answer : "");
    snprintf(row->source, sizeof row->source, "%s", f->source ? f->source : "");
    row->scheduled = f->scheduled;
    return 0;
}

/* SPEC 2.3: a fire quiet hours drop (quiet = "drop") is "silenced" with the reason "quiet":
 * one row at the dropped elapse, written once its time passed, whatever reloads meanwhile; the
 * other elapses fire as planned; --preview/--check (no history) write nothing. */
static void test_quiet_drop_silenced(void **state)
{
    (void)state;
    static const char rules[] =
        "nudge.config{quiet_hours = '%s'}\n"
        "nudge.on('*-*-* 06,12,18:00', function() nudge.notify{title = 'Tea'} end,\n"
        "         {id = 'tea', quiet = 'drop'})\n";
    usec_t t0 = cet(2026, 11, 23, 0, 0);
    static const struct {
        const char *name;
        int reload_h;      /* reload at this hour of the day (-1: none) */
        const char *quiet; /* the reloaded rules' quiet hours */
        bool history;      /* the daemon (true) or a preview */
        size_t silenced;
    } cases[] = {
        {"no reload", -1, NULL, true, 1},
        {"reload before the drop", 3, "22:00..07:00", true, 1},
        {"reload after the drop, before it is written", 9, "22:00..07:00", true, 1},
        {"reload after it is written", 13, "22:00..07:00", true, 1},
        {"quiet hours change on reload (re-plan)", 9, "21:00..07:30", true, 1},
        {"quiet hours change before the drop (re-plan)", 3, "21:00..07:30", true, 1},
        {"preview: nothing recorded", -1, NULL, false, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct clock_sim clock;
        clock_sim_init(&clock, t0);
        char *out = NULL;
        size_t out_len = 0;
        FILE *mem = open_memstream(&out, &out_len);
        struct notify_backend *capture = notify_capture_new(mem, true);
        struct test_host h;
        test_host_init(&h, capture, &clock.base);
        if (cases[i].history) h.bh.ledger = h.lg;
        const char *p = rule_file("quiet.lua", rules, "22:00..07:00");
        struct ruleset_options o = {.paths = &p, .n_paths = 1, .clock = &clock.base,
                                    .host = &h.rh, .ledger = h.lg, .seed = 1,
                                    .record_history = cases[i].history};
        struct ruleset *rs = ruleset_load(&o, NULL, NULL);
        assert_non_null(rs);
        usec_t end = t0 + DAY;
        for (int step = 0; step < 2; step++) {
            usec_t until = step == 0 && cases[i].reload_h >= 0 ? t0 + cases[i].reload_h * H : end;
            for (;;) {
                usec_t next = schedule_next_deadline(ruleset_schedule(rs));
                if (next >= until) break;
                if (next > clock.t) clock.t = next;
                ruleset_run_due(rs);
            }
            clock.t = until;
            if (until == end) break;
            p = rule_file("quiet.lua", rules, cases[i].quiet);
            struct ruleset *rs2 = ruleset_load(&o, NULL, NULL);
            assert_non_null(rs2);
            assert_int_equal(ruleset_adopt(rs2, rs, NULL, NULL, 0), 0);
            ruleset_free(rs);
            rs = rs2;
        }
        struct fire_rows rows = {0};
        assert_int_equal(store_history(h.st, 0, 0, collect_fire, &rows), 0);
        size_t silenced = 0, shown = 0;
        for (size_t k = 0; k < rows.n; k++) {
            if (!strcmp(rows.v[k].answer, "silenced")) {
                silenced++;
                assert_string_equal(rows.v[k].source, "quiet");
                assert_int_equal(secs(rows.v[k].scheduled), secs(t0 + 6 * H));
            } else {
                shown++;
                assert_true(rows.v[k].scheduled == t0 + 12 * H || rows.v[k].scheduled == t0 + 18 * H);
            }
        }
        if (silenced != cases[i].silenced || shown != (cases[i].history ? 2u : 0u))
            fail_msg("%s: %zu silenced, %zu shown", cases[i].name, silenced, shown);
        /* Shown either way, at 12:00 and 18:00 only: a drop shows nothing. */
        ruleset_free(rs);
        test_host_free(&h);
        notify_backend_free(capture);
        fclose(mem);
        assert_non_null(strstr(out, "Tea"));
        const char *second = strstr(strstr(out, "Tea") + 3, "Tea");
        assert_non_null(second);
        assert_null(strstr(second + 3, "Tea"));
        free(out);
    }
}


/* SPEC 2.4: dates in the rule file pause the plan. A due check-in is silenced ("silenced",
 * source "pause") and not caught up; the rules' own notifications and promises still come;
 * a date is the whole local day, a range of timestamps exactly that; T.paused says how. */
static void test_rule_pause_silenced(void **state)
{
    (void)state;
    static const char rules[] =
        "nudge.config{pause = {'2026-11-24', '2026-11-26 18:00..2026-11-27 09:00'}}\n"
        "nudge.checkin{id = 'talk', when = '*-*-* 20:30', title = 'Talk'}\n"
        "nudge.gesture{id = 'tea', when = '*-*-* 08:30', pool = {'Make tea'}}\n"
        "nudge.on('*-*-* 12:00', function()\n"
        "  local p = nudge._toolkit.paused()\n"
        "  nudge.notify{title = p and ('paused ' .. p.origin .. ' until ' ..\n"
        "    nudge.date('%d %H:%M', p['until'])) or 'lunch'}\n"
        "end, {id = 'lunch'})\n"
        "nudge.promise{id = 'shelf', text = 'Fix the shelf', due = '2026-11-24 19:00', remind = {}}\n";
    usec_t t0 = cet(2026, 11, 23, 0, 0);
    struct clock_sim clock;
    clock_sim_init(&clock, t0);
    char *out = NULL;
    size_t out_len = 0;
    FILE *mem = open_memstream(&out, &out_len);
    struct notify_backend *capture = notify_capture_new(mem, true);
    struct test_host h;
    test_host_init(&h, capture, &clock.base);
    h.bh.ledger = h.lg;
    const char *p = rule_file("pause.lua", "%s", rules);
    struct ruleset_options o = {.paths = &p, .n_paths = 1, .clock = &clock.base, .host = &h.rh,
                                .ledger = h.lg, .seed = 1, .record_history = true};
    struct strlist errs = {0};
    struct ruleset *rs = ruleset_load(&o, &errs, NULL);
    if (!rs) fail_msg("%s", errs.n ? errs.v[0] : "?");
    usec_t end = t0 + 5 * DAY;
    for (;;) {
        usec_t next = schedule_next_deadline(ruleset_schedule(rs));
        if (next >= end) break;
        if (next > clock.t) clock.t = next;
        ruleset_run_due(rs);
    }
    fflush(mem);
    /* Shown: talk on the 23rd, 25th and 27th; tea on all but the 24th and the 27th (08:30 is
     * inside the range ending 09:00); lunch every day, saying so while paused; the promise. */
#define AT(day, hm, id) "{\"at\":\"2026-11-" day "T" hm ":00+01:00\",\"id\":\"" id
    const char *want[] = {
        AT("23", "08:30", "tea"),  AT("23", "12:00", "lunch\",\"kind\":\"notify\",\"title\":\"lunch"),
        AT("23", "20:30", "talk"),
        AT("24", "12:00", "lunch\",\"kind\":\"notify\",\"title\":\"paused rules until 25 00:00"),
        AT("24", "19:00", "promise:shelf:due"), AT("25", "08:30", "tea"),
        AT("25", "20:30", "talk"), AT("26", "08:30", "tea"),
        AT("27", "12:00", "lunch\",\"kind\":\"notify\",\"title\":\"lunch"), AT("27", "20:30", "talk"),
    };
    for (size_t i = 0; i < sizeof want / sizeof *want; i++)
        if (!strstr(out, want[i])) fail_msg("not shown: %s\n%s", want[i], out);
    assert_null(strstr(out, AT("24", "20:30", "talk")));
    assert_null(strstr(out, AT("24", "08:30", "tea")));
    assert_null(strstr(out, AT("26", "20:30", "talk")));
    assert_null(strstr(out, AT("27", "08:30", "tea")));
#undef AT
    struct fire_rows rows = {0};
    assert_int_equal(store_history(h.st, 0, 0, collect_fire, &rows), 0);
    size_t silenced = 0;
    for (size_t k = 0; k < rows.n; k++)
        if (!strcmp(rows.v[k].answer, "silenced")) {
            silenced++;
            assert_string_equal(rows.v[k].source, "pause");
        }
    assert_int_equal(silenced, 4);
    /* The ledger knows the rule file's pauses: the report marks the days. */
    struct ledger_report r;
    assert_int_equal(ledger_report_compute(h.lg, clock.t, 5, NULL, NULL, &r), 0);
    assert_false(r.days[0].paused);
    assert_true(r.days[1].paused);
    assert_false(r.days[2].paused);
    assert_true(r.days[3].paused && r.days[4].paused);
    assert_int_equal(r.pauses.n, 2);
    ledger_report_free(&r);
    ruleset_free(rs);
    test_host_free(&h);
    notify_backend_free(capture);
    fclose(mem);
    free(out);
    strlist_free(&errs);
}

/* SPEC 7: a fire answered on a synced device before it came is not shown. The daemon records
 * it answered (source "sync") and says so in the log; a preview that records nothing (the
 * snapshot's ledger only read) does not show it either. Its callbacks are not kept, and
 * nudge.notify returns nil for it. */
static void test_held_answer_not_shown(void **state)
{
    (void)state;
    const char *rules = "nudge.on('*-*-* 20:30', function()\n"
                        "  local id = nudge.notify{title = 'talk', on_action = function() end}\n"
                        "  nudge.store.set('shown-' .. nudge.date('%d'), id ~= nil)\n"
                        "end, {id = 'talk'})\n";
    usec_t t0 = cet(2026, 11, 23, 0, 0);
    for (int record = 1; record >= 0; record--) {
        struct clock_sim clock;
        clock_sim_init(&clock, t0);
        char *out = NULL;
        size_t out_len = 0;
        FILE *mem = open_memstream(&out, &out_len);
        struct notify_backend *capture = notify_capture_new(mem, true);
        struct test_host h;
        test_host_init(&h, capture, &clock.base);
        if (record)
            h.bh.ledger = h.lg;
        else
            h.bh.simulated = h.lg;
        char uid[LEDGER_UID_MAX];
        usec_t at = cet(2026, 11, 24, 18, 2);
        ledger_fire_uid("talk", cet(2026, 11, 24, 20, 30), false, uid, sizeof uid);
        assert_int_equal(ledger_sync_answer(h.lg, uid, "talk", "done", at, at), 1);
        const char *p = rule_file("held.lua", "%s", rules);
        struct ruleset_options o = {.paths = &p, .n_paths = 1, .clock = &clock.base,
                                    .host = &h.rh, .ledger = h.lg, .seed = 1,
                                    .record_history = record, .interactive = true};
        struct strlist errs = {0};
        struct ruleset *rs = ruleset_load(&o, &errs, NULL);
        if (!rs) fail_msg("%s", errs.n ? errs.v[0] : "?");
        log_begin();
        usec_t end = t0 + 3 * DAY;
        for (;;) {
            usec_t next = schedule_next_deadline(ruleset_schedule(rs));
            if (next >= end) break;
            if (next > clock.t) clock.t = next;
            ruleset_run_due(rs);
        }
        char *log = log_end();
        fflush(mem);
#define AT(day) "{\"at\":\"2026-11-" day "T20:30:00+01:00\",\"id\":\"talk"
        assert_non_null(strstr(out, AT("23")));
        assert_null(strstr(out, AT("24")));
        assert_non_null(strstr(out, AT("25")));
#undef AT
        /* nudge.notify's return: an id, then nil, then an id. */
        void *v[3];
        size_t len[3];
        assert_int_equal(ledger_kv_get(h.lg, "shown-23", 64, &v[0], &len[0]), 0);
        assert_int_equal(ledger_kv_get(h.lg, "shown-24", 64, &v[1], &len[1]), 0);
        assert_int_equal(ledger_kv_get(h.lg, "shown-25", 64, &v[2], &len[2]), 0);
        assert_true(len[0] == len[2] && !memcmp(v[0], v[2], len[0]));
        assert_false(len[0] == len[1] && !memcmp(v[0], v[1], len[0]));
        for (int k = 0; k < 3; k++) free(v[k]);
        struct fire_rows rows = {0};
        assert_int_equal(store_history(h.st, 0, 0, collect_fire, &rows), 0);
        const char *answer;
        usec_t held_at;
        if (record) {
            assert_in_log(log, "'talk' not shown: answered on another device at 18:02");
            assert_int_equal(rows.n, 3); /* newest first */
            assert_string_equal(rows.v[1].answer, "done");
            assert_string_equal(rows.v[1].source, "sync");
            assert_int_equal(secs(rows.v[1].scheduled), secs(cet(2026, 11, 24, 20, 30)));
            assert_int_equal(ledger_sync_held(h.lg, uid, &answer, &held_at), -ENOENT);
        } else {
            /* Nothing recorded, the held answer left as it was. */
            assert_int_equal(rows.n, 0);
            assert_int_equal(ledger_sync_held(h.lg, uid, &answer, &held_at), 0);
        }
        free(log);
        ruleset_free(rs);
        test_host_free(&h);
        notify_backend_free(capture);
        fclose(mem);
        free(out);
        strlist_free(&errs);
    }
}

/* A fire the phone answered before it came shows none of its notifications (the second one
 * too), and the next day's fire shows as usual. */
static void test_held_answer_two_notifications(void **state)
{
    (void)state;
    const char *rules = "nudge.on('*-*-* 22:00', function()\n"
                        "  nudge.notify{title = 'two'}\n"
                        "  nudge.notify{title = 'two again'}\n"
                        "end, {id = 'two'})\n";
    usec_t t0 = cet(2026, 11, 24, 12, 0);
    struct clock_sim clock;
    clock_sim_init(&clock, t0);
    char *out = NULL;
    size_t out_len = 0;
    FILE *mem = open_memstream(&out, &out_len);
    struct notify_backend *capture = notify_capture_new(mem, true);
    struct test_host h;
    test_host_init(&h, capture, &clock.base);
    h.bh.ledger = h.lg;
    char two[LEDGER_UID_MAX];
    usec_t at = cet(2026, 11, 24, 18, 2);
    ledger_fire_uid("two", cet(2026, 11, 24, 22, 0), false, two, sizeof two);
    assert_int_equal(ledger_sync_answer(h.lg, two, "two", "skipped", at, at), 1);
    const char *p = rule_file("held2.lua", "%s", rules);
    struct ruleset_options o = {.paths = &p, .n_paths = 1, .clock = &clock.base, .host = &h.rh,
                                .ledger = h.lg, .seed = 1, .record_history = true,
                                .interactive = true};
    struct strlist errs = {0};
    struct ruleset *rs = ruleset_load(&o, &errs, NULL);
    if (!rs) fail_msg("%s", errs.n ? errs.v[0] : "?");
    for (;;) {
        usec_t next = schedule_next_deadline(ruleset_schedule(rs));
        if (next >= t0 + DAY + DAY / 2) break;
        if (next > clock.t) clock.t = next;
        ruleset_run_due(rs);
    }
    fflush(mem);
    /* Neither notification of the answered fire on the 24th; the 25th's shows. */
    assert_null(strstr(out, "{\"at\":\"2026-11-24T22:00:00+01:00\",\"id\":\"two"));
    assert_non_null(strstr(out, "{\"at\":\"2026-11-25T22:00:00+01:00\",\"id\":\"two"));
    struct fire_rows rows = {0};
    assert_int_equal(store_history(h.st, 0, 0, collect_fire, &rows), 0);
    /* Newest first: the 25th's two notifications (the second expires the first, as for any
     * reminder), then the 24th's one fire, answered from the phone. */
    assert_int_equal(rows.n, 3);
    assert_string_equal(rows.v[2].answer, "skipped");
    assert_string_equal(rows.v[2].source, "sync");
    assert_int_equal(secs(rows.v[2].scheduled), secs(cet(2026, 11, 24, 22, 0)));
    ruleset_free(rs);
    test_host_free(&h);
    notify_backend_free(capture);
    fclose(mem);
    free(out);
    strlist_free(&errs);
}

/* A phone's answer held for the fire of `id` at `scheduled` (a check-in, not by day) stands
 * when the rules then silence that fire: done (source sync), not "silenced", and the held
 * answer is used up. */
static void assert_held_answer_stands(const char *rules, const char *id, usec_t t0,
                                      usec_t scheduled)
{
    struct clock_sim clock;
    clock_sim_init(&clock, t0);
    char *out = NULL;
    size_t out_len = 0;
    FILE *mem = open_memstream(&out, &out_len);
    struct notify_backend *capture = notify_capture_new(mem, true);
    struct test_host h;
    test_host_init(&h, capture, &clock.base);
    h.bh.ledger = h.lg;
    char uid[LEDGER_UID_MAX];
    usec_t at = scheduled - 2 * H;
    ledger_fire_uid(id, scheduled, false, uid, sizeof uid);
    assert_int_equal(ledger_sync_answer(h.lg, uid, id, "done", at, at), 1);
    const char *p = rule_file("held3.lua", "%s", rules);
    struct ruleset_options o = {.paths = &p, .n_paths = 1, .clock = &clock.base, .host = &h.rh,
                                .ledger = h.lg, .seed = 1, .record_history = true,
                                .interactive = true};
    struct strlist errs = {0};
    struct ruleset *rs = ruleset_load(&o, &errs, NULL);
    if (!rs) fail_msg("%s", errs.n ? errs.v[0] : "?");
    for (;;) {
        usec_t next = schedule_next_deadline(ruleset_schedule(rs));
        if (next >= t0 + 2 * DAY) break;
        if (next > clock.t) clock.t = next;
        ruleset_run_due(rs);
    }
    struct fire_rows rows = {0};
    assert_int_equal(store_history(h.st, 0, 0, collect_fire, &rows), 0);
    size_t found = 0;
    for (size_t k = 0; k < rows.n; k++) {
        if (secs(rows.v[k].scheduled) != secs(scheduled)) continue;
        assert_string_equal(rows.v[k].answer, "done");
        assert_string_equal(rows.v[k].source, "sync");
        found++;
    }
    assert_int_equal(found, 1);
    const char *answer;
    usec_t held_at;
    assert_int_equal(ledger_sync_held(h.lg, uid, &answer, &held_at), -ENOENT);
    ruleset_free(rs);
    test_host_free(&h);
    notify_backend_free(capture);
    fclose(mem);
    free(out);
    strlist_free(&errs);
}

/* ... when a pause in the rule file covers the fire. */
static void test_held_answer_over_a_pause(void **state)
{
    (void)state;
    assert_held_answer_stands(
        "nudge.config{ pause = { '2026-11-25' } }\n"
        "nudge.checkin{ id = 'talk', when = '*-*-* 20:30', questions = { 'How was it?' } }\n",
        "talk", cet(2026, 11, 24, 12, 0), cet(2026, 11, 25, 20, 30));
}

/* ... when quiet hours drop the fire (quiet = "drop"): the drop is written when a later fire
 * comes, and the phone's answer is what it writes. */
static void test_held_answer_over_a_quiet_drop(void **state)
{
    (void)state;
    assert_held_answer_stands(
        "nudge.config{ quiet_hours = '22:00..07:00' }\n"
        "nudge.checkin{ id = 'tea', when = '*-*-* 06,12,18:00', quiet = 'drop' }\n",
        "tea", cet(2026, 11, 24, 0, 0), cet(2026, 11, 24, 6, 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_api_values),
        cmocka_unit_test(test_config_sync),
        cmocka_unit_test(test_preview_format),
        cmocka_unit_test(test_preview_summer_offset),
        cmocka_unit_test(test_preview_repeatable),
        cmocka_unit_test(test_errors_name_file_and_line),
        cmocka_unit_test(test_syntax_error_and_every_file_tried),
        cmocka_unit_test(test_syntax_hint_many_blank_lines),
        cmocka_unit_test(test_load_goes_on_after_api_errors),
        cmocka_unit_test(test_ids),
        cmocka_unit_test(test_handles),
        cmocka_unit_test(test_failing_rule_disabled),
        cmocka_unit_test(test_callback_limits),
        cmocka_unit_test(test_listen_emit),
        cmocka_unit_test(test_listen_failures),
        cmocka_unit_test(test_uids_stable_across_seeds),
        cmocka_unit_test(test_fixtures),
        cmocka_unit_test(test_self_cancel_collect),
        cmocka_unit_test(test_api_tables_read_raw),
        cmocka_unit_test(test_finalizer_at_close),
        cmocka_unit_test(test_entries_at_memory_cap),
        cmocka_unit_test(test_toolkit_replaced),
        cmocka_unit_test(test_reload_carries_all_or_nothing),
        cmocka_unit_test(test_reload_carries_segments),
        cmocka_unit_test(test_toolkit_rows_at_memory_cap),
        cmocka_unit_test(test_quiet_drop_silenced),
        cmocka_unit_test(test_rule_pause_silenced),
        cmocka_unit_test(test_held_answer_not_shown),
        cmocka_unit_test(test_held_answer_two_notifications),
        cmocka_unit_test(test_held_answer_over_a_pause),
        cmocka_unit_test(test_held_answer_over_a_quiet_drop),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
