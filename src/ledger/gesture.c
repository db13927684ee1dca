/* Gesture memory (see gesture.h). */
#include "ledger/gesture.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/internal.h"

int ledger_gesture_add(struct ledger *lg, const char *reminder, const char *gesture, usec_t now)
{
    return store_gesture_add(lg->st, reminder, gesture, now);
}

static int recent_cb(void *ud, const char *gesture, usec_t at)
{
    (void)at;
    struct gesture_list *l = ud;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 16;
        char **v = realloc(l->v, cap * sizeof *v);
        if (!v) return -ENOMEM;
        l->v = v;
        l->cap = cap;
    }
    char *g = strdup(gesture ? gesture : "");
    if (!g) return -ENOMEM;
    l->v[l->n++] = g;
    return 0;
}

int ledger_gesture_recent(struct ledger *lg, const char *reminder, int n, struct gesture_list *out)
{
    if (n <= 0) return 0;
    if (n > GESTURE_RECENT_MAX) n = GESTURE_RECENT_MAX;
    return store_gesture_recent(lg->st, reminder, n, recent_cb, out);
}

void gesture_list_free(struct gesture_list *l)
{
    if (!l) return;
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    memset(l, 0, sizeof *l);
}
