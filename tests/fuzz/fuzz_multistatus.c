/* A CalDAV listing as a server might send it: caldav_parse_multistatus, then the sync's plan
 * against it. Whatever the server says, the plan changes only tasks nudge made (X-NUDGE) and
 * deletes only those this nudge remembers making. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "caldav/caldav.h"
#include "fuzz_util.h"
#include "sync/plan.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_set_tz("Europe/Berlin");
    return 0;
}

#define T0 ((usec_t)1796000000 * USEC_PER_SEC)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct caldav_item *items = NULL;
    size_t n = 0, skipped = 0;
    char err[256] = "";
    if (caldav_parse_multistatus((const char *)data, size, &items, &n, &skipped, err, sizeof err) < 0) {
        FUZZ_CHECK(err[0] != 0, "an error without a message");
        return 0;
    }
    FUZZ_CHECK(n <= CALDAV_MAX_ITEMS, "too many items");
    struct sync_remote *r = calloc(n ? n : 1, sizeof *r);
    size_t nr = 0;
    for (size_t i = 0; i < n; i++) {
        FUZZ_CHECK(items[i].href && items[i].todo.uid, "an item without href or UID");
        bool dup = false;
        for (size_t j = 0; j < nr && !dup; j++) dup = !strcmp(r[j].todo->uid, items[i].todo.uid);
        if (!dup) r[nr++] = (struct sync_remote){items[i].href, items[i].etag, &items[i].todo};
    }
    struct sync_want w[2] = {
        {.todo = {.uid = "a@nudge", .summary = "Walk", .kind = "gesture", .due = T0},
         .mode = SYNC_WANT_FULL, .create = true},
        {.todo = {.uid = "b@nudge", .status = ICAL_TODO_COMPLETED, .completed = T0},
         .mode = SYNC_WANT_STATUS},
    };
    struct sync_known k[2] = {{"b@nudge", "/c/b.ics", "\"1\"", T0}, {"c@nudge", "/c/c.ics", NULL, T0}};
    struct sync_plan p;
    if (r && sync_plan_build(w, 2, r, nr, k, 2, skipped > 0, T0, &p) == 0) {
        for (size_t i = 0; i < p.n; i++) {
            const struct sync_op *op = &p.ops[i];
            if (op->kind != SYNC_OP_UPDATE && op->kind != SYNC_OP_DELETE) continue;
            const struct sync_remote *hit = NULL;
            for (size_t j = 0; j < nr; j++)
                if (!strcmp(r[j].todo->uid, op->uid)) hit = &r[j];
            FUZZ_CHECK(hit && hit->todo->ours, "a change to a task nudge did not make");
            FUZZ_CHECK(op->kind != SYNC_OP_DELETE || !strcmp(op->uid, "b@nudge") ||
                           !strcmp(op->uid, "c@nudge"),
                       "a delete of a task this nudge does not remember");
        }
        sync_plan_free(&p);
    }
    free(r);
    caldav_items_free(items, n);
    return 0;
}
