#include "sync/plan.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Instants on the server are whole seconds. */
static bool same_second(usec_t a, usec_t b)
{
    return a / USEC_PER_SEC == b / USEC_PER_SEC;
}

static bool same_text(const char *a, const char *b)
{
    return !strcmp(a ? a : "", b ? b : "");
}

static bool same_state(const struct ical_todo *a, const struct ical_todo *b)
{
    if (a->status != b->status) return false;
    return a->status != ICAL_TODO_COMPLETED || same_second(a->completed, b->completed);
}

bool sync_want_matches(const struct sync_want *w, const struct ical_todo *remote)
{
    if (w->mode == SYNC_WANT_KEEP) return true;
    if (!same_state(&w->todo, remote)) return false;
    if (w->mode == SYNC_WANT_STATUS) return true;
    /* Compared as the server will hold it: what ical_todo_write cleans and cuts, read back. */
    char *text = ical_todo_write(&w->todo);
    if (!text) return false;
    struct ical_todo norm;
    char err[128];
    int r = ical_todo_read(text, strlen(text), &norm, err, sizeof err);
    free(text);
    if (r < 0) return false;
    bool same = same_text(norm.summary, remote->summary) &&
                same_text(norm.description, remote->description) &&
                same_text(norm.kind, remote->kind) && same_second(norm.due, remote->due);
    ical_todo_clear(&norm);
    return same;
}

/* Sorted views of the three lists, found by UID. */
struct entry {
    const char *uid;
    size_t i;
};

static int entry_cmp(const void *a, const void *b)
{
    return strcmp(((const struct entry *)a)->uid, ((const struct entry *)b)->uid);
}

static struct entry *index_of(size_t n, const char *(*uid_at)(const void *, size_t), const void *v)
{
    struct entry *e = calloc(n ? n : 1, sizeof *e);
    if (!e) return NULL;
    for (size_t i = 0; i < n; i++) e[i] = (struct entry){uid_at(v, i), i};
    qsort(e, n, sizeof *e, entry_cmp);
    return e;
}

static const struct entry *find(const struct entry *e, size_t n, const char *uid)
{
    struct entry key = {uid, 0};
    return n ? bsearch(&key, e, n, sizeof *e, entry_cmp) : NULL;
}

static const char *remote_uid(const void *v, size_t i)
{
    const struct sync_remote *r = v;
    return r[i].todo->uid;
}

static const char *known_uid(const void *v, size_t i)
{
    const struct sync_known *k = v;
    return k[i].uid;
}

static char *dup0(const char *s)
{
    return s ? strdup(s) : NULL;
}

static struct sync_op *add_op(struct sync_plan *p, enum sync_op_kind kind, const char *uid,
                              const char *href, const char *etag, usec_t due)
{
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 16;
        struct sync_op *ops = realloc(p->ops, cap * sizeof *ops);
        if (!ops) return NULL;
        p->ops = ops;
        p->cap = cap;
    }
    struct sync_op *op = &p->ops[p->n];
    *op = (struct sync_op){.kind = kind, .uid = dup0(uid), .href = dup0(href),
                           .etag = dup0(etag), .due = due};
    if (!op->uid || (href && !op->href) || (etag && !op->etag)) {
        free(op->uid), free(op->href), free(op->etag);
        return NULL;
    }
    p->n++;
    return op;
}

/* The text to send: the want as it is (FULL), or the server's task with the want's state. */
static char *text_for(const struct sync_want *w, const struct ical_todo *remote, usec_t now)
{
    struct ical_todo t = w->todo;
    if (w->mode != SYNC_WANT_FULL && remote) {
        t = *remote;
        t.status = w->todo.status;
        t.completed = w->todo.status == ICAL_TODO_COMPLETED ? w->todo.completed : 0;
    }
    t.last_modified = now;
    return ical_todo_write(&t);
}

static int plan_want(struct sync_plan *p, const struct sync_want *w, const struct sync_remote *r,
                     const struct sync_known *k, bool partial, usec_t now)
{
    struct sync_op *op;
    if (r && !r->todo->ours) return 0; /* the user's own task under our UID: never touched */
    if (r) {
        if (sync_want_matches(w, r->todo)) {
            p->unchanged++;
            bool same = k && k->href[0] && !strcmp(k->href, r->href) &&
                        same_text(k->etag, r->etag);
            if (!same && !add_op(p, SYNC_OP_REMEMBER, w->todo.uid, r->href, r->etag, w->todo.due))
                return -ENOMEM;
            return 0;
        }
        if (!(op = add_op(p, SYNC_OP_UPDATE, w->todo.uid, r->href, r->etag, w->todo.due)))
            return -ENOMEM;
        return (op->ics = text_for(w, r->todo, now)) ? 0 : -ENOMEM;
    }
    if (k && !k->href[0]) return 0; /* deleted by the user: stays deleted */
    if (k && partial) return 0;      /* maybe among the entries that could not be read */
    if (k) /* made once, gone now: the user deleted it on another device */
        return add_op(p, SYNC_OP_TOMBSTONE, w->todo.uid, "", NULL, w->todo.due) ? 0 : -ENOMEM;
    if (!w->create || w->mode != SYNC_WANT_FULL) return 0;
    if (!(op = add_op(p, SYNC_OP_CREATE, w->todo.uid, NULL, NULL, w->todo.due))) return -ENOMEM;
    return (op->ics = text_for(w, NULL, now)) ? 0 : -ENOMEM;
}

int sync_plan_build(const struct sync_want *wants, size_t n_wants,
                    const struct sync_remote *remotes, size_t n_remotes,
                    const struct sync_known *knowns, size_t n_knowns, bool partial, usec_t now,
                    struct sync_plan *out)
{
    memset(out, 0, sizeof *out);
    struct entry *ri = index_of(n_remotes, remote_uid, remotes);
    struct entry *ki = index_of(n_knowns, known_uid, knowns);
    struct entry *wi = NULL;
    int r = -ENOMEM;
    if (!ri || !ki) goto out;
    wi = calloc(n_wants ? n_wants : 1, sizeof *wi);
    if (!wi) goto out;
    for (size_t i = 0; i < n_wants; i++) wi[i] = (struct entry){wants[i].todo.uid, i};
    qsort(wi, n_wants, sizeof *wi, entry_cmp);

    for (size_t i = 0; i < n_wants; i++) {
        const struct sync_want *w = &wants[i];
        const struct entry *re = find(ri, n_remotes, w->todo.uid);
        const struct entry *ke = find(ki, n_knowns, w->todo.uid);
        if ((r = plan_want(out, w, re ? &remotes[re->i] : NULL, ke ? &knowns[ke->i] : NULL, partial,
                           now)) < 0)
            goto out;
    }
    /* What this nudge made and wants no more: deleted where it still is, forgotten. */
    for (size_t i = 0; i < n_knowns; i++) {
        const struct sync_known *k = &knowns[i];
        if (find(wi, n_wants, k->uid)) continue;
        const struct entry *re = find(ri, n_remotes, k->uid);
        const struct sync_remote *rm = re ? &remotes[re->i] : NULL;
        bool del = rm && rm->todo->ours;
        if (!rm && partial) continue; /* maybe among the unreadable entries: kept in mind */
        if (!add_op(out, del ? SYNC_OP_DELETE : SYNC_OP_FORGET, k->uid, del ? rm->href : k->href,
                    del ? rm->etag : NULL, k->due)) {
            r = -ENOMEM;
            goto out;
        }
    }
    r = 0;
out:
    free(ri), free(ki), free(wi);
    if (r < 0) sync_plan_free(out);
    return r;
}

void sync_plan_free(struct sync_plan *p)
{
    for (size_t i = 0; i < p->n; i++) {
        free(p->ops[i].uid), free(p->ops[i].href), free(p->ops[i].etag), free(p->ops[i].ics);
    }
    free(p->ops);
    memset(p, 0, sizeof *p);
}
