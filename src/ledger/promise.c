/* Promises: adding, reading and counting them (see promise.h). */
#include "ledger/promise.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/internal.h"

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

int promise_list_add(struct promise_list *l, const struct ledger_promise *p)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 16;
        struct ledger_promise *v = realloc(l->v, cap * sizeof *v);
        if (!v) return -ENOMEM;
        l->v = v;
        l->cap = cap;
    }
    struct ledger_promise *q = &l->v[l->n];
    *q = (struct ledger_promise){.id = p->id, .due = p->due};
    q->key = dup_or_null(p->key);
    q->text = strdup(p->text ? p->text : "");
    q->source = strdup(p->source ? p->source : "");
    q->state = strdup(p->state ? p->state : "");
    l->n++; /* counted either way, so promise_list_free frees what was copied */
    if ((p->key && !q->key) || !q->text || !q->source || !q->state) return -ENOMEM;
    return 0;
}

void promise_list_free(struct promise_list *l)
{
    if (!l) return;
    for (size_t i = 0; i < l->n; i++) {
        free((char *)l->v[i].key);
        free((char *)l->v[i].text);
        free((char *)l->v[i].source);
        free((char *)l->v[i].state);
    }
    free(l->v);
    memset(l, 0, sizeof *l);
}

static struct ledger_promise view_of(const struct store_promise *p)
{
    return (struct ledger_promise){.id = p->id,
                                   .key = p->key,
                                   .text = p->text,
                                   .due = p->due,
                                   .source = p->source,
                                   .state = p->state};
}

/* The store's state words, as the static strings promise.h promises. */
static const char *state_word(const char *state)
{
    if (!strcmp(state, "kept")) return "kept";
    if (!strcmp(state, "broken")) return "broken";
    return "open";
}

static int state_cb(void *ud, const struct store_promise *p)
{
    *(const char **)ud = state_word(p->state);
    return 0;
}

int ledger_promise_add(struct ledger *lg, const char *key, const char *text, usec_t due,
                       const char *source, usec_t now, int64_t *id, const char **state)
{
    int64_t pid;
    int r = store_promise_add(lg->st, key, text, due, source, now, &pid);
    if (r < 0) return r;
    if (id) *id = pid;
    if (state) {
        *state = "open";
        r = store_promise_get(lg->st, pid, state_cb, state);
        if (r < 0) return r;
    }
    return 0;
}

int ledger_promise_set_state(struct ledger *lg, int64_t id, const char *state, usec_t now)
{
    return store_promise_set_state(lg->st, id, state, now);
}

static int open_cb(void *ud, const struct store_promise *p)
{
    if (strcmp(p->state, "open")) return 0;
    struct ledger_promise v = view_of(p);
    return promise_list_add(ud, &v);
}

int ledger_promise_open(struct ledger *lg, int64_t id, struct promise_list *out)
{
    size_t before = out->n;
    int r = store_promise_get(lg->st, id, open_cb, out);
    if (r < 0) return r;
    return out->n > before ? 0 : -ENOENT;
}

static int open_ctl_cb(void *ud, const struct store_promise *p)
{
    if (p->key) return 0;
    return open_cb(ud, p);
}

int ledger_promises_open_ctl(struct ledger *lg, struct promise_list *out)
{
    return store_promises(lg->st, open_ctl_cb, out);
}

struct each_walk {
    int (*cb)(void *ud, const struct ledger_promise *p);
    void *ud;
};

static int each_cb(void *ud, const struct store_promise *p)
{
    struct each_walk *w = ud;
    struct ledger_promise v = view_of(p);
    return w->cb(w->ud, &v);
}

int ledger_promises_each(struct ledger *lg, int (*cb)(void *ud, const struct ledger_promise *p),
                         void *ud)
{
    struct each_walk w = {cb, ud};
    return store_promises(lg->st, each_cb, &w);
}

struct count_walk {
    usec_t now;
    struct promise_counts *c;
};

static int count_cb(void *ud, const struct store_promise *p)
{
    struct count_walk *w = ud;
    bool open = !strcmp(p->state, "open");
    /* An open promise not yet due is not a promise kept or broken yet. */
    if (p->due <= w->now || !open) w->c->promised++;
    if (!strcmp(p->state, "kept")) w->c->kept++;
    if (!strcmp(p->state, "broken")) w->c->broken++;
    return 0;
}

int ledger_promise_counts(struct ledger *lg, usec_t now, struct promise_counts *c)
{
    *c = (struct promise_counts){0};
    struct count_walk w = {now, c};
    return store_promises(lg->st, count_cb, &w);
}
