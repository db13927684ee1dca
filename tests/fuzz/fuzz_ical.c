/* ical_todo_read on what a CalDAV server might send. A task read is sane (UID of bounded size,
 * valid UTF-8, instants after 1970) and survives ical_todo_write -> ical_todo_read. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/utf8.h"
#include "fuzz_util.h"
#include "ical/ical.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_set_tz("Europe/Berlin");
    return 0;
}

static bool plain(const char *s)
{
    for (; s && *s; s++)
        if (((unsigned char)*s < 0x20 && *s != '\n') || *s == 0x7f) return false;
    return true;
}

/* Equal but for white space at the ends (libical's reader drops a trailing space). */
static bool same(const char *a, const char *b)
{
    a = a ? a : "";
    b = b ? b : "";
    while (*a == ' ')
        a++;
    while (*b == ' ')
        b++;
    size_t la = strlen(a), lb = strlen(b);
    while (la && a[la - 1] == ' ')
        la--;
    while (lb && b[lb - 1] == ' ')
        lb--;
    return la == lb && !memcmp(a, b, la);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ical_todo t, r;
    char err[256] = "";
    if (ical_todo_read((const char *)data, size, &t, err, sizeof err) != 0) {
        FUZZ_CHECK(err[0] != 0, "an error without a message");
        FUZZ_CHECK(!t.uid && !t.summary && !t.description && !t.kind, "error left strings");
        return 0;
    }
    FUZZ_CHECK(t.uid && *t.uid && strlen(t.uid) <= ICAL_MAX_UID, "uid \"%s\"", t.uid);
    FUZZ_CHECK(!t.summary || strlen(t.summary) <= ICAL_MAX_TEXT, "summary too long");
    FUZZ_CHECK(!t.description || strlen(t.description) <= ICAL_MAX_TEXT, "description too long");
    const char *strs[] = {t.uid, t.summary, t.description, t.kind};
    for (int i = 0; i < 4; i++)
        FUZZ_CHECK(!strs[i] || utf8_valid(strs[i], strlen(strs[i])), "invalid UTF-8 in field %d",
                   i);
    FUZZ_CHECK(t.due >= 0 && t.completed >= 0 && t.last_modified >= 0, "a time before 1970");
    FUZZ_CHECK(t.status <= ICAL_TODO_CANCELLED, "status %d", (int)t.status);

    char *s = ical_todo_write(&t);
    if (s) {
        int rc = ical_todo_read(s, strlen(s), &r, err, sizeof err);
        FUZZ_CHECK(rc == 0, "what ical_todo_write wrote does not read back: %s\n%s", err, s);
        FUZZ_CHECK(r.due == t.due - t.due % USEC_PER_SEC, "due %lld -> %lld", (long long)t.due,
                   (long long)r.due);
        FUZZ_CHECK(r.status == t.status, "status %d -> %d", (int)t.status, (int)r.status);
        FUZZ_CHECK(r.ours, "X-NUDGE lost");
        if (plain(t.uid)) FUZZ_CHECK(same(t.uid, r.uid), "uid \"%s\" -> \"%s\"", t.uid, r.uid);
        if (plain(t.summary))
            FUZZ_CHECK(same(t.summary, r.summary), "summary \"%s\" -> \"%s\"", t.summary,
                       r.summary);
        if (plain(t.description))
            FUZZ_CHECK(same(t.description, r.description), "description differs");
        ical_todo_clear(&r);
        free(s);
    } else {
        FUZZ_CHECK(!plain(t.uid), "uid \"%s\" was not written", t.uid);
    }
    ical_todo_clear(&t);
    return 0;
}
