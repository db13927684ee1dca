/* Drives sync/password.c on a GLib main loop, as the daemon does, for
 * tests/e2e/test_sync_password.py:
 *   password_tool store URL USER     stores the line read from stdin
 *   password_tool lookup URL USER    prints "rc WHERE PASSWORD-or-ERROR"
 *   password_tool cancel URL USER    starts a lookup, cancels it, then a second lookup must be
 *                                    the only answer (the first's callback never comes)
 * Exits 0 when the callback came (whatever its rc), 2 on a usage error. */
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "sync/password.h"

static GMainLoop *loop;
static int answers;

static void answered(void *ud, int rc, const char *password, const char *where, const char *err)
{
    printf("%s%d %s %s\n", (const char *)ud, rc, where ? where : "-",
           rc == 0 ? (password ? password : "stored") : err);
    fflush(stdout);
    answers++;
    g_main_loop_quit(loop);
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: password_tool store|lookup|cancel URL USER\n");
        return 2;
    }
    loop = g_main_loop_new(NULL, FALSE);
    struct sync_password_op *op = NULL;
    if (!strcmp(argv[1], "store")) {
        char pw[SYNC_PASSWORD_MAX + 2];
        if (!fgets(pw, sizeof pw, stdin)) return 2;
        pw[strcspn(pw, "\n")] = 0;
        op = sync_password_store(argv[2], argv[3], pw, answered, "");
    } else if (!strcmp(argv[1], "lookup")) {
        op = sync_password_lookup(argv[2], argv[3], answered, "");
    } else if (!strcmp(argv[1], "cancel")) {
        struct sync_password_op *first = sync_password_lookup(argv[2], argv[3], answered, "first ");
        sync_password_cancel(first);
        op = sync_password_lookup(argv[2], argv[3], answered, "second ");
    } else {
        return 2;
    }
    if (op || !answers) g_main_loop_run(loop);
    /* The cancelled lookup's reply is still on its way: let it arrive (and be dropped)
     * before the process ends, so a late callback would show in the output. */
    if (!strcmp(argv[1], "cancel"))
        while (g_main_context_pending(NULL)) g_main_context_iteration(NULL, FALSE);
    g_main_loop_unref(loop);
    return answers == 1 ? 0 : 1;
}
