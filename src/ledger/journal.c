/* The check-in journal (see journal.h). */
#include "ledger/journal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ledger/internal.h"
#include "ledger/report.h"

int ledger_checkin_add(struct ledger *lg, usec_t now, int mood, const char *note, int64_t *id)
{
    return store_add_checkin(lg->st, now, mood, note, id);
}

static int any_cb(void *ud, const struct store_checkin *c)
{
    (void)c;
    *(bool *)ud = true;
    return 1; /* one is enough */
}

int ledger_checkin_since(struct ledger *lg, usec_t since, bool *any)
{
    *any = false;
    int r = store_checkins(lg->st, since, any_cb, any);
    return r < 0 ? r : 0;
}

/* ---- reading the journal back ---- */

struct journal_walk {
    int64_t first; /* the range's first local day */
    int (*cb)(void *ud, const struct ledger_journal_entry *e);
    void *ud;
};

static int journal_cb(void *ud, const struct store_checkin *c)
{
    struct journal_walk *w = ud;
    if (ledger_day_of(c->at) < w->first) return 0;
    struct ledger_journal_entry e = {.id = c->id, .at = c->at, .mood = c->mood, .note = c->note};
    return w->cb(w->ud, &e) ? 1 : 0;
}

int ledger_journal(struct ledger *lg, usec_t now, int days,
                   int (*cb)(void *ud, const struct ledger_journal_entry *e), void *ud)
{
    if (days < 1 || days > JOURNAL_DAYS_MAX) return -EINVAL;
    struct journal_walk w = {.first = ledger_day_of(now) - days + 1, .cb = cb, .ud = ud};
    /* A day more than asked, so a day of 25 hours (or a zone change) cannot cut the first one
     * short; the local date decides what is in. */
    usec_t since = now - (usec_t)(days + 1) * USEC_PER_DAY;
    int r = store_checkins(lg->st, since, journal_cb, &w);
    return r < 0 ? r : 0;
}

/* ---- check-in silencing, scoped to one check-in ---- */

#define SILENCE_AHEAD (24 * USEC_PER_HOUR) /* SPEC 2.3: a next prompt due within 24 hours */
#define SILENCED_SLACK (12 * USEC_PER_HOUR)

struct latest {
    bool found;
    int64_t id;
    usec_t scheduled, fired;
    char answer[16], source[32], title[256];
};

static int latest_cb(void *ud, const struct store_fire *f)
{
    struct latest *l = ud;
    l->found = true;
    l->id = f->id;
    l->scheduled = f->scheduled;
    l->fired = f->fired;
    snprintf(l->answer, sizeof l->answer, "%s", f->answer ? f->answer : "");
    snprintf(l->source, sizeof l->source, "%s", f->source ? f->source : "");
    snprintf(l->title, sizeof l->title, "%s", f->title ? f->title : "");
    return 0;
}

static int latest_of(struct ledger *lg, const char *reminder, struct latest *l)
{
    memset(l, 0, sizeof *l);
    int r = store_last_fire(lg->st, reminder, latest_cb, l);
    return r == -ENOENT ? 0 : r;
}

static bool silenced_by_checkin(const struct latest *l)
{
    return l->found && !strcmp(l->answer, "silenced") && !strcmp(l->source, "checkin");
}

int ledger_checkin_silenced(struct ledger *lg, const char *reminder, usec_t scheduled,
                            bool *silenced)
{
    struct latest l;
    *silenced = false;
    int r = latest_of(lg, reminder, &l);
    if (r < 0) return r;
    usec_t gap = scheduled > l.scheduled ? scheduled - l.scheduled : l.scheduled - scheduled;
    *silenced = silenced_by_checkin(&l) && gap <= SILENCED_SLACK;
    return 0;
}

static usec_t distance(usec_t a, usec_t b)
{
    return a > b ? a - b : b - a;
}

int ledger_checkin_pick(struct ledger *lg, const struct ledger_checkin_candidate *c, size_t n,
                        usec_t now, size_t *index)
{
    usec_t best = USEC_INFINITY;
    bool any = false;
    for (size_t i = 0; i < n; i++) {
        struct latest l;
        if (latest_of(lg, c[i].reminder, &l) < 0) return -EIO;
        /* A silenced row is a prompt that did not show: its plan counts, not when it was
         * written. */
        usec_t last = l.found ? (l.answer[0] && !strcmp(l.answer, "silenced") ? l.scheduled
                                                                                : l.fired)
                              : 0;
        usec_t d = USEC_INFINITY;
        if (last) d = distance(last, now);
        if (c[i].next && c[i].next != USEC_INFINITY && distance(c[i].next, now) < d)
            d = distance(c[i].next, now);
        if (!any || d < best) {
            best = d;
            *index = i;
            any = true;
        }
    }
    return any ? 0 : -ENOENT;
}

int ledger_checkin_log(struct ledger *lg, const char *reminder, usec_t next, int mood,
                       const char *note, usec_t now, struct ledger_checkin_result *out,
                       char *err, size_t errsz)
{
    memset(out, 0, sizeof *out);
    if (store_add_checkin(lg->st, now, mood, note, &out->entry) < 0) goto failed;
    /* A snooze of it asks again about what was just done: it never shows (its body would be
     * stale too). */
    int c = ledger_cancel_snoozes(lg, reminder, "checkin", now);
    if (c < 0) goto failed;
    out->cancelled = c;
    struct latest l;
    if (latest_of(lg, reminder, &l) < 0) goto failed;
    if (l.found && !l.answer[0]) {
        if (store_record_answer(lg->st, l.id, "done", now, "checkin") < 0) goto failed;
        ledger_settled_push(lg, l.id);
        out->settled = l.id;
        return 0;
    }
    if (!next || next == USEC_INFINITY || next <= now || next - now > SILENCE_AHEAD) return 0;
    if (silenced_by_checkin(&l) && distance(l.scheduled, next) <= SILENCED_SLACK) {
        out->silenced = l.id; /* logged twice before one prompt: it is silenced already */
        out->silenced_at = l.scheduled;
        return 0;
    }
    out->silenced = ledger_record_silenced(lg, reminder, "checkin", l.found ? l.title : NULL,
                                           next, "checkin", now);
    if (!out->silenced) goto failed;
    out->silenced_at = next;
    return 0;
failed:
    snprintf(err, errsz, "the state database failed (see the log)");
    return -EIO;
}
