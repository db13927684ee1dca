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
    /* The toolkit's planning shows nothing: silencing it would only stop the plan after the
     * pause (and write a "silenced" row a night). */
    if (kind && !strcmp(kind, "plan")) return false;
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

/* The nudgectl pauses, read once and kept: every due fire asks whether it is paused, and the
 * only writers are this file's start and resume, which drop the copy. */
static int load_cb(void *ud, const struct store_pause *s)
{
    struct ledger_pause p;
    from_store(s, &p);
    return pause_list_add(ud, &p);
}

static int ctl_pauses(struct ledger *lg, const struct pause_list **out)
{
    if (!lg->ctl_pauses_loaded) {
        pause_list_free(&lg->ctl_pauses);
        int rc = store_pauses(lg->st, load_cb, &lg->ctl_pauses);
        if (rc < 0) {
            pause_list_free(&lg->ctl_pauses);
            return rc == -ENOMEM ? rc : -EIO;
        }
        lg->ctl_pauses_loaded = true;
    }
    *out = &lg->ctl_pauses;
    return 0;
}

static void ctl_pauses_changed(struct ledger *lg)
{
    lg->ctl_pauses_loaded = false;
}

static int add_overlapping(struct pause_list *out, const struct ledger_pause *v, size_t n,
                           usec_t from, usec_t to)
{
    /* A pause resumed the instant it began paused nothing. */
    for (size_t i = 0; i < n; i++)
        if (v[i].until > v[i].from && v[i].from < to && v[i].until > from &&
            pause_list_add(out, &v[i]) < 0)
            return -ENOMEM;
    return 0;
}

int ledger_pauses_between(struct ledger *lg, usec_t from, usec_t to, struct pause_list *out)
{
    *out = (struct pause_list){0};
    const struct pause_list *ctl;
    int rc = ctl_pauses(lg, &ctl);
    if (rc == 0) rc = add_overlapping(out, ctl->v, ctl->n, from, to);
    if (rc == 0) rc = add_overlapping(out, lg->rule_pauses, lg->n_rule_pauses, from, to);
    if (rc < 0) {
        pause_list_free(out);
        return rc;
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

/* The nudgectl pause running at now (the latest, in *p), if any. */
static bool ctl_running(struct ledger *lg, usec_t now, struct ledger_pause *p, int *rc)
{
    const struct pause_list *ctl;
    bool found = false;
    if ((*rc = ctl_pauses(lg, &ctl)) < 0) return false;
    for (size_t i = 0; i < ctl->n; i++)
        if (ctl->v[i].from <= now && ctl->v[i].until > now) {
            *p = ctl->v[i];
            found = true;
        }
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
    ctl_pauses_changed(lg);
    if (rc < 0) return errbuf_set(err, errsz, EIO, "the state database failed (see the log)");
    int64_t id = 0;
    const char *n = note && *note ? note : NULL;
    ctl_pauses_changed(lg);
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
        ctl_pauses_changed(lg);
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
