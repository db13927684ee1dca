/* The control protocol's commands: one table entry each, {name, handler}. */
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
#include "daemon/report_data.h"
#include "ledger/ledger.h"
#include "lua/toolkit.h"
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

/* A JSON string of s made valid UTF-8 (U+FFFD for bad bytes): jansson refuses invalid
 * strings, and one id or title from a rule file must not cost the whole reply. "" for NULL. */
static json_t *jstr(const char *s)
{
    char *own;
    const char *v = utf8_clean(s ? s : "", &own);
    json_t *j = json_string(v);
    free(own);
    return j;
}

static json_t *fail(char *err, size_t errsz, const char *fmt, const char *arg)
{
    snprintf(err, errsz, fmt, arg);
    return NULL;
}

/* A required string field. */
static const char *need_string(json_t *req, const char *k, char *err, size_t errsz)
{
    json_t *v = json_object_get(req, k);
    if (!json_is_string(v) || json_string_length(v) == 0) {
        snprintf(err, errsz, "\"%s\" must be a non-empty string", k);
        return NULL;
    }
    return json_string_value(v);
}

static json_t *cmd_status(struct daemon *d, json_t *req, char *err, size_t errsz)
{
    (void)req, (void)err, (void)errsz;
    usec_t now = clock_now(clock_real());
    json_t *rules = json_array();
    for (size_t i = 0; i < d->files.n; i++) json_array_append_new(rules, jstr(d->files.paths[i]));
    return json_pack("{s:i, s:o, s:o, s:I, s:o, s:o, s:{s:o, s:b, s:o}}",
                     "pid", (int)getpid(),
                     "uptime", seconds((now - d->started) / USEC_PER_SEC * USEC_PER_SEC),
                     "rules", rules,
                     "reminders", (json_int_t)ruleset_reminder_count(d->rs),
                     "backend", jstr(notify_backend_current(d->backend)),
                     "state", jstr(store_path(d->store)),
                     "last_reload", "at", seconds(d->last_reload / USEC_PER_SEC * USEC_PER_SEC),
                     "ok", !d->last_reload_error[0],
                     "error", d->last_reload_error[0] ? jstr(d->last_reload_error) : json_null());
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
    json_array_append_new(l->a, json_pack("{s:o, s:o, s:o, s:o, s:o}", "id", jstr(r->id),
                                          "kind", jstr(r->kind), "trigger", jstr(r->trigger),
                                          "expr", jstr(r->expr), "next", seconds(r->next)));
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
    const char *id = need_string(req, "id", err, errsz);
    if (!id) return NULL;
    if (ruleset_fire_now(d->rs, id, err, errsz) < 0) return NULL;
    daemon_arm(d);
    return json_object();
}

static json_t *cmd_reload(struct daemon *d, json_t *req, char *err, size_t errsz)
{
    (void)req;
    if (daemon_reload(d, "nudgectl reload", err, errsz) < 0) return NULL;
    return json_pack("{s:I}", "reminders", (json_int_t)ruleset_reminder_count(d->rs));
}

static json_t *cmd_emit(struct daemon *d, json_t *req, char *err, size_t errsz)
{
    const char *name = need_string(req, "name", err, errsz);
    if (!name) return NULL;
    json_t *data = json_object_get(req, "data");
    if (data && !json_is_object(data) && !json_is_null(data))
        return fail(err, errsz, "%s", "\"data\" must be an object of strings");
    size_t n = data && json_is_object(data) ? json_object_size(data) : 0;
    if (n > 256) return fail(err, errsz, "%s", "\"data\" has too many keys (256 at most)");
    const char **kv = calloc(2 * n + 1, sizeof *kv);
    if (!kv) return fail(err, errsz, "%s", "out of memory");
    size_t i = 0;
    const char *k;
    json_t *v;
    if (n) json_object_foreach(data, k, v)
        {
            if (!json_is_string(v)) {
                free(kv);
                return fail(err, errsz, "\"data\".%s must be a string", k);
            }
            kv[2 * i] = k;
            kv[2 * i + 1] = json_string_value(v);
            i++;
        }
    size_t ran = ruleset_emit(d->rs, name, kv, n);
    free(kv);
    daemon_arm(d);
    return json_pack("{s:I}", "listeners", (json_int_t)ran);
}

/* "days" in lo..hi, or dflt when absent. */
static int opt_days(json_t *req, json_int_t dflt, json_int_t hi, json_int_t *out, char *err,
                    size_t errsz)
{
    json_t *days = json_object_get(req, "days");
    *out = dflt;
    if (!days || json_is_null(days)) return 0;
    if (!json_is_integer(days) || json_integer_value(days) < 1 || json_integer_value(days) > hi) {
        snprintf(err, errsz, "\"days\" must be a whole number from 1 to %lld", (long long)hi);
        return -1;
    }
    *out = json_integer_value(days);
    return 0;
}

/* ---- preview and export: the preview engine in slices on the loop ----
 *
 * A preview is bounded in what it keeps and in the work it does, and it runs a few
 * milliseconds per turn of the loop, so other clients and the live reminders go on meanwhile.
 * Past any bound the reply carries "truncated": true and "until" (how far it got). */

/* 10,000 notifications is more than a year of a reminder every hour: enough to see a plan,
 * and its JSON (4 MiB at most) stays well under the reply limit. */
#define PREVIEW_ENTRIES_MAX 10000
#define PREVIEW_BYTES_MAX ((size_t)4 << 20)
/* Instants of the simulated clock with nothing to show still cost a callback each. */
#define PREVIEW_INSTANTS_MAX 1000000
#define PREVIEW_WORK_MAX_NS (10 * (uint64_t)1000000000) /* 10 s of the loop's time in all */
/* history's (and promise list's) reply holds at most this much of titles and ids (100,000 rows
 * of long titles would be hundreds of MiB); past it the reply says "truncated". */
#define HISTORY_BYTES_MAX ((size_t)4 << 20)
#define PREVIEW_SLICE_NS (5 * (uint64_t)1000000)        /* per turn of the loop, shared */
/* Each preview holds a rule set and a copy of the state: a few at once, not one per client. */
#define PREVIEW_JOBS_MAX 4

static unsigned preview_jobs; /* running on the loop now */

struct preview_job {
    struct notify_backend capture; /* first: the simulation shows into it */
    struct daemon *d;
    struct control_client *cl; /* NULL: run to the end at once (control_reply) */
    struct preview_sim *sim;
    uv_idle_t turn; /* one slice per turn of the loop; the poll in between does not wait */
    json_t *entries;
    size_t bytes, instants;
    uint64_t work_ns;
    uint32_t next_id;
    usec_t full_at; /* the first notification left out */
    bool full, truncated, export;
};

static size_t len0(const char *s)
{
    return s ? strlen(s) : 0;
}

static int capture_show(struct notify_backend *self, const struct notification *n, usec_t at,
                        uint32_t *id, char *err, size_t errsz)
{
    struct preview_job *j = (struct preview_job *)self;
    (void)err, (void)errsz;
    *id = ++j->next_id;
    if (j->full) return 0;
    /* What the JSON will take, near enough: the strings and the fields around them. */
    size_t size = 96 + len0(n->reminder_id) + len0(n->kind) + len0(n->title) + len0(n->body);
    for (size_t i = 0; i < n->n_actions; i++) size += 4 + len0(n->actions[i].id);
    if (json_array_size(j->entries) >= PREVIEW_ENTRIES_MAX || j->bytes + size > PREVIEW_BYTES_MAX) {
        j->full = j->truncated = true;
        j->full_at = at;
        return 0;
    }
    json_t *o;
    if (j->export) {
        /* `at` in epoch seconds, so the calendar can be written in UTC without knowing the
         * rule set's zone. */
        o = json_pack("{s:I, s:o, s:o, s:o, s:o}", "at", (json_int_t)(at / USEC_PER_SEC), "id",
                      jstr(n->reminder_id), "kind", jstr(n->kind), "title", jstr(n->title), "body",
                      jstr(n->body));
    } else {
        char when[64];
        timestamp_format_iso(at, when, sizeof when);
        json_t *actions = json_array();
        for (size_t i = 0; i < n->n_actions; i++)
            json_array_append_new(actions, jstr(n->actions[i].id));
        /* The objects `nudged --preview --json` prints. */
        o = json_pack("{s:s, s:o, s:o, s:o, s:o, s:o}", "at", when, "id", jstr(n->reminder_id),
                      "kind", jstr(n->kind), "title", jstr(n->title), "body", jstr(n->body),
                      "actions", actions);
    }
    if (o) json_array_append_new(j->entries, o);
    j->bytes += size;
    return 0;
}

static void capture_destroy(struct notify_backend *self)
{
    (void)self; /* part of the job */
}

static void job_free_handle(uv_handle_t *h)
{
    free(h->data);
}

/* Frees the job (its timer's close callback frees the memory). */
static void job_free(struct preview_job *j)
{
    preview_sim_free(j->sim);
    j->sim = NULL;
    json_decref(j->entries);
    j->entries = NULL;
    if (j->cl) {
        preview_jobs--;
        uv_idle_stop(&j->turn);
        uv_close((uv_handle_t *)&j->turn, job_free_handle);
    } else {
        free(j);
    }
}

static void job_cancel(void *job)
{
    job_free(job);
}

/* Runs the simulation for up to budget_ns; true when it is over (ended or truncated). */
static bool job_run(struct preview_job *j, uint64_t budget_ns)
{
    uint64_t start = uv_hrtime();
    bool done = false;
    while (!done) {
        done = preview_sim_step(j->sim, 16);
        j->instants += 16;
        if (j->full || j->instants >= PREVIEW_INSTANTS_MAX) {
            j->truncated = !done || j->full;
            done = true;
        }
        uint64_t spent = uv_hrtime() - start;
        if (j->work_ns + spent >= PREVIEW_WORK_MAX_NS) {
            j->truncated = !done || j->full;
            done = true;
        }
        if (spent >= budget_ns) break;
    }
    j->work_ns += uv_hrtime() - start;
    return done;
}

/* The reply of a finished job. */
static json_t *job_reply(struct preview_job *j)
{
    json_t *r = json_pack("{s:o}", j->export ? "fires" : "notifications", j->entries);
    j->entries = NULL;
    if (!r) return NULL;
    json_object_set_new(r, "truncated", json_boolean(j->truncated));
    if (j->truncated) {
        char until[64];
        /* Everything before `until` is in the reply. */
        timestamp_format_iso(j->full ? j->full_at : preview_sim_time(j->sim), until, sizeof until);
        json_object_set_new(r, "until", json_string(until));
        json_object_set_new(r, "limit", json_integer(PREVIEW_ENTRIES_MAX));
    }
    return r;
}

/* An idle handle, not a zero timer: libuv runs a timer re-armed to 0 from its own callback
 * again before polling, which would starve every client. */
static void on_job_turn(uv_idle_t *h)
{
    struct preview_job *j = h->data;
    if (j->d->stopping) return; /* the control socket closes and cancels us */
    /* The jobs share one slice per turn, so other clients wait no longer with more of them. */
    if (!job_run(j, PREVIEW_SLICE_NS / (preview_jobs ? preview_jobs : 1))) return;
    json_t *r = job_reply(j);
    struct control_client *cl = j->cl;
    job_free(j);
    control_answer(cl, r, "out of memory");
}

/* Starts a preview of `days` for cl (or runs it at once without cl). Returns the reply, or
 * NULL with err set, or NULL after control_defer(). */
static json_t *preview_start(struct daemon *d, struct control_client *cl, int days, bool export,
                             char *err, size_t errsz)
{
    if (cl && preview_jobs >= PREVIEW_JOBS_MAX) {
        snprintf(err, errsz, "%u previews or exports are running already: try again when one has "
                             "finished", preview_jobs);
        return NULL;
    }
    struct preview_job *j = calloc(1, sizeof *j);
    if (!j) return fail(err, errsz, "%s", "out of memory");
    j->capture.name = "capture";
    j->capture.show = capture_show;
    j->capture.destroy = capture_destroy;
    j->d = d;
    j->export = export;
    j->entries = json_array();
    usec_t now = clock_now(clock_real());
    /* The daemon's state as it is now (fired one-shots, snoozes), through a private copy made
     * with the daemon's own connection: opening nudge.db again would drop its locks. */
    struct preview_options po = {.from = now, .days = days, .seed = d->seed, .json = true,
                                 .live_store = d->store};
    err[0] = 0;
    j->sim = preview_sim_new(&d->files, d->rs, &po, &j->capture, err, errsz);
    if (!j->sim || !j->entries) {
        if (!err[0]) snprintf(err, errsz, "out of memory");
        job_free(j);
        return NULL;
    }
    if (!cl) {
        while (!job_run(j, UINT64_MAX)) {
        }
        json_t *r = job_reply(j);
        job_free(j);
        return r ? r : fail(err, errsz, "%s", "out of memory");
    }
    j->cl = cl;
    preview_jobs++;
    uv_idle_init(d->loop, &j->turn);
    j->turn.data = j;
    uv_idle_start(&j->turn, on_job_turn);
    control_defer(cl, job_cancel, j);
    return NULL;
}

static json_t *cmd_preview(struct daemon *d, json_t *req, struct control_client *cl, char *err,
                           size_t errsz)
{
    json_int_t n;
    if (opt_days(req, 7, 366, &n, err, errsz) < 0) return NULL;
    return preview_start(d, cl, (int)n, false, err, errsz);
}

/* The coming fires for `nudgectl export --ics`: what `preview` shows, built as fires. */
static json_t *cmd_export(struct daemon *d, json_t *req, struct control_client *cl, char *err,
                          size_t errsz)
{
    json_int_t n;
    if (opt_days(req, 30, 366, &n, err, errsz) < 0) return NULL;
    return preview_start(d, cl, (int)n, true, err, errsz);
}

static json_t *day_json(const struct report_day *d)
{
    char date[16];
    time_t t = (time_t)(d->day * 86400);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(date, sizeof date, "%Y-%m-%d", &tm);
    return json_pack("{s:s, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i}", "date", date,
                     "checkins_due", d->checkins_due, "checkins_done", d->checkins_done,
                     "journal", d->journal, "answered_done", d->answered_done,
                     "gestures_shown", d->gestures_shown, "gestures_done", d->gestures_done,
                     "promises_due", d->promises_due, "promises_kept", d->promises_kept,
                     "promises_broken", d->promises_broken);
}

/* A report's days are bounded (REPORT_DAYS_MAX, about 250 bytes each); its promises are kept
 * under these, newest first, so the reply stays well under the control socket's limit. */
#define REPORT_PROMISES_MAX 10000
#define REPORT_PROMISES_BYTES_MAX ((size_t)3 << 20)

/* The raw figures behind `nudgectl report` (report_data.c); the client scores and draws. */
static json_t *cmd_report(struct daemon *d, json_t *req, char *err, size_t errsz)
{
    json_int_t n;
    if (opt_days(req, REPORT_DAYS_DEFAULT, REPORT_DAYS_MAX, &n, err, errsz) < 0) return NULL;
    usec_t since, now = clock_now(clock_real());
    bool has_since = ruleset_since(d->rs, &since);
    struct report_data r;
    if (report_data_compute(d->store, now, (int)n, has_since ? &since : NULL, &r) < 0)
        return fail(err, errsz, "%s", "the state database failed (see the log)");
    json_t *days = json_array(), *promises = json_array();
    for (int i = 0; i < r.ndays; i++) json_array_append_new(days, day_json(&r.days[i]));
    /* The newest promises when there are very many (they come by due time). */
    size_t first = r.npromises > REPORT_PROMISES_MAX ? r.npromises - REPORT_PROMISES_MAX : 0;
    size_t pbytes = 0;
    bool truncated = first > 0;
    for (size_t i = r.npromises; i-- > first;) {
        pbytes += 96 + len0(r.promises[i].text) + len0(r.promises[i].source);
        if (pbytes > REPORT_PROMISES_BYTES_MAX) {
            first = i + 1;
            truncated = true;
            break;
        }
    }
    for (size_t i = first; i < r.npromises; i++) {
        const struct report_promise *p = &r.promises[i];
        json_array_append_new(promises, json_pack("{s:I, s:o, s:o, s:o, s:o}", "id", (json_int_t)p->id,
                                                  "text", jstr(p->text), "due", seconds(p->due), "state",
                                                  jstr(p->state), "source", jstr(p->source)));
    }
    json_t *out = json_pack("{s:o, s:o, s:o, s:o, s:i, s:i, s:o}", "now",
                            seconds(now / USEC_PER_SEC * USEC_PER_SEC), "since",
                            r.has_since ? seconds(r.since) : json_null(), "phase",
                            r.phase ? jstr(r.phase) : json_null(), "days", days, "streak",
                            r.streak, "best_streak", r.best_streak, "promises", promises);
    report_data_free(&r);
    if (out) json_object_set_new(out, "truncated", json_boolean(truncated));
    return out;
}

/* An optional time in the time language: a string, or epoch seconds. */
static int opt_time(json_t *req, const char *k, usec_t *out, char *err, size_t errsz)
{
    json_t *v = json_object_get(req, k);
    if (!v || json_is_null(v)) return 0;
    if (json_is_number(v)) {
        double sec = json_number_value(v);
        /* Years -9999..9999 at most: a larger double would overflow usec_t. */
        if (!(sec >= -253402300799.0 && sec <= 253402300799.0))
            return snprintf(err, errsz, "\"%s\" is out of range", k), -1;
        *out = (usec_t)(sec * 1e6);
        return 1;
    }
    if (!json_is_string(v)) return snprintf(err, errsz, "\"%s\" must be a timestamp", k), -1;
    char e[512];
    if (timestamp_parse(json_string_value(v), clock_now(clock_real()), out, e, sizeof e) < 0)
        return snprintf(err, errsz, "%s", e), -1;
    return 1;
}

static json_t *fire_json(const struct ledger_answer *a, const char *reminder)
{
    return json_pack("{s:I, s:o, s:o, s:o, s:o}", "id", (json_int_t)a->fire_id, "reminder", jstr(reminder),
                     "title", jstr(a->title), "scheduled", seconds(a->scheduled), "fired", seconds(a->fired));
}

static json_t *answer(struct daemon *d, json_t *req, const char *what, char *err, size_t errsz)
{
    const char *id = need_string(req, "id", err, errsz);
    if (!id) return NULL;
    usec_t span = 0;
    json_t *sp = json_object_get(req, "span");
    if (sp && !json_is_null(sp)) {
        char e[512];
        if (!json_is_string(sp)) return fail(err, errsz, "%s", "\"span\" must be a string like \"30min\"");
        if (span_parse(json_string_value(sp), &span, e, sizeof e) < 0) return fail(err, errsz, "%s", e);
        if (span < USEC_PER_SEC) return fail(err, errsz, "%s", "\"span\" must be at least 1s");
        /* A snooze is asked again within a lifetime; far past that the due time overflows. */
        if (span > (usec_t)100 * 31557600 * USEC_PER_SEC)
            return fail(err, errsz, "%s", "\"span\" must be at most 100 years");
    }
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

static json_t *cmd_checkin(struct daemon *d, json_t *req, char *err, size_t errsz)
{
    json_t *mood = json_object_get(req, "mood"), *note = json_object_get(req, "note");
    int m = 0;
    if (mood && !json_is_null(mood)) {
        if (!json_is_integer(mood) || json_integer_value(mood) < 1 || json_integer_value(mood) > 5)
            return fail(err, errsz, "%s", "\"mood\" must be a whole number from 1 to 5");
        m = (int)json_integer_value(mood);
    }
    if (note && !json_is_null(note) && !json_is_string(note))
        return fail(err, errsz, "%s", "\"note\" must be a string");
    usec_t now = clock_now(clock_real());
    int64_t id;
    if (store_add_checkin(d->store, now, m, json_is_string(note) ? json_string_value(note) : NULL, &id) < 0)
        return fail(err, errsz, "%s", "the state database failed (see the log)");
    return json_pack("{s:I, s:o}", "id", (json_int_t)id, "at", seconds(now / USEC_PER_SEC * USEC_PER_SEC));
}

static json_t *cmd_promise_add(struct daemon *d, json_t *req, char *err, size_t errsz)
{
    const char *text = need_string(req, "text", err, errsz);
    if (!text) return NULL;
    usec_t due;
    int r = opt_time(req, "due", &due, err, errsz);
    if (r < 0) return NULL;
    if (r == 0) return fail(err, errsz, "%s", "\"due\" is required (a timestamp)");
    usec_t now = clock_now(clock_real());
    int64_t id;
    if (store_promise_add(d->store, NULL, text, due, "nudgectl", now, &id) < 0)
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

static int promise_cb(void *ud, const struct store_promise *p)
{
    struct bounded_list *w = ud;
    if (!bounded_room(w, 128 + len0(p->text) + len0(p->source) + len0(p->key))) return 1;
    json_array_append_new(w->a, json_pack("{s:I, s:o, s:o, s:o, s:o, s:o}", "id", (json_int_t)p->id,
                                        "text", jstr(p->text), "due", seconds(p->due), "state",
                                        jstr(p->state), "source", jstr(p->source),
                                        "key", p->key ? jstr(p->key) : json_null()));
    return 0;
}

static json_t *cmd_promise_list(struct daemon *d, json_t *req, char *err, size_t errsz)
{
    (void)req;
    struct bounded_list w = {.a = json_array(), .max_items = REPORT_PROMISES_MAX};
    if (store_promises(d->store, promise_cb, &w) < 0) {
        json_decref(w.a);
        return fail(err, errsz, "%s", "the state database failed (see the log)");
    }
    return json_pack("{s:o, s:b}", "promises", w.a, "truncated", w.truncated);
}

static json_t *promise_state(struct daemon *d, json_t *req, const char *state, char *err, size_t errsz)
{
    json_t *id = json_object_get(req, "id");
    if (!json_is_integer(id)) return fail(err, errsz, "%s", "\"id\" must be a promise number");
    int r = store_promise_set_state(d->store, json_integer_value(id), state, clock_now(clock_real()));
    if (r == -ENOENT) {
        snprintf(err, errsz, "no promise %lld (see nudgectl promise list)", (long long)json_integer_value(id));
        return NULL;
    }
    if (r < 0) return fail(err, errsz, "%s", "the state database failed (see the log)");
    return json_object();
}

static json_t *cmd_promise_kept(struct daemon *d, json_t *req, char *err, size_t errsz)
{
    return promise_state(d, req, "kept", err, errsz);
}

static json_t *cmd_promise_broken(struct daemon *d, json_t *req, char *err, size_t errsz)
{
    return promise_state(d, req, "broken", err, errsz);
}

static int history_cb(void *ud, const struct store_fire *f)
{
    struct bounded_list *w = ud;
    if (!bounded_room(w, 160 + len0(f->reminder) + len0(f->kind) + len0(f->title) + len0(f->answer)))
        return 1; /* enough: stops the walk */
    json_array_append_new(w->a, json_pack("{s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "fire",
                                        (json_int_t)f->id, "reminder", jstr(f->reminder), "kind", jstr(f->kind),
                                        "title", jstr(f->title), "scheduled",
                                        seconds(f->scheduled), "fired", seconds(f->fired), "answer",
                                        f->answer ? jstr(f->answer) : json_null(), "answered",
                                        f->answer ? seconds(f->answered) : json_null()));
    return 0;
}

static json_t *cmd_history(struct daemon *d, json_t *req, char *err, size_t errsz)
{
    json_t *limit = json_object_get(req, "limit");
    json_int_t n = 20;
    if (limit && !json_is_null(limit)) {
        if (!json_is_integer(limit) || json_integer_value(limit) < 1 || json_integer_value(limit) > 100000)
            return fail(err, errsz, "%s", "\"limit\" must be a whole number from 1 to 100000");
        n = json_integer_value(limit);
    }
    usec_t since = 0;
    if (opt_time(req, "since", &since, err, errsz) < 0) return NULL;
    struct bounded_list w = {.a = json_array()};
    if (store_history(d->store, since, (int)n, history_cb, &w) < 0) {
        json_decref(w.a);
        return fail(err, errsz, "%s", "the state database failed (see the log)");
    }
    return json_pack("{s:o, s:b}", "entries", w.a, "truncated", w.truncated);
}

static const struct {
    const char *name;
    command_fn fn;
} commands[] = {
    {"done", cmd_done},
    {"skip", cmd_skip},
    {"snooze", cmd_snooze},
    {"checkin", cmd_checkin},
    {"promise_add", cmd_promise_add},
    {"promise_list", cmd_promise_list},
    {"promise_kept", cmd_promise_kept},
    {"promise_broken", cmd_promise_broken},
    {"history", cmd_history},
    {"report", cmd_report},
    {"status", cmd_status}, {"list", cmd_list},     {"fire", cmd_fire},
    {"reload", cmd_reload}, {"emit", cmd_emit},
};

/* The commands that may answer later (control_defer): they run the preview engine. */
static const struct {
    const char *name;
    command_cl_fn fn;
} deferred_commands[] = {
    {"preview", cmd_preview},
    {"export", cmd_export},
};

json_t *commands_handle(void *ud, json_t *req, struct control_client *cl, char *err, size_t errsz)
{
    struct daemon *d = ud;
    const char *cmd = json_string_value(json_object_get(req, "cmd"));
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(commands[i].name, cmd)) return commands[i].fn(d, req, err, errsz);
    for (size_t i = 0; i < sizeof deferred_commands / sizeof deferred_commands[0]; i++)
        if (!strcmp(deferred_commands[i].name, cmd)) return deferred_commands[i].fn(d, req, cl, err, errsz);
    snprintf(err, errsz, "unknown command \"%.100s\"", cmd);
    return NULL;
}
