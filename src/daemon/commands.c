/* The control protocol's commands: a handler for each entry of the protocol table, which
 * checks a request's arguments before its handler runs (so a handler reads them unchecked). */
#include "daemon/commands.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/utf8.h"
#include "daemon/daemon.h"
#include "daemon/jobs.h"
#include "daemon/reply.h"
#include "daemon/sync_glue.h"
#include "ledger/history.h"
#include "ledger/journal.h"
#include "ledger/promise.h"
#include "ledger/report.h"
#include "ledger/ledger.h"
#include "ledger/pause.h"
#include "ledger/uid.h"
#include "lua/toolkit.h"
#include "protocol/protocol.h"
#include "sync/sync.h"
#include "time/span.h"
#include "time/timestamp.h"

typedef json_t *(*command_fn)(struct daemon *d, json_t *req, char *err, size_t errsz);
typedef json_t *(*command_cl_fn)(struct daemon *d, json_t *req, struct control_client *cl,
                                 char *err, size_t errsz);

static json_t *seconds(usec_t t)
{
    if (t == USEC_INFINITY) return json_null();
    if (t % USEC_PER_SEC == 0) return json_integer((json_int_t)(t / USEC_PER_SEC));
    return json_real((double)t / 1e6);
}

static json_t *fail(char *err, size_t errsz, const char *fmt, const char *arg)
{
    snprintf(err, errsz, fmt, arg);
    return NULL;
}

/* A string argument (the protocol table has checked it); NULL when absent. */
static const char *arg_string(json_t *req, const char *k)
{
    return json_string_value(json_object_get(req, k));
}

_Static_assert(PROTOCOL_JOURNAL_DAYS_MAX == JOURNAL_DAYS_MAX &&
                   PROTOCOL_JOURNAL_DAYS_DEFAULT == JOURNAL_DAYS_DEFAULT,
               "the protocol table and the ledger agree on journal's days");
_Static_assert(PROTOCOL_REPORT_DAYS_MAX == REPORT_DAYS_MAX &&
                   PROTOCOL_REPORT_DAYS_DEFAULT == REPORT_DAYS_DEFAULT,
               "the protocol table and report_data agree on report's days");

_Static_assert(PROTOCOL_PAUSE_NOTE_MAX == LEDGER_PAUSE_NOTE_MAX,
               "the protocol table and the ledger agree on a pause's note");

/* A pause in replies (status, pause, resume, report): {from, until (null: until resumed), all,
 * note (or null), origin}. */
static json_t *pause_json(const struct ledger_pause *p)
{
    return json_pack("{s:o, s:o, s:b, s:o, s:s}", "from", seconds(p->from), "until",
                     seconds(p->until), "all", p->all, "note",
                     p->note[0] ? reply_text(p->note) : json_null(), "origin", p->origin);
}

static json_t *cmd_status(struct daemon *d, json_t *req, char *err, size_t errsz)
{
    (void)req, (void)err, (void)errsz;
    usec_t now = clock_now(clock_real());
    json_t *rules = json_array();
    for (size_t i = 0; i < d->files.n; i++) json_array_append_new(rules, reply_text(d->files.paths[i]));
    struct ledger_pause how;
    json_t *pause = ledger_paused_at(d->ledger, now, &how) ? pause_json(&how) : json_null();
    struct sync_status st;
    daemon_sync_status(d, &st);
    json_t *sync = daemon_sync_status_json(&st);
    return json_pack("{s:i, s:o, s:o, s:I, s:o, s:o, s:{s:o, s:b, s:o}, s:o, s:o}",
                     "pid", (int)getpid(),
                     "uptime", seconds((now - d->started) / USEC_PER_SEC * USEC_PER_SEC),
                     "rules", rules,
                     "reminders", (json_int_t)ruleset_reminder_count(d->rs),
                     "backend", reply_text(notify_backend_current(d->backend)),
                     "state", reply_text(store_path(d->store)),
                     "last_reload", "at", seconds(d->last_reload / USEC_PER_SEC * USEC_PER_SEC),
                     "ok", !d->last_reload_error[0],
                     "error", d->last_reload_error[0] ? reply_text(d->last_reload_error) : json_null(),
                     "pause", pause, "sync", sync ? sync : json_null());
}

/* A list reply stays small however many reminders callbacks made: the first LIST_MAX in
 * registration order, with "truncated" and "total" saying how many there are. */
#define LIST_MAX 1000

struct list_reply {
    json_t *a;
    size_t total;
};

static void list_one(void *ud, const struct ruleset_reminder_info *r)
{
    struct list_reply *l = ud;
    if (l->total++ >= LIST_MAX) return;
    json_array_append_new(l->a, json_pack("{s:o, s:o, s:o, s:o, s:o}", "id", reply_text(r->id),
                                          "kind", reply_text(r->kind), "trigger", reply_text(r->trigger),
                                          "expr", reply_text(r->expr), "next", seconds(r->next)));
}

static json_t *cmd_list(struct daemon *d, json_t *req, char *err, size_t errsz)
{
    (void)req, (void)err, (void)errsz;
    struct list_reply l = {json_array(), 0};
    ruleset_each_reminder(d->rs, list_one, &l);
    return json_pack("{s:o, s:b, s:I}", "reminders", l.a, "truncated", l.total > LIST_MAX,
                     "total", (json_int_t)l.total);
}

static json_t *cmd_fire(struct daemon *d, json_t *req, char *err, size_t errsz)
{
    const char *id = arg_string(req, "id");
    int shown = ruleset_fire_now(d->rs, id, err, errsz);
    if (shown < 0) return NULL;
    daemon_arm(d);
    return json_pack("{s:i}", "shown", shown);
}

static json_t *cmd_reload(struct daemon *d, json_t *req, char *err, size_t errsz)
{
    (void)req;
    if (daemon_reload(d, "nudgectl reload", err, errsz) < 0) return NULL;
    return json_pack("{s:I}", "reminders", (json_int_t)ruleset_reminder_count(d->rs));
}

/* emit's reply names at most this many listeners ("failed" counts them all), so a rule that
 * registers thousands cannot make the reply huge. */
#define EMIT_OUTCOMES_MAX 1000

struct emit_reply {
    json_t *outcomes;
    json_int_t failed; /* failed now, or not run because disabled */
};

/* One listener's outcome in emit's reply: where it was registered, "ok", "failed" (with the
 * error) or "disabled" (not run), and whether it is now off until the next reload. */
static void emit_outcome(void *ud, const struct ruleset_listener_result *r)
{
    static const char *const names[] = {"ok", "failed", "disabled"};
    struct emit_reply *e = ud;
    if (r->outcome != RULESET_LISTENER_OK) e->failed++;
    if (json_array_size(e->outcomes) >= EMIT_OUTCOMES_MAX) return;
    json_t *o = json_pack("{s:o, s:s, s:b}", "where", reply_text(r->where), "outcome",
                          names[r->outcome], "disabled", r->disabled);
    if (o && r->error) json_object_set_new(o, "error", reply_text(r->error));
    if (o) json_array_append_new(e->outcomes, o);
}

static json_t *cmd_emit(struct daemon *d, json_t *req, char *err, size_t errsz)
{
    const char *name = arg_string(req, "name");
    json_t *data = json_object_get(req, "data");
    size_t n = json_object_size(data);
    const char **kv = calloc(2 * n + 1, sizeof *kv);
    if (!kv) return fail(err, errsz, "%s", "out of memory");
    size_t i = 0;
    const char *k;
    json_t *v;
    if (n) json_object_foreach(data, k, v)
        {
            kv[2 * i] = k;
            kv[2 * i + 1] = json_string_value(v);
            i++;
        }
    struct emit_reply e = {json_array(), 0};
    int ran = ruleset_emit(d->rs, name, kv, n, emit_outcome, &e, err, errsz);
    free(kv);
    daemon_arm(d);
    if (ran < 0) return json_decref(e.outcomes), NULL;
    return json_pack("{s:I, s:I, s:o}", "listeners", (json_int_t)ran, "failed", e.failed,
                     "outcomes", e.outcomes);
}

/* An integer argument: the table has checked it and filled in its default. */
static json_int_t arg_int(json_t *req, const char *k)
{
    return json_integer_value(json_object_get(req, k));
}

/* history's (and promise list's) reply holds at most this much of titles and ids (100,000 rows
 * of long titles would be hundreds of MiB); past it the reply says "truncated". */
#define HISTORY_BYTES_MAX ((size_t)4 << 20)

static json_t *cmd_preview(struct daemon *d, json_t *req, struct control_client *cl, char *err,
                           size_t errsz)
{
    return jobs_preview(d, cl, (int)arg_int(req, "days"), false, err, errsz);
}

/* The coming fires for `nudgectl export --ics`: what `preview` shows, built as fires. */
static json_t *cmd_export(struct daemon *d, json_t *req, struct control_client *cl, char *err,
                          size_t errsz)
{
    return jobs_preview(d, cl, (int)arg_int(req, "days"), true, err, errsz);
}

static json_t *day_json(const struct report_day *d)
{
    char date[16];
    time_t t = (time_t)(d->day * 86400);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(date, sizeof date, "%Y-%m-%d", &tm);
    return json_pack("{s:s, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:b}", "date", date,
                     "checkins_due", d->checkins_due, "checkins_done", d->checkins_done,
                     "journal", d->journal, "answered_done", d->answered_done,
                     "gestures_shown", d->gestures_shown, "gestures_done", d->gestures_done,
                     "promises_due", d->promises_due, "promises_kept", d->promises_kept,
                     "promises_broken", d->promises_broken, "paused", d->paused);
}

/* The day's mood from the journal (SPEC 2.4): the mean, and of how many; absent when none. */
static void day_mood_json(json_t *day, const struct report_day *d)
{
    if (!day || d->mood_n <= 0) return;
    json_object_set_new(day, "mood", json_real((double)d->mood_sum / d->mood_n));
    json_object_set_new(day, "mood_count", json_integer(d->mood_n));
}

/* One journal entry read back, in journal's and report's replies: "mood" and "note" are null
 * when none was given. */
static json_t *journal_entry_json(int64_t id, usec_t at, int mood, const char *note)
{
    return json_pack("{s:I, s:o, s:o, s:o}", "id", (json_int_t)id, "at",
                     seconds(at / USEC_PER_SEC * USEC_PER_SEC), "mood",
                     mood >= 1 && mood <= 5 ? json_integer(mood) : json_null(), "note",
                     note && note[0] ? reply_text(note) : json_null());
}

/* journal's entries stay under this many bytes of JSON, and report's notes under a smaller
 * share (its days and promises take most of the reply's 6 MiB); past it the oldest are left
 * out and "truncated" says so. */
#define JOURNAL_BYTES_MAX ((size_t)2 << 20)
#define REPORT_NOTES_BYTES_MAX ((size_t)1 << 20)

/* An entry's size on the wire, exactly (escaping can make a note six times its length). */
static size_t json_size(const json_t *o)
{
    return o ? json_dumpb(o, NULL, 0, JSON_COMPACT) + 1 : 0;
}

/* Keeps the newest entries of *a that fit in max bytes (sizes: each entry's); true when some
 * were left out. */
static bool journal_trim(json_t **a, const size_t *sizes, size_t n, size_t max)
{
    size_t bytes = 0, keep = 0;
    while (keep < n && bytes + sizes[n - 1 - keep] <= max)
        bytes += sizes[n - 1 - keep++];
    if (keep == n) return false;
    json_t *tail = json_array();
    for (size_t i = n - keep; tail && i < n; i++)
        json_array_append(tail, json_array_get(*a, i));
    json_decref(*a);
    *a = tail ? tail : json_array();
    return true;
}

/* A report's days are bounded (REPORT_DAYS_MAX, about 250 bytes each); its promises are kept
 * under these, newest first, so the reply stays well under the control socket's limit. */
#define REPORT_PROMISES_MAX 10000
#define REPORT_PROMISES_BYTES_MAX ((size_t)3 << 20)

/* The raw figures behind `nudgectl report` (ledger/report.c); the client scores and draws. */
static json_t *cmd_report(struct daemon *d, json_t *req, char *err, size_t errsz)
{
    json_int_t n = arg_int(req, "days");
    usec_t since, now = clock_now(clock_real());
    bool has_since = ruleset_since(d->rs, &since);
    struct ledger_report r;
    if (ledger_report_compute(d->ledger, now, (int)n, has_since ? &since : NULL,
                              d->rs ? ruleset_phases(d->rs) : NULL, &r) < 0)
        return fail(err, errsz, "%s", "the state database failed (see the log)");
    json_t *days = json_array(), *promises = json_array();
    for (int i = 0; i < r.ndays; i++) {
        json_t *day = day_json(&r.days[i]);
        day_mood_json(day, &r.days[i]);
        json_array_append_new(days, day);
    }
    json_t *notes = json_array();
    size_t *nsizes = calloc(r.nnotes + 1, sizeof *nsizes);
    if (!notes || !nsizes) {
        free(nsizes);
        json_decref(notes);
        json_decref(days);
        json_decref(promises);
        ledger_report_free(&r);
        return fail(err, errsz, "%s", "out of memory");
    }
    for (size_t i = 0; i < r.nnotes; i++) {
        const struct report_note *e = &r.notes[i];
        json_t *o = journal_entry_json(e->id, e->at, e->mood, e->note);
        nsizes[i] = json_size(o);
        json_array_append_new(notes, o);
    }
    bool notes_cut = journal_trim(&notes, nsizes, r.nnotes, REPORT_NOTES_BYTES_MAX);
    free(nsizes);
    /* The newest promises when there are very many (they come by due time). */
    const struct ledger_promise *pv = r.promises.v;
    size_t np = r.promises.n;
    size_t first = np > REPORT_PROMISES_MAX ? np - REPORT_PROMISES_MAX : 0;
    size_t pbytes = 0;
    bool truncated = first > 0;
    for (size_t i = np; i-- > first;) {
        pbytes += 96 + len0(pv[i].text) + len0(pv[i].source);
        if (pbytes > REPORT_PROMISES_BYTES_MAX) {
            first = i + 1;
            truncated = true;
            break;
        }
    }
    for (size_t i = first; i < np; i++) {
        const struct ledger_promise *p = &pv[i];
        json_array_append_new(promises, json_pack("{s:I, s:o, s:o, s:o, s:o}", "id", (json_int_t)p->id,
                                                  "text", reply_text(p->text), "due", seconds(p->due), "state",
                                                  reply_text(p->state), "source", reply_text(p->source)));
    }
    json_t *out = json_pack("{s:o, s:o, s:o, s:o, s:i, s:i, s:o}", "now",
                            seconds(now / USEC_PER_SEC * USEC_PER_SEC), "since",
                            r.has_since ? seconds(r.since) : json_null(), "phase",
                            r.phase ? reply_text(r.phase) : json_null(), "days", days, "streak",
                            r.streak, "best_streak", r.best_streak, "promises", promises);
    json_t *pauses = json_array();
    for (size_t i = 0; i < r.pauses.n; i++) json_array_append_new(pauses, pause_json(&r.pauses.v[i]));
    ledger_report_free(&r);
    if (out) json_object_set_new(out, "notes", notes);
    else json_decref(notes);
    if (out) json_object_set_new(out, "truncated", json_boolean(truncated || notes_cut));
    if (out) json_object_set_new(out, "pauses", pauses);
    else json_decref(pauses);
    return out;
}

/* An optional time in the time language (a string, or epoch seconds): 1 when given, 0 when
 * absent, -1 with err when it does not read at this instant. */
static int opt_time(const struct protocol_arg *a, json_t *req, usec_t *out, char *err,
                    size_t errsz)
{
    json_t *v = json_object_get(req, a->name);
    if (!v) return 0;
    if (protocol_timestamp_value(a, v, clock_now(clock_real()), out, err, errsz) < 0) return -1;
    return 1;
}

static json_t *fire_json(const struct ledger_answer *a, const char *reminder)
{
    return json_pack("{s:I, s:o, s:o, s:o, s:o}", "id", (json_int_t)a->fire_id, "reminder", reply_text(reminder),
                     "title", reply_text(a->title), "scheduled", seconds(a->scheduled), "fired", seconds(a->fired));
}

static json_t *answer(struct daemon *d, json_t *req, const char *what, char *err, size_t errsz)
{
    const char *id = arg_string(req, "id");
    usec_t span = 0;
    const char *sp = arg_string(req, "span"); /* in the table's limits */
    if (sp && span_parse(sp, &span, err, errsz) < 0) return NULL;
    /* The ledger records the answer; the rule set's timers follow its snoozes. */
    struct ledger_answer a;
    if (ledger_answer_last(d->ledger, id, what, span, clock_now(clock_real()), &a, err, errsz) < 0)
        return NULL;
    ruleset_snoozes_sync(d->rs);
    daemon_arm(d);
    json_t *r = json_pack("{s:o}", "fire", fire_json(&a, id));
    if (a.due) json_object_set_new(r, "due", seconds(a.due));
    return r;
}

static json_t *cmd_done(struct daemon *d, json_t *req, char *err, size_t errsz)
{
    return answer(d, req, "done", err, errsz);
}

static json_t *cmd_skip(struct daemon *d, json_t *req, char *err, size_t errsz)
{
    return answer(d, req, "skipped", err, errsz);
}

static json_t *cmd_snooze(struct daemon *d, json_t *req, char *err, size_t errsz)
{
    return answer(d, req, "snoozed", err, errsz);
}

/* The rules' check-in reminders (at most CHECKINS_MAX), for nudgectl checkin [ID]. */
#define CHECKINS_MAX 64

struct checkins {
    struct ledger_checkin_candidate v[CHECKINS_MAX];
    size_t n;
};

static void checkin_one(void *ud, const struct ruleset_reminder_info *r)
{
    struct checkins *c = ud;
    if (strcmp(r->kind, "checkin") || c->n == CHECKINS_MAX) return;
    c->v[c->n++] = (struct ledger_checkin_candidate){r->id, r->next == USEC_INFINITY ? 0 : r->next};
}

/* Which check-in a logged conversation is for: the one named, else the ledger's pick; NULL
 * when the rules have none (the journal entry stands alone). -1 with err for an unknown id. */
static int checkin_target(struct daemon *d, const char *id, usec_t now, struct checkins *c,
                          const struct ledger_checkin_candidate **out, char *err, size_t errsz)
{
    *out = NULL;
    ruleset_each_reminder(d->rs, checkin_one, c);
    for (size_t i = 0; id && i < c->n; i++)
        if (!strcmp(c->v[i].reminder, id)) return *out = &c->v[i], 0;
    if (id) return snprintf(err, errsz, "no check-in '%s' (see nudgectl list)", id), -1;
    size_t k;
    if (ledger_checkin_pick(d->ledger, c->v, c->n, now, &k) == 0) *out = &c->v[k];
    return 0;
}

static json_t *cmd_checkin(struct daemon *d, json_t *req, char *err, size_t errsz)
{
    json_t *note = json_object_get(req, "note");
    const char *text = json_is_string(note) ? json_string_value(note) : NULL;
    int m = (int)arg_int(req, "mood"); /* 0: none given */
    usec_t now = clock_now(clock_real());
    struct checkins c = {0};
    const struct ledger_checkin_candidate *t;
    if (checkin_target(d, arg_string(req, "id"), now, &c, &t, err, errsz) < 0) return NULL;
    struct ledger_checkin_result res = {0};
    if (!t && ledger_checkin_add(d->ledger, now, m, text, &res.entry) < 0)
        return fail(err, errsz, "%s", "the state database failed (see the log)");
    if (t && ledger_checkin_log(d->ledger, t->reminder, t->next, m, text, now, &res, err, errsz) < 0)
        return NULL;
    ruleset_snoozes_sync(d->rs); /* a cancelled snooze never shows */
    daemon_arm(d);
    json_t *r = json_pack("{s:I, s:o, s:o, s:i}", "id", (json_int_t)res.entry, "at",
                          seconds(now / USEC_PER_SEC * USEC_PER_SEC), "reminder",
                          t ? reply_text(t->reminder) : json_null(), "cancelled", res.cancelled);
    if (r && res.settled) json_object_set_new(r, "settled", json_integer(res.settled));
    if (r && res.silenced) json_object_set_new(r, "silenced", seconds(res.silenced_at));
    return r;
}

/* journal's walk: every entry of the range (journal_trim then keeps the newest that fit). */
struct journal_reply {
    json_t *a;
    size_t *sizes, n, cap;
    bool oom;
};

static int journal_one(void *ud, const struct ledger_journal_entry *e)
{
    struct journal_reply *j = ud;
    if (j->n == j->cap) {
        size_t cap = j->cap ? 2 * j->cap : 64;
        size_t *v = realloc(j->sizes, cap * sizeof *v);
        if (!v) return j->oom = true, 1;
        j->sizes = v;
        j->cap = cap;
    }
    json_t *o = journal_entry_json(e->id, e->at, e->mood, e->note);
    if (!o || json_array_append_new(j->a, o) < 0) return j->oom = true, 1;
    j->sizes[j->n++] = json_size(o);
    return 0;
}

/* nudgectl journal: the check-ins logged in the last `days` local days, with mood and note. */
static json_t *cmd_journal(struct daemon *d, json_t *req, char *err, size_t errsz)
{
    int days = (int)arg_int(req, "days");
    struct journal_reply j = {.a = json_array()};
    if (!j.a) return fail(err, errsz, "%s", "out of memory");
    int rc = ledger_journal(d->ledger, clock_now(clock_real()), days, journal_one, &j);
    if (rc < 0 || j.oom) {
        free(j.sizes);
        json_decref(j.a);
        return fail(err, errsz, "%s",
                    j.oom ? "out of memory" : "the state database failed (see the log)");
    }
    bool cut = journal_trim(&j.a, j.sizes, j.n, JOURNAL_BYTES_MAX);
    free(j.sizes);
    return json_pack("{s:o, s:i, s:b}", "entries", j.a, "days", days, "truncated", cut);
}

static json_t *cmd_promise_add(struct daemon *d, json_t *req, char *err, size_t errsz)
{
    const char *text = arg_string(req, "text");
    usec_t due;
    if (opt_time(protocol_arg_find(&protocol_commands[PROTOCOL_PROMISE_ADD], "due"), req, &due,
                 err, errsz) <= 0)
        return NULL;
    usec_t now = clock_now(clock_real());
    int64_t id;
    if (ledger_promise_add(d->ledger, NULL, text, due, "nudgectl", now, &id, NULL) < 0)
        return fail(err, errsz, "%s", "the state database failed (see the log)");
    ruleset_promise_added(d->rs, id);
    daemon_arm(d);
    return json_pack("{s:I, s:o}", "id", (json_int_t)id, "due", seconds(due));
}

/* A list reply built row by row under a byte (and a count) budget, so it stays well under
 * the control socket's limit; past it the walk stops and the reply says "truncated". */
struct bounded_list {
    json_t *a;
    size_t bytes, max_items;
    bool truncated;
};

/* Whether a row of about `size` bytes of JSON still fits; counts it when it does. */
static bool bounded_room(struct bounded_list *l, size_t size)
{
    if ((l->max_items && json_array_size(l->a) >= l->max_items) ||
        l->bytes + size > HISTORY_BYTES_MAX) {
        l->truncated = true;
        return false;
    }
    l->bytes += size;
    return true;
}

static int promise_cb(void *ud, const struct ledger_promise *p)
{
    struct bounded_list *w = ud;
    if (!bounded_room(w, 128 + len0(p->text) + len0(p->source) + len0(p->key))) return 1;
    json_array_append_new(w->a, json_pack("{s:I, s:o, s:o, s:o, s:o, s:o, s:o}", "id", (json_int_t)p->id,
                                        "text", reply_text(p->text), "due", seconds(p->due), "state",
                                        reply_text(p->state), "source", reply_text(p->source),
                                        "key", p->key ? reply_text(p->key) : json_null(),
                                        /* when it was settled (kept, broken, deleted), here or
                                         * on a synced phone */
                                        "answered", p->answered ? seconds(p->answered) : json_null()));
    return 0;
}

static json_t *cmd_promise_list(struct daemon *d, json_t *req, char *err, size_t errsz)
{
    (void)req;
    struct bounded_list w = {.a = json_array(), .max_items = REPORT_PROMISES_MAX};
    if (ledger_promises_each(d->ledger, promise_cb, &w) < 0) {
        json_decref(w.a);
        return fail(err, errsz, "%s", "the state database failed (see the log)");
    }
    return json_pack("{s:o, s:b}", "promises", w.a, "truncated", w.truncated);
}

/* A promise changed state or time: its reminders in the rule set and its pending snoozes
 * follow the ledger. */
static void promise_changed(struct daemon *d, int64_t id)
{
    ruleset_promise_changed(d->rs, id);
    ruleset_snoozes_sync(d->rs);
    daemon_arm(d);
}

/* The ledger's refusals are the user's message (err); the reply of a done change is {}. */
static json_t *promise_done(struct daemon *d, int64_t id, int r)
{
    if (r < 0) return NULL;
    promise_changed(d, id);
    return json_object();
}

static json_t *promise_settle(struct daemon *d, json_t *req, const char *state, char *err, size_t errsz)
{
    int64_t id = arg_int(req, "id");
    return promise_done(d, id, ledger_promise_settle(d->ledger, id, state, clock_now(clock_real()), err, errsz));
}

static json_t *cmd_promise_kept(struct daemon *d, json_t *req, char *err, size_t errsz)
{
    return promise_settle(d, req, "kept", err, errsz);
}

static json_t *cmd_promise_broken(struct daemon *d, json_t *req, char *err, size_t errsz)
{
    return promise_settle(d, req, "broken", err, errsz);
}

static json_t *cmd_promise_reopen(struct daemon *d, json_t *req, char *err, size_t errsz)
{
    int64_t id = arg_int(req, "id");
    return promise_done(d, id, ledger_promise_reopen(d->ledger, id, clock_now(clock_real()), err, errsz));
}

static json_t *cmd_promise_delete(struct daemon *d, json_t *req, char *err, size_t errsz)
{
    int64_t id = arg_int(req, "id");
    return promise_done(d, id, ledger_promise_delete(d->ledger, id, clock_now(clock_real()), err, errsz));
}

static json_t *cmd_promise_edit(struct daemon *d, json_t *req, char *err, size_t errsz)
{
    int64_t id = arg_int(req, "id");
    usec_t due;
    int has_due = opt_time(protocol_arg_find(&protocol_commands[PROTOCOL_PROMISE_EDIT], "due"), req,
                           &due, err, errsz);
    if (has_due < 0) return NULL;
    usec_t now = clock_now(clock_real());
    if (ledger_promise_edit(d->ledger, id, arg_string(req, "text"), has_due ? &due : NULL, now, err,
                            errsz) < 0)
        return NULL;
    promise_changed(d, id);
    struct promise_list l = {0};
    if (ledger_promise_get(d->ledger, id, &l) < 0 || !l.n) {
        promise_list_free(&l);
        return fail(err, errsz, "%s", "the state database failed (see the log)");
    }
    json_t *r = json_pack("{s:o, s:o}", "text", reply_text(l.v[0].text), "due", seconds(l.v[0].due));
    promise_list_free(&l);
    return r;
}

static int history_cb(void *ud, const struct history_entry *f)
{
    struct bounded_list *w = ud;
    if (!bounded_room(w, 160 + len0(f->reminder) + len0(f->kind) + len0(f->title) + len0(f->answer)))
        return 1; /* enough: stops the walk */
    json_array_append_new(w->a, json_pack("{s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "fire",
                                        (json_int_t)f->id, "reminder", reply_text(f->reminder), "kind", reply_text(f->kind),
                                        "title", reply_text(f->title), "scheduled",
                                        seconds(f->scheduled), "fired", seconds(f->fired), "answer",
                                        f->answer ? reply_text(f->answer) : json_null(), "answered",
                                        f->answer ? seconds(f->answered) : json_null()));
    /* Why a fire did not show (a pause, a logged check-in, quiet hours), or that it was
     * answered on another device. */
    if (f->reason) json_object_set_new(json_array_get(w->a, json_array_size(w->a) - 1), "reason",
                                       reply_text(f->reason));
    return 0;
}

static json_t *cmd_history(struct daemon *d, json_t *req, char *err, size_t errsz)
{
    json_int_t n = arg_int(req, "limit");
    usec_t since = 0;
    if (opt_time(protocol_arg_find(&protocol_commands[PROTOCOL_HISTORY], "since"), req, &since,
                 err, errsz) < 0)
        return NULL;
    struct bounded_list w = {.a = json_array()};
    if (ledger_history(d->ledger, since, (int)n, history_cb, &w) < 0) {
        json_decref(w.a);
        return fail(err, errsz, "%s", "the state database failed (see the log)");
    }
    return json_pack("{s:o, s:b}", "entries", w.a, "truncated", w.truncated);
}

/* The handler of each command in the protocol table; preview and export may answer later
 * (control_defer): they run the preview engine. */
/* nudgectl pause [SPAN | --until TS] [--all] [--note TEXT] (SPEC 2.4). */
static json_t *cmd_pause(struct daemon *d, json_t *req, char *err, size_t errsz)
{
    usec_t now = clock_now(clock_real()), until = USEC_INFINITY, span;
    const char *sp = arg_string(req, "span"); /* in the table's limits */
    int has_until = opt_time(protocol_arg_find(&protocol_commands[PROTOCOL_PAUSE], "until"), req,
                             &until, err, errsz);
    if (has_until < 0) return NULL;
    if (sp && has_until) return fail(err, errsz, "%s", "give a SPAN or --until, not both");
    if (sp) {
        if (span_parse(sp, &span, err, errsz) < 0) return NULL;
        until = now + span;
    }
    if (has_until && until <= now)
        return fail(err, errsz, "%s", "--until is in the past: a pause runs from now");
    struct ledger_pause p;
    int cancelled = 0;
    if (ledger_pause_start(d->ledger, now, until, json_is_true(json_object_get(req, "all")),
                           arg_string(req, "note"), &p, &cancelled, err, errsz) < 0)
        return NULL;
    ruleset_snoozes_sync(d->rs); /* a cancelled snooze never shows */
    daemon_arm(d);
    return json_pack("{s:o, s:i}", "pause", pause_json(&p), "cancelled", cancelled);
}

/* nudgectl resume: ends the nudgectl pause; a rule file's pause is the rule file's to end. */
static json_t *cmd_resume(struct daemon *d, json_t *req, char *err, size_t errsz)
{
    (void)req;
    struct ledger_pause p;
    int r = ledger_pause_resume(d->ledger, clock_now(clock_real()), &p, err, errsz);
    if (r == -ENOENT) return json_pack("{s:o}", "pause", json_null()); /* nothing to end */
    if (r < 0) return NULL;
    daemon_arm(d);
    return json_pack("{s:o}", "pause", pause_json(&p));
}

/* ---- sync: one run now, answered when it ends ---- */

struct sync_cancel {
    struct daemon *d;
    void *job;
    struct control_client *cl;
};

static void sync_answered(void *ud, const struct sync_status *st)
{
    struct sync_cancel *c = ud;
    struct control_client *cl = c->cl;
    free(c);
    json_t *r = json_pack("{s:o}", "sync", daemon_sync_status_json(st));
    reply_check("sync", r);
    control_answer(cl, r, "out of memory");
}

static void sync_cancel(void *job)
{
    struct sync_cancel *c = job;
    daemon_sync_cancel_now(c->d, c->job);
    free(c);
}

static json_t *cmd_sync(struct daemon *d, json_t *req, struct control_client *cl, char *err,
                        size_t errsz)
{
    struct sync_cancel *c = calloc(1, sizeof *c);
    if (!c) return fail(err, errsz, "%s", "out of memory");
    c->d = d;
    c->cl = cl;
    if (daemon_sync_now(d, arg_string(req, "login"), sync_answered, c, &c->job, err, errsz) < 0) {
        free(c);
        return NULL;
    }
    control_defer(cl, sync_cancel, c);
    return NULL;
}

static const struct {
    command_fn fn;
    command_cl_fn deferred;
} handlers[PROTOCOL_COMMANDS] = {
    [PROTOCOL_STATUS] = {cmd_status},
    [PROTOCOL_LIST] = {cmd_list},
    [PROTOCOL_PREVIEW] = {.deferred = cmd_preview},
    [PROTOCOL_FIRE] = {cmd_fire},
    [PROTOCOL_RELOAD] = {cmd_reload},
    [PROTOCOL_DONE] = {cmd_done},
    [PROTOCOL_SKIP] = {cmd_skip},
    [PROTOCOL_SNOOZE] = {cmd_snooze},
    [PROTOCOL_CHECKIN] = {cmd_checkin},
    [PROTOCOL_JOURNAL] = {cmd_journal},
    [PROTOCOL_PROMISE_ADD] = {cmd_promise_add},
    [PROTOCOL_PROMISE_LIST] = {cmd_promise_list},
    [PROTOCOL_PROMISE_KEPT] = {cmd_promise_kept},
    [PROTOCOL_PROMISE_BROKEN] = {cmd_promise_broken},
    [PROTOCOL_PROMISE_REOPEN] = {cmd_promise_reopen},
    [PROTOCOL_PROMISE_EDIT] = {cmd_promise_edit},
    [PROTOCOL_PROMISE_DELETE] = {cmd_promise_delete},
    [PROTOCOL_HISTORY] = {cmd_history},
    [PROTOCOL_EMIT] = {cmd_emit},
    [PROTOCOL_REPORT] = {cmd_report},
    [PROTOCOL_EXPORT] = {.deferred = cmd_export},
    [PROTOCOL_PAUSE] = {cmd_pause},
    [PROTOCOL_RESUME] = {cmd_resume},
    [PROTOCOL_SYNC] = {.deferred = cmd_sync},
};

/* Whether a command may change what the synced tasks say (a promise, a pause, an answer). */
static bool changes_tasks(enum protocol_command_id id)
{
    switch (id) {
    case PROTOCOL_STATUS:
    case PROTOCOL_LIST:
    case PROTOCOL_PREVIEW:
    case PROTOCOL_HISTORY:
    case PROTOCOL_REPORT:
    case PROTOCOL_EXPORT:
    case PROTOCOL_JOURNAL:
    case PROTOCOL_PROMISE_LIST:
    case PROTOCOL_RELOAD: /* daemon_reload does it */
        return false;
    default:
        return true;
    }
}

json_t *commands_handle(void *ud, json_t *req, struct control_client *cl, char *err, size_t errsz)
{
    struct daemon *d = ud;
    const char *cmd = json_string_value(json_object_get(req, "cmd"));
    const struct protocol_command *c = protocol_find(cmd);
    if (!c || (!handlers[c->id].fn && !handlers[c->id].deferred)) {
        snprintf(err, errsz, "unknown command \"%.100s\"", cmd);
        return NULL;
    }
    if (protocol_request_check(c, req, PROTOCOL_CHECK_TIME, clock_now(clock_real()), err, errsz) < 0)
        return NULL;
    json_t *reply = handlers[c->id].fn ? handlers[c->id].fn(d, req, err, errsz)
                                       : handlers[c->id].deferred(d, req, cl, err, errsz);
    daemon_close_settled(d); /* what the command settled (done, checkin, promise kept) */
    if (reply && changes_tasks(c->id)) daemon_sync_soon(d);
    reply_check(c->name, reply);
    return reply;
}
