/* caldav_parse_multistatus on replies shaped as different servers shape them, and on broken
 * ones: the namespaces decide, never the prefixes; a 404 propstat or response carries no item;
 * a missing prop or an unreadable VTODO is skipped and counted. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caldav/caldav.h"

#define TODO(uid) \
    "BEGIN:VCALENDAR&#13;\nVERSION:2.0\nPRODID:-//t//EN\nBEGIN:VTODO\nUID:" uid \
    "\nDTSTAMP:20261202T100000Z\nSUMMARY:Walk\nSTATUS:COMPLETED\nCOMPLETED:20261202T204107Z\nEND:VTODO\nEND:VCALENDAR\n"

static void parse_ok(const char *xml, size_t want_n, size_t want_skipped, struct caldav_item **items)
{
    size_t n = 99, skipped = 99;
    char err[200] = "";
    int rc = caldav_parse_multistatus(xml, strlen(xml), items, &n, &skipped, err, sizeof err);
    if (rc != 0)
        fail_msg("parse failed: %s", err);
    assert_int_equal(n, want_n);
    assert_int_equal(skipped, want_skipped);
}

static void test_odd_prefixes_and_default_namespace(void **state)
{
    /* Lower-case d:, cal: for CalDAV, and a second response in the default namespace. */
    const char *xml =
        "<?xml version=\"1.0\"?>\n"
        "<d:multistatus xmlns:d=\"DAV:\" xmlns:cal=\"urn:ietf:params:xml:ns:caldav\">"
        "<d:response><d:href> /u/c/a.ics </d:href><d:propstat><d:prop>"
        "<d:getetag>\"e1\"</d:getetag><cal:calendar-data>" TODO("a") "</cal:calendar-data>"
        "</d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>"
        "<response xmlns=\"DAV:\"><href>/u/c/b.ics</href><propstat><prop><getetag>\"e2\"</getetag>"
        "<C:calendar-data xmlns:C=\"urn:ietf:params:xml:ns:caldav\"><![CDATA[" TODO("b") "]]></C:calendar-data>"
        "</prop><status>HTTP/1.1 200 OK</status></propstat></response>"
        "</d:multistatus>";
    struct caldav_item *items;
    parse_ok(xml, 2, 0, &items);
    assert_string_equal(items[0].href, "/u/c/a.ics");
    assert_string_equal(items[0].etag, "\"e1\"");
    assert_string_equal(items[0].todo.uid, "a");
    assert_int_equal(items[0].todo.status, ICAL_TODO_COMPLETED);
    assert_true(items[0].todo.completed > 0);
    assert_string_equal(items[1].href, "/u/c/b.ics");
    assert_string_equal(items[1].todo.uid, "b");
    caldav_items_free(items, 2);
}

static void test_wrong_namespace_is_not_ours(void **state)
{
    /* The right local names in another namespace: no multistatus. */
    const char *xml = "<x:multistatus xmlns:x=\"urn:other\"><x:response/></x:multistatus>";
    struct caldav_item *items;
    size_t n, skipped;
    char err[200];
    assert_int_equal(caldav_parse_multistatus(xml, strlen(xml), &items, &n, &skipped, err, sizeof err), -1);
    assert_non_null(strstr(err, "multistatus"));
}

static void test_404_and_missing_props(void **state)
{
    const char *xml =
        "<D:multistatus xmlns:D=\"DAV:\" xmlns:C=\"urn:ietf:params:xml:ns:caldav\">"
        /* gone: a response-level 404 */
        "<D:response><D:href>/c/gone.ics</D:href><D:status>HTTP/1.1 404 Not Found</D:status></D:response>"
        /* calendar-data only in a 404 propstat: skipped */
        "<D:response><D:href>/c/nodata.ics</D:href>"
        "<D:propstat><D:prop><D:getetag>\"x\"</D:getetag></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat>"
        "<D:propstat><D:prop><C:calendar-data/></D:prop><D:status>HTTP/1.1 404 Not Found</D:status></D:propstat>"
        "</D:response>"
        /* no getetag at all, no status line: kept, without an ETag */
        "<D:response><D:href>/c/noetag.ics</D:href><D:propstat><D:prop><C:calendar-data>" TODO("n")
        "</C:calendar-data></D:prop></D:propstat></D:response>"
        /* a VTODO libical's reader refuses (no UID): skipped */
        "<D:response><D:href>/c/bad.ics</D:href><D:propstat><D:prop><C:calendar-data>"
        "BEGIN:VCALENDAR\nBEGIN:VTODO\nSUMMARY:x\nEND:VTODO\nEND:VCALENDAR\n"
        "</C:calendar-data></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>"
        /* no href: skipped */
        "<D:response><D:propstat><D:prop><C:calendar-data>" TODO("h")
        "</C:calendar-data></D:prop></D:propstat></D:response>"
        "</D:multistatus>";
    struct caldav_item *items;
    parse_ok(xml, 1, 3, &items);
    assert_string_equal(items[0].href, "/c/noetag.ics");
    assert_null(items[0].etag);
    assert_string_equal(items[0].todo.uid, "n");
    caldav_items_free(items, 1);
}

static void test_empty_and_broken(void **state)
{
    struct caldav_item *items;
    parse_ok("<multistatus xmlns=\"DAV:\"/>", 0, 0, &items);
    caldav_items_free(items, 0);
    const char *bad[] = {"", "not xml", "<D:multistatus xmlns:D=\"DAV:\"><D:response>",
                         "<?xml version=\"1.0\"?><!DOCTYPE x SYSTEM \"http://example.com/x.dtd\"><x/>"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        size_t n = 5, skipped = 5;
        char err[200] = "";
        assert_int_equal(caldav_parse_multistatus(bad[i], strlen(bad[i]), &items, &n, &skipped, err, sizeof err), -1);
        assert_true(err[0] != '\0');
        assert_null(strchr(err, '\n'));
        assert_int_equal(n, 0);
        assert_null(items);
    }
}

static void test_entities_are_not_expanded_from_outside(void **state)
{
    /* An external entity must not be read (XXE): the file's text never appears. */
    const char *xml =
        "<?xml version=\"1.0\"?><!DOCTYPE m [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
        "<D:multistatus xmlns:D=\"DAV:\" xmlns:C=\"urn:ietf:params:xml:ns:caldav\">"
        "<D:response><D:href>/c/&x;a.ics</D:href><D:propstat><D:prop><C:calendar-data>" TODO("e")
        "</C:calendar-data></D:prop></D:propstat></D:response></D:multistatus>";
    struct caldav_item *items;
    size_t n, skipped;
    char err[200];
    if (caldav_parse_multistatus(xml, strlen(xml), &items, &n, &skipped, err, sizeof err) == 0) {
        for (size_t i = 0; i < n; i++)
            assert_null(strstr(items[i].href, "root:"));
        caldav_items_free(items, n);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_odd_prefixes_and_default_namespace),
        cmocka_unit_test(test_wrong_namespace_is_not_ours),
        cmocka_unit_test(test_404_and_missing_props),
        cmocka_unit_test(test_empty_and_broken),
        cmocka_unit_test(test_entities_are_not_expanded_from_outside),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
