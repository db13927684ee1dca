/* Unit tests for nudgectl's report drawing (src/ctl/report.c) from canned daemon replies: the
 * forgiving score (paused days and days with nothing due are neutral, a skipped gesture never
 * lowers it, a gesture done may lift it), the mood by week and the paused marks in the text,
 * the SVG and HTML well-formed (xmllint) with paused cells, the mood line broken where a day has
 * no mood, the notes escaped; and no word of blame or count of zero in any of the three. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl/report.h"

#define NDAYS 21 /* 2026-11-02 (a Monday) .. 2026-11-22 */

/* One day of a reply; the figures not given are 0. */
struct canned_day {
    int cdue, cdone, gshown, gdone, pdue, pkept, pbroken;
    bool paused;
    double mood;
    int mood_n;
};

static json_t *reply_of(const struct canned_day *days, int n, int streak, int best)
{
    json_t *a = json_array();
    for (int i = 0; i < n; i++) {
        char date[32];
        snprintf(date, sizeof date, "2026-11-%02d", (2 + i) % 100);
        const struct canned_day *d = &days[i];
        json_t *o = json_pack("{s:s, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i}", "date", date,
                              "checkins_due", d->cdue, "checkins_done", d->cdone, "journal", 0,
                              "answered_done", d->cdone, "gestures_shown", d->gshown,
                              "gestures_done", d->gdone, "promises_due", d->pdue,
                              "promises_kept", d->pkept, "promises_broken", d->pbroken);
        if (d->paused) json_object_set_new(o, "paused", json_true());
        if (d->mood_n) {
            json_object_set_new(o, "mood", json_real(d->mood));
            json_object_set_new(o, "mood_count", json_integer(d->mood_n));
        }
        json_array_append_new(a, o);
    }
    /* 2026-11-22 20:00 CET */
    return json_pack("{s:b, s:I, s:n, s:n, s:o, s:i, s:i, s:[], s:[], s:b}", "ok", 1, "now",
                     (json_int_t)1795374000, "since", "phase", "days", a, "streak", streak,
                     "best_streak", best, "promises", "notes", "truncated", 0);
}

/* What a writer printed, as a string (to free). Not inlined: GCC's dangling-pointer check
 * takes the memstream's buffer for the local variable that held its address. */
__attribute__((noinline)) static char *draw(const struct report *r, void (*write)(const struct report *r, FILE *f))
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    write(r, f);
    fclose(f);
    return buf;
}

static void print_text(const struct report *r, FILE *f)
{
    report_print_text(r, f);
}

static struct report *parse(json_t *reply)
{
    char err[256] = "";
    struct report *r = report_parse(reply, err, sizeof err);
    if (!r) fail_msg("report_parse: %s", err);
    json_decref(reply);
    return r;
}

/* The consistency figure of the text report ("91/100, ..."), or -1 when there is none. */
static int score_of(const struct canned_day *days, int n)
{
    struct report *r = parse(reply_of(days, n, 1, 1));
    char *text = draw(r, print_text);
    report_free(r);
    const char *c = strstr(text, "consistency");
    assert_non_null(c);
    c += strlen("consistency");
    while (*c == ' ')
        c++;
    int v = -1;
    if (sscanf(c, "%d/100", &v) != 1) v = strncmp(c, "a fresh start", 13) ? -1 : 0;
    free(text);
    return v;
}

static void test_score_is_forgiving(void **state)
{
    (void)state;
    struct canned_day base[NDAYS] = {0};
    base[0] = (struct canned_day){.cdue = 1, .cdone = 1};
    base[1] = (struct canned_day){.cdue = 1};
    base[3] = (struct canned_day){.cdue = 2, .cdone = 1};
    base[9] = (struct canned_day){.cdue = 1, .cdone = 1, .pdue = 1};
    /* 1, then 0 (0.9), then 0.5 (0.86), then 0.5 (0.824): 82 */
    int want = score_of(base, NDAYS);
    assert_int_equal(want, 82);

    /* Skipped gestures, on days with and without something else due: no change. */
    struct canned_day skipped[NDAYS];
    memcpy(skipped, base, sizeof base);
    skipped[1].gshown = 3;
    skipped[5].gshown = 2;
    skipped[20].gshown = 1;
    assert_int_equal(score_of(skipped, NDAYS), want);

    /* Paused days with check-ins and promises due and not done: no change. */
    struct canned_day paused[NDAYS];
    memcpy(paused, base, sizeof base);
    for (int i = 12; i <= 15; i++)
        paused[i] = (struct canned_day){.cdue = 2, .pdue = 1, .pbroken = 1, .paused = true};
    assert_int_equal(score_of(paused, NDAYS), want);

    /* A missed day outside a pause does lower it: the test above could fail. */
    struct canned_day missed[NDAYS];
    memcpy(missed, paused, sizeof paused);
    missed[14].paused = false;
    assert_true(score_of(missed, NDAYS) < want);

    /* A gesture done lifts a day that had less than all done, and counts on its own. */
    struct canned_day gesture[NDAYS];
    memcpy(gesture, base, sizeof base);
    gesture[3].gshown = gesture[3].gdone = 1;
    assert_true(score_of(gesture, NDAYS) > want);
    memcpy(gesture, base, sizeof base);
    gesture[18] = (struct canned_day){.gshown = 1, .gdone = 1};
    assert_true(score_of(gesture, NDAYS) > want);
}

/* A reply with a bit of everything: moods, pauses, notes to escape, a promise not kept. */
static json_t *full_reply(void)
{
    struct canned_day d[NDAYS] = {0};
    d[0] = (struct canned_day){.cdue = 1, .cdone = 1, .mood = 4, .mood_n = 1};
    d[1] = (struct canned_day){.cdue = 1, .gshown = 1};
    d[3] = (struct canned_day){.gshown = 1, .gdone = 1};
    for (int i = 5; i <= 7; i++)
        d[i] = (struct canned_day){.cdue = 1, .paused = true};
    d[8] = (struct canned_day){.cdue = 1, .cdone = 1, .mood = 2.5, .mood_n = 2};
    d[10] = (struct canned_day){.pdue = 1, .pbroken = 1};
    d[12] = (struct canned_day){.cdue = 1, .cdone = 1, .mood = 3, .mood_n = 1};
    d[13] = (struct canned_day){.cdue = 1, .cdone = 1, .mood = 5, .mood_n = 1};
    json_t *r = reply_of(d, NDAYS, 0, 4);
    json_object_set_new(r, "notes",
                        json_pack("[{s:I, s:I, s:i, s:n}, {s:I, s:I, s:n, s:s},"
                                  " {s:I, s:I, s:i, s:s}]",
                                  "id", (json_int_t)1, "at", (json_int_t)1794081600, "mood", 4,
                                  "note", "id", (json_int_t)2, "at", (json_int_t)1794772800,
                                  "mood", "note", "a walk\nand a long talk", "id", (json_int_t)3,
                                  "at", (json_int_t)1794859200, "mood", 2, "note",
                                  "<script>alert('x') & \"q\"</script>"));
    json_object_set_new(r, "pauses",
                        json_pack("[{s:I, s:I, s:b, s:s, s:s}]", "from", (json_int_t)1794265200,
                                  "until", (json_int_t)1794524400, "all", 0, "note",
                                  "trip <abroad>", "origin", "nudgectl"));
    json_object_set_new(r, "promises",
                        json_pack("[{s:I, s:s, s:I, s:s, s:s}]", "id", (json_int_t)7, "text",
                                  "Fix the shelf", "due", (json_int_t)1794729600, "state",
                                  "broken", "source", "rules"));
    return r;
}

static void test_text_weeks_and_moods(void **state)
{
    (void)state;
    struct report *r = parse(full_reply());
    char *text = draw(r, print_text);
    report_free(r);
    /* Week of 2026-11-02: done, none marked done, nothing due, a gesture done (all), nothing
     * due twice; mood 4. Week of 2026-11-09: two paused, then one done... */
    assert_non_null(strstr(text, "Week by week"));
    assert_non_null(strstr(text, "~ paused"));
    const char *w1 = strstr(text, "  2026-11-02  ");
    const char *w2 = strstr(text, "  2026-11-09  ");
    const char *w3 = strstr(text, "  2026-11-16  ");
    assert_non_null(w1);
    assert_non_null(w2);
    assert_non_null(w3);
    assert_true(strncmp(w1 + 14, "\u25cf \u25cb \u00b7 \u25cf \u00b7 ~ ~", 19) == 0);
    assert_non_null(strstr(w1, "4.0 good"));
    /* 2026-11-09: paused, done (moods 2 and 3: 2.5), nothing, promise not kept, nothing, done
     * (3), done (5). */
    assert_true(strncmp(w2 + 14, "~ \u25cf \u00b7 \u25cb \u00b7 \u25cf \u25cf", 20) == 0);
    assert_true(w2 < w3);
    char week2[256];
    snprintf(week2, sizeof week2, "%.*s", (int)(w3 - w2), w2);
    /* (2 + 3 + 3 + 5) / 4 = 3.25 */
    assert_non_null(strstr(week2, "3.2 okay"));
    assert_non_null(strstr(text, "3 days (neutral"));
    assert_non_null(strstr(text, "trip <abroad> (promises still come; set with nudgectl pause)"));
    assert_non_null(strstr(text, "a fresh start (best 4)"));
    /* (4 + 2 + 3 + 3 + 5) / 5 */
    assert_non_null(strstr(text, "3.4 okay on average (5 entries)"));
    free(text);
}

/* 0 when the file is well-formed XML. */
static int xmllint(const char *text, const char *name)
{
    char path[256], cmd[512];
    snprintf(path, sizeof path, "/tmp/nudge-test-ctl-report-%ld-%s", (long)getpid(), name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    snprintf(cmd, sizeof cmd, "xmllint --noout '%s'", path);
    int rc = system(cmd);
    if (!getenv("NUDGE_KEEP")) unlink(path);
    return rc;
}

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

static void test_svg(void **state)
{
    (void)state;
    struct report *r = parse(full_reply());
    char *svg = draw(r, report_write_svg);
    report_free(r);
    assert_int_equal(xmllint(svg, "r.svg"), 0);
    assert_int_equal(count(svg, "class=\"day paused\""), 3);
    assert_int_equal(count(svg, "fill=\"url(#paused)\" data-date"), 3);
    assert_non_null(strstr(svg, "<pattern id=\"paused\""));
    assert_non_null(strstr(svg, ">paused</text>")); /* the legend */
    assert_non_null(strstr(svg, "Sat 2026-11-07: paused</title>"));
    assert_non_null(strstr(svg, "Tue 2026-11-03: 1 due, none marked done</title>"));
    /* A skipped gesture leaves the day at its check-in; a day with only a gesture done is all
     * done. */
    assert_non_null(strstr(svg, "data-date=\"2026-11-03\" data-done=\"0\" data-due=\"1\""));
    assert_non_null(strstr(svg, "data-date=\"2026-11-05\" data-done=\"1\" data-due=\"1\""));
    /* The mood line: broken into three runs (11-02; 11-10; 11-14 and 11-15), a dot a day. */
    const char *mood = strstr(svg, "<path class=\"mood\" d=\"");
    assert_non_null(mood);
    const char *end = strchr(mood + 22, '"');
    char d[512];
    snprintf(d, sizeof d, "%.*s", (int)(end - mood - 22), mood + 22);
    assert_int_equal(count(d, "M"), 3);
    assert_int_equal(count(d, "L"), 1);
    assert_int_equal(count(svg, "class=\"mooddot\""), 4);
    assert_non_null(strstr(svg, "Tue 2026-11-10: mood 2.5 okay</title>"));
    assert_int_equal(count(svg, "class=\"pausedband\""), 2); /* one run, under both charts */
    free(svg);
}

static void test_html(void **state)
{
    (void)state;
    struct report *r = parse(full_reply());
    char *html = draw(r, report_write_html);
    report_free(r);
    assert_int_equal(xmllint(html, "r.html"), 0);
    assert_null(strstr(html, "<script"));
    assert_non_null(
        strstr(html, "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;q&quot;&lt;/script&gt;"));
    assert_non_null(strstr(html, "<p>a walk\nand a long talk</p>"));
    assert_non_null(strstr(html, "trip &lt;abroad&gt;"));
    assert_non_null(strstr(html, ">2 · low</span>"));
    /* Newest first. */
    assert_true(strstr(html, "&lt;script") < strstr(html, "a walk"));
    assert_non_null(strstr(html, "<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert_non_null(strstr(html, "<path class=\"mood\""));
    assert_non_null(strstr(html, "not kept</span>"));
    free(html);
}

/* The words a reader sees: tags, attributes and style sheets dropped. */
static char *visible(const char *s)
{
    char *out = malloc(strlen(s) + 1), *o = out;
    bool tag = false;
    for (; *s; s++) {
        if (!strncmp(s, "<style", 6)) {
            const char *e = strstr(s, "</style>");
            assert_non_null(e);
            s = e + 7;
            continue;
        }
        if (*s == '<') tag = true;
        if (!tag) *o++ = *s;
        if (*s == '>') tag = false, *o++ = ' ';
    }
    *o = 0;
    return out;
}

static void no_blame(const char *what, const char *text)
{
    static const char *const words[] = {"failed", "failure", "fail ", "missed", "broken",
                                        "streak 0", "0 days", "0 day ", " 0 of", "0/100",
                                        "0 done", "falling", "bad ", "(0%)", NULL};
    for (const char *const *w = words; *w; w++)
        if (strstr(text, *w)) fail_msg("%s says \"%s\":\n%s", what, *w, text);
}

/* Nothing done at all, nothing logged: every output still reads kindly. */
static void test_no_blame_anywhere(void **state)
{
    (void)state;
    struct canned_day none[NDAYS] = {0};
    for (int i = 0; i < NDAYS; i += 2)
        none[i] = (struct canned_day){.cdue = 1, .gshown = 1, .pdue = i == 4, .pbroken = i == 4};
    json_t *replies[] = {reply_of(none, NDAYS, 0, 0), full_reply()};
    for (size_t k = 0; k < 2; k++) {
        struct report *r = parse(replies[k]);
        char *text = draw(r, print_text), *svg = draw(r, report_write_svg),
             *html = draw(r, report_write_html);
        char *vs = visible(svg), *vh = visible(html);
        no_blame("the text", text);
        no_blame("the SVG", vs);
        no_blame("the HTML", vh);
        if (k == 0) {
            assert_non_null(strstr(text, "a fresh start"));
            assert_non_null(strstr(text, "none logged yet"));
            assert_non_null(strstr(vs, "no mood logged yet"));
            assert_int_equal(xmllint(svg, "none.svg"), 0);
            assert_int_equal(xmllint(html, "none.html"), 0);
        }
        free(vs);
        free(vh);
        free(text);
        free(svg);
        free(html);
        report_free(r);
    }
}

static void test_mood_words(void **state)
{
    (void)state;
    assert_null(report_mood_word(0));
    assert_null(report_mood_word(6));
    assert_string_equal(report_mood_word(1), "hard");
    assert_string_equal(report_mood_word(4), "good");
    assert_string_equal(report_mood_word(5), "great");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_score_is_forgiving), cmocka_unit_test(test_text_weeks_and_moods),
        cmocka_unit_test(test_svg),                cmocka_unit_test(test_html),
        cmocka_unit_test(test_no_blame_anywhere),  cmocka_unit_test(test_mood_words),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
