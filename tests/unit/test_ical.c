/* Unit tests for src/ical: the export calendar, the VTODO writer, and the reader on what
 * servers and phones send, malformed input included. Runs with TZ=Europe/Berlin. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/utf8.h"
#include "ical/ical.h"

/* Mon 2026-11-23 19:30:00 UTC (20:30 in Berlin). */
#define T0 ((usec_t)1795462200 * USEC_PER_SEC)
#define MIN USEC_PER_MINUTE

/* The text with folds (CRLF + space) undone. Caller frees. */
static char *unfold(const char *s)
{
    char *r = strdup(s), *w = r;
    for (const char *p = s; *p; p++) {
        if (p[0] == '\r' && p[1] == '\n' && p[2] == ' ') {
            p += 2;
            continue;
        }
        *w++ = *p;
    }
    *w = 0;
    return r;
}

static bool has_line(const char *text, const char *line)
{
    char *u = unfold(text);
    size_t n = strlen(line);
    bool found = false;
    for (const char *p = u; (p = strstr(p, line)); p++)
        if ((p == u || p[-1] == '\n') && p[n] == '\r' && p[n + 1] == '\n') {
            found = true;
            break;
        }
    free(u);
    return found;
}

/* Every physical line ends in CRLF, holds at most 75 octets and is whole UTF-8. */
static void assert_folded(const char *text)
{
    size_t len = strlen(text);
    assert_true(len >= 2 && text[len - 2] == '\r' && text[len - 1] == '\n');
    for (const char *p = text; *p;) {
        const char *e = strstr(p, "\r\n");
        assert_non_null(e);
        if ((size_t)(e - p) > 75) fail_msg("line of %zu octets: %.*s", (size_t)(e - p), (int)(e - p), p);
        assert_true(utf8_valid(p, (size_t)(e - p)));
        assert_null(memchr(p, '\n', (size_t)(e - p)));
        p = e + 2;
    }
}

static int count(const char *text, const char *needle)
{
    int n = 0;
    for (const char *p = text; (p = strstr(p, needle)); p++)
        n++;
    return n;
}

static void test_events(void **state)
{
    (void)state;
    struct ical_event ev[] = {
        {.uid = "walk-20261123T193000Z@nudge", .summary = "Lunch, together; really",
         .description = "line one, with; a \\ backslash\nline two", .kind = "checkin",
         .start = T0},
        {.uid = NULL, .summary = "no uid: left out", .start = T0},
        {.uid = "tea-20261124@nudge", .summary = "tea", .start = T0 + 60 * MIN},
    };
    char *s = ical_events_write(ev, 3, T0 - 5 * MIN);
    assert_non_null(s);
    assert_folded(s);
    assert_true(strncmp(s, "BEGIN:VCALENDAR\r\n", 17) == 0);
    assert_true(has_line(s, "VERSION:2.0"));
    assert_true(has_line(s, "PRODID:-//nudge//nudge " NUDGE_VERSION "//EN"));
    assert_true(has_line(s, "METHOD:PUBLISH"));
    assert_int_equal(count(s, "BEGIN:VEVENT"), 2);
    assert_int_equal(count(s, "no uid"), 0);
    assert_true(has_line(s, "UID:walk-20261123T193000Z@nudge"));
    assert_true(has_line(s, "DTSTART:20261123T193000Z"));
    assert_true(has_line(s, "DTSTART:20261123T203000Z"));
    assert_true(has_line(s, "DTSTAMP:20261123T192500Z"));
    assert_int_equal(count(s, "DURATION:PT15M\r\n"), 2);
    assert_true(has_line(s, "SUMMARY:Lunch\\, together\\; really"));
    assert_true(has_line(s, "DESCRIPTION:line one\\, with\\; a \\\\ backslash\\nline two"));
    assert_true(has_line(s, "CATEGORIES:checkin"));
    assert_int_equal(count(s, "ACTION:DISPLAY"), 2);
    assert_true(has_line(s, "END:VCALENDAR"));
    free(s);

    /* No events: still a calendar a phone accepts. */
    s = ical_events_write(NULL, 0, T0);
    assert_non_null(s);
    assert_int_equal(count(s, "BEGIN:VEVENT"), 0);
    assert_true(has_line(s, "END:VCALENDAR"));
    free(s);
}

/* Long text of two-, three- and four-byte characters folds on character boundaries; control
 * characters other than a newline are dropped, invalid UTF-8 is repaired. */
static void test_events_fold_and_clean(void **state)
{
    (void)state;
    char title[1200] = "";
    for (int i = 0; i < 40; i++)
        strcat(title, "ü日🌱, ");
    strcat(title, "tab\there\x01\x7f\r end \xff");
    struct ical_event ev = {.uid = "u@nudge", .summary = title, .description = title,
                            .start = T0};
    char *s = ical_events_write(&ev, 1, T0);
    assert_non_null(s);
    assert_folded(s);
    char *u = unfold(s);
    assert_non_null(strstr(u, "tabhere end \xef\xbf\xbd\r\n"));
    assert_null(strchr(u, '\t'));
    free(u);
    free(s);
}

static void test_todo_write(void **state)
{
    (void)state;
    struct ical_todo t = {.uid = "checkin-20261123T193000Z@nudge", .summary = "Evening check-in",
                          .description = "How was today, together?", .kind = "checkin",
                          .due = T0, .last_modified = T0 - MIN};
    char *s = ical_todo_write(&t);
    assert_non_null(s);
    assert_folded(s);
    assert_int_equal(count(s, "BEGIN:VTODO"), 1);
    assert_true(has_line(s, "UID:checkin-20261123T193000Z@nudge"));
    assert_true(has_line(s, "DTSTAMP:20261123T192900Z"));
    assert_true(has_line(s, "LAST-MODIFIED:20261123T192900Z"));
    assert_true(has_line(s, "DUE:20261123T193000Z"));
    assert_true(has_line(s, "SUMMARY:Evening check-in"));
    assert_true(has_line(s, "DESCRIPTION:How was today\\, together?"));
    assert_true(has_line(s, "CATEGORIES:checkin"));
    assert_true(has_line(s, "X-NUDGE-KIND:checkin"));
    assert_true(has_line(s, "X-NUDGE:1"));
    assert_true(has_line(s, "STATUS:NEEDS-ACTION"));
    assert_int_equal(count(s, "COMPLETED:"), 0);
    assert_true(has_line(s, "BEGIN:VALARM"));
    assert_true(has_line(s, "ACTION:DISPLAY"));
    assert_true(has_line(s, "TRIGGER;RELATED=END:PT0S"));
    assert_true(has_line(s, "DESCRIPTION:Evening check-in"));
    free(s);

    t.status = ICAL_TODO_COMPLETED;
    t.completed = T0 + 7 * MIN;
    s = ical_todo_write(&t);
    assert_true(has_line(s, "STATUS:COMPLETED"));
    assert_true(has_line(s, "COMPLETED:20261123T193700Z"));
    free(s);
    t.status = ICAL_TODO_CANCELLED;
    s = ical_todo_write(&t);
    assert_true(has_line(s, "STATUS:CANCELLED"));
    assert_int_equal(count(s, "\r\nCOMPLETED:"), 0);
    free(s);

    /* A due libical cannot write (after 3000) is left out, with its alarm. */
    t.due = (usec_t)32535216000 * USEC_PER_SEC;
    s = ical_todo_write(&t);
    assert_int_equal(count(s, "DUE"), 0);
    assert_int_equal(count(s, "VALARM"), 0);
    free(s);
    t.due = (usec_t)32535215999 * USEC_PER_SEC;
    s = ical_todo_write(&t);
    assert_true(has_line(s, "DUE:30001231T235959Z"));
    free(s);

    /* No UID: nothing sync could ever match again, so nothing is written. */
    t.uid = NULL;
    assert_null(ical_todo_write(&t));
    t.uid = "";
    assert_null(ical_todo_write(&t));
    assert_null(ical_todo_write(NULL));
}

static void read_ok(const char *text, struct ical_todo *out)
{
    char err[256] = "";
    if (ical_todo_read(text, strlen(text), out, err, sizeof err) != 0)
        fail_msg("ical_todo_read failed: %s\n%s", err, text);
}

static void read_err(const char *text, size_t len, const char *want)
{
    struct ical_todo t;
    char err[256] = "";
    int r = ical_todo_read(text, len, &t, err, sizeof err);
    if (r != -1) fail_msg("read %zu bytes without an error (want \"%s\")", len, want);
    if (!strstr(err, want)) fail_msg("error \"%s\", want \"%s\"", err, want);
    assert_null(t.uid);
    assert_null(t.summary);
}

static void read_err_s(const char *text, const char *want)
{
    read_err(text, strlen(text), want);
}

static void test_round_trip(void **state)
{
    (void)state;
    const char *texts[] = {"plain", "a, b; c \\ d\nsecond line", "ü日🌱 café"};
    for (int st = ICAL_TODO_OPEN; st <= ICAL_TODO_CANCELLED; st++)
        for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
            struct ical_todo t = {.uid = "promise-call-mum@nudge", .summary = (char *)texts[i],
                                  .description = (char *)texts[i], .kind = "promise",
                                  .due = T0 + (usec_t)i * USEC_PER_DAY,
                                  .status = (enum ical_todo_status)st,
                                  .completed = st == ICAL_TODO_COMPLETED ? T0 + MIN : 0,
                                  .last_modified = T0 + 2 * MIN};
            char *s = ical_todo_write(&t);
            struct ical_todo r;
            read_ok(s, &r);
            assert_string_equal(r.uid, t.uid);
            assert_string_equal(r.summary, texts[i]);
            assert_string_equal(r.description, texts[i]);
            assert_string_equal(r.kind, "promise");
            assert_int_equal(r.due, t.due);
            assert_int_equal(r.status, st);
            assert_int_equal(r.completed, t.completed);
            assert_int_equal(r.last_modified, t.last_modified);
            assert_true(r.ours);
            ical_todo_clear(&r);
            assert_null(r.uid);
            free(s);
        }
    /* Without summary, description or kind the task still reads back. */
    struct ical_todo t = {.uid = "bare@nudge", .due = T0};
    char *s = ical_todo_write(&t);
    struct ical_todo r;
    read_ok(s, &r);
    assert_string_equal(r.uid, "bare@nudge");
    assert_null(r.summary);
    assert_null(r.kind);
    assert_int_equal(r.due, T0);
    ical_todo_clear(&r);
    free(s);
}

/* What a server or a phone's tasks app sends back: a calendar with a time zone and other
 * components, LF line endings, folds, zones given by TZID. */
static void test_read_server(void **state)
{
    (void)state;
    const char *cal = "BEGIN:VCALENDAR\n"
                      "VERSION:2.0\n"
                      "PRODID:-//Some phone app//EN\n"
                      "BEGIN:VTIMEZONE\n"
                      "TZID:Europe/Berlin\n"
                      "BEGIN:STANDARD\n"
                      "DTSTART:19701025T030000\n"
                      "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\n"
                      "TZOFFSETFROM:+0200\n"
                      "TZOFFSETTO:+0100\n"
                      "END:STANDARD\n"
                      "END:VTIMEZONE\n"
                      "BEGIN:VEVENT\n"
                      "UID:not-a-task\n"
                      "DTSTART:20261123T100000Z\n"
                      "END:VEVENT\n"
                      "BEGIN:VTODO\n"
                      "UID:checkin-20261123T193000Z@nudge\n"
                      "SUMMARY:Evening che\n"
                      " ck-in\n"
                      "DUE;TZID=Europe/Berlin:20261123T203000\n"
                      "STATUS:COMPLETED\n"
                      "COMPLETED:20261123T194500Z\n"
                      "CATEGORIES:checkin,other\n"
                      "X-NUDGE:1\n"
                      "X-SOME-APP-THING:whatever\n"
                      "BEGIN:VALARM\n"
                      "ACTION:DISPLAY\n"
                      "TRIGGER;RELATED=END:PT0S\n"
                      "DESCRIPTION:x\n"
                      "END:VALARM\n"
                      "END:VTODO\n"
                      "END:VCALENDAR\n";
    struct ical_todo r;
    read_ok(cal, &r);
    assert_string_equal(r.uid, "checkin-20261123T193000Z@nudge");
    assert_string_equal(r.summary, "Evening check-in");
    assert_string_equal(r.kind, "checkin"); /* no X-NUDGE-KIND: the first category */
    assert_int_equal(r.due, T0);
    assert_int_equal(r.status, ICAL_TODO_COMPLETED);
    assert_int_equal(r.completed, T0 + 15 * MIN);
    assert_true(r.ours);
    ical_todo_clear(&r);

    /* Another zone; a task nudge did not make; COMPLETED alone marks it done. */
    read_ok("BEGIN:VCALENDAR\r\nBEGIN:VTODO\r\nUID:theirs\r\n"
            "DUE;TZID=America/New_York:20261123T143000\r\nCOMPLETED:20261123T200000Z\r\n"
            "X-NUDGE:0\r\nEND:VTODO\r\nEND:VCALENDAR\r\n",
            &r);
    assert_int_equal(r.due, T0);
    assert_false(r.ours);
    assert_int_equal(r.status, ICAL_TODO_COMPLETED);
    assert_int_equal(r.completed, T0 + 30 * MIN);
    ical_todo_clear(&r);

    /* Floating time, an unknown TZID and a DATE: the local zone (Berlin here). */
    read_ok("BEGIN:VTODO\r\nUID:f\r\nDUE:20261123T203000\r\nSTATUS:CANCELLED\r\nEND:VTODO\r\n",
            &r);
    assert_int_equal(r.due, T0);
    assert_int_equal(r.status, ICAL_TODO_CANCELLED);
    ical_todo_clear(&r);
    read_ok("BEGIN:VCALENDAR\r\nBEGIN:VTODO\r\nUID:w\r\n"
            "DUE;TZID=W. Europe Standard Time:20261123T203000\r\nEND:VTODO\r\nEND:VCALENDAR\r\n",
            &r);
    assert_int_equal(r.due, T0);
    assert_int_equal(r.status, ICAL_TODO_OPEN);
    ical_todo_clear(&r);
    read_ok("BEGIN:VCALENDAR\r\nBEGIN:VTODO\r\nUID:d\r\nDUE;VALUE=DATE:20261124\r\n"
            "STATUS:IN-PROCESS\r\nEND:VTODO\r\nEND:VCALENDAR\r\n",
            &r);
    assert_int_equal(r.due, (usec_t)1795474800 * USEC_PER_SEC); /* 2026-11-24 00:00 CET */
    assert_int_equal(r.status, ICAL_TODO_OPEN);
    ical_todo_clear(&r);

    /* No DUE at all is a task without a date, not an error; several calendars: the first
     * VTODO. */
    read_ok("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:e\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
            "BEGIN:VCALENDAR\r\nBEGIN:VTODO\r\nUID:second\r\nEND:VTODO\r\nEND:VCALENDAR\r\n",
            &r);
    assert_string_equal(r.uid, "second");
    assert_int_equal(r.due, 0);
    ical_todo_clear(&r);

    /* Long text is cut at a character; a UID of 255 bytes is still read. */
    char *big = malloc(20000);
    strcpy(big, "BEGIN:VTODO\r\nUID:");
    memset(big + strlen(big), 'u', ICAL_MAX_UID);
    strcpy(big + 17 + ICAL_MAX_UID, "\r\nSUMMARY:");
    for (int i = 0; i < 1500; i++)
        strcat(big, "日");
    strcat(big, "\r\nEND:VTODO\r\n");
    read_ok(big, &r);
    assert_int_equal(strlen(r.uid), ICAL_MAX_UID);
    assert_true(strlen(r.summary) <= ICAL_MAX_TEXT && strlen(r.summary) > ICAL_MAX_TEXT - 3);
    assert_true(utf8_valid(r.summary, strlen(r.summary)));
    ical_todo_clear(&r);
    free(big);
}

static void test_read_malformed(void **state)
{
    (void)state;
    read_err("", 0, "empty calendar");
    read_err(NULL, 10, "empty calendar");
    read_err("garbage", 7, "line 1 is not an iCalendar content line");
    read_err_s("BEGIN:VTODO\r\nUID;X:y\r\nEND:VTODO\r\n", "line 2 is not");
    read_err_s("BEGIN:VTODO\r\nUID;X=\"y:z\r\nEND:VTODO\r\n", "line 2 is not");
    read_err_s("END:VTODO\r\nBEGIN:VTODO\r\nUID:x\r\nEND:VTODO\r\n", "line 1: END before");
    read_err("\x00\x01\x02", 3, "no VTODO");
    const char *ev = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    read_err(ev, strlen(ev), "no VTODO");
    const char *nouid = "BEGIN:VCALENDAR\r\nBEGIN:VTODO\r\nSUMMARY:x\r\nEND:VTODO\r\nEND:VCALENDAR\r\n";
    read_err(nouid, strlen(nouid), "has no UID");
    const char *empty_uid = "BEGIN:VTODO\r\nUID:\r\nEND:VTODO\r\n";
    read_err(empty_uid, strlen(empty_uid), "has no UID");
    /* A UID that reads as blanks (here an escaped control character) would not read back
     * once written (the fuzzer's find): it is none. */
    const char *blank_uid = "BEGIN:VTODO\nUID:\\\x19\n\r\nEND:VTODO";
    read_err(blank_uid, strlen(blank_uid), "has no UID");
    const char *bad_due[] = {
        "BEGIN:VTODO\r\nUID:x\r\nDUE:tomorrow\r\nEND:VTODO\r\n",
        "BEGIN:VTODO\r\nUID:x\r\nDUE:19691231T230000Z\r\nEND:VTODO\r\n",
        "BEGIN:VTODO\r\nUID:x\r\nDUE:30010101T000000Z\r\nEND:VTODO\r\n",
        "BEGIN:VTODO\r\nUID:x\r\nDUE;TZID=America/Los_Angeles:30001231T235959\r\nEND:VTODO\r\n",
        "BEGIN:VTODO\r\nUID:x\r\nDUE:20261323T203000Z\r\nEND:VTODO\r\n",
        "BEGIN:VTODO\r\nUID:x\r\nDUE:20260231T203000Z\r\nEND:VTODO\r\n",
        "BEGIN:VTODO\r\nUID:x\r\nDUE:20261123T253000Z\r\nEND:VTODO\r\n",
        "BEGIN:VTODO\r\nUID:x\r\nDUE;VALUE=TEXT:soon\r\nEND:VTODO\r\n",
    };
    for (size_t i = 0; i < sizeof bad_due / sizeof *bad_due; i++) {
        struct ical_todo t;
        char err[256] = "";
        int r = ical_todo_read(bad_due[i], strlen(bad_due[i]), &t, err, sizeof err);
        /* libical may drop a DUE it cannot parse (then the task has no date) or keep it
         * (then the reader refuses it): never a made-up date. */
        if (r == 0) {
            assert_int_equal(t.due, 0);
            ical_todo_clear(&t);
        } else {
            assert_non_null(strstr(err, "DUE is not a date"));
        }
    }

    /* Too large, refused before parsing. */
    size_t n = ICAL_MAX_INPUT + 1;
    char *huge = malloc(n);
    memset(huge, 'A', n);
    memcpy(huge, "BEGIN:VTODO\r\nUID:x\r\n", 20);
    read_err(huge, n, "larger than");
    free(huge);

    /* UID too long. */
    char *longuid = malloc(1000);
    strcpy(longuid, "BEGIN:VTODO\r\nUID:");
    memset(longuid + 17, 'u', 300);
    strcpy(longuid + 317, "\r\nEND:VTODO\r\n");
    read_err(longuid, strlen(longuid), "UID is longer");
    free(longuid);

    /* Deep nesting, also hidden by folds or lone CRs, and too many components. */
    char *deep = malloc(200000);
    size_t len = 0;
    for (int i = 0; i < 5000; i++)
        len += (size_t)sprintf(deep + len, "%s", i % 2 ? "BEG\r\n IN:X\r\n" : "BEGIN:VTODO\r\n");
    read_err(deep, len, "nested more than");
    len = 0;
    for (int i = 0; i < 5000; i++)
        len += (size_t)sprintf(deep + len, "BEGIN:X\rUID:%d\r", i);
    read_err(deep, len, "nested more than");
    len = 0;
    for (int i = 0; i < 300; i++)
        len += (size_t)sprintf(deep + len, "BEGIN:VTODO\r\nUID:%d\r\nEND:VTODO\r\n", i);
    read_err(deep, len, "or more than 200");
    free(deep);
}

/* Every prefix of a real calendar and a few thousand byte flips: an answer, never a crash
 * (ASan/UBSan builds make this bite). */
static void test_never_crashes(void **state)
{
    (void)state;
    struct ical_todo t = {.uid = "x@nudge", .summary = "s, ; \\", .description = "d\nd",
                          .kind = "promise", .due = T0, .status = ICAL_TODO_COMPLETED,
                          .completed = T0, .last_modified = T0};
    char *s = ical_todo_write(&t);
    size_t len = strlen(s);
    char err[128];
    for (size_t i = 0; i <= len; i++) {
        struct ical_todo r;
        err[0] = 0;
        if (ical_todo_read(s, i, &r, err, sizeof err) == 0)
            ical_todo_clear(&r);
        else
            assert_true(err[0] != 0);
    }
    char *m = malloc(len);
    uint32_t x = 2463534242u;
    static const char bytes[] = ":;,\\\r\n =\"\x00\xff\xc3ZTzBEGINEND0123456789";
    for (int round = 0; round < 3000; round++) {
        memcpy(m, s, len);
        for (int k = 0; k < 4; k++) {
            x ^= x << 13, x ^= x >> 17, x ^= x << 5;
            m[x % len] = bytes[(x >> 8) % (sizeof bytes - 1)];
        }
        struct ical_todo r;
        err[0] = 0;
        if (ical_todo_read(m, len, &r, err, sizeof err) == 0) {
            assert_non_null(r.uid);
            ical_todo_clear(&r);
        } else {
            assert_true(err[0] != 0);
        }
    }
    free(m);
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_events),
        cmocka_unit_test(test_events_fold_and_clean),
        cmocka_unit_test(test_todo_write),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_read_server),
        cmocka_unit_test(test_read_malformed),
        cmocka_unit_test(test_never_crashes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
