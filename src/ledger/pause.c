/* Pauses of both kinds, and what starting and ending one does (see pause.h). */
#include "ledger/pause.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/errbuf.h"
#include "common/log.h"
#include "common/notification.h"
#include "ledger/internal.h"

void pause_list_free(struct pause_list *l)
{
    free(l->v);
    *l = (struct pause_list){0};
}

static int pause_list_add(struct pause_list *l, const struct ledger_pause *p)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 8;
        struct ledger_pause *v = realloc(l->v, cap * sizeof *v);
        if (!v) return -ENOMEM;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = *p;
    return 0;
}

bool ledger_pause_silences(const struct ledger_pause *p, const char *kind)
{
    if (p->all) return true;
    /* Promises are commitments the user made: a pause gives space from prompts, not from
     * them. "notify" is the rules' own core-API notifications, which the toolkit does not
     * own. Every toolkit kind, those added later included, is silenced. */
    return kind && strcmp(kind, "promise") && strcmp(kind, "notify");
}

static int cmp_pause(const void *a, const void *b)
{
    const struct ledger_pause *x = a, *y = b;
    return (x->from > y->from) - (x->from < y->from);
}

int ledger_set_rule_pauses(struct ledger *lg, const struct ledger_pause *v, size_t n)
{
    if (n > LEDGER_RULE_PAUSES_MAX) return -EINVAL;
    struct ledger_pause *copy = NULL;
    if (n) {
        if (!(copy = malloc(n * sizeof *copy))) return -ENOMEM;
        memcpy(copy, v, n * sizeof *copy);
        for (size_t i = 0; i < n; i++) {
            copy[i].id = 0;
            copy[i].origin = LEDGER_PAUSE_RULES;
        }
        qsort(copy, n, sizeof *copy, cmp_pause);
    }
    free(lg->rule_pauses);
    lg->rule_pauses = copy;
    lg->n_rule_pauses = n;
    return 0;
}

/* A stored pause as the ledger speaks of it: a resume is its real end. */
static void from_store(const struct store_pause *s, struct ledger_pause *p)
{
    *p = (struct ledger_pause){.id = s->id,
                               .from = s->start,
                               .until = s->until,
                               .all = s->all,
                               .origin = LEDGER_PAUSE_CTL};
    if (s->ended && s->ended < p->until) p->until = s->ended < s->start ? s->start : s->ended;
    snprintf(p->note, sizeof p->note, "%s", s->note ? s->note : "");
}

/* Every pause overlapping [from, to), both kinds, unsorted. */
struct collect {
    usec_t from, to;
    struct pause_list *out;
    int rc;
};

static int collect_cb(void *ud, const struct store_pause *s)
{
    struct collect *c = ud;
    struct ledger_pause p;
    from_store(s, &p);
    if (p.from < c->to && p.until > c->from && pause_list_add(c->out, &p) < 0)
        return c->rc = -ENOMEM;
    return 0;
}

int ledger_pauses_between(struct ledger *lg, usec_t from, usec_t to, struct pause_list *out)
{
    *out = (struct pause_list){0};
    struct collect c = {from, to, out, 0};
    int rc = store_pauses(lg->st, collect_cb, &c);
    if (rc == 0) rc = c.rc;
    for (size_t i = 0; rc == 0 && i < lg->n_rule_pauses; i++) {
        const struct ledger_pause *p = &lg->rule_pauses[i];
        if (p->from < to && p->until > from) rc = pause_list_add(out, p);
    }
    if (rc < 0) {
        pause_list_free(out);
        return rc == -ENOMEM ? rc : -EIO;
    }
    if (out->n) qsort(out->v, out->n, sizeof *out->v, cmp_pause);
    return 0;
}

bool ledger_paused_at(struct ledger *lg, usec_t t, struct ledger_pause *how)
{
    struct pause_list l;
    if (ledger_pauses_between(lg, t, t + 1, &l) < 0) {
        log_warn("cannot read the pauses; reminders come as planned meanwhile");
        return false;
    }
    if (how && l.n) {
        *how = l.v[0];
        for (size_t i = 1; i < l.n; i++) {
            const struct ledger_pause *p = &l.v[i];
            how->all |= p->all;
            if (p->until > how->until) how->until = p->until;
            if (!how->note[0]) memcpy(how->note, p->note, sizeof how->note);
            if (!strcmp(p->origin, LEDGER_PAUSE_CTL)) {
                how->origin = LEDGER_PAUSE_CTL;
                how->id = p->id;
            }
        }
    }
    bool paused = l.n > 0;
    pause_list_free(&l);
    return paused;
}

/* The nudgectl pause running at now (its row in *p), if any. */
static bool ctl_running(struct ledger *lg, usec_t now, struct ledger_pause *p, int *rc)
{
    struct pause_list l = {0};
    struct collect c = {now, now + 1, &l, 0};
    *rc = store_pauses(lg->st, collect_cb, &c);
    if (*rc == 0) *rc = c.rc;
    bool found = *rc == 0 && l.n > 0;
    if (found) *p = l.v[l.n - 1];
    pause_list_free(&l);
    return found;
}

/* A pending snooze the pause would silence: one of a silenced kind due before it ends. */
static bool snooze_in_pause(const struct store_snooze *z, const void *arg)
{
    const struct ledger_pause *p = arg;
    if (z->due >= p->until) return false;
    struct notification n;
    if (notification_decode(z->blob, z->len, &n) < 0) return false; /* shown as it comes */
    bool silenced = ledger_pause_silences(p, n.kind);
    notification_clear(&n);
    return silenced;
}

int ledger_pause_start(struct ledger *lg, usec_t now, usec_t until, bool all, const char *note,
                       struct ledger_pause *out, int *cancelled, char *err, size_t errsz)
{
    if (until <= now)
        return errbuf_set(err, errsz, EINVAL, "a pause must end after it begins (now)");
    if (note && strlen(note) > LEDGER_PAUSE_NOTE_MAX)
        return errbuf_set(err, errsz, EINVAL, "the note is longer than %d bytes",
                          LEDGER_PAUSE_NOTE_MAX);
    struct ledger_pause running;
    int rc;
    if (ctl_running(lg, now, &running, &rc) && store_pause_end(lg->st, running.id, now) < 0)
        rc = -EIO;
    if (rc < 0) return errbuf_set(err, errsz, EIO, "the state database failed (see the log)");
    int64_t id = 0;
    const char *n = note && *note ? note : NULL;
    if (store_pause_add(lg->st, now, until == USEC_INFINITY ? NULL : &until, all, n, now, &id) < 0)
        return errbuf_set(err, errsz, EIO, "the state database failed (see the log)");
    *out = (struct ledger_pause){
        .id = id, .from = now, .until = until, .all = all, .origin = LEDGER_PAUSE_CTL};
    snprintf(out->note, sizeof out->note, "%s", n ? n : "");
    int c = ledger_snoozes_remove(lg, snooze_in_pause, out, "pause", now);
    if (c < 0) log_warn("a pause could not cancel the pending snoozes; they show as planned");
    if (cancelled) *cancelled = c < 0 ? 0 : c;
    return 0;
}

/* "Sat 26 Dec 00:00" (local), for messages. */
static void format_day_time(usec_t t, char *buf, size_t bufsz)
{
    time_t tt = (time_t)(t / USEC_PER_SEC);
    struct tm tm;
    localtime_r(&tt, &tm);
    strftime(buf, bufsz, "%a %d %b %H:%M", &tm);
}

int ledger_pause_resume(struct ledger *lg, usec_t now, struct ledger_pause *ended, char *err,
                        size_t errsz)
{
    struct ledger_pause p;
    int rc;
    if (ctl_running(lg, now, &p, &rc)) {
        if (store_pause_end(lg->st, p.id, now) < 0)
            return errbuf_set(err, errsz, EIO, "the state database failed (see the log)");
        p.until = now;
        if (ended) *ended = p;
        return 0;
    }
    if (rc < 0) return errbuf_set(err, errsz, EIO, "the state database failed (see the log)");
    for (size_t i = 0; i < lg->n_rule_pauses; i++) {
        const struct ledger_pause *r = &lg->rule_pauses[i];
        if (r->from > now || r->until <= now) continue;
        char when[64];
        format_day_time(r->until, when, sizeof when);
        return errbuf_set(err, errsz, EPERM,
                          "this pause comes from your rule file (nudge.config 'pause') and ends "
                          "%s; to end it sooner, take those dates out and reload",
                          when);
    }
    return errbuf_set(err, errsz, ENOENT, "nothing is paused: reminders come as planned");
}
