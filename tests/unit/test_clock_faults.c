/* Clock faults at the rule-set level: whole rule files on a simulated clock that steps forward,
 * steps back, sleeps through fires and changes zone; reloads (ruleset_adopt) and what the
 * notification server reports back. Driven like src/daemon/preview.c; notifications are
 * captured as preview JSON lines and read back. Expected instants come from timegm and the
 * zones' known offsets (Berlin in November is UTC+1, New York UTC-5, Tokyo UTC+9). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "engine/clock.h"
#include "lua/ruleset.h"
#include "notify/notify.h"
#include "fixtures.h"

#define S USEC_PER_SEC
#define MIN USEC_PER_MINUTE
#define H USEC_PER_HOUR
#define DAY USEC_PER_DAY


/* ---- a rule set on a simulated clock, notifications captured ---- */

struct fx {
    struct clock_sim sim;
    char *out;
    size_t out_len;
    FILE *mem;
    struct notify_backend *capture;
    struct test_host host; /* one state across reloads, as the daemon's */
    struct ruleset *rs;
};

struct fire {
    usec_t at;
    char id[64];
    char title[160];
};

/* previous: the rule set a reload replaces (the daemon passes it), or NULL. */
static struct ruleset *fx_build(struct fx *f, const char *path, uint64_t seed, bool interactive,
                                const struct ruleset *previous)
{
    struct strlist errors = {0}, warnings = {0};
    struct ruleset_options o = {.paths = &path,
                                .n_paths = 1,
                                .clock = &f->sim.base,
                                .host = &f->host.rh,
                                .ledger = f->host.lg,
                                .seed = seed,
                                .interactive = interactive,
                                .previous = previous};
    struct ruleset *rs = ruleset_load(&o, &errors, &warnings);
    for (size_t i = 0; i < errors.n; i++) fprintf(stderr, "%s\n", errors.v[i]);
    if (!rs) fail_msg("%s did not load", path);
    strlist_free(&errors);
    strlist_free(&warnings);
    return rs;
}

static void fx_open(struct fx *f, usec_t start, const char *path, uint64_t seed, bool interactive)
{
    memset(f, 0, sizeof *f);
    clock_sim_init(&f->sim, start);
    f->mem = open_memstream(&f->out, &f->out_len);
    assert_non_null(f->mem);
    f->capture = notify_capture_new(f->mem, true);
    test_host_init(&f->host, f->capture, &f->sim.base);
    f->rs = fx_build(f, path, seed, interactive, NULL);
}

static void fx_close(struct fx *f)
{
    ruleset_free(f->rs);
    test_host_free(&f->host);
    notify_backend_free(f->capture);
    fclose(f->mem);
    free(f->out);
}

/* A reload as the daemon does it: build beside, adopt, free the old. Returns adopt's count. */
static size_t fx_reload(struct fx *f, const char *path, uint64_t seed, bool interactive)
{
    struct ruleset *rs = fx_build(f, path, seed, interactive, f->rs);
    size_t kept;
    char err[512];
    if (ruleset_adopt(rs, f->rs, &kept, err, sizeof err) < 0) fail_msg("reload: %s", err);
    ruleset_free(f->rs);
    f->rs = rs;
    return kept;
}

static usec_t fx_next(struct fx *f)
{
    return schedule_next_deadline(ruleset_schedule(f->rs));
}

/* Fires what is due at the current instant (the daemon after a wake-up or a jump). */
static void fx_settle(struct fx *f)
{
    for (int guard = 0; fx_next(f) <= f->sim.t; guard++) {
        if (guard > 1000) fail_msg("a reminder stays due after firing");
        ruleset_run_due(f->rs);
    }
}

/* The clock is set (or the machine resumes) to t: nothing runs in between. */
static void fx_jump(struct fx *f, usec_t t)
{
    f->sim.t = t;
    fx_settle(f);
}

/* Time passes normally up to t: each deadline on its own. */
static void fx_advance(struct fx *f, usec_t t)
{
    for (int guard = 0;; guard++) {
        usec_t next = fx_next(f);
        if (next > t) break;
        if (guard > 100000) fail_msg("runaway schedule");
        if (next > f->sim.t) f->sim.t = next;
        ruleset_run_due(f->rs);
    }
    f->sim.t = t;
}

/* "2026-11-20T20:30:00+01:00" -> epoch usec. */
static usec_t parse_iso(const char *s)
{
    int y, mo, d, h, mi, sec, oh, om;
    char sign;
    if (sscanf(s, "%d-%d-%dT%d:%d:%d%c%d:%d", &y, &mo, &d, &h, &mi, &sec, &sign, &oh, &om) != 9)
        fail_msg("bad ISO time \"%.30s\"", s);
    usec_t off = (usec_t)(oh * 60 + om) * MIN;
    return utc(y, mo, d, h, mi) + sec * S - (sign == '-' ? -off : off);
}

static void copy_field(const char *line, const char *key, char *out, size_t sz)
{
    char pat[32];
    snprintf(pat, sizeof pat, "\"%s\":\"", key);
    const char *p = strstr(line, pat);
    if (!p) fail_msg("no %s in %s", key, line);
    p += strlen(pat);
    size_t n = strcspn(p, "\"");
    snprintf(out, sz, "%.*s", (int)n, p);
}

/* Every notification shown so far, in order. */
static size_t fx_fires(struct fx *f, struct fire *out, size_t max)
{
    fflush(f->mem);
    size_t n = 0;
    for (const char *line = f->out; line && *line;) {
        const char *end = strchr(line, '\n');
        assert_non_null(end);
        if (n < max) {
            char at[64];
            copy_field(line, "at", at, sizeof at);
            out[n].at = parse_iso(at);
            copy_field(line, "id", out[n].id, sizeof out[n].id);
            copy_field(line, "title", out[n].title, sizeof out[n].title);
        }
        n++;
        line = end + 1;
    }
    return n;
}

static size_t fx_count(struct fx *f)
{
    struct fire tmp[1];
    return fx_fires(f, tmp, 0);
}

#define MAXF 64

static void assert_fires_at(struct fx *f, const usec_t *want, size_t n)
{
    struct fire got[MAXF];
    size_t k = fx_fires(f, got, MAXF);
    if (k != n) {
        for (size_t i = 0; i < k && i < MAXF; i++)
            fprintf(stderr, "  got %lld %s %s\n", (long long)(got[i].at / S), got[i].id,
                    got[i].title);
        fail_msg("%zu notifications, want %zu", k, n);
    }
    for (size_t i = 0; i < n; i++)
        if (got[i].at != want[i])
            fail_msg("notification %zu at %lld, want %lld (%+lld s)", i, (long long)(got[i].at / S),
                     (long long)(want[i] / S), (long long)((got[i].at - want[i]) / S));
}

#define NOTE "function() nudge.notify{title = 't'} end"

/* ---- forward steps: one fire for everything jumped over, then the schedule goes on ---- */

static void test_forward_daily(void **state)
{
    (void)state;
    const char *p = rule_file("fwd_daily.lua", "nudge.on('*-*-* 20:30', " NOTE ")\n");
    struct fx f;
    fx_open(&f, cet(2026, 11, 20, 12, 0), p, 1, false);
    fx_advance(&f, cet(2026, 11, 20, 21, 0));
    /* Over the fires of the 21st, 22nd and 23rd. */
    fx_jump(&f, cet(2026, 11, 24, 10, 0));
    assert_int_equal(fx_next(&f), cet(2026, 11, 24, 20, 30));
    fx_advance(&f, cet(2026, 11, 25, 21, 0));
    usec_t want[] = {cet(2026, 11, 20, 20, 30), cet(2026, 11, 24, 10, 0),
                     cet(2026, 11, 24, 20, 30), cet(2026, 11, 25, 20, 30)};
    assert_fires_at(&f, want, 4);
    fx_close(&f);
}

static void test_forward_hourly(void **state)
{
    (void)state;
    const char *p = rule_file("fwd_hourly.lua", "nudge.on('hourly', " NOTE ")\n");
    struct fx f;
    fx_open(&f, cet(2026, 11, 20, 10, 15), p, 1, false);
    fx_advance(&f, cet(2026, 11, 20, 12, 30));
    fx_jump(&f, cet(2026, 11, 20, 17, 20)); /* over 13:00 .. 17:00 */
    fx_advance(&f, cet(2026, 11, 20, 19, 5));
    usec_t want[] = {cet(2026, 11, 20, 11, 0), cet(2026, 11, 20, 12, 0), cet(2026, 11, 20, 17, 20),
                     cet(2026, 11, 20, 18, 0), cet(2026, 11, 20, 19, 0)};
    assert_fires_at(&f, want, 5);
    fx_close(&f);
}

static void test_forward_every(void **state)
{
    (void)state;
    const char *p = rule_file("fwd_every.lua", "nudge.every('45min', " NOTE ")\n");
    usec_t t0 = cet(2026, 11, 20, 10, 0);
    struct fx f;
    fx_open(&f, t0, p, 1, false);
    fx_advance(&f, t0 + 100 * MIN); /* 10:45, 11:30 */
    fx_jump(&f, cet(2026, 11, 20, 15, 10));
    /* Still on the grid of its load time: 10:00 + 7 x 45min. */
    assert_int_equal(fx_next(&f), cet(2026, 11, 20, 15, 15));
    fx_advance(&f, cet(2026, 11, 20, 16, 10));
    usec_t want[] = {t0 + 45 * MIN, t0 + 90 * MIN, cet(2026, 11, 20, 15, 10),
                     cet(2026, 11, 20, 15, 15), cet(2026, 11, 20, 16, 0)};
    assert_fires_at(&f, want, 5);
    fx_close(&f);
}

/* ---- backward steps: nothing fires twice ---- */

static void back_daily(bool replan, usec_t back_to)
{
    const char *p = rule_file("back_daily.lua", "nudge.on('*-*-* 20:30', " NOTE ")\n");
    struct fx f;
    fx_open(&f, cet(2026, 11, 20, 12, 0), p, 1, false);
    fx_advance(&f, cet(2026, 11, 20, 20, 45));
    assert_int_equal(fx_count(&f), 1);
    fx_jump(&f, back_to);
    if (replan) ruleset_time_changed(f.rs); /* what the daemon runs on ECANCELED */
    assert_int_equal(fx_next(&f), cet(2026, 11, 21, 20, 30));
    fx_advance(&f, cet(2026, 11, 21, 21, 0));
    usec_t want[] = {cet(2026, 11, 20, 20, 30), cet(2026, 11, 21, 20, 30)};
    assert_fires_at(&f, want, 2);
    fx_close(&f);
}

static void test_back_hour(void **state)
{
    (void)state;
    back_daily(false, cet(2026, 11, 20, 19, 45));
    back_daily(true, cet(2026, 11, 20, 19, 45));
}

static void test_back_day(void **state)
{
    (void)state;
    back_daily(false, cet(2026, 11, 19, 20, 45));
    back_daily(true, cet(2026, 11, 19, 20, 45));
}

static void test_back_hourly_and_every(void **state)
{
    (void)state;
    const char *p = rule_file("back_mix.lua",
                              "nudge.on('hourly', function() nudge.notify{title = 'h'} end)\n"
                              "nudge.every('45min', function() nudge.notify{title = 'e'} end)\n");
    for (int replan = 0; replan < 2; replan++) {
        usec_t t0 = cet(2026, 11, 20, 12, 10);
        struct fx f;
        fx_open(&f, t0, p, 1, false);
        fx_advance(&f, cet(2026, 11, 20, 13, 30)); /* h 13:00, e 12:55 */
        fx_jump(&f, cet(2026, 11, 20, 12, 30));
        if (replan) ruleset_time_changed(f.rs); /* what the daemon runs on ECANCELED */
        fx_advance(&f, cet(2026, 11, 20, 14, 30));
        /* Neither 13:00 nor 12:55 again; then on schedule: e 13:40, h 14:00, e 14:25. */
        usec_t want[] = {cet(2026, 11, 20, 12, 55), cet(2026, 11, 20, 13, 0),
                         cet(2026, 11, 20, 13, 40), cet(2026, 11, 20, 14, 0),
                         cet(2026, 11, 20, 14, 25)};
        assert_fires_at(&f, want, 5);
        fx_close(&f);
    }
}

static void test_at_never_twice(void **state)
{
    (void)state;
    const char *p =
        rule_file("at_back.lua", "nudge.at('2026-11-20 18:00', " NOTE ", {id = 'promise'})\n"
                                 "nudge.at('2026-11-20 19:00', " NOTE ")\n");
    for (int replan = 0; replan < 2; replan++) {
        struct fx f;
        fx_open(&f, cet(2026, 11, 20, 12, 0), p, 1, false);
        fx_advance(&f, cet(2026, 11, 20, 19, 30));
        fx_jump(&f, cet(2026, 11, 20, 17, 0));
        if (replan) ruleset_time_changed(f.rs); /* what the daemon runs on ECANCELED */
        fx_advance(&f, cet(2026, 11, 21, 12, 0));
        usec_t want[] = {cet(2026, 11, 20, 18, 0), cet(2026, 11, 20, 19, 0)};
        assert_fires_at(&f, want, 2);
        /* A reload after the jump back sees both times ahead again: still fired. */
        fx_jump(&f, cet(2026, 11, 20, 17, 0));
        fx_reload(&f, p, 1, false);
        fx_advance(&f, cet(2026, 11, 21, 12, 0));
        assert_fires_at(&f, want, 2);
        fx_close(&f);
    }
}

/* ---- suspend and resume ---- */

static void test_suspend_resume(void **state)
{
    (void)state;
    const char *p = rule_file("suspend.lua",
                              "nudge.on('*-*-* 20:30', function() nudge.notify{title = 'd'} end)\n"
                              "nudge.every('1h', function() nudge.notify{title = 'e'} end)\n"
                              "nudge.at('2026-11-21 03:00', function() nudge.notify{title = 'a'} end)\n");
    usec_t t0 = cet(2026, 11, 20, 19, 50);
    struct fx f;
    fx_open(&f, t0, p, 1, false);
    /* Asleep from 20:00 to 08:00 the next morning: every one of them is due, each fires once. */
    fx_advance(&f, cet(2026, 11, 20, 20, 0));
    fx_jump(&f, cet(2026, 11, 21, 8, 0));
    struct fire got[MAXF];
    size_t n = fx_fires(&f, got, MAXF);
    assert_int_equal(n, 3);
    int seen_d = 0, seen_e = 0, seen_a = 0;
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(got[i].at, cet(2026, 11, 21, 8, 0));
        seen_d += !strcmp(got[i].title, "d");
        seen_e += !strcmp(got[i].title, "e");
        seen_a += !strcmp(got[i].title, "a");
    }
    assert_int_equal(seen_d + 10 * seen_e + 100 * seen_a, 111);
    /* Then on schedule: every on its load grid (19:50 + 13h), daily at 20:30. */
    fx_advance(&f, cet(2026, 11, 21, 9, 0));
    assert_int_equal(fx_count(&f), 4);
    n = fx_fires(&f, got, MAXF);
    assert_int_equal(got[3].at, t0 + 13 * H);
    assert_int_equal(fx_next(&f), t0 + 14 * H);
    fx_advance(&f, cet(2026, 11, 21, 20, 31));
    n = fx_fires(&f, got, MAXF);
    assert_int_equal(n, 4 + 11 + 1); /* 09:50 .. 19:50 and 20:30 */
    assert_int_equal(got[n - 1].at, cet(2026, 11, 21, 20, 30));
    assert_string_equal(got[n - 1].title, "d");
    fx_close(&f);
}

/* ---- the zone changes ---- */

static void zone_case(const char *zone, usec_t now, usec_t want_first)
{
    const char *p = rule_file("zone.lua", "nudge.on('*-*-* 20:30', " NOTE ")\n");
    struct fx f;
    fx_open(&f, now, p, 1, false);
    setenv("TZ", zone, 1);
    tzset();
    ruleset_time_changed(f.rs); /* what the daemon runs on ECANCELED */
    assert_int_equal(fx_next(&f), want_first);
    fx_advance(&f, want_first + DAY + MIN);
    usec_t want[] = {want_first, want_first + DAY};
    assert_fires_at(&f, want, 2);
    fx_close(&f);
    setenv("TZ", "Europe/Berlin", 1);
    tzset();
}

static void test_zone_change(void **state)
{
    (void)state;
    /* 12:00 in Berlin is 06:00 in New York: 20:30 EST today is 01:30 UTC tomorrow. */
    zone_case("America/New_York", cet(2026, 11, 20, 12, 0), utc(2026, 11, 21, 1, 30));
    /* 21:00 in Berlin (after its 20:30) is 15:00 in New York: 20:30 EST still comes today. */
    zone_case("America/New_York", cet(2026, 11, 20, 21, 0), utc(2026, 11, 21, 1, 30));
    /* 12:00 in Berlin is 20:00 in Tokyo: 20:30 JST is half an hour away (11:30 UTC). */
    zone_case("Asia/Tokyo", cet(2026, 11, 20, 12, 0), utc(2026, 11, 20, 11, 30));
    /* 13:00 in Berlin is 21:00 in Tokyo: tomorrow's 20:30 JST. */
    zone_case("Asia/Tokyo", cet(2026, 11, 20, 13, 0), utc(2026, 11, 21, 11, 30));
}

/* ---- quiet hours and windows across jumps ---- */

static void test_quiet_across_jump(void **state)
{
    (void)state;
    const char *p = rule_file("quiet.lua",
                              "nudge.config{quiet_hours = '22:00..07:00'}\n"
                              "nudge.on('*-*-* 23:00', function() nudge.notify{title = 'late'} end)\n"
                              "nudge.on('*-*-* 20:30', function() nudge.notify{title = 'eve'} end)\n");
    struct fx f;
    fx_open(&f, cet(2026, 11, 20, 12, 0), p, 1, false);
    /* 23:00 is quiet: deferred to 07:00 the next morning. */
    fx_advance(&f, cet(2026, 11, 20, 21, 0));
    fx_jump(&f, cet(2026, 11, 21, 9, 0)); /* over the deferred 07:00 */
    fx_advance(&f, cet(2026, 11, 22, 8, 0));
    struct fire got[MAXF];
    size_t n = fx_fires(&f, got, MAXF);
    usec_t want[] = {cet(2026, 11, 20, 20, 30), cet(2026, 11, 21, 9, 0),
                     cet(2026, 11, 21, 20, 30), cet(2026, 11, 22, 7, 0)};
    assert_fires_at(&f, want, 4);
    assert_string_equal(got[1].title, "late");
    assert_string_equal(got[3].title, "late");
    (void)n;
    fx_close(&f);

    /* A jump that lands inside quiet hours over a fire: it waits for the end of quiet hours
     * (default quiet = "defer"), once. */
    for (int replan = 0; replan < 2; replan++) {
        fx_open(&f, cet(2026, 11, 20, 12, 0), p, 1, false);
        fx_jump(&f, cet(2026, 11, 20, 23, 30));
        if (replan) {
            ruleset_time_changed(f.rs); /* what the daemon runs on ECANCELED */
            fx_settle(&f);
        }
        assert_int_equal(fx_count(&f), 0);
        fx_advance(&f, cet(2026, 11, 21, 8, 0));
        n = fx_fires(&f, got, MAXF);
        assert_int_equal(n, 2); /* eve (jumped over) and late (deferred), both at 07:00 */
        assert_int_equal(got[0].at, cet(2026, 11, 21, 7, 0));
        assert_int_equal(got[1].at, cet(2026, 11, 21, 7, 0));
        assert_true(strcmp(got[0].title, got[1].title) != 0);
        fx_close(&f);
    }
}

static void test_window_across_jump(void **state)
{
    (void)state;
    const char *p = rule_file("window.lua",
                              "nudge.on('daily', " NOTE ", {window = '10:00..18:00'})\n");
    struct fx f;
    fx_open(&f, cet(2026, 11, 20, 8, 0), p, 7, false);
    usec_t planned = fx_next(&f);
    assert_true(planned >= cet(2026, 11, 20, 10, 0) && planned < cet(2026, 11, 20, 18, 0));
    /* Forward over the 20th's and the 21st's windows: one fire now, then the 22nd's window. */
    fx_jump(&f, cet(2026, 11, 22, 9, 0));
    assert_int_equal(fx_count(&f), 1);
    usec_t next = fx_next(&f);
    assert_true(next >= cet(2026, 11, 22, 10, 0) && next < cet(2026, 11, 22, 18, 0));
    fx_advance(&f, cet(2026, 11, 22, 19, 0));
    assert_int_equal(fx_count(&f), 2);
    /* Back to the morning of the same day: its window already fired. */
    fx_jump(&f, cet(2026, 11, 22, 9, 0));
    ruleset_time_changed(f.rs); /* what the daemon runs on ECANCELED */
    next = fx_next(&f);
    assert_true(next >= cet(2026, 11, 23, 10, 0) && next < cet(2026, 11, 23, 18, 0));
    fx_advance(&f, cet(2026, 11, 23, 19, 0));
    struct fire got[MAXF];
    assert_int_equal(fx_fires(&f, got, MAXF), 3);
    assert_int_equal(got[0].at, cet(2026, 11, 22, 9, 0));
    assert_true(got[1].at >= cet(2026, 11, 22, 10, 0) && got[1].at < cet(2026, 11, 22, 18, 0));
    assert_true(got[2].at >= cet(2026, 11, 23, 10, 0) && got[2].at < cet(2026, 11, 23, 18, 0));
    fx_close(&f);
}

/* ---- reload ---- */

static void test_adopt_store(void **state)
{
    (void)state;
    const char *v1 = rule_file("store1.lua", "nudge.store.set('count', 5)\n"
                                             "nudge.store.set('t', {a = 1.5, b = {'x', 'y'}, [3] = true})\n"
                                             "nudge.every('1h', function()\n"
                                             "  nudge.store.set('count', nudge.store.get('count') + 1)\n"
                                             "end)\n");
    const char *v2 = rule_file("store2.lua",
                               "nudge.after('1min', function()\n"
                               "  local t = nudge.store.get('t')\n"
                               "  nudge.notify{title = string.format('%%d %%s %%s %%s %%s',\n"
                               "    nudge.store.get('count'), t.a, t.b[1], t.b[2], t[3])}\n"
                               "end)\n");
    struct fx f;
    fx_open(&f, cet(2026, 11, 20, 12, 0), v1, 1, false);
    fx_advance(&f, cet(2026, 11, 20, 14, 30)); /* count 5 -> 7 */
    fx_reload(&f, v2, 1, false);
    fx_advance(&f, cet(2026, 11, 20, 15, 0));
    struct fire got[MAXF];
    assert_int_equal(fx_fires(&f, got, MAXF), 1);
    assert_string_equal(got[0].title, "7 1.5 x y true");
    fx_close(&f);
}

static void test_adopt_fired_oneshots(void **state)
{
    (void)state;
    /* Several fired one-shots in a row, then more reminders: each must be recognised. */
    const char *p = rule_file("oneshots.lua",
                              "for i = 1, 6 do\n"
                              "  nudge.after('1min', function() nudge.notify{title = 'after' .. i} end,\n"
                              "              {id = 'a' .. i})\n"
                              "end\n"
                              "nudge.at('+2min', function() nudge.notify{title = 'at'} end, {id = 'at1'})\n"
                              "nudge.after('3min', function() nudge.notify{title = 'last'} end,\n"
                              "            {id = 'last'})\n"
                              "nudge.every('1d', function() nudge.notify{title = 'every'} end)\n");
    struct fx f;
    fx_open(&f, cet(2026, 11, 20, 12, 0), p, 1, false);
    fx_advance(&f, cet(2026, 11, 20, 12, 10));
    assert_int_equal(fx_count(&f), 8);
    fx_reload(&f, p, 1, false);
    fx_advance(&f, cet(2026, 11, 20, 23, 0));
    assert_int_equal(fx_count(&f), 8);
    /* The same again with new quiet hours: the plans change, fired stays fired. */
    const char *q = rule_file("oneshots_q.lua",
                              "nudge.config{quiet_hours = '23:30..06:00'}\n"
                              "nudge.after('1min', function() nudge.notify{title = 'again'} end,\n"
                              "            {id = 'a1'})\n"
                              "nudge.at('+2min', function() nudge.notify{title = 'at'} end, {id = 'at1'})\n");
    fx_reload(&f, q, 1, false);
    fx_advance(&f, cet(2026, 11, 21, 11, 0));
    struct fire got[MAXF];
    size_t n = fx_fires(&f, got, MAXF);
    for (size_t i = 8; i < n; i++) assert_string_not_equal(got[i].title, "again");
    assert_int_equal(n, 8);
    fx_close(&f);
}

static void test_adopt_keeps_unchanged(void **state)
{
    (void)state;
    const char *p = rule_file("keep.lua",
                              "nudge.every('45min', " NOTE ", {id = 'e'})\n"
                              "nudge.on('daily', " NOTE ", {id = 'w', window = '10:00..18:00'})\n"
                              "nudge.on('*-*-* 20:30', " NOTE ", {id = 'j', jitter = '2h'})\n");
    usec_t t0 = cet(2026, 11, 20, 9, 0);
    struct fx f;
    fx_open(&f, t0, p, 1, false);
    fx_advance(&f, t0 + 60 * MIN);
    usec_t before[3];
    struct schedule *s = ruleset_schedule(f.rs);
    assert_int_equal(s->n, 3);
    /* The heap is keyed by time; order the plans by reminder id. */
    for (size_t i = 0; i < 3; i++) {
        struct reminder *r = s->heap[i];
        before[r->id[0] == 'e' ? 0 : r->id[0] == 'w' ? 1 : 2] = r->next;
    }
    assert_int_equal(before[0], t0 + 90 * MIN);
    /* Another seed: a fresh plan would draw other window and jitter times. */
    size_t kept = fx_reload(&f, p, 99, false);
    assert_int_equal(kept, 3);
    s = ruleset_schedule(f.rs);
    assert_int_equal(s->n, 3);
    for (size_t i = 0; i < 3; i++) {
        struct reminder *r = s->heap[i];
        assert_int_equal(r->next, before[r->id[0] == 'e' ? 0 : r->id[0] == 'w' ? 1 : 2]);
    }
    fx_advance(&f, t0 + 91 * MIN);
    /* The every at 9:45 and 10:30, and the window's draw if it came that early. */
    assert_int_equal(fx_count(&f), 2 + (before[1] <= t0 + 91 * MIN));
    fx_close(&f);
}

static void test_adopt_replans_changed(void **state)
{
    (void)state;
    const char *v1 = rule_file("chg1.lua", "nudge.on('*-*-* 20:30', " NOTE ", {id = 'c'})\n"
                                           "nudge.on('*-*-* 09:00', " NOTE ", {id = 'same'})\n");
    const char *v2 = rule_file("chg2.lua", "nudge.on('*-*-* 21:15', " NOTE ", {id = 'c'})\n"
                                           "nudge.on('*-*-* 09:00', " NOTE ", {id = 'same'})\n");
    struct fx f;
    fx_open(&f, cet(2026, 11, 20, 12, 0), v1, 1, false);
    assert_int_equal(fx_reload(&f, v2, 1, false), 1);
    fx_advance(&f, cet(2026, 11, 21, 9, 30));
    usec_t want[] = {cet(2026, 11, 20, 21, 15), cet(2026, 11, 21, 9, 0)};
    assert_fires_at(&f, want, 2);
    fx_close(&f);

    /* Quiet hours changed: every plan is made again under the new ones. */
    const char *q1 = rule_file("q1.lua", "nudge.config{quiet_hours = '22:00..07:00'}\n"
                                         "nudge.on('*-*-* 23:00', " NOTE ", {id = 'late'})\n");
    const char *q2 = rule_file("q2.lua", "nudge.config{quiet_hours = '23:30..07:00'}\n"
                                         "nudge.on('*-*-* 23:00', " NOTE ", {id = 'late'})\n");
    fx_open(&f, cet(2026, 11, 20, 12, 0), q1, 1, false);
    assert_int_equal(fx_next(&f), cet(2026, 11, 21, 7, 0));
    assert_int_equal(fx_reload(&f, q2, 1, false), 0);
    assert_int_equal(fx_next(&f), cet(2026, 11, 20, 23, 0));
    fx_close(&f);
}

/* A reminder a callback made is carried over a reload; when the reload changes quiet hours,
 * its plan follows the new ones like every other. */
static void test_adopt_carries_runtime_under_new_quiet(void **state)
{
    (void)state;
    const char *q1 = rule_file("rq1.lua", "nudge.config{quiet_hours = '22:00..07:00'}\n"
                                          "nudge.listen('go', function()\n"
                                          "  nudge.at('2026-11-20 23:00', " NOTE ", {id = 'late'})\n"
                                          "end)\n");
    const char *q2 = rule_file("rq2.lua", "nudge.config{quiet_hours = '23:30..07:00'}\n"
                                          "nudge.listen('go', function() end)\n");
    const char *same = rule_file("rq3.lua", "nudge.config{quiet_hours = '22:00..07:00'}\n"
                                            "nudge.listen('go', function() end)\n");
    struct fx f;
    fx_open(&f, cet(2026, 11, 20, 12, 0), q1, 1, false);
    assert_int_equal(ruleset_emit(f.rs, "go", NULL, 0, NULL, NULL, NULL, 0), 1);
    assert_int_equal(fx_next(&f), cet(2026, 11, 21, 7, 0)); /* deferred past quiet hours */
    fx_reload(&f, same, 1, false);
    assert_int_equal(fx_next(&f), cet(2026, 11, 21, 7, 0)); /* carried with its plan */
    fx_reload(&f, q2, 1, false);
    assert_int_equal(fx_next(&f), cet(2026, 11, 20, 23, 0)); /* 23:00 is no longer quiet */
    fx_advance(&f, cet(2026, 11, 21, 9, 0));
    assert_int_equal(fx_count(&f), 1);
    fx_close(&f);
}

/* Reminders due at the same time fire in the order the files registered them, also after a
 * reload that handed their plans over; an unnamed reminder a callback made keeps its own timer
 * when the new files take its derived id. */
static void test_adopt_keeps_order_and_runtime_timers(void **state)
{
    (void)state;
    const char *v1 = rule_file("ord1.lua",
                               "for _, n in ipairs{'A', 'B', 'C', 'D', 'E', 'F'} do\n"
                               "  nudge.on('*-*-* 13:00', function() nudge.notify{title = n} end,"
                               " {id = n})\n"
                               "end\n"
                               "nudge.listen('go', function()\n"
                               "  nudge.after('2h', function() nudge.notify{title = 'made'} end)\n"
                               "end)\n");
    const char *v2 = rule_file("ord2.lua",
                               "for _, n in ipairs{'A', 'B', 'C', 'D', 'E', 'F'} do\n"
                               "  nudge.on('*-*-* 13:00', function() nudge.notify{title = n} end,"
                               " {id = n})\n"
                               "end\n"
                               "nudge.after('2h', function() nudge.notify{title = 'file'} end)\n");
    struct fx f;
    fx_open(&f, cet(2026, 11, 20, 12, 0), v1, 1, false);
    /* 'made' due at 14:00 */
    assert_int_equal(ruleset_emit(f.rs, "go", NULL, 0, NULL, NULL, NULL, 0), 1);
    f.sim.t = cet(2026, 11, 20, 12, 30);
    fx_reload(&f, v2, 1, false); /* 'file' due at 14:30 */
    fx_reload(&f, v2, 1, false);
    fx_advance(&f, cet(2026, 11, 20, 15, 0));
    struct fire got[MAXF];
    size_t n = fx_fires(&f, got, MAXF);
    assert_int_equal(n, 8);
    const char *want[] = {"A", "B", "C", "D", "E", "F", "made", "file"};
    for (size_t i = 0; i < 8; i++) assert_string_equal(got[i].title, want[i]);
    assert_int_equal(got[6].at, cet(2026, 11, 20, 14, 0));
    assert_int_equal(got[7].at, cet(2026, 11, 20, 14, 30));
    fx_close(&f);
}

/* ---- what the notification server reports ---- */

static void test_notification_callbacks(void **state)
{
    (void)state;
    const char *p = rule_file(
        "actions.lua",
        "nudge.on('*-*-* 20:30', function(ev)\n"
        "  nudge.notify{title = 'Evening check-in', actions = {{id = 'done', label = 'Done'},\n"
        "                                                       {id = 'skip', label = 'Skip'}},\n"
        "    on_action = function(a, e)\n"
        "      nudge.notify{title = string.format('action %%s %%s %%s %%d %%d', a, e.id, e.kind,\n"
        "                                         e.scheduled, e.fired)}\n"
        "    end,\n"
        "    on_close = function(r, e) nudge.notify{title = 'close ' .. r .. ' ' .. e.id} end}\n"
        "end, {id = 'evening'})\n"
        "nudge.on('*-*-* 21:00', function()\n"
        "  nudge.notify{title = 'closing only', on_close = function(r) nudge.notify{title = 'c2 ' .. r} end}\n"
        "end, {id = 'nine'})\n");
    struct fx f;
    fx_open(&f, cet(2026, 11, 20, 12, 0), p, 1, true);
    /* Late: the machine slept over 20:30 and 21:00, so scheduled and fired differ. */
    fx_jump(&f, cet(2026, 11, 20, 22, 5));
    struct fire got[MAXF];
    assert_int_equal(fx_fires(&f, got, MAXF), 2); /* ids 1 and 2 */
    assert_string_equal(got[0].title, "Evening check-in");
    ruleset_notification_action(f.rs, 1, "skip");
    ruleset_notification_action(f.rs, 2, "done");   /* no on_action */
    ruleset_notification_action(f.rs, 999, "done"); /* unknown */
    ruleset_notification_closed(f.rs, 999, 2);
    assert_int_equal(fx_fires(&f, got, MAXF), 3);
    char want[160];
    snprintf(want, sizeof want, "action skip evening notify %lld %lld",
             (long long)(cet(2026, 11, 20, 20, 30) / S), (long long)(cet(2026, 11, 20, 22, 5) / S));
    assert_string_equal(got[2].title, want);
    ruleset_notification_action(f.rs, 1, "done");
    ruleset_notification_closed(f.rs, 1, 2);
    ruleset_notification_closed(f.rs, 2, 1);
    assert_int_equal(fx_fires(&f, got, MAXF), 6);
    snprintf(want, sizeof want, "action done evening notify %lld %lld",
             (long long)(cet(2026, 11, 20, 20, 30) / S), (long long)(cet(2026, 11, 20, 22, 5) / S));
    assert_string_equal(got[3].title, want);
    assert_string_equal(got[4].title, "close dismissed evening");
    assert_string_equal(got[5].title, "c2 expired");
    /* Closed: forgotten. */
    ruleset_notification_action(f.rs, 1, "done");
    ruleset_notification_closed(f.rs, 1, 3);
    assert_int_equal(fx_count(&f), 6);

    /* The other reasons. */
    fx_advance(&f, cet(2026, 11, 21, 21, 30)); /* ids 7..8 */
    ruleset_notification_closed(f.rs, 8, 3);
    fx_advance(&f, cet(2026, 11, 22, 21, 30)); /* ids 10..11 */
    ruleset_notification_closed(f.rs, 11, 4);
    fx_advance(&f, cet(2026, 11, 23, 21, 30)); /* ids 13..14 */
    ruleset_notification_closed(f.rs, 14, 0);
    size_t n = fx_fires(&f, got, MAXF);
    assert_int_equal(n, 15);
    assert_string_equal(got[8].title, "c2 closed");
    assert_string_equal(got[11].title, "c2 undefined");
    assert_string_equal(got[14].title, "c2 undefined");
    fx_close(&f);

    /* Not interactive (preview): no callbacks are kept. */
    fx_open(&f, cet(2026, 11, 20, 12, 0), p, 1, false);
    fx_advance(&f, cet(2026, 11, 20, 20, 31));
    ruleset_notification_action(f.rs, 1, "done");
    ruleset_notification_closed(f.rs, 1, 2);
    assert_int_equal(fx_count(&f), 1);
    fx_close(&f);
}

static int setup(void **state)
{
    (void)state;
    setenv("TZ", "Europe/Berlin", 1);
    tzset();
    log_setup(LOG_LVL_WARNING, false);
    snprintf(tmpdir, sizeof tmpdir, "/tmp/nudge-faults-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

/* Each test starts in Berlin, also after a zone test failed half-way. */
static int berlin(void **state)
{
    (void)state;
    setenv("TZ", "Europe/Berlin", 1);
    tzset();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_forward_daily, berlin),
        cmocka_unit_test_setup(test_forward_hourly, berlin),
        cmocka_unit_test_setup(test_forward_every, berlin),
        cmocka_unit_test_setup(test_back_hour, berlin),
        cmocka_unit_test_setup(test_back_day, berlin),
        cmocka_unit_test_setup(test_back_hourly_and_every, berlin),
        cmocka_unit_test_setup(test_at_never_twice, berlin),
        cmocka_unit_test_setup(test_suspend_resume, berlin),
        cmocka_unit_test_setup(test_zone_change, berlin),
        cmocka_unit_test_setup(test_quiet_across_jump, berlin),
        cmocka_unit_test_setup(test_window_across_jump, berlin),
        cmocka_unit_test_setup(test_adopt_store, berlin),
        cmocka_unit_test_setup(test_adopt_fired_oneshots, berlin),
        cmocka_unit_test_setup(test_adopt_keeps_unchanged, berlin),
        cmocka_unit_test_setup(test_adopt_replans_changed, berlin),
        cmocka_unit_test_setup(test_adopt_carries_runtime_under_new_quiet, berlin),
        cmocka_unit_test_setup(test_adopt_keeps_order_and_runtime_timers, berlin),
        cmocka_unit_test_setup(test_notification_callbacks, berlin),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
