/* caldav/ from the command line, for tests/e2e/test_caldav.py: one request on a libuv loop,
 * its answer printed as tab-separated lines.
 *
 *   caldav_tool URL USER PASSWORD list
 *       ITEM <href> <etag> <uid> <open|completed|cancelled> <completed, s since epoch> <ours 0|1> <summary>
 *       OK <n items> <n skipped>
 *   caldav_tool URL USER PASSWORD put <href|-> <etag|-> <uid> <summary> <due, s since epoch>
 *       OK <etag or ->        (href "-": caldav_href of the uid; etag "-": create only)
 *   caldav_tool URL USER PASSWORD delete <href> <etag|->
 *       OK
 * A failure prints "ERROR <class> <status>: <line>" and exits 1; bad usage exits 2.
 * CALDAV_TIMEOUT_MS in the environment sets the per-request time-out (default 10 s). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "caldav/caldav.h"
#include "ical/ical.h"

static int exit_code = 1;

static void done(void *ud, const struct caldav_reply *r)
{
    const char *cmd = ud;
    if (r->result != CALDAV_OK) {
        printf("ERROR %s %ld: %s\n", caldav_result_name(r->result), r->status, r->error);
        exit_code = 1;
        return;
    }
    if (strcmp(cmd, "list") == 0) {
        for (size_t i = 0; i < r->n_items; i++) {
            const struct caldav_item *it = &r->items[i];
            const char *st = it->todo.status == ICAL_TODO_COMPLETED   ? "completed"
                             : it->todo.status == ICAL_TODO_CANCELLED ? "cancelled"
                                                                      : "open";
            printf("ITEM\t%s\t%s\t%s\t%s\t%lld\t%d\t%s\n", it->href, it->etag ? it->etag : "-",
                   it->todo.uid, st, (long long)(it->todo.completed / 1000000), it->todo.ours ? 1 : 0,
                   it->todo.summary ? it->todo.summary : "");
        }
        printf("OK\t%zu\t%zu\n", r->n_items, r->skipped);
    } else if (strcmp(cmd, "put") == 0) {
        printf("OK\t%s\n", r->etag ? r->etag : "-");
    } else {
        printf("OK\n");
    }
    exit_code = 0;
}

static int usage(void)
{
    fprintf(stderr, "usage: caldav_tool URL USER PASSWORD list | put HREF ETAG UID SUMMARY DUE | delete HREF ETAG\n");
    return 2;
}

int main(int argc, char **argv)
{
    if (argc < 5)
        return usage();
    uv_loop_t loop;
    uv_loop_init(&loop);
    struct http *http = http_new(&loop);
    char err[300];
    const char *tmo = getenv("CALDAV_TIMEOUT_MS");
    struct caldav_config cfg = {.url = argv[1], .user = argv[2], .password = argv[3],
                                .timeout_ms = tmo ? (unsigned)strtoul(tmo, NULL, 10) : 10000};
    struct caldav *cd = http ? caldav_new(http, &cfg, err, sizeof err) : NULL;
    if (!cd) {
        fprintf(stderr, "caldav_tool: %s\n", http ? err : "no HTTP client");
        return 2;
    }
    const char *cmd = argv[4];
    int rc = -1;
    char *ics = NULL, *href = NULL;
    if (strcmp(cmd, "list") == 0 && argc == 5) {
        rc = caldav_list(cd, done, (void *)cmd);
    } else if (strcmp(cmd, "put") == 0 && argc == 10) {
        struct ical_todo t = {.uid = argv[7], .summary = argv[8], .kind = "checkin",
                              .due = (usec_t)strtoll(argv[9], NULL, 10) * 1000000};
        ics = ical_todo_write(&t);
        href = strcmp(argv[5], "-") == 0 ? caldav_href(cd, argv[7]) : strdup(argv[5]);
        const char *etag = strcmp(argv[6], "-") == 0 ? NULL : argv[6];
        if (ics && href)
            rc = caldav_put(cd, href, etag, ics, strlen(ics), done, (void *)cmd);
    } else if (strcmp(cmd, "delete") == 0 && argc == 7) {
        rc = caldav_delete(cd, argv[5], strcmp(argv[6], "-") == 0 ? NULL : argv[6], done, (void *)cmd);
    } else {
        caldav_free(cd);
        http_free(http);
        uv_run(&loop, UV_RUN_DEFAULT);
        uv_loop_close(&loop);
        return usage();
    }
    if (rc != 0)
        printf("ERROR refused-locally 0: the request could not be started\n");
    else
        uv_run(&loop, UV_RUN_DEFAULT);
    free(ics);
    free(href);
    caldav_free(cd);
    http_free(http);
    uv_run(&loop, UV_RUN_DEFAULT);
    if (uv_loop_close(&loop) != 0) {
        fprintf(stderr, "caldav_tool: handles left open on the loop\n");
        return 3;
    }
    return exit_code;
}
